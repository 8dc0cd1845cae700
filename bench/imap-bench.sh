#!/bin/bash
# imap-bench.sh - IMAP mixed load: tern against Dovecot 2.3 (the private
# anchor in high-performance mode), same messages, same client, same run.
#
#   bench/imap-bench.sh [TERN_BIN]        (default build/tern)
#
# CLIENTS sessions (default 50), each on its own account with MSGS (200)
# messages (4 KB, every 10th 100 KB) put in by IMAP APPEND on both
# servers, run the mix of bench/imap-load.c for SECONDS (20): header
# FETCH, body FETCH, SEARCH, STORE, NOOP, APPEND, EXPUNGE, STATUS, IDLE,
# one command at a time. Printed: commands/s and p50/p90/p99 latency per
# command. Then IDLE sessions (default 1000) logged in, INBOX selected,
# in IDLE: memory per session = growth of tern's RSS / IDLE, and of the
# summed PSS of all Dovecot processes / IDLE. Last, TLS_IDLE (10000)
# idle sessions over implicit TLS (imaps) on tern alone (the design
# target: 10,000 idle TLS connections in under 1 GiB); Dovecot's
# process per connection would need ~7 GB for as many.
# Notes: tern verifies argon2id hashes at login (20-40 ms of CPU each);
# the anchor stores {PLAIN} passwords. Logins are outside the timed part.
# BASE=/dev/shm puts both data folders on tmpfs.
# Benchmarks never fail on a time: exit 0 unless something broke.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TERN=${1:-$HERE/../build/tern}
TERN=$(cd "$(dirname "$TERN")" && pwd)/$(basename "$TERN")
# the shared anchors next to the repository, wherever it is
ANCHORS=${ANCHORS:-$HERE/../../shared/anchors}
[ -d "$ANCHORS" ] || { echo "no anchors at $ANCHORS (set ANCHORS)"; exit 2; }
CLIENTS=${CLIENTS:-50}
MSGS=${MSGS:-200}
SECONDS_RUN=${SECONDS_RUN:-20}
IDLE=${IDLE:-1000}
PORT=${TERN_PORT:-12143}
TPORT=${TERN_TLS_PORT:-12993}
TLS_IDLE=${TLS_IDLE:-10000}
DPORT=10143
BASE=${BASE:-/tmp}
DOVE=$BASE/anchor-dovecot
export ANCHOR_DIR=$DOVE
NACC=$(( CLIENTS > IDLE ? CLIENTS : IDLE ))
DIR=$(mktemp -d "$BASE/tern-imap-bench.XXXXXX")

[ -x "$TERN" ] || { echo "no tern binary at $TERN (make first)"; exit 2; }
command -v dovecot >/dev/null || { echo "needs dovecot (dovecot-imapd)"; exit 2; }

cleanup() {
	[ -n "${TPID:-}" ] && kill "$TPID" 2>/dev/null && wait "$TPID" 2>/dev/null
	"$ANCHORS/dovecot/stop.sh" >/dev/null 2>&1
	[ "${KEEP:-0}" = 1 ] || rm -rf "$DIR"
}
trap cleanup EXIT
ulimit -n 65536 2>/dev/null

cc -O2 -pthread -o "$DIR/imap-load" "$HERE/imap-load.c" -lssl -lcrypto || exit 1

# --- tern ---
"$TERN" init "$DIR" --domain bench.test --user "$(id -un)" >/dev/null || exit 1
sed -i -e '/^listen = /d' -e 's/^log_level = .*/log_level = info/' "$DIR/tern.conf"
sed -i "s/^user = .*/user = $(id -un)\nlisten = imap 127.0.0.1:$PORT starttls\nlisten = imaps 127.0.0.1:$TPORT tls/" "$DIR/tern.conf"
printf '[server]\nmax_connections_per_ip = 100000\nmax_connections = 100000\n# bench passwords are short and common on purpose\n[auth]\nmin_password_length = 1\n' >> "$DIR/tern.conf"
echo "creating $NACC tern accounts..."
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

