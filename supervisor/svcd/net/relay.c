/* SPDX-License-Identifier: MIT */
/* The [::1] relay (relay.h). TCP: one buffer per direction; a side is read only while its buffer
 * is empty, so a slow reader holds back the writer (TCP's own flow control), and memory stays at
 * 2 * RELAY_BUF per connection. UDP: one datagram buffer for all, passed on at once; a datagram
 * that cannot be sent now is dropped, as a router would. */

#include <inttypes.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/macro.h"
#include "supervisor/svcd/log.h"
#include "supervisor/svcd/net/relay.h"

#define RELAY_BUF 16384
#define RELAY_DGRAM 65536
#define IDLE_ACCURACY_USEC (100 * 1000ULL)

struct conn {
        struct relay *relay;
        struct conn *next;
        int fd[2]; /* 0: the client, 1: the service */
        sd_event_source *src[2], *timer;
        uint64_t last; /* CLOCK_MONOTONIC of the last traffic */
        char buf[2][RELAY_BUF]; /* buf[i]: read from fd[i], to be written to fd[!i] */
        size_t len[2], off[2];
        bool eof[2], connected;
};

/* A UDP client: its own socket, connected to the service, carries its datagrams both ways. */
struct flow {
        struct relay *relay;
        struct flow *next;
        int fd;
        sd_event_source *src, *timer;
        uint64_t last;
        struct sockaddr_in6 client;
};

struct relay {
        struct relay *next;
        char *label;
        int fd, protocol;
        sd_event_source *src;
        struct sockaddr_in6 target;
        uint64_t idle_usec;
        struct conn *conns;
        struct flow *flows;
        unsigned n_conns; /* connections or flows */
        bool warned;
};

/* The datagram being passed on, for every UDP relay: the loop has one thread, and a datagram is
 * sent on before the next is read, so a large range of UDP ports costs no buffer each. */
static char dgram[RELAY_DGRAM];

/* Descriptors held by the connections and flows of every relay of svcd, and how many they may
 * hold: a quarter of RLIMIT_NOFILE, read once (a connection takes two, a flow one). */
static unsigned fds_used, fds_budget;

static unsigned budget(void) {
        if (fds_budget == 0) {
                struct rlimit rl;
                rlim_t cur = getrlimit(RLIMIT_NOFILE, &rl) >= 0 && rl.rlim_cur != RLIM_INFINITY ? rl.rlim_cur
                                                                                                : 1024;
                fds_budget = (unsigned) MIN(MAX(cur / 4, (rlim_t) 8), (rlim_t) 1 << 20);
        }
        return fds_budget;
}

/* Room for one more connection or flow of R holding K descriptors; false (and one warning per
 * relay) when there is none. */
static bool relay_take(struct relay *r, unsigned k) {
        if (r->n_conns < RELAY_MAX_CONNS && fds_used + k <= budget()) {
                r->n_conns++;
                fds_used += k;
                return true;
        }
        if (!r->warned)
                log_warning(
                        "Relay of %s: %u connections on it, %u descriptors held by svcd's relays (at most "
                        "%u, "
                        "a quarter of RLIMIT_NOFILE, and %u connections per port): refusing more until some "
                        "end",
                        r->label, r->n_conns, fds_used, budget(), RELAY_MAX_CONNS);
        r->warned = true;
        return false;
}

static void relay_release(struct relay *r, unsigned k) {
        r->n_conns--;
        fds_used -= k;
}

static uint64_t relay_idle(const struct relay *r) {
        return r->protocol == IPPROTO_UDP ? MIN(r->idle_usec, RELAY_UDP_IDLE_MAX_USEC) : r->idle_usec;
}

static void touch(const struct relay *r, uint64_t *last) {
        (void) sd_event_now(sd_event_source_get_event(r->src), CLOCK_MONOTONIC, last);
}

/* An idle timer that fires once the relay's idle time has passed since *LAST; traffic only moves
 * *LAST, and the timer, when it fires early, moves itself (idle_expired). */
static int idle_start(const struct relay *r, sd_event_source **ret, uint64_t *last,
                      sd_event_time_handler_t cb, void *userdata) {
        touch(r, last);
        return sd_event_add_time(sd_event_source_get_event(r->src), ret, CLOCK_MONOTONIC,
                                 *last + relay_idle(r), IDLE_ACCURACY_USEC, cb, userdata);
}

/* Whether LAST is the relay's idle time old at NOW; if not, the timer S fires again then. */
static bool idle_expired(const struct relay *r, sd_event_source *s, uint64_t now, uint64_t last) {
        uint64_t when = last + relay_idle(r);
        if (now >= when)
                return true;
        return sd_event_source_set_time(s, when) < 0 || sd_event_source_set_enabled(s, SD_EVENT_ONESHOT) < 0;
}

