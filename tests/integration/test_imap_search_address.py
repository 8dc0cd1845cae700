"""SEARCH FROM/TO/CC/BCC match the addresses (issue 12): the display name,
local part and domain as ENVELOPE shows them; not comments, group names
or the raw header text. test_imap_dovecot.py puts the same cases to
Dovecot."""
import imapraw
from conftest import ALICE

# the header of each message (1, 2, ...), and the SEARCH keys with the
# message numbers each must find
ADDRESS_MSGS = [
    "From: Alice Liddell <alice@example.test>",
    "From: bob@example.test (Bob the builder)",
    "To: Team: carol@example.test, Dave <dave@example.test>;",
    "From: =?UTF-8?Q?J=C3=B6rg_M=C3=BCller?= <joerg@example.test>",
    'From: "Liddell, Alice" <alice@example.test>',
    'From: "quoted local"@example.test',
    "Cc: Mixed Case <Victor@Example.TEST>",
    "Bcc: undisclosed-recipients:;",
    "From: eve@example.test (comment with alice)",
    "From: Frank <frank@example.test>, Grace <grace@example.test>",
    "From: Heidi (the (nested) comment) <heidi@example.test>",
]

# where tern and Dovecot agree
ADDRESS_SEARCHES = [
    (b"FROM alice", [1, 5, 9]),        # 9: the comment is ENVELOPE's name
    (b'FROM "Alice Liddell"', [1]),
    (b'FROM "alice@example"', [1, 5]),
    (b"FROM builder", [2]),
    (b"TO carol", [3]),
    (b'TO "Dave <dave"', [3]),
    (b"CHARSET UTF-8 FROM {5+}\r\nJ\xc3\xb6rg", [4]),
    (b'FROM "=?UTF-8"', []),           # not the raw encoded words
    (b'FROM "quoted local"', [6]),
    (b"CC victor@example.test", [7]),
    (b'FROM "liddell, alice"', [5]),
    (b'FROM "frank@example.test, grace"', []),
    (b'FROM "Heidi <heidi"', [11]),
    (b'FROM "example.test"', [1, 2, 4, 5, 6, 9, 10, 11]),
]

# HEADER FROM (RFC 3501 6.4.4) still matches the field's text
HEADER_SEARCHES = [
    (b"HEADER FROM nested", [11]),
    (b'HEADER TO "Team:"', [3]),
    (b"HEADER BCC undisclosed", [8]),
]

# where tern follows issue 12 and Dovecot differs: Dovecot matches group
# names, its own quoting ("\"Alice Liddell\" <alice@...>") and the
# quotes of a local part
ADDRESS_SEARCHES_TERN = [
    (b"TO Team", []),                  # a group name is no address
    (b"BCC undisclosed", []),
    (b"FROM nested", []),              # a comment is no part of it
    (b'FROM "quoted local@example"', [6]),
    (b'FROM "Alice Liddell <alice@example.test>"', [1]),
]


def load_address_msgs(port, user, pw):
    c = imapraw.Raw("127.0.0.1", port)
    c.login(user, pw)
    for h in ADDRESS_MSGS:
        c.append("INBOX", (h + "\r\nSubject: s\r\n\r\nbody\r\n").encode())
    c.ok(b"SELECT INBOX")
    return c


def search(c, key):
    untagged, tagged = c.cmd(b"SEARCH " + key)
    assert tagged.split(b" ")[1] == b"OK", (key, tagged)
    hits = [r for r in untagged if r.startswith(b"* SEARCH")]
    assert len(hits) == 1, untagged
    return [int(x) for x in hits[0].split()[2:]]


def test_search_address_keys_match_addresses(tern):
    c = load_address_msgs(tern.port("imap"), *ALICE)
    try:
        for key, want in ADDRESS_SEARCHES + ADDRESS_SEARCHES_TERN + \
                HEADER_SEARCHES:
            assert search(c, key) == want, key
    finally:
        c.close()
