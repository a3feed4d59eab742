#!/bin/sh
# contrib/deb.sh DIR VERSION: builds the Debian package from a copy of the sources in
# DIR/svc-VERSION (the files git tracks, and new ones it does not ignore, as they are in the work
# tree), so that dpkg-buildpackage's build and debian/ leftovers never touch the clone. The .deb,
# .changes and .buildinfo land in DIR.
set -eu
dir=$1
version=$2
[ -n "$version" ] || { echo "contrib/deb.sh: no version (debian/changelog)" >&2; exit 1; }
src=$dir/svc-$version
rm -rf "$dir"
mkdir -p "$src"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git ls-files -z -c -o --exclude-standard |
                xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
                tar --null -T - -cf - | tar -xf - -C "$src"
else
        tar --exclude=./build --exclude='./*.deb' -cf - . | tar -xf - -C "$src"
fi
cd "$src"
dpkg-buildpackage -us -uc -b
