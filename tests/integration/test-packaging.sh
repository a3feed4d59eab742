#!/usr/bin/env bash
# duration: 58 (seconds on the ASan build: tests/integration/run.sh starts the longest first)
# What a newcomer meets first: the manual pages (they render, svc(1) covers every command of
# `svc --help`, svc.unit(5) every key of the key table), the bash completion (against a real
# svcd), `svc --version`. With SVC_DEB=PACKAGE.deb (make check-deb), also the Debian package: its
# programs run from a throw-away root, its postinst makes the svc group, lintian finds no error.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
TOP=$(cd "$(dirname "$0")/../.." && pwd)
PAGES="svc.1 svc-tree.1 svcd.8 svc.unit.5"

# The version debian/changelog gives (the one place it is written).
version() {
        sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' "$TOP/debian/changelog"
}

# render_clean PAGE: man(1) renders it, and groff says nothing.
render_clean() {
        local err
        err=$(MANWIDTH=80 man --warnings -E UTF-8 -l "$1" 2>&1 >/dev/null) || fail "man cannot render $1: $err"
        [ -z "$err" ] || fail "man warns about $1: $err"
}

test_man_pages_render_without_warnings() {
        local p
        for p in $PAGES; do
                [ -s "$BUILD/man/$p" ] || fail "$BUILD/man/$p was not built (make man)"
                render_clean "$BUILD/man/$p"
        done
}

test_man_svc_has_a_section_for_every_command() {
        local cmds c headings
        # The commands of `svc --help`: the first word of each line between "Units:" and the blank line.
        cmds=$("$SVC" --help | awk '/^Units:/ { on = 1; next } on && !NF { exit } on && /^  [a-z]/ { print $1 }' | tr '|' ' ')
        [ "$(echo "$cmds" | wc -w)" -ge 15 ] || fail "svc --help lists too few commands: $cmds"
        headings=$(sed -n 's/^\.SS //p' "$BUILD/man/svc.1" | sed 's/\\-/-/g' | tr -d '"' | tr ',' ' ')
        for c in $cmds; do
                echo "$headings" | grep -qE "(^| )$c( |$)" || fail "svc(1) has no section for svc $c"
        done
}

test_man_svc_unit_has_every_key_with_its_class() {
        local text n=0 section key class
        text=$(MANWIDTH=200 man -E UTF-8 -l "$BUILD/man/svc.unit.5" 2>/dev/null)
        assert_not_contains "$text" "Not described in units/README.md" "svc.unit(5)"
        while read -r section key class; do
                n=$((n + 1))
                case $class in
                implemented) class="(implemented)" ;;
                implied) class="(implied by the sandbox)" ;;
                metadata) class="(metadata)" ;;
                unsupported) class="(known, " ;;
                *) class="" ;;
                esac
                # The key's entry: "KEY= (CLASS)" below its section's heading.
                echo "$text" | awk -v s="[$section]" -v k="$key $class" \
                        'index($0, s) == 4 { on = 1; next } /^   \[/ { on = 0 } on && index($0, k) { found = 1 } END { exit !found }' ||
                        fail "svc.unit(5) lacks $key in [$section] as $class"
        done < <("$BUILD/keys-man" --list)
        [ "$n" -gt 150 ] || fail "keys-man --list printed $n keys"
}

test_svc_version_is_debian_changelog_version() {
        assert_eq "svc $(version)" "$("$SVC" --version)" "svc --version"
        assert_contains "$("$SVC" --help)" "--version" "svc --help"
}

