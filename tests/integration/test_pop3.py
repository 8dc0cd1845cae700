"""POP3 server (ports 110/995): RFC 1939 commands and states, CAPA, STLS,
implicit TLS, AUTH (PLAIN, LOGIN, SCRAM-SHA-256), maildrop semantics,
limits. Real clients: poplib and raw sockets (Pop below); mail gets in
through the SMTP server."""
import base64
import os
import poplib
import re
import smtplib
import socket
import ssl
import time

import pytest

from conftest import ALICE, BOB
from relaylib import wait_for
from scramlib import ScramClient

A, APW = ALICE
B, BPW = BOB


# --- helpers ---------------------------------------------------------------

def deliver(t, rcpt, subject, body="hello\r\n", extra=""):
    """One message into rcpt's INBOX through SMTP; returns its bytes as
    sent (the server adds trace fields in front)."""
    msg = ("From: sender@remote.test\r\nTo: %s\r\nSubject: %s\r\n%s\r\n%s"
           % (rcpt, subject, extra, body)).encode()
    with smtplib.SMTP("127.0.0.1", t.port("smtp"), timeout=30) as s:
        s.sendmail("sender@remote.test", [rcpt], msg)
    return msg


def disconnects(t):
    """How many POP3 sessions the server has ended so far."""
    return t.log().count("pop3 disconnect reason=")


def wait_disconnects(t, n):
    """Wait until the server has ended more than n POP3 sessions."""
    wait_for(lambda: disconnects(t) > n, what="pop3 disconnect")


class Pop:
    """A line-level POP3 client for what poplib won't do: pipelining,
    malformed commands, exact bytes."""

    def __init__(self, t, proto="pop3", timeout=10, greet=True, tls=False):
        self.t = t
        self.sock = t.connect(proto, timeout=timeout)
        if tls:
            self.sock = t.ssl_context().wrap_socket(self.sock)
        self.buf = b""
        if greet:
            line = self.line()
            assert line.startswith(b"+OK "), line

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("closed; pending %r" % self.buf)
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def cmd(self, line):
        self.send((line if isinstance(line, bytes) else line.encode()) + b"\r\n")
        return self.line()

    def multi(self):
        """The body of a multi-line reply, raw (still dot-stuffed),
        terminator excluded."""
        while b"\r\n.\r\n" not in b"\r\n" + self.buf:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise EOFError("closed; pending %d bytes" % len(self.buf))
            self.buf += chunk
        full = b"\r\n" + self.buf
        i = full.index(b"\r\n.\r\n")
        body = full[2:i + 2] if i > 0 else b""
        self.buf = full[i + 5:]
        return body

    def login(self, user=A, pw=APW):
        assert self.cmd("USER " + user).startswith(b"+OK")
        r = self.cmd("PASS " + pw)
        assert r.startswith(b"+OK"), r
        return r

    def closed(self, timeout=30):
        self.sock.settimeout(timeout)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
                self.buf += chunk
        except (socket.timeout, ConnectionResetError):
            return False

    def starttls(self):
        assert self.cmd("STLS").startswith(b"+OK")
        self.sock = self.t.ssl_context().wrap_socket(self.sock)

    def close(self):
        self.sock.close()


def unstuff(raw):
    """undo byte-stuffing (RFC 1939 section 3)"""
    return b"\r\n".join(l[1:] if l.startswith(b".") else l
                        for l in raw.split(b"\r\n"))


def pop(t, user=A, pw=APW, **kw):
    p = poplib.POP3("127.0.0.1", t.port("pop3"), timeout=10, **kw)
    p.user(user)
    p.pass_(pw)
    return p


def non_loopback_address():
    """an IPv4 address of this host that is not loopback, or skip"""
    import subprocess
    try:
        out = subprocess.run(["ip", "-4", "-o", "addr", "show", "scope",
                              "global"], capture_output=True, text=True).stdout
    except OSError:
        out = ""
    m = re.search(r"inet (\d+\.\d+\.\d+\.\d+)/", out)
    if not m:
        pytest.skip("no non-loopback address on this host")
    return m.group(1)


def restart(t):
    """stop and start again (start() waits for this run's "started")"""
    t.stop()
    t.start()


def start(tern_factory, extra="", accounts=(ALICE, BOB), **kw):
    t = tern_factory(extra=extra, **kw)
    for a in accounts:
        t.add_account(*a)
    t.start()
    return t


# --- greeting, CAPA ---------------------------------------------------------

