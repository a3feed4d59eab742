#!/usr/bin/env bash
# tests/fuzz/capture-control.sh BUILD: writes tests/fuzz/corpus-control anew from real traffic:
# a svcd of BUILD runs on a temporary root with the units of fuzz-control.c (plain runs a sleep
# here, without its port), and each command of svc-ctl below goes through control-relay.py,
# which keeps what the client sent. As root; everything it made goes when it ends.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: capture-control.sh BUILD}" && pwd)
out=$here/corpus-control
T=$(mktemp -d /tmp/svc-cap.XXXXXX)
svcd_pid='' relay_pid=''
cleanup() {
        [ -z "$relay_pid" ] || kill "$relay_pid" 2>/dev/null || true
        if [ -n "$svcd_pid" ]; then
                kill -TERM "$svcd_pid" 2>/dev/null || true
                wait "$svcd_pid" 2>/dev/null || true
        fi
        rm -rf "$T"
}
trap cleanup EXIT

mkdir -p "$T/r/etc/svc/units" "$T/c/run/svc" "$T/cap"
u=$T/r/etc/svc/units
printf '[Unit]\nDescription=A plain service\n\n[Service]\nExecStart=/bin/sleep 1000\nStateDirectory=plain\n' >"$u/plain.unit"
printf '[Unit]\nDescription=Instance %%i\n\n[Service]\nExecStart=/bin/echo %%i\n' >"$u/x@.unit"
printf '[Service]\nType=oneshot\nExecStart=/bin/true\n' >"$u/tick.unit"
printf '[Timer]\nOnCalendar=daily\n' >"$u/tick.timer"
printf '[Service]\nExecStart=/bin/true\nNoSuchKey=1\n' >"$u/bad.unit"

# start_svcd: a svcd on the root, once more after a power call ended the last one.
start_svcd() {
        if [ -n "$svcd_pid" ]; then
                wait "$svcd_pid" || true
                svcd_pid=''
        fi
        rm -f "$T/r/run/svc/control"
        "$build/svcd" --root "$T/r" >>"$T/svcd.log" 2>&1 &
        svcd_pid=$!
        for _ in $(seq 100); do [ -S "$T/r/run/svc/control" ] && break; sleep 0.1; done
        [ -S "$T/r/run/svc/control" ] || { cat "$T/svcd.log"; exit 1; }
}
start_svcd
python3 "$here/control-relay.py" "$T/c/run/svc/control" "$T/r/run/svc/control" "$T/name" "$T/cap" &
relay_pid=$!
for _ in $(seq 50); do [ -S "$T/c/run/svc/control" ] && break; sleep 0.1; done

# capture NAME ARGS...: svc-ctl ARGS through the relay, kept as NAME-*. With SIGNAL_AFTER set,
# svc-ctl gets SIGINT after that long (`svc exec` passes it on: ExecSignal).
capture() {
        local name=$1
        shift
        echo "$name" >"$T/name"
        rm -f "$T/cap/.done"
        "$build/svc-ctl" --root "$T/c" "$@" </dev/null >/dev/null 2>&1 &
        local pid=$!
        if [ -n "${SIGNAL_AFTER:-}" ]; then
                sleep "$SIGNAL_AFTER"
                kill -INT "$pid" 2>/dev/null || true
        fi
        wait "$pid" || true
        for _ in $(seq 100); do [ -e "$T/cap/.done" ] && return 0; sleep 0.05; done
        echo "capture-control: no connection for $name" >&2
        exit 1
}

capture list list
capture list-timers list --timers
capture status status plain
capture status-many status plain bad x@made-up nosuch
capture start start plain
capture exec exec plain /bin/true
SIGNAL_AFTER=0.5 capture exec-signal exec plain /bin/sleep 5
capture reload reload plain
capture restart-instance restart x@one
capture enable-timer enable tick.timer
capture disable-timer disable tick.timer
capture enable enable plain
capture disable disable plain
capture reload-units reload-units
capture stop-no-block stop --no-block plain
capture poweroff poweroff
start_svcd
capture reboot reboot
start_svcd
capture halt halt
rm -rf "$out"
mkdir -p "$out"
cp "$T/cap/"* "$out/"
ls "$out" | wc -l
