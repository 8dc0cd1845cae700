"""Outbound relay: scheduling and the queue as an administrator sees it
(connection reuse, per-destination concurrency, smarthost with AUTH,
tern queue list/show/retry/delete/flush, 4xx retries, DNS failures,
SIZE, bounces into a local sender's INBOX). See test_relay.py for the
address plan."""
import calendar
import email
import re
import sqlite3
import time

import pytest

from relaylib import wait_for
from test_relay import A, SINK, Env, queue_empty, send, start

@pytest.fixture
def env(tmp_path, tern_factory):
    e = Env(tmp_path, tern_factory)
    yield e
    e.dns.stop()


def queue_ids(t):
    return [int(x) for x in re.findall(r"queue_id=(\d+)", t.cli("queue", "list").stdout)]


def next_attempts(t):
    """The next attempt of every queued recipient, in Unix seconds."""
    return [calendar.timegm(time.strptime(n, "%Y-%m-%dT%H:%M:%SZ"))
            for n in re.findall(r"next=(\S+)", t.cli("queue", "list").stdout)]


def wait_all_due(t):
    """Wait until every queued recipient's next attempt has passed (the
    list shows whole seconds: one more)."""
    wait_for(lambda: all(n + 1 < time.time() for n in next_attempts(t)),
             what="every message due")


def inbox_messages(t, address):
    """Each message of address's INBOX as served (through `tern export`)."""
    from smtputil import inbox
    return inbox(t, address)


def test_relay_connection_reuse(env):
    """messages waiting for one destination go out over one connection."""
    a = env.tern("a", "a.test", A)
    a.cli("alias", "add", "fwd@a.test", "carol@sink.test")
    start(a)
    for i in range(5):
        send(a, "dave@example.net", ["fwd@a.test"], subject="batch %d" % i)
    wait_for(lambda: a.log().count("host_failed") >= 2, what="failed attempts")
    a.stop()
    wait_all_due(a)             # so that one connection takes them all
    fake = env.fake().start()
    try:
        start(a)
        fake.wait_messages(5)
        assert fake.connections == 1, fake.commands
        assert sum(1 for c in fake.commands if c.startswith("EHLO")) == 1
    finally:
        fake.stop()


def test_relay_per_destination_concurrency(env):
    """relay.max_per_destination bounds parallel sessions to one host."""
    a = env.tern("a", "a.test", A, extra="max_per_destination = 2\n")
    a.cli("alias", "add", "fwd@a.test", "carol@sink.test")
    fake = env.fake()
    fake.delay = 0.05
    start(a)
    for i in range(60):
        send(a, "dave@example.net", ["fwd@a.test"], subject="c %d" % i)
    a.stop()
    wait_all_due(a)
    fake.start()
    try:
        start(a)
        fake.wait_messages(60, timeout=60)
        assert fake.max_active == 2
        wait_for(lambda: queue_empty(a), what="empty queue")
    finally:
        fake.stop()


def test_relay_smarthost_auth(env):
    """relay.relay_host replaces MX routing; AUTH PLAIN with the
    configured credentials; any domain goes there."""
    a = env.tern("a", "a.test", A, extra=(
        "relay_host = %s:%d\nrelay_user = relayuser\nrelay_password = s3cret\n"
        % (SINK, env.port)))
    a.cli("alias", "add", "fwd@a.test", "someone@elsewhere.example")
    fake = env.fake()
    fake.auth = ("relayuser", "s3cret")
    fake.start()
    try:
        start(a)
        assert "relay started mode=smarthost" in a.log()
        send(a, "dave@example.net", ["fwd@a.test"])
        msgs = fake.wait_messages(1)
        assert msgs[0]["to"] == ["someone@elsewhere.example"]
        assert fake.auth_ok == 1
        assert not any("s3cret" in line for line in a.log().splitlines())
    finally:
        fake.stop()


def test_relay_smarthost_bad_auth_defers(env):
    a = env.tern("a", "a.test", A, extra=(
        "relay_host = %s:%d\nrelay_user = relayuser\nrelay_password = wrong\n"
        % (SINK, env.port)))
    a.cli("alias", "add", "fwd@a.test", "someone@elsewhere.example")
    fake = env.fake()
    fake.auth = ("relayuser", "s3cret")
    fake.start()
    try:
        start(a)
        send(a, "dave@example.net", ["fwd@a.test"])
        wait_for(lambda: "535" in a.log(), what="AUTH failure")
        wait_for(lambda: "relay done " in a.log(), what="the attempt's end")
        assert fake.messages == [] and not queue_empty(a)
    finally:
        fake.stop()


def test_relay_tempfail_then_accept(env):
    """450 to a recipient: deferred, retried, delivered once."""
    a = env.tern("a", "a.test", A)
    a.cli("alias", "add", "fwd@a.test", "grey@sink.test")
    fake = env.fake()
    fake.tempfail.add("grey@sink.test")
    fake.start()
    try:
        start(a)
        send(a, "dave@example.net", ["fwd@a.test"])
        wait_for(lambda: "status=deferred" in a.log(), what="deferral")
        out = a.cli("queue", "list").stdout
        assert "grey@sink.test" in out and "450 4.2.1" in out
        fake.tempfail.clear()
        fake.wait_messages(1)
        wait_for(lambda: queue_empty(a), what="empty queue")
        assert len(fake.messages) == 1
    finally:
        fake.stop()


