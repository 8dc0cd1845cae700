"""Extended SEARCH and SORT results (issue 12): ESORT and CONTEXT=SEARCH /
CONTEXT=SORT (RFC 5267), PARTIAL (RFC 9394) and INPROGRESS (RFC 9585).
Where Dovecot implements the same (ESEARCH, ESORT, CONTEXT=SEARCH and
RFC 5267's positive PARTIAL ranges) the same commands go to both and the
ESEARCH answers are compared."""
import re
import smtplib
import time

import pytest

import dovecotlib
import imapraw
from conftest import ALICE

CONF = "[imap]\nmax_search_updates = 2\nprogress_interval = 0\n"

# (subject, hour of Date, seen): sorted by subject the numbers are
# 2 6 4 3 1 5; by date 6 5 4 3 2 1
MSGS = [("delta", 15, False), ("alpha", 14, True), ("charlie", 13, False),
        ("bravo", 12, True), ("echo", 11, False), ("alpha2", 10, False)]


def msg(subject, hour=9):
    return (b"From: f@x.test\r\nSubject: %s\r\n"
            b"Date: Mon, 1 Jan 2024 %02d:00:00 +0000\r\n\r\nbody\r\n" %
            (subject.encode(), hour))


class Client(imapraw.Raw):
    """imapraw with the caller's tags (ESEARCH answers carry them)"""

    def run(self, tag, line):
        self.s.sendall(tag.encode() + b" " + line.encode() + b"\r\n")
        untagged, tagged = self._until(tag.encode())
        return [u.rstrip(b"\r\n") for u in untagged], tagged.rstrip(b"\r\n")

    def good(self, tag, line):
        u, t = self.run(tag, line)
        assert t.startswith(tag.encode() + b" OK"), (line, t)
        return u

    def esearch(self, tag, line):
        return [x for x in self.good(tag, line) if x.startswith(b"* ESEARCH")]


def connect(port, user, pw, select="es"):
    c = Client("127.0.0.1", port)
    c.login(user, pw)
    if select:
        c.good("s0", "SELECT " + select)
    return c


def load(port, user, pw):
    c = Client("127.0.0.1", port)
    c.login(user, pw)
    c.ok(b"CREATE es")
    for subject, hour, seen in MSGS:
        head = b"APPEND es (\\Seen)" if seen else b"APPEND es"
        _, t = c.send_literal(head, msg(subject, hour))
        assert b" OK" in t
    c.good("s0", "SELECT es")
    return c


@pytest.fixture
def tern(tern_factory):
    t = tern_factory(extra=CONF)
    t.add_account(*ALICE)
    t.start()
    return t


def test_capabilities(tern):
    c = connect(tern.port("imap"), *ALICE, select=None)
    caps = c.good("c1", "CAPABILITY")[0].split()
    for cap in (b"ESORT", b"CONTEXT=SEARCH", b"CONTEXT=SORT", b"PARTIAL",
                b"INPROGRESS"):
        assert cap in caps, cap


def test_esort_min_max_all_in_sort_order(tern):
    c = load(tern.port("imap"), *ALICE)
    assert c.good("a1", "SORT (SUBJECT) UTF-8 ALL") == [b"* SORT 2 6 4 3 1 5"]
    # MIN/MAX: first and last in sort order; ALL keeps the order, a
    # range only where it ascends (RFC 5267 3.2)
    assert c.esearch("a2", "SORT RETURN (MIN MAX COUNT ALL) (SUBJECT) "
                     "UTF-8 ALL") == [
        b'* ESEARCH (TAG "a2") MIN 2 MAX 5 COUNT 6 ALL 2,6,4,3,1,5']
    assert c.esearch("a3", "UID SORT RETURN () (DATE) UTF-8 ALL") == [
        b'* ESEARCH (TAG "a3") UID ALL 6,5,4,3,2,1']
    assert c.esearch("a4", "SORT RETURN () (REVERSE DATE) UTF-8 ALL") == [
        b'* ESEARCH (TAG "a4") ALL 1:6']
    assert c.esearch("a5", "SORT RETURN (COUNT) (SUBJECT) UTF-8 DELETED") \
        == [b'* ESEARCH (TAG "a5") COUNT 0']
    for bad in ("SORT RETURN (BOGUS) (SUBJECT) UTF-8 ALL",
                "SORT RETURN MIN (SUBJECT) UTF-8 ALL",
                "SORT (SUBJECT) UTF-8 RETURN (MIN) ALL",
                "THREAD REFERENCES UTF-8 RETURN (MIN) ALL"):
        assert c.run("b", bad)[1].startswith(b"b BAD"), bad


