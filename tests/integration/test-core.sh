#!/usr/bin/env bash
# duration: 185 (seconds on the ASan build: tests/integration/run.sh starts the longest first)
# svcd and svc: start, stop, restart, backoff, start limit, stop timeout, dependencies, notify,
# enable, exit codes, reload-units, bad units, shutdown.
. "$(dirname "$0")/lib.sh"

test_start_stop_restart() {
        unit sleeper <<'EOF'
[Unit]
Description=sleeps
[Service]
ExecStart=/bin/sleep 1000
EOF
        start_svcd
        svc start sleeper || fail "svc start failed"
        assert_eq running "$(state sleeper)" "state after start"
        local pid1
        pid1=$(main_pid sleeper)
        pid_alive "$pid1" || fail "main pid $pid1 is not alive"
        assert_eq "sleep 1000" "$(tr '\0' ' ' </proc/$pid1/cmdline | sed 's/ $//;s|/bin/||')" "cmdline"
        svc restart sleeper || fail "svc restart failed"
        local pid2
        pid2=$(main_pid sleeper)
        [ "$pid1" != "$pid2" ] || fail "restart kept pid $pid1"
        ! pid_alive "$pid1" || fail "old pid $pid1 still alive after restart"
        svc stop sleeper || fail "svc stop failed"
        assert_eq inactive "$(state sleeper)" "state after stop"
        ! pid_alive "$pid2" || fail "pid $pid2 alive after stop"
        local rc=0
        svc status sleeper >/dev/null || rc=$?
        assert_eq 3 "$rc" "status exit code of a stopped unit"
}

test_exit_codes() {
        unit ok <<'EOF'
[Service]
ExecStart=/bin/sleep 1000
EOF
        start_svcd
        local rc=0
        svc start nosuch 2>"$T/err" || rc=$?
        assert_eq 4 "$rc" "start of a missing unit"
        assert_contains "$(cat "$T/err")" "nosuch not found"
        rc=0
        svc status nosuch >/dev/null 2>&1 || rc=$?
        assert_eq 4 "$rc" "status of a missing unit"
        rc=0
        svc frobnicate >/dev/null 2>&1 || rc=$?
        assert_eq 2 "$rc" "unknown command"
        rc=0
        svc start >/dev/null 2>&1 || rc=$?
        assert_eq 2 "$rc" "start without a name"
        # Every command the front end takes is in its help, the ones svc-ctl and svc-tree run too.
        local c help
        help=$("$SVC" --help)
        for c in start stop status list logs top run exec check tree poweroff; do
                assert_contains "$help" "  $c" "svc --help lists $c"
        done
        svc start ok
        rc=0
        svc status ok >/dev/null || rc=$?
        assert_eq 0 "$rc" "status of a running unit"
}

test_crash_restarts_with_growing_delays() {
        unit crasher <<EOF
[Service]
ExecStart=/bin/sh -c 'date +%%s.%%N >> $T/starts; kill -SEGV \$\$\$\$'
RestartSec=200ms
RestartMaxDelaySec=2s
RestartSteps=3
EOF
        start_svcd
        svc start --no-block crasher
        wait_until 15 lines_at_least "$T/starts" 5 || fail "fewer than 5 starts"
        local status
        status=$(svc status crasher)
        assert_contains "$status" "signal 11" "status"
        assert_contains "$status" "backing-off" "status"
        # Delays between starts: 200ms, ~0.43s, ~0.93s, 2s (systemd's RestartSteps formula).
        awk 'NR > 1 { print $1 - prev } { prev = $1 }' "$T/starts" | head -4 >"$T/delays"
        local d1 d4
        d1=$(sed -n 1p "$T/delays")
        d4=$(sed -n 4p "$T/delays")
        awk -v a="$d1" -v b="$d4" 'BEGIN { exit !(a >= 0.18 && a < 0.6 && b >= 1.9 && b > a * 3) }' ||
                fail "delays do not grow: $(tr '\n' ' ' <"$T/delays")"
        svc stop crasher
        assert_eq inactive "$(state crasher)" "a stop cancels the pending restart"
        local n
        n=$(wc -l <"$T/starts")
        sleep 2.5
        assert_eq "$n" "$(wc -l <"$T/starts")" "no start after stop"
}

