"""ACL (RFC 4314) and the shared namespace: SETACL, DELETEACL, GETACL,
LISTRIGHTS, MYRIGHTS; rights enforced in every command; a mailbox that
alice shares with bob appears to bob as "shared/alice@example.test/<name>";
`tern share`; POP3 never serves a shared mailbox. The security tests are
the point: bob without rights learns nothing of alice's mailboxes, and a
right revoked takes effect at bob's next command."""
import poplib
import re
import time

import pytest

from conftest import ALICE, BOB
from test_imap import Imap, deliver

A, APW = ALICE
B, BPW = BOB
C, CPW = ("carol@example.test", "carol-secret-pw")
SH = "shared/%s/" % A          # alice's mailboxes as bob sees them
NOTHERE = b"NO [NONEXISTENT] No such mailbox"


@pytest.fixture
def acl(tern_factory):
    t = tern_factory()
    t.add_account(*ALICE)
    t.add_account(*BOB)
    t.add_account(C, CPW)
    t.start()
    return t


def login(t, user=A, pw=APW):
    c = Imap(t)
    c.login(user, pw)
    return c


def team(t, rights):
    """alice's mailbox Team with two messages, shared with bob"""
    a = login(t)
    a.ok("CREATE Team")
    for i in (1, 2):
        a.ok("APPEND Team {%d+}\r\nSubject: m%d\r\n\r\nbody %d\r\n"
             % (len("Subject: mX\r\n\r\nbody X\r\n"), i, i))
    if rights is not None:
        a.ok('SETACL Team %s %s' % (B, rights))
    return a


def test_capability_and_namespace(acl):
    c = login(acl)
    u = c.ok("CAPABILITY")
    caps = u[0].split()
    assert b"ACL" in caps and b"RIGHTS=texk" in caps
    r, u = c.cmd("NAMESPACE")
    assert u == [b'* NAMESPACE (("" "/")) (("shared/" "/")) NIL']


def test_owner_rights_and_getacl(acl):
    a = login(acl)
    u = a.ok("MYRIGHTS INBOX")
    assert u == [b'* MYRIGHTS "INBOX" lrswipkxteacd']
    u = a.ok("GETACL INBOX")
    assert u == [b'* ACL "INBOX" %s lrswipkxteacd' % A.encode()]
    a.ok("SETACL INBOX %s lrs" % B)
    a.ok("SETACL INBOX anyone +l")
    u = a.ok("GETACL INBOX")
    assert u == [b'* ACL "INBOX" %s lrswipkxteacd anyone l %s lrs'
                 % (A.encode(), B.encode())]
    a.ok("SETACL INBOX %s +wd" % B)           # d: t and e (RFC 4314 2.1.1)
    a.ok("SETACL INBOX %s -r" % B)
    u = a.ok("GETACL INBOX")
    assert b" %s lswted" % B.encode() in u[0]
    u = a.ok("LISTRIGHTS INBOX %s" % B)
    assert u == [b'* LISTRIGHTS "INBOX" %s "" l r s w i p k x t e a c d'
                 % B.encode()]
    u = a.ok("LISTRIGHTS INBOX %s" % A)
    assert u == [b'* LISTRIGHTS "INBOX" %s lrswipkxteacd' % A.encode()]
    a.ok("DELETEACL INBOX %s" % B)
    a.ok("DELETEACL INBOX anyone")
    u = a.ok("GETACL INBOX")
    assert u == [b'* ACL "INBOX" %s lrswipkxteacd' % A.encode()]


def test_setacl_malformed(acl):
    a = login(acl)
    r, _ = a.cmd("SETACL INBOX %s lrz" % B)
    assert r.startswith(b"BAD")                # RFC 4314 3.1: unknown right
    r, _ = a.cmd("SETACL INBOX -%s lr" % B)
    assert r.startswith(b"NO [CANNOT]")        # negative rights: refused
    r, _ = a.cmd("SETACL INBOX %s lr" % A)
    assert r.startswith(b"NO [CANNOT]")        # the owner has all rights
    r, _ = a.cmd("SETACL INBOX nobody@example.test lr")
    assert r.startswith(b"NO [CANNOT]")        # no such identifier
    r, _ = a.cmd("SETACL INBOX not-an-address lr")
    assert r.startswith(b"NO [CANNOT]")
    r, _ = a.cmd("SETACL Nosuch %s lr" % B)
    assert r == NOTHERE
    r, _ = a.cmd("SETACL INBOX")
    assert r.startswith(b"BAD")


def test_acl_limits(tern_factory):
    t = tern_factory(extra="[store]\nacl_max_entries = 2\n"
                     "acl_max_identifier = 20\n")
    t.add_account(*ALICE)
    t.add_account(*BOB)
    t.add_account(C, CPW)
    t.start()
    a = login(t)
    a.ok("SETACL INBOX %s lr" % B)
    a.ok("SETACL INBOX anyone l")
    r, _ = a.cmd("SETACL INBOX %s lr" % C)
    assert r.startswith(b"NO [LIMIT]")
    a.ok("SETACL INBOX %s lrs" % B)           # changing one is no new entry
    r, _ = a.cmd("SETACL INBOX %s lr" % ("x" * 30 + "@example.test"))
    assert r.startswith(b"NO [LIMIT]")
    assert "imap acl" in t.log()


