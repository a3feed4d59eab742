#!/usr/bin/env bash
# duration: 84 (seconds on the ASan build: tests/integration/run.sh starts the longest first)
# Condition*=/Assert*= tested at start against the service's own tree and the host, and the
# dependency kinds of systemd.unit(5): Conflicts=, PartOf=, BindsTo=, Requisite=, Upholds=,
# PropagatesReloadTo=/ReloadPropagatedFrom=, OnFailure=, OnSuccess=, StopWhenUnneeded=.
. "$(dirname "$0")/lib.sh"

SRC=$(cd "$(dirname "$0")/../.." && pwd)

make_tree() {
        "$SRC/contrib/mktree.sh" "$T/var/lib/svc/trees/$1" --busybox
}

detail() { svc status "$1" 2>/dev/null | sed -n 's/^ *Active: [a-z-]* (\(.*\)) since.*/\1/p'; }

# ---- conditions -------------------------------------------------------------------------------

# ssh.service's own line: the unit stays inactive, the start succeeds, status says which line.
test_condition_failed_leaves_unit_inactive() {
        make_tree t
        mkdir -p "$T/var/lib/svc/trees/t/etc/ssh"
        : >"$T/var/lib/svc/trees/t/etc/ssh/sshd_not_to_be_run"
        unit_isolated sshd <<'EOF'
[Unit]
ConditionPathExists=!/etc/ssh/sshd_not_to_be_run
[Service]
RootDirectory=t
ExecStart=/bin/sleep 1000
EOF
        start_svcd
        svc start sshd 2>"$T/err" || fail "a start whose condition fails is no failure: $(cat "$T/err")"
        assert_eq inactive "$(state sshd)" "state after a failed condition"
        assert_eq "condition failed: ConditionPathExists=!/etc/ssh/sshd_not_to_be_run" "$(detail sshd)" "status"
        assert_contains "$(cat "$T/svcd.log")" "sshd: not started, condition failed"
        # Tested at each start, not at load: without the file it starts.
        rm "$T/var/lib/svc/trees/t/etc/ssh/sshd_not_to_be_run"
        svc start sshd || fail "start once the condition holds"
        assert_eq running "$(state sshd)" "state once the condition holds"
        assert_eq "" "$(detail sshd)" "status detail once running"
}

# An absolute symlink in the tree points into the tree: the host file it names does not count.
test_condition_paths_resolve_inside_the_tree() {
        make_tree t
        : >"$T/host-only"
        ln -s "$T/host-only" "$T/var/lib/svc/trees/t/etc/marker"
        mkdir -p "$T/var/lib/svc/trees/t$T"
        unit_isolated m <<'EOF'
[Unit]
ConditionPathExists=/etc/marker
[Service]
RootDirectory=t
ExecStart=/bin/sleep 1000
EOF
        start_svcd
        svc start m
        assert_eq inactive "$(state m)" "a link to a host path is not followed out of the tree"
        : >"$T/var/lib/svc/trees/t$T/host-only"
        svc start m
        assert_eq running "$(state m)" "the same link, once the tree has its target"
}

# Without RootDirectory= the tree is the host's /.
test_condition_host_view_and_globs() {
        unit g <<EOF
[Unit]
ConditionPathExistsGlob=$T/data/main.{c[vl]d,inc}
ConditionDirectoryNotEmpty=$T/data
ConditionFileNotEmpty=$T/data/conf
ConditionFileIsExecutable=/bin/sh
ConditionPathIsDirectory=$T/data
[Service]
ExecStart=/bin/sleep 1000
EOF
        mkdir -p "$T/data"
        echo x >"$T/data/conf"
        start_svcd
        svc start g
        assert_contains "$(detail g)" "ConditionPathExistsGlob=$T/data/main.{c[vl]d,inc}"
        : >"$T/data/main.cvd"
        svc start g
        assert_eq running "$(state g)" "state once every condition holds"
}

test_condition_triggering() {
        unit tr <<EOF
[Unit]
ConditionPathExists=|$T/a
ConditionPathExists=|$T/b
[Service]
ExecStart=/bin/sleep 1000
EOF
        start_svcd
        svc start tr
        assert_eq "condition failed: none of ConditionPathExists=|$T/a, ConditionPathExists=|$T/b" "$(detail tr)"
        : >"$T/b"
        svc start tr
        assert_eq running "$(state tr)" "one triggering condition is enough"
}

