/* SPDX-License-Identifier: MIT */
/* svc export NAME --to kube DIR: DIR/NAME.yaml, a PersistentVolumeClaim per directory the service
 * keeps, a Pod and, with PublishPort=, a Service (core/v1). Each document is JSON, which is YAML;
 * the comment at the top lists what has no Kubernetes equivalent, never dropped silently. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/export/export.h"
#include "supervisor/spec/spec.h"

typedef struct json_object json;
#define _cleanup_json_ _cleanup_(export_json_putp)

#define USEC_PER_SEC 1000000ULL

/* A DNS-1123 label of at most 63 characters: lower case, digits and '-'. */
static char *dns_label(const char *a, const char *b) {
        char *s = NULL;
        if (asprintf(&s, "%s%s%s", a, b ? "-" : "", b ? b : "") < 0)
                return NULL;
        for (char *p = s; *p; p++)
                *p = isalnum((unsigned char) *p) ? (char) tolower((unsigned char) *p) : '-';
        s[strnlen(s, 63)] = '\0';
        return s;
}

static json *object_meta(const struct export_ctx *c, const char *name) {
        json *m = json_object_new_object(), *labels = json_object_new_object();
        _cleanup_free_ char *app = dns_label(c->name, NULL);
        export_json_add(m, "name", json_object_new_string(name));
        export_json_add(labels, "app", json_object_new_string(app ? app : "svc"));
        export_json_add(m, "labels", labels);
        return m;
}

static json *document(const struct export_ctx *c, const char *kind, const char *name) {
        json *o = json_object_new_object();
        export_json_add(o, "apiVersion", json_object_new_string("v1"));
        export_json_add(o, "kind", json_object_new_string(kind));
        export_json_add(o, "metadata", object_meta(c, name));
        return o;
}

/* One claim per StateDirectory=, LogsDirectory=, CacheDirectory=, named NAME-KIND-DIR. */
static json *claim(const struct export_ctx *c, const char *claim_name) {
        json *o = document(c, "PersistentVolumeClaim", claim_name), *spec = json_object_new_object();
        json *res = json_object_new_object(), *req = json_object_new_object();
        export_json_add(spec, "accessModes", export_json_strv((char *[]){ (char *) "ReadWriteOnce", NULL }));
        export_json_add(req, "storage", json_object_new_string("1Gi"));
        export_json_add(res, "requests", req);
        export_json_add(spec, "resources", res);
        export_json_add(o, "spec", spec);
        return o;
}

static json *probe_json(const struct health_probe *p, uint64_t interval, uint64_t timeout, unsigned retries,
                        uint64_t delay) {
        json *o = json_object_new_object(), *how = json_object_new_object();
        if (p->kind == HEALTH_EXEC) {
                char *sh[] = { (char *) "/bin/sh", (char *) "-c", p->text, NULL };
                export_json_add(how, "command", export_json_strv(p->shell ? sh : p->argv));
                export_json_add(o, "exec", how);
        } else {
                export_json_add(how, "port", json_object_new_int(p->port));
                if (p->kind == HEALTH_HTTP)
                        export_json_add(how, "path", json_object_new_string(p->path ? p->path : "/"));
                export_json_add(o, p->kind == HEALTH_HTTP ? "httpGet" : "tcpSocket", how);
        }
        /* Kubernetes counts in whole seconds, at least 1. */
        export_json_add(o, "periodSeconds",
                        json_object_new_int64((int64_t) MAX(interval / USEC_PER_SEC, 1ULL)));
        export_json_add(o, "timeoutSeconds",
                        json_object_new_int64((int64_t) MAX(timeout / USEC_PER_SEC, 1ULL)));
        export_json_add(o, "failureThreshold", json_object_new_int(retries ? (int) retries : INT32_MAX));
        if (delay)
                export_json_add(o, "initialDelaySeconds",
                                json_object_new_int64((int64_t) (delay / USEC_PER_SEC)));
        return o;
}

