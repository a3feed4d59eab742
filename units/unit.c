/* SPDX-License-Identifier: MIT */
/* Loading a unit: names, templates, drop-ins, defaults and the checks that need the whole unit. */

#include <dirent.h>
#include <signal.h>
#include <sys/socket.h>

#include "common/paths.h"
#include "common/util.h"
#include "units/unit-internal.h"

/* DESIGN.md: unlike systemd, on purpose, for an unattended box. */
const struct unit unit_defaults = {
        .start_limit_interval_usec = 10 * USEC_PER_SEC,
        .start_limit_burst = 0,
        .type = SERVICE_SIMPLE,
        .restart = RESTART_ON_FAILURE,
        .restart_usec = 100 * USEC_PER_MSEC,
        .restart_steps = 9,
        .restart_max_delay_usec = 30 * USEC_PER_SEC,
        .timeout_start_usec = 90 * USEC_PER_SEC,
        .timeout_stop_usec = 10 * USEC_PER_SEC,
        .kill_signal = SIGTERM,
        .reload_signal = SIGHUP,
        .kill_mode = KILL_CONTROL_GROUP,
        .send_sigkill = true,
        .umask = 0022,
        .max_connections = 64,
        .overlay = OVERLAY_NONE,
        .private_network = true,
        .capability_bounding_set = UNIT_UNSET,
        .ambient_capabilities = 0,
        .no_new_privileges = true,
        .memory_max = UNIT_UNSET,
        .memory_high = UNIT_UNSET,
        .tasks_max = UNIT_UNSET,
        .cpu_weight = UNIT_UNSET,
        .io_weight = UNIT_UNSET,
        .cpu_quota_per_sec_usec = UNIT_UNSET,
        .state_directory_mode = 0755,
        .runtime_directory_mode = 0755,
        .logs_directory_mode = 0755,
        .cache_directory_mode = 0755,
        .var_overlay = -1,
        .log_rotate_size = 1024 * 1024,
        .log_rotate_count = 10,
        .health_interval_usec = 30 * USEC_PER_SEC,
        .health_timeout_usec = 30 * USEC_PER_SEC,
        .health_retries = 3,
        .health_startup_interval_usec = 30 * USEC_PER_SEC,
        .health_startup_timeout_usec = 30 * USEC_PER_SEC,
        .health_on_failure = HEALTH_ACTION_NONE,
        .timer = { .accuracy_usec = 60 * USEC_PER_SEC, .remain_after_elapse = true },
        .socket = { .mode = 0666,
                    .directory_mode = 0755,
                    .backlog = SOMAXCONN,
                    .receive_buffer = UNIT_UNSET,
                    .send_buffer = UNIT_UNSET },
};

const char *service_type_to_string(enum service_type t) {
        static const char *const names[_SERVICE_TYPE_MAX] = {
                [SERVICE_SIMPLE] = "simple",
                [SERVICE_NOTIFY] = "notify",
                [SERVICE_NOTIFY_RELOAD] = "notify-reload",
                [SERVICE_ONESHOT] = "oneshot",
                [SERVICE_FORKING] = "forking",
        };
        return t >= 0 && t < _SERVICE_TYPE_MAX ? names[t] : NULL;
}

const char *restart_policy_to_string(enum restart_policy r) {
        static const char *const names[_RESTART_MAX] = {
                [RESTART_NO] = "no",
                [RESTART_ON_SUCCESS] = "on-success",
                [RESTART_ON_FAILURE] = "on-failure",
                [RESTART_ON_ABNORMAL] = "on-abnormal",
                [RESTART_ON_WATCHDOG] = "on-watchdog",
                [RESTART_ON_ABORT] = "on-abort",
                [RESTART_ALWAYS] = "always",
        };
        return r >= 0 && r < _RESTART_MAX ? names[r] : NULL;
}

const char *kill_mode_to_string(enum kill_mode k) {
        static const char *const names[_KILL_MODE_MAX] = {
                [KILL_CONTROL_GROUP] = "control-group",
                [KILL_MIXED] = "mixed",
                [KILL_PROCESS] = "process",
                [KILL_NONE] = "none",
        };
        return k >= 0 && k < _KILL_MODE_MAX ? names[k] : NULL;
}

