"""milterlib - a milter written for the tests with pymilter (Debian's
python3-milter, on libmilter), run as its own process: its action
depends on what it sees, so one filter exercises every action.

  python3 milterlib.py PORT|/SOCKET/PATH LOGFILE [slow]

At HELO "bad.helo.example": reject. MAIL from <spammer@...>: reject with
its own reply. RCPT to <blocked@...>: reject. At the end of the message,
by Subject: "reject" (550 5.7.1 with its own text), "tempfail",
"discard", "quarantine", "accept", "headers" (add, insert, change,
delete), "body" (replace the body), "bigbody" (4000 bytes of it). Each callback's macros and
arguments go to LOGFILE as JSON lines. "slow": the end of the message
takes 5 s (for the timeout test)."""
import json
import os
import socket
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))


def make_filter(logfile, slow):
    import Milter

    class TestFilter(Milter.Base):
        def __init__(self):
            self.subject = ""
            self.log = open(logfile, "a")

        def note(self, what, **kw):
            macros = {}
            for m in ("j", "_", "{client_addr}", "{daemon_name}", "i",
                      "{mail_addr}", "{rcpt_addr}", "{auth_authen}",
                      "{rcpt_mailer}"):
                v = self.getsymval(m)
                if v is not None:
                    macros[m] = v
            kw.update(what=what, macros=macros)
            self.log.write(json.dumps(kw) + "\n")
            self.log.flush()

        def connect(self, hostname, family, hostaddr):
            self.note("connect", host=hostname, addr=str(hostaddr[0]))
            return Milter.CONTINUE

        def hello(self, name):
            self.note("helo", name=name)
            if name == "bad.helo.example":
                self.setreply("550", "5.7.1", "bad helo")
                return Milter.REJECT
            return Milter.CONTINUE

        def envfrom(self, f, *args):
            self.note("mail", addr=f, args=list(args))
            if f.startswith("<spammer@"):
                self.setreply("553", "5.7.1", "spammer go away")
                return Milter.REJECT
            return Milter.CONTINUE

        def envrcpt(self, to, *args):
            self.note("rcpt", addr=to)
            if to.startswith("<blocked@"):
                return Milter.REJECT
            return Milter.CONTINUE

        def header(self, name, value):
            if name.lower() == "subject":
                self.subject = value
            self.note("header", name=name, value=value)
            return Milter.CONTINUE

        def eoh(self):
            self.note("eoh")
            return Milter.CONTINUE

        def body(self, chunk):
            self.note("body", len=len(chunk))
            return Milter.CONTINUE

        def eom(self):
            self.note("eom", subject=self.subject)
            s = self.subject
            if slow:
                time.sleep(5)
            if s == "reject":
                self.setreply("550", "5.7.1", "filter says no")
                return Milter.REJECT
            if s == "tempfail":
                return Milter.TEMPFAIL
            if s == "discard":
                return Milter.DISCARD
            if s == "quarantine":
                self.quarantine("test quarantine")
                return Milter.CONTINUE
            if s == "accept":
                return Milter.ACCEPT
            if s == "headers":
                self.addheader("X-Added", "added by filter")
                self.addheader("X-Inserted", "at the top", 0)
                self.addheader("X-Second", "second field", 2)
                self.chgheader("X-Change", 1, "changed value")
                self.chgheader("X-Delete", 1, "")
                return Milter.CONTINUE
            if s == "bigbody":
                for _ in range(4):
                    self.replacebody(b"x" * 998 + b"\r\n")
                return Milter.CONTINUE
            if s == "body":
                self.replacebody(b"replaced body\r\nline two\r\n")
                return Milter.CONTINUE
            return Milter.CONTINUE

        def abort(self):
            self.note("abort")
            return Milter.CONTINUE

        def close(self):
            self.log.close()
            return Milter.CONTINUE

    return TestFilter


def main():
    import Milter
    where, logfile = sys.argv[1], sys.argv[2]
    slow = len(sys.argv) > 3 and sys.argv[3] == "slow"
    Milter.factory = make_filter(logfile, slow)
    Milter.set_flags(Milter.ADDHDRS | Milter.CHGHDRS | Milter.CHGBODY |
                     Milter.QUARANTINE)
    conn = ("unix:" + where) if where.startswith("/") else \
        "inet:%s@127.0.0.1" % where
    Milter.runmilter("ternmilter", conn, 60)


def start(port, logfile, *mode):
    """Start the filter (port: a TCP port on 127.0.0.1 or a socket
    path); return the process once it listens."""
    p = subprocess.Popen([sys.executable, os.path.abspath(__file__),
                          str(port), logfile, *mode])
    wait_port(port, p)
    return p


def wait_port(port, proc=None, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError("filter exited with %d" % proc.returncode)
        try:
            if isinstance(port, str):
                s = socket.socket(socket.AF_UNIX)
                s.connect(port)
                s.close()
            else:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("nothing listens on port %d" % port)


def stop(p, wait=1):
    """SIGTERM, then SIGKILL after wait seconds (libmilter is slow to
    end with connections open)."""
    p.terminate()
    try:
        p.wait(wait)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def events(logfile):
    if not os.path.exists(logfile):
        return []
    with open(logfile) as f:
        return [json.loads(line) for line in f if line.strip()]


# --- for the test files: a tern with milters, messages sent to it ---

def start_tern(tern_factory, milters, extra=""):
    """A running tern for example.test (alice, bob) with milter.smtp."""
    from conftest import ALICE, BOB
    t = tern_factory(extra="[milter]\nsmtp = %s\n%s" % (milters, extra))
    t.add_account(*ALICE)
    t.add_account(*BOB)
    t.start()
    return t


def filter_running(tmp_path):
    """For a fixture: the test filter on a free port, (port, its event
    log) yielded while it runs."""
    from ternlib import free_port
    port = free_port()
    log = str(tmp_path / "filter.log")
    p = start(port, log)
    yield port, log
    stop(p)


def send(t, subject, body="hello\r\n", extra="", rcpts=None,
         frm="s@remote.example"):
    import smtplib
    from conftest import ALICE
    from smtputil import message
    with smtplib.SMTP("127.0.0.1", t.port("smtp"), timeout=20) as s:
        s.sendmail(frm, list(rcpts or [ALICE[0]]), message(subject, body, extra))


def refused(t, subject):
    """(code, text) of a message the server refuses at its end."""
    import smtplib
    with pytest.raises(smtplib.SMTPDataError) as e:
        send(t, subject)
    return e.value.smtp_code, e.value.smtp_error.decode()


if __name__ == "__main__":
    main()
