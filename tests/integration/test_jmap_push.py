"""JMAP push: EventSource (RFC 8620 7.3) and WebSocket (RFC 8887),
driven by the store's account watch: an IMAP change shows up at once."""
import http.client
import imaplib
import json
import re
import signal
import time

import pytest

from conftest import ALICE, BOB, JMAP_PROTOCOLS
from jmap_client import CORE, JmapClient, WebSocket

MSG = b"From: a@example.test\r\nTo: alice@example.test\r\nSubject: hi\r\n\r\nbody\r\n"


def imap_append(t, user=ALICE):
    m = imaplib.IMAP4_SSL("127.0.0.1", t.port("imaps"), ssl_context=t.ssl_context())
    m.login(*user)
    m.append("INBOX", None, None, MSG)
    m.logout()


class EventStream:
    def __init__(self, t, query, user=ALICE, timeout=10):
        import base64
        self.c = http.client.HTTPSConnection("127.0.0.1", t.port("https"), timeout=timeout,
                                             context=t.ssl_context())
        auth = base64.b64encode(("%s:%s" % user).encode()).decode()
        self.c.request("GET", "/jmap/eventsource/?" + query,
                       headers={"Authorization": "Basic " + auth})
        self.r = self.c.getresponse()
        self.status = self.r.status

    def event(self):
        """The next event: (name, data) or None at the end of the stream."""
        name, data = None, None
        while True:
            line = self.r.readline()
            if not line:
                return None
            line = line.decode().rstrip("\n")
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data = json.loads(line[6:])
            elif line == "" and name is not None:
                return name, data

    def close(self):
        self.c.close()


def start(tern_factory, extra=""):
    t = tern_factory(protocols=JMAP_PROTOCOLS, extra=extra)
    t.add_account(*ALICE)
    t.add_account(*BOB)
    t.start()
    return t


def test_eventsource_state_change(tern_factory):
    t = start(tern_factory)
    j = JmapClient(t, *ALICE)
    es = EventStream(t, "types=*&closeafter=no&ping=0")
    assert es.status == 200
    assert es.r.getheader("content-type") == "text/event-stream"
    imap_append(t, BOB)             # bob's change is not alice's
    imap_append(t)
    name, data = es.event()
    assert name == "state" and data["@type"] == "StateChange"
    assert list(data["changed"]) == [j.account_id]
    states = data["changed"][j.account_id]
    assert set(states) == {"Mailbox", "Email", "Thread", "EmailDelivery"}
    assert len(set(states.values())) == 1 and states["Email"].isdigit()
    # the stream stays open: a second change, a later state
    imap_append(t)
    name, data2 = es.event()
    assert int(data2["changed"][j.account_id]["Email"]) > int(states["Email"])
    es.close()


def test_eventsource_closeafter_and_types(tern_factory):
    t = start(tern_factory)
    es = EventStream(t, "types=Email,Nonsense&closeafter=state&ping=0")
    other = EventStream(t, "types=Identity&closeafter=state&ping=0")
    imap_append(t)
    name, data = es.event()
    (states,) = data["changed"].values()
    assert list(states) == ["Email"]
    assert es.event() is None           # closed after the state
    es.close()
    # a type that did not change: nothing was sent, the stream is open
    other.c.sock.settimeout(0.5)
    with pytest.raises(OSError):
        other.event()
    other.close()


def test_eventsource_ping_and_bad_params(tern_factory):
    t = start(tern_factory, extra="[jmap]\npush_ping_min = 1s\n")
    es = EventStream(t, "types=*&closeafter=no&ping=1")
    t0 = time.time()
    name, data = es.event()
    assert name == "ping" and data == {"interval": 1}
    assert time.time() - t0 < 3
    es.close()
    # asked below the minimum: raised to it (reported in the event)
    for q in ("ping=abc", "closeafter=maybe", "ping=-1"):
        bad = EventStream(t, q)
        assert bad.status == 400, q
        bad.close()
    assert EventStream(t, "ping=0", user=(ALICE[0], "wrong-pw")).status == 401


def test_push_connection_limit(tern_factory):
    t = start(tern_factory, extra="[jmap]\npush_connections_per_account = 2\n"
                                  "push_ping_min = 1s\n")
    a = EventStream(t, "ping=1")
    b = EventStream(t, "ping=1")
    c = EventStream(t, "ping=1")
    assert (a.status, b.status, c.status) == (200, 200, 429)
    assert EventStream(t, "ping=1", user=BOB).status == 200   # bob has his own
    # a client that goes away is noticed at the next ping
    a.close()
    time.sleep(2.5)
    d = EventStream(t, "ping=1")
    assert d.status == 200


