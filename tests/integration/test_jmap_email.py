"""Email/get, Email/query and SearchSnippet/get (RFC 8621 4.2, 4.4, 5.1)
on messages put in over IMAP: the body structure of RFC 8621's shapes,
header forms, charsets, keywords from IMAP flags, filters and sorts
cross-checked against IMAP SEARCH/SORT on the same mailbox, paging, and
bad input."""
import re

import imapraw
from conftest import ALICE
from jmap_client import CORE, MAIL

USING = [CORE, MAIL]

MULTIPART = (
    b"From: =?utf-8?q?Jo=C3=ABl?= <joel@x.test>\r\n"
    b"To: Team: a@x.test, b@x.test;, c@x.test\r\n"
    b"Subject: =?iso-8859-1?q?r=E9union?= plan\r\n"
    b"Date: Tue, 1 Jul 2003 10:52:37 +0200\r\n"
    b"Message-ID: <multi@x.test>\r\n"
    b"List-Post: <mailto:list@x.test>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: multipart/mixed; boundary=\"m\"\r\n"
    b"\r\n"
    b"--m\r\n"
    b"Content-Type: multipart/alternative; boundary=\"a\"\r\n"
    b"\r\n"
    b"--a\r\n"
    b"Content-Type: text/plain; charset=iso-8859-1\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n"
    b"\r\n"
    b"On se voit =E0 midi.\r\n"
    b"--a\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n"
    b"\r\n"
    b"<p>On se voit \xc3\xa0 midi.</p>\r\n"
    b"--a--\r\n"
    b"--m\r\n"
    b"Content-Type: application/pdf; name=\"plan.pdf\"\r\n"
    b"Content-Disposition: attachment; filename*=utf-8''pl%C3%A0n.pdf\r\n"
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n"
    b"JVBERi0xLjQK\r\n"
    b"--m--\r\n")


def plain(frm, to, subject, day, body, extra=b""):
    return (b"From: %s\r\nTo: %s\r\nSubject: %s\r\n"
            b"Date: Mon, %d Jan 2024 10:00:00 +0000\r\n"
            b"Message-ID: <m%d.%s@x.test>\r\n%s\r\n%s\r\n" %
            (frm, to, subject, day, day, subject.replace(b" ", b"_"),
             extra, body))


# INBOX: (message, flags); the days make sentAt differ from arrival
CORPUS = [
    (plain(b"Alice A <alice@x.test>", b"bob@x.test", b"apple pie", 5,
           b"the recipe calls for cinnamon"), b"\\Seen"),
    (plain(b"Carol <carol@y.test>", b"Dave <dave@x.test>", b"banana", 3,
           b"a long body " * 40), b""),
    (plain(b"bob@x.test", b"alice@x.test", b"cherry", 9,
           b"cinnamon again", b"X-Tag: red\r\n"), b"\\Flagged $Work"),
    (plain(b"Zed <zed@z.test>", b"carol@y.test", b"Re: apple pie", 7,
           b"short", b"In-Reply-To: <m5.apple_pie@x.test>\r\n"
           b"References: <m5.apple_pie@x.test>\r\n"), b"\\Seen \\Answered"),
    (plain(b"Dave <dave@x.test>", b"zed@z.test", b"date plans", 1,
           b"nothing here", b"X-Tag: blue\r\n"), b""),
]


def imap(tern):
    c = imapraw.Raw("127.0.0.1", tern.port("imap"))
    c.login(*ALICE)
    return c


def load(tern):
    """the corpus in INBOX (uids 1..5); returns the IMAP connection"""
    c = imap(tern)
    for msg, _ in CORPUS:
        c.append("INBOX", msg)
    c.ok(b"SELECT INBOX")
    for uid, (_, flags) in enumerate(CORPUS, 1):
        if flags:
            c.ok(b"UID STORE %d +FLAGS (%s)" % (uid, flags))
    return c


def emailids(c):
    """uid -> EMAILID of the selected mailbox (RFC 8474)"""
    out = {}
    for line in c.ok(b"UID FETCH 1:* (EMAILID)"):
        m = re.search(rb"UID (\d+).*EMAILID \((\w+)\)", line)
        if m is None:
            m2 = re.search(rb"EMAILID \((\w+)\).*UID (\d+)", line)
            out[int(m2.group(2))] = m2.group(1).decode()
        else:
            out[int(m.group(1))] = m.group(2).decode()
    return out


