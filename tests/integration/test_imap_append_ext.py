"""APPEND extensions: MULTIAPPEND (RFC 3502), CATENATE (RFC 4469) with
IMAP URLs (RFC 5092), REPLACE (RFC 8508), with UIDPLUS APPENDUID; their
limits and bad input (nothing may be appended when a command fails)."""
import glob
import os
import re
import time

import pytest

from conftest import ALICE, BOB
from test_flood import small_quarantine  # noqa: F401 (a fixture)
from test_imap import Imap, MULTIPART

A, APW = ALICE
B, BPW = BOB


def msg(subject, body="body\r\n"):
    return ("From: a@example.test\r\nSubject: %s\r\n\r\n%s"
            % (subject, body)).encode()


def lit(data, sync=False):
    """a literal header and its data (non-synchronizing unless sync)"""
    return b"{%d%s}\r\n" % (len(data), b"" if sync else b"+") + data


def start(tern_factory, extra=""):
    t = tern_factory(extra=extra)
    t.add_account(*ALICE)
    t.add_account(*BOB)
    t.start()
    return t


def count(c, box="INBOX"):
    _, u = c.cmd('STATUS "%s" (MESSAGES)' % box)
    return int(re.search(rb"MESSAGES (\d+)", u[0]).group(1))


def bodies(c, box="INBOX"):
    c.ok('EXAMINE "%s"' % box)
    _, u = c.cmd("FETCH 1:* (BODY.PEEK[])")
    return [x.split(b"}\r\n", 1)[1][:-1] for x in u if b" FETCH " in x]


def uidvalidity(c, box="INBOX"):
    _, u = c.cmd('STATUS "%s" (UIDVALIDITY)' % box)
    return int(re.search(rb"UIDVALIDITY (\d+)", u[0]).group(1))


# --- MULTIAPPEND ----------------------------------------------------------

def test_multiappend_all_in_one_with_appenduid(tern):
    c = Imap(tern)
    c.login()
    _, u = c.cmd("CAPABILITY")
    assert b" MULTIAPPEND" in u[0] and b"UIDPLUS" in u[0]
    c.ok("SELECT INBOX")
    m1, m2, m3 = msg("one"), msg("two"), msg("three")
    r, u = c.cmd(b"APPEND INBOX (\\Seen) " + lit(m1) + b" (\\Flagged $Work) "
                 b'"01-Feb-2024 10:00:00 +0100" ' + lit(m2) + b" " + lit(m3))
    v = uidvalidity(c)
    assert r == b"OK [APPENDUID %d 1:3] APPEND completed" % v
    # the selected mailbox hears of them before the tagged reply
    assert b"* 3 EXISTS" in u
    assert bodies(c) == [m1, m2, m3]
    _, u = c.cmd("FETCH 1:3 (FLAGS INTERNALDATE)")
    assert b"\\Seen" in u[0] and b"\\Flagged" in u[1] and b"$Work" in u[1]
    assert b'" 1-Feb-2024 10:00:00 +0100"' in u[1]


def test_multiappend_synchronizing_literals(tern):
    c = Imap(tern)
    c.login()
    m1, m2 = msg("s1"), msg("s2")
    c.send(b"a1 APPEND INBOX {%d}\r\n" % len(m1))
    assert c.resp().startswith(b"+ ")
    c.send(m1 + b" {%d}\r\n" % len(m2))
    assert c.resp().startswith(b"+ ")
    c.send(m2 + b"\r\n")
    r, _ = c.wait("a1")
    assert re.match(rb"OK \[APPENDUID \d+ 1:2\]", r), r
    assert bodies(c) == [m1, m2]


def test_multiappend_too_many_messages(tern_factory):
    t = start(tern_factory, "[imap]\nmax_multiappend = 3\n")
    c = Imap(t)
    c.login()
    r, _ = c.cmd(b"APPEND INBOX " + b" ".join(lit(msg("m%d" % i))
                                               for i in range(4)))
    assert r.startswith(b"NO [LIMIT]"), r
    assert count(c) == 0
    # three are fine, and the session goes on
    r, _ = c.cmd(b"APPEND INBOX " + b" ".join(lit(msg("m%d" % i))
                                               for i in range(3)))
    assert r.startswith(b"OK [APPENDUID"), r
    assert count(c) == 3
    assert "more than 3 messages" in t.log()


