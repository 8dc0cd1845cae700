"""The differential test of tern's Sieve against Pigeonhole (Dovecot's).

Every script of tests/data/sieve/scripts runs against every message of
tests/data/sieve/messages (with its envelope from envelope.txt) through
Pigeonhole's sieve-test (pigeonholelib) and through `tern sieve test`;
both outputs become the same action list and must be equal. A pair where
Pigeonhole departs from the RFC is listed in KNOWN_DEVIATIONS with the
section; nothing else is skipped. With SIEVE_DIFFS=FILE set, every
divergence is appended to FILE (script, message, both outputs) for
whoever fixes tern.

A run that fails (a compile error, a runtime error such as a reject in
conflict or a limit) keeps the message in INBOX on both sides: the two
agree when both fail. The bad-input cases of issue 16 (1 MB script,
10,000 nested blocks, regex bombs, include loops) and the malformed
scripts of tests/data/sieve/bad go through `tern sieve check` and must
fail with the error on the right line (Pigeonhole must refuse the
malformed ones too).
"""
import concurrent.futures
import email
import email.policy
import os
import re
import subprocess
import time

import pytest

import pigeonholelib
from ternlib import TERN_BIN, sanitizer_reports

DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "sieve")
SCRIPTS = sorted(os.listdir(os.path.join(DATA, "scripts")))
PERSONAL = os.path.join(DATA, "include", "personal")
GLOBAL = os.path.join(DATA, "include", "global")
# the folders that exist besides INBOX (RFC 5490 mailboxexists)
MAILBOXES = ("Archive", "Lists")

pytestmark = pytest.mark.skipif(not pigeonholelib.available(),
                                reason="Pigeonhole's sieve-test (dovecot-sieve) is not installed")


def subject_of(msg):
    m = email.message_from_bytes(msg, policy=email.policy.default)
    return str(m.get("subject", ""))


def rfc_question_star(pig, msg):
    """matches-question-star.sieve as RFC 5228 2.7.1 reads: "?" is one
    character. Pigeonhole 0.5.19 lets "?x*" match any value (its
    matcher loses the literal after a leading "?" when a "*" follows),
    so the answer is computed here from the Subject instead"""
    subj = subject_of(msg)
    acts = [("store", box, "", "0") for box, rx in
            (("q-meetings", r".eeting.*"), ("q-x", r".x.*"), ("q-exact", r".eeting"))
            if re.fullmatch(rx, subj, re.I | re.S)]
    return sorted(acts or [("store", "INBOX", "", "0")])


def rfc_percent_untested(pig, msg):
    """spamtest-garbage.sieve as RFC 5235 3.2.2 reads: an untested
    message (plain spamtest "0", here "score-0") has no :percent value
    at all (scripts find it with :percent :count "eq" "0"), so
    ':percent :matches "*"' does not match. Pigeonhole 0.5.19 gives it
    "0" (the value of a message tested and found clean)"""
    if ("store", "score-0", "", "0") not in pig:
        return pig
    return sorted(a for a in pig if not a[1].startswith("percent-"))


# script -> (the RFC section Pigeonhole departs from, the RFC's answer
# computed from Pigeonhole's actions and the message): tern is compared
# with that answer, so these pairs are still checked, not skipped
KNOWN_DEVIATIONS = {
    "matches-question-star.sieve": ("RFC 5228 2.7.1", rfc_question_star),
    "spamtest-garbage.sieve": ("RFC 5235 3.2.2", rfc_percent_untested),
}

# the extensions tern lists (CONTRACT-SIEVE 1); each is used by the corpus
EXTENSIONS = ("fileinto reject ereject envelope encoded-character imap4flags copy body "
              "variables relational comparator-i;ascii-numeric subaddress vacation "
              "vacation-seconds date index mailbox include regex spamtest spamtestplus "
              "virustest").split()


def envelopes():
    env = {}
    with open(os.path.join(DATA, "envelope.txt")) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                name, frm, to, orig = line.split()
                env[name] = (frm, to, orig)
    return env


