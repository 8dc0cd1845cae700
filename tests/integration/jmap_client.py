"""A small JMAP client for the tests (RFC 8620/8621): http.client + ssl
trusting the test server's own certificate, no third-party packages.

    j = JmapClient(tern, "alice@example.test", "alice-secret-pw")
    r = j.call([["Mailbox/get", {"accountId": j.account_id}, "0"]])
    r[0] -> ["Mailbox/get", {...}, "0"]

call() fills in "accountId" when the arguments leave it out (pass
accountId=None in the args to really leave it out) and checks that the
HTTP status is 200; api() returns (status, parsed JSON) for tests that
look at request-level errors."""
import base64
import http.client
import json

CORE = "urn:ietf:params:jmap:core"
MAIL = "urn:ietf:params:jmap:mail"
SUBMISSION = "urn:ietf:params:jmap:submission"
WEBSOCKET = "urn:ietf:params:jmap:websocket"
USING = [CORE, MAIL, SUBMISSION]


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers          # list of (name, value), lower-case names
        self.body = body

    def header(self, name):
        for k, v in self.headers:
            if k == name.lower():
                return v
        return None

    def headers_named(self, name):
        return [v for k, v in self.headers if k == name.lower()]

    def json(self):
        return json.loads(self.body)


class JmapClient:
    # where the Session resource and the API endpoint are (tern's; a
    # reference server's client overrides them)
    session_path = "/.well-known/jmap"
    api_path = "/jmap/api/"

    def __init__(self, tern, user=None, password=None, token=None, timeout=30):
        self.tern = tern
        self.user = user
        self.password = password
        self.token = token
        self.timeout = timeout
        self._session = None
        self._conn = None

    # --- transport --------------------------------------------------
    def connection(self, fresh=False):
        """An HTTPS connection to the server's https listener (kept open
        between requests unless fresh)."""
        if fresh or self._conn is None:
            c = http.client.HTTPSConnection("127.0.0.1", self.tern.port("https"),
                                            timeout=self.timeout,
                                            context=self.tern.ssl_context())
            if fresh:
                return c
            self._conn = c
        return self._conn

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def auth_headers(self):
        if self.token is not None:
            return {"Authorization": "Bearer " + self.token}
        if self.user is not None:
            raw = ("%s:%s" % (self.user, self.password)).encode()
            return {"Authorization": "Basic " + base64.b64encode(raw).decode()}
        return {}

    def request(self, method, path, body=None, headers=None, auth=True):
        """One request; the connection is reopened once if the server
        closed a kept-alive one. Returns a Response."""
        h = dict(self.auth_headers() if auth else {})
        h.update(headers or {})
        if isinstance(body, str):
            body = body.encode()
        for attempt in (0, 1):
            c = self.connection()
            try:
                c.request(method, path, body=body, headers=h)
                r = c.getresponse()
                data = r.read()
            except (http.client.RemoteDisconnected, BrokenPipeError,
                    ConnectionResetError):
                self.close()
                if attempt:
                    raise
                continue
            resp = Response(r.status, [(k.lower(), v) for k, v in r.getheaders()], data)
            if r.will_close:
                self.close()
            return resp

    # --- JMAP -------------------------------------------------------
    def session(self, refresh=False):
        if refresh or self._session is None:
            r = self.request("GET", self.session_path)
            assert r.status == 200, (r.status, r.body)
            self._session = r.json()
        return self._session

    @property
    def account_id(self):
        s = self.session()
        return s["primaryAccounts"].get(MAIL) or next(iter(s["accounts"]))

    def api(self, obj, headers=None):
        """POST obj (a dict, or bytes/str sent as they are) to the API
        endpoint: (status, parsed JSON or None)."""
        body = obj if isinstance(obj, (bytes, str)) else json.dumps(obj)
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        r = self.request("POST", self.api_path, body=body, headers=h)
        try:
            return r.status, r.json()
        except ValueError:
            return r.status, None

    def call(self, calls, using=None, created_ids=None):
        """methodCalls -> methodResponses (asserts HTTP 200)."""
        acct = None
        fixed = []
        for name, args, cid in calls:
            args = dict(args)
            if "accountId" not in args and name != "Core/echo":
                acct = acct or self.account_id
                args["accountId"] = acct
            elif "accountId" in args and args["accountId"] is None:
                del args["accountId"]
            fixed.append([name, args, cid])
        req = {"using": using if using is not None else self.default_using(),
               "methodCalls": fixed}
        if created_ids is not None:
            req["createdIds"] = created_ids
        status, resp = self.api(req)
        assert status == 200, (status, resp)
        self.last_response = resp
        return resp["methodResponses"]

    def default_using(self):
        """core plus every capability the server lists."""
        caps = self.session()["capabilities"]
        return [c for c in [CORE, MAIL, SUBMISSION] if c in caps]

    def login(self):
        """POST /jmap/login with Basic: use the token from now on."""
        r = self.request("POST", "/jmap/login")
        assert r.status == 200, (r.status, r.body)
        self.token = r.json()["accessToken"]
        return r.json()

    def upload(self, data, content_type="application/octet-stream", account_id=None):
        r = self.request("POST", "/jmap/upload/%s/" % (account_id or self.account_id),
                         body=data, headers={"Content-Type": content_type})
        return r


def one(responses, name=None):
    """The single response of a one-call request: its arguments (asserts
    the name when given, and that it is not an error)."""
    assert len(responses) == 1, responses
    n, args, _ = responses[0]
    if name is not None:
        assert n == name, responses
    return args


class WebSocket:
    """A minimal RFC 6455 client for RFC 8887 (text frames, masked, no
    extensions): enough to test tern's JMAP over WebSocket."""

    def __init__(self, tern, auth_headers, path="/jmap/ws", protocol="jmap", timeout=10):
        import os
        import socket
        raw = socket.create_connection(("127.0.0.1", tern.port("https")), timeout=timeout)
        self.sock = tern.ssl_context().wrap_socket(raw)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = ["GET %s HTTP/1.1" % path, "Host: 127.0.0.1", "Upgrade: websocket",
                 "Connection: Upgrade", "Sec-WebSocket-Key: " + key,
                 "Sec-WebSocket-Version: 13"]
        if protocol:
            lines.append("Sec-WebSocket-Protocol: " + protocol)
        lines += ["%s: %s" % kv for kv in auth_headers.items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                break
            head += chunk
        self.head = head.decode("latin-1")
        self.status = int(self.head.split(" ", 2)[1]) if head else 0
        self.buf = b""

    def send_raw(self, payload, opcode=1):
        import os
        import struct
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            hdr = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 65536:
            hdr = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            hdr = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(hdr + mask + masked)

    def send(self, obj):
        self.send_raw(json.dumps(obj).encode())

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("websocket closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv_frame(self):
        import struct
        b0, b1 = self._read(2)
        n = b1 & 0x7f
        if n == 126:
            n, = struct.unpack("!H", self._read(2))
        elif n == 127:
            n, = struct.unpack("!Q", self._read(8))
        return b0 & 0x0f, self._read(n)

    def recv(self):
        """The next text message, parsed (control frames skipped; EOFError
        when the server closes)."""
        while True:
            op, data = self.recv_frame()
            if op == 8:
                raise EOFError("websocket close frame")
            if op == 1:
                return json.loads(data)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
