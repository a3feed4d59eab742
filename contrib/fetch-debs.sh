#!/bin/sh
# fetch-debs.sh PACKAGE...: Debian packages the examples and the tests put into library trees, fetched
# once from the package registry (apt-get download, never installed on the host) into a cache
# outside the clone:
#
#   $SVC_DEBS (default /var/cache/svc/debs)/PACKAGE.deb
#
# Prints nothing and returns at once when every package is there. `make deps` calls it.
set -eu
cache=${SVC_DEBS:-/var/cache/svc/debs}
missing=
for p in "$@"; do
        [ -s "$cache/$p.deb" ] || missing="$missing $p"
done
[ -n "$missing" ] || exit 0
if [ "$(id -u)" != 0 ]; then
        echo "fetch-debs: fetching$missing into $cache needs root" >&2
        exit 1
fi
mkdir -p "$cache"
work=$(mktemp -d "$cache/.fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
chmod 0755 "$work" # apt's download user must be able to write here
echo "fetch-debs: downloading$missing into $cache"
cd "$work"
for i in 1 2 3; do
        # shellcheck disable=SC2086 # one word per package
        if apt-get download -qq $missing 2>"$work/err" || { apt-get update -qq && apt-get download -qq $missing 2>"$work/err"; }; then
                break
        fi
        [ $i -lt 3 ] || { cat "$work/err" >&2; exit 1; }
        sleep 10
done
for p in $missing; do
        set -- "$work/${p}_"*.deb
        [ -s "$1" ] || { echo "fetch-debs: apt-get download gave no $p" >&2; exit 1; }
        mv "$1" "$cache/$p.deb"
done
