/* SPDX-License-Identifier: MIT */
/* Debian trees: create (debootstrap, or mmdebstrap where present), upgrade (apt in a copy of the
 * current generation, then the switch) and rollback (the switch back).
 *
 * upgrade runs the tree's own apt-get and maintainer scripts as root on the host, in a private
 * mount namespace chrooted into the new generation: that is only as safe as the tree's programs,
 * so it is offered for trees svc made from Debian's archive, not for imported images (upgrade
 * those where they are built and import them again) nor slim trees (they are copies of the
 * host's files). Services are told not to start during it (policy-rc.d). */
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/cli/client.h"
#include "supervisor/tree/tree.h"

#define DEFAULT_MIRROR "http://deb.debian.org/debian"
#define POLICY_RC_D "usr/sbin/policy-rc.d"

static void json_putp(struct json_object **o) {
        json_object_put(*o);
}

struct create {
        const char *name, *suite, *variant, *mirror;
        char **includes;
};

static bool word_ok(const char *s, const char *chars) {
        return !isempty(s) && strspn(s, chars) == strlen(s) && s[0] != '-';
}

static int parse_create(struct create *c, int argc, char **argv) {
        static const struct option options[] = {
                { "debian", required_argument, NULL, 'd' },
                { "include", required_argument, NULL, 'i' },
                { "variant", required_argument, NULL, 'v' },
                { "mirror", required_argument, NULL, 'm' },
                {},
        };
        int o;
        optind = 1;
        while ((o = getopt_long(argc, argv, "", options, NULL)) >= 0) {
                char *save = NULL, *copy = o == 'i' ? strdupa(optarg) : NULL;
                if (o == 'd')
                        c->suite = optarg;
                else if (o == 'v')
                        c->variant = optarg;
                else if (o == 'm')
                        c->mirror = optarg;
                else if (o != 'i')
                        return -EINVAL;
                for (char *p = copy ? strtok_r(copy, ", ", &save) : NULL; p; p = strtok_r(NULL, ", ", &save))
                        if (!word_ok(p, "abcdefghijklmnopqrstuvwxyz0123456789+.-:") ||
                            strv_extend(&c->includes, p) < 0) {
                                tree_error("%s is not a Debian package name", p);
                                return -EINVAL;
                        }
        }
        if (optind + 1 != argc || !c->suite) {
                tree_error("create needs a name and a suite: svc tree create NAME --debian SUITE [--include "
                           "PKG,...]");
                return -EINVAL;
        }
        c->name = argv[optind];
        if (!tree_name_check(c->name))
                return -EINVAL;
        if (!word_ok(c->suite, "abcdefghijklmnopqrstuvwxyz0123456789-") ||
            (c->variant && !word_ok(c->variant, "abcdefghijklmnopqrstuvwxyz-")) ||
            (c->mirror && (strpbrk(c->mirror, " \t\n'\"") || !strchr(c->mirror, ':')))) {
                tree_error("bad --debian, --variant or --mirror: a suite is a word such as bookworm, a "
                           "mirror a URL");
                return -EINVAL;
        }
        if (!c->mirror)
                c->mirror = DEFAULT_MIRROR;
        return 0;
}

