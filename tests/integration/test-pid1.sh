#!/usr/bin/env bash
# duration: 120 (seconds on the ASan build: tests/integration/run.sh starts the longest first)
# svcd as PID 1 of a PID namespace (a container: unshare --pid --fork --mount-proc), without
# qemu: the shutdown signals, reaping an orphan burst, the exit status that ends a container's
# shutdown, the console lines, and that nothing of the host is mounted over, also when the
# namespace shares the host's mounts. tests/box boots the real thing under qemu.
. "$(dirname "$0")/lib.sh"

# start_container: svcd as PID 1 of a new PID namespace on $T; CONTAINER_PID is the
# unshare process (its exit status is svcd's), SVCD_HOST_PID svcd in the host's numbering.
# UNSHARE_ARGS (default --mount-proc) chooses the namespace.
start_container() {
        # shellcheck disable=SC2086 # a list of options
        unshare --pid --fork ${UNSHARE_ARGS---mount-proc} "$SVCD" --root "$T" >>"$T/svcd.log" 2>&1 &
        CONTAINER_PID=$!
        echo "$CONTAINER_PID" >>"$T/.pids"
        wait_until 10 test -S "$T/run/svc/control" || fail "svcd did not create its control socket"
        SVCD_HOST_PID=$(pgrep -P "$CONTAINER_PID")
        [ -n "$SVCD_HOST_PID" ] || fail "no svcd under unshare"
}

# wait_container: waits for the container to end; CONTAINER_RC is svcd's exit status.
wait_container() {
        local i=0
        while pid_alive "$CONTAINER_PID" && [ $i -lt 200 ]; do
                sleep 0.05
                i=$((i + 1))
        done
        pid_alive "$CONTAINER_PID" && fail "svcd did not end its container"
        CONTAINER_RC=0
        wait "$CONTAINER_PID" || CONTAINER_RC=$?
}

# svc poweroff from inside the container: when svcd, the namespace's PID 1, exits, the kernel
# kills every process left in it, and a client that has its answer but has not exited yet (ASan
# checks for leaks at exit) ends by SIGKILL. Anything else is a failure.
svc_poweroff_inside() {
        local rc=0
        svc poweroff || rc=$?
        [ "$rc" = 0 ] || [ "$rc" = 137 ] || fail "svc poweroff: exit status $rc"
}

# svc from inside the container's PID namespace: sd-bus refuses a peer whose SO_PEERCRED pid is
# 0, which is how svcd sees a process outside its namespace. Its mounts too, for a /proc that
# numbers processes as the namespace does (LeakSanitizer reads /proc/PID/task).
svc() {
        if [ -n "${SVCD_HOST_PID:-}" ]; then
                nsenter -t "$SVCD_HOST_PID" --pid --mount -- "$SVC" --root "$T" "$@"
        else
                "$SVC" --root "$T" "$@"
        fi
}

sleeper() {
        unit "$1" <<'EOF'
[Service]
ExecStart=/bin/sleep 1000
EOF
        enable "$1"
}

# The mounts svcd would make on a real boot, with the mount id on top of each: unchanged means
# nothing was mounted over them (other tests may mount elsewhere meanwhile).
boot_mounts() {
        awk '$5 ~ /^\/(proc|sys|dev|dev\/pts|dev\/shm|run|sys\/fs\/cgroup)?$/ { top[$5] = $1 }
                END { for (m in top) print m, top[m] }' /proc/self/mountinfo | sort
}

