#!/bin/bash
# tests/bench/containers.sh TREE BIN WORK: Podman and Docker (Debian's podman and docker.io) fed
# the bench's tree with no registry: `podman run --rootfs TREE`, and `docker import` of a tarball
# of TREE. Called by run.sh (benchmarks 10 to 13) with BENCH_DATA and BENCH_NOTES; BIN holds the
# static ping and conn of run.sh, WORK an empty directory of the bench's that this script owns.
#
#   10 start latency     `run --rm IMAGE /bin/true`, network none and the default bridge
#   11 memory            PSS of what keeps 10 and 100 idle containers (ping) alive: every conmon
#                        for Podman; dockerd, containerd and every shim for Docker
#   12 restart           SIGKILL to the container's process until it runs again, --restart=always
#   13 probe cost        one exec health probe (/bin/true): `podman healthcheck run`, `docker exec`
#
# Nothing of theirs touches the host: both run in a network namespace of this script's (bridges
# and iptables rules die with it) and in one private mount namespace (a holder process) where
# /var/lib, /run and /etc/docker are tmpfs (CNI's IPAM state, Docker's plugins directory and
# trust key) and the cgroup2 mount
# of this hybrid host is gone (crun refuses hybrid hierarchies). Every store, socket and state
# directory is under WORK; their cgroups are under one parent per run, removed at the end;
# dockerd is started here and stopped by PID. Knobs: CT_RUNS (20) runs per start case,
# CT_ROUNDS (3) restart rounds.
set -euo pipefail

TREE=$1
B=$2
W=$3
RUNS=${CT_RUNS:-20}
ROUNDS=${CT_ROUNDS:-3}
DATA=${BENCH_DATA:-/dev/null}
NOTES=${BENCH_NOTES:-/dev/null}
for p in podman conmon dockerd containerd runc /usr/bin/docker nsenter; do
        command -v "$p" >/dev/null || { echo "containers: $p missing: run make bench" >&2; exit 1; }
