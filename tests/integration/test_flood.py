"""One hostile connection must not take memory or the loop from the
others (issue 11, items 1 and 2): a client that pipelines commands and
never reads its replies, in every protocol, and a compressed flood of
NOOPs. Raw sockets, since no library client misbehaves like this."""
import os
import re
import select
import socket
import time
import zlib

import pytest

from conftest import ALICE

A, APW = ALICE

# the unfixed server buffered every reply: these floods made it grow by
# 150 MB or more; a bounded one holds about server.output_high_water
RSS_GROWTH_LIMIT_KB = 32 * 1024


def status_kb(pid, field):
    with open("/proc/%d/status" % pid) as f:
        return int(next(x for x in f if x.startswith(field + ":")).split()[1])


@pytest.fixture
def small_quarantine(monkeypatch):
    """AddressSanitizer keeps freed memory (256 MB by default) in
    quarantine, which would count as growth here."""
    opts = os.environ.get("ASAN_OPTIONS", "")
    monkeypatch.setenv("ASAN_OPTIONS",
                       (opts + ":" if opts else "") + "quarantine_size_mb=8")


def read_until(sock, buf, end, deadline):
    while end not in buf:
        assert time.time() < deadline, buf[-300:]
        chunk = sock.recv(1 << 16)
        assert chunk, "connection closed: %r" % buf[-300:]
        buf += chunk
    return buf


def flood_unread(sock, payload, stall_s=2.0):
    """Send payload without reading any reply, until it is all sent or
    the server has stopped taking it for stall_s; returns bytes sent."""
    sock.setblocking(False)
    sent = 0
    last = time.time()
    while sent < len(payload):
        _, w, _ = select.select([], [sock], [], 0.2)
        if w:
            try:
                n = sock.send(payload[sent:sent + (1 << 16)])
            except BlockingIOError:
                n = 0
            if n > 0:
                sent += n
                last = time.time()
                continue
        if time.time() - last > stall_s:
            break
    return sent


def finish(sock, payload, sent, done, deadline):
    """Send the rest of payload while reading every reply, until done(buf)."""
    sock.setblocking(False)
    buf = bytearray()
    while not done(buf):
        assert time.time() < deadline, "replies incomplete: %r" % buf[-300:]
        r, w, _ = select.select([sock], [sock] if sent < len(payload) else [],
                                [], 1.0)
        if w:
            try:
                sent += sock.send(payload[sent:sent + (1 << 16)])
            except BlockingIOError:
                pass
        if r:
            try:
                chunk = sock.recv(1 << 20)
            except BlockingIOError:
                continue
            assert chunk, "connection closed: %r" % buf[-300:]
            buf += chunk
    return bytes(buf)


def output_flood(t, proto, greet_end, payload, done, other):
    """The flood of item 1: memory stays bounded while the replies go
    unread, another client is served meanwhile, and once the flooder
    reads, its replies all come, in order (done checks them)."""
    pid = t.proc.pid
    s = t.connect(proto)
    deadline = time.time() + 30
    read_until(s, b"", greet_end, deadline)
    before = status_kb(pid, "VmHWM")
    sent = flood_unread(s, payload)
    # the server stopped taking commands while its replies went unread
    # (the unbounded one took them all and buffered every reply)
    assert sent < len(payload), \
        "%s: the server read all %d bytes with its replies unread" % (
            proto, len(payload))
    # another client is served normally while the flooder waits
    other()
    out = finish(s, payload, sent, done, time.time() + 900)
    growth = status_kb(pid, "VmHWM") - before
    print("%s: %d bytes sent unread of %d, peak RSS growth %d KB, "
          "replies %d bytes" % (proto, sent, len(payload), growth, len(out)))
    assert growth < RSS_GROWTH_LIMIT_KB, \
        "%s: peak RSS grew by %d KB with %d of %d bytes sent unread" % (
            proto, growth, sent, len(payload))
    s.close()
    return out


def test_imap_output_flood_bounded(small_quarantine, tern):
    n = 600000
    payload = b"".join(b"a%d CAPABILITY\r\n" % i for i in range(n)) + \
        b"z LOGOUT\r\n"

    def done(buf):
        return re.search(rb"\r\nz OK [^\r\n]*\r\n$", buf[-200:]) is not None

    def other():
        c = tern.connect("imap")
        b = read_until(c, b"", b"\r\n", time.time() + 30)
        c.sendall(b"o1 CAPABILITY\r\no2 LOGOUT\r\n")
        b = read_until(c, b, b"o2 OK", time.time() + 30)
        assert b"o1 OK" in b
        c.close()

    out = output_flood(tern, "imap", b"\r\n", payload, done, other)
    tags = re.findall(rb"(?m)^(a\d+) OK ", out)
    assert len(tags) == n and tags[0] == b"a0" and tags[-1] == b"a%d" % (n - 1)
    assert tags == [b"a%d" % i for i in range(n)]
    assert out.count(b"* CAPABILITY ") == n


