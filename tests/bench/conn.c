/* SPDX-License-Identifier: MIT */
/* The other end of tests/bench/ping: listening AF_UNIX sockets that services connect to as soon
 * as they run, so that the benchmarks see a service process run without polling anything.
 *
 *   conn wait READY TIMEOUT SOCK...
 *     Listens on every SOCK, creates the file READY, waits (at most TIMEOUT seconds) until each
 *     socket has had a connection, prints the CLOCK_REALTIME of the last one in nanoseconds.
 *
 *   conn restart READY ROUNDS GAP_MS IDLE_MS [~|!]LABEL=SOCK...
 *     Listens on every SOCK, creates READY, waits for a first connection on each. Then ROUNDS
 *     times, in the order given (interleaving the supervisors): SIGKILL to the process at the
 *     other end of SOCK (its pid from SO_PEERCRED, in our PID namespace) and the time until the
 *     next connection on SOCK, that is until the supervisor's new process runs. Prints
 *     "LABEL<TAB>MICROSECONDS" per kill. Before each kill the machine is left idle for IDLE_MS
 *     (a crash on a quiet box), except for a LABEL written !LABEL (killed right after the previous
 *     restart) and ~LABEL, which is not even waited for (s6-supervise 2.11 always waits a second
 *     before it respawns): its new connection is timed while the others are measured. Between
 *     rounds it waits GAP_MS after the last restart (runsv holds back a service that ran less
 *     than a second).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX 2048

static int listeners[MAX], conns[MAX];
static pid_t pids[MAX];
static uint64_t killed_at[MAX];
static bool async_[MAX], busy[MAX], pending[MAX];
static const char *labels[MAX], *paths[MAX];
static int n;

static uint64_t now_ns(clockid_t c) {
        struct timespec ts;
        clock_gettime(c, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

static void die(const char *what) {
        fprintf(stderr, "conn: %s: %s\n", what, strerror(errno));
        exit(1);
}

static int listen_on(const char *path) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        if (strlen(path) >= sizeof(sa.sun_path)) {
                errno = ENAMETOOLONG;
                die(path);
        }
        strcpy(sa.sun_path, path);
        (void) unlink(path);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || listen(fd, 16) < 0)
                die(path);
        (void) chmod(path, 0666);
        return fd;
}

static void ready(const char *file) {
        int fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
                die(file);
        close(fd);
}

/* Accepts one connection on listener I within TIMEOUT_MS; records the peer's pid. */
static int accept_one(int i, int timeout_ms) {
        struct pollfd p = { listeners[i], POLLIN, 0 };
        int r = poll(&p, 1, timeout_ms);
        if (r <= 0)
                return -1;
        int c = accept4(listeners[i], NULL, NULL, SOCK_CLOEXEC);
        if (c < 0)
                return -1;
        struct ucred cr;
        socklen_t len = sizeof(cr);
        if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
                die("SO_PEERCRED");
        conns[i] = c;
        pids[i] = cr.pid;
        return 0;
}

/* Waits until every listener has had a connection; returns the time of the last one. */
static uint64_t accept_all(int timeout_s) {
        uint64_t deadline = now_ns(CLOCK_MONOTONIC) + (uint64_t) timeout_s * 1000000000ULL, last = 0;
        int left = n;
        static struct pollfd p[MAX];
        while (left > 0) {
                int k = 0;
                static int idx[MAX];
                for (int i = 0; i < n; i++)
                        if (conns[i] < 0) {
                                p[k] = (struct pollfd){ listeners[i], POLLIN, 0 };
                                idx[k++] = i;
                        }
                uint64_t t = now_ns(CLOCK_MONOTONIC);
                if (t >= deadline) {
                        fprintf(stderr, "conn: %d of %d services did not connect in %d s:", left, n, timeout_s);
                        for (int i = 0; i < n; i++)
                                if (conns[i] < 0)
                                        fprintf(stderr, " %s", paths[i]);
                        fprintf(stderr, "\n");
                        exit(1);
                }
                int r = poll(p, (nfds_t) k, (int) ((deadline - t) / 1000000) + 1);
                if (r < 0 && errno != EINTR)
                        die("poll");
                for (int j = 0; j < k && r > 0; j++)
                        if (p[j].revents & POLLIN) {
                                if (accept_one(idx[j], 0) == 0) {
                                        last = now_ns(CLOCK_REALTIME);
                                        left--;
                                }
                        }
        }
        return last;
}

