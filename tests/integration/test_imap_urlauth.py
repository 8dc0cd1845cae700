"""URLAUTH (RFC 4467): GENURLAUTH, URLFETCH, RESETKEY, per-mailbox access
keys, URLAUTH URLs in CATENATE (RFC 4469 5), and bad input: a URL that
does not verify gives NIL (URLFETCH) or BADURL (CATENATE), never why."""
import os
import re
import sqlite3
import time

from conftest import ALICE, BOB
from test_imap import Imap, MULTIPART
from test_imap_append_ext import bodies, count, lit, msg

A, APW = ALICE
B, BPW = BOB
HOST = "mail.example.test"
AURL = "imap://alice%40example.test@" + HOST
BURL = "imap://bob%40example.test@" + HOST


def start(tern_factory, extra=""):
    t = tern_factory(extra=extra)
    t.add_account(*ALICE)
    t.add_account(*BOB)
    t.start()
    return t


def gen(c, *rumps):
    """GENURLAUTH INTERNAL for each rump: the full URLs"""
    r, u = c.cmd("GENURLAUTH " + " ".join('"%s" INTERNAL' % x
                                           for x in rumps))
    assert r == b"OK GENURLAUTH completed", (r, u)
    assert len(u) == 1 and u[0].startswith(b"* GENURLAUTH "), u
    urls = re.findall(rb'"([^"]*)"', u[0])
    assert len(urls) == len(rumps)
    for rump, url in zip(rumps, urls):
        # the rump, then ":internal:" and HMAC-SHA1 in hex
        assert re.fullmatch(re.escape(rump.encode()) +
                            rb":internal:[0-9a-f]{40}", url), url
    return [x.decode() for x in urls]


def fetch(c, *urls):
    """URLFETCH: one (url, data or None) per URL, in order"""
    r, u = c.cmd("URLFETCH " + " ".join('"%s"' % x for x in urls))
    assert r == b"OK URLFETCH completed", (r, u)
    out = []
    for x in u:
        m = re.match(rb'\* URLFETCH "([^"]*)" (NIL|\{(\d+)\}\r\n)', x, re.S)
        assert m, x
        out.append((m.group(1).decode(),
                    None if m.group(2) == b"NIL" else x[m.end():]))
    assert [x[0] for x in out] == list(urls)
    return [x[1] for x in out]


def alice_with_message(t):
    c = Imap(t)
    c.login()
    c.ok(b"APPEND INBOX " + lit(MULTIPART))
    return c


PART1 = b"Hello Joe, do you think we can meet at 3:30 tomorrow?"


def test_capability_and_own_urlfetch(tern):
    c = alice_with_message(tern)
    _, u = c.cmd("CAPABILITY")
    assert b" URLAUTH" in u[0]
    whole, part = gen(c, AURL + "/INBOX/;UID=1;URLAUTH=user+alice%40example.test",
                      AURL + "/INBOX/;uid=1/;section=1;urlauth=authuser")
    assert fetch(c, whole, part) == [MULTIPART, PART1]
    # the same key: a second GENURLAUTH of the same rump gives the same URL
    assert gen(c, AURL + "/INBOX/;uid=1/;section=1;urlauth=authuser") == \
        [part]
    # PARTIAL and a future EXPIRE
    p, = gen(c, AURL + "/INBOX/;UID=1/;SECTION=1/;PARTIAL=6.3"
             ";EXPIRE=2999-01-01T00:00:00Z;URLAUTH=anonymous")
    assert fetch(c, p) == [b"Joe"]


def test_access_identifiers_other_users(tern):
    c = alice_with_message(tern)
    for_bob, for_alice, auth, anon, submit = gen(
        c, AURL + "/INBOX/;UID=1/;SECTION=1;URLAUTH=user+bob%40example.test",
        AURL + "/INBOX/;UID=1/;SECTION=1;URLAUTH=user+alice%40example.test",
        AURL + "/INBOX/;UID=1/;SECTION=1;URLAUTH=authuser",
        AURL + "/INBOX/;UID=1/;SECTION=1;URLAUTH=anonymous",
        AURL + "/INBOX/;UID=1/;SECTION=1;URLAUTH=submit+alice%40example.test")
    b = Imap(tern)
    b.login(B, BPW)
    assert fetch(b, for_bob, for_alice, auth, anon, submit) == \
        [PART1, None, PART1, PART1, None]
    # user+bob is for bob only; submit+ is for a submit server, which an
    # IMAP session never is (not even the named user's own)
    assert fetch(c, for_bob, for_alice, submit) == [None, PART1, None]


