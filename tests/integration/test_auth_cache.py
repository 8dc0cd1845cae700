"""Verified password logins are remembered for auth.cache_ttl (issue 12,
logins): a repeated right password skips argon2id; anything else gets
the full check. The log's "auth verified ... source=" says which path a
login took."""
import re
import time

import pytest

from conftest import ALICE
from imapraw import Raw, quote

NEW_PW = "a-new-secret-pw"


def login(t, user, pw):
    c = Raw("127.0.0.1", t.port("imap"))
    try:
        _, tagged = c.cmd(b"LOGIN " + quote(user.encode()) + b" " +
                          quote(pw.encode()))
        ok = tagged.split(b" ", 2)[1] == b"OK"
        if ok:
            c.ok(b"LOGOUT")
        return ok
    finally:
        c.close()


def sources(t):
    """the path of every verified login so far, in order"""
    return re.findall(r"auth verified user=\S+ source=(\w+)", t.log())


def start(tern_factory, extra=""):
    t = tern_factory(extra=extra)
    t.add_account(*ALICE)
    t.start()
    return t


def test_cached_login_and_wrong_password(tern_factory):
    t = start(tern_factory)
    # a failed login never fills the cache
    assert not login(t, ALICE[0], "not-the-password")
    assert login(t, *ALICE)
    assert login(t, *ALICE)
    assert login(t, ALICE[0].upper(), ALICE[1])   # same account, any case
    assert sources(t) == ["hash", "cache", "cache"]
    # a wrong password after a cached right one still fails
    assert not login(t, ALICE[0], ALICE[1] + "x")
    assert not login(t, ALICE[0], ALICE[1][:-1])
    assert login(t, *ALICE)
    assert sources(t) == ["hash", "cache", "cache", "cache"]


def test_password_change_invalidates(tern_factory):
    t = start(tern_factory)
    assert login(t, *ALICE)
    assert login(t, *ALICE)
    assert sources(t) == ["hash", "cache"]
    t.cli("account", "passwd", ALICE[0], "--password-stdin",
          input=NEW_PW + "\n")
    # at once, not after the store's change poll
    assert not login(t, *ALICE)
    assert login(t, ALICE[0], NEW_PW)
    assert login(t, ALICE[0], NEW_PW)
    assert sources(t) == ["hash", "cache", "hash", "cache"]
    assert not login(t, *ALICE)


def test_account_removed_or_disabled(tern_factory):
    t = start(tern_factory)
    assert login(t, *ALICE)
    assert login(t, *ALICE)
    t.cli("account", "disable", ALICE[0])
    assert not login(t, *ALICE)
    t.cli("account", "enable", ALICE[0])
    assert login(t, *ALICE)
    t.cli("account", "remove", ALICE[0])
    assert not login(t, *ALICE)


def test_cache_entries_expire(tern_factory):
    t = start(tern_factory, "[auth]\ncache_ttl = 1s\n")
    assert login(t, *ALICE)
    # a later login verifies the hash again once the entry expired
    deadline = time.monotonic() + 60
    while sources(t).count("hash") < 2 and time.monotonic() < deadline:
        assert login(t, *ALICE)
        time.sleep(0.1)
    assert sources(t).count("hash") == 2


@pytest.mark.parametrize("extra", ["[auth]\ncache_entries = 0\n",
                                   "[auth]\ncache_ttl = 0\n"])
def test_cache_off(tern_factory, extra):
    t = start(tern_factory, extra)
    for _ in range(3):
        assert login(t, *ALICE)
    assert sources(t) == ["hash", "hash", "hash"]


def test_throttle_before_cache(tern_factory):
    """a blocked address is refused even a password the cache holds"""
    t = start(tern_factory, "[auth]\nmax_failures = 100\n"
              "throttle_max_delay = 0\nthrottle_block_after = 3\n")
    assert login(t, *ALICE)
    assert login(t, *ALICE)
    assert sources(t) == ["hash", "cache"]
    for i in range(3):
        assert not login(t, ALICE[0], "bad%d" % i)
    assert not login(t, *ALICE)
    assert sources(t) == ["hash", "cache"]