def test_greeting_capa_and_quit(tern):
    p = Pop(tern, greet=False)
    assert p.line() == b"+OK mail.example.test POP3 server ready"
    assert p.cmd("CAPA") == b"+OK Capability list follows"
    caps = p.multi().split(b"\r\n")[:-1]
    assert caps == [b"TOP", b"UIDL", b"RESP-CODES", b"AUTH-RESP-CODE",
                    b"PIPELINING", b"USER", b"SASL PLAIN LOGIN SCRAM-SHA-256",
                    b"STLS", b"IMPLEMENTATION tern"]
    p.login()
    # after login: no USER, SASL or STLS (they no longer work)
    assert p.cmd("CAPA").startswith(b"+OK")
    caps = p.multi().split(b"\r\n")[:-1]
    assert caps == [b"TOP", b"UIDL", b"RESP-CODES", b"AUTH-RESP-CODE",
                    b"PIPELINING", b"IMPLEMENTATION tern"]
    assert p.cmd("QUIT").startswith(b"+OK")
    assert p.closed()


def test_quit_in_authorization(tern):
    p = Pop(tern)
    assert p.cmd("QUIT") == b"+OK Bye"
    assert p.closed()


# --- download and delete ----------------------------------------------------

def test_full_download_and_delete(tern):
    sent = [deliver(tern, A, "msg %d" % i, "body %d\r\nline two\r\n" % i)
            for i in range(5)]
    p = pop(tern)
    count, octets = p.stat()
    assert count == 5
    resp, listing, _ = p.list()
    sizes = [int(l.split()[1]) for l in listing]
    assert sum(sizes) == octets
    for i in range(1, 6):
        resp, lines, n = p.retr(i)
        assert resp == b"+OK %d octets" % sizes[i - 1]
        got = b"\r\n".join(lines) + b"\r\n"
        # the octet count is exactly what was sent (trace fields included)
        assert len(got) == sizes[i - 1]
        assert got.endswith(sent[i - 1])
        assert b"Return-Path: <sender@remote.test>" in got
        assert p.dele(i).startswith(b"+OK")
    assert p.stat() == (0, 0)
    assert p.quit().startswith(b"+OK Bye, 5 messages deleted")
    p = pop(tern)
    assert p.stat() == (0, 0)
    p.quit()
    assert re.search(r"pop3 update deleted=5\b", tern.log())


def test_octets_and_dot_stuffing_on_the_wire(tern):
    body = ".starts with a dot\r\n..two dots\r\n.\r\nnot.first\r\n."
    deliver(tern, A, "dots", body + "\r\n")
    p = Pop(tern)
    p.login()
    r = p.cmd("LIST 1")
    size = int(r.split()[2])
    r = p.cmd("RETR 1")
    assert r == b"+OK %d octets" % size
    raw = p.multi()
    assert b"\r\n..starts with a dot\r\n...two dots\r\n..\r\nnot.first\r\n..\r\n" in raw
    assert len(unstuff(raw[:-2]) + b"\r\n") == size
    assert p.cmd("QUIT").startswith(b"+OK")


def test_dropped_connection_removes_nothing(tern):
    for i in range(3):
        deliver(tern, A, "keep %d" % i)
    p = Pop(tern)
    p.login()
    for i in (1, 2, 3):
        assert p.cmd("DELE %d" % i).startswith(b"+OK")
    n = disconnects(tern)
    p.close()       # no QUIT: no UPDATE state
    wait_disconnects(tern, n)
    q = pop(tern)
    assert q.stat()[0] == 3
    q.quit()
    assert "pop3 update" not in tern.log().split("keep 2")[-1] or \
        tern.log().count("pop3 update deleted=") == 1


def test_rset_unmarks(tern):
    for i in range(3):
        deliver(tern, A, "r %d" % i)
    p = pop(tern)
    total = p.stat()
    assert p.dele(1).startswith(b"+OK")
    assert p.dele(3).startswith(b"+OK")
    assert p.stat()[0] == 1
    # a deleted message is gone for this session
    with pytest.raises(poplib.error_proto, match="deleted"):
        p.retr(1)
    with pytest.raises(poplib.error_proto, match="deleted"):
        p.dele(1)
    assert p.rset().startswith(b"+OK 3 messages")
    assert p.stat() == total
    assert p.quit() == b"+OK Bye"
    p = pop(tern)
    assert p.stat() == total
    p.quit()


def test_top_zero_and_n(tern):
    deliver(tern, A, "top", "b1\r\nb2\r\n.b3\r\nb4\r\n")
    p = pop(tern)
    resp, lines, _ = p.top(1, 0)
    assert resp.startswith(b"+OK")
    assert lines[-1] == b"" and b"Subject: top" in lines
    assert not any(l.startswith(b"b") for l in lines)
    resp, lines, _ = p.top(1, 3)
    assert lines[-4:] == [b"", b"b1", b"b2", b".b3"]
    resp, lines, _ = p.top(1, 1000)
    assert lines[-5:] == [b"", b"b1", b"b2", b".b3", b"b4"]
    # TOP with a huge count is the whole message
    resp, lines, _ = p.top(1, 99999999999999999999)
    assert lines[-1] == b"b4"
    p.quit()


