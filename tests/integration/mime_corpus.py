"""mime_corpus - a reproducible corpus of varied messages (CRLF) for
comparing tern's FETCH ENVELOPE/BODY/BODYSTRUCTURE with another server.

    messages(n=300, seed=12)  -> list of bytes

The same seed gives the same messages. Built to hit the cases where
servers disagree: multipart nesting (mixed/alternative/related/digest),
message/rfc822 parts, parts ending just before a boundary with and
without a blank line, empty parts and preambles/epilogues, missing or odd
Content-Type parameters, RFC 2231 parameters, encoded words, groups and
odd addresses, 8-bit text, base64/QP, and no MIME-Version. The files of
tests/data/mime are added at the end.
"""
import base64
import glob
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(os.path.dirname(HERE), "data", "mime")

ADDRESSES = [
    "alice@example.test",
    "Alice Liddell <alice@example.test>",
    '"Liddell, Alice" <alice@example.test>',
    "=?UTF-8?Q?J=C3=B6rg_M=C3=BCller?= <joerg@example.test>",
    "=?ISO-8859-1?B?SvZyZw==?= <j@example.test>",
    "bob@example.test (Bob the builder)",
    "undisclosed-recipients:;",
    "Team: carol@example.test, Dave <dave@example.test>;",
    "Empty Group:;, erin@example.test",
    "<frank@example.test>",
    "\"quoted local\"@example.test",
    "Grace <grace@[192.0.2.1]>",
    "heidi",
    "@route.example:ivan@example.test",
    "Judy <judy@example.test>, Mallory <mallory@example.test>",
    "\"Oscar \\\"O\\\" Name\" <oscar@example.test>",
    "peggy@example.test, , trent@example.test",
    "Mixed Case <Victor@Example.TEST>",
    "a.b.c@sub.example.test",
    "=?utf-8?q?=5BList=5D?= <list@example.test>",
]

SUBJECTS = [
    "Hello", "Re: Hello", "Fwd: [list] news", "=?UTF-8?B?w6Rwc8O2bA==?=",
    "=?utf-8?q?encoded_words?= and =?utf-8?q?more?=", "Re: Re: re: [x] Fw: y",
    "  spaced  out  ", "", "8-bit subject \xe9", "_under_score", "[bracket]",
    "a\r\n folded\r\n subject", "=?unknown?q?x?=", "(no subject)",
]

TEXTS = [
    "Hello world.\r\n",
    "Line one\r\nLine two\r\nLine three\r\n",
    "",
    "no final newline",
    "\r\n\r\nblank lines first\r\n",
    "trailing blank\r\n\r\n",
    "caf\xe9 cr\xe8me\r\n",
    "-- \r\nsignature\r\n",
    "--not-a-boundary\r\n",
]


