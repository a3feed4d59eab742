/* SPDX-License-Identifier: MIT */
#pragma once

/* svc-export: `svc export NAME --to oci-bundle|oci-image|kube DIR`, executed by svc as
 * `svc-export --root ROOT export ARGS...`. A program of its own so that json-c and libarchive are
 * paid by this command alone. It reads the unit as svcd loads it and derives the sandbox through
 * supervisor/spec/, the part of svcd's executor that decides what the sandbox is. */

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "sandbox/sandbox.h"
#include "units/unit.h"

struct export_ctx {
        const char *root; /* svc's root (--root) */
        const char *name;
        struct unit *u;
        char *tree; /* the host path of the tree's current generation (symlinks resolved) */
        char *tree_label; /* "tree web", for sentences */
        int tree_fd; /* O_PATH of tree */
        struct sandbox_creds creds;
        char *program; /* ExecStart='s program, as found in the tree */
        char **argv, **env;
        bool userns; /* a user namespace: root inside is host uid userns_base */
        uint32_t userns_base;
        bool range_missing; /* a user namespace, but svcd has allocated no range yet */
};

void export_ctx_done(struct export_ctx *c);

/* Loads unit NAME under ROOT and resolves what every target needs: the tree, the user, the
 * command and its environment. 0, or -errno with a sentence in *ret_error (a unit error names
 * file:line; what no target can express says which key and why). */
int export_load(const char *root, const char *name, struct export_ctx *ret, char **ret_error);

/* oci-bundle (export-bundle.c): DIR/config.json, the tree as the read-only root. */
int export_bundle(const struct export_ctx *c, const char *dir, char **ret_error);

/* The process of the bundle (and the container of the others): args, env, cwd, user. */
struct json_object *export_process_json(const struct export_ctx *c);

/* json-c helpers (export-json.c). */
void export_json_putp(struct json_object **o);
int export_json_add(struct json_object *o, const char *key, struct json_object *v);
struct json_object *export_json_strv(char *const *l);
/* The capabilities of SET by name: "CAP_CHOWN" (OCI), or without the prefix (Kubernetes). */
struct json_object *export_json_caps(uint64_t set, bool prefix);
int export_json_write(struct json_object *o, int dir_fd, const char *name);

int export_error(char **ret_error, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* What a runtime does its own way (KUBE: for a Pod, else for a bundle or an image): sentences
 * "Key=: why" appended to *RET, said in the output (annotations, comments), never dropped
 * silently. 0 or -ENOMEM. */
int export_left_out(const struct export_ctx *c, bool kube, char ***ret);

/* The path a bundle in DIR reaches the host directory SOURCE by: SOURCE itself, or, when the
 * bundle has a user namespace and SOURCE is under svc's own 0700 directories, a bind of it at
 * DIR/rootfs (NAME "rootfs") or DIR/mnt/NAME, read-only if asked (export-reach.c). 0 or -errno. */
int export_reach(const struct export_ctx *c, const char *dir, const char *source, const char *name,
                 bool read_only, char **ret);

/* The tree as an uncompressed tar, the same bytes for the same generation (export-layer.c), on
 * FD. 0 or -errno. */
int export_layer_write(const struct export_ctx *c, int fd);

/* oci-image (export-image.c): an OCI image layout in DIR, the tree as its one layer and the unit
 * as its config, under the reference name NAME; other images in DIR are kept, a layer shared. */
int export_image(const struct export_ctx *c, const char *dir, char **ret_error);

/* "sha256:HEX" of the blob written to DIR_FD's blobs/sha256 (export-image.c), for kube too. */
int export_blob_write(int dir_fd, const char *text, size_t len, char ret_digest[static 72]);

/* kube (export-kube.c): DIR/NAME.yaml, claims, a Pod, a Service, a NetworkPolicy. */
int export_kube(const struct export_ctx *c, const char *dir, char **ret_error);

/* svc import-kube (import-kube.c): the Pod of FILE as ROOT's unit NAME, and IMAGE (an archive
 * or layout `svc tree import` takes; NULL: none) as tree NAME. 0, or -errno with a sentence. */
int import_kube(const char *root, const char *file, const char *image, char **ret_error);

/* The YAML documents of PATH as a json-c array (import-yaml.c). */
int import_yaml_load(const char *path, struct json_object **ret, char **ret_error);
