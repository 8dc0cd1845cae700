"""Outbound relay: tern a.test hands mail for other domains to their MX,
found through a real DNS server (unbound) on 127.0.0.1.

Addresses: a.test's tern on 127.0.0.2, b.test's tern on 127.0.0.3, a
dead MX on 127.0.0.4, a scriptable fake MX (sink.test) on 127.0.0.5; all
listen on the same port (relay.port is one number). Mail enters a.test's
queue through an alias to a remote address (the inbound port-25 path),
so these tests do not depend on submission."""
import email
import os
import re
import smtplib
import time

import pytest

from ternlib import Tern
from relaylib import (FakeMX, Unbound, free_tcp_port_on, free_udp_port,
                      set_listen_port, wait_for)

A, B, DEAD, SINK = "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"

ZONES = {
    "a.test": ["a.test. IN MX 10 mx.a.test.", "mx.a.test. IN A %s" % A],
    "b.test": ["b.test. IN MX 10 mx.b.test.", "mx.b.test. IN A %s" % B],
    "down.test": ["down.test. IN MX 10 mx.down.test.",
                  "mx.down.test. IN A %s" % DEAD],
    "sink.test": ["sink.test. IN MX 10 mx.sink.test.",
                  "mx.sink.test. IN A %s" % SINK],
    "tls.test": ["tls.test. IN MX 10 mx.sink.test."],
    "null.test": ["null.test. IN MX 0 .", "null.test. IN A %s" % SINK],
    # the MX is a.test's own address: a mail loop
    "self.test": ["self.test. IN MX 10 mx.a.test."],
    # IPv6 only, and IPv6 (nothing there) before IPv4
    "v6.test": ["v6.test. IN MX 10 mx.v6.test.", "mx.v6.test. IN AAAA ::1"],
    "dual.test": ["dual.test. IN MX 10 mx.dual.test.",
                  "mx.dual.test. IN AAAA ::1", "mx.dual.test. IN A %s" % SINK],
}

class Env:
    def __init__(self, tmp_path, tern_factory):
        self.tmp = tmp_path
        self.port = free_tcp_port_on([A, B, DEAD, SINK, "::1"])
        self.factory = tern_factory
        # broken.test: its only name server is dead (SERVFAIL); last,
        # so a failure above leaves no unbound behind
        self.dns = Unbound(tmp_path, ZONES, forward={
            "broken.test": "127.0.0.1@%d" % free_udp_port()})

    def tern(self, name, domain, address, extra=""):
        """extra: [relay] lines; they replace these defaults (a key may
        be set only once)"""
        relay = {"port": str(self.port), "min_backoff": "1s", "max_backoff": "2s",
                 "queue_poll": "1s", "connect_timeout": "3s"}
        mine = set(re.findall(r"(?m)^(\w+) *=", extra))
        conf = ("[relay]\n%s%s\n[dns]\nresolver = %s\n" %
                ("".join("%s = %s\n" % kv for kv in relay.items() if kv[0] not in mine),
                 extra, self.dns.resolver))
        t = self.factory(name, domain=domain, address=address,
                         protocols=("smtp",), extra=conf)
        set_listen_port(t, "smtp", self.port)
        return t

    def fake(self, **kw):
        return FakeMX(SINK, self.port, name="mx.sink.test", **kw)


@pytest.fixture
def env(tmp_path, tern_factory):
    e = Env(tmp_path, tern_factory)
    yield e
    e.dns.stop()


def start(t):
    t.start()
    assert "relay started" in t.log()
    return t


def send(t, sender, rcpts, body=None, subject="hello"):
    msg = body or ("From: %s\r\nTo: %s\r\nSubject: %s\r\n"
                   "Message-ID: <%s@a.test>\r\n\r\nbody line\r\n.dot line\r\n"
                   % (sender, ", ".join(rcpts), subject, time.time()))
    with smtplib.SMTP(t.address, t.port("smtp"), timeout=30) as s:
        s.sendmail(sender, rcpts, msg)


def queue_empty(t):
    p = t.cli("queue", "list", check=False)
    return p.returncode == 0 and "queue_id" not in p.stdout