done
DOCKER=/usr/bin/docker # Debian's client, whatever else PATH has
NS=svcb-ct-${W##*/}
CGP=svcb-ct-${W##*/}
HOLD=
DOCKERD=
add() { # bench key unit value...
        local b=$1 k=$2 u=$3 v
        shift 3
        for v in "$@"; do printf '%s\t%s\t%s\t%s\n' "$b" "$k" "$u" "$v" >>"$DATA"; done
}
note() { printf '%s\t%s\n' "$1" "$2" >>"$NOTES"; }
say() { printf 'bench: %s\n' "$*" >&2; }
alive() { [ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

cleanup() {
        set +e
        local p
        for p in ${CONN_PID:-} ${PROBE_SVCD:-}; do kill -KILL "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
        [ -z "$HOLD" ] || pd rm -af -t 0 >/dev/null 2>&1
        if [ -n "$DOCKERD" ]; then
                dk_rm_all 2>/dev/null
                kill -TERM "$DOCKERD"
                for _ in $(seq 200); do alive "$DOCKERD" || break; sleep 0.05; done
                kill -KILL "$DOCKERD" 2>/dev/null
                wait "$DOCKERD" 2>/dev/null
        fi
        if [ -n "$HOLD" ]; then
                kill -KILL "$HOLD"
                wait "$HOLD" 2>/dev/null
        fi
        ip netns del "$NS" 2>/dev/null
        # The containers' cgroups, in each v1 hierarchy (and the unified one, had they used it).
        find /sys/fs/cgroup -maxdepth 3 -type d -name "$CGP" -prune -print 2>/dev/null |
                while read -r d; do find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null; done
        awk -v t="$W" 'index($5, t "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r |
                while read -r m; do umount -l "$m"; done
        rm -rf "$W"
}
trap cleanup EXIT

mkdir -p "$W"/{pd,dk,cfg,tmp,s}
ip netns add "$NS"
ip -n "$NS" link set lo up
# The holder: a mount namespace where podman and dockerd run, private from the host's.
nsenter --net="/run/netns/$NS" unshare -m --propagation private sh -c '
        umount -l /sys/fs/cgroup/unified 2>/dev/null
        mount -t tmpfs -o mode=0755 tmpfs /var/lib && mkdir /var/lib/cni &&
        mount -t tmpfs -o mode=0755 tmpfs /run &&
        { [ ! -d /etc/docker ] || mount -t tmpfs -o mode=0700 tmpfs /etc/docker; } &&
        exec sleep infinity' &
HOLD=$!
for _ in $(seq 100); do
        [ "$(readlink "/proc/$HOLD/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ] &&
                [ "$(readlink "/proc/$HOLD/exe")" = "$(readlink -f "$(command -v sleep)")" ] && break
        sleep 0.02
done
inside() { nsenter --mount="/proc/$HOLD/ns/mnt" --net="/run/netns/$NS" "$@"; }
# crun may not raise the limits above ours here (no CAP_SYS_RESOURCE): ask for the ones we have.
LIMITS=(--ulimit "nofile=$(ulimit -Sn):$(ulimit -Hn)" --ulimit "nproc=4096:4096" --cgroup-parent "/$CGP")
pd() {
        inside podman --root "$W/pd/root" --runroot "$W/pd/run" --tmpdir "$W/tmp" --cgroup-manager cgroupfs \
                --events-backend file --network-config-dir "$W/pd/cni" --storage-driver vfs "$@"
}
dk() { DOCKER_CONFIG=$W/cfg "$DOCKER" -H "unix://$W/dk/sock" "$@"; }
# ids CLIENT: the ids of every container of CLIENT (pd or dk), one a line.
ids() { "$1" ps -aq; }
dk_rm_all() {
        local c
        mapfile -t c < <(ids dk)
        [ ${#c[@]} = 0 ] || dk rm -f "${c[@]}" >/dev/null
}

start_dockerd() {
        # nsenter execs dockerd: $! is dockerd's pid.
        nsenter --mount="/proc/$HOLD/ns/mnt" --net="/run/netns/$NS" dockerd -H "unix://$W/dk/sock" --data-root "$W/dk/root" --exec-root "$W/dk/run" \
                --pidfile "$W/dk/pid" --exec-opt native.cgroupdriver=cgroupfs --cgroup-parent "/$CGP" \
                --default-ulimit "nofile=$(ulimit -Sn):$(ulimit -Hn)" \
                --userland-proxy=false >"$W/dk/log" 2>&1 &
        DOCKERD=$!
        for _ in $(seq 600); do
                dk version >/dev/null 2>&1 && return 0
                alive "$DOCKERD" || break
                sleep 0.05
        done
        say "dockerd did not start:"
        tail -20 "$W/dk/log" >&2
        exit 1
}

# times KEY BENCH COMMAND...: RUNS wall times of COMMAND, in ms; with ANY_STATUS=1 COMMAND may
# fail (its status is not what is measured).
times() {
        local k=$1 b=$2 i t0 t1
        shift 2
        "$@" >/dev/null || [ -n "${ANY_STATUS:-}" ] || { say "$b: '$*' failed"; "$@" >&2; exit 1; }
        for ((i = 0; i < RUNS; i++)); do
                t0=${EPOCHREALTIME/./}
                "$@" >/dev/null || [ -n "${ANY_STATUS:-}" ] || { say "$b: '$*' failed"; exit 1; }
                t1=${EPOCHREALTIME/./}
                add "$b" "$k" ms "$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.3f", d / 1000 }')"
        done
}

pss() {
        local p sum=0 v
        for p in "$@"; do
                v=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
                sum=$((sum + ${v:-0}))
        done
        echo "$sum"
}

# ---- 10: start latency ---------------------------------------------------------------------
bench_start() {
        say "10: podman and docker run --rm /bin/true, $RUNS runs each, network off and on"
        local _
        for _ in 1 2; do # interleaved: two halves of the runs
                RUNS=$((RUNS / 2)) times podman-none 10 pd run --rm "${LIMITS[@]}" --network none --rootfs "$TREE" /bin/true
                RUNS=$((RUNS / 2)) times docker-none 10 dk run --rm --network none svcb-tree /bin/true
                RUNS=$((RUNS / 2)) times podman-bridge 10 pd run --rm "${LIMITS[@]}" --rootfs "$TREE" /bin/true
                RUNS=$((RUNS / 2)) times docker-bridge 10 dk run --rm svcb-tree /bin/true
        done
}

# ---- 11: memory of idle containers ---------------------------------------------------------
# wait_conns N: until conn (CONN_PID) saw a connection on each of N sockets.
conn_wait_start() {
        rm -f "$W/ready"
        "$B/conn" wait "$W/ready" 300 "$@" >"$W/ready.out" &
        CONN_PID=$!
        for _ in $(seq 400); do [ -e "$W/ready" ] && return 0; sleep 0.01; done
        say "conn did not start"
        exit 1
}

# ppids PID...: the parent of each.
ppids() { for p in "$@"; do awk '/^PPid:/ { print $2 }' "/proc/$p/status"; done; }

mem_podman() {
        local n=$1 i socks=() pids c
        for ((i = 1; i <= n; i++)); do socks+=("$W/s/p$n-$i.sock"); done
        conn_wait_start "${socks[@]}"
        for ((i = 1; i <= n; i++)); do
                pd run -d --name "p$n-$i" "${LIMITS[@]}" --network none -v "$W/s:/bench" --rootfs "$TREE" \
                        /usr/bin/ping "/bench/p$n-$i.sock" >/dev/null
        done
        wait "$CONN_PID" || { say "11: not every podman container connected"; exit 1; }
        sleep 1
        mapfile -t c < <(ids pd)
        mapfile -t pids < <(pd inspect --format '{{.State.ConmonPid}}' "${c[@]}")
        [ "${#pids[@]}" = "$n" ] || { say "11: ${#pids[@]} conmons for $n containers"; exit 1; }
        add 11 "podman-$n" KiB "$(pss "${pids[@]}")"
        pd rm -af -t 0 >/dev/null
}

mem_docker() {
        local n=$1 i socks=() pids shims c
        for ((i = 1; i <= n; i++)); do socks+=("$W/s/d$n-$i.sock"); done
        conn_wait_start "${socks[@]}"
        for ((i = 1; i <= n; i++)); do
                dk run -d --name "d$n-$i" --network none -v "$W/s:/bench" svcb-tree \
                        /usr/bin/ping "/bench/d$n-$i.sock" >/dev/null
        done
        wait "$CONN_PID" || { say "11: not every docker container connected"; exit 1; }
        sleep 1
        mapfile -t c < <(ids dk)
        mapfile -t pids < <(dk inspect --format '{{.State.Pid}}' "${c[@]}")
        [ "${#pids[@]}" = "$n" ] || { say "11: ${#pids[@]} containers running, not $n"; exit 1; }
        mapfile -t shims < <(ppids "${pids[@]}" | sort -u)
        [ "${#shims[@]}" = "$n" ] || note 11 "docker: ${#shims[@]} shims for $n containers"
        add 11 "docker-$n" KiB "$(pss "$DOCKERD" $(pgrep -P "$DOCKERD") "${shims[@]}")"
        dk_rm_all
}

bench_memory() {
        say "11: PSS of 10 and 100 idle podman and docker containers"
        local n
        for n in 10 100; do
                mem_podman $n
                mem_docker $n
        done
        note 11 "Podman: the sum of every container's conmon (podman itself exits once a container is started). Docker: dockerd, its containerd and every containerd-shim-runc-v2. Containers with --network none (svc's services have only lo as well); Docker's image layer on $(dk info --format '{{.Driver}}'), Podman's root straight from the tree (--rootfs)."
}

# ---- 12: restart after SIGKILL ---------------------------------------------------------------
bench_restart() {
        local K=10 i args=()
        say "12: restart after SIGKILL with --restart=always, $K containers each, $ROUNDS rounds"
        for ((i = 1; i <= K; i++)); do args+=("podman=$W/s/rp$i.sock" "docker=$W/s/rd$i.sock"); done
        rm -f "$W/ready"
        # Docker doubles its restart delay (from 100 ms) for a container that ran under 10 s: the
        # rounds are 10.5 s apart, so each kill meets the first delay.
        "$B/conn" restart "$W/ready" "$ROUNDS" 10500 100 "${args[@]}" >"$W/restart.out" &
        CONN_PID=$!
        for _ in $(seq 400); do [ -e "$W/ready" ] && break; sleep 0.01; done
        for ((i = 1; i <= K; i++)); do
                pd run -d --name "rp$i" --restart=always "${LIMITS[@]}" --network none -v "$W/s:/bench" \
                        --rootfs "$TREE" /usr/bin/ping "/bench/rp$i.sock" >/dev/null
                dk run -d --name "rd$i" --restart=always --network none -v "$W/s:/bench" svcb-tree \
                        /usr/bin/ping "/bench/rd$i.sock" >/dev/null
        done
        wait "$CONN_PID" || { say "12: conn failed"; cat "$W/restart.out" >&2; exit 1; }
        local k
        for k in podman docker; do
                mapfile -t t < <(awk -v k=$k '$1 == k { printf "%.4f\n", $2 / 1000 }' "$W/restart.out")
                add 12 "$k" ms "${t[@]}"
        done
        pd rm -af -t 0 >/dev/null
        dk_rm_all
}

# ---- 13: the cost of one exec health probe -------------------------------------------------
# cg_usec: CPU time of the bench's cgroup (every process of this run, daemons included).
cg_usec() { awk '$1 == "usage_usec" { print $2 }' "$BENCH_CG/cpu.stat"; }

# probe_cost KEY COMMAND...: RUNS runs; wall ms each, and CPU ms per run of the whole cgroup.
probe_cost() {
        local k=$1 c0 c1
        shift
        c0=$(cg_usec)
        times "$k" 13 "$@"
        c1=$(cg_usec)
        add 13 "$k-cpu" ms "$(awk -v d=$((c1 - c0)) -v n=$((RUNS + 1)) 'BEGIN { printf "%.3f", d / n / 1000 }')"
}

# svc's exec probe runs inside svcd's loop: its cost is the CPU time of svcd's cgroup (svcd,
# ns-init, the probe) per probe, over 100 probes 100 ms apart of an otherwise idle service.
probe_svc() {
        local R=$W/svc-probe c0 c1 t0 t1 n
        mkdir -p "$R/etc/svc/units" "$R/var/lib/svc/enabled"
        cat >"$R/etc/svc/units/probed.unit" <<UNIT
[Service]
ExecStart=/usr/bin/ping /bench/none.sock
RootDirectory=$TREE
HealthCmd=["CMD", "/bin/true"]
HealthInterval=100ms
HealthTimeout=5s
UNIT
        : >"$R/var/lib/svc/enabled/probed"
        "$SVCD" --root "$R" >"$R.log" 2>&1 &
        PROBE_SVCD=$!
        for _ in $(seq 400); do "$SVC" --root "$R" status probed 2>/dev/null | grep -q 'Health: healthy' && break; sleep 0.05; done
        t0=${EPOCHREALTIME/./}
        c0=$(cg_usec)
        sleep 10
        c1=$(cg_usec)
        t1=${EPOCHREALTIME/./}
        n=$(((t1 - t0) / 100000))
        kill -TERM "$PROBE_SVCD"
        wait "$PROBE_SVCD" || true
        PROBE_SVCD=
        add 13 svc-cpu ms "$(awk -v d=$((c1 - c0)) -v n=$n 'BEGIN { printf "%.3f", d / n / 1000 }')"
}

bench_probe() {
        say "13: one exec health probe: svcd's, podman healthcheck run, docker exec"
        pd run -d --name probed "${LIMITS[@]}" --network none --health-cmd '["CMD", "/bin/true"]' --health-interval disable \
                --rootfs "$TREE" /usr/bin/ping /bench/none.sock >/dev/null
        dk run -d --name probed --network none svcb-tree /usr/bin/ping /bench/none.sock >/dev/null
        local verdict
        verdict=$(pd healthcheck run probed 2>/dev/null) || true
        ANY_STATUS=1 probe_cost podman-hc pd healthcheck run probed
        probe_cost podman-exec pd exec probed /bin/true
        probe_cost docker dk exec probed /bin/true
        [ "$verdict" = healthy ] || note 13 "\`podman healthcheck run\` said \"${verdict}\" here for \`--health-cmd '[\"CMD\", \"/bin/true\"]'\`, while \`podman exec CTR /bin/true\` exits 0: it is timed anyway, beside \`podman exec\`, the work it does."
        pd rm -af -t 0 >/dev/null
        dk_rm_all
        note 13 "Docker has no command that runs one health check: dockerd's probe is an exec in the container (daemon/health.go), so \`docker exec CTR /bin/true\` stands for it. CPU per run is the time of every process of the run (the client, podman or dockerd and containerd, conmon or the shim, the OCI runtime, the probe) from the bench's cgroup, over the runs."
}

# ---- the run -------------------------------------------------------------------------------
say "10-13: Podman $(podman --version | awk '{ print $3 }'), Docker $(dockerd --version | awk '{ print $3 }' | tr -d ,)"
ONLY=${CT_ONLY:-10 11 12 13}
# svcd's probe first, while nothing else of this run uses the CPU.
if [[ " $ONLY " == *" 13 "* ]] && [ -n "${BENCH_CG:-}" ] && [ -n "${SVCD:-}" ]; then probe_svc; fi
start_dockerd
tar -C "$TREE" -c . | dk import - svcb-tree >/dev/null
[[ " $ONLY " != *" 10 "* ]] || bench_start
[[ " $ONLY " != *" 11 "* ]] || bench_memory
[[ " $ONLY " != *" 12 "* ]] || bench_restart
if [[ " $ONLY " == *" 13 "* ]] && [ -n "${BENCH_CG:-}" ]; then bench_probe; fi
