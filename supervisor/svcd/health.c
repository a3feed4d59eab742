/* SPDX-License-Identifier: MIT */
/* Health probes, with Quadlet's keys and podman's (and Docker's) semantics:
 * - the first probe runs one interval after the service is running, then one every interval;
 * - a service is "starting" until a probe passes, "healthy" then, "unhealthy" after HealthRetries
 *   failures in a row; failures within HealthStartPeriod= of the start do not count, and a pass
 *   within it ends it;
 * - HealthStartupCmd= runs first, every HealthStartupInterval=, until it passed
 *   HealthStartupSuccess= times (once for 0); HealthStartupRetries= failures restart the service;
 * - HealthOnFailure= acts when the service turns unhealthy; every count starts again with the
 *   next run of the service.
 * A probe never blocks the loop: an exec probe is a `svc exec` session whose end comes back on the
 * sandbox's channel, a TCP or HTTP probe a non-blocking socket made in the service's network
 * namespace. Each one has a deadline (HealthTimeout=): an exec probe is killed then, a socket
 * closed, and either counts as a failure. One probe per service runs at a time. */

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/svcd/alerts.h"
#include "supervisor/svcd/executor.h"
#include "supervisor/svcd/health.h"
#include "supervisor/svcd/log-capture.h"
#include "supervisor/svcd/manager.h"

#define OUTPUT_MAX 512

struct service_health {
        struct service *s;
        bool startup_done;
        unsigned streak; /* failures in a row that count */
        unsigned startup_passes, startup_failures;
        uint64_t running_since; /* monotonic */
        uint64_t probe_started; /* monotonic: probes start one interval apart, whatever they take */
        char *output; /* the last probe's, or why it failed */

        sd_event_source *timer; /* the next probe, or the deadline of the one running */
        bool running; /* a probe runs */
        const struct health_probe *probe; /* which one */
        uint32_t exec_id;
        int out_fd; /* exec: its stdout and stderr */
        sd_event_source *out_source;
        int sock; /* TCP, HTTP */
        sd_event_source *sock_source;
        bool sent; /* HTTP: the request is out */
        char buf[OUTPUT_MAX];
        size_t n;
};

static uint64_t now_mono(const struct service *s) {
        uint64_t t;
        if (sd_event_now(s->m->event, CLOCK_MONOTONIC, &t) < 0)
                t = now_usec(CLOCK_MONOTONIC);
        return t;
}

const char *health_state_to_string(enum health_state h) {
        static const char *const names[_HEALTH_STATE_MAX] = {
                [HEALTH_STATE_NONE] = "",
                [HEALTH_STATE_STARTING] = "starting",
                [HEALTH_STATE_HEALTHY] = "healthy",
                [HEALTH_STATE_UNHEALTHY] = "unhealthy",
        };
        return h >= 0 && h < _HEALTH_STATE_MAX ? names[h] : "";
}

const char *health_last_output(const struct service *s) {
        return s->health && s->health->output ? s->health->output : "";
}

unsigned health_streak(const struct service *s) {
        return s->health ? s->health->streak : 0;
}

/* ---- the probe that runs ------------------------------------------------------------------ */

static void probe_cleanup(struct service_health *h) {
        h->out_source = sd_event_source_disable_unref(h->out_source);
        h->out_fd = safe_close(h->out_fd);
        h->sock_source = sd_event_source_disable_unref(h->sock_source);
        h->sock = safe_close(h->sock);
        if (h->exec_id && h->s->has_sb) /* a probe that hangs, or one of a service going down */
                exec_session_signal(h->s, h->exec_id, SIGKILL);
        h->exec_id = 0;
        h->running = false;
        h->sent = false;
        h->n = 0;
}

/* Control characters of the output become spaces, the end is trimmed: one line for status. */
static char *one_line(const char *text, size_t n) {
        while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' ' || text[n - 1] == '\r'))
                n--;
        char *r = strndup(text, n);
        for (char *p = r; p && *p; p++)
                if ((unsigned char) *p < ' ' || *p == 0x7f)
                        *p = ' ';
        return r;
}

static void schedule(struct service_health *h, uint64_t delay);
static void act(struct service_health *h, enum health_action a, const char *why);