def test_multiappend_literal_too_big_midway(tern_factory):
    t = start(tern_factory, "[imap]\nmax_literal = 2K\n")
    c = Imap(t)
    c.login()
    big = msg("big", "x" * 3000 + "\r\n")
    # a synchronizing literal is refused before it is sent
    c.send(b"a1 APPEND INBOX " + lit(msg("ok1")) + b" {%d}\r\n" % len(big))
    r, _ = c.wait("a1")
    assert r.startswith(b"NO [TOOBIG]"), r
    # a non-synchronizing one is read and dropped
    r, _ = c.cmd(b"APPEND INBOX " + lit(msg("ok2")) + b" " + lit(big) +
                 b" " + lit(msg("ok3")))
    assert r.startswith(b"NO [TOOBIG]"), r
    assert count(c) == 0
    r, _ = c.cmd("NOOP")
    assert r.startswith(b"OK")



def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])


def test_multiappend_holds_bounded_memory(small_quarantine, tern):
    """500 messages of 50 KB (each small enough to be kept in memory
    alone: 25 MB in all) wait for the command's end: past
    imap.multiappend_memory (1M) they go to their files, which stay
    closed until the commit. Measured: RSS +4.7 MB (+31 MB with the
    limit at 1G); ASan build +18 MB (+45 MB)."""
    c = Imap(tern)
    c.login()
    body = b"Subject: m\r\n\r\n" + (b"x" * 78 + b"\r\n") * 625
    n, in_mem = 500, (1 << 20) // len(body)
    fds = os.path.join("/proc", str(tern.proc.pid), "fd")
    before, fds_before = rss_kb(tern.proc.pid), len(os.listdir(fds))
    c.send(b"a1 APPEND INBOX")
    for i in range(n):
        c.send(b" " + lit(body))
    blobs = os.path.join(tern.data_dir, "blobs")
    # every finished message but those within the budget is in a file
    # (the last one finishes with the command)
    deadline = time.monotonic() + 120
    while (len(glob.glob(os.path.join(blobs, "*", "*"))) < n - 1 - in_mem
           and time.monotonic() < deadline):
        time.sleep(0.05)
    assert len(glob.glob(os.path.join(blobs, "*", "*"))) == n - 1 - in_mem
    grown = rss_kb(tern.proc.pid) - before
    # less than the messages themselves (a sanitizer build's shadow
    # memory and 8 MB quarantine included)
    assert grown < 24 * 1024, grown      # of 25 MB of messages
    # nor a file descriptor per waiting message
    assert len(os.listdir(fds)) < fds_before + 10
    c.send(b"\r\n")
    r, _ = c.wait("a1")
    assert re.match(rb"OK \[APPENDUID \d+ 1:500\]", r), r
    got = bodies(c)
    assert len(got) == n and all(b == body for b in got)

def test_multiappend_bad_flags_in_second_message(tern):
    c = Imap(tern)
    c.login()
    r, _ = c.cmd(b"APPEND INBOX " + lit(msg("a")) + b" (\\Bogus) " +
                 lit(msg("b")))
    assert r.startswith(b"BAD"), r
    assert count(c) == 0


def test_multiappend_over_quota_appends_none(tern_factory):
    t = start(tern_factory)
    t.cli("account", "quota", A, "0", "2")
    c = Imap(t)
    c.login()
    r, _ = c.cmd(b"APPEND INBOX " + b" ".join(lit(msg("q%d" % i))
                                               for i in range(3)))
    assert r.startswith(b"NO [OVERQUOTA]"), r
    assert count(c) == 0


# --- REPLACE --------------------------------------------------------------

def fill(c, n, box="INBOX"):
    for i in range(n):
        c.ok(b'APPEND "%s" ' % box.encode() + lit(msg("old%d" % i)))


