#!/usr/bin/env bash
# duration: 18 (seconds on the ASan build: tests/integration/run.sh starts the longest first)
# Hostile input on the control socket: random bytes, broken handshakes and mutated D-Bus messages
# (tests/helpers/control-fuzz.py, a fixed seed), and every method called with arguments no client
# of ours sends. svcd answers each with an error or a closed connection, never crashes, keeps
# running services untouched, and writes nothing a name points at outside its own directories.
. "$(dirname "$0")/lib.sh"

FUZZ=$(cd "$(dirname "$0")/../helpers" && pwd)/control-fuzz.py

bus() {
        busctl --address="unix:path=$T/run/svc/control" "$@"
}

call() {
        bus call /org/svc/manager org.svc.Manager1 "$@"
}

# alive_and_serving NAME: svcd runs, answers a status, and NAME is still active with PID.
alive_and_serving() {
        pid_alive "$SVCD_PID" || fail "svcd died: $(tail -n 20 "$T/svcd.log")"
        state_is "$1" running || fail "$1 is $(state "$1") after hostile input"
        assert_eq "$2" "$(main_pid "$1")" "$1's main process was left alone"
}

test_random_bytes_and_mutated_messages_leave_svcd_serving() {
        unit quiet <<'EOF2'
[Service]
ExecStart=/bin/sleep 1000
EOF2
        start_svcd
        svc start quiet || fail "start failed"
        local pid out fds
        pid=$(main_pid quiet)
        fds=$(svcd_fds)
        out=$(python3 "$FUZZ" "$T/run/svc/control" 1 400 2>&1) || fail "control-fuzz: $out"
        alive_and_serving quiet "$pid"
        # Every connection was closed when its client went: no descriptor is left behind.
        assert_eq "$fds" "$(svcd_fds)" "svcd's open descriptors"
        # Still a working control server: a real call gets its answer.
        svc stop quiet || fail "stop after the fuzz failed"
        state_is quiet inactive || fail "quiet is $(state quiet) after stop"
}

test_every_method_with_hostile_arguments_gets_an_error() {
        unit quiet <<'EOF2'
[Service]
ExecStart=/bin/sleep 1000
EOF2
        start_svcd
        svc start quiet || fail "start failed"
        local pid long names=() i
        pid=$(main_pid quiet)
        long=$(printf 'a%.0s' $(seq 1 5000))
        for i in $(seq 1 3000); do names+=("n$i"); done
        # Each of these must be refused with an error, not answered and not crash svcd.
        local -a bad=(
                "Start asb 1 ../../etc/passwd false"
                "Start asb 1 /etc/passwd true"
                "Start asb 1 $long false"
                "Stop asb 1 quiet@../x false"
                "Restart asb 1 .unit false"
                "Reload asb 1 a@b@c false"
                "Enable as 1 ../../../tmp/svc-enable-escape"
                "Disable as 1 ../../etc"
                "Exec sashhhb nosuch 1 /bin/true 0 1 2 false"
                "Exec sashhhb quiet 0 0 1 2 false"
                "ExecWait su quiet 4294967295"
                "ExecSignal sui quiet 1 9"
                "ExecSignal sui quiet 0 999"
                "Start s quiet"
                "Status s quiet"
                "NoSuchMethod"
        )
        local c
        for c in "${bad[@]}"; do
                # shellcheck disable=SC2086 # the words are the call's arguments
                if call $c >"$T/out" 2>&1; then
                        fail "accepted: $c: $(cat "$T/out")"
                fi
                pid_alive "$SVCD_PID" || fail "svcd died on: $c"
        done
        # Thousands of names in one call: an answer per name (unknown ones as errors), no crash.
        call Status as "${#names[@]}" "${names[@]}" >"$T/out" 2>&1
        pid_alive "$SVCD_PID" || fail "svcd died on a status of ${#names[@]} names"
        call Start asb "${#names[@]}" "${names[@]}" false >"$T/out" 2>&1
        pid_alive "$SVCD_PID" || fail "svcd died on a start of ${#names[@]} names"
        bus call /org/svc/manager org.no.Such Start asb 1 quiet false >"$T/out" 2>&1 &&
                fail "an unknown interface was answered"
        bus call /no/such org.svc.Manager1 Start asb 1 quiet false >"$T/out" 2>&1 &&
                fail "an unknown object was answered"
        [ ! -e /tmp/svc-enable-escape ] || { rm -f /tmp/svc-enable-escape; fail "Enable wrote outside its directory"; }
        [ -z "$(ls -A "$T/var/lib/svc/enabled" 2>/dev/null)" ] ||
                fail "a refused Enable left $(ls -A "$T/var/lib/svc/enabled")"
        alive_and_serving quiet "$pid"
}

run_tests "$@"
