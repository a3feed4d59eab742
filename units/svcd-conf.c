/* SPDX-License-Identifier: MIT */
/* svcd.conf: the unit-file reader with a table of its own. */

#include <arpa/inet.h>

#include "common/util.h"
#include "units/svcd-conf.h"
#include "units/unit-internal.h"

int parse_ipv4_subnet(const char *s, uint32_t *ret_addr, unsigned *ret_prefix) {
        const char *slash = strchr(s, '/');
        char addr[INET_ADDRSTRLEN];
        struct in_addr a;
        int prefix;
        if (!slash || (size_t) (slash - s) >= sizeof(addr) ||
            parse_int_range(slash + 1, 8, 28, &prefix) < 0 || slash[1] == '+' || slash[1] == '-')
                return -EINVAL;
        memcpy(addr, s, (size_t) (slash - s));
        addr[slash - s] = '\0';
        if (inet_pton(AF_INET, addr, &a) != 1)
                return -EINVAL;
        uint32_t host = ntohl(a.s_addr);
        if (host & ~(UINT32_MAX << (32 - prefix)))
                return -EINVAL; /* host bits set: ambiguous */
        *ret_addr = host;
        *ret_prefix = (unsigned) prefix;
        return 0;
}

int parse_ipv6_subnet(const char *s, uint8_t ret_addr[static 16], unsigned *ret_prefix) {
        const char *slash = strchr(s, '/');
        char addr[INET6_ADDRSTRLEN];
        uint8_t a[16];
        int prefix;
        if (!slash || (size_t) (slash - s) >= sizeof(addr) ||
            parse_int_range(slash + 1, 0, 128, &prefix) < 0 || slash[1] == '+' || slash[1] == '-')
                return -EINVAL;
        memcpy(addr, s, (size_t) (slash - s));
        addr[slash - s] = '\0';
        if (inet_pton(AF_INET6, addr, a) != 1)
                return -EINVAL;
        for (int i = 0; i < 16; i++) {
                int bits = MIN(MAX(prefix - 8 * i, 0), 8);
                if (a[i] & (uint8_t) (0xffU >> bits))
                        return -EINVAL; /* host bits set: ambiguous */
        }
        memcpy(ret_addr, a, 16);
        *ret_prefix = (unsigned) prefix;
        return 0;
}

bool ipv6_is_ula(const uint8_t a[static 16]) {
        return a[0] == 0xfd;
}

const char *ula48_format(const uint8_t global_id[static 5], char buf[static 64]) {
        snprintf(buf, 64, "fd%02x:%02x%02x:%02x%02x::/48", global_id[0], global_id[1], global_id[2],
                 global_id[3], global_id[4]);
        return buf;
}

static int assign_subnet6(struct parse_ctx *ctx, const char *value, struct svcd_conf *c) {
        unsigned prefix;
        c->subnet6_set = false;
        if (!*value)
                return 0;
        if (parse_ipv6_subnet(value, c->subnet6, &prefix) < 0 || prefix != 64 || !ipv6_is_ula(c->subnet6))
                return ctx_error(ctx,
                                 "Subnet6=%s: expected a /64 of a unique local network (fd00::/8), such as "
                                 "fd12:3456:789a:1::/64, with its host bits zero",
                                 ctx_short(ctx, value));
        c->subnet6_set = true;
        return 0;
}

void svcd_conf_done(struct svcd_conf *c) {
        c->default_on_failure = mfree(c->default_on_failure);
        c->default_on_health_change = mfree(c->default_on_health_change);
}

char *svcd_conf_notify_unit(const char *template, const char *name) {
        size_t n = strlen(template) + 1;
        for (const char *p = template; (p = strchr(p, '%')); p++)
                n += strlen(name);
        char *r = malloc(n), *o = r;
        if (!r)
                return NULL;
        for (const char *p = template; *p; p++)
                if (p[0] == '%' && (p[1] == 'n' || p[1] == 'N')) {
                        o = stpcpy(o, name);
                        p++;
                } else
                        *o++ = *p;
        *o = '\0';
        unit_name_strip_suffix(r);
        if (strchr(r, '@'))
                unit_name_strip_suffix(r);
        return r;
}

