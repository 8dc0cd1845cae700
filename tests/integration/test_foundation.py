"""The foundation: CLI, config errors, listeners, TLS, signals, limits."""
import os
import signal
import socket
import ssl
import subprocess

import pytest

from relaylib import wait_for
from ternlib import (TERN_BIN, Tern, free_port, run_cli, run_user,
                     sanitizer_reports)


def tern_cmd(*args, **kw):
    """Run tern; a sanitizer report fails whatever the exit status."""
    p = subprocess.run([TERN_BIN, *args], capture_output=True, text=True,
                       timeout=60, **kw)
    assert not sanitizer_reports(p.stderr), p.stderr
    return p


def test_version_and_help():
    p = tern_cmd("--version")
    assert p.returncode == 0 and p.stdout.startswith("tern ")
    p = tern_cmd("help")
    assert p.returncode == 0
    for cmd in ("init", "serve", "account", "domain", "alias"):
        assert cmd in p.stdout
    p = tern_cmd("frobnicate")
    assert p.returncode == 2 and "unknown command" in p.stderr
    p = tern_cmd("--bogus")
    assert p.returncode == 2


def test_init_writes_a_working_server(tmp_path):
    # pytest's temp folders are private to the user running it
    p = tern_cmd("init", str(tmp_path / "d"), "--domain", "init.test", "--user", run_user())
    assert p.returncode == 0, p.stderr
    assert "tern.conf" in p.stdout and "account add" in p.stdout
    conf = tmp_path / "d" / "tern.conf"
    assert conf.exists()
    assert (tmp_path / "d" / "tls" / "key.pem").stat().st_mode & 0o077 == 0
    # the domain is there, -c after the command name works too
    p = tern_cmd("domain", "list", "-c", str(conf))
    assert p.returncode == 0 and p.stdout.split() == ["init.test"]
    # init refuses to overwrite
    p = tern_cmd("init", str(tmp_path / "d"))
    assert p.returncode == 1 and "already exists" in p.stderr
    p = tern_cmd("init")
    assert p.returncode == 2


