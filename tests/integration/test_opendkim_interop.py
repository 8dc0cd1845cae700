"""DKIM between tern and a real Postfix + OpenDKIM (issue 13, second
part). A private Debian Postfix (its own config and queue under /tmp,
the system instance untouched) runs two smtpd listeners on loopback:

  127.0.0.1:P1  milters: two OpenDKIMs in Mode s, signing mail from
                pf.test with an RSA-2048 key from opendkim-genkey and
                an Ed25519 key (OpenDKIM 2.11 signs ed25519-sha256, one
                SignatureAlgorithm per instance; opendkim-genkey makes
                RSA only, so openssl makes that key);
                relays everything to tern's port 25 listener
  127.0.0.3:P2  milter: OpenDKIM in Mode v, verifying; the MX of
                pfv.test, whose mail Postfix delivers to Maildirs

The keys of pf.test and of tern's example.test are published in the
zone a test unbound serves, which tern resolves through; the verifying
OpenDKIM gets the same example.test records from a file (TestDNSData):
pointed at the unbound with ResolverConfiguration, its lookups failed
(key not found), and its resolver must never fall back to the host's.
- Postfix+OpenDKIM-signed mail arrives in tern with dkim=pass for
  d=pf.test s=pfr (rsa-sha256) and s=pfe (ed25519-sha256);
- the same signed message, its body changed, sent again: dkim=fail;
- mail tern signs (submission) and relays to pfv.test gets OpenDKIM's
  own Authentication-Results dkim=pass for d=example.test."""
import re
import shutil
import smtplib

import pytest

import postfixlib
from postfixlib import OpenDKIM, Postfix
from relaylib import Unbound, free_tcp_port_on, wait_for
from smtputil import Raw, inbox
from test_mailauth import txt

pytestmark = pytest.mark.skipif(
    not postfixlib.available(),
    reason="needs Debian's postfix and opendkim (scripts/install-deps.sh test)")

ALICE = ("alice@example.test", "alice-secret-pw")
HOST = "mail.example.test"
PF_ID = "pf.local"          # OpenDKIM's AuthservID


def tern_records(t, domain):
    """[(name, value)] of domain's DKIM keys (`tern dkim show`)"""
    out = t.cli("dkim", "show", domain).stdout
    recs = []
    for line in out.splitlines():
        m = re.match(r"^(\S+)\. IN TXT (.*)$", line)
        if m:
            recs.append((m.group(1),
                         "".join(re.findall(r'"([^"]*)"', m.group(2)))))
    return recs


def fields(msg, name):
    """the unfolded fields called name in msg's header"""
    head = msg.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0].decode()
    head = re.sub(r"\n[ \t]+", " ", head)
    return [l for l in head.split("\n")
            if l.lower().startswith(name.lower() + ":")]


def authres_of(msg, authserv_id):
    ar = [f for f in fields(msg, "Authentication-Results")
          if f.split(":", 1)[1].strip().lower().startswith(authserv_id)]
    assert ar, fields(msg, "Authentication-Results")
    return " ".join(ar)


def dkim_results(ar):
    """{(d, s): result} from the dkim= clauses of an A-R text"""
    out = {}
    for m in re.finditer(r"dkim=(\w+)([^;]*)", ar):
        d = re.search(r"header\.d=([\w.-]+)", m.group(2))
        s = re.search(r"header\.s=([\w.-]+)", m.group(2))
        if d and s:
            out[(d.group(1).lower(), s.group(1))] = m.group(1)
    return out


