"""tern import / tern export: Maildir(++) and mbox in, Maildir++ out.

Each test builds its sources on disk, imports them, and checks the result
through `tern export` (bytes, flags, keywords, internal dates, folders)
and, when this tern serves IMAP, through imaplib too.
"""
import imaplib
import os
import re
import subprocess

import pytest

from ternlib import TERN_BIN, Tern, sanitizer_reports

ALICE = ("alice@example.test", "alice-secret-pw")
BOB = ("bob@example.test", "bob-secret-pw")

LETTERS = {"D": "\\Draft", "F": "\\Flagged", "R": "\\Answered",
           "S": "\\Seen", "T": "\\Deleted"}
SUMMARY = re.compile(r"imported (\d+) messages into (\d+) mailboxes, (\d+) skipped")


def crlf(b):
    """What the store keeps: every bare LF made CRLF."""
    return re.sub(rb"(?<!\r)\n", b"\r\n", b)


@pytest.fixture
def t(tmp_path):
    d = tmp_path / "srv"
    d.mkdir()
    t = Tern(d)
    t.add_account(*ALICE)
    t.add_account(*BOB)
    yield t
    t.finish()


def put(path, data, mtime=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))


def summary(p):
    m = SUMMARY.search(p.stdout)
    assert m, (p.stdout, p.stderr)
    return tuple(int(x) for x in m.groups())


def read_export(root):
    """{mailbox: sorted [(bytes, flags, keywords, mtime, uid)]} of a tern
    export tree (Dovecot keyword letters resolved)."""
    out = {}
    for entry in sorted(os.listdir(root)):
        d = os.path.join(root, entry)
        if entry == "cur":
            d, name = root, "INBOX"
        elif entry.startswith(".") and os.path.isdir(d):
            name = entry[1:].replace(".", "/")
        else:
            continue
        kwfile = os.path.join(d, "dovecot-keywords")
        kwmap = {}
        if os.path.exists(kwfile):
            for line in open(kwfile):
                i, k = line.split()
                kwmap[chr(ord("a") + int(i))] = k
        msgs = []
        for f in os.listdir(os.path.join(d, "cur")):
            m = re.fullmatch(r"(\d+)\.(\d+)\.tern:2,([A-Za-z]*)", f)
            assert m, f
            path = os.path.join(d, "cur", f)
            info = m.group(3)
            assert info == "".join(sorted(info)), f   # ASCII order
            flags = {LETTERS[c] for c in info if c.isupper()}
            kws = {kwmap[c] for c in info if c.islower()}
            mtime = int(os.stat(path).st_mtime)
            assert mtime == int(m.group(1)), f
            msgs.append((open(path, "rb").read(), flags, kws, mtime,
                         int(m.group(2))))
        assert os.listdir(os.path.join(d, "tmp")) == []
        assert os.listdir(os.path.join(d, "new")) == []
        out[name] = sorted(msgs, key=lambda x: x[4])
    return out


def export(t, account, path):
    p = t.cli("export", account, str(path))
    assert re.search(r"exported \d+ messages from \d+ mailboxes, 0 failed",
                     p.stdout), p.stdout
    return read_export(str(path))


def imap_flags(t, user, mailbox):
    """[(bytes, flags)] by uid through IMAP, or None without IMAP here."""
    t.start()
    if not t.listening("imaps"):
        t.stop()
        return None
    try:
        c = imaplib.IMAP4_SSL("127.0.0.1", t.port("imaps"),
                              ssl_context=t.ssl_context())
        c.login(*user)
        typ, _ = c.select('"%s"' % mailbox, readonly=True)
        assert typ == "OK"
        typ, data = c.uid("FETCH", "1:*", "(FLAGS BODY.PEEK[])")
        assert typ == "OK"
        res = []
        for item in data:
            if not isinstance(item, tuple):
                continue
            flags = re.search(rb"FLAGS \(([^)]*)\)", item[0]).group(1)
            res.append((item[1], set(flags.decode().split())))
        c.logout()
        return res
    finally:
        t.stop()


# ----------------------------------------------------------------------
# Maildir


