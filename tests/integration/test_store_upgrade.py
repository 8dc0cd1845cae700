"""A data folder of store schema version 1 (what tern wrote before JMAP)
opens with this tern, is upgraded in place (version 2: EMAILID/THREADID
columns, the account-wide modseq) and IMAP still serves it as before:
same UIDVALIDITY, UIDs, flags, EMAILIDs, THREADIDs, modseqs that only
grow; JMAP sees it at once.

The folder comes from tests/data/store-v1/ (tern.db made by the tern of
commit d42fa06 and what IMAP showed of it, expected.json). With
TERN_V1_BIN=<an older tern binary> the test makes the folder afresh with
that binary instead; add TERN_V1_SAVE=1 to write it back into
tests/data/store-v1/."""
import imaplib
import json
import os
import re
import shutil
import smtplib

from conftest import ALICE, JMAP_PROTOCOLS
from jmap_client import JmapClient, one

A, APW = ALICE
HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "data", "store-v1")


def imap(t):
    m = imaplib.IMAP4("127.0.0.1", t.port("imap"))
    m.login(A, APW)
    return m


def snapshot(t):
    """What IMAP shows: per mailbox its UIDVALIDITY, HIGHESTMODSEQ and
    each message's uid, flags, modseq, EMAILID, THREADID."""
    m = imap(t)
    m.enable("CONDSTORE")
    out = {}
    for box in ("INBOX", "Archive", "Work"):
        typ, _ = m.select(box)
        assert typ == "OK"
        uv = int(m.response("UIDVALIDITY")[1][0])
        hm = int(m.response("HIGHESTMODSEQ")[1][0])
        msgs = []
        typ, data = m.uid("FETCH", "1:*", "(FLAGS MODSEQ EMAILID THREADID)")
        for d in data:
            if not d:
                continue
            txt = d.decode() if isinstance(d, bytes) else d[0].decode()
            msgs.append({
                "uid": int(re.search(r"UID (\d+)", txt).group(1)),
                "flags": sorted(f for f in re.search(r"FLAGS \(([^)]*)\)", txt)
                                .group(1).split() if f != "\\Recent"),
                "modseq": int(re.search(r"MODSEQ \((\d+)\)", txt).group(1)),
                "emailid": re.search(r"EMAILID \((\w+)\)", txt).group(1),
                "threadid": re.search(r"THREADID \((\w+)\)", txt).group(1)})
        out[box] = {"uidvalidity": uv, "highestmodseq": hm,
                    "messages": sorted(msgs, key=lambda x: x["uid"])}
    m.logout()
    return out


def make_v1(tern_factory, old_bin):
    """A version-1 folder made by old_bin: mail delivered, a thread,
    COPY, flags, an EXPUNGE, a mailbox made."""
    wrap = ["sh", "-c", 'shift; exec "$0" "$@"', old_bin]
    t = tern_factory("v1", protocols=JMAP_PROTOCOLS, wrap=wrap)
    t.add_account(*ALICE)
    t.start()
    with smtplib.SMTP("127.0.0.1", t.port("smtp"), timeout=30) as s:
        for i, extra in enumerate((b"", b"In-Reply-To: <m0@x>\r\n", b"")):
            s.sendmail("x@remote.test", [A], b"Message-ID: <m%d@x>\r\n%s"
                       b"Subject: m%d\r\n\r\nbody %d\r\n" % (i, extra, i, i))
    m = imap(t)
    assert m.create("Work")[0] == "OK"
    m.select("INBOX")
    m.store("1", "+FLAGS", r"(\Seen $Important)")
    m.copy("1:2", "Archive")
    m.store("3", "+FLAGS", r"(\Deleted)")
    m.expunge()
    m.append("Work", r"(\Flagged)", None, b"Subject: w\r\n\r\nw\r\n")
    m.logout()
    before = snapshot(t)
    t.stop()
    return t, before


def test_version1_folder_opens_and_imap_serves_it(tern_factory):
    old_bin = os.environ.get("TERN_V1_BIN")
    if old_bin:
        v1, before = make_v1(tern_factory, old_bin)
        db = os.path.join(v1.data_dir, "tern.db")
        if os.environ.get("TERN_V1_SAVE"):
            os.makedirs(FIXTURE, exist_ok=True)
            shutil.copy(db, os.path.join(FIXTURE, "tern.db"))
            with open(os.path.join(FIXTURE, "expected.json"), "w") as f:
                json.dump(before, f, indent=1, sort_keys=True)
    else:
        db = os.path.join(FIXTURE, "tern.db")
        before = json.load(open(os.path.join(FIXTURE, "expected.json")))

    t = tern_factory("v2", protocols=JMAP_PROTOCOLS)
    shutil.copy(db, os.path.join(t.data_dir, "tern.db"))
    t.start()
    assert "schema upgraded to version 2" in t.log()
    after = snapshot(t)
    for box, b in before.items():
        a = after[box]
        assert a["uidvalidity"] == b["uidvalidity"], box
        assert a["highestmodseq"] >= b["highestmodseq"], box
        assert [(x["uid"], x["flags"], x["emailid"], x["threadid"], x["modseq"])
                for x in a["messages"]] == \
               [(x["uid"], x["flags"], x["emailid"], x["threadid"], x["modseq"])
                for x in b["messages"]], box
    # the reply is in the first message's thread; COPY kept the EMAILID
    inbox, arch = before["INBOX"]["messages"], before["Archive"]["messages"]
    assert inbox[0]["threadid"] == inbox[1]["threadid"]
    assert [x["emailid"] for x in arch] == [x["emailid"] for x in inbox[:2]]

    # JMAP reads the upgraded folder: counts, threads, one state
    j = JmapClient(t, *ALICE)
    r = one(j.call([["Mailbox/get", {"properties": ["name", "totalEmails",
                                                     "unreadEmails"]}, "0"]]))
    counts = {x["name"]: (x["totalEmails"], x["unreadEmails"]) for x in r["list"]}
    assert counts["INBOX"] == (2, 1) and counts["Archive"] == (2, 1)
    assert counts["Work"] == (1, 1)
    state = r["state"]
    top = max(b["highestmodseq"] for b in before.values())
    assert int(state) >= top
    r = one(j.call([["Thread/get", {"ids": [inbox[0]["threadid"]]}, "0"]]))
    assert set(r["list"][0]["emailIds"]) == {inbox[0]["emailid"], inbox[1]["emailid"]}

    # a new write: its modseq is above every old one, in any mailbox,
    # and JMAP sees it as a change since the upgraded state
    m = imap(t)
    m.enable("CONDSTORE")
    m.select("Work")
    m.store("1", "+FLAGS", r"(\Seen)")
    typ, data = m.fetch("1", "(MODSEQ)")
    modseq = int(re.search(rb"MODSEQ \((\d+)\)", data[0]).group(1))
    assert modseq > top
    # CHANGEDSINCE still answers from the old modseqs
    m.select("INBOX")
    old = sorted(x["modseq"] for x in inbox)
    typ, data = m.uid("FETCH", "1:*", "(FLAGS) (CHANGEDSINCE %d)" % (old[-1] - 1))
    assert typ == "OK"
    got = [int(re.search(rb"UID (\d+)", d).group(1)) for d in data if d]
    assert got == [x["uid"] for x in inbox if x["modseq"] == old[-1]]
    m.logout()
    r = one(j.call([["Email/changes", {"sinceState": state}, "0"]]))
    assert r["updated"] == [before["Work"]["messages"][0]["emailid"]]
    j.close()
