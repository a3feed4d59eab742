#!/usr/bin/env bash
# Runs every unit test binary of BUILD_DIR/tests.
set -u
dir=${1:-build}/tests
failed=0
for t in "$dir"/test-*; do
        [ -x "$t" ] || continue
        echo "== $(basename "$t")"
        "$t" || failed=1
done
[ $failed -eq 0 ] && echo "unit: all passed" || echo "unit: FAILED"
exit $failed
