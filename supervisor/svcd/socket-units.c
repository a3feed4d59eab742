/* SPDX-License-Identifier: MIT */
/* Socket units: NAME.socket (systemd.socket(5)) on svcd's loop.
 *
 * Where a socket lives: svcd makes it in its own network namespace (the host's), as systemd does,
 * never in the service's private one. That is what a systemd user expects of ListenStream=22 (the
 * host's port 22, before the service even runs), and the only place a socket can be while its
 * service is down; the service gets the descriptor and serves from its private namespace, as
 * with [Service] ListenStream=. It is PublishPort='s model without the relay: the socket on the
 * host, the daemon in its sandbox. Socket paths are rebased under svcd's --root like every path
 * svcd makes; abstract names (@name) live in the host's network namespace.
 *
 * Accept=no: svcd listens; the first connection (or datagram) starts the paired service (Service=,
 * or the one of the socket's name), which gets every socket paired with it at each start
 * (LISTEN_FDS, LISTEN_FDNAMES from FileDescriptorName=), also when it was started by hand. While
 * it runs svcd does not watch the sockets; once it is down they wake it again. If it fails, the
 * socket stops listening (systemd's trigger limit, without the counting).
 * Accept=yes: svcd accepts; each connection starts one instance of the template NAME@.service,
 * named as systemd names them, "NAME@N-LOCAL:PORT-REMOTE:PORT" (N counts from 0 per svcd; for a
 * Unix socket "NAME@N-PID-UID" of the peer), with the connection as fd 3 (LISTEN_FDS=1,
 * LISTEN_FDNAMES=connection) and as stdin and stdout when it says StandardInput=socket. At most
 * MaxConnections= run at once; a connection beyond them is closed at once. An instance is not
 * restarted and goes away once its connection is done. */

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "common/macro.h"
#include "common/paths.h"
#include "common/util.h"
#include "sandbox/sandbox.h"
#include "supervisor/svcd/condition-check.h"
#include "supervisor/svcd/manager.h"
#include "supervisor/svcd/record.h"
#include "supervisor/svcd/socket-units.h"
#include "supervisor/svcd/sockets.h"

#ifndef IPV6_FREEBIND
#define IPV6_FREEBIND 78
#endif

struct sockunit {
        struct manager *m;
        char *name; /* "ssh.socket" */
        struct unit *unit; /* NULL when refused */
        struct unit *running_unit; /* the definition it listens with (a reload waits for the stop) */
        char *error; /* why it was refused, or why it stopped listening */
        bool enabled, listening, triggered;
        bool condition_failed; /* error says which Condition*= did not hold: inactive, not failed */
        int *fds;
        size_t n_fds;
        sd_event_source **sources;
        unsigned accepted; /* connections accepted (Accept=yes) or starts set off (Accept=no) */
        unsigned n_conns; /* Accept=yes: instances with a connection */
};

struct sockunits {
        struct sockunit **items;
        size_t n;
        unsigned next_instance; /* systemd's counter of Accept=yes instances */
};

static struct sockunit *sockunit_find(struct manager *m, const char *name) {
        for (size_t i = 0; m->sockunits && i < m->sockunits->n; i++)
                if (streq(m->sockunits->items[i]->name, name))
                        return m->sockunits->items[i];
        return NULL;
}

/* The definition in force: the one it listens with, else the one loaded last. */
static const struct unit *sockunit_unit(const struct sockunit *su) {
        return su->running_unit ? su->running_unit : su->unit;
}

/* ---- making the sockets ------------------------------------------------------------------- */

union sockaddr_any {
        struct sockaddr sa;
        struct sockaddr_in in;
        struct sockaddr_in6 in6;
        struct sockaddr_un un;
        struct sockaddr_storage ss;
};

