#!/usr/bin/python3
"""dkim-bench.py - mail authentication throughput, tern against Postfix
with OpenDKIM, in the same run (issue 13, second part).

    bench/dkim-bench.py [-n 2000] [-s 50] [--old OLD_TERN]

Both servers run on loopback, durable delivery (tern: its store, fsync
before 250; Postfix: virtual(8) to Maildir, fsync), fed by
bench/smtp-load.c (SESSIONS sessions, several messages each, one
command at a time):

  inbound (port 25, every check on): a message signed by snd.test
    (rsa-sha256, 2048-bit key), MAIL FROM bounce@snd.test from
    127.0.0.1, which SPF passes; DMARC p=reject. tern checks SPF, DKIM
    and DMARC against an unbound serving the zone. Postfix: OpenDKIM
    (Mode v) as milter and postfix-policyd-spf-python as policy
    service (its DNS pointed at the same unbound); Postfix does no DMARC
    (OpenDMARC is not part of this comparison), so tern does more.
    OpenDKIM reads keys from a file (TestDNSData), no DNS at all.
  submission signing: alice@example.test sends to bob@example.test;
    tern: its submission port (AUTH PLAIN, no TLS, so only signing is
    compared), signing rsa-sha256 + ed25519-sha256; Postfix: two
    OpenDKIM milters (one algorithm each) signing the same two.
  inbound again with tern's checks off (auth_checks.enable = no): what
    the checks cost tern.
  --old: the submission run again with another tern binary (e.g. the
    one before the DKIM key cache), for a before/after.

Sizes 4 KB and 100 KB. Prints msgs/s, tern's ratio, and CPU per
message of each side from /proc (tern: its process; Postfix: the master
and all its descendants plus the OpenDKIM processes), and runs
build/dkim-cpu for the CPU of one signature / verification.
Benchmarks never fail on a time."""
import argparse
import base64
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))

import postfixlib  # noqa: E402
from postfixlib import OpenDKIM, Postfix, free_port  # noqa: E402
from relaylib import Unbound  # noqa: E402

CLK = os.sysconf("SC_CLK_TCK")
LIBS = ("libuv openssl sqlite3 libunbound libsodium zlib libutf8proc "
        "libpsl").split()


def txt(name, value):
    parts = [value[i:i + 255] for i in range(0, len(value), 255)]
    return '%s. IN TXT %s' % (name, " ".join('"%s"' % p for p in parts))


def cpu(pid):
    """CPU seconds of pid and its reaped children (0 when gone)"""
    try:
        f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(x) for x in f[11:15]) / CLK


def tree(root):
    """root and its descendants' pids"""
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                pp = int(open("/proc/%s/stat" % d).read().rsplit(")", 1)[1]
                         .split()[1])
            except OSError:
                continue
            kids.setdefault(pp, []).append(int(d))
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += kids.get(p, [])
    return out


def build(out, src, lib=False):
    cmd = ["cc", "-O2", "-std=c11", "-D_GNU_SOURCE", "-pthread", "-o", out,
           src]
    if lib:
        cmd[5:5] = ["-I" + os.path.join(REPO, "src")]
        libs = subprocess.run(["pkg-config", "--libs"] + LIBS, check=True,
                              capture_output=True, text=True).stdout.split()
        cmd += [os.path.join(REPO, "build", "libtern.a")] + libs + ["-lm"]
    subprocess.run(cmd, check=True)


