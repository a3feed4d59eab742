#!/usr/bin/env bash
# duration: 97 (seconds on the ASan build: tests/integration/run.sh starts the longest first)
# The hardening keys (issue 14), each from inside a real service: the forbidden call fails with
# the errno systemd gives (or the process is killed by SIGSYS, SystemCallFilter='s default), the
# allowed one works. tests/helpers/hardening-probe.c runs each probe in a child of its own.
. "$(dirname "$0")/lib.sh"

PROBE=$BUILD/tests/hardening-probe

# probe_unit NAME PROBES... : a oneshot service that runs the probes with the keys read from
# stdin, and leaves their lines in $T/NAME.out.
probe_unit() {
        local name=$1
        shift
        cp "$PROBE" "$T/probe"
        {
                echo "[Service]"
                echo "Type=oneshot"
                echo "ExecStart=/bin/sh -c '$T/probe $* > $T/$name.out 2>&1'"
                cat
        } | unit "$name"
}

# outcome NAME PROBE: what the probe gave in the service NAME.
outcome() {
        sed -n "s|^$2 ||p" "$T/$1.out"
}

run_probes() { # NAME
        svc start "$1" || fail "$1 did not start: $(svc status "$1" 2>&1 | tail -n 3)"
        [ -s "$T/$1.out" ] || fail "$1 wrote nothing"
}

test_system_call_filter_deny_list_kills_by_default() {
        probe_unit deny uname mmap-w <<EOF
SystemCallFilter=~uname
EOF
        probe_unit plain uname mmap-w </dev/null
        start_svcd
        run_probes deny
        run_probes plain
        assert_eq SIGSYS "$(outcome deny uname)" "uname, denied without an errno"
        assert_eq ok "$(outcome deny mmap-w)" "mmap, not listed"
        assert_eq ok "$(outcome plain uname)" "uname without the key"
}

test_system_call_filter_errno_suffix_and_error_number() {
        probe_unit suffix uname sethostname <<EOF
SystemCallFilter=~uname:EACCES sethostname
SystemCallErrorNumber=EUCLEAN
EOF
        start_svcd
        run_probes suffix
        assert_eq EACCES "$(outcome suffix uname)" "uname:EACCES"
        assert_eq EUCLEAN "$(outcome suffix sethostname)" "sethostname with SystemCallErrorNumber="
}

test_system_call_filter_allow_list_and_later_lines() {
        # @system-service allows uname; the second line takes it out again, as systemd does.
        probe_unit allow uname mmap-w sethostname <<EOF
SystemCallFilter=@system-service
SystemCallFilter=~uname
SystemCallErrorNumber=EUCLEAN
EOF
        # With a second program (MemoryDenyWriteExecute=): seccomp() itself is outside
        # @system-service, so the allow list must be the last program loaded.
        probe_unit kill uname mmap-w mmap-wx <<EOF
SystemCallFilter=@system-service
SystemCallFilter=~uname
MemoryDenyWriteExecute=yes
EOF
        start_svcd
        run_probes allow
        run_probes kill
        assert_eq EUCLEAN "$(outcome allow uname)" "uname, taken out of the allow list"
        assert_eq ok "$(outcome allow mmap-w)" "mmap, in @system-service"
        # Outside the allow list: the unit's errno, before svc's own EPERM for sethostname.
        assert_eq EUCLEAN "$(outcome allow sethostname)" "sethostname, outside the allow list"
        assert_eq SIGSYS "$(outcome kill uname)" "uname, allow list without an errno"
        assert_eq ok "$(outcome kill mmap-w)" "mmap with a kill allow list"
        assert_eq EPERM "$(outcome kill mmap-wx)" "a W+X mapping with the allow list"
}

test_system_call_filter_with_user_and_privileged_denied() {
        # The filter is loaded after the credentials are set, so ~@privileged (setuid, setgroups,
        # capset) does not stop the start; no_new_privs is implied as systemd implies it.
        probe_unit user uname <<EOF
User=nobody
NoNewPrivileges=no
SystemCallFilter=~@privileged @resources
EOF
        sed -i "s|^ExecStart=.*|ExecStart=/bin/sh -c 'grep -E \"^(Uid\|NoNewPrivs)\" /proc/self/status > $T/user.out'|" \
                "$T/etc/svc/units/user.unit"
        chmod 0777 "$T"
        start_svcd
        svc start user || fail "a User= service with ~@privileged did not start: $(svc status user 2>&1 | tail -n 3)"
        assert_contains "$(cat "$T/user.out")" "NoNewPrivs:	1"
        assert_contains "$(cat "$T/user.out")" "Uid:	65534"
}

