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

/* svc check [--no-programs] FILE...: --no-programs checks the unit files alone, not their
 * programs in their trees (a packaged unit read before its tree exists). */
/* A template file is checked as an instance, as systemd-analyze verify does ("tpl@test_instance"):
 * the notification units of units/examples are templates. */
static int load_for_check(const char *path, struct unit **ret, struct unit_diag *d) {
        const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
        size_t n = strlen(base), k = unit_suffix_len(base);
        if (k == 0 || n <= k || base[n - k - 1] != '@')
                return unit_load_file(path, NULL, ret, d);
        _cleanup_free_ char *dir = slash ? strndup(path, (size_t) (slash - path)) : strdup(".");
        _cleanup_free_ char *name = NULL;
        if (!dir || asprintf(&name, "%.*stest_instance", (int) (n - k), base) < 0)
                return -ENOMEM;
        return unit_load_from_dir(*dir ? dir : "/", name, NULL, ret, d);
}

int client_check(const char *root, int argc, char **argv) {
        bool programs = true;
        if (argc >= 2 && streq(argv[1], "--no-programs")) {
                programs = false;
                argc--;
                argv++;
        }
        if (argc < 2 || argv[1][0] == '-') {
                fprintf(stderr, "%s\n",
                        argc < 2 ? "svc check: no unit file given"
                                 : "usage: svc check [--no-programs] FILE...");
                return EXIT_USAGE;
        }
        size_t n = (size_t) argc - 1, ok = 0;
        _cleanup_free_ struct unit **units = calloc(n, sizeof(*units));
        _cleanup_free_ bool *refused = calloc(n, sizeof(bool));
        if (!units || !refused)
                return EXIT_FAILED;
        for (size_t i = 0; i < n; i++) {
                struct unit_diag d = { 0 };
                struct unit *u = NULL;
                if (load_for_check(argv[i + 1], &u, &d) >= 0)
                        units[ok++] = u;
                print_diag(&d);
                unit_diag_clear(&d);
        }
        struct unit_diag d = { 0 };
        if (unit_check_graph(units, ok, refused, &d) >= 0)
                print_diag(&d);
        size_t good = 0;
        for (size_t i = 0; i < ok; i++) {
                if (!refused[i] && (!programs || check_libraries(root, units[i]))) {
                        printf("%s: ok\n", units[i]->path);
                        good++;
                }
                unit_free(units[i]);
        }
        unit_diag_clear(&d);
        return good == n ? EXIT_OK : EXIT_FAILED;
}
