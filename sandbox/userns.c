/* SPDX-License-Identifier: MIT */
/* User namespaces: a namespace that only carries maps (for idmapped mounts), the maps of a
 * sandbox's own namespace, and the detached mounts the parent makes for a sandbox in one. The
 * parent is svcd, root on the host: everything here runs before clone or right after it, never
 * in the child. */
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/macro.h"
#include "sandbox/mounts-internal.h"
#include "sandbox/sandbox.h"
#include "sandbox/sys.h"

#ifndef MOUNT_ATTR_IDMAP
#define MOUNT_ATTR_IDMAP 0x00100000
#endif

uint32_t sandbox_idmap_outside(const struct sandbox_idmap *m, uint32_t inside) {
        for (unsigned i = 0; i < m->n; i++)
                if (inside >= m->e[i].inside && inside - m->e[i].inside < m->e[i].count)
                        return m->e[i].outside + (inside - m->e[i].inside);
        return (uint32_t) -1;
}

static int write_map(pid_t pid, const char *file, const struct sandbox_idmap *m) {
        char path[64], text[SANDBOX_IDMAP_MAX * 36 + 1];
        size_t len = 0;
        for (unsigned i = 0; i < m->n && i < SANDBOX_IDMAP_MAX; i++)
                len += (size_t) snprintf(text + len, sizeof(text) - len, "%u %u %u\n", m->e[i].inside,
                                         m->e[i].outside, m->e[i].count);
        snprintf(path, sizeof(path), "/proc/%d/%s", (int) pid, file);
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        /* The kernel takes a map in one write, or not at all. */
        ssize_t k = write(fd, text, len);
        return k < 0 ? -errno : (size_t) k == len ? 0 : -EIO;
}

int sandbox_write_maps(pid_t pid, const struct sandbox_users *u) {
        int r = write_map(pid, "uid_map", &u->uid);
        return r < 0 ? r : write_map(pid, "gid_map", &u->gid);
}

int sandbox_userns_new(const struct sandbox_idmap *uid, const struct sandbox_idmap *gid) {
        int sync[2];
        if (pipe2(sync, O_CLOEXEC) < 0)
                return -errno;
        /* A child that only waits, so that its namespace gets maps; no exit signal, so that a
         * loop reaping every child (waitpid without __WALL) never sees it. */
        struct clone_args a = { .flags = CLONE_NEWUSER, .exit_signal = 0 };
        long pid = syscall(SYS_clone3, &a, sizeof(a));
        if (pid == 0) {
                char c;
                close(sync[1]);
                ssize_t k _unused_ = read(sync[0], &c, 1);
                _exit(0);
        }
        close(sync[0]);
        if (pid < 0) {
                int r = -errno;
                close(sync[1]);
                return r;
        }
        struct sandbox_users u = { .uid = *uid, .gid = *gid };
        int r = sandbox_write_maps((pid_t) pid, &u);
        char path[64];
        snprintf(path, sizeof(path), "/proc/%ld/ns/user", pid);
        int fd = r < 0 ? r : open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 && r >= 0)
                r = -errno;
        close(sync[1]);
        while (waitpid((pid_t) pid, NULL, __WALL) < 0 && errno == EINTR)
                ;
        return r < 0 ? r : fd;
}

static void fstype_name(int fd, char buf[static 32]) {
        static const struct {
                unsigned long magic;
                const char *name;
        } names[] = {
                { 0xEF53, "ext4" },    { 0x01021994, "tmpfs" }, { 0x794c7630, "overlayfs" },
                { 0x58465342, "xfs" }, { 0x9123683E, "btrfs" }, { 0x6969, "nfs" },
                { 0x01021997, "9p" },  { 0x65735546, "fuse" },  { 0x73717368, "squashfs" },
                { 0x2fc12fc1, "zfs" }, { 0xF2F52010, "f2fs" },  { 0x858458f6, "ramfs" },
        };
        struct statfs sf;
        if (fstatfs(fd, &sf) < 0) {
                snprintf(buf, 32, "an unknown file system");
                return;
        }
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if ((unsigned long) sf.f_type == names[i].magic) {
                        snprintf(buf, 32, "%s", names[i].name);
                        return;
                }
        snprintf(buf, 32, "file system 0x%lx", (unsigned long) sf.f_type);
}

/* A detached copy of the mount tree at DIRFD/PATH with ATTR set, idmapped with USERNS_FD when
 * that is not negative. An fd, or -errno. */
static int clone_mount(int dirfd, const char *path, bool recursive, uint64_t attr, int userns_fd) {
        unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0) |
                         (isempty(path) ? AT_EMPTY_PATH : 0);
        int m = sys_open_tree(dirfd, path ? path : "", flags);
        if (m < 0)
                return m;
        struct mount_attr a = { .attr_set = attr | (userns_fd >= 0 ? MOUNT_ATTR_IDMAP : 0),
                                .userns_fd = userns_fd >= 0 ? (uint64_t) userns_fd : 0 };
        int r = (int) syscall(SYS_mount_setattr, m, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &a,
                              sizeof(a));
        if (r < 0) {
                r = -errno;
                close(m);
                return r;
        }
        return m;
}

