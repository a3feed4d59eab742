#!/usr/bin/env bash
# svc migrate (issue 18): VM disks into a tree, units and their data, read-only on the image.
# The images are the cached ones of contrib/test-migrate-images.sh (make test-deps): blog-vm.qcow2
# (GPT, LVM, ext4 root and /srv, a /boot partition with the VM's kernel and initramfs; nginx,
# postfix and vsftpd enabled, with a page, a queued mail and an ftp file), which qemu boots first;
# MBR ext4, xfs and btrfs roots of bullseye, the ext4 one also as a vmdk; and bad disks. Nothing the
# test migrates touches the cache: each test's root is its own.
# duration: 200 (seconds on the ASan build: tests/integration/run.sh starts the longest first)
. "$(dirname "$0")/lib.sh"

IMAGES=${SVC_MIGRATE_IMAGES:-/var/cache/svc/migrate}/v2

have_images() {
        [ -s "$IMAGES/blog-vm.qcow2" ] ||
                fail "the cached images $IMAGES are missing: contrib/test-migrate-images.sh builds them (make test-deps runs it)"
}

# images [SIZE]: the cached images, and svc's storage (trees, the services' /var, volumes) in
# memory (SIZE, default 2g), where a migration writes its hundreds of MB in half the time it
# takes on this VM's shared disk.
images() {
        have_images
        mkdir -p "$T/var/lib/svc"
        mount -t tmpfs -o "size=${1:-2g},mode=0700" svct-migrate "$T/var/lib/svc" || fail "tmpfs for svc's storage"
}

logof() { cat "$T/var/log/svc/$1/current" 2>/dev/null; }

# nothing_left: no scratch directory, mount, loop device or qemu-storage-daemon of svc migrate.
nothing_left() {
        local what=$1
        [ -z "$(ls -d "$T"/run/svc-migrate.* 2>/dev/null)" ] || fail "$what: a scratch directory is left: $(ls -d "$T"/run/svc-migrate.*)"
        if grep -q svc-migrate /proc/self/mountinfo; then fail "$what: a mount is left: $(grep svc-migrate /proc/self/mountinfo)"; fi
        if losetup -a | grep -q svc-migrate; then fail "$what: a loop device is left: $(losetup -a | grep svc-migrate)"; fi
        local p
        for p in $(cat "$CG/cgroup.procs"); do
                [ "$p" = $BASHPID ] && continue
                if tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | grep -q '^qemu-storage-daemon'; then
                        fail "$what: qemu-storage-daemon (pid $p) is left"
                fi
        done
}

# write_locked FILE: a process holds QEMU's lock of write permission (byte 101) on FILE.
write_locked() {
        awk -v ino=":$(stat -c %i "$1")" '$2 == "OFDLCK" && substr($6, length($6) - length(ino) + 1) == ino &&
                $7 <= 101 && ($8 == "EOF" || $8 >= 101) { found = 1 } END { exit !found }' /proc/locks
}

# nothing_made NAME: no tree, unit or data of prefix NAME.
nothing_made() {
        local what=$1 name=$2
        [ -z "$(ls -A "$T/var/lib/svc/trees" 2>/dev/null)" ] || fail "$what: trees were made: $(ls -A "$T/var/lib/svc/trees")"
        [ -z "$(ls -A "$T/etc/svc/units" 2>/dev/null)" ] || fail "$what: units were made: $(ls -A "$T/etc/svc/units")"
        [ -z "$(find "$T/var/lib/svc/var" "$T/var/lib/svc/volumes" -maxdepth 1 -name "$name*" 2>/dev/null)" ] ||
                fail "$what: data was made"
        nothing_left "$what"
}

