#!/usr/bin/env bash
# duration: 365 (seconds on the ASan build: tests/integration/run.sh starts the longest first)
# svc tree: Debian trees (from the cached debootstrap tree), upgrade and rollback under running
# units, images imported file by file (OCI layout, docker save, root file system), hostile
# archives refused with nothing written outside, slim trees, list, rm, check, and the page cache
# shared by the services of one tree.
. "$(dirname "$0")/lib.sh"

CACHE=${SVC_TEST_TREES:-/var/cache/svc/test-trees}/bullseye-minbase-v1.tar
TREES=var/lib/svc/trees

logof() { cat "$T/var/log/svc/$1/current" 2>/dev/null; }

tree_path() {
        svc status --json "$1" | sed -n 's/.*"tree_path":"\([^"]*\)".*/\1/p'
}

need_cache() {
        [ -s "$CACHE" ] || fail "the cached Debian tree $CACHE is missing: contrib/test-trees.sh builds it (make deps runs it)"
}

# A stand-in for debootstrap (and mmdebstrap) first on PATH: it records its arguments and replays
# the cached debootstrap result into the target, so that `svc tree create` runs as it does for
# users, without the network. Real debootstrap runs only in contrib/test-trees.sh.
fake_debootstrap() {
        mkdir -p "$T/bin"
        cat >"$T/bin/debootstrap" <<EOF
#!/bin/sh
echo "\$0 \$*" >>"$T/debootstrap.args"
for a; do target=\$prev; prev=\$a; done
echo "I: Retrieving InRelease"
echo "I: Extracting base packages to \$target"
exec tar -C "\$target" -xf "$CACHE"
EOF
        chmod +x "$T/bin/debootstrap"
        ln -sf debootstrap "$T/bin/mmdebstrap"
}

# debian_tree NAME: bullseye minbase with openssl, through svc tree create.
debian_tree() {
        need_cache
        fake_debootstrap
        PATH="$T/bin:$PATH" svc tree create "$1" --debian bullseye --variant minbase --include openssl >"$T/create.out" 2>&1 ||
                fail "svc tree create failed: $(cat "$T/create.out")"
}

# add_repo TREE: a local file: repository inside TREE's current generation with svc-testpkg 1.1,
# the tree's only apt source (no traffic leaves the machine).
add_repo() {
        local tree=$T/$TREES/$1 pkg=$T/pkg
        mkdir -p "$pkg/DEBIAN" "$pkg/usr/share/svc-testpkg" "$tree/srv/repo"
        printf 'Package: svc-testpkg\nVersion: 1.1\nArchitecture: all\nMaintainer: svc <svc@localhost>\nDescription: svc test package\n' >"$pkg/DEBIAN/control"
        echo 1.1 >"$pkg/usr/share/svc-testpkg/version"
        dpkg-deb --root-owner-group --build "$pkg" "$tree/srv/repo/svc-testpkg_1.1_all.deb" >/dev/null || fail "dpkg-deb"
        (cd "$tree/srv/repo" && dpkg-scanpackages . /dev/null >Packages 2>/dev/null) || fail "dpkg-scanpackages"
        echo 'deb [trusted=yes] file:/srv/repo ./' >"$tree/etc/apt/sources.list"
}

# mktar OUT SPEC / mktar --image OUT SPEC: tar files from a JSON spec, with any name (python's
# tarfile writes what GNU tar refuses to): [["file", name, data, mode], ["dir", name],
# ["symlink", name, target], ["hardlink", name, target], ["chr", name]]. With --image, SPEC is a
# list of layers and OUT a docker save archive of them.
mktar() {
        python3 - "$@" <<'EOF'
import io, json, sys, tarfile
def entries(t, spec):
    for e in spec:
        ti = tarfile.TarInfo(e[1]); ti.mtime = 1700000000
        data = None
        if e[0] == 'file':
            data = e[2].encode(); ti.size = len(data); ti.mode = e[3] if len(e) > 3 else 0o644
        elif e[0] == 'dir': ti.type = tarfile.DIRTYPE; ti.mode = 0o755
        elif e[0] == 'symlink': ti.type = tarfile.SYMTYPE; ti.linkname = e[2]
        elif e[0] == 'hardlink': ti.type = tarfile.LNKTYPE; ti.linkname = e[2]
        elif e[0] == 'chr': ti.type = tarfile.CHRTYPE; ti.devmajor, ti.devminor = 1, 3
        t.addfile(ti, io.BytesIO(data) if data is not None else None)
def blob(spec):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode='w', format=tarfile.GNU_FORMAT) as t: entries(t, spec)
    return b.getvalue()
