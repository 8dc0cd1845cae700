"""imapraw - a minimal IMAP client that keeps responses as bytes, for
byte-for-byte comparisons between servers.

    c = Raw("127.0.0.1", port); c.login(user, pw); c.select("INBOX")
    lines, tagged = c.cmd(b"FETCH 1:* (ENVELOPE)")   # untagged responses
    items = fetch_items(line)   # {b"ENVELOPE": b"(...)", ...}

Literals are folded into the response line they belong to. Strings are
compared in one canonical form (quoted when they can be, else a literal),
since a server may send the same string either way.
"""
import re
import socket

LITERAL = re.compile(rb"\{(\d+)\+?\}\r\n$")


class Raw:
    def __init__(self, host, port, timeout=60):
        self.s = socket.create_connection((host, port), timeout)
        self.f = self.s.makefile("rb")
        self.n = 0
        self.greeting = self.f.readline()

    def close(self):
        try:
            self.f.close()
            self.s.close()
        except OSError:
            pass

    def _response(self):
        """one whole response (literals included), or b'' at EOF"""
        out = b""
        while True:
            line = self.f.readline()
            if not line:
                return out
            out += line
            m = LITERAL.search(line)
            if not m:
                return out
            out += self.f.read(int(m.group(1)))

    def send_literal(self, head, data, tail=b""):
        """head {n}, wait for the continuation, then data + tail"""
        self.n += 1
        tag = b"t%d" % self.n
        self.s.sendall(tag + b" " + head + b" {%d}\r\n" % len(data))
        cont = self._response()
        if not cont.startswith(b"+"):
            raise AssertionError("no continuation: %r" % cont)
        self.s.sendall(data + tail + b"\r\n")
        return self._until(tag)

    def cmd(self, line):
        self.n += 1
        tag = b"t%d" % self.n
        self.s.sendall(tag + b" " + line + b"\r\n")
        return self._until(tag)

    def _until(self, tag):
        untagged = []
        while True:
            r = self._response()
            if not r:
                raise AssertionError("connection closed")
            if r.startswith(tag + b" "):
                return untagged, r
            untagged.append(r)

    def ok(self, line):
        untagged, tagged = self.cmd(line)
        if not tagged.split(b" ", 2)[1] == b"OK":
            raise AssertionError("%r: %r" % (line, tagged))
        return untagged

    def login(self, user, pw):
        self.ok(b"LOGIN " + quote(user.encode()) + b" " + quote(pw.encode()))

    def append(self, mailbox, msg):
        untagged, tagged = self.send_literal(b"APPEND " + quote(mailbox.encode()), msg)
        if tagged.split(b" ", 2)[1] != b"OK":
            raise AssertionError("APPEND: %r" % tagged)


def quote(b):
    return b'"' + b.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


def tokens(b):
    """Split a response into tokens: b'(' b')' atoms, and ('s', bytes)
    for strings (quoted or literal)."""
    i, n, out = 0, len(b), []
    while i < n:
        c = b[i:i + 1]
        if c in b" \r\n":
            i += 1
        elif c in b"()":
            out.append(c)
            i += 1
        elif c == b'"':
            j, s = i + 1, bytearray()
            while j < n and b[j:j + 1] != b'"':
                if b[j:j + 1] == b"\\":
                    j += 1
                s += b[j:j + 1]
                j += 1
            out.append(("s", bytes(s)))
            i = j + 1
        elif c == b"{":
            j = b.index(b"}", i)
            ln = int(b[i + 1:j].rstrip(b"+"))
            start = b.index(b"\n", j) + 1
            out.append(("s", b[start:start + ln]))
            i = start + ln
        else:
            j = i
            while j < n and b[j:j + 1] not in b" ()\r\n":
                if b[j:j + 1] == b"[":
                    j = b.index(b"]", j)
                j += 1
            out.append(b[i:j])
            i = j
    return out


def canon(toks):
    """tokens back to one canonical text"""
    out = []
    for t in toks:
        if isinstance(t, tuple):
            s = t[1]
            if all(32 <= c < 127 for c in s):
                out.append(quote(s))
            else:
                out.append(b"{%d}\r\n" % len(s) + s)
        else:
            out.append(t)
    text = b" ".join(out)
    return text.replace(b"( ", b"(").replace(b" )", b")")


def fetch_items(resp):
    """{item name: canonical value} of an untagged FETCH response"""
    toks = tokens(resp)
    # * n FETCH ( name value name value ... )
    assert toks[0] == b"*" and toks[2].upper() == b"FETCH" and toks[3] == b"(", resp
    items, i = {}, 4
    while i < len(toks) and toks[i] != b")":
        name = toks[i].upper()
        i += 1
        if toks[i] == b"(":
            depth, j = 0, i
            while True:
                if toks[j] == b"(":
                    depth += 1
                elif toks[j] == b")":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            items[name] = canon(toks[i:j + 1])
            i = j + 1
        else:
            items[name] = canon([toks[i]])
            i += 1
    return int(toks[1]), items
