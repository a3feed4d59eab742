/* SPDX-License-Identifier: MIT */
/* Health-gated moves (issue 17): after `svc tree upgrade` switched a tree, its running services
 * move onto the new generation through svcd's gate (supervisor/svcd/gate.h: svcd restarts and
 * watches them, pins one that broke to the generation it ran on, tells its owner and starts its
 * dependants again). This side asks (svc-ctl move), prints what became of each service, keeps
 * the history in the tree's manifest ("log", shown by `svc tree log`), and keeps a pinned
 * generation until no service is pinned to it. `svc tree unpin SERVICE` moves a pinned service
 * through the same gate onto the current generation. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <signal.h>

#include "common/macro.h"
#include "common/paths.h"
#include "common/pin.h"
#include "common/test-crash.h"
#include "common/util.h"
#include "supervisor/cli/client.h"
#include "supervisor/tree/tree.h"

#define LOG_MAX 100 /* entries kept in the manifest */

static void json_putp(struct json_object **o) {
        json_object_put(*o);
}

static void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

void tree_test_crash_point(const char *point) {
        svc_test_crash_point("svc tree", point);
}

/* ---- pins ----------------------------------------------------------------------------------- */

char *tree_pins_dir(const struct tree_ctx *ctx) {
        return path_join(ctx->root, SVC_PINS_DIR);
}

int tree_pins(const struct tree_ctx *ctx, const char *name, struct tree_pinned **ret, size_t *ret_n) {
        _cleanup_free_ char *dir = tree_pins_dir(ctx);
        _cleanup_(closedirp) DIR *d = dir ? opendir(dir) : NULL;
        _cleanup_free_ struct tree_pinned *l = NULL;
        size_t n = 0;
        if (!dir)
                return -ENOMEM;
        for (struct dirent *de; d && (de = readdir(d));) {
                struct tree_pin p = { 0 };
                if (de->d_name[0] == '.' || tree_pin_read(dir, de->d_name, &p) < 0)
                        continue;
                struct tree_pinned *nl = streq(p.tree, name) ? reallocarray(l, n + 1, sizeof(*l)) : NULL;
                if (nl) {
                        l = nl;
                        l[n] = (struct tree_pinned){ .gen = p.gen };
                        snprintf(l[n].unit, sizeof(l[n].unit), "%s", de->d_name);
                        n++;
                }
                tree_pin_done(&p);
        }
        *ret = TAKE_PTR(l);
        *ret_n = n;
        return 0;
}

bool tree_gen_pinned(const struct tree_pinned *p, size_t n, unsigned gen) {
        for (size_t i = 0; i < n; i++)
                if (p[i].gen == gen)
                        return true;
        return false;
}

/* ---- the move ------------------------------------------------------------------------------- */

static char *strstrip_nl(char *s) {
        size_t n = strlen(s);
        while (n > 0 && s[n - 1] == '\n')
                s[--n] = '\0';
        return s;
}

/* svc-ctl move: 0 and its "UNIT\tRESULT\tDETAIL" lines, or -EIO (svc-ctl said why). */
static int ask_svcd(const struct tree_ctx *ctx, const struct tree_move *mv, char **ret_out) {
        _cleanup_free_ char *ctl = tree_find_helper("svc-ctl");
        _cleanup_strv_free_ char **argv = NULL;
        char from[16], to[16], usec[32];
        snprintf(from, sizeof(from), "%u", mv->from);
        snprintf(to, sizeof(to), "%u", mv->to);
        snprintf(usec, sizeof(usec), "%llu", (unsigned long long) mv->min_healthy_usec);
        const char *head[] = { ctl, "--root", ctx->root, "move", mv->tree, from, to, usec };
        for (size_t i = 0; i < ELEMENTSOF(head); i++)
                if (!head[i] || strv_extend(&argv, head[i]) < 0)
                        return -ENOMEM;
        STRV_FOREACH (u, mv->units)
                if (strv_extend(&argv, *u) < 0)
                        return -ENOMEM;
        struct tree_run_opts o = { .argv = argv };
        struct tree_ctx quiet = *ctx;
        quiet.tty = false; /* its output is ours to read */
        int r = tree_run(&quiet, &o, ret_out);
        if (r != 0) {
                tree_error(
                        "the request to svcd ended early (%s): svcd carries on with the units it was given; "
                        "svc status shows where each one runs",
                        *ret_out && **ret_out ? strstrip_nl(*ret_out) : "svc-ctl failed");
                return -EIO;
        }
        return 0;
}

