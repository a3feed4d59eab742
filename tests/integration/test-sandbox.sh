#!/usr/bin/env bash
# duration: 386 (seconds on the ASan build: tests/integration/run.sh starts the longest first)
# The sandbox: namespaces, ns-init, the root and its mounts, capabilities, seccomp, fds, sockets,
# syslog, library trees, svc run, and every bad input refused with a sentence.
. "$(dirname "$0")/lib.sh"

SRC=$(cd "$(dirname "$0")/../.." && pwd)
PROBE=$BUILD/tests/sandbox-probe

# make_tree NAME [mktree options]: a tree under the test root.
make_tree() {
        local name=$1
        shift
        "$SRC/contrib/mktree.sh" "$T/var/lib/svc/trees/$name" "$@"
}

demo_tree() { # NAME VERSION
        make_tree "$1" --busybox --lib "$BUILD/demo/v$2" --prog "$BUILD/demo/svcdemo:/usr/bin/svcdemo"
}

logof() { cat "$T/var/log/svc/$1/current" 2>/dev/null; }

# The mounts under the test's root (where svcd mounts anything): other tests may run beside.
mount_count() { awk -v t="$T" 'index($5, t) == 1' /proc/self/mountinfo | wc -l; }

# Every process whose PID namespace is INODE.
pids_in_ns() {
        local p
        for p in /proc/[0-9]*; do
                [ "$(stat -L -c %i "$p/ns/pid" 2>/dev/null)" = "$1" ] && echo "${p#/proc/}"
        done
}

test_pid1_is_ns_init_and_only_own_processes() {
        unit p <<EOF
[Service]
ExecStart=/bin/sh -c 'ps -eo pid=,comm= > $T/ps; echo \$\$\$\$ > $T/mypid; exec sleep 1000'
EOF
        start_svcd
        svc start p
        wait_until 5 test -s "$T/mypid" || fail "no output"
        assert_eq 2 "$(cat "$T/mypid")" "the service's pid in its sandbox"
        assert_contains "$(sed -n 1p "$T/ps")" "1 memfd:ns-init" "pid 1"
        assert_eq 3 "$(wc -l <"$T/ps")" "only ns-init, the shell and ps are visible: $(cat "$T/ps")"
        assert_eq 2 "$(main_ns_pid p)"
}

test_namespaces_differ_from_host() {
        unit ns <<EOF
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'for n in mnt pid net uts ipc; do echo \$n \$(readlink /proc/self/ns/\$n); done > $T/inside'
EOF
        start_svcd
        svc start ns || fail "start failed"
        local n inside host
        for n in mnt pid net uts ipc; do
                inside=$(sed -n "s/^$n //p" "$T/inside")
                host=$(readlink /proc/self/ns/$n)
                [ -n "$inside" ] && [ "$inside" != "$host" ] || fail "$n namespace is the host's: $inside"
        done
}

test_only_loopback_up() {
        unit net <<EOF
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'ip -o link > $T/links; ip -o addr > $T/addrs'
EOF
        start_svcd
        svc start net || fail "start failed"
        assert_eq 1 "$(wc -l <"$T/links")" "interfaces: $(cat "$T/links")"
        assert_contains "$(cat "$T/links")" "lo: <LOOPBACK,UP,LOWER_UP>"
        assert_contains "$(cat "$T/addrs")" "127.0.0.1/8"
        unit hostnet <<EOF
[Service]
Type=oneshot
PrivateNetwork=no
ExecStart=/bin/sh -c 'ip -o link > $T/hostlinks'
EOF
        svc start hostnet || fail "start failed"
        assert_eq "$(ip -o link | wc -l)" "$(wc -l <"$T/hostlinks")" "PrivateNetwork=no sees the host's links"
}

