#!/usr/bin/env bash
# duration: 87 (seconds on the ASan build: tests/integration/run.sh starts the longest first)
# User namespaces: root in a service is an unprivileged range of uids on the host, its own, kept;
# the shared tree keeps its owners through idmapped mounts; PrivateUsers= and DynamicUser=.
. "$(dirname "$0")/lib.sh"

SRC=$(cd "$(dirname "$0")/../.." && pwd)
RANGE_BASE=268435456 # 0x10000000: where svc's ranges start, far above any normal user

make_tree() {
        local name=$1
        shift
        "$SRC/contrib/mktree.sh" "$T/var/lib/svc/trees/$name" "$@"
}

logof() { cat "$T/var/log/svc/$1/current" 2>/dev/null; }

# $T/out, where services of any user leave their marks.
out_dir() {
        chmod 755 "$T"
        mkdir -p "$T/out"
        chmod 1777 "$T/out"
}

# range NAME: the first host uid of NAME's range, from svc status.
range() {
        svc status "$1" | sed -n 's/^ *Users: private range \([0-9]*\)-\([0-9]*\)$/\1/p'
}

# A service that waits, with a state directory, root inside; its marks go to $T/out (idmapped).
sleeper() { # NAME [EXTRA LINES]
        out_dir
        unit "$1" <<EOF
[Service]
StateDirectory=$1
ExecStart=/bin/sh -c 'touch /var/lib/$1/by-root; id -u > $T/out/$1.id; cat /proc/self/uid_map > $T/out/$1.map; exec sleep 1000'
$2
EOF
}

test_root_inside_is_an_unprivileged_range_on_the_host() {
        sleeper web
        start_svcd
        svc start web || fail "start failed: $(logof web)"
        wait_until 5 test -s "$T/out/web.map" || fail "no output: $(logof web)"
        local base pid
        base=$(range web)
        [ -n "$base" ] || fail "svc status shows no private range: $(svc status web)"
        [ "$base" -ge $RANGE_BASE ] || fail "range $base is below $RANGE_BASE"
        assert_contains "$(svc status web)" "Users: private range $base-$((base + 65535))"
        assert_eq 0 "$(cat "$T/out/web.id")" "root inside"
        assert_eq "0 $base 65536" "$(tr -s ' ' <"$T/out/web.map" | sed 's/^ //')" "the service's uid_map"
        pid=$(main_pid web)
        assert_eq "0 $base 65536" "$(tr -s ' ' <"/proc/$pid/uid_map" | sed 's/^ //')" "uid_map seen from the host"
        assert_eq "$base $base" "$(stat -c '%u %g' "/proc/$pid")" "the main process's owner on the host"
        assert_eq "$base $base" "$(stat -c '%u %g' "$T/var/lib/svc/state/web/by-root")" \
                "a file root made in its StateDirectory, on the host"
        assert_eq "$base $base" "$(stat -c '%u %g' "$T/var/lib/svc/state/web")" "its StateDirectory"
        assert_eq "range $base 65536" "$(cat "$T/var/lib/svc/userns/web")" "the allocation kept"
        assert_eq 700 "$(stat -c %a "$T/var/lib/svc/userns")" "the allocation table is svc's own"
}