def test_no_rights_nothing_leaks(acl):
    """bob without any right: every command answers as for a mailbox
    that does not exist"""
    team(acl, None)
    b = login(acl, B, BPW)
    for cmd in ("SELECT", "EXAMINE"):
        r, _ = b.cmd('%s "%sTeam"' % (cmd, SH))
        assert r == NOTHERE, cmd
        r2, _ = b.cmd('%s "%sNosuch"' % (cmd, SH))
        assert r2 == r
    r, _ = b.cmd('STATUS "%sTeam" (MESSAGES)' % SH)
    assert r == NOTHERE
    for q in ('LIST "" *', 'LIST "" "shared/*"', 'LSUB "" *',
              'LIST (SUBSCRIBED) "" *'):
        u = b.ok(q)
        assert not any(b"shared" in x or A.encode() in x for x in u), (q, u)
    for cmd in ("GETACL", "MYRIGHTS"):
        r, _ = b.cmd('%s "%sTeam"' % (cmd, SH))
        assert r == NOTHERE, cmd
    r, _ = b.cmd('LISTRIGHTS "%sTeam" %s' % (SH, B))
    assert r == NOTHERE
    r, _ = b.cmd('SETACL "%sTeam" %s lrswipkxtea' % (SH, B))
    assert r == NOTHERE
    r, _ = b.cmd('DELETEACL "%sTeam" %s' % (SH, B))
    assert r == NOTHERE
    r, _ = b.cmd('APPEND "%sTeam" {5+}\r\nhello' % SH)
    assert r.startswith(b"NO [TRYCREATE]")
    r, _ = b.cmd('DELETE "%sTeam"' % SH)
    assert r == NOTHERE
    r, _ = b.cmd('RENAME "%sTeam" "%sMine"' % (SH, SH))
    assert r == NOTHERE
    r, _ = b.cmd('RENAME "%sTeam" Mine' % SH)
    assert r == NOTHERE
    r, _ = b.cmd('CREATE "%sTeam/x"' % SH)
    assert r.startswith(b"NO [NOPERM]")
    r, _ = b.cmd('CREATE "%sNew"' % SH)
    assert r.startswith(b"NO [NOPERM]")
    # subscribing says nothing either: SUBSCRIBE needs a mailbox (as for
    # the user's own names), and one it may not see is one that is not
    r, _ = b.cmd('SUBSCRIBE "%sTeam"' % SH)
    assert r == NOTHERE
    r, _ = b.cmd('SUBSCRIBE "%sNosuch"' % SH)
    assert r == NOTHERE
    for q in ('LSUB "" *', 'LIST (SUBSCRIBED) "" *'):
        u = b.ok(q)
        assert not any(b"shared" in x for x in u), (q, u)
    deliver(acl, B, "mine")
    b.ok("SELECT INBOX")
    for cmd in ("COPY", "MOVE"):
        r, _ = b.cmd('%s 1 "%sTeam"' % (cmd, SH))
        assert r.startswith(b"NO [TRYCREATE]"), cmd
    # INBOX of bob still holds its message, alice's Team its two
    u = b.ok("STATUS INBOX (MESSAGES)")
    assert b"MESSAGES 1" in u[0]
    a = login(acl)
    u = a.ok("STATUS Team (MESSAGES)")
    assert b"MESSAGES 2" in u[0]
    u = a.ok("GETACL Team")
    assert u == [b'* ACL "Team" %s lrswipkxteacd' % A.encode()]
    assert ('imap acl denied mailbox="%sTeam" rights=r' % SH) in acl.log()


def test_lookup_only_says_noperm(acl):
    """with l (and nothing else) bob sees the mailbox and gets NOPERM"""
    team(acl, "l")
    b = login(acl, B, BPW)
    u = b.ok('LIST "" "shared/*"')
    assert u == [b'* LIST (\\Noselect \\HasChildren) "/" "shared/%s"' % A.encode(),
                 b'* LIST (\\HasNoChildren) "/" "%sTeam"' % SH.encode()]
    u = b.ok('MYRIGHTS "%sTeam"' % SH)
    assert u == [b'* MYRIGHTS "%sTeam" l' % SH.encode()]
    # LIST-STATUS tells nothing STATUS would not (RFC 5819 2)
    u = b.ok('LIST "" "%sTeam" RETURN (STATUS (MESSAGES))' % SH)
    assert u == [b'* LIST (\\HasNoChildren) "/" "%sTeam"' % SH.encode()]
    for q in ('SELECT "%sTeam"', 'EXAMINE "%sTeam"',
              'STATUS "%sTeam" (MESSAGES)', 'GETACL "%sTeam"',
              'DELETE "%sTeam"', 'APPEND "%sTeam" {5+}\r\nhello'):
        r, _ = b.cmd(q % SH)
        assert r.startswith(b"NO [NOPERM]"), (q, r)