test_host_files_and_control_socket_unreachable() {
        unit_isolated iso <<EOF
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'for p in /root /home /srv /var/log /tmp/$(basename "$T") $T $T/run/svc/control /run/svc/control /etc/shadow; do if [ -e \$p ] && [ -s \$p ]; then echo "SEEN \$p"; else echo "gone \$p"; fi; done; ls /tmp /run'
EOF
        start_svcd
        svc start iso || fail "start failed"
        wait_until 5 grep -q "gone /etc/shadow" "$T/var/log/svc/iso/current" || fail "no output: $(logof iso)"
        assert_not_contains "$(logof iso)" "SEEN" "host paths visible"
}

test_root_readonly_overlay_state_runtime() {
        demo_tree t1 1
        unit ro <<EOF
[Service]
Type=oneshot
RootDirectory=t1
User=www-data
StateDirectory=counter
RuntimeDirectory=rt
ExecStart=/bin/sh -c 'touch /etc/x 2>> $T/out/ro-err && echo wrote-root >> $T/out/ro; n=\$(cat /var/lib/counter/n 2>/dev/null || echo 0); echo \$((n+1)) > /var/lib/counter/n; echo run > /run/rt/f && echo runtime-ok >> $T/out/ro; touch /tmp/t && echo tmp-ok >> $T/out/ro'
EOF
        unit ov <<EOF
[Service]
Type=oneshot
RootDirectory=t1
Overlay=persistent
ExecStart=/bin/sh -c 'echo changed > /etc/motd && cat /etc/motd >> $T/ov'
EOF
        chmod 755 "$T"
        mkdir -m 1777 "$T/out"
        start_svcd
        svc start ro || fail "start failed: $(logof ro)"
        assert_contains "$(cat "$T/out/ro-err")" "Read-only file system" "/ is read-only"
        assert_not_contains "$(cat "$T/out/ro" 2>/dev/null)" "wrote-root"
        assert_contains "$(cat "$T/out/ro")" "runtime-ok"
        assert_contains "$(cat "$T/out/ro")" "tmp-ok"
        svc start ro
        assert_eq 2 "$(cat "$T/var/lib/svc/state/counter/n")" "StateDirectory survives a restart"
        assert_eq "$(host_id ro 33) $(host_id ro 33)" "$(stat -c '%u %g' "$T/var/lib/svc/state/counter")" \
                "owned by the service's user"
        svc start ov || fail "overlay start failed: $(logof ov)"
        assert_eq changed "$(cat "$T/ov")"
        [ ! -e "$T/var/lib/svc/trees/t1/etc/motd" ] || fail "the overlay wrote into the tree"
        [ ! -e "$T/var/lib/svc/trees/t1/var/lib/counter" ] || fail "a missing mount point was made in the tree"
        assert_eq changed "$(cat "$T/var/lib/svc/overlay/ov/upper/etc/motd")" "persistent upper layer"
}

test_state_reowned_for_new_uid() {
        demo_tree t1 1
        mkdir -p "$T/var/lib/svc/state/data"
        echo old >"$T/var/lib/svc/state/data/file"
        chown -R 33:33 "$T/var/lib/svc/state/data"
        # The new tree maps www-data to 1033.
        sed -i 's/^www-data:x:33:33/www-data:x:1033:1033/' "$T/var/lib/svc/trees/t1/etc/passwd"
        unit owner <<'EOF'
[Service]
Type=oneshot
RootDirectory=t1
User=www-data
StateDirectory=data
ExecStart=/bin/sh -c 'echo new >> /var/lib/data/file'
EOF
        start_svcd
        svc start owner || fail "start failed: $(logof owner)"
        assert_eq "$(host_id owner 1033) $(host_id owner 1033)" "$(stat -c '%u %g' "$T/var/lib/svc/state/data/file")" \
                "re-owned"
        assert_eq "old
new" "$(cat "$T/var/lib/svc/state/data/file")" "state kept across the change of tree"
}

