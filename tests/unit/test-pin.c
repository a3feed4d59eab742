/* SPDX-License-Identifier: MIT */
/* Pin files (common/pin.c): what svcd's gate writes and both svcd and the tree tool read, in a
 * temporary directory: a pin read back whole, a reason kept on one line, a file that is no pin,
 * names that could leave the directory, and removal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/macro.h"
#include "common/pin.h"
#include "common/util.h"

static char dir[] = "/tmp/test-pin.XXXXXX";

static int setup(void **state _unused_) {
        return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state _unused_) {
        char cmd[64];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        return system(cmd);
}

static void test_pin__written_then_read_back(void **state _unused_) {
        _cleanup_free_ char *pins = path_join(dir, "pins");
        struct tree_pin p = { .tree = (char *) "bull",
                              .gen = 4,
                              .reason = (char *) "pinned after\nthe upgrade" };
        assert_int_equal(tree_pin_write(pins, "web", &p), 0);
        struct tree_pin r = { 0 };
        assert_int_equal(tree_pin_read(pins, "web", &r), 0);
        assert_string_equal(r.tree, "bull");
        assert_int_equal(r.gen, 4);
        assert_string_equal(r.reason, "pinned after the upgrade");
        tree_pin_done(&r);
        assert_int_equal(tree_pin_remove(pins, "web"), 0);
        assert_int_equal(tree_pin_read(pins, "web", &r), -ENOENT);
        assert_int_equal(tree_pin_remove(pins, "web"), 0);
}

static void test_pin__a_file_that_is_no_pin_is_refused(void **state _unused_) {
        _cleanup_free_ char *path = path_join(dir, "bad");
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs("bull zero\nwhy\n", f);
        fclose(f);
        struct tree_pin r = { 0 };
        assert_int_equal(tree_pin_read(dir, "bad", &r), -EBADMSG);
        assert_null(r.tree);
}

static void test_pin__names_stay_in_the_directory(void **state _unused_) {
        struct tree_pin p = { .tree = (char *) "bull", .gen = 1, .reason = (char *) "x" };
        struct tree_pin bad_tree = { .tree = (char *) "../x", .gen = 1, .reason = (char *) "x" };
        struct tree_pin r = { 0 };
        assert_int_equal(tree_pin_write(dir, "../escape", &p), -EINVAL);
        assert_int_equal(tree_pin_write(dir, ".hidden", &p), -EINVAL);
        assert_int_equal(tree_pin_write(dir, "web", &bad_tree), -EINVAL);
        assert_int_equal(tree_pin_read(dir, "../etc", &r), -EINVAL);
        assert_int_equal(tree_pin_remove(dir, "a/b"), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_pin__written_then_read_back),
                cmocka_unit_test(test_pin__a_file_that_is_no_pin_is_refused),
                cmocka_unit_test(test_pin__names_stay_in_the_directory),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
