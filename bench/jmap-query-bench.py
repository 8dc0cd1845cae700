#!/usr/bin/env python3
"""jmap-query-bench.py - the webmail's message list over JMAP against the
same list over IMAP, on one big INBOX, in the same run (issue 14):

    bench/jmap-query-bench.py [-n 100000] [--clients 50] [--seconds 20]
                              [--tern build/tern] [--tern-only]

JMAP: one POST per list: Email/query {inMailbox: INBOX, sort receivedAt
descending, limit 50} and Email/get of those ids (a result reference)
with the list properties (id threadId mailboxIds keywords from to
subject receivedAt size preview), bearer token, kept-alive HTTPS.
IMAP (tern and a private Dovecot, tests/integration/dovecotlib.py): per
list `UID SORT (REVERSE ARRIVAL) UTF-8 ALL` then `UID FETCH <the first
50> (UID FLAGS ENVELOPE RFC822.SIZE INTERNALDATE)`, each client on its
own selected connection. --clients clients run for --seconds each;
lists/s and the p50/p99 latency of a whole list are printed.

Then the other protocols with the HTTP listener busy: the IMAP list
(10 clients) and SMTP deliveries (4 sessions, 1 KB) on tern alone, and
again while --clients JMAP clients keep the https listener busy.

All clients are asyncio in this one Python process on the same shared
cores as the servers: client CPU is part of every figure, the same for
all. Messages are generated (seeded), written as one Maildir, imported
into tern (`tern import`) and copied into Dovecot's INBOX. tern runs
with [jmap] max_concurrent_requests = clients (one account's requests
otherwise wait for each other beyond 8); figures: jmap-results.md."""
import argparse
import asyncio
import base64
import json
import os
import pwd
import random
import re
import shutil
import ssl
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

LIST_PROPS = ["id", "threadId", "mailboxIds", "keywords", "from", "to",
              "subject", "receivedAt", "size", "preview"]
WORDS = ("report meeting invoice lunch travel budget draft review plan "
         "status update question answer notes agenda team project").split()


def message(rng, i):
    subj = " ".join(rng.choices(WORDS, k=4))
    body = "\r\n".join(" ".join(rng.choices(WORDS, k=12))
                       for _ in range(rng.randint(5, 40)))
    refs = ""
    if i > 10 and rng.random() < 0.3:
        refs = "In-Reply-To: <%d@bench.example>\r\n" % rng.randrange(i)
    day = 1 + i * 28 // 100000 % 28
    return ("From: Sender %d <sender%d@example.org>\r\n"
            "To: alice@example.test\r\n"
            "Subject: %s\r\n"
            "Date: Thu, %02d Oct 2026 %02d:%02d:00 +0000\r\n"
            "Message-ID: <%d@bench.example>\r\n%s"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "\r\n%s\r\n" % (i % 997, i % 997, subj, day, i // 60 % 24,
                            i % 60, i, refs, body)).encode()


def write_maildir(path, n, seed):
    rng = random.Random(seed)
    for d in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(path, d), exist_ok=True)
    for i in range(n):
        flags = "S" if rng.random() < 0.7 else ""
        with open(os.path.join(path, "cur", "%d.M%dP1.bench:2,%s" %
                               (1700000000 + i, i, flags)), "wb") as f:
            f.write(message(rng, i))


# ---- clients ---------------------------------------------------------

class Http:
    """a kept-alive HTTPS/1.1 connection"""

    async def open(self, port, ctx):
        self.r, self.w = await asyncio.open_connection(
            "127.0.0.1", port, ssl=ctx, limit=1 << 24)
        return self

    async def post(self, path, body, headers):
        h = "".join("%s: %s\r\n" % kv for kv in headers.items())
        self.w.write(("POST %s HTTP/1.1\r\nHost: localhost\r\n%s"
                      "Content-Length: %d\r\n\r\n" % (path, h, len(body))
                      ).encode() + body)
        status = int((await self.r.readline()).split()[1])
        length, chunked = None, False
        while True:
            line = await self.r.readline()
            if line in (b"\r\n", b""):
                break
            k, _, v = line.decode().partition(":")
            if k.lower() == "content-length":
                length = int(v)
            elif k.lower() == "transfer-encoding" and "chunked" in v:
                chunked = True
        if chunked:
            out = b""
            while True:
                size = int((await self.r.readline()).strip(), 16)
                out += await self.r.readexactly(size + 2)
                if size == 0:
                    return status, out
                out = out[:-2]
        return status, await self.r.readexactly(length or 0)


