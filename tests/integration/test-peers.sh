#!/usr/bin/env bash
# duration: 185 (seconds on the ASan build: tests/integration/run.sh starts the longest first)
# Who talks to svcd: a process of a service never controls svcd, whether it is alive, already
# gone, or in an Accept=yes connection's sandbox; one service cannot make another ready through
# its notify socket; held connections of the group svc never lock root out; a big directory in
# `svc status NAME` does not stall the answers to everyone else.
. "$(dirname "$0")/lib.sh"

HELPERS=$(cd "$(dirname "$0")/../helpers" && pwd)

probe_setup() {
        cp "$HELPERS/peerprobe.py" "$T/peerprobe.py"
}

victim() {
        unit victim <<'EOF'
[Service]
ExecStart=/bin/sleep 1000
EOF
}

# victim_untouched PID: the victim still runs as PID.
victim_untouched() {
        assert_eq running "$(state victim)" "the victim's state"
        assert_eq "$1" "$(main_pid victim)" "the victim's main pid"
}

# The attack that failed open: connect, exit before svcd accepts, leave the connection to a child.
# SO_PEERCRED's pid then names no process, and the peer used to pass as the host's root. svcd is
# held stopped (busy) while the first connections queue, so that their makers are surely gone.
test_connect_and_exit_from_a_service_is_refused() {
        probe_setup
        victim
        unit intruder <<EOF
[Service]
Type=oneshot
Restart=no
TimeoutStartSec=300
ExecStart=/bin/sh -c 'while [ ! -e $T/go ]; do sleep 0.05; done; /usr/bin/python3 $T/peerprobe.py call-exit $T/run/svc/control Stop victim 500 >$T/intruder.out 2>&1'
EOF
        start_svcd
        svc start victim || fail "victim did not start"
        local pid
        pid=$(main_pid victim)
        svc start --no-block intruder
        wait_until 10 state_is intruder starting || fail "the intruder did not start"
        kill -STOP "$SVCD_PID"
        touch "$T/go"
        # The backlog is full when the count stops growing.
        wait_until 20 grep -q "^sent 60$" "$T/intruder.out" || {
                kill -CONT "$SVCD_PID"
                fail "the intruder did not connect: $(tail -3 "$T/intruder.out")"
        }
        sleep 0.5
        kill -CONT "$SVCD_PID"
        wait_until 120 grep -q "^done" "$T/intruder.out" || fail "the intruder's loop did not end"
        assert_not_contains "$(cat "$T/intruder.out")" reply "the answers to the intruder"
        # Whatever the intruder left in the backlog is accepted before this call is.
        svc status victim >/dev/null
        sleep 0.5
        victim_untouched "$pid"
        assert_contains "$(cat "$T/svcd.log")" "Refusing a control connection"
        assert_not_contains "$(cat "$T/svcd.log")" "victim: stopping"
}

test_live_peer_in_a_service_is_refused() {
        probe_setup
        victim
        unit intruder <<EOF
[Service]
Type=oneshot
Restart=no
ExecStart=/bin/sh -c '/usr/bin/python3 $T/peerprobe.py call $T/run/svc/control Stop victim >$T/intruder.out 2>&1'
EOF
        start_svcd
        svc start victim
        local pid
        pid=$(main_pid victim)
        svc start intruder || fail "intruder failed: $(cat "$T/intruder.out")"
        assert_eq closed "$(cat "$T/intruder.out")" "what the intruder got"
        victim_untouched "$pid"
        assert_contains "$(cat "$T/svcd.log")" "Refusing a control connection"
}

# Each Accept=yes connection runs in a sandbox (a PID namespace) of its own, not the service's.
test_accept_yes_connection_sandbox_is_refused() {
        probe_setup
        victim
        local port=$((27000 + RANDOM % 1000))
        unit inetd <<EOF
[Service]
ListenStream=127.0.0.1:$port
Accept=yes
ExecStart=/usr/bin/python3 $T/peerprobe.py call $T/run/svc/control Stop victim
EOF
        start_svcd
        svc start victim inetd
        local pid out
        pid=$(main_pid victim)
        out=$(exec 3<>/dev/tcp/127.0.0.1/$port && timeout 30 cat <&3)
        assert_eq closed "$out" "what the connection's command got"
        victim_untouched "$pid"
}

