/* SPDX-License-Identifier: MIT */
/* ns-init: PID 1 of every sandbox. It forks the commands svcd asks for (launch.c makes them the
 * service), forwards the signals it receives to the main one, reaps every orphan of the
 * namespace, and reports starts and exits over its one file descriptor, the channel to svcd.
 *
 * It is a static program executed from a sealed memfd (the runc/crun defence against rewriting
 * the runtime through /proc/self/exe), non-dumpable, with nothing of svcd's memory: its pages are
 * shared by every sandbox, its own dirty memory is a few pages. It dies with svcd (parent-death
 * signal, and EOF on the channel), and when it dies the kernel kills the whole namespace. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/launch.h"
#include "sandbox/proto.h"
#include "sandbox/sandbox.h"

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

#define MAX_WATCHED 256

struct watched {
        uint32_t id;
        pid_t pid;
};

static int chan = -1;
static volatile sig_atomic_t got_child;
static volatile sig_atomic_t pending[_NSIG];
static struct watched watched[MAX_WATCHED];
static unsigned n_watched;
static pid_t main_pid;
static bool empty_sent = true;
static int oneshot_report = -1; /* a PROTO_SPAWN_ONESHOT command's launch report, read at its end */
static union {
        struct proto_header h;
        struct proto_spawn spawn;
        struct proto_signal signal;
        struct proto_watch watch;
        unsigned char bytes[PROTO_MAX_MSG];
} msg;
static char *strings[PROTO_MAX_ARGS + 2];

/* Signals handed on to the main process. The others are ns-init's own business. */
static const int forwarded[] = { SIGHUP,  SIGINT,  SIGQUIT,  SIGUSR1, SIGUSR2, SIGTERM,
                                 SIGALRM, SIGCONT, SIGWINCH, SIGPWR,  SIGURG,  SIGTSTP };

static void on_signal(int sig) {
        if (sig == SIGCHLD)
                got_child = 1;
        else if (sig > 0 && sig < _NSIG)
                pending[sig] = 1;
}

static void send_msg(const void *m, size_t n) {
        while (send(chan, m, n, MSG_NOSIGNAL) < 0)
                if (errno != EINTR)
                        _exit(0); /* svcd is gone: so are we, and with us the namespace */
}

static void report_exit(uint32_t id, pid_t pid, int status) {
        struct proto_exited e = { .h = { PROTO_EXITED, id }, .pid = pid };
        if (WIFEXITED(status)) {
                e.code = CLD_EXITED;
                e.status = WEXITSTATUS(status);
        } else {
                e.code = WCOREDUMP(status) ? CLD_DUMPED : CLD_KILLED;
                e.status = WTERMSIG(status);
        }
        send_msg(&e, sizeof(e));
}

static int find_watched(pid_t pid) {
        for (unsigned i = 0; i < n_watched; i++)
                if (watched[i].pid == pid)
                        return (int) i;
        return -1;
}

static void add_watched(uint32_t id, pid_t pid) {
        if (n_watched < MAX_WATCHED)
                watched[n_watched++] = (struct watched){ id, pid };
}

/* The one-shot command ended: a launch report says it never reached execve (what svcd's STARTED
 * would have said), else its status becomes ns-init's own. Exiting kills the namespace. */
