#!/bin/sh
# test-migrate-images.sh [--force]: builds, once, the VM disk images that
# tests/integration/test-migrate.sh migrates with `svc migrate`, and caches them outside the
# clone:
#
#   $SVC_MIGRATE_IMAGES (default /var/cache/svc/migrate)/v2/
#     blog-vm.qcow2    A Debian 12 VM that boots as Debian boots. GPT: partition 1 an ext4 /boot,
#                      partition 2 an LVM physical volume, volume group "vmvg" with the logical
#                      volumes "root" (ext4: the cached bookworm daemon tree with nginx, postfix
#                      and vsftpd enabled) and "srv" (ext4: /srv); /etc/fstab names all three by
#                      UUID. Its kernel is its own: linux-image-amd64, initramfs-tools and lvm2
#                      are installed into the root with apt-get in a chroot (downloaded from
#                      Debian's archive), so Debian's own hooks write /boot/initrd.img, whose lvm2
#                      script activates vmvg/root. It has no boot loader (grub-install needs the
#                      kernel's partitions and device-mapper, which this machine lacks): qemu is
#                      given the kernel and initrd of its /boot (tests/integration/
#                      test-migrate.sh takes them out of the image read-only), as a host's
#                      direct kernel boot would. Data: a page under /var/www/html, a mail for
#                      alice queued in postfix's maildrop, a file under /srv/ftp for anonymous ftp.
#     mbr-ext4.raw     MBR, one ext4 partition: bullseye minbase (Debian 11), no systemd, and a
#                      daemon of a SysV init script (hello) with its data in /var/lib/hello.
#     xfs.raw          MBR, one xfs partition: the same tree.
#     btrfs.raw        MBR, one btrfs partition: the same tree (mkfs.btrfs --rootdir, no mount).
#     btrfs-subvol.raw MBR, one btrfs partition: the same tree in the subvolume @rootfs, /home in
#                      the subvolume @home.
#     ext4.vmdk        mbr-ext4.raw as a VMware disk (qemu-img convert -O vmdk).
#     luks.raw         MBR, one LUKS2 partition (an encrypted disk).
#     noroot.raw       MBR, one ext4 partition holding data, no operating system.
#     arm64.raw        MBR, one ext4 partition: a Debian-looking root whose /sbin/init is an
#                      AArch64 ELF (another CPU architecture).
#     windows.raw      MBR, one NTFS partition.
#
# Built without the kernel's partition tables, device-mapper or nbd, which this machine's kernel
# lacks: sfdisk writes the partition tables into the files, LVM writes its metadata through a
# loop device over the partition with activation off (--driverloaded n), mkfs.ext4 -E offset=
# writes each file system at its partition's or logical volume's offset, populated with -d. Only
# xfs is populated through a loop mount (mkfs.xfs has no -d); btrfs is made in a file of its own
# and copied to its partition's offset (mkfs.btrfs has no offset). Needs the caches of
# contrib/test-daemon-tree.sh and contrib/test-trees.sh (make test-deps runs them first) and
# Debian's archive (the VM's kernel, about 110 MB of packages). Runs as root; a second run
# returns at once. 3-5 min, 1.3 GB.
set -eu

cache=${SVC_MIGRATE_IMAGES:-/var/cache/svc/migrate}
out=$cache/v2
daemons=${SVC_TEST_TREES:-/var/cache/svc/test-trees}/bookworm-daemons-v1
minbase=${SVC_TEST_TREES:-/var/cache/svc/test-trees}/bullseye-minbase-v1.tar
MiB=1048576

if [ "${1:-}" != --force ] && [ -s "$out/btrfs-subvol.raw" ]; then
        exit 0
fi
if [ "$(id -u)" != 0 ]; then
        echo "test-migrate-images: building $out needs root (loop devices, chroot)" >&2
        exit 1
