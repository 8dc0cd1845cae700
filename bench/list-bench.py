#!/usr/bin/env python3
"""list-bench.py - LIST time against the number of mailboxes (issue 11 #4).

    bench/list-bench.py [--tern build/tern] [-n 36000]

Starts a tern in a temporary folder, creates N mailboxes (10 per
parent, half of them subscribed) with pipelined CREATE/SUBSCRIBE, then
times `LIST "" *` and `LIST (SUBSCRIBED RECURSIVEMATCH) "" *`, and the
NOOP round trip of a second session while the LIST runs. Prints figures;
never fails on a time."""
import argparse
import os
import socket
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "integration"))
import ternlib  # noqa: E402


def session(t):
    s = socket.create_connection(("127.0.0.1", t.port("imap")), timeout=600)
    f = s.makefile("rb")
    f.readline()
    s.sendall(b'a LOGIN "u@example.test" "bench-password"\r\n')
    while not f.readline().startswith(b"a "):
        pass
    return s, f


def run(s, f, lines):
    """send lines pipelined in blocks, wait for every tagged reply"""
    for i in range(0, len(lines), 500):
        block = lines[i:i + 500]
        s.sendall(b"".join(b"t%d %s\r\n" % (i + j, l) for j, l in enumerate(block)))
        done = 0
        while done < len(block):
            line = f.readline()
            if not line:
                raise SystemExit("connection closed")
            if line.startswith(b"t"):
                done += 1


def timed(s, f, cmd):
    t0 = time.monotonic()
    s.sendall(b"x " + cmd + b"\r\n")
    n = 0
    while True:
        line = f.readline()
        if line.startswith(b"x "):
            return time.monotonic() - t0, n, line.strip()
        n += 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tern", default=os.path.join(ternlib.REPO, "build", "tern"))
    ap.add_argument("-n", type=int, default=36000)
    ap.add_argument("--old", action="store_true",
                    help="a tern from before store.max_mailboxes")
    a = ap.parse_args()
    ternlib.TERN_BIN = os.path.abspath(a.tern)
    with tempfile.TemporaryDirectory() as tmp:
        t = ternlib.Tern(tmp, protocols=("imap",),
                         user="root" if os.geteuid() == 0 else "",
                         extra="" if a.old else "[store]\nmax_mailboxes = 0\n")
        t.add_account("u@example.test", "bench-password")
        t.start()
        try:
            s, f = session(t)
            t0 = time.monotonic()
            lines = []
            for i in range(a.n):
                lines.append(b"CREATE p%d/m%d" % (i // 10, i))
                if i % 2:
                    lines.append(b"SUBSCRIBE p%d/m%d" % (i // 10, i))
            run(s, f, lines)
            print("created %d mailboxes in %.1f s" % (a.n, time.monotonic() - t0))
            q, qf = session(t)
            for cmd in (b'LIST "" *', b'LIST (SUBSCRIBED RECURSIVEMATCH) "" *'):
                worst = [0.0]
                stop = threading.Event()

                def noops():
                    while not stop.is_set():
                        d, _, _ = timed(q, qf, b"NOOP")
                        worst[0] = max(worst[0], d)
                th = threading.Thread(target=noops)
                th.start()
                d, n, r = timed(s, f, cmd)
                stop.set()
                th.join()
                print("%-42s %8.3f s  %6d lines  %s; worst NOOP meanwhile %.3f s"
                      % (cmd.decode(), d, n, r.decode()[:20], worst[0]))
        finally:
            t.stop()


if __name__ == "__main__":
    main()
