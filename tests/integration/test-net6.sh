#!/usr/bin/env bash
# duration: 210 (seconds on the ASan build: tests/integration/run.sh starts the longest first)
# IPv6 for services: PublishPort= and Outbound= over IPv6, in a world of network namespaces the
# test makes (net-lib.sh's topology, with IPv6 beside IPv4).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/net-lib.sh"

start_web() {
        svc start web || fail "svc start web"
        wait_until 10 log_has web "listening on tcp 80" || fail "web does not listen: $(svc logs web)"
        wait_until 10 log_has web "listening on udp 53" || fail "web does not listen on udp: $(svc logs web)"
}

test_published_ports_over_ipv6_reach_the_service_with_the_clients_address() {
        topology ipv6
        web_unit
        start_svcd
        start_web
        assert_eq "peer fd50:1::2" "$(probe "$CLIENT" tcp-ask6 fd50:1::1 8080)" "TCP over IPv6 from the client"
        assert_eq "peer fd50:1::2" "$(probe "$CLIENT" udp-ask6 fd50:1::1 5353)" "UDP over IPv6 from the client"
        assert_eq "peer 10.250.1.2" "$(probe "$CLIENT" tcp-ask 10.250.1.1 8080)" "the same port over IPv4"
        assert_eq "peer fd50:1::1" "$(probe "$HOST" tcp-ask6 fd50:1::1 8080)" "TCP from the host's own address"
        local a6
        a6=$(json_field web address6)
        case $a6 in fd*) ;; *) fail "no ULA address6 in svc status --json: $(svc status --json web)" ;; esac
        assert_contains "$(svc exec web ip -6 addr show dev eth0)" "inet6 $a6/127 scope global" "eth0's address"
        assert_contains "$(svc exec web ip -6 addr show dev lo)" "inet6 ::1/128" "::1 on the service's lo"
        assert_contains "$(svc exec web ip -6 route)" "default via ${a6%:*}:" "the default route over IPv6"
        assert_contains "$(svc status web)" "Address: $(json_field web address), $a6 (eth0)" "svc status"
        local prefix
        prefix=$(cat "$T/var/lib/svc/subnet6")
        [[ $prefix =~ ^fd[0-9a-f]{2}:[0-9a-f]{4}:[0-9a-f]{4}::/48$ ]] || fail "var/lib/svc/subnet6: '$prefix'"
        assert_eq True "$(python3 -c 'import ipaddress as i, sys; print(i.ip_address(sys.argv[1]) in i.ip_network(sys.argv[2]))' \
                "$a6" "$prefix")" "$a6 is in the saved $prefix"
        assert_contains "$(cat "$T/svcd.log")" "Enabled IPv6 forwarding" "svcd says it enabled IPv6 forwarding"
        # The same /48 after a restart of svcd.
        stop_svcd
        start_svcd
        start_web
        assert_eq "$a6" "$(json_field web address6)" "address6 after svcd's restart"
}

test_tcp_ports_on_the_hosts_loopback_are_relayed() {
        topology ipv6
        web_unit
        unit echo <<EOF
[Service]
ExecStart=/usr/bin/python3 $T/netprobe.py tcp-echo 7
PublishPort=[::1]:8007:7
EOF
        start_svcd
        start_web
        svc start echo || fail "svc start echo: $(svc status echo)"
        wait_until 10 log_has echo "listening on tcp 7" || fail "echo: $(svc logs echo)"
        local a6 host_end
        a6=$(json_field web address6)
        host_end=$(python3 -c 'import ipaddress, sys; print(ipaddress.ip_address(sys.argv[1]) - 1)' "$a6")
        # A port without a host address is on [::1] too; the service sees the host's end.
        assert_eq "peer $host_end" "$(probe "$HOST" tcp-ask6 ::1 8080)" "TCP from [::1]"
        assert_eq "peer $host_end" "$(probe "$HOST" udp-ask6 ::1 5353)" "UDP from [::1]"
        # A megabyte each way through the relay, the client's end of stream passed on.
        assert_eq "same 1048576" "$(probe "$HOST" tcp-roundtrip ::1 8007 1048576)" "echo through [::1]:8007"
        assert_contains "$(probe "$CLIENT" tcp-ask6 fd50:1::1 8007)" "error" "[::1]:8007 from the LAN"
        assert_contains "$(probe "$HOST" tcp-ask 127.0.0.1 8007)" "error" "[::1]:8007 over 127.0.0.1"
        svc stop echo web || fail "svc stop"
        assert_contains "$(probe "$HOST" tcp-ask6 ::1 8080)" "refused" "[::1]:8080 after the stop"
        assert_eq "" "$(leftovers)" "after svc stop"
}