/* HealthCmd= and friends: liveness and readiness (svc's dependants wait for healthy), startup. */
static void add_probes(json *ctr, const struct unit *u) {
        if (u->health.text) {
                export_json_add(ctr, "livenessProbe",
                                probe_json(&u->health, u->health_interval_usec, u->health_timeout_usec,
                                           u->health_retries, u->health_start_period_usec));
                export_json_add(ctr, "readinessProbe",
                                probe_json(&u->health, u->health_interval_usec, u->health_timeout_usec,
                                           u->health_retries, u->health_start_period_usec));
        }
        if (u->health_startup.text)
                export_json_add(ctr, "startupProbe",
                                probe_json(&u->health_startup, u->health_startup_interval_usec,
                                           u->health_startup_timeout_usec, u->health_startup_retries, 0));
}

static json *security_context(const struct export_ctx *c) {
        json *o = json_object_new_object(), *caps = json_object_new_object();
        uint64_t bounding = svc_spec_caps(c->u, c->creds.uid, false);
        uint64_t held = c->creds.uid == 0 ? bounding : c->u->ambient_capabilities & bounding;
        export_json_add(o, "runAsUser", json_object_new_int64(c->creds.uid));
        export_json_add(o, "runAsGroup", json_object_new_int64(c->creds.gid));
        export_json_add(o, "allowPrivilegeEscalation", json_object_new_boolean(!c->u->no_new_privileges));
        export_json_add(o, "privileged", json_object_new_boolean(false));
        export_json_add(o, "readOnlyRootFilesystem", json_object_new_boolean(true));
        export_json_add(caps, "drop", export_json_strv((char *[]){ (char *) "ALL", NULL }));
        export_json_add(caps, "add", export_json_caps(held, false));
        export_json_add(o, "capabilities", caps);
        json *seccomp = json_object_new_object();
        export_json_add(seccomp, "type", json_object_new_string("RuntimeDefault"));
        export_json_add(o, "seccompProfile", seccomp);
        return o;
}

static const char *const dir_kinds[_SVC_SERVICE_DIR_MAX] = { "state", "logs", "cache" };

/* The volumes of the Pod and their mounts: a claim per kept directory, memory for /tmp, /var/tmp
 * and /run as svc's tmpfs. */
static void add_volumes(const struct export_ctx *c, json *pod_spec, json *ctr) {
        json *vols = json_object_new_array(), *mounts = json_object_new_array();
        for (unsigned k = 0; k < _SVC_SERVICE_DIR_MAX; k++) {
                unsigned mode;
                for (char *const *d = svc_service_dir_names(c->u, k, &mode); d && *d; d++) {
                        _cleanup_free_ char *vol = dns_label(dir_kinds[k], *d);
                        _cleanup_free_ char *claim_name = vol ? dns_label(c->name, vol) : NULL;
                        _cleanup_free_ char *path = path_join(svc_service_dirs[k].inside, *d);
                        json *v = json_object_new_object(), *pvc = json_object_new_object(),
                             *m = json_object_new_object();
                        export_json_add(v, "name", json_object_new_string(vol ? vol : ""));
                        export_json_add(pvc, "claimName",
                                        json_object_new_string(claim_name ? claim_name : ""));
                        export_json_add(v, "persistentVolumeClaim", pvc);
                        json_object_array_add(vols, v);
                        export_json_add(m, "name", json_object_new_string(vol ? vol : ""));
                        export_json_add(m, "mountPath", json_object_new_string(path ? path : ""));
                        json_object_array_add(mounts, m);
                }
        }
        static const char *const mem[][2] = { { "tmp", "/tmp" },
                                              { "var-tmp", "/var/tmp" },
                                              { "run", "/run" } };
        for (size_t i = 0; i < ELEMENTSOF(mem); i++) {
                json *v = json_object_new_object(), *e = json_object_new_object(),
                     *m = json_object_new_object();
                export_json_add(e, "medium", json_object_new_string("Memory"));
                export_json_add(v, "name", json_object_new_string(mem[i][0]));
                export_json_add(v, "emptyDir", e);
                json_object_array_add(vols, v);
                export_json_add(m, "name", json_object_new_string(mem[i][0]));
                export_json_add(m, "mountPath", json_object_new_string(mem[i][1]));
                json_object_array_add(mounts, m);
        }
        export_json_add(pod_spec, "volumes", vols);
        export_json_add(ctr, "volumeMounts", mounts);
}

