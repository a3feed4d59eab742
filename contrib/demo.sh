#!/bin/sh
# make demo: svcd in the foreground on units/examples/ under a throw-away --root, each service on
# a library tree of its own (contrib/demo-trees.sh): blog with libsvcdemo 1.0, mail with 2.0, one
# soname, while the host has neither. Ctrl-C (or SIGTERM) stops svcd, which stops every service;
# then the root is deleted.
set -eu
BUILD=$(cd "${1:-build}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
ROOT=$(mktemp -d /tmp/svc-demo.XXXXXX)
SVCD_PID=
cleanup() {
        # svcd stops its services first; then the root goes.
        if [ -n "$SVCD_PID" ]; then
                kill -TERM "$SVCD_PID" 2>/dev/null || :
                wait "$SVCD_PID" 2>/dev/null || :
        fi
        rm -rf "$ROOT"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$SRC/contrib/demo-trees.sh" "$ROOT" "$BUILD"
mkdir -p "$ROOT/etc/svc/units" "$ROOT/var/lib/svc/enabled"
cp "$SRC"/units/examples/*.unit "$ROOT/etc/svc/units/"
# The demo publishes ftp on 127.0.0.1 only: nothing of it is reachable from the network.
mkdir -p "$ROOT/etc/svc/units/ftp.unit.d"
printf '[Service]\nPublishPort=\nPublishPort=127.0.0.1:2121:21\nPublishPort=127.0.0.1:30000-30009:30000-30009\n' \
        >"$ROOT/etc/svc/units/ftp.unit.d/demo.conf"
for u in blog mail ftp; do : >"$ROOT/var/lib/svc/enabled/$u"; done

svc="$BUILD/svc --root $ROOT"
cat <<MSG

svc demo: svcd runs in the foreground on $ROOT; Ctrl-C stops it and deletes the root.
blog (libsvcdemo 1.0), mail (libsvcdemo 2.0) and ftp (Debian's vsftpd) start, each on a tree of
its own. ftp and mail get a veth pair of their own: svcd adds an nftables table (inet svc_...)
and turns IPv4 forwarding on while they run, and removes both when it stops. From a second
shell, as root:
  $svc list
  $svc status blog mail ftp
  curl http://127.0.0.1:8080/
  curl ftp://127.0.0.1:2121/pub/hello.txt
  $svc logs blog
  $svc logs -f mail
  touch $ROOT/var/lib/svc/state/mail/queue/msg1; $svc reload mail
  echo RELAY=SMTP-SERVER:25 >$ROOT/var/lib/svc/state/mail/relay   (delivers the queue there)
  $svc run --tree blog svcdemo
  $svc run --tree mail svcdemo
  ldconfig -p | grep libsvcdemo
The blog answers each connection from a sandbox of its own, with only its own lo; ftp answers
from its own network namespace through the ports svcd publishes on 127.0.0.1. The blog's page and
log, and svc run on its tree, name libsvcdemo 1.0; mail's log, status and tree name 2.0; the
host's ldconfig knows neither.

MSG
"$BUILD/svcd" --root "$ROOT" &
SVCD_PID=$!
rc=0
wait "$SVCD_PID" || rc=$?
SVCD_PID=
exit "$rc"
