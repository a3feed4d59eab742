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
#include "supervisor/tree.h"
#include "units/unit.h"

static struct json_object *get(struct json_object *o, const char *key, enum json_type type) {
        struct json_object *v = NULL;
        if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
                return NULL;
        return v;
}

/* One word of a value: as it is when nothing in it is special, else in double quotes with C
 * escapes; '%' doubled (specifiers), and in commands '$' doubled (no variable expansion: the
 * image's exec form has none). */
static void put_word(FILE *f, const char *w, bool command) {
        bool plain = w[0] != '\0';
        for (const unsigned char *c = (const unsigned char *) w; *c; c++)
                plain &= *c >= 0x80 || isalnum(*c) || strchr("/._-+=:,@^~", *c);
        if (plain) {
                fputs(w, f);
                return;
        }
        fputc('"', f);
        for (const unsigned char *c = (const unsigned char *) w; *c; c++)
                if (*c == '"' || *c == '\\')
                        fprintf(f, "\\%c", *c);
                else if (*c == '%' || (*c == '$' && command))
                        fprintf(f, "%c%c", *c, *c);
                else if (*c < 0x20 || *c == 0x7f)
                        fprintf(f, "\\x%02x", *c);
                else
                        fputc(*c, f);
        fputc('"', f);
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
        put_word(f, program, true);
        for (size_t i = 1; argv[i]; i++) {
                fputc(' ', f);
                put_word(f, argv[i], true);
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
                        fprintf(f, "# The image sets an environment variable svc cannot: %s\n", e ? e : "");
                        continue;
                }
                fputs("Environment=", f);
                put_word(f, e, false);
                fputc('\n', f);
        }
}

static void put_user(FILE *f, const char *user) {
        if (isempty(user))
                return;
        const char *colon = strchr(user, ':');
        fprintf(f, "User=%.*s\n", colon ? (int) (colon - user) : (int) strlen(user), user);
        if (colon && colon[1])
                fprintf(f, "Group=%s\n", colon + 1);
}

static void put_workdir(FILE *f, int tree_fd, const char *dir) {
        if (isempty(dir) || dir[0] != '/')
                return;
        int fd = sandbox_open_in_tree(tree_fd, dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        /* Docker makes a missing one; the tree is read-only, so a missing one is allowed. */
        fprintf(f, "WorkingDirectory=%s", fd < 0 ? "-" : "");
        put_word(f, dir, false);
        fputc('\n', f);
        safe_close(fd);
}

static void put_keys_as_comments(FILE *f, struct json_object *o, const char *what, const char *advice) {
        if (!o || json_object_object_length(o) == 0)
                return;
        fprintf(f, "# The image %s", what);
        json_object_object_foreach(o, key, value) {
                (void) value;
                fprintf(f, " %s", key);
        }
        fprintf(f, ".\n%s", advice);
}

static void put_unit(FILE *f, const char *tree, int tree_fd, struct json_object *c, char **argv,
                     const char *program, const char *image) {
        const char *stop = json_object_get_string(get(c, "StopSignal", json_type_string));
        fprintf(f,
                "# Written by svc tree import from %s: a start, check it.\n[Unit]\nDescription=%s (image "
                "%s)\n\n"
                "[Service]\nRootDirectory=%s\n",
                tree, tree, image, tree);
        put_exec(f, argv, program);
        put_env(f, get(c, "Env", json_type_array));
        put_workdir(f, tree_fd, json_object_get_string(get(c, "WorkingDir", json_type_string)));
        put_user(f, json_object_get_string(get(c, "User", json_type_string)));
        if (stop && strspn(stop, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-") == strlen(stop))
                fprintf(f, "KillSignal=%s\n", stop);
        fputs("# A writable layer in memory, as a container has; drop it if the service writes nothing.\n"
              "Overlay=tmpfs\n",
              f);
        put_keys_as_comments(f, get(c, "ExposedPorts", json_type_object), "listens on",
                             "# The service has its own network namespace with only lo. Until ports can be\n"
                             "# published (PublishPort=), share the host's network to reach it:\n"
                             "#PrivateNetwork=no\n");
        put_keys_as_comments(f, get(c, "Volumes", json_type_object), "keeps data in",
                             "# The tree is read-only: keep that data with StateDirectory= or BindPaths=.\n");
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
        (void) unit_load_file(path, &u, &d);
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
        if (!program) {
                tree_error("the image's command %s is not in tree %s: no unit was written", argv[0], tree);
                return -ENOENT;
        }
        FILE *f = open_memstream(&text, &size);
        if (!f)
                return -ENOMEM;
        put_unit(f, tree, tree_fd, config, argv, program, image);
        if (fclose(f) != 0)
                return -ENOMEM;
        int r = mkdir_p(ctx->units_dir, 0755);
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