test_start_limit_ends_failed() {
        unit limited <<EOF
[Unit]
StartLimitBurst=3
StartLimitIntervalSec=60s
[Service]
ExecStart=/bin/sh -c 'echo x >> $T/starts; exit 3'
RestartSec=50ms
EOF
        start_svcd
        svc start limited || fail "a simple unit is started at exec"
        wait_until 10 state_is limited failed || fail "never reached failed: $(svc status limited)"
        assert_eq 4 "$(wc -l <"$T/starts")" "one start and three restarts"
        assert_contains "$(svc status limited)" "start limit hit" "status"
        svc start --no-block limited
        wait_until 10 lines_at_least "$T/starts" 5 || fail "a manual start does not clear failed"
}

test_sigterm_ignored_is_killed_after_timeout() {
        unit stubborn <<EOF
[Service]
ExecStart=/bin/sh -c 'trap "" TERM; echo up > $T/up; while :; do sleep 0.1; done'
TimeoutStopSec=1s
EOF
        start_svcd
        svc start stubborn
        wait_until 5 test -f "$T/up"
        local pid start=$SECONDS
        pid=$(main_pid stubborn)
        svc stop stubborn
        local took=$((SECONDS - start))
        ! pid_alive "$pid" || fail "pid $pid alive after stop"
        [ $took -ge 1 ] && [ $took -le 4 ] || fail "stop took ${took}s, expected about 1s"
        assert_eq failed "$(state stubborn)" "state after a forced stop"
        assert_contains "$(svc status stubborn)" "timed out" "status"
}

test_exec_stop_and_kill_signal() {
        unit graceful <<EOF
[Service]
ExecStart=/bin/sh -c 'trap "echo got-int >> $T/log; exit 0" INT; while :; do sleep 0.1; done'
ExecStop=/bin/sh -c 'echo stop-cmd MAINPID=\$MAINPID >> $T/log'
KillSignal=SIGINT
EOF
        start_svcd
        svc start graceful
        local pid
        pid=$(main_ns_pid graceful) # $MAINPID is in the service's own numbering
        svc stop graceful
        assert_eq "stop-cmd MAINPID=$pid
got-int" "$(cat "$T/log")" "ExecStop then KillSignal"
        assert_eq inactive "$(state graceful)"
}

# `svc restart` while a slow ExecStop= is under way: the restart waits for the stop and the
# service runs again (it was lost, the service left down, before state.c queued it).
test_restart_during_a_slow_stop_brings_it_back() {
        unit slow <<EOF
[Service]
ExecStart=/bin/sh -c 'while :; do sleep 0.1; done'
ExecStop=/bin/sleep 2
EOF
        start_svcd
        svc start slow
        local stopper
        svc stop slow &
        stopper=$!
        wait_until 5 state_is slow stopping || fail "slow is not stopping: $(state slow)"
        svc restart slow || fail "the restart during the stop failed"
        wait "$stopper" || :
        assert_eq running "$(state slow)" "running again after the stop"
        [ -n "$(main_ns_pid slow)" ] || fail "no main process after the restart"
        [ "$(svc logs slow | grep -c 'started')" -ge 2 ] || fail "not started twice: $(svc logs slow)"
}

test_dependency_order_and_failed_requires() {
        for n in a b c; do
                unit $n <<EOF
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'echo $n >> $T/order; sleep 0.2'
EOF
        done
        unit top <<EOF
[Unit]
Requires=a b c
After=c
[Service]
ExecStart=/bin/sh -c 'echo top >> $T/order; exec sleep 1000'
EOF
        # c after b after a, written the other way round on purpose.
        cat >>"$T/etc/svc/units/c.unit" <<'EOF'
[Unit]
After=b
EOF
        cat >>"$T/etc/svc/units/a.unit" <<'EOF'
[Unit]
Before=b
EOF
        unit broken-dep <<'EOF'
[Service]
Type=oneshot
ExecStart=/bin/false
Restart=no
EOF
        unit needs-broken <<EOF
[Unit]
Requires=broken-dep
After=broken-dep
[Service]
ExecStart=/bin/sh -c 'echo ran >> $T/needs'
EOF
        start_svcd
        svc start top || fail "start top failed"
        # top is running once its shell is executed (Type=simple): its echo may come just after.
        wait_until 5 grep -qx top "$T/order"
        assert_eq "a b c top" "$(tr '\n' ' ' <"$T/order" | sed 's/ $//')" "start order"
        local rc=0
        svc start needs-broken 2>"$T/err" || rc=$?
        assert_eq 1 "$rc" "start with a failing Requires"
        assert_contains "$(cat "$T/err")" "dependency broken-dep failed"
        assert_eq failed "$(state needs-broken)"
        [ ! -e "$T/needs" ] || fail "the dependant ran"
}

