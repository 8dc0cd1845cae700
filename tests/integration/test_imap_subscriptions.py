"""Subscriptions are names, not mailboxes (RFC 9051 6.3.7, issue 12):
DELETE and RENAME leave the subscription list alone, LSUB and
LIST (SUBSCRIBED) show a subscribed name whose mailbox is gone
(\\NonExistent, RFC 5258 3.4; \\Noselect in LSUB), and a store made
when the subscription was a column of the mailbox row keeps its
subscriptions on upgrade. The answers are compared with Dovecot's."""
import re
import sqlite3

import pytest

import dovecotlib
import imapraw
from conftest import ALICE
from test_imap import Imap


def lines(u, word):
    """{name: sorted attrs} of the LIST/LSUB lines (names unquoted)"""
    out = {}
    for x in u:
        m = re.match(rb'\* ' + word + rb' \(([^)]*)\) "/" "?([^"]*?)"?'
                     rb'( \(.*)?$', x)
        if m:
            out[m.group(2).decode()] = sorted(m.group(1).decode().split())
    return out


def test_delete_keeps_subscription(tern):
    c = Imap(tern)
    c.login()
    c.ok("CREATE Proj")
    c.ok("SUBSCRIBE Proj")
    c.ok("DELETE Proj")
    assert lines(c.ok('LSUB "" Proj'), b"LSUB") == {"Proj": ["\\Noselect"]}
    assert lines(c.ok('LIST (SUBSCRIBED) "" Proj'), b"LIST") == \
        {"Proj": ["\\NonExistent", "\\Subscribed"]}
    # a plain LIST does not show the gone mailbox
    assert lines(c.ok('LIST "" Proj'), b"LIST") == {}
    assert lines(c.ok('LIST "" Proj RETURN (SUBSCRIBED)'), b"LIST") == {}
    # made again, it is subscribed again
    c.ok("CREATE Proj")
    assert lines(c.ok('LIST "" Proj RETURN (SUBSCRIBED)'), b"LIST") == \
        {"Proj": ["\\HasNoChildren", "\\Subscribed"]}
    # UNSUBSCRIBE of a gone name drops it
    c.ok("DELETE Proj")
    c.ok("UNSUBSCRIBE Proj")
    assert lines(c.ok('LSUB "" *'), b"LSUB").get("Proj") is None


def test_subscribe_needs_a_mailbox(tern):
    """RFC 9051 6.3.7 lets the server check: as Dovecot, SUBSCRIBE of a
    name without a mailbox is refused; UNSUBSCRIBE of any name is OK"""
    c = Imap(tern)
    c.login()
    r, _ = c.cmd("SUBSCRIBE nosuch")
    assert r.startswith(b"NO [NONEXISTENT]"), r
    c.ok("UNSUBSCRIBE nosuch")
    assert "nosuch" not in lines(c.ok('LSUB "" *'), b"LSUB")


def test_rename_leaves_subscriptions(tern):
    """RENAME renames mailboxes, not the names in the subscription list
    (as Dovecot): the old names stay subscribed and show \\NonExistent"""
    c = Imap(tern)
    c.login()
    for n in ("a", "a/b"):
        c.ok("CREATE " + n)
        c.ok("SUBSCRIBE " + n)
    c.ok("RENAME a z")
    assert lines(c.ok('LIST (SUBSCRIBED) "" *'), b"LIST").items() >= {
        "a": ["\\NonExistent", "\\Subscribed"],
        "a/b": ["\\NonExistent", "\\Subscribed"]}.items()
    got = lines(c.ok('LIST "" z* RETURN (SUBSCRIBED)'), b"LIST")
    assert got == {"z": ["\\HasChildren"], "z/b": ["\\HasNoChildren"]}
    # RECURSIVEMATCH: the gone "a" matches "%" on its own
    got = c.ok('LIST (SUBSCRIBED RECURSIVEMATCH) "" %')
    assert lines(got, b"LIST")["a"] == ["\\NonExistent", "\\Subscribed"]


def test_subscriptions_survive_restart(tern):
    c = Imap(tern)
    c.login()
    c.ok("CREATE keep")
    c.ok("SUBSCRIBE keep")
    c.ok("DELETE keep")
    c.close()
    tern.stop()
    tern.start()
    c = Imap(tern)
    c.login()
    assert lines(c.ok('LSUB "" keep'), b"LSUB") == {"keep": ["\\Noselect"]}


