"""Per-message FETCH items and SEARCH keys of issue 12: OBJECTID
(RFC 8474), SAVEDATE (RFC 8514), WITHIN (RFC 5032), PREVIEW (RFC 8970)
and UIDONLY (RFC 9586); compared with Dovecot where Dovecot 2.3.19 has
the extension."""
import re

import pytest

import dovecotlib
from conftest import ALICE
from test_imap import Imap

A, APW = ALICE

OBJECTID = re.compile(rb"^[A-Za-z0-9_-]{1,255}$")


def login(tern):
    c = Imap(tern)
    c.login()
    return c


def append(c, box, msg):
    if isinstance(msg, str):
        msg = msg.encode()
    r, u = c.cmd(b"APPEND " + box.encode() + b" {%d+}\r\n" % len(msg) + msg)
    assert r.startswith(b"OK"), (r, u)
    return r


def caps(c):
    u = c.ok("CAPABILITY")
    return u[0].split()[2:]


def item(resp, name):
    """the value of a FETCH item (parenthesised list or atom)"""
    m = re.search(rb"[ (]" + name + rb" (\([^)]*\)|NIL|\"[^\"]*\"|\S+)",
                  resp)
    assert m, (name, resp)
    return m.group(1)


def oid(v):
    assert v.startswith(b"(") and v.endswith(b")"), v
    v = v[1:-1]
    assert OBJECTID.match(v), v
    return v


def mailboxid(c, box):
    u = c.ok('STATUS "%s" (MAILBOXID)' % box)
    return oid(item(u[0], b"MAILBOXID"))


def fetch_ids(c, seqs="1:*"):
    out = {}
    for x in c.ok("UID FETCH %s (EMAILID THREADID)" % seqs):
        uid = int(re.search(rb"UID (\d+)", x).group(1))
        out[uid] = (oid(item(x, b"EMAILID")), oid(item(x, b"THREADID")))
    return out


# ---- OBJECTID (RFC 8474) ----

def test_objectid_mailboxid(tern):
    c = login(tern)
    assert b"OBJECTID" in caps(c)
    r, u = c.cmd("CREATE Projects")
    m = re.match(rb"OK \[MAILBOXID \(([A-Za-z0-9_-]+)\)\]", r)
    assert m, r
    created = m.group(1)
    assert mailboxid(c, "Projects") == created
    inbox = mailboxid(c, "INBOX")
    assert inbox != created
    # SELECT and EXAMINE say it in an untagged OK
    for verb in ("SELECT", "EXAMINE"):
        u = c.ok("%s Projects" % verb)
        codes = [x for x in u if b"[MAILBOXID (" in x]
        assert codes == [b"* OK [MAILBOXID (" + created + b")] Ok"], u
    c.ok("UNSELECT")
    # RENAME keeps it; DELETE + CREATE of the same name makes a new one
    c.ok("RENAME Projects Work")
    assert mailboxid(c, "Work") == created
    c.ok("DELETE Work")
    c.ok("CREATE Work")
    assert mailboxid(c, "Work") != created
    # renaming INBOX is a new mailbox with INBOX's messages; INBOX keeps
    # its id (RFC 8474 4)
    c.ok("RENAME INBOX Old")
    assert mailboxid(c, "INBOX") == inbox
    assert mailboxid(c, "Old") not in (inbox, created)
    # the ids survive a restart
    before = {b: mailboxid(c, b) for b in ("INBOX", "Work", "Old")}
    c.close()
    tern.stop()
    tern.start()
    c = login(tern)
    assert {b: mailboxid(c, b) for b in before} == before
    # bob's INBOX is another mailbox
    b = Imap(tern)
    b.login("bob@example.test", "bob-secret-pw")
    assert mailboxid(b, "INBOX") != before["INBOX"]


