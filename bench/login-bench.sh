#!/bin/bash
# login-bench.sh - a login-heavy IMAP mix (issue 12, logins): tern against
# Dovecot 2.3 (the anchor in high-performance mode), both storing the same
# argon2id hash, each with and without its cache of verified logins.
#
#   bench/login-bench.sh [TERN_BIN]        (default build/tern)
#
# CLIENTS (50) clients, each on its own account with MSGS (50) messages,
# run bench/imap-load.c's mix for SECONDS (15) but log out, reconnect,
# log in and SELECT again every EVERY (3) commands. Runs, same data:
#   tern, auth.cache_entries = 0 (every login verifies argon2id)
#   tern, defaults (auth cache on: 10000 entries, 5 min)
#   Dovecot, no auth cache (its default)
#   Dovecot, auth_cache_size = 10M, auth_cache_ttl = 5 min (reloaded by
#     SIGHUP to the master)
# Dovecot's users get tern's argon2id string for testuser1 ({ARGON2ID},
# start.sh PASS_HASH): the same parameters, so the same cost per check.
# Printed: commands/s, logins/s, per-command latency, ratios.
# Benchmarks never fail on a time: exit 0 unless something broke.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TERN=${1:-$HERE/../build/tern}
TERN=$(cd "$(dirname "$TERN")" && pwd)/$(basename "$TERN")
ANCHORS=${ANCHORS:-$HERE/../../shared/anchors}
[ -d "$ANCHORS" ] || { echo "no anchors at $ANCHORS (set ANCHORS)"; exit 2; }
CLIENTS=${CLIENTS:-50}
MSGS=${MSGS:-50}
SECONDS_RUN=${SECONDS_RUN:-15}
EVERY=${EVERY:-3}
PORT=${TERN_PORT:-12243}
DPORT=10143
BASE=${BASE:-/tmp}
DOVE=$BASE/anchor-dovecot-login
export ANCHOR_DIR=$DOVE
DIR=$(mktemp -d "$BASE/tern-login-bench.XXXXXX")

[ -x "$TERN" ] || { echo "no tern binary at $TERN (make first)"; exit 2; }
command -v dovecot >/dev/null || { echo "needs dovecot (dovecot-imapd)"; exit 2; }
if (exec 3<>/dev/tcp/127.0.0.1/$DPORT) 2>/dev/null; then
	echo "port $DPORT is taken (another anchor Dovecot running?)"; exit 2
fi

cleanup() {
	[ -n "${TPID:-}" ] && kill "$TPID" 2>/dev/null && wait "$TPID" 2>/dev/null
	"$ANCHORS/dovecot/stop.sh" >/dev/null 2>&1
	[ "${KEEP:-0}" = 1 ] || rm -rf "$DIR" "$DOVE"
}
trap cleanup EXIT
ulimit -n 65536 2>/dev/null

cc -O2 -pthread -o "$DIR/imap-load" "$HERE/imap-load.c" -lssl -lcrypto || exit 1

# --- tern ---
"$TERN" init "$DIR" --domain bench.test --user "$(id -un)" >/dev/null || exit 1
sed -i -e '/^listen = /d' -e 's/^log_level = .*/log_level = info/' "$DIR/tern.conf"
sed -i "s/^user = .*/user = $(id -un)\nlisten = imap 127.0.0.1:$PORT/" "$DIR/tern.conf"
cp "$DIR/tern.conf" "$DIR/tern.conf.base"
# every client comes from 127.0.0.1: in life they are as many addresses,
# so the per-address cap on checks in flight (throttle_block_after) is
# raised, or it alone would hold logins back
printf '[server]\nmax_connections_per_ip = 100000\nmax_connections = 100000\n[auth]\nmin_password_length = 1\nthrottle_block_after = 1000000\n' >> "$DIR/tern.conf.base"
cp "$DIR/tern.conf.base" "$DIR/tern.conf"
echo "creating $CLIENTS tern accounts..."
for i in $(seq 1 "$CLIENTS"); do
	echo pass | "$TERN" -c "$DIR/tern.conf" account add "testuser$i@bench.test" --password-stdin >/dev/null 2>"$DIR/account.err" || { cat "$DIR/account.err"; exit 1; }