test_only_allowed_fds() {
        local port=$((21000 + RANDOM % 2000))
        unit fds <<EOF
[Service]
Type=oneshot
BindReadOnlyPaths=$PROBE:/probe
ExecStart=/probe fds
EOF
        unit fds-sock <<EOF
[Service]
Type=oneshot
ListenStream=127.0.0.1:$port
BindReadOnlyPaths=$PROBE:/probe
ExecStart=/probe fds
EOF
        start_svcd
        svc start fds fds-sock || fail "start failed"
        wait_until 5 grep -q "fds:" "$T/var/log/svc/fds-sock/current" || fail "no output"
        assert_contains "$(logof fds)" "fds: 0 1 2"$'\n' "fds of a service"
        assert_contains "$(logof fds-sock)" "fds: 0 1 2 3"$'\n' "fds with one socket passed"
}

test_capabilities_nnp_seccomp() {
        unit caps-root <<EOF
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'grep -E "^(CapBnd|CapEff|CapAmb|NoNewPrivs|Seccomp):" /proc/self/status > $T/root'
EOF
        mkdir -m 1777 "$T/out"
        chmod 755 "$T"
        unit caps-user <<EOF
[Service]
Type=oneshot
User=nobody
ExecStart=/bin/sh -c 'grep -E "^(CapBnd|CapEff|CapAmb|NoNewPrivs|Seccomp):" /proc/self/status > $T/out/user'
EOF
        unit caps-amb <<EOF
[Service]
Type=oneshot
User=nobody
AmbientCapabilities=CAP_NET_BIND_SERVICE
ExecStart=/bin/sh -c 'grep -E "^(CapBnd|CapEff|CapAmb|NoNewPrivs|Seccomp):" /proc/self/status > $T/out/amb'
EOF
        start_svcd
        svc start caps-root caps-user caps-amb || fail "start failed"
        # Docker's default set without CAP_MKNOD (bit 27).
        assert_contains "$(cat "$T/root")" "CapBnd:	00000000a00425fb"
        assert_contains "$(cat "$T/root")" "CapEff:	00000000a00425fb"
        assert_contains "$(cat "$T/root")" "NoNewPrivs:	1"
        assert_contains "$(cat "$T/root")" "Seccomp:	2"
        assert_contains "$(cat "$T/out/user")" "CapEff:	0000000000000000"
        assert_contains "$(cat "$T/out/user")" "CapBnd:	0000000000000000"
        assert_contains "$(cat "$T/out/user")" "Seccomp:	2"
        assert_contains "$(cat "$T/out/amb")" "CapEff:	0000000000000400"
        assert_contains "$(cat "$T/out/amb")" "CapAmb:	0000000000000400"
}

test_forbidden_operations_fail_inside() {
        unit probe <<EOF
[Service]
Type=oneshot
BindReadOnlyPaths=$PROBE:/probe
ExecStart=/bin/sh -c '/probe > $T/probe 2>&1; unshare -Urm true >> $T/probe 2>&1 && echo UNSHARE-URM-WORKED >> $T/probe; mount -t tmpfs x /mnt >> $T/probe 2>&1 && echo MOUNT-WORKED >> $T/probe; true'
EOF
        start_svcd
        svc start probe || fail "start failed: $(logof probe)"
        local out
        out=$(cat "$T/probe")
        local p
        for p in mount umount unshare-mnt unshare-user unshare-net mknod pivot_root ptrace-traceme \
                ptrace-attach-1 keyctl bpf tiocsti; do
                assert_contains "$out" "$p EPERM" "$p"
        done
        # Read-only, or (in the service's user namespace) not its own to write.
        case "$out" in
        *"write-proc-sys EROFS"* | *"write-proc-sys EACCES"*) ;;
        *) fail "a write to /proc/sys was not refused: $out" ;;
        esac
        assert_contains "$out" "open-init-exe EACCES" "/proc/1/exe"
        assert_not_contains "$out" "WORKED"
        assert_contains "$out" "chroot ok" "a harmless syscall still works"
}

