#!/bin/sh
# fetch-kernel.sh [CACHE]: Debian's kernel for the box (contrib/box/build.sh), kept outside the
# clone in CACHE (default $SVC_BOX_CACHE, else /var/cache/svc/box). Run by `make deps`; quick when
# the cache already holds the kernel that linux-image-amd64 depends on.
#
# CACHE/VERSION/ holds only what the box needs out of the 70 MB package:
#   vmlinuz                  the bzImage
#   vmlinux                  the ELF inside it: qemu boots it through its PVH note, which skips
#                            the xz decompression that takes ~2.4 s of a 4 s boot under TCG
#   config                   the kernel's configuration, for reference
#   modules/lib/modules/VERSION/  the modules a box may take (build.sh picks its list and their
#                            dependencies): overlay.ko, veth.ko, netfilter for PublishPort= and
#                            Outbound=, libcrc32c and crc32c, virtio-blk and ext4 for the disk of
#                            the power-cut scenario (tests/box); modules.dep etc. from busybox depmod
#                            (the package has none: its postinst runs depmod)
# CACHE/current is a symbolic link to the newest VERSION.
set -eu
set -f # the module patterns are tar's, not the shell's

cache=${1:-${SVC_BOX_CACHE:-/var/cache/svc/box}}
# What to take out of lib/modules/VERSION (tar patterns).
modules="kernel/fs/overlayfs/overlay.ko kernel/drivers/net/veth.ko kernel/net/netfilter/*
kernel/net/ipv4/netfilter/* kernel/net/ipv6/netfilter/* kernel/lib/libcrc32c.ko
kernel/crypto/crc32c_generic.ko kernel/arch/x86/crypto/crc32c-intel.ko
kernel/drivers/virtio/* kernel/drivers/block/virtio_blk.ko kernel/fs/ext4/ext4.ko
kernel/fs/jbd2/jbd2.ko kernel/fs/mbcache.ko kernel/lib/crc16.ko"
# Bump when the list above changes: an older cache is fetched again.
layout=3
# The package linux-image-amd64 points to (linux-image-6.1.0-56-amd64 on bookworm today), or
# SVC_BOX_KERNEL.
kernel_package() {
        echo "${SVC_BOX_KERNEL:-$(apt-cache depends linux-image-amd64 2>/dev/null |
                sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n 1)}"
}
pkg=$(kernel_package)
if [ -z "$pkg" ]; then
        if [ -e "$cache/current/vmlinuz" ]; then
                echo "fetch-kernel: apt knows no linux-image-amd64; keeping $(readlink "$cache/current")" >&2
                exit 0
        fi
        echo "fetch-kernel: apt knows no linux-image-amd64 (apt-get update?)" >&2
        exit 1
fi
version=${pkg#linux-image-}
dest=$cache/$version
if [ "$(cat "$dest/layout" 2>/dev/null)" = "$layout" ]; then
        ln -sfn "$version" "$cache/current"
        exit 0
fi

mkdir -p "$cache"
work=$(mktemp -d "$cache/.fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
# download: the .deb of $pkg into $work. As root, apt warns that its _apt user cannot write
# there; the download works all the same.
download() {
        echo "fetch-kernel: downloading $pkg into $cache"
        (cd "$work" && apt-get download -q "$pkg") 2>&1 | grep -v '_apt' || true
        deb=$(find "$work" -maxdepth 1 -name "${pkg}_*.deb" | head -n 1)
        [ -n "$deb" ]
}
# Stale package lists name a kernel the mirror replaced (a security update): update, once.
if ! download; then
        apt-get update -qq
        pkg=$(kernel_package)
        version=${pkg#linux-image-}
        dest=$cache/$version
        download || { echo "fetch-kernel: apt-get download $pkg failed" >&2; exit 1; }
fi

# Only the files the box uses (a few MB instead of 400).
want="./boot/vmlinuz-$version ./boot/config-$version ./lib/modules/$version/modules.builtin"
want="$want ./lib/modules/$version/modules.order"
for m in $modules; do
        want="$want ./lib/modules/$version/$m"
done
mkdir -p "$work/x"
# shellcheck disable=SC2086 # a list of patterns
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work/x" --wildcards $want

new=$work/$version
mkdir -p "$new/modules/lib/modules"
cp "$work/x/boot/vmlinuz-$version" "$new/vmlinuz"
cp "$work/x/boot/config-$version" "$new/config"
mv "$work/x/lib/modules/$version" "$new/modules/lib/modules/$version"
busybox depmod -b "$new/modules" "$version"
# The ELF inside the bzImage: it follows the xz stream's magic (FD 37 7A 58 5A 00). xz stops with
# an error at the padding after the stream; the ELF is complete by then.
magic=$(printf '\3757zXZ')
off=$(LC_ALL=C grep -abo "$magic" "$new/vmlinuz" | head -n 1 | cut -d: -f1)
[ -n "$off" ] || { echo "fetch-kernel: no xz stream in vmlinuz" >&2; exit 1; }
tail -c +$((off + 1)) "$new/vmlinuz" | xz -dc >"$new/vmlinux" 2>/dev/null || true
if [ "$(head -c 4 "$new/vmlinux" | od -An -c | tr -d ' ')" != '177ELF' ]; then
        echo "fetch-kernel: could not take vmlinux out of vmlinuz" >&2
        exit 1
fi

echo "$layout" >"$new/layout"
rm -rf "$dest"
mv "$new" "$dest"
ln -sfn "$version" "$cache/current"
echo "fetch-kernel: $dest ready ($(du -sh "$dest" | cut -f1) on disk)"
