"""Milter client (Sendmail milter protocol v6, as Postfix speaks it):
a pymilter filter written for the tests (milterlib.py) takes every
action; a dead and a slow filter get their default_action."""
import signal
import smtplib
import threading
import time

import pytest

import milterlib
from conftest import ALICE, BOB
from ternlib import free_port
from smtputil import Raw, inbox, message

A = ALICE[0]
B = BOB[0]


def start(tern_factory, milters, extra=""):
    t = tern_factory(extra="[milter]\nsmtp = %s\n%s" % (milters, extra))
    t.add_account(*ALICE)
    t.add_account(*BOB)
    t.start()
    return t


@pytest.fixture
def filt(tmp_path):
    port = free_port()
    log = str(tmp_path / "filter.log")
    p = milterlib.start(port, log)
    yield port, log
    milterlib.stop(p)


def send(t, subject, body="hello\r\n", extra="", rcpts=(A,), frm="s@remote.example"):
    with smtplib.SMTP("127.0.0.1", t.port("smtp"), timeout=20) as s:
        s.sendmail(frm, list(rcpts), message(subject, body, extra))


def refused(t, subject):
    with pytest.raises(smtplib.SMTPDataError) as e:
        send(t, subject)
    return e.value.smtp_code, e.value.smtp_error.decode()


def test_every_action(tern_factory, filt):
    port, log = filt
    t = start(tern_factory, "inet:127.0.0.1:%d" % port)

    # continue: delivered; the filter saw the connection, the envelope,
    # the header fields, the body and Postfix's macros
    send(t, "plain")
    msgs = inbox(t, A)
    assert len(msgs) == 1 and b"Subject: plain" in msgs[0]
    ev = milterlib.events(log)
    kinds = [e["what"] for e in ev]
    for k in ("connect", "helo", "mail", "rcpt", "header", "eoh", "body", "eom"):
        assert k in kinds, (k, kinds)
    conn = next(e for e in ev if e["what"] == "connect")
    assert conn["addr"] == "127.0.0.1"
    assert conn["macros"]["{client_addr}"] == "127.0.0.1"
    assert conn["macros"]["j"] == "mail.example.test"
    mail = next(e for e in ev if e["what"] == "mail")
    assert mail["addr"] == "<s@remote.example>"
    assert [a for a in mail["args"] if a.upper().startswith("SIZE=")], mail
    assert mail["macros"]["{mail_addr}"] == "s@remote.example"
    assert len(mail["macros"]["i"]) == 16
    rcpt = next(e for e in ev if e["what"] == "rcpt")
    assert rcpt["macros"]["{rcpt_addr}"] == A
    hdrs = {e["name"]: e["value"] for e in ev if e["what"] == "header"}
    assert hdrs["Subject"] == "plain" and "Received" in hdrs

    # reject with the filter's own reply; tempfail
    assert refused(t, "reject") == (550, "5.7.1 filter says no")
    code, text = refused(t, "tempfail")
    assert code == 451 and text.startswith("4.7.1")
    # discard: the client hears 250, nothing is stored
    send(t, "discard")
    # accept: delivered, the rest unseen by the filter
    send(t, "accept")
    # quarantine: the recipient's Junk mailbox
    send(t, "quarantine")
    subjects = [m.split(b"Subject: ")[1].split(b"\r\n")[0] for m in inbox(t, A)]
    assert subjects == [b"plain", b"accept"], subjects
    junk = inbox(t, A, "Junk")
    assert len(junk) == 1 and b"Subject: quarantine" in junk[0]
    assert "milter quarantine" in t.log() and "test quarantine" in t.log()

    # header changes: added in front, inserted at its place, changed,
    # deleted; the rest of the message as it was
    send(t, "headers", extra="X-Change: old value\r\nX-Delete: gone\r\n")
    m = inbox(t, A)[-1]
    head, body = m.split(b"\r\n\r\n", 1)
    assert b"X-Added: added by filter\r\n" in head
    assert head.index(b"X-Inserted: at the top") < head.index(b"Received:")
    assert b"X-Change: changed value" in head and b"old value" not in head
    assert b"X-Delete" not in head
    lines = head.split(b"\r\n")
    second = [i for i, l in enumerate(lines) if l.startswith(b"X-Second")]
    assert second, head
    assert body == b"hello\r\n"

    # replaced body
    send(t, "body")
    m = inbox(t, A)[-1]
    assert m.split(b"\r\n\r\n", 1)[1] == b"replaced body\r\nline two\r\n"
    assert b"Subject: body" in m


