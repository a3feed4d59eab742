#!/usr/bin/env bash
# duration: 30 (seconds on the ASan build: tests/integration/run.sh starts the longest first)
# The demo (make demo): what contrib/demo-setup.sh lays out and prints, run as a user would. The
# services are Debian's nginx (bullseye), postfix and dovecot (trixie) and vsftpd (bookworm) from
# their packages' own unit files, on the trees contrib/demo-releases.sh cached (make test-deps
# builds them; this test never does). Every command the demo prints is run here, from the printed
# text: the mail sent over SMTP is read back over IMAP, the blog and the ftp listing answer, and
# the two trees' OpenSSL differ from each other and from the host's. svcd runs in a network
# namespace of the test's own, where the clients reach the ports published on 127.0.0.1.
. "$(dirname "$0")/lib.sh"

SRC=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${SVC_DEMO_TREES:-/var/cache/svc/demo-trees}

logof() { tail -n 20 "$T/var/log/svc/$1/current" 2>/dev/null; }

# demo_setup: contrib/demo-setup.sh on $T, its text kept in $T/printed.
demo_setup() {
        local t
        for t in blog-bullseye-v1 mail-trixie-v1 ftp-bookworm-v1; do
                [ -f "$CACHE/$t/etc/debian_version" ] ||
                        fail "the demo's tree $CACHE/$t is missing: contrib/demo-releases.sh builds it (make test-deps runs it)"
        done
        "$SRC/contrib/demo-setup.sh" "$T" "$BUILD" >"$T/printed" 2>"$T/setup.log" ||
                fail "demo-setup.sh: $(cat "$T/setup.log")"
        NS=svct-${T##*.}
        netns_add "$NS"
        # shellcheck disable=SC2034 # read by start_svcd (lib.sh)
        SVCD_NETNS=$NS
}

# printed TEXT: the one command line of the demo's text that holds TEXT.
printed() {
        local lines
        lines=$(grep -F -- "$1" "$T/printed" | grep '^  ')
        [ -n "$lines" ] && [ "$(wc -l <<<"$lines")" = 1 ] || fail "the demo prints no single command with '$1': $(cat "$T/printed")"
        echo "$lines"
}

# run_printed TEXT: that command, as printed, in svcd's network namespace; its output.
run_printed() {
        local cmd
        cmd=$(printed "$1") || exit 1
        nsenter --net="/run/netns/$NS" sh -c "$cmd"
}

imap_has() { # TEXT
        run_printed "imap://" 2>/dev/null | grep -qF -- "$1"
}

all_running() {
        local u
        for u in blog postfix mail ftp; do state_is "$u" running || return 1; done
}

test_demo_does_what_it_prints() {
        demo_setup
        local start=$SECONDS
        start_svcd
        wait_until 30 all_running ||
                fail "not all running within 30 s: blog $(state blog), postfix $(state postfix), mail $(state mail), ftp $(state ftp)"
        echo "    the four services ran $((SECONDS - start)) s after svcd started" >&2
        # dovecot's READY=1 could come before svcd had read mail's sandbox setup, when four
        # sandboxes start at once: it was taken for a stranger's and the start timed out (90 s).
        assert_not_contains "$(cat "$T/svcd.log")" "ignoring a notification" "svcd's log"
        run_printed "$SVC --root $T list" >"$T/out" || fail "svc list: $(cat "$T/out")"
        run_printed "$SVC --root $T status blog" >"$T/out" || fail "svc status: $(cat "$T/out")"
        assert_contains "$(cat "$T/out")" "127.0.0.1:2121->21/tcp" "svc status of ftp"

        # The blog: nginx of bullseye, its pages from its tree.
        local out
        out=$(run_printed "http://127.0.0.1:8080/") || fail "the blog does not answer: $(logof blog)"
        assert_contains "$out" "<h1>svc demo blog</h1>" "the blog's front page"
        out=$(nsenter --net="/run/netns/$NS" curl -sS -i http://127.0.0.1:8080/posts/three-releases.html) ||
                fail "the blog's post"
        assert_contains "$out" "Server: nginx/1.18.0" "the blog's server (bullseye's nginx)"

        # ftp: vsftpd of bookworm, its listing and its file through the published ports.
        out=$(run_printed "--list-only") || fail "the ftp listing: $(logof ftp)"
        assert_contains "$out" "hello.txt" "the ftp listing"
        out=$(run_printed "ftp://127.0.0.1:2121/pub/hello.txt") || fail "the ftp download: $(logof ftp)"
        assert_contains "$out" "Hello from vsftpd" "the ftp file"

        # mail: sent to postfix over SMTP, delivered into the shared volume, read over IMAP from
        # dovecot, another service.
        run_printed "smtp://" >"$T/out" 2>&1 || fail "SMTP: $(cat "$T/out") $(logof postfix)"
        wait_until 15 imap_has "Hello, Alice, from svc." ||
                fail "the mail was not read back over IMAP: $(run_printed "imap://" 2>&1) $(logof postfix) $(logof mail)"
        assert_contains "$(run_printed "ls -l $T/var/lib/svc/volumes/mail")" " alice" "the shared volume"
        run_printed "$SVC --root $T logs postfix" >"$T/out" || fail "svc logs postfix"
        assert_contains "$(cat "$T/out")" "status=sent (delivered to mailbox)" "postfix's log"
        # The blog's sandbox has none of it.
        ! svc exec blog test -e /var/mail/alice || fail "the blog sees the mail volume"

        # Three OpenSSL versions: bullseye's 1.1, trixie's 3.x, and the host's, each different.
        local blog mail host
        blog=$(run_printed "exec blog openssl version") || fail "svc exec blog openssl version"
        mail=$(run_printed "exec mail openssl version") || fail "svc exec mail openssl version"
        host=$(run_printed "  openssl version") || fail "openssl version"
        assert_contains "$blog" "OpenSSL 1.1.1" "the blog's OpenSSL"
        assert_contains "$mail" "OpenSSL 3." "the mail's OpenSSL"
        [ "$blog" != "$host" ] && [ "$mail" != "$host" ] && [ "$blog" != "$mail" ] ||
                fail "the versions do not differ: blog '$blog', mail '$mail', host '$host'"
        stop_svcd || fail "svcd exited with $?"
}

run_tests "$@"
