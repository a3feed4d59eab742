/* SPDX-License-Identifier: MIT */
/* User and group resolution from a tree's own passwd and group files, opened inside the tree.
 * Parsed here, never through NSS, so this is safe in PID 1. */
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "common/macro.h"
#include "common/util.h"
#include "sandbox/sandbox.h"

int sandbox_open_in_tree(int root_fd, const char *path, int flags) {
        /* openat2() refuses O_NOCTTY next to O_PATH (it is strict about flags). */
        if (!(flags & O_PATH))
                flags |= O_NOCTTY;
        struct open_how how = { .flags = (uint64_t) (flags | O_CLOEXEC),
                                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
        long fd = syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
        return fd < 0 ? -errno : (int) fd;
}

/* A tree's passwd and group are the service's input, read on every start in svcd's event loop:
 * bounded in size and in line length, and parsed in one linear pass (libc's fgetpwent() is
 * quadratic in the line length: a 300 MB line froze svcd for minutes). 16 MiB holds some 200,000
 * accounts, far beyond any tree; 1 MiB per line is systemd's LONG_LINE_MAX, room for a group
 * with tens of thousands of members. */
#define ETC_FILE_MAX (16u * 1024 * 1024)
#define ETC_LINE_MAX (1024u * 1024)

/* /etc/NAME of the tree, whole and NUL-terminated. -ENOENT when it cannot be opened, -EBADFD
 * when it is not a regular file, -EFBIG above ETC_FILE_MAX, -EMSGSIZE with the line number in
 * *ret_line for a line above ETC_LINE_MAX. */
static int read_etc(int root_fd, const char *name, char **ret, size_t *ret_len, size_t *ret_line) {
        char path[32];
        snprintf(path, sizeof(path), "/etc/%s", name);
        _cleanup_close_ int fd = sandbox_open_in_tree(root_fd, path, O_RDONLY | O_NONBLOCK);
        if (fd < 0)
                return -ENOENT;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        if (st.st_size > (off_t) ETC_FILE_MAX)
                return -EFBIG;
        /* The size can change under us: read to the bound, not to st_size. */
        size_t cap = (size_t) st.st_size + 1, len = 0;
        _cleanup_free_ char *text = malloc(cap + 1);
        if (!text)
                return -ENOMEM;
        for (;;) {
                if (len == cap) {
                        if (cap > ETC_FILE_MAX)
                                return -EFBIG;
                        cap = MIN(cap * 2, (size_t) ETC_FILE_MAX + 1);
                        char *t = realloc(text, cap + 1);
                        if (!t)
                                return -ENOMEM;
                        text = t;
                }
                ssize_t n = read(fd, text + len, cap - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                len += (size_t) n;
        }
        if (len > ETC_FILE_MAX)
                return -EFBIG;
        text[len] = '\0';
        /* Every line is checked, not only those before a match: the answer must not depend on
         * where in the file a name is. */
        size_t line = 1;
        for (const char *p = text, *end = text + len; p < end; line++) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                const char *e = nl ? nl : end;
                if ((size_t) (e - p) > ETC_LINE_MAX) {
                        *ret_line = line;
                        return -EMSGSIZE;
                }
                p = e + 1;
        }
        *ret = TAKE_PTR(text);
        *ret_len = len;
        return 0;
}

/* Splits LINE at ':' into exactly N fields, in place; false for any other count. */
static bool split_fields(char *line, char **f, size_t n) {
        for (size_t i = 0; i < n; i++) {
                f[i] = line;
                char *c = strchr(line, ':');
                if (i + 1 == n)
                        return !c;
                if (!c)
                        return false;
                *c = '\0';
                line = c + 1;
        }
        return false;
}

/* The next well-formed entry of N fields from *POS, cutting the text into lines in place. Blank
 * lines, comments and malformed lines are skipped, as libc does. */
static bool next_entry(char **pos, char *end, char **f, size_t n) {
        while (*pos < end) {
                char *line = *pos, *nl = memchr(line, '\n', (size_t) (end - line));
                if (nl)
                        *nl = '\0';
                *pos = nl ? nl + 1 : end;
                if (*line != '\0' && *line != '#' && split_fields(line, f, n))
                        return true;
        }
        return false;
}

void sandbox_creds_done(struct sandbox_creds *c) {
        free(c->groups);
        free(c->user_name);
        free(c->home);
        free(c->shell);
        *c = (struct sandbox_creds){ 0 };
}

static bool parse_id(const char *s, unsigned *ret) {
        char *end;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (errno != 0 || end == s || *end != '\0' || v >= (unsigned long) UINT32_MAX)
                return false;
        *ret = (unsigned) v;
        return true;
}

/* 1 when found, 0 when a number the file does not list, -ESRCH for an unknown name, or a
 * read_etc() error with *ret_line. */
static int find_user(int root_fd, const char *user, struct sandbox_creds *c, size_t *ret_line) {
        unsigned id;
        bool numeric = parse_id(user, &id);
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r = read_etc(root_fd, "passwd", &text, &len, ret_line);
        if (r == -ENOENT)
                return numeric ? 0 : -ESRCH;
        if (r < 0)
                return r;
        /* name:password:uid:gid:gecos:home:shell */
        char *f[7], *pos = text;
        unsigned uid, gid;
        while (next_entry(&pos, text + len, f, ELEMENTSOF(f))) {
                if (!parse_id(f[2], &uid) || !parse_id(f[3], &gid))
                        continue;
                if (numeric ? uid != id : !streq(f[0], user))
                        continue;
                c->uid = uid;
                c->gid = gid;
                c->user_name = strdup(f[0]);
                c->home = strdup(f[5]);
                c->shell = strdup(f[6]);
                if (!c->user_name || !c->home || !c->shell)
                        return -ENOMEM;
                return 1;
        }
        return numeric ? 0 : -ESRCH;
}

/* 0, -ESRCH for an unknown name, or a read_etc() error with *ret_line. */
static int find_group(int root_fd, const char *group, gid_t *ret, size_t *ret_line) {
        unsigned id;
        if (parse_id(group, &id)) {
                *ret = id;
                return 0;
        }
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r = read_etc(root_fd, "group", &text, &len, ret_line);
        if (r == -ENOENT)
                return -ESRCH;
        if (r < 0)
                return r;
        /* name:password:gid:members */
        char *f[4], *pos = text;
        while (next_entry(&pos, text + len, f, ELEMENTSOF(f)))
                if (streq(f[0], group) && parse_id(f[2], &id)) {
                        *ret = id;
                        return 0;
                }
        return -ESRCH;
}

/* The sentence for a failed look-up of WHAT NAME in /etc/FILE of LABEL. */
static int lookup_error(int r, char **ret_error, const char *what, const char *name, const char *file,
                        const char *label, size_t line) {
        int k = 0;
        if (!ret_error)
                return r;
        if (r == -ESRCH)
                k = asprintf(ret_error, "%s %s is not in /etc/%s of %s", what, name, file, label);
        else if (r == -EFBIG)
                k = asprintf(ret_error, "/etc/%s of %s is larger than %u MiB", file, label,
                             ETC_FILE_MAX >> 20);
        else if (r == -EMSGSIZE)
                k = asprintf(ret_error, "/etc/%s of %s has a line longer than %u MiB (line %zu)", file, label,
                             ETC_LINE_MAX >> 20, line);
        else if (r == -EBADFD)
                k = asprintf(ret_error, "/etc/%s of %s is not a regular file", file, label);
        else
                k = asprintf(ret_error, "cannot read /etc/%s of %s: %s", file, label, strerror(-r));
        if (k < 0)
                *ret_error = NULL;
        return r;
}

static int resolve_groups(int root_fd, const char *label, char *const *names, struct sandbox_creds *c,
                          char **ret_error) {
        size_t n = strv_length(names);
        c->groups = calloc(n ? n : 1, sizeof(gid_t));
        if (!c->groups)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                size_t line = 0;
                int r = find_group(root_fd, names[i], &c->groups[i], &line);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return lookup_error(r, ret_error, "group", names[i], "group", label, line);
        }
        c->n_groups = n;
        return 0;
}

int sandbox_resolve_creds(int root_fd, const char *tree_label, const char *user, const char *group,
                          char *const *supplementary, struct sandbox_creds *ret, char **ret_error) {
        struct sandbox_creds c = { 0 };
        const char *u = user ? user : "0";
        size_t line = 0;
        int r = find_user(root_fd, u, &c, &line);
        if (r == 0) {
                /* A numeric uid that the tree does not list: allowed, as in systemd. */
                unsigned id = 0;
                (void) parse_id(u, &id);
                c.uid = c.gid = id;
                r = (c.home = strdup("/")) && (c.shell = strdup("/bin/sh")) ? 0 : -ENOMEM;
        } else if (r < 0 && r != -ENOMEM)
                r = lookup_error(r, ret_error, "user", u, "passwd", tree_label, line);
        if (r >= 0 && group && (r = find_group(root_fd, group, &c.gid, &line)) < 0 && r != -ENOMEM)
                r = lookup_error(r, ret_error, "group", group, "group", tree_label, line);
        if (r >= 0)
                r = resolve_groups(root_fd, tree_label, supplementary, &c, ret_error);
        if (r < 0) {
                sandbox_creds_done(&c);
                return r;
        }
        *ret = c;
        return 0;
}
