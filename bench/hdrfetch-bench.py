#!/usr/bin/env python3
"""hdrfetch-bench.py - the folder listing query, tern vs Dovecot (issue 12).

    bench/hdrfetch-bench.py [--tern build/tern] [--old OLD/tern] [-n 1000] [-r 40]

Starts a tern and a private Dovecot (tests/integration/dovecotlib.py,
its default config: maildir, index cache on) in temporary folders,
APPENDs the same N messages to both (4 KB, every 10th 100 KB, the
headers a real message has: trace fields, MIME, list headers), then
times, on one logged-in session with INBOX selected, R runs of what a
client sends to list a folder:

    UID FETCH 1:* (UID FLAGS RFC822.SIZE INTERNALDATE BODY.PEEK[HEADER.FIELDS
      (From To Cc Subject Date Message-ID In-Reply-To References
       Content-Type)])

alternating the servers run by run (the first two runs of each are warm
up: Dovecot decides on its cache fields there, tern's parse cache takes
the header bytes; the first is printed apart). Time = from the command
sent to the tagged OK read. Prints median and p90 of each, the ratio,
and whether the answers' header literals are byte-identical. Never fails
on a time. --old adds a second tern (e.g. a build from before a change)
to the same run, its runs interleaved with the others'."""
import argparse
import os
import random
import re
import socket
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "integration"))
import dovecotlib  # noqa: E402
import ternlib  # noqa: E402

QUERY = (b"UID FETCH 1:* (UID FLAGS RFC822.SIZE INTERNALDATE "
         b"BODY.PEEK[HEADER.FIELDS (From To Cc Subject Date Message-ID "
         b"In-Reply-To References Content-Type)])")
WORDS = ("meeting", "invoice", "holiday", "report", "lunch", "release",
         "budget", "party", "review", "draft")


def message(i, rnd):
    size = 100000 if i % 10 == 9 else 4000
    w = WORDS[i % len(WORDS)]
    h = ("Return-Path: <s%d@remote.test>\r\n"
         "Received: from mx%d.remote.test (mx%d.remote.test [192.0.2.%d])\r\n"
         "\tby mail.example.test with ESMTPS id %08x\r\n"
         "\tfor <alice@example.test>; Mon, 7 Feb 2025 21:52:%02d -0800\r\n"
         "Received: from localhost by mx%d.remote.test; Mon, 7 Feb 2025 "
         "21:52:%02d -0800\r\n"
         "DKIM-Signature: v=1; a=rsa-sha256; d=remote.test; s=sel; "
         "h=from:to:subject:date;\r\n\tbh=%032x;\r\n\tb=%064x\r\n"
         "From: Sender %d <s%d@remote.test>\r\n"
         "To: Alice <alice@example.test>, team%d@example.test\r\n"
         "%s"
         "Subject: %s number %d, =?UTF-8?Q?caf=C3=A9?=\r\n"
         "Date: Mon, 7 Feb 2025 21:52:%02d -0800\r\n"
         "Message-ID: <%d.%08x@remote.test>\r\n"
         "%s"
         "MIME-Version: 1.0\r\n"
         "Content-Type: text/plain; charset=utf-8\r\n"
         "Content-Transfer-Encoding: 8bit\r\n"
         "List-Id: <team.remote.test>\r\n"
         "List-Unsubscribe: <mailto:leave@remote.test>\r\n"
         "X-Spam-Score: %d.%d\r\n\r\n") % (
        i % 23, i % 5, i % 5, i % 250 + 1, rnd.getrandbits(32), i % 60,
        i % 5, i % 60, rnd.getrandbits(128), rnd.getrandbits(256),
        i % 17, i % 17, i % 7,
        "Cc: Bob <bob@example.test>\r\n" if i % 3 == 0 else "",
        w, i, i % 60, i, rnd.getrandbits(32),
        ("In-Reply-To: <%d.x@remote.test>\r\nReferences: <%d.x@remote.test>"
         "\r\n" % (i - 1, i - 1)) if i % 4 == 0 else "",
        i % 10, i % 10)
    body = []
    n = len(h)
    while n < size:
        line = "The quick brown fox jumps over the lazy dog, line %d.\r\n" % i
        body.append(line)
        n += len(line)
    return (h + "".join(body)).encode()


class Session:
    def __init__(self, port, user, pw):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.buf = bytearray()
        self.read_until(b"\r\n")
        self.cmd(b'LOGIN "%s" "%s"' % (user.encode(), pw.encode()))

    def read_until(self, end):
        while True:
            i = self.buf.find(end)
            if i >= 0:
                out = bytes(self.buf[:i + len(end)])
                del self.buf[:i + len(end)]
                return out
            d = self.s.recv(1 << 20)
            if not d:
                raise SystemExit("connection closed")
            self.buf += d

    def cmd(self, c, tag=b"zq9"):
        """the whole answer up to the tagged line; raises on NO/BAD"""
        self.s.sendall(tag + b" " + c + b"\r\n")
        # the tag right after a line end ends the answer (no literal
        # of these messages holds a line starting with it)
        self.buf[:0] = b"\r\n"    # the buffer starts at a line
        out = self.read_until(b"\r\n" + tag + b" ")[2:]
        out += self.read_until(b"\r\n")
        if not (b"\r\n" + out).rsplit(b"\r\n" + tag + b" ", 1)[1].startswith(b"OK"):
            raise SystemExit("%r failed: %r" % (c, out[-300:]))
        return out

    def append(self, msg):
        self.s.sendall(b"ap APPEND INBOX {%d}\r\n" % len(msg))
        self.read_until(b"\r\n")
        self.s.sendall(msg + b"\r\n")
        while True:
            line = self.read_until(b"\r\n")
            if line.startswith(b"ap "):
                if not line.startswith(b"ap OK"):
                    raise SystemExit("APPEND failed: %r" % line)
                return


