"""tern side by side with a private Dovecot (package dovecot-imapd, see
dovecotlib.py): the same messages in both, the answers compared
(issue 12). Where the two differ on purpose mime_corpus.DEVIATIONS says
why; the strict corpus leaves those inputs out, so every FETCH answer
must then match byte for byte."""
import pytest

import dovecotlib
import mime_compare
import mime_corpus

pytestmark = pytest.mark.skipif(not dovecotlib.available(),
                                reason="dovecot-imapd is not installed "
                                       "(scripts/install-deps.sh installs it)")


@pytest.fixture
def dovecot():
    d = dovecotlib.Dovecot()
    try:
        d.start()
        yield d
    finally:
        d.stop()      # SIGTERM; removes its folder


@pytest.fixture
def tern_dv(tern_factory):
    t = tern_factory()
    t.add_account(dovecotlib.USER, dovecotlib.PASSWORD)
    t.start()
    return t


def test_fetch_envelope_bodystructure_match_dovecot(tern_dv, dovecot):
    msgs = mime_corpus.messages(300, seed=12, strict=True)
    diffs, ta, da = mime_compare.compare(tern_dv.port("imap"), dovecot.port,
                                         dovecotlib.USER, dovecotlib.PASSWORD,
                                         msgs)
    report = []
    for it, seqs in diffs.items():
        for n in seqs[:3]:
            report.append("%s of %d:\n tern    %r\n dovecot %r" %
                          (it.decode(), n, ta.get(n, {}).get(it),
                           da.get(n, {}).get(it)))
    assert all(not s for s in diffs.values()), \
        "%s\n%s" % ({k: len(v) for k, v in diffs.items()}, "\n".join(report))


def test_search_addresses_as_dovecot(tern_dv, dovecot):
    """the address cases where both follow the rule give the same hits
    (the ones where tern follows issue 12 and Dovecot does not are in
    test_imap_search_address.py)"""
    from test_imap_search_address import (ADDRESS_SEARCHES, HEADER_SEARCHES,
                                          load_address_msgs, search)
    for port in (tern_dv.port("imap"), dovecot.port):
        c = load_address_msgs(port, dovecotlib.USER, dovecotlib.PASSWORD)
        try:
            for key, want in ADDRESS_SEARCHES + HEADER_SEARCHES:
                assert search(c, key) == want, (port, key)
        finally:
            c.close()


def test_sort_thread_as_dovecot(tern_dv, dovecot):
    """the SORT/THREAD cases of test_imap_sort_thread.py: Dovecot gives
    the same answers"""
    from test_imap_sort_thread import check_all
    for port in (tern_dv.port("imap"), dovecot.port):
        check_all(port, dovecotlib.USER, dovecotlib.PASSWORD)


# what clients send to list a folder, and the other top-level header
# sections (tern serves these from cached header bytes: issue 12)
HEADER_QUERIES = (
    b"BODY.PEEK[HEADER.FIELDS (From To Cc Subject Date Message-ID "
    b"In-Reply-To References Content-Type)]",
    b"BODY.PEEK[HEADER.FIELDS (DATE FROM X-Nothing)]",
    b"BODY.PEEK[HEADER.FIELDS.NOT (Received Subject)]",
    b"BODY.PEEK[HEADER]",
    b"BODY.PEEK[HEADER]<7.40>",
    b"RFC822.HEADER",
)


def _label_upper(resp):
    """Dovecot names the section in capitals, tern as the client spelt
    it (both allowed: RFC 9051 7.5.2 compares the names case-blind)"""
    head, sep, rest = resp.partition(b"]")
    return head.upper() + sep + rest


def test_header_sections_match_dovecot(tern_dv, dovecot):
    msgs = mime_corpus.messages(200, seed=7, strict=True)
    conns = [mime_compare.load(p, dovecotlib.USER, dovecotlib.PASSWORD, msgs)
             for p in (tern_dv.port("imap"), dovecot.port)]
    try:
        # twice: the first fills tern's header cache, the second is
        # served from it
        for _ in range(2):
            for q in HEADER_QUERIES:
                t, d = (c.ok(b"FETCH 1:* (" + q + b")") for c in conns)
                assert len(t) == len(d) == len(msgs), q
                # a message that is all header, without a line end after
                # its last field: tern always ends HEADER.FIELDS[.NOT]
                # with the blank line (RFC 9051 6.4.5: "the returned
                # header includes the delimiting blank line"); Dovecot
                # does so when it parses the message, not when it
                # answers from its cache file (the second pass), nor
                # ever for FIELDS.NOT
                bad = [(a, b) for a, b, m in zip(t, d, msgs)
                       if _label_upper(a) != _label_upper(b) and
                       not (b"FIELDS" in q and b"\r\n\r\n" not in m)]
                assert not bad, (q, len(bad), bad[:2])
    finally:
        for c in conns:
            c.close()