class Env:
    def __init__(self, tmp_path, tern_factory):
        self.pfdir = postfixlib.make_dir()
        self.dns = self.od_rsa = self.od_ed = self.od_verify = self.pf = None
        try:
            self._start(tmp_path, tern_factory)
        except BaseException:
            self.stop()
            raise

    def _start(self, tmp_path, tern_factory):
        keys = self.pfdir + "/keys"
        import os
        os.makedirs(keys)
        rsa_path, rsa_rec = postfixlib.genkey_rsa(keys, "pf.test", "pfr")
        ed_path, ed_rec = postfixlib.genkey_ed25519(keys, "pfe")
        # tern: port 25 (smtp) and submission; its relay goes to P2
        self.p2 = free_tcp_port_on(["127.0.0.3"])
        t = tern_factory(protocols=("smtp", "submission"))
        self.tern_keys = tern_records(t, "example.test")
        zones = {
            "pf.test": [txt("pf.test", "v=spf1 ip4:127.0.0.1 -all"),
                        txt("_dmarc.pf.test", "v=DMARC1; p=none"),
                        txt("pfr._domainkey.pf.test", rsa_rec),
                        txt("pfe._domainkey.pf.test", ed_rec)],
            "example.test": [txt(n, v) for n, v in self.tern_keys],
            "pfv.test": ["pfv.test. IN MX 10 mx.pfv.test.",
                         "mx.pfv.test. IN A 127.0.0.3"],
        }
        self.dns = Unbound(tmp_path, zones)
        # the zone, and port 25's checks on (the harness turns them off)
        text = open(t.conf).read().replace(
            "resolver = 127.0.0.1@9", "resolver = " + self.dns.resolver
        ).replace("[auth_checks]\nenable = no", "[auth_checks]\nenable = yes")
        with open(t.conf, "w") as f:
            f.write(text)
        t.rewrite(extra="[relay]\nport = %d\nmin_backoff = 1s\n"
                  "queue_poll = 1s\n" % self.p2)
        t.add_account(*ALICE)
        t.start()
        self.t = t
        # OpenDKIM: two signers (one algorithm each) and a verifier
        self.od_rsa = OpenDKIM(self.pfdir + "/od-rsa", "s",
                               keys=[("pf.test", "pfr", rsa_path)])
        self.od_ed = OpenDKIM(self.pfdir + "/od-ed", "s",
                              keys=[("pf.test", "pfe", ed_path)],
                              algorithm="ed25519-sha256")
        self.od_verify = OpenDKIM(self.pfdir + "/od-verify", "v",
                                  dns=self.tern_keys, authserv_id=PF_ID)
        self.p1 = postfixlib.free_port()
        self.pf = Postfix(
            self.pfdir,
            [("127.0.0.1", self.p1,
              self.od_rsa.milter + "," + self.od_ed.milter, []),
             ("127.0.0.3", self.p2, self.od_verify.milter, [])],
            mailbox_domain="box.test, pfv.test", users=("copy", "carol"),
            relayhost="[127.0.0.1]:%d" % t.port("smtp"))

    def stop(self):
        for x in (self.pf, self.od_rsa, self.od_ed, self.od_verify, self.dns):
            if x is not None:
                x.stop()
        shutil.rmtree(self.pfdir, ignore_errors=True)

    def diag(self):
        out = self.pf.log()[-3000:] if self.pf else ""
        for od in (self.od_rsa, self.od_ed, self.od_verify):
            if od:
                try:
                    out += open(od.log).read()[-2000:]
                except OSError:
                    pass
        return out


@pytest.fixture
def env(tmp_path, tern_factory):
    e = Env(tmp_path, tern_factory)
    yield e
    e.stop()


MESSAGE = (b"From: Pat <pat@pf.test>\r\nTo: alice@example.test\r\n"
           b"Subject: signed by OpenDKIM\r\n"
           b"Date: Thu, 03 Dec 2026 20:00:00 +0000\r\n"
           b"Message-ID: <od-1@pf.test>\r\n\r\n"
           b"Hello Alice,\r\n\r\nthe  figures\tfollow.\r\n")