test_root_inside_has_no_power_over_the_hosts_files() {
        # Host directories bound without idmap: their root-owned files are nobody's inside.
        mkdir -p "$T/h/ro" "$T/h/open"
        echo s3cr3t-text >"$T/h/ro/secret"
        chmod 600 "$T/h/ro/secret"
        echo keep >"$T/h/ro/file"
        chmod 1777 "$T/h/open"
        out_dir
        unit hostile <<EOF
[Service]
Type=oneshot
BindPaths=$T/h/ro:/h/ro $T/h/open:/h/open
ExecStart=/bin/sh -c 'o=$T/out/r; cat /h/ro/secret >> \$o 2>&1 || echo read-refused >> \$o; echo x >> /h/ro/file 2>/dev/null || echo write-refused >> \$o; touch /h/ro/new 2>/dev/null || echo create-refused >> \$o; chown 0 /h/ro/file 2>/dev/null || echo chown-refused >> \$o; stat -c "owner %%u" /h/ro/file >> \$o; touch /h/open/made; grep CapEff /proc/self/status >> \$o'
EOF
        start_svcd
        svc start hostile || fail "start failed: $(logof hostile)"
        local out base
        out=$(cat "$T/out/r")
        base=$(range hostile)
        assert_not_contains "$out" "s3cr3t-text" "root inside read a 0600 file of the host's root"
        assert_contains "$out" "read-refused"
        assert_contains "$out" "write-refused"
        assert_contains "$out" "create-refused"
        assert_contains "$out" "chown-refused"
        assert_contains "$out" "owner 65534" "the host's root is nobody inside"
        assert_eq keep "$(cat "$T/h/ro/file")" "the host's file is unchanged"
        [ ! -e "$T/h/ro/new" ] || fail "root inside created a file in a root-owned host directory"
        assert_eq "$base $base" "$(stat -c '%u %g' "$T/h/open/made")" \
                "a file made in a bound world-writable host directory belongs to the range"
        # All this with root's default capabilities: they count in its user namespace only.
        assert_contains "$out" "CapEff:"$'\t'"00000000a00425fb" "root's capabilities inside"
}

test_tree_shared_by_two_ranges_keeps_its_owners() {
        make_tree shared --busybox
        chown 33:33 "$T/var/lib/svc/trees/shared/srv"
        out_dir
        for n in one two; do
                unit $n <<EOF
[Service]
RootDirectory=shared
ExecStart=/bin/sh -c 'stat -c "%%u:%%g %%n" /etc/passwd /bin/busybox /srv > $T/out/$n.owners; cat /proc/self/uid_map > $T/out/$n.map; exec sleep 1000'
EOF
        done
        start_svcd
        svc start one two || fail "start failed: $(logof one) $(logof two)"
        wait_until 5 test -s "$T/out/one.owners" -a -s "$T/out/two.owners" || fail "no output"
        local a b
        a=$(range one)
        b=$(range two)
        [ -n "$a" ] && [ -n "$b" ] && [ "$a" != "$b" ] || fail "ranges: '$a' and '$b'"
        [ $((a > b ? a - b : b - a)) -ge 65536 ] || fail "ranges $a and $b overlap"
        for n in one two; do
                assert_eq "0:0 /etc/passwd
0:0 /bin/busybox
33:33 /srv" "$(cat "$T/out/$n.owners")" "owners in the tree as $n sees them"
        done
        assert_contains "$(cat "$T/out/one.map")" "$a"
        assert_contains "$(cat "$T/out/two.map")" "$b"
        assert_eq "0:0 33:33" "$(stat -c %u:%g "$T/var/lib/svc/trees/shared/etc/passwd") $(stat -c %u:%g "$T/var/lib/svc/trees/shared/srv")" \
                "the tree itself was never chowned"
}

test_range_is_kept_across_restarts_and_svcd_restarts() {
        sleeper keep
        sleeper other
        start_svcd
        svc start keep || fail "start failed: $(logof keep)"
        local base
        base=$(range keep)
        [ -n "$base" ] || fail "no range: $(svc status keep)"
        svc restart keep || fail "restart failed"
        assert_eq "$base" "$(range keep)" "the range after a restart"
        stop_svcd
        start_svcd
        svc start other keep || fail "start failed"
        assert_eq "$base" "$(range keep)" "the range after svcd restarted"
        [ "$(range other)" != "$base" ] || fail "another service got the same range"
        assert_eq "$base" "$(stat -c %u "$T/var/lib/svc/state/keep/by-root")" "its files keep their owner"
}

