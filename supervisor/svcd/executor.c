/* SPDX-License-Identifier: MIT */
/* From a unit to its sandbox: the spec (tree, binds, state/logs/runtime directories, sockets),
 * the commands (credentials from the tree, capabilities, environment, fds), and what ns-init
 * reports back, turned into state-machine events. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "common/macro.h"
#include "common/paths.h"
#include "common/pin.h"
#include "common/util.h"
#include "supervisor/svcd/peer.h"
#include "supervisor/svcd/hardening.h"
#include "supervisor/svcd/cgroup.h"
#include "supervisor/svcd/executor.h"
#include "supervisor/svcd/libcheck.h"
#include "supervisor/svcd/log-capture.h"
#include "supervisor/svcd/log-pipe.h"
#include "supervisor/svcd/net/net.h"
#include "supervisor/svcd/record.h"
#include "supervisor/svcd/sockets.h"
#include "supervisor/svcd/spare.h"
#include "supervisor/svcd/tmpfiles.h"
#include "supervisor/svcd/userns.h"
#include "supervisor/spec/spec.h"

/* Everything a spec points to, freed once the child has its copy. */
struct spec_storage {
        struct sandbox_spec spec;
        struct service *s;
        char *net_error; /* why before_release() failed, a sentence */
        char *error; /* why build_spec() refused, a sentence */
        char *tree, *tree_label, *overlay_dir, *hostname;
        struct sandbox_bind *binds;
        char **strings; /* every allocated bind path */
        char **masks;
        int *fds; /* the bind sources opened here (binds[].source_fd) */
        size_t n_fds;
        struct sandbox_path *paths; /* the path keys and the service's own /var */
        size_t n_paths;
        struct hardening_devices devices; /* DeviceAllow= */
        struct sandbox_users users; /* when users_on */
        bool users_on;
        uid_t root_uid; /* root inside, on the host: what owns the overlay's directories */
        struct sandbox_run_dir *run_dirs; /* the tree's tmpfiles.d under /run */
        size_t n_run_dirs;
        char **run_strings;
};

static void spec_storage_done(struct spec_storage *st) {
        free(st->tree);
        free(st->tree_label);
        free(st->overlay_dir);
        free(st->hostname);
        free(st->net_error);
        free(st->error);
        for (size_t i = 0; i < st->n_fds; i++)
                safe_close(st->fds[i]);
        free(st->fds);
        hardening_devices_done(&st->devices);
        free(st->binds);
        free(st->paths);
        strv_free(st->strings);
        strv_free(st->masks);
        free(st->run_dirs);
        strv_free(st->run_strings);
}

static int open_tree_root(const char *tree);

/* The /run directories the tree's packages declare in tmpfiles.d (mariadb's /run/mysqld), made
 * in the service's new /run as systemd-tmpfiles made them at boot. Only for a tree: the host's
 * view has the host's own. */
static int tree_run_dirs(struct service *s, struct spec_storage *st) {
        if (!s->unit->root_directory)
                return 0;
        _cleanup_close_ int rootfd = open_tree_root(st->tree);
        if (rootfd < 0)
                return 0; /* resolve_creds() says why */
        _cleanup_strv_free_ char **warnings = NULL;
        int r = tmpfiles_run_dirs(rootfd, st->tree_label, &st->run_dirs, &st->n_run_dirs, &st->run_strings,
                                  &warnings);
        STRV_FOREACH (w, warnings)
                log_warning("%s: %s %s", s->name, st->tree_label, *w);
        return r;
}

static int fail_spawn(struct service *s, int r, const char *fmt, ...) _printf_(3, 4);
static int fail_spawn(struct service *s, int r, const char *fmt, ...) {
        free(s->spawn_error);
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(&s->spawn_error, fmt, ap) < 0)
                s->spawn_error = NULL;
        va_end(ap);
        log_error("%s: %s", s->name, s->spawn_error ? s->spawn_error : "cannot start");
        log_stream_note(s->log, "%s", s->spawn_error ? s->spawn_error : "cannot start");
        return r < 0 ? r : -EINVAL;
}

/* The generation of tree RD that S is pinned to (common/pin.h), or NULL: none, one of another
 * tree (the unit changed its RootDirectory=), or one that is gone (then the current one is all
 * there is, and the log says so). */
static char *pinned_tree(struct service *s, const char *rd) {
        _cleanup_free_ char *pins = path_join(s->m->root, SVC_PINS_DIR);
        struct tree_pin pin = { 0 };
        if (!pins || tree_pin_read(pins, s->name, &pin) < 0)
                return NULL;
        char *path = NULL;
        struct stat st;
        if (streq(pin.tree, rd) && asprintf(&path, "%s/.%s/%u", s->m->trees_dir, rd, pin.gen) >= 0 &&
            (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))) {
                log_warning(
                        "%s: pinned to generation %u of tree %s, which is gone: it starts on the current one",
                        s->name, pin.gen, rd);
                path = mfree(path);
        }
        tree_pin_done(&pin);
        return path;
}

/* The tree on the host and how sentences name it. */
static int resolve_tree(struct service *s, char **ret_path, char **ret_label) {
        const char *rd = s->unit->root_directory;
        *ret_path = *ret_label = NULL;
        if (!rd)
                return (*ret_label = strdup("the host")) ? 0 : -ENOMEM;
        if (rd[0] == '/')
                *ret_path = strdup(rd);
        else if (!(*ret_path = pinned_tree(s, rd)))
                *ret_path = path_join(s->m->trees_dir, rd);
        if (!*ret_path || asprintf(ret_label, "tree %s", rd) < 0)
                return -ENOMEM;
        return 0;
}

static int open_tree_root(const char *tree) {
        int fd = open(tree ? tree : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

static void chown_tree(int dirfd, const char *name, uid_t uid, gid_t gid);

/* Gives the directory open at FD and everything below it to UID:GID, without following symlinks
 * (a new tree may map the service's user to another uid: its state must follow). */
static void chown_tree_fd(int fd, uid_t uid, gid_t gid) {
        (void) fchown(fd, uid, gid);
        int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
        if (!d) {
                safe_close(dfd);
                return;
        }
        struct dirent *de;
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        chown_tree(dirfd(d), de->d_name, uid, gid);
        closedir(d);
}

static void chown_tree(int dirfd, const char *name, uid_t uid, gid_t gid) {
        (void) fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW);
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0)
                chown_tree_fd(fd, uid, gid);
}

_printf_(2, 3) static int refuse(struct spec_storage *st, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        free(st->error);
        if (vasprintf(&st->error, fmt, ap) < 0)
                st->error = NULL;
        va_end(ap);
        return -EINVAL;
}

/* Opens DIR under the directory BASE the way open_dir_beneath() does, with a sentence in
 * st->error when it cannot: a service owns what is below BASE and may have planted a symlink. */
static int open_owned_dir(struct spec_storage *st, const char *key, int basefd, const char *base,
                          const char *dir, unsigned mode) {
        size_t fault = strlen(dir);
        int fd = open_dir_beneath(basefd, dir, mode, &fault);
        if (fd == -ELOOP)
                return refuse(st, "%s=%s: %.*s is a symlink in %s; refusing to follow it", key, dir,
                              (int) fault, dir, base);
        if (fd == -ENOTDIR)
                return refuse(st, "%s=%s: %.*s in %s is not a directory", key, dir, (int) fault, dir, base);
        if (fd < 0)
                return refuse(st, "%s=%s: cannot open %.*s in %s: %s", key, dir, (int) fault, dir, base,
                              strerror(-fd));
        st->fds[st->n_fds++] = fd;
        return fd;
}

/* StateDirectory=/LogsDirectory=/CacheDirectory=: made on the host under BASE (svc's own), owned
 * by the service's user, with MODE (*DirectoryMode=, set at each start as systemd does), bound
 * inside from the fd opened here: nothing is resolved by path again. */