def search(c, crit):
    """UID SEARCH/SORT result as a list of uids"""
    lines = c.ok(b"UID " + crit)
    nums = lines[0].split()[2:]
    return [int(x) for x in nums]


def mailbox_id(jmap, name):
    r = jmap.call([["Mailbox/get", {}, "0"]], using=USING)
    if r[0][0] == "Mailbox/get":
        for m in r[0][1]["list"]:
            if m["name"] == name:
                return m["id"]
    return None


def inbox_id(c):
    """INBOX's MAILBOXID over IMAP (Mailbox/get is another helper's)"""
    lines = c.ok(b"STATUS INBOX (MAILBOXID)")
    return re.search(rb"MAILBOXID \((\w+)\)", lines[0]).group(1).decode()


def q(jmap, args):
    r = jmap.call([["Email/query", args, "0"]], using=USING)
    assert r[0][0] == "Email/query", r
    return r[0][1]


def get(jmap, args):
    r = jmap.call([["Email/get", args, "0"]], using=USING)
    assert r[0][0] == "Email/get", r
    return r[0][1]


def err(jmap, name, args):
    r = jmap.call([[name, args, "0"]], using=USING)
    assert r[0][0] == "error", r
    return r[0][1]["type"]


def test_get_multipart_rfc_shape(jmap_tern, jmap):
    c = imap(jmap_tern)
    c.append("INBOX", MULTIPART)
    ids = q(jmap, {})["ids"]
    assert len(ids) == 1
    r = get(jmap, {"ids": ids, "fetchAllBodyValues": True,
                   "properties": ["id", "blobId", "subject", "from", "to",
                                  "header:To:asGroupedAddresses", "sentAt",
                                  "messageId", "header:List-Post:asURLs",
                                  "bodyStructure", "textBody", "htmlBody",
                                  "attachments", "hasAttachment",
                                  "bodyValues", "preview"]})
    e = r["list"][0]
    assert r["notFound"] == []
    assert e["blobId"] == "B" + e["id"][1:]
    assert e["subject"] == "r\u00e9union plan"
    assert e["from"] == [{"name": "Jo\u00ebl", "email": "joel@x.test"}]
    assert [a["email"] for a in e["to"]] == ["a@x.test", "b@x.test",
                                             "c@x.test"]
    assert e["header:To:asGroupedAddresses"] == [
        {"name": "Team", "addresses": [{"name": None, "email": "a@x.test"},
                                       {"name": None, "email": "b@x.test"}]},
        {"name": None, "addresses": [{"name": None, "email": "c@x.test"}]}]
    assert e["sentAt"] == "2003-07-01T10:52:37+02:00"
    assert e["messageId"] == ["multi@x.test"]
    assert e["header:List-Post:asURLs"] == ["mailto:list@x.test"]
    bs = e["bodyStructure"]
    assert bs["type"] == "multipart/mixed" and bs["partId"] is None
    alt, pdf = bs["subParts"]
    assert alt["type"] == "multipart/alternative"
    assert [p["partId"] for p in alt["subParts"]] == ["1.1", "1.2"]
    assert pdf["partId"] == "2" and pdf["name"] == "pl\u00e0n.pdf"
    assert pdf["blobId"] == e["blobId"] + ".2"
    assert pdf["size"] == 9 and pdf["disposition"] == "attachment"
    assert [p["partId"] for p in e["textBody"]] == ["1.1"]
    assert [p["partId"] for p in e["htmlBody"]] == ["1.2"]
    assert [p["partId"] for p in e["attachments"]] == ["2"]
    assert e["hasAttachment"] is True
    # the line end before a boundary belongs to the boundary
    assert e["bodyValues"]["1.1"]["value"] == "On se voit \u00e0 midi."
    assert e["bodyValues"]["1.2"]["value"] == \
        "<p>On se voit \u00e0 midi.</p>"
    assert "2" not in e["bodyValues"]     # not text
    assert e["preview"] == "On se voit \u00e0 midi."
    # the same judgement in a filter; a header form of a part
    assert q(jmap, {"filter": {"hasAttachment": True}})["ids"] == ids
    assert q(jmap, {"filter": {"hasAttachment": False}})["ids"] == []
    r = get(jmap, {"ids": ids, "properties": ["attachments"],
                   "bodyProperties": ["partId", "header:Content-Type:asRaw",
                                      "headers"]})
    a = r["list"][0]["attachments"][0]
    assert set(a) == {"partId", "header:Content-Type:asRaw", "headers"}
    assert a["header:Content-Type:asRaw"] == ' application/pdf; name="plan.pdf"'
    assert [h["name"] for h in a["headers"]] == [
        "Content-Type", "Content-Disposition", "Content-Transfer-Encoding"]