def test_objectid_emailid_threadid(tern):
    c = login(tern)
    c.ok("CREATE Other")
    root = ("Message-ID: <root@x.test>\r\nSubject: plan\r\n\r\nroot\r\n")
    reply = ("Message-ID: <r1@x.test>\r\nIn-Reply-To: <root@x.test>\r\n"
             "References: <root@x.test>\r\nSubject: Re: plan\r\n\r\nr1\r\n")
    reply2 = ("Message-ID: <r2@x.test>\r\nIn-Reply-To: <r1@x.test>\r\n"
              "References: <root@x.test> <r1@x.test>\r\n"
              "Subject: Re: plan\r\n\r\nr2\r\n")
    other = "Message-ID: <other@x.test>\r\nSubject: other\r\n\r\nx\r\n"
    noid = "Subject: no id\r\n\r\nx\r\n"
    for m in (root, reply, reply2, other, noid, root):
        append(c, "INBOX", m)
    c.ok("SELECT INBOX")
    ids = fetch_ids(c)
    emailids = [ids[u][0] for u in sorted(ids)]
    threadids = [ids[u][1] for u in sorted(ids)]
    # every APPEND is a message of its own, even with the same bytes
    assert len(set(emailids)) == 6, emailids
    # a conversation shares a thread; other messages have their own
    assert threadids[0] == threadids[1] == threadids[2] == threadids[5]
    assert len({threadids[0], threadids[3], threadids[4]}) == 3
    # COPY keeps EMAILID and THREADID (COPYUID pairs them), MOVE too
    r, u = c.cmd("UID COPY 1:2 Other")
    m = re.search(rb"COPYUID \d+ (\S+) (\S+)\]", r)
    assert m and m.group(1) == b"1:2", r
    c.ok("UID MOVE 3 Other")
    c.ok("SELECT Other")
    moved = fetch_ids(c)
    assert [moved[u] for u in sorted(moved)] == [ids[1], ids[2], ids[3]]
    # the ids are stable across a restart
    c.close()
    tern.stop()
    tern.start()
    c = login(tern)
    c.ok("SELECT INBOX")
    after = fetch_ids(c)
    assert after == {u: ids[u] for u in after}
    # SEARCH EMAILID / THREADID
    u = c.ok("UID SEARCH EMAILID %s" % ids[4][0].decode())
    assert u == [b"* SEARCH 4"], u
    u = c.ok("UID SEARCH THREADID %s" % ids[1][1].decode())
    assert u == [b"* SEARCH 1 2 6"], u   # 3 was moved away
    u = c.ok("SEARCH EMAILID Mnothing")
    assert u == [b"* SEARCH"], u
    # an objectid is 1-255 of ALPHA / DIGIT / "_" / "-"
    for bad in ('EMAILID', 'EMAILID "a.b"', 'THREADID "' + "a" * 256 + '"',
                'EMAILID ""'):
        r, u = c.cmd("SEARCH " + bad)
        assert r.startswith(b"BAD"), (bad, r)


# ---- SAVEDATE (RFC 8514) ----

DATE_TIME = re.compile(rb'^"[ 0-3]\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d '
                       rb'[+-]\d{4}"$')


def imap_day(t):
    import time
    return time.strftime("%d-%b-%Y", time.gmtime(t))


def test_savedate(tern):
    import time
    c = login(tern)
    assert b"SAVEDATE" in caps(c)
    c.ok("CREATE Other")
    t0 = time.time()
    # an old internal date: the save date is when it was stored
    r, u = c.cmd(b'APPEND INBOX "01-Jan-2001 10:00:00 +0000" {14+}\r\n'
                 b"Subject: a\r\n\r\n")
    assert r.startswith(b"OK"), r
    c.ok("SELECT INBOX")
    u = c.ok("FETCH 1 (SAVEDATE INTERNALDATE)")
    saved = item(u[0], b"SAVEDATE")
    assert DATE_TIME.match(saved), u
    assert item(u[0], b"INTERNALDATE") != saved
    today, old = imap_day(t0), "01-Jan-2001"
    assert saved[1:12].decode().strip().zfill(11) == today, (saved, today)
    assert c.ok("SEARCH SAVEDON %s" % today) == [b"* SEARCH 1"]
    assert c.ok("SEARCH SAVEDSINCE %s" % today) == [b"* SEARCH 1"]
    assert c.ok("SEARCH SAVEDBEFORE %s" % today) == [b"* SEARCH"]
    assert c.ok("SEARCH SAVEDBEFORE 02-Jan-2001") == [b"* SEARCH"]
    assert c.ok("SEARCH ON %s" % old) == [b"* SEARCH 1"]
    assert c.ok("SEARCH SAVEDATESUPPORTED") == [b"* SEARCH 1"]
    assert c.ok("SEARCH NOT SAVEDATESUPPORTED") == [b"* SEARCH"]
    for bad in ("SAVEDON", "SAVEDON 32-Jan-2020", "SAVEDSINCE yesterday",
                "SAVEDBEFORE 1-Foo-2020"):
        r, _ = c.cmd("SEARCH " + bad)
        assert r.startswith(b"BAD"), (bad, r)
    # COPY and MOVE save the message again: a new save date (not before
    # the original's), the internal date stays
    c.ok("COPY 1 Other")
    c.ok("SELECT Other")
    u2 = c.ok("FETCH 1 (SAVEDATE INTERNALDATE)")
    assert item(u2[0], b"INTERNALDATE") == item(u[0], b"INTERNALDATE")
    assert DATE_TIME.match(item(u2[0], b"SAVEDATE"))