static void conn_free(struct conn *c) {
        struct relay *r = c->relay;
        for (struct conn **p = &r->conns; *p; p = &(*p)->next)
                if (*p == c) {
                        *p = c->next;
                        break;
                }
        relay_release(r, 2);
        sd_event_source_disable_unref(c->timer);
        for (int i = 0; i < 2; i++) {
                sd_event_source_disable_unref(c->src[i]);
                safe_close(c->fd[i]);
        }
        free(c);
}

static bool pending(const struct conn *c, int i) {
        return c->off[i] < c->len[i];
}

/* What each side waits for now; false when the connection is over. */
static bool conn_update(struct conn *c) {
        if (c->eof[0] && c->eof[1] && !pending(c, 0) && !pending(c, 1))
                return false;
        for (int i = 0; i < 2; i++) {
                uint32_t ev = 0;
                if (c->connected && !c->eof[i] && !pending(c, i))
                        ev |= EPOLLIN;
                if (pending(c, !i) || (i == 1 && !c->connected))
                        ev |= EPOLLOUT;
                if (sd_event_source_set_io_events(c->src[i], ev) < 0 ||
                    sd_event_source_set_enabled(c->src[i], ev ? SD_EVENT_ON : SD_EVENT_OFF) < 0)
                        return false;
        }
        return true;
}

/* Reads side I into its buffer; false on an error. EOF is passed on once the buffer is out. */
static bool conn_read(struct conn *c, int i) {
        ssize_t k = read(c->fd[i], c->buf[i], RELAY_BUF);
        if (k < 0)
                return errno == EAGAIN || errno == EINTR;
        if (k == 0) {
                c->eof[i] = true;
                (void) shutdown(c->fd[!i], SHUT_WR);
                return true;
        }
        c->len[i] = (size_t) k;
        c->off[i] = 0;
        touch(c->relay, &c->last);
        return true;
}

/* Writes to side I what the other side sent. */
static bool conn_write(struct conn *c, int i) {
        int o = !i;
        ssize_t k = send(c->fd[i], c->buf[o] + c->off[o], c->len[o] - c->off[o], MSG_NOSIGNAL);
        if (k < 0)
                return errno == EAGAIN || errno == EINTR;
        c->off[o] += (size_t) k;
        touch(c->relay, &c->last);
        if (!pending(c, o) && c->eof[o])
                (void) shutdown(c->fd[i], SHUT_WR);
        return true;
}

