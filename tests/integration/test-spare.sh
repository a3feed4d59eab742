#!/usr/bin/env bash
# duration: 12 (seconds on the ASan build: tests/integration/run.sh starts the longest first)
# Spare namespaces (sandbox/spare.c, supervisor/svcd/spare.c): a unit with Restart= that restarted
# by itself once gets, while its main process runs, a user, network, UTS and IPC namespace made
# ahead for its next start.
# A restart joins them: fresh namespaces all the same (never the previous run's, never one that
# another start used), a clean /tmp and /run, lo up; and svcd holds none once the unit stops, and
# none survives svcd.
. "$(dirname "$0")/lib.sh"

# What each run of a service saw, in $T/out/NAME.N (N counts the runs).
probe_script() {
        mkdir -p "$T/out"
        cat >"$T/probe.sh" <<'EOF'
#!/bin/sh
d=$(dirname "$0")/out
n=$(($(cat "$d/$1.n" 2>/dev/null || echo 0) + 1))
{
        for ns in net user uts ipc mnt pid; do readlink "/proc/self/ns/$ns"; done
        echo "tmp: $(ls -A /tmp | tr '\n' ' ')"
        echo "run: $(ls -A /run | tr '\n' ' ')"
        echo "lo: $(cat /sys/class/net/lo/flags)"
        echo "uid_map: $(tr -s ' ' </proc/self/uid_map)"
        echo "hostname: $(hostname)"
        echo "eth0: $(cat /sys/class/net/eth0/flags 2>/dev/null || echo none)"
} >"$d/$1.$n.tmp"
touch "/tmp/left-by-run-$n" "/run/left-by-run-$n"
echo "$n" >"$d/$1.n"
mv "$d/$1.$n.tmp" "$d/$1.$n"
exec sleep 1000
EOF
        chmod 755 "$T/probe.sh"
}

# ns_fds KIND: the namespaces of KIND (net, user, uts, ipc) svcd holds fds of, one a line, but
# its own (it keeps its network namespace's to come back to after configuring a veth).
ns_fds() {
        find /proc/"$SVCD_PID"/fd -lname "$1:\[*" -printf '%l\n' 2>/dev/null | sort |
                grep -vxF "$(readlink "/proc/$SVCD_PID/ns/$1")"
}

# field NAME N LINE: line LINE of what run N of NAME saw.
field() { sed -n "$3p" "$T/out/$1.$2"; }

# check_restart NAME SPARES LINES: run 3 of NAME joined one of SPARES (svcd's net namespaces
# before the kill), its namespaces on LINES are not run 2's, and it saw nothing of run 2.
check_restart() {
        local n=$1 spares=$2 i
        assert_contains "$spares" "$(field "$n" 3 1)" "$n: run 3's network namespace among svcd's spares"
        for i in $3; do
                [ "$(field "$n" 2 $i)" != "$(field "$n" 3 $i)" ] ||
                        fail "$n: runs 2 and 3 share namespace $(field "$n" 2 $i)"
        done
        # /tmp holds the mount point of the test's root (unit() binds it at the same path).
        assert_eq "tmp: ${T##*/} " "$(field "$n" 3 7)" "$n: /tmp of run 3"
        assert_not_contains "$(field "$n" 3 8)" left-by-run "$n: /run of run 3"
        assert_eq "$(field "$n" 2 8)" "$(field "$n" 3 8)" "$n: /run of runs 2 and 3"
        assert_eq "lo: 0x9" "$(field "$n" 3 9)" "$n: lo in run 3 (IFF_UP|IFF_LOOPBACK)"
        assert_eq "$(field "$n" 2 10)" "$(field "$n" 3 10)" "$n: uid_map of runs 2 and 3"
        assert_eq "hostname: $n" "$(field "$n" 3 11)" "$n: hostname of run 3"
        assert_eq "$(field "$n" 2 12)" "$(field "$n" 3 12)" "$n: eth0 of runs 2 and 3"
}

