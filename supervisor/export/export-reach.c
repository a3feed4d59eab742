/* SPDX-License-Identifier: MIT */
/* In a user namespace, root of the bundle is an unprivileged host uid, which cannot pass svc's
 * own 0700 directories (ROOT/var/lib/svc): crun opens the root and the mount sources as that uid.
 * So what the bundle needs from there is bound under the bundle's directory, read-only where the
 * service has it read-only, as `podman mount` shows a container's root: DIR/rootfs and
 * DIR/mnt/NAME. svc's directories stay 0700; `umount DIR/rootfs DIR/mnt/...` releases them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "common/macro.h"
#include "common/paths.h"
#include "common/util.h"
#include "supervisor/export/export.h"

static bool under_svc(const struct export_ctx *c, const char *source) {
        _cleanup_free_ char *lib = path_join(c->root, SVC_LIB_DIR);
        _cleanup_free_ char *real = realpath(lib ? lib : "", NULL);
        size_t n = real ? strlen(real) : 0;
        return n > 0 && strneq(source, real, n) && (source[n] == '/' || source[n] == '\0');
}

/* TARGET, made if missing, with SOURCE bound on it (what was bound there before is detached). */
static int bind_at(const char *source, const char *target, bool read_only) {
        int r = mkdir_p(target, 0755);
        if (r < 0)
                return r;
        (void) umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW); /* an earlier export's */
        if (mount(source, target, NULL, MS_BIND | MS_REC, NULL) < 0)
                return -errno;
        if (mount(NULL, target, NULL, MS_PRIVATE | MS_REC, NULL) < 0)
                return -errno;
        if (read_only &&
            mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
                return -errno;
        return 0;
}

int export_reach(const struct export_ctx *c, const char *dir, const char *source, const char *name,
                 bool read_only, char **ret) {
        _cleanup_free_ char *real = realpath(source, NULL);
        if (!real)
                return -errno;
        if (!c->userns || !under_svc(c, real)) {
                *ret = TAKE_PTR(real);
                return 0;
        }
        _cleanup_free_ char *file = strdup(name), *target = NULL;
        if (!file)
                return -ENOMEM;
        for (char *p = file; *p; p++) /* "var/lib/web": one file name, var-lib-web */
                if (*p == '/')
                        *p = '-';
        if (asprintf(&target, "%s/%s%s", dir, streq(name, "rootfs") ? "" : "mnt/", file) < 0)
                return -ENOMEM;
        int r = bind_at(real, target, read_only);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(target);
        return 0;
}
