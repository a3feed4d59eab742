#!/bin/bash
# tests/bench/run.sh [BUILD]: svc side by side with what users would pick instead (`make bench`).
#
# Runs every benchmark on this machine in one run, interleaving the contenders (round-robin
# batches), and writes tests/bench/results.md (median, min, max, ratio to the reference, target)
# and tests/bench/results.png (start latency and memory). BUILD is the build directory with
# svcd, svc, svc-ctl and gen/seccomp-bpf.h (default: build). Needs root, and what `make bench`
# installs: bubblewrap crun s6 runit hyperfine gnuplot-nox podman docker.io (and python3 and
# qemu-system-x86, from make deps).
#
#   1 sandboxed start latency   svc run vs the C floor (floor.c), bare exec, unshare, bwrap, crun
#   2 start inside svcd         a oneshot unit started 200 times through the control socket, with
#                               its user namespace (the default) and with PrivateUsers=no
#   3 restart latency           SIGKILL to the service until the new one runs: svc, runsv, s6-supervise
#   4 memory                    PSS of the supervisor tree at 10 and 100 services
#   5 log throughput            200 MB of lines through svc, s6-log t, svlogd -tt, a plain file
#   6 scale                     100 units to running; svc list / svc status at 100 and 1000 units
#   7, 8 published port         connection setup and throughput through PublishPort= vs direct
#                               (tests/bench/net.sh, in network namespaces of its own)
#   9 health probes             svcd's CPU time probing 100 services every 10 s (tests/bench/health.sh)
#   10-13 Podman and Docker     start latency (network off and on), memory of 10 and 100 idle
#                               containers, restart after SIGKILL, the cost of one exec health
#                               probe (tests/bench/containers.sh; dockerd started and stopped there)
#   14 a VM per service         qemu -m 256M (TCG) booting the box for one service: its memory
#                               after boot and after a minute idle, its image (tests/bench/vm.sh)
#   15, 16 near-native          nginx and Redis from Debian under svc (published port, passed
#                               socket) and on the host: requests per second and p99 latency
#                               (tests/bench/native.sh; the daemon tree of make test-deps)
#
# Knobs (environment): BENCH_ONLY="1 3" runs some benchmarks only (the report then has only
# those); BENCH_RUNS (200) runs per contender in 1 and 2; BENCH_ROUNDS (8) batches they are
# split into; BENCH_LOG_BYTES (200000000); BENCH_REPS (3) repetitions of 4 and 6; BENCH_LOG_REPS
# (5) of 5;
# BENCH_OUT (tests/bench) where results.md and results.png go; BENCH_COMMIT names the source
# measured when it is not this checkout's HEAD; BENCH_KEEP=1 keeps the temporary
# directory (logs of the daemons) for a look afterwards.
#
# Everything lives under one temporary directory and one cgroup (v2), both removed at the end;
# every daemon is started by this script, tracked by PID and stopped by PID.
set -euo pipefail

