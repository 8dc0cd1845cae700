"""JMAP Email/set (RFC 8621 4.6) against tern: a draft created over JMAP
is seen by IMAP with its flags and parses back (Python's email package);
keyword and mailbox changes by JMAP are seen by IMAP FETCH and an IMAP
STORE by the next Email/set's state; destroy; ifInState; the SetErrors
of bad input."""
import email
import email.policy
import imaplib
import re

from jmap_client import one

ALICE = ("alice@example.test", "alice-secret-pw")


def imap(t):
    m = imaplib.IMAP4("127.0.0.1", t.port("imap"))
    m.login(*ALICE)
    return m


def mailbox_ids(t):
    """{name: MAILBOXID} over IMAP LIST (RFC 8474 STATUS MAILBOXID)"""
    m = imap(t)
    out = {}
    for name in ("INBOX", "Drafts", "Sent"):
        m.create(name)
        typ, data = m.status(name, "(MAILBOXID)")
        assert typ == "OK", data
        out[name] = re.search(rb"MAILBOXID \(([^)]+)\)", data[0]).group(1).decode()
    m.logout()
    return out


def fetch(t, box, what):
    m = imap(t)
    m.select(box)
    typ, data = m.uid("FETCH", "1:*", what)
    m.logout()
    return [d for d in data if d is not None]


def draft(boxes, **extra):
    e = {"mailboxIds": {boxes["Drafts"]: True},
         "keywords": {"$draft": True, "$seen": True, "Work": True},
         "from": [{"name": "Alice Ä", "email": "alice@example.test"}],
         "to": [{"name": "Bob", "email": "bob@example.test"}],
         "subject": "Grüße aus dem Entwurf",
         "textBody": [{"partId": "t", "type": "text/plain"}],
         "htmlBody": [{"partId": "h", "type": "text/html"}],
         "bodyValues": {"t": {"value": "Hallo Bob,\nschöne Grüße\n"},
                        "h": {"value": "<p>Hallo Bob, schöne Grüße</p>"}}}
    e.update(extra)
    return e


def test_create_seen_by_imap(jmap_tern, jmap):
    boxes = mailbox_ids(jmap_tern)
    r = one(jmap.call([["Email/set", {"create": {"d1": draft(boxes)}}, "0"]]),
            "Email/set")
    made = r["created"]["d1"]
    assert re.fullmatch(r"M[0-9a-f]{16}", made["id"])
    assert made["blobId"] == "B" + made["id"][1:]
    assert re.fullmatch(r"T[0-9a-f]{16}", made["threadId"])
    assert made["size"] > 100
    assert r["oldState"] != r["newState"]
    assert r["notCreated"] is None
    # IMAP sees it, with the flags and the keyword, and the same EMAILID
    data = fetch(jmap_tern, "Drafts", "(FLAGS EMAILID RFC822)")
    meta, raw = data[0]
    assert b"\\Draft" in meta and b"\\Seen" in meta and b"work" in meta.lower()
    assert ("EMAILID (%s)" % made["id"]).encode() in meta
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Subject"] == "Grüße aus dem Entwurf"
    assert msg["From"].addresses[0].display_name == "Alice Ä"
    assert msg["Message-ID"] and msg["Date"] and msg["MIME-Version"] == "1.0"
    assert msg.get_content_type() == "multipart/alternative"
    plain = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert plain.get_content().replace("\r\n", "\n") == "Hallo Bob,\nschöne Grüße\n"
    assert html.get_content() == "<p>Hallo Bob, schöne Grüße</p>"
    assert all(len(line) <= 78 for line in raw.split(b"\r\n"))


