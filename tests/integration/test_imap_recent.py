"""\\Recent (RFC 3501 2.3.2) for IMAP4rev1 sessions: a message is recent
in exactly one session, the first to be told of it by a read-write
SELECT (or by an update while it has the mailbox selected read-write);
EXAMINE shows the unclaimed messages as recent without claiming them
(6.3.2); the claim survives a restart; IMAP4rev2 sessions (RFC 9051)
never see \\Recent. The expected answers are Dovecot 2.3's for the same
sequences of sessions."""
import os
import re
import sqlite3

from relaylib import wait_for

from conftest import ALICE
from test_imap import Imap

A, APW = ALICE
MSG = b"From: a@remote.test\r\nSubject: r\r\n\r\nhi\r\n"


def session(t, rev2=False):
    c = Imap(t)
    c.login()
    if rev2:
        c.ok("ENABLE IMAP4rev2")
    return c


def append(c, mbox="INBOX", n=1):
    for _ in range(n):
        c.send(b"a APPEND %s {%d+}\r\n" % (mbox.encode(), len(MSG)) +
               MSG + b"\r\n")
        r, _ = c.wait("a")
        assert r.startswith(b"OK"), r


def untagged(u, word):
    """the numbers of "* n WORD" lines"""
    return [int(m.group(1)) for m in
            (re.match(rb"\* (\d+) " + word.encode() + rb"$", x) for x in u)
            if m]


def search(c, crit):
    """the sequence numbers found (SEARCH, or rev2's ESEARCH ALL)"""
    u = c.ok("SEARCH " + crit)
    line = [x for x in u if x.startswith((b"* SEARCH", b"* ESEARCH"))]
    assert len(line) == 1, u
    if line[0].startswith(b"* SEARCH"):
        return [int(x) for x in line[0].split()[2:]]
    m = re.search(rb" ALL (\S+)", line[0])
    out = []
    for r in (m.group(1).split(b",") if m else []):
        lo, _, hi = r.partition(b":")
        out += range(int(lo), int(hi or lo) + 1)
    return out


def flags(c, seqs="1:*"):
    """seq -> set of flags"""
    out = {}
    for x in c.ok("FETCH %s (FLAGS)" % seqs):
        m = re.match(rb"\* (\d+) FETCH \(FLAGS \(([^)]*)\)\)", x)
        if m:
            out[int(m.group(1))] = set(m.group(2).split())
    return out


def status_recent(c, mbox="INBOX"):
    u = c.ok("STATUS %s (MESSAGES RECENT)" % mbox)
    m = re.search(rb"RECENT (\d+)", b"".join(u))
    return int(m.group(1))


def test_only_the_first_select_sees_recent(tern):
    x = session(tern)
    append(x, n=3)
    a, b = session(tern), session(tern)
    u = a.ok("SELECT INBOX")
    assert untagged(u, "EXISTS") == [3] and untagged(u, "RECENT") == [3], u
    assert flags(a) == {i: {b"\\Recent"} for i in (1, 2, 3)}
    assert search(a, "RECENT") == [1, 2, 3]
    u = b.ok("SELECT INBOX")
    assert untagged(u, "RECENT") == [0], u
    assert flags(b) == {i: set() for i in (1, 2, 3)}
    assert search(b, "RECENT") == []
    assert search(b, "OLD") == [1, 2, 3]
    # a stays with its recent messages until it closes the mailbox
    assert search(a, "RECENT") == [1, 2, 3]
    # an expunge of a recent message tells the new count (Dovecot too)
    a.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
    u = a.ok("EXPUNGE")
    assert untagged(u, "EXPUNGE") == [1] and untagged(u, "RECENT") == [2], u
    u = b.ok("NOOP")
    assert untagged(u, "EXPUNGE") == [1] and untagged(u, "RECENT") == [], u
    assert search(a, "RECENT") == [1, 2]
    a.ok("CLOSE")
    u = a.ok("SELECT INBOX")
    assert untagged(u, "RECENT") == [0], u


