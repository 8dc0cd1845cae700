"""relaylib - pieces for the outbound relay tests (test_relay*.py):

  Unbound(tmp, records)  a real unbound on 127.0.0.1 serving test zones
  FakeMX(addr, port)     a scriptable SMTP peer that records what it gets
  set_listen_port(t, proto, port)  pin a listener's port (both domains
                         must listen on the same port: relay.port is one)

The tern servers themselves come from ternlib (the one harness)."""
import os
import socket
import socketserver
import ssl
import subprocess
import threading
import time

UNBOUND = "/usr/sbin/unbound"


def free_udp_port(host="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def free_tcp_port_on(hosts):
    """A TCP port free on every address in hosts (bounded tries)."""
    for _ in range(200):
        with socket.socket() as s:
            s.bind((hosts[0], 0))
            port = s.getsockname()[1]
        ok = True
        for h in hosts[1:]:
            fam = socket.AF_INET6 if ":" in h else socket.AF_INET
            try:
                with socket.socket(fam) as s2:
                    s2.bind((h, port))
            except OSError:
                ok = False
                break
        if ok:
            return port
    raise AssertionError("no common free port")


class Unbound:
    """unbound -d with local-data for the given zones; stop() ends it."""

    def __init__(self, tmp, zones, forward=None, transparent=()):
        """transparent: zones answered from their records where they
        have one and resolved (forwarded) otherwise"""
        self.transparent = set(transparent)
        self.dir = str(tmp)
        self.conf = os.path.join(self.dir, "unbound.conf")
        self.logp = os.path.join(self.dir, "unbound.log")
        # a port can be taken between choosing and binding it (other
        # tests, other programs): try a few
        errors = []
        for _ in range(5):
            if self._start(zones, forward, errors):
                return
        raise AssertionError("unbound did not start:\n" + "\n".join(errors)[-3000:])

    def _start(self, zones, forward, errors):
        self.port = free_udp_port()
        lines = ["server:", "  interface: 127.0.0.1", "  port: %d" % self.port,
                 "  do-daemonize: no", "  use-syslog: no", '  username: ""',
                 '  chroot: ""', '  directory: "%s"' % self.dir, '  pidfile: ""',
                 '  logfile: "%s"' % self.logp, "  verbosity: 1",
                 "  access-control: 127.0.0.0/8 allow",
                 '  local-zone: "test." nodefault']
        for zone, records in zones.items():
            lines.append('  local-zone: "%s." %s' % (
                zone, "transparent" if zone in self.transparent else "static"))
            for r in records:
                # TXT records quote their strings with "
                q = "'" if '"' in r else '"'
                lines.append("  local-data: %s%s%s" % (q, r, q))
        lines.append("  do-not-query-localhost: no")
        for zone, addr in (forward or {}).items():
            lines += ["forward-zone:", '  name: "%s."' % zone,
                      "  forward-addr: %s" % addr]
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        if os.path.exists(self.logp):
            os.unlink(self.logp)
        errp = os.path.join(self.dir, "unbound.stderr")
        with open(errp, "wb") as errf:
            self.proc = subprocess.Popen([UNBOUND, "-d", "-c", self.conf],
                                         stdout=subprocess.DEVNULL, stderr=errf)
        # generous: a loaded 2-core CI machine can take seconds to start it
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if "start of service" in open(self.logp).read():
                    return True
            except FileNotFoundError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        for p in (self.logp, errp):
            try:
                errors.append(open(p).read())
            except FileNotFoundError:
                pass
        return False

    @property
    def resolver(self):
        return "127.0.0.1@%d" % self.port

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class _Handler(socketserver.StreamRequestHandler):
    timeout = 30

    def reply(self, text):
        self.wfile.write(text.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self):
        mx = self.server.mx
        with mx.lock:
            mx.connections += 1
            mx.active += 1
            mx.max_active = max(mx.max_active, mx.active)
        try:
            self.session(mx)
        finally:
            with mx.lock:
                mx.active -= 1

    def session(self, mx):
        self.reply("220 %s fake ESMTP" % mx.name)
        mail, rcpts, tls, authed = None, [], False, False
        while True:
            line = self.rfile.readline(4096)
            if not line:
                return
            cmd = line.decode("utf-8", "replace").rstrip("\r\n")
            verb = cmd.split(" ")[0].upper()
            mx.commands.append(cmd)
            if verb in ("EHLO", "HELO"):
                if verb == "HELO" or mx.no_ehlo:
                    if verb == "EHLO":
                        self.reply("502 5.5.1 no EHLO here")
                        continue
                    self.reply("250 %s" % mx.name)
                    continue
                ext = ["PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES",
                       "SIZE %d" % mx.size]
                if mx.dsn:
                    ext.append("DSN")
                if mx.smtputf8:
                    ext.append("SMTPUTF8")
                if mx.tls_ctx and not tls:
                    ext.append("STARTTLS")
                if mx.auth:
                    ext.append("AUTH PLAIN LOGIN")
                self.reply("250-%s" % mx.name)
                for i, e in enumerate(ext):
                    self.reply(("250 " if i == len(ext) - 1 else "250-") + e)
            elif verb == "STARTTLS" and mx.tls_ctx and not tls:
                self.reply("220 2.0.0 go ahead")
                conn = mx.tls_ctx.wrap_socket(self.connection, server_side=True)
                self.connection = conn
                self.rfile = conn.makefile("rb")
                self.wfile = conn.makefile("wb")
                tls = True
            elif verb == "AUTH" and mx.auth:
                import base64
                parts = cmd.split(" ")
                try:
                    raw = base64.b64decode(parts[2]) if len(parts) > 2 else b""
                except Exception:
                    raw = b""
                if raw.split(b"\0")[1:] == [mx.auth[0].encode(), mx.auth[1].encode()]:
                    authed = True
                    mx.auth_ok += 1
                    self.reply("235 2.7.0 authenticated")
                else:
                    self.reply("535 5.7.8 bad credentials")
            elif verb == "MAIL":
                if mx.auth and not authed:
                    self.reply("530 5.7.0 authentication required")
                    continue
                mail, rcpts = cmd[10:].split(">")[0].lstrip("<"), []
                self.reply("250 2.1.0 ok")
            elif verb == "RCPT":
                addr = cmd[8:].split(">")[0].lstrip("<")
                if addr in mx.reject:
                    self.reply("550 5.1.1 <%s>: no such user here" % addr)
                elif addr in mx.tempfail:
                    self.reply("450 4.2.1 <%s>: try again later" % addr)
                else:
                    rcpts.append(addr)
                    self.reply("250 2.1.5 ok")
            elif verb == "DATA":
                if not rcpts:
                    self.reply("554 5.5.1 no valid recipients")
                    continue
                self.reply("354 go ahead")
                data = bytearray()
                while True:
                    l = self.rfile.readline(1 << 20)
                    if not l:
                        return
                    if l == b".\r\n":
                        break
                    if l.startswith(b"."):
                        l = l[1:]
                    data += l
                if mx.delay:
                    mx.stopped.wait(mx.delay)   # stop() ends the wait
                with mx.lock:
                    mx.messages.append({"from": mail, "to": list(rcpts),
                                        "data": bytes(data), "tls": tls,
                                        "mail_cmd": [c for c in mx.commands if c.startswith("MAIL")][-1]})
                self.reply("250 2.0.0 queued as fake%d" % len(mx.messages))
            elif verb == "RSET":
                mail, rcpts = None, []
                self.reply("250 2.0.0 ok")
            elif verb == "NOOP":
                self.reply("250 2.0.0 ok")
            elif verb == "QUIT":
                self.reply("221 2.0.0 bye")
                return
            else:
                self.reply("502 5.5.2 unknown command")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class _Server6(_Server):
    address_family = socket.AF_INET6


class FakeMX:
    """A scriptable SMTP peer: reject/tempfail sets, optional STARTTLS
    (cert, key), no_ehlo, dsn. messages: what it accepted."""

    def __init__(self, address, port, name="mx.fake.test", cert=None, key=None):
        self.name = name
        self.address, self.port = address, port
        self.reject, self.tempfail = set(), set()
        self.no_ehlo, self.dsn, self.smtputf8 = False, True, True
        self.size = 10240000
        self.tls_ctx = None
        if cert:
            self.tls_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls_ctx.load_cert_chain(cert, key)
        self.messages, self.commands = [], []
        self.connections = self.active = self.max_active = 0
        self.auth, self.auth_ok = None, 0     # (user, password) to require AUTH
        self.delay = 0                         # seconds before the 250 after DATA
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.srv = None

    def start(self):
        self.stopped.clear()
        cls = _Server6 if ":" in self.address else _Server
        self.srv = cls((self.address, self.port), _Handler)
        self.srv.mx = self
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.stopped.set()
        if self.srv:
            self.srv.shutdown()
            self.srv.server_close()
            self.srv = None

    def wait_messages(self, n, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if len(self.messages) >= n:
                return self.messages
            time.sleep(0.05)
        raise AssertionError("fake MX got %d messages, want %d; commands: %r"
                             % (len(self.messages), n, self.commands[-20:]))


def set_listen_port(t, proto, port):
    """Pin t's listener for proto to port (same address)."""
    text = open(t.conf).read()
    old = "listen = %s %s:%d " % (proto, t.address, t.ports[proto])
    assert old in text, text
    text = text.replace(old, "listen = %s %s:%d " % (proto, t.address, port))
    with open(t.conf, "w") as f:
        f.write(text)
    t.ports[proto] = port


def wait_for(pred, timeout=60, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)