def add(t, name, data):
    ti = tarfile.TarInfo(name); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
if sys.argv[1] == '--image':
    layers = json.loads(sys.argv[3])
    with tarfile.open(sys.argv[2], 'w', format=tarfile.GNU_FORMAT) as t:
        names = []
        for i, l in enumerate(layers):
            names.append('l%d/layer.tar' % i); add(t, names[-1], blob(l))
        add(t, 'config.json', b'{"config":{"Cmd":["/bin/true"]}}')
        add(t, 'manifest.json', json.dumps([{"Config": "config.json", "RepoTags": ["evil:1"], "Layers": names}]).encode())
else:
    with tarfile.open(sys.argv[1], 'w', format=tarfile.GNU_FORMAT) as t: entries(t, json.loads(sys.argv[2]))
EOF
}

# ---- Debian trees ----------------------------------------------------------------------------

test_create_debian_tree_runs_its_own_openssl() {
        debian_tree bull
        assert_contains "$(cat "$T/debootstrap.args")" \
                "--variant=minbase --include=openssl bullseye $T/$TREES/.bull/1.new http://deb.debian.org/debian"
        assert_contains "$(cat "$T/create.out")" "its output is shown if it fails" "progress off a terminal"
        assert_eq ".bull/1" "$(readlink "$T/$TREES/bull")" "the tree's name points at generation 1"
        assert_contains "$(cat "$T/$TREES/bull/etc/apt/sources.list")" "debian-security bullseye-security main"
        unit tls <<EOF
[Service]
Type=oneshot
RootDirectory=bull
ExecStart=/bin/sh -c '/usr/bin/openssl version > $T/tls'
EOF
        svc check "$T/etc/svc/units/tls.unit" >/dev/null || fail "svc check: $(svc check "$T/etc/svc/units/tls.unit" 2>&1)"
        start_svcd
        svc start tls || fail "start failed: $(logof tls)"
        assert_contains "$(cat "$T/tls")" "OpenSSL 1.1.1" "the tree's openssl"
        assert_contains "$(openssl version)" "OpenSSL 3" "the host's openssl"
        assert_contains "$(svc run --tree bull openssl version)" "OpenSSL 1.1.1" "svc run on the tree"
}

test_create_failure_shows_the_tools_last_lines_and_leaves_nothing() {
        mkdir -p "$T/bin"
        printf '#!/bin/sh\necho "I: Retrieving InRelease"\necho "E: Failed getting release file" >&2\nexit 1\n' >"$T/bin/debootstrap"
        chmod +x "$T/bin/debootstrap"
        ln -sf debootstrap "$T/bin/mmdebstrap"
        local out rc=0
        out=$(PATH="$T/bin:$PATH" svc tree create bad --debian bullseye 2>&1) || rc=$?
        assert_eq 1 "$rc" "exit code"
        assert_contains "$out" "debstrap failed (exited with 1); its last lines:"
        assert_contains "$out" "E: Failed getting release file"
        [ ! -e "$T/$TREES/bad" ] && [ ! -e "$T/$TREES/.bad" ] || fail "a partial tree was left: $(ls -a "$T/$TREES")"
        out=$(svc tree create bad --debian 'bull seye' 2>&1) && fail "a bad suite was taken"
        assert_contains "$out" "bad --debian"
}

