/* SPDX-License-Identifier: MIT */
/* The tree as one image layer: an uncompressed tar written with libarchive, the same bytes for
 * the same tree generation (entries sorted by name, owners numeric, mtimes only, no user or group
 * names), so that every service exported from one tree shares the layer's digest and blob. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/export/export.h"

static void archive_write_freep(struct archive **a) {
        if (*a)
                archive_write_free(*a);
}

static void archive_entry_freep(struct archive_entry **e) {
        if (*e)
                archive_entry_free(*e);
}

static int copy_data(struct archive *a, int fd) {
        char buf[64 * 1024];
        for (;;) {
                ssize_t n = read(fd, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return n < 0 ? -errno : 0;
                if (archive_write_data(a, buf, (size_t) n) != n)
                        return -EIO;
        }
}

static int write_entry(struct archive *a, int dir_fd, const char *name, const char *path,
                       const struct stat *st) {
        _cleanup_(archive_entry_freep) struct archive_entry *e = archive_entry_new();
        if (!e)
                return -ENOMEM;
        archive_entry_set_pathname(e, path);
        archive_entry_set_mode(e, st->st_mode);
        archive_entry_set_uid(e, st->st_uid);
        archive_entry_set_gid(e, st->st_gid);
        archive_entry_set_mtime(e, st->st_mtim.tv_sec, 0);
        char target[4096];
        _cleanup_close_ int fd = -EBADF;
        if (S_ISLNK(st->st_mode)) {
                ssize_t n = readlinkat(dir_fd, name, target, sizeof(target) - 1);
                if (n < 0)
                        return -errno;
                target[n] = '\0';
                archive_entry_set_symlink(e, target);
        } else if (S_ISREG(st->st_mode)) {
                fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
                archive_entry_set_size(e, st->st_size);
        }
        if (archive_write_header(a, e) != ARCHIVE_OK)
                return -EIO;
        return fd >= 0 ? copy_data(a, fd) : 0;
}

/* Everything below the directory DIR_FD (PREFIX its path in the archive), sorted by name. Only
 * directories, regular files and symlinks: a tree holds no device nodes, sockets or FIFOs. */
static int write_dir(struct archive *a, int dir_fd, const char *prefix) {
        struct dirent **names = NULL;
        int n = scandirat(dir_fd, ".", &names, NULL, alphasort), r = n < 0 ? -errno : 0;
        for (int i = 0; i < n; i++) {
                const char *name = names[i]->d_name;
                struct stat st;
                _cleanup_free_ char *path = NULL;
                if (r < 0 || streq(name, ".") || streq(name, ".."))
                        continue;
                if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                    asprintf(&path, "%s%s", prefix, name) < 0)
                        r = -errno;
                else if (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))
                        r = write_entry(a, dir_fd, name, path, &st);
                if (r >= 0 && S_ISDIR(st.st_mode)) {
                        _cleanup_close_ int sub =
                                openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        _cleanup_free_ char *sub_prefix = NULL;
                        r = sub < 0 || asprintf(&sub_prefix, "%s/", path) < 0 ? -errno
                                                                              : write_dir(a, sub, sub_prefix);
                }
        }
        for (int i = 0; i < n; i++)
                free(names[i]);
        free(names);
        return r;
}

int export_layer_write(const struct export_ctx *c, int fd) {
        _cleanup_(archive_write_freep) struct archive *a = archive_write_new();
        if (!a)
                return -ENOMEM;
        if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
            archive_write_open_fd(a, fd) != ARCHIVE_OK)
                return -EIO;
        _cleanup_close_ int root = open(c->tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return -errno;
        int r = write_dir(a, root, "");
        if (r >= 0 && archive_write_close(a) != ARCHIVE_OK)
                r = -EIO;
        return r;
}
