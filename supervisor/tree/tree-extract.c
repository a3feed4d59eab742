/* SPDX-License-Identifier: MIT */
/* Archives into a tree, through libarchive, as hostile input. Every entry is written relative to
 * a directory descriptor of its parent, which is reached from the tree's root one component at a
 * time with O_NOFOLLOW: so no symlink, whether the archive planted it a moment ago or a lower
 * layer did, ever redirects a write, and a name never climbs out (".." is refused, a leading '/'
 * dropped as tar does). An entry whose parent is a symlink is refused, wherever it points: layers
 * name real paths, and only a crafted archive writes through a link. A hardlink's target is
 * reached the same way, so it is a file of the tree. Symlinks themselves are made as they are
 * (absolute ones are common in images): the tree is the root of whoever follows them later, and
 * svcd resolves paths inside it. Device nodes are refused (the sandbox has its own /dev), FIFOs
 * allowed, setuid and setgid bits dropped unless asked for; extended attributes, file
 * capabilities among them, are not written.
 *
 * Whiteouts (OCI image spec, layer.md): ".wh.NAME" removes NAME of the lower layers and
 * ".wh..wh..opq" empties its directory of them, whatever their order in the layer: they are
 * applied in a first pass over the layer, before any of its own entries is written. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/tree/tree.h"

#define WH_PREFIX ".wh."
#define WH_META ".wh..wh."
#define WH_OPAQUE ".wh..wh..opq"
#define BLOCK_SIZE (64 * 1024)

static void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

static void archive_freep(struct archive **a) {
        if (*a)
                archive_read_free(*a);
}

/* ---- names ----------------------------------------------------------------------------------- */

int tree_path_normalize(const char *name, char **ret) {
        if (strlen(name) >= PATH_MAX)
                return -ENAMETOOLONG;
        _cleanup_free_ char *copy = strdup(name), *out = malloc(strlen(name) + 1);
        if (!copy || !out)
                return -ENOMEM;
        char *save = NULL, *p = out;
        unsigned depth = 0;
        for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                if (streq(c, "."))
                        continue;
                if (streq(c, ".."))
                        return -EXDEV;
                if (++depth > TREE_DEPTH_MAX)
                        return -ENAMETOOLONG;
                if (p != out)
                        *p++ = '/';
                p = stpcpy(p, c);
        }
        *p = '\0';
        *ret = TAKE_PTR(out);
        return 0;
}

/* "dir/leaf" into "dir" ("" at the top) and "leaf", in place. */
static const char *split(char *path, const char **ret_leaf) {
        char *slash = strrchr(path, '/');
        if (!slash) {
                *ret_leaf = path;
                return "";
        }
        *slash = '\0';
        *ret_leaf = slash + 1;
        return path;
}

int tree_whiteout_parse(const char *path, enum tree_whiteout *ret_kind, char **ret_target) {
        const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
        size_t dir_len = slash ? (size_t) (slash - path) : 0;
        char *target = NULL;
        if (!strneq(base, WH_PREFIX, strlen(WH_PREFIX))) {
                *ret_kind = TREE_WHITEOUT_NONE;
                return 0;
        }
        if (streq(base, WH_OPAQUE) || strneq(base, WH_META, strlen(WH_META))) {
                *ret_kind = streq(base, WH_OPAQUE) ? TREE_WHITEOUT_OPAQUE : TREE_WHITEOUT_META;
                target = strndup(path, dir_len);
        } else {
                const char *victim = base + strlen(WH_PREFIX);
                if (!victim[0] || streq(victim, ".") || streq(victim, ".."))
                        return -EINVAL;
                if (asprintf(&target, "%.*s%s%s", (int) dir_len, path, slash ? "/" : "", victim) < 0)
                        target = NULL;
                *ret_kind = TREE_WHITEOUT_FILE;
        }
        if (!target)
                return -ENOMEM;
        *ret_target = target;
        return 0;
}

/* NAME for a sentence: control characters escaped. */
static char *printable(const char *name) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        if (!f)
                return NULL;
        for (const unsigned char *c = (const unsigned char *) name; *c; c++)
                if (*c < 0x20 || *c == 0x7f || *c == '\\')
                        fprintf(f, "\\x%02x", *c);
                else
                        fputc(*c, f);
        return fclose(f) == 0 ? buf : mfree(buf);
}

