#!/usr/bin/env bash
# duration: 108 (seconds on the ASan build: tests/integration/run.sh starts the longest first)
# The path keys and the service's own /var, from inside real services (issue 14, "Paths"; issue
# 15, a writable persistent /var): what a daemon writes under /var persists per service, while the
# tree stays read-only and shared; ReadWritePaths=, ReadOnlyPaths=, InaccessiblePaths=,
# TemporaryFileSystem=, CacheDirectory=, the *DirectoryMode= keys, ProtectHome=.
. "$(dirname "$0")/lib.sh"

SRC=$(cd "$(dirname "$0")/../.." && pwd)

logof() { cat "$T/var/log/svc/$1/current" 2>/dev/null; }

# A busybox tree with what a packaged daemon finds: /var/lib and /var/log of its own, a file
# under /var the package shipped, /etc/app of the package.
make_tree() {
        "$SRC/contrib/mktree.sh" "$T/var/lib/svc/trees/bb" --busybox >/dev/null
        mkdir -p "$T/var/lib/svc/trees/bb/var/lib/app" "$T/var/lib/svc/trees/bb/etc/app" \
                "$T/var/lib/svc/trees/bb/var/cache" "$T/var/lib/svc/trees/bb/srv/data"
        echo shipped >"$T/var/lib/svc/trees/bb/var/lib/app/shipped"
        echo conf >"$T/var/lib/svc/trees/bb/etc/app/app.conf"
        echo secret-xyz >"$T/var/lib/svc/trees/bb/srv/data/f"
}

tree_sum() {
        (cd "$T/var/lib/svc/trees/bb" && find . -print0 | sort -z | xargs -0 stat -c '%n %a %u %s %Y' | md5sum)
}

# oneshot NAME [KEYS...]: a unit on the tree whose command is the last argument.
oneshot() {
        local name=$1 cmd=${*: -1} keys=("${@:2:$#-2}") k
        {
                printf '[Service]\nType=oneshot\nRootDirectory=bb\n'
                for k in "${keys[@]}"; do printf '%s\n' "$k"; done
                printf 'ExecStart=/bin/sh -c %s\n' "'${cmd//%/%%}'"
        } | unit_isolated "$name"
}

run_ok() {
        svc start "$1" || fail "$1 failed: $(logof "$1")"
}

# A daemon writes /var/lib/x and /var/log/y without declaring anything: the files persist across
# restarts of the service and of svcd; another service on the same tree does not see them; the
# tree is unchanged, file for file.
test_var_is_writable_persistent_and_private() {
        make_tree
        local before
        before=$(tree_sum)
        oneshot writer 'mkdir -p /var/lib/x /var/log/y; n=$(cat /var/lib/x/count 2>/dev/null || echo 0); echo $((n+1)) >/var/lib/x/count; echo line >>/var/log/y/file; cat /var/lib/app/shipped; echo "count $(cat /var/lib/x/count)"'
        oneshot other 'ls /var/lib/x 2>&1; ls /var/log/y 2>&1; echo other-done'
        start_svcd
        run_ok writer
        run_ok writer
        assert_contains "$(logof writer)" "count 2" "the second run"
        assert_contains "$(logof writer)" "shipped" "the tree's own /var file"
        stop_svcd || :
        start_svcd
        run_ok writer
        assert_contains "$(logof writer)" "count 3" "after svcd restarted"
        assert_eq 3 "$(wc -l <"$T/var/lib/svc/var/writer/upper/log/y/file")" "the log file kept on the host"
        run_ok other
        assert_contains "$(logof other)" "No such file or directory" "the other service's view"
        assert_not_contains "$(logof other)" "count" "the other service's view"
        assert_eq "$before" "$(tree_sum)" "the tree's checksum"
        [ ! -e "$T/var/lib/svc/trees/bb/var/lib/x" ] || fail "the tree was written"
        # What a root service leaves there (a setuid program, say) is out of other users' reach.
        assert_eq 700 "$(stat -c %a "$T/var/lib/svc/var")" "var/lib/svc/var"
        assert_eq 700 "$(stat -c %a "$T/var/lib/svc/var/writer")" "var/lib/svc/var/writer"
}

