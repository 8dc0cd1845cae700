"""tern's Authentication-Results (src/mailauth/authres.c) against an
independent RFC 8601 implementation, Debian's python3-authres.

A small probe program linked with build's libtern.a builds fields from
the inputs below and answers authres_claims(); python3-authres parses
the fields tern builds back into the same methods, results and
properties, and for every field it can parse (its own examples, RFC
8601's, hostile ones) tern claims exactly the authserv-id it finds."""
import os
import subprocess

import pytest

import authres
import authres.dmarc  # noqa: F401  (registers dmarc's header.from/policy.dmarc)

from ternlib import TERN_BIN

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PROBE_C = r'''
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mailauth/authres.h"

static const char *opt(const char *s) { return s[0] ? s : NULL; }

/* build ID SPF(4) NDKIM DKIM(6 each) DMARC(4)  -> the field
 * claims ID < field                              -> 1 or 0 */
int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "claims") == 0) {
		static char buf[65536];
		size_t n = fread(buf, 1, sizeof buf, stdin);
		printf("%d\n", authres_claims(buf, n, argv[2]));
		return 0;
	}
	int i = 3, nd;
	struct authres_spf spf = { opt(argv[i]), opt(argv[i+1]), opt(argv[i+2]), opt(argv[i+3]) };
	i += 4;
	nd = atoi(argv[i++]);
	struct authres_dkim dk[8];
	for (int k = 0; k < nd; k++, i += 6)
		dk[k] = (struct authres_dkim){ opt(argv[i]), opt(argv[i+1]), opt(argv[i+2]),
					       opt(argv[i+3]), opt(argv[i+4]), opt(argv[i+5]) };
	struct authres_dmarc dm = { opt(argv[i]), opt(argv[i+1]), opt(argv[i+2]), opt(argv[i+3]) };
	struct authres_input in = { spf.result ? &spf : NULL, dk, (size_t)nd, true,
				    dm.result ? &dm : NULL };
	char *f = authres_build(argv[2], &in);
	if (!f) return 1;
	fputs(f, stdout);
	free(f);
	return 0;
}
'''


@pytest.fixture(scope="module")
def probe(tmp_path_factory):
    build = os.path.dirname(os.path.abspath(TERN_BIN))
    lib = os.path.join(build, "libtern.a")
    assert os.path.exists(lib), lib
    d = tmp_path_factory.mktemp("probe")
    src, exe = str(d / "probe.c"), str(d / "probe")
    with open(src, "w") as f:
        f.write(PROBE_C)
    libs = subprocess.run(["pkg-config", "--libs", "libuv", "openssl", "sqlite3",
                           "libsodium", "libunbound", "zlib", "libutf8proc", "libpsl"],
                          capture_output=True, text=True, check=True).stdout.split()
    san = ["-fsanitize=address,undefined"] if "build-san" in build else []
    subprocess.run(["cc", "-std=c11", "-D_GNU_SOURCE", *san, "-I", os.path.join(REPO, "src"),
                    "-o", exe, src, lib, *libs, "-lpthread", "-lm"], check=True)
    return exe


def build(probe, authserv_id, spf=("", "", "", ""), dkim=(), dmarc=("", "", "", "")):
    args = [probe, "build", authserv_id, *spf, str(len(dkim))]
    for d in dkim:
        args += list(d)
    args += list(dmarc)
    p = subprocess.run(args, capture_output=True, check=True)
    return p.stdout.decode()


def claims(probe, field, authserv_id):
    p = subprocess.run([probe, "claims", authserv_id], input=field.encode(),
                       capture_output=True, check=True)
    return p.stdout.strip() == b"1"


def parse(field):
    """python3-authres takes the unfolded field without its CRLF"""
    return authres.AuthenticationResultsHeader.parse(
        field.replace("\r\n\t", " ").replace("\r\n ", " ").rstrip("\r\n"))