bool unit_path_under_bind(const struct unit *u, const char *path) {
        /* A name is searched in the sandbox, where a bind over one of the directories counts. */
        if (!strchr(path, '/')) {
                static const char *const dirs[] = SVC_PROGRAM_DIRS;
                for (size_t i = 0; i < ELEMENTSOF(dirs); i++)
                        if (unit_path_under_bind(u, dirs[i]))
                                return true;
                return false;
        }
        for (size_t i = 0; i < u->n_binds; i++) {
                size_t n = strlen(u->binds[i].dest);
                if (strneq(path, u->binds[i].dest, n) && (path[n] == '\0' || path[n] == '/'))
                        return true;
        }
        return false;
}

void listen_spec_done(struct listen_spec *l) {
        l->address = mfree(l->address);
        l->text = mfree(l->text);
}

void listen_specs_free(struct listen_spec *l, size_t n) {
        for (size_t i = 0; i < n; i++)
                listen_spec_done(&l[i]);
        free(l);
}

void publish_specs_free(struct publish_spec *p, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(p[i].host_address);
                free(p[i].text);
        }
        free(p);
}

void bind_spec_done(struct bind_spec *b) {
        b->source = mfree(b->source);
        b->dest = mfree(b->dest);
}

void bind_specs_free(struct bind_spec *b, size_t n) {
        for (size_t i = 0; i < n; i++)
                bind_spec_done(&b[i]);
        free(b);
}

static void unit_free_lists(struct unit *u) {
        char **const lists[] = {
                u->dropins,
                u->documentation,
                u->after,
                u->before,
                u->requires,
                u->wants,
                u->conflicts,
                u->part_of,
                u->binds_to,
                u->requisite,
                u->upholds,
                u->propagates_reload_to,
                u->reload_propagated_from,
                u->propagates_stop_to,
                u->stop_propagated_from,
                u->on_failure,
                u->on_success,
                u->on_health_change,
                u->supplementary_groups,
                u->environment,
                u->state_directories,
                u->runtime_directories,
                u->logs_directories,
                u->cache_directories,
                u->configuration_directories,
                u->wanted_by,
                u->alias,
        };
        for (size_t i = 0; i < ELEMENTSOF(lists); i++)
                strv_free(lists[i]);
        struct exec_list *execs[] = { &u->exec_start_pre, &u->exec_start,     &u->exec_reload,
                                      &u->exec_stop,      &u->exec_condition, &u->exec_start_post,
                                      &u->exec_stop_post };
        for (size_t i = 0; i < ELEMENTSOF(execs); i++)
                exec_list_clear(execs[i]);
        for (size_t i = 0; i < UNIT_RLIMIT_MAX; i++)
                free(u->rlimits[i]);
        condition_list_clear(&u->conditions);
        condition_list_clear(&u->asserts);
        path_specs_free(u->paths, u->n_paths);
        health_probe_done(&u->health);
        health_probe_done(&u->health_startup);
        timer_spec_clear(&u->timer);
        socket_spec_clear(&u->socket);
}

struct unit *unit_free(struct unit *u) {
        if (!u)
                return NULL;
        unit_free_lists(u);
        free(u->keys_used);
        free(u->name);
        free(u->template);
        free(u->instance);
        free(u->path);
        free(u->description);
        free(u->after_loc);
        free(u->before_loc);
        free(u->pid_file);
        free(u->user);
        free(u->group);
        env_files_free(u->environment_files, u->n_environment_files);
        free(u->working_directory);
        listen_specs_free(u->listen, u->n_listen);
        free(u->root_directory);
        bind_specs_free(u->binds, u->n_binds);
        publish_specs_free(u->publish, u->n_publish);
        free(u->hostname);
        unit_hardening_done(&u->hardening);
        free(u);
        return NULL;
}

/* The length of NAME without ".timer" or ".socket": the part that names the template and the
 * instance. */
static size_t name_stem_len(const char *name) {
        return strlen(name) - unit_name_kind_suffix_len(name);
}