def test_relay_to_fake_mx(env):
    """alias -> remote address: relayed with dot-stuffing intact,
    envelope kept, STARTTLS used when offered, exactly once."""
    a = env.tern("a", "a.test", A)
    a.cli("alias", "add", "fwd@a.test", "carol@sink.test")
    fake = env.fake(cert=a.cert, key=os.path.join(a.dir, "tls", "key.pem")).start()
    try:
        start(a)
        send(a, "dave@example.net", ["fwd@a.test"])
        msgs = fake.wait_messages(1)
        m = msgs[0]
        # forwarded: SRS keeps it passing SPF (test_srs.py)
        assert re.fullmatch(r"SRS0=[^=]{4}=..=example\.net=dave@a\.test", m["from"])
        assert m["to"] == ["carol@sink.test"]
        assert m["tls"] is True
        assert b"\r\n.dot line\r\n" in m["data"]
        assert b"Subject: hello" in m["data"]
        # RFC 5321 4.4: our trace field leads, the peer's Return-Path and
        # our Delivered-To do not travel (they belong to final delivery)
        assert m["data"].startswith(b"Received: from ")
        assert b"by mail.a.test (tern)" in m["data"]
        assert not m["data"].startswith(b"Return-Path")
        assert "EHLO mail.a.test" in fake.commands
        # once the queue is empty nothing more can go out
        wait_for(lambda: queue_empty(a), what="empty queue")
        assert len(fake.messages) == 1
        assert "status=sent" in a.log()
    finally:
        fake.stop()


def test_relay_refused_recipient_dsn(env):
    """a 550 for one recipient: the other is delivered; the sender (a
    remote address here) gets one RFC 3464 bounce, from <>."""
    a = env.tern("a", "a.test", A)
    a.cli("alias", "add", "two@a.test", "ok@sink.test")
    a.cli("alias", "add", "two@a.test", "nobody@sink.test")
    fake = env.fake()
    fake.reject.add("nobody@sink.test")
    fake.start()
    try:
        start(a)
        send(a, "dave@sink.test", ["two@a.test"], subject="refused")
        msgs = fake.wait_messages(2)
        orig = [m for m in msgs if m["from"] != ""]
        dsn = [m for m in msgs if m["from"] == ""]
        assert len(orig) == 1 and orig[0]["to"] == ["ok@sink.test"]
        # it left with an SRS sender; the bounce goes to the original
        assert re.fullmatch(r"SRS0=[^=]{4}=..=sink\.test=dave@a\.test",
                            orig[0]["from"])
        assert len(dsn) == 1 and dsn[0]["to"] == ["dave@sink.test"]
        rep = email.message_from_bytes(dsn[0]["data"])
        assert rep.get_content_type() == "multipart/report"
        assert rep.get_param("report-type") == "delivery-status"
        text = dsn[0]["data"].decode()
        assert "Final-Recipient: rfc822; nobody@sink.test" in text
        assert "Action: failed" in text
        assert "Status: 5.1.1" in text
        assert "Diagnostic-Code: smtp; 550 5.1.1" in text
        assert "Remote-MTA: dns; mx.sink.test" in text
        assert "text/rfc822-headers" in text
        assert "Subject: refused" in text
        wait_for(lambda: queue_empty(a), what="empty queue")
        assert len(fake.messages) == 2
    finally:
        fake.stop()


def test_relay_no_bounce_to_null_sender(env):
    a = env.tern("a", "a.test", A)
    a.cli("alias", "add", "x@a.test", "nobody@sink.test")
    fake = env.fake()
    fake.reject.add("nobody@sink.test")
    fake.start()
    try:
        start(a)
        send(a, "", ["x@a.test"])
        wait_for(lambda: "status=bounced" in a.log(), what="bounce")
        wait_for(lambda: queue_empty(a), what="empty queue")
        assert fake.messages == []
        assert "dsn sent" not in a.log()
    finally:
        fake.stop()


def test_relay_destination_down_then_up(env):
    """down: queued and retried; once up: delivered exactly once."""
    a = env.tern("a", "a.test", A)
    a.cli("alias", "add", "fwd@a.test", "carol@sink.test")
    start(a)
    send(a, "dave@example.net", ["fwd@a.test"])
    wait_for(lambda: a.log().count("status=deferred") + a.log().count("host_failed") >= 2,
             what="two failed attempts")
    assert not queue_empty(a)
    fake = env.fake().start()
    try:
        fake.wait_messages(1)
        wait_for(lambda: queue_empty(a), what="empty queue")
        assert len(fake.messages) == 1
    finally:
        fake.stop()


def test_relay_survives_sigkill(env):
    """queued mail outlives kill -9 of the server and goes out once."""
    a = env.tern("a", "a.test", A)
    a.cli("alias", "add", "fwd@a.test", "carol@sink.test")
    start(a)
    for i in range(3):
        send(a, "dave@example.net", ["fwd@a.test"], subject="kill %d" % i)
    a.kill()
    fake = env.fake().start()
    try:
        start(a)
        fake.wait_messages(3)
        wait_for(lambda: queue_empty(a), what="empty queue")
        subjects = sorted(email.message_from_bytes(m["data"])["Subject"]
                          for m in fake.messages)
        assert subjects == ["kill 0", "kill 1", "kill 2"]
    finally:
        fake.stop()


