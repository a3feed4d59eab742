#!/usr/bin/env bash
# duration: 110 (seconds on the ASan build: tests/integration/run.sh starts the longest first)
# The lifecycle keys of packaged units, from real services: RemainAfterExit=, ExecCondition=,
# ExecStartPost=, ExecStopPost= and its environment, SuccessExitStatus=, Restart= values,
# RestartPreventExitStatus=, RestartForceExitStatus=, UMask=, KillMode=, SendSIGKILL=,
# SendSIGHUP=.
. "$(dirname "$0")/lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)

detail() {
        svc status --json "$1" | sed -n 's/.*"detail":"\([^"]*\)".*/\1/p'
}

# no_sandbox NAME: the unit has no sandbox (no ns-init) any more.
no_sandbox() {
        local p
        p=$(init_pid "$1")
        [ -z "$p" ] || [ "$p" = 0 ]
}

# script NAME: writes the shell script $T/NAME from stdin (the tests' root is bound inside).
script() {
        cat >"$T/$1"
        chmod 755 "$T/$1"
}

test_remain_after_exit_oneshot_is_active_exited_until_stop() {
        unit setup <<EOF
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'echo started >> $T/marks'
ExecStop=/bin/sh -c 'echo stopped >> $T/marks'
EOF
        start_svcd
        svc start setup || fail "svc start failed"
        assert_eq running "$(state setup)" "a oneshot with RemainAfterExit=yes after its run"
        assert_contains "$(svc status setup)" "running (exited)" "status"
        assert_eq started "$(cat "$T/marks")" "marks after start"
        svc stop setup || fail "svc stop failed"
        assert_eq inactive "$(state setup)" "state after stop"
        assert_eq "started stopped" "$(tr '\n' ' ' <"$T/marks" | sed 's/ $//')" "ExecStop= ran at stop"
}

test_exec_start_post_runs_once_ready_and_its_failure_fails_the_start() {
        unit web <<EOF
[Service]
ExecStart=/bin/sleep 1000
ExecStartPost=/bin/sh -c 'echo post >> $T/marks'
EOF
        unit broken <<EOF
[Service]
ExecStart=/bin/sleep 1000
ExecStartPost=/bin/sh -c 'exit 3'
Restart=no
EOF
        start_svcd
        svc start web || fail "svc start web failed"
        assert_eq running "$(state web)" "state"
        assert_eq post "$(cat "$T/marks")" "ExecStartPost= ran"
        local rc=0
        svc start broken 2>"$T/err" || rc=$?
        [ $rc != 0 ] || fail "a start whose ExecStartPost= fails succeeded"
        wait_until 10 state_is broken failed || fail "broken is $(state broken), not failed"
        assert_contains "$(detail broken)" "exited with status 3" "status of broken"
}

# '+' ignores CapabilityBoundingSet=, as systemd's does: trixie's postfix.service says
# ExecStartPre=+postfix check, which makes the queue directories, chowns them to postfix, then
# chmods them (CAP_FOWNER, which its bounding set lacks). The command runs as root of the sandbox
# with svc's default capabilities; the other commands keep the unit's set.
test_plus_prefix_ignores_the_capability_bounding_set() {
        "$SRC/contrib/mktree.sh" "$T/var/lib/svc/trees/bb" --busybox >/dev/null || fail "mktree.sh"
        unit_isolated plus <<'EOF'
[Service]
RootDirectory=bb
CapabilityBoundingSet=CAP_CHOWN
ExecStartPre=+/bin/sh -c 'mkdir /run/q && chown 1:1 /run/q && chmod 700 /run/q && echo plus-chmod-ran'
ExecStart=/bin/sh -c 'mkdir /run/r && chown 1:1 /run/r; chmod 700 /run/r || echo main-chmod-refused; exec sleep 1000'
EOF
        start_svcd
        svc start plus || fail "svc start plus: $(svc status plus 2>&1)"
        wait_until 5 grep -q "main-chmod-refused" "$T/var/log/svc/plus/current" ||
                fail "the main command's chmod: $(cat "$T/var/log/svc/plus/current")"
        assert_contains "$(cat "$T/var/log/svc/plus/current")" "plus-chmod-ran" "the '+' command's chmod"
}

# What a service sees of its manager, as under systemd: $INVOCATION_ID, one per run, shared by
# its commands and new at a restart, and /run/systemd/system (sd_booted(3)). trixie's postfix
# refuses to start without both ("started through systemd but not under systemd?").
main_lines_at_least() { # N FILE
        [ "$(grep -c "main=" "$2")" -ge "$1" ]
}

