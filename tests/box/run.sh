#!/usr/bin/env bash
# Boots the box (contrib/box) under qemu, TCG only (this machine's /dev/kvm hangs a guest), each
# boot under `timeout`, and judges it by markers on the serial console: qemu exits 0 after a
# power-off and after a kernel panic alike. The box gets a second cpio appended (the kernel
# unpacks both): the test units of tests/box/units, enabled, and tests/box/hook.sh, which svcd runs
# on the console (svc.run=) and which prints BOX-OK / BOX-FAIL lines.
#
# usage: tests/box/run.sh [BUILD_DIR] [SCENARIO-FILTER]
#   BUILD_DIR   a normal build (default build; never a sanitizer build: make box refuses it)
#   BOX_BOOTS   boots for the timings (default 3): ready, then power off, no checks in between
#   BOX_JOBS    scenarios booted at once (default 2: each qemu under TCG keeps one core busy)
#   BOX_KEEP=1  keep the serial logs
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD=${1:-build}
filter=${2:-}
boots=${BOX_BOOTS:-3}
jobs=${BOX_JOBS:-2}
timeout_s=90

skip() {
        echo "box: SKIP: $*"
        exit 77
}
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is missing (make deps)"
command -v python3 >/dev/null || skip "python3 is missing (make deps)"

# What the box takes, not all of `make box` (which builds every tool first).
(cd "$top" && make -s O="$BUILD" "$BUILD/svcd" "$BUILD/svc" "$BUILD/svc-ctl" "$BUILD/svc-tree" demo-artifacts >/dev/null &&
        contrib/box/build.sh "$BUILD" >/dev/null) || {
        echo "box: building the box from $BUILD failed"
        exit 1
}
box=$(cd "$top" && cd "$BUILD" && pwd)/box

