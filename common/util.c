/* SPDX-License-Identifier: MIT */
#include "util.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#include "macro.h"

int strv_push(char ***l, char *value) {
        size_t n = strv_length(*l);
        char **c = realloc(*l, sizeof(char *) * (n + 2));
        if (!c) {
                free(value);
                return -ENOMEM;
        }
        c[n] = value;
        c[n + 1] = NULL;
        *l = c;
        return 0;
}

int strv_extend(char ***l, const char *value) {
        char *v = strdup(value);
        if (!v)
                return -ENOMEM;
        return strv_push(l, v);
}

char **strv_copy(char *const *l) {
        size_t n = strv_length(l);
        char **c = calloc(n + 1, sizeof(char *));
        if (!c)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                c[i] = strdup(l[i]);
                if (!c[i])
                        return strv_free(c);
        }
        return c;
}

bool strv_contains(char *const *l, const char *s) {
        for (size_t i = 0; l && l[i]; i++)
                if (streq(l[i], s))
                        return true;
        return false;
}

bool strv_equal(char *const *a, char *const *b) {
        size_t n = strv_length(a);
        if (n != strv_length(b))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!streq(a[i], b[i]))
                        return false;
        return true;
}

char *strv_join(char *const *l, const char *sep) {
        size_t len = 1, k = strlen(sep);
        for (size_t i = 0; l && l[i]; i++)
                len += strlen(l[i]) + k;
        char *r = malloc(len), *p = r;
        if (!r)
                return NULL;
        *p = '\0';
        for (size_t i = 0; l && l[i]; i++) {
                if (i > 0)
                        p = stpcpy(p, sep);
                p = stpcpy(p, l[i]);
        }
        return r;
}

char *path_join(const char *a, const char *b) {
        size_t la = strlen(a);
        while (la > 1 && a[la - 1] == '/')
                la--;
        while (*b == '/')
                b++;
        char *r = malloc(la + 1 + strlen(b) + 1);
        if (!r)
                return NULL;
        memcpy(r, a, la);
        r[la] = '\0';
        if (la == 0 || r[la - 1] != '/')
                strcat(r, "/");
        strcat(r, b);
        return r;
}

uint64_t now_usec(int clock) {
        struct timespec ts;
        clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / NSEC_PER_USEC;
}

const char *format_timespan(char *buf, size_t n, uint64_t usec) {
        static const struct {
                const char *suffix;
                uint64_t usec;
        } table[] = {
                { "d", 24ULL * 3600 * USEC_PER_SEC },
                { "h", 3600ULL * USEC_PER_SEC },
                { "min", 60ULL * USEC_PER_SEC },
                { "s", USEC_PER_SEC },
                { "ms", USEC_PER_MSEC },
                { "us", 1 },
        };
        if (usec == USEC_INFINITY) {
                snprintf(buf, n, "infinity");
                return buf;
        }
        if (usec == 0) {
                snprintf(buf, n, "0");
                return buf;
        }
        /* Round to what a reader cares about: ms below a minute, s above. */
        if (usec >= 60 * USEC_PER_SEC)
                usec = (usec + USEC_PER_SEC / 2) / USEC_PER_SEC * USEC_PER_SEC;
        else if (usec >= USEC_PER_MSEC)
                usec = (usec + USEC_PER_MSEC / 2) / USEC_PER_MSEC * USEC_PER_MSEC;
        size_t off = 0;
        int parts = 0;
        for (size_t i = 0; i < ELEMENTSOF(table) && usec > 0 && parts < 2; i++) {
                if (usec < table[i].usec)
                        continue;
                uint64_t v = usec / table[i].usec;
                usec -= v * table[i].usec;
                int w = snprintf(buf + off, n - off, "%s%llu%s", parts ? " " : "", (unsigned long long) v,
                                 table[i].suffix);
                if (w < 0 || (size_t) w >= n - off)
                        break;
                off += (size_t) w;
                parts++;
        }
        return buf;
}

