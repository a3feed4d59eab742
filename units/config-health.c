/* SPDX-License-Identifier: MIT */
/* Health probes: Quadlet's HealthCmd= and its kin (podman-systemd.unit(5), podman-run(1)
 * --health-*), with two kinds Quadlet lacks: "tcp:PORT" and "http://HOST:PORT/PATH [STATUSES]". */

#include <arpa/inet.h>
#include <sys/socket.h>

#include "common/util.h"
#include "units/unit-internal.h"

static bool startswith(const char *s, const char *prefix) {
        return strneq(s, prefix, strlen(prefix));
}

void health_probe_done(struct health_probe *p) {
        strv_free(p->argv);
        free(p->host);
        free(p->path);
        free(p->text);
        free(p->file);
        *p = (struct health_probe){ .kind = HEALTH_NONE };
}

bool health_status_expected(const struct health_probe *p, unsigned status) {
        if (p->n_status == 0)
                return status >= 200 && status <= 399;
        for (unsigned i = 0; i < p->n_status; i++)
                if (status >= p->status[i].lo && status <= p->status[i].hi)
                        return true;
        return false;
}

const char *health_action_to_string(enum health_action a) {
        static const char *const names[_HEALTH_ACTION_MAX] = {
                [HEALTH_ACTION_NONE] = "none",
                [HEALTH_ACTION_KILL] = "kill",
                [HEALTH_ACTION_RESTART] = "restart",
                [HEALTH_ACTION_STOP] = "stop",
        };
        return a >= 0 && a < _HEALTH_ACTION_MAX ? names[a] : NULL;
}

/* "8080", "127.0.0.1:8080", "[::1]:8080", "localhost:8080" (HOST optional when ALLOW_BARE). */
static int parse_host_port(const char *s, bool allow_bare, uint16_t default_port, struct health_probe *p) {
        char host[INET6_ADDRSTRLEN + 2];
        const char *port = NULL;
        if (s[0] == '[') {
                const char *close = strchr(s, ']');
                if (!close || (size_t) (close - s - 1) >= sizeof(host) || (close[1] && close[1] != ':'))
                        return -EINVAL;
                memcpy(host, s + 1, (size_t) (close - s - 1));
                host[close - s - 1] = '\0';
                port = close[1] ? close + 2 : NULL;
                p->family = AF_INET6;
        } else {
                const char *colon = strrchr(s, ':');
                if (!colon && allow_bare && strspn(s, "0123456789") == strlen(s)) {
                        snprintf(host, sizeof(host), "127.0.0.1");
                        port = s;
                } else {
                        size_t n = colon ? (size_t) (colon - s) : strlen(s);
                        if (n >= sizeof(host))
                                return -EINVAL;
                        memcpy(host, s, n);
                        host[n] = '\0';
                        port = colon ? colon + 1 : NULL;
                }
                if (streq(host, "localhost"))
                        snprintf(host, sizeof(host), "127.0.0.1");
                p->family = AF_INET;
        }
        if (inet_pton(p->family, host, p->address) != 1)
                return -EINVAL;
        unsigned v = default_port;
        if (port && (parse_unsigned(port, &v) < 0 || v == 0 || v > 65535))
                return -EINVAL;
        if (v == 0)
                return -EINVAL;
        p->port = (uint16_t) v;
        return 0;
}

/* "200", "200-299", "200,204,300-399": HTTP statuses 100..599. */
static int parse_statuses(const char *s, struct health_probe *p) {
        _cleanup_free_ char *copy = strdup(s);
        if (!copy)
                return -ENOMEM;
        char *save = NULL;
        p->n_status = 0;
        for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
                char *dash = strchr(w, '-');
                unsigned lo, hi;
                if (dash)
                        *dash = '\0';
                if (parse_unsigned(w, &lo) < 0 || (dash ? parse_unsigned(dash + 1, &hi) : (hi = lo, 0)) < 0 ||
                    lo < 100 || hi > 599 || lo > hi || p->n_status >= HEALTH_STATUS_RANGES_MAX)
                        return -EINVAL;
                p->status[p->n_status].lo = (uint16_t) lo;
                p->status[p->n_status++].hi = (uint16_t) hi;
        }
        return p->n_status > 0 ? 0 : -EINVAL;
}