# Without a tree (the host view), /var is the service's own too, over nothing of the host's.
test_host_view_var_is_its_own() {
        unit_isolated hv <<'EOF2'
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'mkdir -p /var/lib/hv; echo x >>/var/lib/hv/f; echo "n $(wc -l </var/lib/hv/f) $(ls /var | tr "\n" " ")"'
EOF2
        start_svcd
        run_ok hv
        run_ok hv
        assert_contains "$(logof hv)" "n 2 lib tmp" "the host view's /var"
}

# A new generation of the tree (svc tree upgrade moves the name): the service keeps what it
# wrote, and sees the new tree's files below it.
test_var_survives_a_new_tree_generation() {
        make_tree
        oneshot keeper 'echo mine >>/var/lib/app/mine; cat /var/lib/app/mine | wc -l; cat /var/lib/app/shipped'
        start_svcd
        run_ok keeper
        # A second generation, as svc tree upgrade makes it: a copy, then the name moves.
        cp -a "$T/var/lib/svc/trees/bb" "$T/var/lib/svc/trees/bb.2"
        echo shipped-v2 >"$T/var/lib/svc/trees/bb.2/var/lib/app/shipped"
        mv "$T/var/lib/svc/trees/bb" "$T/var/lib/svc/trees/bb.1"
        ln -s bb.2 "$T/var/lib/svc/trees/bb"
        run_ok keeper
        local log
        log=$(logof keeper)
        assert_contains "$log" "shipped-v2" "the new generation's file"
        assert_contains "$log" "2" "the service's own file, kept"
}

# VarOverlay=none: the tree's /var, read-only as before.
test_var_overlay_none_is_read_only() {
        make_tree
        oneshot ro VarOverlay=none 'touch /var/lib/app/x 2>&1; echo done'
        start_svcd
        run_ok ro
        assert_contains "$(logof ro)" "Read-only file system" "VarOverlay=none"
}

# ReadWritePaths= of a directory of the tree outside /var: a layer of the service's own, seeded
# from the tree, kept; ReadOnlyPaths= of a writable path: EROFS; InaccessiblePaths=: hidden.
test_read_write_read_only_inaccessible() {
        make_tree
        oneshot paths 'ReadWritePaths=/etc/app -/nonexistent' 'ReadOnlyPaths=/var/lib/app' \
                'InaccessiblePaths=/srv/data' \
                'cat /etc/app/app.conf; echo changed >>/etc/app/app.conf; wc -l </etc/app/app.conf; touch /var/lib/app/new 2>&1; ls /srv/data; cat /srv/data/f 2>&1; echo end'
        start_svcd
        run_ok paths
        run_ok paths
        local log
        log=$(logof paths)
        assert_contains "$log" "3" "/etc/app/app.conf kept across runs (conf + 2 lines)"
        assert_contains "$log" "Read-only file system" "ReadOnlyPaths="
        assert_not_contains "$log" "secret-xyz" "InaccessiblePaths= (a file of it)"
        assert_eq conf "$(cat "$T/var/lib/svc/trees/bb/etc/app/app.conf")" "the tree's file"
        assert_eq 3 "$(wc -l <"$T/var/lib/svc/paths/paths/etc-app/upper/app.conf")" "the layer on the host"
        # As a user without capabilities, the hidden directory cannot even be listed.
        oneshot hidden User=nobody InaccessiblePaths=/srv/data 'ls /srv/data 2>&1; echo end'
        run_ok hidden
        assert_contains "$(logof hidden)" "Permission denied" "InaccessiblePaths= for nobody"
}

