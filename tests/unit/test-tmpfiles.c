/* SPDX-License-Identifier: MIT */
/* The /run directories of a tree's tmpfiles.d: which lines svcd takes, and the owners and the
 * override of /etc over /usr/lib read from a tree on disk. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/svcd/tmpfiles.h"

static void test_tmpfiles__run_directories_are_taken(void **state _unused_) {
        struct tmpfiles_dir d;
        assert_int_equal(tmpfiles_parse_line("d /run/mysqld 0755 mysql mysql -", &d), 1);
        assert_string_equal(d.path, "mysqld");
        assert_int_equal(d.mode, 0755);
        assert_string_equal(d.user, "mysql");
        assert_string_equal(d.group, "mysql");
        assert_int_equal(tmpfiles_parse_line("  D! /var/run/vsftpd/empty - - -", &d), 1);
        assert_string_equal(d.path, "vsftpd/empty");
        assert_int_equal(d.mode, 0755);
        assert_string_equal(d.user, "");
        assert_string_equal(d.group, "");
        assert_int_equal(tmpfiles_parse_line("d /run/redis 2750 redis", &d), 1);
        assert_int_equal(d.mode, 02750);
        assert_string_equal(d.group, "");
}

static void test_tmpfiles__other_lines_are_left(void **state _unused_) {
        struct tmpfiles_dir d;
        assert_int_equal(tmpfiles_parse_line("# d /run/x 0755 root root -", &d), 0);
        assert_int_equal(tmpfiles_parse_line("", &d), 0);
        assert_int_equal(tmpfiles_parse_line("f /run/x 0644 root root -", &d), 0);
        assert_int_equal(tmpfiles_parse_line("L /run/x - - - - /y", &d), 0);
        assert_int_equal(tmpfiles_parse_line("d /var/lib/x 0755 root root -", &d), 0);
        assert_int_equal(tmpfiles_parse_line("d /run 0755 root root -", &d), 0);
        assert_int_equal(tmpfiles_parse_line("d /run/user/%U 0700 - - -", &d), 0);
        assert_int_equal(tmpfiles_parse_line("d /runaway 0755 - - -", &d), 0);
}

static void test_tmpfiles__bad_lines_are_refused(void **state _unused_) {
        struct tmpfiles_dir d;
        assert_int_equal(tmpfiles_parse_line("d /run/../etc 0755 - - -", &d), -EINVAL);
        assert_int_equal(tmpfiles_parse_line("d /run/a//b 0755 - - -", &d), -EINVAL);
        assert_int_equal(tmpfiles_parse_line("d /run/a/. 0755 - - -", &d), -EINVAL);
        assert_int_equal(tmpfiles_parse_line("d /run/a 0799 - - -", &d), -EINVAL);
        assert_int_equal(tmpfiles_parse_line("d /run/a 17777 - - -", &d), -EINVAL);
        assert_int_equal(tmpfiles_parse_line("d /run/a 0755 %u - -", &d), -EINVAL);
}

static void put(const char *base, const char *path, const char *text) {
        char p[256];
        snprintf(p, sizeof(p), "%s/%s", base, path);
        _cleanup_fclose_ FILE *out = fopen(p, "we");
        assert_non_null(out);
        fputs(text, out);
}

/* A tree: users in its passwd, a package's file in /usr/lib replaced by /etc's, a line whose
 * user the tree lacks (skipped, with FILE:LINE). */
static void test_tmpfiles__a_tree(void **state _unused_) {
        char base[] = "/tmp/test-tmpfiles.XXXXXX", p[128];
        assert_non_null(mkdtemp(base));
        const char *dirs[] = { "etc", "etc/tmpfiles.d", "usr", "usr/lib", "usr/lib/tmpfiles.d" };
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                snprintf(p, sizeof(p), "%s/%s", base, dirs[i]);
                assert_int_equal(mkdir(p, 0755), 0);
        }
        put(base, "etc/passwd", "root:x:0:0::/root:/bin/sh\nmysql:x:105:108::/nonexistent:/bin/false\n");
        put(base, "etc/group", "root:x:0:\nmysql:x:108:\n");
        put(base, "usr/lib/tmpfiles.d/mariadb.conf", "d /run/mysqld 0755 mysql mysql -\n");
        put(base, "usr/lib/tmpfiles.d/old.conf", "d /run/old 0755 - - -\n");
        put(base, "etc/tmpfiles.d/old.conf",
            "# replaced\n\nd /run/new 0700 - - -\nd /run/x 0755 nobody - -\n");
        _cleanup_close_ int fd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
        struct sandbox_run_dir *dirs_out = NULL;
        size_t n = 0;
        char **strings = NULL, **warnings = NULL;
        assert_int_equal(tmpfiles_run_dirs(fd, "tree t", &dirs_out, &n, &strings, &warnings), 0);
        assert_int_equal(n, 2);
        assert_string_equal(dirs_out[0].path, "mysqld");
        assert_int_equal(dirs_out[0].uid, 105);
        assert_int_equal(dirs_out[0].gid, 108);
        assert_string_equal(dirs_out[1].path, "new");
        assert_int_equal(dirs_out[1].uid, 0);
        assert_int_equal(dirs_out[1].mode, 0700);
        assert_int_equal(strv_length(warnings), 1);
        assert_non_null(strstr(warnings[0], "/etc/tmpfiles.d/old.conf:4: "));
        assert_non_null(strstr(warnings[0], "nobody"));
        free(dirs_out);
        strv_free(strings);
        strv_free(warnings);
        char cmd[96];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
        assert_int_equal(system(cmd), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_tmpfiles__run_directories_are_taken),
                cmocka_unit_test(test_tmpfiles__other_lines_are_left),
                cmocka_unit_test(test_tmpfiles__bad_lines_are_refused),
                cmocka_unit_test(test_tmpfiles__a_tree),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
