/* SPDX-License-Identifier: MIT */
/* svc export NAME --to oci-image DIR: an OCI image layout (image-layout.md): oci-layout,
 * index.json naming the image NAME (org.opencontainers.image.ref.name), and in blobs/sha256 the
 * tree as one layer (export-layer.c), the config from the unit and the manifest. Exporting a
 * second service of the same tree into DIR adds its config and manifest and shares the layer. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/export/export.h"
#include "supervisor/spec/spec.h"
#include "supervisor/tree/tree.h"

typedef struct json_object json;
#define _cleanup_json_ _cleanup_(export_json_putp)

#define MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_LAYER "application/vnd.oci.image.layer.v1.tar"

#if defined(__x86_64__)
#define OCI_ARCH "amd64"
#elif defined(__aarch64__)
#define OCI_ARCH "arm64"
#else
#error "svc export: no OCI architecture name for this machine"
#endif

/* The blob at TMP in BLOBS_FD renamed to its digest. */
static int blob_commit(int blobs_fd, int fd, const char *tmp, char ret_digest[static 72]) {
        char hex[65];
        int r = tree_sha256_fd(fd, hex);
        if (r < 0)
                return r;
        if (renameat(blobs_fd, tmp, blobs_fd, hex) < 0)
                return -errno;
        snprintf(ret_digest, 72, "sha256:%s", hex);
        return 0;
}

int export_blob_write(int blobs_fd, const char *text, size_t len, char ret_digest[static 72]) {
        _cleanup_close_ int fd =
                openat(blobs_fd, ".blob.tmp", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return -errno;
        if (write(fd, text, len) != (ssize_t) len)
                return -EIO;
        return blob_commit(blobs_fd, fd, ".blob.tmp", ret_digest);
}

static int json_blob(int blobs_fd, json *o, char ret_digest[static 72], int64_t *ret_size) {
        const char *text =
                json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!text)
                return -ENOMEM;
        *ret_size = (int64_t) strlen(text);
        return export_blob_write(blobs_fd, text, strlen(text), ret_digest);
}