def test_uidl_stable_across_sessions(tern):
    for i in range(3):
        deliver(tern, A, "u %d" % i)
    p = pop(tern)
    first = dict(l.split() for l in p.uidl()[1])
    assert len(set(first.values())) == 3
    for u in first.values():
        assert re.fullmatch(rb"[0-9a-f]{16}", u)
    assert p.uidl(2) == b"+OK 2 " + first[b"2"]
    p.dele(1)
    p.quit()
    deliver(tern, A, "u new")
    p = pop(tern)
    second = dict(l.split() for l in p.uidl()[1])
    # the survivors keep their ids under their new numbers
    assert second[b"1"] == first[b"2"] and second[b"2"] == first[b"3"]
    assert second[b"3"] not in first.values()
    p.quit()
    # and after a restart
    restart(tern)
    p = pop(tern)
    assert dict(l.split() for l in p.uidl()[1]) == second
    p.quit()


def test_mail_delivered_during_session_waits(tern):
    deliver(tern, A, "before")
    p = pop(tern)
    assert p.stat()[0] == 1
    deliver(tern, A, "during")
    assert p.stat()[0] == 1
    assert p.list()[1] == [p.list()[1][0]]
    p.dele(1)
    p.quit()
    p = pop(tern)
    assert p.stat()[0] == 1
    assert b"Subject: during" in p.retr(1)[1]
    p.quit()


def test_in_use(tern):
    deliver(tern, A, "x")
    p = pop(tern)
    q = Pop(tern)
    assert q.cmd("USER " + A).startswith(b"+OK")
    assert q.cmd("PASS " + APW).startswith(b"-ERR [IN-USE]")
    # another account is not affected
    r = pop(tern, B, BPW)
    r.quit()
    n = disconnects(tern)
    p.quit()
    wait_disconnects(tern, n)
    assert q.cmd("USER " + A).startswith(b"+OK")
    assert q.cmd("PASS " + APW).startswith(b"+OK")
    assert q.cmd("QUIT").startswith(b"+OK")


def test_in_use_released_by_a_dropped_connection(tern):
    p = Pop(tern)
    p.login()
    p.close()
    deadline = time.time() + 60
    while True:
        q = Pop(tern)
        q.cmd("USER " + A)
        r = q.cmd("PASS " + APW)
        if r.startswith(b"+OK") or time.time() > deadline:
            break
        q.close()
        time.sleep(0.05)
    assert r.startswith(b"+OK"), r
    q.cmd("QUIT")


def test_pipelined_commands(tern):
    for i in range(3):
        deliver(tern, A, "p %d" % i, "line\r\n" * 100)
    p = Pop(tern)
    p.send("CAPA\r\nUSER %s\r\nPASS %s\r\nSTAT\r\nLIST\r\nRETR 1\r\nTOP 2 1\r\n"
           "UIDL\r\nDELE 1\r\nDELE 2\r\nNOOP\r\nRSET\r\nDELE 3\r\nQUIT\r\n"
           % (A, APW))
    assert p.line().startswith(b"+OK")
    p.multi()
    assert p.line() == b"+OK Send PASS"
    assert p.line().startswith(b"+OK Logged in, 3 messages")
    assert p.line().startswith(b"+OK 3 ")
    assert p.line().startswith(b"+OK 3 messages")
    assert len(p.multi().split(b"\r\n")) == 4
    assert p.line().startswith(b"+OK") and p.multi().count(b"line\r\n") == 100
    assert p.line().startswith(b"+OK") and p.multi().endswith(b"\r\n\r\nline\r\n")
    assert p.line().startswith(b"+OK") and len(p.multi().split(b"\r\n")) == 4
    assert p.line() == b"+OK Message 1 deleted"
    assert p.line() == b"+OK Message 2 deleted"
    assert p.line() == b"+OK"
    assert p.line().startswith(b"+OK 3 messages")
    assert p.line() == b"+OK Message 3 deleted"
    assert p.line() == b"+OK Bye, 1 messages deleted"
    assert p.closed()


MALFORMED_AUTHORIZATION = [
    ("", b"-ERR Unknown command"),
    ("FOO", b"-ERR Unknown command"),
    ("APOP alice c4c9334bac560ecc979e58001b3e22fb", b"-ERR Unknown command"),
    (" USER x", b"-ERR Unknown command"),
    ("STAT", b"-ERR Not logged in"),
    ("LIST", b"-ERR Not logged in"),
    ("RETR 1", b"-ERR Not logged in"),
    ("DELE 1", b"-ERR Not logged in"),
    ("NOOP", b"-ERR Not logged in"),
    ("RSET", b"-ERR Not logged in"),
    ("TOP 1 1", b"-ERR Not logged in"),
    ("UIDL", b"-ERR Not logged in"),
    ("PASS x", b"-ERR Send USER first"),
    ("USER", b"-ERR Wrong arguments"),
    ("USER a b", b"-ERR Wrong arguments"),
    ("CAPA x", b"-ERR Wrong arguments"),
    ("QUIT now", b"-ERR Wrong arguments"),
    ("AUTH FOO", b"-ERR Unsupported authentication mechanism"),
    ("AUTH PLAIN !!!", b"-ERR Invalid base64 data"),
    ("STLS x", b"-ERR Wrong arguments"),
]

