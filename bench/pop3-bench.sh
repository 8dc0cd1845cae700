#!/bin/bash
# pop3-bench.sh - POP3 download-and-delete: tern against Dovecot's POP3,
# same messages, same client, same run.
#
#   bench/pop3-bench.sh [TERN_BIN]        (default build/tern)
#
# USERS clients (default 50) log in at once, each to its own account,
# and RETR + DELE every message of its INBOX one command at a time, then
# QUIT (the UPDATE state removes them). Two rounds: MSGS_SMALL (40) 4 KB
# messages per account, MSGS_BIG (8) 100 KB messages per account. The
# client is bench/pop3-load.c (C, one thread per session).
#   - tern: fresh data folder, mail put in through its SMTP service (so
#     messages carry tern's trace fields), POP3 on loopback, no TLS.
#   - Dovecot 2.3: the private anchor in high-performance mode
#     (shared/anchors/dovecot/start.sh perf), the same message bytes
#     written into each user's Maildir/new.
# First, IDLE (default 200) sessions are opened and left logged in; memory
# per session = growth of tern's RSS / IDLE, and of the summed PSS of
# all Dovecot processes / IDLE.
# Note: tern verifies argon2id hashes at every login (about 20-40 ms of
# CPU each); the Dovecot anchor stores {PLAIN} passwords.
# BASE=/dev/shm puts both data folders on tmpfs: the protocol and CPU
# cost alone, without the disk (fsync, and ext4 discard in unlink).
# Benchmarks never fail on a time: exit 0 unless something broke.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TERN=${1:-$HERE/../build/tern}
TERN=$(cd "$(dirname "$TERN")" && pwd)/$(basename "$TERN")
# the shared anchors next to the repository, wherever it is
ANCHORS=${ANCHORS:-$HERE/../../shared/anchors}
[ -d "$ANCHORS" ] || { echo "no anchors at $ANCHORS (set ANCHORS)"; exit 2; }
USERS=${USERS:-50}
IDLE=${IDLE:-200}
MSGS_SMALL=${MSGS_SMALL:-40}
MSGS_BIG=${MSGS_BIG:-8}
PORT=${TERN_PORT:-12110}
SPORT=${TERN_SMTP_PORT:-12526}
DPORT=10110
BASE=${BASE:-/tmp}
DOVE=$BASE/anchor-dovecot
export ANCHOR_DIR=$DOVE
NACC=$(( USERS > IDLE ? USERS : IDLE ))
DIR=$(mktemp -d "$BASE/tern-pop3-bench.XXXXXX")

[ -x "$TERN" ] || { echo "no tern binary at $TERN (make first)"; exit 2; }
command -v dovecot >/dev/null || { echo "needs dovecot (dovecot-pop3d)"; exit 2; }

cleanup() {
	[ -n "${TPID:-}" ] && kill "$TPID" 2>/dev/null && wait "$TPID" 2>/dev/null
	"$ANCHORS/dovecot/stop.sh" >/dev/null 2>&1
	[ "${KEEP:-0}" = 1 ] || rm -rf "$DIR"
}
trap cleanup EXIT

cc -O2 -pthread -o "$DIR/pop3-load" "$HERE/pop3-load.c" || exit 1

# --- tern ---
"$TERN" init "$DIR" --domain bench.test --user "$(id -un)" >/dev/null || exit 1
sed -i -e '/^listen = /d' -e 's/^log_level = .*/log_level = info/' "$DIR/tern.conf"
sed -i "s/^user = .*/user = $(id -un)\nlisten = pop3 127.0.0.1:$PORT starttls\nlisten = smtp 127.0.0.1:$SPORT starttls/" "$DIR/tern.conf"
printf '[server]\nmax_connections_per_ip = 100000\nmax_connections = 100000\n# bench passwords are short and common on purpose\n[auth]\nmin_password_length = 1\n' >> "$DIR/tern.conf"
echo "creating $NACC accounts..."
for i in $(seq 1 "$NACC"); do
	echo pass | "$TERN" -c "$DIR/tern.conf" account add "testuser$i@bench.test" --password-stdin >/dev/null 2>"$DIR/account.err" || { cat "$DIR/account.err"; exit 1; }
done
"$TERN" -c "$DIR/tern.conf" serve > "$DIR/tern.log" 2>&1 &
TPID=$!
for _ in $(seq 100); do grep -q "started config=" "$DIR/tern.log" && break; sleep 0.1; done
grep -q "started config=" "$DIR/tern.log" || { cat "$DIR/tern.log"; exit 1; }

# --- Dovecot anchor ---
ANCHOR_USERS=$NACC "$ANCHORS/dovecot/start.sh" perf >/dev/null 2>&1 ||
	{ echo "dovecot anchor failed to start"; exit 1; }

