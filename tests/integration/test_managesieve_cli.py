"""ManageSieve with a real client, sieve-connect (Debian): upload, list,
activate, download and delete over STARTTLS with certificate checking;
and `tern sieve list|get|put|activate|delete`, the same store."""
import os
import subprocess

import pytest

from conftest import ALICE, BOB
from ternlib import TERN_BIN
from test_managesieve import BAD, GOOD, logged_in, start

A, APW = ALICE
B, BPW = BOB


@pytest.fixture
def tern(tern_factory):
    return start(tern_factory)


def sieve_connect(t, *args, user=A, pw=APW, check=True):
    """sieve-connect with the password on a pipe, trusting the test CA"""
    r, w = os.pipe()
    os.write(w, (pw + "\n").encode())
    os.close(w)
    try:
        p = subprocess.run(
            ["sieve-connect", "--server", "127.0.0.1", "--port",
             str(t.port("sieve")), "--user", user, "--passwordfd", str(r),
             "--tlscafile", t.cert, "--tlshostname", "mail." + t.domain,
             "--noclearchan", "--authmech", "PLAIN", *args],
            capture_output=True, text=True, timeout=30, pass_fds=(r,))
    finally:
        os.close(r)
    if check:
        assert p.returncode == 0, (args, p.stdout, p.stderr)
    return p


def test_sieve_connect(tern, tmp_path):
    script = tmp_path / "filters.sieve"
    script.write_bytes(GOOD)
    sieve_connect(tern, "--upload", "--localsieve", str(script),
                  "--remotesieve", "filters")
    sieve_connect(tern, "--activate", "--remotesieve", "filters")
    out = sieve_connect(tern, "--list").stdout
    assert out.split() == ['"filters"', "ACTIVE"], out
    got = tmp_path / "back.sieve"
    sieve_connect(tern, "--download", "--remotesieve", "filters",
                  "--localsieve", str(got))
    assert got.read_bytes() == GOOD
    # a script that does not compile is refused with the error
    bad = tmp_path / "bad.sieve"
    bad.write_bytes(BAD)
    p = sieve_connect(tern, "--upload", "--localsieve", str(bad),
                      "--remotesieve", "bad", check=False)
    assert p.returncode != 0
    sieve_connect(tern, "--deactivate")
    sieve_connect(tern, "--delete", "--remotesieve", "filters")
    assert "filters" not in sieve_connect(tern, "--list").stdout
    # over TLS: the log says so
    log = tern.log()
    assert "managesieve starttls" in log
    assert "managesieve putscript name=\"filters\"" in log
    # a wrong password fails
    p = sieve_connect(tern, "--list", pw="wrong-pw", check=False)
    assert p.returncode != 0


def get_bytes(t, name):
    """`tern sieve get`'s exact bytes (run_cli reads text)"""
    p = subprocess.run([TERN_BIN, "-c", t.conf, "sieve", "get", A, name],
                       capture_output=True, timeout=30, check=True)
    return p.stdout


def test_cli(tern, tmp_path):
    f = tmp_path / "s.sieve"
    f.write_bytes(GOOD)
    out = tern.cli("sieve", "put", A, "work", str(f), "--activate").stdout
    assert out == "sieve work stored, active\n"
    tern.cli("sieve", "put", A, "other", "-", input="keep;\n")
    lines = tern.cli("sieve", "list", A).stdout.splitlines()
    assert lines == ["other\t6", "work\tACTIVE\t%d" % len(GOOD)]
    assert get_bytes(tern, "work") == GOOD
    # what the CLI stored, ManageSieve sees, and the reverse
    c = logged_in(tern)
    assert b'"work" ACTIVE' in c.ok(b"LISTSCRIPTS")
    c.ok(b'PUTSCRIPT "fromms" "discard;"')
    assert get_bytes(tern, "fromms") == b"discard;"
    # errors
    p = tern.cli("sieve", "delete", A, "work", check=False)
    assert p.returncode == 1 and "active" in p.stderr
    f.write_bytes(BAD)
    p = tern.cli("sieve", "put", A, "bad", str(f), check=False)
    assert p.returncode == 1 and "does not compile" in p.stderr
    p = tern.cli("sieve", "get", A, "nope", check=False)
    assert p.returncode == 1 and "not found" in p.stderr
    p = tern.cli("sieve", "list", "nobody@example.test", check=False)
    assert p.returncode == 1
    p = tern.cli("sieve", "put", A, "x\ty", "-", input="keep;", check=False)
    assert p.returncode == 1 and "bad script name" in p.stderr
    p = tern.cli("sieve", "frob", A, check=False)
    assert p.returncode == 2
    tern.cli("sieve", "activate", A, "--none")
    assert "ACTIVE" not in tern.cli("sieve", "list", A).stdout
    tern.cli("sieve", "activate", A, "other")
    tern.cli("sieve", "activate", A, "--none")
    assert tern.cli("sieve", "delete", A, "work").stdout == \
        "sieve work deleted\n"
    # the scripts go with the account
    tern.cli("account", "remove", A)
    tern.add_account(A, APW)
    assert tern.cli("sieve", "list", A).stdout == ""