def test_websocket_requests_and_push(tern_factory):
    t = start(tern_factory)
    j = JmapClient(t, *ALICE)
    ws = WebSocket(t, j.auth_headers())
    assert ws.status == 101, ws.head
    assert "sec-websocket-protocol: jmap" in ws.head.lower()
    ws.send({"@type": "Request", "id": "r1", "using": [CORE],
             "methodCalls": [["Core/echo", {"a": 1}, "c1"]]})
    resp = ws.recv()
    assert resp["@type"] == "Response" and resp["requestId"] == "r1"
    assert resp["methodResponses"] == [["Core/echo", {"a": 1}, "c1"]]
    # request-level errors come back as RequestError
    ws.send_raw(b"{nope")
    err = ws.recv()
    assert err["@type"] == "RequestError" and err["type"].endswith(":notJSON")
    ws.send({"@type": "Request", "id": "r2", "using": ["urn:x"], "methodCalls": []})
    err = ws.recv()
    assert err["type"].endswith(":unknownCapability") and err["requestId"] == "r2"
    ws.send({"@type": "Whatever"})
    assert ws.recv()["type"].endswith(":notRequest")
    # push
    ws.send({"@type": "WebSocketPushEnable", "dataTypes": ["Mailbox", "Email"]})
    time.sleep(0.3)
    imap_append(t)
    sc = ws.recv()
    assert sc["@type"] == "StateChange"
    states = sc["changed"][j.account_id]
    assert set(states) == {"Mailbox", "Email"} and sc["pushState"] == states["Email"]
    # an old pushState: what changed since is sent at once
    ws.send({"@type": "WebSocketPushEnable", "dataTypes": None, "pushState": "1"})
    sc2 = ws.recv()
    assert sc2["pushState"] == sc["pushState"]
    assert set(sc2["changed"][j.account_id]) == {"Mailbox", "Email", "Thread", "EmailDelivery"}
    ws.send({"@type": "WebSocketPushDisable"})
    time.sleep(0.3)
    imap_append(t)
    ws.send({"@type": "Request", "id": "r3", "using": [CORE],
             "methodCalls": [["Core/echo", {}, "c"]]})
    assert ws.recv()["requestId"] == "r3"      # no StateChange before it
    ws.close()


def test_websocket_refusals(tern_factory):
    t = start(tern_factory)
    j = JmapClient(t, *ALICE)
    assert WebSocket(t, {}).status == 401
    assert WebSocket(t, j.auth_headers(), protocol=None).status == 400
    assert WebSocket(t, j.auth_headers(), protocol="chat").status == 400
    assert j.request("GET", "/jmap/ws").status == 400          # no upgrade


def test_websocket_idle_timeout(tern_factory):
    t = start(tern_factory, extra="[jmap]\npush_idle_timeout = 1s\n")
    j = JmapClient(t, *ALICE)
    ws = WebSocket(t, j.auth_headers())
    assert ws.status == 101
    t0 = time.time()
    with pytest.raises((EOFError, OSError)):
        ws.recv()
    assert 0.8 < time.time() - t0 < 5


def test_stop_with_push_open(tern_factory):
    t = start(tern_factory)
    j = JmapClient(t, *ALICE)
    es = EventStream(t, "ping=0", timeout=30)
    ws = WebSocket(t, j.auth_headers(), timeout=30)
    assert es.status == 200 and ws.status == 101
    t0 = time.time()
    assert t.stop(signal.SIGTERM) == 0
    assert time.time() - t0 < 10
    es.close()
    ws.close()


def test_eventsource_outlives_request_timeout(tern_factory):
    """http.request_timeout cuts slow request headers, not a stream
    that is being answered."""
    t = start(tern_factory, extra="[http]\nrequest_timeout = 1s\n")
    es = EventStream(t, "types=*&closeafter=no&ping=0")
    assert es.status == 200
    time.sleep(2.5)
    imap_append(t)
    name, data = es.event()
    assert name == "state"
    es.close()


def test_websocket_message_too_large(tern_factory):
    t = start(tern_factory, extra="[jmap]\nmax_size_request = 64K\n")
    j = JmapClient(t, *ALICE)
    ws = WebSocket(t, j.auth_headers())
    assert ws.status == 101
    ws.send({"@type": "Request", "id": "ok", "using": [CORE],
             "methodCalls": [["Core/echo", {"x": "a" * 1000}, "c"]]})
    assert ws.recv()["requestId"] == "ok"
    with pytest.raises((EOFError, OSError)):
        ws.send({"@type": "Request", "using": [CORE],
                 "methodCalls": [["Core/echo", {"x": "a" * (70 << 10)}, "c"]]})
        ws.recv()
    ws.close()


