# shellcheck shell=bash
# Shared helpers for the integration tests. Each test function runs in a subshell with its own
# temporary root ($T, kept short: AF_UNIX paths are limited to 108 bytes) and its own cgroup,
# so that cleanup can kill everything the test started, by PID, even a daemon that escaped its
# process group; then it unmounts and deletes what it made.
#
# A test file defines functions named test_* and ends with `run_tests "$@"`.

BUILD=${BUILD:-build}
BUILD=$(cd "$BUILD" && pwd)
SVCD=$BUILD/svcd
SVC=$BUILD/svc

# ASan: a leak report fails the run; svcd's children inherit nothing of this.
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export NO_COLOR=1

cgroup2_root() {
        local d
        for d in /sys/fs/cgroup/unified /sys/fs/cgroup; do
                if [ "$(stat -f -c %T "$d" 2>/dev/null)" = cgroup2fs ]; then
                        echo "$d"
                        return 0
                fi
        done
        return 1
}

fail() {
        echo "    FAIL: $*" >&2
        if [ -n "${T:-}" ] && [ -f "$T/svcd.log" ]; then
                echo "    --- svcd log (last 40 lines) ---" >&2
                tail -n 40 "$T/svcd.log" | sed 's/^/    /' >&2
        fi
        exit 1
}

assert_eq() { # expected actual message
        [ "$1" = "$2" ] || fail "${3:-value}: expected '$1', got '$2'"
}

assert_contains() { # haystack needle message
        case "$1" in
        *"$2"*) ;;
        *) fail "${3:-output} does not contain '$2': $1" ;;
        esac
}

assert_not_contains() {
        case "$1" in
        *"$2"*) fail "${3:-output} contains '$2': $1" ;;
        esac
}

# wait_until TIMEOUT_SECONDS COMMAND...: polls every 50 ms.
wait_until() {
        local timeout=$1 i=0
        shift
        while ! "$@" >/dev/null 2>&1; do
                i=$((i + 1))
                [ $i -le $((timeout * 20)) ] || return 1
                sleep 0.05
        done
}

# wait_lines TIMEOUT OP N COMMAND...: polls every 50 ms until the number of lines COMMAND prints
# compares OP (-eq, -ge, ...) to N. COMMAND runs anew at each poll: `wait_until 5 test "$(cmd)"`
# would compare the one value taken before the wait.
wait_lines() {
        local timeout=$1 op=$2 n=$3 i=0
        shift 3
        until test "$("$@" 2>/dev/null | wc -l)" "$op" "$n"; do
                i=$((i + 1))
                [ $i -le $((timeout * 20)) ] || return 1
                sleep 0.05
        done
}

# lines_at_least FILE N
lines_at_least() {
        [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]
}

# main_pid_is_not NAME PID
main_pid_is_not() {
        local p
        p=$(main_pid "$1")
        [ -n "$p" ] && [ "$p" != 0 ] && [ "$p" != "$2" ]
}

svc() {
        "$SVC" --root "$T" "$@"
}

# state NAME: the unit's state as svc list shows it.
state() {
        svc status "$1" 2>/dev/null | sed -n 's/^ *Active: \([a-z-]*\).*/\1/p'
}

state_is() {
        [ "$(state "$1")" = "$2" ]
}

# main_pid NAME: the main process in the host's numbering; main_ns_pid: in the sandbox's.
main_pid() {
        svc status --json "$1" | sed -n 's/.*"main_pid":\([0-9]*\).*/\1/p'
}

main_ns_pid() {
        svc status --json "$1" | sed -n 's/.*"main_ns_pid":\([0-9]*\).*/\1/p'
}

init_pid() {
        svc status --json "$1" | sed -n 's/.*"init_pid":\([0-9]*\).*/\1/p'
}

# host_id NAME ID: the host's uid (or gid) of id ID inside service NAME: ID plus the base of its
# private range when it has one ("Users: private range B-E" in svc status), else ID.
host_id() {
        local base
        base=$(svc status "$1" 2>/dev/null | sed -n 's/^ *Users: private range \([0-9]*\)-.*/\1/p')
        echo $((${base:-0} + $2))
}

# unit NAME: writes the unit file from stdin, plus a drop-in that binds the test's root into the
# sandbox at the same path, so that a test's service can leave marks the test reads. The bind is
# idmapped: in the service's user namespace the test's files keep their owners (root), and root
# inside writes there as the host's root, as without a user namespace.
unit() {
        unit_isolated "$1"
        mkdir -p "$T/etc/svc/units/$1.unit.d"
        printf '[Service]\nBindPaths=%s:%s:idmap\n' "$T" "$T" >"$T/etc/svc/units/$1.unit.d/test-root.conf"
}

# unit_isolated NAME: the unit file from stdin, nothing added.
unit_isolated() {
        mkdir -p "$T/etc/svc/units"
        cat >"$T/etc/svc/units/$1.unit"
}

enable() {
        mkdir -p "$T/var/lib/svc/enabled"
        : >"$T/var/lib/svc/enabled/$1"
}

