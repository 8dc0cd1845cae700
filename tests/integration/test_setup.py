"""Setting up a real server: `tern init` (where the mail goes, the run
user, the key's permissions), the checks `tern serve` makes before it
binds anything, and kill -HUP loading a renewed certificate after root
was dropped."""
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time

import pytest

from ternlib import TERN_BIN, Tern, free_port, run_user

needs_root = pytest.mark.skipif(os.geteuid() != 0,
                                reason="needs root (users, /etc, dropping root)")


def tern_cmd(*args, wrap=(), cwd=None):
    return subprocess.run([*wrap, TERN_BIN, *args], capture_output=True,
                          text=True, timeout=60, cwd=cwd)


def fresh_system(tmp_path):
    """A command prefix running its command in a private mount namespace
    where /etc is an overlay on the real one (users added and files
    written there vanish with the test) and /var/lib is an empty folder
    of the test: a fresh server, as far as `tern init` can tell. Commands
    run one after another (one overlay mount at a time)."""
    base = tmp_path / "system"
    for d in ("etc-upper", "etc-work", "var-lib"):
        (base / d).mkdir(parents=True, exist_ok=True)
    script = ("mount -t overlay overlay -o lowerdir=/etc,upperdir=%s,workdir=%s /etc"
              " && mount --bind %s /var/lib && exec \"$@\"" %
              (base / "etc-upper", base / "etc-work", base / "var-lib"))
    wrap = ["unshare", "-m", "--propagation", "private", "sh", "-ec", script, "sh"]
    p = subprocess.run([*wrap, "true"], capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        pytest.skip("cannot make a private mount namespace here: " + p.stderr)
    return wrap


def sh(wrap, cmd):
    p = subprocess.run([*wrap, "sh", "-c", cmd], capture_output=True, text=True,
                       timeout=60)
    return p


def stat_line(wrap, path):
    return sh(wrap, "stat -c '%U:%G %a' " + path).stdout.strip()


# ----------------------------------------------------------------------
# tern init


@needs_root
def test_init_for_a_real_domain_on_a_fresh_server(tmp_path):
    """The README's command: the config in /etc/tern, the mail in
    /var/lib/tern owned by a `tern` system user init creates."""
    wrap = fresh_system(tmp_path)
    p = sh(wrap, "if getent passwd tern >/dev/null; then userdel tern; fi; "
                 "if getent group tern >/dev/null; then groupdel tern; fi")
    assert p.returncode == 0, p.stderr
    p = tern_cmd("init", "/etc/tern", "--domain", "example.org",
                 "--hostname", "mail.example.org", wrap=wrap)
    assert p.returncode == 0, p.stderr
    assert "Created system user tern" in p.stdout
    conf = sh(wrap, "cat /etc/tern/tern.conf").stdout
    assert re.search(r"(?m)^data_dir = /var/lib/tern$", conf), conf
    assert re.search(r"(?m)^user = tern$", conf), conf
    name, _, uid, _, _, home, shell = sh(wrap, "getent passwd tern").stdout.strip().split(":")
    assert int(uid) < 1000 and home == "/nonexistent" and shell == "/usr/sbin/nologin"
    # mail is not under /etc; the run user owns it
    assert sh(wrap, "test -e /etc/tern/data").returncode != 0
    assert stat_line(wrap, "/var/lib/tern") == "tern:tern 750"
    assert stat_line(wrap, "/var/lib/tern/tern.db").startswith("tern:tern ")
    # the run user's group can read the key again on kill -HUP
    assert stat_line(wrap, "/etc/tern/tls") == "root:tern 750"
    assert stat_line(wrap, "/etc/tern/tls/key.pem") == "root:tern 640"
    assert stat_line(wrap, "/etc/tern/tls/cert.pem") == "root:root 644"
    assert stat_line(wrap, "/etc/tern/tern.conf") == "root:tern 640"
    p = tern_cmd("-c", "/etc/tern/tern.conf", "domain", "list", wrap=wrap)
    assert p.returncode == 0 and p.stdout.split() == ["example.org"], p.stderr

    # a second init names the user that now exists; --data-dir chooses
    p = tern_cmd("init", "/etc/tern-b", "--domain", "example.org",
                 "--data-dir", "/var/lib/tern-b", wrap=wrap)
    assert p.returncode == 0, p.stderr
    assert "Created system user" not in p.stdout
    conf = sh(wrap, "cat /etc/tern-b/tern.conf").stdout
    assert re.search(r"(?m)^data_dir = /var/lib/tern-b$", conf), conf
    assert re.search(r"(?m)^user = tern$", conf), conf
    assert stat_line(wrap, "/var/lib/tern-b") == "tern:tern 750"

    # as root, staying root must be asked for by name
    p = tern_cmd("init", "/etc/tern-c", "--user", "", wrap=wrap)
    assert p.returncode == 2 and "--user root" in p.stderr
    p = tern_cmd("init", "/etc/tern-c", "--user", "no-such-user-x", wrap=wrap)
    assert p.returncode == 1 and "no user 'no-such-user-x'" in p.stderr


def test_init_in_an_ordinary_folder_keeps_its_data_beside_it(tmp_path):
    p = tern_cmd("init", str(tmp_path / "demo"), "--user", run_user())
    assert p.returncode == 0, p.stderr
    conf = (tmp_path / "demo" / "tern.conf").read_text()
    assert "\ndata_dir = %s\n" % (tmp_path / "demo" / "data") in conf
    assert (tmp_path / "demo" / "data" / "tern.db").exists()
    # --data-dir, relative to where init runs, is written absolute
    p = tern_cmd("init", "other", "--user", run_user(), "--data-dir", "mail",
                 cwd=str(tmp_path))
    assert p.returncode == 0, p.stderr
    conf = (tmp_path / "other" / "tern.conf").read_text()
    assert "\ndata_dir = %s\n" % (tmp_path / "mail") in conf
    assert (tmp_path / "mail" / "tern.db").exists()


def test_lines_appended_to_the_init_config_are_top_level(tmp_path):
    d = tmp_path / "d"
    p = tern_cmd("init", str(d), "--user", run_user())
    assert p.returncode == 0, p.stderr
    conf = d / "tern.conf"
    with open(conf, "a") as f:
        f.write("listen = smtp 127.0.0.1:%d plain\n" % free_port())
        f.write("[imap]\nmax_args = 50\n[global]\n")
        f.write("listen = pop3 127.0.0.1:%d plain\n" % free_port())
    p = tern_cmd("-c", str(conf), "domain", "list")
    assert p.returncode == 0, p.stderr


# ----------------------------------------------------------------------
# tern serve: configuration errors, found before anything is bound


def replace_line(text, pattern, new):
    """text with the line matching pattern replaced by new; the line number."""
    lines = text.split("\n")
    for i, l in enumerate(lines):
        if re.match(pattern, l):
            lines[i] = re.sub(pattern + ".*", new, l)
            return "\n".join(lines), i + 1
    raise AssertionError("no line %r in:\n%s" % (pattern, text))


def appended(text, lines):
    """text + lines; the number of the last line."""
    text = text.rstrip("\n") + "\n" + lines
    return text, text.rstrip("\n").count("\n") + 1


STARTUP_ERRORS = {
    "log_level": (lambda t: replace_line(t, r"log_level = ", "log_level = loud"),
                  "log_level: expected"),
    "version": (lambda t: replace_line(t, r"version = ", "version = 2"),
                "version: this tern reads"),
    "relative_data_dir": (lambda t: replace_line(t, r"data_dir = ", "data_dir = data"),
                          "data_dir: must be an absolute path"),
    "tls_min_version": (lambda t: appended(t, "[tls]\nmin_version = TLSv1.0\n"),
                        "tls.min_version: expected"),
    "max_recipients": (lambda t: appended(t, "[smtp]\nmax_recipients = 0\n"),
                       "smtp.max_recipients: must be at least 1"),
    "duplicate_key": (lambda t: appended(t, "[global]\nhostname = again.test\n"),
                      "duplicate key 'hostname'"),
    "no_listen": (lambda t: appended(re.sub(r"(?m)^listen = .*\n", "", t), ""),
                  "no listen line"),
    "tls_ciphers": (lambda t: appended(t, "[tls]\nciphers = NO-SUCH-CIPHER\n"),
                    "tls.ciphers: no cipher this OpenSSL knows"),
    "dns_resolver": (lambda t: replace_line(t, r"resolver = ", "resolver = dns.example"),
                     "dns.resolver: expected ip[@port]"),
    "relay_host": (lambda t: appended(t, "[relay]\nrelay_host = [192.0.2.1\n"),
                   "relay.relay_host: expected host[:port]"),
    "missing_cert": (lambda t: replace_line(t, r"(tls\.)?cert = ",
                                            r"\1cert = /nonexistent/cert.pem"),
                     "tls.cert: /nonexistent/cert.pem: No such file or directory"),
    "unknown_user": (lambda t: replace_line(t, r"user = ", "user = no-such-user-tern-test"),
                     "user: 'no-such-user-tern-test' does not exist"),
    "empty_user": (lambda t: replace_line(t, r"user = ", "user = "),
                   "user: empty, but tern was started as root"),
}


@pytest.mark.parametrize("case", sorted(STARTUP_ERRORS))
def test_config_errors_stop_serve_before_binding(tmp_path, case):
    if case.endswith("_user") and os.geteuid() != 0:
        pytest.skip("the run user is checked only when started as root")
    t = Tern(tmp_path / "t")
    make, want = STARTUP_ERRORS[case]
    text, line = make(open(t.conf).read())
    bad = str(tmp_path / "bad.conf")
    with open(bad, "w") as f:
        f.write(text)
    # in the test's folder: a tern that took data_dir = data would make it here
    p = tern_cmd("-c", bad, "serve", cwd=str(tmp_path))
    out = p.stdout + p.stderr
    assert p.returncode == 3, out
    assert "%s:%d: %s" % (bad, line, want) in p.stderr, out
    # found before binding: no listener was opened
    assert "listening" not in out and "started config=" not in out, out
    # one clear line: said once, no OpenSSL error stack
    assert out.count(want) == 1 and "error:0" not in out, out


@needs_root
def test_staying_root_is_said_in_the_log(tern_factory):
    t = tern_factory(user="root")
    t.start()
    assert "running as root (user = root in %s)" % t.conf in t.log()
    assert t.stop() == 0


# ----------------------------------------------------------------------
# kill -HUP after dropping root


def served_cert(t, proto="imaps"):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", t.port(proto)), timeout=10) as raw:
        with ctx.wrap_socket(raw) as s:
            return s.getpeercert(binary_form=True)


def hup_and_wait(t, what):
    n = t.log().count(what)
    t.proc.send_signal(signal.SIGHUP)
    deadline = time.time() + 20
    while t.log().count(what) == n:
        assert t.proc.poll() is None, t.log()
        assert time.time() < deadline, "no %r after SIGHUP:\n%s" % (what, t.log())
        time.sleep(0.05)
    return [l for l in t.log().splitlines() if what in l][-1]


@needs_root
def test_sighup_loads_a_renewed_certificate_after_dropping_root(tmp_path):
    wrap = fresh_system(tmp_path)
    # a folder the tern user can reach (pytest's are private to root)
    d = tempfile.mkdtemp(prefix="tern-hup-")
    os.chmod(d, 0o755)
    t = None
    try:
        t = Tern(d, user="tern", wrap=wrap)
        key = os.path.join(d, "tls", "key.pem")
        key_gid = os.stat(key).st_gid
        t.start()
        assert "not readable by user" not in t.log()
        before = served_cert(t)

        # the renewed pair, written as a renewal tool would (root's files)
        p = tern_cmd("init", str(tmp_path / "new"), "--user", "root")
        assert p.returncode == 0, p.stderr
        new_cert = str(tmp_path / "new" / "tls" / "cert.pem")
        new = ssl.PEM_cert_to_DER_cert(open(new_cert).read())
        assert new != before
        os.replace(new_cert, t.cert)
        os.replace(str(tmp_path / "new" / "tls" / "key.pem"), key)
        os.chmod(key, 0o600)

        # a key the run user cannot read: one clear line, old one kept
        line = hup_and_wait(t, "reload failed")
        assert "tls.key: %s: Permission denied" % key in line, line
        assert "error:0" not in line
        assert served_cert(t) == before

        # given to the group, as init did: the new certificate is served
        os.chown(key, 0, key_gid)
        os.chmod(key, 0o640)
        hup_and_wait(t, "reloaded config=")
        assert served_cert(t) == new
        assert t.stop() == 0

        # started with a key only root reads: warned at startup
        os.chmod(key, 0o600)
        t.start()
        warn = [l for l in t.log()[t.log_offset:].splitlines()
                if "not readable by user tern" in l]
        assert len(warn) == 1 and "tls.key=%s" % key in warn[0], t.log()
        assert t.stop() == 0
    finally:
        if t is not None and t.proc is not None:
            t.kill()
        shutil.rmtree(d)
