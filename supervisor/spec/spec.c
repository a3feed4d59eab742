/* SPDX-License-Identifier: MIT */
/* The pure part of "a unit -> its sandbox spec": see spec.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "common/paths.h"
#include "common/util.h"
#include "supervisor/spec/spec.h"

const struct svc_service_dir svc_service_dirs[_SVC_SERVICE_DIR_MAX] = {
        [SVC_SERVICE_DIR_STATE] = { "StateDirectory", SVC_STATE_DIR, "/var/lib" },
        [SVC_SERVICE_DIR_LOGS] = { "LogsDirectory", SVC_LOGS_DIRECTORY_DIR, "/var/log" },
        [SVC_SERVICE_DIR_CACHE] = { "CacheDirectory", SVC_CACHE_DIR, "/var/cache" },
};

char *const *svc_service_dir_names(const struct unit *u, unsigned i, unsigned *ret_mode) {
        switch (i) {
        case SVC_SERVICE_DIR_STATE:
                *ret_mode = u->state_directory_mode;
                return u->state_directories;
        case SVC_SERVICE_DIR_LOGS:
                *ret_mode = u->logs_directory_mode;
                return u->logs_directories;
        default:
                *ret_mode = u->cache_directory_mode;
                return u->cache_directories;
        }
}

uint64_t svc_spec_caps(const struct unit *u, uid_t uid, bool default_caps) {
        uint64_t mknod = 1ULL << 27;
        bool unit_set = u->capability_bounding_set != UNIT_UNSET && !default_caps;
        uint64_t bounding = unit_set   ? u->capability_bounding_set
                            : uid == 0 ? sandbox_default_caps()
                                       : u->ambient_capabilities;
        return bounding & ~mknod; /* CAP_MKNOD is never granted */
}

enum sandbox_path_kind svc_spec_path_kind(enum path_key k) {
        static const enum sandbox_path_kind kinds[_PATH_KEY_MAX] = {
                [PATH_READ_WRITE] = SANDBOX_PATH_KEEP,           [PATH_READ_ONLY] = SANDBOX_PATH_READ_ONLY,
                [PATH_INACCESSIBLE] = SANDBOX_PATH_INACCESSIBLE, [PATH_EXEC] = SANDBOX_PATH_KEEP,
                [PATH_NO_EXEC] = SANDBOX_PATH_NO_EXEC,           [PATH_TMPFS] = SANDBOX_PATH_TMPFS,
        };
        return kinds[k];
}

/* As systemd does it, on the service's own root. */
size_t svc_spec_protect_home(enum protect_home h, struct svc_home_path ret[static 3]) {
        static const char *const homes[] = { "/home", "/root", "/run/user" };
        size_t n = 0;
        for (size_t i = 0; i < ELEMENTSOF(homes); i++) {
                if (h == PROTECT_HOME_YES)
                        ret[n++] = (struct svc_home_path){ SANDBOX_PATH_INACCESSIBLE, homes[i], false };
                else if (h == PROTECT_HOME_READ_ONLY)
                        ret[n++] = (struct svc_home_path){ SANDBOX_PATH_READ_ONLY, homes[i], false };
                else if (h == PROTECT_HOME_TMPFS && i < 2)
                        ret[n++] = (struct svc_home_path){ SANDBOX_PATH_TMPFS, homes[i], true };
        }
        return n;
}

char *svc_spec_hostname(const struct unit *u, const char *name) {
        return strndup(u->hostname ? u->hostname : name, 64);
}

static int push_env(char ***env, const char *key, const char *value) {
        char *v;
        return asprintf(&v, "%s=%s", key, value) < 0 ? -ENOMEM : strv_push(env, v);
}

int svc_spec_base_env(const struct sandbox_creds *c, char ***env) {
        const char *user = c->user_name ? c->user_name : "root";
        int r = push_env(env, "PATH", SVC_DEFAULT_PATH);
        if (r >= 0)
                r = push_env(env, "HOME", c->home);
        if (r >= 0)
                r = push_env(env, "USER", user);
        if (r >= 0)
                r = push_env(env, "LOGNAME", user);
        if (r >= 0)
                r = push_env(env, "SHELL", c->shell);
        return r;
}
