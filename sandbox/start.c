/* SPDX-License-Identifier: MIT */
/* Starting a sandbox: clone3 into new namespaces (born in the service's cgroup when there is
 * one), the child sets up the root (mounts.c) and executes ns-init from a sealed memfd; the
 * parent talks to ns-init over a SOCK_SEQPACKET channel. */
#include <fcntl.h>
#include <linux/sched.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <time.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "common/macro.h"
#include "sandbox/clone-internal.h"
#include "sandbox/mounts-internal.h"
#include "sandbox/proto.h"
#include "sandbox/sandbox.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

extern const char svc_nsinit_start[], svc_nsinit_end[];

uint64_t sandbox_default_caps(void) {
        /* Docker's default set (moby daemon/pkg/oci/caps/defaults.go) without CAP_MKNOD. */
        static const int caps[] = { 0 /* CHOWN */,
                                    1 /* DAC_OVERRIDE */,
                                    3 /* FOWNER */,
                                    4 /* FSETID */,
                                    5 /* KILL */,
                                    6 /* SETGID */,
                                    7 /* SETUID */,
                                    8 /* SETPCAP */,
                                    10 /* NET_BIND_SERVICE */,
                                    13 /* NET_RAW */,
                                    18 /* SYS_CHROOT */,
                                    29 /* AUDIT_WRITE */,
                                    31 /* SETFCAP */ };
        uint64_t m = 0;
        for (size_t i = 0; i < ELEMENTSOF(caps); i++)
                m |= 1ULL << caps[i];
        return m;
}

