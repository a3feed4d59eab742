/* SPDX-License-Identifier: MIT */
/* svc tree list, rm and check: what trees there are and who uses them. */
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <sys/stat.h>

#include "common/macro.h"
#include "common/util.h"
#include "sandbox/sandbox.h"
#include "supervisor/cli/client.h"
#include "supervisor/tree/tree.h"

static void json_putp(struct json_object **o) {
        json_object_put(*o);
}

static int cmp_strings(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The names in the trees directory, sorted; the generations' own directories (".NAME") are not
 * trees. */
int tree_names(const struct tree_ctx *ctx, char ***ret) {
        int fd = openat(ctx->trees_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d) {
                safe_close(fd);
                return -errno;
        }
        _cleanup_strv_free_ char **l = NULL;
        int r = 0;
        for (struct dirent *de; r >= 0 && (de = readdir(d));)
                if (de->d_name[0] != '.')
                        r = strv_extend(&l, de->d_name);
        closedir(d);
        if (r < 0)
                return r;
        if (l)
                qsort(l, strv_length(l), sizeof(char *), cmp_strings);
        *ret = TAKE_PTR(l);
        return 0;
}

struct row {
        const char *name;
        unsigned gen; /* 0: a plain directory */
        unsigned *gens;
        size_t n_gens;
        struct json_object *m; /* the manifest */
        char *origin; /* "debian bullseye", "import blog.tar", "slim", "-" */
        uint64_t size;
        struct tree_user *users;
        size_t n_users;
};

static void row_done(struct row *r) {
        free(r->gens);
        json_object_put(r->m);
        free(r->origin);
        free(r->users);
}

static const char *mget(struct json_object *m, const char *key) {
        struct json_object *v = NULL;
        return m && json_object_object_get_ex(m, key, &v) ? json_object_get_string(v) : NULL;
}

static char *describe_origin(struct json_object *m) {
        const char *origin = mget(m, "origin"), *suite = mget(m, "suite"), *source = mget(m, "source");
        const char *base = source && strrchr(source, '/') ? strrchr(source, '/') + 1 : source;
        char *s = NULL;
        if (origin && streq(origin, "debian") && suite)
                return asprintf(&s, "debian %s", suite) < 0 ? NULL : s;
        if (origin && streq(origin, "import") && base)
                return asprintf(&s, "import %s", base) < 0 ? NULL : s;
        if (origin && streq(origin, "migrate") && base)
                return asprintf(&s, "migrated from %s, %s", base, mget(m, "os") ?: "?") < 0 ? NULL : s;
        return strdup(origin ? origin : "-");
}

static int row_load(const struct tree_ctx *ctx, const struct tree_world *w, const char *name,
                    struct row *row) {
        *row = (struct row){ .name = name };
        int r = tree_current(ctx, name, &row->gen);
        if (r < 0 && r != -EMEDIUMTYPE)
                return r;
        char dir[TREE_NAME_MAX + 2];
        snprintf(dir, sizeof(dir), ".%s", name);
        _cleanup_close_ int dir_fd =
                r < 0 ? -EBADF : openat(ctx->trees_fd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dir_fd >= 0) {
                (void) tree_manifest_read(dir_fd, &row->m);
                (void) tree_generations(dir_fd, &row->gens, &row->n_gens);
        }
        if (tree_disk_usage(ctx->trees_fd, r < 0 ? name : dir, &row->size) < 0)
                row->size = 0;
        row->origin = describe_origin(row->m);
        if (!row->origin)
                return -ENOMEM;
        return tree_users(w, name, &row->users, &row->n_users);
}

static char *units_text(const struct row *row, bool *stale) {
        _cleanup_strv_free_ char **l = NULL;
        for (size_t i = 0; i < row->n_users; i++) {
                const struct tree_user *u = &row->users[i];
                char *s = NULL;
                bool old = u->running && row->gen > 0 && u->gen != row->gen;
                *stale |= old;
                if (old ? asprintf(&s, "%s (running on generation %u)", u->unit, u->gen) < 0
                        : !(s = strdup(u->unit)))
                        return NULL;
                if (strv_push(&l, s) < 0)
                        return NULL;
        }
        return l ? strv_join(l, ", ") : strdup("-");
}

static void print_row(const struct row *row, bool *stale) {
        char size[32], gen[16] = "-", upgraded[32] = "never";
        const char *up = mget(row->m, "last_upgrade");
        _cleanup_free_ char *units = units_text(row, stale);
        if (row->gen > 0)
                snprintf(gen, sizeof(gen), "%u", row->gen);
        if (!row->m || !streq(mget(row->m, "origin") ?: "", "debian"))
                snprintf(upgraded, sizeof(upgraded), "-");
        else if (up)
                snprintf(upgraded, sizeof(upgraded), "%.10s %.5s", up, strlen(up) > 11 ? up + 11 : "");
        printf("%-16s %-24s %-4s %-17s %-8s %s\n", row->name, row->origin, gen, upgraded,
               format_bytes(size, sizeof(size), row->size), units ? units : "?");
}

static struct json_object *json_user(const struct row *row, const struct tree_user *u) {
        struct json_object *o = json_object_new_object();
        if (!o)
                return NULL;
        (void) json_object_object_add(o, "name", json_object_new_string(u->unit));
        (void) json_object_object_add(o, "unit_file", json_object_new_boolean(u->in_file));
        (void) json_object_object_add(o, "running", json_object_new_boolean(u->running));
        (void) json_object_object_add(o, "generation",
                                      u->running && u->gen > 0 ? json_object_new_int64(u->gen) : NULL);
        (void) json_object_object_add(o, "current",
                                      json_object_new_boolean(u->running && u->gen == row->gen));
        return o;
}

static struct json_object *json_row(const struct row *row) {
        struct json_object *o = json_object_new_object(), *gens = json_object_new_array(),
                           *users = json_object_new_array();
        if (!o || !gens || !users) {
                json_object_put(o);
                json_object_put(gens);
                json_object_put(users);
                return NULL;
        }
        static const char *const keys[] = { "origin", "suite", "variant", "source",
                                            "format", "image", "created", "last_upgrade" };
        (void) json_object_object_add(o, "name", json_object_new_string(row->name));
        (void) json_object_object_add(o, "description", json_object_new_string(row->origin));
        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                (void) json_object_object_add(
                        o, keys[i],
                        mget(row->m, keys[i]) ? json_object_new_string(mget(row->m, keys[i])) : NULL);
        (void) json_object_object_add(o, "generation", row->gen > 0 ? json_object_new_int64(row->gen) : NULL);
        for (size_t i = 0; i < row->n_gens; i++)
                (void) json_object_array_add(gens, json_object_new_int64(row->gens[i]));
        (void) json_object_object_add(o, "generations", gens);
        (void) json_object_object_add(o, "size_bytes", json_object_new_int64((int64_t) row->size));
        for (size_t i = 0; i < row->n_users; i++)
                (void) json_object_array_add(users, json_user(row, &row->users[i]));
        (void) json_object_object_add(o, "units", users);
        return o;
}

int tree_cmd_list(struct tree_ctx *ctx, int argc, char **argv) {
        bool json = argc == 2 && streq(argv[1], "--json");
        if (argc > 2 || (argc == 2 && !json)) {
                tree_error("list takes only --json");
                return EXIT_USAGE;
        }
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_(json_putp) struct json_object *a = json_object_new_array();
        struct tree_world w = { 0 };
        bool stale = false;
        int r = a ? tree_names(ctx, &names) : -ENOMEM;
        if (r >= 0)
                r = tree_world_load(ctx, &w);
        if (r >= 0 && !json)
                printf("%-16s %-24s %-4s %-17s %-8s %s\n", "NAME", "ORIGIN", "GEN", "UPGRADED", "SIZE",
                       "UNITS");
        STRV_FOREACH (n, names) {
                struct row row = { 0 };
                if (r >= 0 && (r = row_load(ctx, &w, *n, &row)) >= 0) {
                        if (json)
                                r = json_object_array_add(a, json_row(&row)) < 0 ? -ENOMEM : 0;
                        else
                                print_row(&row, &stale);
                }
                row_done(&row);
        }
        if (r >= 0 && json)
                printf("%s\n", json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN |
                                                                         JSON_C_TO_STRING_NOSLASHESCAPE));
        if (r >= 0 && stale)
                printf("\nA unit running on an older generation moves to the current one when restarted.\n");
        if (r >= 0 && !w.svcd && !json && names)
                printf("\nsvcd is not running: the units shown are those whose unit files name the tree.\n");
        tree_world_done(&w);
        if (r < 0)
                tree_error("cannot list the trees in %s: %s", ctx->trees_dir, strerror(-r));
        return r < 0 ? EXIT_FAILED : EXIT_OK;
}