def test_relay_queue_cli(env):
    """list, show, delete and flush on a server's queue."""
    a = env.tern("a", "a.test", A, extra="min_backoff = 1h\nmax_backoff = 1h\n")
    a.cli("alias", "add", "fwd@a.test", "carol@sink.test")
    start(a)
    send(a, "dave@example.net", ["fwd@a.test"], subject="first")
    send(a, "dave@example.net", ["fwd@a.test"], subject="second")
    wait_for(lambda: a.log().count("host_failed") >= 2, what="failed attempts")
    ids = queue_ids(a)
    assert len(ids) == 2
    listing = a.cli("queue", "list").stdout
    # the queued copy's sender: forwarded, so SRS (test_srs.py)
    assert re.search(r"from=<SRS0=[^=]{4}=..=example\.net=dave@a\.test>", listing)
    assert "to=<carol@sink.test> state=pending attempts=1" in listing
    show = a.cli("queue", "show", str(ids[0])).stdout
    assert "Subject: first" in show and "ret=default" in show
    assert a.cli("queue", "show", "99999", check=False).returncode == 1
    assert a.cli("queue", "show", "x", check=False).returncode == 2
    a.cli("queue", "delete", str(ids[0]))
    assert queue_ids(a) == [ids[1]]
    # the next attempt is an hour away; flush makes it due now
    fake = env.fake().start()
    try:
        assert all(n > time.time() + 1800 for n in next_attempts(a))
        assert fake.messages == []
        a.cli("queue", "flush")
        msgs = fake.wait_messages(1)
        assert email.message_from_bytes(msgs[0]["data"])["Subject"] == "second"
        wait_for(lambda: queue_empty(a), what="empty queue")
    finally:
        fake.stop()


def test_relay_dns_servfail_defers(env):
    """a domain whose DNS fails (SERVFAIL) is retried, not bounced."""
    a = env.tern("a", "a.test", A)
    a.cli("alias", "add", "s@a.test", "x@broken.test")
    fake = env.fake().start()
    try:
        start(a)
        send(a, "dave@sink.test", ["s@a.test"])
        wait_for(lambda: "route_failed dest=broken.test" in a.log(),
                 what="DNS failure")
        # and again: deferred, not bounced
        wait_for(lambda: a.log().count("route_failed dest=broken.test") >= 2,
                 timeout=60, what="a second DNS failure")
        assert fake.messages == []          # no bounce
        assert "broken.test" in a.cli("queue", "list").stdout
    finally:
        fake.stop()


def test_relay_size_limit_bounces(env):
    """a peer's EHLO SIZE smaller than the message: bounced 5.3.4,
    nothing sent to it."""
    a = env.tern("a", "a.test", A)
    a.cli("alias", "add", "big@a.test", "carol@sink.test")
    fake = env.fake()
    # the message (7 kB) is over it, the bounce (its header and two
    # DKIM signatures, under 3 kB) under it
    fake.size = 5000
    fake.start()
    try:
        start(a)
        body = ("From: dave@sink.test\r\nSubject: big\r\n\r\n" +
                ("x" * 70 + "\r\n") * 100)
        send(a, "dave@sink.test", ["big@a.test"], body=body)
        msgs = fake.wait_messages(1)
        assert msgs[0]["from"] == "" and b"Status: 5.3.4" in msgs[0]["data"]
        assert not any(c.startswith("MAIL FROM:<dave") for c in fake.commands)
    finally:
        fake.stop()


def test_relay_bounce_into_local_inbox(env):
    """alice@a.test is local: her bounce is delivered into her INBOX."""
    a = env.tern("a", "a.test", A)
    a.add_account("alice@a.test", "alice-secret-pw")
    a.cli("alias", "add", "fwd@a.test", "nobody@sink.test")
    fake = env.fake()
    fake.reject.add("nobody@sink.test")
    fake.start()
    try:
        start(a)
        send(a, "alice@a.test", ["fwd@a.test"], subject="will bounce")
        wait_for(lambda: inbox_messages(a, "alice@a.test"), what="bounce in INBOX")
        rows = inbox_messages(a, "alice@a.test")
        assert len(rows) == 1
        blob = rows[0]
        assert blob.startswith(b"Return-Path: <>\r\n")
        rep = email.message_from_bytes(blob)
        assert rep["Subject"] == "Undelivered Mail Returned to Sender"
        assert rep["To"] == "<alice@a.test>"
        assert rep.get_content_type() == "multipart/report"
        assert b"Final-Recipient: rfc822; nobody@sink.test" in blob
        assert b"Subject: will bounce" in blob
        wait_for(lambda: queue_empty(a), what="empty queue")
        assert fake.messages == []
    finally:
        fake.stop()


def test_relay_sigterm_during_session(env):
    """SIGTERM while a session waits on a slow peer: the server stops
    before the peer answers (workers notice within 1 s), the unfinished
    message stays queued and goes out after the restart."""
    a = env.tern("a", "a.test", A)
    a.cli("alias", "add", "fwd@a.test", "carol@sink.test")
    fake = env.fake()
    fake.delay = 60                        # longer than any stop takes
    fake.start()
    try:
        start(a)
        send(a, "dave@example.net", ["fwd@a.test"], subject="slow peer")
        wait_for(lambda: any(c == "DATA" for c in fake.commands), what="DATA")
        assert a.stop() == 0
        assert fake.messages == []         # the peer has not answered yet
        assert not queue_empty(a)          # not recorded as sent
        fake.delay = 0
        start(a)
        wait_for(lambda: queue_empty(a), what="empty queue")
        subjects = [email.message_from_bytes(m["data"])["Subject"] for m in fake.messages]
        # the peer completed the first copy after we hung up: SMTP's
        # at-least-once; nothing is lost
        assert "slow peer" in subjects
    finally:
        fake.stop()
