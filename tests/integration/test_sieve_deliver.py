"""Sieve at local delivery: scripts installed with `tern sieve put`, mail
sent by SMTP (port 25), the result read over IMAP. fileinto (:create,
a missing mailbox -> INBOX), imap4flags, discard, redirect to a second
local account and to a remote address (queued, with SRS), reject with
one and with two recipients, a broken script and a limit -> INBOX, a
redirect loop between two accounts that stops with nothing lost."""
import imaplib
import smtplib
import sqlite3
import os
import re
import time

import pytest

from relaylib import FakeMX
from ternlib import free_port

ALICE = ("alice@example.test", "alice-secret-pw")
BOB = ("bob@example.test", "bob-secret-pw")
CAROL = ("carol@example.test", "carol-secret-pw")


def start(tern_factory, extra=""):
    t = tern_factory(protocols=("smtp", "imap"), extra=extra)
    for a in (ALICE, BOB, CAROL):
        t.add_account(*a)
    t.start()
    return t


def put(t, account, script, name="main"):
    t.cli("sieve", "put", account, name, "-", "--activate", input=script)


def send(t, sender, rcpts, subject, extra="", body="hello\r\n"):
    msg = ("From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\nMessage-ID: <%s@x.test>\r\n"
           "%s\r\n%s" % (sender or "mailer-daemon@x.test", rcpts[0], subject,
                         time.time(), extra, body))
    with smtplib.SMTP("127.0.0.1", t.port("smtp"), timeout=30) as s:
        s.sendmail(sender, rcpts, msg.encode())


def imap(t, user):
    m = imaplib.IMAP4("127.0.0.1", t.port("imap"))
    m.login(*user)
    return m


def mailbox(t, user, name="INBOX"):
    """[(flags, message bytes)] of a mailbox"""
    m = imap(t, user)
    typ, _ = m.select('"%s"' % name, readonly=True)
    assert typ == "OK", name
    _, data = m.search(None, "ALL")
    out = []
    for n in data[0].split():
        _, d = m.fetch(n, "(FLAGS BODY.PEEK[])")
        out.append((d[0][0].decode(), d[0][1]))
    m.logout()
    return out


def test_fileinto_create_flags_missing(tern_factory):
    t = start(tern_factory)
    m = imap(t, ALICE)
    assert m.create("Work")[0] == "OK"
    m.logout()
    put(t, ALICE[0], r'''require ["fileinto", "imap4flags", "mailbox"];
if header :contains "subject" "work" {
    fileinto :flags ["\\Flagged", "$Work"] "Work";
} elsif header :contains "subject" "new" {
    fileinto :create "Projects/New";
} elsif header :contains "subject" "missing" {
    fileinto "Nope";
} elsif header :contains "subject" "seen" {
    addflag "\\Seen";
    keep;
}
''')
    for subj in ("work item", "new project", "missing folder", "seen it"):
        send(t, "x@example.net", [ALICE[0]], subj)
    work = mailbox(t, ALICE, "Work")
    assert len(work) == 1 and b"work item" in work[0][1]
    assert "\\Flagged" in work[0][0] and "$Work" in work[0][0]
    new = mailbox(t, ALICE, "Projects/New")
    assert len(new) == 1 and b"new project" in new[0][1]
    inbox = mailbox(t, ALICE)
    subjects = sorted(re.search(rb"Subject: (.*)\r", d).group(1) for _, d in inbox)
    assert subjects == [b"missing folder", b"seen it"]
    seen = [f for f, d in inbox if b"seen it" in d][0]
    assert "\\Seen" in seen
    # the copy as stored still has its trace fields
    assert b"Delivered-To: alice@example.test" in work[0][1]
    log = t.log()
    assert re.search(r"sieve fileinto account=alice@example.test "
                     r'mailbox="Nope".*INBOX', log)
    assert re.search(r"sieve id=\S+ account=alice@example.test "
                     r"script=main actions=fileinto:Work", log)
    # a new version of the script counts from the next message on (the
    # compiled one is cached by version)
    put(t, ALICE[0], 'require "fileinto";\nfileinto "Work";\n')
    send(t, "x@example.net", [ALICE[0]], "after the change")
    assert len(mailbox(t, ALICE, "Work")) == 2
    # an included script changed alone is seen too
    t.cli("sieve", "put", ALICE[0], "inc", "-",
          input='require "fileinto";\nfileinto "Work";\n')
    put(t, ALICE[0], 'require "include";\ninclude :personal "inc";\n')
    send(t, "x@example.net", [ALICE[0]], "included")
    t.cli("sieve", "put", ALICE[0], "inc", "-", input='discard;\n')
    send(t, "x@example.net", [ALICE[0]], "included again")
    assert len(mailbox(t, ALICE, "Work")) == 3
    assert "actions=discard" in t.log()


def test_discard_and_local_redirect(tern_factory):
    t = start(tern_factory)
    put(t, ALICE[0], '''if header :contains "subject" "junk" { discard; }
elsif header :contains "subject" "fwd" { redirect "bob@example.test"; }
''')
    send(t, "x@example.net", [ALICE[0]], "junk mail")
    send(t, "x@example.net", [ALICE[0]], "fwd this")
    assert mailbox(t, ALICE) == []
    bob = mailbox(t, BOB)
    assert len(bob) == 1 and b"fwd this" in bob[0][1]
    assert b"Delivered-To: bob@example.test" in bob[0][1]
    assert "actions=discard" in t.log()


