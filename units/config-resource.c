/* SPDX-License-Identifier: MIT */
/* Parsers of the table for Limit*= and the cgroup resource keys of [Service]. */

#include <sys/resource.h>

#include "common/util.h"
#include "units/unit-internal.h"

enum rlimit_kind {
        RLIMIT_KIND_NUMBER,
        RLIMIT_KIND_BYTES,
        RLIMIT_KIND_SECONDS,
        RLIMIT_KIND_USEC,
        RLIMIT_KIND_NICE,
};

static enum rlimit_kind rlimit_kind(int resource) {
        switch (resource) {
        case RLIMIT_FSIZE:
        case RLIMIT_DATA:
        case RLIMIT_STACK:
        case RLIMIT_CORE:
        case RLIMIT_RSS:
        case RLIMIT_AS:
        case RLIMIT_MEMLOCK:
        case RLIMIT_MSGQUEUE:
                return RLIMIT_KIND_BYTES;
        case RLIMIT_CPU:
                return RLIMIT_KIND_SECONDS;
        case RLIMIT_RTTIME:
                return RLIMIT_KIND_USEC;
        case RLIMIT_NICE:
                return RLIMIT_KIND_NICE;
        default:
                return RLIMIT_KIND_NUMBER;
        }
}

static const char *rlimit_expected(enum rlimit_kind k) {
        switch (k) {
        case RLIMIT_KIND_BYTES:
                return "a size such as 64M, SOFT:HARD or infinity";
        case RLIMIT_KIND_SECONDS:
                return "a time such as 30 or 5min (seconds), SOFT:HARD or infinity";
        case RLIMIT_KIND_USEC:
                return "a time such as 500ms (a bare number is microseconds), SOFT:HARD or infinity";
        case RLIMIT_KIND_NICE:
                return "a nice level from -20 to 19 written with its sign, or a raw limit from 0 to 40";
        default:
                return "a whole number, SOFT:HARD or infinity";
        }
}

/* As systemd: LimitCPU= counts seconds (rounded up), LimitRTTIME= microseconds, LimitNICE= takes
 * "+N"/"-N" as a nice level (limit = 20 - nice) or a raw 0..40. */
static int rlimit_value(enum rlimit_kind k, const char *s, rlim_t *ret) {
        uint64_t v;
        int nice, r;

        if (streq(s, "infinity")) {
                *ret = RLIM_INFINITY;
                return 0;
        }
        switch (k) {
        case RLIMIT_KIND_BYTES:
                r = parse_size(s, &v);
                break;
        case RLIMIT_KIND_SECONDS:
                r = parse_timespan(s, &v);
                v = r < 0 ? 0 : v / USEC_PER_SEC + (v % USEC_PER_SEC != 0);
                break;
        case RLIMIT_KIND_USEC:
                r = parse_u64(s, &v) >= 0 ? 0 : parse_timespan(s, &v);
                break;
        case RLIMIT_KIND_NICE:
                if (*s == '+' || *s == '-') {
                        r = parse_int_range(s, -20, 19, &nice);
                        v = (uint64_t) (20 - nice);
                } else if ((r = parse_u64(s, &v)) >= 0 && v > 40)
                        r = -ERANGE;
                break;
        default:
                r = parse_u64(s, &v);
                break;
        }
        if (r < 0 || v >= RLIM_INFINITY)
                return -EINVAL;
        *ret = (rlim_t) v;
        return 0;
}

int config_parse_rlimit(struct parse_ctx *ctx, const char *key, const char *value, void *data _unused_,
                        int ltype) {
        struct rlimit **slot = &ctx->u->rlimits[ltype];
        enum rlimit_kind k = rlimit_kind(ltype);
        rlim_t soft, hard;

        if (!*value) {
                *slot = mfree(*slot);
                return 0;
        }
        _cleanup_free_ char *v = strdup(value);
        if (!v)
                return -ENOMEM;
        char *colon = strchr(v, ':');
        if (colon)
                *colon = '\0';
        if (rlimit_value(k, v, &soft) < 0 || rlimit_value(k, colon ? colon + 1 : v, &hard) < 0)
                return ctx_error(ctx, "%s=%s: expected %s", key, ctx_short(ctx, value), rlimit_expected(k));
        if (soft > hard)
                return ctx_error(ctx, "%s=%s: the soft limit is above the hard limit", key,
                                 ctx_short(ctx, value));
        if (!*slot) {
                *slot = malloc(sizeof(struct rlimit));
                if (!*slot)
                        return -ENOMEM;
        }
        **slot = (struct rlimit){ .rlim_cur = soft, .rlim_max = hard };
        return 0;
}

/* V * PERMYRIAD / 10000 without overflow. */
static uint64_t scale_permyriad(uint64_t v, uint64_t permyriad) {
        return (uint64_t) ((unsigned __int128) v * permyriad / 10000);
}

int config_parse_memory(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                        int ltype _unused_) {
        uint64_t *m = data, v;

        if (!*value) {
                *m = UNIT_UNSET;
                return 0;
        }
        if (streq(value, "infinity"))
                v = UINT64_MAX;
        else if (parse_permyriad(value, 100, &v) >= 0)
                v = scale_permyriad(physical_memory(), v);
        else if (parse_size(value, &v) < 0 || v >= UNIT_UNSET)
                return ctx_error(ctx,
                                 "%s=%s: expected a size such as 256M, a percentage of memory such as 20%%, "
                                 "or infinity",
                                 key, ctx_short(ctx, value));
        *m = v;
        return 0;
}

int config_parse_tasks_max(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                           int ltype _unused_) {
        uint64_t *t = data, v;

        if (!*value) {
                *t = UNIT_UNSET;
                return 0;
        }
        if (streq(value, "infinity"))
                v = UINT64_MAX;
        else if (parse_permyriad(value, 100, &v) >= 0 && v > 0)
                v = MAX(scale_permyriad(system_tasks_max(), v), (uint64_t) 1);
        else if (parse_u64(value, &v) < 0 || v == 0 || v >= UNIT_UNSET)
                return ctx_error(
                        ctx,
                        "%s=%s: expected a number of tasks above 0, a percentage such as 10%%, or infinity",
                        key, ctx_short(ctx, value));
        *t = v;
        return 0;
}

int config_parse_weight(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                        int ltype _unused_) {
        uint64_t *w = data, v;

        if (!*value) {
                *w = UNIT_UNSET;
                return 0;
        }
        if (parse_u64(value, &v) < 0 || v < 1 || v > 10000)
                return ctx_error(ctx, "%s=%s: expected a weight from 1 to 10000", key, ctx_short(ctx, value));
        *w = v;
        return 0;
}

int config_parse_cpu_quota(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                           int ltype _unused_) {
        uint64_t *q = data, permyriad;

        if (!*value) {
                *q = UNIT_UNSET;
                return 0;
        }
        if (parse_permyriad(value, 0, &permyriad) < 0 || permyriad == 0 || permyriad > UINT64_MAX / 100)
                return ctx_error(ctx, "%s=%s: expected a percentage above 0 such as 50%% or 200%%", key,
                                 ctx_short(ctx, value));
        /* 1% of one CPU is 10 ms of CPU time per second: one permyriad is 100 us. */
        *q = permyriad * 100;
        return 0;
}
