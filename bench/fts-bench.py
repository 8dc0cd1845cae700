#!/usr/bin/env python3
"""fts-bench.py - SEARCH TEXT on a big mailbox: tern's full-text index
against Dovecot 2.3 with its Xapian FTS plugin (dovecot-fts-xapian), in
the same run, on the same messages (issue 12, search at scale).

    bench/fts-bench.py [-n 100000] [--runs 5] [--tern build/tern]

Generates n messages (seeded: the same set every run; ~2 KB of text
each, words drawn from a Zipf-like vocabulary plus marker words of known
frequency), writes them as one Maildir, imports it into a fresh tern
(`tern import`, which indexes as it stores) and copies it into a private
Dovecot's INBOX (tests/integration/dovecotlib.py with the FTS config
below), indexed by `doveadm index`. Then each query is sent as
`SEARCH TEXT word` --runs times to each server, alternating, over one
selected connection each, and the medians, the ratio and the hit counts
are printed; also the time each side took to store and index, and the
index sizes beside the message data. Figures go in bench/fts-results.md.

Both servers run on this machine's shared cores: tern's SEARCH uses its
thread pool, Dovecot's imap process is single-threaded; neither is tuned
beyond what is written here.

The answers differ in meaning and the hit counts show it: tern's TEXT is
the substring match of RFC 3501/9051 (a word inside a longer word
matches), Xapian's is a word match (prefix n-grams in headers only)."""
import argparse
import os
import pwd
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

# Dovecot's FTS with Xapian as its README sets it up (partial/full:
# the n-gram lengths it indexes header words with); fts_enforced: a
# SEARCH never falls back to reading the messages
FTS_CONF = """
mail_plugins = $mail_plugins fts fts_xapian
plugin {
  fts = xapian
  fts_xapian = partial=3 full=20 verbose=0
  fts_autoindex = yes
  fts_enforced = yes
}
service indexer-worker {
  vsz_limit = 2G
}
"""

# marker words and the share of messages that hold each
MARKERS = [("quetzalcoatl", 0.0001), ("zymurgy", 0.001),
           ("kumquat", 0.01), ("marmalade", 0.1), ("lantern", 0.5)]
QUERIES = [w for w, _ in MARKERS] + ["nonexistentword", "report"]


def vocabulary(rng, n=20000):
    syl = ["ka", "lo", "mi", "ne", "ta", "ri", "so", "ve", "du", "pa", "ge",
           "ho", "ju", "wi", "ze", "ba", "co", "fi", "mu", "ny"]
    words = set()
    while len(words) < n:
        words.add("".join(rng.choice(syl) for _ in range(rng.randint(2, 4))))
    return sorted(words) + ["report", "meeting", "invoice", "the", "and"]


def message(rng, i, vocab, weights):
    words = rng.choices(vocab, weights=weights, k=rng.randint(150, 450))
    for w, share in MARKERS:
        if rng.random() < share:
            words.insert(rng.randrange(len(words)), w)
    lines, line = [], []
    for w in words:
        line.append(w)
        if len(line) >= 12:
            lines.append(" ".join(line))
            line = []
    lines.append(" ".join(line))
    subj = " ".join(rng.choices(vocab, weights=weights, k=5))
    return ("From: Sender %d <sender%d@example.org>\r\n"
            "To: alice@example.test\r\n"
            "Subject: %s\r\n"
            "Date: Thu, 03 Dec 2026 12:00:00 +0000\r\n"
            "Message-ID: <%d@bench.example>\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "\r\n%s\r\n" % (i, i, subj, i, "\r\n".join(lines))).encode()


def write_maildir(path, n, seed):
    rng = random.Random(seed)
    vocab = vocabulary(rng)
    weights = [1.0 / (k + 1) for k in range(len(vocab))]
    for d in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(path, d), exist_ok=True)
    total = 0
    for i in range(n):
        m = message(rng, i, vocab, weights)
        total += len(m)
        with open(os.path.join(path, "cur", "%d.M%dP1.bench:2,S" %
                               (1700000000 + i, i)), "wb") as f:
            f.write(m)
    return total