static struct unit *unit_new(const char *name) {
        struct unit *u = malloc(sizeof(*u));
        if (!u)
                return NULL;
        *u = unit_defaults;
        u->kind = unit_name_is_timer(name)    ? UNIT_KIND_TIMER
                  : unit_name_is_socket(name) ? UNIT_KIND_SOCKET
                                              : UNIT_KIND_SERVICE;
        u->name = strdup(name);
        const char *at = strchr(name, '@');
        if (at) {
                u->template = strndup(name, (size_t) (at - name + 1));
                u->instance = strndup(at + 1, name_stem_len(name) - (size_t) (at + 1 - name));
        }
        if (!u->name || (at && (!u->template || !u->instance)))
                return unit_free(u);
        return u;
}

/* Refuses what cannot name a unit to load; FILE may be NULL. */
static int check_name(const char *name, const char *file, struct unit_diag *diag) {
        size_t n = strlen(name);
        int r = 0;

        if (!unit_name_is_valid(name))
                r = diag_add(diag, false, file, 0,
                             "'%.*s' is not a unit name: use letters, digits and _.:@- (at most one '@', not "
                             "first), no '/' and no leading '.', at most %d bytes",
                             (int) MIN(n, (size_t) 200), name, UNIT_NAME_MAX);
        else if (name[name_stem_len(name) - 1] == '@')
                r = diag_add(diag, false, file, 0, "%s is a template; load an instance of it such as %.*s1%s",
                             name, (int) name_stem_len(name), name, name + name_stem_len(name));
        else
                return 0;
        return r < 0 ? r : -EINVAL;
}

static bool publish_overlaps(const struct publish_spec *a, const struct publish_spec *b) {
        return a->protocol == b->protocol && a->host_port <= b->host_port_end &&
               b->host_port <= a->host_port_end &&
               (a->host_family == AF_UNSPEC || b->host_family == AF_UNSPEC ||
                a->host_family == b->host_family) &&
               (!a->host_address || !b->host_address || streq(a->host_address, b->host_address));
}

/* PublishPort= and Outbound= give the service a veth of its own in its own namespace. */
static int verify_network(struct parse_ctx *ctx) {
        struct unit *u = ctx->u;
        const struct unit_location *l = &ctx->network_loc;

        if (u->n_publish == 0 && !u->outbound)
                return 0;
        if (!u->private_network)
                return diag_add(ctx->diag, false, l->file, l->line,
                                "PublishPort= and Outbound= route to the service's own network namespace, "
                                "and PrivateNetwork=no leaves it in the host's: drop one or the other");
        if (u->accept)
                return diag_add(ctx->diag, false, l->file, l->line,
                                "PublishPort= and Outbound= do not fit Accept=yes, where every connection "
                                "gets a sandbox of its own: publish a daemon that listens by itself");
        for (size_t i = 0; i < u->n_publish; i++)
                for (size_t j = 0; j < i; j++)
                        if (publish_overlaps(&u->publish[i], &u->publish[j]))
                                return diag_add(ctx->diag, false, l->file, l->line,
                                                "PublishPort=%s and PublishPort=%s publish the same host "
                                                "port twice",
                                                u->publish[j].text, u->publish[i].text);
        return 0;
}

/* StandardInput=socket is the connection Accept=yes gives as stdin and stdout: of an Accept=yes
 * socket unit, whose instances of the template get it, or of [Service] ListenStream= and
 * Accept=yes. A unit with neither loads but starts only as such an instance (as under systemd). */
static int verify_std_input(struct parse_ctx *ctx) {
        const struct unit *u = ctx->u;
        const struct unit_location *l = &ctx->std_input_loc;

        if (u->std_input == STD_INPUT_NULL && u->std_input_set && u->accept)
                return diag_add(ctx->diag, false, l->file, l->line,
                                "StandardInput=null does not fit Accept=yes: svc gives each connection as "
                                "stdin and stdout, never as a descriptor of its own");
        if (u->std_input != STD_INPUT_SOCKET || u->accept)
                return 0;
        if (u->n_listen > 0)
                return diag_add(ctx->diag, false, l->file, l->line,
                                "StandardInput=socket needs Accept=yes: svc passes a listening socket as "
                                "descriptor 3 (LISTEN_FDS), never as stdin");
        return diag_add(
                ctx->diag, true, l->file, l->line,
                "StandardInput=socket: the unit has no ListenStream= and Accept=yes, so it starts "
                "only as the instance an Accept=yes socket unit (NAME.socket) makes per connection, or "
                "once a drop-in gives them");
}

