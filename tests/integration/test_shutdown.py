"""SIGTERM while work is in flight: clients that leave in the middle of
a SELECT snapshot, a FETCH batch, a password check or an APPEND commit,
then the signal. The server must wait for that work (it runs on libuv's
thread pool and the store's writer, and its completions reach sessions,
the store and the login throttle) before it tears those down, and exit
0 with no sanitizer report (the fixture checks both)."""
import os
import signal
import socket
import time

from conftest import ALICE
from test_imap import Imap

A, APW = ALICE

# a mailbox big enough that a SELECT snapshot or a FETCH batch takes a
# while on the thread pool
MESSAGES = 20000
CLIENTS_PER_KIND = 6
ROUNDS = 4


def big_mailbox(tern):
    mbox = os.path.join(tern.dir, "big.mbox")
    with open(mbox, "wb") as f:
        for i in range(MESSAGES):
            f.write(b"From x@example.net Mon Jan  1 00:00:00 2024\n"
                    b"Subject: m%d\n\nx\n\n" % i)
    tern.cli("import", A, mbox, "--mailbox", "INBOX")


def wait_log(tern, text, count, since, timeout=120):
    deadline = time.monotonic() + timeout
    while tern.log()[since:].count(text) < count:
        assert tern.proc.poll() is None, tern.log()[since:]
        assert time.monotonic() < deadline, (text, count,
                                             tern.log()[since:])
        time.sleep(0.002)


def test_sigterm_with_work_in_flight_exits_0(tern_factory):
    # no login cache: every LOGIN is an argon2id check on the pool
    tern = tern_factory(extra="[auth]\ncache_ttl = 0\n")
    tern.add_account(A, APW)
    big_mailbox(tern)
    tern.start()
    for r in range(ROUNDS):
        if r > 0:
            tern.start()
        since = len(tern.log())
        leaving = []
        for _ in range(CLIENTS_PER_KIND):
            # the snapshot of 20,000 messages, read on the pool
            c = Imap(tern)
            c.login()
            leaving.append((c, b"s SELECT INBOX\r\n"))
            # a FETCH batch, read on the pool
            c = Imap(tern)
            c.login()
            c.ok("EXAMINE INBOX")
            leaving.append((c, b"f FETCH 1:* (FLAGS ENVELOPE RFC822.SIZE)\r\n"))
            # the password check, hashed on the pool
            leaving.append((Imap(tern), b'l LOGIN "%s" "%s"\r\n' %
                            (A.encode(), APW.encode())))
            # a commit on the store's writer
            c = Imap(tern)
            c.login()
            leaving.append((c, b"a APPEND INBOX {16+}\r\n"
                               b"Subject: x\r\n\r\nx\r\n"))
        for c, line in leaving:
            c.send(line)
        # half-close: the server reads an EOF after each command even
        # when an answer already came back (a full close() with unread
        # bytes sends a reset instead, which is logged reason=error)
        for c, _ in leaving:
            c.sock.shutdown(socket.SHUT_WR)
        # every command was read (each client's EOF comes after it),
        # then the signal while the work is still in flight
        wait_log(tern, "imap disconnect reason=eof", len(leaving), since)
        rc = tern.stop()
        for c, _ in leaving:
            c.close()
        assert rc == 0, tern.log()[since:][-5000:]


def test_second_sigterm_closes_sessions_first_exits_0(tern):
    """A second signal stops at once: the sessions still open (here one
    in the middle of an APPEND literal, with a mailbox selected) are
    closed before the store and the server go."""
    c = Imap(tern)
    c.login()
    c.ok("SELECT INBOX")
    c.send(b"a APPEND INBOX {100}\r\n")
    assert c.resp().startswith(b"+")
    c.send(b"Subject: half\r\n")
    since = len(tern.log())
    tern.proc.send_signal(signal.SIGTERM)
    wait_log(tern, "shutting down connections=1", 1, since)
    rc = tern.stop()
    assert rc == 0, tern.log()[since:][-5000:]
    assert "imap disconnect reason=shutdown" in tern.log()[since:]
