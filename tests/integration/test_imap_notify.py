"""IMAP NOTIFY (RFC 5465): events of the selected mailbox and of other
mailboxes are told without a command, at any time between commands;
NOTIFY NONE, bad syntax, unsupported events, the mailbox limit, a
client that does not read (NOTIFICATIONOVERFLOW), and the same sequence
against Dovecot 2.3.19 (issue 12)."""
import re
import select
import socket
import time

import pytest

import dovecotlib
from conftest import ALICE, BOB
from relaylib import wait_for

DEADLINE = 30           # generous: every wait is for a condition


class Client:
    """A raw IMAP client that also sees what the server sends between
    commands (unsolicited lines)."""

    def __init__(self, port, rcvbuf=None):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.s.connect(("127.0.0.1", port))
        self.buf = b""
        self.n = 0
        self.pending = []       # lines read but not yet taken
        self.line()             # greeting

    def _read(self, timeout):
        r, _, _ = select.select([self.s], [], [], timeout)
        if not r:
            return False
        d = self.s.recv(1 << 16)
        if not d:
            raise AssertionError("connection closed")
        self.buf += d
        return True

    def line(self, timeout=DEADLINE):
        if self.pending:
            return self.pending.pop(0)
        end = time.monotonic() + timeout
        while b"\r\n" not in self.buf:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError("no line within %ds" % timeout)
            self._read(left)
        ln, self.buf = self.buf.split(b"\r\n", 1)
        return ln.decode("utf-8", "replace")

    def wait_for(self, pred, what):
        """unsolicited lines until one satisfies pred (all returned)"""
        seen = []
        end = time.monotonic() + DEADLINE
        while time.monotonic() < end:
            ln = self.line(max(0.1, end - time.monotonic()))
            seen.append(ln)
            if pred(ln):
                return seen
        raise AssertionError("never saw %s; saw %r" % (what, seen))

    def send(self, text):
        self.s.sendall(text.encode() + b"\r\n")

    def response(self):
        """one whole response, literals included, as bytes"""
        out = b""
        end = time.monotonic() + DEADLINE
        while True:
            while b"\r\n" not in self.buf:
                assert time.monotonic() < end, out + self.buf
                self._read(max(0.1, end - time.monotonic()))
            ln, self.buf = self.buf.split(b"\r\n", 1)
            out += ln + b"\r\n"
            m = re.search(rb"\{(\d+)\}$", ln)
            if not m:
                return out
            n = int(m.group(1))
            while len(self.buf) < n:
                assert time.monotonic() < end, out + self.buf
                self._read(max(0.1, end - time.monotonic()))
            out += self.buf[:n]
            self.buf = self.buf[n:]

    def responses_until(self, pred):
        """whole responses until one satisfies pred (all returned)"""
        seen = []
        while True:
            r = self.response()
            seen.append(r)
            if pred(r):
                return seen

    def cmd(self, text):
        """(untagged lines, tagged line)"""
        self.n += 1
        tag = "n%d" % self.n
        self.send("%s %s" % (tag, text))
        out = []
        while True:
            ln = self.line()
            if ln.startswith(tag + " "):
                return out, ln
            out.append(ln)

    def ok(self, text):
        out, tagged = self.cmd(text)
        assert tagged.split(" ")[1] == "OK", (text, tagged)
        return out

    def append(self, mailbox, body=b"Subject: hi\r\n\r\nhello\r\n", flags=""):
        self.n += 1
        tag = "n%d" % self.n
        self.s.sendall(("%s APPEND %s %s{%d+}\r\n"
                        % (tag, mailbox, flags and flags + " ", len(body)))
                       .encode() + body + b"\r\n")
        out = []
        while True:
            ln = self.line()
            if ln.startswith(tag + " "):
                assert ln.split(" ")[1] == "OK", ln
                return out
            out.append(ln)

    def login(self, user, pw):
        self.ok('LOGIN "%s" "%s"' % (user, pw))

    def close(self):
        self.s.close()


def pair(port, user=ALICE):
    a, b = Client(port), Client(port)
    for c in (a, b):
        c.login(*user)
    return a, b


def uidvalidity(c, mailbox):
    out = c.ok('STATUS "%s" (UIDVALIDITY)' % mailbox)
    return int(re.search(r"UIDVALIDITY (\d+)", out[0]).group(1))


def untagged_before_ok(c, cmd="NOOP"):
    """what a command's reply carries: the lines NOTIFY would have sent
    earlier are flushed before it (the loop serves a flush before the
    next command: lib/turn.c)"""
    out, tagged = c.cmd(cmd)
    assert " OK " in tagged, tagged
    return out


@pytest.fixture
def srv(tern):
    return tern.port("imap")


def test_capability_advertises_notify(srv):
    a = Client(srv)
    a.login(*ALICE)
    caps = " ".join(a.ok("CAPABILITY"))
    assert " NOTIFY" in caps


