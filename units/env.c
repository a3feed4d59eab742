/* SPDX-License-Identifier: MIT */
/* Environment= and EnvironmentFile=: parsing at load time, the service environment at spawn
 * time. */

#include "common/util.h"
#include "units/unit-internal.h"

int strv_env_replace(char ***env, char *assignment) {
        size_t k = strcspn(assignment, "=");

        for (char **e = *env; e && *e; e++)
                if (strneq(*e, assignment, k) && (*e)[k] == '=') {
                        free(*e);
                        *e = assignment;
                        return 0;
                }
        return strv_push(env, assignment);
}

int config_parse_environment(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                             int ltype _unused_) {
        char ***env = data;
        _cleanup_free_ char *v = NULL;
        _cleanup_strv_free_ char **words = NULL;
        const char *why = NULL;

        if (!*value) {
                *env = strv_free(*env);
                return 0;
        }
        int r = ctx_specifiers(ctx, key, value, &v);
        if (r < 0)
                return r;
        r = words_split(v, WORD_UNQUOTE | WORD_CUNESCAPE, &words, &why);
        if (r == -EINVAL)
                return ctx_error(ctx, "%s=%s: %s", key, ctx_short(ctx, value), why);
        if (r < 0)
                return r;
        STRV_FOREACH (w, words) {
                const char *eq = strchr(*w, '=');
                if (!eq || !env_name_is_valid(*w, (size_t) (eq - *w)))
                        return ctx_error(ctx,
                                         "%s=: '%s' is not an assignment NAME=VALUE with NAME of letters, "
                                         "digits and '_'",
                                         key, ctx_short(ctx, *w));
        }
        STRV_FOREACH (w, words) {
                char *c = strdup(*w);
                if (!c || strv_env_replace(env, c) < 0)
                        return -ENOMEM;
        }
        return 0;
}

void env_files_free(struct env_file *f, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(f[i].path);
                free(f[i].file);
        }
        free(f);
}

int config_parse_environment_file(struct parse_ctx *ctx, const char *key, const char *value,
                                  void *data _unused_, int ltype _unused_) {
        struct unit *u = ctx->u;
        _cleanup_free_ char *v = NULL;

        if (!*value) {
                env_files_free(u->environment_files, u->n_environment_files);
                u->environment_files = NULL;
                u->n_environment_files = 0;
                return 0;
        }
        int r = ctx_specifiers(ctx, key, value, &v);
        if (r < 0)
                return r;
        bool optional = v[0] == '-';
        if (!path_is_absolute_clean(v + optional))
                return ctx_error(ctx,
                                 "%s=%s: expected an absolute path without '..', with '-' in front if it may "
                                 "be missing",
                                 key, ctx_short(ctx, value));
        struct env_file f = { .path = strdup(v + optional),
                              .optional = optional,
                              .file = strdup(ctx->file),
                              .line = ctx->line };
        struct env_file *a =
                f.path && f.file ? reallocarray(u->environment_files, u->n_environment_files + 1, sizeof(*a))
                                 : NULL;
        if (!a) {
                free(f.path);
                free(f.file);
                return -ENOMEM;
        }
        u->environment_files = a;
        u->environment_files[u->n_environment_files++] = f;
        return 0;
}

/* ---- environment files ----------------------------------------------------------------------- */

struct env_reader {
        const char *p;
        unsigned line;
        FILE *out; /* the value being built */
        size_t len, keep; /* bytes written, and bytes to keep (trailing blanks unquoted are cut) */
};

static void env_put(struct env_reader *r, char c, bool keep) {
        fputc(c, r->out);
        r->len++;
        if (keep)
                r->keep = r->len;
}

/* Inside "...": \" \\ \` \$ and a backslash-newline are escapes, as in a shell. */
static void env_double_quoted(struct env_reader *r) {
        for (; *r->p && *r->p != '"'; r->p++) {
                if (*r->p == '\\' && r->p[1] == '\n') {
                        r->p++;
                        r->line++;
                } else if (*r->p == '\\' && r->p[1] && strchr("\"\\`$", r->p[1]))
                        env_put(r, *++r->p, true);
                else {
                        r->line += *r->p == '\n';
                        env_put(r, *r->p, true);
                }
        }
        r->p += *r->p == '"';
}

static void env_value(struct env_reader *r) {
        r->p += strspn(r->p, " \t");
        while (*r->p && *r->p != '\n') {
                char c = *r->p++;
                if (c == '\\' && *r->p == '\n') {
                        r->p++;
                        r->line++;
                } else if (c == '\\' && *r->p)
                        env_put(r, *r->p++, true);
                else if (c == '"')
                        env_double_quoted(r);
                else if (c == '\'') {
                        for (; *r->p && *r->p != '\''; r->p++) {
                                r->line += *r->p == '\n';
                                env_put(r, *r->p, true);
                        }
                        r->p += *r->p == '\'';
                } else if (c != '\r')
                        env_put(r, c, c != ' ' && c != '\t');
        }
}