def test_http2_api_and_eventsource(tern_factory):
    """The same endpoints over HTTP/2 (h2o streams): API requests side by
    side with an open event stream on one connection, and a stream the
    client resets."""
    import httpx
    t = start(tern_factory)
    url = "https://127.0.0.1:%d" % t.port("https")
    with httpx.Client(http1=False, http2=True, verify=t.ssl_context(), auth=ALICE,
                      timeout=10) as c:
        with c.stream("GET", url + "/jmap/eventsource/?types=*&closeafter=state&ping=0") as es:
            assert es.http_version == "HTTP/2" and es.status_code == 200
            r = c.post(url + "/jmap/api/", json={
                "using": [CORE], "methodCalls": [["Core/echo", {"h": 2}, "0"]]})
            assert r.json()["methodResponses"] == [["Core/echo", {"h": 2}, "0"]]
            imap_append(t)
            text = b""
            for chunk in es.iter_bytes():
                text += chunk
            assert b"event: state" in text and b"StateChange" in text
        # a stream closed by the client before any event
        with c.stream("GET", url + "/jmap/eventsource/?ping=0") as es:
            assert es.status_code == 200
        r = c.get(url + "/.well-known/jmap")
        assert r.status_code == 200
    imap_append(t)          # the watcher of the reset stream is gone
    time.sleep(0.2)


def test_smtp_delivery_seen_by_push_and_idle_at_once(tern_factory):
    """one delivery over SMTP wakes a JMAP EventSource, a JMAP WebSocket
    with push enabled and an IMAP IDLE session of the same account, and
    the new state is the Email JMAP then reads"""
    import socket
    t = start(tern_factory)
    j = JmapClient(t, *ALICE)
    before = j.call([["Email/get", {"accountId": j.account_id, "ids": []}, "g"]])[0][1]
    es = EventStream(t, "types=Email&closeafter=no&ping=0")
    ws = WebSocket(t, j.auth_headers())
    assert ws.status == 101, ws.head
    ws.send({"@type": "WebSocketPushEnable", "dataTypes": ["Email"]})
    # the answer to a later request means the push is on
    ws.send({"@type": "Request", "id": "r1", "using": [CORE],
             "methodCalls": [["Core/echo", {}, "c"]]})
    assert ws.recv()["requestId"] == "r1"
    idle = imaplib.IMAP4_SSL("127.0.0.1", t.port("imaps"), ssl_context=t.ssl_context())
    idle.login(*ALICE)
    idle.select("INBOX")
    tag = idle._new_tag()
    idle.send(tag + b" IDLE\r\n")
    assert idle.readline().startswith(b"+")

    s = socket.create_connection(("127.0.0.1", t.port("smtp")), timeout=10)
    f = s.makefile("rb")

    def reply():
        while True:
            line = f.readline()
            assert line, "SMTP connection closed"
            if line[3:4] != b"-":
                return int(line[:3])
    assert reply() == 220
    for cmd, want in ((b"EHLO client.test", 250), (b"MAIL FROM:<x@sender.test>", 250),
                      (b"RCPT TO:<%s>" % ALICE[0].encode(), 250), (b"DATA", 354)):
        s.sendall(cmd + b"\r\n")
        assert reply() == want, cmd
    s.sendall(b"From: x@sender.test\r\nTo: " + ALICE[0].encode() +
              b"\r\nSubject: pushed\r\n\r\nhello\r\n.\r\n")
    assert reply() == 250
    s.sendall(b"QUIT\r\n")
    s.close()

    deadline = time.monotonic() + 10
    line = idle.readline()
    assert re.match(rb"\* \d+ EXISTS", line), line
    name, data = es.event()
    assert name == "state"
    es_state = data["changed"][j.account_id]["Email"]
    msg = ws.recv()
    assert msg["@type"] == "StateChange"
    ws_state = msg["changed"][j.account_id]["Email"]
    assert time.monotonic() < deadline
    idle.send(b"DONE\r\n")
    es.close()
    ws.close()
    # both pushed states already hold the delivery: nothing is created
    # after them, and it is the one Email created since the old state
    for pushed in (es_state, ws_state):
        assert int(pushed) > int(before["state"])
        r = j.call([["Email/changes", {"accountId": j.account_id,
                                       "sinceState": pushed}, "c"]])
        assert r[0][1]["created"] == []
    r = j.call([["Email/changes", {"accountId": j.account_id,
                                   "sinceState": before["state"]}, "c"],
                ["Email/get", {"accountId": j.account_id, "properties": ["subject"],
                               "#ids": {"resultOf": "c", "name": "Email/changes",
                                        "path": "/created"}}, "g"]])
    assert [e["subject"] for e in r[1][1]["list"]] == ["pushed"]
    idle.logout()