static int assign_notify(struct parse_ctx *ctx, const char *key, const char *value, char **field) {
        *field = mfree(*field);
        if (!*value)
                return 0;
        _cleanup_free_ char *probe = svcd_conf_notify_unit(value, "x");
        if (!probe)
                return -ENOMEM;
        bool bad_percent = false;
        for (const char *p = value; (p = strchr(p, '%')); p += 2)
                bad_percent |= p[1] != 'n' && p[1] != 'N';
        if (bad_percent || !unit_name_is_valid(probe))
                return ctx_error(ctx,
                                 "%s=%s: expected a unit name, where %%n stands for the failing unit's name "
                                 "(notify-mail@%%n)",
                                 key, ctx_short(ctx, value));
        *field = strdup(value);
        return *field ? 0 : -ENOMEM;
}

static int assign_relay_idle(struct parse_ctx *ctx, const char *value, struct svcd_conf *c) {
        c->relay_idle_set = false;
        if (!*value)
                return 0;
        uint64_t usec;
        if (parse_timespan(value, &usec) < 0 || usec < USEC_PER_SEC)
                return ctx_error(ctx,
                                 "RelayIdleSec=%s: expected a time span of at least 1 s, such as 3600 or 1h",
                                 ctx_short(ctx, value));
        c->relay_idle_usec = usec;
        c->relay_idle_set = true;
        return 0;
}

static int assign(struct parse_ctx *ctx, const char *key, const char *value) {
        struct svcd_conf *c = ctx->userdata;
        if (streq(ctx->section, "Manager") && streq(key, "DefaultOnFailure"))
                return assign_notify(ctx, key, value, &c->default_on_failure);
        if (streq(ctx->section, "Manager") && streq(key, "DefaultOnHealthChange"))
                return assign_notify(ctx, key, value, &c->default_on_health_change);
        if (streq(ctx->section, "Network") && streq(key, "Subnet")) {
                if (!*value) {
                        c->subnet_set = false;
                        return 0;
                }
                if (parse_ipv4_subnet(value, &c->subnet, &c->subnet_prefix) < 0)
                        return ctx_error(
                                ctx,
                                "Subnet=%s: expected an IPv4 network such as 10.89.0.0/16, from /8 to "
                                "/28, with its host bits zero",
                                ctx_short(ctx, value));
                c->subnet_set = true;
                return 0;
        }
        if (streq(ctx->section, "Network") && streq(key, "Subnet6"))
                return assign_subnet6(ctx, value, c);
        if (streq(ctx->section, "Network") && streq(key, "RelayIdleSec"))
                return assign_relay_idle(ctx, value, c);
        return ctx_error(ctx,
                         "unknown key %s= in [%s]: svcd.conf knows Subnet=, Subnet6= and RelayIdleSec= in "
                         "[Network], "
                         "DefaultOnFailure= and DefaultOnHealthChange= in [Manager]",
                         ctx_short(ctx, key), ctx->section);
}

int svcd_conf_load(const char *path, struct svcd_conf *ret, struct unit_diag *diag) {
        static const char *const sections[] = { "Network", "Manager", NULL };
        *ret = (struct svcd_conf){ 0 };
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r = read_full_file(path, &text, &len);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        size_t mark = diag->n;
        struct parse_ctx ctx = { .diag = diag, .sections = sections, .assign = assign, .userdata = ret };
        r = parse_text(&ctx, path, text, len);
        free(ctx.buf);
        free(ctx.section);
        if (r < 0)
                return r;
        for (size_t i = mark; i < diag->n; i++)
                if (!diag->items[i].warning)
                        return -EINVAL;
        return 0;
}