def test_message_new_and_expunge_in_other_mailbox_unsolicited(srv):
    a, b = pair(srv)
    b.ok("CREATE Other")
    a.ok("NOTIFY SET (PERSONAL (MessageNew MessageExpunge))")
    b.append("Other")
    # no command from a: the STATUS comes by itself
    seen = a.wait_for(lambda l: l.startswith("* STATUS"), "STATUS")
    assert seen[-1] == \
        '* STATUS "Other" (MESSAGES 1 UIDNEXT 2 UIDVALIDITY %d UNSEEN 1)' % \
        uidvalidity(b, "Other")
    b.ok("SELECT Other")
    b.ok("STORE 1 +FLAGS (\\Deleted)")
    b.ok("EXPUNGE")
    seen = a.wait_for(lambda l: l.startswith("* STATUS"), "STATUS")
    assert seen[-1] == \
        '* STATUS "Other" (MESSAGES 0 UIDNEXT 2 UNSEEN 0)'


def test_flag_change_only_when_asked(srv):
    a, b = pair(srv)
    b.ok("CREATE Other")
    b.append("Other")
    b.ok("SELECT Other")
    a.ok("ENABLE CONDSTORE")
    a.ok("NOTIFY SET (PERSONAL (MessageNew MessageExpunge FlagChange))")
    b.ok("STORE 1 +FLAGS (\\Seen)")
    seen = a.wait_for(lambda l: l.startswith("* STATUS"), "STATUS")
    assert re.fullmatch(r"\* STATUS \"Other\" \(UNSEEN 0 HIGHESTMODSEQ \d+\)",
                        seen[-1]), seen
    # without FlagChange a flag change tells nothing
    a.ok("NOTIFY SET (PERSONAL (MessageNew MessageExpunge))")
    b.ok("STORE 1 -FLAGS (\\Seen)")
    assert not [l for l in untagged_before_ok(a) if "STATUS" in l]
    # but a new message does
    b.append("Other")
    assert [l for l in untagged_before_ok(a)
            if l.startswith('* STATUS "Other" (MESSAGES 2')]


def test_selected_mailbox_new_flags_expunge_between_commands(srv):
    a, b = pair(srv)
    a.ok("SELECT INBOX")
    a.ok("NOTIFY SET (SELECTED (MessageNew (UID FLAGS) MessageExpunge "
         "FlagChange))")
    b.append("INBOX")
    seen = a.wait_for(lambda l: "FETCH" in l, "FETCH of the new message")
    # IMAP4rev1: the first session told of it has it \Recent
    assert seen[-3:] == ["* 1 EXISTS", "* 1 RECENT",
                         "* 1 FETCH (UID 1 FLAGS (\\Recent))"]
    b.ok("SELECT INBOX")
    b.ok("STORE 1 +FLAGS (\\Flagged)")
    seen = a.wait_for(lambda l: "FETCH" in l, "FETCH of the flags")
    assert seen[-1] == "* 1 FETCH (UID 1 FLAGS (\\Flagged \\Recent))"
    b.ok("STORE 1 +FLAGS (\\Deleted)")
    b.ok("EXPUNGE")
    a.wait_for(lambda l: l == "* 1 EXPUNGE", "EXPUNGE")
    # a new message's keywords: FLAGS first, then its FETCH shows them
    b.append("INBOX", flags="(\\Seen $Work)")
    seen = a.wait_for(lambda l: "FETCH" in l, "FETCH of the new message")
    # (not \\Recent: b, with INBOX selected, was told of it first)
    assert seen[-1] == "* 1 FETCH (UID 2 FLAGS (\\Seen $Work))", seen
    assert [l for l in seen if l.startswith("* FLAGS") and "$Work" in l]


def test_selected_delayed_holds_expunge_until_a_command(srv):
    a, b = pair(srv)
    b.ok("CREATE Other")
    b.append("INBOX")
    a.ok("SELECT INBOX")
    a.ok("NOTIFY SET (SELECTED-DELAYED (MessageNew MessageExpunge)) "
         "(MAILBOXES Other (MessageNew MessageExpunge))")
    b.ok("SELECT INBOX")
    b.ok("STORE 1 +FLAGS (\\Deleted)")
    b.ok("EXPUNGE")
    # Other's STATUS comes after the expunge was committed: by then an
    # EXPUNGE would have been sent, had it not been held
    b.append("Other")
    seen = a.wait_for(lambda l: l.startswith("* STATUS"), "STATUS")
    assert "* 1 EXPUNGE" not in seen, seen
    assert "* 1 EXPUNGE" in untagged_before_ok(a)


def test_notify_during_idle(srv):
    a, b = pair(srv)
    b.ok("CREATE Other")
    a.ok("NOTIFY SET (PERSONAL (MessageNew MessageExpunge MailboxName))")
    a.send("i1 IDLE")
    assert a.line().startswith("+ ")
    b.append("Other")
    a.wait_for(lambda l: l.startswith('* STATUS "Other" (MESSAGES 1'),
               "STATUS in IDLE")
    b.ok("CREATE Third")
    a.wait_for(lambda l: l == '* LIST () "/" "Third"', "LIST in IDLE")
    a.send("DONE")
    assert a.line().startswith("i1 OK")


