"""DMARC aggregate reports (RFC 7489 section 7), end to end: tern a.test
checks mail on port 25 against zones served by unbound, records each
verdict of a domain that asks for reports (rua=), and `tern dmarc
report --send --now` queues one gzip'd XML report per policy domain;
the relay hands it to the rua domain's MX (a fake MX on 127.0.0.5),
where the test unzips and parses it with xml.etree. A rua in another
domain is used only when that domain authorizes it with
<policy-domain>._report._dmarc.<rua-domain> (7.1). Reports mailed to
dmarc-reports@a.test (the rua= `tern dns` prints) land in the
postmaster's "DMARC Reports" mailbox and `tern dmarc show` sums them.

Addresses: tern on 127.0.0.2, the fake MX on 127.0.0.5, the same port;
test mail comes from 127.0.0.1 (what SPF and the report see)."""
import email
import email.policy
import gzip
import io
import smtplib
import time
import xml.etree.ElementTree as ET

import dkim
import pytest

from relaylib import FakeMX, Unbound, free_tcp_port_on, set_listen_port, \
    wait_for
from smtputil import inbox
from test_mailauth import Keys, txt

A, SINK = "127.0.0.2", "127.0.0.5"
CLIENT = "127.0.0.1"
ALICE = ("alice@a.test", "alice-secret-pw")


def zones(keys):
    return {
        "a.test": ["a.test. IN MX 10 mx.a.test.", "mx.a.test. IN A %s" % A],
        # asks for reports at another domain that authorizes it
        "sender.test": [txt("sender.test", "v=spf1 ip4:127.0.0.1 -all"),
                        txt("_dmarc.sender.test",
                            "v=DMARC1; p=quarantine; sp=none; adkim=s; "
                            "rua=mailto:dmarc@reports.test")] +
        keys.records("sender.test"),
        "reports.test": ["reports.test. IN MX 10 mx.sink.test.",
                         txt("sender.test._report._dmarc.reports.test",
                             "v=DMARC1"),
                         txt("sized.test._report._dmarc.reports.test",
                             "v=DMARC1")],
        # a rua at a domain that never said yes
        "noauth.test": [txt("noauth.test", "v=spf1 ip4:127.0.0.1 -all"),
                        txt("_dmarc.noauth.test",
                            "v=DMARC1; p=none; rua=mailto:dmarc@unauth.test")],
        "unauth.test": ["unauth.test. IN MX 10 mx.sink.test."],
        # authorized, but the report is over the rua's !size
        "sized.test": [txt("sized.test", "v=spf1 ip4:127.0.0.1 -all"),
                       txt("_dmarc.sized.test",
                           "v=DMARC1; p=none; rua=mailto:dmarc@reports.test!100")],
        "sink.test": ["mx.sink.test. IN A %s" % SINK],
        # no records: every answer is NXDOMAIN at once
        "other.test": [], "google.test": [], "outlook.test": [],
        "evil.test": [], "client.test": [],
    }


class Env:
    def __init__(self, tmp_path, tern_factory):
        self.keys = Keys(tmp_path)
        self.port = free_tcp_port_on([A, SINK])
        self.dns = Unbound(tmp_path, zones(self.keys))
        conf = ("[relay]\nport = %d\nmin_backoff = 1s\nmax_backoff = 2s\n"
                "queue_poll = 1s\nconnect_timeout = 3s\n\n"
                "[dns]\nresolver = %s\n\n[auth_checks]\ntimeout = 10s\n\n"
                "[dmarc_reports]\nenable = yes\norg_name = Tern Test Org\n"
                % (self.port, self.dns.resolver))
        self.t = tern_factory("a", domain="a.test", address=A,
                              protocols=("smtp",), extra=conf)
        set_listen_port(self.t, "smtp", self.port)
        self.t.add_account(*ALICE)
        self.fake = FakeMX(SINK, self.port, name="mx.sink.test").start()
        self.t.start()

    def send(self, mail_from, msg, rcpt=ALICE[0]):
        with smtplib.SMTP(A, self.port, timeout=60,
                          source_address=(CLIENT, 0)) as s:
            s.ehlo("client.test")
            s.sendmail(mail_from, [rcpt], msg)

    def stop(self):
        self.fake.stop()
        self.dns.stop()


@pytest.fixture
def env(tmp_path, tern_factory):
    e = Env(tmp_path, tern_factory)
    yield e
    e.stop()


def msg(from_addr, subject):
    return (b"From: <%s>\r\nTo: <alice@a.test>\r\nSubject: %s\r\n"
            b"Message-ID: <%s.%f@client.test>\r\n\r\nHello.\r\n" %
            (from_addr.encode(), subject.encode(), subject.encode(),
             time.time()))


