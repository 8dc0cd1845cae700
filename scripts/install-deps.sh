#!/bin/sh
# install-deps.sh [run|test|dev] - install the Debian packages a set needs,
# when they are missing. Needs only a POSIX shell and apt (a fresh minimal
# Debian has no make). Safe to run again: it installs nothing when
# everything is there.
#   run   building and running tern (`make run`, ./run.sh)
#   test  run + the integration tests' tools (`make test`, ./test.sh)
#   dev   test + clang and libFuzzer (`make fuzz`, CI's clang build),
#         Postfix's smtp-source/dnsmasq for bench/, debootstrap for
#         scripts/ci-fresh-debian.sh
# Installing Debian's postfix starts a Postfix on port 25: the test set
# stops and disables it (the tests start private instances).
# postfix-policyd-spf-python (dev): Postfix's SPF check in
# bench/dkim-bench.py, for a fair comparison with tern's.
set -eu

SET=${1:-run}
RUN="gcc libc6-dev make pkg-config libuv1-dev libssl-dev libsqlite3-dev
libunbound-dev libsodium-dev zlib1g-dev libutf8proc-dev libpsl-dev libidn2-dev publicsuffix
libh2o-dev libwslay-dev libjansson-dev openssl ca-certificates"
# python3-pytest-xdist: `make test` runs two tests at a time
# swaks speaks TLS only with libnet-ssleay-perl, which is merely
# recommended (and we install without recommends)
TEST="$RUN python3 python3-pytest python3-pytest-xdist swaks libnet-ssleay-perl fetchmail isync
unbound iproute2
python3-fusepy fuse3 dovecot-imapd
python3-dkim python3-spf python3-yaml opendkim-tools opendkim bind9-utils
python3-authres postsrsd python3-httpx python3-h2 python3-prometheus-client curl
postfix chromium chromium-driver python3-selenium fonts-liberation
roundcube-core roundcube-sqlite3 php-cli php-cgi
dovecot-sieve sieve-connect python3-milter rspamd clamav-daemon clamav-milter
cyrus-common cyrus-caldav"
# python3-dkim, opendkim-tools, opendkim (its -t test mode signs and
# verifies a file with keys from TestDNSData): independent DKIM
# signers/verifiers;
# python3-spf: the RFC 7208 test suite (its YAML) for the SPF evaluator
# bind9-utils: named-checkzone proves `tern dns` prints valid zone syntax
# python3-authres: an independent RFC 8601 parser for what tern writes
# postsrsd: the reference SRS (libsrs2's code) for tests/integration/test_srs.py
# python3-httpx + python3-h2: HTTP/1.1 and HTTP/2 clients for the HTTP
# listeners; python3-prometheus-client: the reference parser of /metrics
# (tests/integration/test_http.py, test_autoconfig.py, test_metrics.py)
# postfix: test_opendkim_interop.py runs a private instance (its own
# config and queue under /tmp, OpenDKIM milters) beside tern; the
# system instance is stopped and disabled below
# chromium, chromium-driver, python3-selenium: the webmail tests drive a
# headless Chromium (tests/integration/browser.py); fonts-liberation
# gives its screenshots readable text
# python3-fusepy, fuse3: the power-cut tests' file system
# (tests/integration/powercut_fs.py); dovecot-imapd: the side-by-side
# reference of test_imap_dovecot.py and bench/mime-vs-dovecot.py (they
# start their own instance on a loopback high port; the system service is
# stopped and disabled below)
# dovecot-pop3d: the shared Dovecot anchor (bench/imap-bench.sh,
# bench/login-bench.sh) serves POP3 too and will not start without it
# roundcube-core, roundcube-sqlite3, php-cli: the Roundcube anchor of
# bench/webmail-bench.py, whose harness test_webmail_bench.py runs (PHP's
# built-in server, config in a temp folder); php-cgi is named so that
# php's "libapache2-mod-php | php-fpm | php-cgi" needs no Apache server
# (an Apache it may still pull in is stopped and disabled below)
# dovecot-sieve: Pigeonhole's sieve-test, the reference of the Sieve
# differential test; sieve-connect: a real ManageSieve client;
# python3-milter: a milter written for the tests (every action);
# rspamd, clamav-daemon, clamav-milter: the real filters of the milter
# tests, started by the tests on loopback (system services stopped below)
# cyrus-common (master), cyrus-caldav (its httpd serves JMAP): the
# reference JMAP server of test_jmap_cyrus.py, a private instance on
# loopback high ports (the system service is stopped and disabled
# below); cyrus-imapd (imapd, squatter) is unpacked below, not
# installed: it conflicts with dovecot-imapd (both are imap-server)
DEV="$TEST clang libclang-rt-14-dev dnsmasq-base debootstrap
dovecot-pop3d postfix-policyd-spf-python dovecot-lmtpd"
case $SET in
run) PKGS=$RUN ;;
test) PKGS=$TEST ;;
dev) PKGS=$DEV ;;
*) echo "usage: $0 [run|test|dev]" >&2; exit 2 ;;
esac

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -n "$missing" ]; then
	echo "install-deps: installing:$missing"
	SUDO=""
	if [ "$(id -u)" != 0 ]; then
		if command -v sudo >/dev/null 2>&1; then
			SUDO="sudo"
		else
			echo "install-deps: run as root: apt-get install$missing" >&2
			exit 1
		fi
	fi
	# noninteractive: postfix (dev set; bench/ only needs its
	# smtp-source) asks questions at install time
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends $missing >/dev/null
fi

