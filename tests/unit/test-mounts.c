/* SPDX-License-Identifier: MIT */
/* The order of the sandbox's mount operations and its error handling, checked through the seam:
 * this file provides the sys_* functions of sandbox/sys.h, records every call, answers from a
 * small fake file system and fails the call it is told to. */
#include <fcntl.h>
#include <linux/mount.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cmocka.h>

#include "common/macro.h"
#include "sandbox/sandbox.h"
#include "sandbox/sys.h"

#define MAX_CALLS 512
#define MAX_FDS 256

static char calls[MAX_CALLS][160];
static size_t n_calls;
static char fd_path[MAX_FDS][128]; /* what each fake fd stands for */
static int next_fd;
static char fail_call[64]; /* "name target" prefix of the call to fail */
static int fail_errno;
static char missing[8][64]; /* paths inside the tree that do not exist */
static size_t n_missing;
static char symlinks[8][64]; /* paths inside that are symlinks */
static size_t n_symlinks;

static int record(const char *name, const char *target) {
        if (n_calls < MAX_CALLS)
                snprintf(calls[n_calls++], sizeof(calls[0]), "%s %s", name, target ? target : "");
        if (fail_call[0] && strneq(calls[n_calls - 1], fail_call, strlen(fail_call)))
                return -fail_errno;
        return 0;
}

static int new_fd(const char *path) {
        int fd = 100 + next_fd++;
        snprintf(fd_path[fd - 100], sizeof(fd_path[0]), "%s", path);
        return fd;
}

static const char *path_of(int fd) {
        return fd >= 100 && fd < 100 + MAX_FDS ? fd_path[fd - 100] : "?";
}

static bool listed(char list[][64], size_t n, const char *p) {
        for (size_t i = 0; i < n; i++)
                if (streq(list[i], p))
                        return true;
        return false;
}

/* "/tree" + "proc" -> "/tree/proc"; absolute paths stay. */
static void join(char *buf, size_t n, int dirfd, const char *path) {
        if (path[0] == '/' || dirfd == AT_FDCWD)
                snprintf(buf, n, "%s", path);
        else if (path[0] == '\0' || streq(path, "."))
                snprintf(buf, n, "%s", path_of(dirfd));
        else
                snprintf(buf, n, "%s/%s", path_of(dirfd), path);
}

