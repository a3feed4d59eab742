/* SPDX-License-Identifier: MIT */
/* User and group resolution from a tree's own passwd and group files. fgetpwent()/fgetgrent()
 * parse the given file and never consult NSS, so this is safe in PID 1. */
#include <grp.h>
#include <pwd.h>

#include "common/macro.h"
#include "common/util.h"
#include "sandbox/sandbox.h"

void sandbox_creds_done(struct sandbox_creds *c) {
        free(c->groups);
        free(c->user_name);
        free(c->home);
        free(c->shell);
        *c = (struct sandbox_creds){ 0 };
}

static bool parse_id(const char *s, unsigned *ret) {
        char *end;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (errno != 0 || end == s || *end != '\0' || v >= (unsigned long) UINT32_MAX)
                return false;
        *ret = (unsigned) v;
        return true;
}

static int find_user(const char *etc_dir, const char *user, struct sandbox_creds *c) {
        _cleanup_free_ char *path = path_join(etc_dir, "passwd");
        if (!path)
                return -ENOMEM;
        unsigned id;
        bool numeric = parse_id(user, &id);
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (!f)
                return numeric ? 0 : -errno;
        struct passwd *pw;
        while ((pw = fgetpwent(f))) {
                if (numeric ? pw->pw_uid != id : !streq(pw->pw_name, user))
                        continue;
                c->uid = pw->pw_uid;
                c->gid = pw->pw_gid;
                c->user_name = strdup(pw->pw_name);
                c->home = strdup(pw->pw_dir);
                c->shell = strdup(pw->pw_shell);
                if (!c->user_name || !c->home || !c->shell)
                        return -ENOMEM;
                return 1;
        }
        return numeric ? 0 : -ESRCH;
}

static int find_group(const char *etc_dir, const char *group, gid_t *ret) {
        unsigned id;
        if (parse_id(group, &id)) {
                *ret = id;
                return 0;
        }
        _cleanup_free_ char *path = path_join(etc_dir, "group");
        if (!path)
                return -ENOMEM;
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (!f)
                return -errno;
        struct group *gr;
        while ((gr = fgetgrent(f)))
                if (streq(gr->gr_name, group)) {
                        *ret = gr->gr_gid;
                        return 0;
                }
        return -ESRCH;
}

static int set_error(char **ret_error, const char *what, const char *name, const char *etc_dir) {
        if (ret_error && asprintf(ret_error, "%s %s is not in %s/%s", what, name, etc_dir,
                                  streq(what, "user") ? "passwd" : "group") < 0)
                *ret_error = NULL;
        return -ESRCH;
}

int sandbox_resolve_creds(const char *etc_dir, const char *user, const char *group,
                          char *const *supplementary, struct sandbox_creds *ret, char **ret_error) {
        struct sandbox_creds c = { 0 };
        int r = find_user(etc_dir, user ? user : "0", &c);
        if (r == 0) {
                /* A numeric uid that the tree does not list: allowed, as in systemd. */
                unsigned id = 0;
                parse_id(user ? user : "0", &id);
                c.uid = c.gid = id;
                if (!(c.home = strdup("/")) || !(c.shell = strdup("/bin/sh"))) {
                        sandbox_creds_done(&c);
                        return -ENOMEM;
                }
        } else if (r < 0) {
                sandbox_creds_done(&c);
                return r == -ESRCH ? set_error(ret_error, "user", user, etc_dir) : r;
        }
        if (group && (r = find_group(etc_dir, group, &c.gid)) < 0) {
                sandbox_creds_done(&c);
                return r == -ESRCH ? set_error(ret_error, "group", group, etc_dir) : r;
        }
        size_t n = strv_length(supplementary);
        c.groups = calloc(n ? n : 1, sizeof(gid_t));
        if (!c.groups) {
                sandbox_creds_done(&c);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                r = find_group(etc_dir, supplementary[i], &c.groups[i]);
                if (r < 0) {
                        sandbox_creds_done(&c);
                        return r == -ESRCH ? set_error(ret_error, "group", supplementary[i], etc_dir) : r;
                }
        }
        c.n_groups = n;
        *ret = c;
        return 0;
}