static int log_unit(struct json_object *entry, const char *key, const char *unit, const char *detail) {
        struct json_object *a = NULL, *o = json_object_new_object();
        if (!o)
                return -ENOMEM;
        if (!json_object_object_get_ex(entry, key, &a)) {
                a = json_object_new_array();
                if (!a || json_object_object_add(entry, key, a) < 0) {
                        json_object_put(o);
                        return -ENOMEM;
                }
        }
        if (json_object_array_add(a, o) < 0) {
                json_object_put(o);
                return -ENOMEM;
        }
        if (json_object_object_add(o, "unit", json_object_new_string(unit)) < 0 ||
            json_object_object_add(o, "detail", json_object_new_string(detail)) < 0)
                return -ENOMEM;
        return 0;
}

/* Prints each line of svc-ctl move and records it in ENTRY; 1 when a unit was pinned or failed. */
static int report(char *out, struct json_object *entry) {
        int bad = 0;
        char *save = NULL;
        for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *result = strchr(line, '\t'), *detail = result ? strchr(result + 1, '\t') : NULL;
                if (!detail)
                        continue;
                *result++ = '\0';
                *detail++ = '\0';
                if (streq(result, "moved"))
                        printf("  %s: moved, %s.\n", line, detail);
                else if (streq(result, "pinned"))
                        printf("  %s: %s; it runs on the generation it ran on before.\n", line, detail);
                else if (streq(result, "dependant"))
                        printf("  %s (depends on a pinned unit): %s.\n", line, detail);
                else
                        printf("  %s: %s.\n", line, detail);
                bad |= streq(result, "pinned") || streq(result, "failed") ||
                       (streq(result, "dependant") && !streq(detail, "running"));
                if (log_unit(entry, streq(result, "moved") ? "moved" : result, line, detail) < 0)
                        return -ENOMEM;
        }
        return bad;
}

int tree_move(const struct tree_ctx *ctx, const struct tree_move *mv, struct json_object *entry) {
        _cleanup_free_ char *list = strv_join(mv->units, ", "), *out = NULL;
        if (!list)
                return -ENOMEM;
        printf("Moving onto generation %u, each watched until it is ready and healthy: %s.\n", mv->to, list);
        fflush(stdout);
        int r = ask_svcd(ctx, mv, &out);
        if (r < 0)
                return r;
        r = report(out, entry);
        if (r > 0)
                tree_error("not every unit moved onto generation %u of tree %s: svc status says why", mv->to,
                           mv->tree);
        return r;
}

/* ---- the history ---------------------------------------------------------------------------- */

struct json_object *tree_log_entry(const char *what, unsigned from, unsigned to) {
        struct json_object *e = json_object_new_object();
        _cleanup_free_ char *now = tree_now();
        if (!e || !now || json_object_object_add(e, "time", json_object_new_string(now)) < 0 ||
            json_object_object_add(e, "what", json_object_new_string(what)) < 0 ||
            json_object_object_add(e, "from", json_object_new_int64(from)) < 0 ||
            json_object_object_add(e, "to", json_object_new_int64(to)) < 0) {
                json_object_put(e);
                return NULL;
        }
        return e;
}

int tree_log_append(int dir_fd, struct json_object *entry) {
        _cleanup_(json_putp) struct json_object *m = NULL;
        struct json_object *log = NULL;
        int r = tree_manifest_read(dir_fd, &m);
        if (r < 0)
                return r;
        if (!json_object_object_get_ex(m, "log", &log) || !json_object_is_type(log, json_type_array)) {
                log = json_object_new_array();
                if (!log || json_object_object_add(m, "log", log) < 0)
                        return -ENOMEM;
        }
        if (json_object_array_add(log, json_object_get(entry)) < 0)
                return -ENOMEM;
        size_t n = json_object_array_length(log);
        if (n > LOG_MAX)
                (void) json_object_array_del_idx(log, 0, n - LOG_MAX);
        return tree_manifest_write(dir_fd, m);
}

