"""ternlib - start a real `tern serve` on free loopback ports in a
temporary folder, for integration tests.

    t = Tern(tmp_path)            # tern init + free ports, not started
    t.add_account("alice@example.test", "alice-pw")
    t.start()
    smtplib.SMTP("127.0.0.1", t.port("smtp"))
    t.stop()                      # SIGTERM, waits, returns the exit code
    t.finish()                    # stop if running; fail on a bad exit
                                  # or a sanitizer report (fixtures call it)

Every test gets its own folder, ports and process; nothing is shared.
The server's stdout and stderr go to tern.log, so ASan/UBSan/LSan reports
land there too (LeakSanitizer only reports when the server exits on its
own: SIGTERM, never SIGKILL, ends a test).
"""
import os
import pwd
import random
import re
import signal
import socket
import ssl
import subprocess
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TERN_BIN = os.environ.get("TERN_BIN", os.path.join(REPO, "build", "tern"))

PROTOCOLS = ("smtp", "submission", "submissions", "imap", "imaps", "pop3", "pop3s")
TLS_MODE = {"smtp": "starttls", "submission": "starttls", "submissions": "tls",
            "imap": "starttls", "imaps": "tls", "pop3": "starttls", "pop3s": "tls",
            "http": "plain", "https": "tls", "metrics": "plain"}

# how long a stopped server may take to exit: generous, a sanitizer build
# on a loaded machine checks for leaks at exit
STOP_TIMEOUT = 90

# a report from AddressSanitizer, LeakSanitizer or UndefinedBehaviorSanitizer
SANITIZER_REPORT = re.compile(r"==\d+==(?:ERROR|WARNING): \w*Sanitizer|"
                              r"SUMMARY: \w*Sanitizer|runtime error:")


def sanitizer_reports(text):
    """The lines of text that belong to sanitizer reports (empty if none)."""
    return [l for l in text.splitlines() if SANITIZER_REPORT.search(l)]


def _ephemeral_range():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            lo, hi = (int(x) for x in f.read().split())
            return lo, hi
    except (OSError, ValueError):
        return 32768, 60999


