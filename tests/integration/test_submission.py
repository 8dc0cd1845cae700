"""Message submission (RFC 6409): port 587 with STARTTLS, port 465 with
implicit TLS (RFC 8314), AUTH (RFC 4954: PLAIN, LOGIN, SCRAM-SHA-256),
sender ownership (MAIL FROM and From:), Date/Message-ID/From added,
relaying only when authenticated, failed-login throttling.

Real clients: smtplib (with a small SCRAM-SHA-256 client of our own) and
raw sockets (smtputil.Raw); delivered mail is read back over POP3."""
import base64
import email
import email.utils
import hashlib
import hmac
import os
import poplib
import re
import smtplib
import ssl
import time

import pytest

from conftest import ALICE, BOB
from smtputil import Raw, queue_rcpts

A, APW = ALICE
B, BPW = BOB


def b64(s):
    return base64.b64encode(s if isinstance(s, bytes) else s.encode()).decode()


def start(tern_factory, extra="", accounts=(ALICE, BOB)):
    t = tern_factory(extra=extra)
    for a in accounts:
        t.add_account(*a)
    t.start()
    return t


def sub(t, tls=True):
    """smtplib on 587, after STARTTLS (and the EHLO again) if tls"""
    s = smtplib.SMTP("127.0.0.1", t.port("submission"), timeout=15)
    s.ehlo("client.test")
    if tls:
        s.starttls(context=t.ssl_context())
        s.ehlo("client.test")
    return s


def subs(t):
    """smtplib on 465 (implicit TLS)"""
    s = smtplib.SMTP_SSL("127.0.0.1", t.port("submissions"), timeout=15,
                         context=t.ssl_context())
    s.ehlo("client.test")
    return s


def raw_tls(t):
    """a raw dialogue on 587 after EHLO + STARTTLS + EHLO"""
    r = Raw(t, "submission")
    assert r.cmd("EHLO client.test")[0] == 250
    r.starttls()
    assert r.cmd("EHLO client.test")[0] == 250
    return r


class Scram:
    """SCRAM-SHA-256 (RFC 5802, 7677) as an smtplib auth object:
    s.auth("SCRAM-SHA-256", Scram(user, pw))"""

    def __init__(self, user, pw, tamper=False):
        self.user, self.pw, self.tamper = user, pw, tamper
        self.bare = "n=%s,r=%s" % (user, b64(os.urandom(18)))
        self.server_ok = False
        self.sent = False

    def __call__(self, challenge=None):
        if challenge is None or (challenge == b"" and not self.sent):
            # the initial response, or the answer to "334 " (RFC 4954 4)
            self.sent = True
            return "n,," + self.bare
        text = challenge.decode()
        if text.startswith("v="):
            want = hmac.new(self.server_key, self.auth_msg, "sha256").digest()
            self.server_ok = text == "v=" + b64(want)
            return ""
        attrs = dict(kv.split("=", 1) for kv in text.split(","))
        assert attrs["r"].startswith(self.bare.split("r=", 1)[1])
        salted = hashlib.pbkdf2_hmac("sha256", self.pw.encode(),
                                     base64.b64decode(attrs["s"]),
                                     int(attrs["i"]))
        client_key = hmac.new(salted, b"Client Key", "sha256").digest()
        stored_key = hashlib.sha256(client_key).digest()
        final_bare = "c=biws,r=" + attrs["r"]
        self.auth_msg = ",".join([self.bare, text, final_bare]).encode()
        sig = hmac.new(stored_key, self.auth_msg, "sha256").digest()
        proof = bytes(a ^ b for a, b in zip(client_key, sig))
        if self.tamper:
            proof = bytes([proof[0] ^ 1]) + proof[1:]
        self.server_key = hmac.new(salted, b"Server Key", "sha256").digest()
        return final_bare + ",p=" + b64(proof)


def msg(subject, frm=A, to=B, extra="", date=True, msgid=True):
    h = ""
    if frm is not None:
        h += "From: %s\r\n" % frm
    h += "To: %s\r\nSubject: %s\r\n" % (to, subject)
    if date:
        h += "Date: Thu, 26 Nov 2026 10:00:00 +0000\r\n"
    if msgid:
        h += "Message-ID: <%s@client.test>\r\n" % subject.replace(" ", ".")
    return (h + extra + "\r\nbody of %s\r\n" % subject).encode()


