"""No password mechanism without TLS off loopback (issue 11 item 10).

SCRAM sends no password, but a sniffed exchange (salt, iteration count,
nonces, proof) is enough for an offline dictionary attack: so PLAIN,
LOGIN and SCRAM-* are all offered only over TLS to a client that is not
on loopback, unless server.allow_plaintext_auth says otherwise. The
client here really is off loopback: it connects from its own network
namespace over a veth pair (netns.py)."""
import pytest

from conftest import ALICE
from netns import Peer
from smtputil import Raw
from test_imap import Imap, b64, scram as imap_scram
from test_pop3 import Pop, scram_login as pop3_scram

A, APW = ALICE


@pytest.fixture
def net():
    with Peer() as p:
        yield p


def served(net, tern_factory, extra=""):
    """a started tern on the host side of the veth pair, and the Tern as
    seen from the namespace (its connect() opens from there)"""
    t = tern_factory(address=net.host, extra=extra)
    t.add_account(*ALICE)
    t.start()
    return t, net.reach(t)


def imap_caps(c):
    _, u = c.cmd("CAPABILITY")
    return u[0].split()


def test_imap_offers_no_mechanism_before_tls(net, tern_factory):
    t, v = served(net, tern_factory)
    c = Imap(v)
    caps = imap_caps(c)
    assert b"LOGINDISABLED" in caps
    assert [x for x in caps if x.startswith(b"AUTH=")] == []
    for mech in ("SCRAM-SHA-256", "PLAIN", "LOGIN"):
        r, _ = c.cmd("AUTHENTICATE " + mech)
        assert r.startswith(b"NO [PRIVACYREQUIRED]"), (mech, r)
    assert "imap login" not in t.log()
    assert c.cmd("STARTTLS")[0].startswith(b"OK")
    c.sock = t.ssl_context().wrap_socket(c.sock)
    caps = imap_caps(c)
    assert b"AUTH=SCRAM-SHA-256" in caps and b"AUTH=PLAIN" in caps
    assert imap_scram(c, A, APW).startswith(b"OK [CAPABILITY")


def test_pop3_offers_no_mechanism_before_tls(net, tern_factory):
    t, v = served(net, tern_factory)
    p = Pop(v)
    assert p.cmd("CAPA").startswith(b"+OK")
    caps = p.multi().split(b"\r\n")
    assert b"USER" not in caps
    assert [x for x in caps if x.startswith(b"SASL")] == []
    assert p.cmd("AUTH") == b"+OK"
    assert p.multi() == b""
    for mech in ("SCRAM-SHA-256", "PLAIN", "LOGIN"):
        assert p.cmd("AUTH " + mech) == \
            b"-ERR Authentication needs TLS first (STLS)", mech
    p.starttls()
    assert p.cmd("CAPA").startswith(b"+OK")
    caps = p.multi().split(b"\r\n")
    assert b"SASL PLAIN LOGIN SCRAM-SHA-256" in caps
    assert pop3_scram(p, A, APW).startswith(b"+OK Logged in")
    p.cmd("QUIT")


def test_submission_offers_no_mechanism_before_tls(net, tern_factory):
    # AUTH before STARTTLS allowed by the smtp section: the password rule
    # still holds
    t, v = served(net, tern_factory,
                  extra="[smtp]\nrequire_tls_for_auth = no\n")
    r = Raw(v, "submission")
    code, text = r.cmd("EHLO client.test")
    assert code == 250
    assert [x for x in text.split("\n") if x.startswith("AUTH")] == []
    for mech in ("SCRAM-SHA-256", "PLAIN", "LOGIN"):
        assert r.cmd("AUTH " + mech) == \
            (538, "5.7.11 Encryption required for requested "
             "authentication mechanism"), mech
    r.starttls()
    code, text = r.cmd("EHLO client.test")
    assert "AUTH PLAIN LOGIN SCRAM-SHA-256" in text.split("\n")
    assert r.cmd("AUTH PLAIN " + b64("\0%s\0%s" % ALICE))[0] == 235
    r.cmd("QUIT")


def test_config_allows_mechanisms_without_tls(net, tern_factory):
    t, v = served(net, tern_factory,
                  extra="[server]\nallow_plaintext_auth = yes\n"
                        "[smtp]\nrequire_tls_for_auth = no\n")
    c = Imap(v)
    caps = imap_caps(c)
    assert b"LOGINDISABLED" not in caps and b"AUTH=SCRAM-SHA-256" in caps
    assert imap_scram(c, A, APW).startswith(b"OK [CAPABILITY")
    p = Pop(v)
    assert p.cmd("CAPA").startswith(b"+OK")
    assert b"SASL PLAIN LOGIN SCRAM-SHA-256" in p.multi().split(b"\r\n")
    assert pop3_scram(p, A, APW).startswith(b"+OK Logged in")
    p.cmd("QUIT")
    r = Raw(v, "submission")
    code, text = r.cmd("EHLO client.test")
    assert "AUTH PLAIN LOGIN SCRAM-SHA-256" in text.split("\n")
    r.cmd("QUIT")