const char *format_bytes(char *buf, size_t n, uint64_t bytes) {
        static const char suffix[] = "KMGTPE";
        if (bytes == UINT64_MAX) {
                snprintf(buf, n, "infinity");
                return buf;
        }
        if (bytes < 1024) {
                snprintf(buf, n, "%lluB", (unsigned long long) bytes);
                return buf;
        }
        double v = (double) bytes;
        size_t i = 0;
        for (v /= 1024; v >= 1024 && i + 1 < sizeof(suffix) - 1; i++)
                v /= 1024;
        snprintf(buf, n, v < 10 ? "%.1f%c" : "%.0f%c", v, suffix[i]);
        return buf;
}

int mkdir_p(const char *path, unsigned mode) {
        _cleanup_free_ char *p = strdup(path);
        if (!p)
                return -ENOMEM;
        for (char *s = p + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = '\0';
                if (mkdir(p, mode) < 0 && errno != EEXIST)
                        return -errno;
                *s = '/';
        }
        if (mkdir(p, mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

/* One component: opened without following it, made when missing. */
static int open_component(int dir, const char *name, unsigned mode) {
        for (int i = 0; i < 2; i++) {
                int fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd >= 0)
                        return fd;
                if (errno != ENOENT)
                        break;
                if (mkdirat(dir, name, mode) < 0 && errno != EEXIST)
                        return -errno;
        }
        int r = -errno;
        struct stat st;
        if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return r;
        return S_ISLNK(st.st_mode) ? -ELOOP : S_ISDIR(st.st_mode) ? r : -ENOTDIR;
}

int open_dir_beneath(int at, const char *rel, unsigned mode, size_t *ret_fault) {
        _cleanup_close_ int fd = -EBADF;
        for (const char *s = rel;;) {
                size_t n = strcspn(s, "/");
                char name[NAME_MAX + 1];
                int r = n == 0 || n > NAME_MAX ? -EINVAL : 0;
                if (r >= 0) {
                        memcpy(name, s, n);
                        name[n] = '\0';
                        r = streq(name, ".") || streq(name, "..") ? -EINVAL : 0;
                }
                if (r >= 0)
                        r = open_component(fd >= 0 ? fd : at, name, mode);
                if (r < 0) {
                        if (ret_fault)
                                *ret_fault = (size_t) (s - rel) + n;
                        return r;
                }
                safe_close(fd);
                fd = r;
                s += n;
                if (*s == '\0' || *++s == '\0')
                        return TAKE_FD(fd);
        }
}

int read_full_file(const char *path, char **ret, size_t *ret_len) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        size_t len = 0, cap = 4096;
        _cleanup_free_ char *buf = malloc(cap);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                if (cap - len < 2) {
                        char *b = realloc(buf, cap * 2);
                        if (!b)
                                return -ENOMEM;
                        buf = b;
                        cap *= 2;
                }
                ssize_t k = read(fd, buf + len, cap - len - 1);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                len += (size_t) k;
        }
        buf[len] = '\0';
        if (ret_len)
                *ret_len = len;
        *ret = TAKE_PTR(buf);
        return 0;
}

int write_string_file(const char *path, const char *s) {
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        size_t len = strlen(s);
        ssize_t k = write(fd, s, len);
        if (k < 0)
                return -errno;
        return (size_t) k == len ? 0 : -EIO;
}

int unix_socket_bind(int type, const char *path, unsigned mode) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        int fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        (void) unlink(path);
        /* Not under a umask of its own: umask is the process's, and svcd's other threads create
         * files meanwhile. Born under svcd's 022, the socket has no write bit for group or others,
         * so nobody but root can connect before the chmod. */
        int r = bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || chmod(path, mode) < 0 ? -errno : 0;
        if (r < 0) {
                safe_close(fd);
                return r;
        }
        return fd;
}

void *mfree(void *p) {
        free(p);
        return NULL;
}

uint64_t fnv1a64(uint64_t hash, const void *data, size_t n) {
        const unsigned char *p = data;
        for (size_t i = 0; i < n; i++) {
                hash ^= p[i];
                hash *= 0x100000001b3ULL;
        }
        return hash;
}
