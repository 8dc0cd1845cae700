"""ManageSieve (RFC 5804) on listener protocol "sieve": every command and
response code through a raw client (MS below), STARTTLS, SASL (PLAIN
with and without an initial response, LOGIN, SCRAM-SHA-256, cancel,
throttling), the [sieve] limits, and bad input (wrong state, malformed
strings, literals too big, lines too long, too many errors)."""
import base64
import re
import socket
import time

import pytest

import ternlib
from test_pop3 import non_loopback_address
from conftest import ALICE, BOB
from scramlib import ScramClient

ternlib.TLS_MODE.setdefault("sieve", "starttls")

A, APW = ALICE
B, BPW = BOB
PROTOS = ("smtp", "sieve")

GOOD = b'require "fileinto";\r\nif header :contains "subject" "x" {\r\n' \
       b'  fileinto "Work";\r\n}\r\n'
BAD = b'require "fileinto";\r\nif header :contains "subject" "x" {\r\n' \
      b'  fileinto "Work";\r\n'


def q(s):
    """a quoted string"""
    if isinstance(s, str):
        s = s.encode()
    return b'"' + s.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


def lit(data, sync=False):
    """a client literal"""
    return b"{%d%s}\r\n%s" % (len(data), b"" if sync else b"+", data)


class MS:
    """A ManageSieve client at the byte level: send anything, read
    responses with their literals."""

    def __init__(self, t, timeout=10):
        self.t = t
        self.sock = t.connect("sieve", timeout=timeout)
        self.buf = b""
        self.greeting = self.response()

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        d = self.sock.recv(65536)
        if not d:
            raise EOFError("closed")
        self.buf += d

    def line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def take(self, n):
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def item(self):
        """one response line with its literals read in"""
        line = self.line()
        m = re.search(rb"\{(\d+)\}$", line)
        while m:
            line = line[:m.start()] + b"{" + self.take(int(m.group(1))) + b"}"
            rest = self.line()
            line += rest
            m = re.search(rb"\{(\d+)\}$", rest)
        return line

    def response(self):
        """(lines before the status, the status line)"""
        lines = []
        while True:
            ln = self.item()
            if re.match(rb"(OK|NO|BYE)\b", ln):
                return lines, ln
            lines.append(ln)

    def cmd(self, data):
        self.send(data + b"\r\n")
        return self.response()

    def ok(self, data):
        lines, st = self.cmd(data)
        assert st.startswith(b"OK"), (data, lines, st)
        return lines

    def login(self, user=A, pw=APW):
        ir = base64.b64encode(b"\0" + user.encode() + b"\0" + pw.encode())
        return self.cmd(b'AUTHENTICATE "PLAIN" ' + q(ir))[1]

    def closed(self, timeout=5):
        self.sock.settimeout(timeout)
        try:
            while True:
                d = self.sock.recv(65536)
                if not d:
                    return True
                self.buf += d
        except (ConnectionResetError, socket.timeout):
            return False

    def close(self):
        self.sock.close()


def caps(lines):
    out = {}
    for ln in lines:
        m = re.match(rb'"([^"]+)"(?: "(.*)")?$', ln)
        assert m, ln
        out[m.group(1).decode()] = (m.group(2) or b"").decode()
    return out


def start(tern_factory, extra="", accounts=(ALICE,), **kw):
    t = tern_factory(protocols=PROTOS, extra=extra, **kw)
    for a in accounts:
        t.add_account(*a)
    t.start()
    return t


@pytest.fixture
def tern(tern_factory):
    return start(tern_factory, accounts=(ALICE, BOB))


def logged_in(t):
    c = MS(t)
    assert c.login() == b'OK "Logged in"'
    return c


# --- greeting, CAPABILITY, STARTTLS --------------------------------------

def test_greeting_and_capability(tern):
    c = MS(tern)
    lines, st = c.greeting
    assert st.startswith(b"OK")
    cap = caps(lines)
    assert cap["IMPLEMENTATION"] == "tern"
    assert cap["VERSION"] == "1.0"
    assert "PLAIN" in cap["SASL"].split()     # loopback: plaintext ok
    assert "STARTTLS" in cap and "OWNER" not in cap
    assert "fileinto" in cap["SIEVE"].split()
    assert cap["MAXREDIRECTS"] == "4"
    assert caps(c.ok(b"CAPABILITY")) == cap
    assert c.login() == b'OK "Logged in"'
    cap2 = caps(c.ok(b"capability"))        # names are case-insensitive
    assert cap2["OWNER"] == A
    assert "STARTTLS" not in cap2
    assert c.cmd(b"LOGOUT")[1].startswith(b"OK")
    assert c.closed()


