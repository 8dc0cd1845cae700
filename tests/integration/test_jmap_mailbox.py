"""JMAP Mailbox (RFC 8621 2) and Thread/get on tern's store: Mailbox/get,
/query (filters, sorts, sortAsTree/filterAsTree), /set (create, rename,
move, role, sortOrder, subscribe, destroy and its errors), /queryChanges,
Thread/get; IMAP and JMAP seeing one another's mailboxes; bad input."""
import imaplib

from conftest import ALICE
from jmap_client import one

A, APW = ALICE


def imap(t):
    m = imaplib.IMAP4("127.0.0.1", t.port("imap"))
    m.login(A, APW)
    return m


def append(t, mailbox, msg, flags="", date=None):
    m = imap(t)
    typ, _ = m.append(mailbox, flags, date and imaplib.Time2Internaldate(date),
                      msg)
    assert typ == "OK"
    m.logout()


def mailboxes(jmap, **args):
    r = one(jmap.call([["Mailbox/get", args, "0"]]), "Mailbox/get")
    return {m["name"]: m for m in r["list"]}, r


def mset(jmap, **args):
    return one(jmap.call([["Mailbox/set", args, "0"]]), "Mailbox/set")


def test_get_the_new_accounts_mailboxes(jmap):
    boxes, r = mailboxes(jmap)
    assert set(boxes) == {"INBOX", "Sent", "Drafts", "Trash", "Junk", "Archive"}
    assert int(r["state"]) > 0 and r["notFound"] == []
    roles = {n: m["role"] for n, m in boxes.items()}
    assert roles == {"INBOX": "inbox", "Sent": "sent", "Drafts": "drafts",
                     "Trash": "trash", "Junk": "junk", "Archive": "archive"}
    inbox = boxes["INBOX"]
    assert inbox["id"].startswith("F") and len(inbox["id"]) == 17
    assert inbox["parentId"] is None and inbox["isSubscribed"] is True
    assert inbox["totalEmails"] == 0 and inbox["unreadThreads"] == 0
    assert inbox["myRights"]["mayReadItems"] is True
    assert inbox["myRights"]["mayDelete"] is False
    assert boxes["Trash"]["myRights"]["mayDelete"] is True
    # properties and ids select; unknown ids are notFound
    r = one(jmap.call([["Mailbox/get", {"ids": [inbox["id"], "Fnope"],
                                         "properties": ["name"]}, "0"]]))
    assert r["list"] == [{"id": inbox["id"], "name": "INBOX"}]
    assert r["notFound"] == ["Fnope"]


def test_counts_follow_imap(jmap_tern, jmap):
    t = jmap_tern
    append(t, "INBOX", b"Message-ID: <a@x>\r\nSubject: a\r\n\r\na\r\n")
    append(t, "INBOX", b"Message-ID: <b@x>\r\nIn-Reply-To: <a@x>\r\n"
           b"Subject: Re: a\r\n\r\nb\r\n", r"(\Seen)")
    append(t, "INBOX", b"Subject: c\r\n\r\nc\r\n", r"(\Draft)")
    boxes, _ = mailboxes(jmap)
    i = boxes["INBOX"]
    # 3 Emails, 2 Threads; unread leaves \Seen and \Draft out
    assert (i["totalEmails"], i["unreadEmails"]) == (3, 1)
    assert (i["totalThreads"], i["unreadThreads"]) == (2, 1)


