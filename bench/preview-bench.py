#!/usr/bin/env python3
"""preview-bench.py - FETCH 1:* (PREVIEW) over a folder, tern and
Dovecot side by side (issue 12: listing a folder with previews must stay
cheap; tern makes the preview once at delivery and keeps it).

    bench/preview-bench.py [--tern build/tern] [-n 1000] [--runs 15]

Starts a tern and a private Dovecot (tests/integration/dovecotlib.py),
APPENDs the same n messages (tests/integration/mime_corpus.py, cycled)
to both, then times FETCH 1:* (PREVIEW) --runs times on each (the first,
which may fill Dovecot's cache, is reported apart) and prints the
median. For tern it also times the same with the stored previews
cleared (a store of an older tern: the first FETCH makes each from the
message and the store keeps them, so the next ones read them)."""
import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "integration"))


def timed(port, user, pw, runs):
    from imapraw import Raw
    c = Raw("127.0.0.1", port)
    c.login(user, pw)
    c.ok(b"SELECT INBOX")
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        c.ok(b"FETCH 1:* (PREVIEW)")
        out.append((time.perf_counter() - t0) * 1000)
    c.close()
    return out[0], statistics.median(out[1:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tern", default=None)
    ap.add_argument("-n", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=15)
    a = ap.parse_args()
    if a.tern:
        os.environ["TERN_BIN"] = os.path.abspath(a.tern)
    import dovecotlib
    import mime_compare
    import mime_corpus
    import ternlib

    corpus = mime_corpus.messages(300, 12)
    msgs = [corpus[i % len(corpus)] for i in range(a.n)]
    U, P = dovecotlib.USER, dovecotlib.PASSWORD
    with tempfile.TemporaryDirectory() as tmp:
        os.mkdir(os.path.join(tmp, "tern"))
        t = ternlib.Tern(os.path.join(tmp, "tern"))
        t.add_account(U, P)
        t.start()
        d = dovecotlib.Dovecot()
        try:
            d.start()
            for port in (t.port("imap"), d.port):
                mime_compare.load(port, U, P, msgs).close()
            tf, tm = timed(t.port("imap"), U, P, a.runs)
            df, dm = timed(d.port, U, P, a.runs)
            t.stop()
            db = sqlite3.connect(os.path.join(t.data_dir, "tern.db"))
            db.execute("UPDATE blobs SET preview = NULL")
            db.commit()
            db.close()
            t.start()
            of, om = timed(t.port("imap"), U, P, a.runs)
        finally:
            d.stop()
            t.stop()
    print("FETCH 1:%d (PREVIEW), ms: first / median of the next %d"
          % (a.n, a.runs - 1))
    print("tern (stored previews)      %7.1f / %7.1f" % (tf, tm))
    print("tern (older store)          %7.1f / %7.1f" % (of, om))
    print("dovecot 2.3                 %7.1f / %7.1f" % (df, dm))


if __name__ == "__main__":
    main()
