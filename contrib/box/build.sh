#!/bin/sh
# build.sh BUILD_DIR: the small box, a gzip'd cpio initramfs that boots Debian's kernel with svcd
# as /init, into BUILD_DIR/box:
#   initrd.gz   svcd as /init (dynamically linked: its libraries and ld.so come along), svc and
#               svc-ctl, Debian's busybox-static for everything else, the example units, enabled,
#               each on its small tree from contrib/demo-trees.sh (a unit whose tree that script
#               does not build stays disabled), /etc/hostname, and the modules svcd's features
#               need (overlay for Overlay=, veth and netfilter for PublishPort= and Outbound=,
#               virtio-blk and ext4 for a disk)
#               with their dependencies and a modules.dep, which the kernel loads on first use
#               through /sbin/modprobe (busybox), and the libraries svcd loads with dlopen()
#               (libnftables), found as sonames in its binary
#   vmlinux, vmlinuz  links to the kernel that contrib/box/fetch-kernel.sh (make deps) cached
# BUILD_DIR must be a normal build (make all demo-artifacts): a sanitizer build is refused.
set -eu

[ $# -eq 1 ] || { echo "usage: build.sh BUILD_DIR" >&2; exit 2; }
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${SVC_BOX_CACHE:-/var/cache/svc/box}
kdir=$cache/current
out=$build/box

die() {
        echo "box: $*" >&2
        exit 1
}

[ -e "$kdir/vmlinuz" ] || die "no kernel in $cache: run make deps (contrib/box/fetch-kernel.sh)"
version=$(basename "$(readlink -f "$kdir")")
for b in svcd svc svc-ctl svc-seccomp; do
        [ -x "$build/$b" ] || die "$build/$b is missing (make all)"
        # The box has no sanitizer runtime, and PID 1 must not be one that aborts on a report.
        if ldd "$build/$b" 2>/dev/null | grep -q 'libasan\|libubsan'; then
                die "$build/$b is a sanitizer build; the box takes a normal build (make O=build)"
        fi
done
busybox=$(command -v busybox) || die "busybox is missing (busybox-static)"
ldd "$busybox" >/dev/null 2>&1 && die "$busybox is not static (install busybox-static)"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
for d in bin sbin usr/bin usr/sbin usr/libexec/svc etc proc sys dev run tmp root var/log var/tmp; do
        mkdir -p "$stage/$d"
done
chmod 1777 "$stage/tmp" "$stage/var/tmp"

# install_elf SRC DST: a program at DST, and every library ldd resolves for it, at its own path.
install_elf() {
        mkdir -p "$stage$(dirname "$2")"
        cp -L "$1" "$stage$2"
        strip --strip-debug "$stage$2" 2>/dev/null || true
        ldd "$1" 2>/dev/null | awk '/=> \// { print $3 } /^\t\/[^ ]* \(/ { print $1 }' | while read -r lib; do
                [ -e "$stage$lib" ] && continue
                mkdir -p "$stage$(dirname "$lib")"
                cp -L "$lib" "$stage$lib"
                strip --strip-debug "$stage$lib" 2>/dev/null || true
        done
}
install_elf "$build/svcd" /init
# What svcd loads with dlopen() (ldd cannot see it): the sonames written in its binary that the
# host's loader knows, each with its own closure, where the loader looks by default.
for so in $(strings -n 6 "$build/svcd" | grep -E '^lib[A-Za-z0-9_+-]+\.so\.[0-9]+$' | sort -u); do
        path=$(ldconfig -p | awk -v so="$so" '$1 == so && /x86-64/ { print $NF; exit }')
        if [ -z "$path" ]; then
                echo "box: warning: svcd may load $so, which this machine does not have" >&2
                continue
        fi
        [ -e "$stage$path" ] || install_elf "$path" "$path"
done
ln -s /init "$stage/usr/sbin/svcd"
install_elf "$build/svc" /usr/bin/svc
# svc finds its helper in ../libexec/svc next to itself.
install_elf "$build/svc-ctl" /usr/libexec/svc/svc-ctl
# svcd runs svc-seccomp for a unit with hardening keys (/usr/libexec/svc is on its search list).
install_elf "$build/svc-seccomp" /usr/libexec/svc/svc-seccomp

cp "$busybox" "$stage/bin/busybox"
for a in $("$busybox" --list-full); do
        case $a in
        */svc | */svc[a-z]*) continue ;; # runit's svc and svok would come first in PATH
        esac
        [ -e "$stage/$a" ] || [ -L "$stage/$a" ] || ln -s /bin/busybox "$stage/$a"
done

# Units and their trees, as under svcd --root /.
mkdir -p "$stage/etc/svc/units" "$stage/var/lib/svc/enabled"
cp "$top"/units/examples/*.unit "$stage/etc/svc/units/"
"$top/contrib/demo-trees.sh" "$stage" "$build"
for u in "$top"/units/examples/*.unit; do
        u=$(basename "$u" .unit)
        [ -d "$stage/var/lib/svc/trees/$u" ] && : >"$stage/var/lib/svc/enabled/$u"
done

echo svc-box >"$stage/etc/hostname"
# For login shells (the emergency shell, make box-run's console): Debian's busybox runs its own
# applets before PATH, and one of them is runit's svc.
cat >"$stage/etc/profile" <<'EOF'
svc() { /usr/bin/svc "$@"; }
PS1='\h:\w\$ '
EOF
cat >"$stage/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$stage/etc/group" <<'EOF'
root:x:0:
tty:x:5:
svc:x:101:
nogroup:x:65534:
EOF

# The modules, with what each depends on (the cache's modules.dep lists it all). The kernel asks
# /sbin/modprobe (busybox) for fs-overlay, rtnl-link-veth, nft-expr-masq and so on, which the
# box's modules.alias (busybox depmod) resolves.
modules="overlay veth nf_tables nft_chain_nat nft_nat nft_masq nft_ct nft_fib_inet crc32c_generic
virtio_pci virtio_blk ext4"
kmod=$kdir/modules/lib/modules/$version
for m in $modules; do
        line=$(grep -E "(^|/)$m\.ko:" "$kmod/modules.dep") || die "module $m is not in $kmod"
        for f in $(echo "$line" | tr -d :); do
                mkdir -p "$stage/lib/modules/$version/$(dirname "$f")"
                cp "$kmod/$f" "$stage/lib/modules/$version/$f"
        done
done
cp "$kmod/modules.builtin" "$kmod/modules.order" "$stage/lib/modules/$version/"
"$busybox" depmod -b "$stage" "$version"

mkdir -p "$out"
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -6 >"$out/initrd.gz.new"
mv "$out/initrd.gz.new" "$out/initrd.gz"
ln -sfn "$kdir/vmlinux" "$out/vmlinux"
ln -sfn "$kdir/vmlinuz" "$out/vmlinuz"
echo "box: $out/initrd.gz ($(du -k "$out/initrd.gz" | cut -f1) KiB), kernel $version"
