"""Milter client (Sendmail milter protocol v6, as Postfix speaks it):
a pymilter filter written for the tests (milterlib.py) takes every
action at every stage; filters in order; submission's own list; the
sender's own verdict fields removed on port 25."""
import smtplib
import time

import pytest

import milterlib
from conftest import ALICE, BOB
from milterlib import refused, send, start_tern
from smtputil import Raw, inbox, message

A = ALICE[0]
B = BOB[0]


@pytest.fixture
def filt(tmp_path):
    yield from milterlib.filter_running(tmp_path)


def test_every_action(tern_factory, filt):
    port, log = filt
    t = start_tern(tern_factory, "inet:127.0.0.1:%d" % port)

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
    t = start_tern(tern_factory, "inet:127.0.0.1:%d" % port)
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
    t = start_tern(tern_factory, "inet:127.0.0.1:%d" % port,
                   "\n[smtp]\nmax_header_field = 1K\n")
    long = "X-Spam-Score: -7" + "".join("\r\n x%d" % i for i in range(400))
    send(t, "plain", extra="X-Spam-Score: -100\r\nX-Virus-Status: Clean\r\n"
         "x-spam-score : 0\r\n%s\r\nX-Spam-Scores: kept\r\n" % long)
    m = inbox(t, A)[0]
    assert b"-100" not in m and b"X-Virus-Status" not in m
    assert b"x-spam-score:" not in m.lower() and b"x399" not in m
    assert b"X-Spam-Scores: kept" in m
    assert t.log().count("removed sender's") == 4


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


def test_filters_in_order(tern_factory, filt, tmp_path):
    port, log = filt
    # the second on a unix socket
    sock, log2 = str(tmp_path / "second.sock"), str(tmp_path / "second.log")
    p = milterlib.start(sock, log2)
    try:
        t = start_tern(tern_factory, "inet:127.0.0.1:%d, unix:%s" % (port, sock))
        # both add their field; BDAT takes the same way as DATA
        r = Raw(t)
        for line in ("EHLO x.example", "MAIL FROM:<s@remote.example>",
                     "RCPT TO:<%s>" % A):
            assert r.cmd(line)[0] == 250
        m = message("headers")
        r.send(b"BDAT %d\r\n" % 20 + m[:20])
        assert r.reply()[0] == 250
        r.send(b"BDAT %d LAST\r\n" % (len(m) - 20) + m[20:])
        assert r.reply()[0] == 250
        r.close()
        got = inbox(t, A)[0]
        assert got.count(b"X-Added: added by filter") == 2
        # the first refuses: the second never sees the end of the message
        assert refused(t, "reject")[0] == 550
        eoms = [e["subject"] for e in milterlib.events(log2) if e["what"] == "eom"]
        assert eoms == ["headers"], eoms
    finally:
        milterlib.stop(p)


def test_filter_changes_bounded(tern_factory, filt):
    """What a filter adds counts against smtp.max_message_size: past
    it the filter is broken and its default_action applies."""
    port, _ = filt
    t = start_tern(tern_factory, "inet:127.0.0.1:%d" % port,
              "\n[smtp]\nmax_message_size = 2K\n")
    send(t, "body")
    code, text = refused(t, "bigbody")
    assert code == 451 and text.startswith("4.7.1")
    assert "reply 'b' to 'E' refused" in t.log()
    assert len(inbox(t, A)) == 1
