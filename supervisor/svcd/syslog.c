/* SPDX-License-Identifier: MIT */
/* The service's /dev/log: a datagram socket of svcd's, bound into the sandbox, so daemons that
 * log through syslog(3) (postfix, vsftpd, cron) land in the service's log like its stdout. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/svcd/log-capture.h"
#include "supervisor/svcd/record.h"
#include "supervisor/svcd/syslog.h"
#include "supervisor/svcd/syslog-line.h"

#define SYSLOG_MAX 8192

static int on_syslog(sd_event_source *src, int fd, uint32_t revents _unused_, void *userdata) {
        struct service *s = userdata;
        char buf[SYSLOG_MAX + 2];
        for (int i = 0; i < 16; i++) {
                ssize_t n = recv(fd, buf, SYSLOG_MAX, MSG_DONTWAIT);
                if (n <= 0)
                        return 0;
                size_t len = syslog_datagram_to_line(buf, (size_t) n);
                if (s->log && !log_stream_feed(s->log, buf, len)) {
                        /* The writer is behind (a slow or frozen log disk): stop reading, as for
                         * the stdout pipe; datagrams wait in the socket, then senders block or
                         * get EAGAIN. The stream's resume callback turns this source on again. */
                        sd_event_source_set_enabled(src, SD_EVENT_OFF);
                        return 0;
                }
        }
        return 0;
}

void syslog_resume(struct service *s) {
        if (s->syslog_source)
                sd_event_source_set_enabled(s->syslog_source, SD_EVENT_ON);
}

int syslog_open(struct service *s) {
        if (s->syslog_fd >= 0)
                return 0;
        _cleanup_free_ char *path = path_join(s->m->syslog_dir, s->name);
        if (!path)
                return -ENOMEM;
        _cleanup_close_ int fd = unix_socket_bind(SOCK_DGRAM, path, 0666);
        if (fd == -ENAMETOOLONG)
                return log_error_errno(
                        fd, "%s: /dev/log socket path %s is too long for AF_UNIX; use a shorter --root",
                        s->name, path);
        if (fd < 0)
                return fd;
        int r = sd_event_add_io(s->m->event, &s->syslog_source, fd, EPOLLIN, on_syslog, s);
        if (r < 0)
                return r;
        s->syslog_fd = TAKE_FD(fd);
        s->syslog_path = TAKE_PTR(path);
        return 0;
}

void syslog_close(struct service *s) {
        s->syslog_source = sd_event_source_disable_unref(s->syslog_source);
        s->syslog_fd = safe_close(s->syslog_fd);
        if (s->syslog_path)
                (void) unlink(s->syslog_path);
        free(s->syslog_path);
        s->syslog_path = NULL;
}