static json *env_json(char *const *env) {
        json *a = json_object_new_array();
        for (char *const *e = env; e && *e; e++) {
                const char *eq = strchr(*e, '=');
                json *v = json_object_new_object();
                _cleanup_free_ char *name = eq ? strndup(*e, (size_t) (eq - *e)) : NULL;
                export_json_add(v, "name", json_object_new_string(name ? name : *e));
                export_json_add(v, "value", json_object_new_string(eq ? eq + 1 : ""));
                json_object_array_add(a, v);
        }
        return a;
}

static json *ports_json(const struct unit *u, bool service) {
        json *a = json_object_new_array();
        for (size_t i = 0; i < u->n_publish; i++)
                for (unsigned k = 0; k + u->publish[i].port <= u->publish[i].port_end; k++) {
                        const struct publish_spec *p = &u->publish[i];
                        json *o = json_object_new_object();
                        char name[16];
                        snprintf(name, sizeof(name), "%s-%u", p->protocol == IPPROTO_UDP ? "udp" : "tcp",
                                 p->port + k);
                        export_json_add(o, "name", json_object_new_string(name));
                        export_json_add(
                                o, service ? "port" : "containerPort",
                                json_object_new_int(service ? p->host_port + (int) k : p->port + (int) k));
                        if (service)
                                export_json_add(o, "targetPort", json_object_new_int(p->port + (int) k));
                        export_json_add(o, "protocol",
                                        json_object_new_string(p->protocol == IPPROTO_UDP ? "UDP" : "TCP"));
                        json_object_array_add(a, o);
                }
        return a;
}

static json *resources_json(const struct unit *u) {
        json *o = json_object_new_object(), *limits = json_object_new_object();
        char v[32];
        if (u->memory_max != UNIT_UNSET && u->memory_max != UINT64_MAX) {
                snprintf(v, sizeof(v), "%llu", (unsigned long long) u->memory_max);
                export_json_add(limits, "memory", json_object_new_string(v));
        }
        if (u->cpu_quota_per_sec_usec != UNIT_UNSET) { /* 500000 us a second: 500 millicores */
                snprintf(v, sizeof(v), "%llum", (unsigned long long) u->cpu_quota_per_sec_usec / 1000);
                export_json_add(limits, "cpu", json_object_new_string(v));
        }
        export_json_add(o, "limits", limits);
        return o;
}

static json *container_json(const struct export_ctx *c, json *pod_spec) {
        json *o = json_object_new_object();
        _cleanup_free_ char *name = dns_label(c->name, NULL), *image = NULL;
        if (asprintf(&image, "localhost/%s:latest", name ? name : c->name) < 0)
                image = NULL;
        export_json_add(o, "name", json_object_new_string(name ? name : ""));
        export_json_add(o, "image", json_object_new_string(image ? image : ""));
        export_json_add(o, "imagePullPolicy", json_object_new_string("IfNotPresent"));
        export_json_add(o, "command", export_json_strv(c->argv));
        export_json_add(o, "env", env_json(c->env));
        export_json_add(o, "workingDir",
                        json_object_new_string(c->u->working_directory ? c->u->working_directory : "/"));
        /* No "ports": they are informational in Kubernetes, the Service and the NetworkPolicy use
         * the numbers, and podman kube play would publish them on the host. */
        export_json_add(o, "resources", resources_json(c->u));
        export_json_add(o, "securityContext", security_context(c));
        add_probes(o, c->u);
        add_volumes(c, pod_spec, o);
        return o;
}

/* systemd's Restart= as a Pod's: always restarts, on-* restart after a failure, no never. */
static const char *restart_policy(enum restart_policy r) {
        return r == RESTART_ALWAYS ? "Always" : r == RESTART_NO ? "Never" : "OnFailure";
}

