"""offloop - a tern reached from a non-loopback address, with nothing
shared with the host: two network namespaces made for the test (server
and client) joined by a veth pair, TEST-NET-2 addresses inside them.

    with OffLoop() as net:
        t = net.tern(tern_factory, extra="...")   # started in the server ns
        sock = net.connect(t, "imap")              # from 198.51.100.2

The namespaces (and with them the veth pair) are deleted on exit; names
carry the pid and a counter so that parallel runs never meet."""
import ctypes
import itertools
import os
import socket
import subprocess

from ternlib import TERN_BIN, TLS_MODE, Tern

SERVER_IP = "198.51.100.1"
CLIENT_IP = "198.51.100.2"
CLONE_NEWNET = 0x40000000
_seq = itertools.count()
_libc = ctypes.CDLL(None, use_errno=True)


def _ip(*args):
    subprocess.run(["ip", *args], check=True, capture_output=True,
                   timeout=30)


class NsTern(Tern):
    """A Tern whose `serve` runs inside a namespace (its ports are free
    there by construction: nothing else lives in it)."""

    def __init__(self, tmp_path, ns, **kw):
        self.ns = ns
        super().__init__(tmp_path, **kw)

    def start(self, wait_ports=True, timeout=20):
        self.log_offset = len(self.log())
        self.logf = open(self.log_path, "ab")
        # `ip netns exec` execs tern itself: SIGTERM reaches the server
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", self.ns, TERN_BIN, "-c", self.conf,
             "serve"], stdout=self.logf, stderr=subprocess.STDOUT)
        if wait_ports:
            self.wait_listening(timeout)
        return self


class OffLoop:
    def __init__(self):
        n = next(_seq)
        tag = "%d%d" % (os.getpid() % 100000, n)
        self.srv_ns = "tsrv%s" % tag
        self.cli_ns = "tcli%s" % tag
        self.veth = ("vs%s" % tag, "vc%s" % tag)
        self.terns = []

    def __enter__(self):
        _ip("netns", "add", self.srv_ns)
        try:
            _ip("netns", "add", self.cli_ns)
            _ip("link", "add", self.veth[0], "type", "veth", "peer", "name",
                self.veth[1])
            for ns, dev, addr in ((self.srv_ns, self.veth[0], SERVER_IP),
                                  (self.cli_ns, self.veth[1], CLIENT_IP)):
                _ip("link", "set", dev, "netns", ns)
                _ip("-n", ns, "addr", "add", addr + "/24", "dev", dev)
                _ip("-n", ns, "link", "set", dev, "up")
                _ip("-n", ns, "link", "set", "lo", "up")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        for t in self.terns:
            if t.proc is not None:
                t.stop()
        # deleting a namespace deletes the veth end inside it (and its peer)
        for ns in (self.cli_ns, self.srv_ns):
            subprocess.run(["ip", "netns", "delete", ns], capture_output=True,
                           timeout=30)
        subprocess.run(["ip", "link", "delete", self.veth[0]],
                       capture_output=True, timeout=30)
        return False

    def tern(self, tern_factory, name="t", accounts=(), extra=""):
        """A started server listening on SERVER_IP inside the server ns.
        Made through tern_factory (its folder, its cleanup), then pointed
        at the namespace's address."""
        t = tern_factory(name=name)
        t.__class__ = NsTern
        t.ns = self.srv_ns
        t.address = SERVER_IP
        # fixed ports: the namespace is empty, nothing can hold them
        t.ports = {p: 10000 + i for i, p in enumerate(TLS_MODE)}
        t.rewrite(extra=extra)
        for a in accounts:
            t.add_account(*a)
        t.start()
        self.terns.append(t)
        return t

    def connect(self, t, proto, timeout=10):
        """A TCP socket to t's listener, made inside the client ns: the
        server sees CLIENT_IP, not loopback."""
        own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        target = os.open("/run/netns/" + self.cli_ns, os.O_RDONLY)
        try:
            if _libc.setns(target, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns")
            try:
                s = socket.create_connection((SERVER_IP, t.port(proto)),
                                             timeout=timeout)
            finally:
                if _libc.setns(own, CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), "setns back")
        finally:
            os.close(own)
            os.close(target)
        return s
