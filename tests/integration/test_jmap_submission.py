"""JMAP Identity and EmailSubmission (RFC 8621 6, 7) against tern: the
identities are the addresses SMTP submission lets the account use; an
EmailSubmission goes the SMTP submission way (DKIM-signed, Bcc removed)
to a second local account (read over IMAP) and into the queue for a
remote recipient; onSuccessUpdateEmail moves the draft to Sent; forged
senders and bad recipients get the RFC's SetErrors."""
import email
import email.policy
import imaplib
import re

from jmap_client import one

ALICE = ("alice@example.test", "alice-secret-pw")
BOB = ("bob@example.test", "bob-secret-pw")


def imap(t, who=ALICE):
    m = imaplib.IMAP4("127.0.0.1", t.port("imap"))
    m.login(*who)
    return m


def box_ids(t):
    m = imap(t)
    out = {}
    for name in ("INBOX", "Drafts", "Sent"):
        m.create(name)
        typ, data = m.status(name, "(MAILBOXID)")
        out[name] = re.search(rb"MAILBOXID \(([^)]+)\)", data[0]).group(1).decode()
    m.logout()
    return out


def fetch_all(t, who, box, what="(FLAGS RFC822)"):
    m = imap(t, who)
    m.select(box)
    typ, data = m.uid("FETCH", "1:*", what)
    m.logout()
    return [d for d in data if isinstance(d, tuple)]


def identity(jmap, addr):
    r = one(jmap.call([["Identity/get", {}, "0"]]), "Identity/get")
    return next(i for i in r["list"] if i["email"] == addr)


def draft(boxes, frm="alice@example.test", to=("bob@example.test",),
          bcc=(), subject="Hello Bob"):
    e = {"mailboxIds": {boxes["Drafts"]: True},
         "keywords": {"$draft": True, "$seen": True},
         "from": [{"name": "Alice", "email": frm}],
         "to": [{"email": a} for a in to],
         "subject": subject,
         "textBody": [{"partId": "1"}],
         "bodyValues": {"1": {"value": "Dear Bob,\nhello.\n"}}}
    if bcc:
        e["bcc"] = [{"email": a} for a in bcc]
    return e


def test_identities(jmap_tern, jmap):
    jmap_tern.cli("alias", "add", "sales@example.test", "alice@example.test")
    jmap_tern.cli("alias", "add", "@example.test", "alice@example.test")
    r = one(jmap.call([["Identity/get", {}, "0"]]), "Identity/get")
    emails = sorted(i["email"] for i in r["list"])
    # the catch-all is no address of alice's; bob's address is not hers
    assert emails == ["alice@example.test", "sales@example.test"], r
    own = identity(jmap, "alice@example.test")
    assert own["mayDelete"] is False and re.fullmatch(r"I[0-9a-f]{16}", own["id"])
    state = r["state"]
    r = one(jmap.call([["Identity/set", {
        "create": {"x": {"email": "sales@example.test", "name": "Sales",
                         "textSignature": "-- \nSales"},
                   "forged": {"email": "bob@example.test"},
                   "bad": {"email": "alice@example.test", "mayDelete": True}},
        "update": {own["id"]: {"name": "Alice A."}}}, "0"]]), "Identity/set")
    assert r["notCreated"]["forged"]["type"] == "forbiddenFrom"
    assert r["notCreated"]["bad"] == {"type": "invalidProperties",
                                      "properties": ["mayDelete"]}
    new = r["created"]["x"]["id"]
    assert r["updated"] == {own["id"]: None}
    assert r["oldState"] == state and r["newState"] != state
    r = one(jmap.call([["Identity/get", {"ids": [new, own["id"], "Inope"]}, "0"]]))
    got = {i["id"]: i for i in r["list"]}
    assert got[new]["name"] == "Sales" and got[new]["mayDelete"] is True
    assert got[new]["textSignature"] == "-- \nSales"
    assert got[own["id"]]["name"] == "Alice A."
    assert r["notFound"] == ["Inope"]
    # changes: none since the current state, else cannotCalculateChanges
    ch = jmap.call([["Identity/changes", {"sinceState": r["state"]}, "0"],
                    ["Identity/changes", {"sinceState": state}, "1"]])
    assert ch[0][1]["created"] == [] and ch[0][1]["newState"] == r["state"]
    assert ch[1][0] == "error" and ch[1][1]["type"] == "cannotCalculateChanges"
    r = one(jmap.call([["Identity/set", {"destroy": [new, own["id"]],
                                         "update": {own["id"]: {"email": "x@example.test"}}}, "0"]]))
    assert r["destroyed"] == [new]
    assert r["notDestroyed"][own["id"]]["type"] == "forbidden"
    assert r["notUpdated"][own["id"]]["properties"] == ["email"]


