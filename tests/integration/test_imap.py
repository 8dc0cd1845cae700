"""IMAP server (ports 143/993): RFC 9051/3501 commands one by one with
the RFCs' examples, extensions (UIDPLUS, MOVE, LITERAL+, SASL-IR, ID,
ENABLE, NAMESPACE, UNSELECT, CHILDREN, SPECIAL-USE, STATUS=SIZE,
APPENDLIMIT), malformed input and limits. Clients: imaplib, and Imap
below for exact bytes, literals and pipelining."""
import base64
import imaplib
import os
import re
import smtplib
import socket
import ssl

import pytest

from conftest import ALICE, BOB
from scramlib import ScramClient
from netns import Peer

A, APW = ALICE
B, BPW = BOB


def b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.b64encode(data).decode()


class Imap:
    """A line-level IMAP client: each response is one bytes object with
    its literals inlined."""

    def __init__(self, t, proto="imap", timeout=10, tls=False, greet=True):
        self.sock = t.connect(proto, timeout=timeout)
        if tls or proto == "imaps":
            self.sock = t.ssl_context().wrap_socket(self.sock)
        self.buf = b""
        self.n = 0
        self.greeting = self.resp() if greet else None

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise EOFError("closed; pending %r" % self.buf[:200])
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _bytes(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise EOFError("closed in a literal")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def resp(self):
        """One response, literals included."""
        out = b""
        while True:
            line = self._line()
            out += line
            m = re.search(rb"\{(\d+)\}$", line)
            if not m:
                return out
            out += b"\r\n" + self._bytes(int(m.group(1)))

    def tag(self):
        self.n += 1
        return "t%d" % self.n

    def cmd(self, text, tag=None):
        """Send a command; return (tagged response, [untagged])."""
        tag = tag or self.tag()
        self.send(tag + " " + text + "\r\n" if isinstance(text, str)
                  else tag.encode() + b" " + text + b"\r\n")
        return self.wait(tag)

    def wait(self, tag):
        untagged = []
        while True:
            r = self.resp()
            if r.startswith(tag.encode() + b" "):
                return r[len(tag) + 1:], untagged
            untagged.append(r)

    def ok(self, text):
        r, u = self.cmd(text)
        assert r.startswith(b"OK"), (text, r, u)
        return u

    def login(self, user=A, pw=APW):
        return self.ok('LOGIN "%s" "%s"' % (user, pw))

    def close(self):
        self.sock.close()


def imap_login(t, user=A, pw=APW):
    m = imaplib.IMAP4("127.0.0.1", t.port("imap"))
    m.login(user, pw)
    return m


def deliver(t, rcpt, subject, body="hello\r\n", extra=""):
    msg = ("From: sender@remote.test\r\nTo: %s\r\nSubject: %s\r\n%s\r\n%s"
           % (rcpt, subject, extra, body)).encode()
    with smtplib.SMTP("127.0.0.1", t.port("smtp"), timeout=30) as s:
        s.sendmail("sender@remote.test", [rcpt], msg)
    return msg


MULTIPART = (
    b"From: Fred Foobar <foobar@Blurdybloop.example>\r\n"
    b"To: mooch@owatagu.example\r\n"
    b"Subject: afternoon meeting\r\n"
    b"Date: Mon, 7 Feb 1994 21:52:25 -0800\r\n"
    b"Message-Id: <B27397-0100000@Blurdybloop.example>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: multipart/mixed; boundary=XX\r\n"
    b"\r\n"
    b"preamble\r\n"
    b"--XX\r\n"
    b"Content-Type: text/plain; charset=us-ascii\r\n"
    b"\r\n"
    b"Hello Joe, do you think we can meet at 3:30 tomorrow?\r\n"
    b"--XX\r\n"
    b"Content-Type: message/rfc822\r\n"
    b"\r\n"
    b"Subject: inner\r\n"
    b"From: in@side.example\r\n"
    b"\r\n"
    b"inner body\r\n"
    b"--XX--\r\n")


# --- greeting, capabilities, TLS ------------------------------------------

def test_greeting_and_capability(tern):
    c = Imap(tern)
    assert c.greeting.startswith(b"* OK [CAPABILITY IMAP4rev1 ")
    caps = c.greeting.split(b"]")[0].split()[3:]
    for cap in (b"SASL-IR", b"LITERAL+", b"IDLE", b"UIDPLUS", b"MOVE",
                b"STARTTLS", b"AUTH=SCRAM-SHA-256", b"AUTH=PLAIN", b"ID",
                b"ENABLE", b"NAMESPACE", b"UNSELECT", b"CHILDREN"):
        assert cap in caps
    # loopback: plaintext login allowed, so no LOGINDISABLED
    assert b"LOGINDISABLED" not in caps
    r, u = c.cmd("CAPABILITY")
    assert r == b"OK Capability completed"
    assert u[0].startswith(b"* CAPABILITY IMAP4rev1 ")
    r, u = c.cmd("NOOP")
    assert r.startswith(b"OK")
    r, u = c.cmd("LOGOUT")
    assert u == [b"* BYE Logging out"] and r.startswith(b"OK")


def test_capabilities_after_login(tern):
    c = Imap(tern)
    r, _ = c.cmd('LOGIN "%s" "%s"' % ALICE)
    assert r.startswith(b"OK [CAPABILITY IMAP4rev1 ")
    for cap in (b"SPECIAL-USE", b"STATUS=SIZE", b"APPENDLIMIT=", b"ESEARCH",
                b"SEARCHRES", b"CONDSTORE", b"QRESYNC", b"BINARY",
                b"LIST-EXTENDED", b"LIST-STATUS", b"UTF8=ACCEPT", b"QUOTA",
                b"SORT", b"SORT=DISPLAY", b"THREAD=REFERENCES",
                b"THREAD=ORDEREDSUBJECT", b"COMPRESS=DEFLATE",
                b"QUOTA=RES-STORAGE", b"QUOTA=RES-MESSAGE"):
        assert cap in r
    # limits are the administrator's: no SETQUOTA
    assert b"QUOTASET" not in r


def test_starttls_then_login(tern):
    c = Imap(tern)
    r, _ = c.cmd("STARTTLS")
    assert r.startswith(b"OK")
    c.sock = tern.ssl_context().wrap_socket(c.sock)
    r, u = c.cmd("CAPABILITY")
    assert b"STARTTLS" not in u[0]
    c.login()
    r, _ = c.cmd("STARTTLS")
    assert r.startswith(b"BAD")


def test_imaps_implicit_tls(tern):
    c = Imap(tern, proto="imaps")
    assert c.greeting.startswith(b"* OK [CAPABILITY")
    assert b"STARTTLS" not in c.greeting
    c.login()
    m = imaplib.IMAP4_SSL("127.0.0.1", tern.port("imaps"),
                          ssl_context=tern.ssl_context())
    m.login(A, APW)
    assert m.select("INBOX")[0] == "OK"
    m.logout()


@pytest.mark.skipif(os.geteuid() != 0,
                    reason="needs root to make a network namespace")
def test_login_refused_without_tls_off_loopback(tern_factory):
    """A non-loopback client sees LOGINDISABLED until STARTTLS: the client
    is in a network namespace of its own, tern on the other end of a veth
    pair (TEST-NET addresses)."""
    with Peer() as peer:
        t = tern_factory(address=peer.host)
        t.add_account(*ALICE)
        t.start()
        c = Imap(peer.reach(t))
        assert b"LOGINDISABLED" in c.greeting
        assert b"AUTH=PLAIN" not in c.greeting
        assert "imap connect ip=%s " % peer.addr in t.log()
        r, _ = c.cmd('LOGIN "%s" "%s"' % ALICE)
        assert r.startswith(b"NO [PRIVACYREQUIRED]")
        r, _ = c.cmd("AUTHENTICATE PLAIN " + b64("\0%s\0%s" % ALICE))
        assert r.startswith(b"NO [PRIVACYREQUIRED]")
        assert c.cmd("STARTTLS")[0].startswith(b"OK")
        c.sock = t.ssl_context().wrap_socket(c.sock)
        _, u = c.cmd("CAPABILITY")
        assert b"LOGINDISABLED" not in u[0] and b"AUTH=PLAIN" in u[0]
        c.login()
        c.sock.close()
        t.stop()


# --- authentication ---------------------------------------------------------

def test_login_good_and_bad(tern):
    c = Imap(tern)
    r, _ = c.cmd('LOGIN "%s" "wrong"' % A)
    assert r == b"NO [AUTHENTICATIONFAILED] Authentication failed"
    r, _ = c.cmd("SELECT INBOX")
    assert r.startswith(b"BAD")
    c.login()
    r, _ = c.cmd('LOGIN "%s" "%s"' % ALICE)
    assert r.startswith(b"BAD")
    # a literal password (RFC 9051 example style)
    c2 = Imap(tern)
    c2.send('a1 LOGIN {%d}\r\n' % len(A))
    assert c2.resp().startswith(b"+ ")
    c2.send(A + " {%d+}\r\n%s\r\n" % (len(APW), APW))
    r = c2.wait("a1")
    assert r[0].startswith(b"OK")


def test_too_many_failures_disconnect(tern):
    c = Imap(tern)
    for i in range(3):
        r, u = c.cmd('LOGIN "%s" "bad%d"' % (A, i))
        assert r.startswith(b"NO [AUTHENTICATIONFAILED]")
    assert u == [] or u[-1].startswith(b"* BYE")
    with pytest.raises((EOFError, ConnectionError)):
        c.cmd("NOOP")
        c.cmd("NOOP")


def test_authenticate_plain_sasl_ir_and_continuation(tern):
    c = Imap(tern)
    r, _ = c.cmd("AUTHENTICATE PLAIN " + b64("\0%s\0%s" % ALICE))
    assert r.startswith(b"OK [CAPABILITY")
    c = Imap(tern)
    c.send("a AUTHENTICATE PLAIN\r\n")
    assert c.resp() == b"+ "
    c.send(b64("\0%s\0%s" % ALICE) + "\r\n")
    assert c.wait("a")[0].startswith(b"OK")
    # cancel
    c = Imap(tern)
    c.send("a AUTHENTICATE PLAIN\r\n")
    assert c.resp() == b"+ "
    c.send("*\r\n")
    assert c.wait("a")[0].startswith(b"BAD")
    # bad base64
    c.send("b AUTHENTICATE PLAIN\r\n")
    c.resp()
    c.send("%%%\r\n")
    assert c.wait("b")[0].startswith(b"BAD")
    # wrong password
    r, _ = c.cmd("AUTHENTICATE PLAIN " + b64("\0%s\0nope" % A))
    assert r.startswith(b"NO [AUTHENTICATIONFAILED]")
    r, _ = c.cmd("AUTHENTICATE X-UNKNOWN")
    assert r.startswith(b"NO")


def test_authenticate_login(tern):
    c = Imap(tern)
    c.send("a AUTHENTICATE LOGIN\r\n")
    assert base64.b64decode(c.resp()[2:]) == b"Username:"
    c.send(b64(A) + "\r\n")
    assert base64.b64decode(c.resp()[2:]) == b"Password:"
    c.send(b64(APW) + "\r\n")
    assert c.wait("a")[0].startswith(b"OK")


def scram(c, user, pw, tamper=False):
    nonce = b64(os.urandom(18))
    bare = "n=%s,r=%s" % (user, nonce)
    c.send("s AUTHENTICATE SCRAM-SHA-256 " + b64("n,," + bare) + "\r\n")
    r = c.resp()
    assert r.startswith(b"+ "), r
    sc = ScramClient(bare, base64.b64decode(r[2:]).decode(), pw, tamper)
    c.send(b64(sc.client_final) + "\r\n")
    r = c.resp()
    if r.startswith(b"s "):
        return r[2:]
    assert base64.b64decode(r[2:]).decode() == sc.expected_server_final
    c.send("\r\n")
    return c.wait("s")[0]


def test_authenticate_scram_sha_256(tern):
    c = Imap(tern)
    assert scram(c, A, APW).startswith(b"OK [CAPABILITY")
    c.ok("SELECT INBOX")
    c = Imap(tern)
    assert scram(c, A, APW, tamper=True).startswith(
        b"NO [AUTHENTICATIONFAILED]")
    assert scram(c, "nobody@example.test", "x").startswith(
        b"NO [AUTHENTICATIONFAILED]")


# --- misc commands ------------------------------------------------------------

def test_id_enable_namespace(tern):
    c = Imap(tern)
    r, u = c.cmd('ID ("name" "pytest" "version" "1")')
    assert r.startswith(b"OK") and u[0].startswith(b'* ID ("name" "tern"')
    assert c.cmd("ID NIL")[0].startswith(b"OK")
    assert c.cmd('ID ("odd")')[0].startswith(b"BAD")
    c.login()
    r, u = c.cmd("ENABLE CONDSTORE X-FOO")
    # nothing that is not offered is enabled
    assert r.startswith(b"OK") and u == [b"* ENABLED CONDSTORE"]
    r, u = c.cmd("ENABLE CONDSTORE")
    assert u == [b"* ENABLED"]
    r, u = c.cmd("NAMESPACE")
    assert u == [b'* NAMESPACE (("" "/")) (("shared/" "/")) NIL']


def test_state_rules(tern):
    c = Imap(tern)
    for cmd in ("SELECT INBOX", "LIST \"\" *", "FETCH 1 FLAGS", "IDLE"):
        r, _ = c.cmd(cmd)
        assert r.startswith(b"BAD"), cmd
    c.login()
    for cmd in ("FETCH 1 FLAGS", "STORE 1 +FLAGS (\\Seen)", "EXPUNGE",
                "CLOSE", "UNSELECT", "SEARCH ALL", "COPY 1 Trash"):
        r, _ = c.cmd(cmd)
        assert r == b"BAD No mailbox selected", cmd


# --- mailboxes --------------------------------------------------------------

def test_select_and_examine(tern):
    deliver(tern, A, "one")
    deliver(tern, A, "two")
    c = Imap(tern)
    c.login()
    r, u = c.cmd("SELECT INBOX")
    assert r == b"OK [READ-WRITE] SELECT completed"
    # the first session to see them: \Recent here (test_imap_recent.py)
    assert b"* 2 EXISTS" in u and b"* 2 RECENT" in u
    assert b"* OK [UNSEEN 1] First unseen" in u
    assert any(x.startswith(b"* OK [UIDVALIDITY ") for x in u)
    assert b"* OK [UIDNEXT 3] Predicted next UID" in u
    assert u[0] == b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)"
    r, u = c.cmd("EXAMINE inbox")
    assert r == b"OK [READ-ONLY] EXAMINE completed"
    assert b"* OK [PERMANENTFLAGS ()] Read-only mailbox" in u
    assert c.cmd("STORE 1 +FLAGS (\\Seen)")[0].startswith(b"NO [READ-ONLY]")
    assert c.cmd("EXPUNGE")[0].startswith(b"NO [READ-ONLY]")
    # EXAMINE fetch of a body does not set \Seen
    c.ok("FETCH 1 BODY[]")
    r, u = c.cmd("FETCH 1 FLAGS")
    assert u == [b"* 1 FETCH (FLAGS ())"]
    r, _ = c.cmd("SELECT nosuch")
    assert r.startswith(b"NO [NONEXISTENT]")
    # a failed SELECT leaves no mailbox selected
    assert c.cmd("FETCH 1 FLAGS")[0] == b"BAD No mailbox selected"


