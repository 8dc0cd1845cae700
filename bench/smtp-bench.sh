#!/bin/bash
# smtp-bench.sh - durable SMTP acceptance: tern against Postfix, same run.
#
#   bench/smtp-bench.sh [TERN_BIN]        (default build/tern)
#
# Drives Postfix's smtp-source (shared/anchors/tools/smtp-flood.sh) with
# 1, 10 and 50 sessions, 4 KB and 100 KB messages, one connection per
# message, against
#   - tern: a fresh data folder, port 25 service on loopback, fsync
#     before 250 (group commit), delivering into the recipient's INBOX;
#   - Postfix: the private anchor (shared/anchors/postfix/start.sh) on
#     127.0.0.1:10025, delivering to Maildir via virtual(8).
# Prints msgs/s for each and tern's ratio to Postfix, and the disk's
# single-thread fdatasync rate for scale. Env: MSGS_4K (2000),
# MSGS_100K (600), ANCHORS (../shared/anchors next to the
# repository), KEEP=1 keeps tern's dir.
# Benchmarks never fail on a time: exit 0 unless something broke.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TERN=${1:-$HERE/../build/tern}
TERN=$(cd "$(dirname "$TERN")" && pwd)/$(basename "$TERN")
# the shared anchors next to the repository, wherever it is
ANCHORS=${ANCHORS:-$HERE/../../shared/anchors}
[ -d "$ANCHORS" ] || { echo "no anchors at $ANCHORS (set ANCHORS)"; exit 2; }
FLOOD=$ANCHORS/tools/smtp-flood.sh
MSGS_4K=${MSGS_4K:-2000}
MSGS_100K=${MSGS_100K:-600}
PORT=${TERN_PORT:-12525}
DIR=$(mktemp -d /tmp/tern-smtp-bench.XXXXXX)

[ -x "$TERN" ] || { echo "no tern binary at $TERN (make first)"; exit 2; }
[ -x /usr/sbin/smtp-source ] || { echo "needs smtp-source (Debian package postfix)"; exit 2; }

cleanup() {
	[ -n "${TPID:-}" ] && kill "$TPID" 2>/dev/null && wait "$TPID" 2>/dev/null
	"$ANCHORS/postfix/stop.sh" >/dev/null 2>&1
	[ "${KEEP:-0}" = 1 ] || rm -rf "$DIR"
}
trap cleanup EXIT

# --- tern: config, accounts, server ---
"$TERN" init "$DIR" --domain bench.test --user "$(id -un)" >/dev/null || exit 1
sed -i -e '/^listen = /d' -e 's/^log_level = .*/log_level = info/' "$DIR/tern.conf"
sed -i "s/^user = .*/user = $(id -un)\nlisten = smtp 127.0.0.1:$PORT starttls/" "$DIR/tern.conf"
printf '[server]\nmax_connections_per_ip = 1000\n# bench passwords are short and common on purpose\n[auth]\nmin_password_length = 1\n' >> "$DIR/tern.conf"
for u in testuser1; do
	echo pw | "$TERN" -c "$DIR/tern.conf" account add "$u@bench.test" --password-stdin >/dev/null 2>"$DIR/account.err" || { cat "$DIR/account.err"; exit 1; }
done
"$TERN" -c "$DIR/tern.conf" serve > "$DIR/tern.log" 2>&1 &
TPID=$!
for _ in $(seq 100); do grep -q "started config=" "$DIR/tern.log" && break; sleep 0.1; done
grep -q "started config=" "$DIR/tern.log" || { cat "$DIR/tern.log"; exit 1; }

# --- Postfix anchor ---
"$ANCHORS/postfix/start.sh" >/dev/null 2>&1 || { echo "postfix anchor failed to start"; exit 1; }

# --- the disk, for scale ---
FSYNC="?"
if cc -O2 -pthread -o "$DIR/fsbench" "$ANCHORS/tools/fsbench.c" 2>/dev/null; then
	mkdir -p "$DIR/fs"
	FSYNC=$("$DIR/fsbench" append-fdatasync "$DIR/fs" 4096 1 2 2>/dev/null |
		grep -o '[0-9.]* ops/s' | head -1 | cut -d' ' -f1)
fi

rate() {	# host port sessions msgs size
	TIMEOUT=300 "$FLOOD" "$1" "$2" "$3" "$4" "$5" bench.test 2>/dev/null |
		awk '/^msgs\/s:/ {print $2}'
}

printf "%-8s %-9s %12s %12s %8s\n" size sessions "tern msg/s" "postfix msg/s" ratio
for size in 4096 102400; do
	msgs=$MSGS_4K
	[ "$size" = 102400 ] && msgs=$MSGS_100K
	for s in 1 10 50; do
		m=$msgs
		[ "$s" = 1 ] && m=$((msgs / 4))
		t=$(rate 127.0.0.1 "$PORT" "$s" "$m" "$size")
		p=$(rate 127.0.0.1 10025 "$s" "$m" "$size")
		r=$(awk -v t="${t:-0}" -v p="${p:-0}" 'BEGIN{ if (p > 0) printf "%.2f", t/p; else print "-" }')
		printf "%-8s %-9s %12s %12s %8s\n" "$size" "$s" "${t:-fail}" "${p:-fail}" "${r}x"
	done
done
echo "disk: 4 KB append+fdatasync, 1 thread: ${FSYNC} ops/s"
n=$(grep -c "smtp txn .*result=250" "$DIR/tern.log")
echo "tern accepted $n messages (log lines result=250)"