test_system_call_architectures_native() {
        # x32 (the 0x40000000 bit on x86-64) is an ABI svc's default filter lets through; a kernel
        # built without it answers ENOSYS, but the filter acts first. (int 0x80 cannot tell: this
        # kernel has the i386 entry off and SIGSEGVs with or without a filter.)
        [ "$(uname -m)" = x86_64 ] || { echo "    skip: the probe uses the x32 ABI of x86-64"; return 0; }
        probe_unit native x32-getpid uname <<EOF
SystemCallArchitectures=native
EOF
        probe_unit multi x32-getpid </dev/null
        start_svcd
        run_probes native
        run_probes multi
        assert_eq SIGSYS "$(outcome native x32-getpid)" "an x32 call with SystemCallArchitectures=native"
        assert_eq ok "$(outcome native uname)" "a native call"
        case $(outcome multi x32-getpid) in
        ok | ENOSYS) ;;
        *) fail "an x32 call under svc's default filter gave $(outcome multi x32-getpid)" ;;
        esac
}

test_memory_deny_write_execute() {
        probe_unit mdwe mmap-wx mprotect-x mmap-w <<EOF
MemoryDenyWriteExecute=yes
EOF
        probe_unit wx mmap-wx mprotect-x </dev/null
        start_svcd
        run_probes mdwe
        run_probes wx
        assert_eq EPERM "$(outcome mdwe mmap-wx)" "a writable and executable mapping"
        assert_eq EPERM "$(outcome mdwe mprotect-x)" "making a mapping executable"
        assert_eq ok "$(outcome mdwe mmap-w)" "a writable mapping"
        assert_eq ok "$(outcome wx mmap-wx)" "a W+X mapping without the key"
        assert_eq ok "$(outcome wx mprotect-x)" "mprotect PROT_EXEC without the key"
}

test_restrict_address_families() {
        probe_unit allowaf socket-unix socket-inet socket-inet6 socket-netlink <<EOF
RestrictAddressFamilies=AF_UNIX AF_INET
EOF
        probe_unit denyaf socket-inet socket-inet6 socket-netlink <<EOF
RestrictAddressFamilies=~AF_INET6 AF_NETLINK
RestrictAddressFamilies=~AF_INET
EOF
        probe_unit noneaf socket-unix <<EOF
RestrictAddressFamilies=none
EOF
        start_svcd
        run_probes allowaf
        run_probes denyaf
        run_probes noneaf
        assert_eq ok "$(outcome allowaf socket-unix)" "AF_UNIX, allowed"
        assert_eq ok "$(outcome allowaf socket-inet)" "AF_INET, allowed"
        assert_eq EAFNOSUPPORT "$(outcome allowaf socket-inet6)" "AF_INET6, not in the allow list"
        assert_eq EAFNOSUPPORT "$(outcome allowaf socket-netlink)" "AF_NETLINK, not in the allow list"
        assert_eq EAFNOSUPPORT "$(outcome denyaf socket-inet)" "AF_INET, added by a second deny line"
        assert_eq EAFNOSUPPORT "$(outcome denyaf socket-inet6)" "AF_INET6, denied"
        assert_eq EAFNOSUPPORT "$(outcome denyaf socket-netlink)" "AF_NETLINK, denied"
        assert_eq EAFNOSUPPORT "$(outcome noneaf socket-unix)" "AF_UNIX with none"
}

test_restrict_realtime() {
        # The kernel checks a real-time priority before any permission: SCHED_FIFO with priority 0
        # is EINVAL from the kernel, EPERM from the filter, which looks at the policy alone. (A
        # valid SCHED_FIFO request is EPERM here either way: a v1 cpu cgroup without real-time
        # runtime refuses it even with CAP_SYS_NICE.)
        probe_unit rt sched-fifo0 sched-fifo sched-batch <<EOF
CapabilityBoundingSet=CAP_SYS_NICE
RestrictRealtime=yes
EOF
        probe_unit nort sched-fifo0 <<EOF
CapabilityBoundingSet=CAP_SYS_NICE
EOF
        start_svcd
        run_probes rt
        run_probes nort
        assert_eq EPERM "$(outcome rt sched-fifo0)" "SCHED_FIFO with RestrictRealtime=yes"
        assert_eq EPERM "$(outcome rt sched-fifo)" "SCHED_FIFO priority 1 with RestrictRealtime=yes"
        assert_eq ok "$(outcome rt sched-batch)" "SCHED_BATCH"
        assert_eq EINVAL "$(outcome nort sched-fifo0)" "SCHED_FIFO reaches the kernel without the key"
}