def report_xml(data):
    """(message, attachment name, XML root) of a mailed report"""
    m = email.message_from_bytes(data, policy=email.policy.default)
    atts = [p for p in m.iter_attachments()]
    assert len(atts) == 1, data[:2000]
    name = atts[0].get_filename()
    xml = gzip.decompress(atts[0].get_content())
    return m, name, ET.fromstring(xml)


def records(root):
    out = []
    for r in root.findall("record"):
        row = r.find("row")
        pe = row.find("policy_evaluated")
        out.append({
            "ip": row.findtext("source_ip"),
            "count": int(row.findtext("count")),
            "disposition": pe.findtext("disposition"),
            "dkim": pe.findtext("dkim"), "spf": pe.findtext("spf"),
            "header_from": r.find("identifiers").findtext("header_from"),
            "envelope_from": r.find("identifiers").findtext("envelope_from"),
            "auth_dkim": [(d.findtext("domain"), d.findtext("selector"),
                           d.findtext("result"))
                          for d in r.find("auth_results").findall("dkim")],
            "auth_spf": [(s.findtext("domain"), s.findtext("scope"),
                          s.findtext("result"))
                         for s in r.find("auth_results").findall("spf")],
        })
    return sorted(out, key=lambda x: x["count"])


def test_report_sent_to_authorized_rua(env):
    # two that pass (DKIM aligned, SPF pass), one that fails: quarantine
    for i in range(2):
        env.send("bounce@sender.test",
                 env.keys.sign(msg("a@sender.test", "pass%d" % i),
                               "sender.test", ("ed",)))
    env.send("x@other.test", msg("a@sender.test", "fail"))
    # noauth.test's rua is not authorized; sized.test's is too small
    env.send("bounce@noauth.test", msg("a@noauth.test", "noauth"))
    env.send("bounce@sized.test", msg("a@sized.test", "sized"))
    assert len(inbox(env.t, ALICE[0])) == 4
    assert len(inbox(env.t, ALICE[0], "Junk")) == 1

    p = env.t.cli("dmarc", "report", "--send", "--now")
    assert p.stdout.strip() == "1 report queued", p.stdout + p.stderr
    got = env.fake.wait_messages(1)
    m = got[0]
    assert m["to"] == ["dmarc@reports.test"]
    head, name, root = report_xml(m["data"])
    assert head["Subject"].startswith(
        "Report Domain: sender.test Submitter: Tern Test Org Report-ID: <")
    assert head["From"] == "dmarc-noreply@a.test"
    # tern's own mail is DKIM-signed with a.test's keys
    assert b"DKIM-Signature:" in m["data"] and b"d=a.test" in m["data"]
    parts = name.split("!")
    assert parts[0] == "mail.a.test" and parts[1] == "sender.test", name
    assert name.endswith(".xml.gz")
    meta = root.find("report_metadata")
    assert meta.findtext("org_name") == "Tern Test Org"
    assert meta.findtext("email") == "dmarc-noreply@a.test"
    begin = int(meta.find("date_range").findtext("begin"))
    end = int(meta.find("date_range").findtext("end"))
    assert parts[2:] == [str(begin), "%d.xml.gz" % end]
    assert begin <= end
    pol = root.find("policy_published")
    assert (pol.findtext("domain"), pol.findtext("adkim"), pol.findtext("aspf"),
            pol.findtext("p"), pol.findtext("sp"), pol.findtext("pct")) == \
        ("sender.test", "s", "r", "quarantine", "none", "100")
    recs = records(root)
    assert len(recs) == 2, recs
    fail, ok = recs
    assert ok == {
        "ip": CLIENT, "count": 2, "disposition": "none", "dkim": "pass",
        "spf": "pass", "header_from": "sender.test",
        "envelope_from": "sender.test",
        "auth_dkim": [("sender.test", "ed1", "pass")],
        "auth_spf": [("sender.test", "mfrom", "pass")]}, ok
    assert fail == {
        "ip": CLIENT, "count": 1, "disposition": "quarantine", "dkim": "fail",
        "spf": "fail", "header_from": "sender.test",
        "envelope_from": "other.test", "auth_dkim": [],
        "auth_spf": [("other.test", "mfrom", "none")]}, fail

    # the unauthorized and the too small rua got nothing (the run logs
    # on its standard error)
    log = p.stderr
    assert "noauth.test._report._dmarc.unauth.test does not authorize" in log
    assert "over the size limit" in log
    wait_for(lambda: "queue_id" not in env.t.cli("queue", "list").stdout,
             what="an empty queue")
    assert len(env.fake.messages) == 1
    # reported rows are gone: nothing more to send
    p = env.t.cli("dmarc", "report", "--send", "--now")
    assert p.stdout.strip() == "0 reports queued", p.stdout
    assert len(env.fake.messages) == 1


