/* SPDX-License-Identifier: MIT */
/* The plain spawn path: fork, set up the child, execve. Between fork and execve the child of a
 * multi-threaded svcd may only make async-signal-safe calls, so everything is prepared before
 * the fork and the child only issues syscalls. */
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "common/macro.h"
#include "sandbox/sandbox.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static _noreturn_ void child_fail(int report_fd, enum sandbox_stage stage, int err) {
        struct sandbox_report r = { .stage = stage, .err = err };
        ssize_t k _unused_ = write(report_fd, &r, sizeof(r));
        _exit(127);
}

static int reset_signals(void) {
        sigset_t all;
        sigemptyset(&all);
        struct sigaction dfl = { .sa_handler = SIG_DFL };
        for (int sig = 1; sig < _NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        (void) sigaction(sig, &dfl, NULL);
        return sigprocmask(SIG_SETMASK, &all, NULL);
}

/* Moves the three standard fds into place; -1 means /dev/null. */
static int setup_stdio(const struct sandbox_exec *x) {
        int want[3] = { x->stdin_fd, x->stdout_fd, x->stderr_fd };
        /* Lift every source above 2 first so that dup2() cannot clobber a later source. */
        for (int i = 0; i < 3; i++) {
                if (want[i] < 0) {
                        want[i] = open("/dev/null", i == 0 ? O_RDONLY : O_WRONLY);
                        if (want[i] < 0)
                                return -1;
                }
                if (want[i] < 3) {
                        want[i] = fcntl(want[i], F_DUPFD, 3);
                        if (want[i] < 0)
                                return -1;
                }
        }
        for (int i = 0; i < 3; i++)
                if (dup2(want[i], i) < 0)
                        return -1;
        return 0;
}

static int apply_limits(const struct sandbox_exec *x, enum sandbox_stage *stage) {
        *stage = STAGE_RLIMIT;
        for (int i = 0; x->rlimits && i < RLIM_NLIMITS; i++)
                if (x->rlimits[i] && setrlimit(i, x->rlimits[i]) < 0)
                        return -1;
        *stage = STAGE_NICE;
        if (x->nice_set && setpriority(PRIO_PROCESS, 0, x->nice) < 0)
                return -1;
        return 0;
}

static int apply_creds(const struct sandbox_creds *c, enum sandbox_stage *stage) {
        if (!c)
                return 0;
        *stage = STAGE_GROUPS;
        if (setgroups(c->n_groups, c->groups) < 0)
                return -1;
        *stage = STAGE_GID;
        if (setresgid(c->gid, c->gid, c->gid) < 0)
                return -1;
        *stage = STAGE_UID;
        if (setresuid(c->uid, c->uid, c->uid) < 0)
                return -1;
        return 0;
}

static _noreturn_ void child(const struct sandbox_exec *x, int report_fd, pid_t parent, const char *oom) {
        enum sandbox_stage stage = STAGE_SIGNALS;
        if (reset_signals() < 0)
                child_fail(report_fd, stage, errno);
        if (setsid() < 0)
                child_fail(report_fd, STAGE_SETSID, errno);
        if (setup_stdio(x) < 0)
                child_fail(report_fd, STAGE_FDS, errno);
        /* Whatever a library opened without O_CLOEXEC does not reach the service. */
        if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
                child_fail(report_fd, STAGE_FDS, errno);
        if (apply_limits(x, &stage) < 0)
                child_fail(report_fd, stage, errno);
        if (oom) {
                int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
                if (fd < 0 || write(fd, oom, strlen(oom)) < 0)
                        child_fail(report_fd, STAGE_OOM_SCORE, errno);
                close(fd);
        }
        if (apply_creds(x->creds, &stage) < 0)
                child_fail(report_fd, stage, errno);
        /* After the uid change: a credential change clears the parent-death signal. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
                child_fail(report_fd, STAGE_PDEATHSIG, errno);
        if (getppid() != parent)
                child_fail(report_fd, STAGE_PDEATHSIG, ESRCH);
        const char *wd = x->working_directory ? x->working_directory : "/";
        if (chdir(wd) < 0 && !(x->working_directory_optional && chdir("/") == 0))
                child_fail(report_fd, STAGE_CHDIR, errno);
        execve(x->path, x->argv, x->env);
        child_fail(report_fd, STAGE_EXEC, errno);
}

int sandbox_spawn(const struct sandbox_exec *x, pid_t *ret_pid, int *ret_report_fd) {
        int p[2];
        char oom[16], *oomp = NULL;
        if (x->oom_score_adjust_set) {
                snprintf(oom, sizeof(oom), "%d\n", x->oom_score_adjust);
                oomp = oom;
        }
        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        pid_t parent = getpid();
        pid_t pid = fork();
        if (pid < 0) {
                int r = -errno;
                safe_close(p[0]);
                safe_close(p[1]);
                return r;
        }
        if (pid == 0) {
                close(p[0]);
                child(x, p[1], parent, oomp);
        }
        close(p[1]);
        /* Non-blocking so the event loop never waits on a child; F_SETFL on a fresh pipe
         * cannot fail in practice. */
        (void) fcntl(p[0], F_SETFL, O_NONBLOCK);
        *ret_pid = pid;
        *ret_report_fd = p[0];
        return 0;
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
                [STAGE_EXEC] = "execute",
        };
        return stage >= 0 && stage < _STAGE_MAX ? table[stage] : "start";
}
