#!/usr/bin/env bash
# tests/fuzz/run.sh SECONDS|runs=N TARGET...: runs each libFuzzer target for SECONDS (`make fuzz`:
# a new random search each time) or for N inputs from a fixed seed (`make check`: the same
# inputs at every run, so that a check never passes or fails by chance), starting from its
# seed corpus tests/fuzz/corpus-NAME (read-only: what the run finds stays in a temporary corpus),
# as root (the archive writer sets owners). A crash, a leak, a timeout or an abort of the
# target's own checks fails; the input that did it is kept under build/fuzz/artifacts.
set -u
here=$(cd "$(dirname "$0")" && pwd)
seconds=$1
shift
work=$(mktemp -d /tmp/svc-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
# What a target makes for itself (fuzz-control's root) goes with the run, even after a crash.
export TMPDIR=$work
artifacts=$here/../../build/fuzz/artifacts
mkdir -p "$artifacts"
passed=0 failed=0
for target in "$@"; do
        name=$(basename "$target")
        seeds=$here/corpus-${name#fuzz-}
        case $seconds in
        runs=*) budget=(-runs="${seconds#runs=}" -seed=1) ;;
        *) budget=(-max_total_time="$seconds") ;;
        esac
        args=("${budget[@]}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
                -artifact_prefix="$artifacts/$name-" "$work/$name")
        [ -d "$seeds" ] && args+=("$seeds")
        for attempt in 1 2; do
                rm -rf "${work:?}/$name" && mkdir -p "$work/$name"
                "$target" "${args[@]}" >"$work/$name.log" 2>&1 && break
                echo "FAIL  $name"
                # The report and its stack, and the input kept: does it crash alone?
                grep -E '^==[0-9]+==|SUMMARY|^artifact_prefix|Test unit written|^ *#[0-9]+ ' "$work/$name.log" |
                        head -n 40 | sed 's/^/      /'
                cp "$work/$name.log" "$artifacts/$name-$attempt.log"
                input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$work/$name.log" | tail -n 1)
                # A crash its input repeats is a bug; one that does not repeat (twice it was a
                # "deadly signal" with no stack of ours) gets one more run, and fails if it comes back.
                if [ "$attempt" = 2 ] || [ -z "$input" ] || ! "$target" "$input" >/dev/null 2>&1; then
                        attempt=fail
                        break
                fi
                echo "      its input does not crash alone ($input): one more run of $name"
        done
        if [ "${attempt:-}" = fail ]; then
                failed=$((failed + 1))
        else
                echo "ok    $name: $(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$name.log") runs ($seconds)"
                passed=$((passed + 1))
        fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" = 0 ]