class Imap:
    async def open(self, port, user, pw):
        self.r, self.w = await asyncio.open_connection("127.0.0.1", port,
                                                       limit=1 << 24)
        await self.r.readline()
        self.n = 0
        await self.cmd(b'LOGIN "%s" "%s"' % (user.encode(), pw.encode()))
        sel = await self.cmd(b"SELECT INBOX")
        self.exists = [int(x.split()[1]) for x in sel
                       if x.rstrip().endswith(b" EXISTS")][0]
        return self

    async def cmd(self, line):
        self.n += 1
        tag = b"b%d" % self.n
        self.w.write(tag + b" " + line + b"\r\n")
        out = []
        while True:
            r = await self.r.readline()
            if not r:
                raise RuntimeError("closed")
            m = re.search(rb"\{(\d+)\}\r\n$", r)
            if m:
                r += await self.r.readexactly(int(m.group(1)))
                r += await self.r.readline()
            if r.startswith(tag + b" "):
                if r.split(b" ")[1] != b"OK":
                    raise RuntimeError("%r: %r" % (line, r))
                return out
            out.append(r)

    async def list50(self):
        sort = await self.cmd(b"UID SORT (REVERSE ARRIVAL) UTF-8 ALL")
        # (Dovecot sends "* OK [INPROGRESS ...]" lines first)
        uids = [x for x in sort if x.startswith(b"* SORT")][0].split()[2:52]
        got = await self.cmd(b"UID FETCH " + b",".join(uids) +
                             b" (UID FLAGS ENVELOPE RFC822.SIZE INTERNALDATE)")
        got = [x for x in got if b" FETCH " in x]
        assert len(got) == len(uids), (len(got), len(uids))


    async def page50(self):
        """the 50 newest by sequence number: no SORT (how a client that
        keeps the mailbox's order pages)"""
        n = self.exists
        got = await self.cmd(b"FETCH %d:%d (UID FLAGS ENVELOPE RFC822.SIZE"
                             b" INTERNALDATE)" % (max(1, n - 49), n))
        got = [x for x in got if b" FETCH " in x]
        assert len(got) == min(50, n), len(got)


def jmap_request(acct, inbox):
    return json.dumps({
        "using": ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail"],
        "methodCalls": [
            ["Email/query", {"accountId": acct,
                             "filter": {"inMailbox": inbox},
                             "sort": [{"property": "receivedAt",
                                       "isAscending": False}],
                             "limit": 50}, "q"],
            ["Email/get", {"accountId": acct,
                           "#ids": {"resultOf": "q", "name": "Email/query",
                                    "path": "/ids"},
                           "properties": LIST_PROPS}, "g"]]}).encode()


async def jmap_client(port, ctx, token, body, stop, lat):
    h = await Http().open(port, ctx)
    hdr = {"Authorization": "Bearer " + token,
           "Content-Type": "application/json"}
    while time.monotonic() < stop:
        t = time.perf_counter()
        status, out = await h.post("/jmap/api/", body, hdr)
        resp = json.loads(out)
        if status != 200 or resp["methodResponses"][1][0] != "Email/get" \
                or len(resp["methodResponses"][1][1]["list"]) != 50:
            raise RuntimeError("JMAP answer: %d %r" % (status, out[:300]))
        lat.append(time.perf_counter() - t)
    h.w.close()


async def imap_client(port, user, pw, stop, lat):
    c = await Imap().open(port, user, pw)
    while time.monotonic() < stop:
        t = time.perf_counter()
        await c.list50()
        lat.append(time.perf_counter() - t)
    c.w.close()


async def imap_pager(port, user, pw, stop, lat):
    c = await Imap().open(port, user, pw)
    while time.monotonic() < stop:
        t = time.perf_counter()
        await c.page50()
        lat.append(time.perf_counter() - t)
    c.w.close()