static int set_options(int fd, const struct listen_spec *l, const struct socket_spec *o) {
        bool inet = l->family != AF_UNIX, v6 = l->family == AF_INET6;
        int v6only = o->bind_ipv6_only == BIND_IPV6_ONLY;
        int rbuf = (int) MIN(o->receive_buffer, (uint64_t) INT32_MAX);
        int sbuf = (int) MIN(o->send_buffer, (uint64_t) INT32_MAX);
        const struct {
                bool on;
                int level, name, value;
        } opts[] = {
                { inet, SOL_SOCKET, SO_REUSEADDR, 1 },
                { o->reuse_port, SOL_SOCKET, SO_REUSEPORT, 1 },
                { o->keep_alive, SOL_SOCKET, SO_KEEPALIVE, 1 },
                { o->broadcast, SOL_SOCKET, SO_BROADCAST, 1 },
                { o->pass_credentials, SOL_SOCKET, SO_PASSCRED, 1 },
                { o->pass_security, SOL_SOCKET, SO_PASSSEC, 1 },
                { o->no_delay && inet && l->type == SOCK_STREAM, IPPROTO_TCP, TCP_NODELAY, 1 },
                { o->free_bind && inet, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_FREEBIND : IP_FREEBIND, 1 },
                { o->transparent && inet, v6 ? IPPROTO_IPV6 : IPPROTO_IP,
                  v6 ? IPV6_TRANSPARENT : IP_TRANSPARENT, 1 },
                { v6 && o->bind_ipv6_only != BIND_IPV6_DEFAULT, IPPROTO_IPV6, IPV6_V6ONLY, v6only },
                { o->receive_buffer != UNIT_UNSET, SOL_SOCKET, SO_RCVBUF, rbuf },
                { o->send_buffer != UNIT_UNSET, SOL_SOCKET, SO_SNDBUF, sbuf },
        };
        for (size_t i = 0; i < ELEMENTSOF(opts); i++)
                if (opts[i].on &&
                    setsockopt(fd, opts[i].level, opts[i].name, &opts[i].value, sizeof(opts[i].value)) < 0)
                        return -errno;
        return 0;
}

static int inet_address(const struct listen_spec *l, union sockaddr_any *a, socklen_t *ret_len) {
        void *addr = l->family == AF_INET6 ? (void *) &a->in6.sin6_addr : (void *) &a->in.sin_addr;
        if (l->family == AF_INET6) {
                a->in6.sin6_family = AF_INET6;
                a->in6.sin6_port = htons(l->port);
                *ret_len = sizeof(a->in6);
        } else {
                a->in.sin_family = AF_INET;
                a->in.sin_port = htons(l->port);
                *ret_len = sizeof(a->in);
        }
        return isempty(l->address) || inet_pton(l->family, l->address, addr) == 1 ? 0 : -EINVAL;
}