/* One KEY=VALUE line at r->p (blank and comment lines skipped). 1 with the assignment, 0 at
 * the end, -EINVAL for a bad line (skipped, *ret_line says where), -ENOMEM. */
static int env_next(struct env_reader *r, char **ret, unsigned *ret_line) {
        for (;;) {
                r->p += strspn(r->p, " \t\r");
                if (*r->p == '\0')
                        return 0;
                if (*r->p != '\n' && *r->p != '#' && *r->p != ';')
                        break;
                r->p += strcspn(r->p, "\n");
                r->p += *r->p == '\n';
                r->line++;
        }
        *ret_line = r->line;
        size_t k = strcspn(r->p, "=\n");
        const char *key = r->p;
        size_t n = k;
        while (n > 0 && (key[n - 1] == ' ' || key[n - 1] == '\t'))
                n--;
        if (key[k] != '=' || !env_name_is_valid(key, n)) {
                r->p += strcspn(r->p, "\n");
                return -EINVAL;
        }
        char *s = NULL;
        size_t len = 0;
        r->out = open_memstream(&s, &len);
        if (!r->out)
                return -ENOMEM;
        fprintf(r->out, "%.*s=", (int) n, key);
        r->p += k + 1;
        r->len = r->keep = n + 1;
        env_value(r);
        if (fclose(r->out) != 0) {
                free(s);
                return -ENOMEM;
        }
        s[r->keep] = '\0';
        *ret = s;
        return 1;
}

static int parse_env_text(const char *text, const char *file, char ***env, struct unit_diag *diag) {
        struct env_reader r = { .p = text, .line = 1 };

        for (;;) {
                char *a = NULL;
                unsigned line = 0;
                int k = env_next(&r, &a, &line);
                if (k == 0)
                        return 0;
                if (k == -EINVAL)
                        k = diag_add(diag, true, file, line,
                                     "expected KEY=VALUE with KEY of letters, digits and '_'; line ignored");
                else if (k > 0)
                        k = strv_env_replace(env, a);
                if (k < 0)
                        return k;
        }
}

static int read_env_file(const struct env_file *f, const char *root_dir, char ***env,
                         struct unit_diag *diag) {
        _cleanup_free_ char *path = root_dir ? path_join(root_dir, f->path) : strdup(f->path);
        _cleanup_free_ char *text = NULL;

        if (!path)
                return -ENOMEM;
        int r = read_full_file(path, &text, NULL);
        if (r == -ENOENT && f->optional)
                return 0;
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                int k = diag_add(diag, false, f->file, f->line, "EnvironmentFile=%s: cannot read %s: %s",
                                 f->path, path, strerror(-r));
                return k < 0 ? k : r;
        }
        return parse_env_text(text, path, env, diag);
}

/* STATE_DIRECTORY= and its kin (systemd.exec(5) "Environment variables in spawned processes"):
 * the directories of the key, as the service sees them, joined with ':'; none when the key is
 * unset. */
static int add_directory_env(char ***env, const char *name, const char *base, char *const *dirs) {
        if (strv_length(dirs) == 0)
                return 0;
        _cleanup_free_ char *v = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&v, &n);
        if (!f)
                return -ENOMEM;
        fprintf(f, "%s=", name);
        STRV_FOREACH (d, (char **) dirs)
                fprintf(f, "%s%s/%s", d == dirs ? "" : ":", base, *d);
        if (fclose(f) != 0)
                return -ENOMEM;
        return strv_push(env, TAKE_PTR(v));
}

static int directory_env(const struct unit *u, char ***env) {
        int r = add_directory_env(env, "RUNTIME_DIRECTORY", "/run", u->runtime_directories);
        if (r >= 0)
                r = add_directory_env(env, "STATE_DIRECTORY", "/var/lib", u->state_directories);
        if (r >= 0)
                r = add_directory_env(env, "CACHE_DIRECTORY", "/var/cache", u->cache_directories);
        if (r >= 0)
                r = add_directory_env(env, "LOGS_DIRECTORY", "/var/log", u->logs_directories);
        if (r >= 0)
                r = add_directory_env(env, "CONFIGURATION_DIRECTORY", "/etc", u->configuration_directories);
        return r;
}

int unit_build_environment(const struct unit *u, const char *root_dir, char ***ret_env,
                           struct unit_diag *diag) {
        _cleanup_strv_free_ char **env = calloc(1, sizeof(char *));

        /* The directories first: Environment= and EnvironmentFile= may set them otherwise, as in
         * systemd, where the unit's own assignments come last. */
        if (!env || directory_env(u, &env) < 0)
                return -ENOMEM;
        STRV_FOREACH (e, u->environment) {
                char *c = strdup(*e);
                if (!c || strv_env_replace(&env, c) < 0)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < u->n_environment_files; i++) {
                int r = read_env_file(&u->environment_files[i], root_dir, &env, diag);
                if (r < 0)
                        return r;
        }
        *ret_env = TAKE_PTR(env);
        return 0;
}
