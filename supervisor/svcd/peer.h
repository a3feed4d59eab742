/* SPDX-License-Identifier: MIT */
#pragma once

/* Who is at the other end of svcd's sockets, told by the kernel's pidfds: a pidfd names one
 * process and is never recycled, where a pid read from SO_PEERCREDS or SCM_CREDENTIALS names
 * whatever process has that number by the time svcd looks. A peer that cannot be identified
 * (it ended, the kernel cannot say) is refused by the callers, never trusted. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* The PID namespace inode of host pid PID, 0 if unknown. For svcd's own children only (a
 * sandbox's ns-init, not reaped yet): any other pid may have been recycled. */
uint64_t pidns_of(pid_t pid);

/* The PID namespace inode of the process PIDFD names. 0, -ESRCH when it has ended (a zombie
 * too), -errno when the kernel cannot tell. */
int pidfd_get_pidns(int pidfd, uint64_t *ret);

/* Whether the process PIDFD names lives in svcd's own PID namespace or in one above it (the
 * host of a container whose PID 1 is svcd): 1 if so, 0 if it lives below svcd (in a service,
 * an Accept=yes connection's sandbox) or beside it, -ESRCH when it has ended, -errno when the
 * kernel cannot tell. */
int pidfd_above_services(int pidfd);

/* pidfd_above_services() for the peer of connected AF_UNIX socket FD, the process that
 * connected (SO_PEERPIDFD, kernel 6.5+; before, the pid CRED_PID of SO_PEERCRED, which may have
 * been recycled). */
int peer_above_services(int fd, pid_t cred_pid);

/* At most BURST messages per INTERVAL; the caller says how many were left out when it logs. */
struct ratelimit {
        uint64_t begin;
        unsigned n, suppressed;
};
#define RATELIMIT_INTERVAL_USEC (10 * 1000000ULL)
#define RATELIMIT_BURST 10
/* True when a message may be logged now; *ret_suppressed: how many were left out before it. */
bool ratelimit_pass(struct ratelimit *rl, unsigned *ret_suppressed);