/* An abstract name is the bytes after '@', without a trailing NUL, as systemd binds it. */
static int abstract_socket(const struct listen_spec *l, const struct socket_spec *o) {
        union sockaddr_any a = { .un.sun_family = AF_UNIX };
        size_t n = strlen(l->address);
        if (n > sizeof(a.un.sun_path))
                return -ENAMETOOLONG;
        memcpy(a.un.sun_path + 1, l->address + 1, n - 1);
        _cleanup_close_ int fd = socket(AF_UNIX, l->type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        int r = set_options(fd, l, o);
        if (r < 0)
                return r;
        if (bind(fd, &a.sa, (socklen_t) (offsetof(struct sockaddr_un, sun_path) + n)) < 0)
                return -errno;
        return TAKE_FD(fd);
}

/* A socket file under ROOT, its directories made with DirectoryMode=, then SocketMode=, SocketUser=
 * and SocketGroup= (names of the host's user database, the socket's clients being the host's). */
static int file_socket(struct manager *m, const struct listen_spec *l, const struct socket_spec *o,
                       const struct sandbox_creds *owner) {
        _cleanup_free_ char *path = path_join(m->root, l->address);
        if (!path)
                return -ENOMEM;
        char *slash = strrchr(path, '/');
        *slash = '\0';
        int r = mkdir_p(path, o->directory_mode);
        *slash = '/';
        if (r < 0)
                return r;
        _cleanup_close_ int fd = unix_socket_bind(l->type, path, o->mode);
        if (fd < 0)
                return fd;
        r = set_options(fd, l, o);
        if (r >= 0 && (o->user || o->group) && lchown(path, owner->uid, owner->gid) < 0)
                r = -errno;
        return r < 0 ? r : TAKE_FD(fd);
}

static int make_socket(struct manager *m, const struct listen_spec *l, const struct socket_spec *o,
                       const struct sandbox_creds *owner) {
        _cleanup_close_ int fd = -EBADF;
        if (l->family == AF_UNIX)
                fd = l->address[0] == '@' ? abstract_socket(l, o) : file_socket(m, l, o, owner);
        else {
                union sockaddr_any a = { 0 };
                socklen_t len;
                int r = inet_address(l, &a, &len);
                if (r < 0)
                        return r;
                fd = socket(l->family, l->type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
                if (fd < 0)
                        return -errno;
                r = set_options(fd, l, o);
                if (r < 0)
                        return r;
                if (bind(fd, &a.sa, len) < 0)
                        return -errno;
        }
        if (fd < 0)
                return fd;
        if (l->type != SOCK_DGRAM && listen(fd, (int) MIN(o->backlog, (unsigned) INT32_MAX)) < 0)
                return -errno;
        return TAKE_FD(fd);
}

/* SocketUser= and SocketGroup= in the host's files; the group is root's unless named. */
static int resolve_owner(const struct socket_spec *o, struct sandbox_creds *ret, char **ret_why) {
        if (!o->user && !o->group) {
                *ret = (struct sandbox_creds){ 0 };
                return 0;
        }
        _cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return -errno;
        int r = sandbox_resolve_creds(root, "the host", o->user, o->group ? o->group : "0", NULL, ret,
                                      ret_why);
        return r;
}

/* ---- listening ---------------------------------------------------------------------------- */

static int on_ready(sd_event_source *src, int fd, uint32_t revents, void *userdata);

static void set_watching(struct sockunit *su, bool on) {
        for (size_t i = 0; su->sources && i < su->n_fds; i++)
                (void) sd_event_source_set_enabled(su->sources[i], on ? SD_EVENT_ON : SD_EVENT_OFF);
}

static void close_sockets(struct sockunit *su) {
        const struct unit *u = sockunit_unit(su);
        for (size_t i = 0; i < su->n_fds; i++) {
                if (su->sources)
                        sd_event_source_disable_unref(su->sources[i]);
                safe_close(su->fds[i]);
                const struct listen_spec *l = &u->listen[i];
                if (u->socket.remove_on_stop && l->family == AF_UNIX && l->address[0] == '/') {
                        _cleanup_free_ char *p = path_join(su->m->root, l->address);
                        if (p && unlink(p) < 0 && errno != ENOENT)
                                log_warning_errno(-errno, "%s: cannot remove %s: %m", su->name, p);
                }
        }
        su->sources = mfree(su->sources);
        su->fds = mfree(su->fds);
        su->n_fds = 0;
        su->listening = false;
        su->triggered = false;
}

/* The service an Accept=no socket starts, loaded; NULL with the reason logged. */
static struct service *paired_service(struct sockunit *su) {
        const char *name = sockunit_unit(su)->socket.service;
        struct service *s = NULL;
        int r = manager_get_service(su->m, name, &s);
        if (r == -ENOENT)
                log_error("%s: its service %s does not exist", su->name, name);
        else if (r == -EINVAL)
                log_error("%s: its service %s is refused: %s", su->name, name,
                          s && s->load_errors ? s->load_errors[0] : "invalid");
        else if (r < 0)
                log_error_errno(r, "%s: cannot load its service %s: %m", su->name, name);
        return r < 0 ? NULL : s;
}

static void sockunit_fail(struct sockunit *su, const char *fmt, ...) _printf_(2, 3);
static void sockunit_fail(struct sockunit *su, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        free(su->error);
        if (vasprintf(&su->error, fmt, ap) < 0)
                su->error = NULL;
        va_end(ap);
        log_error("%s: stopped listening: %s", su->name, su->error ? su->error : "failed");
        close_sockets(su);
}

static int open_sockets(struct sockunit *su, char **ret_why) {
        const struct unit *u = sockunit_unit(su);
        struct sandbox_creds owner = { 0 };
        int r = resolve_owner(&u->socket, &owner, ret_why);
        if (r < 0)
                return r;
        su->fds = calloc(u->n_listen, sizeof(int));
        su->sources = calloc(u->n_listen, sizeof(*su->sources));
        r = su->fds && su->sources ? 0 : -ENOMEM;
        for (size_t i = 0; r >= 0 && i < u->n_listen; i++) {
                int fd = make_socket(su->m, &u->listen[i], &u->socket, &owner);
                if (fd < 0) {
                        r = fd;
                        if (asprintf(ret_why, "cannot listen on %s: %s", u->listen[i].text, strerror(-fd)) <
                            0)
                                *ret_why = NULL;
                        break;
                }
                su->fds[su->n_fds++] = fd;
                r = sd_event_add_io(su->m->event, &su->sources[i], fd, EPOLLIN, on_ready, su);
        }
        sandbox_creds_done(&owner);
        return r;
}

/* The socket's Condition*= lines, in the tree of the service it starts, as systemd tests them
 * before it listens: 0 they hold, 1 not (*ret_why says which), -errno. */
static int test_conditions(struct sockunit *su, char **ret_why) {
        const struct unit *u = sockunit_unit(su);
        if (u->conditions.n == 0 && u->asserts.n == 0)
                return 0;
        _cleanup_free_ char *name = NULL;
        if (asprintf(&name, "%s%s", u->socket.service, u->accept ? "conditions" : "") < 0)
                return -ENOMEM;
        struct unit_diag d = { 0 };
        _cleanup_(unit_freep) struct unit *svc = NULL;
        int r = unit_load_from_dir(su->m->units_dir, name, &su->m->host, &svc, &d);
        unit_diag_clear(&d);
        r = conditions_test_in_tree(su->m, r >= 0 ? svc->root_directory : NULL, u, ret_why);
        return r == -EPROTO ? 1 : r;
}

static int sockunit_listen(struct sockunit *su, const char **ret_why) {
        if (!su->unit) {
                *ret_why = su->error;
                return -EINVAL;
        }
        if (su->listening)
                return 0;
        unit_free(su->running_unit);
        su->running_unit = NULL;
        su->error = mfree(su->error);
        char *why = NULL;
        int r = test_conditions(su, &why);
        su->condition_failed = r > 0;
        if (r == 0)
                r = open_sockets(su, &why);
        if (r != 0) {
                su->error = why ? why : strdup(r > 0 ? "condition failed" : strerror(-r));
                close_sockets(su);
                *ret_why = su->error;
                log_info("%s: not listening: %s", su->name, su->error ? su->error : "failed");
                return r > 0 ? 0 : -EINVAL;
        }
        su->listening = true;
        STRV_FOREACH (c, su->unit->conflicts) { /* Conflicts=proftpd.service: the socket replaces it */
                struct service *other = manager_find(su->m, *c);
                if (other && (service_is_active(other) || other->sm.state == SVC_BACKING_OFF))
                        (void) manager_enqueue(su->m, other, JOB_STOP, false);
        }
        struct service *s = su->unit->accept ? NULL : manager_find(su->m, su->unit->socket.service);
        set_watching(su, !(s && (service_is_active(s) || s->sm.state == SVC_BACKING_OFF)));
        log_info("%s: listening", su->name);
        return 0;
}

/* ---- activation --------------------------------------------------------------------------- */

/* Accept=no: the first connection or datagram starts the service, which takes the sockets over. */
static void trigger(struct sockunit *su) {
        struct service *s = paired_service(su);
        int r = s ? manager_enqueue(su->m, s, JOB_START, false) : -ENOENT;
        if (r < 0) {
                sockunit_fail(su, "its service %s cannot start: %s", su->unit->socket.service, strerror(-r));
                return;
        }
        set_watching(su, false);
        su->triggered = true;
        su->accepted++;
        log_info("%s: a connection, starting %s", su->name, s->name);
}

/* systemd's instance name: "N-LOCAL:PORT-REMOTE:PORT", or for a Unix socket "N-PID-UID". */
static int instance_name(int fd, unsigned nr, char *buf, size_t n) {
        union sockaddr_any local = { 0 }, remote = { 0 };
        socklen_t ll = sizeof(local), rl = sizeof(remote);
        if (getsockname(fd, &local.sa, &ll) < 0 || getpeername(fd, &remote.sa, &rl) < 0)
                return -errno;
        if (local.sa.sa_family == AF_UNIX) {
                struct ucred uc;
                socklen_t ul = sizeof(uc);
                if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &ul) < 0)
                        return -errno;
                return snprintf(buf, n, "%u-%d-%u", nr, (int) uc.pid, (unsigned) uc.uid) < (int) n
                               ? 0
                               : -ENAMETOOLONG;
        }
        char la[INET6_ADDRSTRLEN], ra[INET6_ADDRSTRLEN];
        bool v6 = local.sa.sa_family == AF_INET6;
        const void *lp = v6 ? (const void *) &local.in6.sin6_addr : (const void *) &local.in.sin_addr;
        const void *rp = v6 ? (const void *) &remote.in6.sin6_addr : (const void *) &remote.in.sin_addr;
        if (v6 && IN6_IS_ADDR_V4MAPPED(&local.in6.sin6_addr)) { /* an IPv4 client of a dual-stack socket */
                lp = (const uint8_t *) lp + 12;
                rp = (const uint8_t *) rp + 12;
                v6 = false;
        }
        int af = v6 ? AF_INET6 : AF_INET;
        if (!inet_ntop(af, lp, la, sizeof(la)) || !inet_ntop(af, rp, ra, sizeof(ra)))
                return -errno;
        unsigned lport = ntohs(local.sa.sa_family == AF_INET6 ? local.in6.sin6_port : local.in.sin_port);
        unsigned rport = ntohs(remote.sa.sa_family == AF_INET6 ? remote.in6.sin6_port : remote.in.sin_port);
        return snprintf(buf, n, "%u-%s:%u-%s:%u", nr, la, lport, ra, rport) < (int) n ? 0 : -ENAMETOOLONG;
}