# the tests only use Dovecot's binaries: no system Dovecot on port 143
case "$missing" in
*dovecot-*)
	if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
		$SUDO systemctl disable --now dovecot.service dovecot.socket \
			>/dev/null 2>&1 || true
	fi
	;;
esac
# likewise Cyrus: the JMAP differential test starts its own master
case "$missing" in
*cyrus-*)
	if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
		$SUDO systemctl disable --now cyrus-imapd.service >/dev/null 2>&1 || true
	fi
	;;
esac
# cyrus-imapd's imapd and squatter, unpacked where cyruslib.py looks
CYRUS_IMAPD=/usr/local/lib/tern-test/cyrus-imapd
case "$SET" in
test|dev)
	if [ ! -x "$CYRUS_IMAPD/usr/lib/cyrus/bin/imapd" ]; then
		su=""
		[ "$(id -u)" = 0 ] || su=sudo
		v=$(dpkg-query -W -f='${Version}' cyrus-common)
		tmp=$(mktemp -d)
		# (as root apt warns that _apt cannot write to tmp: harmless)
		(cd "$tmp" && apt-get download "cyrus-imapd=$v" >/dev/null 2>&1) &&
			$su mkdir -p "$CYRUS_IMAPD" &&
			$su dpkg-deb -x "$tmp"/cyrus-imapd_*.deb "$CYRUS_IMAPD"
		rm -rf "$tmp"
	fi
	;;
esac
# likewise Postfix: private instances only
case "$missing " in
*" postfix "*)
	if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
		$SUDO systemctl disable --now postfix.service >/dev/null 2>&1 || true
	fi
	;;
esac
# likewise OpenDKIM: its -t test mode and private milters only
case "$missing " in
*" opendkim "*)
	if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
		$SUDO systemctl disable --now opendkim.service >/dev/null 2>&1 || true
	fi
	;;
esac

# likewise rspamd and ClamAV: the tests start their own
case "$missing " in
*" rspamd "*|*" clamav-"*)
	if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
		$SUDO systemctl disable --now rspamd.service clamav-daemon.service \
			clamav-daemon.socket clamav-milter.service \
			clamav-freshclam.service >/dev/null 2>&1 || true
	fi
	;;
esac

# likewise postsrsd: the test starts its own on a loopback port
case "$missing " in
*" postsrsd "*)
	if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
		$SUDO systemctl disable --now postsrsd.service >/dev/null 2>&1 || true
	fi
	;;
esac

# likewise Apache: the Roundcube anchor runs on php -S
case "$missing " in
*" roundcube-core "*)
	if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
		$SUDO systemctl disable --now apache2.service >/dev/null 2>&1 || true
	fi
	;;
esac

# the unprivileged user tern drops to when started as root
if [ "$(id -u)" = 0 ] && ! getent passwd tern >/dev/null; then
	useradd --system --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin tern
fi
exit 0