test_upgrade_and_rollback_switch_generations_under_a_running_unit() {
        debian_tree bull
        add_repo bull
        unit ver <<EOF
[Service]
RootDirectory=bull
ExecStart=/bin/sh -c 'cat /usr/share/svc-testpkg/version > $T/ver; exec sleep 1000'
EOF
        start_svcd
        svc start ver || fail "start failed: $(logof ver)"
        wait_until 5 grep -q 1.0 "$T/ver" || fail "ver did not start on 1.0: $(cat "$T/ver")"
        assert_eq "$T/$TREES/.bull/1" "$(tree_path ver)" "the running generation"
        local pid out
        pid=$(main_pid ver)
        out=$(svc tree upgrade bull --no-restart) || fail "upgrade failed: $out"
        assert_contains "$out" "generation 2 is current, upgraded from 1: svc-testpkg 1.0 -> 1.1"
        assert_contains "$out" "Still on an older generation of tree bull until restarted: ver."
        assert_eq ".bull/2" "$(readlink "$T/$TREES/bull")"
        assert_eq "$pid" "$(main_pid ver)" "--no-restart left the service alone"
        assert_eq "1.0" "$(svc exec ver cat /usr/share/svc-testpkg/version)" "the running service keeps its generation"
        assert_contains "$(svc tree list)" "ver (running on generation 1)"
        assert_contains "$(svc tree list --json)" '"units":[{"name":"ver","unit_file":true,"running":true,"generation":1,"current":false}]'
        svc restart ver || fail "restart failed"
        wait_until 5 grep -q 1.1 "$T/ver" || fail "ver did not restart onto 1.1: $(cat "$T/ver")"
        assert_eq "$T/$TREES/.bull/2" "$(tree_path ver)"
        out=$(svc tree rollback bull) || fail "rollback failed: $out"
        assert_contains "$out" "back to generation 1 (from 2)"
        assert_contains "$out" "Restarting onto generation 1: ver."
        wait_until 5 grep -q 1.0 "$T/ver" || fail "rollback did not restart ver onto 1.0: $(cat "$T/ver")"
        assert_eq "$T/$TREES/.bull/1" "$(tree_path ver)"
        out=$(svc tree upgrade bull) || fail "second upgrade failed: $out"
        assert_contains "$out" "generation 3 is current, upgraded from 1"
        wait_until 5 grep -q 1.1 "$T/ver" || fail "upgrade did not restart ver: $(cat "$T/ver")"
        assert_eq "$T/$TREES/.bull/3" "$(tree_path ver)"
        assert_eq "1 3 manifest.json" "$(ls "$T/$TREES/.bull" | tr '\n' ' ' | sed 's/ $//')" "kept: current and previous"
        assert_contains "$(svc tree upgrade bull)" "is up to date: generation 3 stays"
        svc tree list | grep -Eq '^bull +debian bullseye +3 ' || fail "list: $(svc tree list)"
}

# Both services see the tree's libssl as the same file (device and inode), and the libc their
# sleep has mapped is the same inode on the host: one copy in the page cache for both. Isolated
# units: a bind of the test's root would add an overlay for its mount point, with a device of its
# own (the mapped files would still be the tree's).
test_two_services_on_one_tree_share_its_files() {
        debian_tree bull
        local lib n
        lib=$(cd "$T/$TREES/bull" && find usr/lib -name libssl.so.1.1 | head -n 1)
        [ -n "$lib" ] || fail "no libssl.so.1.1 in the tree"
        for n in a b; do
                unit_isolated "$n" <<EOF
[Service]
RootDirectory=bull
ExecStart=/bin/sh -c 'echo "stat \$(stat -L -c "%%d %%i" /$lib)"; exec sleep 1000'
EOF
        done
        start_svcd
        svc start a b || fail "start failed"
        wait_until 5 grep -q ' stat [0-9]' "$T/var/log/svc/a/current" || fail "a wrote nothing: $(logof a)"
        wait_until 5 grep -q ' stat [0-9]' "$T/var/log/svc/b/current" || fail "b wrote nothing: $(logof b)"
        local sa sb
        sa=$(sed -n 's/.* stat //p' "$T/var/log/svc/a/current")
        sb=$(sed -n 's/.* stat //p' "$T/var/log/svc/b/current")
        assert_eq "$sa" "$sb" "device and inode of $lib in a and b"
        assert_eq "$(stat -L -c '%d %i' "$T/$TREES/bull/$lib")" "$sa" "the same file as the tree's"
        local ma mb libc
        ma=$(awk '/libc[.-]/ { print $4, $5; exit }' "/proc/$(main_pid a)/maps")
        mb=$(awk '/libc[.-]/ { print $4, $5; exit }' "/proc/$(main_pid b)/maps")
        [ -n "$ma" ] || fail "a's sleep maps no libc"
        assert_eq "$ma" "$mb" "the libc mapped by a and by b"
        libc=$(find "$T/$TREES/bull/" -name 'libc-*.so' -o -name libc.so.6 -type f | head -n 1)
        assert_eq "$(stat -L -c %i "$libc")" "${ma#* }" "the mapped libc is the tree's $libc"
        assert_contains "$(svc tree list)" "a, b"
}

