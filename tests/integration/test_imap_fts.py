"""SEARCH BODY/TEXT through the full-text index (issue 12, search at
scale): the index holds each body's header fields and decoded text,
casefolded (i;unicode-casemap with full folding), and answers exactly as
the substring scan does. The scan is still there: imap.search_index = no
makes SEARCH read every message, which is the reference here."""
import base64
import quopri
import random
import smtplib
import sqlite3
import os

from relaylib import wait_for

import imapraw
from conftest import ALICE

A, APW = ALICE

WORDS = ("Straße STRASSE Grüße café CAFÉ naïve Ελληνικά ΟΔΟΣ οδος "
         "İstanbul ıspanak KELVIN ﬁle ＡＢＣ Привет мир 日本語のテキスト "
         "report Meeting agenda invoice 42 a*b? [x] 100% x_y tab\tend "
         "ǅemal ǆ Ǆ résumé ÅNGSTRÖM ﬀ").split(" ")


def body_text(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


def make_msg(rng, i):
    """a message of one of several shapes: 8-bit, QP, base64, Latin-1,
    multipart with HTML, encoded-word headers"""
    text = body_text(rng, rng.randint(3, 40))
    subj = body_text(rng, 3)
    shape = i % 6
    hdr = "From: Sender %d <s%d@example.org>\r\nTo: alice@example.test\r\n" % (i, i)
    if shape == 0:
        return (hdr + "Subject: %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
                "Content-Transfer-Encoding: 8bit\r\n\r\n%s\r\n" % (subj, text)).encode()
    if shape == 1:
        qp = quopri.encodestring(text.encode()).decode().replace("\n", "\r\n")
        return (hdr + "Subject: =?UTF-8?B?%s?=\r\nContent-Type: text/plain; charset=utf-8\r\n"
                "Content-Transfer-Encoding: quoted-printable\r\n\r\n%s\r\n"
                % (base64.b64encode(subj.encode()).decode(), qp)).encode()
    if shape == 2:
        b64 = base64.encodebytes(text.encode()).decode().replace("\n", "\r\n")
        return (hdr + "Subject: plain %d\r\nContent-Type: text/plain; charset=utf-8\r\n"
                "Content-Transfer-Encoding: base64\r\n\r\n%s" % (i, b64)).encode()
    if shape == 3:
        lat = text.encode("latin-1", "replace")
        return (hdr + "Subject: latin\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
                "Content-Transfer-Encoding: 8bit\r\n\r\n").encode() + lat + b"\r\n"
    if shape == 4:
        return (hdr + "Subject: multi %s\r\nMIME-Version: 1.0\r\n"
                "Content-Type: multipart/alternative; boundary=BB\r\n\r\n"
                "--BB\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n"
                "--BB\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
                "<p>%s</p>\r\n--BB--\r\n" % (subj, text, body_text(rng, 5))).encode()
    # 8-bit bytes that are not UTF-8 in a body that says it is
    return (hdr + "Subject: raw\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n").encode() + \
        text.encode() + b" \xff\xfe bad \xc3 end\r\n"


def needles(rng, corpus, n):
    """substrings of the messages' text, case changed at random, and a
    few strings that are in no message"""
    out = []
    pool = " ".join(WORDS)
    for _ in range(n):
        src = pool if rng.random() < 0.7 else rng.choice(corpus).decode("utf-8", "replace")
        a = rng.randrange(len(src))
        s = src[a:a + rng.randint(1, 12)]
        s = "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in s)
        out.append(s)
    out += ["zzqx", "ss", "SS", "ß", "ı", "i", "ς", "Σ", "*", "?", "[x]", "a*b?",
            "100%", "_", "Sender 1", "s1@example", "alice@example.test",
            "Delivered-To", "Return-Path", "example.test>", "bad", "\u00e9"]
    return out


def search(c, key, s):
    data = s.encode()
    untagged, tagged = c.send_literal(b"UID SEARCH CHARSET UTF-8 " + key, data)
    assert tagged.split(b" ")[1] == b"OK", (key, s, tagged)
    hits = [r for r in untagged if r.startswith(b"* SEARCH")]
    assert len(hits) == 1, untagged
    return [int(x) for x in hits[0].split()[2:]]


def load(tern, rng, n):
    """half by SMTP (with the per-recipient prefix fields), half APPEND"""
    corpus = [make_msg(rng, i) for i in range(n)]
    smtp = smtplib.SMTP("127.0.0.1", tern.port("smtp"), timeout=60)
    c = imapraw.Raw("127.0.0.1", tern.port("imap"))
    c.login(A, APW)
    for i, m in enumerate(corpus):
        if i % 2:
            smtp.sendmail("s%d@example.org" % i, [A], m)
        else:
            c.append("INBOX", m)
    smtp.quit()
    return c, corpus


def run_all(c, qs):
    c.ok(b"SELECT INBOX")
    return [(key, s, search(c, key, s)) for s in qs for key in (b"BODY", b"TEXT")]


def db_counts(tern):
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(tern.data_dir, "tern.db"), uri=True)
    try:
        return dict(
            blobs=db.execute("SELECT count(*) FROM blobs").fetchone()[0],
            indexed=db.execute("SELECT count(*) FROM blobs WHERE fts = 1").fetchone()[0],
            rows=db.execute("SELECT count(*) FROM blob_text").fetchone()[0],
            prefixed=db.execute("SELECT count(*) FROM messages"
                                " WHERE prefix IS NOT NULL").fetchone()[0],
            prefix_rows=db.execute("SELECT count(*) FROM prefix_text").fetchone()[0])
    finally:
        db.close()


