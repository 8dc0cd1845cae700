#!/bin/sh
# install-deps.sh - install the Debian packages tern needs to build, run
# and test, when they are missing. Safe to run again: it installs nothing
# when everything is there.
set -eu

PKGS="gcc clang make pkg-config libuv1-dev libssl-dev libsqlite3-dev
libunbound-dev libsodium-dev zlib1g-dev openssl ca-certificates
python3 python3-pytest swaks fetchmail isync unbound dnsmasq-base
postfix iproute2 libclang-rt-14-dev"
# power-cut tests (tests/integration/powercut_fs.py): a FUSE file system
PKGS="$PKGS python3-fusepy fuse3"
# Dovecot, the side-by-side reference of tests/integration/test_imap_dovecot.py
# and bench/mime-vs-dovecot.py (they start their own instance on a loopback
# high port; the system service is stopped and disabled below)
PKGS="$PKGS dovecot-imapd"

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
	# postfix asks questions at install time; the test tools only need
	# its smtp-sink/smtp-source programs, not a running Postfix
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends $missing >/dev/null
fi

# the tests only use Dovecot's binaries: no system Dovecot on port 143
case "$missing" in
*dovecot-imapd*)
	if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
		$SUDO systemctl disable --now dovecot.service dovecot.socket \
			>/dev/null 2>&1 || true
	fi
	;;
esac

# the unprivileged user tern drops to when started as root
if [ "$(id -u)" = 0 ] && ! getent passwd tern >/dev/null; then
	useradd --system --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin tern
fi
exit 0