/* The checks that need the whole unit, after the main file and every drop-in. */
static int unit_verify(struct parse_ctx *ctx) {
        struct unit *u = ctx->u;
        const char *file = ctx->service_loc.file ? ctx->service_loc.file : u->path;
        unsigned line = ctx->service_loc.file ? ctx->service_loc.line : 1;
        int r = 0;

        if (u->kind == UNIT_KIND_TIMER)
                return verify_timer(ctx);
        if (u->kind == UNIT_KIND_SOCKET)
                return verify_socket(ctx);
        if (u->exec_start.n == 0)
                r = diag_add(ctx->diag, false, file, line,
                             "missing ExecStart= in [Service]: a unit needs a command to run");
        else if (u->exec_start.n > 1 && u->type != SERVICE_ONESHOT)
                r = diag_add(ctx->diag, false, u->exec_start.items[1].file, u->exec_start.items[1].line,
                             "a second ExecStart=: only Type=oneshot may have several (this unit is Type=%s)",
                             service_type_to_string(u->type));
        if (r >= 0 && u->type == SERVICE_ONESHOT && u->restart == RESTART_ALWAYS)
                r = diag_add(ctx->diag, false, ctx->restart_loc.file, ctx->restart_loc.line,
                             "Restart=always does not fit Type=oneshot, which is meant to finish; use "
                             "Restart=on-failure or no");
        if (r >= 0)
                r = verify_network(ctx);
        if (r >= 0)
                r = verify_paths(ctx);
        if (r >= 0)
                r = unit_hardening_verify(ctx);
        if (r >= 0)
                r = verify_health(ctx);
        if (r >= 0)
                r = verify_std_input(ctx);
        return r;
}

static int parse_one(struct parse_ctx *ctx, const char *file, const char *text, size_t len) {
        ctx->u->source_hash = fnv1a64(ctx->u->source_hash, text, len);
        return parse_text(ctx, file, text, len);
}