def test_config_errors_name_the_line(tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text("version = 1\n\n[smtp]\nmax_message_size = huge\n")
    p = tern_cmd("-c", str(conf), "serve")
    assert p.returncode == 3
    assert "%s:4: smtp.max_message_size" % conf in p.stderr
    conf.write_text("listen = imap 127.0.0.1:1 starttls\n")
    p = tern_cmd("-c", str(conf), "serve")
    assert p.returncode == 3 and ":1: listener uses TLS" in p.stderr
    p = tern_cmd("-c", str(tmp_path / "missing.conf"), "serve")
    assert p.returncode == 3 and "cannot open" in p.stderr


def test_account_cli_errors(tmp_path):
    t = Tern(tmp_path)
    t.add_account("carol@example.test", "carol-pw-123")
    out = t.cli("account", "list").stdout
    assert out.startswith("carol@example.test ")
    p = t.cli("account", "add", "carol@example.test", "--password-stdin",
              input="x-pw-123456\n", check=False)
    assert p.returncode == 1 and "carol@example.test" in p.stderr
    p = t.cli("account", "add", "dave@elsewhere.test", "--password-stdin",
              input="x-pw-123456\n", check=False)
    assert p.returncode == 1
    p = t.cli("account", "add", "not an address", "--password-stdin",
              input="x-pw-123456\n", check=False)
    assert p.returncode == 1
    p = t.cli("account", "add", "erin@example.test", "--password-stdin",
              input="", check=False)
    assert p.returncode == 1 and "no password" in p.stderr
    p = t.cli("account", "remove", "nobody@example.test", check=False)
    assert p.returncode == 1
    t.cli("alias", "add", "info@example.test", "carol@example.test")
    assert "info@example.test -> carol@example.test" in t.cli("alias", "list").stdout
    t.cli("account", "quota", "carol@example.test", "10M", "1000")
    assert "quota_bytes=10485760" in t.cli("account", "list").stdout
    p = t.cli("account", "quota", "carol@example.test", "lots", "1", check=False)
    assert p.returncode == 2
    t.cli("account", "remove", "carol@example.test")
    assert "carol" not in t.cli("account", "list").stdout


def test_listener_that_cannot_bind_is_a_startup_error(tmp_path):
    t = Tern(tmp_path)
    proto = next(iter(t.ports))
    # The kernel may hand out a port the other listeners were given (they
    # are not held open until serve); such a config is a different error.
    others = set(t.ports.values()) - {t.ports[proto]}
    for _ in range(20):
        busy = socket.socket()
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        if port not in others:
            break
        busy.close()
    assert port not in others
    t.ports[proto] = port
    t.rewrite()
    p = tern_cmd("-c", t.conf, "serve")
    busy.close()
    assert p.returncode == 1
    assert "cannot listen" in p.stderr and ":%d" % port in p.stderr
    assert "address already in use" in p.stderr


def test_graceful_shutdown_exits_zero(tern):
    s = tern.connect("smtp")
    assert s.recv(100).startswith(b"220 ")  # the session is there
    # an open session does not keep it from stopping (stop()'s deadline)
    assert tern.stop(signal.SIGTERM) == 0
    s.close()
    log = tern.log()
    assert "shutting down" in log and "tern stopped" in log


def test_sigint_also_stops(tern):
    assert tern.stop(signal.SIGINT) == 0


def implicit_tls_proto(t):
    assert t.listening("imaps"), t.log()
    return "imaps"


def test_implicit_tls_handshake(tern):
    proto = implicit_tls_proto(tern)
    ctx = tern.ssl_context()
    with socket.create_connection(("127.0.0.1", tern.port(proto)), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            assert s.version() in ("TLSv1.2", "TLSv1.3")
            greeting = s.recv(1024)
            assert greeting
    assert "tls established" in tern.log()


def test_old_tls_refused(tern):
    proto = implicit_tls_proto(tern)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.maximum_version = ssl.TLSVersion.TLSv1_1
        ctx.set_ciphers("ALL:@SECLEVEL=0")
    except (ValueError, ssl.SSLError):
        pytest.skip("this OpenSSL cannot even offer TLS 1.1")
    with socket.create_connection(("127.0.0.1", tern.port(proto)), timeout=10) as raw:
        with pytest.raises((ssl.SSLError, ConnectionResetError, OSError)):
            with ctx.wrap_socket(raw) as s:
                s.recv(10)
    # the server is still fine
    with socket.create_connection(("127.0.0.1", tern.port(proto)), timeout=10) as raw:
        with tern.ssl_context().wrap_socket(raw) as s:
            assert s.recv(1024)


def test_tls_garbage_does_not_hurt(tern):
    proto = implicit_tls_proto(tern)
    s = tern.connect(proto)
    s.sendall(b"\x16\x03\x01\x00\x05hello" + os.urandom(3000))
    try:
        s.recv(100)
    except OSError:
        pass
    s.close()
    with socket.create_connection(("127.0.0.1", tern.port(proto)), timeout=10) as raw:
        with tern.ssl_context().wrap_socket(raw) as s2:
            assert s2.recv(1024)
    assert "tls handshake failed" in tern.log()


def cert_serial(t, proto):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", t.port(proto)), timeout=10) as raw:
        with ctx.wrap_socket(raw) as s:
            return s.getpeercert(binary_form=True)


def test_sighup_reloads_certificate(tern, tmp_path):
    proto = implicit_tls_proto(tern)
    before = cert_serial(tern, proto)
    other = tmp_path / "other"
    p = tern_cmd("init", str(other), "--domain", "example.test", "--user", run_user())
    assert p.returncode == 0
    os.replace(other / "tls" / "cert.pem", tern.cert)
    os.replace(other / "tls" / "key.pem", os.path.join(tern.dir, "tls", "key.pem"))
    tern.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: "reloaded" in tern.log(), timeout=60, what="reload")
    assert cert_serial(tern, proto) != before


def test_sighup_with_broken_config_keeps_running(tern):
    with open(tern.conf, "a") as f:
        f.write("\nbogus_key = 1\n")
    tern.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: "reload failed" in tern.log(), timeout=60, what="reload failure")
    assert tern.proc.poll() is None


def test_per_ip_connection_limit(tern_factory):
    t = tern_factory(extra="[server]\nmax_connections_per_ip = 2\n")
    t.start()
    proto = "smtp"
    a, b = t.connect(proto), t.connect(proto)
    a.recv(100)
    b.recv(100)
    c = t.connect(proto)
    reply = c.recv(200)
    assert reply == b"" or b"oo many" in reply
    for s in (a, b, c):
        s.close()
    assert "too-many-connections" in t.log()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to test dropping it")
def test_root_drops_to_configured_user():
    import pwd
    import shutil
    import tempfile
    # pytest's own temp folders are private to root: use one nobody can enter
    d = tempfile.mkdtemp(prefix="tern-drop-")
    os.chmod(d, 0o755)
    t = Tern(d, user="nobody")
    try:
        t.start()
        with open("/proc/%d/status" % t.proc.pid) as f:
            uid_line = next(l for l in f if l.startswith("Uid:"))
        nobody = pwd.getpwnam("nobody").pw_uid
        assert uid_line.split()[1:] == [str(nobody)] * 4
        assert os.stat(t.data_dir).st_uid == nobody
        assert t.stop() == 0
    finally:
        try:
            t.finish()
        finally:
            shutil.rmtree(d)


def test_starttls_upgrade(tern):
    import smtplib
    with smtplib.SMTP("127.0.0.1", tern.port("smtp"), timeout=10) as c:
        c.ehlo("client.test")
        assert c.has_extn("starttls")
        code, _ = c.starttls(context=tern.ssl_context())
        assert code == 220
        assert c.sock.version() in ("TLSv1.2", "TLSv1.3")
        c.ehlo("client.test")
        assert not c.has_extn("starttls")
        assert c.noop()[0] == 250


