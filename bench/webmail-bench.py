#!/usr/bin/env python3
"""webmail-bench.py - tern's webmail against Roundcube in a real browser.

    bench/webmail-bench.py [--tern build/tern] [--runs 10] [-n 500]
                           [--only roundcube|tern] [--shots DIR]

Starts one tern (IMAP and HTTPS on loopback) and APPENDs n generated
messages to one account's INBOX; starts Debian's Roundcube (PHP's
built-in server, bench/roundcubelib.py) reading that same account over
tern's IMAP, so both webmails show the same mailbox. Then, in headless
Chromium driven by Selenium, for each webmail and each run: clear the
cookies, load the login page, submit the login form and time

  list: until the inbox shows its first 50 rows (rows in the DOM; the
        window is 1280x3000 so that 50 rows are in view in both)
  open: from a click on the newest message until its body is visible

The page itself takes the times (bench/webmail-watch.js, injected into
every page: from the click's pointerdown to the first animation frame
where the condition holds), so WebDriver's round trips are not in them.
Prints the median and p90 of each and the ratio Roundcube/tern (above 1:
tern is faster). The browser cache stays warm between runs (a returning
user); the first run of each, with a cold cache, is shown apart.
Needs: chromium chromium-driver python3-selenium roundcube-core
roundcube-sqlite3 php-cli (Debian; scripts/install-deps.sh dev). Never
fails on a time."""
import argparse
import email.utils
import imaplib
import json
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import roundcubelib  # noqa: E402
import ternlib  # noqa: E402

USER = "bench@example.test"
PASSWORD = "bench-password-1"
ROWS = 50
# the newest message carries this in both parts: its body is "visible"
# when the reader shows it
MARKER = "bench-newest-message-body"
WORDS = ("mail server queue relay mailbox folder thread reply draft "
         "attachment invoice meeting report weekly schedule budget review "
         "release notes customer ticket update question answer").split()


def message(i, n, t):
    """The i-th of n messages (n-1 is the newest); a plain-text one, or
    every fourth multipart/alternative with an HTML part, like most mail."""
    subject = "%s %s #%d" % (WORDS[i % len(WORDS)].capitalize(),
                             WORDS[(i * 7) % len(WORDS)], i)
    text = "\n\n".join(" ".join(WORDS[(i + j + k) % len(WORDS)] for k in range(12))
                       for j in range(8))
    if i == n - 1:
        text = MARKER + "\n\n" + text
    head = ("From: Sender %d <sender%d@example.org>\r\nTo: %s\r\n"
            "Subject: %s\r\nDate: %s\r\nMessage-ID: <bench%d@example.org>\r\n"
            "MIME-Version: 1.0\r\n" % (i % 37, i % 37, USER, subject,
                                       email.utils.formatdate(t), i))
    if i % 4 and i != n - 1:
        return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" +
                text.replace("\n", "\r\n") + "\r\n").encode()
    html = "".join("<p>%s</p>" % p for p in text.split("\n\n"))
    return (head + 'Content-Type: multipart/alternative; boundary="b%d"\r\n\r\n'
            "--b%d\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n"
            "--b%d\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
            "<html><body>%s</body></html>\r\n--b%d--\r\n"
            % (i, i, text.replace("\n", "\r\n"), i, html, i)).encode()


def fill(port, n):
    """APPEND n messages, one minute apart, the newest last"""
    c = imaplib.IMAP4("127.0.0.1", port)
    c.login(USER, PASSWORD)
    t0 = time.time() - n * 60
    for i in range(n):
        t = t0 + i * 60
        typ, _ = c.append("INBOX", None, imaplib.Time2Internaldate(t), message(i, n, t))
        if typ != "OK":
            raise SystemExit("APPEND failed")
    c.logout()


