"""Submission signs with DKIM keys held in memory (issue 13, second
part): loaded at start, so signing a message reads no key file; new keys
from `tern dkim rotate` are found by the server's poll of the key folder
(auth_checks.dkim_key_poll) or on SIGHUP, without a restart."""
import os
import re
import shutil
import signal
import smtplib

from relaylib import wait_for
from smtputil import inbox

ALICE = ("alice@example.test", "alice-secret-pw")
BOB = ("bob@example.test", "bob-secret-pw")


def server(tern_factory, poll):
    t = tern_factory(protocols=("smtp", "submission"),
                     extra="[auth_checks]\ndkim_key_poll = %s\n" % poll)
    t.add_account(*ALICE)
    t.add_account(*BOB)
    t.start()
    return t


def submit(t, subject):
    s = smtplib.SMTP("127.0.0.1", t.port("submission"), timeout=30)
    try:
        s.starttls(context=t.ssl_context())
        s.login(*ALICE)
        s.sendmail(ALICE[0], [BOB[0]], (
            "From: <alice@example.test>\r\nTo: <bob@example.test>\r\n"
            "Subject: %s\r\n\r\nHi.\r\n" % subject).encode())
    finally:
        s.quit()


def selectors(m):
    """the s= of the stored message's DKIM-Signature fields"""
    head = re.sub(rb"\r\n[ \t]+", b" ", m.split(b"\r\n\r\n", 1)[0])
    return sorted(re.search(rb"[; ]s=([\w-]+)", f).group(1).decode()
                  for f in head.split(b"\r\n")
                  if f.lower().startswith(b"dkim-signature:"))


def active(t):
    with open(os.path.join(t.data_dir, "dkim", "example.test", "active")) as f:
        return sorted(l.strip() for l in f if l.strip())


def last_signed(t, n):
    got = inbox(t, BOB[0])
    assert len(got) == n
    return selectors(got[-1])


def test_signing_reads_no_key_file(tern_factory, tmp_path):
    """the key folder moved away after start: mail is still signed with
    the keys loaded at start (before: read for every message, so it went
    out unsigned)"""
    t = server(tern_factory, "0")
    want = active(t)
    assert len(want) == 2
    folder = os.path.join(t.data_dir, "dkim", "example.test")
    shutil.move(folder, str(tmp_path / "moved-keys"))
    submit(t, "no files")
    assert last_signed(t, 1) == want


def test_rotate_is_found_by_the_poll(tern_factory):
    t = server(tern_factory, "1s")
    old = active(t)
    submit(t, "before")
    assert last_signed(t, 1) == old
    t.cli("dkim", "rotate", "example.test")
    new = active(t)
    assert new != old
    # the poll runs every second: wait for it (bounded), then submit
    wait_for(lambda: "dkim keys reloaded" in t.log(), timeout=60)
    submit(t, "after")
    assert last_signed(t, 2) == new


def test_rotate_then_sighup_without_poll(tern_factory):
    t = server(tern_factory, "0")
    old = active(t)
    t.cli("dkim", "rotate", "example.test")
    new = active(t)
    submit(t, "no poll")
    assert last_signed(t, 1) == old         # nothing looks without a poll
    t.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: "dkim keys reloaded" in t.log(), timeout=60)
    submit(t, "after hup")
    assert last_signed(t, 2) == new
