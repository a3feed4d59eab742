/* SPDX-License-Identifier: MIT */
/* Parsers of the path keys of [Service] (ReadWritePaths= and its kin, TemporaryFileSystem=,
 * ProtectHome=, VarOverlay=, the *DirectoryMode= keys) and what they mean in svc's sandbox, where
 * the tree is read-only and shared and each service has a writable /var of its own. */

#include "common/util.h"
#include "units/unit-internal.h"

static const char *const path_key_names[_PATH_KEY_MAX] = {
        [PATH_READ_WRITE] = "ReadWritePaths",
        [PATH_READ_ONLY] = "ReadOnlyPaths",
        [PATH_INACCESSIBLE] = "InaccessiblePaths",
        [PATH_EXEC] = "ExecPaths",
        [PATH_NO_EXEC] = "NoExecPaths",
        [PATH_TMPFS] = "TemporaryFileSystem",
};

bool path_is_below(const char *path, const char *dir) {
        size_t n = strlen(dir);
        if (streq(dir, "/"))
                return true;
        return strneq(path, dir, n) && (path[n] == '/' || path[n] == '\0');
}

/* "//a/./b/" -> "/a/b", in place; P is absolute. */
static void path_normalize(char *p) {
        char *w = p;
        for (const char *r = p; *r;) {
                r += strspn(r, "/");
                size_t n = strcspn(r, "/");
                if (n == 0 || (n == 1 && r[0] == '.')) {
                        r += n;
                        continue;
                }
                *w++ = '/';
                memmove(w, r, n);
                w += n;
                r += n;
        }
        if (w == p)
                *w++ = '/';
        *w = '\0';
}

void path_specs_free(struct path_spec *p, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(p[i].path);
                free(p[i].options);
        }
        free(p);
}

/* An empty assignment drops what the key (and its old name) set, as in systemd. */
static void paths_drop(struct unit *u, enum path_key key) {
        size_t k = 0;
        for (size_t i = 0; i < u->n_paths; i++)
                if (u->paths[i].key == key) {
                        free(u->paths[i].path);
                        free(u->paths[i].options);
                } else
                        u->paths[k++] = u->paths[i];
        u->n_paths = k;
}

static int paths_append(struct parse_ctx *ctx, struct path_spec *p) {
        struct unit *u = ctx->u;
        struct path_spec *a = reallocarray(u->paths, u->n_paths + 1, sizeof(*a));
        if (!a) {
                free(p->path);
                free(p->options);
                return -ENOMEM;
        }
        p->file = ctx->file;
        p->line = ctx->line;
        u->paths = a;
        u->paths[u->n_paths++] = *p;
        return 0;
}

/* "-" (a missing path is skipped) and "+" (relative to the root: every svc path is) in front, in
 * either order; then an absolute path without "..". */
static int path_word(struct parse_ctx *ctx, const char *key, const char *w, struct path_spec *p) {
        bool plus = false;
        for (; *w == '-' || *w == '+'; w++) {
                bool *flag = *w == '-' ? &p->optional : &plus;
                if (*flag)
                        break;
                *flag = true;
        }
        if (!path_is_absolute_clean(w))
                return ctx_error(ctx,
                                 "%s=: '%s' must be an absolute path without '..', with '-' or '+' in front",
                                 key, ctx_short(ctx, w));
        p->path = strdup(w);
        if (!p->path)
                return -ENOMEM;
        path_normalize(p->path);
        return 0;
}

int config_parse_paths(struct parse_ctx *ctx, const char *key, const char *value, void *data _unused_,
                       int ltype) {
        _cleanup_free_ char *v = NULL;
        _cleanup_strv_free_ char **words = NULL;
        const char *why = NULL;

        int r = *value ? ctx_specifiers(ctx, key, value, &v) : 0;
        if (r < 0)
                return r;
        if (!v) {
                paths_drop(ctx->u, ltype);
                return 0;
        }
        r = words_split(v, WORD_UNQUOTE | WORD_CUNESCAPE, &words, &why);
        if (r == -EINVAL)
                return ctx_error(ctx, "%s=%s: %s", key, ctx_short(ctx, value), why);
        STRV_FOREACH (w, words) {
                struct path_spec p = { .key = ltype };
                if (r >= 0)
                        r = path_word(ctx, key, *w, &p);
                if (r >= 0)
                        r = paths_append(ctx, &p);
        }
        return r;
}

/* TemporaryFileSystem= options: ro, rw, noexec, exec, nosuid and nodev (always), and tmpfs's own
 * mode=, size=, nr_inodes=, nr_blocks=, uid=, gid=. *RET_WHY names what is refused. */