W=$(mktemp -d /tmp/svcbox.XXXXXX)
cleanup() {
        jobs -p | xargs -r kill 2>/dev/null
        if [ "${BOX_KEEP:-}" = 1 ]; then echo "box: logs kept in $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT

# cpio DIR OUT: DIR as a gzip'd cpio, appended to the box's initrd into OUT.
cpio_after_box() {
        (cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$1.cpio.gz"
        cat "$box/initrd.gz" "$1.cpio.gz" >"$2"
}
# The timing boots: the box as built (blog and mail) plus the hook.
mkdir -p "$W/hook/usr/lib/svc-test"
install -m 0755 "$here/hook.sh" "$W/hook/usr/lib/svc-test/hook"
cpio_after_box "$W/hook" "$W/initrd-timing.gz"
# The others: the test units too, enabled.
cp -R "$W/hook" "$W/tests"
mkdir -p "$W/tests/etc/svc/units" "$W/tests/var/lib/svc/enabled"
cp "$here"/units/*.unit "$here"/units/*.timer "$W/tests/etc/svc/units/"
for u in "$here"/units/*.unit; do
        # A timer's job runs when its timer says, not at boot.
        [ -e "${u%.unit}.timer" ] || : >"$W/tests/var/lib/svc/enabled/$(basename "$u" .unit)"
done
for u in "$here"/units/*.timer; do
        : >"$W/tests/var/lib/svc/enabled/$(basename "$u")"
done
# Persistent= stamps as a box that was off would have them (the box's clock is the host's, and
# the kernel keeps a cpio's modification times): box-missed.timer last ran three days ago, so its
# daily runs since were missed; box-uptodate.timer ran now, after its calendar's last elapse.
mkdir -p "$W/tests/var/lib/svc/timers"
touch -d '3 days ago' "$W/tests/var/lib/svc/timers/box-missed.timer"
touch "$W/tests/var/lib/svc/timers/box-uptodate.timer"
cpio_after_box "$W/tests" "$W/initrd.gz"
INITRD=$W/initrd.gz
DISK= # a raw image, as the box's virtio disk
kernel=$box/vmlinux
[ -e "$kernel" ] || kernel=$box/vmlinuz

BASE_APPEND="console=ttyS0 quiet panic=-1 no_timer_check svc.log_level=info"
HOOK="svc.run=/usr/lib/svc-test/hook"

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# boot NAME APPEND [MARKER ACTION]...: boots once; while qemu runs, READY_MS is set when the hook
# prints BOX-READY, and each ACTION (a function) runs once when its MARKER shows on the console.
# Then LOG is the console, RC qemu's exit status (124: timeout), END_MS the time until qemu ended.
boot() {
        local name=$1 append=$2
        shift 2
        local -a triggers=("$@")
        LOG=$W/$name.log
        SERIAL=$W/$name.serial
        QMP=$W/$name.qmp
        QEMU_OUT=$W/$name.qemu
        rm -f "$SERIAL.in" "$SERIAL.out" "$QMP"
        mkfifo "$SERIAL.in" "$SERIAL.out"
        cat "$SERIAL.out" >"$LOG.raw" &
        local catpid=$! t0
        t0=$(now_ms)
        local -a drive=()
        [ -z "$DISK" ] || drive=(-drive "file=$DISK,format=raw,if=virtio")
        timeout "$timeout_s" qemu-system-x86_64 "${drive[@]}" -accel tcg -m 512 -nodefaults -no-reboot -nic none \
                -display none -monitor none -chardev "pipe,id=con,path=$SERIAL" -serial chardev:con \
                -qmp "unix:$QMP,server=on,wait=off" -kernel "$kernel" -initrd "$INITRD" \
                -append "$append" </dev/null >"$QEMU_OUT" 2>&1 &
        local qpid=$!
        READY_MS='' POWEROFF_MS=''
        while kill -0 $qpid 2>/dev/null; do
                if [ -z "$READY_MS" ] && grep -q BOX-READY "$LOG.raw"; then
                        READY_MS=$(($(now_ms) - t0))
                fi
                if [ -z "$POWEROFF_MS" ] && grep -q BOX-POWEROFF "$LOG.raw"; then
                        POWEROFF_MS=$(($(now_ms) - t0))
                fi
                if [ ${#triggers[@]} -gt 0 ] && grep -qF -- "${triggers[0]}" "$LOG.raw"; then
                        "${triggers[1]}"
                        triggers=("${triggers[@]:2}")
                fi
                sleep 0.02
        done
        wait $qpid
        RC=$?
        END_MS=$(($(now_ms) - t0))
        for _ in 1 2 3 4 5 6 7 8 9 10; do
                kill -0 $catpid 2>/dev/null || break
                sleep 0.1
        done
        kill $catpid 2>/dev/null
        wait $catpid 2>/dev/null
        tr -d '\r' <"$LOG.raw" >"$LOG"
}

qmp() { python3 "$here/qmp.py" "$QMP" "$@" >>"$W/qmp.log" 2>&1; }
send_cad() {
        qmp send-key '{"keys": [{"type": "qcode", "data": "ctrl"}, {"type": "qcode", "data": "alt"},
                {"type": "qcode", "data": "delete"}]}'
}
quit_qemu() { qmp quit; }
# The echo of the typed line shows "SHELL-$((6*7))"; only the shell's output shows SHELL-42.
# shellcheck disable=SC2016 # for the box's shell to expand
shell_input() {
        sleep 0.5
        printf '%s\n' 'echo SHELL-$((6*7)); exit' >"$SERIAL.in"
}

# judge: why the boot in LOG failed (on stdout), or nothing; the markers every boot is held to.
judge() {
        if grep -q 'Kernel panic' "$LOG"; then
                echo "kernel panic: $(grep -m1 'Kernel panic' "$LOG")"
        elif [ "$RC" = 124 ]; then
                echo "timeout after ${timeout_s}s"
        elif [ "$RC" != 0 ]; then
                echo "qemu exited with $RC: $(tail -n 3 "$QEMU_OUT" 2>/dev/null)"
        elif grep -q '^BOX-FAIL' "$LOG"; then
                grep '^BOX-FAIL' "$LOG"
        fi
}

# expect TEXT...: each TEXT (fixed strings) on the console, else the reason.
expect() {
        local t
        for t in "$@"; do
                grep -qF -- "$t" "$LOG" || echo "missing on the console: $t"
        done
}

# in_order TEXT...: the TEXTs appear on the console in this order.
in_order() {
        local t last=0 n
        for t in "$@"; do
                n=$(grep -nF -- "$t" "$LOG" | head -n 1 | cut -d: -f1)
                if [ -z "$n" ] || [ "$n" -le "$last" ]; then
                        echo "out of order or missing: $t"
                        return
                fi
                last=$n
        done
}

# The checks the hook makes on every boot that reaches it.
booted_ok() {
        expect "Running as PID 1 of the machine (a real boot)" "[  OK  ] Started blog - Personal blog" \
                "[  OK  ] Started mail - Mail queue runner" "[  OK  ] Started ftp - Anonymous FTP server" \
                "[FAILED] Failed to start box-broken" \
                "box-typo: refused" "BOX-READY" "BOX-OK pid 1 is svcd" "BOX-OK orphan burst" "BOX-CHECKS-DONE"
        local n
        n=$(grep -c '^BOX-OK' "$LOG")
        [ "$n" -ge 25 ] || echo "only $n BOX-OK lines"
}

# Every service stopped, the chain top-down, before the final steps.
stopped_in_order() {
        in_order "Stopping chain-web" "[  OK  ] Stopped chain-web" "Stopping chain-app" \
                "[  OK  ] Stopped chain-app" "Stopping chain-db" "[  OK  ] Stopped chain-db" \
                "All services stopped" "Syncing file systems" "Unmounting file systems" "$1"
        expect "[  OK  ] Stopped blog" "[  OK  ] Stopped mail" "[  OK  ] Stopped ftp"
}

scenario_poweroff() {
        boot poweroff "$BASE_APPEND $HOOK svctest=poweroff"
        report "checks, orphan burst, svc poweroff" "$(judge; booted_ok
                stopped_in_order "reboot: Power down")"
}

scenario_timing() {
        local i
        for i in $(seq 1 "$boots"); do
                INITRD=$W/initrd-timing.gz boot timing "$BASE_APPEND $HOOK svctest=timing"
                report "timing boot $i (blog, mail, ftp)" "$(judge
                        expect BOX-READY BOX-POWEROFF "[  OK  ] Stopped blog" "[  OK  ] Stopped mail" \
                                "[  OK  ] Stopped ftp" "reboot: Power down")" || return 1
                TIMES+=("boot $i: qemu start -> services ready $(sec "$READY_MS") s -> powered off \
$(sec "$END_MS") s (the shutdown itself $(sec $((END_MS - POWEROFF_MS))) s)")
        done
}

scenario_sigterm() {
        boot sigterm "$BASE_APPEND $HOOK svctest=sigterm"
        report sigterm "$(judge; booted_ok; expect "Received SIGTERM"; stopped_in_order "reboot: Power down")"
}

scenario_ctrl_alt_del() {
        boot cad "$BASE_APPEND $HOOK svctest=cad" BOX-CHECKS-DONE send_cad
        report ctrl-alt-del "$(judge; booted_ok; expect "Received SIGINT from pid 0" "Rebooting"
                stopped_in_order "reboot: Restarting system")"
}

scenario_halt() {
        boot halt "$BASE_APPEND $HOOK svctest=halt" "reboot: System halted" quit_qemu
        report "halt (SIGUSR1)" "$(judge; booted_ok; expect "Received SIGUSR1" "Halting"
                stopped_in_order "reboot: System halted")"
}

scenario_fatal() {
        # --root=/proc: the manager cannot create its directories, so svcd cannot start at all.
        boot fatal "$BASE_APPEND -- --root=/proc" "emergency shell on the console" shell_input
        report "fatal error: emergency shell, then reboot" "$(judge
                expect "[FAILED] svcd cannot supervise" "SHELL-42" "The emergency shell exited" \
                        "reboot: Restarting system")"
}

scenario_crash() {
        boot crash "$BASE_APPEND $HOOK svctest=crash" "PID 1 crashed (SIGSEGV)" shell_input \
                "freezing" quit_qemu
        report "crash of PID 1: emergency shell, then freeze" "$(judge; booted_ok
                expect "SHELL-42" "svcd: freezing")"
}

scenario_pid1_exits() {
        # The judge must call this a failure: qemu exits 0 after a panic too.
        boot exits "console=ttyS0 quiet panic=-1 no_timer_check rdinit=/bin/true"
        local why
        why=$(judge)
        case $why in
        "kernel panic: "*"Attempted to kill init"*) report "a PID 1 that exits fails the judge" "" ;;
        *) report "a PID 1 that exits fails the judge" "judge said: ${why:-pass}" ;;
        esac
}

# The power-cut scenario's disk, made once per run (mkfs.ext4 -d, about a second): what a box with
# a disk keeps in /var/lib/svc (units upg-a and upg-b enabled, tree upg imported from image v1,
# the images v2..v5 imported next, each with the SHA256SUMS of its files), and svc-tree with its
# libraries (libarchive's closure is 40 MB, too much for the initramfs), run from the disk by
# /usr/libexec/svc/svc-tree. And the initramfs of its boots: the box, the hooks, the units, and
# the preinit (rdinit=) that mounts the disk before svcd starts.
make_power_cut_box() {
        local bin=${box%/box} root=$W/power-cut-root img=$W/power-cut-img pc=$W/power-cut i lib
        local d=$root/var/lib/svc
        mkdir -p "$d/enabled" "$d/images" "$d/box-tools/lib" && : >"$d/enabled/upg-a" && : >"$d/enabled/upg-b" &&
                "$top/contrib/mktree.sh" "$img" --busybox >/dev/null || return 1
        for i in 1 2 3 4 5; do
                echo "image v$i" >"$img/image-id"
                rm -f "$img/SHA256SUMS"
                (cd "$img" && find . -type f ! -name SHA256SUMS -print0 | xargs -0 sha256sum >"$W/sums" &&
                        mv "$W/sums" SHA256SUMS && tar -cf "$d/images/v$i.tar" .) || return 1
        done
        "$bin/svc" --root "$root" tree import upg "$d/images/v1.tar" >/dev/null || return 1
        cp "$bin/svc-tree" "$d/box-tools/" && ln -s /usr/libexec/svc/svc-ctl "$d/box-tools/svc-ctl" || return 1
        for lib in $(ldd "$bin/svc-tree" | awk '/=> \// { print $3 }'); do
                cp -L "$lib" "$d/box-tools/lib/" || return 1
        done
        rm -f "$W/disk.img" && truncate -s 256M "$W/disk.img" && mkfs.ext4 -q -F -d "$d" "$W/disk.img" || return 1
        mkdir -p "$pc/etc/svc/units" "$pc/usr/libexec/svc" && cp -R "$W/hook/." "$pc/" &&
                install -m 0755 "$here/power-cut/preinit.sh" "$pc/usr/lib/svc-test/preinit" &&
                install -m 0644 "$here/power-cut/hook.sh" "$pc/usr/lib/svc-test/power-cut" &&
                cp "$here"/power-cut/*.unit "$pc/etc/svc/units/" || return 1
        # shellcheck disable=SC2016 # for the box's shell
        printf '#!/bin/sh\nLD_LIBRARY_PATH=/var/lib/svc/box-tools/lib exec /var/lib/svc/box-tools/svc-tree "$@"\n' \
                >"$pc/usr/libexec/svc/svc-tree" && chmod 0755 "$pc/usr/libexec/svc/svc-tree" &&
                cpio_after_box "$pc" "$W/initrd-power-cut.gz"
}

# Four boots of one disk: boots 1-3 cut the power during an import of a new generation of tree
# upg (after the copy, after the switch, while svcd moves the units), each next boot checks that
# every service runs on a whole generation; boot 4 imports to the end and finds the leftovers gone.
scenario_power_cut() {
        local step why points=(copied switched moving "")
        local marks=("SVC_TREE_TEST_CRASH=copied: power cut here" "SVC_TREE_TEST_CRASH=switched: power cut here"
                "Moving onto generation")
        make_power_cut_box || { report "power cut during an upgrade" "making the disk or the initramfs failed"; return 1; }
        for step in 1 2 3 4; do
                INITRD=$W/initrd-power-cut.gz DISK=$W/disk.img boot "power-cut-$step" \
                        "$BASE_APPEND $HOOK svctest=power-cut svcstep=$step rdinit=/usr/lib/svc-test/preinit"
                why=$(judge
                        expect BOX-READY "BOX-OK tree upg's generation is whole" "BOX-OK upg-a's generation is whole" \
                                "BOX-OK upg-b's generation is whole" "reboot: Power down"
                        if [ "$step" -lt 4 ]; then
                                # svc-ctl's words at "moving" go to svc-tree, not to the console.
                                expect "${marks[step - 1]}" "sysrq: Power Off"
                                ! grep -q "Syncing file systems" "$LOG" || echo "svcd shut down: the power was not cut"
                        else
                                expect "BOX-OK an import to the end" "BOX-OK both units moved onto the new generation" \
                                        "BOX-CHECKS-DONE"
                        fi)
                report "power cut: boot $step${points[step - 1]:+, cut ${points[step - 1]}}" "$why" || return 1
        done
}

sec() { printf '%d.%02d' $(($1 / 1000)) $(($1 % 1000 / 10)); }

TIMES=()
# report NAME WHY: ok when WHY is empty; else prints it and the console's tail, and fails.
report() {
        if [ -z "$2" ]; then
                printf '  ok    %s (%s s)\n' "$1" "$(sec "$END_MS")"
                return 0
        fi
        printf '  FAIL  %s\n' "$1"
        while IFS= read -r l; do printf '        %s\n' "$l"; done <<<"$2"
        echo "        --- console (last 40 lines) ---"
        tail -n 40 "$LOG" | sed 's/^/        /'
        return 1
}

selected() { [ -z "$filter" ] || [[ $1 == *$filter* ]]; }

echo "== box ($(basename "$(readlink -f "$kernel")"), TCG)"
FAILED=()
# The timing boots alone, one after the other; then the other scenarios two at a time (each
# qemu under TCG keeps one core busy), each printing when it is done.
if selected timing; then
        scenario_timing || FAILED+=(timing)
fi
declare -A running=()
wait_one() {
        local pid s
        wait -n -p pid "${!running[@]}"
        s=${running[$pid]}
        unset "running[$pid]"
        cat "$W/$s.out"
        grep -q '^  FAIL' "$W/$s.out" && FAILED+=("$s")
}
for s in power_cut poweroff sigterm ctrl_alt_del halt fatal crash pid1_exits; do
        selected "$s" || continue
        [ ${#running[@]} -lt "$jobs" ] || wait_one
        ("scenario_$s" >"$W/$s.out" 2>&1) &
        running[$!]=$s
done
while [ ${#running[@]} -gt 0 ]; do
        wait_one
done
for t in "${TIMES[@]}"; do
        echo "  timing: $t"
done
if [ ${#FAILED[@]} -gt 0 ]; then
        BOX_KEEP=1
        echo "box: FAILED: ${FAILED[*]}"
        exit 1
fi
echo "box: all passed"
