"""Mail authentication end to end (issue 13): tern's port 25 checks SPF,
DKIM and DMARC against test zones served by a real unbound on
127.0.0.1, writes one Authentication-Results field with its authserv-id
(its host name) in front of the message, and applies the policy: DMARC
p=reject -> 550 and nothing stored, p=quarantine -> the Junk mailbox, a
DNS failure that decides the verdict -> 451. Submission signs mail for a
domain that has DKIM keys; python3-dkim verifies the signatures.

Mail comes from 127.0.0.1 (the client address SPF checks). Messages are
signed with python3-dkim (rsa-sha256 and ed25519-sha256), the public
keys published in the zone."""
import base64
import os
import re
import smtplib
import socket
import subprocess
import threading

import dkim
import dns.resolver as dnsresolver
import nacl.signing
import pytest

from relaylib import FakeMX, Unbound, free_tcp_port_on, free_udp_port, \
    set_listen_port, wait_for
from smtputil import Raw, inbox

ALICE = ("alice@example.test", "alice-secret-pw")
HOST = "mail.example.test"      # tern's hostname: the authserv-id


def txt(name, value):
    """a local-data TXT line, the value split into 255-byte strings"""
    parts = [value[i:i + 255] for i in range(0, len(value), 255)] or [""]
    return '%s. IN TXT %s' % (name, " ".join('"%s"' % p for p in parts))


def rsa_key(tmp):
    path = os.path.join(str(tmp), "rsa-%d.pem" % len(os.listdir(str(tmp))))
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                    "rsa_keygen_bits:2048", "-out", path], check=True,
                   capture_output=True)
    der = subprocess.run(["openssl", "pkey", "-in", path, "-pubout", "-outform",
                          "DER"], check=True, capture_output=True).stdout
    return open(path, "rb").read(), base64.b64encode(der).decode()


def ed_key():
    sk = nacl.signing.SigningKey.generate()
    return (base64.b64encode(bytes(sk)),
            base64.b64encode(bytes(sk.verify_key)).decode())


class Keys:
    def __init__(self, tmp):
        self.rsa_priv, self.rsa_pub = rsa_key(tmp)
        self.ed_priv, self.ed_pub = ed_key()

    def records(self, domain):
        return [txt("rsa1._domainkey." + domain,
                    "v=DKIM1; k=rsa; p=" + self.rsa_pub),
                txt("ed1._domainkey." + domain,
                    "v=DKIM1; k=ed25519; p=" + self.ed_pub)]

    def sign(self, msg, domain, algs=("rsa", "ed")):
        out = b""
        for a in algs:
            if a == "rsa":
                sig = dkim.sign(msg, b"rsa1", domain.encode(), self.rsa_priv,
                                include_headers=[b"from", b"to", b"subject"])
            else:
                sig = dkim.sign(msg, b"ed1", domain.encode(), self.ed_priv,
                                signature_algorithm=b"ed25519-sha256",
                                include_headers=[b"from", b"to", b"subject"])
            out += sig
        return out + msg


LOCAL = "127.0.0.1"
SPF_OK = "v=spf1 ip4:127.0.0.1 -all"


