#!/usr/bin/env bash
# Health-gated tree upgrades (issue 17): svc tree upgrade moves each running service of the tree
# through svcd's gate; the one a new package breaks goes back to the generation it ran on, alone,
# pinned there with the reason in svc status and a notification, while the others stay upgraded
# and its dependant runs. The tree is the cached bullseye tree (contrib/test-trees.sh) made with
# svc tree create; its only apt source is a local file: repository of the test.
. "$(dirname "$0")/lib.sh"

CACHE=${SVC_TEST_TREES:-/var/cache/svc/test-trees}/bullseye-minbase-v1.tar
TREES=var/lib/svc/trees

tree_path() {
        svc status --json "$1" | sed -n 's/.*"tree_path":"\([^"]*\)".*/\1/p'
}

health_is() {
        svc status --json "$1" | grep -q "\"health\":\"$2\""
}

# bull_tree: bullseye minbase as tree bull, through svc tree create with a stand-in debootstrap
# that replays the cached tree (as test-trees.sh does: no traffic leaves the machine).
bull_tree() {
        [ -s "$CACHE" ] || fail "the cached Debian tree $CACHE is missing: contrib/test-trees.sh builds it (make deps runs it)"
        mkdir -p "$T/bin"
        printf '#!/bin/sh\nfor a; do target=$prev; prev=$a; done\nexec tar -C "$target" -xf "%s"\n' "$CACHE" >"$T/bin/debootstrap"
        chmod +x "$T/bin/debootstrap"
        ln -sf debootstrap "$T/bin/mmdebstrap"
        # In memory: three generations of 150 MB are copied and removed in a fraction of the time.
        mkdir -p "$T/$TREES"
        mount -t tmpfs -o size=1g,mode=0700 svct-trees "$T/$TREES" || fail "tmpfs for the trees"
        PATH="$T/bin:$PATH" svc tree create bull --debian bullseye --variant minbase >"$T/create.out" 2>&1 ||
                fail "svc tree create failed: $(cat "$T/create.out")"
}

# testlib VERSION FILES...: svc-testlib VERSION as $T/debs/svc-testlib_VERSION_all.deb, shipping
# /usr/share/svc-testlib/FILE for each FILE (what the services' probes look for).
testlib() {
        local v=$1 pkg=$T/pkg-$1 f
        shift
        mkdir -p "$pkg/DEBIAN" "$pkg/usr/share/svc-testlib" "$T/debs"
        printf 'Package: svc-testlib\nVersion: %s\nArchitecture: all\nMaintainer: svc <svc@localhost>\nDescription: svc test library\n' "$v" >"$pkg/DEBIAN/control"
        for f; do echo "$v" >"$pkg/usr/share/svc-testlib/$f"; done
        dpkg-deb --root-owner-group --build "$pkg" "$T/debs/svc-testlib_${v}_all.deb" >/dev/null || fail "dpkg-deb $v"
}