# ---- images -----------------------------------------------------------------------------------

# Two layers: the second removes etc/motd (.wh.) and the lower contents of opt/app (opaque,
# written after its own opt/app/c in the archive), adds etc/new. busybox-static runs the unit.
make_layers() {
        local l1=$T/img/l1 l2=$T/img/l2
        mkdir -p "$l1/etc" "$l1/opt/app/sub" "$l1/bin" "$l1/usr/bin" "$l2/etc" "$l2/opt/app"
        cp "$(command -v busybox)" "$l1/bin/busybox"
        printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' >"$l1/etc/passwd"
        printf 'root:x:0:\nnogroup:x:65534:\n' >"$l1/etc/group"
        echo one >"$l1/etc/motd"
        echo keep >"$l1/etc/keep"
        echo a >"$l1/opt/app/a"
        echo s >"$l1/opt/app/sub/s"
        ln "$l1/opt/app/a" "$l1/opt/hardlink"
        ln -s motd "$l1/etc/link"
        mkfifo "$l1/opt/fifo"
        printf '#!/bin/sh\n' >"$l1/usr/bin/suid"
        chmod 4755 "$l1/usr/bin/suid"
        : >"$l2/etc/.wh.motd"
        : >"$l2/opt/app/.wh..wh..opq"
        echo c >"$l2/opt/app/c"
        echo new >"$l2/etc/new"
        tar --numeric-owner -C "$l1" -cf "$T/img/layer1.tar" . || fail "tar"
        tar --numeric-owner --no-recursion -C "$l2" -cf "$T/img/layer2.tar" ./etc ./etc/.wh.motd ./etc/new ./opt ./opt/app \
                ./opt/app/c ./opt/app/.wh..wh..opq || fail "tar"
}

CONFIG='{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/bin/busybox","sh","-c"],"Cmd":["echo \"[$GREETING]\" 100% '"'"'$NOPE'"'"' \"$(pwd)\" $(id -u)"],"Env":["PATH=/bin:/usr/bin","GREETING=hi there"],"WorkingDir":"/opt","User":"nobody","ExposedPorts":{"80/tcp":{}}},"rootfs":{"type":"layers","diff_ids":[]}}'

sha() { sha256sum "$1" | cut -d' ' -f1; }

# blob FILE: into $T/oci/blobs/sha256, prints its digest
blob() {
        local h
        h=$(sha "$1")
        mkdir -p "$T/oci/blobs/sha256"
        cp "$1" "$T/oci/blobs/sha256/$h"
        echo "$h"
}