static int parse_dropins(struct parse_ctx *ctx, char *const *dropins) {
        struct unit *u = ctx->u;

        STRV_FOREACH (d, (char **) dropins) {
                _cleanup_free_ char *text = NULL;
                size_t len = 0;
                int r = read_full_file(*d, &text, &len);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        r = diag_add(ctx->diag, false, *d, 0, "cannot read this drop-in: %s", strerror(-r));
                        if (r < 0)
                                return r;
                        continue;
                }
                if (strv_extend(&u->dropins, *d) < 0)
                        return -ENOMEM;
                r = parse_one(ctx, u->dropins[strv_length(u->dropins) - 1], text, len);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Parses TEXT as the main file PATH of unit NAME, then DROPINS. */
static int load_text(const char *name, const char *path, const char *text, size_t len, char *const *dropins,
                     const struct unit_host *host, struct unit **ret, struct unit_diag *diag) {
        size_t mark = diag->n;
        _cleanup_(unit_freep) struct unit *u = unit_new(name);

        if (!u || !(u->path = strdup(path)))
                return -ENOMEM;
        u->source_hash = FNV1A64_INIT;
        struct parse_ctx ctx = { .u = u, .diag = diag, .host = host };
        int r = parse_one(&ctx, u->path, text, len);
        if (r >= 0)
                r = parse_dropins(&ctx, dropins);
        if (r >= 0)
                r = unit_verify(&ctx);
        free(ctx.buf);
        free(ctx.section);
        if (r < 0)
                return r;
        if (diag_has_errors_since(diag, mark))
                return -EINVAL;
        *ret = TAKE_PTR(u);
        return 0;
}

int unit_load_string(const char *text, const char *filename, const char *name, const struct unit_host *host,
                     struct unit **ret, struct unit_diag *diag) {
        int r = check_name(name, filename, diag);
        if (r < 0)
                return r;
        return load_text(name, filename, text, strlen(text), NULL, host, ret, diag);
}

/* ---- files and drop-ins ---------------------------------------------------------------------- */

static bool is_dropin_name(const char *n) {
        size_t k = strlen(n), s = strlen(UNIT_DROPIN_SUFFIX);
        return n[0] != '.' && k > s && streq(n + k - s, UNIT_DROPIN_SUFFIX);
}

static const char *base_name(const char *path) {
        return strrchr(path, '/') + 1;
}

/* Adds PATH to PATHS, replacing a path of the same file name. Takes ownership of PATH. */
static int dropins_add(char ***paths, char *path) {
        for (char **p = *paths; p && *p; p++)
                if (streq(base_name(*p), base_name(path))) {
                        free(*p);
                        *p = path;
                        return 0;
                }
        return strv_push(paths, path);
}

/* Adds the "*.conf" of DIR to PATHS. */
static int dropins_scan(const char *dir, char ***paths) {
        DIR *d = opendir(dir);
        int r = 0;

        if (!d)
                return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
        for (struct dirent *de; r >= 0 && (de = readdir(d));) {
                if (!is_dropin_name(de->d_name))
                        continue;
                char *p = path_join(dir, de->d_name);
                r = p ? dropins_add(paths, p) : -ENOMEM;
        }
        closedir(d);
        return r;
}

static int cmp_basename(const void *a, const void *b) {
        return strcmp(base_name(*(char *const *) a), base_name(*(char *const *) b));
}

static const char *const unit_file_suffixes[] = { UNIT_SUFFIX, UNIT_SERVICE_SUFFIX, NULL };
static const char *const timer_file_suffixes[] = { UNIT_TIMER_SUFFIX, NULL };
static const char *const socket_file_suffixes[] = { UNIT_SOCKET_SUFFIX, NULL };

/* The file suffixes unit NAME may be written in. */
static const char *const *suffixes_of(const char *name) {
        if (unit_name_is_timer(name))
                return timer_file_suffixes;
        return unit_name_is_socket(name) ? socket_file_suffixes : unit_file_suffixes;
}

/* The drop-ins of NAME in DIR, sorted by file name: the template's (for an instance) and the
 * unit's own, the unit's own winning for the same file name, as in systemd; from NAME.unit.d/
 * and NAME.service.d/ alike. */
static int dropins_collect(const char *dir, const char *name, char ***ret) {
        _cleanup_strv_free_ char **paths = NULL;
        const char *at = strchr(name, '@');
        int n = at ? (int) (at - name + 1) : 0;

        for (int own = !at; own <= 1; own++)
                for (const char *const *sfx = suffixes_of(name); *sfx; sfx++) {
                        _cleanup_free_ char *sub = NULL;
                        if (asprintf(&sub, "%s/%.*s%s.d", dir, own ? (int) name_stem_len(name) : n, name,
                                     *sfx) < 0)
                                return -ENOMEM;
                        int r = dropins_scan(sub, &paths);
                        if (r < 0)
                                return r;
                }
        if (paths)
                qsort(paths, strv_length(paths), sizeof(char *), cmp_basename);
        *ret = TAKE_PTR(paths);
        return 0;
}

static int load_path(const char *dir, const char *name, const char *path, const struct unit_host *host,
                     struct unit **ret, struct unit_diag *diag) {
        _cleanup_free_ char *text = NULL;
        _cleanup_strv_free_ char **dropins = NULL;
        size_t len = 0;

        int r = read_full_file(path, &text, &len);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                int k = diag_add(diag, false, path, 0,
                                 r == -ENOENT ? "no such unit file" : "cannot read the unit file: %s",
                                 strerror(-r));
                return k < 0 ? k : r;
        }
        r = dropins_collect(dir, name, &dropins);
        if (r < 0 && r != -ENOMEM) {
                int k = diag_add(diag, false, path, 0, "cannot read its drop-in directories: %s",
                                 strerror(-r));
                return k < 0 ? k : r;
        }
        if (r < 0)
                return r;
        return load_text(name, path, text, len, dropins, host, ret, diag);
}