# B sends READY=1 through A's notify socket and exits at once: SCM_CREDENTIALS then names no
# process, and A used to become ready.
test_notify_from_another_service_is_ignored() {
        probe_setup
        unit a <<'EOF'
[Service]
Type=notify
TimeoutStartSec=120
ExecStart=/bin/sleep 1000
EOF
        unit b <<EOF
[Service]
Type=oneshot
Restart=no
BindPaths=$T/run/svc/notify/a:/run/a-notify
ExecStart=/bin/sh -c '/usr/bin/python3 $T/peerprobe.py notify-exit /run/a-notify 300 >$T/b.out 2>&1'
EOF
        start_svcd
        svc start --no-block a
        wait_until 10 test -S "$T/run/svc/notify/a" || fail "a has no notify socket"
        svc start b || fail "b failed: $(cat "$T/b.out")"
        assert_eq "done" "$(cat "$T/b.out")" "b's loop"
        sleep 0.5
        assert_eq starting "$(state a)" "a after READY=1 from b"
        assert_contains "$(cat "$T/svcd.log")" "a: ignoring a notification"
}

# start_svcd_with_group GID: svcd with a group svc of GID, in a mount namespace of its own whose
# /etc/group says so (the machine's /etc/group is left alone).
start_svcd_with_group() {
        { cat /etc/group; echo "svc:x:$1:"; } >"$T/group"
        rm -f "$T/run/svc/control"
        unshare --mount --propagation private sh -c 'mount --bind "$1" /etc/group && shift && exec "$@"' \
                sh "$T/group" "$SVCD" --root "$T" >>"$T/svcd.log" 2>&1 &
        SVCD_PID=$!
        echo "$SVCD_PID" >>"$T/.pids"
        wait_until 10 test -S "$T/run/svc/control" || fail "svcd did not create its control socket"
        chmod 755 "$T" "$T/run" "$T/run/svc"
}

# hold UID GID N: UID of group svc opens N connections that send nothing; prints how many svcd kept.
hold() {
        setpriv --reuid="$1" --regid="$2" --clear-groups /usr/bin/python3 "$T/peerprobe.py" hold \
                "$T/run/svc/control" "$3" >"$T/hold.$1" 2>&1 &
        echo $! >>"$T/.pids"
        echo $! >>"$T/holders"
        wait_until 15 grep -q "^open" "$T/hold.$1" || fail "holder $1: $(cat "$T/hold.$1")"
        sed -n 's/^open //p' "$T/hold.$1"
}

test_held_connections_of_group_svc_do_not_lock_root_out() {
        probe_setup
        chmod 755 "$T/peerprobe.py"
        victim
        local gid=$((61000 + RANDOM % 1000))
        start_svcd_with_group "$gid"
        svc start victim
        assert_eq "$gid" "$(stat -c %g "$T/run/svc/control")" "the socket's group"
        local kept
        kept=$(hold 60001 "$gid" 64)
        [ "$kept" -le 16 ] || fail "one user of group svc holds $kept connections"
        # More users of the group, up to and past what they may hold together.
        local u total=$kept
        for u in 60002 60003 60004 60005; do
                kept=$(hold "$u" "$gid" 20)
                total=$((total + kept))
        done
        [ "$total" -le 64 ] || fail "group svc holds $total connections"
        # The group still reads status, within its own share ...
        local rc=0
        timeout 10 "$SVC" --root "$T" status victim >/dev/null || rc=$?
        assert_eq 0 "$rc" "root's svc status with the group's connections held"
        rc=0
        timeout 10 "$SVC" --root "$T" stop victim || rc=$?
        assert_eq 0 "$rc" "root's svc stop with the group's connections held"
        local p
        while read -r p; do kill "$p"; done <"$T/holders"
}

