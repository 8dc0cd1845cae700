"""The webmail's reading side in a real browser (headless Chromium via
Selenium, browser.py): login, live delivery, opening, search, moves seen
live by a second session, the keyboard, the phone layout, virtual
scrolling, the script budget, and the hostile HTML corpus
(tests/data/webmail-hostile/*.eml) which must run no script and load
nothing remote."""
import glob
import http.server
import os
import smtplib
import threading

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.keys import Keys

from conftest import ALICE, webmail_deliver
from jmap_client import JmapClient
from ternlib import REPO

HOSTILE = sorted(glob.glob(os.path.join(REPO, "tests", "data", "webmail-hostile", "*.eml")))


def login(b):
    b.login(*ALICE, form="#login")
    b.wait_css("#list-rows .row[data-id]")
    return b


def row(b, subject):
    """The list's row showing subject (the rows are redrawn as the list
    changes: find it again rather than keep it long)."""
    return b.wait_text("#list-rows .row[data-id]", subject)


def click_row(b, subject):
    """Click the row showing subject (found and clicked in one script:
    a redraw between finding and clicking cannot leave a stale element)."""
    row(b, subject)
    assert b.js("""const r = [...document.querySelectorAll('#list-rows .row[data-id]')]
        .find(e => e.textContent.includes(arguments[0]));
        if (r) r.querySelector('.subject').click(); return !!r""", subject), subject


def cursor_id(b):
    return b.js("const c = document.querySelector('#list-rows .row.cursor');"
                "return c ? c.dataset.id : null")


def jmap_call(t, calls):
    """One JMAP request as alice on a new connection (a kept-alive one
    may have been closed by the server while the browser worked)."""
    j = JmapClient(t, *ALICE)
    try:
        return j.call(calls)
    finally:
        j.close()


def jmap_ids(t, filt):
    r = jmap_call(t, [["Email/query", {"filter": filt}, "q"]])
    return r[0][1]["ids"]


def mailbox_id(t, role=None, name=None):
    r = jmap_call(t, [["Mailbox/get", {"ids": None}, "m"]])
    for m in r[0][1]["list"]:
        if (role and m["role"] == role) or (name and m["name"] == name):
            return m["id"]
    raise AssertionError("no mailbox %s" % (role or name))


def test_login_live_delivery_open_search_move(webmail_tern, browser_factory):
    t = webmail_tern
    b = login(browser_factory(t, name="read"))
    row(b, "Lunch on Friday?")
    assert b.find("#mailboxes a[data-role=inbox] .unread").text == "3"
    b.shot("inbox")

    # a message delivered over SMTP appears without a reload
    webmail_deliver(t, ALICE[0], "erin@remote.example", "Fresh news",
                    "Delivered while you watch.\r\n")
    row(b, "Fresh news")
    b.wait_text("#mailboxes a[data-role=inbox] .unread", "4")

    # open it: the body is shown, it becomes read (the count follows)
    click_row(b, "Fresh news")
    b.wait_text("#reader .body-text", "Delivered while you watch.")
    b.wait_text("#mailboxes a[data-role=inbox] .unread", "3")
    b.shot("reader")

    # search: the results list with the match highlighted
    box = b.find("#search-input")
    box.send_keys("Quarterly", Keys.ENTER)
    b.wait_text("#list-title", "Quarterly")
    b.wait(lambda d: len(b.find_all("#list-rows .row[data-id]")) == 1, what="one result")
    assert "Quarterly report" in b.find("#list-rows .row[data-id]").text
    b.shot("search")

    # move "Lunch" to a new folder; a second session sees it leave live
    jmap_call(t, [["Mailbox/set", {"create": {"p": {"name": "Projects"}}}, "c"]])
    b2 = login(browser_factory(t, name="read-second"))
    row(b2, "Lunch on Friday?")
    b.wait_css('#mailboxes a[data-role=inbox]').click()
    click_row(b, "Lunch on Friday?")
    b.wait_css("#reader [data-action=move]").click()
    b.wait_text(".menu button", "Projects").click()
    b2.wait(lambda d: "Lunch on Friday?" not in b2.find("#list-rows").text,
            what="the moved row gone in the second session")
    projects = mailbox_id(t, name="Projects")
    lunch = jmap_ids(t, {"subject": "Lunch on Friday"})
    assert jmap_ids(t, {"inMailbox": projects}) == lunch
    b2.wait_text("#mailboxes a", "Projects").click()
    row(b2, "Lunch on Friday?")

    # a reload keeps the session; logout ends it
    b.driver.refresh()
    b.wait_css("#list-rows .row[data-id]")
    b.find("#logout-button").click()
    b.wait_css("#login input[name=username]")
    assert b.fetch("GET", "/webmail/session")["status"] == 401