MAILDIR_MSGS = [
    # (folder, sub, name, bytes, mtime)
    ("", "cur", "1000000001.M1.host:2,S",
     b"From: a@example.org\nSubject: bare LF\n\nline 1\nline 2\n", 1000000001),
    ("", "cur", "1000000002.M2.host,S=60:2,FR",
     b"Subject: already CRLF\r\n\r\nbody\r\n", 1000000002),
    ("", "new", "1000000003.M3.host",
     b"Subject: new, unseen\n\nfresh\n", 1000000003),
    ("", "cur", "1000000004.M4.host:2,Sab",
     "Subject: =?utf-8?q?8bit?=\nContent-Type: text/plain; charset=utf-8\n"
     "Content-Transfer-Encoding: 8bit\n\nGrüße, 日本語".encode("utf-8")
     + b" \xff\x80\n", 1000000004),
    ("", "cur", "1000000005.M5.host:2,",
     b"Subject: no body\nFrom: b@example.org\n", 1000000005),
    (".Work", "cur", "1100000001.M6.host:2,T",
     b"Subject: deleted in Work\n\nx\n", 1100000001),
    (".Work.Projects", "cur", "1100000002.M7.host:2,DS",
     b"Subject: a draft\r\n\r\nmixed\nline ends\r\n", 1100000002),
    (".Entw&APw-rfe", "cur", "1100000003.M8.host:2,S",
     b"Subject: in a non-ASCII folder\n\n.\n", 1100000003),
]
MAILDIR_FLAGS = [{"\\Seen"}, {"\\Flagged", "\\Answered"}, set(),
                 {"\\Seen"}, set(), {"\\Deleted"}, {"\\Draft", "\\Seen"},
                 {"\\Seen"}]
MAILDIR_BOX = {"": "INBOX", ".Work": "Work", ".Work.Projects": "Work/Projects",
               ".Entw&APw-rfe": "Entwürfe"}


def make_maildir(root):
    for folder, sub, name, data, mtime in MAILDIR_MSGS:
        put(os.path.join(root, folder, sub, name), data, mtime)
    for folder in MAILDIR_BOX:
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(root, folder, sub), exist_ok=True)
    # a half-delivered file in tmp/ is not a message
    put(os.path.join(root, "tmp", "1.partial"), b"Subject: partial")
    put(os.path.join(root, "dovecot-keywords"), b"0 $Forwarded\n1 Work\n")


def test_maildir_import_export_roundtrip(t, tmp_path):
    src = tmp_path / "Maildir"
    make_maildir(str(src))
    p = t.cli("import", ALICE[0], str(src))
    assert summary(p) == (8, 4, 0), p.stdout + p.stderr

    got = export(t, ALICE[0], tmp_path / "out")
    for (folder, sub, name, data, mtime), flags in zip(MAILDIR_MSGS, MAILDIR_FLAGS):
        box = MAILDIR_BOX[folder]
        # Maildir++ on disk keeps the mUTF-7 name
        disk = "Entw&APw-rfe" if box == "Entwürfe" else box
        kws = {"$Forwarded", "Work"} if name.endswith("Sab") else set()
        assert (crlf(data), flags, kws, mtime) in \
            [m[:4] for m in got[disk]], (box, name)
    assert len(got["INBOX"]) == 5
    assert len(got["Work"]) == 1 and len(got["Work/Projects"]) == 1
    # the special-use mailboxes come out too, empty
    for box in ("Sent", "Drafts", "Trash", "Junk", "Archive"):
        assert got[box] == []
    # Maildir++ subfolders carry the marker file
    assert os.path.exists(tmp_path / "out" / ".Work" / "maildirfolder")
    assert not os.path.exists(tmp_path / "out" / "maildirfolder")

    # the export imports back into another account unchanged
    p = t.cli("import", BOB[0], str(tmp_path / "out"))
    assert summary(p)[0] == 8 and summary(p)[2] == 0
    again = export(t, BOB[0], tmp_path / "out2")
    assert again == got

    inbox = imap_flags(t, ALICE, "INBOX")
    if inbox is not None:
        want = [(crlf(m[3]), f) for m, f in
                zip(MAILDIR_MSGS, MAILDIR_FLAGS) if m[0] == ""]
        assert len(inbox) == len(want) == 5
        assert [b for b, _ in inbox] == [b for b, _ in want]
        for (_, fl), (_, wf) in zip(inbox, want):
            assert wf <= fl
        assert {"$Forwarded", "Work"} <= inbox[3][1]


def test_maildir_into_named_mailbox(t, tmp_path):
    src = tmp_path / "Maildir"
    make_maildir(str(src))
    p = t.cli("import", ALICE[0], str(src), "--mailbox", "Old/Mail")
    assert summary(p) == (8, 4, 0)
    got = export(t, ALICE[0], tmp_path / "out")
    assert got["INBOX"] == []
    assert len(got["Old/Mail"]) == 5
    assert len(got["Old/Mail/Work/Projects"]) == 1