MALFORMED_TRANSACTION = [
    ("RETR", b"-ERR Wrong arguments"),
    ("RETR 0", b"-ERR No such message"),
    ("RETR 3", b"-ERR No such message"),
    ("RETR -1", b"-ERR No such message"),
    ("RETR +1", b"-ERR No such message"),
    ("RETR 1x", b"-ERR No such message"),
    ("RETR 99999999999999999999999", b"-ERR No such message"),
    ("RETR 1 2", b"-ERR Wrong arguments"),
    ("RETR  1", b"-ERR Wrong arguments"),
    ("RETR 1 ", b"-ERR Wrong arguments"),
    ("LIST 0", b"-ERR No such message"),
    ("LIST 1 1", b"-ERR Wrong arguments"),
    ("UIDL 7", b"-ERR No such message"),
    ("DELE", b"-ERR Wrong arguments"),
    ("DELE 5", b"-ERR No such message"),
    ("TOP 1", b"-ERR Wrong arguments"),
    ("TOP 1 -1", b"-ERR Invalid line count"),
    ("TOP 1 x", b"-ERR Invalid line count"),
    ("TOP 9 1", b"-ERR No such message"),
    ("STAT 1", b"-ERR Wrong arguments"),
    ("NOOP x", b"-ERR Wrong arguments"),
    ("USER x", b"-ERR Not allowed after login"),
    ("PASS x", b"-ERR Not allowed after login"),
    ("AUTH PLAIN", b"-ERR Not allowed after login"),
    ("STLS", b"-ERR Not allowed after login"),
    ("LIST 12345678901234567890123456789012345678901", b"-ERR Wrong arguments"),
    (b"RETR\x001", b"-ERR Invalid character in command"),
    (b"NOOP\t", b"-ERR Invalid character in command"),
]


def test_every_malformed_command(tern_factory):
    t = start(tern_factory, extra="[pop3]\nmax_errors = 1000\n")
    deliver(t, A, "m1")
    deliver(t, A, "m2")
    p = Pop(t)
    for line, want in MALFORMED_AUTHORIZATION:
        assert p.cmd(line) == want, line
    p.login()
    for line, want in MALFORMED_TRANSACTION:
        assert p.cmd(line) == want, line
    assert p.cmd("DELE 1").startswith(b"+OK")
    assert p.cmd("DELE 1") == b"-ERR Message 1 already deleted"
    assert p.cmd("RETR 1") == b"-ERR Message 1 is deleted"
    assert p.cmd("LIST 1") == b"-ERR Message 1 is deleted"
    assert p.cmd("TOP 1 0") == b"-ERR Message 1 is deleted"
    assert p.cmd("UIDL 1") == b"-ERR Message 1 is deleted"
    # the session still works after all of that
    assert p.cmd("STAT").startswith(b"+OK 1 ")
    assert p.cmd("RSET").startswith(b"+OK 2 messages")
    assert p.cmd("QUIT") == b"+OK Bye"


def test_long_line_refused_and_session_continues(tern):
    p = Pop(tern)
    assert p.cmd("NOOP " + "x" * 5000) == b"-ERR Line too long"
    assert p.cmd("USER " + "a" * 600) == b"-ERR Line too long"
    p.login()
    assert p.cmd("STAT").startswith(b"+OK")
    p.cmd("QUIT")


def test_too_many_bad_commands_closes(tern_factory):
    t = start(tern_factory, extra="[pop3]\nmax_errors = 3\n")
    p = Pop(t)
    assert p.cmd("BAD1") == b"-ERR Unknown command"
    assert p.cmd("BAD2") == b"-ERR Unknown command"
    assert p.cmd("BAD3") == b"-ERR Too many bad commands, closing"
    assert p.closed()


def test_client_bytes_escaped_in_log(tern):
    p = Pop(tern)
    p.cmd(b"X\x80\x1bY\"Z")
    p.cmd("QUIT")
    wait_for(lambda: 'pop3 cmd="X\\x80\\x1bY\\"Z"' in tern.log(), what="the log line")


# --- authentication -----------------------------------------------------------

def test_bad_password_then_disconnect_after_max_failures(tern):
    p = Pop(tern)
    t0 = time.time()
    for i in range(3):
        assert p.cmd("USER " + A).startswith(b"+OK")
        assert p.cmd("PASS wrong%d" % i) == b"-ERR [AUTH] Authentication failed"
    # auth.max_failures = 3: closed after the third
    assert p.closed()
    # the throttle delayed the second and third attempts (1 s, 2 s)
    assert time.time() - t0 >= 2.5
    log = tern.log()
    assert log.count("pop3 login failed") == 3
    assert 'user="alice@example.test" method=USER reason="wrong password"' \
        in log


def test_unknown_user_same_answer(tern):
    p = Pop(tern)
    p.cmd("USER nobody@example.test")
    assert p.cmd("PASS x") == b"-ERR [AUTH] Authentication failed"
    p.cmd("QUIT")