echo "seeding $MSGS messages into each of $CLIENTS accounts on both..."
"$DIR/imap-load" seed 127.0.0.1 "$PORT" 'testuser%d@bench.test' pass "$CLIENTS" "$MSGS" || exit 1
"$DIR/imap-load" seed 127.0.0.1 "$DPORT" 'testuser%d' pass "$CLIENTS" "$MSGS" || exit 1

echo "== mixed load: $CLIENTS clients, $SECONDS_RUN s, data in $BASE =="
T=$("$DIR/imap-load" mix 127.0.0.1 "$PORT" 'testuser%d@bench.test' pass "$CLIENTS" "$SECONDS_RUN")
D=$("$DIR/imap-load" mix 127.0.0.1 "$DPORT" 'testuser%d' pass "$CLIENTS" "$SECONDS_RUN")
echo "-- tern"; echo "$T"
echo "-- dovecot"; echo "$D"
tr=$(echo "$T" | sed -n 's/^commands\/s: \([0-9]*\).*/\1/p')
dr=$(echo "$D" | sed -n 's/^commands\/s: \([0-9]*\).*/\1/p')
if [ -n "$tr" ] && [ -n "$dr" ] && [ "$dr" -gt 0 ]; then
	echo "ratio tern/dovecot commands/s: $(echo "scale=2; $tr / $dr" | bc)"
fi

# --- memory per idle session ---
rss() { awk '/^VmRSS:/{print $2}' /proc/"$TPID"/status; }
dpss_kb() {
	local pss=0
	for p in $(pgrep -f 'dovecot|imap'); do
		v=$(awk '/^Pss:/{p+=$2}END{print p+0}' /proc/$p/smaps_rollup 2>/dev/null) || continue
		pss=$((pss + v))
	done
	echo $pss
}
idle() {	# idle PORT USERFMT
	mkfifo "$DIR/idle.in.$1"
	"$DIR/imap-load" idle 127.0.0.1 "$1" "$2" pass "$IDLE" < "$DIR/idle.in.$1" > "$DIR/idle.out.$1" &
	IPID=$!
	exec 9> "$DIR/idle.in.$1"
	for _ in $(seq 3000); do grep -q ready "$DIR/idle.out.$1" && break; sleep 0.1; done
	cat "$DIR/idle.out.$1"
}
echo "== memory per idle session (logged in, INBOX selected, IDLE), $IDLE sessions =="
t0=$(rss); idle "$PORT" 'testuser%d@bench.test'; sleep 1; t1=$(rss)
echo >&9; exec 9>&-; wait $IPID
d0=$(dpss_kb); idle "$DPORT" 'testuser%d'; sleep 1; d1=$(dpss_kb)
echo >&9; exec 9>&-; wait $IPID
echo "tern:    RSS ${t0} kB -> ${t1} kB: $(( (t1 - t0) / IDLE )) kB per session"
echo "dovecot: PSS ${d0} kB -> ${d1} kB (all processes): $(( (d1 - d0) / IDLE )) kB per session"

if [ "$TLS_IDLE" -gt 0 ]; then
	echo "== tern: $TLS_IDLE idle sessions over TLS (imaps), $NACC accounts =="
	t0=$(rss)
	mkfifo "$DIR/tls.in"
	"$DIR/imap-load" idle 127.0.0.1 "$TPORT" 'testuser%d@bench.test' pass "$TLS_IDLE" "$NACC" tls < "$DIR/tls.in" > "$DIR/tls.out" &
	IPID=$!
	exec 9> "$DIR/tls.in"
	for _ in $(seq 6000); do grep -q ready "$DIR/tls.out" && break; sleep 0.1; done
	cat "$DIR/tls.out"
	sleep 1; t1=$(rss)
	echo >&9; exec 9>&-; wait $IPID
	echo "tern:    RSS ${t0} kB -> ${t1} kB: $(( (t1 - t0) / TLS_IDLE )) kB per TLS session, $(( t1 / 1024 )) MiB in all"
fi

grep -E "^[^ ]+ (error) " "$DIR/tern.log" | head -5
exit 0
