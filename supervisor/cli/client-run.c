/* SPDX-License-Identifier: MIT */
/* svc run: one command in the same sandbox a service gets, in the foreground, without a daemon,
 * with its exit status returned as `docker run --rm` does: 125 when svc itself fails, 126 not
 * executable, 127 not found, 128+N killed by signal N. */
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "common/macro.h"
#include "common/paths.h"
#include "common/util.h"
#include "sandbox/proto.h"
#include "sandbox/sandbox.h"
#include "supervisor/cli/client.h"

#ifndef P_PIDFD
#define P_PIDFD 3 /* glibc 2.36 knows it only in linux/wait.h */
#endif

#define EXIT_SVC_FAILED 125
#define EXIT_NOT_EXECUTABLE 126
#define EXIT_NOT_FOUND 127

struct run_args {
        const char *tree, *cwd, *user, *hostname;
        char **env;
        struct sandbox_bind *binds;
        size_t n_binds;
        bool host_network, tty, interactive;
        char **argv;
};

static void run_usage(FILE *f) {
        fprintf(f, "svc run [--tree T] [--bind SRC[:DST]] [--ro-bind SRC[:DST]] [--network host] [-e K=V]\n"
                   "        [-w DIR] [-u USER] [--hostname NAME] [-i] [-t] [--] CMD [ARG...]\n");
}

static int add_bind(struct run_args *a, const char *spec, bool ro) {
        struct sandbox_bind *n = realloc(a->binds, sizeof(*n) * (a->n_binds + 1));
        if (!n)
                return -ENOMEM;
        a->binds = n;
        char *src = strdup(spec), *colon = src ? strchr(src, ':') : NULL;
        if (!src)
                return -ENOMEM;
        if (colon)
                *colon = '\0';
        /* The bind owns SRC (freed with the args, as a->binds[i].source). */
        a->binds[a->n_binds++] = (struct sandbox_bind){ .source = src,
                                                        .target = colon ? colon + 1 : src,
                                                        .read_only = ro,
                                                        .recursive = true,
                                                        .source_fd = -EBADF };
        if (src[0] != '/' || (colon && colon[1] != '/')) {
                fprintf(stderr, "svc run: --bind needs absolute paths, got %s\n", spec);
                // cppcheck-suppress memleak
                return -EINVAL;
        }
        // cppcheck-suppress memleak
        return 0;
}

static int parse_run(int argc, char **argv, struct run_args *a) {
        static const struct option options[] = {
                { "tree", required_argument, NULL, 'T' },    { "bind", required_argument, NULL, 'b' },
                { "ro-bind", required_argument, NULL, 'B' }, { "network", required_argument, NULL, 'n' },
                { "env", required_argument, NULL, 'e' },     { "workdir", required_argument, NULL, 'w' },
                { "user", required_argument, NULL, 'u' },    { "hostname", required_argument, NULL, 'H' },
                { "interactive", no_argument, NULL, 'i' },   { "tty", no_argument, NULL, 't' },
                { "help", no_argument, NULL, 'h' },          {},
        };
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "+e:w:u:ith", options, NULL)) >= 0) {
                int r = 0;
                switch (c) {
                case 'T':
                        a->tree = optarg;
                        break;
                case 'b':
                        r = add_bind(a, optarg, false);
                        break;
                case 'B':
                        r = add_bind(a, optarg, true);
                        break;
                case 'n':
                        if (!streq(optarg, "host") && !streq(optarg, "none")) {
                                fprintf(stderr, "svc run: --network takes host or none\n");
                                return -EINVAL;
                        }
                        a->host_network = streq(optarg, "host");
                        break;
                case 'e':
                        r = strchr(optarg, '=') ? strv_extend(&a->env, optarg) : -EINVAL;
                        break;
                case 'w':
                        a->cwd = optarg;
                        break;
                case 'u':
                        a->user = optarg;
                        break;
                case 'H':
                        a->hostname = optarg;
                        break;
                case 'i':
                        a->interactive = true;
                        break;
                case 't':
                        a->tty = true;
                        break;
                case 'h':
                        run_usage(stdout);
                        exit(EXIT_OK);
                default:
                        return -EINVAL;
                }
                if (r < 0)
                        return r;
        }
        if (optind >= argc) {
                run_usage(stderr);
                return -EINVAL;
        }
        a->argv = argv + optind;
        return 0;
}