def test_starttls_then_login(tern):
    c = MS(tern)
    assert c.cmd(b"STARTTLS")[1].startswith(b"OK")
    tls = tern.ssl_context().wrap_socket(c.sock)
    c.sock, c.buf = tls, b""
    # RFC 5804 2.2: the capabilities again, without STARTTLS
    lines, st = c.response()
    assert st.startswith(b"OK")
    cap = caps(lines)
    assert "STARTTLS" not in cap and "PLAIN" in cap["SASL"]
    assert c.cmd(b"STARTTLS")[1].startswith(b"NO")
    assert c.login() == b'OK "Logged in"'
    c.ok(b'PUTSCRIPT "tls" ' + lit(GOOD))
    assert "managesieve starttls" in tern.log()
    assert re.search(r"managesieve login user=\"%s\" method=PLAIN tls=yes"
                     % re.escape(A), tern.log())


def test_no_password_before_tls_from_afar(tern_factory):
    t = start(tern_factory, address=non_loopback_address())
    c = MS(t)
    cap = caps(c.greeting[0])
    assert cap["SASL"] == "" and "STARTTLS" in cap
    assert c.login() == \
        b'NO (ENCRYPT-NEEDED) "Authentication needs TLS first (STARTTLS)"'
    c.send(b'AUTHENTICATE "SCRAM-SHA-256"\r\n')
    assert c.response()[1].startswith(b"NO (ENCRYPT-NEEDED)")
    assert c.cmd(b"STARTTLS")[1].startswith(b"OK")
    c.sock, c.buf = t.ssl_context().wrap_socket(c.sock), b""
    cap = caps(c.response()[0])
    assert "PLAIN" in cap["SASL"].split() and "STARTTLS" not in cap
    assert c.login() == b'OK "Logged in"'


# --- scripts ---------------------------------------------------------------

def test_script_lifecycle(tern):
    c = logged_in(tern)
    assert c.ok(b"LISTSCRIPTS") == []
    c.ok(b'PUTSCRIPT "one" ' + lit(GOOD))
    c.ok(b'PUTSCRIPT "two" ' + lit(b"keep;\r\n", sync=True))
    c.ok(b'PUTSCRIPT "three" ' + q(b"discard;"))
    assert sorted(c.ok(b"LISTSCRIPTS")) == [b'"one"', b'"three"', b'"two"']
    c.ok(b'SETACTIVE "one"')
    assert b'"one" ACTIVE' in c.ok(b"LISTSCRIPTS")
    c.ok(b'SETACTIVE "two"')
    listed = c.ok(b"LISTSCRIPTS")
    assert b'"two" ACTIVE' in listed and b'"one"' in listed
    # GETSCRIPT: the exact bytes as a literal
    lines = c.ok(b'GETSCRIPT "one"')
    assert lines == [b"{" + GOOD + b"}"]
    # DELETESCRIPT of the active one: ACTIVE
    assert c.cmd(b'DELETESCRIPT "two"')[1].startswith(b"NO (ACTIVE)")
    c.ok(b'DELETESCRIPT "one"')
    assert c.cmd(b'GETSCRIPT "one"')[1].startswith(b"NO (NONEXISTENT)")
    assert c.cmd(b'DELETESCRIPT "one"')[1].startswith(b"NO (NONEXISTENT)")
    assert c.cmd(b'SETACTIVE "one"')[1].startswith(b"NO (NONEXISTENT)")
    # RENAMESCRIPT keeps it active
    assert c.cmd(b'RENAMESCRIPT "two" "three"')[1].startswith(
        b"NO (ALREADYEXISTS)")
    assert c.cmd(b'RENAMESCRIPT "nope" "x"')[1].startswith(
        b"NO (NONEXISTENT)")
    c.ok(b'RENAMESCRIPT "two" "deux"')
    assert b'"deux" ACTIVE' in c.ok(b"LISTSCRIPTS")
    # replacing the active script keeps it active
    c.ok(b'PUTSCRIPT "deux" ' + lit(GOOD))
    assert b'"deux" ACTIVE' in c.ok(b"LISTSCRIPTS")
    # SETACTIVE "": none active; then it can go
    c.ok(b'SETACTIVE ""')
    assert all(b"ACTIVE" not in ln for ln in c.ok(b"LISTSCRIPTS"))
    c.ok(b'DELETESCRIPT "deux"')
    # UTF-8 names
    c.ok(b'PUTSCRIPT "F\xc3\xa9rien" "keep;"')
    assert b'"F\xc3\xa9rien"' in c.ok(b"LISTSCRIPTS")
    # another account sees none of them
    d = MS(tern)
    assert d.login(B, BPW).startswith(b"OK")
    assert d.ok(b"LISTSCRIPTS") == []
    assert d.cmd(b'GETSCRIPT "three"')[1].startswith(b"NO (NONEXISTENT)")


