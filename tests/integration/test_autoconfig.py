"""Client autoconfiguration over HTTP (issue 14): Thunderbird's
config-v1.1.xml, Outlook's Autodiscover, an Apple .mobileconfig, all
built from the listeners of the test's tern.conf; unknown domains 404."""
import plistlib
import xml.etree.ElementTree as ET

import httpx

from conftest import ALICE, BOB
from ternlib import PROTOCOLS

WITH_HTTP = PROTOCOLS + ("http", "https")
ADDR = ALICE[0]
OUTLOOK_REQ = ("http://schemas.microsoft.com/exchange/autodiscover/outlook/"
               "requestschema/2006")
OUTLOOK_RESP = ("http://schemas.microsoft.com/exchange/autodiscover/outlook/"
                "responseschema/2006a")
AUTODISCOVER_NS = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"


def start(tern_factory):
    t = tern_factory(protocols=WITH_HTTP)
    t.add_account(*ALICE)
    t.add_account(*BOB)
    t.start()
    return t


def get(t, path, headers=None):
    with httpx.Client(http2=True, verify=t.ssl_context(), timeout=30) as c:
        return c.get("https://127.0.0.1:%d%s" % (t.port("https"), path),
                     headers=headers)


def post(t, path, body):
    with httpx.Client(http2=True, verify=t.ssl_context(), timeout=30) as c:
        return c.post("https://127.0.0.1:%d%s" % (t.port("https"), path),
                      content=body, headers={"content-type": "text/xml"})


def expected(t):
    """(kind, port, implicit TLS) of every TLS listener in the config"""
    kinds = {"imaps": "imap", "imap": "imap", "pop3s": "pop3", "pop3": "pop3",
             "submissions": "smtp", "submission": "smtp"}
    return {(kinds[p], t.port(p), p.endswith("s")) for p in kinds}


def check_thunderbird(t, xml_text):
    root = ET.fromstring(xml_text)
    assert root.tag == "clientConfig" and root.get("version") == "1.1"
    prov = root.find("emailProvider")
    assert prov.get("id") == "example.test"
    assert prov.findtext("domain") == "example.test"
    got = set()
    for el in prov.findall("incomingServer") + prov.findall("outgoingServer"):
        kind = el.get("type")
        assert (el.tag == "outgoingServer") == (kind == "smtp")
        assert el.findtext("hostname") == "mail.example.test"
        assert el.findtext("username") == "%EMAILADDRESS%"
        assert el.findtext("authentication") == "password-cleartext"
        sock = el.findtext("socketType")
        assert sock in ("SSL", "STARTTLS")
        got.add((kind, int(el.findtext("port")), sock == "SSL"))
    assert got == expected(t)
    # port 25 is for other servers, never offered to clients
    assert t.port("smtp") not in {p for _, p, _ in got}
    # implicit TLS first (RFC 8314)
    first = prov.find("incomingServer")
    assert first.findtext("socketType") == "SSL" and first.get("type") == "imap"


def test_thunderbird_by_address(tern_factory):
    t = start(tern_factory)
    r = get(t, "/mail/config-v1.1.xml?emailaddress=" + ADDR.replace("@", "%40"))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/xml")
    check_thunderbird(t, r.content)
    r = get(t, "/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=" + ADDR)
    assert r.status_code == 200
    check_thunderbird(t, r.content)
    # over plain HTTP too (Thunderbird tries http://autoconfig.DOMAIN)
    with httpx.Client(timeout=30) as c:
        r = c.get("http://127.0.0.1:%d/mail/config-v1.1.xml?emailaddress=%s" %
                  (t.port("http"), ADDR))
    assert r.status_code == 200
    check_thunderbird(t, r.content)


def test_thunderbird_by_host_name(tern_factory):
    """Thunderbird asks autoconfig.DOMAIN without the address first"""
    t = start(tern_factory)
    r = get(t, "/mail/config-v1.1.xml", headers={"host": "autoconfig.example.test"})
    assert r.status_code == 200
    check_thunderbird(t, r.content)
    r = get(t, "/mail/config-v1.1.xml", headers={"host": "autoconfig.other.test"})
    assert r.status_code == 404