static int add_owned_dirs(struct spec_storage *st, size_t *n, const char *key, char **dirs, const char *base,
                          const char *inside, uid_t uid, gid_t gid, unsigned mode) {
        if (!dirs || !*dirs)
                return 0;
        _cleanup_close_ int basefd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (basefd < 0)
                return refuse(st, "%s=: cannot open %s: %s", key, base, strerror(errno));
        STRV_FOREACH (d, dirs) {
                char *src = path_join(base, *d), *dst = path_join(inside, *d);
                if (!src || !dst || strv_push(&st->strings, src) < 0 || strv_push(&st->strings, dst) < 0) {
                        free(dst);
                        return -ENOMEM;
                }
                int fd = open_owned_dir(st, key, basefd, base, *d, 0755);
                if (fd < 0)
                        return fd;
                struct stat sb;
                if (fstat(fd, &sb) == 0 && (sb.st_uid != uid || sb.st_gid != gid))
                        chown_tree_fd(fd, uid, gid);
                if (fstat(fd, &sb) == 0 && (sb.st_mode & 07777) != mode && fchmod(fd, mode) < 0)
                        return refuse(st, "%s=%s: cannot set mode %04o: %s", key, *d, mode, strerror(errno));
                st->binds[(*n)++] = (struct sandbox_bind){
                        .source = src, .target = dst, .recursive = true, .source_fd = fd
                };
        }
        return 0;
}

/* Moves every owner below the directory open at FD from the range at FROM to the range at TO
 * (65536 ids each; other owners stay), without following symlinks: the files of a persistent
 * overlay keep who owns them inside when the service moves between its range and the host's. */
