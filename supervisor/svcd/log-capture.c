/* SPDX-License-Identifier: MIT */
/* Log capture. The event loop moves bytes from service pipes into per-service memory and
 * timestamps each line; one writer thread (the only thread svcd has: file writes can block, and
 * the loop must not) appends them to ROOT/var/log/svc/NAME/current and rotates by size and count.
 * A stream whose buffer is full makes the loop stop reading its pipe, so the service waits on a
 * full pipe as it would with s6-log: nothing is dropped.
 *
 * The writer runs as root in a directory whose entries nobody else may write; still, it resolves
 * nothing by path: NAME is opened below var/log/svc without following a symlink, and `current`
 * and the archives are opened, renamed and removed relative to that directory fd, with O_NOFOLLOW.
 * A symlink or anything but a regular file at the place of `current` is removed, never followed. */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/svcd/log-capture.h"
#include "supervisor/svcd/record.h"

#define LOG_BUFFER_MAX (512 * 1024) /* per stream, between the loop and the writer */
#define LOG_LINE_MAX (48 * 1024) /* a partial line longer than this is written as is */
#define TIMESTAMP_LEN 27 /* "2026-11-24 17:56:01.123456 " */

struct buf {
        char *data;
        size_t len, cap;
};

struct log_stream {
        struct log_writer *w;
        char *dir; /* ROOT/var/log/svc/NAME, for messages */
        char *base, *name; /* ROOT/var/log/svc (svc's own, trusted) and NAME */
        gid_t group;
        uint64_t rotate_size;
        unsigned rotate_count;

        /* Loop thread only. */
        char *partial;
        size_t partial_len;
        void (*resume)(void *userdata);
        void *userdata;

        /* Shared, under w->lock. */
        struct buf fill;
        bool paused, closing, queued;
        struct log_stream *next;

        /* Writer thread only. */
        int dir_fd; /* NAME, while `current` is open */
        int fd;
        uint64_t size;
        bool warned; /* about a symlink at NAME */
};

struct log_writer {
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t cond;
        struct log_stream *head, *tail; /* streams with something to write */
        bool quit;
        int wake_fd; /* writer -> loop: some paused stream has room again */
        sd_event_source *wake_source;
        struct log_stream **paused; /* loop thread only */
        size_t n_paused;
};

static void buf_free(struct buf *b) {
        free(b->data);
        *b = (struct buf){ 0 };
}

static bool buf_reserve(struct buf *b, size_t extra) {
        if (b->len + extra <= b->cap)
                return true;
        size_t cap = MAX(b->cap * 2, b->len + extra);
        cap = MAX(cap, (size_t) 4096);
        char *d = realloc(b->data, cap);
        if (!d)
                return false;
        b->data = d;
        b->cap = cap;
        return true;
}

/* ---- writer thread ------------------------------------------------------------------------ */

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Keeps the newest rotate_count archives ("@...s" files), deletes the rest. */
static void prune_archives(struct log_stream *ls) {
        int fd = openat(ls->dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d) {
                safe_close(fd);
                return;
        }
        char **names = NULL;
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] != '@')
                        continue;
                char **nn = realloc(names, sizeof(char *) * (n + 1));
                if (!nn || !(nn[n] = strdup(de->d_name))) {
                        names = nn ? nn : names;
                        break;
                }
                names = nn;
                n++;
        }
        closedir(d);
        if (n > 0)
                qsort(names, n, sizeof(char *), cmp_str);
        for (size_t i = 0; i < n; i++) {
                if (i + ls->rotate_count < n)
                        (void) unlinkat(ls->dir_fd, names[i], 0);
                free(names[i]);
        }
        free(names);
}

static int open_dir(struct log_stream *ls) {
        if (ls->dir_fd >= 0)
                return 0;
        _cleanup_close_ int base = open(ls->base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (base < 0)
                return -errno;
        int fd = open_dir_beneath(base, ls->name, 02750, NULL);
        if (fd == -ELOOP && !ls->warned) {
                ls->warned = true;
                log_error("%s is a symlink; not following it: the log of %s is not written", ls->dir,
                          ls->name);
        }
        if (fd < 0)
                return fd;
        if (ls->group != (gid_t) -1)
                (void) fchown(fd, 0, ls->group);
        ls->dir_fd = fd;
        return 0;
}

/* `current`, a regular file of its own: O_NONBLOCK, so that a FIFO put there cannot block. */
static int open_current_file(struct log_stream *ls) {
        int fd = openat(ls->dir_fd, "current",
                        O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0640);
        if (fd < 0)
                return errno == ENXIO ? -EBADFD : -errno;
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                close(fd);
                return -EBADFD;
        }
        ls->fd = fd;
        ls->size = (uint64_t) st.st_size;
        return 0;
}

