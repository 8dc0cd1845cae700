"""The webmail's compose side in headless Chromium (browser.py): new
mail with an attachment reaches bob (read over IMAP, the same bytes),
a reply with an attachment is threaded and arrives, the draft is saved
in Drafts as the user types (one version at a time, seen over IMAP),
address completion offers past correspondents, the signature set in
Settings appears in new mail, and a bad address is refused before
anything is sent."""
import email
import email.policy
import imaplib
import os

import pytest


from browser import Browser                                     # noqa: E402
from conftest import (ALICE, BOB, JMAP_PROTOCOLS, WEBMAIL_MESSAGES,  # noqa: E402
                      webmail_deliver)
from jmap_client import JmapClient                              # noqa: E402
from ternlib import Tern                                        # noqa: E402


# --- one server and one logged-in browser for the whole file (starting
# them is most of a test's time); each test starts from a reloaded page,
# uses subjects of its own, and the one that sets a signature runs last
@pytest.fixture(scope="module")
def webmail_tern(tmp_path_factory):
    t = Tern(tmp_path_factory.mktemp("compose"), protocols=JMAP_PROTOCOLS)
    t.add_account(*ALICE)
    t.add_account(*BOB)
    t.start()
    try:
        for sender, subject, body in WEBMAIL_MESSAGES:
            webmail_deliver(t, ALICE[0], sender, subject, body)
        yield t
    finally:
        t.finish()               # SIGTERM, a clean exit checked


@pytest.fixture(scope="module")
def logged_in(webmail_tern):
    b = Browser(webmail_tern, name="compose")
    try:
        b.login(*ALICE)
        yield b
    finally:
        b.quit()


@pytest.fixture
def browser(logged_in):
    """The logged-in browser on a freshly loaded app (the cookie session
    is restored), at desktop size."""
    logged_in.desktop()
    logged_in.open("/")
    logged_in.wait_css("#compose-button")
    return logged_in


# --- helpers --------------------------------------------------------------
def imap_messages(t, who, box):
    """[(flags bytes, email.message.EmailMessage)] of a mailbox over IMAP."""
    m = imaplib.IMAP4("127.0.0.1", t.port("imap"))
    m.login(*who)
    typ, _ = m.select('"%s"' % box, readonly=True)
    assert typ == "OK"
    out = []
    typ, data = m.fetch("1:*", "(FLAGS BODY.PEEK[])")
    if typ == "OK":
        for item in data:
            if isinstance(item, tuple):
                out.append((item[0], email.message_from_bytes(item[1], policy=email.policy.default)))
    m.logout()
    return out


def wait_imap(b, t, who, box, subject, count=1):
    """Wait (polling IMAP, bounded) until box holds count messages with
    subject; returns them."""
    found = []

    def cond(_):
        nonlocal found
        found = [(f, m) for f, m in imap_messages(t, who, box) if m["subject"] == subject]
        return len(found) == count
    b.wait(cond, what="%d message(s) %r in %s of %s" % (count, subject, box, who[0]))
    return found


def attachment_bytes(msg, name):
    for part in msg.iter_attachments():
        if part.get_filename() == name:
            return part.get_content() if part.get_content_maintype() != "text" else part.get_content().encode()
    raise AssertionError("no attachment %s in %s" % (name, [p.get_filename() for p in msg.iter_attachments()]))


def open_compose(b, mode="new", email_id=None):
    """compose.js's openCompose as the app calls it (dynamic import)."""
    b.async_js("""
        const [mode, id, done] = arguments;
        import('/webmail/js/compose.js').then(m => m.openCompose({mode, emailId: id}))
          .then(() => done(true), e => done(String(e)));
    """, mode, email_id)
    return b.wait_css("#compose")


def attach(b, path):
    f = b.find("#compose-file")
    b.js("arguments[0].hidden = false;", f)    # chromedriver types into visible inputs
    f.send_keys(path)
    name = os.path.basename(path)
    b.wait_text("#compose-attachments li.done", name)


def type_into(b, css, text):
    e = b.find(css)
    e.clear()
    e.send_keys(text)
    return e