def test_urlfetch_failures_are_nil(tern):
    c = alice_with_message(tern)
    c.ok(b"APPEND INBOX " + lit(msg("second")))
    # expiring in a few seconds: GENURLAUTH refuses an expired one
    exp = int(time.time()) + 4
    good, gone, nopart, old = gen(
        c, AURL + "/INBOX/;UID=1;URLAUTH=authuser",
        AURL + "/INBOX/;UID=2;URLAUTH=authuser",
        AURL + "/INBOX/;UID=1/;SECTION=9;URLAUTH=authuser",
        AURL + "/INBOX/;UID=1;EXPIRE=%s;URLAUTH=authuser"
        % time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(exp)))
    flipped = good[:-1] + ("0" if good[-1] != "0" else "1")
    for _ in range(100):            # until the clock passes EXPIRE
        if time.time() > exp + 1:
            break
        time.sleep(0.1)
    c.ok("SELECT INBOX")
    c.ok("STORE 2 +FLAGS (\\Deleted)")
    c.ok("EXPUNGE")
    bad = [
        flipped,                                   # wrong token
        good.replace(":internal:", ":other:"),     # unknown mechanism
        good.split(":internal:")[0],               # no token
        good.replace("/INBOX/", "/Sent/"),         # token of another URL
        good.replace(HOST, "elsewhere.example"),   # another server
        AURL + "/INBOX/;UID=1",                    # no URLAUTH
        "/INBOX/;UID=1",                           # relative
        AURL + "/INBOX/;UID=zz;URLAUTH=authuser:internal:" + "0" * 40,
        gone,                                      # expunged since
        nopart,                                    # no such section
        old,                                       # expired
        good + "0",                                # longer token
        AURL + "/" + "x" * 9000 + "/;UID=1;URLAUTH=anonymous:internal:" +
        "0" * 40,                                  # over the length bound
    ]
    assert fetch(c, good, *bad) == [MULTIPART] + [None] * len(bad)
    log = tern.log()
    assert "imap URLFETCH: NIL (Wrong URLAUTH token)" in log
    assert "imap URLFETCH: NIL (URL expired)" in log


def test_other_users_key_does_not_verify(tern):
    """bob's token on a URL naming alice's mailbox: wrong key"""
    a = alice_with_message(tern)
    b = Imap(tern)
    b.login(B, BPW)
    b.ok(b"APPEND INBOX " + lit(MULTIPART))
    bobs, = gen(b, BURL + "/INBOX/;UID=1;URLAUTH=authuser")
    forged = bobs.replace(BURL, AURL)
    assert fetch(a, forged) == [None]
    assert fetch(b, forged) == [None]
    assert fetch(a, bobs) == [MULTIPART]


def test_resetkey(tern):
    c = alice_with_message(tern)
    c.ok("CREATE Work")
    c.ok(b"APPEND Work " + lit(msg("work")))
    inbox, work = gen(c, AURL + "/INBOX/;UID=1;URLAUTH=authuser",
                      AURL + "/Work/;UID=1;URLAUTH=authuser")
    assert fetch(c, inbox, work) == [MULTIPART, msg("work")]
    r, _ = c.cmd("RESETKEY INBOX INTERNAL")
    assert r == b"OK [URLMECH INTERNAL] Key removed", r
    assert fetch(c, inbox, work) == [None, msg("work")]
    inbox2, = gen(c, AURL + "/INBOX/;UID=1;URLAUTH=authuser")
    assert inbox2 != inbox
    assert fetch(c, inbox2, inbox) == [MULTIPART, None]
    # without a mailbox: every key of the user
    c.ok("RESETKEY")
    assert fetch(c, inbox, inbox2, work) == [None, None, None]
    r, _ = c.cmd("RESETKEY Nowhere")
    assert r.startswith(b"NO [NONEXISTENT]"), r
    r, _ = c.cmd("RESETKEY INBOX X-OTHER")
    assert r.startswith(b"NO "), r


def test_genurlauth_refuses(tern):
    c = alice_with_message(tern)
    cases = [
        ('"%s/INBOX/;UID=1;URLAUTH=authuser" INTERNAL' % BURL, b"NO "),
        ('"%s/INBOX/;UID=1;URLAUTH=authuser" INTERNAL' %
         AURL.replace(HOST, "elsewhere.example"), b"NO "),
        ('"%s/INBOX/;UID=1;URLAUTH=authuser" X-OTHER' % AURL, b"NO "),
        ('"%s/Nowhere/;UID=1;URLAUTH=authuser" INTERNAL' % AURL,
         b"NO [NONEXISTENT]"),
        ('"%s/INBOX/;UID=1" INTERNAL' % AURL, b"BAD "),
        ('"%s/INBOX/;UID=1;EXPIRE=2001-01-01T00:00:00Z;URLAUTH=authuser" '
         'INTERNAL' % AURL, b"BAD "),
        ('"%s/INBOX/;UID=1;URLAUTH=authuser:internal:%s" INTERNAL'
         % (AURL, "0" * 40), b"BAD "),
        ('"/INBOX/;UID=1;URLAUTH=authuser" INTERNAL', b"BAD "),
        ('"%s/INBOX/;UID=1;URLAUTH=nobody" INTERNAL' % AURL, b"BAD "),
        ('"%s/INBOX/;UID=1;URLAUTH=authuser"' % AURL, b"BAD "),
    ]
    for args, want in cases:
        r, u = c.cmd("GENURLAUTH " + args)
        assert r.startswith(want), (args, r)
        assert not any(b"GENURLAUTH" in x for x in u), u