/* ---- svc tree unpin, svc tree log ------------------------------------------------------------- */

int tree_parse_duration(const char *s, uint64_t *ret) {
        static const struct {
                const char *suffix;
                uint64_t usec;
        } units[] = { { "ms", USEC_PER_MSEC },
                      { "s", USEC_PER_SEC },
                      { "", USEC_PER_SEC },
                      { "min", 60 * USEC_PER_SEC } };
        char *end = NULL;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno != 0 || end == s || !isdigit((unsigned char) s[0]) || v > 24ULL * 3600 * 1000)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                if (streq(end, units[i].suffix)) {
                        *ret = v * units[i].usec;
                        return 0;
                }
        return -EINVAL;
}

static bool unit_running(const struct tree_ctx *ctx, const char *unit, bool *ret_svcd) {
        struct tree_world w = { 0 };
        bool running = false;
        *ret_svcd = false;
        if (tree_world_load(ctx, &w) < 0)
                return false;
        for (size_t i = 0; i < w.n_running; i++)
                running |= streq(w.running[i].unit, unit);
        *ret_svcd = w.svcd;
        tree_world_done(&w);
        return running;
}

/* A unit that is not running just loses its pin: it starts on the current generation. */
static int unpin_unit(const struct tree_ctx *ctx, const struct tree_pin *pin, const char *unit, unsigned cur,
                      uint64_t min_healthy, struct json_object *entry) {
        bool svcd = false;
        if (unit_running(ctx, unit, &svcd) && svcd) {
                char *units[] = { (char *) unit, NULL };
                struct tree_move mv = { .tree = pin->tree,
                                        .from = pin->gen,
                                        .to = cur,
                                        .units = units,
                                        .min_healthy_usec = min_healthy };
                return tree_move(ctx, &mv, entry);
        }
        _cleanup_free_ char *pins = tree_pins_dir(ctx);
        int r = pins ? tree_pin_remove(pins, unit) : -ENOMEM;
        if (r < 0) {
                tree_error("cannot remove the pin of %s: %s", unit, strerror(-r));
                return r;
        }
        printf("%s is no longer pinned: it starts on generation %u of tree %s.\n", unit, cur, pin->tree);
        return log_unit(entry, "unpinned", unit, "not running");
}

unsigned tree_previous_generation(int dir_fd, unsigned cur) {
        _cleanup_free_ unsigned *gens = NULL;
        size_t n = 0;
        unsigned prev = 0;
        if (tree_generations(dir_fd, &gens, &n) < 0)
                return 0;
        for (size_t i = 0; i < n; i++)
                if (gens[i] < cur)
                        prev = gens[i];
        return prev;
}

static int parse_unpin(int argc, char **argv, const char **ret_unit, uint64_t *ret_min_healthy) {
        static const struct option options[] = { { "min-healthy", required_argument, NULL, 'm' }, {} };
        int o;
        optind = 1;
        while ((o = getopt_long(argc, argv, "", options, NULL)) >= 0)
                if (o != 'm' || tree_parse_duration(optarg, ret_min_healthy) < 0) {
                        tree_error("unpin takes --min-healthy=DURATION (30s, 500ms, 2min)");
                        return -EINVAL;
                }
        if (optind + 1 != argc) {
                tree_error("unpin needs one unit: svc tree unpin UNIT [--min-healthy=DURATION]");
                return -EINVAL;
        }
        *ret_unit = argv[optind];
        return 0;
}

