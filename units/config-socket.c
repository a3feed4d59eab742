/* SPDX-License-Identifier: MIT */
/* [Socket] (systemd.socket(5)): what a socket unit listens on, with which options, and which
 * service it starts. Its ListenStream=, ListenDatagram=, ListenSequentialPacket=, Accept= and
 * MaxConnections= fill the unit's listen[], accept and max_connections, as [Service] ones do. */

#include <sys/socket.h>

#include "common/util.h"
#include "units/unit-internal.h"

void socket_spec_clear(struct socket_spec *s) {
        s->service = mfree(s->service);
        s->user = mfree(s->user);
        s->group = mfree(s->group);
        s->fdname = mfree(s->fdname);
}

int config_parse_socket_service(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                                int ltype _unused_) {
        char **service = data;
        _cleanup_free_ char *v = NULL;

        if (!*value) {
                *service = mfree(*service);
                return 0;
        }
        int r = ctx_specifiers(ctx, key, value, &v);
        if (r < 0)
                return r;
        const char *type = unit_other_type(v);
        if (type)
                return ctx_error(ctx, "%s=%s is a %s unit: a socket starts a service", key, ctx_short(ctx, v),
                                 type);
        unit_name_strip_suffix(v);
        if (!unit_name_is_valid(v) || v[strlen(v) - 1] == '@')
                return ctx_error(ctx, "%s=%s is not a service name (a template needs an instance)", key,
                                 ctx_short(ctx, v));
        free(*service);
        *service = TAKE_PTR(v);
        return 0;
}

int config_parse_bind_ipv6_only(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                                int ltype _unused_) {
        enum bind_ipv6_only *b = data;

        if (!*value || streq(value, "default"))
                *b = BIND_IPV6_DEFAULT;
        else if (streq(value, "both"))
                *b = BIND_IPV6_BOTH;
        else if (streq(value, "ipv6-only"))
                *b = BIND_IPV6_ONLY;
        else
                return ctx_error(ctx, "%s=%s: expected default, both or ipv6-only", key,
                                 ctx_short(ctx, value));
        return 0;
}

/* systemd's rule for a descriptor name: printable ASCII but ':', at most 255 bytes. */
static bool fdname_is_valid(const char *s) {
        size_t n = strlen(s);
        if (n == 0 || n > 255)
                return false;
        for (const char *p = s; *p; p++)
                if (*p < ' ' || *p > '~' || *p == ':')
                        return false;
        return true;
}

int config_parse_fdname(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                        int ltype _unused_) {
        char **fdname = data;
        _cleanup_free_ char *v = NULL;

        if (!*value) {
                *fdname = mfree(*fdname);
                return 0;
        }
        int r = ctx_specifiers(ctx, key, value, &v);
        if (r < 0)
                return r;
        if (!fdname_is_valid(v))
                return ctx_error(ctx, "%s=%s: expected up to 255 printable characters other than ':'", key,
                                 ctx_short(ctx, v));
        free(*fdname);
        *fdname = TAKE_PTR(v);
        return 0;
}

/* Accept=yes hands out connections, which a datagram socket has not. 0 or -ENOMEM; an error
 * goes to the diagnostics. */
static int verify_accept(struct parse_ctx *ctx) {
        struct unit *u = ctx->u;

        for (size_t i = 0; i < u->n_listen; i++)
                if (u->listen[i].type == SOCK_DGRAM)
                        return diag_add(ctx->diag, false, u->path, 0,
                                        "Accept=yes needs connections, and ListenDatagram=%s has none: use "
                                        "Accept=no, or ListenStream=",
                                        u->listen[i].text);
        if (u->socket.service)
                return diag_add(ctx->diag, false, u->path, 0,
                                "Service= does not fit Accept=yes, which starts one instance of the template "
                                "%.*s@.service per connection (as systemd refuses it too)",
                                (int) (strlen(u->name) - strlen(UNIT_SOCKET_SUFFIX)), u->name);
        return 0;
}

/* [Unit] dependencies svcd does not apply to a socket: a warning each, naming the first unit. */
static int warn_dependencies(struct parse_ctx *ctx) {
        const struct unit *u = ctx->u;
        const struct {
                const char *key;
                char **names;
        } deps[] = {
                { "After", u->after },          { "Requires", u->requires },    { "Wants", u->wants },
                { "BindsTo", u->binds_to },     { "Requisite", u->requisite },  { "Upholds", u->upholds },
                { "OnFailure", u->on_failure }, { "OnSuccess", u->on_success },
        };
        for (size_t i = 0; i < ELEMENTSOF(deps); i++) {
                if (!deps[i].names || !deps[i].names[0])
                        continue;
                int r = diag_add(ctx->diag, true, u->path, 0,
                                 "%s=%s is ignored in a socket: svcd listens as soon as the socket starts, "
                                 "and starts nothing else along with it",
                                 deps[i].key, deps[i].names[0]);
                if (r < 0)
                        return r;
        }
        return 0;
}

int verify_socket(struct parse_ctx *ctx) {
        struct unit *u = ctx->u;
        size_t stem = strlen(u->name) - strlen(UNIT_SOCKET_SUFFIX);

        if (u->n_listen == 0)
                return diag_add(ctx->diag, false, u->path, 0,
                                "a socket needs ListenStream=, ListenDatagram= or ListenSequentialPacket= in "
                                "[Socket] to listen on anything");
        int r = u->accept ? verify_accept(ctx) : 0;
        if (r < 0)
                return r;
        if (u->accept && u->template)
                return diag_add(ctx->diag, false, u->path, 0,
                                "Accept=yes in a template socket: svc names each connection's instance after "
                                "the socket's name, which is then not one service's");
        if (!u->socket.service &&
            asprintf(&u->socket.service, "%.*s%s", (int) stem, u->name, u->accept ? "@" : "") < 0) {
                u->socket.service = NULL;
                return -ENOMEM;
        }
        if (!u->socket.fdname && !(u->socket.fdname = strdup(u->name)))
                return -ENOMEM;
        return warn_dependencies(ctx);
}
