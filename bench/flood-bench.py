#!/usr/bin/env python3
"""flood-bench.py - the worst latency a quiet session sees while another
connection attacks the server (issue 11): p50/p99/max of an IMAP NOOP
round trip (logged in, INBOX selected) and of an SMTP EHLO round trip,
with no attack and during each attack, for one or two binaries.

    bench/flood-bench.py [--old OLD_BIN] [--seconds 5] [BIN]

Attacks (each from its own process, so that Python's GIL never delays
the probe):
  imap-output    `a CAPABILITY` pipelined, replies never read
  pop3-output    `CAPA` pipelined, replies never read
  smtp-output    RCPT beyond the recipient limit, replies never read
  compress-noop  COMPRESS DEFLATE, then compressed NOOPs as fast as the
                 server takes them (replies read)
  search         16 parallel `SEARCH TEXT` on one account (2,000 x 4 KB);
                 also timed: another user's LOGIN
  list           `LIST (SUBSCRIBED RECURSIVEMATCH) "" *` over 20,000
                 mailboxes, in a loop
  brute-force    100 parallel connections trying wrong passwords; also
                 counted: password checks answered before the block
Printed: a table per binary, and the server's peak RSS growth per
attack. Target (issue 11): p99 under 50 ms. Benchmarks never fail on a
time: exit 0 unless something broke.
"""
import argparse
import multiprocessing as mp
import os
import re
import select
import socket
import sys
import threading
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import ternlib  # noqa: E402

ALICE = ("alice@example.test", "alice-secret-pw")
BOB = ("bob@example.test", "bob-secret-pw")


def status_kb(pid, field):
    with open("/proc/%d/status" % pid) as f:
        return int(next(x for x in f if x.startswith(field + ":")).split()[1])


def connect(port, timeout=60, source="127.0.0.1"):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                 source_address=(source, 0))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_until(s, end, buf=b""):
    while end not in buf:
        chunk = s.recv(1 << 16)
        if not chunk:
            raise EOFError(buf[-200:])
        buf += chunk
    return buf


def imap_session(port, user, source="127.0.0.1"):
    s = connect(port, source=source)
    read_until(s, b"\r\n")
    s.sendall(b"l LOGIN %s %s\r\n" % (user[0].encode(), user[1].encode()))
    read_until(s, b"l OK")
    return s


# --- attacks (child processes; run until stop is set) ---

def unread_flood(port, prologue, line, stop):
    s = connect(port)
    read_until(s, b"\r\n")
    s.sendall(prologue)
    s.setblocking(False)
    block = line * 4096
    while not stop.is_set():
        _, w, _ = select.select([], [s], [], 0.1)
        if w:
            try:
                s.send(block)
            except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                time.sleep(0.05)
    s.close()


def attack_imap_output(ports, stop):
    unread_flood(ports["imap"], b"", b"a CAPABILITY\r\n", stop)


def attack_pop3_output(ports, stop):
    unread_flood(ports["pop3"], b"", b"CAPA\r\n", stop)


def attack_smtp_output(ports, stop):
    unread_flood(ports["smtp"], b"EHLO x\r\nMAIL FROM:<s@remote.test>\r\n" +
                 b"RCPT TO:<alice@example.test>\r\n" * 100,
                 b"RCPT TO:<a@b.c>\r\n", stop)


def attack_compress_noop(ports, stop):
    """blocks of 200,000 compressed NOOPs (~1 KB each), the next one as
    soon as the last reply of the previous one is in"""
    s = imap_session(ports["imap"], ALICE)
    s.sendall(b"c COMPRESS DEFLATE\r\n")
    read_until(s, b"c OK")
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    de = zlib.decompressobj(-15)
    n = 0
    while not stop.is_set():
        n += 1
        end = b"z%d OK" % n
        s.sendall(co.compress(b"a NOOP\r\n" * 200000 + b"z%d NOOP\r\n" % n) +
                  co.flush(zlib.Z_SYNC_FLUSH))
        tail = b""
        while True:
            text = tail + de.decompress(s.recv(1 << 20))
            if end in text:
                break
            tail = text[-16:]
    s.close()


def in_threads(n, fn, stop):
    ths = [threading.Thread(target=fn, args=(i,), daemon=True) for i in range(n)]
    for th in ths:
        th.start()
    stop.wait()