def test_get_metadata_and_keywords(jmap_tern, jmap):
    c = load(jmap_tern)
    ids = emailids(c)
    c.ok(b"CREATE Work")
    c.ok(b"UID COPY 3 Work")
    r = get(jmap, {"ids": [ids[3], ids[1], "Mffffffffffffffff", "bogus"],
                   "properties": ["mailboxIds", "keywords", "size",
                                  "receivedAt", "threadId"]})
    assert r["notFound"] == ["Mffffffffffffffff", "bogus"]
    e3, e1 = r["list"]
    assert e3["id"] == ids[3] and set(e3) == {
        "id", "mailboxIds", "keywords", "size", "receivedAt", "threadId"}
    assert len(e3["mailboxIds"]) == 2         # INBOX and Work: one Email
    assert inbox_id(c) in e3["mailboxIds"]
    assert e3["keywords"] == {"$flagged": True, "$work": True}
    assert e1["keywords"] == {"$seen": True}
    assert e1["size"] == len(CORPUS[0][0])
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", e1["receivedAt"])
    # the reply is in the thread of the message it answers
    r = get(jmap, {"ids": [ids[1], ids[4], ids[2]],
                   "properties": ["threadId"]})
    t = [e["threadId"] for e in r["list"]]
    assert t[0] == t[1] != t[2]
    # a STORE over IMAP is seen by the next Email/get
    c.ok(b"UID STORE 1 -FLAGS (\\Seen)")
    c.ok(b"UID STORE 1 +FLAGS (Later)")
    r = get(jmap, {"ids": [ids[1]], "properties": ["keywords"]})
    assert r["list"][0]["keywords"] == {"later": True}
    # default properties
    e = get(jmap, {"ids": [ids[1]]})["list"][0]
    for p in ("id", "blobId", "threadId", "mailboxIds", "keywords", "size",
              "receivedAt", "messageId", "inReplyTo", "references", "sender",
              "from", "to", "cc", "bcc", "replyTo", "subject", "sentAt",
              "hasAttachment", "preview", "bodyValues", "textBody",
              "htmlBody", "attachments"):
        assert p in e, p
    assert e["bodyValues"] == {} and e["cc"] is None