BUILD=$(cd "${1:-build}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
ONLY=${BENCH_ONLY:-1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16}
RUNS=${BENCH_RUNS:-200}
ROUNDS=${BENCH_ROUNDS:-8}
LOG_BYTES=${BENCH_LOG_BYTES:-200000000}
REPS=${BENCH_REPS:-3}
LOG_REPS=${BENCH_LOG_REPS:-5}
OUT=${BENCH_OUT:-$HERE}
mkdir -p "$OUT" || exit 1
PER=$(((RUNS + ROUNDS - 1) / ROUNDS))
START=$EPOCHSECONDS

[ "$(id -u)" = 0 ] || { echo "bench: needs root (namespaces, mounts, cgroups)" >&2; exit 1; }
for b in svcd svc svc-ctl gen/seccomp-bpf.h; do
        [ -e "$BUILD/$b" ] || { echo "bench: $BUILD/$b missing: run make first" >&2; exit 1; }
done
for p in hyperfine bwrap crun s6-svscan s6-log runsvdir svlogd gnuplot python3 unshare wrk; do
        command -v "$p" >/dev/null || { echo "bench: $p missing: run make bench" >&2; exit 1; }
done

# ---- the temporary directory, the cgroup, cleanup ------------------------------------------
# Short: AF_UNIX paths (control sockets, the services' sockets) are limited to 108 bytes.
W=$(mktemp -d /tmp/svcb.XXXXXX)
DATA=$W/data.tsv # bench<TAB>key<TAB>unit<TAB>sample, one sample a line
NOTES=$W/notes.tsv # bench<TAB>sentence
: >"$DATA"
: >"$NOTES"
PIDS=()
CGROOT=
CG=
CGHOME=

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

if CGROOT=$(cgroup2_root); then
        CGHOME=$CGROOT$(sed -n 's/^0:://p' /proc/self/cgroup)
        CG=$CGROOT/svc-bench.${W##*.}
        mkdir "$CG"
        echo $BASHPID >"$CG/cgroup.procs"
fi

track() { PIDS+=("$1"); }

alive() { [ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

# stop_pid PID [SIGNAL]: the signal (TERM), up to 20 s, then KILL; reaps it.
stop_pid() {
        local pid=$1 sig=${2:-TERM} i=0
        kill -"$sig" "$pid" 2>/dev/null || true
        while alive "$pid" && [ $i -lt 400 ]; do
                sleep 0.05
                i=$((i + 1))
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
}

cleanup() {
        local rc=$? p
        set +e
        for p in "${PIDS[@]}"; do
                alive "$p" && stop_pid "$p"
        done
        if [ -n "$CG" ] && [ -d "$CG" ]; then
                echo $BASHPID >"$CGHOME/cgroup.procs" 2>/dev/null || echo $BASHPID >"$CGROOT/cgroup.procs"
                echo 1 >"$CG/cgroup.kill" 2>/dev/null
                local i=0
                while [ -n "$(find "$CG" -name cgroup.procs -exec cat {} + 2>/dev/null)" ] && [ $i -lt 100 ]; do
                        sleep 0.05
                        i=$((i + 1))
                done
                find "$CG" -mindepth 1 -depth -type d -exec rmdir {} \; 2>/dev/null
                rmdir "$CG" 2>/dev/null
        fi
        # svcd's v1 groups are named after its root (svc_tmp_svcb.XXXXXX_...): a svcd that was
        # killed leaves them behind.
        find /sys/fs/cgroup -maxdepth 6 -type d -name "svc_tmp_svcb.${W##*.}*" -prune -print 2>/dev/null |
                while read -r d; do find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null; done
        # Nothing should be mounted below $W (every sandbox had its own mount namespace).
        awk -v t="$W" 'index($5, t "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r |
                while read -r m; do umount -l "$m"; done
        if [ -n "${BENCH_KEEP:-}" ]; then say "kept $W"; else rm -rf "$W"; fi
        exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf 'bench: %s\n' "$*" >&2; }

# The machine is shared: how busy it was with other work while a benchmark ran. busy_mark
# remembers the CPU time of the whole machine (/proc/stat: user, nice, system, irq, softirq; and
# steal, the hypervisor's) and of this run's cgroup; busy_note BENCH... writes the difference as a
# note: the average share of a CPU that other processes and the hypervisor took meanwhile.
busy_mark() {
        read -r _ u n sy _ _ irq sirq st _ </proc/stat
        BUSY_T0=${EPOCHREALTIME/./}
        BUSY_ALL0=$((u + n + sy + irq + sirq))
        BUSY_STEAL0=$st
        BUSY_OURS0=$( [ -n "$CG" ] && awk '$1 == "usage_usec" { print $2 }' "$CG/cpu.stat" || echo 0)
}
busy_note() {
        local u n sy irq sirq st ours t hz
        read -r _ u n sy _ _ irq sirq st _ </proc/stat
        t=$((${EPOCHREALTIME/./} - BUSY_T0))
        hz=$(getconf CLK_TCK)
        ours=$( [ -n "$CG" ] && awk '$1 == "usage_usec" { print $2 }' "$CG/cpu.stat" || echo 0)
        local text b
        text="$(awk -v all=$((u + n + sy + irq + sirq - BUSY_ALL0)) -v st=$((st - BUSY_STEAL0)) \
                -v ours=$((ours - BUSY_OURS0)) -v t=$t -v hz="$hz" -v cg="$CG" 'BEGIN {
                other = all * 1e6 / hz - ours; if (other < 0) other = 0
                printf "While this ran (%.0f s), other work on the machine took %.0f%% of a CPU on average%s, and the hypervisor stole %.0f%%.",
                        t / 1e6, 100 * other / t, cg == "" ? " (with the benchmark itself: no cgroup to tell them apart)" : "", 100 * st * 1e6 / hz / t }')"
        for b in "$@"; do note "$b" "$text"; done
}
add() { # bench key unit value...
        local b=$1 k=$2 u=$3 v
        shift 3
        for v in "$@"; do printf '%s\t%s\t%s\t%s\n' "$b" "$k" "$u" "$v" >>"$DATA"; done
}
note() { printf '%s\t%s\n' "$1" "$2" >>"$NOTES"; }
want() { [[ " $ONLY " == *" $1 "* ]]; }

# hf BENCH KEY=COMMAND...: one hyperfine batch of $PER runs per command (in one invocation: the
# commands follow each other), samples appended to the data in ms.
hf() {
        local b=$1 json=$W/hf.json keys=() cmds=() kv
        shift
        for kv in "$@"; do
                keys+=("${kv%%=*}")
                cmds+=("${kv#*=}")
        done
        hyperfine -N --style none --runs "$PER" --warmup 5 --export-json "$json" "${cmds[@]}" >/dev/null
        python3 "$HERE/report.py" hf "$json" "$DATA" "$b" "${keys[@]}"
}

# rotate N ITEMS...: the items rotated left by N (round-robin order changes each round).
rotate() {
        local n=$1
        shift
        local a=("$@")
        local k=${#a[@]}
        n=$((n % k))
        echo "${a[@]:n}" "${a[@]:0:n}"
}

# ---- helpers and the tree ------------------------------------------------------------------
B=$W/bin
SVC_BIN=$BUILD/svc
mkdir -p "$B"
say "compiling the floor and the helpers"
CFLAGS_BENCH="-std=gnu17 -O2 -Wall -Wextra -Werror"
# The floor, and the programs that run as services, are built as svc is: static, with musl where
# the build made svc with it (musl's include path has no kernel headers: the build's
# nsinit-include gives it linux/ and asm/). A dynamic glibc floor pays ~1 ms in ld.so that the
# static svc does not; it is kept as a row of its own (floor-glibc) for that comparison.
STATIC_CC=(cc)
if command -v musl-gcc >/dev/null && [ -d "$BUILD/musl-obj" ] && [ -d "$BUILD/nsinit-include" ]; then
        STATIC_CC=(musl-gcc -isystem "$BUILD/nsinit-include")
fi
note 1 "The floor, ping and loggen are built static with \`${STATIC_CC[0]}\`, as \`svc\` is ($(file -b "$SVC_BIN" | cut -d, -f1,4 | tr -s ' ')); bwrap, crun and unshare are Debian's dynamic builds, as users run them; floor-glibc is floor.c built dynamic with glibc's cc."
"${STATIC_CC[@]}" $CFLAGS_BENCH -static -I"$BUILD/gen" "$HERE/floor.c" -o "$B/floor"
cc $CFLAGS_BENCH -I"$BUILD/gen" "$HERE/floor.c" -o "$B/floor-glibc"
"${STATIC_CC[@]}" $CFLAGS_BENCH -static "$HERE/ping.c" -o "$B/ping"
"${STATIC_CC[@]}" $CFLAGS_BENCH -static "$HERE/loggen.c" -o "$B/loggen"
cc $CFLAGS_BENCH "$HERE/conn.c" -o "$B/conn"
# shellcheck disable=SC2046
cc $CFLAGS_BENCH "$HERE/startloop.c" -o "$B/startloop" $(pkg-config --cflags --libs libsystemd)

# One small tree for every contender: /bin/true with its libraries, and the static helpers.
TREE=$W/tree
"$REPO/contrib/mktree.sh" "$TREE" --copy /bin/true --prog "$B/ping:/usr/bin/ping" \
        --prog "$B/loggen:/usr/bin/loggen" >/dev/null
mkdir -p "$TREE/bench" # the mount point of the services' socket directory: no overlay needed

SVC=$BUILD/svc
SVCD=$BUILD/svcd

# start_svcd ROOT: svcd on ROOT, its pid in SVCD_PID once the control socket is there.
start_svcd() {
        "$SVCD" --root "$1" >>"$1.log" 2>&1 &
        SVCD_PID=$!
        track "$SVCD_PID"
        local i=0
        while [ ! -S "$1/run/svc/control" ]; do
                i=$((i + 1))
                [ $i -lt 400 ] || { say "svcd did not start:"; tail -20 "$1.log" >&2; exit 1; }
                sleep 0.025
        done
}

# unit ROOT NAME: the unit file from stdin.
unit() {
        mkdir -p "$1/etc/svc/units"
        cat >"$1/etc/svc/units/$2.unit"
}

enable() {
        mkdir -p "$1/var/lib/svc/enabled"
        : >"$1/var/lib/svc/enabled/$2"
}

# pss PID...: the sum of the processes' PSS, in KiB.
pss() {
        local p sum=0 v
        for p in "$@"; do
                v=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
                sum=$((sum + ${v:-0}))
        done
        echo "$sum"
}

# uss PID...: the sum of the processes' private pages (USS), in KiB: what PSS would be if nothing
# else on the machine shared their libraries.
uss() {
        local p sum=0 v
        for p in "$@"; do
                v=$(awk '/^Private_(Clean|Dirty):/ { s += $2 } END { print s + 0 }' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
                sum=$((sum + ${v:-0}))
        done
        echo "$sum"
}

children() { pgrep -P "$1" | tr '\n' ' '; }

# conn_start READYFILE conn-args...: the listener in the background (CONN_PID), once it listens.
conn_start() {
        local ready=$1
        shift
        rm -f "$ready"
        "$B/conn" "$@" >"$ready.out" &
        CONN_PID=$!
        track "$CONN_PID"
        local i=0
        while [ ! -e "$ready" ]; do
                i=$((i + 1))
                [ $i -lt 400 ] || { say "conn did not start"; exit 1; }
                sleep 0.01
        done
}

# ---- 1: sandboxed start latency ------------------------------------------------------------
bench_start() {
        say "1: sandboxed start latency, $RUNS runs each in $ROUNDS batches"
        mkdir -p "$W/scratch" "$W/runroot" "$W/oci" "$W/crun"
        (cd "$W/oci" && crun spec)
        python3 - "$W/oci/config.json" "$TREE" <<'EOF'
import json, sys
path, tree = sys.argv[1], sys.argv[2]
c = json.load(open(path))
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/true"]
c["root"] = {"path": tree, "readonly": True}
# /proc, /dev, /dev/pts, /dev/shm, /sys read-only, crun's masked and read-only paths; no
# cgroup or mqueue mount (svc run has neither); no device cgroup rules.
c["mounts"] = [m for m in c["mounts"] if m["destination"] not in ("/sys/fs/cgroup", "/dev/mqueue")]
c["linux"].pop("resources", None)
json.dump(c, open(path, "w"), indent=1)
EOF
        # Sanity: each contender runs /bin/true successfully in the tree.
        local floor="$B/floor $TREE $W/scratch /bin/true"
        local floorg="$B/floor-glibc $TREE $W/scratch /bin/true"
        local svcrun="$SVC --root $W/runroot run --tree $TREE /bin/true"
        local unsh="unshare -m -p -n -u -i -f --mount-proc=$TREE/proc chroot $TREE /bin/true"
        local bw="bwrap --unshare-pid --unshare-net --unshare-uts --unshare-ipc --ro-bind $TREE / --proc /proc --dev /dev /bin/true"
        local cr="crun --root $W/crun run -b $W/oci bench1"
        local crn="crun --root $W/crun --cgroup-manager=disabled run -b $W/oci bench2"
        # crun refuses a hybrid hierarchy: it runs in a mount namespace without the cgroup2 mount.
        local crunwrap=()
        if mountpoint -q /sys/fs/cgroup/unified 2>/dev/null; then
                crunwrap=(unshare -m sh -c 'umount /sys/fs/cgroup/unified && exec "$@"' sh)
                note 1 "crun refuses this machine's hybrid cgroups: its batches run in a private mount namespace with /sys/fs/cgroup/unified unmounted (\`unshare -m\`, then \`umount\`); \`crun\` keeps its default cgroupfs manager (it makes and removes a cgroup in each v1 hierarchy per run), \`crun, cgroups off\` passes \`--cgroup-manager=disabled\`."
        fi
        local c
        for c in "$floor" "$floorg" "$svcrun" "$unsh" "$bw" /bin/true; do
                $c || { say "1: '$c' failed"; exit 1; }
        done
        "${crunwrap[@]}" $cr && "${crunwrap[@]}" $crn || { say "1: crun failed"; exit 1; }
        local r order k
        for ((r = 0; r < ROUNDS; r++)); do
                order=$(rotate $r floor svc bare unshare bwrap crun floorg)
                for k in $order; do
                        case $k in
                        floor) hf 1 "floor=$floor" ;;
                        floorg) hf 1 "floor-glibc=$floorg" ;;
                        svc) hf 1 "svc-run=$svcrun" ;;
                        bare) hf 1 "bare=/bin/true" ;;
                        unshare) hf 1 "unshare=$unsh" ;;
                        bwrap) hf 1 "bwrap=$bw" ;;
                        crun)
                                "${crunwrap[@]}" hyperfine -N --style none --runs "$PER" --warmup 5 \
                                        --export-json "$W/hf.json" "$cr" "$crn" >/dev/null
                                python3 "$HERE/report.py" hf "$W/hf.json" "$DATA" 1 crun crun-nocg
                                ;;
                        esac
                done
        done
}

