/* SPDX-License-Identifier: MIT */
/* svc: the command line. This front end links libc alone (statically, with musl, where the build
 * has it): `run` and `logs` run here and pay no dynamic loading; the commands that talk to svcd
 * (sd-bus) and `check` (the unit parser, the ELF check) are handed to svc-ctl. */
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>

#include "common/macro.h"
#include "common/util.h"
#include "sandbox/sandbox.h"
#include "supervisor/cli/client.h"
#include "units/unit.h"
#include "version.h" /* SVC_VERSION, made by the Makefile from debian/changelog */

static void usage(FILE *f) {
        fprintf(f, "svc [--root DIR] COMMAND ...\n\n"
                   "Units:\n"
                   "  start|stop|restart|reload NAME...  change units (--no-block: do not wait)\n"
                   "  status [NAME...] [--json]          state, main PID, restarts, last exit, logs\n"
                   "  list [--json] [--timers]           one row per unit; --timers: next and last elapse\n"
                   "  enable|disable NAME...             start with svcd, or not\n"
                   "  reload-units [--rollback]          re-read the unit directory; --rollback: a changed\n"
                   "                                     unit that breaks goes back to its old definition\n"
                   "  poweroff|reboot|halt               stop every service, then that (svcd as PID 1)\n"
                   "  logs NAME [-n N] [-f]              the unit's log, like journalctl -u\n"
                   "  top [--cpu] [-n N] [-d SEC]        services by memory or CPU, refreshed\n"
                   "  run [OPTIONS] CMD [ARG...]         one command in a sandbox, like docker run --rm\n"
                   "  exec [-i] [-t] NAME CMD [ARG...]   a command in a running service's sandbox\n"
                   "  check [--no-programs] [--json] FILE...\n"
                   "                                     validate unit files (and their programs in their "
                   "trees)\n"
                   "  tree COMMAND ...                   library trees: create, import, slim, upgrade,\n"
                   "                                     rollback, list, rm, check (svc tree --help)\n"
                   "  migrate IMAGE [--name PREFIX] [--only UNIT]... [--dry-run]\n"
                   "                                     a VM's disk into a tree, units and their data\n"
                   "  export NAME --to oci-bundle|oci-image|kube DIR\n"
                   "                                     the service for crun, podman, Kubernetes\n"
                   "  import-kube FILE [--image ARCHIVE]  a Pod of one container as a unit and a tree\n\n"
                   "Options:\n"
                   "  --root DIR                         rebase every path (default $SVC_ROOT or /)\n"
                   "  -h, --help                         this help\n"
                   "  --version                          svc's version\n\n"
                   "Exit codes: 0 ok, 1 failed, 2 usage, 3 not running, 4 no such unit.\n");
}

static int cmd_logs(const char *root, int argc, char **argv) {
        static const struct option options[] = {
                { "lines", required_argument, NULL, 'n' },
                { "follow", no_argument, NULL, 'f' },
                {},
        };
        long n = -1;
        bool follow = false;
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "n:f", options, NULL)) >= 0)
                switch (c) {
                case 'n': {
                        char *end;
                        n = strtol(optarg, &end, 10);
                        if (*end || n < 0) {
                                fprintf(stderr, "svc logs: -n needs a number, got %s\n", optarg);
                                return EXIT_USAGE;
                        }
                        break;
                }
                case 'f':
                        follow = true;
                        break;
                default:
                        return EXIT_USAGE;
                }
        if (optind + 1 != argc) {
                fprintf(stderr, "svc logs: give exactly one unit name\n");
                return EXIT_USAGE;
        }
        char *name = argv[optind];
        unit_name_strip_suffix(name); /* svc logs nginx.service */
        if (!unit_name_is_valid(name)) {
                fprintf(stderr, "svc logs: %s is not a unit name\n", name);
                return EXIT_USAGE;
        }
        if (follow && n < 0)
                n = 10;
        _cleanup_free_ char *dir = client_log_dir(root, name);
        int r = dir ? client_logs(dir, n, follow, stdout) : -ENOMEM;
        if (r == -ENOENT) {
                fprintf(stderr, "No logs for %s.\n", name);
                return EXIT_OK;
        }
        if (r == -EACCES || r == -EPERM) {
                fprintf(stderr, "svc: reading the logs of %s needs root or membership in group svc\n", name);
                return EXIT_FAILED;
        }
        if (r < 0 && r != -EPIPE) {
                fprintf(stderr, "svc: cannot read the logs of %s: %s\n", name, strerror(-r));
                return EXIT_FAILED;
        }
        return EXIT_OK;
}

