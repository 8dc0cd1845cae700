"""SRS: mail that arrives on port 25 for an alias of a.test and is
forwarded to another domain leaves with an SRS0 envelope sender in
a.test, which passes SPF for a.test (tern's own `v=spf1 mx -all`, served
by unbound and checked with python3-spf); bounces to that address come
back to the original sender; forged and expired ones are refused.
Debian's postsrsd, given the same secret, makes and reverses the same
addresses.

Addresses: a.test's tern on 127.0.0.2; a fake MX on 127.0.0.5 for
sink.test, example.net (the original senders) and other.test (another
forwarder)."""
import base64
import hashlib
import hmac
import imaplib
import os
import re
import signal
import smtplib
import socket
import subprocess
import time

import dns.resolver
import pytest
import spf

from relaylib import FakeMX, Unbound, free_tcp_port_on, set_listen_port, wait_for

A, SINK = "127.0.0.2", "127.0.0.5"
USER = ("u@a.test", "u-secret-password")

ZONES = {
    # tern's own record (`tern dns a.test` prints it)
    "a.test": ["a.test. IN MX 10 mx.a.test.", "mx.a.test. IN A %s" % A,
               'a.test. IN TXT "v=spf1 mx -all"'],
    "sink.test": ["sink.test. IN MX 10 mx.sink.test.",
                  "mx.sink.test. IN A %s" % SINK],
    # the original sender's domain: its SPF does not know a.test's host
    "example.net": ["example.net. IN MX 10 mx.sink.test.",
                    'example.net. IN TXT "v=spf1 ip4:192.0.2.1 -all"'],
    "other.test": ["other.test. IN MX 10 mx.sink.test."],
}

SRS0_RE = r"SRS0=[A-Za-z0-9+/]{4}=[A-Z2-7]{2}=%s=%s@a\.test"


class Env:
    def __init__(self, tmp_path, tern_factory):
        self.port = free_tcp_port_on([A, SINK])
        self.dns = Unbound(tmp_path, ZONES)
        self.factory = tern_factory

    def tern(self, extra=""):
        conf = ("[relay]\nport = %d\nmin_backoff = 1s\nmax_backoff = 2s\n"
                "queue_poll = 1s\nconnect_timeout = 3s\n[dns]\nresolver = %s\n%s"
                % (self.port, self.dns.resolver, extra))
        t = self.factory("a", domain="a.test", address=A,
                         protocols=("smtp", "imap"), extra=conf)
        set_listen_port(t, "smtp", self.port)
        t.add_account(*USER)
        t.cli("alias", "add", "fwd@a.test", "carol@sink.test")
        t.cli("alias", "add", "fwd@a.test", USER[0])
        return t

    def fake(self):
        return FakeMX(SINK, self.port, name="mx.sink.test").start()


@pytest.fixture
def env(tmp_path, tern_factory):
    e = Env(tmp_path, tern_factory)
    yield e
    e.dns.stop()


def send(t, sender, rcpts, subject="forwarded"):
    msg = ("From: %s\r\nTo: fwd@a.test\r\nSubject: %s\r\nMessage-ID: <%s@x>\r\n"
           "\r\nbody\r\n" % (sender or "mailer-daemon@x", subject, time.time()))
    with smtplib.SMTP(t.address, t.port("smtp"), timeout=30) as s:
        s.sendmail(sender, rcpts, msg)


def rcpt(t, sender, addr):
    """(code, text) of RCPT TO:<addr> after MAIL FROM:<sender>"""
    with smtplib.SMTP(t.address, t.port("smtp"), timeout=30) as s:
        s.ehlo("client.test")
        code, _ = s.mail(sender)
        assert code == 250
        code, text = s.rcpt(addr)
        if code == 250:
            code2, _ = s.data(b"Subject: bounce\r\n\r\nback\r\n")
            assert code2 == 250
        return code, text.decode()


def inbox(t):
    m = imaplib.IMAP4(t.address, t.port("imap"))
    m.login(*USER)
    m.select("INBOX")
    _, data = m.search(None, "ALL")
    out = []
    for n in data[0].split():
        _, d = m.fetch(n, "(BODY.PEEK[])")
        out.append(d[0][1])
    m.logout()
    return out


def secret(t):
    path = os.path.join(t.data_dir, "srs.secret")
    assert os.stat(path).st_mode & 0o777 == 0o600
    return open(path).read().splitlines()[0]


def py_srs0(key, day, domain, local, fwd="a.test"):
    """SRS0 made apart from tern: libsrs2's recipe in Python"""
    b32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    tt = b32[(day >> 5) & 31] + b32[day & 31]
    mac = hmac.new(key.encode(), (tt + domain + local).lower().encode(),
                   hashlib.sha1).digest()
    h = base64.b64encode(mac)[:4].decode()
    return "SRS0=%s=%s=%s=%s@%s" % (h, tt, domain, local, fwd)