def test_query_filters_match_imap_search(jmap_tern, jmap):
    c = load(jmap_tern)
    ids = emailids(c)
    box = inbox_id(c)
    cases = [
        ({"from": "alice"}, b"SEARCH FROM alice"),
        ({"to": "x.test"}, b"SEARCH TO x.test"),
        ({"subject": "APPLE"}, b"SEARCH SUBJECT apple"),
        ({"body": "cinnamon"}, b"SEARCH BODY cinnamon"),
        ({"text": "carol"}, b"SEARCH OR FROM carol TO carol"),
        ({"hasKeyword": "$seen"}, b"SEARCH SEEN"),
        ({"notKeyword": "$seen"}, b"SEARCH UNSEEN"),
        ({"hasKeyword": "$work"}, b"SEARCH KEYWORD $Work"),
        ({"minSize": 200}, b"SEARCH LARGER 199"),
        ({"maxSize": 200}, b"SEARCH SMALLER 200"),
        ({"header": ["X-Tag"]}, b'SEARCH HEADER X-Tag ""'),
        ({"header": ["X-Tag", "BLUE"]}, b"SEARCH HEADER X-Tag blue"),
        ({"operator": "OR", "conditions": [{"from": "zed"}, {"to": "zed"}]},
         b"SEARCH OR FROM zed TO zed"),
        ({"operator": "NOT", "conditions": [{"from": "x.test"}]},
         b"SEARCH NOT FROM x.test"),
        ({"operator": "AND", "conditions": [{"body": "cinnamon"},
                                            {"hasKeyword": "$seen"}]},
         b"SEARCH BODY cinnamon SEEN"),
    ]
    for flt, imap_cmd in cases:
        want = sorted(ids[u] for u in search(c, imap_cmd))
        flt2 = {"operator": "AND", "conditions": [{"inMailbox": box}, flt]}
        for f in (flt, flt2):
            got = q(jmap, {"filter": f})["ids"]
            assert sorted(got) == want, (f, imap_cmd)
    # before/after on receivedAt: all arrived just now
    assert q(jmap, {"filter": {"before": "2000-01-01T00:00:00Z"}})["ids"] == []
    assert len(q(jmap, {"filter": {"after": "2000-01-01T00:00:00Z"}})["ids"]) == 5
    assert q(jmap, {"filter": {"inMailbox": "Fnonexistent"}})["ids"] == []
    assert q(jmap, {"filter": {"hasAttachment": True}})["ids"] == []
    # thread keywords: apple pie and its reply are one thread, one seen
    # and the reply answered
    t = q(jmap, {"filter": {"allInThreadHaveKeyword": "$seen"}})["ids"]
    assert sorted(t) == sorted([ids[1], ids[4]])
    t = q(jmap, {"filter": {"someInThreadHaveKeyword": "$answered"}})["ids"]
    assert sorted(t) == sorted([ids[1], ids[4]])
    t = q(jmap, {"filter": {"noneInThreadHaveKeyword": "$seen"}})["ids"]
    assert sorted(t) == sorted([ids[2], ids[3], ids[5]])
    # inMailboxOtherThan: only the copy in Work is elsewhere
    c.ok(b"CREATE Work")
    c.ok(b"UID COPY 2 Work")
    assert q(jmap, {"filter": {"inMailboxOtherThan": [box]}})["ids"] == \
        [ids[2]]
    # a COPY into the same mailbox: two rows, still one Email
    c.ok(b"UID COPY 1 INBOX")
    got = q(jmap, {"filter": {"inMailbox": box}})["ids"]
    assert sorted(got) == sorted(ids.values())


def test_query_sorts_match_imap_sort(jmap_tern, jmap):
    c = load(jmap_tern)
    ids = emailids(c)
    cases = [
        ([{"property": "receivedAt"}], b"SORT (ARRIVAL) UTF-8 ALL"),
        ([{"property": "sentAt"}], b"SORT (DATE) UTF-8 ALL"),
        ([{"property": "size", "isAscending": False}],
         b"SORT (REVERSE SIZE) UTF-8 ALL"),
        ([{"property": "subject"}], b"SORT (SUBJECT) UTF-8 ALL"),
        ([{"property": "from"}], b"SORT (DISPLAYFROM) UTF-8 ALL"),
        ([{"property": "to", "collation": "i;ascii-casemap"}],
         b"SORT (DISPLAYTO) UTF-8 ALL"),
        ([{"property": "hasKeyword", "keyword": "$seen"},
          {"property": "size"}], b"SORT (SIZE) UTF-8 UNSEEN"),
    ]
    for sort, imap_cmd in cases:
        got = q(jmap, {"sort": sort})["ids"]
        want = [ids[u] for u in search(c, imap_cmd)]
        assert got[:len(want)] == want, (sort, imap_cmd)
    # no sort: newest first; within one second too (IMAP's REVERSE
    # ARRIVAL keeps ties in ascending order, RFC 5256)
    assert q(jmap, {})["ids"] == [ids[u] for u in (5, 4, 3, 2, 1)]