/* Accept=yes: an instance of the template per connection. */
static void accept_one(struct sockunit *su, int fd) {
        _cleanup_close_ int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
        if (cfd < 0)
                return;
        const struct unit *u = sockunit_unit(su);
        if (su->n_conns >= u->max_connections) {
                log_warning("%s: %u connections already, MaxConnections=%u: refusing one", su->name,
                            su->n_conns, u->max_connections);
                return;
        }
        unsigned nr = su->m->sockunits->next_instance++;
        char inst[UNIT_NAME_MAX + 1], name[UNIT_NAME_MAX + 1];
        if (instance_name(cfd, nr, inst, sizeof(inst)) < 0)
                snprintf(inst, sizeof(inst), "%u", nr);
        if (snprintf(name, sizeof(name), "%s%s", u->socket.service, inst) >= (int) sizeof(name) ||
            !unit_name_is_valid(name))
                snprintf(name, sizeof(name), "%s%u", u->socket.service, nr);
        struct service *s = NULL;
        int r = manager_get_service(su->m, name, &s);
        if (r < 0) {
                sockunit_fail(su, "its template %s.service cannot start %s: %s", u->socket.service, name,
                              r == -EINVAL && s && s->load_errors ? s->load_errors[0] : strerror(-r));
                return;
        }
        s->conn_fd = TAKE_FD(cfd);
        s->conn_socket = su;
        s->cfg.restart = RESTART_NO; /* the connection is gone with the process */
        su->n_conns++;
        su->accepted++;
        r = manager_enqueue(su->m, s, JOB_START, false);
        if (r < 0)
                log_error_errno(r, "%s: cannot start %s: %m", su->name, name);
}

