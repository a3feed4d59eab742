/* SPDX-License-Identifier: MIT */
/* What can be refused before a sandbox starts, with a sentence: a tree that is missing or not a
 * directory, a tree whose /proc or /dev is a symlink (CVE-2019-16884 class: a fake /proc),
 * paths overlayfs cannot take, missing bind sources, bind targets that are symlinks. The child
 * checks again where it mounts; this is for the message. */
#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "common/macro.h"
#include "common/paths.h"
#include "sandbox/sandbox.h"

_printf_(2, 3) static int refuse(char **ret_error, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(ret_error, fmt, ap) < 0)
                *ret_error = NULL;
        va_end(ap);
        return -EINVAL;
}

static int check_tree(const struct sandbox_spec *spec, int tree, char **ret_error) {
        static const char *const special[] = { "proc", "dev", "sys" };
        for (size_t i = 0; i < ELEMENTSOF(special); i++) {
                struct stat st;
                if (fstatat(tree, special[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue; /* missing: made in an overlay, without writing into the tree */
                if (S_ISLNK(st.st_mode))
                        return refuse(ret_error, "%s has /%s as a symlink; refusing to mount over it",
                                      spec->tree_label, special[i]);
                if (!S_ISDIR(st.st_mode))
                        return refuse(ret_error, "%s has /%s that is not a directory", spec->tree_label,
                                      special[i]);
        }
        if (strpbrk(spec->tree, ",:") || (spec->overlay_dir && strpbrk(spec->overlay_dir, ",:")))
                return refuse(ret_error,
                              "the path of %s (%s) contains ',' or ':', which overlayfs cannot take",
                              spec->tree_label, spec->tree);
        return 0;
}

/* A bind target that is a symlink in the tree is refused, wherever it points. */
static int check_target(const struct sandbox_spec *spec, int tree, const struct sandbox_bind *b,
                        char **ret_error) {
        int fd = sandbox_open_in_tree(tree, b->target, O_PATH | O_NOFOLLOW);
        if (fd == -ENOENT)
                return 0;
        if (fd < 0)
                return refuse(ret_error, "bind target %s cannot be resolved in %s: %s", b->target,
                              spec->tree_label, strerror(-fd));
        struct stat st;
        int r = fstat(fd, &st);
        char link[256] = "";
        if (r == 0 && S_ISLNK(st.st_mode)) {
                ssize_t k = readlinkat(fd, "", link, sizeof(link) - 1);
                link[k > 0 ? k : 0] = '\0';
        }
        close(fd);
        if (r == 0 && S_ISLNK(st.st_mode))
                return refuse(ret_error,
                              "bind target %s is a symlink (to %s) in %s; refusing to mount over it",
                              b->target, link, spec->tree_label);
        return 0;
}

int sandbox_check_spec(const struct sandbox_spec *spec, char **ret_error) {
        int tree = -EBADF;
        if (spec->tree) {
                tree = open(spec->tree, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (tree < 0)
                        return refuse(ret_error, "%s does not exist or is not a directory (%s)",
                                      spec->tree_label, spec->tree);
                int r = check_tree(spec, tree, ret_error);
                if (r < 0) {
                        close(tree);
                        return r;
                }
        }
        int r = 0;
        for (size_t i = 0; r >= 0 && i < spec->n_binds; i++) {
                const struct sandbox_bind *b = &spec->binds[i];
                if (b->source_fd < 0 && access(b->source, F_OK) < 0)
                        r = refuse(ret_error, "bind source %s does not exist", b->source);
                else if (b->target[0] != '/' || strstr(b->target, "/../") || strstr(b->target, "/./"))
                        r = refuse(ret_error, "bind target %s is not a plain absolute path", b->target);
                else if (tree >= 0)
                        r = check_target(spec, tree, b, ret_error);
        }
        safe_close(tree);
        return r;
}

int sandbox_find_program(int root_fd, const char *name, char **ret) {
        static const char *const dirs[] = SVC_PROGRAM_DIRS;
        if (strchr(name, '/'))
                return (*ret = strdup(name)) ? 0 : -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                char *p;
                if (asprintf(&p, "%s/%s", dirs[i], name) < 0)
                        return -ENOMEM;
                int fd = sandbox_open_in_tree(root_fd, p, O_PATH);
                struct stat st;
                bool ok = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
                safe_close(fd);
                if (ok) {
                        *ret = p;
                        return 0;
                }
                free(p);
        }
        return -ENOENT;
}