# start_svcd [ARGS]: starts svcd on $T in the test's cgroup and waits for its control socket;
# inside the network namespace $SVCD_NETNS (ip netns) when that is set.
start_svcd() {
        # A killed svcd leaves its socket: wait for the new one, not that.
        rm -f "$T/run/svc/control"
        ${SVCD_NETNS:+nsenter --net=/run/netns/$SVCD_NETNS} "$SVCD" --root "$T" "$@" >>"$T/svcd.log" 2>&1 &
        SVCD_PID=$!
        echo "$SVCD_PID" >>"$T/.pids"
        wait_until 10 test -S "$T/run/svc/control" || fail "svcd did not create its control socket"
}

# stop_svcd: SIGTERM and wait; returns svcd's exit status.
stop_svcd() {
        [ -n "${SVCD_PID:-}" ] || return 0
        kill -TERM "$SVCD_PID" 2>/dev/null
        local rc=0
        wait "$SVCD_PID" || rc=$?
        SVCD_PID=
        return $rc
}

# netns_add NAME: a network namespace (ip netns) with lo up, deleted at the end of the test.
netns_add() {
        ip netns add "$1" || fail "cannot create network namespace $1"
        echo "$1" >>"$T/.netns"
        ip -n "$1" link set lo up
}

# svcd_fds: how many descriptors svcd holds, not counting namespaces: those it keeps for its
# units' next starts appear half a second after a start (spare.c; test-spare checks them).
svcd_fds() {
        find "/proc/$SVCD_PID/fd" -mindepth 1 -not -lname 'user:\[*' -not -lname 'net:\[*' \
                -not -lname 'uts:\[*' -not -lname 'ipc:\[*' | wc -l
}

# pid_alive PID: true while PID exists and is not a zombie.
pid_alive() {
        [ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

# The processes of the test's cgroup.
cgroup_pids() {
        cat "$CG/cgroup.procs" 2>/dev/null
}

cleanup_test() {
        # svcd first, gracefully, so that it removes what it made; then whatever is left.
        if [ -n "${SVCD_PID:-}" ] && kill -TERM "$SVCD_PID" 2>/dev/null; then
                local i=0
                while pid_alive "$SVCD_PID" && [ $i -lt 100 ]; do
                        sleep 0.05
                        i=$((i + 1))
                done
                wait "$SVCD_PID" 2>/dev/null
        fi
        if [ -n "${CG:-}" ] && [ -d "$CG" ]; then
                # Step out of the group before killing it.
                echo $BASHPID >"$CGROOT/cgroup.procs"
                echo 1 >"$CG/cgroup.kill" 2>/dev/null
                local i=0
                while [ -n "$(cgroup_pids)" ] && [ $i -lt 100 ]; do
                        sleep 0.05
                        i=$((i + 1))
                done
                # Nested groups (svcd's own) first, deepest first.
                find "$CG" -mindepth 1 -depth -type d -exec rmdir {} \; 2>/dev/null
                rmdir "$CG" 2>/dev/null
        fi
        # Network namespaces the test made (netns_add), once nothing runs in them.
        if [ -n "${T:-}" ] && [ -f "$T/.netns" ]; then
                local n
                while read -r n; do ip netns del "$n" 2>/dev/null; done <"$T/.netns"
        fi
        # svcd's cgroups in the v1 hierarchies (hybrid hosts), named after its root, when svcd
        # could not remove them itself (a test killed it).
        if [ -n "${T:-}" ]; then
                local name="svc${T//\//_}"
                find /sys/fs/cgroup -mindepth 2 -maxdepth 6 -type d -name "$name" 2>/dev/null |
                        while read -r d; do find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null; done
        fi
        if [ -n "${T:-}" ] && [ -d "$T" ]; then
                # Anything still mounted below the root, deepest first.
                awk -v t="$T" '$5 == t || index($5, t "/") == 1 { print $5 }' /proc/self/mountinfo |
                        sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
                rm -rf "$T"
        fi
}

run_one() {
        local name=$1
        (
                T=$(mktemp -d /tmp/svct.XXXXXX)
                CGROOT=$(cgroup2_root) || { echo "    SKIP: no cgroup2 mount to track test processes" >&2; exit 77; }
                CG=$CGROOT/svc-test.${T##*.}
                mkdir "$CG" || exit 1
                echo $BASHPID >"$CG/cgroup.procs"
                trap cleanup_test EXIT
                cd "$T" || exit 1
                "$name"
        )
}

run_tests() {
        local filter=${1:-} failed=0 passed=0 t
        for t in $(declare -F | awk '{print $3}' | grep '^test_'); do
                [ -z "$filter" ] || [[ $t == *$filter* ]] || continue
                local start=$SECONDS
                if run_one "$t"; then
                        printf '  ok    %s (%ss)\n' "$t" $((SECONDS - start))
                        passed=$((passed + 1))
                else
                        printf '  FAIL  %s (%ss)\n' "$t" $((SECONDS - start))
                        failed=$((failed + 1))
                fi
        done
        [ $((passed + failed)) -gt 0 ] || return 5 # no test here matches: run.sh decides
        [ $failed -eq 0 ]
}