def test_max_urlfetch(tern_factory):
    t = start(tern_factory, "[imap]\nmax_urlfetch = 2\n")
    c = alice_with_message(t)
    url, = gen(c, AURL + "/INBOX/;UID=1;URLAUTH=authuser")
    assert fetch(c, url, url) == [MULTIPART, MULTIPART]
    r, u = c.cmd('URLFETCH "%s" "%s" "%s"' % (url, url, url))
    assert r.startswith(b"NO [LIMIT]"), r
    assert u == []
    r, _ = c.cmd("GENURLAUTH " + " ".join(
        ['"%s/INBOX/;UID=1;URLAUTH=authuser" INTERNAL' % AURL] * 3))
    assert r.startswith(b"NO [LIMIT]"), r


def test_catenate_with_urlauth(tern):
    """RFC 4469 5: bob's message in alice's APPEND, authorized by bob"""
    b = Imap(tern)
    b.login(B, BPW)
    b.ok(b"APPEND INBOX " + lit(MULTIPART))
    for_alice, for_carol, submit = gen(
        b, BURL + "/INBOX/;UID=1/;SECTION=1;URLAUTH=user+alice%40example.test",
        BURL + "/INBOX/;UID=1/;SECTION=1;URLAUTH=user+carol%40example.test",
        BURL + "/INBOX/;UID=1/;SECTION=1;URLAUTH=submit+alice%40example.test")
    c = Imap(tern)
    c.login()
    head = b"Subject: fwd\r\n\r\n"
    r, _ = c.cmd(b"APPEND INBOX CATENATE (TEXT " + lit(head) + b' URL "' +
                 for_alice.encode() + b'")')
    assert r.startswith(b"OK [APPENDUID"), r
    assert bodies(c) == [head + PART1]
    flipped = for_alice[:-1] + ("0" if for_alice[-1] != "0" else "1")
    for url in (for_carol, submit, flipped,
                for_alice.replace("SECTION=1", "SECTION=2")):
        r, _ = c.cmd(b'APPEND INBOX CATENATE (URL "' + url.encode() + b'")')
        assert r == b"NO [BADURL " + url.encode() + b"] Bad CATENATE URL", r
    assert count(c) == 1


def keys(t):
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(t.data_dir,
                                                         "tern.db"),
                         uri=True)
    try:
        return db.execute("SELECT a.address, m.name FROM urlauth_keys k"
                          " LEFT JOIN accounts a ON a.id = k.account_id"
                          " LEFT JOIN mailboxes m ON m.id = k.mailbox_id"
                          " ORDER BY 1, 2").fetchall()
    finally:
        db.close()


def test_keys_go_with_mailbox_and_account(tern):
    c = alice_with_message(tern)
    c.ok("CREATE Work")
    c.ok(b"APPEND Work " + lit(msg("work")))
    work, = gen(c, AURL + "/Work/;UID=1;URLAUTH=authuser")
    gen(c, AURL + "/INBOX/;UID=1;URLAUTH=authuser")
    b = Imap(tern)
    b.login(B, BPW)
    gen(b, BURL + "/INBOX/;UID=1;URLAUTH=authuser")
    assert keys(tern) == [(A, "INBOX"), (A, "Work"), (B, "INBOX")]
    c.ok("DELETE Work")
    assert keys(tern) == [(A, "INBOX"), (B, "INBOX")]
    # a new mailbox of the same name has a new key
    c.ok("CREATE Work")
    c.ok(b"APPEND Work " + lit(msg("work")))
    assert fetch(c, work) == [None]
    b.close()
    tern.cli("account", "remove", B)
    assert keys(tern) == [(A, "INBOX")]


# --- side by side with Dovecot 2.3 (imap_urlauth_host and an attribute
# dict, where its access keys live, are all it needs) ---------------------

DOVECOT_URLAUTH = "\nimap_urlauth_host = %s\n" % HOST

