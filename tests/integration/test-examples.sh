#!/usr/bin/env bash
# duration: 30 (seconds on the ASan build: tests/integration/run.sh starts the longest first)
# The example units of units/examples/ (blog, mail, ftp: busybox httpd, a shell queue runner and
# vsftpd on the small trees of contrib/demo-trees.sh, which test-net and the box also run):
# svc check passes on their trees and fails without them. make demo runs real daemons instead
# (test-demo.sh).
. "$(dirname "$0")/lib.sh"

SRC=$(cd "$(dirname "$0")/../.." && pwd)

# svc check runs the library check against the trees under --root: every example passes on its
# tree, and fails without it.
test_examples_check() {
        local ex=$SRC/units/examples rc=0
        svc check "$ex/ftp.unit" >"$T/out" 2>&1 || rc=$?
        assert_eq 1 "$rc" "svc check of ftp without its tree"
        assert_eq "$ex/ftp.unit: tree ftp does not exist ($T/var/lib/svc/trees/ftp)" "$(cat "$T/out")" "svc check of ftp"
        "$SRC/contrib/demo-trees.sh" "$T" "$BUILD" >"$T/trees.log" 2>&1 || fail "demo-trees.sh: $(cat "$T/trees.log")"
        svc check "$ex/blog.unit" "$ex/mail.unit" "$ex/ftp.unit" >"$T/out" 2>&1 || fail "svc check: $(cat "$T/out")"
        assert_not_contains "$(cat "$T/out")" "warning" "svc check of the examples"
}

run_tests "$@"
