#!/usr/bin/env bash
# duration: 82 (seconds on the ASan build: tests/integration/run.sh starts the longest first)
# Health probes (HealthCmd= and its kin) and notifications (OnFailure=, OnHealthChange=,
# svcd.conf's defaults), from real services: an HTTP server in python that can answer 500 or hang,
# exec probes in a tree of the test's own, TCP probes.
. "$(dirname "$0")/lib.sh"

SRC=$(cd "$(dirname "$0")/../.." && pwd)

now_ms() {
        echo $(($(date +%s%N) / 1000000))
}

health() {
        svc status --json "$1" | sed -n 's/.*"health":"\([a-z]*\)".*/\1/p'
}

health_is() {
        [ "$(health "$1")" = "$2" ]
}

restarts() {
        svc status --json "$1" | sed -n 's/.*"restarts":\([0-9]*\).*/\1/p'
}

restarts_above() {
        [ "$(restarts "$1")" -gt "$2" ]
}

# web_server: $T/srv.py, an HTTP server on 127.0.0.1:PORT answering with the status in $T/status
# (200 without it), and hanging (running, answering nothing) while $T/hang exists.
web_server() {
        cat >"$T/srv.py" <<'EOF'
import http.server, os, sys, time
d, port = sys.argv[1], int(sys.argv[2])
if len(sys.argv) > 3:
    time.sleep(float(sys.argv[3]))  # a slow starter
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        while os.path.exists(d + "/hang"):
            time.sleep(0.1)
        st = int(open(d + "/status").read()) if os.path.exists(d + "/status") else 200
        self.send_response(st)
        self.end_headers()
        self.wfile.write(b"ok\n")
    def log_message(self, *a):
        pass
open(d + "/listening", "a").write("%d\n" % os.getpid())
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
EOF
}

# tell_unit: tell@.unit writes "UNIT EVENT REASON" lines to $T/told.
tell_unit() {
        unit tell@ <<EOF
[Service]
Type=oneshot
Restart=no
ExecStart=/bin/sh -c 'echo "\$\$MONITOR_UNIT \$\$MONITOR_EVENT \$\$MONITOR_REASON" >> $T/told'
EOF
}

test_http_probe_sees_500_unhealthy_then_recovery_is_told() {
        web_server
        tell_unit
        unit web <<EOF
[Unit]
OnHealthChange=tell@%n.service
[Service]
ExecStart=/usr/bin/python3 $T/srv.py $T 8080
HealthCmd=http://localhost:8080/health
HealthInterval=300ms
HealthRetries=2
HealthTimeout=2s
EOF
        start_svcd
        svc start web || fail "svc start web failed"
        wait_until 10 health_is web healthy || fail "web is $(health web), not healthy"
        echo 500 >"$T/status"
        wait_until 10 health_is web unhealthy || fail "web is $(health web) after a 500"
        assert_eq running "$(state web)" "HealthOnFailure=none leaves it running"
        local st
        st=$(svc status web)
        assert_contains "$st" "Health: unhealthy" "status"
        assert_contains "$st" "HTTP 500 from http://localhost:8080/health" "status: the last probe"
        assert_contains "$(svc list)" "unhealthy" "svc list"
        wait_until 10 grep -q "web unhealthy" "$T/told" || fail "the unhealthy event was not told"
        assert_contains "$(cat "$T/told")" "web unhealthy 2 probes failed in a row, the last: HTTP 500" "the reason"
        rm "$T/status"
        wait_until 10 health_is web healthy || fail "web is $(health web) once it answers 200"
        wait_until 10 grep -q "web recovered HTTP 200" "$T/told" || fail "recovery not told: $(cat "$T/told")"
        assert_contains "$(svc status --json web)" '"health_streak":0' "the streak after a pass"
}

# The issue's bound: a service that hangs is restarted within HealthInterval x HealthRetries (the
# first probe after the hang starts up to one interval later, the restart takes its own time).
test_hung_service_is_restarted_by_its_probe() {
        web_server
        unit web <<EOF
[Service]
ExecStart=/usr/bin/python3 $T/srv.py $T 8081
HealthCmd=http://127.0.0.1:8081/
HealthInterval=1s
HealthRetries=3
HealthTimeout=500ms
HealthOnFailure=restart
EOF
        start_svcd
        svc start web || fail "svc start web failed"
        wait_until 10 health_is web healthy || fail "web is $(health web), not healthy"
        local pid t0 t1
        pid=$(main_pid web)
        : >"$T/hang"
        t0=$(now_ms)
        wait_until 15 main_pid_is_not web "$pid" || fail "the hung service was not restarted"
        t1=$(now_ms)
        rm "$T/hang"
        echo "    restarted $((t1 - t0)) ms after it hung (interval 1 s x retries 3)"
        [ $((t1 - t0)) -le $((1000 * 3 + 1000 + 2000)) ] ||
                fail "restarted after $((t1 - t0)) ms, beyond interval x retries (3 s) + one interval + 2 s for the restart"
        assert_eq running "$(state web)" "state after the restart"
        assert_contains "$(cat "$T/svcd.log")" "web: 3 probes failed in a row"
        wait_until 10 health_is web healthy || fail "web is $(health web) after its restart"
        assert_contains "$(svc status --json web)" '"health_streak":0' "counters reset after the restart"
}