def test_rfc8621_mailbox_query_example(jmap):
    # RFC 8621 2.3's example: the subscribed mailboxes as a tree, sorted
    # by sortOrder then name, top-level ones first
    mset(jmap, create={"a": {"name": "Projects", "isSubscribed": True,
                             "sortOrder": 5},
                       "b": {"name": "tern", "parentId": "#a",
                             "isSubscribed": True},
                       "c": {"name": "alpha", "parentId": "#a",
                             "isSubscribed": False}})
    boxes, _ = mailboxes(jmap)
    r = one(jmap.call([["Mailbox/query", {
        "filter": {"isSubscribed": True},
        "sort": [{"property": "sortOrder"}, {"property": "name"}],
        "sortAsTree": True, "filterAsTree": True,
        "calculateTotal": True}, "0"]]), "Mailbox/query")
    names = [next(n for n, m in boxes.items() if m["id"] == i) for i in r["ids"]]
    assert names == ["Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash",
                     "Projects", "tern"]
    assert r["total"] == 8 and r["position"] == 0
    assert r["canCalculateChanges"] is True and r["queryState"].isdigit()
    # role and hasAnyRole, name contains (any case), parentId, operators
    q = lambda f, **kw: one(jmap.call([["Mailbox/query",
                                        dict(filter=f, **kw), "0"]]))["ids"]
    assert q({"role": "trash"}) == [boxes["Trash"]["id"]]
    assert len(q({"hasAnyRole": False})) == 3
    assert q({"name": "ALP"}) == [boxes["alpha"]["id"]]
    assert set(q({"parentId": boxes["Projects"]["id"]})) == \
        {boxes["tern"]["id"], boxes["alpha"]["id"]}
    assert len(q({"operator": "NOT", "conditions": [{"hasAnyRole": True}]})) == 3
    assert len(q({"operator": "OR", "conditions": [{"role": "sent"},
                                                   {"role": "junk"}]})) == 2
    # paging: position, anchor, limit
    all_ids = q(None, sort=[{"property": "name", "isAscending": False}])
    assert one(jmap.call([["Mailbox/query", {"position": -2}, "0"]]))["position"] == 7
    r = one(jmap.call([["Mailbox/query", {"sort": [{"property": "name",
                                                    "isAscending": False}],
                                          "anchor": all_ids[3],
                                          "anchorOffset": -1, "limit": 2}, "0"]]))
    assert r["ids"] == all_ids[2:4] and r["position"] == 2


def test_query_bad_input(jmap):
    def err(args):
        n, a, _ = jmap.call([["Mailbox/query", args, "0"]])[0]
        assert n == "error", a
        return a["type"]
    assert err({"filter": {"color": "red"}}) == "unsupportedFilter"
    assert err({"filter": {"operator": "XOR", "conditions": []}}) == "invalidArguments"
    assert err({"filter": {"role": 5}}) == "invalidArguments"
    assert err({"sort": [{"property": "totalEmails"}]}) == "unsupportedSort"
    assert err({"anchor": "Fnothere"}) == "anchorNotFound"
    assert err({"limit": -1}) == "invalidArguments"


def test_set_create_rename_move_destroy_seen_by_imap(jmap_tern, jmap):
    t = jmap_tern
    r = mset(jmap, create={"w": {"name": "Work", "role": None}})
    wid = r["created"]["w"]["id"]
    assert r["created"]["w"]["myRights"]["mayAddItems"] is True
    assert int(r["newState"]) > int(r["oldState"])
    r = mset(jmap, create={"k": {"name": "Kid", "parentId": wid}})
    kid = r["created"]["k"]["id"]
    m = imap(t)
    names = [l.decode() for l in m.list()[1]]
    assert any(l.endswith('"Work/Kid"') for l in names), names
    # rename and move under another parent: IMAP RENAME, ids kept
    boxes, _ = mailboxes(jmap)
    r = mset(jmap, update={wid: {"name": "Job", "parentId": boxes["Archive"]["id"]}})
    assert r["updated"] == {wid: None}, r
    names = [l.decode() for l in m.list()[1]]
    assert any(l.endswith('"Archive/Job/Kid"') for l in names), names
    boxes, _ = mailboxes(jmap)
    assert boxes["Job"]["id"] == wid and boxes["Kid"]["parentId"] == wid
    # an IMAP rename is seen by JMAP with the same id
    assert m.rename("Archive/Job/Kid", "Kid2")[0] == "OK"
    boxes, _ = mailboxes(jmap)
    assert boxes["Kid2"]["id"] == kid and boxes["Kid2"]["parentId"] is None
    # destroy: a child blocks, email blocks unless onDestroyRemoveEmails
    r = mset(jmap, update={kid: {"parentId": wid}})
    r = mset(jmap, destroy=[wid])
    assert r["notDestroyed"][wid]["type"] == "mailboxHasChild"
    m.append("Archive/Job/Kid2", "", None, b"Subject: x\r\n\r\nx\r\n")
    r = mset(jmap, destroy=[kid])
    assert r["notDestroyed"][kid]["type"] == "mailboxHasEmail"
    r = mset(jmap, destroy=[kid, wid], onDestroyRemoveEmails=True)
    assert r["destroyed"] == [kid, wid]
    names = [l.decode() for l in m.list()[1]]
    assert not any("Job" in l for l in names), names
    m.logout()


