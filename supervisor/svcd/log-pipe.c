/* SPDX-License-Identifier: MIT */
/* The pipe a service's stdout and stderr go to, read on the loop into its log stream. */
#include "supervisor/svcd/log-pipe.h"

#include <fcntl.h>
#include <unistd.h>

#include "common/util.h"
#include "supervisor/svcd/log-capture.h"
#include "supervisor/svcd/syslog.h"

#define LOG_READ_CHUNK (64 * 1024)

/* One read buffer for every service: the loop reads one pipe at a time. */
static char log_buf[LOG_READ_CHUNK];

static int on_log_readable(sd_event_source *src, int fd, uint32_t revents _unused_, void *userdata) {
        struct service *s = userdata;
        /* A few reads per wake-up, so one chatty service cannot starve the others. */
        for (int i = 0; i < 4; i++) {
                ssize_t n = read(fd, log_buf, sizeof(log_buf));
                if (n <= 0)
                        return 0;
                if (!log_stream_feed(s->log, log_buf, (size_t) n)) {
                        /* The writer is behind: stop reading; the service waits on its pipe. */
                        sd_event_source_set_enabled(src, SD_EVENT_OFF);
                        return 0;
                }
        }
        return 0;
}

/* Reads whatever the pipe holds right now, past the buffer bound: the service ended, and its
 * last words must be in the log before svcd's note about the end, and a partial line must not be
 * cut in two. Bounded by the pipe's size. */
void log_pipe_drain(struct service *s) {
        if (!s->log || s->log_pipe[0] < 0)
                return;
        ssize_t n;
        while ((n = read(s->log_pipe[0], log_buf, sizeof(log_buf))) > 0)
                (void) log_stream_feed(s->log, log_buf, (size_t) n);
}

static void on_log_resume(void *userdata) {
        struct service *s = userdata;
        sd_event_source_set_enabled(s->log_source, SD_EVENT_ON);
        syslog_resume(s);
}

int log_pipe_open(struct service *s) {
        if (s->log)
                return 0;
        _cleanup_free_ char *dir = path_join(s->m->log_dir, s->name);
        if (!dir)
                return -ENOMEM;
        int r = log_stream_new(s->m->logs, dir, s->m->svc_gid, &s->log);
        if (r < 0)
                return r;
        if (s->unit)
                log_stream_configure(s->log, s->unit->log_rotate_size, s->unit->log_rotate_count);
        log_stream_set_resume(s->log, on_log_resume, s);
        if (pipe2(s->log_pipe, O_CLOEXEC) < 0)
                return -errno;
        (void) fcntl(s->log_pipe[0], F_SETFL, O_NONBLOCK);
        /* A larger pipe means fewer wake-ups for chatty services; the default is fine if the
         * system refuses. */
        (void) fcntl(s->log_pipe[0], F_SETPIPE_SZ, 256 * 1024);
        return sd_event_add_io(s->m->event, &s->log_source, s->log_pipe[0], EPOLLIN, on_log_readable, s);
}

void log_pipe_close(struct service *s) {
        if (s->log_source) {
                /* Whatever is still in the pipe belongs to the log. */
                on_log_readable(s->log_source, s->log_pipe[0], EPOLLIN, s);
                s->log_source = sd_event_source_disable_unref(s->log_source);
        }
        log_stream_close(s->log);
        s->log = NULL;
        s->log_pipe[0] = safe_close(s->log_pipe[0]);
        s->log_pipe[1] = safe_close(s->log_pipe[1]);
}
