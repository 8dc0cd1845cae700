#!/usr/bin/python3
"""sieve-bench.py - deliveries per second over SMTP with a 20-rule Sieve
script per user, tern against Postfix + Dovecot LMTP + Pigeonhole, with
and without rspamd as a milter, in the same run (issue 16).

    bench/sieve-bench.py [-n 3000] [-u 10] [-s 2] [--no-rspamd]

Every user (u1..uN@bench.test) has bench/sieve-bench.sieve active: on
tern through `tern sieve put --activate`, on Dovecot as ~/.dovecot.sieve
(Pigeonhole, `sieve` plugin of LMTP). The load is bench/smtp-load.c, one
process a user (S sessions each, one command at a time), each user
getting one of three messages: a list post (-> Lists/News), a work mail
(-> Work, flagged) and a personal one (no rule fires: all 20 tested,
INBOX). Configurations, each with a fresh tern and the same anchor:

  plain:  tern (port 25, Sieve at delivery, fsync before 250) against
          Postfix (smtpd, cleanup, qmgr) -> LMTP -> Dovecot + Pigeonhole
  rspamd: the same with one rspamd (proxy worker in milter mode,
          self_scan, network modules off, DNS pointed at a closed port)
          as both servers' milter

Before each measured load, one message a user (not counted) so that
every mailbox exists. tern delivers before its 250; Postfix delivers after it, so the anchor's
rate counts until the last message is in a Maildir. CPU per message
from /proc: tern's process; Postfix's master and descendants plus
Dovecot's master and descendants; rspamd's processes added to both in
the rspamd configuration. Right after tern's plain run, tern alone again
with sieve.enable = no: what the scripts cost it. Checked: every message accepted and (anchor)
delivered, rspamd's X-Spam-Status in every message of its run on both
sides, and each user's folders (message and flagged counts; tern's
over IMAP, Dovecot's from its Maildirs: it runs LMTP only) alike on
both servers: "folders agree: yes".
rspamd keeps its compiled regexps and TLD list in --rspamd-cache (a
cold start takes a minute); --quick-rspamd uses a tiny TLD list and no
hyperscan so that the harness test starts it in seconds (not for
figures). Benchmarks never fail on a time."""
import argparse
import contextlib
import imaplib
import importlib.util
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
import ternlib  # noqa: E402
from postfixlib import Postfix, free_port  # noqa: E402

SCRIPT = os.path.join(HERE, "sieve-bench.sieve")
DOMAIN = "bench.test"
PASSWORD = "pw"
DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"

# (name, envelope sender, header, where the script files it)
MESSAGES = [
    ("list", "bounce@news.example.org",
     "From: News <news@news.example.org>\r\nList-Id: Weekly news "
     "<news.example.org>\r\nPrecedence: list\r\nSubject: This week\r\n",
     "Lists/News"),
    ("work", "alice@work.example",
     "From: Alice <alice@work.example>\r\nSubject: project status\r\n"
     "X-Priority: 3\r\n", "Work"),
    ("personal", "friend@mail.example",
     "From: A friend <friend@mail.example>\r\nSubject: dinner on friday?"
     "\r\n", "INBOX"),
]


def _load(name, file):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE,
                                                                     file))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# CPU seconds of a process (and its reaped children) and a process tree,
# from /proc: dkim-bench.py's, so both benches count alike
_dkim_bench = _load("dkim_bench", "dkim-bench.py")
cpu, tree = _dkim_bench.cpu, _dkim_bench.tree


def tree_cpu(roots):
    return sum(cpu(p) for r in roots for p in tree(r))