def test_partial_search_and_sort(tern):
    c = load(tern.port("imap"), *ALICE)
    cases = [
        ("SEARCH RETURN (PARTIAL 2:4) ALL", b"PARTIAL (2:4 2:4)"),
        ("SEARCH RETURN (PARTIAL 4:2) ALL", b"PARTIAL (2:4 2:4)"),
        ("SEARCH RETURN (PARTIAL 5:100 COUNT) ALL",
         b"COUNT 6 PARTIAL (5:100 5:6)"),
        ("SEARCH RETURN (PARTIAL 7:9) ALL", b"PARTIAL (7:9 NIL)"),
        # -1 is the last result; the page is still in mailbox order
        ("SEARCH RETURN (PARTIAL -1:-2) ALL", b"PARTIAL (-1:-2 5:6)"),
        ("SEARCH RETURN (PARTIAL -2:-1) UNSEEN", b"PARTIAL (-1:-2 5:6)"),
        ("SEARCH RETURN (PARTIAL -3:-4) UNSEEN", b"PARTIAL (-3:-4 1,3)"),
        ("SEARCH RETURN (PARTIAL -5:-9) UNSEEN", b"PARTIAL (-5:-9 NIL)"),
        ("SEARCH RETURN (MIN MAX PARTIAL 2:3) UNSEEN",
         b"MIN 1 MAX 6 PARTIAL (2:3 3,5)"),
        # SORT: the page of the sorted result, in sort order
        ("SORT RETURN (PARTIAL 2:3) (SUBJECT) UTF-8 ALL",
         b"PARTIAL (2:3 6,4)"),
        ("SORT RETURN (PARTIAL -1:-3) (SUBJECT) UTF-8 ALL",
         b"PARTIAL (-1:-3 3,1,5)"),
    ]
    for i, (cmd, want) in enumerate(cases):
        tag = "p%d" % i
        assert c.esearch(tag, cmd) == [
            b'* ESEARCH (TAG "%s") %s' % (tag.encode(), want)], cmd
    assert c.esearch("u1", "UID SEARCH RETURN (PARTIAL -1:-1) ALL") == [
        b'* ESEARCH (TAG "u1") UID PARTIAL (-1:-1 6)']
    for bad in ("PARTIAL 0:5", "PARTIAL 5:-3", "PARTIAL -5:3", "PARTIAL 1:*",
                "PARTIAL 1:4294967296", "PARTIAL", "PARTIAL 1:2 ALL",
                "PARTIAL 1:2 PARTIAL 3:4", "PARTIAL 01:5"):
        u, t = c.run("x", "SEARCH RETURN (%s) ALL" % bad)
        assert t.startswith(b"x BAD") and u == [], bad
    # SAVE with PARTIAL: "$" is the page (RFC 9394 3.2) ...
    assert c.good("v1", "SEARCH RETURN (SAVE PARTIAL 2:3) UNSEEN") == [
        b'* ESEARCH (TAG "v1") PARTIAL (2:3 3,5)']
    assert c.good("v2", "FETCH $ (UID)") == [b"* 3 FETCH (UID 3)",
                                            b"* 5 FETCH (UID 5)"]
    # ... and with COUNT every message found
    c.good("v3", "SEARCH RETURN (SAVE COUNT PARTIAL 1:1) UNSEEN")
    assert len(c.good("v4", "FETCH $ (UID)")) == 4


def test_uid_fetch_partial(tern):
    c = load(tern.port("imap"), *ALICE)
    got = c.good("f1", "UID FETCH 1:* (UID) (PARTIAL -1:-2)")
    assert got == [b"* 5 FETCH (UID 5)", b"* 6 FETCH (UID 6)"]
    got = c.good("f2", "UID FETCH 2:5 (UID) (PARTIAL 2:3)")
    assert got == [b"* 3 FETCH (UID 3)", b"* 4 FETCH (UID 4)"]
    assert c.good("f3", "UID FETCH 1:* (UID) (PARTIAL 7:9)") == []
    for bad in ("FETCH 1:* (UID) (PARTIAL 1:2)",
                "UID FETCH 1:* (UID) (PARTIAL 0:2)",
                "UID FETCH 1:* (UID) (PARTIAL)",
                "UID FETCH 1:* (UID) (PARTIAL 1:2 PARTIAL 1:2)"):
        assert c.run("x", bad)[1].startswith(b"x BAD"), bad
    # with CHANGEDSINCE: the page of the changed ones
    c.good("f4", "STORE 2,4 +FLAGS (\\Flagged)")
    ms = int(re.search(rb"HIGHESTMODSEQ (\d+)",
                       b" ".join(c.good("f5", "STATUS es (HIGHESTMODSEQ)"))
                       ).group(1))
    c.good("f6", "STORE 1,3,5 +FLAGS (\\Flagged)")
    got = c.good("f7", "UID FETCH 1:* (UID) (CHANGEDSINCE %d PARTIAL -1:-2)"
                 % ms)
    assert [re.sub(rb" MODSEQ \(\d+\)", b"", g) for g in got
            if b"FETCH" in g] == [
        b"* 3 FETCH (UID 3)", b"* 5 FETCH (UID 5)"]


