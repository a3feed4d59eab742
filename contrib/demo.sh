#!/bin/sh
# make demo: svcd in the foreground under a throw-away --root, running real Debian daemons from
# their packages' own unit files, each on a tree of another Debian release (contrib/demo-setup.sh):
# nginx of bullseye as the blog, postfix and dovecot of trixie as the mail, vsftpd of bookworm as
# the ftp. The trees are built once by contrib/demo-releases.sh (make demo runs it first) and
# cached under $SVC_DEMO_TREES. Ctrl-C (or SIGTERM) stops svcd, which stops every service; then
# the root is deleted.
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

# Returns at once when the trees are cached; the first time, builds them with progress shown.
"$SRC/contrib/demo-releases.sh" "$BUILD"
"$SRC/contrib/demo-setup.sh" "$ROOT" "$BUILD"
echo
"$BUILD/svcd" --root "$ROOT" &
SVCD_PID=$!
rc=0
wait "$SVCD_PID" || rc=$?
SVCD_PID=
exit "$rc"
