#!/bin/sh
# run-demo.sh TERN - start tern with the demo configuration in ./run/demo:
# domain example.test on 127.0.0.1, accounts demo@ and friend@example.test.
set -eu
TERN=${1:-build/tern}
DIR=${TERN_DEMO_DIR:-run/demo}
PASS=${TERN_DEMO_PASSWORD:-demo-password}

if [ ! -f "$DIR/tern.conf" ]; then
	"$TERN" init "$DIR" --domain example.test --hostname mail.example.test
	for a in demo@example.test friend@example.test; do
		printf '%s\n' "$PASS" | "$TERN" -c "$DIR/tern.conf" account add "$a" --password-stdin
	done
	echo
	echo "Demo accounts: demo@example.test and friend@example.test, password: $PASS"
fi
echo "Starting tern (Ctrl-C stops it). Config: $DIR/tern.conf"
exec "$TERN" -c "$DIR/tern.conf" serve
