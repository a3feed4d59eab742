/* SPDX-License-Identifier: MIT */
/* From a unit name to what every export target needs: the unit as svcd loads it, its tree's
 * current generation, its user in that tree, its command and environment, its uid range; and
 * the refusal of what no target can express. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>

#include "common/macro.h"
#include "common/paths.h"
#include "common/util.h"
#include "supervisor/export/export.h"
#include "supervisor/spec/spec.h"

void export_ctx_done(struct export_ctx *c) {
        unit_free(c->u);
        free(c->tree);
        free(c->tree_label);
        safe_close(c->tree_fd);
        sandbox_creds_done(&c->creds);
        free(c->program);
        strv_free(c->argv);
        strv_free(c->env);
}

static int load_unit(struct export_ctx *c, char **ret_error) {
        _cleanup_free_ char *dir = path_join(c->root, SVC_UNITS_DIR);
        if (!dir)
                return -ENOMEM;
        struct unit_diag d = { 0 };
        int r = unit_load_from_dir(dir, c->name, NULL, &c->u, &d);
        for (size_t i = 0; r < 0 && i < d.n; i++)
                if (!d.items[i].warning) {
                        *ret_error = unit_diag_format(&d.items[i]);
                        break;
                }
        unit_diag_clear(&d);
        return r;
}

/* The first sentence of what no target can express, or NULL. */
static const char *inexpressible(const struct unit *u) {
        if (u->accept)
                return "Accept=yes starts a process per connection with the connection as its stdin "
                       "(inetd style); an OCI runtime and Kubernetes start one long-running process per "
                       "container and cannot hand it a connection. Serve the port from one process "
                       "(ListenStream= without Accept=, or the daemon's own listener) to export it";
        if (u->n_listen > 0)
                return "ListenStream= hands the service a listening socket made by svcd; a container "
                       "runtime makes none, so the program must listen itself";
        if (u->exec_start.n != 1)
                return "an exported container runs one command: the unit needs exactly one ExecStart=";
        if (u->exec_start_pre.n || u->exec_start_post.n || u->exec_stop.n || u->exec_stop_post.n ||
            u->exec_reload.n || u->exec_condition.n)
                return "ExecStartPre=, ExecStartPost=, ExecCondition=, ExecReload=, ExecStop= and "
                       "ExecStopPost= have no place in a container, which runs its one command";
        if (u->exec_start.items[0].privileged)
                return "the '+' and '!' prefixes run the command as root whatever User= says; a "
                       "container has one user";
        if (u->type == SERVICE_FORKING)
                return "Type=forking: the first process exits, which ends a container";
        return NULL;
}

/* What the exported sandbox cannot give, so that exporting would weaken it or change what runs. */
static const char *unsupported(const struct unit *u) {
        if (unit_hardening_wants_filter(&u->hardening))
                return "SystemCallFilter=, RestrictAddressFamilies= and the other keys of the unit's own "
                       "seccomp filter are not exported yet; the export would run without that filter";
        if (u->hardening.n_devices > 0 || u->hardening.device_policy == DEVICE_POLICY_STRICT)
                return "DeviceAllow= and DevicePolicy=strict are not exported yet";
        if (u->hardening.ip_allow || u->hardening.ip_deny)
                return "IPAddressAllow= and IPAddressDeny= are svcd's nftables rules, which a container "
                       "runtime does not make; the export would reach what the unit may not";
        if (u->overlay != OVERLAY_NONE)
                return "Overlay= (a writable layer over the whole tree) is not exported yet";
        if (u->private_users != PRIVATE_USERS_DEFAULT && u->private_users != PRIVATE_USERS_YES &&
            u->private_users != PRIVATE_USERS_NO)
                return "PrivateUsers=self, identity and full are not exported yet";
        for (size_t i = 0; i < u->n_paths; i++) {
                const char *why;
                const struct path_spec *p = &u->paths[i];
                if (p->key == PATH_NO_EXEC ||
                    (p->key == PATH_READ_WRITE && unit_read_write_kind(u, p->path, &why) == READ_WRITE_LAYER))
                        return "NoExecPaths= and ReadWritePaths= on the read-only tree are not exported yet";
        }
        return NULL;
}

static int resolve_tree(struct export_ctx *c, char **ret_error) {
        const char *rd = c->u->root_directory;
        if (!rd)
                return export_error(ret_error, -EINVAL,
                                    "%s has no RootDirectory=: a container needs a tree of its own, not the "
                                    "host's /usr and /etc",
                                    c->name);
        _cleanup_free_ char *trees = path_join(c->root, SVC_TREES_DIR);
        _cleanup_free_ char *path = rd[0] == '/' ? strdup(rd) : path_join(trees, rd);
        if (!path || asprintf(&c->tree_label, "tree %s", rd) < 0)
                return -ENOMEM;
        /* The generation NAME points at now: a later upgrade makes a new one, never changes it. */
        c->tree = realpath(path, NULL);
        if (!c->tree)
                return export_error(ret_error, -errno, "%s does not exist (%s)", c->tree_label, path);
        c->tree_fd = open(c->tree, O_PATH | O_DIRECTORY | O_CLOEXEC);
        return c->tree_fd < 0 ? export_error(ret_error, -errno, "cannot open %s: %m", c->tree) : 0;
}

