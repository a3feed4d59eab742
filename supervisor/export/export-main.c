/* SPDX-License-Identifier: MIT */
/* svc-export: `svc export NAME --to oci-bundle|oci-image|kube DIR`, executed by svc as
 * `svc-export --root ROOT export NAME --to TARGET DIR`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/cli/client.h"
#include "supervisor/export/export.h"

static void usage(FILE *f) {
        fprintf(f, "usage: svc export NAME --to oci-bundle|oci-image|kube DIR\n"
                   "  oci-bundle  DIR/config.json for crun or runc, the tree as its read-only root\n"
                   "  oci-image   an OCI image layout in DIR (podman load, skopeo), the tree as its layer\n"
                   "  kube        DIR/NAME.yaml: claims, a Pod, a Service, a NetworkPolicy (podman kube "
                   "play)\n");
}

static int run(const char *root, const char *name, const char *to, const char *dir) {
        _cleanup_free_ char *error = NULL;
        struct export_ctx c;
        int r = export_load(root, name, &c, &error);
        if (r >= 0 && streq(to, "oci-bundle"))
                r = export_bundle(&c, dir, &error);
        else if (r >= 0 && streq(to, "oci-image"))
                r = export_image(&c, dir, &error);
        else if (r >= 0 && streq(to, "kube"))
                r = export_kube(&c, dir, &error);
        else if (r >= 0) {
                fprintf(stderr, "svc export: unknown target %s\n", to);
                usage(stderr);
                export_ctx_done(&c);
                return EXIT_USAGE;
        }
        export_ctx_done(&c);
        if (r < 0) {
                fprintf(stderr, "svc export: %s\n", error ? error : strerror(-r));
                return r == -ENOENT && !error ? EXIT_NO_SUCH_UNIT : EXIT_FAILED;
        }
        printf("Exported %s to %s (%s)\n", name, dir, to);
        return EXIT_OK;
}

/* svc import-kube FILE [--image ARCHIVE] */
static int cmd_import_kube(const char *root, int argc, char **argv) {
        if (!(argc == 1 || (argc == 3 && streq(argv[1], "--image")))) {
                fprintf(stderr, "usage: svc import-kube FILE [--image ARCHIVE]\n");
                return EXIT_USAGE;
        }
        _cleanup_free_ char *error = NULL;
        int r = import_kube(root, argv[0], argc == 3 ? argv[2] : NULL, &error);
        if (r < 0) {
                fprintf(stderr, "svc import-kube: %s\n", error ? error : strerror(-r));
                return EXIT_FAILED;
        }
        return EXIT_OK;
}

int main(int argc, char **argv) {
        const char *root = "/";
        int i = 1;
        if (i + 1 < argc && streq(argv[i], "--root")) {
                root = argv[i + 1];
                i += 2;
        }
        if (i < argc && streq(argv[i], "import-kube"))
                return cmd_import_kube(root, argc - i - 1, argv + i + 1);
        if (i < argc && streq(argv[i], "export"))
                i++;
        if (i < argc && (streq(argv[i], "-h") || streq(argv[i], "--help"))) {
                usage(stdout);
                return EXIT_OK;
        }
        if (argc - i != 4 || !streq(argv[i + 1], "--to")) {
                usage(stderr);
                return EXIT_USAGE;
        }
        return run(root, argv[i], argv[i + 2], argv[i + 3]);
}
