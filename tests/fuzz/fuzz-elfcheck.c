/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the library check: the input becomes the program /prog of a small tree, and
 * also its library /usr/lib/libfuzz.so.1, so that both the program and the library paths read it.
 * The tree holds the host's libc and ELF interpreter, an ld.so.conf with an include, a FIFO, a
 * directory and symlink loops where libraries are looked for. The check must not crash, leak,
 * hang or block.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I. \
 *         tests/fuzz/fuzz-elfcheck.c sandbox/elfcheck.c common/util.c -lelf -o build/fuzz-elfcheck
 *   build/fuzz-elfcheck -max_total_time=120 -timeout=10 CORPUS_DIR
 *
 * CORPUS_DIR may start with a few small ELF programs (/bin/true, a program linked against
 * libfuzz.so.1) and "#!" scripts. */
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <sys/stat.h>

#include "common/macro.h"
#include "common/util.h"
#include "sandbox/sandbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char base[] = "/tmp/fuzz-elfcheck.XXXXXX";
static int root_fd = -EBADF;

static int remove_cb(const char *path, const struct stat *st _unused_, int flag _unused_,
                     struct FTW *ftw _unused_) {
        return remove(path);
}

static void cleanup(void) {
        safe_close(root_fd);
        nftw(base, remove_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static void write_file(const char *path, const void *data, size_t size, mode_t mode) {
        _cleanup_free_ char *p = path_join(base, path);
        if (!p)
                abort();
        char *slash = strrchr(p, '/');
        *slash = '\0';
        if (mkdir_p(p, 0755) < 0)
                abort();
        *slash = '/';
        _cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        if (fd < 0 || write(fd, data, size) != (ssize_t) size || fchmod(fd, mode) < 0)
                abort();
}

static void copy_host(const char *from, const char *to) {
        _cleanup_free_ char *text = NULL;
        size_t n = 0;
        if (read_full_file(from, &text, &n) == 0)
                write_file(to, text, n, 0755);
}

static void make_node(const char *path, bool fifo) {
        _cleanup_free_ char *p = path_join(base, path);
        if (!p || (fifo ? mkfifo(p, 0644) : mkdir(p, 0755)) < 0)
                abort();
}

static void make_link(const char *target, const char *path) {
        _cleanup_free_ char *p = path_join(base, path);
        if (!p || symlink(target, p) < 0)
                abort();
}

static void setup(void) {
        if (!mkdtemp(base))
                abort();
        copy_host("/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6");
        copy_host("/lib64/ld-linux-x86-64.so.2", "/lib64/ld-linux-x86-64.so.2");
        copy_host("/lib/aarch64-linux-gnu/libc.so.6", "/lib/aarch64-linux-gnu/libc.so.6");
        copy_host("/lib/ld-linux-aarch64.so.1", "/lib/ld-linux-aarch64.so.1");
        static const char conf[] = "include /etc/ld.so.conf.d/*.conf\ninclude ld.so.conf\n/opt/lib\n";
        static const char conf_d[] = "/usr/local/lib\ninclude /etc/ld.so.conf.d/*.conf\n";
        write_file("/etc/ld.so.conf", conf, sizeof(conf) - 1, 0644);
        write_file("/etc/ld.so.conf.d/a.conf", conf_d, sizeof(conf_d) - 1, 0644);
        write_file("/usr/local/lib/.keep", "", 0, 0644);
        make_node("/usr/local/lib/libfifo.so.1", true);
        make_node("/usr/local/lib/libdir.so.1", false);
        make_link("libloop.so.1", "/usr/local/lib/libloop.so.1");
        make_link("/../../../../etc/passwd", "/usr/local/lib/libpasswd.so.1");
        make_link("/prog", "/usr/local/lib/libprog.so.1");
        root_fd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                abort();
        atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (root_fd < 0)
                setup();
        write_file("/prog", data, size, 0755);
        write_file("/usr/lib/libfuzz.so.1", data, size, 0644);
        char *error = NULL;
        int r = sandbox_check_program(root_fd, "tree fuzz", "/prog", &error);
        if ((r < 0) != (error != NULL) || r > 0)
                abort(); /* the contract: a sentence exactly when it fails */
        free(error);
        return 0;
}
