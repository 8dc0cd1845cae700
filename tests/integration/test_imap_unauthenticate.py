"""UNAUTHENTICATE (RFC 8437): back to the not-authenticated state. The
selected mailbox is closed without expunge, ENABLEd extensions and the
mailbox watcher go, \\Recent claims stay claimed; TLS and COMPRESS stay;
a new LOGIN or AUTHENTICATE, as another user too, then works and sees
only that user's mail."""
import base64
import re

from conftest import ALICE, BOB
from test_imap import Deflated, Imap, deliver

A, APW = ALICE
B, BPW = BOB


def exists(u):
    return [int(m.group(1)) for m in
            (re.match(rb"\* (\d+) EXISTS$", x) for x in u) if m]


def recent(u):
    return [int(m.group(1)) for m in
            (re.match(rb"\* (\d+) RECENT$", x) for x in u) if m]


def test_capability_and_bad_input(tern):
    c = Imap(tern)
    r, _ = c.cmd("UNAUTHENTICATE")
    assert r.startswith(b"BAD"), r          # not logged in
    u = c.login()
    r, u = c.cmd("CAPABILITY")
    assert b" UNAUTHENTICATE" in u[0], u
    r, _ = c.cmd("UNAUTHENTICATE now")
    assert r.startswith(b"BAD"), r
    c.ok("UNAUTHENTICATE")
    r, u = c.cmd("CAPABILITY")
    # the not-authenticated capabilities again
    assert b"AUTH=PLAIN" in u[0] and b"UNAUTHENTICATE" not in u[0], u
    r, _ = c.cmd("LIST \"\" *")
    assert r.startswith(b"BAD"), r
    r, _ = c.cmd("UNAUTHENTICATE")
    assert r.startswith(b"BAD"), r
    c.login()


def test_closes_without_expunge_and_resets_enable(tern):
    deliver(tern, A, "one")
    c = Imap(tern)
    c.login()
    u = c.ok("ENABLE CONDSTORE")
    assert u == [b"* ENABLED CONDSTORE"], u
    c.ok("ENABLE IMAP4rev2")
    c.ok("SELECT INBOX")
    c.ok("STORE 1 +FLAGS (\\Deleted)")
    c.ok("UNAUTHENTICATE")
    c.login()
    # ENABLE again says ENABLED: the extension was off after UNAUTHENTICATE
    u = c.ok("ENABLE CONDSTORE")
    assert u == [b"* ENABLED CONDSTORE"], u
    u = c.ok("SELECT INBOX")
    assert exists(u) == [1], u              # no expunge on the way out
    # IMAP4rev1 again: the RECENT line is back, and the message is
    # recent here (the rev2 session before did not claim it)
    assert recent(u) == [1], u
    u = c.ok("FETCH 1 FLAGS")
    assert b"\\Deleted" in u[0], u


def test_second_user_sees_only_own_mail(tern):
    deliver(tern, A, "for alice")
    deliver(tern, B, "for bob")
    c = Imap(tern)
    c.login()
    c.ok("CREATE AliceOnly")
    c.ok("SELECT INBOX")
    c.ok("UNAUTHENTICATE")
    # AUTHENTICATE PLAIN (SASL-IR) as bob
    ir = base64.b64encode(b"\0" + B.encode() + b"\0" + BPW.encode())
    r, _ = c.cmd("AUTHENTICATE PLAIN " + ir.decode())
    assert r.startswith(b"OK"), r
    u = c.ok("SELECT INBOX")
    assert exists(u) == [1], u
    u = c.ok("FETCH 1:* BODY.PEEK[HEADER.FIELDS (SUBJECT)]")
    assert len(u) == 1 and b"for bob" in u[0], u
    u = c.ok('LIST "" *')
    assert not any(b"AliceOnly" in x for x in u), u
    r, _ = c.cmd("SELECT AliceOnly")
    assert r.startswith(b"NO"), r
    # and back to alice: her mailbox is there
    c.ok("UNAUTHENTICATE")
    c.login()
    c.ok("SELECT AliceOnly")


def test_recent_and_watcher(tern):
    """a rev1 session claimed the \\Recent message: after UNAUTHENTICATE
    and a new login it is not recent any more (it was told to a
    session), a new one is; mail that arrives while logged out is not
    announced to the logged-out connection (its watcher is gone)"""
    deliver(tern, A, "first")
    c = Imap(tern)
    c.login()
    u = c.ok("SELECT INBOX")
    assert recent(u) == [1], u
    c.ok("UNAUTHENTICATE")
    deliver(tern, A, "second")          # 250: committed, watchers fired
    u = c.ok("NOOP")
    assert u == [], u
    c.login()
    u = c.ok("SELECT INBOX")
    assert exists(u) == [2] and recent(u) == [1], u
    u = c.ok("SEARCH RECENT")
    assert u == [b"* SEARCH 2"], u


def test_tls_stays(tern):
    c = Imap(tern)
    r, _ = c.cmd("STARTTLS")
    assert r.startswith(b"OK"), r
    c.sock = tern.ssl_context().wrap_socket(c.sock)
    c.login()
    c.ok("UNAUTHENTICATE")
    r, u = c.cmd("CAPABILITY")
    assert b"STARTTLS" not in u[0], u
    r, _ = c.cmd("STARTTLS")
    assert r.startswith(b"BAD"), r      # TLS is still active
    c.login(B, BPW)
    c.ok("SELECT INBOX")


def test_compress_stays(tern):
    c = Imap(tern)
    c.login()
    r, _ = c.cmd("COMPRESS DEFLATE")
    assert r == b"OK DEFLATE active", r
    z = Deflated(c.sock)
    z.send(b"a1 UNAUTHENTICATE\r\n")
    assert z.wait(b"a1").endswith(b"a1 OK Unauthenticate completed\r\n")
    z.send(b'a2 LOGIN "%s" "%s"\r\n' % (B.encode(), BPW.encode()))
    assert b"a2 OK" in z.wait(b"a2")
    z.send(b"a3 COMPRESS DEFLATE\r\n")
    assert b"a3 NO [COMPRESSIONACTIVE]" in z.wait(b"a3")
    z.send(b"a4 SELECT INBOX\r\n")
    assert b"a4 OK" in z.wait(b"a4")
