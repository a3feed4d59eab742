/* SPDX-License-Identifier: MIT */
/* Parsers of the table for [Unit], [Install] and the execution keys of [Service]. Each one
 * validates fully, says what it expected when a value is bad, and treats an empty value as a
 * reset: lists become empty, scalars go back to their default. */

#include <signal.h>

#include "common/util.h"
#include "units/unit-internal.h"

/* The default of the field at DATA, which lies inside ctx->u. */
static const void *default_of(struct parse_ctx *ctx, const void *data) {
        return (const uint8_t *) &unit_defaults + ((const uint8_t *) data - (const uint8_t *) ctx->u);
}

int config_parse_string(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                        int ltype _unused_) {
        char **s = data;
        char *v = NULL;

        if (*value) {
                int r = ctx_specifiers(ctx, key, value, &v);
                if (r < 0)
                        return r;
        }
        free(*s);
        *s = v;
        return 0;
}

/* Splits VALUE after resolving specifiers; a syntax error is reported for KEY. */
static int split_value(struct parse_ctx *ctx, const char *key, const char *value, char ***ret) {
        _cleanup_free_ char *v = NULL;
        const char *why = NULL;

        int r = ctx_specifiers(ctx, key, value, &v);
        if (r < 0)
                return r;
        r = words_split(v, WORD_UNQUOTE | WORD_CUNESCAPE, ret, &why);
        if (r == -EINVAL)
                return ctx_error(ctx, "%s=%s: %s", key, ctx_short(ctx, value), why);
        return r;
}

int config_parse_strv(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                      int ltype _unused_) {
        char ***l = data;
        _cleanup_strv_free_ char **words = NULL;

        if (!*value) {
                *l = strv_free(*l);
                return 0;
        }
        int r = split_value(ctx, key, value, &words);
        if (r < 0)
                return r;
        STRV_FOREACH (w, words)
                if (!strv_contains(*l, *w) && strv_extend(l, *w) < 0)
                        return -ENOMEM;
        return 0;
}

static struct unit_location **dep_locations(struct unit *u, int ltype) {
        return ltype == DEP_AFTER ? &u->after_loc : ltype == DEP_BEFORE ? &u->before_loc : NULL;
}

static int dep_add(struct parse_ctx *ctx, char ***l, int ltype, const char *name) {
        struct unit_location **loc = dep_locations(ctx->u, ltype);
        size_t n = strv_length(*l);

        if (strv_contains(*l, name))
                return 0;
        if (loc) {
                struct unit_location *a = reallocarray(*loc, n + 1, sizeof(**loc));
                if (!a)
                        return -ENOMEM;
                *loc = a;
                a[n] = (struct unit_location){ ctx->file, ctx->line };
        }
        return strv_extend(l, name);
}

int config_parse_deps(struct parse_ctx *ctx, const char *key, const char *value, void *data, int ltype) {
        char ***l = data;
        _cleanup_strv_free_ char **words = NULL;

        if (!*value) {
                struct unit_location **loc = dep_locations(ctx->u, ltype);
                if (loc)
                        *loc = mfree(*loc);
                *l = strv_free(*l);
                return 0;
        }
        int r = split_value(ctx, key, value, &words);
        if (r < 0)
                return r;
        /* "db", "db.service" and "db.unit" are the same; "network.target" stays a name that
         * simply never exists. */
        STRV_FOREACH (w, words) {
                unit_name_strip_suffix(*w);
                /* systemd's "OnFailure=notify@%n.service" names instance "blog.service" of notify@;
                 * svc's unit is "blog", and so is the instance. */
                if (strchr(*w, '@'))
                        unit_name_strip_suffix(*w);
                if (!unit_name_is_valid(*w))
                        return ctx_error(ctx,
                                         "%s=: '%s' is not a unit name (a plain file name of letters, digits "
                                         "and _.:@-)",
                                         key, ctx_short(ctx, *w));
        }
        STRV_FOREACH (w, words)
                if (dep_add(ctx, l, ltype, *w) < 0)
                        return -ENOMEM;
        return 0;
}

