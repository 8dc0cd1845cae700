"""JMAP uploads and downloads (RFC 8620 6.1, 6.2): files under the data
dir, limits, expiry, the blobs of Emails through jmap_blob_read()."""
import base64
import time

from conftest import ALICE, BOB
from jmap_client import CORE, JmapClient


def test_upload_download(jmap, jmap_bob):
    data = bytes(range(256)) * 1000
    r = jmap.upload(data, "image/png")
    assert r.status == 201, r.body
    got = r.json()
    assert got["accountId"] == jmap.account_id and got["type"] == "image/png"
    assert got["size"] == len(data) and got["blobId"].startswith("U")
    url = "/jmap/download/%s/%s/%s?accept=%s" % (
        jmap.account_id, got["blobId"], "caf%C3%A9%20%22x%22.png", "image/png")
    d = jmap.request("GET", url)
    assert d.status == 200 and d.body == data
    assert d.header("content-type") == "image/png"
    cd = d.header("content-disposition")
    assert cd.startswith("attachment;") and "filename*=UTF-8''caf%C3%A9%20%22x%22.png" in cd
    assert 'filename="caf__ _x_.png"' in cd
    # a type that is no media type is not echoed
    d = jmap.request("GET", "/jmap/download/%s/%s/x?accept=%s" % (
        jmap.account_id, got["blobId"], "text/html%0d%0aX-Evil:%201"))
    assert d.status == 200 and d.header("content-type") == "application/octet-stream"
    assert d.header("x-evil") is None
    # without accept: the upload's own type
    d = jmap.request("GET", "/jmap/download/%s/%s/x" % (jmap.account_id, got["blobId"]))
    assert d.header("content-type") == "image/png"
    # not bob's: neither through his account nor through alice's URL
    assert jmap_bob.request("GET", "/jmap/download/%s/%s/x" % (
        jmap_bob.account_id, got["blobId"])).status == 404
    assert jmap_bob.request("GET", "/jmap/download/%s/%s/x" % (
        jmap.account_id, got["blobId"])).status == 404
    assert jmap_bob.upload(b"x", account_id=jmap.account_id).status == 404
    for bad in ("U../../tern.conf", "U" + "0" * 32, "Bnope", "xyz", got["blobId"].upper()):
        assert jmap.request("GET", "/jmap/download/%s/%s/x" % (
            jmap.account_id, bad)).status == 404, bad
    assert jmap.request("GET", "/jmap/download/%s/%s" % (
        jmap.account_id, got["blobId"])).status == 404
    # the file is under the data dir, type line first
    import os
    path = os.path.join(jmap.tern.data_dir, "jmap-uploads", jmap.account_id[1:], got["blobId"])
    assert open(path, "rb").read() == b"image/png\n" + data
    # no auth, no upload
    from jmap_client import JmapClient
    assert JmapClient(jmap.tern).upload(b"x", account_id=jmap.account_id).status == 401


def test_upload_limits(tern_factory):
    import socket
    from conftest import JMAP_PROTOCOLS
    t = tern_factory(protocols=JMAP_PROTOCOLS,
                     extra="[jmap]\nmax_size_upload = 100K\nupload_expiry = 1s\n")
    t.add_account(*ALICE)
    t.start()
    j = JmapClient(t, *ALICE)
    assert j.session()["capabilities"][CORE]["maxSizeUpload"] == 100 * 1024
    r = j.upload(b"a" * (100 * 1024 + 1))
    assert r.status == 413 and r.json()["limit"] == "maxSizeUpload"
    ok = j.upload(b"a" * (100 * 1024), "text/plain")
    assert ok.status == 201
    # a 1 GB upload is refused from its header, unread, at once
    auth = base64.b64encode(("%s:%s" % ALICE).encode())
    t0 = time.time()
    with socket.create_connection(("127.0.0.1", t.port("https")), timeout=30) as s:
        with t.ssl_context().wrap_socket(s) as tls:
            tls.sendall(b"POST /jmap/upload/%s/ HTTP/1.1\r\nHost: x\r\n"
                        b"Authorization: Basic %s\r\nContent-Length: 1073741824\r\n\r\n"
                        % (j.account_id.encode(), auth))
            reply = b""
            while b"\r\n\r\n" not in reply:
                chunk = tls.recv(4096)
                assert chunk, reply
                reply += chunk
    assert reply.startswith(b"HTTP/1.1 413 "), reply
    assert time.time() - t0 < 5
    # uploads expire
    blob = ok.json()["blobId"]
    url = "/jmap/download/%s/%s/x" % (j.account_id, blob)
    assert j.request("GET", url).status == 200
    time.sleep(2.2)
    assert j.request("GET", url).status == 404
    # and the next upload sweeps them away
    import os
    d = os.path.join(t.data_dir, "jmap-uploads", j.account_id[1:])
    assert blob in os.listdir(d)
    new = j.upload(b"b").json()["blobId"]
    assert sorted(os.listdir(d)) == [new]


def test_download_email_blobs(jmap):
    """"B<EMAILID hex>" is the whole message; "B<hex>.1" its decoded body
    (jmap-email-blob.c through the download endpoint)."""
    import imaplib
    import re
    t = jmap.tern
    msg = (b"From: a@example.test\r\nTo: alice@example.test\r\nSubject: q\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\n"
           b"Content-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9\r\n")
    m = imaplib.IMAP4_SSL("127.0.0.1", t.port("imaps"), ssl_context=t.ssl_context())
    m.login(*ALICE)
    m.append("INBOX", None, None, msg)
    m.select("INBOX")
    typ, data = m.fetch("1", "(EMAILID)")
    m.logout()
    emailid = re.search(rb"EMAILID \((M[0-9a-f]+)\)", data[0]).group(1).decode()
    blob = "B" + emailid[1:]
    whole = jmap.request("GET", "/jmap/download/%s/%s/m.eml?accept=message/rfc822"
                         % (jmap.account_id, blob))
    assert whole.status == 200 and whole.header("content-type") == "message/rfc822"
    assert whole.body.endswith(msg)
    part = jmap.request("GET", "/jmap/download/%s/%s.1/t.txt" % (jmap.account_id, blob))
    assert part.status == 200 and part.body.rstrip(b"\r\n") == "café".encode()
    other = JmapClient(t, *BOB)
    assert other.request("GET", "/jmap/download/%s/%s/m.eml" % (
        other.account_id, blob)).status == 404