def du(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_size
            except FileNotFoundError:
                pass
    return total


class Imap:
    def __init__(self, port, user, pw):
        self.s = socket.create_connection(("127.0.0.1", port), 600)
        self.f = self.s.makefile("rb")
        self.f.readline()
        self.n = 0
        self.cmd(b'LOGIN "%s" "%s"' % (user.encode(), pw.encode()))

    def cmd(self, line):
        self.n += 1
        tag = b"b%d" % self.n
        self.s.sendall(tag + b" " + line + b"\r\n")
        out = []
        while True:
            r = self.f.readline()
            if not r:
                raise RuntimeError("closed")
            if r.startswith(tag + b" "):
                if not r.split(b" ")[1] == b"OK":
                    raise RuntimeError("%r: %r" % (line, r))
                return out
            out.append(r)

    def search(self, word):
        t = time.perf_counter()
        out = self.cmd(b"SEARCH TEXT " + word.encode())
        dt = time.perf_counter() - t
        hits = [r for r in out if r.startswith(b"* SEARCH")]
        return dt, len(hits[0].split()) - 2


def smtp_deliver(port, md, rcpt, conns=4):
    """every message of the Maildir to rcpt over SMTP, conns sessions at
    once, in name order (uids follow it)"""
    import smtplib
    import threading
    names = sorted(os.listdir(os.path.join(md, "cur")))
    parts = [names[i::conns] for i in range(conns)]
    errors = []

    def run(part):
        try:
            c = smtplib.SMTP("127.0.0.1", port, timeout=600)
            for n in part:
                with open(os.path.join(md, "cur", n), "rb") as f:
                    c.sendmail("bench@example.org", [rcpt], f.read())
            c.quit()
        except Exception as e:  # reported below, the run fails
            errors.append(e)
    th = [threading.Thread(target=run, args=(p,)) for p in parts]
    for x in th:
        x.start()
    for x in th:
        x.join()
    if errors:
        raise RuntimeError("SMTP delivery failed: %r" % errors[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=100000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--tern", default=None)
    ap.add_argument("--tern-only", action="store_true",
                    help="no Dovecot (while working on tern)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the temporary folder (printed)")
    ap.add_argument("--workdir", default=None,
                    help="a folder kept between runs: the generated mail"
                    " and Dovecot's indexed copy are made once and reused"
                    " (Xapian indexes ~30 messages/s); tern is imported"
                    " afresh every run, as its build changes")
    ap.add_argument("--smtp", action="store_true",
                    help="tern gets the mail over SMTP (as a real mailbox"
                    " does: every message with its per-recipient"
                    " Return-Path/Delivered-To fields) instead of"
                    " `tern import`")
    a = ap.parse_args()
    if a.tern:
        os.environ["TERN_BIN"] = os.path.abspath(a.tern)
    import dovecotlib
    import ternlib

    user, pw = dovecotlib.USER, dovecotlib.PASSWORD
    if a.workdir:
        tmp = os.path.abspath(a.workdir)
        os.makedirs(tmp, exist_ok=True)
        a.keep = True
    else:
        tmp = tempfile.mkdtemp(prefix="fts-bench-")
    d = t = None
    try:
        md = os.path.join(tmp, "Maildir")
        made = os.path.join(tmp, "Maildir.%d.%d" % (a.n, a.seed))
        t0 = time.time()
        if os.path.exists(made):
            raw = du(md)
        else:
            shutil.rmtree(md, ignore_errors=True)
            raw = write_maildir(md, a.n, a.seed)
            open(made, "w").close()
        print("%d messages, %.1f MB, generated in %.0f s" %
              (a.n, raw / 1e6, time.time() - t0), flush=True)

        shutil.rmtree(os.path.join(tmp, "tern"), ignore_errors=True)
        os.mkdir(os.path.join(tmp, "tern"))
        t = ternlib.Tern(os.path.join(tmp, "tern"))
        t.add_account(user, pw)
        t0 = time.time()
        if a.smtp:
            t.start()
            smtp_deliver(t.port("smtp"), md, user)
        else:
            ternlib.run_cli(t.conf, "import", user, md, timeout=36000)
            t.start()
        tern_store_s = time.time() - t0
        db = os.path.join(t.data_dir, "tern.db")
        import sqlite3
        c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
        try:
            tern_idx = c.execute("SELECT sum(pgsize) FROM dbstat WHERE name"
                                 " LIKE 'blob_text%'").fetchone()[0] or 0
        except sqlite3.Error:
            tern_idx = None
        c.close()
        tern_total = du(t.data_dir)
        print("tern: " + ("SMTP" if a.smtp else "import") +
              " (store + index) %.0f s; data folder %.1f MB,"
              " index %s MB" % (tern_store_s, tern_total / 1e6,
                                "%.1f" % (tern_idx / 1e6) if tern_idx
                                is not None else "?"), flush=True)

        if a.tern_only:
            ti = Imap(t.port("imap"), user, pw)
            ti.cmd(b"SELECT INBOX")
            for q in QUERIES:
                ti.search(q)
                tt = [ti.search(q) for _ in range(a.runs)]
                print("%-16s %10.1f ms %8d hits" % (
                    q, statistics.median(x for x, _ in tt) * 1e3, tt[0][1]),
                    flush=True)
            return
        ddir = os.path.join(tmp, "dovecot") if a.workdir else None
        indexed = ddir and os.path.exists(os.path.join(ddir, "indexed.%d.%d"
                                                       % (a.n, a.seed)))
        if ddir and not indexed:
            shutil.rmtree(ddir, ignore_errors=True)
        d = dovecotlib.Dovecot(extra=FTS_CONF, dir=ddir)
        home = os.path.join(d.dir, "home", user)
        if not indexed:
            shutil.copytree(md, os.path.join(home, "Maildir"))
        if os.geteuid() == 0 and not indexed:
            nobody = pwd.getpwnam("nobody")
            for root, dirs, files in os.walk(home):
                for x in dirs + files + [""]:
                    os.lchown(os.path.join(root, x), nobody.pw_uid,
                              nobody.pw_gid)
        d.start()
        t0 = time.time()
        if indexed:
            print("dovecot: reusing the index made by an earlier run",
                  flush=True)
        else:
            subprocess.run(["doveadm", "-c", d.conf, "index", "-u", user,
                            "INBOX"], check=True, timeout=36000)
            if ddir:
                open(os.path.join(ddir, "indexed.%d.%d" % (a.n, a.seed)),
                     "w").close()
        dove_index_s = time.time() - t0
        xap = sum(du(os.path.join(root, x)) for root, dirs, _ in
                  os.walk(home) for x in dirs if "xapian" in x.lower())
        print("dovecot: doveadm index (dovecot.index + xapian) %.0f s;"
              " xapian index %.1f MB, maildir + indexes %.1f MB" %
              (dove_index_s, xap / 1e6, du(home) / 1e6), flush=True)

        ti = Imap(t.port("imap"), user, pw)
        di = Imap(d.port, user, pw)
        ti.cmd(b"SELECT INBOX")
        di.cmd(b"SELECT INBOX")
        # one untimed round each: caches, Xapian's database opened
        for q in QUERIES:
            ti.search(q)
            di.search(q)
        print("\n%-16s %10s %10s %8s %10s %10s" %
              ("SEARCH TEXT", "tern ms", "dovecot ms", "ratio",
               "tern hits", "dov hits"))
        ratios = []
        for q in QUERIES:
            tt, dt = [], []
            for _ in range(a.runs):
                x, th = ti.search(q)
                tt.append(x)
                y, dh = di.search(q)
                dt.append(y)
            tm, dm = statistics.median(tt) * 1e3, statistics.median(dt) * 1e3
            ratios.append(dm / tm if tm > 0 else 0)
            print("%-16s %10.1f %10.1f %7.1fx %10d %10d" %
                  (q, tm, dm, ratios[-1], th, dh), flush=True)
        print("\ngeometric mean of dovecot/tern: %.2fx" %
              statistics.geometric_mean(ratios))
    finally:
        if d is not None:
            d.stop()
        if t is not None:
            t.stop()
        if a.keep:
            print("kept", tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