# A failed assertion fails the start with the line; the unit is not marked failed.
test_assert_fails_the_start() {
        unit pg <<EOF
[Unit]
AssertPathExists=$T/etc/postgresql/main/postgresql.conf
[Service]
ExecStart=/bin/sleep 1000
EOF
        start_svcd
        local rc=0
        svc start pg 2>"$T/err" || rc=$?
        [ "$rc" != 0 ] || fail "a failed assertion must fail the start"
        assert_contains "$(cat "$T/err")" "assertion failed: AssertPathExists=$T/etc/postgresql/main/postgresql.conf"
        assert_eq inactive "$(state pg)" "state after a failed assertion"
        assert_contains "$(detail pg)" "assertion failed"
}

# The host's facts as svcd sees them, checked against the host's own tools.
test_condition_host_facts() {
        local virt
        virt=$(systemd-detect-virt 2>/dev/null) || virt=none
        unit facts <<EOF
[Unit]
ConditionVirtualization=$virt
ConditionArchitecture=native
ConditionUser=root
ConditionUser=0
ConditionGroup=root
ConditionCapability=CAP_SYS_ADMIN
ConditionEnvironment=SVC_TEST_FACT=on
ConditionKernelCommandLine=$(tr ' ' '\n' </proc/cmdline | grep -m1 .)
ConditionKernelVersion=>=3.10
ConditionKernelVersion=$(uname -r | cut -c1-2)*
ConditionMemory=>=1M
ConditionCPUs=>=1
ConditionHost=$(uname -n)
ConditionFirstBoot=no
ConditionACPower=true
[Service]
ExecStart=/bin/sleep 1000
EOF
        unit notvirt <<EOF
[Unit]
ConditionVirtualization=!$virt
[Service]
ExecStart=/bin/sleep 1000
EOF
        SVC_TEST_FACT=on start_svcd
        svc start facts notvirt
        assert_eq running "$(state facts)" "every host fact holds: $(detail facts)"
        assert_eq "condition failed: ConditionVirtualization=!$virt" "$(detail notvirt)"
}

# ---- dependencies -----------------------------------------------------------------------------

test_conflicts_stops_the_other() {
        unit a <<'EOF'
[Service]
ExecStart=/bin/sleep 1000
EOF
        unit b <<'EOF'
[Unit]
Conflicts=a.service
[Service]
ExecStart=/bin/sleep 1000
EOF
        start_svcd
        svc start a
        svc start b
        assert_eq running "$(state b)" "b after its start"
        assert_eq inactive "$(state a)" "a, which b conflicts with"
        # Both ways: starting a stops b.
        svc start a
        assert_eq running "$(state a)" "a after its start"
        wait_until 5 state_is b inactive || fail "b still $(state b) after a, which it conflicts with, started"
}

test_part_of_follows_stop_and_restart() {
        unit parent <<'EOF'
[Service]
ExecStart=/bin/sleep 1000
EOF
        unit child <<'EOF'
[Unit]
PartOf=parent.service
After=parent
[Service]
ExecStart=/bin/sleep 1000
EOF
        start_svcd
        svc start parent child
        local pid
        pid=$(main_pid child)
        svc restart parent
        wait_until 5 main_pid_is_not child "$pid" || fail "child was not restarted with parent"
        assert_eq running "$(state child)" "child after parent's restart"
        svc stop parent
        wait_until 5 state_is child inactive || fail "child is $(state child) after parent stopped"
        # PartOf= is one way: stopping the child leaves the parent alone.
        svc start parent child
        svc stop child
        assert_eq running "$(state parent)" "parent after child stopped"
}

test_binds_to_stops_when_the_other_dies() {
        unit parent <<EOF
[Service]
Restart=no
ExecStart=/bin/sh -c 'while [ ! -e $T/die ]; do sleep 0.05; done'
EOF
        unit child <<'EOF'
[Unit]
BindsTo=parent
After=parent
[Service]
ExecStart=/bin/sleep 1000
EOF
        start_svcd
        svc start child
        assert_eq running "$(state parent)" "parent, pulled in by BindsTo="
        assert_eq running "$(state child)" "child"
        : >"$T/die"
        wait_until 5 state_is parent inactive || fail "parent is $(state parent)"
        wait_until 5 state_is child inactive || fail "child is $(state child) after parent went away"
}