def test_read_only_share(acl):
    """lr: bob reads; SELECT is read-only; no flag change, no expunge,
    FETCH BODY[] does not set \\Seen"""
    a = team(acl, "lr")
    b = login(acl, B, BPW)
    r, u = b.cmd('SELECT "%sTeam"' % SH)
    assert r.startswith(b"OK [READ-ONLY]"), r
    assert b"* 2 EXISTS" in u
    u = b.ok("FETCH 1 BODY[]")
    assert b"body 1" in u[0]
    u = b.ok("FETCH 1:2 FLAGS")
    assert all(b"\\Seen" not in x for x in u), u
    u = b.ok("SEARCH BODY body")
    assert u == [b"* SEARCH 1 2"]
    for q in ("STORE 1 +FLAGS (\\Seen)", "STORE 1 +FLAGS (\\Deleted)",
              "EXPUNGE", "MOVE 1 INBOX"):
        r, _ = b.cmd(q)
        assert r.startswith(b"NO"), (q, r)
    b.ok("COPY 1 INBOX")                 # reading is copying out
    b.ok("CLOSE")
    a.ok("SELECT Team")
    u = a.ok("FETCH 1:2 FLAGS")
    assert len(u) == 2 and all(b"\\Seen" not in x for x in u), u
    u = b.ok("STATUS INBOX (MESSAGES)")
    assert b"MESSAGES 1" in u[0]


def test_per_flag_rights(acl):
    """s for \\Seen, t for \\Deleted, w for the rest, e for EXPUNGE"""
    a = team(acl, "lrs")
    b = login(acl, B, BPW)
    r, u = b.cmd('SELECT "%sTeam"' % SH)
    assert r.startswith(b"OK [READ-WRITE]")
    # RFC 4314 4: PERMANENTFLAGS only what the rights let bob change
    assert b"* OK [PERMANENTFLAGS (\\Seen)] Flags permitted" in u
    b.ok("STORE 1 +FLAGS (\\Seen)")
    for q in ("STORE 1 +FLAGS (\\Deleted)", "STORE 1 +FLAGS (\\Flagged)",
              "STORE 1 +FLAGS ($Work)", "STORE 1 FLAGS (\\Seen)",
              "EXPUNGE", "UID EXPUNGE 1"):
        r, _ = b.cmd(q)
        assert r.startswith(b"NO [NOPERM]"), (q, r)
    a.ok("SETACL Team %s lrstw" % B)
    b.ok("STORE 1 +FLAGS (\\Deleted \\Flagged $Work)")
    r, _ = b.cmd("EXPUNGE")              # no e yet: next command sees it
    assert r.startswith(b"NO [NOPERM]")
    b.ok("CLOSE")                        # without e CLOSE expunges nothing
    u = a.ok("STATUS Team (MESSAGES)")
    assert b"MESSAGES 2" in u[0]
    a.ok("SETACL Team %s +e" % B)
    b.ok('SELECT "%sTeam"' % SH)
    u = b.ok("EXPUNGE")
    assert b"* 1 EXPUNGE" in u
    u = a.ok("STATUS Team (MESSAGES)")
    assert b"MESSAGES 1" in u[0]


def test_insert_and_mailbox_rights(acl):
    a = team(acl, "li")
    b = login(acl, B, BPW)
    b.ok('APPEND "%sTeam" (\\Seen) {5+}\r\nhello' % SH)
    r, _ = b.cmd('SELECT "%sTeam"' % SH)
    assert r.startswith(b"NO [NOPERM]")
    a.ok("SELECT Team")
    u = a.ok("FETCH 3 FLAGS")
    assert b"\\Seen" not in u[0]         # no s right: \Seen not set
    deliver(acl, B, "to copy")
    b.ok("SELECT INBOX")
    b.ok('COPY 1 "%sTeam"' % SH)
    b.ok('MOVE 1 "%sTeam"' % SH)
    u = a.ok("NOOP")
    assert b"* 5 EXISTS" in u
    u = b.ok("STATUS INBOX (MESSAGES)")
    assert b"MESSAGES 0" in u[0]
    # k: children; x: delete and rename away
    r, _ = b.cmd('CREATE "%sTeam/Sub"' % SH)
    assert r.startswith(b"NO [NOPERM]")
    a.ok("SETACL Team %s +kx" % B)
    b.ok('CREATE "%sTeam/Sub"' % SH)
    # a new mailbox starts with its parent's entries (as Dovecot's)
    u = b.ok('MYRIGHTS "%sTeam/Sub"' % SH)
    assert u == [b'* MYRIGHTS "%sTeam/Sub" likxc' % SH.encode()]
    a.ok("SETACL Team/Sub %s lrx" % B)
    b.ok('RENAME "%sTeam/Sub" "%sTeam/Sub2"' % (SH, SH))
    r, _ = b.cmd('RENAME "%sTeam/Sub2" Mine' % SH)
    assert r.startswith(b"NO")           # a mailbox stays with its owner
    b.ok('DELETE "%sTeam/Sub2"' % SH)
    u = a.ok('LIST "" "Team*"')
    assert u == [b'* LIST (\\HasNoChildren) "/" "Team"']