# the message: SIZE bytes of header + text lines
make_msg() {
	python3 - "$1" <<'PY'
import sys
size = int(sys.argv[1])
head = "From: bench@remote.test\r\nTo: someone@bench.test\r\nSubject: pop3 bench\r\n\r\n"
line = ("The quick brown fox jumps over the lazy dog. " * 2)[:76] + "\r\n"
body = line * ((size - len(head)) // len(line) + 1)
sys.stdout.write(head + body[:size - len(head) - 2] + "\r\n")
PY
}

fill() {	# fill SIZE COUNT
	make_msg "$1" > "$DIR/msg.eml"
	# tern: through SMTP, one connection per account, in parallel
	python3 - "$SPORT" "$USERS" "$2" "$DIR/msg.eml" <<'PY' || exit 1
import smtplib, sys, threading
port, users, count, path = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
msg = open(path, "rb").read()
def run(i):
    with smtplib.SMTP("127.0.0.1", port, timeout=120) as s:
        for _ in range(count):
            s.sendmail("bench@remote.test", ["testuser%d@bench.test" % i], msg)
ts = [threading.Thread(target=run, args=(i,)) for i in range(1, users + 1)]
[t.start() for t in ts]
[t.join() for t in ts]
PY
	# Dovecot: the same bytes (LF line ends, as Maildir keeps them)
	tr -d '\r' < "$DIR/msg.eml" > "$DIR/msg.lf"
	for i in $(seq 1 "$USERS"); do
		md="$DOVE/mail/testuser$i/Maildir"
		mkdir -p "$md/new" "$md/cur" "$md/tmp"
		for j in $(seq 1 "$2"); do
			cp "$DIR/msg.lf" "$md/new/$(date +%s).M${j}P$$.bench"
		done
		chown -R 5000:5000 "$DOVE/mail/testuser$i"
	done
	# both on disk (tern fsyncs at delivery): unlinking allocated blocks
	# costs more than unlinking never-written ones (ext4 discard)
	sync
}

run_round() {	# run_round LABEL SIZE COUNT
	fill "$2" "$3"
	T=$("$DIR/pop3-load" fetch 127.0.0.1 "$PORT" 'testuser%d@bench.test' pass "$USERS")
	D=$("$DIR/pop3-load" fetch 127.0.0.1 "$DPORT" 'testuser%d' pass "$USERS")
	tr=$(echo "$T" | grep -o 'msgs/s=[0-9]*' | cut -d= -f2)
	dr=$(echo "$D" | grep -o 'msgs/s=[0-9]*' | cut -d= -f2)
	echo "$1 tern:    $T"
	echo "$1 dovecot: $D"
	if [ -n "$tr" ] && [ -n "$dr" ] && [ "$dr" -gt 0 ]; then
		echo "$1 ratio tern/dovecot: $(echo "scale=2; $tr / $dr" | bc)"
	fi
}

# --- memory per logged-in session ---
rss() { awk '/^VmRSS:/{print $2}' /proc/"$TPID"/status; }
dpss_kb() {
	local pss=0
	for p in $(pgrep -f 'dovecot'); do
		v=$(awk '/^Pss:/{p+=$2}END{print p+0}' /proc/$p/smaps_rollup 2>/dev/null) || continue
		pss=$((pss + v))
	done
	echo $pss
}
idle() {	# idle PORT USERFMT -> prints kB before/after via callbacks
	mkfifo "$DIR/idle.in.$1"
	"$DIR/pop3-load" idle 127.0.0.1 "$1" "$2" pass "$IDLE" < "$DIR/idle.in.$1" > "$DIR/idle.out.$1" &
	IPID=$!
	exec 9> "$DIR/idle.in.$1"
	for _ in $(seq 600); do grep -q ready "$DIR/idle.out.$1" && break; sleep 0.1; done
}
echo "== memory per logged-in idle session, $IDLE sessions =="
t0=$(rss); idle "$PORT" 'testuser%d@bench.test'; sleep 1; t1=$(rss)
echo >&9; exec 9>&-; wait $IPID
d0=$(dpss_kb); idle "$DPORT" 'testuser%d'; sleep 1; d1=$(dpss_kb)
echo >&9; exec 9>&-; wait $IPID
echo "tern:    RSS ${t0} kB -> ${t1} kB: $(( (t1 - t0) / IDLE )) kB per session"
echo "dovecot: PSS ${d0} kB -> ${d1} kB (all processes): $(( (d1 - d0) / IDLE )) kB per session"

echo "== download and delete, $USERS clients in parallel, data in $BASE =="
run_round "4KB x$MSGS_SMALL" 4096 "$MSGS_SMALL"
run_round "100KB x$MSGS_BIG" 102400 "$MSGS_BIG"

grep -E "^[^ ]+ (error|warn) " "$DIR/tern.log" | head -5
exit 0