/* svc-ctl next to this binary (build tree), under ../libexec/svc, or where make install put it. */
static char *find_helper(const char *name) {
        char self[PATH_MAX];
        ssize_t k = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (k > 0) {
                self[k] = '\0';
                char *slash = strrchr(self, '/');
                if (slash) {
                        *slash = '\0';
                        char *p = NULL;
                        if (asprintf(&p, "%s/%s", self, name) >= 0 && access(p, X_OK) == 0)
                                return p;
                        free(p);
                        if (asprintf(&p, "%s/../libexec/svc/%s", self, name) >= 0 && access(p, X_OK) == 0)
                                return p;
                        free(p);
                }
        }
        char *p = NULL;
        if (asprintf(&p, "%s/%s", LIBEXECDIR, name) < 0)
                return NULL;
        return p;
}

static int run_helper(const char *helper, const char *root, int argc, char **argv) {
        _cleanup_free_ char *path = find_helper(helper);
        if (!path)
                return EXIT_FAILED;
        char **args = calloc((size_t) argc + 4, sizeof(char *));
        if (!args)
                return EXIT_FAILED;
        size_t n = 0;
        args[n++] = (char *) "svc";
        args[n++] = (char *) "--root";
        args[n++] = (char *) root;
        for (int i = 0; i < argc; i++)
                args[n++] = argv[i];
        execv(path, args);
        fprintf(stderr, "svc: cannot run %s: %s\n", path, strerror(errno));
        free(args);
        return EXIT_FAILED;
}

int main(int argc, char **argv) {
        const char *root_arg = NULL;
        int i = 1;
        for (; i < argc && argv[i][0] == '-'; i++) {
                if (streq(argv[i], "-h") || streq(argv[i], "--help")) {
                        usage(stdout);
                        return EXIT_OK;
                } else if (streq(argv[i], "--version")) {
                        printf("svc %s\n", SVC_VERSION);
                        return EXIT_OK;
                } else if (streq(argv[i], "--root") && i + 1 < argc) {
                        root_arg = argv[++i];
                } else if (strneq(argv[i], "--root=", 7)) {
                        root_arg = argv[i] + 7;
                } else {
                        fprintf(stderr, "svc: unknown option %s\n", argv[i]);
                        usage(stderr);
                        return EXIT_USAGE;
                }
        }
        if (i >= argc) {
                usage(stderr);
                return EXIT_USAGE;
        }
        const char *root = client_root(root_arg);
        if (root[0] != '/') {
                fprintf(stderr, "svc: --root needs an absolute path, got %s\n", root);
                return EXIT_USAGE;
        }
        const char *cmd = argv[i];
        if (streq(cmd, "check"))
                return run_helper("svc-ctl", root, argc - i, argv + i);
        if (streq(cmd, "logs"))
                return cmd_logs(root, argc - i, argv + i);
        if (streq(cmd, "run"))
                return client_run(root, argc - i, argv + i);
        if (streq(cmd, "tree") || streq(cmd, "migrate"))
                return run_helper("svc-tree", root, argc - i, argv + i);
        if (streq(cmd, "export") || streq(cmd, "import-kube"))
                return run_helper("svc-export", root, argc - i, argv + i);
        if (streq(cmd, "help")) {
                usage(stdout);
                return EXIT_OK;
        }
        return run_helper("svc-ctl", root, argc - i, argv + i);
}