def test_revoke_mid_session(acl):
    """RFC 4314 lets the server decide when a change applies; tern reads
    the rights again before every command: a revoked r ends the session
    (as a deleted mailbox does), a revoked w fails the next STORE"""
    a = team(acl, "lrsw")
    b = login(acl, B, BPW)
    b.ok('SELECT "%sTeam"' % SH)
    b.ok("STORE 1 +FLAGS (\\Flagged)")
    a.ok("SETACL Team %s -w" % B)
    r, _ = b.cmd("STORE 1 +FLAGS (\\Answered)")
    assert r.startswith(b"NO [NOPERM]")
    b.ok("FETCH 1 FLAGS")
    a.ok("DELETEACL Team %s" % B)
    b.send("x1 FETCH 1 BODY[]\r\n")
    r = b.resp()
    assert r.startswith(b"* BYE [NOPERM]"), r
    with pytest.raises((EOFError, ConnectionError)):
        while True:
            r = b.resp()
            assert b"body 1" not in r


def test_revoke_during_idle(acl):
    """a session in IDLE on the shared mailbox hears of changes by the
    owner, and is closed when its r right goes"""
    a = team(acl, "lr")
    b = login(acl, B, BPW)
    b.ok('EXAMINE "%sTeam"' % SH)
    b.send("i1 IDLE\r\n")
    assert b.resp().startswith(b"+")
    a.ok("APPEND Team {5+}\r\nhello")
    assert next_untagged(b) == b"* 3 EXISTS"
    a.ok("SELECT Team")
    a.ok("STORE 1 +FLAGS (\\Flagged)")
    assert re.match(rb"\* 1 FETCH \(.*FLAGS \(\\Flagged", next_untagged(b))
    # another user with rights changes it too
    a.ok("SETACL Team %s lrw" % C)
    c = login(acl, C, CPW)
    c.ok('SELECT "%sTeam"' % SH)
    c.ok("STORE 2 +FLAGS (\\Answered)")
    assert re.match(rb"\* 2 FETCH \(.*FLAGS \(\\Answered", next_untagged(b))
    a.ok("SETACL Team %s -r" % B)
    assert next_untagged(b).startswith(b"* BYE [NOPERM]")


def next_untagged(c):
    """the next untagged response but * n RECENT (rev1 sessions)"""
    for _ in range(10):
        r = c.resp()
        if not re.match(rb"\* \d+ RECENT$", r):
            return r
    raise AssertionError("only RECENT")


def test_subscribe_shared(acl):
    """bob's subscription to a shared mailbox is bob's: LSUB shows it
    while bob may see it; alice's own subscriptions do not change"""
    a = team(acl, "lr")
    b = login(acl, B, BPW)
    b.ok('SUBSCRIBE "%sTeam"' % SH)
    u = b.ok('LSUB "" "shared/*"')
    assert u == [b'* LSUB () "/" "%sTeam"' % SH.encode()], u
    u = b.ok('LIST (SUBSCRIBED) "" "shared/*"')
    assert u == [b'* LIST (\\HasNoChildren \\Subscribed) "/" "%sTeam"'
                 % SH.encode()], u
    u = a.ok('LSUB "" Team')
    assert u == []
    a.ok("DELETEACL Team %s" % B)
    u = b.ok('LSUB "" "shared/*"')
    assert u == []
    b.ok('UNSUBSCRIBE "%sTeam"' % SH)
    a.ok("SETACL Team %s lr" % B)
    u = b.ok('LSUB "" "shared/*"')
    assert u == []


def test_subscribe_shared_one_list(acl):
    """a shared name sits in the user's one subscription list (main's
    table, RFC 9051 6.3.7: kept while the mailbox is gone or hidden):
    hidden, it is not listed at all (not \\NonExistent, which would
    tell a revoke from a delete); seen again, it is subscribed again;
    bob's own deleted mailbox stays \\NonExistent as before"""
    a = team(acl, "lr")
    b = login(acl, B, BPW)
    b.ok("CREATE Mine")
    b.ok("SUBSCRIBE Mine")
    b.ok('SUBSCRIBE "%sTeam"' % SH)
    b.ok("DELETE Mine")
    a.ok("DELETEACL Team %s" % B)
    u = b.ok('LIST (SUBSCRIBED) "" "*"')
    assert b'* LIST (\\NonExistent \\Subscribed) "/" "Mine"' in u, u
    assert not any(b"shared" in x for x in u), u
    a.ok("SETACL Team %s lr" % B)
    u = b.ok('LSUB "" "*"')
    assert b'* LSUB () "/" "%sTeam"' % SH.encode() in u, u
    assert len([x for x in u if b"Team" in x]) == 1, u


def test_anyone(acl):
    team(acl, None)
    a = login(acl)
    a.ok("SETACL Team anyone lr")
    for user, pw in ((B, BPW), (C, CPW)):
        x = login(acl, user, pw)
        u = x.ok('MYRIGHTS "%sTeam"' % SH)
        assert u == [b'* MYRIGHTS "%sTeam" lr' % SH.encode()]
        r, _ = x.cmd('EXAMINE "%sTeam"' % SH)
        assert r.startswith(b"OK [READ-ONLY]")