static int fail(struct tree_writer *w, int r, const char *entry, const char *format, ...) _printf_(4, 5);
static int fail(struct tree_writer *w, int r, const char *entry, const char *format, ...) {
        _cleanup_free_ char *what = NULL, *name = entry ? printable(entry) : NULL;
        va_list ap;
        va_start(ap, format);
        int k = vasprintf(&what, format, ap);
        va_end(ap);
        if (k < 0)
                return -ENOMEM;
        free(w->error);
        if (name)
                k = asprintf(&w->error, "%s: entry '%s' %s", w->what, name, what);
        else
                k = asprintf(&w->error, "%s: %s", w->what, what);
        if (k < 0)
                w->error = NULL;
        return r;
}

void tree_writer_done(struct tree_writer *w) {
        free(w->error);
        free(w->parent);
        w->error = w->parent = NULL;
        w->parent_fd = safe_close(w->parent_fd);
}

/* ---- removal ----------------------------------------------------------------------------------- */

static int rm_children(int fd, dev_t dev, unsigned depth) {
        if (depth > TREE_DEPTH_MAX + 16)
                return -ELOOP;
        int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        _cleanup_(closedirp) DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
        if (!d) {
                safe_close(dup_fd);
                return -errno;
        }
        int r = 0;
        for (struct dirent *de; (de = readdir(d));) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                struct stat st;
                if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (!S_ISDIR(st.st_mode)) {
                        if (unlinkat(fd, de->d_name, 0) < 0 && errno != ENOENT)
                                r = -errno;
                        continue;
                }
                if (st.st_dev != dev) /* a mount point: never remove what is mounted there */
                        return -EBUSY;
                _cleanup_close_ int sub =
                        openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                int k = sub < 0 ? -errno : rm_children(sub, dev, depth + 1);
                if (k >= 0 && unlinkat(fd, de->d_name, AT_REMOVEDIR) < 0)
                        k = -errno;
                if (k < 0)
                        return k;
        }
        return r;
}

