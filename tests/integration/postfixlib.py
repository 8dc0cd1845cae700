"""postfixlib - a private Debian Postfix with OpenDKIM milters, on
loopback, for the DKIM interop tests and bench/dkim-bench.py.

  OpenDKIM(dir, mode, ...)   one opendkim milter (Mode s or v) on
                             127.0.0.1:<port>, DNS from a test unbound
  Postfix(dir, listeners, ...)  a Postfix instance of its own (config,
                             queue, data, log, Maildirs under dir; the
                             system instance in /etc/postfix is neither
                             read nor started), one smtpd per listener
                             with its own milter

Postfix runs as root (its master) and as the user postfix (its
daemons): dir must be traversable by postfix, so it is made under /tmp
with mode 0755 by make_dir(), not under pytest's private tmp_path."""
import os
import shutil
import socket
import subprocess
import tempfile
import time

POSTFIX = "/usr/sbin/postfix"
OPENDKIM = "/usr/sbin/opendkim"
GENKEY = "/usr/sbin/opendkim-genkey"


def available():
    return all(os.access(p, os.X_OK) for p in (POSTFIX, OPENDKIM, GENKEY))


def make_dir(prefix="tern-pf-"):
    d = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
    os.chmod(d, 0o755)
    return d


def free_port(host="127.0.0.1"):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_port(host, port, timeout=60, proc=None, what=""):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError("%s exited with %s" % (what, proc.returncode))
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("%s not listening on %s:%d" % (what, host, port))


def genkey_rsa(dir, domain, selector):
    """opendkim-genkey: (private key path, TXT value of the record)"""
    subprocess.run([GENKEY, "-b", "2048", "-d", domain, "-s", selector,
                    "-D", dir], check=True, capture_output=True, timeout=120)
    txt = open(os.path.join(dir, selector + ".txt")).read()
    value = "".join(__import__("re").findall(r'"([^"]*)"', txt))
    return os.path.join(dir, selector + ".private"), value


def genkey_ed25519(dir, selector):
    """opendkim-genkey makes RSA only: an Ed25519 PEM from openssl and
    its RFC 8463 record (the raw 32-byte public key)"""
    import base64
    path = os.path.join(dir, selector + ".private")
    subprocess.run(["openssl", "genpkey", "-algorithm", "ED25519", "-out",
                    path], check=True, capture_output=True, timeout=60)
    os.chmod(path, 0o600)
    der = subprocess.run(["openssl", "pkey", "-in", path, "-pubout",
                          "-outform", "DER"], check=True,
                         capture_output=True, timeout=60).stdout
    return path, "v=DKIM1; k=ed25519; p=" + base64.b64encode(der[-32:]).decode()


class OpenDKIM:
    """keys: [(domain, selector, private key path)] to sign with (Mode
    s, every key signs mail from its domain) by algorithm: OpenDKIM 2.11
    signs ed25519-sha256, but with one SignatureAlgorithm per instance,
    so RSA and Ed25519 signatures side by side take two milters in a
    row; dns: [(name, TXT value)], the key records it may look up."""

    def __init__(self, dir, mode, dns=(), keys=(), authserv_id="pf.local",
                 algorithm="rsa-sha256"):
        self.dir = dir
        os.makedirs(dir, exist_ok=True)
        self.port = free_port()
        self.log = os.path.join(dir, "opendkim.log")
        # OpenDKIM signs mail from InternalHosts and verifies the rest:
        # the signer's clients are 127.0.0.1, the verifier's none
        hosts = os.path.join(dir, "internal-hosts")
        with open(hosts, "w") as f:
            f.write("127.0.0.1\n" if mode == "s" else "192.0.2.1\n")
        # its DNS answers from a file (TestDNSData): pointed at the test
        # unbound with ResolverConfiguration its lookups failed (key not
        # found); a file also keeps every question off the host's resolver
        data = os.path.join(dir, "dns-data")
        with open(data, "w") as f:
            for name, value in dns:
                f.write("%s %s\n" % (name, value))
        lines = ["Mode %s" % mode, "Socket inet:%d@127.0.0.1" % self.port,
                 "Background no", "Syslog no", "LogWhy yes",
                 "UMask 007", "Canonicalization relaxed/relaxed",
                 "SignatureAlgorithm %s" % algorithm,
                 # the keys are under /tmp (world-writable): not "safe"
                 "RequireSafeKeys no",
                 "AuthservID %s" % authserv_id,
                 "TestDNSData file:%s" % data,
                 "PidFile %s" % os.path.join(dir, "opendkim.pid"),
                 "InternalHosts %s" % hosts, "On-BadSignature accept",
                 "On-NoSignature accept", "On-KeyNotFound accept",
                 "On-DNSError accept", "On-InternalError accept",
                 "On-Security accept", "On-SignatureError accept"]
        if keys:
            kt = os.path.join(dir, "KeyTable")
            st = os.path.join(dir, "SigningTable")
            with open(kt, "w") as k, open(st, "w") as s:
                for dom, sel, path in keys:
                    name = "%s._domainkey.%s" % (sel, dom)
                    k.write("%s %s:%s:%s\n" % (name, dom, sel, path))
                    s.write("*@%s %s\n" % (dom, name))
            lines += ["KeyTable file:%s" % kt,
                      "SigningTable refile:%s" % st]
        self.conf = os.path.join(dir, "opendkim.conf")
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.logf = open(self.log, "ab")
        # -f: foreground; root keeps it able to read the 0600 keys
        self.proc = subprocess.Popen([OPENDKIM, "-f", "-x", self.conf],
                                     stdout=self.logf, stderr=self.logf)
        wait_port("127.0.0.1", self.port, proc=self.proc, what="opendkim")

    @property
    def milter(self):
        return "inet:127.0.0.1:%d" % self.port

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()