def test_password_with_spaces_and_user_case(tern_factory):
    t = start(tern_factory, accounts=[("carol@example.test", "two words here")])
    p = Pop(t)
    p.cmd("USER Carol@EXAMPLE.test")
    assert p.cmd("PASS two words here").startswith(b"+OK")
    p.cmd("QUIT")


def test_disabled_account(tern):
    tern.cli("account", "disable", A)
    p = Pop(tern)
    p.cmd("USER " + A)
    assert p.cmd("PASS " + APW).startswith(b"-ERR [SYS/PERM]")


def b64(s):
    return base64.b64encode(s if isinstance(s, bytes) else s.encode()).decode()


def test_auth_plain_initial_response(tern):
    deliver(tern, A, "x")
    p = Pop(tern)
    r = p.cmd("AUTH PLAIN " + b64("\0%s\0%s" % (A, APW)))
    assert r.startswith(b"+OK Logged in, 1 messages"), r
    assert p.cmd("STAT").startswith(b"+OK 1 ")
    p.cmd("QUIT")


def test_auth_plain_continuation_and_bad(tern):
    p = Pop(tern)
    assert p.cmd("AUTH PLAIN") == b"+ "
    assert p.cmd(b64("\0%s\0wrong" % A)) == b"-ERR [AUTH] Authentication failed"
    assert p.cmd("AUTH PLAIN") == b"+ "
    assert p.cmd(b64("\0%s\0%s" % (A, APW))).startswith(b"+OK")
    p.cmd("QUIT")


def test_auth_login(tern):
    p = Pop(tern)
    assert p.cmd("AUTH LOGIN") == b"+ " + b64("Username:").encode()
    assert p.cmd(b64(A)) == b"+ " + b64("Password:").encode()
    assert p.cmd(b64(APW)).startswith(b"+OK Logged in")
    p.cmd("QUIT")


def test_auth_cancel_and_list(tern):
    p = Pop(tern)
    assert p.cmd("AUTH LOGIN").startswith(b"+ ")
    assert p.cmd("*") == b"-ERR Authentication cancelled"
    assert p.cmd("AUTH") == b"+OK"
    assert p.multi() == b"PLAIN\r\nLOGIN\r\nSCRAM-SHA-256\r\n"
    assert p.cmd("AUTH PLAIN") == b"+ "
    assert p.cmd("not base64!") == b"-ERR [AUTH] Authentication failed"
    p.login()
    p.cmd("QUIT")


def scram_login(p, user, pw, tamper=False):
    nonce = b64(os.urandom(18))
    bare = "n=%s,r=%s" % (user, nonce)
    r = p.cmd("AUTH SCRAM-SHA-256 " + b64("n,," + bare))
    assert r.startswith(b"+ "), r
    sc = ScramClient(bare, base64.b64decode(r[2:]).decode(), pw, tamper)
    assert sc.nonce.startswith(nonce)
    r = p.cmd(b64(sc.client_final))
    if r.startswith(b"-ERR"):
        return r
    assert base64.b64decode(r[2:]).decode() == sc.expected_server_final
    return p.cmd("")


def test_auth_scram_sha_256(tern):
    p = Pop(tern)
    assert scram_login(p, A, APW).startswith(b"+OK Logged in")
    p.cmd("QUIT")
    p = Pop(tern)
    assert scram_login(p, A, APW, tamper=True) == \
        b"-ERR [AUTH] Authentication failed"
    assert scram_login(p, "nobody@example.test", "x") == \
        b"-ERR [AUTH] Authentication failed"
    assert "method=SCRAM-SHA-256" in tern.log()


def test_plaintext_refused_before_tls_off_loopback(tern_factory):
    addr = non_loopback_address()
    t = start(tern_factory, address=addr)
    p = Pop(t)
    assert p.cmd("CAPA").startswith(b"+OK")
    caps = p.multi().split(b"\r\n")
    assert b"USER" not in caps
    assert [c for c in caps if c.startswith(b"SASL")] == []
    assert p.cmd("USER " + A) == \
        b"-ERR Plaintext authentication needs TLS first (STLS)"
    assert p.cmd("AUTH PLAIN") == \
        b"-ERR Authentication needs TLS first (STLS)"
    # a sniffed SCRAM exchange allows an offline dictionary attack
    assert p.cmd("AUTH SCRAM-SHA-256") == \
        b"-ERR Authentication needs TLS first (STLS)"
    p.starttls()
    assert p.cmd("CAPA").startswith(b"+OK")
    caps = p.multi().split(b"\r\n")
    assert b"USER" in caps and b"STLS" not in caps
    p.login()
    p.cmd("QUIT")


def test_plaintext_allowed_by_config_off_loopback(tern_factory):
    addr = non_loopback_address()
    t = start(tern_factory, address=addr,
              extra="[server]\nallow_plaintext_auth = yes\n")
    p = Pop(t)
    p.login()
    p.cmd("QUIT")


