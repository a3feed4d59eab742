/* SPDX-License-Identifier: MIT */
#pragma once

/* The channel between svcd (or `svc run`) and ns-init, PID 1 of each sandbox: one
 * SOCK_SEQPACKET pair, one message per packet, file descriptors as SCM_RIGHTS. Both ends are
 * built from this tree at the same time, so the layout is just the C structs. */

#include <stdint.h>

#define PROTO_MAX_MSG (256 * 1024)
#define PROTO_MAX_FDS 64 /* 0, 1, 2 and the passed sockets */
#define PROTO_MAX_GROUPS 64
#define PROTO_MAX_ARGS 8192 /* argv and environment entries together */
#define PROTO_RLIMITS 16

enum proto_type {
        PROTO_SPAWN = 1, /* svcd -> ns-init: fork and execute a command */
        PROTO_SIGNAL, /* svcd -> ns-init: send a signal */
        PROTO_WATCH, /* svcd -> ns-init: report when this pid (in the sandbox) ends */
        PROTO_STARTED, /* ns-init -> svcd: the command reached execve, or failed before */
        PROTO_EXITED, /* ns-init -> svcd: a command or watched process ended */
        PROTO_EMPTY, /* ns-init -> svcd: nothing but ns-init is left in the sandbox */
};

struct proto_header {
        uint32_t type;
        uint32_t id; /* chosen by svcd per command */
};

enum {
        PROTO_SPAWN_MAIN = 1U << 0, /* signals ns-init receives go to this one */
        PROTO_SPAWN_SETSID = 1U << 1, /* a session of its own, no controlling terminal */
        PROTO_SPAWN_CTTY = 1U << 2, /* ... and fd 0 becomes its controlling terminal */
        PROTO_SPAWN_NNP = 1U << 3, /* no_new_privs */
        PROTO_SPAWN_SECCOMP = 1U << 4, /* svc's seccomp filter */
        PROTO_SPAWN_CREDS = 1U << 5, /* change to uid/gid/groups */
        PROTO_SPAWN_NICE = 1U << 6, /* set the nice level */
        PROTO_SPAWN_CWD_OPTIONAL = 1U << 7,
        PROTO_SPAWN_LISTEN_PID = 1U << 8, /* fill LISTEN_PID= with the process's own pid */
        /* svc run: ns-init lives as long as this command. It reports no start and no exit, only a
         * failure to start (STARTED with a stage, then it exits); when the command ends, ns-init
         * exits with its status (128+N for signal N), which kills the rest of the namespace, and
         * the caller reads that status from the pidfd. */
        PROTO_SPAWN_ONESHOT = 1U << 9,
};

struct proto_rlimit {
        uint32_t set;
        uint64_t cur, max;
};

/* Followed by strings_len bytes: path, cwd, then n_argv and n_env NUL-terminated strings; then
 * seccomp_len bytes of the command's own seccomp programs (sandbox_seccomp_load()). */
struct proto_spawn {
        struct proto_header h;
        uint32_t flags;
        uint32_t uid, gid;
        uint32_t n_groups;
        uint32_t groups[PROTO_MAX_GROUPS];
        uint64_t cap_bounding; /* capabilities that stay in the bounding set */
        uint64_t cap_ambient; /* raised as ambient for a non-root user */
        int32_t nice;
        int32_t oom_score_adj;
        uint32_t umask;
        struct proto_rlimit rlimits[PROTO_RLIMITS];
        uint32_t n_fds; /* received as SCM_RIGHTS; become 0, 1, 2, 3, ... */
        uint32_t n_argv, n_env;
        uint32_t strings_len;
        uint32_t seccomp_len;
        char strings[];
};

struct proto_signal {
        struct proto_header h; /* id 0: every process in the sandbox */
        int32_t sig;
};

struct proto_watch {
        struct proto_header h;
        int32_t pid;
};

struct proto_started {
        struct proto_header h;
        int32_t pid; /* in the sandbox's numbering */
        int32_t stage; /* enum sandbox_stage; STAGE_NONE when execve was reached */
        int32_t err;
};

struct proto_exited {
        struct proto_header h;
        int32_t pid;
        int32_t code; /* CLD_EXITED, CLD_KILLED, CLD_DUMPED */
        int32_t status;
};