static uint64_t interval_of(const struct service_health *h) {
        const struct unit *u = h->s->unit;
        return h->startup_done ? u->health_interval_usec : u->health_startup_interval_usec;
}

static void set_state(struct service_health *h, enum health_state st) {
        struct service *s = h->s;
        enum health_state old = s->admin->health_state;
        if (old == st)
                return;
        s->admin->health_state = st;
        log_info("%s: %s%s%s", s->name, health_state_to_string(st), h->output && *h->output ? ": " : "",
                 h->output ? h->output : "");
        log_stream_note(s->log, "health: %s%s%s", health_state_to_string(st),
                        h->output && *h->output ? ": " : "", h->output ? h->output : "");
        manager_health_changed(s);
}

static void startup_result(struct service_health *h, bool ok) {
        const struct unit *u = h->s->unit;
        if (ok && ++h->startup_passes >= MAX(u->health_startup_success, 1U)) {
                h->startup_done = true;
                h->streak = 0;
                return;
        }
        if (ok)
                return;
        h->startup_failures++;
        if (u->health_startup_retries > 0 && h->startup_failures >= u->health_startup_retries) {
                char why[OUTPUT_MAX + 96];
                snprintf(why, sizeof(why), "the startup probe failed %u times: %s", h->startup_failures,
                         h->output ? h->output : "");
                act(h, HEALTH_ACTION_RESTART, why);
        }
}

static void regular_result(struct service_health *h, bool ok) {
        struct service *s = h->s;
        const struct unit *u = s->unit;
        if (ok) {
                bool was_unhealthy = s->admin->health_state == HEALTH_STATE_UNHEALTHY;
                h->streak = 0;
                set_state(h, HEALTH_STATE_HEALTHY);
                if (was_unhealthy || s->admin->told_bad)
                        alerts_raise(s, ALERT_RECOVERED, h->output);
                return;
        }
        bool in_start_period = s->admin->health_state == HEALTH_STATE_STARTING &&
                               now_mono(s) < h->running_since + u->health_start_period_usec;
        if (in_start_period)
                return;
        if (++h->streak < u->health_retries || s->admin->health_state == HEALTH_STATE_UNHEALTHY)
                return;
        char why[OUTPUT_MAX + 96];
        snprintf(why, sizeof(why), "%u probe%s failed in a row, the last: %s", h->streak,
                 h->streak == 1 ? "" : "s", h->output ? h->output : "");
        set_state(h, HEALTH_STATE_UNHEALTHY);
        alerts_raise(s, ALERT_UNHEALTHY, why);
        act(h, u->health_on_failure, why);
}

/* The probe ended: OK, with OUTPUT (one line, may be NULL). */
static void probe_done(struct service_health *h, bool ok, const char *output) {
        bool startup = h->probe == &h->s->unit->health_startup;
        probe_cleanup(h);
        free(h->output);
        h->output = output ? strdup(output) : NULL;
        if (startup)
                startup_result(h, ok);
        else
                regular_result(h, ok);
        /* act() may have stopped the probes (a stop or restart that already went ahead). The
         * next one starts an interval after this one started: a hung service is found within
         * HealthInterval= x HealthRetries= even when each probe takes its whole timeout. */
        uint64_t next = h->probe_started + interval_of(h), now = now_mono(h->s);
        if (h->s->admin->health_state != HEALTH_STATE_NONE && !h->running)
                schedule(h, interval_of(h) == 0 ? 0 : next > now ? next - now : 1);
}

static void probe_failed(struct service_health *h, const char *fmt, ...) _printf_(2, 3);
static void probe_failed(struct service_health *h, const char *fmt, ...) {
        _cleanup_free_ char *msg = NULL;
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);
        probe_done(h, false, msg);
}

/* ---- exec probes -------------------------------------------------------------------------- */