def test_command_stages(tern_factory, filt):
    port, log = filt
    t = start(tern_factory, "inet:127.0.0.1:%d" % port)
    t.add_account("blocked@example.test", "blocked-secret-pw")
    r = Raw(t)
    assert r.cmd("EHLO bad.helo.example") == (550, "5.7.1 bad helo")
    assert r.cmd("MAIL FROM:<x@remote.example>")[0] == 503
    assert r.cmd("EHLO good.example")[0] == 250
    assert r.cmd("MAIL FROM:<spammer@remote.example>") == (553, "5.7.1 spammer go away")
    assert r.cmd("MAIL FROM:<x@remote.example>") == (250, "2.1.0 Ok")
    code, text = r.cmd("RCPT TO:<blocked@example.test>")
    assert code == 550 and text.startswith("5.7.1")
    assert r.cmd("RCPT TO:<%s>" % A) == (250, "2.1.5 Ok")
    assert r.cmd("DATA")[0] == 354
    r.send(message("after refusals") + b".\r\n")
    assert r.reply()[0] == 250
    # pipelined commands wait for the filter in order
    r.send("MAIL FROM:<y@remote.example>\r\nRCPT TO:<blocked@example.test>\r\n"
           "RCPT TO:<%s>\r\nRSET\r\n" % B)
    assert [r.reply()[0] for _ in range(4)] == [250, 550, 250, 250]
    assert r.cmd("QUIT")[0] == 221
    r.close()
    assert len(inbox(t, A)) == 1 and inbox(t, B) == []
    assert "rcpt refused" in t.log() and "reason=milter" in t.log()
    # the transaction reset by RSET was aborted at the filter
    time.sleep(0.5)
    assert any(e["what"] == "abort" for e in milterlib.events(log))


def test_sender_verdict_fields_removed(tern_factory, filt):
    port, _ = filt
    t = start(tern_factory, "inet:127.0.0.1:%d" % port)
    send(t, "plain", extra="X-Spam-Score: -100\r\nX-Virus-Status: Clean\r\n"
         "x-spam-score : 0\r\n")
    m = inbox(t, A)[0]
    assert b"-100" not in m and b"X-Virus-Status" not in m
    assert b"x-spam-score" not in m.lower()


def test_dead_filter_default_action(tern_factory):
    dead = free_port()
    # tempfail (the default): the session is refused for now
    t = start(tern_factory, "inet:127.0.0.1:%d" % dead)
    r = Raw(t, greet=False)
    code, text = r.reply()
    assert code == 421 and "4.7.1" in text
    assert r.closed()
    assert "default_action=tempfail" in t.log()


def test_dead_filter_accept(tern_factory):
    dead = free_port()
    t = start(tern_factory, "inet:127.0.0.1:%d{default_action=accept}, "
              "unix:/nonexistent/milter.sock {default_action=accept}" % dead)
    send(t, "through")
    assert len(inbox(t, A)) == 1
    # quarantine: delivered, to Junk
    q = tern_factory("q", extra="[milter]\nsmtp = inet:127.0.0.1:%d\n"
                     "default_action = quarantine\n" % dead)
    q.add_account(*ALICE)
    q.start()
    send(q, "to junk")
    assert inbox(q, A) == [] and len(inbox(q, A, "Junk")) == 1
    assert "default_action=quarantine" in q.log()