CASES = [
    dict(spf=("pass", "user@example.net", "mail.example.net", ""),
         dkim=[("pass", "example.net", "t20261203r", "rsa-sha256", "abc/def+", ""),
               ("fail", "example.net", "t20261203e", "ed25519-sha256", "xyzxyzxy",
                "body hash did not verify")],
         dmarc=("pass", "example.net", "none", "p=reject sp=none pct=100 dis=none")),
    dict(spf=("softfail", "", "helo.example.org", "no (comment) closing \\"),
         dkim=[], dmarc=("fail", "sub.example.org", "quarantine", "")),
    dict(spf=("temperror", "a.very.long.local.part.of.an.address@a-very-long-sub-domain"
              ".of.an.organization.example.com", "x" * 60 + ".example", ""),
         dkim=[("permerror", "d" * 63 + ".example", "s", "rsa-sha1", "", "key too short")],
         dmarc=("permerror", "", "", "")),
    dict(spf=("none", "", "", ""), dkim=[], dmarc=("", "", "", "")),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_reference_parses_what_tern_builds(probe, case):
    c = CASES[case]
    field = build(probe, "mx.example.com", c["spf"], c["dkim"], c["dmarc"])
    for line in field.split("\r\n"):
        assert len(line) <= 78 or " " not in line.strip(), field
    h = parse(field)
    assert h.authserv_id == "mx.example.com"
    want = [("spf", c["spf"][0], [("smtp", "mailfrom", c["spf"][1]),
                                  ("smtp", "helo", c["spf"][2])])]
    if not c["dkim"]:
        want.append(("dkim", "none", []))
    for d in c["dkim"]:
        want.append(("dkim", d[0], [("header", "d", d[1]), ("header", "s", d[2]),
                                    ("header", "a", d[3]), ("header", "b", d[4])]))
    if c["dmarc"][0]:
        want.append(("dmarc", c["dmarc"][0], [("header", "from", c["dmarc"][1]),
                                              ("policy", "dmarc", c["dmarc"][2])]))
    got = [(r.method, r.result, [(p.type, p.name, p.value) for p in r.properties])
           for r in h.results]
    want = [(m, r, [p for p in props if p[2]]) for m, r, props in want]
    assert got == want, field
    assert claims(probe, field, "MX.example.com")


FIELDS = [
    # RFC 8601 appendix B
    "Authentication-Results: example.org 1; none",
    "Authentication-Results: example.com;\r\n          spf=pass smtp.mailfrom=example.net",
    "Authentication-Results: example.com;\r\n          auth=pass (cram-md5) "
    "smtp.auth=sender@example.net;\r\n          spf=pass smtp.mailfrom=example.net",
    "Authentication-Results: example.com;\r\n          sender-id=pass header.from=example.net",
    "Authentication-Results: example.com;\r\n          dkim=pass (good signature) "
    "header.d=mail-router.example.net;\r\n          dkim=fail (bad signature) "
    "header.d=newyork.example.com",
    "Authentication-Results: mail-router.example.net;\r\n          dkim=pass (good signature) "
    "header.d=newyork.example.com\r\n                header.b=oINEO8hg;\r\n          "
    "dkim=fail (bad signature) header.d=mail-router.example.net\r\n                "
    "header.b=EToRSuvU",
    # comments and odd spacing
    "Authentication-Results: mx.example.com (the receiver) ; spf=pass smtp.mailfrom=a@b.example",
    "Authentication-Results:mx.example.com;dkim=none",
    "Authentication-Results: MX.Example.COM 1 ; none",
    "Authentication-Results: mx.example.com.evil; none",
    "Authentication-Results: mx.example; none",
]


@pytest.mark.parametrize("i", range(len(FIELDS)))
def test_claims_agrees_with_reference(probe, i):
    field = FIELDS[i]
    aid = parse(field).authserv_id
    assert claims(probe, field, aid)
    assert claims(probe, field, aid.upper())
    assert claims(probe, field + "\r\n", aid)
    assert not claims(probe, field, aid + "x")
    assert not claims(probe, field, "x" + aid)
    assert not claims(probe, "X-" + field, aid)
    assert not claims(probe, "ARC-" + field, aid)