# boot_files: the kernel and initramfs of blog-vm.qcow2's /boot (its first partition) in $T,
# taken out read-only: qemu-img dd copies the partition table, then the partition, and debugfs
# reads the files out of that copy without mounting it.
boot_files() {
        local img=$IMAGES/blog-vm.qcow2 size start sectors f
        size=$(qemu-img info --output=json "$img" | sed -n 's/^ *"virtual-size": \([0-9]*\),$/\1/p')
        qemu-img dd -f qcow2 -O raw if="$img" of="$T/head.raw" bs=1M count=1 || fail "qemu-img dd of the partition table"
        truncate -s "$size" "$T/head.raw"
        read -r start sectors < <(sfdisk --dump "$T/head.raw" 2>/dev/null |
                sed -n 's/^[^:]*1 : start= *\([0-9]*\), size= *\([0-9]*\),.*/\1 \2/p')
        [ -n "$sectors" ] && [ $((start % 2048)) = 0 ] && [ $((sectors % 2048)) = 0 ] ||
                fail "partition 1 of blog-vm.qcow2: start '$start', size '$sectors' (sectors, MiB aligned)"
        qemu-img dd -f qcow2 -O raw if="$img" of="$T/boot.raw" bs=1M skip=$((start / 2048)) count=$((sectors / 2048)) ||
                fail "qemu-img dd of /boot"
        for f in vmlinuz initrd.img; do
                local name
                name=$(debugfs -R "ls -p /" "$T/boot.raw" 2>/dev/null | grep -o "/$f-[^/]*/" | tr -d / | head -n 1)
                [ -n "$name" ] || fail "blog-vm.qcow2's /boot has no $f-*: $(debugfs -R "ls /" "$T/boot.raw" 2>&1)"
                debugfs -R "dump /$name $T/$f" "$T/boot.raw" 2>/dev/null && [ -s "$T/$f" ] || fail "debugfs dump /$name"
        done
        rm "$T/head.raw" "$T/boot.raw"
}

# free_port: a TCP port nothing listens on at 127.0.0.1.
free_port() {
        local p
        for p in $(shuf -i 20000-29999 -n 50); do
                [ -n "$(ss -Htln "sport = :$p")" ] || { echo "$p"; return 0; }
        done
        fail "no free port among 50 tries"
}

# served_or_gone PORT PID: the VM's page answers on 127.0.0.1:PORT, or its qemu PID is gone.
served_or_gone() {
        curl -sf --max-time 5 "http://127.0.0.1:$1/" >/dev/null || ! pid_alive "$2"
}

# The image was a real, working VM before it is migrated: qemu (TCG: no KVM here) boots its own
# kernel and initramfs, which assembles its LVM root; its systemd brings up multi-user with
# nginx, which serves the page through qemu's user network on 127.0.0.1 (nothing leaves the
# machine). -snapshot keeps every write of the VM in a temporary file: the image is unchanged.
test_boot_blog_vm_under_qemu_before_migrating() {
        have_images
        local sum start port out vm
        sum=$(sha256sum <"$IMAGES/blog-vm.qcow2")
        boot_files
        port=$(free_port)
        start=$SECONDS
        TMPDIR=$T qemu-system-x86_64 -nodefaults -display none -accel tcg -m 768 -snapshot \
                -drive "file=$IMAGES/blog-vm.qcow2,format=qcow2,if=virtio" \
                -kernel "$T/vmlinuz" -initrd "$T/initrd.img" \
                -append "root=/dev/mapper/vmvg-root ro console=ttyS0 systemd.show_status=1 systemd.log_color=0 systemd.log_target=console" \
                -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$port-:80" -device virtio-net-pci,netdev=n0,addr=3 \
                -serial "file:$T/console.log" 2>"$T/qemu.log" &
        vm=$!
        echo "$vm" >>"$T/.pids"
        wait_until 400 served_or_gone "$port" "$vm" && pid_alive "$vm" ||
                fail "nginx in the VM did not answer (TCG boot, 400 s at most): $(tail -n 30 "$T/console.log") $(cat "$T/qemu.log")"
        echo "    the VM served its page $((SECONDS - start)) s after qemu started (TCG)" >&2
        out=$(curl -sS --max-time 5 "http://127.0.0.1:$port/") || fail "GET / of the VM"
        assert_eq "<html><body>the blog-vm page, migrated</body></html>" "$out" "the VM's page"
        # systemd logs "Startup finished" once the start of its default target (multi-user.target
        # here) is done: postfix and vsftpd too. nginx may answer before.
        wait_until 120 grep -q "Startup finished in" "$T/console.log" ||
                fail "the VM's systemd did not finish its start-up: $(tail -n 30 "$T/console.log")"
        echo "    $(grep -o "Startup finished in .*" "$T/console.log" | tr -d '\r'), $((SECONDS - start)) s after qemu started" >&2
        grep -q "Mounted srv.mount" "$T/console.log" || fail "the VM did not mount its /srv (a logical volume)"
        grep -q "Failed to start" "$T/console.log" && fail "a unit of the VM failed: $(grep "Failed to start" "$T/console.log")"
        kill "$vm"
        wait "$vm" 2>/dev/null
        assert_eq "$sum" "$(sha256sum <"$IMAGES/blog-vm.qcow2")" "the image's sha256 after the boot"
}