def test_savedate_as_dovecot(tern_dv, dovecot):
    """FETCH SAVEDATE's form and SEARCH SAVED* answer as Dovecot's"""
    import imapraw
    import time
    answers = []
    for port in (tern_dv.port("imap"), dovecot.port):
        c = imapraw.Raw("127.0.0.1", port)
        c.login(dovecotlib.USER, dovecotlib.PASSWORD)
        c.append("INBOX", b"Subject: a\r\n\r\nx\r\n")
        c.ok(b"SELECT INBOX")
        f = c.ok(b"FETCH 1 (SAVEDATE)")
        assert len(f) == 1 and DATE_TIME.match(item(f[0], b"SAVEDATE")), f
        day = imap_day(time.time()).encode()
        out = []
        for q in (b"SAVEDON " + day, b"SAVEDSINCE " + day,
                  b"SAVEDBEFORE " + day, b"SAVEDATESUPPORTED",
                  b"NOT SAVEDATESUPPORTED", b"SAVEDBEFORE 1-Jan-2000"):
            out.append(c.ok(b"SEARCH " + q))
        answers.append(out)
        c.close()
    assert answers[0] == answers[1]


@pytest.fixture
def dovecot():
    if not dovecotlib.available():
        pytest.skip("dovecot-imapd is not installed "
                    "(scripts/install-deps.sh installs it)")
    d = dovecotlib.Dovecot()
    try:
        d.start()
        yield d
    finally:
        d.stop()      # SIGTERM; removes its folder


@pytest.fixture
def tern_dv(tern_factory):
    t = tern_factory()
    t.add_account(dovecotlib.USER, dovecotlib.PASSWORD)
    t.start()
    return t


# ---- WITHIN (RFC 5032) ----

def within_answers(port):
    """OLDER/YOUNGER over messages of internal dates a year ago, a day
    ago and now; the interval keys and their bad forms"""
    import imapraw
    import time
    c = imapraw.Raw("127.0.0.1", port)
    c.login(dovecotlib.USER, dovecotlib.PASSWORD)
    now = time.time()
    for ago in (366 * 86400, 86400, 0):
        d = time.strftime("%d-%b-%Y %H:%M:%S +0000",
                          time.gmtime(now - ago)).encode()
        c.send_literal(b'APPEND INBOX "' + d + b'"', b"Subject: w\r\n\r\nx\r\n")
    c.ok(b"SELECT INBOX")
    out = []
    for q in (b"YOUNGER 3600", b"OLDER 3600", b"YOUNGER 172800",
              b"OLDER 172800", b"OLDER 40000000", b"YOUNGER 40000000",
              b"NOT YOUNGER 3600", b"OR OLDER 172800 YOUNGER 60",
              b"UID SEARCH YOUNGER 3600"):
        if q.startswith(b"UID "):
            out.append(c.ok(q))
        else:
            out.append(c.ok(b"SEARCH " + q))
    for q in (b"YOUNGER", b"OLDER x", b"YOUNGER -5", b"OLDER 1.5"):
        untagged, tagged = c.cmd(b"SEARCH " + q)
        out.append(tagged.split(b" ", 2)[1])
    c.close()
    return out


def test_within(tern_dv):
    c = login(tern_dv)
    assert b"WITHIN" in caps(c)
    c.close()
    got = within_answers(tern_dv.port("imap"))
    assert got[:9] == [[b"* SEARCH 3\r\n"], [b"* SEARCH 1 2\r\n"],
                       [b"* SEARCH 2 3\r\n"], [b"* SEARCH 1\r\n"],
                       [b"* SEARCH\r\n"], [b"* SEARCH 1 2 3\r\n"],
                       [b"* SEARCH 1 2\r\n"], [b"* SEARCH 1 3\r\n"],
                       [b"* SEARCH 3\r\n"]], got
    assert got[9:] == [b"BAD"] * 4, got