EXP = ";EXPIRE=2001-01-01T00:00:00Z"
RUMPS = [AURL + "/INBOX/;UID=1;URLAUTH=user+alice%40example.test",
         AURL + "/INBOX/;uid=1/;section=1;urlauth=authuser",
         AURL + "/INBOX/;UID=1/;SECTION=2.MIME/;PARTIAL=0.10;URLAUTH=anonymous"]
# refused alike (BAD). Left out, where the two differ: GENURLAUTH for a
# message that does not exist (Dovecot refuses it, tern makes the URL,
# which then gives NIL), URLFETCH of a part that does not exist (Dovecot
# "", tern NIL: nothing is there to fetch) and for another user, an unknown mechanism or a
# missing mailbox (Dovecot BAD, tern NO: "can't generate", RFC 4467 6.1)
REFUSED = ['"%s/INBOX/;UID=1%s;URLAUTH=authuser" INTERNAL' % (AURL, EXP),
           '"%s/INBOX/;UID=1" INTERNAL' % AURL,
           '"/INBOX/;UID=1;URLAUTH=authuser" INTERNAL',
           '"%s/INBOX/;UID=1;URLAUTH=authuser:internal:%s" INTERNAL'
           % (AURL, "0" * 40)]


def _norm(line):
    # the token: random keys; Dovecot's has a version byte ("01") first
    return re.sub(rb":internal:[0-9a-f]+", b":internal:TOKEN", line)


def _session(port):
    import socket

    class Port:
        def connect(self, proto, timeout=10):
            return socket.create_connection(("127.0.0.1", port), timeout)
    c = Imap(Port())
    c.login()
    c.ok(b"APPEND INBOX " + lit(MULTIPART))
    out = []
    r, u = c.cmd("GENURLAUTH " + " ".join('"%s" INTERNAL' % x for x in RUMPS))
    out.append((r.split(b" ")[0], [_norm(x) for x in u]))
    urls = [x.decode() for x in re.findall(rb'"([^"]*)"', u[0])]
    good = urls[0]
    flipped = good[:-1] + ("0" if good[-1] != "0" else "1")
    for batch in (urls, [flipped, good.split(":internal:")[0],
                         AURL + "/INBOX/;UID=1"]):
        r, u = c.cmd("URLFETCH " + " ".join('"%s"' % x for x in batch))
        # Dovecot adds "* NO Failed to fetch URLAUTH ...: <why>" after a
        # NIL; tern says why in its log only (RFC 4467 6.1)
        out.append((r.split(b" ")[0],
                    [_norm(x) for x in u if not x.startswith(b"* NO ")]))
    for cmd in ("RESETKEY INBOX", 'URLFETCH "%s"' % good, "RESETKEY",
                *("GENURLAUTH " + x for x in REFUSED)):
        r, u = c.cmd(cmd)
        # the status and response code; the texts are free
        out.append((_norm(cmd.encode()), re.match(rb"\w+( \[[^\]]*\])?", r).group(0),
                    [_norm(x) for x in u if not x.startswith(b"* NO ")]))
    c.close()
    return out


def test_urlauth_as_dovecot(tern_factory):
    import pytest
    import dovecotlib
    if not dovecotlib.available():
        pytest.skip("dovecot-imapd is not installed "
                    "(scripts/install-deps.sh installs it)")
    t = tern_factory()
    t.add_account(dovecotlib.USER, dovecotlib.PASSWORD)
    t.start()
    d = dovecotlib.Dovecot(extra=dovecotlib.SLASH_SEPARATOR +
                           dovecotlib.METADATA + DOVECOT_URLAUTH)
    try:
        d.start()
        ours = _session(t.port("imap"))
        theirs = _session(d.port)
    finally:
        d.stop()
    for a, b in zip(ours, theirs):
        assert a == b, (a, b)
    assert len(ours) == len(theirs)


def test_urlfetch_nul_is_not_literal8(tern):
    """URLFETCH's data is an nstring (RFC 4467 7): no literal8; a NUL
    shows as 0x80, as FETCH BODY[] shows it"""
    c = Imap(tern)
    c.login()
    m = b"Subject: nul\r\n\r\na\x00b\r\n"
    c.ok(b"APPEND INBOX ~{%d}\r\n" % len(m) + m)
    url, = gen(c, AURL + "/INBOX/;UID=1/;SECTION=TEXT;URLAUTH=authuser")
    assert fetch(c, url) == [b"a\x80b\r\n"]
    c.ok("SELECT INBOX")
    _, u = c.cmd("FETCH 1 BODY.PEEK[TEXT]")
    assert u[0].endswith(b"{5}\r\na\x80b\r\n)"), u