# A hostile client on the host opens connections to a relayed port and sends nothing: svcd takes
# as many as its budget allows (a quarter of its RLIMIT_NOFILE: 64 descriptors under ulimit -n
# 256, so 32 connections), refuses the rest at once, closes the idle ones after RelayIdleSec=,
# and goes on serving. A UDP flow on [::1] holds a descriptor until it has been idle as long.
test_the_relay_bounds_its_connections_and_closes_idle_ones() {
        topology ipv6
        unit echo <<EOF
[Service]
ExecStart=/bin/sh -c 'python3 $T/netprobe.py udp-serve 53 & exec python3 $T/netprobe.py tcp-echo 7'
PublishPort=[::1]:8007:7
PublishPort=[::1]:8053:53/udp
EOF
        printf '[Network]\nRelayIdleSec=4\n' >"$T/etc/svc/svcd.conf"
        ulimit -n 256
        start_svcd
        svc start echo || fail "svc start echo: $(svc status echo)"
        wait_until 10 log_has echo "listening on tcp 7" || fail "echo: $(svc logs echo)"
        wait_until 10 log_has echo "listening on udp 53" || fail "echo: $(svc logs echo)"
        local before during
        before=$(svcd_fds)
        probe "$HOST" tcp-hold ::1 8007 200 1 6.5 >"$T/hold" &
        wait_until 5 lines_at_least "$T/hold" 1 || fail "the client did not report"
        during=$(svcd_fds)
        assert_eq "after 1 s: open 32" "$(sed -n 1p "$T/hold")" "connections svcd kept open of 200"
        [ "$during" -le $((before + 64)) ] || fail "svcd holds $during descriptors, $before before the client"
        assert_contains "$(cat "$T/svcd.log")" \
                "Relay of echo: [::1]:8007/tcp: 32 connections on it, 64 descriptors held by svcd's relays (at most 64," \
                "svcd's warning"
        svc status echo >/dev/null || fail "svc status while the relay is full"
        wait_until 10 lines_at_least "$T/hold" 2 || fail "the client did not report twice"
        assert_eq "after 6.5 s: open 0" "$(sed -n 2p "$T/hold")" "the idle connections after RelayIdleSec=4"
        assert_eq "same 65536" "$(probe "$HOST" tcp-roundtrip ::1 8007 65536)" "a new connection once they were closed"
        local host_end
        host_end=$(python3 -c 'import ipaddress, sys; print(ipaddress.ip_address(sys.argv[1]) - 1)' "$(json_field echo address6)")
        wait_until 5 eval '[ "$(svcd_fds)" = "$before" ]' || fail "svcd holds $(svcd_fds) descriptors, $before before"
        assert_eq "peer $host_end" "$(probe "$HOST" udp-ask6 ::1 8053)" "UDP on [::1]:8053"
        assert_eq $((before + 1)) "$(svcd_fds)" "svcd's descriptors with one UDP flow"
        wait_until 8 eval '[ "$(svcd_fds)" = "$before" ]' || fail "the idle UDP flow is still open: $(svcd_fds) descriptors, $before before"
}

test_a_port_on_an_ipv6_host_address_is_published_there_only() {
        topology ipv6
        ip -n "$HOST" addr add fd50:1::9/64 dev lan nodad
        unit web <<EOF
[Service]
ExecStart=/usr/bin/python3 $T/netprobe.py tcp-serve 40000
PublishPort=[fd50:1::9]:31000:40000
EOF
        printf '[Network]\nSubnet6=fd77:1:2:3::/64\n' >"$T/etc/svc/svcd.conf"
        start_svcd
        svc start web || fail "svc start web: $(svc status web)"
        wait_until 10 log_has web "listening on tcp 40000" || fail "web: $(svc logs web)"
        assert_eq "peer fd50:1::2" "$(probe "$CLIENT" tcp-ask6 fd50:1::9 31000)" "port 31000 on fd50:1::9"
        assert_contains "$(probe "$CLIENT" tcp-ask6 fd50:1::1 31000)" "error" "port 31000 on fd50:1::1"
        assert_contains "$(probe "$CLIENT" tcp-ask 10.250.1.1 31000)" "error" "port 31000 over IPv4"
        assert_contains "$(json_field web address6)" "fd77:1:2:3::" "svcd.conf's Subnet6="
        assert_contains "$(svc status --json web)" '"ports":["[fd50:1::9]:31000->40000/tcp"]' "json"
        [ ! -e "$T/var/lib/svc/subnet6" ] || fail "svcd made a /48 although svcd.conf names one"
        unit elsewhere <<EOF
[Service]
ExecStart=/bin/sleep 1000
PublishPort=[fd50:1::77]:8081:80
EOF
        svc start elsewhere >/dev/null 2>&1 && fail "a port on an address the host does not have started"
        assert_contains "$(svc status elsewhere)" \
                "PublishPort=[fd50:1::77]:8081:80: port [fd50:1::77]:8081/tcp is on an address this host does not have" \
                "elsewhere's status"
}

