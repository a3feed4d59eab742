/* SPDX-License-Identifier: MIT */
#include "sandbox/sys.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

static int ret(long r) {
        return r < 0 ? -errno : (int) r;
}

int sys_mount(const char *source, const char *target, const char *fstype, unsigned long flags,
              const char *data) {
        return ret(mount(source, target, fstype, flags, data));
}

int sys_umount2(const char *target, int flags) {
        return ret(umount2(target, flags));
}

int sys_pivot_root(const char *new_root, const char *put_old) {
        return ret(syscall(SYS_pivot_root, new_root, put_old));
}

int sys_open_tree(int dirfd, const char *path, unsigned flags) {
        return ret(syscall(SYS_open_tree, dirfd, path, flags));
}

int sys_move_mount(int from_dirfd, const char *from_path, int to_dirfd, const char *to_path, unsigned flags) {
        return ret(syscall(SYS_move_mount, from_dirfd, from_path, to_dirfd, to_path, flags));
}

int sys_mount_setattr(int dirfd, const char *path, unsigned flags, uint64_t attr_set, uint64_t attr_clr) {
        struct mount_attr a = { .attr_set = attr_set, .attr_clr = attr_clr };
        return ret(syscall(SYS_mount_setattr, dirfd, path, flags, &a, sizeof(a)));
}

int sys_openat2(int dirfd, const char *path, int flags, mode_t mode, uint64_t resolve) {
        struct open_how how = { .flags = (uint64_t) flags, .mode = mode, .resolve = resolve };
        return ret(syscall(SYS_openat2, dirfd, path, &how, sizeof(how)));
}

int sys_openat(int dirfd, const char *path, int flags, mode_t mode) {
        return ret(openat(dirfd, path, flags, mode));
}

int sys_mkdirat(int dirfd, const char *path, mode_t mode) {
        return ret(mkdirat(dirfd, path, mode));
}

int sys_symlinkat(const char *target, int dirfd, const char *path) {
        return ret(symlinkat(target, dirfd, path));
}

int sys_fstatat(int dirfd, const char *path, struct stat *st, int flags) {
        return ret(fstatat(dirfd, path, st, flags));
}

int sys_fchownat(int dirfd, const char *path, uid_t uid, gid_t gid, int flags) {
        return ret(fchownat(dirfd, path, uid, gid, flags));
}

int sys_fchmodat(int dirfd, const char *path, mode_t mode, int flags) {
        return ret(fchmodat(dirfd, path, mode, flags));
}

int sys_fchdir(int fd) {
        return ret(fchdir(fd));
}

int sys_chdir(const char *path) {
        return ret(chdir(path));
}

int sys_sethostname(const char *name) {
        return ret(sethostname(name, strlen(name)));
}

int sys_close(int fd) {
        return ret(close(fd));
}

/* Raw syscalls: the child of clone3 has one thread, but libc still counts svcd's and would try
 * to change the credentials of all of them. */
int sys_setresuid(uid_t r, uid_t e, uid_t s) {
        return ret(syscall(SYS_setresuid, r, e, s));
}

int sys_setresgid(gid_t r, gid_t e, gid_t s) {
        return ret(syscall(SYS_setresgid, r, e, s));
}

int sys_setgroups(size_t n, const gid_t *groups) {
        return ret(syscall(SYS_setgroups, n, groups));
}