test_restrict_suid_sgid() {
        probe_unit suid chmod-suid chmod-sgid chmod-plain <<EOF
RestrictSUIDSGID=yes
EOF
        probe_unit nosuid chmod-suid </dev/null
        start_svcd
        run_probes suid
        run_probes nosuid
        assert_eq EPERM "$(outcome suid chmod-suid)" "chmod 04755"
        assert_eq EPERM "$(outcome suid chmod-sgid)" "chmod 02755"
        assert_eq ok "$(outcome suid chmod-plain)" "chmod 0755"
        assert_eq ok "$(outcome nosuid chmod-suid)" "chmod 04755 without the key"
}

test_lock_personality() {
        probe_unit lock personality-linux32 personality-linux <<EOF
LockPersonality=yes
EOF
        probe_unit nolock personality-linux32 </dev/null
        start_svcd
        run_probes lock
        run_probes nolock
        assert_eq EPERM "$(outcome lock personality-linux32)" "PER_LINUX32 with LockPersonality=yes"
        assert_eq ok "$(outcome lock personality-linux)" "keeping PER_LINUX"
        assert_eq ok "$(outcome nolock personality-linux32)" "PER_LINUX32 under svc's default filter"
}

test_restrict_namespaces_is_met_and_allowing_warns() {
        probe_unit ns unshare-net <<EOF
RestrictNamespaces=yes
EOF
        start_svcd
        run_probes ns
        assert_eq EPERM "$(outcome ns unshare-net)" "unshare(CLONE_NEWNET)"
        printf '[Service]\nExecStart=/bin/true\nRestrictNamespaces=net\n' >"$T/nsallow.service"
        local out
        out=$("$SVC" check --no-programs "$T/nsallow.service" 2>&1) || fail "RestrictNamespaces=net refused: $out"
        assert_contains "$out" "warning: RestrictNamespaces=net: svc's seccomp filter denies"
}

test_protect_clock_and_kernel_logs_drop_capabilities() {
        local caps='CapabilityBoundingSet=CAP_SYS_TIME CAP_WAKE_ALARM CAP_SYSLOG CAP_CHOWN'
        printf '[Service]\nType=oneshot\n%s\nProtectClock=yes\nProtectKernelLogs=yes\nExecStart=/bin/sh -c "grep CapBnd /proc/self/status > %s/pc.out"\n' \
                "$caps" "$T" | unit pc
        printf '[Service]\nType=oneshot\n%s\nExecStart=/bin/sh -c "grep CapBnd /proc/self/status > %s/nopc.out"\n' \
                "$caps" "$T" | unit nopc
        start_svcd
        svc start pc || fail "pc did not start"
        svc start nopc || fail "nopc did not start"
        # CAP_CHOWN (0) alone, against CHOWN, SYS_TIME (25), WAKE_ALARM (35) and SYSLOG (34).
        assert_eq "CapBnd:	0000000000000001" "$(cat "$T/pc.out")" "bounding set with ProtectClock= and ProtectKernelLogs="
        assert_eq "CapBnd:	0000000c02000001" "$(cat "$T/nopc.out")" "bounding set without them"
}

test_exec_in_service_gets_its_filter() {
        cp "$PROBE" "$T/probe"
        unit ex <<EOF
[Service]
ExecStart=/bin/sleep 1000
SystemCallFilter=~uname:EACCES
EOF
        start_svcd
        svc start ex || fail "ex did not start"
        local out
        out=$(svc exec ex "$T/probe" uname 2>&1)
        assert_eq "uname EACCES" "$out" "svc exec in a service with a filter"
}

