/* SPDX-License-Identifier: MIT */
/* svc export NAME --to oci-bundle DIR: DIR/config.json of the OCI runtime spec (1.0.2), the
 * sandbox svcd gives the service written for crun or runc: the tree's current generation as the
 * read-only root, the same namespaces, mounts in svc's order, user and uid range, capabilities,
 * svc's seccomp policy (sandbox/seccomp-gen.c --oci), rlimits, cgroup limits, environment, working
 * directory, hostname, and the masked and read-only paths of sandbox/mounts.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/macro.h"
#include "common/paths.h"
#include "common/util.h"
#include "supervisor/export/export.h"
#include "supervisor/spec/spec.h"

struct svc_seccomp_oci_rule {
        const char *name;
        int err;
        unsigned n_cmp, index;
        const char *op;
        unsigned long long value, value_two;
};
#include "seccomp-oci.h"

typedef struct json_object json;
#define _cleanup_json_ _cleanup_(export_json_putp)

/* Root inside keeps the bounding set; another user only its AmbientCapabilities=, as in svc. */
static json *capabilities_json(const struct export_ctx *c) {
        uint64_t bounding = svc_spec_caps(c->u, c->creds.uid, false);
        uint64_t ambient = c->u->ambient_capabilities & bounding;
        uint64_t held = c->creds.uid == 0 ? bounding : ambient;
        json *o = json_object_new_object();
        if (!o || export_json_add(o, "bounding", export_json_caps(bounding, true)) < 0 ||
            export_json_add(o, "effective", export_json_caps(held, true)) < 0 ||
            export_json_add(o, "permitted", export_json_caps(held, true)) < 0 ||
            export_json_add(o, "inheritable", export_json_caps(ambient, true)) < 0 ||
            export_json_add(o, "ambient", export_json_caps(ambient, true)) < 0) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

static json *rlimits_json(const struct unit *u) {
        static const char *const names[] = {
                [RLIMIT_CPU] = "CPU",           [RLIMIT_FSIZE] = "FSIZE", [RLIMIT_DATA] = "DATA",
                [RLIMIT_STACK] = "STACK",       [RLIMIT_CORE] = "CORE",   [RLIMIT_RSS] = "RSS",
                [RLIMIT_NOFILE] = "NOFILE",     [RLIMIT_AS] = "AS",       [RLIMIT_NPROC] = "NPROC",
                [RLIMIT_MEMLOCK] = "MEMLOCK",   [RLIMIT_LOCKS] = "LOCKS", [RLIMIT_SIGPENDING] = "SIGPENDING",
                [RLIMIT_MSGQUEUE] = "MSGQUEUE", [RLIMIT_NICE] = "NICE",   [RLIMIT_RTPRIO] = "RTPRIO",
                [RLIMIT_RTTIME] = "RTTIME",
        };
        json *a = json_object_new_array();
        for (int i = 0; a && i < UNIT_RLIMIT_MAX && i < (int) ELEMENTSOF(names); i++) {
                if (!u->rlimits[i] || !names[i])
                        continue;
                char type[32];
                snprintf(type, sizeof(type), "RLIMIT_%s", names[i]);
                json *l = json_object_new_object();
                export_json_add(l, "type", json_object_new_string(type));
                export_json_add(l, "hard", json_object_new_uint64(u->rlimits[i]->rlim_max));
                export_json_add(l, "soft", json_object_new_uint64(u->rlimits[i]->rlim_cur));
                json_object_array_add(a, l);
        }
        return a;
}

static json *user_json(const struct export_ctx *c) {
        json *o = json_object_new_object();
        json *groups = json_object_new_array();
        for (size_t i = 0; groups && i < c->creds.n_groups; i++)
                json_object_array_add(groups, json_object_new_int64(c->creds.groups[i]));
        if (!o || export_json_add(o, "uid", json_object_new_int64(c->creds.uid)) < 0 ||
            export_json_add(o, "gid", json_object_new_int64(c->creds.gid)) < 0 ||
            export_json_add(o, "umask", json_object_new_int64(c->u->umask)) < 0 ||
            export_json_add(o, "additionalGids", groups) < 0) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

json *export_process_json(const struct export_ctx *c) {
        const struct unit *u = c->u;
        json *o = json_object_new_object();
        int r = o ? 0 : -ENOMEM;
        if (r >= 0)
                r = export_json_add(o, "terminal", json_object_new_boolean(false));
        if (r >= 0)
                r = export_json_add(o, "user", user_json(c));
        if (r >= 0)
                r = export_json_add(o, "args", export_json_strv(c->argv));
        if (r >= 0)
                r = export_json_add(o, "env", export_json_strv(c->env));
        if (r >= 0)
                r = export_json_add(
                        o, "cwd", json_object_new_string(u->working_directory ? u->working_directory : "/"));
        if (r >= 0)
                r = export_json_add(o, "capabilities", capabilities_json(c));
        if (r >= 0)
                r = export_json_add(o, "rlimits", rlimits_json(u));
        if (r >= 0)
                r = export_json_add(o, "noNewPrivileges", json_object_new_boolean(u->no_new_privileges));
        if (r >= 0 && u->oom_score_adjust_set)
                r = export_json_add(o, "oomScoreAdj", json_object_new_int(u->oom_score_adjust));
        if (r < 0) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

/* ---- mounts ----------------------------------------------------------------------------------- */

static int add_mount(json *mounts, const char *dest, const char *type, const char *source, const char *opts) {
        json *m = json_object_new_object();
        _cleanup_strv_free_ char **o = NULL;
        for (const char *p = opts; p && *p;) {
                size_t n = strcspn(p, ",");
                char *w = strndup(p, n);
                if (!w || strv_push(&o, w) < 0)
                        return -ENOMEM;
                p += n + (p[n] == ',');
        }
        int r = m ? 0 : -ENOMEM;
        if (r >= 0)
                r = export_json_add(m, "destination", json_object_new_string(dest));
        if (r >= 0)
                r = export_json_add(m, "type", json_object_new_string(type));
        if (r >= 0)
                r = export_json_add(m, "source", json_object_new_string(source));
        if (r >= 0)
                r = export_json_add(m, "options", export_json_strv(o));
        if (r >= 0)
                r = json_object_array_add(mounts, m) < 0 ? -ENOMEM : 0;
        else
                json_object_put(m);
        return r;
}

/* What mounts.c mounts in every sandbox, in its order. */
static int add_fixed_mounts(json *mounts, const struct export_ctx *c) {
        int r = add_mount(mounts, "/proc", "proc", "proc", "nosuid,noexec,nodev");
        if (r >= 0)
                r = add_mount(mounts, "/dev", "tmpfs", "tmpfs", "nosuid,noexec,mode=755,size=64k");
        if (r >= 0)
                r = add_mount(mounts, "/dev/pts", "devpts", "devpts",
                              "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620");
        if (r >= 0)
                r = add_mount(mounts, "/dev/shm", "tmpfs", "shm", "nosuid,noexec,nodev,mode=1777");
        if (r >= 0 && c->u->private_network)
                r = add_mount(mounts, "/sys", "sysfs", "sysfs", "nosuid,noexec,nodev,ro");
        else if (r >= 0) /* the host's network: its /sys, as svc shows it */
                r = add_mount(mounts, "/sys", "bind", "/sys", "rbind,nosuid,noexec,nodev,ro");
        return r;
}

/* VarOverlay=: the service's own /var over the tree's, in the same directories svcd keeps. */
static int add_var_layer(json *mounts, const struct export_ctx *c, const char *dir, const char *root) {
        if (c->u->var_overlay == OVERLAY_NONE)
                return 0;
        if (c->u->var_overlay == OVERLAY_TMPFS) /* in memory: a tmpfs is the closest a runtime has */
                return add_mount(mounts, "/var", "tmpfs", "tmpfs", "nosuid,nodev,mode=0755");
        _cleanup_free_ char *rel = path_join(SVC_VAR_DIR, c->name);
        _cleanup_free_ char *layer = rel ? path_join(c->root, rel) : NULL, *at = NULL, *opts = NULL;
        if (!layer)
                return -ENOMEM;
        if (access(layer, F_OK) < 0)
                return -ENOENT;
        int r = export_reach(c, dir, layer, "var", false, &at);
        if (r < 0)
                return r;
        if (asprintf(&opts, "lowerdir=%s/var,upperdir=%s/upper,workdir=%s/work", root, at, at) < 0)
                return -ENOMEM;
        return add_mount(mounts, "/var", "overlay", "overlay", opts);
}

static int add_tmp_mounts(json *mounts, const struct export_ctx *c) {
        int r = add_mount(mounts, "/tmp", "tmpfs", "tmpfs", "nosuid,nodev,mode=1777");
        if (r >= 0)
                r = add_mount(mounts, "/var/tmp", "tmpfs", "tmpfs", "nosuid,nodev,mode=1777");
        if (r >= 0)
                r = add_mount(mounts, "/run", "tmpfs", "tmpfs", "nosuid,nodev,mode=0755");
        STRV_FOREACH (d, c->u->runtime_directories) {
                _cleanup_free_ char *dest = path_join("/run", *d), *opts = NULL;
                unsigned mode = c->u->runtime_directory_mode ? c->u->runtime_directory_mode : 0755;
                if (!dest || asprintf(&opts, "nosuid,nodev,mode=%04o,uid=%u,gid=%u", mode, c->creds.uid,
                                      c->creds.gid) < 0)
                        return -ENOMEM;
                if (r >= 0)
                        r = add_mount(mounts, dest, "tmpfs", "tmpfs", opts);
        }
        return r;
}

static int add_bind(json *mounts, const struct export_ctx *c, const char *dir, const char *source,
                    const char *dest, bool read_only, bool recursive) {
        _cleanup_free_ char *at = NULL;
        int r = export_reach(c, dir, source, dest + 1, read_only, &at);
        if (r < 0)
                return r;
        char opts[64];
        snprintf(opts, sizeof(opts), "%s,nosuid,nodev%s", recursive ? "rbind" : "bind",
                 read_only ? ",ro" : "");
        return add_mount(mounts, dest, "bind", at, opts);
}

/* BindPaths= and friends, then StateDirectory=, LogsDirectory=, CacheDirectory= on top. */
static int add_binds(json *mounts, const struct export_ctx *c, const char *dir) {
        const struct unit *u = c->u;
        _cleanup_free_ char *volumes = path_join(c->root, SVC_VOLUMES_DIR);
        int r = volumes ? 0 : -ENOMEM;
        for (size_t i = 0; r >= 0 && i < u->n_binds; i++) {
                const struct bind_spec *b = &u->binds[i];
                _cleanup_free_ char *src = b->volume ? path_join(volumes, b->source) : strdup(b->source);
                if (!src)
                        return -ENOMEM;
                if (b->optional && access(src, F_OK) < 0)
                        continue;
                r = add_bind(mounts, c, dir, src, b->dest, b->read_only, b->recursive);
        }
        for (unsigned k = 0; r >= 0 && k < _SVC_SERVICE_DIR_MAX; k++) {
                unsigned mode;
                _cleanup_free_ char *base = path_join(c->root, svc_service_dirs[k].host_dir);
                char *const *dirs = svc_service_dir_names(u, k, &mode);
                for (char *const *d = dirs; base && r >= 0 && d && *d; d++) {
                        _cleanup_free_ char *src = path_join(base, *d);
                        _cleanup_free_ char *dst = path_join(svc_service_dirs[k].inside, *d);
                        r = src && dst ? add_bind(mounts, c, dir, src, dst, false, true) : -ENOMEM;
                }
                if (!base)
                        r = -ENOMEM;
        }
        return r;
}

/* ProtectHome= and the path keys: tmpfs mounts here, the rest in masked and read-only paths. */
static int add_paths(json *mounts, json *masked, json *readonly, const struct export_ctx *c) {
        struct svc_home_path homes[3];
        size_t n = svc_spec_protect_home(c->u->protect_home, homes);
        int r = 0;
        for (size_t i = 0; r >= 0 && i < n + c->u->n_paths; i++) {
                const struct path_spec *p = i >= n ? &c->u->paths[i - n] : NULL;
                enum sandbox_path_kind kind = p ? svc_spec_path_kind(p->key) : homes[i].kind;
                const char *path = p ? p->path : homes[i].path;
                if (kind == SANDBOX_PATH_TMPFS) {
                        _cleanup_free_ char *opts = NULL;
                        bool ro = p ? p->read_only : homes[i].read_only;
                        if (asprintf(&opts, "nosuid,nodev%s%s,%s", ro ? ",ro" : "",
                                     p && p->no_exec ? ",noexec" : "",
                                     p && p->options ? p->options : "mode=0755") < 0)
                                return -ENOMEM;
                        r = add_mount(mounts, path, "tmpfs", "tmpfs", opts);
                } else if (kind == SANDBOX_PATH_INACCESSIBLE)
                        r = json_object_array_add(masked, json_object_new_string(path)) < 0 ? -ENOMEM : 0;
                else if (kind == SANDBOX_PATH_READ_ONLY)
                        r = json_object_array_add(readonly, json_object_new_string(path)) < 0 ? -ENOMEM : 0;
        }
        return r;
}

static json *mounts_json(const struct export_ctx *c, const char *dir, const char *root, json *masked,
                         json *readonly, char **ret_error) {
        _cleanup_json_ json *mounts = json_object_new_array();
        int r = mounts ? add_fixed_mounts(mounts, c) : -ENOMEM;
        if (r >= 0 && (r = add_var_layer(mounts, c, dir, root)) == -ENOENT) {
                export_error(ret_error, r,
                             "%s has no /var layer under %s yet: start it once under svcd, so that the "
                             "bundle's /var is the one the service keeps",
                             c->name, SVC_VAR_DIR);
                return NULL;
        }
        if (r >= 0)
                r = add_paths(mounts, masked, readonly, c);
        if (r >= 0)
                r = add_tmp_mounts(mounts, c);
        if (r >= 0)
                r = add_binds(mounts, c, dir);
        return r < 0 ? NULL : TAKE_PTR(mounts);
}

static json *namespaces_json(const struct export_ctx *c) {
        const char *types[6] = { "pid", "mount", "ipc", "uts" };
        size_t n = 4;
        if (c->u->private_network) /* only lo, as svc's PrivateNetwork= */
                types[n++] = "network";
        if (c->userns)
                types[n++] = "user";
        json *a = json_object_new_array();
        for (size_t i = 0; a && i < n; i++) {
                json *ns = json_object_new_object();
                export_json_add(ns, "type", json_object_new_string(types[i]));
                json_object_array_add(a, ns);
        }
        return a;
}

static json *idmap_json(uint32_t base) {
        json *a = json_object_new_array(), *m = json_object_new_object();
        export_json_add(m, "containerID", json_object_new_int64(0));
        export_json_add(m, "hostID", json_object_new_int64(base));
        export_json_add(m, "size", json_object_new_int64(65536));
        json_object_array_add(a, m);
        return a;
}

/* MemoryMax=, MemoryHigh=, TasksMax=, CPUQuota=, CPUWeight= as the spec's cgroup limits. */
static json *resources_json(const struct unit *u) {
        json *res = json_object_new_object(), *mem = json_object_new_object(),
             *cpu = json_object_new_object();
        bool set = u->memory_max != UNIT_UNSET && u->memory_max != UINT64_MAX;
        if (set)
                export_json_add(mem, "limit", json_object_new_int64((int64_t) u->memory_max));
        if (u->memory_high != UNIT_UNSET && u->memory_high != UINT64_MAX) /* memory.high on cgroup v2 */
                export_json_add(mem, "reservation", json_object_new_int64((int64_t) u->memory_high));
        export_json_add(res, "memory", mem);
        if (u->tasks_max != UNIT_UNSET && u->tasks_max != UINT64_MAX) {
                json *pids = json_object_new_object();
                export_json_add(pids, "limit", json_object_new_int64((int64_t) u->tasks_max));
                export_json_add(res, "pids", pids);
        }
        if (u->cpu_quota_per_sec_usec != UNIT_UNSET) {
                export_json_add(cpu, "quota",
                                json_object_new_int64((int64_t) u->cpu_quota_per_sec_usec / 10));
                export_json_add(cpu, "period", json_object_new_uint64(100000));
        }
        if (u->cpu_weight != UNIT_UNSET) /* cgroup v1's shares: 1024 for systemd's weight 100 */
                export_json_add(cpu, "shares", json_object_new_uint64(u->cpu_weight * 1024 / 100));
        export_json_add(res, "cpu", cpu);
        return res;
}

static json *seccomp_json(void) {
        json *o = json_object_new_object(), *calls = json_object_new_array(),
             *arches = json_object_new_array();
        export_json_add(o, "defaultAction", json_object_new_string("SCMP_ACT_ALLOW"));
        json_object_array_add(arches, json_object_new_string(SVC_SECCOMP_OCI_ARCH));
        export_json_add(o, "architectures", arches);
        for (size_t i = 0; i < SVC_SECCOMP_OCI_LEN; i++) {
                const struct svc_seccomp_oci_rule *s = &svc_seccomp_oci[i];
                json *rule = json_object_new_object(), *names = json_object_new_array();
                json_object_array_add(names, json_object_new_string(s->name));
                export_json_add(rule, "names", names);
                export_json_add(rule, "action", json_object_new_string("SCMP_ACT_ERRNO"));
                export_json_add(rule, "errnoRet", json_object_new_int(s->err));
                if (s->n_cmp) {
                        json *args = json_object_new_array(), *a = json_object_new_object();
                        export_json_add(a, "index", json_object_new_int((int) s->index));
                        export_json_add(a, "value", json_object_new_uint64(s->value));
                        export_json_add(a, "valueTwo", json_object_new_uint64(s->value_two));
                        export_json_add(a, "op", json_object_new_string(s->op));
                        json_object_array_add(args, a);
                        export_json_add(rule, "args", args);
                }
                json_object_array_add(calls, rule);
        }
        export_json_add(o, "syscalls", calls);
        return o;
}

static json *linux_json(const struct export_ctx *c, json *masked, json *readonly) {
        json *o = json_object_new_object();
        for (size_t i = 0; i < SANDBOX_MASKED_PATHS_N; i++)
                json_object_array_add(masked, json_object_new_string(sandbox_masked_paths[i]));
        for (size_t i = 0; i < SANDBOX_READONLY_PATHS_N; i++)
                json_object_array_add(readonly, json_object_new_string(sandbox_readonly_paths[i]));
        export_json_add(o, "namespaces", namespaces_json(c));
        if (c->userns) {
                export_json_add(o, "uidMappings", idmap_json(c->userns_base));
                export_json_add(o, "gidMappings", idmap_json(c->userns_base));
        }
        export_json_add(o, "resources", resources_json(c->u));
        export_json_add(o, "seccomp", seccomp_json());
        export_json_add(o, "maskedPaths", json_object_get(masked));
        export_json_add(o, "readonlyPaths", json_object_get(readonly));
        return o;
}

static json *annotations_json(const struct export_ctx *c) {
        json *o = json_object_new_object();
        _cleanup_strv_free_ char **left = NULL;
        export_json_add(o, "org.svc.unit", json_object_new_string(c->u->path));
        export_json_add(o, "org.svc.tree", json_object_new_string(c->tree));
        if (export_left_out(c, false, &left) >= 0 && left) {
                _cleanup_free_ char *text = strv_join(left, "\n");
                export_json_add(o, "org.svc.not-exported", json_object_new_string(text ? text : ""));
        }
        return o;
}

static json *config_json(const struct export_ctx *c, const char *dir, char **ret_error) {
        _cleanup_json_ json *masked = json_object_new_array(), *readonly = json_object_new_array();
        _cleanup_json_ json *o = json_object_new_object(), *root = json_object_new_object();
        _cleanup_free_ char *hostname = svc_spec_hostname(c->u, c->name);
        _cleanup_free_ char *at = NULL;
        if (!masked || !readonly || !o || !root || !hostname)
                return NULL;
        int r = export_reach(c, dir, c->tree, "rootfs", true, &at);
        if (r < 0) {
                export_error(ret_error, r, "cannot bind %s at %s/rootfs: %s", c->tree, dir, strerror(-r));
                return NULL;
        }
        json *mounts = mounts_json(c, dir, at, masked, readonly, ret_error);
        if (!mounts)
                return NULL;
        export_json_add(root, "path", json_object_new_string(at));
        export_json_add(root, "readonly", json_object_new_boolean(true));
        r = export_json_add(o, "ociVersion", json_object_new_string("1.0.2"));
        if (r >= 0)
                r = export_json_add(o, "process", export_process_json(c));
        if (r >= 0)
                r = export_json_add(o, "root", json_object_get(root));
        if (r >= 0)
                r = export_json_add(o, "hostname", json_object_new_string(hostname));
        if (r >= 0)
                r = export_json_add(o, "mounts", mounts);
        else
                json_object_put(mounts);
        if (r >= 0)
                r = export_json_add(o, "linux", linux_json(c, masked, readonly));
        if (r >= 0)
                r = export_json_add(o, "annotations", annotations_json(c));
        return r < 0 ? NULL : TAKE_PTR(o);
}

/* In a user namespace crun reaches DIR as the range's root, an unprivileged host uid: every
 * directory on the way must let others pass. */
static int check_reachable(const struct export_ctx *c, const char *dir, char **ret_error) {
        _cleanup_free_ char *p = strdup(dir);
        if (!p)
                return -ENOMEM;
        while (c->userns && *p) {
                struct stat st;
                if (stat(p, &st) == 0 && !(st.st_mode & S_IXOTH))
                        return export_error(ret_error, -EACCES,
                                            "%s is not reachable by %s's uid range: %s is mode %04o; "
                                            "export into a directory others may pass (o+x)",
                                            dir, c->name, p, st.st_mode & 07777);
                *strrchr(p, '/') = '\0'; /* DIR is absolute: "/a/b", "/a", "" */
        }
        return 0;
}

int export_bundle(const struct export_ctx *c, const char *dir, char **ret_error) {
        if (c->range_missing)
                return export_error(ret_error, -ENOENT,
                                    "%s has no uid range yet: start it once under svcd, so that the bundle "
                                    "maps root inside to the same host range and its directories keep their "
                                    "owners",
                                    c->name);
        int r = mkdir_p(dir, 0755);
        if (r < 0)
                return export_error(ret_error, r, "cannot make %s: %s", dir, strerror(-r));
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return export_error(ret_error, -errno, "cannot open %s: %m", dir);
        _cleanup_free_ char *real = realpath(dir, NULL);
        if (real && (r = check_reachable(c, real, ret_error)) < 0)
                return r;
        _cleanup_json_ json *config = real ? config_json(c, real, ret_error) : NULL;
        if (!config)
                return *ret_error ? -EINVAL : -ENOMEM;
        r = export_json_write(config, fd, "config.json");
        if (r < 0)
                return export_error(ret_error, r, "cannot write %s/config.json: %s", dir, strerror(-r));
        return 0;
}
