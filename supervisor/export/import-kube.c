/* SPDX-License-Identifier: MIT */
/* svc import-kube FILE [--image ARCHIVE]: a simple Pod (one container: its image, command,
 * environment, ports, volumes, probes, limits, user) as ROOT/etc/svc/units/NAME.unit, and its
 * image as tree NAME through `svc tree import`. Every value reaches the unit file through
 * tree_quote() (a manifest is input from elsewhere), the unit is loaded back before it is kept,
 * and what has no svc equivalent is listed in a comment. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/macro.h"
#include "common/paths.h"
#include "common/util.h"
#include "supervisor/export/export.h"
#include "supervisor/tree/tree.h"

typedef struct json_object json;
#define _cleanup_json_ _cleanup_(export_json_putp)

/* O's member at the dotted PATH ("spec.containers"), or NULL. */
static json *get(json *o, const char *path) {
        char key[64];
        while (o && *path) {
                size_t n = strcspn(path, ".");
                snprintf(key, sizeof(key), "%.*s", (int) MIN(n, sizeof(key) - 1), path);
                if (!json_object_object_get_ex(o, key, &o))
                        return NULL;
                path += n + (path[n] == '.');
        }
        return o;
}

static const char *get_str(json *o, const char *path) {
        json *v = get(o, path);
        return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static bool get_int(json *o, const char *path, int64_t *ret) {
        json *v = get(o, path);
        if (!v || !json_object_is_type(v, json_type_int))
                return false;
        *ret = json_object_get_int64(v);
        return true;
}

static json *find_pod(json *docs, const char *file, char **ret_error) {
        for (size_t i = 0; i < json_object_array_length(docs); i++) {
                json *d = json_object_array_get_idx(docs, i);
                const char *kind = get_str(d, "kind");
                if (kind && streq(kind, "Pod"))
                        return d;
        }
        export_error(ret_error, -EINVAL, "%s has no Pod: svc import-kube takes a Pod of one container", file);
        return NULL;
}

/* Kubernetes quantities: "64Mi", "1G", "134217728". 0 on a value svc cannot read. */
static uint64_t quantity(const char *v) {
        static const struct {
                const char *suffix;
                uint64_t factor;
        } units[] = { { "Ki", 1ULL << 10 },   { "Mi", 1ULL << 20 },
                      { "Gi", 1ULL << 30 },   { "Ti", 1ULL << 40 },
                      { "k", 1000ULL },       { "M", 1000000ULL },
                      { "G", 1000000000ULL }, { "", 1 } };
        char *end = NULL;
        unsigned long long n = v ? strtoull(v, &end, 10) : 0;
        for (size_t i = 0; end && end != v && i < ELEMENTSOF(units); i++)
                if (streq(end, units[i].suffix))
                        return n * units[i].factor;
        return 0;
}

static void put_key(FILE *f, const char *key, const char *value, enum tree_quote how, char ***skipped) {
        fprintf(f, "%s=", key);
        const char *why = NULL;
        if (tree_quote(f, value, how, &why) < 0) {
                fprintf(f, "\n");
                char *s = NULL;
                if (asprintf(&s, "%s=: %s", key, why ? why : "cannot be written") >= 0)
                        (void) strv_push(skipped, s);
                return;
        }
        fprintf(f, "\n");
}

static void put_words(FILE *f, const char *key, json *words, enum tree_quote how) {
        fprintf(f, "%s=", key);
        for (size_t i = 0; i < json_object_array_length(words); i++) {
                const char *w = json_object_get_string(json_object_array_get_idx(words, i));
                if (i > 0)
                        fputc(' ', f);
                (void) tree_quote(f, w ? w : "", how, NULL);
        }
        fprintf(f, "\n");
}

/* A probe as HealthCmd= (PREFIX "Health") or HealthStartupCmd= (PREFIX "HealthStartup"). */
static void put_probe(FILE *f, json *probe, bool startup, char ***skipped) {
        const char *p = startup ? "HealthStartup" : "Health";
        char key[64], v[96];
        int64_t n;
        snprintf(key, sizeof(key), "%sCmd", p);
        json *cmd = get(probe, "exec.command");
        if (cmd && json_object_is_type(cmd, json_type_array))
                put_key(f, key,
                        json_object_to_json_string_ext(cmd, JSON_C_TO_STRING_PLAIN |
                                                                    JSON_C_TO_STRING_NOSLASHESCAPE),
                        TREE_QUOTE_LITERAL, skipped);
        else if (get_int(probe, "tcpSocket.port", &n))
                fprintf(f, "%s=tcp:%lld\n", key, (long long) n);
        else if (get_int(probe, "httpGet.port", &n)) {
                const char *path = get_str(probe, "httpGet.path");
                snprintf(v, sizeof(v), "http://localhost:%lld", (long long) n);
                fprintf(f, "%s=%s", key, v);
                (void) tree_quote(f, path && path[0] == '/' ? path : "/", TREE_QUOTE_LITERAL, NULL);
                fprintf(f, "\n");
        } else {
                (void) strv_extend(skipped, startup ? "startupProbe: neither exec, tcpSocket nor httpGet"
                                                    : "livenessProbe: neither exec, tcpSocket nor httpGet");
                return;
        }
        if (get_int(probe, "periodSeconds", &n))
                fprintf(f, "%sInterval=%llds\n", p, (long long) n);
        if (get_int(probe, "timeoutSeconds", &n))
                fprintf(f, "%sTimeout=%llds\n", p, (long long) n);
        if (get_int(probe, "failureThreshold", &n) && n > 0 && n < INT32_MAX)
                fprintf(f, "%sRetries=%lld\n", p, (long long) n);
        if (!startup && get_int(probe, "initialDelaySeconds", &n))
                fprintf(f, "HealthStartPeriod=%llds\n", (long long) n);
}

/* A volume of the Pod by name: "pvc", "emptyDir", "hostPath", and its claim or path. */
static const char *volume_kind(json *pod, const char *name, const char **ret_source) {
        json *vols = get(pod, "spec.volumes");
        for (size_t i = 0; vols && i < json_object_array_length(vols); i++) {
                json *v = json_object_array_get_idx(vols, i);
                const char *n = get_str(v, "name");
                if (!n || !streq(n, name))
                        continue;
                if ((*ret_source = get_str(v, "persistentVolumeClaim.claimName")))
                        return "pvc";
                if ((*ret_source = get_str(v, "hostPath.path")))
                        return "hostPath";
                if (get(v, "emptyDir"))
                        return "emptyDir";
        }
        return NULL;
}

/* A claim at /var/lib/X, /var/log/X, /var/cache/X is that directory of svc's, kept per service;
 * another claim a named volume; emptyDir a tmpfs (svc's own /tmp, /var/tmp and /run need none). */
static void put_mount(FILE *f, json *pod, json *m, char ***skipped) {
        static const char *const dirs[][2] = { { "/var/lib/", "StateDirectory" },
                                               { "/var/log/", "LogsDirectory" },
                                               { "/var/cache/", "CacheDirectory" } };
        const char *name = get_str(m, "name"), *path = get_str(m, "mountPath"), *src = NULL;
        const char *kind = name ? volume_kind(pod, name, &src) : NULL;
        json *ro = get(m, "readOnly");
        bool read_only = ro && json_object_get_boolean(ro);
        if (!path || !kind) {
                (void) strv_extend(skipped,
                                   "volumeMounts: a mount of no volume svc knows (configMap, secret, ...)");
                return;
        }
        if (streq(kind, "emptyDir")) {
                if (!streq(path, "/tmp") && !streq(path, "/var/tmp") && !streq(path, "/run"))
                        put_key(f, "TemporaryFileSystem", path, TREE_QUOTE_WORD, skipped);
                return;
        }
        for (size_t i = 0; streq(kind, "pvc") && !read_only && i < ELEMENTSOF(dirs); i++)
                if (strneq(path, dirs[i][0], strlen(dirs[i][0])) && path[strlen(dirs[i][0])] &&
                    !strchr(path + strlen(dirs[i][0]), '/')) {
                        put_key(f, dirs[i][1], path + strlen(dirs[i][0]), TREE_QUOTE_WORD, skipped);
                        return;
                }
        _cleanup_free_ char *bind = NULL;
        if (asprintf(&bind, "%s:%s", src, path) >= 0)
                put_key(f, read_only ? "BindReadOnlyPaths" : "BindPaths", bind, TREE_QUOTE_WORD, skipped);
}

static void put_security(FILE *f, json *ctr, char ***skipped) {
        int64_t n;
        json *v;
        if (get_int(ctr, "securityContext.runAsUser", &n))
                fprintf(f, "User=%lld\n", (long long) n);
        if (get_int(ctr, "securityContext.runAsGroup", &n))
                fprintf(f, "Group=%lld\n", (long long) n);
        if ((v = get(ctr, "securityContext.allowPrivilegeEscalation")) && json_object_get_boolean(v))
                fprintf(f, "NoNewPrivileges=no\n");
        json *add = get(ctr, "securityContext.capabilities.add"),
             *drop = get(ctr, "securityContext.capabilities.drop");
        bool drop_all = drop && json_object_array_length(drop) == 1 &&
                        streq(json_object_get_string(json_object_array_get_idx(drop, 0)), "ALL");
        if (drop_all) {
                fprintf(f, "CapabilityBoundingSet=");
                for (size_t i = 0; add && i < json_object_array_length(add); i++) {
                        const char *cap = json_object_get_string(json_object_array_get_idx(add, i));
                        fprintf(f, "%sCAP_", i ? " " : "");
                        (void) tree_quote(f, cap ? cap : "", TREE_QUOTE_WORD, NULL);
                }
                fprintf(f, "\n");
        } else if (add || drop)
                (void) strv_extend(skipped, "securityContext.capabilities: only a drop of ALL with adds is "
                                            "imported; svc's default set applies");
}

static void put_resources(FILE *f, json *ctr) {
        uint64_t mem = quantity(get_str(ctr, "resources.limits.memory"));
        const char *cpu = get_str(ctr, "resources.limits.cpu");
        int64_t n;
        if (!mem && get_int(ctr, "resources.limits.memory", &n) && n > 0)
                mem = (uint64_t) n;
        if (mem)
                fprintf(f, "MemoryMax=%llu\n", (unsigned long long) mem);
        char *end = NULL;
        unsigned long long c = cpu ? strtoull(cpu, &end, 10) : 0;
        if (cpu && end != cpu && (streq(end, "m") || !*end)) /* "500m" or whole CPUs */
                fprintf(f, "CPUQuota=%llu%%\n", *end ? c / 10 : c * 100);
        else if (get_int(ctr, "resources.limits.cpu", &n) && n > 0)
                fprintf(f, "CPUQuota=%lld%%\n", (long long) n * 100);
}

static void put_container(FILE *f, json *pod, json *ctr, char ***skipped) {
        json *cmd = get(ctr, "command"), *args = get(ctr, "args"), *all = json_object_new_array();
        for (size_t i = 0; cmd && i < json_object_array_length(cmd); i++)
                json_object_array_add(all, json_object_get(json_object_array_get_idx(cmd, i)));
        for (size_t i = 0; args && i < json_object_array_length(args); i++)
                json_object_array_add(all, json_object_get(json_object_array_get_idx(args, i)));
        put_words(f, "ExecStart", all, TREE_QUOTE_COMMAND);
        json_object_put(all);
        json *env = get(ctr, "env");
        for (size_t i = 0; env && i < json_object_array_length(env); i++) {
                json *e = json_object_array_get_idx(env, i);
                _cleanup_free_ char *kv = NULL;
                if (get_str(e, "name") &&
                    asprintf(&kv, "%s=%s", get_str(e, "name"), get_str(e, "value") ?: "") >= 0)
                        put_key(f, "Environment", kv, TREE_QUOTE_WORD, skipped);
        }
        if (get_str(ctr, "workingDir"))
                put_key(f, "WorkingDirectory", get_str(ctr, "workingDir"), TREE_QUOTE_LITERAL, skipped);
        put_security(f, ctr, skipped);
        put_resources(f, ctr);
        json *ports = get(ctr, "ports"), *mounts = get(ctr, "volumeMounts");
        for (size_t i = 0; ports && i < json_object_array_length(ports); i++) {
                json *p = json_object_array_get_idx(ports, i);
                int64_t host, port;
                const char *proto = get_str(p, "protocol");
                if (get_int(p, "hostPort", &host) && get_int(p, "containerPort", &port))
                        fprintf(f, "PublishPort=%lld:%lld/%s\n", (long long) host, (long long) port,
                                proto && streq(proto, "UDP") ? "udp" : "tcp");
        }
        for (size_t i = 0; mounts && i < json_object_array_length(mounts); i++)
                put_mount(f, pod, json_object_array_get_idx(mounts, i), skipped);
        json *probe = get(ctr, "livenessProbe") ?: get(ctr, "readinessProbe");
        if (probe)
                put_probe(f, probe, false, skipped);
        if ((probe = get(ctr, "startupProbe")))
                put_probe(f, probe, true, skipped);
}

/* The ports of the Services whose selector picks the Pod: Service port on the host, targetPort
 * in the service, as PublishPort= publishes them. */
static void put_service_ports(FILE *f, json *docs, json *pod) {
        const char *app = get_str(pod, "metadata.labels.app");
        for (size_t i = 0; app && i < json_object_array_length(docs); i++) {
                json *d = json_object_array_get_idx(docs, i), *ports = get(d, "spec.ports");
                const char *kind = get_str(d, "kind"), *sel = get_str(d, "spec.selector.app");
                if (!kind || !streq(kind, "Service") || !sel || !streq(sel, app))
                        continue;
                for (size_t k = 0; ports && k < json_object_array_length(ports); k++) {
                        json *p = json_object_array_get_idx(ports, k);
                        int64_t port, target;
                        const char *proto = get_str(p, "protocol");
                        if (!get_int(p, "port", &port))
                                continue;
                        if (!get_int(p, "targetPort", &target))
                                target = port;
                        fprintf(f, "PublishPort=%lld:%lld/%s\n", (long long) port, (long long) target,
                                proto && streq(proto, "UDP") ? "udp" : "tcp");
                }
        }
}

static void put_pod(FILE *f, json *pod, const char *file, const char *name) {
        const char *restart = get_str(pod, "spec.restartPolicy"), *host = get_str(pod, "spec.hostname");
        json *hn = get(pod, "spec.hostNetwork");
        int64_t grace;
        fprintf(f, "# Made by svc import-kube from %s (Pod %s).\n[Unit]\nDescription=", file, name);
        (void) tree_quote(f, name, TREE_QUOTE_LITERAL, NULL);
        fprintf(f, " (a Pod imported by svc import-kube)\n\n[Service]\nRootDirectory=%s\n", name);
        if (restart)
                fprintf(f, "Restart=%s\n",
                        streq(restart, "Always")  ? "always"
                        : streq(restart, "Never") ? "no"
                                                  : "on-failure");
        if (host)
                put_key(f, "Hostname", host, TREE_QUOTE_LITERAL, NULL);
        if (hn && json_object_get_boolean(hn))
                fprintf(f, "PrivateNetwork=no\n");
        if (get_int(pod, "spec.terminationGracePeriodSeconds", &grace))
                fprintf(f, "TimeoutStopSec=%llds\n", (long long) grace);
}

/* Members of O that KNOWN does not name, as "WHERE.KEY: not imported". */
static void list_unknown(json *o, const char *where, const char *const *known, char ***skipped) {
        json_object_object_foreach(o, key, val) {
                (void) val;
                bool found = false;
                for (const char *const *k = known; *k && !found; k++)
                        found = streq(*k, key);
                char *s = NULL;
                if (!found && asprintf(&s, "%s.%s: svc has no equivalent", where, key) >= 0)
                        (void) strv_push(skipped, s);
        }
}

static int check_pod(json *pod, const char *file, const char **ret_name, json **ret_ctr, char **ret_error) {
        const char *name = get_str(pod, "metadata.name");
        json *ctrs = get(pod, "spec.containers");
        if (!name || !unit_name_is_valid(name))
                return export_error(ret_error, -EINVAL, "%s: the Pod's metadata.name is no valid unit name",
                                    file);
        if (!ctrs || json_object_array_length(ctrs) != 1 || get(pod, "spec.initContainers"))
                return export_error(
                        ret_error, -EOPNOTSUPP,
                        "%s: Pod %s has %zu containers%s; a service runs one command: split the Pod "
                        "into one unit per container",
                        file, name, ctrs ? json_object_array_length(ctrs) : 0,
                        get(pod, "spec.initContainers") ? " and init containers" : "");
        json *ctr = json_object_array_get_idx(ctrs, 0);
        if (!get(ctr, "command"))
                return export_error(
                        ret_error, -EINVAL,
                        "%s: the container of Pod %s has no command; import the image with svc tree "
                        "import --unit, which takes its entrypoint",
                        file, name);
        json *priv = get(ctr, "securityContext.privileged");
        if (priv && json_object_get_boolean(priv))
                return export_error(ret_error, -EPERM, "%s: Pod %s is privileged, which svc never runs", file,
                                    name);
        *ret_name = name;
        *ret_ctr = ctr;
        return 0;
}

static int write_unit(const char *path, json *docs, json *pod, json *ctr, const char *file,
                      const char *name) {
        static const char *const pod_known[] = { "containers", "volumes",     "restartPolicy",
                                                 "hostname",   "hostNetwork", "terminationGracePeriodSeconds",
                                                 NULL };
        static const char *const ctr_known[] = {
                "name",         "image",         "imagePullPolicy", "command",      "args",
                "env",          "workingDir",    "securityContext", "resources",    "ports",
                "volumeMounts", "livenessProbe", "readinessProbe",  "startupProbe", NULL
        };
        _cleanup_strv_free_ char **skipped = NULL;
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
        FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
        if (!f)
                return fd < 0 ? -errno : (close(fd), -ENOMEM);
        put_pod(f, pod, file, name);
        put_container(f, pod, ctr, &skipped);
        put_service_ports(f, docs, pod);
        list_unknown(get(pod, "spec"), "spec", pod_known, &skipped);
        list_unknown(ctr, "container", ctr_known, &skipped);
        if (get(ctr, "livenessProbe") && get(ctr, "readinessProbe"))
                (void) strv_extend(&skipped, "readinessProbe: svc has one health probe, the livenessProbe's");
        if (skipped)
                fprintf(f, "\n# Not imported:\n");
        STRV_FOREACH (s, skipped) {
                _cleanup_free_ char *t = tree_text(*s);
                fprintf(f, "#   - %s\n", t ? t : "?");
        }
        return fclose(f) == 0 ? 0 : -errno;
}

/* svc-tree next to this program: `svc tree import NAME ARCHIVE`. */
static int import_tree(const char *root, const char *name, const char *image) {
        char self[4096];
        ssize_t k = readlink("/proc/self/exe", self, sizeof(self) - 16);
        if (k <= 0)
                return -errno;
        self[k] = '\0';
        strcpy(strrchr(self, '/') + 1, "svc-tree");
        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                execl(self, "svc", "--root", root, "tree", "import", name, image, (char *) NULL);
                _exit(127);
        }
        int status;
        if (waitpid(pid, &status, 0) < 0)
                return -errno;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EINVAL;
}

