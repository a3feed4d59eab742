/* SPDX-License-Identifier: MIT */
/* libFuzzer target for svc import-kube (supervisor/export/import-kube.c, import-yaml.c): the input
 * is a manifest, YAML or JSON, turned into a unit under a fresh root. It must not crash, leak or
 * hang; it must give a sentence exactly when it fails; and a unit it keeps must load, since every
 * value reached it through tree_quote() and it was loaded back before it was kept.
 *
 *   make build/fuzz/fuzz-import-kube
 *   build/fuzz/fuzz-import-kube -max_total_time=60 CORPUS_DIR tests/fuzz/corpus-import-kube */
#include <assert.h>
#include <stdbool.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/export/export.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[256];
static char *file, *unit_dir;

static int remove_cb(const char *path, const struct stat *st _unused_, int flag _unused_,
                     struct FTW *ftw _unused_) {
        return remove(path);
}

static void cleanup(void) {
        nftw(root, remove_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* One root for the whole run, under TMPDIR (tests/fuzz/run.sh removes it even after a crash). */
static bool setup(void) {
        if (file)
                return true;
        const char *tmp = getenv("TMPDIR");
        snprintf(root, sizeof(root), "%s/fuzz-import-kube.XXXXXX", tmp ? tmp : "/tmp");
        if (!mkdtemp(root))
                return false;
        atexit(cleanup);
        file = path_join(root, "pod.yaml");
        unit_dir = path_join(root, "etc/svc/units");
        return file && unit_dir;
}

/* Every unit made, so that the next input starts from an empty directory. */
static void remove_units(void) {
        nftw(unit_dir, remove_cb, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > 64 * 1024 || !setup())
                return 0;
        int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                return 0;
        if (write(fd, data, size) == (ssize_t) size) {
                _cleanup_free_ char *error = NULL;
                int r = import_kube(root, file, NULL, &error);
                assert(r < 0 ? error != NULL : error == NULL);
        }
        close(fd);
        remove_units();
        return 0;
}
