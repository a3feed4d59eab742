#!/bin/sh
# make demo: svcd in the foreground on units/examples/ under a throw-away --root. Ctrl-C stops
# every service, then svcd, then the root is deleted.
set -eu
BUILD=$(cd "${1:-build}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
ROOT=$(mktemp -d /tmp/svc-demo.XXXXXX)
cleanup() { rm -rf "$ROOT"; }
trap cleanup EXIT

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
for u in blog mail ftp; do : >"$ROOT/var/lib/svc/enabled/$u"; done

cat <<MSG
svc demo: svcd runs in the foreground on $ROOT (Ctrl-C stops it).
From a second shell, as root:
  $BUILD/svc --root $ROOT list
  $BUILD/svc --root $ROOT status blog
  curl http://127.0.0.1:8080/
  $BUILD/svc --root $ROOT logs -f mail
  $BUILD/svc --root $ROOT restart ftp
MSG
"$BUILD/svcd" --root "$ROOT"
