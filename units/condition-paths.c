/* SPDX-License-Identifier: MIT */
/* The path kinds of Condition*= and OSRelease=, tested inside a service's tree: every path is
 * resolved under the tree's fd with openat2(RESOLVE_IN_ROOT), so an absolute symlink in the tree
 * ("/etc/x -> /etc/shadow") points into the tree, as the service would see it, never at the
 * host's file. */

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>

#include "common/util.h"
#include "units/conditions-internal.h"

#define GLOB_PATTERNS_MAX 64
#define GLOB_DEPTH_MAX 64
#define OS_RELEASE_MAX (64 * 1024)

static int open_in_tree(int tree_fd, const char *path, int flags) {
        struct open_how how = {
                .flags = (uint64_t) (flags | O_CLOEXEC),
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        for (int i = 0; i < 8; i++) {
                int fd = (int) syscall(SYS_openat2, tree_fd, path, &how, sizeof(how));
                if (fd >= 0)
                        return fd;
                if (errno != EAGAIN) /* EAGAIN: a rename raced the walk; the kernel asks to retry */
                        break;
        }
        return -errno;
}

/* The errors that mean "there is no such file in the tree". */
static bool is_missing(int r) {
        return r == -ENOENT || r == -ENOTDIR || r == -ELOOP;
}

static int exists_in_tree(int tree_fd, const char *path) {
        int fd = open_in_tree(tree_fd, *path ? path : "/", O_PATH);
        if (fd < 0)
                return is_missing(fd) ? 0 : fd;
        safe_close(fd);
        return 1;
}

/* As systemd's hidden_or_backup_file(): what DirectoryNotEmpty= does not count. */
static bool hidden_or_backup(const char *name) {
        static const char *const suffixes[] = { "~",         ".rpmnew",      ".rpmsave",     ".rpmorig",
                                                ".dpkg-old", ".dpkg-new",    ".dpkg-tmp",    ".dpkg-dist",
                                                ".dpkg-bak", ".dpkg-backup", ".dpkg-remove", ".ucf-new",
                                                ".ucf-old",  ".ucf-dist",    ".swp",         ".bak",
                                                ".old",      ".new" };
        size_t n = strlen(name);
        if (name[0] == '.')
                return true;
        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
                size_t k = strlen(suffixes[i]);
                if (n > k && streq(name + n - k, suffixes[i]))
                        return true;
        }
        return false;
}

static int dir_not_empty(int tree_fd, const char *path) {
        int fd = open_in_tree(tree_fd, path, O_RDONLY | O_DIRECTORY);
        if (fd < 0)
                return is_missing(fd) ? 0 : fd;
        DIR *d = fdopendir(fd);
        if (!d) {
                safe_close(fd);
                return -ENOMEM;
        }
        struct dirent *de;
        int r = 0;
        while (r == 0 && (de = readdir(d)))
                r = !hidden_or_backup(de->d_name);
        closedir(d);
        return r;
}