static int parse_http(struct parse_ctx *ctx, const char *key, const char *v, struct health_probe *p) {
        const char *rest = v + strlen("http://");
        size_t n = strcspn(rest, "/ \t");
        _cleanup_free_ char *hostport = strndup(rest, n);
        if (!hostport)
                return -ENOMEM;
        if (parse_host_port(hostport, false, 80, p) < 0)
                return ctx_error(ctx,
                                 "%s=%s: expected http://HOST[:PORT]/PATH with HOST localhost or a numeric "
                                 "address (svcd resolves no names)",
                                 key, ctx_short(ctx, v));
        const char *path = rest + n, *space = path + strcspn(path, " \t");
        p->host = strdup(hostport);
        p->path = space > path ? strndup(path, (size_t) (space - path)) : strdup("/");
        if (!p->host || !p->path)
                return -ENOMEM;
        space += strspn(space, " \t");
        if (*space && parse_statuses(space, p) < 0)
                return ctx_error(ctx,
                                 "%s=%s: '%s' is not a list of HTTP statuses such as 200, 200-299 or 200,301 "
                                 "(100 to 599)",
                                 key, ctx_short(ctx, v), space);
        p->kind = HEALTH_HTTP;
        return 0;
}

/* A JSON string at *P (after the opening quote): its value, *P past the closing quote. */
static int json_string(const char **pp, char **ret) {
        const char *s = *pp;
        _cleanup_free_ char *out = malloc(strlen(s) + 1);
        size_t n = 0;
        if (!out)
                return -ENOMEM;
        for (; *s && *s != '"'; s++) {
                if (*s != '\\') {
                        out[n++] = *s;
                        continue;
                }
                s++;
                const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t", *c = *s ? strchr(from, *s) : NULL;
                if (!c)
                        return -EINVAL;
                out[n++] = to[c - from];
        }
        if (*s != '"')
                return -EINVAL;
        out[n] = '\0';
        *pp = s + 1;
        *ret = TAKE_PTR(out);
        return 0;
}

/* ["CMD", "prog", "arg"], ["CMD-SHELL", "cmd"], ["NONE"] or ["prog", "arg"], as podman reads them. */
static int parse_json_argv(const char *v, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        const char *s = v + 1;
        for (;;) {
                s += strspn(s, " \t");
                if (*s == ']' && !l)
                        break;
                if (*s != '"')
                        return -EINVAL;
                s++;
                char *w = NULL;
                int r = json_string(&s, &w);
                if (r < 0 || (r = strv_push(&l, w)) < 0) {
                        free(w);
                        return r;
                }
                s += strspn(s, " \t");
                if (*s == ']')
                        break;
                if (*s++ != ',')
                        return -EINVAL;
        }
        s++;
        if (s[strspn(s, " \t")] != '\0')
                return -EINVAL;
        *ret = TAKE_PTR(l);
        return 0;
}

static int shell_argv(const char *cmd, char ***ret) {
        char **l = NULL;
        if (strv_extend(&l, "/bin/sh") < 0 || strv_extend(&l, "-c") < 0 || strv_extend(&l, cmd) < 0) {
                strv_free(l);
                return -ENOMEM;
        }
        *ret = l;
        return 0;
}

static int parse_exec_json(struct parse_ctx *ctx, const char *key, const char *v, struct health_probe *p) {
        _cleanup_strv_free_ char **l = NULL;
        int r = parse_json_argv(v, &l);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || !l || !l[0])
                return ctx_error(ctx,
                                 "%s=%s: expected a JSON array of strings such as [\"CMD\", \"/bin/check\"]",
                                 key, ctx_short(ctx, v));
        if (streq(l[0], "NONE") && !l[1]) {
                p->kind = HEALTH_NONE;
                return 0;
        }
        if (streq(l[0], "CMD-SHELL")) {
                _cleanup_free_ char *joined = strv_join(l + 1, " ");
                if (!joined || shell_argv(joined, &p->argv) < 0)
                        return -ENOMEM;
                p->shell = true;
        } else {
                size_t skip = streq(l[0], "CMD") ? 1 : 0;
                p->argv = strv_copy(l + skip);
                if (!p->argv)
                        return -ENOMEM;
        }
        if (!p->argv[0] || !p->argv[0][0] || (strchr(p->argv[0], '/') && p->argv[0][0] != '/'))
                return ctx_error(ctx, "%s=%s: the program must be an absolute path or a name found in PATH",
                                 key, ctx_short(ctx, v));
        p->kind = HEALTH_EXEC;
        return 0;
}

