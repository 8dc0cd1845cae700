"""JMAP core (RFC 8620): the API endpoint, authentication, the session
resource, request-level and method-level errors, result references."""
import base64
import json
import time

from conftest import ALICE, BOB
from jmap_client import CORE, JmapClient, Response, one


def test_echo(jmap):
    r = jmap.call([["Core/echo", {"hello": True, "n": [1, 2]}, "c1"],
                   ["Core/echo", {"accountId": "Anyone"}, "c2"]])
    assert r == [["Core/echo", {"hello": True, "n": [1, 2]}, "c1"],
                 ["Core/echo", {"accountId": "Anyone"}, "c2"]]
    assert isinstance(jmap.last_response["sessionState"], str)
    assert "createdIds" not in jmap.last_response


def test_session(jmap):
    s = jmap.session()
    core = s["capabilities"][CORE]
    assert core["maxCallsInRequest"] == 64
    assert core["collationAlgorithms"] == ["i;ascii-numeric", "i;ascii-casemap",
                                           "i;unicode-casemap"]
    assert len(s["accounts"]) == 1
    (aid, acct), = s["accounts"].items()
    assert aid.startswith("A") and acct["name"] == ALICE[0]
    assert acct["isPersonal"] is True and acct["isReadOnly"] is False
    port = jmap.tern.port("https")
    assert s["apiUrl"] == "https://127.0.0.1:%d/jmap/api/" % port
    assert s["uploadUrl"].endswith("/jmap/upload/{accountId}/")
    assert "{blobId}" in s["downloadUrl"] and "{type}" in s["downloadUrl"]
    assert s["username"] == ALICE[0]
    jmap.call([["Core/echo", {}, "0"]])
    assert jmap.last_response["sessionState"] == s["state"]


def test_no_auth_401(jmap_tern):
    c = JmapClient(jmap_tern)
    for method, path in (("POST", "/jmap/api/"), ("GET", "/.well-known/jmap"),
                         ("POST", "/jmap/login")):
        r = c.request(method, path, body=b"{}" if method == "POST" else None)
        assert r.status == 401, (path, r.status)
        schemes = " ".join(r.headers_named("www-authenticate"))
        assert "Basic" in schemes and "Bearer" in schemes


def test_bad_password_401_then_throttled(tern_factory):
    from conftest import JMAP_PROTOCOLS
    t = tern_factory(protocols=JMAP_PROTOCOLS,
                     extra="[auth]\nthrottle_max_delay = 300ms\nthrottle_block_after = 4\n")
    t.add_account(*ALICE)
    t.start()
    c = JmapClient(t, ALICE[0], "wrong-password")
    statuses = [c.request("GET", "/.well-known/jmap").status for _ in range(6)]
    # the throttle IMAP uses: failures are delayed, then the address is
    # blocked (429), and then even the right password is refused
    assert statuses[0] == 401 and statuses[-1] == 429, statuses
    assert JmapClient(t, *ALICE).request("GET", "/.well-known/jmap").status == 429
    assert "jmap login failed" in t.log()


def test_garbage_authorization(jmap_tern):
    c = JmapClient(jmap_tern)
    for value in ("Basic !!!notbase64", "Basic " + base64.b64encode(b"nocolon").decode(),
                  "Bearer nosuchtoken", "Digest x", "Basic"):
        r = c.request("GET", "/.well-known/jmap", headers={"Authorization": value})
        assert r.status == 401, value


def test_token_login_logout(jmap_tern):
    c = JmapClient(jmap_tern, *ALICE)
    got = c.login()
    assert len(got["accessToken"]) >= 43 and got["expires"].endswith("Z")
    t = JmapClient(jmap_tern, token=got["accessToken"])
    assert one(t.call([["Core/echo", {"x": 1}, "0"]], using=[CORE])) == {"x": 1}
    assert t.session()["username"] == ALICE[0]
    # login needs a password, not a token
    assert t.request("POST", "/jmap/login").status == 400
    r = t.request("POST", "/jmap/logout")
    assert r.status == 204
    assert t.request("GET", "/.well-known/jmap").status == 401
    # Basic cannot log out
    assert JmapClient(jmap_tern, *ALICE).request("POST", "/jmap/logout").status == 400