def wait_for(c, tag, pred, what):
    """NOOP until pred(untagged lines) holds (another session's commit
    reaches this one through the store's watcher)"""
    deadline = time.monotonic() + 30
    seen = []
    for i in range(300):
        seen += c.good("%s%d" % (tag, i), "NOOP")
        if pred(seen):
            return seen
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)
    raise AssertionError("%s: %r" % (what, seen))


def has(line):
    return lambda seen: line in seen


def test_context_search_updates(tern):
    port = tern.port("imap")
    a = load(port, *ALICE)
    b = connect(port, *ALICE)
    # unseen: 1 3 5 6
    assert a.esearch("U1", "UID SEARCH RETURN (UPDATE) UNSEEN") == [
        b'* ESEARCH (TAG "U1") UID']
    assert a.esearch("U2", "SEARCH RETURN (UPDATE COUNT) UNSEEN") == [
        b'* ESEARCH (TAG "U2") COUNT 4']
    # the same tag again while it is live: BAD (RFC 5267 4.3)
    assert a.run("U1", "SEARCH RETURN (UPDATE) ALL")[1].startswith(b"U1 BAD")
    # a new unseen message: ADDTO after the EXISTS that numbers it
    _, t = b.send_literal(b"APPEND es", msg("foxtrot"))
    seen = wait_for(a, "n", has(b'* ESEARCH (TAG "U2") ADDTO (0 7)'),
                    "ADDTO")
    assert seen.index(b"* 7 EXISTS") < seen.index(
        b'* ESEARCH (TAG "U2") ADDTO (0 7)')
    assert b'* ESEARCH (TAG "U1") UID ADDTO (0 7)' in seen
    # flags another session changes: out of the result, and back in
    b.good("b1", "STORE 3 +FLAGS (\\Seen)")
    seen = wait_for(a, "m", has(b'* ESEARCH (TAG "U1") UID REMOVEFROM (0 3)'),
                    "REMOVEFROM")
    assert b'* ESEARCH (TAG "U2") REMOVEFROM (0 3)' in seen
    b.good("b2", "STORE 2 -FLAGS (\\Seen)")
    wait_for(a, "k", has(b'* ESEARCH (TAG "U1") UID ADDTO (0 2)'), "ADDTO 2")
    # this session's own STORE too
    u = a.good("o1", "STORE 1 +FLAGS (\\Seen)")
    assert b'* ESEARCH (TAG "U1") UID REMOVEFROM (0 1)' in u
    # expunged: REMOVEFROM before the EXPUNGE, with the number it had
    b.good("b3", "STORE 5 +FLAGS (\\Deleted)")
    b.good("b4", "EXPUNGE")
    seen = wait_for(a, "e", has(b"* 5 EXPUNGE"), "EXPUNGE")
    assert seen.index(b'* ESEARCH (TAG "U2") REMOVEFROM (0 5)') < \
        seen.index(b"* 5 EXPUNGE")
    assert b'* ESEARCH (TAG "U1") UID REMOVEFROM (0 5)' in seen
    # the live result is what a new search finds
    assert a.esearch("c1", "UID SEARCH RETURN (ALL) UNSEEN") == [
        b'* ESEARCH (TAG "c1") UID ALL 2,6:7']
    # CANCELUPDATE: no more updates for that tag
    assert a.run("x", 'CANCELUPDATE "nope"')[1].startswith(b"x NO")
    assert a.run("x", "CANCELUPDATE U1")[1].startswith(b"x BAD")
    a.good("c2", 'CANCELUPDATE "U1"')
    _, t = b.send_literal(b"APPEND es", msg("golf"))
    seen = wait_for(a, "g", has(b'* ESEARCH (TAG "U2") ADDTO (0 7)'),
                    "ADDTO after cancel")
    assert not any(b'"U1"' in x for x in seen)
    # updates end with the selection
    a.good("c3", "UNSELECT")
    a.good("c4", "SELECT es")
    b.good("b5", "STORE 1 -FLAGS (\\Seen)")
    seen = wait_for(a, "z", lambda s: any(x.startswith(b"* 1 FETCH")
                                          for x in s), "FETCH")
    assert not any(x.startswith(b"* ESEARCH") for x in seen)