/* "/" inside is always a mount point, whatever the tree is on the host. */
static int is_mount_point(int fd, int tree_fd, const struct stat *st) {
        struct stat root;
        struct statx sx;
        if (fstat(tree_fd, &root) >= 0 && root.st_dev == st->st_dev && root.st_ino == st->st_ino)
                return 1;
        if (statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx) < 0)
                return -errno;
        if (!(sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
                return -EOPNOTSUPP;
        return !!(sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

static int test_stat(enum condition_type t, int fd, int tree_fd, const struct stat *st) {
        struct statvfs sv;
        switch (t) {
        case CONDITION_PATH_EXISTS:
                return 1;
        case CONDITION_PATH_IS_DIRECTORY:
                return S_ISDIR(st->st_mode);
        case CONDITION_PATH_IS_SYMBOLIC_LINK:
                return S_ISLNK(st->st_mode);
        case CONDITION_PATH_IS_MOUNT_POINT:
                return is_mount_point(fd, tree_fd, st);
        case CONDITION_PATH_IS_READ_WRITE:
                return fstatvfs(fd, &sv) < 0 ? -errno : !(sv.f_flag & ST_RDONLY);
        case CONDITION_FILE_NOT_EMPTY:
                return S_ISREG(st->st_mode) && st->st_size > 0;
        case CONDITION_FILE_IS_EXECUTABLE:
                return S_ISREG(st->st_mode) && (st->st_mode & 0111);
        default:
                return -EINVAL;
        }
}

/* ---- PathExistsGlob=: glob(3) with GLOB_BRACE, walked inside the tree ------------------- */

/* The matching '}' of the '{' at P, or NULL. */
static const char *brace_end(const char *p) {
        int depth = 0;
        for (; *p; p++) {
                if (*p == '\\' && p[1])
                        p++;
                else if (*p == '{')
                        depth++;
                else if (*p == '}' && --depth == 0)
                        return p;
        }
        return NULL;
}

/* Expands the first {a,b} group of PAT, recursively, into *OUT. 0, -E2BIG or -ENOMEM. */
static int brace_expand(const char *pat, char ***out) {
        const char *open = strchr(pat, '{'), *close = open ? brace_end(open) : NULL;
        if (!close) {
                if (strv_length(*out) >= GLOB_PATTERNS_MAX)
                        return -E2BIG;
                return strv_extend(out, pat);
        }
        for (const char *a = open + 1; a <= close;) {
                const char *b = a;
                for (int depth = 0; b < close && (depth > 0 || *b != ','); b++)
                        depth += *b == '{' ? 1 : *b == '}' ? -1 : 0;
                _cleanup_free_ char *p = NULL;
                if (asprintf(&p, "%.*s%.*s%s", (int) (open - pat), pat, (int) (b - a), a, close + 1) < 0)
                        return -ENOMEM;
                int r = brace_expand(p, out);
                if (r < 0)
                        return r;
                a = b + 1;
        }
        return 0;
}

static int glob_walk(int tree_fd, const char *dir, const char *rest, unsigned depth);

static int glob_readdir(int tree_fd, const char *dir, const char *comp, const char *rest, unsigned depth) {
        int fd = open_in_tree(tree_fd, *dir ? dir : "/", O_RDONLY | O_DIRECTORY);
        if (fd < 0)
                return is_missing(fd) ? 0 : fd;
        DIR *d = fdopendir(fd);
        if (!d) {
                safe_close(fd);
                return -ENOMEM;
        }
        struct dirent *de;
        int r = 0;
        while (r == 0 && (de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, "..") ||
                    fnmatch(comp, de->d_name, FNM_PERIOD) != 0)
                        continue;
                _cleanup_free_ char *p = NULL;
                r = asprintf(&p, "%s/%s", dir, de->d_name) < 0 ? -ENOMEM
                                                               : glob_walk(tree_fd, p, rest, depth + 1);
        }
        closedir(d);
        return r;
}

/* 1 when some file DIR/REST exists, REST matched component by component. */
static int glob_walk(int tree_fd, const char *dir, const char *rest, unsigned depth) {
        if (depth > GLOB_DEPTH_MAX)
                return -ELOOP;
        rest += strspn(rest, "/");
        if (!*rest)
                return exists_in_tree(tree_fd, dir);
        size_t n = strcspn(rest, "/");
        _cleanup_free_ char *comp = strndup(rest, n);
        if (!comp)
                return -ENOMEM;
        if (strpbrk(comp, "*?[\\"))
                return glob_readdir(tree_fd, dir, comp, rest + n, depth);
        _cleanup_free_ char *p = NULL;
        if (asprintf(&p, "%s/%s", dir, comp) < 0)
                return -ENOMEM;
        return glob_walk(tree_fd, p, rest + n, depth + 1);
}

static int glob_exists(int tree_fd, const char *pattern) {
        _cleanup_strv_free_ char **patterns = NULL;
        int r = brace_expand(pattern, &patterns);
        STRV_FOREACH (p, patterns) {
                if (r < 0)
                        break;
                r = glob_walk(tree_fd, "", *p, 0);
                if (r > 0)
                        return 1;
        }
        return r;
}

int test_path(enum condition_type t, const char *path, int tree_fd) {
        if (tree_fd < 0)
                return -EBADF;
        if (t == CONDITION_PATH_EXISTS_GLOB)
                return glob_exists(tree_fd, path);
        if (t == CONDITION_DIRECTORY_NOT_EMPTY)
                return dir_not_empty(tree_fd, path);
        int flags = O_PATH | (t == CONDITION_PATH_IS_SYMBOLIC_LINK ? O_NOFOLLOW : 0);
        _cleanup_close_ int fd = open_in_tree(tree_fd, path, flags);
        struct stat st;
        if (fd < 0)
                return is_missing(fd) ? 0 : fd;
        if (fstat(fd, &st) < 0)
                return -errno;
        return test_stat(t, fd, tree_fd, &st);
}

/* ---- OSRelease= ---------------------------------------------------------------------------- */

/* Splits "KEY OP VALUE" at the operator: the key's length, the operator, the value. */
static int split_expression(const char *w, size_t *ret_key, enum cmp *ret_op, const char **ret_value) {
        size_t k = strcspn(w, "!<=>$");
        const char *p = w + k;
        enum cmp op = parse_cmp(&p, true);
        if (k == 0 || op == _CMP_MAX || !env_name_is_valid(w, k))
                return -EINVAL;
        *ret_key = k;
        *ret_op = op;
        *ret_value = p;
        return 0;
}

const char *os_release_check_expression(const char *expr) {
        _cleanup_strv_free_ char **words = NULL;
        const char *why, *value;
        size_t k;
        enum cmp op;

        if (words_split(expr, WORD_UNQUOTE, &words, &why) < 0 || !words || !words[0])
                return "expected KEY=VALUE, KEY!=VALUE, KEY<=VERSION, KEY$=GLOB ... words";
        STRV_FOREACH (w, words)
                if (split_expression(*w, &k, &op, &value) < 0)
                        return "expected KEY=VALUE, KEY!=VALUE, KEY<=VERSION, KEY$=GLOB ... words";
        return NULL;
}

static int read_os_release(int tree_fd, char **ret) {
        int fd = open_in_tree(tree_fd, "/etc/os-release", O_RDONLY);
        if (fd == -ENOENT)
                fd = open_in_tree(tree_fd, "/usr/lib/os-release", O_RDONLY);
        if (fd < 0)
                return fd;
        char *buf = malloc(OS_RELEASE_MAX + 1);
        ssize_t n = buf ? read(fd, buf, OS_RELEASE_MAX) : -1;
        int r = n < 0 ? (buf ? -errno : -ENOMEM) : 0;
        safe_close(fd);
        if (r < 0) {
                free(buf);
                return r;
        }
        buf[n] = '\0';
        *ret = buf;
        return 0;
}

/* The value of KEY (K bytes) in the os-release text, unquoted; "" when absent. */
static char *os_release_value(const char *text, const char *key, size_t k) {
        for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
                if (!strneq(l, key, k) || l[k] != '=')
                        continue;
                _cleanup_free_ char *raw = strndup(l + k + 1, strcspn(l + k + 1, "\n"));
                _cleanup_strv_free_ char **w = NULL;
                const char *why;
                if (!raw || words_split(raw, WORD_UNQUOTE | WORD_CUNESCAPE, &w, &why) < 0)
                        return raw ? strdup(raw) : NULL;
                return strv_join(w, " ");
        }
        return strdup("");
}

static bool os_release_word(const char *text, const char *w) {
        size_t k;
        enum cmp op;
        const char *want;
        if (split_expression(w, &k, &op, &want) < 0)
                return false;
        _cleanup_free_ char *have = os_release_value(text, w, k);
        if (!have)
                return false;
        if (op == CMP_FNMATCH || op == CMP_FNMATCH_NOT)
                return (fnmatch(want, have, 0) == 0) == (op == CMP_FNMATCH);
        if (op == CMP_EQ || op == CMP_NE)
                return streq(have, want) == (op == CMP_EQ);
        return cmp_result(op, strverscmp(have, want));
}

int test_os_release(const char *expr, int tree_fd) {
        _cleanup_free_ char *text = NULL;
        _cleanup_strv_free_ char **words = NULL;
        const char *why;
        int r = tree_fd < 0 ? -EBADF : read_os_release(tree_fd, &text);
        if (r < 0)
                return r;
        if (words_split(expr, WORD_UNQUOTE, &words, &why) < 0)
                return -EINVAL;
        STRV_FOREACH (w, words)
                if (!os_release_word(text, *w))
                        return 0;
        return 1;
}
