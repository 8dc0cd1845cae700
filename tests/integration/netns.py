"""netns - a client on another network, for what tern does with clients
that are not on loopback: a network namespace of the test's own, joined to
this one by a veth pair with TEST-NET addresses. Needs root.

    with Peer() as peer:                       # removed again on exit
        t = tern_factory(address=peer.host)    # tern listens on the host side
        c = Imap(peer.reach(t))                # connects from the namespace

Names carry the pid and a random part, so parallel runs never meet; each
run picks a /30 no interface here has yet.
"""
import ctypes
import os
import random
import secrets
import socket
import subprocess
import threading

CLONE_NEWNET = 0x40000000
TEST_NETS = ("192.0.2", "198.51.100", "203.0.113")   # RFC 5737
_libc = ctypes.CDLL(None, use_errno=True)


def ip(*args):
    p = subprocess.run(["ip", *args], capture_output=True, text=True,
                       timeout=30)
    assert p.returncode == 0, "ip %s: %s" % (" ".join(args), p.stderr)


def _free_subnet():
    """host and peer address of a /30 in TEST-NET that no interface has"""
    used = subprocess.run(["ip", "-4", "-o", "addr", "show"], check=True,
                          capture_output=True, text=True, timeout=30).stdout
    for _ in range(100):
        net, n = random.choice(TEST_NETS), 4 * random.randrange(64)
        host, peer = "%s.%d" % (net, n + 1), "%s.%d" % (net, n + 2)
        if ("inet %s/" % host) not in used and ("inet %s/" % peer) not in used:
            return host, peer
    raise AssertionError("no free TEST-NET /30 on this host")


class Peer:
    def __init__(self):
        tag = "%d%s" % (os.getpid(), secrets.token_hex(3))
        self.name = "tern-test-" + tag
        # interface names: at most 15 bytes
        self.host_if = "tn%sh" % secrets.token_hex(5)
        self.peer_if = self.host_if[:-1] + "p"
        self.host, self.addr = _free_subnet()

    def __enter__(self):
        ip("netns", "add", self.name)
        try:
            ip("link", "add", self.host_if, "type", "veth",
               "peer", "name", self.peer_if, "netns", self.name)
            ip("addr", "add", self.host + "/30", "dev", self.host_if)
            ip("link", "set", self.host_if, "up")
            ip("-n", self.name, "addr", "add", self.addr + "/30",
               "dev", self.peer_if)
            ip("-n", self.name, "link", "set", self.peer_if, "up")
            ip("-n", self.name, "link", "set", "lo", "up")
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        # deleting one end of a veth deletes both
        subprocess.run(["ip", "link", "del", self.host_if],
                       capture_output=True, timeout=30)
        subprocess.run(["ip", "netns", "del", self.name],
                       capture_output=True, timeout=30)

    def socket(self, family=socket.AF_INET):
        """A TCP socket of the namespace: a socket stays in the network
        namespace it was made in, so only a helper thread has to enter it."""
        out = {}

        def make():
            try:
                with open("/run/netns/" + self.name) as f:
                    if _libc.setns(f.fileno(), CLONE_NEWNET) != 0:
                        e = ctypes.get_errno()
                        raise OSError(e, "setns: " + os.strerror(e))
                out["sock"] = socket.socket(family, socket.SOCK_STREAM)
            except BaseException as e:
                out["error"] = e
        th = threading.Thread(target=make)
        th.start()
        th.join()
        if "error" in out:
            raise out["error"]
        return out["sock"]

    def reach(self, t):
        """t, but its connect() opens the connection from the namespace"""
        return _Via(t, self)


class _Via:
    def __init__(self, t, peer):
        self._t, self._peer = t, peer

    def __getattr__(self, name):
        return getattr(self._t, name)

    def connect(self, proto, timeout=10):
        s = self._peer.socket()
        s.settimeout(timeout)
        s.connect((self._t.address, self._t.port(proto)))
        return s
