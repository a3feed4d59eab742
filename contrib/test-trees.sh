#!/bin/sh
# test-trees.sh [--force]: builds, once, the Debian tree the tests of `svc tree` use, and caches
# it outside the clone, so that `make check` never runs debootstrap and stays fast.
#
#   $SVC_TEST_TREES (default /var/cache/svc/test-trees)/bullseye-minbase-v1.tar
#
# A root file system tarball (what `svc tree import` takes besides images): debootstrap
# --variant=minbase of bullseye with openssl (1.1.1, where the host has 3), without /dev nodes,
# downloaded .debs or package lists, plus svc-testpkg 1.0, a package of ours holding
# /usr/share/svc-testpkg/version, which the upgrade test replaces by 1.1 from a local repository.
# Nothing else of the network is used: only Debian's mirror, here. Runs as root; a second run
# returns at once.
set -eu

cache=${SVC_TEST_TREES:-/var/cache/svc/test-trees}
out=$cache/bullseye-minbase-v1.tar
mirror=${SVC_TEST_MIRROR:-http://deb.debian.org/debian}

if [ "${1:-}" != --force ] && [ -s "$out" ]; then
        exit 0
fi
if [ "$(id -u)" != 0 ]; then
        echo "test-trees: building $out needs root (debootstrap)" >&2
        exit 1
fi
command -v debootstrap >/dev/null || {
        echo "test-trees: debootstrap is missing (make deps installs it)" >&2
        exit 1
}
mkdir -p "$cache"
work=$(mktemp -d "$cache/.build.XXXXXX")
# The exit status is the script's, never the clean-up's: under set -e a failing command in
# the trap would replace it (an umount of a /proc nobody mounted once failed a complete build).
cleanup() {
        rc=$?
        if mountpoint -q "$work/tree/proc" 2>/dev/null; then
                umount -R "$work/tree/proc" || :
        fi
        rm -rf "$work" || :
        exit "$rc"
}
trap cleanup EXIT

echo "test-trees: building $out (debootstrap bullseye minbase, once)" >&2
log=$work/debootstrap.log
if ! debootstrap --variant=minbase --include=openssl bullseye "$work/tree" "$mirror" >"$log" 2>&1; then
        tail -n 30 "$log" >&2
        echo "test-trees: debootstrap failed" >&2
        exit 1
fi

# svc-testpkg 1.0: the package the upgrade test upgrades.
pkg=$work/pkg
mkdir -p "$pkg/DEBIAN" "$pkg/usr/share/svc-testpkg"
printf 'Package: svc-testpkg\nVersion: 1.0\nArchitecture: all\nMaintainer: svc <svc@localhost>\nDescription: svc test package\n' >"$pkg/DEBIAN/control"
echo 1.0 >"$pkg/usr/share/svc-testpkg/version"
dpkg-deb --root-owner-group --build "$pkg" "$work/tree/tmp/svc-testpkg.deb" >/dev/null
chroot "$work/tree" dpkg -i /tmp/svc-testpkg.deb >/dev/null
rm -f "$work/tree/tmp/svc-testpkg.deb"

# What a tree needs no copy of.
rm -rf "$work/tree/var/cache/apt/archives/"*.deb "$work/tree/var/lib/apt/lists/"* \
        "$work/tree/var/cache/apt/"*.bin "$work/tree/dev/"*
tar -C "$work/tree" --numeric-owner -cf "$work/out.tar" .
mv "$work/out.tar" "$out"
echo "test-trees: $out ($(du -h "$out" | cut -f1))" >&2