# --- TLS ------------------------------------------------------------------------

def test_stls_with_poplib(tern):
    deliver(tern, A, "tls")
    p = poplib.POP3("127.0.0.1", tern.port("pop3"), timeout=10)
    p.stls(tern.ssl_context())
    assert "STLS" not in p.capa()
    p.user(A)
    p.pass_(APW)
    assert p.stat()[0] == 1
    assert b"Subject: tls" in p.retr(1)[1]
    p.quit()
    assert re.search(r"pop3 login user=\"alice@example.test\" method=USER "
                     r"tls=yes", tern.log())


def test_stls_discards_pipelined_plaintext(tern):
    p = Pop(tern)
    p.send("STLS\r\nUSER %s\r\nPASS %s\r\n" % (A, APW))
    assert p.line() == b"+OK Begin TLS negotiation"
    p.sock = tern.ssl_context().wrap_socket(p.sock)
    # the pipelined USER/PASS were dropped: PASS needs USER
    assert p.cmd("PASS " + APW) == b"-ERR Send USER first"
    assert p.cmd("STLS") == b"-ERR Already using TLS"
    p.login()
    p.cmd("QUIT")


def test_implicit_tls_pop3s(tern):
    deliver(tern, A, "pop3s")
    p = poplib.POP3_SSL("127.0.0.1", tern.port("pop3s"), timeout=10,
                        context=tern.ssl_context())
    assert "STLS" not in p.capa()
    p.user(A)
    p.pass_(APW)
    assert p.stat()[0] == 1
    p.dele(1)
    p.quit()
    p = poplib.POP3_SSL("127.0.0.1", tern.port("pop3s"), timeout=10,
                        context=tern.ssl_context())
    p.user(A)
    p.pass_(APW)
    assert p.stat() == (0, 0)
    p.quit()


# --- streaming, limits, lifecycle -------------------------------------------------

def server_rss_kb(t, field="VmRSS"):
    with open("/proc/%d/status" % t.proc.pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])


def reset_peak_rss(t):
    """Start the server's peak RSS (VmHWM) over from its RSS now."""
    with open("/proc/%d/clear_refs" % t.proc.pid, "w") as f:
        f.write("5")


def test_big_message_streams(tern_factory, monkeypatch):
    # under ASan, freed memory sits in quarantine and would count as RSS
    opts = os.environ.get("ASAN_OPTIONS", "")
    monkeypatch.setenv("ASAN_OPTIONS", (opts + ":" if opts else "") +
                       "quarantine_size_mb=1")
    tern = start(tern_factory)
    line = "x" * 998 + "\r\n"
    body = line * (30 * 1024)        # ~30 MB
    deliver(tern, A, "big", body)
    p = Pop(tern, timeout=60)
    p.login()
    size = int(p.cmd("LIST 1").split()[2])
    assert size > 30 * 1000 * 1024
    reset_peak_rss(tern)
    rss0 = server_rss_kb(tern)
    p.send("RETR 1\r\n")
    # a slow reader: the server must not buffer the message meanwhile
    p.sock.settimeout(60)
    first = p.sock.recv(65536)
    time.sleep(0.5)
    data = [first]
    while True:
        chunk = p.sock.recv(1 << 20)
        assert chunk
        data.append(chunk)
        if b"".join(data[-2:]).endswith(b"\r\n.\r\n"):
            break
    # the peak over the whole RETR, however the sampling would have fallen
    peak = server_rss_kb(tern, "VmHWM")
    raw = b"".join(data)
    head, rest = raw.split(b"\r\n", 1)
    assert head == b"+OK %d octets" % size
    assert len(rest) == size + 3
    # far less than the 30 MB message
    assert peak - rss0 < 8 * 1024, (rss0, peak)
    assert p.cmd("QUIT").startswith(b"+OK")


def test_idle_timeout(tern_factory):
    t = start(tern_factory, extra="[pop3]\ntimeout = 1s\n")
    p = Pop(t)
    p.login()
    p.sock.settimeout(60)   # the line comes after pop3.timeout
    assert p.line() == b"-ERR Autologout: idle for too long"
    assert p.closed()
    # the autologout does not enter UPDATE: nothing removed, lock freed
    q = Pop(t)
    q.login()
    q.cmd("QUIT")


def test_no_autologout_while_the_server_checks_a_login(tern_factory):
    """the autologout timer counts the client's silence, not ours: a
    login held by the throttle for longer than pop3.timeout still gets
    its answer"""
    t = start(tern_factory, extra="[pop3]\ntimeout = 1s\n")
    p = Pop(t)
    for _ in range(2):      # two failures: the next check waits 2 s
        assert p.cmd("USER " + A).startswith(b"+OK")
        assert p.cmd("PASS wrong-password").startswith(b"-ERR")
    q = Pop(t)
    q.sock.settimeout(30)
    start_time = time.monotonic()
    q.login()
    assert time.monotonic() - start_time > 1.5     # the throttle held it
    q.cmd("QUIT")