def test_old_store_upgrade_keeps_subscriptions(tern_factory):
    """a store with the old schema (subscribed a column of mailboxes, no
    subscriptions table), as tern before this change made it: the
    subscribed flags become subscriptions, the column goes"""
    t = tern_factory()
    t.add_account(*ALICE)
    t.start()
    c = Imap(t)
    c.login()
    c.ok("CREATE Old")
    c.ok("CREATE Other")
    c.close()
    t.stop()
    db = sqlite3.connect(t.data_dir + "/tern.db")
    db.execute("ALTER TABLE mailboxes ADD COLUMN subscribed"
               " INTEGER NOT NULL DEFAULT 0")
    db.execute("UPDATE mailboxes SET subscribed = 1"
               " WHERE name IN ('INBOX', 'Old')")
    db.execute("DROP TABLE subscriptions")
    db.commit()
    db.close()
    t.start()
    c = Imap(t)
    c.login()
    got = lines(c.ok('LSUB "" *'), b"LSUB")
    assert sorted(got) == ["INBOX", "Old"], got
    assert "store: subscriptions moved to their own table" in t.log()
    c.close()
    t.stop()
    db = sqlite3.connect(t.data_dir + "/tern.db")
    cols = [r[1] for r in db.execute("PRAGMA table_info(mailboxes)")]
    db.close()
    assert "subscribed" not in cols


# the same commands to tern and Dovecot; names under "P" (tern's new
# accounts have subscribed default mailboxes that Dovecot's lack)
SEQUENCE = [
    'SUBSCRIBE P',
    'UNSUBSCRIBE P',
    'CREATE P',
    'CREATE P/q',
    'SUBSCRIBE P',
    'SUBSCRIBE P/q',
    'LIST (SUBSCRIBED) "" P*',
    'DELETE P/q',
    'LSUB "" P*',
    'LIST (SUBSCRIBED) "" P*',
    'LIST "" P* RETURN (SUBSCRIBED)',
    'RENAME P R',
    'LIST (SUBSCRIBED) "" P*',
    'LIST "" R* RETURN (SUBSCRIBED)',
    'CREATE P',
    'LIST (SUBSCRIBED) "" P*',
    'UNSUBSCRIBE P/q',
    'LSUB "" P*',
]


def normalise(untagged, tagged):
    out = []
    for x in untagged:
        m = re.match(rb'\* (LIST|LSUB) \(([^)]*)\) (.*)$', x)
        if not m:
            out.append(x)
            continue
        # attribute order is free (RFC 9051 7.3.1); tern always gives
        # the CHILDREN attributes, Dovecot only when asked (RFC 5258 4
        # allows both)
        attrs = sorted(a for a in m.group(2).split()
                       if a not in (b"\\HasChildren", b"\\HasNoChildren"))
        # LSUB of a gone subscribed mailbox: tern says \Noselect, as
        # LIST-EXTENDED's \NonExistent implies; Dovecot gives ()
        if m.group(1) == b"LSUB":
            attrs = [a for a in attrs if a != b"\\Noselect"]
        out.append(b"* %s (%s) %s" % (m.group(1), b" ".join(attrs),
                                      m.group(3).replace(b'"', b"")))
    # the status word; the texts differ
    return sorted(out), tagged.split(b" ", 2)[1]


@pytest.mark.skipif(not dovecotlib.available(),
                    reason="dovecot-imapd is not installed "
                           "(scripts/install-deps.sh installs it)")
def test_subscriptions_as_dovecot(tern_factory):
    t = tern_factory()
    t.add_account(dovecotlib.USER, dovecotlib.PASSWORD)
    t.start()
    d = dovecotlib.Dovecot(extra=dovecotlib.SLASH_SEPARATOR)
    try:
        d.start()
        answers = []
        for port in (t.port("imap"), d.port):
            c = imapraw.Raw("127.0.0.1", port)
            c.login(dovecotlib.USER, dovecotlib.PASSWORD)
            answers.append([normalise(*c.cmd(x.encode())) for x in SEQUENCE])
            c.close()
    finally:
        d.stop()
    for cmd, a, b in zip(SEQUENCE, *answers):
        assert a == b, (cmd, a, b)