int config_parse_bool(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                      int ltype _unused_) {
        bool *b = data;

        if (!*value) {
                *b = *(const bool *) default_of(ctx, data);
                return 0;
        }
        int r = parse_boolean(value);
        if (r < 0)
                return ctx_error(ctx, "%s=%s: expected a boolean (yes, no, true, false, on, off, 1, 0)", key,
                                 ctx_short(ctx, value));
        *b = r;
        return 0;
}

int config_parse_timespan(struct parse_ctx *ctx, const char *key, const char *value, void *data, int ltype) {
        uint64_t *t = data, usec;

        if (!*value) {
                *t = *(const uint64_t *) default_of(ctx, data);
                return 0;
        }
        if (parse_timespan(value, &usec) < 0)
                return ctx_error(ctx, "%s=%s: expected a time span such as 90, 1min 30s, 500ms or infinity",
                                 key, ctx_short(ctx, value));
        *t = usec == 0 && ltype == TIMESPAN_ZERO_IS_INFINITY ? USEC_INFINITY : usec;
        return 0;
}

int config_parse_unsigned(struct parse_ctx *ctx, const char *key, const char *value, void *data, int ltype) {
        unsigned *u = data, v;

        if (!*value) {
                *u = *(const unsigned *) default_of(ctx, data);
                return 0;
        }
        if (parse_unsigned(value, &v) < 0 || v < (unsigned) ltype)
                return ctx_error(ctx, "%s=%s: expected a whole number of at least %d", key,
                                 ctx_short(ctx, value), ltype);
        *u = v;
        return 0;
}

int config_parse_size(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                      int ltype _unused_) {
        uint64_t *s = data, v;

        if (!*value) {
                *s = *(const uint64_t *) default_of(ctx, data);
                return 0;
        }
        if (parse_size(value, &v) < 0 || v == 0)
                return ctx_error(ctx, "%s=%s: expected a size such as 512K, 256M or 1G", key,
                                 ctx_short(ctx, value));
        *s = v;
        return 0;
}

int config_parse_type(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                      int ltype _unused_) {
        static const struct {
                const char *name;
                enum service_type type;
        } types[] = {
                { "simple", SERVICE_SIMPLE },   { "exec", SERVICE_SIMPLE },
                { "notify", SERVICE_NOTIFY },   { "notify-reload", SERVICE_NOTIFY_RELOAD },
                { "oneshot", SERVICE_ONESHOT }, { "forking", SERVICE_FORKING },
                { "idle", SERVICE_SIMPLE },
        };
        enum service_type *t = data;

        ctx->type_loc = (struct unit_location){ ctx->file, ctx->line };
        if (!*value) {
                *t = unit_defaults.type;
                return 0;
        }
        /* Readiness of Type=dbus is a name appearing on the system bus. svc gives services no
         * bus, so that name can never appear, and no other service could wait for it or call it:
         * the only readiness left to observe is the exec, Type=simple's. */
        if (streq(value, "dbus")) {
                *t = SERVICE_SIMPLE;
                return ctx_warning(ctx, "Type=dbus is run as Type=simple: svc gives services no system bus, "
                                        "so no bus name can appear and no other service can wait for one; "
                                        "the service counts as started once its program runs, and a daemon "
                                        "that needs the bus must be configured to run without one");
        }
        for (size_t i = 0; i < ELEMENTSOF(types); i++)
                if (streq(value, types[i].name)) {
                        *t = types[i].type;
                        if (streq(value, "idle"))
                                return ctx_warning(ctx, "Type=idle is run as Type=simple: svc does not delay "
                                                        "services for the console");
                        return 0;
                }
        return ctx_error(ctx, "%s=%s: expected simple, exec, notify, notify-reload, oneshot or forking", key,
                         ctx_short(ctx, value));
}

