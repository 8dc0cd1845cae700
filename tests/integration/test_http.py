"""HTTP listeners (issue 14): `listen = http|https|metrics`, HTTP/1.1 and
HTTP/2 (ALPN h2) over TLS with the server's certificate, the http.*
limits (431, 413, connections, slow headers), security headers on every
response, a log line per request."""
import re
import socket
import ssl
import time

import httpx
import pytest

from conftest import ALICE, BOB
from ternlib import PROTOCOLS

WITH_HTTP = PROTOCOLS + ("http", "https", "metrics")
SECURITY_HEADERS = ("x-content-type-options", "x-frame-options",
                    "referrer-policy", "content-security-policy")
AUTOCONFIG = "/mail/config-v1.1.xml?emailaddress=alice@example.test"


def start(tern_factory, extra=""):
    t = tern_factory(protocols=WITH_HTTP, extra=extra)
    t.add_account(*ALICE)
    t.add_account(*BOB)
    t.start()
    return t


def client(t, http2):
    return httpx.Client(http1=not http2, http2=http2, verify=t.ssl_context(),
                        timeout=30)


def https_url(t, path):
    return "https://127.0.0.1:%d%s" % (t.port("https"), path)


def http_url(t, path):
    return "http://127.0.0.1:%d%s" % (t.port("http"), path)


def test_http2_and_http11_over_tls(tern_factory):
    t = start(tern_factory)
    for http2, version in ((True, "HTTP/2"), (False, "HTTP/1.1")):
        with client(t, http2) as c:
            r = c.get(https_url(t, AUTOCONFIG))
        assert r.http_version == version
        assert r.status_code == 200
        assert b"<clientConfig" in r.content
        for h in SECURITY_HEADERS + ("strict-transport-security",):
            assert h in r.headers, (version, h)
        assert r.headers["x-content-type-options"] == "nosniff"
    # the certificate is the one the mail listeners use
    pem = ssl.get_server_certificate(("127.0.0.1", t.port("https")))
    assert ssl.PEM_cert_to_DER_cert(pem) == ssl.PEM_cert_to_DER_cert(open(t.cert).read())


def test_alpn_offers_h2_only_on_https(tern_factory):
    t = start(tern_factory)
    ctx = t.ssl_context()
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    with socket.create_connection(("127.0.0.1", t.port("https")), timeout=10) as s:
        with ctx.wrap_socket(s) as tls:
            assert tls.selected_alpn_protocol() == "h2"
    # IMAP's TLS context is not touched by h2o's ALPN registration
    with socket.create_connection(("127.0.0.1", t.port("imaps")), timeout=10) as s:
        with ctx.wrap_socket(s) as tls:
            assert tls.selected_alpn_protocol() is None


def test_plain_http_and_errors_carry_security_headers(tern_factory):
    t = start(tern_factory)
    with httpx.Client(timeout=30) as c:
        r = c.get(http_url(t, AUTOCONFIG))
        assert r.status_code == 200 and b"<clientConfig" in r.content
        assert "strict-transport-security" not in r.headers
        missing = c.get(http_url(t, "/no/such/page"))
        assert missing.status_code == 404
        wrong = c.delete(http_url(t, "/mail/config-v1.1.xml"))
        assert wrong.status_code == 405
        for resp in (r, missing, wrong):
            for h in SECURITY_HEADERS:
                assert h in resp.headers, (resp.status_code, h)
        # /metrics is the admin listener's, not the public one's
        assert c.get(http_url(t, "/metrics")).status_code == 404


def test_request_log_line(tern_factory):
    t = start(tern_factory)
    with client(t, True) as c:
        assert c.get(https_url(t, "/nothing-here")).status_code == 404
    deadline = time.time() + 30
    pat = re.compile(r"http request ip=127\.0\.0\.1 version=2 method=GET "
                     r"path=/nothing-here status=404 bytes=\d+ ms=[\d.]+")
    while not pat.search(t.log()):
        assert time.time() < deadline, t.log()[-2000:]
        time.sleep(0.05)


def test_header_over_limit_is_431(tern_factory):
    t = start(tern_factory, extra="[http]\nmax_header_size = 4K\n")
    for http2 in (False, True):
        with client(t, http2) as c:
            ok = c.get(https_url(t, AUTOCONFIG), headers={"x-pad": "a" * 3000})
            assert ok.status_code == 200
            big = c.get(https_url(t, AUTOCONFIG), headers={"x-pad": "a" * 5000})
            assert big.status_code == 431, http2
            assert "x-content-type-options" in big.headers