static json *pod_json(const struct export_ctx *c) {
        _cleanup_free_ char *name = dns_label(c->name, NULL), *host = svc_spec_hostname(c->u, c->name);
        json *o = document(c, "Pod", name ? name : ""), *spec = json_object_new_object();
        json *containers = json_object_new_array();
        _cleanup_free_ char *hostname = host ? dns_label(host, NULL) : NULL;
        export_json_add(spec, "restartPolicy", json_object_new_string(restart_policy(c->u->restart)));
        export_json_add(spec, "hostname", json_object_new_string(hostname ? hostname : ""));
        if (!c->u->private_network) /* PrivateNetwork=no, written in the unit */
                export_json_add(spec, "hostNetwork", json_object_new_boolean(true));
        export_json_add(spec, "terminationGracePeriodSeconds",
                        json_object_new_int64((int64_t) (c->u->timeout_stop_usec / USEC_PER_SEC)));
        json_object_array_add(containers, container_json(c, spec));
        export_json_add(spec, "containers", containers);
        export_json_add(o, "spec", spec);
        return o;
}

static json *service_json(const struct export_ctx *c) {
        _cleanup_free_ char *name = dns_label(c->name, NULL);
        json *o = document(c, "Service", name ? name : ""), *spec = json_object_new_object();
        json *selector = json_object_new_object();
        export_json_add(selector, "app", json_object_new_string(name ? name : ""));
        export_json_add(spec, "selector", selector);
        export_json_add(spec, "ports", ports_json(c->u, true));
        export_json_add(o, "spec", spec);
        return o;
}

/* What svc's sandbox does that a Pod does not say: the comment at the top. */
static int kube_left_out(const struct export_ctx *c, char ***ret) {
        const struct unit *u = c->u;
        bool rlimits = false;
        for (int i = 0; i < UNIT_RLIMIT_MAX; i++)
                rlimits = rlimits || u->rlimits[i];
        const struct {
                bool on;
                const char *text;
        } items[] = {
                { rlimits,
                  "LimitNOFILE= and the other Limit*= keys: a Pod has no rlimits; the node's apply" },
                { u->memory_high != UNIT_UNSET,
                  "MemoryHigh=: a Pod has a limit (MemoryMax=) and a request only" },
                { u->tasks_max != UNIT_UNSET, "TasksMax=: the pids limit is the kubelet's, per node" },
                { u->cpu_weight != UNIT_UNSET || u->io_weight != UNIT_UNSET,
                  "CPUWeight= and IOWeight=: use requests" },
                { u->var_overlay == OVERLAY_PERSISTENT,
                  "VarOverlay=: the root is read-only in the Pod and /var "
                  "with it; what the service keeps is in its claims" },
                { u->private_network,
                  "PrivateNetwork=: a Pod is on the cluster's network; a NetworkPolicy "
                  "denying what PublishPort= and Outbound= do not allow keeps it as closed" },
                { u->n_paths > 0 || u->protect_home != PROTECT_HOME_UNSET,
                  "ReadOnlyPaths=, InaccessiblePaths=, TemporaryFileSystem= and ProtectHome=: no Pod field "
                  "hides or remounts a path of the image" },
                { u->oom_score_adjust_set || u->nice_set,
                  "OOMScoreAdjust= and Nice=: the kubelet sets them" },
                { true, "svc's seccomp filter (Docker's default, stricter): seccompProfile RuntimeDefault is "
                        "the runtime's, close to it; the user namespace: hostUsers is not set" },
                { true, "the claims ask for 1Gi each: svc's directories have no size; set yours" },
        };
        int r = export_left_out(c, true, ret);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(items); i++)
                if (items[i].on)
                        r = strv_extend(ret, items[i].text);
        return r;
}

/* svc's sandbox has only lo unless PublishPort= or Outbound= say more: a policy that lets in the
 * published ports alone and lets out nothing without Outbound=. */
