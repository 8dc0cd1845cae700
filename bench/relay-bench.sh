#!/bin/bash
# relay-bench.sh - outbound relay throughput: tern beside Postfix, same
# run, same load, both relaying to one Postfix smtp-sink on loopback.
#
#   bench/relay-bench.sh [MESSAGES] [SIZE_BYTES]      (defaults 2000 4096)
#
# Load: DOMAINS (20) destination domains d1.test..dN.test, all with
# their MX on the sink (127.0.0.5). Each server gets the same aliases
# rK@a.test -> user@dK.test and the same messages from smtp-source.
# Phase 1 "fill": the queue is filled while nothing is sent (tern: the
# sink is down and retries are an hour away; Postfix: defer_transports
# = smtp). Phase 2 "drain": the sink comes up, the queue is flushed
# (`tern queue flush` / `postqueue -f`) and the clock runs until every
# message is relayed ("status=sent" in each server's log). Relay
# concurrency is 20 sessions for both (Postfix's default per
# destination; tern relay.max_concurrency = 20).
#
# The drain clock starts at the flush command; tern notices it within
# relay.queue_poll (1 s here), so use a few thousand messages.
# Env: TERN_BIN (build/tern; must have the relay service), DOMAINS,
#      SESSIONS (injecting sessions per domain, 2), KEEP=1 keeps /tmp files.
# Loopback only; every wait is bounded (TIMEOUT seconds, 600).
set -euo pipefail
N=${1:-2000}; SIZE=${2:-4096}
DOMAINS=${DOMAINS:-20}; SESS=${SESSIONS:-2}; TIMEOUT=${TIMEOUT:-600}
HERE=$(cd "$(dirname "$0")" && pwd); REPO=$(dirname "$HERE")
TERN=${TERN_BIN:-$REPO/build/tern}
# the shared anchors next to the repository, wherever it is
ANCHORS=${ANCHORS:-$HERE/../../shared/anchors}
[ -d "$ANCHORS" ] || { echo "no anchors at $ANCHORS (set ANCHORS)"; exit 2; }
W=$(mktemp -d /tmp/relay-bench.XXXXXX); chmod 755 "$W"	# postfix must reach it
SINK=127.0.0.5; A=127.0.0.2
PER=$((N / DOMAINS)); N=$((PER * DOMAINS))

port() { python3 -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1],0)); print(s.getsockname()[1])' "$1"; }
SINK_PORT=$(port $SINK); A_PORT=$(port $A); P_PORT=$(port 127.0.0.1)
DNS_PORT=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	timeout 30 env ANCHOR_DIR=$W/postfix "$ANCHORS/postfix/stop.sh" >/dev/null 2>&1 || true
	[ "${KEEP:-0}" = 1 ] || rm -rf "$W"
}
trap cleanup EXIT

wait_count() {	# FILE PATTERN COUNT -> seconds waited (bounded)
	local t0 t1 n
	t0=$(date +%s.%N)
	while :; do
		n=$(grep -c -- "$2" "$1" 2>/dev/null || true)
		[ "${n:-0}" -ge "$3" ] && break
		t1=$(date +%s.%N)
		if [ "$(echo "$t1 - $t0 > $TIMEOUT" | bc)" = 1 ]; then
			echo "timeout: $n of $3 in $1" >&2; return 1
		fi
		sleep 0.05
	done
	echo "$(date +%s.%N) - $t0" | bc
}

inject() {	# HOST PORT: DOMAINS parallel smtp-source runs, one alias each
	local pids=() k
	for k in $(seq 1 "$DOMAINS"); do
		timeout "$TIMEOUT" smtp-source -s "$SESS" -m "$PER" -l "$SIZE" \
			-f bench@sender.test -t "r$k@a.test" "$1:$2" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
}

sink_start() {
	smtp-sink -u nobody -m 1000 "$SINK:$SINK_PORT" 1024 >/dev/null 2>&1 &
	SINK_PID=$!; PIDS+=("$SINK_PID")
	for i in $(seq 1 50); do (exec 3<>/dev/tcp/$SINK/$SINK_PORT) 2>/dev/null && return 0; sleep 0.1; done
	echo "smtp-sink did not start" >&2; exit 1
}

# ---- DNS for tern: unbound serving dK.test MX -> the sink ----
{
	echo "server:"; echo "  interface: 127.0.0.1"; echo "  port: $DNS_PORT"
	echo "  do-daemonize: no"; echo "  use-syslog: no"; echo '  username: ""'
	echo '  chroot: ""'; echo "  directory: \"$W\""; echo '  pidfile: ""'
	echo "  logfile: \"$W/unbound.log\""; echo "  verbosity: 1"
	echo '  local-zone: "test." nodefault'
	for k in $(seq 1 "$DOMAINS"); do
		echo "  local-zone: \"d$k.test.\" static"
		echo "  local-data: \"d$k.test. IN MX 10 mx.d$k.test.\""
		echo "  local-data: \"mx.d$k.test. IN A $SINK\""
	done
} > "$W/unbound.conf"
/usr/sbin/unbound -d -c "$W/unbound.conf" & PIDS+=($!)
for i in $(seq 1 100); do grep -q "start of service" "$W/unbound.log" 2>/dev/null && break; sleep 0.05; done

