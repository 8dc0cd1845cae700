"""roundcubelib.py - a private Roundcube for the webmail bench.

Debian's Roundcube (roundcube-core, roundcube-sqlite3, php-cli) served
by PHP's built-in server on a loopback port, its config, SQLite
database, logs and temp files in a folder of ours: nothing under /etc
or /var is written and no system web server is involved. It reads mail
from the IMAP server it is given (tern's IMAP in the bench).

    rc = Roundcube(tmpdir, imap_port=1143).start()
    ... rc.url ...
    rc.stop()
"""
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import time

# Debian's layout: the public folder with index.php, skins and program/js
DOCROOT = "/var/lib/roundcube/public_html"
SHARE = "/usr/share/roundcube"
# defaults.inc.php and mimetypes.php are read from the config folder
DEBIAN_CONFIG = "/etc/roundcube"

CONFIG = """<?php
$config = [];
$config['db_dsnw'] = 'sqlite:///%(db)s?mode=0640';
$config['imap_host'] = '127.0.0.1:%(imap_port)d';
$config['imap_conn_options'] = [];
$config['smtp_host'] = '';
$config['log_dir'] = '%(logs)s/';
$config['temp_dir'] = '%(temp)s/';
$config['des_key'] = 'tern-bench-des-key-24chr';
$config['plugins'] = [];
$config['skin'] = 'elastic';
$config['enable_installer'] = false;
$config['enable_spellcheck'] = false;
$config['mail_pagesize'] = %(pagesize)d;
$config['max_pagesize'] = 200;
$config['message_sort_col'] = 'date';
$config['message_sort_order'] = 'DESC';
$config['layout'] = 'widescreen';
$config['prefer_html'] = true;
$config['show_images'] = 0;
$config['check_all_folders'] = false;
$config['refresh_interval'] = 0;
$config['support_url'] = '';
$config['product_name'] = 'Roundcube Webmail';
"""


def installed():
    return (os.path.exists(os.path.join(DOCROOT, "index.php")) and
            os.path.exists(os.path.join(SHARE, "SQL", "sqlite.initial.sql")) and
            shutil.which("php") is not None)


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Roundcube:
    def __init__(self, tmp, imap_port, pagesize=50, workers=2):
        self.dir = os.path.join(str(tmp), "roundcube")
        self.conf = os.path.join(self.dir, "config")
        for d in ("config", "logs", "temp"):
            os.makedirs(os.path.join(self.dir, d), exist_ok=True)
        for f in ("defaults.inc.php", "mimetypes.php"):
            shutil.copy(os.path.join(DEBIAN_CONFIG, f), self.conf)
        db = os.path.join(self.dir, "roundcube.db")
        with open(os.path.join(self.conf, "config.inc.php"), "w") as f:
            f.write(CONFIG % {"db": db, "imap_port": imap_port,
                              "logs": os.path.join(self.dir, "logs"),
                              "temp": os.path.join(self.dir, "temp"),
                              "pagesize": pagesize})
        # Roundcube does not create its schema itself
        with open(os.path.join(SHARE, "SQL", "sqlite.initial.sql")) as f:
            schema = f.read()
        con = sqlite3.connect(db)
        con.executescript(schema)
        con.close()
        self.port = _free_port()
        self.url = "http://127.0.0.1:%d/" % self.port
        self.workers = workers
        self.proc = None

    def start(self, timeout=20):
        env = dict(os.environ, ROUNDCUBE_CONFIG_DIR=self.conf,
                   # a production PHP has several workers and opcache on
                   PHP_CLI_SERVER_WORKERS=str(self.workers))
        self.logf = open(os.path.join(self.dir, "php-server.log"), "ab")
        self.proc = subprocess.Popen(
            ["php", "-d", "opcache.enable_cli=1", "-d", "display_errors=0",
             "-S", "127.0.0.1:%d" % self.port, "-t", DOCROOT],
            env=env, stdout=self.logf, stderr=subprocess.STDOUT,
            # its own process group: the workers it forks stop with it
            start_new_session=True)
        deadline = time.time() + timeout
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), 1).close()
                return self
            except OSError:
                if self.proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("php -S did not start:\n" + self.log())
                time.sleep(0.05)

    def log(self):
        """the PHP server's log and Roundcube's own errors"""
        out = []
        for p in (os.path.join(self.dir, "php-server.log"),
                  os.path.join(self.dir, "logs", "errors.log")):
            if os.path.exists(p):
                out.append(open(p, errors="replace").read()[-4000:])
        return "\n".join(out)

    def stop(self):
        if self.proc is None:
            return
        # a worker may outlive the parent (it becomes init's): signal the group
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.proc = None
        self.logf.close()