static json *network_policy(const struct export_ctx *c) {
        _cleanup_free_ char *name = dns_label(c->name, NULL);
        json *o = json_object_new_object(), *spec = json_object_new_object(), *sel = json_object_new_object();
        json *labels = json_object_new_object(), *ingress = json_object_new_array(),
             *egress = json_object_new_array();
        export_json_add(o, "apiVersion", json_object_new_string("networking.k8s.io/v1"));
        export_json_add(o, "kind", json_object_new_string("NetworkPolicy"));
        export_json_add(o, "metadata", object_meta(c, name ? name : ""));
        export_json_add(labels, "app", json_object_new_string(name ? name : ""));
        export_json_add(sel, "matchLabels", labels);
        export_json_add(spec, "podSelector", sel);
        export_json_add(spec, "policyTypes",
                        export_json_strv((char *[]){ (char *) "Ingress", (char *) "Egress", NULL }));
        if (c->u->n_publish > 0) {
                json *rule = json_object_new_object(), *ports = ports_json(c->u, false);
                for (size_t i = 0; i < json_object_array_length(ports);
                     i++) { /* "port", not "containerPort" */
                        json *p = json_object_array_get_idx(ports, i), *v;
                        json_object_object_get_ex(p, "containerPort", &v);
                        export_json_add(p, "port", json_object_get(v));
                        json_object_object_del(p, "containerPort");
                        json_object_object_del(p, "name");
                }
                export_json_add(rule, "ports", ports);
                json_object_array_add(ingress, rule);
        }
        if (c->u->outbound)
                json_object_array_add(egress, json_object_new_object());
        export_json_add(spec, "ingress", ingress);
        export_json_add(spec, "egress", egress);
        export_json_add(o, "spec", spec);
        return o;
}

static int write_doc(FILE *f, json *doc) {
        const char *text =
                json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
        return text && fprintf(f, "---\n%s\n", text) >= 0 ? 0 : -EIO;
}

static int write_kube(const struct export_ctx *c, FILE *f) {
        _cleanup_strv_free_ char **left = NULL;
        int r = kube_left_out(c, &left);
        if (r < 0)
                return r;
        fprintf(f, "# svc export %s --to kube: from %s (%s).\n# Each document is JSON, which is YAML.\n",
                c->name, c->u->path, c->tree_label);
        fprintf(f, "# The image: svc export %s --to oci-image DIR, loaded as localhost/%s:latest.\n", c->name,
                c->name);
        fprintf(f, "# Not exported, no Kubernetes equivalent:\n");
        STRV_FOREACH (l, left)
                fprintf(f, "#   - %s\n", *l);
        for (unsigned k = 0; r >= 0 && k < _SVC_SERVICE_DIR_MAX; k++) {
                unsigned mode;
                for (char *const *d = svc_service_dir_names(c->u, k, &mode); r >= 0 && d && *d; d++) {
                        _cleanup_free_ char *vol = dns_label(dir_kinds[k], *d);
                        _cleanup_free_ char *claim_name = vol ? dns_label(c->name, vol) : NULL;
                        _cleanup_json_ json *doc = claim_name ? claim(c, claim_name) : NULL;
                        r = doc ? write_doc(f, doc) : -ENOMEM;
                }
        }
        _cleanup_json_ json *pod = pod_json(c), *policy = network_policy(c);
        _cleanup_json_ json *service = c->u->n_publish > 0 ? service_json(c) : NULL;
        if (r >= 0)
                r = write_doc(f, pod);
        if (r >= 0 && service)
                r = write_doc(f, service);
        if (r >= 0)
                r = write_doc(f, policy);
        return r;
}

int export_kube(const struct export_ctx *c, const char *dir, char **ret_error) {
        int r = mkdir_p(dir, 0755);
        if (r < 0)
                return export_error(ret_error, r, "cannot make %s: %s", dir, strerror(-r));
        _cleanup_free_ char *path = NULL, *tmp = NULL;
        if (asprintf(&path, "%s/%s.yaml", dir, c->name) < 0 || asprintf(&tmp, "%s.tmp", path) < 0)
                return -ENOMEM;
        FILE *f = fopen(tmp, "we");
        if (!f)
                return export_error(ret_error, -errno, "cannot write %s: %m", tmp);
        r = write_kube(c, f);
        if (fclose(f) != 0 && r >= 0)
                r = -errno;
        if (r >= 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlink(tmp);
                return export_error(ret_error, r, "cannot write %s: %s", path, strerror(-r));
        }
        return 0;
}
