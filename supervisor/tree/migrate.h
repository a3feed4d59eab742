/* SPDX-License-Identifier: MIT */
#pragma once

/* svc migrate (README "Migrating a VM"): a VM's disk into a tree, units and their data. Private
 * to supervisor/tree/tree-migrate*.c.
 *
 * The disk is read without the kernel's partition tables, device-mapper or nbd, which some
 * kernels lack: qemu-storage-daemon exports the image read-only as a raw FUSE file, sfdisk
 * --json reads its partition table, LVM's own tools read LVM's metadata through read-only loop
 * devices with activation off, blkid -p names each file system at its offset, and a read-only
 * loop device with that offset and size is mounted read-only. All of it happens in a private
 * mount namespace, and the loop devices clear themselves when unmounted (LO_FLAGS_AUTOCLEAR),
 * so that nothing outlives svc-tree, even killed: its mounts go with the namespace, the loop
 * devices with their last mount, qemu-storage-daemon with its parent (PR_SET_PDEATHSIG). */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "supervisor/tree/tree.h"

/* A file system of the image: a partition, a logical volume, or the whole disk. */
struct mig_volume {
        char *what; /* "partition 2", "logical volume vmvg/root", "the whole disk" */
        char *lvm_path; /* "/dev/vmvg/root", "/dev/mapper/vmvg-root" as fstab may name it */
        uint64_t offset, size; /* bytes, in the raw disk */
        char *fstype, *uuid, *label; /* blkid's TYPE, UUID, LABEL; NULL when it found none */
        char *vm_path; /* where the VM mounts it ("/", "/srv"), when svc migrate reads it */
        char *subvol; /* btrfs: the subvolume holding the VM's root ("@rootfs"), or NULL */
        bool mounted;
};

struct mig_service {
        char *vm_unit; /* the unit the VM ran: "nginx.service", "postfix@-.service" */
        char *vm_file; /* its unit file in the VM: "/lib/systemd/system/postfix@.service" */
        char *name; /* svc's unit: "blog-vm-nginx", "blog-vm-postfix@-" */
        char *file_name; /* the unit file svc gets: "blog-vm-postfix@.service" */
        char **data; /* the VM's paths of its data that exist ("/var/www") */
        char **ports; /* PublishPort= values ("80:80") */
        char **notes; /* sentences: what could not be carried over */
        bool sysv; /* vm_file is a SysV init script: svc migrate writes its unit */
};

struct migrate {
        struct tree_ctx *ctx;
        const char *image; /* as given */
        char *prefix; /* --name, or the image's base name */
        char **only; /* --only */
        bool dry_run;
        volatile int *interrupted; /* SIGINT or SIGTERM arrived */

        char *work; /* the private scratch directory: disk (the FUSE file), root/ */
        char *disk; /* the image's raw bytes: work/disk (qemu-storage-daemon's export), or a raw image */
        bool exported; /* m->disk is the export */
        int disk_fd;
        char *format; /* qemu-img's: qcow2, raw, vmdk */
        uint64_t virtual_size, image_size;
        pid_t qsd;
        char *qsd_log;

        struct mig_volume *vols;
        size_t n_vols;
        char *root; /* work/root: the VM's / (and its /var, /srv, /home) mounted read-only */
        int root_fd;
        char **mounts; /* what is mounted, in order */
        uint64_t used; /* bytes the mounted file systems use, less those hidden */
        uint64_t hidden; /* bytes of the VM's kernel modules, hidden from the copy */
        char *os; /* "Debian 12" */
        char *arch; /* "x86-64" */
        struct mig_service *svcs;
        size_t n_svcs;
        char **left_out; /* sentences */
        char **made; /* host paths made, removed again unless the migration completes */
};

/* The rest of S after PREFIX, or NULL. */
static inline const char *mig_prefix(const char *s, const char *prefix) {
        size_t n = strlen(prefix);
        return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

/* "svc migrate: " and the sentence, on stderr. */
void mig_error(const char *format, ...) _printf_(1, 2);
/* Runs ARGV[0] from PATH with stdin /dev/null: its exit status (128+N for signal N) or -errno;
 * its stdout and stderr in *RET_OUT and *RET_ERR when given (NUL-terminated, at most 16 MiB). */
int mig_run(char *const *argv, char **ret_out, char **ret_err);
/* PATH (a leading '/' is dropped) beneath ROOT_FD without following any symlink: a VM's
 * /var -> /elsewhere never leads out of its root. The fd or -errno. */
int mig_open_beneath(int root_fd, const char *path, int flags);
/* cp -a of the VM's PATH (absolute; mig_vm_data checked that no symlink is on the way) to DST,
 * which must not exist or be an empty directory: 0, -EINTR, or -EIO (printed). */
int mig_copy_from_vm(struct migrate *m, const char *path, const char *dst);
/* Adds a sentence to the list; -ENOMEM. */
int mig_note(char ***l, const char *format, ...) _printf_(2, 3);

/* ---- tree-migrate-disk.c ----------------------------------------------------------------------- */

/* Reads the image's format and size, refusing an image in use; exports it read-only as
 * m->disk. Prints the reason on failure. */
int mig_disk_open(struct migrate *m);
/* The file systems of the disk: partitions (sfdisk), LVM's logical volumes, or the whole disk.
 * Refuses an encrypted one. Prints the reason on failure. */
int mig_disk_scan(struct migrate *m);
/* Mounts the first volume holding a Linux root at m->root, then its /var, /srv and /home from
 * its fstab, and hides its kernel modules under empty tmpfs. Prints the reason on failure. */
int mig_disk_mount_root(struct migrate *m);
/* Unmounts everything, stops qemu-storage-daemon, removes the scratch directory. */
void mig_disk_close(struct migrate *m);

/* ---- tree-migrate-vm.c ------------------------------------------------------------------------- */

/* The VM's operating system (os-release) and CPU (its /sbin/init): refuses another
 * architecture. Prints the reason on failure. */
int mig_vm_identify(struct migrate *m);
/* The services enabled for the default target, their data and ports. */
int mig_vm_services(struct migrate *m);

/* ---- tree-migrate-svc.c ------------------------------------------------------------------------ */

/* The VM's paths of S's data that exist (a table by package, else /var/{lib,spool,log,cache}/NAME). */
int mig_vm_data(struct migrate *m, struct mig_service *s);
/* S's PublishPort= from its configuration (nginx, vsftpd, postfix), else a note. */
int mig_vm_ports(struct migrate *m, struct mig_service *s);

/* ---- tree-migrate-share.c ---------------------------------------------------------------------- */

/* Files of the new tree at PATH equal to those of trees migrated before become hardlinks of
 * theirs (hardlink(1)); says how much was saved. A failure of hardlink is said, not returned. */
int mig_share_files(struct migrate *m, const char *path);

/* ---- tree-migrate-write.c ---------------------------------------------------------------------- */

/* Removes from the new tree at TREE_FD what is the VM's own (kernel, boot, identity, network)
 * and the services' data (which goes to their storage). */
int mig_vm_strip_tree(struct migrate *m, int tree_fd);
/* Copies each service's data into its storage and writes its unit and drop-in. */
int mig_vm_write_services(struct migrate *m, const char *tree);