def test_plain_http_refused(tern_factory):
    t = tern_factory(protocols=("imap", "http", "https"))
    t.add_account(*ALICE)
    t.start()
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", t.port("http"), timeout=10)
    auth = base64.b64encode(("%s:%s" % ALICE).encode()).decode()
    c.request("POST", "/jmap/api/", body=b"{}", headers={"Authorization": "Basic " + auth})
    assert c.getresponse().status == 403
    c.close()


def test_request_level_errors(jmap):
    st, r = jmap.api(b"{not json")
    assert st == 400 and r["type"] == "urn:ietf:params:jmap:error:notJSON"
    assert r["status"] == 400
    st, r = jmap.api(b"[1,2]")
    assert st == 400 and r["type"] == "urn:ietf:params:jmap:error:notRequest"
    st, r = jmap.api({"using": [CORE], "methodCalls": [["Core/echo", {}]]})
    assert r["type"] == "urn:ietf:params:jmap:error:notRequest"
    st, r = jmap.api({"using": [CORE], "methodCalls": [["Core/echo", [], "0"]]})
    assert r["type"] == "urn:ietf:params:jmap:error:notRequest"
    st, r = jmap.api({"using": [CORE, "urn:example:nope"], "methodCalls": []})
    assert st == 400 and r["type"] == "urn:ietf:params:jmap:error:unknownCapability"
    # duplicate keys are not JSON we take
    st, r = jmap.api(b'{"using":[],"using":[],"methodCalls":[]}')
    assert r["type"] == "urn:ietf:params:jmap:error:notJSON"


def test_deep_json_refused(jmap):
    t0 = time.time()
    st, r = jmap.api(b"[" * 10000 + b"]" * 10000)
    assert st == 400 and r["type"] == "urn:ietf:params:jmap:error:limit"
    assert r["limit"] == "maxJsonDepth"
    # inside a string brackets do not count
    deep_string = "[" * 10000
    assert one(jmap.call([["Core/echo", {"s": deep_string}, "0"]], using=[CORE])) == \
        {"s": deep_string}
    # 64 levels are fine, 65 are not
    nest = {}
    cur = nest
    for _ in range(60):
        cur["a"] = {}
        cur = cur["a"]
    jmap.call([["Core/echo", nest, "0"]], using=[CORE])
    for _ in range(5):
        cur["a"] = {}
        cur = cur["a"]
    st, r = jmap.api({"using": [CORE], "methodCalls": [["Core/echo", nest, "0"]]})
    assert st == 400 and r["limit"] == "maxJsonDepth"
    assert time.time() - t0 < 10


def test_too_many_calls(jmap):
    t0 = time.time()
    calls = [["Core/echo", {}, str(i)] for i in range(100000)]
    st, r = jmap.api({"using": [CORE], "methodCalls": calls})
    assert st == 400 and r["type"] == "urn:ietf:params:jmap:error:limit"
    assert r["limit"] == "maxCallsInRequest"
    assert time.time() - t0 < 10
    ok = jmap.call([["Core/echo", {}, str(i)] for i in range(64)], using=[CORE])
    assert len(ok) == 64


def test_request_too_large(jmap):
    big = {"using": [CORE], "methodCalls": [["Core/echo", {"x": "a" * (10 << 20)}, "0"]]}
    st, r = jmap.api(big)
    assert st == 400 and r["limit"] == "maxSizeRequest"


def test_method_errors(jmap):
    r = jmap.call([["Nope/get", {}, "a"],
                   ["Core/echo", {}, "b"]], using=[CORE])
    assert r[0] == ["error", {"type": "unknownMethod"}, "a"]
    assert r[1] == ["Core/echo", {}, "b"]
    # a method whose capability is not in "using" is unknown too
    r = jmap.call([["Core/echo", {}, "a"]], using=[])
    assert r[0][1]["type"] == "unknownMethod"


def test_account_checks(jmap, jmap_bob):
    mine = jmap.account_id
    bobs = jmap_bob.account_id
    assert mine != bobs
    # Core/echo takes no account; a method that does and names another
    # account gets accountNotFound (checked before the method runs)
    from jmap_client import MAIL
    caps = jmap.session()["capabilities"]
    if MAIL not in caps:
        return
    r = jmap.call([["Mailbox/get", {"accountId": bobs}, "0"],
                   ["Mailbox/get", {"accountId": "A999999"}, "1"],
                   ["Mailbox/get", {"accountId": 5}, "2"],
                   ["Mailbox/get", {"accountId": None}, "3"]])
    assert r[0][1]["type"] == "accountNotFound"
    assert r[1][1]["type"] == "accountNotFound"
    assert r[2][1]["type"] == "invalidArguments"
    assert r[3][1]["type"] == "invalidArguments"