# ---- 2: start inside svcd ------------------------------------------------------------------
bench_svcd_start() {
        say "2: a oneshot unit started $RUNS times through svcd's control socket"
        local R=$W/b2
        unit "$R" once <<EOF
[Service]
Type=oneshot
ExecStart=/bin/true
RootDirectory=$TREE
EOF
        # The same without a user namespace of its own: what the default one costs.
        unit "$R" oncehost <<EOF
[Service]
Type=oneshot
ExecStart=/bin/true
RootDirectory=$TREE
PrivateUsers=no
EOF
        start_svcd "$R"
        "$SVC" --root "$R" start once oncehost || { say "2: svc start once failed"; exit 1; }
        local r order k
        for ((r = 0; r < ROUNDS; r++)); do
                order=$(rotate $r loop loophost client list)
                for k in $order; do
                        case $k in
                        loop)
                                mapfile -t t < <("$B/startloop" "$R/run/svc/control" once "$PER" |
                                        awk '{ printf "%.4f\n", $1 / 1000 }')
                                [ ${#t[@]} = "$PER" ] || { say "2: startloop failed"; exit 1; }
                                add 2 svcd-start ms "${t[@]}"
                                ;;
                        loophost)
                                mapfile -t t < <("$B/startloop" "$R/run/svc/control" oncehost "$PER" |
                                        awk '{ printf "%.4f\n", $1 / 1000 }')
                                [ ${#t[@]} = "$PER" ] || { say "2: startloop failed"; exit 1; }
                                add 2 svcd-start-hostuids ms "${t[@]}"
                                ;;
                        client) hf 2 "svc-start=$SVC --root $R start once" ;;
                        list) hf 2 "svc-list1=$SVC --root $R list" ;;
                        esac
                done
        done
        # svcd's own view: since_usec of the last transition (the recorded exit), against the
        # client's clock before and after `svc start`, over 20 more starts.
        local i before after since d1=() d2=()
        for ((i = 0; i < 20; i++)); do
                before=${EPOCHREALTIME/./}
                "$SVC" --root "$R" start once
                after=${EPOCHREALTIME/./}
                since=$({ "$SVC" --root "$R" status --json once || true; } | sed -n 's/.*"since_usec":\([0-9]*\).*/\1/p')
                d1+=($((since - before)))
                d2+=($((after - since)))
        done
        note 2 "svcd's own clock (\`since_usec\` of \`svc status --json\`, the time it recorded the exit), over 20 more \`svc start once\`: the exit was recorded a median $(printf '%s\n' "${d1[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "%.2f", a[int((NR + 1) / 2)] / 1000 }') ms after the client was started and $(printf '%s\n' "${d2[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "%.2f", a[int((NR + 1) / 2)] / 1000 }') ms before it had exited; the rest of the client's time is its own start (two glibc programs, libsystemd) and the connection."
        stop_pid "$SVCD_PID"
}