def test_create_delete_rename_list(tern):
    c = Imap(tern)
    c.login()
    c.ok("CREATE owatagusiam/")
    c.ok("CREATE owatagusiam/blurdybloop")
    assert c.cmd("CREATE owatagusiam")[0].startswith(b"NO [ALREADYEXISTS]")
    assert c.cmd("CREATE INBOX")[0].startswith(b"NO")
    u = c.ok('LIST "" owatagusiam*')
    assert u == [b'* LIST (\\HasChildren) "/" "owatagusiam"',
                 b'* LIST (\\HasNoChildren) "/" "owatagusiam/blurdybloop"']
    u = c.ok('LIST "" %')
    names = [x.rsplit(b" ", 1)[1] for x in u]
    assert b'"owatagusiam"' in names and b'"owatagusiam/blurdybloop"' not in names
    assert b'* LIST (\\HasNoChildren \\Sent) "/" "Sent"' in u
    u = c.ok('LIST "owatagusiam/" %')
    assert u == [b'* LIST (\\HasNoChildren) "/" "owatagusiam/blurdybloop"']
    u = c.ok('LIST "" ""')
    assert u == [b'* LIST (\\Noselect) "/" ""']
    u = c.ok('LIST "" inbox')
    assert u == [b'* LIST (\\HasNoChildren) "/" "INBOX"']
    c.ok("RENAME owatagusiam sarasoop")
    u = c.ok('LIST "" sara*')
    assert len(u) == 2 and u[1].endswith(b'"sarasoop/blurdybloop"')
    # a mailbox with children: deleted becomes \Noselect (RFC 3501 6.3.4)
    c.ok("DELETE sarasoop")
    u = c.ok('LIST "" sarasoop')
    assert u[0].startswith(b"* LIST (\\Noselect")
    assert c.cmd("DELETE INBOX")[0].startswith(b"NO")
    assert c.cmd("DELETE nosuch")[0].startswith(b"NO [NONEXISTENT]")
    assert c.cmd("RENAME nosuch x")[0].startswith(b"NO")


def test_modified_utf7_names(tern):
    c = Imap(tern)
    c.login()
    c.ok('CREATE "~peter/mail/&U,BTFw-/&ZeVnLIqe-"')
    u = c.ok('LIST "" "~peter/*"')
    assert b'"~peter/mail/&U,BTFw-/&ZeVnLIqe-"' in b"".join(u)
    c.ok('CREATE "A&-B"')
    assert c.ok('LIST "" "A&-B"') == [b'* LIST (\\HasNoChildren) "/" "A&-B"']
    # malformed modified UTF-7 is refused
    assert c.cmd('CREATE "bad&Jjo"')[0].startswith(b"BAD")
    assert c.cmd('CREATE "&AGE-"')[0].startswith(b"BAD")


def test_subscribe_lsub(tern):
    c = Imap(tern)
    c.login()
    c.ok("CREATE news")
    c.ok("SUBSCRIBE news")
    u = c.ok('LSUB "" *')
    assert b'* LSUB () "/" "news"' in u
    assert b'* LSUB () "/" "INBOX"' in u
    c.ok("UNSUBSCRIBE news")
    assert b'* LSUB () "/" "news"' not in c.ok('LSUB "" *')


