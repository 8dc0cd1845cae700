"""The top-level header sections (the query a client sends to list a
folder) are served from the header bytes the store keeps in its parse
cache (issue 12): the answers must be those of the blob, cold or warm,
with the delivery prefix (Return-Path, Received) in front, and the same
with the cache off."""
import smtplib

import pytest

from conftest import ALICE
from imapraw import Raw

BODY = b"x" * 3000 + b"\r\nbody line\r\n"
MSG = (b"From: Sender <sender@remote.test>\r\n"
       b"To: alice@example.test\r\n"
       b"Subject: cached\r\n folded subject\r\n"
       b"Date: Mon, 7 Feb 1994 21:52:25 -0800\r\n"
       b"Message-ID: <hc.1@remote.test>\r\n"
       b"X-Extra: yes\r\n"
       b"\r\n" + BODY)
QUERIES = (
    b"BODY.PEEK[HEADER.FIELDS (Return-Path Received From Subject Date)]",
    b"BODY.PEEK[HEADER.FIELDS.NOT (Received X-Extra)]",
    b"BODY.PEEK[HEADER]",
    b"BODY.PEEK[HEADER]<20.30>",
    b"RFC822.HEADER",
)


def section(whole, q):
    """what the answer must hold, from the whole message as served"""
    hdr = whole[:whole.index(b"\r\n\r\n") + 4]
    fields = []
    for line in hdr[:-2].split(b"\r\n")[:-1]:
        if line[:1] in (b" ", b"\t"):
            fields[-1] += b"\r\n" + line
        else:
            fields.append(line)
    name = lambda f: f.split(b":", 1)[0].lower()
    if b"FIELDS.NOT" in q:
        return b"".join(f + b"\r\n" for f in fields
                        if name(f) not in (b"received", b"x-extra")) + b"\r\n"
    if b"FIELDS" in q:
        want = (b"return-path", b"received", b"from", b"subject", b"date")
        return b"".join(f + b"\r\n" for f in fields if name(f) in want) + b"\r\n"
    if b"<20.30>" in q:
        return hdr[20:50]
    return hdr


def literal(resp):
    head, _, rest = resp.partition(b"}\r\n")
    n = int(head.rsplit(b"{", 1)[1])
    return rest[:n]


@pytest.mark.parametrize("cache", ["64M", "0"])
def test_header_sections_from_cache(tern_factory, cache):
    t = tern_factory(extra="[store]\nparse_cache = %s\n" % cache)
    t.add_account(*ALICE)
    t.start()
    with smtplib.SMTP("127.0.0.1", t.port("smtp"), timeout=30) as s:
        for _ in range(3):
            s.sendmail("sender@remote.test", ["alice@example.test"], MSG)
    c = Raw("127.0.0.1", t.port("imap"))
    try:
        c.login(*ALICE)
        c.ok(b"SELECT INBOX")
        wholes = [literal(r) for r in c.ok(b"FETCH 1:3 (BODY.PEEK[])")]
        for whole in wholes:
            # the delivery prefix is part of the header as served
            assert whole.startswith(b"Return-Path: <sender@remote.test>\r\n")
            assert whole.endswith(MSG)
        for rnd in range(2):      # cold, then from the cache
            for q in QUERIES:
                got = c.ok(b"FETCH 1:3 (UID " + q + b")")
                assert len(got) == 3, (q, got)
                for whole, r in zip(wholes, got):
                    assert literal(r) == section(whole, q), (rnd, q, r)
        # a FETCH of header and body together still reads the blob
        r = c.ok(b"FETCH 2 (BODY.PEEK[HEADER.FIELDS (Subject)] "
                 b"BODY.PEEK[TEXT])")[0]
        assert r.endswith(BODY + b")\r\n") or r.endswith(BODY + b")"), r
    finally:
        c.close()