def attack_search(ports, stop):
    def one(i):
        s = imap_session(ports["imap"], ALICE)
        s.sendall(b"s SELECT INBOX\r\n")
        read_until(s, b"s OK")
        n = 0
        while not stop.is_set():
            s.sendall(b"q%d SEARCH TEXT needle-%d\r\n" % (n, n))
            read_until(s, b"q%d " % n)
            n += 1
    in_threads(16, one, stop)


def attack_list(ports, stop):
    s = imap_session(ports["imap"], ALICE)
    n = 0
    while not stop.is_set():
        s.sendall(b"q%d LIST (SUBSCRIBED RECURSIVEMATCH) \"\" *\r\n" % n)
        read_until(s, b"q%d " % n)
        n += 1


def attack_brute_force(ports, stop, checks):
    def one(i):
        while not stop.is_set():
            try:
                s = connect(ports["imap"], timeout=20)
                read_until(s, b"\r\n")
                for k in range(3):
                    s.sendall(b"l LOGIN alice@example.test wrong-%d-%d\r\n" % (i, k))
                    out = read_until(s, b"\r\n")
                    if b"AUTHENTICATIONFAILED" in out:
                        with checks.get_lock():
                            checks.value += 1
                    else:
                        break
                s.close()
            except (OSError, EOFError):
                time.sleep(0.05)
    in_threads(100, one, stop)


# --- probes (main process) ---

# the quiet sessions come from another address than the attackers (whose
# connection limit and login blocks are per address)
PROBE_IP = "127.0.0.2"


class Probe:
    def __init__(self, ports):
        self.ports = ports
        self.imap = imap_session(ports["imap"], BOB, PROBE_IP)
        self.imap.sendall(b"s SELECT INBOX\r\n")
        read_until(self.imap, b"s OK")
        self.n = 0
        self.smtp = None
        self.ehlos = 0

    def imap_noop(self):
        self.n += 1
        tag = b"p%d" % self.n
        t0 = time.perf_counter()
        self.imap.sendall(tag + b" NOOP\r\n")
        read_until(self.imap, tag + b" OK")
        return time.perf_counter() - t0

    def smtp_ehlo(self):
        if self.smtp is None or self.ehlos >= 90:   # smtp junk limit: 100
            if self.smtp is not None:
                self.smtp.close()
            self.smtp = connect(self.ports["smtp"], source=PROBE_IP)
            read_until(self.smtp, b"\r\n")
            self.ehlos = 0
        self.ehlos += 1
        t0 = time.perf_counter()
        self.smtp.sendall(b"EHLO probe\r\n")
        buf = b""
        while not re.search(rb"(?m)^250 [^\r\n]*\r\n", buf):
            chunk = self.smtp.recv(4096)
            if not chunk:
                raise EOFError("smtp probe closed")
            buf += chunk
        return time.perf_counter() - t0

    def login(self):
        t0 = time.perf_counter()
        s = imap_session(self.ports["imap"], BOB, PROBE_IP)
        dt = time.perf_counter() - t0
        s.close()
        return dt


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p))] if v else float("nan")


def fmt(v):
    if not v:
        return "-"
    return "%.1f / %.1f / %.1f" % (pct(v, .5) * 1e3, pct(v, .99) * 1e3,
                                   max(v) * 1e3)


ATTACKS = [
    ("none", None),
    ("imap-output", attack_imap_output),
    ("pop3-output", attack_pop3_output),
    ("smtp-output", attack_smtp_output),
    ("compress-noop", attack_compress_noop),
    ("search", attack_search),
    ("list", attack_list),
    ("brute-force", attack_brute_force),
]


