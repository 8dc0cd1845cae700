#!/usr/bin/python3
"""Make the ARC fixtures of tests/unit/mailauth/test-arc.c with
python3-dkim (the reference): a message sealed twice (i=1 by
lists.example.org, i=2 by fwd.example.net), the same with a footer
added to the body between the two seals (AMS i=1 no longer verifies:
oldest-pass 2), the keys as a DNS table.
Run from this folder: ./make-fixture.py"""
import subprocess

import dkim

KEY = "key.pem"
subprocess.run(["openssl", "genrsa", "-out", KEY, "2048"], check=True,
               capture_output=True)
pub = subprocess.run(["openssl", "rsa", "-in", KEY, "-pubout", "-outform",
                      "DER"], check=True, capture_output=True).stdout
import base64
p = base64.b64encode(pub).decode()
priv = open(KEY, "rb").read()

msg = (b"Authentication-Results: lists.example.org; spf=pass "
       b"smtp.mailfrom=ann@example.com\r\n"
       b"From: Ann <ann@example.com>\r\n"
       b"To: list@lists.example.org\r\n"
       b"Subject: sealed twice\r\n"
       b"Date: Thu, 03 Dec 2026 16:00:00 +0000\r\n"
       b"Message-ID: <arc1@example.com>\r\n"
       b"\r\n"
       b"Hello, chain.\r\n")
s1 = dkim.arc_sign(msg, b"arc", b"lists.example.org", priv,
                   b"lists.example.org", timestamp=1796313600)
for name, footer in (("chain2.eml", b""),
                     ("footer.eml", b"-- \r\nthe list's footer\r\n")):
    m1 = b"".join(s1) + msg + footer
    m1 = (b"Authentication-Results: fwd.example.net; arc=pass; spf=none "
          b"smtp.mailfrom=list@lists.example.org\r\n") + m1
    s2 = dkim.arc_sign(m1, b"arc", b"fwd.example.net", priv,
                       b"fwd.example.net", timestamp=1796313700)
    m2 = b"".join(s2) + m1
    res = dkim.arc_verify(m2, dnsfunc=lambda name, timeout=5:
                          ("v=DKIM1; k=rsa; p=" + p).encode())
    assert res[0] == b"pass", res
    open(name, "wb").write(m2)
with open("keys.dns", "w") as f:
    f.write("# made by make-fixture.py with chain2.eml\n")
    for d in ("lists.example.org", "fwd.example.net"):
        f.write("arc._domainkey.%s v=DKIM1; k=rsa; p=%s\n" % (d, p))