def test_result_references(jmap):
    r = jmap.call([
        ["Core/echo", {"list": [{"id": "a", "n": [1, 2]}, {"id": "b", "n": [3]}],
                       "obj": {"x/y": 1, "t~": 2}}, "c0"],
        ["Core/echo", {"#ids": {"resultOf": "c0", "name": "Core/echo", "path": "/list/*/id"},
                       "#ns": {"resultOf": "c0", "name": "Core/echo", "path": "/list/*/n"},
                       "#first": {"resultOf": "c0", "name": "Core/echo", "path": "/list/0"},
                       "#esc": {"resultOf": "c0", "name": "Core/echo", "path": "/obj/x~1y"},
                       "#esc2": {"resultOf": "c0", "name": "Core/echo", "path": "/obj/t~0"},
                       "#all": {"resultOf": "c0", "name": "Core/echo", "path": ""}}, "c1"],
    ], using=[CORE])
    got = r[1][1]
    assert got["ids"] == ["a", "b"]
    assert got["ns"] == [1, 2, 3]      # arrays flattened
    assert got["first"] == {"id": "a", "n": [1, 2]}
    assert got["esc"] == 1 and got["esc2"] == 2
    assert got["all"] == r[0][1]


def test_result_reference_errors(jmap):
    ref = lambda of, name, path: {"resultOf": of, "name": name, "path": path}
    r = jmap.call([
        ["Core/echo", {"a": [1]}, "c0"],
        # a reference to itself: its own response does not exist yet
        ["Core/echo", {"#x": ref("c1", "Core/echo", "/a")}, "c1"],
        # forward reference
        ["Core/echo", {"#x": ref("c3", "Core/echo", "/a")}, "c2"],
        ["Core/echo", {"#x": ref("c0", "Other/name", "/a")}, "c3"],
        ["Core/echo", {"#x": ref("c0", "Core/echo", "/nope")}, "c4"],
        ["Core/echo", {"#x": ref("c0", "Core/echo", "/a/5")}, "c5"],
        ["Core/echo", {"#x": ref("c0", "Core/echo", "/a/01")}, "c6"],
        ["Core/echo", {"#x": {"resultOf": "c0"}}, "c7"],
        ["Core/echo", {"#x": "c0"}, "c8"],
        ["Core/echo", {"x": 1, "#x": ref("c0", "Core/echo", "/a")}, "c9"],
        ["Core/echo", {"#x": ref("c0", "Core/echo", "a")}, "c10"],
        # an error response is an "error" named response: referencing it
        # by its method name fails
        ["Core/echo", {"#x": ref("c1", "Core/echo", "")}, "c11"],
    ], using=[CORE])
    for resp in r[1:9] + r[10:]:
        assert resp[0] == "error" and resp[1]["type"] == "invalidResultReference", resp
    assert r[9][1]["type"] == "invalidArguments"


def test_created_ids_echoed(jmap):
    jmap.call([["Core/echo", {}, "0"]], using=[CORE], created_ids={"k1": "M123"})
    assert jmap.last_response["createdIds"] == {"k1": "M123"}
    st, r = jmap.api({"using": [CORE], "methodCalls": [], "createdIds": {"k": 5}})
    assert st == 400 and r["type"] == "urn:ietf:params:jmap:error:notRequest"