def _enc(s):
    return s.encode("latin-1") if isinstance(s, str) else s


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.n = 0

    def boundary(self):
        self.n += 1
        return self.r.choice(["b%d" % self.n, "=_Part_%d_x.y" % self.n,
                              "----=_NextPart_%04d" % self.n,
                              "simple boundary %d" % self.n])

    def text_body(self, cte):
        t = self.r.choice(TEXTS) * self.r.choice([1, 1, 2, 5])
        if cte == "base64":
            raw = base64.b64encode(_enc(t)).decode()
            return "\r\n".join(raw[i:i + 76] for i in range(0, len(raw), 76)) + \
                self.r.choice(["\r\n", ""])
        if cte == "quoted-printable":
            return t.replace("=", "=3D").replace("\xe9", "=E9") + "=\r\nsoft\r\n"
        return t

    def content_type(self, t, sub):
        r = self.r
        params = []
        if t == "text":
            params.append(r.choice(['charset=us-ascii', 'charset="UTF-8"',
                                    'charset=iso-8859-1', '', 'CHARSET=Utf-8',
                                    'format=flowed; charset=utf-8; delsp=yes',
                                    'charset=""', 'charset=utf-8 (comment)']))
        elif t == "application":
            params.append(r.choice(['name="file.bin"', "name*=utf-8''f%C3%A9.bin",
                                    'name*0="long"; name*1="name.pdf"',
                                    "name*0*=utf-8''a%20b; name*1=c.txt", '',
                                    'name=unquoted.txt', 'x-odd']))
        ps = "; ".join(p for p in params if p)
        ct = "%s/%s" % (r.choice([t, t.upper(), t.capitalize()]), sub)
        return ct + ("; " + ps if ps else "")

    def leaf_headers(self, kind):
        r = self.r
        h = []
        cte = r.choice(["", "7bit", "8bit", "base64", "quoted-printable",
                        "BASE64", "x-unknown", "binary"])
        if kind == "none":
            pass
        elif kind == "text":
            h.append("Content-Type: " + self.content_type("text",
                                                          r.choice(["plain", "html", "calendar"])))
        elif kind == "app":
            h.append("Content-Type: " + self.content_type("application",
                                                          r.choice(["octet-stream", "pdf"])))
        elif kind == "odd":
            h.append("Content-Type: " + r.choice([
                "text", "text/", "/plain", "garbage", "text/plain;", "text/plain; =x",
                'text/plain; charset="unterminated', "image/png; name=a.png",
                "audio/basic", "TEXT/PLAIN ; CHARSET = us-ascii"]))
        if r.random() < 0.3:
            h.append("Content-Disposition: " + r.choice([
                "inline", 'attachment; filename="a.txt"', "attachment",
                "attachment; filename*=utf-8''%E2%82%AC.txt", "INLINE; size=10",
                "form-data; name=x"]))
        if r.random() < 0.2:
            h.append("Content-ID: <" + r.choice(["cid1@x", "part.2@example.test"]) + ">")
        if r.random() < 0.2:
            h.append("Content-Description: " + r.choice(["a part", "=?utf-8?q?d=C3=A9sc?="]))
        if r.random() < 0.1:
            h.append("Content-Language: " + r.choice(["en", "en, de"]))
        if r.random() < 0.1:
            h.append("Content-Location: http://example.test/a")
        if r.random() < 0.1:
            h.append("Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==")
        if cte:
            h.append("Content-Transfer-Encoding: " + cte)
        return h, cte.lower()

    def part(self, depth):
        """(header lines, body text) of an entity"""
        r = self.r
        choice = r.random()
        if depth < 3 and choice < 0.35:
            return self.multipart(depth)
        if depth < 3 and choice < 0.45:
            inner = self.message(depth + 1)
            h = ["Content-Type: message/rfc822"]
            if r.random() < 0.2:
                h.append("Content-Transfer-Encoding: 7bit")
            return h, inner
        h, cte = self.leaf_headers(r.choice(["none", "text", "text", "app", "odd"]))
        return h, self.text_body(cte)

    def multipart(self, depth):
        r = self.r
        b = self.boundary()
        sub = r.choice(["mixed", "alternative", "related", "digest", "signed", "x-odd"])
        params = ['boundary="%s"' % b]
        if sub == "related" and r.random() < 0.5:
            params.append('type="text/html"')
        if sub == "signed":
            params.append("protocol=\"application/pgp-signature\"; micalg=pgp-sha256")
        h = ["Content-Type: multipart/%s; %s" % (sub, "; ".join(params))]
        out = []
        if r.random() < 0.3:
            out.append(r.choice(["This is a multi-part message.\r\n",
                                 "preamble\r\n\r\n", ""]))
        nparts = r.choice([0, 1, 1, 2, 2, 3, 4])
        for _ in range(nparts):
            out.append("--%s\r\n" % b)
            if sub == "digest" and r.random() < 0.6:
                ph, pb = [], self.message(depth + 1)
                if r.random() < 0.3:
                    ph = ["Content-Type: message/rfc822"]
            else:
                ph, pb = self.part(depth + 1)
            if r.random() < 0.1:
                out.append("\r\n".join(ph) + "\r\n\r\n")      # header only
                continue
            if not ph and r.random() < 0.5:
                out.append("\r\n")
            else:
                out.append("\r\n".join(ph) + "\r\n\r\n")
            out.append(pb)
            end = r.choice(["\r\n", "\r\n", "\r\n\r\n", "", "\r\n\r\n\r\n"])
            if not pb.endswith("\r\n") and end == "":
                end = "\r\n"
            if pb.endswith("\r\n") and end == "\r\n" and r.random() < 0.5:
                end = ""
                out[-1] = pb[:-2] + "\r\n"
            out.append(end)
        close = r.random()
        if close < 0.8:
            out.append("--%s--\r\n" % b)
            if r.random() < 0.2:
                out.append(r.choice(["epilogue\r\n", "\r\n", "trailing"]))
        elif close < 0.9:
            out.append("--%s--" % b)
        # else: never closed
        return h, "".join(out)

    def message(self, depth=0):
        r = self.r
        h = []
        if r.random() < 0.9:
            h.append("From: " + r.choice(ADDRESSES))
        if r.random() < 0.8:
            h.append("To: " + ", ".join(r.sample(ADDRESSES, r.choice([1, 1, 2, 3]))))
        if r.random() < 0.3:
            h.append("Cc: " + r.choice(ADDRESSES))
        if r.random() < 0.1:
            h.append("Bcc: " + r.choice(ADDRESSES))
        if r.random() < 0.2:
            h.append("Reply-To: " + r.choice(ADDRESSES))
        if r.random() < 0.1:
            h.append("Sender: " + r.choice(ADDRESSES))
        if r.random() < 0.9:
            h.append("Subject: " + r.choice(SUBJECTS))
        if r.random() < 0.9:
            h.append("Date: " + r.choice([
                "Mon, 7 Feb 1994 21:52:25 -0800", "7 Feb 94 21:52 PST",
                "Tue, 1 Jul 2003 10:52:37 +0200 (CEST)", "garbage date",
                "Thu, 13 Feb 1969 23:32:54 -0330"]))
        if r.random() < 0.8:
            h.append("Message-ID: " + r.choice([
                "<%d.%d@example.test>" % (depth, self.n),
                "<a b@example.test>", "no-brackets@example.test",
                " <spaced@example.test> "]))
        if r.random() < 0.3:
            h.append("In-Reply-To: <parent%d@example.test>" % r.randrange(5))
        if r.random() < 0.7:
            h.append("MIME-Version: " + r.choice(["1.0", "1.0 (generated)"]))
        if r.random() < 0.05:
            h.append("X-8bit: caf\xe9")
        ph, body = self.part(depth)
        h.extend(ph)
        return "\r\n".join(h) + "\r\n\r\n" + body


def messages(n=300, seed=12, with_data=True):
    g = Gen(seed)
    out = [_enc(g.message()) for _ in range(n)]
    if with_data:
        for path in sorted(glob.glob(os.path.join(DATA, "*.eml"))):
            with open(path, "rb") as f:
                raw = f.read()
            # both servers get CRLF, as IMAP APPEND carries it
            raw = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
            if raw:     # Dovecot refuses an empty message
                out.append(raw)
    return out