# How each webmail is driven: the login form, the list's rows, how to
# open the newest message and where its body shows. Selectors are CSS.
ROUNDCUBE = {
    "name": "Roundcube",
    "user": "#rcmloginuser", "password": "#rcmloginpwd", "submit": "#rcmloginsubmit",
    "rows": "#messagelist tbody tr.message",
    "first_row": "#messagelist tbody tr.message:first-child td.subject",
    "frame": "#messagecontframe", "body": "#messagebody",
}
TERN = {
    "name": "tern",
    "user": "#login-user", "password": "#login-pass", "submit": "#login-submit",
    # the list scrolls virtually: rows in view (and a few more) are in the
    # DOM, placeholders (.loading) until their window of ids arrives
    "rows": "#list-rows .row:not(.loading)",
    "first_row": "#list-rows .row:first-child",
    "frame": "#reader iframe", "body": "body",
}


def wait(what, fn, timeout=30, poll=0.005):
    """poll fn until it returns something true; the time is taken by the
    caller, the poll is as fine as a WebDriver round trip allows"""
    deadline = time.monotonic() + timeout
    while True:
        try:
            v = fn()
            if v:
                return v
        except Exception:  # an element replaced while we look at it
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("timed out waiting for " + what)
        time.sleep(poll)


def body_visible(d, wm):
    """the newest message's body is displayed in the reader"""
    from selenium.webdriver.common.by import By
    d.switch_to.default_content()
    frames = [f for f in d.find_elements(By.CSS_SELECTOR, wm["frame"]) if f.is_displayed()]
    if not frames:
        return False
    d.switch_to.frame(frames[0])
    try:
        els = d.find_elements(By.CSS_SELECTOR, wm["body"])
        return any(e.is_displayed() and MARKER in e.text for e in els)
    finally:
        d.switch_to.default_content()


def arm(d, step):
    """the next click starts step (webmail-watch.js)"""
    d.execute_script("for (const k of Object.keys(sessionStorage))"
                     "  if (k.startsWith('bench-')) sessionStorage.removeItem(k);"
                     "sessionStorage.setItem('bench-arm', arguments[0]);", step)


def elapsed(d, step):
    """ms from the click to the frame where step's condition held, as the
    page measured them; None until then"""
    v = d.execute_script("const s = sessionStorage;"
                         "return [s.getItem('bench-start-' + arguments[0]),"
                         "        s.getItem('bench-end-' + arguments[0])];", step)
    return float(v[1]) - float(v[0]) if v[0] and v[1] else None


def one_run(d, url, wm, rows, shots=None):
    from selenium.webdriver.common.by import By
    d.delete_all_cookies()
    d.get(url)
    user = wait("login form", lambda: d.find_element(By.CSS_SELECTOR, wm["user"]))
    user.send_keys(USER)
    d.find_element(By.CSS_SELECTOR, wm["password"]).send_keys(PASSWORD)
    submit = d.find_element(By.CSS_SELECTOR, wm["submit"])
    arm(d, "list")
    submit.click()
    t_list = wait("%d rows" % rows, lambda: elapsed(d, "list"))
    # the page's own view agrees with WebDriver's
    assert len(d.find_elements(By.CSS_SELECTOR, wm["rows"])) >= rows
    if shots:
        d.save_screenshot(os.path.join(shots, "%s-list.png" % wm["name"]))
    first = d.find_element(By.CSS_SELECTOR, wm["first_row"])
    arm(d, "open")
    first.click()
    t_open = wait("message body", lambda: elapsed(d, "open"))
    assert body_visible(d, wm)
    if shots:
        d.save_screenshot(os.path.join(shots, "%s-open.png" % wm["name"]))
    return t_list, t_open


