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


# Files that run alone, after the parallel part (Makefile:
# test-integration runs the rest two at a time with pytest-xdist): their
# assertions bound how long one client may wait while others load the
# server (floods, fairness, shutdown deadlines), or they are benchmark
# harnesses. Two such tests side by side on a 2-core machine measure
# each other, not tern.
SERIAL_FILES = {
    "test_flood.py", "test_shutdown.py", "test_smtp_load.py",
    "test_powercut.py", "test_webmail_bench.py", "test_bench_sieve.py",
}


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "serial: run alone, not beside other tests (SERIAL_FILES)")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.name in SERIAL_FILES:
            item.add_marker(pytest.mark.serial)


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


# --- webmail (browser.py: headless Chromium via Selenium) -------------
# what webmail_tern delivers to alice's INBOX (and one to bob's): sender,
# subject, body; the tests may look for these subjects
WEBMAIL_MESSAGES = [
    ("carol@remote.example", "Welcome to the webmail", "First message.\r\n"),
    ("dave@remote.example", "Lunch on Friday?", "Shall we meet at noon?\r\n"),
    ("bob@example.test", "Quarterly report", "The numbers are in.\r\n"),
]


def webmail_deliver(t, rcpt, sender, subject, body):
    """One message over SMTP (port 25) into rcpt's INBOX; 250 = stored."""
    import smtplib
    msg = ("From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@remote.example>\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\n%s" %
           (sender, rcpt, subject, abs(hash((rcpt, subject))), body))
    with smtplib.SMTP("127.0.0.1", t.port("smtp"), timeout=30) as s:
        s.sendmail(sender, [rcpt], msg.encode())


@pytest.fixture
def webmail_tern(tern_factory):
    """A running server with an https listener (the webmail and JMAP),
    accounts alice and bob, and WEBMAIL_MESSAGES in alice's INBOX plus
    one message in bob's."""
    t = tern_factory(protocols=JMAP_PROTOCOLS)
    t.add_account(*ALICE)
    t.add_account(*BOB)
    t.start()
    for sender, subject, body in WEBMAIL_MESSAGES:
        webmail_deliver(t, ALICE[0], sender, subject, body)
    webmail_deliver(t, BOB[0], "alice@example.test", "Hello Bob", "Hi from Alice.\r\n")
    return t


@pytest.fixture
def browser_factory(request):
    """browser_factory(tern, size=DESKTOP or PHONE, name=...) -> a new
    Browser (fresh profile); all of them quit at the end of the test."""
    import browser as bmod
    made = []

    def make(tern, size=bmod.DESKTOP, name=None):
        b = bmod.Browser(tern, size=size,
                         name=name or "%s-%d" % (request.node.name, len(made)))
        made.append(b)
        return b
    yield make
    for b in made:
        b.quit()


@pytest.fixture
def browser(browser_factory, webmail_tern):
    """A headless Chromium (1280x800, fresh profile) for webmail_tern."""
    return browser_factory(webmail_tern, name=None)
