#!/bin/sh
# ci-fresh-debian.sh - prove the README's two commands on a fresh minimal
# Debian 12, so that no missing package can hide behind what a developer
# machine already has:
#   1. debootstrap --variant=minbase bookworm (a shell and apt: no make,
#      no compiler, no sudo) into a temporary folder;
#   2. copy the committed tree in (git archive HEAD: no build folders)
#      as /root/tern;
#   3. as root inside it, ./run.sh: the demo server must answer SMTP and
#      IMAP on its ports, then exit 0 on SIGTERM;
#   4. ./test.sh must pass.
# Every step has a time limit (debootstrap 10 min, ./run.sh to a
# listening server 15 min, ./test.sh 30 min: the browser tests and
# Chromium's install took it to 885 s of a loaded run) and prints how
# long it took. It runs in its own mount and PID namespaces: the mounts
# it makes are private and every process it starts dies with it.
# Needs root and debootstrap.
#   Env: TERN_FRESH_MIRROR (default: the host's first apt source),
#        TERN_FRESH_DIR (parent folder, default /var/tmp),
#        TERN_FRESH_KEEP=1 keeps the root for a look afterwards.
# The chroot shares the host's network (apt needs it): the demo ports
# 2525 and 2143 must be free.
set -eu

REPO=$(cd "$(dirname "$0")/.." && pwd)
SELF=$REPO/scripts/ci-fresh-debian.sh
SMTP_PORT=2525
IMAP_PORT=2143

now() { date +%s; }
say() { echo "ci-fresh-debian: $*"; }
die() { say "FAIL: $*" >&2; exit 1; }

# --- outside the namespaces: make the folder, run the rest inside, clean up
if [ "${1:-}" != --inside ]; then
	[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mount)"
	for c in debootstrap python3 git unshare; do
		command -v $c >/dev/null ||
			die "needs $c (scripts/install-deps.sh dev)"
	done
	WORK=$(mktemp -d "${TERN_FRESH_DIR:-/var/tmp}/tern-fresh.XXXXXX")
	finish() {
		# the namespaces are gone, so nothing can be mounted under it
		if grep -q " $WORK/" /proc/self/mountinfo; then
			say "still mounted under $WORK, not removing it" >&2
		elif [ "${TERN_FRESH_KEEP:-0}" = 1 ]; then
			say "kept $WORK"
		else
			rm -rf "$WORK"
		fi
	}
	trap finish EXIT
	trap 'exit 130' INT TERM
	mkdir "$WORK/root"
	git -C "$REPO" archive --format=tar --prefix=tern/ HEAD >"$WORK/tree.tar"
	say "tree: $(git -C "$REPO" rev-parse --short HEAD) in $WORK"
	# --kill-child: if CI kills us, the whole namespace goes with us
	rc=0
	unshare --mount --propagation private --pid --fork --mount-proc \
		--kill-child "$SELF" --inside "$WORK" || rc=$?
	exit $rc
fi

# --- inside: PID 1 of a new PID namespace, private mounts
WORK=$2
ROOT=$WORK/root
T0=$(now)
MOUNTS=""
DEMO=""

cleanup() {
	rc=$?
	if [ -n "$DEMO" ] && kill -0 "$DEMO" 2>/dev/null; then
		kill "$DEMO" 2>/dev/null || true
	fi
	for m in $MOUNTS; do	# newest first
		umount "$m" 2>/dev/null || umount -l "$m" || rc=1
	done
	say "total $(($(now) - T0)) s, exit $rc"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mnt() {		# mnt TARGET MOUNT-ARGS...: mount, remember for cleanup
	t=$1; shift
	mkdir -p "$t"
	mount "$@" "$t"
	MOUNTS="$t $MOUNTS"
}

mirror() {
	[ -n "${TERN_FRESH_MIRROR:-}" ] && { echo "$TERN_FRESH_MIRROR"; return; }
	m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
		sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' |
		grep -v security | head -n 1)
	[ -n "$m" ] || m=$(sed -n 's/^deb[[:space:]]\{1,\}\(http[^[:space:]]*\).*/\1/p' \
		/etc/apt/sources.list 2>/dev/null | grep -v security | head -n 1)
	echo "${m:-http://deb.debian.org/debian}"
}