def test_mailbox_name_and_subscription_change(srv):
    a, b = pair(srv)
    a.ok("NOTIFY SET (PERSONAL (MailboxName SubscriptionChange))")
    b.ok("CREATE New1")
    assert a.wait_for(lambda l: "LIST" in l, "LIST")[-1] == \
        '* LIST () "/" "New1"'
    b.ok("RENAME New1 New2")
    assert a.wait_for(lambda l: "LIST" in l, "LIST")[-1] == \
        '* LIST () "/" "New2" ("OLDNAME" ("New1"))'
    b.ok("SUBSCRIBE New2")
    assert a.wait_for(lambda l: "LIST" in l, "LIST")[-1] == \
        '* LIST (\\Subscribed) "/" "New2"'
    b.ok("UNSUBSCRIBE New2")
    assert a.wait_for(lambda l: "LIST" in l, "LIST")[-1] == \
        '* LIST () "/" "New2"'
    b.ok("DELETE New2")
    assert a.wait_for(lambda l: "LIST" in l, "LIST")[-1] == \
        '* LIST (\\NonExistent) "/" "New2"'


def test_mailboxes_filter_and_subtree(srv):
    a, b = pair(srv)
    for m in ("Work", "Work/A", "Home"):
        b.ok("CREATE " + m)
    a.ok("NOTIFY SET (SUBTREE Work (MessageNew MessageExpunge)) "
         "(MAILBOXES (Home) (MailboxName))")
    b.append("Home")            # Home: only names
    b.append("Work/A")
    seen = a.wait_for(lambda l: l.startswith("* STATUS"), "STATUS")
    assert seen[-1] == \
        '* STATUS "Work/A" (MESSAGES 1 UIDNEXT 2 UIDVALIDITY %d UNSEEN 1)' % \
        uidvalidity(b, "Work/A")
    assert not [l for l in seen if "Home" in l]
    b.ok("RENAME Home Home2")
    assert a.wait_for(lambda l: "LIST" in l, "LIST")[-1] == \
        '* LIST () "/" "Home2" ("OLDNAME" ("Home"))'


def test_status_indicator_and_new_mailbox_is_watched(srv):
    a, b = pair(srv)
    b.ok("CREATE Other")
    b.append("Other")
    out = a.ok("NOTIFY SET STATUS (PERSONAL (MessageNew MessageExpunge))")
    # every mailbox (INBOX, the special-use ones made with the account,
    # Other) but the selected one (none here)
    names = [l.split(" ")[2] for l in a.ok("LIST \"\" *")]
    st = [l for l in out if l.startswith("* STATUS")]
    assert len(st) == len(names), (out, names)
    assert [l for l in st if re.fullmatch(
        r"\* STATUS \"Other\" \(MESSAGES 1 UIDNEXT 2 UIDVALIDITY \d+ "
        r"UNSEEN 1\)", l)], st
    # a mailbox made after NOTIFY SET is watched too
    b.ok("CREATE Later")
    b.append("Later")
    seen = a.wait_for(lambda l: l.startswith("* STATUS"), "STATUS")
    assert seen[-1] == \
        '* STATUS "Later" (MESSAGES 1 UIDNEXT 2 UIDVALIDITY %d UNSEEN 1)' % \
        uidvalidity(b, "Later")


def test_new_mailbox_filled_before_the_list_is_read(srv):
    """CREATE and APPEND sent together: the watcher's read of the list
    may already see the message; it is still told as new"""
    a, b = pair(srv)
    a.ok("NOTIFY SET (PERSONAL (MessageNew MessageExpunge))")
    body = b"Subject: hi\r\n\r\nhello\r\n"
    for i in range(8):
        name = "Fast%d" % i
        b.s.sendall(("c%d CREATE %s\r\na%d APPEND %s {%d+}\r\n"
                     % (i, name, i, name, len(body))).encode()
                    + body + b"\r\n")
        b.wait_for(lambda l: l.startswith("a%d " % i), "APPEND reply")
        seen = a.wait_for(lambda l: l.startswith("* STATUS"), "STATUS")
        assert re.fullmatch(r'\* STATUS "%s" \(MESSAGES 1 UIDNEXT 2 '
                            r'UIDVALIDITY \d+ UNSEEN 1\)' % name,
                            seen[-1]), seen


def test_notify_none_stops_notifications(srv):
    a, b = pair(srv)
    b.ok("CREATE Other")
    a.ok("NOTIFY SET (PERSONAL (MessageNew MessageExpunge))")
    b.append("Other")
    a.wait_for(lambda l: l.startswith("* STATUS"), "STATUS")
    a.ok("NOTIFY NONE")
    b.append("Other")
    b.ok("CREATE Another")
    assert untagged_before_ok(a) == []


@pytest.mark.parametrize("cmd", [
    "NOTIFY",
    "NOTIFY SET ()",
    "NOTIFY FOO",
    "NOTIFY SET (PERSONAL)",
    "NOTIFY SET (NOWHERE (MessageNew MessageExpunge))",
    "NOTIFY SET (PERSONAL (MessageNew))",           # RFC 5465 5: both
    "NOTIFY SET (PERSONAL (FlagChange))",           # needs both
    "NOTIFY SET (SELECTED (MailboxName))",          # 6.1: message events
    "NOTIFY SET (INBOXES (MessageNew (UID) MessageExpunge))",
    "NOTIFY SET (SELECTED (MessageNew (FOO) MessageExpunge))",
    "NOTIFY SET (SELECTED (MessageNew (UID BODY[HEADER.FIELDS]) "
    "MessageExpunge))",
    "NOTIFY SET (SELECTED (MessageNew () MessageExpunge))",
    "NOTIFY SET (MAILBOXES () (MessageNew MessageExpunge))",
])
def test_bad_syntax_is_bad(tern, srv, cmd):
    a = Client(srv)
    a.login(*ALICE)
    _, tagged = a.cmd(cmd)
    assert tagged.split(" ")[1] == "BAD", tagged
    a.ok("NOOP")