def test_query_paging_and_collapse(jmap_tern, jmap):
    c = load(jmap_tern)
    ids = emailids(c)
    asc = [{"property": "receivedAt"}]
    every = [ids[u] for u in (1, 2, 3, 4, 5)]
    r = q(jmap, {"sort": asc, "position": 1, "limit": 2,
                 "calculateTotal": True})
    assert r["ids"] == every[1:3] and r["position"] == 1 and r["total"] == 5
    r = q(jmap, {"sort": asc, "position": -2})
    assert r["ids"] == every[3:] and r["position"] == 3
    r = q(jmap, {"sort": asc, "position": 9})
    assert r["ids"] == [] and r["position"] == 5
    r = q(jmap, {"sort": asc, "anchor": ids[3], "anchorOffset": -1,
                 "limit": 2})
    assert r["ids"] == every[1:3] and r["position"] == 1
    r = q(jmap, {"sort": asc, "anchor": ids[1], "anchorOffset": -3})
    assert r["position"] == 0 and r["ids"] == every
    assert "total" not in r
    assert err(jmap, "Email/query", {"anchor": "Mffffffffffffffff"}) == \
        "anchorNotFound"
    # collapseThreads: the first of a thread in the order stands for it
    r = q(jmap, {"sort": asc, "collapseThreads": True,
                 "calculateTotal": True})
    assert r["total"] == 4 and ids[1] in r["ids"] and ids[4] not in r["ids"]
    r = q(jmap, {"collapseThreads": True})
    assert ids[4] in r["ids"] and ids[1] not in r["ids"]
    # a limit above the server's maximum is cut and reported
    r = q(jmap, {"limit": 10 ** 9})
    assert "limit" in r and r["limit"] < 10 ** 9 and len(r["ids"]) == 5


def test_snippets(jmap_tern, jmap):
    c = load(jmap_tern)
    ids = emailids(c)
    r = jmap.call([["SearchSnippet/get", {
        "filter": {"operator": "OR", "conditions": [
            {"text": "CINNAMON"}, {"subject": "apple"}]},
        "emailIds": [ids[1], ids[3], ids[5], "Mffffffffffffffff"]}, "0"]],
        using=USING)[0][1]
    s = {x["emailId"]: x for x in r["list"]}
    assert r["notFound"] == ["Mffffffffffffffff"]
    assert s[ids[1]]["subject"] == "<mark>apple</mark> pie"
    assert s[ids[1]]["preview"] == "the recipe calls for <mark>cinnamon</mark>"
    assert s[ids[3]]["subject"] is None
    assert s[ids[3]]["preview"] == "<mark>cinnamon</mark> again"
    assert s[ids[5]]["subject"] is None and s[ids[5]]["preview"] is None
    # HTML in the text is escaped
    c.append("INBOX", plain(b"x@x.test", b"y@x.test", b"<b>bold</b> & co", 2,
                            b"x"))
    new = emailids(c)[6]
    r = jmap.call([["SearchSnippet/get", {"filter": {"subject": "bold"},
                                          "emailIds": [new]}, "0"]],
                  using=USING)[0][1]
    assert r["list"][0]["subject"] == \
        "&lt;b&gt;<mark>bold</mark>&lt;/b&gt; &amp; co"
    # the body text a reader sees: of an alternative only the text/plain,
    # HTML without its tags
    c.append("INBOX", MULTIPART)
    new = emailids(c)[7]
    r = jmap.call([["SearchSnippet/get", {"filter": {"body": "midi"},
                                          "emailIds": [new]}, "0"]],
                  using=USING)[0][1]
    assert r["list"][0]["preview"] == "On se voit \u00e0 <mark>midi</mark>."
    c.append("INBOX", plain(b"x@x.test", b"y@x.test", b"html only", 3,
                            b"<p>Look at the <b>sun</b></p>",
                            b"Content-Type: text/html\r\n"))
    new = emailids(c)[8]
    r = jmap.call([["SearchSnippet/get", {"filter": {"body": "sun"},
                                          "emailIds": [new]}, "0"]],
                  using=USING)[0][1]
    assert r["list"][0]["preview"] == "Look at the <mark>sun</mark>"