test_notify_waits_for_ready() {
        unit notifier <<EOF
[Service]
Type=notify
ExecStart=/bin/sh -c 'systemd-notify --status="warming up"; while [ ! -e $T/go ]; do sleep 0.05; done; echo ready > $T/ready; systemd-notify --ready --status="serving"; exec sleep 1000'
EOF
        start_svcd
        svc start --no-block notifier
        # The service waits for go: whatever the machine's load, READY=1 has not come yet.
        warming() { svc status notifier | grep -q 'Status: "warming up"'; }
        wait_until 10 warming || fail "no STATUS= before READY=1: $(svc status notifier)"
        assert_eq starting "$(state notifier)" "before READY=1"
        touch "$T/go"
        svc start notifier
        [ -f "$T/ready" ] || fail "start returned before READY=1"
        assert_eq running "$(state notifier)"
        assert_contains "$(svc status notifier)" '"serving"' "status text"
}

test_notify_timeout_fails() {
        unit silent <<'EOF'
[Service]
Type=notify
ExecStart=/bin/sleep 1000
TimeoutStartSec=1s
Restart=no
EOF
        start_svcd
        local rc=0
        svc start silent 2>/dev/null || rc=$?
        assert_eq 1 "$rc" "start without READY=1"
        assert_eq failed "$(state silent)"
        assert_contains "$(svc status silent)" "timed out"
}

test_enabled_units_start_with_svcd() {
        unit boot <<'EOF'
[Service]
ExecStart=/bin/sleep 1000
EOF
        unit manual <<'EOF'
[Service]
ExecStart=/bin/sleep 1000
EOF
        enable boot
        start_svcd
        wait_until 5 state_is boot running || fail "enabled unit did not start"
        assert_eq inactive "$(state manual)"
        svc enable manual
        [ -e "$T/var/lib/svc/enabled/manual" ] || fail "enable did not persist"
        svc disable boot
        [ ! -e "$T/var/lib/svc/enabled/boot" ] || fail "disable did not persist"
        stop_svcd
        start_svcd
        wait_until 5 state_is manual running || fail "newly enabled unit did not start"
        assert_eq inactive "$(state boot)"
}

test_typo_is_reported_and_others_run() {
        unit good <<'EOF'
[Service]
ExecStart=/bin/sleep 1000
EOF
        unit typo <<'EOF'
[Service]
ExecStrat=/bin/sleep 1000
EOF
        enable good
        enable typo
        start_svcd
        wait_until 5 state_is good running || fail "good unit did not start"
        assert_contains "$(cat "$T/svcd.log")" "typo.unit:2:" "svcd log"
        local out rc=0
        out=$(svc status typo) || rc=$?
        assert_contains "$out" "ExecStart" "status of the broken unit suggests the key"
        rc=0
        svc start typo 2>"$T/err" || rc=$?
        assert_eq 1 "$rc" "starting a refused unit"
        assert_contains "$(cat "$T/err")" "typo.unit:2"
}

# A packaged NAME.service loads as unit NAME, with its .service.d drop-ins; systemctl's names work.
test_service_files_load_under_their_own_name() {
        local d=$T/etc/svc/units
        mkdir -p "$d/web.service.d"
        cat >"$d/web.service" <<'EOF'
[Unit]
Description=a packaged unit
[Service]
ExecStart=/bin/sleep 1000
[Install]
WantedBy=multi-user.target
EOF
        printf '[Service]\nBindPaths=%s\nEnvironment=FROM_DROPIN=1\n' "$T" >"$d/web.service.d/local.conf"
        printf '[Service]\nExecStart=/bin/true\n' >"$d/twice.service"
        printf '[Service]\nExecStart=/bin/true\n' >"$d/twice.unit"
        start_svcd
        svc start web.service || fail "svc start web.service"
        assert_eq running "$(state web)" "state of web"
        assert_contains "$(tr '\0' '\n' <"/proc/$(main_pid web)/environ")" "FROM_DROPIN=1" "the .service.d drop-in"
        assert_contains "$(svc status web.service)" "a packaged unit" "status by the .service name"
        assert_contains "$(svc list)" "web" "list"
        svc stop web || fail "svc stop web"
        local rc=0
        svc start twice 2>"$T/err" || rc=$?
        assert_eq 1 "$rc" "starting a unit defined twice"
        assert_contains "$(cat "$T/err")" "twice.unit" "names the first file"
        assert_contains "$(cat "$T/err")" "twice.service" "names the second file"
        "$SVC" check "$d/web.service" >"$T/out" || fail "svc check of a .service file"
}