/* The host view's directory I, when the host has it as a directory (a symlink stays one). */
static bool host_dir_wanted(size_t i, char path[static 64]) {
        struct stat st;
        snprintf(path, 64, "/%s", sandbox_host_dirs[i]);
        return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int sandbox_idmap_check(int userns_fd, const char *tree, char *ret_where, size_t n) {
        for (size_t i = 0; i < (tree ? 1 : ELEMENTSOF(sandbox_host_dirs)); i++) {
                char host_path[64], fs[32] = "an unknown file system";
                const char *p = tree ? tree : host_path;
                if (!tree && !host_dir_wanted(i, host_path))
                        continue;
                int m = clone_mount(AT_FDCWD, p, true, MOUNT_ATTR_RDONLY, userns_fd);
                if (m >= 0) {
                        close(m);
                        continue;
                }
                _cleanup_close_ int fd = open(p, O_PATH | O_CLOEXEC);
                if (fd >= 0)
                        fstype_name(fd, fs);
                snprintf(ret_where, n, "%s (%s)", fs, p);
                return m;
        }
        return 0;
}

void sandbox_premounts_done(struct sandbox_premounts *p) {
        p->tree = safe_close(p->tree);
        p->overlay = safe_close(p->overlay);
        p->sys = safe_close(p->sys);
        p->notify = safe_close(p->notify);
        p->syslog = safe_close(p->syslog);
        for (size_t i = 0; i < ELEMENTSOF(p->host); i++)
                p->host[i] = safe_close(p->host[i]);
        for (size_t i = 0; p->binds && i < p->n_binds; i++)
                safe_close(p->binds[i]);
        free(p->binds);
        p->binds = NULL;
        p->n_binds = 0;
        for (size_t i = 0; p->layers && i < p->n_layers; i++)
                safe_close(p->layers[i]);
        free(p->layers);
        p->layers = NULL;
        p->n_layers = 0;
        for (size_t i = 0; p->devices && i < p->n_devices; i++)
                safe_close(p->devices[i]);
        free(p->devices);
        p->devices = NULL;
        p->n_devices = 0;
}

static int premount_fail(struct sandbox_setup_error *err, int r, const char *what, const char *path) {
        err->err = -r;
        snprintf(err->what, sizeof(err->what), "%s", what);
        snprintf(err->path, sizeof(err->path), "%s", path ? path : "");
        return r;
}

static int premount_binds(const struct sandbox_spec *spec, struct sandbox_premounts *p,
                          struct sandbox_setup_error *err) {
        int idmap = spec->users->idmap_fd;
        for (size_t i = 0; i < spec->n_binds; i++) {
                const struct sandbox_bind *b = &spec->binds[i];
                uint64_t attr = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (b->read_only ? MOUNT_ATTR_RDONLY : 0);
                /* From the fd the caller opened without following a symlink: nothing is resolved
                 * again, so nothing can be swapped in between. */
                p->binds[i] =
                        b->source_fd >= 0
                                ? clone_mount(b->source_fd, NULL, b->recursive, attr, b->idmap ? idmap : -1)
                                : clone_mount(AT_FDCWD, b->source, b->recursive, attr, b->idmap ? idmap : -1);
                if (p->binds[i] < 0)
                        return premount_fail(err, p->binds[i],
                                             b->idmap ? "open the bind source with an idmapped mount"
                                                      : "open the bind source",
                                             b->source);
        }
        return 0;
}

/* The directories of the kept writable layers (VarOverlay=persistent, ReadWritePaths=): from the
 * fd the caller opened, as the binds; the child, root of its range, could not walk to them. */
static int premount_layers(const struct sandbox_spec *spec, struct sandbox_premounts *p,
                           struct sandbox_setup_error *err) {
        for (size_t i = 0; i < spec->n_paths; i++) {
                const struct sandbox_path *l = &spec->paths[i];
                if (l->kind != SANDBOX_PATH_OVERLAY || !l->dir)
                        continue;
                uint64_t attr = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
                p->layers[i] = l->dir_fd >= 0 ? clone_mount(l->dir_fd, NULL, false, attr, -1)
                                              : clone_mount(AT_FDCWD, l->dir, false, attr, -1);
                if (p->layers[i] < 0)
                        return premount_fail(err, p->layers[i], "open the writable layer", l->dir);
        }
        return 0;
}

/* A copy of the device node open at FD, alone in a detached tmpfs of its own (made here, in the
 * host's user namespace, so its nodes work), owned by what its host owners are inside: root's
 * 0600 /dev/net/tun is root's inside, which root inside could not open as nobody's. devtmpfs
 * cannot be idmapped. The detached mount of the node, or -errno. */
static int device_copy(const struct sandbox_users *users, int fd) {
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
                return -ENODEV;
        _cleanup_close_ int fs = (int) syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
        if (fs < 0 || syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "size", "4k", 0) < 0 ||
            syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return -errno;
        _cleanup_close_ int mnt =
                (int) syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
        if (mnt < 0)
                return -errno;
        uint32_t uid = sandbox_idmap_outside(&users->uid, st.st_uid);
        uint32_t gid = sandbox_idmap_outside(&users->gid, st.st_gid);
        if (mknodat(mnt, "node", st.st_mode & (S_IFMT | 07777), st.st_rdev) < 0 ||
            fchownat(mnt, "node", uid, gid, AT_SYMLINK_NOFOLLOW) < 0 ||
            fchmodat(mnt, "node", st.st_mode & 07777, 0) < 0)
                return -errno;
        int m = sys_open_tree(mnt, "node", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        return m;
}

/* DeviceAllow=: the nodes svcd opened, as copies that root inside may open as the host's root may
 * open the originals. */
static int premount_devices(const struct sandbox_spec *spec, struct sandbox_premounts *p,
                            struct sandbox_setup_error *err) {
        for (size_t i = 0; i < spec->n_devices; i++) {
                const struct sandbox_bind *d = &spec->devices[i];
                if (d->source_fd < 0)
                        continue;
                p->devices[i] = device_copy(spec->users, d->source_fd);
                if (p->devices[i] < 0)
                        return premount_fail(err, p->devices[i], "copy the host's device", d->source);
        }
        return 0;
}

static int premount_host(const struct sandbox_spec *spec, struct sandbox_premounts *p,
                         struct sandbox_setup_error *err) {
        uint64_t ro = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
        int idmap = spec->users->idmap_fd;
        if (spec->tree) {
                p->tree = clone_mount(AT_FDCWD, spec->tree, true, ro, idmap);
                if (p->tree < 0)
                        return premount_fail(err, p->tree, "open the tree", spec->tree);
        } else
                for (size_t i = 0; i < ELEMENTSOF(sandbox_host_dirs); i++) {
                        char path[64];
                        if (!host_dir_wanted(i, path))
                                continue;
                        p->host[i] = clone_mount(AT_FDCWD, path, true, ro, idmap);
                        if (p->host[i] < 0)
                                return premount_fail(err, p->host[i], "open the host's directory", path);
                }
        if (spec->overlay_dir && (p->overlay = clone_mount(AT_FDCWD, spec->overlay_dir, false,
                                                           MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, -1)) < 0)
                return premount_fail(err, p->overlay, "open the overlay's directory", spec->overlay_dir);
        /* sysfs can be mounted only by the owner of the network namespace: the host's, shown
         * without what is mounted below it (cgroups, debugfs, bpf), as a fresh sysfs would be. */
        if (!spec->private_network &&
            (p->sys = clone_mount(AT_FDCWD, "/sys", false, ro | MOUNT_ATTR_NOEXEC, -1)) < 0)
                return premount_fail(err, p->sys, "open the host's", "/sys");
        return 0;
}

int sandbox_premounts_make(const struct sandbox_spec *spec, struct sandbox_premounts *ret,
                           struct sandbox_setup_error *err) {
        struct sandbox_premounts p = {
                .tree = -EBADF, .overlay = -EBADF, .sys = -EBADF, .notify = -EBADF, .syslog = -EBADF
        };
        for (size_t i = 0; i < ELEMENTSOF(p.host); i++)
                p.host[i] = -EBADF;
        p.binds = malloc(sizeof(int) * (spec->n_binds + 1));
        if (!p.binds)
                return -ENOMEM;
        p.n_binds = spec->n_binds;
        for (size_t i = 0; i < spec->n_binds; i++)
                p.binds[i] = -EBADF;
        p.layers = malloc(sizeof(int) * (spec->n_paths + 1));
        if (!p.layers) {
                free(p.binds);
                return -ENOMEM;
        }
        p.n_layers = spec->n_paths;
        for (size_t i = 0; i < spec->n_paths; i++)
                p.layers[i] = -EBADF;
        p.devices = malloc(sizeof(int) * (spec->n_devices + 1));
        if (!p.devices) {
                free(p.binds);
                free(p.layers);
                return -ENOMEM;
        }
        p.n_devices = spec->n_devices;
        for (size_t i = 0; i < spec->n_devices; i++)
                p.devices[i] = -EBADF;
        uint64_t sock = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
        int r = premount_host(spec, &p, err);
        if (r >= 0)
                r = premount_binds(spec, &p, err);
        if (r >= 0)
                r = premount_layers(spec, &p, err);
        if (r >= 0)
                r = premount_devices(spec, &p, err);
        if (r >= 0 && spec->notify_socket &&
            (p.notify = clone_mount(AT_FDCWD, spec->notify_socket, false, sock, -1)) < 0)
                r = premount_fail(err, p.notify, "open the notify socket", spec->notify_socket);
        if (r >= 0 && spec->syslog_socket &&
            (p.syslog = clone_mount(AT_FDCWD, spec->syslog_socket, false, sock, -1)) < 0)
                r = premount_fail(err, p.syslog, "open the syslog socket", spec->syslog_socket);
        if (r < 0) {
                sandbox_premounts_done(&p);
                return r;
        }
        *ret = p;
        return 0;
}
