#!/bin/sh
# demo-setup.sh ROOT BUILD_DIR: lays out make demo's services under the svc root ROOT and prints
# how to use them (contrib/demo.sh then runs svcd on ROOT; tests/integration/test-demo.sh runs
# every command printed). The trees are the cached ones of contrib/demo-releases.sh, linked as
# ROOT/var/lib/svc/trees/{blog,mail,ftp} (services mount them read-only). Each unit is the
# package's own unit file, copied unchanged from its tree, plus a drop-in of units/examples/demo/
# naming the tree, the ports and the shared mail volume:
#   blog     nginx.service     bullseye   127.0.0.1:8080 -> 80
#   postfix  postfix.service   trixie     127.0.0.1:2525 -> 25, volume mail at /var/mail
#   mail     dovecot.service   trixie     127.0.0.1:1143 -> 143, volume mail at /var/mail
#   ftp      vsftpd.service    bookworm   127.0.0.1:2121 -> 21, 30000-30009
set -eu

[ $# -eq 2 ] || { echo "usage: demo-setup.sh ROOT BUILD_DIR" >&2; exit 2; }
root=$1
build=$2
src=$(cd "$(dirname "$0")/.." && pwd)
cache=${SVC_DEMO_TREES:-/var/cache/svc/demo-trees}
units=$root/etc/svc/units

mkdir -p "$root/var/lib/svc/trees" "$units" "$root/var/lib/svc/enabled"
for t in blog:blog-bullseye-v1 mail:mail-trixie-v1 ftp:ftp-bookworm-v1; do
        [ -f "$cache/${t#*:}/etc/debian_version" ] || {
                echo "demo-setup: the demo's tree $cache/${t#*:} is missing (contrib/demo-releases.sh builds it; make demo runs it)" >&2
                exit 1
        }
        ln -sfn "$cache/${t#*:}" "$root/var/lib/svc/trees/${t%%:*}"
done

# unit TREE PACKAGED_UNIT NAME: the packaged unit of TREE as NAME, with its demo drop-in.
unit() {
        dir=$cache/$1/lib/systemd/system
        [ -f "$dir/$2" ] || dir=$cache/$1/usr/lib/systemd/system
        cp "$dir/$2" "$units/$3"
        mkdir -p "$units/$3.d"
        cp "$src/units/examples/demo/$3.d/demo.conf" "$units/$3.d/demo.conf"
}
unit blog-bullseye-v1 nginx.service blog.service
unit mail-trixie-v1 postfix.service postfix.service
unit mail-trixie-v1 dovecot.service mail.service
unit ftp-bookworm-v1 vsftpd.service ftp.service
for u in blog postfix mail ftp; do : >"$root/var/lib/svc/enabled/$u"; done

svc="$build/svc --root $root"
cat <<MSG
svc demo: svcd runs in the foreground on $root; Ctrl-C stops it and deletes the root.
Four services from their Debian packages' own unit files, each on a tree of another release:
  blog     nginx of Debian bullseye
  postfix  postfix of Debian trixie, delivering into the volume "mail"
  mail     dovecot of Debian trixie, serving that volume over IMAP
  ftp      vsftpd of Debian bookworm
Each gets a veth pair and ports svcd publishes on 127.0.0.1 (nftables table inet svc_...). From a
second shell, as root:
  $svc list
  $svc status blog postfix mail ftp
Send a mail to alice, then read it back (her IMAP password is "demo"):
  printf 'Subject: hello\\r\\n\\r\\nHello, Alice, from svc.\\r\\n' | curl -sS smtp://127.0.0.1:2525 --mail-from bob@localhost --mail-rcpt alice@localhost -T -
  curl -sS -u alice:demo 'imap://127.0.0.1:1143/INBOX;UID=1'
Fetch the blog, list the ftp directory and fetch its file:
  curl -sS http://127.0.0.1:8080/
  curl -sS --list-only ftp://127.0.0.1:2121/pub/
  curl -sS ftp://127.0.0.1:2121/pub/hello.txt
Three OpenSSL versions: the blog's tree's, the mail's tree's, and the host's own:
  $svc exec blog openssl version
  $svc exec mail openssl version
  openssl version
The services' logs, and the mail they share (nothing else of either is shared):
  $svc logs postfix
  $svc logs -f mail
  ls -l $root/var/lib/svc/volumes/mail
MSG
