"""Real rspamd (Debian's) in milter mode, started by the test with its
own config in a temp folder on a loopback port (no network: DNS points
at a closed port, a tiny TLD list keeps its start short): its score
lands in the field sieve.spamtest_header names (X-Spam-Score), the
sender's own copy of that field is gone, GTUBE is rejected, or filed in
Junk when rspamd is told to quarantine instead."""
import os
import re
import shutil
import smtplib
import subprocess
import tempfile

import pytest

import milterlib
from conftest import ALICE
from ternlib import free_port
from smtputil import inbox, message

A = ALICE[0]
GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"

PROXY = """bind_socket = "127.0.0.1:%(port)d";
milter = yes;
timeout = 120s;
upstream "local" {
  default = yes;
  self_scan = yes;
}
count = 1;
discard_on_reject = false;
quarantine_on_reject = %(quarantine)s;
spam_header = "X-Spam";
reject_message = "Spam message rejected";
"""

OPTIONS = """enable_test_patterns = true;
url_tld = "%(dir)s/tld.dat";
dns {
  nameserver = ["127.0.0.1:9"];
  timeout = 0.2s;
  retransmits = 1;
}
"""

# the score in X-Spam-Score ("No, score=3.80": its first number)
HEADERS = """use = ["x-spam-status"];
skip_local = false;
skip_authenticated = false;
routines {
  x-spam-status {
    header = "X-Spam-Score";
    remove = 1;
  }
}
"""


def rspamd(quarantine=False):
    """Start rspamd; return (process, port, folder)."""
    d = tempfile.mkdtemp(prefix="tern-rspamd-")
    port = free_port()
    for sub in ("local.d", "override.d", "db", "run", "log"):
        os.mkdir(os.path.join(d, sub))
    files = {
        "override.d/worker-proxy.inc": PROXY % {
            "port": port, "quarantine": "true" if quarantine else "false"},
        "override.d/worker-normal.inc": "enabled = false;\n",
        "override.d/worker-controller.inc": "enabled = false;\n",
        "override.d/worker-fuzzy.inc": "enabled = false;\n",
        "override.d/logging.inc": 'type = "file";\nfilename = "$LOGDIR/rspamd.log";\n',
        "local.d/options.inc": OPTIONS % {"dir": d},
        "local.d/milter_headers.conf": HEADERS,
        "tld.dat": "com\nnet\norg\ntest\nexample\n",
    }
    for name, text in files.items():
        with open(os.path.join(d, name), "w") as f:
            f.write(text)
    cmd = ["rspamd", "-f", "-c", "/etc/rspamd/rspamd.conf"]
    if os.geteuid() == 0:
        cmd.append("-i")    # a test process: no user of its own
    for var, sub in (("LOCAL_CONFDIR", ""), ("DBDIR", "db"), ("RUNDIR", "run"),
                     ("LOGDIR", "log")):
        cmd += ["--var", "%s=%s" % (var, os.path.join(d, sub).rstrip("/"))]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        milterlib.wait_port(port, p, timeout=30)
    except AssertionError:
        p.kill()
        log = os.path.join(d, "log", "rspamd.log")
        raise AssertionError(open(log).read()[-3000:] if os.path.exists(log) else "no log")
    return p, port, d


def stop(p, d):
    milterlib.stop(p, 10)
    shutil.rmtree(d, ignore_errors=True)


def start_tern(tern_factory, port):
    t = tern_factory(extra="[milter]\nsmtp = inet:127.0.0.1:%d{eom_timeout=20s}\n" % port)
    t.add_account(*ALICE)
    t.start()
    return t


def send(t, subject, body):
    with smtplib.SMTP("127.0.0.1", t.port("smtp"), timeout=30) as s:
        s.sendmail("s@remote.example", [A], message(
            subject, body, "X-Spam-Score: -50\r\n"))


def test_rspamd_score_and_gtube_rejected(tern_factory):
    p, port, d = rspamd()
    try:
        t = start_tern(tern_factory, port)
        send(t, "a normal message", "hello, see you tomorrow\r\n")
        msgs = inbox(t, A)
        assert len(msgs) == 1
        head = msgs[0].split(b"\r\n\r\n", 1)[0].decode()
        # rspamd's field only: the sender's -50 is gone
        fields = re.findall(r"(?mi)^X-Spam-Score:(.*)$", head)
        assert len(fields) == 1, head
        assert re.search(r"score=-?\d+\.\d+", fields[0]), fields
        assert "-50" not in head
        with pytest.raises(smtplib.SMTPDataError) as e:
            send(t, "gtube", GTUBE + "\r\n")
        assert e.value.smtp_code == 554
        assert b"5.7.1" in e.value.smtp_error
        assert len(inbox(t, A)) == 1
        assert "refused eom" in t.log()
    finally:
        stop(p, d)


def test_rspamd_gtube_to_junk(tern_factory):
    p, port, d = rspamd(quarantine=True)
    try:
        t = start_tern(tern_factory, port)
        send(t, "gtube", GTUBE + "\r\n")
        assert inbox(t, A) == []
        junk = inbox(t, A, "Junk")
        assert len(junk) == 1 and b"Subject: gtube" in junk[0]
        assert "milter quarantine" in t.log()
    finally:
        stop(p, d)