def pop_messages(t, user=B, pw=BPW):
    """every message in the account's maildrop, as bytes"""
    p = poplib.POP3("127.0.0.1", t.port("pop3"), timeout=10)
    p.user(user)
    p.pass_(pw)
    out = []
    for i in range(len(p.list()[1])):
        out.append(b"\r\n".join(p.retr(i + 1)[1]) + b"\r\n")
    p.quit()
    return out


def pop_one(t, subject, user=B, pw=BPW):
    got = [m for m in pop_messages(t, user, pw)
           if ("Subject: %s\r\n" % subject).encode() in m]
    assert len(got) == 1, got
    return got[0]


# --- EHLO, TLS, services ----------------------------------------------------

def test_ehlo_before_and_after_starttls(tern):
    r = Raw(tern, "submission")
    code, text = r.cmd("EHLO client.test")
    assert code == 250
    lines = text.split("\n")
    assert "STARTTLS" in lines
    assert not [l for l in lines if l.startswith("AUTH")]
    r.starttls()
    code, text = r.cmd("EHLO client.test")
    lines = text.split("\n")
    assert "AUTH PLAIN LOGIN SCRAM-SHA-256" in lines
    assert "STARTTLS" not in lines
    r.cmd("QUIT")


def test_implicit_tls_ehlo(tern):
    s = subs(tern)
    assert s.has_extn("auth")
    assert s.esmtp_features["auth"].split() == ["PLAIN", "LOGIN",
                                                "SCRAM-SHA-256"]
    assert not s.has_extn("starttls")
    s.quit()


def test_auth_before_starttls_refused(tern):
    r = Raw(tern, "submission")
    r.cmd("EHLO client.test")
    code, text = r.cmd("AUTH PLAIN " + b64("\0%s\0%s" % (A, APW)))
    assert (code, text) == (530, "5.7.0 Must issue a STARTTLS command first")
    assert r.cmd("AUTH SCRAM-SHA-256")[0] == 530
    # nothing was tried: no login failure recorded
    assert "submission auth failed" not in tern.log()
    r.cmd("QUIT")


def test_mail_before_auth_refused(tern):
    r = raw_tls(tern)
    assert r.cmd("MAIL FROM:<%s>" % A) == (530, "5.7.0 Authentication required")
    r.cmd("QUIT")
    # the same without TLS
    r = Raw(tern, "submission")
    r.cmd("EHLO client.test")
    assert r.cmd("MAIL FROM:<%s>" % A)[0] == 530
    r.cmd("QUIT")


def test_port_25_has_no_auth_and_never_relays(tern):
    r = Raw(tern, "smtp")
    code, text = r.cmd("EHLO client.test")
    assert not [l for l in text.split("\n") if l.startswith("AUTH")]
    r.starttls()
    code, text = r.cmd("EHLO client.test")
    assert not [l for l in text.split("\n") if l.startswith("AUTH")]
    assert r.cmd("AUTH PLAIN " + b64("\0%s\0%s" % (A, APW)))[0] == 502
    assert r.cmd("MAIL FROM:<%s>" % A)[0] == 250
    assert r.cmd("RCPT TO:<someone@remote.example>") == \
        (554, "5.7.1 Relay access denied")
    r.cmd("QUIT")


# --- mechanisms ---------------------------------------------------------------

def test_auth_plain_587(tern):
    s = sub(tern)
    s.user, s.password = A, APW
    assert s.auth("PLAIN", s.auth_plain)[0] == 235
    s.sendmail(A, [B], msg("plain 587"))
    s.quit()
    assert b"body of plain 587" in pop_one(tern, "plain 587")
    log = tern.log()
    assert 'submission auth ok user="alice@example.test" method=PLAIN ' \
        'tls=yes' in log


def test_auth_login_465(tern):
    s = subs(tern)
    # smtplib sends the user name as an initial response
    s.user, s.password = A, APW
    assert s.auth("LOGIN", s.auth_login)[0] == 235
    s.sendmail(A, [B], msg("login 465"))
    s.quit()
    s = subs(tern)
    s.user, s.password = A, APW
    assert s.auth("LOGIN", s.auth_login, initial_response_ok=False)[0] == 235
    s.quit()
    assert b"body of login 465" in pop_one(tern, "login 465")


