"""SMTP server under load: many sessions at once, swaks, and SIGKILL in
the middle of a stream of messages losing nothing that got a 250."""
import signal
import smtplib
import subprocess
import threading
import time

from conftest import ALICE, BOB
from relaylib import wait_for
from smtputil import inbox, message

A = ALICE[0]
B = BOB[0]


def swaks(t, *args):
    p = subprocess.run(["swaks", "--server", "127.0.0.1", "--port", str(t.port("smtp")),
                        "--from", "sender@remote.example", "--helo", "swaks.example",
                        "--timeout", "20", *args],
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout + p.stderr


def test_swaks_plain_tls_pipelining(tern):
    rc, out = swaks(tern, "--to", A, "--header", "Subject: swaks plain")
    assert rc == 0, out
    rc, out = swaks(tern, "--to", A, "--tls", "--header", "Subject: swaks tls")
    assert rc == 0, out
    assert "220 2.0.0 Ready to start TLS" in out
    rc, out = swaks(tern, "--to", "%s,%s" % (A, B), "--pipeline",
                    "--header", "Subject: swaks pipelined")
    assert rc == 0, out
    rc, out = swaks(tern, "--to", "nobody@example.test", "--pipeline")
    assert rc != 0 and "550 5.1.1" in out
    rc, out = swaks(tern, "--to", "someone@gmail.example")
    assert rc != 0 and "554 5.7.1" in out
    msgs = inbox(tern, A)
    assert [m.count(b"Subject: swaks") for m in msgs] == [1, 1, 1]
    assert b"with ESMTPS id" in msgs[1]
    assert len(inbox(tern, B)) == 1


def test_many_sessions_at_once(tern):
    n_threads, per_thread = 50, 4
    errors = []
    barrier = threading.Barrier(n_threads)

    def client(k):
        try:
            with smtplib.SMTP("127.0.0.1", tern.port("smtp"), timeout=60) as s:
                barrier.wait()
                for i in range(per_thread):
                    s.sendmail("s%d@remote.example" % k, [A, B],
                               message("load %d %d" % (k, i), body="x" * 4000 + "\r\n"))
        except Exception as e:   # noqa: BLE001 - reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=client, args=(k,)) for k in range(n_threads)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    assert errors == []
    for who in (A, B):
        subjects = sorted(m.split(b"Subject: ")[1].split(b"\r\n")[0]
                          for m in inbox(tern, who))
        want = sorted(b"load %d %d" % (k, i) for k in range(n_threads)
                      for i in range(per_thread))
        assert subjects == want


def test_sigkill_loses_nothing_acknowledged(tern):
    acked = []
    lock = threading.Lock()
    stop = threading.Event()
    killed = threading.Event()  # set just before the SIGKILL
    errors = []                 # what went wrong in a client before the kill

    def client(k):
        i = 0
        while not stop.is_set():
            try:
                with smtplib.SMTP("127.0.0.1", tern.port("smtp"), timeout=30) as s:
                    while not stop.is_set():
                        subj = "kill %d %d" % (k, i)
                        i += 1
                        s.sendmail("s@remote.example", [A], message(subj, body="y" * 2000 + "\r\n"))
                        with lock:
                            acked.append(subj.encode())
            except Exception as e:  # noqa: BLE001 - reported below
                # after the kill the server is gone and the client
                # retries until told to stop; before it, nothing may fail
                if not killed.is_set():
                    errors.append(repr(e))
                    return
                time.sleep(0.05)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(20)]
    for th in threads:
        th.start()
    # load until plenty is in flight (no clock: a slow build is slow)
    wait_for(lambda: len(acked) > 200 or errors, timeout=300, what="messages")
    killed.set()
    tern.kill()
    with lock:
        acked_at_kill = list(acked)
    stop.set()
    for th in threads:
        th.join(60)
        assert not th.is_alive()
    assert errors == []
    assert len(acked_at_kill) > 200
    # the store recovers at open; read it after a restart
    tern.start()
    stored = set(m.split(b"Subject: ")[1].split(b"\r\n")[0] for m in inbox(tern, A))
    missing = [s for s in acked_at_kill if s not in stored]
    assert missing == []
    # and the restarted server takes mail again
    with smtplib.SMTP("127.0.0.1", tern.port("smtp"), timeout=10) as s:
        s.sendmail("s@remote.example", [A], message("after restart"))
    assert tern.stop(signal.SIGTERM) == 0