static int tmpfs_options(char *opts, struct path_spec *p, const char **ret_why) {
        static const char *const data_keys[] = {
                "mode=", "size=", "nr_inodes=", "nr_blocks=", "uid=", "gid="
        };
        _cleanup_strv_free_ char **data = NULL;
        bool mode = false;
        char *save = NULL;
        for (char *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
                bool is_data = false;
                for (size_t i = 0; i < ELEMENTSOF(data_keys); i++)
                        is_data = is_data || strneq(o, data_keys[i], strlen(data_keys[i]));
                mode = mode || strneq(o, "mode=", 5);
                if (is_data && strv_extend(&data, o) < 0)
                        return -ENOMEM;
                if (streq(o, "ro") || streq(o, "rw"))
                        p->read_only = streq(o, "ro");
                else if (streq(o, "noexec") || streq(o, "exec"))
                        p->no_exec = streq(o, "noexec");
                else if (streq(o, "suid") || streq(o, "dev")) {
                        *ret_why = "every writable mount of svc is nosuid and nodev";
                        return -EINVAL;
                } else if (!is_data && !streq(o, "nosuid") && !streq(o, "nodev")) {
                        *ret_why =
                                "options are ro, rw, noexec, exec, nosuid, nodev, mode=, size=, nr_inodes=, "
                                "nr_blocks=, uid= and gid=";
                        return -EINVAL;
                }
        }
        if (!mode && strv_extend(&data, "mode=0755") < 0)
                return -ENOMEM;
        p->options = strv_join(data, ",");
        return p->options ? 0 : -ENOMEM;
}

static int tmpfs_word(struct parse_ctx *ctx, const char *key, char *w) {
        struct path_spec p = { .key = PATH_TMPFS };
        char *colon = strchr(w, ':');
        const char *why = NULL;
        if (colon)
                *colon++ = '\0';
        int r = path_word(ctx, key, w, &p);
        if (r >= 0 && p.optional) {
                r = ctx_error(ctx, "%s=: '-%s': the mount point is made when missing, so '-' has no meaning",
                              key, ctx_short(ctx, p.path));
        }
        _cleanup_free_ char *opts = strdup(colon ? colon : "");
        if (r >= 0 && !opts)
                r = -ENOMEM;
        if (r >= 0 && (r = tmpfs_options(opts, &p, &why)) == -EINVAL)
                r = ctx_error(ctx, "%s=%s: %s", key, ctx_short(ctx, p.path), why);
        if (r < 0) {
                free(p.path);
                free(p.options);
                return r;
        }
        return paths_append(ctx, &p);
}

int config_parse_tmpfs(struct parse_ctx *ctx, const char *key, const char *value, void *data _unused_,
                       int ltype _unused_) {
        _cleanup_free_ char *v = NULL;
        _cleanup_strv_free_ char **words = NULL;
        const char *why = NULL;

        int r = *value ? ctx_specifiers(ctx, key, value, &v) : 0;
        if (r < 0)
                return r;
        if (!v) {
                paths_drop(ctx->u, PATH_TMPFS);
                return 0;
        }
        r = words_split(v, WORD_UNQUOTE | WORD_CUNESCAPE, &words, &why);
        if (r == -EINVAL)
                return ctx_error(ctx, "%s=%s: %s", key, ctx_short(ctx, value), why);
        STRV_FOREACH (w, words)
                if (r >= 0)
                        r = tmpfs_word(ctx, key, *w);
        return r;
}

/* StateDirectoryMode= and its kin: an octal mode, at most 07777. */
int config_parse_mode(struct parse_ctx *ctx, const char *key, const char *value, void *data, int ltype) {
        unsigned *mode = data;
        size_t n = strlen(value);
        if (n == 0) {
                *mode = ltype ? (unsigned) ltype : 0755; /* the key's default: SocketMode= 0666 */
                return 0;
        }
        unsigned long m = 0;
        if (n > 5 || strspn(value, "01234567") != n || (m = strtoul(value, NULL, 8)) > 07777)
                return ctx_error(ctx, "%s=%s: expected an octal mode such as 0750", key,
                                 ctx_short(ctx, value));
        *mode = (unsigned) m;
        return 0;
}

int config_parse_protect_home(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                              int ltype _unused_) {
        enum protect_home *h = data;
        int b = *value ? parse_boolean(value) : -EINVAL;
        if (!*value)
                *h = PROTECT_HOME_UNSET;
        else if (b >= 0)
                *h = b ? PROTECT_HOME_YES : PROTECT_HOME_NO;
        else if (streq(value, "read-only"))
                *h = PROTECT_HOME_READ_ONLY;
        else if (streq(value, "tmpfs"))
                *h = PROTECT_HOME_TMPFS;
        else
                return ctx_error(ctx, "%s=%s: expected yes, no, read-only or tmpfs", key,
                                 ctx_short(ctx, value));
        return 0;
}