def test_set_role_sort_subscribe(jmap_tern, jmap):
    boxes, _ = mailboxes(jmap)
    arch, trash = boxes["Archive"]["id"], boxes["Trash"]["id"]
    # a role is one mailbox's
    r = mset(jmap, update={arch: {"role": "trash"}})
    assert r["notUpdated"][arch]["type"] == "invalidProperties"
    assert r["notUpdated"][arch]["properties"] == ["role"]
    r = mset(jmap, update={trash: {"role": None},
                           arch: {"sortOrder": 3, "isSubscribed": False}})
    assert set(r["updated"]) == {trash, arch}, r
    # now the role is free
    r = mset(jmap, update={arch: {"role": "trash"}})
    assert r["updated"] == {arch: None}
    boxes, _ = mailboxes(jmap)
    assert boxes["Archive"]["role"] == "trash" and boxes["Trash"]["role"] is None
    assert boxes["Archive"]["sortOrder"] == 3
    assert boxes["Archive"]["isSubscribed"] is False
    m = imap(jmap_tern)
    lsub = [l.decode() for l in m.lsub()[1]]
    assert not any(l.endswith('"Archive"') for l in lsub)
    listed = [l.decode() for l in m.list('""', "Archive")[1]]
    assert "\\Trash" in listed[0], listed
    m.logout()


def test_set_bad_input(jmap):
    boxes, _ = mailboxes(jmap)
    inbox = boxes["INBOX"]["id"]
    r = mset(jmap, create={"1": {"name": "a/b"}, "2": {},
                           "3": {"name": "x", "parentId": "Fnothere"},
                           "4": {"name": "y", "totalEmails": 3},
                           "5": {"name": "Sent"},
                           "6": {"name": "z", "role": "inbox"},
                           "7": {"name": "w" * 491},
                           "8": {"name": "v", "role": "nonsense"}},
             update={inbox: {"name": "Other"}, "Fnothere": {"name": "q"}},
             destroy=[inbox, "Fnothere"])
    nc = r["notCreated"]
    assert nc["1"]["properties"] == ["name"]
    assert nc["2"]["properties"] == ["name"]
    assert nc["3"]["properties"] == ["parentId"]
    assert nc["4"]["properties"] == ["totalEmails"]
    assert nc["5"]["properties"] == ["name"]
    assert nc["6"]["properties"] == ["role"]
    assert nc["7"]["properties"] == ["name"]
    assert nc["8"]["properties"] == ["role"]
    assert r["created"] is None
    assert r["notUpdated"][inbox]["type"] == "forbidden"
    assert r["notUpdated"]["Fnothere"]["type"] == "notFound"
    assert r["notDestroyed"][inbox]["type"] == "forbidden"
    assert r["notDestroyed"]["Fnothere"]["type"] == "notFound"
    # a parent inside itself
    r = mset(jmap, create={"p": {"name": "P"}})
    pid = r["created"]["p"]["id"]
    r = mset(jmap, create={"c": {"name": "C", "parentId": pid}})
    cid = r["created"]["c"]["id"]
    r = mset(jmap, update={pid: {"parentId": cid}})
    assert r["notUpdated"][pid]["properties"] == ["parentId"]
    # ifInState
    n, a, _ = jmap.call([["Mailbox/set", {"ifInState": "1",
                                          "create": {"x": {"name": "X"}}}, "0"]])[0]
    assert n == "error" and a["type"] == "stateMismatch"
    # too many ids, bad arguments, another account
    n, a, _ = jmap.call([["Mailbox/get", {"ids": ["F%d" % i for i in range(1001)]}, "0"]])[0]
    assert n == "error" and a["type"] == "requestTooLarge"
    n, a, _ = jmap.call([["Mailbox/get", {"ids": "all"}, "0"]])[0]
    assert n == "error" and a["type"] == "invalidArguments"
    n, a, _ = jmap.call([["Mailbox/get", {"properties": ["colour"]}, "0"]])[0]
    assert n == "error" and a["type"] == "invalidArguments"
    n, a, _ = jmap.call([["Mailbox/set", {"destroy": {}}, "0"]])[0]
    assert n == "error" and a["type"] == "invalidArguments"
    n, a, _ = jmap.call([["Mailbox/set", {"destroy": ["F%d" % i for i in range(1001)]},
                          "0"]])[0]
    assert n == "error" and a["type"] == "requestTooLarge"
    n, a, _ = jmap.call([["Mailbox/set", {"update": {pid: "name"}}, "0"]])[0]
    assert a["notUpdated"][pid]["type"] == "invalidPatch"
    n, a, _ = jmap.call([["Mailbox/get", {"accountId": "A999"}, "0"]])[0]
    assert n == "error" and a["type"] == "accountNotFound"