static int on_exec_output(sd_event_source *src _unused_, int fd, uint32_t revents _unused_, void *userdata) {
        struct service_health *h = userdata;
        char discard[256];
        ssize_t k = h->n < sizeof(h->buf) ? read(fd, h->buf + h->n, sizeof(h->buf) - h->n)
                                          : read(fd, discard, sizeof(discard));
        if (k > 0 && h->n < sizeof(h->buf))
                h->n += (size_t) k;
        else if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR))
                /* EOF: what is left of the probe ends by itself; its exit is what counts. */
                h->out_source = sd_event_source_disable_unref(h->out_source);
        return 0;
}

static void on_exec_done(struct service *s, struct exec_session *e) {
        struct service_health *h = s->health;
        if (!h || !h->running || e->id != h->exec_id)
                return;
        h->exec_id = 0; /* it is over: nothing to kill */
        /* The output written just before the end. */
        ssize_t k;
        while (h->out_fd >= 0 && h->n < sizeof(h->buf) &&
               (k = read(h->out_fd, h->buf + h->n, sizeof(h->buf) - h->n)) > 0)
                h->n += (size_t) k;
        _cleanup_free_ char *out = one_line(h->buf, h->n);
        char msg[OUTPUT_MAX + 64];
        if (e->message)
                snprintf(msg, sizeof(msg), "%s", e->message);
        else if (e->exit_code == 0)
                snprintf(msg, sizeof(msg), "%s", out && *out ? out : "exit status 0");
        else
                snprintf(msg, sizeof(msg), "exit status %d%s%s", e->exit_code, out && *out ? ": " : "",
                         out ? out : "");
        probe_done(h, e->exit_code == 0, msg);
}

static int start_exec(struct service_health *h, const struct health_probe *p) {
        struct service *s = h->s;
        int pipefd[2];
        if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) < 0)
                return -errno;
        h->out_fd = pipefd[0];
        const int fds[3] = { s->m->devnull_fd, pipefd[1], pipefd[1] };
        _cleanup_free_ char *why = NULL;
        uint32_t id = 0;
        int r = exec_session_start(s, p->argv, fds, false, &id, &why);
        safe_close(pipefd[1]);
        if (r < 0) {
                probe_failed(h, "%s", why ? why : strerror(-r));
                return 0;
        }
        struct exec_session *e = exec_session_find(s, id);
        if (e)
                e->on_done = on_exec_done;
        h->exec_id = id;
        r = sd_event_add_io(s->m->event, &h->out_source, h->out_fd, EPOLLIN, on_exec_output, h);
        return r < 0 ? r : 0;
}

/* ---- TCP and HTTP probes ------------------------------------------------------------------- */

/* A socket in the network namespace of the service's sandbox: this thread enters it, makes the
 * socket and comes back (setns(CLONE_NEWNET) is per thread; the log writer thread stays where it
 * is). The socket keeps the namespace it was made in. */
static int socket_in_sandbox(const struct service *s, int family) {
        static int home = -EBADF;
        if (home < 0 && (home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) < 0)
                return -errno;
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int) s->sb.pid);
        _cleanup_close_ int ns = open(path, O_RDONLY | O_CLOEXEC);
        if (ns < 0)
                return -errno;
        if (setns(ns, CLONE_NEWNET) < 0)
                return -errno;
        int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        int err = errno;
        if (setns(home, CLONE_NEWNET) < 0) {
                /* Cannot happen with the fd held and the rights used a moment ago; if it did,
                 * every later socket of svcd would be made in the service's namespace. */
                log_error_errno(-errno, "Cannot return to svcd's network namespace: %m");
                abort();
        }
        return fd >= 0 ? fd : -err;
}

static const char *probe_target(const struct health_probe *p, char *buf, size_t n) {
        char addr[INET6_ADDRSTRLEN];
        inet_ntop(p->family, p->address, addr, sizeof(addr));
        if (p->kind == HEALTH_HTTP)
                snprintf(buf, n, "http://%s%s", p->host, p->path);
        else
                snprintf(buf, n, p->family == AF_INET6 ? "[%s]:%u" : "%s:%u", addr, p->port);
        return buf;
}

