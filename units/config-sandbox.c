/* SPDX-License-Identifier: MIT */
/* Parsers of the table for the socket, sandbox and resource keys of [Service]. */

#include <arpa/inet.h>
#include <linux/capability.h>
#include <sys/capability.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "common/util.h"
#include "units/unit-internal.h"

/* The value after resolving specifiers; NULL in *ret for an empty value. */
static int expand(struct parse_ctx *ctx, const char *key, const char *value, char **ret) {
        *ret = NULL;
        return *value ? ctx_specifiers(ctx, key, value, ret) : 0;
}

static int parse_port(const char *s, uint16_t *ret) {
        int port;
        if (parse_int_range(s, 1, 65535, &port) < 0 || *s == '+' || *s == '-')
                return -EINVAL;
        *ret = (uint16_t) port;
        return 0;
}

static int parse_inet(char *v, struct listen_spec *l) {
        char *colon = strrchr(v, ':');

        if (!colon) {
                /* A bare port listens on every address, on both families when IPv6 is there. */
                l->family = access("/proc/net/if_inet6", F_OK) == 0 ? AF_INET6 : AF_INET;
                l->address = strdup("");
                return parse_port(v, &l->port);
        }
        *colon = '\0';
        char *addr = v;
        size_t n = strlen(addr);
        unsigned char buf[sizeof(struct in6_addr)];
        if (n >= 2 && addr[0] == '[' && addr[n - 1] == ']') {
                addr[n - 1] = '\0';
                addr++;
                l->family = AF_INET6;
        } else
                l->family = AF_INET;
        if (inet_pton(l->family, addr, buf) != 1)
                return -EINVAL;
        l->address = strdup(addr);
        return parse_port(colon + 1, &l->port);
}

static int parse_listen_value(char *v, struct listen_spec *l) {
        if (v[0] == '/' || v[0] == '@') {
                l->family = AF_UNIX;
                if (strlen(v) >= sizeof(((struct sockaddr_un *) NULL)->sun_path) || streq(v, "@") ||
                    (v[0] == '/' && !path_is_absolute_clean(v)))
                        return -EINVAL;
                l->address = strdup(v);
                return 0;
        }
        return parse_inet(v, l);
}

/* LTYPE: the socket type, SOCK_STREAM when 0 ([Service] ListenStream=). */
int config_parse_listen(struct parse_ctx *ctx, const char *key, const char *value, void *data _unused_,
                        int ltype) {
        struct unit *u = ctx->u;
        _cleanup_free_ char *v = NULL, *scratch = NULL;

        int r = expand(ctx, key, value, &v);
        if (r < 0)
                return r;
        if (!v) {
                listen_specs_free(u->listen, u->n_listen);
                u->listen = NULL;
                u->n_listen = 0;
                return 0;
        }
        scratch = strdup(v);
        if (!scratch)
                return -ENOMEM;
        struct listen_spec l = { .text = TAKE_PTR(v), .type = ltype ? ltype : SOCK_STREAM };
        r = parse_listen_value(scratch, &l);
        if (r < 0 || !l.address) {
                listen_spec_done(&l);
                if (r < 0)
                        return ctx_error(ctx,
                                         "%s=%s: expected a port, ADDRESS:PORT, [IPV6]:PORT, an absolute "
                                         "socket path or @abstract",
                                         key, ctx_short(ctx, value));
                return -ENOMEM;
        }
        struct listen_spec *a = reallocarray(u->listen, u->n_listen + 1, sizeof(*a));
        if (!a) {
                listen_spec_done(&l);
                return -ENOMEM;
        }
        u->listen = a;
        u->listen[u->n_listen++] = l;
        return 0;
}

int config_parse_root_directory(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                                int ltype _unused_) {
        char **s = data;
        _cleanup_free_ char *v = NULL;

        int r = expand(ctx, key, value, &v);
        if (r < 0)
                return r;
        if (v && (strchr(v, '/') ? !path_is_absolute_clean(v) : !relative_path_is_clean(v)))
                return ctx_error(ctx,
                                 "%s=%s: expected a tree name without '/' or an absolute path, without '..'",
                                 key, ctx_short(ctx, value));
        free(*s);
        *s = TAKE_PTR(v);
        return 0;
}

int config_parse_overlay(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                         int ltype _unused_) {
        static const char *const names[_OVERLAY_MAX] = {
                [OVERLAY_NONE] = "none",
                [OVERLAY_TMPFS] = "tmpfs",
                [OVERLAY_PERSISTENT] = "persistent",
        };
        enum overlay_mode *m = data;

        if (!*value) {
                *m = unit_defaults.overlay;
                return 0;
        }
        for (enum overlay_mode i = 0; i < _OVERLAY_MAX; i++)
                if (streq(value, names[i])) {
                        *m = i;
                        return 0;
                }
        return ctx_error(ctx, "%s=%s: expected none, tmpfs or persistent", key, ctx_short(ctx, value));
}