# A /64 of svcd's /48 that the host already routes (the LAN's, a VPN's) is skipped for the next
# one, as the IPv4 pool skips a /16 in use; svcd.conf's Subnet6= that overlaps one is used with
# a warning, as Subnet= is.
test_subnet6_skips_a_64_the_host_routes_and_warns_of_a_configured_one() {
        topology ipv6
        web_unit
        mkdir -p "$T/var/lib/svc"
        echo fd66:1:2::/48 >"$T/var/lib/svc/subnet6"
        ip -n "$HOST" -6 route add fd66:1:2::/64 via fd50:1::2 || fail "route"
        start_svcd
        start_web
        assert_contains "$(json_field web address6)" "fd66:1:2:1::" "web's address, in the /48's second /64"
        assert_eq "peer fd50:1::2" "$(probe "$CLIENT" tcp-ask6 fd50:1::1 8080)" "TCP over IPv6"
        assert_contains "$(cat "$T/svcd.log")" \
                "Not taking fd66:1:2::/64 for the services: the host has a route to fd66:1:2::/64" "svcd's log"
        stop_svcd
        printf '[Network]\nSubnet6=fd66:1:2::/64\n' >"$T/etc/svc/svcd.conf"
        start_svcd
        start_web
        assert_contains "$(json_field web address6)" "fd66:1:2::" "svcd.conf's Subnet6="
        assert_contains "$(cat "$T/svcd.log")" \
                "Subnet6=fd66:1:2::/64 of svcd.conf overlaps the host's route to fd66:1:2::/64" "svcd's warning"
}

test_outbound_over_ipv6_is_masqueraded_and_without_it_nothing_leaves() {
        topology ipv6
        probe "$NET" tcp-log 9000 "$T/arrived" >/dev/null &
        disown
        wait_until 5 probe "$NET" tcp-ask6 fd51:1::2 9000 || fail "the internet's server does not answer"
        : >"$T/arrived"
        unit out <<EOF
[Service]
Outbound=yes
ExecStart=/bin/sh -c 'python3 $T/netprobe.py tcp-ask6 fd51:1::2 9000 >$T/out.result 2>&1; exec sleep 1000'
EOF
        unit closed <<EOF
[Service]
PublishPort=8081:80
ExecStart=/bin/sh -c 'python3 $T/netprobe.py tcp-ask6 fd51:1::2 9000 >$T/closed.result 2>&1; \
        python3 $T/netprobe.py tcp-ask6 fd51:1::1 22 >>$T/closed.result 2>&1; exec sleep 1000'
EOF
        start_svcd
        svc start out closed || fail "svc start"
        wait_until 10 test -s "$T/out.result" || fail "out did not connect"
        assert_eq "peer fd51:1::1" "$(cat "$T/out.result")" "the server saw the host's address"
        wait_until 10 lines_at_least "$T/closed.result" 2 || fail "closed did not finish: $(cat "$T/closed.result")"
        assert_eq "error timed out" "$(sed -n 1p "$T/closed.result")" "a service without Outbound= to the internet"
        assert_eq "error timed out" "$(sed -n 2p "$T/closed.result")" "a service without Outbound= to the host"
        assert_eq "peer fd51:1::1" "$(cat "$T/arrived")" "what reached the internet"
}

