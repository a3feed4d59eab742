#!/usr/bin/env bash
# tests/fresh-deps.sh [BUILD_DIR]: what a new machine's first `make deps` and `make test-deps` do, proven.
# Runs every script that fills a cache (libsystemd, fetch-debs, test-trees, demo-releases, fetch-kernel, ...) against caches that
# do not exist yet, as on a machine where /var/cache/svc was never made, and checks that each
# exits 0 and leaves what the demo and the tests read. A cache that was already warm on the
# machine that ran CI once hid a failing first run; this runs the first run every time.
#
# Talks to Debian's archive (what `make deps` does), so .ci/run calls it, `make check` does not.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
# The svc whose `svc tree create` makes the daemons' tree.
build=$(cd "${1:-$here/build}" && pwd) || exit 1
if [ "$(id -u)" != 0 ]; then
        echo "fresh-deps: needs root (debootstrap, apt-get download)" >&2
        exit 1
fi
base=$(mktemp -d /var/tmp/svc-fresh-deps.XXXXXX)
trap 'rm -rf "$base"' EXIT
# Not even the cache's parent exists: the scripts make what they need.
export SVC_DEBS=$base/cache/debs SVC_TEST_TREES=$base/cache/test-trees SVC_BOX_CACHE=$base/cache/box \
        SVC_UNIT_CORPUS=$base/cache/unit-corpus SVC_DEMO_TREES=$base/cache/demo-trees \
        SVC_KUBE_SCHEMA=$base/cache/kube-schema SVC_MIGRATE_IMAGES=$base/cache/migrate \
        SVC_LIBSYSTEMD=$base/cache/libsystemd

passed=0 failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
not_ok() { echo "not ok - $1"; failed=$((failed + 1)); }

# step NAME COMMAND...: the script exits 0 on an empty cache.
step() {
        local name=$1 log=$base/$1.log
        shift
        if "$@" >"$log" 2>&1; then
                ok "$name exits 0 on an empty cache"
        else
                not_ok "$name exits $? on an empty cache"
                tail -n 20 "$log" | sed 's/^/    /'
        fi
}
# has WHAT PATH: the file a later step reads is there and not empty.
has() {
        if [ -s "$2" ]; then ok "$1"; else not_ok "$1: $2 is missing or empty"; fi
}

# make deps: libsystemd from Debian's source, linked statically by svcd and svc-ctl.
step libsystemd sh "$here/contrib/libsystemd.sh"
has "libsystemd leaves sd.o" "$SVC_LIBSYSTEMD/current/sd.o"
has "libsystemd leaves sd-bus.h" "$SVC_LIBSYSTEMD/current/include/systemd/sd-bus.h"
if [ -z "$(nm -g --defined-only "$SVC_LIBSYSTEMD/current/sd.o" 2>/dev/null | awk '$3 !~ /^sd_/')" ]; then
        ok "sd.o defines no global symbol but sd_*"
else
        not_ok "sd.o defines other global symbols: $(nm -g --defined-only "$SVC_LIBSYSTEMD/current/sd.o" | awk '$3 !~ /^sd_/' | head -n 3)"
fi
if [ -z "$(find "$SVC_LIBSYSTEMD" -mindepth 1 -maxdepth 1 -name '.build.*')" ]; then
        ok "libsystemd leaves no build directory"
else
        not_ok "libsystemd left $(find "$SVC_LIBSYSTEMD" -mindepth 1 -maxdepth 1 -name '.build.*')"
fi

step fetch-debs sh "$here/contrib/fetch-debs.sh" vsftpd libwrap0
has "fetch-debs leaves vsftpd.deb" "$SVC_DEBS/vsftpd.deb"
has "fetch-debs leaves libwrap0.deb" "$SVC_DEBS/libwrap0.deb"

step test-trees sh "$here/contrib/test-trees.sh"
has "test-trees leaves the bullseye tarball" "$SVC_TEST_TREES/bullseye-minbase-v1.tar"
if tar -tf "$SVC_TEST_TREES/bullseye-minbase-v1.tar" ./usr/share/svc-testpkg/version >/dev/null 2>&1; then
        ok "the bullseye tarball holds svc-testpkg"
else
        not_ok "the bullseye tarball holds no svc-testpkg"
fi
if [ -z "$(find "$SVC_TEST_TREES" -mindepth 1 -maxdepth 1 -name '.build.*')" ]; then
        ok "test-trees leaves no build directory"
else
        not_ok "test-trees left $(find "$SVC_TEST_TREES" -mindepth 1 -maxdepth 1 -name '.build.*')"
fi

step test-daemon-tree sh "$here/contrib/test-daemon-tree.sh" "$build"
has "test-daemon-tree leaves the bookworm tree" "$SVC_TEST_TREES/bookworm-daemons-v1/etc/debian_version"
for f in usr/sbin/nginx usr/sbin/sshd usr/sbin/postfix usr/sbin/dovecot usr/bin/redis-server \
        usr/sbin/vsftpd usr/sbin/cron usr/sbin/mariadbd; do
        has "the daemons' tree holds /$f" "$SVC_TEST_TREES/bookworm-daemons-v1/$f"