static void http_status(struct service_health *h, bool eof) {
        const struct health_probe *p = h->probe;
        char target[300];
        probe_target(p, target, sizeof(target));
        char *eol = memchr(h->buf, '\n', h->n);
        if (!eol && !eof && h->n < sizeof(h->buf) - 1)
                return; /* more to come */
        unsigned status = 0;
        h->buf[MIN(h->n, sizeof(h->buf) - 1)] = '\0';
        if (sscanf(h->buf, "HTTP/%*u.%*u %3u", &status) != 1 || status < 100 || status > 599) {
                probe_failed(h, "no HTTP status line from %s", target);
                return;
        }
        bool ok = health_status_expected(p, status);
        char msg[400];
        snprintf(msg, sizeof(msg), "HTTP %u from %s", status, target);
        probe_done(h, ok, msg);
}

static int on_socket(sd_event_source *src, int fd, uint32_t revents _unused_, void *userdata) {
        struct service_health *h = userdata;
        const struct health_probe *p = h->probe;
        char target[300];
        if (!h->sent) {
                int err = 0;
                socklen_t len = sizeof(err);
                if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
                        err = errno;
                if (err) {
                        probe_failed(h, "cannot connect to %s: %s", probe_target(p, target, sizeof(target)),
                                     strerror(err));
                        return 0;
                }
                if (p->kind == HEALTH_TCP) {
                        char msg[320];
                        snprintf(msg, sizeof(msg), "connected to %s",
                                 probe_target(p, target, sizeof(target)));
                        probe_done(h, true, msg);
                        return 0;
                }
                char req[600];
                int n = snprintf(
                        req, sizeof(req),
                        "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: svcd-health\r\nConnection: close\r\n\r\n",
                        p->path, p->host);
                /* A fresh connection's send buffer takes a request this small at once. */
                if (n >= (int) sizeof(req) || send(fd, req, (size_t) n, MSG_NOSIGNAL) != n) {
                        probe_failed(h, "cannot send the request to %s",
                                     probe_target(p, target, sizeof(target)));
                        return 0;
                }
                h->sent = true;
                return sd_event_source_set_io_events(src, EPOLLIN);
        }
        ssize_t k = recv(fd, h->buf + h->n, sizeof(h->buf) - 1 - h->n, 0);
        if (k < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (k < 0) {
                probe_failed(h, "cannot read from %s: %m", probe_target(p, target, sizeof(target)));
                return 0;
        }
        h->n += (size_t) k;
        http_status(h, k == 0);
        return 0;
}

static int start_socket(struct service_health *h, const struct health_probe *p) {
        struct service *s = h->s;
        union {
                struct sockaddr sa;
                struct sockaddr_in in;
                struct sockaddr_in6 in6;
        } a = { 0 };
        socklen_t len;
        if (p->family == AF_INET6) {
                a.in6 = (struct sockaddr_in6){ .sin6_family = AF_INET6, .sin6_port = htons(p->port) };
                memcpy(&a.in6.sin6_addr, p->address, 16);
                len = sizeof(a.in6);
        } else {
                a.in = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(p->port) };
                memcpy(&a.in.sin_addr, p->address, 4);
                len = sizeof(a.in);
        }
        char target[300];
        h->sock = socket_in_sandbox(s, p->family);
        if (h->sock < 0) {
                probe_failed(h, "cannot make a socket in %s's network: %s", s->name, strerror(-h->sock));
                return 0;
        }
        if (connect(h->sock, &a.sa, len) < 0 && errno != EINPROGRESS) {
                probe_failed(h, "cannot connect to %s: %m", probe_target(p, target, sizeof(target)));
                return 0;
        }
        return sd_event_add_io(s->m->event, &h->sock_source, h->sock, EPOLLOUT, on_socket, h);
}

/* ---- scheduling ---------------------------------------------------------------------------- */

static void run_probe(struct service_health *h) {
        struct service *s = h->s;
        const struct unit *u = s->unit;
        h->probe = h->startup_done ? &u->health : &u->health_startup;
        uint64_t timeout = h->startup_done ? u->health_timeout_usec : u->health_startup_timeout_usec;
        h->running = true;
        h->n = 0;
        h->probe_started = now_mono(s);
        int r;
        if (!s->has_sb || !s->sb_ready) {
                probe_failed(h, "%s has no sandbox", s->name);
                return;
        }
        r = h->probe->kind == HEALTH_EXEC ? start_exec(h, h->probe) : start_socket(h, h->probe);
        if (r < 0) {
                probe_failed(h, "cannot run the probe: %s", strerror(-r));
                return;
        }
        if (h->running)
                schedule(h, timeout); /* the deadline */
}