int config_parse_var_overlay(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                             int ltype _unused_) {
        static const char *const names[_OVERLAY_MAX] = {
                [OVERLAY_NONE] = "none",
                [OVERLAY_TMPFS] = "tmpfs",
                [OVERLAY_PERSISTENT] = "persistent",
        };
        int *m = data;
        ctx->var_loc = (struct unit_location){ ctx->file, ctx->line };
        if (!*value) {
                *m = -1;
                return 0;
        }
        for (int i = 0; i < _OVERLAY_MAX; i++)
                if (streq(value, names[i])) {
                        *m = i;
                        return 0;
                }
        return ctx_error(ctx, "%s=%s: expected persistent, tmpfs or none", key, ctx_short(ctx, value));
}

static bool under_any(const char *path, char **dirs, const char *inside) {
        STRV_FOREACH (d, dirs) {
                char buf[4096];
                snprintf(buf, sizeof(buf), "%s/%s", inside, *d);
                if (path_is_below(path, buf))
                        return true;
        }
        return false;
}

/* Below a mount of the unit's own that is writable: a rw bind, a state, logs or cache directory, a
 * writable TemporaryFileSystem=. */
static bool under_writable_mount(const struct unit *u, const char *path) {
        for (size_t i = 0; i < u->n_binds; i++)
                if (!u->binds[i].read_only && path_is_below(path, u->binds[i].dest))
                        return true;
        for (size_t i = 0; i < u->n_paths; i++)
                if (u->paths[i].key == PATH_TMPFS && !u->paths[i].read_only &&
                    path_is_below(path, u->paths[i].path))
                        return true;
        return under_any(path, u->state_directories, "/var/lib") ||
               under_any(path, u->logs_directories, "/var/log") ||
               under_any(path, u->cache_directories, "/var/cache");
}

enum read_write_kind unit_read_write_kind(const struct unit *u, const char *path, const char **ret_why) {
        static const char *const writable[] = { "/run", "/tmp", "/var/tmp", "/dev/shm", "/proc" };
        *ret_why = NULL;
        if (streq(path, "/")) {
                *ret_why =
                        "the tree is read-only and shared; Overlay=persistent gives the service a writable "
                        "root of its own";
                return READ_WRITE_REFUSED;
        }
        for (size_t i = 0; i < ELEMENTSOF(writable); i++)
                if (path_is_below(path, writable[i]))
                        return READ_WRITE_WRITABLE;
        if (path_is_below(path, "/sys") || path_is_below(path, "/dev")) {
                *ret_why = "svc keeps /sys and /dev read-only";
                return READ_WRITE_REFUSED;
        }
        if (u->overlay != OVERLAY_NONE || (u->var_overlay != OVERLAY_NONE && path_is_below(path, "/var")) ||
            under_writable_mount(u, path))
                return READ_WRITE_WRITABLE;
        return READ_WRITE_LAYER;
}

static int verify_path(struct parse_ctx *ctx, const struct path_spec *p) {
        const struct unit *u = ctx->u;
        const char *key = path_key_names[p->key], *why = NULL;
        if (p->key == PATH_READ_WRITE) {
                enum read_write_kind k = unit_read_write_kind(u, p->path, &why);
                if (k == READ_WRITE_LAYER && u->accept)
                        why = "with Accept=yes every connection has a sandbox of its own, and they cannot "
                              "share "
                              "one writable layer: bind a directory with BindPaths=";
                else if (k != READ_WRITE_REFUSED)
                        why = NULL;
        } else if (p->key == PATH_TMPFS && (streq(p->path, "/") || path_is_below(p->path, "/proc") ||
                                            path_is_below(p->path, "/sys") || path_is_below(p->path, "/dev")))
                why = "svc mounts /, /proc, /sys and /dev itself";
        else if (p->key == PATH_INACCESSIBLE && streq(p->path, "/"))
                why = "the service needs a root";
        if (!why)
                return 0;
        return diag_add(ctx->diag, false, p->file, p->line, "%s=%s: %s", key, p->path, why);
}

int verify_paths(struct parse_ctx *ctx) {
        struct unit *u = ctx->u;
        int r = 0;
        if (u->var_overlay == OVERLAY_PERSISTENT && u->accept)
                r = diag_add(ctx->diag, false, ctx->var_loc.file, ctx->var_loc.line,
                             "VarOverlay=persistent does not fit Accept=yes, where every connection has a "
                             "sandbox of its own: they cannot share one writable layer");
        if (u->var_overlay < 0)
                u->var_overlay = u->accept ? OVERLAY_TMPFS : OVERLAY_PERSISTENT;
        for (size_t i = 0; r >= 0 && i < u->n_paths; i++)
                r = verify_path(ctx, &u->paths[i]);
        return r;
}
