#!/bin/bash
# fuzz-ci.sh - build every libFuzzer harness (make fuzz: clang, ASan +
# UBSan, build-fuzz/) and run each for a bounded time from its seed
# corpus in tests/data/fuzz/<harness>/. Fails on any crash, leak,
# timeout, out-of-memory or sanitizer report, and names the input that
# did it (saved under build-fuzz/artifacts/<harness>/).
#
#   scripts/fuzz-ci.sh                  every harness, FUZZ_SECONDS each
#   scripts/fuzz-ci.sh fuzz-conf ...    only these
#   FUZZ_SECONDS=300 scripts/fuzz-ci.sh a longer run
#
# The committed seeds are never written: each run starts from a copy,
# and new inputs found stay in build-fuzz/corpus/<harness>/.
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${FUZZ_SECONDS:-30}
make -j2 --no-print-directory fuzz

if [ $# -gt 0 ]; then
	harnesses=("$@")
else
	harnesses=()
	for f in tests/fuzz/fuzz-*.c; do
		harnesses+=("$(basename "$f" .c)")
	done
fi

export ASAN_OPTIONS=${FUZZ_ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

failed=()
start=$SECONDS
for h in "${harnesses[@]}"; do
	seeds=tests/data/fuzz/$h
	work=build-fuzz/corpus/$h
	art=build-fuzz/artifacts/$h
	log=build-fuzz/$h.log
	if [ ! -d "$seeds" ] || [ -z "$(ls -A "$seeds")" ]; then
		echo "fuzz: $h has no seed corpus in $seeds" >&2
		failed+=("$h")
		continue
	fi
	rm -rf "$work" "$art"
	mkdir -p "$work" "$art"
	cp "$seeds"/* "$work"/
	t0=$SECONDS
	if build-fuzz/"$h" -max_total_time="$secs" -timeout=10 \
	    -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
	    -artifact_prefix="$art/" "$work" >"$log" 2>&1; then
		echo "fuzz: $h ok ($((SECONDS - t0)) s," \
		    "$(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$log" |
		    grep -o '[0-9]*$') runs)"
	else
		echo "fuzz: $h FAILED, see $log; inputs in $art:" >&2
		ls "$art" >&2 || true
		# the report without progress lines and libFuzzer's own frames
		grep -v -E '^#[0-9]+[[:space:]]|^INFO:|in fuzzer::|libc\.so|__libc_start|in _start |sanitizer_print_stack_trace|^(MS|stat::)' \
		    "$log" | tail -40 >&2
		failed+=("$h")
	fi
done
echo "fuzz: ${#harnesses[@]} harnesses in $((SECONDS - start)) s"
if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz: failed: ${failed[*]}" >&2
	exit 1
fi
