"""browser - headless Chromium driven by Selenium for the webmail tests.

    b = Browser(tern)                 # a fresh profile, 1280x800
    b.open("/")                       # https://127.0.0.1:<https port>/
    b.login("alice@example.test", "alice-secret-pw")
    b.wait_css("#inbox .row")         # explicit waits on the DOM, never sleeps
    b.shot("inbox")                   # -> $TERN_ARTIFACTS or tests/artifacts/
    b.phone()                         # 390x844
    b.quit()

Debian's chromium and chromium-driver (/usr/bin/chromium,
/usr/bin/chromedriver) and python3-selenium (scripts/install-deps.sh,
test set). The server's self-signed certificate is accepted by its key
alone (--ignore-certificate-errors-spki-list with that key's hash): any
other certificate error still fails, so the test CA is the only exception.
The conftest.py fixtures `browser`, `browser_factory` and `webmail_tern`
use this module."""
import base64
import hashlib
import os
import re
import subprocess
import tempfile
import shutil

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from ternlib import REPO

CHROMIUM = os.environ.get("TERN_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("TERN_CHROMEDRIVER", "/usr/bin/chromedriver")
DESKTOP = (1280, 800)
PHONE = (390, 844)
WAIT = 15                     # seconds an explicit wait may take (loaded machine)


def artifacts_dir():
    """Where screenshots go: $TERN_ARTIFACTS or tests/artifacts/ (gitignored)."""
    d = os.environ.get("TERN_ARTIFACTS") or os.path.join(REPO, "tests", "artifacts")
    os.makedirs(d, exist_ok=True)
    return d


def spki_hash(cert_path):
    """base64(sha256(SubjectPublicKeyInfo DER)) of a PEM certificate: the
    form Chromium's --ignore-certificate-errors-spki-list takes."""
    pub = subprocess.run(["openssl", "x509", "-in", cert_path, "-pubkey", "-noout"],
                         check=True, capture_output=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=pub,
                         check=True, capture_output=True).stdout
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


class Browser:
    def __init__(self, tern, size=DESKTOP, name="browser"):
        self.tern = tern
        self.name = name
        self.base = "https://127.0.0.1:%d" % tern.port("https")
        # a fresh profile per browser: no cookie or cache from another test
        self.profile = tempfile.mkdtemp(prefix="tern-chromium-")
        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                  "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                  "--disable-extensions", "--disable-background-networking",
                  "--disable-sync", "--disable-component-update",
                  "--user-data-dir=" + self.profile,
                  "--window-size=%d,%d" % size,
                  "--ignore-certificate-errors-spki-list=" + spki_hash(tern.cert)):
            opts.add_argument(a)
        # console messages for tests that look for script errors or canaries
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
        self.driver.set_page_load_timeout(30)
        self.driver.set_window_size(*size)

    # --- navigation ---------------------------------------------------
    def url(self, path="/"):
        return self.base + path

    def open(self, path="/"):
        self.driver.get(self.url(path))
        return self

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def async_js(self, script, *args):
        """execute_async_script: the script calls arguments[arguments.length-1](result)."""
        return self.driver.execute_async_script(script, *args)

    def fetch(self, method, path, body=None, headers=None):
        """fetch() from inside the page (same origin, with its cookies):
        {"status", "headers", "body"}."""
        return self.async_js("""
            const [m, p, b, h, done] = arguments;
            fetch(p, {method: m, body: b, headers: h || {}, credentials: 'same-origin'})
              .then(async r => done({status: r.status, body: await r.text(),
                                     headers: Object.fromEntries(r.headers)}))
              .catch(e => done({status: 0, body: String(e), headers: {}}));
        """, method, path, body, headers)

    # --- waits (explicit DOM conditions) --------------------------------
    def wait(self, condition, timeout=WAIT, what="condition"):
        """Wait until condition(driver) is truthy; its value."""
        try:
            return WebDriverWait(self.driver, timeout).until(condition)
        except TimeoutException:
            self.shot("timeout-" + re.sub(r"[^A-Za-z0-9_-]+", "_", what)[:60])
            raise AssertionError("timed out waiting for %s at %s" %
                                 (what, self.driver.current_url))

    def wait_css(self, css, timeout=WAIT):
        """The first element matching css once it is visible."""
        return self.wait(EC.visibility_of_element_located((By.CSS_SELECTOR, css)),
                         timeout, css)

    def wait_gone(self, css, timeout=WAIT):
        return self.wait(EC.invisibility_of_element_located((By.CSS_SELECTOR, css)),
                         timeout, "gone " + css)

    def wait_text(self, css, text, timeout=WAIT):
        """An element matching css whose text contains text."""
        def found(d):
            for e in d.find_elements(By.CSS_SELECTOR, css):
                try:
                    if text in e.text:
                        return e
                except Exception:
                    pass
            return False
        return self.wait(found, timeout, "%s containing %r" % (css, text))

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    # --- the webmail's own login form (W-read's index.html) -------------
    def login(self, username, password, form="#login"):
        """Fill and submit the login form; returns once the form is gone."""
        self.open("/")
        self.wait_css(form + " input[name=username]").send_keys(username)
        self.find(form + " input[name=password]").send_keys(password)
        self.find(form + " [type=submit]").click()
        self.wait_gone(form)
        return self

    # --- sizes, screenshots, logs ---------------------------------------
    def phone(self):
        self.driver.set_window_size(*PHONE)
        return self

    def desktop(self):
        self.driver.set_window_size(*DESKTOP)
        return self

    def shot(self, name):
        """A PNG screenshot; its path."""
        path = os.path.join(artifacts_dir(), "%s-%s.png" % (self.name, name))
        self.driver.save_screenshot(path)
        return path

    def console(self):
        """Console messages since the last call: [{"level", "message"}]."""
        return self.driver.get_log("browser")

    def cookies(self):
        return self.driver.get_cookies()

    def quit(self):
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)