int sys_mount(const char *source, const char *target, const char *fstype, unsigned long flags,
              const char *data) {
        (void) source, (void) data;
        char t[160];
        /* A mount onto an fd is recorded with the path the fd stands for. */
        if (strneq(target, "/proc/self/fd/", 14))
                target = path_of(atoi(target + 14));
        snprintf(t, sizeof(t), "%s %s%s%s", fstype ? fstype : "-", target,
                 flags & MS_REMOUNT ? " remount" : "", flags & MS_RDONLY ? " ro" : "");
        return record("mount", t);
}
int sys_umount2(const char *target, int flags) {
        (void) flags;
        return record("umount2", target);
}
int sys_pivot_root(const char *new_root, const char *put_old) {
        (void) put_old;
        return record("pivot_root", new_root);
}
int sys_open_tree(int dirfd, const char *path, unsigned flags) {
        (void) flags;
        char p[128];
        join(p, sizeof(p), dirfd, path);
        int r = record("open_tree", p);
        return r < 0 ? r : new_fd(p);
}
int sys_move_mount(int from, const char *fp, int to, const char *tp, unsigned flags) {
        (void) fp, (void) tp, (void) flags;
        char t[160];
        snprintf(t, sizeof(t), "%s -> %s", path_of(from), to == AT_FDCWD ? tp : path_of(to));
        return record("move_mount", t);
}
int sys_mount_setattr(int dirfd, const char *path, unsigned flags, uint64_t set, uint64_t clr) {
        (void) path, (void) flags, (void) clr;
        char t[160];
        snprintf(t, sizeof(t), "%s%s", path_of(dirfd), set & MOUNT_ATTR_RDONLY ? " ro" : "");
        return record("mount_setattr", t);
}
int sys_openat2(int dirfd, const char *path, int flags, mode_t mode, uint64_t resolve) {
        (void) flags, (void) mode, (void) resolve;
        char p[128];
        join(p, sizeof(p), dirfd, path);
        if (listed(missing, n_missing, path))
                return -ENOENT;
        return new_fd(p);
}
int sys_openat(int dirfd, const char *path, int flags, mode_t mode) {
        (void) mode;
        char p[128];
        join(p, sizeof(p), dirfd, path);
        if (flags & O_CREAT) {
                int r = record("create", p);
                if (r < 0)
                        return r;
        }
        return new_fd(p);
}
int sys_mkdirat(int dirfd, const char *path, mode_t mode) {
        (void) mode;
        char p[128];
        join(p, sizeof(p), dirfd, path);
        return record("mkdir", p);
}
int sys_symlinkat(const char *target, int dirfd, const char *path) {
        char p[160];
        join(p, sizeof(p), dirfd, path);
        strncat(p, " = ", sizeof(p) - strlen(p) - 1);
        strncat(p, target, sizeof(p) - strlen(p) - 1);
        return record("symlink", p);
}
int sys_fstatat(int dirfd, const char *path, struct stat *st, int flags) {
        (void) flags;
        char p[128];
        join(p, sizeof(p), dirfd, path);
        *st = (struct stat){ .st_mode = S_IFDIR | 0755 };
        for (const char *q = p; *q; q++) /* each path an inode of its own */
                st->st_ino = st->st_ino * 31 + (unsigned char) *q;
        if (streq(p, "/dev/null") || strneq(p, "/dev/", 5)) {
                st->st_mode = S_IFCHR | 0666;
                st->st_rdev = makedev(1, 3);
        }
        const char *inside = strstr(p, "/root/")   ? strstr(p, "/root/") + 5
                             : strstr(p, "/tree/") ? strstr(p, "/tree/") + 5
                                                   : p;
        if (listed(missing, n_missing, inside) || listed(missing, n_missing, path))
                return -ENOENT;
        if (listed(symlinks, n_symlinks, inside))
                st->st_mode = S_IFLNK | 0777;
        if (strstr(inside, "shadow") || strstr(inside, "/proc/k"))
                st->st_mode = S_IFREG | 0644;
        return 0;
}
int sys_fchownat(int dirfd, const char *path, uid_t uid, gid_t gid, int flags) {
        (void) dirfd, (void) path, (void) uid, (void) gid, (void) flags;
        return 0;
}
int sys_fchmodat(int dirfd, const char *path, mode_t mode, int flags) {
        (void) dirfd, (void) mode, (void) flags;
        return record("chmod", strneq(path, "/proc/self/fd/", 14) ? path_of(atoi(path + 14)) : path);
}
int sys_fchdir(int fd) {
        return record("fchdir", path_of(fd));
}
int sys_chdir(const char *path) {
        return record("chdir", path);
}
int sys_sethostname(const char *name) {
        return record("sethostname", name);
}
int sys_close(int fd) {
        (void) fd;
        return 0;
}
int sys_setresuid(uid_t r, uid_t e, uid_t s) {
        char t[64];
        snprintf(t, sizeof(t), "%u", (unsigned) (r | e | s));
        return record("setresuid", t);
}
int sys_setresgid(gid_t r, gid_t e, gid_t s) {
        char t[64];
        snprintf(t, sizeof(t), "%u", (unsigned) (r | e | s));
        return record("setresgid", t);
}
int sys_setgroups(size_t n, const gid_t *groups) {
        (void) groups;
        char t[64];
        snprintf(t, sizeof(t), "%zu", n);
        return record("setgroups", t);
}

static int setup(void **state _unused_) {
        n_calls = 0;
        next_fd = 0;
        fail_call[0] = '\0';
        n_missing = n_symlinks = 0;
        return 0;
}

/* Index of the first call starting with PREFIX, or -1. */
static int find(const char *prefix) {
        for (size_t i = 0; i < n_calls; i++)
                if (strneq(calls[i], prefix, strlen(prefix)))
                        return (int) i;
        return -1;
}

static int find_last(const char *prefix) {
        for (size_t i = n_calls; i > 0; i--)
                if (strneq(calls[i - 1], prefix, strlen(prefix)))
                        return (int) i - 1;
        return -1;
}

static const struct sandbox_bind binds[] = {
        { .source = "/srv/blog",
          .target = "/var/www",
          .read_only = true,
          .recursive = true,
          .source_fd = -EBADF },
        { .source = "/var/lib/svc/state/blog",
          .target = "/var/lib/blog",
          .recursive = true,
          .source_fd = -EBADF },
};

static struct sandbox_spec tree_spec(void) {
        return (struct sandbox_spec){
                .name = "blog",
                .hostname = "blog",
                .tree = "/tree",
                .tree_label = "tree t",
                .binds = binds,
                .n_binds = ELEMENTSOF(binds),
                .private_network = true,
                .scratch_dir = "/scratch",
                .cgroup_fd = -1,
                .nsinit_fd = -1,
        };
}