MASTER = """\
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


class Postfix:
    """listeners: [(address, port, milter or None, extra -o values)];
    mailbox_domain: delivered to Maildirs, users: its local parts;
    relayhost: where everything else goes ("[127.0.0.1]:2525")."""

    def __init__(self, dir, listeners, mailbox_domain, users, relayhost=None,
                 extra_main="", extra_master="", uid=5000):
        self.dir = dir
        self.etc = os.path.join(dir, "etc")
        self.mail = os.path.join(dir, "mail")
        self.logp = os.path.join(dir, "log", "maillog")
        for sub in ("etc", "queue", "data", "mail", "log"):
            os.makedirs(os.path.join(dir, sub), exist_ok=True)
        shutil.chown(os.path.join(dir, "data"), "postfix", "postfix")
        os.chown(self.mail, uid, uid)
        # inet_interfaces: addresses on an interface (lo has 127.0.0.1
        # only); each listener below binds its own address
        main = """\
compatibility_level = 3.6
queue_directory = {d}/queue
data_directory = {d}/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
shlib_directory = /usr/lib/postfix
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
syslog_name = postfix-tern-test
maillog_file_prefixes = {d}/log
maillog_file = {d}/log/maillog
myhostname = pf.local
mydomain = pf.local
myorigin = $myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
alias_maps =
alias_database =
local_recipient_maps =
biff = no
smtputf8_enable = no
virtual_mailbox_domains = {dom}
virtual_mailbox_base = {d}/mail
virtual_mailbox_maps = hash:{d}/etc/vmailbox
virtual_uid_maps = static:{uid}
virtual_gid_maps = static:{uid}
virtual_minimum_uid = 100
virtual_mailbox_limit = 0
message_size_limit = 52428800
milter_default_action = tempfail
milter_protocol = 6
smtp_dns_support_level = disabled
{transport}
{extra}
""".format(d=dir, dom=mailbox_domain, uid=uid,
           transport=("relayhost = %s\ndefault_transport = smtp" % relayhost)
           if relayhost else "default_transport = error",
           extra=extra_main)
        with open(os.path.join(self.etc, "main.cf"), "w") as f:
            f.write(main)
        # each user to its own Maildir, in every mailbox domain
        with open(os.path.join(self.etc, "vmailbox"), "w") as f:
            for dom in mailbox_domain.replace(",", " ").split():
                for u in users:
                    f.write("%s@%s %s/Maildir/\n" % (u, dom, u))
        subprocess.run(["/usr/sbin/postmap", "-c", self.etc,
                        "hash:" + os.path.join(self.etc, "vmailbox")],
                       check=True, capture_output=True, timeout=120)
        master = ""
        for addr, port, milter, opts in listeners:
            master += "%s:%d inet n - n - - smtpd\n" % (addr, port)
            if milter:
                master += "  -o smtpd_milters=%s\n" % milter
            for o in opts:
                master += "  -o %s\n" % o
        with open(os.path.join(self.etc, "master.cf"), "w") as f:
            f.write(master + MASTER + extra_master)
        self.listeners = listeners
        for cmd in ("check", "start"):
            p = subprocess.run([POSTFIX, "-c", self.etc, cmd], text=True,
                               capture_output=True, timeout=120)
            assert p.returncode == 0, "postfix %s: %s%s%s" % (
                cmd, p.stdout, p.stderr, self.log()[-2000:])
        for addr, port, _, _ in listeners:
            wait_port(addr, port, what="postfix smtpd")

    def maildir(self, user):
        """the messages delivered to user@<mailbox_domain>, oldest first"""
        new = os.path.join(self.mail, user, "Maildir", "new")
        if not os.path.isdir(new):
            return []
        names = sorted(os.listdir(new),
                       key=lambda n: os.stat(os.path.join(new, n)).st_mtime_ns)
        return [open(os.path.join(new, n), "rb").read() for n in names]

    def log(self):
        try:
            return open(self.logp, errors="replace").read()
        except FileNotFoundError:
            return ""

    def stop(self):
        subprocess.run([POSTFIX, "-c", self.etc, "stop"],
                       capture_output=True, timeout=120)
        # the master exits a moment after "stop": wait for its pid file
        pid = os.path.join(self.dir, "queue", "pid", "master.pid")
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                n = int(open(pid).read().strip())
                os.kill(n, 0)
            except (FileNotFoundError, ValueError, ProcessLookupError):
                return
            time.sleep(0.1)
