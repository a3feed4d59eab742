/* SPDX-License-Identifier: MIT */
/* The /run directories of a tree's tmpfiles.d(5): on a systemd machine, systemd-tmpfiles makes
 * /run/mysqld or /run/vsftpd/empty at boot, before any daemon starts; a service's /run under svc
 * is a new tmpfs at each start, so svcd makes them there, from the tree's own files. Only 'd'
 * and 'D' lines under /run: every other type writes outside the service's /run (the tree is
 * read-only) or is the job of a boot, not of a service. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/svcd/tmpfiles.h"

#define TMPFILES_FILE_MAX (1024 * 1024)
#define TMPFILES_DIRS_MAX 256

static const char *const tmpfiles_dirs[] = { "/usr/lib/tmpfiles.d", "/etc/tmpfiles.d" };

/* "/run/x/y" or "/var/run/x/y": "x/y"; NULL for any other path. */
static const char *below_run(const char *path) {
        const char *p = strneq(path, "/run/", 5) ? path + 5 : strneq(path, "/var/run/", 9) ? path + 9 : NULL;
        return p && *p ? p : NULL;
}

/* No empty, "." or ".." component: the path stays below /run. */
static bool path_ok(const char *p) {
        for (;;) {
                size_t n = strcspn(p, "/");
                if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && strneq(p, "..", 2)))
                        return false;
                if (p[n] == '\0')
                        return true;
                p += n + 1;
        }
}

static int owner_word(const char *w, char *out, size_t n) {
        if (streq(w, "-")) {
                out[0] = '\0';
                return 0;
        }
        if (strlen(w) >= n || strchr(w, '%'))
                return -EINVAL;
        strcpy(out, w);
        return 0;
}

int tmpfiles_parse_line(const char *line, struct tmpfiles_dir *ret) {
        char type[16], path[512], mode[16] = "-", user[128] = "-", group[128] = "-";
        line += strspn(line, " \t");
        if (*line == '#' || *line == '\0' || *line == '\n')
                return 0;
        if (sscanf(line, "%15s %511s %15s %127s %127s", type, path, mode, user, group) < 2)
                return 0;
        /* Modifiers after the letter: '!' (boot only: a service's /run is its boot), '-', '='. */
        if ((type[0] != 'd' && type[0] != 'D') || type[strspn(type + 1, "!-=") + 1] != '\0')
                return 0;
        const char *rel = below_run(path);
        if (!rel || strchr(path, '%'))
                return 0;
        struct tmpfiles_dir d = { .mode = 0755 };
        if (strlen(rel) >= sizeof(d.path) || !path_ok(rel))
                return -EINVAL;
        strcpy(d.path, rel);
        if (!streq(mode, "-")) {
                char *end = NULL;
                const char *m = mode[0] == '~' || mode[0] == ':' ? mode + 1 : mode;
                unsigned long v = strtoul(m, &end, 8);
                if (!end || *end || end == m || v > 07777)
                        return -EINVAL;
                d.mode = (mode_t) v;
        }
        if (owner_word(user, d.user, sizeof(d.user)) < 0 || owner_word(group, d.group, sizeof(d.group)) < 0)
                return -EINVAL;
        *ret = d;
        return 1;
}

static int read_bounded(int fd, char **ret) {
        _cleanup_free_ char *text = malloc(TMPFILES_FILE_MAX + 1);
        size_t len = 0;
        if (!text)
                return -ENOMEM;
        for (ssize_t k; len < TMPFILES_FILE_MAX; len += (size_t) k)
                if ((k = read(fd, text + len, TMPFILES_FILE_MAX - len)) <= 0) {
                        if (k < 0)
                                return -errno;
                        break;
                }
        text[len] = '\0';
        *ret = TAKE_PTR(text);
        return 0;
}

