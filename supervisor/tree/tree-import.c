/* SPDX-License-Identifier: MIT */
/* svc tree import NAME ARCHIVE: an image made elsewhere, without Docker.
 *
 * ARCHIVE is a `docker save` tarball (manifest.json: the config and the layers in order), an OCI
 * image layout (index.json -> manifest -> config and layers, blobs/ALG/HEX), as a directory or a
 * tar of one, or else a root file system tarball (docker export, mmdebstrap, tar of a tree),
 * applied as one layer. An image archive is first unpacked into .NAME/.import by the same writer
 * (tree-extract.c), then every path it names is opened inside that directory with
 * RESOLVE_IN_ROOT: a manifest cannot point at a file of the host. JSON is read with json-c. A
 * blob named blobs/sha256/HEX must hash to HEX (a damaged archive stops there; a hostile one can
 * make its digests match: what makes the import safe is the writer). */
#include <ctype.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/cli/client.h"
#include "supervisor/tree/tree.h"
#include "units/unit.h"

#define JSON_SIZE_MAX (16 * 1024 * 1024)
#define INDEX_DEPTH_MAX 4
/* What one import may write, checked while extracting (a decompression bomb stops here, not when
 * the disk is full): a big image is a few GiB in a few hundred thousand files. The tree and the
 * unpacked image archive each count against these. */
#define IMPORT_MAX_BYTES (16ULL << 30)
#define IMPORT_MAX_ENTRIES 4000000ULL

struct caps {
        uint64_t entries, bytes;
};

struct import {
        struct tree_ctx *ctx;
        const char *name, *archive, *unit, *tag;
        bool keep_setuid;
        int src_fd; /* the image's files: the layout directory, or .NAME/.import */
        const char *format; /* "docker save", "OCI layout", "root file system" */
        char **layers; /* paths in src_fd, base first */
        struct json_object *config; /* the image config's "config" */
        char *ref; /* the image's name, when it has one */
        unsigned stripped;
        unsigned prev; /* onto an imported tree: the generation it is on, else 0 */
        struct caps max; /* --max-entries, --max-size */
        struct caps tree, unpacked; /* written so far into the tree, and into .NAME/.import */
        uint64_t min_healthy; /* --min-healthy: the gate's window onto a new generation */
};

static void json_putp(struct json_object **o) {
        json_object_put(*o);
}

static struct json_object *get(struct json_object *o, const char *key, enum json_type type) {
        struct json_object *v = NULL;
        if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
                return NULL;
        return v;
}

static const char *get_string(struct json_object *o, const char *key) {
        return json_object_get_string(get(o, key, json_type_string));
}

/* ---- files of the image ----------------------------------------------------------------------- */

static int open_in_image(struct import *im, const char *path) {
        struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK,
                                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
        _cleanup_close_ int fd = (int) syscall(SYS_openat2, im->src_fd, path, &how, sizeof(how));
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0)
                return -errno;
        return S_ISREG(st.st_mode) ? TAKE_FD(fd) : -EBADF;
}

/* A blob named by its SHA-256 must hash to it (image-layout.md): a damaged or truncated archive
 * stops here. Other files, and other algorithms, are taken as they are. */
static int verify_blob(struct import *im, const char *path, int fd) {
        const char *hex = strneq(path, "blobs/sha256/", 13) ? path + 13 : NULL;
        char sum[65];
        if (!hex || strlen(hex) != 64 || strspn(hex, "0123456789abcdef") != 64)
                return 0;
        int r = tree_sha256_fd(fd, sum);
        if (r < 0 || !streq(sum, hex)) {
                tree_error("%s: %s in the image %s", im->archive, path,
                           r < 0 ? "cannot be read" : "does not hash to its digest: the archive is damaged");
                return r < 0 ? r : -EBADMSG;
        }
        return 0;
}

/* A regular file of the image, checked against its digest. */
static int open_blob(struct import *im, const char *path) {
        _cleanup_close_ int fd = open_in_image(im, path);
        if (fd < 0) {
                tree_error("%s: cannot open %s in the image: %s", im->archive, path,
                           fd == -EBADF ? "not a regular file" : strerror(-fd));
                return fd;
        }
        int r = verify_blob(im, path, fd);
        return r < 0 ? r : TAKE_FD(fd);
}

