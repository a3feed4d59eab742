#!/bin/bash
# tests/bench/net.sh [BUILD]: a published port (PublishPort=, DNAT to the service's veth) against a
# direct connection to a server in the host's own namespace: connection setup and throughput,
# from a client namespace over a veth "LAN", and from the host itself on 127.0.0.1.
#
#   client 10.250.1.2 ---lan--- 10.250.1.1 host (svcd, the direct server)
#
# Everything happens in network namespaces this script makes (ip netns), removed at the end with
# the temporary directory; no packet leaves them. Prints a markdown table; with BENCH_DATA=FILE
# also appends tests/bench/run.sh's data lines: benchmark 7 (connection setup, us) and 8
# (throughput, MiB/s), keys lan-direct, lan-published, local-direct, local-published.
# Knobs: NET_ROUNDS (5) rounds, alternating the order; NET_CONNS (2000) connections per
# measurement; NET_MIB (1024) MiB per throughput measurement.
set -euo pipefail

BUILD=$(cd "${1:-build}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
ROUNDS=${NET_ROUNDS:-5}
CONNS=${NET_CONNS:-2000}
MIB=${NET_MIB:-1024}

[ "$(id -u)" = 0 ] || { echo "net bench: needs root" >&2; exit 1; }
W=$(mktemp -d /tmp/svcn.XXXXXX)
id=${W##*.}
HOST=svcn-$id-host
CLIENT=svcn-$id-client
PIDS=()
cleanup() {
        local rc=$? p
        set +e
        for p in "${PIDS[@]}"; do
                kill -TERM "$p" 2>/dev/null
                wait "$p" 2>/dev/null
        done
        ip netns del "$CLIENT" 2>/dev/null
        ip netns del "$HOST" 2>/dev/null
        rm -rf "$W"
        exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cc -std=gnu17 -O2 -Wall -Wextra -Werror "$HERE/tcpbench.c" -o "$W/tcpbench"

ip netns add "$HOST"
ip netns add "$CLIENT"
ip -n "$HOST" link set lo up
ip -n "$CLIENT" link set lo up
ip -n "$HOST" link add lan type veth peer name eth0 netns "$CLIENT"
ip -n "$HOST" addr add 10.250.1.1/24 dev lan
ip -n "$HOST" link set lan up
ip -n "$CLIENT" addr add 10.250.1.2/24 dev eth0
ip -n "$CLIENT" link set eth0 up
in_host() { nsenter --net="/run/netns/$HOST" "$@"; }
in_client() { nsenter --net="/run/netns/$CLIENT" "$@"; }

# The published server: the same program in a service of its own, port 7000 -> 7000.
mkdir -p "$W/etc/svc/units"
cat >"$W/etc/svc/units/sink.unit" <<EOF
[Service]
BindReadOnlyPaths=$W/tcpbench:/opt/tcpbench
ExecStart=/opt/tcpbench serve 7000
PublishPort=7000:7000
EOF
# nsenter executes the program: $! is its pid, which cleanup() stops.
nsenter --net="/run/netns/$HOST" "$BUILD/svcd" --root "$W" >"$W/svcd.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 200); do [ -S "$W/run/svc/control" ] && break; sleep 0.05; done
"$BUILD/svc" --root "$W" start sink >/dev/null
# The direct server, in the host's namespace, port 7001.
nsenter --net="/run/netns/$HOST" "$W/tcpbench" serve 7001 &
PIDS+=($!)
for p in 7000 7001; do
        for _ in $(seq 100); do in_client "$W/tcpbench" connect 10.250.1.1 $p 1 >/dev/null 2>&1 && break; sleep 0.05; done
done

declare -A samples
measure() { # KEY COMMAND...
        local v
        v=$("${@:2}")
        samples[$1]="${samples[$1]:-} $v"
        if [ -n "${BENCH_DATA:-}" ]; then
                local b=7 u=us
                [[ $1 == *stream* ]] && b=8 u=MiB/s
                local k=${1/-connect/}
                printf '%s\t%s\t%s\t%s\n' $b "${k/-stream/}" $u "$v" >>"$BENCH_DATA"
        fi
}
for r in $(seq "$ROUNDS"); do
        order="7000 7001"
        [ $((r % 2)) = 0 ] && order="7001 7000"
        for p in $order; do
                kind=$([ $p = 7000 ] && echo published || echo direct)
                measure "lan-connect-$kind" in_client "$W/tcpbench" connect 10.250.1.1 $p "$CONNS"
                measure "lan-stream-$kind" in_client "$W/tcpbench" stream 10.250.1.1 $p "$MIB"
                measure "local-connect-$kind" in_host "$W/tcpbench" connect 127.0.0.1 $p "$CONNS"
                measure "local-stream-$kind" in_host "$W/tcpbench" stream 127.0.0.1 $p "$MIB"
        done
done

median() { tr ' ' '\n' | grep . | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
echo "| path | direct | published | published / direct |"
echo "|---|---|---|---|"
for k in lan-connect lan-stream local-connect local-stream; do
        d=$(echo "${samples[$k-direct]}" | median)
        p=$(echo "${samples[$k-published]}" | median)
        unit=$([[ $k == *connect* ]] && echo "µs per connection" || echo "MiB/s")
        label=$([[ $k == lan* ]] && echo "from another namespace" || echo "from the host, 127.0.0.1")
        echo "| $label, $([[ $k == *connect* ]] && echo "connection setup" || echo "throughput") ($unit) | $d | $p | $(awk -v p="$p" -v d="$d" 'BEGIN { printf "%.2f", p / d }') |"
done