done
HASH=$(sqlite3 "$DIR/data/tern.db" "SELECT password_hash FROM accounts WHERE address = 'testuser1@bench.test'" 2>/dev/null)
[ -n "$HASH" ] || HASH=$(sqlite3 "$(find "$DIR" -name tern.db | head -1)" "SELECT password_hash FROM accounts LIMIT 1")
case "$HASH" in '$argon2id$'*) ;; *) echo "no argon2id hash read from tern's store"; exit 1 ;; esac
echo "argon2id hash on both sides: ${HASH%%\$*}${HASH:0:40}..."

start_tern() {	# start_tern EXTRA-CONFIG
	cp "$DIR/tern.conf.base" "$DIR/tern.conf"
	printf '%b' "$1" >> "$DIR/tern.conf"
	: > "$DIR/tern.log"
	"$TERN" -c "$DIR/tern.conf" serve > "$DIR/tern.log" 2>&1 &
	TPID=$!
	for _ in $(seq 100); do grep -q "started config=" "$DIR/tern.log" && break; sleep 0.1; done
	grep -q "started config=" "$DIR/tern.log" || { cat "$DIR/tern.log"; exit 1; }
}
stop_tern() {
	kill "$TPID"; wait "$TPID" 2>/dev/null; TPID=
}

# --- Dovecot anchor, users with tern's hash ---
PASS_HASH=$HASH ANCHOR_USERS=$CLIENTS "$ANCHORS/dovecot/start.sh" perf >/dev/null 2>&1 ||
	{ echo "dovecot anchor failed to start"; exit 1; }

start_tern ""
echo "seeding $MSGS messages into each of $CLIENTS accounts on both..."
"$DIR/imap-load" seed 127.0.0.1 "$PORT" 'testuser%d@bench.test' pass "$CLIENTS" "$MSGS" || exit 1
"$DIR/imap-load" seed 127.0.0.1 "$DPORT" 'testuser%d' pass "$CLIENTS" "$MSGS" || exit 1
stop_tern

run() {	# run NAME PORT USERFMT
	echo "== $1: $CLIENTS clients, a new session every $EVERY commands, $SECONDS_RUN s =="
	"$DIR/imap-load" relogin 127.0.0.1 "$2" "$3" pass "$CLIENTS" "$SECONDS_RUN" "$EVERY" | tee "$DIR/out.$1"
}
rate() { sed -n "s|^$2: \([0-9]*\).*|\1|p" "$DIR/out.$1"; }

# the base config ends inside [auth]
start_tern "cache_entries = 0\n"
run tern-nocache "$PORT" 'testuser%d@bench.test'
stop_tern
start_tern ""
run tern-cache "$PORT" 'testuser%d@bench.test'
stop_tern

run dovecot-nocache "$DPORT" 'testuser%d'
# Dovecot's authentication cache on: SIGHUP makes the master reload
printf 'auth_cache_size = 10M\nauth_cache_ttl = 5 min\nauth_cache_negative_ttl = 0\n' >> "$DOVE/etc/dovecot.conf"
kill -HUP "$(cat "$DOVE/run/master.pid")"
sleep 2
doveconf -c "$DOVE/etc/dovecot-perf.conf" auth_cache_size auth_cache_ttl 2>/dev/null
run dovecot-cache "$DPORT" 'testuser%d'

echo "== summary: commands/s (logins/s) =="
for n in tern-nocache tern-cache dovecot-nocache dovecot-cache; do
	printf '%-16s %6s (%s)\n' "$n" "$(rate $n commands/s)" "$(rate $n logins/s)"
done
tc=$(rate tern-cache commands/s); dc=$(rate dovecot-cache commands/s)
tn=$(rate tern-nocache commands/s); dn=$(rate dovecot-nocache commands/s)
[ -n "$tc" ] && [ -n "$dc" ] && [ "$dc" -gt 0 ] &&
	echo "ratio tern/dovecot commands/s, both caches on: $(echo "scale=2; $tc / $dc" | bc)"
[ -n "$tn" ] && [ -n "$dn" ] && [ "$dn" -gt 0 ] &&
	echo "ratio tern/dovecot commands/s, both caches off: $(echo "scale=2; $tn / $dn" | bc)"
grep -E "^[^ ]+ (error) " "$DIR/tern.log" | head -5
exit 0
