#!/bin/bash
# tests/bench/vm.sh BUILD: the seed's baseline, a VM per service (benchmark 14). Boots the box
# (contrib/box: Debian's kernel, svcd as PID 1, the example services on their trees) under qemu
# with -m 256M and TCG, keeps one small service (blog) and stops the others, then reads:
#   - on the host: the PSS and RSS of the qemu process once the service answers, and again after
#     VM_IDLE (60) seconds idle: what one VM per service holds;
#   - in the guest, on the same kernel: the PSS of svcd (PID 1) plus every process of blog's
#     sandbox (its cgroup, ns-init included): what svc holds for the same service;
#   - disk: the VM's kernel and initramfs (its whole image) against blog's tree.
# Prints one line per figure; with BENCH_DATA/BENCH_NOTES (run.sh), appends them as benchmark 14.
set -euo pipefail

BUILD=$(cd "${1:-build}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
IDLE=${VM_IDLE:-60}
DATA=${BENCH_DATA:-/dev/null}
NOTES=${BENCH_NOTES:-/dev/null}
command -v qemu-system-x86_64 >/dev/null || { echo "vm: qemu-system-x86_64 missing (make deps)" >&2; exit 1; }
"$TOP/contrib/box/build.sh" "$BUILD" >/dev/null
BOX=$BUILD/box
KERNEL=$BOX/vmlinux
[ -e "$KERNEL" ] || KERNEL=$BOX/vmlinuz

W=$(mktemp -d /tmp/svcvm.XXXXXX)
QPID=
# The script's status is its own: qemu's (killed) must not become it under set -e.
cleanup() {
        local rc=$?
        set +e
        if [ -n "$QPID" ]; then
                kill -KILL "$QPID" 2>/dev/null
                wait "$QPID" 2>/dev/null
        fi
        rm -rf "$W"
        exit $rc
}
trap cleanup EXIT

# The guest's side: svcd runs it on the console (svc.run=). It stops every service but blog,
# waits for blog to answer, prints svc's PSS for it, and idles.
mkdir -p "$W/hook/usr/lib/svc-test"
cat >"$W/hook/usr/lib/svc-test/vm" <<'EOF'
#!/bin/sh
svc() { /usr/bin/svc "$@"; }
for u in /var/lib/svc/enabled/*; do
        [ "${u##*/}" = blog ] || svc stop "${u##*/}" >/dev/null 2>&1
done
svc start blog >/dev/null
n=0
until wget -qO- http://127.0.0.1:8080/ >/dev/null 2>&1 || [ $n -gt 200 ]; do n=$((n + 1)); sleep 0.1; done
pss() { awk '/^Pss:/ { s += $2 } END { print s + 0 }' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
sum=$(pss 1)
# Blog's sandbox: its ns-init and its processes, all in its cgroup.
for p in $(cat /sys/fs/cgroup/svc/blog/cgroup.procs); do sum=$((sum + $(pss "$p"))); done
echo "VM-NSINIT $(wc -l </sys/fs/cgroup/svc/blog/cgroup.procs) processes in blog's cgroup"
echo "VM-SVC-PSS $sum $(pss 1)"
echo "VM-READY"
exec sleep 1000000
EOF
chmod 0755 "$W/hook/usr/lib/svc-test/vm"
(cd "$W/hook" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$W/hook.cpio.gz"
cat "$BOX/initrd.gz" "$W/hook.cpio.gz" >"$W/initrd.gz"

t0=${EPOCHREALTIME/./}
qemu-system-x86_64 -accel tcg -m 256M -nodefaults -no-reboot -nic none -display none -monitor none \
        -serial "file:$W/console" -kernel "$KERNEL" -initrd "$W/initrd.gz" \
        -append "console=ttyS0 quiet panic=-1 no_timer_check svc.run=/usr/lib/svc-test/vm" </dev/null >"$W/qemu.out" 2>&1 &
QPID=$!
for _ in $(seq 1800); do
        grep -q VM-READY "$W/console" 2>/dev/null && break
        kill -0 "$QPID" 2>/dev/null || break
        sleep 0.1
done
grep -q VM-READY "$W/console" || { echo "vm: the box did not get ready:" >&2; tail -20 "$W/console" >&2; exit 1; }
ready=$(((${EPOCHREALTIME/./} - t0) / 1000))
kib() { awk -v k="$1" '$1 == k ":" { print $2 }' "/proc/$QPID/smaps_rollup"; }
pss_boot=$(kib Pss)
rss_boot=$(kib Rss)
sleep "$IDLE"
pss_idle=$(kib Pss)
rss_idle=$(kib Rss)
read -r _ svc_pss svcd_pss < <(grep -a VM-SVC-PSS "$W/console" | tr -d '\r')
# The image a VM's disk would hold: the compressed kernel (qemu boots the uncompressed vmlinux
# when there is one, only because it starts faster under TCG).
img=$(($(stat -L -c %s "$BOX/vmlinuz") + $(stat -c %s "$BOX/initrd.gz")))
nprocs=$(grep -a VM-NSINIT "$W/console" | tr -d '\r' | cut -d' ' -f2)
unpacked=$(gzip -dc "$BOX/initrd.gz" | wc -c)
tree=$(gzip -dc "$BOX/initrd.gz" | (mkdir "$W/x" && cd "$W/x" && cpio -id --quiet 'var/lib/svc/trees/blog*' 2>/dev/null; du -sk --apparent-size var/lib/svc/trees/blog | cut -f1))

echo "vm-ready	$ready	ms from qemu's start to blog answering in the VM (TCG)"
echo "vm-boot	$pss_boot	KiB PSS of qemu once blog answers (RSS $rss_boot)"
echo "vm-idle	$pss_idle	KiB PSS of qemu after $IDLE s idle (RSS $rss_idle)"
echo "svc-blog	$svc_pss	KiB PSS in the guest of svcd (PID 1, $svcd_pss KiB) and blog's sandbox"
echo "vm-image	$((img / 1024))	KiB of the VM's image: kernel + initramfs (gzip; $((unpacked / 1024)) KiB unpacked)"
echo "tree-blog	$tree	KiB of blog's tree (shared by every service on it)"
printf '14\t%s\tMiB\t%s\n' vm-boot "$(awk -v k="$pss_boot" 'BEGIN { printf "%.1f", k / 1024 }')" \
        vm-idle "$(awk -v k="$pss_idle" 'BEGIN { printf "%.1f", k / 1024 }')" \
        svc-blog "$(awk -v k="$svc_pss" 'BEGIN { printf "%.1f", k / 1024 }')" \
        vm-image "$(awk -v k="$img" 'BEGIN { printf "%.1f", k / 1048576 }')" \
        tree-blog "$(awk -v k="$tree" 'BEGIN { printf "%.1f", k / 1024 }')" >>"$DATA"
printf '14\t%s\n' "qemu -m 256M under TCG, the box's kernel ($(basename "$(dirname "$(readlink -f "$BOX/vmlinuz")")")): blog answered $ready ms after qemu started; qemu's RSS was $rss_boot KiB then and $rss_idle KiB after $IDLE s idle. svc's figure is measured inside that VM, on the same kernel: svcd as PID 1 ($svcd_pss KiB) plus the $nprocs processes of blog's cgroup (its ns-init and the server). The VM's image is the box's kernel and gzip'd initramfs, which already hold svcd and three trees ($((unpacked / 1024)) KiB unpacked); a VM with a stock Debian image would be larger." >>"$NOTES"
n=10
printf '14\t%s\n' "The seed's figure, $n services: $n VMs hold $n x $(awk -v k="$pss_idle" 'BEGIN { printf "%.0f", k / 1024 }') MiB = $(awk -v k="$pss_idle" -v n=$n 'BEGIN { printf "%.0f", n * k / 1024 }') MiB after idling; under svc, svcd once plus $n sandboxes is at most $(awk -v s="$svc_pss" -v n=$n -v d="$svcd_pss" 'BEGIN { printf "%.0f", (d + n * (s - d)) / 1024 }') MiB by this measure (each service's own processes counted $n times, svcd once)." >>"$NOTES"