# ---- 3: restart latency --------------------------------------------------------------------
# On a hybrid host svcd moves each new sandbox into the v1 hierarchies; the first move after a
# quiet spell waits for the kernel (cgroup_threadgroup_rwsem, an RCU grace period) unless cgroups
# favour dynamic changes (favordynmods). Measured here as it is, so that the restart rows can be read.
migration_note() {
        local v1=/sys/fs/cgroup/pids d p t0 t1 i ms=()
        [ "$(stat -f -c %T $v1 2>/dev/null)" = cgroupfs ] || return 0
        d=$v1/svc-bench.${W##*.}
        mkdir "$d" || return 0
        for i in 1 2 3 4 5; do
                sleep 1000 &
                p=$!
                sleep 0.3
                t0=${EPOCHREALTIME/./}
                echo $p >"$d/cgroup.procs"
                t1=${EPOCHREALTIME/./}
                echo $p >$v1/cgroup.procs
                kill $p
                wait $p 2>/dev/null || true
                ms+=("$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.2f", d / 1000 }')")
        done
        rmdir "$d"
        note 3 "This host mounts cgroup v1 controllers: svcd joins each new sandbox to them (\`cgroup.procs\`), and the first such move after 0.3 s of quiet took $(printf '%s ' "${ms[@]}")ms here (5 tries). It is ~6-10 ms where the kernel takes cgroup_threadgroup_rwsem after an RCU grace period, ~0.1 ms once a cgroup hierarchy was mounted with \`favordynmods\` since boot (Linux 6.18 keeps per-threadgroup locking from then on); see FINDINGS.md."
}

bench_restart() {
        local K=10 rounds=$((RUNS / 20)) idle=100
        [ $rounds -ge 3 ] || rounds=3
        say "3: restart latency, $K services per supervisor and case, $rounds rounds"
        local R=$W/b3 i args=() busyargs=() s6args=()
        mkdir -p "$R/s" "$W/b3s6" "$W/b3rn"
        # Per round: svc and runit services killed alternately, each after $idle ms of quiet (a
        # crash on an idle box); then another 10 of each killed back to back (a busy box); then
        # the s6 ones, not waited for.
        for ((i = 1; i <= 2 * K; i++)); do
                unit "$R" "r$i" <<EOF
[Service]
Type=simple
ExecStart=/usr/bin/ping /bench/svc-$i.sock
Restart=always
RestartSec=0
RootDirectory=$TREE
BindPaths=$R/s:/bench
EOF
                enable "$R" "r$i"
                mkdir -p "$W/b3rn/r$i"
                cp "$B/ping" "$W/b3rn/r$i/run"
                if [ $i -le $K ]; then
                        args+=("svc=$R/s/svc-$i.sock" "runit=$W/b3rn/r$i/sock")
                        mkdir -p "$W/b3s6/s$i"
                        cp "$B/ping" "$W/b3s6/s$i/run"
                        s6args+=("~s6=$W/b3s6/s$i/sock")
                else
                        busyargs+=("!svc-busy=$R/s/svc-$i.sock" "!runit-busy=$W/b3rn/r$i/sock")
                fi
        done
        conn_start "$W/b3.ready" restart "$W/b3.ready" "$rounds" 1100 $idle "${args[@]}" "${busyargs[@]}" "${s6args[@]}"
        start_svcd "$R"
        local s6pid rnpid
        s6-svscan "$W/b3s6" >"$W/b3s6.log" 2>&1 &
        s6pid=$!
        track $s6pid
        runsvdir -P "$W/b3rn" >"$W/b3rn.log" 2>&1 &
        rnpid=$!
        track $rnpid
        wait "$CONN_PID" || { say "3: conn failed"; cat "$W/b3.ready.out" >&2; exit 1; }
        note 3 "The first rows: each kill comes after ${idle} ms of quiet, as a crash on an idle box would. The back-to-back rows: the next service is killed as soon as the previous one is back, so the machine is busy."
        note 3 's6-supervise 2.11.3 (Debian) waits 1 s after every death before it spawns `./run` again, however long the service ran (strace: a 1 s poll timeout once the absent `./finish` is reaped); no service directory file changes that in this version. The s6 kills come last in each round and are not waited for one by one.'
        local k n
        for k in svc runit svc-busy runit-busy s6; do
                mapfile -t t < <(awk -v k=$k '$1 == k { printf "%.4f\n", $2 / 1000 }' "$W/b3.ready.out")
                add 3 "$k" ms "${t[@]}"
        done
        migration_note
        n=$(grep -c 'cannot hand' "$R.log" || true)
        [ "$n" = 0 ] || note 3 "svcd's log shows $n restarts that failed once (\"cannot hand ... to the sandbox\") and were retried."
        stop_pid "$SVCD_PID"
        s6-svscanctl -t "$W/b3s6" # s6-svscan 2.11 ignores SIGTERM
        stop_pid $s6pid CONT
        stop_pid $rnpid HUP
}

# ---- 4 and 6: memory, and the time to bring 100 units up -----------------------------------
# mem_svc N REP: svcd with N enabled sandboxed services; PSS of svcd and its ns-inits; for 100,
# the time from svcd's start to every service process running; for the first 100, benchmark 6's
# list/status latency at 100 and 1000 units.
mem_svc() {
        local n=$1 rep=$2
        local R=$W/m-svc-$n-$rep i socks=()
        mkdir -p "$R/s"
        for ((i = 1; i <= n; i++)); do
                unit "$R" "p$i" <<EOF
[Service]
ExecStart=/usr/bin/ping /bench/p$i.sock
RootDirectory=$TREE
BindPaths=$R/s:/bench
EOF
                enable "$R" "p$i"
                socks+=("$R/s/p$i.sock")
        done
        conn_start "$R.ready" wait "$R.ready" 120 "${socks[@]}"
        local t0 t1
        t0=${EPOCHREALTIME/./}
        start_svcd "$R"
        wait "$CONN_PID" || { say "4: not every svc service connected"; tail "$R.log" >&2; exit 1; }
        t1=$(($(cat "$R.ready.out") / 1000))
        [ "$n" != 100 ] || add 6 up-svc ms "$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.3f", d / 1000 }')"
        local running
        running=$("$SVC" --root "$R" list | grep -c ' running ' || true)
        [ "$running" = "$n" ] || { say "4: svc list shows $running of $n running"; exit 1; }
        sleep 1
        local kids
        kids=$(children "$SVCD_PID")
        # shellcheck disable=SC2086
        add 4 "svc-$n" KiB "$(pss "$SVCD_PID" $kids)"
        # shellcheck disable=SC2086
        add 4 "svc-$n-uss" KiB "$(uss "$SVCD_PID" $kids)"
        [ "$(echo $kids | wc -w)" = "$n" ] || note 4 "svcd had $(echo $kids | wc -w) children with $n services (expected one ns-init each)"
        if [ "$n" = 100 ] && [ "$rep" = 1 ] && want 6; then
                bench_list "$R" 100
                for ((i = 101; i <= 1000; i++)); do
                        unit "$R" "p$i" <<EOF
[Service]
ExecStart=/usr/bin/ping /bench/p$i.sock
RootDirectory=$TREE
BindPaths=$R/s:/bench
EOF
                done
                "$SVC" --root "$R" reload-units >/dev/null
                local loaded
                loaded=$("$SVC" --root "$R" list | tail -n +2 | wc -l)
                [ "$loaded" = 1000 ] || { say "6: $loaded units loaded, expected 1000"; exit 1; }
                bench_list "$R" 1000
        fi
        stop_pid "$SVCD_PID"
}