def test_within_as_dovecot(tern_dv, dovecot):
    assert within_answers(tern_dv.port("imap")) == \
        within_answers(dovecot.port)


# ---- PREVIEW (RFC 8970) ----

def preview(c, seq, lazy=False):
    import imapraw
    u = c.ok("FETCH %s (PREVIEW%s)" % (seq, " (LAZY)" if lazy else ""))
    assert len(u) == 1, u
    n, items = imapraw.fetch_items(u[0] + b"\r\n")
    v = items[b"PREVIEW"]
    if v == b"NIL":
        return None
    toks = imapraw.tokens(v)
    return toks[0][1].decode("utf-8")


def test_preview(tern):
    c = login(tern)
    assert b"PREVIEW" in caps(c)
    html = ("Content-Type: multipart/alternative; boundary=b\r\n\r\n"
            "--b\r\nContent-Type: text/html; charset=iso-8859-1\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
            "<html><head><style>p{}</style></head><body><p>Gr=FC=DF "
            "Gott,</p><p>the&nbsp;plan &amp; more</p></body></html>\r\n"
            "--b\r\nContent-Type: text/plain\r\n\r\nplain version\r\n"
            "--b--\r\n")
    long = "Subject: l\r\nContent-Type: text/plain; charset=utf-8\r\n" \
           "Content-Transfer-Encoding: base64\r\n\r\n"
    import base64
    long += base64.encodebytes(("\u00e9" * 300).encode()).decode() \
        .replace("\n", "\r\n")
    msgs = ["Subject: a\r\n\r\nHello   there\r\n\r\n> quoted\r\nworld\r\n",
            html,
            "Content-Type: image/png\r\n\r\nPNG\r\n",
            long,
            "Subject: empty\r\n\r\n"]
    for m in msgs:
        append(c, "INBOX", m)
    c.ok("SELECT INBOX")
    assert preview(c, 1) == "Hello there world"
    assert preview(c, 2) == "Gr\u00fc\u00df Gott, the plan & more"
    assert preview(c, 3) == ""
    assert preview(c, 4) == "\u00e9" * 256
    assert preview(c, 5) == ""
    # cached at delivery: LAZY has it too
    assert preview(c, 2, lazy=True) == preview(c, 2)
    # FETCH 1 PREVIEW (LAZY) with a lone item; with CONDSTORE modifiers
    r, u = c.cmd("FETCH 1 PREVIEW (LAZY)")
    assert r.startswith(b"OK") and b'PREVIEW "Hello there world"' in u[0]
    r, u = c.cmd("FETCH 1 PREVIEW (CHANGEDSINCE 1)")
    assert r.startswith(b"OK") and b"PREVIEW" in u[-1], (r, u)
    # PREVIEW does not set \Seen
    assert b"\\Seen" not in c.ok("FETCH 1 FLAGS")[0]
    for bad in ("FETCH 1 (PREVIEW (LAZY FAST))", "FETCH 1 (PREVIEW ())",
                "FETCH 1 PREVIEW (LAZY) (LAZY)"):
        r, _ = c.cmd(bad)
        assert r.startswith(b"BAD"), (bad, r)


def test_preview_of_an_older_store(tern):
    """blobs stored before PREVIEW have none stored: LAZY says NIL, a
    plain PREVIEW makes it from the message, and the store keeps it"""
    import os
    import sqlite3
    c = login(tern)
    append(c, "INBOX", "Subject: o\r\n\r\nold   text\r\n")
    c.close()
    tern.stop()
    db = sqlite3.connect(os.path.join(tern.data_dir, "tern.db"))
    db.execute("UPDATE blobs SET preview = NULL")
    db.commit()
    db.close()
    tern.start()
    c = login(tern)
    c.ok("SELECT INBOX")
    assert preview(c, 1, lazy=True) is None
    assert preview(c, 1) == "old text"
    # kept in the background: LAZY has it soon (and the row after a stop)
    import time
    deadline = time.monotonic() + 30
    while preview(c, 1, lazy=True) is None:
        assert time.monotonic() < deadline, "the preview was not kept"
        time.sleep(0.05)
    assert preview(c, 1, lazy=True) == "old text"
    c.close()
    tern.stop()
    db = sqlite3.connect(os.path.join(tern.data_dir, "tern.db"))
    assert db.execute("SELECT preview FROM blobs").fetchall() == \
        [("old text",)]
    db.close()