test_dynamic_users_get_distinct_uids() {
        out_dir
        for n in dyn1 dyn2; do
                unit $n <<EOF
[Service]
DynamicUser=yes
StateDirectory=$n
ExecStart=/bin/sh -c 'id -u > $T/out/$n.uid; id -g > $T/out/$n.gid; touch /var/lib/$n/mine && echo wrote > $T/out/$n.state; exec sleep 1000'
EOF
        done
        unit static <<EOF
[Service]
Type=oneshot
DynamicUser=yes
User=www-data
ExecStart=/bin/sh -c 'id -u > $T/out/static.uid'
EOF
        start_svcd
        svc start dyn1 dyn2 static || fail "start failed: $(logof dyn1) $(logof dyn2)"
        wait_until 5 test -s "$T/out/dyn1.state" -a -s "$T/out/dyn2.state" || fail "no output: $(logof dyn1)"
        local u1 u2
        u1=$(cat "$T/out/dyn1.uid")
        u2=$(cat "$T/out/dyn2.uid")
        [ "$u1" != "$u2" ] || fail "both dynamic users are $u1"
        for u in $u1 $u2; do
                [ "$u" -ge 61184 ] && [ "$u" -le 65519 ] || fail "dynamic uid $u is outside 61184-65519"
        done
        assert_eq "$u1" "$(cat "$T/out/dyn1.gid")" "its group has the same number"
        assert_eq "$(host_id dyn1 "$u1")" "$(stat -c %u "$T/var/lib/svc/state/dyn1/mine")" \
                "its StateDirectory is its own"
        assert_eq 33 "$(cat "$T/out/static.uid")" "a User= the tree has is used as it is"
        # wait_until's arguments are expanded once: the file is looked at again by grep.
        rm -f "$T/out/dyn1.uid"
        svc restart dyn1
        wait_until 5 grep -qx "$u1" "$T/out/dyn1.uid" ||
                fail "the dynamic uid changed: $u1, then $(cat "$T/out/dyn1.uid" 2>/dev/null)"
}

test_private_users_no_and_systemds_mappings() {
        sleeper host "PrivateUsers=no"
        sleeper hostnet "PrivateNetwork=no
ExecStartPre=/bin/sh -c 'ls /sys/fs/cgroup | wc -l > $T/out/hostnet.cg; ls /sys/class/net | wc -l > $T/out/hostnet.net'"
        sleeper self "PrivateUsers=self
User=www-data"
        sleeper ident "PrivateUsers=identity"
        start_svcd
        svc start host self ident || fail "start failed: $(logof host) $(logof self)"
        wait_until 5 test -s "$T/out/host.map" -a -s "$T/out/self.map" -a -s "$T/out/ident.map" ||
                fail "no output"
        assert_eq "0 0 4294967295" "$(tr -s ' ' <"$T/out/host.map" | sed 's/^ //')" "PrivateUsers=no: the host's"
        assert_eq "0 0" "$(stat -c '%u %g' "$T/var/lib/svc/state/host/by-root")" "PrivateUsers=no: root's file"
        assert_contains "$(svc status host)" "Users: host (PrivateUsers=no)"
        [ ! -e "$T/var/lib/svc/userns/host" ] || fail "PrivateUsers=no allocated a range"
        assert_eq "0 0 1
33 33 1" "$(tr -s ' ' <"$T/out/self.map" | sed 's/^ //')" "PrivateUsers=self"
        assert_eq "0 0 65536" "$(tr -s ' ' <"$T/out/ident.map" | sed 's/^ //')" "PrivateUsers=identity"
        # Sharing the host's network, in its own user namespace: the host's sysfs, without what
        # is mounted below it.
        svc start hostnet || fail "start failed: $(logof hostnet)"
        wait_until 5 test -s "$T/out/hostnet.net" || fail "no output: $(logof hostnet)"
        [ -n "$(range hostnet)" ] || fail "hostnet has no range: $(svc status hostnet)"
        assert_eq "$(ls /sys/class/net | wc -l)" "$(cat "$T/out/hostnet.net")" "the host's links in /sys"
        assert_eq 0 "$(cat "$T/out/hostnet.cg")" "nothing mounted below the host's /sys"
}