def test_relay_expiry_bounces(env):
    """past relay.max_age the message bounces with 4.4.7."""
    a = env.tern("a", "a.test", A, extra="max_age = 3s\n")
    a.cli("alias", "add", "late@a.test", "x@down.test")
    fake = env.fake().start()
    try:
        start(a)
        send(a, "dave@sink.test", ["late@a.test"], subject="expiring")
        msgs = fake.wait_messages(1)
        text = msgs[0]["data"].decode()
        assert msgs[0]["from"] == ""
        assert "Action: failed" in text and "Status: 4.4.7" in text
        assert "delivery time expired" in text
        wait_for(lambda: queue_empty(a), what="empty queue")
    finally:
        fake.stop()


def test_relay_delay_warning(env):
    """after relay.delay_warning a 'delayed' DSN, once; then delivery."""
    a = env.tern("a", "a.test", A, extra="delay_warning = 2s\n")
    a.cli("alias", "add", "slow@a.test", "x@down.test")
    fake = env.fake().start()
    try:
        start(a)
        send(a, "dave@sink.test", ["slow@a.test"], subject="slow")
        msgs = fake.wait_messages(1)
        text = msgs[0]["data"].decode()
        assert "Action: delayed" in text and "Will-Retry-Until:" in text
        # two more attempts after the warning, and no second warning
        n = a.log().count("relay done dest=down.test ")
        wait_for(lambda: a.log().count("relay done dest=down.test ") >= n + 2,
                 what="two more attempts")
        assert len(fake.messages) == 1
        assert not queue_empty(a)
    finally:
        fake.stop()


def test_relay_null_mx_bounces(env):
    a = env.tern("a", "a.test", A)
    a.cli("alias", "add", "n@a.test", "x@null.test")
    fake = env.fake().start()
    try:
        start(a)
        send(a, "dave@sink.test", ["n@a.test"])
        msgs = fake.wait_messages(1)
        text = msgs[0]["data"].decode()
        assert msgs[0]["from"] == ""
        assert "Final-Recipient: rfc822; x@null.test" in text
        assert "Status: 5.1.10" in text and "null MX" in text
        wait_for(lambda: queue_empty(a), what="empty queue")
        assert len(fake.messages) == 1   # nothing went to null.test's A
    finally:
        fake.stop()


def test_relay_require_tls_without_starttls(env):
    """tls.test requires TLS; its MX offers none: nothing is sent, the
    message stays queued; sink.test (not listed) still gets plaintext."""
    a = env.tern("a", "a.test", A, extra="require_tls_domains = tls.test\n")
    a.cli("alias", "add", "t@a.test", "x@tls.test")
    a.cli("alias", "add", "p@a.test", "y@sink.test")
    fake = env.fake().start()
    try:
        start(a)
        send(a, "dave@example.net", ["t@a.test"])
        wait_for(lambda: "TLS is required" in a.log(), what="TLS refusal")
        send(a, "dave@example.net", ["p@a.test"])
        msgs = fake.wait_messages(1)
        assert msgs[0]["to"] == ["y@sink.test"] and not msgs[0]["tls"]
        # one more refused attempt after that delivery, still nothing sent
        n = a.log().count("TLS is required")
        wait_for(lambda: a.log().count("TLS is required") > n, what="a retry")
        assert all("x@tls.test" not in m["to"] for m in fake.messages)
        assert not queue_empty(a)
    finally:
        fake.stop()


def test_relay_require_tls_with_starttls(env):
    a = env.tern("a", "a.test", A, extra="require_tls_domains = tls.test\n")
    a.cli("alias", "add", "t@a.test", "x@tls.test")
    fake = env.fake(cert=a.cert, key=os.path.join(a.dir, "tls", "key.pem")).start()
    try:
        start(a)
        send(a, "dave@example.net", ["t@a.test"])
        msgs = fake.wait_messages(1)
        assert msgs[0]["tls"] is True
    finally:
        fake.stop()