def zones(keys, big_spf):
    z = {
        # SPF only (no DMARC record): recorded, never refused
        "spf-pass.test": [txt("spf-pass.test", SPF_OK)],
        "spf-fail.test": [txt("spf-fail.test", "v=spf1 -all")],
        "spf-soft.test": [txt("spf-soft.test", "v=spf1 ~all")],
        # DKIM keys, DMARC p=none: dkim pass/fail is recorded
        "dk.test": [txt("dk.test", "v=spf1 -all"),
                    txt("_dmarc.dk.test", "v=DMARC1; p=none")] +
        keys.records("dk.test"),
        # DMARC p=reject, keys: signed mail passes, unsigned is refused
        "reject.test": [txt("reject.test", "v=spf1 -all"),
                        txt("_dmarc.reject.test", "v=DMARC1; p=reject")] +
        keys.records("reject.test"),
        "quar.test": [txt("quar.test", "v=spf1 -all"),
                      txt("_dmarc.quar.test", "v=DMARC1; p=quarantine")],
        # sp= for subdomains: the org says none for itself, reject below
        "org.test": [txt("org.test", "v=spf1 -all"),
                     txt("sub.org.test", "v=spf1 -all"),
                     txt("_dmarc.org.test", "v=DMARC1; p=none; sp=reject")],
        # alignment: MAIL FROM in a subdomain that passes SPF
        "strict.test": [txt("bounce.strict.test", SPF_OK),
                        txt("_dmarc.strict.test",
                            "v=DMARC1; p=reject; aspf=s")],
        "relaxed.test": [txt("bounce.relaxed.test", SPF_OK),
                         txt("_dmarc.relaxed.test",
                             "v=DMARC1; p=reject; aspf=r")],
        # hostile: an include loop, a huge TXT record
        "loop.test": [txt("loop.test", "v=spf1 include:loop.test -all"),
                      txt("_dmarc.loop.test", "v=DMARC1; p=none")],
        # DMARC p=reject, its DKIM keys behind a dead server
        "dtemp.test": [txt("dtemp.test", "v=spf1 -all"),
                       txt("_dmarc.dtemp.test", "v=DMARC1; p=reject")],
        # a forwarder known by name (auth_checks.trusted_forwarders)
        "fwd.test": ["relay.fwd.test. IN A 127.0.0.1"],
        "huge.test": [txt("huge.test", big_spf),
                      txt("_dmarc.huge.test", "v=DMARC1; p=none")],
    }
    return z


class Servfail:
    """a DNS server on 127.0.0.1 that answers SERVFAIL to everything"""

    def __init__(self):
        import dns.message
        import dns.rcode
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stopped = threading.Event()

        def serve():
            while not self.stopped.is_set():
                try:
                    data, peer = self.sock.recvfrom(4096)
                    q = dns.message.from_wire(data)
                except (socket.timeout, OSError):
                    continue
                except Exception:
                    continue
                r = dns.message.make_response(q)
                r.set_rcode(dns.rcode.SERVFAIL)
                self.sock.sendto(r.to_wire(), peer)
        self.th = threading.Thread(target=serve, daemon=True)
        self.th.start()

    def stop(self):
        self.stopped.set()
        self.th.join(10)
        self.sock.close()


