/* SPDX-License-Identifier: MIT */
#pragma once

/* The seam: every syscall of the sandbox setup goes through these, so that a unit test can link
 * its own versions to check the order of operations and inject errors (dinit's bp_sys). They
 * return >= 0 or -errno. */

#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

int sys_mount(const char *source, const char *target, const char *fstype, unsigned long flags,
              const char *data);
int sys_umount2(const char *target, int flags);
int sys_pivot_root(const char *new_root, const char *put_old);
int sys_open_tree(int dirfd, const char *path, unsigned flags);
int sys_move_mount(int from_dirfd, const char *from_path, int to_dirfd, const char *to_path, unsigned flags);
int sys_mount_setattr(int dirfd, const char *path, unsigned flags, uint64_t attr_set, uint64_t attr_clr);
int sys_openat2(int dirfd, const char *path, int flags, mode_t mode, uint64_t resolve);
int sys_openat(int dirfd, const char *path, int flags, mode_t mode);
int sys_mkdirat(int dirfd, const char *path, mode_t mode);
int sys_symlinkat(const char *target, int dirfd, const char *path);
int sys_fstatat(int dirfd, const char *path, struct stat *st, int flags);
int sys_fchownat(int dirfd, const char *path, uid_t uid, gid_t gid, int flags);
int sys_fchmodat(int dirfd, const char *path, mode_t mode, int flags);
int sys_fchdir(int fd);
int sys_chdir(const char *path);
int sys_sethostname(const char *name);
int sys_close(int fd);
int sys_setresuid(uid_t r, uid_t e, uid_t s);
int sys_setresgid(gid_t r, gid_t e, gid_t s);
int sys_setgroups(size_t n, const gid_t *groups);
