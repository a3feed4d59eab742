/* SPDX-License-Identifier: MIT */
/* svc tree import --unit UNIT: a unit file to start from, written from the image's config
 * (Entrypoint and Cmd, Env, WorkingDir, User, StopSignal, ExposedPorts, Volumes), quoted as
 * systemd.syntax(7) wants it, so that `svc check` passes and `svc start UNIT` runs the image's
 * command in its tree. What a unit cannot say yet is written as comments. */
#include <ctype.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <sys/stat.h>

#include "common/macro.h"
#include "common/util.h"
#include "sandbox/sandbox.h"
#include "supervisor/tree/tree.h"
#include "units/unit.h"

static struct json_object *get(struct json_object *o, const char *key, enum json_type type) {
        struct json_object *v = NULL;
        if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
                return NULL;
        return v;
}

/* KEY=VALUE on a line of its own, VALUE quoted as HOW says (tree-quote.c, the only way a value
 * reaches the file). A value that cannot be written safely is refused naming the image's FIELD
 * and showing its WHOLE value (VALUE when NULL). */
static int put_value(FILE *f, const char *key, const char *prefix, const char *value, enum tree_quote how,
                     const char *field, const char *whole) {
        const char *why = NULL;
        fprintf(f, "%s=%s", key, prefix);
        if (tree_quote(f, value, how, &why) < 0) {
                _cleanup_free_ char *shown = tree_text(whole ? whole : value);
                tree_error("the image's %s \"%s\" cannot be written as %s=: %s", field, shown ? shown : "?",
                           key, why);
                return -EINVAL;
        }
        fputc('\n', f);
        return 0;
}

/* A comment line "# BEFORE TEXT AFTER", TEXT (what the image says) escaped so that it never ends
 * the line. */
static void put_comment(FILE *f, const char *before, const char *text, const char *after) {
        fprintf(f, "# %s", before);
        (void) tree_quote(f, text, TREE_QUOTE_TEXT, NULL);
        fprintf(f, "%s\n", after);
}

