/* SPDX-License-Identifier: MIT */
/* The second thread of svcd (log-capture.c has the first): a directory walk cannot be made
 * non-blocking, and the loop must go on answering while it runs. The thread touches nothing but
 * the job it was given (its paths, its total, its cancel flag); the loop learns of the end
 * through a pipe, joins the thread, answers the job's waiters and starts the next job. */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/svcd/du.h"

struct du_waiter {
        struct du_job *job;
        du_done_t done;
        void *userdata;
        struct du_waiter *next;
};

struct du_job {
        struct du_worker *w;
        char *key;
        char **paths;
        uint64_t total;
        atomic_bool cancelled;
        struct du_waiter *waiters;
        struct du_job *next;
};

struct du_worker {
        sd_event_source *src, *kick;
        int pipe[2];
        struct du_job *queue, *running; /* loop thread only */
        pthread_t thread;
};

static void job_free(struct du_job *j) {
        while (j->waiters) {
                struct du_waiter *x = j->waiters;
                j->waiters = x->next;
                free(x);
        }
        strv_free(j->paths);
        free(j->key);
        free(j);
}

static void job_answer(struct du_job *j, const uint64_t *total) {
        while (j->waiters) {
                struct du_waiter *x = j->waiters;
                j->waiters = x->next;
                x->done(total, x->userdata);
                free(x);
        }
}

static uint64_t disk_usage(const struct du_job *j, int at, const char *path, int depth) {
        struct stat st;
        if (depth > 64 || atomic_load(&j->cancelled) || fstatat(at, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return 0;
        uint64_t total = (uint64_t) st.st_blocks * 512;
        if (!S_ISDIR(st.st_mode))
                return total;
        int fd = openat(at, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d) {
                safe_close(fd);
                return total;
        }
        struct dirent *de;
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        total += disk_usage(j, dirfd(d), de->d_name, depth + 1);
        closedir(d);
        return total;
}

static void *walk(void *arg) {
        struct du_job *j = arg;
        STRV_FOREACH (p, j->paths)
                j->total += disk_usage(j, AT_FDCWD, *p, 0);
        char c = 0;
        (void) write(j->w->pipe[1], &c, 1);
        return NULL;
}

/* Starts the next job that still has waiters. */
static void start_next(struct du_worker *w) {
        while (!w->running && w->queue) {
                struct du_job *j = w->queue;
                w->queue = j->next;
                if (!j->waiters) {
                        job_free(j);
                        continue;
                }
                if (pthread_create(&w->thread, NULL, walk, j) != 0) {
                        job_answer(j, NULL); /* no answer rather than a walk in the loop */
                        job_free(j);
                        continue;
                }
                w->running = j;
        }
}

static int on_walk_done(sd_event_source *src _unused_, int fd, uint32_t revents _unused_, void *userdata) {
        struct du_worker *w = userdata;
        char buf[16];
        if (read(fd, buf, sizeof(buf)) <= 0 || !w->running)
                return 0;
        struct du_job *j = w->running;
        pthread_join(w->thread, NULL);
        w->running = NULL;
        job_answer(j, &j->total);
        job_free(j);
        start_next(w);
        return 0;
}

/* Jobs start from the loop, never inside du_request(): so DONE never runs before it returns. */
static int on_kick(sd_event_source *src _unused_, void *userdata) {
        start_next(userdata);
        return 0;
}

int du_worker_new(sd_event *event, struct du_worker **ret) {
        struct du_worker *w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        if (pipe2(w->pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
                free(w);
                return -errno;
        }
        int r = sd_event_add_io(event, &w->src, w->pipe[0], EPOLLIN, on_walk_done, w);
        if (r >= 0)
                r = sd_event_add_defer(event, &w->kick, on_kick, w);
        if (r >= 0)
                r = sd_event_source_set_enabled(w->kick, SD_EVENT_OFF);
        if (r < 0) {
                du_worker_free(w);
                return r;
        }
        *ret = w;
        return 0;
}

struct du_worker *du_worker_free(struct du_worker *w) {
        if (!w)
                return NULL;
        while (w->queue) {
                struct du_job *j = w->queue;
                w->queue = j->next;
                job_free(j);
        }
        if (w->running) {
                atomic_store(&w->running->cancelled, true);
                pthread_join(w->thread, NULL);
                job_free(w->running);
        }
        sd_event_source_disable_unref(w->src);
        sd_event_source_disable_unref(w->kick);
        safe_close(w->pipe[0]);
        safe_close(w->pipe[1]);
        free(w);
        return NULL;
}

static struct du_job *find_job(struct du_worker *w, const char *key) {
        if (w->running && streq(w->running->key, key))
                return w->running;
        for (struct du_job *j = w->queue; j; j = j->next)
                if (streq(j->key, key))
                        return j;
        return NULL;
}

int du_request(struct du_worker *w, const char *key, char **paths, du_done_t done, void *userdata,
               struct du_waiter **ret) {
        _cleanup_strv_free_ char **l = paths;
        struct du_waiter *x = calloc(1, sizeof(*x));
        if (!x)
                return -ENOMEM;
        struct du_job *j = find_job(w, key);
        if (!j) {
                j = calloc(1, sizeof(*j));
                if (!j || !(j->key = strdup(key))) {
                        free(j);
                        free(x);
                        return -ENOMEM;
                }
                j->w = w;
                j->paths = TAKE_PTR(l);
                struct du_job **pp = &w->queue;
                while (*pp)
                        pp = &(*pp)->next;
                *pp = j;
        }
        *x = (struct du_waiter){ .job = j, .done = done, .userdata = userdata, .next = j->waiters };
        j->waiters = x;
        *ret = x;
        if (!w->running)
                (void) sd_event_source_set_enabled(w->kick, SD_EVENT_ONESHOT);
        return 0;
}

void du_cancel(struct du_waiter *x) {
        struct du_job *j = x->job;
        for (struct du_waiter **pp = &j->waiters; *pp; pp = &(*pp)->next)
                if (*pp == x) {
                        *pp = x->next;
                        free(x);
                        break;
                }
        /* Nobody waits: a walk under way may stop (a queued one is dropped at its turn). */
        if (!j->waiters && j->w->running == j)
                atomic_store(&j->cancelled, true);
}