def test_status(tern):
    deliver(tern, A, "one")
    c = Imap(tern)
    c.login()
    u = c.ok("STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN RECENT SIZE)")
    assert re.match(rb'\* STATUS "INBOX" \(MESSAGES 1 UIDNEXT 2 UIDVALIDITY '
                    rb'\d+ UNSEEN 1 RECENT 1 SIZE \d+\)', u[0]), u
    assert c.cmd("STATUS INBOX (BOGUS)")[0].startswith(b"BAD")
    assert c.cmd("STATUS nosuch (MESSAGES)")[0].startswith(b"NO")


def test_sort(tern):
    """RFC 5256 SORT and RFC 5957 SORT=DISPLAY over what the store parsed
    at delivery: base subjects, first address's mailbox, Date: in UTC."""
    msgs = [  # (From, Subject, Date, body size)
        ("Zed <alpha@x.test>", "Re: [list] Beta", "Mon, 7 Feb 1994 21:52:25 -0800", 10),
        ("Adam <zulu@x.test>", "alpha", "Tue, 8 Feb 1994 01:00:00 +0100", 3000),
        ("mike@x.test", "Fwd: Gamma", "Mon, 7 Feb 1994 23:00:00 -0800", 1000),
        ("Bob <bravo@x.test>", "beta (fwd)", None, 200),
    ]
    m = imap_login(tern)
    for frm, subj, date, size in msgs:
        hdr = "From: %s\r\nTo: a@x.test\r\nSubject: %s\r\n" % (frm, subj)
        if date:
            hdr += "Date: %s\r\n" % date
        m.append("INBOX", None, '"01-Jan-2000 00:00:00 +0000"',
                 (hdr + "\r\n" + "x" * size + "\r\n").encode())
    c = Imap(tern)
    c.login()
    c.ok("SELECT INBOX")
    def sort(q):
        u = c.ok(q)
        assert len(u) == 1 and u[0].startswith(b"* SORT"), u
        return [int(x) for x in u[0].split()[2:]]
    # base subjects: alpha, beta, beta, gamma; ties in mailbox order
    assert sort("SORT (SUBJECT) UTF-8 ALL") == [2, 1, 4, 3]
    assert sort("SORT (REVERSE SUBJECT) UTF-8 ALL") == [3, 1, 4, 2]
    assert sort("SORT (FROM) UTF-8 ALL") == [1, 4, 3, 2]
    assert sort("SORT (DISPLAYFROM) US-ASCII ALL") == [2, 4, 3, 1]
    assert sort("SORT (SIZE) UTF-8 ALL") == [1, 4, 3, 2]
    # Date: in UTC (2 is the earliest instant); no Date: -> arrival, 2000
    assert sort("SORT (DATE) UTF-8 ALL") == [2, 1, 3, 4]
    assert sort("SORT (REVERSE DATE) UTF-8 ALL") == [4, 3, 1, 2]
    assert sort("SORT (ARRIVAL) UTF-8 ALL") == [1, 2, 3, 4]
    assert sort("SORT (SUBJECT REVERSE SIZE) UTF-8 ALL") == [2, 4, 1, 3]
    # with search keys, and UIDs
    assert sort("SORT (SUBJECT) UTF-8 NOT FROM mike") == [2, 1, 4]
    c.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
    c.ok("EXPUNGE")
    assert sort("UID SORT (SUBJECT) UTF-8 ALL") == [2, 4, 3]
    assert sort("SORT (SUBJECT) UTF-8 ALL") == [1, 3, 2]
    assert sort("SORT (SUBJECT) UTF-8 SUBJECT nothing-like-this") == []
    for bad in ("SORT SUBJECT UTF-8 ALL", "SORT () UTF-8 ALL",
                "SORT (BOGUS) UTF-8 ALL", "SORT (REVERSE) UTF-8 ALL",
                "SORT (SUBJECT) UTF-8", "SORT (SUBJECT)",
                "SORT (SUBJECT) UTF-8 RETURN (ALL) ALL"):
        assert c.cmd(bad)[0].startswith(b"BAD"), bad
    r, _ = c.cmd("SORT (SUBJECT) KOI8-R ALL")
    assert r.startswith(b"NO [BADCHARSET")


def test_thread(tern):
    """RFC 5256 THREAD: REFERENCES (links, a missing parent kept as a
    dummy, same-subject roots gathered) and ORDEREDSUBJECT."""
    msgs = [  # (Message-ID, Subject, References)
        ("<1@x>", "Topic A", None),
        ("<2@x>", "Re: Topic A", "<1@x>"),
        ("<3@x>", "Other", None),
        ("<4@x>", "Re: Topic A", "<1@x> <2@x>"),
        ("<5@x>", "RE: [list] Topic A", "<1@x>"),
        ("<6@x>", "Re: Missing parent", "<missing@x>"),
        ("<7@x>", "Re: Missing parent", "<missing@x>"),
        (None, "Other", None),
    ]
    m = imap_login(tern)
    for i, (mid, subj, refs) in enumerate(msgs):
        hdr = "From: a@x.test\r\nSubject: %s\r\n" % subj
        hdr += "Date: Mon, 7 Feb 1994 10:%02d:00 +0000\r\n" % i
        if mid:
            hdr += "Message-ID: %s\r\n" % mid
        if refs:
            hdr += "References: %s\r\nIn-Reply-To: %s\r\n" % (
                refs, refs.split()[-1])
        m.append("INBOX", None, None, (hdr + "\r\nx\r\n").encode())
    c = Imap(tern)
    c.login()
    c.ok("SELECT INBOX")
    assert c.ok("THREAD REFERENCES UTF-8 ALL") == \
        [b"* THREAD (1 (2 4)(5))((3)(8))((6)(7))"]
    assert c.ok("THREAD ORDEREDSUBJECT UTF-8 ALL") == \
        [b"* THREAD (1 (2)(4)(5))(3 8)(6 7)"]
    # with search keys, UIDs, and after an expunge
    assert c.ok("THREAD REFERENCES US-ASCII SUBJECT topic") == \
        [b"* THREAD (1 (2 4)(5))"]
    c.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
    c.ok("EXPUNGE")
    # without 1, <1@x> is a dummy parent of 2 and 5, kept at the root
    assert c.ok("UID THREAD REFERENCES UTF-8 ALL") == \
        [b"* THREAD ((2 4)(5))((3)(8))((6)(7))"]
    assert c.ok("THREAD REFERENCES UTF-8 ALL") == \
        [b"* THREAD ((1 3)(4))((2)(7))((5)(6))"]
    assert c.ok("THREAD REFERENCES UTF-8 SUBJECT nothing-like-this") == \
        [b"* THREAD"]
    for bad in ("THREAD", "THREAD BOGUS UTF-8 ALL", "THREAD REFERENCES",
                "THREAD REFERENCES UTF-8"):
        assert c.cmd(bad)[0].startswith(b"BAD"), bad
    assert c.cmd("THREAD REFERENCES KOI8-R ALL")[0].startswith(
        b"NO [BADCHARSET")


class Deflated:
    """An IMAP client speaking COMPRESS=DEFLATE (RFC 4978) over a socket."""

    def __init__(self, sock):
        import zlib
        self.sock = sock
        self.co = zlib.compressobj(6, zlib.DEFLATED, -15)
        self.de = zlib.decompressobj(-15)
        self.buf = b""

    def send(self, data):
        import zlib
        self.sock.sendall(self.co.compress(data) +
                          self.co.flush(zlib.Z_SYNC_FLUSH))

    def wait(self, tag, limit=1 << 26):
        """everything up to and including the tagged line of tag"""
        while True:
            at = 0 if self.buf.startswith(tag + b" ") else \
                self.buf.find(b"\r\n" + tag + b" ")
            if at != -1:
                end = self.buf.find(b"\r\n", at + 2)
                if end != -1:
                    out, self.buf = self.buf[:end + 2], self.buf[end + 2:]
                    return out
            chunk = self.sock.recv(1 << 16)
            assert chunk, "connection closed"
            self.buf += self.de.decompress(chunk)
            assert len(self.buf) < limit


def rss_kb(pid, field="VmRSS"):
    with open("/proc/%d/status" % pid) as f:
        return int(next(x for x in f if x.startswith(field + ":")).split()[1])


def reset_peak_rss(pid):
    """Start the process's peak RSS (VmHWM) over from its RSS now."""
    with open("/proc/%d/clear_refs" % pid, "w") as f:
        f.write("5")


