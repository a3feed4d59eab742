/* SPDX-License-Identifier: MIT */
/* What a command's process does between ns-init's fork and execve: file descriptors, limits,
 * capabilities, no_new_privs, seccomp, credentials, working directory. It is part of ns-init
 * (static, built with musl when available), so: raw syscalls, no allocation, no stdio. A failure
 * is written as {stage, errno} to REPORT_FD, then _exit(127). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/paths.h"
#include "sandbox/launch.h"
#include "sandbox/sandbox.h"

#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#endif

/* linux/capability.h is not in musl's include path; the ABI is tiny and stable. */
#define CAPS_VERSION_3 0x20080522
#define CAPS_LAST 63
struct caps_header {
        uint32_t version;
        int pid;
};
struct caps_data {
        uint32_t effective, permitted, inheritable;
};

static _Noreturn void fail(int report_fd, enum sandbox_stage stage, int err) {
        struct sandbox_report r = { .stage = stage, .err = err };
        ssize_t k = write(report_fd, &r, sizeof(r));
        (void) k;
        _exit(127);
}

static int reset_signals(void) {
        struct sigaction dfl = { .sa_handler = SIG_DFL };
        for (int sig = 1; sig < _NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        (void) sigaction(sig, &dfl, NULL);
        sigset_t none;
        sigemptyset(&none);
        return sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Moves FDS[i] to i, then closes everything else but the report fd (above all of them,
 * close-on-exec). */
static int setup_fds(const int *fds, unsigned n, int report_fd) {
        int high[PROTO_MAX_FDS];
        /* Lift every source above the target range so that dup2 cannot clobber a later one. */
        for (unsigned i = 0; i < n; i++) {
                high[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, report_fd + 1);
                if (high[i] < 0)
                        return -1;
        }
        for (unsigned i = 0; i < n; i++)
                if (dup2(high[i], (int) i) < 0)
                        return -1;
        /* Everything else goes: what ns-init holds and what was passed in. */
        if (syscall(SYS_close_range, n, (unsigned) report_fd - 1, 0) < 0)
                return -1;
        if (syscall(SYS_close_range, (unsigned) report_fd + 1, ~0U, 0) < 0)
                return -1;
        return 0;
}

static int apply_limits(const struct proto_spawn *sp, enum sandbox_stage *stage) {
        *stage = STAGE_RLIMIT;
        for (int i = 0; i < PROTO_RLIMITS; i++) {
                if (!sp->rlimits[i].set)
                        continue;
                struct rlimit rl = { .rlim_cur = sp->rlimits[i].cur, .rlim_max = sp->rlimits[i].max };
                if (setrlimit(i, &rl) < 0)
                        return -1;
        }
        *stage = STAGE_NICE;
        if ((sp->flags & PROTO_SPAWN_NICE) && setpriority(PRIO_PROCESS, 0, sp->nice) < 0)
                return -1;
        /* The service's oom_score_adj is its own, never svcd's protected one. */
        *stage = STAGE_OOM_SCORE;
        char buf[16];
        int v = sp->oom_score_adj, k = 0;
        unsigned u = (unsigned) (v < 0 ? -v : v);
        char tmp[16];
        do
                tmp[k++] = (char) ('0' + u % 10);
        while ((u /= 10) > 0);
        int len = 0;
        if (v < 0)
                buf[len++] = '-';
        while (k > 0)
                buf[len++] = tmp[--k];
        int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, buf, (size_t) len) < 0)
                return -1;
        close(fd);
        return 0;
}

static int drop_bounding(uint64_t keep) {
        for (int c = 0; c <= CAPS_LAST; c++) {
                if (keep & (1ULL << c))
                        continue;
                if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
                        return -1; /* EINVAL: the kernel does not know this capability */
        }
        return 0;
}

static int set_caps(uint64_t permitted, uint64_t inheritable) {
        struct caps_header h = { .version = CAPS_VERSION_3, .pid = 0 };
        struct caps_data d[2] = {
                { (uint32_t) permitted, (uint32_t) permitted, (uint32_t) inheritable },
                { (uint32_t) (permitted >> 32), (uint32_t) (permitted >> 32),
                  (uint32_t) (inheritable >> 32) },
        };
        return (int) syscall(SYS_capset, &h, d);
}

