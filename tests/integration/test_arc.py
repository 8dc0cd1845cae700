"""ARC (RFC 8617) end to end: tern's port 25 verifies the chain a
message arrives with (arc=pass/fail/none in its Authentication-Results,
the sealer's key from a zone served by unbound), and seals mail it
forwards through an alias to a remote address (a fake MX on loopback):
python3-dkim's dkim.arc_verify checks the received copy's chain against
tern's DKIM key. Sealed messages are made with python3-dkim's
dkim.arc_sign. Hostile chains (1,000 seals, i=0, i=51, garbage tags)
get a verdict and the message is delivered."""
import base64
import os
import subprocess

import dkim
import pytest

from relaylib import FakeMX, Unbound, free_tcp_port_on, set_listen_port
from smtputil import Raw, inbox

TERN, SINK = "127.0.0.2", "127.0.0.5"
DOMAIN = "example.test"
HOST = "mail." + DOMAIN
ALICE = ("alice@example.test", "alice-secret-pw")


def txt(name, value):
    parts = [value[i:i + 255] for i in range(0, len(value), 255)] or [""]
    return '%s. IN TXT %s' % (name, " ".join('"%s"' % p for p in parts))


def rsa_key(tmp):
    path = os.path.join(str(tmp), "sealer.pem")
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                    "rsa_keygen_bits:2048", "-out", path], check=True,
                   capture_output=True)
    der = subprocess.run(["openssl", "pkey", "-in", path, "-pubout",
                          "-outform", "DER"], check=True,
                         capture_output=True).stdout
    return open(path, "rb").read(), base64.b64encode(der).decode()


def tern_keys(t, domain):
    """{name: TXT value} of tern's DKIM keys (`tern dkim show`)"""
    import re
    recs = {}
    for line in t.cli("dkim", "show", domain).stdout.splitlines():
        m = re.match(r"^(\S+)\. IN TXT (.*)$", line)
        if m:
            recs[m.group(1)] = "".join(re.findall(r'"([^"]*)"', m.group(2)))
    return recs


class Env:
    def __init__(self, tmp_path, tern_factory, extra=""):
        self.priv, self.pub = rsa_key(tmp_path)
        self.port = free_tcp_port_on([TERN, SINK])
        zones = {
            "list.test": [txt("arc._domainkey.list.test",
                              "v=DKIM1; k=rsa; p=" + self.pub)],
            "origin.test": [txt("_dmarc.origin.test", "v=DMARC1; p=none")],
            "strict.test": [txt("strict.test", "v=spf1 -all"),
                            txt("_dmarc.strict.test", "v=DMARC1; p=reject")],
            "sink.test": ["sink.test. IN MX 10 mx.sink.test.",
                          "mx.sink.test. IN A %s" % SINK],
        }
        self.dns = Unbound(tmp_path, zones)
        conf = ("[relay]\nport = %d\nmin_backoff = 1s\nmax_backoff = 2s\n"
                "queue_poll = 1s\nconnect_timeout = 3s\n"
                "[dns]\nresolver = %s\n[auth_checks]\ntimeout = 20s\n%s"
                % (self.port, self.dns.resolver, extra))
        self.t = tern_factory("t", domain=DOMAIN, address=TERN,
                              protocols=("smtp",), extra=conf)
        set_listen_port(self.t, "smtp", self.port)
        self.t.add_account(*ALICE)
        self.fake = FakeMX(SINK, self.port, name="mx.sink.test")

    def start(self):
        self.fake.start()
        self.t.start()

    def send(self, msg, rcpt=ALICE[0], mail_from="bounce@origin.test"):
        r = Raw(self.t, timeout=90)
        try:
            assert r.cmd("EHLO client.test")[0] == 250
            assert r.cmd("MAIL FROM:<%s>" % mail_from)[0] == 250
            assert r.cmd("RCPT TO:<%s>" % rcpt)[0] == 250
            assert r.cmd("DATA")[0] == 354
            data = msg.replace(b"\r\n.", b"\r\n..")
            r.send(data + (b"" if data.endswith(b"\r\n") else b"\r\n") +
                   b".\r\n")
            return r.reply()
        finally:
            r.close()

    def dnsfunc(self):
        recs = tern_keys(self.t, DOMAIN)
        recs["arc._domainkey.list.test"] = "v=DKIM1; k=rsa; p=" + self.pub

        def f(name, timeout=5):
            v = recs.get(name.decode().rstrip("."))
            return v.encode() if v else None
        return f


