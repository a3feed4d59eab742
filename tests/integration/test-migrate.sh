#!/usr/bin/env bash
# svc migrate (issue 18): VM disks into a tree, units and their data, read-only on the image.
# The images are the cached ones of contrib/test-migrate-images.sh (make test-deps): blog-vm.qcow2
# (GPT, LVM, ext4 root and /srv, a /boot partition; nginx, postfix and vsftpd enabled, with a page,
# a queued mail and an ftp file), MBR ext4 and xfs roots of bullseye, and bad disks. Nothing the
# test migrates touches the cache: each test's root is its own.
# duration: 30
. "$(dirname "$0")/lib.sh"

IMAGES=${SVC_MIGRATE_IMAGES:-/var/cache/svc/migrate}/v1

# images: the cached images, and svc's storage (trees, the services' /var, volumes) in memory,
# where a migration writes its hundreds of MB in half the time it takes on this VM's shared disk.
images() {
        [ -s "$IMAGES/blog-vm.qcow2" ] ||
                fail "the cached images $IMAGES are missing: contrib/test-migrate-images.sh builds them (make test-deps runs it)"
        mkdir -p "$T/var/lib/svc"
        mount -t tmpfs -o size=2g,mode=0700 svct-migrate "$T/var/lib/svc" || fail "tmpfs for svc's storage"
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

# The VM becomes three services on one tree, which answer with the VM's data: nginx its page
# (PublishPort=80 from its sites-enabled), vsftpd the file of the VM's /srv (a logical volume of
# its own, from its fstab; ports from vsftpd.conf), postfix delivers the mail queued in the VM to
# alice's mailbox. The image is unchanged; the VM's own files are left out of the tree.
test_migrate_blog_vm_and_its_services_answer() {
        images
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
        for f in etc/fstab etc/hostname boot/vmlinuz-6.1.0-amd64 etc/network/interfaces var/www/html/index.html \
                home/alice srv/ftp/hello.txt; do
                [ ! -e "$tree/$f" ] || fail "the tree has the VM's /$f"
        done
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

# MBR with an ext4 root, and with an xfs root: bullseye minbase without systemd, whose daemon
# starts from a SysV init script; the second tree shares the files of the first.
test_migrate_mbr_ext4_and_xfs_roots() {
        images
        local img out inode=""
        for img in mbr-ext4 xfs; do
                out=$(svc migrate "$IMAGES/$img.raw" 2>&1) || fail "svc migrate $img.raw failed: $out"
                assert_contains "$out" "service $img-hello (hello.service in the VM, unit file /etc/init.d/hello)" "the plan of $img.raw"
                assert_contains "$out" "data: /var/lib/hello" "the SysV daemon's data in the plan of $img.raw"
                assert_contains "$(svc tree list)" "migrated from $img.raw, Debian 11" "svc tree list"
                assert_eq 11 "$(cut -d. -f1 "$T/var/lib/svc/trees/$img/etc/debian_version")" "the tree's Debian release"
                nothing_left "after $img.raw"
                [ -n "$inode" ] || inode=$(stat -c %i "$T/var/lib/svc/trees/mbr-ext4/usr/bin/dpkg")
        done
        # The same release twice: the second tree's files equal to the first's are hardlinks of them.
        assert_contains "$out" "Sharing the files equal to those of 1 tree migrated before" "the second migration"
        local both one
        both=$(du -sm "$T/var/lib/svc/trees" | cut -f1)
        one=$(du -sm "$T/var/lib/svc/trees/.mbr-ext4" | cut -f1)
        [ "$both" -lt $((one * 3 / 2)) ] || fail "the two trees take $both MB on disk, one alone $one MB"
        assert_eq "$inode" "$(stat -c %i "$T/var/lib/svc/trees/mbr-ext4/usr/bin/dpkg")" "the first tree's dpkg (kept)"
        assert_eq "$inode" "$(stat -c %i "$T/var/lib/svc/trees/xfs/usr/bin/dpkg")" "the second tree's dpkg (a link to the first's)"
        out=$(svc run --tree xfs cat /etc/debian_version) || fail "svc run on the xfs tree failed: $out"
        assert_eq 11 "${out%%.*}" "svc run on the migrated tree"
        # The VM's SysV daemon, under svc: its script forks it (Type=forking), it reads its data.
        start_svcd
        svc start mbr-ext4-hello || fail "svc start mbr-ext4-hello: $(svc status mbr-ext4-hello 2>&1) $(logof mbr-ext4-hello)"
        wait_until 10 svc exec mbr-ext4-hello test -s /run/hello.out || fail "the SysV daemon did not run: $(svc status mbr-ext4-hello 2>&1)"
        assert_eq "hello from the bullseye VM" "$(svc exec mbr-ext4-hello cat /run/hello.out)" "what the SysV daemon read"
        svc stop mbr-ext4-hello || fail "svc stop mbr-ext4-hello"
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
