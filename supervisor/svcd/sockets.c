/* SPDX-License-Identifier: MIT */
/* ListenStream=: svcd makes the sockets in the host's network namespace and passes them to the
 * service as fd 3 onwards (LISTEN_FDS), so a service in a private network namespace can serve on
 * the host's ports. With Accept=yes svcd accepts, and each connection gets a sandbox of its own
 * with the connection as stdin and stdout (inetd style), at most MaxConnections= at once. Then
 * the "main process" of the state machine is the listener itself: running while it accepts,
 * ended when it stopped and its last connection is gone. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/svcd/executor.h"
#include "supervisor/svcd/record.h"
#include "supervisor/svcd/sockets.h"

struct conn_sandbox {
        struct sandbox sb;
        sd_event_source *src;
        uint32_t id;
        bool has_sb;
        struct conn_sandbox *next;
};

static int make_socket(const struct listen_spec *l, int *ret) {
        union {
                struct sockaddr sa;
                struct sockaddr_in in;
                struct sockaddr_in6 in6;
                struct sockaddr_un un;
        } a = { 0 };
        socklen_t len;
        if (l->family == AF_UNIX) {
                a.un.sun_family = AF_UNIX;
                if (strlen(l->address) >= sizeof(a.un.sun_path))
                        return -ENAMETOOLONG;
                strcpy(a.un.sun_path, l->address);
                if (a.un.sun_path[0] == '@')
                        a.un.sun_path[0] = '\0'; /* abstract */
                else
                        (void) unlink(l->address);
                len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + strlen(l->address) + 1);
        } else if (l->family == AF_INET6) {
                a.in6.sin6_family = AF_INET6;
                a.in6.sin6_port = htons(l->port);
                if (!isempty(l->address) && inet_pton(AF_INET6, l->address, &a.in6.sin6_addr) != 1)
                        return -EINVAL;
                len = sizeof(a.in6);
        } else {
                a.in.sin_family = AF_INET;
                a.in.sin_port = htons(l->port);
                if (!isempty(l->address) && inet_pton(AF_INET, l->address, &a.in.sin_addr) != 1)
                        return -EINVAL;
                len = sizeof(a.in);
        }
        _cleanup_close_ int fd = socket(l->family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        int one = 1;
        if (l->family != AF_UNIX)
                (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, &a.sa, len) < 0 || listen(fd, SOMAXCONN) < 0)
                return -errno;
        *ret = TAKE_FD(fd);
        return 0;
}

int sockets_open(struct service *s) {
        if (s->listen_lent)
                sockets_close(s); /* the socket units' sockets of now, at each start */
        if (s->n_listen == 0 && s->unit->n_listen == 0 && s->m->lend_sockets) {
                int r = s->m->lend_sockets(s);
                if (r != 0) {
                        if (r < 0)
                                sockets_close(s);
                        return MIN(r, 0);
                }
                s->listen_lent = false;
        }
        if (s->n_listen > 0 || s->unit->n_listen == 0)
                return 0;
        s->listen_fds = calloc(s->unit->n_listen, sizeof(int));
        if (!s->listen_fds)
                return -ENOMEM;
        for (size_t i = 0; i < s->unit->n_listen; i++) {
                int r = make_socket(&s->unit->listen[i], &s->listen_fds[i]);
                if (r < 0) {
                        log_error_errno(r, "%s: cannot listen on %s: %m", s->name, s->unit->listen[i].text);
                        s->n_listen = i;
                        sockets_close(s);
                        return r;
                }
                s->n_listen = i + 1;
        }
        return 0;
}

void sockets_close(struct service *s) {
        sockets_kill_all(s);
        for (size_t i = 0; i < s->n_listen; i++) {
                if (s->accept_sources)
                        sd_event_source_disable_unref(s->accept_sources[i]);
                safe_close(s->listen_fds[i]);
        }
        free(s->accept_sources);
        free(s->listen_fds);
        s->listen_names = strv_free(s->listen_names);
        s->listen_lent = false;
        s->accept_sources = NULL;
        s->listen_fds = NULL;
        s->n_listen = 0;
}

static void set_accepting(struct service *s, bool on) {
        for (size_t i = 0; s->accept_sources && i < s->n_listen; i++)
                sd_event_source_set_enabled(s->accept_sources[i], on ? SD_EVENT_ON : SD_EVENT_OFF);
}