/* Accepts the new connections of the killed services as they come, timing each from its kill,
 * until service I has its new one (every pending one when I is -1). */
static int wait_pending(int want) {
        static struct pollfd p[MAX];
        static int idx[MAX];
        for (;;) {
                int k = 0;
                for (int i = 0; i < n; i++)
                        if (pending[i]) {
                                p[k] = (struct pollfd){ listeners[i], POLLIN, 0 };
                                idx[k++] = i;
                        }
                if (k == 0 || (want >= 0 && !pending[want]))
                        return 0;
                int r = poll(p, (nfds_t) k, 10000);
                if (r == 0) {
                        fprintf(stderr, "conn: a service was not restarted within 10 s:");
                        for (int j = 0; j < k; j++)
                                fprintf(stderr, " %s", paths[idx[j]]);
                        fprintf(stderr, "\n");
                        return -1;
                }
                if (r < 0 && errno != EINTR)
                        die("poll");
                for (int j = 0; j < k && r > 0; j++) {
                        int i = idx[j];
                        if (!(p[j].revents & POLLIN) || accept_one(i, 0) < 0)
                                continue;
                        uint64_t t1 = now_ns(CLOCK_MONOTONIC);
                        pending[i] = false;
                        printf("%s\t%.1f\n", labels[i], (double) (t1 - killed_at[i]) / 1000.0);
                }
        }
}

int main(int argc, char **argv) {
        signal(SIGPIPE, SIG_IGN);
        if (argc >= 5 && strcmp(argv[1], "wait") == 0) {
                for (int i = 4; i < argc && n < MAX; i++) {
                        conns[n] = -1;
                        paths[n] = argv[i];
                        listeners[n++] = listen_on(argv[i]);
                }
                ready(argv[2]);
                printf("%llu\n", (unsigned long long) accept_all(atoi(argv[3])));
                return 0;
        }
        if (argc >= 7 && strcmp(argv[1], "restart") == 0) {
                int rounds = atoi(argv[3]), gap = atoi(argv[4]), idle = atoi(argv[5]);
                for (int i = 6; i < argc && n < MAX; i++) {
                        char *eq = strchr(argv[i], '=');
                        if (!eq) {
                                fprintf(stderr, "conn: LABEL=SOCK expected, got %s\n", argv[i]);
                                return 2;
                        }
                        *eq = '\0';
                        async_[n] = argv[i][0] == '~';
                        busy[n] = argv[i][0] == '!';
                        labels[n] = argv[i] + (async_[n] || busy[n]);
                        paths[n] = eq + 1;
                        conns[n] = -1;
                        listeners[n++] = listen_on(eq + 1);
                }
                ready(argv[2]);
                accept_all(60);
                for (int r = 0; r < rounds; r++) {
                        nanosleep(&(struct timespec){ gap / 1000, (long) (gap % 1000) * 1000000L }, NULL);
                        for (int i = 0; i < n; i++) {
                                if (!async_[i] && !busy[i])
                                        nanosleep(&(struct timespec){ idle / 1000, (long) (idle % 1000) * 1000000L },
                                                  NULL);
                                killed_at[i] = now_ns(CLOCK_MONOTONIC);
                                if (kill(pids[i], SIGKILL) < 0)
                                        die("kill");
                                close(conns[i]);
                                conns[i] = -1;
                                pending[i] = true;
                                if (!async_[i] && wait_pending(i) < 0)
                                        return 1;
                        }
                        if (wait_pending(-1) < 0)
                                return 1;
                        fflush(stdout);
                }
                return 0;
        }
        fprintf(stderr, "conn wait READY TIMEOUT SOCK... | conn restart READY ROUNDS GAP_MS IDLE_MS [~|!]LABEL=SOCK...\n");
        return 2;
}