/* StandardInput= (systemd.exec(5)): null and socket are what svc gives; a terminal, data, a file
 * or a named descriptor it does not, and ignoring them would change what the service reads. */
int config_parse_std_input(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                           int ltype _unused_) {
        enum std_input *in = data;

        ctx->std_input_loc = (struct unit_location){ ctx->file, ctx->line };
        ctx->u->std_input_set = *value != '\0';
        if (!*value || streq(value, "null"))
                *in = STD_INPUT_NULL;
        else if (streq(value, "socket"))
                *in = STD_INPUT_SOCKET;
        else if (streq(value, "tty") || streq(value, "tty-force") || streq(value, "tty-fail"))
                return ctx_error(ctx, "%s=%s is not supported: svc gives services no terminal", key, value);
        else if (streq(value, "data"))
                return ctx_error(ctx,
                                 "%s=data is not supported: svc has no StandardInputText= or "
                                 "StandardInputData= yet, so the service would not read its data",
                                 key);
        else if (strneq(value, "file:", 5) || strneq(value, "fd:", 3))
                return ctx_error(ctx,
                                 "%s=%s is not supported: svc gives stdin as /dev/null or as the "
                                 "connection of Accept=yes only",
                                 key, ctx_short(ctx, value));
        else
                return ctx_error(ctx,
                                 "%s=%s: expected null, socket, tty, tty-force, tty-fail, data, file:PATH "
                                 "or fd:NAME",
                                 key, ctx_short(ctx, value));
        return 0;
}

/* AppArmorProfile=: svc loads no AppArmor profile. systemd itself runs a '-' profile's service
 * without it where AppArmor is off or the profile is not loaded, so the unit says it may run so. */
int config_parse_apparmor_profile(struct parse_ctx *ctx, const char *key, const char *value,
                                  void *data _unused_, int ltype _unused_) {
        if (!*value)
                return 0;
        if (value[0] == '-')
                return ctx_warning(ctx,
                                   "%s=%s is ignored: svc applies no AppArmor profile, and the '-' lets the "
                                   "service run without it, as systemd runs it where AppArmor is off or the "
                                   "profile is not loaded",
                                   key, ctx_short(ctx, value));
        return ctx_error(
                ctx,
                "%s=%s is not supported: svc applies no AppArmor profile, so ignoring it would weaken "
                "isolation (with a '-' before the name the service may run without it)",
                key, ctx_short(ctx, value));
}

int config_parse_restart(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                         int ltype _unused_) {
        enum restart_policy *p = data;

        ctx->restart_loc = (struct unit_location){ ctx->file, ctx->line };
        if (!*value) {
                *p = unit_defaults.restart;
                return 0;
        }
        for (enum restart_policy i = 0; i < _RESTART_MAX; i++)
                if (streq(value, restart_policy_to_string(i))) {
                        *p = i;
                        return 0;
                }
        return ctx_error(
                ctx,
                "%s=%s: expected no, on-success, on-failure, on-abnormal, on-watchdog, on-abort or always",
                key, ctx_short(ctx, value));
}

int config_parse_kill_mode(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                           int ltype _unused_) {
        enum kill_mode *k = data;

        if (!*value) {
                *k = unit_defaults.kill_mode;
                return 0;
        }
        for (enum kill_mode i = 0; i < _KILL_MODE_MAX; i++)
                if (streq(value, kill_mode_to_string(i))) {
                        *k = i;
                        return 0;
                }
        return ctx_error(ctx, "%s=%s: expected control-group, mixed, process or none", key,
                         ctx_short(ctx, value));
}

/* One word of SuccessExitStatus= and friends: an exit status 0..255 or a signal name. */
static int exit_status_add(struct exit_status_set *set, const char *w) {
        unsigned n;
        int sig;

        if (parse_unsigned(w, &n) >= 0) {
                if (n > 255)
                        return -ERANGE;
                set->status[n / 64] |= 1ULL << (n % 64);
                return 0;
        }
        if (!strneq(w, "SIG", 3) || parse_signal(w, &sig) < 0 || sig > 64)
                return -EINVAL;
        set->signals |= 1ULL << (sig - 1);
        return 0;
}