static int compare_names(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Every *.conf name of the tmpfiles.d directories, sorted, each once. */
static char **conf_names(int root_fd) {
        char **names = NULL;
        for (size_t i = 0; i < ELEMENTSOF(tmpfiles_dirs); i++) {
                int fd = sandbox_open_in_tree(root_fd, tmpfiles_dirs[i], O_RDONLY | O_DIRECTORY);
                DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
                if (!d) {
                        if (fd >= 0)
                                close(fd);
                        continue;
                }
                for (struct dirent *de; (de = readdir(d));) {
                        size_t n = strlen(de->d_name);
                        if (de->d_name[0] != '.' && n > 5 && streq(de->d_name + n - 5, ".conf") &&
                            !strv_contains(names, de->d_name))
                                (void) strv_extend(&names, de->d_name);
                }
                closedir(d);
        }
        if (names)
                qsort(names, strv_length(names), sizeof(char *), compare_names);
        return names;
}

/* NAME from /etc/tmpfiles.d when there, else from /usr/lib/tmpfiles.d; "" when neither reads. */
static int read_conf(int root_fd, const char *name, char **ret_text, char **ret_path) {
        for (size_t i = ELEMENTSOF(tmpfiles_dirs); i-- > 0;) {
                _cleanup_free_ char *p = path_join(tmpfiles_dirs[i], name);
                if (!p)
                        return -ENOMEM;
                _cleanup_close_ int fd = sandbox_open_in_tree(root_fd, p, O_RDONLY | O_NONBLOCK);
                struct stat st;
                if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                        continue;
                int r = read_bounded(fd, ret_text);
                if (r >= 0)
                        *ret_path = TAKE_PTR(p);
                return r;
        }
        *ret_text = *ret_path = NULL;
        return 0;
}

struct run_dirs {
        struct sandbox_run_dir *items;
        size_t n;
        char **strings, **warnings;
};

/* "FILE:LINE: WHAT WHY" */
static int add_warning(struct run_dirs *rd, const char *file, unsigned line, const char *what,
                       const char *why) {
        char *w = NULL;
        if (asprintf(&w, "%s:%u: %s%s", file, line, what, why) < 0)
                return -ENOMEM;
        return strv_push(&rd->warnings, w);
}

static int add_dir(struct run_dirs *rd, int root_fd, const char *label, const struct tmpfiles_dir *d,
                   const char *file, unsigned line) {
        struct sandbox_creds c = { 0 };
        _cleanup_free_ char *why = NULL;
        if (rd->n >= TMPFILES_DIRS_MAX)
                return add_warning(rd, file, line, d->path, ": too many directories under /run; not made");
        int r = sandbox_resolve_creds(root_fd, label, d->user[0] ? d->user : NULL,
                                      d->group[0] ? d->group : NULL, NULL, &c, &why);
        gid_t gid = c.gid;
        uid_t uid = c.uid;
        sandbox_creds_done(&c);
        if (r < 0)
                return r == -ENOMEM ? r
                                    : add_warning(rd, file, line, why ? why : strerror(-r),
                                                  "; the directory is not made");
        /* "-" for the group alone means root's group, not the user's, in tmpfiles.d(5). */
        if (!d->group[0])
                gid = 0;
        char *p = strdup(d->path);
        if (!p || strv_push(&rd->strings, p) < 0)
                return -ENOMEM;
        rd->items[rd->n++] = (struct sandbox_run_dir){ .path = p, .uid = uid, .gid = gid, .mode = d->mode };
        return 0;
}

static int parse_conf(struct run_dirs *rd, int root_fd, const char *label, char *text, const char *file) {
        unsigned line = 0;
        for (char *l = text, *next; l; l = next) {
                struct tmpfiles_dir d;
                next = strchr(l, '\n');
                if (next)
                        *next++ = '\0';
                line++;
                int r = tmpfiles_parse_line(l, &d);
                if (r == -EINVAL)
                        r = add_warning(rd, file, line, l, ": svcd cannot make this directory");
                else if (r > 0)
                        r = add_dir(rd, root_fd, label, &d, file, line);
                if (r < 0)
                        return r;
        }
        return 0;
}

int tmpfiles_run_dirs(int root_fd, const char *tree_label, struct sandbox_run_dir **ret, size_t *ret_n,
                      char ***ret_strings, char ***ret_warnings) {
        _cleanup_strv_free_ char **names = conf_names(root_fd);
        struct run_dirs rd = { .items = calloc(TMPFILES_DIRS_MAX, sizeof(struct sandbox_run_dir)) };
        int r = rd.items ? 0 : -ENOMEM;
        STRV_FOREACH (n, names) {
                _cleanup_free_ char *text = NULL, *path = NULL;
                if (r >= 0)
                        r = read_conf(root_fd, *n, &text, &path);
                if (r >= 0 && text)
                        r = parse_conf(&rd, root_fd, tree_label, text, path);
        }
        if (r < 0) {
                free(rd.items);
                strv_free(rd.strings);
                strv_free(rd.warnings);
                return r;
        }
        *ret = rd.items;
        *ret_n = rd.n;
        *ret_strings = rd.strings;
        *ret_warnings = rd.warnings;
        return 0;
}