def test_auth_login_raw_challenges(tern):
    r = raw_tls(tern)
    code, text = r.cmd("AUTH LOGIN")
    assert code == 334 and base64.b64decode(text) == b"Username:"
    code, text = r.cmd(b64(A))
    assert code == 334 and base64.b64decode(text) == b"Password:"
    assert r.cmd(b64(APW)) == (235, "2.7.0 Authentication successful")
    assert r.cmd("AUTH PLAIN =")[0] == 503
    r.cmd("QUIT")


def test_auth_plain_empty_initial_challenge(tern):
    r = raw_tls(tern)
    assert r.cmd("AUTH PLAIN") == (334, "")
    assert r.cmd(b64("\0%s\0%s" % (A, APW)))[0] == 235
    r.cmd("QUIT")


@pytest.mark.parametrize("port", ["submission", "submissions"])
def test_auth_scram_sha_256(tern, port):
    s = sub(tern) if port == "submission" else subs(tern)
    sc = Scram(A, APW)
    assert s.auth("SCRAM-SHA-256", sc, initial_response_ok=True)[0] == 235
    assert sc.server_ok
    s.sendmail(A, [B], msg("scram " + port))
    s.quit()
    pop_one(tern, "scram " + port)
    # without an initial response: "334 " first
    s = sub(tern)
    sc = Scram(A, APW)
    assert s.auth("SCRAM-SHA-256", sc, initial_response_ok=False)[0] == 235
    s.quit()


def test_scram_wrong_password_and_unknown_user(tern):
    s = sub(tern)
    with pytest.raises(smtplib.SMTPAuthenticationError) as e:
        s.auth("SCRAM-SHA-256", Scram(A, APW, tamper=True))
    assert e.value.smtp_code == 535
    s.close()
    s = sub(tern)
    with pytest.raises(smtplib.SMTPAuthenticationError) as e:
        s.auth("SCRAM-SHA-256", Scram("nobody@example.test", "x"))
    assert e.value.smtp_code == 535
    s.close()


def test_wrong_password_535(tern):
    s = sub(tern)
    with pytest.raises(smtplib.SMTPAuthenticationError) as e:
        s.login(A, "not-the-password")
    assert e.value.smtp_code == 535
    assert e.value.smtp_error == b"5.7.8 Authentication credentials invalid"
    # then the right one works on the same connection
    s.login(A, APW)
    s.quit()
    assert re.search(r'submission auth failed user="alice@example.test" '
                     r'method=\S+ tls=yes ip=127.0.0.1 reason=wrong password',
                     tern.log())


def test_cancel_and_bad_base64(tern):
    r = raw_tls(tern)
    assert r.cmd("AUTH LOGIN")[0] == 334
    assert r.cmd("*") == (501, "5.0.0 Authentication cancelled")
    # a cancel is no failed login, and commands work again
    assert r.cmd("NOOP")[0] == 250
    assert r.cmd("AUTH PLAIN")[0] == 334
    assert r.cmd("not base64!") == (501, "5.5.2 Invalid base64 data")
    assert r.cmd("AUTH PLAIN ***")[0] == 501
    assert r.cmd("AUTH CRAM-MD5")[0] == 504
    assert r.cmd("AUTH")[0] == 501
    assert r.cmd("AUTH PLAIN = extra")[0] == 501
    assert r.cmd("AUTH PLAIN " + b64("\0%s\0%s" % (A, APW)))[0] == 235
    r.cmd("QUIT")
    assert "submission auth cancelled" in tern.log()
    assert "submission auth failed" not in tern.log()


def test_overlong_or_bare_lf_sasl_line_ends_the_exchange(tern):
    """A dropped continuation line ends AUTH: the next command is a
    command again, not read as a SASL answer."""
    r = raw_tls(tern)
    assert r.cmd("AUTH LOGIN")[0] == 334
    r.send(b"A" * 5000 + b"\r\n")
    code, text = r.reply()
    assert code == 500 and "authentication aborted" in text
    assert r.cmd("NOOP")[0] == 250
    assert r.cmd("AUTH LOGIN")[0] == 334
    r.send(b"dXNlcg==\n")
    code, text = r.reply()
    assert code == 500 and "authentication aborted" in text
    assert r.cmd("NOOP")[0] == 250
    r.cmd("QUIT")