test_invocation_id_and_run_systemd_system() {
        "$SRC/contrib/mktree.sh" "$T/var/lib/svc/trees/bb" --busybox >/dev/null || fail "mktree.sh"
        unit_isolated inv <<'EOF'
[Service]
RootDirectory=bb
ExecStartPre=/bin/sh -c 'echo "pre=$INVOCATION_ID"'
ExecStart=/bin/sh -c 'echo "main=$INVOCATION_ID"; test -d /run/systemd/system && echo sd-booted; exec sleep 1000'
EOF
        start_svcd
        svc start inv || fail "svc start inv: $(svc status inv 2>&1)"
        local log=$T/var/log/svc/inv/current
        wait_until 5 grep -q "main=" "$log" || fail "no main line: $(cat "$log")"
        local pre main
        pre=$(sed -n 's/.* pre=//p' "$log")
        main=$(sed -n 's/.* main=//p' "$log")
        [[ $main =~ ^[0-9a-f]{32}$ ]] || fail "INVOCATION_ID is '$main', not 32 hex digits"
        assert_eq "$main" "$pre" "the ID of ExecStartPre= and ExecStart="
        assert_contains "$(cat "$log")" "sd-booted" "/run/systemd/system"
        svc restart inv || fail "svc restart inv"
        wait_until 5 main_lines_at_least 2 "$log" || fail "no second run: $(cat "$log")"
        [ "$(sed -n 's/.* main=//p' "$log" | tail -n 1)" != "$main" ] || fail "the restart kept INVOCATION_ID $main"
}

test_exec_stop_post_gets_the_result_of_the_run() {
        unit svcpost <<EOF
[Service]
ExecStart=/bin/sleep 1000
ExecStopPost=/bin/sh -c 'echo "\$\$SERVICE_RESULT \$\$EXIT_CODE \$\$EXIT_STATUS" >> $T/post'
EOF
        unit crash <<EOF
[Service]
ExecStart=/bin/sh -c 'exit 7'
ExecStopPost=/bin/sh -c 'echo "\$\$SERVICE_RESULT \$\$EXIT_CODE \$\$EXIT_STATUS" >> $T/crash'
Restart=no
EOF
        start_svcd
        svc start svcpost || fail "svc start failed"
        svc stop svcpost || fail "svc stop failed"
        assert_eq "success killed TERM" "$(cat "$T/post")" "ExecStopPost= environment after a stop"
        assert_eq inactive "$(state svcpost)" "state after stop"
        svc start crash || :
        wait_until 10 test -s "$T/crash" || fail "ExecStopPost= did not run after the main process failed"
        assert_eq "exit-code exited 7" "$(cat "$T/crash")" "ExecStopPost= environment after a failure"
        wait_until 10 state_is crash failed || fail "crash is $(state crash), not failed"
}

test_exec_condition_skips_the_start_without_failing() {
        unit skipped <<EOF
[Service]
ExecCondition=/bin/sh -c 'exit 1'
ExecStart=/bin/sh -c 'echo ran >> $T/ran; exec sleep 1000'
EOF
        unit broken <<EOF
[Service]
ExecCondition=/bin/sh -c 'exit 255'
ExecStart=/bin/sh -c 'echo ran >> $T/ran; exec sleep 1000'
Restart=no
EOF
        unit met <<EOF
[Service]
ExecCondition=/bin/true
ExecStart=/bin/sleep 1000
EOF
        start_svcd
        svc start skipped || fail "a start skipped by ExecCondition= is not an error (as in systemd)"
        assert_eq inactive "$(state skipped)" "state of a skipped unit"
        assert_contains "$(detail skipped)" "condition failed: ExecCondition=/bin/sh -c exit 1 exited with status 1" "detail"
        local rc=0
        svc start broken 2>/dev/null || rc=$?
        [ $rc != 0 ] || fail "ExecCondition= exiting 255 did not fail the start"
        wait_until 10 state_is broken failed || fail "broken is $(state broken), not failed"
        [ ! -e "$T/ran" ] || fail "ExecStart= ran although ExecCondition= said no"
        svc start met || fail "svc start met failed"
        assert_eq running "$(state met)" "state of a unit whose condition holds"
}

