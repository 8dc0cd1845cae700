"""Sieve at delivery for mail sent by local users: SMTP submission (587)
and JMAP EmailSubmission's local copies run the recipient's script as
port 25 does; JMAP cannot refuse, so a reject comes back as a DSN."""
import smtplib
import time

from test_jmap_submission import box_ids, draft, fetch_all, identity
from jmap_client import one

ALICE = ("alice@example.test", "alice-secret-pw")
BOB = ("bob@example.test", "bob-secret-pw")

SCRIPT = '''require ["fileinto", "mailbox", "reject"];
if header :contains "subject" "refuse" { reject "Bob is not taking this"; }
elsif address :is "from" "alice@example.test" { fileinto :create "Alice"; }
'''


def put(t, account, script):
    t.cli("sieve", "put", account, "main", "-", "--activate", input=script)


def test_submission_port(jmap_tern):
    put(jmap_tern, BOB[0], SCRIPT)
    msg = ("From: <alice@example.test>\r\nTo: <bob@example.test>\r\n"
           "Subject: over submission\r\n\r\nhi\r\n")
    with smtplib.SMTP("127.0.0.1", jmap_tern.port("submission"), timeout=30) as s:
        s.starttls(context=jmap_tern.ssl_context())
        s.login(*ALICE)
        s.sendmail(ALICE[0], [BOB[0]], msg.encode())
    got = fetch_all(jmap_tern, BOB, "Alice")
    assert len(got) == 1 and b"over submission" in got[0][1]
    assert fetch_all(jmap_tern, BOB, "INBOX") == []


def test_jmap_submission(jmap_tern, jmap):
    put(jmap_tern, BOB[0], SCRIPT)
    boxes = box_ids(jmap_tern)
    ident = identity(jmap, "alice@example.test")
    r = jmap.call([
        ["Email/set", {"create": {
            "a": draft(boxes, subject="filed by bob"),
            "b": draft(boxes, subject="refuse this")}}, "0"],
        ["EmailSubmission/set", {"create": {
            "s1": {"identityId": ident["id"], "emailId": "#a"},
            "s2": {"identityId": ident["id"], "emailId": "#b"}}}, "1"]])
    made = one(r[1:], "EmailSubmission/set")["created"]
    assert set(made) == {"s1", "s2"}, r
    got = fetch_all(jmap_tern, BOB, "Alice")
    assert len(got) == 1 and b"filed by bob" in got[0][1]
    assert fetch_all(jmap_tern, BOB, "INBOX") == []
    # the refusal: a DSN to alice with the reason
    deadline = time.time() + 20
    while time.time() < deadline:
        dsn = [d for d in fetch_all(jmap_tern, ALICE, "INBOX")
               if b"delivery-status" in d[1]]
        if dsn:
            break
        time.sleep(0.2)
    assert len(dsn) == 1
    assert b"Bob is not taking this" in dsn[0][1] and b"5.7.1" in dsn[0][1]


def test_spamtest_virustest_fields(jmap_tern):
    """spamtest/virustest read sieve.spamtest_header and virustest_header
    (on port 25 only the milters' copies are left; submission keeps the
    message's own)"""
    put(jmap_tern, BOB[0], '''require ["spamtest", "virustest", "relational",
  "comparator-i;ascii-numeric", "fileinto", "mailbox"];
if virustest :value "eq" :comparator "i;ascii-numeric" "5" {
    fileinto :create "Virus";
} elsif spamtest :value "ge" :comparator "i;ascii-numeric" "5" {
    fileinto "Junk";
}
''')
    with smtplib.SMTP("127.0.0.1", jmap_tern.port("submission"), timeout=30) as s:
        s.starttls(context=jmap_tern.ssl_context())
        s.login(*ALICE)
        for subj, field in (("spammy", "X-Spam-Score: 12.5"),
                            ("infected", "X-Virus-Status: Infected"),
                            ("clean", "X-Spam-Score: 1.0")):
            s.sendmail(ALICE[0], [BOB[0]],
                       ("From: <alice@example.test>\r\nTo: <bob@example.test>\r\n"
                        "Subject: %s\r\n%s\r\n\r\nx\r\n" % (subj, field)).encode())
    junk = fetch_all(jmap_tern, BOB, "Junk")
    virus = fetch_all(jmap_tern, BOB, "Virus")
    inbox = fetch_all(jmap_tern, BOB, "INBOX")
    assert len(junk) == 1 and b"spammy" in junk[0][1]
    assert len(virus) == 1 and b"infected" in virus[0][1]
    assert len(inbox) == 1 and b"clean" in inbox[0][1]
