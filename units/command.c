/* SPDX-License-Identifier: MIT */
/* ExecStart= and friends: systemd's word splitting and prefixes at load time, $VAR expansion at
 * spawn time. */

#include <assert.h>

#include "common/paths.h"
#include "common/util.h"
#include "units/unit-internal.h"

static bool at_word_end(char c) {
        return c == '\0' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The next word of a command line: 1, 0 at the end, -EINVAL (reported), -ENOMEM. A lone ';'
 * separates commands in systemd; svc runs one command per line, so it is refused, while "\;" as
 * a word is a literal ';' (for find -exec) as in systemd. */
static int exec_word(struct parse_ctx *ctx, const char *key, const char *value, struct word_reader *w,
                     char **ret) {
        w->p += strspn(w->p, " \t\n\r");
        if (w->p[0] == ';' && at_word_end(w->p[1]))
                return ctx_error(
                        ctx,
                        "%s=%s: a lone ';' would start a second command; svc runs one command per line, so "
                        "write several %s= lines (Type=oneshot) or a script, or \\; for a literal ';'",
                        key, ctx_short(ctx, value), key);
        if (w->p[0] == '\\' && w->p[1] == ';' && at_word_end(w->p[2])) {
                w->p += 2;
                *ret = strdup(";");
                return *ret ? 1 : -ENOMEM;
        }
        int r = word_next(w, ret);
        if (r == -EINVAL)
                return ctx_error(ctx, "%s=%s: %s", key, ctx_short(ctx, value), w->error);
        return r;
}

/* An absolute path that names a file, or a bare name: systemd looks a name up in its fixed
 * search path, never $PATH; svc does it in the service's tree when the command starts. */
static bool exec_program_is_valid(const char *f) {
        if (f[0] == '/')
                return f[strlen(f) - 1] != '/';
        return !strchr(f, '/') && !streq(f, ".") && !streq(f, "..");
}

/* Strips the prefixes of the first word into CMD; returns the program, or NULL after an error
 * was reported (in *ret_r). */
static const char *exec_prefixes(struct parse_ctx *ctx, const char *key, const char *first,
                                 bool *separate_argv0, struct exec_command *cmd, int *ret_r) {
        const char *f = first;
        bool bangs = false;

        for (*ret_r = 0;; f++) {
                if (*f == '-' && !cmd->ignore_failure)
                        cmd->ignore_failure = true;
                else if (*f == '@' && !*separate_argv0)
                        *separate_argv0 = true;
                else if (*f == ':' && !cmd->no_env_expand)
                        cmd->no_env_expand = true;
                else if (*f == '+' && !bangs) {
                        /* systemd's "full privileges" would be the host's: svc's most is '!'. */
                        cmd->privileged = cmd->default_caps = bangs = true;
                        *ret_r = ctx_warning(
                                ctx,
                                "%s=: the '+' prefix runs the command as root of the service's "
                                "sandbox with svc's capabilities for root, CapabilityBoundingSet= "
                                "aside as in systemd: svc runs every command inside the sandbox, "
                                "never with the host's privileges",
                                key);
                } else if (f[0] == '!' && f[1] == '!' && !bangs)
                        f++, bangs = true; /* no effect where ambient capabilities exist */
                else if (*f == '!' && !bangs)
                        cmd->privileged = bangs = true;
                else if (*f == '|')
                        *ret_r = ctx_error(
                                ctx, "%s=: the '|' prefix is not supported: write /bin/sh -c '...'", key);
                else
                        break;
                if (*ret_r < 0)
                        return NULL;
        }
        if (*f == '\0')
                *ret_r = ctx_error(ctx, "%s=%s: no program after the prefixes", key, ctx_short(ctx, first));
        else if (!exec_program_is_valid(f))
                *ret_r = ctx_error(ctx,
                                   "%s=: '%s' is not an absolute path to a program, nor a program name "
                                   "(a name without '/' is looked up in " SVC_PROGRAM_DIRS_TEXT
                                   " of the service's own tree, as systemd does)",
                                   key, ctx_short(ctx, f));
        return *ret_r < 0 ? NULL : f;
}

static int exec_list_append(struct exec_list *l, struct exec_command *cmd) {
        struct exec_command *a = reallocarray(l->items, l->n + 1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        l->items = a;
        l->items[l->n++] = *cmd;
        return 0;
}

static int exec_parse_words(struct parse_ctx *ctx, const char *key, const char *value, const char *v,
                            struct exec_command *cmd) {
        struct word_reader w = { .p = v, .flags = WORD_UNQUOTE | WORD_CUNESCAPE | WORD_CUNESCAPE_RELAX };
        _cleanup_free_ char *first = NULL;
        bool separate_argv0 = false;
        int r;

        r = exec_word(ctx, key, value, &w, &first);
        if (r <= 0)
                return r;
        assert(first);
        const char *path = exec_prefixes(ctx, key, first, &separate_argv0, cmd, &r);
        if (!path)
                return r;
        cmd->path = strdup(path);
        cmd->argv = calloc(1, sizeof(char *));
        if (!cmd->path || !cmd->argv || (!separate_argv0 && strv_extend(&cmd->argv, path) < 0))
                return -ENOMEM;
        for (;;) {
                char *word = NULL;
                r = exec_word(ctx, key, value, &w, &word);
                if (r <= 0)
                        break;
                if (strv_push(&cmd->argv, word) < 0)
                        return -ENOMEM;
        }
        if (r == 0 && !cmd->argv[0])
                return ctx_error(ctx, "%s=%s: the '@' prefix needs a word for argv[0] after the program", key,
                                 ctx_short(ctx, value));
        if (r == 0 && w.relaxed)
                r = ctx_warning(
                        ctx,
                        "%s=%s: unknown escape sequence, kept as written (as systemd does); write \\\\ "
                        "for a backslash",
                        key, ctx_short(ctx, value));
        return r;
}

static void exec_command_done(struct exec_command *c) {
        free(c->path);
        strv_free(c->argv);
        free(c->file);
}

int config_parse_exec(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                      int ltype _unused_) {
        struct exec_list *l = data;
        _cleanup_free_ char *v = NULL;

        if (!*value) {
                exec_list_clear(l);
                return 0;
        }
        int r = ctx_specifiers(ctx, key, value, &v);
        if (r < 0)
                return r;
        struct exec_command cmd = { .line = ctx->line, .file = strdup(ctx->file) };
        r = cmd.file ? exec_parse_words(ctx, key, value, v, &cmd) : -ENOMEM;
        if (r == 0 && !cmd.path)
                r = ctx_error(ctx, "%s= has no command; an empty %s= resets the list", key, key);
        if (r >= 0)
                r = exec_list_append(l, &cmd);
        if (r < 0)
                exec_command_done(&cmd);
        return r;
}

void exec_list_clear(struct exec_list *l) {
        for (size_t i = 0; i < l->n; i++)
                exec_command_done(&l->items[i]);
        l->items = mfree(l->items);
        l->n = 0;
}

/* ---- $VAR expansion at spawn time ------------------------------------------------------------ */

static const char *env_lookup(char *const *env, const char *name, size_t n) {
        for (size_t i = strv_length(env); i > 0; i--)
                if (strneq(env[i - 1], name, n) && env[i - 1][n] == '=')
                        return env[i - 1] + n + 1;
        return NULL;
}

/* "${NAME}" anywhere is replaced in place, "$$" is a '$', anything else stays as written. */
static char *expand_in_place(const char *word, char *const *env) {
        char *s = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&s, &n);

        if (!f)
                return NULL;
        for (const char *p = word; *p; p++) {
                const char *close = p[0] == '$' && p[1] == '{' ? strchr(p + 2, '}') : NULL;
                if (close && env_name_is_valid(p + 2, (size_t) (close - p - 2))) {
                        const char *v = env_lookup(env, p + 2, (size_t) (close - p - 2));
                        fputs(v ? v : "", f);
                        p = close;
                } else {
                        fputc(*p, f);
                        p += p[0] == '$' && p[1] == '$';
                }
        }
        if (fclose(f) != 0)
                return mfree(s);
        return s;
}

/* "$NAME" as a whole word becomes the words of its value (none when unset or empty). */
static int expand_split(const char *value, char ***argv) {
        _cleanup_strv_free_ char **words = NULL;

        if (words_split(value, WORD_UNQUOTE, &words, NULL) == -ENOMEM)
                return -ENOMEM;
        if (!words) {
                /* Unbalanced quotes: split at whitespace only, keeping every character. */
                for (const char *p = value + strspn(value, " \t\n"); *p; p += strspn(p, " \t\n")) {
                        size_t k = strcspn(p, " \t\n");
                        char *w = strndup(p, k);
                        if (!w || strv_push(&words, w) < 0)
                                return -ENOMEM;
                        p += k;
                }
        }
        STRV_FOREACH (w, words)
                if (strv_extend(argv, *w) < 0)
                        return -ENOMEM;
        return 0;
}

int unit_exec_expand(const struct exec_command *cmd, char *const *env, char ***ret_argv) {
        _cleanup_strv_free_ char **argv = calloc(1, sizeof(char *));

        if (!argv)
                return -ENOMEM;
        for (char **a = cmd->argv; a && *a; a++) {
                const char *w = *a;
                int r;
                if (cmd->no_env_expand)
                        r = strv_extend(&argv, w);
                else if (w[0] == '$' && env_name_is_valid(w + 1, strlen(w + 1))) {
                        const char *v = env_lookup(env, w + 1, strlen(w + 1));
                        r = v ? expand_split(v, &argv) : 0;
                } else {
                        char *e = expand_in_place(w, env);
                        r = e ? strv_push(&argv, e) : -ENOMEM;
                }
                if (r < 0)
                        return r;
        }
        *ret_argv = TAKE_PTR(argv);
        return 0;
}