def test_examine_does_not_claim(tern):
    x = session(tern)
    append(x, n=2)
    e = session(tern)
    u = e.ok("EXAMINE INBOX")
    # 6.3.2: EXAMINE must not make the messages lose \Recent (Dovecot
    # shows them as recent to the read-only session too)
    assert untagged(u, "RECENT") == [2], u
    assert search(e, "RECENT") == [1, 2]
    e.ok("CLOSE")
    assert status_recent(x) == 2
    a = session(tern)
    u = a.ok("SELECT INBOX")
    assert untagged(u, "RECENT") == [2], u
    assert status_recent(x) == 0
    u = e.ok("EXAMINE INBOX")
    assert untagged(u, "RECENT") == [0], u


def test_delivery_while_selected(tern):
    x = session(tern)
    append(x, n=2)
    a, b = session(tern), session(tern)
    a.ok("SELECT INBOX")
    b.ok("SELECT INBOX")
    append(x)
    # a's NOOP sees the new message first: it is recent there only
    u = wait_for_exists(a, 3)
    assert untagged(u, "RECENT") == [3], u
    u = wait_for_exists(b, 3)
    assert untagged(u, "RECENT") == [], u
    assert search(a, "RECENT") == [1, 2, 3]
    assert search(b, "RECENT") == []
    assert flags(b, "3") == {3: set()}
    # APPEND into the session's own selected mailbox: recent there
    r, u = a.cmd(b"APPEND INBOX {%d+}\r\n" % len(MSG) + MSG, tag="a1")
    assert r.startswith(b"OK"), r
    assert untagged(u, "EXISTS") == [4] and untagged(u, "RECENT") == [4], u
    assert flags(a, "4") == {4: {b"\\Recent"}}
    # IDLE: the update carries the RECENT count too
    a.send("i1 IDLE\r\n")
    assert a.resp().startswith(b"+")
    append(x)
    got = []
    while b"* 5 EXISTS" not in got or b"* 5 RECENT" not in got:
        got.append(a.resp())
    a.send("DONE\r\n")
    r, _ = a.wait("i1")
    assert r.startswith(b"OK"), r


def wait_for_exists(c, n):
    """NOOP until '* n EXISTS' came (the watcher is asynchronous)"""
    seen = []

    def done():
        u = c.ok("NOOP")
        seen.extend(u)
        return b"* %d EXISTS" % n in u
    wait_for(done, timeout=30, what="EXISTS")
    return seen


def test_search_recent_new_old_unseen(tern):
    x = session(tern)
    append(x, n=3)
    a = session(tern)
    a.ok("SELECT INBOX")
    a.ok("STORE 1 +FLAGS (\\Seen)")
    assert flags(a, "1") == {1: {b"\\Seen", b"\\Recent"}}
    assert search(a, "NEW") == [2, 3]
    assert search(a, "OLD") == []
    assert search(a, "RECENT UNSEEN") == [2, 3]
    assert search(a, "RECENT SEEN") == [1]
    assert search(a, "NOT RECENT") == []
    assert search(a, "OR NEW SEEN") == [1, 2, 3]
    assert search(a, "NOT NEW") == [1]
    # the store-reading path (a header criterion) agrees with the map
    assert search(a, "NEW SUBJECT r") == [2, 3]
    assert search(a, "OLD SUBJECT r") == []
    a.ok("CLOSE")
    append(x)
    a.ok("SELECT INBOX")
    assert search(a, "RECENT") == [4]
    assert search(a, "NEW") == [4]
    assert search(a, "OLD") == [1, 2, 3]
    assert search(a, "UNSEEN OLD") == [2, 3]


