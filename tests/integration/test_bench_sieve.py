"""The Sieve delivery bench's harness (bench/sieve-bench.py), tiny: both
servers (tern, and Postfix -> LMTP -> Dovecot + Pigeonhole) take mail
with the 20-rule script for three users, with and without rspamd as
their milter, and every message lands in the folder the script names,
on both sides alike. Times are printed, never judged."""
import ast
import os
import re
import shutil
import subprocess
import sys

import pytest

import ternlib

BENCH = os.path.join(ternlib.REPO, "bench", "sieve-bench.py")

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("postfix") or
    not os.path.exists("/usr/lib/dovecot/lmtp") or not shutil.which("rspamd"),
    reason="needs root, Postfix, Dovecot's LMTP and rspamd (install-deps.sh test)")


def bench(*args, timeout=38):
    return subprocess.run([sys.executable, BENCH, "--tern", ternlib.TERN_BIN,
                           *args], capture_output=True, text=True,
                          timeout=timeout)


def test_tiny_run_files_alike_on_both_sides(tmp_path):
    p = bench("-n", "12", "-u", "3", "-s", "1", "--quick-rspamd",
              "--rspamd-cache", str(tmp_path / "rspamd-cache"))
    out = p.stdout + p.stderr
    assert p.returncode == 0, out
    rows = re.findall(r"^\| (plain|rspamd) \| (\d+) \| (\d+) \| ([\d.]+)x \| "
                      r"(\d+) us \| (\d+) us \|$", p.stdout, re.M)
    assert [r[0] for r in rows] == ["plain", "rspamd"], out
    assert all(int(x) > 0 for r in rows for x in (r[1], r[2], r[4], r[5])), out
    for label in ("plain", "rspamd"):
        assert re.search(r"^%s: tern accepted 12 failed 0 \(sieve errors "
                         r"logged 0\); Postfix accepted 12 failed 0 in "
                         r"[\d.]+ s, all delivered yes$" % label,
                         p.stdout, re.M), out
    anchor = ast.literal_eval(re.search(r"^anchor folders \(plain run\): "
                                        r"(.*)$", p.stdout, re.M).group(1))
    # Pigeonhole ran the script: a list post, a flagged work mail, a kept
    # one (4 measured and 1 warm-up message a user)
    assert anchor == {"u1": {"Lists/News": (5, 0)}, "u2": {"Work": (5, 5)},
                      "u3": {"INBOX": (5, 0)}}, out
    assert "folders agree: yes" in p.stdout, out
    # the baseline ran without the scripts: everything in INBOX
    assert re.search(r"^\| plain, sieve.enable = no \(tern only\) \| \d+ \|",
                     p.stdout, re.M), out
    assert "Sieve off: tern accepted 12 failed 0, all in INBOX yes" in p.stdout, out
    # rspamd scanned every message of its run, on both sides
    assert re.search(r"^rspamd's X-Spam-Status in delivered mail: tern 15 "
                     r"of 15, anchor 15 of 15$", p.stdout, re.M), out


def test_fewer_messages_than_users_refused():
    p = bench("-n", "2", "-u", "3", timeout=20)
    assert p.returncode != 0
    assert "at least -u" in p.stderr
