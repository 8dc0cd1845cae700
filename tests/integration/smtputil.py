"""smtputil - helpers for the SMTP server tests: a raw SMTP dialogue over
a socket (for pipelining, BDAT and malformed input that smtplib won't
send), and a look into the store (through `tern export`) to check what
was delivered."""
import os
import socket
import sqlite3
import ssl


class Raw:
    """A line-level SMTP client: send bytes, read whole replies."""

    def __init__(self, tern, proto="smtp", timeout=10, greet=True):
        self.tern = tern
        self.sock = tern.connect(proto, timeout=timeout)
        self.buf = b""
        if greet:
            code, text = self.reply()
            assert code == 220, (code, text)

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def cmd(self, line):
        self.send(line.encode() + b"\r\n" if isinstance(line, str) else line + b"\r\n")
        return self.reply()

    def _line(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed; pending %r" % self.buf)
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        assert line.endswith(b"\r"), line
        return line[:-1].decode("utf-8", "replace")

    def reply(self):
        """(code, text): text lines joined with '\\n'."""
        lines = []
        while True:
            line = self._line()
            lines.append(line[4:])
            if len(line) < 4 or line[3] != "-":
                return int(line[:3]), "\n".join(lines)

    def closed(self, timeout=5):
        """True if the server closed the connection (EOF)."""
        self.sock.settimeout(timeout)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
                self.buf += chunk
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False

    def starttls(self):
        code, text = self.cmd("STARTTLS")
        assert code == 220, (code, text)
        self.sock = self.tern.ssl_context().wrap_socket(self.sock)
        return self

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def inbox(tern, address, mailbox="INBOX"):
    """Every message of the account's mailbox as served (bytes), by uid:
    read through `tern export`, the store's own API, not its files."""
    import shutil
    import tempfile
    out = tempfile.mkdtemp(prefix="tern-inbox-")
    try:
        os.rmdir(out)   # export creates it
        tern.cli("export", address, out)
        folder = out if mailbox == "INBOX" else \
            os.path.join(out, "." + mailbox.replace("/", "."))
        msgs = []
        for sub in ("cur", "new"):
            d = os.path.join(folder, sub)
            for name in os.listdir(d) if os.path.isdir(d) else []:
                uid = int(name.split(".")[1])
                with open(os.path.join(d, name), "rb") as f:
                    msgs.append((uid, f.read()))
        return [m for _, m in sorted(msgs)]
    finally:
        shutil.rmtree(out, ignore_errors=True)


def queue_rcpts(tern):
    """(address, orcpt, notify) of every queued remote recipient."""
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(tern.data_dir, "tern.db"),
                         uri=True, timeout=30)
    try:
        return db.execute("SELECT address, orcpt, notify FROM queue_rcpts ORDER BY id").fetchall()
    finally:
        db.close()


def message(subject, body="hello\r\n", extra=""):
    return ("From: sender@remote.example\r\nTo: alice@example.test\r\n"
            "Subject: %s\r\n%s\r\n%s" % (subject, extra, body)).encode()