def test_search_index_equals_scan(tern):
    rng = random.Random(12)
    c, corpus = load(tern, rng, 120)
    qs = needles(rng, corpus, 250)
    with_index = run_all(c, qs)
    c.close()
    assert "imap search index keys=" in tern.log()
    counts = db_counts(tern)
    assert counts["indexed"] == counts["blobs"] == counts["rows"] == 120, counts
    # the SMTP half has per-recipient fields, each in the prefix index
    assert counts["prefix_rows"] == counts["prefixed"] == 60, counts
    # the same searches, answered by reading every message
    tern.stop()
    tern.rewrite(extra="[imap]\nsearch_index = no\n")
    tern.start()
    c = imapraw.Raw("127.0.0.1", tern.port("imap"))
    c.login(A, APW)
    scanned = run_all(c, qs)
    c.close()
    assert [r for r in with_index if r[2]], "no needle matched anything"
    for a, b in zip(with_index, scanned):
        assert a == b, (a, b)


def lit(s):
    """a needle as a non-synchronizing literal (LITERAL+)"""
    data = s.encode()
    return b"{%d+}\r\n" % len(data) + data


def search_prog(c, prog):
    """UID SEARCH with a program holding literals; the uids found"""
    untagged, tagged = c.cmd(b"UID SEARCH CHARSET UTF-8 " + prog)
    assert tagged.split(b" ")[1] == b"OK", (prog, tagged)
    hits = [r for r in untagged if r.startswith(b"* SEARCH")]
    assert len(hits) == 1, untagged
    return [int(x) for x in hits[0].split()[2:]]


def combined_progs(qs):
    """a BODY/TEXT key with other keys around it: the index names the
    candidates (a rare needle) and the other keys are checked on them"""
    out = []
    for i, s in enumerate(qs):
        t = qs[(i * 7 + 3) % len(qs)]
        out += [b"BODY " + lit(s) + b" UNSEEN",
                b"UNSEEN TEXT " + lit(s),
                b"TEXT " + lit(s) + b" NOT BODY " + lit(t),
                b"OR BODY " + lit(s) + b" TEXT " + lit(t),
                b"OR TEXT " + lit(s) + b" FLAGGED",
                b"UID 10:50 TEXT " + lit(s),
                b"1:30,70:* BODY " + lit(s),
                b"NOT UID 5:20 TEXT " + lit(s) + b" SEEN",
                b"UID 3,9,40:45,101 BODY " + lit(s) + b" TEXT " + lit(t),
                b"(TEXT " + lit(s) + b" LARGER 300) NOT DELETED"]
    return out