def test_redirect_remote_srs(tern_factory):
    mxport = free_port()
    mx = FakeMX("127.0.0.1", mxport, name="mx.remote.test").start()
    try:
        t = start(tern_factory, "[relay]\nrelay_host = 127.0.0.1:%d\n"
                  "queue_poll = 1s\n" % mxport)
        put(t, ALICE[0], 'require "copy";\nredirect :copy "far@remote.test";\n')
        send(t, "someone@example.net", [ALICE[0]], "copy me")
        mx.wait_messages(1, timeout=30)
        got = mx.messages[0]
        assert got["to"] == ["far@remote.test"]
        # the envelope sender rewritten into our domain (SRS0)
        assert re.match(r"SRS0=[^@]+=example\.net=someone@example\.test$",
                        got["from"]), got["from"]
        assert b"Delivered-To: alice@example.test" in got["data"]
        assert b"copy me" in got["data"]
        # :copy keeps it too
        assert len(mailbox(t, ALICE)) == 1
    finally:
        mx.stop()


def test_reject_one_recipient(tern_factory):
    t = start(tern_factory)
    put(t, ALICE[0], 'require "reject";\nreject "I do not want this";\n')
    with pytest.raises(smtplib.SMTPDataError) as e:
        send(t, "x@example.net", [ALICE[0]], "unwanted")
    assert e.value.smtp_code == 550
    assert b"5.7.1" in e.value.smtp_error
    assert b"I do not want this" in e.value.smtp_error
    assert mailbox(t, ALICE) == []


def test_reject_two_recipients_dsn(tern_factory):
    t = start(tern_factory)
    put(t, ALICE[0], 'require "ereject";\nereject "not for me";\n')
    send(t, CAROL[0], [ALICE[0], BOB[0]], "to both")
    assert mailbox(t, ALICE) == []
    assert len(mailbox(t, BOB)) == 1
    # the sender gets the rejection as a DSN
    deadline = time.time() + 20
    while time.time() < deadline and not mailbox(t, CAROL):
        time.sleep(0.2)
    dsn = mailbox(t, CAROL)
    assert len(dsn) == 1
    d = dsn[0][1]
    assert b"multipart/report" in d and b"delivery-status" in d
    assert b"5.7.1" in d and b"not for me" in d
    assert b"Final-Recipient: rfc822; alice@example.test" in d


def force_script(t, account, text):
    """a script stored as is (an older tern's, or edited behind our
    back): the CLI would refuse to store one that does not compile"""
    db = sqlite3.connect(os.path.join(t.data_dir, "tern.db"))
    (aid,) = db.execute("SELECT id FROM accounts WHERE address = ?",
                        (account,)).fetchone()
    db.execute("UPDATE sieve_scripts SET script = ?, updated = updated + 1000"
               " WHERE account_id = ?", (text, aid))
    db.commit()
    db.close()


def test_broken_script_and_limit_keep(tern_factory):
    t = start(tern_factory, "[sieve]\nmax_actions = 2\n")
    put(t, ALICE[0], 'keep;\n')
    force_script(t, ALICE[0], 'if header :contains "subject" { keep;\n')
    send(t, "x@example.net", [ALICE[0]], "broken")
    assert len(mailbox(t, ALICE)) == 1
    assert re.search(r"sieve error account=alice@example.test script=\S+ "
                     r"line=\d+: ", t.log())
    # over sieve.max_actions at run time: INBOX all the same
    put(t, BOB[0], '''require ["fileinto", "mailbox"];
fileinto :create "A"; fileinto :create "B"; fileinto :create "C";
''')
    send(t, "x@example.net", [BOB[0]], "too many")
    bob = mailbox(t, BOB)
    assert len(bob) == 1 and b"too many" in bob[0][1]
    assert re.search(r"sieve error account=bob@example.test script=main "
                     r"line=\d+: ", t.log())


def test_redirect_loop_two_accounts(tern_factory):
    t = start(tern_factory)
    put(t, ALICE[0], 'redirect "bob@example.test";\n')
    put(t, BOB[0], 'redirect "alice@example.test";\n')
    send(t, "x@example.net", [ALICE[0]], "round and round")
    alice, bob = mailbox(t, ALICE), mailbox(t, BOB)
    # stopped, and kept exactly once
    assert len(alice) + len(bob) == 1
    assert "sieve redirect refused" in t.log()
    # a message that already went through alice is not sent there again
    send(t, "x@example.net", [BOB[0]], "second",
         extra="Delivered-To: alice@example.test\r\n")
    assert len(mailbox(t, BOB)) == (len(bob) + 1)


def test_cpu_limit_keeps(tern_factory):
    t = start(tern_factory, "[sieve]\nmax_cpu = 1ms\n")
    # completed, it would discard the message; over the CPU limit the
    # run fails and the message stays in INBOX
    tests = ",\n  ".join('body :text :regex "zz%d[0-9]+q(x|y)*$"' % i
                          for i in range(30))
    put(t, ALICE[0], 'require ["body", "regex"];\nif not anyof(\n  %s) '
        '{ discard; }\n' % tests)
    line = "abcdefghij0123456789 " * 3 + "\r\n"
    send(t, "x@example.net", [ALICE[0]], "heavy", body=line * 8000)
    inbox = mailbox(t, ALICE)
    assert len(inbox) == 1 and b"heavy" in inbox[0][1]
    assert re.search(r"sieve error account=alice@example.test .*(CPU|cpu)",
                     t.log()), t.log()[-2000:]


def test_sieve_disabled(tern_factory):
    t = start(tern_factory, "[sieve]\nenable = no\n")
    put(t, ALICE[0], "discard;\n")
    send(t, "x@example.net", [ALICE[0]], "no scripts here")
    assert len(mailbox(t, ALICE)) == 1
    assert "actions=" not in t.log()
