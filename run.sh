#!/bin/sh
# run.sh - the README's first command: install what building and running
# tern need (make too: a fresh minimal Debian has none), build, start the
# demo server in the foreground (`make run`). As root or a sudo user.
set -e
cd "$(dirname "$0")"
scripts/install-deps.sh run
exec make -j"$(nproc)" --no-print-directory run "$@"