def test_replace_in_selected_mailbox(tern):
    c = Imap(tern)
    c.login()
    _, u = c.cmd("CAPABILITY")
    assert b" REPLACE" in u[0]
    fill(c, 2)
    c.ok("SELECT INBOX")
    new = msg("new")
    r, u = c.cmd(b"REPLACE 1 INBOX (\\Seen) " + lit(new))
    v = uidvalidity(c)
    assert r == b"OK REPLACE completed", (r, u)
    # RFC 8508 3.1: APPENDUID first, then the expunge, before the OK
    # (the old message is announced gone once; the new one is the 2nd;
    # the RECENT counts of this IMAP4rev1 session are not the point)
    assert [x for x in u if not x.endswith(b" RECENT")] == [
        b"* OK [APPENDUID %d 3] Replacement message ready" % v,
        b"* 1 EXPUNGE", b"* 2 EXISTS"], u
    assert bodies(c) == [msg("old1"), new]


def test_uid_replace_to_other_mailbox_with_qresync(tern):
    c = Imap(tern)
    c.login()
    c.ok("CREATE Work")
    fill(c, 2)
    c.ok("ENABLE QRESYNC")
    c.ok("SELECT INBOX")
    new = msg("draft")
    r, u = c.cmd(b"UID REPLACE 2 Work " + lit(new))
    assert r == b"OK REPLACE completed", (r, u)
    assert re.match(rb"\* OK \[APPENDUID \d+ 1\] ", u[0]), u
    assert b"* VANISHED 2" in u
    assert bodies(c, "Work") == [new]
    assert bodies(c, "INBOX") == [msg("old0")]


def test_replace_errors_keep_the_old_message(tern):
    c = Imap(tern)
    c.login()
    fill(c, 1)
    # not selected
    r, _ = c.cmd(b"REPLACE 1 INBOX " + lit(msg("x")))
    assert r.startswith(b"BAD"), r
    c.ok("SELECT INBOX")
    # nonexistent message: sequence number and uid
    r, _ = c.cmd(b"REPLACE 5 INBOX " + lit(msg("x")))
    assert r.startswith(b"NO"), r
    r, _ = c.cmd(b"UID REPLACE 77 INBOX " + lit(msg("x")))
    assert r.startswith(b"NO"), r
    # target that does not exist
    r, _ = c.cmd(b"REPLACE 1 Nowhere " + lit(msg("x")))
    assert r.startswith(b"NO [TRYCREATE]"), r
    # more than one message
    r, _ = c.cmd(b"REPLACE 1 INBOX " + lit(msg("x")) + b" " + lit(msg("y")))
    assert r.startswith(b"BAD"), r
    # read-only
    c.ok("EXAMINE INBOX")
    r, _ = c.cmd(b"REPLACE 1 INBOX " + lit(msg("x")))
    assert r.startswith(b"NO [READ-ONLY]"), r
    assert bodies(c) == [msg("old0")]


# --- CATENATE -------------------------------------------------------------

def test_catenate_text_and_urls(tern):
    c = Imap(tern)
    c.login()
    _, u = c.cmd("CAPABILITY")
    assert b" CATENATE" in u[0]
    c.ok(b"APPEND INBOX " + lit(MULTIPART))
    v = uidvalidity(c)
    head = b"From: me@example.test\r\nSubject: fwd\r\n\r\n"
    r, _ = c.cmd(b"APPEND INBOX CATENATE (TEXT " + lit(head) +
                 b' URL "/INBOX;UIDVALIDITY=%d/;UID=1/;SECTION=1" TEXT ' % v +
                 lit(b"--\r\n") + b' URL "imap://alice%40example.test@'
                 b'mail.example.test/INBOX/;UID=1/;SECTION=HEADER.FIELDS%20'
                 b'(SUBJECT)" URL "/INBOX/;UID=1/;PARTIAL=0.4")')
    assert re.match(rb"OK \[APPENDUID %d 2\]" % v, r), r
    part1 = b"Hello Joe, do you think we can meet at 3:30 tomorrow?"
    got = bodies(c)[1]
    assert got == (head + part1 + b"--\r\n" +
                   b"Subject: afternoon meeting\r\n\r\n" + b"From")


