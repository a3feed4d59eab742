/* SPDX-License-Identifier: MIT */
/* svcd: the supervisor daemon. */
#include <getopt.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/svcd.h"

static const char *arg_root;

static void help(void) {
        printf("svcd [OPTIONS]\n\n"
               "Supervise the services of ROOT/etc/svc/units, each in its own sandbox.\n\n"
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
                        return 0;
                default:
                        return -EINVAL;
                }
        if (optind < argc) {
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
        log_info("Received SIG%s", sigabbrev_np((int) si->ssi_signo));
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

static int setup_signals(sd_event *e, struct manager *m) {
        sigset_t ss;
        sigemptyset(&ss);
        int sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP };
        for (size_t i = 0; i < ELEMENTSOF(sigs); i++)
                sigaddset(&ss, sigs[i]);
        /* Blocked before any thread exists, so that only the loop's signalfd sees them. */
        if (sigprocmask(SIG_BLOCK, &ss, NULL) < 0)
                return -errno;
        signal(SIGPIPE, SIG_IGN);
        int r = sd_event_add_signal(e, NULL, SIGCHLD, on_sigchld, m);
        if (r >= 0)
                r = sd_event_add_signal(e, NULL, SIGTERM, on_sigterm, m);
        if (r >= 0)
                r = sd_event_add_signal(e, NULL, SIGINT, on_sigterm, m);
        if (r >= 0)
                r = sd_event_add_signal(e, NULL, SIGHUP, on_sighup, m);
        return r;
}

static int run(void) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        int r = sd_event_new(&e);
        if (r < 0)
                return log_error_errno(r, "Cannot create the event loop: %m");
        /* Block the signals before manager_new() starts the log writer thread. */
        sigset_t ss;
        sigemptyset(&ss);
        sigaddset(&ss, SIGCHLD);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        sigaddset(&ss, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &ss, NULL) < 0)
                return log_error_errno(-errno, "Cannot block signals: %m");
        struct manager *m = NULL;
        r = manager_new(e, arg_root, &m);
        if (r < 0)
                return r;
        r = setup_signals(e, m);
        if (r < 0) {
                manager_free(m);
                return log_error_errno(r, "Cannot watch signals: %m");
        }
        r = manager_load_all(m);
        if (r >= 0)
                r = control_server_new(m, m->control_path, m->svc_gid, &m->control);
        if (r < 0) {
                manager_free(m);
                return r;
        }
        log_info("Ready, control socket %s", m->control_path);
        manager_start_enabled(m);
        r = sd_event_loop(e);
        manager_free(m);
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m");
        return r;
}

int main(int argc, char **argv) {
        int r = parse_args(argc, argv);
        if (r <= 0)
                return r < 0 ? 2 : 0;
        umask(022);
        /* Orphans of the services come back to svcd and are reaped in one place. */
        if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
                log_warning_errno(-errno, "Cannot become a subreaper: %m");
        r = run();
        return r < 0 ? 1 : r;
}