def test_malformed_sasl_counts_and_scram_cancel(tern):
    r = raw_tls(tern)
    # PLAIN without its NUL separators: a failed login, not a syntax error
    code, text = r.cmd("AUTH PLAIN " + b64("just-a-string"))
    assert (code, text) == (535, "5.7.8 Authentication credentials invalid")
    # SCRAM given up after the server's first message
    code, text = r.cmd("AUTH SCRAM-SHA-256 " + b64("n,,n=%s,r=abcdefgh" % A))
    assert code == 334 and base64.b64decode(text).startswith(b"r=abcdefgh")
    assert r.cmd("*") == (501, "5.0.0 Authentication cancelled")
    sc = Scram(A, APW)
    code, text = r.cmd("AUTH SCRAM-SHA-256 " + b64(sc()))
    code, text = r.cmd(b64(sc(base64.b64decode(text))))
    assert code == 334
    assert r.cmd(b64(sc(base64.b64decode(text)))) == \
        (235, "2.7.0 Authentication successful")
    assert sc.server_ok
    r.cmd("QUIT")
    log = tern.log()
    assert log.count("submission auth failed") == 1
    assert "submission auth cancelled" in log


def test_auth_inside_transaction_and_twice(tern):
    r = raw_tls(tern)
    assert r.cmd("AUTH PLAIN " + b64("\0%s\0%s" % (A, APW)))[0] == 235
    assert r.cmd("AUTH PLAIN " + b64("\0%s\0%s" % (A, APW)))[0] == 503
    # a new EHLO resets the transaction, not the authentication; the
    # AUTH= parameter of MAIL (RFC 4954 5) is accepted
    assert r.cmd("EHLO client.test")[0] == 250
    assert r.cmd("MAIL FROM:<%s> AUTH=<>" % A)[0] == 250
    assert r.cmd("AUTH PLAIN =")[0] == 503
    r.cmd("QUIT")


def test_pipelined_after_auth(tern):
    """commands sent right after the AUTH line wait for its answer"""
    r = raw_tls(tern)
    r.send("AUTH PLAIN %s\r\nMAIL FROM:<%s>\r\nRCPT TO:<%s>\r\n" %
           (b64("\0%s\0%s" % (A, APW)), A, B))
    assert r.reply()[0] == 235
    assert r.reply()[0] == 250
    assert r.reply()[0] == 250
    r.cmd("QUIT")


def test_plaintext_rule_without_require_tls(tern_factory):
    t = start(tern_factory, extra="[smtp]\nrequire_tls_for_auth = no\n")
    r = Raw(t, "submission")
    code, text = r.cmd("EHLO client.test")
    # loopback: plaintext mechanisms allowed, like IMAP and POP3
    assert "AUTH PLAIN LOGIN SCRAM-SHA-256" in text.split("\n")
    assert r.cmd("AUTH PLAIN " + b64("\0%s\0%s" % (A, APW)))[0] == 235
    r.starttls()
    code, text = r.cmd("EHLO client.test")
    # RFC 3207 4.2: the session starts over, not authenticated
    assert r.cmd("MAIL FROM:<%s>" % A)[0] == 530
    r.cmd("QUIT")


def non_loopback_address():
    """an IPv4 address of this host that is not loopback, or skip"""
    import subprocess
    try:
        out = subprocess.run(["ip", "-4", "-o", "addr", "show", "scope",
                              "global"], capture_output=True, text=True).stdout
    except OSError:
        out = ""
    m = re.search(r"inet (\d+\.\d+\.\d+\.\d+)/", out)
    if not m:
        pytest.skip("no non-loopback address on this host")
    return m.group(1)