static int read_json(struct import *im, const char *path, struct json_object **ret) {
        _cleanup_close_ int fd = open_blob(im, path);
        if (fd < 0)
                return fd;
        _cleanup_free_ char *buf = malloc(JSON_SIZE_MAX + 1);
        ssize_t n = buf ? read(fd, buf, JSON_SIZE_MAX) : -1;
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        enum json_tokener_error e = json_tokener_success;
        struct json_object *o = json_tokener_parse_verbose(buf, &e);
        if (!o || (!json_object_is_type(o, json_type_object) && !json_object_is_type(o, json_type_array))) {
                tree_error("%s: %s in the image is not JSON: %s", im->archive, path,
                           o ? "not an object or array" : json_tokener_error_desc(e));
                json_object_put(o);
                return -EBADMSG;
        }
        *ret = o;
        return 0;
}

/* "sha256:HEX" as "blobs/sha256/HEX", refusing anything that is not a digest. */
static char *blob_path(struct import *im, const char *digest) {
        const char *colon = digest ? strchr(digest, ':') : NULL;
        char *p = NULL;
        if (!colon || colon == digest ||
            strspn(digest, "abcdefghijklmnopqrstuvwxyz0123456789+._-") != (size_t) (colon - digest) ||
            !colon[1] ||
            strspn(colon + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789=_-") !=
                    strlen(colon + 1)) {
                tree_error("%s: %s is not a digest", im->archive, digest ? digest : "(none)");
                return NULL;
        }
        if (asprintf(&p, "blobs/%.*s/%s", (int) (colon - digest), digest, colon + 1) < 0)
                return NULL;
        return p;
}

static int read_config(struct import *im, const char *path) {
        _cleanup_(json_putp) struct json_object *c = NULL;
        int r = read_json(im, path, &c);
        if (r < 0)
                return r;
        im->config = json_object_get(get(c, "config", json_type_object));
        return 0;
}

/* ---- docker save: manifest.json ------------------------------------------------------------------ */

static bool has_tag(struct json_object *item, const char *tag) {
        struct json_object *tags = get(item, "RepoTags", json_type_array);
        for (size_t i = 0; tags && i < json_object_array_length(tags); i++) {
                const char *t = json_object_get_string(json_object_array_get_idx(tags, i));
                size_t n = strlen(tag);
                if (t && (streq(t, tag) || (strneq(t, tag, n) && streq(t + n, ":latest"))))
                        return true;
        }
        return false;
}

static int docker_pick(struct import *im, struct json_object *m, struct json_object **ret) {
        size_t n = json_object_array_length(m), found = 0;
        for (size_t i = 0; i < n; i++) {
                struct json_object *item = json_object_array_get_idx(m, i);
                if (im->tag ? has_tag(item, im->tag) : n == 1) {
                        *ret = item;
                        found++;
                }
        }
        if (found == 1)
                return 0;
        if (im->tag)
                tree_error("%s: no image tagged %s in it", im->archive, im->tag);
        else
                tree_error("%s holds %zu images: choose one with --tag", im->archive, n);
        return -ENOENT;
}

static int docker_manifest(struct import *im) {
        _cleanup_(json_putp) struct json_object *m = NULL;
        struct json_object *item = NULL, *layers;
        int r = read_json(im, "manifest.json", &m);
        if (r < 0 || (r = docker_pick(im, m, &item)) < 0)
                return r;
        const char *config = get_string(item, "Config");
        if (!config || !(layers = get(item, "Layers", json_type_array))) {
                tree_error("%s: manifest.json names no Config or no Layers", im->archive);
                return -EBADMSG;
        }
        for (size_t i = 0; i < json_object_array_length(layers); i++) {
                const char *l = json_object_get_string(json_object_array_get_idx(layers, i));
                if (!l || strv_extend(&im->layers, l) < 0)
                        return l ? -ENOMEM : -EBADMSG;
        }
        struct json_object *tags = get(item, "RepoTags", json_type_array);
        const char *tag = tags ? json_object_get_string(json_object_array_get_idx(tags, 0)) : NULL;
        if (tag && !(im->ref = strdup(tag)))
                return -ENOMEM;
        im->format = "docker save";
        return read_config(im, config);
}

/* ---- OCI image layout: index.json ----------------------------------------------------------------- */

static const char *host_arch(void) {
        static const char *const map[][2] = { { "x86_64", "amd64" },    { "aarch64", "arm64" },
                                              { "i686", "386" },        { "armv7l", "arm" },
                                              { "ppc64le", "ppc64le" }, { "s390x", "s390x" },
                                              { "riscv64", "riscv64" } };
        static struct utsname u;
        if (uname(&u) < 0)
                return "";
        for (size_t i = 0; i < ELEMENTSOF(map); i++)
                if (streq(u.machine, map[i][0]))
                        return map[i][1];
        return u.machine;
}

static bool descriptor_fits(struct import *im, struct json_object *d, bool top) {
        struct json_object *p = get(d, "platform", json_type_object),
                           *a = get(d, "annotations", json_type_object);
        const char *os = get_string(p, "os"), *arch = get_string(p, "architecture");
        if (p && ((os && !streq(os, "linux")) || (arch && !streq(arch, host_arch()))))
                return false;
        if (!top || !im->tag)
                return true;
        const char *ref = get_string(a, "org.opencontainers.image.ref.name"),
                   *name = get_string(a, "io.containerd.image.name");
        return (ref && streq(ref, im->tag)) || (name && streq(name, im->tag));
}

static int oci_manifest(struct import *im, const char *digest);

/* The first manifest of INDEX for this machine (and --tag), following nested indexes. */
static int oci_index(struct import *im, struct json_object *index, unsigned depth) {
        struct json_object *ms = get(index, "manifests", json_type_array);
        for (size_t i = 0; ms && i < json_object_array_length(ms); i++) {
                struct json_object *d = json_object_array_get_idx(ms, i);
                const char *type = get_string(d, "mediaType"), *digest = get_string(d, "digest");
                const char *ref = get_string(get(d, "annotations", json_type_object),
                                             "org.opencontainers.image.ref.name");
                if (!descriptor_fits(im, d, depth == 0))
                        continue;
                if (!im->ref && ref && !(im->ref = strdup(ref)))
                        return -ENOMEM;
                if (!type || !strstr(type, "index") || depth >= INDEX_DEPTH_MAX)
                        return oci_manifest(im, digest);
                _cleanup_free_ char *path = blob_path(im, digest);
                _cleanup_(json_putp) struct json_object *sub = NULL;
                int r = path ? read_json(im, path, &sub) : -EINVAL;
                return r < 0 ? r : oci_index(im, sub, depth + 1);
        }
        tree_error("%s: no image for linux/%s%s%s in the layout", im->archive, host_arch(),
                   im->tag ? " tagged " : "", im->tag ? im->tag : "");
        return -ENOENT;
}

static int oci_layer(struct import *im, struct json_object *d) {
        const char *type = get_string(d, "mediaType");
        bool layer = type && (strstr(type, ".layer.") || strstr(type, ".rootfs."));
        if (type && (!layer || strstr(type, "encrypted"))) {
                tree_error("%s: a layer has media type %s, which is not a layer svc can read", im->archive,
                           type);
                return -EMEDIUMTYPE;
        }
        char *path = blob_path(im, get_string(d, "digest"));
        return path ? strv_push(&im->layers, path) : -EINVAL;
}

static int oci_manifest(struct import *im, const char *digest) {
        _cleanup_free_ char *path = blob_path(im, digest), *config = NULL;
        _cleanup_(json_putp) struct json_object *m = NULL;
        int r = path ? read_json(im, path, &m) : -EINVAL;
        if (r < 0)
                return r;
        struct json_object *layers = get(m, "layers", json_type_array);
        config = blob_path(im, get_string(get(m, "config", json_type_object), "digest"));
        if (!layers || !config)
                return -EBADMSG;
        for (size_t i = 0; i < json_object_array_length(layers); i++)
                if ((r = oci_layer(im, json_object_array_get_idx(layers, i))) < 0)
                        return r;
        im->format = "OCI layout";
        return read_config(im, config);
}

static int read_image(struct import *im) {
        _cleanup_close_ int docker = open_in_image(im, "manifest.json");
        if (docker >= 0)
                return docker_manifest(im);
        _cleanup_(json_putp) struct json_object *index = NULL;
        _cleanup_close_ int oci = open_in_image(im, "index.json");
        if (oci < 0) {
                tree_error("%s is neither a docker save archive (manifest.json) nor an OCI image layout "
                           "(index.json)",
                           im->archive);
                return -EMEDIUMTYPE;
        }
        int r = read_json(im, "index.json", &index);
        return r < 0 ? r : oci_index(im, index, 0);
}

/* ---- applying ----------------------------------------------------------------------------------- */

static int apply(struct import *im, int root_fd, int fd, const char *what, bool whiteouts, bool lower) {
        struct caps *done = root_fd == im->src_fd ? &im->unpacked : &im->tree;
        struct tree_writer w = { .root_fd = root_fd,
                                 .what = what,
                                 .whiteouts = whiteouts,
                                 .lower = lower,
                                 .keep_setuid = im->keep_setuid || root_fd == im->src_fd,
                                 .max_entries = im->max.entries,
                                 .max_bytes = im->max.bytes,
                                 .entries = done->entries,
                                 .bytes = done->bytes,
                                 .parent_fd = -EBADF };
        int r = tree_writer_apply(&w, fd);
        if (r == -ENOSPC || r == -EDQUOT)
                tree_error("no space left on the file system of %s for tree %s (%s); what was written of it "
                           "is removed%s",
                           im->ctx->trees_dir, im->name, w.error ? w.error : strerror(-r),
                           im->prev > 0 ? ", and the tree stays on the generation it was on" : "");
        else if (r < 0)
                tree_error("%s", w.error ? w.error : strerror(-r));
        if (root_fd != im->src_fd)
                im->stripped += w.stripped;
        *done = (struct caps){ w.entries, w.bytes };
        tree_writer_done(&w);
        return r;
}

static int apply_layers(struct import *im, int tree_fd) {
        size_t n = strv_length(im->layers);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *what = NULL;
                _cleanup_close_ int fd = open_blob(im, im->layers[i]);
                if (fd < 0)
                        return fd;
                if (asprintf(&what, "%s: layer %zu of %zu (%s)", im->archive, i + 1, n, im->layers[i]) < 0)
                        return -ENOMEM;
                int r = apply(im, tree_fd, fd, what, true, i > 0);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* A tar: an image archive is unpacked into .NAME/.import first; anything else is a root file
 * system, written straight into the tree. */
static int from_tar(struct import *im, struct tree_new *t, int fd) {
        _cleanup_strv_free_ char **top = NULL;
        _cleanup_free_ char *why = NULL;
        int r = tree_archive_top_names(fd, &top, &why);
        if (r < 0) {
                tree_error("%s cannot be read: %s", im->archive, why ? why : strerror(-r));
                return r;
        }
        if (!strv_contains(top, "manifest.json") && !strv_contains(top, "index.json")) {
                im->format = "root file system";
                return apply(im, t->fd, fd, im->archive, false, false);
        }
        r = tree_rm_rf_at(t->dir_fd, ".import"); /* what an import killed here left */
        if (r >= 0 && (mkdirat(t->dir_fd, ".import", 0700) < 0 ||
                       (im->src_fd = openat(t->dir_fd, ".import",
                                            O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0))
                r = -errno;
        if (r < 0) {
                tree_error("cannot make the directory to unpack %s in: %s", im->archive, strerror(-r));
                return r;
        }
        r = apply(im, im->src_fd, fd, im->archive, false, false);
        if (r >= 0)
                r = read_image(im);
        return r < 0 ? r : apply_layers(im, t->fd);
}

static int import_into(struct import *im, struct tree_new *t) {
        _cleanup_close_ int fd = open(im->archive, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0) {
                tree_error("cannot open %s: %m", im->archive);
                return -errno;
        }
        if (S_ISREG(st.st_mode))
                return from_tar(im, t, fd);
        if (!S_ISDIR(st.st_mode)) {
                tree_error("%s is neither a directory nor a file", im->archive);
                return -EINVAL;
        }
        im->src_fd = TAKE_FD(fd);
        int r = read_image(im);
        return r < 0 ? r : apply_layers(im, t->fd);
}

static int make_manifest(struct import *im, struct json_object **ret) {
        _cleanup_(json_putp) struct json_object *m = json_object_new_object();
        _cleanup_free_ char *source = realpath(im->archive, NULL);
        if (!m || json_object_object_add(m, "origin", json_object_new_string("import")) < 0 ||
            json_object_object_add(m, "source", json_object_new_string(source ? source : im->archive)) < 0 ||
            json_object_object_add(m, "format", json_object_new_string(im->format)) < 0 ||
            json_object_object_add(m, "image", im->ref ? json_object_new_string(im->ref) : NULL) < 0 ||
            json_object_object_add(m, "layers", json_object_new_int64((int64_t) strv_length(im->layers))) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(m);
        return 0;
}

/* "16G", "256K", "1000": bytes (K, M, G, T are powers of 1024), or a count without a suffix. */
static int parse_cap(const char *option, const char *v, bool size, uint64_t *ret) {
        char *end = NULL;
        errno = 0;
        unsigned long long n = isdigit((unsigned char) v[0]) ? strtoull(v, &end, 10) : 0;
        const char *suffixes = "KMGT", *p = size && end && *end ? strchr(suffixes, *end) : NULL;
        unsigned shift = p ? 10 * (unsigned) (p - suffixes + 1) : 0;
        if (end && p && end[1] == '\0')
                end++;
        if (!end || errno != 0 || *end != '\0' || n == 0 || n > (UINT64_MAX >> shift)) {
                tree_error("%s %s: expected %s", option, v,
                           size ? "a size above 0, such as 512M or 16G" : "a number above 0");
                return -EINVAL;
        }
        *ret = (uint64_t) n << shift;
        return 0;
}

static int parse_args(struct import *im, int argc, char **argv) {
        static const struct option options[] = {
                { "unit", required_argument, NULL, 'u' },
                { "keep-setuid", no_argument, NULL, 's' },
                { "tag", required_argument, NULL, 't' },
                { "max-size", required_argument, NULL, 'm' },
                { "max-entries", required_argument, NULL, 'e' },
                { "min-healthy", required_argument, NULL, 'h' },
                {},
        };
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0) {
                int r = 0;
                if (c == 'u')
                        im->unit = optarg;
                else if (c == 's')
                        im->keep_setuid = true;
                else if (c == 't')
                        im->tag = optarg;
                else if (c == 'm')
                        r = parse_cap("--max-size", optarg, true, &im->max.bytes);
                else if (c == 'e')
                        r = parse_cap("--max-entries", optarg, false, &im->max.entries);
                else if (c == 'h' && (r = tree_parse_duration(optarg, &im->min_healthy)) < 0)
                        tree_error("--min-healthy=%s: give a duration such as 30s, 500ms or 2min", optarg);
                else if (c == 'h')
                        continue;
                else
                        r = -EINVAL;
                if (r < 0)
                        return r;
        }
        if (optind + 2 != argc) {
                tree_error("import needs a tree name and an archive: svc tree import NAME ARCHIVE [--unit "
                           "UNIT]");
                return -EINVAL;
        }
        im->name = argv[optind];
        im->archive = argv[optind + 1];
        if (!tree_name_check(im->name))
                return -EINVAL;
        if (im->unit && !unit_name_is_valid(im->unit)) {
                tree_error("%s is not a unit name", im->unit);
                return -EINVAL;
        }
        return 0;
}

/* Before the work: --unit never overwrites a unit file. */
static int unit_free_to_write(const struct import *im) {
        _cleanup_free_ char *path = NULL;
        if (!im->unit)
                return 0;
        if (asprintf(&path, "%s/%s.unit", im->ctx->units_dir, im->unit) < 0)
                return -ENOMEM;
        if (access(path, F_OK) < 0)
                return 0;
        tree_error("%s exists: choose another --unit, or remove it first", path);
        return -EEXIST;
}

static void report(const struct import *im) {
        size_t n = strv_length(im->layers);
        _cleanup_free_ char *ref = im->ref ? tree_text(im->ref) : NULL; /* the image's words: escaped */
        printf("Imported tree %s from %s (%s%s%s, ", im->name, im->archive, im->format, ref ? " " : "",
               ref ? ref : "");
        if (n > 0)
                printf("%zu layer%s, ", n, n == 1 ? "" : "s");
        printf("%llu entries).\n", (unsigned long long) im->tree.entries);
        if (im->stripped > 0)
                printf("Dropped the setuid/setgid bits of %u file%s (--keep-setuid keeps them).\n",
                       im->stripped, im->stripped == 1 ? "" : "s");
}

/* A new tree, or, onto the name of a tree imported before, its next generation (a newer image). */
static int import_begin(struct tree_ctx *ctx, const char *name, struct tree_new *t) {
        struct stat st;
        if (fstatat(ctx->trees_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return tree_new_begin(ctx, name, t);
        int r = tree_new_next_begin(ctx, name, t);
        _cleanup_(json_putp) struct json_object *m = NULL;
        struct json_object *o = NULL;
        if (r >= 0 && (tree_manifest_read(t->dir_fd, &m) < 0 || !json_object_object_get_ex(m, "origin", &o) ||
                       !streq(json_object_get_string(o), "import"))) {
                tree_error(
                        "tree %s was not imported: a new image goes onto the name of a tree imported before; "
                        "import it under another name, or svc tree rm %s first",
                        name, name);
                r = -EEXIST;
        }
        return r;
}

/* The units on the tree move onto the new generation through svcd's gate, as after an upgrade. */
static int import_move(struct import *im, struct tree_new *t) {
        _cleanup_(json_putp) struct json_object *entry = tree_log_entry("import", t->prev, t->gen);
        if (!entry || json_object_object_add(entry, "packages", json_object_new_string(im->archive)) < 0)
                return -ENOMEM;
        printf("Tree %s: generation %u is current, imported over %u.\n", im->name, t->gen, t->prev);
        tree_test_crash_point("switched");
        struct tree_switched sw = { .name = im->name,
                                    .dir_fd = t->dir_fd,
                                    .gen = t->gen,
                                    .keep = t->prev,
                                    .gated = true,
                                    .min_healthy_usec = im->min_healthy,
                                    .log = entry };
        int r = tree_after_switch(im->ctx, &sw);
        int k = tree_log_append(t->dir_fd, entry);
        if (k < 0)
                tree_error("cannot record the import in the history of tree %s: %s", im->name, strerror(-k));
        return r;
}

int tree_cmd_import(struct tree_ctx *ctx, int argc, char **argv) {
        struct import im = { .ctx = ctx,
                             .src_fd = -EBADF,
                             .max = { .entries = IMPORT_MAX_ENTRIES, .bytes = IMPORT_MAX_BYTES } };
        if (parse_args(&im, argc, argv) < 0)
                return EXIT_USAGE;
        if (unit_free_to_write(&im) < 0)
                return EXIT_FAILED;
        struct tree_new t;
        _cleanup_(json_putp) struct json_object *m = NULL;
        int r = import_begin(ctx, im.name, &t);
        im.prev = r >= 0 ? t.prev : 0;
        if (r >= 0)
                r = import_into(&im, &t);
        if (r >= 0 && t.prev > 0)
                tree_test_crash_point("copied");
        safe_close(im.src_fd);
        if (t.dir_fd >= 0)
                (void) tree_rm_rf_at(t.dir_fd, ".import");
        if (r >= 0)
                r = make_manifest(&im, &m);
        if (r >= 0)
                r = tree_new_commit(&t, m, "import");
        if (r >= 0) {
                report(&im);
                if (im.unit)
                        r = tree_seed_unit(ctx, im.unit, im.name, t.fd, im.config,
                                           im.ref ? im.ref : im.archive);
        }
        bool move_failed = r >= 0 && t.prev > 0 && import_move(&im, &t) != 0;
        tree_new_done(&t);
        strv_free(im.layers);
        json_object_put(im.config);
        free(im.ref);
        return r < 0 || move_failed ? EXIT_FAILED : EXIT_OK;
}