static void conn_free(struct service *s, struct conn_sandbox *c) {
        for (struct conn_sandbox **p = &s->conns; *p; p = &(*p)->next)
                if (*p == c) {
                        *p = c->next;
                        s->n_conns--;
                        break;
                }
        sd_event_source_disable_unref(c->src);
        if (c->has_sb) {
                sandbox_kill(&c->sb);
                reaper_add(&s->m->reaper, &c->sb);
        }
        free(c);
}

/* The connection's command started or ended: when it ends, so does its sandbox. */
static int on_conn_channel(sd_event_source *src _unused_, int fd _unused_, uint32_t revents _unused_,
                           void *userdata) {
        struct conn_sandbox *c = userdata;
        struct sandbox_event ev;
        int r;
        while ((r = sandbox_receive(&c->sb, &ev)) > 0)
                if (ev.type == PROTO_EXITED || (ev.type == PROTO_STARTED && ev.stage != STAGE_NONE))
                        sandbox_kill(&c->sb);
        if (r == 0)
                c->src = sd_event_source_disable_unref(c->src);
        return 0;
}

static int on_accept(sd_event_source *src _unused_, int fd, uint32_t revents _unused_, void *userdata) {
        struct service *s = userdata;
        _cleanup_close_ int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
        if (cfd < 0)
                return 0;
        struct conn_sandbox *c = calloc(1, sizeof(*c));
        if (!c)
                return 0;
        int r = exec_start_connection(s, cfd, &c->sb, &c->id);
        if (r < 0) {
                free(c);
                return 0; /* the peer sees the connection close; the reason is logged */
        }
        c->has_sb = true;
        c->next = s->conns;
        s->conns = c;
        s->n_conns++;
        if (sd_event_add_io(s->m->event, &c->src, c->sb.channel, EPOLLIN, on_conn_channel, c) < 0)
                sandbox_kill(&c->sb);
        if (s->n_conns >= s->unit->max_connections)
                set_accepting(s, false);
        return 0;
}

int sockets_start_accepting(struct service *s) {
        if (s->n_listen == 0)
                return -EINVAL;
        if (!s->accept_sources) {
                s->accept_sources = calloc(s->n_listen, sizeof(*s->accept_sources));
                if (!s->accept_sources)
                        return -ENOMEM;
                for (size_t i = 0; i < s->n_listen; i++) {
                        int r = sd_event_add_io(s->m->event, &s->accept_sources[i], s->listen_fds[i], EPOLLIN,
                                                on_accept, s);
                        if (r < 0)
                                return r;
                }
        }
        set_accepting(s, true);
        service_post(s, EV_MAIN_EXEC, 0, 0, 0);
        return 0;
}

/* The listener of an Accept=yes unit stands for its main process, and no sandbox is left to say
 * it is empty: the last connection gone ends both (KillMode=control-group waits for EV_EMPTY). */
static void accept_all_gone(struct service *s) {
        service_post(s, EV_MAIN_EXIT, CLD_EXITED, 0, 0);
        service_post(s, EV_EMPTY, 0, 0, 0);
}

void sockets_stop_accepting(struct service *s, int sig) {
        set_accepting(s, false);
        for (struct conn_sandbox *c = s->conns; c; c = c->next)
                (void) sandbox_send_signal(&c->sb, c->id, sig);
        if (!s->conns)
                accept_all_gone(s);
}

void sockets_kill_all(struct service *s) {
        set_accepting(s, false);
        while (s->conns)
                conn_free(s, s->conns);
}

bool sockets_child_exited(struct service *s, pid_t pid) {
        for (struct conn_sandbox *c = s->conns; c; c = c->next) {
                if (c->sb.pid != pid)
                        continue;
                c->src = sd_event_source_disable_unref(c->src); /* before its fd closes */
                sandbox_close(&c->sb);
                c->has_sb = false;
                conn_free(s, c);
                if (s->sm.state == SVC_STOPPING && !s->conns && s->sm.main_alive)
                        accept_all_gone(s);
                else if (s->sm.state == SVC_RUNNING && s->n_conns < s->unit->max_connections)
                        set_accepting(s, true);
                service_deliver(s);
                return true;
        }
        return false;
}