def test_status_recent(tern):
    x = session(tern)
    x.ok("CREATE Work")
    append(x, "Work", n=2)
    assert status_recent(x, "Work") == 2
    u = x.ok('LIST "" "Work" RETURN (STATUS (RECENT))')
    assert any(b"RECENT 2" in l for l in u), u
    a = session(tern)
    a.ok("SELECT Work")
    # the other sessions: nothing left for them
    assert status_recent(x, "Work") == 0
    u = x.ok('LIST "" "Work" RETURN (STATUS (RECENT))')
    assert any(b"RECENT 0" in l for l in u), u
    # the selecting session counts its own (Dovecot does)
    assert status_recent(a, "Work") == 2
    append(x, "Work")
    assert status_recent(x, "Work") == 1


def test_store_recent_is_refused(tern):
    x = session(tern)
    append(x, n=2)
    a = session(tern)
    a.ok("SELECT INBOX")
    # RFC 3501 2.3.2: \Recent cannot be altered by the client (Dovecot:
    # BAD Invalid system flag)
    for op in ("+FLAGS", "-FLAGS", "FLAGS"):
        r, _ = a.cmd("STORE 2 %s (\\Recent)" % op)
        assert r.startswith(b"BAD"), (op, r)
    a.ok("STORE 2 FLAGS ()")
    assert flags(a) == {1: {b"\\Recent"}, 2: {b"\\Recent"}}
    # STORE's own FETCH shows it too
    u = a.ok("STORE 2 +FLAGS (\\Flagged)")
    assert b"* 2 FETCH (FLAGS (\\Flagged \\Recent))" in u, u


def test_recent_survives_restart(tern):
    x = session(tern)
    append(x, n=2)
    a = session(tern)
    u = a.ok("SELECT INBOX")
    assert untagged(u, "RECENT") == [2], u
    append(x, n=1)          # a does not look: unseen by any session
    x.close()
    a.close()
    tern.stop()
    tern.start()
    b = session(tern)
    assert status_recent(b) == 1
    u = b.ok("SELECT INBOX")
    assert untagged(u, "EXISTS") == [3] and untagged(u, "RECENT") == [1], u
    assert search(b, "RECENT") == [3]
    b.close()
    tern.stop()
    tern.start()
    c = session(tern)
    u = c.ok("SELECT INBOX")
    assert untagged(u, "RECENT") == [0], u


def saved_mark(t, mbox="INBOX"):
    """the claim mark as the store has committed it"""
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(t.data_dir,
                                                          "tern.db"),
                         uri=True, timeout=30)
    try:
        return db.execute("SELECT first_recent_uid FROM mailboxes WHERE "
                          "name = ?", (mbox,)).fetchone()[0]
    finally:
        db.close()


def test_claim_saved_without_other_writes_survives_sigkill(tern):
    x = session(tern)
    append(x, n=2)
    a = session(tern)
    u = a.ok("SELECT INBOX")
    assert untagged(u, "RECENT") == [2], u
    # no other write comes: the writer saves the mark on its own
    wait_for(lambda: saved_mark(tern) == 3, timeout=30, what="mark saved")
    tern.kill()
    tern.start()
    b = session(tern)
    u = b.ok("SELECT INBOX")
    assert untagged(u, "RECENT") == [0], u


def test_rev2_never_sees_recent_nor_claims(tern):
    x = session(tern)
    append(x, n=2)
    r = session(tern, rev2=True)
    u = r.ok("SELECT INBOX")
    assert untagged(u, "RECENT") == [], u
    assert all(b"\\Recent" not in f for fs in flags(r).values() for f in fs)
    assert search(r, "RECENT") == [] and search(r, "OLD") == [1, 2]
    append(x)
    u = wait_for_exists(r, 3)
    assert not any(b"RECENT" in l for l in u), u
    assert all(b"\\Recent" not in f for fs in flags(r).values() for f in fs)
    u = r.ok("STATUS Sent (MESSAGES)")
    # a rev2 session claims nothing: a rev1 session after it still gets
    # every message as recent
    a = session(tern)
    u = a.ok("SELECT INBOX")
    assert untagged(u, "RECENT") == [3], u
