#!/usr/bin/env bash
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
        mkdir -p -m 755 "$T/victim/main"
        echo keep >"$T/victim/main/secret"
        start_svcd
        svc start pg || fail "first start failed: $(logof pg)"
        assert_eq data "$(cat "$T/var/lib/svc/state/pg/14/main/f")" "first run"
        assert_eq 65534 "$(stat -c %u "$T/var/lib/svc/state/pg")" "pg owned by the service's user"
        # What the service can do from inside: pg is its own, so is the name 14 in it.
        mv "$T/var/lib/svc/state/pg/14" "$T/var/lib/svc/state/pg/14.old"
        ln -s "$T/victim" "$T/var/lib/svc/state/pg/14"
        chown -h 65534:65534 "$T/var/lib/svc/state/pg/14"
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

run_tests "$@"
