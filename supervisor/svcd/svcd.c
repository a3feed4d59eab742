/* SPDX-License-Identifier: MIT */
/* svcd: the supervisor daemon. */
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "common/macro.h"
#include "common/paths.h"
#include "common/util.h"
#include "supervisor/svcd/pid1.h"
#include "supervisor/svcd/control.h"
#include "supervisor/svcd/manager.h"

static const char *arg_root;

static void help(void) {
        printf("svcd [OPTIONS]\n\n"
               "Supervise the services of ROOT/" SVC_UNITS_DIR ", each in its own sandbox.\n\n"
               "  --root DIR     rebase every path under DIR (default $SVC_ROOT or /)\n"
               "  -v, --verbose  log debug messages\n"
               "  -h, --help     show this help\n");
}

static int parse_args(int argc, char **argv) {
        static const struct option options[] = {
                { "root", required_argument, NULL, 'r' },
                { "verbose", no_argument, NULL, 'v' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        arg_root = getenv("SVC_ROOT");
        int c;
        while ((c = getopt_long(argc, argv, "vh", options, NULL)) >= 0)
                switch (c) {
                case 'r':
                        arg_root = optarg;
                        break;
                case 'v':
                        log_set_max_level(LOG_LEVEL_DEBUG);
                        break;
                case 'h':
                        help();
                        if (pid1_mode() == PID1_NONE)
                                return 0;
                        break;
                default:
                        /* PID 1 does not stop the box for a stray word of the kernel command line. */
                        if (pid1_mode() == PID1_NONE)
                                return -EINVAL;
                        break;
                }
        /* As PID 1, the kernel passes the words of its command line it does not know: ignored. */
        if (optind < argc && pid1_mode() == PID1_NONE) {
                log_error("Unexpected argument: %s", argv[optind]);
                return -EINVAL;
        }
        if (isempty(arg_root))
                arg_root = "/";
        if (arg_root[0] != '/') {
                log_error("--root needs an absolute path, got %s", arg_root);
                return -EINVAL;
        }
        return 1;
}

static int on_sigchld(sd_event_source *src _unused_, const struct signalfd_siginfo *si _unused_,
                      void *userdata) {
        manager_reap(userdata);
        return 0;
}

static int on_sigterm(sd_event_source *src _unused_, const struct signalfd_siginfo *si, void *userdata) {
        int sig = (int) si->ssi_signo;
        enum shutdown_kind kind;
        if (pid1_mode() != PID1_NONE && pid1_shutdown_signal(sig, &kind)) {
                log_notice("Received SIG%s from pid %u", sigabbrev_np(sig), si->ssi_pid);
                manager_request_shutdown(userdata, kind);
                return 0;
        }
        log_info("Received SIG%s", sigabbrev_np(sig));
        manager_shutdown(userdata, 0);
        return 0;
}

static int on_sighup(sd_event_source *src _unused_, const struct signalfd_siginfo *si _unused_,
                     void *userdata) {
        struct reload_report *r = NULL;
        size_t n = 0;
        if (manager_reload_units(userdata, &r, &n) >= 0)
                log_info("Reloaded the unit directory (%zu units looked at)", n);
        reload_report_free(r, n);
        return 0;
}

/* The signals the loop handles: as PID 1 also SIGPWR, SIGUSR1 and SIGUSR2 (pid1.c). */
static void handled_signals(sigset_t *ss) {
        sigemptyset(ss);
        sigaddset(ss, SIGCHLD);
        sigaddset(ss, SIGTERM);
        sigaddset(ss, SIGINT);
        sigaddset(ss, SIGHUP);
        if (pid1_mode() != PID1_NONE)
                pid1_add_shutdown_signals(ss);
}

static int setup_signals(sd_event *e, struct manager *m) {
        sigset_t ss;
        handled_signals(&ss);
        signal(SIGPIPE, SIG_IGN);
        int r = 0;
        for (int sig = 1; sig < _NSIG && r >= 0; sig++)
                if (sigismember(&ss, sig) == 1)
                        r = sd_event_add_signal(e, NULL, sig,
                                                sig == SIGCHLD  ? on_sigchld
                                                : sig == SIGHUP ? on_sighup
                                                                : on_sigterm,
                                                m);
        return r;
}

/* svc's own directories are closed to other host users. A root service can leave a setuid-root
 * program in its StateDirectory=, LogsDirectory= or persistent overlay, and nosuid holds only in
 * its sandbox (Moby's CVE-2021-41091); a tree may hold old setuid programs. Sandboxes get these
 * through mounts made by svcd, which no mode of a parent on the host stops. The logs are for root
 * and group svc, which `svc logs` reads directly; run/svc is only traversable, for the control
 * socket, which tells everyone else why not. Modes only ever lose bits here: directories made by
 * an older svcd or by `svc tree` before svcd's first start are closed, a stricter one is kept. */
static void close_own_dirs(const struct manager *m) {
        static const struct {
                const char *rel;
                mode_t mode;
                bool svc_group;
        } dirs[] = {
                { SVC_LIB_DIR, 0700, false },
                { SVC_STATE_DIR, 0700, false },
                { SVC_OVERLAY_DIR, 0700, false },
                { SVC_TREES_DIR, 0700, false },
                { SVC_LOGS_DIRECTORY_DIR, 0700, false },
                { SVC_ENABLED_DIR, 0700, false },
                { SVC_LOG_DIR, 0750, true },
                { SVC_RUN_DIR, 0711, false },
                { SVC_CACHE_DIR, 0700, false },
                { SVC_VAR_DIR, 0700, false },
                { SVC_PATHS_DIR, 0700, false },
                { SVC_VOLUMES_DIR, 0700, false },
        };
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                _cleanup_free_ char *p = path_join(m->root, dirs[i].rel);
                _cleanup_close_ int fd = p ? open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -EBADF;
                struct stat st;
                if (fd < 0 || fstat(fd, &st) < 0)
                        continue;
                mode_t cur = st.st_mode & 07777, want = cur & dirs[i].mode;
                if (cur != want && fchmod(fd, want) < 0)
                        log_warning_errno(-errno, "Cannot close %s to other users: %m", p);
                else if (cur != want)
                        log_notice("Closed %s to other users (mode %04o, was %04o)", p, (unsigned) want,
                                   (unsigned) cur);
                if (dirs[i].svc_group && m->svc_gid != (gid_t) -1 && st.st_gid != m->svc_gid &&
                    fchown(fd, (uid_t) -1, m->svc_gid) < 0)
                        log_warning_errno(-errno, "Cannot give %s to group svc: %m", p);
        }
}

/* Returns the loop's exit status, with the shutdown asked for in *ret_kind. */
static int run(enum shutdown_kind *ret_kind) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        int r = sd_event_new(&e);
        if (r < 0)
                return log_error_errno(r, "Cannot create the event loop: %m");
        /* Blocked before manager_new() starts the log writer thread, so that only the loop's
         * signalfd sees them. */
        sigset_t ss;
        handled_signals(&ss);
        if (sigprocmask(SIG_BLOCK, &ss, NULL) < 0)
                return log_error_errno(-errno, "Cannot block signals: %m");
        struct manager *m = NULL;
        r = manager_new(e, arg_root, &m);
        if (r < 0)
                return r;
        close_own_dirs(m);
        r = setup_signals(e, m);
        if (r < 0) {
                manager_free(m);
                return log_error_errno(r, "Cannot watch signals: %m");
        }
        r = manager_observe(m, &pid1_observer, NULL);
        if (r >= 0)
                r = manager_load_all(m);
        if (r >= 0)
                r = control_server_new(m, m->control_path, m->svc_gid, &m->control);
        if (r < 0) {
                manager_free(m);
                return r;
        }
        log_info("Ready, control socket %s", m->control_path);
        manager_start_enabled(m);
        pid1_started();
        r = sd_event_loop(e);
        *ret_kind = m->shutdown_kind;
        m->control = control_server_free(m->control);
        manager_free(m);
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m");
        return r;
}