def test_shutdown_says_goodbye(tern):
    p = Pop(tern)
    p.login()
    tern.proc.send_signal(15)
    assert p.line() == b"-ERR [SYS/TEMP] Server shutting down"
    assert p.closed()
    assert tern.stop() == 0


def test_pop3_delete_seen_by_imap(tern):
    import imaplib
    deliver(tern, A, "one")
    deliver(tern, A, "two")
    m = imaplib.IMAP4("127.0.0.1", tern.port("imap"))
    m.login(A, APW)
    m.select("INBOX")
    m.send(b"a1 IDLE\r\n")
    assert m.readline().startswith(b"+")
    p = pop(tern)
    p.dele(1)
    p.quit()
    m.sock.settimeout(5)
    assert re.match(rb"\* 1 EXPUNGE", m.readline())
    # m was the first to see both: one \Recent message left
    assert re.match(rb"\* 1 RECENT", m.readline())
    m.send(b"DONE\r\n")
    m.readline()
    m.logout()


def imap_login(t):
    import imaplib
    m = imaplib.IMAP4("127.0.0.1", t.port("imap"))
    m.login(A, APW)
    return m


def test_uidl_matches_imap_uidvalidity_and_uid(tern):
    for i in range(3):
        deliver(tern, A, "x%d" % i)
    m = imap_login(tern)
    typ, data = m.select("INBOX")
    uidvalidity = int(m.untagged_responses["UIDVALIDITY"][0])
    typ, data = m.fetch("1:*", "(UID)")
    uids = [int(re.search(rb"UID (\d+)", d).group(1)) for d in data]
    m.logout()
    p = pop(tern)
    got = [l.split()[1].decode() for l in p.uidl()[1]]
    p.quit()
    assert got == ["%08x%08x" % (uidvalidity, u) for u in uids]


def test_bare_lf_message_counted_as_sent(tern):
    """A message stored with bare LF line ends (IMAP APPEND takes them)
    is sent with CRLF, and LIST/STAT/RETR count exactly those octets."""
    stored = b"Subject: lf\n\nline one\n.dot\nno newline at end"
    m = imap_login(tern)
    typ, _ = m.append("INBOX", None, None, stored)
    assert typ == "OK"
    m.logout()
    want = stored.replace(b"\n", b"\r\n") + b"\r\n"
    p = Pop(tern)
    p.login()
    assert p.cmd("LIST 1") == b"+OK 1 %d" % len(want)
    assert p.cmd("STAT") == b"+OK 1 %d" % len(want)
    assert p.cmd("RETR 1") == b"+OK %d octets" % len(want)
    raw = p.multi()
    assert unstuff(raw[:-2]) + b"\r\n" == want
    assert b"\r\n..dot\r\n" in raw
    assert p.cmd("TOP 1 1") == b"+OK Top of message follows"
    assert p.multi() == b"Subject: lf\r\n\r\nline one\r\n"
    p.cmd("QUIT")


def test_big_message_over_tls(tern):
    body = ("y" * 70 + "\r\n.\r\n") * 40000          # ~3 MB, dots to stuff
    sent = deliver(tern, A, "big tls", body)
    for proto in ("pop3s", "pop3"):
        p = Pop(tern, proto, tls=(proto == "pop3s"), timeout=60)
        if proto == "pop3":
            p.starttls()
        p.login()
        size = int(p.cmd("LIST 1").split()[2])
        assert p.cmd("RETR 1") == b"+OK %d octets" % size
        got = unstuff(p.multi()[:-2]) + b"\r\n"
        assert len(got) == size and got.endswith(sent)
        p.cmd("QUIT")


def test_blocked_address_refused(tern_factory):
    t = start(tern_factory, extra="[auth]\nmax_failures = 100\n"
              "throttle_max_delay = 0\nthrottle_block_after = 3\n")
    p = Pop(t)
    for i in range(2):
        p.cmd("USER " + A)
        assert p.cmd("PASS bad%d" % i) == b"-ERR [AUTH] Authentication failed"
    # the third failure blocks the address: told so (as IMAP and
    # submission do) and closed at once
    p.cmd("USER " + A)
    assert p.cmd("PASS bad2") == \
        b"-ERR [SYS/TEMP] Too many failed logins, try later"
    assert p.closed()
    q = Pop(t)
    q.cmd("USER " + A)
    assert q.cmd("PASS " + APW) == \
        b"-ERR [SYS/TEMP] Too many failed logins, try later"
    assert q.closed()
    assert "pop3 login refused ip=127.0.0.1 reason=blocked" in t.log()


def blob_files(t):
    out = []
    for root, _, files in os.walk(os.path.join(t.data_dir, "blobs")):
        out += [os.path.join(root, f) for f in files]
    return out


