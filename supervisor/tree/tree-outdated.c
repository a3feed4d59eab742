/* SPDX-License-Identifier: MIT */
/* `svc tree outdated [NAME...] [--json]` (issue 17): for each Debian tree, the packages with
 * updates pending and the units using it. The tree's own apt refreshes its lists and simulates
 * the upgrade (`apt-get -s upgrade`), chrooted in a private mount namespace where the current
 * generation is read-only and apt's lists, caches and /tmp are in memory: nothing is written
 * into a generation services run on. An update is "security" when the archive it comes from is
 * a -security suite (Debian-Security, or a suite name ending in -security). */
#include <fcntl.h>
#include <json-c/json.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/cli/client.h"
#include "supervisor/tree/tree.h"

static void json_putp(struct json_object **o) {
        json_object_put(*o);
}

struct update {
        char *name, *installed, *available, *origin;
        bool security;
};

static void update_done(struct update *u) {
        free(u->name);
        free(u->installed);
        free(u->available);
        free(u->origin);
}

static void updates_free(struct update *l, size_t n) {
        for (size_t i = 0; i < n; i++)
                update_done(&l[i]);
        free(l);
}

/* "Inst NAME [OLD] (NEW ORIGIN [ARCH])": 0 and *RET, or -EINVAL for any other line. */
static int parse_inst(const char *line, struct update *ret) {
        char name[256], old[256] = "", new[256], origin[512] = "";
        if (!strneq(line, "Inst ", 5))
                return -EINVAL;
        int k = sscanf(line + 5, "%255s [%255[^]]] (%255s %511[^[(]", name, old, new, origin);
        if (k < 3)
                k = sscanf(line + 5, "%255s (%255s %511[^[(]", name, new, origin) + 1;
        if (k < 3)
                return -EINVAL;
        size_t n = strlen(origin);
        while (n > 0 && origin[n - 1] == ' ')
                origin[--n] = '\0';
        *ret = (struct update){ .name = strdup(name),
                                .installed = strdup(old),
                                .available = strdup(new),
                                .origin = strdup(origin),
                                .security = strstr(origin, "Security") || strstr(origin, "security") };
        if (!ret->name || !ret->installed || !ret->available || !ret->origin) {
                update_done(ret);
                return -ENOMEM;
        }
        return 0;
}

/* apt-get update and apt-get -s upgrade in the tree at PATH, read-only: the updates. One shell
 * runs both, since the lists live in the memory of that one mount namespace. */
static int pending(struct tree_ctx *ctx, const char *name, const char *path, struct update **ret,
                   size_t *ret_n) {
        char *env[] = { (char *) "DEBIAN_FRONTEND=noninteractive", (char *) "LC_ALL=C", NULL };
        char *argv[] = { (char *) "/bin/sh", (char *) "-c",
                         (char *) "apt-get -q update && apt-get -q -s -o Debug::NoLocking=1 upgrade", NULL };
        struct tree_run_opts o = { .argv = argv, .env = env, .chroot = path, .read_only = true };
        _cleanup_free_ char *what = NULL, *out = NULL;
        if (asprintf(&what, "apt-get update and apt-get -s upgrade in tree %s", name) < 0)
                return -ENOMEM;
        int r = tree_run(ctx, &o, &out);
        if (r != 0) {
                tree_error("%s failed (%s); its output:\n%s", what, r < 0 ? strerror(-r) : "see below",
                           out ? out : "");
                return -EIO;
        }
        struct update *l = NULL, u;
        size_t n = 0;
        char *save = NULL;
        for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                if (parse_inst(line, &u) < 0)
                        continue;
                struct update *nl = reallocarray(l, n + 1, sizeof(*l));
                if (!nl) {
                        update_done(&u);
                        updates_free(l, n);
                        return -ENOMEM;
                }
                l = nl;
                l[n++] = u;
        }
        *ret = l;
        *ret_n = n;
        return 0;
}

static struct json_object *json_tree(const char *name, unsigned gen, const struct update *l, size_t n,
                                     const struct tree_user *users, size_t n_users) {
        struct json_object *o = json_object_new_object(), *pk = json_object_new_array(),
                           *us = json_object_new_array();
        if (!o || !pk || !us || json_object_object_add(o, "tree", json_object_new_string(name)) < 0 ||
            json_object_object_add(o, "generation", json_object_new_int64(gen)) < 0 ||
            json_object_object_add(o, "packages", pk) < 0) {
                json_object_put(o);
                json_object_put(pk);
                json_object_put(us);
                return NULL;
        }
        if (json_object_object_add(o, "units", us) < 0) {
                json_object_put(us);
                return json_object_put(o), NULL;
        }
        for (size_t i = 0; i < n; i++) {
                struct json_object *p = json_object_new_object();
                if (!p || json_object_array_add(pk, p) < 0 ||
                    json_object_object_add(p, "name", json_object_new_string(l[i].name)) < 0 ||
                    json_object_object_add(p, "installed", json_object_new_string(l[i].installed)) < 0 ||
                    json_object_object_add(p, "available", json_object_new_string(l[i].available)) < 0 ||
                    json_object_object_add(p, "origin", json_object_new_string(l[i].origin)) < 0 ||
                    json_object_object_add(p, "security", json_object_new_boolean(l[i].security)) < 0)
                        return json_object_put(o), NULL;
        }
        for (size_t i = 0; i < n_users; i++) {
                struct json_object *u = json_object_new_object();
                if (!u || json_object_array_add(us, u) < 0 ||
                    json_object_object_add(u, "name", json_object_new_string(users[i].unit)) < 0 ||
                    json_object_object_add(u, "running", json_object_new_boolean(users[i].running)) < 0 ||
                    json_object_object_add(u, "generation", json_object_new_int64(users[i].gen)) < 0)
                        return json_object_put(o), NULL;
        }
        return o;
}