int import_kube(const char *root, const char *file, const char *image, char **ret_error) {
        _cleanup_json_ json *docs = NULL;
        int r = import_yaml_load(file, &docs, ret_error);
        json *pod = r < 0 ? NULL : find_pod(docs, file, ret_error), *ctr = NULL;
        const char *name = NULL;
        if (!pod || (r = check_pod(pod, file, &name, &ctr, ret_error)) < 0)
                return r < 0 ? r : -EINVAL;
        _cleanup_free_ char *dir = path_join(root, SVC_UNITS_DIR), *path = NULL;
        if (!dir || asprintf(&path, "%s/%s.unit", dir, name) < 0 || mkdir_p(dir, 0755) < 0)
                return -ENOMEM;
        r = write_unit(path, docs, pod, ctr, file, name);
        if (r == -EEXIST)
                return export_error(ret_error, r, "%s exists: remove it to import Pod %s again", path, name);
        if (r < 0)
                return export_error(ret_error, r, "cannot write %s: %s", path, strerror(-r));
        struct unit *u = NULL;
        struct unit_diag d = { 0 };
        r = unit_load_from_dir(dir, name, NULL, &u, &d);
        for (size_t i = 0; r < 0 && i < d.n && !*ret_error; i++)
                *ret_error = unit_diag_format(&d.items[i]);
        unit_diag_clear(&d);
        unit_free(u);
        if (r >= 0 && image && (r = import_tree(root, name, image)) < 0)
                export_error(ret_error, r,
                             "the image %s could not be imported as tree %s (svc tree import says why)",
                             image, name);
        if (r < 0)
                (void) unlink(path);
        else
                printf("Made %s%s\n", path,
                       image ? "" : "; import the image as its tree with svc tree import");
        return r;
}