# The service's own /var (VarOverlay=persistent), a ReadWritePaths= layer and CacheDirectory=:
# svcd opens and owns them (root inside owns the layers on the host), the child, root of its
# range, never walks svc's 0700 directories; with PrivateUsers=no they are root's.
test_writable_layers_belong_to_the_range() {
        make_tree layers --busybox >/dev/null
        mkdir -p "$T/var/lib/svc/trees/layers/etc/app"
        for n in lay layh; do
                unit $n <<EOF
[Service]
Type=oneshot
RootDirectory=layers
ReadWritePaths=/etc/app
CacheDirectory=$n
$([ $n = layh ] && echo PrivateUsers=no)
ExecStart=/bin/sh -c 'echo v >> /var/kept; echo e >> /etc/app/conf; echo c >> /var/cache/$n/c; echo "runs \$(wc -l </var/kept) \$(wc -l </etc/app/conf) \$(wc -l </var/cache/$n/c)"'
EOF
        done
        start_svcd
        svc start lay || fail "start failed: $(logof lay)"
        svc start lay || fail "second start failed: $(logof lay)"
        svc start layh || fail "start failed: $(logof layh)"
        assert_contains "$(logof lay)" "runs 2 2 2" "the layers kept across runs, in a range"
        assert_contains "$(logof layh)" "runs 1 1 1" "with PrivateUsers=no"
        local base v=$T/var/lib/svc/var/lay p=$T/var/lib/svc/paths/lay/etc-app
        base=$(sed -n 's/^range \([0-9]*\) .*/\1/p' "$T/var/lib/svc/userns/lay")
        [ -n "$base" ] || fail "no range for lay"
        assert_eq "$base $base" "$(stat -c '%u %g' "$v" "$v/upper" "$v/work" | sort -u)" "the /var layer's owner"
        assert_eq "$base $base" "$(stat -c '%u %g' "$v/upper/kept")" "a file root made in /var, on the host"
        assert_eq "$base $base" "$(stat -c '%u %g' "$p" "$p/upper/conf" | sort -u)" "the ReadWritePaths= layer"
        assert_eq "$base $base" "$(stat -c '%u %g' "$T/var/lib/svc/cache/lay/c")" "the CacheDirectory="
        assert_eq "0 0" "$(stat -c '%u %g' "$T/var/lib/svc/var/layh/upper/kept")" "PrivateUsers=no: root's"
}

test_negative_nice_in_a_user_namespace() {
        unit nice <<EOF
[Service]
Nice=-5
ExecStart=/bin/sleep 1000
EOF
        start_svcd
        svc start nice || fail "start failed: $(logof nice)"
        [ -n "$(range nice)" ] || fail "not in a range: $(svc status nice)"
        local pid
        pid=$(main_pid nice)
        assert_eq -5 "$(awk '{ print $19 }' "/proc/$pid/stat")" "nice"
}

test_tree_that_cannot_be_idmapped_falls_back_once() {
        # ramfs has no idmapped mounts on any kernel.
        mkdir -p "$T/var/lib/svc/trees/ram"
        mount -t ramfs ramfs "$T/var/lib/svc/trees/ram" || fail "cannot mount ramfs"
        rmdir "$T/var/lib/svc/trees/ram.tmp" 2>/dev/null
        "$SRC/contrib/mktree.sh" "$T/ram.tmp" --busybox
        cp -a "$T/ram.tmp/." "$T/var/lib/svc/trees/ram/"
        out_dir
        unit ram <<EOF
[Service]
RootDirectory=ram
Type=oneshot
ExecStart=/bin/sh -c 'cat /proc/self/uid_map > $T/out/ram.map'
EOF
        start_svcd
        svc start ram || fail "start failed: $(logof ram)"
        svc start ram || fail "second start failed"
        assert_eq "0 0 4294967295" "$(tr -s ' ' <"$T/out/ram.map" | sed 's/^ //')" "the host's uids"
        assert_contains "$(svc status ram)" "Users: host (idmapped mounts unsupported on ramfs"
        assert_eq 1 "$(grep -c 'ram: no user namespace of its own' "$T/svcd.log")" "said once in svcd's log"
}

test_unusable_allocation_table_falls_back() {
        mkdir -p "$T/var/lib/svc"
        : >"$T/var/lib/svc/userns" # not a directory
        sleeper lost
        start_svcd
        svc start lost || fail "start failed: $(logof lost)"
        wait_until 5 test -s "$T/out/lost.map" || fail "no output: $(logof lost)"
        assert_eq "0 0 4294967295" "$(tr -s ' ' <"$T/out/lost.map" | sed 's/^ //')" "the host's uids"
        assert_contains "$(svc status lost)" "Users: host (cannot allocate a range of uids: Not a directory)"
}

run_tests "$@"