def test_concurrent_requests_and_two_users(jmap, jmap_bob):
    import threading
    errors = []

    def run(client, n):
        c = JmapClient(client.tern, client.user, client.password)
        try:
            for i in range(n):
                r = c.call([["Core/echo", {"i": i, "who": client.user}, "0"]], using=[CORE])
                if r[0][1] != {"i": i, "who": client.user}:
                    errors.append(r)
        except AssertionError as e:
            errors.append(e)
        finally:
            c.close()
    ts = [threading.Thread(target=run, args=(c, 20)) for c in (jmap, jmap_bob)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors


def test_reference_doubling_is_bounded(jmap):
    """Each call echoes the previous response twice: 2^60 bytes written
    out if nothing stopped it."""
    ref = {"resultOf": "c0", "name": "Core/echo", "path": ""}
    calls = [["Core/echo", {"x": "a" * 1000}, "c0"]]
    for i in range(1, 61):
        prev = "c%d" % (i - 1)
        calls.append(["Core/echo", {"#a": dict(ref, resultOf=prev),
                                    "#b": dict(ref, resultOf=prev)}, "c%d" % i])
    t0 = time.time()
    r = jmap.call(calls, using=[CORE])
    assert time.time() - t0 < 10
    assert r[1][0] == "Core/echo"
    assert any(x[0] == "error" and x[1]["type"] == "requestTooLarge" for x in r)
    assert len(json.dumps(r)) < 30 << 20


def test_slowloris_headers_cut_off(tern_factory):
    """h2o's request timeout (http.request_timeout) covers the JMAP
    paths: headers dribbled in byte by byte do not hold a connection."""
    import socket
    from conftest import JMAP_PROTOCOLS
    t = tern_factory(protocols=JMAP_PROTOCOLS, extra="[http]\nrequest_timeout = 1s\n")
    t.add_account(*ALICE)
    t.start()
    t0 = time.time()
    with socket.create_connection(("127.0.0.1", t.port("https")), timeout=10) as s:
        with t.ssl_context().wrap_socket(s) as tls:
            tls.sendall(b"POST /jmap/api/ HTTP/1.1\r\nHost: x\r\n")
            closed = False
            for _ in range(40):
                try:
                    tls.sendall(b"X")
                    tls.settimeout(0.25)
                    if tls.recv(4096) == b"":
                        closed = True
                        break
                except socket.timeout:
                    continue
                except OSError:
                    closed = True
                    break
                else:
                    closed = True      # an error answer, then the close
                    break
    assert closed and time.time() - t0 < 5



def test_session_capabilities(jmap):
    from jmap_client import MAIL, SUBMISSION, WEBSOCKET
    s = jmap.session()
    port = jmap.tern.port("https")
    assert s["capabilities"][WEBSOCKET] == {
        "url": "wss://127.0.0.1:%d/jmap/ws" % port, "supportsPush": True}
    assert s["eventSourceUrl"].endswith(
        "/jmap/eventsource/?types={types}&closeafter={closeafter}&ping={ping}")
    acct = s["accounts"][jmap.account_id]
    if MAIL in s["capabilities"]:
        mail = acct["accountCapabilities"][MAIL]
        assert mail["maxMailboxesPerEmail"] is None and mail["maxSizeMailboxName"] == 490
        assert "receivedAt" in mail["emailQuerySortOptions"]
        assert mail["mayCreateTopLevelMailbox"] is True
        assert s["primaryAccounts"][MAIL] == jmap.account_id
    if SUBMISSION in s["capabilities"]:
        assert acct["accountCapabilities"][SUBMISSION] == {
            "maxDelayedSend": 0, "submissionExtensions": {}}
    # a capability is listed only when a method serves it: whatever is
    # listed is accepted in "using"
    jmap.call([["Core/echo", {}, "0"]], using=list(s["capabilities"]))


def test_max_concurrent_requests(tern_factory):
    import threading
    from conftest import JMAP_PROTOCOLS
    t = tern_factory(protocols=JMAP_PROTOCOLS,
                     extra="[jmap]\nmax_concurrent_requests = 1\n")
    t.add_account(*ALICE)
    t.start()
    body = json.dumps({"using": [CORE], "methodCalls": [
        ["Core/echo", {"x": ["y" * 100] * 20000}, "0"]]})
    statuses = []

    def run():
        c = JmapClient(t, *ALICE)
        for _ in range(4):
            st, r = c.api(body)
            statuses.append((st, r.get("limit") if st != 200 else None))
        c.close()
    ts = [threading.Thread(target=run) for _ in range(6)]
    for x in ts:
        x.start()
    for x in ts:
        x.join()
    assert (200, None) in statuses
    assert (429, "maxConcurrentRequests") in statuses
    assert set(statuses) <= {(200, None), (429, "maxConcurrentRequests")}


def test_token_expires(tern_factory):
    from conftest import JMAP_PROTOCOLS
    t = tern_factory(protocols=JMAP_PROTOCOLS, extra="[jmap]\ntoken_lifetime = 1s\n")
    t.add_account(*ALICE)
    t.start()
    tok = JmapClient(t, *ALICE).login()["accessToken"]
    c = JmapClient(t, token=tok)
    assert c.request("GET", "/.well-known/jmap").status == 200
    time.sleep(1.6)
    assert c.request("GET", "/.well-known/jmap").status == 401