def test_no_rows_when_disabled(tmp_path, tern_factory):
    keys = Keys(tmp_path)
    dns = Unbound(tmp_path, zones(keys))
    try:
        t = tern_factory("a", domain="a.test", address=A, protocols=("smtp",),
                         extra="[dns]\nresolver = %s\n\n[auth_checks]\n"
                         "timeout = 10s\n" % dns.resolver)
        t.add_account(*ALICE)
        t.start()
        with smtplib.SMTP(A, t.port("smtp"), timeout=60,
                          source_address=(CLIENT, 0)) as s:
            s.sendmail("bounce@sender.test", [ALICE[0]],
                       msg("a@sender.test", "off"))
        p = t.cli("dmarc", "report", "--send", "--now", check=False)
        assert p.returncode == 1 and "dmarc_reports.enable is no" in p.stderr
    finally:
        dns.stop()


def make_report(org, rows, domain="a.test"):
    recs = "".join(
        "<record><row><source_ip>%s</source_ip><count>%d</count>"
        "<policy_evaluated><disposition>none</disposition><dkim>%s</dkim>"
        "<spf>%s</spf></policy_evaluated></row><identifiers>"
        "<header_from>%s</header_from></identifiers><auth_results><spf>"
        "<domain>%s</domain><result>pass</result></spf></auth_results>"
        "</record>" % (ip, n, dk, spf, domain, domain)
        for ip, n, dk, spf in rows)
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\" ?><feedback>"
            "<report_metadata><org_name>%s</org_name><email>noreply@%s"
            "</email><report_id>42</report_id><date_range><begin>1700000000"
            "</begin><end>1700086399</end></date_range></report_metadata>"
            "<policy_published><domain>%s</domain><p>quarantine</p>"
            "</policy_published>%s</feedback>" % (org, org, domain, recs)
            ).encode()


def mail_report(org, xml, name, zipped=False):
    import zipfile
    from email.message import EmailMessage
    if zipped:
        z = io.BytesIO()
        with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as f:
            f.writestr(name[:-4] + ".xml", xml)
        data, sub = z.getvalue(), "zip"
    else:
        data, sub = gzip.compress(xml), "gzip"
    m = EmailMessage()
    m["From"] = "noreply-dmarc@%s" % org
    m["To"] = "dmarc-reports@a.test"
    m["Subject"] = "Report Domain: a.test Submitter: %s Report-ID: <42>" % org
    m.set_content("report attached")
    m.add_attachment(data, maintype="application", subtype=sub,
                     filename=name)
    return m.as_bytes().replace(b"\n", b"\r\n")


def test_received_reports_land_in_mailbox_and_show(env):
    # tern dns publishes dmarc-reports@ as the rua
    zone = env.t.cli("dns", "a.test").stdout
    assert "rua=mailto:dmarc-reports@a.test" in zone, zone
    env.send("noreply-dmarc@google.test",
             mail_report("google.test", make_report(
                 "google.test", [("192.0.2.1", 5, "pass", "pass"),
                                 ("198.51.100.7", 2, "fail", "fail")]),
                 "google.test!a.test!1700000000!1700086399.xml.gz"),
             rcpt="dmarc-reports@a.test")
    # some receivers mail .zip files
    env.send("noreply@outlook.test",
             mail_report("outlook.test", make_report(
                 "outlook.test", [("192.0.2.1", 3, "fail", "pass")]),
                 "outlook.test!a.test!1700000000!1700086399.zip",
                 zipped=True),
             rcpt="dmarc-reports@a.test")
    # a hostile one: billion laughs; it is stored, show says unreadable
    env.send("x@evil.test", mail_report(
        "evil.test", b"<!DOCTYPE x [<!ENTITY a \"aaaa\">]><feedback>&a;"
        b"</feedback>", "evil.xml.gz"), rcpt="dmarc-reports@a.test")
    assert inbox(env.t, ALICE[0]) == []
    got = inbox(env.t, ALICE[0], "DMARC Reports")
    assert len(got) == 3
    out = env.t.cli("dmarc", "show").stdout
    assert "org google.test: reports=1 messages=7 pass=5 fail=2" in out, out
    assert "  192.0.2.1 messages=5 pass=5 fail=0" in out, out
    assert "  198.51.100.7 messages=2 pass=0 fail=2" in out, out
    assert "org outlook.test: reports=1 messages=3 pass=3 fail=0" in out, out
    assert "unreadable: 1" in out, out
    # only the reports about another domain: none here
    out = env.t.cli("dmarc", "show", "other.test").stdout
    assert "org " not in out, out