def test_body_over_limit_is_413(tern_factory):
    t = start(tern_factory, extra="[http]\nmax_body_size = 64K\n")
    body = b"<Autodiscover><Request><EMailAddress>alice@example.test" \
           b"</EMailAddress></Request></Autodiscover>"
    with client(t, False) as c:
        ok = c.post(https_url(t, "/autodiscover/autodiscover.xml"), content=body)
        assert ok.status_code == 200
    # HTTP/2: h2o reads bodies up to the largest limit of any route (JMAP
    # uploads, see http_max_entity); the router answers 413 for a route
    # whose own limit is passed; the connection goes on serving
    with client(t, True) as c:
        big = c.post(https_url(t, "/autodiscover/autodiscover.xml"),
                     content=body + b" " * (100 * 1024))
        assert big.status_code == 413
        again = c.post(https_url(t, "/autodiscover/autodiscover.xml"), content=body)
        assert again.status_code == 200 and again.http_version == "HTTP/2"
    # HTTP/1.1: a 1 GB upload is refused from its header, unread
    with socket.create_connection(("127.0.0.1", t.port("https")), timeout=30) as s:
        with t.ssl_context().wrap_socket(s) as tls:
            tls.sendall(b"POST /autodiscover/autodiscover.xml HTTP/1.1\r\n"
                        b"Host: x\r\nContent-Length: 1073741824\r\n\r\n")
            tls.sendall(body)
            reply = b""
            while b"\r\n\r\n" not in reply:
                chunk = tls.recv(4096)
                assert chunk, reply
                reply += chunk
    assert reply.startswith(b"HTTP/1.1 413 "), reply
    assert b"x-content-type-options: nosniff" in reply.lower()
    # the log line is written when h2o lets go of the request
    deadline = time.time() + 30
    while not re.search(r"http request .*status=413", t.log()):
        assert time.time() < deadline, t.log()[-2000:]
        time.sleep(0.05)


def test_slow_headers_cut_off_while_others_are_served(tern_factory):
    t = start(tern_factory, extra="[http]\nrequest_timeout = 2s\n")
    slow = socket.create_connection(("127.0.0.1", t.port("http")), timeout=10)
    slow.sendall(b"GET /mail/config-v1.1.xml HTTP/1.1\r\nHost: x\r\n")
    closed = False
    sent = 0
    deadline = time.time() + 60
    with httpx.Client(timeout=30) as c:
        # one header byte every 200 ms: a slowloris never finishes
        while time.time() < deadline and sent < 300:
            try:
                slow.sendall(b"X")
                sent += 1
                slow.settimeout(0.2)
                data = slow.recv(4096)
                if data == b"" or data.startswith(b"HTTP/1.1 408"):
                    closed = True
                    break
            except socket.timeout:
                pass
            except (ConnectionResetError, BrokenPipeError):
                closed = True
                break
            # others are served meanwhile
            if sent % 5 == 0:
                assert c.get(http_url(t, AUTOCONFIG)).status_code == 200
    slow.close()
    assert closed, "the slow client was never cut off"
    # it was cut off by the request timeout, not for a byte count
    assert sent >= 5


def test_connection_limit(tern_factory):
    t = start(tern_factory, extra="[http]\nmax_connections = 3\n")
    held = [socket.create_connection(("127.0.0.1", t.port("http")), timeout=10)
            for _ in range(3)]
    try:
        # wait until all three are accepted (counted as open)
        deadline = time.time() + 30
        with httpx.Client(timeout=30) as m:
            url = "http://127.0.0.1:%d/metrics" % t.port("metrics")
            while 'tern_connections_open{protocol="http"} 3' not in m.get(url).text:
                assert time.time() < deadline
                time.sleep(0.05)
        extra = socket.create_connection(("127.0.0.1", t.port("http")), timeout=10)
        extra.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        extra.settimeout(30)
        try:
            assert extra.recv(100) == b""
        except ConnectionResetError:
            pass
        extra.close()
        assert "http refused reason=too-many-connections" in t.log()
    finally:
        for s in held:
            s.close()
    # once they are gone, clients are served again
    deadline = time.time() + 30
    with httpx.Client(timeout=30) as c:
        while True:
            try:
                if c.get(http_url(t, AUTOCONFIG)).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.time() < deadline
            time.sleep(0.05)


def test_starttls_is_refused_for_http(tern_factory):
    t = tern_factory(protocols=PROTOCOLS)
    with open(t.conf, "a") as f:
        f.write("\n")
    text = open(t.conf).read().replace(
        "log_level = debug\n", "log_level = debug\nlisten = https 127.0.0.1:1 starttls\n", 1)
    with open(t.conf, "w") as f:
        f.write(text)
    p = t.cli("serve", check=False)
    assert p.returncode == 3
    assert "HTTP has no STARTTLS" in p.stderr
