/* SPDX-License-Identifier: MIT */
/* User and group resolution from a tree's own passwd and group files, opened inside the tree.
 * fgetpwent()/fgetgrent() parse the given stream and never consult NSS, so this is safe in PID 1. */
#include <fcntl.h>
#include <grp.h>
#include <linux/openat2.h>
#include <pwd.h>
#include <sys/syscall.h>

#include "common/macro.h"
#include "common/util.h"
#include "sandbox/sandbox.h"

int sandbox_open_in_tree(int root_fd, const char *path, int flags) {
        /* openat2() refuses O_NOCTTY next to O_PATH (it is strict about flags). */
        if (!(flags & O_PATH))
                flags |= O_NOCTTY;
        struct open_how how = { .flags = (uint64_t) (flags | O_CLOEXEC),
                                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
        long fd = syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
        return fd < 0 ? -errno : (int) fd;
}

static FILE *open_etc(int root_fd, const char *name) {
        char path[32];
        snprintf(path, sizeof(path), "/etc/%s", name);
        int fd = sandbox_open_in_tree(root_fd, path, O_RDONLY | O_NONBLOCK);
        if (fd < 0)
                return NULL;
        FILE *f = fdopen(fd, "re");
        if (!f)
                close(fd);
        return f;
}

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

/* 1 when found, 0 when a number the file does not list, -ESRCH for an unknown name. */
static int find_user(int root_fd, const char *user, struct sandbox_creds *c) {
        unsigned id;
        bool numeric = parse_id(user, &id);
        _cleanup_fclose_ FILE *f = open_etc(root_fd, "passwd");
        if (!f)
                return numeric ? 0 : -ESRCH;
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

static int find_group(int root_fd, const char *group, gid_t *ret) {
        unsigned id;
        if (parse_id(group, &id)) {
                *ret = id;
                return 0;
        }
        _cleanup_fclose_ FILE *f = open_etc(root_fd, "group");
        if (!f)
                return -ESRCH;
        struct group *gr;
        while ((gr = fgetgrent(f)))
                if (streq(gr->gr_name, group)) {
                        *ret = gr->gr_gid;
                        return 0;
                }
        return -ESRCH;
}

static int not_found(char **ret_error, const char *what, const char *name, const char *file,
                     const char *label) {
        if (ret_error && asprintf(ret_error, "%s %s is not in /etc/%s of %s", what, name, file, label) < 0)
                *ret_error = NULL;
        return -ESRCH;
}

static int resolve_groups(int root_fd, const char *label, char *const *names, struct sandbox_creds *c,
                          char **ret_error) {
        size_t n = strv_length(names);
        c->groups = calloc(n ? n : 1, sizeof(gid_t));
        if (!c->groups)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                int r = find_group(root_fd, names[i], &c->groups[i]);
                if (r < 0)
                        return r == -ESRCH ? not_found(ret_error, "group", names[i], "group", label) : r;
        }
        c->n_groups = n;
        return 0;
}

int sandbox_resolve_creds(int root_fd, const char *tree_label, const char *user, const char *group,
                          char *const *supplementary, struct sandbox_creds *ret, char **ret_error) {
        struct sandbox_creds c = { 0 };
        const char *u = user ? user : "0";
        int r = find_user(root_fd, u, &c);
        if (r == 0) {
                /* A numeric uid that the tree does not list: allowed, as in systemd. */
                unsigned id = 0;
                (void) parse_id(u, &id);
                c.uid = c.gid = id;
                r = (c.home = strdup("/")) && (c.shell = strdup("/bin/sh")) ? 0 : -ENOMEM;
        } else if (r == -ESRCH)
                r = not_found(ret_error, "user", u, "passwd", tree_label);
        if (r >= 0 && group && (r = find_group(root_fd, group, &c.gid)) == -ESRCH)
                r = not_found(ret_error, "group", group, "group", tree_label);
        if (r >= 0)
                r = resolve_groups(root_fd, tree_label, supplementary, &c, ret_error);
        if (r < 0) {
                sandbox_creds_done(&c);
                return r;
        }
        *ret = c;
        return 0;
}
