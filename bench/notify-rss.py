#!/usr/bin/env python3
"""notify-rss.py - what IMAP NOTIFY costs (issue 12).

    bench/notify-rss.py [--tern build/tern] [-s 200] [-m 100]

Starts a tern in a temporary folder with one account of M mailboxes,
then measures the server's RSS (VmRSS of /proc/PID/status):
  1. after S sessions logged in and in IDLE, without NOTIFY;
  2. after S more sessions, each with NOTIFY SET for all M mailboxes
     by name (MAILBOXES, MessageNew MessageExpunge FlagChange) and IDLE
     (the difference over S: a NOTIFY session beyond a plain IDLE one);
  3. after S more that send the same NOTIFY SET, then NOTIFY NONE: what
     of step 2 is the parser's buffers (kept for the session's longest
     command) rather than NOTIFY's state.
Then it times 500 APPENDs to a mailbox no session watches, before and
after the NOTIFY sessions exist (S*M watchers): with watchers kept by
id the two should be alike.
Prints figures; never fails on a time."""
import argparse
import os
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "integration"))
import ternlib  # noqa: E402

USER, PW = "u@example.test", "bench-password"


def session(t):
    s = socket.create_connection(("127.0.0.1", t.port("imap")), timeout=600)
    f = s.makefile("rb")
    f.readline()
    cmd(s, f, b'LOGIN "%s" "%s"' % (USER.encode(), PW.encode()))
    return s, f


def cmd(s, f, line, tag=b"a"):
    s.sendall(tag + b" " + line + b"\r\n")
    while True:
        r = f.readline()
        if not r:
            raise SystemExit("connection closed")
        if r.startswith(tag + b" "):
            if not r.split(b" ")[1] == b"OK":
                raise SystemExit("%r: %r" % (line, r))
            return


def idle(s, f):
    s.sendall(b"i IDLE\r\n")
    if not f.readline().startswith(b"+"):
        raise SystemExit("no IDLE")


def rss_kib(pid):
    for ln in open("/proc/%d/status" % pid):
        if ln.startswith("VmRSS:"):
            return int(ln.split()[1])
    return 0


def settle(pid):
    """RSS once it stops moving (the loop has served every session)"""
    last = -1
    for _ in range(50):
        time.sleep(0.2)
        r = rss_kib(pid)
        if r == last:
            return r
        last = r
    return last


def appends(s, f, n=500):
    body = b"Subject: x\r\n\r\nhello\r\n"
    t0 = time.monotonic()
    s.sendall(b"".join(b"p%d APPEND Unwatched {%d+}\r\n%s\r\n"
                       % (i, len(body), body) for i in range(n)))
    done = 0
    while done < n:
        if f.readline().startswith(b"p"):
            done += 1
    return time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tern", default=os.path.join(ternlib.REPO, "build", "tern"))
    ap.add_argument("-s", type=int, default=200, help="sessions per step")
    ap.add_argument("-m", type=int, default=100, help="mailboxes watched")
    a = ap.parse_args()
    ternlib.TERN_BIN = os.path.abspath(a.tern)
    with tempfile.TemporaryDirectory() as tmp:
        t = ternlib.Tern(tmp, protocols=("imap",),
                         user="root" if os.geteuid() == 0 else "",
                         extra="[server]\nmax_connections_per_ip = 10000\n"
                               "[store]\nmax_mailboxes = 0\n")
        t.add_account(USER, PW)
        t.start()
        try:
            pid = t.proc.pid
            s, f = session(t)
            names = [b"m%d" % i for i in range(a.m)]
            for n in names + [b"Unwatched"]:
                cmd(s, f, b"CREATE " + n)
            print("unwatched: 500 APPENDs, no watchers:      best of 3 "
                  "%.3f s" % min(appends(s, f) for _ in range(3)))
            base = settle(pid)
            plain = []
            for _ in range(a.s):
                c = session(t)
                idle(*c)
                plain.append(c)
            r1 = settle(pid)
            notify = []
            line = (b"NOTIFY SET (MAILBOXES (" + b" ".join(names) +
                    b") (MessageNew MessageExpunge FlagChange))")
            for _ in range(a.s):
                c = session(t)
                cmd(*c, line)
                idle(*c)
                notify.append(c)
            r2 = settle(pid)
            # the control: the same long command, then NOTIFY NONE: what
            # stays is the session's parser, sized for its longest
            # command (any 100-argument command leaves as much)
            parsed = []
            for _ in range(a.s):
                c = session(t)
                cmd(*c, line)
                cmd(*c, b"NOTIFY NONE")
                idle(*c)
                parsed.append(c)
            r3 = settle(pid)
            print("RSS: start %d KiB; +%d IDLE sessions %d KiB (%.1f KiB "
                  "each); +%d NOTIFY(%d mailboxes)+IDLE sessions %d KiB "
                  "(%.1f KiB each, %.1f KiB more than IDLE alone); +%d "
                  "sessions that sent the same NOTIFY SET, then NOTIFY "
                  "NONE, +IDLE %d KiB (%.1f KiB each)"
                  % (base, a.s, r1, (r1 - base) / a.s, a.s, a.m, r2,
                     (r2 - r1) / a.s, (r2 - r1 - (r1 - base)) / a.s,
                     a.s, r3, (r3 - r2) / a.s))
            print("NOTIFY state of %d mailboxes: %.1f KiB per session"
                  % (a.m, ((r2 - r1) - (r3 - r2)) / a.s))
            print("unwatched: 500 APPENDs, %d watchers:  best of 3 %.3f s"
                  % (a.s * a.m, min(appends(s, f) for _ in range(3))))
        finally:
            t.stop()


if __name__ == "__main__":
    main()