# sd-bus (systemd 252 and later) keeps the descriptors that came with a message it cannot parse
# and drops: each such message left three in svcd for good, and a member of group svc could use
# up svcd's descriptors. Only root, whose `svc exec` passes its stdio, may pass descriptors.
test_group_svc_cannot_leave_descriptors_in_svcd() {
        probe_setup
        chmod 755 "$T/peerprobe.py"
        local gid=$((61000 + RANDOM % 1000)) before out
        start_svcd_with_group "$gid"
        svc list >/dev/null
        before=$(svcd_fds)
        out=$(setpriv --reuid=60001 --regid="$gid" --clear-groups /usr/bin/python3 "$T/peerprobe.py" \
                pass-fds "$T/run/svc/control" 20 2>&1) || fail "pass-fds: $out"
        wait_until 5 test "$(svcd_fds)" -le "$before" ||
                fail "svcd holds $(($(svcd_fds) - before)) more descriptors"
        assert_eq "agreed 0" "$out" "svcd's answers to a member of group svc asking for descriptors"
        pid_alive "$SVCD_PID" || fail "svcd died"
        svc list >/dev/null || fail "svcd does not answer root any more"
}

test_a_silent_connection_is_closed_after_30s() {
        probe_setup
        victim
        start_svcd
        local start=$SECONDS
        /usr/bin/python3 - "$T/run/svc/control" <<'EOF' >"$T/idle.out"
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.settimeout(60)
try:
    print("eof" if s.recv(1) == b"" else "data")
except socket.timeout:
    print("still open")
EOF
        assert_eq eof "$(cat "$T/idle.out")" "a connection that sent nothing"
        [ $((SECONDS - start)) -ge 25 ] || fail "closed after $((SECONDS - start)) s, before the idle timeout"
}

# status NAME walks the unit's directories for its disk usage; with 100000 files there, the walk
# must not hold up the answer to anyone else (the issue's bound: 2 s).
test_disk_usage_walk_does_not_stall_other_calls() {
        probe_setup
        unit big <<'EOF'
[Service]
StateDirectory=big
ExecStart=/bin/sleep 1000
EOF
        victim
        # On a tmpfs: 100000 files are made and removed in seconds there, not minutes.
        mkdir -p "$T/var/lib/svc/state"
        mount -t tmpfs -o size=64m,nr_inodes=200k,mode=0755 tmpfs "$T/var/lib/svc/state" || fail "tmpfs"
        mkdir "$T/var/lib/svc/state/big"
        /usr/bin/python3 - "$T/var/lib/svc/state/big" <<'EOF'
import os, sys
for d in range(100):
    p = os.path.join(sys.argv[1], "d%d" % d)
    os.mkdir(p)
    for f in range(1000):
        os.close(os.open(os.path.join(p, str(f)), os.O_CREAT | os.O_WRONLY, 0o644))
EOF
        start_svcd
        svc start big victim
        local disk walk t0 t1
        t0=$(date +%s%N)
        disk=$(svc status big | sed -n 's/^ *Disk: //p')
        t1=$(date +%s%N)
        walk=$(((t1 - t0) / 1000000))
        [ -n "$disk" ] || fail "no disk usage in svc status big"
        # Eight callers that ask again as soon as they are answered, from one light process.
        /usr/bin/python3 "$T/peerprobe.py" status-loop "$T/run/svc/control" big 8 "$T/stop-walkers" \
                >"$T/walkers.out" 2>&1 &
        local walkers=$!
        sleep 1
        local worst=0
        for _ in $(seq 1 15); do
                t0=$(date +%s%N)
                svc status victim >/dev/null || fail "status victim failed"
                t1=$(date +%s%N)
                [ $(((t1 - t0) / 1000000)) -le "$worst" ] || worst=$(((t1 - t0) / 1000000))
                sleep 0.2
        done
        touch "$T/stop-walkers"
        wait "$walkers" || fail "the walkers: $(cat "$T/walkers.out")"
        echo "    $(cat "$T/walkers.out") to svc status big meanwhile" >&2
        echo "    slowest svc status victim next to 8 callers of svc status big: $worst ms (one walk of big alone: $walk ms)" >&2
        # The victim's own walk queues behind at most the walk of big under way (the eight callers
        # of big share one), so a few walks' time bounds it, however loaded the machine.
        [ "$worst" -le $((2000 > 3 * walk ? 2000 : 3 * walk)) ] ||
                fail "svc status of another unit took $worst ms (a walk of big alone $walk ms)"
}

run_tests "$@"
