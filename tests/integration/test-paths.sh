#!/usr/bin/env bash
# duration: 37 (seconds on the ASan build: tests/integration/run.sh starts the longest first)
# The paths svcd touches on a service's behalf (StateDirectory=, LogsDirectory=, its log files) are
# resolved under a directory fd without following a symlink the service could have planted, and
# svc's own directories are out of reach of other host users (issue 12).
. "$(dirname "$0")/lib.sh"

SRC=$(cd "$(dirname "$0")/../.." && pwd)

logof() { cat "$T/var/log/svc/$1/current" 2>/dev/null; }

# as_nobody CMD...: CMD as an unprivileged host user. (Not setpriv --reuid alone: it keeps root's
# capabilities up to the execve of CMD, whose path is then resolved with CAP_DAC_OVERRIDE.)
as_nobody() {
        runuser -u nobody -- "$@"
}

# A root service plants a setuid-root program in its StateDirectory, LogsDirectory and persistent
# overlay: no other host user may reach it through the host path (nosuid holds only inside the
# sandbox; CVE-2021-41091 in Moby).
test_setuid_plant_unreachable_from_the_host() {
        "$SRC/contrib/mktree.sh" "$T/var/lib/svc/trees/bb" --busybox >/dev/null
        unit_isolated plant <<'EOF2'
[Service]
Type=oneshot
StateDirectory=pl
LogsDirectory=pl
ExecStart=/bin/sh -c 'for d in /var/lib/pl /var/log/pl; do cp /usr/bin/id $d/id && chmod 4755 $d/id; done'
EOF2
        unit_isolated ov <<'EOF2'
[Service]
Type=oneshot
RootDirectory=bb
Overlay=persistent
ExecStart=/bin/sh -c 'mkdir -p /usr/local && cp /bin/busybox /usr/local/id && chmod 4755 /usr/local/id'
EOF2
        # The temp root is 0700: open it, so that only svc's own directories stand in the way.
        chmod 755 "$T"
        start_svcd
        svc start plant || fail "start failed: $(logof plant)"
        svc start ov || fail "start failed: $(logof ov)"
        local p logs
        logs=$(find "$T/var/lib/svc" "$T/var/log" -path '*/pl/id' ! -path '*/state/*' | head -1)
        for p in "$T/var/lib/svc/state/pl/id" "$logs" "$T/var/lib/svc/overlay/ov/upper/usr/local/id"; do
                [ -n "$p" ] || fail "a planted program was not found"
                [ -u "$p" ] || fail "$p is not setuid (the plant did not work)"
                local out rc=0
                out=$(as_nobody "$p" -u 2>&1) || rc=$?
                [ $rc -ne 0 ] || fail "an unprivileged host user ran $p (euid $out)"
                assert_contains "$out" "Permission denied" "running $p as nobody"
                rc=0
                as_nobody stat "$p" >/dev/null 2>&1 || rc=$?
                [ $rc -ne 0 ] || fail "an unprivileged host user reaches $p"
        done
        # svc's own directories: nothing under var/lib/svc for others; logs for root and group svc;
        # run/svc only traversable (the control socket answers everyone with a reason).
        assert_eq 700 "$(stat -c %a "$T/var/lib/svc")" "var/lib/svc"
        assert_eq 0 "$(($(stat -c 0%a "$T/var/log/svc") & 07))" "var/log/svc for others"
        assert_eq 711 "$(stat -c %a "$T/run/svc")" "run/svc"
}

# Directories left more open by an older svcd (or svc tree) are closed at svcd's start.
test_open_own_dirs_closed_at_start() {
        mkdir -p "$T/var/lib/svc/state/old" "$T/var/lib/svc/trees" "$T/var/log/svc/x" "$T/run/svc"
        chmod 755 "$T/var/lib/svc/state/old" "$T/var/lib/svc/trees" "$T/var/log/svc/x" "$T/run/svc"
        chmod 755 "$T/var/lib/svc" "$T/var/log/svc" "$T/run/svc"
        chmod 777 "$T/var/lib/svc/state"
        start_svcd
        assert_eq 700 "$(stat -c %a "$T/var/lib/svc")" "var/lib/svc"
        assert_eq 700 "$(stat -c %a "$T/var/lib/svc/state")" "var/lib/svc/state"
        assert_eq 700 "$(stat -c %a "$T/var/lib/svc/trees")" "var/lib/svc/trees"
        assert_eq 0 "$(($(stat -c 0%a "$T/var/log/svc") & 07))" "var/log/svc for others"
        assert_eq 711 "$(stat -c %a "$T/run/svc")" "run/svc"
}