@pytest.mark.parametrize("event", ["AnnotationChange", "SomethingNew"])
def test_unsupported_event_is_no_badevent(tern, srv, event):
    a, b = pair(srv)
    b.ok("CREATE Other")
    a.ok("NOTIFY SET (PERSONAL (MessageNew MessageExpunge))")
    _, tagged = a.cmd("NOTIFY SET (PERSONAL (MessageNew MessageExpunge %s))"
                      % event)
    # RFC 5465 3.1: NO, and BADEVENT lists the events we support
    assert tagged.split(" ", 2)[1:] == [
        "NO", "[BADEVENT (MessageNew MessageExpunge FlagChange MailboxName "
        "SubscriptionChange MailboxMetadataChange ServerMetadataChange)] "
        "Unsupported NOTIFY event"], tagged
    assert "imap notify refused: unsupported event" in tern.log()
    # the set in effect stays
    b.append("Other")
    a.wait_for(lambda l: l.startswith('* STATUS "Other"'), "STATUS")


def test_sets_replaced_and_sessions_gone_while_lists_are_read(srv):
    """NOTIFY SET, NONE and SET again pipelined, sessions that leave
    with a list read in flight, while another renames mailboxes: every
    read finds its set gone or replaced (the sanitizer build checks)"""
    b = Client(srv)
    b.login(*ALICE)
    for i in range(20):
        b.ok("CREATE M%d" % i)
    clients = []
    for i in range(20):
        c = Client(srv)
        c.login(*ALICE)
        c.s.sendall(b"x1 NOTIFY SET (PERSONAL (MailboxName MessageNew "
                    b"MessageExpunge))\r\nx2 NOTIFY NONE\r\n"
                    b"x3 NOTIFY SET STATUS (PERSONAL (MailboxName))\r\n")
        b.ok("RENAME M%d N%d" % (i, i))
        clients.append(c)
    for i, c in enumerate(clients):
        if i % 2:
            c.close()           # gone, maybe with a read in flight
        else:
            c.wait_for(lambda l: l.startswith("x3 "), "the last SET")
    b.ok("CREATE Last")
    for c in clients[::2]:
        c.wait_for(lambda l: l == '* LIST () "/" "Last"', "LIST")
        c.ok("NOOP")


def test_too_many_mailboxes(tern_factory):
    t = tern_factory(extra="[imap]\nmax_notify_mailboxes = 3\n")
    t.add_account(*ALICE)
    t.start()
    a = Client(t.port("imap"))
    a.login(*ALICE)
    a.ok("NOTIFY SET (MAILBOXES (a b c) (MessageNew MessageExpunge))")
    _, tagged = a.cmd("NOTIFY SET (MAILBOXES (a b c d) "
                      "(MessageNew MessageExpunge))")
    assert tagged.split(" ", 3)[1:3] == ["NO", "[LIMIT]"], tagged
    _, tagged = a.cmd("NOTIFY SET (INBOXES (MessageNew MessageExpunge)) "
                      "(SUBTREE (x y) (MailboxName)) (PERSONAL (MailboxName))")
    assert tagged.split(" ", 3)[1:3] == ["NO", "[LIMIT]"], tagged
    assert "imap notify refused: over imap.max_notify_mailboxes=3" in t.log()
    a.ok("NOOP")


def test_client_that_does_not_read_overflows(tern_factory):
    t = tern_factory(extra="[server]\noutput_high_water = 64K\n")
    t.add_account(*ALICE)
    t.start()
    port = t.port("imap")
    slow = Client(port, rcvbuf=4096)
    slow.login(*ALICE)
    b = Client(port)
    b.login(*ALICE)
    # 2048 messages: APPEND one, then COPY doubles them
    b.append("INBOX")
    b.ok("SELECT INBOX")
    for _ in range(11):
        b.ok("COPY 1:* INBOX")
    slow.ok("SELECT INBOX")
    slow.ok("NOTIFY SET (SELECTED (MessageNew (UID FLAGS) MessageExpunge "
            "FlagChange))")
    # slow reads nothing from here on; each STORE tells it 2048 FETCHes
    overflowed = False
    for i in range(200):
        b.ok("STORE 1:* %sFLAGS (\\Flagged)" % ("+" if i % 2 == 0 else "-"))
        if "imap notify overflow" in t.log():
            overflowed = True
            break
    assert overflowed, "the server kept queueing notifications"
    # the server is healthy: others are served
    c = Client(port)
    c.login(*ALICE)
    c.ok("SELECT INBOX")
    c.ok("NOOP")
    # more changes queue nothing for slow any more
    for i in range(4):
        b.ok("STORE 1:* %sFLAGS (\\Flagged)" % ("+" if i % 2 == 0 else "-"))
    assert t.log().count("imap notify overflow") == 1
    # slow reads at last: the overflow was said, and the session works
    slow.wait_for(lambda l: "[NOTIFICATIONOVERFLOW]" in l, "overflow")
    slow.ok("NOOP")


