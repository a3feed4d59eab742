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
        svc start big >"$T/big.out" 2>&1 &
        local starter=$!
        sleep 0.2
        local t0 t1
        t0=$(now_ms)
        svc status other >/dev/null || fail "status of other failed"
        t1=$(now_ms)
        [ $((t1 - t0)) -lt 2000 ] || fail "svc status took $((t1 - t0)) ms while big starts (bound: 2000)"
        wait "$starter" && fail "big started with a 6 MiB passwd line"
        assert_contains "$(svc status big)" "/etc/passwd of tree $T/tree has a line longer than 1 MiB (line 1)" "status of big"
}

run_tests "$@"