test_signals_shut_down_with_their_kind() {
        sleeper a
        local sig kind
        for sig in TERM:power-off INT:reboot PWR:power-off USR1:halt USR2:power-off; do
                kind=${sig#*:}
                sig=${sig%%:*}
                : >"$T/svcd.log"
                start_container
                wait_until 10 state_is a running || fail "a did not start (SIG$sig)"
                kill -"$sig" "$SVCD_HOST_PID"
                wait_container
                assert_eq 0 "$CONTAINER_RC" "exit status after SIG$sig"
                local log
                log=$(cat "$T/svcd.log")
                assert_contains "$log" "Received SIG$sig" "log"
                assert_contains "$log" "Shutdown requested: ${kind/-/ }" "log after SIG$sig"
                assert_contains "$log" "[  OK  ] Stopped a" "log after SIG$sig"
                assert_contains "$log" "In a container: exiting instead of ${kind/-/ }" "log after SIG$sig"
        done
}

test_sighup_reloads_and_keeps_running() {
        sleeper a
        start_container
        wait_until 10 state_is a running || fail "a did not start"
        sleeper b
        kill -HUP "$SVCD_HOST_PID"
        wait_until 5 grep -q "Reloaded the unit directory" "$T/svcd.log" || fail "no reload after SIGHUP"
        pid_alive "$SVCD_HOST_PID" || fail "svcd ended on SIGHUP"
        svc status b >/dev/null 2>&1 || [ $? = 3 ] || fail "b not loaded after SIGHUP"
        svc_poweroff_inside
        wait_container
        assert_eq 0 "$CONTAINER_RC" "exit status"
}

test_console_lines() {
        sleeper a
        unit broken <<'EOF'
[Service]
ExecStart=/no/such/program
Restart=no
EOF
        enable broken
        start_container
        wait_until 10 grep -qF "[  OK  ] Started a" "$T/svcd.log" || fail "no [  OK  ] line"
        wait_until 10 grep -qF "[FAILED] Failed to start broken: " "$T/svcd.log" || fail "no [FAILED] line"
        state_is a running || fail "a not running next to a broken unit"
        svc poweroff
        wait_container
        assert_contains "$(cat "$T/svcd.log")" "Stopping a..."
}

# children_at_least N / children_at_most N: svcd's children (zombies included) against N.
children_at_least() { [ "$(pgrep -c -P "$SVCD_HOST_PID")" -ge "$1" ]; }
children_at_most() { [ "$(pgrep -c -P "$SVCD_HOST_PID")" -le "$1" ]; }

# Orphans of the namespace come to its PID 1: 2000 of them, ended by one kill of their group.
test_orphan_burst_reaped() {
        sleeper a
        start_container
        wait_until 10 state_is a running || fail "a did not start"
        local before n=2000
        before=$(pgrep -c -P "$SVCD_HOST_PID")
        # nsenter's child lives in the namespace: when it exits, its orphans go to svcd.
        nsenter -t "$SVCD_HOST_PID" --pid -- setsid sh -c 'echo $$ >"$1/burst.pgid"; i=0
                while [ $i -lt "$2" ]; do (sleep 1000 &); i=$((i + 1)); done' - "$T" "$n"
        wait_until 20 children_at_least $((before + n)) ||
                fail "svcd adopted $(($(pgrep -c -P "$SVCD_HOST_PID") - before)) of $n orphans"
        nsenter -t "$SVCD_HOST_PID" --pid -- sh -c 'kill -TERM -"$(cat "$1/burst.pgid")"' - "$T"
        wait_until 20 children_at_most "$before" ||
                fail "$(($(pgrep -c -P "$SVCD_HOST_PID") - before)) of $n orphans not reaped"
        state_is a running || fail "a not running after the burst"
        svc poweroff
        wait_container
        assert_eq 0 "$CONTAINER_RC" "exit status"
}

# What is left of the namespace after the services stopped is killed before svcd exits.
test_shutdown_kills_what_is_left() {
        start_container
        nsenter -t "$SVCD_HOST_PID" --pid -- sh -c '(sleep 1000 &)'
        local left
        wait_until 5 pgrep -P "$SVCD_HOST_PID" sleep || fail "no orphan sleep under svcd"
        left=$(pgrep -P "$SVCD_HOST_PID" sleep)
        kill -TERM "$SVCD_HOST_PID"
        wait_container
        assert_eq 0 "$CONTAINER_RC" "exit status"
        pid_alive "$left" && fail "orphan $left survived the container"
        assert_contains "$(cat "$T/svcd.log")" "Sending SIGTERM to the remaining processes"
}

# A container's PID 1 that cannot start exits 1 (no emergency shell: that is for a real boot).
test_fatal_error_exits_1() {
        local rc=0
        unshare --pid --fork --mount-proc "$SVCD" --root /proc/sys >"$T/svcd.log" 2>&1 || rc=$?
        assert_eq 1 "$rc" "exit status"
        assert_not_contains "$(cat "$T/svcd.log")" "emergency shell"
}

test_nothing_of_the_host_mounted() {
        local before host
        before=$(boot_mounts)
        host=$(hostname)
        sleeper a
        start_container
        wait_until 10 state_is a running || fail "a did not start"
        kill -TERM "$SVCD_HOST_PID"
        wait_container
        assert_eq "$before" "$(boot_mounts)" "the host's mounts"
        assert_eq "$host" "$(hostname)" "the host's hostname"
        assert_contains "$(cat "$T/svcd.log")" "(a container)"
}

# Sharing the host's mount namespace (and its /proc): a real boot's mounts would land on the
# host's. svcd must tell it is a container, warn about /proc, and mount nothing.
test_shared_mounts_touched_nothing() {
        local before
        before=$(boot_mounts)
        UNSHARE_ARGS=" " start_container
        kill -TERM "$SVCD_HOST_PID"
        wait_container
        assert_eq 0 "$CONTAINER_RC" "exit status"
        assert_eq "$before" "$(boot_mounts)" "the host's mounts"
        local log
        log=$(cat "$T/svcd.log")
        assert_contains "$log" "(a container)"
        assert_contains "$log" "/proc belongs to another PID namespace"
        assert_not_contains "$log" "real boot"
}

# No /proc at all in the namespace: detection through a procfs attached nowhere.
test_no_proc_is_still_a_container() {
        unshare --pid --fork --mount --propagation private sh -c \
                'umount -l /proc && exec "$1" --root "$2"' - "$SVCD" "$T" >"$T/svcd.log" 2>&1 &
        CONTAINER_PID=$!
        echo "$CONTAINER_PID" >>"$T/.pids"
        wait_until 10 grep -q "PID 1" "$T/svcd.log" || fail "svcd said nothing about PID 1"
        wait_until 10 grep -q "Ready, control socket" "$T/svcd.log" || fail "svcd did not start"
        kill -TERM "$(pgrep -P "$CONTAINER_PID")" 2>/dev/null
        # Not its exit status: a sanitizer build cannot end cleanly without /proc.
        wait_container
        assert_contains "$(cat "$T/svcd.log")" "Exiting with status 0"
        assert_contains "$(cat "$T/svcd.log")" "(a container)"
        assert_not_contains "$(cat "$T/svcd.log")" "real boot"
}

test_not_pid1_exits_on_poweroff() {
        start_svcd
        svc_poweroff_inside
        local rc=0
        wait "$SVCD_PID" || rc=$?
        SVCD_PID=
        assert_eq 0 "$rc" "exit status"
        assert_contains "$(cat "$T/svcd.log")" "Not PID 1: exiting instead of power off"
        assert_not_contains "$(cat "$T/svcd.log")" "[  OK  ]"
}

# The host's svc, outside the container's PID namespace, talks to the container's svcd: its
# SO_PEERCRED pid is 0 there, which sd-bus's EXTERNAL authentication alone would refuse.
test_svc_from_the_host_reaches_a_container_svcd() {
        sleeper a
        start_container
        wait_until 10 eval '[ "$("$SVC" --root "$T" status a 2>&1 | sed -n "s/^ *Active: \([a-z]*\).*/\1/p")" = running ]' ||
                fail "svc from the host: $("$SVC" --root "$T" status a 2>&1)"
        "$SVC" --root "$T" stop a || fail "svc stop from the host"
        "$SVC" --root "$T" poweroff || fail "svc poweroff from the host"
        wait_container
        assert_eq 0 "$CONTAINER_RC" "svcd's exit status"
}

run_tests "$@"
