#!/bin/sh
# The box's side of tests/box/run.sh: svcd runs it on the console (svc.run= on the kernel command
# line), as /usr/lib/svc-test/hook, with the scenario in $svctest (a k=v word of the kernel
# command line, which the kernel puts in init's environment). It prints BOX-OK / BOX-FAIL lines
# and markers that the runner reads from the serial console, then does what the scenario ends
# with: power off through the control socket, a signal to PID 1, or nothing (ctrl-alt-del comes
# from the host).
scenario=${svctest:-poweroff}
orphans=${svcorphans:-500}

export NO_COLOR=1
# Debian's busybox runs its own applets before PATH, and it has runit's svc.
svc() { /usr/bin/svc "$@"; }
ok() { echo "BOX-OK $*"; }
bad() { echo "BOX-FAIL $*"; }
# check DESCRIPTION COMMAND...
check() {
        d=$1
        shift
        if "$@" >/dev/null 2>&1; then ok "$d"; else bad "$d"; fi
}
status_has() { svc status "$1" 2>/dev/null | grep -q "$2"; }
main_pid() { svc status --json "$1" | sed -n 's/.*"main_pid":\([0-9]*\).*/\1/p'; }
# Every namespace of PID differs from PID 1's.
own_namespaces() {
        for n in mnt pid net uts ipc; do
                [ "$(readlink "/proc/$1/ns/$n")" != "$(readlink /proc/1/ns/$n)" ] || return 1
        done
}
page_has() { echo "$page" | grep -qF "$1"; }
# The mount on top of / has a parent (its id differs from its parent's): pivot_root works.
root_has_parent() { awk '$5 == "/" { top = ($1 == $2) } END { exit top }' /proc/self/mountinfo; }
ms() { cut -d' ' -f1 /proc/uptime | tr -d .; } # hundredths of a second since boot
zombies() { grep -l '^State:.*Z' /proc/[0-9]*/status 2>/dev/null | wc -l; }
children_of_1() { grep -l '^PPid:.1$' /proc/[0-9]*/status 2>/dev/null | wc -l; }

check "pid 1 is svcd (/init)" [ "$(readlink /proc/1/exe)" = /init ]
# The example services (those the box enables), and the test units when this boot has them.
# box-*: broken on purpose, or a oneshot.
units=
for u in /var/lib/svc/enabled/*; do
        case ${u##*/} in
        box-*) ;;
        *) units="$units ${u##*/}" ;;
        esac
done
# shellcheck disable=SC2086 # a list of names
if svc start $units; then
        echo "BOX-READY at $(cut -d' ' -f1 /proc/uptime) s of guest uptime"
else
        bad "the example services did not start"
fi
# power-cut: svcstep=N of the boots on one disk (tests/box/run.sh scenario_power_cut).
if [ "$scenario" = power-cut ]; then
        # shellcheck source=tests/box/power-cut/hook.sh
        . /usr/lib/svc-test/power-cut
        exec sleep 1000000
fi
if [ "$scenario" = timing ]; then
        echo "BOX-POWEROFF"
        svc poweroff || bad "svc poweroff"
        exec sleep 1000000
fi
svc list
# Booted: mounts, hostname, lo, cgroup v2 only, modules on demand.
for m in /proc /sys /dev /dev/pts /dev/shm /run /sys/fs/cgroup; do
        check "$m mounted" grep -q "^[^ ]* $m " /proc/mounts
done
check "cgroup2 at /sys/fs/cgroup" grep -q '^cgroup2 /sys/fs/cgroup cgroup2 ' /proc/mounts
check "no cgroup v1 hierarchy" sh -c '! grep -q " cgroup " /proc/mounts'
check "hostname from /etc/hostname" [ "$(hostname)" = svc-box ]
check "lo up" sh -c 'ip link show lo | grep -q "[<,]UP[,>]"'
check "/ is not the initramfs' rootfs" root_has_parent
check "oneshot on an overlay ran" svc start box-overlay
check "overlay.ko loaded on demand" grep -q '^overlay ' /proc/modules
check "veth.ko loads on demand" sh -c 'ip link add svct0 type veth && grep -q "^veth " /proc/modules &&
        ip link del svct0'