static void test_mounts__order_for_a_tree(void **state _unused_) {
        struct sandbox_spec spec = tree_spec();
        struct sandbox_setup_error err = { 0 };
        assert_int_equal(sandbox_setup_root(&spec, NULL, &err), 0);
        assert_string_equal(calls[0], "mount - /"); /* MS_REC|MS_PRIVATE first */
        assert_int_equal(find("mount tmpfs /scratch"), 1);
        /* The tree is read-only before it is attached: it can never be written. */
        int open_tree = find("open_tree /tree"), setattr = find("mount_setattr /tree ro");
        int attach = find("move_mount /tree -> /scratch/root");
        assert_true(open_tree >= 0 && setattr > open_tree && attach > setattr);
        int proc = find("mount proc "), pivot = find("pivot_root");
        assert_true(find("mount tmpfs /dev") > proc && find("mount devpts /dev/pts") > proc);
        /* (Targets right under the root are recorded with the fake's full path.) */
        assert_true(find("mount tmpfs /scratch/root/tmp") > 0 && find("mount tmpfs /scratch/root/run") > 0);
        assert_true(find("mount tmpfs /var/tmp") > 0);
        assert_true(find("mount sysfs /scratch/root/sys ro") > 0);
        assert_true(find("move_mount /dev/null -> /proc/kcore") > proc); /* Docker's masks */
        assert_true(find("mount_setattr /proc/sys ro") > proc);
        int bind_www = find("move_mount /srv/blog -> "),
            bind_state = find("move_mount /var/lib/svc/state/blog");
        assert_true(proc > attach && bind_www > proc && bind_state > proc);
        assert_true(pivot > bind_www && pivot > bind_state);
        assert_int_equal(find("umount2 ."), pivot + 1);
        assert_true(find("mount - / remount ro") > pivot);
        assert_true(find_last("sethostname blog") > pivot);
        assert_int_equal(find("mkdir /tree"), -1); /* nothing made in the tree */
        assert_int_equal(find("create /tree"), -1);
}

static struct sandbox_premounts premounts(int *bindfds) {
        struct sandbox_premounts pre = { .tree = new_fd("pre-tree"),
                                         .overlay = -EBADF,
                                         .sys = -EBADF,
                                         .notify = new_fd("pre-notify"),
                                         .syslog = -EBADF,
                                         .binds = bindfds,
                                         .n_binds = 2 };
        for (size_t i = 0; i < ELEMENTSOF(pre.host); i++)
                pre.host[i] = -EBADF;
        return pre;
}

/* In a user namespace the child is root of a range that cannot walk svc's 0700 directories: the
 * scratch tmpfs is mounted before it becomes that root, and then everything of the host's comes
 * from the parent's detached mounts, nothing by path. */
static void test_mounts__user_namespace_moves_what_the_parent_opened(void **state _unused_) {
        struct sandbox_spec spec = tree_spec();
        spec.notify_socket = "/run/svc/notify/blog";
        int bindfds[2] = { new_fd("pre-bind0"), new_fd("pre-bind1") };
        struct sandbox_premounts pre = premounts(bindfds);
        struct sandbox_setup_error err = { 0 };
        assert_int_equal(sandbox_setup_root(&spec, &pre, &err), 0);
        int tmpfs = find("mount tmpfs /scratch"), cd = find("chdir /scratch"), gid = find("setresgid 0"),
            groups = find("setgroups 0"), uid = find("setresuid 0");
        assert_true(tmpfs > 0 && cd > tmpfs && gid > cd && groups > gid && uid > groups);
        assert_true(find("move_mount pre-tree -> ./root") > uid);
        assert_true(find("move_mount pre-bind0 -> ") > uid);
        assert_true(find("move_mount pre-bind1 -> ") > uid);
        assert_true(find("move_mount pre-notify -> ") > uid);
        assert_int_equal(find("open_tree /tree"), -1);
        assert_int_equal(find("open_tree /srv/blog"), -1);
        assert_int_equal(find("open_tree /var/lib/svc"), -1);
        assert_int_equal(find("open_tree /run/svc"), -1);
        assert_true(find("pivot_root") > uid);
}

