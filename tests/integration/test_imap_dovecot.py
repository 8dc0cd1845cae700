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
