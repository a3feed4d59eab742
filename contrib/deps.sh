#!/bin/sh
# Installs the Debian packages given as arguments that are not installed yet (idempotent and
# quick when everything is there). PACKAGE>=VERSION also upgrades an older installed version.
# PACKAGE|COMMAND is needed only when COMMAND is not on PATH already: NodeSource's nodejs, which
# many Debian machines carry, bundles npm and conflicts with Debian's npm package.
# Run as root on Debian 12.
set -eu
missing=""
for a in "$@"; do
        case $a in
        *"|"*)
                command -v "${a#*|}" >/dev/null 2>&1 && continue
                a=${a%%|*}
                ;;
        esac
        p=${a%%>=*}
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
                missing="$missing $p"
        elif [ "$p" != "$a" ] &&
                dpkg --compare-versions "$(dpkg-query -W -f='${Version}' "$p")" lt "${a#*>=}"; then
                missing="$missing $p"
        fi
done
if [ -z "$missing" ]; then
        exit 0
fi
if [ "$(id -u)" != 0 ]; then
        echo "make deps: these packages are missing and installing them needs root:$missing" >&2
        exit 1
fi
echo "make deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# The package lists may be stale on a fresh machine; another apt may hold the lock for a while.
for i in 1 2 3 4 5 6 7 8 9 10; do
        if apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing; then
                exit 0
        fi
        echo "make deps: apt-get failed (attempt $i), retrying in 15 s" >&2
        sleep 15
done
exit 1
