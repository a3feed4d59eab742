#!/bin/sh
# test-daemon-tree.sh BUILD_DIR [--force]: builds, once, the Debian tree that
# tests/integration/test-daemons.sh runs real daemons on, from their packages' own unit files,
# and caches it outside the clone so that no test ever runs debootstrap:
#
#   $SVC_TEST_TREES (default /var/cache/svc/test-trees)/bookworm-daemons-v1/
#
# A plain directory (the tests bind it read-only into their roots): bookworm made by
# `svc tree create` of BUILD_DIR, as a user makes a tree, with nginx, openssh-server, postfix,
# dovecot-imapd, redis-server, vsftpd, cron and mariadb-server. postfix is configured "Local
# only" (no question asked: debconf is preseeded, then postfix reconfigured). Only Debian's
# mirror is used. Runs as root; a second run returns at once. About 4.5 min and 580 MB.
set -eu

[ $# -ge 1 ] || { echo "usage: test-daemon-tree.sh BUILD_DIR [--force]" >&2; exit 2; }
svc=$1/svc
cache=${SVC_TEST_TREES:-/var/cache/svc/test-trees}
out=$cache/bookworm-daemons-v1
mirror=${SVC_TEST_MIRROR:-http://deb.debian.org/debian}
packages=nginx,openssh-server,postfix,dovecot-imapd,redis-server,vsftpd,cron,mariadb-server

if [ "${2:-}" != --force ] && [ -f "$out/etc/debian_version" ]; then
        exit 0
fi
if [ "$(id -u)" != 0 ]; then
        echo "test-daemon-tree: building $out needs root (debootstrap)" >&2
        exit 1
fi
[ -x "$svc" ] || { echo "test-daemon-tree: $svc is missing (make all)" >&2; exit 1; }
mkdir -p "$cache"
work=$(mktemp -d "$cache/.build.XXXXXX")
# The exit status is the script's, never the clean-up's (see test-trees.sh).
cleanup() {
        rc=$?
        for m in "$work"/root/var/lib/svc/trees/.deb/*/proc; do
                if mountpoint -q "$m" 2>/dev/null; then umount "$m" || :; fi
        done
        rm -rf "$work" || :
        exit "$rc"
}
trap cleanup EXIT

echo "test-daemon-tree: building $out (svc tree create, bookworm, once)" >&2
log=$work/create.log
if ! "$svc" --root "$work/root" tree create deb --debian bookworm --mirror "$mirror" \
        --include "$packages" >"$log" 2>&1; then
        tail -n 30 "$log" >&2
        echo "test-daemon-tree: svc tree create failed" >&2
        exit 1
fi
tree=$(readlink -f "$work/root/var/lib/svc/trees/deb")

# postfix "Local only": what the installer's question would have set, asked of nobody. Its
# maintainer scripts start nothing (policy-rc.d) and see a /proc of their own; postinst writes
# main.cf from the answers only when there is none.
printf '#!/bin/sh\nexit 101\n' >"$tree/usr/sbin/policy-rc.d"
chmod 755 "$tree/usr/sbin/policy-rc.d"
mount -t proc proc "$tree/proc"
printf '%s\n' "postfix postfix/main_mailer_type select Local only" \
        "postfix postfix/mailname string localhost" \
        "postfix postfix/destinations string localhost" | chroot "$tree" debconf-set-selections
echo localhost >"$tree/etc/mailname"
rm -f "$tree/etc/postfix/main.cf"
if ! DEBIAN_FRONTEND=noninteractive chroot "$tree" dpkg-reconfigure -f noninteractive postfix >>"$log" 2>&1; then
        tail -n 30 "$log" >&2
        echo "test-daemon-tree: dpkg-reconfigure postfix failed" >&2
        exit 1
fi
umount "$tree/proc"
rm -f "$tree/usr/sbin/policy-rc.d"
grep -q '^inet_interfaces = loopback-only' "$tree/etc/postfix/main.cf" || {
        echo "test-daemon-tree: postfix is not configured Local only" >&2
        exit 1
}

rm -rf "$tree/var/cache/apt/archives/"*.deb "$tree/var/lib/apt/lists/"* "$tree/var/cache/apt/"*.bin
rm -rf "$out.old"
[ ! -e "$out" ] || mv "$out" "$out.old"
mv "$tree" "$out"
rm -rf "$out.old"
echo "test-daemon-tree: $out ($(du -sh "$out" | cut -f1))" >&2