def spf_result(dnsport, ip, sender):
    """python3-spf's verdict, asking the test's unbound"""
    res = dns.resolver.Resolver(configure=False)
    res.nameservers = ["127.0.0.1"]
    res.port = dnsport
    saved = dns.resolver.default_resolver
    dns.resolver.default_resolver = res
    try:
        return spf.check2(i=ip, s=sender, h="mail.a.test")[0]
    finally:
        dns.resolver.default_resolver = saved


def test_srs_forward_passes_spf(env):
    """the forwarded copy: SRS0 sender in a.test that passes SPF where
    the original fails; the local copy keeps the original Return-Path"""
    a = env.tern()
    fake = env.fake()
    try:
        a.start()
        send(a, "dave@example.net", ["fwd@a.test"])
        m = fake.wait_messages(1)[0]
        assert m["to"] == ["carol@sink.test"]
        assert re.fullmatch(SRS0_RE % (r"example\.net", "dave"), m["from"]), m["from"]
        assert spf_result(env.dns.port, A, m["from"]) == "pass"
        # why: the sender as received would fail at the next hop
        assert spf_result(env.dns.port, A, "dave@example.net") == "fail"
        # the header is untouched: only the envelope changes
        assert b"From: dave@example.net\r\n" in m["data"]
        local = wait_for(lambda: inbox(a), what="local copy")
        assert len(local) == 1
        assert local[0].startswith(b"Return-Path: <dave@example.net>\r\n")
        assert "smtp srs id=" in a.log()
    finally:
        fake.stop()


def test_srs_bounce_comes_back(env):
    """a bounce to the SRS0 address reaches the original sender; so does
    one to an address Python's HMAC made with tern's secret"""
    a = env.tern()
    fake = env.fake()
    try:
        a.start()
        send(a, "dave@example.net", ["fwd@a.test"])
        srs0 = fake.wait_messages(1)[0]["from"]
        # as a receiver that folds case might send it
        assert rcpt(a, "", srs0.lower())[0] == 250
        m = fake.wait_messages(2)[1]
        assert m["from"] == "" and m["to"] == ["dave@example.net"]
        day = int(time.time()) // 86400
        made = py_srs0(secret(a), day - 3, "example.net", "erin")
        assert rcpt(a, "", made)[0] == 250
        m = fake.wait_messages(3)[2]
        assert m["from"] == "" and m["to"] == ["erin@example.net"]
        # to a local original: delivered here
        made = py_srs0(secret(a), day, "a.test", "u")
        assert rcpt(a, "", made)[0] == 250
        wait_for(lambda: len(inbox(a)) == 2, what="bounce in the inbox")
    finally:
        fake.stop()


def test_srs_forged_and_expired_refused(env):
    a = env.tern("\n[srs]\nmax_age = 10\n")
    a.start()
    key = secret(a)
    day = int(time.time()) // 86400
    good = py_srs0(key, day - 10, "example.net", "dave")
    expired = py_srs0(key, day - 11, "example.net", "dave")
    h = good.split("=")[1]
    forged = good.replace("=" + h + "=", "=" + ("AAAA" if h != "AAAA" else "BBBB") + "=")
    wrong_key = py_srs0("not-the-secret", day, "example.net", "dave")
    for addr, why in ((expired, "expired"), (forged, "bad-hash"),
                      (wrong_key, "bad-hash"),
                      ("SRS0=%s=example.net=dave@a.test" % h, "malformed"),
                      ("SRS0=abcd=AB@a.test", "malformed")):
        code, text = rcpt(a, "", addr)
        assert (code, text[:5]) == (550, "5.1.1"), (addr, code, text)
        assert "smtp srs refused id=" in a.log()
        assert re.search(r"to=<%s> reason=%s" % (re.escape(addr), why), a.log()), addr
    # the last day of max_age still comes back (queued for example.net)
    assert rcpt(a, "", good)[0] == 250


def test_srs_null_and_local_senders_kept(env):
    """<> stays <>; a sender of ours needs no rewrite; srs.enable = no
    leaves foreign senders alone"""
    a = env.tern()
    fake = env.fake()
    try:
        a.start()
        send(a, "", ["fwd@a.test"], subject="null")
        assert fake.wait_messages(1)[0]["from"] == ""
        send(a, USER[0], ["fwd@a.test"], subject="ours")
        assert fake.wait_messages(2)[1]["from"] == USER[0]
        a.stop()
        a.rewrite(extra="[srs]\nenable = no\n")
        a.start()
        send(a, "dave@example.net", ["fwd@a.test"], subject="off")
        assert fake.wait_messages(3)[2]["from"] == "dave@example.net"
        # and nothing of ours is reversed either
        code, _ = rcpt(a, "", py_srs0(secret(a), int(time.time()) // 86400,
                                      "example.net", "dave"))
        assert code == 550
    finally:
        fake.stop()


