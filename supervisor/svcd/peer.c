/* SPDX-License-Identifier: MIT */
/* Identifying peers by pidfd. The kernel pins the peer's struct pid when it connects (or sends a
 * datagram), so SO_PEERPIDFD and SCM_PIDFD name that very process even after it exited and its
 * number went to another: a pidfd that no longer names a running process fails with ESRCH, and
 * the callers refuse. From kernel 6.11 the pidfd gives the process's PID namespace
 * (PIDFD_GET_PID_NAMESPACE), and NS_GET_PID_IN_PIDNS tells whether svcd can be seen from it. On
 * older kernels the pidfd's fdinfo says the same in numbers. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/svcd/peer.h"

/* Newer than Debian 12's kernel headers. */
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif
#ifndef PIDFD_GET_PID_NAMESPACE
#define PIDFD_GET_PID_NAMESPACE _IO(0xFF, 5)
#endif
#ifndef NS_GET_PID_IN_PIDNS
#define NS_GET_PID_IN_PIDNS _IOR(0xb7, 0x8, int)
#endif

uint64_t pidns_of(pid_t pid) {
        char path[64];
        struct stat st;
        snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int) pid);
        return stat(path, &st) == 0 ? (uint64_t) st.st_ino : 0;
}

static bool pidfd_alive(int pidfd) {
        return syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0;
}

static int peer_pidfd(int fd, pid_t cred_pid) {
        int pidfd = -EBADF;
        socklen_t len = sizeof(pidfd);
        if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) == 0)
                return pidfd;
        /* 6.5 to 6.15 refuse a pidfd for a peer that has ended (EINVAL, ESRCH). */
        if (errno != ENOPROTOOPT)
                return -ESRCH;
        /* Before 6.5: the pid SO_PEERCRED read, which may have been recycled since. 0: the
         * kernel numbers the peer's pid (pinned at connect, alive or not) in no namespace at or
         * below svcd's, so it is no process of a service. */
        if (cred_pid == 0)
                return -ENODATA;
        pidfd = (int) syscall(SYS_pidfd_open, cred_pid, 0);
        return pidfd >= 0 ? pidfd : -errno;
}

/* From /proc/self/fdinfo/PIDFD: the pid in /proc's namespace (-1: ended, 0: not in /proc's
 * namespace or below it) and how many namespaces deep below /proc's it lives. */
static int pidfd_fdinfo(int pidfd, pid_t *ret_pid, unsigned *ret_depth) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
        _cleanup_free_ char *text = NULL;
        int r = read_full_file(path, &text, NULL);
        if (r < 0)
                return r;
        const char *p = strstr(text, "\nPid:");
        const char *ns = strstr(text, "\nNSpid:");
        if (!p)
                return -EOPNOTSUPP;
        long pid = strtol(p + 5, NULL, 10);
        unsigned depth = 0;
        for (const char *q = ns ? ns + 7 : ""; *q && *q != '\n'; q++)
                if (*q == '\t' && q[1] != '\n' && q[1] != '\0')
                        depth++;
        *ret_pid = (pid_t) pid;
        *ret_depth = depth > 0 ? depth - 1 : 0;
        return 0;
}

int pidfd_get_pidns(int pidfd, uint64_t *ret) {
        _cleanup_close_ int nsfd = ioctl(pidfd, PIDFD_GET_PID_NAMESPACE, 0);
        struct stat st;
        if (nsfd >= 0) {
                if (fstat(nsfd, &st) < 0)
                        return -errno;
                *ret = (uint64_t) st.st_ino;
                return 0;
        }
        if (errno == ESRCH)
                return -ESRCH;
        /* Before 6.11: by its number in /proc, which the process keeps while it lives. */
        pid_t pid;
        unsigned depth;
        int r = pidfd_fdinfo(pidfd, &pid, &depth);
        if (r < 0)
                return r;
        if (pid < 0)
                return -ESRCH;
        if (pid == 0)
                return -EOPNOTSUPP;
        uint64_t ino = pidns_of(pid);
        if (ino == 0 || !pidfd_alive(pidfd))
                return -ESRCH;
        *ret = ino;
        return 0;
}

/* How many PID namespaces deep below /proc's svcd itself lives. */
static int own_depth(unsigned *ret) {
        _cleanup_close_ int self = (int) syscall(SYS_pidfd_open, getpid(), 0);
        if (self < 0)
                return -errno;
        pid_t pid;
        return pidfd_fdinfo(self, &pid, ret);
}

int pidfd_above_services(int pidfd) {
        _cleanup_close_ int nsfd = ioctl(pidfd, PIDFD_GET_PID_NAMESPACE, 0);
        if (nsfd >= 0) {
                /* svcd is visible in the namespace of the peer exactly when that namespace is
                 * svcd's own or an ancestor of it. */
                if (ioctl(nsfd, NS_GET_PID_IN_PIDNS, getpid()) > 0)
                        return 1;
                return errno == ESRCH ? 0 : -errno;
        }
        if (errno == ESRCH)
                return -ESRCH;
        /* Before 6.11: every service lives deeper than svcd; a peer that /proc does not number
         * lives above or beside svcd's namespace, never in a service. */
        pid_t pid;
        unsigned depth = 0, mine = 0;
        int r = pidfd_fdinfo(pidfd, &pid, &depth);
        if (r >= 0)
                r = own_depth(&mine);
        if (r < 0)
                return r;
        if (pid < 0 || !pidfd_alive(pidfd))
                return -ESRCH;
        return pid == 0 || depth <= mine;
}

int peer_above_services(int fd, pid_t cred_pid) {
        _cleanup_close_ int pidfd = peer_pidfd(fd, cred_pid);
        if (pidfd == -ENODATA)
                return 1;
        if (pidfd < 0)
                return pidfd;
        return pidfd_above_services(pidfd);
}

bool ratelimit_pass(struct ratelimit *rl, unsigned *ret_suppressed) {
        uint64_t now = now_usec(CLOCK_MONOTONIC);
        if (rl->begin == 0 || now - rl->begin >= RATELIMIT_INTERVAL_USEC) {
                *ret_suppressed = rl->suppressed;
                rl->begin = now;
                rl->n = 1;
                rl->suppressed = 0;
                return true;
        }
        if (rl->n < RATELIMIT_BURST) {
                rl->n++;
                *ret_suppressed = 0;
                return true;
        }
        rl->suppressed++;
        return false;
}