def test_context_expunge_waits_like_expunge(tern):
    """a REMOVEFROM for an expunge goes with the EXPUNGE: not during a
    FETCH (sequence numbers would shift under the client), but at the
    next command that may announce it"""
    port = tern.port("imap")
    a = load(port, *ALICE)
    b = connect(port, *ALICE)
    a.good("U1", "SEARCH RETURN (UPDATE) ALL")
    b.good("b1", "STORE 2 +FLAGS (\\Deleted)")
    b.good("b2", "EXPUNGE")
    b.good("b3", "STORE 1 +FLAGS (\\Flagged)")     # after the expunge
    seen = []
    for i in range(300):
        seen += a.good("f%d" % i, "FETCH 1 (UID)")
        if any(b"\\Flagged" in x for x in seen):
            break
        time.sleep(0.1)
    assert any(b"\\Flagged" in x for x in seen), seen
    assert not any(b"EXPUNGE" in x or b"ESEARCH" in x for x in seen), seen
    u = a.good("n1", "NOOP")
    assert u.index(b'* ESEARCH (TAG "U1") REMOVEFROM (0 2)') < \
        u.index(b"* 2 EXPUNGE")


def test_context_update_body_text_new_messages(tern):
    """a live BODY/TEXT search (answered from the full-text index when it
    ran) tells of new messages that hold the text, and of those only:
    their bodies are not in the answer the index gave"""
    port = tern.port("imap")
    a = load(port, *ALICE)
    b = connect(port, *ALICE)
    assert a.esearch("B1", "UID SEARCH RETURN (UPDATE) BODY quebec") == [
        b'* ESEARCH (TAG "B1") UID']
    assert a.esearch("T1", "UID SEARCH RETURN (UPDATE) TEXT romeo@env") == [
        b'* ESEARCH (TAG "T1") UID']
    assert "imap search index keys=1" in tern.log()
    _, t = b.send_literal(b"APPEND es", msg("other") + b"no match here\r\n")
    _, t = b.send_literal(b"APPEND es", msg("q") + b"the word QUEBEC\r\n")
    seen = wait_for(a, "n", has(b'* ESEARCH (TAG "B1") UID ADDTO (0 8)'),
                    "ADDTO of the body match")
    assert not any(b"ADDTO (0 7)" in x for x in seen), seen
    # TEXT also reads the per-recipient fields of mail that came by SMTP
    smtp = smtplib.SMTP("127.0.0.1", tern.port("smtp"), timeout=30)
    smtp.sendmail("romeo@env.example", [ALICE[0]], msg("r"))
    smtp.quit()
    # INBOX got it; move it into the selected mailbox
    b.good("i1", "SELECT INBOX")
    b.good("i2", "MOVE 1 es")
    wait_for(a, "t", has(b'* ESEARCH (TAG "T1") UID ADDTO (0 9)'),
             "ADDTO of the Return-Path match")


def test_context_update_during_idle(tern):
    """updates are timely: one arrives in IDLE, no command needed"""
    port = tern.port("imap")
    a = load(port, *ALICE)
    b = connect(port, *ALICE)
    a.good("U1", "UID SEARCH RETURN (UPDATE) UNSEEN")
    a.s.sendall(b"I1 IDLE\r\n")
    assert a._response().startswith(b"+")
    b.good("b1", "STORE 6 +FLAGS (\\Seen)")
    lines = []
    for i in range(50):     # bounded; each read has the socket's timeout
        lines.append(a._response().rstrip(b"\r\n"))
        if lines[-1].startswith(b"* ESEARCH"):
            break
    assert lines[-1] == b'* ESEARCH (TAG "U1") UID REMOVEFROM (0 6)', lines
    a.s.sendall(b"DONE\r\n")
    assert a._until(b"I1")[1].startswith(b"I1 OK")