fi
for f in "$daemons/etc/debian_version" "$minbase"; do
        [ -e "$f" ] || {
                echo "test-migrate-images: $f is missing (make test-deps builds it first)" >&2
                exit 1
        }
done
for p in sfdisk pvcreate mkfs.ext4 mkfs.xfs mkfs.btrfs mkntfs qemu-img cryptsetup; do
        command -v "$p" >/dev/null || {
                echo "test-migrate-images: $p is missing (make deps installs it)" >&2
                exit 1
        }
done
mkdir -p "$cache"
work=$(mktemp -d "$cache/.build.XXXXXX")
loop=""
# The exit status is the script's, never the clean-up's (see test-trees.sh).
cleanup() {
        rc=$?
        if mountpoint -q "$work/mnt" 2>/dev/null; then umount "$work/mnt" || :; fi
        if mountpoint -q "$work/vm/proc" 2>/dev/null; then umount "$work/vm/proc" || :; fi
        if [ -n "$loop" ]; then losetup -d "$loop" || :; fi
        rm -rf "$work" || :
        exit "$rc"
}
trap cleanup EXIT

uuid() { cat /proc/sys/kernel/random/uuid; }

# LVM on the loop device $loop alone, never the host's disks, without device-mapper or udev.
lvm_conf() {
        echo "devices{obtain_device_list_from_udev=0 use_devicesfile=0 filter=[\"a|^$loop\$|\",\"r|.*|\"]}" \
                "activation{udev_sync=0 udev_rules=0 monitoring=0} backup{backup=0 archive=0}"
}

# ext4_at FILE OFFSET SIZE UUID DIR: an ext4 file system of SIZE bytes at OFFSET of FILE, holding DIR.
ext4_at() {
        mkfs.ext4 -q -F -U "$4" -E "offset=$2" -d "$5" "$1" "$(($3 / 1024))k"
}

# mbr FILE SIZE_MIB TYPE: an MBR disk with one partition from 1 MiB to the end.
mbr() {
        truncate -s "${2}M" "$1"
        echo "start=2048, type=$3" | sfdisk -q --label dos "$1"
}

echo "test-migrate-images: building $out (once)" >&2

# ---- blog-vm.qcow2 ----------------------------------------------------------------------------
vm=$work/vm
cp -a "$daemons" "$vm"
# What the VM runs: nginx, postfix and vsftpd beside the OS's own plumbing. The daemon tree's
# other servers are purged (apt-get, offline; their maintainer scripts start nothing): half its
# size, and half the time each test spends copying it.
printf '#!/bin/sh\nexit 101\n' >"$vm/usr/sbin/policy-rc.d"
chmod 755 "$vm/usr/sbin/policy-rc.d"
mount -t proc proc "$vm/proc"
if ! DEBIAN_FRONTEND=noninteractive chroot "$vm" apt-get purge -y -qq --autoremove mariadb-server \
        mariadb-client dovecot-core redis-server redis-tools openssh-server >"$work/purge.log" 2>&1; then
        tail -n 20 "$work/purge.log" >&2
        echo "test-migrate-images: apt-get purge failed" >&2
        exit 1
fi
# Its own kernel, as Debian installs one: the packages' hooks write /boot/initrd.img-VERSION with
# lvm2's script in it. apt-get in the chroot, with the host's resolver for the download.
cp -a "$vm/etc/resolv.conf" "$work/resolv.conf"
cp /etc/resolv.conf "$vm/etc/resolv.conf"
if ! { chroot "$vm" apt-get update -qq && DEBIAN_FRONTEND=noninteractive chroot "$vm" apt-get install -y -qq \
        --no-install-recommends linux-image-amd64 initramfs-tools lvm2; } >"$work/kernel.log" 2>&1; then
        tail -n 20 "$work/kernel.log" >&2
        echo "test-migrate-images: installing the VM's kernel failed" >&2
        exit 1
