"""Sieve vacation at delivery (RFC 5230): exactly one reply per sender
per period, none to lists, bounces (<>), Auto-Submitted mail or the
user's own mail; the reply's fields (RFC 5230 5, RFC 3834). The senders
are local accounts so that replies land where IMAP reads them."""
import email
import time

from test_sieve_deliver import ALICE, BOB, CAROL, mailbox, put, send, start

DAVE = ("dave@example.test", "dave-secret-pw")

SCRIPT = '''require "vacation";
vacation :days 1 :subject "Out of office" :handle "ooo"
  "I am away until Monday.";
'''


def wait_count(t, user, n, timeout=10):
    deadline = time.time() + timeout
    got = mailbox(t, user)
    while time.time() < deadline and len(got) < n:
        time.sleep(0.2)
        got = mailbox(t, user)
    return got


def test_vacation_once_per_period(tern_factory):
    t = start(tern_factory)
    t.add_account(*DAVE)
    put(t, ALICE[0], SCRIPT)
    send(t, BOB[0], [ALICE[0]], "question one")
    replies = wait_count(t, BOB, 1)
    assert len(replies) == 1
    r = email.message_from_bytes(replies[0][1])
    assert r["Subject"] == "Out of office"
    assert r["From"] == "<alice@example.test>"
    assert r["To"] == "<bob@example.test>"
    assert r["Auto-Submitted"].startswith("auto-replied")
    assert r["In-Reply-To"].endswith("@x.test>")
    assert r["References"] == r["In-Reply-To"]
    assert r["Return-Path"] == "<>"
    assert "I am away until Monday." in r.get_payload()
    # signed for our domain, as other mail that leaves
    assert "d=example.test;" in r["DKIM-Signature"]
    # the same sender again within :days: no second reply
    send(t, BOB[0], [ALICE[0]], "question two")
    send(t, BOB[0], [ALICE[0]], "question three")
    time.sleep(1.5)
    assert len(mailbox(t, BOB)) == 1
    assert len(mailbox(t, ALICE)) == 3
    assert "sent=no reason=\"replied within the period\"" in t.log()
    # another sender gets its own
    send(t, DAVE[0], [ALICE[0]], "question four")
    assert len(wait_count(t, DAVE, 1)) == 1
    # a remote sender's reply is queued, from <>
    send(t, "someone@example.net", [ALICE[0]], "question five")
    deadline = time.time() + 10
    q = ""
    while time.time() < deadline and "someone@example.net" not in q:
        time.sleep(0.2)
        q = t.cli("queue", "list").stdout
    assert "from=<> rcpts=1" in q and "to=<someone@example.net>" in q, q


def test_vacation_never_to_lists_bounces_autoreplies_self(tern_factory):
    t = start(tern_factory)
    put(t, ALICE[0], SCRIPT)
    send(t, BOB[0], [ALICE[0]], "list post",
         extra="List-Id: <news.example.test>\r\n")
    send(t, CAROL[0], [ALICE[0]], "bulk", extra="Precedence: bulk\r\n")
    send(t, BOB[0], [ALICE[0]], "robot",
         extra="Auto-Submitted: auto-generated\r\n")
    send(t, "", [ALICE[0]], "a bounce")
    send(t, ALICE[0], [ALICE[0]], "note to self")
    time.sleep(1.5)
    assert len(mailbox(t, ALICE)) == 5
    assert mailbox(t, BOB) == [] and mailbox(t, CAROL) == []
    assert "sieve vacation" not in t.log()


def test_vacation_mime_reason(tern_factory):
    t = start(tern_factory)
    put(t, ALICE[0], '''require ["vacation"];
vacation :mime :subject "Weg" :from "Alice <alice@example.test>" text:
Content-Type: text/html; charset=utf-8

<p>Bin weg</p>
.
;
''')
    send(t, BOB[0], [ALICE[0]], "hallo")
    replies = wait_count(t, BOB, 1)
    assert len(replies) == 1
    r = email.message_from_bytes(replies[0][1])
    assert r["From"] == "Alice <alice@example.test>"
    assert r.get_content_type() == "text/html"
    assert "<p>Bin weg</p>" in r.get_payload()