def message(size, sender, signer=None):
    """CRLF message of about size bytes, signed by signer(msg) if given"""
    head = ("From: <%s>\r\nTo: <rcpt@example.test>\r\nSubject: bench\r\n"
            "Date: Thu, 03 Dec 2026 20:00:00 +0000\r\n"
            "Message-ID: <bench@%s>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain\r\n\r\n" % (sender, sender.split("@")[1]))
    line = "the quick brown fox jumps over the lazy dog 0123456789 abcdef\r\n"
    body = line * max(1, (size - len(head)) // len(line))
    m = (head + body).encode()
    return signer(m) if signer else m


def load(tool, port, sessions, n, path, mail_from, rcpt, auth=None):
    args = [tool, "127.0.0.1", str(port), str(sessions), str(n), path,
            mail_from, rcpt] + (list(auth) if auth else [])
    p = subprocess.run(args, capture_output=True, text=True, timeout=3600)
    out = dict(re.findall(r"^([\w/]+): (\S+)$", p.stdout, re.M))
    return float(out.get("msgs/s", 0)), int(out.get("accepted", 0)), \
        int(out.get("failed", n))


class Tern:
    def __init__(self, binary, dir, dns, domain="example.test", checks=True):
        self.bin, self.dir = binary, dir
        self.smtp, self.sub = free_port(), free_port()
        subprocess.run([binary, "init", dir, "--domain", domain, "--hostname",
                        "mail." + domain, "--user", "root"], check=True,
                       capture_output=True)
        self.conf = os.path.join(dir, "tern.conf")
        text = open(self.conf).read()
        text = re.sub(r"(?m)^listen = .*\n", "", text)
        text = text.replace("log_level = info", "log_level = warn", 1)
        text = re.sub(r"(?m)^(log_level = .*)$", r"\1\nlisten = smtp "
                      "127.0.0.1:%d plain\nlisten = submission 127.0.0.1:%d "
                      "plain" % (self.smtp, self.sub), text, count=1)
        text += ("\n[server]\nmax_connections_per_ip = 1000\n"
                 "[auth]\nmin_password_length = 1\n"
                 "[smtp]\nrequire_tls_for_auth = no\n"
                 "[dns]\nresolver = %s\n"
                 "[auth_checks]\nenable = %s\n" % (dns, "yes" if checks
                                                     else "no"))
        open(self.conf, "w").write(text)
        for u in ("alice", "bob"):
            subprocess.run([binary, "-c", self.conf, "account", "add",
                            "%s@%s" % (u, domain), "--password-stdin"],
                           input=b"pw\n", check=True, capture_output=True)
        self.logp = os.path.join(dir, "tern.log")
        self.logf = open(self.logp, "wb")
        self.proc = subprocess.Popen([binary, "-c", self.conf, "serve"],
                                     stdout=self.logf, stderr=self.logf)
        postfixlib.wait_port("127.0.0.1", self.smtp, proc=self.proc,
                             what="tern")

    def records(self, domain="example.test"):
        out = subprocess.run([self.bin, "-c", self.conf, "dkim", "show",
                              domain], capture_output=True, text=True).stdout
        return [(m.group(1), "".join(re.findall(r'"([^"]*)"', m.group(2))))
                for m in re.finditer(r"(?m)^(\S+)\. IN TXT (.*)$", out)]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(120)
        self.logf.close()


def policyd_spf(dir, dns_port):
    """a wrapper running policyd-spf with its DNS at the test unbound"""
    conf = os.path.join(dir, "policyd-spf.conf")
    open(conf, "w").write(
        "debugLevel = 0\nTestOnly = 1\nHELO_reject = False\n"
        "Mail_From_reject = Fail\nPermError_reject = False\n"
        "TempError_Defer = False\nskip_addresses = 192.0.2.255/32\n")
    wrap = os.path.join(dir, "policyd-spf-wrap.py")
    open(wrap, "w").write(
        "import sys\nimport dns.resolver\n"
        "r = dns.resolver.Resolver(configure=False)\n"
        "r.nameservers = ['127.0.0.1']\nr.port = %d\n"
        "dns.resolver.default_resolver = r\n"
        "from spf_engine.policyd_spf import main\n"
        "sys.argv = ['policyd-spf', %r]\nmain()\n" % (dns_port, conf))
    os.chmod(conf, 0o644)
    os.chmod(wrap, 0o644)
    return wrap


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=2000, help="messages a run (4 KB)")
    ap.add_argument("-s", type=int, default=50, help="concurrent sessions")
    ap.add_argument("--tern", default=os.path.join(REPO, "build", "tern"))
    ap.add_argument("--old", help="another tern binary for the signing run")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--perf", help="folder: perf record tern's 4 KB runs "
                    "(perf.<run>.data; perf report -i FILE)")
    a = ap.parse_args()
    if not os.path.exists("/usr/bin/policyd-spf"):
        sys.exit("needs postfix-policyd-spf-python (scripts/install-deps.sh dev)")
    w = postfixlib.make_dir("dkim-bench-")
    tool = os.path.join(w, "smtp-load")
    build(tool, os.path.join(HERE, "smtp-load.c"))
    dkcpu = os.path.join(w, "dkim-cpu")
    build(dkcpu, os.path.join(HERE, "dkim-cpu.c"), lib=True)
    stop = []
    try:
        run(a, w, tool, dkcpu, stop)
    finally:
        for x in reversed(stop):
            try:
                x.stop()
            except Exception as e:  # noqa: BLE001 - keep stopping the rest
                print("stop:", e)
        if not a.keep:
            shutil.rmtree(w, ignore_errors=True)