fi
chroot "$vm" apt-get clean
rm -rf "$vm"/var/lib/apt/lists/*
cp -a "$work/resolv.conf" "$vm/etc/resolv.conf"
[ -s "$(echo "$vm"/boot/initrd.img-*)" ] || {
        echo "test-migrate-images: the kernel's packages wrote no /boot/initrd.img" >&2
        exit 1
}
umount "$vm/proc"
rm -f "$vm/usr/sbin/policy-rc.d"
for u in cron dovecot mariadb redis-server ssh; do
        rm -f "$vm/etc/systemd/system/multi-user.target.wants/$u.service"
done
rm -f "$vm/etc/systemd/system/redis.service" "$vm/etc/systemd/system/sshd.service"
ln -sf /lib/systemd/system/multi-user.target "$vm/etc/systemd/system/default.target"
echo blog-vm >"$vm/etc/hostname"
uuid | tr -d - >"$vm/etc/machine-id"
mkdir -p "$vm/etc/network"
printf 'auto lo\niface lo inet loopback\nauto ens3\niface ens3 inet dhcp\n' >"$vm/etc/network/interfaces"
echo '<html><body>the blog-vm page, migrated</body></html>' >"$vm/var/www/html/index.html"
sed -i -e 's/^anonymous_enable=.*/anonymous_enable=YES/' "$vm/etc/vsftpd.conf"
printf 'no_anon_password=YES\nanon_root=/srv/ftp\npasv_min_port=40000\npasv_max_port=40009\n' >>"$vm/etc/vsftpd.conf"
chroot "$vm" useradd -m -s /bin/sh alice
printf 'Subject: queued in blog-vm\n\nthe mail queued in the VM\n' |
        chroot "$vm" /usr/sbin/sendmail -f root alice@localhost 2>/dev/null
[ -n "$(find "$vm/var/spool/postfix/maildrop" -type f)" ] || {
        echo "test-migrate-images: the mail was not queued in postfix's maildrop" >&2
        exit 1
}
# /boot and /srv live on file systems of their own; their mount points stay empty.
boot=$work/boot srv=$work/srv
mv "$vm/boot" "$boot"
mv "$vm/srv" "$srv"
mkdir "$vm/boot" "$vm/srv"
mkdir -p "$srv/ftp"
echo "the ftp file of blog-vm" >"$srv/ftp/hello.txt"
chown -R 0:0 "$srv" && chmod 755 "$srv/ftp"
root_uuid=$(uuid) boot_uuid=$(uuid) srv_uuid=$(uuid)
cat >"$vm/etc/fstab" <<EOF
# /etc/fstab: static file system information.
UUID=$root_uuid /         ext4 errors=remount-ro 0 1
UUID=$boot_uuid /boot     ext4 defaults          0 2
UUID=$srv_uuid  /srv      ext4 defaults          0 2
EOF

raw=$work/blog-vm.raw
# Sizes in MiB: /boot holds the kernel and its initramfs; the root a quarter more than its files.
boot_mib=160 root_mib=$(($(du -sm "$vm" | cut -f1) * 5 / 4 + 128))
truncate -s $((boot_mib + root_mib + 64 + 16))M "$raw"
printf 'label: gpt\nstart=2048, size=%s, type=L\nstart=%s, type=E6D6D379-F507-44C2-A23C-238F2A3DF928\n' \
        $((boot_mib * 2048)) $(((boot_mib + 1) * 2048)) | sfdisk -q "$raw"
