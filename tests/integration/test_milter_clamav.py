"""Real clamd + clamav-milter (Debian's), started by the test with a
signature database the test writes (an .ndb body signature of the EICAR
test string: no freshclam, no network): a clean message gets
clamav-milter's X-Virus-Status (the field sieve.virustest_header names)
instead of the sender's own; the EICAR test file, as an attachment, is
rejected."""
import base64
import os
import shutil
import smtplib
import subprocess
import tempfile
import time

import pytest

import milterlib
from conftest import ALICE
from ternlib import free_port
from smtputil import inbox, message

A = ALICE[0]
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"



@pytest.fixture
def clamav():
    d = tempfile.mkdtemp(prefix="tern-clamav-")
    os.chmod(d, 0o755)
    os.mkdir(os.path.join(d, "db"))
    with open(os.path.join(d, "db", "tern-test.ndb"), "w") as f:
        f.write("Tern-Test-EICAR:0:*:%s\n" % EICAR.hex())
    sock = os.path.join(d, "clamd.sock")
    port = free_port()
    with open(os.path.join(d, "clamd.conf"), "w") as f:
        f.write("LocalSocket %s\nDatabaseDirectory %s/db\nForeground yes\n"
                "LogFile %s/clamd.log\n" % (sock, d, d))
    with open(os.path.join(d, "milter.conf"), "w") as f:
        f.write("MilterSocket inet:%d@127.0.0.1\nClamdSocket unix:%s\n"
                "Foreground yes\nOnInfected Reject\nOnClean Accept\n"
                "OnFail Defer\nAddHeader Replace\nLogFile %s/milter.log\n"
                'RejectMsg "Virus found: %%v"\n' % (port, sock, d))
    procs = []
    try:
        procs.append(subprocess.Popen(["clamd", "-c", os.path.join(d, "clamd.conf")],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        deadline = time.time() + 30
        while not os.path.exists(sock):
            assert procs[0].poll() is None, open(os.path.join(d, "clamd.log")).read()
            assert time.time() < deadline, "clamd did not start"
            time.sleep(0.1)
        procs.append(subprocess.Popen(["clamav-milter", "-c", os.path.join(d, "milter.conf")],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        milterlib.wait_port(port, procs[1])
        yield port
    finally:
        for p in reversed(procs):
            milterlib.stop(p, 10)
        shutil.rmtree(d, ignore_errors=True)


def attachment(data):
    return ("--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
            "--b\r\nContent-Type: application/octet-stream\r\n"
            "Content-Transfer-Encoding: base64\r\n"
            "Content-Disposition: attachment; filename=eicar.com\r\n\r\n" +
            base64.b64encode(data).decode() + "\r\n--b--\r\n")


MIME = "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n"


def send(t, subject, body, extra=""):
    with smtplib.SMTP("127.0.0.1", t.port("smtp"), timeout=30) as s:
        s.sendmail("s@remote.example", [A], message(subject, body, extra))


def test_clamav_milter(tern_factory, clamav):
    t = tern_factory(extra="[milter]\nsmtp = inet:127.0.0.1:%d\n" % clamav)
    t.add_account(*ALICE)
    t.start()
    # clean: clamav-milter's verdict, not the sender's
    send(t, "clean", attachment(b"just a harmless file\n"),
         MIME + "X-Virus-Status: Infected (not really)\r\n")
    msgs = inbox(t, A)
    assert len(msgs) == 1
    head = msgs[0].split(b"\r\n\r\n", 1)[0]
    assert b"X-Virus-Status: Clean" in head
    assert b"not really" not in head
    # EICAR as an attachment: rejected with clamav-milter's reply
    with pytest.raises(smtplib.SMTPDataError) as e:
        send(t, "eicar", attachment(EICAR), MIME)
    assert e.value.smtp_code == 550
    assert b"Tern-Test-EICAR" in e.value.smtp_error
    assert len(inbox(t, A)) == 1
