"""The limits of the port 25 checks are config keys (issue 13, second
part): the RFC 7208 4.6.4 defaults (10 DNS-querying terms, 2 void
lookups) hold, and a lowered [auth_checks] limit changes the verdict of
the same message. Two servers share one unbound-served zone: one with
the defaults, one with every limit lowered."""
import pytest

from relaylib import Unbound
from smtputil import Raw
from test_mailauth import ALICE, Keys, msg, ours, txt

def zones(keys):
    ok = "ip4:127.0.0.1 -all"
    return {
        # three includes (3 DNS terms), the match in the last one
        "terms.test": [txt("terms.test", "v=spf1 include:i1.terms.test "
                           "include:i2.terms.test include:i3.terms.test -all"),
                       txt("i1.terms.test", "v=spf1 -all"),
                       txt("i2.terms.test", "v=spf1 -all"),
                       txt("i3.terms.test", "v=spf1 " + ok)],
        # two void lookups (RFC: at most 2), then the match
        "voids.test": [txt("voids.test", "v=spf1 a:nx1.voids.test "
                           "a:nx2.voids.test " + ok)],
        # mx with two names, the second one ours
        "mx.test": [txt("mx.test", "v=spf1 mx " + "-all"),
                    "mx.test. IN MX 10 a.mx.test.",
                    "mx.test. IN MX 20 b.mx.test.",
                    "a.mx.test. IN A 192.0.2.1",
                    "b.mx.test. IN A 127.0.0.1"],
        # a 600-byte SPF record (RFC: fine; more than 512 bytes)
        "long.test": [txt("long.test", "v=spf1 " + " ".join(
            "ip4:10.0.%d.0/24" % i for i in range(40)) + " " + ok)],
        # a 2048-bit RSA signature, DMARC p=none
        "dk.test": [txt("dk.test", "v=spf1 -all"),
                    txt("_dmarc.dk.test", "v=DMARC1; p=none")] +
        keys.records("dk.test"),
    }


def send(t, mail_from, m):
    r = Raw(t, timeout=90)
    try:
        assert r.cmd("EHLO client.test")[0] == 250
        assert r.cmd("MAIL FROM:<%s>" % mail_from)[0] == 250
        assert r.cmd("RCPT TO:<%s>" % ALICE[0])[0] == 250
        assert r.cmd("DATA")[0] == 354
        r.send(m.replace(b"\r\n.", b"\r\n..") + b".\r\n")
        return r.reply()
    finally:
        r.close()


def server(tern_factory, dns, name, extra=""):
    t = tern_factory(name, extra="[dns]\nresolver = %s\n[auth_checks]\n"
                     "timeout = 10s\n%s" % (dns.resolver, extra),
                     protocols=("smtp",))
    t.add_account(*ALICE)
    t.start()
    return t


def verdict(t, keys, dom):
    from smtputil import inbox
    m = msg("a@" + dom, dom)
    if dom == "dk.test":
        m = keys.sign(m, dom, ("rsa",))
    code, text = send(t, "bounce@" + dom, m)
    assert code == 250, (dom, text)
    got = inbox(t, ALICE[0])
    assert len(got) == 1
    return ours(got[0])


# (the one lowered key, the domain whose verdict it changes, default, lowered)
CASES = [
    ("spf_dns_terms = 2", "terms.test", "spf=pass", "spf=permerror"),
    ("spf_void_lookups = 1", "voids.test", "spf=pass", "spf=permerror"),
    ("spf_mx_ptr_names = 1", "mx.test", "spf=pass", "spf=permerror"),
    ("spf_max_lookups = 3", "terms.test", "spf=pass", "spf=permerror"),
    ("spf_record_max = 512", "long.test", "spf=pass", "spf=permerror"),
    ("dkim_max_rsa_bits = 1024", "dk.test", "dkim=pass", "dkim=permerror"),
]


@pytest.mark.parametrize("key,dom,before,after", CASES,
                         ids=[c[0].split(" ")[0] for c in CASES])
def test_lowered_limit_changes_the_verdict(tmp_path, tern_factory, key, dom,
                                           before, after):
    keys = Keys(tmp_path)
    dns = Unbound(tmp_path, zones(keys))
    try:
        ar = verdict(server(tern_factory, dns, "dflt"), keys, dom)
        assert before in ar, ar
        ar = verdict(server(tern_factory, dns, "low", key + "\n"), keys, dom)
        assert after in ar, ar
    finally:
        dns.stop()