# ----------------------------------------------------------------------
# mbox

LONG = b"x" * 150000                    # longer than import's read buffer
REFS = b" ".join(b"<%d@example.org>" % i for i in range(4500))  # 80 KB
MBOX = (
    # Status/X-Status/X-Keywords become flags and are not kept
    b"From alice@example.org Tue Jan  2 10:20:30 2024\n"
    b"Status: RO\n"
    b"X-Status: AF\n"
    b"X-Keywords: $Label1, Work\n"
    b"X-UID: 17\n"
    b"Content-Length: 999\n"
    b"Subject: first\n"
    b"\n"
    b">From the escaped line\n"
    b">>From a twice escaped line\n"
    b">Not from\n"
    b"From this line (no blank before, no date) is body text\n"
    b"\n"
    b"From bob@example.org Wed Jan  3 11:00:00 2024\n"
    b"X-UID: " + LONG + b"\n"
    b"References: " + REFS + b"\n"
    b"Subject: two blank lines at the end\n"
    b"\n"
    b"body\n"
    b"\n"
    b"\n"
    b"From MAILER-DAEMON Thu Jan  4 00:00:00 2024 +0100\n"
    b"Subject: no body\n"
    b"\n"
    b"From carol@example.org Fri Jan  5 12:00:00 2024\n"
    b"Content-Type: text/plain; charset=iso-8859-1\n"
    b"Subject: 8-bit\n"
    b"\n"
    b"caf\xe9 \xff\x80\n"
    + LONG + b"\n"
    b"\n"
    b"From dave@example.org this date is junk\n"
    b"Date: Sat, 06 Jan 2024 08:00:00 +0000\n"
    b"Status: R\n"
    b"X-Status: DT\n"
    b"Subject: last, CRLF, no final newline\r\n"
    b"\r\n"
    b"end"
)
MBOX_WANT = [
    (b"Subject: first\n\nFrom the escaped line\n>From a twice escaped line\n"
     b">Not from\nFrom this line (no blank before, no date) is body text\n",
     {"\\Seen", "\\Answered", "\\Flagged"}, {"$Label1", "Work"}, 1704190830),
    (b"References: " + REFS + b"\nSubject: two blank lines at the end\n"
     b"\nbody\n\n", set(), set(),
     1704279600),
    (b"Subject: no body\n", set(), set(), 1704322800),
    (b"Content-Type: text/plain; charset=iso-8859-1\nSubject: 8-bit\n\n"
     b"caf\xe9 \xff\x80\n" + LONG + b"\n", set(), set(), 1704456000),
    (b"Date: Sat, 06 Jan 2024 08:00:00 +0000\n"
     b"Subject: last, CRLF, no final newline\r\n\r\nend",
     {"\\Seen", "\\Deleted", "\\Draft"}, set(), 1704528000),
]


def test_mbox_import(t, tmp_path):
    put(str(tmp_path / "mbox"), MBOX)
    p = t.cli("import", ALICE[0], str(tmp_path / "mbox"))
    assert summary(p) == (5, 1, 0), p.stdout + p.stderr
    got = export(t, ALICE[0], tmp_path / "out")
    assert [m[:4] for m in got["INBOX"]] == \
        [(crlf(b), f, k, d) for b, f, k, d in MBOX_WANT]

    inbox = imap_flags(t, ALICE, "INBOX")
    if inbox is not None:
        assert len(inbox) == len(MBOX_WANT)
        assert [b for b, _ in inbox] == [crlf(w[0]) for w in MBOX_WANT]
        for (_, fl), w in zip(inbox, MBOX_WANT):
            assert w[1] | w[2] <= fl


def test_mbox_into_named_mailbox(t, tmp_path):
    put(str(tmp_path / "mbox"), MBOX)
    p = t.cli("import", ALICE[0], str(tmp_path / "mbox"),
              "--mailbox", "Archive/2024")
    assert summary(p) == (5, 1, 0)
    got = export(t, ALICE[0], tmp_path / "out")
    assert got["INBOX"] == []
    assert len(got["Archive/2024"]) == 5


