#!/bin/sh
# test.sh - the README's second command: install what building and
# testing tern need (make too: a fresh minimal Debian has none), build, run
# the unit and integration tests (`make test`). As root or a sudo user.
set -e
cd "$(dirname "$0")"
scripts/install-deps.sh test
exec make -j"$(nproc)" --no-print-directory test "$@"