def _m(s):
    return s.replace("\n", "\r\n").encode("utf-8")


# messages where tern and Dovecot follow the same rules
PREVIEW_SAME = [
    _m("Subject: a\n\nHello   there\n\n  world\t!\n"),
    _m("Subject: q\n\nYes.\n\nOn Monday Bob wrote:\n> old text\n>> older\n"
       "Bye\n"),
    _m("Content-Type: text/html\n\n<html><head><style>p{color:red}</style>"
       "</head><body><p>Hello <b>bold</b> world</p><script>x()</script>"
       "<div>next&amp;last &lt;3</div><!-- c --> &#169; <br/>end</body>"
       "</html>\n"),
    b"Content-Type: text/plain; charset=iso-8859-1\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    b"Gr=FC=DFe aus K=F6ln=\r\n, sch=F6n\r\n",
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\n" +
    __import__("base64").encodebytes(("\u00e9t\u00e9 " * 100).encode())
    .replace(b"\n", b"\r\n"),
    _m("Content-Type: multipart/alternative; boundary=b\n\n--b\n"
       "Content-Type: text/plain\n\nplain first\n--b\n"
       "Content-Type: text/html\n\n<p>html</p>\n--b--\n"),
    _m("Content-Type: multipart/mixed; boundary=b\n\n--b\n"
       "Content-Type: image/png\n\nxx\n--b\nContent-Type: text/html\n\n"
       "<p>after image</p>\n--b--\n"),
    _m("Subject: long\n\n" + " ".join("word%d" % i for i in range(100)) +
       "\n"),
    _m("Subject: e\n\n"),
    _m("Content-Type: text/plain; charset=iso-2022-jp\n\n") +
    b"\x1b$B$3$s$K$A$O\x1b(B\r\n",
]

# Dovecot's previews are at most 200 characters, RFC 8970's limit (and
# tern's) is 256: tern's is cut to Dovecot's length before comparing
DOVECOT_PREVIEW_MAX = 200


def _previews(port, msgs):
    import mime_compare
    c = mime_compare.load(port, dovecotlib.USER, dovecotlib.PASSWORD, msgs)
    try:
        got = mime_compare.fetch_all(c, (b"PREVIEW",), total=len(msgs))
    finally:
        c.close()
    import imapraw
    out = []
    for n in range(1, len(msgs) + 1):
        v = got[n][b"PREVIEW"]
        out.append(None if v == b"NIL" else
                   imapraw.tokens(v)[0][1].decode("utf-8"))
    return out


def _single_text_plain(msg):
    """a one-part text/plain message in a transfer encoding both read
    (the corpus also holds parts whose choice differs on purpose: any
    text/* subtype, message/rfc822 content, blank first parts, and
    invalid Content-Types, which RFC 2045 5.2 makes text/plain)"""
    import email
    import email.policy
    hdr = msg.split(b"\r\n\r\n", 1)[0]
    m = email.message_from_bytes(hdr + b"\r\n\r\n",
                                 policy=email.policy.compat32)
    ct = m.get("Content-Type")
    cte = (m.get("Content-Transfer-Encoding") or "7bit").strip().lower()
    return ((ct is None or
             ct.split(";")[0].strip().lower() == "text/plain") and
            cte in ("7bit", "8bit", "binary", "quoted-printable",
                    "base64"))


def test_preview_as_dovecot(tern_dv, dovecot):
    import mime_corpus
    corpus = [m for m in mime_corpus.messages(300, seed=12, strict=True)
              if _single_text_plain(m)]
    assert len(corpus) > 30, len(corpus)
    msgs = PREVIEW_SAME + corpus
    ta = _previews(tern_dv.port("imap"), msgs)
    da = _previews(dovecot.port, msgs)
    diffs = []
    for n, (t, d) in enumerate(zip(ta, da)):
        if t is not None and len(t) > DOVECOT_PREVIEW_MAX:
            # cut where Dovecot cuts; it drops a space at the cut
            t = t[:DOVECOT_PREVIEW_MAX].rstrip(" ")
        if t != d:
            diffs.append((n, t, d, msgs[n][:300]))
    assert not diffs, "\n".join(map(repr, diffs[:5]))