static void test_mounts__user_namespace_root_failure_is_named(void **state _unused_) {
        struct sandbox_spec spec = tree_spec();
        int bindfds[2] = { new_fd("pre-bind0"), new_fd("pre-bind1") };
        struct sandbox_premounts pre = premounts(bindfds);
        struct sandbox_setup_error err = { 0 };
        snprintf(fail_call, sizeof(fail_call), "setresuid");
        fail_errno = EINVAL;
        assert_int_equal(sandbox_setup_root(&spec, &pre, &err), -EINVAL);
        assert_string_equal(err.what, "become root of the user namespace");
        assert_int_equal(find("move_mount"), -1);
}

static void test_mounts__binds_are_read_only_where_asked(void **state _unused_) {
        struct sandbox_spec spec = tree_spec();
        struct sandbox_setup_error err = { 0 };
        assert_int_equal(sandbox_setup_root(&spec, NULL, &err), 0);
        assert_true(find("mount_setattr /srv/blog ro") >= 0);
        assert_true(find("mount_setattr /var/lib/svc/state/blog ro") < 0);
        assert_true(find("mount_setattr /var/lib/svc/state/blog") >= 0);
}

/* A source the caller opened (StateDirectory=, without following symlinks) is bound only if its
 * path still leads to that directory: a symlink swapped in meanwhile leads elsewhere. */
static void test_mounts__bind_source_must_be_what_the_caller_opened(void **state _unused_) {
        struct sandbox_bind b[] = {
                { .source = "/var/lib/svc/state/pg",
                  .target = "/var/lib/pg",
                  .recursive = true,
                  .source_fd = new_fd("/var/lib/svc/state/pg") },
        };
        struct sandbox_spec spec = tree_spec();
        spec.binds = b;
        spec.n_binds = ELEMENTSOF(b);
        struct sandbox_setup_error err = { 0 };
        assert_int_equal(sandbox_setup_root(&spec, NULL, &err), 0);
        assert_true(find("move_mount /var/lib/svc/state/pg -> ") >= 0);

        n_calls = 0;
        b[0].source_fd = new_fd("/victim"); /* the path leads elsewhere now */
        assert_int_equal(sandbox_setup_root(&spec, NULL, &err), -ESTALE);
        assert_int_equal(err.err, ESTALE);
        assert_string_equal(err.path, "/var/lib/svc/state/pg");
        assert_int_equal(find("move_mount /var/lib/svc/state/pg"), -1);
        assert_int_equal(find("pivot_root"), -1);
}

static void test_mounts__missing_mount_point_uses_an_overlay(void **state _unused_) {
        snprintf(missing[n_missing++], sizeof(missing[0]), "/var/lib/blog");
        struct sandbox_spec spec = tree_spec();
        struct sandbox_setup_error err = { 0 };
        assert_int_equal(sandbox_setup_root(&spec, NULL, &err), 0);
        assert_int_equal(find("open_tree /tree"), -1);
        assert_true(find("mount overlay /scratch/root") >= 0);
        assert_true(find("mkdir /scratch/upper") >= 0);
        /* An overlay only for mount points is read-only in the end. */
        assert_true(find("mount - / remount ro") > find("pivot_root"));
}

static void test_mounts__failed_bind_names_it_and_stops(void **state _unused_) {
        snprintf(fail_call, sizeof(fail_call), "move_mount /srv/blog");
        fail_errno = EPERM;
        struct sandbox_spec spec = tree_spec();
        struct sandbox_setup_error err = { 0 };
        assert_int_equal(sandbox_setup_root(&spec, NULL, &err), -EPERM);
        assert_int_equal(err.err, EPERM);
        assert_string_equal(err.what, "bind");
        assert_string_equal(err.path, "/var/www");
        assert_int_equal(find("pivot_root"), -1);
}

static void test_mounts__bind_onto_a_symlink_is_refused(void **state _unused_) {
        snprintf(symlinks[n_symlinks++], sizeof(symlinks[0]), "/var/www");
        struct sandbox_spec spec = tree_spec();
        struct sandbox_setup_error err = { 0 };
        assert_int_equal(sandbox_setup_root(&spec, NULL, &err), -ELOOP);
        assert_string_equal(err.what, "bind onto a symlink");
        assert_string_equal(err.path, "/var/www");
        assert_int_equal(find("move_mount /srv/blog"), -1);
        assert_int_equal(find("pivot_root"), -1);
}