static int exit_for_spawn_error(const char *prog, int stage, int err) {
        if (stage == STAGE_EXEC && (err == ENOENT || err == ENOTDIR)) {
                fprintf(stderr, "svc run: %s: not found in the sandbox\n", prog);
                return EXIT_NOT_FOUND;
        }
        if (stage == STAGE_EXEC) {
                fprintf(stderr, "svc run: %s: cannot execute: %s\n", prog, strerror(err));
                return EXIT_NOT_EXECUTABLE;
        }
        fprintf(stderr, "svc run: cannot %s: %s\n", sandbox_stage_to_string(stage), strerror(err));
        return EXIT_SVC_FAILED;
}

struct run_state {
        struct sandbox sb;
        const char *prog;
        int code; /* exit code once known, -1 before */
        int master;
        bool stdin_open, master_open;
        bool reaped; /* ns-init, through the pidfd */
};

/* The channel says only that the command could not start (a one-shot reports nothing else); its
 * EOF is ns-init's exit, whose status comes from the pidfd. Read once ns-init has exited. */
static void handle_events(struct run_state *st) {
        struct sandbox_event ev;
        int r;
        while ((r = sandbox_receive(&st->sb, &ev)) > 0)
                if (ev.type == PROTO_STARTED && ev.stage != STAGE_NONE && st->code < 0)
                        st->code = exit_for_spawn_error(st->prog, ev.stage, ev.err);
        if (r == 0)
                st->sb.channel = safe_close(st->sb.channel);
}

/* ns-init ended, and with it the namespace: its status is the command's (128+N for signal N), as
 * PROTO_SPAWN_ONESHOT says; killed itself, svc run failed. A start failure read on the channel
 * wins. */
