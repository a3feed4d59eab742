# shellcheck shell=bash
# What test-net.sh and test-net6.sh share: a world of network namespaces the test makes, never the
# machine's network, and the helpers to look at it:
#
#   client 10.250.1.2 ---lan--- 10.250.1.1 host 10.251.1.1 ---wan--- 10.251.1.2 internet
#          fd50:1::2                fd50:1::1     fd51:1::1                fd51:1::2   (ipv6)
#
# svcd runs in "host", created with IPv4 and IPv6 forwarding off, so that the checks that svcd
# puts them back mean something. The internet has no route back to the client or to the services:
# only what the host masquerades can get an answer from it. Sourced after lib.sh.

HELPERS=$(cd "$(dirname "${BASH_SOURCE[0]}")/../helpers" && pwd)

# topology [ipv6 | ipv4-only]: the namespaces, IPv4 only; with ipv6, IPv6 addresses beside the
# IPv4 ones; with ipv4-only, the same but the host has IPv6 disabled by sysctl.
topology() {
        local id=${T##*.} mode=${1:-}
        HOST=svct-$id-host CLIENT=svct-$id-client NET=svct-$id-inet
        netns_add "$HOST"
        netns_add "$CLIENT"
        netns_add "$NET"
        in_host sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0 || fail "sysctl"
        if [ "$mode" = ipv4-only ]; then
                in_host sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 ||
                        fail "cannot disable IPv6 in $HOST"
        fi
        ip -n "$HOST" link add lan type veth peer name eth0 netns "$CLIENT" || fail "veth lan"
        ip -n "$HOST" link add wan type veth peer name eth0 netns "$NET" || fail "veth wan"
        ip -n "$HOST" addr add 10.250.1.1/24 dev lan
        ip -n "$HOST" addr add 10.251.1.1/24 dev wan
        ip -n "$CLIENT" addr add 10.250.1.2/24 dev eth0
        ip -n "$NET" addr add 10.251.1.2/24 dev eth0
        if [ -n "$mode" ]; then
                ip -n "$CLIENT" addr add fd50:1::2/64 dev eth0 nodad
                ip -n "$NET" addr add fd51:1::2/64 dev eth0 nodad
        fi
        if [ "$mode" = ipv6 ]; then
                ip -n "$HOST" addr add fd50:1::1/64 dev lan nodad
                ip -n "$HOST" addr add fd51:1::1/64 dev wan nodad
        fi
        local ns
        for ns in "$HOST:lan" "$HOST:wan" "$CLIENT:eth0" "$NET:eth0"; do
                ip -n "${ns%:*}" link set "${ns#*:}" up
        done
        ip -n "$CLIENT" route add default via 10.250.1.1
        [ -z "$mode" ] || ip -n "$CLIENT" -6 route add default via fd50:1::1
        # shellcheck disable=SC2034 # read by start_svcd (lib.sh)
        SVCD_NETNS=$HOST
        cp "$HELPERS/netprobe.py" "$T/netprobe.py"
}

# probe NS ARGS...: netprobe.py in a namespace of the test.
probe() {
        local ns=$1
        shift
        nsenter --net="/run/netns/$ns" python3 "$T/netprobe.py" "$@"
}

# in_host CMD...: a command in the host namespace (where svcd runs).
in_host() {
        nsenter --net="/run/netns/$HOST" "$@"
}

log_has() { # NAME TEXT
        grep -q -- "$2" "$T/var/log/svc/$1/current" 2>/dev/null
}

json_field() { # NAME FIELD: an address field of svc status --json
        svc status --json "$1" | sed -n "s/.*\"$2\":\"\\([0-9a-f.:]*\\)\".*/\\1/p"
}

# What svc leaves in the host namespace, both families: links besides lo, lan and wan, addresses
# and routes of the services' pools, nftables tables, forwarding. Empty when nothing is left.
leftovers() {
        in_host ip -o link | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep -v -x -e lo -e lan -e wan |
                sed 's/^/link /'
        in_host ip -o addr | awk '{ print $4 }' | grep -v -e '^127\.' -e '^::1/' -e '^10\.25[01]\.' \
                -e '^fd5[01]:1::' -e '^fe80:' | sed 's/^/address /'
        in_host ip -4 route | grep -v -e '^10\.25[01]\.' | sed 's/^/route /'
        in_host ip -6 route | grep -v -e '^fd5[01]:1::/64' -e '^fe80::/64' -e '^multicast' | sed 's/^/route6 /'
        in_host nft list tables | sed 's/^/nft /'
        [ "$(in_host sysctl -n net.ipv4.ip_forward)" = 0 ] || echo "ip_forward 1"
        [ "$(in_host sysctl -n net.ipv6.conf.all.forwarding)" = 0 ] || echo "ipv6 forwarding 1"
}

# A TCP and a UDP server in one service, each telling the client the address it sees.
web_unit() {
        unit web <<EOF
[Service]
ExecStart=/bin/sh -c 'python3 $T/netprobe.py udp-serve 53 & exec python3 $T/netprobe.py tcp-serve 80'
PublishPort=8080:80
PublishPort=5353:53/udp
EOF
}