# publish VERSION: the tree's file: repository offers svc-testlib VERSION (in the current
# generation, which apt's copy in the next one reads).
publish() {
        local repo=$T/$TREES/bull/srv/repo
        mkdir -p "$repo"
        rm -f "$repo"/*.deb
        cp "$T/debs/svc-testlib_$1_all.deb" "$repo/"
        (cd "$repo" && dpkg-scanpackages . /dev/null >Packages 2>/dev/null) || fail "dpkg-scanpackages"
        echo 'deb [trusted=yes] file:/srv/repo ./' >"$T/$TREES/bull/etc/apt/sources.list"
}

# Units a and b on tree bull, each healthy while its file of svc-testlib is there; dep (on the
# host) requires a; tell@ records what a's OnFailure= is told.
gated_units() {
        local n
        for n in a b; do
                unit_isolated "$n" <<EOF
[Unit]
OnFailure=tell@%n.service
[Service]
RootDirectory=bull
ExecStart=/bin/sleep 1000
HealthCmd=/bin/test -e /usr/share/svc-testlib/$n-works
HealthInterval=200ms
HealthRetries=2
HealthTimeout=2s
EOF
        done
        unit_isolated dep <<EOF
[Unit]
Requires=a
After=a
[Service]
ExecStart=/bin/sleep 1000
EOF
        unit tell@ <<EOF
[Service]
Type=oneshot
Restart=no
ExecStart=/bin/sh -c 'echo "\$\$MONITOR_UNIT \$\$MONITOR_EVENT \$\$MONITOR_REASON" >> $T/told'
EOF
}

test_upgrade_pins_the_service_it_breaks_and_moves_the_other() {
        bull_tree
        testlib 1.0 a-works b-works
        testlib 2.0 b-works
        testlib 2.1 a-works b-works
        cp "$T/debs/svc-testlib_1.0_all.deb" "$T/$TREES/bull/tmp/"
        chroot "$T/$TREES/bull" dpkg -i /tmp/svc-testlib_1.0_all.deb >/dev/null || fail "dpkg -i svc-testlib 1.0"
        rm "$T/$TREES/bull/tmp/svc-testlib_1.0_all.deb"
        publish 2.0
        gated_units
        start_svcd
        svc start a b dep || fail "start failed: $(svc status a b dep)"
        wait_until 10 health_is a healthy || fail "a is not healthy: $(svc status a)"
        wait_until 10 health_is b healthy || fail "b is not healthy: $(svc status b)"

        local out rc=0
        out=$(svc tree outdated 2>&1) || fail "svc tree outdated failed: $out"
        assert_contains "$out" "bull (generation 1): 1 update pending, 0 of them security"
        assert_contains "$out" "  svc-testlib 1.0 -> 2.0 ("
        assert_contains "$out" "  unit a, running on generation 1"
        assert_contains "$out" "  unit b, running on generation 1"
        out=$(svc tree outdated bull --json) || fail "svc tree outdated --json failed: $out"
        assert_contains "$out" '"packages":[{"name":"svc-testlib","installed":"1.0","available":"2.0",'
        assert_contains "$out" '"security":false}]'
        assert_contains "$out" '{"name":"a","running":true,"generation":1}'
        # Its apt lists were refreshed in memory: the generation the services run on is unchanged.
        [ -z "$(find "$T/$TREES/.bull/1/var/lib/apt/lists" -name '*repo*')" ] || fail "outdated wrote apt lists into generation 1"

        out=$(svc tree upgrade bull 2>&1) || rc=$?
        assert_eq 1 "$rc" "svc tree upgrade's exit status when a unit was pinned: $out"
        assert_contains "$out" "generation 2 is current, upgraded from 1: svc-testlib 1.0 -> 2.0"
        assert_contains "$out" "b: moved, on generation 2."
        assert_contains "$out" "a: pinned after the upgrade to 2 failed: unhealthy: "
        assert_contains "$out" "dep (depends on a pinned unit): running."
        assert_eq "$T/$TREES/.bull/2" "$(tree_path b)" "b's generation"
        assert_eq "$T/$TREES/.bull/1" "$(tree_path a)" "a's generation"
        wait_until 10 health_is a healthy || fail "a is not healthy on generation 1: $(svc status a)"
        assert_eq 1.0 "$(svc exec a cat /usr/share/svc-testlib/a-works)" "a's package"
        assert_eq 2.0 "$(svc exec b cat /usr/share/svc-testlib/b-works)" "b's package"
        assert_contains "$(svc status a)" "Tree: on generation 1 of tree bull (pinned after the upgrade to 2 failed: unhealthy: 2 probes failed in a row"
        assert_eq running "$(state dep)" "a's dependant"
        wait_until 5 grep -q "^a pinned pinned after the upgrade to 2 failed: unhealthy" "$T/told" ||
                fail "a's OnFailure= was not told: $(cat "$T/told" 2>&1)"
        assert_not_contains "$(cat "$T/told")" "b " "what b's OnFailure= was told"
        out=$(svc tree outdated 2>&1) || fail "svc tree outdated after the upgrade failed: $out"
        assert_eq "Every Debian tree is up to date." "$out" "svc tree outdated after the upgrade"
        out=$(svc tree log bull)
        assert_contains "$out" "upgrade, generation 1 -> 2: svc-testlib 1.0 -> 2.0"
        assert_contains "$out" "moved      b: on generation 2"
        assert_contains "$out" "pinned     a: pinned after the upgrade to 2 failed: unhealthy"

        # A fixed package: b moves on, a stays pinned (generation 1 is kept for it) until unpinned.
        publish 2.1
        out=$(svc tree upgrade bull --min-healthy=1s 2>&1) || fail "the second upgrade failed: $out"
        assert_contains "$out" "b: moved, on generation 3."
        assert_not_contains "$out" "a:" "the second upgrade's output"
        assert_eq "1 2 3 manifest.json" "$(ls "$T/$TREES/.bull" | tr '\n' ' ' | sed 's/ $//')" "generations kept"
        assert_eq "$T/$TREES/.bull/1" "$(tree_path a)" "a's generation after the second upgrade"
        out=$(svc tree unpin a --min-healthy=1s 2>&1) || fail "svc tree unpin a failed: $out"
        assert_contains "$out" "a: moved, on generation 3."
        assert_eq "$T/$TREES/.bull/3" "$(tree_path a)" "a's generation after unpin"
        assert_not_contains "$(svc status a)" "Tree: on generation" "a's status after unpin"
        assert_eq "2 3 manifest.json" "$(ls "$T/$TREES/.bull" | tr '\n' ' ' | sed 's/ $//')" "generations kept after unpin"
        assert_eq running "$(state dep)" "a's dependant after unpin"
}

# whole_generations: tree bull points at a whole generation, and a and b run on whole ones.
whole_generations() {
        local cur n p
        cur=$(readlink "$T/$TREES/bull")
        [[ $cur =~ ^\.bull/[0-9]+$ ]] && [ -f "$T/$TREES/$cur/etc/debian_version" ] || fail "bull points at '$cur'"
        for n in a b; do
                p=$(tree_path "$n")
                [[ $p =~ ^$T/$TREES/\.bull/[0-9]+$ ]] && [ -f "$p/etc/debian_version" ] || fail "$n runs on '$p'"
                assert_eq running "$(state "$n")" "$n's state"
        done
}

# An upgrade killed at each step (the test hook SVC_TREE_TEST_CRASH) leaves every service on a
# whole generation; the next upgrade removes what it left and moves the units it did not; killed
# while svcd moves the units, svcd finishes alone; a second upgrade of the tree meanwhile is refused.
test_upgrade_killed_at_each_step_leaves_whole_generations() {
        bull_tree
        testlib 1.0 a-works b-works
        testlib 2.0 a-works b-works
        testlib 2.1 a-works b-works
        cp "$T/debs/svc-testlib_1.0_all.deb" "$T/$TREES/bull/tmp/"
        chroot "$T/$TREES/bull" dpkg -i /tmp/svc-testlib_1.0_all.deb >/dev/null || fail "dpkg -i svc-testlib 1.0"
        rm "$T/$TREES/bull/tmp/svc-testlib_1.0_all.deb"
        publish 2.0
        gated_units
        start_svcd
        svc start a b || fail "start failed: $(svc status a b)"
        local p rc out
        for p in copied upgraded switched; do
                rc=0
                out=$(SVC_TREE_TEST_CRASH=$p svc tree upgrade bull 2>&1) || rc=$?
                assert_eq 137 "$rc" "the exit status of svc tree upgrade killed at $p: $out"
                assert_contains "$out" "SVC_TREE_TEST_CRASH=$p: killed here"
                whole_generations
        done
        assert_eq .bull/2 "$(readlink "$T/$TREES/bull")" "the generation after the kill at the switch"
        assert_eq "$T/$TREES/.bull/1" "$(tree_path a)" "a after the kill at the switch"
        out=$(svc tree upgrade bull --min-healthy=1s 2>&1) || fail "the upgrade after the kills failed: $out"
        assert_contains "$out" "Tree bull is up to date: generation 2 stays."
        assert_contains "$out" "a: moved, on generation 2."
        assert_contains "$out" "b: moved, on generation 2."
        whole_generations
        assert_eq "1 2 manifest.json" "$(ls "$T/$TREES/.bull" | tr '\n' ' ' | sed 's/ $//')" "what the kills left, removed"
        assert_contains "$(svc tree log bull)" "finish, generation 1 -> 2"

        # svc tree upgrade killed once svcd has the request: svcd moves the units to the end, and
        # the tree stays locked for no one.
        publish 2.1
        rc=0
        out=$(SVC_TREE_TEST_CRASH=moving svc tree upgrade bull --min-healthy=1s 2>&1) || rc=$?
        assert_eq 1 "$rc" "the exit status when the request to svcd ended early: $out"
        assert_contains "$out" "svcd carries on with the units it was given"
        wait_until 10 test "$(tree_path a)" = "$T/$TREES/.bull/3" || fail "a did not move onto generation 3: $(tree_path a)"
        wait_until 10 test "$(tree_path b)" = "$T/$TREES/.bull/3" || fail "b did not move onto generation 3: $(tree_path b)"
        wait_until 10 grep -q "b: runs on generation 3 of tree bull, healthy" "$T/svcd.log" || fail "svcd did not finish the move"

        # Two upgrades of one tree at once: the second is refused with a sentence.
        rm -f "$T/$TREES/bull/srv/repo/"*.deb
        svc tree upgrade bull >"$T/first.out" 2>&1 &
        local first=$!
        wait_until 10 test -d "$T/$TREES/.bull/4.new" || fail "the first upgrade did not begin: $(cat "$T/first.out")"
        rc=0
        out=$(svc tree upgrade bull 2>&1) || rc=$?
        assert_eq 1 "$rc" "the exit status of the second upgrade: $out"
        assert_eq "svc tree: another svc tree command is working on tree bull" "$out" "the second upgrade"
        wait "$first" || fail "the first upgrade failed: $(cat "$T/first.out")"
        assert_contains "$(cat "$T/first.out")" "Tree bull is up to date: generation 3 stays."
        whole_generations
}

run_tests "$@"