def test_relay_helo_fallback_and_8bit_bounce(env):
    """a peer without EHLO: HELO works for 7-bit mail; an 8-bit body it
    can't take (no 8BITMIME) bounces 5.6.3."""
    a = env.tern("a", "a.test", A)
    a.cli("alias", "add", "h@a.test", "old@sink.test")
    fake = env.fake()
    fake.no_ehlo = True
    fake.start()
    try:
        start(a)
        send(a, "dave@example.net", ["h@a.test"], subject="seven")
        fake.wait_messages(1)
        assert any(c.startswith("HELO ") for c in fake.commands)
        body = ("From: dave@sink.test\r\nTo: h@a.test\r\nSubject: eight\r\n"
                "\r\ncaf\xc3\xa9\r\n")
        with smtplib.SMTP(a.address, a.port("smtp"), timeout=30) as s:
            s.ehlo()
            s.sendmail("dave@sink.test", ["h@a.test"], body.encode("latin-1"),
                       mail_options=["BODY=8BITMIME"])
        wait_for(lambda: "dsn sent" in a.log() or "5.6.3" in a.log(), what="8bit bounce")
        assert "5.6.3" in a.log()
    finally:
        fake.stop()


def test_relay_tern_to_tern(env):
    """a.test relays to b.test's tern (a real second server)."""
    b = env.tern("b", "b.test", B)
    b.add_account("bob@b.test", "bob-secret-pw")
    a = env.tern("a", "a.test", A)
    a.cli("alias", "add", "fwd@a.test", "bob@b.test")
    start(b)
    start(a)
    send(a, "dave@example.net", ["fwd@a.test"], subject="to b")
    wait_for(lambda: "status=sent" in a.log(), what="relay to b")
    wait_for(lambda: queue_empty(a), what="a's queue empty")
    assert "bob@b.test" in b.log()


def test_relay_mail_loop_bounces(env):
    """an MX that is this very server: bounced 5.4.6, not looped."""
    a = env.tern("a", "a.test", A)
    a.cli("alias", "add", "l@a.test", "x@self.test")
    fake = env.fake().start()
    try:
        start(a)
        send(a, "dave@sink.test", ["l@a.test"])
        msgs = fake.wait_messages(1)
        text = msgs[0]["data"].decode()
        assert "Status: 5.4.6" in text and "loops back to myself" in text
        assert "relay connected host=mx.a.test" not in a.log()
    finally:
        fake.stop()


def test_relay_alias_loop_between_domains_bounces(env):
    """a.test forwards to b.test and b.test back to a.test: the message
    goes round until it carries smtp.max_hops Received: fields, is refused
    with 5.4.6, and its sender gets one bounce; it does not go on."""
    hops = "[smtp]\nmax_hops = 8\n"
    b = env.tern("b", "b.test", B, extra=hops)
    b.cli("alias", "add", "y@b.test", "x@a.test")
    a = env.tern("a", "a.test", A, extra=hops)
    a.cli("alias", "add", "x@a.test", "y@b.test")
    fake = env.fake().start()
    try:
        start(b)
        start(a)
        send(a, "dave@sink.test", ["x@a.test"], subject="round and round")
        msgs = fake.wait_messages(1)
        text = msgs[0]["data"].decode()
        assert "Status: 5.4.6" in text
        assert "round and round" in text
        assert "smtp loop" in a.log() + b.log()
        wait_for(lambda: queue_empty(a) and queue_empty(b), what="queues empty")
        hops_seen = a.log().count("smtp txn") + b.log().count("smtp txn")
        # the first submission, 8 relayed hops and the refused one (+ the
        # bounce's own path): bounded, not 641
        assert hops_seen <= 12, hops_seen
        assert len(fake.messages) == 1
    finally:
        fake.stop()


def test_relay_ipv6_mx(env):
    """an MX with only an AAAA record is reached over IPv6."""
    a = env.tern("a", "a.test", A)
    a.cli("alias", "add", "six@a.test", "x@v6.test")
    fake6 = FakeMX("::1", env.port, name="mx.v6.test").start()
    try:
        start(a)
        send(a, "dave@example.net", ["six@a.test"])
        msgs = fake6.wait_messages(1)
        assert msgs[0]["to"] == ["x@v6.test"]
        assert "peer=[::1]:%d" % env.port in a.log()
    finally:
        fake6.stop()


def test_relay_ipv6_then_ipv4(env):
    """IPv6 first; when nothing answers there, the IPv4 address."""
    a = env.tern("a", "a.test", A)
    a.cli("alias", "add", "d@a.test", "x@dual.test")
    fake = env.fake().start()
    try:
        start(a)
        send(a, "dave@example.net", ["d@a.test"])
        msgs = fake.wait_messages(1)
        assert msgs[0]["to"] == ["x@dual.test"]
        log = a.log()
        assert log.index("[::1]:%d" % env.port) < log.index("relay connected")
    finally:
        fake.stop()