static int on_ready(sd_event_source *src _unused_, int fd, uint32_t revents _unused_, void *userdata) {
        struct sockunit *su = userdata;
        if (su->m->shutting_down)
                set_watching(su, false);
        else if (sockunit_unit(su)->accept)
                accept_one(su, fd);
        else
                trigger(su);
        return 0;
}

static int lend_fd(struct service *s, int fd, const char *name) {
        int *fds = reallocarray(s->listen_fds, s->n_listen + 1, sizeof(int));
        if (!fds)
                return -ENOMEM;
        s->listen_fds = fds;
        int copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (copy < 0)
                return -errno;
        int r = strv_extend(&s->listen_names, name);
        if (r < 0) {
                safe_close(copy);
                return r;
        }
        s->listen_fds[s->n_listen++] = copy;
        return 0;
}

int sockunits_lend(struct service *s) {
        struct manager *m = s->m;
        int r = 0;
        s->listen_lent = true;
        if (s->conn_fd >= 0)
                return lend_fd(s, s->conn_fd, "connection") < 0 ? -ENOMEM : 1;
        for (size_t i = 0; m->sockunits && i < m->sockunits->n && r >= 0; i++) {
                struct sockunit *su = m->sockunits->items[i];
                const struct unit *u = sockunit_unit(su);
                if (!su->listening || u->accept || !streq(u->socket.service, s->name))
                        continue;
                for (size_t k = 0; k < su->n_fds && r >= 0; k++)
                        r = lend_fd(s, su->fds[k], u->socket.fdname);
        }
        return r < 0 ? r : s->n_listen > 0;
}

