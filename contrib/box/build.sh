#!/bin/sh
# build.sh BUILD_DIR: the small box, a gzip'd cpio initramfs that boots Debian's kernel with svcd
# as /init, into BUILD_DIR/box:
#   initrd.gz   svcd as /init (dynamically linked: its libraries and ld.so come along), svc and
#               svc-ctl, Debian's busybox-static for everything else, the example units (blog
#               and mail enabled, each on its small tree from contrib/demo-trees.sh; ftp has no
#               tree yet and stays disabled), /etc/hostname, and overlay.ko and veth.ko with a
#               modules.dep, so that the kernel loads them on first use through /sbin/modprobe
#   vmlinux, vmlinuz  links to the kernel that contrib/box/fetch-kernel.sh (make deps) cached
# BUILD_DIR must be a normal build (make all demo-artifacts): a sanitizer build is refused.
set -eu

[ $# -eq 1 ] || { echo "usage: build.sh BUILD_DIR" >&2; exit 2; }
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${SVC_BOX_CACHE:-/var/cache/svc-box}
kdir=$cache/current
out=$build/box

die() {
        echo "box: $*" >&2
        exit 1
}

[ -e "$kdir/vmlinuz" ] || die "no kernel in $cache: run make deps (contrib/box/fetch-kernel.sh)"
version=$(basename "$(readlink -f "$kdir")")
for b in svcd svc svc-ctl; do
        [ -x "$build/$b" ] || die "$build/$b is missing (make all)"
        # The box has no sanitizer runtime, and PID 1 must not be one that aborts on a report.
        if ldd "$build/$b" | grep -q 'libasan\|libubsan'; then
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
        cp "$1" "$stage$2"
        strip --strip-debug "$stage$2" 2>/dev/null || true
        ldd "$1" | awk '/=> \// { print $3 } /^\t\/[^ ]* \(/ { print $1 }' | while read -r lib; do
                [ -e "$stage$lib" ] && continue
                mkdir -p "$stage$(dirname "$lib")"
                cp -L "$lib" "$stage$lib"
                strip --strip-debug "$stage$lib" 2>/dev/null || true
        done
}
install_elf "$build/svcd" /init
ln -s /init "$stage/usr/sbin/svcd"
install_elf "$build/svc" /usr/bin/svc
# svc finds its helper in ../libexec/svc next to itself.
install_elf "$build/svc-ctl" /usr/libexec/svc/svc-ctl

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
: >"$stage/var/lib/svc/enabled/blog"
: >"$stage/var/lib/svc/enabled/mail"
"$top/contrib/demo-trees.sh" "$stage" "$build"

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

# The sandbox's modules: the kernel asks /sbin/modprobe (busybox) for fs-overlay and
# rtnl-link-veth, which modules.dep and modules.alias (busybox depmod) resolve.
mkdir -p "$stage/lib/modules"
cp -R "$kdir/modules/lib/modules/$version" "$stage/lib/modules/"
"$busybox" depmod -b "$stage" "$version"

mkdir -p "$out"
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -6 >"$out/initrd.gz.new"
mv "$out/initrd.gz.new" "$out/initrd.gz"
ln -sfn "$kdir/vmlinux" "$out/vmlinux"
ln -sfn "$kdir/vmlinuz" "$out/vmlinuz"
echo "box: $out/initrd.gz ($(du -k "$out/initrd.gz" | cut -f1) KiB), kernel $version"