def test_search_index_combined_keys_equal_scan(tern):
    """BODY/TEXT with flags, NOT, OR and uid ranges: the index's
    candidates checked against the other keys answer as the scan does;
    TEXT also finds a message by its per-recipient fields alone (the
    Return-Path its body and header do not hold)"""
    rng = random.Random(31)
    c, corpus = load(tern, rng, 120)
    smtp = smtplib.SMTP("127.0.0.1", tern.port("smtp"), timeout=60)
    for i in range(3):
        smtp.sendmail("bounce-only-%d@envelope.example" % i, [A],
                      b"Subject: plain\r\n\r\nnothing of the sender here\r\n")
    smtp.quit()
    wait_for(lambda: b"MESSAGES 123)" in b" ".join(c.cmd(b"STATUS INBOX (MESSAGES)")[0]),
             timeout=60)
    c.ok(b"SELECT INBOX")
    c.ok(b"UID STORE 1:60 +FLAGS.SILENT (\\Seen)")
    c.ok(b"UID STORE " + ",".join(str(u) for u in range(2, 121, 3)).encode() +
         b" +FLAGS.SILENT (\\Flagged)")
    c.ok(b"UID STORE 50:55 +FLAGS.SILENT (\\Deleted)")
    qs = needles(rng, corpus, 40) + ["bounce-only-1", "BOUNCE-ONLY", "envelope.EXAMPLE",
                                     "bounce-only-2@envelope.example>"]
    progs = combined_progs(qs)
    with_index = [search_prog(c, p) for p in progs]
    assert search_prog(c, b"TEXT " + lit("bounce-only-1")) == [122]
    assert search_prog(c, b"TEXT " + lit("bounce-only") + b" UID 123") == [123]
    assert search_prog(c, b"BODY " + lit("bounce-only")) == []
    c.close()
    assert "imap search index narrowed" in tern.log()
    tern.stop()
    tern.rewrite(extra="[imap]\nsearch_index = no\n")
    tern.start()
    c = imapraw.Raw("127.0.0.1", tern.port("imap"))
    c.login(A, APW)
    c.ok(b"SELECT INBOX")
    scanned = [search_prog(c, p) for p in progs]
    c.close()
    assert [r for r in with_index if r], "no program matched anything"
    for p, a, b in zip(progs, with_index, scanned):
        assert a == b, (p, a, b)


def test_search_index_folding_and_encodings(tern):
    c = imapraw.Raw("127.0.0.1", tern.port("imap"))
    c.login(A, APW)
    c.append("INBOX", b"Subject: =?ISO-8859-1?Q?Gr=FC=DFe?=\r\n"
             b"Content-Type: text/plain; charset=iso-8859-1\r\n"
             b"Content-Transfer-Encoding: quoted-printable\r\n\r\nStra=DFe caf=E9\r\n")
    c.append("INBOX", b"Subject: greek\r\nContent-Type: text/plain; charset=utf-8\r\n"
             b"Content-Transfer-Encoding: base64\r\n\r\n" +
             base64.b64encode("ΟΔΟΣ ıspanak".encode()) + b"\r\n")
    c.ok(b"SELECT INBOX")
    assert search(c, b"BODY", "STRASSE") == [1]
    assert search(c, b"BODY", "CAFÉ") == [1]
    assert search(c, b"BODY", "cafe") == [1]      # NFKD: é = e + U+0301
    assert search(c, b"TEXT", "GRÜSSE") == [1]    # the decoded Subject
    assert search(c, b"BODY", "GRÜSSE") == []
    assert search(c, b"BODY", "οδος") == [2]      # Σ = σ = ς
    assert search(c, b"BODY", "ISPANAK") == [2]   # ı titlecases to I
    assert search(c, b"BODY", "=DF") == []        # not the raw QP
    c.close()
    assert "imap search index keys=" in tern.log()


