#!/bin/sh
# The first process of the power-cut scenario's boots (rdinit=, tests/box/run.sh): puts the box's
# disk (virtio-blk, ext4, made by run.sh) on /var/lib/svc, so that the trees, the enabled units and
# the pins outlive a boot, then becomes svcd, PID 1, as a box with a disk boots. svcd mounts /proc
# and /dev itself: they are unmounted again before.
mount -t proc proc /proc
mount -t devtmpfs dev /dev
if modprobe virtio_pci && modprobe virtio_blk && modprobe ext4; then
        n=0
        while [ ! -b /dev/vda ] && [ $n -lt 100 ]; do
                n=$((n + 1))
                sleep 0.05
        done
        mount -t ext4 -o nosuid,nodev /dev/vda /var/lib/svc || echo "BOX-FAIL mounting the disk /dev/vda"
else
        echo "BOX-FAIL loading the modules for the disk (virtio_pci, virtio_blk, ext4)"
fi
umount /dev
umount /proc
exec /init "$@"
