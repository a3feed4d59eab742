/* SPDX-License-Identifier: MIT */
/* svc tree slim NAME PROGRAM...: a tree holding only those host programs and what the library
 * check finds they need (their #! interpreters, ELF interpreter and DT_NEEDED closure), copied at
 * the same paths, with the host's symlinks on the way made in the tree too (a merged /usr,
 * /bin/sh -> dash), plus /etc/passwd, /etc/group and the usual mount points. A library loaded
 * with dlopen() (NSS, PAM, gconv, engines) is invisible to the check: such programs want a full
 * tree. */
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <sys/sendfile.h>
#include <sys/stat.h>

#include "common/macro.h"
#include "common/util.h"
#include "sandbox/sandbox.h"
#include "supervisor/cli/client.h"
#include "supervisor/tree/tree.h"

#define LINKS_MAX 40U /* the kernel's MAXSYMLINKS */

static void json_putp(struct json_object **o) {
        json_object_put(*o);
}

struct slim {
        int tree_fd;
        unsigned files, links;
        char **lib_dirs;
};

static int copy_data(int from, int to, off_t size) {
        for (off_t done = 0; done < size;) {
                ssize_t k = sendfile(to, from, NULL, (size_t) MIN(size - done, (off_t) 1 << 30));
                if (k <= 0)
                        return k < 0 ? -errno : -EIO;
                done += k;
        }
        return 0;
}