# [Install] Alias= (ssh.service's Alias=sshd.service): as after systemctl enable, an enabled unit
# answers to its alias, for start, status and restart; before the enable the name is unknown.
test_alias_names_the_unit_once_enabled() {
        mkdir -p "$T/etc/svc/units"
        cat >"$T/etc/svc/units/sshlike.service" <<'EOF'
[Service]
ExecStart=/bin/sleep 1000
[Install]
WantedBy=multi-user.target
Alias=sshd.service
EOF
        start_svcd
        local rc=0
        svc status sshd >/dev/null 2>&1 || rc=$?
        [ "$rc" != 0 ] || fail "the alias worked before the unit was enabled"
        svc enable sshlike || fail "svc enable sshlike"
        svc start sshd.service || fail "svc start by the alias"
        assert_eq running "$(state sshlike)" "the unit the alias names"
        assert_contains "$(svc status sshd)" "sshlike" "status by the alias"
        local pid
        pid=$(main_pid sshlike)
        svc restart sshd || fail "svc restart by the alias"
        [ "$(main_pid sshlike)" != "$pid" ] || fail "the restart by the alias did not restart sshlike"
}

test_check_command() {
        mkdir -p "$T/u"
        cat >"$T/u/fine.unit" <<'EOF'
[Service]
ExecStart=/bin/true
EOF
        cat >"$T/u/bad.unit" <<'EOF'
[Service]
Restart=sometimes
EOF
        "$SVC" check "$T/u/fine.unit" >"$T/out" || fail "check of a good unit failed"
        assert_contains "$(cat "$T/out")" "fine.unit: ok"
        local rc=0
        "$SVC" check "$T/u/fine.unit" "$T/u/bad.unit" >/dev/null 2>"$T/err" || rc=$?
        assert_eq 1 "$rc" "check with a bad unit"
        assert_contains "$(cat "$T/err")" "bad.unit:2:" "error location"
        assert_contains "$(cat "$T/err")" "ExecStart" "missing ExecStart reported"
}

# svc check says per unit what svc honours, what its sandbox already meets and how many warnings
# it has; --json says the same for scripts, with each warning and error at its file and line.
test_check_reports_honoured_keys_and_json() {
        mkdir -p "$T/u"
        printf '[Service]\nType=dbus\nExecStart=/bin/true\nPrivateTmp=yes\nPrivateDevices=no\n' >"$T/u/pkg.service"
        printf '[Service]\nExecStart=bin/true\n' >"$T/u/bad.service"
        "$SVC" check --no-programs "$T/u/pkg.service" >"$T/out" 2>"$T/err" || fail "svc check pkg: $(cat "$T/err")"
        assert_eq "$T/u/pkg.service: ok
  honours: ExecStart=
  met by svc's sandbox: PrivateTmp=
  warnings: 2 (above)" "$(cat "$T/out")" "the summary"
        assert_contains "$(cat "$T/err")" "pkg.service:2: warning: Type=dbus is run as Type=simple" "Type=dbus warns"
        assert_contains "$(cat "$T/err")" "pkg.service:5: warning: PrivateDevices=no" "PrivateDevices=no warns"
        local rc=0
        "$SVC" check --no-programs --json "$T/u/pkg.service" "$T/u/bad.service" >"$T/json" 2>"$T/err" || rc=$?
        assert_eq 1 "$rc" "--json with a refused unit"
        assert_eq "" "$(cat "$T/err")" "--json writes nothing to stderr"
        assert_eq 1 "$(wc -l <"$T/json")" "one line of JSON"
        local j
        j=$(cat "$T/json")
        assert_contains "$j" "[{\"file\":\"$T/u/pkg.service\",\"unit\":\"pkg\",\"loads\":true,\"honours\":[\"ExecStart\"],\"sandbox\":[\"PrivateTmp\"],\"warnings\":[{\"file\":\"$T/u/pkg.service\",\"line\":2,\"message\":\"Type=dbus is run as Type=simple" "pkg in JSON"
        assert_contains "$j" "\"errors\":[]},{\"file\":\"$T/u/bad.service\",\"unit\":null,\"loads\":false,\"honours\":[],\"sandbox\":[],\"warnings\":[],\"errors\":[{\"file\":\"$T/u/bad.service\",\"line\":2,\"message\":\"ExecStart=: 'bin/true' is not an absolute path" "bad in JSON"
        assert_contains "$j" "}]}]" "the array ends"
}

