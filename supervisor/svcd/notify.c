/* SPDX-License-Identifier: MIT */
/* sd_notify: one datagram socket per service at ROOT/run/svc/notify/NAME, bound into the
 * sandbox at /run/svc/notify. The socket itself says which service is talking (no PID-to-unit
 * lookup that races with the sender's exit, systemd#2737), and the sender must be a process of
 * the service's PID namespace, identified by the pidfd the kernel attaches (SCM_PIDFD): another
 * service that got hold of the socket (a bind) is ignored, also when it sent and exited at once.
 * systemd-notify stays until its message was read (BARRIER=1), so it is never a stranger here. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/svcd/notify-parse.h"
#include "supervisor/svcd/peer.h"
#include "supervisor/svcd/notify.h"
#include "supervisor/svcd/record.h"

/* Newer than Debian 12's kernel headers (6.5). */
#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD 76
#endif
#ifndef SCM_PIDFD
#define SCM_PIDFD 0x04
#endif

#define NOTIFY_BUFFER_MAX 4096

/* For every service together: a flood of foreign datagrams must not flood the log. */
static struct ratelimit ignored_log;

static void apply(struct service *s, const struct notify_msg *m, pid_t sender) {
        if (m->status) {
                char *t = strdup(m->status);
                if (t) {
                        free(s->status_text);
                        s->status_text = t;
                }
        }
        /* In the service's own numbering: it can only ever name a process of the sandbox. */
        if (m->bad_main_pid)
                log_warning("%s: ignoring MAINPID=%s from pid %d", s->name, m->bad_main_pid, (int) sender);
        else if (m->main_pid > 0)
                s->reported_main_pid = m->main_pid;
        if (m->stopping || m->reloading)
                log_debug("%s: %s", s->name, m->stopping ? "STOPPING=1" : "RELOADING=1");
        if (m->ready) {
                service_post(s, EV_READY, 0, 0, 0);
                service_deliver(s);
        }
}

/* The sender's pidfd (-ENODATA when the kernel attached none, -errno when it could not). */
static int take_pidfd(struct msghdr *mh) {
        int pidfd = -ENODATA;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
                int *fds = (int *) CMSG_DATA(c);
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_PIDFD &&
                    c->cmsg_len == CMSG_LEN(sizeof(int))) {
                        /* 6.5 to 6.15 put the error there when the sender had ended. */
                        safe_close(pidfd);
                        pidfd = fds[0] >= 0 ? fds[0] : -ESRCH;
                }
        }
        return pidfd;
}

/* Closes what the sender passed (SCM_RIGHTS), last: that releases the barrier of
 * systemd-notify and svcdemo, and a sender released before its message was judged could exit
 * and be taken for a stranger. */
static void close_passed(struct msghdr *mh) {
        for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                        for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++)
                                safe_close(((int *) CMSG_DATA(c))[i]);
}

static const struct ucred *find_creds(struct msghdr *mh) {
        for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
                    c->cmsg_len == CMSG_LEN(sizeof(struct ucred)))
                        return (const struct ucred *) CMSG_DATA(c);
        return NULL;
}

/* The sender's PID namespace: from its pidfd; before kernel 6.5, from the pid of
 * SCM_CREDENTIALS, which may have been recycled. 0, or -errno: the sender is unknown. */
static int sender_pidns(int pidfd, const struct ucred *uc, uint64_t *ret) {
        if (pidfd >= 0)
                return pidfd_get_pidns(pidfd, ret);
        if (pidfd != -ENODATA)
                return pidfd;
        if (!uc || uc->pid <= 0)
                return -ESRCH;
        uint64_t ns = pidns_of(uc->pid);
        if (ns == 0)
                return -ESRCH;
        *ret = ns;
        return 0;
}

static void log_ignored(struct service *s, pid_t pid, int r) {
        unsigned suppressed;
        if (!ratelimit_pass(&ignored_log, &suppressed))
                return;
        if (suppressed > 0)
                log_warning("(%u ignored notifications not logged)", suppressed);
        log_warning("%s: ignoring a notification from pid %d, %s", s->name, (int) pid,
                    r == -ESRCH ? "which has ended (it cannot be told from another service's)"
                    : r < 0     ? "which cannot be identified"
                                : "not a process of the service");
}

static int on_notify(sd_event_source *src _unused_, int fd, uint32_t revents _unused_, void *userdata) {
        struct service *s = userdata;
        char buf[NOTIFY_BUFFER_MAX + 1];
        union {
                struct cmsghdr h;
                char b[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int)) +
                       CMSG_SPACE(sizeof(int) * 16)];
        } control;
        struct iovec iov = { buf, NOTIFY_BUFFER_MAX };
        struct msghdr mh = {
                .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof(control)
        };
        ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
        if (n < 0)
                return 0;
        _cleanup_close_ int pidfd = take_pidfd(&mh);
        const struct ucred *uc = find_creds(&mh);
        pid_t pid = uc ? uc->pid : -1;
        uint64_t ns = 0;
        int r = sender_pidns(pidfd, uc, &ns);
        if (r < 0 || !s->has_sb || ns != s->pidns_ino)
                log_ignored(s, pid, r);
        else if ((size_t) n > NOTIFY_BUFFER_MAX || (mh.msg_flags & MSG_TRUNC))
                log_warning("%s: ignoring an oversized notification", s->name);
        else {
                struct notify_msg m;
                notify_parse(buf, (size_t) n, &m);
                apply(s, &m, pid);
        }
        close_passed(&mh);
        return 0;
}

int notify_open(struct service *s) {
        if (s->notify_fd >= 0)
                return 0;
        _cleanup_free_ char *path = path_join(s->m->notify_dir, s->name);
        if (!path)
                return -ENOMEM;
        /* Writable by the service's user, whoever that is; the socket identifies the service. */
        _cleanup_close_ int fd = unix_socket_bind(SOCK_DGRAM, path, 0666);
        if (fd == -ENAMETOOLONG)
                return log_error_errno(
                        fd, "%s: notify socket path %s is too long for AF_UNIX; use a shorter --root",
                        s->name, path);
        if (fd < 0)
                return fd;
        int one = 1;
        if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
                return -errno;
        /* Kernels before 6.5 have no SCM_PIDFD: then SCM_CREDENTIALS' pid alone. */
        (void) setsockopt(fd, SOL_SOCKET, SO_PASSPIDFD, &one, sizeof(one));
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