test_slow_starter_is_not_killed_during_start_period() {
        web_server
        unit web <<EOF
[Service]
ExecStart=/usr/bin/python3 $T/srv.py $T 8082 3
HealthCmd=tcp:8082
HealthInterval=300ms
HealthRetries=1
HealthStartPeriod=20s
HealthOnFailure=kill
EOF
        start_svcd
        svc start web || fail "svc start web failed"
        local pid
        pid=$(main_pid web)
        assert_eq starting "$(health web)" "health while it starts"
        wait_until 15 health_is web healthy || fail "web is $(health web), not healthy"
        assert_eq "$pid" "$(main_pid web)" "the slow starter was killed during its start period"
        assert_eq 0 "$(restarts web)" "restarts"
        assert_contains "$(svc status web)" "connected to 127.0.0.1:8082" "the last probe"
}

test_dependant_waits_for_healthy() {
        web_server
        unit db <<EOF
[Service]
ExecStart=/usr/bin/python3 $T/srv.py $T 8083 2
HealthCmd=tcp:127.0.0.1:8083
HealthInterval=200ms
HealthStartPeriod=30s
EOF
        unit app <<EOF
[Unit]
Wants=db
After=db
[Service]
ExecStartPre=/bin/test -e $T/listening
ExecStart=/bin/sleep 1000
EOF
        start_svcd
        svc start app || fail "app did not start after db: $(svc status app db)"
        assert_eq healthy "$(health db)" "db when app started"
        assert_eq running "$(state app)" "app"
}

test_exec_probe_uses_the_trees_binary() {
        "$SRC/contrib/mktree.sh" "$T/tree" --busybox >/dev/null
        cat >"$T/tree/usr/bin/probe-in-tree" <<EOF
#!/bin/sh
echo "probed in the tree"
EOF
        chmod 755 "$T/tree/usr/bin/probe-in-tree"
        [ ! -e /usr/bin/probe-in-tree ] || fail "the host has /usr/bin/probe-in-tree"
        unit_isolated web <<EOF
[Service]
RootDirectory=$T/tree
ExecStart=/bin/sleep 1000
HealthCmd=["CMD", "probe-in-tree"]
HealthInterval=200ms
EOF
        start_svcd
        svc start web || fail "svc start web failed"
        wait_until 10 health_is web healthy || fail "web is $(health web): $(svc status web)"
        assert_contains "$(svc status web)" "last probe: probed in the tree" "status"
}

test_probe_missing_from_the_tree_is_refused_before_start() {
        "$SRC/contrib/mktree.sh" "$T/tree" --busybox >/dev/null
        unit_isolated web <<EOF
[Service]
RootDirectory=$T/tree
ExecStart=/bin/sleep 1000
HealthCmd=/usr/bin/no-such-probe --quiet
EOF
        unit_isolated web2 <<EOF
[Service]
RootDirectory=$T/tree
ExecStart=/bin/sleep 1000
HealthCmd=["CMD", "/usr/bin/no-such-probe"]
Restart=no
EOF
        start_svcd
        local rc=0
        svc start web >"$T/err" 2>&1 || rc=$?
        [ $rc != 0 ] || fail "a unit whose probe is not in the tree started"
        assert_contains "$(cat "$T/err")" "HealthCmd=: /usr/bin/no-such-probe does not exist in tree" "the refusal"
        rc=0
        svc start web2 >"$T/err" 2>&1 || rc=$?
        [ $rc != 0 ] || fail "web2 started"
        assert_contains "$(cat "$T/err")" "HealthCmd=: /usr/bin/no-such-probe does not exist in tree" "the refusal (exec form)"
        assert_eq "" "$(init_pid web2 | grep -v '^0$')" "no sandbox was made"
}

