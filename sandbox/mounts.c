/* SPDX-License-Identifier: MIT */
/* The root of a sandbox, built in the child after clone (new mount, PID, UTS, IPC and network
 * namespaces), before ns-init runs: the sequence every serious runtime converged on
 * (reference/sandbox.md §1.7). The child is a copy of a multi-threaded svcd, so nothing here
 * allocates: fixed buffers and file descriptors only. Every syscall goes through sys.h.
 *
 * Mount targets are resolved inside the new root with openat2(RESOLVE_IN_ROOT), so a symlink in
 * the tree can never point a mount at the host; a target that is itself a symlink is refused.
 * Mounts are made onto the resolved fd (move_mount, or /proc/self/fd/N), never by path again.
 * The tree is never written: when a mount point is missing, an overlay with an in-memory upper
 * layer takes the writes, and is made read-only once the mount points exist. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/macro.h"
#include "sandbox/mounts-internal.h"
#include "sandbox/sandbox.h"
#include "sandbox/sys.h"

#define RESOLVE_INSIDE (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)

/* Docker's masked and read-only paths (moby daemon/pkg/oci/defaults.go). */
const char *const sandbox_masked_paths[SANDBOX_MASKED_PATHS_N] = {
        "/proc/asound",      "/proc/acpi",          "/proc/interrupts", "/proc/kcore",
        "/proc/keys",        "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
        "/proc/sched_debug", "/proc/scsi",          "/sys/firmware",    "/sys/devices/virtual/powercap",
        "/proc/kallsyms", /* and systemd's ProtectKernelTunables=: kernel addresses */
};
const char *const sandbox_readonly_paths[SANDBOX_READONLY_PATHS_N] = {
        "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};
const char *const sandbox_dev_nodes[SANDBOX_DEV_NODES_N] = { "null",   "zero",    "full",
                                                             "random", "urandom", "tty" };
#define proc_masked sandbox_masked_paths
#define proc_readonly sandbox_readonly_paths
#define dev_nodes sandbox_dev_nodes
const char *const sandbox_host_dirs[8] = { "usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "etc" };
#define host_dirs sandbox_host_dirs
static const char *const host_secrets[] = { "/etc/shadow", "/etc/gshadow", "/etc/shadow-", "/etc/gshadow-" };

struct ctx {
        const struct sandbox_spec *spec;
        const struct sandbox_premounts *pre; /* in a user namespace: what the parent opened */
        struct sandbox_setup_error *err;
        const char *scratch; /* the scratch directory as paths name it: "." once the child is in it */
        char scratch_root[PATH_MAX]; /* SCRATCH/root, where the root is assembled */
        int root; /* O_PATH fd of it */
        int devnull; /* the host's /dev/null, verified */
        bool overlay_ro; /* an overlay only for mount points: read-only at the end */
};

/* Copies as much of SRC as fits; a long path is cut, never overflows. */
static void copy_cut(char *dst, size_t n, const char *src) {
        size_t k = strnlen(src, n - 1);
        memcpy(dst, src, k);
        dst[k] = '\0';
}

static int fail(struct ctx *c, int r, const char *what, const char *path) {
        c->err->err = -r;
        copy_cut(c->err->what, sizeof(c->err->what), what);
        copy_cut(c->err->path, sizeof(c->err->path), path ? path : "");
        return r;
}

static const char *fd_path(int fd, char buf[static 32]) {
        snprintf(buf, 32, "/proc/self/fd/%d", fd);
        return buf;
}

/* ---- resolving targets inside the root ---------------------------------------------------- */

/* Opens the directory PREFIX (absolute, inside the root) of length LEN, creating it (and what
 * leads to it) when missing. Returns an O_PATH fd or -errno. */
static int open_dir_inside(struct ctx *c, const char *path, size_t len, mode_t mode) {
        char buf[PATH_MAX];
        if (len >= sizeof(buf))
                return -ENAMETOOLONG;
        memcpy(buf, path, len);
        buf[len] = '\0';
        if (len == 0 || streq(buf, "/"))
                return sys_openat2(c->root, ".", O_PATH | O_DIRECTORY | O_CLOEXEC, 0, RESOLVE_INSIDE);
        int fd = sys_openat2(c->root, buf, O_PATH | O_DIRECTORY | O_CLOEXEC, 0, RESOLVE_INSIDE);
        if (fd != -ENOENT)
                return fd;
        char *slash = strrchr(buf, '/');
        int parent = open_dir_inside(c, buf, (size_t) (slash - buf), mode);
        if (parent < 0)
                return parent;
        int r = sys_mkdirat(parent, slash + 1, mode);
        if (r < 0 && r != -EEXIST) {
                sys_close(parent);
                return r;
        }
        fd = sys_openat2(parent, slash + 1, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW, 0, 0);
        sys_close(parent);
        return fd;
}

/* Opens PATH inside the root as a mount target: O_PATH of the final component, which must not
 * be a symlink. A missing one is created as a directory, or an empty file when FILE. */
static int open_target(struct ctx *c, const char *path, bool file) {
        const char *slash = strrchr(path, '/');
        if (!slash || slash[1] == '\0')
                return sys_openat2(c->root, ".", O_PATH | O_DIRECTORY | O_CLOEXEC, 0, RESOLVE_INSIDE);
        int parent = open_dir_inside(c, path, (size_t) (slash - path), 0755);
        if (parent < 0)
                return parent;
        const char *name = slash + 1;
        struct stat st;
        int r = sys_fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW);
        if (r == -ENOENT) {
                if (file) {
                        r = sys_openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
                        if (r >= 0)
                                sys_close(r);
                } else
                        r = sys_mkdirat(parent, name, 0755);
                if (r == -EEXIST)
                        r = 0;
        } else if (r >= 0 && S_ISLNK(st.st_mode))
                r = -ELOOP; /* the target is a symlink: refused, never followed */
        if (r >= 0)
                r = sys_openat(parent, name, O_PATH | O_CLOEXEC | O_NOFOLLOW, 0);
        sys_close(parent);
        return r;
}

/* ---- mounting ----------------------------------------------------------------------------- */

/* Mounts a new filesystem of TYPE at PATH inside the root. */
static int mount_fs(struct ctx *c, const char *type, const char *path, unsigned long flags,
                    const char *data) {
        int fd = open_target(c, path, false);
        if (fd < 0)
                return fail(c, fd, "create the mount point", path);
        char p[32];
        int r = sys_mount(type, fd_path(fd, p), type, flags, data);
        sys_close(fd);
        if (r < 0) {
                char what[64];
                snprintf(what, sizeof(what), "mount %s", type);
                return fail(c, r, what, path);
        }
        return 0;
}

/* Attaches a copy of the mount tree at SOURCE_FD/SOURCE (with ATTR set) onto the mount point
 * T, an fd of what TARGET (for messages) resolved to. */
static int attach_onto(struct ctx *c, int source_fd, const char *source, int t, const char *target,
                       uint64_t attr, bool recursive) {
        unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
        if (isempty(source))
                flags |= AT_EMPTY_PATH;
        int m = sys_open_tree(source_fd, source ? source : "", flags);
        if (m < 0)
                return fail(c, m, "open the bind source", isempty(source) ? target : source);
        int r = sys_mount_setattr(m, "", AT_EMPTY_PATH | AT_RECURSIVE, attr, 0);
        if (r < 0) {
                sys_close(m);
                return fail(c, r, "set mount flags on", target);
        }
        r = sys_move_mount(m, "", t, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
        sys_close(m);
        return r < 0 ? fail(c, r, "bind", target) : 0;
}

/* Attaches a copy of the mount tree at SOURCE_FD/SOURCE (with ATTR set) at TARGET inside. */
static int attach(struct ctx *c, int source_fd, const char *source, const char *target, bool file,
                  uint64_t attr, bool recursive) {
        int t = open_target(c, target, file);
        if (t < 0)
                return fail(c, t, t == -ELOOP ? "bind onto a symlink" : "create the mount point", target);
        int r = attach_onto(c, source_fd, source, t, target, attr, recursive);
        sys_close(t);
        return r;
}

/* Moves the detached mount M (made by the parent, see userns.c) to TARGET inside. */
static int place(struct ctx *c, int m, const char *target) {
        struct stat st;
        int r = sys_fstatat(m, "", &st, AT_EMPTY_PATH);
        if (r < 0)
                return fail(c, r, "stat the bind source of", target);
        int t = open_target(c, target, !S_ISDIR(st.st_mode));
        if (t < 0)
                return fail(c, t, t == -ELOOP ? "bind onto a symlink" : "create the mount point", target);
        r = sys_move_mount(m, "", t, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
        sys_close(t);
        return r < 0 ? fail(c, r, "bind", target) : 0;
}

/* Makes the mount at PATH inside read-only where it is: the path resolved once, inside the root,
 * is both the source and the mount point. */
static int make_readonly(struct ctx *c, const char *path) {
        int fd = sys_openat2(c->root, path, O_PATH | O_CLOEXEC | O_NOFOLLOW, 0, RESOLVE_INSIDE);
        if (fd == -ENOENT)
                return 0;
        if (fd < 0)
                return fail(c, fd, "open", path);
        int r = attach_onto(c, fd, NULL, fd, path, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
                            true);
        sys_close(fd);
        return r;
}

/* Hides PATH inside: a file behind /dev/null, a directory behind an empty read-only tmpfs, mounted
 * onto the fd that resolved it (a symlink is refused, never followed). */
static int mask(struct ctx *c, const char *path) {
        struct stat st;
        char p[32];
        int fd = sys_openat2(c->root, path, O_PATH | O_CLOEXEC | O_NOFOLLOW, 0, RESOLVE_INSIDE);
        if (fd == -ENOENT)
                return 0;
        if (fd < 0)
                return fail(c, fd, "open", path);
        int r = sys_fstatat(fd, "", &st, AT_EMPTY_PATH);
        if (r < 0)
                r = fail(c, r, "stat", path);
        else if (S_ISLNK(st.st_mode))
                r = fail(c, -ELOOP, "bind onto a symlink", path);
        else if (S_ISDIR(st.st_mode)) {
                r = sys_mount("tmpfs", fd_path(fd, p), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                              "size=0,mode=0555");
                if (r < 0)
                        r = fail(c, r, "mount tmpfs", path);
        } else
                r = attach_onto(c, c->devnull, NULL, fd, path, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID, false);
        sys_close(fd);
        return r;
}

/* ---- the steps ---------------------------------------------------------------------------- */

static int step_private(struct ctx *c) {
        /* Nothing mounted here propagates to the host, nothing of the host's arrives later. */
        int r = sys_mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
        if (r < 0)
                return fail(c, r, "make the mount namespace private", "/");
        /* In a user namespace, still the host's root (the uid clone gave): the scratch directory
         * lies below svc's 0700 directories. Its tmpfs belongs to root inside. */
        r = sys_mount("tmpfs", c->spec->scratch_dir, "tmpfs", MS_NOSUID | MS_NODEV,
                      c->pre ? "mode=0700,uid=0,gid=0" : "mode=0700");
        if (r < 0)
                return fail(c, r, "mount a tmpfs on the scratch directory", c->spec->scratch_dir);
        /* From here on root inside: the host's uid of the map, nothing of the host's root. That
         * uid cannot walk the host's path to the scratch directory (svc's directories are 0700):
         * it works in it, and names it ".". */
        c->scratch = c->spec->scratch_dir;
        if (c->pre && (r = sys_chdir(c->spec->scratch_dir)) < 0)
                return fail(c, r, "enter the scratch directory", c->spec->scratch_dir);
        if (c->pre && ((r = sys_setresgid(0, 0, 0)) < 0 || (r = sys_setgroups(0, NULL)) < 0 ||
                       (r = sys_setresuid(0, 0, 0)) < 0))
                return fail(c, r, "become root of the user namespace", "");
        if (c->pre)
                c->scratch = ".";
        snprintf(c->scratch_root, sizeof(c->scratch_root), "%s/root", c->scratch);
        r = sys_mkdirat(AT_FDCWD, c->scratch_root, 0755);
        if (r < 0)
                return fail(c, r, "create", c->scratch_root);
        c->devnull = sys_openat(AT_FDCWD, "/dev/null", O_PATH | O_CLOEXEC, 0);
        struct stat st;
        if (c->devnull < 0 || sys_fstatat(c->devnull, "", &st, AT_EMPTY_PATH) < 0 || !S_ISCHR(st.st_mode) ||
            st.st_rdev != makedev(1, 3))
                return fail(c, -ENODEV, "find the host's /dev/null", "/dev/null");
        return 0;
}

static bool path_is_below(const char *path, const char *dir) {
        size_t n = strlen(dir);
        if (streq(dir, "/"))
                return true;
        return strneq(path, dir, n) && (path[n] == '/' || path[n] == '\0');
}

/* A writable layer (SANDBOX_PATH_OVERLAY or _TMPFS) is mounted above PATH: a mount point there
 * is made in the layer, not in the tree. */
static bool under_layer(struct ctx *c, const char *path) {
        for (size_t i = 0; i < c->spec->n_paths; i++) {
                const struct sandbox_path *p = &c->spec->paths[i];
                if ((p->kind == SANDBOX_PATH_OVERLAY || p->kind == SANDBOX_PATH_TMPFS) &&
                    path_is_below(path, p->path) && !streq(path, p->path))
                        return true;
        }
        return false;
}

static bool tree_lacks(struct ctx *c, int tree, const char *path, bool optional) {
        if (under_layer(c, path))
                return false;
        int fd = sys_openat2(tree, path, O_PATH | O_CLOEXEC | O_NOFOLLOW, 0, RESOLVE_INSIDE);
        if (fd >= 0)
                sys_close(fd);
        return fd < 0 && !(optional && fd == -ENOENT);
}

/* Would the tree need a mount point it does not have? Then an overlay takes the mkdirs. */
static bool tree_lacks_mountpoints(struct ctx *c, int tree) {
        static const char *const fixed[] = { "/proc", "/dev", "/tmp", "/var/tmp", "/run", "/sys" };
        for (size_t i = 0; i < ELEMENTSOF(fixed); i++)
                if (tree_lacks(c, tree, fixed[i], false))
                        return true;
        for (size_t i = 0; i < c->spec->n_binds; i++)
                if (tree_lacks(c, tree, c->spec->binds[i].target, false))
                        return true;
        for (size_t i = 0; i < c->spec->n_paths; i++) {
                const struct sandbox_path *p = &c->spec->paths[i];
                if ((p->kind == SANDBOX_PATH_OVERLAY || p->kind == SANDBOX_PATH_TMPFS) &&
                    tree_lacks(c, tree, p->path, p->optional))
                        return true;
        }
        return false;
}

/* In a user namespace, the parent's mount M attached at SCRATCH/NAME: overlayfs takes paths. */
static int attach_scratch(struct ctx *c, int m, const char *name, char *path, size_t n) {
        snprintf(path, n, "%s/%s", c->scratch, name);
        int r = sys_mkdirat(AT_FDCWD, path, 0700);
        if (r >= 0)
                r = sys_move_mount(m, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH);
        return r < 0 ? fail(c, r, "attach the overlay's layer at", path) : 0;
}

static int mount_overlay(struct ctx *c, const char *tree) {
        char upper[PATH_MAX], work[PATH_MAX], opts[3 * PATH_MAX + 64], lower[PATH_MAX], ovl[PATH_MAX - 16];
        const char *base = c->spec->overlay_dir ? c->spec->overlay_dir : c->scratch;
        if (c->pre) {
                int r = attach_scratch(c, c->pre->tree, "lower", lower, sizeof(lower));
                if (r >= 0 && c->spec->overlay_dir &&
                    (r = attach_scratch(c, c->pre->overlay, "ovl", ovl, sizeof(ovl))) >= 0)
                        base = ovl;
                if (r < 0)
                        return r;
                tree = lower;
        }
        snprintf(upper, sizeof(upper), "%s/upper", base);
        snprintf(work, sizeof(work), "%s/work", base);
        if (!c->spec->overlay_dir) {
                int r = sys_mkdirat(AT_FDCWD, upper, 0755);
                if (r >= 0)
                        r = sys_mkdirat(AT_FDCWD, work, 0755);
                if (r < 0)
                        return fail(c, r, "create the overlay's upper layer", upper);
        }
        /* overlayfs splits its options at ',' and ':'; sandbox_check_spec() refused such paths. */
        snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s", tree, upper, work);
        int r = sys_mount("overlay", c->scratch_root, "overlay", MS_NOSUID | MS_NODEV, opts);
        return r < 0 ? fail(c, r, "mount the overlay on", tree) : 0;
}

static int step_root_tree(struct ctx *c) {
        const char *tree = c->spec->tree;
        int tfd = c->pre ? sys_openat(c->pre->tree, ".", O_PATH | O_DIRECTORY | O_CLOEXEC, 0)
                         : sys_openat(AT_FDCWD, tree, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
        if (tfd < 0)
                return fail(c, tfd, "open the tree", tree);
        bool lacks = tree_lacks_mountpoints(c, tfd);
        int r = 0;
        if (c->spec->overlay || lacks) {
                c->overlay_ro = !c->spec->overlay;
                r = mount_overlay(c, tree);
        } else if (c->pre) {
                /* Read-only (and idmapped) since the parent made it. */
                r = sys_move_mount(c->pre->tree, "", AT_FDCWD, c->scratch_root, MOVE_MOUNT_F_EMPTY_PATH);
                if (r < 0)
                        r = fail(c, r, "bind the tree", tree);
        } else {
                /* Read-only from the first moment: nothing can write into the tree. */
                int m = sys_open_tree(tfd, "",
                                      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
                if (m < 0)
                        r = fail(c, m, "open the tree", tree);
                else {
                        r = sys_mount_setattr(m, "", AT_EMPTY_PATH | AT_RECURSIVE,
                                              MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 0);
                        if (r >= 0)
                                r = sys_move_mount(m, "", AT_FDCWD, c->scratch_root, MOVE_MOUNT_F_EMPTY_PATH);
                        sys_close(m);
                        if (r < 0)
                                r = fail(c, r, "bind the tree", tree);
                }
        }
        sys_close(tfd);
        return r;
}

/* The host view: the host's /usr, /bin, /sbin, /lib* and /etc read-only in an empty root. */
static int step_root_host(struct ctx *c) {
        int r = sys_mount("tmpfs", c->scratch_root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
        if (r < 0)
                return fail(c, r, "mount the root tmpfs", c->scratch_root);
        return 0;
}

static int populate_host_view(struct ctx *c) {
        for (size_t i = 0; i < ELEMENTSOF(host_dirs); i++) {
                char src[64], link[PATH_MAX];
                snprintf(src, sizeof(src), "/%s", host_dirs[i]);
                struct stat st;
                if (sys_fstatat(AT_FDCWD, src, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (S_ISLNK(st.st_mode)) {
                        /* Merged /usr: /bin -> usr/bin stays a symlink inside too. */
                        ssize_t k = readlink(src, link, sizeof(link) - 1);
                        if (k <= 0)
                                continue;
                        link[k] = '\0';
                        int r = sys_symlinkat(link, c->root, host_dirs[i]);
                        if (r < 0)
                                return fail(c, r, "create the symlink", src);
                        continue;
                }
                int r = c->pre ? (c->pre->host[i] >= 0 ? place(c, c->pre->host[i], src) : 0)
                               : attach(c, AT_FDCWD, src, src, false,
                                        MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, true);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < ELEMENTSOF(host_secrets); i++) {
                int r = mask(c, host_secrets[i]);
                if (r < 0)
                        return r;
        }
        for (const char *const *m = c->spec->masks; m && *m; m++) {
                int r = mask(c, *m);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int step_proc(struct ctx *c) {
        int r = mount_fs(c, "proc", "/proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(proc_readonly); i++)
                r = make_readonly(c, proc_readonly[i]);
        return r;
}

static int step_sys(struct ctx *c) {
        /* In a user namespace sharing the host's network, sysfs cannot be mounted: the host's. */
        int r = c->pre && c->pre->sys >= 0
                        ? place(c, c->pre->sys, "/sys")
                        : mount_fs(c, "sysfs", "/sys", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
        /* The masks of /proc and /sys, once both exist. */
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(proc_masked); i++)
                r = mask(c, proc_masked[i]);
        return r;
}

/* One of the host's safe nodes onto a new empty file in DEV, the fresh tmpfs on /dev that nothing
 * else has seen yet: created there, not resolved from the root again. */
static int bind_dev_node(struct ctx *c, int dev, const char *name) {
        char src[64], dst[64];
        snprintf(src, sizeof(src), "/dev/%s", name);
        snprintf(dst, sizeof(dst), "/dev/%s", name);
        int m = sys_open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW);
        if (m < 0)
                return fail(c, m, "open the host's device", src);
        struct stat st;
        int r = sys_fstatat(m, "", &st, AT_EMPTY_PATH);
        if (r >= 0 && !S_ISCHR(st.st_mode))
                r = -ENODEV;
        if (r < 0) {
                sys_close(m);
                return fail(c, r, "use the host's device", src);
        }
        r = sys_mount_setattr(m, "", AT_EMPTY_PATH, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, 0);
        int t = r < 0 ? r : sys_openat(dev, name, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (t >= 0) {
                r = sys_move_mount(m, "", t, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
                sys_close(t);
        } else
                r = t;
        sys_close(m);
        return r < 0 ? fail(c, r, "bind", dst) : 0;
}

/* DevicePolicy=strict: a safe node only when DeviceAllow= names it. */
static bool dev_node_wanted(struct ctx *c, const char *name) {
        if (!c->spec->devices_strict)
                return true;
        for (size_t i = 0; i < c->spec->n_devices; i++)
                if (strneq(c->spec->devices[i].target, "/dev/", 5) &&
                    streq(c->spec->devices[i].target + 5, name))
                        return true;
        return false;
}

/* DeviceAllow=: the host's node that svcd opened, found again in this mount namespace (a mount
 * of another namespace cannot be cloned), bound where the unit named it, without nodev. */
static int bind_device(struct ctx *c, const struct sandbox_bind *d) {
        struct stat st, want;
        int fd = sys_openat(AT_FDCWD, d->source, O_PATH | O_CLOEXEC, 0);
        if (fd < 0)
                return fail(c, fd, "open the host's device", d->source);
        int r = sys_fstatat(fd, "", &st, AT_EMPTY_PATH);
        if (r >= 0 && (r = sys_fstatat(d->source_fd, "", &want, AT_EMPTY_PATH)) >= 0 &&
            (!(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) || st.st_rdev != want.st_rdev ||
             st.st_ino != want.st_ino))
                r = -ESTALE;
        if (r >= 0)
                r = attach(c, fd, NULL, d->target, true, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, false);
        else
                fail(c, r, "use the host's device svcd checked", d->source);
        sys_close(fd);
        return r;
}

static int bind_devices(struct ctx *c) {
        for (size_t i = 0; i < c->spec->n_devices; i++) {
                /* source_fd < 0: a safe node, named for devices_strict, already there. */
                const struct sandbox_bind *d = &c->spec->devices[i];
                int r = d->source_fd < 0 ? 0
                        : c->pre         ? place(c, c->pre->devices[i], d->target)
                                         : bind_device(c, d);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int step_dev(struct ctx *c) {
        /* nodev on the tmpfs itself: the six nodes are bind mounts of the host's and keep working. */
        int r = mount_fs(c, "tmpfs", "/dev", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755,size=64k");
        if (r < 0)
                return r;
        int dev = sys_openat2(c->root, "/dev", O_PATH | O_DIRECTORY | O_CLOEXEC, 0, RESOLVE_INSIDE);
        if (dev < 0)
                return fail(c, dev, "open", "/dev");
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(dev_nodes); i++)
                if (dev_node_wanted(c, dev_nodes[i]))
                        r = bind_dev_node(c, dev, dev_nodes[i]);
        if (r >= 0)
                r = bind_devices(c);
        if (r < 0) {
                sys_close(dev);
                return r;
        }
        static const char *const links[][2] = {
                { "/proc/self/fd", "dev/fd" },       { "/proc/self/fd/0", "dev/stdin" },
                { "/proc/self/fd/1", "dev/stdout" }, { "/proc/self/fd/2", "dev/stderr" },
                { "pts/ptmx", "dev/ptmx" },
        };
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(links); i++)
                if ((r = sys_symlinkat(links[i][0], dev, links[i][1] + 4)) < 0)
                        fail(c, r, "create the symlink", links[i][1]);
        sys_close(dev);
        if (r >= 0)
                r = mount_fs(c, "devpts", "/dev/pts", MS_NOSUID | MS_NOEXEC,
                             "newinstance,ptmxmode=0666,mode=0620");
        if (r >= 0)
                r = mount_fs(c, "tmpfs", "/dev/shm", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777");
        if (r >= 0 && c->spec->syslog_socket)
                r = c->pre ? place(c, c->pre->syslog, "/dev/log")
                           : attach(c, AT_FDCWD, c->spec->syslog_socket, "/dev/log", true,
                                    MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, false);
        return r;
}

/* A directory below the private /run, made with its parents (root's, 0755), then given to its
 * owner with its mode: tmpfiles.d's lines and RuntimeDirectory=. */
static int make_run_dir(struct ctx *c, const char *dir, uid_t uid, gid_t gid, mode_t mode) {
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "/run/%s", dir);
        int fd = open_dir_inside(c, path, strlen(path), 0755);
        if (fd < 0)
                return fail(c, fd, "create the runtime directory", path);
        char fdp[32];
        int r = sys_fchownat(fd, "", uid, gid, AT_EMPTY_PATH);
        /* After the chown, which may clear a setgid bit: RuntimeDirectoryMode=2755. */
        if (r >= 0 && mode)
                r = sys_fchmodat(AT_FDCWD, fd_path(fd, fdp), mode & 07777, 0);
        sys_close(fd);
        return r < 0 ? fail(c, r, "give the runtime directory to the service's user", path) : 0;
}

static int step_tmp_run(struct ctx *c) {
        int r = mount_fs(c, "tmpfs", "/tmp", MS_NOSUID | MS_NODEV, "mode=1777");
        if (r >= 0)
                r = mount_fs(c, "tmpfs", "/var/tmp", MS_NOSUID | MS_NODEV, "mode=1777");
        if (r >= 0)
                r = mount_fs(c, "tmpfs", "/run", MS_NOSUID | MS_NODEV, "mode=0755");
        /* sd_booted(3): the service runs under a manager that speaks systemd's protocols (trixie's
         * postfix checks it before it starts). */
        if (r >= 0)
                r = make_run_dir(c, "systemd/system", 0, 0, 0755);
        if (r >= 0 && c->spec->notify_socket)
                r = c->pre ? place(c, c->pre->notify, SANDBOX_NOTIFY_PATH)
                           : attach(c, AT_FDCWD, c->spec->notify_socket, SANDBOX_NOTIFY_PATH, true,
                                    MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, false);
        for (size_t i = 0; r >= 0 && i < c->spec->n_run_dirs; i++) {
                const struct sandbox_run_dir *d = &c->spec->run_dirs[i];
                r = make_run_dir(c, d->path, d->uid, d->gid, d->mode);
        }
        for (const char *const *d = c->spec->runtime_dirs; r >= 0 && d && *d; d++)
                r = make_run_dir(c, *d, c->spec->runtime_uid, c->spec->runtime_gid, c->spec->runtime_mode);
        return r;
}

/* The source of B, opened here, in the sandbox's own mount namespace: open_tree() clones only
 * from the caller's namespace, and the caller's fd (source_fd) belongs to its namespace. A source
 * the caller opened without following symlinks is bound only if the path still leads to that very
 * directory: a symlink swapped in since leads elsewhere and is refused. An O_PATH fd or -errno. */
static int open_bind_source(struct ctx *c, const struct sandbox_bind *b, struct stat *ret_st) {
        int fd = sys_openat(AT_FDCWD, b->source, O_PATH | O_CLOEXEC, 0);
        if (fd < 0)
                return fail(c, fd, "find the bind source", b->source);
        struct stat want;
        int r = sys_fstatat(fd, "", ret_st, AT_EMPTY_PATH);
        if (r >= 0 && b->source_fd >= 0 && (r = sys_fstatat(b->source_fd, "", &want, AT_EMPTY_PATH)) >= 0 &&
            (want.st_dev != ret_st->st_dev || want.st_ino != ret_st->st_ino))
                r = -ESTALE;
        if (r < 0) {
                sys_close(fd);
                return fail(c, r,
                            r == -ESTALE ? "bind what svcd checked: the path now leads elsewhere, at"
                                         : "find the bind source",
                            b->source);
        }
        return fd;
}

static int step_binds(struct ctx *c) {
        for (size_t i = 0; i < c->spec->n_binds; i++) {
                const struct sandbox_bind *b = &c->spec->binds[i];
                if (c->pre) {
                        int r = place(c, c->pre->binds[i], b->target);
                        if (r < 0)
                                return r;
                        continue;
                }
                struct stat st;
                int fd = open_bind_source(c, b, &st);
                if (fd < 0)
                        return fd;
                uint64_t attr = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (b->read_only ? MOUNT_ATTR_RDONLY : 0);
                int r = attach(c, fd, NULL, b->target, !S_ISDIR(st.st_mode), attr, b->recursive);
                sys_close(fd);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- path keys: writable layers after the root, restrictions after the binds --------------- */

/* Opens PATH inside for a path key: symlinks in it resolve inside the root, as systemd resolves
 * them inside RootDirectory=. */
static int resolve_path(struct ctx *c, const char *path) {
        return sys_openat2(c->root, path, O_PATH | O_CLOEXEC, 0, RESOLVE_INSIDE);
}

static bool path_missing(struct ctx *c, const char *path) {
        int fd = resolve_path(c, path);
        if (fd >= 0)
                sys_close(fd);
        return fd == -ENOENT;
}

/* The directory holding a layer's upper/ and work/: svc's own on the host, checked to be the one
 * svcd opened without following symlinks (as open_bind_source() does), or a new one in memory. */
static int open_layer_base(struct ctx *c, const struct sandbox_path *p, size_t i) {
        char mem[PATH_MAX], name[32];
        const char *dir = p->dir, *open_at = p->dir;
        snprintf(name, sizeof(name), "layer%zu", i);
        if (!dir) {
                snprintf(mem, sizeof(mem), "%s/%s", c->scratch, name);
                int r = sys_mkdirat(AT_FDCWD, mem, 0700);
                if (r < 0)
                        return fail(c, r, "create the writable layer", mem);
                dir = open_at = mem;
        } else if (c->pre) {
                /* In a user namespace: the parent's mount of it, never the host's path. */
                int r = attach_scratch(c, c->pre->layers[i], name, mem, sizeof(mem));
                if (r < 0)
                        return r;
                open_at = mem;
        }
        int fd = sys_openat(AT_FDCWD, open_at, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
        if (fd < 0)
                return fail(c, fd, "open the writable layer", dir);
        struct stat got, want;
        int r = sys_fstatat(fd, "", &got, AT_EMPTY_PATH);
        if (r >= 0 && p->dir && p->dir_fd >= 0 &&
            (r = sys_fstatat(p->dir_fd, "", &want, AT_EMPTY_PATH)) >= 0 &&
            (want.st_dev != got.st_dev || want.st_ino != got.st_ino))
                r = -ESTALE;
        if (r < 0) {
                sys_close(fd);
                return fail(c, r,
                            r == -ESTALE ? "use what svcd checked: the path now leads elsewhere, at"
                                         : "open the writable layer",
                            dir);
        }
        return fd;
}

static int open_layer_dir(struct ctx *c, int base, const char *name, const char *dir) {
        int r = sys_mkdirat(base, name, 0755);
        if (r < 0 && r != -EEXIST)
                return fail(c, r, "create the writable layer's directory", dir ? dir : name);
        r = sys_openat(base, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
        return r < 0 ? fail(c, r, "open the writable layer's directory", dir ? dir : name) : r;
}

/* The overlay's root shows its upper directory: it takes the owner and mode of what it covers. */
static int copy_owner(struct ctx *c, int lower, int upper, const char *path) {
        struct stat st;
        char p[32];
        int r = sys_fstatat(lower, "", &st, AT_EMPTY_PATH);
        if (r >= 0)
                r = sys_fchownat(upper, "", st.st_uid, st.st_gid, AT_EMPTY_PATH);
        if (r >= 0)
                r = sys_fchmodat(AT_FDCWD, fd_path(upper, p), st.st_mode & 07777, 0);
        return r < 0 ? fail(c, r, "give the writable layer the owner and mode of", path) : 0;
}

/* An overlay at P->path whose lower layer is what is there now (the tree's, read-only) and whose
 * upper layer is the service's own: the tree is never written. Every layer is named by an fd of
 * this mount namespace, so no path of the host is parsed by overlayfs. */
static int mount_layer(struct ctx *c, const struct sandbox_path *p, size_t i) {
        int lower = open_target(c, p->path, false);
        if (lower < 0)
                return fail(c, lower,
                            lower == -ELOOP ? "mount a layer onto a symlink" : "create the mount point",
                            p->path);
        int base = open_layer_base(c, p, i), upper = -EBADF, work = -EBADF, r = base;
        if (base >= 0 && (r = upper = open_layer_dir(c, base, "upper", p->dir)) >= 0)
                r = work = open_layer_dir(c, base, "work", p->dir);
        if (r >= 0)
                r = copy_owner(c, lower, upper, p->path);
        if (r >= 0) {
                /* No redirects, index or metacopy: the lower layer may change while the service is
                 * stopped (svc tree upgrade), which overlayfs allows only without them. In a user
                 * namespace overlayfs cannot use trusted.* xattrs: user.overlay.* (userxattr), and
                 * redirects neither made nor followed (it refuses redirect_dir=off there: EPERM). */
                char opts[224], l[32];
                snprintf(opts, sizeof(opts),
                         "lowerdir=%s,upperdir=/proc/self/fd/%d,workdir=/proc/self/fd/%d,%s,index=off,"
                         "metacopy=off",
                         fd_path(lower, l), upper, work,
                         c->pre ? "userxattr,redirect_dir=nofollow" : "redirect_dir=off");
                r = sys_mount("overlay", l, "overlay", MS_NOSUID | MS_NODEV, opts);
                if (r < 0)
                        fail(c, r, "mount the writable layer on", p->path);
        }
        const int fds[] = { lower, base, upper, work };
        for (size_t k = 0; k < ELEMENTSOF(fds); k++)
                if (fds[k] >= 0)
                        sys_close(fds[k]);
        return r;
}

static int step_layers(struct ctx *c) {
        for (size_t i = 0; i < c->spec->n_paths; i++) {
                const struct sandbox_path *p = &c->spec->paths[i];
                if ((p->kind != SANDBOX_PATH_OVERLAY && p->kind != SANDBOX_PATH_TMPFS) ||
                    (p->optional && path_missing(c, p->path)))
                        continue;
                int r = p->kind == SANDBOX_PATH_OVERLAY
                                ? mount_layer(c, p, i)
                                : mount_fs(c, "tmpfs", p->path,
                                           MS_NOSUID | MS_NODEV | (p->no_exec ? MS_NOEXEC : 0),
                                           p->options ? p->options : "mode=0755");
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Stacks M (a detached copy of a mount tree) on PATH, resolved anew. */
static int stack(struct ctx *c, int m, const char *path, const char *what) {
        int fd = resolve_path(c, path);
        if (fd < 0)
                return fail(c, fd, "find", path);
        int r = sys_move_mount(m, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
        sys_close(fd);
        return r < 0 ? fail(c, r, what, path) : 0;
}

/* A copy of the mount tree at PATH, detached: -ENOENT when PATH is missing. */
static int copy_tree(struct ctx *c, const char *path) {
        int fd = resolve_path(c, path);
        if (fd < 0)
                return fd;
        int m = sys_open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
        sys_close(fd);
        return m;
}

/* READ_ONLY, NO_EXEC: ATTR on PATH and everything mounted below it, as systemd does. */
static int restrict_path(struct ctx *c, const struct sandbox_path *p, uint64_t attr) {
        const char *what = attr & MOUNT_ATTR_RDONLY ? "make read-only" : "make non-executable";
        if (streq(p->path, "/")) {
                int r = sys_mount_setattr(c->root, "", AT_EMPTY_PATH | AT_RECURSIVE, attr, 0);
                return r < 0 ? fail(c, r, what, "/") : 0;
        }
        int m = copy_tree(c, p->path);
        if (m == -ENOENT && p->optional)
                return 0;
        if (m < 0)
                return fail(c, m, what, p->path);
        int r = sys_mount_setattr(m, "", AT_EMPTY_PATH | AT_RECURSIVE, attr, 0);
        r = r < 0 ? fail(c, r, what, p->path) : stack(c, m, p->path, what);
        sys_close(m);
        return r;
}

/* INACCESSIBLE: an empty directory or file of mode 0000 on top, made once in the scratch tmpfs. */
static int hide_path(struct ctx *c, const struct sandbox_path *p) {
        int fd = resolve_path(c, p->path);
        if (fd == -ENOENT && p->optional)
                return 0;
        struct stat st;
        int r = fd < 0 ? fd : sys_fstatat(fd, "", &st, AT_EMPTY_PATH);
        if (fd >= 0)
                sys_close(fd);
        if (r < 0)
                return fail(c, r, "find", p->path);
        char src[PATH_MAX];
        bool dir = S_ISDIR(st.st_mode);
        snprintf(src, sizeof(src), "%s/inaccessible-%s", c->scratch, dir ? "dir" : "file");
        r = dir ? sys_mkdirat(AT_FDCWD, src, 0)
                : sys_openat(AT_FDCWD, src, O_WRONLY | O_CREAT | O_CLOEXEC, 0);
        if (r >= 0 && !dir)
                sys_close(r);
        if (r < 0 && r != -EEXIST)
                return fail(c, r, "create", src);
        int m = sys_open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        if (m < 0)
                return fail(c, m, "open", src);
        r = sys_mount_setattr(m, "", AT_EMPTY_PATH,
                              MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
                              0);
        r = r < 0 ? fail(c, r, "hide", p->path) : stack(c, m, p->path, "hide");
        sys_close(m);
        return r;
}

static int apply_path(struct ctx *c, const struct sandbox_path *p, int keep) {
        switch (p->kind) {
        case SANDBOX_PATH_READ_ONLY:
                return restrict_path(c, p, MOUNT_ATTR_RDONLY);
        case SANDBOX_PATH_NO_EXEC:
                return restrict_path(c, p, MOUNT_ATTR_NOEXEC);
        case SANDBOX_PATH_INACCESSIBLE:
                return hide_path(c, p);
        case SANDBOX_PATH_KEEP:
                return keep >= 0 ? stack(c, keep, p->path, "keep as it was") : 0;
        case SANDBOX_PATH_TMPFS:
                if (p->read_only && !(p->optional && path_missing(c, p->path))) {
                        int fd = resolve_path(c, p->path);
                        int r = fd < 0 ? fd : sys_mount_setattr(fd, "", AT_EMPTY_PATH, MOUNT_ATTR_RDONLY, 0);
                        if (fd >= 0)
                                sys_close(fd);
                        return r < 0 ? fail(c, r, "make read-only", p->path) : 0;
                }
                return 0;
        default:
                return 0;
        }
}

/* The restrictions, in the order given (a path after those above it). What KEEP keeps is copied
 * before any of them: ReadWritePaths= under ReadOnlyPaths=/ stays as writable as it was, and no
 * more (a copy of the tree is as read-only as the tree). */
static int step_paths(struct ctx *c) {
        int keep[SANDBOX_PATHS_MAX];
        size_t n = MIN(c->spec->n_paths, (size_t) SANDBOX_PATHS_MAX);
        int r = 0;
        for (size_t i = 0; i < n; i++) {
                const struct sandbox_path *p = &c->spec->paths[i];
                keep[i] = -EBADF;
                if (p->kind != SANDBOX_PATH_KEEP || streq(p->path, "/") || r < 0)
                        continue;
                keep[i] = copy_tree(c, p->path);
                if (keep[i] < 0 && !(keep[i] == -ENOENT && p->optional))
                        r = fail(c, keep[i], "find", p->path);
        }
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = apply_path(c, &c->spec->paths[i], keep[i]);
        for (size_t i = 0; i < n; i++)
                if (keep[i] >= 0)
                        sys_close(keep[i]);
        return r;
}

/* pivot_root(".", "."): the old root ends up on top of the new one and is detached. */
static int step_pivot(struct ctx *c) {
        int dir = sys_openat(AT_FDCWD, c->scratch_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
        if (dir < 0)
                return fail(c, dir, "open the new root", c->scratch_root);
        int r = sys_fchdir(dir);
        sys_close(dir);
        if (r >= 0)
                r = sys_pivot_root(".", ".");
        if (r < 0)
                return fail(c, r, "pivot_root into", c->scratch_root);
        r = sys_umount2(".", MNT_DETACH);
        if (r >= 0)
                r = sys_chdir("/");
        if (r < 0)
                return fail(c, r, "detach the old root", "/");
        return 0;
}

static int step_finish(struct ctx *c) {
        /* The root read-only, unless it is the service's writable overlay. */
        if (!c->spec->overlay || c->overlay_ro) {
                int r = sys_mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV,
                                  NULL);
                if (r < 0)
                        return fail(c, r, "make the root read-only", "/");
        }
        int r = sys_mount(NULL, "/dev", NULL,
                          MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
        if (r < 0)
                return fail(c, r, "make /dev read-only", "/dev");
        if (c->spec->hostname && (r = sys_sethostname(c->spec->hostname)) < 0)
                return fail(c, r, "set the hostname", c->spec->hostname);
        return 0;
}

int sandbox_setup_root(const struct sandbox_spec *spec, const struct sandbox_premounts *pre,
                       struct sandbox_setup_error *err) {
        struct ctx c = { .spec = spec, .pre = pre, .err = err, .root = -EBADF, .devnull = -EBADF };
        int r = step_private(&c);
        if (r >= 0)
                r = spec->tree ? step_root_tree(&c) : step_root_host(&c);
        if (r >= 0) {
                c.root = sys_openat(AT_FDCWD, c.scratch_root, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
                if (c.root < 0)
                        r = fail(&c, c.root, "open the new root", c.scratch_root);
        }
        if (r >= 0 && !spec->tree)
                r = populate_host_view(&c);
        if (r >= 0)
                r = step_layers(&c);
        if (r >= 0)
                r = step_proc(&c);
        if (r >= 0)
                r = step_dev(&c);
        if (r >= 0)
                r = step_tmp_run(&c);
        if (r >= 0)
                r = step_sys(&c);
        if (r >= 0)
                r = step_binds(&c);
        if (r >= 0)
                r = step_paths(&c);
        if (c.root >= 0)
                sys_close(c.root);
        if (c.devnull >= 0)
                sys_close(c.devnull);
        if (r >= 0)
                r = step_pivot(&c);
        if (r >= 0)
                r = step_finish(&c);
        return r;
}