bench_list() {
        local R=$1 n=$2 r order k
        say "6: svc list and svc status with $n units loaded"
        for ((r = 0; r < ROUNDS; r++)); do
                order=$(rotate $r list status)
                for k in $order; do
                        case $k in
                        list) hf 6 "list-$n=$SVC --root $R list" ;;
                        status) hf 6 "status-$n=$SVC --root $R status p1" ;;
                        esac
                done
        done
}

# mem_sup KIND N REP: s6-svscan + s6-supervise, or runsvdir + runsv, supervising N services.
mem_sup() {
        local kind=$1 n=$2 rep=$3 D=$W/m-$1-$2-$3 i socks=()
        mkdir -p "$D"
        for ((i = 1; i <= n; i++)); do
                mkdir -p "$D/p$i"
                cp "$B/ping" "$D/p$i/run"
                socks+=("$D/p$i/sock")
        done
        conn_start "$D.ready" wait "$D.ready" 120 "${socks[@]}"
        local t0 t1 pid
        t0=${EPOCHREALTIME/./}
        if [ "$kind" = s6 ]; then
                s6-svscan "$D" >"$D.log" 2>&1 &
        else
                runsvdir -P "$D" >"$D.log" 2>&1 &
        fi
        pid=$!
        track $pid
        wait "$CONN_PID" || { say "4: not every $kind service connected"; exit 1; }
        t1=$(($(cat "$D.ready.out") / 1000))
        [ "$n" != 100 ] || add 6 "up-$kind" ms "$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.3f", d / 1000 }')"
        sleep 1
        local kids
        kids=$(children $pid)
        [ "$(echo $kids | wc -w)" = "$n" ] || note 4 "$kind had $(echo $kids | wc -w) children with $n services"
        # shellcheck disable=SC2086
        add 4 "$kind-$n" KiB "$(pss $pid $kids)"
        # shellcheck disable=SC2086
        add 4 "$kind-$n-uss" KiB "$(uss $pid $kids)"
        if [ "$kind" = s6 ]; then
                s6-svscanctl -t "$D" # s6-svscan 2.11 ignores SIGTERM
                stop_pid $pid CONT
        else
                stop_pid $pid HUP # runsvdir: TERM to every runsv, which stop their service
        fi
}

