/* SPDX-License-Identifier: MIT */
/* The line work. inih splits sections and Key=value; in front of it sits our own reader, which
 * applies systemd.syntax(7) where inih differs: it joins lines continued with a backslash (the
 * backslash becomes a space, comment lines inside a continuation are skipped), remembers the
 * physical line where each logical line starts (Debian's inih gives the handler no line), and
 * refuses what systemd refuses ("name: value", a header without ']', a line without '=') before
 * inih could accept or miscount it. The handler then looks the key up in the table. */

#include <ini.h>
#include <limits.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/util.h"
#include "units/unit-internal.h"

int ctx_error(struct parse_ctx *ctx, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        int r = diag_addv(ctx->diag, false, ctx->file, ctx->line, fmt, ap);
        va_end(ap);
        return r < 0 ? r : -EINVAL;
}

int ctx_warning(struct parse_ctx *ctx, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        int r = diag_addv(ctx->diag, true, ctx->file, ctx->line, fmt, ap);
        va_end(ap);
        return r;
}

const char *ctx_short(struct parse_ctx *ctx, const char *value) {
        size_t room = sizeof(ctx->shorten) - 4;
        if (strlen(value) <= room)
                return value;
        snprintf(ctx->shorten, sizeof(ctx->shorten), "%.*s...", (int) room, value);
        return ctx->shorten;
}

/* The first line of FILE (a host file such as /etc/machine-id) into BUF, without its newline and,
 * when DASHES is false, without '-'; NULL when it cannot be read. */
static const char *first_line(const char *file, bool dashes, char *buf, size_t n) {
        _cleanup_fclose_ FILE *f = fopen(file, "re");
        if (!f || !fgets(buf, (int) n, f))
                return NULL;
        size_t k = 0;
        for (const char *p = buf; *p && *p != '\n'; p++)
                if (dashes || *p != '-')
                        buf[k++] = *p;
        buf[k] = '\0';
        return k > 0 ? buf : NULL;
}

/* %f: "/" and the instance, or the prefix without one, path-unescaped ('-' is '/'; a lone "-" is
 * the root), as systemd.unit(5) says. Unit names hold no '\', so no "\x2d" to undo. */
static const char *path_specifier(const struct unit *u, char *buf, size_t n) {
        const char *s = u->instance ? u->instance : NULL;
        size_t k = s ? strlen(s) : strcspn(u->name, "@");
        if (!s)
                s = u->name;
        if (k == 1 && s[0] == '-')
                k = 0;
        if (k + 2 > n)
                return NULL;
        buf[0] = '/';
        for (size_t i = 0; i < k; i++)
                buf[i + 1] = s[i] == '-' ? '/' : s[i];
        buf[k + 1] = '\0';
        return buf;
}

/* The specifiers of the system that runs the manager: svcd runs as root, as systemd's system
 * manager does, so %u is root whatever User= says (systemd.unit(5)). */
static const char *system_specifier(char c, char *buf, size_t n) {
        struct utsname un;
        switch (c) {
        case 'u':
        case 'g':
                return "root";
        case 'U':
        case 'G':
                return "0";
        case 'h':
                return "/root";
        case 's':
                return "/bin/sh";
        case 'H':
        case 'l':
                if (gethostname(buf, n - 1) < 0)
                        return NULL;
                buf[n - 1] = '\0';
                if (c == 'l')
                        buf[strcspn(buf, ".")] = '\0';
                return buf;
        case 'm':
                return first_line("/etc/machine-id", false, buf, n);
        case 'b':
                return first_line("/proc/sys/kernel/random/boot_id", false, buf, n);
        case 'v':
                if (uname(&un) < 0)
                        return NULL;
                snprintf(buf, n, "%s", un.release);
                return buf;
        default:
                return NULL;
        }
}