def test_update_keywords_and_mailboxes(jmap_tern, jmap):
    boxes = mailbox_ids(jmap_tern)
    r = one(jmap.call([["Email/set", {"create": {"d": draft(boxes)}}, "0"]]))
    eid = r["created"]["d"]["id"]
    # patch form: unset $draft, set $flagged; copy into Sent
    r = one(jmap.call([["Email/set", {"update": {eid: {
        "keywords/$draft": None, "keywords/$flagged": True,
        "mailboxIds/" + boxes["Sent"]: True}}}, "0"]]))
    assert r["updated"] == {eid: None}, r
    for box in ("Drafts", "Sent"):
        meta = fetch(jmap_tern, box, "(FLAGS EMAILID)")[0]
        meta = meta if isinstance(meta, bytes) else meta[0]
        assert b"\\Flagged" in meta and b"\\Draft" not in meta, (box, meta)
        assert eid.encode() in meta
    # whole form: only Sent, no keywords
    r = one(jmap.call([["Email/set", {"update": {eid: {
        "mailboxIds": {boxes["Sent"]: True}, "keywords": {}}}}, "0"]]))
    assert r["updated"] == {eid: None}, r
    assert fetch(jmap_tern, "Drafts", "(FLAGS)") == []
    meta = fetch(jmap_tern, "Sent", "(FLAGS)")[0]
    assert b"\\Flagged" not in meta and b"\\Seen" not in meta
    # an IMAP STORE moves the state JMAP reports
    state = r["newState"]
    m = imap(jmap_tern)
    m.select("Sent")
    m.uid("STORE", "1:*", "+FLAGS", "(\\Seen)")
    m.logout()
    resp = jmap.call([["Email/set", {"ifInState": state, "update": {}}, "0"]])
    assert resp[0][0] == "error" and resp[0][1]["type"] == "stateMismatch"
    # and Email/get shows the keyword IMAP set
    got = one(jmap.call([["Email/get", {"ids": [eid], "properties": ["keywords",
                                                                    "mailboxIds"]}, "0"]]))
    assert got["list"][0]["keywords"] == {"$seen": True}
    assert got["list"][0]["mailboxIds"] == {boxes["Sent"]: True}


def test_destroy(jmap_tern, jmap):
    boxes = mailbox_ids(jmap_tern)
    r = one(jmap.call([["Email/set", {"create": {"d": draft(boxes)}}, "0"]]))
    eid = r["created"]["d"]["id"]
    r = one(jmap.call([["Email/set", {"destroy": [eid, "Mffffffffffffffff"]}, "0"]]))
    assert r["destroyed"] == [eid]
    assert r["notDestroyed"]["Mffffffffffffffff"]["type"] == "notFound"
    assert fetch(jmap_tern, "Drafts", "(FLAGS)") == []


def test_creation_reference(jmap_tern, jmap):
    """an update in the same request names the created Email by #id"""
    boxes = mailbox_ids(jmap_tern)
    resp = jmap.call([
        ["Email/set", {"create": {"x": draft(boxes)}}, "0"],
        ["Email/set", {"update": {"#x": {"keywords/$answered": True}}}, "1"]])
    assert resp[1][1]["updated"] == {"#x": None}, resp
    meta = fetch(jmap_tern, "Drafts", "(FLAGS)")[0]
    assert b"\\Answered" in meta


def test_bad_input(jmap_tern, jmap):
    boxes = mailbox_ids(jmap_tern)
    bad = {
        "nobox": draft(boxes, mailboxIds={}),
        "unknownbox": draft(boxes, mailboxIds={"Fffffffffffffffff": True}),
        "badkw": draft(boxes, keywords={"a b": True}),
        "badprop": draft(boxes, size=3),
        "badaddr": draft(boxes, to=[{"email": "no at sign"}]),
        "badblob": draft(boxes, attachments=[{"blobId": "Unope"}]),
        "badheader": draft(boxes, **{"header:X-A": " x\r\nInjected: y"}),
        "dup": draft(boxes, **{"header:Subject:asText": "again"}),
    }
    r = one(jmap.call([["Email/set", {"create": bad, "update": {
        "Mffffffffffffffff": {"keywords/$seen": True}}}, "0"]]))
    nc = r["notCreated"]
    assert r["created"] is None
    assert nc["nobox"] == {"type": "invalidProperties", "properties": ["mailboxIds"]}
    assert nc["unknownbox"]["properties"] == ["mailboxIds"]
    assert nc["badkw"]["properties"] == ["keywords"]
    assert nc["badprop"]["properties"] == ["size"]
    assert nc["badaddr"]["properties"] == ["to"]
    assert nc["badblob"] == {"type": "blobNotFound", "notFound": ["Unope"]}
    assert nc["badheader"]["properties"] == ["header:X-A"]
    assert nc["dup"]["properties"] == ["header:Subject:asText"]
    assert r["notUpdated"]["Mffffffffffffffff"]["type"] == "notFound"
    resp = jmap.call([["Email/set", {"create": []}, "0"]])
    assert resp[0][0] == "error" and resp[0][1]["type"] == "invalidArguments"