# --- the same sequence against Dovecot 2.3.19 ---

def run_sequence(port, user, pw):
    """NOTIFY SET for INBOXES + SELECTED + PERSONAL names, then deliver
    (APPEND from a second connection), flag change, create, rename,
    delete, (un)subscribe; returns what the first connection was told
    after each step (waiting for it, never for a fixed time)"""
    a, b = Client(port), Client(port)
    for c in (a, b):
        c.login(user, pw)
    b.ok("CREATE Other")
    b.ok("SUBSCRIBE Other")
    a.ok("ENABLE CONDSTORE")
    a.ok("SELECT INBOX")
    a.ok("NOTIFY SET (SELECTED (MessageNew (UID FLAGS) MessageExpunge "
         "FlagChange)) (INBOXES (MessageNew MessageExpunge FlagChange)) "
         "(PERSONAL (MessageNew MessageExpunge FlagChange MailboxName "
         "SubscriptionChange))")
    told = []

    def step(action, until):
        action()
        # a NOOP after the event: what was told unsolicited, or is told
        # with the reply, counts the same (Dovecot sends the selected
        # mailbox's changes only with a command or in IDLE)
        seen = a.wait_for(until, "notification") if until else []
        seen += untagged_before_ok(a)
        told.append(seen)

    step(lambda: b.append("INBOX"), None)
    step(lambda: b.append("Other"), lambda l: "STATUS" in l)
    step(lambda: (b.ok("SELECT Other"), b.ok("STORE 1 +FLAGS (\\Seen)")),
         lambda l: "STATUS" in l)
    step(lambda: (b.ok("SELECT INBOX"), b.ok("STORE 1 +FLAGS (\\Flagged)")),
         None)
    step(lambda: b.ok("CREATE New1"), lambda l: "LIST" in l)
    step(lambda: b.ok("RENAME New1 New2"), lambda l: "LIST" in l)
    step(lambda: b.ok("DELETE New2"), lambda l: "LIST" in l)
    step(lambda: b.ok("UNSUBSCRIBE Other"), lambda l: "LIST" in l)
    step(lambda: b.ok("SUBSCRIBE Other"), lambda l: "LIST" in l)
    step(lambda: (b.ok("STORE 1 +FLAGS (\\Deleted)"), b.ok("EXPUNGE")),
         None)
    step(lambda: (b.ok("SELECT Other"), b.ok("STORE 1 +FLAGS (\\Deleted)"),
                  b.ok("EXPUNGE")), lambda l: "MESSAGES 0" in l)
    a.close()
    b.close()
    return told


def normalise(lines):
    out = []
    # Dovecot looks when a command ends, tern tells each commit as it
    # comes (RFC 5465 5: any time): of a flag change followed by an
    # expunge in the same step Dovecot sees only the expunge. So keep
    # the last STATUS of a mailbox in a step, and no FETCH of a message
    # the step expunges (single-message steps: seq 1)
    last = {}
    for i, ln in enumerate(lines):
        if ln.startswith("* STATUS "):
            last[ln.split(" (")[0]] = i
    expunged = "* 1 EXPUNGE" in lines
    lines = [ln for i, ln in enumerate(lines)
             if not (ln.startswith("* STATUS ") and
                     last[ln.split(" (")[0]] != i)
             and not (expunged and ln.startswith("* 1 FETCH"))]
    for ln in lines:
        # the hierarchy separator is the server's choice (tern "/",
        # Dovecot's maildir "."); the names here have no level
        ln = ln.replace(' "." ', ' "/" ')
        # a name is an astring: quoted or atom as the server likes
        ln = re.sub(r'"([A-Za-z0-9]+)"', r"\1", ln)
        # MODSEQ values count each server's own history of changes
        ln = re.sub(r"(HIGHESTMODSEQ|MODSEQ) \(?\d+\)?", r"\1 n", ln)
        m = re.fullmatch(r"\* (\d+) FETCH \((.*)\)", ln)
        if m:
            # FETCH items come in any order (RFC 9051 7.5.2), and tern
            # adds the UID to every unsolicited FETCH (RFC 9051 7.5.2
            # allows more items than asked; it spares a client a lookup)
            items = re.findall(r"([A-Z0-9.]+) (\([^)]*\)|\S+)", m.group(2))
            ln = "* %s FETCH (%s)" % (m.group(1), " ".join(
                sorted("%s %s" % kv for kv in items if kv[0] != "UID")))
        # UIDVALIDITY is each server's own
        ln = re.sub(r"UIDVALIDITY \d+", "UIDVALIDITY n", ln)
        out.append(ln)
    return out


@pytest.mark.skipif(not dovecotlib.available(),
                    reason="dovecot-imapd is not installed "
                           "(scripts/install-deps.sh installs it)")