static int on_conn(sd_event_source *s, int fd _unused_, uint32_t revents, void *userdata) {
        struct conn *c = userdata;
        int i = s == c->src[1];
        bool ok = true;
        if (i == 1 && !c->connected && (revents & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
                int err = 0;
                socklen_t len = sizeof(err);
                ok = getsockopt(c->fd[1], SOL_SOCKET, SO_ERROR, &err, &len) >= 0 && err == 0;
                c->connected = ok;
        } else {
                if (ok && (revents & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !c->eof[i] && !pending(c, i))
                        ok = conn_read(c, i);
                if (ok && (revents & EPOLLOUT) && pending(c, !i))
                        ok = conn_write(c, i);
        }
        if (!ok || !conn_update(c))
                conn_free(c);
        return 0;
}

static int on_conn_idle(sd_event_source *s, uint64_t now, void *userdata) {
        struct conn *c = userdata;
        if (idle_expired(c->relay, s, now, c->last)) {
                log_debug("Relay of %s: closing a connection idle for %" PRIu64 " s", c->relay->label,
                          (uint64_t) (relay_idle(c->relay) / USEC_PER_SEC));
                conn_free(c);
        }
        return 0;
}

/* CLIENT_FD is taken over; R has room for it (relay_take). */
static int conn_start(struct relay *r, int client_fd) {
        struct conn *c = calloc(1, sizeof(*c));
        if (!c) {
                relay_release(r, 2);
                safe_close(client_fd);
                return -ENOMEM;
        }
        c->relay = r;
        c->next = r->conns;
        r->conns = c;
        c->fd[0] = client_fd;
        c->fd[1] = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        int k = c->fd[1] < 0 ? -errno : 0;
        if (k >= 0 && connect(c->fd[1], (struct sockaddr *) &r->target, sizeof(r->target)) < 0 &&
            errno != EINPROGRESS)
                k = -errno;
        sd_event *e = sd_event_source_get_event(r->src);
        for (int i = 0; i < 2 && k >= 0; i++)
                k = sd_event_add_io(e, &c->src[i], c->fd[i], 0, on_conn, c);
        if (k >= 0)
                k = idle_start(r, &c->timer, &c->last, on_conn_idle, c);
        if (k < 0 || !conn_update(c)) {
                conn_free(c);
                return k < 0 ? k : -EIO;
        }
        return 0;
}

/* Drains the accept queue (a bounded batch per wake-up), so that a burst of connections beyond
 * the bound is refused at once, not left waiting in the backlog. */
static int on_accept(sd_event_source *s _unused_, int fd, uint32_t revents _unused_, void *userdata) {
        struct relay *r = userdata;
        for (unsigned i = 0; i < 64; i++) {
                int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (cfd < 0)
                        return 0;
                if (!relay_take(r, 2)) {
                        safe_close(cfd);
                        continue;
                }
                int k = conn_start(r, cfd);
                if (k < 0)
                        log_debug_errno(k, "Relay of %s: %m", r->label);
        }
        return 0;
}

/* ---- UDP ---------------------------------------------------------------------------------- */

static void flow_free(struct flow *f) {
        struct relay *r = f->relay;
        for (struct flow **p = &r->flows; *p; p = &(*p)->next)
                if (*p == f) {
                        *p = f->next;
                        break;
                }
        relay_release(r, 1);
        sd_event_source_disable_unref(f->src);
        sd_event_source_disable_unref(f->timer);
        safe_close(f->fd);
        free(f);
}

/* The service's answer, back to the flow's client from the relay's own address. */
static int on_flow(sd_event_source *s _unused_, int fd, uint32_t revents _unused_, void *userdata) {
        struct flow *f = userdata;
        struct relay *r = f->relay;
        ssize_t n = recv(fd, dgram, RELAY_DGRAM, 0);
        if (n < 0) /* ECONNREFUSED: nothing listens in the service (yet) */
                return 0;
        touch(r, &f->last);
        (void) sendto(r->fd, dgram, (size_t) n, MSG_DONTWAIT, (const struct sockaddr *) &f->client,
                      sizeof(f->client));
        return 0;
}

static int on_flow_idle(sd_event_source *s, uint64_t now, void *userdata) {
        struct flow *f = userdata;
        if (idle_expired(f->relay, s, now, f->last))
                flow_free(f);
        return 0;
}

/* A flow for the client FROM; R has room for it (relay_take). */
static int flow_start(struct relay *r, const struct sockaddr_in6 *from, struct flow **ret) {
        struct flow *f = calloc(1, sizeof(*f));
        if (!f) {
                relay_release(r, 1);
                return -ENOMEM;
        }
        f->relay = r;
        f->next = r->flows;
        r->flows = f;
        f->client = *from;
        f->fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        int k = f->fd < 0 ? -errno : 0;
        if (k >= 0 && connect(f->fd, (const struct sockaddr *) &r->target, sizeof(r->target)) < 0)
                k = -errno;
        if (k >= 0)
                k = sd_event_add_io(sd_event_source_get_event(r->src), &f->src, f->fd, EPOLLIN, on_flow, f);
        if (k >= 0)
                k = idle_start(r, &f->timer, &f->last, on_flow_idle, f);
        if (k < 0) {
                flow_free(f);
                return k;
        }
        *ret = f;
        return 0;
}

static struct flow *flow_find(struct relay *r, const struct sockaddr_in6 *from) {
        for (struct flow *f = r->flows; f; f = f->next)
                if (f->client.sin6_port == from->sin6_port &&
                    memcmp(&f->client.sin6_addr, &from->sin6_addr, sizeof(from->sin6_addr)) == 0)
                        return f;
        return NULL;
}

static int on_datagram(sd_event_source *s _unused_, int fd, uint32_t revents _unused_, void *userdata) {
        struct relay *r = userdata;
        struct sockaddr_in6 from = {};
        socklen_t len = sizeof(from);
        ssize_t n = recvfrom(fd, dgram, RELAY_DGRAM, 0, (struct sockaddr *) &from, &len);
        if (n < 0 || len != sizeof(from))
                return 0;
        struct flow *f = flow_find(r, &from);
        if (!f) {
                int k = relay_take(r, 1) ? flow_start(r, &from, &f) : -EMFILE;
                if (k < 0) {
                        log_debug_errno(k, "Relay of %s: dropping a datagram: %m", r->label);
                        return 0;
                }
        }
        touch(r, &f->last);
        (void) send(f->fd, dgram, (size_t) n, MSG_DONTWAIT);
        return 0;
}

int relay_add(sd_event *event, int listen_fd, const struct relay_spec *spec, struct relay **list) {
        struct relay *r = calloc(1, sizeof(*r));
        if (!r) {
                safe_close(listen_fd);
                return -ENOMEM;
        }
        r->fd = listen_fd;
        r->next = *list;
        *list = r;
        r->protocol = spec->protocol;
        r->idle_usec = spec->idle_usec;
        r->target.sin6_family = AF_INET6;
        r->target.sin6_port = htons(spec->port);
        memcpy(&r->target.sin6_addr, spec->target, 16);
        r->label = strdup(spec->label);
        if (!r->label)
                return -ENOMEM;
        int k = sd_event_add_io(event, &r->src, listen_fd, EPOLLIN,
                                r->protocol == IPPROTO_UDP ? on_datagram : on_accept, r);
        return k < 0 ? k : 0;
}

void relay_free_all(struct relay *list) {
        while (list) {
                struct relay *r = list;
                list = r->next;
                while (r->conns)
                        conn_free(r->conns);
                while (r->flows)
                        flow_free(r->flows);
                sd_event_source_disable_unref(r->src);
                safe_close(r->fd);
                free(r->label);
                free(r);
        }
}