static void test_mounts__failed_private_stops_everything(void **state _unused_) {
        snprintf(fail_call, sizeof(fail_call), "mount - /");
        fail_errno = EINVAL;
        struct sandbox_spec spec = tree_spec();
        struct sandbox_setup_error err = { 0 };
        assert_int_equal(sandbox_setup_root(&spec, NULL, &err), -EINVAL);
        assert_int_equal(n_calls, 1);
}

static void test_mounts__host_view_binds_system_dirs_read_only(void **state _unused_) {
        struct sandbox_spec spec = tree_spec();
        spec.tree = NULL;
        struct sandbox_setup_error err = { 0 };
        assert_int_equal(sandbox_setup_root(&spec, NULL, &err), 0);
        assert_true(find("mount tmpfs /scratch/root") >= 0);
        assert_true(find("mount_setattr /usr ro") >= 0);
        assert_true(find("mount_setattr /etc ro") >= 0);
        /* The host's secrets are hidden behind /dev/null. */
        assert_true(find("move_mount /dev/null -> /etc/shadow") >= 0);
        assert_true(find("move_mount /dev/null -> /etc/gshadow") >= 0);
        assert_true(find("mount - / remount ro") > find("pivot_root"));
}

/* The service's own /var: an overlay on the tree's /var, mounted before /var/tmp and the state
 * directories so that they go on top; the tree is bound read-only as ever, never overlaid. */
static void test_mounts__var_layer_goes_under_binds(void **state _unused_) {
        const struct sandbox_path paths[] = {
                { .kind = SANDBOX_PATH_OVERLAY,
                  .path = "/var",
                  .dir = "/var/lib/svc/var/blog",
                  .dir_fd = -EBADF },
        };
        snprintf(missing[n_missing++], sizeof(missing[0]), "/var/lib/blog"); /* a mount point to make */
        struct sandbox_spec spec = tree_spec();
        spec.paths = paths;
        spec.n_paths = ELEMENTSOF(paths);
        struct sandbox_setup_error err = { 0 };
        assert_int_equal(sandbox_setup_root(&spec, NULL, &err), 0);
        assert_true(find("open_tree /tree") >= 0); /* no overlay over the whole tree */
        assert_int_equal(find("mount overlay /scratch/root "), -1);
        int layer = find("mount overlay /scratch/root/var");
        assert_true(layer > find("move_mount /tree -> /scratch/root"));
        assert_true(find("mkdir /var/lib/svc/var/blog/upper") < layer);
        assert_true(find("mkdir /var/lib/svc/var/blog/work") < layer);
        /* It shows the owner and mode of the /var it covers. */
        assert_true(find("chmod /var/lib/svc/var/blog/upper") < layer);
        assert_true(find("mount tmpfs /var/tmp") > layer);
        assert_true(find("move_mount /var/lib/svc/state/blog") > layer);
        assert_int_equal(find("mkdir /tree"), -1);
}

/* A layer's directory that is no longer the one svcd opened is refused. */
static void test_mounts__layer_dir_must_be_what_svcd_opened(void **state _unused_) {
        const struct sandbox_path paths[] = {
                { .kind = SANDBOX_PATH_OVERLAY,
                  .path = "/etc/redis",
                  .dir = "/var/lib/svc/paths/r/etc-redis",
                  .dir_fd = new_fd("/victim") },
        };
        struct sandbox_spec spec = tree_spec();
        spec.paths = paths;
        spec.n_paths = ELEMENTSOF(paths);
        struct sandbox_setup_error err = { 0 };
        assert_int_equal(sandbox_setup_root(&spec, NULL, &err), -ESTALE);
        assert_string_equal(err.path, "/var/lib/svc/paths/r/etc-redis");
        assert_int_equal(find("mount overlay"), -1);
        assert_int_equal(find("pivot_root"), -1);
}

/* ReadOnlyPaths=/ with ReadWritePaths= below it and InaccessiblePaths=: what is kept is copied
 * before the root is made read-only and put back on top; all of it before pivot_root. */