static void handle_nsinit_exit(struct run_state *st) {
        siginfo_t si = { 0 };
        if (waitid((idtype_t) P_PIDFD, (id_t) st->sb.pidfd, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0)
                return;
        st->reaped = true;
        if (st->sb.channel >= 0)
                handle_events(st);
        if (st->code < 0)
                st->code = si.si_code == CLD_EXITED ? si.si_status : EXIT_SVC_FAILED;
}

static int wait_loop(struct run_state *st, int sigfd) {
        while (st->code < 0) {
                /* Not the channel: a one-shot ns-init writes to it only just before it exits, and its
                 * EOF comes before the pidfd is readable (the fds go before the namespace is
                 * emptied); handle_nsinit_exit() reads it then. One wake-up, not two. */
                struct pollfd p[5] = {
                        { st->sb.setup_fd, POLLIN, 0 },
                        { sigfd, POLLIN, 0 },
                        { st->master_open ? st->master : -1, POLLIN, 0 },
                        { st->stdin_open && st->master >= 0 ? STDIN_FILENO : -1, POLLIN, 0 },
                        { st->sb.pidfd, POLLIN, 0 },
                };
                if (poll(p, 5, -1) < 0 && errno != EINTR)
                        return EXIT_SVC_FAILED;
                struct sandbox_setup_error e;
                if ((p[0].revents & (POLLIN | POLLHUP)) && sandbox_read_setup(&st->sb, &e) == 1) {
                        fprintf(stderr, "svc run: cannot set up the sandbox: failed to %s%s%s: %s\n", e.what,
                                e.path[0] ? " " : "", e.path, strerror(e.err));
                        return EXIT_SVC_FAILED;
                }
                if (p[1].revents & POLLIN) {
                        struct signalfd_siginfo si;
                        struct winsize ws;
                        if (read(sigfd, &si, sizeof(si)) != (ssize_t) sizeof(si) || si.ssi_signo == SIGCHLD)
                                ;
                        else if (si.ssi_signo == SIGWINCH && st->master >= 0) {
                                if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
                                        (void) ioctl(st->master, TIOCSWINSZ,
                                                     &ws); /* the kernel tells the command */
                        } else
                                (void) sandbox_send_signal(&st->sb, 1, (int) si.ssi_signo);
                }
                if (p[2].revents & (POLLIN | POLLHUP))
                        client_copy_some(st->master, STDOUT_FILENO, &st->master_open);
                if (p[3].revents & (POLLIN | POLLHUP))
                        client_copy_some(STDIN_FILENO, st->master, &st->stdin_open);
                if (p[4].revents & POLLIN)
                        handle_nsinit_exit(st);
        }
        /* What the command wrote last, before the terminal goes. */
        while (st->master_open && st->master >= 0) {
                struct pollfd p = { st->master, POLLIN, 0 };
                if (poll(&p, 1, 50) <= 0)
                        break;
                client_copy_some(st->master, STDOUT_FILENO, &st->master_open);
        }
        return st->code;
}

static int build_env(const struct run_args *a, const struct sandbox_creds *c, char ***ret) {
        char **env = NULL;
        char *v;
        int r = strv_extend(&env, "PATH=" SVC_DEFAULT_PATH);
        if (r >= 0)
                r = asprintf(&v, "HOME=%s", c->home) < 0 ? -ENOMEM : strv_push(&env, v);
        const char *term = getenv("TERM");
        if (r >= 0 && a->tty && term)
                r = asprintf(&v, "TERM=%s", term) < 0 ? -ENOMEM : strv_push(&env, v);
        STRV_FOREACH (e, a->env)
                if (r >= 0)
                        r = strv_extend(&env, *e);
        if (r < 0) {
                strv_free(env);
                return r;
        }
        *ret = env;
        return 0;
}

/* The tree's host path and its label for sentences, and the scratch directory, made. */
static int run_paths(const struct run_args *a, const char *root, char **ret_tree, char **ret_label,
                     char **ret_scratch) {
        _cleanup_free_ char *tree = a->tree ? (a->tree[0] == '/' ? strdup(a->tree) : NULL) : NULL;
        _cleanup_free_ char *label = NULL, *scratch = path_join(root, SVC_SANDBOX_DIR);
        if (a->tree && !tree) {
                _cleanup_free_ char *trees = path_join(root, SVC_TREES_DIR);
                tree = trees ? path_join(trees, a->tree) : NULL;
        }
        if (!scratch || (a->tree && !tree) || asprintf(&label, a->tree ? "tree %s" : "the host", a->tree) < 0)
                return -ENOMEM;
        if (mkdir_p(scratch, 0700) < 0) {
                int r = -errno;
                fprintf(stderr, "svc run: cannot create %s: %s\n", scratch, strerror(-r));
                return r;
        }
        *ret_tree = TAKE_PTR(tree);
        *ret_label = TAKE_PTR(label);
        *ret_scratch = TAKE_PTR(scratch);
        return 0;
}

/* The command goes into the channel before the clone (spec.first_command), as a one-shot:
 * ns-init runs it as soon as it starts, reports nothing unless it fails to start, and exits with
 * its status. */
static struct sandbox_command run_command(const struct run_args *a, const char *prog, char **env,
                                          const struct sandbox_creds *creds, int *fds) {
        return (struct sandbox_command){
                .path = prog,
                .cwd = a->cwd,
                .argv = a->argv,
                .env = env,
                .fds = fds,
                .n_fds = 3,
                .main = true,
                .setsid = true,
                .ctty = a->tty,
                .no_new_privs = true,
                .seccomp = true,
                .oneshot = true,
                .set_creds = true,
                .uid = creds->uid,
                .gid = creds->gid,
                .groups = creds->groups,
                .n_groups = creds->n_groups,
                .cap_bounding = creds->uid == 0 ? sandbox_default_caps() : 0,
                .umask = 0022,
        };
}

static int start_sandbox(const struct run_args *a, const char *tree, const char *label, const char *scratch,
                         const struct sandbox_command *cmd, struct run_state *st) {
        _cleanup_free_ char *why = NULL;
        int memfd = sandbox_nsinit_memfd();
        struct sandbox_spec spec = {
                .name = "svc-run",
                .hostname = a->hostname ? a->hostname : "svc-run",
                .tree = tree,
                .tree_label = label,
                .binds = a->binds,
                .n_binds = a->n_binds,
                .private_network = !a->host_network,
                .scratch_dir = scratch,
                .cgroup_fd = -1,
                .nsinit_fd = memfd,
                .first_command = cmd,
        };
        int r = memfd < 0 ? memfd : sandbox_check_spec(&spec, &why);
        if (r >= 0)
                r = sandbox_start(&spec, &st->sb);
        safe_close(memfd);
        if (r < 0)
                fprintf(stderr, "svc run: %s\n", why ? why : strerror(-r));
        return r;
}

static int start(const struct run_args *a, const char *root, struct run_state *st, int *fds) {
        _cleanup_free_ char *tree = NULL, *label = NULL, *scratch = NULL;
        int r = run_paths(a, root, &tree, &label, &scratch);
        if (r < 0)
                return EXIT_SVC_FAILED;
        _cleanup_close_ int rootfd = open(tree ? tree : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0) {
                fprintf(stderr, "svc run: %s does not exist (%s)\n", label, tree);
                return EXIT_SVC_FAILED;
        }
        struct sandbox_creds creds = { 0 };
        _cleanup_free_ char *why = NULL, *prog = NULL;
        r = sandbox_resolve_creds(rootfd, label, a->user, NULL, NULL, &creds, &why);
        if (r < 0) {
                fprintf(stderr, "svc run: %s\n", why ? why : strerror(-r));
                return EXIT_SVC_FAILED;
        }
        if (sandbox_find_program(rootfd, a->argv[0], &prog) < 0) {
                sandbox_creds_done(&creds);
                fprintf(stderr, "svc run: %s: not found in %s\n", a->argv[0], label);
                return EXIT_NOT_FOUND;
        }
        _cleanup_strv_free_ char **env = NULL;
        r = build_env(a, &creds, &env);
        if (r >= 0) {
                struct sandbox_command cmd = run_command(a, prog, env, &creds, fds);
                r = start_sandbox(a, tree, label, scratch, &cmd, st);
        } else
                fprintf(stderr, "svc run: %s\n", strerror(-r));
        sandbox_creds_done(&creds);
        if (r < 0)
                return EXIT_SVC_FAILED;
        st->prog = a->argv[0];
        return 0;
}

int client_run(const char *root, int argc, char **argv) {
        struct run_args a = { 0 };
        if (parse_run(argc, argv, &a) < 0)
                return EXIT_SVC_FAILED;
        struct run_state st = { .code = -1,
                                .master = -1,
                                .stdin_open = true,
                                .master_open = true,
                                .sb = { .pidfd = -1, .channel = -1, .setup_fd = -1 } };
        int fds[3] = { STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO }, slave = -1;
        if (a.tty && (st.master = client_open_pty(&slave)) >= 0)
                fds[0] = fds[1] = fds[2] = slave;
        if (!a.interactive && !a.tty)
                fds[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
        sigset_t ss;
        sigemptyset(&ss);
        int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCHLD };
        for (size_t i = 0; i < ELEMENTSOF(sigs); i++)
                sigaddset(&ss, sigs[i]);
        sigprocmask(SIG_BLOCK, &ss, NULL);
        int sigfd = signalfd(-1, &ss, SFD_CLOEXEC);
        int code = start(&a, root, &st, fds);
        safe_close(slave);
        if (!a.interactive && !a.tty)
                safe_close(fds[0]);
        if (code == 0)
                code = wait_loop(&st, sigfd);
        if (st.sb.pid > 0 && !st.reaped) {
                sandbox_kill(&st.sb);
                (void) waitpid(st.sb.pid, NULL, 0);
        }
        sandbox_close(&st.sb);
        client_restore_tty();
        safe_close(st.master);
        safe_close(sigfd);
        for (size_t i = 0; i < a.n_binds; i++)
                free((char *) a.binds[i].source);
        free(a.binds);
        strv_free(a.env);
        return code;
}