def test_status_and_list_status_of_shared(acl):
    team(acl, "lr")
    b = login(acl, B, BPW)
    u = b.ok('STATUS "%sTeam" (MESSAGES UNSEEN)' % SH)
    assert u == [b'* STATUS "%sTeam" (MESSAGES 2 UNSEEN 2)' % SH.encode()]
    # RECENT: of the owner's mailbox (no session has claimed them)
    u = b.ok('LIST "" "%s%%" RETURN (STATUS (MESSAGES RECENT))' % SH)
    assert b'* STATUS "%sTeam" (MESSAGES 2 RECENT 2)' % SH.encode() in u
    u = b.ok('STATUS "%sTeam" (RECENT)' % SH)
    assert u == [b'* STATUS "%sTeam" (RECENT 2)' % SH.encode()]
    # the owner's namespace is the owner's own: no "shared/" for itself
    a = login(acl)
    r, _ = a.cmd('SELECT "%sTeam"' % SH)
    assert r == NOTHERE


def test_delete_mailbox_drops_acl(acl):
    a = team(acl, "lr")
    a.ok("DELETE Team")
    a.ok("CREATE Team")
    b = login(acl, B, BPW)
    r, _ = b.cmd('EXAMINE "%sTeam"' % SH)
    assert r == NOTHERE
    u = a.ok("GETACL Team")
    assert u == [b'* ACL "Team" %s lrswipkxteacd' % A.encode()]


def test_pop3_serves_own_inbox_only(acl):
    """POP3 serves the user's own INBOX and nothing shared: even with
    every right on alice's INBOX, bob's maildrop is bob's"""
    a = login(acl)
    a.ok("SETACL INBOX %s lrswipkxtea" % B)
    a.ok("SETACL INBOX anyone lrswipkxtea")
    deliver(acl, A, "for alice only")
    deliver(acl, B, "for bob")
    p = poplib.POP3("127.0.0.1", acl.port("pop3"), timeout=30)
    p.user(B)
    p.pass_(BPW)
    n, _ = p.stat()
    assert n == 1
    lines = b"\n".join(p.retr(1)[1])
    assert b"for bob" in lines and b"for alice" not in lines
    for i in (0, 2, 99):
        with pytest.raises(poplib.error_proto):
            p.retr(i)
    p.dele(1)
    p.quit()
    u = a.ok("STATUS INBOX (MESSAGES)")
    assert b"MESSAGES 1" in u[0]


def test_cli_share(acl):
    out = acl.cli("share", A, "INBOX", B, "lr").stdout
    assert "lr" in out and B in out
    b = login(acl, B, BPW)
    u = b.ok('MYRIGHTS "%sINBOX"' % SH)
    assert u == [b'* MYRIGHTS "%sINBOX" lr' % SH.encode()]
    out = acl.cli("share", "--list").stdout
    assert re.search(r"%s\s+INBOX\s+%s\s+lr" % (re.escape(A), re.escape(B)),
                     out), out
    out = acl.cli("share", A, "INBOX", B, "+w").stdout
    assert "lrw" in out
    out = acl.cli("share", "--revoke", A, "INBOX", B).stdout
    assert "revoked" in out
    r, _ = b.cmd('MYRIGHTS "%sINBOX"' % SH)
    assert r == NOTHERE
    r = acl.cli("share", A, "INBOX", B, "lrz", check=False)
    assert r.returncode != 0 and "right" in r.stderr
    r = acl.cli("share", A, "Nosuch", B, "lr", check=False)
    assert r.returncode != 0
    assert "share" in acl.cli("help").stdout


# --- side by side with Dovecot's acl plugin (dovecotlib.Dovecot(acl=True))

class _Dv:
    """what test_imap.Imap needs to reach a Dovecot"""

    def __init__(self, d):
        self.d = d

    def connect(self, proto, timeout=10):
        import socket
        return socket.create_connection(("127.0.0.1", self.d.port), timeout)


def _norm(line):
    """One answer, with what legitimately differs normalised: rights
    strings as sets (Dovecot writes its own order "lrwstipekxacd" and
    GETACL's in any order, tern RFC 4314's "lrswipkxtea" + "cd"); the
    entries of an ACL response as a set (Dovecot lists the owner last,
    tern first); a mailbox name quoted or not (tern always quotes); the
    tagged reply's text after its response code."""
    if not line.startswith(b"* "):
        m = re.match(rb"(OK|NO|BAD)( \[[A-Z-]+\])?", line)
        return m.group(0)
    words = line.replace(b'"', b"").split(b" ")
    if words[1] == b"ACL":
        pairs = words[3:]
        return (b"ACL", words[2], frozenset(
            (pairs[i], frozenset(pairs[i + 1]))
            for i in range(0, len(pairs), 2)))
    if words[1] == b"MYRIGHTS":
        return (b"MYRIGHTS", words[2], frozenset(words[3]))
    if words[1] == b"LISTRIGHTS":
        return (b"LISTRIGHTS", words[2], words[3], words[4],
                frozenset(words[5:]))
    return line.replace(b'"', b"")