def message_bytes(name):
    """the message as stored: CRLF lines"""
    with open(os.path.join(DATA, "messages", name), "rb") as f:
        return re.sub(rb"\r?\n", b"\r\n", f.read())


def unquote(s):
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r"}.get(m.group(1), m.group(1)), s)


def parse_tern(out):
    """`tern sieve test` lines -> the actions of pigeonholelib (the
    vacation's handle and reason are aligned with Pigeonhole's in
    compare(): Pigeonhole prints only a handle the script gave)"""
    acts = []
    for line in out.splitlines():
        kind, _, rest = line.partition(" ")
        attrs = {k: unquote(q) if q else v for k, q, v in
                 re.findall(r'(\w+)=(?:"((?:[^"\\]|\\.)*)"|(\S*))', rest)}
        flags = " ".join(sorted(f.lower() for f in attrs.get("flags", "").split(",") if f))
        if kind == "keep":
            acts.append(("store", "INBOX", flags, "0"))
        elif kind == "fileinto":
            box = attrs["mailbox"]
            if box.upper() == "INBOX":
                box = "INBOX"
            acts.append(("store", box, flags, attrs.get("create", "0")))
        elif kind == "redirect":
            acts.append(("redirect", attrs["address"]))
        elif kind in ("reject", "ereject"):
            # as written: sieve-test shows the CRLFs of a text: reason
            acts.append((kind, attrs["reason"]))
        elif kind == "discard":
            pass
        elif kind == "vacation":
            acts.append(("vacation", attrs["to"], attrs["seconds"], attrs["subject"],
                         attrs.get("from", ""), attrs.get("handle", ""),
                         text(attrs.get("reason", ""))))
        else:
            acts.append(("unknown", line))
    return pigeonholelib.settle(acts)


def text(s):
    return s.replace("\r\n", "\n").rstrip("\n")


def tern_test(script, message, env, now):
    p = subprocess.run([TERN_BIN, "sieve", "test", "--from", env[0], "--to", env[1],
                        "--orig-to", env[2], "--date", str(now), "--personal-dir", PERSONAL,
                        "--global-dir", GLOBAL]
                       + [a for box in MAILBOXES for a in ("--mailbox", box)] + [script, message],
                       capture_output=True, timeout=30, env={"TZ": "UTC", "PATH": "/usr/bin:/bin"})
    out = p.stdout.decode("utf-8", "replace")
    san = sanitizer_reports(p.stderr.decode("utf-8", "replace"))
    if san:
        # under SAN=1 a report is a difference even where both fail
        return [("sanitizer",) + tuple(san[:3])], None, out
    if p.returncode != 0:
        return None, (out + p.stderr.decode("utf-8", "replace")).strip(), out
    return parse_tern(out), None, out


def shown(tern_value, pig_value):
    """tern's string as sieve-test displays it: control characters as
    "?", and cut to a prefix + "..." when long"""
    v = re.sub(r"[\x00-\x1f]", "?", tern_value)
    if pig_value.endswith("...") and len(v) > len(pig_value) - 3 \
            and v.startswith(pig_value[:-3]):
        return pig_value
    return v


def compare(pig, tern):
    """align what only one side can print, then the two lists"""
    aligned = []
    for a in tern:
        if a[0] == "store":
            # a long folder name is cut in sieve-test's listing
            cut = [p for p in pig if p[0] == "store" and shown(a[1], p[1]) == p[1]]
            a = (a[0], cut[0][1] if cut else a[1]) + a[2:]
        elif a[0] in ("reject", "ereject"):
            p = [p for p in pig if p[0] == a[0]]
            a = (a[0], shown(a[1], p[0][1] if p else ""))
        aligned.append(a)
    tern = sorted(aligned)
    pv = [a for a in pig if a[0] == "vacation"]
    tv = [a for a in tern if a[0] == "vacation"]
    if len(pv) == 1 and len(tv) == 1:
        p, t = pv[0], tv[0]
        # a handle the script did not give: each side makes its own
        t2 = t[:5] + (t[5] if p[5] else "",) + (t[6],)
        tern = sorted([a for a in tern if a[0] != "vacation"] + [t2])
        pig = sorted([a for a in pig if a[0] != "vacation"] + [p[:6] + (text(p[6]),)])
    return pig == tern, pig, tern