# No sleep 1000 left behind: the probe killed at its timeout is gone from the sandbox.
no_sleeping_probe() { # shellcheck disable=SC2009 # ps: the arguments of the sandbox's processes
        ! ps --ppid "$(init_pid "$1")" -o args= | grep -q '^sleep 1000'
}

test_hanging_probe_is_killed_at_its_timeout_and_fails() {
        unit web <<EOF
[Service]
ExecStart=/bin/sleep 2000
HealthCmd=["CMD", "/bin/sleep", "1000"]
HealthInterval=1s
HealthTimeout=300ms
HealthRetries=2
EOF
        start_svcd
        svc start web || fail "svc start web failed"
        wait_until 10 health_is web unhealthy || fail "web is $(health web)"
        assert_contains "$(svc status web)" "timed out after 300ms" "status"
        wait_until 5 no_sleeping_probe web || fail "the probe was not killed: $(ps --ppid "$(init_pid web)" -o args=)"
        assert_eq running "$(state web)" "state"
}

# While probes hang (an HTTP server that answers nothing, an exec probe that sleeps), svcd
# answers: every probe waits on the event loop, none in it.
test_loop_never_blocks_while_probes_hang() {
        web_server
        : >"$T/hang"
        unit web <<EOF
[Service]
ExecStart=/usr/bin/python3 $T/srv.py $T 8084
HealthCmd=http://127.0.0.1:8084/
HealthInterval=200ms
HealthTimeout=30s
EOF
        unit sleepy <<EOF
[Service]
ExecStart=/bin/sleep 2000
HealthCmd=/bin/sleep 1000
HealthInterval=200ms
HealthTimeout=30s
EOF
        unit other <<EOF
[Service]
ExecStart=/bin/sleep 1000
EOF
        start_svcd
        svc start web sleepy other || fail "start failed"
        sleep 1 # the probes are out, waiting
        local t0 t1
        t0=$(now_ms)
        timeout 2 "$SVC" --root "$T" status other >/dev/null || fail "svc status other did not answer within 2 s"
        t1=$(now_ms)
        echo "    svc status answered in $((t1 - t0)) ms while two probes hang"
        assert_eq starting "$(health web)" "web's probe is still waiting"
        rm "$T/hang"
}

test_failure_is_told_with_its_reason() {
        tell_unit
        unit crash <<EOF
[Unit]
OnFailure=tell@%n
[Service]
ExecStart=/bin/sh -c 'exit 3'
Restart=no
EOF
        start_svcd
        svc start crash >/dev/null 2>&1
        wait_until 10 test -s "$T/told" || fail "the failure was not told"
        assert_eq "crash failure exited with status 3" "$(cat "$T/told")" "what the notification unit was told"
}

# svcd.conf names a notification unit for every service. It fails itself: that is logged, not told
# (no tell@tell@crash), and it runs once per event.
test_default_notification_unit_and_no_loop() {
        mkdir -p "$T/etc/svc"
        printf '[Manager]\nDefaultOnFailure=tell@%%n\nDefaultOnHealthChange=tell@%%n\n' >"$T/etc/svc/svcd.conf"
        unit tell@ <<EOF
[Service]
Type=oneshot
Restart=no
ExecStart=/bin/sh -c 'echo "\$\$MONITOR_UNIT \$\$MONITOR_EVENT" >> $T/told; exit 1'
EOF
        unit crash <<EOF
[Unit]
StartLimitBurst=2
StartLimitIntervalSec=60s
[Service]
ExecStart=/bin/sh -c 'exit 4'
RestartSec=50ms
EOF
        start_svcd
        svc start crash >/dev/null 2>&1
        wait_until 10 test -s "$T/told" || fail "the default notification unit did not run"
        wait_until 10 state_is tell@crash failed || fail "tell@crash is $(state tell@crash)"
        assert_eq "crash gave-up" "$(cat "$T/told")" "what it was told"
        assert_contains "$(cat "$T/svcd.log")" "told to nobody" "the notifier's own failure"
        assert_not_contains "$(svc list)" "tell@tell" "a notification of the notification"
}

# The examples are templates: svc check takes them as an instance (systemd-analyze verify's
# test_instance).
test_example_notification_units_pass_check() {
        local ex=$SRC/units/examples
        svc check --no-programs "$ex/notify-webhook@.unit" "$ex/notify-mail@.unit" >"$T/out" 2>&1 ||
                fail "svc check: $(cat "$T/out")"
        assert_not_contains "$(cat "$T/out")" "warning" "svc check of the notification examples"
        assert_contains "$(cat "$T/out")" "notify-mail@.unit: ok" "svc check"
}

run_tests "$@"