bench_memory() {
        say "4: memory at 10 and 100 services (and 6: 100 units to running), $REPS repetitions"
        # How this build links libsystemd (contrib/libsystemd.sh, `make deps`), which moves both
        # svcd's memory and every svc command's start.
        local how="the system's shared libsystemd.so.0 (and its gcrypt, gpg-error, lzma, zstd and lz4)"
        ldd "$SVCD" 2>/dev/null | grep -q 'libsystemd\.so' ||
                how="libsystemd built from Debian's source without compression and crypto, linked statically (\`contrib/libsystemd.sh\`); svcd maps $(ldd "$SVCD" | awk '/=> \// { print $1 }' | tr '\n' ' ' | sed 's/ $//; s/ /, /g') and ld.so"
        note 4 "svcd links $how."
        want 6 && note 6 "svc-ctl, which \`svc list\` and \`svc status\` execute: $(file -b "$BUILD/svc-ctl" | cut -d, -f1,4 | tr -s ' ')."
        want 6 && note 6 'runsvdir (Debian runit 2.1.2-54) sleeps 1 s after it starts, before its first scan (strace: `clock_nanosleep` of 1 s), which is most of its time to 100 services running.'
        local rep n k
        for ((rep = 1; rep <= REPS; rep++)); do
                for n in 10 100; do
                        for k in $(rotate $rep svc s6 runit); do
                                case $k in
                                svc) mem_svc $n $rep ;;
                                *) mem_sup $k $n $rep ;;
                                esac
                        done
                done
        done
}