static void shift_owners(int fd, uid_t from, uid_t to) {
        int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
        if (!d) {
                safe_close(dfd);
                return;
        }
        struct dirent *de;
        while ((de = readdir(d))) {
                struct stat sb;
                if (streq(de->d_name, ".") || streq(de->d_name, "..") ||
                    fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                uid_t u = sb.st_uid - from < 65536 ? sb.st_uid - from + to : sb.st_uid;
                gid_t g = sb.st_gid - from < 65536 ? sb.st_gid - from + to : sb.st_gid;
                (void) fchownat(dirfd(d), de->d_name, u, g, AT_SYMLINK_NOFOLLOW);
                _cleanup_close_ int sub = S_ISDIR(sb.st_mode)
                                                  ? openat(dirfd(d), de->d_name,
                                                           O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                                                  : -EBADF;
                if (sub >= 0)
                        shift_owners(sub, from, to);
        }
        closedir(d);
}

/* The overlay's directory DIR belongs to root inside (the child, root of its range, reaches
 * upper/ and work/ through it); what it holds moves with it. */
static void own_overlay(int dir, uid_t root_uid) {
        struct stat sb;
        if (fstat(dir, &sb) < 0 || sb.st_uid == root_uid)
                return;
        shift_owners(dir, sb.st_uid, root_uid);
        (void) fchown(dir, root_uid, root_uid);
}

/* Overlay=persistent: NAME/upper and NAME/work under svc's overlay directory. */
static int add_overlay_dirs(struct service *s, struct spec_storage *st) {
        const char *base = s->m->overlay_dir;
        st->overlay_dir = path_join(base, s->name);
        if (!st->overlay_dir)
                return -ENOMEM;
        _cleanup_close_ int basefd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (basefd < 0)
                return refuse(st, "Overlay=persistent: cannot open %s: %s", base, strerror(errno));
        int dir = open_owned_dir(st, "Overlay", basefd, base, s->name, 0700);
        int r = dir < 0 ? dir : open_owned_dir(st, "Overlay", dir, st->overlay_dir, "upper", 0755);
        if (r >= 0)
                r = open_owned_dir(st, "Overlay", dir, st->overlay_dir, "work", 0755);
        if (r >= 0)
                own_overlay(dir, st->root_uid);
        return r < 0 ? r : 0;
}

/* A new volume takes the owner and mode of DEST in the tree (Debian's /var/mail is root:mail
 * 2775), as ids inside: a volume is always bound idmapped, so its files keep on the host the ids
 * they have inside, and every service whose tree gives a user the same id shares its files. */
static void own_new_volume(const struct spec_storage *st, int fd, const char *dest) {
        _cleanup_close_ int root = open_tree_root(st->tree);
        _cleanup_close_ int target =
                root < 0 ? -EBADF : sandbox_open_in_tree(root, dest, O_PATH | O_DIRECTORY);
        struct stat sb;
        if (target < 0 || fstat(target, &sb) < 0)
                return;
        (void) fchown(fd, sb.st_uid, sb.st_gid);
        (void) fchmod(fd, sb.st_mode & 07777);
}

/* BindPaths=NAME:/path: ROOT/var/lib/svc/volumes/NAME, made at its first use and kept. */
static int add_volume(struct service *s, struct spec_storage *st, const struct bind_spec *b, size_t *n) {
        const char *base = s->m->volumes_dir;
        _cleanup_close_ int basefd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (basefd < 0)
                return refuse(st, "BindPaths=%s: cannot open %s: %s", b->source, base, strerror(errno));
        bool made = faccessat(basefd, b->source, F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT;
        int fd = open_owned_dir(st, "BindPaths", basefd, base, b->source, 0755);
        if (fd < 0)
                return fd;
        if (made)
                own_new_volume(st, fd, b->dest);
        char *src = path_join(base, b->source);
        if (!src || strv_push(&st->strings, src) < 0)
                return -ENOMEM;
        st->binds[(*n)++] = (struct sandbox_bind){ .source = src,
                                                   .target = b->dest,
                                                   .read_only = b->read_only,
                                                   .recursive = b->recursive,
                                                   .idmap = st->users_on,
                                                   .source_fd = fd };
        return 0;
}

static int add_unit_binds(struct service *s, struct spec_storage *st, size_t *n) {
        for (size_t i = 0; i < s->unit->n_binds; i++) {
                const struct bind_spec *b = &s->unit->binds[i];
                if (b->volume) {
                        int r = add_volume(s, st, b, n);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (b->optional && access(b->source, F_OK) < 0)
                        continue;
                st->binds[(*n)++] = (struct sandbox_bind){ .source = b->source,
                                                           .target = b->dest,
                                                           .read_only = b->read_only,
                                                           .recursive = b->recursive,
                                                           .idmap = b->idmap,
                                                           .source_fd = -EBADF };
        }
        return 0;
}

/* A file of the tree that a bind may cover: not a symlink (a missing one is made). */
static bool bindable_in_tree(const char *tree, const char *path) {
        struct stat st;
        if (!tree)
                return lstat(path, &st) < 0 ? errno == ENOENT : !S_ISLNK(st.st_mode);
        _cleanup_close_ int root = open(tree, O_PATH | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int fd = root < 0 ? -EBADF : sandbox_open_in_tree(root, path, O_PATH | O_NOFOLLOW);
        if (fd < 0)
                return fd == -ENOENT;
        return fstat(fd, &st) == 0 && !S_ISLNK(st.st_mode);
}

/* A service with a veth: svcd's list of the services at /etc/hosts, the host's resolv.conf. */
static int add_network_files(struct service *s, struct spec_storage *st, size_t *n) {
        const char *hosts = net_hosts_path(s->m);
        if (hosts && bindable_in_tree(st->tree, "/etc/hosts"))
                st->binds[(*n)++] = (struct sandbox_bind){
                        .source = hosts, .target = "/etc/hosts", .read_only = true, .source_fd = -EBADF
                };
        char *resolv = realpath("/etc/resolv.conf", NULL);
        if (resolv && strv_push(&st->strings, resolv) < 0)
                return -ENOMEM;
        if (resolv && bindable_in_tree(st->tree, "/etc/resolv.conf"))
                st->binds[(*n)++] = (struct sandbox_bind){
                        .source = resolv, .target = "/etc/resolv.conf", .read_only = true, .source_fd = -EBADF
                };
        return 0;
}

/* struct sandbox_spec.before_release: the child exists, in its namespaces, and waits. */
static int before_release(pid_t pid, void *userdata) {
        struct spec_storage *st = userdata;
        int r = cgroup_service_join_v1(pid, st->s);
        if (r >= 0)
                r = net_service_attach(st->s, pid, &st->net_error);
        return r;
}

/* In the host view, svc's own files that fall under a directory the sandbox shows. */
static int add_masks(struct service *s, struct spec_storage *st) {
        const char *own[] = { s->m->units_dir, s->m->enabled_dir, s->m->trees_dir, s->m->state_dir };
        static const char *const shown[] = { "/usr/", "/etc/", "/bin/", "/sbin/", "/lib" };
        for (size_t i = 0; i < ELEMENTSOF(own); i++)
                for (size_t j = 0; j < ELEMENTSOF(shown); j++)
                        if (strneq(own[i], shown[j], strlen(shown[j])) && strv_extend(&st->masks, own[i]) < 0)
                                return -ENOMEM;
        return 0;
}

/* ---- the path keys and the service's own /var ---------------------------------------------- */

static struct sandbox_path *push_path(struct spec_storage *st, enum sandbox_path_kind kind, const char *path,
                                      bool optional) {
        if (st->n_paths >= SANDBOX_PATHS_MAX) {
                refuse(st, "more than %d paths in ReadWritePaths=, ReadOnlyPaths= and their kin",
                       SANDBOX_PATHS_MAX);
                return NULL;
        }
        struct sandbox_path *p = &st->paths[st->n_paths++];
        *p = (struct sandbox_path){ .kind = kind, .path = path, .optional = optional, .dir_fd = -EBADF };
        return p;
}

/* systemd's escaping of a path into one file name: "/etc/redis" -> "etc-redis". */
static char *escape_path(const char *path) {
        path += strspn(path, "/");
        char *e = malloc(strlen(path) * 4 + 2), *w = e;
        if (!e)
                return NULL;
        for (const char *c = path; *c; c++) {
                if (*c == '/')
                        *w++ = '-';
                else if (isalnum((unsigned char) *c) || *c == '_' || *c == ':' || (*c == '.' && c != path))
                        *w++ = *c;
                else
                        w += sprintf(w, "\\x%02x", (unsigned char) *c);
        }
        if (w == e)
                *w++ = '-';
        *w = '\0';
        return e;
}

/* The writable layer of DIR under BASE/NAME (svc's own, 0700), opened without following symlinks. */
static int add_layer(struct service *s, struct spec_storage *st, const char *key, const char *base,
                     const char *dir, const char *inside, bool optional) {
        _cleanup_free_ char *rel = dir ? path_join(s->name, dir) : strdup(s->name);
        char *full = rel ? path_join(base, rel) : NULL;
        if (!full || strv_push(&st->strings, full) < 0) {
                free(full);
                return -ENOMEM;
        }
        _cleanup_close_ int basefd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (basefd < 0)
                return refuse(st, "%s=: cannot open %s: %s", key, base, strerror(errno));
        int fd = open_owned_dir(st, key, basefd, base, rel, 0700);
        int r = fd < 0 ? fd : open_owned_dir(st, key, fd, full, "upper", 0755);
        if (r >= 0)
                r = open_owned_dir(st, key, fd, full, "work", 0755);
        if (r < 0)
                return r;
        /* Root inside owns it, upper/ and work/: in a user namespace overlayfs writes there as
         * that uid (what it holds moves with it between the range and the host's uids). */
        own_overlay(fd, st->root_uid);
        struct sandbox_path *p = push_path(st, SANDBOX_PATH_OVERLAY, inside, optional);
        if (!p)
                return -EINVAL;
        p->dir = full;
        p->dir_fd = fd;
        return 0;
}

/* VarOverlay=: the tree's /var with a writable layer of the service's own on top. */
static int add_var_layer(struct service *s, struct spec_storage *st) {
        if (s->unit->var_overlay == OVERLAY_NONE)
                return 0;
        if (s->unit->var_overlay == OVERLAY_PERSISTENT)
                return add_layer(s, st, "VarOverlay", s->m->var_dir, NULL, "/var", false);
        return push_path(st, SANDBOX_PATH_OVERLAY, "/var", false) ? 0 : -EINVAL;
}

static int add_unit_path(struct service *s, struct spec_storage *st, const struct path_spec *p) {
        const char *why;
        if (p->key == PATH_READ_WRITE && unit_read_write_kind(s->unit, p->path, &why) == READ_WRITE_LAYER) {
                _cleanup_free_ char *esc = escape_path(p->path);
                return esc ? add_layer(s, st, "ReadWritePaths", s->m->paths_dir, esc, p->path, p->optional)
                           : -ENOMEM;
        }
        struct sandbox_path *sp = push_path(st, svc_spec_path_kind(p->key), p->path, p->optional);
        if (!sp)
                return -EINVAL;
        sp->read_only = p->read_only;
        sp->no_exec = p->no_exec;
        sp->options = p->options;
        return 0;
}

/* ProtectHome=yes, read-only, tmpfs, as systemd does it, on the service's own root. */
static int add_protect_home(struct spec_storage *st, enum protect_home h) {
        struct svc_home_path homes[3];
        size_t n = svc_spec_protect_home(h, homes);
        for (size_t i = 0; i < n; i++) {
                struct sandbox_path *p = push_path(st, homes[i].kind, homes[i].path, true);
                if (!p)
                        return -EINVAL;
                p->read_only = homes[i].read_only;
        }
        return 0;
}

/* ProtectHome=no in the host view: the host's /home and /root, read-only (ProtectSystem=strict
 * still holds; ReadWritePaths= or BindPaths= make them writable). A tree shows its own. */
static int add_home_binds(struct service *s, struct spec_storage *st, size_t *n) {
        static const char *const homes[] = { "/home", "/root" };
        if (s->unit->protect_home != PROTECT_HOME_NO || st->tree)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(homes); i++)
                if (access(homes[i], F_OK) == 0)
                        st->binds[(*n)++] = (struct sandbox_bind){ .source = homes[i],
                                                                   .target = homes[i],
                                                                   .read_only = true,
                                                                   .recursive = true,
                                                                   .source_fd = -EBADF };
        return 0;
}

/* ConfigurationDirectory=: /etc/DIR as the tree has it, read-only like the rest of /etc. */
static int check_configuration_dirs(struct service *s, struct spec_storage *st) {
        _cleanup_close_ int root = open(st->tree ? st->tree : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        STRV_FOREACH (d, s->unit->configuration_directories) {
                _cleanup_free_ char *path = path_join("/etc", *d);
                if (!path)
                        return -ENOMEM;
                if (unit_path_under_bind(s->unit, path))
                        continue;
                _cleanup_close_ int fd =
                        root < 0 ? -EBADF : sandbox_open_in_tree(root, path, O_PATH | O_DIRECTORY);
                if (fd < 0)
                        return refuse(
                                st,
                                "ConfigurationDirectory=%s: %s has no directory %s; install the package's "
                                "configuration in the tree, or bind one there with BindReadOnlyPaths=",
                                *d, st->tree_label, path);
        }
        return 0;
}

static unsigned path_depth(const char *p) {
        unsigned n = 0;
        for (; *p; p++)
                n += *p == '/' && p[1];
        return n;
}

/* A path after the paths above it, in the order written otherwise (insertion sort: stable). */
static void sort_paths(struct sandbox_path *p, size_t n) {
        for (size_t i = 1; i < n; i++) {
                struct sandbox_path x = p[i];
                size_t j = i;
                for (; j > 0 && path_depth(p[j - 1].path) > path_depth(x.path); j--)
                        p[j] = p[j - 1];
                p[j] = x;
        }
}

static int add_paths(struct service *s, struct spec_storage *st) {
        const struct unit *u = s->unit;
        int r = add_var_layer(s, st);
        if (r >= 0)
                r = add_protect_home(st, u->protect_home);
        for (size_t i = 0; r >= 0 && i < u->n_paths; i++)
                r = add_unit_path(s, st, &u->paths[i]);
        if (r >= 0)
                r = check_configuration_dirs(s, st);
        if (r >= 0)
                sort_paths(st->paths, st->n_paths);
        return r;
}

/* StateDirectory=, LogsDirectory=, CacheDirectory=: svc's own directories, bound under /var. */
static int add_service_dirs(struct service *s, struct spec_storage *st, uid_t uid, gid_t gid, size_t *n) {
        const char *const bases[_SVC_SERVICE_DIR_MAX] = {
                [SVC_SERVICE_DIR_STATE] = s->m->state_dir,
                [SVC_SERVICE_DIR_LOGS] = s->m->svclog_root,
                [SVC_SERVICE_DIR_CACHE] = s->m->cache_dir,
        };
        int r = 0;
        for (unsigned i = 0; r >= 0 && i < _SVC_SERVICE_DIR_MAX; i++) {
                unsigned mode;
                char *const *dirs = svc_service_dir_names(s->unit, i, &mode);
                r = add_owned_dirs(st, n, svc_service_dirs[i].key, (char **) dirs, bases[i],
                                   svc_service_dirs[i].inside, uid, gid, mode);
        }
        return r;
}

/* Every mount of the sandbox: the unit's binds, the service's own directories, homes, paths,
 * masks, network files, the overlay's directories and the devices. N counts the binds. */
static int add_mounts(struct service *s, struct spec_storage *st, uid_t uid, gid_t gid, size_t *n) {
        const struct unit *u = s->unit;
        size_t owned = strv_length(u->state_directories) + strv_length(u->logs_directories) +
                       strv_length(u->cache_directories);
        st->binds = calloc(u->n_binds + owned + 5, sizeof(*st->binds)); /* network files, homes */
        /* The overlay's three, three (the directory, upper/, work/) for the /var layer and for
         * each ReadWritePaths= layer. */
        st->fds = calloc(owned + 6 + 3 * u->n_paths + u->n_binds, sizeof(*st->fds)); /* + volumes */
        st->paths = calloc(SANDBOX_PATHS_MAX, sizeof(*st->paths));
        if (!st->binds || !st->fds || !st->paths)
                return -ENOMEM;
        int r = add_unit_binds(s, st, n);
        if (r >= 0)
                r = add_service_dirs(s, st, uid, gid, n);
        if (r >= 0)
                r = add_home_binds(s, st, n);
        if (r >= 0)
                r = add_paths(s, st);
        if (r >= 0 && !st->tree)
                r = add_masks(s, st);
        if (r >= 0 && s->net)
                r = add_network_files(s, st, n);
        if (r >= 0 && u->overlay == OVERLAY_PERSISTENT)
                r = add_overlay_dirs(s, st);
        if (r < 0)
                return r;
        _cleanup_free_ char *why = NULL;
        if ((r = hardening_devices_open(u, s->name, &st->devices, &why)) < 0)
                return why ? refuse(st, "%s", why) : r;
        return 0;
}

static void fill_spec(struct service *s, const struct sandbox_creds *creds, struct spec_storage *st,
                      size_t n) {
        const struct unit *u = s->unit;
        st->spec = (struct sandbox_spec){
                .name = s->name,
                .hostname = st->hostname,
                .tree = st->tree,
                .tree_label = st->tree_label,
                .overlay = u->overlay != OVERLAY_NONE,
                .overlay_dir = st->overlay_dir,
                .binds = st->binds,
                .n_binds = n,
                .masks = (const char *const *) st->masks,
                .run_dirs = st->run_dirs,
                .n_run_dirs = st->n_run_dirs,
                .runtime_dirs = (const char *const *) u->runtime_directories,
                .runtime_uid = creds->uid,
                .runtime_gid = creds->gid,
                .runtime_mode = u->runtime_directory_mode,
                .paths = st->paths,
                .n_paths = st->n_paths,
                .notify_socket = s->notify_path,
                .syslog_socket = s->syslog_path,
                .devices = st->devices.binds,
                .n_devices = st->devices.n,
                .devices_strict = u->hardening.device_policy == DEVICE_POLICY_STRICT,
                .private_network = u->private_network,
                .scratch_dir = s->m->scratch_dir,
                .cgroup_fd = cgroup_service_fd(s),
                .users = st->users_on ? &st->users : NULL,
                .nice = u->nice_set && u->nice < 0 ? u->nice : 0,
                .nsinit_fd = s->m->nsinit_fd,
                .before_release = before_release,
                .userdata = st,
        };
}

static int build_spec(struct service *s, const struct sandbox_creds *creds, struct spec_storage *st) {
        const struct unit *u = s->unit;
        st->s = s;
        /* Born in its cgroup: every process of the sandbox, however it forks, is in it. */
        int r = cgroup_service_prepare(s);
        if (r < 0)
                return r;
        r = resolve_tree(s, &st->tree, &st->tree_label);
        if (r < 0)
                return r;
        r = users_prepare(s, st->tree, creds, &st->users, &st->users_on);
        if (r >= 0)
                r = tree_run_dirs(s, st);
        if (r < 0)
                return r;
        /* Who owns the service's directories on the host: its ids through its map. */
        uid_t uid = creds->uid, gid = creds->gid;
        st->root_uid = 0;
        if (st->users_on) {
                uid = sandbox_idmap_outside(&st->users.uid, creds->uid);
                gid = sandbox_idmap_outside(&st->users.gid, creds->gid);
                st->root_uid = sandbox_idmap_outside(&st->users.uid, 0);
        }
        size_t n = 0;
        r = add_mounts(s, st, uid, gid, &n);
        if (r < 0)
                return r;
        st->hostname = svc_spec_hostname(u, s->name);
        if (!st->hostname)
                return -ENOMEM;
        fill_spec(s, creds, st, n);
        return 0;
}

/* ---- what ns-init says -------------------------------------------------------------------- */

/* The host pid of the sandbox's process NSPID: a child of ns-init whose NSpid ends in it. */
static pid_t host_pid_of(struct service *s, pid_t nspid) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int) s->sb.pid, (int) s->sb.pid);
        _cleanup_free_ char *children = NULL;
        if (read_full_file(path, &children, NULL) < 0)
                return 0;
        char *save = NULL;
        for (char *w = strtok_r(children, " \n", &save); w; w = strtok_r(NULL, " \n", &save)) {
                snprintf(path, sizeof(path), "/proc/%s/status", w);
                _cleanup_free_ char *status = NULL;
                if (read_full_file(path, &status, NULL) < 0)
                        continue;
                const char *ns = strstr(status, "\nNSpid:");
                const char *eol = ns ? strchr(ns + 1, '\n') : NULL;
                const char *last = eol ? eol : ns;
                while (last && last > ns && last[-1] != '\t' && last[-1] != ' ')
                        last--;
                if (last && atoi(last) == nspid)
                        return (pid_t) atoi(w);
        }
        return 0;
}

static void session_done(struct service *s, struct exec_session *e, int code, char *message) {
        e->done = true;
        e->exit_code = code;
        free(e->message);
        e->message = message;
        exec_session_flush(s, e);
}

static bool session_event(struct service *s, const struct sandbox_event *ev) {
        struct exec_session *e = exec_session_find(s, ev->id);
        if (!e)
                return false;
        char *msg = NULL;
        if (ev->type == PROTO_STARTED && ev->stage != STAGE_NONE) {
                int code = ev->stage != STAGE_EXEC ? 125 : ev->err == ENOENT ? 127 : 126;
                if (asprintf(&msg, "cannot %s: %s", sandbox_stage_to_string(ev->stage), strerror(ev->err)) <
                    0)
                        msg = NULL;
                session_done(s, e, code, msg);
        } else if (ev->type == PROTO_EXITED)
                session_done(s, e, ev->code == CLD_EXITED ? ev->status : 128 + ev->status, NULL);
        return true;
}

static void on_started(struct service *s, const struct sandbox_event *ev) {
        bool main = ev->id == s->main_id, control = ev->id == s->control_id;
        if (!main && !control) {
                (void) session_event(s, ev);
                return;
        }
        if (ev->stage != STAGE_NONE) {
                const struct unit *u = s->unit;
                fail_spawn(s, -ev->err, "failed to %s %s: %s", sandbox_stage_to_string(ev->stage),
                           ev->stage == STAGE_CHDIR ? (u->working_directory ? u->working_directory : "/")
                                                    : "",
                           strerror(ev->err));
                service_post(s, EV_SPAWN_FAILED, 0, 0, ev->err);
                return;
        }
        if (main) {
                s->main_pid = ev->pid;
                s->main_host_pid = host_pid_of(s, ev->pid);
                service_post(s, EV_MAIN_EXEC, 0, 0, 0);
                spare_schedule(s);
        } else
                s->control_pid = ev->pid;
}

static void on_exited(struct service *s, const struct sandbox_event *ev) {
        if (session_event(s, ev))
                return;
        if (ev->id == s->control_id && s->control_pid) {
                s->control_pid = 0;
                s->reload_status = ev->code == CLD_EXITED ? ev->status : 128 + ev->status;
                service_post(s, EV_CONTROL_EXIT, ev->code, ev->status, 0);
        } else if (ev->id == s->main_id && s->main_pid) {
                /* Its last words go to the log before svcd's note about its end. */
                log_pipe_drain(s);
                s->main_pid = s->main_host_pid = 0;
                if (s->main_adopted) {
                        /* Type=forking lives while anything is left: the end is EMPTY. */
                        s->adopted_code = ev->code;
                        s->adopted_status = ev->status;
                        return;
                }
                /* The OOM killer's SIGKILL: the cgroup counts it. */
                bool oom = ev->code == CLD_KILLED && ev->status == SIGKILL && cgroup_service_oom(s);
                service_post(s, EV_MAIN_EXIT, ev->code, ev->status, oom ? ENOMEM : 0);
        }
}

static int on_channel(sd_event_source *src _unused_, int fd _unused_, uint32_t revents _unused_,
                      void *userdata) {
        struct service *s = userdata;
        struct sandbox_event ev;
        int r;
        while ((r = sandbox_receive(&s->sb, &ev)) > 0) {
                if (ev.type == PROTO_STARTED)
                        on_started(s, &ev);
                else if (ev.type == PROTO_EXITED)
                        on_exited(s, &ev);
                else if (ev.type == PROTO_EMPTY) {
                        if (s->main_adopted && s->sm.main_alive) {
                                s->main_adopted = false;
                                service_post(s, EV_MAIN_EXIT, s->adopted_code, s->adopted_status, 0);
                        }
                        service_post(s, EV_EMPTY, 0, 0, 0);
                }
        }
        if (r == 0) /* ns-init is gone; its exit is handled when it is reaped */
                s->sb_channel_source = sd_event_source_disable_unref(s->sb_channel_source);
        service_deliver(s);
        return 0;
}

static int on_setup(sd_event_source *src, int fd _unused_, uint32_t revents _unused_, void *userdata) {
        struct service *s = userdata;
        struct sandbox_setup_error e;
        /* Out of epoll before the read closes the fd: a sandbox being set up right now holds a
         * copy of it, which would keep a closed fd's registration alive. */
        sd_event_source_set_enabled(src, SD_EVENT_OFF);
        int r = sandbox_read_setup(&s->sb, &e);
        if (r == -EAGAIN) {
                sd_event_source_set_enabled(src, SD_EVENT_ON);
                return 0;
        }
        s->sb_setup_source = sd_event_source_disable_unref(s->sb_setup_source);
        if (r == 0) {
                s->sb_ready = true;
                s->pidns_ino = pidns_of(s->sb.pid);
                return 0;
        }
        fail_spawn(s, -e.err, "cannot set up the sandbox: failed to %s%s%s: %s", e.what, e.path[0] ? " " : "",
                   e.path, strerror(e.err));
        /* The commands waiting in the channel will never start. */
        if ((s->sm.main_alive && !s->main_pid) || (s->sm.control_alive && !s->control_pid))
                service_post(s, EV_SPAWN_FAILED, 0, 0, e.err);
        service_deliver(s);
        return 0;
}

/* ---- making a sandbox and commands -------------------------------------------------------- */

/* The library check, once per definition of the unit (every sandbox of it has the same tree). */
static int check_programs(struct service *s, int rootfd, const char *label) {
        if (s->elf_checked)
                return 0;
        _cleanup_free_ char *why = NULL;
        int r = libcheck_programs(s, rootfd, label, &why);
        if (r < 0)
                return fail_spawn(s, r, "%s", why ? why : "the library check failed");
        s->elf_checked = true;
        return 0;
}

/* systemd's $INVOCATION_ID: 128 random bits for this run of the service, as hex. */
static void new_invocation_id(char ret[static 33]) {
        uint8_t b[16] = { 0 };
        if (getrandom(b, sizeof(b), GRND_NONBLOCK) != (ssize_t) sizeof(b))
                for (size_t i = 0; i < sizeof(b); i++) /* no entropy yet at early boot: still unique */
                        b[i] = (uint8_t) (now_usec(CLOCK_REALTIME) >> (i % 8 * 8)) ^ (uint8_t) i ^
                               (uint8_t) getpid();
        for (size_t i = 0; i < sizeof(b); i++)
                snprintf(ret + 2 * i, 3, "%02x", b[i]);
}

static int ensure_sandbox(struct service *s, const struct sandbox_creds *creds, int rootfd,
                          const char *label) {
        if (s->has_sb)
                return 0;
        new_invocation_id(s->invocation_id);
        int r = check_programs(s, rootfd, label);
        if (r < 0)
                return r;
        _cleanup_free_ char *why = NULL;
        /* An address and the published ports first: a port in use is the likelier error. */
        r = net_service_prepare(s, &why);
        if (r < 0)
                return why ? fail_spawn(s, r, "%s", why)
                           : fail_spawn(s, r, "cannot prepare the network: %s", strerror(-r));
        struct spec_storage st = { 0 };
        r = build_spec(s, creds, &st);
        if (r < 0) {
                if (st.error)
                        fail_spawn(s, r, "%s", st.error);
                else
                        fail_spawn(s, r, "cannot prepare the sandbox: %s", strerror(-r));
                spec_storage_done(&st);
                net_service_release(s);
                return r;
        }
        s->sb = (struct sandbox){ .pidfd = -EBADF, .channel = -EBADF, .setup_fd = -EBADF };
        spare_offer(s, &st.spec);
        r = sandbox_check_spec(&st.spec, &why);
        if (r >= 0)
                r = sandbox_start(&st.spec, &s->sb);
        spare_used(s);
        if (r < 0 && !why && st.net_error)
                why = TAKE_PTR(st.net_error);
        /* Which generation of the tree this run got (a tree name is a symlink that moves). */
        char *tree_path = r >= 0 ? realpath(st.tree ? st.tree : "/", NULL) : NULL;
        spec_storage_done(&st);
        if (r < 0 && s->sb.pid > 0) /* before_release() failed: the child exits by itself */
                reaper_add(&s->m->reaper, &s->sb);
        if (r < 0)
                net_service_release(s);
        if (r < 0)
                return why ? fail_spawn(s, r, "%s", why)
                           : fail_spawn(s, r, "cannot start the sandbox: %s", strerror(-r));
        s->has_sb = true;
        s->sb_ready = false;
        /* ns-init was cloned into its new PID namespace: known now, before its setup is reported,
         * since a command queued behind the setup may notify first (a busy svcd, several services
         * starting) and its READY=1 must not be taken for a stranger's. */
        s->pidns_ino = pidns_of(s->sb.pid);
        free(s->tree_path);
        s->tree_path = tree_path;
        s->main_pid = s->control_pid = s->main_host_pid = 0;
        s->main_adopted = false;
        r = sd_event_add_io(s->m->event, &s->sb_channel_source, s->sb.channel, EPOLLIN, on_channel, s);
        if (r >= 0)
                r = sd_event_add_io(s->m->event, &s->sb_setup_source, s->sb.setup_fd, EPOLLIN, on_setup, s);
        if (r < 0) {
                exec_kill_all(s, true);
                return fail_spawn(s, r, "cannot watch the sandbox: %s", strerror(-r));
        }
        return 0;
}

struct cmd_storage {
        struct sandbox_command cmd;
        char **env, **argv;
        int fds[PROTO_MAX_FDS];
        struct rlimit limits[UNIT_RLIMIT_MAX], *limit_ptrs[UNIT_RLIMIT_MAX];
};

/* Whether ns-init PID lives in a user namespace other than svcd's. */
static bool in_other_userns(pid_t pid) {
        char path[64];
        struct stat self, other;
        snprintf(path, sizeof(path), "/proc/%d/ns/user", (int) pid);
        return stat(path, &other) >= 0 && stat("/proc/self/ns/user", &self) >= 0 &&
               (self.st_ino != other.st_ino || self.st_dev != other.st_dev);
}

static const char *limit_key(int resource) {
        static const char *const keys[] = {
                [RLIMIT_CPU] = "LimitCPU",           [RLIMIT_FSIZE] = "LimitFSIZE",
                [RLIMIT_DATA] = "LimitDATA",         [RLIMIT_STACK] = "LimitSTACK",
                [RLIMIT_CORE] = "LimitCORE",         [RLIMIT_RSS] = "LimitRSS",
                [RLIMIT_NOFILE] = "LimitNOFILE",     [RLIMIT_AS] = "LimitAS",
                [RLIMIT_NPROC] = "LimitNPROC",       [RLIMIT_MEMLOCK] = "LimitMEMLOCK",
                [RLIMIT_LOCKS] = "LimitLOCKS",       [RLIMIT_SIGPENDING] = "LimitSIGPENDING",
                [RLIMIT_MSGQUEUE] = "LimitMSGQUEUE", [RLIMIT_NICE] = "LimitNICE",
                [RLIMIT_RTPRIO] = "LimitRTPRIO",     [RLIMIT_RTTIME] = "LimitRTTIME",
        };
        return resource >= 0 && resource < (int) ELEMENTSOF(keys) && keys[resource] ? keys[resource]
                                                                                    : "Limit";
}

/* Without LimitNOFILE=, systemd's default: a soft limit of 1024 (svcd raised its own, svcd.c),
 * the hard limit svcd has. */
static void default_nofile(struct cmd_storage *cs) {
        struct rlimit own;
        if (getrlimit(RLIMIT_NOFILE, &own) < 0 || own.rlim_cur <= 1024)
                return;
        cs->limits[RLIMIT_NOFILE] = (struct rlimit){ .rlim_cur = 1024, .rlim_max = own.rlim_max };
        cs->limit_ptrs[RLIMIT_NOFILE] = &cs->limits[RLIMIT_NOFILE];
}

/* Limit*= above svcd's own hard limit: in a user namespace of its own, root of the service cannot
 * raise a hard limit (CAP_SYS_RESOURCE counts only in the host's namespace), and the start would
 * fail; a packaged unit's LimitNOFILE=65535 (redis, dovecot, mariadb) is a wish for "enough", so
 * it gets svcd's hard limit, with a warning for the main command. Lowering is never changed. */
static void clamp_limits(struct service *s, bool main, struct cmd_storage *cs) {
        const struct unit *u = s->unit;
        bool other = in_other_userns(s->sb.pid);
        for (int i = 0; i < UNIT_RLIMIT_MAX; i++) {
                struct rlimit own;
                cs->limit_ptrs[i] = NULL;
                if (!u->rlimits[i] && i == RLIMIT_NOFILE)
                        default_nofile(cs);
                if (!u->rlimits[i])
                        continue;
                cs->limits[i] = *u->rlimits[i];
                cs->limit_ptrs[i] = &cs->limits[i];
                if (!other || getrlimit(i, &own) < 0 || own.rlim_max == RLIM_INFINITY ||
                    (cs->limits[i].rlim_max != RLIM_INFINITY && cs->limits[i].rlim_max <= own.rlim_max))
                        continue;
                if (main)
                        log_warning("%s: %s= asks for more than svcd's own hard limit %llu, which a "
                                    "service in a user namespace of its own cannot raise; it gets %llu",
                                    s->name, limit_key(i), (unsigned long long) own.rlim_max,
                                    (unsigned long long) own.rlim_max);
                cs->limits[i].rlim_max = own.rlim_max;
                if (cs->limits[i].rlim_cur == RLIM_INFINITY || cs->limits[i].rlim_cur > own.rlim_max)
                        cs->limits[i].rlim_cur = own.rlim_max;
        }
}

static int add_env(char ***env, const char *fmt, ...) _printf_(2, 3);
static int add_env(char ***env, const char *fmt, ...) {
        char *v;
        va_list ap;
        va_start(ap, fmt);
        int k = vasprintf(&v, fmt, ap);
        va_end(ap);
        return k < 0 ? -ENOMEM : strv_push(env, v);
}

/* systemd's name for how the run ended, for $SERVICE_RESULT. */
static const char *service_result_name(const struct svc_machine *m) {
        switch (m->result) {
        case RESULT_SIGNAL:
                return m->main_code == CLD_DUMPED ? "core-dump" : "signal";
        case RESULT_SPAWN:
                return "resources";
        case RESULT_DEPENDENCY:
                return "success";
        default:
                return svc_result_to_string(m->result);
        }
}

/* ExecStop= and ExecStopPost=: $SERVICE_RESULT, and $EXIT_CODE and $EXIT_STATUS of the main
 * process's end when it ended (systemd.exec(5)). */
static int add_stop_env(char ***env, const struct svc_machine *m) {
        int r = add_env(env, "SERVICE_RESULT=%s", service_result_name(m));
        if (r < 0 || m->main_code == 0)
                return r;
        const char *code = m->main_code == CLD_EXITED   ? "exited"
                           : m->main_code == CLD_DUMPED ? "dumped"
                                                        : "killed";
        r = add_env(env, "EXIT_CODE=%s", code);
        if (r >= 0 && m->main_code == CLD_EXITED)
                r = add_env(env, "EXIT_STATUS=%d", m->main_status);
        else if (r >= 0) {
                const char *sig = sigabbrev_np(m->main_status);
                r = sig ? add_env(env, "EXIT_STATUS=%s", sig)
                        : add_env(env, "EXIT_STATUS=%d", m->main_status);
        }
        return r;
}

static int build_env(struct service *s, const struct sandbox_creds *c, bool main, char ***ret) {
        char **env = NULL;
        int r = svc_spec_base_env(c, &env);
        if (r >= 0 && s->notify_path)
                r = add_env(&env, "NOTIFY_SOCKET=%s", SANDBOX_NOTIFY_PATH);
        if (r >= 0 && s->invocation_id[0])
                r = add_env(&env, "INVOCATION_ID=%s", s->invocation_id);
        if (r >= 0 && s->main_pid > 0)
                r = add_env(&env, "MAINPID=%d", (int) s->main_pid);
        if (r >= 0 && !main && (s->sm.phase == PHASE_STOP_CMD || s->sm.phase == PHASE_STOP_POST))
                r = add_stop_env(&env, &s->sm);
        if (r >= 0 && main && s->n_listen > 0 && !s->unit->accept) {
                r = add_env(&env, "LISTEN_FDS=%zu", s->n_listen);
                if (r >= 0)
                        r = add_env(&env, "LISTEN_PID=0000000000"); /* filled in by the process itself */
                _cleanup_strv_free_ char **names = NULL;
                for (size_t i = 0; r >= 0 && i < s->n_listen; i++)
                        r = strv_extend(&names, s->listen_names ? s->listen_names[i] : s->name);
                _cleanup_free_ char *joined = r >= 0 ? strv_join(names, ":") : NULL;
                if (r >= 0)
                        r = joined ? add_env(&env, "LISTEN_FDNAMES=%s", joined) : -ENOMEM;
        }
        STRV_FOREACH (e, s->monitor_env) /* OnFailure=/OnSuccess=: which unit, how it ended */
                if (r >= 0)
                        r = strv_extend(&env, *e);
        _cleanup_strv_free_ char **unit_env = NULL;
        struct unit_diag d = { 0 };
        if (r >= 0)
                r = unit_build_environment(s->unit, NULL, &unit_env, &d);
        for (size_t i = 0; i < d.n; i++)
                log_error("%s: %s", s->name, d.items[i].message);
        unit_diag_clear(&d);
        STRV_FOREACH (e, unit_env)
                if (r >= 0)
                        r = strv_extend(&env, *e);
        if (r < 0) {
                strv_free(env);
                return r;
        }
        *ret = env;
        return 0;
}

/* DEFAULT_CAPS: the '+' prefix, which ignores CapabilityBoundingSet= as systemd's does, and
 * gets what root of the sandbox gets without it. */
static uint64_t caps_for(const struct unit *u, const struct sandbox_creds *c, bool default_caps) {
        return svc_spec_caps(u, c->uid, default_caps);
}

static int build_command(struct service *s, const struct exec_command *ec, bool main,
                         const struct sandbox_creds *c, int stdin_fd, int stdout_fd, struct cmd_storage *cs) {
        const struct unit *u = s->unit;
        int r = build_env(s, c, main, &cs->env);
        if (r >= 0)
                r = unit_exec_expand(ec, cs->env, &cs->argv);
        if (r < 0)
                return r;
        clamp_limits(s, main, cs);
        unsigned n = 0;
        cs->fds[n++] = stdin_fd;
        cs->fds[n++] = stdout_fd;
        cs->fds[n++] = s->log_pipe[1];
        for (size_t i = 0; main && !u->accept && i < s->n_listen && n < PROTO_MAX_FDS; i++)
                cs->fds[n++] = s->listen_fds[i];
        cs->cmd = (struct sandbox_command){
                .path = ec->path,
                .cwd = u->working_directory,
                .argv = cs->argv,
                .env = cs->env,
                .fds = cs->fds,
                .n_fds = n,
                .main = main,
                .setsid = true,
                .no_new_privs = u->no_new_privileges,
                .seccomp = true,
                .listen_pid = main && s->n_listen > 0 && !u->accept,
                .cwd_optional = u->working_directory_optional,
                .set_creds = true,
                .uid = c->uid,
                .gid = c->gid,
                .groups = c->groups,
                .n_groups = c->n_groups,
                .cap_bounding = caps_for(u, c, false),
                .cap_ambient = u->ambient_capabilities,
                .rlimits = cs->limit_ptrs,
                .nice_set = u->nice_set,
                .nice = u->nice,
                .oom_score_adj = u->oom_score_adjust_set ? u->oom_score_adjust : 0,
                .umask = u->umask,
                .seccomp_blob = s->seccomp_blob,
                .seccomp_blob_len = s->seccomp_blob_len,
        };
        if (ec->privileged) { /* '!' and '+': root of the sandbox, as without User=; never more */
                const struct sandbox_creds root = { .uid = 0, .gid = 0 };
                cs->cmd.uid = 0;
                cs->cmd.gid = 0;
                cs->cmd.groups = NULL;
                cs->cmd.n_groups = 0;
                cs->cmd.cap_bounding = caps_for(u, &root, ec->default_caps);
        }
        return 0;
}

static const struct exec_command *command_for(struct service *s, bool main, unsigned idx) {
        const struct exec_list *l = service_exec_list(s->unit, main ? PHASE_START : s->sm.phase);
        return idx < l->n ? &l->items[idx] : NULL;
}

/* DynamicUser= whose User= the tree does not have (or no User=): svc's uid for the service, its
 * group the same number, named after User= or the unit, as systemd does. */
static int dynamic_creds(struct service *s, int rootfd, const char *label, struct sandbox_creds *c,
                         char **ret_why) {
        uid_t uid;
        int r = users_dynamic_uid(s, &uid);
        if (r < 0)
                return asprintf(ret_why, "DynamicUser=yes: cannot allocate a uid: %s", strerror(-r)) < 0
                               ? -ENOMEM
                               : r;
        r = sandbox_resolve_creds(rootfd, label, NULL, NULL, s->unit->supplementary_groups, c, ret_why);
        if (r < 0)
                return r;
        free(c->user_name);
        free(c->home);
        free(c->shell);
        c->user_name = strdup(s->unit->user ? s->unit->user : s->name);
        c->home = strdup("/");
        c->shell = strdup("/usr/sbin/nologin");
        if (!c->user_name || !c->home || !c->shell)
                return -ENOMEM;
        c->uid = uid;
        c->gid = (gid_t) uid;
        return 0;
}

/* Resolves the credentials in the tree: 0, or the failure already reported. */
static int resolve_creds(struct service *s, struct sandbox_creds *c, int *ret_rootfd, char **ret_label) {
        _cleanup_free_ char *tree = NULL;
        int r = resolve_tree(s, &tree, ret_label);
        if (r < 0)
                return fail_spawn(s, r, "out of memory");
        *ret_rootfd = open_tree_root(tree);
        if (*ret_rootfd < 0)
                return fail_spawn(s, *ret_rootfd, "%s does not exist (%s)", *ret_label, tree);
        _cleanup_free_ char *why = NULL;
        /* DynamicUser=: a user of the tree's named by User= is used as it is, as in systemd. */
        r = s->unit->dynamic_user && !s->unit->user
                    ? -ESRCH
                    : sandbox_resolve_creds(*ret_rootfd, *ret_label, s->unit->user, s->unit->group,
                                            s->unit->supplementary_groups, c, &why);
        if (r == -ESRCH && s->unit->dynamic_user) {
                free(why);
                why = NULL;
                r = dynamic_creds(s, *ret_rootfd, *ret_label, c, &why);
        }
        if (r < 0)
                return fail_spawn(s, r, "%s", why ? why : "cannot resolve the user");
        return 0;
}

/* Accept=yes starts a sandbox per connection: check at the start what each of them will need, so
 * that a unit that cannot work fails now, not at its first connection. */
static int accept_checks(struct service *s) {
        struct sandbox_creds creds = { 0 };
        _cleanup_free_ char *label = NULL, *why = NULL;
        _cleanup_close_ int rootfd = -EBADF;
        int r = resolve_creds(s, &creds, &rootfd, &label);
        if (r >= 0)
                r = check_programs(s, rootfd, label);
        struct spec_storage st = { 0 };
        if (r >= 0 && (r = build_spec(s, &creds, &st)) < 0)
                fail_spawn(s, r, "%s", st.error ? st.error : "the sandbox cannot be prepared");
        else if (r >= 0 && (r = sandbox_check_spec(&st.spec, &why)) < 0)
                fail_spawn(s, r, "%s", why ? why : "the sandbox cannot be set up");
        spec_storage_done(&st);
        sandbox_creds_done(&creds);
        return r;
}

/* The unit's own seccomp filter, before the first command needs it: 0, or the failure reported. */
static int prepare_filter(struct service *s) {
        _cleanup_free_ char *why = NULL;
        int r = hardening_prepare(s, &why);
        if (r < 0)
                return why ? fail_spawn(s, r, "%s", why)
                           : fail_spawn(s, r, "cannot compile the unit's seccomp filter: %s", strerror(-r));
        return 0;
}

int exec_spawn(struct service *s, bool main, unsigned idx) {
        const struct exec_command *ec = command_for(s, main, idx);
        if (!ec)
                return -EINVAL;
        if (main && s->unit->accept)
                return accept_checks(s) < 0 ? -EINVAL : sockets_start_accepting(s);
        if (main && s->unit->std_input == STD_INPUT_SOCKET && s->conn_fd < 0) /* systemd: "Got no socket" */
                return fail_spawn(
                        s, -ENOTCONN,
                        "StandardInput=socket, but the unit has no ListenStream= and Accept=yes to give "
                        "a connection as stdin");
        struct sandbox_creds creds = { 0 };
        _cleanup_free_ char *label = NULL;
        _cleanup_close_ int rootfd = -EBADF;
        int r = resolve_creds(s, &creds, &rootfd, &label);
        if (r >= 0)
                r = prepare_filter(s);
        if (r >= 0)
                r = ensure_sandbox(s, &creds, rootfd, label);
        struct cmd_storage cs = { 0 };
        /* An Accept=yes instance of a socket unit: the connection as stdin and stdout too. */
        bool conn_io = main && s->conn_fd >= 0 && s->unit->std_input == STD_INPUT_SOCKET;
        int in = conn_io ? s->conn_fd : s->m->devnull_fd, out = conn_io ? s->conn_fd : s->log_pipe[1];
        if (r >= 0 && (r = build_command(s, ec, main, &creds, in, out, &cs)) < 0)
                fail_spawn(s, r, "cannot prepare %s: %s", ec->path, strerror(-r));
        uint32_t id = ++s->next_id;
        if (r >= 0 && (r = sandbox_send_spawn(&s->sb, id, &cs.cmd)) < 0)
                fail_spawn(s, r, "cannot hand %s to the sandbox: %s", ec->path, strerror(-r));
        if (r >= 0) {
                if (main)
                        s->main_id = id;
                else
                        s->control_id = id;
        }
        strv_free(cs.env);
        strv_free(cs.argv);
        sandbox_creds_done(&creds);
        return r;
}

/* Accept=yes: a sandbox of its own for one connection, the connection as stdin and stdout. */
int exec_start_connection(struct service *s, int conn_fd, struct sandbox *ret, uint32_t *ret_id) {
        const struct exec_command *ec = command_for(s, true, 0);
        struct sandbox_creds creds = { 0 };
        _cleanup_free_ char *label = NULL;
        _cleanup_close_ int rootfd = -EBADF;
        int r = resolve_creds(s, &creds, &rootfd, &label);
        if (r >= 0)
                r = check_programs(s, rootfd, label);
        if (r >= 0)
                r = prepare_filter(s);
        struct spec_storage st = { 0 };
        if (r >= 0 && (r = build_spec(s, &creds, &st)) >= 0)
                r = sandbox_start(&st.spec, ret);
        else if (st.error)
                log_error("%s: cannot start a sandbox for a connection: %s", s->name, st.error);
        spec_storage_done(&st);
        struct cmd_storage cs = { 0 };
        if (r >= 0) {
                r = build_command(s, ec, true, &creds, conn_fd, conn_fd, &cs);
                *ret_id = ++s->next_id;
                if (r >= 0)
                        r = sandbox_send_spawn(ret, *ret_id, &cs.cmd);
                if (r < 0) {
                        sandbox_kill(ret);
                        reaper_add(&s->m->reaper, ret);
                }
        }
        if (r < 0)
                log_error_errno(r, "%s: cannot start a sandbox for a connection: %m", s->name);
        strv_free(cs.env);
        strv_free(cs.argv);
        sandbox_creds_done(&creds);
        return r;
}

void exec_signal(struct service *s, bool main, int sig) {
        if (main && s->unit->accept) {
                sockets_stop_accepting(s, sig);
                return;
        }
        if (!s->has_sb)
                return;
        /* A forking daemon without a PIDFile has no known pid: everything gets the signal. */
        uint32_t id = !main ? s->control_id : s->main_adopted && s->main_pid == 0 ? 0 : s->main_id;
        (void) sandbox_send_signal(&s->sb, id, sig);
}

void exec_signal_all(struct service *s, int sig) {
        if (s->unit->accept) {
                sockets_stop_accepting(s, sig);
                return;
        }
        if (s->has_sb)
                (void) sandbox_send_signal(&s->sb, 0, sig);
}

/* FINAL: the run is over and nothing waits for the exits: the sandbox is handed to the manager
 * to reap, and a new start gets a new one. Otherwise the reaping reports the exits. */
void exec_kill_all(struct service *s, bool final) {
        sockets_kill_all(s);
        /* SIGKILL to ns-init takes the whole PID namespace, and nothing leaves it; cgroup.kill
         * also for a stop that timed out. Not for a run that is over: a restart clones into the
         * same cgroup right away, and a child cloned just after cgroup.kill can be killed too. */
        if (!final)
                cgroup_service_kill(s);
        if (!s->has_sb)
                return;
        sandbox_kill(&s->sb);
        s->sb_channel_source = sd_event_source_disable_unref(s->sb_channel_source);
        s->sb_setup_source = sd_event_source_disable_unref(s->sb_setup_source);
        if (final) {
                reaper_add(&s->m->reaper, &s->sb);
                s->has_sb = false;
                s->main_pid = s->control_pid = s->main_host_pid = 0;
                net_service_release(s);
        }
}

/* ns-init (host pid PID) was reaped: whatever the machine still waits for was killed with it. */
bool exec_child_exited(struct service *s, pid_t pid) {
        if (!s->has_sb || s->sb.pid != pid)
                return false;
        if (s->sb_channel_source)
                on_channel(NULL, -1, 0, s);
        /* Sources first, then the fds (see on_setup). */
        s->sb_channel_source = sd_event_source_disable_unref(s->sb_channel_source);
        s->sb_setup_source = sd_event_source_disable_unref(s->sb_setup_source);
        sandbox_close(&s->sb);
        s->has_sb = false;
        s->main_pid = s->control_pid = s->main_host_pid = 0;
        net_service_release(s);
        for (struct exec_session *e = s->execs, *next; e; e = next) {
                next = e->next;
                if (!e->done)
                        session_done(s, e, 128 + SIGKILL, NULL);
        }
        if (s->sm.control_alive)
                service_post(s, EV_CONTROL_EXIT, CLD_KILLED, SIGKILL, 0);
        if (s->sm.main_alive && !s->unit->accept)
                service_post(s, EV_MAIN_EXIT, CLD_KILLED, SIGKILL, 0);
        service_post(s, EV_EMPTY, 0, 0, 0); /* nothing is left of that sandbox */
        service_deliver(s);
        return true;
}

/* Type=forking: the parent exited 0. The daemon is the PIDFile's pid or the one process left. */
void exec_adopt_forked_main(struct service *s) {
        pid_t nspid = 0;
        if (s->unit->pid_file && s->has_sb) {
                char root[64];
                snprintf(root, sizeof(root), "/proc/%d/root", (int) s->sb.pid);
                _cleanup_close_ int rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
                int fd = rfd >= 0 ? sandbox_open_in_tree(rfd, s->unit->pid_file, O_RDONLY | O_NONBLOCK)
                                  : -EBADF;
                char buf[32] = "";
                ssize_t k = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
                safe_close(fd);
                if (k > 0)
                        nspid = (pid_t) atoi(buf);
                if (nspid <= 1)
                        log_warning("%s: PIDFile %s does not name a process", s->name, s->unit->pid_file);
        }
        if (nspid <= 1 && s->has_sb) {
                /* The one child of ns-init that is not a control command. */
                nspid = 0;
                char path[64];
                snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int) s->sb.pid, (int) s->sb.pid);
                _cleanup_free_ char *children = NULL;
                if (read_full_file(path, &children, NULL) >= 0 && atoi(children) > 0)
                        nspid = -1; /* something is left; ns-init's EMPTY says when it is gone */
        }
        s->main_adopted = true;
        s->adopted_code = CLD_EXITED;
        s->adopted_status = 0;
        if (nspid > 1) {
                s->main_id = ++s->next_id;
                s->main_pid = nspid;
                s->main_host_pid = host_pid_of(s, nspid);
                (void) sandbox_send_watch(&s->sb, s->main_id, nspid);
        } else if (nspid == 0) {
                s->main_adopted = false;
                service_post(s, EV_MAIN_EXIT, CLD_EXITED, 0, 0);
        }
}

