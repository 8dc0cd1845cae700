"""Email/query's walk in receivedAt order (jmap-email-qwalk.c: inMailbox,
keyword conditions, receivedAt, collapsed or not) answers exactly what
the general path answers. The general path is asked the same question
with a condition that changes nothing but keeps the walk out
(minSize 0)."""
import random

import imapraw
from conftest import ALICE
from jmap_client import CORE, MAIL

USING = [CORE, MAIL]
MONTHS = b"Jan Feb Mar".split()


def message(i, thread):
    refs = b""
    if thread != i:
        refs = b"In-Reply-To: <w%d@x.test>\r\n" % thread
    return (b"From: a%d@x.test\r\nTo: b@x.test\r\nSubject: s%d\r\n"
            b"Message-ID: <w%d@x.test>\r\n%s\r\nbody %d\r\n" %
            (i, i, i, refs, i))


def fill(tern):
    """INBOX: 40 messages, arrival dates with many ties (same second),
    threads, flags and a keyword, and two messages stored twice (COPY
    into the same mailbox: one Email, two rows)"""
    rng = random.Random(8621)
    c = imapraw.Raw("127.0.0.1", tern.port("imap"))
    c.login(*ALICE)
    for i in range(40):
        date = b'"%02d-%s-2024 10:00:%02d +0000"' % (
            1 + rng.randrange(3), rng.choice(MONTHS), rng.randrange(2))
        thread = i if i < 5 else rng.randrange(i - 4, i + 1)
        untagged, tagged = c.send_literal(b"APPEND INBOX " + date,
                                          message(i, thread))
        assert b" OK" in tagged, tagged
    c.ok(b"SELECT INBOX")
    for uid in range(1, 41):
        flags = [f for f, p in ((b"\\Seen", 0.6), (b"\\Flagged", 0.2),
                                (b"$Work", 0.3)) if rng.random() < p]
        if flags:
            c.ok(b"UID STORE %d +FLAGS (%s)" % (uid, b" ".join(flags)))
    c.ok(b"UID COPY 3,17 INBOX")
    return c


def query(jmap, args):
    r = jmap.call([["Email/query", args, "0"]], using=USING)
    assert r[0][0] == "Email/query", r
    return r[0][1]


def both(jmap, inbox, conds, asc, collapse, pos, limit, total):
    """(walked answer, general answer)"""
    out = []
    for extra in ([], [{"minSize": 0}]):
        f = [{"inMailbox": inbox}] + conds + extra
        args = {"filter": f[0] if len(f) == 1 else
                {"operator": "AND", "conditions": f},
                "sort": [{"property": "receivedAt", "isAscending": asc}],
                "collapseThreads": collapse, "position": pos,
                "calculateTotal": total}
        if limit is not None:
            args["limit"] = limit
        r = query(jmap, args)
        out.append((r["ids"], r["position"], r.get("total")))
    return out


def test_walk_matches_general_path(jmap_tern, jmap):
    c = fill(jmap_tern)
    inbox = [m["id"] for m in jmap.call([["Mailbox/get", {}, "0"]],
                                        using=USING)[0][1]["list"]
             if m["role"] == "inbox"][0]
    checked = 0
    for conds in ([], [{"hasKeyword": "$seen"}], [{"notKeyword": "$seen"}],
                  [{"hasKeyword": "$work"}, {"notKeyword": "$flagged"}]):
        for asc in (False, True):
            for collapse in (False, True):
                for pos, limit in ((0, 5), (0, None), (7, 6), (30, 50),
                                   (100, 5), (0, 0)):
                    walked, general = both(jmap, inbox, conds, asc,
                                           collapse, pos, limit,
                                           not conds)
                    assert walked == general, (conds, asc, collapse, pos)
                    checked += 1
    # the two copies are one Email each, listed once
    ids = both(jmap, inbox, [], False, False, 0, None, True)[0]
    assert len(ids[0]) == len(set(ids[0])) == ids[2] == 40
    assert checked == 4 * 2 * 2 * 6
    c.close()


def test_walk_sees_changes_and_bad_mailbox(jmap_tern, jmap):
    c = fill(jmap_tern)
    inbox = [m["id"] for m in jmap.call([["Mailbox/get", {}, "0"]],
                                        using=USING)[0][1]["list"]
             if m["role"] == "inbox"][0]
    first = both(jmap, inbox, [], False, False, 0, 3, True)
    assert first[0] == first[1]
    # an expunge over IMAP: the next list has one Email fewer
    c.ok(b"UID STORE 40 +FLAGS (\\Deleted)")
    c.ok(b"UID EXPUNGE 40")
    after = both(jmap, inbox, [], False, False, 0, 3, True)
    assert after[0] == after[1] and after[0][2] == 39
    # an unknown mailbox: nothing, as before
    r = query(jmap, {"filter": {"inMailbox": "Pnosuchmailbox00"},
                     "calculateTotal": True})
    assert r["ids"] == [] and r["total"] == 0
    c.close()
