"""Two-way sync with Debian's isync (mbsync) over STARTTLS: server to
Maildir, local changes (flags, deletion, new message) back to the
server, then server changes down again."""
import os
import subprocess

from conftest import ALICE
from test_imap import Imap, deliver

A, APW = ALICE

def mbsync(t, home):
    rc = os.path.join(home, "mbsyncrc")
    with open(rc, "w") as f:
        f.write("""IMAPAccount tern
Host 127.0.0.1
Port %d
User %s
Pass %s
SSLType STARTTLS
CertificateFile %s

IMAPStore remote
Account tern

MaildirStore local
Path %s/mail/
Inbox %s/mail/INBOX
SubFolders Verbatim

Channel sync
Far :remote:
Near :local:
Patterns *
Create Both
Remove Both
Expunge Both
SyncState *
""" % (t.port("imap"), A, APW, t.cert, home, home))
    p = subprocess.run(["mbsync", "-c", rc, "-a"], capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    return p


def maildir(home, box):
    d = os.path.join(home, "mail", box)
    out = {}
    for sub in ("cur", "new"):
        for n in os.listdir(os.path.join(d, sub)):
            out[os.path.join(d, sub, n)] = open(os.path.join(d, sub, n),
                                                 "rb").read()
    return out


def test_mbsync_two_way(tern, tmp_path):
    home = str(tmp_path / "home")
    os.makedirs(os.path.join(home, "mail"))
    for i in range(3):
        deliver(tern, A, "msg %d" % i, body="body %d\r\n" % i)
    mbsync(tern, home)
    local = maildir(home, "INBOX")
    assert len(local) == 3
    assert sorted(b"Subject: msg %d" % i in v for v in local.values()
                  for i in range(3)).count(True) == 3
    assert os.path.isdir(os.path.join(home, "mail", "Sent"))

    # local changes: one read, one deleted, one new in Sent
    paths = sorted(local, key=lambda p: local[p])
    seen = [p for p in paths if b"Subject: msg 0" in local[p]][0]
    gone = [p for p in paths if b"Subject: msg 1" in local[p]][0]
    base = seen.split(":2,")[0] if ":2," in seen else seen
    os.rename(seen, os.path.join(os.path.dirname(os.path.dirname(seen)),
                                 "cur", os.path.basename(base) + ":2,S"))
    os.rename(gone, os.path.join(os.path.dirname(os.path.dirname(gone)),
                                 "cur", os.path.basename(gone.split(":2,")[0])
                                 + ":2,T"))
    with open(os.path.join(home, "mail", "Sent", "new", "1.local"), "wb") as f:
        f.write(b"From: alice@example.test\r\nSubject: sent locally\r\n\r\nhi\r\n")
    mbsync(tern, home)

    c = Imap(tern)
    c.login()
    c.ok("SELECT INBOX")
    u = c.ok("FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert len(u) == 2, u
    assert any(b"\\Seen" in x and b"msg 0" in x for x in u), u
    assert not any(b"msg 1" in x for x in u)
    c.ok("SELECT Sent")
    u = c.ok("FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert len(u) == 1 and b"sent locally" in u[0]

    # server changes: a flag, a new message, an expunge
    c.ok("SELECT INBOX")
    u = c.ok("SEARCH SUBJECT \"msg 2\"")
    n = u[0].split()[-1].decode()
    c.ok("STORE %s +FLAGS (\\Flagged)" % n)
    deliver(tern, A, "msg 3")
    c.ok("STORE 1 +FLAGS (\\Deleted)")
    c.ok("EXPUNGE")
    mbsync(tern, home)
    local = maildir(home, "INBOX")
    # (mbsync stores LF line ends locally)
    subjects = sorted(v.split(b"Subject: ")[1].split(b"\n")[0].rstrip(b"\r")
                      for v in local.values())
    assert subjects == [b"msg 2", b"msg 3"], subjects
    flagged = [p for p, v in local.items() if b"Subject: msg 2" in v][0]
    assert flagged.split(":2,")[1].find("F") >= 0
    # nothing left to do: a second run changes nothing
    before = sorted(maildir(home, "INBOX"))
    mbsync(tern, home)
    assert sorted(maildir(home, "INBOX")) == before
