"""Internationalized domain names (RFC 5890): a domain added as
bücher.example is one domain whichever form names it — U-labels in any
case, or the A-label xn--bcher-kva.example — for accounts, RCPT, logins
and aliases; its DKIM keys, d= and `tern dns` records use the A-label
form that DNS holds, and the signatures verify in python3-dkim."""
import imaplib
import os
import re
import smtplib
import subprocess

import dkim

from test_dkim import pydkim_dns, show_records, split_signatures
from ternlib import TERN_BIN

U = "bücher.example"
A = "xn--bcher-kva.example"
PW = "a-long-enough-password"

MESSAGE = ("From: Anna <anna@%s>\r\nTo: bob@example.net\r\n"
           "Subject: idn\r\nDate: Thu, 03 Dec 2026 16:00:00 +0000\r\n"
           "Message-ID: <idn.1@%s>\r\n\r\nhello\r\n" % (A, A)).encode()


def server(tern_factory):
    t = tern_factory("t", protocols=("smtp", "imap"))
    t.cli("domain", "add", "BÜCHER.example")
    return t


def test_domain_added_in_either_form_is_one_domain(tern_factory):
    t = server(tern_factory)
    listed = t.cli("domain", "list").stdout.split()
    assert U in listed and A not in listed, listed
    # the A-label form names the same domain
    p = t.cli("domain", "add", A, check=False)
    assert p.returncode != 0, p.stdout
    assert t.cli("domain", "list").stdout.split().count(U) == 1
    # an invalid IDN is refused
    p = t.cli("domain", "add", "xn--.example", check=False)
    assert p.returncode != 0


def test_keys_records_and_signature_use_the_a_label(tern_factory, tmp_path):
    t = server(tern_factory)
    assert os.path.isdir(os.path.join(t.data_dir, "dkim", A))
    zone = t.cli("dns", U).stdout
    assert re.search(r"(?m)^t\w+\._domainkey\.%s\. \d+ IN TXT" % re.escape(A),
                     zone), zone
    for line in zone.splitlines():
        if line and not line.startswith(";"):
            assert line.isascii(), line
    assert t.cli("dns", A).stdout == zone
    recs = show_records(t, U)
    assert recs and all(n.endswith("._domainkey." + A) for n in recs), recs
    mp = tmp_path / "m.eml"
    mp.write_bytes(MESSAGE)
    signed = subprocess.run([TERN_BIN, "-c", t.conf, "dkim", "sign", U, str(mp)],
                            capture_output=True, timeout=60, check=True).stdout
    sigs, rest = split_signatures(signed)
    assert len(sigs) == 2 and rest == MESSAGE
    for s in sigs:
        assert re.search(rb"d=%s;" % A.encode(), s), s
    for i in (0, 1):
        assert dkim.DKIM(signed).verify(i, dnsfunc=pydkim_dns(recs)), i


def test_rcpt_and_login_in_both_forms(tern_factory):
    t = server(tern_factory)
    t.add_account("anna@" + A.upper(), PW)
    t.cli("alias", "add", "info@" + U, "anna@" + A)
    assert "anna@" + U in t.cli("account", "list", U).stdout
    t.start()
    with smtplib.SMTP("127.0.0.1", t.port("smtp"), timeout=30) as s:
        s.ehlo("client.test")
        assert s.mail("x@example.net")[0] == 250
        assert s.rcpt("anna@" + A)[0] == 250
        assert s.rcpt("ANNA@XN--BCHER-KVA.EXAMPLE")[0] == 250
        assert s.rcpt("info@" + A)[0] == 250
        assert s.rcpt("nobody@" + A)[0] == 550
        assert s.data(b"Subject: one\r\n\r\nbody\r\n")[0] == 250
        # SMTPUTF8 (RFC 6531): the U-label form on the wire
        s.rset()
        s.command_encoding = "utf-8"
        code, _ = s.docmd("MAIL FROM:<x@example.net> SMTPUTF8")
        assert code == 250
        code, _ = s.docmd("RCPT TO:<anna@BÜCHER.example>")
        assert code == 250
        assert s.data(b"Subject: two\r\n\r\nbody\r\n")[0] == 250
    for login in ("anna@" + A, "anna@" + U):
        m = imaplib.IMAP4("127.0.0.1", t.port("imap"))
        if not login.isascii():
            m._mode_utf8()
        m.login(login, PW)
        typ, data = m.select("INBOX")
        assert typ == "OK" and int(data[0]) == 2, data
        m.logout()


def test_forward_to_an_idn_domain_without_smtputf8(tmp_path, tern_factory):
    """an alias forwarding to anna@müller.test reaches an MX that does
    not offer SMTPUTF8: the MX is found through the A-label name and the
    RCPT carries the A-label form (RFC 6531 3.2)"""
    from relaylib import FakeMX, Unbound, free_tcp_port_on, set_listen_port
    here, sink = "127.0.0.2", "127.0.0.5"
    mx_domain = "xn--mller-kva.test"
    port = free_tcp_port_on([here, sink])
    zones = {mx_domain: ["%s. IN MX 10 mx.%s." % (mx_domain, mx_domain),
                         "mx.%s. IN A %s" % (mx_domain, sink)]}
    dns = Unbound(tmp_path, zones)
    fake = FakeMX(sink, port, name="mx." + mx_domain)
    fake.smtputf8 = False
    fake.start()
    try:
        conf = ("[relay]\nport = %d\nmin_backoff = 1s\nmax_backoff = 2s\n"
                "queue_poll = 1s\nconnect_timeout = 3s\n[dns]\nresolver = %s\n"
                % (port, dns.resolver))
        t = tern_factory("f", domain="a.test", address=here,
                         protocols=("smtp",), extra=conf)
        set_listen_port(t, "smtp", port)
        t.cli("alias", "add", "fwd@a.test", "anna@müller.test")
        t.start()
        with smtplib.SMTP(here, port, timeout=30) as s:
            s.sendmail("x@a.test", ["fwd@a.test"],
                       b"Subject: fwd\r\n\r\nbody\r\n")
        m = fake.wait_messages(1)[0]
        assert m["to"] == ["anna@" + mx_domain], m
        assert not [c for c in fake.commands if "SMTPUTF8" in c], fake.commands
    finally:
        fake.stop()
        dns.stop()