def test_compress_deflate(tern_factory, monkeypatch):
    # under ASan, freed memory sits in quarantine and would count as RSS
    opts = os.environ.get("ASAN_OPTIONS", "")
    monkeypatch.setenv("ASAN_OPTIONS", (opts + ":" if opts else "") +
                       "quarantine_size_mb=1")
    tern = tern_factory()
    tern.add_account(*ALICE)
    tern.start()
    big = b"Subject: big\r\n\r\n" + b"All work and no play.\r\n" * 20000
    m = imap_login(tern)
    m.append("INBOX", None, None, big)
    c = Imap(tern)
    c.login()
    assert c.cmd("COMPRESS GZIP")[0].startswith(b"BAD")
    r, _ = c.cmd("COMPRESS DEFLATE")
    assert r == b"OK DEFLATE active", r
    z = Deflated(c.sock)
    z.send(b"a1 NOOP\r\n")
    assert z.wait(b"a1").endswith(b"a1 OK NOOP completed\r\n")
    z.send(b"a2 COMPRESS DEFLATE\r\n")
    assert b"a2 NO [COMPRESSIONACTIVE]" in z.wait(b"a2")
    # a big FETCH, streamed through the compressor
    z.send(b"a3 SELECT INBOX\r\na4 FETCH 1 BODY[]\r\n")
    out = z.wait(b"a4")
    assert big in out and out.endswith(b"a4 OK Fetch completed\r\n")
    # APPEND with a literal, compressed on the way in
    body = b"Subject: in\r\n\r\n" + b"zz" * 50000 + b"\r\n"
    z.send(b"a5 APPEND INBOX {%d+}\r\n" % len(body) + body + b"\r\n")
    assert b"a5 OK [APPENDUID" in z.wait(b"a5")
    z.send(b"a6 FETCH 2 RFC822.SIZE\r\n")
    assert b"RFC822.SIZE %d" % len(body) in z.wait(b"a6")
    # a small compressed burst that inflates to a huge line: the line is
    # refused, memory stays bounded (at its peak, not only after), the
    # session goes on
    reset_peak_rss(tern.proc.pid)
    before = rss_kb(tern.proc.pid)
    z.send(b"a7 NOOP " + b"x" * (64 << 20) + b"\r\na8 NOOP\r\n")
    out = z.wait(b"a8")
    assert b"BAD" in out and out.endswith(b"a8 OK NOOP completed\r\n"), out[-200:]
    assert rss_kb(tern.proc.pid, "VmHWM") - before < 32 * 1024
    # a corrupt stream ends the connection, the server goes on
    c.sock.sendall(b"\xff\xff\xff\xff garbage")
    c.sock.settimeout(5)
    end = b""
    try:
        while True:
            chunk = c.sock.recv(4096)
            if not chunk:
                break
            end += chunk
    except OSError:
        pass
    assert imap_login(tern).noop()[0] == "OK"
    assert "compress deflate" in tern.log()


def test_quota(tern):
    """RFC 9208: the account's limits as one quota root; DELETED-STORAGE."""
    c = Imap(tern)
    c.login()
    # no limits: no quota root
    assert c.ok("GETQUOTAROOT INBOX") == [b'* QUOTAROOT "INBOX"']
    assert c.cmd('GETQUOTA "User quota"')[0].startswith(b"NO [NONEXISTENT]")
    tern.cli("account", "quota", A, "10M", "0")
    body = b"Subject: q\r\n\r\n" + b"x" * 3000 + b"\r\n"
    m = imap_login(tern)
    m.append("INBOX", None, None, body)
    m.append("Sent", None, None, body)
    u = c.ok("GETQUOTAROOT Sent")
    assert u == [b'* QUOTAROOT "Sent" "User quota"',
                 b'* QUOTA "User quota" (STORAGE 6 10240)'], u
    tern.cli("account", "quota", A, "10M", "100")
    assert c.ok('GETQUOTA "User quota"') == \
        [b'* QUOTA "User quota" (STORAGE 6 10240 MESSAGE 2 100)']
    assert c.cmd('GETQUOTA "other"')[0].startswith(b"NO [NONEXISTENT]")
    assert c.cmd("GETQUOTAROOT nosuch")[0].startswith(b"NO [NONEXISTENT]")
    assert c.cmd("GETQUOTAROOT")[0].startswith(b"BAD")
    assert c.cmd('SETQUOTA "User quota" (STORAGE 1)')[0].startswith(b"BAD")
    # DELETED-STORAGE: what an EXPUNGE would free
    u = c.ok("STATUS INBOX (DELETED DELETED-STORAGE)")
    assert u == [b'* STATUS "INBOX" (DELETED 0 DELETED-STORAGE 0)'], u
    c.ok("SELECT INBOX")
    c.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
    u = c.ok("STATUS INBOX (DELETED DELETED-STORAGE)")
    assert u == [b'* STATUS "INBOX" (DELETED 1 DELETED-STORAGE %d)'
                 % len(body)], u
    # over the message limit: APPEND is refused with OVERQUOTA
    tern.cli("account", "quota", A, "10M", "2")
    r = m.append("INBOX", None, None, body)
    assert r[0] == "NO" and b"[OVERQUOTA]" in r[1][0], r


# --- APPEND ------------------------------------------------------------------

def test_append_appenduid_and_fetch_back(tern):
    m = imap_login(tern)
    typ, data = m.append("INBOX", "(\\Flagged $Work)",
                         '"05-Jan-2025 10:11:12 +0100"', MULTIPART)
    assert typ == "OK"
    mm = re.match(rb"\[APPENDUID (\d+) 1\] APPEND completed", data[0])
    assert mm
    m.select("INBOX")
    typ, data = m.fetch("1", "(FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])")
    assert data[0][1] == MULTIPART
    assert b"FLAGS (\\Flagged \\Recent $Work)" in data[0][0]
    assert b'INTERNALDATE " 5-Jan-2025 10:11:12 +0100"' in data[0][0]
    assert b"RFC822.SIZE %d" % len(MULTIPART) in data[0][0]
    uidv = m.status("INBOX", "(UIDVALIDITY)")[1][0]
    assert mm.group(1) in uidv


def test_append_errors(tern):
    c = Imap(tern)
    c.login()
    # no such mailbox: refused before the literal is sent
    c.send("a APPEND nosuch {5}\r\n")
    assert c.resp() == b"a NO [TRYCREATE] No such mailbox"
    c.send("b APPEND INBOX (\\Bogus) {5}\r\n")
    assert c.resp().startswith(b"b BAD")
    c.send('c APPEND INBOX "bad date" {5}\r\n')
    assert c.resp().startswith(b"c BAD")
    # LITERAL+: sent at once, accepted without a continuation
    c.send("d APPEND INBOX {7+}\r\nSubj: x\r\n")
    assert c.wait("d")[0].startswith(b"OK [APPENDUID")
    # a refused non-sync literal is read and thrown away
    c.send("e APPEND nosuch {7+}\r\nSubj: x\r\n")
    assert c.wait("e")[0].startswith(b"NO [TRYCREATE]")
    c.ok("NOOP")
    assert c.cmd("APPEND INBOX")[0].startswith(b"BAD")


def test_large_literal_refused_before_it_is_read(tern_factory):
    t = tern_factory(extra="[imap]\nmax_literal = 1M\n")
    t.add_account(*ALICE)
    t.start()
    c = Imap(t)
    c.login()
    assert b"APPENDLIMIT=1048576" in c.cmd("CAPABILITY")[1][0]
    # the answer comes without the 2 GB: refused before it is read
    c.send("a APPEND INBOX {2000000000}\r\n")
    assert c.resp() == b"a NO [TOOBIG] Message too big"
    # the connection is still in step
    c.ok("NOOP")
    # pre-auth: a literal over the pre-login limit is refused
    d = Imap(t)
    d.send("x LOGIN {100000}\r\n")
    assert d.resp().startswith(b"x BAD [TOOBIG]")
    d.ok("NOOP")


def test_append_streams_big_message(tern):
    body = b"".join(b"line %08d of a big message....................\r\n" % i
                    for i in range(200000))
    msg = b"Subject: big\r\n\r\n" + body
    m = imap_login(tern)
    assert m.append("INBOX", None, None, msg)[0] == "OK"
    m.select("INBOX")
    typ, data = m.fetch("1", "(RFC822.SIZE BODY.PEEK[TEXT]<1000.50> BODY.PEEK[])")
    assert b"RFC822.SIZE %d" % len(msg) in data[0][0]
    parts = [x for x in data[0] if isinstance(x, bytes)] if False else data
    flat = [d for d in data if isinstance(d, tuple)]
    assert flat[0][1] == body[1000:1050]
    assert flat[1][1] == msg


# --- FETCH -------------------------------------------------------------------

