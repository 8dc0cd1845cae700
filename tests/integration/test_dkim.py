"""DKIM against the reference implementations (python3-dkim, OpenDKIM):
mail tern signs (rsa-sha256 and ed25519-sha256) verifies in both, mail
they sign verifies in tern (`tern dkim verify FILE --dns-table T`, keys
from a table); keys made by init / domain add / dkim rotate; DSNs
signed on their way out."""
import email
import os
import re
import stat
import subprocess

import dkim
import pytest

from relaylib import wait_for
from ternlib import Tern, TERN_BIN

PYDKIM = "/usr/lib/python3/dist-packages/dkim/tests/data"
OPENDKIM = "/usr/sbin/opendkim"
TESTMSG = "/usr/sbin/opendkim-testmsg"

MESSAGE = (
    "From: Ann Example <ann@example.org>\r\n"
    "To: bob@example.net\r\n"
    "Cc: carol@example.net\r\n"
    "Subject: the quarterly figures, folded over\r\n"
    "  two lines\r\n"
    "Date: Thu, 03 Dec 2026 16:00:00 +0000\r\n"
    "Message-ID: <q4.1@example.org>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "List-Id: <figures.example.org>\r\n"
    "X-Mailer: test\r\n"
    "\r\n"
    "Hello Bob,  \r\n"
    "\r\n"
    "the  figures\tfollow.\r\n"
    ".a dot line\r\n"
    "\r\n"
    "\r\n").encode()


def show_records(t, domain):
    """{name: TXT value} from `tern dkim show DOMAIN` (strings joined)"""
    out = t.cli("dkim", "show", domain).stdout
    recs = {}
    for line in out.splitlines():
        m = re.match(r"^(\S+)\. IN TXT (.*)$", line)
        if m:
            recs[m.group(1)] = "".join(re.findall(r'"([^"]*)"', m.group(2)))
    return recs


def selectors(t, domain):
    """[(selector, alg, state)] from `tern dkim show`"""
    out = t.cli("dkim", "show", domain).stdout
    return [tuple(l.split("\t")) for l in out.splitlines() if l.count("\t") == 2]


def pydkim_dns(recs):
    def dnsfunc(name, timeout=5):
        return recs.get(name.decode().rstrip(".")).encode() if \
            name.decode().rstrip(".") in recs else None
    return dnsfunc


def py_verify(msg, i, recs):
    """python3-dkim's verdict on signature i (it raises on some failures)"""
    try:
        return dkim.DKIM(msg).verify(i, dnsfunc=pydkim_dns(recs))
    except dkim.ValidationError:
        return False


def write_table(path, recs):
    with open(path, "w") as f:
        for n, v in recs.items():
            f.write("%s %s\n" % (n, v))
    return str(path)


