/* SPDX-License-Identifier: MIT */
#pragma once

/* sandbox/: turning a resolved spec into a running process. Nothing here logs above debug,
 * exits the caller, or touches the event loop. A child that fails before execve reports
 * {stage, errno} over an O_CLOEXEC pipe and _exit()s; EOF on that pipe means execve worked. */

#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

/* Credentials resolved from a passwd/group file (never NSS). */
struct sandbox_creds {
        uid_t uid;
        gid_t gid;
        gid_t *groups; /* supplementary groups */
        size_t n_groups;
        char *user_name;
        char *home;
        char *shell;
};

void sandbox_creds_done(struct sandbox_creds *c);

/* Resolves USER (a name or a number; NULL = root) and GROUP (NULL = the user's primary group)
 * and SUPPLEMENTARY names against ETC_DIR/passwd and ETC_DIR/group. Returns 0, or -ESRCH with
 * *ret_error saying which name was not found, or another -errno. */
int sandbox_resolve_creds(const char *etc_dir, const char *user, const char *group,
                          char *const *supplementary, struct sandbox_creds *ret, char **ret_error);

/* Stages at which a child can fail before execve, for the report. */
enum sandbox_stage {
        STAGE_NONE,
        STAGE_SIGNALS,
        STAGE_SETSID,
        STAGE_FDS,
        STAGE_RLIMIT,
        STAGE_NICE,
        STAGE_OOM_SCORE,
        STAGE_GROUPS,
        STAGE_GID,
        STAGE_UID,
        STAGE_PDEATHSIG,
        STAGE_CHDIR,
        STAGE_EXEC,
        _STAGE_MAX,
};

struct sandbox_report {
        int stage;
        int err;
};

/* A plain child process with the unit's credentials and limits. */
struct sandbox_exec {
        const char *path;
        char *const *argv;
        char *const *env;
        int stdin_fd, stdout_fd, stderr_fd; /* -1: /dev/null */
        const struct sandbox_creds *creds; /* NULL: stay root */
        const char *working_directory; /* NULL: "/" */
        bool working_directory_optional;
        struct rlimit *const *rlimits; /* RLIM_NLIMITS entries, NULL = leave */
        bool nice_set;
        int nice;
        bool oom_score_adjust_set;
        int oom_score_adjust;
};

/* Forks and execs. Returns 0 with the child's pid and the read end of its report pipe, or
 * -errno when the fork itself failed. */
int sandbox_spawn(const struct sandbox_exec *x, pid_t *ret_pid, int *ret_report_fd);

/* Reads a report from REPORT_FD (non-blocking read): 1 and *ret filled when the child failed,
 * 0 on EOF (execve succeeded), -EAGAIN when nothing arrived yet, other -errno on error. */
int sandbox_read_report(int report_fd, struct sandbox_report *ret);

const char *sandbox_stage_to_string(int stage);

/* ---- the library check (elfcheck.c) ------------------------------------------------------- */

/* Resolves PROGRAM (an absolute path as the service sees it) inside the tree open at ROOT_FD
 * (O_PATH|O_DIRECTORY; "/" for the host view), then, recursively, its ELF interpreter and every
 * DT_NEEDED library as the tree's own ld.so would: DT_RPATH (without DT_RUNPATH), DT_RUNPATH
 * ($ORIGIN, $LIB, $PLATFORM expanded), the tree's /etc/ld.so.conf and ld.so.conf.d, then the
 * default directories. A "#!" script resolves its interpreter the same way. Every file is opened
 * inside the tree (openat2 RESOLVE_IN_ROOT), only regular files are read, and nothing blocks on
 * a FIFO. Libraries of another ELF class or machine are skipped, as ld.so does.
 * Returns 0 when everything resolves, or a negative errno with *ret_error a sentence naming the
 * program, what is missing or wrong, and TREE_LABEL ("tree bullseye", "the host"), e.g.
 * "/usr/sbin/lighttpd needs libpcre.so.3, which tree bullseye does not have". */
int sandbox_check_program(int root_fd, const char *tree_label, const char *program, char **ret_error);

/* ---- seccomp (seccomp.c) ------------------------------------------------------------------- */

/* Loads svc's seccomp filter (Docker's default policy as the model; compiled by libseccomp at
 * build time, see seccomp-gen.c) into the calling thread. No allocation, async-signal-safe: it
 * runs between fork and execve. Needs no_new_privs or CAP_SYS_ADMIN. 0 or -errno. */
int sandbox_seccomp_apply(void);
