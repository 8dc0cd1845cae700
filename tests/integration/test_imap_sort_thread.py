"""SORT and THREAD details of RFC 5256 (issue 12): subjects compare with
i;ascii-casemap (folded to upper case, so "[" and "_" sort after the
letters), a group's sort key is its name, and THREAD=REFERENCES drops a
message's old parent link before linking it to its last reference
(step 1.C; no new link when it would make a loop). test_imap_dovecot.py
puts the same cases to Dovecot, which answers the same."""
import imapraw
from conftest import ALICE

# mailbox: the varying header line of each message
SORT_MAILBOXES = {
    "subj": ["Subject: apple", "Subject: [bracket]", "Subject: _under",
             "Subject: Zebra", "Subject: banana", "Subject: ^caret",
             "Subject: {brace}"],
    "to": ["To: Alpha Team: zz@x.test;", "To: mm@x.test",
           "To: Bravo <bb@x.test>", "To: undisclosed-recipients:;",
           "To: Yankee: ;, aa@x.test", "To: Zulu:;"],
}
SORTS = [
    ("subj", b"SORT (SUBJECT) UTF-8 ALL", b"* SORT 1 5 4 2 6 3 7"),
    ("subj", b"SORT (REVERSE SUBJECT) UTF-8 ALL", b"* SORT 7 3 6 2 4 5 1"),
    ("to", b"SORT (TO) UTF-8 ALL", b"* SORT 1 3 2 4 5 6"),
    ("to", b"SORT (DISPLAYTO) UTF-8 ALL", b"* SORT 1 3 2 4 5 6"),
]

# mailbox: (Message-ID, References, hour of its Date) of each message
THREAD_MAILBOXES = {
    # C's node is B's child (through A's references) when C arrives:
    # linking C under A would make a loop, so C keeps no parent
    "oldlink": [("<b@x>", "", 9), ("<a@x>", "<b@x> <c@x>", 10),
                ("<c@x>", "<a@x>", 11)],
    "oldlink2": [("<b@x>", "", 9), ("<a@x>", "<b@x> <c@x>", 10),
                 ("<c@x>", "<d@x> <a@x>", 11)],
    "mutual": [("<a@x>", "<b@x>", 10), ("<b@x>", "<a@x>", 11)],
    "three": [("<a@x>", "<c@x>", 10), ("<b@x>", "<a@x>", 11),
              ("<c@x>", "<b@x>", 12)],
    "self": [("<a@x>", "<a@x>", 10), ("<b@x>", "<a@x>", 11)],
    "reparent": [("<a@x>", "", 10), ("<c@x>", "<b@x>", 11),
                 ("<b@x>", "<c@x>", 12)],
}
THREADS = {
    "oldlink": b"* THREAD (1)(3 2)",
    "oldlink2": b"* THREAD (1)(3 2)",
    "mutual": b"* THREAD (2 1)",
    "three": b"* THREAD (3 1 2)",
    "self": b"* THREAD (1 2)",
    "reparent": b"* THREAD (1)(3 2)",
}


def load(port, user, pw):
    c = imapraw.Raw("127.0.0.1", port)
    c.login(user, pw)
    for name, lines in SORT_MAILBOXES.items():
        c.ok(b"CREATE " + name.encode())
        for i, h in enumerate(lines):
            c.append(name, ("From: f@x.test\r\n%s\r\n"
                            "Date: Mon, 1 Jan 2024 1%d:00:00 +0000\r\n"
                            "Message-ID: <%s%d@x.test>\r\n\r\nbody\r\n" %
                            (h, i, name, i)).encode())
    for name, msgs in THREAD_MAILBOXES.items():
        c.ok(b"CREATE " + name.encode())
        for i, (mid, refs, hour) in enumerate(msgs):
            h = ("From: f@x.test\r\nSubject: s%d %s\r\n"
                 "Date: Mon, 1 Jan 2024 %02d:00:00 +0000\r\nMessage-ID: %s\r\n" %
                 (i, name, hour, mid))
            if refs:
                h += "References: %s\r\n" % refs
            c.append(name, (h + "\r\nbody\r\n").encode())
    return c


def answer(c, mailbox, cmd):
    c.ok(b"SELECT " + mailbox.encode())
    untagged, tagged = c.cmd(cmd)
    assert tagged.split(b" ")[1] == b"OK", (cmd, tagged)
    return b" ".join(r.strip() for r in untagged
                     if r.startswith((b"* SORT", b"* THREAD")))


def check_all(port, user, pw):
    c = load(port, user, pw)
    try:
        for mailbox, cmd, want in SORTS:
            assert answer(c, mailbox, cmd) == want, (mailbox, cmd)
        for mailbox, want in THREADS.items():
            got = answer(c, mailbox, b"THREAD REFERENCES UTF-8 ALL")
            assert got == want, mailbox
    finally:
        c.close()


def test_sort_subject_ascii_casemap_and_group_keys(tern):
    c = load(tern.port("imap"), *ALICE)
    try:
        for mailbox, cmd, want in SORTS:
            assert answer(c, mailbox, cmd) == want, (mailbox, cmd)
    finally:
        c.close()


def test_thread_references_drops_old_link(tern):
    c = load(tern.port("imap"), *ALICE)
    try:
        for mailbox, want in THREADS.items():
            got = answer(c, mailbox, b"THREAD REFERENCES UTF-8 ALL")
            assert got == want, mailbox
    finally:
        c.close()
