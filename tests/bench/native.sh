#!/bin/bash
# tests/bench/native.sh BUILD [TREE]: nginx and Redis from Debian, under svc and on the host,
# requests per second and p99 latency (benchmarks 15 and 16 of tests/bench/run.sh).
#
# TREE (default $SVC_TEST_TREES/bookworm-daemons-v1, built by contrib/test-daemon-tree.sh) gives
# the daemons. Each runs three ways in a network namespace this script makes (svcd runs there too,
# so every packet stays in it):
#   host       the tree's binary and configuration, chroot into an overlay of the tree: no
#              namespace, no cgroup, no seccomp filter (what "native" means here)
#   published  svc with the package's own unit file and a drop-in: PublishPort= (DNAT to the
#              service's veth)
#   passed     nginx only: the listening socket made by svcd in the namespace's own network
#              (ListenStream= in [Service]) and passed as fd 3, which nginx takes through its
#              NGINX variable; Redis cannot take a socket it did not open
# Clients on 127.0.0.1: wrk (Debian's) for nginx, the tree's redis-benchmark for Redis.
# Prints a table; with BENCH_DATA=FILE appends run.sh's data lines (15: req/s, 16: p99 ms).
# Knobs: NATIVE_ROUNDS (5) rounds, rotating the order; NATIVE_SECONDS (5) per wrk run;
# NATIVE_REQUESTS (100000) per redis-benchmark test.
set -euo pipefail

BUILD=$(cd "${1:-build}" && pwd)
TREE=${2:-${SVC_TEST_TREES:-/var/cache/svc/test-trees}/bookworm-daemons-v1}
ROUNDS=${NATIVE_ROUNDS:-5}
SECONDS_PER=${NATIVE_SECONDS:-5}
REQUESTS=${NATIVE_REQUESTS:-100000}

