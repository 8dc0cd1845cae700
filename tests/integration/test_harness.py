"""The harness itself can fail a test: a bad exit, a sanitizer report in
the server's log, an unexpected skip (ternlib.py, conftest.py)."""
import os
import shutil
import signal
import subprocess

import pytest

from ternlib import Tern

HERE = os.path.dirname(os.path.abspath(__file__))


def finish_fails(t):
    """The message finish() fails with, or None when it passes."""
    try:
        t.finish()
    except AssertionError as e:
        return str(e)
    return None


def test_clean_stop_passes(tmp_path):
    t = Tern(tmp_path).start()
    assert finish_fails(t) is None


def test_sanitizer_report_in_log_fails(tmp_path):
    t = Tern(tmp_path).start()
    with open(t.log_path, "a") as f:
        f.write("src/imap/x.c:1:2: runtime error: null pointer passed\n")
    msg = finish_fails(t)
    assert msg and "sanitizer report" in msg and "runtime error" in msg


def test_abnormal_exit_fails(tmp_path):
    t = Tern(tmp_path).start()
    t.proc.send_signal(signal.SIGABRT)
    t.proc.wait(60)
    msg = finish_fails(t)
    assert msg and "exited with -6" in msg


def test_sigkill_then_restart_is_checked(tmp_path):
    t = Tern(tmp_path).start()
    assert t.kill() == -signal.SIGKILL
    t.start()
    # a report of the restarted server (appended after its start) fails
    with open(t.log_path, "a") as f:
        f.write("==1==ERROR: LeakSanitizer: detected memory leaks\n")
    msg = finish_fails(t)
    assert msg and "LeakSanitizer" in msg


@pytest.mark.parametrize("reason,fails", [("feature not built yet", True),
                                          ("no non-loopback address here", False)])
def test_unexpected_skip_fails_the_run(tmp_path, reason, fails):
    for f in ("conftest.py", "ternlib.py"):
        shutil.copy(os.path.join(HERE, f), str(tmp_path))
    (tmp_path / "test_skips.py").write_text(
        "import pytest\n\ndef test_x():\n    pytest.skip(%r)\n" % reason)
    p = subprocess.run(["/usr/bin/python3", "-m", "pytest", "-q", "-rs",
                        "-p", "no:cacheprovider", str(tmp_path)],
                       capture_output=True, text=True, timeout=120,
                       cwd=str(tmp_path))
    assert (p.returncode != 0) == fails, p.stdout + p.stderr
    assert ("UNEXPECTED SKIP" in p.stdout) == fails, p.stdout