/* The value of specifier C, or NULL when there is none. */
static const char *specifier(const struct unit *u, char c, char *prefix, size_t n) {
        switch (c) {
        case 'i':
        case 'I':
                /* Unit names cannot hold '\', so the escaped and unescaped instance are equal. */
                return u->instance ? u->instance : "";
        case 'N':
                if (u->kind == UNIT_KIND_SERVICE)
                        return u->name;
                snprintf(prefix, n, "%.*s", (int) (strlen(u->name) - unit_name_kind_suffix_len(u->name)),
                         u->name);
                return prefix;
        case 'p':
        case 'P':
                snprintf(prefix, n, "%.*s", (int) strcspn(u->name, "@"), u->name);
                return prefix;
        /* systemd's for the system manager; svc's sandbox shows the service these paths. */
        case 't':
                return "/run";
        case 'S':
                return "/var/lib";
        case 'C':
                return "/var/cache";
        case 'L':
                return "/var/log";
        case 'E':
                return "/etc";
        case 'T':
                return "/tmp";
        case 'V':
                return "/var/tmp";
        case 'f':
                return path_specifier(u, prefix, n);
        case '%':
                return "%";
        default:
                return system_specifier(c, prefix, n);
        }
}

/* ".service" for a unit loaded from NAME.service, else ".unit". */
static const char *file_suffix(const char *path) {
        size_t k = path ? unit_suffix_len(path) : 0;
        return k ? path + strlen(path) - k : UNIT_SUFFIX;
}

int ctx_specifiers(struct parse_ctx *ctx, const char *key, const char *value, char **ret) {
        char prefix[UNIT_NAME_MAX + 1];
        char *s = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&s, &n);

        if (!f)
                return -ENOMEM;
        for (const char *p = value; *p; p++) {
                if (*p != '%') {
                        fputc(*p, f);
                        continue;
                }
                char c = *++p;
                const char *v = specifier(ctx->u, c, prefix, sizeof(prefix));
                if (c == 'n') /* with the suffix of its file: "nginx.service"; a timer's has it */
                        fprintf(f, "%s%s", ctx->u->name,
                                ctx->u->kind != UNIT_KIND_SERVICE ? "" : file_suffix(ctx->u->path));
                else if (v)
                        fputs(v, f);
                else {
                        fclose(f);
                        free(s);
                        if (c == '\0')
                                return ctx_error(
                                        ctx, "%s= ends in a lone '%%': write %%%% for a percent sign", key);
                        if (strchr("Hlmbv", c)) /* known, but the host did not answer */
                                return ctx_error(
                                        ctx, "%s= uses %%%c, which svc cannot read on this host (%s)", key, c,
                                        c == 'm' ? "/etc/machine-id" : "its name, boot ID or kernel");
                        return ctx_error(ctx,
                                         "%s= uses the unknown specifier %%%c: svc knows %%i, %%I, %%n, %%N, "
                                         "%%p, %%P, %%f, %%t, %%S, %%C, %%L, %%E, %%T, %%V, %%u, %%U, %%g, "
                                         "%%G, %%h, %%s, %%H, %%l, %%m, %%b, %%v and %%%%",
                                         key, c);
                }
        }
        if (fclose(f) != 0) {
                free(s);
                return -ENOMEM;
        }
        *ret = s;
        return 0;
}

/* ---- the reader ------------------------------------------------------------------------------ */

static int buf_append(struct parse_ctx *ctx, const char *s, size_t n) {
        if (ctx->buf_len + n + 2 > ctx->buf_cap) {
                size_t cap = MAX(ctx->buf_cap * 2, ctx->buf_len + n + 2);
                char *b = realloc(ctx->buf, cap);
                if (!b)
                        return -ENOMEM;
                ctx->buf = b;
                ctx->buf_cap = cap;
        }
        memcpy(ctx->buf + ctx->buf_len, s, n);
        ctx->buf_len += n;
        ctx->buf[ctx->buf_len] = '\0';
        return 0;
}

static bool next_physical(struct parse_ctx *ctx, const char **ret, size_t *ret_len) {
        if (ctx->p >= ctx->end)
                return false;
        const char *s = ctx->p, *nl = memchr(s, '\n', (size_t) (ctx->end - s));
        size_t n = nl ? (size_t) (nl - s) : (size_t) (ctx->end - s);
        ctx->p = nl ? nl + 1 : ctx->end;
        ctx->next_line++;
        if (n > 0 && s[n - 1] == '\r')
                n--;
        *ret = s;
        *ret_len = n;
        return true;
}