def test_store_errors_are_sys_temp(tern):
    # big enough to live in blob files (small bodies stay in the database)
    deliver(tern, A, "one", ("y" * 998 + "\r\n") * 100)
    deliver(tern, A, "two", ("x" * 998 + "\r\n") * 100)
    p = Pop(tern)
    p.login()
    files = blob_files(tern)
    assert len(files) == 2
    for f in files:
        os.unlink(f)
    assert p.cmd("RETR 1") == b"-ERR [SYS/TEMP] Cannot read the message"
    assert p.cmd("TOP 2 0") == b"-ERR [SYS/TEMP] Cannot read the message"
    assert p.cmd("NOOP") == b"+OK"
    p.cmd("QUIT")
    # after a restart the sizes come from the store (no body is read at
    # login), so the login works and the missing bodies fail on RETR
    restart(tern)
    q = Pop(tern)
    q.login()
    assert q.cmd("RETR 1") == b"-ERR [SYS/TEMP] Cannot read the message"
    q.cmd("QUIT")
    # and the account is not left locked
    r = Pop(tern)
    r.login()
    r.cmd("QUIT")


def test_message_expunged_by_imap_during_session(tern):
    deliver(tern, A, "one")
    deliver(tern, A, "two")
    p = Pop(tern)
    p.login()
    m = imap_login(tern)
    m.select("INBOX")
    m.store("1", "+FLAGS", "\\Deleted")
    m.expunge()
    m.logout()
    # the snapshot keeps its numbers; the message itself is gone
    assert p.cmd("STAT").startswith(b"+OK 2 ")
    assert p.cmd("RETR 1") == b"-ERR Message was removed by another session"
    assert p.cmd("RETR 2").startswith(b"+OK")
    p.multi()
    assert p.cmd("DELE 1").startswith(b"+OK")
    assert p.cmd("QUIT") == b"+OK Bye, 1 messages deleted"
    q = pop(tern)
    assert q.stat()[0] == 1
    q.quit()


def test_quit_ok_survives_sigkill(tern):
    """+OK to QUIT means the deletions are on stable storage: SIGKILL
    right after it, restart, and they stay deleted; the others stay."""
    for i in range(6):
        deliver(tern, A, "keep or go %d" % i)
    p = pop(tern)
    uidl = [l.split()[1] for l in p.uidl()[1]]
    for i in (1, 3, 5):
        p.dele(i)
    assert p.quit().startswith(b"+OK")
    tern.kill()
    tern.start()
    p = pop(tern)
    left = [l.split()[1] for l in p.uidl()[1]]
    assert left == [uidl[1], uidl[3], uidl[5]]
    p.quit()


# --- the shared login path (src/auth/auth-check.h) ---------------------------

def db_account(t, address, **cols):
    """read (or with cols, first write) the account's stored secrets,
    straight in the database: as an import or an older tern left them"""
    import sqlite3
    db = sqlite3.connect(os.path.join(t.data_dir, "tern.db"), timeout=30)
    try:
        for k, v in cols.items():
            db.execute("UPDATE accounts SET %s = ? WHERE address = ?" % k,
                       (v, address))
        db.commit()
        return db.execute("SELECT password_hash, scram FROM accounts "
                          "WHERE address = ?", (address,)).fetchone()
    finally:
        db.close()


def old_argon2id(pw):
    """an argon2id hash with other parameters than tern's (t=1, 8 MiB)"""
    import ctypes
    import ctypes.util
    na = ctypes.CDLL(ctypes.util.find_library("sodium"))
    assert na.sodium_init() >= 0
    out = ctypes.create_string_buffer(128)
    assert na.crypto_pwhash_str_alg(out, pw.encode(),
                                    ctypes.c_ulonglong(len(pw)),
                                    ctypes.c_ulonglong(1),
                                    ctypes.c_size_t(8 << 20), 2) == 0
    return out.value.decode()


def wait_until(cond, what, timeout=30):
    deadline = time.time() + timeout
    while not cond():
        assert time.time() < deadline, what
        time.sleep(0.05)


def test_login_rehashes_outdated_hash(tern):
    old = old_argon2id(APW)
    assert "t=1" in old
    db_account(tern, A, password_hash=old)
    p = Pop(tern)
    p.login()
    p.cmd("QUIT")
    # re-hashed with the current parameters after the login
    wait_until(lambda: db_account(tern, A)[0] != old, "a new hash")
    assert "m=19456,t=2" in db_account(tern, A)[0]
    p = Pop(tern)
    p.login()
    p.cmd("QUIT")


def test_login_with_only_a_scram_secret(tern):
    # an imported account: SCRAM secret, no argon2id hash
    db_account(tern, A, password_hash="")
    p = Pop(tern)
    assert p.cmd("USER " + A).startswith(b"+OK")
    assert p.cmd("PASS " + APW).startswith(b"+OK Logged in")
    p.cmd("QUIT")
    wait_until(lambda: db_account(tern, A)[0].startswith("$argon2id$"),
               "the hash added at login")
    p = Pop(tern)
    assert p.cmd("USER " + A).startswith(b"+OK")
    assert p.cmd("PASS wrong") == b"-ERR [AUTH] Authentication failed"
