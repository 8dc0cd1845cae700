"""The webmail's server side (src/http/http-webmail*.c): the embedded
files and their security headers, the login session (cookie, CSRF,
throttle, logout, a restart), the plain-http redirect. Plain HTTPS
requests (jmap_client.py) except the last test, which logs in through
the page in a headless Chromium and checks that no URL the app used
carries a token."""
import json
import os
import re

from conftest import ALICE, BOB, JMAP_PROTOCOLS
from jmap_client import JmapClient, USING
from ternlib import REPO

WEBMAIL = os.path.join(REPO, "webmail")
CT = {".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript",
      ".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}


def webmail_files():
    """URL path -> bytes of every file of the tree the build embedded."""
    out = {}
    for root, _, names in os.walk(WEBMAIL):
        for n in names:
            if n.startswith("."):
                continue
            p = os.path.join(root, n)
            with open(p, "rb") as f:
                data = f.read()
            if data:
                out["/webmail/" + os.path.relpath(p, WEBMAIL)] = data
    return out


def check_page_headers(r, what):
    csp = r.header("content-security-policy")
    assert csp, what
    d = dict(x.strip().split(" ", 1) for x in csp.split(";") if " " in x.strip())
    assert d["default-src"] == "'self'", (what, csp)
    assert d["script-src"] == "'self'", (what, csp)
    assert d["object-src"] == "'none'" and d["base-uri"] == "'none'", csp
    assert d["frame-ancestors"] == "'none'", csp
    # never inline or eval'd script (style: the mail frame's inline
    # styles, which inherits this policy)
    for k in ("default-src", "script-src"):
        assert "unsafe" not in d[k], (k, csp)
    assert "script-src-attr" not in csp and "unsafe-eval" not in csp, csp
    assert len(r.headers_named("content-security-policy")) == 1, what
    assert r.header("x-content-type-options") == "nosniff", what
    assert r.header("referrer-policy") == "no-referrer", what
    assert r.header("x-frame-options") == "DENY", what
    assert "camera=()" in (r.header("permissions-policy") or ""), what
    assert r.header("strict-transport-security").startswith("max-age="), what


class Web(JmapClient):
    """A client that keeps the session cookie and CSRF token like the page."""

    def __init__(self, tern):
        super().__init__(tern)
        self.cookie = None
        self.csrf = None

    def auth_headers(self):
        return {"Cookie": "tern_session=" + self.cookie} if self.cookie else {}

    def login(self, user=ALICE[0], password=ALICE[1], ct="application/json"):
        r = self.request("POST", "/webmail/login",
                         body=json.dumps({"username": user, "password": password}),
                         headers={"Content-Type": ct})
        if r.status == 200:
            m = re.match(r"tern_session=([^;]+);", r.header("set-cookie"))
            self.cookie = m.group(1)
            self.csrf = r.json()["csrfToken"]
        return r

    def post(self, path, body, csrf=True, ct="application/json"):
        h = {"Content-Type": ct}
        if csrf is True:
            h["X-CSRF-Token"] = self.csrf
        elif csrf:
            h["X-CSRF-Token"] = csrf
        return self.request("POST", path, body=body, headers=h)

    def api_call(self, csrf=True):
        body = json.dumps({"using": USING, "methodCalls": [
            ["Mailbox/get", {"accountId": self.account_id, "ids": None}, "0"]]})
        return self.post("/jmap/api/", body, csrf)


def test_assets_headers_etag_304(jmap_tern):
    files = webmail_files()
    assert "/webmail/index.html" in files, "webmail/ has no index.html"
    c = JmapClient(jmap_tern)
    for path in ["/", "/webmail/"] + sorted(files):
        r = c.request("GET", path, auth=False)
        assert r.status == 200, (path, r.status)
        want = files["/webmail/index.html" if path in ("/", "/webmail/") else path]
        assert r.body == want, path
        ext = os.path.splitext(path if path.startswith("/webmail/") and
                               path != "/webmail/" else "x.html")[1]
        if ext in CT:
            assert r.header("content-type").startswith(CT[ext]), (path, r.header("content-type"))
        check_page_headers(r, path)
        assert r.header("cache-control") == "no-cache", path
        etag = r.header("etag")
        assert re.fullmatch(r'"[0-9a-f]{16}"', etag), etag
        r2 = c.request("GET", path, auth=False, headers={"If-None-Match": etag})
        assert r2.status == 304 and r2.body == b"", (path, r2.status)
        check_page_headers(r2, path + " 304")
        r3 = c.request("GET", path, auth=False, headers={"If-None-Match": '"0000000000000000"'})
        assert r3.status == 200
    for bad in ("/webmail/nothing.js", "/webmail/../src/http/http.h",
                "/webmail/js/", "/index.html"):
        r = c.request("GET", bad, auth=False)
        assert r.status == 404, (bad, r.status)
    assert c.request("POST", "/webmail/index.html", body=b"x", auth=False).status == 405
    # the API's own answers keep the strict policy of non-pages
    r = c.request("GET", "/.well-known/jmap", auth=False)
    assert r.header("content-security-policy").startswith("default-src 'none'")
    assert r.header("cache-control") == "no-store"


def test_assets_gzip(jmap_tern):
    """gzip (made at build time) when asked for: its own ETag, the same
    bytes once inflated; Vary on both answers."""
    import gzip
    files = webmail_files()
    c = JmapClient(jmap_tern)
    zipped = 0
    for path, data in sorted(files.items()):
        r = c.request("GET", path, auth=False, headers={"Accept-Encoding": "gzip, br"})
        assert r.status == 200, path
        assert r.header("vary") == "accept-encoding", path
        check_page_headers(r, path + " gzip")
        plain = c.request("GET", path, auth=False)
        assert plain.header("content-encoding") is None and plain.body == data
        if r.header("content-encoding") == "gzip":
            zipped += 1
            assert gzip.decompress(r.body) == data, path
            assert len(r.body) < len(data)
            etag = r.header("etag")
            assert etag != plain.header("etag"), path
            r2 = c.request("GET", path, auth=False,
                           headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
            assert r2.status == 304, path
            # the other representation's tag does not match this one
            r3 = c.request("GET", path, auth=False,
                           headers={"If-None-Match": etag})
            assert r3.status == 200 and r3.body == data, path
        else:
            assert r.body == data, path
    # index.html and the vendored DOMPurify at least compress well
    assert zipped >= 2, zipped


def test_plain_http_redirects_to_https(tern_factory):
    t = tern_factory(protocols=("smtp", "http", "https"))
    t.start()
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", t.port("http"), timeout=10)
    c.request("GET", "/webmail/js/app.js", headers={"Host": "127.0.0.1:%d" % t.port("http")})
    r = c.getresponse()
    r.read()
    assert r.status == 308
    assert r.getheader("location") == "https://127.0.0.1:%d/webmail/js/app.js" % t.port("https")
    # nor do the session endpoints answer over plaintext
    c.request("POST", "/webmail/login", body=b'{"username":"a","password":"b"}',
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    r.read()
    assert r.status == 403
    c.close()


def test_login_cookie_and_session(jmap_tern):
    w = Web(jmap_tern)
    r = w.login()
    assert r.status == 200, r.body
    cookie = r.header("set-cookie")
    attrs = [a.strip() for a in cookie.split(";")]
    assert re.fullmatch(r"tern_session=[A-Za-z0-9_-]{43}", attrs[0]), cookie
    low = [a.lower() for a in attrs[1:]]
    for a in ("path=/", "secure", "httponly", "samesite=strict"):
        assert a in low, cookie
    assert any(a.startswith("max-age=") and int(a[8:]) > 0 for a in low), cookie
    body = r.json()
    assert body["username"] == ALICE[0]
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", body["csrfToken"])
    assert body["csrfToken"] not in cookie
    # a reload: the same body from the cookie alone
    r = w.request("GET", "/webmail/session")
    assert r.status == 200 and r.json() == body
    # GETs (session resource, EventSource, download) need only the cookie
    r = w.request("GET", "/.well-known/jmap")
    assert r.status == 200 and r.json()["username"] == ALICE[0]
    # no session: 401 without a Basic challenge (a browser would prompt)
    for c in (Web(jmap_tern), ):
        r = c.request("GET", "/webmail/session")
        assert r.status == 401 and not r.headers_named("www-authenticate")
        c.cookie = "A" * 43
        for method, path in (("GET", "/webmail/session"), ("GET", "/.well-known/jmap")):
            r = c.request(method, path)
            assert r.status == 401, path
            assert not any("Basic" in v for v in r.headers_named("www-authenticate")), path
    # a session cookie is not a bearer token, nor the reverse
    b = JmapClient(jmap_tern, token=w.cookie)
    assert b.request("GET", "/.well-known/jmap").status == 401
    bearer = JmapClient(jmap_tern, *ALICE).login()["accessToken"]
    x = Web(jmap_tern)
    x.cookie = bearer
    assert x.request("GET", "/webmail/session").status == 401


def test_login_bad_input(jmap_tern):
    w = Web(jmap_tern)
    r = w.login(password="wrong-password")
    assert r.status == 401 and not r.headers_named("set-cookie")
    assert not r.headers_named("www-authenticate")
    assert w.login(ct="text/plain").status == 415
    assert w.login(ct="application/x-www-form-urlencoded").status == 415
    for body in (b"", b"{", b"[]", b'{"username":"a"}', b'{"username":1,"password":"x"}',
                 b'{"username":"","password":"x"}',
                 b'{"username":"a","password":"x","password":"y"}',
                 b'{"username":"alice@example.test","password":"a\\u0000b"}'):
        r = w.request("POST", "/webmail/login", body=body,
                      headers={"Content-Type": "application/json"})
        assert r.status == 400, (body, r.status)
    assert w.request("GET", "/webmail/login").status == 404   # no such file
    assert w.cookie is None


def test_csrf_required_for_cookie_posts(jmap_tern):
    w = Web(jmap_tern)
    assert w.login().status == 200
    assert w.api_call(csrf=None).status == 403
    assert w.api_call(csrf="x" * 43).status == 403
    assert w.api_call(csrf=w.csrf[:-1]).status == 403
    r = w.api_call()
    assert r.status == 200, r.body
    assert r.json()["methodResponses"][0][0] == "Mailbox/get"
    # uploads too
    up = "/jmap/upload/%s/" % w.account_id
    assert w.post(up, b"hello", csrf=None, ct="text/plain").status == 403
    r = w.post(up, b"hello", ct="text/plain")
    assert r.status == 201, r.body
    blob = r.json()["blobId"]
    # a download is a GET: the cookie alone
    r = w.request("GET", "/jmap/download/%s/%s/x.txt?accept=text/plain" % (w.account_id, blob))
    assert r.status == 200 and r.body == b"hello"
    # another session's CSRF token is not this one's
    w2 = Web(jmap_tern)
    assert w2.login(*BOB).status == 200
    assert w.api_call(csrf=w2.csrf).status == 403
    # Basic and Bearer clients need no CSRF token
    j = JmapClient(jmap_tern, *ALICE)
    assert j.call([["Mailbox/get", {"ids": None}, "0"]])[0][0] == "Mailbox/get"
    j.login()
    j.password = None
    assert j.call([["Mailbox/get", {"ids": None}, "0"]])[0][0] == "Mailbox/get"


def test_login_throttled_429(tern_factory):
    t = tern_factory(protocols=JMAP_PROTOCOLS,
                     extra="[auth]\nthrottle_max_delay = 300ms\nthrottle_block_after = 4\n")
    t.add_account(*ALICE)
    t.start()
    w = Web(t)
    statuses = [w.login(password="wrong-password").status for _ in range(6)]
    assert statuses[0] == 401 and statuses[-1] == 429, statuses
    # blocked: even the right password
    assert w.login().status == 429
    assert w.cookie is None


def test_logout_ends_the_session(jmap_tern):
    w = Web(jmap_tern)
    assert w.login().status == 200
    other = Web(jmap_tern)
    assert other.login().status == 200
    assert w.account_id and other.account_id    # the session resource, cached
    # logout is a POST: the CSRF token too
    assert w.post("/webmail/logout", b"{}", csrf=None).status == 403
    assert w.request("GET", "/webmail/session").status == 200
    r = w.post("/webmail/logout", b"{}")
    assert r.status == 204
    c = r.header("set-cookie")
    assert c.startswith("tern_session=;") and "Max-Age=0" in c, c
    assert w.request("GET", "/webmail/session").status == 401
    assert w.api_call().status == 401
    assert w.request("GET", "/.well-known/jmap").status == 401
    assert w.post("/webmail/logout", b"{}").status == 401
    # the other session of the same account lives on
    assert other.request("GET", "/webmail/session").status == 200
    assert other.api_call().status == 200
    assert "webmail logout account=" in jmap_tern.log()


def test_sessions_survive_a_restart(jmap_tern):
    w = Web(jmap_tern)
    assert w.login().status == 200
    gone = Web(jmap_tern)
    assert gone.login(*BOB).status == 200
    assert gone.post("/webmail/logout", b"{}").status == 204
    bearer = JmapClient(jmap_tern, *ALICE)
    bearer.login()
    bearer.password = None
    token = bearer.token
    w.close(), gone.close(), bearer.close()
    assert jmap_tern.stop() == 0
    # the store keeps only hashes
    import sqlite3
    db = sqlite3.connect(os.path.join(jmap_tern.data_dir, "tern.db"))
    rows = db.execute("SELECT hash, kind, expires, last_used FROM tokens").fetchall()
    db.close()
    assert len(rows) == 2, rows
    raw = open(os.path.join(jmap_tern.data_dir, "tern.db"), "rb").read()
    for secret in (w.cookie, token, gone.cookie):
        assert secret.encode() not in raw
    jmap_tern.start()
    r = w.request("GET", "/webmail/session")
    assert r.status == 200 and r.json()["csrfToken"] == w.csrf
    assert w.api_call().status == 200
    assert gone.request("GET", "/webmail/session").status == 401
    b2 = JmapClient(jmap_tern, token=token)
    assert b2.request("GET", "/.well-known/jmap").status == 200
    b2.close()


def test_no_token_in_any_url(browser, webmail_tern):
    """Log in through the page; every URL the page loaded or fetched
    (the Performance API's resource entries, location) is free of the
    session cookie and the CSRF token."""
    b = browser
    b.login(*ALICE)
    b.wait_css("#list-rows [role=listitem], #list-rows > *")
    who = b.fetch("GET", "/webmail/session")
    assert who["status"] == 200, who
    csrf = json.loads(who["body"])["csrfToken"]
    cookie = [c for c in b.cookies() if c["name"] == "tern_session"]
    assert len(cookie) == 1 and cookie[0]["httpOnly"] and cookie[0]["secure"]
    assert cookie[0].get("sameSite") == "Strict"
    assert b.js("return document.cookie") == ""   # HttpOnly: not readable by scripts
    urls = b.js("return [location.href].concat(performance.getEntriesByType('resource')"
                ".map(e => e.name))")
    assert any("/jmap/api/" in u for u in urls), urls
    for u in urls:
        assert cookie[0]["value"] not in u and csrf not in u, u
        assert not re.search(r"(?i)(token|access_token|csrf|session)=", u), u
    b.shot("logged-in")


def test_new_password_or_disabled_account_ends_sessions(tern_factory):
    """The CLI writes the store behind the server's back: a session or
    bearer token rechecks its account (here at every use: auth.cache_ttl
    = 0) and ends on a new password, a disabled or a removed account."""
    t = tern_factory(protocols=JMAP_PROTOCOLS, extra="[auth]\ncache_ttl = 0\n")
    t.add_account(*ALICE)
    t.add_account(*BOB)
    t.start()
    w, wb = Web(t), Web(t)
    assert w.login().status == 200 and wb.login(*BOB).status == 200
    bearer = JmapClient(t, *ALICE)
    bearer.login()
    bearer.password = None
    assert w.request("GET", "/webmail/session").status == 200
    assert bearer.request("GET", "/.well-known/jmap").status == 200
    t.cli("account", "passwd", ALICE[0], "--password-stdin", input="a-new-password-1\n")
    assert w.request("GET", "/webmail/session").status == 401
    assert bearer.request("GET", "/.well-known/jmap").status == 401
    assert "password changed" in t.log()
    # bob's is untouched, until his account is disabled
    assert wb.request("GET", "/webmail/session").status == 200
    t.cli("account", "disable", BOB[0])
    assert wb.request("GET", "/webmail/session").status == 401
    # a new login with the new password works
    assert w.login(ALICE[0], "a-new-password-1").status == 200
    assert w.request("GET", "/webmail/session").status == 200