static bool is_comment(const char *s, size_t n) {
        size_t i = 0;
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
                i++;
        return i < n && (s[i] == '#' || s[i] == ';');
}

/* systemd: a line continues when it ends in an odd number of backslashes. */
static bool ends_in_escape(const char *s, size_t n) {
        size_t k = 0;
        while (k < n && s[n - 1 - k] == '\\')
                k++;
        return k % 2 == 1;
}

/* Joins the next logical line into ctx->buf. 1, 0 at the end, -ENOMEM. */
static int read_logical(struct parse_ctx *ctx) {
        bool continued = false;
        const char *s;
        size_t n;

        ctx->buf_len = ctx->buf_off = 0;
        while (next_physical(ctx, &s, &n)) {
                if (continued && is_comment(s, n))
                        continue;
                if (!continued)
                        ctx->line = ctx->next_line - 1;
                if (buf_append(ctx, s, n) < 0)
                        return -ENOMEM;
                if (is_comment(ctx->buf, ctx->buf_len) || !ends_in_escape(s, n))
                        return 1;
                ctx->buf[ctx->buf_len - 1] = ' ';
                continued = true;
        }
        return continued ? 1 : 0;
}

/* [Timer] is a timer's alone, [Socket] a socket's, [Service] a service's. */
static bool section_kind_mismatch(const struct parse_ctx *ctx) {
        static const char *const own[_UNIT_KIND_MAX] = {
                [UNIT_KIND_SERVICE] = "Service",
                [UNIT_KIND_TIMER] = "Timer",
                [UNIT_KIND_SOCKET] = "Socket",
        };
        for (size_t k = 0; k < _UNIT_KIND_MAX; k++)
                if (streq(ctx->section, own[k]))
                        return k != ctx->u->kind;
        return false;
}

static int report_kind_mismatch(struct parse_ctx *ctx) {
        if (ctx->u->kind == UNIT_KIND_TIMER)
                return ctx_error(
                        ctx,
                        "[%s] does not belong in a timer: a timer starts the service its Unit= names, "
                        "which has a file of its own",
                        ctx->section);
        if (ctx->u->kind == UNIT_KIND_SOCKET)
                return ctx_error(ctx,
                                 "[%s] does not belong in a socket: a socket starts the service its Service= "
                                 "names, which has a file of its own",
                                 ctx->section);
        if (streq(ctx->section, "Socket"))
                return ctx_error(ctx,
                                 "[Socket] belongs in a socket file of its own, NAME.socket, which starts "
                                 "this service on its first connection");
        return ctx_error(ctx,
                         "[Timer] belongs in a timer file of its own, NAME.timer, which starts this service "
                         "with Unit=%s",
                         ctx->u->name);
}

static int check_section(struct parse_ctx *ctx, const char *s, size_t n) {
        bool valid = n >= 2 && s[n - 1] == ']';

        /* Even a broken header ends the previous section: its keys are skipped, not misfiled. */
        free(ctx->section);
        ctx->section = valid ? strndup(s + 1, n - 2) : strndup(s, n);
        if (!ctx->section)
                return -ENOMEM;
        if (!valid) {
                ctx->section_ok = false;
                return ctx_error(ctx, "invalid section header '%s': it must be [Name] alone on its line",
                                 ctx_short(ctx, ctx->section));
        }
        ctx->section_ok = ctx->sections ? strv_contains((char *const *) ctx->sections, ctx->section)
                                        : unit_section_is_known(ctx->section);
        if (ctx->section_ok && ctx->u && section_kind_mismatch(ctx)) {
                ctx->section_ok = false;
                return report_kind_mismatch(ctx);
        }
        if (ctx->section_ok) {
                if (streq(ctx->section, "Service") && !ctx->service_loc.file)
                        ctx->service_loc = (struct unit_location){ ctx->file, ctx->line };
                return 0;
        }
        if (strneq(ctx->section, "X-", 2))
                return 0; /* vendor extension: ignored, as systemd does */
        if (ctx->sections)
                return ctx_error(ctx, "unknown section [%s]: this file has [%s]",
                                 ctx_short(ctx, ctx->section), ctx->sections[0]);
        const char *hint = unit_section_hint(ctx->section);
        if (hint)
                return ctx_error(ctx, "[%s] is not a section svc knows: %s", ctx->section, hint);
        return ctx_error(ctx, "unknown section [%s]: svc knows [Unit], [Service] and [Install]",
                         ctx_short(ctx, ctx->section));
}