def setup(t):
    """2,000 x 4 KB messages and 20,000 mailboxes for alice"""
    s = imap_session(t.port("imap"), ALICE)
    body = b"Subject: m\r\n\r\n" + (b"lorem ipsum dolor sit amet " * 150) + b"\r\n"
    out = b"".join(b"a%d APPEND INBOX {%d+}\r\n" % (i, len(body)) + body + b"\r\n"
                   for i in range(2000))
    s.sendall(out)
    read_until(s, b"a1999 ")
    cmds = b"".join(b"c%d CREATE box%d/sub%d\r\n" % (i, i // 100, i)
                    for i in range(20000))
    s.sendall(cmds + b"s SUBSCRIBE box1/sub150\r\n")
    read_until(s, b"\r\ns ")
    s.close()


def run(binary, seconds, workdir):
    ternlib.TERN_BIN = binary
    os.makedirs(workdir)
    t = ternlib.Tern(workdir)
    text = open(t.conf).read().replace("log_level = debug", "log_level = info")
    # the LIST attack's 20,000 mailboxes are over store.max_mailboxes's
    # default; a tern from before that key refuses it, and needs none
    open(t.conf, "w").write(text + "\nstore.max_mailboxes = 0\n")
    if ternlib.run_cli(t.conf, "domain", "list", check=False).returncode == 3:
        open(t.conf, "w").write(text)
    t.add_account(*ALICE)
    t.add_account(*BOB)
    t.start()
    results = {}
    try:
        setup(t)
        ports = {p: t.port(p) for p in ("imap", "pop3", "smtp")}
        for name, fn in ATTACKS:
            probe = Probe(ports)
            stop = mp.Event()
            checks = mp.Value("i", 0)
            rss0 = status_kb(t.proc.pid, "VmRSS")
            proc = None
            if fn is not None:
                args = (ports, stop, checks) if name == "brute-force" else (ports, stop)
                proc = mp.Process(target=fn, args=args)
                proc.start()
                time.sleep(0.5)     # let the attack get going
            noop, ehlo, login = [], [], []
            end = time.time() + seconds
            while time.time() < end:
                for fn, out in ((probe.imap_noop, noop), (probe.smtp_ehlo, ehlo)):
                    t0 = time.perf_counter()
                    try:
                        out.append(fn())
                    except (OSError, EOFError) as e:
                        # a probe that timed out counts with its wait
                        out.append(time.perf_counter() - t0)
                        print("  probe failed: %r" % e, flush=True)
                        try:
                            probe = Probe(ports)
                        except (OSError, EOFError):
                            end = 0
                            break
                if name == "search" and len(noop) % 20 == 0:
                    login.append(probe.login())
                time.sleep(0.005)
            # while the attack still holds whatever it made the server keep
            growth = status_kb(t.proc.pid, "VmRSS") - rss0
            stop.set()
            if proc is not None:
                proc.join(5)
                if proc.is_alive():
                    proc.terminate()
                    proc.join()
            extra = ""
            if login:
                extra = "bob LOGIN %s ms" % fmt(login)
            if name == "brute-force":
                extra = "%d password checks failed in %.0f s (block after 20)" % (
                    checks.value, seconds)
            results[name] = (noop, ehlo, growth, extra)
            print("  %-14s NOOP %s  EHLO %s  (%d probes) %s" % (
                name, fmt(noop), fmt(ehlo), len(noop), extra), flush=True)
            time.sleep(1)   # let the server settle between attacks
    finally:
        rc = t.stop(timeout=60)
        if rc != 0:
            print("  server exited with %s" % rc)
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary", nargs="?",
                    default=os.path.join(HERE, "..", "build", "tern"))
    ap.add_argument("--old", help="the binary before the change")
    ap.add_argument("--seconds", type=float, default=5)
    a = ap.parse_args()
    import tempfile
    base = tempfile.mkdtemp(prefix="tern-flood-bench.")
    runs = []
    if a.old:
        runs.append(("before", os.path.abspath(a.old)))
    runs.append(("after", os.path.abspath(a.binary)))
    table = {}
    for label, b in runs:
        print("%s: %s" % (label, b), flush=True)
        table[label] = run(b, a.seconds, os.path.join(base, label))
    print("\nlatency of a quiet session, ms p50 / p99 / max "
          "(target: p99 < 50 ms); server RSS growth during the attack")
    print("| attack | " + " | ".join("%s IMAP NOOP | %s SMTP EHLO | %s RSS" % (l, l, l)
                                    for l, _ in runs) + " |")
    print("|---|" + "---|---|---|" * len(runs))
    for name, _ in ATTACKS:
        row = []
        for l, _ in runs:
            noop, ehlo, growth, extra = table[l][name]
            row += [fmt(noop), fmt(ehlo), "+%d MB" % (growth // 1024)]
        print("| %s | %s |" % (name, " | ".join(row)))
    for l, _ in runs:
        for name, _ in ATTACKS:
            if table[l][name][3]:
                print("%s %s: %s" % (l, name, table[l][name][3]))
    import shutil
    shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
