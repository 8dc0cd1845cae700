"""Milter client when filters fail: a dead, a slow, a broken (garbage
replies) filter get their default_action; a client that leaves while a
filter thinks; bad filter lists at start and after a reload."""
import signal
import socket
import struct
import threading
import time

import milterlib
from conftest import ALICE
from milterlib import refused, send, start_tern
from ternlib import free_port
from smtputil import Raw, inbox, message

A = ALICE[0]


def test_dead_filter_default_action(tern_factory):
    dead = free_port()
    # tempfail (the default): the session is refused for now
    t = start_tern(tern_factory, "inet:127.0.0.1:%d" % dead)
    r = Raw(t, greet=False)
    code, text = r.reply()
    assert code == 421 and "4.7.1" in text
    assert r.closed()
    assert "default_action=tempfail" in t.log()


def test_dead_filter_accept(tern_factory):
    dead = free_port()
    t = start_tern(tern_factory, "inet:127.0.0.1:%d{default_action=accept}, "
              "unix:/nonexistent/milter.sock {default_action=accept}" % dead)
    send(t, "through")
    assert len(inbox(t, A)) == 1
    # quarantine: delivered, to Junk
    q = tern_factory("q", extra="[milter]\nsmtp = inet:127.0.0.1:%d\n"
                     "default_action = quarantine\n" % dead)
    q.add_account(*ALICE)
    q.start()
    send(q, "to junk")
    assert inbox(q, A) == [] and len(inbox(q, A, "Junk")) == 1
    assert "default_action=quarantine" in q.log()


def test_slow_filter_timeout(tern_factory, tmp_path):
    port = free_port()
    p = milterlib.start(port, str(tmp_path / "slow.log"), "slow")
    try:
        t = start_tern(tern_factory, "inet:127.0.0.1:%d{default_action=reject, "
                  "eom_timeout=1s}" % port)
        t0 = time.time()
        result = []
        th = threading.Thread(target=lambda: result.append(refused(t, "plain")))
        th.start()
        # the loop serves others while that session waits for the filter
        time.sleep(0.3)
        r = Raw(t)
        assert r.cmd("EHLO other.example")[0] == 250
        assert r.cmd("NOOP")[0] == 250
        assert time.time() - t0 < 1.0
        r.close()
        th.join()
        code, text = result[0]
        assert code == 550 and time.time() - t0 < 4.5
        assert "timeout" in t.log()
    finally:
        milterlib.stop(p)


def test_bad_milter_list_stops_start(tern_factory):
    t = tern_factory(extra="[milter]\nsmtp = inet:mail.example:25\n")
    p = t.cli("serve", check=False)
    assert p.returncode != 0
    assert "IP address" in p.stdout + p.stderr + t.log()


def test_client_leaves_while_filter_thinks(tern_factory, tmp_path):
    """The session ends at once, not at the filter's timeout, and a
    shutdown right after is clean."""
    port = free_port()
    p = milterlib.start(port, str(tmp_path / "slow.log"), "slow")
    try:
        t = start_tern(tern_factory, "inet:127.0.0.1:%d{eom_timeout=30s}" % port)
        r = Raw(t)
        for line in ("EHLO x.example", "MAIL FROM:<s@remote.example>",
                     "RCPT TO:<%s>" % A, "DATA"):
            assert r.cmd(line)[0] in (250, 354)
        r.send(message("plain") + b".\r\n")
        time.sleep(0.5)
        r.close()
        deadline = time.time() + 3
        while "client-gone" not in t.log() and time.time() < deadline:
            time.sleep(0.1)
        assert "client-gone" in t.log()
        t0 = time.time()
        t.stop()
        assert time.time() - t0 < 3
        assert inbox(t, A) == []
    finally:
        milterlib.stop(p)


def test_bad_milter_list_after_reload_tempfails(tern_factory):
    t = tern_factory()
    t.add_account(*ALICE)
    t.start()
    send(t, "before")
    t.rewrite(extra="[milter]\nsmtp = inet:127.0.0.1:25{default_action=perhaps}\n")
    t.proc.send_signal(signal.SIGHUP)
    deadline = time.time() + 20
    while "reload" not in t.log() and time.time() < deadline:
        time.sleep(0.1)
    r = Raw(t, greet=False)
    code, text = r.reply()
    assert code == 421 and text.startswith("4.7.1")
    assert r.closed()
    assert "milter list refused" in t.log()
    assert len(inbox(t, A)) == 1


