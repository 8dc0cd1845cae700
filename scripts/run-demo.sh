#!/bin/sh
# run-demo.sh TERN - start tern with the demo configuration in ./run/demo:
# domain example.test on 127.0.0.1, accounts demo@ and friend@example.test.
set -eu
TERN=${1:-build/tern}
DIR=${TERN_DEMO_DIR:-run/demo}
PASS=${TERN_DEMO_PASSWORD:-demo-password}

if [ ! -f "$DIR/tern.conf" ]; then
	mkdir -p "$DIR"
	# as root, run as the unprivileged user "tern" when it can reach the
	# folder (a checkout under /root may be closed to it; init creates
	# the user when missing, so probe with "nobody" then); else say
	# plainly that the demo stays root (tern refuses an empty user)
	USER_OPT=""
	if [ "$(id -u)" = 0 ]; then
		PROBE=tern
		id tern >/dev/null 2>&1 || PROBE=nobody
		if runuser -u "$PROBE" -- test -x "$(cd "$DIR" && pwd)" 2>/dev/null; then
			USER_OPT="tern"
		else
			echo "note: the user 'tern' cannot reach $DIR; the demo runs as root (user = root)"
			USER_OPT="root"
		fi
	else
		USER_OPT=$(id -un)
	fi
	"$TERN" init "$DIR" --domain example.test --hostname mail.example.test \
		--user "$USER_OPT" --force
	for a in demo@example.test friend@example.test; do
		printf '%s\n' "$PASS" | "$TERN" -c "$DIR/tern.conf" account add "$a" --password-stdin
	done
	echo
	echo "Demo accounts: demo@example.test and friend@example.test, password: $PASS"
fi
echo "Starting tern (Ctrl-C stops it). Config: $DIR/tern.conf"
exec "$TERN" -c "$DIR/tern.conf" serve