# ---- UIDONLY (RFC 9586) ----

def test_uidonly(tern):
    c = login(tern)
    assert b"UIDONLY" in caps(c)
    for i in range(5):
        append(c, "INBOX", "Subject: u%d\r\n\r\nx\r\n" % i)
    c.ok("CREATE Other")
    c.ok("SELECT INBOX")
    c.ok("UID STORE 1 +FLAGS (\\Deleted)")
    c.ok("EXPUNGE")            # uids 2..5 left
    assert c.ok("ENABLE UIDONLY") == [b"* ENABLED UIDONLY"]
    # commands that take message numbers are refused
    for cmd in ("FETCH 1 (FLAGS)", "STORE 1 +FLAGS (\\Seen)",
                "SEARCH ALL", "COPY 1 Other", "MOVE 1 Other",
                "SORT (DATE) UTF-8 ALL", "THREAD REFERENCES UTF-8 ALL",
                "UID SEARCH 1:2", "UID SEARCH OR 1 UID 3",
                "UID SORT (DATE) UTF-8 NOT 2"):
        r, u = c.cmd(cmd)
        assert r.startswith(b"BAD [UIDREQUIRED]"), (cmd, r, u)
    # UID FETCH answers with UIDFETCH, the uid in front
    u = c.ok("UID FETCH 3:4 (FLAGS)")
    # (IMAP4rev1: this session is the one that sees them as \Recent)
    assert u == [b"* 3 UIDFETCH (FLAGS (\\Recent))",
                 b"* 4 UIDFETCH (FLAGS (\\Recent))"], u
    u = c.ok("UID FETCH 3 (UID RFC822.SIZE)")
    assert u == [b"* 3 UIDFETCH (UID 3 RFC822.SIZE 18)"], u
    u = c.ok("UID STORE 3 +FLAGS (\\Flagged)")
    assert u == [b"* 3 UIDFETCH (FLAGS (\\Flagged \\Recent))"], u
    assert c.ok("UID STORE 3 +FLAGS.SILENT (\\Seen)") == []
    # SEARCH answers are uids
    assert c.ok("UID SEARCH FLAGGED") == [b"* SEARCH 3"]
    assert c.ok("UID SEARCH UID 4:*") == [b"* SEARCH 4 5"]
    u = c.ok("UID SEARCH RETURN (ALL COUNT) ALL")
    assert len(u) == 1 and re.match(
        rb'\* ESEARCH \(TAG "t\d+"\) UID (ALL 2:5 COUNT 4|COUNT 4 ALL 2:5)$',
        u[0]), u
    # another session's changes: UIDFETCH and VANISHED, not FETCH and
    # EXPUNGE; EXISTS stays
    o = login(tern)
    o.ok("SELECT INBOX")
    o.ok("UID STORE 4 +FLAGS (\\Answered)")
    o.ok("UID STORE 2 +FLAGS (\\Deleted)")
    o.ok("EXPUNGE")
    append(o, "INBOX", "Subject: new\r\n\r\nx\r\n")
    u = c.ok("NOOP")
    assert b"* 4 UIDFETCH (FLAGS (\\Answered \\Recent))" in u, u
    assert b"* VANISHED 2" in u, u
    # (the new message is announced before uid 2 goes: 5, then 4)
    assert b"* 5 EXISTS" in u and \
        u.index(b"* 5 EXISTS") < u.index(b"* VANISHED 2"), u
    assert not [x for x in u if re.match(rb"\* \d+ (FETCH|EXPUNGE)", x)], u
    # EXPUNGE and UID MOVE report VANISHED
    c.ok("UID STORE 3 +FLAGS (\\Deleted)")
    u = c.ok("EXPUNGE")
    assert u == [b"* VANISHED 3", b"* 2 RECENT"], u
    r, u = c.cmd("UID MOVE 4 Other")
    assert r.startswith(b"OK"), r
    assert b"* VANISHED 4" in u and not [x for x in u if b"EXPUNGE" in x], u
    # a new SELECT sends no message numbers (no [UNSEEN n])
    u = c.ok("SELECT INBOX")
    assert not [x for x in u if b"UNSEEN" in x], u