done
if grep -q '^inet_interfaces = loopback-only' "$SVC_TEST_TREES/bookworm-daemons-v1/etc/postfix/main.cf"; then
        ok "postfix of the daemons' tree is configured Local only"
else
        not_ok "postfix of the daemons' tree is not configured Local only"
fi
if [ -z "$(find "$SVC_TEST_TREES" -mindepth 1 -maxdepth 1 -name '.build.*')" ]; then
        ok "test-daemon-tree leaves no build directory"
else
        not_ok "test-daemon-tree left $(find "$SVC_TEST_TREES" -mindepth 1 -maxdepth 1 -name '.build.*')"
fi

# The demo's trees: make demo's first run builds them (make demo-deps), test-demo reads them.
step demo-releases sh "$here/contrib/demo-releases.sh" "$build"
d=$SVC_DEMO_TREES
for f in blog-bullseye-v1/usr/sbin/nginx blog-bullseye-v1/var/www/html/index.html mail-trixie-v1/usr/sbin/postfix \
        mail-trixie-v1/usr/sbin/dovecot mail-trixie-v1/etc/dovecot/conf.d/10-auth.conf \
        ftp-bookworm-v1/usr/sbin/vsftpd ftp-bookworm-v1/srv/ftp/pub/hello.txt; do
        has "the demo's trees hold /$f" "$d/$f"
done
for t in blog-bullseye-v1:bullseye mail-trixie-v1:trixie ftp-bookworm-v1:bookworm; do
        has "the demo's ${t%%:*} has openssl" "$d/${t%%:*}/usr/bin/openssl"
        if grep -q "${t#*:}" "$d/${t%%:*}/etc/apt/sources.list"; then
                ok "the demo's ${t%%:*} is Debian ${t#*:}"
        else
                not_ok "the demo's ${t%%:*} is not Debian ${t#*:}"
        fi
done
if grep -q '^alice:x:1000:' "$d/mail-trixie-v1/etc/passwd"; then
        ok "the demo's mail tree has the user alice"
else
        not_ok "the demo's mail tree has no user alice"
fi
if [ -z "$(find "$d" -mindepth 1 -maxdepth 1 -name '.build.*')" ]; then
        ok "demo-releases leaves no build directory"
else
        not_ok "demo-releases left $(find "$d" -mindepth 1 -maxdepth 1 -name '.build.*')"
fi

step fetch-kernel sh "$here/contrib/box/fetch-kernel.sh"
has "fetch-kernel leaves a kernel" "$SVC_BOX_CACHE/current/vmlinuz"
has "fetch-kernel leaves the overlay module" "$SVC_BOX_CACHE/current/modules/lib/modules/$(readlink "$SVC_BOX_CACHE/current")/kernel/fs/overlayfs/overlay.ko"

# svc migrate's VM disks, from the daemons' tree and the bullseye tarball above, and the VM's
# kernel packages from Debian's archive.
step test-migrate-images sh "$here/contrib/test-migrate-images.sh"
for f in blog-vm.qcow2 mbr-ext4.raw xfs.raw btrfs.raw btrfs-subvol.raw ext4.vmdk luks.raw noroot.raw arm64.raw windows.raw; do
        has "test-migrate-images leaves $f" "$SVC_MIGRATE_IMAGES/v2/$f"
done

step unit-corpus sh "$here/contrib/unit-corpus.sh"
has "unit-corpus leaves its manifest" "$SVC_UNIT_CORPUS/MANIFEST"
has "unit-corpus leaves nginx.service" "$SVC_UNIT_CORPUS/nginx-common/nginx.service"

step kube-schema sh "$here/contrib/kube-schema.sh"
has "kube-schema leaves kubernetes-models" "$SVC_KUBE_SCHEMA/node_modules/kubernetes-models/package.json"
if [ -z "$(find "$SVC_KUBE_SCHEMA" -mindepth 1 -maxdepth 1 -name '.build.*')" ]; then
        ok "kube-schema leaves no build directory"
else
        not_ok "kube-schema left $(find "$SVC_KUBE_SCHEMA" -mindepth 1 -maxdepth 1 -name '.build.*')"
fi

# A second run finds everything and returns at once.
step libsystemd-again sh "$here/contrib/libsystemd.sh"
step fetch-debs-again sh "$here/contrib/fetch-debs.sh" vsftpd libwrap0
step test-trees-again sh "$here/contrib/test-trees.sh"
step test-daemon-tree-again sh "$here/contrib/test-daemon-tree.sh" "$build"
step demo-releases-again sh "$here/contrib/demo-releases.sh" "$build"
step fetch-kernel-again sh "$here/contrib/box/fetch-kernel.sh"
step unit-corpus-again sh "$here/contrib/unit-corpus.sh"
step kube-schema-again sh "$here/contrib/kube-schema.sh"
step test-migrate-images-again sh "$here/contrib/test-migrate-images.sh"

echo "fresh-deps: $passed passed, $failed failed"
[ "$failed" = 0 ]