int config_parse_exit_status(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                             int ltype _unused_) {
        struct exit_status_set *set = data, add = { 0 };
        _cleanup_strv_free_ char **words = NULL;

        if (!*value) {
                *set = (struct exit_status_set){ 0 };
                return 0;
        }
        int r = split_value(ctx, key, value, &words);
        if (r < 0)
                return r;
        STRV_FOREACH (w, words)
                if (exit_status_add(&add, *w) < 0)
                        return ctx_error(ctx,
                                         "%s=: '%s' is neither an exit status from 0 to 255 nor a signal "
                                         "name such as SIGTERM",
                                         key, ctx_short(ctx, *w));
        for (size_t i = 0; i < ELEMENTSOF(add.status); i++)
                set->status[i] |= add.status[i];
        set->signals |= add.signals;
        return 0;
}

/* TimeoutSec= sets TimeoutStartSec= and TimeoutStopSec= at once, as in systemd. */
int config_parse_timeout_sec(struct parse_ctx *ctx, const char *key, const char *value, void *data _unused_,
                             int ltype _unused_) {
        struct unit *u = ctx->u;

        if (!*value) {
                u->timeout_start_usec = unit_defaults.timeout_start_usec;
                u->timeout_stop_usec = unit_defaults.timeout_stop_usec;
                return 0;
        }
        int r = config_parse_timespan(ctx, key, value, &u->timeout_start_usec, TIMESPAN_ZERO_IS_INFINITY);
        if (r >= 0)
                u->timeout_stop_usec = u->timeout_start_usec;
        return r;
}

int config_parse_umask(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                       int ltype _unused_) {
        unsigned *m = data, v = 0;
        size_t n = strlen(value);

        if (!*value) {
                *m = unit_defaults.umask;
                return 0;
        }
        if (n > 4 || strspn(value, "01234567") != n)
                return ctx_error(ctx, "%s=%s: expected an octal mode from 0000 to 0777, such as 0027", key,
                                 ctx_short(ctx, value));
        for (size_t i = 0; i < n; i++)
                v = v * 8 + (unsigned) (value[i] - '0');
        if (v > 0777)
                return ctx_error(ctx, "%s=%s: expected an octal mode from 0000 to 0777, such as 0027", key,
                                 ctx_short(ctx, value));
        *m = v;
        return 0;
}

/* PermissionsStartOnly=no is what svc always does; yes cannot be honoured without running
 * commands as root outside User=, which svc never does: a warning that says what happens. */
int config_parse_permissions_start_only(struct parse_ctx *ctx, const char *key, const char *value,
                                        void *data _unused_, int ltype _unused_) {
        int r = *value ? parse_boolean(value) : 0;
        if (r < 0)
                return ctx_error(ctx, "%s=%s: expected a boolean (yes, no, true, false, on, off, 1, 0)", key,
                                 ctx_short(ctx, value));
        if (r == 0)
                return 0;
        return ctx_warning(
                ctx,
                "%s=yes is deprecated and not honoured: svc runs ExecStartPre=, ExecStartPost=, "
                "ExecReload=, ExecStop= and ExecStopPost= with the unit's User=, Group= and sandbox "
                "too, so a command there that needs root fails (RuntimeDirectory= and "
                "StateDirectory= make directories owned by User=)",
                key);
}