# ReadOnlyPaths=/ with ReadWritePaths= below it (tor's and redis's units): those stay writable,
# nothing else is; NoExecPaths=/ with ExecPaths=: only those run.
test_read_only_root_keeps_read_write_paths() {
        make_tree
        oneshot tor 'ReadOnlyDirectories=/' 'ReadWriteDirectories=-/var/lib/app -/proc -/run' \
                'touch /var/lib/app/ok && echo rw-ok; touch /tmp/x 2>&1; touch /run/y && echo run-ok'
        oneshot noexec 'NoExecPaths=/' 'ExecPaths=/bin /usr/lib' 'BindPaths=/bin/busybox:/srv/bb' \
                'cp /bin/echo /tmp/e 2>/dev/null; /srv/bb echo ran 2>&1; echo end'
        start_svcd
        run_ok tor
        local log
        log=$(logof tor)
        assert_contains "$log" "rw-ok" "ReadWriteDirectories= under ReadOnlyDirectories=/"
        assert_contains "$log" "run-ok" "/run"
        assert_contains "$log" "/tmp/x: Read-only file system" "/tmp under ReadOnlyDirectories=/"
        run_ok noexec
        assert_contains "$(logof noexec)" "Permission denied" "a program outside ExecPaths="
        assert_not_contains "$(logof noexec)" "ran" "a program outside ExecPaths="
}

# TemporaryFileSystem= gives an empty tmpfs; CacheDirectory= persists; the *DirectoryMode= keys
# give the modes.
test_tmpfs_cache_and_modes() {
        make_tree
        oneshot dirs 'TemporaryFileSystem=/srv:mode=0710' 'CacheDirectory=app' 'CacheDirectoryMode=0750' \
                'StateDirectory=st' 'StateDirectoryMode=0700' 'LogsDirectory=lg' 'LogsDirectoryMode=0710' \
                'RuntimeDirectory=rt' 'RuntimeDirectoryMode=2755' \
                'echo "srv: $(ls -A /srv | wc -l) $(stat -c %a /srv)"; echo c >>/var/cache/app/c; echo "cache $(wc -l </var/cache/app/c)"; echo "modes $(stat -c %a /var/cache/app /var/lib/st /var/log/lg /run/rt | tr "\n" " ")"'
        start_svcd
        run_ok dirs
        run_ok dirs
        local log
        log=$(logof dirs)
        assert_contains "$log" "srv: 0 710" "TemporaryFileSystem="
        assert_contains "$log" "cache 2" "CacheDirectory= across runs"
        assert_contains "$log" "modes 750 700 710 2755" "the *DirectoryMode= keys"
        assert_eq c "$(head -1 "$T/var/lib/svc/cache/app/c")" "the cache on the host"
}

# ProtectHome=yes hides /home and /root, tmpfs shows them empty; ConfigurationDirectory= is the
# tree's /etc/DIR, and a missing one fails the start with a sentence.
test_protect_home_and_configuration_directory() {
        make_tree
        mkdir -p "$T/var/lib/svc/trees/bb/home/u"
        oneshot home ProtectHome=yes ConfigurationDirectory=app User=nobody \
                'ls /home 2>&1; cat /etc/app/app.conf; touch /etc/app/x 2>&1; echo end'
        oneshot home2 ProtectHome=tmpfs 'echo "entries $(ls -A /home | wc -l)"'
        oneshot noconf ConfigurationDirectory=missing 'echo never'
        start_svcd
        run_ok home
        local log
        log=$(logof home)
        assert_contains "$log" "Permission denied" "ProtectHome=yes"
        assert_contains "$log" "conf" "ConfigurationDirectory="
        assert_contains "$log" "Read-only file system" "ConfigurationDirectory= is read-only"
        run_ok home2
        assert_contains "$(logof home2)" "entries 0" "ProtectHome=tmpfs"
        local rc=0
        svc start noconf >/dev/null 2>&1 || rc=$?
        [ $rc -ne 0 ] || fail "a missing ConfigurationDirectory= started"
        assert_contains "$(svc status noconf)" "tree bb has no directory /etc/missing" "svc status"
}

run_tests "$@"
