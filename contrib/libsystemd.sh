#!/bin/sh
# libsystemd.sh [CACHE]: libsystemd as one object that svcd and svc-ctl link statically, built
# from Debian's own source package of the libsystemd-dev this machine has, and cached outside the
# clone in CACHE (default $SVC_LIBSYSTEMD, else /var/cache/svc/libsystemd). Run by `make deps`;
# quick when the cache already holds that version.
#
# Why: Debian's libsystemd.so.0 links gcrypt, gpg-error, lzma, zstd and lz4 for the journal, which
# svc never reads. Every `svc` command pays loading those six libraries in svc-ctl (about 4 ms of
# CPU on the benchmark VM, 1.5 ms once static), and svcd holds their pages (~580 KiB of PSS where
# nothing else maps them: tests/bench/FINDINGS.md, section 4). The same source, configured without
# compression and crypto and compiled with a section per function, links only what svc calls.
#
# CACHE/VERSION/ (VERSION: Debian's, e.g. 252.39-1~deb12u2)
#   sd.o                 libsystemd.a linked into one relocatable object whose only global
#                        symbols are the public sd_* ones (systemd's internal helpers, mkdir_p,
#                        parse_boolean..., stay local and cannot clash with svc's)
#   include/systemd/     the public headers of the same source
#   options              the meson options it was built with
# CACHE/current is a symbolic link to the newest VERSION.
#
# The source comes from Debian's archive through apt with a source list of its own (deb-src lines
# for the machine's release): the machine's apt configuration is not touched. Needs meson, gperf,
# python3-jinja2 and libmount-dev (make deps). 2-3 min on 2 cores, 15 MB kept.
set -eu

cache=${1:-${SVC_LIBSYSTEMD:-/var/cache/svc/libsystemd}}
version=$(dpkg-query -W -f='${Version}' libsystemd-dev 2>/dev/null || true)
if [ -z "$version" ]; then
        echo "libsystemd.sh: libsystemd-dev is not installed (make deps)" >&2
        exit 1
fi
# Bump when the options below change: an older cache is built again.
layout=1
dest=$cache/$version
if [ "$(cat "$dest/layout" 2>/dev/null)" = "$layout" ] && [ -s "$dest/sd.o" ]; then
        ln -sfn "$version" "$cache/current"
        exit 0
fi

mkdir -p "$cache"
work=$(mktemp -d "$cache/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
mkdir -p "$work/lists/partial"
cat >"$work/sources.list" <<EOF
deb-src http://deb.debian.org/debian $codename main
deb-src http://deb.debian.org/debian $codename-updates main
deb-src http://deb.debian.org/debian-security $codename-security main
EOF
apt_private() {
        apt-get -q -o Dir::Etc::SourceList="$work/sources.list" -o Dir::Etc::SourceParts=/dev/null \
                -o Dir::State::Lists="$work/lists" -o Debug::NoLocking=1 "$@"
}
echo "libsystemd.sh: building libsystemd $version from Debian's source into $dest"
apt_private update >"$work/apt.log" 2>&1 || {
        cat "$work/apt.log" >&2
        exit 1
}
# As root, apt warns that its _apt user cannot write here; the download works all the same.
if ! (cd "$work" && apt_private source "systemd=$version") >>"$work/apt.log" 2>&1; then
        cat "$work/apt.log" >&2
        echo "libsystemd.sh: Debian's archive has no source of systemd $version (apt-get upgrade?)" >&2
        exit 1
fi
src=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'systemd-*' | head -n 1)

# What libsystemd can do without: everything but sd-bus, sd-event, sd-daemon and their helpers.
options="-Dmode=release -Dbuildtype=plain -Dstatic-libsystemd=pic -Dtests=false -Dman=false
-Dhtml=false -Dtranslations=false -Dlz4=false -Dxz=false -Dzstd=false -Dzlib=false -Dbzip2=false
-Dgcrypt=false -Dopenssl=false -Dgnutls=false -Dlibcryptsetup=false -Dselinux=false
-Dapparmor=false -Dseccomp=false -Dpolkit=false -Dacl=false -Dpam=false -Daudit=false
-Dblkid=false -Dkmod=false -Didn=false -Dlibidn2=false -Dlibidn=false -Dlibcurl=false
-Dmicrohttpd=false -Dqrencode=false -Dp11kit=false -Dlibfido2=false -Dtpm2=false -Delfutils=false
-Dpcre2=false -Dglib=false -Ddbus=false -Dpwquality=false -Dxkbcommon=false -Dbpf-framework=false
-Ddefault-dnssec=no -Ddns-over-tls=false"
# shellcheck disable=SC2086 # the option words
CFLAGS="-O2 -ffunction-sections -fdata-sections" meson setup "$work/b" "$src" $options \
        >"$work/meson.log" 2>&1 || {
        tail -n 30 "$work/meson.log" >&2
        exit 1
}
ninja -C "$work/b" -j "$(nproc)" version.h libsystemd.a >"$work/ninja.log" 2>&1 || {
        tail -n 30 "$work/ninja.log" >&2
        exit 1
}
ld -r --whole-archive "$work/b/libsystemd.a" -o "$work/all.o"
nm -g --defined-only "$work/all.o" | awk '$3 ~ /^sd_/ { print $3 }' | sort -u >"$work/public"
objcopy --keep-global-symbols="$work/public" "$work/all.o" "$work/sd.o"

rm -rf "$dest"
mkdir -p "$dest/include/systemd"
cp "$src"/src/systemd/sd-*.h "$src"/src/systemd/_sd-common.h "$dest/include/systemd/"
mv "$work/sd.o" "$dest/sd.o"
echo "$options" >"$dest/options"
echo "$layout" >"$dest/layout"
ln -sfn "$version" "$cache/current"
echo "libsystemd.sh: $dest/sd.o ($(wc -l <"$work/public") public functions)"