make_oci() {
        make_layers
        gzip -k "$T/img/layer1.tar"
        echo "$CONFIG" >"$T/img/config.json"
        local c l1 l2 m
        c=$(blob "$T/img/config.json")
        l1=$(blob "$T/img/layer1.tar.gz")
        l2=$(blob "$T/img/layer2.tar")
        printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%d},{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%d}]}' \
                "$c" "$(stat -c %s "$T/img/config.json")" "$l1" "$(stat -c %s "$T/img/layer1.tar.gz")" "$l2" "$(stat -c %s "$T/img/layer2.tar")" >"$T/img/manifest.json"
        m=$(blob "$T/img/manifest.json")
        echo '{"imageLayoutVersion":"1.0.0"}' >"$T/oci/oci-layout"
        printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":1,"platform":{"architecture":"s390x","os":"linux"}},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"blog:1"},"platform":{"architecture":"%s","os":"linux"}}]}' \
                "$m" "$(stat -c %s "$T/img/manifest.json")" "$(dpkg --print-architecture)" >"$T/oci/index.json"
}

# docker save: <id>/layer.tar, the second one a symlink into blobs/ as newer Docker writes them.
make_docker() {
        make_layers
        local d=$T/docker h
        mkdir -p "$d/aaa" "$d/bbb" "$d/blobs/sha256"
        cp "$T/img/layer1.tar" "$d/aaa/layer.tar"
        h=$(sha "$T/img/layer2.tar")
        cp "$T/img/layer2.tar" "$d/blobs/sha256/$h"
        ln -s "../blobs/sha256/$h" "$d/bbb/layer.tar"
        echo "$CONFIG" >"$d/cfg.json"
        echo '[{"Config":"cfg.json","RepoTags":["blog:1"],"Layers":["aaa/layer.tar","bbb/layer.tar"]}]' >"$d/manifest.json"
        tar -C "$d" -cf "$T/docker.tar" . || fail "tar"
}

# check_image_tree NAME: the two layers applied, file by file.
check_image_tree() {
        local t=$T/$TREES/$1
        [ -x "$t/bin/busybox" ] || fail "$1: no busybox"
        [ ! -e "$t/etc/motd" ] || fail "$1: etc/motd was whited out"
        assert_eq keep "$(cat "$t/etc/keep")" "$1: etc/keep"
        assert_eq new "$(cat "$t/etc/new")" "$1: etc/new"
        assert_eq "c" "$(ls "$t/opt/app" | tr '\n' ' ' | sed 's/ $//')" "$1: opt/app after the opaque whiteout"
        assert_eq a "$(cat "$t/opt/hardlink")" "$1: a hardlink to a file whited out later keeps its data"
        assert_eq motd "$(readlink "$t/etc/link")" "$1: the symlink, as it was"
        [ -p "$t/opt/fifo" ] || fail "$1: opt/fifo is not a FIFO"
        assert_eq 755 "$(stat -c %a "$t/usr/bin/suid")" "$1: the setuid bit dropped"
        [ -z "$(find "$t/" -name '.wh.*')" ] || fail "$1: whiteouts left in the tree: $(find "$t/" -name '.wh.*')"
}

test_import_oci_layout_directory_and_tar() {
        make_oci
        local out
        out=$(svc tree import oci "$T/oci" 2>&1) || fail "import of the OCI directory failed: $out"
        assert_contains "$out" "Imported tree oci from $T/oci (OCI layout blog:1, 2 layers"
        assert_contains "$out" "Dropped the setuid/setgid bits of 1 file (--keep-setuid keeps them)."
        check_image_tree oci
        tar -C "$T/oci" -cf "$T/oci.tar" . || fail "tar"
        out=$(svc tree import ocitar "$T/oci.tar" --keep-setuid 2>&1) || fail "import of the OCI tar failed: $out"
        assert_eq 4755 "$(stat -c %a "$T/$TREES/ocitar/usr/bin/suid")" "--keep-setuid"
        chmod 755 "$T/$TREES/ocitar/usr/bin/suid"
        check_image_tree ocitar
        [ ! -e "$T/$TREES/.ocitar/.import" ] || fail "the unpacked archive was left behind"
        assert_contains "$(svc tree list)" "import oci.tar"
        local l2
        l2=$(sha "$T/img/layer2.tar")
        echo damage >>"$T/oci/blobs/sha256/$l2"
        out=$(svc tree import bad "$T/oci" 2>&1) && fail "a damaged blob was imported"
        assert_contains "$out" "blobs/sha256/$l2 in the image does not hash to its digest"
        [ ! -e "$T/$TREES/bad" ] || fail "a damaged import left a tree"
}