def test_context_sort_updates_positions(tern):
    port = tern.port("imap")
    a = load(port, *ALICE)
    b = connect(port, *ALICE)
    # unseen by subject: delta(1) alpha2(6) charlie(3) echo(5) ->
    # alpha2 charlie delta echo = uids 6 3 1 5
    assert a.esearch("S1", "UID SORT RETURN (UPDATE ALL) (SUBJECT) UTF-8 "
                     "UNSEEN") == [b'* ESEARCH (TAG "S1") UID ALL 6,3,1,5']
    # "cobra" goes between charlie and delta: position 3
    b.send_literal(b"APPEND es", msg("cobra"))
    wait_for(a, "n", has(b'* ESEARCH (TAG "S1") UID ADDTO (3 7)'), "ADDTO")
    # charlie (position 2) leaves
    b.good("b1", "STORE 3 +FLAGS (\\Seen)")
    wait_for(a, "m", has(b'* ESEARCH (TAG "S1") UID REMOVEFROM (2 3)'),
             "REMOVEFROM")
    # the result now: 6 7 1 5, as a new SORT says
    assert a.esearch("c1", "UID SORT RETURN () (SUBJECT) UTF-8 UNSEEN") == [
        b'* ESEARCH (TAG "c1") UID ALL 6:7,1,5']
    # sequence numbers: expunging 1 (position 3) says REMOVEFROM (3 1)
    a.good("S2", "SORT RETURN (UPDATE) (SUBJECT) UTF-8 UNSEEN")
    b.good("b2", "STORE 1 +FLAGS (\\Deleted)")
    b.good("b3", "EXPUNGE")
    seen = wait_for(a, "e", has(b"* 1 EXPUNGE"), "EXPUNGE")
    assert seen.index(b'* ESEARCH (TAG "S2") REMOVEFROM (3 1)') < \
        seen.index(b"* 1 EXPUNGE")
    assert b'* ESEARCH (TAG "S1") UID REMOVEFROM (3 1)' in seen


def test_noupdate_beyond_the_limit(tern):
    """imap.max_search_updates = 2 in this test's config"""
    a = load(tern.port("imap"), *ALICE)
    a.good("L1", "SEARCH RETURN (UPDATE) UNSEEN")
    a.good("L2", "SORT RETURN (UPDATE) (SUBJECT) UTF-8 UNSEEN")
    u = a.good("L3", "SEARCH RETURN (UPDATE COUNT) UNSEEN")
    # refused, but the other options still answered (RFC 5267 4.3.1)
    assert u == [b'* ESEARCH (TAG "L3") COUNT 4',
                 b'* NO [NOUPDATE "L3"] Too many search updates']
    a.good("c1", 'CANCELUPDATE "L1" "L2"')
    assert a.good("L4", "SEARCH RETURN (UPDATE) UNSEEN") == [
        b'* ESEARCH (TAG "L4")']
    assert tern.log().count("imap search update refused") == 1


def test_inprogress_during_long_commands(tern):
    """imap.progress_interval = 0: a report between every two batches
    (of 500) of a search that reads the store, and of a FETCH"""
    c = Client("127.0.0.1", tern.port("imap"))
    c.login(*ALICE)
    c.ok(b"CREATE big")
    n = 1100
    for start in range(0, n, 100):
        data = b""
        for i in range(start, min(n, start + 100)):
            m = msg("m%d" % i)
            data += b"a%d APPEND big {%d+}\r\n%s\r\n" % (i, len(m), m)
        c.s.sendall(data)
        for i in range(start, min(n, start + 100)):
            _, t = c._until(b"a%d" % i)
            assert b" OK" in t
    c.good("s", "SELECT big")
    u = c.good("P1", "SEARCH RETURN (COUNT) SUBJECT m1")
    prog = [x for x in u if x.startswith(b"* OK [INPROGRESS")]
    assert [re.match(rb'\* OK \[INPROGRESS \("P1" (\d+) (\d+)\)\] ', p)
            .groups() for p in prog] == [(b"500", b"1100"), (b"1000", b"1100")]
    assert u[-1] == b'* ESEARCH (TAG "P1") COUNT 211'
    # SORT too
    u = c.good("P2", "SORT (SUBJECT) UTF-8 SUBJECT m10")
    assert sum(x.startswith(b'* OK [INPROGRESS ("P2" ') for x in u) == 2
    # and FETCH (batches of 200), between whole FETCH responses; a tag
    # holding "]" is NIL (RFC 9585 4)
    u = c.good("P]3", "FETCH 1:* (UID)")
    counts = [int(m.group(1)) for m in
              (re.match(rb"\* OK \[INPROGRESS \(NIL (\d+) 1100\)\]", x)
               for x in u) if m]
    assert sorted(set(counts)) == [200, 400, 600, 800, 1000]
    assert counts == sorted(counts)
    assert sum(x.startswith(b"* ") and b" FETCH (UID " in x for x in u) == n