/* svcd holds about ten descriptors per running service (its pidfd, cgroup, log pipes and files,
 * the user namespace): the usual soft limit of 1024 ends near a hundred services. As systemd does,
 * svcd raises its own soft limit to the hard one; PID 1 of a boot, whose hard limit is the
 * kernel's 4096, raises both to systemd's 512Ki. Each service still starts with a soft limit of
 * 1024 unless its unit says LimitNOFILE= (executor.c), since select() breaks above it. */
static void raise_fd_limit(enum pid1_mode mode) {
        struct rlimit rl = { .rlim_cur = 512 * 1024, .rlim_max = 512 * 1024 };
        if (mode == PID1_BOOT && setrlimit(RLIMIT_NOFILE, &rl) == 0)
                return;
        if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == rl.rlim_max)
                return;
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
                log_warning_errno(-errno, "Cannot raise the limit of open files to %llu: %m",
                                  (unsigned long long) rl.rlim_max);
}

int main(int argc, char **argv) {
        /* Which svcd is (a real boot, a container, neither) decides what it may touch: first. */
        enum pid1_mode mode = pid1_detect();
        umask(022);
        if (pid1_setup() < 0)
                return pid1_fail();
        int r = parse_args(argc, argv);
        if (r < 0 && mode != PID1_NONE)
                return pid1_fail();
        if (r <= 0)
                return r < 0 ? 2 : 0;
        /* Orphans of the services come back to svcd and are reaped in one place (PID 1 gets
         * them anyway). */
        if (mode == PID1_NONE && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
                log_warning_errno(-errno, "Cannot become a subreaper: %m");
        raise_fd_limit(mode);
        enum shutdown_kind kind = SHUTDOWN_EXIT;
        r = run(&kind);
        if (r < 0)
                return pid1_fail();
        return pid1_finish(kind, r);
}