@pytest.fixture(scope="module")
def ph():
    """one Pigeonhole config for the whole file"""
    p = pigeonholelib.Pigeonhole(PERSONAL, GLOBAL, MAILBOXES)
    yield p
    p.close()


@pytest.fixture(scope="module")
def results(tmp_path_factory, ph):
    """every pair through both sides, once"""
    tmp = tmp_path_factory.mktemp("sievediff")
    env = envelopes()
    now = int(time.time())
    staged_msgs = {}
    for m in env:
        data = message_bytes(m)
        staged_msgs[m] = ph.stage(m, data)
        (tmp / m).write_bytes(data)
    staged_scripts = {}
    for s in SCRIPTS:
        with open(os.path.join(DATA, "scripts", s), "rb") as f:
            data = f.read()
        # Debian's Pigeonhole 0.5.19 does not offer ereject (RFC 5429
        # 2.1): it runs the same script as reject, and its reject stands
        # for the ereject (same semantics but for the protocol-level
        # refusal, which sieve-test cannot show)
        staged_scripts[s] = ph.stage(s, re.sub(rb"\bereject\b", b"reject", data))

    def one(pair):
        s, m = pair
        pig, perr = ph.run(staged_scripts[s], staged_msgs[m], env[m])
        if pig is not None and s in KNOWN_DEVIATIONS:
            pig = KNOWN_DEVIATIONS[s][1](pig, message_bytes(m))
        if pig is not None and b"ereject" in open(os.path.join(DATA, "scripts", s), "rb").read():
            pig = sorted(("ereject",) + a[1:] if a[0] == "reject" else a for a in pig)
        tern, terr, tout = tern_test(os.path.join(DATA, "scripts", s), str(tmp / m), env[m], now)
        return pair, pig, perr, tern, terr, tout

    pairs = [(s, m) for s in SCRIPTS for m in sorted(env)]
    # both programs spend most of their time starting up: 4 at a time
    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        return list(ex.map(one, pairs))


def verdict(pig, perr, tern, terr):
    """(agree, pigeonhole's list or error, tern's)"""
    if pig is None or tern is None:
        # a compile error on both sides agrees (its line is checked
        # by test_bad_scripts_fail_on_the_right_line)
        return pig is None and tern is None, pig or ["error", perr], tern or ["error", terr]
    return compare(pig, tern)


def test_corpus_is_big_enough():
    env = envelopes()
    assert len(SCRIPTS) >= 60 and len(env) >= 15
    assert sorted(env) == sorted(os.listdir(os.path.join(DATA, "messages")))
    text_all = "".join(open(os.path.join(DATA, "scripts", s), encoding="utf-8").read()
                       for s in SCRIPTS)
    for ext in EXTENSIONS:
        assert '"%s"' % ext in text_all, ext


def test_tern_and_pigeonhole_decide_the_same_actions(results):
    diffs = []
    agree = 0
    for (s, m), pig, perr, tern, terr, tout in results:
        ok, p, t = verdict(pig, perr, tern, terr)
        if ok:
            agree += 1
        else:
            diffs.append((s, m, p, t, tout))
    print("\nsievediff: %d pairs compared, %d agree (%d of them against the RFC's answer "
          "where Pigeonhole departs from it), %d differ"
          % (len(results), agree, sum(1 for r in results if r[0][0] in KNOWN_DEVIATIONS),
             len(diffs)))
    path = os.environ.get("SIEVE_DIFFS")
    if path and diffs:
        with open(path, "a") as f:
            f.write("\n=== sievediff run %s: %d of %d pairs differ\n"
                    % (time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()), len(diffs), len(results)))
            for s, m, p, t, tout in diffs:
                f.write("--- script %s  message %s\n  pigeonhole: %r\n  tern:       %r\n"
                        "  tern raw:   %r\n" % (s, m, p, t, tout))
    assert not diffs, "%d pairs differ, first: %r" % (len(diffs), diffs[:3])