# complete WORD...: COMPREPLY of _svc for the command line WORD... (the last word is completed).
complete_words() {
        (
                # shellcheck source=contrib/completion/svc.bash
                . "$TOP/contrib/completion/svc.bash"
                COMP_WORDS=("$@")
                COMP_CWORD=$(($# - 1))
                _svc
                printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '
        )
}

test_completion_of_commands_and_options() {
        assert_eq "start status stop " "$(complete_words "$SVC" st)" "svc st<TAB>"
        assert_eq "reload reload-units " "$(complete_words "$SVC" --root "$T" rel)" "svc --root T rel<TAB>"
        assert_eq "--help --root --version " "$(complete_words "$SVC" --)" "svc --<TAB>"
        assert_eq "--json " "$(complete_words "$SVC" list --)" "svc list --<TAB>"
        assert_eq "rm rollback " "$(complete_words "$SVC" tree r)" "svc tree r<TAB>"
        assert_eq "unpin upgrade " "$(complete_words "$SVC" tree u)" "svc tree u<TAB>"
        assert_eq "--rollback " "$(complete_words "$SVC" reload-units --r)" "svc reload-units --r<TAB>"
        assert_eq "kube oci-bundle oci-image " "$(complete_words "$SVC" export web --to "")" "svc export web --to <TAB>"
        assert_eq "--image " "$(complete_words "$SVC" import-kube pod.yaml --)" "svc import-kube pod.yaml --<TAB>"
}

test_completion_of_unit_and_tree_names_from_a_running_svcd() {
        local u
        for u in alpha beta web@; do
                unit "$u" <<'UNIT'
[Service]
ExecStart=/bin/sleep 1000
UNIT
        done
        mkdir -p "$T/var/lib/svc/trees/plain-tree/bin"
        start_svcd
        svc start alpha || fail "alpha did not start"
        assert_eq "alpha beta " "$(complete_words "$SVC" --root "$T" status "")" "svc status <TAB>"
        assert_eq "beta " "$(complete_words "$SVC" --root="$T" stop b)" "svc stop b<TAB>"
        assert_eq "alpha beta " "$(SVC_ROOT=$T complete_words "$SVC" logs "")" "SVC_ROOT=T svc logs <TAB>"
        assert_eq "plain-tree " "$(complete_words "$SVC" --root "$T" run --tree "")" "svc run --tree <TAB>"
        assert_eq "plain-tree " "$(complete_words "$SVC" --root "$T" tree rm p)" "svc tree rm p<TAB>"
}

# ---- the Debian package (make check-deb) -----------------------------------------------------

if [ -n "${SVC_DEB:-}" ]; then
        test_deb_runs_from_a_throw_away_root() {
                local r=$T/pkg p
                dpkg-deb -x "$SVC_DEB" "$r" || fail "dpkg-deb -x $SVC_DEB"
                assert_eq "svc $(version)" "$("$r/usr/bin/svc" --version)" "the package's svc --version"
                "$r/usr/sbin/svcd" --help >"$T/help" || fail "the package's svcd --help failed"
                assert_contains "$(cat "$T/help")" "--root DIR" "svcd --help"
                # svc finds its helpers in ../libexec/svc, as installed.
                assert_contains "$("$r/usr/bin/svc" --root "$T/x" tree --help)" "create NAME" "svc tree --help"
                mkdir -p "$T/units"
                printf '[Service]\nExecStart=/bin/true\n' >"$T/units/ok.unit"
                "$r/usr/bin/svc" --root "$T/x" check "$T/units/ok.unit" >/dev/null || fail "the package's svc check failed"
                for p in man1/svc.1 man1/svc-tree.1 man5/svc.unit.5 man8/svcd.8; do
                        render_clean "$r/usr/share/man/$p.gz"
                done
                [ -s "$r/usr/share/bash-completion/completions/svc" ] || fail "no bash completion in the package"
                # svcd runs it for a unit with SystemCallFilter= and the other hardening keys.
                [ -x "$r/usr/libexec/svc/svc-seccomp" ] || fail "no svc-seccomp in the package"
                assert_contains "$("$r/usr/bin/svc" --root "$T/x" export --help)" "oci-bundle" "svc export --help"
                [ -s "$r/usr/share/svc/examples/blog.unit" ] || fail "no example units in the package"
                grep -qx "ExecStart=/usr/sbin/svcd" "$r/lib/systemd/system/svcd.service" ||
                        fail "svcd.service does not run /usr/sbin/svcd: $(cat "$r/lib/systemd/system/svcd.service")"
        }

        # The postinst, twice, against a copy of /etc in a mount namespace of its own: it makes the
        # group svc once and succeeds again when it is there.
        test_deb_postinst_makes_the_svc_group_and_is_idempotent() {
                dpkg-deb -e "$SVC_DEB" "$T/ctl" || fail "dpkg-deb -e $SVC_DEB"
                cp -a /etc "$T/etc"
                sed -i '/^svc:/d' "$T/etc/group" "$T/etc/gshadow"
                mkdir -p "$T/varlib"
                unshare --mount --propagation private sh -ec '
                        mount --bind "$1/etc" /etc
                        mount --bind "$1/varlib" /var/lib/systemd 2>/dev/null || true
                        if [ -d /run/systemd ]; then mount -t tmpfs tmpfs /run/systemd; fi
                        sh "$1/ctl/postinst" configure ""
                        sh "$1/ctl/postinst" configure 0.1.0' sh "$T" >"$T/postinst.log" 2>&1 ||
                        fail "postinst failed: $(cat "$T/postinst.log")"
                grep -q '^svc:' "$T/etc/group" || fail "postinst made no group svc"
                assert_eq 1 "$(grep -c '^svc:' "$T/etc/group")" "svc groups in /etc/group"
        }

        test_deb_lintian_finds_no_error() {
                lintian --fail-on error "${SVC_DEB_CHANGES:-$SVC_DEB}" >"$T/lintian.log" 2>&1 ||
                        fail "lintian: $(cat "$T/lintian.log")"
        }
fi

run_tests "$@"