def tern_verify(path, table):
    p = subprocess.run([TERN_BIN, "dkim", "verify", str(path), "--dns-table", table],
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout + p.stderr


def split_signatures(msg):
    """[(signature field bytes)], rest"""
    sigs = []
    while msg.startswith(b"DKIM-Signature:"):
        m = re.match(rb"DKIM-Signature:.*?\r\n(?![ \t])", msg, re.S)
        sigs.append(m.group(0))
        msg = msg[m.end():]
    return sigs, msg


def opendkim_verify(tmp_path, msg, recs):
    """opendkim's test mode, keys from TestDNSData; its report line"""
    data = write_table(tmp_path / "od-dns", recs)
    conf = tmp_path / "od-verify.conf"
    conf.write_text("Mode v\nTestDNSData file:%s\nSyslog no\n" % data)
    mp = tmp_path / "od-in.eml"
    mp.write_bytes(msg)
    p = subprocess.run([OPENDKIM, "-x", str(conf), "-t", str(mp)],
                       capture_output=True, text=True, timeout=60)
    return p.stdout + p.stderr


@pytest.fixture
def signer(tern_factory):
    return tern_factory("t", domain="example.org")


def test_keys_made_by_init_and_domain_add(signer, tmp_path):
    """init gave its domain a dated RSA-2048 + Ed25519 pair, private keys
    0600 and owned by the run user; domain add does the same"""
    t = signer
    sels = selectors(t, "example.org")
    assert sorted(s[1] for s in sels) == ["ed25519", "rsa-2048"]
    assert all(s[2] == "active" for s in sels)
    assert all(re.fullmatch(r"t\d{8}[re]", s[0]) for s in sels)
    p = t.cli("domain", "add", "example.net")
    assert "e._domainkey.example.net. IN TXT" in p.stdout
    for d in ("example.org", "example.net"):
        kd = os.path.join(t.data_dir, "dkim", d)
        keys = [f for f in os.listdir(kd) if f.endswith(".key")]
        assert len(keys) == 2
        for k in keys:
            st = os.stat(os.path.join(kd, k))
            assert stat.S_IMODE(st.st_mode) == 0o600
            assert st.st_uid == os.geteuid()    # run user: root here
    recs = show_records(t, "example.org")
    assert len(recs) == 2
    for v in recs.values():
        assert v.startswith("v=DKIM1; k=")


def test_tern_signed_verifies_in_references(signer, tmp_path):
    t = signer
    mp = tmp_path / "m.eml"
    mp.write_bytes(MESSAGE)
    signed = subprocess.run([TERN_BIN, "-c", t.conf, "dkim", "sign", "example.org",
                             str(mp)], capture_output=True, timeout=60, check=True).stdout
    recs = show_records(t, "example.org")
    sigs, rest = split_signatures(signed)
    assert len(sigs) == 2 and rest == MESSAGE
    assert b"a=rsa-sha256" in sigs[0] and b"a=ed25519-sha256" in sigs[1]
    h = re.sub(rb"\s", b"", re.search(rb"h=([^;]*);", sigs[0]).group(1))
    assert h == b"list-id:content-type:mime-version:message-id:date:subject:cc:to:from:from"
    assert re.search(rb"t=\d+;", sigs[0])
    # python3-dkim: both signatures
    for i in (0, 1):
        assert py_verify(signed, i, recs), i
    # OpenDKIM: one signature at a time (its test mode reports the first)
    for s in sigs:
        out = opendkim_verify(tmp_path, s + rest, recs)
        assert "succeeded" in out, out
    # and tern itself
    sp = tmp_path / "s.eml"
    sp.write_bytes(signed)
    rc, out = tern_verify(sp, write_table(tmp_path / "dns", recs))
    assert rc == 0 and out.count("pass d=example.org") == 2, out
    # an altered body fails in all three
    bad = signed.replace(b"figures\tfollow", b"figures\tfollowed")
    assert not py_verify(bad, 0, recs) and not py_verify(bad, 1, recs)
    assert "failed" in opendkim_verify(tmp_path, bad, recs)
    sp.write_bytes(bad)
    rc, out = tern_verify(sp, write_table(tmp_path / "dns", recs))
    assert rc == 1 and out.count("fail d=example.org") == 2, out


def test_reference_signed_verifies_in_tern(signer, tmp_path):
    t = signer
    msg = MESSAGE.replace(b"example.org", b"football.example.com")
    ed_pub = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="   # RFC 8463 A.2
    rsa_key = open(os.path.join(PYDKIM, "2048_testkey.key"), "rb").read()
    rsa_pub = open(os.path.join(PYDKIM, "2048_testkey_wo_markers.pub.txt")).read().strip()
    # the bare RSAPublicKey form some publish
    rsa_bare = open(os.path.join(PYDKIM, "2048_testkey_wo_markers.pub.rsa.txt")).read().strip()
    recs = {
        "brisbane._domainkey.football.example.com": "v=DKIM1; k=ed25519; p=" + ed_pub,
        "rsa._domainkey.football.example.com": rsa_pub,
        "bare._domainkey.football.example.com": rsa_bare,
    }
    recs.update(show_records(t, "example.org"))
    table = write_table(tmp_path / "dns", recs)
    made = []
    for canon in ((b"relaxed", b"relaxed"), (b"simple", b"simple"), (b"relaxed", b"simple")):
        made.append(dkim.sign(msg, b"brisbane", b"football.example.com",
                              open(os.path.join(PYDKIM, "rfc8032_7_1.key"), "rb").read(),
                              canonicalize=canon, signature_algorithm=b"ed25519-sha256") + msg)
        for sel in (b"rsa", b"bare"):
            made.append(dkim.sign(msg, sel, b"football.example.com", rsa_key,
                                  canonicalize=canon) + msg)
    # OpenDKIM signs with tern's keys (rsa-sha256, ed25519-sha256)
    kd = os.path.join(t.data_dir, "dkim", "example.org")
    for sel, alg, _ in selectors(t, "example.org"):
        conf = tmp_path / ("od-sign-%s.conf" % sel)
        conf.write_text("Mode s\nDomain example.org\nSelector %s\nKeyFile %s/%s.key\n"
                        "SignatureAlgorithm %s\nCanonicalization relaxed/simple\n"
                        "RequireSafeKeys no\nSyslog no\n" %
                        (sel, kd, sel, "ed25519-sha256" if alg == "ed25519" else "rsa-sha256"))
        mp = tmp_path / "od-m.eml"
        mp.write_bytes(MESSAGE)
        p = subprocess.run([OPENDKIM, "-x", str(conf), "-t", str(mp)],
                           capture_output=True, timeout=60)
        out = p.stdout + p.stderr
        field = out[out.index(b"DKIM-Signature:"):].replace(b"\r\n", b"\n").rstrip(b"\n")
        made.append(field.replace(b"\n", b"\r\n") + b"\r\n" + MESSAGE)
    assert len(made) == 11
    for i, m in enumerate(made):
        mp = tmp_path / ("ref%d.eml" % i)
        mp.write_bytes(m)
        rc, out = tern_verify(mp, table)
        assert rc == 0 and out.startswith("pass "), (i, out, m[:300])
    # opendkim-testmsg signs rsa-sha1: RFC 8301 says that fails
    p = subprocess.run([TESTMSG, "-C", "-d", "example.org", "-k",
                        os.path.join(kd, [s for s in os.listdir(kd) if s.endswith("r.key")][0]),
                        "-s", [s[0] for s in selectors(t, "example.org") if s[1] == "rsa-2048"][0]],
                       input=MESSAGE, capture_output=True, timeout=60)
    assert b"a=rsa-sha1" in p.stdout
    mp = tmp_path / "sha1.eml"
    mp.write_bytes(p.stdout)
    rc, out = tern_verify(mp, table)
    assert rc == 1 and "fail" in out and "rsa-sha1" in out, out


def test_rotate_and_retire(signer, tmp_path):
    t = signer
    old = selectors(t, "example.org")
    p = t.cli("dkim", "rotate", "example.org")
    assert "sign from now on" in p.stdout
    now = selectors(t, "example.org")
    assert len(now) == 4
    active = sorted(s[0] for s in now if s[2] == "active")
    assert len(active) == 2 and not set(active) & {s[0] for s in old}
    assert all(s[2] == "published" for s in now if s[0] in {o[0] for o in old})
    # signing uses the new pair, and the old records stay in DNS
    mp = tmp_path / "m.eml"
    mp.write_bytes(MESSAGE)
    signed = subprocess.run([TERN_BIN, "-c", t.conf, "dkim", "sign", "example.org",
                             str(mp)], capture_output=True, timeout=60, check=True).stdout
    sels = re.findall(rb"s=(t\w+);", signed)
    assert sorted(s.decode() for s in sels) == active
    # an active selector cannot be retired; an old one can
    p = t.cli("dkim", "retire", "example.org", active[0], check=False)
    assert p.returncode == 1 and "active" in p.stderr
    for s in old:
        t.cli("dkim", "retire", "example.org", s[0])
    assert sorted(s[0] for s in selectors(t, "example.org")) == active
    p = t.cli("dkim", "retire", "example.org", "../../etc", check=False)
    assert p.returncode == 1


def test_dsn_signed(tmp_path, tern_factory):
    """a bounce from mail.a.test leaves DKIM-signed by a.test (its keys
    from init) and verifies in python3-dkim after the relay's trip"""
    from test_relay import Env, send, start, queue_empty
    env = Env(tmp_path, tern_factory)
    try:
        a = env.tern("a", "a.test", "127.0.0.2")
        a.cli("alias", "add", "x@a.test", "nobody@sink.test")
        fake = env.fake()
        fake.reject.add("nobody@sink.test")
        fake.start()
        try:
            start(a)
            send(a, "dave@sink.test", ["x@a.test"], subject="bounce me")
            msgs = fake.wait_messages(1)
            dsn = msgs[0]
            assert dsn["from"] == "" and dsn["to"] == ["dave@sink.test"]
            data = dsn["data"]
            assert len(re.findall(rb"(?m)^DKIM-Signature:", data)) == 2, data[:600]
            recs = show_records(a, "a.test")
            for i in (0, 1):
                assert py_verify(data, i, recs), i
            sig = email.message_from_bytes(data).get_all("DKIM-Signature")
            assert all("d=a.test;" in s for s in sig)
            wait_for(lambda: queue_empty(a), what="empty queue")
        finally:
            fake.stop()
    finally:
        env.dns.stop()