# The example services, each in its own namespaces on its own tree.
pid=$(main_pid mail)
check "mail runs (main pid ${pid:-none})" [ -n "$pid" ]
check "mail in namespaces of its own" own_namespaces "$pid"
check "mail on tree mail (libsvcdemo 2.0)" status_has mail "libsvcdemo 2.0"
check "mail in its own cgroup" grep -qx '0::/svc/mail' "/proc/$pid/cgroup"
check "mail's hostname" [ "$(svc exec mail hostname)" = mail ]
page=$(wget -qO- http://127.0.0.1:8080/)
check "blog answers on tree blog (libsvcdemo 1.0)" page_has "libsvcdemo 1.0"
check "blog's sandbox has only lo" page_has "network interfaces: lo)"
check "ftp answers through its published port" sh -c 'wget -qO- ftp://127.0.0.1:2121/pub/hello.txt |
        grep -q "Hello from vsftpd"'
check "broken unit failed, the boot went on" status_has box-broken failed
check "unit with a typo refused" status_has box-typo "unknown key ExecStrat="

# Timers: the run a Persistent= timer missed while the box was off happens once after boot, and
# its stamp is renewed; a Persistent= timer that missed nothing does not run (run.sh dates both
# stamps; the box's clock is the host's).
ran() { svc logs "$1" 2>/dev/null | grep -c "$1 ran"; }
n=0
while [ "$(ran box-missed)" -lt 1 ] && [ $n -lt 100 ]; do n=$((n + 1)); sleep 0.1; done
echo "box clock: $(date -u '+%F %T') UTC; box-missed.timer stamp: $(date -u -r /var/lib/svc/timers/box-missed.timer '+%F %T')"
check "a Persistent= timer missed while the box was off ran after boot" [ "$(ran box-missed)" = 1 ]
check "its stamp was renewed" [ "$(stat -c %Y /var/lib/svc/timers/box-missed.timer)" -ge "$(($(date +%s) - 300))" ]
check "it is armed for its next run" sh -c '/usr/bin/svc list --timers | grep " box-missed.timer " | grep -q " left "'
check "a Persistent= timer that missed nothing did not run" [ "$(ran box-uptodate)" = 0 ]
check "and is armed" sh -c '/usr/bin/svc list --timers | grep " box-uptodate.timer " | grep -q " left "'

# Resources on cgroup v2: the limits in the service's own cgroup, usage in status, OOM reported.
cg=/sys/fs/cgroup/svc/box-limits
check "box-limits runs in its cgroup" grep -q . "$cg/cgroup.procs"
check "MemoryMax= is memory.max" [ "$(cat "$cg/memory.max")" = 33554432 ]
check "MemoryHigh= is memory.high" [ "$(cat "$cg/memory.high")" = 25165824 ]
check "TasksMax= is pids.max" [ "$(cat "$cg/pids.max")" = 16 ]
check "CPUWeight= is cpu.weight" [ "$(cat "$cg/cpu.weight")" = 50 ]
check "CPUQuota= is cpu.max" [ "$(cat "$cg/cpu.max")" = "50000 100000" ]
check "status shows usage and limits" sh -c '/usr/bin/svc status box-limits | grep -q "Tasks: [0-9]* (limit 16)"'
check "status shows the cgroup's memory" sh -c "/usr/bin/svc status --json box-limits | grep -q '\"memory_current\":[1-9]'"
n=0
while ! status_has box-oom failed && [ $n -lt 100 ]; do n=$((n + 1)); sleep 0.1; done
check "an OOM kill is reported as one" status_has box-oom "out of memory (MemoryMax=16M)"

# An orphan burst: ORPHANS subshells, blocked opening a FIFO nobody writes, in a process group
# of their own; their parents exit, so PID 1 adopts them. One kill of the group ends them all at
# once, and PID 1 must reap them all.
mkfifo /tmp/block
before=$(children_of_1)
# shellcheck disable=SC2016 # for the inner shell
setsid sh -c 'echo $$ >/tmp/burst.pgid; i=0
        while [ $i -lt "$1" ]; do ( (read -r _ </tmp/block) & ); i=$((i + 1)); done' - "$orphans"
n=0
while [ "$(($(children_of_1) - before))" -lt "$orphans" ] && [ $n -lt 100 ]; do
        n=$((n + 1))
        sleep 0.05
done
adopted=$(($(children_of_1) - before))
t0=$(ms)
kill -TERM -"$(cat /tmp/burst.pgid)"
n=0
while [ "$(children_of_1)" -gt "$before" ] || [ "$(zombies)" -gt 0 ]; do
        n=$((n + 1))
        [ $n -lt 300 ] || break
        sleep 0.05
done
left=$(($(children_of_1) - before))
z=$(zombies)
if [ "$adopted" -ge "$orphans" ] && [ "$left" -le 0 ] && [ "$z" -eq 0 ]; then
        ok "orphan burst: PID 1 adopted $adopted and reaped them in $(($(ms) - t0))0 ms"
else
        bad "orphan burst: adopted $adopted of $orphans, $left left, $z zombies"
fi
check "svcd answers after the burst" svc status blog

echo "BOX-CHECKS-DONE"
case $scenario in
poweroff) svc poweroff || bad "svc poweroff" ;;
sigterm) kill -TERM 1 ;;
halt) kill -USR1 1 ;;
crash) kill -SEGV 1 ;;
esac
# cad: the host sends ctrl-alt-del. Either way svcd ends this session at shutdown.
exec sleep 1000000
