"""JMAP /changes (RFC 8620 5.2, RFC 8621 2.2, 3.2, 4.3) on tern: one state
per account (its modseq), so an IMAP CREATE, RENAME, STORE, APPEND,
COPY, MOVE or EXPUNGE shows at once in Mailbox/changes, Email/changes and
Thread/changes; maxChanges and hasMoreChanges; states that are none."""
import imaplib
import smtplib

from conftest import ALICE
from jmap_client import one

A, APW = ALICE


def imap(t):
    m = imaplib.IMAP4("127.0.0.1", t.port("imap"))
    m.login(A, APW)
    return m


def state(jmap):
    r = one(jmap.call([["Mailbox/get", {"ids": []}, "0"]]))
    return r["state"]


def changes(jmap, what, since, **kw):
    return one(jmap.call([[what + "/changes", dict(sinceState=since, **kw), "0"]]),
               what + "/changes")


def mbox_ids(jmap):
    r = one(jmap.call([["Mailbox/get", {"properties": ["name"]}, "0"]]))
    return {m["name"]: m["id"] for m in r["list"]}


def emailid(m, mailbox, seq):
    m.select(mailbox)
    txt = m.fetch(str(seq), "(EMAILID THREADID)")[1][0].decode()
    return (txt.split("EMAILID (")[1].split(")")[0],
            txt.split("THREADID (")[1].split(")")[0])


def test_imap_mailbox_changes_seen_at_once(jmap_tern, jmap):
    m = imap(jmap_tern)
    s0 = state(jmap)
    assert m.create("Work")[0] == "OK"
    ids = mbox_ids(jmap)
    r = changes(jmap, "Mailbox", s0)
    assert r["created"] == [ids["Work"]] and r["updated"] == [] and r["destroyed"] == []
    assert r["oldState"] == s0 and int(r["newState"]) > int(s0)
    assert r["hasMoreChanges"] is False
    s1 = r["newState"]
    assert state(jmap) == s1
    # rename: updated, same id, all properties may have changed
    assert m.rename("Work", "Job")[0] == "OK"
    r = changes(jmap, "Mailbox", s1)
    assert r["updated"] == [ids["Work"]] and r["updatedProperties"] is None
    s2 = r["newState"]
    # a message arriving changes only the counts
    m.append("Job", "", None, b"Subject: a\r\n\r\na\r\n")
    r = changes(jmap, "Mailbox", s2)
    assert r["updated"] == [ids["Work"]]
    assert r["updatedProperties"] == ["totalEmails", "unreadEmails",
                                      "totalThreads", "unreadThreads"]
    s3 = r["newState"]
    # unsubscribe is a property; delete is destroyed
    m.unsubscribe("Job")
    r = changes(jmap, "Mailbox", s3)
    assert r["updated"] == [ids["Work"]] and r["updatedProperties"] is None
    assert m.delete("Job")[0] == "OK"
    r = changes(jmap, "Mailbox", s3)
    assert r["destroyed"] == [ids["Work"]] and r["updated"] == []
    # from before it was made: made and gone, not there at all
    r = changes(jmap, "Mailbox", s0)
    assert r == dict(r, created=[], updated=[], destroyed=[])
    m.logout()