def make_file(tmp_path, name, size):
    p = tmp_path / name
    p.write_bytes(os.urandom(size))
    return str(p), p.read_bytes()


def email_id(t, who, subject):
    j = JmapClient(t, *who)
    try:
        r = j.call([["Email/query", {"filter": {"subject": subject}}, "q"],
                    ["Email/get", {"#ids": {"resultOf": "q", "name": "Email/query", "path": "/ids"},
                                   "properties": ["subject", "keywords", "mailboxIds"]}, "g"]])
        # the filter matches substrings ("Re: ..." too): the exact one
        return [e for e in r[1][1]["list"] if e["subject"] == subject][0]
    finally:
        j.close()


# --- tests ----------------------------------------------------------------
def test_compose_with_attachment_arrives(browser, webmail_tern, tmp_path):
    b = browser
    b.find("#compose-button").click()
    b.wait_css("#compose")
    type_into(b, "#compose-to", "Bob <bob@example.test>")
    type_into(b, "#compose-subject", "Photos from the trip")
    body = b.find("#compose-body")
    body.send_keys("Here they are.")
    path, data = make_file(tmp_path, "trip.bin", 150000)
    attach(b, path)
    b.shot("compose")
    b.find("#compose-send").click()
    b.wait_gone("#compose")
    b.wait_text(".compose-toast", "Message sent")
    (flags, msg), = wait_imap(b, webmail_tern, BOB, "INBOX", "Photos from the trip")
    assert msg["to"] == "Bob <bob@example.test>"
    assert "alice@example.test" in msg["from"]
    assert msg.get_body(("plain",)).get_content().startswith("Here they are.")
    assert attachment_bytes(msg, "trip.bin") == data
    # alice's copy: in Sent without $draft, and no draft left behind
    (flags, _), = wait_imap(b, webmail_tern, ALICE, "Sent", "Photos from the trip")
    assert b"\\Draft" not in flags
    assert not [m for _, m in imap_messages(webmail_tern, ALICE, "Drafts")
                if m["subject"] == "Photos from the trip"]


def test_reply_with_attachment(browser, webmail_tern, tmp_path):
    orig = email_id(webmail_tern, ALICE, "Quarterly report")
    b = browser
    open_compose(b, "reply", orig["id"])
    assert b.find("#compose-to").get_attribute("value") == "bob@example.test"
    assert b.find("#compose-subject").get_attribute("value") == "Re: Quarterly report"
    quoted = b.find("#compose-body").get_attribute("value")
    assert "> The numbers are in." in quoted
    b.find("#compose-body").send_keys("Looks good, see the notes.")
    path, data = make_file(tmp_path, "notes.pdf", 40000)
    attach(b, path)
    b.find("#compose-send").click()
    b.wait_gone("#compose")
    (_, msg), = wait_imap(b, webmail_tern, BOB, "INBOX", "Re: Quarterly report")
    parent = [m for _, m in imap_messages(webmail_tern, ALICE, "INBOX")
              if m["subject"] == "Quarterly report"][0]["message-id"]
    assert msg["in-reply-to"] == parent and parent in msg["references"]
    text = msg.get_body(("plain",)).get_content()
    assert text.startswith("Looks good, see the notes.") and "> The numbers are in." in text
    assert attachment_bytes(msg, "notes.pdf") == data
    assert email_id(webmail_tern, ALICE, "Quarterly report")["keywords"].get("$answered") is True