/* An Accept=yes instance is down: its connection goes, and so does the instance. */
static void connection_done(struct service *s) {
        struct sockunit *su = s->conn_socket;
        s->conn_fd = safe_close(s->conn_fd);
        s->conn_socket = NULL;
        s->admin->removed = true;
        if (su->n_conns > 0)
                su->n_conns--;
}

/* Conflicts= and PartOf= of the sockets: a conflicting service that starts stops the socket; a
 * stop or restart of the service a socket is PartOf= stops or restarts the socket. */
static void follow_dependencies(struct sockunit *su, struct service *s, enum svc_state old) {
        const struct unit *u = sockunit_unit(su);
        const char *why = NULL;
        if (s->sm.state == SVC_STARTING && old != SVC_STARTING && strv_contains(u->conflicts, s->name)) {
                log_info("%s: %s starts, which it conflicts with", su->name, s->name);
                (void) sockunits_stop(su->m, su->name);
        } else if (s->sm.state == SVC_STOPPING && old != SVC_STOPPING && strv_contains(u->part_of, s->name) &&
                   (s->admin->job == JOB_STOP || s->admin->job == JOB_RESTART)) {
                bool restart = s->admin->job == JOB_RESTART;
                log_info("%s: part of %s, which is %s", su->name, s->name,
                         restart ? "restarting" : "stopping");
                (void) sockunits_stop(su->m, su->name);
                if (restart)
                        (void) sockunit_listen(su, &why);
        }
}

void sockunits_service_changed(struct service *s, enum svc_state old) {
        struct manager *m = s->m;
        bool down = !service_is_active(s) && s->sm.state != SVC_BACKING_OFF;
        if (down && s->listen_lent) /* svcd's copies go with it: a stopped socket is really closed */
                sockets_close(s);
        if (s->conn_socket && down && s->admin->job == JOB_NONE)
                connection_done(s);
        for (size_t i = 0; m->sockunits && i < m->sockunits->n; i++) {
                struct sockunit *su = m->sockunits->items[i];
                const struct unit *u = sockunit_unit(su);
                if (su->listening)
                        follow_dependencies(su, s, old);
                if (!su->listening || u->accept || !streq(u->socket.service, s->name))
                        continue;
                if (s->sm.state == SVC_RUNNING)
                        su->triggered = false;
                if (s->sm.state == SVC_FAILED && su->triggered)
                        sockunit_fail(su, "its service %s failed", s->name);
                else
                        set_watching(su, down && !m->shutting_down);
        }
}