def test_catenate_relative_to_selected_and_mime(tern):
    c = Imap(tern)
    c.login()
    c.ok(b"APPEND INBOX " + lit(MULTIPART))
    c.ok("SELECT INBOX")
    r, u = c.cmd(b'APPEND INBOX CATENATE (URL ";UID=1/;SECTION=2.MIME" '
                 b'URL ";UID=1/;SECTION=2")')
    assert r.startswith(b"OK [APPENDUID"), r
    assert b"* 2 EXISTS" in u
    assert bodies(c)[1] == (b"Content-Type: message/rfc822\r\n\r\n"
                            b"Subject: inner\r\nFrom: in@side.example\r\n"
                            b"\r\ninner body")


def test_catenate_in_multiappend(tern):
    c = Imap(tern)
    c.login()
    c.ok(b"APPEND INBOX " + lit(msg("src")))
    r, _ = c.cmd(b"APPEND INBOX " + lit(msg("plain")) +
                 b' (\\Draft) CATENATE (URL "/INBOX/;UID=1" TEXT ' +
                 lit(b"tail\r\n") + b")")
    assert re.match(rb"OK \[APPENDUID \d+ 2:3\]", r), r
    assert bodies(c)[1:] == [msg("plain"), msg("src") + b"tail\r\n"]


@pytest.mark.parametrize("url", [
    b"/INBOX/;UID=9",                       # no such message
    b"/Nowhere/;UID=1",                     # no such mailbox
    b"/INBOX;UIDVALIDITY=1/;UID=1",          # stale UIDVALIDITY
    b"/INBOX/;UID=1/;SECTION=7",            # no such part
    b"/INBOX/;UID=1/;SECTION=BOGUS",        # not a section
    b"/INBOX/;UID=zz",                      # malformed
    b"/INBOX/;UID=1/;URLAUTH=anonymous",    # URLAUTH on a relative URL
    b";UID=1",                              # relative, nothing selected
    # the user's own, but on another server
    b"imap://alice%40example.test@elsewhere.example/INBOX/;UID=1",
])
def test_catenate_bad_url(tern, url):
    c = Imap(tern)
    c.login()
    c.ok(b"APPEND INBOX " + lit(msg("src")))
    r, _ = c.cmd(b"APPEND INBOX " + lit(msg("first")) + b" CATENATE (TEXT " +
                 lit(b"x\r\n") + b' URL "' + url + b'")')
    assert r.startswith(b"NO [BADURL " + url + b"] "), r
    assert count(c) == 1


def test_catenate_url_to_another_user_is_badurl(tern):
    b = Imap(tern)
    b.login(B, BPW)
    b.ok(b"APPEND INBOX " + lit(msg("bob's secret")))
    b.ok(b"APPEND INBOX " + lit(msg("bob's second")))
    c = Imap(tern)
    c.login()
    c.ok(b"APPEND INBOX " + lit(msg("alice")))
    for url in (b"imap://bob%40example.test@mail.example.test/INBOX/;UID=1",
                b"imap://mail.example.test/INBOX/;UID=1",
                b"/INBOX/;UID=2"):
        r, u = c.cmd(b'APPEND INBOX CATENATE (URL "' + url + b'")')
        assert r == b"NO [BADURL " + url + b"] Bad CATENATE URL", r
        assert not any(b"secret" in x or b"second" in x for x in u)
    assert count(c) == 1
    assert bodies(c) == [msg("alice")]


def test_catenate_limits_and_nul(tern_factory):
    t = start(tern_factory, "[imap]\nmax_literal = 2K\n")
    c = Imap(t)
    c.login()
    c.ok(b"APPEND INBOX " + lit(msg("big", "y" * 1500 + "\r\n")))
    # the parts add up to more than the message limit
    r, _ = c.cmd(b'APPEND INBOX CATENATE (URL "/INBOX/;UID=1" URL '
                 b'"/INBOX/;UID=1")')
    assert r.startswith(b"NO [TOOBIG]"), r
    r, _ = c.cmd(b'APPEND INBOX CATENATE (URL "/INBOX/;UID=1" TEXT ' +
                 lit(b"z" * 1000) + b")")
    assert r.startswith(b"NO [TOOBIG]"), r
    # a TEXT literal is CHAR8: no NUL (RFC 4469 5)
    r, _ = c.cmd(b"APPEND INBOX CATENATE (TEXT " + lit(msg("n\0ul")) + b")")
    assert r.startswith(b"NO"), r
    # malformed CATENATE
    for bad in (b"CATENATE ()", b"CATENATE (TEXT)", b"CATENATE (FOO \"x\")",
                b"CATENATE (URL)", b"CATENATE"):
        r, _ = c.cmd(b"APPEND INBOX " + bad)
        assert r.startswith(b"BAD"), (bad, r)
    assert count(c) == 1
    r, _ = c.cmd("NOOP")
    assert r.startswith(b"OK")