def test_bad_input(jmap_tern, jmap):
    load(jmap_tern)
    assert err(jmap, "Email/get", {"ids": [], "properties": ["bogus"]}) == \
        "invalidArguments"
    assert err(jmap, "Email/get", {"ids": [], "bodyProperties": ["keywords"]}) \
        == "invalidArguments"
    assert err(jmap, "Email/get", {"ids": [],
               "properties": ["header:Subject:asAddresses"]}) == \
        "invalidArguments"
    assert err(jmap, "Email/get", {"ids": [], "maxBodyValueBytes": 0}) == \
        "invalidArguments"
    assert err(jmap, "Email/get", {"ids": "M1"}) == "invalidArguments"
    assert err(jmap, "Email/query", {"filter": {"bogus": 1}}) == \
        "unsupportedFilter"
    # a known property's bad value: invalidArguments (RFC 8620 3.6.2)
    assert err(jmap, "Email/query", {"filter": {"operator": "XOR",
                                                "conditions": []}}) == \
        "invalidArguments"
    assert err(jmap, "Email/query", {"filter": {"before": "yesterday"}}) == \
        "invalidArguments"
    assert err(jmap, "Email/query", {"sort": [{"property": "color"}]}) == \
        "unsupportedSort"
    assert err(jmap, "Email/query", {"sort": [{"property": "subject",
                                               "collation": "i;klingon"}]}) \
        == "unsupportedSort"
    assert err(jmap, "Email/query", {"limit": -1}) == "invalidArguments"
    assert err(jmap, "Email/query", {"accountId": "A999"}) == \
        "accountNotFound"
    assert err(jmap, "SearchSnippet/get", {"emailIds": None}) == \
        "invalidArguments"
    assert err(jmap, "SearchSnippet/get", {"emailIds": [1]}) == \
        "invalidArguments"
    # nesting the request's JSON depth allows: an even number of NOTs
    deep = {"from": "alice"}
    for _ in range(20):
        deep = {"operator": "NOT", "conditions": [deep]}
    assert len(q(jmap, {"filter": deep})["ids"]) == 1


def test_parse_upload(jmap_tern, jmap):
    up = jmap.upload(MULTIPART, "message/rfc822")
    assert up.status in (200, 201), up.body
    blob = up.json()["blobId"]
    r = jmap.call([["Email/parse", {
        "blobIds": [blob, "Unope", "Mnot-a-blob"],
        "fetchTextBodyValues": True,
        "properties": ["id", "blobId", "size", "mailboxIds", "subject",
                       "from", "textBody", "attachments", "bodyValues",
                       "header:Date:asDate"]}, "0"]], using=USING)[0]
    assert r[0] == "Email/parse", r
    a = r[1]
    assert sorted(a["notFound"]) == ["Mnot-a-blob", "Unope"]
    e = a["parsed"][blob]
    assert e["id"] is None and e["mailboxIds"] is None
    assert e["blobId"] == blob and e["size"] == len(MULTIPART)
    assert e["subject"] == "r\u00e9union plan"
    assert e["header:Date:asDate"] == "2003-07-01T10:52:37+02:00"
    assert [p["partId"] for p in e["textBody"]] == ["1.1"]
    assert e["attachments"][0]["blobId"] is None   # parts of an upload
    assert list(e["bodyValues"]) == ["1.1"]
    # default properties: no metadata
    r = jmap.call([["Email/parse", {"blobIds": [blob]}, "0"]],
                  using=USING)[0][1]
    e = r["parsed"][blob]
    assert "subject" in e and "textBody" in e and "id" not in e
    assert err(jmap, "Email/parse", {"blobIds": [blob],
                                     "properties": ["nope"]}) == \
        "invalidArguments"
    assert err(jmap, "Email/parse", {}) == "invalidArguments"


def apply_changes(old, ch):
    ids = [i for i in old if i not in ch["removed"]]
    for a in sorted(ch["added"], key=lambda a: a["index"]):
        ids.insert(a["index"], a["id"])
    return ids


