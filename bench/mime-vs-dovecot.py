#!/usr/bin/env python3
"""mime-vs-dovecot.py - ENVELOPE, BODY and BODYSTRUCTURE of tern and
Dovecot compared over a generated corpus (issue 12).

    bench/mime-vs-dovecot.py [--tern build/tern] [-n 300] [--seed 12] [--show 5]

Starts a tern and a private Dovecot (tests/integration/dovecotlib.py:
loopback high port, passwd-file user, maildir in a temporary folder;
needs the dovecot-imapd package), APPENDs the same messages
(tests/integration/mime_corpus.py plus tests/data/mime) to both, then
FETCHes (ENVELOPE BODYSTRUCTURE BODY) for each and prints how many
answers differ per item, and the first --show differences. The reasons
for the differences tern keeps on purpose are in mime_corpus.DEVIATIONS;
with --strict the corpus leaves those out and nothing may differ."""
import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "integration"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tern", default=None)
    ap.add_argument("-n", type=int, default=300)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--show", type=int, default=5)
    ap.add_argument("--strict", action="store_true",
                    help="leave out the inputs where tern differs on purpose"
                         " (mime_corpus.DEVIATIONS) and write MIME tokens"
                         " in lower case")
    ap.add_argument("--dump", help="write every differing message here")
    a = ap.parse_args()
    if a.tern:
        os.environ["TERN_BIN"] = os.path.abspath(a.tern)
    import dovecotlib
    import mime_compare
    import mime_corpus
    import ternlib

    msgs = mime_corpus.messages(a.n, a.seed, strict=a.strict)
    with tempfile.TemporaryDirectory() as tmp:
        os.mkdir(os.path.join(tmp, "tern"))
        t = ternlib.Tern(os.path.join(tmp, "tern"))
        t.add_account(dovecotlib.USER, dovecotlib.PASSWORD)
        t.start()
        d = dovecotlib.Dovecot()
        try:
            d.start()
            diffs, ta, da = mime_compare.compare(t.port("imap"), d.port,
                                                 dovecotlib.USER,
                                                 dovecotlib.PASSWORD, msgs)
        finally:
            d.stop()
            t.stop()
    print("%d messages" % len(msgs))
    # tern lowercases case-insensitive MIME tokens, Dovecot keeps the
    # message's case: both are right, so count those apart
    for it, seqs in diffs.items():
        folded = [n for n in seqs if ta.get(n, {}).get(it, b"").lower() !=
                  da.get(n, {}).get(it, b"").lower()]
        print("%-14s differs on %d (%d beyond letter case)" %
              (it.decode(), len(seqs), len(folded)))
    for it, seqs in diffs.items():
        for n in seqs[:a.show]:
            print("\n--- %s of message %d\n tern:    %s\n dovecot: %s" %
                  (it.decode(), n, ta.get(n, {}).get(it), da.get(n, {}).get(it)))
    if a.dump:
        os.makedirs(a.dump, exist_ok=True)
        bad = sorted(set(n for s in diffs.values() for n in s))
        for n in bad:
            with open(os.path.join(a.dump, "%04d.eml" % n), "wb") as f:
                f.write(msgs[n - 1])
            with open(os.path.join(a.dump, "%04d.diff" % n), "wb") as f:
                for it in diffs:
                    if n in diffs[it]:
                        f.write(b"%s\ntern:    %s\ndovecot: %s\n" %
                                (it, ta.get(n, {}).get(it, b"-"), da.get(n, {}).get(it, b"-")))


if __name__ == "__main__":
    main()