static int add_words(char ***argv, struct json_object *a) {
        for (size_t i = 0; a && i < json_object_array_length(a); i++) {
                const char *w = json_object_get_string(json_object_array_get_idx(a, i));
                if (w && strv_extend(argv, w) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* The program as an absolute path in the tree: a bare name is looked up in the tree's PATH
 * directories, a relative path is taken from the working directory, as Docker does. */
static char *program_path(int tree_fd, const char *name, const char *cwd) {
        char *p = NULL;
        if (name[0] == '/')
                return strdup(name);
        if (strchr(name, '/'))
                return path_join(isempty(cwd) ? "/" : cwd, name);
        if (sandbox_find_program(tree_fd, name, &p) < 0)
                return NULL;
        return p;
}

static void put_exec(FILE *f, char **argv, const char *program) {
        fputs("ExecStart=", f);
        (void) tree_quote(f, program, TREE_QUOTE_COMMAND, NULL);
        for (size_t i = 1; argv[i]; i++) {
                fputc(' ', f);
                (void) tree_quote(f, argv[i], TREE_QUOTE_COMMAND, NULL);
        }
        fputc('\n', f);
}

static void put_env(FILE *f, struct json_object *env) {
        for (size_t i = 0; env && i < json_object_array_length(env); i++) {
                const char *e = json_object_get_string(json_object_array_get_idx(env, i));
                size_t k = e ? strcspn(e, "=") : 0;
                bool ok = e && e[k] == '=' && k > 0 && !isdigit((unsigned char) e[0]) &&
                          strspn(e, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") == k;
                if (!ok) {
                        put_comment(f, "The image sets an environment variable svc cannot: ", e ? e : "", "");
                        continue;
                }
                (void) put_value(f, "Environment", "", e, TREE_QUOTE_WORD, "Env", NULL);
        }
}

static int put_user(FILE *f, const char *user) {
        if (isempty(user))
                return 0;
        _cleanup_free_ char *name = strdup(user);
        if (!name)
                return -ENOMEM;
        char *colon = strchr(name, ':');
        if (colon)
                *colon++ = '\0';
        int r = put_value(f, "User", "", name, TREE_QUOTE_LITERAL, "User", user);
        if (r >= 0 && !isempty(colon))
                r = put_value(f, "Group", "", colon, TREE_QUOTE_LITERAL, "User", user);
        return r;
}

static int put_workdir(FILE *f, int tree_fd, const char *dir) {
        if (isempty(dir) || dir[0] != '/')
                return 0;
        int fd = sandbox_open_in_tree(tree_fd, dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        safe_close(fd);
        /* Docker makes a missing one; the tree is read-only, so a missing one is allowed. */
        return put_value(f, "WorkingDirectory", fd < 0 ? "-" : "", dir, TREE_QUOTE_LITERAL, "WorkingDir",
                         NULL);
}

static void put_keys_as_comments(FILE *f, struct json_object *o, const char *what, const char *advice) {
        if (!o || json_object_object_length(o) == 0)
                return;
        fprintf(f, "# The image %s", what);
        json_object_object_foreach(o, key, value) {
                (void) value;
                fputc(' ', f);
                (void) tree_quote(f, key, TREE_QUOTE_TEXT, NULL);
        }
        fprintf(f, ".\n%s", advice);
}

static int put_head(FILE *f, const char *tree, const char *image) {
        _cleanup_free_ char *shown = tree_text(image), *description = NULL;
        if (!shown || asprintf(&description, "%s (image %s)", tree, shown) < 0)
                return -ENOMEM;
        put_comment(f, "Written by svc tree import from ", tree, ": a start, check it.");
        fputs("[Unit]\n", f);
        int r = put_value(f, "Description", "", description, TREE_QUOTE_LITERAL, "name", NULL);
        if (r < 0)
                return r;
        fputs("\n[Service]\n", f);
        return put_value(f, "RootDirectory", "", tree, TREE_QUOTE_LITERAL, "tree name", NULL);
}

static int put_unit(FILE *f, const char *tree, int tree_fd, struct json_object *c, char **argv,
                    const char *program, const char *image) {
        const char *stop = json_object_get_string(get(c, "StopSignal", json_type_string));
        int r = put_head(f, tree, image);
        if (r < 0)
                return r;
        put_exec(f, argv, program);
        put_env(f, get(c, "Env", json_type_array));
        r = put_workdir(f, tree_fd, json_object_get_string(get(c, "WorkingDir", json_type_string)));
        if (r >= 0)
                r = put_user(f, json_object_get_string(get(c, "User", json_type_string)));
        if (r < 0)
                return r;
        if (stop && strspn(stop, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-") == strlen(stop))
                (void) put_value(f, "KillSignal", "", stop, TREE_QUOTE_LITERAL, "StopSignal", NULL);
        fputs("# A writable layer in memory, as a container has; drop it if the service writes nothing.\n"
              "Overlay=tmpfs\n",
              f);
        put_keys_as_comments(f, get(c, "ExposedPorts", json_type_object), "listens on",
                             "# The service has its own network namespace with only lo. Until ports can be\n"
                             "# published (PublishPort=), share the host's network to reach it:\n"
                             "#PrivateNetwork=no\n");
        put_keys_as_comments(f, get(c, "Volumes", json_type_object), "keeps data in",
                             "# The tree is read-only: keep that data with StateDirectory= or BindPaths=.\n");
        return 0;
}

static int write_unit(const char *path, const char *text) {
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        size_t n = strlen(text);
        if (write(fd, text, n) != (ssize_t) n || fsync(fd) < 0) {
                int r = negative_errno();
                (void) unlink(path);
                return r;
        }
        return 0;
}

/* What svc check would say: the unit loads, and its program passes the library check. */
static void check_unit(const char *path, int tree_fd, const char *tree, const char *program) {
        _cleanup_(unit_freep) struct unit *u = NULL;
        _cleanup_free_ char *label = NULL, *why = NULL;
        struct unit_diag d = { 0 };
        (void) unit_load_file(path, NULL, &u, &d);
        for (size_t i = 0; i < d.n; i++) {
                _cleanup_free_ char *s = unit_diag_format(&d.items[i]);
                if (s)
                        fprintf(stderr, "%s\n", s);
        }
        unit_diag_clear(&d);
        if (asprintf(&label, "tree %s", tree) >= 0 &&
            sandbox_check_program(tree_fd, label, program, &why) < 0)
                fprintf(stderr, "%s: %s\n", path, why ? why : "the library check failed");
}

int tree_seed_unit(const struct tree_ctx *ctx, const char *unit, const char *tree, int tree_fd,
                   struct json_object *config, const char *image) {
        _cleanup_strv_free_ char **argv = NULL;
        _cleanup_free_ char *path = NULL, *program = NULL, *text = NULL;
        size_t size = 0;
        if (add_words(&argv, get(config, "Entrypoint", json_type_array)) < 0 ||
            add_words(&argv, get(config, "Cmd", json_type_array)) < 0 ||
            asprintf(&path, "%s/%s.unit", ctx->units_dir, unit) < 0)
                return -ENOMEM;
        if (!argv) {
                tree_error("the image names no command (Entrypoint, Cmd): tree %s is there, but no unit was "
                           "written",
                           tree);
                return -ENOEXEC;
        }
        program = program_path(tree_fd, argv[0],
                               json_object_get_string(get(config, "WorkingDir", json_type_string)));
        if (!program || program[0] != '/') {
                _cleanup_free_ char *shown = tree_text(argv[0]);
                tree_error("the image's command %s is not %s tree %s: no unit was written",
                           shown ? shown : "?", program ? "an absolute path in" : "in", tree);
                return -ENOENT;
        }
        FILE *f = open_memstream(&text, &size);
        if (!f)
                return -ENOMEM;
        int r = put_unit(f, tree, tree_fd, config, argv, program, image);
        if (fclose(f) != 0)
                return -ENOMEM;
        if (r < 0) {
                tree_error("tree %s is there, but no unit was written", tree);
                return r;
        }
        r = mkdir_p(ctx->units_dir, 0755);
        if (r >= 0)
                r = write_unit(path, text);
        if (r < 0) {
                tree_error("cannot write %s: %s", path,
                           r == -EEXIST ? "it exists, and stays as it is" : strerror(-r));
                return r;
        }
        check_unit(path, tree_fd, tree, program);
        printf("Wrote %s from the image's config: check it, then svc start %s.\n", path, unit);
        return 0;
}