/* ---- loading, starting, stopping ---------------------------------------------------------- */

static struct sockunit *sockunit_free(struct sockunit *su) {
        if (!su)
                return NULL;
        close_sockets(su);
        unit_free(su->unit);
        unit_free(su->running_unit);
        free(su->error);
        free(su->name);
        free(su);
        return NULL;
}

int sockunits_init(struct manager *m) {
        m->sockunits = calloc(1, sizeof(*m->sockunits));
        return m->sockunits ? 0 : log_oom();
}

void sockunits_done(struct manager *m) {
        struct sockunits *ss = m->sockunits;
        if (!ss)
                return;
        for (size_t i = 0; i < m->n_services; i++) /* no instance keeps a pointer to its socket */
                m->services[i]->conn_socket = NULL;
        for (size_t i = 0; i < ss->n; i++)
                sockunit_free(ss->items[i]);
        free(ss->items);
        free(ss);
        m->sockunits = NULL;
}

static int sockunit_add(struct manager *m, const char *name, struct sockunit **ret) {
        struct sockunits *ss = m->sockunits;
        struct sockunit **n = reallocarray(ss->items, ss->n + 1, sizeof(*n));
        if (!n)
                return -ENOMEM;
        ss->items = n;
        struct sockunit *su = calloc(1, sizeof(*su));
        if (!su || !(su->name = strdup(name))) {
                free(su);
                return -ENOMEM;
        }
        su->m = m;
        su->enabled = manager_marked_enabled(m, name);
        /* Kept sorted by name: the order of a service's sockets in LISTEN_FDS. */
        size_t at = 0;
        while (at < ss->n && strcmp(ss->items[at]->name, name) < 0)
                at++;
        memmove(ss->items + at + 1, ss->items + at, sizeof(*n) * (ss->n - at));
        ss->items[at] = su;
        ss->n++;
        *ret = su;
        return 0;
}

/* A listening socket keeps the definition it listens with until it stops. */
static void sockunit_set_unit(struct sockunit *su, struct unit *u) {
        if (su->listening && !su->running_unit)
                su->running_unit = su->unit;
        else
                unit_free(su->unit);
        su->unit = u;
        su->error = mfree(su->error);
}

static void print_diag(const struct unit_diag *d) {
        for (size_t i = 0; i < d->n; i++) {
                _cleanup_free_ char *line = unit_diag_format(&d->items[i]);
                if (line && d->items[i].warning)
                        log_warning("%s", line);
                else if (line)
                        log_error("%s", line);
        }
}

int sockunits_load(struct manager *m, const char *name) {
        struct sockunit *su = sockunit_find(m, name);
        struct unit_diag d = { 0 };
        struct unit *u = NULL;
        int r = unit_load_from_dir(m->units_dir, name, &m->host, &u, &d);
        print_diag(&d);
        if (r == -ENOENT || r == -ENOMEM ||
            (r >= 0 && su && su->unit && su->unit->source_hash == u->source_hash)) {
                unit_diag_clear(&d);
                unit_free(u);
                return r == -ENOENT || r == -ENOMEM ? r : 0;
        }
        int k = su ? 0 : sockunit_add(m, name, &su);
        if (k >= 0 && r >= 0)
                sockunit_set_unit(su, u);
        else if (k >= 0) {
                size_t e = 0;
                while (e + 1 < d.n && d.items[e].warning) /* the first error, not a warning */
                        e++;
                free(su->error);
                su->error = d.n > 0 ? unit_diag_format(&d.items[e]) : strdup("refused");
        } else
                unit_free(u);
        unit_diag_clear(&d);
        return k < 0 ? k : r < 0 ? r : 1;
}