def test_mbox_folder(t, tmp_path):
    """Thunderbird-style: one mbox per mailbox, Name.sbd/ for children,
    index files beside them."""
    d = tmp_path / "Mail"
    one = b"From x@y Mon Jan  1 00:00:00 2024\nSubject: %s\n\nhi\n\n"
    put(str(d / "Inbox"), one % b"in inbox")
    put(str(d / "Inbox.msf"), b"// <!-- <mdb:mork:z v=\"1.4\"/> -->")
    put(str(d / "Sent"), one % b"sent 1" + one % b"sent 2")
    put(str(d / "Lists.sbd" / "Python"), one % b"python list")
    put(str(d / "Lists"), b"")
    put(str(d / "Trash"), b"")
    put(str(d / "msgFilterRules.dat"), b"version=\"9\"\n")
    p = t.cli("import", ALICE[0], str(d))
    assert summary(p) == (4, 5, 0), p.stdout + p.stderr
    got = export(t, ALICE[0], tmp_path / "out")
    subjects = {box: [re.search(rb"Subject: (.*)\r", m[0]).group(1)
                      for m in msgs] for box, msgs in got.items()}
    assert subjects["INBOX"] == [b"in inbox"]
    assert subjects["Sent"] == [b"sent 1", b"sent 2"]
    assert subjects["Lists/Python"] == [b"python list"]
    assert subjects["Lists"] == [] and subjects["Trash"] == []


def test_folder_names_roundtrip(t, tmp_path):
    """'.' inside a level and non-ASCII names survive export and import."""
    d = tmp_path / "Mail"
    one = b"From x@y Mon Jan  1 00:00:00 2024\nSubject: %s\n\nhi\n"
    put(str(d / "v1.2"), one % b"dotted")
    put(os.path.join(str(d).encode(), "Entwürfe".encode()), one % b"umlaut")
    put(str(d / "100%"), one % b"percent")
    p = t.cli("import", ALICE[0], str(d))
    assert summary(p) == (3, 3, 0), p.stdout + p.stderr
    out = tmp_path / "out"
    got = export(t, ALICE[0], out)
    # Dovecot's Maildir++ spelling: mUTF-7, '.' and '%' escaped
    assert len(got["v1%2E2"]) == 1
    assert len(got["Entw&APw-rfe"]) == 1
    assert len(got["100%25"]) == 1
    p = t.cli("import", BOB[0], str(out))
    assert summary(p) == (3, 9, 0)
    assert export(t, BOB[0], tmp_path / "out2") == got
    boxes = imap_list(t, BOB)
    if boxes is not None:
        assert {"v1.2", "Entw&APw-rfe", "100%"} <= boxes


def imap_list(t, user):
    """mailbox names (as IMAP sends them) or None without IMAP here"""
    t.start()
    if not t.listening("imaps"):
        t.stop()
        return None
    try:
        c = imaplib.IMAP4_SSL("127.0.0.1", t.port("imaps"),
                              ssl_context=t.ssl_context())
        c.login(*user)
        typ, data = c.list()
        assert typ == "OK"
        c.logout()
        return {re.search(rb'"([^"]*)"$|(\S+)$', d).group(1 if d.endswith(b'"') else 2)
                .decode() for d in data}
    finally:
        t.stop()


def test_mbox_crlf(t, tmp_path):
    """An mbox written with CRLF line ends (Windows tools)."""
    mbox = (b"From a@b Mon Jan  1 00:00:00 2024\r\nStatus: R\r\nSubject: one\r\n"
            b"\r\n>From here\r\n\r\nFrom a@b Tue Jan  2 00:00:00 2024\r\n"
            b"Subject: two\r\n\r\nx\r\n\r\n")
    put(str(tmp_path / "mbox"), mbox)
    p = t.cli("import", ALICE[0], str(tmp_path / "mbox"))
    assert summary(p) == (2, 1, 0)
    got = export(t, ALICE[0], tmp_path / "out")
    assert [m[:2] for m in got["INBOX"]] == [
        (b"Subject: one\r\n\r\nFrom here\r\n", {"\\Seen"}),
        (b"Subject: two\r\n\r\nx\r\n", set())]


