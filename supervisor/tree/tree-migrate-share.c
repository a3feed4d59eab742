/* SPDX-License-Identifier: MIT */
/* svc migrate: VMs of one release share their files (migrate.h). The new tree's files that are
 * equal to those of a tree migrated before (content, owner, mode, times and extended attributes:
 * util-linux's hardlink(1)) become hardlinks of them, so ten VMs of one Debian release cost one
 * copy of their packages' files, and each tree keeps its own /etc and whatever else differs.
 * Sharing inodes is safe because a generation never changes once it is current: `svc tree
 * upgrade` works on a cp -a copy, whose files are new inodes. */
#include <dirent.h>
#include <fcntl.h>
#include <json-c/json.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/tree/migrate.h"

static bool migrated(const struct tree_ctx *ctx, const char *name) {
        _cleanup_free_ char *dir = NULL;
        if (asprintf(&dir, ".%s", name) < 0)
                return false;
        _cleanup_close_ int fd = openat(ctx->trees_fd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct json_object *m = NULL, *origin = NULL;
        if (fd < 0 || tree_manifest_read(fd, &m) < 0)
                return false;
        bool r = json_object_object_get_ex(m, "origin", &origin) &&
                 streq(json_object_get_string(origin) ?: "", "migrate");
        json_object_put(m);
        return r;
}

/* The current generations of the trees migrated before, but NAME. */
static int other_trees(const struct tree_ctx *ctx, const char *name, char ***ret) {
        int fd = openat(ctx->trees_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d)
                return safe_close(fd), -errno;
        _cleanup_strv_free_ char **l = NULL;
        int r = 0;
        for (struct dirent *de; r >= 0 && (de = readdir(d));) {
                unsigned gen;
                if (de->d_name[0] == '.' || streq(de->d_name, name) ||
                    tree_current(ctx, de->d_name, &gen) < 0 || !migrated(ctx, de->d_name))
                        continue;
                char *p = tree_gen_path(ctx, de->d_name, gen);
                r = p ? strv_push(&l, p) : -ENOMEM;
        }
        closedir(d);
        if (r >= 0)
                *ret = TAKE_PTR(l);
        return r;
}

/* "Saved:   97.66 KiB" of hardlink's summary, or NULL. */
static char *saved(char *out) {
        char *line = out ? strstr(out, "Saved:") : NULL;
        if (!line)
                return NULL;
        line += strlen("Saved:");
        line += strspn(line, " \t");
        line[strcspn(line, "\n")] = '\0';
        return line;
}

int mig_share_files(struct migrate *m, const char *path) {
        _cleanup_strv_free_ char **others = NULL;
        int r = other_trees(m->ctx, m->prefix, &others);
        if (r < 0 || !others)
                return r;
        _cleanup_strv_free_ char **argv = NULL;
        if (strv_extend(&argv, "hardlink") < 0 || strv_extend(&argv, "--respect-xattrs") < 0)
                return -ENOMEM;
        /* The new tree last: of equal files with as many links, hardlink keeps the first found, so
         * the trees in use keep their inodes and only the new one's files are replaced. */
        STRV_FOREACH (o, others)
                if (strv_extend(&argv, *o) < 0)
                        return -ENOMEM;
        if (strv_extend(&argv, path) < 0)
                return -ENOMEM;
        printf("Sharing the files equal to those of %zu tree%s migrated before...\n", strv_length(others),
               strv_length(others) == 1 ? "" : "s");
        fflush(stdout);
        _cleanup_free_ char *out = NULL, *err = NULL;
        r = mig_run(argv, &out, &err);
        if (r != 0) { /* an economy, not a need: the tree is whole either way */
                if (err)
                        err[strcspn(err, "\n")] = '\0';
                printf("Shared nothing: hardlink failed: %s\n", !isempty(err) ? err
                                                                : r < 0       ? strerror(-r)
                                                                              : "?");
                return 0;
        }
        const char *s = saved(out);
        printf("Shared %s with the trees migrated before.\n", s ?: "nothing");
        return 0;
}