def test_keyboard_and_phone(webmail_tern, browser_factory):
    t = webmail_tern
    b = login(browser_factory(t, name="keys"))
    body = b.find("body")
    row(b, "Quarterly report")
    # newest first: j moves the cursor down, k up, o opens
    body.send_keys("j")
    first = b.wait(lambda d: cursor_id(b), what="the cursor")
    body.send_keys("j")
    b.wait(lambda d: cursor_id(b) not in (None, first), what="cursor moved down")
    body.send_keys("k")
    b.wait(lambda d: cursor_id(b) == first, what="cursor moved up")
    body.send_keys("o")
    b.wait_css("#reader .msg")
    # s stars, u marks unread, # deletes to Trash
    body.send_keys("s")
    b.wait(lambda d: jmap_ids(t, {"hasKeyword": "$flagged"}) == [first], what="starred")
    body.send_keys("#")
    trash = mailbox_id(t, role="trash")
    b.wait(lambda d: jmap_ids(t, {"inMailbox": trash}) == [first], what="in Trash")
    b.wait(lambda d: first not in b.js("return [...document.querySelectorAll("
                                       "'#list-rows .row[data-id]')].map(e => e.dataset.id)"),
           what="the row gone")
    # e archives the cursor's message, ? shows the help
    body.send_keys("j")
    target = b.wait(lambda d: cursor_id(b), what="the cursor")
    body.send_keys("e")
    archive = mailbox_id(t, role="archive")
    b.wait(lambda d: target in jmap_ids(t, {"inMailbox": archive}), what="archived")
    body.send_keys("?")
    b.wait_text("#help-dialog", "archive")
    b.shot("help")
    b.find("#help-dialog button").click()
    # "/" focuses the search box
    body.send_keys("/")
    b.wait(lambda d: d.switch_to.active_element.get_attribute("id") == "search-input",
           what="search focused")
    # Escape leaves the box; c opens W-compose's view (compose.js)
    b.driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    b.wait(lambda d: d.switch_to.active_element.get_attribute("id") != "search-input",
           what="search left")
    body.send_keys("c")
    b.wait_css("#compose")

    # the phone layout: one column, no sideways scrolling, the reader
    # replaces the list, the folders open from the menu button
    b.phone()
    b.driver.refresh()
    row(b, "Lunch on Friday?")
    assert b.js("return document.documentElement.scrollWidth") <= 390
    assert not b.find("#mailboxes").is_displayed()
    b.shot("phone-list")
    click_row(b, "Lunch on Friday?")
    b.wait_text("#reader .body-text", "Shall we meet at noon?")
    assert not b.find("#list-pane").is_displayed()
    assert b.js("return document.documentElement.scrollWidth") <= 390
    b.shot("phone-reader")
    b.find("#reader [data-action=back]").click()
    b.wait_css("#list-pane")
    b.find("#menu-toggle").click()
    b.wait_css("#mailboxes a[data-role=inbox]")
    b.shot("phone-folders")


