"""pigeonholelib - run Pigeonhole's sieve-test (Debian dovecot-sieve) and
turn its output into the action list the differential test compares.

    p = Pigeonhole(personal_dir, global_dir, mailboxes)  # config in a temp folder
    acts, err = p.run(p.stage("s.sieve", script_bytes), p.stage("m.eml", msg_bytes),
                      (env_from, env_to, env_orig_to))
    p.close()

Nothing of the system's Dovecot is used but its binaries: the config,
the state and a scratch maildir live in a fresh folder. sieve-test runs
twice when the script decided a vacation reply: its plain run lists what
the script decided, but only an executing run (-e, which in sieve-test
sends nothing: it prints the reply) applies RFC 5230's sender and
recipient checks, and tern decides those inside the interpreter.

An action is a tuple of strings (parse_tern() in
test_sieve_pigeonhole.py for tern's side, which makes the same shapes):
  ("store", mailbox, "flag1 flag2" lowercased and sorted, create "0"/"1")
  ("redirect", address)
  ("reject", reason) / ("ereject", reason)
  ("vacation", to, seconds, subject, from, handle, reason)
and ("discard",) alone when nothing keeps, files, redirects or rejects.
"""
import email.header
import os
import pwd
import re
import shutil
import subprocess
import tempfile

SIEVE_TEST = shutil.which("sieve-test") or "/usr/bin/sieve-test"

# the same values tern's `sieve test` uses: the defaults of [sieve] in
# src/lib/conf-keys.c (spamtest_header X-Spam-Score, spamtest_max 15,
# virustest_header X-Virus-Status, vacation days 1..90, default 7;
# Pigeonhole matches the virustest words case-sensitively, the corpus
# writes them as "Clean" and "Infected")
CONF = """\
base_dir = %(dir)s/run
state_dir = %(dir)s/state
log_path = /dev/stderr
mail_location = maildir:%(dir)s/mail:LAYOUT=fs:INBOX=%(dir)s/mail/INBOX
namespace inbox {
  inbox = yes
  separator = /
}
mail_uid = %(uid)s
mail_gid = %(gid)s
first_valid_uid = 0
first_valid_gid = 0
protocols =
plugin {
  sieve = file:%(personal)s;active=%(dir)s/active.sieve
  sieve_global = %(global)s
  sieve_extensions = +vacation-seconds +spamtest +spamtestplus +virustest
  sieve_vacation_min_period = 1d
  sieve_vacation_max_period = 90d
  sieve_vacation_default_period = 7d
  sieve_max_redirects = 4
  sieve_max_actions = 32
  sieve_spamtest_status_type = score
  sieve_spamtest_status_header = X-Spam-Score: ([0-9]+(\\.[0-9]+)?)
  sieve_spamtest_max_value = 15
  sieve_virustest_status_type = text
  sieve_virustest_status_header = X-Virus-Status
  sieve_virustest_text_value1 = Clean
  sieve_virustest_text_value5 = Infected
}
"""


def available():
    return os.path.exists(SIEVE_TEST)


