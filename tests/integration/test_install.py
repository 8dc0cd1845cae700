"""`make install`: PREFIX (default /usr/local) and DESTDIR put tern on
PATH as the README's real-domain section assumes, and nothing else but
its README."""
import filecmp
import os
import stat
import subprocess

from ternlib import REPO, TERN_BIN


def make_install(*args):
    # BUILD: install the binary under test, do not build another one
    build = os.path.relpath(os.path.dirname(TERN_BIN), REPO)
    p = subprocess.run(["make", "-C", REPO, "--no-print-directory",
                        "BUILD=" + build, "install", *args],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    return p


def tree(root):
    """every file below root, as paths relative to it"""
    return sorted(os.path.relpath(os.path.join(d, f), root)
                  for d, _, files in os.walk(root) for f in files)


def test_install_destdir_default_prefix(tmp_path):
    make_install("DESTDIR=%s" % tmp_path)
    assert tree(tmp_path) == ["usr/local/bin/tern",
                              "usr/local/share/doc/tern/README.md"]
    binary = tmp_path / "usr/local/bin/tern"
    assert filecmp.cmp(binary, TERN_BIN, shallow=False)
    assert stat.S_IMODE(binary.stat().st_mode) == 0o755
    readme = tmp_path / "usr/local/share/doc/tern/README.md"
    assert stat.S_IMODE(readme.stat().st_mode) == 0o644
    assert filecmp.cmp(readme, os.path.join(REPO, "README.md"), shallow=False)
    p = subprocess.run([str(binary), "--version"], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0 and p.stdout.startswith("tern ")


def test_install_prefix(tmp_path):
    make_install("DESTDIR=%s" % tmp_path, "PREFIX=/usr")
    assert tree(tmp_path) == ["usr/bin/tern", "usr/share/doc/tern/README.md"]
