#!/usr/bin/env bash
# duration: 211 (seconds on the ASan build: tests/integration/run.sh starts the longest first)
# Health-gated tree upgrades (issue 17): svc tree upgrade moves each running service of the tree
# through svcd's gate; the one a new package breaks goes back to the generation it ran on, alone,
# pinned there with the reason in svc status and a notification, while the others stay upgraded
# and its dependant runs. The tree is the cached bullseye tree (contrib/test-trees.sh) made with
# svc tree create; its only apt source is a local file: repository of the test.
. "$(dirname "$0")/lib.sh"

SRC=$(cd "$(dirname "$0")/../.." && pwd)
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
        # Documentation and translations are a third of the tree and of each upgrade's copy.
        rm -rf "$T/$TREES/bull/usr/share/"{doc,man,locale,info}
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

# security_release: the repository says it is Debian's security suite (a Release file, as
# security.debian.org's, with the hash of its Packages).
security_release() {
        local repo=$T/$TREES/bull/srv/repo
        {
                printf 'Origin: Debian\nLabel: Debian-Security\nSuite: bullseye-security\nCodename: bullseye-security\nSHA256:\n'
                printf ' %s %s Packages\n' "$(sha256sum "$repo/Packages" | cut -d' ' -f1)" "$(stat -c %s "$repo/Packages")"
        } >"$repo/Release"
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
        assert_contains "$(svc status a)" "Pinned: on generation 1 of tree bull (pinned after the upgrade to 2 failed: unhealthy: 2 probes failed in a row"
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
        assert_not_contains "$(svc status a)" "Pinned:" "a's status after unpin"
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

# running_on_testlib_1: tree bull with svc-testlib 1.0 installed and 2.0 published in its
# repository, the gated units a and b on it, running.
running_on_testlib_1() {
        bull_tree
        testlib 1.0 a-works b-works
        testlib 2.0 a-works b-works
        cp "$T/debs/svc-testlib_1.0_all.deb" "$T/$TREES/bull/tmp/"
        chroot "$T/$TREES/bull" dpkg -i /tmp/svc-testlib_1.0_all.deb >/dev/null || fail "dpkg -i svc-testlib 1.0"
        rm "$T/$TREES/bull/tmp/svc-testlib_1.0_all.deb"
        publish 2.0
        gated_units
        start_svcd
        svc start a b || fail "start failed: $(svc status a b)"
}

# An upgrade killed at each step (the test hook SVC_TREE_TEST_CRASH) leaves every service on a
# whole generation; the next upgrade removes what it left and moves the units it did not; killed
# while svcd moves the units, svcd finishes alone; the nightly timer's command upgrades only for
# security updates; a second upgrade of the tree meanwhile is refused.
test_upgrade_killed_at_each_step_leaves_whole_generations() {
        running_on_testlib_1
        local p rc out
        for p in copied switched; do
                rc=0
                out=$(SVC_TREE_TEST_CRASH=$p svc tree upgrade bull 2>&1) || rc=$?
                assert_eq 137 "$rc" "the exit status of svc tree upgrade killed at $p: $out"
                assert_contains "$out" "SVC_TREE_TEST_CRASH=$p: killed here"
                whole_generations
        done
        assert_eq .bull/2 "$(readlink "$T/$TREES/bull")" "the generation after the kill at the switch"
        assert_eq "$T/$TREES/.bull/1" "$(tree_path a)" "a after the kill at the switch"
        # The next upgrade finds the tree up to date and asks svcd to move the units the killed
        # one left behind; killed once svcd has the request, svcd moves them to the end alone.
        rc=0
        out=$(SVC_TREE_TEST_CRASH=moving svc tree upgrade bull --min-healthy=1s 2>&1) || rc=$?
        assert_eq 1 "$rc" "the exit status when the request to svcd ended early: $out"
        assert_contains "$out" "Tree bull is up to date: generation 2 stays."
        assert_contains "$out" "Moving onto generation 2, each watched until it is ready and healthy: a, b."
        assert_contains "$out" "svcd carries on with the units it was given"
        wait_until 10 test "$(tree_path a)" = "$T/$TREES/.bull/2" || fail "a did not move onto generation 2: $(tree_path a)"
        wait_until 10 test "$(tree_path b)" = "$T/$TREES/.bull/2" || fail "b did not move onto generation 2: $(tree_path b)"
        wait_until 10 grep -q "b: runs on generation 2 of tree bull, healthy" "$T/svcd.log" || fail "svcd did not finish the move"
        whole_generations
        assert_eq "1 2 manifest.json" "$(ls "$T/$TREES/.bull" | tr '\n' ' ' | sed 's/ $//')" "what the kills left, removed"

        # The unattended timer's command (units/examples/svc-tree-upgrade.service): a pending
        # update that is no security update is left for the owner; a security update goes in.
        # Meanwhile a second upgrade of the tree is refused with a sentence.
        local cmd
        cmd=$(sed -n 's|^ExecStart=/usr/local/bin/svc ||p' "$SRC/units/examples/svc-tree-upgrade.service")
        assert_eq "tree upgrade --all --security-only" "$cmd" "the timer's command"
        testlib 2.2 a-works b-works
        publish 2.2
        # shellcheck disable=SC2086 # the command's words
        out=$(svc $cmd --min-healthy=1s 2>&1) || fail "$cmd failed: $out"
        assert_eq "Tree bull: no security update pending, left as it is." "$out" "$cmd without a security update"
        security_release
        # shellcheck disable=SC2086
        svc $cmd --min-healthy=1s >"$T/first.out" 2>&1 &
        local first=$!
        wait_until 10 test -d "$T/$TREES/.bull/3.new" || fail "the upgrade did not begin: $(cat "$T/first.out")"
        rc=0
        out=$(svc tree upgrade bull 2>&1) || rc=$?
        assert_eq 1 "$rc" "the exit status of the second upgrade: $out"
        assert_eq "svc tree: another svc tree command is working on tree bull" "$out" "the second upgrade"
        wait "$first" || fail "$cmd failed: $(cat "$T/first.out")"
        out=$(cat "$T/first.out")
        assert_contains "$out" "Tree bull: generation 3 is current, upgraded from 2: svc-testlib 2.0 -> 2.2."
        assert_contains "$out" "a: moved, on generation 3."
        whole_generations
}

# A full disk during the copy of the new generation fails the upgrade with one sentence and
# removes the partial copy; the tree, its history and the running units are as they were; once
# there is room again, the same upgrade goes through.
test_upgrade_on_a_full_disk_removes_the_partial_generation() {
        running_on_testlib_1
        local pid_a pid_b manifest used out rc=0
        pid_a=$(main_pid a) pid_b=$(main_pid b)
        manifest=$(md5sum <"$T/$TREES/.bull/manifest.json")
        # Room for 16 MiB more than generation 1: its copy runs out of space.
        used=$(df -k --output=used "$T/$TREES" | tail -1)
        mount -o remount,size=$((used + 16384))k "$T/$TREES" || fail "shrinking the trees' tmpfs"
        out=$(svc tree upgrade bull 2>&1) || rc=$?
        assert_eq 1 "$rc" "the exit status of an upgrade on a full disk: $out"
        [[ $out == "svc tree: no space left on the file system of $T/$TREES for the next generation of tree bull: "* &&
                $out != *$'\n'* ]] || fail "not one sentence about the full disk: $out"
        assert_contains "$out" "generation 1 takes "
        assert_contains "$out" "tree bull stays on generation 1"
        assert_eq "1 manifest.json" "$(ls -A "$T/$TREES/.bull" | tr '\n' ' ' | sed 's/ $//')" "what the failed copy left"
        assert_eq .bull/1 "$(readlink "$T/$TREES/bull")" "the tree's link after the failed upgrade"
        assert_eq "$manifest" "$(md5sum <"$T/$TREES/.bull/manifest.json")" "the manifest after the failed upgrade"
        assert_eq "$pid_a $pid_b" "$(main_pid a) $(main_pid b)" "the units' processes"
        whole_generations
        assert_eq "$T/$TREES/.bull/1" "$(tree_path a)" "a's generation after the failed upgrade"

        mount -o remount,size=1g "$T/$TREES" || fail "growing the trees' tmpfs"
        out=$(svc tree upgrade bull --min-healthy=1s 2>&1) || fail "the upgrade with room failed: $out"
        assert_contains "$out" "Tree bull: generation 2 is current, upgraded from 1: svc-testlib 1.0 -> 2.0."
        assert_contains "$out" "a: moved, on generation 2."
        assert_eq "$T/$TREES/.bull/2" "$(tree_path b)" "b's generation after the upgrade with room"
        whole_generations
}

# The same for a newer image imported onto the name of an imported tree: a sentence, no partial
# generation, the tree as it was.
test_import_on_a_full_disk_removes_the_partial_generation() {
        "$SRC/contrib/mktree.sh" "$T/v1" --busybox >/dev/null || fail "mktree"
        cp -a "$T/v1" "$T/v2"
        head -c 8M /dev/urandom >"$T/v2/big"
        tar -C "$T/v1" -cf "$T/v1.tar" . && tar -C "$T/v2" -cf "$T/v2.tar" . || fail "tar"
        mkdir -p "$T/$TREES"
        mount -t tmpfs -o size=8m,mode=0700 svct-trees "$T/$TREES" || fail "tmpfs for the trees"
        svc tree import img "$T/v1.tar" >"$T/import.out" 2>&1 || fail "svc tree import failed: $(cat "$T/import.out")"
        local out rc=0
        out=$(svc tree import img "$T/v2.tar" 2>&1) || rc=$?
        assert_eq 1 "$rc" "the exit status of an import on a full disk: $out"
        [[ $out == "svc tree: no space left on the file system of $T/$TREES for tree img ("*"No space left on device); what was written of it is removed, and the tree stays on the generation it was on" ]] ||
                fail "not one sentence about the full disk: $out"
        assert_eq "1 manifest.json" "$(ls -A "$T/$TREES/.img" | tr '\n' ' ' | sed 's/ $//')" "what the failed import left"
        assert_eq .img/1 "$(readlink "$T/$TREES/img")" "the tree's link after the failed import"
        rm "$T/v2/big" && tar -C "$T/v2" -cf "$T/v2.tar" . || fail "tar"
        out=$(svc tree import img "$T/v2.tar" 2>&1) || fail "the import with room failed: $out"
        assert_contains "$out" "Tree img: generation 2 is current, imported over 1."
}

# docker_save DIR OUT: the tree at DIR as a one-layer `docker save` archive OUT.
docker_save() {
        local d=$T/save
        rm -rf "$d" && mkdir -p "$d/aaa" && tar -C "$1" -cf "$d/aaa/layer.tar" . || fail "the layer of $2"
        echo '{"architecture":"amd64","os":"linux","config":{}}' >"$d/cfg.json"
        echo '[{"Config":"cfg.json","RepoTags":["img:1"],"Layers":["aaa/layer.tar"]}]' >"$d/manifest.json"
        tar -C "$d" -cf "$2" . || fail "tar $2"
}

# An image import onto a tree's name killed once the image is unpacked leaves .NAME/.import and
# NEW.new behind; the next import removes them and goes through.
test_import_killed_after_unpacking_an_image_leaves_the_next_one_working() {
        "$SRC/contrib/mktree.sh" "$T/v1" --busybox >/dev/null || fail "mktree"
        cp -a "$T/v1" "$T/v2"
        echo v2 >"$T/v2/version"
        docker_save "$T/v1" "$T/v1.tar"
        docker_save "$T/v2" "$T/v2.tar"
        svc tree import img "$T/v1.tar" >"$T/import.out" 2>&1 || fail "svc tree import failed: $(cat "$T/import.out")"
        local out rc=0
        out=$(SVC_TREE_TEST_CRASH=copied svc tree import img "$T/v2.tar" 2>&1) || rc=$?
        assert_eq 137 "$rc" "the exit status of the import killed after unpacking: $out"
        [ -d "$T/$TREES/.img/.import" ] || fail "the killed import left no unpacked image (the test sees nothing)"
        assert_eq .img/1 "$(readlink "$T/$TREES/img")" "the tree's link after the killed import"
        out=$(svc tree import img "$T/v2.tar" 2>&1) || fail "the import after the killed one failed: $out"
        assert_contains "$out" "Tree img: generation 2 is current, imported over 1."
        assert_eq v2 "$(cat "$T/$TREES/img/version")" "the new generation's file"
        assert_eq "1 2 manifest.json" "$(ls -A "$T/$TREES/.img" | tr '\n' ' ' | sed 's/ $//')" "what the killed import left, removed"
}

# A newer image imported onto the name of an imported tree is its next generation, and its units
# move through the same gate: the one the new image breaks stays on the old image, pinned.
test_import_onto_a_name_gates_the_units() {
        "$SRC/contrib/mktree.sh" "$T/v1" --busybox >/dev/null || fail "mktree"
        cp -a "$T/v1" "$T/v2"
        echo v1 >"$T/v1/web-works"
        tar -C "$T/v1" -cf "$T/v1.tar" . && tar -C "$T/v2" -cf "$T/v2.tar" . || fail "tar"
        svc tree import img "$T/v1.tar" >"$T/import.out" 2>&1 || fail "svc tree import failed: $(cat "$T/import.out")"
        local n probe
        for n in web other; do
                probe=/etc/passwd
                [ "$n" = other ] || probe=/web-works
                unit_isolated "$n" <<EOF
[Unit]
OnFailure=tell@%n.service
[Service]
RootDirectory=img
ExecStart=/bin/sleep 1000
HealthCmd=/bin/test -e $probe
HealthInterval=200ms
HealthRetries=2
EOF
        done
        unit tell@ <<EOF
[Service]
Type=oneshot
Restart=no
ExecStart=/bin/sh -c 'echo "\$\$MONITOR_UNIT \$\$MONITOR_EVENT \$\$MONITOR_REASON" >> $T/told'
EOF
        start_svcd
        svc start web other || fail "start failed: $(svc status web other)"
        wait_until 10 health_is web healthy || fail "web is not healthy: $(svc status web)"
        local out rc=0
        out=$(svc tree import img "$T/v2.tar" --min-healthy=1s 2>&1) || rc=$?
        assert_eq 1 "$rc" "the exit status of an import that pinned a unit: $out"
        assert_contains "$out" "Tree img: generation 2 is current, imported over 1."
        assert_contains "$out" "other: moved, on generation 2."
        assert_contains "$out" "web: pinned after the upgrade to 2 failed: unhealthy: "
        assert_eq "$T/$TREES/.img/1" "$(tree_path web)" "web's generation"
        assert_eq "$T/$TREES/.img/2" "$(tree_path other)" "other's generation"
        assert_contains "$(svc status web)" "Pinned: on generation 1 of tree img (pinned after the upgrade to 2 failed"
        wait_until 5 grep -q "^web pinned " "$T/told" || fail "web's OnFailure= was not told: $(cat "$T/told" 2>&1)"
        assert_contains "$(svc tree log img)" "import, generation 1 -> 2: $T/v2.tar"
        # Only onto a tree imported before: a plain directory keeps its name and its files.
        mkdir "$T/$TREES/plain"
        rc=0
        out=$(svc tree import plain "$T/v2.tar" 2>&1) || rc=$?
        assert_eq 1 "$rc" "the exit status of an import onto a plain directory"
        assert_contains "$out" "tree plain is a plain directory, without generations"
        assert_eq "" "$(ls "$T/$TREES/plain")" "the plain directory after the refused import"
        # Bad requests get a sentence.
        rc=0
        out=$(svc tree unpin other 2>&1) || rc=$?
        assert_eq "1 svc tree: other is not pinned to a generation of its tree" "$rc $out" "unpin of a unit not pinned"
        rc=0
        out=$(svc tree upgrade img --security-only 2>&1) || rc=$?
        assert_eq 2 "$rc" "the exit status of upgrade --security-only without --all"
        assert_contains "$out" "upgrade needs one tree name, or --all"
        rc=0
        out=$(svc tree upgrade img --min-healthy=soon 2>&1) || rc=$?
        assert_eq "2 svc tree: --min-healthy=soon: give a duration such as 30s, 500ms or 2min" "$rc $out" "a bad --min-healthy"
}

# svc reload-units --rollback: a restarted unit whose new definition breaks (its probe fails, or
# it crash-loops) goes back to its previous definition, told and shown, and the unit that requires
# the crashing one, stopped with it by the reload, runs again; another changed unit runs its new one.
test_reload_units_rollback_keeps_the_previous_definition_of_what_broke() {
        touch "$T/ok"
        unit crash <<EOF
[Service]
ExecStart=/bin/sleep 1000
EOF
        unit dep <<EOF
[Unit]
Requires=crash
After=crash
[Service]
ExecStart=/bin/sleep 1000
EOF
        local n
        for n in web other; do
                unit "$n" <<EOF
[Unit]
OnFailure=tell@%n.service
[Service]
ExecStart=/bin/sleep 1000
HealthCmd=/bin/test -e $T/ok
HealthInterval=200ms
HealthRetries=2
EOF
        done
        unit tell@ <<EOF
[Service]
Type=oneshot
Restart=no
ExecStart=/bin/sh -c 'echo "\$\$MONITOR_UNIT \$\$MONITOR_EVENT \$\$MONITOR_REASON" >> $T/told'
EOF
        start_svcd
        svc start web other dep || fail "start failed: $(svc status web other dep)"
        wait_until 10 health_is web healthy || fail "web is not healthy: $(svc status web)"
        sed -i "s|^HealthCmd=.*|HealthCmd=/bin/test -e $T/missing|" "$T/etc/svc/units/web.unit"
        sed -i "s|^ExecStart=.*|ExecStart=/bin/sh -c 'exit 3'|" "$T/etc/svc/units/crash.unit"
        sed -i 's|^ExecStart=/bin/sleep 1000|ExecStart=/bin/sleep 2000|' "$T/etc/svc/units/other.unit"
        local out rc=0
        out=$(svc reload-units --rollback --min-healthy=1 2>&1) || rc=$?
        assert_eq 1 "$rc" "the exit status of a reload that reverted a unit: $out"
        assert_contains "$out" "other: moved, on its new definition"
        assert_contains "$out" "web: reverted"
        assert_contains "$out" "back on its previous definition: the new one failed: unhealthy: 2 probes failed in a row"
        assert_contains "$out" "crash: reverted"
        assert_contains "$out" "back on its previous definition: the new one failed: backing-off"
        assert_contains "$out" "dep: dependant, running"
        assert_eq running "$(state crash)" "crash on its previous definition"
        assert_eq running "$(state dep)" "the unit that requires crash"
        wait_until 10 health_is web healthy || fail "web is not healthy on its previous definition: $(svc status web)"
        assert_contains "$(svc status web)" "Pinned: back on its previous definition: the new one failed"
        assert_contains "$(tr '\0' ' ' <"/proc/$(main_pid other)/cmdline")" "sleep 2000" "other's new definition"
        wait_until 5 grep -q "^web pinned back on its previous definition" "$T/told" ||
                fail "web's OnFailure= was not told: $(cat "$T/told" 2>&1)"
}

run_tests "$@"
