/* SPDX-License-Identifier: MIT */
#pragma once

/* The pure part of "a unit -> its sandbox spec" (spec.c), shared by svcd's executor, which starts
 * the service, and svc-export, which writes the same sandbox for another runtime: one place
 * decides the capabilities, the paths, the service's own directories, the hostname and the base
 * environment, so the two cannot drift. No I/O, no logging: not a program of its own. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "sandbox/sandbox.h"
#include "units/unit.h"

/* StateDirectory=, LogsDirectory=, CacheDirectory=: under which of svc's directories (relative to
 * the root, common/paths.h) each lives on the host, and under which path inside. */
struct svc_service_dir {
        const char *key;
        const char *host_dir;
        const char *inside;
};

enum { SVC_SERVICE_DIR_STATE, SVC_SERVICE_DIR_LOGS, SVC_SERVICE_DIR_CACHE, _SVC_SERVICE_DIR_MAX };

extern const struct svc_service_dir svc_service_dirs[_SVC_SERVICE_DIR_MAX];

/* The directories unit U names for kind I (a svc_service_dirs index) and their mode. */
char *const *svc_service_dir_names(const struct unit *u, unsigned i, unsigned *ret_mode);

/* The capability bounding set of a command running as UID. DEFAULT_CAPS: the '+' prefix, which
 * ignores CapabilityBoundingSet= as systemd's does. CAP_MKNOD is never in it. */
uint64_t svc_spec_caps(const struct unit *u, uid_t uid, bool default_caps);

/* What a path key (ReadWritePaths=, ...) does, when it is not a writable layer. */
enum sandbox_path_kind svc_spec_path_kind(enum path_key k);

/* ProtectHome=: at most three paths and what is done at each (optional, read-only for a tmpfs). */
struct svc_home_path {
        enum sandbox_path_kind kind;
        const char *path;
        bool read_only;
};
size_t svc_spec_protect_home(enum protect_home h, struct svc_home_path ret[static 3]);

/* The hostname inside: HostName= or the service's name, at most 64 bytes. NULL on OOM. */
char *svc_spec_hostname(const struct unit *u, const char *name);

/* PATH, HOME, USER, LOGNAME and SHELL of credentials C, appended to *ENV. 0 or -ENOMEM. */
int svc_spec_base_env(const struct sandbox_creds *c, char ***env);
