/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the archive writer of svc tree import (supervisor/tree/tree-extract.c): the
 * input is an archive (tar in any compression libarchive reads), applied as a first layer and
 * then again as an upper layer over it, whiteouts and all, into a fresh tree beside an
 * "outside" directory and a symlink pointing at it. The writer must not crash, leak or hang,
 * must return a sentence exactly when it fails, must keep to its caps, and nothing outside the
 * tree may change.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I. \
 *         tests/fuzz/fuzz-tree-extract.c supervisor/tree/tree-extract.c common/util.c -larchive \
 *         -o build/fuzz-tree-extract
 *   build/fuzz-tree-extract -max_total_time=60 -timeout=10 -rss_limit_mb=4096 \
 *         CORPUS_DIR tests/fuzz/corpus-tree-extract
 *
 * Run it as root, as svc tree import runs (owners are set with fchown). */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/tree/tree.h"

#define MAX_BYTES (4ULL << 20)
#define MAX_ENTRIES 2000ULL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char base[] = "/tmp/fuzz-tree-extract.XXXXXX";
static int base_fd = -EBADF;

static int remove_cb(const char *path, const struct stat *st _unused_, int flag _unused_,
                     struct FTW *ftw _unused_) {
        return remove(path);
}

static void cleanup(void) {
        safe_close(base_fd);
        nftw(base, remove_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* BASE/outside/victim, and BASE/out -> outside: what an archive must never reach. */
static void setup(void) {
        if (!mkdtemp(base))
                abort();
        base_fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (base_fd < 0 || mkdirat(base_fd, "outside", 0755) < 0 || symlinkat("outside", base_fd, "out") < 0)
                abort();
        _cleanup_close_ int fd = openat(base_fd, "outside/victim", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0 || write(fd, "victim", 6) != 6)
                abort();
        atexit(cleanup);
}

static void check_outside(void) {
        struct stat st;
        char buf[16];
        _cleanup_close_ int fd = openat(base_fd, "outside/victim", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) < 0 || st.st_size != 6 || read(fd, buf, sizeof(buf)) != 6 ||
            memcmp(buf, "victim", 6) != 0 || (st.st_mode & 07777) != 0644 || st.st_uid != geteuid())
                abort();
        _cleanup_close_ int dfd = openat(base_fd, "outside", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0 || fstat(dfd, &st) < 0 || st.st_nlink != 2 || (st.st_mode & 07777) != 0755)
                abort(); /* a directory was added */
        char target[16] = { 0 };
        if (readlinkat(base_fd, "out", target, sizeof(target) - 1) != 7 || !streq(target, "outside"))
                abort();
        /* Anything else written next to the tree, or in place of it. */
        _cleanup_close_ int count_fd = fcntl(base_fd, F_DUPFD_CLOEXEC, 3);
        DIR *d = count_fd >= 0 ? fdopendir(TAKE_FD(count_fd)) : NULL;
        if (!d)
                abort();
        rewinddir(d); /* the duplicate shares the offset of the last pass */
        size_t n = 0;
        for (struct dirent *de; (de = readdir(d));)
                n++;
        closedir(d);
        if (n != 4) /* . .. outside out: the tree is removed */
                abort();
}

static int apply(int tree_fd, int fd, bool lower) {
        struct tree_writer w = { .root_fd = tree_fd,
                                 .what = "fuzz",
                                 .whiteouts = true,
                                 .lower = lower,
                                 .max_entries = MAX_ENTRIES,
                                 .max_bytes = MAX_BYTES,
                                 .parent_fd = -EBADF };
        int r = tree_writer_apply(&w, fd);
        if ((r < 0) != (w.error != NULL) || r > 0)
                abort(); /* the contract: a sentence exactly when it fails */
        if (w.entries > MAX_ENTRIES || w.bytes > MAX_BYTES)
                abort();
        tree_writer_done(&w);
        return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (base_fd < 0)
                setup();
        _cleanup_close_ int fd = memfd_create("archive", MFD_CLOEXEC);
        if (fd < 0 || (size > 0 && write(fd, data, size) != (ssize_t) size))
                abort();
        if (mkdirat(base_fd, "tree", 0755) < 0)
                abort();
        int tree_fd = openat(base_fd, "tree", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (tree_fd < 0)
                abort();
        if (apply(tree_fd, fd, false) >= 0)
                (void) apply(tree_fd, fd, true);
        safe_close(tree_fd);
        if (tree_rm_rf_at(base_fd, "tree") < 0)
                abort();
        check_outside();
        return 0;
}