int config_parse_private_users(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                               int ltype _unused_) {
        static const char *const names[_PRIVATE_USERS_MAX] = {
                [PRIVATE_USERS_SELF] = "self",
                [PRIVATE_USERS_IDENTITY] = "identity",
                [PRIVATE_USERS_FULL] = "full",
        };
        enum private_users *p = data;

        if (!*value) {
                *p = unit_defaults.private_users;
                return 0;
        }
        for (enum private_users i = 0; i < _PRIVATE_USERS_MAX; i++)
                if (names[i] && streq(value, names[i])) {
                        *p = i;
                        return 0;
                }
        int r = parse_boolean(value);
        if (r < 0)
                return ctx_error(ctx, "%s=%s: expected a boolean, self, identity or full", key,
                                 ctx_short(ctx, value));
        *p = r ? PRIVATE_USERS_YES : PRIVATE_USERS_NO;
        return 0;
}

/* The options after a bind's second ':': rbind or norbind, and idmap, separated by commas. */
static int bind_options(struct bind_spec *b, const char *opts) {
        b->recursive = true;
        for (const char *p = opts; p && *p;) {
                size_t n = strcspn(p, ",");
                if (n == 5 && strneq(p, "rbind", 5))
                        b->recursive = true;
                else if (n == 7 && strneq(p, "norbind", 7))
                        b->recursive = false;
                else if (n == 5 && strneq(p, "idmap", 5))
                        b->idmap = true;
                else
                        return -EINVAL;
                p += n + (p[n] == ',');
        }
        return 0;
}

static int bind_append(struct unit *u, struct bind_spec *b) {
        struct bind_spec *a = reallocarray(u->binds, u->n_binds + 1, sizeof(*a));
        if (!a) {
                bind_spec_done(b);
                return -ENOMEM;
        }
        u->binds = a;
        u->binds[u->n_binds++] = *b;
        return 0;
}

static int bind_fail(struct word_reader *w, const char *why) {
        w->error = why;
        return -EINVAL;
}

/* A volume's name: letters, digits, '_', '.', '-', not starting with '.' or '-'. */
static bool volume_name_ok(const char *s) {
        return *s && *s != '.' && *s != '-' && strlen(s) <= 128 &&
               strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == strlen(s);
}

/* One SRC[:DEST[:OPTIONS]] entry. Returns 1 with the entry, 0 at the end, -EINVAL with w->error
 * set, -ENOMEM. */
static int bind_next(struct word_reader *w, struct bind_spec *b) {
        _cleanup_free_ char *src = NULL, *dest = NULL, *opts = NULL;

        w->p += strspn(w->p, " \t");
        int r = word_next(w, &src);
        if (r <= 0)
                return r;
        if (w->sep == ':' && (r = word_next(w, &dest)) <= 0)
                return r == 0 ? bind_fail(w, "nothing follows ':'") : r;
        if (dest && w->sep == ':') {
                w->separators = " \t";
                r = word_next(w, &opts);
                w->separators = ": \t";
                if (r < 0)
                        return r;
        }
        b->optional = src[0] == '-';
        b->volume = volume_name_ok(src + b->optional);
        if (bind_options(b, opts) < 0)
                return bind_fail(w, "the options after the second ':' are rbind or norbind, and idmap");
        if (b->volume && !dest)
                return bind_fail(w, "a volume needs a destination: NAME:/path");
        if (b->volume && b->optional)
                return bind_fail(w, "a volume is never optional: svc makes it");
        if ((!b->volume && !path_is_absolute_clean(src + b->optional)) ||
            (dest && !path_is_absolute_clean(dest)))
                return bind_fail(w,
                                 "both paths must be absolute, without '..', or the source a volume's name "
                                 "(letters, digits, '_', '.', '-')");
        b->source = strdup(src + b->optional);
        b->dest = strdup(dest ? dest : src + b->optional);
        if (!b->source || !b->dest) {
                bind_spec_done(b);
                return -ENOMEM;
        }
        return 1;
}

int config_parse_binds(struct parse_ctx *ctx, const char *key, const char *value, void *data _unused_,
                       int ltype) {
        struct unit *u = ctx->u;
        _cleanup_free_ char *v = NULL;

        int r = expand(ctx, key, value, &v);
        if (r < 0)
                return r;
        if (!v) {
                /* As in systemd, an empty BindPaths= or BindReadOnlyPaths= drops both kinds. */
                bind_specs_free(u->binds, u->n_binds);
                u->binds = NULL;
                u->n_binds = 0;
                return 0;
        }
        struct word_reader w = { .p = v, .separators = ": \t", .flags = WORD_UNQUOTE | WORD_KEEP_SEPARATORS };
        for (;;) {
                struct bind_spec b = { .read_only = ltype };
                r = bind_next(&w, &b);
                if (r == -EINVAL)
                        return ctx_error(ctx, "%s=%s: %s (expected SRC[:DEST[:rbind|norbind][,idmap]])", key,
                                         ctx_short(ctx, value), w.error);
                if (r <= 0)
                        return r;
                if (bind_append(u, &b) < 0)
                        return -ENOMEM;
        }
}

