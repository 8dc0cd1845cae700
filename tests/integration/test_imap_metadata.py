"""METADATA and METADATA-SERVER (RFC 5464): server ("" mailbox) and
mailbox entries in /private and /shared, GETMETADATA's MAXSIZE and
DEPTH, SETMETADATA's all-or-none writes and NIL deletes, the limits of
store.metadata_* with their response codes, bad syntax, entries that
survive a restart, follow RENAME and go with DELETE. Compared with a
Dovecot that has imap_metadata on (dovecotlib.METADATA)."""
import re

import pytest

import dovecotlib
import imapraw
from conftest import ALICE, BOB
from test_imap import Imap

A, APW = ALICE
B, BPW = BOB


def parse_metadata(line):
    """b'* METADATA mbox (e v ...)' -> (mbox, {entry: value or None})"""
    m = re.match(rb'\* METADATA ("[^"]*"|\S+) \(', line)
    assert m, line
    mbox = m.group(1).strip(b'"').decode()
    p = m.end()
    out = {}
    while line[p:p + 1] != b")":
        sp = line.index(b" ", p)
        entry = line[p:sp].decode()
        p = sp + 1
        if line.startswith(b"NIL", p):
            val, p = None, p + 3
        elif line.startswith(b'"', p):
            end = line.index(b'"', p + 1)
            val, p = line[p + 1:end], end + 1
        else:
            lm = re.compile(rb"~?\{(\d+)\}\r\n").match(line, p)
            assert lm, line[p:]
            n = int(lm.group(1))
            val, p = line[lm.end():lm.end() + n], lm.end() + n
        out[entry] = val
        if line[p:p + 1] == b" ":
            p += 1
    return mbox, out


def get(c, args):
    """the entries of GETMETADATA args (one METADATA line at most)"""
    r, u = c.cmd("GETMETADATA " + args)
    assert r.startswith(b"OK"), (args, r)
    lines = [x for x in u if x.startswith(b"* METADATA")]
    assert len(lines) <= 1, u
    return parse_metadata(lines[0])[1] if lines else {}


def status(c, line):
    r, _ = c.cmd(line)
    return r


@pytest.fixture
def meta(tern_factory):
    t = tern_factory(extra="[imap]\nmetadata_admin = "
                           "mailto:postmaster@example.test\n")
    t.add_account(*ALICE)
    t.add_account(*BOB)
    t.start()
    return t


def test_capability_server_and_mailbox_entries(meta):
    c = Imap(meta)
    c.login()
    _, u = c.cmd("CAPABILITY")
    assert b" METADATA " in u[0] and b" METADATA-SERVER" in u[0], u
    # nothing set: NIL
    assert get(c, '"" (/private/comment /shared/comment)') == \
        {"/private/comment": None, "/shared/comment": None}
    c.ok('SETMETADATA "" (/private/comment "server note")')
    # entry names are case-insensitive, returned lowercase
    c.ok('SETMETADATA INBOX (/private/Comment "mine" '
         '/shared/comment "ours")')
    assert get(c, '"" /PRIVATE/COMMENT') == \
        {"/private/comment": b"server note"}
    assert get(c, "INBOX (/private/comment /shared/comment)") == \
        {"/private/comment": b"mine", "/shared/comment": b"ours"}
    # /shared/admin: the config's, read-only; server /shared is nobody's
    assert get(c, '"" /shared/admin') == \
        {"/shared/admin": b"mailto:postmaster@example.test"}
    for e in ("/shared/admin", "/shared/comment"):
        r = status(c, 'SETMETADATA "" (%s "x")' % e)
        assert r.startswith(b"NO [PERMISSION]"), r
    assert get(c, '(DEPTH infinity) "" /shared') == \
        {"/shared/admin": b"mailto:postmaster@example.test"}
    # NIL deletes
    c.ok("SETMETADATA INBOX (/private/comment NIL)")
    assert get(c, "INBOX /private/comment") == {"/private/comment": None}
    # a binary value (literal8) comes back as it went in
    c.send(b"b1 SETMETADATA INBOX (/private/bin ~{5}\r\na\0b\0c)\r\n")
    r, _ = c.wait("b1")
    assert r.startswith(b"OK"), r
    _, u = c.cmd("GETMETADATA INBOX /private/bin")
    assert u[0].endswith(b"(/private/bin ~{5}\r\na\x00b\x00c)"), u
    # another account sees none of it
    d = Imap(meta)
    d.login(B, BPW)
    assert get(d, '"" /private/comment') == {"/private/comment": None}
    assert get(d, "INBOX /shared/comment") == {"/shared/comment": None}


