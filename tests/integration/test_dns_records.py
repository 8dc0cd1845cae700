"""`tern dns DOMAIN` and `tern dns check DOMAIN` (issue 13).

The printed records are split into their zones (the domain, the reverse
zones of the host's addresses) and checked by a real zone parser,
BIND's named-checkzone; the same zone files are then served by a private
unbound (auth-zone), and `tern dns check` (through [dns] resolver, like
the server) finds every record OK. A second zone has some records
right, some missing and some wrong, and check says which, exit 1."""
import os
import re
import subprocess
import time

import pytest

from relaylib import UNBOUND, free_udp_port
from ternlib import Tern, run_cli

DOMAIN = "example.test"
HOST = "mail." + DOMAIN
ADDRS = ["192.0.2.10", "2001:db8::10"]
V4REV = "2.0.192.in-addr.arpa"
V6REV = "8.b.d.0.1.0.0.2.ip6.arpa"
ZONES = [DOMAIN, V4REV, V6REV]
# no POP3 listener: its SRV records say "not offered"
PROTOS = ("smtp", "submission", "submissions", "imap", "imaps", "https")


class AuthUnbound:
    """unbound -d serving zone files as auth-zones; stop() ends it."""

    def __init__(self, tmp, zonefiles):
        self.dir = str(tmp)
        self.logp = os.path.join(self.dir, "unbound.log")
        for _ in range(5):
            self.port = free_udp_port()
            lines = ["server:", "  interface: 127.0.0.1", "  port: %d" % self.port,
                     "  do-daemonize: no", "  use-syslog: no", '  username: ""',
                     '  chroot: ""', '  directory: "%s"' % self.dir, '  pidfile: ""',
                     '  logfile: "%s"' % self.logp, "  verbosity: 1",
                     "  access-control: 127.0.0.0/8 allow",
                     '  local-zone: "test." nodefault']
            # RFC 5737 / RFC 3849 reverse zones are unbound defaults
            lines += ['  local-zone: "%s." nodefault' % z for z in (V4REV, V6REV)]
            for zone, path in zonefiles.items():
                lines += ["auth-zone:", '  name: "%s."' % zone,
                          '  zonefile: "%s"' % path,
                          "  for-downstream: yes", "  for-upstream: yes"]
            conf = os.path.join(self.dir, "unbound.conf")
            with open(conf, "w") as f:
                f.write("\n".join(lines) + "\n")
            if os.path.exists(self.logp):
                os.unlink(self.logp)
            self.proc = subprocess.Popen([UNBOUND, "-d", "-c", conf],
                                         stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
            deadline = time.time() + 30
            while time.time() < deadline and self.proc.poll() is None:
                if os.path.exists(self.logp) and \
                        "start of service" in open(self.logp).read():
                    return
                time.sleep(0.05)
            self.stop()
        raise AssertionError("unbound did not start")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def records(text):
    """(name, type, data) of every record line (comments skipped)."""
    out = []
    for line in text.splitlines():
        if not line.strip() or line.startswith(";"):
            continue
        m = re.match(r"^(\S+)\s+(\d+)\s+IN\s+(\S+)\s+(.*)$", line)
        assert m, "not a record line: %r" % line
        out.append((m.group(1), m.group(3), m.group(4)))
    return out


def zone_of(name):
    for z in (V4REV, V6REV, DOMAIN):
        if name == z + "." or name.endswith("." + z + "."):
            return z
    raise AssertionError("record outside every zone: " + name)


def write_zones(tmp, lines_by_zone):
    """Zone files with an SOA and NS; returns {zone: path}."""
    paths = {}
    for zone in ZONES:
        body = ["$TTL 3600",
                "%s. IN SOA ns.%s. hostmaster.%s. 1 3600 600 86400 3600" %
                (zone, DOMAIN, DOMAIN),
                "%s. IN NS ns.%s." % (zone, DOMAIN)]
        if zone == DOMAIN:
            body.append("ns.%s. IN A 192.0.2.53" % DOMAIN)
        body += lines_by_zone.get(zone, [])
        path = os.path.join(str(tmp), zone + ".zone")
        with open(path, "w") as f:
            f.write("\n".join(body) + "\n")
        paths[zone] = path
    return paths


@pytest.fixture
def tern(tmp_path):
    t = Tern(tmp_path / "tern", domain=DOMAIN, protocols=PROTOS, address="0.0.0.0")
    yield t


def dns_args(*extra):
    args = ["dns", *extra, DOMAIN]
    for a in ADDRS:
        args += ["--address", a]
    return args


def use_resolver(t, unbound):
    """[dns] as the server reads it: the test unbound as forwarder, and
    an unbound_config that lets the documentation ranges' reverse zones
    through (libunbound answers them locally by default)."""
    ubconf = os.path.join(t.dir, "libunbound.conf")
    with open(ubconf, "w") as f:
        f.write("server:\n" + "".join('  local-zone: "%s." nodefault\n' % z
                                      for z in (V4REV, V6REV)))
    text = open(t.conf).read()
    text = re.sub(r"(?m)^resolver = .*$", "resolver = 127.0.0.1@%d\nunbound_config = %s"
                  % (unbound.port, ubconf), text)
    with open(t.conf, "w") as f:
        f.write(text)


def test_dns_prints_valid_zones_that_check_ok(tern, tmp_path):
    out = run_cli(tern.conf, *dns_args()).stdout
    recs = records(out)
    types = [(n, ty) for n, ty, _ in recs]
    # every kind of record the issue lists
    assert (DOMAIN + ".", "MX") in types
    assert ("%s." % DOMAIN, "TXT") in types                     # SPF
    assert ("_dmarc.%s." % DOMAIN, "TXT") in types
    assert ("_smtp._tls.%s." % DOMAIN, "TXT") in types
    assert ("_mta-sts.%s." % DOMAIN, "TXT") in types
    assert ("mta-sts.%s." % DOMAIN, "CNAME") in types
    assert ("autoconfig.%s." % DOMAIN, "CNAME") in types
    assert ("autodiscover.%s." % DOMAIN, "CNAME") in types
    assert (HOST + ".", "A") in types and (HOST + ".", "AAAA") in types
    assert ("10.%s." % V4REV, "PTR") in types
    dkim = [d for n, ty, d in recs if n.endswith("._domainkey.%s." % DOMAIN)]
    assert len(dkim) == 2, out          # rsa-sha256 and ed25519-sha256 keys
    assert any("k=ed25519" in d for d in dkim) and any("k=rsa" in d for d in dkim)
    # the RSA key is longer than one 255-byte character-string
    assert any('" "' in d for d in dkim)
    srv = {n: d for n, ty, d in recs if ty == "SRV"}
    port = tern.port
    assert srv["_submissions._tcp.%s." % DOMAIN] == "0 1 %d %s." % (port("submissions"), HOST)
    assert srv["_submission._tcp.%s." % DOMAIN] == "0 1 %d %s." % (port("submission"), HOST)
    assert srv["_imaps._tcp.%s." % DOMAIN] == "0 1 %d %s." % (port("imaps"), HOST)
    assert srv["_imap._tcp.%s." % DOMAIN] == "0 1 %d %s." % (port("imap"), HOST)
    assert srv["_pop3s._tcp.%s." % DOMAIN] == "0 0 0 ."
    assert srv["_pop3._tcp.%s." % DOMAIN] == "0 0 0 ."
    assert srv["_autodiscover._tcp.%s." % DOMAIN] == "0 1 %d %s." % (port("https"), HOST)
    spf = [d for n, ty, d in recs if n == DOMAIN + "." and ty == "TXT"]
    assert spf == ['"v=spf1 mx -all"']

    # a real zone parser loads every zone, every record in it
    by_zone = {}
    for line in out.splitlines():
        if line.strip() and not line.startswith(";"):
            by_zone.setdefault(zone_of(line.split()[0]), []).append(line)
    paths = write_zones(tmp_path, by_zone)
    for zone, path in paths.items():
        p = subprocess.run(["named-checkzone", "-i", "local", zone, path],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stdout + p.stderr
        assert "ignoring" not in p.stdout, p.stdout
    # the same zones served: check finds everything right
    unbound = AuthUnbound(tmp_path, paths)
    try:
        use_resolver(tern, unbound)
        p = run_cli(tern.conf, *dns_args("check"), check=False)
    finally:
        unbound.stop()
    lines = p.stdout.splitlines()
    assert p.returncode == 0, p.stdout + p.stderr
    assert len(lines) == len(recs), p.stdout
    assert all(line.startswith("OK ") for line in lines), p.stdout


def test_dns_check_says_missing_and_wrong(tern, tmp_path):
    out = run_cli(tern.conf, *dns_args()).stdout
    recs = records(out)
    rsa = [(n, d) for n, ty, d in recs if "k=rsa" in d][0]
    ed = [(n, d) for n, ty, d in recs if "k=ed25519" in d][0]
    z = [
        "%s. MX 10 %s." % (DOMAIN, HOST),                     # right
        "%s. A 192.0.2.10" % HOST,                            # right
        "%s. AAAA 2001:db8::99" % HOST,                       # wrong address
        '%s. TXT "v=spf1 a -all"' % DOMAIN,                   # wrong SPF
        '%s. TXT "some-verification=xyz"' % DOMAIN,           # not SPF: ignored
        "%s TXT %s" % rsa,                                    # right key
        # the Ed25519 selector publishes another key: wrong
        '%s TXT "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="' % ed[0],
        # no DMARC record: missing
        '_smtp._tls.%s. TXT "v=TLSRPTv1; rua=mailto:tls@%s"' % (DOMAIN, DOMAIN),  # right
        '_mta-sts.%s. TXT "v=STSv1; id=1"' % DOMAIN,          # right (any id)
        "mta-sts.%s. CNAME other.example.net." % DOMAIN,      # wrong target
        "_submissions._tcp.%s. SRV 0 1 465 %s." % (DOMAIN, HOST),  # wrong port
        "_submission._tcp.%s. SRV 0 1 %d %s." % (DOMAIN, tern.port("submission"), HOST),
        "_pop3._tcp.%s. SRV 0 0 0 ." % DOMAIN,                # right: not offered
        "autoconfig.%s. A 192.0.2.10" % DOMAIN,               # the host's address: fine
        "autodiscover.%s. A 198.51.100.7" % DOMAIN,           # someone else's
    ]
    v4 = ["10.%s. PTR other.example.net." % V4REV]            # wrong PTR
    paths = write_zones(tmp_path, {DOMAIN: z, V4REV: v4})
    for zone, path in paths.items():
        p = subprocess.run(["named-checkzone", zone, path], capture_output=True,
                           text=True, timeout=60)
        assert p.returncode == 0, p.stdout
    unbound = AuthUnbound(tmp_path, paths)
    try:
        use_resolver(tern, unbound)
        p = run_cli(tern.conf, *dns_args("check"), check=False)
    finally:
        unbound.stop()
    assert p.returncode == 1, p.stdout + p.stderr
    status = {}
    for line in p.stdout.splitlines():
        st, ty, name = line.split()[:3]
        status[(name, ty)] = (st, line)

    def st(name, ty):
        return status[(name, ty)][0]
    assert st(DOMAIN + ".", "MX") == "OK"
    assert st(HOST + ".", "A") == "OK"
    assert st(HOST + ".", "AAAA") == "WRONG"
    assert "2001:db8::99" in status[(HOST + ".", "AAAA")][1]
    assert st(DOMAIN + ".", "TXT") == "WRONG"
    assert "v=spf1 a -all" in status[(DOMAIN + ".", "TXT")][1]
    assert st(rsa[0], "TXT") == "OK"
    assert st(ed[0], "TXT") == "WRONG"
    assert st("_dmarc.%s." % DOMAIN, "TXT") == "MISSING"
    assert st("_smtp._tls.%s." % DOMAIN, "TXT") == "OK"
    assert st("_mta-sts.%s." % DOMAIN, "TXT") == "OK"
    assert st("mta-sts.%s." % DOMAIN, "CNAME") == "WRONG"
    assert st("_submissions._tcp.%s." % DOMAIN, "SRV") == "WRONG"
    assert st("_submission._tcp.%s." % DOMAIN, "SRV") == "OK"
    assert st("_imaps._tcp.%s." % DOMAIN, "SRV") == "MISSING"
    assert st("_pop3._tcp.%s." % DOMAIN, "SRV") == "OK"
    assert st("_pop3s._tcp.%s." % DOMAIN, "SRV") == "MISSING"
    assert st("autoconfig.%s." % DOMAIN, "A") == "OK"
    assert st("autodiscover.%s." % DOMAIN, "A") == "WRONG"
    assert st("10.%s." % V4REV, "PTR") == "WRONG"
    assert "other.example.net" in status[("10.%s." % V4REV, "PTR")][1]
    v6ptr = [k for k in status if k[1] == "PTR" and k[0].endswith(V6REV + ".")]
    assert len(v6ptr) == 1 and status[v6ptr[0]][0] == "MISSING"


def test_dns_without_known_address_checks_forward_confirmed_ptr(tmp_path):
    """Listeners on 127.0.0.1 only, no --address: the zone says what to
    publish in notes, and check looks up the host's addresses and their
    PTR records instead."""
    t = Tern(tmp_path / "tern", domain=DOMAIN)
    out = run_cli(t.conf, "dns", DOMAIN).stdout
    assert "public address is unknown" in out
    assert not [r for r in records(out) if r[1] in ("A", "AAAA", "PTR")]
    # loopback listeners are not offered to the world
    assert all(d == "0 0 0 ." for n, ty, d in records(out) if ty == "SRV")
    z = ["%s. A 192.0.2.10" % HOST]
    v4 = ["10.%s. PTR %s." % (V4REV, HOST)]
    paths = write_zones(tmp_path, {DOMAIN: z, V4REV: v4})
    unbound = AuthUnbound(tmp_path, paths)
    try:
        use_resolver(t, unbound)
        p = run_cli(t.conf, "dns", "check", DOMAIN, check=False)
    finally:
        unbound.stop()
    assert p.returncode == 1      # most records are missing here
    assert re.search(r"(?m)^OK +A +%s\. 192\.0\.2\.10$" % re.escape(HOST), p.stdout), p.stdout
    assert re.search(r"(?m)^OK +PTR +10\.%s\. %s\.$" % (re.escape(V4REV), re.escape(HOST)),
                     p.stdout), p.stdout
    assert re.search(r"(?m)^MISSING +MX ", p.stdout), p.stdout


def test_dns_usage_errors(tern):
    for args in (["dns"], ["dns", "bad..domain"], ["dns", DOMAIN, "--address", "x"],
                 ["dns", "check"]):
        p = run_cli(tern.conf, *args, check=False)
        assert p.returncode == 2, (args, p.stdout, p.stderr)