async def smtp_session(port, rcpt, count, lat):
    r, w = await asyncio.open_connection("127.0.0.1", port)

    async def reply():
        while True:
            line = await r.readline()
            if line[3:4] != b"-":
                if line[:1] not in (b"2", b"3"):
                    raise RuntimeError("SMTP: %r" % line)
                return
    await reply()
    w.write(b"EHLO bench.example\r\n")
    await reply()
    body = b"Subject: x\r\n\r\n" + b"y" * 1000 + b"\r\n.\r\n"
    for _ in range(count):
        t = time.perf_counter()
        w.write(b"MAIL FROM:<b@bench.example>\r\n")
        await reply()
        w.write(b"RCPT TO:<%s>\r\n" % rcpt.encode())
        await reply()
        w.write(b"DATA\r\n")
        await reply()
        w.write(body)
        await reply()
        lat.append(time.perf_counter() - t)
    w.write(b"QUIT\r\n")
    w.close()


def summary(name, lat, secs):
    lat = sorted(lat)
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1e3
    print("%-28s %9.1f/s %9.1f ms %9.1f ms %8d" %
          (name, len(lat) / secs, p(0.5), p(0.99), len(lat)), flush=True)
    return len(lat) / secs


async def together(coros):
    return await asyncio.gather(*coros)


async def run_for(secs, make):
    stop = time.monotonic() + secs
    lat = []
    t0 = time.monotonic()
    await asyncio.gather(*[m(stop, lat) for m in make])
    return lat, time.monotonic() - t0