def free_ports(n, host="127.0.0.1"):
    """n distinct ports nothing is bound to right now, all held at once
    while choosing. They come from below the ephemeral range: a port the
    kernel hands out for bind(0) is also what any client's connect() on
    this machine may take before tern binds it (parallel test runs make
    thousands of connections)."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    lo, _ = _ephemeral_range()
    first = 10000 if lo > 12000 else 1024
    ports = random.sample(range(first, lo), min(lo - first, 20 * n + 200))
    socks = []
    try:
        for port in ports:
            s = socket.socket(fam, socket.SOCK_STREAM)
            try:
                s.bind((host, port))
            except OSError:
                s.close()
                continue
            socks.append(s)
            if len(socks) == n:
                return [x.getsockname()[1] for x in socks]
        raise AssertionError("no %d free ports on %s" % (n, host))
    finally:
        for s in socks:
            s.close()


def terminate(proc, timeout):
    """SIGTERM to a running reference server's process, then wait (SIGKILL
    after timeout seconds); returns its exit status (None: no process)"""
    if proc is None:
        return None
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def free_port(host="127.0.0.1"):
    """A port nothing listens on right now (bound once, then released)."""
    return free_ports(1, host)[0]


def run_user():
    """The user a test server runs as: pytest's temp folders are private
    to whoever runs pytest, so as root the config says `user = root`
    (tern refuses to stay root unless told so), otherwise our own name."""
    if os.geteuid() == 0:
        return "root"
    return pwd.getpwuid(os.geteuid()).pw_name


def run_cli(conf, *args, input=None, check=True, timeout=60, wrap=()):
    """Run `tern -c CONF ARGS...` (after the wrap command, if any);
    returns the CompletedProcess. A sanitizer report fails even when
    check is off."""
    p = subprocess.run([*wrap, TERN_BIN, "-c", conf, *args], input=input,
                       capture_output=True, text=True, timeout=timeout)
    if sanitizer_reports(p.stderr):
        raise AssertionError("tern %s: sanitizer report:\n%s" %
                             (" ".join(args), p.stderr))
    if check and p.returncode != 0:
        raise AssertionError("tern %s failed (%d): %s%s" %
                             (" ".join(args), p.returncode, p.stdout, p.stderr))
    return p


class Tern:
    def __init__(self, tmp_path, domain="example.test", protocols=PROTOCOLS,
                 extra="", address="127.0.0.1", user=None, wrap=()):
        """wrap: a command every tern run goes through (e.g. one that
        enters a private mount namespace); it must exec tern in the end."""
        self.dir = str(tmp_path)
        self.wrap = list(wrap)
        self.user = run_user() if user is None else user
        self.domain = domain
        self.address = address
        self.proc = None
        self.log_path = os.path.join(self.dir, "tern.log")
        p = subprocess.run([*self.wrap, TERN_BIN, "init", self.dir, "--domain", domain,
                            "--hostname", "mail." + domain, "--user", self.user],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        self.conf = os.path.join(self.dir, "tern.conf")
        self.cert = os.path.join(self.dir, "tls", "cert.pem")
        self.data_dir = os.path.join(self.dir, "data")
        self.ports = dict(zip(protocols, free_ports(len(protocols), address)))
        self.rewrite(extra=extra)

    def rewrite(self, extra="", user=None):
        """Replace init's listeners with ours; append extra config text
        (which may open sections; a key may be set only once)."""
        if user is not None:
            self.user = user
        user = self.user
        text = open(self.conf).read()
        text = re.sub(r"(?m)^listen = .*\n", "", text)
        text = re.sub(r"(?m)^user = .*$", "user = " + user, text)
        host = "[%s]" % self.address if ":" in self.address else self.address
        listens = "".join("listen = %s %s:%d %s\n" % (p, host, port, TLS_MODE[p])
                          for p, port in self.ports.items())
        text = re.sub(r"(?m)^log_level = .*\n", lambda m: "log_level = debug\n" + listens,
                      text, count=1)
        # extra text from an earlier rewrite ends the file: keep it
        # tests never reach real DNS (or mail servers beyond it): the
        # relay asks a resolver port where nothing answers, so remote
        # mail stays queued (a test with its own DNS overrides this)
        if not re.search(r"(?m)^resolver *=", text + "\n" + extra):
            text = text.rstrip("\n") + "\n\n[dns]\nresolver = 127.0.0.1@9\n"
        # nor do port 25's mail checks (SPF, DKIM, DMARC): with no DNS
        # every message would wait for them and get 451; the tests of
        # the checks (test_mailauth.py) open [auth_checks] themselves
        if not re.search(r"(?m)^\[auth_checks\]", text + "\n" + extra):
            text = text.rstrip("\n") + "\n\n[auth_checks]\nenable = no\n"
        with open(self.conf, "w") as f:
            f.write(text.rstrip("\n") + "\n\n" + extra + "\n")

    def port(self, proto):
        return self.ports[proto]

    def cli(self, *args, input=None, check=True):
        return run_cli(self.conf, *args, input=input, check=check, wrap=self.wrap)

    def add_account(self, address, password):
        self.cli("account", "add", address, "--password-stdin", input=password + "\n")

    def ssl_context(self):
        """A client context that trusts this server's self-signed cert."""
        ctx = ssl.create_default_context(cafile=self.cert)
        ctx.check_hostname = False
        return ctx

    def start(self, wait_ports=True, timeout=60):
        # what went wrong at each stop, for finish()
        if not hasattr(self, "problems"):
            self.problems = []
        # a restart appends to the same log: only lines after here count
        self.log_offset = len(self.log())
        self.logf = open(self.log_path, "ab")
        self.proc = subprocess.Popen([*self.wrap, TERN_BIN, "-c", self.conf, "serve"],
                                     stdout=self.logf, stderr=subprocess.STDOUT)
        if wait_ports:
            self.wait_listening(timeout)
        return self

    def wait_listening(self, timeout=60):
        """Wait for the "started" log line (listeners bound, store open)."""
        deadline = time.time() + timeout
        while "started config=" not in self.log()[self.log_offset:]:
            if self.proc.poll() is not None:
                raise AssertionError("tern exited with %d:\n%s" %
                                     (self.proc.returncode, self.log()))
            if time.time() > deadline:
                raise AssertionError("tern did not start:\n" + self.log())
            time.sleep(0.02)

    def listening(self, proto):
        return ("listening proto=%s " % proto) in self.log()

    def stop(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT):
        """Signal the server and wait; returns its exit status. A server
        that does not exit in time is killed and the stop fails. Anything
        else wrong (an exit other than 0, or death by sig when sig is
        SIGKILL; a sanitizer report in this run's log) is kept for
        finish(), which fails the test."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.proc = None
                self.logf.close()
                self.problems.append("did not stop within %ss of signal %d"
                                     % (timeout, sig))
                raise AssertionError("tern did not stop within %ss" % timeout)
        rc = self.proc.returncode
        self.proc = None
        self.logf.close()
        want = -signal.SIGKILL if sig == signal.SIGKILL else 0
        if rc != want:
            self.problems.append("exited with %d after signal %d (want %d)"
                                 % (rc, sig, want))
        reports = sanitizer_reports(self.log()[self.log_offset:])
        if reports:
            self.problems.append("sanitizer report:\n" + "\n".join(reports))
        return rc

    def kill(self):
        """SIGKILL on purpose (a crash test): no leak check for this run."""
        return self.stop(signal.SIGKILL)

    def finish(self):
        """End of test: stop the server if it runs (SIGTERM), then fail on
        anything wrong at any of its stops; the log is in the message."""
        try:
            self.stop()
        finally:
            problems = getattr(self, "problems", [])
            if problems:
                raise AssertionError("tern in %s: %s\n--- tern.log ---\n%s" %
                                     (self.dir, "\n".join(problems),
                                      self.log()[-20000:]))

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def connect(self, proto, timeout=10):
        """A plain TCP socket to one of the listeners."""
        fam = socket.AF_INET6 if ":" in self.address else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect((self.address, self.port(proto)))
        return s
