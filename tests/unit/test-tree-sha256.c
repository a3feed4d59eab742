/* SPDX-License-Identifier: MIT */
/* tree_sha256_fd() (supervisor/tree/tree-sha256.c), which checks that the blobs of an OCI image
 * hash to their names: the FIPS 180-4 example vectors, a file larger than its read buffer, and a
 * file that cannot be read. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/macro.h"
#include "supervisor/tree/tree.h"

/* A memfd holding N bytes of TEXT repeated. */
static int memfd_of(const char *text, size_t n) {
        int fd = memfd_create("sha256", MFD_CLOEXEC);
        size_t len = strlen(text);
        assert_true(fd >= 0);
        for (size_t done = 0; done < n;) {
                size_t take = MIN(len, n - done);
                assert_int_equal(write(fd, text, take), (ssize_t) take);
                done += take;
        }
        return fd;
}

static void expect_digest(const char *text, size_t n, const char *hex) {
        char sum[65];
        int fd = memfd_of(text, n);
        assert_int_equal(tree_sha256_fd(fd, sum), 0);
        assert_string_equal(sum, hex);
        close(fd);
}

static void test_tree_sha256__fips_180_vectors(void **state _unused_) {
        expect_digest("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        expect_digest("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        expect_digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
                      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_tree_sha256__a_million_a_spans_many_reads(void **state _unused_) {
        expect_digest("a", 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_tree_sha256__reads_from_the_start_whatever_the_offset(void **state _unused_) {
        char sum[65];
        int fd = memfd_of("abc", 3);
        assert_int_equal(lseek(fd, 2, SEEK_SET), 2);
        assert_int_equal(tree_sha256_fd(fd, sum), 0);
        assert_string_equal(sum, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        close(fd);
}

static void test_tree_sha256__unreadable_fd_is_an_error(void **state _unused_) {
        char sum[65];
        int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(tree_sha256_fd(fd, sum), -EISDIR);
        close(fd);
        assert_int_equal(tree_sha256_fd(-1, sum), -EBADF);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_tree_sha256__fips_180_vectors),
                cmocka_unit_test(test_tree_sha256__a_million_a_spans_many_reads),
                cmocka_unit_test(test_tree_sha256__reads_from_the_start_whatever_the_offset),
                cmocka_unit_test(test_tree_sha256__unreadable_fd_is_an_error),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