class BrokenMilter:
    """A fake filter that answers the OPTNEG (and CONNECT) wrongly, in
    the way self.mode says."""

    def __init__(self):
        self.mode = "version"
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    @staticmethod
    def packet(cmd, data=b""):
        return struct.pack(">I", len(data) + 1) + cmd + data

    def answer_all(self, c):
        """"continue" to every command until QUIT or the end (macros
        and ABORT get no answer)"""
        f = c.makefile("rb")
        while True:
            head = f.read(4)
            if len(head) < 4:
                return
            data = f.read(struct.unpack(">I", head)[0])
            if not data or data[:1] == b"Q":
                return
            if data[:1] not in (b"D", b"A"):
                c.sendall(self.packet(b"c"))

    def serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            try:
                c.settimeout(5)
                c.recv(65536)   # OPTNEG
                optneg = self.packet(b"O", struct.pack(">III", 6, 0x1, 0))
                if self.mode == "version":
                    c.sendall(self.packet(b"O", struct.pack(">III", 99, 0x1, 0)))
                elif self.mode == "huge":
                    c.sendall(b"\x7f\xff\xff\xff" + b"O")
                elif self.mode == "zero":
                    c.sendall(b"\0\0\0\0")
                elif self.mode == "short":
                    c.sendall(self.packet(b"O", b"\0\0\0\6"))
                elif self.mode == "unknown":
                    c.sendall(optneg)
                    c.recv(65536)   # CONNECT
                    c.sendall(self.packet(b"Z"))
                elif self.mode == "badcode":
                    c.sendall(optneg)
                    c.recv(65536)
                    c.sendall(self.packet(b"y", b"250 all fine\0"))
                elif self.mode == "symlist":
                    # CONNECT's macros: {client_addr} only, please
                    c.sendall(self.packet(b"O", struct.pack(">IIII", 6, 0x100, 0, 0) +
                                          b"{client_addr}\0"))
                    self.seen = c.recv(65536)
                    c.sendall(self.packet(b"c"))
                elif self.mode == "slowopt":
                    # think before the OPTNEG: the client may be gone
                    time.sleep(0.2)
                    c.sendall(optneg)
                    self.answer_all(c)
                    continue
                elif self.mode == "close":
                    c.sendall(optneg[:7])
                    continue
                c.recv(65536)
            except OSError:
                pass
            finally:
                c.close()


def test_broken_filter_replies(tern_factory):
    """Garbage from a filter: its default_action (tempfail), never a
    crash or a hang."""
    bad = BrokenMilter()
    t = start_tern(tern_factory, "inet:127.0.0.1:%d{command_timeout=2s}" % bad.port)
    for mode, why in (("version", "unsupported protocol version"),
                      ("huge", "bad packet length"), ("zero", "bad packet length"),
                      ("short", "short OPTNEG"), ("unknown", "unknown reply"),
                      ("badcode", "bad REPLYCODE"),
                      ("close", "connection closed by the filter")):
        bad.mode = mode
        before = len(t.log())
        r = Raw(t, greet=False)
        code, text = r.reply()
        assert (code, text.split()[0]) == (421, "4.7.1"), (mode, code, text)
        r.close()
        assert why in t.log()[before:], (mode, why)
    # a filter that names the macros it wants gets those only
    bad.mode, bad.seen = "symlist", b""
    r = Raw(t)
    r.close()
    assert b"D" + b"C{client_addr}\x00127.0.0.1\x00" in bad.seen, bad.seen
    assert b"{daemon_name}" not in bad.seen and b"C" + b"unknown\x00" in bad.seen
    bad.sock.close()


def test_client_gone_before_connect_step_answers(tern_factory):
    """Clients that hang up while the filter still negotiates (the
    CONNECT step has not even been sent): their sessions end with no
    crash, and the next client is served."""
    bad = BrokenMilter()
    bad.mode = "slowopt"
    t = start_tern(tern_factory, "inet:127.0.0.1:%d{command_timeout=5s}" % bad.port)
    for _ in range(8):
        s = socket.create_connection(("127.0.0.1", t.port("smtp")), timeout=5)
        s.close()
    time.sleep(2.5)     # the filter has worked through them all
    r = Raw(t)
    assert r.cmd("EHLO x.example")[0] == 250, t.log()[-3000:]
    r.close()
    assert t.proc.poll() is None, t.log()[-2000:]
    bad.sock.close()