def test_reply_all_leaves_out_own_addresses(browser, webmail_tern):
    j = JmapClient(webmail_tern, *ALICE)
    inbox = [m["id"] for m in j.call([["Mailbox/get", {}, "0"]])[0][1]["list"] if m["role"] == "inbox"][0]
    r = j.call([["Email/set", {"create": {"m": {
        "mailboxIds": {inbox: True}, "messageId": ["team@remote.example"],
        "from": [{"name": "Bob", "email": "bob@example.test"}],
        "to": [{"email": "alice@example.test"}, {"name": "Erin", "email": "erin@remote.example"}],
        "cc": [{"email": "ALICE@example.test"}, {"email": "frank@remote.example"}],
        "subject": "Team dinner", "textBody": [{"partId": "1"}],
        "bodyValues": {"1": {"value": "Who comes?\n"}}}}}, "0"]])
    j.close()
    b = browser
    open_compose(b, "replyAll", r[0][1]["created"]["m"]["id"])
    assert b.find("#compose-to").get_attribute("value") == "Bob <bob@example.test>, Erin <erin@remote.example>"
    assert b.find("#compose-cc").get_attribute("value") == "frank@remote.example"
    assert b.find("#compose-subject").get_attribute("value") == "Re: Team dinner"
    b.find("#compose-discard").click()
    b.wait_gone("#compose")


def test_forward_as_attachment_rich_text(browser, webmail_tern):
    orig = email_id(webmail_tern, ALICE, "Lunch on Friday?")
    b = browser
    open_compose(b, "forward", orig["id"])
    assert b.find("#compose-subject").get_attribute("value") == "Fwd: Lunch on Friday?"
    assert "Shall we meet at noon?" in b.find("#compose-body").get_attribute("value")
    b.find("#compose-fwd-attached").click()             # the original as message/rfc822
    b.wait_text("#compose-attachments li.done", "Lunch on Friday_.eml")
    assert "Shall we meet at noon?" not in b.find("#compose-body").get_attribute("value")
    type_into(b, "#compose-to", "bob@example.test")
    b.find("#compose-rich-toggle").click()
    rich = b.wait_css("#compose-rich")
    rich.send_keys("See ")
    b.find('.compose-fmt [data-cmd="bold"]').click()
    rich.send_keys("below")
    b.find("#compose-send").click()
    b.wait_gone("#compose")
    (_, msg), = wait_imap(b, webmail_tern, BOB, "INBOX", "Fwd: Lunch on Friday?")
    assert "<b>below</b>" in msg.get_body(("html",)).get_content()
    assert msg.get_body(("plain",)).get_content().startswith("See below")
    fwd = [p for p in msg.iter_attachments() if p.get_content_type() == "message/rfc822"]
    assert len(fwd) == 1 and fwd[0].get_content()["subject"] == "Lunch on Friday?"


def test_draft_autosave_visible_over_imap(browser, webmail_tern):
    b = browser
    open_compose(b)
    type_into(b, "#compose-to", "bob@example.test")
    type_into(b, "#compose-subject", "Plans for the weekend")
    b.find("#compose-body").send_keys("First thoughts")
    b.wait_text("#compose-status", "Draft saved")
    (flags, msg), = wait_imap(b, webmail_tern, ALICE, "Drafts", "Plans for the weekend")
    assert b"\\Draft" in flags and "First thoughts" in msg.get_body(("plain",)).get_content()
    # more typing: a new version replaces the old one (still exactly one)
    b.js("document.getElementById('compose-status').textContent = ''")
    b.find("#compose-body").send_keys(" and second thoughts")
    b.wait_text("#compose-status", "Draft saved")
    (flags, msg), = wait_imap(b, webmail_tern, ALICE, "Drafts", "Plans for the weekend")
    assert "First thoughts and second thoughts" in msg.get_body(("plain",)).get_content()
    # opened from the Drafts folder, it comes back in compose as
    # written; Discard removes it
    b.find("#compose .compose-close").click()
    b.wait_gone("#compose")
    draft = email_id(webmail_tern, ALICE, "Plans for the weekend")
    b.find('#mailboxes a[data-role="drafts"]').click()
    b.wait_css('.row[data-id="%s"]' % draft["id"]).click()
    b.wait_css("#compose")
    assert b.find("#compose-subject").get_attribute("value") == "Plans for the weekend"
    assert b.find("#compose-to").get_attribute("value") == "bob@example.test"
    assert "second thoughts" in b.find("#compose-body").get_attribute("value")
    b.find("#compose-discard").click()
    b.wait_gone("#compose")
    wait_imap(b, webmail_tern, ALICE, "Drafts", "Plans for the weekend", count=0)