[ "$(id -u)" = 0 ] || { echo "native bench: needs root" >&2; exit 1; }
[ -x "$TREE/usr/sbin/nginx" ] && [ -x "$TREE/usr/bin/redis-server" ] ||
        { echo "native bench: no nginx and redis in $TREE: run make test-deps (contrib/test-daemon-tree.sh)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "native bench: wrk missing: run make bench" >&2; exit 1; }

W=$(mktemp -d /tmp/svcv.XXXXXX)
NS=svcv-${W##*.}
R=$W/r
HOST=$W/host
PIDS=()
MOUNTS=()
cleanup() {
        local rc=$? p i
        set +e
        for p in "${PIDS[@]}"; do
                kill -TERM "$p" 2>/dev/null
                wait "$p" 2>/dev/null
        done
        for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do umount -l "${MOUNTS[i]}"; done
        ip netns del "$NS" 2>/dev/null
        rm -rf "$W"
        exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# nsenter execs the command (ip netns exec forks and waits: its pid would not be the daemon's);
# the daemons start from IN_NS directly, since a function in the background is a subshell.
IN_NS=(nsenter --net="/run/netns/$NS")
in_ns() { "${IN_NS[@]}" "$@"; }
mnt() { # mount ARGS... TARGET: remembered for the clean-up
        mount "$@"
        MOUNTS+=("${!#}")
}

ip netns add "$NS"
ip -n "$NS" link set lo up

# The host's copy: the tree under an overlay (the daemons write their pid files and logs).
mkdir -p "$HOST" "$W/hu" "$W/hw"
mnt -t overlay -o "lowerdir=$TREE,upperdir=$W/hu,workdir=$W/hw" svcv "$HOST"
mnt --bind /dev "$HOST/dev"
mnt -t proc proc "$HOST/proc"
mkdir -p "$HOST/run/redis"

# One nginx configuration for all three: a listen line of its own each.
nginx_conf() { # LISTEN
        cat <<EOF
user www-data;
worker_processes 2;
pid /run/nginx.pid;
error_log /var/log/nginx/error.log;
events { worker_connections 1024; }
http {
        access_log off;
        sendfile on;
        server {
                listen $1;
                root /var/www/html;
                index index.nginx-debian.html;
        }
}
EOF
}
nginx_conf 127.0.0.1:8000 >"$HOST/etc/nginx/nginx.conf"
nginx_conf 80 >"$W/nginx-published.conf"
nginx_conf 127.0.0.1:8081 >"$W/nginx-passed.conf"
REDIS_ARGS=(--save "" --appendonly no --protected-mode no)

# svcd on a root of its own, the tree bound read-only as tree "deb".
mkdir -p "$R/var/lib/svc/trees/deb" "$R/etc/svc/units"
mnt --bind "$TREE" "$R/var/lib/svc/trees/deb"
mount -o remount,bind,ro "$R/var/lib/svc/trees/deb"
packaged() { # PACKAGE NAME: the package's unit as NAME.service, the drop-in from stdin
        cp "$TREE/lib/systemd/system/$1.service" "$R/etc/svc/units/$2.service"
        mkdir -p "$R/etc/svc/units/$2.service.d"
        cat >"$R/etc/svc/units/$2.service.d/bench.conf"
}
packaged nginx nginx-published <<EOF
[Service]
RootDirectory=deb
PublishPort=8080:80
BindReadOnlyPaths=$W/nginx-published.conf:/etc/nginx/nginx.conf
EOF
# nginx given sockets through NGINX stays in the foreground (it takes them for a binary upgrade
# by its old master, which it then does not leave): Type=simple, as socket-activated nginx runs
# under systemd.
packaged nginx nginx-passed <<EOF
[Service]
RootDirectory=deb
ListenStream=127.0.0.1:8081
Environment=NGINX=3;
BindReadOnlyPaths=$W/nginx-passed.conf:/etc/nginx/nginx.conf
Type=simple
PIDFile=
ExecStartPre=
ExecStart=
ExecStart=/usr/sbin/nginx -g "daemon off;"
EOF
packaged redis-server redis-published <<EOF
[Service]
RootDirectory=deb
PublishPort=6380:6379
ExecStart=
ExecStart=/usr/bin/redis-server /etc/redis/redis.conf --supervised systemd --daemonize no --bind "* -::*" --save "" --appendonly no --protected-mode no
EOF
"${IN_NS[@]}" "$BUILD/svcd" --root "$R" >"$W/svcd.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 200); do [ -S "$R/run/svc/control" ] && break; sleep 0.05; done
svc() { "$BUILD/svc" --root "$R" "$@"; }
svc start nginx-published nginx-passed redis-published ||
        { svc status nginx-published nginx-passed redis-published; tail -n 30 "$W/svcd.log"; exit 1; }

"${IN_NS[@]}" chroot "$HOST" /usr/sbin/nginx -g 'daemon off;' &
PIDS+=($!)
"${IN_NS[@]}" chroot "$HOST" /usr/bin/redis-server /etc/redis/redis.conf --daemonize no --supervised no \
        --bind 127.0.0.1 --port 6379 --logfile "" "${REDIS_ARGS[@]}" >"$W/redis-host.log" &
PIDS+=($!)

wait_port() { # PORT: until something answers there
        local i
        for i in $(seq 200); do
                in_ns bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null && return 0
                sleep 0.05
        done
        echo "native bench: nothing answers on port $1" >&2
        return 1
}
for p in 8000 8080 8081 6379 6380; do wait_port $p; done
page=$(in_ns wrk -t1 -c1 -d1s http://127.0.0.1:8081/ 2>&1 | grep -c 'Non-2xx' || true)
[ "$page" = 0 ] || { echo "native bench: nginx-passed answers with errors" >&2; exit 1; }

DATA=$W/data
: >"$DATA"
record() { # BENCH KEY VALUE
        printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$([ "$1" = 15 ] && echo req/s || echo ms)" "$3" >>"$DATA"
}

# wrk's p99 in ms from its "99%   1.23ms" line (us, ms or s).
wrk_p99() {
        awk '$1 == "99%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
                f = u == "us" ? 0.001 : u == "s" ? 1000 : 1; printf "%.3f\n", v * f }'
}

run_nginx() { # KEY PORT
        local out
        out=$(in_ns wrk -t2 -c32 -d"${SECONDS_PER}s" --latency "http://127.0.0.1:$2/")
        if grep -q 'Non-2xx\|Socket errors' <<<"$out"; then
                echo "native bench: $1: errors: $out" >&2
                exit 1
        fi
        record 15 "$1" "$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")"
        record 16 "$1" "$(wrk_p99 <<<"$out")"
}

# redis-benchmark --csv: "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms",
# "p95_latency_ms","p99_latency_ms","max_latency_ms".
run_redis() { # KEY PORT
        local out t
        out=$(in_ns chroot "$HOST" redis-benchmark -h 127.0.0.1 -p "$2" -c 32 -n "$REQUESTS" -t set,get --csv)
        for t in set get; do
                local row
                row=$(grep -i "^\"$t\"" <<<"$out" | tr -d '"')
                [ -n "$row" ] || { echo "native bench: $1: no $t row: $out" >&2; exit 1; }
                record 15 "redis-$t-${1#redis-}" "$(cut -d, -f2 <<<"$row")"
                record 16 "redis-$t-${1#redis-}" "$(cut -d, -f7 <<<"$row")"
        done
}

cases=(nginx-host:8000 nginx-published:8080 nginx-passed:8081 redis-host:6379 redis-published:6380)
for ((r = 0; r < ROUNDS; r++)); do
        n=${#cases[@]}
        for ((i = 0; i < n; i++)); do
                c=${cases[$(((i + r) % n))]}
                case $c in
                nginx-*) run_nginx "${c%:*}" "${c#*:}" ;;
                redis-*) run_redis "${c%:*}" "${c#*:}" ;;
                esac
        done
done

[ -z "${BENCH_DATA:-}" ] || cat "$DATA" >>"$BENCH_DATA"
echo "| bench | case | median | ratio to host |"
echo "|---|---|---:|---:|"
awk -F'\t' '{ v[$1 "\t" $2] = v[$1 "\t" $2] " " $4 }
        END { for (k in v) print k "\t" v[k] }' "$DATA" | sort | while IFS=$'\t' read -r b k vals; do
        med=$(tr ' ' '\n' <<<"$vals" | grep . | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
        echo "$b $k $med"
done | awk '{ m[$1 " " $2] = $3; print }
        END { }' >"$W/medians"
while read -r b k med; do
        base=${k%-*}-host
        [[ $k == nginx-* ]] && base=nginx-host
        ref=$(awk -v b="$b" -v k="$base" '$1 == b && $2 == k { print $3 }' "$W/medians")
        echo "| $b | $k | $med | $(awk -v a="$med" -v b="$ref" 'BEGIN { printf "%.3f", a / b }') |"
done <"$W/medians"