test_ip_address_deny_keeps_neighbour_discovery() {
        topology ipv6
        probe "$NET" tcp-log 9000 "$T/arrived" >/dev/null &
        disown
        wait_until 5 probe "$NET" tcp-ask6 fd51:1::2 9000 || fail "the internet's server does not answer"
        : >"$T/arrived"
        # Everything denied but one address: the service's route to the host's end still resolves.
        unit out <<EOF
[Service]
Outbound=yes
IPAddressDeny=any
IPAddressAllow=fd51:1::2
ExecStart=/bin/sh -c 'python3 $T/netprobe.py tcp-ask6 fd51:1::2 9000 >$T/out.result 2>&1; \
        python3 $T/netprobe.py tcp-ask6 fd50:1::2 9000 >>$T/out.result 2>&1; exec sleep 1000'
EOF
        start_svcd
        svc start out || fail "svc start out"
        wait_until 10 lines_at_least "$T/out.result" 2 || fail "out did not finish: $(cat "$T/out.result")"
        assert_eq "peer fd51:1::1" "$(sed -n 1p "$T/out.result")" "the allowed address"
        assert_eq "error timed out" "$(sed -n 2p "$T/out.result")" "a denied address"
}

test_services_reach_each_other_by_name_over_ipv6() {
        topology ipv6
        unit db <<EOF
[Service]
PublishPort=15432:5432
ExecStart=/usr/bin/python3 $T/netprobe.py tcp-serve 5432
EOF
        unit app <<EOF
[Service]
Outbound=yes
ExecStart=/bin/sh -c 'until python3 $T/netprobe.py tcp-ask6 db 5432 >$T/app.result; do sleep 0.2; done; exec sleep 1000'
EOF
        start_svcd
        svc start db app || fail "svc start"
        wait_until 10 grep -q peer "$T/app.result" || fail "app did not reach db: $(cat "$T/app.result")"
        assert_eq "peer $(json_field app address6)" "$(cat "$T/app.result")" "db saw app's own IPv6 address"
        local hosts
        hosts=$(svc exec app cat /etc/hosts)
        assert_contains "$hosts" "$(json_field db address)	db" "app's /etc/hosts, IPv4"
        assert_contains "$hosts" "$(json_field db address6)	db" "app's /etc/hosts, IPv6"
        assert_contains "$hosts" "::1	localhost" "app's /etc/hosts, ::1"
}

test_nothing_is_left_after_stop_or_kill_of_svcd() {
        topology ipv6
        web_unit
        mkdir -p "$T/etc/svc/units/web.unit.d"
        printf '[Service]\nOutbound=yes\n' >"$T/etc/svc/units/web.unit.d/out.conf"
        assert_eq "" "$(leftovers)" "the host namespace before svcd"
        start_svcd
        start_web
        assert_contains "$(leftovers)" "ipv6 forwarding 1" "while web runs"
        assert_contains "$(leftovers)" "address fd" "while web runs"
        svc stop web || fail "svc stop web"
        assert_eq "" "$(leftovers)" "after svc stop"
        assert_contains "$(cat "$T/svcd.log")" "Disabled IPv6 forwarding again" "svcd says IPv6 forwarding is off"
        start_web
        kill -KILL "$SVCD_PID"
        wait "$SVCD_PID" 2>/dev/null
        SVCD_PID=
        wait_until 5 eval '! leftovers | grep -q "^link "' || fail "the link outlived svcd: $(leftovers)"
        assert_contains "$(leftovers)" "ipv6 forwarding 1" "after svcd was killed"
        start_svcd
        assert_eq "" "$(leftovers)" "after the next svcd started"
        assert_contains "$(cat "$T/svcd.log")" "Set net.ipv6.conf.all.forwarding back to 0" "svcd says what it restored"
}

test_an_ipv4_only_host_still_runs_services_with_published_ports() {
        topology ipv4-only
        web_unit
        unit web6 <<EOF
[Service]
ExecStart=/bin/sleep 1000
PublishPort=[::1]:8090:80
EOF
        start_svcd
        start_web
        assert_eq "peer 10.250.1.2" "$(probe "$CLIENT" tcp-ask 10.250.1.1 8080)" "TCP over IPv4"
        assert_eq "peer 10.250.1.2" "$(probe "$CLIENT" udp-ask 10.250.1.1 5353)" "UDP over IPv4"
        assert_eq "" "$(json_field web address6)" "no address6"
        [ -n "$(json_field web address)" ] || fail "no IPv4 address: $(svc status --json web)"
        assert_contains "$(cat "$T/svcd.log")" "IPv6 is disabled in svcd's network namespace" "svcd says why"
        svc start web6 >/dev/null 2>&1 && fail "a port on [::1] started on a host without IPv6"
        assert_contains "$(svc status web6)" "PublishPort=[::1]:8090:80: IPv6 is disabled" "web6's status"
        svc stop web || fail "svc stop web"
        assert_eq "" "$(leftovers)" "after svc stop"
}

run_tests "$@"