class Pigeonhole:
    def __init__(self, personal_dir, global_dir, mailboxes=()):
        """mailboxes: the folders that exist (mailboxexists) besides INBOX"""
        # sieve-test drops privileges to mail_uid: as root that is nobody,
        # who must read the scripts and messages and write the scratch
        # folder, so everything it touches is copied under a 0755 folder
        self.dir = tempfile.mkdtemp(prefix="tern-pigeonhole-")
        os.chmod(self.dir, 0o755)
        if os.geteuid() == 0:
            pw = pwd.getpwnam("nobody")
            uid, gid = pw.pw_uid, pw.pw_gid
        else:
            uid, gid = os.getuid(), os.getgid()
        self.uid, self.gid = uid, gid
        personal = os.path.join(self.dir, "personal")
        glob = os.path.join(self.dir, "global")
        shutil.copytree(personal_dir, personal)
        shutil.copytree(global_dir, glob)
        for sub in ("run", "state", "mail", "in"):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
        self.mailboxes = ["INBOX"] + list(mailboxes)
        for name in self.mailboxes:
            for sub in ("cur", "new", "tmp"):
                os.makedirs(os.path.join(self.dir, "mail", name, sub))
        for root, dirs, files in os.walk(self.dir):
            for n in dirs + files:
                os.chmod(os.path.join(root, n), 0o777 if n in dirs else 0o644)
            os.chown(root, uid, gid)
        self.conf = os.path.join(self.dir, "dovecot.conf")
        with open(self.conf, "w") as f:
            f.write(CONF % {"dir": self.dir, "uid": uid, "gid": gid,
                            "personal": personal, "global": glob})
        os.chmod(self.conf, 0o644)
        self.env = self._config_env()

    def _config_env(self):
        """the config parsed once by doveconf and handed to every
        sieve-test in its environment (DOVECONF_ENV), as doveconf -e
        does: otherwise each run starts doveconf again, half its time"""
        base = {"PATH": "/usr/bin:/bin", "TZ": "UTC"}
        p = subprocess.run(["doveconf", "-c", self.conf, "-e", "env"],
                           capture_output=True, env=base, timeout=30)
        env = dict(l.split("=", 1) for l in p.stdout.decode().splitlines() if "=" in l)
        if p.returncode != 0 or env.get("DOVECONF_ENV") != "1":
            return base
        env.update(base)
        return env

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def stage(self, name, data):
        """a copy of a script or message sieve-test (as nobody) can read"""
        path = os.path.join(self.dir, "in", name)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, 0o644)
        return path

    def _scratch_maildir(self, acts):
        """a fresh maildir for one executing run, with the folders the
        script files into (a fileinto to a missing folder fails the run
        before the vacation action; a shared maildir would let one pair's
        folders answer another's mailboxexists)"""
        d = tempfile.mkdtemp(prefix="x-", dir=os.path.join(self.dir, "run"))
        names = self.mailboxes + [a[1] for a in acts if a[0] == "store"]
        for name in names:
            if ".." in name.split("/") or not name.isascii():
                continue
            for sub in ("cur", "new", "tmp"):
                os.makedirs(os.path.join(d, name, sub), exist_ok=True)
        for root, dirs, files in os.walk(d):
            os.chown(root, self.uid, self.gid)
        return d

    def _sieve_test(self, script, message, env, maildir):
        """maildir None: the plain run; else executing (-e) into it"""
        args = [SIEVE_TEST, "-c", self.conf, "-f", env[0], "-r", env[1],
                "-a", env[2]]
        if maildir:
            args += ["-e", "-l", "maildir:%s:LAYOUT=fs:INBOX=%s/INBOX" % (maildir, maildir)]
        p = subprocess.run(args + [script, message], capture_output=True,
                           timeout=30, env=self.env)
        return p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")

    def run(self, script, message, env):
        """(actions, None) or (None, compile errors); env is (from, to,
        orig_to); script and message are paths from stage()"""
        out, err = self._sieve_test(script, message, env, None)
        if "Performed actions:" not in out:
            return None, (err + out).strip()
        acts = parse_plain(out)
        if any(a[0] == "vacation" for a in acts):
            # a fileinto to a missing folder would fail the executing
            # run before the vacation action: make the folders first
            d = self._scratch_maildir(acts)
            try:
                xout, xerr = self._sieve_test(script, message, env, d)
            finally:
                shutil.rmtree(d, ignore_errors=True)
            apply_execution(acts, xout + xerr)
        return finish(acts), None


