#!/usr/bin/env bash
# The demo (make demo): the trees of contrib/demo-trees.sh, svcd on units/examples/ as
# contrib/demo.sh sets them up, the blog answering HTTP from its private network namespace, each
# service naming its own libsvcdemo, mail running with its STATUS=, ftp through its published
# ports. Needs make demo-artifacts. svcd runs in a network namespace of the test's own: ftp and
# mail change the nftables and forwarding of the namespace they run in.
. "$(dirname "$0")/lib.sh"

SRC=$(cd "$(dirname "$0")/../.." && pwd)

logof() { cat "$T/var/log/svc/$1/current" 2>/dev/null; }

# demo_setup: what contrib/demo.sh does, under $T and in a network namespace of the test's.
demo_setup() {
        "$SRC/contrib/demo-trees.sh" "$T" "$BUILD" >"$T/trees.log" 2>&1 || fail "demo-trees.sh: $(cat "$T/trees.log")"
        mkdir -p "$T/etc/svc/units"
        cp "$SRC"/units/examples/*.unit "$T/etc/svc/units/"
        # demo.sh's drop-in, from demo.sh itself.
        eval "$(sed -n '/^mkdir -p "$ROOT\/etc\/svc\/units\/ftp.unit.d"/,/demo.conf"$/p' "$SRC/contrib/demo.sh" |
                sed 's/\$ROOT/$T/g')"
        [ -s "$T/etc/svc/units/ftp.unit.d/demo.conf" ] || fail "demo.sh's drop-in for ftp"
        enable blog
        enable mail
        enable ftp
        NS=svct-${T##*.}
        netns_add "$NS"
        # shellcheck disable=SC2034 # read by start_svcd (lib.sh)
        SVCD_NETNS=$NS
}

# in_ns CMD...: in the namespace where svcd runs.
in_ns() {
        nsenter --net="/run/netns/$NS" "$@"
}

# svc check runs the library check against the trees under --root: every example passes on the
# demo's trees, and fails without them.
test_examples_check() {
        local ex=$SRC/units/examples rc=0
        svc check "$ex/ftp.unit" >"$T/out" 2>&1 || rc=$?
        assert_eq 1 "$rc" "svc check of ftp without its tree"
        assert_eq "$ex/ftp.unit: tree ftp does not exist ($T/var/lib/svc/trees/ftp)" "$(cat "$T/out")" "svc check of ftp"
        "$SRC/contrib/demo-trees.sh" "$T" "$BUILD" >"$T/trees.log" 2>&1 || fail "demo-trees.sh: $(cat "$T/trees.log")"
        svc check "$ex/blog.unit" "$ex/mail.unit" "$ex/ftp.unit" >"$T/out" 2>&1 || fail "svc check: $(cat "$T/out")"
        assert_not_contains "$(cat "$T/out")" "warning" "svc check of the examples"
}

test_demo_blog_mail_and_ftp() {
        demo_setup
        start_svcd
        wait_until 20 state_is blog running || fail "blog: $(state blog); $(logof blog)"
        wait_until 20 state_is mail running || fail "mail: $(state mail); $(logof mail)"
        wait_until 20 state_is ftp running || fail "ftp: $(state ftp); $(logof ftp)"

        # The blog: one sandbox per connection, only lo, its own library.
        local page
        page=$(in_ns curl -sS -i -m 10 http://127.0.0.1:8080/) || fail "no answer from the blog"
        assert_contains "$page" "HTTP/1.1 200 OK" "the blog's answer"
        assert_contains "$page" "The loader found: <b>libsvcdemo 1.0</b>" "the blog's page"
        assert_contains "$page" "network interfaces: lo)" "the blog's page (private network)"
        page=$(in_ns curl -sS -m 10 http://127.0.0.1:8080/posts/hello.html) || fail "no answer from the blog"
        assert_contains "$page" "<h1>Hello, world</h1>" "a static page of the blog"

        # ftp: Debian's vsftpd through the ports published on 127.0.0.1, passive mode.
        assert_contains "$(in_ns curl -sS -m 10 ftp://127.0.0.1:2121/pub/hello.txt)" "Hello from vsftpd" "ftp"
        assert_contains "$(svc status ftp)" "Ports: 127.0.0.1:2121->21/tcp, 127.0.0.1:30000-30009->30000-30009/tcp" \
                "ftp's status"

        wait_until 5 grep -q "libsvcdemo 1.0" "$T/var/log/svc/blog/current" || fail "blog's log: $(logof blog)"
        assert_not_contains "$(logof blog)" "libsvcdemo 2.0" "blog's log"

        # mail: its own library, ready with its STATUS=, its queue in its state directory.
        wait_until 5 grep -q "mail: libsvcdemo 2.0" "$T/var/log/svc/mail/current" || fail "mail's log: $(logof mail)"
        assert_not_contains "$(logof mail)" "libsvcdemo 1.0" "mail's log"
        assert_contains "$(svc status mail)" 'Status: "libsvcdemo 2.0, queue run 1: 0 messages"' "mail's status"
        : >"$T/var/lib/svc/state/mail/queue/msg1"
        svc reload mail || fail "svc reload mail"
        wait_until 5 grep -q "queue run 2: 1 messages" "$T/var/log/svc/mail/current" || fail "mail's queue: $(logof mail)"
        assert_contains "$(logof mail)" "delivered msg1" "mail's log"
        [ ! -e "$T/var/lib/svc/state/mail/queue/msg1" ] || fail "mail did not take msg1 from its queue"

        # One soname, two versions, none on the host.
        assert_eq "libsvcdemo 1.0" "$(svc run --tree blog svcdemo)" "svc run on tree blog"
        assert_eq "libsvcdemo 2.0" "$(svc run --tree mail svcdemo)" "svc run on tree mail"
        ! ldconfig -p | grep -q libsvcdemo || fail "the host has libsvcdemo"
        assert_eq running "$(state blog)" "blog after the requests"
        assert_eq running "$(state mail)" "mail after the reload"
        stop_svcd || fail "svcd exited with $?"
}

run_tests "$@"
