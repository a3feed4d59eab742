/* SPDX-License-Identifier: MIT */
/* Reading service logs straight from ROOT/var/log/svc/NAME: `current` and the rotated
 * "@TIMESTAMP.s" files, oldest first. The files are readable by root and group svc, which is
 * exactly who may read logs, so no daemon is involved. The bytes are the service's: what a
 * terminal could act on (escape sequences, other controls, bytes that are not UTF-8) is shown
 * as \xNN, to a terminal and to a pipe alike, as journalctl does; the files keep them raw. */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#include "common/macro.h"
#include "common/paths.h"
#include "common/utf8.h"
#include "common/util.h"
#include "supervisor/cli/client.h"

const char *client_root(const char *arg) {
        if (!isempty(arg))
                return arg;
        const char *e = getenv("SVC_ROOT");
        return isempty(e) ? "/" : e;
}

char *client_log_dir(const char *root, const char *name) {
        _cleanup_free_ char *base = path_join(root, SVC_LOG_DIR);
        return base ? path_join(base, name) : NULL;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The log files of DIR, oldest first, `current` last. */
static char **list_files(const char *dir) {
        DIR *d = opendir(dir);
        if (!d)
                return NULL;
        char **l = NULL;
        struct dirent *de;
        while ((de = readdir(d)))
                if (de->d_name[0] == '@' && strv_extend(&l, de->d_name) < 0)
                        break;
        closedir(d);
        if (l)
                qsort(l, strv_length(l), sizeof(char *), cmp_str);
        (void) strv_extend(&l, "current");
        return l;
}

/* Prints the last N lines of the text formed by FILES, reading newest to oldest until enough
 * lines are found. `current` is read only up to CURRENT_SIZE. */
static void print_tail(const char *dir, char **files, long n, off_t current_size, FILE *out) {
        size_t nf = strv_length(files);
        char **texts = calloc(nf + 1, sizeof(char *));
        if (!texts)
                return;
        long need = n, first = (long) nf;
        for (long i = (long) nf - 1; i >= 0 && (n < 0 || need > 0); i--) {
                _cleanup_free_ char *p = path_join(dir, files[i]);
                size_t len = 0;
                if (!p || read_full_file(p, &texts[i], &len) < 0)
                        continue;
                if (i == (long) nf - 1 && (off_t) len > current_size)
                        texts[i][current_size] = '\0';
                for (const char *c = texts[i]; (c = strchr(c, '\n')); c++)
                        need--;
                first = i;
        }
        /* Skip the surplus lines at the start of the oldest text read. */
        for (long i = first; i < (long) nf; i++) {
                const char *t = texts[i];
                if (!t)
                        continue;
                for (; n >= 0 && need < 0 && t && *t; need++) {
                        t = strchr(t, '\n');
                        t = t ? t + 1 : NULL;
                }
                if (t)
                        utf8_put_escaped(out, t, strlen(t));
        }
        for (size_t i = 0; i < nf; i++)
                free(texts[i]);
        free(texts);
        fflush(out);
}

/* What a character cut by the end of a read keeps for the next: at most 3 bytes. */
struct held {
        char bytes[4];
        size_t n;
};

static void copy_fd(int fd, FILE *out, struct held *h) {
        char buf[65536];
        ssize_t k;
        memcpy(buf, h->bytes, h->n);
        while ((k = read(fd, buf + h->n, sizeof(buf) - h->n)) > 0) {
                size_t n = h->n + (size_t) k, tail = utf8_incomplete_tail(buf, n);
                utf8_put_escaped(out, buf, n - tail);
                memcpy(h->bytes, buf + n - tail, tail);
                memcpy(buf, h->bytes, tail);
                h->n = tail;
        }
        fflush(out);
}

/* Takes FD (may be -1 while `current` does not exist yet). */
static int follow(const char *dir, int fd, FILE *out) {
        _cleanup_close_ int in = inotify_init1(IN_CLOEXEC);
        _cleanup_free_ char *cur = path_join(dir, "current");
        if (in < 0 || !cur ||
            inotify_add_watch(in, dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM) < 0) {
                safe_close(fd);
                return cur ? -errno : -ENOMEM;
        }
        struct held h = { .n = 0 };
        for (;;) {
                if (fd >= 0)
                        copy_fd(fd, out, &h);
                /* `current` was rotated (or appeared): finish the old file, go on with the new. */
                struct stat a, b;
                if (stat(cur, &a) == 0 && (fd < 0 || (fstat(fd, &b) == 0 && a.st_ino != b.st_ino))) {
                        int nfd = open(cur, O_RDONLY | O_CLOEXEC);
                        if (nfd >= 0) {
                                if (fd >= 0)
                                        copy_fd(fd, out, &h);
                                safe_close(fd);
                                fd = nfd;
                                continue;
                        }
                }
                struct pollfd p = { .fd = in, .events = POLLIN };
                if (poll(&p, 1, 1000) > 0) {
                        char ev[4096];
                        ssize_t k _unused_ = read(in, ev, sizeof(ev));
                }
                if (ferror(out)) {
                        safe_close(fd);
                        return -EPIPE;
                }
        }
}

int client_logs(const char *dir, long n, bool follow_mode, FILE *out) {
        struct stat st;
        if (stat(dir, &st) < 0)
                return -errno;
        _cleanup_free_ char *cur = path_join(dir, "current");
        if (!cur)
                return -ENOMEM;
        int fd = open(cur, O_RDONLY | O_CLOEXEC);
        if (fd < 0 && errno != ENOENT)
                return -errno;
        off_t size = 0;
        if (fd >= 0 && fstat(fd, &st) == 0)
                size = st.st_size;
        _cleanup_strv_free_ char **files = list_files(dir);
        print_tail(dir, files, n, size, out);
        if (!follow_mode) {
                safe_close(fd);
                return 0;
        }
        if (fd >= 0)
                (void) lseek(fd, size, SEEK_SET);
        return follow(dir, fd, out);
}

void json_string(FILE *f, const char *s) {
        fputc('"', f);
        for (const unsigned char *p = (const unsigned char *) (s ? s : ""); *p; p++) {
                switch (*p) {
                case '"':
                        fputs("\\\"", f);
                        break;
                case '\\':
                        fputs("\\\\", f);
                        break;
                case '\n':
                        fputs("\\n", f);
                        break;
                case '\t':
                        fputs("\\t", f);
                        break;
                default:
                        if (*p < 0x20)
                                fprintf(f, "\\u%04x", *p);
                        else
                                fputc(*p, f);
                }
        }
        fputc('"', f);
}