test_restart_joins_fresh_spare_namespaces() {
        probe_script
        local n
        # In its own user namespace (the default), with the host's uids, with a veth (svcd's
        # table and links in a namespace of the test's), and without restarts.
        local extra
        for n in own host pub once; do
                extra=
                [ $n = host ] && extra=PrivateUsers=no
                [ $n = pub ] && extra=PublishPort=18080:80
                unit "$n" <<EOF
[Service]
ExecStart=/bin/sh $T/probe.sh $n
Restart=$([ $n = once ] && echo no || echo always)
RestartSec=0
$extra
EOF
        done
        SVCD_NETNS=spare-${T##*.}
        netns_add "$SVCD_NETNS"
        start_svcd
        svc start once own host pub || fail "start failed"
        for n in once own host pub; do wait_until 10 test -s "$T/out/$n.1" || fail "$n did not run"; done
        # No spare before a unit restarted by itself once (each costs kernel memory): svcd would
        # have made them 0.5 s after the start.
        sleep 1
        assert_eq "" "$(ns_fds net)" "svcd's spares before any restart"
        kill -KILL "$(main_pid own)" "$(main_pid host)" "$(main_pid pub)"
        for n in own host pub; do wait_until 10 test -s "$T/out/$n.2" || fail "$n did not restart"; done
        # Then one spare network namespace each for own, host and pub, none for once.
        wait_lines 10 -eq 3 ns_fds net || fail "svcd holds no spares: $(ns_fds net)"
        wait_lines 10 -eq 3 ns_fds uts || fail "svcd holds no spare UTS namespaces: $(ns_fds uts)"
        local spares users
        spares=$(ns_fds net)
        users=$(ns_fds user | wc -l)
        kill -KILL "$(main_pid own)" "$(main_pid host)" "$(main_pid pub)"
        for n in own host pub; do wait_until 10 test -s "$T/out/$n.3" || fail "$n did not restart"; done
        # The spares were made while run 2 lived: their inode numbers cannot be run 2's. Not so
        # for the mount and PID namespaces, made after run 2 ended: the kernel may give a new
        # namespace a number freed by then, so /tmp and /run say that those are new.
        check_restart own "$spares" "1 2 3 4"
        check_restart host "$spares" "1 3 4" # the host's user namespace both times
        check_restart pub "$spares" "1 2 3 4"
        # (operstate follows the carrier a moment later: the flags say what svcd set)
        assert_eq "eth0: 0x1003" "$(field pub 3 12)" "pub: its veth in run 3 (IFF_UP|BROADCAST|MULTICAST)"
        # The next spares are new ones: the used ones are closed, never offered again.
        wait_lines 10 -eq 3 ns_fds net || fail "no new spares: $(ns_fds net)"
        [ -z "$(comm -12 <(echo "$spares") <(ns_fds net))" ] || fail "a spare was kept after its use"
        svc stop own host pub || fail "stop failed"
        wait_until 10 state_is own inactive || fail "own did not stop"
        wait_until 10 state_is pub inactive || fail "pub did not stop"
        for n in net uts ipc; do assert_eq "" "$(ns_fds $n)" "svcd's $n namespaces after the stop"; done
        # Only the spares' user namespaces are gone: own and pub keep those of their idmapped mounts.
        assert_eq $((users - 2)) "$(ns_fds user | wc -l)" "svcd's user namespaces after the stop"
        assert_eq 1 "$(cat "$T/out/once.n")" "runs of the unit without restarts"
        # A spare held when svcd exits goes with it: no process holds it or runs in it.
        svc start own || fail "second start failed"
        wait_lines 10 -eq 1 ns_fds net || fail "no spare after the second start: $(ns_fds net)"
        local pattern
        pattern=$(ns_fds net | sed 's/\[/\\[/') # a glob for find -lname: the [ taken as it is
        holders() { find /proc/[0-9]*/fd /proc/[0-9]*/ns -lname "$pattern" 2>/dev/null; }
        assert_contains "$(holders)" "/proc/$SVCD_PID/fd/" "the spare's holders while svcd runs"
        stop_svcd || fail "svcd exited with $?"
        assert_eq "" "$(holders)" "processes holding svcd's last spare after its exit"
}

run_tests "$@"