def test_the_comparison_sees_differences():
    """the normalization does not make different decisions equal"""
    keep = [("store", "INBOX", "", "0")]
    assert not compare(keep, [("store", "INBOX", "\\seen", "0")])[0]
    assert not compare(keep, [("store", "Work", "", "0")])[0]
    assert not compare(keep, keep + [("redirect", "a@example.org")])[0]
    assert not compare([("reject", "no")], [("ereject", "no")])[0]
    assert parse_tern("discard\n") == [("discard",)]
    assert parse_tern("keep flags=\nkeep flags=\n") == keep
    assert parse_tern('fileinto mailbox="a\\"b" flags=\\Seen,X create=1 copy=0\n') == \
        [("store", 'a"b', "\\seen x", "1")]
    v = ('vacation to="s@example.com" handle="h" seconds=86400 from="" '
         'subject="Auto: x" mime=0 reason="away\\r\\n"\n')
    pig = [("vacation", "s@example.com", "86400", "Auto: x", "", "", "away\n")]
    assert compare(pig, parse_tern(v))[0] is False  # no keep on tern's side
    assert compare(pig + keep, parse_tern(v + "keep flags=\n"))[0]
    assert not compare(pig + keep, parse_tern(v.replace("86400", "172800") + "keep flags=\n"))[0]


def test_known_deviations_still_deviate(ph):
    """Pigeonhole still departs from the RFC where the list says so (a
    deviation that has gone away is taken off the list)"""
    env = envelopes()
    for s, (section, fix) in KNOWN_DEVIATIONS.items():
        with open(os.path.join(DATA, "scripts", s), "rb") as f:
            script = ph.stage("dev-" + s, f.read())
        differs = False
        for m in env:
            pig, err = ph.run(script, ph.stage("dev-" + m, message_bytes(m)), env[m])
            differs |= pig != fix(pig, message_bytes(m))
        assert differs, (s, section)


# ---- bad input ------------------------------------------------------

def tern_check(path):
    p = subprocess.run([TERN_BIN, "sieve", "check", path], capture_output=True, timeout=60)
    err = p.stderr.decode("utf-8", "replace")
    assert not sanitizer_reports(err), err
    return p.returncode, p.stdout.decode("utf-8", "replace") + err


def error_lines(out):
    return [int(l) for l in re.findall(r"^error (\d+):\d+:", out, re.M)]


BAD = sorted(os.listdir(os.path.join(DATA, "bad")))


@pytest.mark.parametrize("name", BAD)
def test_bad_scripts_fail_on_the_right_line(name, ph):
    path = os.path.join(DATA, "bad", name)
    with open(path) as f:
        expect = int(re.match(r"# expect-line: (\d+)", f.readline()).group(1))
    rc, out = tern_check(path)
    assert rc == 1, out
    assert error_lines(out) and error_lines(out)[0] == expect, out
    # Pigeonhole refuses it too
    with open(path, "rb") as f:
        script = ph.stage("bad-" + name, f.read())
    msg = ph.stage("bad-plain.eml", message_bytes("plain.eml"))
    acts, err = ph.run(script, msg, envelopes()["plain.eml"])
    assert acts is None and "error" in err, (acts, err)


def test_script_of_one_megabyte_is_refused(tmp_path):
    path = tmp_path / "big.sieve"
    body = "".join('if header :contains "subject" "word%06d" { keep; }\n' % i
                   for i in range(20000))
    assert len(body) > 1024 * 1024
    path.write_text("# 1 MB of rules\n" + body)
    rc, out = tern_check(str(path))
    assert rc == 1 and re.search(r"^error \d+:\d+: .*(size|large|long|bytes)", out, re.M | re.I), out