test_term_ignoring_double_fork_is_gone_after_stop() {
        unit stubborn <<EOF
[Service]
ExecStart=/bin/sh -c 'trap "" TERM; (setsid sh -c "trap \\"\\" TERM; exec sleep 1001" &); (sh -c "trap \\"\\" TERM; sleep 1002" &); trap "" TERM; while :; do sleep 0.1; done'
TimeoutStopSec=1s
EOF
        start_svcd
        svc start stubborn
        local init ns
        init=$(init_pid stubborn)
        # ns-init's children: the service's shell and the orphans it left.
        wait_until 5 sh -c "test \$(wc -w </proc/$init/task/$init/children) -ge 2" ||
                fail "ns-init has not adopted the orphans: $(cat /proc/$init/task/$init/children)"
        ns=$(stat -L -c %i /proc/$init/ns/pid)
        wait_lines 5 -ge 4 pids_in_ns "$ns" || fail "the daemons did not start"
        svc stop stubborn
        wait_lines 3 -eq 0 pids_in_ns "$ns" || fail "left behind: $(pids_in_ns "$ns" | tr '\n' ' ')"
}

test_orphans_are_reaped() {
        unit orphans <<EOF
[Service]
ExecStart=/bin/sh -c 'for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do (sleep 0.2 &); done; exec sleep 1000'
EOF
        start_svcd
        svc start orphans
        local init ns
        init=$(init_pid orphans)
        ns=$(stat -L -c %i /proc/$init/ns/pid)
        sleep 1
        local p zombies=0
        for p in $(pids_in_ns "$ns"); do
                grep -q '^State:.*Z' /proc/$p/status 2>/dev/null && zombies=$((zombies + 1))
        done
        assert_eq 0 "$zombies" "zombies in the sandbox"
        assert_eq 2 "$(pids_in_ns "$ns" | wc -l)" "ns-init and the main process are left"
}

# An Accept=yes unit with no connection stops at once: no sandbox is left to say it is empty
# (the box's blog once timed out at every shutdown).
test_accept_unit_with_no_connection_stops_at_once() {
        local p=$((25000 + RANDOM % 1000))
        unit acc <<EOF
[Service]
ListenStream=127.0.0.1:$p
Accept=yes
TimeoutStopSec=30
ExecStart=/bin/cat
EOF
        start_svcd
        svc start acc || fail "start failed"
        local t0 t1
        t0=$(date +%s)
        svc stop acc || fail "stop failed"
        t1=$(date +%s)
        assert_eq inactive "$(state acc)" "state after stop"
        [ $((t1 - t0)) -lt 10 ] || fail "the stop took $((t1 - t0)) s: it waited for its timeout"
}

test_socket_activation_and_accept() {
        local p1=$((23000 + RANDOM % 1000)) p2=$((24000 + RANDOM % 1000))
        unit activated <<EOF
[Service]
ListenStream=127.0.0.1:$p1
BindReadOnlyPaths=$PROBE:/probe
ExecStart=/probe listen
EOF
        unit inetd <<EOF
[Service]
ListenStream=127.0.0.1:$p2
Accept=yes
ExecStart=/bin/sh -c 'read line; echo "hello \$line from \$(hostname), \$(ip -o link | wc -l) link"'
EOF
        start_svcd
        svc start activated inetd || fail "start failed"
        local out
        out=$(exec 3<>/dev/tcp/127.0.0.1/$p1 && cat <&3)
        assert_contains "$out" "activated activated pid 2" "socket activation (LISTEN_PID is the service's own pid)"
        out=$(exec 3<>/dev/tcp/127.0.0.1/$p2 && echo world >&3 && cat <&3)
        assert_eq "hello world from inetd, 1 link" "$out" "Accept=yes answers from a private network namespace"
        out=$(exec 3<>/dev/tcp/127.0.0.1/$p2 && echo again >&3 && cat <&3)
        assert_contains "$out" "hello again" "a second connection"
        assert_eq running "$(state inetd)"
}

