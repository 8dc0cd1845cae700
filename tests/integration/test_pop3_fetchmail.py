"""POP3 against Debian's fetchmail: plain (loopback), STLS and implicit
TLS, certificate checked; download and delete, and keep + UIDL."""
import os
import shutil
import subprocess

import pytest

from conftest import ALICE
from test_pop3 import deliver, pop

A, APW = ALICE

# a test dependency (scripts/install-deps.sh): missing, the tests fail
FETCHMAIL = shutil.which("fetchmail") or "fetchmail"


def fetchmail(t, tmp_path, proto, tls, keep=False):
    """Run fetchmail once; messages go to an MDA writing one file each.
    Returns (exit code, [message bytes], output)."""
    out = tmp_path / ("out-%s-%s" % (proto, tls))
    out.mkdir(exist_ok=True)
    rc = tmp_path / "fetchmailrc"
    opts = {
        "plain": "sslproto ''",
        "stls": "sslproto tls1.2+ sslcertck sslcertfile %s" % t.cert,
        "tls": "ssl sslcertck sslcertfile %s" % t.cert,
    }[tls]
    rc.write_text(
        'poll localhost service %d protocol pop3 uidl auth password\n'
        '  user "%s" there password "%s" is "%s" here\n'
        '  %s %s fetchall\n'
        '  mda "/bin/sh -c \'cat > %s/msg.$$\'"\n'
        % (t.port(proto), A, APW, A, opts, "keep" if keep else "nokeep", out))
    os.chmod(rc, 0o600)
    env = dict(os.environ, HOME=str(tmp_path))
    p = subprocess.run([FETCHMAIL, "-f", str(rc), "--nosyslog", "-N",
                        "--idfile", str(tmp_path / "fetchids"), "-v"],
                       capture_output=True, text=True, timeout=120, env=env)
    msgs = [f.read_bytes() for f in sorted(out.iterdir())]
    for f in out.iterdir():
        f.unlink()
    return p.returncode, msgs, p.stdout + p.stderr


@pytest.mark.parametrize("proto,tls", [("pop3", "plain"), ("pop3", "stls"),
                                       ("pop3s", "tls")])
def test_fetchmail_download_and_delete(tern, tmp_path, proto, tls):
    for i in range(4):
        deliver(tern, A, "fm %d" % i, ".dotted\r\nbody %d\r\n" % i)
    code, msgs, output = fetchmail(tern, tmp_path, proto, tls)
    assert code == 0, output
    assert len(msgs) == 4, output
    subjects = sorted(m.split(b"Subject: ")[1].split(b"\n")[0].strip()
                      for m in msgs)
    assert subjects == [b"fm 0", b"fm 1", b"fm 2", b"fm 3"]
    for m in msgs:     # byte-stuffing undone by the client
        assert b"\n.dotted" in m and b"..dotted" not in m
    if tls != "plain":
        assert "tls=yes" in tern.log()
    p = pop(tern)
    assert p.stat() == (0, 0)
    p.quit()
    # nothing new: exit code 1 ("no mail")
    code, msgs, output = fetchmail(tern, tmp_path, proto, tls)
    assert code == 1 and msgs == [], output


def test_fetchmail_keep_uses_uidl(tern, tmp_path):
    for i in range(3):
        deliver(tern, A, "keep %d" % i)
    code, msgs, output = fetchmail(tern, tmp_path, "pop3", "plain", keep=True)
    assert code == 0 and len(msgs) == 3, output
    deliver(tern, A, "keep new")
    # "fetchall" fetches everything again; without it only the new one
    rc = (tmp_path / "fetchmailrc").read_text().replace(" fetchall", "")
    (tmp_path / "fetchmailrc").write_text(rc)
    env = dict(os.environ, HOME=str(tmp_path))
    p = subprocess.run([FETCHMAIL, "-f", str(tmp_path / "fetchmailrc"),
                        "--nosyslog", "-N", "--idfile",
                        str(tmp_path / "fetchids"), "-v"],
                       capture_output=True, text=True, timeout=120, env=env)
    out = tmp_path / "out-pop3-plain"
    msgs = [f.read_bytes() for f in out.iterdir()]
    assert p.returncode == 0, p.stdout + p.stderr
    assert len(msgs) == 1 and b"Subject: keep new" in msgs[0]
    pp = pop(tern)
    assert pp.stat()[0] == 4
    pp.quit()