static int check_assignment(struct parse_ctx *ctx, const char *s) {
        const char *eq = strchr(s, '='), *colon = strchr(s, ':');

        if (colon && (!eq || colon < eq))
                return ctx_error(ctx, "'%s' is not systemd syntax: write %.*s=value", ctx_short(ctx, s),
                                 (int) MIN(colon - s, 64), s);
        if (!eq)
                return ctx_error(ctx, "expected Key=value, found '%s'", ctx_short(ctx, s));
        if (strspn(s, " \t") == (size_t) (eq - s))
                return ctx_error(ctx, "an assignment without a key before '='");
        if (!ctx->section)
                return ctx_error(ctx, "%.*s= comes before any section header such as [Service]",
                                 (int) MIN(eq - s, 64), s);
        return ctx->section_ok ? 1 : 0;
}

/* Decides what inih gets for the logical line in ctx->buf: 1 the line, 0 a blank line (the line
 * was refused or belongs to a section already refused), -ENOMEM. */
static int check_line(struct parse_ctx *ctx) {
        const char *s = ctx->buf + strspn(ctx->buf, " \t");
        size_t n = strlen(s);

        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
                n--;
        if (n == 0 || *s == '#' || *s == ';')
                return 1;
        if (*s == '[') {
                int r = check_section(ctx, s, n);
                return r == -ENOMEM ? r : r == 0;
        }
        int r = check_assignment(ctx, s);
        return r == -EINVAL ? 0 : r;
}

static int next_line_for_inih(struct parse_ctx *ctx) {
        int r = read_logical(ctx);
        if (r <= 0)
                return r;
        r = check_line(ctx);
        if (r < 0)
                return r;
        if (r == 0)
                ctx->buf_len = 0;
        return buf_append(ctx, "\n", 1) < 0 ? -ENOMEM : 1;
}

static char *reader_cb(char *str, int num, void *stream) {
        struct parse_ctx *ctx = stream;

        if (num < 2 || ctx->oom)
                return NULL;
        if (ctx->buf_off >= ctx->buf_len) {
                int r = next_line_for_inih(ctx);
                if (r < 0)
                        ctx->oom = true;
                if (r <= 0)
                        return NULL;
        }
        size_t n = MIN((size_t) num - 1, ctx->buf_len - ctx->buf_off);
        memcpy(str, ctx->buf + ctx->buf_off, n);
        str[n] = '\0';
        ctx->buf_off += n;
        return str;
}

/* ---- the handler ----------------------------------------------------------------------------- */

static int report_unknown_key(struct parse_ctx *ctx, const char *key) {
        const struct unit_key *other = unit_key_lookup_any(key);
        if (other)
                return ctx_error(ctx, "%s= belongs in [%s], not in [%s]", key, other->info.section,
                                 ctx->section);
        const char *near = unit_key_suggest(key);
        if (near)
                return ctx_error(ctx, "unknown key %s= in [%s]; did you mean %s=?", ctx_short(ctx, key),
                                 ctx->section, near);
        return ctx_error(ctx, "unknown key %s= in [%s]", ctx_short(ctx, key), ctx->section);
}

static int report_unsupported(struct parse_ctx *ctx, const struct unit_key *k, const char *key) {
        if (!k->why)
                return ctx_error(
                        ctx, "%s= cannot be applied here, and ignoring it would change how the service runs",
                        key);
        if (k->ltype == UNSUPPORTED_WARNING)
                return ctx_warning(ctx, "%s= is ignored: %s", key, k->why);
        return ctx_error(ctx, "%s= is not supported: %s", key, k->why);
}