int exec_session_start(struct service *s, char **argv, const int fds[3], bool tty, uint32_t *ret_id,
                       char **ret_error) {
        if (!s->has_sb || !s->sb_ready || !service_is_active(s))
                return asprintf(ret_error, "%s is not running", s->name) < 0 ? -ENOMEM : -ESRCH;
        struct sandbox_creds creds = { 0 };
        _cleanup_free_ char *label = NULL, *prog = NULL;
        _cleanup_close_ int treefd = -EBADF, rootfd = -EBADF;
        int r = resolve_creds(s, &creds, &treefd, &label);
        if (r < 0)
                return asprintf(ret_error, "%s",
                                s->spawn_error ? s->spawn_error : "cannot resolve the user") < 0
                               ? -ENOMEM
                               : r;
        /* The program as the service sees it: its root, with its binds. */
        char root[64];
        snprintf(root, sizeof(root), "/proc/%d/root", (int) s->sb.pid);
        rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0 || sandbox_find_program(rootfd, argv[0], &prog) < 0) {
                sandbox_creds_done(&creds);
                return asprintf(ret_error, "%s: not found in %s's sandbox", argv[0], s->name) < 0 ? -ENOMEM
                                                                                                  : -ENOENT;
        }
        struct cmd_storage cs = { 0 };
        struct exec_command ec = { .path = prog, .argv = argv };
        r = build_command(s, &ec, false, &creds, fds[0], fds[1], &cs);
        struct exec_session *e = r >= 0 ? calloc(1, sizeof(*e)) : NULL;
        if (r >= 0 && !e)
                r = -ENOMEM;
        if (r >= 0) {
                /* Its own stdio, not the service's log; argv exactly as given. */
                cs.fds[2] = fds[2];
                strv_free(cs.argv);
                cs.argv = strv_copy(argv);
                cs.cmd.argv = cs.argv;
                cs.cmd.ctty = tty;
                e->id = ++s->next_id;
                r = cs.argv ? sandbox_send_spawn(&s->sb, e->id, &cs.cmd) : -ENOMEM;
        }
        strv_free(cs.env);
        strv_free(cs.argv);
        sandbox_creds_done(&creds);
        if (r < 0) {
                free(e);
                return asprintf(ret_error, "cannot start %s in %s: %s", argv[0], s->name, strerror(-r)) < 0
                               ? -ENOMEM
                               : r;
        }
        e->next = s->execs;
        s->execs = e;
        *ret_id = e->id;
        return 0;
}