def test_putscript_and_checkscript_errors(tern):
    c = logged_in(tern)
    lines, st = c.cmd(b'PUTSCRIPT "bad" ' + lit(BAD))
    assert st.startswith(b"NO"), st
    # the compiler's "line:col: message" lines
    assert re.search(rb"\d+:\d+: ", st), st
    assert c.ok(b"LISTSCRIPTS") == []       # nothing stored
    lines, st = c.cmd(b"CHECKSCRIPT " + lit(BAD))
    assert st.startswith(b"NO") and re.search(rb"\d+:\d+: ", st)
    assert c.cmd(b"CHECKSCRIPT " + lit(GOOD))[1].startswith(b"OK")
    st = c.cmd(b'CHECKSCRIPT "require \\"nosuchext\\"; keep;"')[1]
    assert st.startswith(b"NO") and b"nosuchext" in st
    # a script is a string, not a number
    assert c.cmd(b'PUTSCRIPT "n" 42')[1].startswith(b"NO")
    # include (RFC 6609) reads the account's other scripts
    inc = q(b'require "include"; include :personal "part";')
    st = c.cmd(b'PUTSCRIPT "main" ' + inc)[1]
    assert st == b'NO "main:1:20: included personal script \\"part\\" ' \
        b'not found"', st
    c.ok(b'PUTSCRIPT "part" "keep;"')
    c.ok(b'PUTSCRIPT "main" ' + inc)
    st = c.cmd(b'PUTSCRIPT "self" ' +
               q(b'require "include"; include :personal "self";'))[1]
    assert st.startswith(b"NO") and b"include" in st


def test_limits_and_global_includes(tern_factory, tmp_path):
    gdir = tmp_path / "global"
    gdir.mkdir()
    (gdir / "spam.sieve").write_bytes(b"keep;\r\n")
    (tmp_path / "secret.sieve").write_bytes(b"keep;\r\n")
    (gdir / "link.sieve").symlink_to(tmp_path / "secret.sieve")  # not followed
    t = start(tern_factory, extra="[sieve]\nmax_scripts = 2\n"
              "max_script_size = 100\nquota = 150\nglobal_dir = %s\n"
              % gdir)
    c = logged_in(t)
    # include :global "x" reads x.sieve of sieve.global_dir (as delivery
    # does), and nothing outside it
    c.ok(b'CHECKSCRIPT "require \\"include\\"; include :global \\"spam\\";"')
    for name in (b"../secret", b"link"):
        st = c.cmd(b'CHECKSCRIPT "require \\"include\\"; '
                   b'include :global \\"' + name + b'\\";"')[1]
        assert st.startswith(b"NO") and name in st, st
    c.ok(b'HAVESPACE "a" 100')
    assert c.cmd(b'HAVESPACE "a" 101')[1].startswith(b"NO (QUOTA/MAXSIZE)")
    big = b"keep;" + b" " * 96
    assert c.cmd(b'PUTSCRIPT "a" ' + lit(big))[1].startswith(
        b"NO (QUOTA/MAXSIZE)")
    c.ok(b'PUTSCRIPT "a" ' + lit(b"keep;" + b" " * 90))
    assert c.cmd(b'HAVESPACE "b" 60')[1].startswith(b"NO (QUOTA)")
    assert c.cmd(b'PUTSCRIPT "b" ' + lit(b"keep;" + b" " * 55))[1] \
        .startswith(b"NO (QUOTA)")
    c.ok(b'PUTSCRIPT "b" "keep;"')
    assert c.cmd(b'HAVESPACE "c" 1')[1].startswith(b"NO (QUOTA/MAXSCRIPTS)")
    assert c.cmd(b'PUTSCRIPT "c" "keep;"')[1].startswith(
        b"NO (QUOTA/MAXSCRIPTS)")
    c.ok(b'HAVESPACE "b" 50')               # replacing is no new script
    # a literal far over the limit is read past, answered, and the
    # session goes on
    c.send(b'PUTSCRIPT "huge" {1000000+}\r\n')
    c.send(b"x" * 1000000 + b"\r\n")
    assert c.response()[1].startswith(b"NO (QUOTA/MAXSIZE)")
    assert c.cmd(b"NOOP")[1].startswith(b"OK")
    assert sorted(c.ok(b"LISTSCRIPTS")) == [b'"a"', b'"b"']