test_bad_hardening_values_are_refused_with_the_line() {
        local out
        printf '[Service]\nExecStart=/bin/true\nSystemCallFilter=@no-such-group\n' >"$T/bad1.service"
        out=$("$SVC" check --no-programs "$T/bad1.service" 2>&1) && fail "an unknown group was accepted"
        assert_contains "$out" "bad1.service:3: SystemCallFilter=: unknown system call group @no-such-group"
        printf '[Service]\nExecStart=/bin/true\nRestrictAddressFamilies=AF_NOPE\n' >"$T/bad2.service"
        out=$("$SVC" check --no-programs "$T/bad2.service" 2>&1) && fail "an unknown family was accepted"
        assert_contains "$out" "bad2.service:3: RestrictAddressFamilies=: unknown address family AF_NOPE"
        printf '[Service]\nExecStart=/bin/true\nSystemCallErrorNumber=log\n' >"$T/bad3.service"
        out=$("$SVC" check --no-programs "$T/bad3.service" 2>&1) && fail "SystemCallErrorNumber=log was accepted"
        assert_contains "$out" "would let the filtered system calls through"
}

test_device_allow_binds_the_host_node() {
        [ -c /dev/net/tun ] || fail "this machine has no /dev/net/tun to test with"
        probe_unit tun open=/dev/net/tun open=/dev/zero <<EOF
DevicePolicy=closed
DeviceAllow=/dev/null rw
DeviceAllow=/dev/net/tun rw
EOF
        probe_unit notun open=/dev/net/tun </dev/null
        probe_unit strict open=/dev/null open=/dev/zero open=/dev/net/tun <<EOF
DevicePolicy=strict
DeviceAllow=/dev/null rw
DeviceAllow=char-misc rw
EOF
        start_svcd
        run_probes tun
        run_probes notun
        run_probes strict
        assert_eq ok "$(outcome tun open=/dev/net/tun)" "/dev/net/tun with DeviceAllow="
        assert_eq ok "$(outcome tun open=/dev/zero)" "a safe node with DevicePolicy=closed"
        assert_eq ENOENT "$(outcome notun open=/dev/net/tun)" "/dev/net/tun without DeviceAllow="
        assert_eq ok "$(outcome strict open=/dev/null)" "/dev/null, named with DevicePolicy=strict"
        assert_eq ENOENT "$(outcome strict open=/dev/zero)" "/dev/zero, not named with DevicePolicy=strict"
        assert_eq ok "$(outcome strict open=/dev/net/tun)" "/dev/net/tun, of class char-misc"
}

test_device_allow_read_only_is_refused() {
        printf '[Service]\nExecStart=/bin/true\nDeviceAllow=/dev/net/tun r\n' >"$T/ro.service"
        local out
        out=$("$SVC" check --no-programs "$T/ro.service" 2>&1) && fail "DeviceAllow= r was accepted"
        assert_contains "$out" "ro.service:3: DeviceAllow=/dev/net/tun r: svc gives a device read-write or not at all"
}