def test_plaintext_mechanisms_need_tls_off_loopback(tern_factory):
    """TLS not required for AUTH: from a non-loopback address no password
    mechanism may be used before TLS (538; SCRAM too: a sniffed exchange
    allows an offline dictionary attack), as for IMAP and POP3"""
    addr = non_loopback_address()
    t = tern_factory(address=addr, extra="[smtp]\nrequire_tls_for_auth = no\n")
    t.add_account(*ALICE)
    t.add_account(*BOB)
    t.start()
    s = smtplib.SMTP(addr, t.port("submission"), timeout=15)
    s.ehlo("client.test")
    assert "auth" not in s.esmtp_features
    code, text = s.docmd("AUTH", "PLAIN " + b64("\0%s\0%s" % (A, APW)))
    assert (code, text) == (538, b"5.7.11 Encryption required for "
                            b"requested authentication mechanism")
    assert s.docmd("AUTH", "LOGIN")[0] == 538
    assert s.docmd("AUTH", "SCRAM-SHA-256")[0] == 538
    s.quit()
    s = smtplib.SMTP(addr, t.port("submission"), timeout=15)
    s.starttls(context=t.ssl_context())
    s.ehlo("client.test")
    assert s.esmtp_features["auth"].split() == ["PLAIN", "LOGIN",
                                                "SCRAM-SHA-256"]
    s.quit()


# --- senders ------------------------------------------------------------------

def login(t, port="submission", user=A, pw=APW):
    s = sub(t) if port == "submission" else subs(t)
    s.login(user, pw)
    return s


def test_forged_envelope_sender_refused(tern):
    s = login(tern)
    for bad in (B, "alice@other.example", "alicex@example.test"):
        code, text = s.mail(bad)
        assert code == 553, (bad, code, text)
        assert text.startswith(b"5.7.1 Sender address <")
        s.rset()
    # the null sender is for bounces, not for users
    assert s.mail("")[0] == 553
    s.rset()
    # case and +tag are still alice
    assert s.mail("Alice+news@EXAMPLE.test")[0] == 250
    s.quit()
    assert "submission sender refused user=alice@example.test " \
        "from=<bob@example.test>" in tern.log()


def test_forged_from_header_refused(tern):
    s = login(tern)
    for frm in (B, '"Alice" <%s>' % B, "%s, %s" % (A, B),
                "bob@example.test <%s>" % A, "undisclosed:;"):
        with pytest.raises(smtplib.SMTPDataError) as e:
            s.sendmail(A, [B], msg("forged", frm=frm))
        assert e.value.smtp_code == 553, frm
        assert e.value.smtp_error.startswith(b"5.7.1"), frm
    # two From: fields, the second forged
    with pytest.raises(smtplib.SMTPDataError) as e:
        s.sendmail(A, [B], msg("forged", extra="From: %s\r\n" % B))
    assert e.value.smtp_code == 553
    # a folded From: of alice's is fine
    s.sendmail(A, [B], msg("folded", frm='"Alice\r\n Liddell"\r\n <%s>' % A))
    s.quit()
    assert len(pop_messages(tern)) == 1
    assert 'submission from refused' in tern.log()


def test_forged_sender_and_resent_headers_refused(tern):
    """Sender:, Resent-From: and Resent-Sender: name who is responsible
    for a message as much as From: does (RFC 5322 3.6.2, 3.6.6): the
    same ownership rule applies to each (issue 11 item 9)."""
    tern.cli("alias", "add", "team@example.test", A)
    s = login(tern)
    for field in ("Sender", "Resent-From", "Resent-Sender", "SENDER"):
        for bad in (B, '"Alice" <%s>' % B, "%s, %s" % (A, B),
                    "x@other.example", ""):
            with pytest.raises(smtplib.SMTPDataError) as e:
                s.sendmail(A, [B], msg("forged %s" % field,
                                       extra="%s: %s\r\n" % (field, bad)))
            assert e.value.smtp_code == 553, (field, bad)
            assert e.value.smtp_error.startswith(
                b"5.7.1 %s: header address not owned" % field.title().encode()), \
                (field, bad, e.value.smtp_error)
    # folded, and split over two fields of the same name
    with pytest.raises(smtplib.SMTPDataError) as e:
        s.sendmail(A, [B], msg("folded forged", extra="Sender: Alice\r\n"
                               " <%s>\r\nSender: %s\r\n" % (A, B)))
    assert e.value.smtp_code == 553
    # the account's own addresses, +tags and aliases pass
    s.sendmail(A, [B], msg("own sender", extra="Sender: Alice <%s>\r\n"
                           "Resent-From: alice+x@example.test\r\n"
                           "Resent-Sender:\r\n <team@example.test>\r\n" % A))
    s.quit()
    assert len(pop_messages(tern)) == 1
    assert "submission sender-field refused" in tern.log()
    assert "field=resent-sender" in tern.log()