# The VM becomes three services on one tree, which answer with the VM's data: nginx its page
# (PublishPort=80 from its sites-enabled), vsftpd the file of the VM's /srv (a logical volume of
# its own, from its fstab; ports from vsftpd.conf), postfix delivers the mail queued in the VM to
# alice's mailbox. The image is unchanged; the VM's own files are left out of the tree. Its root
# file system holds 390 MB of kernel modules beside the 390 MB the tree keeps: they are never
# copied, so 700 MiB of room are enough.
test_migrate_blog_vm_and_its_services_answer() {
        images 700m
        local sum out start
        sum=$(sha256sum <"$IMAGES/blog-vm.qcow2")
        start=$SECONDS
        out=$(svc migrate "$IMAGES/blog-vm.qcow2" 2>&1) || fail "svc migrate failed: $out"
        echo "    migrate took $((SECONDS - start)) s: ${out##*Migrated }" >&2
        assert_contains "$out" "service blog-vm-nginx (nginx.service in the VM" "the plan"
        assert_contains "$out" "logical volume vmvg/srv: ext4, the VM's /srv" "the VM's /srv, from its fstab, in the plan"
        assert_contains "$out" "ports: 80:80" "nginx's port in the plan"
        assert_contains "$out" "ports: 21:21, 40000-40009:40000-40009" "vsftpd's ports in the plan"
        assert_contains "$out" "postfix listens on loopback only (inet_interfaces = loopback-only in /etc/postfix/main.cf): no port published" "postfix's note"
        assert_contains "$out" "left out: networking.service (the VM's network; svc gives each service its own)" "plumbing"
        nothing_left "after the migration"
        assert_eq "$sum" "$(sha256sum <"$IMAGES/blog-vm.qcow2")" "the image's sha256"
        assert_contains "$(svc tree list)" "migrated from blog-vm.qcow2, Debian 12" "svc tree list"
        # Again: refused before any work, since the units exist; what the first made stays as it was.
        local units
        units=$(ls -R "$T/etc/svc/units")
        out=$(svc migrate "$IMAGES/blog-vm.qcow2" 2>&1) && fail "a second migration onto the same names succeeded"
        assert_contains "$out" "blog-vm-nginx.service exists already: choose another --name, or remove it first" "the second migration"
        assert_eq "$units" "$(ls -R "$T/etc/svc/units")" "the units after the refused migration"
        nothing_left "after the refused migration"

        local tree=$T/var/lib/svc/trees/blog-vm f
        for f in etc/fstab etc/hostname vmlinuz initrd.img etc/network/interfaces var/www/html/index.html \
                home/alice srv/ftp/hello.txt; do
                [ ! -e "$tree/$f" ] && [ ! -L "$tree/$f" ] || fail "the tree has the VM's /$f"
        done
        # The VM's kernel: its package is installed, its files are left out.
        [ -e "$tree/usr/share/doc/linux-image-amd64" ] || fail "the VM had no kernel package"
        f=$(find "$tree/boot" "$tree/usr/lib/modules" -mindepth 1 -maxdepth 1)
        [ -z "$f" ] || fail "the tree has the VM's kernel: $f"
        [ -z "$(ls "$tree"/etc/ssh/ssh_host_* 2>/dev/null)" ] || fail "the tree has the VM's ssh host keys"
        [ -f "$tree/etc/machine-id" ] && [ ! -s "$tree/etc/machine-id" ] || fail "the tree's machine-id is not empty"

        NS=svct-${T##*.}
        netns_add "$NS"
        # shellcheck disable=SC2034 # read by start_svcd (lib.sh)
        SVCD_NETNS=$NS
        start_svcd
        local u
        for u in blog-vm-nginx blog-vm-vsftpd blog-vm-postfix@-; do
                svc start "$u" || fail "svc start $u: $(svc status "$u" 2>&1) $(logof "$u" | tail -n 20)"
        done
        out=$(nsenter --net="/run/netns/$NS" curl -sS --max-time 5 http://127.0.0.1:80/) || fail "GET / failed: $(logof blog-vm-nginx)"
        assert_eq "<html><body>the blog-vm page, migrated</body></html>" "$out" "the VM's page"
        out=$(nsenter --net="/run/netns/$NS" curl -sS --max-time 5 ftp://127.0.0.1:21/hello.txt) || fail "the ftp download failed: $(logof blog-vm-vsftpd | tail)"
        assert_eq "the ftp file of blog-vm" "$out" "the VM's ftp file"
        wait_until 15 svc exec blog-vm-postfix@- grep -q "the mail queued in the VM" /var/mail/alice ||
                fail "the queued mail was not delivered: $(logof blog-vm-postfix@- | tail -n 20)"
        assert_contains "$(svc exec blog-vm-postfix@- cat /var/mail/alice)" "Subject: queued in blog-vm" "alice's mailbox"
}

# MBR with an ext4 root, an xfs root, a btrfs root and one in the btrfs subvolume @rootfs (as
# Debian's installer makes it; its /home in @home is left out with a note), and the ext4 disk as
# a vmdk: bullseye minbase without systemd,
# whose daemon starts from a SysV init script; each tree after the first shares the files of
# those before.
test_migrate_mbr_ext4_xfs_btrfs_and_vmdk() {
        images
        local img name out inode="" n=0
        for img in mbr-ext4.raw xfs.raw btrfs.raw btrfs-subvol.raw ext4.vmdk; do
                name=${img%.*}
                out=$(svc migrate "$IMAGES/$img" 2>&1) || fail "svc migrate $img failed: $out"
                assert_contains "$out" "service $name-hello (hello.service in the VM, unit file /etc/init.d/hello)" "the plan of $img"
                assert_contains "$out" "data: /var/lib/hello" "the SysV daemon's data in the plan of $img"
                assert_contains "$(svc tree list)" "migrated from $img, Debian 11" "svc tree list"
                assert_eq 11 "$(cut -d. -f1 "$T/var/lib/svc/trees/$name/etc/debian_version")" "the tree's Debian release"
                nothing_left "after $img"
                if [ "$img" = btrfs-subvol.raw ]; then
                        assert_contains "$out" "partition 1: btrfs, the VM's / (subvolume @rootfs)" "the plan of $img"
                        assert_contains "$out" "left out: /home (a btrfs subvolume, defaults,subvol=@home in the VM's fstab): svc migrate reads no btrfs subvolume but the root's" "the plan of $img"
                fi
                if [ -z "$inode" ]; then
                        inode=$(stat -c %i "$T/var/lib/svc/trees/mbr-ext4/usr/bin/dpkg")
                else
                        # The same release again: its files equal to those before are hardlinks of them.
                        assert_contains "$out" "Sharing the files equal to those of $n tree" "the migration of $img"
                        assert_eq "$inode" "$(stat -c %i "$T/var/lib/svc/trees/$name/usr/bin/dpkg")" "the dpkg of $img's tree (a link to the first's)"
                fi
                n=$((n + 1))
        done
        assert_contains "$out" "(vmdk, a 512M disk" "the plan of the vmdk"
        local all one
        all=$(du -sm "$T/var/lib/svc/trees" | cut -f1)
        one=$(du -sm "$T/var/lib/svc/trees/.mbr-ext4" | cut -f1)
        [ "$all" -lt $((one * 3 / 2)) ] || fail "the five trees take $all MB on disk, one alone $one MB"
        assert_eq "$inode" "$(stat -c %i "$T/var/lib/svc/trees/mbr-ext4/usr/bin/dpkg")" "the first tree's dpkg (kept)"
        out=$(svc run --tree xfs cat /etc/debian_version) || fail "svc run on the xfs tree failed: $out"
        assert_eq 11 "${out%%.*}" "svc run on the migrated tree"
        # The VM's SysV daemon, under svc: its script forks it (Type=forking), it reads its data.
        start_svcd
        local u
        for u in mbr-ext4-hello btrfs-subvol-hello ext4-hello; do
                svc start "$u" || fail "svc start $u: $(svc status "$u" 2>&1) $(logof "$u")"
                wait_until 10 svc exec "$u" test -s /run/hello.out || fail "the SysV daemon $u did not run: $(svc status "$u" 2>&1)"
                assert_eq "hello from the bullseye VM" "$(svc exec "$u" cat /run/hello.out)" "what the SysV daemon $u read"
                svc stop "$u" || fail "svc stop $u"
        done
}

# --dry-run prints the plan and makes nothing; --only keeps one service.
test_migrate_dry_run_and_only() {
        images
        local out
        out=$(svc migrate --dry-run --only nginx --name blog "$IMAGES/blog-vm.qcow2" 2>&1) || fail "svc migrate --dry-run failed: $out"
        assert_contains "$out" "service blog-nginx (nginx.service in the VM" "the plan"
        assert_not_contains "$out" "vsftpd" "the plan with --only nginx"
        nothing_made "--dry-run" blog
}

# Bad images are refused with a sentence, and nothing is left behind.
test_migrate_refuses_bad_images() {
        images
        local out
        out=$(svc migrate "$T/absent.qcow2" 2>&1) && fail "a missing image was accepted"
        assert_contains "$out" "svc migrate: cannot read $T/absent.qcow2: No such file or directory" "a missing image"
        nothing_made "a missing image" absent
        out=$(svc migrate "$IMAGES/luks.raw" 2>&1) && fail "a LUKS disk was accepted"
        assert_contains "$out" "luks.raw: partition 1 is encrypted (LUKS); svc migrate reads disks without their keys" "a LUKS disk"
        nothing_made "a LUKS disk" luks
        out=$(svc migrate "$IMAGES/noroot.raw" 2>&1) && fail "a disk without a root was accepted"
        assert_contains "$out" "noroot.raw holds no Linux root file system (no /etc/os-release on any ext4, xfs or btrfs file system): it has partition 1 (ext4)" "a disk without a root"
        nothing_made "a disk without a root" noroot
        out=$(svc migrate "$IMAGES/windows.raw" 2>&1) && fail "a Windows disk was accepted"
        assert_contains "$out" "windows.raw holds no Linux root file system (no /etc/os-release on any ext4, xfs or btrfs file system): it has partition 1 (ntfs)" "a Windows disk"
        nothing_made "a Windows disk" windows
        out=$(svc migrate "$IMAGES/arm64.raw" 2>&1) && fail "an AArch64 system was accepted"
        assert_contains "$out" "arm64.raw is Debian 11 for AArch64 (its /sbin/init), and this machine runs x86-64 programs" "another CPU"
        nothing_made "another CPU" arm64
        # A disk in use: a VM (stopped before its first instruction) has it open for writing.
        cp "$IMAGES/noroot.raw" "$T/in-use.raw"
        chmod 644 "$T/in-use.raw"
        qemu-system-x86_64 -nodefaults -display none -S -accel tcg -m 64 \
                -drive "file=$T/in-use.raw,format=raw,if=virtio" 2>"$T/vm.log" &
        local vm=$!
        echo "$vm" >>"$T/.pids"
        wait_until 10 write_locked "$T/in-use.raw" || fail "the VM did not lock its disk"
        out=$(svc migrate "$T/in-use.raw" 2>&1) && fail "an image in use was accepted"
        kill "$vm"
        wait "$vm" 2>/dev/null
        assert_contains "$out" "in-use.raw is in use: another program (a running VM?) holds its lock" "an image in use"
        nothing_made "an image in use" in-use
}

# A disk too small for the VM's files: refused before the copy, nothing kept.
test_migrate_full_disk_keeps_nothing() {
        images
        local full=$T/full out
        mkdir -p "$full/var/lib/svc"
        mount -t tmpfs -o size=16m,mode=0700 svct-full "$full/var/lib/svc" || fail "a small tmpfs"
        out=$("$SVC" --root "$full" migrate "$IMAGES/mbr-ext4.raw" 2>&1) && fail "a migration onto a full disk succeeded"
        assert_contains "$out" "$full/var/lib/svc/trees has 16M free and the VM's file systems use" "the sentence"
        assert_contains "$out" "No space left on device" "the sentence"
        [ -z "$(ls -A "$full/var/lib/svc/trees")" ] || fail "a tree is left: $(ls -A "$full/var/lib/svc/trees")"
        [ -z "$(ls -d "$full"/run/svc-migrate.* 2>/dev/null)" ] || fail "a scratch directory is left"
        nothing_left "a full disk"
}

# SIGTERM while the tree is copied: svc migrate stops, removes what it made, and leaves nothing.
test_migrate_interrupted_leaves_nothing() {
        images
        # svc itself, not the shell function around it: the signal goes to svc migrate.
        "$SVC" --root "$T" migrate "$IMAGES/blog-vm.qcow2" >"$T/migrate.log" 2>&1 &
        local pid=$!
        wait_until 20 test -d "$T/var/lib/svc/trees/.blog-vm/1.new/usr" || fail "the copy did not start: $(cat "$T/migrate.log")"
        kill -TERM "$pid"
        local rc=0
        wait "$pid" || rc=$?
        assert_eq 1 "$rc" "svc migrate's exit status"
        assert_contains "$(cat "$T/migrate.log")" "svc migrate: interrupted: nothing was kept" "its last words"
        nothing_made "an interrupted migration" blog-vm
}

run_tests "$@"