test_import_docker_save_seeds_a_unit() {
        make_docker
        local out
        out=$(svc tree import --unit blog web "$T/docker.tar" 2>&1) || fail "import failed: $out"
        assert_contains "$out" "Imported tree web from $T/docker.tar (docker save blog:1, 2 layers"
        assert_contains "$out" "Wrote $T/etc/svc/units/blog.unit"
        check_image_tree web
        local u=$T/etc/svc/units/blog.unit
        assert_contains "$(cat "$u")" 'ExecStart=/bin/busybox sh -c "echo \"[$$GREETING]\" 100%% '"'"'$$NOPE'"'"' \"$$(pwd)\" $$(id -u)"'
        assert_contains "$(cat "$u")" 'Environment="GREETING=hi there"'
        assert_contains "$(cat "$u")" "WorkingDirectory=/opt"
        assert_contains "$(cat "$u")" "User=nobody"
        assert_contains "$(cat "$u")" "# The image listens on 80/tcp."
        assert_contains "$(svc check "$u" 2>&1)" "blog.unit: ok"
        start_svcd
        svc start blog || fail "start failed: $(logof blog)"
        wait_until 5 grep -q 'hi there' "$T/var/log/svc/blog/current" || fail "no output: $(logof blog)"
        assert_contains "$(logof blog)" '[hi there] 100% $NOPE /opt 65534'
        out=$(svc tree import --unit blog web2 "$T/docker.tar" 2>&1) && fail "an existing unit file was overwritten"
        assert_contains "$out" "blog.unit exists"
        out=$(svc tree import --tag nope:2 web3 "$T/docker.tar" 2>&1) && fail "--tag of an image not there"
        assert_contains "$out" "no image tagged nope:2 in it"
        svc tree import --tag blog:1 web4 "$T/docker.tar" >/dev/null || fail "--tag blog:1"
        assert_contains "$(svc tree list --json)" '"name":"web4","description":"import docker.tar","origin":"import","suite":null,"variant":null,"source":"'"$T"'/docker.tar","format":"docker save","image":"blog:1"'
        [ ! -e "$T/$TREES/web2" ] && [ ! -e "$T/$TREES/web3" ] || fail "a refused import left a tree"
}

test_import_root_filesystem_tarball_is_not_upgraded() {
        need_cache
        local out start=$SECONDS
        out=$(svc tree import deb "$CACHE" 2>&1) || fail "import failed: $out"
        assert_contains "$out" "(root file system,"
        assert_contains "$out" "Dropped the setuid/setgid bits of"
        echo "    (imported $(du -sh "$CACHE" | cut -f1) in $((SECONDS - start)) s)"
        assert_contains "$(svc run --tree deb openssl version)" "OpenSSL 1.1.1"
        out=$(svc tree upgrade deb 2>&1) && fail "an imported tree was upgraded"
        assert_contains "$out" "tree deb was imported from an image"
}

# ---- hostile archives ----------------------------------------------------------------------------

# refused NAME ARCHIVE ENTRY: the import fails naming ENTRY, leaves no tree, writes nothing outside.
refused() {
        local before out rc=0
        before=$(find "$T/outside" -printf '%p %s %T@\n' | sort)
        out=$(svc tree import "$1" "$2" 2>&1) || rc=$?
        assert_eq 1 "$rc" "$1: exit code ($out)"
        assert_contains "$out" "entry '$3'" "$1: the message"
        [ ! -e "$T/$TREES/$1" ] && [ ! -e "$T/$TREES/.$1" ] || fail "$1: a partial tree was left"
        assert_eq "$before" "$(find "$T/outside" -printf '%p %s %T@\n' | sort)" "$1: outside"
        [ ! -e /tmp/svc-tree-escape ] || fail "$1: /tmp/svc-tree-escape was written"
        echo "$out" >>"$T/refusals"
}

