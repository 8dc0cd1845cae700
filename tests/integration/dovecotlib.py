"""dovecotlib - a private Dovecot IMAP server for side-by-side tests.

    d = Dovecot()                  # config, passwd-file user, not started
    d.start()                      # dovecot -F on a free loopback port
    imaplib.IMAP4("127.0.0.1", d.port)
    d.stop()                       # SIGTERM, waits; removes its folder

Nothing of the system's Dovecot is used but its binaries: the config,
base_dir, logs and mail (maildir) live in a fresh folder of its own
under the temporary directory (its unprivileged processes must reach
it, which a test's private tmp_path does not allow), only
127.0.0.1 on a free high port listens, and the system service is never
touched. Run as root, mail belongs to `nobody`; otherwise to the caller.
"""
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time

from ternlib import free_port, terminate

DOVECOT_BIN = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER = "alice@example.test"
PASSWORD = "alice-secret-pw"
USER2 = "bob@example.test"
PASSWORD2 = "bob-secret-pw"


def available():
    return os.path.exists(DOVECOT_BIN) and os.path.exists("/usr/lib/dovecot/imap")


class Dovecot:
    def __init__(self, acl=False, extra="", dir=None):
        """acl: Dovecot's acl plugin (vfile) with a second user and a
        shared namespace "shared/<user>/" (separator "/"), as tern's;
        extra: config text appended to ours (a later setting wins);
        dir: a folder kept after stop() (a benchmark's indexed mail is
        reused by its next run) instead of a temporary one"""
        self.keep = dir is not None
        self.dir = dir if dir is not None else tempfile.mkdtemp(prefix="tern-dovecot-")
        self.port = free_port()
        self.proc = None
        os.makedirs(self.dir, exist_ok=True)
        if os.geteuid() == 0:
            pw = pwd.getpwnam("nobody")
            internal = login = "dovenull" if _has_user("dovenull") else "nobody"
            internal = "dovecot" if _has_user("dovecot") else internal
        else:
            pw = pwd.getpwuid(os.getuid())
            internal = login = pw.pw_name
        home = os.path.join(self.dir, "home")
        os.makedirs(home, exist_ok=True)
        os.chown(home, pw.pw_uid, pw.pw_gid)
        # the run folder must be reachable by the unprivileged processes
        os.chmod(self.dir, 0o755)
        with open(os.path.join(self.dir, "passwd"), "w") as f:
            f.write("%s:{PLAIN}%s::::::\n" % (USER, PASSWORD))
            if acl:
                f.write("%s:{PLAIN}%s::::::\n" % (USER2, PASSWORD2))
        self.conf = os.path.join(self.dir, "dovecot.conf")
        self.log_path = os.path.join(self.dir, "dovecot.log")
        with open(self.conf, "w") as f:
            conf = CONF
            if acl:
                # the shared namespace looks other users up in userdb
                conf = conf.replace("home=%(home)s/%%u\n",
                                    "home=%(home)s/%%u allow_all_users=yes\n")
            f.write(conf % dict(dir=self.dir, port=self.port, uid=pw.pw_uid,
                                gid=pw.pw_gid, internal=internal,
                                login=login, home=home))
            if acl:
                f.write(ACL_CONF % dict(dir=self.dir, home=home))
            f.write(extra)

    def start(self, timeout=60):
        self.proc = subprocess.Popen([DOVECOT_BIN, "-F", "-c", self.conf],
                                     stdout=open(self.log_path + ".out", "ab"),
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("dovecot exited: %s" % self.log())
            try:
                with socket.create_connection(("127.0.0.1", self.port), 1) as s:
                    s.settimeout(10)
                    if s.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("dovecot did not start: %s" % self.log())

    def stop(self, timeout=60):
        terminate(self.proc, timeout)
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    def log(self):
        out = ""
        for p in (self.log_path, self.log_path + ".out"):
            try:
                with open(p, "rb") as f:
                    out += f.read().decode("utf-8", "replace")
            except FileNotFoundError:
                pass
        return out[-5000:]


# extra config: "/" as the hierarchy separator, as tern's (Maildir's
# default is "."), so that mailbox names compare as they are
SLASH_SEPARATOR = """
mail_location = maildir:%h/Maildir:LAYOUT=fs
namespace inbox {
  inbox = yes
  separator = /
}
"""

# extra config: METADATA (RFC 5464) with entries in a file dict
METADATA = """
mail_attribute_dict = file:%h/dovecot-attributes
protocol imap {
  imap_metadata = yes
}
"""


def _has_user(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


CONF = """\
base_dir = %(dir)s/run
state_dir = %(dir)s/state
log_path = %(dir)s/dovecot.log
instance_name = tern-test-%(port)d
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = %(internal)s
default_login_user = %(login)s
first_valid_uid = 1
mail_location = maildir:%(home)s/%%u/Maildir
passdb {
  driver = passwd-file
  args = scheme=PLAIN %(dir)s/passwd
}
userdb {
  driver = static
  args = uid=%(uid)d gid=%(gid)d home=%(home)s/%%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = %(port)d
  }
  inet_listener imaps {
    port = 0
  }
}
service stats {
  unix_listener stats-reader {
    mode = 0666
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
"""

# the acl plugin with its vfile backend; bob sees alice's mailboxes as
# shared/alice@example.test/<name> (Dovecot's documented shared namespace)
ACL_CONF = """\
mail_plugins = $mail_plugins acl
protocol imap {
  mail_plugins = $mail_plugins imap_acl
}
plugin {
  acl = vfile
  acl_shared_dict = file:%(home)s/shared-mailboxes.db
}
namespace inbox {
  inbox = yes
  separator = /
}
namespace {
  type = shared
  separator = /
  prefix = shared/%%%%u/
  location = maildir:%(home)s/%%%%u/Maildir:INDEXPVT=%(home)s/%%%%n/shared/%%%%u
  subscriptions = no
  list = children
}
"""