def test_mbox_streams(t, tmp_path):
    """A 60 MB mbox is read in pieces, never whole (RSS stays small)."""
    path = tmp_path / "big"
    body = (b"y" * 999 + b"\n") * 1000
    with open(path, "wb") as f:
        for i in range(60):
            f.write(b"From a@b Mon Jan  1 00:00:00 2024\nSubject: %d\n\n" % i)
            f.write(body + b"\n")
    # these 1 MB messages stay out of the full-text index: indexing one
    # holds it, its text and the text's fold in memory, and the index's
    # writes fill SQLite's writer page cache (32 MB): bounded, but not
    # what this test measures, which is that the import streams
    t.rewrite(extra="[store]\nfts_max_size = 512K\n")
    # measured from a small fresh process: a child forked from this big
    # pytest process would count pytest's pages in its peak RSS
    probe = ("import resource, subprocess, sys\n"
             "p = subprocess.run(sys.argv[1:], capture_output=True)\n"
             "sys.stderr.buffer.write(p.stderr)\n"
             "sys.stdout.buffer.write(p.stdout)\n"
             "print('maxrss', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
             "sys.exit(p.returncode)\n")
    # under ASan, freed memory sits in quarantine and would count as RSS
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=1"
    p = subprocess.run(["/usr/bin/python3", "-c", probe, TERN_BIN, "-c", t.conf,
                        "import", ALICE[0], str(path)],
                       capture_output=True, text=True, timeout=300, env=env)
    assert p.returncode == 0, p.stderr
    assert not sanitizer_reports(p.stderr), p.stderr
    assert "imported 60 messages into 1 mailboxes, 0 skipped" in p.stdout
    maxrss = int(p.stdout.split("maxrss ")[1])
    assert maxrss < 40 * 1024, maxrss   # KiB


# ----------------------------------------------------------------------
# errors


def test_quota_reported_per_message(t, tmp_path):
    put(str(tmp_path / "mbox"), MBOX)
    t.cli("account", "quota", ALICE[0], "0", "3")
    p = t.cli("import", ALICE[0], str(tmp_path / "mbox"), check=False)
    assert p.returncode == 1
    assert summary(p) == (3, 1, 2)
    assert len(re.findall(r"message \d \(line \d+\): quota exceeded",
                          p.stderr)) == 2, p.stderr


def test_too_big_message_skipped(t, tmp_path):
    with open(t.conf, "a") as f:
        f.write("\n[smtp]\nmax_message_size = 100K\n")
    put(str(tmp_path / "mbox"), MBOX)
    p = t.cli("import", ALICE[0], str(tmp_path / "mbox"), check=False)
    assert p.returncode == 1
    assert summary(p) == (4, 1, 1)
    assert "message 4 (line 25): message too big" in p.stderr


def test_bad_inputs(t, tmp_path):
    # missing path
    p = t.cli("import", ALICE[0], str(tmp_path / "nope"), check=False)
    assert p.returncode == 1 and "No such file or directory" in p.stderr
    # unknown account
    put(str(tmp_path / "mbox"), MBOX)
    p = t.cli("import", "nobody@example.test", str(tmp_path / "mbox"), check=False)
    assert p.returncode == 1 and "no such account" in p.stderr
    p = t.cli("export", "nobody@example.test", str(tmp_path / "x"), check=False)
    assert p.returncode == 1 and "no such account" in p.stderr
    assert not os.path.exists(tmp_path / "x")
    # empty mbox: nothing to do, not an error
    put(str(tmp_path / "empty"), b"")
    p = t.cli("import", ALICE[0], str(tmp_path / "empty"), check=False)
    assert p.returncode == 0 and "empty mbox" in p.stderr
    assert summary(p) == (0, 1, 0)
    # garbage
    put(str(tmp_path / "garbage"), os.urandom(5000).replace(b"F", b"G"))
    p = t.cli("import", ALICE[0], str(tmp_path / "garbage"), check=False)
    assert p.returncode == 1 and "not an mbox" in p.stderr
    # a folder with neither cur/new nor mbox files
    os.makedirs(tmp_path / "emptydir")
    p = t.cli("import", ALICE[0], str(tmp_path / "emptydir"), check=False)
    assert p.returncode == 1 and "neither a Maildir" in p.stderr
    # a Maildir with an empty message file
    put(str(tmp_path / "md" / "cur" / "1.x:2,S"), b"")
    put(str(tmp_path / "md" / "cur" / "2.x:2,S"), b"Subject: ok\n\n")
    p = t.cli("import", ALICE[0], str(tmp_path / "md"), check=False)
    assert p.returncode == 1 and summary(p) == (1, 1, 1)
    assert "1.x:2,S: empty message, skipped" in p.stderr
    # usage
    for args in (["import"], ["import", ALICE[0]], ["export", ALICE[0]],
                 ["import", ALICE[0], "a", "b"], ["import", ALICE[0], "a", "--mailbox"],
                 ["export", ALICE[0], "a", "--bogus"]):
        p = t.cli(*args, check=False)
        assert p.returncode == 2, args
        assert "usage: tern" in p.stderr
    # nothing was imported by the failed runs but the one good message
    assert t.cli("account", "list").stdout.count("messages=1 ") == 1