/* The file of unit STEM (its first N bytes) in DIR: 0 and DIR/STEM.unit or DIR/STEM.service,
 * whichever exists; -ENOENT when neither does; -EINVAL, naming both, when both do. */
static int find_unit_file(const char *dir, int n, const char *stem, char **ret, struct unit_diag *diag) {
        _cleanup_free_ char *found = NULL;

        for (const char *const *sfx = suffixes_of(stem); *sfx; sfx++) {
                _cleanup_free_ char *p = NULL;
                if (asprintf(&p, "%s/%.*s%s", dir, n, stem, *sfx) < 0)
                        return -ENOMEM;
                if (access(p, F_OK) < 0 && errno == ENOENT)
                        continue;
                if (found) {
                        int r = diag_add(
                                diag, false, p, 0,
                                "defines unit %.*s a second time (%s is the first): remove one of them", n,
                                stem, found);
                        return r < 0 ? r : -EINVAL;
                }
                found = TAKE_PTR(p);
        }
        if (!found)
                return -ENOENT;
        *ret = TAKE_PTR(found);
        return 0;
}

int unit_load_from_dir(const char *dir, const char *name, const struct unit_host *host, struct unit **ret,
                       struct unit_diag *diag) {
        _cleanup_free_ char *path = NULL, *want = NULL;
        const char *at = strchr(name, '@');

        int r = check_name(name, NULL, diag);
        if (r < 0)
                return r;
        r = find_unit_file(dir, (int) name_stem_len(name), name, &path, diag);
        if (r == -ENOENT && at) /* No file of the instance's own: the template's. */
                r = find_unit_file(dir, (int) (at - name + 1), name, &path, diag);
        if (r != -ENOENT)
                return r < 0 ? r : load_path(dir, name, path, host, ret, diag);
        if (unit_name_kind_suffix_len(name) > 0) {
                const char *sfx = name + name_stem_len(name);
                r = diag_add(diag, false, dir, 0, "no such %s file %s%s%.*s%s", sfx + 1, name,
                             at ? ", nor a template " : "", at ? (int) (at - name + 1) : 0, name,
                             at ? sfx : "");
                return r < 0 ? r : -ENOENT;
        }
        if (asprintf(&want, "%s/%s" UNIT_SUFFIX, dir, name) < 0)
                return -ENOMEM;
        if (at)
                r = diag_add(diag, false, want, 0,
                             "no such unit file (nor %s" UNIT_SERVICE_SUFFIX
                             "), and no template %.*s" UNIT_SUFFIX " or " UNIT_SERVICE_SUFFIX " either",
                             name, (int) (at - name + 1), name);
        else
                r = diag_add(diag, false, want, 0, "no such unit file (nor %s" UNIT_SERVICE_SUFFIX ")", name);
        return r < 0 ? r : -ENOENT;
}

int unit_load_file(const char *path, const struct unit_host *host, struct unit **ret,
                   struct unit_diag *diag) {
        const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
        bool keeps = unit_name_kind_suffix_len(base) > 0; /* NAME.timer, NAME.socket */
        size_t n = strlen(base), k = keeps ? 0 : unit_suffix_len(base);

        if ((k == 0 && !keeps) || n <= k) {
                int r = diag_add(diag, false, path, 0,
                                 "a unit file name must end in " UNIT_SUFFIX ", " UNIT_SERVICE_SUFFIX
                                 ", " UNIT_TIMER_SUFFIX " or " UNIT_SOCKET_SUFFIX);
                return r < 0 ? r : -EINVAL;
        }
        _cleanup_free_ char *name = strndup(base, n - k);
        _cleanup_free_ char *dir = slash ? strndup(path, (size_t) (slash - path)) : strdup(".");
        if (!name || !dir)
                return -ENOMEM;
        int r = check_name(name, path, diag);
        if (r < 0)
                return r;
        return load_path(*dir ? dir : "/", name, path, host, ret, diag);
}