def autodiscover_request(address):
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<Autodiscover xmlns="%s"><Request>'
            '<EMailAddress>%s</EMailAddress>'
            '<AcceptableResponseSchema>%s</AcceptableResponseSchema>'
            '</Request></Autodiscover>' % (OUTLOOK_REQ, address, OUTLOOK_RESP)).encode()


def test_autodiscover(tern_factory):
    t = start(tern_factory)
    for path in ("/autodiscover/autodiscover.xml", "/Autodiscover/Autodiscover.xml"):
        r = post(t, path, autodiscover_request(ADDR))
        assert r.status_code == 200, path
        root = ET.fromstring(r.content)
        assert root.tag == "{%s}Autodiscover" % AUTODISCOVER_NS
        ns = {"r": OUTLOOK_RESP}
        acct = root.find("r:Response/r:Account", ns)
        assert acct.findtext("r:AccountType", namespaces=ns) == "email"
        assert acct.findtext("r:Action", namespaces=ns) == "settings"
        got = set()
        for p in acct.findall("r:Protocol", ns):
            kind = p.findtext("r:Type", namespaces=ns)
            assert p.findtext("r:Server", namespaces=ns) == "mail.example.test"
            assert p.findtext("r:LoginName", namespaces=ns) == ADDR
            assert p.findtext("r:SSL", namespaces=ns) == "on"
            enc = p.findtext("r:Encryption", namespaces=ns)
            got.add((kind.lower(), int(p.findtext("r:Port", namespaces=ns)),
                     enc == "SSL"))
        assert got == expected(t)
    # Outlook's GET probe and a request without an address
    with httpx.Client(http2=True, verify=t.ssl_context(), timeout=30) as c:
        url = "https://127.0.0.1:%d/autodiscover/autodiscover.xml" % t.port("https")
        assert c.get(url).status_code == 405
        assert c.post(url, content=b"<Autodiscover/>").status_code == 400


def test_mobileconfig(tern_factory):
    t = start(tern_factory)
    r = get(t, "/apple/mobileconfig?emailaddress=" + ADDR)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/x-apple-aspen-config"
    assert "attachment" in r.headers["content-disposition"]
    top = plistlib.loads(r.content)
    assert top["PayloadType"] == "Configuration"
    assert top["PayloadVersion"] == 1
    mail = top["PayloadContent"][0]
    assert mail["PayloadType"] == "com.apple.mail.managed"
    assert mail["EmailAddress"] == ADDR
    assert mail["EmailAccountType"] == "EmailTypeIMAP"
    assert mail["IncomingMailServerHostName"] == "mail.example.test"
    assert mail["IncomingMailServerPortNumber"] == t.port("imaps")
    assert mail["IncomingMailServerUseSSL"] is True
    assert mail["IncomingMailServerUsername"] == ADDR
    assert mail["OutgoingMailServerHostName"] == "mail.example.test"
    assert mail["OutgoingMailServerPortNumber"] == t.port("submissions")
    assert mail["OutgoingMailServerUsername"] == ADDR
    # a second download replaces the first profile on the phone
    again = plistlib.loads(get(t, "/apple/mobileconfig?emailaddress=" + ADDR).content)
    assert again["PayloadUUID"] == top["PayloadUUID"]
    other = plistlib.loads(get(t, "/apple/mobileconfig?emailaddress=" + BOB[0]).content)
    assert other["PayloadUUID"] != top["PayloadUUID"]


def test_unknown_domain_and_bad_input(tern_factory):
    t = start(tern_factory)
    stranger = "someone@not-ours.test"
    assert get(t, "/mail/config-v1.1.xml?emailaddress=" + stranger).status_code == 404
    assert get(t, "/apple/mobileconfig?emailaddress=" + stranger).status_code == 404
    assert post(t, "/autodiscover/autodiscover.xml",
                autodiscover_request(stranger)).status_code == 404
    for bad in ("no-at-sign", "a@b@example.test", "%3Cx%3E@example.test",
                "x%00y@example.test", "@example.test"):
        r = get(t, "/mail/config-v1.1.xml?emailaddress=" + bad)
        assert r.status_code in (400, 404), bad
        assert b"<" not in r.content
    assert get(t, "/apple/mobileconfig").status_code == 400