def test_depth_and_maxsize(meta):
    c = Imap(meta)
    c.login()
    c.ok('SETMETADATA INBOX (/private/v/a "1" /private/v/a/b "22" '
         '/private/v/c "333" /private/comment "12345")')
    assert get(c, "(DEPTH 1) INBOX /private/v") == \
        {"/private/v/a": b"1", "/private/v/c": b"333"}
    assert get(c, "(DEPTH infinity) INBOX /private/v") == \
        {"/private/v/a": b"1", "/private/v/a/b": b"22",
         "/private/v/c": b"333"}
    assert get(c, "(DEPTH 0) INBOX /private/v/a") == {"/private/v/a": b"1"}
    # DEPTH 1 of a missing entry: what is below it, no NIL
    assert get(c, "(DEPTH 1) INBOX /private/nothing") == {}
    r, u = c.cmd("GETMETADATA (MAXSIZE 2 DEPTH infinity) INBOX /private")
    assert r.startswith(b"OK [METADATA LONGENTRIES 5]"), r
    assert parse_metadata(u[0])[1] == \
        {"/private/v/a": b"1", "/private/v/a/b": b"22"}
    r, u = c.cmd("GETMETADATA (MAXSIZE 0) INBOX /private/comment")
    assert r.startswith(b"OK [METADATA LONGENTRIES 5]") and u == [], (r, u)


def test_restart_rename_delete(meta):
    c = Imap(meta)
    c.login()
    c.ok("CREATE m1")
    c.ok('SETMETADATA m1 (/private/comment "p" /shared/comment "s")')
    c.ok('SETMETADATA "" (/private/x "server")')
    c.close()
    meta.stop()
    meta.start()
    c = Imap(meta)
    c.login()
    assert get(c, "m1 (/private/comment /shared/comment)") == \
        {"/private/comment": b"p", "/shared/comment": b"s"}
    assert get(c, '"" /private/x') == {"/private/x": b"server"}
    c.ok("RENAME m1 m2")
    assert get(c, "m2 (/private/comment /shared/comment)") == \
        {"/private/comment": b"p", "/shared/comment": b"s"}
    r = status(c, "GETMETADATA m1 /private/comment")
    assert r.startswith(b"NO [NONEXISTENT]"), r
    c.ok("DELETE m2")
    c.ok("CREATE m2")
    assert get(c, "m2 /private/comment") == {"/private/comment": None}
    # a DELETE that leaves a \Noselect parent drops its entries too
    c.ok("CREATE p/q")
    c.ok('SETMETADATA p (/private/comment "parent")')
    c.ok("DELETE p")
    r = status(c, "GETMETADATA p /private/comment")
    assert r.startswith(b"NO [NONEXISTENT]"), r
    c.ok("CREATE p")
    assert get(c, "p /private/comment") == {"/private/comment": None}
    # the server entries are not a mailbox's: still there
    assert get(c, '"" /private/x') == {"/private/x": b"server"}


LIMITS = """[store]
metadata_max_value = 10
metadata_max_entries_mailbox = 3
metadata_max_entries = 5
metadata_max_bytes = 120
"""


