"""CONDSTORE and QRESYNC (RFC 7162): MODSEQ in FETCH, SEARCH and
STORE UNCHANGEDSINCE, CHANGEDSINCE, HIGHESTMODSEQ, VANISHED and
SELECT QRESYNC."""
import re

from conftest import ALICE
from test_imap import Imap, imap_login

A, APW = ALICE


def prepared(tern, n=4):
    m = imap_login(tern)
    for i in range(n):
        m.append("INBOX", None, None, b"Subject: m%d\r\n\r\nx\r\n" % i)
    m.logout()
    c = Imap(tern)
    c.login()
    return c


def modseqs(u):
    return {int(re.search(rb"UID (\d+)", x).group(1)):
            int(re.search(rb"MODSEQ \((\d+)\)", x).group(1)) for x in u}


def test_condstore_fetch_store_search(tern):
    c = prepared(tern)
    r, u = c.cmd("SELECT INBOX (CONDSTORE)")
    hms = [x for x in u if b"HIGHESTMODSEQ" in x]
    assert hms, u
    highest = int(re.search(rb"HIGHESTMODSEQ (\d+)", hms[0]).group(1))
    ms = modseqs(c.ok("FETCH 1:* (UID MODSEQ)"))
    assert len(ms) == 4 and max(ms.values()) <= highest
    # conditional store: the first succeeds, a stale one fails
    u = c.ok("STORE 1 (UNCHANGEDSINCE %d) +FLAGS.SILENT (\\Seen)" % ms[1])
    assert len(u) == 1 and re.match(rb"\* 1 FETCH \(MODSEQ \(\d+\)\)", u[0]), u
    new1 = int(re.search(rb"MODSEQ \((\d+)\)", u[0]).group(1))
    assert new1 > highest
    r, u = c.cmd("STORE 1,2 (UNCHANGEDSINCE %d) +FLAGS (\\Flagged)" % highest)
    assert r == b"OK [MODIFIED 1] Conditional STORE failed", (r, u)
    assert [x for x in u if x.startswith(b"* 2 FETCH")]
    # UNCHANGEDSINCE 0 always fails: a flag always "exists" (RFC 7162 3.1.3)
    r, u = c.cmd("STORE 3:4 (UNCHANGEDSINCE 0) +FLAGS (\\Deleted)")
    assert r == b"OK [MODIFIED 3:4] Conditional STORE failed", (r, u)
    assert not [x for x in u if b"Deleted" in x], u
    # a mod-sequence is 63 bits; more is a syntax error
    r, u = c.cmd("STORE 1 (UNCHANGEDSINCE 9223372036854775808) +FLAGS (x)")
    assert r.startswith(b"BAD"), r
    # CHANGEDSINCE: only what changed
    u = c.ok("FETCH 1:* (FLAGS) (CHANGEDSINCE %d)" % highest)
    assert sorted(x.split(b" ")[1] for x in u) == [b"1", b"2"]
    assert all(b"MODSEQ (" in x for x in u)
    u = c.ok("SEARCH MODSEQ %d" % (highest + 1))
    assert re.match(rb"\* SEARCH 1 2 \(MODSEQ \d+\)", u[0]), u
    u = c.ok('SEARCH MODSEQ "/flags/\\\\seen" all %d' % (highest + 1))
    assert u[0].startswith(b"* SEARCH 1 2")
    u = c.ok("STATUS INBOX (HIGHESTMODSEQ)")
    assert re.match(rb'\* STATUS "INBOX" \(HIGHESTMODSEQ \d+\)', u[0])


def test_other_session_sees_modseq(tern):
    a = prepared(tern, 2)
    b = Imap(tern)
    b.login()
    b.ok("ENABLE CONDSTORE")
    b.ok("SELECT INBOX")
    a.ok("SELECT INBOX")
    a.ok("STORE 2 +FLAGS.SILENT (\\Answered)")
    u = b.ok("NOOP")
    # b selected first: \Recent there (test_imap_recent.py)
    assert re.match(rb"\* 2 FETCH \(UID 2 FLAGS \(\\Answered \\Recent\) "
                    rb"MODSEQ \(\d+\)\)", u[0]), u