int tree_rm_rf_at(int dir_fd, const char *name) {
        struct stat st;
        if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (!S_ISDIR(st.st_mode))
                return unlinkat(dir_fd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
        _cleanup_close_ int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        int r = rm_children(fd, st.st_dev, 0);
        if (r < 0)
                return r;
        return unlinkat(dir_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT ? -errno : 0;
}

/* ---- reaching a directory of the tree -------------------------------------------------------- */

/* Opens DIR (normalized; "" is the root) from the tree's root, component by component, never
 * following a symlink; with CREATE, missing directories are made (0755, as tar does). A new
 * descriptor, or -ENOENT (without CREATE) and -errno with the sentence set. */
static int walk(struct tree_writer *w, const char *entry, const char *dir, bool create, bool link) {
        _cleanup_free_ char *copy = strdup(dir);
        _cleanup_close_ int fd = fcntl(w->root_fd, F_DUPFD_CLOEXEC, 3);
        if (!copy || fd < 0)
                return copy ? -errno : -ENOMEM;
        char *save = NULL;
        for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                int next = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (next < 0 && errno == ENOENT && create && (mkdirat(fd, c, 0755) >= 0 || errno == EEXIST))
                        next = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (next >= 0) {
                        safe_close(fd);
                        fd = next;
                        continue;
                }
                int e = errno;
                struct stat st;
                const char *upto = strndupa(dir, (size_t) (c - copy) + strlen(c));
                if (fstatat(fd, c, &st, AT_SYMLINK_NOFOLLOW) >= 0 && S_ISLNK(st.st_mode))
                        return fail(w, -ELOOP, entry,
                                    "%sgoes through %s, a symbolic link: nothing is written through one",
                                    link ? "is a hardlink to a path that " : "", upto);
                if (e == ENOENT && !create)
                        return -ENOENT;
                if (e == ENOTDIR)
                        return fail(w, -ENOTDIR, entry, "%sgoes through %s, which is not a directory",
                                    link ? "is a hardlink to a path that " : "", upto);
                return fail(w, -e, entry, "cannot open %s: %s", upto, strerror(e));
        }
        return TAKE_FD(fd);
}

/* The entry's parent, kept open for the entries after it, which are mostly its siblings. Every
 * removal is of a child of this directory, so the descriptor never points into a removed part. */
static int open_parent(struct tree_writer *w, const char *entry, const char *dir) {
        if (w->parent && streq(w->parent, dir))
                return w->parent_fd;
        w->parent = mfree(w->parent);
        w->parent_fd = safe_close(w->parent_fd);
        int fd = walk(w, entry, dir, true, false);
        if (fd < 0)
                return fd;
        w->parent = strdup(dir);
        if (!w->parent) {
                safe_close(fd);
                return -ENOMEM;
        }
        return w->parent_fd = fd;
}

/* Makes room for LEAF: an existing directory stays when a directory comes (its attributes are
 * replaced), anything else goes, as layer.md says. 1 when a directory stays. */
static int clear_leaf(struct tree_writer *w, const char *entry, int pfd, const char *leaf, bool dir) {
        struct stat st;
        if (fstatat(pfd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : fail(w, -errno, entry, "cannot be looked at: %m");
        if (dir && S_ISDIR(st.st_mode))
                return 1;
        int r = tree_rm_rf_at(pfd, leaf);
        return r < 0 ? fail(w, r, entry, "cannot replace what is there: %s", strerror(-r)) : 0;
}

/* ---- entries --------------------------------------------------------------------------------- */

static int entry_mode(struct tree_writer *w, struct archive_entry *e, bool dir) {
        mode_t mode = archive_entry_perm(e) & 07777;
        if (!dir && !w->keep_setuid && (mode & (S_ISUID | S_ISGID))) {
                mode &= ~(mode_t) (S_ISUID | S_ISGID);
                w->stripped++;
        }
        return (int) mode;
}

static int entry_owner(struct tree_writer *w, struct archive_entry *e, const char *entry, uid_t *uid,
                       gid_t *gid) {
        int64_t u = archive_entry_uid(e), g = archive_entry_gid(e);
        if (u < 0 || g < 0 || u >= (int64_t) UINT32_MAX || g >= (int64_t) UINT32_MAX)
                return fail(w, -ERANGE, entry, "has an owner out of range (%lld:%lld)", (long long) u,
                            (long long) g);
        *uid = (uid_t) u;
        *gid = (gid_t) g;
        return 0;
}

static void entry_times(struct archive_entry *e, struct timespec ts[2]) {
        ts[0] = (struct timespec){ archive_entry_mtime(e), archive_entry_mtime_nsec(e) };
        ts[1] = ts[0];
}

/* Owner, then mode (chown clears setuid bits), then times, on an open descriptor. */
static int set_attrs(struct tree_writer *w, struct archive_entry *e, const char *entry, int fd, bool dir) {
        uid_t uid = 0;
        gid_t gid = 0;
        struct timespec ts[2];
        int r = entry_owner(w, e, entry, &uid, &gid);
        if (r < 0)
                return r;
        entry_times(e, ts);
        if (fchown(fd, uid, gid) < 0 || fchmod(fd, (mode_t) entry_mode(w, e, dir)) < 0 ||
            futimens(fd, ts) < 0)
                return fail(w, -errno, entry, "cannot be given its owner, mode and time: %m");
        return 0;
}

/* 256K, 16G: a cap as the option takes it. */
static const char *format_cap(char buf[static 32], uint64_t v) {
        static const char suffix[] = "TGMK";
        for (size_t i = 0; i < 4; i++) {
                uint64_t unit = 1ULL << (10 * (4 - i));
                if (v >= unit && v % unit == 0) {
                        snprintf(buf, 32, "%llu%c", (unsigned long long) (v / unit), suffix[i]);
                        return buf;
                }
        }
        snprintf(buf, 32, "%llu bytes", (unsigned long long) v);
        return buf;
}

/* Counts a file's data up to END (what it declares before anything is written, so that a sparse
 * file's holes count too; more if its data goes past that) against the cap. */
static int charge(struct tree_writer *w, uint64_t *charged, uint64_t end) {
        char buf[32];
        if (end <= *charged)
                return 0;
        uint64_t more = end - *charged;
        *charged = end;
        if (w->max_bytes > 0 && (w->bytes > w->max_bytes || more > w->max_bytes - w->bytes))
                return fail(w, -EFBIG, NULL, "holds more than %s of files (--max-size)",
                            format_cap(buf, w->max_bytes));
        w->bytes += more;
        return 0;
}

static int write_data(struct tree_writer *w, struct archive *a, struct archive_entry *e, const char *entry,
                      int fd) {
        uint64_t charged = 0;
        int64_t declared = archive_entry_size_is_set(e) ? archive_entry_size(e) : 0;
        int k = charge(w, &charged, declared > 0 ? (uint64_t) declared : 0);
        if (k < 0)
                return k;
        for (;;) {
                const void *buf;
                size_t size;
                la_int64_t offset;
                int r = archive_read_data_block(a, &buf, &size, &offset);
                if (r == ARCHIVE_EOF)
                        break;
                if (r < ARCHIVE_WARN)
                        return fail(w, -EIO, entry, "cannot be read: %s", archive_error_string(a));
                if (offset < 0 || (uint64_t) offset > UINT64_MAX - size)
                        return fail(w, -EIO, entry, "cannot be read: a block at offset %lld",
                                    (long long) offset);
                if ((k = charge(w, &charged, (uint64_t) offset + size)) < 0)
                        return k;
                for (size_t done = 0; done < size;) {
                        ssize_t n = pwrite(fd, (const char *) buf + done, size - done,
                                           (off_t) offset + (off_t) done);
                        if (n < 0)
                                return fail(w, -errno, entry, "cannot be written: %m");
                        done += (size_t) n;
                }
        }
        /* A sparse file may end in a hole. */
        if (archive_entry_size_is_set(e) && ftruncate(fd, (off_t) archive_entry_size(e)) < 0)
                return fail(w, -errno, entry, "cannot be written: %m");
        return 0;
}

static int make_file(struct tree_writer *w, struct archive *a, struct archive_entry *e, const char *entry,
                     int pfd, const char *leaf) {
        _cleanup_close_ int fd =
                openat(pfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return fail(w, -errno, entry, "cannot be made: %m");
        int r = write_data(w, a, e, entry, fd);
        return r < 0 ? r : set_attrs(w, e, entry, fd, false);
}

static int make_dir(struct tree_writer *w, struct archive_entry *e, const char *entry, int pfd,
                    const char *leaf) {
        if (mkdirat(pfd, leaf, 0700) < 0 && errno != EEXIST)
                return fail(w, -errno, entry, "cannot be made: %m");
        _cleanup_close_ int fd = openat(pfd, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return fail(w, -errno, entry, "cannot be opened: %m");
        return set_attrs(w, e, entry, fd, true);
}

/* Symlinks and FIFOs have no descriptor to set attributes on: by name, never following. */
static int set_attrs_at(struct tree_writer *w, struct archive_entry *e, const char *entry, int pfd,
                        const char *leaf, bool link) {
        uid_t uid = 0;
        gid_t gid = 0;
        struct timespec ts[2];
        int r = entry_owner(w, e, entry, &uid, &gid);
        if (r < 0)
                return r;
        entry_times(e, ts);
        if (fchownat(pfd, leaf, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 ||
            (!link && fchmodat(pfd, leaf, (mode_t) entry_mode(w, e, false), 0) < 0) ||
            utimensat(pfd, leaf, ts, AT_SYMLINK_NOFOLLOW) < 0)
                return fail(w, -errno, entry, "cannot be given its owner, mode and time: %m");
        return 0;
}

static int make_special(struct tree_writer *w, struct archive_entry *e, const char *entry, int pfd,
                        const char *leaf) {
        bool link = archive_entry_filetype(e) == AE_IFLNK;
        const char *target = link ? archive_entry_symlink(e) : NULL;
        if (link && isempty(target))
                return fail(w, -EINVAL, entry, "is a symbolic link to nothing");
        if (link ? symlinkat(target, pfd, leaf) < 0 : mknodat(pfd, leaf, S_IFIFO | 0600, 0) < 0)
                return fail(w, -errno, entry, "cannot be made: %m");
        return set_attrs_at(w, e, entry, pfd, leaf, link);
}

/* A hardlink: its target, reached like any entry's path, must be a file the tree already has. */
static int make_hardlink(struct tree_writer *w, const char *entry, const char *path, int pfd,
                         const char *leaf, const char *link) {
        _cleanup_free_ char *target = NULL, *shown = printable(link);
        if (!shown)
                return -ENOMEM;
        int r = tree_path_normalize(link, &target);
        if (r == -EXDEV)
                return fail(w, r, entry, "is a hardlink to %s, which leaves the tree ('..')", shown);
        if (r < 0 || isempty(target))
                return fail(w, r < 0 ? r : -EINVAL, entry, "is a hardlink to %s, which is no file", shown);
        if (streq(target, path))
                return 0;
        const char *tleaf, *tdir = split(target, &tleaf);
        _cleanup_close_ int tfd = walk(w, entry, tdir, false, true);
        struct stat st;
        if (tfd == -ENOENT || (tfd >= 0 && fstatat(tfd, tleaf, &st, AT_SYMLINK_NOFOLLOW) < 0))
                return fail(w, -ENOENT, entry, "is a hardlink to %s, which the tree does not have", shown);
        if (tfd < 0)
                return tfd;
        if (S_ISDIR(st.st_mode))
                return fail(w, -EPERM, entry, "is a hardlink to %s, a directory", shown);
        r = clear_leaf(w, entry, pfd, leaf, false);
        if (r >= 0 && linkat(tfd, tleaf, pfd, leaf, 0) < 0)
                r = fail(w, -errno, entry, "cannot be linked to %s: %m", shown);
        return r;
}

static int apply_entry(struct tree_writer *w, struct archive *a, struct archive_entry *e, const char *entry,
                       const char *path) {
        mode_t type = archive_entry_filetype(e);
        const char *link = archive_entry_hardlink(e), *slash = strrchr(path, '/'),
                   *leaf = slash ? slash + 1 : path;
        const char *dir = slash ? strndupa(path, (size_t) (slash - path)) : "";
        if (!link && (type == AE_IFCHR || type == AE_IFBLK))
                return fail(w, -EPERM, entry,
                            "is a device node; svc makes none in a tree (the sandbox has "
                            "its own /dev)");
        if (!link && type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK && type != AE_IFIFO)
                return fail(w, -EPERM, entry, "is of a kind svc does not make in a tree (socket or unknown)");
        int pfd = open_parent(w, entry, dir);
        if (pfd < 0)
                return pfd;
        if (link)
                return make_hardlink(w, entry, path, pfd, leaf, link);
        int r = clear_leaf(w, entry, pfd, leaf, type == AE_IFDIR);
        if (r < 0)
                return r;
        if (type == AE_IFREG)
                return make_file(w, a, e, entry, pfd, leaf);
        if (type == AE_IFDIR)
                return make_dir(w, e, entry, pfd, leaf);
        return make_special(w, e, entry, pfd, leaf);
}

/* ---- whiteouts --------------------------------------------------------------------------------- */

static int empty_dir(struct tree_writer *w, const char *entry, int fd) {
        int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
        if (!d) {
                safe_close(dup_fd);
                return fail(w, -errno, entry, "cannot empty its directory: %m");
        }
        int r = 0;
        for (struct dirent *de; r >= 0 && (de = readdir(d));)
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        r = tree_rm_rf_at(fd, de->d_name);
        closedir(d);
        return r < 0 ? fail(w, r, entry, "cannot empty its directory: %s", strerror(-r)) : 0;
}

static int apply_whiteout(struct tree_writer *w, const char *entry, enum tree_whiteout kind, char *target) {
        const char *leaf = NULL, *dir = kind == TREE_WHITEOUT_FILE ? split(target, &leaf) : target;
        _cleanup_close_ int fd = walk(w, entry, dir, false, false);
        if (fd == -ENOENT)
                return 0; /* nothing below to hide */
        if (fd < 0)
                return fd;
        if (kind == TREE_WHITEOUT_OPAQUE)
                return empty_dir(w, entry, fd);
        int r = tree_rm_rf_at(fd, leaf);
        return r < 0 ? fail(w, r, entry, "cannot remove %s: %s", target, strerror(-r)) : 0;
}

/* ---- the archive ------------------------------------------------------------------------------ */

static int open_archive(int fd, struct archive **ret) {
        if (lseek(fd, 0, SEEK_SET) < 0 && errno != ESPIPE)
                return -errno;
        struct archive *a = archive_read_new();
        if (!a)
                return -ENOMEM;
        if (archive_read_support_filter_all(a) < ARCHIVE_WARN ||
            archive_read_support_format_tar(a) != ARCHIVE_OK ||
            archive_read_support_format_empty(a) != ARCHIVE_OK ||
            archive_read_open_fd(a, fd, BLOCK_SIZE) != ARCHIVE_OK) {
                *ret = a;
                return -EIO;
        }
        *ret = a;
        return 0;
}

/* One entry of pass WHITEOUTS (only whiteouts act) or of the pass that writes (whiteouts skip). */
static int one_entry(struct tree_writer *w, struct archive *a, struct archive_entry *e, bool whiteouts) {
        const char *entry = archive_entry_pathname(e);
        _cleanup_free_ char *path = NULL, *target = NULL;
        enum tree_whiteout kind = TREE_WHITEOUT_NONE;
        if (!entry)
                return fail(w, -EINVAL, NULL, "an entry has no name");
        int r = tree_path_normalize(entry, &path);
        if (r == -EXDEV)
                return fail(w, r, entry, "would leave the tree ('..')");
        if (r == -ENAMETOOLONG)
                return fail(w, r, entry, "is too long or nested too deep");
        if (r < 0)
                return r;
        if (isempty(path))
                return 0; /* the tree itself */
        if (w->whiteouts && (r = tree_whiteout_parse(path, &kind, &target)) < 0)
                return fail(w, r, entry, "is a whiteout of nothing");
        if (whiteouts)
                return kind == TREE_WHITEOUT_FILE || kind == TREE_WHITEOUT_OPAQUE
                               ? apply_whiteout(w, entry, kind, target)
                               : 0;
        if (kind != TREE_WHITEOUT_NONE)
                return 0; /* whiteouts never appear in the tree */
        if (w->max_entries > 0 && w->entries >= w->max_entries)
                return fail(w, -EFBIG, NULL, "holds more than %llu entries (--max-entries)",
                            (unsigned long long) w->max_entries);
        w->entries++;
        return apply_entry(w, a, e, entry, path);
}

static int pass(struct tree_writer *w, int fd, bool whiteouts) {
        _cleanup_(archive_freep) struct archive *a = NULL;
        int r = open_archive(fd, &a);
        if (r < 0)
                return fail(w, r, NULL, "cannot be read: %s", a ? archive_error_string(a) : strerror(-r));
        struct archive_entry *e;
        while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
                int k = one_entry(w, a, e, whiteouts);
                if (k < 0)
                        return k;
        }
        if (r != ARCHIVE_EOF)
                return fail(w, -EIO, NULL, "cannot be read: %s", archive_error_string(a));
        return 0;
}

int tree_writer_apply(struct tree_writer *w, int fd) {
        if (w->whiteouts && w->lower) {
                int r = pass(w, fd, true);
                if (r < 0)
                        return r;
        }
        return pass(w, fd, false);
}

int tree_archive_top_names(int fd, char ***ret, char **ret_error) {
        _cleanup_(archive_freep) struct archive *a = NULL;
        _cleanup_strv_free_ char **names = NULL;
        int r = open_archive(fd, &a);
        struct archive_entry *e;
        while (r >= 0 && ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN)) {
                _cleanup_free_ char *path = NULL;
                r = 0;
                if (!archive_entry_pathname(e) || tree_path_normalize(archive_entry_pathname(e), &path) < 0)
                        continue;
                if (!isempty(path) && !strchr(path, '/') && !strv_contains(names, path) &&
                    strv_extend(&names, path) < 0)
                        return -ENOMEM;
        }
        if (r != ARCHIVE_EOF) {
                if (asprintf(ret_error, "%s", a ? archive_error_string(a) : strerror(-r)) < 0)
                        *ret_error = NULL;
                return -EIO;
        }
        if (lseek(fd, 0, SEEK_SET) < 0)
                return -errno;
        *ret = TAKE_PTR(names);
        return 0;
}