static int open_current(struct log_stream *ls) {
        if (ls->fd >= 0)
                return 0;
        int r = open_dir(ls);
        if (r < 0)
                return r;
        r = open_current_file(ls);
        if (r == -ELOOP || r == -EBADFD) {
                log_error("%s/current is not a regular file (%s); replacing it", ls->dir,
                          r == -ELOOP ? "a symlink" : "a special file");
                if (unlinkat(ls->dir_fd, "current", 0) >= 0)
                        r = open_current_file(ls);
        }
        if (r < 0)
                ls->dir_fd = safe_close(ls->dir_fd);
        return r;
}

static void rotate(struct log_stream *ls) {
        ls->fd = safe_close(ls->fd);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        char name[64];
        size_t k = strftime(name, sizeof(name), "@%Y%m%dT%H%M%S", &tm);
        snprintf(name + k, sizeof(name) - k, ".%09ld.s", ts.tv_nsec);
        (void) renameat(ls->dir_fd, "current", ls->dir_fd, name);
        prune_archives(ls);
        /* Opened again with the next `current`: a directory removed meanwhile is made anew. */
        ls->dir_fd = safe_close(ls->dir_fd);
}

static void write_all(struct log_stream *ls, const char *p, size_t n) {
        while (n > 0) {
                ssize_t k = write(ls->fd, p, n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return; /* disk full or gone: the lines are lost, svcd goes on */
                p += k;
                n -= (size_t) k;
                ls->size += (uint64_t) k;
        }
}

/* Writes complete lines, rotating at line boundaries when `current` would pass rotate_size. */
static void write_lines(struct log_stream *ls, const char *p, size_t n) {
        while (n > 0) {
                if (open_current(ls) < 0)
                        return;
                uint64_t room = ls->size < ls->rotate_size ? ls->rotate_size - ls->size : 0;
                if (n <= room) {
                        write_all(ls, p, n);
                        return;
                }
                /* The longest prefix that fits and ends a line. */
                size_t cut = 0;
                for (size_t i = (size_t) MIN(room, (uint64_t) n); i > 0; i--)
                        if (p[i - 1] == '\n') {
                                cut = i;
                                break;
                        }
                if (cut == 0 && ls->size == 0) {
                        /* One line longer than a whole file: it gets a file of its own. */
                        const char *nl = memchr(p, '\n', n);
                        cut = nl ? (size_t) (nl - p) + 1 : n;
                }
                write_all(ls, p, cut);
                p += cut;
                n -= cut;
                if (n > 0)
                        rotate(ls);
        }
}

static void stream_destroy(struct log_stream *ls) {
        safe_close(ls->fd);
        safe_close(ls->dir_fd);
        buf_free(&ls->fill);
        free(ls->partial);
        free(ls->dir);
        free(ls->base);
        free(ls->name);
        free(ls);
}

/* Takes everything queued from one stream and writes it without holding the lock. */
static void drain_one(struct log_writer *w, struct log_stream *ls, struct buf *spare) {
        struct buf b = ls->fill;
        ls->fill = *spare;
        ls->fill.len = 0;
        bool closing = ls->closing, was_paused = ls->paused;
        pthread_mutex_unlock(&w->lock);

        write_lines(ls, b.data, b.len);
        b.len = 0;
        *spare = b;
        if (was_paused) {
                uint64_t one = 1;
                ssize_t k _unused_ = write(w->wake_fd, &one, sizeof(one));
        }
        if (closing) {
                pthread_mutex_lock(&w->lock);
                bool more = ls->fill.len > 0;
                pthread_mutex_unlock(&w->lock);
                if (more)
                        write_lines(ls, ls->fill.data, ls->fill.len);
                stream_destroy(ls);
        }
        pthread_mutex_lock(&w->lock);
}

static void *writer_main(void *arg) {
        struct log_writer *w = arg;
        struct buf spare = { 0 };
        pthread_mutex_lock(&w->lock);
        for (;;) {
                while (!w->head && !w->quit)
                        pthread_cond_wait(&w->cond, &w->lock);
                if (!w->head && w->quit)
                        break;
                struct log_stream *ls = w->head;
                w->head = ls->next;
                if (!w->head)
                        w->tail = NULL;
                ls->next = NULL;
                ls->queued = false;
                drain_one(w, ls, &spare);
                /* A large spare buffer is given back rather than kept for ever. */
                if (spare.cap > 64 * 1024)
                        buf_free(&spare);
        }
        pthread_mutex_unlock(&w->lock);
        buf_free(&spare);
        return NULL;
}

/* ---- loop thread -------------------------------------------------------------------------- */

static void enqueue_locked(struct log_writer *w, struct log_stream *ls) {
        if (ls->queued)
                return;
        ls->queued = true;
        ls->next = NULL;
        if (w->tail)
                w->tail->next = ls;
        else
                w->head = ls;
        w->tail = ls;
        pthread_cond_signal(&w->cond);
}

static int on_wake(sd_event_source *src _unused_, int fd, uint32_t revents _unused_, void *userdata) {
        struct log_writer *w = userdata;
        uint64_t v;
        ssize_t k _unused_ = read(fd, &v, sizeof(v));
        /* Resume every paused stream that has room again. */
        for (size_t i = 0; i < w->n_paused;) {
                struct log_stream *ls = w->paused[i];
                pthread_mutex_lock(&w->lock);
                bool room = ls->fill.len < LOG_BUFFER_MAX / 2;
                if (room)
                        ls->paused = false;
                pthread_mutex_unlock(&w->lock);
                if (!room) {
                        i++;
                        continue;
                }
                w->paused[i] = w->paused[--w->n_paused];
                if (ls->resume)
                        ls->resume(ls->userdata);
        }
        return 0;
}

int log_writer_new(sd_event *event, struct log_writer **ret) {
        struct log_writer *w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        pthread_mutex_init(&w->lock, NULL);
        pthread_cond_init(&w->cond, NULL);
        w->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (w->wake_fd < 0) {
                free(w);
                return -errno;
        }
        int r = sd_event_add_io(event, &w->wake_source, w->wake_fd, EPOLLIN, on_wake, w);
        if (r >= 0)
                r = -pthread_create(&w->thread, NULL, writer_main, w);
        if (r < 0) {
                sd_event_source_unref(w->wake_source);
                safe_close(w->wake_fd);
                free(w);
                return r;
        }
        *ret = w;
        return 0;
}

/* Flushes everything queued and stops the thread. */
void log_writer_free(struct log_writer *w) {
        if (!w)
                return;
        pthread_mutex_lock(&w->lock);
        w->quit = true;
        pthread_cond_signal(&w->cond);
        pthread_mutex_unlock(&w->lock);
        pthread_join(w->thread, NULL);
        sd_event_source_disable_unref(w->wake_source);
        safe_close(w->wake_fd);
        free(w->paused);
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->cond);
        free(w);
}