def test_same_notifications_as_dovecot(tern_factory):
    t = tern_factory()
    t.add_account(dovecotlib.USER, dovecotlib.PASSWORD)
    t.start()
    d = dovecotlib.Dovecot()
    try:
        d.start()
        theirs = run_sequence(d.port, dovecotlib.USER, dovecotlib.PASSWORD)
    finally:
        d.stop()
    ours = run_sequence(t.port("imap"), dovecotlib.USER, dovecotlib.PASSWORD)
    diffs = []
    for i, (x, y) in enumerate(zip(ours, theirs)):
        if normalise(x) != normalise(y):
            diffs.append("step %d:\n tern    %r\n dovecot %r" % (i, x, y))
    print("tern    %r\ndovecot %r" % (ours, theirs))
    assert len(ours) == len(theirs)
    assert not diffs, "\n".join(diffs)


def test_unauthenticate_ends_notify(srv):
    """UNAUTHENTICATE (RFC 8437) drops the session's NOTIFY set: the
    next user of the connection hears nothing of the old account"""
    a, b = pair(srv)
    b.ok("CREATE Other")
    a.ok("NOTIFY SET (PERSONAL (MessageNew MessageExpunge MailboxName))")
    a.ok("UNAUTHENTICATE")
    a.login(*BOB)
    watcher = Client(srv)
    watcher.login(*ALICE)
    watcher.ok("NOTIFY SET (PERSONAL (MessageNew MessageExpunge "
               "MailboxName))")
    b.append("Other")
    b.ok("CREATE Another")
    # the events have been dispatched once another session was told
    watcher.wait_for(lambda l: l.startswith('* STATUS "Other"'), "STATUS")
    watcher.wait_for(lambda l: l.endswith('"Another"'), "LIST Another")
    assert untagged_before_ok(a) == []
    # a stale set would answer later, from a mailbox-list read on the
    # pool: a quiet second proves the absence (the old code sent LISTs)
    a._read(1.0)
    assert a.buf == b"", a.buf


def test_uidonly_new_message_is_uidfetch(srv):
    """with UIDONLY (RFC 9586) enabled, NOTIFY's FETCH of a new message
    carries no message number either: `* uid UIDFETCH`"""
    a, b = pair(srv)
    b.append("INBOX")
    b.append("INBOX")
    a.ok("ENABLE UIDONLY")
    a.ok("SELECT INBOX")
    a.ok("NOTIFY SET (SELECTED (MessageNew (UID FLAGS) MessageExpunge))")
    b.append("INBOX")
    seen = a.wait_for(lambda l: "FETCH" in l, "FETCH of the new message")
    assert seen[-1].startswith("* 3 UIDFETCH ("), seen


MAIL = (b"From: Carol <carol@example.org>\r\nTo: alice@example.org\r\n"
        b"Subject: news of the day\r\nMessage-ID: <n1@example.org>\r\n"
        b"Date: Thu, 3 Dec 2026 14:00:00 +0000\r\n\r\nthe body\r\n")
ITEMS = "UID BODY.PEEK[HEADER.FIELDS (Subject From)] ENVELOPE RFC822.SIZE"


def notify_fetch(a, b, items, plain_items):
    """the FETCH NOTIFY sends for a new message, and a plain UID FETCH
    of plain_items for it, as bytes"""
    a.ok("SELECT INBOX")
    a.ok("NOTIFY SET (SELECTED (MessageNew (%s) MessageExpunge))" % items)
    b.append("INBOX", body=MAIL)
    seen = a.responses_until(lambda r: b"FETCH" in r)
    exists = [r for r in seen if r.endswith(b" EXISTS\r\n")]
    # after the EXISTS that numbers it
    assert exists and seen.index(exists[-1]) < len(seen) - 1, seen
    uid = int(re.search(rb"UID (\d+)", seen[-1]).group(1))
    a.n += 1
    a.send("n%d UID FETCH %d (%s)" % (a.n, uid, plain_items))
    plain = a.responses_until(lambda r: r.startswith(b"n%d " % a.n))
    assert plain[-1].split(b" ")[1] == b"OK", plain
    return seen[-1], plain[0]


def test_message_new_fetch_attributes_as_fetch_answers(srv):
    """RFC 5465 5.2: any fetch-att; the answer is the FETCH engine's"""
    a, b = pair(srv)
    told, plain = notify_fetch(a, b, ITEMS, ITEMS)
    assert b"ENVELOPE (" in told and b"RFC822.SIZE %d" % len(MAIL) in told
    assert b"Subject: news of the day" in told, told
    assert told == plain, (told, plain)


def test_message_new_body_without_peek_sets_no_seen(srv):
    """a notification is no FETCH by the client: BODY[] is answered as
    BODY.PEEK[] would be, and the message stays unseen"""
    a, b = pair(srv)
    told, plain = notify_fetch(a, b, "UID BODY[]", "UID BODY.PEEK[]")
    assert told == plain, (told, plain)
    assert b"the body" in told
    out = a.ok("FETCH 1:* (FLAGS)")
    assert out and all("\\Seen" not in l for l in out), out