def test_sender_header_mismatch_allowed_by_config(tern_factory):
    t = start(tern_factory, extra="[smtp]\nallow_sender_mismatch = yes\n")
    s = login(t)
    s.sendmail(A, [B], msg("sender mismatch", extra="Sender: %s\r\n"
                           "Resent-From: x@other.example\r\n" % B))
    s.quit()
    pop_one(t, "sender mismatch")


def test_forged_from_refused_after_all_data_bdat(tern):
    r = raw_tls(tern)
    assert r.cmd("AUTH PLAIN " + b64("\0%s\0%s" % (A, APW)))[0] == 235
    m = msg("bdat forged", frm=B)
    # the header ends in the second chunk, then in the first: either way
    # the refusal answers the LAST chunk (RFC 3030 2)
    for cut in (20, m.index(b"\r\n\r\n") + 4):
        assert r.cmd("MAIL FROM:<%s>" % A)[0] == 250
        assert r.cmd("RCPT TO:<%s>" % B)[0] == 250
        r.send(b"BDAT %d\r\n" % cut + m[:cut])
        assert r.reply() == (250, "2.0.0 %d octets received" % cut)
        r.send(b"BDAT %d LAST\r\n" % (len(m) - cut) + m[cut:])
        code, text = r.reply()
        assert code == 553 and text.startswith("5.7.1 From: header"), text
        assert r.cmd("NOOP")[0] == 250
    r.cmd("QUIT")
    assert pop_messages(tern) == []


def test_alias_as_sender_accepted(tern):
    tern.cli("alias", "add", "postmaster@example.test", A)
    tern.cli("alias", "add", "team@example.test", A)
    tern.cli("alias", "add", "team@example.test", B)
    tern.cli("alias", "add", "@example.test", B)      # catch-all
    s = login(tern)
    s.sendmail("postmaster@example.test", [B],
               msg("as alias", frm="Postmaster <postmaster@example.test>"))
    s.sendmail("team@example.test", [B], msg("as team", frm="team@example.test"))
    s.quit()
    pop_one(tern, "as alias")
    pop_one(tern, "as team")
    # bob does not own postmaster@, and a catch-all owns nothing
    s = login(tern, user=B, pw=BPW)
    assert s.mail("postmaster@example.test")[0] == 553
    s.rset()
    assert s.mail("random@example.test")[0] == 553
    s.rset()
    assert s.mail("team@example.test")[0] == 250
    s.quit()


def test_sender_mismatch_allowed_by_config(tern_factory):
    t = start(tern_factory, extra="[smtp]\nallow_sender_mismatch = yes\n")
    s = login(t)
    s.sendmail(B, [B], msg("mismatch", frm="Someone <x@other.example>"))
    s.sendmail("", [B], msg("null sender"))
    s.quit()
    pop_one(t, "mismatch")
    pop_one(t, "null sender")


# --- added fields -------------------------------------------------------------

def test_message_id_date_from_added(tern):
    s = login(tern)
    s.sendmail(A, [B], msg("bare", frm=None, date=False, msgid=False))
    s.sendmail(A, [B], msg("complete"))
    s.quit()
    m = email.message_from_bytes(pop_one(tern, "bare"))
    assert re.fullmatch(r"<[0-9A-F]+\.[0-9a-f]{24}@mail\.example\.test>",
                        m["Message-ID"]), m["Message-ID"]
    d = email.utils.parsedate_to_datetime(m["Date"])
    assert abs(d.timestamp() - time.time()) < 120
    assert re.fullmatch(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}",
                        m["Date"]), m["Date"]
    assert m["From"] == "<%s>" % A
    # added before the blank line: the body is untouched
    assert m.get_payload() == "body of bare\r\n"
    m = email.message_from_bytes(pop_one(tern, "complete"))
    assert m.get_all("Message-ID") == ["<complete@client.test>"]
    assert m.get_all("Date") == ["Thu, 26 Nov 2026 10:00:00 +0000"]
    assert "added=,date" not in tern.log()
    assert "added=date,message-id,from" in tern.log()