static void test_mounts__restrictions_after_binds_in_order(void **state _unused_) {
        const struct sandbox_path paths[] = {
                { .kind = SANDBOX_PATH_READ_ONLY, .path = "/" },
                { .kind = SANDBOX_PATH_NO_EXEC, .path = "/srv" },
                { .kind = SANDBOX_PATH_KEEP, .path = "/var/lib/x" },
                { .kind = SANDBOX_PATH_INACCESSIBLE, .path = "/home" },
                { .kind = SANDBOX_PATH_INACCESSIBLE, .path = "/etc/shadow" },
                { .kind = SANDBOX_PATH_INACCESSIBLE, .path = "/gone", .optional = true },
        };
        snprintf(missing[n_missing++], sizeof(missing[0]), "/gone");
        struct sandbox_spec spec = tree_spec();
        spec.paths = paths;
        spec.n_paths = ELEMENTSOF(paths);
        struct sandbox_setup_error err = { 0 };
        assert_int_equal(sandbox_setup_root(&spec, NULL, &err), 0);
        int bound = find("move_mount /var/lib/svc/state/blog"), copy = find("open_tree /var/lib/x");
        int ro = find("mount_setattr /scratch/root ro"), back = find("move_mount /var/lib/x -> /var/lib/x");
        int noexec = find("move_mount /srv -> /srv");
        int home = find("move_mount /scratch/inaccessible-dir -> /home");
        int shadow = find("move_mount /scratch/inaccessible-file -> /etc/shadow");
        assert_true(bound >= 0 && copy > bound && ro > copy && noexec > ro && back > noexec);
        assert_true(home > back && shadow > home && find("pivot_root") > shadow);
        assert_true(find("mkdir /scratch/inaccessible-dir") >= 0);
        assert_true(find("create /scratch/inaccessible-file") >= 0);
        assert_int_equal(find("move_mount /scratch/inaccessible-dir -> /gone"), -1);
}

/* A path a key names that is missing fails the start, unless written with '-'. */
static void test_mounts__missing_path_fails_unless_optional(void **state _unused_) {
        const struct sandbox_path paths[] = { { .kind = SANDBOX_PATH_READ_ONLY, .path = "/nope" } };
        snprintf(missing[n_missing++], sizeof(missing[0]), "/nope");
        struct sandbox_spec spec = tree_spec();
        spec.paths = paths;
        spec.n_paths = ELEMENTSOF(paths);
        struct sandbox_setup_error err = { 0 };
        assert_int_equal(sandbox_setup_root(&spec, NULL, &err), -ENOENT);
        assert_string_equal(err.what, "make read-only");
        assert_string_equal(err.path, "/nope");
        assert_int_equal(find("pivot_root"), -1);
}

/* TemporaryFileSystem=PATH:ro is mounted writable with the layers (mount points go in it), and
 * made read-only after the binds. */
static void test_mounts__tmpfs_read_only_at_the_end(void **state _unused_) {
        const struct sandbox_path paths[] = {
                { .kind = SANDBOX_PATH_TMPFS, .path = "/opt", .read_only = true, .options = "mode=0700" },
        };
        struct sandbox_spec spec = tree_spec();
        spec.paths = paths;
        spec.n_paths = ELEMENTSOF(paths);
        struct sandbox_setup_error err = { 0 };
        assert_int_equal(sandbox_setup_root(&spec, NULL, &err), 0);
        int tmpfs = find("mount tmpfs /scratch/root/opt"), ro = find("mount_setattr /opt ro");
        assert_true(tmpfs >= 0 && tmpfs < find("mount proc "));
        assert_true(ro > find("move_mount /var/lib/svc/state/blog") && ro < find("pivot_root"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup(test_mounts__order_for_a_tree, setup),
                cmocka_unit_test_setup(test_mounts__binds_are_read_only_where_asked, setup),
                cmocka_unit_test_setup(test_mounts__user_namespace_moves_what_the_parent_opened, setup),
                cmocka_unit_test_setup(test_mounts__user_namespace_root_failure_is_named, setup),
                cmocka_unit_test_setup(test_mounts__bind_source_must_be_what_the_caller_opened, setup),
                cmocka_unit_test_setup(test_mounts__missing_mount_point_uses_an_overlay, setup),
                cmocka_unit_test_setup(test_mounts__failed_bind_names_it_and_stops, setup),
                cmocka_unit_test_setup(test_mounts__bind_onto_a_symlink_is_refused, setup),
                cmocka_unit_test_setup(test_mounts__failed_private_stops_everything, setup),
                cmocka_unit_test_setup(test_mounts__host_view_binds_system_dirs_read_only, setup),
                cmocka_unit_test_setup(test_mounts__var_layer_goes_under_binds, setup),
                cmocka_unit_test_setup(test_mounts__layer_dir_must_be_what_svcd_opened, setup),
                cmocka_unit_test_setup(test_mounts__restrictions_after_binds_in_order, setup),
                cmocka_unit_test_setup(test_mounts__missing_path_fails_unless_optional, setup),
                cmocka_unit_test_setup(test_mounts__tmpfs_read_only_at_the_end, setup),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