class Env:
    def __init__(self, tmp_path, tern_factory, extra="", name="t"):
        os.makedirs(str(tmp_path), exist_ok=True)
        self.keys = Keys(tmp_path)
        # ~20 KB of ip4 terms, the match at the end
        terms = " ".join("ip4:10.%d.%d.0/24" % (i // 250, i % 250)
                         for i in range(1200))
        self.big_spf = "v=spf1 %s ip4:127.0.0.1 -all" % terms
        # broken.test: nothing answers there, lookups time out;
        # dtemp.test's keys: SERVFAIL at once
        self.servfail = Servfail()
        self.dns = Unbound(tmp_path, zones(self.keys, self.big_spf), forward={
            "broken.test": "127.0.0.1@%d" % free_udp_port(),
            "_domainkey.dtemp.test": "127.0.0.1@%d" % self.servfail.port},
            transparent=("dtemp.test",))
        conf = ("[dns]\nresolver = %s\n\n[auth_checks]\ntimeout = 10s\n%s\n"
                % (self.dns.resolver, extra))
        self.t = tern_factory(name, extra=conf,
                              protocols=("smtp", "submission"))
        self.t.add_account(*ALICE)
        self.t.start()

    def send(self, mail_from, msg, rcpt=ALICE[0], helo="client.test"):
        """(code, text) of the reply to the end of DATA"""
        r = Raw(self.t, timeout=90)
        try:
            assert r.cmd("EHLO " + helo)[0] == 250
            assert r.cmd("MAIL FROM:<%s>" % mail_from)[0] == 250
            assert r.cmd("RCPT TO:<%s>" % rcpt)[0] == 250
            assert r.cmd("DATA")[0] == 354
            data = msg.replace(b"\r\n.", b"\r\n..")
            r.send(data + (b"" if data.endswith(b"\r\n") else b"\r\n") +
                   b".\r\n")
            return r.reply()
        finally:
            r.close()

    def inbox(self, mailbox="INBOX"):
        return inbox(self.t, ALICE[0], mailbox)


def msg(from_addr, subject="test", body=b"Hello there.\r\n", extra=b""):
    return (b"From: <%s>\r\nTo: <alice@example.test>\r\nSubject: %s\r\n"
            b"Message-ID: <%s@client.test>\r\n%s\r\n" %
            (from_addr.encode(), subject.encode(), subject.encode()
             .replace(b" ", b"-"), extra)) + body


def authres(stored):
    """the Authentication-Results fields of a stored message (unfolded)"""
    head = stored.split(b"\r\n\r\n", 1)[0].decode()
    fields, cur = [], None
    for line in head.split("\r\n"):
        if line[:1] in (" ", "\t") and cur is not None:
            cur += " " + line.strip()
            continue
        if cur is not None:
            fields.append(cur)
        cur = line
    fields.append(cur)
    return [f for f in fields if f.lower().startswith("authentication-results:")]


def ours(stored):
    ar = [f for f in authres(stored)
          if f.split(":", 1)[1].strip().lower().startswith(HOST)]
    assert len(ar) == 1, authres(stored)
    return ar[0]


@pytest.fixture
def env(tmp_path, tern_factory):
    e = Env(tmp_path, tern_factory)
    yield e
    e.dns.stop()
    e.servfail.stop()


def test_spf_pass_fail_softfail_recorded(env):
    for dom, want in (("spf-pass.test", "spf=pass"),
                      ("spf-fail.test", "spf=fail"),
                      ("spf-soft.test", "spf=softfail")):
        code, text = env.send("bounce@" + dom, msg("a@" + dom, dom))
        assert code == 250, (dom, code, text)
    got = env.inbox()
    assert len(got) == 3
    for m, dom, want in zip(got, ("spf-pass", "spf-fail", "spf-soft"),
                            ("spf=pass", "spf=fail", "spf=softfail")):
        ar = ours(m)
        assert want in ar, ar
        assert "smtp.mailfrom=bounce@%s.test" % dom in ar, ar
    log = env.t.log()
    assert "smtp auth id=" in log and "spf=fail spf_domain=spf-fail.test" in log


def test_dkim_pass_both_algorithms_and_dmarc_pass(env):
    m = env.keys.sign(msg("a@dk.test", "signed"), "dk.test")
    code, text = env.send("bounce@dk.test", m)
    assert code == 250, text
    ar = ours(env.inbox()[0])
    assert ar.count("dkim=pass") == 2, ar
    assert "header.a=rsa-sha256" in ar and "header.a=ed25519-sha256" in ar, ar
    assert "dmarc=pass" in ar and "header.from=dk.test" in ar, ar
    assert "spf=fail" in ar, ar


def test_dkim_fail_when_altered(env):
    m = env.keys.sign(msg("a@dk.test", "altered"), "dk.test")
    m = m.replace(b"Hello there.", b"Hello THERE.")
    code, text = env.send("bounce@dk.test", m)
    assert code == 250, text             # p=none: recorded only
    ar = ours(env.inbox()[0])
    assert ar.count("dkim=fail") == 2, ar
    assert "dmarc=fail" in ar, ar


def test_dmarc_reject_refuses_and_stores_nothing(env):
    code, text = env.send("bounce@reject.test", msg("a@reject.test", "nope"))
    assert (code, text.split(" ")[0]) == (550, "5.7.1"), text
    assert env.inbox() == [] and env.inbox("Junk") == []
    # the same domain, signed: DKIM aligns, DMARC passes
    m = env.keys.sign(msg("a@reject.test", "yes"), "reject.test", ("ed",))
    code, text = env.send("bounce@reject.test", m)
    assert code == 250, text
    assert "dmarc=pass" in ours(env.inbox()[0])
    assert "action=reject" in env.t.log()


def test_dmarc_quarantine_goes_to_junk(env):
    code, text = env.send("bounce@quar.test", msg("a@quar.test", "junk"))
    assert code == 250, text
    assert env.inbox() == []
    junk = env.inbox("Junk")
    assert len(junk) == 1
    ar = ours(junk[0])
    assert "dmarc=fail" in ar and "policy.dmarc=quarantine" in ar, ar


def test_subdomain_policy(env):
    code, text = env.send("x@sub.org.test", msg("a@sub.org.test", "sub"))
    assert code == 550, text             # sp=reject
    code, text = env.send("x@org.test", msg("a@org.test", "org"))
    assert code == 250, text             # p=none
    assert "dmarc=fail" in ours(env.inbox()[0])


def test_relaxed_and_strict_alignment(env):
    # SPF passes for bounce.<domain>: aligned only in relaxed mode
    code, text = env.send("x@bounce.relaxed.test", msg("a@relaxed.test", "r"))
    assert code == 250, text
    ar = ours(env.inbox()[0])
    assert "spf=pass" in ar and "dmarc=pass" in ar, ar
    code, text = env.send("x@bounce.strict.test", msg("a@strict.test", "s"))
    assert code == 550, text
    assert len(env.inbox()) == 1


def test_dns_timeout_is_451(env):
    code, text = env.send("x@broken.test", msg("a@broken.test", "timeout"))
    assert code == 451 and text.startswith("4.7."), (code, text)
    assert env.inbox() == []


def test_forged_authentication_results_removed(env):
    forged = (b"Authentication-Results: " + HOST.encode() +
              b";\r\n\tspf=pass smtp.mailfrom=a@spf-fail.test\r\n"
              b"Authentication-Results: other.example; spf=pass\r\n")
    code, text = env.send("bounce@spf-fail.test",
                          msg("a@spf-fail.test", "forged", extra=forged))
    assert code == 250, text
    stored = env.inbox()[0]
    ar = ours(stored)
    assert "spf=fail" in ar, ar
    assert any(f.split(":", 1)[1].strip().startswith("other.example")
               for f in authres(stored))
    assert "removed forged Authentication-Results" in env.t.log()


def test_hostile_spf_loop_and_huge_txt(env):
    code, text = env.send("x@loop.test", msg("a@loop.test", "loop"))
    assert code == 250, text
    assert "spf=permerror" in ours(env.inbox()[0])
    code, text = env.send("x@huge.test", msg("a@huge.test", "huge"))
    assert code == 250, text
    ar = ours(env.inbox()[1])
    assert "spf=pass" in ar, ar         # the match after 1,200 terms


def test_thousand_dkim_signatures_while_others_are_served(env):
    sig = env.keys.sign(msg("a@dk.test", "many"), "dk.test", ("rsa",))
    head, rest = sig.split(b"\r\nFrom:", 1)
    many = (head + b"\r\n") * 1000 + b"From:" + rest
    done = {}

    def big():
        done["big"] = env.send("bounce@dk.test", many)

    th = threading.Thread(target=big)
    th.start()
    # another client is served meanwhile
    code, text = env.send("bounce@spf-pass.test",
                          msg("a@spf-pass.test", "other"))
    assert code == 250, text
    th.join(120)
    assert done["big"][0] == 250, done
    msgs = env.inbox()
    many_ar = [ours(m) for m in msgs if b"Subject: many" in m]
    assert len(many_ar) == 1
    # at most auth_checks.max_signatures (10) are checked
    assert 1 <= many_ar[0].count("dkim=") <= 10, many_ar[0]
    assert "dkim=pass" in many_ar[0]


def dkim_records(t, domain):
    """(name, value) of the DKIM TXT records `tern dns` says to publish"""
    out = t.cli("dns", domain).stdout
    recs = []
    for line in out.splitlines():
        if "._domainkey." not in line or " TXT " not in line:
            continue
        name = line.split()[0].rstrip(".")
        value = "".join(re.findall(r'"([^"]*)"', line.split(" TXT ", 1)[1]))
        recs.append((name, value))
    return recs


def test_submission_is_signed(tmp_path, tern_factory):
    """alice submits to a local and a remote recipient; both copies
    carry DKIM-Signature fields (the keys `tern init` made) that
    python3-dkim verifies against the records `tern dns` prints, served
    by the test's unbound"""
    sink_ip = "127.0.0.5"
    port = free_tcp_port_on(["127.0.0.1", sink_ip])
    t = tern_factory(protocols=("smtp", "submission"))
    recs = dkim_records(t, "example.test")
    assert len(recs) == 2, recs
    dns = Unbound(tmp_path, {
        "sink.test": ["sink.test. IN MX 10 mx.sink.test.",
                      "mx.sink.test. IN A %s" % sink_ip],
        "example.test": [txt(n, v) for n, v in recs]})
    try:
        # the keys exist only after init: now point it at the zone
        text = open(t.conf).read().replace("resolver = 127.0.0.1@9",
                                           "resolver = " + dns.resolver)
        with open(t.conf, "w") as f:
            f.write(text)
        t.rewrite(extra="[relay]\nport = %d\nmin_backoff = 1s\n"
                  "queue_poll = 1s\n" % port)
        set_listen_port(t, "smtp", port)
        t.add_account(*ALICE)
        t.add_account("bob@example.test", "bob-secret-pw")
        mx = FakeMX(sink_ip, port, name="mx.sink.test")
        mx.start()
        t.start()
        s = smtplib.SMTP("127.0.0.1", t.port("submission"), timeout=30)
        s.starttls(context=t.ssl_context())
        s.login(*ALICE)
        # a user cannot vouch for her own mail in tern's name either
        body = (b"From: Alice <alice@example.test>\r\nTo: bob@example.test,"
                b" carol@sink.test\r\nSubject: signed\r\n"
                b"Authentication-Results: " + HOST.encode() +
                b"; dkim=pass header.d=bank.test\r\n\r\nHi.\r\n.dot\r\n")
        s.sendmail(ALICE[0], ["bob@example.test", "carol@sink.test"], body)
        s.quit()
        res = dnsresolver.Resolver(configure=False)
        res.nameservers = ["127.0.0.1"]
        res.port = dns.port

        def dnsfunc(name, timeout=5):
            name = name.decode() if isinstance(name, bytes) else name
            ans = res.resolve(name, "TXT", lifetime=timeout)
            return b"".join(b"".join(r.strings) for r in ans)

        local = inbox(t, "bob@example.test")
        assert len(local) == 1
        mx.wait_messages(1)
        remote = mx.messages[0]["data"]
        mx.stop()
        for m in (local[0], remote):
            assert m.count(b"DKIM-Signature:") == 2, m[:2000]
            d = dkim.DKIM(m)
            algs = set()
            for i in range(2):
                assert d.verify(idx=i, dnsfunc=dnsfunc), (i, m[:2000])
                algs.add(d.signature_fields[b"a"])
            assert algs == {b"rsa-sha256", b"ed25519-sha256"}, algs
        assert b"\r\n..dot" not in local[0] and b"\r\n.dot" in local[0]
        for m in (local[0], remote):
            assert authres(m) == [], m[:2000]
    finally:
        dns.stop()


def ed_pkcs8(seed_b64):
    """an Ed25519 PKCS#8 PEM for a raw 32-byte seed"""
    seed = base64.b64decode(seed_b64)
    der = bytes.fromhex("302e020100300506032b657004220420") + seed
    return (b"-----BEGIN PRIVATE KEY-----\n" + base64.encodebytes(der) +
            b"-----END PRIVATE KEY-----\n")


def test_trusted_forwarder_and_spf_fail_reject(tmp_path, tern_factory):
    """127.0.0.1 listed as a forwarder (by name: its A record): DMARC
    p=reject is recorded, not enforced; spf_fail_reject refuses an SPF
    fail from anyone else"""
    e = Env(tmp_path, tern_factory, extra="trusted_forwarders = 192.0.2.1 "
            "relay.fwd.test\nspf_fail_reject = yes")
    try:
        code, text = e.send("bounce@reject.test", msg("a@reject.test", "fw"))
        assert code == 250, text
        ar = ours(e.inbox()[0])
        assert "dmarc=fail" in ar and "spf=fail" in ar, ar
    finally:
        e.dns.stop()
        e.servfail.stop()
    e2 = Env(tmp_path / "second", tern_factory, extra="spf_fail_reject = yes",
             name="t2")
    try:
        code, text = e2.send("bounce@spf-fail.test",
                             msg("a@spf-fail.test", "spf"))
        assert (code, text.split(" ")[0]) == (550, "5.7.23"), text
        code, text = e2.send("bounce@spf-soft.test",
                             msg("a@spf-soft.test", "soft"))
        assert code == 250, text
    finally:
        e2.dns.stop()
        e2.servfail.stop()


def test_bdat_signed_message_in_small_chunks(env):
    """BDAT chunks cut the header fields and the blank line anywhere:
    the verifier still sees whole fields and the exact body"""
    m = env.keys.sign(msg("a@reject.test", "bdat", body=b"line 1\r\n\r\n"
                          b"line 3\r\n"), "reject.test")
    r = Raw(env.t, timeout=90)
    try:
        assert r.cmd("EHLO client.test")[0] == 250
        assert r.cmd("MAIL FROM:<bounce@reject.test>")[0] == 250
        assert r.cmd("RCPT TO:<%s>" % ALICE[0])[0] == 250
        pos = 0
        while pos < len(m):
            part = m[pos:pos + 7]
            pos += len(part)
            last = " LAST" if pos >= len(m) else ""
            r.send(b"BDAT %d%s\r\n" % (len(part), last.encode()) + part)
            code, text = r.reply()
        assert code == 250, text
    finally:
        r.close()
    ar = ours(env.inbox()[0])
    assert ar.count("dkim=pass") == 2 and "dmarc=pass" in ar, ar


def test_sigterm_while_a_message_waits_for_its_checks(env):
    """the server stops cleanly (exit 0, no sanitizer report) while a
    session waits for DNS that never answers; the client is told 4xx or
    sees the connection close, and nothing is stored"""
    got = {}

    def waiting():
        try:
            got["reply"] = env.send("x@broken.test", msg("a@broken.test", "w"))
        except (EOFError, OSError) as e:
            got["reply"] = e

    th = threading.Thread(target=waiting)
    th.start()
    wait_for(lambda: "smtp auth wait id=" in env.t.log(), what="the wait")
    env.t.stop()
    th.join(120)
    r = got["reply"]
    assert not isinstance(r, tuple) or 400 <= r[0] < 500, r
    assert env.inbox() == []


def test_no_single_from_is_refused(env):
    """RFC 7489 6.6.1: DMARC needs exactly one From with a domain"""
    none = b"To: <alice@example.test>\r\nSubject: nofrom\r\n\r\nHi.\r\n"
    code, text = env.send("bounce@spf-pass.test", none)
    assert (code, text.split(" ")[0]) == (550, "5.7.1"), text
    two = (b"From: <a@spf-pass.test>\r\n" + msg("b@spf-pass.test", "two"))
    code, text = env.send("bounce@spf-pass.test", two)
    assert (code, text.split(" ")[0]) == (550, "5.7.1"), text
    assert env.inbox() == []


def test_dkim_temperror_under_reject_is_451(env):
    """SPF fails and DMARC says reject, but the DKIM key cannot be
    fetched: a pass may hide behind that error, so 451, not 550"""
    m = env.keys.sign(msg("a@dtemp.test", "dtemp"), "dtemp.test", ("rsa",))
    code, text = env.send("bounce@dtemp.test", m)
    assert code == 451 and text.startswith("4.7."), (code, text)
    assert env.inbox() == []
    assert "dkim=temperror(dtemp.test)" in env.t.log()