def test_limits(tern_factory):
    t = tern_factory(extra=LIMITS)
    t.add_account(*ALICE)
    t.start()
    c = Imap(t)
    c.login()
    # one value over metadata_max_value: nothing of the command is set
    r = status(c, 'SETMETADATA INBOX (/private/a "ok" /private/b "0123456789X")')
    assert r.startswith(b"NO [METADATA MAXSIZE 10]"), r
    assert get(c, "INBOX /private/a") == {"/private/a": None}
    # a literal value over it: refused before it is sent (even one
    # beyond imap.max_line, the longest literal)
    for size in (11, 1 << 20):
        c.send(b"L1 SETMETADATA INBOX (/private/a {%d}\r\n" % size)
        r, _ = c.wait("L1")
        assert r.startswith(b"NO [METADATA MAXSIZE 10]"), r
    c.ok('SETMETADATA INBOX (/private/a "0123456789")')
    # entries of one mailbox (all or none again)
    c.ok('SETMETADATA INBOX (/private/b "1" /private/c "2")')
    r = status(c, 'SETMETADATA INBOX (/private/c "3" /private/d "4")')
    assert r.startswith(b"NO [METADATA TOOMANY]"), r
    assert get(c, "INBOX /private/c") == {"/private/c": b"2"}
    c.ok('SETMETADATA INBOX (/private/c "3")')          # a change: fine
    # entries of the account: 3 in INBOX + 2 here = 5, the 6th is refused
    c.ok('SETMETADATA "" (/private/a "1" /private/b "2")')
    r = status(c, 'SETMETADATA Sent (/private/a "1")')
    assert r.startswith(b"NO [METADATA TOOMANY]"), r
    # a delete is always allowed, and frees room
    c.ok('SETMETADATA "" (/private/b NIL)')
    # bytes of the account (names + values): 120
    c.ok('SETMETADATA "" (/private/b NIL)')
    have = sum(len(e) + len(v) for e, v in
               list(get(c, "(DEPTH infinity) INBOX /private").items()) +
               list(get(c, '(DEPTH infinity) "" /private').items()))
    assert have < 120
    c.ok('SETMETADATA "" (/private/b "0123456789")')
    c.ok('SETMETADATA "" (/private/a NIL)')
    big = "/private/" + "n" * (120 - have)
    r = status(c, 'SETMETADATA Sent (%s "x")' % big)
    assert r.startswith(b"NO [OVERQUOTA]"), r
    log = t.log()
    for why in ("maxsize", "toomany", "bytes"):
        assert "imap setmetadata refused reason=" + why in log, why


BAD = [
    "GETMETADATA",
    "GETMETADATA INBOX",
    "GETMETADATA INBOX /private/a extra",
    "GETMETADATA (DEPTH 2) INBOX /private",
    "GETMETADATA (DEPTH) INBOX /private",
    "GETMETADATA (MAXSIZE -1) INBOX /private",
    "GETMETADATA (MAXSIZE 99999999999) INBOX /private",
    "GETMETADATA (FOO 1) INBOX /private",
    "GETMETADATA INBOX /private/a*",
    "GETMETADATA INBOX /private/a%",
    "GETMETADATA INBOX /other/a",
    "GETMETADATA INBOX (/private/a (/private/b))",
    "SETMETADATA INBOX",
    "SETMETADATA INBOX /private/a \"x\"",
    "SETMETADATA INBOX (/private/a)",
    "SETMETADATA INBOX (/private/a \"x\" /private/b)",
    "SETMETADATA INBOX (/private/a atom)",
    "SETMETADATA INBOX (/private/a (\"x\"))",
    "SETMETADATA INBOX (/bogus \"x\")",
    "SETMETADATA INBOX (/private \"x\")",
    "SETMETADATA INBOX (/privatex/a \"x\")",
    "SETMETADATA INBOX (/private//a \"x\")",
    "SETMETADATA INBOX (/private/a/ \"x\")",
    "SETMETADATA INBOX (/private/a*b \"x\")",
    "SETMETADATA INBOX (\"/private/a b\" \"x\")",
    "SETMETADATA INBOX (\"/private/\x7f\" \"x\")",
    "SETMETADATA INBOX (/private/a \"x\") extra",
]


def test_malformed(meta):
    c = Imap(meta)
    c.login()
    for line in BAD:
        r = status(c, line)
        assert r.startswith(b"BAD"), (line, r)
        c.ok("NOOP")    # 20 BADs in a row would end the session
    # nothing was set, the session goes on
    assert get(c, "(DEPTH infinity) INBOX /private") == {}
    assert "imap SETMETADATA refused reason=" in meta.log()
    # before login: not a command yet
    d = Imap(meta)
    r = status(d, "GETMETADATA \"\" /private/comment")
    assert r.startswith(b"BAD"), r


