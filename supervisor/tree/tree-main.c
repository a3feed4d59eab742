/* SPDX-License-Identifier: MIT */
/* svc-tree: `svc tree SUBCOMMAND ...`, executed by svc as `svc-tree --root ROOT tree ARGS...`.
 * Makes, imports, upgrades and removes private library trees (README "Trees"); supervisor/tree/tree.h
 * describes their layout. */
#include <fcntl.h>
#include <stdarg.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "common/macro.h"
#include "common/paths.h"
#include "common/util.h"
#include "supervisor/cli/client.h"
#include "supervisor/tree/tree.h"

static void usage(FILE *f) {
        fprintf(f,
                "svc tree COMMAND ...\n\n"
                "  create NAME --debian SUITE [--include PKG,...] [--variant minbase] [--mirror URL]\n"
                "                                 a Debian tree (debootstrap, or mmdebstrap where present)\n"
                "  import NAME ARCHIVE [--unit UNIT] [--keep-setuid] [--tag REF] [--max-size SIZE]\n"
                "         [--max-entries N] [--min-healthy=DURATION]\n"
                "                                 a docker save archive, an OCI image layout (directory\n"
                "                                 or tar), or a root file system tarball (at most 16G\n"
                "                                 and 4000000 entries unless told); onto the name of a\n"
                "                                 tree imported before, a new generation, its units\n"
                "                                 moved and watched as by upgrade\n"
                "  slim NAME PROGRAM...           those host programs and their libraries\n"
                "  upgrade NAME|--all [--security-only] [--no-restart] [--min-healthy=DURATION]\n"
                "                                 security updates in a new generation, then switch; svcd\n"
                "                                 moves each running unit and watches it: one that breaks\n"
                "                                 goes back to the old generation alone (pinned)\n"
                "  unpin UNIT [--min-healthy=DURATION]\n"
                "                                 move a pinned unit onto its tree's current generation\n"
                "  log NAME [--json]              the upgrade history: packages, units moved and pinned\n"
                "  outdated [NAME...] [--json]    updates pending in Debian trees, and the units on them\n"
                "  rollback NAME [--no-restart]   back to the previous generation\n"
                "  list [--json]                  origin, generation, last upgrade, size, units\n"
                "  rm NAME                        remove a tree no unit uses\n"
                "  check NAME PROGRAM...          the library check of PROGRAM in the tree\n"
                "svc migrate IMAGE [--name PREFIX] [--only UNIT]... [--dry-run]\n"
                "                                 a VM's disk into a tree, units and their data\n\n"
                "Exit codes: 0 ok, 1 failed, 2 usage.\n");
}

void tree_error(const char *format, ...) {
        va_list ap;
        va_start(ap, format);
        fputs("svc tree: ", stderr);
        vfprintf(stderr, format, ap);
        fputc('\n', stderr);
        va_end(ap);
}

bool tree_name_is_valid(const char *name) {
        size_t n = strlen(name);
        if (n == 0 || n > TREE_NAME_MAX || name[0] == '.')
                return false;
        return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

bool tree_name_check(const char *name) {
        if (tree_name_is_valid(name))
                return true;
        tree_error("%s is not a tree name: use letters, digits, '_', '.' and '-', at most %d, "
                   "not starting with '.'",
                   name, TREE_NAME_MAX);
        return false;
}

static const struct {
        const char *name;
        int (*run)(struct tree_ctx *ctx, int argc, char **argv);
} commands[] = {
        { "create", tree_cmd_create },     { "import", tree_cmd_import },
        { "slim", tree_cmd_slim },         { "upgrade", tree_cmd_upgrade },
        { "rollback", tree_cmd_rollback }, { "list", tree_cmd_list },
        { "ls", tree_cmd_list },           { "rm", tree_cmd_rm },
        { "check", tree_cmd_check },       { "unpin", tree_cmd_unpin },
        { "log", tree_cmd_log },           { "outdated", tree_cmd_outdated },
        { "migrate", tree_cmd_migrate },
};

static int ctx_open(struct tree_ctx *ctx, const char *root) {
        ctx->root = root;
        ctx->trees_dir = path_join(root, SVC_TREES_DIR);
        ctx->units_dir = path_join(root, SVC_UNITS_DIR);
        if (!ctx->trees_dir || !ctx->units_dir)
                return -ENOMEM;
        /* var/lib/svc and what is in it are root's alone (svcd closes them too): an old tree may
         * hold setuid programs that no other host user should reach. */
        _cleanup_free_ char *lib = path_join(root, "var/lib"), *own = path_join(root, SVC_LIB_DIR);
        if (!lib || !own)
                return -ENOMEM;
        int r = mkdir_p(lib, 0755);
        if (r >= 0 && mkdir(own, 0700) < 0 && errno != EEXIST)
                r = -errno;
        if (r >= 0 && mkdir(ctx->trees_dir, 0700) < 0 && errno != EEXIST)
                r = -errno;
        if (r < 0) {
                tree_error("cannot make %s: %s", ctx->trees_dir, strerror(-r));
                return r;
        }
        ctx->trees_fd = open(ctx->trees_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (ctx->trees_fd < 0) {
                tree_error("cannot open %s: %m", ctx->trees_dir);
                return -errno;
        }
        ctx->tty = isatty(STDOUT_FILENO);
        return 0;
}

/* Removing a deep tree holds one descriptor per level: allow as many as the hard limit. */
static void raise_nofile(void) {
        struct rlimit rl;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max;
                (void) setrlimit(RLIMIT_NOFILE, &rl);
        }
}

int main(int argc, char **argv) {
        const char *root = getenv("SVC_ROOT");
        int i = 1;
        if (argc > 2 && streq(argv[1], "--root")) {
                root = argv[2];
                i = 3;
        }
        if (isempty(root))
                root = "/";
        if (i < argc && streq(argv[i], "tree"))
                i++;
        if (i >= argc || streq(argv[i], "help") || streq(argv[i], "--help") || streq(argv[i], "-h")) {
                usage(i >= argc ? stderr : stdout);
                return i >= argc ? EXIT_USAGE : EXIT_OK;
        }
        if (root[0] != '/') {
                tree_error("--root needs an absolute path, got %s", root);
                return EXIT_USAGE;
        }
        umask(022);
        raise_nofile();
        for (size_t k = 0; k < ELEMENTSOF(commands); k++) {
                if (!streq(argv[i], commands[k].name))
                        continue;
                struct tree_ctx ctx = { .trees_fd = -EBADF };
                int code = ctx_open(&ctx, root) < 0 ? EXIT_FAILED : commands[k].run(&ctx, argc - i, argv + i);
                safe_close(ctx.trees_fd);
                free(ctx.trees_dir);
                free(ctx.units_dir);
                return code;
        }
        tree_error("unknown command %s (see svc tree --help)", argv[i]);
        return EXIT_USAGE;
}