def test_starttls_discards_pipelined_plaintext(tern):
    """RFC 3207 4.2: commands sent with STARTTLS before the handshake
    must not run inside the TLS session (the STARTTLS injection attack)."""
    s = tern.connect("smtp")
    f = s.makefile("rb")
    assert f.readline().startswith(b"220")
    s.sendall(b"EHLO x\r\n")
    while not f.readline().startswith(b"250 "):
        pass
    s.sendall(b"STARTTLS\r\nRSET\r\nNOOP injected\r\n")
    assert f.readline().startswith(b"220")
    tls = tern.ssl_context().wrap_socket(s, server_hostname="localhost")
    tls.settimeout(2)
    # nothing may be waiting for us: the injected commands were dropped
    try:
        extra = tls.recv(100)
    except (TimeoutError, ssl.SSLError, OSError):
        extra = b""
    assert extra == b""
    tls.sendall(b"NOOP\r\n")
    assert tls.recv(100).startswith(b"250")
    tls.close()


def test_account_password_policy(tmp_path):
    """Passwords shorter than auth.min_password_length (default 8,
    counted in characters) are refused; common ones are accepted with a
    warning; every change says what it did."""
    t = Tern(tmp_path)

    def add(addr, pw, *cmd):
        return t.cli("account", *(cmd or ("add",)), addr, "--password-stdin",
                     input=pw + "\n", check=False)
    p = add("carol@example.test", "short")
    assert p.returncode == 1
    assert "at least 8 characters" in p.stderr, p.stderr
    assert "carol" not in t.cli("account", "list").stdout
    # seven two-byte characters are seven characters
    assert add("carol@example.test", "äöüäöüä").returncode == 1
    p = add("carol@example.test", "äöüäöüäö")
    assert p.returncode == 0, p.stderr
    assert p.stdout == "account carol@example.test added\n"
    assert "warning" not in p.stderr
    p = add("dave@example.test", "Password1")
    assert p.returncode == 0
    assert "warning" in p.stderr and "common" in p.stderr, p.stderr
    p = add("dave@example.test", "1234567", "passwd")
    assert p.returncode == 1 and "at least 8 characters" in p.stderr
    p = add("dave@example.test", "a-much-better-one", "passwd")
    assert p.returncode == 0 and p.stderr == ""
    assert p.stdout == "password of dave@example.test changed\n"
    # the minimum comes from the config
    (tmp_path / "t2").mkdir()
    t2 = Tern(tmp_path / "t2", extra="[auth]\nmin_password_length = 12\n")
    p = t2.cli("account", "add", "erin@example.test", "--password-stdin",
               input="elevenchars\n", check=False)
    assert p.returncode == 1 and "at least 12 characters" in p.stderr


def test_admin_commands_say_what_they_did(tmp_path):
    t = Tern(tmp_path)
    t.add_account("carol@example.test", "carol-pw-123")

    def out(*args):
        p = t.cli(*args)
        assert p.returncode == 0 and p.stderr == "", p.stderr
        return p.stdout
    # then the DKIM records to publish for its new keys
    added = out("domain", "add", "other.test")
    assert added.startswith("domain other.test added\nDKIM keys for other.test; "), added
    assert added.count("._domainkey.other.test. IN TXT") == 2, added
    assert out("alias", "add", "info@example.test", "carol@example.test") == \
        "alias info@example.test -> carol@example.test added\n"
    assert out("alias", "remove", "info@example.test") == \
        "alias info@example.test removed\n"
    assert out("account", "quota", "carol@example.test", "10M", "1000") == \
        "quota of carol@example.test set to 10485760 bytes, 1000 messages\n"
    assert out("account", "disable", "carol@example.test") == \
        "account carol@example.test disabled\n"
    assert out("account", "enable", "carol@example.test") == \
        "account carol@example.test enabled\n"
    assert out("account", "remove", "carol@example.test") == \
        "account carol@example.test removed\n"
    assert out("domain", "remove", "other.test") == \
        "domain other.test removed\n"


def test_help_lists_every_flag():
    p = tern_cmd("help")
    assert p.returncode == 0
    for flag in ("-c FILE", "--version", "--domain", "--hostname", "--user",
                 "--force", "--password-stdin", "--mailbox", "account add",
                 "account passwd", "account quota", "alias remove",
                 "queue show|retry|delete", "export ACCOUNT PATH [--force]"):
        assert flag in p.stdout, flag
    # each command's own usage lists its flags
    for args, flags in ((("account",), ("--password-stdin",)),
                        (("account", "help"), ("--password-stdin",)),
                        (("import",), ("--mailbox",)),
                        (("export",), ("--force",)),
                        (("init",), ("--force", "--domain", "--user"))):
        p = tern_cmd(*args)
        for flag in flags:
            assert flag in p.stderr + p.stdout, (args, flag)