def test_completion_offers_past_correspondents(browser, webmail_tern):
    # a message alice sent earlier (in Sent) and one she answered
    j = JmapClient(webmail_tern, *ALICE)
    boxes = {m["role"]: m["id"] for m in j.call([["Mailbox/get", {}, "0"]])[0][1]["list"] if m["role"]}
    r = j.call([["Email/set", {"create": {"s": {
        "mailboxIds": {boxes["sent"]: True}, "keywords": {"$seen": True},
        "from": [{"email": "alice@example.test"}],
        "to": [{"name": "Zed Zimmer", "email": "zed@elsewhere.test"}], "subject": "Old news",
        "textBody": [{"partId": "1"}], "bodyValues": {"1": {"value": "old\n"}}}}}, "0"]])
    assert "s" in r[0][1]["created"]
    lunch = email_id(webmail_tern, ALICE, "Lunch on Friday?")
    j.call([["Email/set", {"update": {lunch["id"]: {"keywords/$answered": True}}}, "0"]])
    j.close()
    b = browser
    open_compose(b)
    to = b.find("#compose-to")
    to.send_keys("zi")
    b.wait_text(".compose-suggest li", "Zed Zimmer <zed@elsewhere.test>")
    to.send_keys("\n")                                  # Enter takes it
    assert to.get_attribute("value") == "Zed Zimmer <zed@elsewhere.test>, "
    to.send_keys("da")
    b.wait_text(".compose-suggest li", "dave@remote.example")
    # someone alice never wrote to nor answered is not offered
    to.send_keys("\b\bcar")
    b.wait(lambda d: not b.find(".compose-suggest").is_displayed(), what="no suggestion for car")
    b.shot("completion")


def test_bad_address_refused(browser, webmail_tern):
    b = browser
    open_compose(b)
    type_into(b, "#compose-to", "bob@example.test, not an address")
    type_into(b, "#compose-subject", "Never sent")
    b.find("#compose-send").click()
    b.wait_text("#compose-status", "Not an address: not an address")
    type_into(b, "#compose-to", "")
    b.find("#compose-send").click()
    b.wait_text("#compose-status", "Say who the message is for")
    assert b.find("#compose").is_displayed()
    # on a phone the view takes the whole width
    b.phone()
    b.wait(lambda d: b.js("return document.getElementById('compose').getBoundingClientRect().width") <= 390,
           what="compose within 390 px")
    b.shot("compose-phone")
    assert not [m for _, m in imap_messages(webmail_tern, BOB, "INBOX") if m["subject"] == "Never sent"]

def test_signature_from_settings(browser, webmail_tern):
    b = browser
    b.find("#settings-button").click()
    form = b.wait_css('#settings form[data-identity="alice@example.test"]')
    name = form.find_element("css selector", ".ident-name")
    name.clear()
    name.send_keys("Alice Liddell")
    form.find_element("css selector", ".ident-sig").send_keys("Alice\nWonderland Ltd.")
    form.find_element("css selector", "button[type=submit]").click()
    b.wait_text("#settings .compose-status", "Saved")
    b.shot("settings")
    b.find("#settings .compose-close").click()
    b.find("#compose-button").click()
    b.wait_css("#compose")
    assert b.find("#compose-body").get_attribute("value") == "\n\n-- \nAlice\nWonderland Ltd."
    assert b.find("#compose-from option:checked").text == "Alice Liddell <alice@example.test>"
    j = JmapClient(webmail_tern, *ALICE)
    ident = [i for i in j.call([["Identity/get", {}, "0"]])[0][1]["list"] if i["email"] == ALICE[0]][0]
    j.close()
    assert ident["textSignature"] == "Alice\nWonderland Ltd." and ident["name"] == "Alice Liddell"


def test_no_script_errors(browser):
    """Last: nothing in this file's browser session logged a script error
    (network 401/404 before login are not script errors)."""
    errors = [m for m in browser.console()
              if m["level"] == "SEVERE" and m.get("source") != "network"]
    assert errors == []