def measure(tern, targets, runs, rows, shots, height):
    """targets: (url, webmail, logout) each; their runs alternate so a
    busy machine slows both alike. Returns {name: [(list, open) ms]}.
    The browsers are the tests' (tests/integration/browser.py): headless
    Chromium, a fresh profile each, tern's certificate accepted by its key."""
    from browser import Browser
    browsers = [Browser(tern, size=(1280, height), name=wm["name"]) for _, wm, _ in targets]
    drivers = [b.driver for b in browsers]
    watch = open(os.path.join(HERE, "webmail-watch.js")).read()
    for d, (_, wm, _) in zip(drivers, targets):
        cfg = {"rows": wm["rows"], "n": rows, "frame": wm["frame"],
               "body": wm["body"], "marker": MARKER}
        d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                          {"source": watch.replace("BENCH_CFG", json.dumps(cfg))})
    try:
        out = {wm["name"]: [] for _, wm, _ in targets}
        for i in range(runs + 1):
            for d, (url, wm, logout) in zip(drivers, targets):
                out[wm["name"]].append(one_run(d, url, wm, rows, shots if i == 0 else None))
                logout(d)
        return out
    finally:
        for b in browsers:
            b.quit()


def rc_logout(d):
    from selenium.webdriver.common.by import By
    # Roundcube's logout needs its request token: use its own command
    d.execute_script("rcmail.command('logout')")
    wait("logged out", lambda: d.find_elements(By.CSS_SELECTOR, "#rcmloginuser"))


def tern_logout(d):
    from selenium.webdriver.common.by import By
    d.find_element(By.CSS_SELECTOR, "#logout-button").click()
    wait("logged out", lambda: d.find_element(By.CSS_SELECTOR, "#login-user").is_displayed())


def p90(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.9 * (len(xs) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tern", default=os.path.join(ternlib.REPO, "build", "tern"))
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("-n", type=int, default=500, help="messages in the INBOX")
    ap.add_argument("--only", choices=("roundcube", "tern"))
    # tall enough that 50 rows are in view in both: a virtual list (tern's)
    # puts only the rows in view in the DOM
    ap.add_argument("--height", type=int, default=3000, help="window height (px)")
    ap.add_argument("--shots", help="a folder for screenshots of the first run")
    a = ap.parse_args()
    if a.n < ROWS:
        raise SystemExit("-n must be at least %d" % ROWS)
    if a.only != "tern" and not roundcubelib.installed():
        raise SystemExit("Roundcube is not installed (scripts/install-deps.sh dev)")
    ternlib.TERN_BIN = os.path.abspath(a.tern)
    with tempfile.TemporaryDirectory() as tmp:
        t = ternlib.Tern(tmp, protocols=("imap", "https"),
                         user="root" if os.geteuid() == 0 else "")
        t.add_account(USER, PASSWORD)
        t.start()
        rc = None
        try:
            t0 = time.monotonic()
            fill(t.port("imap"), a.n)
            print("filled INBOX with %d messages in %.1f s" % (a.n, time.monotonic() - t0))
            targets = []
            if a.only != "tern":
                rc = roundcubelib.Roundcube(tmp, t.port("imap"), pagesize=ROWS).start()
                targets.append((rc.url, ROUNDCUBE, rc_logout))
            if a.only != "roundcube":
                url = "https://127.0.0.1:%d/" % t.port("https")
                targets.append((url, TERN, tern_logout))
            results = measure(t, targets, a.runs, ROWS, a.shots, a.height)
        except Exception:
            if rc is not None:
                print(rc.log(), file=sys.stderr)
            raise
        finally:
            if rc is not None:
                rc.stop()
            t.finish()
    report(results, a)


def report(results, a):
    print("\n%d messages in INBOX, %d rows listed, %d warm runs each (ms)\n" %
          (a.n, ROWS, a.runs))
    print("%-10s %-5s %8s %8s %8s" % ("webmail", "step", "cold", "median", "p90"))
    meds = {}
    for name, runs in results.items():
        for k, step in enumerate(("list", "open")):
            warm = [r[k] for r in runs[1:]]
            meds[name, step] = statistics.median(warm)
            print("%-10s %-5s %8.0f %8.0f %8.0f" % (name, step, runs[0][k],
                                                     meds[name, step], p90(warm)))
    if len(results) == 2:
        for step in ("list", "open"):
            print("ratio Roundcube/tern %s: %.2f" %
                  (step, meds["Roundcube", step] / meds["tern", step]))


if __name__ == "__main__":
    main()