def test_submit_local_and_remote(jmap_tern, jmap):
    boxes = box_ids(jmap_tern)
    ident = identity(jmap, "alice@example.test")
    resp = jmap.call([
        ["Email/set", {"create": {"d": draft(
            boxes, to=("bob@example.test", "carol@remote.example.com"),
            bcc=("bob@example.test",))}}, "0"],
        ["EmailSubmission/set", {
            "create": {"s": {"identityId": ident["id"], "emailId": "#d"}},
            "onSuccessUpdateEmail": {"#s": {
                "mailboxIds/" + boxes["Drafts"]: None,
                "mailboxIds/" + boxes["Sent"]: True,
                "keywords/$draft": None}}}, "1"]])
    # the implicit Email/set answers right after, with the call's id
    assert [(r[0], r[2]) for r in resp] == [
        ("Email/set", "0"), ("EmailSubmission/set", "1"), ("Email/set", "1")], resp
    made = resp[1][1]["created"]["s"]
    assert made["undoStatus"] == "final" and re.fullmatch(r"S[0-9a-f]{16}", made["id"])
    eid = resp[0][1]["created"]["d"]["id"]
    assert resp[2][1]["updated"] == {eid: None}, resp
    # bob got it over the submission path: DKIM-signed, no Bcc, one copy
    got = fetch_all(jmap_tern, BOB, "INBOX")
    assert len(got) == 1, got
    raw = got[0][1]
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Subject"] == "Hello Bob"
    assert msg["Bcc"] is None and b"Bcc:" not in raw
    assert msg["DKIM-Signature"] and "d=example.test;" in msg["DKIM-Signature"]
    assert msg["Return-Path"] == "<alice@example.test>"
    assert msg.get_content().replace("\r\n", "\n") == "Dear Bob,\nhello.\n"
    # the remote recipient waits in the queue (tests reach no DNS)
    q = jmap_tern.cli("queue", "list").stdout
    assert "carol@remote.example.com" in q, q
    # the draft moved to Sent without $draft
    assert fetch_all(jmap_tern, ALICE, "Drafts") == []
    m = imap(jmap_tern)
    m.select("Sent")
    typ, data = m.uid("FETCH", "1:*", "(FLAGS)")
    m.logout()
    assert b"\\Draft" not in data[0] and b"\\Seen" in data[0], data
    # the record
    r = one(jmap.call([["EmailSubmission/get", {"ids": [made["id"]]}, "0"]]))
    rec = r["list"][0]
    assert rec["emailId"] == eid and rec["identityId"] == ident["id"]
    assert rec["envelope"]["mailFrom"]["email"] == "alice@example.test"
    assert sorted(a["email"] for a in rec["envelope"]["rcptTo"]) == \
        ["bob@example.test", "carol@remote.example.com"]
    assert rec["deliveryStatus"]["bob@example.test"]["delivered"] == "yes"
    assert rec["deliveryStatus"]["carol@remote.example.com"]["delivered"] == "queued"
    assert "_queue" not in rec and "_seq" not in rec
    # read from the queue: once the message has left it, unknown
    qid = re.search(r"queue_id=(\d+)", q).group(1)
    jmap_tern.cli("queue", "delete", qid)
    r = one(jmap.call([["EmailSubmission/get", {"ids": [made["id"]],
                                                "properties": ["deliveryStatus"]}, "0"]]))
    ds = r["list"][0]["deliveryStatus"]
    assert ds["carol@remote.example.com"]["delivered"] == "unknown"
    assert ds["bob@example.test"]["delivered"] == "yes"
    # it cannot be cancelled: it has gone
    r = one(jmap.call([["EmailSubmission/set", {"update": {
        made["id"]: {"undoStatus": "canceled"}}}, "0"]]))
    assert r["notUpdated"][made["id"]]["type"] == "cannotUnsend"