static int on_timer(sd_event_source *src _unused_, uint64_t usec _unused_, void *userdata) {
        struct service_health *h = userdata;
        if (!h->running) {
                run_probe(h);
                return 0;
        }
        char span[64];
        const struct unit *u = h->s->unit;
        format_timespan(span, sizeof(span),
                        h->probe == &u->health ? u->health_timeout_usec : u->health_startup_timeout_usec);
        probe_failed(h, "timed out after %s: %s", span, h->probe->text ? h->probe->text : "");
        return 0;
}

static void schedule(struct service_health *h, uint64_t delay) {
        struct service *s = h->s;
        if (delay == 0 && !h->running) { /* HealthInterval=disable: no more probes */
                if (h->timer)
                        sd_event_source_set_enabled(h->timer, SD_EVENT_OFF);
                return;
        }
        uint64_t when = now_mono(s) + delay;
        int r = h->timer ? sd_event_source_set_time(h->timer, when)
                         : sd_event_add_time(s->m->event, &h->timer, CLOCK_MONOTONIC, when, 0, on_timer, h);
        if (r >= 0)
                r = sd_event_source_set_enabled(h->timer, SD_EVENT_ONESHOT);
        if (r < 0)
                log_error_errno(r, "%s: cannot schedule a health probe: %m", s->name);
}

/* ---- what the service does ----------------------------------------------------------------- */

static void act(struct service_health *h, enum health_action a, const char *why) {
        struct service *s = h->s;
        if (a == HEALTH_ACTION_NONE)
                return;
        log_info("%s: %s (HealthOnFailure=%s)", s->name, why, health_action_to_string(a));
        log_stream_note(s->log, "health: %s, %s", why,
                        a == HEALTH_ACTION_KILL      ? "killing it"
                        : a == HEALTH_ACTION_RESTART ? "restarting it"
                                                     : "stopping it");
        if (a == HEALTH_ACTION_KILL)
                exec_signal(s, true, SIGKILL);
        else
                (void) manager_enqueue(s->m, s, a == HEALTH_ACTION_RESTART ? JOB_RESTART : JOB_STOP, false);
}

static void health_begin(struct service *s) {
        struct service_health *h = s->health;
        if (!h) {
                h = s->health = calloc(1, sizeof(*h));
                if (!h) {
                        log_error("%s: out of memory for its health probes", s->name);
                        return;
                }
                h->s = s;
                h->out_fd = h->sock = -EBADF;
        }
        probe_cleanup(h);
        const struct unit *u = s->unit;
        h->startup_done = u->health_startup.kind == HEALTH_NONE;
        h->streak = h->startup_passes = h->startup_failures = 0;
        h->output = mfree(h->output);
        h->running_since = now_mono(s);
        s->admin->health_state = HEALTH_STATE_STARTING;
        schedule(h, interval_of(h));
}

static void health_end(struct service *s) {
        struct service_health *h = s->health;
        if (h) {
                probe_cleanup(h);
                if (h->timer)
                        sd_event_source_set_enabled(h->timer, SD_EVENT_OFF);
        }
        if (s->admin->health_state != HEALTH_STATE_NONE) {
                s->admin->health_state = HEALTH_STATE_NONE;
                manager_health_changed(s);
        }
}

void health_service_changed(struct service *s, enum svc_state old) {
        enum svc_state now = s->sm.state;
        bool up = now == SVC_RUNNING || now == SVC_RELOADING;
        bool was_up = old == SVC_RUNNING || old == SVC_RELOADING;
        if (up && !was_up && s->unit && s->unit->health.kind != HEALTH_NONE && !svc_machine_exited(&s->sm))
                health_begin(s);
        else if (!up)
                health_end(s);
}

void health_free(struct service *s) {
        struct service_health *h = s->health;
        if (!h)
                return;
        probe_cleanup(h);
        sd_event_source_disable_unref(h->timer);
        free(h->output);
        free(h);
        s->health = NULL;
}