ext4_at "$raw" $MiB $((boot_mib * MiB)) "$boot_uuid" "$boot"
p2=$(((boot_mib + 1) * MiB))
p2_size=$(($(stat -c %s "$raw") - p2 - 34 * 512))
loop=$(losetup --find --show --offset "$p2" --sizelimit "$p2_size" "$raw")
export LVM_SUPPRESS_FD_WARNINGS=1
conf=$(lvm_conf)
pvcreate -q --config "$conf" "$loop" >/dev/null
vgcreate -q --config "$conf" vmvg "$loop" >/dev/null
lvcreate -q --driverloaded n --config "$conf" -an -Zn -n root -L "${root_mib}M" vmvg >/dev/null 2>&1
lvcreate -q --driverloaded n --config "$conf" -an -Zn -n srv -L 64M vmvg >/dev/null 2>&1
pe_start=$(pvs --config "$conf" --noheadings --units b --nosuffix -o pe_start "$loop" | tr -d ' ')
extent=$(vgs --config "$conf" --noheadings --units b --nosuffix -o vg_extent_size vmvg | tr -d ' ')
losetup -d "$loop"
loop=""
# lv_first_pe NAME: the first extent of logical volume NAME (linear, one segment).
lv_first_pe() {
        sed -n "s/^ *$1 [^:]*:\([0-9]*\)-[0-9]* *\$/\1/p" "$work/lvs"
}
loop=$(losetup --find --show --read-only --offset "$p2" --sizelimit "$p2_size" "$raw")
lvs --config "$(lvm_conf)" --noheadings -o lv_name,seg_pe_ranges vmvg >"$work/lvs"
losetup -d "$loop"
loop=""
root_off=$((p2 + pe_start + $(lv_first_pe root) * extent))
srv_off=$((p2 + pe_start + $(lv_first_pe srv) * extent))
ext4_at "$raw" "$root_off" $((root_mib * MiB)) "$root_uuid" "$vm"
ext4_at "$raw" "$srv_off" $((64 * MiB)) "$srv_uuid" "$srv"
qemu-img convert -f raw -O qcow2 "$raw" "$work/blog-vm.qcow2"
rm -rf "$raw" "$vm"

# ---- mbr-ext4.raw, xfs.raw, btrfs*.raw, ext4.vmdk: bullseye minbase -------------------------
small=$work/small
mkdir "$small"
tar -C "$small" -xf "$minbase"
echo small-vm >"$small/etc/hostname"
# A daemon started by a SysV init script, as on VMs older than systemd, with its data.
cat >"$small/etc/init.d/hello" <<'EOF'
#!/bin/sh
### BEGIN INIT INFO
# Provides:          hello
# Required-Start:    $local_fs
# Required-Stop:     $local_fs
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: the greeting daemon of the test VM
### END INIT INFO
case "$1" in
start)
        (while :; do cp /var/lib/hello/greeting /run/hello.out; sleep 60; done) </dev/null >/dev/null 2>&1 &
        echo $! >/run/hello.pid ;;
stop)
        [ ! -f /run/hello.pid ] || kill "$(cat /run/hello.pid)"
        rm -f /run/hello.pid ;;
*)
        echo "usage: $0 start|stop" >&2
        exit 3 ;;
esac
EOF
chmod 755 "$small/etc/init.d/hello"
ln -s ../init.d/hello "$small/etc/rc2.d/S01hello"
mkdir -p "$small/var/lib/hello"
echo "hello from the bullseye VM" >"$small/var/lib/hello/greeting"
u=$(uuid)
printf 'UUID=%s / ext4 errors=remount-ro 0 1\n' "$u" >"$small/etc/fstab"
mbr "$work/mbr-ext4.raw" 512 83
ext4_at "$work/mbr-ext4.raw" $MiB $((511 * MiB)) "$u" "$small"
u=$(uuid)
printf 'UUID=%s / xfs defaults 0 1\n' "$u" >"$small/etc/fstab"
mbr "$work/xfs.raw" 512 83
loop=$(losetup --find --show --offset $MiB --sizelimit $((511 * MiB)) "$work/xfs.raw")
mkfs.xfs -q -m uuid="$u" "$loop"
mkdir "$work/mnt"
mount "$loop" "$work/mnt"
cp -a "$small/." "$work/mnt/"
umount "$work/mnt"
losetup -d "$loop"
loop=""
u=$(uuid)
printf 'UUID=%s / btrfs defaults 0 0\n' "$u" >"$small/etc/fstab"
mbr "$work/btrfs.raw" 512 83
truncate -s 511M "$work/btrfs.part"
mkfs.btrfs -q -U "$u" --rootdir "$small" "$work/btrfs.part" >/dev/null
dd if="$work/btrfs.part" of="$work/btrfs.raw" bs=1M seek=1 conv=notrunc,sparse status=none
rm "$work/btrfs.part"
# The root in the subvolume @rootfs, as Debian's installer lays out btrfs, and /home in @home
# (through a loop mount: mkfs.btrfs of Debian 12 makes no subvolume).
u=$(uuid)
printf 'UUID=%s / btrfs defaults,subvol=@rootfs 0 0\nUUID=%s /home btrfs defaults,subvol=@home 0 0\n' \
        "$u" "$u" >"$small/etc/fstab"