test_success_and_restart_exit_statuses() {
        unit okcode <<EOF
[Service]
ExecStart=/bin/sh -c 'echo x >> $T/okcode; exit 3'
SuccessExitStatus=3
EOF
        unit prevent <<EOF
[Service]
ExecStart=/bin/sh -c 'echo x >> $T/prevent; exit 255'
RestartPreventExitStatus=255
RestartSec=50ms
EOF
        unit force <<EOF
[Service]
ExecStart=/bin/sh -c 'echo x >> $T/force; exit 0'
Restart=no
RestartForceExitStatus=0
RestartSec=50ms
StartLimitBurst=2
StartLimitInterval=1h
EOF
        start_svcd
        svc start okcode || :
        wait_until 10 state_is okcode inactive || fail "okcode is $(state okcode): exit 3 is a success here"
        svc start prevent || :
        wait_until 10 state_is prevent failed || fail "prevent is $(state prevent), not failed"
        assert_eq 1 "$(wc -l <"$T/prevent")" "runs of a unit whose exit status prevents a restart"
        svc start force || :
        # Two restarts allowed (StartLimitBurst=2), the third hits the limit.
        wait_until 10 state_is force failed || fail "force is $(state force), not failed at its start limit"
        assert_eq 3 "$(wc -l <"$T/force")" "runs of a unit forced to restart on exit 0"
        assert_eq 1 "$(wc -l <"$T/okcode")" "runs of okcode"
}

test_restart_on_abort_restarts_a_crash_not_an_exit_code() {
        unit abort <<EOF
[Service]
ExecStart=/bin/sh -c 'echo x >> $T/abort; [ \$(wc -l < $T/abort) -ge 2 ] && exit 1; kill -ABRT \$\$\$\$'
Restart=on-abort
RestartSec=50ms
EOF
        start_svcd
        svc start abort || :
        wait_until 10 state_is abort failed || fail "abort is $(state abort), not failed"
        assert_eq 2 "$(wc -l <"$T/abort")" "the crash restarted, the exit code did not"
}

test_umask_applies_to_every_command() {
        unit masked <<EOF
[Service]
UMask=0027
ExecStartPre=/bin/sh -c 'umask >> $T/umask'
ExecStart=/bin/sh -c 'umask >> $T/umask; touch $T/made; exec sleep 1000'
EOF
        unit plain <<EOF
[Service]
ExecStart=/bin/sh -c 'umask > $T/umask-default; exec sleep 1000'
EOF
        start_svcd
        svc start masked || fail "svc start failed"
        svc start plain || fail "svc start plain failed"
        wait_until 10 test -e "$T/made" || fail "the service did not run"
        assert_eq "0027 0027" "$(tr '\n' ' ' <"$T/umask" | sed 's/ $//')" "umask of ExecStartPre= and ExecStart="
        assert_eq 640 "$(stat -c %a "$T/made")" "mode of a file the service made"
        wait_until 10 test -s "$T/umask-default" || fail "plain did not run"
        assert_eq 0022 "$(cat "$T/umask-default")" "the default umask"
}

# KillMode=control-group signals every process; mixed the main one alone, then SIGKILL.
test_kill_mode_control_group_and_mixed() {
        script child <<'EOF'
#!/bin/sh
trap 'echo term >> "$1"; exit 0' TERM
echo ready > "$1.ready"
while :; do sleep 0.1; done
EOF
        local mode
        for mode in control-group mixed; do
                unit "k-$mode" <<EOF
[Service]
KillMode=$mode
ExecStart=/bin/sh -c '$T/child $T/$mode & exec sleep 1000'
EOF
        done
        start_svcd
        for mode in control-group mixed; do
                svc start "k-$mode" || fail "svc start k-$mode failed"
                wait_until 10 test -e "$T/$mode.ready" || fail "the child of k-$mode did not start"
        done
        for mode in control-group mixed; do
                svc stop "k-$mode" || fail "svc stop k-$mode failed"
                assert_eq inactive "$(state "k-$mode")" "k-$mode after stop"
        done
        assert_eq term "$(cat "$T/control-group" 2>/dev/null)" "the child got KillSignal= with control-group"
        [ ! -e "$T/mixed" ] || fail "the child got KillSignal= with KillMode=mixed"
}