def test_slow_filter_timeout(tern_factory, tmp_path):
    port = free_port()
    p = milterlib.start(port, str(tmp_path / "slow.log"), "slow")
    try:
        t = start(tern_factory, "inet:127.0.0.1:%d{default_action=reject, "
                  "eom_timeout=1s}" % port)
        t0 = time.time()
        result = []
        th = threading.Thread(target=lambda: result.append(refused(t, "plain")))
        th.start()
        # the loop serves others while that session waits for the filter
        time.sleep(0.3)
        r = Raw(t)
        assert r.cmd("EHLO other.example")[0] == 250
        assert r.cmd("NOOP")[0] == 250
        assert time.time() - t0 < 1.0
        r.close()
        th.join()
        code, text = result[0]
        assert code == 550 and time.time() - t0 < 4.5
        assert "timeout" in t.log()
    finally:
        milterlib.stop(p)


def test_bad_milter_list_stops_start(tern_factory):
    t = tern_factory(extra="[milter]\nsmtp = inet:mail.example:25\n")
    p = t.cli("serve", check=False)
    assert p.returncode != 0
    assert "IP address" in p.stdout + p.stderr + t.log()


def test_submission_milters(tern_factory, filt):
    port, log = filt
    t = tern_factory(extra="[smtp]\nrequire_tls_for_auth = no\n\n"
                     "[milter]\nsubmission = inet:127.0.0.1:%d\n" % port)
    t.add_account(*ALICE)
    t.add_account(*BOB)
    t.start()
    # port 25 has no milter here
    send(t, "plain", rcpts=(B,))
    assert milterlib.events(log) == []
    with smtplib.SMTP("127.0.0.1", t.port("submission"), timeout=20) as s:
        s.login(*ALICE)
        s.sendmail(A, [B], ("From: %s\r\nTo: %s\r\nSubject: headers\r\n\r\nhi\r\n"
                            % (A, B)).encode())
    m = inbox(t, B)[-1]
    assert b"X-Added: added by filter" in m
    mail = next(e for e in milterlib.events(log) if e["what"] == "mail")
    assert mail["macros"]["{auth_authen}"] == A


def test_client_leaves_while_filter_thinks(tern_factory, tmp_path):
    """The session ends at once, not at the filter's timeout, and a
    shutdown right after is clean."""
    port = free_port()
    p = milterlib.start(port, str(tmp_path / "slow.log"), "slow")
    try:
        t = start(tern_factory, "inet:127.0.0.1:%d{eom_timeout=30s}" % port)
        r = Raw(t)
        for line in ("EHLO x.example", "MAIL FROM:<s@remote.example>",
                     "RCPT TO:<%s>" % A, "DATA"):
            assert r.cmd(line)[0] in (250, 354)
        r.send(message("plain") + b".\r\n")
        time.sleep(0.5)
        r.close()
        deadline = time.time() + 3
        while "client-gone" not in t.log() and time.time() < deadline:
            time.sleep(0.1)
        assert "client-gone" in t.log()
        t0 = time.time()
        t.stop()
        assert time.time() - t0 < 3
        assert inbox(t, A) == []
    finally:
        milterlib.stop(p)


def test_bad_milter_list_after_reload_tempfails(tern_factory):
    t = tern_factory()
    t.add_account(*ALICE)
    t.start()
    send(t, "before")
    t.rewrite(extra="[milter]\nsmtp = inet:127.0.0.1:25{default_action=perhaps}\n")
    t.proc.send_signal(signal.SIGHUP)
    deadline = time.time() + 20
    while "reload" not in t.log() and time.time() < deadline:
        time.sleep(0.1)
    r = Raw(t, greet=False)
    code, text = r.reply()
    assert code == 421 and text.startswith("4.7.1")
    assert r.closed()
    assert "milter list refused" in t.log()
    assert len(inbox(t, A)) == 1
