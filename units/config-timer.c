/* SPDX-License-Identifier: MIT */
/* [Timer] (systemd.timer(5)): when a timer elapses, and which service it starts. */

#include "common/util.h"
#include "units/unit-internal.h"

const char *timer_base_to_string(enum timer_base b) {
        static const char *const names[_TIMER_BASE_MAX] = {
                [TIMER_ACTIVE] = "OnActiveSec",
                [TIMER_BOOT] = "OnBootSec",
                [TIMER_STARTUP] = "OnStartupSec",
                [TIMER_UNIT_ACTIVE] = "OnUnitActiveSec",
                [TIMER_UNIT_INACTIVE] = "OnUnitInactiveSec",
        };
        return b >= 0 && b < _TIMER_BASE_MAX ? names[b] : NULL;
}

/* The triggers alone: what an empty On*= assignment resets, as in systemd. */
static void timer_triggers_clear(struct timer_spec *t) {
        t->monotonic = mfree(t->monotonic);
        t->n_monotonic = 0;
        for (size_t i = 0; i < t->n_calendar; i++)
                calendar_spec_free(t->calendar[i]);
        t->calendar = mfree(t->calendar);
        t->n_calendar = 0;
}

void timer_spec_clear(struct timer_spec *t) {
        timer_triggers_clear(t);
        t->unit = mfree(t->unit);
}

int config_parse_timer_calendar(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                                int ltype _unused_) {
        struct timer_spec *t = data;
        _cleanup_free_ char *v = NULL;
        _cleanup_(calendar_spec_freep) struct calendar_spec *c = NULL;

        if (!*value) {
                timer_triggers_clear(t);
                return 0;
        }
        int r = ctx_specifiers(ctx, key, value, &v);
        if (r < 0)
                return r;
        r = calendar_spec_parse(v, &c);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return ctx_error(
                        ctx,
                        "%s=%s is not a calendar event systemd accepts: write DOW YYYY-MM-DD HH:MM:SS "
                        "[ZONE] or a word such as daily (systemd.time(7), \"Calendar Events\"; "
                        "systemd-analyze calendar checks one)",
                        key, ctx_short(ctx, v));
        struct calendar_spec **n = realloc(t->calendar, sizeof(*n) * (t->n_calendar + 1));
        if (!n)
                return -ENOMEM;
        t->calendar = n;
        t->calendar[t->n_calendar++] = TAKE_PTR(c);
        return 0;
}

int config_parse_timer_monotonic(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                                 int ltype) {
        struct timer_spec *t = data;
        uint64_t usec;

        if (!*value) {
                timer_triggers_clear(t);
                return 0;
        }
        if (parse_timespan(value, &usec) < 0)
                return ctx_error(ctx, "%s=%s: expected a time span such as 15min, 1h 30min or 1w", key,
                                 ctx_short(ctx, value));
        struct timer_monotonic *n = realloc(t->monotonic, sizeof(*n) * (t->n_monotonic + 1));
        if (!n)
                return -ENOMEM;
        t->monotonic = n;
        t->monotonic[t->n_monotonic++] = (struct timer_monotonic){ (enum timer_base) ltype, usec };
        return 0;
}

const char *unit_other_type(const char *name) {
        static const char *const types[] = { ".timer",     ".socket", ".target", ".path",  ".mount",
                                             ".automount", ".swap",   ".slice",  ".scope", ".device" };
        size_t n = strlen(name);
        for (size_t i = 0; i < ELEMENTSOF(types); i++) {
                size_t k = strlen(types[i]);
                if (n > k && streq(name + n - k, types[i]))
                        return types[i] + 1;
        }
        return NULL;
}

int config_parse_timer_unit(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                            int ltype _unused_) {
        char **unit = data;
        _cleanup_free_ char *v = NULL;

        if (!*value) {
                *unit = mfree(*unit);
                return 0;
        }
        int r = ctx_specifiers(ctx, key, value, &v);
        if (r < 0)
                return r;
        const char *type = unit_other_type(v);
        if (type)
                return ctx_error(ctx, "%s=%s is a %s unit: svc's timers start services", key,
                                 ctx_short(ctx, v), type);
        unit_name_strip_suffix(v);
        if (!unit_name_is_valid(v))
                return ctx_error(ctx, "%s=%s is not a unit name", key, ctx_short(ctx, v));
        free(*unit);
        *unit = TAKE_PTR(v);
        return 0;
}

int verify_timer(struct parse_ctx *ctx) {
        struct unit *u = ctx->u;
        struct timer_spec *t = &u->timer;

        if (t->n_monotonic == 0 && t->n_calendar == 0)
                return diag_add(ctx->diag, false, u->path, 0,
                                "a timer needs OnCalendar=, OnActiveSec=, OnBootSec=, OnStartupSec=, "
                                "OnUnitActiveSec= or OnUnitInactiveSec= in [Timer] to ever elapse");
        if (t->accuracy_usec == 0)
                t->accuracy_usec = 1; /* as systemd: 0 is 1 µs */
        if (!t->unit) {
                /* The service of the same name: "certbot.timer" starts "certbot". */
                t->unit = strndup(u->name, strlen(u->name) - strlen(UNIT_TIMER_SUFFIX));
                if (!t->unit)
                        return -ENOMEM;
        }
        return 0;
}