@pytest.fixture
def env(tmp_path, tern_factory):
    e = Env(tmp_path, tern_factory)
    yield e
    e.fake.stop()
    e.dns.stop()


def message(subject="sealed", body=b"Hello through the list.\r\n",
            origin=b"origin.test"):
    return (b"From: Ann <ann@%s>\r\nTo: list@list.test\r\n"
            b"Subject: %s\r\nDate: Thu, 03 Dec 2026 16:00:00 +0000\r\n"
            b"Message-ID: <%s@origin.test>\r\n\r\n" %
            (origin, subject.encode(), subject.encode())) + body


def list_sealed(env, msg):
    """msg as list.test passes it on: its A-R, then its ARC set"""
    msg = (b"Authentication-Results: list.test; spf=pass "
           b"smtp.mailfrom=ann@origin.test\r\n") + msg
    arc = dkim.arc_sign(msg, b"arc", b"list.test", env.priv, b"list.test")
    assert len(arc) == 3
    return b"".join(arc) + msg


def fields(stored, name):
    head = stored.split(b"\r\n\r\n", 1)[0].decode()
    out, cur = [], None
    for line in head.split("\r\n"):
        if line[:1] in (" ", "\t") and cur is not None:
            cur += " " + line.strip()
            continue
        if cur is not None:
            out.append(cur)
        cur = line
    out.append(cur)
    return [f for f in out if f.lower().startswith(name.lower() + ":")]


def ours(stored):
    ar = [f for f in fields(stored, "Authentication-Results")
          if f.split(":", 1)[1].strip().lower().startswith(HOST)]
    assert len(ar) == 1, ar
    return ar[0]


def test_arc_pass_fail_none_in_authres(env):
    env.start()
    good = list_sealed(env, message("good"))
    bad = list_sealed(env, message("bad")).replace(b"Hello through",
                                                   b"Hello, altered,")
    for m in (good, bad, message("plain")):
        code, text = env.send(m)
        assert code == 250, text
    got = inbox(env.t, ALICE[0])
    assert len(got) == 3
    ar = ours(got[0])
    assert "arc=pass smtp.remote-ip=127.0.0.1" in ar, ar
    ar = ours(got[1])
    assert "arc=fail" in ar and "body hash" in ar, ar
    assert "arc=none" in ours(got[2])
    assert "arc=pass(i=1,list.test)" in env.t.log()


def test_arc_oldest_pass(env):
    """sealed by list.test, a footer added, sealed again: the chain
    passes, but the first AMS no longer does (header.oldest-pass=2)"""
    env.start()
    once = list_sealed(env, message("footer")) + b"-- \r\nfooter\r\n"
    once = once.replace(b"Authentication-Results: list.test; spf=pass",
                        b"Authentication-Results: list.test; arc=pass; "
                        b"spf=pass", 1)
    twice = dkim.arc_sign(once, b"arc", b"list.test", env.priv, b"list.test")
    assert len(twice) == 3
    code, text = env.send(b"".join(twice) + once)
    assert code == 250, text
    ar = ours(inbox(env.t, ALICE[0])[0])
    assert "arc=pass" in ar and "header.oldest-pass=2" in ar, ar


def test_arc_sealed_when_forwarded(env):
    env.t.cli("alias", "add", "fwd@example.test", "carol@sink.test")
    env.t.cli("alias", "add", "fwd@example.test", ALICE[0])
    env.start()
    code, text = env.send(message("first"), rcpt="fwd@example.test")
    assert code == 250, text
    code, text = env.send(list_sealed(env, message("second")),
                          rcpt="fwd@example.test")
    assert code == 250, text
    msgs = env.fake.wait_messages(2)
    by_subject = {}
    for m in msgs:
        subj = fields(m["data"], "Subject")[0]
        by_subject[subj.split(":", 1)[1].strip()] = m["data"]
    first, second = by_subject["first"], by_subject["second"]

    # no chain before: tern's set is i=1, cv=none, signed by the alias's
    # domain with its rsa-sha256 key
    assert first.startswith(b"ARC-Seal: i=1; a=rsa-sha256;"), first[:200]
    cv, res, reason = dkim.arc_verify(first, dnsfunc=env.dnsfunc())
    assert cv == b"pass", (reason, res)
    assert [r["instance"] for r in res] == [1]
    assert res[0]["as-domain"] == b"example.test"
    aar = fields(first, "ARC-Authentication-Results")[0]
    assert "i=1; %s;" % HOST in aar and "arc=none" in aar, aar

    # list.test's chain: tern adds i=2 with cv=pass; both sets verify
    assert second.startswith(b"ARC-Seal: i=2;"), second[:200]
    cv, res, reason = dkim.arc_verify(second, dnsfunc=env.dnsfunc())
    assert cv == b"pass", (reason, res)
    assert [r["instance"] for r in res] == [2, 1]
    assert res[0]["cv"] == b"pass"

    # the local copies carry no set of tern's
    local = inbox(env.t, ALICE[0])
    assert len(local) == 2
    assert not fields(local[0], "ARC-Seal")
    seals = fields(local[1], "ARC-Seal")
    assert len(seals) == 1 and "d=list.test" in seals[0], seals
    assert "arc sealed" in env.t.log()