# --- NIL where the grammar has nstring, and only there (issue 12) ---------
# RFC 9051 9 and RFC 2971: of the commands tern implements, only ID's
# parameter values are nstring. Everywhere an astring is taken, the atom
# NIL is a string like any other (a mailbox may be called "NIL"); where
# only a string (quoted/literal) is allowed, the atom NIL is refused.

def test_nil_id_values_are_nstring(tern):
    c = Imap(tern)
    r, u = c.cmd('ID ("name" NIL "version" "1")')
    assert r.startswith(b"OK"), r
    r, _ = c.cmd("ID NIL")
    assert r.startswith(b"OK"), r
    # a field name is a string: NIL is not one
    r, _ = c.cmd('ID (NIL "x")')
    assert r.startswith(b"BAD"), r


def test_nil_is_an_astring_mailbox_name(tern):
    c = Imap(tern)
    c.login()
    for cmd in ("CREATE NIL", "SUBSCRIBE NIL", "SELECT NIL", "EXAMINE NIL",
                "STATUS NIL (MESSAGES)", "UNSUBSCRIBE NIL"):
        r, _ = c.cmd(cmd)
        assert r.startswith(b"OK"), (cmd, r)
    r, _ = c.cmd(b"APPEND NIL " + lit(msg("nil")))
    assert r.startswith(b"OK"), r
    _, u = c.cmd('LIST "" NIL')
    # (sent quoted, so no client can take it for nil)
    assert u == [b'* LIST (\\HasNoChildren) "/" "NIL"'], u
    r, _ = c.cmd("SELECT NIL")
    assert r.startswith(b"OK"), r
    r, _ = c.cmd("COPY 1 NIL")
    assert r.startswith(b"OK"), r
    r, u = c.cmd("SEARCH SUBJECT NIL")
    assert r.startswith(b"OK") and u == [b"* SEARCH 1 2"], (r, u)
    r, u = c.cmd("SEARCH HEADER NIL NIL")
    assert r.startswith(b"OK") and u == [b"* SEARCH"], (r, u)
    r, _ = c.cmd("GETQUOTAROOT NIL")
    assert r.startswith(b"OK"), r
    r, _ = c.cmd("RENAME NIL Nix")
    assert r.startswith(b"OK"), r
    r, _ = c.cmd("DELETE Nix")
    assert r.startswith(b"OK"), r


def test_nil_is_an_astring_login(tern_factory):
    t = start(tern_factory)
    t.add_account("nil@example.test", "nil-secret-pw")
    c = Imap(t)
    # LOGIN userid password: astrings; NIL is the string "NIL"
    r, _ = c.cmd('LOGIN NIL "x"')
    assert r.startswith(b"NO"), r
    r, _ = c.cmd('LOGIN "nil@example.test" NIL')
    assert r.startswith(b"NO"), r


# --- the same commands to Dovecot -----------------------------------------
# Dovecot 2.3 has MULTIAPPEND and CATENATE (not REPLACE). Where the two
# differ on purpose the command is left out here and tested above:
# - CATENATE (TEXT) without its literal: Dovecot appends an empty
#   message; tern answers BAD (RFC 4469 text-literal = "TEXT" SP literal)
# - a URL to a part that does not exist (;SECTION=7): Dovecot copies
#   nothing and says OK; tern says NO [BADURL] (RFC 4469 5: a URL that
#   cannot be resolved fails the APPEND)
# - an absolute URL of the user's own message: Dovecot wants relative
#   URLs only; tern takes it when the user is the session's
# - ID (NIL "x"): Dovecot accepts a nil field name; RFC 2971 has string
# - a NUL in a TEXT {n} literal: Dovecot loses the command's framing

