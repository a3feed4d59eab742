#!/bin/sh
# demo-releases.sh BUILD_DIR [--force]: builds, once, the three Debian trees `make demo` runs its
# services on, each of another release so that their libraries differ (OpenSSL 1.1, 3.0, 3.5),
# and caches them outside the clone, so that a later demo (and tests/integration/test-demo.sh)
# starts in seconds:
#
#   $SVC_DEMO_TREES (default /var/cache/svc/demo-trees)/
#     blog-bullseye-v1   nginx                              (the blog)
#     mail-trixie-v1     postfix ("Local only"), dovecot-imapd (postfix and mail), user alice
#     ftp-bookworm-v1    vsftpd                             (ftp)
#
# Each is made by `svc tree create` of BUILD_DIR, as a user makes a tree, with Debian's openssl
# command in it too (what `svc exec blog openssl version` shows). Debian's mirror only. Runs as
# root; a tree already built is kept, so a second run returns at once. On a terminal, debootstrap
# shows its progress; the first run takes a few minutes per tree.
set -eu

[ $# -ge 1 ] || { echo "usage: demo-releases.sh BUILD_DIR [--force]" >&2; exit 2; }
svc=$1/svc
force=${2:-}
cache=${SVC_DEMO_TREES:-/var/cache/svc/demo-trees}
mirror=${SVC_TEST_MIRROR:-http://deb.debian.org/debian}
demo=$(cd "$(dirname "$0")/demo" && pwd)

# postfix "Local only", as contrib/test-daemon-tree.sh does it: what the installer's question
# would have set, asked of nobody; maintainer scripts start nothing and see a /proc of their own.
postfix_local_only() {
        tree=$1 log=$2
        printf '#!/bin/sh\nexit 101\n' >"$tree/usr/sbin/policy-rc.d"
        chmod 755 "$tree/usr/sbin/policy-rc.d"
        mount -t proc proc "$tree/proc"
        printf '%s\n' "postfix postfix/main_mailer_type select Local only" \
                "postfix postfix/mailname string localhost" \
                "postfix postfix/destinations string localhost" | chroot "$tree" debconf-set-selections
        echo localhost >"$tree/etc/mailname"
        rm -f "$tree/etc/postfix/main.cf"
        rc=0
        DEBIAN_FRONTEND=noninteractive chroot "$tree" dpkg-reconfigure -f noninteractive postfix >>"$log" 2>&1 || rc=$?
        umount "$tree/proc"
        rm -f "$tree/usr/sbin/policy-rc.d"
        if [ "$rc" != 0 ] || ! grep -q '^inet_interfaces = loopback-only' "$tree/etc/postfix/main.cf"; then
                tail -n 30 "$log" >&2
                echo "demo-releases: postfix could not be configured Local only" >&2
                return 1
        fi
}

# The blog's pages, in nginx's default document root (its default site serves index.html first).
configure_blog() {
        cp -R "$demo/blog/." "$1/var/www/html/"
}

# postfix takes mail for alice@localhost on every address of the service (a published port
# arrives on the service's veth address) and looks nothing up in DNS; dovecot serves alice's
# mbox, /var/mail/alice (the volume postfix delivers into), with the demo's password.
configure_mail() {
        postfix_local_only "$1" "$2"
        chroot "$1" useradd --uid 1000 --no-create-home --shell /usr/sbin/nologin alice
        chroot "$1" postconf -e "inet_interfaces = all" "myhostname = localhost" \
                "mydestination = localhost" "smtp_dns_support_level = disabled" "smtpd_peername_lookup = no"
        cp "$demo/mail/10-auth.conf" "$demo/mail/99-svc-demo.conf" "$1/etc/dovecot/conf.d/"
}

# vsftpd anonymous and read-only, standalone, with a file to fetch.
configure_ftp() {
        cp "$demo/ftp/vsftpd.conf" "$1/etc/vsftpd.conf"
        mkdir -p "$1/srv/ftp/pub"
        cp "$demo/ftp/hello.txt" "$1/srv/ftp/pub/"
}

# build NAME SUITE PACKAGES: $cache/NAME, unless it is there.
build() {
        name=$1 suite=$2 packages=$3
        out=$cache/$name
        if [ "$force" != --force ] && [ -f "$out/etc/debian_version" ]; then
                return 0
        fi
        echo "demo-releases: building $out (Debian $suite with $packages), once; a few minutes" >&2
        work=$(mktemp -d "$cache/.build.XXXXXX")
        # On a terminal svc tree create shows debootstrap's progress; otherwise only a failure's.
        "$svc" --root "$work/root" tree create demo --debian "$suite" \
                --variant minbase --mirror "$mirror" --include "$packages" || {
                echo "demo-releases: svc tree create of $name failed" >&2
                return 1
        }
        tree=$(readlink -f "$work/root/var/lib/svc/trees/demo")
        case $name in
        blog-*) configure_blog "$tree" ;;
        mail-*) configure_mail "$tree" "$work/postfix.log" ;;
        ftp-*) configure_ftp "$tree" ;;
        esac
        rm -rf "$tree/var/cache/apt/archives/"*.deb "$tree/var/lib/apt/lists/"* "$tree/var/cache/apt/"*.bin
        rm -rf "$out.old"
        [ ! -e "$out" ] || mv "$out" "$out.old"
        mv "$tree" "$out"
        rm -rf "$out.old" "$work"
        work=
        echo "demo-releases: $out ($(du -sh "$out" | cut -f1))" >&2
}

work=
# The exit status is the script's, never the clean-up's (see test-trees.sh).
cleanup() {
        rc=$?
        if [ -n "$work" ]; then
                for m in "$work"/root/var/lib/svc/trees/.demo/*/proc; do
                        if mountpoint -q "$m" 2>/dev/null; then umount "$m" || :; fi
                done
                rm -rf "$work" || :
        fi
        exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

need=
for t in blog-bullseye-v1 mail-trixie-v1 ftp-bookworm-v1; do
        [ -f "$cache/$t/etc/debian_version" ] || need=1
done
if [ -z "$need" ] && [ "$force" != --force ]; then
        exit 0
fi
if [ "$(id -u)" != 0 ]; then
        echo "demo-releases: building the demo's trees in $cache needs root (debootstrap)" >&2
        exit 1
fi
[ -x "$svc" ] || { echo "demo-releases: $svc is missing (make all)" >&2; exit 1; }
mkdir -p "$cache"
build blog-bullseye-v1 bullseye nginx,openssl
build mail-trixie-v1 trixie postfix,dovecot-imapd,openssl
build ftp-bookworm-v1 bookworm vsftpd,openssl