test_hostile_archives_are_refused_naming_the_entry() {
        mkdir -p "$T/outside" "$T/h"
        echo victim >"$T/outside/victim"
        local o=$T/outside
        mktar "$T/h/dotdot.tar" '[["file","../../outside/evil","x"]]'
        refused dotdot "$T/h/dotdot.tar" "../../outside/evil"
        mktar "$T/h/inner.tar" '[["dir","a"],["file","a/../../tmp/svc-tree-escape","x"]]'
        refused inner "$T/h/inner.tar" "a/../../tmp/svc-tree-escape"
        mktar "$T/h/link.tar" '[["symlink","lnk","'"$o"'"],["file","lnk/evil","x"]]'
        refused link "$T/h/link.tar" "lnk/evil"
        mktar "$T/h/up.tar" '[["symlink","up","../../../../../../../.."],["file","up/tmp/svc-tree-escape","x"]]'
        refused up "$T/h/up.tar" "up/tmp/svc-tree-escape"
        mktar "$T/h/hl.tar" '[["hardlink","hl","../outside/victim"]]'
        refused hl "$T/h/hl.tar" "hl"
        mktar "$T/h/hllink.tar" '[["symlink","lnk","'"$o"'"],["hardlink","hl","lnk/victim"]]'
        refused hllink "$T/h/hllink.tar" "hl"
        mktar "$T/h/hlabs.tar" '[["hardlink","hl","'"$o"'/victim"]]'
        refused hlabs "$T/h/hlabs.tar" "hl"
        mktar "$T/h/dev.tar" '[["dir","dev"],["chr","dev/evil"]]'
        refused dev "$T/h/dev.tar" "dev/evil"
        assert_contains "$(cat "$T/refusals")" "would leave the tree ('..')"
        assert_contains "$(cat "$T/refusals")" "goes through lnk, a symbolic link"
        assert_contains "$(cat "$T/refusals")" "is a device node"
}

test_hostile_image_layers_are_refused() {
        mkdir -p "$T/outside" "$T/h"
        echo victim >"$T/outside/victim"
        local o=$T/outside
        mktar --image "$T/h/planted.tar" '[[["symlink","etc","'"$o"'"]],[["file","etc/evil","x"]]]'
        refused planted "$T/h/planted.tar" "etc/evil"
        mktar --image "$T/h/wh.tar" '[[["symlink","lnk","'"$o"'"]],[["file","lnk/.wh.victim",""]]]'
        refused wh "$T/h/wh.tar" "lnk/.wh.victim"
        mktar --image "$T/h/opq.tar" '[[["symlink","lnk","'"$o"'"]],[["file","lnk/.wh..wh..opq",""]]]'
        refused opq "$T/h/opq.tar" "lnk/.wh..wh..opq"
        mktar --image "$T/h/whdot.tar" '[[["dir","a"]],[["file","a/.wh..",""]]]'
        refused whdot "$T/h/whdot.tar" "a/.wh.."
        mktar "$T/h/outer.tar" '[["file","manifest.json","[]"],["file","../outer-evil","x"]]'
        refused outer "$T/h/outer.tar" "../outer-evil"
        assert_contains "$(cat "$T/refusals")" "layer 2 of 2 (l1/layer.tar): entry 'etc/evil' goes through etc, a symbolic link"
        # A leading '/' is dropped, as tar does; a file over a symlink replaces the link.
        mktar "$T/h/abs.tar" '[["file","/tmp/svc-tree-escape","x"],["symlink","evil","'"$o"'/victim"],["file","evil","mine"]]'
        svc tree import abs "$T/h/abs.tar" >/dev/null || fail "a harmless archive was refused"
        [ ! -e /tmp/svc-tree-escape ] || fail "an absolute entry landed on the host"
        assert_eq x "$(cat "$T/$TREES/abs/tmp/svc-tree-escape")" "the absolute entry, in the tree"
        assert_eq victim "$(cat "$o/victim")" "the file behind the replaced symlink"
        assert_eq mine "$(cat "$T/$TREES/abs/evil")"
}