# the same commands to tern and Dovecot. Left out: /shared entries of
# INBOX (Dovecot 2.3.19's file dict fails on them: SERVERBUG), the bare
# "/private" root in SETMETADATA (Dovecot takes it, tern refuses it)
SEQUENCE = [
    'GETMETADATA "" (/private/comment /shared/comment)',
    'SETMETADATA "" (/private/comment "hello")',
    'SETMETADATA "" (/shared/comment "server wide")',
    'GETMETADATA "" (/shared/comment /private/comment)',
    'SETMETADATA INBOX (/private/Comment "Mixed")',
    'GETMETADATA INBOX /PRIVATE/COMMENT',
    'SETMETADATA INBOX (/private/v/a "1" /private/v/a/b "22" /private/v/c "333")',
    'GETMETADATA (DEPTH 1) INBOX /private/v',
    'GETMETADATA (DEPTH infinity) INBOX /private',
    'GETMETADATA (DEPTH 0) INBOX /private/v/a',
    'GETMETADATA (DEPTH 1) INBOX /private/nothing',
    'GETMETADATA (MAXSIZE 1) INBOX (/private/comment /private/v/a)',
    'GETMETADATA (MAXSIZE 2 DEPTH infinity) INBOX /private/v',
    'SETMETADATA INBOX (/private/comment NIL)',
    'GETMETADATA INBOX /private/comment',
    'SETMETADATA INBOX (/private/d "1" /private/d "2")',
    'GETMETADATA INBOX /private/d',
    'SETMETADATA INBOX (/private/e "")',
    'GETMETADATA INBOX /private/e',
    'SETMETADATA INBOX (/private/comment)',
    'SETMETADATA INBOX (/bogus/x "1")',
    'SETMETADATA INBOX (/private/a* "1")',
    'SETMETADATA INBOX (/private/a%b "1")',
    'SETMETADATA INBOX (/private//a "1")',
    'SETMETADATA INBOX (/private/a/ "1")',
    'SETMETADATA INBOX (/private/vendor/a "1" /bad "2")',
    'GETMETADATA INBOX /private/vendor/a',
    'GETMETADATA (DEPTH 2) INBOX /private',
    'GETMETADATA (FOO 1) INBOX /private',
    'GETMETADATA nosuch /private/comment',
    'SETMETADATA nosuch (/private/comment "x")',
    'SETMETADATA INBOX /private/comment "x"',
    'SETMETADATA INBOX ()',
    'GETMETADATA INBOX ()',
    'CREATE m1',
    'SETMETADATA m1 (/private/comment "on m1" /shared/comment "s1")',
    'RENAME m1 m2',
    'GETMETADATA m2 (/private/comment /shared/comment)',
    'DELETE m2',
    'CREATE m2',
    'GETMETADATA m2 (/private/comment /shared/comment)',
]


def normalise(untagged, tagged):
    # the METADATA lines as dicts (entry order is free, RFC 5464 4.4.1;
    # INBOX may be quoted or not)
    lines = [parse_metadata(x) for x in untagged
             if x.startswith(b"* METADATA")]
    # the status word and a METADATA response code; the texts differ,
    # and so does the code of a refused server /shared entry (tern
    # [PERMISSION], Dovecot [CANNOT])
    word = tagged.split(b" ", 2)[1]
    code = re.search(rb"\[(METADATA [^\]]*)\]", tagged)
    return lines, word, code.group(1) if code else None


@pytest.mark.skipif(not dovecotlib.available(),
                    reason="dovecot-imapd is not installed "
                           "(scripts/install-deps.sh installs it)")
def test_metadata_as_dovecot(tern_factory):
    t = tern_factory()
    t.add_account(dovecotlib.USER, dovecotlib.PASSWORD)
    t.start()
    d = dovecotlib.Dovecot(extra=dovecotlib.SLASH_SEPARATOR +
                           dovecotlib.METADATA)
    try:
        d.start()
        answers = []
        for port in (t.port("imap"), d.port):
            c = imapraw.Raw("127.0.0.1", port)
            c.login(dovecotlib.USER, dovecotlib.PASSWORD)
            answers.append([normalise(*c.cmd(x.encode())) for x in SEQUENCE])
            c.close()
    finally:
        d.stop()
    for cmd, a, b in zip(SEQUENCE, *answers):
        assert a == b, (cmd, a, b)
