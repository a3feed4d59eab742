#!/usr/bin/env bash
# Inputs a service controls have a bound, or run outside the event loop (issue 12): a tree's
# passwd size, the /dev/log datagram rate against a frozen log disk, names given to read-only
# calls; and the kill of a cgroup without cgroup.kill.
. "$(dirname "$0")/lib.sh"

SRC=$(cd "$(dirname "$0")/../.." && pwd)

logof() { cat "$T/var/log/svc/$1/current" 2>/dev/null; }

# rss_kib PID: resident memory of PID in KiB.
rss_kib() {
        awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# now_ms: monotonic-enough wall clock in milliseconds.
now_ms() {
        echo $(($(date +%s%N) / 1000000))
}

# A tree whose /etc/passwd has a 6 MiB line: libc's fgetpwent() is quadratic in the line length
# and ran in the event loop, freezing svcd for seconds (minutes for 300 MB). The lookup is
# bounded now: the unit fails at once with a sentence, and svcd answers other calls within the
# issue's bound of 2 s meanwhile.
test_huge_passwd_line_does_not_freeze_svcd() {
        "$SRC/contrib/mktree.sh" "$T/tree" --busybox >/dev/null
        # Before root's line, so that libc's parser had to go through it.
        {
                printf 'x:x:1000:1000:'
                head -c $((6 * 1024 * 1024)) /dev/zero | tr '\0' a
                printf ':/:/bin/sh\n'
                cat "$T/tree/etc/passwd"
        } >"$T/passwd" && mv "$T/passwd" "$T/tree/etc/passwd"
        unit_isolated big <<EOF
[Service]
RootDirectory=$T/tree
User=root
ExecStart=/bin/sleep 1000
EOF
        unit_isolated other <<EOF
[Service]
ExecStart=/bin/sleep 1000
EOF
        start_svcd
        svc start other || fail "other did not start"
        # What a status call costs on this machine now, however loaded: the bound is 2 s or
        # twenty of those, whichever is more.
        local t0 t1 calm bound
        t0=$(now_ms)
        svc status other >/dev/null || fail "status of other failed"
        t1=$(now_ms)
        calm=$((t1 - t0))
        bound=$((20 * calm > 2000 ? 20 * calm : 2000))
        svc start big >"$T/big.out" 2>&1 &
        local starter=$!
        sleep 0.2
        t0=$(now_ms)
        svc status other >/dev/null || fail "status of other failed"
        t1=$(now_ms)
        [ $((t1 - t0)) -lt $bound ] ||
                fail "svc status took $((t1 - t0)) ms while big starts (bound: $bound, $calm ms before)"
        wait "$starter" && fail "big started with a 6 MiB passwd line"
        assert_contains "$(svc status big)" "/etc/passwd of tree $T/tree has a line longer than 1 MiB (line 1)" "status of big"
}

# A small ext4 on a loop device at $T/var/log/svc, which a test can freeze (fsfreeze needs a
# real file system): the slow log disk of the issue. The EXIT trap thaws it before svcd is
# stopped, and detaches the loop device after the unmount, whatever the test's outcome.
LOGFS=
LOGLOOP=
logfs_cleanup() {
        [ -z "$LOGFS" ] || fsfreeze -u "$LOGFS" 2>/dev/null
        cleanup_test
        [ -z "$LOGLOOP" ] || losetup -d "$LOGLOOP" 2>/dev/null
}

logfs_setup() {
        trap logfs_cleanup EXIT
        truncate -s 64M "$T/logfs.img"
        mkfs.ext4 -q -F "$T/logfs.img" || fail "mkfs.ext4 failed"
        LOGLOOP=$(losetup --find --show "$T/logfs.img") || fail "no loop device"
        mkdir -p "$T/var/log/svc"
        mount "$LOGLOOP" "$T/var/log/svc" || fail "cannot mount $LOGLOOP"
        LOGFS=$T/var/log/svc
}

# flood_script FILE KIND: a Python program that writes 4 KiB lines as fast as it can, each
# "mark N", through /dev/log (KIND syslog) or stdout (KIND stdout).
flood_script() {
        cat >"$1" <<PY
import socket, sys
kind = "$2"
pad = "x" * 4000
if kind == "syslog":
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
n = 0
while True:
    line = "mark %d %s" % (n, pad)
    if kind == "syslog":
        s.sendto(("<13>flood: " + line).encode(), "/dev/log")
    else:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
    n += 1
PY
}

# The number of the last "mark N" line in the flood's log.
last_mark() {
        tail -n 1 "$T/var/log/svc/flood/current" | sed -n 's/.*mark \([0-9]*\) .*/\1/p'
}

marks_past() {
        local n
        n=$(last_mark)
        [ -n "$n" ] && [ "$n" -ge "$1" ]
}

# flood_frozen KIND: svcd's memory stays bounded while a service floods its log through KIND and
# the log file system is frozen; the lines arrive once it thaws.
flood_frozen() {
        logfs_setup
        flood_script "$T/flood.py" "$1"
        unit flood <<EOF
[Service]
ExecStart=/usr/bin/python3 $T/flood.py
EOF
        start_svcd
        svc start flood || fail "flood did not start"
        wait_until 10 lines_at_least "$T/var/log/svc/flood/current" 10 ||
                fail "no flood in the log: $(logof flood | head -c 300)"
        local rss0 rss max=0 i
        rss0=$(rss_kib "$SVCD_PID")
        fsfreeze -f "$LOGFS" || fail "cannot freeze $LOGFS"
        for i in $(seq 40); do
                sleep 0.1
                rss=$(rss_kib "$SVCD_PID")
                [ "$rss" -le "$max" ] || max=$rss
        done
        echo "    svcd RSS: $rss0 KiB before the freeze, at most $max KiB in 4 s frozen ($1)"
        [ $((max - rss0)) -lt $((64 * 1024)) ] ||
                fail "svcd grew by $(((max - rss0) / 1024)) MiB in 4 s against a frozen log disk ($1)"
        local before
        before=$(last_mark)
        fsfreeze -u "$LOGFS" || fail "cannot thaw $LOGFS"
        wait_until 10 marks_past $((before + 1000)) || fail "no new lines after the thaw (last: mark $before)"
        svc stop flood
}

test_syslog_flood_against_frozen_log_disk_is_bounded() {
        flood_frozen syslog
}

test_stdout_flood_against_frozen_log_disk_is_bounded() {
        flood_frozen stdout
}

# unit_count: the rows of svc list.
unit_count() {
        svc list --json | grep -o '"name":' | wc -l
}

# A read-only call made an instance of a template for good: 20,000 made-up names cost 36 MB and
# 20,000 rows of svc list. Looking a name up creates nothing that outlives the call now; an
# instance asked to start stays, as in systemd.
test_status_of_made_up_instances_keeps_nothing() {
        unit_isolated foo@ <<EOF
[Service]
ExecStart=/bin/sleep 1000
EOF
        # Freed memory must leave svcd's RSS, not wait in ASan's quarantine.
        export ASAN_OPTIONS=${ASAN_OPTIONS}:quarantine_size_mb=0
        start_svcd
        svc start foo@kept || fail "foo@kept did not start"
        svc stop foo@kept || fail "foo@kept did not stop"
        local n0 rss0 rss1 b i names
        n0=$(unit_count)
        assert_contains "$(svc list)" "foo@kept" "an instance that was started"
        for b in $(seq 10); do
                names=()
                for i in $(seq 2000); do names+=("foo@x$b-$i"); done
                svc status "${names[@]}" >/dev/null
                [ $? = 3 ] || fail "status of 2000 inactive instances did not say 'not running'"
                # The first call sets the high-water mark of one call's 2000 names.
                [ "$b" != 1 ] || rss0=$(rss_kib "$SVCD_PID")
        done
        assert_contains "$(svc status foo@x1-1)" "inactive" "status of a made-up instance"
        rss1=$(rss_kib "$SVCD_PID")
        echo "    svcd RSS: $rss0 KiB after 2000 status calls of made-up instances, $rss1 KiB after 20000"
        assert_eq "$n0" "$(unit_count)" "units listed after 20000 status calls"
        [ $((rss1 - rss0)) -lt $((4 * 1024)) ] || fail "svcd grew by $(((rss1 - rss0) / 1024)) MiB"
        assert_contains "$(svc list)" "foo@kept" "a stopped instance that was started"
}

# Without cgroup.kill (Linux before 5.14, forced here by SVCD_TEST_NO_CGROUP_KILL=1), a stop
# that times out kills the service's cgroup process by process, each pinned by a pidfd and
# checked to be in the cgroup before the signal (a pid read from cgroup.procs may be reused).
test_kill_without_cgroup_kill_takes_every_process() {
        unit forker <<EOF
[Service]
Type=forking
TimeoutStopSec=1
ExecStart=/bin/sh -c 'for i in 1 2 3 4 5 6; do (trap "" TERM; exec sleep 1000) & done; exit 0'
EOF
        SVCD_TEST_NO_CGROUP_KILL=1 start_svcd
        grep -q "No cgroup.kill" "$T/svcd.log" || fail "the fallback is not in use"
        svc start forker || fail "forker did not start"
        local g="$CG/svc${T//\//_}/forker" pids p
        wait_until 5 test "$(wc -l <"$g/cgroup.procs")" -ge 7 || fail "not every process started: $(cat "$g/cgroup.procs")"
        pids=$(cat "$g/cgroup.procs")
        svc stop forker || fail "stop failed"
        for p in $pids; do
                wait_until 5 eval "! pid_alive $p" || fail "process $p survived the stop"
        done
        assert_eq "" "$(cat "$g/cgroup.procs" 2>/dev/null)" "processes left in the cgroup"
        assert_contains "$(svc status forker)" "failed (timed out" "status after the stop"
}

run_tests "$@"