int config_parse_directories(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                             int ltype _unused_) {
        char ***l = data;
        _cleanup_free_ char *v = NULL;
        _cleanup_strv_free_ char **words = NULL;
        const char *why = NULL;

        int r = expand(ctx, key, value, &v);
        if (r < 0)
                return r;
        if (!v) {
                *l = strv_free(*l);
                return 0;
        }
        r = words_split(v, WORD_UNQUOTE | WORD_CUNESCAPE, &words, &why);
        if (r == -EINVAL)
                return ctx_error(ctx, "%s=%s: %s", key, ctx_short(ctx, value), why);
        if (r < 0)
                return r;
        STRV_FOREACH (w, words) {
                if (!relative_path_is_clean(*w))
                        return ctx_error(ctx, "%s=: '%s' must be a relative path without '.' or '..'", key,
                                         ctx_short(ctx, *w));
                if (!strv_contains(*l, *w) && strv_extend(l, *w) < 0)
                        return -ENOMEM;
        }
        return 0;
}

int config_parse_hostname(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                          int ltype _unused_) {
        char **s = data;
        _cleanup_free_ char *v = NULL;

        int r = expand(ctx, key, value, &v);
        if (r < 0)
                return r;
        if (v && !hostname_is_valid(v))
                return ctx_error(
                        ctx, "%s=%s: expected a host name of letters, digits, '-' and '.', at most 64 long",
                        key, ctx_short(ctx, v));
        free(*s);
        *s = TAKE_PTR(v);
        return 0;
}