int log_stream_new(struct log_writer *w, const char *dir, gid_t group, struct log_stream **ret) {
        struct log_stream *ls = calloc(1, sizeof(*ls));
        if (!ls)
                return -ENOMEM;
        ls->w = w;
        ls->fd = ls->dir_fd = -EBADF;
        ls->group = group;
        ls->rotate_size = 1024 * 1024;
        ls->rotate_count = 10;
        const char *slash = strrchr(dir, '/');
        ls->dir = strdup(dir);
        ls->base = slash ? strndup(dir, slash == dir ? 1 : (size_t) (slash - dir)) : strdup(".");
        ls->name = strdup(slash ? slash + 1 : dir);
        if (!ls->dir || !ls->base || !ls->name) {
                stream_destroy(ls);
                return -ENOMEM;
        }
        *ret = ls;
        return 0;
}

void log_stream_configure(struct log_stream *ls, uint64_t rotate_size, unsigned rotate_count) {
        pthread_mutex_lock(&ls->w->lock);
        ls->rotate_size = rotate_size;
        ls->rotate_count = rotate_count;
        pthread_mutex_unlock(&ls->w->lock);
}

void log_stream_set_resume(struct log_stream *ls, void (*resume)(void *userdata), void *userdata) {
        ls->resume = resume;
        ls->userdata = userdata;
}

static void forget_paused(struct log_writer *w, struct log_stream *ls) {
        for (size_t i = 0; i < w->n_paused; i++)
                if (w->paused[i] == ls) {
                        w->paused[i] = w->paused[--w->n_paused];
                        return;
                }
}

void log_stream_close(struct log_stream *ls) {
        if (!ls)
                return;
        log_stream_flush_partial(ls);
        struct log_writer *w = ls->w;
        forget_paused(w, ls);
        ls->resume = NULL;
        pthread_mutex_lock(&w->lock);
        ls->closing = true;
        enqueue_locked(w, ls);
        pthread_mutex_unlock(&w->lock);
}