def test_qresync(tern):
    c = prepared(tern, 5)
    r, u = c.cmd("ENABLE QRESYNC")
    assert u == [b"* ENABLED QRESYNC"]
    r, u = c.cmd("SELECT INBOX")
    uidv = int(re.search(rb"UIDVALIDITY (\d+)", b" ".join(u)).group(1))
    hms = int(re.search(rb"HIGHESTMODSEQ (\d+)", b" ".join(u)).group(1))
    c.ok("STORE 2 +FLAGS.SILENT (\\Flagged)")
    c.ok("STORE 3,4 +FLAGS.SILENT (\\Deleted)")
    # EXPUNGE answers VANISHED once QRESYNC is on
    # (and the new count of c's \Recent messages, as Dovecot)
    assert c.ok("EXPUNGE") == [b"* VANISHED 3:4", b"* 3 RECENT"]
    c.ok("UNSELECT")
    r, u = c.cmd("SELECT INBOX (QRESYNC (%d %d))" % (uidv, hms))
    assert r.startswith(b"OK [READ-WRITE]"), r
    assert b"* VANISHED (EARLIER) 3:4" in u, u
    fetches = [x for x in u if b"FETCH" in x]
    assert len(fetches) == 1 and fetches[0].startswith(
        b"* 2 FETCH (UID 2 FLAGS (\\Flagged) MODSEQ ("), fetches
    # known uids limit what vanishes
    r, u = c.cmd("SELECT INBOX (QRESYNC (%d %d 1:3))" % (uidv, hms))
    assert b"* OK [CLOSED] Previous mailbox closed" in u
    assert b"* VANISHED (EARLIER) 3" in u, u
    # a different uidvalidity: a plain SELECT
    r, u = c.cmd("SELECT INBOX (QRESYNC (%d %d))" % (uidv + 1, hms))
    assert not any(b"VANISHED" in x for x in u)
    # UID FETCH ... (CHANGEDSINCE n VANISHED)
    u = c.ok("UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d VANISHED)" % hms)
    assert u[0] == b"* VANISHED (EARLIER) 3:4", u
    assert len(u) == 2 and b"UID 2" in u[1]
    r, _ = c.cmd("FETCH 1:* (FLAGS) (CHANGEDSINCE %d VANISHED)" % hms)
    assert r.startswith(b"BAD")


def test_first_condstore_command_reports_highestmodseq(tern):
    """RFC 7162 3.1.2.1: the first CONDSTORE-enabling command with a
    mailbox selected sends * OK [HIGHESTMODSEQ n]; later ones do not."""
    for first in ("FETCH 1 (MODSEQ)", "SEARCH MODSEQ 1", "ENABLE CONDSTORE",
                  "STORE 1 (UNCHANGEDSINCE 99999) +FLAGS (\\Seen)"):
        c = prepared(tern, n=2)
        c.ok("SELECT INBOX")
        u = c.ok(first)
        hms = [x for x in u if x.startswith(b"* OK [HIGHESTMODSEQ ")]
        assert len(hms) == 1, (first, u)
        u = c.ok("FETCH 1 (MODSEQ)")
        assert not any(b"HIGHESTMODSEQ" in x for x in u), (first, u)
        c.close()


def test_esearch_modseq_of_returned_messages(tern):
    """ESEARCH RETURN (MIN) with MODSEQ reports the MIN message's modseq,
    not the highest of all hits (RFC 7162 3.1.5)."""
    c = prepared(tern, n=3)
    c.ok("SELECT INBOX (CONDSTORE)")
    c.ok("STORE 3 +FLAGS (\\Flagged)")
    ms = modseqs(c.ok("FETCH 1:* (UID MODSEQ)"))
    assert ms[3] > ms[1]
    u = c.ok("SEARCH RETURN (MIN) MODSEQ 1")
    assert len(u) == 1 and u[0].endswith(b"MIN 1 MODSEQ %d" % ms[1]), u
    u = c.ok("SEARCH RETURN (MAX) MODSEQ 1")
    assert u[0].endswith(b"MAX 3 MODSEQ %d" % ms[3]), u
    u = c.ok("SEARCH RETURN (ALL) MODSEQ 1")
    assert u[0].endswith(b"ALL 1:3 MODSEQ %d" % ms[3]), u