def test_shared_mailbox_watched_while_readable(srv):
    """a mailbox another user shares is watched like the user's own when
    a NOTIFY SET names it (RFC 5465 6: mailboxes/subtree/subscribed),
    never by "personal" (RFC 5465: the personal namespace), and only
    while the read right lasts (STATUS needs r, RFC 4314 4)"""
    shared = "shared/%s/Team" % ALICE[0]
    a = Client(srv)
    a.login(*ALICE)
    a.ok("CREATE Team")
    a.ok("SETACL Team %s lr" % BOB[0])
    b = Client(srv)
    b.login(*BOB)
    b.ok('NOTIFY SET (MAILBOXES "%s" (MessageNew MessageExpunge))' % shared)
    a.append("Team")
    seen = b.wait_for(lambda l: l.startswith("* STATUS"), "STATUS")
    assert seen[-1].startswith('* STATUS "%s" (MESSAGES 1 UIDNEXT 2 ' % shared), seen
    # "personal" is the user's own mailboxes: the shared one is not told
    b.ok("NOTIFY SET (PERSONAL (MessageNew MessageExpunge))")
    a.append("Team")
    a.append("INBOX")
    a.ok("NOOP")
    b.ok("NOOP")
    out = b.ok("NOOP")
    assert not [l for l in out if shared in l], out
    # read right taken back: no more STATUS of it
    b.ok('NOTIFY SET (SUBTREE "shared" (MessageNew MessageExpunge))')
    a.ok("SETACL Team %s l" % BOB[0])
    a.append("Team")
    a.ok("NOOP")
    out = b.ok("NOOP") + b.ok("NOOP")
    assert not [l for l in out if l.startswith("* STATUS")], out
    # given again: told again (the message that came meanwhile too)
    a.ok("SETACL Team %s lr" % BOB[0])
    a.append("Team")
    seen = b.wait_for(lambda l: l.startswith('* STATUS "%s" (MESSAGES 4 ' % shared),
                      "STATUS")
    assert seen[-1].startswith('* STATUS "%s" (MESSAGES 4 UIDNEXT 5 ' % shared), seen


def test_message_new_fetch_is_limited_in_size(tern_factory):
    """imap.notify_fetch_max: the MessageNew FETCH is built in memory, so
    a new message whose answer would pass it gets its EXISTS only (the
    client fetches it itself), logged; a small one after it is told"""
    t = tern_factory(extra="[imap]\nnotify_fetch_max = 8K\n")
    t.add_account(*ALICE)
    t.start()
    a, b = pair(t.port("imap"))
    a.ok("SELECT INBOX")
    a.ok("NOTIFY SET (SELECTED (MessageNew (UID BODY.PEEK[]) MessageExpunge))")
    big = MAIL + b"x" * 20000 + b"\r\n"
    b.append("INBOX", body=big)
    seen = a.responses_until(lambda r: r.endswith(b" EXISTS\r\n"))
    a.n += 1
    a.send("n%d NOOP" % a.n)
    seen += a.responses_until(lambda r: r.startswith(b"n%d " % a.n))
    assert not [r for r in seen if b"FETCH" in r], seen
    wait_for(lambda: "imap notify fetch limited left=1 of=1" in t.log())
    # the client fetches it itself, whole
    a.n += 1
    a.send("n%d UID FETCH 1 (BODY.PEEK[])" % a.n)
    out = a.responses_until(lambda r: r.startswith(b"n%d " % a.n))
    assert out[-1].split(b" ")[1] == b"OK", out
    assert any(big in r for r in out), out[:1]
    # under the limit: told with its FETCH
    b.append("INBOX", body=MAIL)
    seen = a.responses_until(lambda r: b"FETCH" in r)
    assert b"the body" in seen[-1], seen


def test_message_new_fetch_during_idle_and_pipelined(srv):
    """the FETCH built off the loop is one whole response, between the
    EXISTS and what the next command says"""
    a, b = pair(srv)
    a.ok("SELECT INBOX")
    a.ok("NOTIFY SET (SELECTED (MessageNew (%s) MessageExpunge))" % ITEMS)
    a.send("i1 IDLE")
    assert a.line().startswith("+ ")
    b.append("INBOX", body=MAIL)
    b.append("INBOX", body=MAIL)
    a.send("DONE")
    a.send("p1 NOOP")
    seen = a.responses_until(lambda r: r.startswith(b"p1 "))
    fetches = [r for r in seen if b" FETCH (UID " in r]
    assert len(fetches) == 2, seen
    for r in fetches:
        assert r.startswith(b"* ") and b"ENVELOPE (" in r, r
    assert any(r.startswith(b"i1 OK") for r in seen), seen


def test_uidonly_new_message_fetch_attributes_are_uidfetch(srv):
    a, b = pair(srv)
    b.append("INBOX")
    a.ok("ENABLE UIDONLY")
    a.ok("SELECT INBOX")
    a.ok("NOTIFY SET (SELECTED (MessageNew (ENVELOPE RFC822.SIZE) "
         "MessageExpunge))")
    b.append("INBOX", body=MAIL)
    seen = a.responses_until(lambda r: b"FETCH" in r)
    assert seen[-1].startswith(b"* 2 UIDFETCH (ENVELOPE ("), seen