static size_t format_timestamp(char *out) {
        static time_t cached_sec = -1;
        static char cached[32];
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        if (ts.tv_sec != cached_sec) {
                struct tm tm;
                localtime_r(&ts.tv_sec, &tm);
                strftime(cached, sizeof(cached), "%Y-%m-%d %H:%M:%S", &tm);
                cached_sec = ts.tv_sec;
        }
        memcpy(out, cached, 19);
        /* ".uuuuuu " by hand: a fixed width that snprintf cannot prove. */
        unsigned long us = (unsigned long) ts.tv_nsec / 1000;
        out[19] = '.';
        for (int i = 25; i >= 20; i--, us /= 10)
                out[i] = (char) ('0' + us % 10);
        out[26] = ' ';
        return TIMESTAMP_LEN;
}

static void append_line(struct buf *b, const char *ts, const char *a, size_t na, const char *c, size_t nc) {
        /* The reserve was done by the caller for the whole batch; this cannot fail. */
        memcpy(b->data + b->len, ts, TIMESTAMP_LEN);
        b->len += TIMESTAMP_LEN;
        if (na > 0)
                memcpy(b->data + b->len, a, na);
        b->len += na;
        if (nc > 0)
                memcpy(b->data + b->len, c, nc);
        b->len += nc;
        b->data[b->len++] = '\n';
}

static size_t count_lines(const char *data, size_t len) {
        size_t n = 0;
        for (const char *p = data; (p = memchr(p, '\n', (size_t) (data + len - p))); p++)
                n++;
        return n;
}

/* Formats DATA (after the pending partial line) into complete entries under the lock. */
static void feed_locked(struct log_stream *ls, const char *data, size_t len, const char *ts) {
        size_t lines = count_lines(data, len);
        if (!buf_reserve(&ls->fill, len + ls->partial_len + (lines + 1) * (TIMESTAMP_LEN + 1)))
                return; /* out of memory: keep the bytes unread-equivalent by dropping them */
        const char *p = data, *end = data + len;
        const char *nl;
        while ((nl = memchr(p, '\n', (size_t) (end - p)))) {
                append_line(&ls->fill, ts, ls->partial, ls->partial_len, p, (size_t) (nl - p));
                ls->partial_len = 0;
                p = nl + 1;
        }
        size_t rest = (size_t) (end - p);
        if (rest == 0)
                return;
        if (ls->partial_len + rest > LOG_LINE_MAX) {
                append_line(&ls->fill, ts, ls->partial, ls->partial_len, p, rest);
                ls->partial_len = 0;
                return;
        }
        char *np = realloc(ls->partial, ls->partial_len + rest);
        if (!np)
                return;
        ls->partial = np;
        memcpy(ls->partial + ls->partial_len, p, rest);
        ls->partial_len += rest;
}

bool log_stream_feed(struct log_stream *ls, const char *data, size_t len) {
        struct log_writer *w = ls->w;
        char ts[32];
        format_timestamp(ts);
        pthread_mutex_lock(&w->lock);
        feed_locked(ls, data, len, ts);
        if (ls->fill.len > 0)
                enqueue_locked(w, ls);
        bool full = ls->fill.len >= LOG_BUFFER_MAX;
        if (full && !ls->paused) {
                ls->paused = true;
                struct log_stream **np = realloc(w->paused, sizeof(*np) * (w->n_paused + 1));
                if (np) {
                        w->paused = np;
                        w->paused[w->n_paused++] = ls;
                } else
                        ls->paused = full = false; /* cannot track it: keep reading instead */
        }
        pthread_mutex_unlock(&w->lock);
        return !full;
}

void log_stream_flush_partial(struct log_stream *ls) {
        if (!ls || ls->partial_len == 0)
                return;
        char ts[32];
        format_timestamp(ts);
        pthread_mutex_lock(&ls->w->lock);
        if (buf_reserve(&ls->fill, ls->partial_len + TIMESTAMP_LEN + 1))
                append_line(&ls->fill, ts, ls->partial, ls->partial_len, "", 0);
        ls->partial_len = 0;
        enqueue_locked(ls->w, ls);
        pthread_mutex_unlock(&ls->w->lock);
}

void log_stream_note(struct log_stream *ls, const char *fmt, ...) {
        if (!ls)
                return;
        char line[1024];
        line[0] = '[';
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(line + 1, sizeof(line) - 3, fmt, ap);
        va_end(ap);
        if (k < 0)
                return;
        size_t n = strlen(line);
        line[n++] = ']';
        /* An entry of its own, beside the service's pending partial line, which it must not
         * cut in two: the note is appended directly, not fed through the line splitter. */
        char ts[32];
        format_timestamp(ts);
        pthread_mutex_lock(&ls->w->lock);
        if (buf_reserve(&ls->fill, n + TIMESTAMP_LEN + 1))
                append_line(&ls->fill, ts, line, n, "", 0);
        enqueue_locked(ls->w, ls);
        pthread_mutex_unlock(&ls->w->lock);
}