def literals(answer):
    """{uid: header literal} of a FETCH answer"""
    out = {}
    for m in re.finditer(rb"\* \d+ FETCH \(.*?UID (\d+).*?HEADER\.FIELDS "
                         rb"\([^)]*\)\] \{(\d+)\}\r\n", answer, re.S):
        start = m.end()
        out[int(m.group(1))] = answer[start:start + int(m.group(2))]
    return out


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tern", default=os.path.join(ternlib.REPO, "build", "tern"))
    ap.add_argument("-n", type=int, default=1000)
    ap.add_argument("--old", help="another tern binary, in the same run")
    ap.add_argument("-r", type=int, default=40, help="timed runs of each")
    a = ap.parse_args()
    ternlib.TERN_BIN = os.path.abspath(a.tern)
    rnd = random.Random(12)
    msgs = [message(i, rnd) for i in range(a.n)]
    names = ["tern", "dovecot"] + (["tern-old"] if a.old else [])
    with tempfile.TemporaryDirectory() as tmp:
        terns = {}
        for name, binary in (("tern", a.tern), ("tern-old", a.old)):
            if binary is None:
                continue
            ternlib.TERN_BIN = os.path.abspath(binary)
            os.mkdir(os.path.join(tmp, name))
            t = ternlib.Tern(os.path.join(tmp, name), protocols=("imap",),
                             user="root" if os.geteuid() == 0 else "")
            # debug logging is the tests' setting, not a server's
            text = open(t.conf).read().replace("log_level = debug",
                                               "log_level = info")
            open(t.conf, "w").write(text)
            t.add_account(dovecotlib.USER, dovecotlib.PASSWORD)
            t.start()
            terns[name] = t
        t = terns["tern"]
        d = dovecotlib.Dovecot()
        d.start()
        try:
            sess = {}
            ports = {n: x.port("imap") for n, x in terns.items()}
            ports["dovecot"] = d.port
            for name in names:
                port = ports[name]
                s = Session(port, dovecotlib.USER, dovecotlib.PASSWORD)
                t0 = time.monotonic()
                for m in msgs:
                    s.append(m)
                print("%s: %d messages appended in %.1f s" %
                      (name, len(msgs), time.monotonic() - t0))
                s.cmd(b"SELECT INBOX")
                sess[name] = s
            times = {n: [] for n in names}
            first = {}
            prof = None
            if os.environ.get("PERF_OUT"):    # profile tern during the runs
                import subprocess
                prof = subprocess.Popen(["perf", "record", "-g", "-o",
                                         os.environ["PERF_OUT"], "-p",
                                         str(t.proc.pid)],
                                        stderr=subprocess.DEVNULL)
                time.sleep(1)
            answers = {}
            for r in range(a.r + 2):
                for name in names if r % 2 else names[::-1]:
                    t0 = time.monotonic()
                    out = sess[name].cmd(QUERY)
                    dt = time.monotonic() - t0
                    if r >= 2:
                        times[name].append(dt)
                    else:
                        first.setdefault(name, dt)
                    answers[name] = out
            if prof is not None:
                prof.send_signal(2)
                prof.wait()
            lt, ld = literals(answers["tern"]), literals(answers["dovecot"])
            same = sum(1 for u in lt if lt[u] == ld.get(u))
            print("query: %s" % QUERY.decode())
            print("%d messages, %d runs each, answer %d bytes (tern) %d "
                  "(dovecot)" % (a.n, a.r, len(answers["tern"]),
                                 len(answers["dovecot"])))
            for name in names:
                v = times[name]
                print("%-8s median %6.1f ms  p90 %6.1f ms  min %6.1f ms  "
                      "(first run, caches cold: %.1f ms)" %
                      (name, statistics.median(v) * 1e3, pct(v, 0.9) * 1e3,
                       min(v) * 1e3, first[name] * 1e3))
            print("ratio tern/dovecot median: %.2f  p90: %.2f" %
                  (statistics.median(times["tern"]) /
                   statistics.median(times["dovecot"]),
                   pct(times["tern"], 0.9) / pct(times["dovecot"], 0.9)))
            if a.old:
                print("ratio tern-old/dovecot median: %.2f  p90: %.2f" %
                      (statistics.median(times["tern-old"]) /
                       statistics.median(times["dovecot"]),
                       pct(times["tern-old"], 0.9) / pct(times["dovecot"], 0.9)))
            print("header literals identical: %d of %d (dovecot %d)" %
                  (same, len(lt), len(ld)))
        finally:
            d.stop()
            for x in terns.values():
                x.stop()


if __name__ == "__main__":
    main()