mbr "$work/btrfs-subvol.raw" 512 83
loop=$(losetup --find --show --offset $MiB --sizelimit $((511 * MiB)) "$work/btrfs-subvol.raw")
mkfs.btrfs -q -U "$u" "$loop" >/dev/null
mount "$loop" "$work/mnt"
btrfs -q subvolume create "$work/mnt/@rootfs"
btrfs -q subvolume create "$work/mnt/@home"
cp -a "$small/." "$work/mnt/@rootfs/"
umount "$work/mnt"
losetup -d "$loop"
loop=""
qemu-img convert -f raw -O vmdk "$work/mbr-ext4.raw" "$work/ext4.vmdk"

# ---- the bad ones ------------------------------------------------------------------------------
mbr "$work/luks.raw" 40 83
truncate -s 39M "$work/luks.part"
cryptsetup luksFormat -q --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
        --key-file=- "$work/luks.part" <<EOF
svc-test-passphrase
EOF
dd if="$work/luks.part" of="$work/luks.raw" bs=1M seek=1 conv=notrunc,sparse status=none
rm "$work/luks.part"

data=$work/data
mkdir -p "$data/photos"
echo "not an operating system" >"$data/photos/README"
mbr "$work/noroot.raw" 40 83
ext4_at "$work/noroot.raw" $MiB $((39 * MiB)) "$(uuid)" "$data"

arm=$work/arm
mkdir -p "$arm/etc" "$arm/sbin" "$arm/usr/lib"
cp "$small/usr/lib/os-release" "$arm/usr/lib/os-release"
ln -s ../usr/lib/os-release "$arm/etc/os-release"
echo 11.9 >"$arm/etc/debian_version"
# An ELF header of a 64-bit little-endian executable for AArch64 (e_machine 183).
printf '\177ELF\002\001\001\000\000\000\000\000\000\000\000\000\002\000\267\000\001\000\000\000' >"$arm/sbin/init"
head -c 40 /dev/zero >>"$arm/sbin/init"
chmod 755 "$arm/sbin/init"
mbr "$work/arm64.raw" 40 83
ext4_at "$work/arm64.raw" $MiB $((39 * MiB)) "$(uuid)" "$arm"

# A Windows disk: one NTFS partition (mkntfs through a loop device at its offset).
mbr "$work/windows.raw" 40 7
loop=$(losetup --find --show --offset $MiB --sizelimit $((39 * MiB)) "$work/windows.raw")
mkntfs -Q -q -F -p 2048 -H 16 -S 63 -L Windows "$loop" 2>/dev/null
losetup -d "$loop"
loop=""

mkdir -p "$out.new"
for f in blog-vm.qcow2 mbr-ext4.raw xfs.raw btrfs.raw btrfs-subvol.raw ext4.vmdk luks.raw noroot.raw arm64.raw windows.raw; do
        mv "$work/$f" "$out.new/$f"
done
chmod 0444 "$out.new"/*
rm -rf "$out"
mv "$out.new" "$out"
echo "test-migrate-images: $out ($(du -sh "$out" | cut -f1))" >&2