int config_parse_pid_file(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                          int ltype _unused_) {
        char **s = data;
        _cleanup_free_ char *v = NULL;

        if (!*value) {
                *s = mfree(*s);
                return 0;
        }
        int r = ctx_specifiers(ctx, key, value, &v);
        if (r < 0)
                return r;
        if (v[0] != '/') {
                /* systemd: a relative PIDFile= is relative to /run. */
                char *a = path_join("/run", v);
                if (!a)
                        return -ENOMEM;
                free(v);
                v = a;
        }
        if (!path_is_absolute_clean(v))
                return ctx_error(ctx, "%s=%s: expected an absolute path without '..'", key,
                                 ctx_short(ctx, value));
        free(*s);
        *s = TAKE_PTR(v);
        return 0;
}

/* KillSignal= and ReloadSignal= (LTYPE: the default an empty value restores, 0 for SIGTERM). */
int config_parse_kill_signal(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                             int ltype) {
        int *sig = data;

        if (!*value) {
                *sig = ltype ? ltype : unit_defaults.kill_signal;
                return 0;
        }
        if (parse_signal(value, sig) < 0)
                return ctx_error(ctx, "%s=%s: expected a signal such as SIGTERM, TERM or 15", key,
                                 ctx_short(ctx, value));
        return 0;
}

int config_parse_user(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                      int ltype _unused_) {
        char **s = data;
        _cleanup_free_ char *v = NULL;

        if (!*value) {
                *s = mfree(*s);
                return 0;
        }
        int r = ctx_specifiers(ctx, key, value, &v);
        if (r < 0)
                return r;
        if (!user_name_is_valid(v))
                return ctx_error(ctx, "%s=%s: expected a user or group name or a numeric id", key,
                                 ctx_short(ctx, v));
        free(*s);
        *s = TAKE_PTR(v);
        return 0;
}

int config_parse_groups(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                        int ltype _unused_) {
        char ***l = data;
        _cleanup_strv_free_ char **words = NULL;

        if (!*value) {
                *l = strv_free(*l);
                return 0;
        }
        int r = split_value(ctx, key, value, &words);
        if (r < 0)
                return r;
        STRV_FOREACH (w, words)
                if (!user_name_is_valid(*w))
                        return ctx_error(ctx, "%s=: '%s' is not a group name or numeric id", key,
                                         ctx_short(ctx, *w));
        STRV_FOREACH (w, words)
                if (!strv_contains(*l, *w) && strv_extend(l, *w) < 0)
                        return -ENOMEM;
        return 0;
}

int config_parse_working_directory(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                                   int ltype _unused_) {
        char **s = data;
        _cleanup_free_ char *v = NULL;

        if (!*value) {
                *s = mfree(*s);
                ctx->u->working_directory_optional = false;
                return 0;
        }
        int r = ctx_specifiers(ctx, key, value, &v);
        if (r < 0)
                return r;
        bool optional = v[0] == '-';
        const char *path = v + optional;
        if (streq(path, "~"))
                return ctx_error(ctx, "%s=~ is not supported: write the home directory as an absolute path",
                                 key);
        if (!path_is_absolute_clean(path))
                return ctx_error(ctx, "%s=%s: expected an absolute path without '..'", key,
                                 ctx_short(ctx, value));
        char *p = strdup(path);
        if (!p)
                return -ENOMEM;
        free(*s);
        *s = p;
        ctx->u->working_directory_optional = optional;
        return 0;
}

int config_parse_int(struct parse_ctx *ctx, const char *key, const char *value, void *data, int ltype) {
        int *i = data, min = ltype == INT_NICE ? -20 : -1000, max = ltype == INT_NICE ? 19 : 1000;
        bool *set = ltype == INT_NICE ? &ctx->u->nice_set : &ctx->u->oom_score_adjust_set;

        if (!*value) {
                *set = false;
                *i = 0;
                return 0;
        }
        if (parse_int_range(value, min, max, i) < 0)
                return ctx_error(ctx, "%s=%s: expected a whole number from %d to %d", key,
                                 ctx_short(ctx, value), min, max);
        *set = true;
        return 0;
}

