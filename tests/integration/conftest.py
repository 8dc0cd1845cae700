"""pytest fixtures: a fresh tern per test (see ternlib.py), and a run
that fails on any skip not allowed below."""
import pytest

from ternlib import Tern

ALICE = ("alice@example.test", "alice-secret-pw")
BOB = ("bob@example.test", "bob-secret-pw")

# skips that say something about the machine, not about tern (matched
# as part of the reason); any other skip fails the run, so that a
# regression or a missing test dependency cannot hide as a skip
ALLOWED_SKIPS = (
    "no non-loopback",                          # the host has only loopback
    "needs root",                               # not run as root
    "this OpenSSL cannot even offer TLS 1.1",   # nothing old to refuse
)
unexpected_skips = []


def pytest_runtest_logreport(report):
    if not report.skipped or hasattr(report, "wasxfail"):
        return
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    if not any(a in reason for a in ALLOWED_SKIPS):
        unexpected_skips.append("%s: %s" % (report.nodeid, reason))


def pytest_sessionfinish(session, exitstatus):
    if unexpected_skips and session.exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter):
    for s in unexpected_skips:
        terminalreporter.write_line("UNEXPECTED SKIP (fails the run) " + s, red=True)


@pytest.fixture
def tern_factory(tmp_path):
    """Make (not start) servers; at the end every one is stopped with
    SIGTERM and the test fails on a bad exit or a sanitizer report."""
    made = []

    def make(name="t", **kw):
        d = tmp_path / name
        d.mkdir()
        t = Tern(d, **kw)
        made.append(t)
        return t
    yield make
    finish_all(made)


def finish_all(terns):
    """finish() every server (all of them, even after a failure); raise
    the first failure."""
    failure = None
    for t in terns:
        try:
            t.finish()
        except AssertionError as e:
            failure = failure or e
    if failure:
        raise failure


@pytest.fixture
def tern(tern_factory):
    """A running server for example.test with accounts alice and bob."""
    t = tern_factory()
    t.add_account(*ALICE)
    t.add_account(*BOB)
    t.start()
    return t


# --- JMAP (jmap_client.py): a server with an https listener ----------
JMAP_PROTOCOLS = ("smtp", "submission", "imap", "imaps", "https")


@pytest.fixture
def jmap_tern(tern_factory):
    """A running server for example.test with an https listener and the
    accounts alice and bob (extra config: tern_factory + JMAP_PROTOCOLS)."""
    t = tern_factory(protocols=JMAP_PROTOCOLS)
    t.add_account(*ALICE)
    t.add_account(*BOB)
    t.start()
    return t


@pytest.fixture
def jmap(jmap_tern):
    """A JMAP client logged in as alice (HTTP Basic)."""
    from jmap_client import JmapClient
    c = JmapClient(jmap_tern, *ALICE)
    yield c
    c.close()


@pytest.fixture
def jmap_bob(jmap_tern):
    """A JMAP client logged in as bob."""
    from jmap_client import JmapClient
    c = JmapClient(jmap_tern, *BOB)
    yield c
    c.close()
