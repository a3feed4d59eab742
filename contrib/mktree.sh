#!/bin/sh
# mktree.sh DEST [--busybox] [--lib DIR] [--copy PROGRAM]... [--file SRC:DST]... [--deb FILE]...
#           [--closure PATH]...
#
# Makes a small library tree in DEST (a directory that must not exist yet):
#   --busybox     Debian's busybox-static as /bin/busybox, with a link for every applet
#   --lib DIR     DIR/libsvcdemo.so.1 as /usr/lib/libsvcdemo.so.1 (one version of the demo library)
#   --copy PROG   a host program at the same path, with its ELF library closure and loader
#   --prog S:D    a program S at D inside, with the host libraries it needs (those it finds)
#   --file S:D    a host file S at D inside
#   --deb FILE    the files of a Debian package (dpkg-deb -x; no maintainer scripts run)
#   --closure P   the host libraries that P, a program already in the tree, needs and the tree
#                 lacks (the tree's own libraries are found first)
# Always: /etc/passwd and /etc/group with root, nobody and www-data, and the usual mount points.
set -eu

dest=$1
shift
[ ! -e "$dest" ] || { echo "mktree: $dest exists" >&2; exit 1; }
mkdir -p "$dest"
for d in bin sbin usr/bin usr/sbin usr/lib etc proc dev sys tmp run var/tmp var/lib var/log root home srv; do
        mkdir -p "$dest/$d"
done
chmod 1777 "$dest/tmp" "$dest/var/tmp"
cat >"$dest/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
www-data:x:33:33:www-data:/var/www:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$dest/etc/group" <<'EOF'
root:x:0:
www-data:x:33:
nogroup:x:65534:
EOF
echo "/usr/lib" >"$dest/etc/ld.so.conf"

# copy_file SRC DST-inside: keeps the file's mode; follows the host's symlinks.
copy_file() {
        mkdir -p "$dest$(dirname "$2")"
        cp -L "$1" "$dest$2"
}

# copy_closure SRC DST: the program and its ELF closure, as the host's loader resolves it.
copy_closure() {
        copy_file "$1" "$2"
        ldd "$1" 2>/dev/null | awk '/=> \// { print $3 } /^\t\/[^ ]* \(/ { print $1 }' | while read -r lib; do
                [ -e "$dest$lib" ] || copy_file "$lib" "$lib"
        done
}

while [ $# -gt 0 ]; do
        case $1 in
        --busybox)
                bb=$(command -v busybox)
                cp "$bb" "$dest/bin/busybox"
                for a in $("$dest/bin/busybox" --list); do
                        [ "$a" = busybox ] || [ -e "$dest/bin/$a" ] || ln -s busybox "$dest/bin/$a"
                done
                ;;
        --lib)
                cp "$2/libsvcdemo.so.1" "$dest/usr/lib/libsvcdemo.so.1"
                shift
                ;;
        --copy)
                copy_closure "$2" "$2"
                shift
                ;;
        --prog)
                copy_closure "${2%%:*}" "${2#*:}"
                shift
                ;;
        --file)
                copy_file "${2%%:*}" "${2#*:}"
                shift
                ;;
        --deb)
                dpkg-deb -x "$2" "$dest"
                shift
                ;;
        --closure)
                libs=$dest/lib/x86_64-linux-gnu:$dest/usr/lib/x86_64-linux-gnu:$dest/usr/lib
                LD_LIBRARY_PATH=$libs ldd "$dest$2" 2>/dev/null |
                        awk '/=> \// { print $3 } /^\t\/[^ ]* \(/ { print $1 }' | while read -r lib; do
                        case $lib in "$dest"/*) continue ;; esac
                        [ -e "$dest$lib" ] || copy_file "$lib" "$lib"
                done
                shift
                ;;
        *)
                echo "mktree: unknown option $1" >&2
                exit 2
                ;;
        esac
        shift
done