test_syslog_reaches_the_log() {
        unit sysl <<'EOF'
[Service]
Type=oneshot
ExecStart=/usr/bin/logger -t mytag hello through syslog
EOF
        start_svcd
        svc start sysl || fail "start failed"
        wait_until 5 grep -q "mytag.*hello through syslog" "$T/var/log/svc/sysl/current" ||
                fail "syslog line not in the log: $(logof sysl)"
}

test_two_trees_same_soname_each_its_own() {
        demo_tree blog 1
        demo_tree mail 2
        for n in blog mail; do
                unit $n <<EOF
[Service]
Type=oneshot
RootDirectory=$n
ExecStart=/usr/bin/svcdemo
EOF
        done
        start_svcd
        svc start blog mail || fail "start failed"
        wait_until 5 grep -q "libsvcdemo 1.0" "$T/var/log/svc/blog/current" || fail "blog: $(logof blog)"
        wait_until 5 grep -q "libsvcdemo 2.0" "$T/var/log/svc/mail/current" || fail "mail: $(logof mail)"
        ! ldconfig -p | grep -q libsvcdemo || fail "the host has the library"
}

test_svc_run_exit_codes() {
        local rc
        rc=0
        "$SVC" --root "$T" run /bin/sh -c 'kill -9 $$' || rc=$?
        assert_eq 137 "$rc" "svc run of a command killed by SIGKILL"
        for want in "0 /bin/true" "1 /bin/false" "42 /bin/sh -c exit\ 42" \
                "127 /no/such/program" "127 nosuchprogram" "126 /etc/passwd"; do
                rc=0
                eval "\"$SVC\" --root \"$T\" run ${want#* }" >/dev/null 2>&1 || rc=$?
                assert_eq "${want%% *}" "$rc" "svc run ${want#* }"
        done
        rc=0
        "$SVC" --root "$T" run --tree nosuch /bin/true 2>"$T/err" || rc=$?
        assert_eq 125 "$rc" "svc run on a missing tree"
        assert_contains "$(cat "$T/err")" "tree nosuch does not exist"
        demo_tree t 2
        assert_eq "libsvcdemo 2.0" "$("$SVC" --root "$T" run --tree t svcdemo)" "svc run on a tree"
        assert_eq "hello" "$(echo hello | "$SVC" --root "$T" run -i /bin/cat)" "svc run -i"
        assert_eq "" "$(echo hello | "$SVC" --root "$T" run /bin/cat)" "stdin is /dev/null without -i"
}

# svc run hands SIGTERM on to the command and returns its status once it ends, with what it left
# in its namespace already killed; -t gives it a terminal as its controlling one.
test_svc_run_signals_leftovers_tty() {
        mkdir "$T/x"
        local pid rc=0 ns
        "$SVC" --root "$T" run --bind "$T/x:/x" /bin/sh -c \
                'trap "exit 7" TERM; readlink /proc/self/ns/pid >/x/ns; sleep 1000 & echo >/x/ready; wait' &
        pid=$!
        wait_until 5 test -s "$T/x/ready" || fail "the command did not start"
        kill -TERM $pid
        wait $pid || rc=$?
        assert_eq 7 "$rc" "svc run of a command ending on SIGTERM"
        ns=$(cat "$T/x/ns")
        ns=${ns#pid:[}
        assert_eq "" "$(pids_in_ns "${ns%]}")" "processes left in the sandbox after svc run"
        rc=0
        script -qec "$SVC --root $T run -t /bin/sh -c 'test -t 0 && echo on a tty; exit 3'" /dev/null \
                >"$T/out" </dev/null || rc=$?
        assert_eq 3 "$rc" "svc run -t of a command exiting 3"
        assert_contains "$(cat "$T/out")" "on a tty" "svc run -t"
}

# bad_start NAME SENTENCE: the unit is refused with SENTENCE, nothing is mounted, the bystander
# keeps running.
bad_start() {
        local before rc=0
        before=$(mount_count)
        svc start "$1" >/dev/null 2>&1 || rc=$?
        wait_until 5 sh -c "\"$SVC\" --root \"$T\" status $1 | grep -qF \"$2\"" ||
                fail "$1: no '$2' in: $(svc status "$1")"
        assert_eq "$before" "$(mount_count)" "$1: mounts on the host"
        assert_eq "$BYSTANDER" "$(main_pid bystander)" "$1: the bystander was touched"
}