def test_imap_email_changes_seen_at_once(jmap_tern, jmap):
    t = jmap_tern
    m = imap(t)
    ids = mbox_ids(jmap)
    s0 = state(jmap)
    m.append("INBOX", "", None, b"Message-ID: <a@x>\r\nSubject: a\r\n\r\na\r\n")
    e1, t1 = emailid(m, "INBOX", 1)
    r = changes(jmap, "Email", s0)
    assert (r["created"], r["updated"], r["destroyed"]) == ([e1], [], [])
    assert changes(jmap, "Thread", s0)["created"] == [t1]
    s1 = r["newState"]
    # flags: updated; no Thread change
    m.select("INBOX")
    m.store("1", "+FLAGS", r"(\Seen)")
    r = changes(jmap, "Email", s1)
    assert (r["created"], r["updated"], r["destroyed"]) == ([], [e1], [])
    r2 = changes(jmap, "Thread", s1)
    assert (r2["created"], r2["updated"], r2["destroyed"]) == ([], [], [])
    s2 = r["newState"]
    # a reply delivered by SMTP joins the thread
    with smtplib.SMTP("127.0.0.1", t.port("smtp"), timeout=30) as s:
        s.sendmail("x@remote.test", [A], b"Message-ID: <b@x>\r\n"
                   b"In-Reply-To: <a@x>\r\nSubject: Re: a\r\n\r\nb\r\n")
    e2, t2 = emailid(m, "INBOX", 2)
    assert t2 == t1
    r = changes(jmap, "Email", s2)
    assert r["created"] == [e2] and r["updated"] == []
    r2 = changes(jmap, "Thread", s2)
    assert r2["updated"] == [t1] and r2["created"] == []
    s3 = r["newState"]
    # COPY: the same Email in two mailboxes (updated, mailboxIds)
    m.copy("1", "Archive")
    r = changes(jmap, "Email", s3)
    assert r["updated"] == [e1] and r["created"] == []
    assert emailid(m, "Archive", 1)[0] == e1
    s4 = r["newState"]
    # expunge from INBOX: still in Archive, so updated; then gone
    m.select("INBOX")
    m.store("1", "+FLAGS", r"(\Deleted)")
    m.expunge()
    r = changes(jmap, "Email", s4)
    assert r["updated"] == [e1] and r["destroyed"] == []
    m.select("Archive")
    m.store("1", "+FLAGS", r"(\Deleted)")
    m.expunge()
    r = changes(jmap, "Email", s4)
    assert r["destroyed"] == [e1] and r["updated"] == []
    r2 = changes(jmap, "Thread", s4)
    assert r2["updated"] == [t1]
    # since s0: e1 came and went; e2 is new
    r = changes(jmap, "Email", s0)
    assert (r["created"], r["updated"], r["destroyed"]) == ([e2], [], [])
    m.logout()
    assert ids  # the mailboxes were there


def test_max_changes_and_more(jmap_tern, jmap):
    m = imap(jmap_tern)
    s0 = state(jmap)
    for i in range(5):
        m.append("INBOX", "", None, b"Subject: %d\r\n\r\nx\r\n" % i)
    seen = []
    since = s0
    for _ in range(10):
        r = changes(jmap, "Email", since, maxChanges=2)
        assert len(r["created"]) <= 2
        seen += r["created"]
        since = r["newState"]
        if not r["hasMoreChanges"]:
            break
    assert len(seen) == 5 and len(set(seen)) == 5
    assert since == state(jmap)
    # one change bigger than maxChanges: states inside it
    m.select("INBOX")
    m.store("1:*", "+FLAGS", r"(\Flagged)")
    after_store = state(jmap)
    got, states = [], []
    for _ in range(10):
        r = changes(jmap, "Email", since, maxChanges=2)
        assert len(r["updated"]) <= 2 and r["created"] == []
        got += r["updated"]
        since = r["newState"]
        states.append(since)
        if not r["hasMoreChanges"]:
            break
    assert sorted(got) == sorted(seen)
    assert states[-1] == after_store and "." in states[0]
    # a flag change meanwhile: the Email comes again, after the rest
    r = changes(jmap, "Email", states[0], maxChanges=2)
    m.store("1", "-FLAGS", r"(\Flagged)")
    rest = []
    s = states[0]
    while True:
        r = changes(jmap, "Email", s, maxChanges=2)
        rest += r["updated"]
        s = r["newState"]
        if not r["hasMoreChanges"]:
            break
    assert set(got[2:]) <= set(rest) and s == state(jmap)
    r = changes(jmap, "Email", since, maxChanges=5)
    assert len(r["updated"]) == 1 and r["hasMoreChanges"] is False
    # states inside a change that are none
    for bad in (after_store + ".zz", after_store + ".0123456789abcdef0",
                "0.0123456789abcdef", str(int(after_store) + 5) + ".0123456789abcdef"):
        n, a, _ = jmap.call([["Email/changes", {"sinceState": bad}, "0"]])[0]
        assert n == "error" and a["type"] == "cannotCalculateChanges", bad
    n, a, _ = jmap.call([["Mailbox/changes", {"sinceState": states[0]}, "0"]])[0]
    assert n == "error" and a["type"] == "cannotCalculateChanges"
    m.logout()


