/* SPDX-License-Identifier: MIT */
/* Who uses a tree: unit files naming it (RootDirectory=NAME, read with the units/ library), and
 * running services on one of its generations (the tree_path svcd reports, read from svc-ctl's
 * status --json with json-c). A service's mount holds the generation it started on, so an
 * upgrade restarts it to move it onto the new one. */
#include <dirent.h>
#include <json-c/json.h>
#include <sys/stat.h>

#include "common/macro.h"
#include "common/paths.h"
#include "common/util.h"
#include "supervisor/tree/tree.h"
#include "units/unit.h"

static void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

static void json_putp(struct json_object **o) {
        json_object_put(*o);
}

void tree_world_done(struct tree_world *w) {
        strv_free(w->unit_names);
        strv_free(w->unit_trees);
        for (size_t i = 0; i < w->n_running; i++) {
                free(w->running[i].unit);
                free(w->running[i].tree_path);
        }
        free(w->running);
        free(w->real_trees);
        *w = (struct tree_world){ 0 };
}

/* Every unit file of the unit directory whose RootDirectory= is a tree name. Templates are
 * skipped (their instances show up running); a unit that does not load is skipped too: svc check
 * says why. */
static int load_unit_files(const struct tree_ctx *ctx, struct tree_world *w) {
        _cleanup_(closedirp) DIR *d = opendir(ctx->units_dir);
        if (!d)
                return errno == ENOENT ? 0 : -errno;
        for (struct dirent *de; (de = readdir(d));) {
                size_t n = strlen(de->d_name), k = unit_suffix_len(de->d_name);
                if (k == 0 || n <= k || de->d_name[n - k - 1] == '@')
                        continue;
                _cleanup_free_ char *name = strndup(de->d_name, n - k);
                _cleanup_(unit_freep) struct unit *u = NULL;
                struct unit_diag diag = { 0 };
                if (!name)
                        return -ENOMEM;
                int r = unit_name_is_valid(name) ? unit_load_from_dir(ctx->units_dir, name, NULL, &u, &diag)
                                                 : -EINVAL;
                unit_diag_clear(&diag);
                if (r < 0 || !u->root_directory || strchr(u->root_directory, '/'))
                        continue;
                if (strv_extend(&w->unit_names, name) < 0 ||
                    strv_extend(&w->unit_trees, u->root_directory) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int add_running(struct tree_world *w, struct json_object *o) {
        struct json_object *name, *path;
        if (!json_object_object_get_ex(o, "name", &name) ||
            !json_object_object_get_ex(o, "tree_path", &path) || isempty(json_object_get_string(path)))
                return 0;
        struct tree_running *n = reallocarray(w->running, w->n_running + 1, sizeof(*n));
        if (!n)
                return -ENOMEM;
        w->running = n;
        n[w->n_running] = (struct tree_running){ strdup(json_object_get_string(name)),
                                                 strdup(json_object_get_string(path)) };
        if (!n[w->n_running].unit || !n[w->n_running].tree_path) {
                free(n[w->n_running].unit);
                free(n[w->n_running].tree_path);
                return -ENOMEM;
        }
        w->n_running++;
        return 0;
}

/* svc-ctl status --json, when svcd's control socket exists. */
static int load_running(const struct tree_ctx *ctx, struct tree_world *w) {
        _cleanup_free_ char *sock = path_join(ctx->root, SVC_CONTROL_PATH),
                            *ctl = tree_find_helper("svc-ctl");
        struct stat st;
        if (!sock || !ctl)
                return -ENOMEM;
        if (stat(sock, &st) < 0 || !S_ISSOCK(st.st_mode))
                return 0;
        char *argv[] = { ctl, (char *) "--root", (char *) ctx->root, (char *) "status", (char *) "--json",
                         NULL };
        struct tree_run_opts o = { .argv = argv };
        _cleanup_free_ char *out = NULL;
        int r = tree_run(ctx, &o, &out);
        /* 3: some unit is not running, which is no failure here. */
        if (r != 0 && r != 3)
                return 0;
        _cleanup_(json_putp) struct json_object *a = out ? json_tokener_parse(out) : NULL;
        if (!a || !json_object_is_type(a, json_type_array))
                return -EBADMSG;
        w->svcd = true;
        for (size_t i = 0; i < json_object_array_length(a); i++)
                if ((r = add_running(w, json_object_array_get_idx(a, i))) < 0)
                        return r;
        return 0;
}

int tree_world_load(const struct tree_ctx *ctx, struct tree_world *ret) {
        struct tree_world w = { 0 };
        w.real_trees = realpath(ctx->trees_dir, NULL);
        int r = w.real_trees ? load_unit_files(ctx, &w) : -errno;
        if (r >= 0)
                r = load_running(ctx, &w);
        if (r == -EBADMSG) {
                tree_error("svc-ctl status --json gave no status: running units are not known");
                r = 0;
        }
        if (r < 0) {
                tree_world_done(&w);
                return r;
        }
        *ret = w;
        return 0;
}

/* The generation TREE_PATH is of tree NAME: 1 and *ret_gen (0 for a plain directory), or 0 when
 * it is not of this tree. */
static int path_generation(const struct tree_world *w, const char *name, const char *tree_path,
                           unsigned *ret_gen) {
        size_t n = strlen(w->real_trees), k = strlen(name);
        if (!strneq(tree_path, w->real_trees, n) || tree_path[n] != '/')
                return 0;
        const char *p = tree_path + n + 1;
        if (streq(p, name)) {
                *ret_gen = 0;
                return 1;
        }
        if (p[0] != '.' || !strneq(p + 1, name, k) || p[k + 1] != '/')
                return 0;
        p += k + 2;
        if (!p[0] || strspn(p, "0123456789") != strlen(p))
                return 0;
        *ret_gen = (unsigned) strtoul(p, NULL, 10);
        return 1;
}

static struct tree_user *user_get(struct tree_user **l, size_t *n, const char *unit) {
        for (size_t i = 0; i < *n; i++)
                if (streq((*l)[i].unit, unit))
                        return &(*l)[i];
        struct tree_user *nl = reallocarray(*l, *n + 1, sizeof(**l));
        if (!nl)
                return NULL;
        *l = nl;
        nl[*n] = (struct tree_user){ .unit = unit };
        return &nl[(*n)++];
}

int tree_users(const struct tree_world *w, const char *name, struct tree_user **ret, size_t *ret_n) {
        _cleanup_free_ struct tree_user *l = NULL;
        size_t n = 0;
        for (size_t i = 0; w->unit_names && w->unit_names[i]; i++) {
                if (!streq(w->unit_trees[i], name))
                        continue;
                struct tree_user *u = user_get(&l, &n, w->unit_names[i]);
                if (!u)
                        return -ENOMEM;
                u->in_file = true;
        }
        for (size_t i = 0; i < w->n_running; i++) {
                unsigned gen;
                if (path_generation(w, name, w->running[i].tree_path, &gen) <= 0)
                        continue;
                struct tree_user *u = user_get(&l, &n, w->running[i].unit);
                if (!u)
                        return -ENOMEM;
                u->running = true;
                u->gen = gen;
        }
        *ret = TAKE_PTR(l);
        *ret_n = n;
        return 0;
}

int tree_restart_units(const struct tree_ctx *ctx, char *const *units) {
        _cleanup_free_ char *ctl = tree_find_helper("svc-ctl");
        _cleanup_strv_free_ char **argv = NULL;
        if (!ctl || strv_extend(&argv, ctl) < 0 || strv_extend(&argv, "--root") < 0 ||
            strv_extend(&argv, ctx->root) < 0 || strv_extend(&argv, "restart") < 0)
                return -ENOMEM;
        for (char *const *u = units; u && *u; u++)
                if (strv_extend(&argv, *u) < 0)
                        return -ENOMEM;
        struct tree_run_opts o = { .argv = argv, .show = true };
        struct tree_ctx shown = *ctx;
        shown.tty = true; /* its sentences are for the user, terminal or not */
        return tree_run(&shown, &o, NULL);
}

/* The units of tree NAME running on a generation other than GEN and not pinned. */
static int stale_units(const struct tree_ctx *ctx, const struct tree_world *w, const char *name, unsigned gen,
                       char ***ret) {
        _cleanup_free_ struct tree_user *users = NULL;
        _cleanup_free_ struct tree_pinned *pins = NULL;
        size_t n = 0, n_pins = 0;
        int r = tree_users(w, name, &users, &n);
        if (r >= 0)
                r = tree_pins(ctx, name, &pins, &n_pins);
        if (r < 0)
                return r;
        _cleanup_strv_free_ char **l = NULL;
        for (size_t i = 0; i < n; i++) {
                bool pinned = false;
                for (size_t k = 0; k < n_pins; k++)
                        pinned |= streq(pins[k].unit, users[i].unit);
                if (users[i].running && users[i].gen != gen && !pinned && strv_extend(&l, users[i].unit) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static bool gen_in_use(const struct tree_world *w, const char *name, unsigned gen) {
        for (size_t i = 0; i < w->n_running; i++) {
                unsigned g;
                if (path_generation(w, name, w->running[i].tree_path, &g) > 0 && g == gen)
                        return true;
        }
        return false;
}

int tree_remove_unused(const struct tree_ctx *ctx, const char *name, int dir_fd, unsigned gen,
                       unsigned keep) {
        struct tree_world w = { 0 };
        _cleanup_free_ unsigned *gens = NULL;
        _cleanup_free_ struct tree_pinned *pins = NULL;
        size_t n = 0, n_pins = 0;
        int r = tree_world_load(ctx, &w);
        if (r >= 0)
                r = tree_generations(dir_fd, &gens, &n);
        if (r >= 0)
                r = tree_pins(ctx, name, &pins, &n_pins);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                char g[16];
                if (gens[i] == gen || gens[i] == keep || gen_in_use(&w, name, gens[i]) ||
                    tree_gen_pinned(pins, n_pins, gens[i]))
                        continue;
                snprintf(g, sizeof(g), "%u", gens[i]);
                r = tree_rm_rf_at(dir_fd, g);
                if (r >= 0)
                        r = tree_forget_generation(dir_fd, gens[i]);
        }
        tree_world_done(&w);
        return r;
}

static int restart_stale(const struct tree_ctx *ctx, const struct tree_switched *sw, char **stale) {
        _cleanup_free_ char *list = strv_join(stale, ", ");
        if (!list)
                return -ENOMEM;
        if (sw->gated) {
                struct tree_move mv = { .tree = sw->name,
                                        .from = sw->keep,
                                        .to = sw->gen,
                                        .units = stale,
                                        .min_healthy_usec = sw->min_healthy_usec };
                return tree_move(ctx, &mv, sw->log);
        }
        printf("Restarting onto generation %u: %s.\n", sw->gen, list);
        fflush(stdout);
        if (tree_restart_units(ctx, stale) != 0) {
                tree_error("restarting %s failed: svc status says why", list);
                return -EIO;
        }
        return 0;
}

int tree_after_switch(const struct tree_ctx *ctx, const struct tree_switched *sw) {
        struct tree_world w = { 0 };
        _cleanup_strv_free_ char **stale = NULL;
        int r = tree_world_load(ctx, &w);
        if (r >= 0)
                r = stale_units(ctx, &w, sw->name, sw->gen, &stale);
        bool svcd = w.svcd;
        tree_world_done(&w);
        if (r < 0)
                return r;
        _cleanup_free_ char *list = strv_join(stale, ", ");
        if (!list)
                return -ENOMEM;
        if (!svcd)
                printf("svcd is not running: units using tree %s start on generation %u.\n", sw->name,
                       sw->gen);
        else if (!stale)
                printf("No running unit uses an older generation of tree %s.\n", sw->name);
        else if (sw->no_restart)
                printf("Still on an older generation of tree %s until restarted: %s.\n", sw->name, list);
        else
                r = restart_stale(ctx, sw, stale);
        int k = tree_remove_unused(ctx, sw->name, sw->dir_fd, sw->gen, sw->keep);
        if (k < 0)
                tree_error("cannot remove the unused generations of tree %s: %s", sw->name, strerror(-k));
        return r;
}