static int caps_from_words(struct parse_ctx *ctx, const char *key, const char *value, uint64_t *ret) {
        _cleanup_strv_free_ char **words = NULL;
        const char *why = NULL;
        uint64_t sum = 0;

        int r = words_split(value, WORD_UNQUOTE, &words, &why);
        if (r == -EINVAL)
                return ctx_error(ctx, "%s=%s: %s", key, ctx_short(ctx, value), why);
        if (r < 0)
                return r;
        STRV_FOREACH (w, words) {
                cap_value_t c;
                /* cap_from_name() stops at a ',' and takes numbers past the last capability. */
                if (strspn(*w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_0123456789") !=
                            strlen(*w) ||
                    cap_from_name(*w, &c) < 0 || c < 0 || c > CAP_LAST_CAP)
                        return ctx_error(ctx, "%s=: '%s' is not a capability such as CAP_NET_BIND_SERVICE",
                                         key, ctx_short(ctx, *w));
                sum |= 1ULL << c;
        }
        *ret = sum;
        return 0;
}

int config_parse_caps(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                      int ltype _unused_) {
        const uint64_t all = (1ULL << (CAP_LAST_CAP + 1)) - 1;
        uint64_t *set = data, sum = 0;
        bool bounding = set == &ctx->u->capability_bounding_set;
        bool invert = value[0] == '~';

        int r = caps_from_words(ctx, key, value + invert, &sum);
        if (r < 0)
                return r;
        /* systemd: the first assignment (or one with nothing in it) sets, later ones add to
         * or, inverted, take away from the set. Inverted sets stay within the known
         * capabilities, so they never collide with UNIT_UNSET. */
        bool initialized = bounding ? *set != UNIT_UNSET : *set != 0;
        if (sum == 0 || !initialized)
                *set = invert ? all & ~sum : sum;
        else if (invert)
                *set &= ~sum;
        else
                *set |= sum;
        return 0;
}

/* "PORT" or "PORT-END" into a range. */
static int parse_port_range(char *s, uint16_t *ret_start, uint16_t *ret_end) {
        char *dash = strchr(s, '-');
        if (dash)
                *dash = '\0';
        if (parse_port(s, ret_start) < 0)
                return -EINVAL;
        *ret_end = *ret_start;
        if (dash && (parse_port(dash + 1, ret_end) < 0 || *ret_end < *ret_start))
                return -EINVAL;
        return 0;
}

/* The host address of PublishPort=: IPv4 as it is, IPv6 in brackets ("[::1]"). 0.0.0.0 and [::]
 * are every address of one family. A sentence in *why on error. */
static int parse_publish_host(const char *v, struct publish_spec *p, const char **why) {
        struct in6_addr a6;
        struct in_addr a;
        if (v[0] != '[') {
                if (strchr(v, ':')) {
                        *why = "an IPv6 host address goes in brackets, as in [::1]:8080:80";
                        return -EINVAL;
                }
                if (inet_pton(AF_INET, v, &a) != 1)
                        return -EINVAL;
                p->host_family = AF_INET;
                return a.s_addr == htonl(INADDR_ANY) || (p->host_address = strdup(v)) ? 0 : -ENOMEM;
        }
        size_t n = strlen(v);
        char buf[INET6_ADDRSTRLEN];
        *why = "expected an IPv6 host address in brackets, such as [::1] or [2001:db8::1]";
        if (n < 3 || v[n - 1] != ']' || n - 2 >= sizeof(buf))
                return -EINVAL;
        memcpy(buf, v + 1, n - 2);
        buf[n - 2] = '\0';
        if (inet_pton(AF_INET6, buf, &a6) != 1)
                return -EINVAL;
        if (IN6_IS_ADDR_V4MAPPED(&a6) || IN6_IS_ADDR_LINKLOCAL(&a6) || IN6_IS_ADDR_MULTICAST(&a6)) {
                *why = "publish on an IPv4 address without brackets, or on a global, unique local or "
                       "loopback IPv6 address (a link-local one needs an interface)";
                return -EINVAL;
        }
        p->host_family = AF_INET6;
        if (IN6_IS_ADDR_UNSPECIFIED(&a6))
                return 0;
        p->host_address = strdup(inet_ntop(AF_INET6, &a6, buf, sizeof(buf)));
        return p->host_address ? 0 : -ENOMEM;
}

/* [HOSTADDR:]HOSTPORT[-END]:PORT[-END][/tcp|/udp]; V is modified. A sentence in *why on error. */
static int parse_publish_value(char *v, struct publish_spec *p, const char **why) {
        *why = "expected [HOSTADDR:]HOSTPORT[-END]:PORT[-END][/tcp|/udp]";
        p->protocol = IPPROTO_TCP;
        p->host_family = AF_UNSPEC;
        char *slash = strchr(v, '/');
        if (slash) {
                *slash = '\0';
                if (streq(slash + 1, "udp"))
                        p->protocol = IPPROTO_UDP;
                else if (!streq(slash + 1, "tcp"))
                        return -EINVAL;
        }
        char *inner = strrchr(v, ':');
        if (!inner)
                return -EINVAL;
        *inner++ = '\0';
        char *host_port = strrchr(v, ':');
        if (host_port) {
                *host_port++ = '\0';
                int r = parse_publish_host(v, p, why);
                if (r < 0)
                        return r;
                *why = "expected [HOSTADDR:]HOSTPORT[-END]:PORT[-END][/tcp|/udp]";
        } else
                host_port = v;
        if (parse_port_range(host_port, &p->host_port, &p->host_port_end) < 0 ||
            parse_port_range(inner, &p->port, &p->port_end) < 0)
                return -EINVAL;
        if (p->host_port_end - p->host_port != p->port_end - p->port) {
                *why = "the host's range and the service's range must have the same length";
                return -EINVAL;
        }
        return 0;
}

int config_parse_publish(struct parse_ctx *ctx, const char *key, const char *value, void *data _unused_,
                         int ltype _unused_) {
        struct unit *u = ctx->u;
        _cleanup_free_ char *v = NULL, *scratch = NULL;

        if (!ctx->network_loc.file)
                ctx->network_loc = (struct unit_location){ ctx->file, ctx->line };
        int r = expand(ctx, key, value, &v);
        if (r < 0)
                return r;
        if (!v) {
                publish_specs_free(u->publish, u->n_publish);
                u->publish = NULL;
                u->n_publish = 0;
                return 0;
        }
        if (!(scratch = strdup(v)))
                return -ENOMEM;
        struct publish_spec p = { 0 };
        const char *why;
        r = parse_publish_value(scratch, &p, &why);
        if (r == -EINVAL) {
                free(p.host_address);
                return ctx_error(ctx, "%s=%s: %s", key, ctx_short(ctx, value), why);
        }
        struct publish_spec *a = r < 0 ? NULL : reallocarray(u->publish, u->n_publish + 1, sizeof(*a));
        if (!a) {
                free(p.host_address);
                return -ENOMEM;
        }
        u->publish = a;
        p.text = TAKE_PTR(v);
        u->publish[u->n_publish++] = p;
        return 0;
}

int config_parse_outbound(struct parse_ctx *ctx, const char *key, const char *value, void *data, int ltype) {
        if (!ctx->network_loc.file)
                ctx->network_loc = (struct unit_location){ ctx->file, ctx->line };
        return config_parse_bool(ctx, key, value, data, ltype);
}