# --- side by side with Dovecot ---

def esearch_items(line):
    """an ESEARCH line as (tag, uid, sorted return items): the order of
    the items is free (RFC 4731 3.1: tern sends COUNT before ALL,
    Dovecot after), so it is compared sorted"""
    m = re.match(rb'\* ESEARCH \(TAG "([^"]*)"\)( UID)?(.*)$', line)
    assert m, line
    items = re.findall(rb" ([A-Z]+) (\([^)]*\)|[^ ]+)", m.group(3))
    return m.group(1), bool(m.group(2)), sorted(items)


DV_CASES = [
    "SEARCH RETURN (MIN MAX COUNT ALL) ALL",
    "SEARCH RETURN (MIN MAX COUNT ALL) UNSEEN",
    "UID SEARCH RETURN () SEEN",
    "SEARCH RETURN (CONTEXT) UNSEEN",
    "SEARCH RETURN (CONTEXT COUNT) UNSEEN",
    "SEARCH RETURN (PARTIAL 2:4) ALL",
    "SEARCH RETURN (PARTIAL 4:2) ALL",
    "SEARCH RETURN (PARTIAL 5:100 COUNT) ALL",
    "SEARCH RETURN (PARTIAL 7:9) ALL",
    "UID SEARCH RETURN (MIN PARTIAL 2:3) UNSEEN",
    "SORT RETURN (MIN MAX COUNT ALL) (SUBJECT) UTF-8 ALL",
    "UID SORT RETURN () (DATE) UTF-8 ALL",
    "SORT RETURN (ALL) (REVERSE SUBJECT) UTF-8 UNSEEN",
    "SORT RETURN (PARTIAL 2:3) (SUBJECT) UTF-8 ALL",
    "SORT RETURN (MIN MAX) (REVERSE DATE) UTF-8 UNSEEN",
]


@pytest.mark.skipif(not dovecotlib.available(),
                    reason="dovecot-imapd is not installed "
                           "(scripts/install-deps.sh installs it)")
def test_esearch_answers_as_dovecot(tern_factory):
    t = tern_factory(extra=CONF)
    t.add_account(dovecotlib.USER, dovecotlib.PASSWORD)
    t.start()
    d = dovecotlib.Dovecot()
    try:
        d.start()
        got = {}
        for name, port in (("tern", t.port("imap")), ("dovecot", d.port)):
            out = []
            a = load(port, dovecotlib.USER, dovecotlib.PASSWORD)
            b = connect(port, dovecotlib.USER, dovecotlib.PASSWORD)
            for i, cmd in enumerate(DV_CASES):
                out.append([esearch_items(x)
                            for x in a.esearch("D%d" % i, cmd)])
            # CONTEXT=SEARCH: one change at a time, the update lines
            out.append(a.esearch("U1", "SEARCH RETURN (UPDATE) UNSEEN"))
            out.append(a.esearch("U2", "UID SEARCH RETURN (UPDATE) UNSEEN"))
            b.send_literal(b"APPEND es", msg("new"))
            seen = wait_for(a, "n", has(b"* 7 EXISTS"), name + " EXISTS")
            out.append([x for x in seen if x.startswith(b"* ESEARCH")])
            b.good("b1", "STORE 1 +FLAGS (\\Seen)")
            seen = wait_for(a, "m", lambda s: any(
                x.startswith(b"* ESEARCH") for x in s), name + " STORE")
            out.append([x for x in seen if x.startswith(b"* ESEARCH")])
            b.good("b2", "STORE 3 +FLAGS (\\Deleted)")
            b.good("b3", "EXPUNGE")
            seen = wait_for(a, "e", has(b"* 3 EXPUNGE"), name + " EXPUNGE")
            out.append([x for x in seen if x.startswith(b"* ESEARCH")])
            got[name] = out
            a.close()
            b.close()
        for i, (x, y) in enumerate(zip(got["tern"], got["dovecot"])):
            what = DV_CASES[i] if i < len(DV_CASES) else "update %d" % i
            assert x == y, "%s:\n tern    %r\n dovecot %r" % (what, x, y)
    finally:
        d.stop()