static int layer_blob(const struct export_ctx *c, int blobs_fd, char ret_digest[static 72],
                      int64_t *ret_size) {
        _cleanup_close_ int fd =
                openat(blobs_fd, ".layer.tmp", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return -errno;
        int r = export_layer_write(c, fd);
        struct stat st = { 0 };
        if (r >= 0 && fstat(fd, &st) < 0)
                r = -errno;
        if (r >= 0)
                r = blob_commit(blobs_fd, fd, ".layer.tmp", ret_digest);
        if (r < 0)
                (void) unlinkat(blobs_fd, ".layer.tmp", 0);
        *ret_size = r < 0 ? 0 : st.st_size;
        return r;
}

static json *descriptor(const char *media_type, const char *digest, int64_t size) {
        json *o = json_object_new_object();
        export_json_add(o, "mediaType", json_object_new_string(media_type));
        export_json_add(o, "digest", json_object_new_string(digest));
        export_json_add(o, "size", json_object_new_int64(size));
        return o;
}

static json *empty_set(char *const *keys, const char *prefix) {
        json *o = json_object_new_object();
        for (char *const *k = keys; k && *k; k++) {
                _cleanup_free_ char *p = prefix ? path_join(prefix, *k) : strdup(*k);
                if (p)
                        export_json_add(o, p, json_object_new_object());
        }
        return o;
}

/* PublishPort='s ports inside, "80/tcp". */
static json *exposed_ports(const struct unit *u) {
        _cleanup_strv_free_ char **ports = NULL;
        for (size_t i = 0; i < u->n_publish; i++)
                for (unsigned p = u->publish[i].port; p <= u->publish[i].port_end; p++) {
                        char *s = NULL;
                        if (asprintf(&s, "%u/%s", p, u->publish[i].protocol == IPPROTO_UDP ? "udp" : "tcp") <
                                    0 ||
                            strv_push(&ports, s) < 0)
                                return NULL;
                }
        return empty_set(ports, NULL);
}

/* StateDirectory=, LogsDirectory=, CacheDirectory=: what the service keeps. */
static json *volumes(const struct unit *u) {
        json *o = json_object_new_object();
        for (unsigned k = 0; o && k < _SVC_SERVICE_DIR_MAX; k++) {
                unsigned mode;
                char *const *dirs = svc_service_dir_names(u, k, &mode);
                for (char *const *d = dirs; d && *d; d++) {
                        _cleanup_free_ char *p = path_join(svc_service_dirs[k].inside, *d);
                        if (p)
                                export_json_add(o, p, json_object_new_object());
                }
        }
        return o;
}

/* HealthCmd= as Docker's Healthcheck, which podman and Docker read from an image's config;
 * durations in nanoseconds. A TCP or HTTP probe has no command: export_left_out() says so. */
static json *healthcheck(const struct unit *u) {
        const struct health_probe *p = &u->health;
        if (!p->text || p->kind != HEALTH_EXEC)
                return NULL;
        json *o = json_object_new_object(), *test = json_object_new_array();
        json_object_array_add(test, json_object_new_string(p->shell ? "CMD-SHELL" : "CMD"));
        if (p->shell)
                json_object_array_add(test, json_object_new_string(p->text));
        for (char **a = p->shell ? NULL : p->argv; a && *a; a++)
                json_object_array_add(test, json_object_new_string(*a));
        export_json_add(o, "Test", test);
        export_json_add(o, "Interval", json_object_new_int64((int64_t) u->health_interval_usec * 1000));
        export_json_add(o, "Timeout", json_object_new_int64((int64_t) u->health_timeout_usec * 1000));
        export_json_add(o, "StartPeriod",
                        json_object_new_int64((int64_t) u->health_start_period_usec * 1000));
        export_json_add(o, "Retries", json_object_new_int((int) u->health_retries));
        return o;
}

static json *labels(const struct export_ctx *c) {
        json *o = json_object_new_object();
        _cleanup_strv_free_ char **left = NULL;
        export_json_add(o, "org.svc.unit", json_object_new_string(c->u->path));
        if (export_left_out(c, false, &left) >= 0 && left) {
                _cleanup_free_ char *text = strv_join(left, "\n");
                export_json_add(o, "org.svc.not-exported", json_object_new_string(text ? text : ""));
        }
        return o;
}

static json *container_config(const struct export_ctx *c) {
        const struct unit *u = c->u;
        json *o = json_object_new_object();
        char user[32], stop[32];
        snprintf(user, sizeof(user), "%u:%u", (unsigned) c->creds.uid, (unsigned) c->creds.gid);
        const char *sig = sigabbrev_np(u->kill_signal);
        snprintf(stop, sizeof(stop), "SIG%s", sig ? sig : "TERM");
        export_json_add(o, "User", json_object_new_string(user));
        export_json_add(o, "Env", export_json_strv(c->env));
        export_json_add(o, "Entrypoint", export_json_strv(c->argv));
        export_json_add(o, "WorkingDir",
                        json_object_new_string(u->working_directory ? u->working_directory : "/"));
        export_json_add(o, "ExposedPorts", exposed_ports(u));
        export_json_add(o, "Volumes", volumes(u));
        export_json_add(o, "StopSignal", json_object_new_string(stop));
        export_json_add(o, "Labels", labels(c));
        json *health = healthcheck(u);
        if (health)
                export_json_add(o, "Healthcheck", health);
        return o;
}

static json *image_config(const struct export_ctx *c, const char *layer) {
        json *o = json_object_new_object(), *rootfs = json_object_new_object(),
             *history = json_object_new_array();
        json *h = json_object_new_object();
        _cleanup_free_ char *by = NULL;
        if (asprintf(&by, "svc export %s --to oci-image (%s, %s)", c->name, c->tree_label, c->tree) < 0)
                by = NULL;
        export_json_add(o, "architecture", json_object_new_string(OCI_ARCH));
        export_json_add(o, "os", json_object_new_string("linux"));
        export_json_add(o, "config", container_config(c));
        export_json_add(rootfs, "type", json_object_new_string("layers"));
        export_json_add(rootfs, "diff_ids", export_json_strv((char *[]){ (char *) layer, NULL }));
        export_json_add(o, "rootfs", rootfs);
        export_json_add(h, "created_by", json_object_new_string(by ? by : "svc export"));
        json_object_array_add(history, h);
        export_json_add(o, "history", history);
        return o;
}

static json *manifest(const char *config, int64_t config_size, const char *layer, int64_t layer_size) {
        json *o = json_object_new_object(), *layers = json_object_new_array();
        export_json_add(o, "schemaVersion", json_object_new_int(2));
        export_json_add(o, "mediaType", json_object_new_string(MT_MANIFEST));
        export_json_add(o, "config", descriptor(MT_CONFIG, config, config_size));
        json_object_array_add(layers, descriptor(MT_LAYER, layer, layer_size));
        export_json_add(o, "layers", layers);
        return o;
}

/* index.json: the images already in DIR but one named NAME, then this one. */
static int write_index(int dir_fd, const char *name, const char *digest, int64_t size) {
        _cleanup_close_ int fd = openat(dir_fd, "index.json", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        _cleanup_json_ json *old = fd < 0 ? NULL : json_object_from_fd(fd);
        _cleanup_json_ json *index = json_object_new_object(), *annotations = json_object_new_object();
        json *list = json_object_new_array(), *old_list = NULL, *m = descriptor(MT_MANIFEST, digest, size);
        if (old && json_object_object_get_ex(old, "manifests", &old_list))
                for (size_t i = 0; i < json_object_array_length(old_list); i++) {
                        json *e = json_object_array_get_idx(old_list, i), *a, *ref;
                        if (json_object_object_get_ex(e, "annotations", &a) &&
                            json_object_object_get_ex(a, "org.opencontainers.image.ref.name", &ref) &&
                            streq(json_object_get_string(ref), name))
                                continue;
                        json_object_array_add(list, json_object_get(e));
                }
        export_json_add(annotations, "org.opencontainers.image.ref.name", json_object_new_string(name));
        export_json_add(m, "annotations", json_object_get(annotations));
        json_object_array_add(list, m);
        export_json_add(index, "schemaVersion", json_object_new_int(2));
        export_json_add(index, "manifests", list);
        return export_json_write(index, dir_fd, "index.json");
}

int export_image(const struct export_ctx *c, const char *dir, char **ret_error) {
        _cleanup_free_ char *blobs = path_join(dir, "blobs/sha256");
        int r = blobs ? mkdir_p(blobs, 0755) : -ENOMEM;
        _cleanup_close_ int dir_fd = r < 0 ? -EBADF : open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int blobs_fd = r < 0 ? -EBADF : open(blobs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (r < 0 || dir_fd < 0 || blobs_fd < 0)
                return export_error(ret_error, r < 0 ? r : -errno, "cannot make %s: %s", blobs,
                                    strerror(r < 0 ? -r : errno));
        char layer[72], config[72], man[72];
        int64_t layer_size = 0, config_size = 0, man_size = 0;
        r = layer_blob(c, blobs_fd, layer, &layer_size);
        if (r < 0)
                return export_error(ret_error, r, "cannot write the layer of %s: %s", c->tree, strerror(-r));
        _cleanup_json_ json *cfg = image_config(c, layer);
        r = json_blob(blobs_fd, cfg, config, &config_size);
        _cleanup_json_ json *m = r < 0 ? NULL : manifest(config, config_size, layer, layer_size);
        if (r >= 0)
                r = json_blob(blobs_fd, m, man, &man_size);
        if (r >= 0)
                r = write_index(dir_fd, c->name, man, man_size);
        _cleanup_json_ json *layout = json_object_new_object();
        export_json_add(layout, "imageLayoutVersion", json_object_new_string("1.0.0"));
        if (r >= 0)
                r = export_json_write(layout, dir_fd, "oci-layout");
        if (r < 0)
                return export_error(ret_error, r, "cannot write the image in %s: %s", dir, strerror(-r));
        printf("Layer %s (%s, %lld bytes)\n", layer, c->tree_label, (long long) layer_size);
        return 0;
}