def test_search_index_expunge_removes_rows(tern):
    c = imapraw.Raw("127.0.0.1", tern.port("imap"))
    c.login(A, APW)
    for i in range(3):
        c.append("INBOX", b"Subject: e%d\r\n\r\nunique-word-%d\r\n" % (i, i))
    c.ok(b"SELECT INBOX")
    assert search(c, b"BODY", "unique-word-1") == [2]
    assert db_counts(tern)["rows"] == 3
    c.ok(b"UID STORE 2 +FLAGS.SILENT (\\Deleted)")
    c.ok(b"EXPUNGE")
    assert search(c, b"BODY", "unique-word-1") == []
    counts = db_counts(tern)
    assert counts["rows"] == counts["blobs"] == 2, counts
    c.close()


def test_search_index_old_store_upgrade(tern):
    """a store made before the index: SEARCH is right at once (the
    unindexed messages are read) and the writer indexes them when idle"""
    rng = random.Random(5)
    c, corpus = load(tern, rng, 60)
    qs = needles(rng, corpus, 60)
    before = run_all(c, qs)
    c.close()
    tern.stop()
    db = sqlite3.connect(os.path.join(tern.data_dir, "tern.db"))
    db.executescript("DROP TRIGGER blobs_text_gone; DROP TABLE blob_text;"
                     " DROP INDEX blobs_unindexed; DROP INDEX messages_blob;"
                     " DROP TRIGGER messages_prefix_in;"
                     " DROP TRIGGER messages_prefix_out;"
                     " DROP TRIGGER messages_prefix_moved;"
                     " DROP TABLE prefix_text;"
                     " ALTER TABLE blobs DROP COLUMN fts;")
    db.close()
    tern.start()
    # the per-recipient fields are indexed when the store is opened
    counts = db_counts(tern)
    assert counts["prefix_rows"] == counts["prefixed"] == 30, counts
    c = imapraw.Raw("127.0.0.1", tern.port("imap"))
    c.login(A, APW)
    assert run_all(c, qs) == before
    wait_for(lambda: db_counts(tern)["indexed"] == 60, timeout=120)
    assert db_counts(tern)["rows"] == 60
    assert run_all(c, qs) == before
    c.close()


def test_search_index_prefix_follows_copy_move_expunge(tern):
    """the per-recipient fields' index follows its messages: COPY and
    MOVE take the fields along (TEXT finds them in the new mailbox),
    EXPUNGE and DELETE drop them"""
    smtp = smtplib.SMTP("127.0.0.1", tern.port("smtp"), timeout=60)
    for i in range(4):
        smtp.sendmail("env%d@example.org" % i, [A],
                      b"Subject: p%d\r\n\r\nplain body\r\n" % i)
    smtp.quit()
    c = imapraw.Raw("127.0.0.1", tern.port("imap"))
    c.login(A, APW)
    c.ok(b"CREATE Other")
    c.ok(b"SELECT INBOX")
    # the envelope sender is only in the Return-Path prefix field
    assert search(c, b"TEXT", "ENV2@example") == [3]
    assert search(c, b"BODY", "env2@example") == []
    c.ok(b"UID COPY 1 Other")
    c.ok(b"UID MOVE 3 Other")
    assert search(c, b"TEXT", "env2@example") == []
    c.ok(b"UID STORE 4 +FLAGS.SILENT (\\Deleted)")
    c.ok(b"EXPUNGE")
    assert search(c, b"TEXT", "env3@") == []
    assert search(c, b"TEXT", "env0@") == [1]
    c.ok(b"SELECT Other")
    assert search(c, b"TEXT", "env2@example") == [2]
    assert search(c, b"TEXT", "env0@example") == [1]
    counts = db_counts(tern)
    assert counts["prefix_rows"] == counts["prefixed"] == 4, counts
    c.ok(b"UNSELECT")
    c.ok(b"DELETE Other")
    counts = db_counts(tern)
    assert counts["prefix_rows"] == counts["prefixed"] == 2, counts
    c.close()