/* The host's regular file PATH at the same path in the tree, setuid and setgid bits dropped. */
static int copy_file(struct slim *s, const char *path) {
        _cleanup_close_ int from = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        if (from < 0 || fstat(from, &st) < 0)
                return -errno;
        _cleanup_close_ int to =
                openat(s->tree_fd, path + 1, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (to < 0)
                return errno == EEXIST ? 0 : -errno;
        int r = copy_data(from, to, st.st_size);
        if (r >= 0 && fchmod(to, st.st_mode & 0777) < 0)
                r = -errno;
        if (r < 0)
                return r;
        s->files++;
        const char *slash = strrchr(path, '/');
        _cleanup_free_ char *dir = strndup(path, (size_t) (slash - path));
        if (!dir)
                return -ENOMEM;
        return strstr(slash, ".so") && !strv_contains(s->lib_dirs, dir) ? strv_extend(&s->lib_dirs, dir) : 0;
}

/* The host's symlink PATH, with the same target, in the tree. */
static int copy_link(struct slim *s, const char *path, const char *target) {
        char have[PATH_MAX];
        ssize_t n = readlinkat(s->tree_fd, path + 1, have, sizeof(have) - 1);
        if (n >= 0) {
                have[n] = '\0';
                return streq(have, target) ? 0 : -EEXIST;
        }
        return symlinkat(target, s->tree_fd, path + 1) < 0 ? -errno : 0;
}

/* The remaining path REST after the symlink at CUR/... pointing to TARGET. */
static char *after_link(const char *target, const char *rest) {
        char *s = NULL;
        if (asprintf(&s, "%s%s%s", target, *rest ? "/" : "", rest) < 0)
                return NULL;
        return s;
}

/* Copies host PATH into the tree at the same path, one component at a time: a directory is made,
 * a symlink is made as it is and followed on the host, the last component is copied. */
static int copy_path(struct slim *s, const char *path) {
        _cleanup_free_ char *rest = strdup(path);
        char cur[PATH_MAX] = "", next[PATH_MAX], target[PATH_MAX];
        s->links = 0;
        if (!rest)
                return -ENOMEM;
        while (*rest) {
                char *p = rest + strspn(rest, "/"), *end = p + strcspn(p, "/"),
                     *remaining = end + strspn(end, "/");
                struct stat st;
                *end = '\0';
                if (!*p || streq(p, ".") || streq(p, "..")) {
                        if (streq(p, ".."))
                                *(strrchr(cur, '/') ?: cur) = '\0';
                        memmove(rest, remaining, strlen(remaining) + 1);
                        continue;
                }
                if (snprintf(next, sizeof(next), "%s/%s", cur, p) >= (int) sizeof(next))
                        return -ENAMETOOLONG;
                if (lstat(next, &st) < 0)
                        return -errno;
                if (S_ISLNK(st.st_mode)) {
                        ssize_t n = readlink(next, target, sizeof(target) - 1);
                        if (n < 0 || ++s->links > LINKS_MAX)
                                return n < 0 ? -errno : -ELOOP;
                        target[n] = '\0';
                        int r = copy_link(s, next, target);
                        if (r < 0)
                                return r;
                        if (target[0] == '/')
                                cur[0] = '\0';
                        char *n_rest = after_link(target, remaining);
                        if (!n_rest)
                                return -ENOMEM;
                        free(rest);
                        rest = n_rest;
                        continue;
                }
                if (S_ISREG(st.st_mode) && !*remaining)
                        return copy_file(s, next);
                if (!S_ISDIR(st.st_mode))
                        return -ENOTDIR;
                if (mkdirat(s->tree_fd, next + 1, st.st_mode & 07777) < 0 && errno != EEXIST)
                        return -errno;
                memcpy(cur, next, sizeof(cur));
                memmove(rest, remaining, strlen(remaining) + 1);
        }
        return 0;
}

static int write_file(int fd, const char *path, const char *text) {
        _cleanup_close_ int f = openat(fd, path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        size_t n = strlen(text);
        if (f < 0)
                return errno == EEXIST ? 0 : -errno;
        return write(f, text, n) == (ssize_t) n ? 0 : negative_errno();
}

/* /etc/passwd and /etc/group with root and nobody, the mount points, and the library
 * directories for ld.so.conf (its cache is made by ldconfig -r when the host has it). */
static int add_base(struct slim *s) {
        static const char *const dirs[] = { "etc", "dev", "proc",    "sys", "run",
                                            "tmp", "var", "var/tmp", "root" };
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++)
                if (mkdirat(s->tree_fd, dirs[i], 0755) < 0 && errno != EEXIST)
                        return -errno;
        if (fchmodat(s->tree_fd, "tmp", 01777, 0) < 0 || fchmodat(s->tree_fd, "var/tmp", 01777, 0) < 0)
                return -errno;
        _cleanup_free_ char *conf = strv_join(s->lib_dirs, "\n");
        _cleanup_free_ char *text = NULL;
        if (!conf || asprintf(&text, "%s\n", conf) < 0)
                return -ENOMEM;
        int r = write_file(s->tree_fd, "etc/passwd",
                           "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/"
                           "sbin/nologin\n");
        if (r >= 0)
                r = write_file(s->tree_fd, "etc/group", "root:x:0:\nnogroup:x:65534:\n");
        if (r >= 0 && s->lib_dirs)
                r = write_file(s->tree_fd, "etc/ld.so.conf", text);
        return r;
}

static int copy_program(struct slim *s, int host_fd, const char *program, char **ret_path) {
        _cleanup_free_ char *path = NULL, *why = NULL;
        _cleanup_strv_free_ char **files = NULL;
        if (program[0] != '/' && strchr(program, '/')) {
                tree_error("%s: give a program by name or by absolute path", program);
                return -EINVAL;
        }
        if (sandbox_find_program(host_fd, program, &path) < 0) {
                tree_error("%s is not in the host's PATH directories", program);
                return -ENOENT;
        }
        int r = sandbox_program_closure(host_fd, "the host", path, &files, &why);
        if (r < 0) {
                tree_error("%s", why ? why : strerror(-r));
                return r;
        }
        STRV_FOREACH (f, files)
                if ((r = copy_path(s, *f)) < 0) {
                        tree_error("cannot copy %s into the tree: %s", *f, strerror(-r));
                        return r;
                }
        *ret_path = TAKE_PTR(path);
        return 0;
}

static int slim_into(struct tree_ctx *ctx, struct tree_new *t, struct slim *s, char **programs,
                     char ***ret_paths) {
        _cleanup_close_ int host_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (host_fd < 0)
                return -errno;
        for (char **p = programs; *p; p++) {
                char *path = NULL;
                int r = copy_program(s, host_fd, *p, &path);
                if (r < 0 || strv_push(ret_paths, path) < 0)
                        return r < 0 ? r : -ENOMEM;
        }
        int r = add_base(s);
        if (r < 0) {
                tree_error("cannot write the tree's /etc: %s", strerror(-r));
                return r;
        }
        if (s->lib_dirs) {
                char *argv[] = { (char *) "ldconfig", (char *) "-X", (char *) "-r", t->path, NULL };
                struct tree_run_opts o = { .argv = argv };
                (void) tree_run(ctx, &o, NULL); /* without a cache, ld.so still has its default directories */
        }
        return 0;
}

/* The check again, in the new tree: what the service will see. */
static int verify(const struct tree_new *t, char **paths) {
        _cleanup_free_ char *label = NULL;
        if (asprintf(&label, "tree %s", t->name) < 0)
                return -ENOMEM;
        STRV_FOREACH (p, paths) {
                _cleanup_free_ char *why = NULL;
                int r = sandbox_check_program(t->fd, label, *p, &why);
                if (r < 0) {
                        tree_error("%s", why ? why : strerror(-r));
                        return r;
                }
        }
        return 0;
}

static int slim_manifest(char **paths, struct json_object **ret) {
        _cleanup_(json_putp) struct json_object *m = json_object_new_object();
        struct json_object *a = json_object_new_array();
        if (!m || !a || json_object_object_add(m, "programs", a) < 0) {
                json_object_put(a);
                return -ENOMEM;
        }
        STRV_FOREACH (p, paths)
                if (json_object_array_add(a, json_object_new_string(*p)) < 0)
                        return -ENOMEM;
        if (json_object_object_add(m, "origin", json_object_new_string("slim")) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(m);
        return 0;
}

int tree_cmd_slim(struct tree_ctx *ctx, int argc, char **argv) {
        if (argc < 3) {
                tree_error("slim needs a tree name and programs: svc tree slim NAME PROGRAM...");
                return EXIT_USAGE;
        }
        if (!tree_name_check(argv[1]))
                return EXIT_USAGE;
        struct tree_new t;
        struct slim s = { .tree_fd = -EBADF };
        _cleanup_strv_free_ char **paths = NULL;
        _cleanup_(json_putp) struct json_object *m = NULL;
        int r = tree_new_begin(ctx, argv[1], &t);
        if (r >= 0) {
                s.tree_fd = t.fd;
                r = slim_into(ctx, &t, &s, argv + 2, &paths);
        }
        if (r >= 0)
                r = verify(&t, paths);
        if (r >= 0)
                r = slim_manifest(paths, &m);
        if (r >= 0)
                r = tree_new_commit(&t, m, "slim");
        if (r >= 0 && paths)
                printf("Made tree %s: %u files of the host for %d program%s. Try: svc run --tree %s %s\n",
                       argv[1], s.files, argc - 2, argc == 3 ? "" : "s", argv[1], paths[0]);
        tree_new_done(&t);
        strv_free(s.lib_dirs);
        return r < 0 ? EXIT_FAILED : EXIT_OK;
}