def test_attachment_from_upload_read_back(jmap_tern, jmap):
    """an uploaded blob as an attachment and an inline image: the MIME
    parses back in Python and in tern's own Email/get, bytes intact"""
    boxes = mailbox_ids(jmap_tern)
    data = bytes(range(256)) * 40
    up = jmap.upload(data, "application/pdf")
    assert up.status in (200, 201), up.body
    blob = up.json()["blobId"]
    e = draft(boxes, attachments=[
        {"blobId": blob, "type": "application/pdf", "name": "Bericht März.pdf"},
        {"blobId": blob, "type": "image/png", "disposition": "inline",
         "cid": "logo@example.test"}])
    r = one(jmap.call([["Email/set", {"create": {"a": e}}, "0"]]))
    eid = r["created"]["a"]["id"]
    raw = fetch(jmap_tern, "Drafts", "(RFC822)")[0][1]
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg.get_content_type() == "multipart/mixed"
    atts = list(msg.iter_attachments())
    assert [a.get_filename() for a in atts] == ["Bericht März.pdf"]
    assert atts[0].get_content() == data
    related = [p for p in msg.walk() if p.get_content_type() == "multipart/related"]
    assert related and related[0].get_payload()[0].get_content_type() == "text/html"
    assert related[0].get_payload()[1]["Content-ID"] == "<logo@example.test>"
    # tern's own reader sees the same structure
    got = one(jmap.call([["Email/get", {"ids": [eid], "properties": [
        "subject", "from", "attachments", "textBody", "htmlBody", "bodyValues",
        "keywords", "mailboxIds"], "fetchTextBodyValues": True}, "0"]]))
    em = got["list"][0]
    assert em["subject"] == "Grüße aus dem Entwurf"
    assert em["from"] == [{"name": "Alice Ä", "email": "alice@example.test"}]
    assert em["keywords"] == {"$draft": True, "$seen": True, "work": True}
    assert em["mailboxIds"] == {boxes["Drafts"]: True}
    names = sorted(str(a.get("name")) for a in em["attachments"])
    assert "Bericht März.pdf" in names, em["attachments"]
    tb = em["textBody"][0]["partId"]
    assert em["bodyValues"][tb]["value"].replace("\r\n", "\n") == \
        "Hallo Bob,\nschöne Grüße\n"


def test_body_structure_with_email_blobs(jmap_tern, jmap):
    """bodyStructure given whole: a part of another Email (its decoded
    part blob) and that whole Email as message/rfc822 (forwarding)"""
    boxes = mailbox_ids(jmap_tern)
    data = b"%PDF-1.4 " + bytes(range(256)) * 4
    blob = jmap.upload(data, "application/pdf").json()["blobId"]
    r = one(jmap.call([["Email/set", {"create": {"a": draft(boxes, attachments=[
        {"blobId": blob, "type": "application/pdf", "name": "r.pdf"}])}}, "0"]]))
    first = r["created"]["a"]
    got = one(jmap.call([["Email/get", {"ids": [first["id"]],
                                        "properties": ["attachments"]}, "0"]]))
    part_blob = got["list"][0]["attachments"][0]["blobId"]
    fwd = {"mailboxIds": {boxes["Drafts"]: True},
           "from": [{"email": "alice@example.test"}],
           "subject": "Fwd",
           "bodyStructure": {"type": "multipart/mixed", "subParts": [
               {"partId": "1", "type": "text/plain"},
               {"blobId": part_blob, "type": "application/pdf", "name": "again.pdf"},
               {"blobId": first["blobId"], "type": "message/rfc822"}]},
           "bodyValues": {"1": {"value": "see below"}}}
    r = one(jmap.call([["Email/set", {"create": {"f": fwd}}, "0"]]))
    assert "f" in (r["created"] or {}), r
    m = imap(jmap_tern)
    m.select("Drafts")
    typ, data2 = m.uid("FETCH", "2", "(RFC822)")
    m.logout()
    msg = email.message_from_bytes(data2[0][1], policy=email.policy.default)
    parts = msg.get_payload()
    assert parts[1].get_filename() == "again.pdf"
    assert parts[1].get_content() == data
    assert parts[2].get_content_type() == "message/rfc822"
    inner = parts[2].get_payload()[0]
    assert inner["Subject"] == "Grüße aus dem Entwurf"
