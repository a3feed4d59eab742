/* SPDX-License-Identifier: MIT */
/* sd_notify: one datagram socket per service at ROOT/run/svc/notify/NAME, bound into the
 * sandbox at /run/svc/notify. The socket itself says which service is talking (no PID-to-unit
 * lookup that races with the sender's exit, systemd#2737), and SCM_CREDENTIALS, taken by the
 * kernel at send time, must name a process of the service's PID namespace. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/svcd.h"

#define NOTIFY_BUFFER_MAX 4096

static void handle_assignment(struct service *s, const char *line, pid_t sender) {
        if (streq(line, "READY=1")) {
                service_event(s, EV_READY);
        } else if (strneq(line, "STATUS=", 7)) {
                char *t = strdup(line + 7);
                if (t) {
                        free(s->status_text);
                        s->status_text = t;
                }
        } else if (strneq(line, "MAINPID=", 8)) {
                /* In the service's own numbering: it can only ever name a process of the sandbox. */
                char *end;
                long pid = strtol(line + 8, &end, 10);
                if (*end != '\0' || pid <= 0 || pid > INT32_MAX) {
                        log_warning("%s: ignoring MAINPID=%s from pid %d", s->name, line + 8, (int) sender);
                        return;
                }
                s->reported_main_pid = (pid_t) pid;
        } else if (streq(line, "STOPPING=1") || streq(line, "RELOADING=1")) {
                log_debug("%s: %s", s->name, line);
        }
}

static void close_passed_fds(struct msghdr *mh) {
        for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                        continue;
                int *fds = (int *) CMSG_DATA(c);
                size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (size_t i = 0; i < n; i++)
                        safe_close(fds[i]);
        }
}

static const struct ucred *find_creds(struct msghdr *mh) {
        for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
                    c->cmsg_len == CMSG_LEN(sizeof(struct ucred)))
                        return (const struct ucred *) CMSG_DATA(c);
        return NULL;
}

static int on_notify(sd_event_source *src _unused_, int fd, uint32_t revents _unused_, void *userdata) {
        struct service *s = userdata;
        char buf[NOTIFY_BUFFER_MAX + 1];
        union {
                struct cmsghdr h;
                char b[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 16)];
        } control;
        struct iovec iov = { buf, NOTIFY_BUFFER_MAX };
        struct msghdr mh = {
                .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof(control)
        };
        ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
        if (n < 0)
                return 0;
        close_passed_fds(&mh);
        const struct ucred *uc = find_creds(&mh);
        /* The sender must be a process of the service. A short-lived sender (systemd-notify) may
         * be gone by now, /proc/PID with it: then the socket says who sent, as only the service's
         * sandbox (through its bind mount) and root can reach it; the directory is 0700. */
        uint64_t ns = uc && uc->pid > 0 ? pidns_of(uc->pid) : 0;
        if (!uc || uc->pid <= 0 || !s->has_sb || (ns != 0 && ns != s->pidns_ino)) {
                log_warning("%s: ignoring a notification from pid %d, not a process of the service", s->name,
                            uc ? (int) uc->pid : -1);
                return 0;
        }
        if ((size_t) n > NOTIFY_BUFFER_MAX || (mh.msg_flags & MSG_TRUNC)) {
                log_warning("%s: ignoring an oversized notification", s->name);
                return 0;
        }
        buf[n] = '\0';
        char *save = NULL;
        for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
                handle_assignment(s, line, uc->pid);
        return 0;
}

int notify_open(struct service *s) {
        if (s->notify_fd >= 0)
                return 0;
        _cleanup_free_ char *path = path_join(s->m->notify_dir, s->name);
        if (!path)
                return -ENOMEM;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        if (strlen(path) >= sizeof(sa.sun_path))
                return log_error_errno(-ENAMETOOLONG,
                                       "%s: notify socket path %s is too long for "
                                       "AF_UNIX; use a shorter --root",
                                       s->name, path);
        strcpy(sa.sun_path, path);
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        int one = 1;
        if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
                return -errno;
        (void) unlink(path);
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return -errno;
        /* Writable by the service's user, whoever that is; the socket identifies the service. */
        (void) chmod(path, 0666);
        int r = sd_event_add_io(s->m->event, &s->notify_source, fd, EPOLLIN, on_notify, s);
        if (r < 0)
                return r;
        s->notify_fd = TAKE_FD(fd);
        s->notify_path = TAKE_PTR(path);
        return 0;
}

void notify_close(struct service *s) {
        s->notify_source = sd_event_source_disable_unref(s->notify_source);
        s->notify_fd = safe_close(s->notify_fd);
        if (s->notify_path)
                (void) unlink(s->notify_path);
        free(s->notify_path);
        s->notify_path = NULL;
}