# --- AUTHENTICATE ----------------------------------------------------------

def test_authenticate_forms(tern):
    # PLAIN, initial response as a literal
    c = MS(tern)
    ir = base64.b64encode(b"\0" + A.encode() + b"\0" + APW.encode())
    assert c.cmd(b'AUTHENTICATE "PLAIN" ' + lit(ir))[1] == b'OK "Logged in"'
    assert c.cmd(b'AUTHENTICATE "PLAIN" ' + q(ir))[1].startswith(b"NO")
    # PLAIN without one: an empty challenge, the response a string
    c = MS(tern)
    c.send(b'AUTHENTICATE "PLAIN"\r\n')
    assert c.line() == b'""'
    assert c.cmd(q(ir))[1] == b'OK "Logged in"'
    # LOGIN: two challenges
    c = MS(tern)
    c.send(b'AUTHENTICATE "LOGIN"\r\n')
    assert base64.b64decode(c.line().strip(b'"')).lower().startswith(b"user")
    c.send(q(base64.b64encode(A.encode())) + b"\r\n")
    assert base64.b64decode(c.line().strip(b'"')).lower().startswith(b"pass")
    assert c.cmd(lit(base64.b64encode(APW.encode())))[1] == \
        b'OK "Logged in"'
    # SCRAM-SHA-256, the server signature as a last challenge
    c = MS(tern)
    bare = "n=%s,r=clientnonce123" % A
    c.send(b'AUTHENTICATE "SCRAM-SHA-256" ' +
           q(base64.b64encode(("n,," + bare).encode())) + b"\r\n")
    first = base64.b64decode(c.line().strip(b'"')).decode()
    sc = ScramClient(bare, first, APW)
    c.send(q(base64.b64encode(sc.client_final.encode())) + b"\r\n")
    final = base64.b64decode(c.line().strip(b'"')).decode()
    assert final == sc.expected_server_final
    assert c.cmd(b'""')[1] == b'OK "Logged in"'
    # cancel
    c = MS(tern)
    c.send(b'AUTHENTICATE "PLAIN"\r\n')
    assert c.line() == b'""'
    assert c.cmd(b'"*"')[1].startswith(b"NO")
    assert c.login() == b'OK "Logged in"'


def test_authenticate_bad(tern):
    c = MS(tern)
    assert c.cmd(b'AUTHENTICATE "CRAM-MD5"')[1].startswith(b"NO")
    assert c.cmd(b'AUTHENTICATE "PLAIN" "!!notbase64"')[1].startswith(b"NO")
    assert c.login(A, "wrong") == b'NO "Authentication failed"'
    # a malformed response string fails the exchange
    c.send(b'AUTHENTICATE "PLAIN"\r\n')
    assert c.line() == b'""'
    assert c.cmd(b"12")[1].startswith(b"NO")
    assert "managesieve login failed user=\"%s\"" % A in tern.log()


def test_failures_close_and_throttle_blocks(tern_factory):
    t = start(tern_factory, extra="[auth]\nmax_failures = 2\n"
              "throttle_max_delay = 0\nthrottle_block_after = 4\n")
    c = MS(t)
    assert c.login(A, "bad1").startswith(b"NO")
    assert c.login(A, "bad2").startswith(b"NO")
    assert c.closed()                       # auth.max_failures
    c = MS(t)
    assert c.login(A, "bad3").startswith(b"NO")
    # the fourth failure blocks the address, as IMAP and POP3 do
    assert c.login(A, "bad4") == \
        b'BYE (TRYLATER) "Too many failed logins, try later"'
    assert c.closed()
    c = MS(t)
    assert c.login().startswith(b"BYE (TRYLATER)")
    assert "managesieve login refused ip=127.0.0.1 reason=blocked" in t.log()


def test_unauthenticate(tern):
    c = logged_in(tern)
    c.ok(b'PUTSCRIPT "s" "keep;"')
    c.ok(b"UNAUTHENTICATE")
    assert c.cmd(b"LISTSCRIPTS")[1] == b'NO "Authenticate first"'
    assert c.cmd(b"UNAUTHENTICATE")[1].startswith(b"NO")
    assert "OWNER" not in caps(c.ok(b"CAPABILITY"))
    assert c.login(B, BPW).startswith(b"OK")
    assert c.ok(b"LISTSCRIPTS") == []


# --- bad input -------------------------------------------------------------

