"""The webmail bench's harness (bench/webmail-bench.py): it drives a real
Roundcube over tern's IMAP in headless Chromium and prints its table.
A run that cannot log in, list 50 rows or see the opened message's body
fails (the bench waits on those DOM conditions); times are not judged."""
import os
import re
import subprocess
import sys

import ternlib

BENCH = os.path.join(ternlib.REPO, "bench", "webmail-bench.py")
sys.path.insert(0, os.path.join(ternlib.REPO, "bench"))
import roundcubelib  # noqa: E402



def bench(*args, timeout=80):
    return subprocess.run([sys.executable, BENCH, "--tern", ternlib.TERN_BIN, *args],
                          capture_output=True, text=True, timeout=timeout)


def test_both_webmails_list_and_open(tmp_path):
    """one run of each: log in, 50 rows, the newest message's body"""
    p = bench("--runs", "1", "-n", "60", "--shots", str(tmp_path))
    assert p.returncode == 0, p.stdout + p.stderr
    rows = dict(((m[0], m[1]), [float(x) for x in m[2:]]) for m in
                (line.split() for line in p.stdout.splitlines())
                if len(m) == 5 and m[0] in ("Roundcube", "tern"))
    assert set(rows) == {(w, s) for w in ("Roundcube", "tern") for s in ("list", "open")}, \
        p.stdout
    assert all(v > 0 for vs in rows.values() for v in vs), p.stdout
    for shot in ("Roundcube-open.png", "tern-open.png"):
        assert os.path.getsize(tmp_path / shot) > 1000
    assert re.search(r"60 messages in INBOX, 50 rows listed", p.stdout)
    assert re.search(r"ratio Roundcube/tern list: \d+\.\d\d", p.stdout)


def test_too_few_messages_refused():
    p = bench("-n", "10", timeout=30)
    assert p.returncode != 0
    assert "at least 50" in p.stderr


def test_roundcube_serves_its_login_page(tmp_path):
    """the anchor starts with its config, database and logs in its folder"""
    rc = roundcubelib.Roundcube(tmp_path, imap_port=9, pagesize=50).start()
    try:
        import urllib.request
        body = urllib.request.urlopen(rc.url, timeout=10).read().decode()
        assert 'id="rcmloginuser"' in body
    finally:
        rc.stop()
    # no PHP worker outlives the stop
    assert subprocess.run(["pgrep", "-f", "display_errors=0 -S 127.0.0.1:%d " % rc.port],
                          capture_output=True).returncode == 1
    assert os.path.exists(tmp_path / "roundcube" / "roundcube.db")
    conf = open(tmp_path / "roundcube" / "config" / "config.inc.php").read()
    assert "127.0.0.1:9" in conf and str(tmp_path) in conf