def test_query_changes(jmap):
    q = {"filter": {"hasAnyRole": True}, "calculateTotal": True}
    r = one(jmap.call([["Mailbox/query", q, "0"]]))
    state = r["queryState"]
    # only counts change: the query is the same
    r = one(jmap.call([["Mailbox/queryChanges", dict(q, sinceQueryState=state), "0"]]))
    assert r["added"] == [] and r["removed"] == [] and r["total"] == 6
    assert r["oldQueryState"] == state
    mset(jmap, create={"n": {"name": "New"}})
    n, a, _ = jmap.call([["Mailbox/queryChanges", dict(q, sinceQueryState=state), "0"]])[0]
    assert n == "error" and a["type"] == "cannotCalculateChanges"
    n, a, _ = jmap.call([["Mailbox/queryChanges", {}, "0"]])[0]
    assert n == "error" and a["type"] == "invalidArguments"


def test_thread_get(jmap_tern, jmap):
    t = jmap_tern
    append(t, "INBOX", b"Message-ID: <r@x>\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
           b"Subject: r\r\n\r\nr\r\n", date=1700000000)
    append(t, "Archive", b"Message-ID: <s@x>\r\nReferences: <r@x>\r\n"
           b"Subject: Re: r\r\n\r\ns\r\n", date=1600000000)
    boxes, _ = mailboxes(jmap)
    m = imap(t)
    m.select("INBOX")
    typ, data = m.fetch("1", "(EMAILID THREADID)")
    assert typ == "OK", data
    txt = data[0].decode()
    eid = txt.split("EMAILID (")[1].split(")")[0]
    tid = txt.split("THREADID (")[1].split(")")[0]
    m.select("Archive")
    txt = m.fetch("1", "(EMAILID THREADID)")[1][0].decode()
    eid2 = txt.split("EMAILID (")[1].split(")")[0]
    assert txt.split("THREADID (")[1].split(")")[0] == tid
    m.logout()
    r = one(jmap.call([["Thread/get", {"ids": [tid, "Tffffffffffffffff", "x"]}, "0"]]),
            "Thread/get")
    # oldest receivedAt first
    assert r["list"] == [{"id": tid, "emailIds": [eid2, eid]}]
    assert r["notFound"] == ["Tffffffffffffffff", "x"]
    n, a, _ = jmap.call([["Thread/get", {}, "0"]])[0]
    assert n == "error" and a["type"] == "requestTooLarge"
