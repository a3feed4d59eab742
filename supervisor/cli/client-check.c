/* SPDX-License-Identifier: MIT */
/* svc check FILE...: the unit files parsed, their graph checked and their programs' libraries
 * resolved in their trees, without a daemon. Runs in svc-ctl, which links the unit parser. */
#include <fcntl.h>

#include "common/macro.h"
#include "common/paths.h"
#include "common/util.h"
#include "sandbox/sandbox.h"
#include "supervisor/cli/client.h"
#include "units/unit.h"

static void print_diag(const struct unit_diag *d) {
        for (size_t i = 0; i < d->n; i++) {
                _cleanup_free_ char *t = unit_diag_format(&d->items[i]);
                if (t)
                        fprintf(stderr, "%s\n", t);
        }
}

/* The library check of svc's start, without a daemon: the unit's tree (under ROOT) must exist
 * and hold every program it runs with its libraries. Prints FILE: sentence; true when it passes. */
static bool check_libraries(const char *root, const struct unit *u) {
        _cleanup_free_ char *trees = path_join(root, SVC_TREES_DIR), *tree = NULL, *label = NULL;
        if (!trees)
                return false;
        const char *rd = u->root_directory;
        tree = !rd ? strdup("/") : rd[0] == '/' ? strdup(rd) : path_join(trees, rd);
        if (!tree || asprintf(&label, rd ? "tree %s" : "the host", rd) < 0)
                return false;
        _cleanup_close_ int fd = open(tree, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                fprintf(stderr, "%s: %s does not exist (%s)\n", u->path, label, tree);
                return false;
        }
        /* Every command svcd's own check covers (executor.c check_programs), so that both agree. */
        const struct exec_list *lists[] = { &u->exec_condition,  &u->exec_start_pre, &u->exec_start,
                                            &u->exec_start_post, &u->exec_reload,    &u->exec_stop,
                                            &u->exec_stop_post };
        bool ok = true;
        for (size_t i = 0; i < ELEMENTSOF(lists); i++)
                for (size_t j = 0; j < lists[i]->n; j++) {
                        const char *prog = lists[i]->items[j].path;
                        _cleanup_free_ char *why = NULL;
                        if (!unit_path_under_bind(u, prog) &&
                            sandbox_check_program(fd, label, prog, &why) < 0) {
                                fprintf(stderr, "%s: %s\n", u->path, why ? why : "the library check failed");
                                ok = false;
                        }
                }
        return ok;
}

static bool same_file(const char *a, const char *b) {
        return a && b && streq(a, b);
}

/* The keys of U of class C, as "A= B=" after LABEL on a line of its own; nothing when none. */
static void print_keys(const struct unit *u, enum unit_key_class c, const char *label) {
        bool any = false;
        for (size_t i = 0; i < u->n_keys_used; i++)
                if (u->keys_used[i]->class == c) {
                        printf("%s%s=", any ? " " : label, u->keys_used[i]->key);
                        any = true;
                }
        if (any)
                putchar('\n');
}

static size_t count_diag(const struct unit_diag *d, const char *file, bool warning) {
        size_t n = 0;
        for (size_t i = 0; i < d->n; i++)
                n += d->items[i].warning == warning && (!file || same_file(d->items[i].file, file));
        return n;
}

/* What svc check says of a unit that loads, below its "FILE: ok". */
static void print_summary(const struct unit *u, const struct unit_diag *d) {
        print_keys(u, UNIT_KEY_IMPLEMENTED, "  honours: ");
        print_keys(u, UNIT_KEY_IMPLIED, "  met by svc's sandbox: ");
        size_t w = count_diag(d, NULL, true);
        if (w > 0)
                printf("  warnings: %zu (above)\n", w);
}

static void json_keys(const struct unit *u, enum unit_key_class c) {
        bool first = true;
        putchar('[');
        for (size_t i = 0; u && i < u->n_keys_used; i++)
                if (u->keys_used[i]->class == c) {
                        if (!first)
                                putchar(',');
                        json_string(stdout, u->keys_used[i]->key);
                        first = false;
                }
        putchar(']');
}

/* The items of D about FILE (all of D when FILE is NULL) that are warnings or not. */
static void json_diag(const struct unit_diag *d, const char *file, bool warning, bool *first) {
        for (size_t i = 0; i < d->n; i++) {
                const struct unit_diag_item *it = &d->items[i];
                if (it->warning != warning || (file && !same_file(it->file, file)))
                        continue;
                printf("%s{\"file\":", *first ? "" : ",");
                json_string(stdout, it->file);
                printf(",\"line\":%u,\"message\":", it->line);
                json_string(stdout, it->message);
                putchar('}');
                *first = false;
        }
}

struct checked {
        const char *file;
        struct unit *u;
        struct unit_diag diag;
        bool ok;
};

