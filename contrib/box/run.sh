#!/bin/sh
# run.sh BUILD_DIR: boots the box that build.sh made in BUILD_DIR/box under qemu, with the console
# on this terminal and a root shell on it once the services are queued (svc.run="/bin/sh -l").
# Try `svc list`, `svc status mail`, `wget -qO- 127.0.0.1:8080`, then `svc poweroff` (or
# `svc reboot`). ctrl-a x quits qemu, ctrl-a c switches to its monitor.
#   SVC_BOX_ACCEL    qemu's accelerator (default tcg: this machine's /dev/kvm hangs a guest)
#   SVC_BOX_APPEND   more words for the kernel command line (svc.log_level=debug, ...)
#   SVC_BOX_TIMEOUT  how long qemu may run (default 8h; timeout(1) syntax)
set -eu

[ $# -eq 1 ] || { echo "usage: run.sh BUILD_DIR" >&2; exit 2; }
box=$(cd "$1" && pwd)/box
[ -e "$box/initrd.gz" ] || { echo "box: $box/initrd.gz is missing (make box)" >&2; exit 1; }
kernel=$box/vmlinux
[ -e "$kernel" ] || kernel=$box/vmlinuz
command -v qemu-system-x86_64 >/dev/null || { echo "box: qemu is missing (make deps)" >&2; exit 1; }

echo "box: booting; ctrl-a x quits qemu, 'svc poweroff' in the box powers it off" >&2
# The PVH vmlinux boots without the xz decompression of the bzImage (2-3 s under TCG). panic=0:
# a panic stays on the screen. No -no-reboot: `svc reboot` reboots.
exec timeout --foreground "${SVC_BOX_TIMEOUT:-8h}" qemu-system-x86_64 -accel "${SVC_BOX_ACCEL:-tcg}" \
        -m 512 -nodefaults -nic none -display none -serial mon:stdio \
        -kernel "$kernel" -initrd "$box/initrd.gz" \
        -append "console=ttyS0 quiet panic=0 no_timer_check svc.run=\"/bin/sh -l\" ${SVC_BOX_APPEND:-}"