static _Noreturn void end_oneshot(uint32_t id, pid_t pid, int status) {
        struct sandbox_report r;
        ssize_t k;
        while ((k = read(oneshot_report, &r, sizeof(r))) < 0 && errno == EINTR)
                ;
        if (k == (ssize_t) sizeof(r)) {
                struct proto_started st = {
                        .h = { PROTO_STARTED, id }, .pid = pid, .stage = r.stage, .err = r.err
                };
                send_msg(&st, sizeof(st));
                _exit(127);
        }
        _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

static void reap(void) {
        for (;;) {
                int status;
                pid_t pid = waitpid(-1, &status, WNOHANG);
                if (pid > 0) {
                        int i = find_watched(pid);
                        if (pid == main_pid && oneshot_report >= 0)
                                end_oneshot(i >= 0 ? watched[i].id : 0, pid, status);
                        if (i >= 0) {
                                report_exit(watched[i].id, pid, status);
                                watched[i] = watched[--n_watched];
                        }
                        if (pid == main_pid)
                                main_pid = 0;
                        continue;
                }
                if (pid < 0 && errno == ECHILD && !empty_sent) {
                        struct proto_header e = { PROTO_EMPTY, 0 };
                        send_msg(&e, sizeof(e));
                        empty_sent = true;
                }
                return;
        }
}

static void forward_signals(void) {
        for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++) {
                int sig = forwarded[i];
                if (!pending[sig])
                        continue;
                pending[sig] = 0;
                if (main_pid > 0)
                        (void) kill(main_pid, sig);
        }
}

/* Splits the strings of a spawn message: path, cwd, argv..., NULL, env..., NULL. */
static int split_strings(const struct proto_spawn *sp, size_t len, char ***ret_argv, char ***ret_env) {
        size_t need = 2 + (size_t) sp->n_argv + sp->n_env;
        if (len < sizeof(*sp) || sp->seccomp_len > len - sizeof(*sp) ||
            sp->strings_len != len - sizeof(*sp) - sp->seccomp_len || need > PROTO_MAX_ARGS ||
            sp->n_argv == 0 || sp->n_fds > PROTO_MAX_FDS || sp->n_groups > PROTO_MAX_GROUPS)
                return -EBADMSG;
        char *p = (char *) sp->strings, *end = p + sp->strings_len;
        if (sp->strings_len == 0 || end[-1] != '\0')
                return -EBADMSG;
        size_t k = 0;
        for (size_t i = 0; i < need; i++) {
                if (p >= end)
                        return -EBADMSG;
                strings[k++] = p;
                if (i == 1 + sp->n_argv)
                        strings[k++] = NULL; /* end of argv */
                p += strlen(p) + 1;
        }
        strings[k] = NULL;
        *ret_argv = strings + 2;
        *ret_env = strings + 3 + sp->n_argv;
        return 0;
}

/* No wait for the launch here: the report is read once the command has ended (end_oneshot()),
 * so that neither ns-init nor the caller wakes up in between. Signals sent before the command's
 * execve stay blocked until launch() has reset their dispositions: none is lost. */
static void spawn_oneshot(uint32_t id, pid_t pid, int report, const int *fds, unsigned n_fds) {
        oneshot_report = report;
        add_watched(id, pid);
        main_pid = pid;
        empty_sent = false;
        for (unsigned i = 0; i < n_fds; i++)
                close(fds[i]);
}

static void spawn(size_t len, const int *fds, unsigned n_fds) {
        const struct proto_spawn *sp = &msg.spawn;
        struct proto_started st = { .h = { PROTO_STARTED, sp->h.id } };
        char **argv, **env;
        int p[2] = { -1, -1 };
        if (split_strings(sp, len, &argv, &env) < 0 || n_fds != sp->n_fds) {
                st.stage = STAGE_SETUP;
                st.err = EBADMSG;
        } else if (pipe2(p, O_CLOEXEC) < 0) {
                st.stage = STAGE_SETUP;
                st.err = errno;
        } else {
                pid_t pid = fork();
                if (pid == 0)
                        launch(sp, strings[0], strings[1], argv, env, fds, p[1]);
                close(p[1]);
                if (pid > 0 && (sp->flags & PROTO_SPAWN_ONESHOT)) {
                        spawn_oneshot(sp->h.id, pid, p[0], fds, n_fds);
                        return;
                }
                struct sandbox_report r;
                ssize_t k;
                while ((k = read(p[0], &r, sizeof(r))) < 0 && errno == EINTR)
                        ;
                close(p[0]);
                st.pid = pid;
                if (pid < 0) {
                        st.stage = STAGE_SETUP;
                        st.err = errno;
                } else if (k == (ssize_t) sizeof(r)) {
                        st.stage = r.stage; /* it exits 127; that exit is not reported */
                        st.err = r.err;
                } else {
                        add_watched(sp->h.id, pid);
                        if (sp->flags & PROTO_SPAWN_MAIN)
                                main_pid = pid;
                        empty_sent = false;
                }
        }
        for (unsigned i = 0; i < n_fds; i++)
                close(fds[i]);
        send_msg(&st, sizeof(st));
        if (st.stage != STAGE_NONE && (sp->flags & PROTO_SPAWN_ONESHOT))
                _exit(127); /* nothing runs, nothing will */
}