# The world of test-net.sh, smaller: svcd in "host" (10.251.1.1 on wan), an "internet" namespace
# with two addresses, 10.251.1.2 and .3, and a client on "lan" (10.250.1.2).
ip_topology() {
        local id=${T##*.}
        HOST=svct-$id-host NET=svct-$id-inet CLIENT=svct-$id-client
        netns_add "$HOST"
        netns_add "$NET"
        netns_add "$CLIENT"
        ip -n "$HOST" link add wan type veth peer name eth0 netns "$NET" || fail "veth wan"
        ip -n "$HOST" link add lan type veth peer name eth0 netns "$CLIENT" || fail "veth lan"
        ip -n "$HOST" addr add 10.251.1.1/24 dev wan
        ip -n "$HOST" addr add 10.250.1.1/24 dev lan
        ip -n "$HOST" link set wan up
        ip -n "$HOST" link set lan up
        ip -n "$NET" addr add 10.251.1.2/24 dev eth0
        ip -n "$NET" addr add 10.251.1.3/24 dev eth0
        ip -n "$NET" link set eth0 up
        ip -n "$NET" route add default via 10.251.1.1
        ip -n "$CLIENT" addr add 10.250.1.2/24 dev eth0
        ip -n "$CLIENT" link set eth0 up
        ip -n "$CLIENT" route add default via 10.250.1.1
        # shellcheck disable=SC2034 # read by start_svcd (lib.sh)
        SVCD_NETNS=$HOST
        cp "$(dirname "$0")/../helpers/netprobe.py" "$T/netprobe.py"
}

test_ip_address_deny_and_allow_on_the_services_link() {
        ip_topology
        nsenter --net="/run/netns/$NET" python3 "$T/netprobe.py" tcp-serve 9000 >/dev/null 2>&1 &
        disown
        wait_until 5 nsenter --net="/run/netns/$NET" python3 "$T/netprobe.py" tcp-ask 10.251.1.3 9000 ||
                fail "the internet's server does not answer"
        unit ipf <<EOF
[Service]
Outbound=yes
PublishPort=8080:80
IPAddressDeny=any
IPAddressAllow=10.251.1.2 localhost
ExecStart=/bin/sh -c 'python3 $T/netprobe.py tcp-ask 10.251.1.2 9000 >$T/ipf.result 2>&1; \
        python3 $T/netprobe.py tcp-ask 10.251.1.3 9000 >>$T/ipf.result 2>&1; exec python3 $T/netprobe.py tcp-serve 80'
EOF
        unit open <<EOF
[Service]
Outbound=yes
ExecStart=/bin/sh -c 'python3 $T/netprobe.py tcp-ask 10.251.1.3 9000 >$T/open.result 2>&1; exec sleep 1000'
EOF
        start_svcd
        svc start ipf open || fail "svc start"
        wait_until 15 lines_at_least "$T/ipf.result" 2 || fail "ipf did not finish: $(cat "$T/ipf.result")"
        assert_eq "peer 10.251.1.1" "$(sed -n 1p "$T/ipf.result")" "an allowed address"
        assert_eq "error timed out" "$(sed -n 2p "$T/ipf.result")" "a denied address"
        wait_until 10 test -s "$T/open.result" || fail "open did not connect"
        assert_eq "peer 10.251.1.1" "$(cat "$T/open.result")" "a service without the keys"
        # Inbound: the client's address is denied, so its connection to the published port is too.
        local out
        out=$(nsenter --net="/run/netns/$CLIENT" python3 "$T/netprobe.py" tcp-ask 10.250.1.1 8080 2>&1)
        assert_eq "error timed out" "$out" "a client with a denied address"
        assert_contains "$(nsenter --net="/run/netns/$HOST" nft list ruleset)" "ip daddr 10.251.1.2 accept comment \"ipf\""
}

test_ip_address_keys_refused_with_the_hosts_network() {
        printf '[Service]\nExecStart=/bin/true\nPrivateNetwork=no\nIPAddressDeny=any\n' >"$T/hn.service"
        local out
        out=$("$SVC" check --no-programs "$T/hn.service" 2>&1) && fail "IPAddressDeny= with PrivateNetwork=no was accepted"
        assert_contains "$out" "IPAddressAllow= and IPAddressDeny= filter the service's own link"
}

# ProtectHostname=, ProtectControlGroups=, ProtectKernelTunables= are met by svc's sandbox: from
# inside, setting the host name, making a cgroup and writing a kernel tunable fail, while reading
# the name and a tunable work. (The tunable is written with its own value: harmless if it passed.)
test_protect_hostname_control_groups_and_kernel_tunables_are_met() {
        unit met <<EOF
[Service]
Type=oneshot
ProtectHostname=yes
ProtectControlGroups=yes
ProtectKernelTunables=yes
ExecStart=/bin/sh -c '{ hostname other 2>/dev/null && echo hostname-set || echo hostname-refused; hostname; mkdir /sys/fs/cgroup/svc-met 2>/dev/null && echo cgroup-made || echo cgroup-refused; cat /proc/sys/kernel/sysrq 2>/dev/null > /proc/sys/kernel/sysrq && echo tunable-written || echo tunable-refused; cat /proc/sys/kernel/ostype; } > $T/out'
EOF
        svc check "$T/etc/svc/units/met.unit" >"$T/check" 2>"$T/err" || fail "svc check: $(cat "$T/err")"
        assert_eq "" "$(cat "$T/err")" "no warning: the sandbox meets the three keys"
        assert_contains "$(cat "$T/check")" "met by svc's sandbox: ProtectHostname= ProtectControlGroups= ProtectKernelTunables=" "svc check"
        start_svcd
        svc start met || fail "svc start met: $(svc status met)"
        assert_eq "hostname-refused
met
cgroup-refused
tunable-refused
Linux" "$(cat "$T/out")" "from inside the service"
        [ -d /sys/fs/cgroup/svc-met ] && fail "a cgroup appeared on the host"
        return 0
}

run_tests "$@"
