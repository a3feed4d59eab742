/* SPDX-License-Identifier: MIT */
/* The [::1] relay (relay.h). One buffer per direction: a side is read only while its buffer is
 * empty, so a slow reader holds back the writer (TCP's own flow control), and memory stays at
 * 2 * RELAY_BUF per connection, RELAY_MAX_CONNS per port. */

#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/macro.h"
#include "supervisor/svcd/log.h"
#include "supervisor/svcd/net/relay.h"

#define RELAY_BUF 16384
#define RELAY_MAX_CONNS 128

struct conn {
        struct relay *relay;
        struct conn *next;
        int fd[2]; /* 0: the client, 1: the service */
        sd_event_source *src[2];
        char buf[2][RELAY_BUF]; /* buf[i]: read from fd[i], to be written to fd[!i] */
        size_t len[2], off[2];
        bool eof[2], connected;
};

struct relay {
        struct relay *next;
        int fd;
        sd_event_source *src;
        struct sockaddr_in6 target;
        struct conn *conns;
        unsigned n_conns;
};

static void conn_free(struct conn *c) {
        struct relay *r = c->relay;
        for (struct conn **p = &r->conns; *p; p = &(*p)->next)
                if (*p == c) {
                        *p = c->next;
                        break;
                }
        r->n_conns--;
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
        return true;
}

/* Writes to side I what the other side sent. */
static bool conn_write(struct conn *c, int i) {
        int o = !i;
        ssize_t k = send(c->fd[i], c->buf[o] + c->off[o], c->len[o] - c->off[o], MSG_NOSIGNAL);
        if (k < 0)
                return errno == EAGAIN || errno == EINTR;
        c->off[o] += (size_t) k;
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

static int conn_start(struct relay *r, int client_fd) {
        struct conn *c = calloc(1, sizeof(*c));
        if (!c) {
                safe_close(client_fd);
                return -ENOMEM;
        }
        c->relay = r;
        c->next = r->conns;
        r->conns = c;
        r->n_conns++;
        c->fd[0] = client_fd;
        c->fd[1] = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        int k = c->fd[1] < 0 ? -errno : 0;
        if (k >= 0 && connect(c->fd[1], (struct sockaddr *) &r->target, sizeof(r->target)) < 0 &&
            errno != EINPROGRESS)
                k = -errno;
        sd_event *e = sd_event_source_get_event(r->src);
        for (int i = 0; i < 2 && k >= 0; i++)
                k = sd_event_add_io(e, &c->src[i], c->fd[i], 0, on_conn, c);
        if (k < 0 || !conn_update(c)) {
                conn_free(c);
                return k < 0 ? k : -EIO;
        }
        return 0;
}

static int on_accept(sd_event_source *s _unused_, int fd, uint32_t revents _unused_, void *userdata) {
        struct relay *r = userdata;
        int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0)
                return 0;
        if (r->n_conns >= RELAY_MAX_CONNS) {
                log_warning("Relay to port %u of a service: %u connections already, refusing one more",
                            ntohs(r->target.sin6_port), r->n_conns);
                safe_close(cfd);
                return 0;
        }
        int k = conn_start(r, cfd);
        if (k < 0)
                log_debug_errno(k, "Relay to port %u: %m", ntohs(r->target.sin6_port));
        return 0;
}

int relay_add(sd_event *event, int listen_fd, const uint8_t target[static 16], uint16_t port,
              struct relay **list) {
        struct relay *r = calloc(1, sizeof(*r));
        if (!r) {
                safe_close(listen_fd);
                return -ENOMEM;
        }
        r->fd = listen_fd;
        r->target.sin6_family = AF_INET6;
        r->target.sin6_port = htons(port);
        memcpy(&r->target.sin6_addr, target, 16);
        int k = sd_event_add_io(event, &r->src, listen_fd, EPOLLIN, on_accept, r);
        r->next = *list;
        *list = r;
        return k < 0 ? k : 0;
}

void relay_free_all(struct relay *list) {
        while (list) {
                struct relay *r = list;
                list = r->next;
                while (r->conns)
                        conn_free(r->conns);
                sd_event_source_disable_unref(r->src);
                safe_close(r->fd);
                free(r);
        }
}