struct exec_session *exec_session_find(struct service *s, uint32_t id) {
        for (struct exec_session *e = s->execs; e; e = e->next)
                if (e->id == id)
                        return e;
        return NULL;
}

void exec_session_signal(struct service *s, uint32_t id, int sig) {
        if (s->has_sb && exec_session_find(s, id))
                (void) sandbox_send_signal(&s->sb, id, sig);
}

static void session_free(struct exec_session *e) {
        if (e->waiter_free)
                e->waiter_free(e->waiter);
        free(e->message);
        free(e);
}

void exec_session_flush(struct service *s, struct exec_session *e) {
        if (!e->done || !e->on_done)
                return;
        e->on_done(s, e);
        for (struct exec_session **p = &s->execs; *p; p = &(*p)->next)
                if (*p == e) {
                        *p = e->next;
                        break;
                }
        session_free(e);
}

void exec_free(struct service *s) {
        while (s->execs) {
                struct exec_session *e = s->execs;
                s->execs = e->next;
                session_free(e);
        }
        s->sb_channel_source = sd_event_source_disable_unref(s->sb_channel_source);
        s->sb_setup_source = sd_event_source_disable_unref(s->sb_setup_source);
        if (s->has_sb) {
                sandbox_kill(&s->sb);
                reaper_add(&s->m->reaper, &s->sb);
                s->has_sb = false;
        }
        net_service_release(s);
        hardening_free(s);
        free(s->spawn_error);
        s->spawn_error = NULL;
        free(s->tree_path);
        s->tree_path = NULL;
        users_free(s);
        spare_drop(s);
}
