#!/bin/sh
# unit-corpus.sh [--force]: the unit files Debian's server packages ship, fetched once into a
# cache outside the clone, for the test that loads every one of them (tests/integration/
# test-corpus.sh). Nothing of them is committed.
#
#   $SVC_UNIT_CORPUS (default /var/cache/svc/unit-corpus)/PACKAGE/NAME.service|.socket|.timer
#   $SVC_UNIT_CORPUS/MANIFEST    one line per package: PACKAGE VERSION
#
# The packages are downloaded (apt-get download), never installed; their systemd units are taken
# out with dpkg-deb. Run by `make test-deps`; a second run returns at once.
set -eu

cache=${SVC_UNIT_CORPUS:-/var/cache/svc/unit-corpus}
# Bump when the list changes: an older cache is fetched again.
layout=2
# Web, mail, DNS, databases, SSH, FTP, proxies, VPN, monitoring, schedulers, file and media
# servers, what a self-hoster runs.
packages="nginx-common apache2 lighttpd openssh-server postfix dovecot-core exim4-base opensmtpd
redis-server memcached mariadb-server postgresql-common cron bind9 unbound dnsmasq nsd knot
pdns-server vsftpd proftpd-core haproxy squid varnish tinyproxy openvpn wireguard-tools
strongswan-starter prometheus prometheus-node-exporter munin-node zabbix-agent rsyslog
chrony cups-daemon samba nfs-kernel-server rsync fail2ban certbot php8.2-fpm mosquitto
rabbitmq-server coturn prosody transmission-daemon minidlna avahi-daemon spamd clamav-daemon
clamav-freshclam opendkim rspamd radicale apt-cacher-ng tor cyrus-common anacron at logrotate
nut-server smartmontools lldpd keepalived"

if [ "${1:-}" != --force ] && [ "$(cat "$cache/layout" 2>/dev/null)" = "$layout" ]; then
        exit 0
fi
if [ "$(id -u)" != 0 ]; then
        echo "unit-corpus: fetching into $cache needs root" >&2
        exit 1
fi
mkdir -p "$cache"
work=$(mktemp -d "$cache/.fetch.XXXXXX")
cleanup() {
        rc=$?
        rm -rf "$work" || :
        exit "$rc"
}
trap cleanup EXIT
chmod 0755 "$work" # apt's download user must be able to write here

echo "unit-corpus: downloading the unit files of $(echo $packages | wc -w) Debian packages into $cache" >&2
cd "$work"
# shellcheck disable=SC2086 # one word per package
if ! apt-get download -qq $packages 2>"$work/err"; then
        apt-get update -qq
        # shellcheck disable=SC2086
        apt-get download -qq $packages 2>"$work/err" || {
                tail -n 20 "$work/err" >&2
                echo "unit-corpus: apt-get download failed" >&2
                exit 1
        }
fi

out=$work/corpus
mkdir -p "$out"
: >"$out/MANIFEST"
for p in $packages; do
        deb=$(find "$work" -maxdepth 1 -name "${p}_*.deb" | head -n 1)
        [ -n "$deb" ] || {
                echo "unit-corpus: $p was not downloaded" >&2
                exit 1
        }
        x=$work/x-$p
        dpkg-deb -x "$deb" "$x"
        mkdir -p "$out/$p"
        for d in "$x/lib/systemd/system" "$x/usr/lib/systemd/system"; do
                [ -d "$d" ] || continue
                # Units and their drop-in directories; symlinks (aliases) as they are.
                find "$d" -maxdepth 1 \( -name '*.service' -o -name '*.socket' -o -name '*.timer' \
                        -o -name '*.service.d' \) -exec cp -a {} "$out/$p/" \;
        done
        echo "$p $(dpkg-deb -f "$deb" Version)" >>"$out/MANIFEST"
        rm -rf "$x"
done
echo "$layout" >"$out/layout"
# Replace the old corpus in two renames: a reader sees the old one or the new one.
rm -rf "$cache/.old"
mkdir -p "$cache/.old"
for f in "$cache"/*; do
        [ -e "$f" ] && mv "$f" "$cache/.old/"
done
mv "$out"/* "$cache/"
rm -rf "$cache/.old"
echo "unit-corpus: $(find "$cache" -name '*.service' | wc -l) services, $(find "$cache" -name '*.socket' | wc -l) sockets, $(find "$cache" -name '*.timer' | wc -l) timers" >&2