def message(head, user, size):
    """a CRLF message of about size bytes to user"""
    text = (head + "To: <%s@%s>\r\nDate: Fri, 04 Dec 2026 18:00:00 +0000\r\n"
            "Message-ID: <bench-%s@mail.example>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
            % (user, DOMAIN, user))
    line = "the quick brown fox jumps over the lazy dog 0123456789 abcdef\r\n"
    return (text + line * max(1, (size - len(text)) // len(line))).encode()


def users(n):
    return ["u%d" % i for i in range(1, n + 1)]


class Rspamd:
    """rspamd in milter mode on a loopback port, its config in dir; the
    compiled regexps and TLD list persist in cache (DBDIR)"""

    DISABLED = ("rbl whitelist phishing multimap fuzzy_check rspamd_update "
                "asn spf dmarc dkim arc emails mx_check reputation neural "
                "ratelimit greylist replies url_redirector history_redis "
                "bimi dkim_signing").split()

    def __init__(self, dir, cache, quick=False):
        self.port = free_port()
        self.dir = dir
        for sub in ("local.d", "run", "log"):
            os.makedirs(os.path.join(dir, sub), exist_ok=True)
        os.makedirs(cache, exist_ok=True)
        # modules that ask the network (DNS lists, remote maps) are off;
        # anything left asks a closed port
        for m in self.DISABLED:
            open(os.path.join(dir, "local.d", m + ".conf"), "w").write(
                "enabled = false;\n")
        # its score in every message (the proof that it scanned), local
        # clients included
        open(os.path.join(dir, "local.d", "milter_headers.conf"), "w").write(
            'use = ["x-spam-status"];\nskip_local = false;\n'
            'skip_authenticated = false;\n')
        # Debian's options, the control socket in our run folder; quick:
        # a 5-name TLD list (the full one takes 25 s to compile, cold)
        opts = open("/etc/rspamd/options.inc").read()
        opts = re.sub(r"(?ms)^dns \{.*?^\}\n", "", opts)
        opts = re.sub(r"(?m)^control_socket = .*$",
                      'control_socket = "$RUNDIR/rspamd.sock mode=0600";', opts)
        if quick:
            tld = os.path.join(dir, "tld.dat")
            open(tld, "w").write("com\norg\nnet\nexample\ntest\n")
            opts = re.sub(r"(?m)^url_tld = .*$", 'url_tld = "%s";' % tld,
                          opts) + "disable_hyperscan = true;\n"
        self.conf = os.path.join(dir, "rspamd.conf")
        open(self.conf, "w").write("""\
.include "$CONFDIR/common.conf"
options {
    pidfile = "$RUNDIR/rspamd.pid";
    %s
    dns { nameserver = ["127.0.0.1:9"]; timeout = 0.2s; retransmits = 1; }
    local_addrs = "127.0.0.0/8";
}
logging {
    type = "file";
    filename = "$LOGDIR/rspamd.log";
    level = "warning";
}
worker "rspamd_proxy" {
    bind_socket = "127.0.0.1:%d";
    milter = yes;
    timeout = 120s;
    upstream "local" { default = yes; self_scan = yes; }
    count = 1;
    spam_header = "X-Spam";
}
""" % (opts, self.port))
        self.logf = open(os.path.join(dir, "rspamd.out"), "wb")
        # -i: it runs as root here, a test's own instance
        self.proc = subprocess.Popen(
            ["rspamd", "-f", "-i", "-c", self.conf,
             "--var=LOCAL_CONFDIR=" + dir,
             "--var=RUNDIR=" + os.path.join(dir, "run"),
             "--var=DBDIR=" + cache,
             "--var=LOGDIR=" + os.path.join(dir, "log")],
            stdout=self.logf, stderr=self.logf)
        postfixlib.wait_port("127.0.0.1", self.port, timeout=600,
                             proc=self.proc, what="rspamd")

    @property
    def milter(self):
        return "inet:127.0.0.1:%d" % self.port

    # terminate, wait, kill if it must; close its log
    stop = postfixlib.OpenDKIM.stop


class Tern(ternlib.Tern):
    """a fresh tern (tests/integration/ternlib.py's): port 25 and IMAP on
    loopback, no DNS, no SPF/DKIM/DMARC (the anchor checks none), the
    users with the script active, the milter given or none"""

    def __init__(self, binary, dir, names, milter=None, sieve=True):
        ternlib.TERN_BIN = binary
        extra = ("[server]\nmax_connections_per_ip = 1000\n"
                 "[auth]\nmin_password_length = 1\n"
                 "[sieve]\nenable = %s\n" % ("yes" if sieve else "no"))
        if milter:
            extra += "[milter]\nsmtp = %s\n" % milter
        os.makedirs(dir)
        super().__init__(dir, domain=DOMAIN, protocols=("smtp", "imap"),
                         extra=extra)
        # info, as `tern init` writes it (the anchor logs each delivery
        # too), not the tests' debug
        text = open(self.conf).read()
        open(self.conf, "w").write(text.replace("log_level = debug",
                                                "log_level = info", 1))
        self.smtp, self.imap = self.port("smtp"), self.port("imap")
        self.logp = self.log_path
        for u in names:
            addr = "%s@%s" % (u, DOMAIN)
            self.add_account(addr, PASSWORD)
            self.cli("sieve", "put", addr, "bench", SCRIPT, "--activate")
        self.start()


DOVECOT_EXTRA = """
protocols = lmtp
postmaster_address = postmaster@%(domain)s
hostname = anchor.%(domain)s
recipient_delimiter = +
mail_location = maildir:~/Maildir:LAYOUT=fs
namespace inbox {
  inbox = yes
  separator = /
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = %(lmtp)d
  }
}
protocol lmtp {
  mail_plugins = $mail_plugins sieve
}
plugin {
  sieve = file:~/sieve;active=~/.dovecot.sieve
}
"""


class Anchor:
    """Postfix (plain listener, and one with rspamd as its milter) handing
    mail over LMTP to a private Dovecot with Pigeonhole"""

    def __init__(self, dir, names, rspamd=None):
        from dovecotlib import DOVECOT_BIN, Dovecot
        self.dc_bin = DOVECOT_BIN
        import pwd
        self.lmtp = free_port()
        self.dc = Dovecot(extra=DOVECOT_EXTRA % dict(domain=DOMAIN,
                                                     lmtp=self.lmtp),
                          dir=os.path.join(dir, "dovecot"))
        # dovecotlib writes one user: the bench's instead (the static
        # userdb checks that the passdb knows the user)
        with open(os.path.join(self.dc.dir, "passwd"), "w") as f:
            for u in names:
                f.write("%s@%s:{PLAIN}%s::::::\n" % (u, DOMAIN, PASSWORD))
        owner = pwd.getpwnam("nobody") if os.geteuid() == 0 else \
            pwd.getpwuid(os.getuid())
        self.homes = os.path.join(self.dc.dir, "home")
        for u in names:
            home = os.path.join(self.homes, "%s@%s" % (u, DOMAIN))
            os.makedirs(os.path.join(home, "sieve"), exist_ok=True)
            shutil.copy(SCRIPT, os.path.join(home, "sieve", "bench.sieve"))
            os.symlink("sieve/bench.sieve", os.path.join(home, ".dovecot.sieve"))
            for root, dirs, files in os.walk(home):
                for x in [root] + [os.path.join(root, y) for y in files]:
                    os.lchown(x, owner.pw_uid, owner.pw_gid)
        # LMTP only (no IMAP process needed: the folders are read from
        # the Maildirs); dovecotlib's start() waits for IMAP, so here
        self.dc.proc = subprocess.Popen(
            [self.dc_bin, "-F", "-c", self.dc.conf],
            stdout=open(self.dc.log_path + ".out", "ab"),
            stderr=subprocess.STDOUT)
        postfixlib.wait_port("127.0.0.1", self.lmtp, proc=self.dc.proc,
                             what="dovecot lmtp")
        self.plain, self.filtered = free_port(), free_port()
        listeners = [("127.0.0.1", self.plain, None, [])]
        if rspamd:
            listeners.append(("127.0.0.1", self.filtered, rspamd.milter, []))
        self.pf = Postfix(
            os.path.join(dir, "postfix"), listeners, mailbox_domain=DOMAIN,
            users=names,
            extra_main="virtual_transport = lmtp:inet:127.0.0.1:%d\n"
                       "smtpd_client_connection_count_limit = 0\n" % self.lmtp,
            extra_master="lmtp      unix  -       -       n       -       -"
                         "       lmtp\n")
        self.master = int(open(os.path.join(dir, "postfix", "queue", "pid",
                                            "master.pid")).read())

    def roots(self):
        return [self.master, self.dc.proc.pid]

    def delivered(self):
        """messages in every Maildir folder of every user"""
        n = 0
        for root, dirs, files in os.walk(self.homes):
            if os.path.basename(root) in ("new", "cur"):
                n += len(files)
        return n

    def folders(self, names):
        """{user: {folder: (messages, flagged)}} from the Maildirs
        (LAYOUT=fs: a folder is a path under ~/Maildir; flags after
        ":2,"), empty folders left out"""
        out = {}
        for u in names:
            top = os.path.join(self.homes, "%s@%s" % (u, DOMAIN), "Maildir")
            got = {}
            for root, dirs, files in os.walk(top):
                if os.path.basename(root) in ("new", "cur") and files:
                    name = os.path.relpath(os.path.dirname(root), top)
                    name = "INBOX" if name == "." else name
                    k, f = got.get(name, (0, 0))
                    got[name] = (k + len(files), f + sum(
                        "F" in x.partition(":2,")[2] for x in files))
            out[u] = got
        return out

    def scanned(self):
        """delivered messages that carry rspamd's X-Spam-Status"""
        n = 0
        for root, dirs, files in os.walk(self.homes):
            if os.path.basename(root) in ("new", "cur"):
                for x in files:
                    head = open(os.path.join(root, x), "rb").read().split(
                        b"\n\n", 1)[0]
                    n += b"\nX-Spam-Status:" in head
        return n

    def stop(self):
        self.pf.stop()
        self.dc.stop()


def imap_walk(port, names, count):
    """{user: {folder: count(imap)}} over IMAP for every non-empty folder
    (count runs with the folder selected)"""
    out = {}
    for u in names:
        m = imaplib.IMAP4("127.0.0.1", port)
        m.login("%s@%s" % (u, DOMAIN), PASSWORD)
        got = {}
        for line in m.list()[1]:
            line = line.decode()
            if "\\Noselect" in line or "\\NonExistent" in line:
                continue
            name = line.rsplit(' "/" ', 1)[-1].strip('"')
            if int(m.select('"%s"' % name, readonly=True)[1][0]):
                got[name] = count(m)
        m.logout()
        out[u] = got
    return out


def search(m, *key):
    return len(m.search(None, *key)[1][0].split())


def folders(port, names):
    """{user: {folder: (messages, flagged)}} of a tern over IMAP, empty
    folders left out"""
    return imap_walk(port, names,
                     lambda m: (search(m, "ALL"), search(m, "FLAGGED")))


def scanned(port, names):
    """tern's messages that carry rspamd's X-Spam-Status"""
    return sum(sum(f.values()) for f in imap_walk(
        port, names, lambda m: search(m, "HEADER", "X-Spam-Status", '""'))
        .values())


def drive(tool, port, names, sessions, n, files, timeout):
    """one smtp-load a user at once, n messages in all; (seconds,
    accepted, failed)"""
    per = max(1, n // len(names))
    procs = []
    t0 = time.monotonic()
    for i, u in enumerate(names):
        sender, path = files[u]
        procs.append(subprocess.Popen(
            [tool, "127.0.0.1", str(port), str(sessions), str(per), path,
             sender, "%s@%s" % (u, DOMAIN)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True))
    ok = bad = 0
    for p in procs:
        out = dict(re.findall(r"^(\w+): (\S+)$", p.communicate(
            timeout=timeout)[0], re.M))
        ok += int(out.get("accepted", 0))
        bad += int(out.get("failed", per))
    return time.monotonic() - t0, ok, bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=3000,
                    help="messages a side and configuration")
    ap.add_argument("-u", type=int, default=10, help="users")
    ap.add_argument("-s", type=int, default=2, help="sessions a user")
    ap.add_argument("--size", type=int, default=4096, help="message bytes")
    ap.add_argument("--tern", default=os.path.join(REPO, "build", "tern"))
    ap.add_argument("--no-rspamd", action="store_true")
    ap.add_argument("--rspamd-cache", default="/tmp/tern-bench-rspamd-cache")
    ap.add_argument("--quick-rspamd", action="store_true",
                    help="tiny TLD list, no hyperscan (harness test only)")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    if a.n < a.u:
        sys.exit("-n must be at least -u (one message a user)")
    for need in ("/usr/sbin/postfix", DOVECOT,
                 "/usr/lib/dovecot/lmtp",
                 "/usr/lib/dovecot/modules/lib90_sieve_plugin.so") + \
            (() if a.no_rspamd else ("/usr/bin/rspamd",)):
        if not os.path.exists(need):
            sys.exit("needs %s (scripts/install-deps.sh test)" % need)
    w = postfixlib.make_dir("sieve-bench-")
    try:
        # every server started is stopped, last first (a tern stopped
        # early by finish() is a no-op here)
        with contextlib.ExitStack() as stop:
            run(a, w, stop)
    finally:
        if not a.keep:
            shutil.rmtree(w, ignore_errors=True)


def run(a, w, stop):
    tool = os.path.join(w, "smtp-load")
    subprocess.run(["cc", "-O2", "-std=c11", "-D_GNU_SOURCE", "-pthread",
                    "-o", tool,
                    os.path.join(HERE, "smtp-load.c")], check=True)
    names = users(a.u)
    files = {}
    for i, u in enumerate(names):
        kind, sender, head, _ = MESSAGES[i % len(MESSAGES)]
        path = os.path.join(w, "%s.eml" % u)
        open(path, "wb").write(message(head, u, a.size))
        files[u] = (sender, path)
    print("load: %s, %d users x %d sessions, %d messages a side and "
          "configuration, %d bytes" % (os.getloadavg(), a.u, a.s, a.n,
                                       a.size), flush=True)
    rs = None
    if not a.no_rspamd:
        t0 = time.monotonic()
        rs = Rspamd(os.path.join(w, "rspamd"), a.rspamd_cache,
                    quick=a.quick_rspamd)
        stop.callback(rs.stop)
        print("rspamd up in %.1f s" % (time.monotonic() - t0), flush=True)
    anchor = Anchor(w, names, rs)
    stop.callback(anchor.stop)
    configs = [("plain", None)] + ([("rspamd", rs)] if rs else [])
    rows, maps = [], {}
    expect = 0

    def warm(port):
        """one message a user before the clock runs: a user's mailbox
        exists (on Dovecot, two LMTP processes creating the same fresh
        mailbox index at once can deadlock on its lock and defer a
        message for minutes)"""
        return drive(tool, port, names, 1, len(names), files, 600)[1]
    for label, milter in configs:
        extra = [milter.proc.pid] if milter else []
        t = Tern(a.tern, os.path.join(w, "tern-" + label), names,
                 milter.milter if milter else None)
        stop.callback(t.stop)
        c0 = tree_cpu([t.proc.pid] + extra)
        wt = warm(t.smtp)
        secs, okt, badt = drive(tool, t.smtp, names, a.s, a.n, files, 3600)
        ct = (tree_cpu([t.proc.pid] + extra) - c0) / max(okt, 1)
        if t.proc.poll() is not None:
            sys.exit("tern (%s) exited with %s during the load; its log: %s"
                     % (label, t.proc.returncode, t.logp))
        rt = okt / secs if secs else 0
        maps["tern-" + label] = folders(t.imap, names)
        if milter:
            seen = "tern %d of %d" % (scanned(t.imap, names), okt + wt)
        t.finish()
        errors = len(re.findall(r"sieve error", open(t.logp, errors="replace")
                                .read()))

        if not milter:
            # what the scripts cost tern: the same load at once, Sieve off
            t = Tern(a.tern, os.path.join(w, "tern-nosieve"), names,
                     sieve=False)
            stop.callback(t.stop)
            warm(t.smtp)
            c0 = cpu(t.proc.pid)
            secs, okb, badb = drive(tool, t.smtp, names, a.s, a.n, files,
                                    3600)
            base = (okb / secs if secs else 0,
                    (cpu(t.proc.pid) - c0) / max(okb, 1), okb, badb,
                    folders(t.imap, names))
            t.finish()

        port = anchor.filtered if milter else anchor.plain
        wp = warm(port)
        expect += wp
        deadline = time.monotonic() + 600
        while anchor.delivered() < expect and time.monotonic() < deadline:
            time.sleep(0.1)
        c0 = tree_cpu(anchor.roots() + extra)
        t0 = time.monotonic()
        acc, okp, badp = drive(tool, port, names, a.s, a.n, files, 3600)
        expect += okp
        deadline = time.monotonic() + 600
        while anchor.delivered() < expect and time.monotonic() < deadline:
            time.sleep(0.1)
        secp = time.monotonic() - t0
        cp = (tree_cpu(anchor.roots() + extra) - c0) / max(okp, 1)
        rp = min(okp, anchor.delivered() - (expect - okp)) / secp
        rows.append((label, rt, okt, badt, ct, rp, okp, badp, cp, acc, errors))
        print(rows[-1], flush=True)
        if milter:
            print("rspamd's X-Spam-Status in delivered mail: %s, anchor %d "
                  "of %d" % (seen, anchor.scanned(), okp + wp), flush=True)
        if label == "plain":
            maps["anchor"] = anchor.folders(names)
    print()
    print("| configuration | tern deliveries/s | Postfix+Dovecot deliveries/s "
          "| ratio | tern CPU/msg | Postfix+Dovecot CPU/msg |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print("| %s | %.0f | %.0f | %.2fx | %.0f us | %.0f us |" % (
            r[0], r[1], r[5], r[1] / r[5] if r[5] else 0, r[4] * 1e6,
            r[8] * 1e6))
    print("| plain, sieve.enable = no (tern only) | %.0f | | | %.0f us | |"
          % (base[0], base[1] * 1e6))
    print()
    print("Sieve off: tern accepted %d failed %d, all in INBOX %s"
          % (base[2], base[3], "yes" if all(
              list(f) == ["INBOX"] for f in base[4].values()) else "no"))
    for r in rows:
        print("%s: tern accepted %d failed %d (sieve errors logged %d); "
              "Postfix accepted %d failed %d in %.2f s, all delivered %s"
              % (r[0], r[2], r[3], r[10], r[6], r[7], r[9],
                 "yes" if anchor.delivered() >= expect else "no"))
    # the anchor's folders hold both configurations' mail: compare the
    # first (plain) run's, read before the second
    agree = maps["anchor"] == maps["tern-plain"]
    print("anchor folders (plain run): %s" % maps["anchor"])
    print("tern folders (plain run):   %s" % maps["tern-plain"])
    if "tern-rspamd" in maps:
        print("tern folders (rspamd run):  %s" % maps["tern-rspamd"])
        agree = agree and maps["tern-rspamd"] == maps["tern-plain"]
    print("folders agree: %s" % ("yes" if agree else "no"))
    print("load after: %s" % (os.getloadavg(),))


if __name__ == "__main__":
    main()
