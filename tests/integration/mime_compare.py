"""mime_compare - store the same messages in tern and in Dovecot and diff
every FETCH (ENVELOPE BODYSTRUCTURE BODY) answer.

Used by test_imap_dovecot.py and bench/mime-vs-dovecot.py.
"""
from imapraw import Raw, fetch_items

ITEMS = (b"ENVELOPE", b"BODYSTRUCTURE", b"BODY")


def load(port, user, pw, msgs, mailbox="INBOX"):
    c = Raw("127.0.0.1", port)
    c.login(user, pw)
    for m in msgs:
        c.append(mailbox, m)
    c.ok(b"SELECT " + mailbox.encode())
    return c


def fetch_all(c, items=ITEMS, batch=100, total=None):
    """{seq: {item: canonical bytes}}"""
    out = {}
    start = 1
    while total is None or start <= total:
        end = min(start + batch - 1, total) if total else "*"
        rng = b"%d:%s" % (start, str(end).encode())
        for r in c.ok(b"FETCH " + rng + b" (" + b" ".join(items) + b")"):
            if b" FETCH " in r[:30]:
                n, it = fetch_items(r)
                out[n] = it
        if total is None:
            break
        start += batch
    return out


def compare(tern_port, dove_port, user, pw, msgs, items=ITEMS):
    """Returns ({item: [differing seq]}, tern answers, dovecot answers)."""
    a = load(tern_port, user, pw, msgs)
    b = load(dove_port, user, pw, msgs)
    try:
        ta = fetch_all(a, items, total=len(msgs))
        da = fetch_all(b, items, total=len(msgs))
    finally:
        a.close()
        b.close()
    diffs = {it: [] for it in items}
    for n in range(1, len(msgs) + 1):
        for it in items:
            if ta.get(n, {}).get(it) != da.get(n, {}).get(it):
                diffs[it].append(n)
    return diffs, ta, da