def test_submit_refused(jmap_tern, jmap):
    boxes = box_ids(jmap_tern)
    ident = identity(jmap, "alice@example.test")
    drafts = {"forged": draft(boxes, frm="bob@example.test"),
              "ok": draft(boxes),
              "unknown": draft(boxes, to=("nobody@example.test",)),
              "none": draft(boxes, to=())}
    r = one(jmap.call([["Email/set", {"create": drafts}, "0"]]))
    ids = {k: v["id"] for k, v in r["created"].items()}
    env_bob = {"mailFrom": {"email": "bob@example.test"},
               "rcptTo": [{"email": "bob@example.test"}]}
    r = one(jmap.call([["EmailSubmission/set", {"create": {
        "forged": {"identityId": ident["id"], "emailId": ids["forged"]},
        "mailfrom": {"identityId": ident["id"], "emailId": ids["ok"],
                     "envelope": env_bob},
        "unknown": {"identityId": ident["id"], "emailId": ids["unknown"]},
        "none": {"identityId": ident["id"], "emailId": ids["none"]},
        "noident": {"identityId": "Inope", "emailId": ids["ok"]},
        "noemail": {"identityId": ident["id"], "emailId": "Mffffffffffffffff"},
        "params": {"identityId": ident["id"], "emailId": ids["ok"],
                   "envelope": {"mailFrom": {"email": "alice@example.test",
                                             "parameters": {"HOLDFOR": "60"}},
                                "rcptTo": [{"email": "bob@example.test"}]}},
    }}, "0"]]))
    nc = r["notCreated"]
    assert r["created"] is None, r
    assert nc["forged"]["type"] == "forbiddenFrom"
    assert nc["mailfrom"]["type"] == "forbiddenMailFrom"
    assert nc["unknown"] == {"type": "invalidRecipients",
                             "invalidRecipients": ["nobody@example.test"]}
    assert nc["none"]["type"] == "noRecipients"
    assert nc["noident"]["properties"] == ["identityId"]
    assert nc["noemail"]["properties"] == ["emailId"]
    assert nc["params"]["properties"] == ["envelope"]
    # nothing reached bob
    assert fetch_all(jmap_tern, BOB, "INBOX") == []


def test_dkim_signature_verifies(jmap_tern, jmap):
    """the signature JMAP's submission adds verifies in python3-dkim
    against the keys `tern dkim show` publishes"""
    import dkim
    from test_dkim import show_records, pydkim_dns
    boxes = box_ids(jmap_tern)
    ident = identity(jmap, "alice@example.test")
    jmap.call([
        ["Email/set", {"create": {"d": draft(boxes, subject="Signed")}}, "0"],
        ["EmailSubmission/set", {"create": {"s": {
            "identityId": ident["id"], "emailId": "#d"}}}, "1"]])
    raw = fetch_all(jmap_tern, BOB, "INBOX")[0][1]
    # bob's copy starts with his Return-Path and Delivered-To
    while not raw.startswith(b"DKIM-Signature:"):
        raw = raw[raw.index(b"\r\n") + 2:]
    recs = show_records(jmap_tern, "example.test")
    n = len(re.findall(rb"(?m)^DKIM-Signature:", raw))
    assert n >= 1
    for i in range(n):
        assert dkim.DKIM(raw).verify(i, dnsfunc=pydkim_dns(recs)), i