/* ---- rm ------------------------------------------------------------------------------------- */

static int refuse_if_used(const struct tree_ctx *ctx, const char *name) {
        struct tree_world w = { 0 };
        _cleanup_free_ struct tree_user *users = NULL;
        size_t n = 0;
        int r = tree_world_load(ctx, &w);
        if (r >= 0)
                r = tree_users(&w, name, &users, &n);
        _cleanup_strv_free_ char **l = NULL;
        for (size_t i = 0; r >= 0 && i < n; i++) {
                char *s = NULL;
                if (asprintf(&s, "%s (%s%s%s)", users[i].unit,
                             users[i].in_file ? "its unit file names it" : "",
                             users[i].in_file && users[i].running ? ", " : "",
                             users[i].running ? "running" : "") < 0)
                        r = -ENOMEM;
                else
                        r = strv_push(&l, s);
        }
        tree_world_done(&w);
        if (r < 0)
                return r;
        _cleanup_free_ char *list = l ? strv_join(l, ", ") : NULL;
        if (!l)
                return 0;
        tree_error("tree %s is in use by %s: stop those units and change their RootDirectory= first", name,
                   list ? list : "units");
        return -EBUSY;
}

int tree_cmd_rm(struct tree_ctx *ctx, int argc, char **argv) {
        if (argc != 2) {
                tree_error("rm needs one tree name: svc tree rm NAME");
                return EXIT_USAGE;
        }
        const char *name = argv[1];
        char dir[TREE_NAME_MAX + 2];
        struct stat st;
        unsigned gen;
        if (!tree_name_check(name))
                return EXIT_USAGE;
        if (fstatat(ctx->trees_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                tree_error("there is no tree %s in %s", name, ctx->trees_dir);
                return EXIT_FAILED;
        }
        if (refuse_if_used(ctx, name) < 0)
                return EXIT_FAILED;
        snprintf(dir, sizeof(dir), ".%s", name);
        _cleanup_close_ int dir_fd = -EBADF;
        bool managed = tree_current(ctx, name, &gen) >= 0;
        if (managed && tree_open_locked(ctx, name, &dir_fd, &gen) < 0)
                return EXIT_FAILED;
        /* The name first: from then on no service can start on the tree. */
        int r = managed ? (unlinkat(ctx->trees_fd, name, 0) < 0 ? -errno : 0)
                        : tree_rm_rf_at(ctx->trees_fd, name);
        if (r >= 0 && managed)
                r = tree_rm_rf_at(ctx->trees_fd, dir);
        if (r < 0) {
                tree_error("cannot remove tree %s: %s", name, strerror(-r));
                return EXIT_FAILED;
        }
        printf("Removed tree %s.\n", name);
        return EXIT_OK;
}

/* ---- check ---------------------------------------------------------------------------------- */

int tree_cmd_check(struct tree_ctx *ctx, int argc, char **argv) {
        if (argc < 3) {
                tree_error("check needs a tree and programs: svc tree check NAME PROGRAM...");
                return EXIT_USAGE;
        }
        const char *name = argv[1];
        _cleanup_free_ char *label = NULL;
        if (!tree_name_check(name) || asprintf(&label, "tree %s", name) < 0)
                return EXIT_USAGE;
        _cleanup_close_ int fd = openat(ctx->trees_fd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                tree_error("there is no tree %s in %s", name, ctx->trees_dir);
                return EXIT_FAILED;
        }
        int code = EXIT_OK;
        for (int i = 2; i < argc; i++) {
                _cleanup_free_ char *path = NULL, *why = NULL;
                if (sandbox_find_program(fd, argv[i], &path) < 0) {
                        printf("%s: not in the PATH directories of %s\n", argv[i], label);
                        code = EXIT_FAILED;
                } else if (sandbox_check_program(fd, label, path, &why) < 0) {
                        printf("%s\n", why ? why : "the library check failed");
                        code = EXIT_FAILED;
                } else
                        printf("%s: ok\n", path);
        }
        return code;
}