static void handle_signal_msg(void) {
        if (msg.signal.h.id == 0) {
                (void) kill(-1, msg.signal.sig); /* every process of the namespace but us */
                return;
        }
        for (unsigned i = 0; i < n_watched; i++)
                if (watched[i].id == msg.signal.h.id)
                        (void) kill(watched[i].pid, msg.signal.sig);
}

static void handle_watch_msg(void) {
        pid_t pid = msg.watch.pid;
        if (pid <= 1 || kill(pid, 0) < 0) {
                report_exit(msg.watch.h.id, pid, 0);
                return;
        }
        add_watched(msg.watch.h.id, pid);
        main_pid = pid;
}

static void receive(void) {
        union {
                struct cmsghdr h;
                char b[CMSG_SPACE(sizeof(int) * PROTO_MAX_FDS)];
        } control;
        struct iovec iov = { msg.bytes, sizeof(msg.bytes) };
        struct msghdr mh = {
                .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof(control)
        };
        ssize_t n = recvmsg(chan, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
        if (n < 0)
                return;
        if (n == 0)
                _exit(0); /* svcd closed the channel */
        int fds[PROTO_MAX_FDS];
        unsigned n_fds = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                        unsigned k = (unsigned) ((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
                        for (unsigned i = 0; i < k && n_fds < PROTO_MAX_FDS; i++)
                                memcpy(&fds[n_fds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                }
        if ((size_t) n >= sizeof(struct proto_header) && msg.h.type == PROTO_SPAWN) {
                spawn((size_t) n, fds, n_fds);
                return;
        }
        for (unsigned i = 0; i < n_fds; i++)
                close(fds[i]);
        if (msg.h.type == PROTO_SIGNAL && (size_t) n == sizeof(struct proto_signal))
                handle_signal_msg();
        else if (msg.h.type == PROTO_WATCH && (size_t) n == sizeof(struct proto_watch))
                handle_watch_msg();
}

static void setup_signals(void) {
        struct sigaction sa = { .sa_handler = on_signal };
        sigfillset(&sa.sa_mask);
        sigaction(SIGCHLD, &sa, NULL);
        for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
                sigaction(forwarded[i], &sa, NULL);
        /* Blocked except inside ppoll(): no signal is handled between the checks and the wait. */
        sigset_t all;
        sigfillset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
}

int main(int argc, char **argv) {
        if (argc < 2)
                return 2;
        chan = 0;
        for (const char *p = argv[1]; *p >= '0' && *p <= '9'; p++)
                chan = chan * 10 + (*p - '0');
        (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        (void) prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        /* The channel is the only file descriptor ns-init holds. */
        if (chan > 0)
                (void) syscall(SYS_close_range, 0U, (unsigned) chan - 1, 0);
        (void) syscall(SYS_close_range, (unsigned) chan + 1, ~0U, 0);
        setup_signals();
        sigset_t none;
        sigemptyset(&none);
        for (;;) {
                struct pollfd pfd = { .fd = chan, .events = POLLIN };
                int r = ppoll(&pfd, 1, NULL, &none);
                if (got_child) {
                        got_child = 0;
                        reap();
                }
                forward_signals();
                if (r > 0 && (pfd.revents & (POLLIN | POLLHUP | POLLERR)))
                        receive();
        }
}