# KillMode=process: what the main process leaves keeps running in its sandbox, svc status shows
# it, a new start joins that sandbox, and the sandbox goes once the last of them ended.
test_kill_mode_process_keeps_leftovers_running() {
        unit sshish <<EOF
[Service]
KillMode=process
ExecStart=/bin/sh -c 'sleep 1001 & echo \$\$! > $T/session; exec sleep 1000'
EOF
        start_svcd
        svc start sshish || fail "svc start failed"
        wait_until 10 test -s "$T/session" || fail "no session pid"
        local init1 main1 session
        init1=$(init_pid sshish)
        main1=$(main_pid sshish)
        session=$(pgrep -f -P "$main1" 'sleep 1001')
        [ -n "$session" ] || fail "no session process under the main process $main1"
        svc stop sshish || fail "svc stop failed"
        assert_eq inactive "$(state sshish)" "state after stop"
        ! pid_alive "$main1" || fail "the main process $main1 survived the stop"
        pid_alive "$session" || fail "the session $session was killed with KillMode=process"
        local status
        status=$(svc status sshish)
        assert_contains "$status" "Left over: $session (" "status"
        assert_contains "$status" "sleep 1001" "status"
        assert_contains "$status" "processes left running in its sandbox (KillMode=process)" "status"
        svc start sshish || fail "svc start with leftovers failed"
        assert_eq "$init1" "$(init_pid sshish)" "the new start's sandbox (ns-init)"
        pid_alive "$session" || fail "the session ended at the new start"
        svc restart sshish || fail "svc restart failed"
        pid_alive "$session" || fail "the session ended at a restart"
        svc stop sshish
        # The last leftover ends: the sandbox goes with it.
        for p in $(pgrep -P "$init1"); do kill -TERM "$p"; done
        wait_until 10 no_sandbox sshish || fail "the sandbox stayed after its last process"
        ! pid_alive "$init1" || fail "ns-init $init1 is still there"
}

test_kill_mode_none_and_send_sigkill_no_leave_the_process() {
        unit stubborn <<EOF
[Service]
SendSIGKILL=no
TimeoutStopSec=1
ExecStart=/bin/sh -c 'trap "" TERM; exec sleep 1000'
EOF
        unit untouched <<EOF
[Service]
KillMode=none
ExecStart=/bin/sleep 1000
EOF
        start_svcd
        svc start stubborn || fail "svc start stubborn failed"
        svc start untouched || fail "svc start untouched failed"
        local p1 p2
        p1=$(main_pid stubborn)
        p2=$(main_pid untouched)
        svc stop untouched || fail "svc stop untouched failed"
        assert_eq inactive "$(state untouched)" "KillMode=none after stop"
        pid_alive "$p2" || fail "KillMode=none killed the main process"
        assert_contains "$(svc status untouched)" "Left over: $p2 (" "status with KillMode=none"
        svc stop stubborn || :
        assert_eq failed "$(state stubborn)" "a stop that timed out with SendSIGKILL=no"
        pid_alive "$p1" || fail "SendSIGKILL=no killed the process"
        local status
        status=$(svc status stubborn)
        assert_contains "$status" "timed out" "status"
        assert_contains "$status" "processes left running in its sandbox (SendSIGKILL=no)" "status"
        assert_contains "$status" "Left over: $p1 (" "status"
        kill -KILL "$p1" "$p2"
}

test_send_sighup_follows_kill_signal() {
        unit hup <<EOF
[Service]
SendSIGHUP=yes
ExecStart=/bin/sh -c 'trap "" TERM; trap "echo hup > $T/hup; exit 0" HUP; : > $T/hup-ready; while :; do sleep 0.1; done'
EOF
        start_svcd
        svc start hup || fail "svc start failed"
        wait_until 10 test -e "$T/hup-ready" || fail "the service did not set its traps"
        svc stop hup || fail "svc stop failed"
        assert_eq inactive "$(state hup)" "state after stop"
        assert_eq hup "$(cat "$T/hup" 2>/dev/null)" "SIGHUP after KillSignal="
}

