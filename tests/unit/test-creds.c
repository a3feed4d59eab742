/* SPDX-License-Identifier: MIT */
/* User and group resolution from a tree's passwd and group files: svc's own linear parser, with
 * its bounds on file size and line length. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "common/macro.h"
#include "common/util.h"
#include "sandbox/sandbox.h"

#define LABEL "tree test"

struct fixture {
        char base[64];
        int root_fd;
        struct sandbox_creds creds;
        char *error;
};

static void put(struct fixture *f, const char *name, const char *text) {
        char p[128];
        snprintf(p, sizeof(p), "%s/etc/%s", f->base, name);
        _cleanup_fclose_ FILE *out = fopen(p, "we");
        assert_non_null(out);
        fputs(text, out);
}

static int setup(void **state) {
        struct fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        snprintf(f->base, sizeof(f->base), "/tmp/test-creds.XXXXXX");
        assert_non_null(mkdtemp(f->base));
        char etc[96];
        snprintf(etc, sizeof(etc), "%s/etc", f->base);
        assert_int_equal(mkdir(etc, 0755), 0);
        f->root_fd = open(f->base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(f->root_fd >= 0);
        put(f, "passwd",
            "# a comment\n"
            "\n"
            "root:x:0:0:root:/root:/bin/sh\n"
            "broken:x:notanumber:1:x:/:/bin/sh\n"
            "short:x:5:5\n"
            "www-data:x:33:33:www-data:/var/www:/bin/false\n"
            "colons:x:40:41:a:b:c:d\n"
            "last:x:1000:100::/home/last:/bin/bash");
        put(f, "group", "root:x:0:\nwww-data:x:33:\nusers:x:100:last,other\nbad:x:zz:\n");
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fixture *f = *state;
        char cmd[128];
        sandbox_creds_done(&f->creds);
        free(f->error);
        safe_close(f->root_fd);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", f->base);
        assert_int_equal(system(cmd), 0);
        free(f);
        return 0;
}

static int resolve(struct fixture *f, const char *user, const char *group, char *const *groups) {
        sandbox_creds_done(&f->creds);
        f->error = mfree(f->error);
        return sandbox_resolve_creds(f->root_fd, LABEL, user, group, groups, &f->creds, &f->error);
}

static void test_creds__user_by_name_and_number(void **state) {
        struct fixture *f = *state;
        assert_int_equal(resolve(f, "www-data", NULL, NULL), 0);
        assert_int_equal(f->creds.uid, 33);
        assert_int_equal(f->creds.gid, 33);
        assert_string_equal(f->creds.home, "/var/www");
        assert_string_equal(f->creds.shell, "/bin/false");
        /* The last line has no newline. */
        assert_int_equal(resolve(f, "1000", NULL, NULL), 0);
        assert_string_equal(f->creds.user_name, "last");
        assert_int_equal(f->creds.gid, 100);
        assert_string_equal(f->creds.home, "/home/last");
        /* A number the file does not list is allowed, as in systemd. */
        assert_int_equal(resolve(f, "4242", NULL, NULL), 0);
        assert_int_equal(f->creds.uid, 4242);
        assert_int_equal(resolve(f, NULL, NULL, NULL), 0);
        assert_string_equal(f->creds.user_name, "root");
}

static void test_creds__malformed_lines_are_skipped(void **state) {
        struct fixture *f = *state;
        assert_int_equal(resolve(f, "broken", NULL, NULL), -ESRCH);
        assert_string_equal(f->error, "user broken is not in /etc/passwd of " LABEL);
        assert_int_equal(resolve(f, "short", NULL, NULL), -ESRCH);
        assert_int_equal(resolve(f, "colons", NULL, NULL), -ESRCH);
        assert_int_equal(resolve(f, "# a comment", NULL, NULL), -ESRCH);
}

static void test_creds__groups(void **state) {
        struct fixture *f = *state;
        char *groups[] = { (char *) "users", (char *) "7", NULL };
        assert_int_equal(resolve(f, "root", "www-data", groups), 0);
        assert_int_equal(f->creds.gid, 33);
        assert_int_equal(f->creds.n_groups, 2);
        assert_int_equal(f->creds.groups[0], 100);
        assert_int_equal(f->creds.groups[1], 7);
        char *unknown[] = { (char *) "bad", NULL };
        assert_int_equal(resolve(f, "root", NULL, unknown), -ESRCH);
        assert_string_equal(f->error, "group bad is not in /etc/group of " LABEL);
}

static void test_creds__long_line_refused_wherever_it_is(void **state) {
        struct fixture *f = *state;
        size_t n = 1024 * 1024 + 1;
        _cleanup_free_ char *text = malloc(n + 200);
        assert_non_null(text);
        int k = snprintf(text, 200, "root:x:0:0:root:/root:/bin/sh\nx:x:1:1:");
        memset(text + k, 'a', n);
        strcpy(text + k + n, ":/:/bin/sh\n");
        put(f, "passwd", text);
        /* root comes first, and is refused all the same: the answer does not depend on order. */
        assert_int_equal(resolve(f, "root", NULL, NULL), -EMSGSIZE);
        assert_string_equal(f->error, "/etc/passwd of " LABEL " has a line longer than 1 MiB (line 2)");
        put(f, "passwd", "root:x:0:0:root:/root:/bin/sh\n");
        put(f, "group", text);
        assert_int_equal(resolve(f, "root", "users", NULL), -EMSGSIZE);
        assert_string_equal(f->error, "/etc/group of " LABEL " has a line longer than 1 MiB (line 2)");
}

static void test_creds__big_file_refused(void **state) {
        struct fixture *f = *state;
        char p[128];
        snprintf(p, sizeof(p), "%s/etc/group", f->base);
        _cleanup_close_ int fd = open(p, O_WRONLY | O_TRUNC | O_CLOEXEC);
        assert_true(fd >= 0);
        /* Sparse: 17 MiB of NUL bytes, no line at all too long to matter first. */
        assert_int_equal(ftruncate(fd, 17 * 1024 * 1024), 0);
        assert_int_equal(resolve(f, "root", "users", NULL), -EFBIG);
        assert_string_equal(f->error, "/etc/group of " LABEL " is larger than 16 MiB");
}

static void test_creds__not_a_regular_file(void **state) {
        struct fixture *f = *state;
        char p[128];
        snprintf(p, sizeof(p), "%s/etc/passwd", f->base);
        assert_int_equal(unlink(p), 0);
        assert_int_equal(mkfifo(p, 0644), 0);
        assert_int_equal(resolve(f, "root", NULL, NULL), -EBADFD);
        assert_string_equal(f->error, "/etc/passwd of " LABEL " is not a regular file");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_creds__user_by_name_and_number, setup, teardown),
                cmocka_unit_test_setup_teardown(test_creds__malformed_lines_are_skipped, setup, teardown),
                cmocka_unit_test_setup_teardown(test_creds__groups, setup, teardown),
                cmocka_unit_test_setup_teardown(test_creds__long_line_refused_wherever_it_is, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_creds__big_file_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(test_creds__not_a_regular_file, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