def test_virtual_scrolling_and_script_budget(webmail_tern, browser_factory):
    t = webmail_tern
    n = 400
    with smtplib.SMTP("127.0.0.1", t.port("smtp"), timeout=60) as s:
        for i in range(n):
            s.sendmail("bulk@remote.example", [ALICE[0]],
                       ("From: bulk@remote.example\r\nTo: %s\r\nSubject: bulk %04d\r\n"
                        "Date: Thu, 3 Dec 2026 10:%02d:%02d +0000\r\n\r\nbody %d\r\n"
                        % (ALICE[0], i, i // 60 % 60, i % 60, i)).encode())
    b = login(browser_factory(t, name="scroll"))
    # only the rows in view (plus a margin) are in the DOM
    b.wait(lambda d: b.js("return document.getElementById('list-spacer').offsetHeight")
           >= (n + 3) * 56, what="the whole list's height")
    assert len(b.find_all("#list-rows .row")) < 60
    # sort by subject ascending, then scroll to the end: the last rows load
    b.js("const s = document.getElementById('sort-select'); s.value = 'subject';"
         "s.dispatchEvent(new Event('change'))")
    row(b, "bulk 0000")
    b.js("const l = document.getElementById('list-scroll'); l.scrollTop = l.scrollHeight")
    row(b, "Welcome to the webmail")
    assert len(b.find_all("#list-rows .row")) < 60
    b.shot("scrolled")
    # the script the login and inbox page loaded stays under 300 KB
    size = b.js("""return performance.getEntriesByType('resource')
        .filter(e => /\\.m?js$/.test(new URL(e.name).pathname))
        .reduce((a, e) => a + e.decodedBodySize, 0)""")
    assert 0 < size < 300 * 1024, size


class Recorder(http.server.BaseHTTPRequestHandler):
    """The 'remote' server the hostile mail points at: every request is
    a failure of the webmail's blocking."""
    requests = []

    def do_GET(self):
        Recorder.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_GET

    def log_message(self, *a):
        pass


@pytest.fixture
def remote_server():
    Recorder.requests = []
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    yield srv
    srv.shutdown()
    srv.server_close()


# a 1x1 PNG
PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
RELATED = ("From: carol@remote.example\r\nTo: alice@example.test\r\n"
           "Subject: inline and attached\r\nMIME-Version: 1.0\r\n"
           "Content-Type: multipart/mixed; boundary=m\r\n\r\n"
           "--m\r\nContent-Type: multipart/related; boundary=r\r\n\r\n"
           "--r\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
           "<p id=\"marker\">logo:</p><img id=\"logo\" src=\"cid:logo@remote.example\">\r\n"
           "--r\r\nContent-Type: image/png\r\nContent-ID: <logo@remote.example>\r\n"
           "Content-Transfer-Encoding: base64\r\n\r\n" + PNG + "\r\n--r--\r\n"
           "--m\r\nContent-Type: text/plain; name=notes.txt\r\n"
           "Content-Disposition: attachment; filename=notes.txt\r\n\r\n"
           "attached bytes 12345\r\n--m--\r\n")


def deliver_raw(t, text):
    with smtplib.SMTP("127.0.0.1", t.port("smtp"), timeout=30) as s:
        s.sendmail("mallory@evil.example", [ALICE[0]], text.encode())


def pwned(b):
    """The canary: any script of the mail would set top.tern_pwned (or a
    frame's own), or open an alert."""
    try:
        b.driver.switch_to.alert
        return "alert"
    except NoAlertPresentException:
        pass
    return b.js("""
        if (window.tern_pwned !== undefined) return 'top:' + window.tern_pwned;
        for (const f of document.querySelectorAll('iframe')) {
            try { if (f.contentWindow.tern_pwned !== undefined) return 'frame'; }
            catch (e) { /* another origin: it cannot reach us either */ }
        }
        return null""")


def test_hostile_corpus(webmail_tern, browser_factory, remote_server):
    t = webmail_tern
    origin = "http://127.0.0.1:%d" % remote_server.server_address[1]
    assert len(HOSTILE) >= 10
    for path in HOSTILE:
        text = open(path, newline="").read()
        text = text.replace("ORIGIN_HOSTPORT", origin[len("http://"):])
        deliver_raw(t, text.replace("ORIGIN", origin))
    b = login(browser_factory(t, name="hostile"))
    for path in HOSTILE:
        name = os.path.basename(path)[:-4]
        subject = open(path, newline="").read().split("Subject: ", 1)[1].split("\r\n", 1)[0]
        b.js("location.hash = '#m/' + document.querySelector("
             "'#mailboxes a[data-role=inbox]').dataset.id")
        click_row(b, subject)
        frame = b.wait_css("#reader iframe")
        # the sanitized body rendered (the marker paragraph is in the frame)
        b.wait(lambda d: b.js("const f = document.querySelector('#reader iframe');"
                              "const m = f && f.contentDocument &&"
                              " f.contentDocument.getElementById('marker');"
                              "return m ? m.textContent : ''") == subject,
               what="the body of " + name)
        # the sanitizer left nothing active in the body (the sandbox and
        # the CSP are the second and third lines of defence)
        left = b.js("""const d = document.querySelector('#reader iframe').contentDocument;
            const bad = [...d.body.querySelectorAll('script,form,input,iframe,frame,object,'
                + 'embed,base,meta,link,svg,math,style[src]')].map(e => e.tagName);
            for (const e of d.querySelectorAll('*'))
                for (const a of e.attributes)
                    if (/^on/i.test(a.name) || /^\\s*(javascript|vbscript):/i.test(a.value)
                        || (/href$/i.test(a.name) && /^\\s*data:/i.test(a.value)))
                        bad.push(e.tagName + ' ' + a.name);
            return bad""")
        assert left == [], (name, left)
        # the frame: sandboxed without scripts, a CSP of its own
        assert "allow-scripts" not in frame.get_attribute("sandbox")
        assert "script-src 'none'" in frame.get_attribute("srcdoc")
        # clicking every link inside must not run anything either
        b.js("const d = document.querySelector('#reader iframe').contentDocument;"
             "for (const a of d.querySelectorAll('a[href]'))"
             " if (!/^https?:/.test(a.href)) a.click();")
        assert pwned(b) is None, name
        assert Recorder.requests == [], (name, Recorder.requests)
        b.shot("hostile-" + name)
    assert pwned(b) is None and Recorder.requests == []

    # remote images come only when the user asks, for that message
    b.js("location.hash = '#m/' + document.querySelector("
         "'#mailboxes a[data-role=inbox]').dataset.id")
    click_row(b, "hostile remote images")
    b.wait_text("#reader .remote-notice", "Remote images are blocked")
    assert origin not in b.find("#reader iframe").get_attribute("srcdoc")
    b.find("#reader .show-images").click()
    b.wait(lambda d: origin + "/img.png" in
           (b.find("#reader iframe").get_attribute("srcdoc") or ""),
           what="the remote image allowed")
    assert not b.find_all("#reader .remote-notice")

    # cid: images come from their part, attachments download
    deliver_raw(t, RELATED)
    b.js("location.hash = '#m/' + document.querySelector("
         "'#mailboxes a[data-role=inbox]').dataset.id")
    click_row(b, "inline and attached")
    b.wait(lambda d: b.js("const f = document.querySelector('#reader iframe');"
                          "const i = f && f.contentDocument && f.contentDocument.getElementById('logo');"
                          "return i && i.complete && i.naturalWidth === 1"),
           what="the cid: image shown")
    link = b.wait_text("#reader .attachments a", "notes.txt")
    got = b.fetch("GET", link.get_attribute("href"))
    assert got["status"] == 200 and "attached bytes 12345" in got["body"], got
    b.shot("inline-attached")