# %m on a host whose /etc/machine-id cannot be read (an empty one, in a mount namespace of the
# test's own) is refused naming the file, not as an unknown specifier.
test_check_machine_id_specifier_without_a_machine_id() {
        mkdir -p "$T/u"
        printf '[Unit]\nDescription=on %%m\n[Service]\nExecStart=/bin/true\n' >"$T/u/m.service"
        "$SVC" check --no-programs "$T/u/m.service" >/dev/null 2>"$T/err" || fail "svc check with a machine ID: $(cat "$T/err")"
        local rc=0
        unshare -m sh -c 'mount --bind /dev/null /etc/machine-id && exec "$1" check --no-programs "$2"' sh \
                "$SVC" "$T/u/m.service" >/dev/null 2>"$T/err" || rc=$?
        assert_eq 1 "$rc" "svc check without a machine ID"
        assert_contains "$(cat "$T/err")" "m.service:2: Description= uses %m, which svc cannot read on this host (/etc/machine-id)" "the sentence"
}

test_reload_units() {
        unit keep <<'EOF'
[Service]
ExecStart=/bin/sleep 1000
EOF
        unit change <<'EOF'
[Service]
ExecStart=/bin/sleep 1000
EOF
        unit gone <<'EOF'
[Service]
ExecStart=/bin/sleep 1000
EOF
        unit breaks <<'EOF'
[Service]
ExecStart=/bin/sleep 1000
EOF
        start_svcd
        svc start keep change gone breaks
        local keep_pid change_pid breaks_pid gone_pid
        keep_pid=$(main_pid keep)
        change_pid=$(main_pid change)
        breaks_pid=$(main_pid breaks)
        gone_pid=$(main_pid gone)
        unit change <<'EOF'
[Service]
ExecStart=/bin/sleep 2000
EOF
        rm "$T/etc/svc/units/gone.unit"
        unit breaks <<'EOF'
[Service]
ExecStart=/bin/sleep 1000
Bogus=1
EOF
        unit fresh <<'EOF'
[Service]
ExecStart=/bin/sleep 1000
EOF
        local out rc=0
        out=$(svc reload-units 2>&1) || rc=$?
        assert_eq 1 "$rc" "reload-units with a broken unit"
        assert_contains "$out" "fresh: loaded"
        assert_contains "$out" "gone: removed"
        assert_contains "$out" "change: restarted"
        assert_contains "$out" "breaks: error"
        assert_contains "$out" "breaks.unit:3"
        wait_until 5 state_is change running || fail "changed unit not running again"
        wait_until 5 main_pid_is_not change "$change_pid" || fail "changed unit not restarted"
        assert_contains "$(tr '\0' ' ' <"/proc/$(main_pid change)/cmdline")" "2000" "new definition"
        assert_eq "$keep_pid" "$(main_pid keep)" "unchanged unit untouched"
        assert_eq "$breaks_pid" "$(main_pid breaks)" "broken unit keeps running its old definition"
        wait_until 5 sh -c "! test -e /proc/$gone_pid" || fail "removed unit still running"
        local rc2=0
        svc status gone >/dev/null 2>&1 || rc2=$?
        assert_eq 4 "$rc2" "removed unit is gone"
        assert_eq inactive "$(state fresh)" "a new unit is loaded, not started"
}

test_unprivileged_user_is_refused() {
        unit x <<'EOF'
[Service]
ExecStart=/bin/sleep 1000
EOF
        start_svcd
        # The binaries where an unprivileged user can run them, as after make install.
        chmod 755 "$T"
        mkdir -m 755 "$T/bin"
        cp "$SVC" "$BUILD/svc-ctl" "$T/bin/"
        local rc=0
        setpriv --reuid=65534 --regid=65534 --clear-groups "$T/bin/svc" --root "$T" start x 2>"$T/err" || rc=$?
        assert_eq 1 "$rc" "unprivileged start"
        assert_contains "$(cat "$T/err")" "needs root"
        rc=0
        setpriv --reuid=65534 --regid=65534 --clear-groups "$T/bin/svc" --root "$T" status x 2>"$T/err" || rc=$?
        assert_contains "$(cat "$T/err")" "needs root"
        assert_eq inactive "$(state x)"
}

