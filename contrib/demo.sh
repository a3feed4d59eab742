#!/bin/sh
# make demo: svcd in the foreground on units/examples/ under a throw-away --root. Ctrl-C stops
# every service, then svcd, then the root is deleted.
set -eu
BUILD=$(cd "${1:-build}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
ROOT=$(mktemp -d /tmp/svc-demo.XXXXXX)
SVCD_PID=
cleanup() {
        # svcd stops its services first; then the root goes.
        if [ -n "$SVCD_PID" ]; then
                kill -TERM "$SVCD_PID" 2>/dev/null
                wait "$SVCD_PID" 2>/dev/null
        fi
        rm -rf "$ROOT"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$ROOT/etc/svc/units" "$ROOT/var/lib/svc/enabled" "$ROOT/srv/blog" "$ROOT/srv/ftp"
cp "$SRC"/units/examples/*.unit "$ROOT/etc/svc/units/"
echo "<h1>Hello from the svc demo blog</h1>" >"$ROOT/srv/blog/index.html"
echo "a file for anonymous ftp" >"$ROOT/srv/ftp/README"
# The examples name /srv/...; drop-ins point them at the demo root instead.
for u in blog ftp; do
        mkdir -p "$ROOT/etc/svc/units/$u.unit.d"
        printf '[Service]\nWorkingDirectory=%s/srv/%s\n' "$ROOT" "$u" >"$ROOT/etc/svc/units/$u.unit.d/demo.conf"
done
sed -i "s|/srv/ftp\$|$ROOT/srv/ftp|" "$ROOT/etc/svc/units/ftp.unit"
# ftp needs its own tree with vsftpd: it is not started here.
for u in blog mail; do : >"$ROOT/var/lib/svc/enabled/$u"; done

cat <<MSG
svc demo: svcd runs in the foreground on $ROOT (Ctrl-C stops it).
From a second shell, as root:
  $BUILD/svc --root $ROOT list
  $BUILD/svc --root $ROOT status blog
  curl http://127.0.0.1:8080/
  $BUILD/svc --root $ROOT logs -f mail
  $BUILD/svc --root $ROOT restart ftp
MSG
"$BUILD/svcd" --root "$ROOT" &
SVCD_PID=$!
wait "$SVCD_PID"
SVCD_PID=