const char *sockunits_error(struct manager *m, const char *name) {
        struct sockunit *su = sockunit_find(m, name);
        return su ? su->error : NULL;
}

void sockunits_start_enabled(struct manager *m) {
        const char *why;
        for (size_t i = 0; m->sockunits && i < m->sockunits->n; i++)
                if (m->sockunits->items[i]->enabled)
                        (void) sockunit_listen(m->sockunits->items[i], &why);
}

static int find_or_load(struct manager *m, const char *name, struct sockunit **ret) {
        struct sockunit *su = sockunit_find(m, name);
        int r = su ? 0 : sockunits_load(m, name);
        if (r < 0 && r != -EINVAL)
                return r;
        su = sockunit_find(m, name);
        if (!su)
                return -ENOENT;
        *ret = su;
        return 0;
}

int sockunits_start(struct manager *m, const char *name, const char **ret_why) {
        struct sockunit *su = NULL;
        int r = find_or_load(m, name, &su);
        if (r < 0)
                return r;
        r = sockunits_load(m, name); /* a changed file is read again, as for a service */
        if (r == -EINVAL && !su->listening) { /* refused now: not started on its old definition */
                *ret_why = su->error;
                return r;
        }
        return sockunit_listen(su, ret_why);
}

int sockunits_stop(struct manager *m, const char *name) {
        struct sockunit *su = sockunit_find(m, name);
        if (!su)
                return -ENOENT;
        if (su->listening)
                log_info("%s: stopped listening", su->name);
        close_sockets(su);
        su->running_unit = unit_free(su->running_unit);
        return 0;
}

int sockunits_set_enabled(struct manager *m, const char *name, bool enable, const char **ret_why) {
        struct sockunit *su = NULL;
        int r = find_or_load(m, name, &su);
        if (r < 0)
                return r;
        if (!su->unit) {
                *ret_why = su->error;
                return -EINVAL;
        }
        r = manager_mark_enabled(m, name, enable);
        if (r < 0)
                return r;
        su->enabled = enable;
        return enable ? sockunit_listen(su, ret_why) : sockunits_stop(m, name);
}

/* ---- listing ------------------------------------------------------------------------------ */

static const char *sockunit_state(const struct sockunit *su) {
        if (!su->unit && !su->listening)
                return "refused";
        if (!su->listening)
                return su->error && !su->condition_failed ? "failed" : "inactive";
        if (sockunit_unit(su)->accept)
                return "listening";
        struct service *s = manager_find(su->m, sockunit_unit(su)->socket.service);
        return s && (service_is_active(s) || s->sm.state == SVC_BACKING_OFF) ? "running" : "listening";
}

int sockunits_append_list(struct manager *m, sd_bus_message *reply) {
        int r = sd_bus_message_open_container(reply, 'a', "(ssbsuus)");
        for (size_t i = 0; r >= 0 && m->sockunits && i < m->sockunits->n; i++) {
                const struct sockunit *su = m->sockunits->items[i];
                const struct unit *u = sockunit_unit(su);
                _cleanup_strv_free_ char **texts = NULL;
                for (size_t k = 0; r >= 0 && u && k < u->n_listen; k++)
                        r = strv_extend(&texts, u->listen[k].text);
                _cleanup_free_ char *listen = r >= 0 ? strv_join(texts, " ") : NULL;
                if (r >= 0 && !listen)
                        r = -ENOMEM;
                if (r >= 0)
                        r = sd_bus_message_append(reply, "(ssbsuus)", su->name, u ? u->socket.service : "",
                                                  su->enabled, sockunit_state(su), su->accepted, su->n_conns,
                                                  su->error && !su->listening ? su->error : listen);
        }
        return r < 0 ? r : sd_bus_message_close_container(reply);
}