test_sigterm_stops_in_reverse_order() {
        unit db <<EOF
[Service]
ExecStart=/bin/sh -c 'trap "sleep 0.3; echo db-stopped >> $T/stops; exit 0" TERM; while :; do sleep 0.05; done'
EOF
        unit web <<EOF
[Unit]
Requires=db
After=db
[Service]
ExecStart=/bin/sh -c 'trap "sleep 0.3; echo web-stopped >> $T/stops; exit 0" TERM; while :; do sleep 0.05; done'
EOF
        enable web
        start_svcd
        wait_until 5 state_is web running || fail "web did not start"
        assert_eq running "$(state db)" "Requires= pulled db in"
        stop_svcd || fail "svcd exited non-zero"
        assert_eq "web-stopped db-stopped" "$(tr '\n' ' ' <"$T/stops" | sed 's/ $//')" "stop order"
        [ ! -S "$T/run/svc/control" ] || fail "control socket left behind"
}

test_sigkilled_svcd_leaves_no_service() {
        unit s1 <<'EOF'
[Service]
ExecStart=/bin/sleep 1000
EOF
        unit s2 <<'EOF'
[Service]
ExecStart=/bin/sleep 1001
EOF
        start_svcd
        svc start s1 s2
        local p1 p2
        p1=$(main_pid s1)
        p2=$(main_pid s2)
        kill -KILL "$SVCD_PID"
        wait "$SVCD_PID" 2>/dev/null
        wait_until 5 sh -c "! test -e /proc/$p1 && ! test -e /proc/$p2" || fail "services outlived svcd"
}

test_second_svcd_on_same_root_refused() {
        start_svcd
        local rc=0
        timeout 5 "$SVCD" --root "$T" >"$T/second.log" 2>&1 || rc=$?
        [ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "second svcd did not refuse (rc $rc)"
        assert_contains "$(cat "$T/second.log")" "already runs"
}

test_list_and_json() {
        unit alpha <<'EOF'
[Unit]
Description=First "quoted" unit
[Service]
ExecStart=/bin/sleep 1000
EOF
        unit beta <<'EOF'
[Service]
ExecStart=/bin/sleep 1000
EOF
        start_svcd
        svc start alpha
        local out
        out=$(svc list)
        assert_contains "$out" "alpha"
        assert_contains "$out" "beta"
        out=$(svc list --json)
        echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); s={u["name"]:u for u in d}; assert s["alpha"]["state"]=="running"; assert s["beta"]["state"]=="inactive"; assert s["alpha"]["description"]=="First \"quoted\" unit"; assert s["alpha"]["main_pid"]>0' ||
                fail "json: $out"
}

# svc list's rows (its own List call) say what svc status --json says; a description's control
# characters reach the terminal escaped.
test_list_rows() {
        unit alpha <<'EOF'
[Unit]
Description=First unit
[Service]
ExecStart=/bin/sleep 1000
EOF
        printf '[Unit]\nDescription=bell\aand escape\033[2J\n[Service]\nExecStart=/bin/sleep 1000\n' |
                unit beta
        local n
        for n in zulu mike kilo echo; do
                printf '[Service]\nExecStart=/bin/sleep 1000\n' | unit "$n"
        done
        enable alpha
        start_svcd
        wait_until 10 state_is alpha running || fail "alpha did not start"
        local out pid row
        out=$(svc list)
        # By name, as systemctl lists them, whatever order svcd loaded them in.
        assert_eq "alpha beta echo kilo mike zulu" "$(echo "$out" | tail -n +2 | awk '{ print $1 }' | tr '\n' ' ' | sed 's/ $//')" "the order"
        assert_eq "UNIT STATE HEALTH PID MEMORY RESTARTS ENABLED DESCRIPTION" "$(echo "$out" | head -1 | tr -s ' ')"
        pid=$(main_pid alpha)
        row=$(echo "$out" | grep '^alpha ' | tr -s ' ')
        [[ $row =~ ^alpha\ running\ -\ $pid\ [0-9.]+[KMG]\ 0\ yes\ First\ unit$ ]] || fail "alpha's row: $row"
        row=$(echo "$out" | grep '^beta ' | tr -s ' ')
        assert_eq 'beta inactive - 0 - 0 no bell\x07and escape\x1b[2J' "$row" "beta's row"
        assert_eq 6 "$(echo "$out" | tail -n +2 | wc -l)" "rows"
}

