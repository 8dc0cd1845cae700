"""JMAP Email/import (RFC 8621 4.8) of uploaded blobs, the Email blobs
("B<hex>" the message, "B<hex>.<partId>" a decoded part) read back
through the download URL, and Email/copy's refusals (one account)."""
import base64
import imaplib
import re

from conftest import ALICE
from jmap_client import one

A, APW = ALICE

ATTACHED = b"\x00\x01binary\xffdata" * 20
MULTIPART = (
    b"From: a@example.test\r\nTo: b@example.test\r\n"
    b"Message-ID: <imp@example.test>\r\nSubject: import me\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n"
    b"--XX\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    b"caf=C3=A9 au lait\r\n"
    b"--XX\r\nContent-Type: application/octet-stream\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\n"
    + base64.encodebytes(ATTACHED).replace(b"\n", b"\r\n") +
    b"--XX--\r\n")


def mbox_ids(jmap):
    r = one(jmap.call([["Mailbox/get", {"properties": ["name"]}, "0"]]))
    return {m["name"]: m["id"] for m in r["list"]}


def upload(jmap, data):
    r = jmap.upload(data, "message/rfc822")
    assert r.status in (200, 201), (r.status, r.body)
    return r.json()["blobId"]


def download(jmap, blob_id, name="x"):
    return jmap.request("GET", "/jmap/download/%s/%s/%s?accept=application/octet-stream"
                        % (jmap.account_id, blob_id, name))


def test_import_into_two_mailboxes_seen_by_imap(jmap_tern, jmap):
    ids = mbox_ids(jmap)
    blob = upload(jmap, MULTIPART)
    s0 = one(jmap.call([["Mailbox/get", {"ids": []}, "0"]]))["state"]
    r = one(jmap.call([["Email/import", {"emails": {"i1": {
        "blobId": blob, "mailboxIds": {ids["INBOX"]: True, ids["Archive"]: True},
        "keywords": {"$seen": True, "Work": True},
        "receivedAt": "2020-02-03T04:05:06Z"}}}, "0"]]), "Email/import")
    made = r["created"]["i1"]
    eid = made["id"]
    assert eid.startswith("M") and made["blobId"] == "B" + eid[1:]
    assert made["threadId"].startswith("T") and made["size"] == len(MULTIPART)
    assert r["oldState"] == s0 and int(r["newState"]) > int(s0)
    assert r.get("notCreated") is None
    m = imaplib.IMAP4("127.0.0.1", jmap_tern.port("imap"))
    m.login(A, APW)
    for box in ("INBOX", "Archive"):
        m.select(box)
        txt = m.fetch("1", "(EMAILID FLAGS INTERNALDATE)")[1][0].decode()
        assert "EMAILID (%s)" % eid in txt, txt
        assert "\\Seen" in txt and "work" in txt.lower(), txt
        assert " 3-Feb-2020 04:05:06 +0000" in txt, txt
        assert m.fetch("1", "(BODY.PEEK[])")[1][0][1] == MULTIPART
    m.logout()
    # one Email in Email/changes; counts in both mailboxes
    r = one(jmap.call([["Email/changes", {"sinceState": s0}, "0"]]))
    assert r["created"] == [eid]
    # the Email's blob, and its parts decoded
    d = download(jmap, made["blobId"])
    assert d.status == 200 and d.body == MULTIPART
    d = download(jmap, made["blobId"] + ".1")
    assert d.status == 200 and d.body == "café au lait".encode()
    d = download(jmap, made["blobId"] + ".2")
    assert d.status == 200 and d.body == ATTACHED
    for bad in (made["blobId"] + ".3", made["blobId"] + ".0",
                made["blobId"] + ".1.1.1", "B0000000000000000",
                made["blobId"][:-1], made["blobId"] + "."):
        assert download(jmap, bad).status == 404, bad
    # importing the Email's own blob makes a second Email
    r = one(jmap.call([["Email/import", {"emails": {"again": {
        "blobId": made["blobId"], "mailboxIds": {ids["Trash"]: True}}}}, "0"]]))
    assert r["created"]["again"]["id"] != eid


def test_import_into_a_mailbox_made_in_the_same_request(jmap):
    blob = upload(jmap, b"Subject: hi\r\n\r\nhi\r\n")
    r = jmap.call([
        ["Mailbox/set", {"create": {"m": {"name": "Imported"}}}, "0"],
        ["Email/import", {"emails": {"e": {"blobId": blob,
                                           "mailboxIds": {"#m": True}}}}, "1"],
        ["Mailbox/get", {"ids": ["#m"], "properties": ["totalEmails"]}, "2"]])
    assert r[1][0] == "Email/import" and "e" in r[1][1]["created"], r
    assert r[2][1]["list"][0]["totalEmails"] == 1


def test_import_bad_input(jmap, jmap_bob):
    ids = mbox_ids(jmap)
    blob = upload(jmap, b"Subject: x\r\n\r\nx\r\n")
    inbox = {ids["INBOX"]: True}
    r = one(jmap.call([["Email/import", {"emails": {
        "nob": {"blobId": "Uffffffffffffffff", "mailboxIds": inbox},
        "nom": {"blobId": blob, "mailboxIds": {}},
        "unk": {"blobId": blob, "mailboxIds": {"Fnothere": True}},
        "kw": {"blobId": blob, "mailboxIds": inbox, "keywords": {"a b": True}},
        "kw2": {"blobId": blob, "mailboxIds": inbox, "keywords": {"x": False}},
        "dt": {"blobId": blob, "mailboxIds": inbox, "receivedAt": "yesterday"},
        "xp": {"blobId": blob, "mailboxIds": inbox, "subject": "no"},
        "nobid": {"mailboxIds": inbox}}}, "0"]]))
    nc = r["notCreated"]
    assert nc["nob"]["type"] == "blobNotFound" and nc["nob"]["notFound"] == ["Uffffffffffffffff"]
    assert nc["nom"]["properties"] == ["mailboxIds"]
    assert nc["unk"]["properties"] == ["mailboxIds"]
    assert nc["kw"]["properties"] == ["keywords"]
    assert nc["kw2"]["properties"] == ["keywords"]
    assert nc["dt"]["properties"] == ["receivedAt"]
    assert nc["xp"]["properties"] == ["subject"]
    assert nc["nobid"]["properties"] == ["blobId"]
    assert r.get("created") is None
    # another account's upload is not found
    r = one(jmap_bob.call([["Email/import", {"emails": {"b": {
        "blobId": blob, "mailboxIds": {mbox_ids(jmap_bob)["INBOX"]: True}}}}, "0"]]))
    assert r["notCreated"]["b"]["type"] == "blobNotFound"
    for args, err in (({"emails": []}, "invalidArguments"),
                      ({"emails": {}, "ifInState": "12345"}, "stateMismatch")):
        n, a, _ = jmap.call([["Email/import", args, "0"]])[0]
        assert n == "error" and a["type"] == err, a


def test_email_copy_needs_another_account(jmap):
    me = jmap.account_id
    for args, err in (({"fromAccountId": me, "create": {}}, "invalidArguments"),
                      ({"fromAccountId": "A999", "create": {}}, "fromAccountNotFound"),
                      ({"create": {}}, "invalidArguments")):
        n, a, _ = jmap.call([["Email/copy", args, "0"]])[0]
        assert n == "error" and a["type"] == err, a