# ---- 5: log throughput ---------------------------------------------------------------------
# count_lines REGEX FILE...: lines that are whole generator lines behind the given prefix.
count_lines() {
        local re=$1
        shift
        cat "$@" 2>/dev/null | grep -cE "^${re}line [0-9]{10} x{83}\$" || true
}

bench_logs() {
        local mb=$((LOG_BYTES / 1000000)) want=$((LOG_BYTES / 100))
        say "5: log throughput, $mb MB of lines, $LOG_REPS repetitions"
        local R=$W/b5 rep k t0 t1 got
        for ((rep = 1; rep <= LOG_REPS; rep++)); do
                unit "$R" "lg$rep" <<EOF
[Service]
Type=oneshot
ExecStart=/usr/bin/loggen $LOG_BYTES
RootDirectory=$TREE
LogRotateSize=16M
LogRotateCount=20
TimeoutStartSec=infinity
EOF
        done
        start_svcd "$R"
        for ((rep = 1; rep <= LOG_REPS; rep++)); do
                for k in $(rotate $rep svc s6-log svlogd file); do
                        local d=$W/b5-$k-$rep
                        sync
                        case $k in
                        svc)
                                d=$R/var/log/svc/lg$rep
                                t0=${EPOCHREALTIME/./}
                                "$SVC" --root "$R" start "lg$rep"
                                # The writer thread is done when svcd's note on the exit is in the file.
                                until tail -c 400 "$d/current" 2>/dev/null | grep -q '\[inactive'; do sleep 0.002; done
                                t1=${EPOCHREALTIME/./}
                                got=$(count_lines '[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]{15} ' "$d"/@*.s "$d/current")
                                ;;
                        s6-log)
                                mkdir -p "$d"
                                t0=${EPOCHREALTIME/./}
                                "$B/loggen" "$LOG_BYTES" | s6-log t s16777215 n20 "$d"
                                t1=${EPOCHREALTIME/./}
                                got=$(count_lines '@[0-9a-f]{24} ' "$d"/*)
                                ;;
                        svlogd)
                                mkdir -p "$d"
                                printf 's16777215\nn20\n' >"$d/config"
                                t0=${EPOCHREALTIME/./}
                                "$B/loggen" "$LOG_BYTES" | svlogd -tt "$d"
                                t1=${EPOCHREALTIME/./}
                                got=$(count_lines '[0-9_:.-]{25} ' "$d"/@* "$d/current")
                                ;;
                        file)
                                mkdir -p "$d"
                                t0=${EPOCHREALTIME/./}
                                "$B/loggen" "$LOG_BYTES" >"$d/out"
                                t1=${EPOCHREALTIME/./}
                                got=$(count_lines '' "$d/out")
                                ;;
                        esac
                        [ "$got" = "$want" ] || { say "5: $k kept $got of $want lines"; exit 1; }
                        add 5 "$k" MB/s "$(awk -v b="$LOG_BYTES" -v d=$((t1 - t0)) 'BEGIN { printf "%.2f", b / d }')"
                        [ $rep != 1 ] || note 5 "$k: $(find "$d" -maxdepth 1 -type f ! -name config ! -name lock ! -name state | wc -l) files, every one of the $want lines found whole after the run"
                        rm -rf "$W/b5-$k-$rep"
                done
        done
        stop_pid "$SVCD_PID"
}

# ---- the run -------------------------------------------------------------------------------
run_bench() { # FUNCTION BENCH...
        local f=$1
        shift
        busy_mark
        "$f"
        busy_note "$@"
}
want 1 && run_bench bench_start 1
want 2 && run_bench bench_svcd_start 2
want 3 && run_bench bench_restart 3
if want 4 || want 6; then run_bench bench_memory 4 6; fi
want 5 && run_bench bench_logs 5
bench_net() {
        BENCH_DATA=$DATA "$HERE/net.sh" "$BUILD" >"$W/net.md"
}
if want 7 || want 8; then run_bench bench_net 7 8; fi
bench_health() {
        BENCH_DATA=$DATA "$HERE/health.sh" "$BUILD" >"$W/health.txt"
}
want 9 && run_bench bench_health 9
bench_containers() {
        local only="" b
        for b in 10 11 12 13; do want $b && only+=" $b"; done
        BENCH_DATA=$DATA BENCH_NOTES=$NOTES BENCH_CG=$CG SVCD=$SVCD SVC=$SVC CT_ONLY=$only \
                "$HERE/containers.sh" "$TREE" "$B" "$W/ct"
}
if want 10 || want 11 || want 12 || want 13; then run_bench bench_containers 10 11 12 13; fi
bench_vm() {
        BENCH_DATA=$DATA BENCH_NOTES=$NOTES "$HERE/vm.sh" "$BUILD" >"$W/vm.txt"
}
want 14 && run_bench bench_vm 14
bench_native() {
        BENCH_DATA=$DATA "$HERE/native.sh" "$BUILD" >"$W/native.md"
}
if want 15 || want 16; then run_bench bench_native 15 16; fi

ELAPSED=$((EPOCHSECONDS - START))
say "writing $OUT/results.md and $OUT/results.png ($ELAPSED s so far)"
{
        echo "date	$(date -u '+%Y-%m-%d %H:%M UTC')"
        if [ -n "${BENCH_COMMIT:-}" ]; then
                echo "commit	$BENCH_COMMIT"
        else
                echo "commit	$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$REPO" diff --quiet HEAD -- common units sandbox supervisor 2>/dev/null || echo ' (with uncommitted changes)')"
        fi
        echo "kernel	$(uname -r)"
        echo "cpu	$(nproc) x $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
        echo "memory	$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
        echo "versions	$(dpkg-query -W -f='${Package} ${Version}, ' bubblewrap crun s6 runit hyperfine util-linux podman docker.io containerd runc conmon qemu-system-x86 2>/dev/null | sed 's/, $//')"
        echo "elapsed	$ELAPSED"
        echo "logmb	$((LOG_BYTES / 1000000))"
        echo "runs	$RUNS runs in $ROUNDS batches (1, 2, 6), $REPS repetitions (4, 6), $LOG_REPS of $((LOG_BYTES / 1000000)) MB of log (5)"
} >"$W/meta.tsv"
python3 "$HERE/report.py" report "$DATA" "$NOTES" "$W/meta.tsv" "$OUT/results.md" "$OUT/results.png" "$W"
say "done in $((EPOCHSECONDS - START)) s"