def test_all_header_message_gets_fields(tern):
    r = raw_tls(tern)
    assert r.cmd("AUTH PLAIN " + b64("\0%s\0%s" % (A, APW)))[0] == 235
    r.cmd("MAIL FROM:<%s>" % A)
    r.cmd("RCPT TO:<%s>" % B)
    assert r.cmd("DATA")[0] == 354
    assert r.cmd("From: %s\r\nSubject: headers only\r\n." % A)[0] == 250
    r.cmd("QUIT")
    m = pop_one(tern, "headers only")
    assert b"\r\nDate: " in m and b"\r\nMessage-ID: <" in m


# --- delivery and relaying ----------------------------------------------------

def test_local_and_remote_recipients(tern):
    s = login(tern, "submissions")
    s.sendmail(A, [B, "carol@remote.example"], msg("mixed"))
    s.quit()
    got = pop_one(tern, "mixed")
    assert b"with ESMTPSA id" in got
    assert "carol@remote.example" in [r[0] for r in queue_rcpts(tern)]
    p = tern.cli("queue", "list", check=False)
    if p.returncode == 0:
        assert "carol@remote.example" in p.stdout


def test_unknown_local_recipient(tern):
    s = login(tern)
    s.mail(A)
    assert s.rcpt("nobody@example.test")[0] == 550
    s.quit()


# --- throttling -----------------------------------------------------------------

def test_max_failures_disconnects(tern):
    """auth.max_failures = 3: the third 535 is followed by 421 and EOF;
    the throttle delays the second and third attempts (1 s, 2 s)"""
    r = raw_tls(tern)
    t0 = time.time()
    for i in range(3):
        code, text = r.cmd("AUTH PLAIN " + b64("\0%s\0bad%d" % (A, i)))
        assert (code, text) == (535, "5.7.8 Authentication credentials invalid")
    assert time.time() - t0 >= 2.5
    code, text = r.reply()
    assert code == 421 and "Too many failed authentications" in text
    assert r.closed()
    assert "failures=3" in tern.log()


def test_throttle_delays_next_connection(tern_factory):
    t = start(tern_factory, extra="[auth]\nmax_failures = 1\n")
    r = raw_tls(t)
    assert r.cmd("AUTH PLAIN " + b64("\0%s\0bad" % A))[0] == 535
    assert r.reply()[0] == 421
    # a new connection does not escape the delay, even with the right
    # password (the failure is per address)
    r = raw_tls(t)
    t0 = time.time()
    assert r.cmd("AUTH PLAIN " + b64("\0%s\0%s" % (A, APW)))[0] == 235
    assert time.time() - t0 >= 0.9
    r.cmd("QUIT")


def test_blocked_address_refused(tern_factory):
    t = start(tern_factory, extra="[auth]\nmax_failures = 100\n"
              "throttle_max_delay = 0\nthrottle_block_after = 3\n")
    r = raw_tls(t)
    for i in range(2):
        assert r.cmd("AUTH PLAIN " + b64("\0%s\0bad%d" % (A, i)))[0] == 535
    code, text = r.cmd("AUTH PLAIN " + b64("\0%s\0bad" % A))
    assert code == 421 and "try later" in text
    assert r.closed()
    r = raw_tls(t)
    code, text = r.cmd("AUTH PLAIN " + b64("\0%s\0%s" % (A, APW)))
    assert code == 421
    assert r.closed()
    assert "submission auth blocked" in t.log()


def test_client_gone_during_check(tern):
    """the connection drops while the password is being checked: the
    session is freed when the check ends, nothing else happens"""
    r = raw_tls(tern)
    r.cmd("AUTH PLAIN " + b64("\0%s\0bad" % A))    # 1 s delay next time
    r.send("AUTH PLAIN " + b64("\0%s\0bad2" % A) + "\r\n")
    r.close()
    # the server goes on; the check ends at the latest before the exit,
    # where the fixture wants exit 0 and no sanitizer report
    s = login(tern)
    s.quit()
