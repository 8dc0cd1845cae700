"""IMAP durability: an APPEND OK, a STORE OK and an EXPUNGE OK are on
stable storage. Clients append, flag and expunge in parallel; the server
is killed with SIGKILL mid-flight, restarted, and everything it
acknowledged must be there (and every acknowledged expunge gone)."""
import re
import threading
import traceback

from relaylib import wait_for

from conftest import ALICE
from test_imap import Imap

A, APW = ALICE


def test_imap_sigkill_loses_nothing_acknowledged(tern):
    lock = threading.Lock()
    appended = {}           # uid -> (subject, flagged)
    answered = set()        # uids whose +FLAGS (\Answered) got OK
    expunged = set()        # uids whose UID EXPUNGE got OK
    # uids whose UID EXPUNGE was sent: without its OK the message may be
    # gone or not (the kill may fall between the commit and the reply)
    expunging = set()
    stop = threading.Event()
    killed = threading.Event()  # set just before the SIGKILL
    errors = []             # what went wrong in a client before the kill

    def client(k):
        try:
            c = Imap(tern)
            c.login()
            c.ok("SELECT INBOX")
            mine = []
            for i in range(100000):
                if stop.is_set():
                    return
                subj = b"imap-kill %d %d" % (k, i)
                flags = b"(\\Flagged) " if i % 2 else b""
                body = b"Subject: " + subj + b"\r\n\r\n" + b"z" * 1500 + b"\r\n"
                c.send(b"a APPEND INBOX %s{%d+}\r\n" % (flags, len(body)) +
                       body + b"\r\n")
                r, _ = c.wait("a")
                uid = int(re.search(rb"APPENDUID \d+ (\d+)", r).group(1))
                with lock:
                    appended[uid] = (subj, bool(flags))
                mine.append(uid)
                if i % 3 == 2:
                    u = mine[len(mine) // 2]
                    r, _ = c.cmd("UID STORE %d +FLAGS.SILENT (\\Answered)" % u)
                    if r.startswith(b"OK"):
                        with lock:
                            answered.add(u)
                if i % 5 == 4:
                    u = mine.pop(0)
                    c.ok("UID STORE %d +FLAGS.SILENT (\\Deleted)" % u)
                    with lock:
                        expunging.add(u)
                    r, _ = c.cmd("UID EXPUNGE %d" % u)
                    if r.startswith(b"OK"):
                        with lock:
                            expunged.add(u)
        except Exception:
            # after the kill the server went away under us; before it,
            # anything is a failure of the server
            if not killed.is_set():
                errors.append(traceback.format_exc())

    def enough():
        with lock:
            return len(appended) > 200 and expunged and answered
    threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
    for th in threads:
        th.start()
    # load until there is plenty in flight (no clock: a slow build is slow)
    wait_for(lambda: enough() or errors, timeout=300, what="appends")
    killed.set()
    tern.kill()
    with lock:
        appended_at, answered_at, expunged_at, expunging_at = (
            dict(appended), set(answered), set(expunged), set(expunging))
    stop.set()
    for th in threads:
        th.join(60)
        assert not th.is_alive()
    assert errors == []
    assert len(appended_at) > 200 and expunged_at and answered_at

    tern.start()
    c = Imap(tern)
    c.login()
    c.ok("SELECT INBOX")
    got = {}
    for line in c.ok("UID FETCH 1:* (UID FLAGS)"):
        m = re.search(rb"UID (\d+) FLAGS \(([^)]*)\)", line)
        got[int(m.group(1))] = m.group(2).split()
    for uid, (subj, flagged) in appended_at.items():
        if uid in expunged_at:
            assert uid not in got, uid
            continue
        if uid not in expunging_at:
            assert uid in got, (uid, subj)
        if uid in got:
            assert (b"\\Flagged" in got[uid]) == flagged, (uid, got[uid])
            if uid in answered_at:
                assert b"\\Answered" in got[uid], (uid, got[uid])
    # the bodies are whole
    some = sorted(u for u in appended_at if u in got)[:20]
    for uid in some:
        u = c.ok("UID FETCH %d BODY.PEEK[]" % uid)
        assert appended_at[uid][0] in b"".join(u)