def test_arc_broken_chain_sealed_with_cv_fail_once(env):
    env.t.cli("alias", "add", "fwd@example.test", "carol@sink.test")
    env.start()
    bad = list_sealed(env, message("bad")).replace(b"Hello through",
                                                   b"Hello, altered,")
    code, text = env.send(bad, rcpt="fwd@example.test")
    assert code == 250, text
    m = env.fake.wait_messages(1)[0]["data"]
    assert m.startswith(b"ARC-Seal: i=2;"), m[:200]
    assert b"cv=fail" in fields(m, "ARC-Seal")[0].encode()
    cv, res, reason = dkim.arc_verify(m, dnsfunc=env.dnsfunc())
    assert cv != b"pass", (cv, reason)
    # coming round again with cv=fail on top: never sealed again
    code, text = env.send(m, rcpt="fwd@example.test")
    assert code == 250, text
    m2 = env.fake.wait_messages(2)[1]["data"]
    assert len(fields(m2, "ARC-Seal")) == 2, fields(m2, "ARC-Seal")
    assert "arc not sealed" in env.t.log()


def test_arc_hostile_chains_get_a_verdict(env):
    env.start()
    good = list_sealed(env, message("hostile"))
    seal = (b"ARC-Seal: i=1; cv=none; a=rsa-sha256; d=list.test; s=arc; "
            b"b=AAAA\r\n")
    cases = [
        seal * 1000 + message("thousand"),
        good.replace(b"ARC-Seal: i=1;", b"ARC-Seal: i=0;"),
        good.replace(b"ARC-Authentication-Results: i=1;",
                     b"ARC-Authentication-Results: i=51;"),
        good.replace(b"ARC-Seal: i=1;", b"ARC-Seal: i=1; ;;==;garbage"),
        b"ARC-Message-Signature: \x01\x02 i=1 ==\r\n" + message("junk"),
    ]
    for m in cases:
        code, text = env.send(m)
        assert code == 250, text
    got = inbox(env.t, ALICE[0])
    assert len(got) == len(cases)
    for m in got:
        assert "arc=fail" in ours(m), ours(m)


@pytest.mark.parametrize("trusted", ["", "other.test list.test"])
def test_arc_trusted_sealer_spares_dmarc_reject(tmp_path, tern_factory,
                                                trusted):
    """strict.test says p=reject and the list broke its SPF: refused,
    unless list.test's seal is trusted (auth_checks.arc_trusted_sealers)
    and its chain passes."""
    e = Env(tmp_path, tern_factory,
            extra="arc_trusted_sealers = %s\n" % trusted if trusted else "")
    try:
        e.start()
        good = list_sealed(e, message("kept", origin=b"strict.test"))
        bad = list_sealed(e, message("broken", origin=b"strict.test")) \
            .replace(b"Hello through", b"Hello, altered,")
        code, text = e.send(good, mail_from="bounce@strict.test")
        assert code == (250 if trusted else 550), text
        code, text = e.send(bad, mail_from="bounce@strict.test")
        assert code == 550, text
        if trusted:
            got = inbox(e.t, ALICE[0])
            assert len(got) == 1
            ar = ours(got[0])
            assert "dmarc=fail" in ar and "arc=pass" in ar, ar
            assert "arc_trusted=list.test" in e.t.log()
    finally:
        e.fake.stop()
        e.dns.stop()