def tagged_code(r):
    """status and response code of a tagged reply; Dovecot's timing
    suffix and the text after the code are not compared, nor the
    UIDVALIDITY number (each server picks its own); CREATE's MAILBOXID
    code is dropped (RFC 8474 OBJECTID: Dovecot 2.3 does not have it)"""
    m = re.match(rb"(OK|NO|BAD)(?: \[([^\]]*)\])?", r)
    code = m.group(2) or b""
    code = re.sub(rb"^MAILBOXID \([^)]*\)$", b"", code)
    code = re.sub(rb"^APPENDUID \d+", b"APPENDUID V", code)
    return m.group(1), code


def run_script(port, user, pw):
    class Port:
        def connect(self, proto, timeout=10):
            import socket
            return socket.create_connection(("127.0.0.1", port), timeout)

    m = msg("dv")
    c = Imap(Port())
    c.login(user, pw)
    script = [
        b"APPEND INBOX " + lit(MULTIPART) + b" (\\Seen) " + lit(m) + b" " +
        lit(msg("three")),
        b"SELECT INBOX",
        b"APPEND INBOX " + lit(m),
        b"APPEND INBOX CATENATE (TEXT " + lit(msg("cat")) +
        b' URL "/INBOX/;UID=1/;SECTION=1")',
        b'APPEND INBOX CATENATE (URL ";UID=2" URL "/INBOX/;UID=1/;SECTION='
        b'2.MIME" URL "/INBOX/;UID=1/;SECTION=HEADER" URL '
        b'"/INBOX/;UID=1/;SECTION=TEXT/;PARTIAL=10.20")',
        b"APPEND INBOX " + lit(m) + b' CATENATE (URL ";UID=3" TEXT ' +
        lit(b"tail\r\n") + b")",
        b'APPEND INBOX CATENATE (URL "/INBOX/;UID=99")',
        b'APPEND INBOX CATENATE (URL "/INBOX;UIDVALIDITY=1/;UID=1")',
        b'APPEND INBOX CATENATE (URL "/INBOX/;UID=zz")',
        b'APPEND INBOX CATENATE (URL "/Nowhere/;UID=1")',
        b'APPEND INBOX CATENATE (URL "imap://bob@localhost/INBOX/;UID=1")',
        b"APPEND INBOX CATENATE ()",
        b"APPEND Nowhere " + lit(m) + b" " + lit(m),
        b"APPEND INBOX " + lit(m) + b" (\\Bogus) " + lit(m),
        b"APPEND INBOX " + lit(m) + b' CATENATE (URL "/INBOX/;UID=99")',
        b"CREATE NIL", b"SELECT NIL", b"SEARCH SUBJECT NIL",
        b'ID ("name" NIL)', b"SELECT INBOX",
    ]
    out = []
    for cmd in script:
        r, _ = c.cmd(cmd)
        out.append((cmd[:60], tagged_code(r)))
    _, u = c.cmd("UID FETCH 1:* (BODY.PEEK[])")
    out.append([x.split(b"}\r\n", 1)[1] for x in u if b" FETCH " in x])
    c.close()
    return out


@pytest.mark.skipif(not __import__("dovecotlib").available(),
                    reason="dovecot-imapd is not installed "
                           "(scripts/install-deps.sh installs it)")
def test_multiappend_catenate_as_dovecot(tern_factory):
    import dovecotlib
    t = tern_factory()
    t.add_account(dovecotlib.USER, dovecotlib.PASSWORD)
    t.start()
    d = dovecotlib.Dovecot()
    try:
        d.start()
        theirs = run_script(d.port, dovecotlib.USER, dovecotlib.PASSWORD)
    finally:
        d.stop()
    ours = run_script(t.port("imap"), dovecotlib.USER, dovecotlib.PASSWORD)
    assert ours[:-1] == theirs[:-1]
    # the messages made, byte for byte
    assert len(ours[-1]) == 8
    assert ours[-1] == theirs[-1]