test_reload_command() {
        unit hup <<EOF
[Service]
ExecStart=/bin/sh -c 'trap "echo reloaded >> $T/log" HUP; echo up >$T/up; while :; do sleep 0.05; done'
ExecReload=/bin/kill -HUP \$MAINPID
EOF
        unit noreload <<'EOF'
[Service]
ExecStart=/bin/sleep 1000
EOF
        start_svcd
        svc start hup noreload
        local pid
        pid=$(main_pid hup)
        # The shell's trap is set once it wrote up (a HUP before would end it).
        wait_until 5 test -e "$T/up" || fail "hup did not come up"
        svc reload hup || fail "reload failed"
        wait_until 5 grep -q reloaded "$T/log" || fail "the service did not get SIGHUP"
        assert_eq "$pid" "$(main_pid hup)" "reload keeps the process"
        local rc=0
        svc reload noreload 2>"$T/err" || rc=$?
        assert_eq 1 "$rc"
        assert_contains "$(cat "$T/err")" "no ExecReload"
}

# Type=notify-reload: `svc reload` sends ReloadSignal= (SIGUSR1 here) to the main process and
# returns once READY=1 follows RELOADING=1; a daemon that never answers fails the reload at
# TimeoutStartSec= and keeps running.
test_notify_reload_signals_and_waits_for_ready() {
        cat >"$T/nr.py" <<'EOF'
import os, signal, socket, sys, time
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
addr = os.environ["NOTIFY_SOCKET"]
def say(msg):
    sock.sendto(msg.encode(), addr)
def on_reload(sig, frame):
    if sys.argv[1] == "mute":
        return
    say("RELOADING=1\nMONOTONIC_USEC=%d" % (time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000))
    time.sleep(0.5)
    with open(sys.argv[2], "a") as f:
        f.write("reloaded\n")
    say("READY=1")
signal.signal(signal.SIGUSR1, on_reload)
say("READY=1")
while True:
    signal.pause()
EOF
        unit nr <<EOF
[Service]
Type=notify-reload
ReloadSignal=SIGUSR1
ExecStart=/usr/bin/python3 $T/nr.py answer $T/log
EOF
        unit mute <<EOF
[Service]
Type=notify-reload
ReloadSignal=SIGUSR1
TimeoutStartSec=2
ExecStart=/usr/bin/python3 $T/nr.py mute $T/log
EOF
        start_svcd
        svc start nr mute
        local pid
        pid=$(main_pid nr)
        svc reload nr || fail "reload of nr failed: $(svc status nr)"
        # The reload returned after READY=1, so the daemon had already written its line.
        assert_eq reloaded "$(cat "$T/log")" "the reload waited for READY=1"
        assert_eq "$pid" "$(main_pid nr)" "reload keeps the process"
        assert_eq running "$(state nr)"
        local rc=0
        svc reload mute 2>"$T/err" || rc=$?
        assert_eq 1 "$rc" "the reload without READY=1"
        assert_contains "$(cat "$T/err")" "no READY=1 came after ReloadSignal="
        assert_eq running "$(state mute)" "a failed reload keeps the service running"
}

test_exec_start_pre_and_environment() {
        echo 'FROM_FILE=yes' >"$T/envfile"
        unit pre <<EOF
[Service]
Type=oneshot
Environment="GREETING=hello world" PLAIN=1
EnvironmentFile=$T/envfile
EnvironmentFile=-$T/missing
ExecStartPre=-/bin/false
ExecStartPre=/bin/sh -c 'echo pre \$GREETING >> $T/log'
ExecStart=/bin/sh -c 'echo main \$GREETING \$PLAIN \$FROM_FILE >> $T/log'
ExecStart=/bin/echo second \${PLAIN}x
EOF
        start_svcd
        svc start pre || fail "start failed"
        assert_eq "pre hello world
main hello world 1 yes" "$(cat "$T/log")"
        wait_until 5 grep -q "second 1x" "$T/var/log/svc/pre/current" || fail "second ExecStart output not logged"
        assert_eq inactive "$(state pre)" "a finished oneshot"
}