static void print_tree(const char *name, unsigned gen, const struct update *l, size_t n,
                       const struct tree_user *users, size_t n_users) {
        size_t sec = 0;
        for (size_t i = 0; i < n; i++)
                sec += l[i].security;
        printf("%s (generation %u): %zu update%s pending, %zu of them security\n", name, gen, n,
               n == 1 ? "" : "s", sec);
        for (size_t i = 0; i < n; i++)
                printf("  %s %s -> %s%s (%s)\n", l[i].name, *l[i].installed ? l[i].installed : "(new)",
                       l[i].available, l[i].security ? " security" : "", l[i].origin);
        for (size_t i = 0; i < n_users; i++)
                if (users[i].running)
                        printf("  unit %s, running on generation %u\n", users[i].unit, users[i].gen);
                else
                        printf("  unit %s, not running\n", users[i].unit);
}

/* Whether NAME is a Debian tree with generations: 1 and its generation, 0 when it is not one. */
static int debian_tree(struct tree_ctx *ctx, const char *name, unsigned *ret_gen) {
        char dir[TREE_NAME_MAX + 2];
        snprintf(dir, sizeof(dir), ".%s", name);
        _cleanup_close_ int fd = openat(ctx->trees_fd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_(json_putp) struct json_object *m = NULL;
        struct json_object *o = NULL;
        if (tree_current(ctx, name, ret_gen) < 0 || fd < 0 || tree_manifest_read(fd, &m) < 0 ||
            !json_object_object_get_ex(m, "origin", &o))
                return 0;
        return streq(json_object_get_string(o), "debian");
}

/* One tree: printed (or added to A) when it has updates, or when it was named. */
static int outdated_one(struct tree_ctx *ctx, const struct tree_world *w, const char *name, bool named,
                        struct json_object *a) {
        unsigned gen = 0;
        if (!debian_tree(ctx, name, &gen)) {
                if (named)
                        tree_error("tree %s is not a Debian tree svc made: its updates come from where it "
                                   "was built",
                                   name);
                return named ? -EMEDIUMTYPE : 0;
        }
        _cleanup_free_ char *path = tree_gen_path(ctx, name, gen);
        _cleanup_free_ struct tree_user *users = NULL;
        struct update *l = NULL;
        size_t n = 0, n_users = 0;
        int r = path ? pending(ctx, name, path, &l, &n) : -ENOMEM;
        if (r >= 0)
                r = tree_users(w, name, &users, &n_users);
        if (r >= 0 && a && (n > 0 || named)) {
                struct json_object *o = json_tree(name, gen, l, n, users, n_users);
                r = o && json_object_array_add(a, o) >= 0 ? 0 : -ENOMEM;
        } else if (r >= 0 && n > 0)
                print_tree(name, gen, l, n, users, n_users);
        else if (r >= 0 && named)
                printf("%s (generation %u): up to date\n", name, gen);
        updates_free(l, n);
        return r < 0 ? r : (int) n;
}

int tree_cmd_outdated(struct tree_ctx *ctx, int argc, char **argv) {
        bool json = false;
        _cleanup_strv_free_ char **names = NULL;
        for (int i = 1; i < argc; i++)
                if (streq(argv[i], "--json"))
                        json = true;
                else if (!tree_name_check(argv[i]) || strv_extend(&names, argv[i]) < 0)
                        return EXIT_USAGE;
        bool named = names;
        _cleanup_(json_putp) struct json_object *a = json ? json_object_new_array() : NULL;
        struct tree_world w = { 0 };
        int r = (json && !a) ? -ENOMEM : named ? 0 : tree_names(ctx, &names);
        if (r >= 0)
                r = tree_world_load(ctx, &w);
        int found = 0, failed = 0;
        STRV_FOREACH (n, names) {
                int k = r < 0 ? r : outdated_one(ctx, &w, *n, named, a);
                failed += k < 0;
                found += k > 0;
        }
        tree_world_done(&w);
        if (r < 0)
                tree_error("cannot look for updates: %s", strerror(-r));
        else if (json)
                printf("%s\n", json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN |
                                                                         JSON_C_TO_STRING_NOSLASHESCAPE));
        else if (!named && found == 0 && failed == 0)
                printf("Every Debian tree is up to date.\n");
        return r < 0 || failed ? EXIT_FAILED : EXIT_OK;
}