def test_query_changes(jmap_tern, jmap):
    c = load(jmap_tern)
    box = inbox_id(c)
    args = {"filter": {"operator": "AND", "conditions": [
        {"inMailbox": box}, {"notKeyword": "$flagged"}]},
        "sort": [{"property": "subject"}]}
    r0 = q(jmap, args)
    assert r0["canCalculateChanges"] is True
    # nothing changed: nothing to say
    r = jmap.call([["Email/queryChanges", dict(args, sinceQueryState=r0[
        "queryState"]), "0"]], using=USING)[0]
    assert r[0] == "Email/queryChanges", r
    assert r[1]["removed"] == [] and r[1]["added"] == []
    assert r[1]["newQueryState"] == r0["queryState"]
    # IMAP: a new message, a flag that takes one out, an expunge
    c.append("INBOX", plain(b"n@x.test", b"y@x.test", b"aardvark", 4, b"n"))
    c.ok(b"UID STORE 2 +FLAGS (\\Flagged)")
    c.ok(b"UID STORE 5 +FLAGS (\\Deleted)")
    c.ok(b"UID EXPUNGE 5")
    r = jmap.call([["Email/queryChanges", dict(args, sinceQueryState=r0[
        "queryState"], calculateTotal=True), "0"]], using=USING)[0][1]
    now = q(jmap, args)
    assert r["newQueryState"] == now["queryState"] != r0["queryState"]
    assert apply_changes(r0["ids"], r) == now["ids"]
    assert r["total"] == len(now["ids"]) == 3
    assert now["ids"][0] in [a["id"] for a in r["added"]]   # aardvark
    # limits and the states it cannot go from
    assert err(jmap, "Email/queryChanges", dict(
        args, sinceQueryState=r0["queryState"], maxChanges=1)) == \
        "tooManyChanges"
    assert err(jmap, "Email/queryChanges", dict(
        args, sinceQueryState="99999999")) == "cannotCalculateChanges"
    assert err(jmap, "Email/queryChanges", dict(
        args, sinceQueryState=r0["queryState"], collapseThreads=True)) == \
        "cannotCalculateChanges"
    assert err(jmap, "Email/queryChanges", dict(args)) == "invalidArguments"
    assert err(jmap, "Email/queryChanges", dict(
        args, sinceQueryState="x1")) == "invalidArguments"


FORWARD = (
    b"From: a@x.test\r\nTo: b@x.test\r\nSubject: fwd\r\n"
    b"Content-Type: multipart/mixed; boundary=\"f\"\r\n\r\n"
    b"--f\r\nContent-Type: text/plain\r\n\r\nsee below\r\n"
    b"--f\r\nContent-Type: message/rfc822\r\n\r\n"
    b"From: c@x.test\r\nSubject: inner\r\n"
    b"Content-Type: multipart/alternative; boundary=\"i\"\r\n\r\n"
    b"--i\r\nContent-Type: text/plain\r\n\r\ninner text\r\n"
    b"--i\r\nContent-Type: text/html\r\n\r\n<b>inner</b>\r\n--i--\r\n"
    b"--f--\r\n")


def test_parse_attached_message(jmap_tern, jmap):
    c = imap(jmap_tern)
    c.append("INBOX", FORWARD)
    c.ok(b"SELECT INBOX")
    eid = emailids(c)[1]
    e = get(jmap, {"ids": [eid], "properties": ["blobId", "attachments"]})
    att = e["list"][0]["attachments"]
    assert [(a["partId"], a["type"]) for a in att] == [("2", "message/rfc822")]
    blob = att[0]["blobId"]
    assert blob == e["list"][0]["blobId"] + ".2"
    r = jmap.call([["Email/parse", {"blobIds": [blob, e["list"][0]["blobId"]],
                                    "fetchHTMLBodyValues": True}, "0"]],
                  using=USING)[0][1]
    inner = r["parsed"][blob]
    assert inner["subject"] == "inner"
    assert inner["from"] == [{"name": None, "email": "c@x.test"}]
    html = inner["htmlBody"][0]
    assert html["partId"] == "2" and html["blobId"] == blob + ".2"
    assert inner["bodyValues"]["2"]["value"] == "<b>inner</b>"
    assert r["parsed"][e["list"][0]["blobId"]]["subject"] == "fwd"
    # the nested part's blob is the IMAP section 2.2 of the stored message
    d = jmap.request("GET", "/jmap/download/%s/%s/x.html?accept=text/html" %
                     (jmap.account_id, html["blobId"]))
    assert d.status == 200 and d.body == b"<b>inner</b>"