def send_raw(t, mail_from, rcpt, data):
    r = Raw(t, timeout=90)
    try:
        assert r.cmd("EHLO client.pf.test")[0] == 250
        assert r.cmd("MAIL FROM:<%s>" % mail_from)[0] == 250
        assert r.cmd("RCPT TO:<%s>" % rcpt)[0] == 250
        assert r.cmd("DATA")[0] == 354
        r.send(data.replace(b"\r\n.", b"\r\n..") + b".\r\n")
        return r.reply()
    finally:
        r.close()


def test_postfix_opendkim_signed_mail_verifies_in_tern(env):
    s = smtplib.SMTP("127.0.0.1", env.p1, timeout=60)
    s.sendmail("pat@pf.test", [ALICE[0], "copy@box.test"], MESSAGE)
    s.quit()
    wait_for(lambda: len(inbox(env.t, ALICE[0])) == 1, timeout=120,
             what="the message in tern\n" + env.diag())
    got = inbox(env.t, ALICE[0])[0]
    sigs = fields(got, "DKIM-Signature")
    algs = sorted(re.search(r"a=([\w-]+)", f).group(1) for f in sigs)
    assert algs == ["ed25519-sha256", "rsa-sha256"], (sigs, env.diag())
    ar = authres_of(got, HOST)
    res = dkim_results(ar)
    assert res == {("pf.test", "pfr"): "pass", ("pf.test", "pfe"): "pass"}, ar
    assert "spf=pass" in ar and "dmarc=pass" in ar, ar

    # the signed copy Postfix delivered to box.test, body changed, sent
    # straight to tern: both signatures fail; unchanged: both pass
    wait_for(lambda: env.pf.maildir("copy"), timeout=120,
             what="the Maildir copy\n" + env.diag())
    copy = env.pf.maildir("copy")[0].replace(b"\r\n", b"\n")
    copy = copy.replace(b"\n", b"\r\n")
    # virtual(8)'s own fields are not signed: leave them, they change nothing
    assert b"the  figures\tfollow." in copy
    code, text = send_raw(env.t, "pat@pf.test", ALICE[0], copy)
    assert code == 250, text
    altered = copy.replace(b"the  figures\tfollow.", b"the figures follow!")
    code, text = send_raw(env.t, "pat@pf.test", ALICE[0], altered)
    assert code == 250, text
    wait_for(lambda: len(inbox(env.t, ALICE[0])) == 3, timeout=60)
    same, changed = inbox(env.t, ALICE[0])[1:]
    res = dkim_results(authres_of(same, HOST))
    assert res == {("pf.test", "pfr"): "pass", ("pf.test", "pfe"): "pass"}, res
    ar = authres_of(changed, HOST)
    res = dkim_results(ar)
    assert res == {("pf.test", "pfr"): "fail", ("pf.test", "pfe"): "fail"}, ar
    assert "body hash did not verify" in ar, ar
    # DMARC still passes here: SPF for pat@pf.test from 127.0.0.1 aligns


def test_tern_signed_mail_verifies_in_opendkim(env):
    s = smtplib.SMTP("127.0.0.1", env.t.port("submission"), timeout=60)
    s.starttls(context=env.t.ssl_context())
    s.login(*ALICE)
    s.sendmail(ALICE[0], ["carol@pfv.test"], (
        b"From: Alice <alice@example.test>\r\nTo: carol@pfv.test\r\n"
        b"Subject: signed by tern\r\n\r\nHi Carol,\r\n\r\n"
        b".a dot line\r\n  trailing spaces  \r\n"))
    s.quit()
    wait_for(lambda: env.pf.maildir("carol"), timeout=120,
             what="tern's message in Postfix\n" + env.diag() +
             env.t.log()[-3000:])
    got = env.pf.maildir("carol")[0]
    ar = authres_of(got, PF_ID)
    res = dkim_results(ar)
    sels = {s for (d, s) in res if d == "example.test"}
    assert len(sels) == 2, ar
    assert all(res[("example.test", s)] == "pass" for s in sels), ar
    algs = re.findall(r"header\.a=([\w-]+)", ar)
    assert sorted(algs) == ["ed25519-sha256", "rsa-sha256"], ar