test_user_and_working_directory() {
        chmod 755 "$T"
        mkdir -p "$T/wd"
        unit who <<EOF
[Service]
Type=oneshot
User=nobody
WorkingDirectory=$T/wd
ExecStart=/bin/sh -c 'echo \$(id -u) \$(pwd) \$USER \$HOME'
EOF
        start_svcd
        svc start who || fail "start failed"
        wait_until 5 grep -q "65534 $T/wd nobody" "$T/var/log/svc/who/current" ||
                fail "wrong identity: $(cat "$T/var/log/svc/who/current")"
}

test_spawn_failure_is_explained() {
        unit missing <<'EOF'
[Service]
ExecStart=/nonexistent/program
Restart=no
EOF
        start_svcd
        local rc=0
        svc start missing 2>"$T/err" || rc=$?
        assert_eq 1 "$rc"
        assert_contains "$(svc status missing)" "/nonexistent/program does not exist in the host"
}

test_forking_daemon() {
        cat >"$T/daemon.sh" <<EOF
#!/bin/sh
# A classic double-forking daemon: the parent exits once the daemon wrote its pid file.
(setsid sh -c 'echo \$\$ > $T/daemon.pid; exec sleep 1000' &)
while [ ! -s $T/daemon.pid ]; do sleep 0.05; done
EOF
        unit forker <<EOF
[Service]
Type=forking
PIDFile=$T/daemon.pid
ExecStart=/bin/sh $T/daemon.sh
EOF
        start_svcd
        svc start forker || fail "start failed"
        local pid
        pid=$(cat "$T/daemon.pid")
        assert_eq running "$(state forker)"
        assert_eq "$pid" "$(main_ns_pid forker)" "PIDFile names the main process (in its sandbox)"
        local host_pid
        host_pid=$(main_pid forker)
        [ -n "$host_pid" ] && [ "$host_pid" != 0 ] || fail "no host pid for the daemon"
        svc stop forker
        ! pid_alive "$host_pid" || fail "daemon $host_pid alive after stop"
}


# A unit restarting with RestartSec=0 (crashing at once, or failing to set up its sandbox) is
# always between two starts: SIGTERM must still end svcd promptly, whenever it comes.
test_sigterm_while_restarting_without_delay() {
        unit crash <<'EOF2'
[Service]
ExecStart=/bin/false
Restart=always
RestartSec=0
EOF2
        unit nobind <<EOF2
[Service]
ExecStart=/bin/sleep 1000
BindPaths=$T/no-such-dir:/data
Restart=always
RestartSec=0
EOF2
        local i rc
        for i in 1 2 3 4 5 6 7 8; do
                start_svcd
                svc start --no-block crash nobind >/dev/null 2>&1 || true
                sleep "0.0$i"
                kill -TERM "$SVCD_PID"
                rc=0
                timeout 10 tail --pid="$SVCD_PID" -f /dev/null || rc=$?
[ $rc -eq 0 ] || fail "svcd still runs 10 s after SIGTERM (round $i): $(tail -3 "$T/svcd.log")"
                wait "$SVCD_PID" || fail "svcd exited non-zero (round $i)"
                SVCD_PID=
        done
}

# svcd holds about ten descriptors per running service: started with a soft limit of 64 open
# files, it raises its own to the hard limit and runs twelve services; each service gets
# systemd's default soft limit of 1024 unless its unit sets LimitNOFILE=.
test_svcd_raises_its_open_files_limit() {
        local i names=()
        for i in $(seq 1 12); do
                unit "s$i" <<'EOF'
[Service]
ExecStart=/bin/sleep 1000
EOF
                names+=("s$i")
        done
        unit lim <<'EOF'
[Service]
ExecStart=/bin/sleep 1000
LimitNOFILE=2000
EOF
        ulimit -Sn 64
        ulimit -Hn 4096
        start_svcd
        svc start "${names[@]}" lim || fail "start failed: $(svc status | head -n 20)"
        for i in "${names[@]}" lim; do
                state_is "$i" running || fail "$i: $(svc status "$i")"
        done
        assert_eq "4096 4096" "$(awk '/^Max open files/ { print $4, $5 }' "/proc/$SVCD_PID/limits")" "svcd's own limit"
        assert_eq "1024 4096" "$(awk '/^Max open files/ { print $4, $5 }' "/proc/$(main_pid s12)/limits")" "a service's default"
        assert_eq "2000 2000" "$(awk '/^Max open files/ { print $4, $5 }' "/proc/$(main_pid lim)/limits")" "LimitNOFILE="
}

run_tests "$@"