static void json_one(const struct checked *c, const struct unit_diag *graph) {
        printf("{\"file\":");
        json_string(stdout, c->file);
        printf(",\"unit\":");
        if (c->u)
                json_string(stdout, c->u->name);
        else
                fputs("null", stdout);
        printf(",\"loads\":%s,\"honours\":", c->ok ? "true" : "false");
        json_keys(c->u, UNIT_KEY_IMPLEMENTED);
        printf(",\"sandbox\":");
        json_keys(c->u, UNIT_KEY_IMPLIED);
        for (int warning = 1; warning >= 0; warning--) {
                bool first = true;
                printf(",\"%s\":[", warning ? "warnings" : "errors");
                json_diag(&c->diag, NULL, warning, &first);
                if (c->u)
                        json_diag(graph, c->u->path, warning, &first);
                putchar(']');
        }
        putchar('}');
}

/* A template file is checked as an instance, as systemd-analyze verify does ("tpl@test_instance"):
 * the notification units of units/examples are templates. */
static int load_for_check(const char *path, struct unit **ret, struct unit_diag *d) {
        const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
        size_t kept = unit_name_kind_suffix_len(base); /* "x@.socket": instance "x@test_instance.socket" */
        size_t n = strlen(base) - kept, k = kept ? 0 : unit_suffix_len(base);
        if ((k == 0 && kept == 0) || n <= k || base[n - k - 1] != '@')
                return unit_load_file(path, NULL, ret, d);
        _cleanup_free_ char *dir = slash ? strndup(path, (size_t) (slash - path)) : strdup(".");
        _cleanup_free_ char *name = NULL;
        if (!dir || asprintf(&name, "%.*stest_instance%s", (int) (n - k), base, base + n) < 0)
                return -ENOMEM;
        return unit_load_from_dir(*dir ? dir : "/", name, NULL, ret, d);
}

/* svc check [--no-programs] [--json] FILE...: --no-programs checks the unit files alone, not their
 * programs in their trees (a packaged unit read before its tree exists); --json prints one object
 * per file for scripts instead of the sentences (library check failures still go to stderr). */
static int check_options(int *argc, char ***argv, bool *programs, bool *json) {
        while (*argc >= 2 && (*argv)[1][0] == '-') {
                if (streq((*argv)[1], "--no-programs"))
                        *programs = false;
                else if (streq((*argv)[1], "--json"))
                        *json = true;
                else
                        break;
                (*argc)--;
                (*argv)++;
        }
        if (*argc < 2 || (*argv)[1][0] == '-') {
                fprintf(stderr, "%s\n",
                        *argc < 2 ? "svc check: no unit file given"
                                  : "usage: svc check [--no-programs] [--json] FILE...");
                return -EINVAL;
        }
        return 0;
}

static void check_report(struct checked *c, size_t n, const struct unit_diag *graph, bool json) {
        if (json)
                putchar('[');
        for (size_t i = 0; i < n; i++) {
                if (json) {
                        if (i > 0)
                                putchar(',');
                        json_one(&c[i], graph);
                } else if (c[i].ok && c[i].u) {
                        printf("%s: ok\n", c[i].u->path);
                        print_summary(c[i].u, &c[i].diag);
                }
        }
        if (json)
                puts("]");
}

int client_check(const char *root, int argc, char **argv) {
        bool programs = true, json = false;
        if (check_options(&argc, &argv, &programs, &json) < 0)
                return EXIT_USAGE;
        size_t n = (size_t) argc - 1, ok = 0, good = 0;
        _cleanup_free_ struct checked *c = calloc(n, sizeof(*c));
        _cleanup_free_ struct unit **units = calloc(n, sizeof(*units));
        _cleanup_free_ bool *refused = calloc(n, sizeof(bool));
        if (!c || !units || !refused)
                return EXIT_FAILED;
        for (size_t i = 0; i < n; i++) {
                c[i].file = argv[i + 1];
                if (load_for_check(c[i].file, &c[i].u, &c[i].diag) >= 0)
                        units[ok++] = c[i].u;
                if (!json)
                        print_diag(&c[i].diag);
        }
        struct unit_diag graph = { 0 };
        if (unit_check_graph(units, ok, refused, &graph) >= 0 && !json)
                print_diag(&graph);
        for (size_t i = 0, j = 0; i < n; i++)
                if (c[i].u) {
                        c[i].ok = !refused[j++] && (!programs || check_libraries(root, c[i].u));
                        good += c[i].ok;
                }
        check_report(c, n, &graph, json);
        for (size_t i = 0; i < n; i++) {
                unit_free(c[i].u);
                unit_diag_clear(&c[i].diag);
        }
        unit_diag_clear(&graph);
        return good == n ? EXIT_OK : EXIT_FAILED;
}
