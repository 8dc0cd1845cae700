"""Hostile bytes from SMTP served by IMAP and POP3 (issue 11 items 7, 8).

NUL bytes are kept as received (SMTP DATA and BDAT); IMAP never puts one
in an ordinary literal (RFC 9051 4.3: CHAR8 excludes NUL): BODY[...],
RFC822* and HEADER.FIELDS show it as 0x80 (as Dovecot does), BINARY[...]
sends the bytes unchanged in a literal8 (RFC 3516); POP3 RETR sends the
message as stored. Also: FETCH BINARY of an empty base64 part (a UBSan
abort of the sanitizer build)."""
import base64
import poplib
import re
import smtplib

from conftest import ALICE
from smtputil import Raw
from test_imap import Imap

A, APW = ALICE


def smtp_data(t, msg):
    with smtplib.SMTP("127.0.0.1", t.port("smtp"), timeout=30) as s:
        s.sendmail("sender@remote.test", [A], msg)


def smtp_bdat(t, msg):
    r = Raw(t)
    assert r.cmd("EHLO chunker.example")[0] == 250
    assert r.cmd("MAIL FROM:<sender@remote.test>")[0] == 250
    assert r.cmd("RCPT TO:<%s>" % A)[0] == 250
    half = len(msg) // 2
    r.send(b"BDAT %d\r\n" % half + msg[:half])
    assert r.reply()[0] == 250
    r.send(b"BDAT %d LAST\r\n" % (len(msg) - half) + msg[half:])
    code, text = r.reply()
    assert code == 250 and "queued as" in text, (code, text)
    r.cmd("QUIT")


def literal(resp, label):
    """(marker, bytes) of the literal after label: marker is b"" for
    {n}, b"~" for ~{n}"""
    m = re.search(re.escape(label) + rb" (~?)\{(\d+)\}\r\n", resp)
    assert m, (label, resp[:300])
    n = int(m.group(2))
    data = resp[m.end():m.end() + n]
    assert len(data) == n
    return m.group(1), data


def test_binary_fetch_of_empty_base64_part(tern):
    """Item 7: an empty base64 part decodes to nothing; the sanitizer
    build aborted (memchr(NULL, 0, 0)) on its BINARY[]."""
    msg = (b"From: sender@remote.test\r\nTo: %s\r\nSubject: empty\r\n"
           b"MIME-Version: 1.0\r\n"
           b"Content-Type: multipart/mixed; boundary=B\r\n\r\n"
           b"--B\r\nContent-Type: application/octet-stream\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\n"
           b"--B\r\nContent-Type: text/plain\r\n"
           b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
           b"--B--\r\n") % A.encode()
    smtp_data(tern, msg)
    c = Imap(tern)
    c.login()
    c.ok("SELECT INBOX")
    u = c.ok("FETCH 1 (BINARY.PEEK[1] BINARY.SIZE[1] BINARY.PEEK[2]<0.10>)")
    assert u == [b"* 1 FETCH (BINARY[1] {0}\r\n BINARY.SIZE[1] 0 "
                 b"BINARY[2]<0> {0}\r\n)"]
    assert c.ok("NOOP") == []


def nul_message(subject_tag, body_size=0):
    body = b"line one\r\nNUL here:\x00:and\x00\x00twice\r\n"
    if body_size:
        line = b"0123456789\x00abcdefghijklmnopqrstuvwxyz\x00ABCDEFGHIJ\r\n"
        body += line * (body_size // len(line) + 1)
    return (b"From: sender@remote.test\r\nTo: %s\r\n"
            b"Subject: %s with a \x00 in it\r\n\r\n" % (A.encode(),
                                                    subject_tag) + body)


def check_imap(t, n, sent):
    c = Imap(t)
    c.login()
    c.ok("SELECT INBOX")
    u = c.ok("FETCH %d (RFC822.SIZE BINARY.PEEK[] BODY.PEEK[])" % n)
    assert len(u) == 1
    size = int(re.search(rb"RFC822.SIZE (\d+)", u[0]).group(1))
    mark, stored = literal(u[0], b"BINARY[]")
    # BINARY[]: the bytes as received (after our trace fields), literal8
    assert mark == b"~" and stored.endswith(sent) and len(stored) == size
    mark, body = literal(u[0], b"BODY[]")
    # BODY[]: an ordinary literal, same length, NUL shown as 0x80
    assert mark == b"" and b"\x00" not in body
    assert body == stored.replace(b"\x00", b"\x80")
    u = c.ok("FETCH %d (BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY.PEEK[TEXT] "
             "BINARY.PEEK[1] RFC822.TEXT)" % n)
    mark, subj = literal(u[0], b"BODY[HEADER.FIELDS (SUBJECT)]")
    assert mark == b"" and b"with a \x80 in it\r\n" in subj
    mark, text = literal(u[0], b"BODY[TEXT]")
    assert mark == b"" and b"NUL here:\x80:and\x80\x80twice" in text
    mark, text = literal(u[0], b"RFC822.TEXT")
    assert mark == b"" and b"\x00" not in text
    mark, part = literal(u[0], b"BINARY[1]")
    assert mark == b"~" and b"NUL here:\x00:and\x00\x00twice" in part
    # a partial range without NUL needs no literal8
    u = c.ok("FETCH %d (BINARY.PEEK[]<0.4>)" % n)
    assert literal(u[0], b"BINARY[]<0>")[0] == b""
    c.ok("LOGOUT")
    return stored


def check_pop3(t, n, stored):
    p = poplib.POP3("127.0.0.1", t.port("pop3"), timeout=10)
    p.user(A)
    p.pass_(APW)
    _, lines, octets = p.retr(n)
    # RETR: the message as stored, NULs included (RFC 1939 has no
    # restriction); poplib drops the final CRLF and undoes dot-stuffing
    assert b"\r\n".join(lines) + b"\r\n" == stored
    p.quit()


def test_nul_bytes_over_data_and_bdat(tern):
    """Item 8: DATA and BDAT keep NULs; IMAP and POP3 serve them as the
    module docstring says, small (inline) and large (streamed) alike."""
    msgs = [nul_message(b"data"), nul_message(b"bdat"),
            nul_message(b"big data", 200 * 1024),
            nul_message(b"big bdat", 200 * 1024)]
    smtp_data(tern, msgs[0])
    smtp_bdat(tern, msgs[1])
    smtp_data(tern, msgs[2])
    smtp_bdat(tern, msgs[3])
    for i, m in enumerate(msgs):
        stored = check_imap(tern, i + 1, m)
        check_pop3(tern, i + 1, stored)


def test_binary_without_nul_stays_a_literal(tern):
    """BINARY of content without NUL keeps the ordinary literal (what
    test_imap.test_binary_fetch expects)."""
    payload = b"plain text\r\n" * 10
    msg = (b"From: sender@remote.test\r\nTo: %s\r\nSubject: b\r\n"
           b"MIME-Version: 1.0\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           % A.encode() + base64.encodebytes(payload).replace(b"\n", b"\r\n"))
    smtp_data(tern, msg)
    c = Imap(tern)
    c.login()
    c.ok("SELECT INBOX")
    u = c.ok("FETCH 1 (BINARY.PEEK[1] BINARY.PEEK[])")
    assert literal(u[0], b"BINARY[1]") == (b"", payload)
    assert literal(u[0], b"BINARY[]")[0] == b""