/* mmdebstrap where present, else debootstrap: both take SUITE TARGET MIRROR. */
static char *find_tool(void) {
        static const char *const tools[] = { "mmdebstrap", "debootstrap" };
        const char *path = getenv("PATH");
        for (size_t t = 0; t < ELEMENTSOF(tools); t++) {
                _cleanup_free_ char *copy = strdup(path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
                char *save = NULL, *p = NULL;
                for (char *d = copy ? strtok_r(copy, ":", &save) : NULL; d; d = strtok_r(NULL, ":", &save))
                        if (asprintf(&p, "%s/%s", d, tools[t]) >= 0 && access(p, X_OK) == 0)
                                return p;
                        else
                                p = mfree(p);
        }
        return NULL;
}

static int write_at(int dir_fd, const char *path, const char *text, mode_t mode) {
        _cleanup_close_ int fd =
                openat(dir_fd, path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
        size_t n = strlen(text);
        if (fd < 0 || write(fd, text, n) != (ssize_t) n || fchmod(fd, mode) < 0)
                return negative_errno();
        return 0;
}

/* The suite, and its security updates where Debian has them. */
static int write_sources(int fd, const struct create *c) {
        _cleanup_free_ char *text = NULL;
        const char *s = c->suite;
        bool none = streq(s, "sid") || streq(s, "unstable") || streq(s, "experimental");
        bool old = streq(s, "jessie") || streq(s, "stretch") || streq(s, "buster");
        size_t n = strlen(c->mirror);
        bool official = n > 7 && streq(c->mirror + n - 7, "/debian");
        if (none || !official)
                return asprintf(&text, "deb %s %s main\n", c->mirror, s) < 0
                               ? -ENOMEM
                               : write_at(fd, "etc/apt/sources.list", text, 0644);
        if (asprintf(&text, "deb %s %s main\ndeb %s-security %s%s main\n", c->mirror, s, c->mirror, s,
                     old ? "/updates" : "-security") < 0)
                return -ENOMEM;
        return write_at(fd, "etc/apt/sources.list", text, 0644);
}

/* The .debs debootstrap leaves behind are no part of the tree. */
static void clean_debs(int fd) {
        int dir = openat(fd, "var/cache/apt/archives", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        DIR *d = dir >= 0 ? fdopendir(dir) : NULL;
        if (!d) {
                safe_close(dir);
                return;
        }
        for (struct dirent *de; (de = readdir(d));) {
                size_t n = strlen(de->d_name);
                struct stat st;
                if (n > 4 && streq(de->d_name + n - 4, ".deb") &&
                    fstatat(dir, de->d_name, &st, AT_SYMLINK_NOFOLLOW) >= 0 && S_ISREG(st.st_mode))
                        (void) unlinkat(dir, de->d_name, 0);
        }
        closedir(d);
}

static int bootstrap(struct tree_ctx *ctx, const struct create *c, struct tree_new *t, char **ret_tool) {
        _cleanup_free_ char *tool = find_tool(), *variant = NULL, *include = NULL, *joined = NULL;
        if (!tool) {
                tree_error(
                        "neither mmdebstrap nor debootstrap is installed (make deps installs debootstrap)");
                return -ENOENT;
        }
        _cleanup_strv_free_ char **argv = NULL;
        joined = c->includes ? strv_join(c->includes, ",") : NULL;
        if ((c->variant && asprintf(&variant, "--variant=%s", c->variant) < 0) ||
            (joined && asprintf(&include, "--include=%s", joined) < 0) || strv_extend(&argv, tool) < 0 ||
            (variant && strv_extend(&argv, variant) < 0) || (include && strv_extend(&argv, include) < 0) ||
            strv_extend(&argv, c->suite) < 0 || strv_extend(&argv, t->path) < 0 ||
            strv_extend(&argv, c->mirror) < 0)
                return -ENOMEM;
        if (!ctx->tty)
                printf("Making tree %s: %s %s from %s; its output is shown if it fails.\n", c->name,
                       strrchr(tool, '/') + 1, c->suite, c->mirror);
        fflush(stdout);
        struct tree_run_opts o = { .argv = argv, .show = true };
        int r = tree_run_checked(ctx, &o, strrchr(tool, '/') + 1);
        if (r < 0)
                return r;
        if (faccessat(t->fd, "etc/debian_version", F_OK, AT_SYMLINK_NOFOLLOW) < 0) {
                tree_error("%s finished, but %s holds no Debian tree", tool, t->path);
                return -ENOENT;
        }
        *ret_tool = strdup(strrchr(tool, '/') + 1);
        return *ret_tool ? 0 : -ENOMEM;
}

static int create_manifest(const struct create *c, const char *tool, struct json_object **ret) {
        _cleanup_(json_putp) struct json_object *m = json_object_new_object();
        struct json_object *inc = json_object_new_array();
        if (!m || !inc || json_object_object_add(m, "includes", inc) < 0) {
                json_object_put(inc);
                return -ENOMEM;
        }
        STRV_FOREACH (p, c->includes)
                if (json_object_array_add(inc, json_object_new_string(*p)) < 0)
                        return -ENOMEM;
        if (json_object_object_add(m, "origin", json_object_new_string("debian")) < 0 ||
            json_object_object_add(m, "suite", json_object_new_string(c->suite)) < 0 ||
            json_object_object_add(m, "variant", c->variant ? json_object_new_string(c->variant) : NULL) <
                    0 ||
            json_object_object_add(m, "mirror", json_object_new_string(c->mirror)) < 0 ||
            json_object_object_add(m, "tool", json_object_new_string(tool)) < 0 ||
            json_object_object_add(m, "last_upgrade", NULL) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(m);
        return 0;
}

int tree_cmd_create(struct tree_ctx *ctx, int argc, char **argv) {
        struct create c = { 0 };
        if (parse_create(&c, argc, argv) < 0) {
                strv_free(c.includes);
                return EXIT_USAGE;
        }
        struct tree_new t;
        _cleanup_(json_putp) struct json_object *m = NULL;
        _cleanup_free_ char *tool = NULL, *how = NULL;
        int r = tree_new_begin(ctx, c.name, &t);
        if (r >= 0)
                r = bootstrap(ctx, &c, &t, &tool);
        if (r >= 0 && (r = write_sources(t.fd, &c)) < 0)
                tree_error("cannot write the tree's sources.list: %s", strerror(-r));
        if (r >= 0) {
                clean_debs(t.fd);
                r = create_manifest(&c, tool, &m);
        }
        if (r >= 0)
                r = asprintf(&how, "%s %s", tool, c.suite) < 0 ? -ENOMEM : tree_new_commit(&t, m, how);
        if (r >= 0)
                printf("Made tree %s: Debian %s. Units use it with RootDirectory=%s.\n", c.name, c.suite,
                       c.name);
        tree_new_done(&t);
        strv_free(c.includes);
        return r < 0 ? EXIT_FAILED : EXIT_OK;
}

/* ---- upgrade ------------------------------------------------------------------------------------ */

/* "package version" of every installed package in dpkg's status file of the tree at PATH. */
static char **installed(const char *path) {
        _cleanup_free_ char *file = path_join(path, "var/lib/dpkg/status"), *text = NULL;
        char **l = NULL, *pkg = NULL, *ver = NULL, *save = NULL;
        bool ok = false;
        if (!file || read_full_file(file, &text, NULL) < 0)
                return NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                if (strneq(line, "Package: ", 9))
                        pkg = line + 9, ver = NULL, ok = false;
                else if (strneq(line, "Version: ", 9))
                        ver = line + 9;
                else if (strneq(line, "Status: ", 8))
                        ok = strstr(line, " installed") != NULL;
                if (pkg && ver && ok) {
                        char *s = NULL;
                        if (asprintf(&s, "%s %s", pkg, ver) < 0 || strv_push(&l, s) < 0)
                                return strv_free(l);
                        pkg = NULL;
                }
        }
        return l;
}

/* "pkg 1.0 -> 1.1, new 2.0" for what changed from BEFORE to AFTER; NULL when nothing did. */
static char *changes(char **before, char **after) {
        _cleanup_strv_free_ char **l = NULL;
        STRV_FOREACH (a, after) {
                if (strv_contains(before, *a))
                        continue;
                size_t k = strcspn(*a, " ");
                const char *old = NULL;
                STRV_FOREACH (b, before)
                        if (strneq(*b, *a, k + 1))
                                old = *b + k + 1;
                char *s = NULL;
                if (asprintf(&s, "%.*s %s%s%s", (int) k, *a, old ? old : "", old ? " -> " : "(new) ",
                             *a + k + 1) < 0 ||
                    strv_push(&l, s) < 0)
                        return NULL;
        }
        return l ? strv_join(l, ", ") : NULL;
}

static int apt(struct tree_ctx *ctx, const char *tree, const char *what, char **args) {
        _cleanup_strv_free_ char **argv = NULL;
        char *env[] = { (char *) "DEBIAN_FRONTEND=noninteractive", (char *) "APT_LISTCHANGES_FRONTEND=none",
                        (char *) "LC_ALL=C", NULL };
        if (strv_extend(&argv, "apt-get") < 0 || strv_extend(&argv, "-q") < 0)
                return -ENOMEM;
        STRV_FOREACH (a, args)
                if (strv_extend(&argv, *a) < 0)
                        return -ENOMEM;
        struct tree_run_opts o = { .argv = argv, .env = env, .chroot = tree, .show = true };
        return tree_run_checked(ctx, &o, what);
}

/* apt-get update, upgrade and clean in the tree at PATH, services kept from starting. */
static int run_apt(struct tree_ctx *ctx, const char *path, int fd) {
        char *update[] = { (char *) "update", NULL };
        char *upgrade[] = { (char *) "-y",
                            (char *) "-o",
                            (char *) "Dpkg::Options::=--force-confdef",
                            (char *) "-o",
                            (char *) "Dpkg::Options::=--force-confold",
                            (char *) "upgrade",
                            NULL };
        char *clean[] = { (char *) "clean", NULL };
        bool policy = faccessat(fd, POLICY_RC_D, F_OK, AT_SYMLINK_NOFOLLOW) < 0;
        if (policy &&
            write_at(fd, POLICY_RC_D, "#!/bin/sh\n# svc tree upgrade: no service starts here.\nexit 101\n",
                     0755) < 0)
                policy = false;
        int r = apt(ctx, path, "apt-get update in the new generation", update);
        if (r >= 0)
                r = apt(ctx, path, "apt-get upgrade in the new generation", upgrade);
        if (r >= 0)
                r = apt(ctx, path, "apt-get clean in the new generation", clean);
        if (policy)
                (void) unlinkat(fd, POLICY_RC_D, 0);
        return r;
}

static int origin_check(int dir_fd, const char *name, struct json_object **ret) {
        struct json_object *m = NULL, *o = NULL;
        int r = tree_manifest_read(dir_fd, &m);
        const char *origin =
                r >= 0 && json_object_object_get_ex(m, "origin", &o) ? json_object_get_string(o) : "";
        if (r >= 0 && streq(origin, "debian")) {
                *ret = m;
                return 0;
        }
        if (streq(origin, "import"))
                tree_error(
                        "tree %s was imported from an image: svc upgrades only the Debian trees it made from "
                        "Debian's archive (their programs run as root during it); upgrade the image and "
                        "import "
                        "it again",
                        name);
        else if (streq(origin, "slim"))
                tree_error("tree %s is a slim tree of the host's files: upgrade the host, then svc tree slim "
                           "again",
                           name);
        else
                tree_error("tree %s has no readable manifest saying it is a Debian tree", name);
        json_object_put(m);
        return -EMEDIUMTYPE;
}

struct upgrade {
        struct tree_ctx *ctx;
        const char *name;
        int dir_fd;
        unsigned cur, next;
        struct json_object *m;
        char *path; /* of next.new */
};

/* Copy, apt, and what changed: 1 when something did, 0 when the tree was up to date. */
static int upgrade_copy(struct upgrade *u, char **ret_changes) {
        char next_new[32];
        snprintf(next_new, sizeof(next_new), "%u.new", u->next);
        int r = tree_copy_generation(u->ctx, u->dir_fd, u->name, u->cur, u->next);
        _cleanup_close_ int fd =
                r < 0 ? -EBADF : openat(u->dir_fd, next_new, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (r >= 0 && fd < 0)
                r = -errno;
        if (r >= 0 && asprintf(&u->path, "%s/.%s/%s", u->ctx->trees_dir, u->name, next_new) < 0)
                r = -ENOMEM;
        if (r < 0)
                return r;
        _cleanup_strv_free_ char **before = installed(u->path), **after = NULL;
        tree_test_crash_point("copied");
        r = run_apt(u->ctx, u->path, fd);
        if (r < 0)
                return r;
        after = installed(u->path);
        *ret_changes = changes(before, after);
        return *ret_changes ? 1 : 0;
}

static int upgrade_finish(struct upgrade *u, const char *what) {
        char next_new[32], next[16];
        _cleanup_free_ char *now = tree_now();
        snprintf(next_new, sizeof(next_new), "%u.new", u->next);
        snprintf(next, sizeof(next), "%u", u->next);
        if (!now || json_object_object_add(u->m, "last_upgrade", json_object_new_string(now)) < 0)
                return -ENOMEM;
        if (!what)
                return tree_manifest_write(u->dir_fd, u->m);
        int r = tree_sync(u->dir_fd);
        if (r >= 0)
                r = renameat(u->dir_fd, next_new, u->dir_fd, next) < 0 ? -errno : 0;
        if (r >= 0)
                r = tree_manifest_add_generation(u->m, u->next, "upgrade", u->cur);
        if (r >= 0)
                r = tree_manifest_write(u->dir_fd, u->m);
        if (r >= 0)
                r = tree_switch(u->ctx, u->name, u->next);
        return r;
}

static int parse_switch(int argc, char **argv, const char *cmd, const char **ret_name, bool *ret_no_restart) {
        static const struct option options[] = { { "no-restart", no_argument, NULL, 'n' }, {} };
        int o;
        optind = 1;
        while ((o = getopt_long(argc, argv, "", options, NULL)) >= 0)
                if (o == 'n')
                        *ret_no_restart = true;
                else
                        return -EINVAL;
        if (optind + 1 != argc) {
                tree_error("%s needs one tree name: svc tree %s NAME [--no-restart]", cmd, cmd);
                return -EINVAL;
        }
        *ret_name = argv[optind];
        return tree_name_check(*ret_name) ? 0 : -EINVAL;
}

/* The switch is done (or, up to date, an earlier upgrade may have been killed before its units
 * moved): move the units through svcd's gate, and keep what happened in the log. */
static int upgrade_move(struct upgrade *u, const char *what, bool no_restart, uint64_t min_healthy) {
        unsigned to = what ? u->next : u->cur,
                 from = what ? u->cur : tree_previous_generation(u->dir_fd, u->cur);
        _cleanup_(json_putp) struct json_object *entry =
                tree_log_entry(what ? "upgrade" : "finish", from, to);
        if (!entry || json_object_object_add(entry, "packages", json_object_new_string(what ? what : "")) < 0)
                return -ENOMEM;
        if (what)
                tree_test_crash_point("switched");
        struct tree_switched sw = { .name = u->name,
                                    .dir_fd = u->dir_fd,
                                    .gen = to,
                                    .keep = from,
                                    .no_restart = no_restart,
                                    .gated = true,
                                    .min_healthy_usec = min_healthy,
                                    .log = entry };
        int r = tree_after_switch(u->ctx, &sw);
        struct json_object *moved = NULL;
        bool any = json_object_object_get_ex(entry, "moved", &moved) ||
                   json_object_object_get_ex(entry, "pinned", &moved) ||
                   json_object_object_get_ex(entry, "failed", &moved);
        int k = what || any ? tree_log_append(u->dir_fd, entry) : 0;
        if (k < 0)
                tree_error("cannot record the upgrade in the history of tree %s: %s", u->name, strerror(-k));
        return r;
}

struct upgrade_opts {
        const char *name;
        bool no_restart, all, security_only;
        uint64_t min_healthy;
};

static int parse_upgrade(int argc, char **argv, struct upgrade_opts *o) {
        static const struct option options[] = { { "no-restart", no_argument, NULL, 'n' },
                                                 { "min-healthy", required_argument, NULL, 'm' },
                                                 { "all", no_argument, NULL, 'a' },
                                                 { "security-only", no_argument, NULL, 's' },
                                                 {} };
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                if (c == 'n' || c == 'a' || c == 's')
                        *(c == 'n' ? &o->no_restart : c == 'a' ? &o->all : &o->security_only) = true;
                else if (c != 'm' || tree_parse_duration(optarg, &o->min_healthy) < 0) {
                        if (c == 'm')
                                tree_error("--min-healthy=%s: give a duration such as 30s, 500ms or 2min",
                                           optarg);
                        return -EINVAL;
                }
        if (optind + (o->all ? 0 : 1) != argc || (o->security_only && !o->all)) {
                tree_error("upgrade needs one tree name, or --all: svc tree upgrade NAME|--all "
                           "[--security-only] "
                           "[--no-restart] [--min-healthy=DURATION]");
                return -EINVAL;
        }
        o->name = o->all ? NULL : argv[optind];
        return o->all || tree_name_check(o->name) ? 0 : -EINVAL;
}

/* The copy of the current generation ran out of space (or quota); its partial copy is gone. */
static void no_space(const struct upgrade *u) {
        char cur[16], size[32] = "?", avail[32] = "?";
        uint64_t used = 0;
        struct statvfs sv;
        snprintf(cur, sizeof(cur), "%u", u->cur);
        if (tree_disk_usage(u->dir_fd, cur, &used) >= 0)
                (void) format_bytes(size, sizeof(size), used);
        if (fstatvfs(u->dir_fd, &sv) >= 0)
                (void) format_bytes(avail, sizeof(avail), (uint64_t) sv.f_bavail * sv.f_frsize);
        tree_error(
                "no space left on the file system of %s for the next generation of tree %s: generation %u "
                "takes %s and %s are free; the partial copy is removed and tree %s stays on generation %u, "
                "its units untouched",
                u->ctx->trees_dir, u->name, u->cur, size, avail, u->name, u->cur);
}

static int upgrade_one(struct tree_ctx *ctx, const char *name, const struct upgrade_opts *o) {
        struct upgrade u = { .ctx = ctx, .name = name, .dir_fd = -EBADF };
        _cleanup_free_ unsigned *gens = NULL;
        _cleanup_free_ char *what = NULL;
        size_t n = 0;
        int r = tree_open_locked(ctx, u.name, &u.dir_fd, &u.cur);
        if (r >= 0)
                r = origin_check(u.dir_fd, u.name, &u.m);
        if (r >= 0 && (r = tree_generations(u.dir_fd, &gens, &n)) >= 0) {
                u.next = n > 0 ? MAX(gens[n - 1], u.cur) + 1 : u.cur + 1;
                r = upgrade_copy(&u, &what);
        }
        if (r >= 0)
                r = upgrade_finish(&u, what);
        if (r >= 0 && !what)
                printf("Tree %s is up to date: generation %u stays.\n", u.name, u.cur);
        else if (r >= 0 && what)
                printf("Tree %s: generation %u is current, upgraded from %u: %s.\n", u.name, u.next, u.cur,
                       what);
        bool move_failed = r >= 0 && upgrade_move(&u, what, o->no_restart, o->min_healthy) != 0;
        if ((r < 0 || !what) && u.dir_fd >= 0 && u.next > 0) {
                char next_new[32];
                snprintf(next_new, sizeof(next_new), "%u.new", u.next);
                (void) tree_rm_rf_at(u.dir_fd, next_new);
        }
        if (r == -ENOSPC)
                no_space(&u);
        else if (r < 0 && r != -EMEDIUMTYPE && r != -ENOENT && r != -EBUSY && r != -EIO)
                tree_error("upgrading tree %s failed: %s", u.name, strerror(-r));
        json_object_put(u.m);
        free(u.path);
        safe_close(u.dir_fd);
        return r < 0 || move_failed ? EXIT_FAILED : EXIT_OK;
}

/* --all: every Debian tree svc made; with --security-only, those with a security update pending
 * (what the unattended timer of units/examples/ runs at night). */
static int upgrade_all(struct tree_ctx *ctx, const struct upgrade_opts *o) {
        _cleanup_strv_free_ char **names = NULL;
        int code = EXIT_OK, r = tree_names(ctx, &names);
        if (r < 0) {
                tree_error("cannot list the trees in %s: %s", ctx->trees_dir, strerror(-r));
                return EXIT_FAILED;
        }
        STRV_FOREACH (n, names) {
                unsigned gen = 0, security = 0;
                if (!tree_is_debian(ctx, *n, &gen))
                        continue;
                if (o->security_only && tree_security_pending(ctx, *n, gen, &security) < 0) {
                        code = EXIT_FAILED;
                        continue;
                }
                if (o->security_only && security == 0) {
                        printf("Tree %s: no security update pending, left as it is.\n", *n);
                        continue;
                }
                if (upgrade_one(ctx, *n, o) != EXIT_OK)
                        code = EXIT_FAILED;
        }
        return code;
}

int tree_cmd_upgrade(struct tree_ctx *ctx, int argc, char **argv) {
        struct upgrade_opts o = { 0 };
        if (parse_upgrade(argc, argv, &o) < 0)
                return EXIT_USAGE;
        return o.all ? upgrade_all(ctx, &o) : upgrade_one(ctx, o.name, &o);
}

/* ---- rollback --------------------------------------------------------------------------------- */

int tree_cmd_rollback(struct tree_ctx *ctx, int argc, char **argv) {
        const char *name = NULL;
        bool no_restart = false;
        if (parse_switch(argc, argv, "rollback", &name, &no_restart) < 0)
                return EXIT_USAGE;
        _cleanup_close_ int dir_fd = -EBADF;
        _cleanup_free_ unsigned *gens = NULL;
        _cleanup_(json_putp) struct json_object *m = NULL;
        unsigned cur = 0, prev = 0;
        size_t n = 0;
        if (tree_open_locked(ctx, name, &dir_fd, &cur) < 0 || tree_generations(dir_fd, &gens, &n) < 0)
                return EXIT_FAILED;
        for (size_t i = 0; i < n; i++)
                if (gens[i] < cur)
                        prev = gens[i];
        if (prev == 0) {
                tree_error("tree %s has no generation older than %u to go back to", name, cur);
                return EXIT_FAILED;
        }
        int r = tree_switch(ctx, name, prev);
        if (r < 0) {
                tree_error("cannot switch tree %s to generation %u: %s", name, prev, strerror(-r));
                return EXIT_FAILED;
        }
        if (tree_manifest_read(dir_fd, &m) >= 0 &&
            json_object_object_add(m, "generation", json_object_new_int64(prev)) >= 0)
                (void) tree_manifest_write(dir_fd, m);
        printf("Tree %s: back to generation %u (from %u).\n", name, prev, cur);
        struct tree_switched sw = {
                .name = name, .dir_fd = dir_fd, .gen = prev, .keep = cur, .no_restart = no_restart
        };
        return tree_after_switch(ctx, &sw) < 0 ? EXIT_FAILED : EXIT_OK;
}