OWNER_SCRIPT = [
    "MYRIGHTS INBOX",
    "CREATE Team",
    "SETACL Team %s lrs" % B,
    "GETACL Team",
    "SETACL Team %s +wd" % B,          # d: t e (RFC 4314 2.1.1)
    "GETACL Team",
    "SETACL Team %s -r" % B,
    "GETACL Team",
    "SETACL Team %s lrz" % B,          # unknown right: BAD
    "SETACL Team %s c" % B,            # c: k x
    "GETACL Team",
    "SETACL Team %s lr" % B,
    "LISTRIGHTS Team %s" % B,
    "DELETEACL Team nobody@example.test",
]
USER_SCRIPT = [
    'MYRIGHTS "%sTeam"' % SH,
    'MYRIGHTS "%sINBOX"' % SH,
    'GETACL "%sTeam"' % SH,
    'SELECT "%sTeam"' % SH,
    'STATUS "%sINBOX" (MESSAGES)' % SH,
]


def _run(conn, user, pw, script):
    c = Imap(conn)
    c.login(user, pw)
    out = []
    for cmd in script:
        r, u = c.cmd(cmd)
        if cmd.startswith("SELECT"):
            u = []          # the SELECT data is another test's subject
        elif cmd.startswith("DELETEACL"):
            r = r[:2]       # tern refuses an unknown identifier (NO),
                            # Dovecot accepts any (OK): both leave no entry
            u = []
        out.append((cmd, [_norm(x) for x in u], _norm(r)))
    # (tern's new accounts have Sent, Drafts... Dovecot's only INBOX)
    lst = sorted(_norm(x) for x in c.ok('LIST "" "shared*"'))
    c.close()
    return out, lst


@pytest.mark.skipif(not __import__("dovecotlib").available(),
                    reason="dovecot-imapd is not installed "
                           "(scripts/install-deps.sh installs it)")
def test_acl_answers_as_dovecot(acl):
    import dovecotlib
    d = dovecotlib.Dovecot(acl=True)
    try:
        d.start()
        dv = _Dv(d)
        got_t = _run(acl, A, APW, OWNER_SCRIPT)
        got_d = _run(dv, dovecotlib.USER, dovecotlib.PASSWORD, OWNER_SCRIPT)
        for t_, d_ in zip(got_t[0], got_d[0]):
            if t_[0].startswith("DELETEACL"):
                continue
            assert t_ == d_, (t_, d_)
        got_t = _run(acl, B, BPW, USER_SCRIPT)
        got_d = _run(dv, dovecotlib.USER2, dovecotlib.PASSWORD2, USER_SCRIPT)
        for t_, d_ in zip(got_t[0], got_d[0]):
            if t_[0].startswith("STATUS"):
                # both NO; Dovecot without a response code
                assert t_[2].startswith(b"NO") and d_[2].startswith(b"NO")
                continue
            assert t_ == d_, (t_, d_)
        assert got_t[1] == got_d[1]    # LIST: the shared namespace too
        assert len(got_t[1]) == 3
    finally:
        d.stop()


def test_owner_quota_applies(acl):
    """what bob puts into alice's mailbox counts on alice's quota, and a
    MOVE out of it frees alice's"""
    a = team(acl, "lrite")
    acl.cli("account", "quota", A, "0", "2")
    deliver(acl, B, "to copy")
    b = login(acl, B, BPW)
    b.ok("SELECT INBOX")
    r, _ = b.cmd('COPY 1 "%sTeam"' % SH)
    assert r.startswith(b"NO [OVERQUOTA]")
    r, _ = b.cmd('APPEND "%sTeam" {5+}\r\nhello' % SH)
    assert r.startswith(b"NO [OVERQUOTA]")
    b.ok('SELECT "%sTeam"' % SH)
    b.ok("MOVE 1 INBOX")
    u = b.ok("STATUS INBOX (MESSAGES)")
    assert b"MESSAGES 2" in u[0]
    u = a.ok("GETQUOTAROOT INBOX")
    assert any(b"MESSAGE 1 2" in x for x in u), u  # alice's: one left


# ---- the extensions that came with main, through the same access check


def test_metadata_rights(acl):
    """RFC 5464 3.3: a mailbox's entries are read and set only with l
    and one of r, s, w, i, p; tern asks w too for /shared entries (what
    every sharer reads); the owner's /private entries are never another
    user's, and /private on a shared mailbox is NOPRIVATE"""
    a = team(acl, None)
    a.ok('SETMETADATA Team (/private/comment "alice only" '
         '/shared/comment "for the team")')
    b = login(acl, B, BPW)
    get = 'GETMETADATA "%sTeam" (/private/comment /shared/comment)' % SH
    r, _ = b.cmd(get)
    assert r == NOTHERE                                 # no right at all
    r2, _ = b.cmd('GETMETADATA "%sNosuch" /shared/comment' % SH)
    assert r2 == r
    r, _ = b.cmd('SETMETADATA "%sTeam" (/shared/comment "x")' % SH)
    assert r == NOTHERE
    a.ok("SETACL Team %s l" % B)
    r, _ = b.cmd(get)
    assert r.startswith(b"NO [NOPERM]")                 # l alone
    a.ok("SETACL Team %s lr" % B)
    u = b.ok(get)
    assert u == [b'* METADATA "%sTeam" (/private/comment NIL '
                 b'/shared/comment {12}\r\nfor the team)' % SH.encode()]
    u = b.ok('GETMETADATA (DEPTH infinity) "%sTeam" /private' % SH)
    assert u == []                                      # none of alice's
    r, _ = b.cmd('SETMETADATA "%sTeam" (/shared/comment "bob")' % SH)
    assert r.startswith(b"NO [NOPERM]")                 # no w
    r, _ = b.cmd('SETMETADATA "%sTeam" (/private/x "bob")' % SH)
    assert r.startswith(b"NO [METADATA NOPRIVATE]")
    a.ok("SETACL Team %s lrw" % B)
    b.ok('SETMETADATA "%sTeam" (/shared/comment "bob")' % SH)
    u = a.ok("GETMETADATA Team (/private/comment /shared/comment)")
    assert u == [b'* METADATA "Team" (/private/comment {10}\r\nalice only '
                 b'/shared/comment {3}\r\nbob)']
    # bob's own mailboxes and server entries are still his
    b.ok("SETMETADATA INBOX (/private/x \"mine\")")
    b.ok("SETMETADATA \"\" (/private/x \"mine\")")