test_bad_inputs_refused_with_a_sentence() {
        demo_tree good 1
        demo_tree nolib 1
        rm "$T/var/lib/svc/trees/nolib/usr/lib/libsvcdemo.so.1"
        demo_tree fifo 1
        rm "$T/var/lib/svc/trees/fifo/usr/lib/libsvcdemo.so.1"
        mkfifo "$T/var/lib/svc/trees/fifo/usr/lib/libsvcdemo.so.1"
        demo_tree symproc 1
        rmdir "$T/var/lib/svc/trees/symproc/proc"
        ln -s /etc "$T/var/lib/svc/trees/symproc/proc"
        demo_tree symdev 1
        rmdir "$T/var/lib/svc/trees/symdev/dev"
        ln -s ../../../../../../etc "$T/var/lib/svc/trees/symdev/dev"
        demo_tree symtarget 1
        ln -s /etc "$T/var/lib/svc/trees/symtarget/srv/www"
        mkdir -p "$T/www"
        unit bystander <<'EOF'
[Service]
ExecStart=/bin/sleep 1000
EOF
        local n
        for n in "missingtree:RootDirectory=nosuch" "noprog:RootDirectory=good" "nolib:RootDirectory=nolib" \
                "fifo:RootDirectory=fifo" "symproc:RootDirectory=symproc" "symdev:RootDirectory=symdev" \
                "symtarget:RootDirectory=symtarget"; do
                unit "${n%%:*}" <<EOF
[Service]
Restart=no
${n#*:}
ExecStart=$([ "${n%%:*}" = noprog ] && echo /usr/bin/nothere || echo /usr/bin/svcdemo)
$([ "${n%%:*}" = symtarget ] && echo "BindPaths=$T/www:/srv/www")
EOF
        done
        unit nosource <<'EOF'
[Service]
Restart=no
BindPaths=/nonexistent/source:/srv
ExecStart=/bin/true
EOF
        # Accept=yes starts a sandbox per connection: it is checked at the start all the same.
        unit accepttree <<EOF
[Service]
Restart=no
RootDirectory=nosuch
ListenStream=127.0.0.1:$((26000 + RANDOM % 1000))
Accept=yes
ExecStart=/usr/bin/svcdemo serve
EOF
        start_svcd
        svc start bystander
        BYSTANDER=$(main_pid bystander)
        bad_start missingtree "tree nosuch does not exist"
        bad_start noprog "/usr/bin/nothere does not exist in tree good"
        bad_start nolib "/usr/bin/svcdemo needs libsvcdemo.so.1, which tree nolib does not have"
        bad_start fifo "not a regular file"
        bad_start symproc "tree symproc has /proc as a symlink"
        bad_start symdev "tree symdev has /dev as a symlink"
        bad_start symtarget "bind target /srv/www is a symlink"
        bad_start nosource "bind source /nonexistent/source does not exist"
        bad_start accepttree "tree nosuch does not exist"
        # Paths the unit parser refuses: relative, with "..".
        mkdir -p "$T/u"
        printf '[Service]\nRootDirectory=../escape\nExecStart=/bin/true\n' >"$T/u/dots.unit"
        printf '[Service]\nBindPaths=relative/path\nExecStart=/bin/true\n' >"$T/u/rel.unit"
        local rc=0
        "$SVC" check "$T/u/dots.unit" "$T/u/rel.unit" 2>"$T/err" >/dev/null || rc=$?
        assert_eq 1 "$rc"
        assert_contains "$(cat "$T/err")" "dots.unit:2:"
        assert_contains "$(cat "$T/err")" "rel.unit:2:"
}

# atd.service's ExecStartPre=-find ...: a program named without a '/' is looked up in the service's
# own tree, in systemd's order (/usr/local/sbin first), never on the host; svc check and svcd's
# start refuse a name the tree lacks with the same sentence, though the host has it.
test_a_program_name_is_found_in_the_service_tree() {
        make_tree named --busybox
        local tree=$T/var/lib/svc/trees/named
        mkdir -p "$tree/usr/local/sbin"
        printf '#!/bin/sh\necho "local-sbin $*" >> %s/mark\nexec sleep 1000\n' "$T" >"$tree/usr/local/sbin/svc-named"
        printf '#!/bin/sh\necho "usr-bin $*" >> %s/mark\n' "$T" >"$tree/usr/bin/svc-named"
        chmod 755 "$tree/usr/local/sbin/svc-named" "$tree/usr/bin/svc-named"
        command -v make >/dev/null || fail "the host has no make to show that the host is not searched"
        [ ! -e "$tree/usr/bin/make" ] && [ ! -e "$tree/bin/make" ] || fail "the busybox tree has make"
        unit named <<EOF
[Service]
RootDirectory=named
ExecStartPre=-find /etc -name passwd -newer /nonexistent
ExecStart=svc-named -f
EOF
        unit hostonly <<EOF
[Service]
Restart=no
RootDirectory=named
ExecStart=make --version
EOF
        svc check "$T/etc/svc/units/named.unit" >/dev/null || fail "svc check refused named"
        local rc=0
        svc check "$T/etc/svc/units/hostonly.unit" >/dev/null 2>"$T/err" || rc=$?
        assert_eq 1 "$rc" "svc check of a name the tree lacks"
        local why="make is not in tree named, which svc searches for a program named without a '/'"
        assert_contains "$(cat "$T/err")" "$why" "svc check"
        start_svcd
        svc start named || fail "svc start named: $(svc status named)"
        wait_until 5 test -s "$T/mark" || fail "svc-named did not run"
        assert_eq "local-sbin -f" "$(cat "$T/mark")" "the first directory of systemd's search path won"
        svc start hostonly >/dev/null 2>&1 && fail "a start of a name only the host has succeeded"
        wait_until 5 sh -c "\"$SVC\" --root \"$T\" status hostonly | grep -qF \"$why\"" ||
                fail "svcd's sentence: $(svc status hostonly)"
}

test_control_commands_share_the_sandbox() {
        unit shared <<EOF
[Service]
ExecStartPre=/bin/sh -c 'echo from-pre > /tmp/marker; readlink /proc/self/ns/mnt > /tmp/ns'
ExecStart=/bin/sh -c 'cat /tmp/marker > $T/main; [ "\$(readlink /proc/self/ns/mnt)" = "\$(cat /tmp/ns)" ] && echo same-ns >> $T/main; exec sleep 1000'
ExecReload=/bin/sh -c 'cat /tmp/marker > $T/reload; echo \$\$\$\$ >> $T/reload'
ExecStop=/bin/sh -c 'cat /tmp/marker > $T/stop'
EOF
        start_svcd
        svc start shared
        wait_until 5 lines_at_least "$T/main" 2 || fail "main: $(cat "$T/main" 2>/dev/null)"
        assert_eq "from-pre
same-ns" "$(cat "$T/main")" "ExecStartPre ran in the service's mount namespace"
        svc reload shared
        assert_eq from-pre "$(head -1 "$T/reload")" "ExecReload in the same sandbox"
        [ "$(sed -n 2p "$T/reload")" -lt 100 ] || fail "ExecReload's pid is not in the sandbox's numbering"
        svc stop shared
        assert_eq from-pre "$(cat "$T/stop")" "ExecStop in the same sandbox"
}

test_svc_exec() {
        demo_tree blog 1
        unit blog <<'EOF'
[Service]
RootDirectory=blog
User=www-data
ExecStart=/bin/sleep 1000
EOF
        unit stopped <<'EOF'
[Service]
ExecStart=/bin/sleep 1000
EOF
        start_svcd
        svc start blog
        assert_eq "libsvcdemo 1.0" "$(svc exec blog svcdemo)" "the tree's own binary and library"
        assert_eq "33 blog 2" "$(svc exec blog sh -c 'echo $(id -u) $(hostname) $(pidof sleep)')" \
                "the service's user, hostname and processes"
        local rc=0
        svc exec blog sh -c 'exit 7' || rc=$?
        assert_eq 7 "$rc" "exit status"
        rc=0
        svc exec blog nosuchprogram 2>"$T/err" || rc=$?
        assert_eq 127 "$rc" "a program the tree does not have"
        rc=0
        svc exec blog ls /etc/shadow-of-the-host >/dev/null 2>&1 || rc=$?
        assert_eq 1 "$rc" "the command's own failure"
        assert_eq hello "$(echo hello | svc exec -i blog cat)" "svc exec -i"
        rc=0
        svc exec stopped true 2>"$T/err" || rc=$?
        [ $rc -ne 0 ] || fail "exec into a stopped service succeeded"
        assert_contains "$(cat "$T/err")" "not running"
        rc=0
        svc exec nosuchunit true 2>/dev/null || rc=$?
        assert_eq 4 "$rc" "no such unit"
}

test_control_socket_refuses_service_processes() {
        unit victim <<'EOF'
[Service]
ExecStart=/bin/sleep 1000
EOF
        # A root service that can reach the control socket through a bind, with svc at hand.
        unit intruder <<EOF
[Service]
Type=oneshot
Restart=no
BindReadOnlyPaths=$BUILD
ExecStart=$BUILD/svc --root $T stop victim
EOF
        start_svcd
        svc start victim
        local pid
        pid=$(main_pid victim)
        svc start intruder 2>/dev/null
        wait_until 5 grep -q "Refusing a control connection" "$T/svcd.log" || fail "not refused: $(cat "$T/svcd.log")"
        assert_eq running "$(state victim)"
        assert_eq "$pid" "$(main_pid victim)" "the victim was untouched"
}

test_svc_check_runs_the_library_check() {
        demo_tree good 1
        demo_tree nolib 1
        rm "$T/var/lib/svc/trees/nolib/usr/lib/libsvcdemo.so.1"
        mkdir -p "$T/u"
        printf '[Service]\nRootDirectory=good\nExecStart=/usr/bin/svcdemo\n' >"$T/u/good.unit"
        printf '[Service]\nRootDirectory=nolib\nExecStart=/usr/bin/svcdemo\n' >"$T/u/nolib.unit"
        "$SVC" --root "$T" check "$T/u/good.unit" >/dev/null || fail "a good unit on a complete tree"
        local rc=0
        "$SVC" --root "$T" check "$T/u/good.unit" "$T/u/nolib.unit" >/dev/null 2>"$T/err" || rc=$?
        assert_eq 1 "$rc"
        assert_contains "$(cat "$T/err")" "nolib.unit: /usr/bin/svcdemo needs libsvcdemo.so.1, which tree nolib does not have"
}

test_max_connections() {
        local port=$((25000 + RANDOM % 1000))
        unit slow <<EOF
[Service]
ListenStream=127.0.0.1:$port
Accept=yes
MaxConnections=1
ExecStart=/bin/sh -c 'echo served; read line'
EOF
        start_svcd
        svc start slow
        exec 5<>/dev/tcp/127.0.0.1/$port
        local first
        read -r -t 5 first <&5 || fail "first connection not served"
        assert_eq served "$first"
        # The second connection waits in the backlog while the first holds the only slot.
        exec 6<>/dev/tcp/127.0.0.1/$port
        local second=""
        read -r -t 1 second <&6 || true
        assert_eq "" "$second" "a second connection served beyond MaxConnections=1"
        echo bye >&5
        exec 5>&-
        read -r -t 5 second <&6 || fail "the waiting connection was never served"
        assert_eq served "$second"
        exec 6>&-
}

run_tests "$@"