static int parse_probe(struct parse_ctx *ctx, const char *key, const char *v, struct health_probe *p) {
        if (streq(v, "none"))
                return 0;
        if (startswith(v, "tcp:")) {
                if (parse_host_port(v + 4, true, 0, p) < 0)
                        return ctx_error(
                                ctx,
                                "%s=%s: expected tcp:PORT or tcp:ADDRESS:PORT with a numeric address "
                                "or localhost",
                                key, ctx_short(ctx, v));
                p->kind = HEALTH_TCP;
                return 0;
        }
        if (startswith(v, "https://"))
                return ctx_error(
                        ctx,
                        "%s=%s: svcd has no TLS library for an HTTPS probe; probe the plain HTTP port, "
                        "tcp:PORT, or a command such as curl -fsk https://...",
                        key, ctx_short(ctx, v));
        if (startswith(v, "http://"))
                return parse_http(ctx, key, v, p);
        if (v[0] == '[')
                return parse_exec_json(ctx, key, v, p);
        /* podman-run(1): "otherwise, the command is interpreted as an argument to /bin/sh -c". */
        int r = shell_argv(v, &p->argv);
        if (r < 0)
                return r;
        p->shell = true;
        p->kind = HEALTH_EXEC;
        return 0;
}

int config_parse_health_cmd(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                            int ltype _unused_) {
        struct health_probe *p = data;
        health_probe_done(p);
        if (!*value)
                return 0;
        _cleanup_free_ char *v = NULL;
        int r = ctx_specifiers(ctx, key, value, &v);
        if (r < 0)
                return r;
        p->text = strdup(v);
        p->file = strdup(ctx->file);
        p->line = ctx->line;
        if (!p->text || !p->file)
                return -ENOMEM;
        r = parse_probe(ctx, key, v, p);
        if (r < 0 || p->kind == HEALTH_NONE)
                health_probe_done(p);
        return r;
}

/* HealthInterval=: a time span, or "disable" (0, as podman): the probe then runs at start only.
 * HealthTimeout=: a finite time span above zero, as a probe that hangs must be killed. */
int config_parse_health_span(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                             int ltype) {
        uint64_t *t = data;
        if (ltype == HEALTH_SPAN_INTERVAL && streq(value, "disable")) {
                *t = 0;
                return 0;
        }
        int r = config_parse_timespan(ctx, key, value, data, TIMESPAN_PLAIN);
        if (r >= 0 && ltype == HEALTH_SPAN_TIMEOUT && (*t == 0 || *t == USEC_INFINITY))
                return ctx_error(ctx,
                                 "%s=%s: a probe needs a timeout above zero and finite, so that one that "
                                 "hangs is killed",
                                 key, ctx_short(ctx, value));
        return r;
}

int config_parse_health_action(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                               int ltype _unused_) {
        enum health_action *a = data;
        if (!*value) {
                *a = unit_defaults.health_on_failure;
                return 0;
        }
        for (int i = 0; i < _HEALTH_ACTION_MAX; i++)
                if (streq(value, health_action_to_string((enum health_action) i))) {
                        *a = (enum health_action) i;
                        return 0;
                }
        return ctx_error(ctx, "%s=%s: expected none, kill, restart or stop", key, ctx_short(ctx, value));
}

/* The checks that need the whole unit: a startup probe needs the probe it hands over to, as
 * podman's --health-startup-cmd needs --health-cmd. */
int verify_health(struct parse_ctx *ctx) {
        struct unit *u = ctx->u;
        if (u->health_startup.kind != HEALTH_NONE && u->health.kind == HEALTH_NONE)
                return diag_add(ctx->diag, false, u->health_startup.file, u->health_startup.line,
                                "HealthStartupCmd= needs HealthCmd=: the startup probe hands over to it") < 0
                               ? -ENOMEM
                               : 0;
        if (u->health.kind != HEALTH_NONE && u->type == SERVICE_ONESHOT && !u->remain_after_exit)
                return diag_add(ctx->diag, true, u->health.file, u->health.line,
                                "HealthCmd= on a Type=oneshot service never runs: it is never running") < 0
                               ? -ENOMEM
                               : 0;
        return 0;
}