# ---- tern ----
"$TERN" init "$W/tern" --domain a.test --hostname mail.a.test --user "$(id -un)" >/dev/null
C=$W/tern/tern.conf
sed -i -e '/^listen = /d' -e "s|^user = .*|user = $(id -un)|" "$C"
sed -i "s|^log_level = .*|log_level = info\nlisten = smtp $A:$A_PORT starttls|" "$C"
cat >> "$C" <<CONF

[relay]
port = $SINK_PORT
max_concurrency = 20
max_per_destination = 20
min_backoff = 1h
max_backoff = 1h
queue_poll = 1s
connect_timeout = 1s

[dns]
resolver = 127.0.0.1@$DNS_PORT
CONF
for k in $(seq 1 "$DOMAINS"); do "$TERN" -c "$C" alias add "r$k@a.test" "user@d$k.test" >/dev/null; done
"$TERN" -c "$C" serve > "$W/tern.log" 2>&1 & TERN_PID=$!; PIDS+=("$TERN_PID")
for i in $(seq 1 100); do grep -q "started config=" "$W/tern.log" && break; sleep 0.05; done
grep -q "relay started" "$W/tern.log" || { echo "this tern has no relay service" >&2; exit 1; }

t0=$(date +%s.%N); inject $A "$A_PORT"; t_fill=$(echo "$(date +%s.%N) - $t0" | bc)
# every first attempt must have failed (sink down: an hour out) before
# the sink comes up, or the drain clock would miss deliveries
for i in $(seq 1 $((TIMEOUT * 10))); do
	d=$(awk '/relay done/ { for (i = 1; i <= NF; i++) if ($i ~ /^deferred=/) { sub("deferred=", "", $i); s += $i } } END { print s + 0 }' "$W/tern.log")
	[ "$d" -ge "$N" ] && break
	sleep 0.1
done
sink_start
"$TERN" -c "$C" queue flush >/dev/null
t_tern=$(wait_count "$W/tern.log" "status=sent" "$N")
kill "$SINK_PID"; wait "$SINK_PID" 2>/dev/null || true
kill "$TERN_PID"; wait "$TERN_PID" 2>/dev/null || true
echo "tern:    fill $N msgs in ${t_fill}s; relayed $N in ${t_tern}s: $(echo "scale=0; $N / $t_tern" | bc) msgs/s (includes up to 1 s until the server's next queue poll sees the flush)"

# ---- Postfix ----
: > "$W/pf-aliases"
for k in $(seq 1 "$DOMAINS"); do echo "r$k@a.test user@d$k.test" >> "$W/pf-aliases"; done
transport=$(for k in $(seq 1 "$DOMAINS"); do printf 'd%s.test=smtp:[%s]:%s, ' "$k" "$SINK" "$SINK_PORT"; done)
# only new keys here: an overridden key makes every Postfix process log
# warnings, enough to fill postlogd's socket under load
ANCHOR_DIR=$W/postfix ANCHOR_PORT=$P_PORT ANCHOR_EXTRA_MAIN="virtual_alias_domains = a.test
virtual_alias_maps = hash:$W/pf-aliases
transport_maps = inline:{ ${transport%, } }
defer_transports = smtp
smtp_tls_security_level = may
default_destination_concurrency_limit = 20" \
	"$ANCHORS/postfix/start.sh" >/dev/null 2>&1
postmap -c "$W/postfix/etc" "hash:$W/pf-aliases"
postconf -c "$W/postfix/etc" -e default_transport=smtp relay_transport=smtp \
	"smtpd_relay_restrictions = permit_mynetworks, reject"
echo "smtp      unix  -       -       n       -       -       smtp" >> "$W/postfix/etc/master.cf"
timeout 30 postfix -c "$W/postfix/etc" reload >/dev/null 2>&1 || true
sleep 2
t0=$(date +%s.%N); inject 127.0.0.1 "$P_PORT"; t_fill=$(echo "$(date +%s.%N) - $t0" | bc)
wait_count "$W/postfix/log/maillog" "status=deferred" "$N" >/dev/null || true
sink_start
postconf -c "$W/postfix/etc" -e "defer_transports =" 2>/dev/null
timeout 30 postfix -c "$W/postfix/etc" reload >/dev/null 2>&1 || true
sleep 1	# qmgr restarts on reload; a flush before that is lost
timeout 30 postqueue -c "$W/postfix/etc" -f 2>/dev/null || true
t_pf=$(wait_count "$W/postfix/log/maillog" "status=sent" "$N")
echo "postfix: fill $N msgs in ${t_fill}s; relayed $N in ${t_pf}s: $(echo "scale=0; $N / $t_pf" | bc) msgs/s"
echo "ratio tern/postfix relay throughput: $(echo "scale=2; $t_pf / $t_tern" | bc)"