def rich_sequence(port, user, pw):
    """MessageNew with fetch-atts that need the message, and BODY[]
    without .PEEK: the FETCH responses told, and the flags after"""
    a, b = Client(port), Client(port)
    for c in (a, b):
        c.login(user, pw)
    a.ok("SELECT INBOX")
    a.ok("NOTIFY SET (SELECTED (MessageNew (%s BODY[TEXT]) "
         "MessageExpunge))" % ITEMS)
    b.append("INBOX", body=MAIL)
    # Dovecot tells the selected mailbox's changes with a command
    a.n += 1
    a.send("n%d NOOP" % a.n)
    seen = a.responses_until(lambda r: r.startswith(b"n%d " % a.n))
    # a NOTIFY FETCH is no client FETCH: no \Seen
    flags = a.ok("FETCH 1 (FLAGS)")
    a.close()
    b.close()
    return [r for r in seen if b" FETCH " in r], flags


@pytest.mark.skipif(not dovecotlib.available(),
                    reason="dovecot-imapd is not installed "
                           "(scripts/install-deps.sh installs it)")
def test_rich_message_new_fetch_as_dovecot(tern_factory):
    t = tern_factory()
    t.add_account(dovecotlib.USER, dovecotlib.PASSWORD)
    t.start()
    d = dovecotlib.Dovecot()
    try:
        d.start()
        theirs = rich_sequence(d.port, dovecotlib.USER, dovecotlib.PASSWORD)
    finally:
        d.stop()
    ours = rich_sequence(t.port("imap"), dovecotlib.USER,
                         dovecotlib.PASSWORD)
    print("tern    %r\ndovecot %r" % (ours, theirs))
    # the message's data is the same, item by item; FETCH items come in
    # any order (RFC 9051 7.5.2) and header names as the server likes
    # (Dovecot upper-cases them in the label)
    assert len(ours[0]) == len(theirs[0]) == 1
    o, d = fetch_items(ours[0][0]), fetch_items(theirs[0][0])
    assert {k.upper(): v for k, v in o.items()} == {
        k.upper(): v for k, v in d.items() if k != "FLAGS"}
    # Dovecot sets \Seen for BODY[TEXT] as a FETCH would; tern does
    # not: a notification is no read by the user (README, NOTIFY)
    assert "FLAGS" in d and "\\Seen" in d["FLAGS"]
    assert "\\Seen" not in " ".join(ours[1])


def fetch_items(resp):
    """{name: value} of one FETCH response (literals, lists, atoms)"""
    body = resp[resp.index(b"(") + 1:resp.rindex(b")")]
    items, i = {}, 0
    while i < len(body):
        if body[i:i + 1] == b" ":
            i += 1
            continue
        j = i
        depth = 0
        while j < len(body) and (depth or body[j:j + 1] != b" "):
            depth += {b"[": 1, b"]": -1}.get(body[j:j + 1], 0)
            j += 1
        name = body[i:j].decode()
        i = j + 1
        if body[i:i + 1] == b"{":
            k = body.index(b"}", i)
            n = int(body[i + 1:k])
            val = body[k + 3:k + 3 + n]
            i = k + 3 + n
        elif body[i:i + 1] == b"(":
            depth, k = 0, i
            while True:
                c = body[k:k + 1]
                if c == b'"':
                    k = body.index(b'"', k + 1)
                depth += {b"(": 1, b")": -1}.get(c, 0)
                k += 1
                if depth == 0:
                    break
            val = body[i:k]
            i = k
        else:
            k = body.find(b" ", i)
            k = len(body) if k < 0 else k
            val = body[i:k]
            i = k
        items[name] = val.decode()
    return items


def test_metadata_changes_are_told(srv):
    """RFC 5465 5.7/5.8: MailboxMetadataChange and ServerMetadataChange
    send the RFC 5464 4.4.2 unsolicited METADATA (entry names only) to
    the other sessions that asked"""
    a, b = pair(srv)
    other = Client(srv)
    other.login(*ALICE)
    b.ok("CREATE Other")
    a.ok("NOTIFY SET (MAILBOXES INBOX (MailboxMetadataChange "
         "ServerMetadataChange))")
    # a set refused after its metadata event leaves the others be
    _, tagged = other.cmd("NOTIFY SET (PERSONAL (ServerMetadataChange)) "
                          "(NOWHERE (MessageNew))")
    assert tagged.split(" ")[1] == "BAD", tagged
    other.ok("NOTIFY SET (PERSONAL (MessageNew MessageExpunge))")
    out = b.ok('SETMETADATA INBOX (/private/comment "hi")')
    assert not [l for l in out if "METADATA" in l], out
    a.wait_for(lambda l: l == '* METADATA "INBOX" /private/comment',
               "METADATA of INBOX")
    b.ok('SETMETADATA "" (/private/vendor/x "1" /shared/comment NIL)')
    a.wait_for(lambda l: l == '* METADATA "" /private/vendor/x '
               '/shared/comment', "server METADATA")
    # a mailbox outside the filter, and a session that did not ask
    b.ok('SETMETADATA Other (/private/comment "x")')
    b.ok('SETMETADATA INBOX (/private/comment NIL)')
    seen = a.wait_for(lambda l: l.startswith("* METADATA"), "METADATA")
    assert seen[-1] == '* METADATA "INBOX" /private/comment', seen
    assert not [l for l in untagged_before_ok(other) if "METADATA" in l]