int sandbox_nsinit_memfd(void) {
        int fd = memfd_create("ns-init", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
        if (fd < 0 && errno == EINVAL) /* a kernel before 6.3 knows no MFD_EXEC */
                fd = memfd_create("ns-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
                return -errno;
        /* Both symbols delimit the one blob that the build embeds (nsinit-blob.S). */
        // cppcheck-suppress comparePointers
        size_t n = (size_t) (svc_nsinit_end - svc_nsinit_start);
        for (size_t off = 0; off < n;) {
                ssize_t k = write(fd, svc_nsinit_start + off, n - off);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0) {
                        int r = k < 0 ? -errno : -EIO;
                        close(fd);
                        return r;
                }
                off += (size_t) k;
        }
        /* Sealed: nothing, not even svcd, can change what every sandbox executes. */
        if (fchmod(fd, 0555) < 0 ||
            fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

int sandbox_loopback_up(void) {
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        struct ifreq ifr = { 0 };
        strcpy(ifr.ifr_name, "lo");
        int r = 0;
        if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
                r = -errno;
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        if (r >= 0 && ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
                r = -errno;
        close(fd);
        return r;
}

/* ---- the child ---------------------------------------------------------------------------- */

static _noreturn_ void child_fail(int fd, const struct sandbox_setup_error *e) {
        ssize_t k _unused_ = write(fd, e, sizeof(*e));
        _exit(1);
}

struct child_args {
        const struct sandbox_spec *spec;
        const struct sandbox_premounts *pre;
        int chan, setup_fd, sync_fd;
        int close_fds[3];
        bool lo_up; /* the network namespace is a spare's: lo is up */
};

static _noreturn_ void child(const struct child_args *a) {
        const struct sandbox_spec *spec = a->spec;
        int chan = a->chan, setup_fd = a->setup_fd;
        struct sandbox_setup_error e = { 0 };
        /* With svcd: the release byte below fails if the parent died before this line. Without a
         * release (nothing to do from outside), a parent dead before this line leaves ns-init an
         * EOF on the channel, and it exits at its first read. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
                _exit(1);
        char c;
        if (a->sync_fd >= 0 && read(a->sync_fd, &c, 1) != 1)
                _exit(1);
        if (a->sync_fd >= 0)
                close(a->sync_fd);
        if (sandbox_setup_root(spec, a->pre, &e) < 0)
                child_fail(setup_fd, &e);
        int r = spec->private_network && !a->lo_up ? sandbox_loopback_up() : 0;
        if (r < 0) {
                e.err = -r;
                snprintf(e.what, sizeof(e.what), "bring lo up");
                child_fail(setup_fd, &e);
        }
        /* Only the channel reaches ns-init; the setup report closes at exec. */
        syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
        (void) fcntl(chan, F_SETFD, 0);
        char arg[16];
        snprintf(arg, sizeof(arg), "%d", chan);
        char *argv[] = { (char *) "ns-init", arg, NULL };
        char *envp[] = { NULL };
        syscall(SYS_execveat, spec->nsinit_fd, "", argv, envp, AT_EMPTY_PATH);
        e.err = errno;
        snprintf(e.what, sizeof(e.what), "execute ns-init");
        child_fail(setup_fd, &e);
}

static int child_main(void *userdata) {
        const struct child_args *c = userdata;
        for (size_t i = 0; i < ELEMENTSOF(c->close_fds); i++)
                close(c->close_fds[i]);
        child(c);
}

/* ---- the parent --------------------------------------------------------------------------- */

/* The child shares svcd's memory until it executes ns-init (clone.c): the parent waits, as
 * after vfork, until the child has executed or failed (sandbox_start), and the child touches
 * nothing of svcd's but what it reads: its own stack, no allocation, no stdio (mounts.c is
 * written so). */
static int clone_child(const struct sandbox_spec *spec, struct child_args *c, int *ret_pidfd,
                       bool *ret_shared) {
        struct clone_args a = {
                .flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_PIDFD |
                         (spec->private_network ? CLONE_NEWNET : 0) | (spec->users ? CLONE_NEWUSER : 0) |
                         (spec->cgroup_fd >= 0 ? CLONE_INTO_CGROUP : 0),
                .pidfd = (uint64_t) (uintptr_t) ret_pidfd,
                .exit_signal = SIGCHLD,
                .cgroup = spec->cgroup_fd >= 0 ? (uint64_t) spec->cgroup_fd : 0,
        };
        void *stack = sandbox_child_stack(0);
        long pid = sandbox_clone(&a, stack, child_main, c);
        *ret_shared = stack && pid > 0;
        return (int) pid;
}

/* A start into a spare's namespaces takes two clones, both on svcd's memory. Stage 1, born in
 * the service's cgroup, joins the spare's user namespace (which gives it the capabilities to join
 * the others, all owned by it) and its network, UTS and IPC namespaces, then clones the sandbox's
 * child into a new mount and PID namespace, owned by that user namespace as they would be after
 * clone(CLONE_NEWUSER), and a child of svcd's (CLONE_PARENT): svcd reaps it and its parent-death
 * signal is svcd's. A user namespace cannot be joined by svcd itself: it has two threads. */
struct stage1_args {
        const struct sandbox_spare *spare;
        struct child_args *c;
        void *stack;
        pid_t pid; /* the sandbox's child, set before stage 1 exits */
};

static int stage1_main(void *userdata) {
        struct stage1_args *s = userdata;
        const struct sandbox_spare *sp = s->spare;
        if ((sp->userns >= 0 && setns(sp->userns, CLONE_NEWUSER) < 0) ||
            (sp->netns >= 0 && setns(sp->netns, CLONE_NEWNET) < 0) || setns(sp->utsns, CLONE_NEWUTS) < 0 ||
            setns(sp->ipcns, CLONE_NEWIPC) < 0)
                return 1;
        /* The exit signal is stage 1's (SIGCHLD): clone3 wants none with CLONE_PARENT. */
        struct clone_args a = { .flags = CLONE_PARENT | CLONE_NEWNS | CLONE_NEWPID };
        long pid = sandbox_clone(&a, s->stack, child_main, s->c);
        if (pid < 0)
                return 1;
        s->pid = (pid_t) pid;
        return 0;
}

/* The sandbox's child in SPEC's spare, or -errno with no child left: the caller then makes new
 * namespaces. *RET_PIDFD is -EBADF if the child exists but no pidfd could be opened. */
static int clone_into_spare(const struct sandbox_spec *spec, struct child_args *c, int *ret_pidfd) {
        void *stack1 = sandbox_child_stack(0), *stack2 = sandbox_child_stack(1);
        if (!stack1 || !stack2)
                return -EOPNOTSUPP;
        struct stage1_args s = { .spare = spec->spare, .c = c, .stack = stack2 };
        struct clone_args a = {
                .flags = spec->cgroup_fd >= 0 ? CLONE_INTO_CGROUP : 0,
                .exit_signal = SIGCHLD,
                .cgroup = spec->cgroup_fd >= 0 ? (uint64_t) spec->cgroup_fd : 0,
        };
        long pid1 = sandbox_clone(&a, stack1, stage1_main, &s);
        if (pid1 < 0)
                return (int) pid1;
        int status = 0;
        while (waitpid((pid_t) pid1, &status, 0) < 0 && errno == EINTR)
                ;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || s.pid <= 0)
                return -ECHILD;
        int fd = (int) syscall(SYS_pidfd_open, s.pid, 0);
        *ret_pidfd = fd < 0 ? -EBADF : fd;
        return s.pid;
}

/* The child, in SPEC's spare if it has one that fits (*RET_JOINED), else in new namespaces. */
static int start_child(const struct sandbox_spec *spec, struct child_args *c, int *ret_pidfd,
                       bool *ret_shared, bool *ret_joined) {
        *ret_joined = false;
        if (sandbox_spare_fits(spec->spare, spec)) {
                c->lo_up = spec->private_network;
                int pid = clone_into_spare(spec, c, ret_pidfd);
                if (pid > 0) {
                        *ret_joined = *ret_shared = true;
                        return pid;
                }
                c->lo_up = false;
        }
        return clone_child(spec, c, ret_pidfd, ret_shared);
}

/* With CLONE_VM, until the child no longer runs in svcd's memory: it executed ns-init (the
 * kernel replaces its memory before it closes the setup report's end, O_CLOEXEC) or exited (its
 * memory goes before its descriptors), the end of the report either way. A failure report comes
 * first, then the exit. */
static void wait_child_done(int setup_fd) {
        struct pollfd p = { .fd = setup_fd, .events = POLLIN };
        for (;;) {
                if (poll(&p, 1, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return;
                }
                if (p.revents & (POLLHUP | POLLERR | POLLNVAL))
                        return;
                struct timespec t = { .tv_nsec = 100 * 1000 }; /* a report, and the exit to come */
                nanosleep(&t, NULL);
        }
}

/* In a user namespace, before the child goes on: its maps (it waits for them before anything
 * else), and the unit's nice level if it is below 0: a command could not lower its own (that
 * needs CAP_SYS_NICE of the host's), so ns-init gets it here and its commands inherit it. */
static int prepare_users(const struct sandbox_spec *spec, pid_t pid, bool joined) {
        int r = joined ? 0 : sandbox_write_maps(pid, spec->users); /* a spare's namespace has them */
        if (r < 0 || spec->nice >= 0)
                return r;
        return setpriority(PRIO_PROCESS, (id_t) pid, spec->nice) < 0 ? -errno : 0;
}

/* The sync pipe only when the parent has work to do on the child before it goes on: without it,
 * the child goes on at once, and neither side waits for the other. */
static bool needs_release(const struct sandbox_spec *spec) {
        return spec->users || spec->before_release;
}

static void close_pair(int p[2]) {
        p[0] = safe_close(p[0]);
        p[1] = safe_close(p[1]);
}

static int make_pipes(const struct sandbox_spec *spec, int chan[2], int setup[2], int sync[2]) {
        setup[0] = setup[1] = sync[0] = sync[1] = -EBADF;
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, chan) < 0)
                return -errno;
        if (pipe2(setup, O_CLOEXEC) < 0 || (needs_release(spec) && pipe2(sync, O_CLOEXEC) < 0)) {
                int r = -errno;
                close_pair(chan);
                close_pair(setup);
                return r;
        }
        /* Commands queue in the channel before ns-init reads them: make room. */
        int sz = PROTO_MAX_MSG * 4;
        (void) setsockopt(chan[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
        struct sandbox sb = { .channel = chan[0] };
        int r = spec->first_command ? sandbox_send_spawn(&sb, 1, spec->first_command) : 0;
        if (r < 0) {
                close_pair(chan);
                close_pair(setup);
                close_pair(sync);
        }
        return r;
}

int sandbox_start(const struct sandbox_spec *spec, struct sandbox *ret) {
        struct sandbox_premounts pre = {
                .tree = -EBADF, .overlay = -EBADF, .sys = -EBADF, .notify = -EBADF, .syslog = -EBADF
        };
        for (size_t i = 0; i < ELEMENTSOF(pre.host); i++)
                pre.host[i] = -EBADF;
        struct sandbox_setup_error perr = { 0 };
        int r = spec->users ? sandbox_premounts_make(spec, &pre, &perr) : 0;
        if (r < 0)
                return r;
        int chan[2], setup[2], sync[2];
        r = make_pipes(spec, chan, setup, sync);
        if (r < 0) {
                sandbox_premounts_done(&pre);
                return r;
        }
        int pidfd = -1;
        bool shared = false, joined = false;
        struct child_args c = { .spec = spec,
                                .pre = spec->users ? &pre : NULL,
                                .chan = chan[1],
                                .setup_fd = setup[1],
                                .sync_fd = sync[0],
                                .close_fds = { chan[0], setup[0], sync[1] } };
        int pid = start_child(spec, &c, &pidfd, &shared, &joined);
        close(chan[1]);
        close(setup[1]);
        safe_close(sync[0]);
        if (pid < 0) {
                sandbox_premounts_done(&pre);
                close(chan[0]);
                close(setup[0]);
                safe_close(sync[1]);
                return pid;
        }
        r = pidfd < 0 ? -EMFILE : spec->users ? prepare_users(spec, pid, joined) : 0;
        if (r >= 0 && spec->before_release)
                r = spec->before_release(pid, spec->userdata);
        if (r >= 0 && sync[1] >= 0) {
                ssize_t k _unused_ = write(sync[1], "x", 1);
        }
        /* The child sees the release byte, or EOF and exits. */
        safe_close(sync[1]);
        if (shared)
                wait_child_done(setup[0]);
        /* The child has its copies of the detached mounts, and is done with this memory. */
        sandbox_premounts_done(&pre);
        if (r < 0) {
                /* The caller reaps it. */
                close(chan[0]);
                close(setup[0]);
                safe_close(pidfd);
                *ret = (struct sandbox){ .pid = pid, .pidfd = -EBADF, .channel = -EBADF, .setup_fd = -EBADF };
                return r;
        }
        (void) fcntl(setup[0], F_SETFL, O_NONBLOCK);
        (void) fcntl(chan[0], F_SETFL, O_NONBLOCK);
        *ret = (struct sandbox){ .pid = pid, .pidfd = pidfd, .channel = chan[0], .setup_fd = setup[0] };
        return 0;
}

int sandbox_read_setup(struct sandbox *sb, struct sandbox_setup_error *err) {
        if (sb->setup_fd < 0)
                return 0;
        struct sandbox_setup_error e;
        ssize_t k = read(sb->setup_fd, &e, sizeof(e));
        if (k < 0 && errno == EAGAIN)
                return -EAGAIN;
        sb->setup_fd = safe_close(sb->setup_fd);
        if (k == (ssize_t) sizeof(e)) {
                e.what[sizeof(e.what) - 1] = e.path[sizeof(e.path) - 1] = '\0';
                *err = e;
                return 1;
        }
        if (k > 0) {
                *err = (struct sandbox_setup_error){ .err = EIO };
                snprintf(err->what, sizeof(err->what), "set up the sandbox");
                return 1;
        }
        return 0;
}

void sandbox_kill(struct sandbox *sb) {
        if (sb->pidfd >= 0)
                (void) syscall(SYS_pidfd_send_signal, sb->pidfd, SIGKILL, NULL, 0);
}

void sandbox_close(struct sandbox *sb) {
        sb->pidfd = safe_close(sb->pidfd);
        sb->channel = safe_close(sb->channel);
        sb->setup_fd = safe_close(sb->setup_fd);
}

/* ---- the channel -------------------------------------------------------------------------- */

static int send_with_fds(int chan, const void *buf, size_t len, const int *fds, unsigned n_fds) {
        union {
                struct cmsghdr h;
                char b[CMSG_SPACE(sizeof(int) * PROTO_MAX_FDS)];
        } control = { 0 };
        struct iovec iov = { (void *) buf, len };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
        if (n_fds > 0) {
                mh.msg_control = &control;
                mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
                struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
                memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
        }
        ssize_t k;
        while ((k = sendmsg(chan, &mh, MSG_NOSIGNAL)) < 0 && errno == EINTR)
                ;
        return k < 0 ? -errno : 0;
}

static size_t strings_size(const struct sandbox_command *cmd) {
        size_t n = strlen(cmd->path) + 1 + strlen(cmd->cwd ? cmd->cwd : "/") + 1;
        for (char *const *a = cmd->argv; *a; a++)
                n += strlen(*a) + 1;
        for (char *const *e = cmd->env; e && *e; e++)
                n += strlen(*e) + 1;
        return n;
}

static char *put(char *p, const char *s) {
        size_t n = strlen(s) + 1;
        memcpy(p, s, n);
        return p + n;
}

static void fill_spawn(struct proto_spawn *sp, uint32_t id, const struct sandbox_command *cmd) {
        sp->h = (struct proto_header){ PROTO_SPAWN, id };
        sp->flags = (cmd->main ? PROTO_SPAWN_MAIN : 0) | (cmd->setsid ? PROTO_SPAWN_SETSID : 0) |
                    (cmd->ctty ? PROTO_SPAWN_CTTY : 0) | (cmd->no_new_privs ? PROTO_SPAWN_NNP : 0) |
                    (cmd->seccomp ? PROTO_SPAWN_SECCOMP : 0) | (cmd->set_creds ? PROTO_SPAWN_CREDS : 0) |
                    (cmd->nice_set ? PROTO_SPAWN_NICE : 0) |
                    (cmd->cwd_optional ? PROTO_SPAWN_CWD_OPTIONAL : 0) |
                    (cmd->listen_pid ? PROTO_SPAWN_LISTEN_PID : 0) | (cmd->oneshot ? PROTO_SPAWN_ONESHOT : 0);
        sp->uid = cmd->uid;
        sp->gid = cmd->gid;
        sp->n_groups = (uint32_t) MIN(cmd->n_groups, (size_t) PROTO_MAX_GROUPS);
        for (uint32_t i = 0; i < sp->n_groups; i++)
                sp->groups[i] = cmd->groups[i];
        sp->cap_bounding = cmd->cap_bounding;
        sp->cap_ambient = cmd->cap_ambient;
        sp->nice = cmd->nice;
        sp->oom_score_adj = cmd->oom_score_adj;
        sp->umask = cmd->umask;
        for (int i = 0; cmd->rlimits && i < PROTO_RLIMITS && i < RLIM_NLIMITS; i++)
                if (cmd->rlimits[i])
                        sp->rlimits[i] = (struct proto_rlimit){ 1, cmd->rlimits[i]->rlim_cur,
                                                                cmd->rlimits[i]->rlim_max };
        sp->n_fds = cmd->n_fds;
        sp->n_argv = (uint32_t) strv_length(cmd->argv);
        sp->n_env = (uint32_t) strv_length(cmd->env);
}

int sandbox_send_spawn(struct sandbox *sb, uint32_t id, const struct sandbox_command *cmd) {
        size_t slen = strings_size(cmd), blen = cmd->seccomp_blob ? cmd->seccomp_blob_len : 0;
        if (cmd->n_fds > PROTO_MAX_FDS || cmd->n_groups > PROTO_MAX_GROUPS ||
            sizeof(struct proto_spawn) + slen + blen > PROTO_MAX_MSG ||
            strv_length(cmd->argv) + strv_length(cmd->env) + 4 > PROTO_MAX_ARGS)
                return -E2BIG;
        struct proto_spawn *sp = calloc(1, sizeof(*sp) + slen + blen);
        if (!sp)
                return -ENOMEM;
        fill_spawn(sp, id, cmd);
        sp->strings_len = (uint32_t) slen;
        sp->seccomp_len = (uint32_t) blen;
        char *p = put(sp->strings, cmd->path);
        p = put(p, cmd->cwd ? cmd->cwd : "/");
        for (char *const *a = cmd->argv; *a; a++)
                p = put(p, *a);
        for (char *const *e = cmd->env; e && *e; e++)
                p = put(p, *e);
        if (blen > 0)
                memcpy(p, cmd->seccomp_blob, blen);
        int r = send_with_fds(sb->channel, sp, sizeof(*sp) + slen + blen, cmd->fds, cmd->n_fds);
        free(sp);
        return r;
}

int sandbox_send_signal(struct sandbox *sb, uint32_t id, int sig) {
        struct proto_signal m = { .h = { PROTO_SIGNAL, id }, .sig = sig };
        return send_with_fds(sb->channel, &m, sizeof(m), NULL, 0);
}

int sandbox_send_watch(struct sandbox *sb, uint32_t id, pid_t pid) {
        struct proto_watch m = { .h = { PROTO_WATCH, id }, .pid = pid };
        return send_with_fds(sb->channel, &m, sizeof(m), NULL, 0);
}

int sandbox_receive(struct sandbox *sb, struct sandbox_event *ev) {
        union {
                struct proto_header h;
                struct proto_started s;
                struct proto_exited e;
        } m;
        ssize_t k = recv(sb->channel, &m, sizeof(m), MSG_DONTWAIT);
        if (k < 0)
                return errno == EAGAIN ? -EAGAIN : -errno;
        if (k == 0)
                return 0;
        *ev = (struct sandbox_event){ .type = (int) m.h.type, .id = m.h.id };
        if (m.h.type == PROTO_STARTED && k == (ssize_t) sizeof(m.s)) {
                ev->pid = m.s.pid;
                ev->stage = m.s.stage;
                ev->err = m.s.err;
        } else if (m.h.type == PROTO_EXITED && k == (ssize_t) sizeof(m.e)) {
                ev->pid = m.e.pid;
                ev->code = m.e.code;
                ev->status = m.e.status;
        } else if (m.h.type != PROTO_EMPTY)
                return -EBADMSG;
        return 1;
}

int sandbox_read_report(int report_fd, struct sandbox_report *ret) {
        struct sandbox_report r;
        ssize_t k = read(report_fd, &r, sizeof(r));
        if (k < 0)
                return errno == EAGAIN ? -EAGAIN : -errno;
        if (k == 0)
                return 0;
        if (k != sizeof(r))
                return -EIO;
        *ret = r;
        return 1;
}

const char *sandbox_stage_to_string(int stage) {
        static const char *const table[_STAGE_MAX] = {
                [STAGE_NONE] = "start",
                [STAGE_SIGNALS] = "reset signals",
                [STAGE_SETSID] = "start a session",
                [STAGE_FDS] = "set up file descriptors",
                [STAGE_RLIMIT] = "set resource limits",
                [STAGE_NICE] = "set the nice level",
                [STAGE_OOM_SCORE] = "set oom_score_adj",
                [STAGE_GROUPS] = "set supplementary groups",
                [STAGE_GID] = "change group",
                [STAGE_UID] = "change user",
                [STAGE_PDEATHSIG] = "set the parent-death signal",
                [STAGE_CHDIR] = "change to the working directory",
                [STAGE_CAPS] = "set capabilities",
                [STAGE_NNP] = "set no_new_privs",
                [STAGE_SECCOMP] = "load the seccomp filter",
                [STAGE_EXEC] = "execute",
                [STAGE_SETUP] = "set up the sandbox",
        };
        return stage >= 0 && stage < _STAGE_MAX && table[stage] ? table[stage] : "start";
}