def test_wrong_state_and_malformed(tern_factory):
    tern = start(tern_factory, extra="[managesieve]\nmax_errors = 100\n")
    c = MS(tern)
    for cmd in (b'PUTSCRIPT "a" "keep;"', b"LISTSCRIPTS", b'GETSCRIPT "a"',
                b'HAVESPACE "a" 1', b'SETACTIVE "a"', b'DELETESCRIPT "a"',
                b'RENAMESCRIPT "a" "b"', b'CHECKSCRIPT "keep;"'):
        assert c.cmd(cmd)[1] == b'NO "Authenticate first"', cmd
    c = logged_in(tern)
    assert c.cmd(b'AUTHENTICATE "PLAIN"')[1] == b'NO "Already authenticated"'
    assert c.cmd(b"STARTTLS")[1].startswith(b"NO")
    assert c.cmd(b"FROBNICATE")[1] == b'NO "Unknown command"'
    assert c.cmd(b'GETSCRIPT "unterminated')[1].startswith(b"NO")
    assert c.cmd(b'GETSCRIPT "bad\\escape"')[1].startswith(b"NO")
    assert c.cmd(b'GETSCRIPT  "two spaces"')[1].startswith(b"NO")
    assert c.cmd(b"GETSCRIPT atom")[1].startswith(b"NO")
    assert c.cmd(b'NOOP "a" "b"')[1].startswith(b"NO")
    assert c.cmd(b'HAVESPACE "a" 99999999999')[1].startswith(b"NO")
    assert c.cmd(b'HAVESPACE "a" "1"')[1].startswith(b"NO")
    assert c.cmd(b'PUTSCRIPT "a" "b" "c" "d"')[1].startswith(b"NO")
    assert c.cmd(b"")[1].startswith(b"NO")
    # bad script names: controls, NUL (in a literal), too long
    assert c.cmd(b'PUTSCRIPT "a\x01b" "keep;"')[1] == b'NO "Bad script name"'
    assert c.cmd(b"PUTSCRIPT " + lit(b"a\0b") + b' "keep;"')[1] == \
        b'NO "Bad script name"'
    assert c.cmd(b"PUTSCRIPT " + q(b"n" * 600) + b' "keep;"')[1].startswith(
        b"NO")
    # a bad command with a literal: the literal is read past, not run
    st = c.cmd(b'GETSCRIPT "x" junk {8+}\r\nLOGOUT\r\n')[1]
    assert st.startswith(b"NO")
    assert c.cmd(b'NOOP "still"')[1] == b'OK (TAG "still") "Done"'
    assert c.ok(b"LISTSCRIPTS") == []


def test_bye_and_close(tern_factory):
    t = start(tern_factory, extra="[managesieve]\nmax_errors = 3\n")
    # a literal over managesieve.max_literal_preauth before login
    c = MS(t)
    c.send(b'AUTHENTICATE "PLAIN" {100000+}\r\n')
    assert c.response()[1] == b'BYE "Literal too big before login"'
    assert c.closed()
    # even in a command that is refused anyway
    c = MS(t)
    c.send(b'NOOP junk {4000000000+}\r\n')
    assert c.response()[1] == b'BYE "Literal too big before login"'
    assert c.closed()
    # a line over managesieve.max_line
    c = MS(t)
    c.send(b'NOOP "' + b"x" * 20000 + b'"\r\n')
    assert c.response()[1] == b'BYE "Line too long"'
    assert c.closed()
    # managesieve.max_errors
    c = MS(t)
    assert c.cmd(b"BAD1")[1].startswith(b"NO")
    assert c.cmd(b"BAD2")[1].startswith(b"NO")
    assert c.cmd(b"BAD3")[1] == b'BYE "Too many bad commands"'
    assert c.closed()


def test_pipelined_split_input_and_shutdown(tern):
    c = logged_in(tern)
    # several commands in one packet, a literal split across sends
    c.send(b'PUTSCRIPT "p" {7+}\r\nke')
    time.sleep(0.1)
    c.send(b'ep;\r\n\r\nSETACTIVE "p"\r\nLISTSCRIPTS\r\n')
    assert c.response()[1].startswith(b"OK")
    assert c.response()[1].startswith(b"OK")
    assert c.response() == ([b'"p" ACTIVE'], b'OK "Listscripts completed"')
    assert c.ok(b'GETSCRIPT "p"') == [b"{keep;\r\n}"]
    # SIGTERM: an idle session is told
    tern.stop()
    lines, st = c.response()
    assert st.startswith(b"BYE")
    assert c.closed()