test_requisite_fails_at_once() {
        unit db <<'EOF'
[Service]
ExecStart=/bin/sleep 1000
EOF
        unit app <<'EOF'
[Unit]
Requisite=db
After=db
[Service]
ExecStart=/bin/sleep 1000
EOF
        start_svcd
        local rc=0
        svc start app 2>"$T/err" || rc=$?
        [ "$rc" != 0 ] || fail "app started although db is not running"
        assert_contains "$(cat "$T/err")" "db"
        assert_eq inactive "$(state db)" "Requisite= does not start db"
        svc start db
        svc start app || fail "app with db running: $(cat "$T/err")"
        assert_eq running "$(state app)" "app with db running"
        svc stop db
        wait_until 5 state_is app inactive || fail "app is $(state app) after db stopped"
}

# postfix@.service's lines: a reload of postfix reloads its instances.
test_reload_propagates() {
        unit postfix <<EOF
[Service]
ExecStart=/bin/sleep 1000
ExecReload=/bin/sh -c 'echo postfix >> $T/reloads'
EOF
        unit 'postfix@' <<EOF
[Unit]
PartOf=postfix.service
ReloadPropagatedFrom=postfix.service
[Service]
ExecStart=/bin/sleep 1000
ExecReload=/bin/sh -c 'echo %i >> $T/reloads'
EOF
        unit other <<EOF
[Unit]
PropagatesReloadTo=postfix
[Service]
ExecStart=/bin/sleep 1000
ExecReload=/bin/true
EOF
        start_svcd
        svc start postfix postfix@- other
        svc reload postfix
        wait_until 5 grep -qx -- - "$T/reloads" || fail "postfix@- was not reloaded: $(cat "$T/reloads" 2>&1)"
        : >"$T/reloads"
        svc reload other
        wait_until 5 grep -qx postfix "$T/reloads" || fail "PropagatesReloadTo= did not reload postfix"
        wait_until 5 grep -qx -- - "$T/reloads" || fail "nor, through it, postfix@-"
}

# The unattended box tells its owner: OnFailure= starts the unit, which learns which one failed.
test_on_failure_and_on_success() {
        # systemd's usual line: an instance of a template per failing unit.
        unit broken <<'EOF'
[Unit]
OnFailure=tell-owner@%n.service
[Service]
Restart=no
ExecStart=/bin/sh -c 'exit 3'
EOF
        unit tell-owner@ <<EOF
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'echo "%i \$MONITOR_UNIT \$MONITOR_SERVICE_RESULT \$MONITOR_EXIT_CODE \$MONITOR_EXIT_STATUS" > $T/told'
EOF
        unit job <<'EOF'
[Unit]
OnSuccess=next
[Service]
Type=oneshot
ExecStart=/bin/true
EOF
        unit next <<EOF
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'echo "\$MONITOR_UNIT" > $T/next'
EOF
        start_svcd
        svc start broken 2>/dev/null || :
        wait_until 5 test -s "$T/told" || fail "OnFailure= unit did not run"
        assert_eq "broken broken exit-code exited 3" "$(cat "$T/told")" "what the OnFailure= unit was told"
        svc start job
        wait_until 5 test -s "$T/next" || fail "OnSuccess= unit did not run"
        assert_eq job "$(cat "$T/next")" "what the OnSuccess= unit was told"
}

test_upholds_starts_again() {
        unit keeper <<'EOF'
[Unit]
Upholds=worker
[Service]
ExecStart=/bin/sleep 1000
EOF
        unit worker <<'EOF'
[Service]
ExecStart=/bin/sleep 1000
EOF
        start_svcd
        svc start keeper
        wait_until 5 state_is worker running || fail "worker is $(state worker)"
        local pid
        pid=$(main_pid worker)
        svc stop worker
        wait_until 5 main_pid_is_not worker "$pid" || fail "worker was not started again"
        svc stop keeper
        svc stop worker
        assert_eq inactive "$(state worker)" "worker, once nothing upholds it"
}

test_stop_when_unneeded() {
        unit helper <<'EOF'
[Unit]
StopWhenUnneeded=yes
[Service]
ExecStart=/bin/sleep 1000
EOF
        unit user <<'EOF'
[Unit]
Wants=helper
After=helper
[Service]
ExecStart=/bin/sleep 1000
EOF
        start_svcd
        svc start user
        assert_eq running "$(state helper)" "helper while user runs"
        svc stop user
        wait_until 5 state_is helper inactive || fail "helper is $(state helper) with nothing needing it"
}

run_tests "$@"