# in_root LIMIT COMMAND: a root shell in the fresh system, clean login env
in_root() {
	timeout --kill-after=30 "$1" chroot "$ROOT" /usr/bin/env -i \
		HOME=/root USER=root LOGNAME=root TERM=dumb \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/sh -c "$2"
}

# greeting PORT: the first line the server there says, or nothing
greeting() {
	python3 - "$1" <<'EOF' 2>/dev/null || true
import socket, sys
try:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
    s.settimeout(10)
    print(s.makefile("rb").readline().decode("ascii", "replace").strip())
except OSError:
    pass
EOF
}

# --- 1. the fresh system
M=$(mirror)
say "debootstrap --variant=minbase bookworm from $M"
t=$(now)
timeout 600 debootstrap --variant=minbase bookworm "$ROOT" "$M" \
	>"$WORK/debootstrap.log" 2>&1 ||
	{ tail -n 30 "$WORK/debootstrap.log"; die "debootstrap"; }
say "debootstrap: $(($(now) - t)) s"
for c in make cc gcc sudo python3; do
	[ ! -e "$ROOT/usr/bin/$c" ] || die "minbase has $c: not a fresh system"
done
# what starts services in a chroot would start them in the host's network
# (Debian's unbound on port 53): packages install, daemons stay down
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod 755 "$ROOT/usr/sbin/policy-rc.d"
# debootstrap writes no /etc/hosts, every installer (and container) does;
# localhost only, as Debian's installer writes it: the machine's own name
# need not resolve
printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' \
	>"$ROOT/etc/hosts"
tar -x -f "$WORK/tree.tar" -C "$ROOT/root"

# / a mount point as on a real machine (`ip -n NS` remounts it)
mnt "$ROOT" --bind "$ROOT"
mnt "$ROOT/proc" -t proc proc
mnt "$ROOT/sys" -t sysfs sysfs
mnt "$ROOT/dev" --bind /dev
mnt "$ROOT/dev/pts" --bind /dev/pts
mnt "$ROOT/dev/shm" -t tmpfs -o mode=1777,nosuid,nodev shm
mnt "$ROOT/run" -t tmpfs -o mode=755,nosuid,nodev run	# ip netns

# --- 2. ./run.sh: the demo server answers, and stops cleanly on SIGTERM
for p in $SMTP_PORT $IMAP_PORT; do
	[ -z "$(greeting $p)" ] ||
		die "port $p already answers on this host: cannot prove the demo"
done
say "./run.sh"
t=$(now)
in_root 900 'cd /root/tern && exec ./run.sh' >"$WORK/run.log" 2>&1 &
DEMO=$!
smtp="" imap=""
deadline=$(($(now) + 900))
while [ "$(now)" -lt $deadline ] && kill -0 $DEMO 2>/dev/null; do
	[ -n "$smtp" ] || smtp=$(greeting $SMTP_PORT)
	[ -n "$imap" ] || imap=$(greeting $IMAP_PORT)
	[ -z "$smtp" ] || [ -z "$imap" ] || break
	sleep 2
done
if [ -z "$smtp" ] || [ -z "$imap" ]; then
	tail -n 40 "$WORK/run.log"
	die "the demo server did not answer on $SMTP_PORT and $IMAP_PORT"
fi
say "demo up after $(($(now) - t)) s: smtp '$smtp', imap '$imap'"
case $smtp in "220 "*) ;; *) die "SMTP greeting: $smtp" ;; esac
case $imap in "* OK"*) ;; *) die "IMAP greeting: $imap" ;; esac
tern=""
for p in /proc/[0-9]*; do
	if [ "$(readlink "$p/exe" 2>/dev/null)" = "$ROOT/root/tern/build/tern" ]; then
		tern=${p#/proc/}
	fi
done
[ -n "$tern" ] || die "no tern process under $ROOT"
kill -TERM "$tern"
rc=0
wait $DEMO || rc=$?
DEMO=""
tail -n 5 "$WORK/run.log"
[ $rc = 0 ] || { cat "$WORK/run.log"; die "./run.sh exited $rc after SIGTERM"; }
say "./run.sh: $(($(now) - t)) s, exit 0 after SIGTERM"

# --- 3. ./test.sh passes
say "./test.sh"
t=$(now)
rc=0
in_root 1800 'cd /root/tern && ./test.sh' 2>&1 || rc=$?
[ $rc = 0 ] || die "./test.sh exited $rc after $(($(now) - t)) s"
say "./test.sh: $(($(now) - t)) s, passed"
