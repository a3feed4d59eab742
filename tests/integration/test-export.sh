#!/usr/bin/env bash
# svc export (issue 20): one unit, the same answer under svc and under another runtime. A small
# HTTP service (busybox httpd on a slim tree made from the host's static busybox: no download,
# under a second) runs under svcd, then as its exported OCI bundle under crun; both serve the same
# page from inside their own network namespace, with the same capabilities, seccomp mode, uid
# range, hostname and state directory. Bad input gets a sentence.
. "$(dirname "$0")/lib.sh"

TREES=var/lib/svc/trees
PAGE='<h1>one unit, three runtimes</h1>'

# web_service: the tree, the page in it, and the unit.
web_service() {
        svc tree slim web /usr/bin/busybox >/dev/null || fail "slim failed"
        mkdir -p "$T/$TREES/web/srv/www"
        echo "$PAGE" >"$T/$TREES/web/srv/www/index.html"
        unit_isolated web <<EOF
[Service]
RootDirectory=web
ExecStart=/usr/bin/busybox httpd -f -p 8080 -h /srv/www
StateDirectory=web
Environment=GREETING=hello
MemoryMax=64M
TasksMax=32
LimitNOFILE=1000
EOF
}

# crun_ ARGS: crun with its state under the test's root. On a hybrid cgroup host (v1 controllers
# beside a cgroup2 mount holding one, as here) crun 1.8 refuses to run; in a mount namespace of
# its own without the cgroup2 mount it uses the v1 controllers, so the limits still apply. The
# container's processes stay in the test's cgroup2 group, where cleanup finds them.
crun_() {
        unshare -m sh -c 'if mountpoint -q /sys/fs/cgroup/unified; then umount /sys/fs/cgroup/unified; fi
exec "$@"' sh crun --root "$T/crun" "$@"
}

CRUN_ID=
eval "lib_$(declare -f cleanup_test)"
cleanup_test() {
        if [ -n "$CRUN_ID" ]; then
                crun_ delete -f "$CRUN_ID" >/dev/null 2>&1
        fi
        lib_cleanup_test
}

# status_of PID FIELD...: those lines of /proc/PID/status.
status_of() {
        local pid=$1 f
        shift
        for f in "$@"; do grep "^$f:" "/proc/$pid/status"; done
}

test_bundle_under_crun_answers_as_under_svc() {
        web_service
        start_svcd
        svc start web || fail "web did not start: $(svc status web 2>&1 | tail -n 3)"
        local under_svc
        under_svc=$(svc exec web busybox wget -qO- http://127.0.0.1:8080/) || fail "no page under svc"
        assert_eq "$PAGE" "$under_svc" "the page under svc"
        local pid fields="CapInh CapPrm CapEff CapBnd CapAmb NoNewPrivs Seccomp"
        pid=$(main_pid web)
        local svc_status svc_map
        # shellcheck disable=SC2086
        svc_status=$(status_of "$pid" $fields)
        svc_map=$(cat "/proc/$pid/uid_map")

        local out rc=0
        out=$(svc export web --to oci-bundle "$T/bundle" 2>&1) || rc=$?
        assert_eq 1 "$rc" "export into the test's 0700 root"
        assert_contains "$out" "$T/bundle is not reachable by web's uid range: $T is mode 0700"
        # Root of the uid range must pass the bundle's directory, not svc's own (they stay 0700).
        chmod 0711 "$T"
        out=$(svc export web --to oci-bundle "$T/bundle" 2>&1) || fail "export failed: $out"
        assert_contains "$out" "Exported web to $T/bundle (oci-bundle)"
        svc stop web
        CRUN_ID=svc-export-${T##*.}
        crun_ run --detach --bundle "$T/bundle" "$CRUN_ID" || fail "crun run failed"
        local under_crun
        under_crun=$(crun_ exec "$CRUN_ID" /usr/bin/busybox wget -qO- http://127.0.0.1:8080/) ||
                fail "no page under crun"
        assert_eq "$under_svc" "$under_crun" "the page under crun"

        local cpid
        cpid=$(crun_ state "$CRUN_ID" | sed -n 's/^ *"pid": \([0-9]*\),/\1/p')
        [ -n "$cpid" ] || fail "no pid in crun state"
        # shellcheck disable=SC2086
        assert_eq "$svc_status" "$(status_of "$cpid" $fields)" "capabilities, no_new_privs and seccomp"
        assert_eq "$svc_map" "$(cat "/proc/$cpid/uid_map")" "the uid range"
        assert_eq "web" "$(crun_ exec "$CRUN_ID" /usr/bin/busybox hostname)" "the hostname"
        assert_eq "GREETING=hello" "$(tr '\0' '\n' <"/proc/$cpid/environ" | grep GREETING)" "the environment"
        assert_eq "1000" "$(awk '/Max open files/ {print $4}' "/proc/$cpid/limits")" "LimitNOFILE="
        # Read-only root; a writable state directory, written as the service's own host uid.
        if crun_ exec "$CRUN_ID" /usr/bin/busybox touch /srv/www/x 2>/dev/null; then
                fail "the root is writable"
        fi
        crun_ exec "$CRUN_ID" /usr/bin/busybox touch /var/lib/web/mark || fail "the state directory is not writable"
        assert_eq "$(host_id web 0)" "$(stat -c %u "$T/var/lib/svc/state/web/mark")" "owner of the mark"
        # A masked path of svc's sandbox reads empty.
        assert_eq "" "$(crun_ exec "$CRUN_ID" /usr/bin/busybox cat /proc/kcore 2>/dev/null | head -c 1)" "/proc/kcore"
        # MemoryMax= in the cgroup crun made (v1 here, memory.max on a pure v2 host).
        local mem
        mem=$(sed -n 's/^[0-9]*:memory:\(.*\)/\1/p' "/proc/$cpid/cgroup")
        if [ -n "$mem" ]; then
                assert_eq 67108864 "$(cat "/sys/fs/cgroup/memory$mem/memory.limit_in_bytes")" "MemoryMax="
        else
                mem=$(sed -n 's/^0::\(.*\)/\1/p' "/proc/$cpid/cgroup")
                assert_eq 67108864 "$(cat "/sys/fs/cgroup$mem/memory.max")" "MemoryMax="
        fi
}

test_accept_yes_is_refused_with_a_sentence() {
        unit_isolated inetd <<EOF
[Service]
RootDirectory=web
ListenStream=8080
Accept=yes
ExecStart=/usr/bin/busybox cat
EOF
        local out rc=0
        out=$(svc export inetd --to kube "$T/kube" 2>&1) || rc=$?
        assert_eq 1 "$rc" "exit status"
        assert_contains "$out" "svc export: inetd cannot be exported: Accept=yes starts a process per connection"
        assert_contains "$out" "cannot hand it a connection"
        [ ! -e "$T/kube" ] || fail "something was written: $(ls -R "$T/kube")"
}

test_unit_error_names_file_and_line() {
        unit_isolated bad <<EOF
[Service]
ExecStart=/usr/bin/busybox true
MemoryMax=lots
EOF
        local out rc=0
        out=$(svc export bad --to oci-bundle "$T/b" 2>&1) || rc=$?
        assert_eq 1 "$rc" "exit status"
        assert_contains "$out" "$T/etc/svc/units/bad.unit:3:"
}

run_tests "$@"
