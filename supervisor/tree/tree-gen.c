/* SPDX-License-Identifier: MIT */
/* Generations of a tree: NAME is a symlink to .NAME/G, and a new generation becomes current by
 * renaming a new symlink over NAME, which is atomic: a service starting at that moment opens
 * either the old generation or the new one, whole. A generation NAME pointed at is never written
 * again (running services hold it through their mounts); upgrade writes a copy. */
#include <dirent.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/tree/tree.h"

#define MANIFEST "manifest.json"
#define MANIFEST_SIZE_MAX (1024 * 1024)

static void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

static void json_putp(struct json_object **o) {
        json_object_put(*o);
}

char *tree_gen_path(const struct tree_ctx *ctx, const char *name, unsigned gen) {
        char *p = NULL;
        if (asprintf(&p, "%s/.%s/%u", ctx->trees_dir, name, gen) < 0)
                return NULL;
        return p;
}

char *tree_now(void) {
        char buf[32];
        time_t t = time(NULL);
        struct tm tm;
        if (!gmtime_r(&t, &tm) || strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                return strdup("");
        return strdup(buf);
}

/* ---- the manifest --------------------------------------------------------------------------- */

int tree_manifest_read(int dir_fd, struct json_object **ret) {
        _cleanup_close_ int fd = openat(dir_fd, MANIFEST, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        _cleanup_free_ char *buf = malloc(MANIFEST_SIZE_MAX + 1);
        if (!buf)
                return -ENOMEM;
        ssize_t n = read(fd, buf, MANIFEST_SIZE_MAX);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        struct json_object *m = json_tokener_parse(buf);
        if (!m || !json_object_is_type(m, json_type_object)) {
                json_object_put(m);
                return -EBADMSG;
        }
        *ret = m;
        return 0;
}

int tree_manifest_write(int dir_fd, struct json_object *m) {
        const char *s =
                json_object_to_json_string_ext(m, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
        _cleanup_close_ int fd =
                openat(dir_fd, MANIFEST ".new", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        size_t n = strlen(s);
        if (write(fd, s, n) != (ssize_t) n || write(fd, "\n", 1) != 1 || fsync(fd) < 0)
                return negative_errno();
        return renameat(dir_fd, MANIFEST ".new", dir_fd, MANIFEST) < 0 ? -errno : 0;
}

int tree_manifest_add_generation(struct json_object *m, unsigned gen, const char *how, unsigned from) {
        struct json_object *gens = NULL, *g = json_object_new_object();
        _cleanup_free_ char *now = tree_now();
        char key[16];
        if (!g || !now)
                return -ENOMEM;
        if (!json_object_object_get_ex(m, "generations", &gens) ||
            !json_object_is_type(gens, json_type_object)) {
                gens = json_object_new_object();
                if (!gens || json_object_object_add(m, "generations", gens) < 0) {
                        json_object_put(g);
                        return -ENOMEM;
                }
        }
        snprintf(key, sizeof(key), "%u", gen);
        if (json_object_object_add(gens, key, g) < 0)
                return -ENOMEM;
        int r = json_object_object_add(g, "created", json_object_new_string(now));
        r = r < 0 ? r : json_object_object_add(g, "how", json_object_new_string(how));
        if (from > 0 && r >= 0)
                r = json_object_object_add(g, "from", json_object_new_int64(from));
        r = r < 0 ? r : json_object_object_add(m, "generation", json_object_new_int64(gen));
        return r < 0 ? -ENOMEM : 0;
}

/* ---- the current generation and the switch ---------------------------------------------------- */

/* "N" of ".NAME/N" */
static int parse_gen(const char *s, unsigned *ret) {
        if (!s[0] || s[0] == '0' || strspn(s, "0123456789") != strlen(s) || strlen(s) > 9)
                return -EINVAL;
        *ret = (unsigned) strtoul(s, NULL, 10);
        return 0;
}

int tree_current(const struct tree_ctx *ctx, const char *name, unsigned *ret_gen) {
        char target[PATH_MAX];
        ssize_t n = readlinkat(ctx->trees_fd, name, target, sizeof(target) - 1);
        if (n < 0)
                return errno == EINVAL ? -EMEDIUMTYPE : -errno;
        target[n] = '\0';
        size_t k = strlen(name);
        if (target[0] != '.' || !strneq(target + 1, name, k) || target[k + 1] != '/')
                return -EMEDIUMTYPE;
        return parse_gen(target + k + 2, ret_gen) < 0 ? -EMEDIUMTYPE : 0;
}

int tree_generations(int dir_fd, unsigned **ret, size_t *ret_n) {
        int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_(closedirp) DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d) {
                safe_close(fd);
                return -errno;
        }
        _cleanup_free_ unsigned *l = NULL;
        size_t n = 0;
        unsigned g;
        for (struct dirent *de; (de = readdir(d));) {
                if (parse_gen(de->d_name, &g) < 0)
                        continue;
                unsigned *nl = reallocarray(l, n + 1, sizeof(unsigned));
                if (!nl)
                        return -ENOMEM;
                l = nl;
                l[n++] = g;
        }
        for (size_t i = 1; i < n; i++) /* insertion sort: a handful of generations */
                for (size_t j = i; j > 0 && l[j - 1] > l[j]; j--) {
                        g = l[j];
                        l[j] = l[j - 1];
                        l[j - 1] = g;
                }
        *ret = TAKE_PTR(l);
        *ret_n = n;
        return 0;
}

int tree_switch(const struct tree_ctx *ctx, const char *name, unsigned gen) {
        char target[TREE_NAME_MAX + 32], tmp[TREE_NAME_MAX + 32];
        snprintf(target, sizeof(target), ".%s/%u", name, gen);
        snprintf(tmp, sizeof(tmp), ".%s/link.new", name);
        (void) unlinkat(ctx->trees_fd, tmp, 0);
        if (symlinkat(target, ctx->trees_fd, tmp) < 0)
                return -errno;
        if (renameat(ctx->trees_fd, tmp, ctx->trees_fd, name) < 0) {
                int r = -errno;
                (void) unlinkat(ctx->trees_fd, tmp, 0);
                return r;
        }
        return fsync(ctx->trees_fd) < 0 ? -errno : 0;
}

int tree_open_locked(const struct tree_ctx *ctx, const char *name, int *ret_dir_fd, unsigned *ret_gen) {
        int r = tree_current(ctx, name, ret_gen);
        if (r == -ENOENT)
                tree_error("there is no tree %s in %s", name, ctx->trees_dir);
        else if (r == -EMEDIUMTYPE)
                tree_error("tree %s is a plain directory, without generations: make it with svc tree create, "
                           "import or slim to upgrade or roll it back",
                           name);
        else if (r < 0)
                tree_error("cannot read tree %s: %s", name, strerror(-r));
        if (r < 0)
                return r;
        char dir[TREE_NAME_MAX + 2];
        snprintf(dir, sizeof(dir), ".%s", name);
        _cleanup_close_ int fd = openat(ctx->trees_fd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                tree_error("cannot open %s/%s: %m", ctx->trees_dir, dir);
                return -errno;
        }
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                tree_error("another svc tree command is working on tree %s", name);
                return -EBUSY;
        }
        /* It may have switched while we waited for nothing: read it again under the lock. */
        r = tree_current(ctx, name, ret_gen);
        if (r < 0)
                return r;
        *ret_dir_fd = TAKE_FD(fd);
        return 0;
}

/* ---- a new tree ---------------------------------------------------------------------------- */

/* Under the lock of the trees directory: NAME must not exist; .NAME may be what an interrupted
 * run left (nobody holds its lock), which goes. */
static int new_dir(struct tree_new *t) {
        struct tree_ctx *ctx = t->ctx;
        char dir[TREE_NAME_MAX + 2];
        struct stat st;
        snprintf(dir, sizeof(dir), ".%s", t->name);
        if (fstatat(ctx->trees_fd, t->name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
                tree_error("tree %s exists; svc tree rm %s first", t->name, t->name);
                return -EEXIST;
        }
        if (mkdirat(ctx->trees_fd, dir, 0755) < 0) {
                if (errno != EEXIST) {
                        tree_error("cannot make %s/%s: %m", ctx->trees_dir, dir);
                        return -errno;
                }
                _cleanup_close_ int old =
                        openat(ctx->trees_fd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (old >= 0 && flock(old, LOCK_EX | LOCK_NB) < 0) {
                        tree_error("another svc tree command is making tree %s", t->name);
                        return -EBUSY;
                }
                int r = tree_rm_rf_at(ctx->trees_fd, dir);
                if (r < 0 || mkdirat(ctx->trees_fd, dir, 0755) < 0) {
                        tree_error("cannot remove what an interrupted run left in %s/%s: %s", ctx->trees_dir,
                                   dir, strerror(r < 0 ? -r : errno));
                        return r < 0 ? r : -errno;
                }
        }
        t->dir_fd = openat(ctx->trees_fd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (t->dir_fd < 0 || flock(t->dir_fd, LOCK_EX | LOCK_NB) < 0) {
                tree_error("cannot lock %s/%s: %m", ctx->trees_dir, dir);
                return -errno;
        }
        return 0;
}

int tree_new_begin(struct tree_ctx *ctx, const char *name, struct tree_new *ret) {
        *ret = (struct tree_new){ .ctx = ctx, .dir_fd = -EBADF, .fd = -EBADF };
        ret->name = strdup(name);
        if (!ret->name)
                return -ENOMEM;
        if (flock(ctx->trees_fd, LOCK_EX) < 0)
                return -errno;
        int r = new_dir(ret);
        (void) flock(ctx->trees_fd, LOCK_UN);
        if (r < 0)
                return r;
        if (mkdirat(ret->dir_fd, "1.new", 0755) < 0 ||
            (ret->fd = openat(ret->dir_fd, "1.new", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
            asprintf(&ret->path, "%s/.%s/1.new", ctx->trees_dir, name) < 0) {
                ret->path = NULL;
                tree_error("cannot make the tree's directory in %s: %m", ctx->trees_dir);
                return negative_errno();
        }
        return 0;
}

int tree_new_next_begin(struct tree_ctx *ctx, const char *name, struct tree_new *ret) {
        *ret = (struct tree_new){ .ctx = ctx, .dir_fd = -EBADF, .fd = -EBADF };
        _cleanup_free_ unsigned *gens = NULL;
        size_t n = 0;
        char gen_new[32];
        ret->name = strdup(name);
        if (!ret->name)
                return -ENOMEM;
        int r = tree_open_locked(ctx, name, &ret->dir_fd, &ret->prev);
        if (r >= 0 && (r = tree_generations(ret->dir_fd, &gens, &n)) < 0)
                tree_error("cannot read the generations of tree %s: %s", name, strerror(-r));
        if (r < 0)
                return r;
        ret->gen = (n > 0 ? MAX(gens[n - 1], ret->prev) : ret->prev) + 1;
        snprintf(gen_new, sizeof(gen_new), "%u.new", ret->gen);
        r = tree_rm_rf_at(ret->dir_fd, gen_new); /* what a killed run left */
        if (r < 0 || mkdirat(ret->dir_fd, gen_new, 0755) < 0 ||
            (ret->fd = openat(ret->dir_fd, gen_new, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
            asprintf(&ret->path, "%s/.%s/%s", ctx->trees_dir, name, gen_new) < 0) {
                ret->path = NULL;
                tree_error("cannot make generation %u of tree %s: %s", ret->gen, name,
                           strerror(r < 0 ? -r : errno));
                return r < 0 ? r : -errno;
        }
        return 0;
}

/* The history of the tree (its generations, log and first creation) goes on in MANIFEST. */
static int keep_history(int dir_fd, struct json_object *manifest) {
        _cleanup_(json_putp) struct json_object *old = NULL;
        static const char *const keys[] = { "generations", "log", "created" };
        int r = tree_manifest_read(dir_fd, &old);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                struct json_object *v = NULL;
                if (json_object_object_get_ex(old, keys[i], &v) &&
                    json_object_object_add(manifest, keys[i], json_object_get(v)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* Before a generation gets its name: its files on the disk. A rename is durable once the journal
 * commits it (the fsyncs of the manifest and of the trees directory force that), but file data
 * written through the page cache is not (ext4 allocates it later): without this, a power cut
 * right after the switch leaves the tree pointing at a generation of empty files (the qemu box's
 * power-cut scenario showed /bin/sleep "not an ELF program" there). */
int tree_sync(int fd) {
        return syncfs(fd) < 0 ? -errno : 0;
}

static int commit_next(struct tree_new *t, struct json_object *manifest, const char *how) {
        char gen_new[32], gen[16];
        snprintf(gen_new, sizeof(gen_new), "%u.new", t->gen);
        snprintf(gen, sizeof(gen), "%u", t->gen);
        int r = keep_history(t->dir_fd, manifest);
        if (r >= 0)
                r = tree_manifest_add_generation(manifest, t->gen, how, t->prev);
        if (r >= 0)
                r = tree_sync(t->dir_fd);
        if (r >= 0)
                r = renameat(t->dir_fd, gen_new, t->dir_fd, gen) < 0 ? -errno : 0;
        if (r >= 0)
                r = tree_manifest_write(t->dir_fd, manifest);
        if (r >= 0)
                r = tree_switch(t->ctx, t->name, t->gen);
        if (r < 0) {
                tree_error("cannot finish generation %u of tree %s: %s", t->gen, t->name, strerror(-r));
                return r;
        }
        t->committed = true;
        return 0;
}

int tree_new_commit(struct tree_new *t, struct json_object *manifest, const char *how) {
        if (t->prev > 0)
                return commit_next(t, manifest, how);
        _cleanup_free_ char *now = tree_now();
        int r = now ? 0 : -ENOMEM;
        if (r >= 0 && json_object_object_add(manifest, "created", json_object_new_string(now)) < 0)
                r = -ENOMEM;
        if (r >= 0)
                r = tree_manifest_add_generation(manifest, 1, how, 0);
        if (r >= 0)
                r = tree_sync(t->dir_fd);
        if (r >= 0)
                r = renameat(t->dir_fd, "1.new", t->dir_fd, "1") < 0 ? -errno : 0;
        if (r >= 0)
                r = tree_manifest_write(t->dir_fd, manifest);
        if (r >= 0 && flock(t->ctx->trees_fd, LOCK_EX) >= 0) {
                char target[TREE_NAME_MAX + 8];
                snprintf(target, sizeof(target), ".%s/1", t->name);
                r = symlinkat(target, t->ctx->trees_fd, t->name) < 0 ? -errno : 0;
                (void) flock(t->ctx->trees_fd, LOCK_UN);
        }
        if (r < 0) {
                tree_error("cannot finish tree %s: %s", t->name, strerror(-r));
                return r;
        }
        t->committed = true;
        return 0;
}

void tree_new_done(struct tree_new *t) {
        t->fd = safe_close(t->fd);
        if (!t->committed && t->name && t->dir_fd >= 0) {
                char dir[TREE_NAME_MAX + 32];
                if (t->prev > 0)
                        snprintf(dir, sizeof(dir), "%u.new", t->gen);
                else
                        snprintf(dir, sizeof(dir), ".%s", t->name);
                int r = tree_rm_rf_at(t->prev > 0 ? t->dir_fd : t->ctx->trees_fd, dir);
                if (r < 0)
                        tree_error("cannot remove the partial tree %s/%s: %s", t->ctx->trees_dir, dir,
                                   strerror(-r));
        }
        t->dir_fd = safe_close(t->dir_fd);
        free(t->name);
        free(t->path);
        t->name = t->path = NULL;
}

/* ---- copies and sizes --------------------------------------------------------------------------- */

int tree_copy_generation(const struct tree_ctx *ctx, int dir_fd, const char *name, unsigned from,
                         unsigned to) {
        _cleanup_free_ char *src = tree_gen_path(ctx, name, from), *dst = NULL;
        char to_new[32];
        snprintf(to_new, sizeof(to_new), "%u.new", to);
        int r = tree_rm_rf_at(dir_fd, to_new);
        if (r < 0 || !src || asprintf(&dst, "%s/.%s/%s", ctx->trees_dir, name, to_new) < 0)
                return r < 0 ? r : -ENOMEM;
        /* cp -a: owners, modes, times, links, devices and xattrs as they are; "src/." into a new
         * directory so that the copy is the tree itself, not a directory in it. */
        char *argv[] = { (char *) "cp",
                         (char *) "-a",
                         (char *) "--reflink=auto",
                         (char *) "--no-target-directory",
                         src,
                         dst,
                         NULL };
        char *env[] = { (char *) "LC_ALL=C", NULL }; /* the words tree_run_checked() looks for */
        struct tree_run_opts o = { .argv = argv, .env = env, .enospc = true };
        r = tree_run_checked(ctx, &o, "copying the tree");
        if (r < 0)
                (void) tree_rm_rf_at(dir_fd, to_new);
        return r;
}

struct inode {
        dev_t dev;
        ino_t ino;
        uint64_t bytes;
};

struct usage {
        uint64_t bytes;
        struct inode *linked; /* files with more than one link: counted once, at the end */
        size_t n_linked;
};

static int cmp_inode(const void *a, const void *b) {
        const struct inode *x = a, *y = b;
        if (x->dev != y->dev)
                return x->dev < y->dev ? -1 : 1;
        return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static int usage_add(struct usage *u, const struct stat *st) {
        uint64_t bytes = (uint64_t) st->st_blocks * 512;
        if (S_ISDIR(st->st_mode) || st->st_nlink < 2) {
                u->bytes += bytes;
                return 0;
        }
        struct inode *l = reallocarray(u->linked, u->n_linked + 1, sizeof(struct inode));
        if (!l)
                return -ENOMEM;
        u->linked = l;
        l[u->n_linked++] = (struct inode){ st->st_dev, st->st_ino, bytes };
        return 0;
}

static int usage_walk(struct usage *u, int fd, dev_t dev, unsigned depth) {
        int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        _cleanup_(closedirp) DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
        if (!d) {
                safe_close(dup_fd);
                return -errno;
        }
        for (struct dirent *de; (de = readdir(d));) {
                struct stat st;
                if (streq(de->d_name, ".") || streq(de->d_name, "..") ||
                    fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != dev)
                        continue;
                int r = usage_add(u, &st);
                if (r < 0)
                        return r;
                if (!S_ISDIR(st.st_mode) || depth > TREE_DEPTH_MAX + 16)
                        continue;
                _cleanup_close_ int sub =
                        openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sub >= 0 && (r = usage_walk(u, sub, dev, depth + 1)) < 0)
                        return r;
        }
        return 0;
}

int tree_disk_usage(int dir_fd, const char *name, uint64_t *ret) {
        _cleanup_close_ int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0)
                return -errno;
        struct usage u = { .bytes = (uint64_t) st.st_blocks * 512 };
        int r = usage_walk(&u, fd, st.st_dev, 0);
        if (r >= 0 && u.n_linked > 0) {
                qsort(u.linked, u.n_linked, sizeof(struct inode), cmp_inode);
                for (size_t i = 0; i < u.n_linked; i++)
                        if (i == 0 || cmp_inode(&u.linked[i - 1], &u.linked[i]) != 0)
                                u.bytes += u.linked[i].bytes;
        }
        free(u.linked);
        if (r >= 0)
                *ret = u.bytes;
        return r;
}

int tree_forget_generation(int dir_fd, unsigned gen) {
        _cleanup_(json_putp) struct json_object *m = NULL;
        struct json_object *gens = NULL;
        char key[16];
        if (tree_manifest_read(dir_fd, &m) < 0 || !json_object_object_get_ex(m, "generations", &gens))
                return 0;
        snprintf(key, sizeof(key), "%u", gen);
        json_object_object_del(gens, key);
        return tree_manifest_write(dir_fd, m);
}