def test_pop3_output_flood_bounded(small_quarantine, tern):
    n = 1600000
    payload = b"CAPA\r\n" * n + b"QUIT\r\n"

    def done(buf):
        # the QUIT's reply follows the last CAPA's terminating dot
        return re.search(rb"\r\n\.\r\n\+OK[^\r\n]*\r\n$", buf[-200:]) is not None

    def other():
        c = tern.connect("pop3")
        b = read_until(c, b"", b"\r\n", time.time() + 30)
        c.sendall(b"CAPA\r\nQUIT\r\n")
        b = read_until(c, b, b"\r\n.\r\n+OK", time.time() + 30)
        c.close()

    out = output_flood(tern, "pop3", b"\r\n", payload, done, other)
    replies = out.split(b"\r\n.\r\n")
    assert len(replies) == n + 1
    assert all(r.startswith(b"+OK") for r in replies[:-1])


def test_smtp_rcpt_flood_bounded(small_quarantine, tern):
    """RCPT beyond the recipient limit: every one is answered 452, and
    those answers are bounded too (20 MB of commands: more than the
    output bound and the socket buffers hold, so the server must stop
    reading)."""
    n = 1200000
    payload = b"EHLO x\r\nMAIL FROM:<s@remote.test>\r\n" + \
        b"RCPT TO:<alice@example.test>\r\n" * 100 + \
        b"RCPT TO:<a@b.c>\r\n" * n + b"QUIT\r\n"

    def done(buf):
        return re.search(rb"(?m)^221 [^\r\n]*\r\n$", buf[-200:]) is not None

    def other():
        c = tern.connect("smtp")
        b = read_until(c, b"", b"\r\n", time.time() + 30)
        c.sendall(b"NOOP\r\nQUIT\r\n")
        read_until(c, b, b"221 ", time.time() + 30)
        c.close()

    out = output_flood(tern, "smtp", b"\r\n", payload, done, other)
    assert out.count(b"452 4.5.3") == n


def test_compressed_noop_flood_yields(tern_factory):
    """Item 2: a few KB of compressed NOOPs (millions of commands) must
    not hold the loop: another client's NOOP is answered while the flood
    still runs, i.e. before the flooder's last reply."""
    # the output bound is not what lets the other client in here
    t = tern_factory(extra="[server]\noutput_high_water = 1G\n")
    t.add_account(*ALICE)
    t.start()
    f = t.connect("imap", timeout=300)
    b = read_until(f, b"", b"\r\n", time.time() + 30)
    f.sendall(b"l LOGIN %s %s\r\nc COMPRESS DEFLATE\r\n" %
              (A.encode(), APW.encode()))
    b = read_until(f, b, b"c OK", time.time() + 30)
    assert b.endswith(b"\r\n"), b
    # the other client, greeted before the flood starts
    o = t.connect("imap", timeout=300)
    read_until(o, b"", b"\r\n", time.time() + 30)
    n = 2000000
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    flood = co.compress(b"a NOOP\r\n" * n + b"last NOOP\r\n") + \
        co.flush(zlib.Z_SYNC_FLUSH)
    assert len(flood) < 64 * 1024
    de = zlib.decompressobj(-15)
    st = {"oks": 0, "last": False, "tail": b""}

    def drain_flooder(block):
        """read what the flooder's socket holds (block: wait for some)"""
        f.setblocking(block)
        try:
            while not st["last"]:
                chunk = f.recv(1 << 16)
                assert chunk, "flooder closed"
                text = st["tail"] + de.decompress(chunk)
                cut = text.rfind(b"\n") + 1
                lines, st["tail"] = text[:cut], text[cut:]
                st["oks"] += lines.count(b"a OK ")
                st["last"] = b"last OK " in lines
                if block:
                    return
        except BlockingIOError:
            pass

    f.settimeout(300)
    f.sendall(flood)
    deadline = time.time() + 300
    while st["oks"] < 1000 and not st["last"]:
        assert time.time() < deadline
        drain_flooder(True)
    # the flood is running: a NOOP round trip on the other connection
    o.sendall(b"o1 NOOP\r\n")
    ob = b""
    while b"o1 OK" not in ob:
        assert time.time() < deadline
        r, _, _ = select.select([o, f], [], [], 1.0)
        if f in r:
            drain_flooder(False)
        if o in r:
            chunk = o.recv(4096)
            assert chunk, "other client closed"
            ob += chunk
    # whatever the server sent the flooder before it answered o1 is in
    # the flooder's socket by now (loopback): read it, then look
    drain_flooder(False)
    flood_done_first = st["last"]
    o.close()
    while not st["last"]:
        assert time.time() < deadline, st
        drain_flooder(True)
    assert st["oks"] == n
    assert not flood_done_first, \
        "the other client was answered only after the whole flood"
    f.close()