/* Notes K as set in the unit, once: the record svc check prints. */
static int note_key_used(struct unit *u, const struct unit_key *k) {
        for (size_t i = 0; i < u->n_keys_used; i++)
                if (u->keys_used[i] == &k->info)
                        return 0;
        const struct unit_key_info **a = reallocarray(u->keys_used, u->n_keys_used + 1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        u->keys_used = a;
        u->keys_used[u->n_keys_used++] = &k->info;
        return 0;
}

static int handle_assignment(struct parse_ctx *ctx, const char *key, const char *value) {
        if (strneq(key, "X-", 2))
                return 0; /* vendor extension: ignored, as systemd does */
        if (ctx->assign)
                return ctx->assign(ctx, key, value);
        const struct unit_key *k = unit_key_lookup(ctx->section, key);
        if (!k)
                return report_unknown_key(ctx, key);
        /* An unsupported key with a parser decides by its value (AppArmorProfile=-...). */
        if (k->info.class == UNIT_KEY_UNSUPPORTED && !k->parse)
                return report_unsupported(ctx, k, key);
        const char *lacks = unit_key_host_lacks(k, ctx->host);
        if (lacks)
                return ctx_error(ctx, "%s= cannot be applied here: %s", key, lacks);
        if (!k->parse)
                return 0;
        size_t before = ctx->diag->n;
        int r = k->parse(ctx, key, value, (uint8_t *) ctx->u + k->offset, k->ltype);
        /* A key that warned is reported by its warning, not as honoured (PrivateTmp=no). */
        if (r >= 0 && *value && ctx->diag->n == before &&
            (k->info.class == UNIT_KEY_IMPLEMENTED || k->info.class == UNIT_KEY_IMPLIED))
                r = note_key_used(ctx->u, k);
        if (r < 0 || k->info.class != UNIT_KEY_NOT_APPLIED)
                return r;
        return ctx_warning(ctx, "%s= is accepted but not applied by this build yet", key);
}

static int handler_cb(void *user, const char *section _unused_, const char *name, const char *value) {
        struct parse_ctx *ctx = user;
        if (handle_assignment(ctx, name, value) == -ENOMEM) {
                ctx->oom = true;
                return 0;
        }
        return 1;
}

/* Debian's inih takes its options as globals. Set them on every parse: another user of inih in
 * the process must not change how unit files read. */
static void ini_configure(void) {
        ini_allow_inline_comments = false; /* "a ; b" inside a value is data */
        ini_allow_multiline = false; /* continuation is ours, with '\' */
        ini_use_stack = false;
        ini_allow_realloc = true;
        ini_max_line = INT_MAX; /* lines of any length */
        ini_stop_on_first_error = false;
        ini_allow_no_value = false;
}

static unsigned line_of(const char *text, const char *at) {
        unsigned line = 1;
        for (const char *s = text; s < at; s++)
                line += *s == '\n';
        return line;
}

int parse_text(struct parse_ctx *ctx, const char *file, const char *text, size_t len) {
        ctx->file = file;
        ctx->line = 0;
        const char *nul = memchr(text, '\0', len);
        if (nul) {
                ctx->line = line_of(text, nul);
                return ctx_error(ctx, "the file contains a NUL byte") == -ENOMEM ? -ENOMEM : 0;
        }
        ctx->p = text;
        ctx->end = text + len;
        if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
                ctx->p += 3;
        ctx->next_line = 1;
        ctx->section = mfree(ctx->section);
        ctx->section_ok = false;
        ctx->buf_len = ctx->buf_off = 0;

        ini_configure();
        int r = ini_parse_stream(reader_cb, ctx, handler_cb, ctx);
        ctx->section = mfree(ctx->section);
        if (ctx->oom || r == -2)
                return -ENOMEM;
        if (r != 0) {
                ctx->line = 0;
                return ctx_error(ctx, "inih could not parse logical line %d", r) == -ENOMEM ? -ENOMEM : 0;
        }
        return 0;
}