/* The range svcd allocated and keeps for the service (userns.c: "range BASE COUNT"). */
static int read_range(struct export_ctx *c, char **ret_error) {
        if (c->u->private_users == PRIVATE_USERS_NO)
                return 0;
        _cleanup_free_ char *rel = path_join(SVC_LIB_DIR "/userns", c->name);
        _cleanup_free_ char *path = rel ? path_join(c->root, rel) : NULL, *text = NULL;
        if (!path)
                return -ENOMEM;
        if (read_full_file(path, &text, NULL) < 0) {
                c->range_missing = true; /* what the bundle needs; an image or a Pod does not */
                return 0;
        }
        unsigned long base, count;
        const char *line = strstr(text, "range ");
        if (!line || sscanf(line, "range %lu %lu", &base, &count) != 2 || count != 65536 || base > UINT32_MAX)
                return export_error(ret_error, -EBADMSG, "%s: no range in it", path);
        c->userns = true;
        c->userns_base = (uint32_t) base;
        return 0;
}

static int build_command(struct export_ctx *c, char **ret_error) {
        const struct exec_command *ec = &c->u->exec_start.items[0];
        int r = sandbox_find_program(c->tree_fd, ec->path, &c->program);
        if (r < 0)
                return export_error(ret_error, r, "%s: %s is not in %s", c->name, ec->path, c->tree_label);
        r = svc_spec_base_env(&c->creds, &c->env);
        _cleanup_strv_free_ char **unit_env = NULL;
        struct unit_diag d = { 0 };
        if (r >= 0)
                r = unit_build_environment(c->u, NULL, &unit_env, &d);
        if (r < 0 && d.n > 0)
                *ret_error = strdup(d.items[0].message);
        unit_diag_clear(&d);
        STRV_FOREACH (e, unit_env)
                if (r >= 0)
                        r = strv_extend(&c->env, *e);
        if (r >= 0)
                r = unit_exec_expand(ec, c->env, &c->argv);
        if (r >= 0 && c->argv[0] && !strchr(c->argv[0], '/')) {
                free(c->argv[0]);
                c->argv[0] = strdup(c->program);
                r = c->argv[0] ? 0 : -ENOMEM;
        }
        return r;
}

int export_load(const char *root, const char *name, struct export_ctx *ret, char **ret_error) {
        struct export_ctx *c = ret;
        *c = (struct export_ctx){ .root = root, .name = name, .tree_fd = -EBADF };
        int r = load_unit(c, ret_error);
        if (r < 0)
                return r;
        const char *why = inexpressible(c->u);
        if (!why)
                why = unsupported(c->u);
        if (why)
                return export_error(ret_error, -EOPNOTSUPP, "%s cannot be exported: %s", c->name, why);
        r = resolve_tree(c, ret_error);
        if (r >= 0)
                r = sandbox_resolve_creds(c->tree_fd, c->tree_label, c->u->user, c->u->group,
                                          c->u->supplementary_groups, &c->creds, ret_error);
        if (r >= 0)
                r = read_range(c, ret_error);
        if (r >= 0)
                r = build_command(c, ret_error);
        return r;
}

/* What a runtime does its own way: "Key=: why", said in the output, never dropped silently. */
int export_left_out(const struct export_ctx *c, bool kube, char ***ret) {
        const struct unit *u = c->u;
        const struct {
                bool on;
                const char *text;
        } items[] = {
                { u->n_publish > 0 && !kube,
                  "PublishPort=: the runtime's network (a CNI plugin, podman -p) publishes ports; the "
                  "bundle's network namespace has only lo, as the service's has before svc links it" },
                { u->outbound, "Outbound=: the runtime's network decides what the container reaches" },
                { u->restart != RESTART_NO && !kube, "Restart=: crun runs the process once; restarting is "
                                                     "the engine's (podman --restart, a Kubernetes Pod)" },
                { u->health.text && !kube, "HealthCmd= and the probe keys: the engine's health checks "
                                           "(the image's Healthcheck, a Pod's probes) run them" },
                { u->type == SERVICE_NOTIFY || u->type == SERVICE_NOTIFY_RELOAD,
                  "Type=notify: no NOTIFY_SOCKET is given, so READY=1 goes nowhere and the container "
                  "counts as started at once" },
                { u->timeout_stop_usec != 10000000ULL || u->kill_signal != SIGTERM,
                  "KillSignal= and TimeoutStopSec=: the engine's stop sends them (crun kill, the image's "
                  "StopSignal, terminationGracePeriodSeconds)" },
                { u->log_rotate_size != 1024 * 1024 || u->log_rotate_count != 10,
                  "LogRotateSize= and LogRotateCount=: the engine keeps the logs" },
                { u->on_failure != NULL || u->on_health_change != NULL,
                  "OnFailure= and OnHealthChange=: the engine's events tell the owner" },
                { u->after != NULL || u->requires != NULL || u->wants != NULL,
                  "After=, Requires= and Wants=: a container starts alone; order is the engine's" },
        };
        for (size_t i = 0; i < ELEMENTSOF(items); i++)
                if (items[i].on && strv_extend(ret, items[i].text) < 0)
                        return -ENOMEM;
        return 0;
}