def test_fetch_sections(tern):
    m = imap_login(tern)
    m.append("INBOX", None, None, MULTIPART)
    m.select("INBOX")
    c = Imap(tern)
    c.login()
    c.ok("SELECT INBOX")

    def one(item, paren=True):
        r, u = c.cmd(("FETCH 1 (%s)" if paren else "FETCH 1 %s") % item)
        assert r.startswith(b"OK"), (item, r)
        return u[0]

    hdr_end = MULTIPART.index(b"\r\n\r\n") + 4
    assert one("BODY.PEEK[HEADER]") == \
        b"* 1 FETCH (BODY[HEADER] {%d}\r\n" % hdr_end + MULTIPART[:hdr_end] + b")"
    fields = (b"Subject: afternoon meeting\r\n"
              b"Date: Mon, 7 Feb 1994 21:52:25 -0800\r\n\r\n")
    assert one("BODY.PEEK[HEADER.FIELDS (SUBJECT DATE)]") == \
        (b"* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT DATE)] {%d}\r\n"
         % len(fields) + fields + b")")
    r = one("BODY.PEEK[HEADER.FIELDS.NOT (SUBJECT DATE FROM TO MESSAGE-ID)]")
    assert b"Subject" not in r and b"Content-Type: multipart/mixed" in r
    # the CRLF before a boundary belongs to the boundary (RFC 2046 5.1.1)
    assert one("BODY.PEEK[1]") == (b"* 1 FETCH (BODY[1] {53}\r\nHello Joe, do "
                                   b"you think we can meet at 3:30 tomorrow?)")
    mime = b"Content-Type: text/plain; charset=us-ascii\r\n\r\n"
    assert one("BODY.PEEK[1.MIME]") == (
        b"* 1 FETCH (BODY[1.MIME] {%d}\r\n" % len(mime) + mime + b")")
    def lit(label, data):
        return b"* 1 FETCH (%s {%d}\r\n" % (label, len(data)) + data + b")"

    inner_hdr = b"Subject: inner\r\nFrom: in@side.example\r\n\r\n"
    assert one("BODY.PEEK[2.HEADER]") == lit(b"BODY[2.HEADER]", inner_hdr)
    assert one("BODY.PEEK[2.TEXT]") == lit(b"BODY[2.TEXT]", b"inner body")
    assert one("BODY.PEEK[2.1]") == lit(b"BODY[2.1]", b"inner body")
    assert one("BODY.PEEK[2.HEADER.FIELDS (subject)]") == lit(
        b"BODY[2.HEADER.FIELDS (subject)]", b"Subject: inner\r\n\r\n")
    assert one("BODY.PEEK[]<0.4>") == b"* 1 FETCH (BODY[]<0> {4}\r\nFrom)"
    assert one("BODY.PEEK[1]<6.4>") == b"* 1 FETCH (BODY[1]<6> {4}\r\nJoe,)"
    assert one("BODY.PEEK[]<99999.10>") == b"* 1 FETCH (BODY[]<99999> {0}\r\n)"
    assert one("BODY.PEEK[7]") == b"* 1 FETCH (BODY[7] {0}\r\n)"
    assert one("RFC822.HEADER").startswith(b"* 1 FETCH (RFC822.HEADER {%d}"
                                           % hdr_end)
    r = one("BODYSTRUCTURE")
    # 0 lines: its only CRLF is the boundary's (as Dovecot counts)
    assert r.startswith(b'* 1 FETCH (BODYSTRUCTURE (("text" "plain" ('
                        b'"charset" "us-ascii") NIL NIL "7bit" 53 0')
    assert b'"mixed" ("boundary" "XX")' in r
    r = one("BODY")
    assert r.startswith(b'* 1 FETCH (BODY (("text" "plain"')
    r = one("ENVELOPE")
    assert r == (b'* 1 FETCH (ENVELOPE ("Mon, 7 Feb 1994 21:52:25 -0800" '
                 b'"afternoon meeting" (("Fred Foobar" NIL "foobar" '
                 b'"Blurdybloop.example")) (("Fred Foobar" NIL "foobar" '
                 b'"Blurdybloop.example")) (("Fred Foobar" NIL "foobar" '
                 b'"Blurdybloop.example")) ((NIL NIL "mooch" '
                 b'"owatagu.example")) NIL NIL NIL '
                 b'"<B27397-0100000@Blurdybloop.example>"))')
    # macros stand alone (RFC 9051 6.4.5)
    assert c.cmd("FETCH 1 (FAST)")[0].startswith(b"BAD")
    r = one("FAST", paren=False)
    assert re.match(rb'\* 1 FETCH \(FLAGS \(\) INTERNALDATE "[^"]+" '
                    rb'RFC822.SIZE %d\)$' % len(MULTIPART), r), r
    assert b"ENVELOPE" in one("ALL", False) and b" BODY (" in one("FULL", False)
    # \Seen: not by PEEK, yes by BODY[] and RFC822.TEXT
    assert one("FLAGS") == b"* 1 FETCH (FLAGS ())"
    r = one("BODY[1]")
    assert r.endswith(b" FLAGS (\\Seen))")
    assert one("FLAGS") == b"* 1 FETCH (FLAGS (\\Seen))"
    r, u = c.cmd("UID FETCH 1 (FLAGS)")
    assert u == [b"* 1 FETCH (UID 1 FLAGS (\\Seen))"]
    for bad in ("FETCH 1 (BOGUS)", "FETCH 1 BODY[X]", "FETCH 1 BODY[1.]",
                "FETCH 1 BODY[]<1.0>", "FETCH 0 FLAGS", "FETCH 5 FLAGS",
                "FETCH 1", "FETCH 1 (BODY[HEADER.FIELDS ()])"):
        assert c.cmd(bad)[0].startswith(b"BAD"), bad


def test_fetch_ranges_and_uid(tern):
    m = imap_login(tern)
    for i in range(5):
        m.append("INBOX", None, None, b"Subject: m%d\r\n\r\nx\r\n" % i)
    m.select("INBOX")
    m.store("2", "+FLAGS", "\\Deleted")
    m.expunge()
    c = Imap(tern)
    c.login()
    c.ok("SELECT INBOX")
    u = c.ok("FETCH 1:* UID")
    assert u == [b"* 1 FETCH (UID 1)", b"* 2 FETCH (UID 3)",
                 b"* 3 FETCH (UID 4)", b"* 4 FETCH (UID 5)"]
    assert c.ok("UID FETCH 2:4 UID") == [b"* 2 FETCH (UID 3)",
                                         b"* 3 FETCH (UID 4)"]
    assert c.ok("UID FETCH 9:* UID") == [b"* 4 FETCH (UID 5)"]
    assert c.ok("FETCH *:3 UID") == [b"* 3 FETCH (UID 4)", b"* 4 FETCH (UID 5)"]
    assert c.ok("UID FETCH 100 UID") == []
    assert c.ok("FETCH 4,1 (UID)") == [b"* 1 FETCH (UID 1)", b"* 4 FETCH (UID 5)"]


# --- STORE, EXPUNGE, COPY, MOVE -------------------------------------------

def test_store_forms(tern):
    m = imap_login(tern)
    for i in range(4):
        m.append("INBOX", None, None, b"Subject: m%d\r\n\r\nx\r\n" % i)
    m.select("INBOX")   # \Recent goes to m, not into c's answers
    c = Imap(tern)
    c.login()
    c.ok("SELECT INBOX")
    u = c.ok("STORE 2:4 +FLAGS (\\Deleted)")
    assert u == [b"* 2 FETCH (FLAGS (\\Deleted))",
                 b"* 3 FETCH (FLAGS (\\Deleted))",
                 b"* 4 FETCH (FLAGS (\\Deleted))"]
    # silent: no FETCH; the new keyword is announced in FLAGS
    u = c.ok("STORE 2 FLAGS.SILENT (\\Seen \\Deleted Foo)")
    assert u == [b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft Foo)",
                 b"* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen "
                 b"\\Draft Foo \\*)] Flags permitted"]
    assert c.ok("FETCH 2 FLAGS") == [b"* 2 FETCH (FLAGS (\\Deleted \\Seen Foo))"]
    assert c.ok("UID STORE 3 -FLAGS (\\Deleted)") == \
        [b"* 3 FETCH (FLAGS () UID 3)"]
    # flags already so: still answered, "as if a FETCH" (RFC 9051 6.4.6)
    assert c.ok("STORE 1:2 +FLAGS (Foo)") == \
        [b"* 1 FETCH (FLAGS (Foo))",
         b"* 2 FETCH (FLAGS (\\Deleted \\Seen Foo))"]
    assert c.ok("STORE 1 -FLAGS (Foo)") == [b"* 1 FETCH (FLAGS ())"]
    assert c.ok("STORE 1 -FLAGS (Foo)") == [b"* 1 FETCH (FLAGS ())"]
    assert c.cmd("STORE 1 +FLAGS (\\Recent)")[0].startswith(b"BAD")
    assert c.cmd("STORE 1 FOO (\\Seen)")[0].startswith(b"BAD")
    # the keyword now shows in FLAGS
    _, u = c.cmd("SELECT INBOX")
    assert u[0] == b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft Foo)"
    # RFC 9051 EXPUNGE example: responses in order
    u = c.ok("EXPUNGE")
    assert u == [b"* 2 EXPUNGE", b"* 3 EXPUNGE"]
    assert c.ok("FETCH 1:* UID") == [b"* 1 FETCH (UID 1)", b"* 2 FETCH (UID 3)"]


def test_uid_expunge_close_unselect(tern):
    m = imap_login(tern)
    for i in range(4):
        m.append("INBOX", "(\\Deleted)", None, b"Subject: m%d\r\n\r\nx\r\n" % i)
    m.select("INBOX")   # \Recent goes to m, not into c's answers
    c = Imap(tern)
    c.login()
    c.ok("SELECT INBOX")
    assert c.ok("UID EXPUNGE 2:3") == [b"* 2 EXPUNGE", b"* 2 EXPUNGE"]
    c.ok("UNSELECT")
    c.ok("SELECT INBOX")
    # CLOSE expunges silently
    assert c.ok("CLOSE") == []
    _, u = c.cmd("SELECT INBOX")
    assert b"* 0 EXISTS" in u