def test_search_index_big_message_indexed_when_idle(tern):
    """a message over store.fts_inline_max is stored without its index
    row (the commit stays cheap), found by SEARCH at once all the same
    (read), and indexed by the writer once it is idle"""
    body = ("filler words " * 4000 + "bigneedle-77\r\n").encode()
    smtp = smtplib.SMTP("127.0.0.1", tern.port("smtp"), timeout=60)
    smtp.sendmail("big@example.org", [A], b"Subject: big\r\n\r\n" + body)
    smtp.sendmail("small@example.org", [A], b"Subject: small\r\n\r\nsmallneedle\r\n")
    smtp.quit()
    c = imapraw.Raw("127.0.0.1", tern.port("imap"))
    c.login(A, APW)
    c.ok(b"SELECT INBOX")
    assert search(c, b"BODY", "BIGNEEDLE-77") == [1]
    assert search(c, b"TEXT", "smallneedle") == [2]
    wait_for(lambda: db_counts(tern)["indexed"] == 2, timeout=120)
    assert db_counts(tern)["rows"] == 2
    # by the idle writer, not in the commit
    assert "store index caught up messages=1 " in tern.log()
    assert search(c, b"BODY", "bigneedle-77") == [1]
    assert search(c, b"TEXT", "big@example") == [1]
    c.close()


def test_search_index_narrows_or(tern):
    """an OR of keys the index answers reads only the messages one of
    them names (their union); an OR with a key it cannot answer (a
    flag) reads every row, with the same answer either way"""
    c = imapraw.Raw("127.0.0.1", tern.port("imap"))
    c.login(A, APW)
    for i in range(64):
        word = {7: "orneedle-a", 40: "orneedle-b"}.get(i, "plain")
        c.append("INBOX", b"Subject: o%d\r\n\r\n%s text\r\n" % (i, word.encode()))
    c.ok(b"SELECT INBOX")
    c.ok(b"UID STORE 3 +FLAGS.SILENT (\\Flagged)")
    assert search_prog(c, b"OR BODY " + lit("ORNEEDLE-A") + b" TEXT " +
                       lit("orneedle-b")) == [8, 41]
    assert "imap search index narrowed 2 of 64" in tern.log()
    # an OR of keys the index answers wholly: its answer is the result,
    # no messages row read
    assert "imap search index answered 2" in tern.log()
    assert search_prog(c, b"OR (BODY " + lit("orneedle-a") + b" UID 1:10) " +
                       b"OR BODY " + lit("orneedle-b") + b" BODY " +
                       lit("nowhere-x")) == [8, 41]
    assert search_prog(c, b"OR BODY " + lit("orneedle-a") + b" FLAGGED") == [3, 8]
    assert search_prog(c, b"NOT OR BODY " + lit("orneedle-a") + b" BODY " +
                       lit("plain")) == [41]
    c.close()


def test_search_index_rows_survive_sigkill(tern):
    """every message acknowledged before a SIGKILL has its index row"""
    smtp = smtplib.SMTP("127.0.0.1", tern.port("smtp"), timeout=60)
    for i in range(30):
        smtp.sendmail("x@example.org", [A], b"Subject: k%d\r\n\r\nkilltest %d marker\r\n" % (i, i))
    tern.kill()
    tern.start()
    counts = db_counts(tern)
    assert counts["indexed"] == counts["rows"] == counts["blobs"] == 30, counts
    c = imapraw.Raw("127.0.0.1", tern.port("imap"))
    c.login(A, APW)
    c.ok(b"SELECT INBOX")
    assert len(search(c, b"BODY", "KILLTEST")) == 30
    assert search(c, b"TEXT", "killtest 17 MARKER") == [18]
    c.close()
