/* SPDX-License-Identifier: MIT */
/* tree_quote() (supervisor/tree/tree-quote.c), the one way svc tree import writes an image's values
 * into a unit file, against the parser that reads them back (units/): every word reads back byte
 * for byte, a literal either reads back or is refused, and shown text never leaves its line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/tree/tree.h"
#include "units/unit.h"

static const char *const hostile[] = {
        "root\nBindPaths=/:/host\n#",
        "a\\",
        "x\\\nBindPaths=/",
        "\x1b[2J\x1b]0;title\x07",
        "100% $HOME ${X} $$ %n %% \" ' \\ ;",
        ";",
        "\\;",
        " lead",
        "trail ",
        "\t",
        "caf\xc3\xa9 \xe2\x9c\x93",
        "c1 \xc2\x9b csi",
        "bad \xff\xfe utf8 \xc3",
        "\r\n",
        "\x7f",
        "-dash",
        "@at",
        "#hash",
        "[Service]",
        "",
};

/* A unit with VALUE in ExecStart=, Environment= and, when it can be one, User=. */
static char *unit_text(const char *value, bool *ret_literal) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        assert_non_null(f);
        fputs("[Unit]\nDescription=", f);
        assert_int_equal(tree_quote(f, "d", TREE_QUOTE_LITERAL, NULL), 0);
        fputs("\n# ", f);
        assert_int_equal(tree_quote(f, value, TREE_QUOTE_TEXT, NULL), 0);
        fputs("\n[Service]\nExecStart=/bin/echo ", f);
        assert_int_equal(tree_quote(f, value, TREE_QUOTE_COMMAND, NULL), 0);
        fputs("\nEnvironment=", f);
        _cleanup_free_ char *env = NULL;
        assert_true(asprintf(&env, "V=%s", value) > 0);
        assert_int_equal(tree_quote(f, env, TREE_QUOTE_WORD, NULL), 0);
        fputs("\nWorkingDirectory=-", f);
        _cleanup_free_ char *dir = NULL;
        assert_true(asprintf(&dir, "/srv/%s", value) > 0);
        const char *why = NULL;
        long at = ftell(f);
        *ret_literal = tree_quote(f, dir, TREE_QUOTE_LITERAL, &why) >= 0;
        if (!*ret_literal) {
                assert_non_null(why);
                assert_int_equal(ftell(f), at); /* nothing of it written */
                fputs("/", f);
        }
        fputs("\n", f);
        assert_int_equal(fclose(f), 0);
        return buf;
}

static void test_tree__quoted_values_read_back(void **state _unused_) {
        for (size_t i = 0; i < ELEMENTSOF(hostile); i++) {
                bool literal = false;
                _cleanup_free_ char *text = unit_text(hostile[i], &literal), *dir = NULL, *env = NULL;
                _cleanup_(unit_freep) struct unit *u = NULL;
                struct unit_diag d = { 0 };
                int r = unit_load_string(text, "q.unit", "q", NULL, &u, &d);
                for (size_t k = 0; k < d.n; k++) {
                        _cleanup_free_ char *s = unit_diag_format(&d.items[k]);
                        print_message("%s\n--\n%s\n", s, text);
                }
                assert_int_equal(r, 0);
                unit_diag_clear(&d);
                assert_string_equal(u->description, "d");
                assert_int_equal(u->exec_start.n, 1);
                _cleanup_strv_free_ char **argv = NULL;
                char *no_env[] = { NULL };
                assert_int_equal(unit_exec_expand(&u->exec_start.items[0], no_env, &argv), 0);
                assert_string_equal(argv[0], "/bin/echo");
                assert_string_equal(argv[1], hostile[i]);
                assert_null(argv[2]);
                assert_true(asprintf(&env, "V=%s", hostile[i]) > 0);
                assert_string_equal(u->environment[0], env);
                assert_null(u->environment[1]);
                assert_true(asprintf(&dir, "/srv/%s", hostile[i]) > 0);
                assert_string_equal(u->working_directory, literal ? dir : "/");
        }
}

static void test_tree__literal_refuses_what_would_not_read_back(void **state _unused_) {
        static const char *const refused[] = { "root\nBindPaths=/", "a\\",  " a",         "a\t", "",
                                               "\x1b[2J",           "\xff", "c1 \xc2\x9b" };
        for (size_t i = 0; i < ELEMENTSOF(refused); i++) {
                const char *why = NULL;
                assert_int_equal(tree_quote(stdout, refused[i], TREE_QUOTE_LITERAL, &why), -EINVAL);
                assert_non_null(why);
        }
}

static void test_tree__text_stays_on_its_line(void **state _unused_) {
        for (size_t i = 0; i < ELEMENTSOF(hostile); i++) {
                _cleanup_free_ char *t = tree_text(hostile[i]);
                assert_non_null(t);
                for (const unsigned char *c = (const unsigned char *) t; *c; c++)
                        assert_true(*c >= 0x20 && *c != 0x7f);
                assert_null(strstr(t, "\xc2\x9b"));
        }
        _cleanup_free_ char *t = tree_text("a\nb\\c \xc3\xa9");
        assert_string_equal(t, "a\\x0ab\\x5cc \xc3\xa9");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_tree__quoted_values_read_back),
                cmocka_unit_test(test_tree__literal_refuses_what_would_not_read_back),
                cmocka_unit_test(test_tree__text_stays_on_its_line),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