def first_list(j, acct, inbox, rounds=20):
    """the list right after a change of the account (no cached result:
    a keyword toggled first) against the same list again (cached), one
    client, nothing else running"""
    q = json.loads(jmap_request(acct, inbox))["methodCalls"]
    calls = {"first": [], "again": [], "first+total": [],
             "first, unread only": [], "again, +hasAttachment": []}
    qt = json.loads(json.dumps(q))
    qt[0][1]["calculateTotal"] = True
    qu = json.loads(json.dumps(q))
    qu[0][1]["filter"] = {"operator": "AND", "conditions": [
        {"inMailbox": inbox}, {"notKeyword": "$seen"}]}
    qa = json.loads(json.dumps(q))
    qa[1][1]["properties"] = LIST_PROPS + ["hasAttachment"]
    one = j.call(q)[0][1]["ids"][7]
    flag = False
    for i in range(rounds):
        for name, body in (("first", q), ("again", q),
                           ("again, +hasAttachment", qa),
                           ("first+total", qt), ("first, unread only", qu)):
            if not name.startswith("again"):	# a change: the state moves
                flag = not flag
                j.call([["Email/set", {"accountId": acct, "update": {
                    one: {"keywords/$flagged": True if flag else None}}},
                    "s"]])
            t = time.perf_counter()
            r = j.call(body)
            calls[name].append(time.perf_counter() - t)
            assert r[1][0] == "Email/get", r
    print("\none client, query+get of 50, %d rounds" % rounds)
    for name, lat in calls.items():
        lat.sort()
        print("%-28s p50 %7.1f ms  max %7.1f ms" %
              ("list " + name, lat[len(lat) // 2] * 1e3, lat[-1] * 1e3),
              flush=True)


def cpu_secs(pid):
    """user + system CPU seconds of a process so far"""
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def paced_jmap(port, ctx, token, body, rate, stop, conn):
    """(a child process) a list every 1/rate s over 4 connections until
    stop; the answer's status and method checked, its JSON not parsed"""
    hdr = {"Authorization": "Bearer " + token,
           "Content-Type": "application/json"}
    conns = 4	# the rate holds while a list takes up to 4/rate s
    lat, t0 = [], time.monotonic()

    async def one(k):
        h = await Http().open(port, ctx)
        n = 0
        while not stop.is_set():
            due = t0 + (n * conns + k) / rate
            n += 1
            if due > time.monotonic():
                await asyncio.sleep(due - time.monotonic())
            t = time.perf_counter()
            status, out = await h.post("/jmap/api/", body, hdr)
            if status != 200 or b'"Email/get"' not in out:
                raise RuntimeError("JMAP answer: %d %r" % (status, out[:200]))
            lat.append(time.perf_counter() - t)
        h.w.close()

    async def run():
        await asyncio.gather(*[one(k) for k in range(conns)])
        return time.monotonic() - t0
    secs = asyncio.new_event_loop().run_until_complete(run())
    lat.sort()
    conn.send((len(lat) / secs, lat[len(lat) // 2] if lat else 0,
               cpu_secs(os.getpid()) / secs))


class Busy:
    """the https listener busy at rate lists/s (or idle) during a with
    block; the CPU tern and this process took meanwhile"""

    def __init__(self, busy, rate, port, ctx, token, body, tern_pid):
        self.busy, self.tern_pid = busy, tern_pid
        self.args = (port, ctx, token, body, rate)

    def __enter__(self):
        import multiprocessing as mp
        mpc = mp.get_context("fork")
        self.stop = mpc.Event()
        self.rx, tx = mpc.Pipe(False)
        self.child = mpc.Process(target=paced_jmap,
                                 args=self.args + (self.stop, tx)) \
            if self.busy else None
        if self.child:
            self.child.start()
            time.sleep(0.5)	# its connection made
        self.t0, self.me0 = time.monotonic(), os.times()
        self.tern0 = cpu_secs(self.tern_pid)
        return self

    def __exit__(self, *exc):
        self.secs = time.monotonic() - self.t0
        me = os.times()
        self.tern = (cpu_secs(self.tern_pid) - self.tern0) / self.secs
        self.me = (me.user + me.system - self.me0.user -
                   self.me0.system) / self.secs
        self.jmap = None
        if self.child:
            self.stop.set()
            self.jmap = self.rx.recv()
            self.child.join()

    def report(self):
        print("    CPU: tern %.2f, IMAP/SMTP client %.2f cores" %
              (self.tern, self.me) +
              (", JMAP client %.2f cores; JMAP %.1f lists/s, p50 %.1f ms" %
               (self.jmap[2], self.jmap[0], self.jmap[1] * 1e3)
               if self.jmap else ""), flush=True)


def reopen(ternlib, tdir):
    """the Tern of an earlier run's folder (its config and ports)"""
    t = ternlib.Tern.__new__(ternlib.Tern)
    t.dir, t.wrap, t.proc = tdir, [], None
    t.conf = os.path.join(tdir, "tern.conf")
    t.cert = os.path.join(tdir, "tls", "cert.pem")
    t.data_dir = os.path.join(tdir, "data")
    t.log_path = os.path.join(tdir, "tern.log")
    t.ports = {m.group(1): int(m.group(2)) for m in re.finditer(
        r"(?m)^listen = (\w+) 127\.0\.0\.1:(\d+)", open(t.conf).read())}
    return t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=100000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--no-lists", action="store_true",
                    help="skip the 50-client list comparison")
    ap.add_argument("--rate", type=float, default=50,
                    help="JMAP lists/s while IMAP and SMTP are measured")
    ap.add_argument("--tern", default=None)
    ap.add_argument("--tern-only", action="store_true")
    ap.add_argument("--workdir", default=None,
                    help="keep the generated Maildir here between runs")
    ap.add_argument("--reuse-tern", action="store_true",
                    help="with --workdir: the tern imported by an earlier"
                    " run (same n and seed), not a fresh import")
    a = ap.parse_args()
    if a.tern:
        os.environ["TERN_BIN"] = os.path.abspath(a.tern)
    import dovecotlib
    import ternlib
    from jmap_client import JmapClient

    user, pw = dovecotlib.USER, dovecotlib.PASSWORD
    tmp = os.path.abspath(a.workdir) if a.workdir else \
        tempfile.mkdtemp(prefix="jmap-bench-")
    os.makedirs(tmp, exist_ok=True)
    t = d = None
    try:
        md = os.path.join(tmp, "Maildir")
        made = os.path.join(tmp, "Maildir.%d.%d" % (a.n, a.seed))
        t0 = time.time()
        if not os.path.exists(made):
            shutil.rmtree(md, ignore_errors=True)
            write_maildir(md, a.n, a.seed)
            open(made, "w").close()
        print("%d messages, generated in %.0f s" % (a.n, time.time() - t0),
              flush=True)
        tdir = os.path.join(tmp, "tern")
        imported = os.path.join(tmp, "tern.%d.%d" % (a.n, a.seed))
        if not (a.reuse_tern and os.path.exists(imported)):
            shutil.rmtree(tdir, ignore_errors=True)
            os.mkdir(tdir)
            if os.path.exists(imported):
                os.unlink(imported)
        t = ternlib.Tern(tdir, protocols=("smtp", "imap", "https"),
                         extra="[jmap]\nmax_concurrent_requests = %d\n" %
                         max(8, a.clients)) if not os.path.exists(
                             imported) else reopen(ternlib, tdir)
        if not os.path.exists(imported):
            t.add_account(user, pw)
            t.add_account(dovecotlib.USER2, dovecotlib.PASSWORD2)
            t0 = time.time()
            ternlib.run_cli(t.conf, "import", user, md, timeout=36000)
            print("tern import %.0f s" % (time.time() - t0), flush=True)
            if a.workdir:
                open(imported, "w").close()
        t.start()
        j = JmapClient(t, user, pw)
        token = j.login()["accessToken"]
        acct = j.account_id
        boxes = j.call([["Mailbox/get", {"accountId": acct}, "0"]])
        inbox = [m["id"] for m in boxes[0][1]["list"]
                 if m["role"] == "inbox"][0]
        body = jmap_request(acct, inbox)
        ctx = t.ssl_context()
        port = t.port("https")

        def jm(n):
            return [lambda s, l: jmap_client(port, ctx, token, body, s, l)
                    for _ in range(n)]

        def im(p, n):
            return [lambda s, l: imap_client(p, user, pw, s, l)
                    for _ in range(n)]

        if not a.tern_only:
            # 50 clients of one user from one address
            d = dovecotlib.Dovecot(extra="protocol imap {\n"
                                   "  mail_max_userip_connections = %d\n"
                                   "}\n" % (a.clients + 20))
            home = os.path.join(d.dir, "home", user)
            shutil.copytree(md, os.path.join(home, "Maildir"))
            if os.geteuid() == 0:
                nobody = pwd.getpwnam("nobody")
                for root, dirs, files in os.walk(home):
                    for x in dirs + files + [""]:
                        os.lchown(os.path.join(root, x), nobody.pw_uid,
                                  nobody.pw_gid)
            d.start()
        loop = asyncio.new_event_loop()
        # untimed rounds first: caches warm, Dovecot's index and cache
        # file made (it caches a field for good once asked again)
        for _ in range(3):
            loop.run_until_complete(run_for(0.1, jm(1)))
            loop.run_until_complete(run_for(0.1, im(t.port("imap"), 1)))
            if d:
                loop.run_until_complete(run_for(0.1, im(d.port, 1)))
        first_list(j, acct, inbox)
        if not a.no_lists:
            print("\n%d clients, %.0f s each, a list = 50 messages newest "
                  "first\n%-28s %11s %12s %12s %8s" %
                  (a.clients, a.seconds, "", "lists", "p50", "p99", "lists"))
            rates = {}
            lat, secs = loop.run_until_complete(run_for(a.seconds,
                                                        jm(a.clients)))
            rates["jmap"] = summary("tern JMAP query+get", lat, secs)
            lat, secs = loop.run_until_complete(run_for(
                a.seconds, im(t.port("imap"), a.clients)))
            rates["imap"] = summary("tern IMAP SORT+FETCH", lat, secs)
            if d:
                lat, secs = loop.run_until_complete(run_for(
                    a.seconds, im(d.port, a.clients)))
                rates["dovecot"] = summary("dovecot IMAP SORT+FETCH", lat,
                                           secs)
                print("tern JMAP / dovecot IMAP: %.2fx" %
                      (rates["jmap"] / rates["dovecot"]))

        # the other listeners with the https one busy: a fixed, modest
        # JMAP rate from one light client in a process of its own (not
        # 50 clients in this process: they took the cores and this
        # process's loop, and the comparison measured the load
        # generator); the CPU of tern and of each client is reported
        print("\nwith the HTTP listener idle / busy (%d JMAP lists/s from "
              "one light client in its own process)" % a.rate, flush=True)
        secs = min(a.seconds, 10)
        for busy in (False, True):
            tag = "busy" if busy else "idle"
            lat2 = []	# the IMAP clients' lists only
            with Busy(busy, a.rate, port, ctx, token, body,
                      t.proc.pid) as b:
                stop = time.monotonic() + secs
                loop.run_until_complete(together([
                    imap_pager(t.port("imap"), user, pw, stop, lat2)
                    for _ in range(4)]))
            summary("IMAP FETCH 50, 4 clients, %s" % tag, lat2, b.secs)
            b.report()
            sl = []
            with Busy(busy, a.rate, port, ctx, token, body,
                      t.proc.pid) as b:
                loop.run_until_complete(together([
                    smtp_session(t.port("smtp"), dovecotlib.USER2, 50, sl)
                    for _ in range(4)]))
            summary("SMTP 1 KB, 4 sessions, %s" % tag, sl, b.secs)
            b.report()
    finally:
        if d is not None:
            d.stop()
        if t is not None:
            t.stop()
        if not a.workdir:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
