#!/usr/bin/env bash
# The demo (make demo): the trees of contrib/demo-trees.sh, svcd on units/examples/ as
# contrib/demo.sh sets them up, the blog answering HTTP from its private network namespace, each
# service naming its own libsvcdemo, mail running with its STATUS=. Needs make demo-artifacts.
. "$(dirname "$0")/lib.sh"

SRC=$(cd "$(dirname "$0")/../.." && pwd)

logof() { cat "$T/var/log/svc/$1/current" 2>/dev/null; }

# free_port: a TCP port nothing listens on, from the range the other tests do not use.
free_port() {
        local p
        for _ in $(seq 1 50); do
                p=$((31000 + RANDOM % 2000))
                ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && echo "$p" && return 0
        done
        return 1
}

# demo_setup PORT: what contrib/demo.sh does under $T, with the blog moved to PORT by a drop-in.
demo_setup() {
        "$SRC/contrib/demo-trees.sh" "$T" "$BUILD" >"$T/trees.log" 2>&1 || fail "demo-trees.sh: $(cat "$T/trees.log")"
        mkdir -p "$T/etc/svc/units/blog.unit.d"
        cp "$SRC"/units/examples/*.unit "$T/etc/svc/units/"
        printf '[Service]\nListenStream=\nListenStream=127.0.0.1:%s\n' "$1" >"$T/etc/svc/units/blog.unit.d/port.conf"
        enable blog
        enable mail
}

# http_get PORT PATH: the whole answer, over bash's /dev/tcp.
http_get() {
        local out
        exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
        printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$2" >&3
        out=$(timeout 10 cat <&3)
        exec 3<&-
        printf '%s' "$out"
}

# svc check runs the library check against the trees under --root: blog and mail pass on the
# demo's trees; ftp's only complaint is its tree, which the demo does not build yet.
test_examples_check() {
        "$SRC/contrib/demo-trees.sh" "$T" "$BUILD" >"$T/trees.log" 2>&1 || fail "demo-trees.sh: $(cat "$T/trees.log")"
        local ex=$SRC/units/examples
        svc check "$ex/blog.unit" "$ex/mail.unit" >"$T/out" 2>&1 || fail "svc check: $(cat "$T/out")"
        assert_not_contains "$(cat "$T/out")" "warning" "svc check of blog and mail"
        local rc=0
        svc check "$ex/ftp.unit" >"$T/out" 2>&1 || rc=$?
        assert_eq 1 "$rc" "svc check of ftp without its tree"
        assert_eq "$ex/ftp.unit: tree ftp does not exist ($T/var/lib/svc/trees/ftp)" "$(cat "$T/out")" "svc check of ftp"
}

test_demo_blog_and_mail() {
        local port
        port=$(free_port) || fail "no free port"
        demo_setup "$port"
        start_svcd
        wait_until 20 state_is blog running || fail "blog: $(state blog); $(logof blog)"
        wait_until 20 state_is mail running || fail "mail: $(state mail); $(logof mail)"
        assert_eq inactive "$(state ftp)" "ftp is not enabled"

        # The blog: one sandbox per connection, only lo, its own library.
        local page
        page=$(http_get "$port" /) || fail "no answer on port $port"
        assert_contains "$page" "HTTP/1.1 200 OK" "the blog's answer"
        assert_contains "$page" "The loader found: <b>libsvcdemo 1.0</b>" "the blog's page"
        assert_contains "$page" "network interfaces: lo)" "the blog's page (private network)"
        page=$(http_get "$port" /posts/hello.html) || fail "no answer on port $port"
        assert_contains "$page" "<h1>Hello, world</h1>" "a static page of the blog"
        if command -v curl >/dev/null; then
                assert_contains "$(curl -sS -m 10 "http://127.0.0.1:$port/")" "libsvcdemo 1.0" "curl on the blog"
        fi
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