def test_append_ext_rights(acl):
    """MULTIAPPEND, CATENATE and REPLACE into a shared mailbox need i;
    REPLACE takes t and e on the selected mailbox too (RFC 8508 3.3); a
    CATENATE URL reads a shared mailbox only with r, else BADURL, the
    same answer as for one that does not exist"""
    a = team(acl, "lr")
    b = login(acl, B, BPW)
    r, _ = b.cmd('APPEND "%sTeam" {5+}\r\nhello {5+}\r\nworld' % SH)
    assert r.startswith(b"NO [NOPERM]")
    r, _ = b.cmd('APPEND "%sTeam" CATENATE (TEXT {5+}\r\nhello)' % SH)
    assert r.startswith(b"NO [NOPERM]")
    a.ok("SETACL Team %s lri" % B)
    b.ok('APPEND "%sTeam" (\\Seen \\Flagged) {5+}\r\nhello {5+}\r\nworld'
         % SH)
    u = a.ok("STATUS Team (MESSAGES)")
    assert b"MESSAGES 4" in u[0]
    a.ok("SELECT Team")
    u = a.ok("FETCH 3:4 FLAGS")
    # no s, no w: \Seen and \Flagged dropped
    assert not any(b"\\Seen" in x or b"\\Flagged" in x for x in u), u
    # CATENATE from the shared mailbox (r) into bob's own
    uv = int(re.search(rb"UIDVALIDITY (\d+)",
                       a.ok("STATUS Team (UIDVALIDITY)")[0]).group(1))
    url = "/%sTeam;UIDVALIDITY=%d/;UID=1" % (SH, uv)
    b.ok('APPEND INBOX CATENATE (URL "%s")' % url)
    b.ok("SELECT INBOX")
    u = b.ok("FETCH 1 BODY.PEEK[TEXT]")
    assert b"body 1" in u[0]
    a.ok("SETACL Team %s li" % B)
    r, _ = b.cmd('APPEND INBOX CATENATE (URL "%s")' % url)
    assert r.startswith(b"NO [BADURL ")
    gone = "/%sNosuch;UIDVALIDITY=%d/;UID=1" % (SH, uv)
    r2, _ = b.cmd('APPEND INBOX CATENATE (URL "%s")' % gone)
    assert r2.replace(gone.encode(), b"") == r.replace(url.encode(), b"")
    # REPLACE: i on the target, t and e on the selected shared mailbox
    a.ok("SETACL Team %s lrsi" % B)
    b.ok('SELECT "%sTeam"' % SH)
    r, _ = b.cmd("REPLACE 1 INBOX {5+}\r\nnew 1")
    assert r.startswith(b"NO [NOPERM]")
    a.ok("SETACL Team %s lrsite" % B)
    b.ok("REPLACE 1 INBOX {5+}\r\nnew 1")
    u = a.ok("STATUS Team (MESSAGES)")
    assert b"MESSAGES 3" in u[0]
    # and into the shared mailbox from bob's own: i there
    b.ok("SELECT INBOX")
    a.ok("SETACL Team %s lr" % B)
    r, _ = b.cmd('REPLACE 1 "%sTeam" {5+}\r\nnew 2' % SH)
    assert r.startswith(b"NO [NOPERM]")
    a.ok("SETACL Team %s lri" % B)
    b.ok('REPLACE 1 "%sTeam" {5+}\r\nnew 2' % SH)
    u = a.ok("STATUS Team (MESSAGES)")
    assert b"MESSAGES 4" in u[0]


def test_notify_selected_shared_stops_at_revoke(acl):
    """NOTIFY's events of the selected shared mailbox come between
    commands while bob has r; the owner's revoke closes the session
    before anything more of it is told (RFC 5465 5: no event for what
    the ACL hides)"""
    a = team(acl, "lr")
    b = login(acl, B, BPW)
    b.ok('EXAMINE "%sTeam"' % SH)
    b.ok("NOTIFY SET (SELECTED (MessageNew (UID) MessageExpunge))")
    a.ok("APPEND Team {5+}\r\nhello")
    assert next_untagged(b) == b"* 3 EXISTS"
    assert next_untagged(b) == b"* 3 FETCH (UID 3)"
    a.ok("SETACL Team %s -r" % B)
    a.ok("APPEND Team {5+}\r\nagain")
    assert next_untagged(b).startswith(b"* BYE [NOPERM]")
    with pytest.raises((EOFError, ConnectionError)):
        for _ in range(20):
            r = b.resp()
            assert b"EXISTS" not in r