# ---- slim, check, list, rm ----------------------------------------------------------------------

test_slim_tree_runs_its_program_under_svc_run() {
        local out
        out=$(svc tree slim web /usr/bin/curl sh) || fail "slim failed: $out"
        assert_contains "$out" "Made tree web:"
        local t=$T/$TREES/web
        [ -f "$t/usr/bin/curl" ] && [ -L "$t/usr/bin/sh" ] || fail "no curl or sh: $(ls -l "$t/usr/bin")"
        [ -n "$(find "$t/" -name 'libcurl.so*')" ] || fail "no libcurl in the tree"
        [ -z "$(find "$t/" -name 'libsystemd*')" ] || fail "libraries curl does not need were copied"
        assert_contains "$(svc run --tree web /usr/bin/curl --version)" "libcurl/"
        assert_eq "ok" "$(svc run --tree web /usr/bin/sh -c 'echo ok')" "sh in the slim tree"
        local rc=0
        svc run --tree web /bin/ls >/dev/null 2>&1 || rc=$?
        assert_eq 127 "$rc" "a program the slim tree lacks"
}

test_check_list_and_rm() {
        svc tree slim s /usr/bin/curl sleep >/dev/null || fail "slim failed"
        assert_eq "/usr/bin/curl: ok" "$(svc tree check s curl)"
        local out rc=0
        out=$(svc tree check s /usr/bin/openssl) || rc=$?
        assert_eq 1 "$rc" "check of a missing program"
        assert_contains "$out" "/usr/bin/openssl does not exist in tree s"
        mkdir -p "$T/$TREES/plain"
        cp -a "$T/$TREES/s/." "$T/$TREES/plain"
        unit_isolated u <<EOF
[Service]
RootDirectory=s
ExecStart=/usr/bin/sleep 1000
EOF
        out=$(svc tree list)
        assert_contains "$out" "NAME             ORIGIN                   GEN  UPGRADED          SIZE     UNITS"
        assert_contains "$out" "plain            -                        -    -"
        assert_contains "$out" "s                slim                     1    -"
        out=$(svc tree list --json)
        python3 -c '
import json, sys
l = {t["name"]: t for t in json.loads(sys.argv[1])}
s = l["s"]
assert s["origin"] == "slim" and s["generation"] == 1 and s["generations"] == [1], s
assert s["size_bytes"] > 1000000, s
assert s["units"] == [{"name": "u", "unit_file": True, "running": False, "generation": None, "current": False}], s
assert l["plain"]["generation"] is None and l["plain"]["units"] == [], l["plain"]
' "$out" || fail "list --json: $out"
        out=$(svc tree rm s 2>&1) && fail "rm of a tree a unit file names"
        assert_contains "$out" "tree s is in use by u (its unit file names it)"
        start_svcd
        svc start u || fail "start failed: $(logof u)"
        rm "$T/etc/svc/units/u.unit"
        out=$(svc tree rm s 2>&1) && fail "rm of a tree a service runs on"
        assert_contains "$out" "tree s is in use by u (running)"
        svc stop u || fail "stop failed"
        out=$(svc tree rm s) || fail "rm failed: $out"
        [ ! -e "$T/$TREES/s" ] && [ ! -e "$T/$TREES/.s" ] || fail "rm left $(ls -a "$T/$TREES")"
        svc tree rm plain >/dev/null || fail "rm of a plain tree failed"
        [ ! -e "$T/$TREES/plain" ] || fail "plain is still there"
        out=$(svc tree rm nosuch 2>&1) && fail "rm of nothing"
        assert_contains "$out" "there is no tree nosuch"
        out=$(svc tree rm ../x 2>&1) && fail "a bad name was taken"
        assert_contains "$out" "is not a tree name"
}

run_tests "$@"