def test_srs1_for_another_forwarders_srs0(env):
    """forwarded a second time: SRS1 keeps the first forwarder's part,
    and a bounce to it goes back to that forwarder's SRS0"""
    a = env.tern()
    fake = env.fake()
    try:
        a.start()
        theirs = py_srs0("other-secret", int(time.time()) // 86400,
                         "example.net", "dave", fwd="other.test")
        send(a, theirs, ["fwd@a.test"])
        m = fake.wait_messages(1)[0]
        opaque = theirs[len("SRS0"):theirs.index("@")]
        assert re.fullmatch(r"SRS1=[A-Za-z0-9+/]{4}=other\.test=%s@a\.test"
                            % re.escape(opaque), m["from"]), m["from"]
        assert spf_result(env.dns.port, A, m["from"]) == "pass"
        assert rcpt(a, "", m["from"])[0] == 250
        m = fake.wait_messages(2)[1]
        assert m["to"] == [theirs]
    finally:
        fake.stop()


def postsrsd_query(port, addr):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"get " + addr.encode() + b"\n")
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
    code, _, text = buf.decode().rstrip("\n").partition(" ")
    return code, text


def test_srs_same_as_postsrsd(env, tmp_path):
    """postsrsd with tern's secret file: the same SRS0 on the same day,
    and each reverses the other's"""
    a = env.tern()
    fake = env.fake()
    fwd, rev = free_tcp_port_on(["127.0.0.1"]), free_tcp_port_on(["127.0.0.1"])
    while rev == fwd:
        rev = free_tcp_port_on(["127.0.0.1"])
    proc = None
    try:
        a.start()
        proc = subprocess.Popen(
            ["postsrsd", "-s", os.path.join(a.data_dir, "srs.secret"),
             "-d", "a.test", "-f", str(fwd), "-r", str(rev), "-l", "127.0.0.1",
             "-4"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def up():
            try:
                socket.create_connection(("127.0.0.1", rev), timeout=1).close()
                return True
            except OSError:
                return False
        wait_for(up, what="postsrsd listening")
        for n in range(2):
            day = int(time.time()) // 86400
            send(a, "Dave.Smith@Example.NET", ["fwd@a.test"])
            ours = fake.wait_messages(n + 1)[n]["from"]
            code, theirs = postsrsd_query(fwd, "Dave.Smith@Example.NET")
            assert code == "200", theirs
            if int(time.time()) // 86400 == day:
                break       # else midnight passed between the two: again
        assert ours == theirs
        # postsrsd reverses tern's (case-folded too), tern postsrsd's
        assert postsrsd_query(rev, ours.lower()) == ("200", "dave.smith@example.net")
        code, other = postsrsd_query(fwd, "erin@example.net")
        assert code == "200"
        assert rcpt(a, "", other)[0] == 250
        assert fake.wait_messages(n + 2)[n + 1]["to"] == ["erin@example.net"]
        # SRS1 the same way
        srs0 = py_srs0("other-secret", int(time.time()) // 86400, "example.net",
                       "dave", fwd="other.test")
        code, srs1 = postsrsd_query(fwd, srs0)
        assert code == "200" and srs1.startswith("SRS1=")
        send(a, srs0, ["fwd@a.test"], subject="srs1")
        assert fake.wait_messages(n + 3)[n + 2]["from"] == srs1
        assert postsrsd_query(rev, srs1) == ("200", srs0)
    finally:
        if proc:
            proc.terminate()
            proc.wait(10)
        fake.stop()


def test_srs_secret_rotated_on_sighup(env):
    """a new first line in srs.secret signs after SIGHUP; addresses made
    with the old one still come back while it stays in the file"""
    a = env.tern()
    fake = env.fake()
    try:
        a.start()
        old = secret(a)
        day = int(time.time()) // 86400
        path = os.path.join(a.data_dir, "srs.secret")
        with open(path, "w") as f:
            f.write("a-new-secret-for-the-test\n%s\n" % old)
        a.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "reloaded config" in a.log(), what="reload")
        send(a, "dave@example.net", ["fwd@a.test"])
        srs0 = fake.wait_messages(1)[0]["from"]
        assert srs0 == py_srs0("a-new-secret-for-the-test", day,
                               "example.net", "dave"), srs0
        # the old secret still verifies
        made = py_srs0(old, day, "example.net", "erin")
        assert rcpt(a, "", made)[0] == 250
        m = fake.wait_messages(2)[1]
        assert m["to"] == ["erin@example.net"]
        # once removed, it does not
        with open(path, "w") as f:
            f.write("a-new-secret-for-the-test\n")
        n = a.log().count("reloaded config")
        a.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: a.log().count("reloaded config") > n, what="reload")
        assert rcpt(a, "", made)[0] == 550
    finally:
        fake.stop()
