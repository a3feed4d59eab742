/* SPDX-License-Identifier: MIT */
#pragma once

/* Shared by conditions.c and condition-paths.c. */

#include "units/unit-internal.h"

enum cmp {
        CMP_FNMATCH_NOT, /* "!$=": longest operators first, so that "<=" is not read as "<" */
        CMP_FNMATCH, /* "$=" */
        CMP_LE,
        CMP_GE,
        CMP_NE,
        CMP_EQ,
        CMP_LT,
        CMP_GT,
        _CMP_MAX,
};

/* Reads an operator at *P (blanks around it skipped) and moves past it; _CMP_MAX when there is
 * none. GLOBS: also "$=" and "!$=". */
enum cmp parse_cmp(const char **p, bool globs);
/* Whether a comparison result R (<0, 0, >0) satisfies OP (not the glob ones). */
bool cmp_result(enum cmp op, int r);

/* The path kinds against the tree open at TREE_FD: 1, 0 or -errno. */
int test_path(enum condition_type t, const char *path, int tree_fd);
/* OSRelease=: the tree's os-release against "KEY OP VALUE ..." words: 1, 0 or -errno. */
int test_os_release(const char *expr, int tree_fd);
/* NULL when EXPR is a valid OSRelease= expression, else what was expected. */
const char *os_release_check_expression(const char *expr);