def test_bad_states_and_arguments(jmap):
    s = state(jmap)
    for bad in ("abc", "", str(int(s) + 100), "-1", "99999999999999999999"):
        n, a, _ = jmap.call([["Email/changes", {"sinceState": bad}, "0"]])[0]
        assert n == "error" and a["type"] == "cannotCalculateChanges", (bad, a)
    for args in ({}, {"sinceState": 3}, {"sinceState": s, "maxChanges": 0},
                 {"sinceState": s, "maxChanges": "2"}):
        n, a, _ = jmap.call([["Mailbox/changes", args, "0"]])[0]
        assert n == "error" and a["type"] == "invalidArguments", (args, a)
    n, a, _ = jmap.call([["Thread/changes", {"sinceState": s,
                                             "accountId": "A999"}, "0"]])[0]
    assert n == "error" and a["type"] == "accountNotFound"


def test_states_are_one_per_account(jmap_tern, jmap, jmap_bob):
    # bob's writes do not move alice's state
    a0 = state(jmap)
    one(jmap_bob.call([["Mailbox/set", {"create": {"x": {"name": "Bob"}}}, "0"]]))
    assert state(jmap) == a0
    r = changes(jmap, "Mailbox", a0)
    assert r["created"] == [] and r["newState"] == a0


def test_rfc8621_mailbox_changes_example(jmap_tern, jmap):
    # RFC 8621 2.2/2.6: the client asks for changes and, through result
    # references, gets just the updated mailboxes' updated properties
    m = imap(jmap_tern)
    ids = mbox_ids(jmap)
    s0 = state(jmap)
    m.append("INBOX", "", None, b"Subject: new\r\n\r\nnew\r\n")
    r = jmap.call([
        ["Mailbox/changes", {"sinceState": s0}, "0"],
        ["Mailbox/get", {"#ids": {"resultOf": "0", "name": "Mailbox/changes",
                                  "path": "/updated"},
                         "#properties": {"resultOf": "0", "name": "Mailbox/changes",
                                         "path": "/updatedProperties"}}, "1"]])
    ch, get = r[0][1], r[1][1]
    assert ch["updated"] == [ids["INBOX"]] and ch["created"] == []
    assert ch["updatedProperties"] == ["totalEmails", "unreadEmails",
                                       "totalThreads", "unreadThreads"]
    assert get["list"] == [{"id": ids["INBOX"], "totalEmails": 1, "unreadEmails": 1,
                            "totalThreads": 1, "unreadThreads": 1}]
    assert get["state"] == ch["newState"]
    # a rename: updatedProperties null, so the get has every property
    s1 = ch["newState"]
    m.create("Old")
    m.rename("Old", "New")
    r = jmap.call([
        ["Mailbox/changes", {"sinceState": s1}, "0"],
        ["Mailbox/get", {"#ids": {"resultOf": "0", "name": "Mailbox/changes",
                                  "path": "/created"},
                         "#properties": {"resultOf": "0", "name": "Mailbox/changes",
                                         "path": "/updatedProperties"}}, "1"]])
    assert r[0][1]["updatedProperties"] is None
    assert [x["name"] for x in r[1][1]["list"]] == ["New"]
    assert "myRights" in r[1][1]["list"][0]
    m.logout()
