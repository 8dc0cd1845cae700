"""cyruslib - a private Cyrus IMAP server (Debian's Cyrus 3.6 packages) with
its JMAP (httpd, httpmodules: jmap) for differential tests.

    c = Cyrus()                    # imapd.conf, cyrus.conf, not started
    c.start()                      # master -D on free loopback ports
    c.create_user("alice")         # user/alice with the special-use folders
    c.stop()                       # SIGTERM, waits; removes its folder

Nothing of the system's Cyrus is used but its binaries: configdirectory,
the partition, sockets, locks and the log live in a fresh folder under
the temporary directory (master drops to the `cyrus` user, who must
reach it); only 127.0.0.1 on free high ports listens; the system service
is never touched. Passwords are not checked (sasl_pwcheck_method:
alwaystrue): the test server is reachable from loopback only, for the
time of one test module.
"""
import http.client
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time

from jmap_client import JmapClient
from ternlib import free_ports, terminate

CYRUS_BIN = "/usr/lib/cyrus/bin"
# cyrus-imapd conflicts with dovecot-imapd (both are imap-server), which
# other tests need: scripts/install-deps.sh unpacks its imapd and
# squatter here instead of installing it (cyrus-common gives master,
# cyrus-caldav httpd)
IMAPD_DIR = "/usr/local/lib/tern-test/cyrus-imapd/usr/lib/cyrus/bin"
MASTER = os.path.join(CYRUS_BIN, "master")
ADMIN = "admin"
PASSWORD = "any-password"


def _bin(name):
    for d in (CYRUS_BIN, IMAPD_DIR):
        if os.path.exists(os.path.join(d, name)):
            return os.path.join(d, name)
    raise AssertionError("no Cyrus %s in %s or %s (scripts/install-deps.sh test)"
                         % (name, CYRUS_BIN, IMAPD_DIR))


class Cyrus:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="tern-cyrus-")
        self.imap_port, self.http_port = free_ports(2)
        self.proc = None
        os.chmod(self.dir, 0o755)
        for sub in ("conf", "spool", "search", "run", "run/socket", "run/lock",
                    "run/proc", "sieve"):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
        self.conf = os.path.join(self.dir, "imapd.conf")
        self.master_conf = os.path.join(self.dir, "cyrus.conf")
        self.log_path = os.path.join(self.dir, "master.log")
        with open(self.conf, "w") as f:
            f.write(IMAPD_CONF % dict(dir=self.dir))
        with open(self.master_conf, "w") as f:
            f.write(CYRUS_CONF % dict(dir=self.dir, conf=self.conf, imapd=_bin("imapd"),
                                      httpd=_bin("httpd"),
                                      imap=self.imap_port, http=self.http_port))
        if os.geteuid() == 0:
            pw = pwd.getpwnam("cyrus")
            for root, dirs, files in os.walk(self.dir):
                for n in dirs + files:
                    os.chown(os.path.join(root, n), pw.pw_uid, pw.pw_gid)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)

    def start(self, timeout=60):
        self.proc = subprocess.Popen([MASTER, "-D", "-C", self.conf, "-M", self.master_conf,
                                      "-p", os.path.join(self.dir, "run", "master.pid")],
                                     stdout=open(self.log_path, "ab"),
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        for port in (self.imap_port, self.http_port):
            while True:
                if self.proc.poll() is not None:
                    raise AssertionError("cyrus master exited: %s" % self.log())
                try:
                    socket.create_connection(("127.0.0.1", port), 1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise AssertionError("cyrus did not start: %s" % self.log())
                    time.sleep(0.1)

    def imap(self, user=ADMIN):
        m = imaplib.IMAP4("127.0.0.1", self.imap_port)
        m.login(user, PASSWORD)
        return m

    def create_user(self, user, folders=(("Drafts", "\\Drafts"), ("Sent", "\\Sent"),
                                          ("Trash", "\\Trash"), ("Junk", "\\Junk"),
                                          ("Archive", "\\Archive"))):
        """user/<user> (its INBOX) created by the admin, then the user's
        special-use folders (RFC 6154 CREATE-SPECIAL-USE) by the user, all
        subscribed."""
        m = self.imap()
        typ, data = m.create("user/%s" % user)
        assert typ == "OK", data
        m.logout()
        m = self.imap(user)
        for name, use in folders:
            typ, data = m._simple_command("CREATE", name, "(USE (%s))" % use)
            assert typ == "OK", (name, data)
        # subscribed, as a new account's folders are in tern
        for name in ["INBOX"] + [n for n, _ in folders]:
            typ, data = m.subscribe(name)
            assert typ == "OK", (name, data)
        m.logout()

    def squatter(self):
        """Index every mailbox for search (Email/query text, SearchSnippet)."""
        cmd = [_bin("squatter"), "-C", self.conf, "-i"]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "cyrus", "--"] + cmd
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, (r.stdout, r.stderr)

    def stop(self, timeout=30):
        """SIGTERM to master; returns its exit status (None if never
        started)"""
        rc = terminate(self.proc, timeout)
        shutil.rmtree(self.dir, ignore_errors=True)
        return rc

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")[-5000:]
        except FileNotFoundError:
            return ""


IMAPD_CONF = """\
configdirectory: %(dir)s/conf
defaultpartition: default
partition-default: %(dir)s/spool
search_engine: xapian
defaultsearchtier: t1
t1searchpartition-default: %(dir)s/search
search_index_headers: yes
proc_path: %(dir)s/run/proc
mboxname_lockpath: %(dir)s/run/lock
lmtpsocket: %(dir)s/run/socket/lmtp
idlesocket: %(dir)s/run/socket/idle
notifysocket: %(dir)s/run/socket/notify
sievedir: %(dir)s/sieve
admins: admin
altnamespace: yes
unixhierarchysep: yes
virtdomains: off
allowplaintext: yes
sasl_pwcheck_method: alwaystrue
sasl_mech_list: PLAIN LOGIN
httpmodules: jmap
httpallowcompress: no
conversations: 1
conversations_db: twoskip
jmap_nonstandard_extensions: no
syslog_prefix: cyrus-tern-test
"""

CYRUS_CONF = """\
START {
  recover cmd="ctl_cyrusdb -C %(conf)s -r"
}
SERVICES {
  imap cmd="%(imapd)s -C %(conf)s" listen="127.0.0.1:%(imap)d" prefork=0
  http cmd="%(httpd)s -C %(conf)s" listen="127.0.0.1:%(http)d" prefork=0
}
EVENTS {
}
DAEMON {
}
"""


class CyrusJmapClient(JmapClient):
    """jmap_client.JmapClient over plain HTTP to Cyrus's httpd (its
    /.well-known/jmap only redirects to /jmap/, the Session resource,
    whose apiUrl is /jmap/ too)."""
    session_path = "/jmap/"
    api_path = "/jmap/"

    def __init__(self, cyrus, user, timeout=30):
        JmapClient.__init__(self, cyrus, user, PASSWORD, timeout=timeout)

    def connection(self, fresh=False):
        if fresh or self._conn is None:
            c = http.client.HTTPConnection("127.0.0.1", self.tern.http_port,
                                           timeout=self.timeout)
            if fresh:
                return c
            self._conn = c
        return self._conn