def test_copy_move_copyuid(tern):
    m = imap_login(tern)
    for i in range(3):
        m.append("INBOX", None, None, b"Subject: m%d\r\n\r\nx\r\n" % i)
    m.select("INBOX")   # \Recent goes to m, not into c's answers
    c = Imap(tern)
    c.login()
    c.ok("SELECT INBOX")
    r, _ = c.cmd("COPY 1:2 Archive")
    assert re.match(rb"OK \[COPYUID \d+ 1:2 1:2\] Copy completed", r), r
    assert c.cmd("COPY 1 nosuch")[0].startswith(b"NO [TRYCREATE]")
    r, u = c.cmd("UID MOVE 2:3 Trash")
    assert r == b"OK Move completed"
    assert re.match(rb"\* OK \[COPYUID \d+ 2:3 1:2\] Moved", u[0]), u
    assert u[1:] == [b"* 2 EXPUNGE", b"* 2 EXPUNGE"]
    assert c.ok("FETCH 1:* UID") == [b"* 1 FETCH (UID 1)"]
    c.ok("SELECT Trash")
    assert c.ok("FETCH 1:* (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])") == [
        b"* 1 FETCH (UID 1 BODY[HEADER.FIELDS (SUBJECT)] {15}\r\n"
        b"Subject: m1\r\n\r\n)",
        b"* 2 FETCH (UID 2 BODY[HEADER.FIELDS (SUBJECT)] {15}\r\n"
        b"Subject: m2\r\n\r\n)"]


# --- SEARCH -------------------------------------------------------------------