/* IMPLIED keys: svc's sandbox always does what the accepted values ask for. A value asking for
 * less cannot be honoured yet, and silently giving more isolation than asked could break the
 * service in ways its author would not look for, so it is refused with a sentence; unless
 * RELAXED says why the sandbox's way is harmless there, as a warning. */
static const struct implied_spec {
        const char *sandbox; /* what the sandbox does, for the message */
        const char *expected; /* the values that fit, for the message */
        const char *accepted[8]; /* NULL-terminated when shorter */
        const char *relaxing[6];
        const char *relaxed; /* non-NULL: a relaxing value is a warning with this sentence */
} implied_specs[_IMPLIED_MAX] = {
        [IMPLIED_BOOL] = { "yes",
                           "a boolean such as yes",
                           { "1", "yes", "y", "true", "t", "on" },
                           { "0", "no", "n", "false", "f", "off" } },
        [IMPLIED_PROTECT_SYSTEM] = { "strict",
                                     "yes, full or strict",
                                     { "1", "yes", "y", "true", "t", "on", "full", "strict" },
                                     { "0", "no", "n", "false", "f", "off" } },
        [IMPLIED_PROTECT_HOME] = { "yes",
                                   "yes, read-only or tmpfs",
                                   { "1", "yes", "true", "on", "read-only", "tmpfs" },
                                   { "0", "no", "n", "false", "f", "off" } },
        [IMPLIED_KEYRING_MODE] = { "private", "private", { "private" }, { "inherit", "shared" } },
        /* A packaged unit says PrivateTmp=false (mariadb) so that admins find its files in the
         * host's /tmp; nothing but the service itself ever reads them. */
        [IMPLIED_PRIVATE_TMP] = { "yes",
                                  "a boolean such as yes",
                                  { "1", "yes", "y", "true", "t", "on", "disconnected" },
                                  { "0", "no", "n", "false", "f", "off" },
                                  "svc gives every service a /tmp and /var/tmp of its own, shared with "
                                  "no other service nor with the host" },
        /* munin-node and lldpd say =no for the host's devices and tunables; they load, told
         * what they still get, and what they would do there fails where it is tried. */
        [IMPLIED_PRIVATE_DEVICES] = { "yes",
                                      "a boolean such as yes",
                                      { "1", "yes", "y", "true", "t", "on" },
                                      { "0", "no", "n", "false", "f", "off" },
                                      "svc gives every service a /dev of its own holding only null, zero, "
                                      "full, random, urandom and tty: no device of the host" },
        [IMPLIED_PROTECT_KERNEL_TUNABLES] = { "yes",
                                              "a boolean such as yes",
                                              { "1", "yes", "y", "true", "t", "on" },
                                              { "0", "no", "n", "false", "f", "off" },
                                              "svc keeps /sys and /proc/sys read-only for every service: it "
                                              "reads the kernel's tunables and cannot change them" },
};

static bool in_list(const char *const *list, size_t n, const char *v) {
        for (size_t i = 0; i < n && list[i]; i++)
                if (strcasecmp(list[i], v) == 0)
                        return true;
        return false;
}

int config_parse_implied(struct parse_ctx *ctx, const char *key, const char *value, void *data _unused_,
                         int ltype) {
        const struct implied_spec *s = &implied_specs[ltype];

        if (!*value || in_list(s->accepted, ELEMENTSOF(s->accepted), value))
                return 0;
        if (in_list(s->relaxing, ELEMENTSOF(s->relaxing), value) && s->relaxed)
                return ctx_warning(ctx, "%s=%s: %s", key, value, s->relaxed);
        if (in_list(s->relaxing, ELEMENTSOF(s->relaxing), value))
                return ctx_error(ctx,
                                 "%s=%s asks for less isolation than svc's sandbox, which always acts as "
                                 "%s=%s; svc cannot relax that yet",
                                 key, value, key, s->sandbox);
        return ctx_error(ctx, "%s=%s: expected %s", key, ctx_short(ctx, value), s->expected);
}