# prosody's StandardInput=null: stdin is /dev/null. proftpd@'s StandardInput=socket: with the
# ListenStream= and Accept=yes its .socket unit has (here in the unit), the connection is stdin
# and stdout; without them the unit loads with a warning and its start fails saying why.
test_standard_input_null_and_socket() {
        local port=$((25000 + RANDOM % 1000))
        unit quiet <<EOF
[Service]
Type=oneshot
StandardInput=null
ExecStart=/bin/sh -c 'wc -c > $T/read; readlink /proc/self/fd/0 >> $T/read'
EOF
        unit inetd <<EOF
[Service]
ListenStream=127.0.0.1:$port
Accept=yes
StandardInput=socket
ExecStart=/bin/sh -c 'read line; echo "stdin said \$line"'
EOF
        unit nosocket <<EOF
[Service]
Restart=no
StandardInput=socket
ExecStart=/bin/cat
EOF
        svc check "$T/etc/svc/units/nosocket.unit" >/dev/null 2>"$T/err" || fail "svc check refused nosocket: $(cat "$T/err")"
        assert_contains "$(cat "$T/err")" "nosocket.unit:3: warning: StandardInput=socket: the unit has no ListenStream= and Accept=yes" "svc check"
        start_svcd
        svc start quiet || fail "svc start quiet: $(svc status quiet)"
        assert_eq "0
/dev/null" "$(cat "$T/read")" "StandardInput=null: nothing to read, from /dev/null"
        svc start inetd || fail "svc start inetd: $(svc status inetd)"
        local out
        out=$(exec 3<>/dev/tcp/127.0.0.1/$port && echo hello >&3 && cat <&3)
        assert_eq "stdin said hello" "$out" "StandardInput=socket: the connection is stdin and stdout"
        svc start nosocket >/dev/null 2>&1 && fail "nosocket started without a socket"
        wait_until 5 sh -c "\"$SVC\" --root \"$T\" status nosocket | grep -qF 'StandardInput=socket, but the unit has no ListenStream= and Accept=yes'" ||
                fail "nosocket: $(svc status nosocket)"
}

# avahi-daemon's Type=dbus and BusName=, tor@default's AppArmorProfile=-system_tor: each loads with
# its warning and the service runs, started at its exec (there is no bus for the name to appear on).
test_type_dbus_and_a_dash_apparmor_profile_run_with_warnings() {
        unit avahi <<EOF
[Service]
Type=dbus
BusName=org.freedesktop.Avahi
AppArmorProfile=-system_tor
ExecStart=/bin/sh -c 'echo up > $T/up; exec sleep 1000'
EOF
        svc check "$T/etc/svc/units/avahi.unit" >/dev/null 2>"$T/err" || fail "svc check refused avahi: $(cat "$T/err")"
        assert_contains "$(cat "$T/err")" "avahi.unit:2: warning: Type=dbus is run as Type=simple" "Type=dbus"
        assert_contains "$(cat "$T/err")" "avahi.unit:3: warning: BusName= is ignored: svc gives services no system bus" "BusName="
        assert_contains "$(cat "$T/err")" "avahi.unit:4: warning: AppArmorProfile=-system_tor is ignored" "AppArmorProfile=-"
        start_svcd
        svc start avahi || fail "svc start avahi: $(svc status avahi)"
        assert_eq running "$(state avahi)" "a Type=dbus service once its program runs"
        wait_until 5 test -s "$T/up" || fail "avahi did not run"
        printf '[Service]\nAppArmorProfile=system_tor\nExecStart=/bin/true\n' >"$T/strict.unit"
        svc check "$T/strict.unit" >/dev/null 2>"$T/err" && fail "AppArmorProfile= without '-' loaded"
        assert_contains "$(cat "$T/err")" "strict.unit:2: AppArmorProfile=system_tor is not supported" "AppArmorProfile= without '-'"
}

# systemd.exec(5)'s STATE_DIRECTORY= and its kin, and the specifiers of the running system, in a
# real service: each variable names a directory the service can write, as it sees it.
test_directory_variables_and_specifiers_reach_the_service() {
        unit dirs@srv-www <<EOF
[Service]
Type=oneshot
StateDirectory=dirs
CacheDirectory=dirs
LogsDirectory=dirs
RuntimeDirectory=dirs
ExecStart=/bin/sh -c 'for d in "\$STATE_DIRECTORY" "\$CACHE_DIRECTORY" "\$LOGS_DIRECTORY" "\$RUNTIME_DIRECTORY"; do touch "\$d/mark" && echo "\$d"; done > $T/dirs; echo "%f %u %U %H" > $T/spec'
EOF
        # The template as written: the instance names it.
        mv "$T/etc/svc/units/dirs@srv-www.unit" "$T/etc/svc/units/dirs@.unit"
        mv "$T/etc/svc/units/dirs@srv-www.unit.d" "$T/etc/svc/units/dirs@.unit.d"
        start_svcd
        svc start dirs@srv-www || fail "svc start: $(svc status dirs@srv-www)"
        assert_eq "/var/lib/dirs
/var/cache/dirs
/var/log/dirs
/run/dirs" "$(cat "$T/dirs")" "the variables, each a directory the service could write"
        assert_eq "/srv/www root 0 $(hostname)" "$(cat "$T/spec")" "%f %u %U %H"
}

run_tests "$@"