def run(a, w, tool, dkcpu, stop):
    import dkim
    keys = os.path.join(w, "keys")
    os.makedirs(keys)
    rsa_path, rsa_rec = postfixlib.genkey_rsa(keys, "snd.test", "s1")
    rsa_priv = open(rsa_path, "rb").read()

    def sign(m):
        return dkim.sign(m, b"s1", b"snd.test", rsa_priv,
                         include_headers=[b"from", b"to", b"subject",
                                          b"date", b"message-id"]) + m

    # tern first: its keys go into the zone
    unb_dir = os.path.join(w, "unbound")
    os.makedirs(unb_dir)
    tern_dir = os.path.join(w, "tern")
    # the zone needs tern's keys and tern needs the resolver: init first
    subprocess.run([a.tern, "init", os.path.join(w, "keys-only"), "--domain",
                    "example.test", "--user", "root"], check=True,
                   capture_output=True)
    zone = {
        "snd.test": [txt("snd.test", "v=spf1 ip4:127.0.0.1 -all"),
                     txt("_dmarc.snd.test", "v=DMARC1; p=reject"),
                     txt("s1._domainkey.snd.test", rsa_rec)],
        # the load's HELO name: answered here (NXDOMAIN), never recursed
        "bench.test": [],
    }
    dns = Unbound(unb_dir, zone)
    stop.append(dns)
    t = Tern(a.tern, tern_dir, dns.resolver)
    stop.append(t)

    # Postfix: inbound with OpenDKIM verifying + policyd-spf; signing
    od_v = OpenDKIM(os.path.join(w, "od-verify"), "v",
                    dns=[("s1._domainkey.snd.test", rsa_rec)],
                    authserv_id="pf.local")
    stop.append(od_v)
    sig_keys = os.path.join(w, "sig-keys")
    os.makedirs(sig_keys)
    pr, _ = postfixlib.genkey_rsa(sig_keys, "example.test", "pr")
    pe, _ = postfixlib.genkey_ed25519(sig_keys, "pe")
    od_r = OpenDKIM(os.path.join(w, "od-rsa"), "s",
                    keys=[("example.test", "pr", pr)])
    stop.append(od_r)
    od_e = OpenDKIM(os.path.join(w, "od-ed"), "s",
                    keys=[("example.test", "pe", pe)],
                    algorithm="ed25519-sha256")
    stop.append(od_e)
    wrap = policyd_spf(w, dns.port)
    p_in, p_sub = free_port(), free_port()
    pf = Postfix(
        os.path.join(w, "postfix"),
        [("127.0.0.1", p_in, od_v.milter,
          ["{ smtpd_recipient_restrictions = check_policy_service "
           "unix:private/policyd-spf, permit }"]),
         ("127.0.0.1", p_sub, od_r.milter + "," + od_e.milter, [])],
        mailbox_domain="example.test", users=("alice", "bob"),
        extra_main="policyd-spf_time_limit = 3600\n"
                   "smtpd_client_connection_count_limit = 0\n",
        extra_master="policyd-spf unix - n n - 0 spawn user=nobody "
                     "argv=/usr/bin/python3 %s\n" % wrap)
    stop.append(pf)
    master = int(open(os.path.join(w, "postfix", "queue", "pid",
                                   "master.pid")).read())
    ods = [od_v.proc.pid, od_r.proc.pid, od_e.proc.pid]

    def pf_cpu():
        return sum(cpu(p) for p in tree(master)) + \
            sum(cpu(p) for p in ods)

    rows = []

    want = {"alice": 0, "bob": 0}

    def delivered(user):
        d = os.path.join(pf.mail, user, "Maildir", "new")
        return len(os.listdir(d)) if os.path.isdir(d) else 0

    def measure(label, size, port_t, port_p, path, mail_from, rcpt, n,
                auth=None, tern=t):
        # one message first: a login's argon2id is then in the auth
        # cache, so the sessions' logins measure no password hashing
        load(tool, port_t, 1, 1, path, mail_from, rcpt, auth)
        if port_p:
            load(tool, port_p, 1, 1, path, mail_from, rcpt)
            want[rcpt.split("@")[0]] += 1
        c0 = cpu(tern.proc.pid)
        prof = None
        if a.perf and size == 4096:
            os.makedirs(a.perf, exist_ok=True)
            prof = subprocess.Popen(
                ["perf", "record", "-g", "-q", "-p", str(tern.proc.pid), "-o",
                 os.path.join(a.perf, "perf.%s.data" % label.split(",")[0]
                              .replace(" ", "-"))],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.5)
        rt, okt, badt = load(tool, port_t, a.s, n, path, mail_from, rcpt, auth)
        if prof:
            prof.send_signal(2)
            prof.wait(120)
        ct = (cpu(tern.proc.pid) - c0) / max(okt, 1)
        row = [label, size, rt, okt, badt, ct]
        if port_p:
            c0 = pf_cpu()
            rp, okp, badp = load(tool, port_p, a.s, n, path, mail_from, rcpt)
            # Postfix's queue manager and delivery run after the 250:
            # wait for the Maildir count, so their CPU is in (bounded)
            user = rcpt.split("@")[0]
            want[user] += okp
            deadline = time.time() + 600
            while delivered(user) < want[user] and time.time() < deadline:
                time.sleep(0.1)
            cp = (pf_cpu() - c0) / max(okp, 1)
            row += [rp, okp, badp, cp]
        rows.append(row)
        print(row, flush=True)

    for size in (4096, 102400):
        n = a.n if size == 4096 else max(a.n // 4, a.s)
        path = os.path.join(w, "in-%d.eml" % size)
        open(path, "wb").write(message(size, "pat@snd.test", sign))
        measure("inbound, SPF+DKIM+DMARC", size, t.smtp, p_in, path,
                "bounce@snd.test", "alice@example.test", n)
    for size in (4096, 102400):
        n = a.n if size == 4096 else max(a.n // 4, a.s)
        path = os.path.join(w, "sub-%d.eml" % size)
        open(path, "wb").write(message(size, "alice@example.test"))
        measure("submission, signing", size, t.sub, p_sub, path,
                "alice@example.test", "bob@example.test", n,
                auth=("alice@example.test", "pw"))
    # check: what each side wrote
    tail = open(t.logp, errors="replace").read()
    inbound_mail = pf.maildir("alice")
    signed_mail = pf.maildir("bob")
    checks = {
        "postfix inbound A-R dkim=pass": bool(inbound_mail) and
        b"dkim=pass" in inbound_mail[-1],
        "postfix inbound Received-SPF: Pass": bool(inbound_mail) and
        b"Received-SPF: Pass" in inbound_mail[-1],
        "postfix signed (2 DKIM-Signature)": bool(signed_mail) and
        signed_mail[-1].count(b"DKIM-Signature:") == 2,
        "tern errors in log": len(re.findall(r" error ", tail)),
    }
    # the same inbound load with tern's checks off: what they cost it
    t.stop()
    stop.remove(t)
    off = Tern(a.tern, os.path.join(w, "tern-off"), dns.resolver,
               checks=False)
    stop.append(off)
    for size in (4096, 102400):
        n = a.n if size == 4096 else max(a.n // 4, a.s)
        measure("inbound, checks off (tern only)", size, off.smtp, None,
                os.path.join(w, "in-%d.eml" % size), "bounce@snd.test",
                "alice@example.test", n, tern=off)
    off.stop()
    stop.remove(off)
    if a.old:
        old = Tern(a.old, os.path.join(w, "tern-old"), dns.resolver)
        stop.append(old)
        for size in (4096, 102400):
            n = a.n if size == 4096 else max(a.n // 4, a.s)
            measure("submission, signing (--old)", size, old.sub, None,
                    os.path.join(w, "sub-%d.eml" % size),
                    "alice@example.test", "bob@example.test", n,
                    auth=("alice@example.test", "pw"), tern=old)
    print()
    print("| run | size | tern msgs/s | Postfix msgs/s | ratio | tern CPU/msg "
          "| Postfix CPU/msg |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        if len(r) > 6:
            print("| %s | %d KB | %.0f | %.0f | %.2fx | %.0f us | %.0f us |" % (
                r[0], r[1] // 1024, r[2], r[6], r[2] / r[6] if r[6] else 0,
                r[5] * 1e6, r[9] * 1e6))
        else:
            print("| %s | %d KB | %.0f | | | %.0f us | |" % (
                r[0], r[1] // 1024, r[2], r[5] * 1e6))
    print()
    print("accepted/failed:", [(r[0], r[1], r[3], r[4]) + tuple(r[7:9])
                               for r in rows])
    print("checks:", checks)
    print()
    sub4 = os.path.join(w, "sub-4096.eml")
    print(subprocess.run([dkcpu, os.path.join(w, "keys-only", "data"),
                          "example.test", sub4, "1000"],
                         capture_output=True, text=True).stdout)


if __name__ == "__main__":
    main()
