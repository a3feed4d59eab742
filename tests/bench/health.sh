#!/bin/bash
# tests/bench/health.sh [BUILD]: svcd's CPU time while it probes 100 services every 10 s, a third
# each of exec probes (/bin/true in the service's sandbox), TCP connects and HTTP GETs (to a
# busybox httpd inside each service), over 60 s once every service is healthy. The issue's target
# is under 1% of one core for svcd. Prints one line per figure; with BENCH_DATA (run.sh), appends
# them as benchmark 9.
#
# Knobs: HEALTH_SERVICES (100), HEALTH_SECONDS (60), HEALTH_INTERVAL (10s).
# svcd's own time is utime+stime of its process; an exec probe's fork and exec happen in the
# sandbox's ns-init, whose time is the services', and is reported apart (the cgroup of svcd's
# services, cpuacct or cpu.stat, when there is one to read).
set -euo pipefail

BUILD=$(cd "${1:-build}" && pwd)
N=${HEALTH_SERVICES:-100}
DUR=${HEALTH_SECONDS:-60}
IVL=${HEALTH_INTERVAL:-10s}
HZ=$(getconf CLK_TCK)

[ "$(id -u)" = 0 ] || { echo "health bench: needs root" >&2; exit 1; }
command -v busybox >/dev/null || { echo "health bench: busybox missing" >&2; exit 1; }
BUSYBOX=$(command -v busybox)

W=$(mktemp -d /tmp/svch.XXXXXX)
SVCD_PID=
cleanup() {
        if [ -n "$SVCD_PID" ] && kill -TERM "$SVCD_PID" 2>/dev/null; then
                wait "$SVCD_PID" 2>/dev/null || true
        fi
        awk -v t="$W" 'index($5, t "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r |
                while read -r m; do umount -l "$m" 2>/dev/null; done
        rm -rf "$W"
}
trap cleanup EXIT

mkdir -p "$W/www" "$W/etc/svc/units" "$W/var/lib/svc/enabled"
echo ok >"$W/www/index.html"
for ((i = 0; i < N; i++)); do
        case $((i % 3)) in
        0) start="/bin/sleep infinity" probe='["CMD", "/bin/true"]' ;;
        1) start="$BUSYBOX httpd -f -p 127.0.0.1:8080 -h /srv" probe="tcp:8080" ;;
        2) start="$BUSYBOX httpd -f -p 127.0.0.1:8080 -h /srv" probe="http://127.0.0.1:8080/" ;;
        esac
        cat >"$W/etc/svc/units/p$i.unit" <<EOF
[Service]
ExecStart=$start
BindReadOnlyPaths=$W/www:/srv
HealthCmd=$probe
HealthInterval=$IVL
HealthTimeout=5s
EOF
        : >"$W/var/lib/svc/enabled/p$i"
done

"$BUILD/svcd" --root "$W" >"$W/svcd.log" 2>&1 &
SVCD_PID=$!
healthy() { "$BUILD/svc" --root "$W" list --json 2>/dev/null | grep -o '"health":"healthy"' | wc -l; }
for ((t = 0; t < 240; t++)); do
        [ "$(healthy)" -ge "$N" ] && break
        sleep 0.5
done
[ "$(healthy)" -ge "$N" ] || { echo "health bench: only $(healthy) of $N services healthy" >&2; tail "$W/svcd.log" >&2; exit 1; }

ticks() { awk '{ print $14 + $15 }' "/proc/$SVCD_PID/stat"; }
cticks() { awk '{ print $16 + $17 }' "/proc/$SVCD_PID/stat"; }
cg=$(awk -F: '$1 == 0 { print $3 }' "/proc/$SVCD_PID/cgroup")
cgcpu() { # the usec of svcd's cgroup (svcd and its services) on cgroup2, or nothing
        awk '/^usage_usec/ { print $2 }' "/sys/fs/cgroup$cg/cpu.stat" 2>/dev/null ||
                awk '/^usage_usec/ { print $2 }' "/sys/fs/cgroup/unified$cg/cpu.stat" 2>/dev/null || true
}
a=$(ticks)
ca=$(cticks)
ga=$(cgcpu)
t0=$(date +%s%N)
sleep "$DUR"
b=$(ticks)
cb=$(cticks)
gb=$(cgcpu)
t1=$(date +%s%N)
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
svcd_pct=$(awk -v d=$((b - a)) -v hz="$HZ" -v s="$secs" 'BEGIN { printf "%.3f", 100 * d / hz / s }')
echo "svcd-probes	$svcd_pct	% of one core: svcd (utime+stime) with $N services probed every $IVL, over $secs s"
echo "svcd-children	$(awk -v d=$((cb - ca)) -v hz="$HZ" -v s="$secs" 'BEGIN { printf "%.3f", 100 * d / hz / s }')	% of one core: svcd's reaped children over the same time"
if [ -n "$ga" ] && [ -n "$gb" ]; then
        echo "svcd-cgroup	$(awk -v d=$((gb - ga)) -v s="$secs" 'BEGIN { printf "%.3f", 100 * d / 1e6 / s }')	% of one core: svcd's cgroup (svcd, ns-inits, probes, services) over the same time"
fi
if [ -n "${BENCH_DATA:-}" ]; then
        printf '9\tsvcd-probes\t%%\t%s\n' "$svcd_pct" >>"$BENCH_DATA"
fi