int tree_cmd_unpin(struct tree_ctx *ctx, int argc, char **argv) {
        const char *unit = NULL;
        uint64_t min_healthy = 0;
        if (parse_unpin(argc, argv, &unit, &min_healthy) < 0)
                return EXIT_USAGE;
        _cleanup_free_ char *pins = tree_pins_dir(ctx);
        struct tree_pin pin = { 0 };
        int r = pins ? tree_pin_read(pins, unit, &pin) : -ENOMEM;
        if (r == -ENOENT || r == -EINVAL)
                tree_error("%s is not pinned to a generation of its tree", unit);
        else if (r < 0)
                tree_error("cannot read the pin of %s: %s", unit, strerror(-r));
        if (r < 0)
                return EXIT_FAILED;
        _cleanup_close_ int dir_fd = -EBADF;
        unsigned cur = 0;
        _cleanup_(json_putp) struct json_object *entry = NULL;
        r = tree_open_locked(ctx, pin.tree, &dir_fd, &cur);
        if (r >= 0)
                r = (entry = tree_log_entry("unpin", pin.gen, cur)) ? 0 : -ENOMEM;
        if (r >= 0)
                r = unpin_unit(ctx, &pin, unit, cur, min_healthy, entry);
        if (r >= 0 && tree_log_append(dir_fd, entry) < 0)
                tree_error("cannot record the unpin in the history of tree %s", pin.tree);
        if (r >= 0 &&
            tree_remove_unused(ctx, pin.tree, dir_fd, cur, tree_previous_generation(dir_fd, cur)) < 0)
                tree_error("cannot remove the unused generations of tree %s", pin.tree);
        tree_pin_done(&pin);
        return r != 0 ? EXIT_FAILED : EXIT_OK;
}

static void print_units(struct json_object *e, const char *key, const char *label) {
        struct json_object *a = NULL, *u = NULL, *d = NULL;
        if (!json_object_object_get_ex(e, key, &a) || !json_object_is_type(a, json_type_array))
                return;
        for (size_t i = 0; i < json_object_array_length(a); i++) {
                struct json_object *o = json_object_array_get_idx(a, i);
                if (!json_object_object_get_ex(o, "unit", &u) || !json_object_object_get_ex(o, "detail", &d))
                        continue;
                _cleanup_free_ char *unit = tree_text(json_object_get_string(u)),
                                    *detail = tree_text(json_object_get_string(d));
                printf("    %-10s %s: %s\n", label, unit ? unit : "?", detail ? detail : "?");
        }
}

static void print_entry(struct json_object *e) {
        struct json_object *v = NULL;
        const char *keys[] = { "time", "what", "from", "to", "packages" };
        const char *val[ELEMENTSOF(keys)] = { 0 };
        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                val[i] = json_object_object_get_ex(e, keys[i], &v) ? json_object_get_string(v) : "";
        _cleanup_free_ char *packages = tree_text(val[4]);
        printf("%s  %s, generation %s -> %s%s%s\n", val[0], val[1], val[2], val[3], *val[4] ? ": " : "",
               packages ? packages : "");
        print_units(e, "moved", "moved");
        print_units(e, "pinned", "pinned");
        print_units(e, "dependant", "dependant");
        print_units(e, "failed", "failed");
        print_units(e, "unpinned", "unpinned");
}

int tree_cmd_log(struct tree_ctx *ctx, int argc, char **argv) {
        bool json = argc == 3 && streq(argv[2], "--json");
        if (argc != 2 && !json) {
                tree_error("log needs one tree name: svc tree log NAME [--json]");
                return EXIT_USAGE;
        }
        if (!tree_name_check(argv[1]))
                return EXIT_USAGE;
        char dir[TREE_NAME_MAX + 2];
        snprintf(dir, sizeof(dir), ".%s", argv[1]);
        _cleanup_close_ int fd = openat(ctx->trees_fd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_(json_putp) struct json_object *m = NULL;
        struct json_object *log = NULL;
        if (fd < 0 || tree_manifest_read(fd, &m) < 0) {
                tree_error("there is no tree %s with a history in %s", argv[1], ctx->trees_dir);
                return EXIT_FAILED;
        }
        if (!json_object_object_get_ex(m, "log", &log) || !json_object_is_type(log, json_type_array))
                log = NULL;
        if (json) {
                printf("%s\n", log ? json_object_to_json_string_ext(
                                             log, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
                                   : "[]");
                return EXIT_OK;
        }
        if (!log || json_object_array_length(log) == 0)
                printf("Tree %s has no upgrade in its history yet.\n", argv[1]);
        for (size_t i = 0; log && i < json_object_array_length(log); i++)
                print_entry(json_object_array_get_idx(log, i));
        return EXIT_OK;
}