def test_ten_thousand_nested_blocks_are_refused(tmp_path):
    path = tmp_path / "nest.sieve"
    path.write_text("".join("if true {\n" for _ in range(10000)) + "keep;\n"
                    + "".join("}\n" for _ in range(10000)))
    t0 = time.monotonic()
    rc, out = tern_check(str(path))
    assert rc == 1, out
    # the error is where the nesting limit (sieve.max_nesting, 32: blocks
    # and tests) is passed, not at the end of the script: one block and
    # its test a line, so within the first 33 lines
    lines = error_lines(out)
    assert lines and 1 <= lines[0] <= 33, out
    assert time.monotonic() - t0 < 10


def test_regex_bombs_are_refused(tmp_path):
    # a back-reference makes glibc's matcher exponential: refused at
    # compile time, on its line
    path = tmp_path / "bomb.sieve"
    path.write_text('require ["regex"];\n# a bomb\n'
                    'if header :regex "subject" "^(a+)+\\\\1$" { discard; }\n')
    rc, out = tern_check(str(path))
    assert rc == 1 and error_lines(out)[:1] == [3], out
    # an enormous pattern is refused by length
    path.write_text('require ["regex"];\nif header :regex "subject" "%s" { discard; }\n'
                    % ("(a|b)*" * 20000))
    rc, out = tern_check(str(path))
    assert rc == 1 and error_lines(out)[:1] == [2], out
    # a nested-quantifier pattern without back-references compiles and,
    # run against a long subject, ends within the CPU limit
    path.write_text('require ["regex", "fileinto"];\n'
                    'if header :regex "subject" "^(a|aa)*(b|a*)*c$" { fileinto "x"; }\n')
    msg = tmp_path / "m.eml"
    msg.write_bytes(b"From: a@example.com\r\nSubject: " + b"a" * 4000 + b"\r\n\r\nx\r\n")
    t0 = time.monotonic()
    p = subprocess.run([TERN_BIN, "sieve", "test", str(path), str(msg)],
                       capture_output=True, timeout=60)
    assert time.monotonic() - t0 < 15
    assert p.returncode in (0, 1), p
    if p.returncode == 0:
        assert b'fileinto mailbox="x"' not in p.stdout, p.stdout


def test_include_loops_are_refused(tmp_path):
    """`tern sieve check` reads includes from the script's folder"""
    (tmp_path / "a.sieve").write_text('require "include";\ninclude "b";\n')
    (tmp_path / "b.sieve").write_text('require "include";\nkeep;\ninclude "a";\n')
    (tmp_path / "self.sieve").write_text('require "include";\n\ninclude :personal "self";\n')
    (tmp_path / "deep.sieve").write_text('require "include";\ninclude "d1";\n')
    for i in range(1, 12):
        (tmp_path / ("d%d.sieve" % i)).write_text('require "include";\ninclude "d%d";\n' % (i + 1))
    (tmp_path / "d12.sieve").write_text("keep;\n")
    # the loop is reported on the include that closes it: line 3 of b
    # (included from line 2 of a), line 3 of self
    rc, out = tern_check(str(tmp_path / "a.sieve"))
    assert rc == 1 and re.search(r"^error 3:\d+: b: .*loop", out, re.M), out
    assert 2 in error_lines(out), out
    rc, out = tern_check(str(tmp_path / "self.sieve"))
    assert rc == 1 and error_lines(out)[:1] == [3] and "loop" in out, out
    # twelve scripts deep passes sieve.max_include_depth (8)
    rc, out = tern_check(str(tmp_path / "deep.sieve"))
    assert rc == 1 and re.search(r"^error 2:\d+: .*(depth|deep|nest)", out, re.M | re.I), out