def test_old_records_pruned(jmap_tern, jmap):
    """the records of the last 50 submissions are kept, the oldest go"""
    boxes = box_ids(jmap_tern)
    ident = identity(jmap, "alice@example.test")
    r = one(jmap.call([["Email/set", {"create": {"d": draft(boxes)}}, "0"]]))
    eid = r["created"]["d"]["id"]
    first = one(jmap.call([["EmailSubmission/set", {"create": {"s": {
        "identityId": ident["id"], "emailId": eid}}}, "0"]]))["created"]["s"]["id"]
    creates = {"s%d" % i: {"identityId": ident["id"], "emailId": eid}
               for i in range(60)}
    r = one(jmap.call([["EmailSubmission/set", {"create": creates}, "0"]]))
    assert len(r["created"]) == 60, r["notCreated"]
    r = one(jmap.call([["EmailSubmission/get", {}, "0"]]))
    ids = [s["id"] for s in r["list"]]
    assert len(ids) == 50 and first not in ids
    r = one(jmap.call([["EmailSubmission/get", {"ids": [first]}, "0"]]))
    assert r["notFound"] == [first]


def test_query(jmap_tern, jmap):
    boxes = box_ids(jmap_tern)
    ident = identity(jmap, "alice@example.test")
    r = one(jmap.call([["Email/set", {"create": {
        "a": draft(boxes, subject="A"), "b": draft(boxes, subject="B")}}, "0"]]))
    ea, eb = r["created"]["a"]["id"], r["created"]["b"]["id"]
    subs = []
    for e in (ea, eb, ea):
        r = one(jmap.call([["EmailSubmission/set", {"create": {"s": {
            "identityId": ident["id"], "emailId": e}}}, "0"]]))
        subs.append(r["created"]["s"]["id"])
    r = one(jmap.call([["EmailSubmission/query", {
        "filter": {"emailIds": [ea]}, "calculateTotal": True}, "0"]]))
    assert r["ids"] == [subs[0], subs[2]] and r["total"] == 2
    r = one(jmap.call([["EmailSubmission/query", {
        "sort": [{"property": "emailId", "isAscending": ea < eb}],
        "position": 1, "limit": 1}, "0"]]))
    assert r["ids"] == [subs[2]] and r["position"] == 1
    r = one(jmap.call([["EmailSubmission/query", {
        "filter": {"undoStatus": "pending"}}, "0"]]))
    assert r["ids"] == []
    bad = jmap.call([
        ["EmailSubmission/query", {"filter": {"subject": "x"}}, "0"],
        ["EmailSubmission/query", {"sort": [{"property": "size"}]}, "1"],
        ["EmailSubmission/queryChanges", {"sinceQueryState": "0"}, "2"]])
    assert [b[1]["type"] for b in bad] == [
        "unsupportedFilter", "unsupportedSort", "cannotCalculateChanges"]


def test_on_success_destroy(jmap_tern, jmap):
    boxes = box_ids(jmap_tern)
    ident = identity(jmap, "alice@example.test")
    resp = jmap.call([
        ["Email/set", {"create": {"d": draft(boxes)}}, "0"],
        ["EmailSubmission/set", {
            "create": {"s": {"identityId": ident["id"], "emailId": "#d"},
                       "bad": {"identityId": ident["id"], "emailId": "Mffffffffffffffff"}},
            "onSuccessDestroyEmail": ["#s", "#bad"]}, "1"]])
    eid = resp[0][1]["created"]["d"]["id"]
    assert resp[2][0] == "Email/set" and resp[2][1]["destroyed"] == [eid], resp
    # a failed create destroys nothing
    assert resp[2][1]["notDestroyed"] is None
    assert fetch_all(jmap_tern, ALICE, "Drafts") == []
    assert len(fetch_all(jmap_tern, BOB, "INBOX")) == 1
