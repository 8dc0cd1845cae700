"""/metrics on the admin listener (issue 14), parsed by the Prometheus
client library's own text parser, and `tern status` reading the same
numbers from the running server."""
import imaplib
import smtplib
import ssl
import time

import httpx
from prometheus_client.parser import text_string_to_metric_families

from conftest import ALICE, BOB
from ternlib import PROTOCOLS

WITH_METRICS = PROTOCOLS + ("http", "https", "metrics")


def start(tern_factory):
    t = tern_factory(protocols=WITH_METRICS)
    t.add_account(*ALICE)
    t.add_account(*BOB)
    t.start()
    return t


def scrape(t):
    """{(sample name, frozenset of labels): value} and the families"""
    with httpx.Client(timeout=30) as c:
        r = c.get("http://127.0.0.1:%d/metrics" % t.port("metrics"))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    fams = list(text_string_to_metric_families(r.text))
    samples = {}
    for f in fams:
        for s in f.samples:
            samples[(s.name, frozenset(s.labels.items()))] = s.value
    return samples, {f.name: f.type for f in fams}


def value(samples, name, **labels):
    return samples[(name, frozenset(labels.items()))]


def wait_value(t, pred, what):
    deadline = time.time() + 60
    while True:
        s, _ = scrape(t)
        if pred(s):
            return s
        assert time.time() < deadline, "timed out waiting for " + what
        time.sleep(0.05)


def test_metrics_parse_and_families(tern_factory):
    t = start(tern_factory)
    s, types = scrape(t)
    for fam, typ in (("tern_connections", "counter"),
                     ("tern_connections_open", "gauge"),
                     ("tern_tls_handshakes", "counter"),
                     ("tern_commands", "counter"),
                     ("tern_logins", "counter"),
                     ("tern_login_failures", "counter"),
                     ("tern_smtp_messages", "counter"),
                     ("tern_relay_messages", "counter"),
                     ("tern_queue_messages", "gauge"),
                     ("tern_queue_oldest_age_seconds", "gauge"),
                     ("tern_store_commits", "counter"),
                     ("tern_store_writes", "counter"),
                     ("tern_store_commit_seconds", "counter")):
        assert types.get(fam) == typ, fam
    for proto in PROTOCOLS:
        assert value(s, "tern_connections_total", protocol=proto) == 0
    # the scrape itself is an open connection on the admin listener
    assert value(s, "tern_connections_open", protocol="metrics") == 1
    # not served on the public listeners
    with httpx.Client(verify=t.ssl_context(), timeout=30) as c:
        assert c.get("https://127.0.0.1:%d/metrics" % t.port("https")).status_code == 404
        assert c.get("http://127.0.0.1:%d/metrics" % t.port("http")).status_code == 404


def test_counters_move_after_delivery_and_login(tern_factory):
    t = start(tern_factory)
    before, _ = scrape(t)
    # a delivery on port 25
    with smtplib.SMTP("127.0.0.1", t.port("smtp"), timeout=30) as smtp:
        smtp.sendmail("someone@remote.test", [ALICE[0]],
                      "Subject: hi\r\n\r\nhello\r\n")
    # an IMAP login over implicit TLS, and a failed one
    ctx = t.ssl_context()
    with imaplib.IMAP4_SSL("127.0.0.1", t.port("imaps"), ssl_context=ctx) as im:
        im.login(*ALICE)
        im.select("INBOX")
        im.logout()
    with imaplib.IMAP4_SSL("127.0.0.1", t.port("imaps"), ssl_context=ctx) as im:
        try:
            im.login(ALICE[0], "wrong-password")
        except imaplib.IMAP4.error:
            pass
    # a remote recipient stays queued (the tests' DNS answers nothing)
    with smtplib.SMTP("127.0.0.1", t.port("submission"), timeout=30) as sub:
        sub.starttls(context=ctx)
        sub.login(*BOB)
        sub.sendmail(BOB[0], ["far@remote.test"], "From: %s\r\nSubject: out\r\n\r\nx\r\n" % BOB[0])

    def moved(s):
        return (value(s, "tern_logins_total", protocol="imaps") == 1 and
                value(s, "tern_login_failures_total", protocol="imaps") == 1 and
                value(s, "tern_connections_open", protocol="imaps") == 0)
    after = wait_value(t, moved, "the IMAP logins to be counted")
    d = lambda name, **l: value(after, name, **l) - value(before, name, **l)
    assert d("tern_smtp_messages_total", result="accepted") == 2
    assert d("tern_logins_total", protocol="submission") == 1
    assert d("tern_login_failures_total", protocol="submission") == 0
    assert d("tern_connections_total", protocol="smtp") == 1
    assert d("tern_connections_total", protocol="imaps") == 2
    assert d("tern_tls_handshakes_total", protocol="imaps") == 2
    assert d("tern_tls_handshakes_total", protocol="submission") == 1
    # EHLO, MAIL, RCPT, DATA, QUIT at least
    assert d("tern_commands_total", protocol="smtp") >= 5
    assert d("tern_commands_total", protocol="imap") == 0
    assert d("tern_commands_total", protocol="imaps") >= 4
    assert d("tern_store_commits_total") >= 2
    assert d("tern_store_writes_total") >= 2
    assert value(after, "tern_store_commit_seconds_total") > 0
    assert value(after, "tern_queue_messages") == 1
    assert value(after, "tern_queue_recipients_pending") == 1
    assert value(after, "tern_queue_oldest_age_seconds") >= 0


def test_https_handshakes_and_requests_counted(tern_factory):
    t = start(tern_factory)
    with httpx.Client(http2=True, verify=t.ssl_context(), timeout=30) as c:
        for _ in range(3):
            c.get("https://127.0.0.1:%d/nothing" % t.port("https"))
    s = wait_value(t, lambda s: value(s, "tern_commands_total", protocol="https") == 3,
                   "three HTTPS requests")
    assert value(s, "tern_tls_handshakes_total", protocol="https") == 1
    assert value(s, "tern_http_responses_total", **{"class": "4xx"}) == 3


def test_tern_status(tern_factory):
    t = start(tern_factory)
    with smtplib.SMTP("127.0.0.1", t.port("smtp"), timeout=30) as smtp:
        smtp.sendmail("someone@remote.test", [ALICE[0]], "Subject: hi\r\n\r\nhello\r\n")
    out = t.cli("status").stdout
    # the table: protocol, open, connections, refused, tls, commands
    row = next(l.split() for l in out.splitlines() if l.split()[:1] == ["smtp"])
    assert row[2] == "1"
    assert int(row[5]) >= 4
    assert "smtp messages   1 accepted" in out
    assert "queue           0 messages" in out
    assert "logins          0 accepted, 0 refused" in out
    raw = t.cli("status", "--raw").stdout
    fams = {f.name for f in text_string_to_metric_families(raw)}
    assert "tern_store_commits" in fams


def test_tern_status_without_server(tern_factory):
    t = tern_factory(protocols=WITH_METRICS)
    p = t.cli("status", check=False)
    assert p.returncode == 1
    assert "is tern running?" in p.stderr
    t2 = tern_factory("t2")
    p = t2.cli("status", check=False)
    assert p.returncode == 1
    assert "listen = metrics" in p.stderr