def test_search_keys(tern):
    m = imap_login(tern)
    m.append("INBOX", None, '"01-Feb-1994 00:00:00 +0000"',
             b"From: Smith <smith@example.org>\r\nTo: x@y.z\r\n"
             b"Subject: Hello world\r\nDate: Mon, 7 Feb 1994 21:52:25 -0800"
             b"\r\nX-Tag: blue\r\n\r\nbody stuff\r\n")
    m.append("INBOX", "(\\Seen \\Flagged $Work)", None,
             b"Subject: =?utf-8?q?gr=C3=BC=C3=9Fe?=\r\nContent-Type: text/plain;"
             b" charset=iso-8859-1\r\nContent-Transfer-Encoding: "
             b"quoted-printable\r\n\r\nnothing h=E9re, a longer body\r\n")
    m.append("INBOX", "(\\Deleted)", None, b"Subject: third\r\n\r\nzzz\r\n")
    c = Imap(tern)
    c.login()
    c.ok("SELECT INBOX")

    def s(q):
        r, u = c.cmd("SEARCH " + q)
        assert r == b"OK Search completed", (q, r)
        assert len(u) == 1, u
        return u[0]

    assert s("ALL") == b"* SEARCH 1 2 3"
    assert s("FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"") == b"* SEARCH 2"
    assert s("FROM smith") == b"* SEARCH 1"
    assert s("TO x@Y.z") == b"* SEARCH 1"
    assert s("SUBJECT hello") == b"* SEARCH 1"
    assert s("HEADER X-Tag blue") == b"* SEARCH 1"
    assert s("HEADER X-Tag \"\"") == b"* SEARCH 1"
    assert s("BODY stuff") == b"* SEARCH 1"
    assert s("TEXT hello") == b"* SEARCH 1"
    assert s("TEXT zzz") == b"* SEARCH 3"
    assert s("SEEN") == b"* SEARCH 2"
    assert s("UNSEEN") == b"* SEARCH 1 3"
    assert s("DELETED") == b"* SEARCH 3"
    assert s("UNDELETED UNSEEN") == b"* SEARCH 1"
    assert s("KEYWORD $work") == b"* SEARCH 2"
    assert s("UNKEYWORD $Work") == b"* SEARCH 1 3"
    assert s("OR SEEN DELETED") == b"* SEARCH 2 3"
    assert s("NOT (SEEN OR DELETED FLAGGED)") == b"* SEARCH 1 3"
    assert s("NOT (OR SEEN DELETED)") == b"* SEARCH 1"
    assert s("LARGER 150") == b"* SEARCH 2"
    assert s("SMALLER 40") == b"* SEARCH 3"
    assert s("SENTON 7-Feb-1994") == b"* SEARCH 1"
    assert s("SENTBEFORE 8-Feb-1994") == b"* SEARCH 1"
    assert s("ON 1-Feb-1994") == b"* SEARCH 1"
    assert s("BEFORE 2-Feb-1994") == b"* SEARCH 1"
    assert s("2:3") == b"* SEARCH 2 3"
    assert s("UID 1,3") == b"* SEARCH 1 3"
    # c is the first session to see them all (test_imap_recent.py)
    assert s("RECENT") == b"* SEARCH 1 2 3"
    assert s("NEW") == b"* SEARCH 1 3"
    assert s("OLD") == b"* SEARCH"
    assert s("CHARSET US-ASCII ALL") == b"* SEARCH 1 2 3"
    r, u = c.cmd("UID SEARCH DELETED")
    assert u == [b"* SEARCH 3"]
    # decoded subject and body (charset converted), UTF-8 in a literal
    word = "grüße".encode()
    c.send(b"u1 SEARCH CHARSET UTF-8 SUBJECT {%d}\r\n" % len(word))
    assert c.resp().startswith(b"+ ")
    c.send(word + b"\r\n")
    assert c.wait("u1") == (b"OK Search completed", [b"* SEARCH 2"])
    word = "hére".encode()
    c.send(b"u2 SEARCH CHARSET UTF-8 BODY {%d+}\r\n" % len(word) + word + b"\r\n")
    assert c.wait("u2") == (b"OK Search completed", [b"* SEARCH 2"])
    # case-insensitive beyond ASCII, in the decoded header and the body
    word = "GRÜ".encode()
    c.send(b"u3 SEARCH CHARSET UTF-8 SUBJECT {%d+}\r\n" % len(word) + word + b"\r\n")
    assert c.wait("u3") == (b"OK Search completed", [b"* SEARCH 2"])
    word = "HÉRE".encode()
    c.send(b"u4 SEARCH CHARSET UTF-8 TEXT {%d+}\r\n" % len(word) + word + b"\r\n")
    assert c.wait("u4") == (b"OK Search completed", [b"* SEARCH 2"])
    r, _ = c.cmd("SEARCH CHARSET KOI8-R ALL")
    assert r.startswith(b"NO [BADCHARSET")
    for bad in ("SEARCH", "SEARCH BOGUS", "SEARCH OR SEEN", "SEARCH LARGER x",
                "SEARCH SINCE 1-Foo-2000", "SEARCH (SEEN"):
        assert c.cmd(bad)[0].startswith(b"BAD"), bad
    # a number beyond the mailbox is a criterion nothing meets (issue 12)
    assert c.cmd("SEARCH 9") == (b"OK Search completed", [b"* SEARCH"])


def test_esearch_and_searchres(tern):
    m = imap_login(tern)
    for i in range(5):
        m.append("INBOX", "(\\Seen)" if i % 2 else None, None,
                 b"Subject: m%d\r\n\r\nx\r\n" % i)
    c = Imap(tern)
    c.login()
    c.ok("SELECT INBOX")
    r, u = c.cmd("SEARCH RETURN (MIN MAX COUNT ALL) UNSEEN", tag="E1")
    assert u == [b'* ESEARCH (TAG "E1") MIN 1 MAX 5 COUNT 3 ALL 1,3,5']
    r, u = c.cmd("UID SEARCH RETURN () SEEN", tag="E2")
    assert u == [b'* ESEARCH (TAG "E2") UID ALL 2,4']
    r, u = c.cmd("SEARCH RETURN (COUNT) DELETED", tag="E3")
    assert u == [b'* ESEARCH (TAG "E3") COUNT 0']
    # SAVE alone answers nothing; "$" then names the result
    assert c.ok("SEARCH RETURN (SAVE) SEEN") == []
    assert c.ok("FETCH $ (UID)") == [b"* 2 FETCH (UID 2)", b"* 4 FETCH (UID 4)"]
    c.ok("STORE $ +FLAGS (\\Flagged)")
    assert c.ok("SEARCH FLAGGED") == [b"* SEARCH 2 4"]
    assert c.ok("SEARCH $ 4") == [b"* SEARCH 4"]


# --- parser and limits ---------------------------------------------------------

def test_malformed_commands(tern):
    c = Imap(tern)
    for line, want in ((b"", None),
                       (b"a", b"* BAD"),
                       (b"a+b NOOP", b"* BAD"),
                       (b"a BOGUS", b"a BAD Unknown command"),
                       (b"a NOOP extra", b"a BAD"),
                       (b'a LOGIN "unterminated', b"a BAD"),
                       (b"a LOGIN a\x00b c", b"a BAD"),
                       (b"a FETCH (((", b"a BAD"),
                       (b"a UID", b"a BAD"),
                       (b"a UID NOOP", b"a BAD Unknown command"),
                       (b"a ID (" + b"(" * 40 + b")" * 41, b"a BAD")):
        c.send(line + b"\r\n")
        if want is None:
            continue
        r = c.resp()
        assert r.startswith(want), (line, r)
    c.ok("NOOP")
    # an over-long line pre-auth is refused, the session goes on
    c.send(b"a LOGIN " + b"x" * 50000 + b" y\r\n")  # > max_line_preauth
    assert c.resp().startswith(b"a BAD")
    c.ok("NOOP")


def test_pipelined_commands(tern):
    m = imap_login(tern)
    m.append("INBOX", None, None, b"Subject: p\r\n\r\nx\r\n")
    c = Imap(tern)
    c.send(('a LOGIN "%s" "%s"\r\nb SELECT INBOX\r\nc FETCH 1 (FLAGS)\r\n'
            'd STORE 1 +FLAGS (\\Seen)\r\ne FETCH 1 (FLAGS)\r\nf LOGOUT\r\n')
           % ALICE)
    out = []
    while True:
        try:
            out.append(c.resp())
        except EOFError:
            break
    tags = [x.split(b" ")[0] for x in out if not x.startswith(b"*")]
    assert tags == [b"a", b"b", b"c", b"d", b"e", b"f"]
    assert b"* 1 FETCH (FLAGS (\\Seen \\Recent))" in out


def test_logout_and_timeout(tern_factory):
    t = tern_factory(extra="[imap]\ntimeout_preauth = 1s\n")
    t.start()
    c = Imap(t)
    c.sock.settimeout(60)   # the BYE comes after timeout_preauth
    assert c.resp().startswith(b"* BYE")


def test_binary_fetch(tern):
    """RFC 3516: BINARY[part] decoded, BINARY.SIZE, literal8 for NULs."""
    payload = bytes(range(256)) * 4
    b64body = base64.encodebytes(payload).replace(b"\n", b"\r\n")
    msg = (b"Subject: bin\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/mixed; boundary=B\r\n\r\n"
           b"--B\r\nContent-Type: text/plain; charset=utf-8\r\n"
           b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
           b"caf=C3=A9 =\r\nau lait\r\n"
           b"--B\r\nContent-Type: application/octet-stream\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\n" + b64body +
           b"--B--\r\n")
    m = imap_login(tern)
    m.append("INBOX", None, None, msg)
    m.select("INBOX")   # \Recent goes to m, not into c's answers
    c = Imap(tern)
    c.login()
    c.ok("SELECT INBOX")
    u = c.ok("FETCH 1 (BINARY.PEEK[1] BINARY.SIZE[1] BINARY.SIZE[2])")
    text = "café au lait".encode()
    assert u == [b"* 1 FETCH (BINARY[1] {%d}\r\n" % len(text) + text +
                 b" BINARY.SIZE[1] %d BINARY.SIZE[2] %d)" %
                 (len(text), len(payload))]
    u = c.ok("FETCH 1 (BINARY.PEEK[2])")
    assert u == [b"* 1 FETCH (BINARY[2] ~{%d}\r\n" % len(payload) + payload +
                 b")"]
    u = c.ok("FETCH 1 (BINARY.PEEK[2]<256.4>)")
    assert u == [b"* 1 FETCH (BINARY[2]<256> ~{4}\r\n\x00\x01\x02\x03)"]
    assert c.ok("FETCH 1 FLAGS") == [b"* 1 FETCH (FLAGS ())"]
    u = c.ok("FETCH 1 (BINARY[1])")
    assert u[0].endswith(b" FLAGS (\\Seen))")
    for bad in ("FETCH 1 (BINARY[1.MIME])", "FETCH 1 (BINARY[HEADER])",
                "FETCH 1 (BINARY.SIZE[1]<0.1>)"):
        assert c.cmd(bad)[0].startswith(b"BAD"), bad


def test_list_recursivematch_deep_and_siblings(tern):
    """RECURSIVEMATCH: CHILDINFO for a parent whose subscribed descendant
    is deep, and never for a sibling whose name
    only shares a prefix ("Ab" is not below "A")."""
    c = Imap(tern)
    c.login()
    for name in ("A/B/C/D", "Ab/x", "E/F", "G"):
        c.ok("CREATE " + name)
    for name in ("A/B/C/D", "Ab", "E/F"):
        c.ok("SUBSCRIBE " + name)
    u = c.ok('LIST (SUBSCRIBED RECURSIVEMATCH) "" %')
    assert b'* LIST (\\HasChildren) "/" "A" ("CHILDINFO" ("SUBSCRIBED"))' in u, u
    assert b'* LIST (\\HasChildren \\Subscribed) "/" "Ab"' in u, u
    assert b'* LIST (\\HasChildren) "/" "E" ("CHILDINFO" ("SUBSCRIBED"))' in u, u
    assert not any(b'"G"' in x for x in u), u
    u = c.ok('LIST (SUBSCRIBED RECURSIVEMATCH) "" A/%')
    assert u == [b'* LIST (\\HasChildren) "/" "A/B" ("CHILDINFO" ("SUBSCRIBED"))'], u


def test_mailbox_limit(tern_factory):
    """store.max_mailboxes: CREATE beyond it (counting the parents it
    would make) gets NO [LIMIT]; deleting one makes room again."""
    # a new account has 6: INBOX and the five special-use mailboxes
    t = tern_factory(extra="[store]\nmax_mailboxes = 9\n")
    t.add_account(*ALICE)
    t.start()
    c = Imap(t)
    c.login()
    assert len(c.ok('LIST "" *')) == 6
    c.ok("CREATE one")                  # 7
    r, _ = c.cmd("CREATE two/three")    # two and two/three: 9
    assert r.startswith(b"OK"), r
    r, _ = c.cmd("CREATE four")
    assert r.startswith(b"NO [LIMIT]"), r
    r, _ = c.cmd("CREATE x/y/z")
    assert r.startswith(b"NO [LIMIT]"), r
    assert not any(b'"x' in l for l in c.ok('LIST "" *'))
    c.ok("DELETE one")
    c.ok("CREATE four")


def test_list_extended_and_status(tern):
    """RFC 5258 and RFC 5819 examples, adapted to our hierarchy."""
    deliver(tern, A, "x")
    c = Imap(tern)
    c.login()
    c.ok("CREATE Fruit/Apple")
    c.ok("CREATE Fruit/Banana")
    c.ok("CREATE Tofu")
    c.ok("SUBSCRIBE Fruit/Banana")
    c.ok("UNSUBSCRIBE Fruit")
    u = c.ok('LIST (SUBSCRIBED) "" "Fruit*"')
    assert u == [b'* LIST (\\HasNoChildren \\Subscribed) "/" "Fruit/Banana"'], u
    u = c.ok('LIST (SUBSCRIBED RECURSIVEMATCH) "" %')
    assert b'* LIST (\\HasChildren) "/" "Fruit" ("CHILDINFO" ("SUBSCRIBED"))' in u
    assert not any(b'"Tofu"' in x for x in u)
    u = c.ok('LIST "" ("INBOX" "Tofu") RETURN (SUBSCRIBED CHILDREN)')
    assert u == [b'* LIST (\\HasNoChildren \\Subscribed) "/" "INBOX"',
                 b'* LIST (\\HasNoChildren) "/" "Tofu"'], u
    u = c.ok('LIST (SPECIAL-USE) "" * RETURN (SPECIAL-USE)')
    assert len(u) == 5 and all(b"\\HasNoChildren \\" in x for x in u), u
    u = c.ok('LIST "" % RETURN (STATUS (MESSAGES UNSEEN))')
    assert b'* STATUS "INBOX" (MESSAGES 1 UNSEEN 1)' in u
    i = u.index(b'* STATUS "INBOX" (MESSAGES 1 UNSEEN 1)')
    assert u[i - 1].endswith(b'"INBOX"')
    assert c.cmd('LIST (BOGUS) "" *')[0].startswith(b"BAD")
    assert c.cmd('LIST (RECURSIVEMATCH) "" *')[0].startswith(b"BAD")
    assert c.cmd('LIST "" * RETURN (STATUS (BOGUS))')[0].startswith(b"BAD")


def test_utf8_accept(tern):
    """RFC 6855: UTF-8 mailbox names and APPEND UTF8 (~{n})."""
    c = Imap(tern)
    c.login()
    r, u = c.cmd("ENABLE UTF8=ACCEPT")
    assert u == [b"* ENABLED UTF8=ACCEPT"]
    name = "Entwürfe/日本語".encode()
    c.ok(b'CREATE "' + name + b'"')
    u = c.ok(b'LIST "" "Entw*"')
    assert b'* LIST (\\HasNoChildren) "/" "' + name + b'"' in u, u
    msg = "Subject: grüße\r\nFrom: jörg@example.test\r\n\r\nÄpfel\r\n".encode()
    c.send(b'a APPEND "' + name + b'" UTF8 (~{%d}\r\n' % len(msg))
    assert c.resp().startswith(b"+ ")
    c.send(msg + b")\r\n")
    assert c.wait("a")[0].startswith(b"OK [APPENDUID")
    c.ok(b'SELECT "' + name + b'"')
    u = c.ok("FETCH 1 BODY.PEEK[]")
    assert u[0].endswith(msg + b")")
    # a client without UTF8=ACCEPT sees modified UTF-7
    d = Imap(tern)
    d.login()
    u = d.ok('LIST "" "Entw*"')
    assert b'"Entw&APw-rfe/&ZeVnLIqe-"' in u[-1], u
    # UTF8 (...) is refused before ENABLE
    d.send(b"b APPEND INBOX UTF8 (~{3}\r\n")
    r = d.resp()
    if r.startswith(b"+"):
        d.send(b"abc)\r\n")
        r = d.wait("b")[0]
    else:
        r = r[2:]
    assert r.startswith(b"BAD"), r


def test_imap4rev2_after_enable(tern):
    """RFC 9051: rev1 by default, rev2 after ENABLE IMAP4rev2."""
    deliver(tern, A, "one")
    c = Imap(tern)
    assert b" IMAP4rev2 " in c.greeting
    c.login()
    _, u = c.cmd("SELECT INBOX")
    assert b"* 1 RECENT" in u and b"* OK [UNSEEN 1] First unseen" in u
    assert c.ok("SEARCH ALL") == [b"* SEARCH 1"]
    r, u = c.cmd("ENABLE IMAP4rev2")
    assert u == [b"* ENABLED IMAP4rev2"]
    r, u = c.cmd("SELECT INBOX")
    assert r == b"OK [READ-WRITE] SELECT completed"
    assert b"* OK [CLOSED] Previous mailbox closed" in u
    assert not any(b"RECENT" in x or b"UNSEEN" in x for x in u), u
    assert b'* LIST (\\HasNoChildren) "/" "INBOX"' in u
    # SEARCH answers with ESEARCH (RFC 9051 6.4.4 example)
    r, u = c.cmd("SEARCH ALL", tag="A282")
    assert u == [b'* ESEARCH (TAG "A282") ALL 1']
    r, u = c.cmd("SEARCH DELETED", tag="A283")
    assert u == [b'* ESEARCH (TAG "A283")']
    r, u = c.cmd("UID SEARCH ALL", tag="A284")
    assert u == [b'* ESEARCH (TAG "A284") UID ALL 1']
    # mailbox names are UTF-8
    c.ok('CREATE "Brouillons/été"')
    u = c.ok('LIST "" "Brouillons/*"')
    assert u == ['* LIST (\\HasNoChildren) "/" "Brouillons/été"'.encode()]


def test_too_many_bad_commands(tern):
    c = Imap(tern)
    for i in range(19):
        assert c.cmd("BOGUS%d" % i)[0].startswith(b"BAD")
    c.ok("NOOP")          # a good command resets the count
    for i in range(19):
        c.cmd("BOGUS")
    c.send("x BOGUS\r\n")
    assert c.resp() == b"x BAD Unknown command"
    assert c.resp() == b"* BYE Too many invalid commands"
    with pytest.raises((EOFError, ConnectionError)):
        c.resp()


def test_append_copy_into_selected_announce_exists_first(tern):
    """APPEND or COPY into the selected mailbox: `* n EXISTS` comes before
    the tagged OK, so the next command can use the new number (issue 12)."""
    deliver(tern, A, "one")
    c = Imap(tern)
    c.login()
    u = c.ok("SELECT INBOX")
    assert b"* 1 EXISTS" in u
    msg = b"From: a@b.test\r\nSubject: saved\r\n\r\nbody\r\n"
    c.send(c.tag() + " APPEND INBOX {%d+}\r\n" % len(msg))
    c.send(msg + b"\r\n")
    r, u = c.wait("t%d" % c.n)
    assert r.startswith(b"OK"), r
    assert b"* 2 EXISTS" in u, u
    assert c.cmd("FETCH 2 (UID)")[0].startswith(b"OK")
    r, u = c.cmd("COPY 1:2 INBOX")
    assert r.startswith(b"OK"), r
    assert b"* 4 EXISTS" in u, u
    r, u = c.cmd("SORT (SUBJECT) UTF-8 ALL")
    assert any(x.startswith(b"* SORT") and len(x.split()) == 6 for x in u), u


def test_new_keyword_in_flags_before_fetch(tern):
    """A keyword new to the mailbox is announced in * FLAGS and
    PERMANENTFLAGS before the FETCH that shows it (RFC 9051 7.3.5)."""
    deliver(tern, A, "one")
    c = Imap(tern)
    c.login()
    c.ok("SELECT INBOX")
    r, u = c.cmd("STORE 1 +FLAGS ($Important)")
    assert r.startswith(b"OK"), r
    flags = [i for i, x in enumerate(u) if x.startswith(b"* FLAGS") and b"$Important" in x]
    fetch = [i for i, x in enumerate(u) if b"FETCH" in x and b"$Important" in x]
    assert flags and fetch and flags[0] < fetch[0], u
    # another session sees it the same way
    d = Imap(tern)
    d.login()
    d.ok("SELECT INBOX")
    r, u = c.cmd("STORE 1 +FLAGS (NewOne)")
    r, u = d.cmd("NOOP")
    flags = [i for i, x in enumerate(u) if x.startswith(b"* FLAGS") and b"NewOne" in x]
    fetch = [i for i, x in enumerate(u) if b"FETCH" in x and b"NewOne" in x]
    assert flags and fetch and flags[0] < fetch[0], u


def test_list_reference_and_lsub_parents(tern):
    """LIST ref "" gives the delimiter whatever the reference (RFC 9051
    6.3.9); LSUB % returns an unsubscribed parent of a subscribed mailbox
    as \\Noselect (RFC 3501 6.3.9); RECURSIVEMATCH gives a parent with
    CHILDINFO only when its subscribed child is not also returned."""
    c = Imap(tern)
    c.login()
    c.ok("CREATE Fruit/Banana")
    c.ok("CREATE Fruit/Apple")
    c.ok("SUBSCRIBE Fruit/Banana")
    c.ok("UNSUBSCRIBE Fruit")
    for ref in ('""', "Fruit/", "nowhere"):
        u = c.ok('LIST %s ""' % ref)
        assert u == [b'* LIST (\\Noselect) "/" ""'], (ref, u)
    u = c.ok('LSUB "" %')
    assert b'* LSUB (\\Noselect) "/" "Fruit"' in u, u
    assert not any(b"Banana" in x for x in u), u
    assert c.ok('LSUB "" *').count(b'* LSUB () "/" "Fruit/Banana"') == 1
    assert not any(b'"Fruit"' in x for x in c.ok('LSUB "" *'))
    c.ok("SUBSCRIBE Fruit")
    u = c.ok('LSUB "" %')
    assert b'* LSUB () "/" "Fruit"' in u and len([x for x in u if b'"Fruit"' in x]) == 1, u
    c.ok("UNSUBSCRIBE Fruit")
    u = c.ok('LIST (SUBSCRIBED RECURSIVEMATCH) "" *')
    assert not any(b'"Fruit"' in x for x in u), u
    assert any(b'"Fruit/Banana"' in x for x in u), u


def test_search_sequence_beyond_mailbox_and_largest_number(tern):
    """SEARCH with a sequence number beyond the mailbox finds nothing
    there (not BAD); 4294967295 is a valid number, distinct from *."""
    deliver(tern, A, "one")
    deliver(tern, A, "two")
    c = Imap(tern)
    c.login()
    c.ok("SELECT INBOX")
    u = c.ok("SEARCH 5:9")
    assert u == [b"* SEARCH"], u
    u = c.ok("SEARCH 2:9")
    assert u == [b"* SEARCH 2"], u
    assert c.cmd("FETCH 9 (UID)")[0].startswith(b"BAD")
    u = c.ok("UID FETCH 4294967295 (UID)")
    assert u == [], u
    u = c.ok("UID FETCH * (UID)")
    assert u == [b"* 2 FETCH (UID 2)"], u
    u = c.ok("UID SEARCH UID 1:4294967295")
    assert u == [b"* SEARCH 1 2"], u
    assert c.cmd("UID FETCH 4294967296 (UID)")[0].startswith(b"BAD")


def test_special_use_restored_and_create_special_use(tern):
    """A deleted Trash created again by name gets \\Trash back while no
    other mailbox has it; CREATE ... (USE (...)) (RFC 6154 3) sets a use,
    and a use a real mailbox cannot have gets NO [USEATTR]."""
    c = Imap(tern)
    c.login()
    _, u = c.cmd("CAPABILITY")
    assert b" CREATE-SPECIAL-USE" in u[0], u
    c.ok("DELETE Trash")
    c.ok("CREATE Trash")
    u = c.ok('LIST "" Trash')
    assert u == [b'* LIST (\\HasNoChildren \\Trash) "/" "Trash"'], u
    c.ok("CREATE Bin (USE (\\Trash))")
    u = c.ok('LIST "" Bin')
    assert u == [b'* LIST (\\HasNoChildren \\Trash) "/" "Bin"'], u
    c.ok("DELETE Sent")
    c.ok("CREATE Outbox (USE (\\Sent))")
    c.ok("CREATE Sent")                  # another has \Sent now: plain
    u = c.ok('LIST "" Sent')
    assert u == [b'* LIST (\\HasNoChildren) "/" "Sent"'], u
    r, _ = c.cmd("CREATE Everything (USE (\\All))")
    assert r.startswith(b"NO [USEATTR]"), r
    assert c.ok('LIST "" Everything') == []
    assert c.cmd("CREATE X (USE \\Sent)")[0].startswith(b"BAD")
    assert c.cmd("CREATE X (BOGUS (\\Sent))")[0].startswith(b"BAD")


def test_id_of_rfc2971_size_before_login(tern):
    """RFC 2971: 30 field-value pairs, fields up to 30 octets and values
    up to 1024, are an ID a client may send before it logs in."""
    c = Imap(tern)
    pairs = " ".join('"field-%024d" "%s"' % (i, "v" * 1024) for i in range(30))
    r, u = c.cmd("ID (%s)" % pairs)
    assert r.startswith(b"OK"), r
    assert u and u[0].startswith(b"* ID ("), u
    # a line beyond the pre-login limit is still refused
    r, _ = c.cmd("NOOP " + "x" * 50000)
    assert r.startswith(b"BAD"), r
    c.login()


def test_connect_log_says_tls_for_implicit_tls(tern):
    """the connect line of an imaps connection says tls=yes (it is
    written while the handshake runs); a plain one says tls=no"""
    c = Imap(tern, proto="imaps")
    c.login()
    d = Imap(tern)
    d.login()
    lines = [l for l in tern.log().splitlines() if "imap connect ip=" in l and "tls=" in l]
    assert len(lines) == 2, lines
    assert lines[0].endswith("tls=yes") and lines[1].endswith("tls=no"), lines