def parse_plain(out):
    """the "Performed actions:" and "Implicit keep:" lists of a plain run"""
    acts = []
    lines = out.splitlines()
    i = 0
    cur = None
    while i < len(lines):
        line = lines[i]
        m = re.match(r"^ \* (.*)$", line)
        if m:
            cur = None
            what = m.group(1)
            if what.startswith("store message in folder: "):
                cur = ["store", what[len("store message in folder: "):], set(), "0"]
                acts.append(cur)
            elif what.startswith("redirect message to: "):
                acts.append(["redirect", what[len("redirect message to: "):].strip("<>")])
            elif what.startswith("reject message with reason: "):
                reason, i = _multiline(lines, i, what[len("reject message with reason: "):])
                acts.append(["reject", reason])
            elif what == "discard":
                acts.append(["discard"])
            elif what == "send vacation message:":
                cur = ["vacation", None, "", None, "", "", ""]
                acts.append(cur)
            else:
                acts.append(["unknown", what])
        elif cur is not None and cur[0] == "store":
            m = re.match(r"^\s+\+ (add|set) IMAP flags: (.*)$", line)
            if m:
                cur[2].update(f.lower() for f in m.group(2).split())
            elif "create mailbox if it does not exist" in line:
                cur[3] = "1"
        elif cur is not None and cur[0] == "vacation":
            m = re.match(r"^    => (\w+)\s*: (.*)$", line)
            if m:
                key, val = m.group(1), m.group(2)
                if key == "seconds":
                    cur[2] = val
                elif key == "subject":
                    cur[3] = val
                elif key == "from":
                    cur[4] = val
                elif key == "handle" and not re.search(r"<(NO-)?MIME>$", val):
                    cur[5] = val  # only a :handle the script gave
            elif line == "START MESSAGE":
                body = []
                i += 1
                while i < len(lines) and lines[i] != "END MESSAGE":
                    body.append(lines[i])
                    i += 1
                cur[6] = "\n".join(body)
        i += 1
    return acts


def _multiline(lines, i, first):
    """a reject reason runs on until the next action or list header"""
    text = [first]
    while i + 1 < len(lines) and not re.match(r"^( \* |  \(none\)|Implicit keep:|$)", lines[i + 1]):
        i += 1
        text.append(lines[i])
    return "\n".join(text), i


def apply_execution(acts, log):
    """fill the vacation's recipient and subject from an executing run,
    or drop it when Pigeonhole's RFC 5230 checks refused to reply"""
    m = re.search(r"vacation action: sent vacation response to <([^>]*)>", log)
    # every way Pigeonhole 0.5 logs a decision not to reply
    decided = m or re.search(r"vacation action: (discard|not sending)", log)
    for a in [a for a in acts if a[0] == "vacation"]:
        if not decided:
            a[1] = "?(sieve-test -e failed before the vacation action)"
            continue
        if not m:
            acts.remove(a)
            continue
        a[1] = m.group(1)
        if a[3] is None:
            s = re.search(r"^Subject: (.*(?:\n[ \t].*)*)", log, re.M)
            a[3] = decode_words(s.group(1)) if s else ""


def decode_words(value):
    value = re.sub(r"\r?\n[ \t]", " ", value).replace("\r", "")
    out = []
    for part, cs in email.header.decode_header(value):
        out.append(part.decode(cs or "utf-8", "replace") if isinstance(part, bytes) else part)
    return "".join(out)


def finish(acts):
    """sieve-test's parsed actions as tuples, settled"""
    res = []
    for a in acts:
        if a[0] == "store":
            a = ["store", a[1], " ".join(sorted(a[2])), a[3]]
        if a[0] != "discard":
            res.append(tuple(a))
    return settle(res)


def settle(acts):
    """the comparable list, for either side: each action once, sorted,
    and ("discard",) only when nothing keeps, files, redirects or
    rejects the message (discard itself only cancels the implicit keep,
    which the absence of a store already shows)"""
    res = []
    for a in acts:
        if a not in res:
            res.append(a)
    if not any(a[0] in ("store", "redirect", "reject", "ereject") for a in res):
        res.append(("discard",))
    return sorted(res)