def test_notify_does_not_tell_of_unreadable(acl):
    """a shared mailbox bob may only see (l) gives him no STATUS event
    (STATUS needs r); with r neither: NOTIFY watches the personal
    namespace only (the shared one is not offered)"""
    a = team(acl, "l")
    b = login(acl, B, BPW)
    b.ok('NOTIFY SET (MAILBOXES "%sTeam" (MessageNew MessageExpunge)) '
         '(PERSONAL (MessageNew MessageExpunge))' % SH)
    a.ok("APPEND Team {5+}\r\nhello")
    deliver(acl, B, "to bob")       # bob's own: a STATUS must come
    seen = []
    for _ in range(20):
        r = next_untagged(b)
        seen.append(r)
        if r.startswith(b'* STATUS "INBOX"'):
            break
    assert not any(b"Team" in x for x in seen), seen


def test_preview_uidonly_objectid_on_shared(acl):
    """FETCH PREVIEW, UIDONLY and OBJECTID on a shared mailbox with lr:
    PREVIEW leaves \\Seen alone, the ids are the owner's mailbox's"""
    a = team(acl, "lr")
    b = login(acl, B, BPW)
    ua = a.ok("STATUS Team (MAILBOXID)")
    ub = b.ok('STATUS "%sTeam" (MAILBOXID)' % SH)
    mid = re.search(rb"MAILBOXID \(([^)]+)\)", ua[0]).group(1)
    assert mid in ub[0]
    b.ok("ENABLE UIDONLY")
    b.ok('SELECT "%sTeam"' % SH)
    u = b.ok("UID FETCH 1 (PREVIEW EMAILID FLAGS)")
    assert u[0].startswith(b"* 1 UIDFETCH (") and \
        b'PREVIEW "body 1"' in u[0], u
    assert b"\\Seen" not in u[0]
    r, _ = b.cmd("FETCH 1 FLAGS")
    assert r.startswith(b"BAD [UIDREQUIRED]")
    a.ok("SELECT Team")
    u = a.ok("FETCH 1 (FLAGS EMAILID)")
    assert b"\\Seen" not in u[0]
    eid = re.search(rb"EMAILID \(([^)]+)\)", u[0]).group(1)
    u = b.ok("UID FETCH 1 EMAILID")
    assert eid in u[0]
    a.ok("SETACL Team %s -r" % B)
    b.send("x1 UID FETCH 1 PREVIEW\r\n")
    assert b.resp().startswith(b"* BYE [NOPERM]")


def test_search_context_update_stops_at_revoke(acl):
    """ESEARCH RETURN (UPDATE) on a shared mailbox: updates come while
    bob has r, the revoke ends them with the session"""
    a = team(acl, "lr")
    b = login(acl, B, BPW)
    b.ok('SELECT "%sTeam"' % SH)
    b.ok("SEARCH RETURN (UPDATE) UNSEEN")
    a.ok("APPEND Team {5+}\r\nhello")
    deadline = time.monotonic() + 30
    seen = []
    while not any(b"ADDTO" in x for x in seen):
        assert time.monotonic() < deadline, seen
        seen += b.ok("NOOP")
    a.ok("SETACL Team %s -r" % B)
    a.ok("APPEND Team {5+}\r\nagain")
    b.send("x1 NOOP\r\n")
    r = b.resp()
    assert r.startswith(b"* BYE [NOPERM]"), r


def test_unauthenticate_next_user_own_rights(acl):
    """after UNAUTHENTICATE the next user gets its own rights: bob's
    shared mailbox is nothing to carol"""
    team(acl, "lr")
    b = login(acl, B, BPW)
    b.ok('SELECT "%sTeam"' % SH)
    b.ok("UNAUTHENTICATE")
    b.login(C, CPW)
    r, _ = b.cmd('SELECT "%sTeam"' % SH)
    assert r == NOTHERE
    r, _ = b.cmd('STATUS "%sTeam" (MESSAGES)' % SH)
    assert r == NOTHERE
    u = b.ok('LIST "" "shared/*"')
    assert u == []
    b.ok("UNAUTHENTICATE")
    b.login(B, BPW)
    u = b.ok('STATUS "%sTeam" (MESSAGES)' % SH)
    assert b"MESSAGES 2" in u[0]


def test_search_body_on_shared(acl):
    """SEARCH BODY/TEXT on a shared mailbox read the owner's messages
    (full-text index or scan), as the owner's own SEARCH does"""
    a = team(acl, "lr")
    b = login(acl, B, BPW)
    b.ok('EXAMINE "%sTeam"' % SH)
    for q in ('SEARCH BODY "body 2"', 'SEARCH TEXT "body 1"',
              'SEARCH OR BODY "body 1" BODY "body 2"'):
        a.ok("EXAMINE Team")
        assert b.ok(q) == a.ok(q), q
    u = b.ok('SEARCH BODY "body 2"')
    assert u == [b"* SEARCH 2"], u