static int apply_creds(const struct proto_spawn *sp, enum sandbox_stage *stage) {
        bool root = !(sp->flags & PROTO_SPAWN_CREDS) || sp->uid == 0;
        if (sp->flags & PROTO_SPAWN_CREDS) {
                /* Ambient capabilities need the permitted set to survive the uid change. */
                *stage = STAGE_CAPS;
                if (sp->cap_ambient && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                        return -1;
                *stage = STAGE_GROUPS;
                if (setgroups(sp->n_groups, (const gid_t *) sp->groups) < 0)
                        return -1;
                *stage = STAGE_GID;
                if (setresgid(sp->gid, sp->gid, sp->gid) < 0)
                        return -1;
                *stage = STAGE_UID;
                if (setresuid(sp->uid, sp->uid, sp->uid) < 0)
                        return -1;
        }
        *stage = STAGE_CAPS;
        uint64_t caps = root ? sp->cap_bounding : sp->cap_ambient & sp->cap_bounding;
        if (set_caps(caps, root ? 0 : caps) < 0)
                return -1;
        for (int c = 0; !root && c <= CAPS_LAST; c++)
                if ((caps & (1ULL << c)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
                        return -1;
        return 0;
}

/* Writes the process's own pid into the "LISTEN_PID=" entry, which svcd sent with room for it. */
static void fill_listen_pid(char **env) {
        for (char **e = env; *e; e++) {
                if (strncmp(*e, "LISTEN_PID=", 11) != 0)
                        continue;
                char *p = *e + 11, tmp[16];
                unsigned v = (unsigned) getpid();
                int k = 0;
                do
                        tmp[k++] = (char) ('0' + v % 10);
                while ((v /= 10) > 0 && k < 10);
                while (k > 0)
                        *p++ = tmp[--k];
                *p = '\0';
        }
}

static int enter_session(const struct proto_spawn *sp) {
        if (!(sp->flags & PROTO_SPAWN_SETSID))
                return 0;
        if (setsid() < 0)
                return -1;
        if ((sp->flags & PROTO_SPAWN_CTTY) && ioctl(0, TIOCSCTTY, 0) < 0)
                return -1;
        return 0;
}

static int enter_cwd(const char *cwd, bool optional) {
        if (chdir(cwd) == 0 || (optional && chdir("/") == 0)) {
                /* A cwd outside the root would read "(unreachable)" (CVE-2024-21626). */
                char buf[8];
                if (getcwd(buf, sizeof(buf)) == NULL && errno == ENOENT)
                        return -1;
                return 0;
        }
        return -1;
}

/* execve(PATH), or for a name without '/' the first of systemd's fixed directories that holds it,
 * looked up here, in the service's root with its binds, as execvp(3) does: a directory where it
 * exists but cannot run is remembered (EACCES) and the search goes on. Returns errno. */
static int exec_program(const char *path, char **argv, char **env) {
        static const char *const dirs[] = SVC_PROGRAM_DIRS;
        size_t n = strlen(path);
        int err = ENOENT;

        if (strchr(path, '/')) {
                execve(path, argv, env);
                return errno;
        }
        for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
                char buf[PATH_MAX];
                size_t d = strlen(dirs[i]);
                if (d + 1 + n + 1 > sizeof(buf))
                        return ENAMETOOLONG;
                memcpy(buf, dirs[i], d);
                buf[d] = '/';
                memcpy(buf + d + 1, path, n + 1);
                execve(buf, argv, env);
                if (errno == EACCES)
                        err = EACCES;
                else if (errno != ENOENT && errno != ENOTDIR)
                        return errno;
        }
        return err;
}

_Noreturn void launch(const struct proto_spawn *sp, const char *path, const char *cwd, char **argv,
                      char **env, const int *fds, int report_fd) {
        enum sandbox_stage stage = STAGE_SIGNALS;
        /* Out of the way of the fds the command gets. */
        int high = fcntl(report_fd, F_DUPFD_CLOEXEC, PROTO_MAX_FDS + 1);
        if (high < 0)
                fail(report_fd, STAGE_FDS, errno);
        report_fd = high;
        if (reset_signals() < 0)
                fail(report_fd, stage, errno);
        if (enter_session(sp) < 0)
                fail(report_fd, STAGE_SETSID, errno);
        if (setup_fds(fds, sp->n_fds, report_fd) < 0)
                fail(report_fd, STAGE_FDS, errno);
        if (apply_limits(sp, &stage) < 0)
                fail(report_fd, stage, errno);
        umask(sp->umask);
        if (enter_cwd(cwd, sp->flags & PROTO_SPAWN_CWD_OPTIONAL) < 0)
                fail(report_fd, STAGE_CHDIR, errno);
        if (drop_bounding(sp->cap_bounding) < 0)
                fail(report_fd, STAGE_CAPS, errno);
        if ((sp->flags & PROTO_SPAWN_NNP) && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                fail(report_fd, STAGE_NNP, errno);
        /* While still root: without no_new_privs, loading a filter needs CAP_SYS_ADMIN. */
        int r = (sp->flags & PROTO_SPAWN_SECCOMP) ? sandbox_seccomp_apply() : 0;
        if (r < 0)
                fail(report_fd, STAGE_SECCOMP, -r);
        if (apply_creds(sp, &stage) < 0)
                fail(report_fd, stage, errno);
        if (sp->flags & PROTO_SPAWN_LISTEN_PID)
                fill_listen_pid(env);
        /* The unit's own filter last, once the credentials are set: a unit may deny the calls that
         * set them (~@privileged), as systemd loads its filters last too. */
        r = sp->seccomp_len > 0 ? sandbox_seccomp_load(sp->strings + sp->strings_len, sp->seccomp_len) : 0;
        if (r < 0)
                fail(report_fd, STAGE_SECCOMP, -r);
        fail(report_fd, STAGE_EXEC, exec_program(path, argv, env));
}