# StateDirectory=pg pg/14/main (Debian's PostgreSQL layout): the service owns pg and swaps pg/14
# for a symlink to a host directory. The restart must not chown, nor bind, what it points to.
test_nested_state_dir_symlink_refused() {
        unit_isolated pg <<'EOF'
[Service]
Type=oneshot
User=nobody
StateDirectory=pg pg/14/main
ExecStart=/bin/sh -c 'echo data > /var/lib/pg/14/main/f; ls /var/lib/pg/14/main'
EOF
        mkdir -p "$T/victim/main"
        chmod 755 "$T/victim" "$T/victim/main"
        echo keep >"$T/victim/main/secret"
        start_svcd
        svc start pg || fail "first start failed: $(logof pg)"
        assert_eq data "$(cat "$T/var/lib/svc/state/pg/14/main/f")" "first run"
        local nobody
        nobody=$(host_id pg 65534)
        assert_eq "$nobody" "$(stat -c %u "$T/var/lib/svc/state/pg")" "pg owned by the service's user"
        # What the service can do from inside: pg is its own, so is the name 14 in it.
        mv "$T/var/lib/svc/state/pg/14" "$T/var/lib/svc/state/pg/14.old"
        ln -s "$T/victim" "$T/var/lib/svc/state/pg/14"
        chown -h "$nobody:$nobody" "$T/var/lib/svc/state/pg/14"
        local rc=0
        svc start pg >/dev/null 2>&1 || rc=$?
        [ $rc -ne 0 ] || fail "the start through a symlink succeeded: $(logof pg)"
        assert_eq "0 0 755" "$(stat -c '%u %g %a' "$T/victim")" "the victim"
        assert_eq "0 0 755" "$(stat -c '%u %g %a' "$T/victim/main")" "the victim's main"
        assert_eq "0 0" "$(stat -c '%u %g' "$T/victim/main/secret")" "the victim's file"
        [ ! -e "$T/victim/main/f" ] || fail "the victim was bound into the service"
        assert_not_contains "$(logof pg)" "secret" "the service's view"
        local st
        st=$(svc status pg)
        assert_contains "$st" "pg/14 is a symlink" "svc status"
        assert_contains "$(logof pg)" "pg/14 is a symlink" "the log"
}

# LogsDirectory= lives apart from svc's own logs: LogsDirectory=svc reaches nothing of svcd's.
test_logs_directory_svc_is_not_svcds_log_tree() {
        unit_isolated other <<'EOF'
[Service]
Type=oneshot
ExecStart=/bin/echo other-secret-line
EOF
        unit_isolated evil <<'EOF'
[Service]
Type=oneshot
User=nobody
LogsDirectory=svc
ExecStart=/bin/sh -c 'echo "seen: $(ls -A /var/log/svc | tr "\n" " ")"; cat /var/log/svc/other/current; ln -s /etc/passwd /var/log/svc/planted; echo planted'
EOF
        start_svcd
        svc start other || fail "other failed"
        wait_until 5 grep -q other-secret-line "$T/var/log/svc/other/current" || fail "other's log: $(logof other)"
        svc start evil || fail "evil failed: $(logof evil)"
        wait_until 5 grep -q "planted" "$T/var/log/svc/evil/current" || fail "evil's log: $(logof evil)"
        assert_not_contains "$(logof evil)" "other-secret-line" "what evil read"
        assert_not_contains "$(logof evil)" "seen: other" "what evil listed"
        assert_eq "0" "$(stat -c %u "$T/var/log/svc/other/current")" "other's log owner"
        assert_eq "0" "$(stat -c %u "$T/var/log/svc")" "svc's log tree owner"
        [ ! -L "$T/var/log/svc/planted" ] || fail "evil planted a symlink in svc's log tree"
        [ -L "$T/var/lib/svc/logs/svc/planted" ] || fail "evil's LogsDirectory is not under var/lib/svc/logs"
}

# A symlink at the place of a log file or of a service's log directory is never followed.
test_log_writer_follows_no_symlink() {
        unit_isolated lf <<'EOF'
[Service]
Type=oneshot
ExecStart=/bin/echo line-for-lf
EOF
        unit_isolated ld <<'EOF'
[Service]
Type=oneshot
ExecStart=/bin/echo line-for-ld
EOF
        mkdir -p "$T/var/log/svc/lf" "$T/victim-dir"
        echo untouched >"$T/victim"
        ln -s "$T/victim" "$T/var/log/svc/lf/current"
        ln -s "$T/victim-dir" "$T/var/log/svc/ld"
        start_svcd
        svc start lf || fail "lf failed"
        svc start ld || fail "ld failed"
        wait_until 5 grep -q line-for-lf "$T/var/log/svc/lf/current" || fail "lf's log: $(logof lf)"
        [ -f "$T/var/log/svc/lf/current" ] && [ ! -L "$T/var/log/svc/lf/current" ] ||
                fail "lf's current is not a file of its own"
        assert_eq untouched "$(cat "$T/victim")" "the file behind the symlink"
        stop_svcd || true
        assert_eq "" "$(ls -A "$T/victim-dir")" "the directory behind the symlink"
        assert_eq "0 0" "$(stat -c '%u %g' "$T/victim-dir")" "its owner"
        assert_contains "$(cat "$T/svcd.log")" "is a symlink" "svcd's log"
}

# svc tree on a root svcd never ran on makes var/lib/svc root's alone, as svcd would.
test_svc_tree_makes_own_dirs_closed() {
        svc tree list >/dev/null || fail "svc tree list on a fresh root"
        assert_eq 700 "$(stat -c %a "$T/var/lib/svc")" "var/lib/svc"
        assert_eq 700 "$(stat -c %a "$T/var/lib/svc/trees")" "var/lib/svc/trees"
        assert_eq 755 "$(stat -c %a "$T/var/lib")" "var/lib, which is not svc's"
}

run_tests "$@"