def test_export_refuses_non_empty(t, tmp_path):
    put(str(tmp_path / "mbox"), MBOX)
    t.cli("import", ALICE[0], str(tmp_path / "mbox"))
    out = tmp_path / "out"
    export(t, ALICE[0], out)
    p = t.cli("export", ALICE[0], str(out), check=False)
    assert p.returncode == 1 and "--force" in p.stderr
    p = t.cli("export", ALICE[0], str(out), "--force")
    assert read_export(str(out))["INBOX"][0][1] == MBOX_WANT[0][1]
    # a file is not a folder to export into
    put(str(tmp_path / "file"), b"x")
    p = t.cli("export", ALICE[0], str(tmp_path / "file"), check=False)
    assert p.returncode == 1 and "not a folder" in p.stderr
    # an existing empty folder is fine
    os.makedirs(tmp_path / "emptyout")
    export(t, ALICE[0], tmp_path / "emptyout")


DUPS = re.compile(r"(\d+) duplicates? already there")


def test_import_twice_skips_duplicates(t, tmp_path):
    """Running the same import again adds nothing: a message whose
    Message-ID (or, without one, Date, From and Subject) and size are
    already in the target mailbox is skipped, and the summary says so."""
    mbox = tmp_path / "mbox"
    put(str(mbox), MBOX.replace(b"Subject: first\n",
                                b"Message-ID: <first@example.org>\n"
                                b"Subject: first\n"))
    src = tmp_path / "Maildir"
    make_maildir(str(src))
    p = t.cli("import", ALICE[0], str(mbox))
    assert summary(p) == (5, 1, 0) and DUPS.search(p.stdout).group(1) == "0"
    p = t.cli("import", ALICE[0], str(mbox))
    assert summary(p) == (0, 1, 0) and p.returncode == 0
    assert DUPS.search(p.stdout).group(1) == "5", p.stdout
    p = t.cli("import", ALICE[0], str(src))
    assert summary(p) == (8, 4, 0), p.stdout + p.stderr
    p = t.cli("import", ALICE[0], str(src))
    assert summary(p) == (0, 4, 0) and DUPS.search(p.stdout).group(1) == "8"
    got = export(t, ALICE[0], tmp_path / "out")
    assert len(got["INBOX"]) == 5 + 5
    assert len(got["Work"]) == 1 and len(got["Work/Projects"]) == 1
    # another mailbox is another place: imported there
    p = t.cli("import", ALICE[0], str(mbox), "--mailbox", "Old")
    assert summary(p)[0] == 5
    # same Message-ID, other size: another message; same headers and
    # size without a Message-ID: the same one
    put(str(mbox), MBOX.replace(b"Subject: first\n",
                                b"Message-ID: <first@example.org>\n"
                                b"Subject: first\n").replace(
        b"Subject: no body\n", b"Subject: no body\nX-Extra: 1\n"))
    p = t.cli("import", ALICE[0], str(mbox))
    assert summary(p)[0] == 1 and DUPS.search(p.stdout).group(1) == "4"
    # a duplicate inside one source is only imported once
    twice = tmp_path / "twice"
    one = b"From x@y Mon Jan  1 00:00:00 2024\nMessage-ID: <dup@x>\n" \
          b"Subject: dup\n\nbody\n\n"
    put(str(twice), one + one)
    p = t.cli("import", BOB[0], str(twice))
    assert summary(p)[0] == 1 and DUPS.search(p.stdout).group(1) == "1"


def test_export_imported_back_adds_nothing(t, tmp_path):
    """Mail delivered by SMTP is served with its Return-Path and
    Delivered-To prefix, which an export writes: importing that export
    back into the same account finds every message already there."""
    import smtplib
    t.start()
    with smtplib.SMTP("127.0.0.1", t.port("smtp"), timeout=10) as s:
        for i in range(3):
            s.sendmail("x@remote.example", [ALICE[0]],
                       b"From: x@remote.example\r\nSubject: s%d\r\n"
                       b"Message-ID: <s%d@remote.example>\r\n\r\nhi\r\n"
                       % (i, i))
    assert t.stop() == 0
    t.cli("export", ALICE[0], str(tmp_path / "out"))
    p = t.cli("import", ALICE[0], str(tmp_path / "out"))
    assert summary(p)[0] == 0 and DUPS.search(p.stdout).group(1) == "3"
