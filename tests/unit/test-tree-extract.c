/* SPDX-License-Identifier: MIT */
/* The archive writer of svc tree import (supervisor/tree/tree-extract.c): names, whiteouts, and
 * layers written by libarchive at test time into a temporary directory that holds the tree and,
 * beside it, an "outside" that no archive may reach. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/tree/tree.h"

/* ---- names ------------------------------------------------------------------------------------ */

static void expect_path(const char *name, const char *want) {
        _cleanup_free_ char *p = NULL;
        assert_int_equal(tree_path_normalize(name, &p), 0);
        assert_string_equal(p, want);
}

static void test_tree__normalize_drops_leading_slash_and_dots(void **state _unused_) {
        expect_path("./etc/passwd", "etc/passwd");
        expect_path("/usr//lib/./x/", "usr/lib/x");
        expect_path(".", "");
        expect_path("./", "");
        expect_path("a/.../b", "a/.../b");
}

static void test_tree__normalize_refuses_dotdot_and_depth(void **state _unused_) {
        char *p = NULL;
        assert_int_equal(tree_path_normalize("../x", &p), -EXDEV);
        assert_int_equal(tree_path_normalize("a/../b", &p), -EXDEV);
        assert_int_equal(tree_path_normalize("/..", &p), -EXDEV);
        char deep[TREE_DEPTH_MAX * 2 + 8] = "";
        for (unsigned i = 0; i <= TREE_DEPTH_MAX; i++)
                strcat(deep, "d/");
        assert_int_equal(tree_path_normalize(deep, &p), -ENAMETOOLONG);
        assert_null(p);
}

static void expect_whiteout(const char *path, enum tree_whiteout kind, const char *target) {
        enum tree_whiteout k;
        _cleanup_free_ char *t = NULL;
        assert_int_equal(tree_whiteout_parse(path, &k, &t), 0);
        assert_int_equal(k, kind);
        if (target)
                assert_string_equal(t, target);
}

static void test_tree__whiteout_names(void **state _unused_) {
        expect_whiteout("etc/.wh.motd", TREE_WHITEOUT_FILE, "etc/motd");
        expect_whiteout(".wh.top", TREE_WHITEOUT_FILE, "top");
        expect_whiteout("opt/app/.wh..wh..opq", TREE_WHITEOUT_OPAQUE, "opt/app");
        expect_whiteout(".wh..wh..opq", TREE_WHITEOUT_OPAQUE, "");
        expect_whiteout("x/.wh..wh.plnk", TREE_WHITEOUT_META, NULL);
        expect_whiteout("x/.whatever", TREE_WHITEOUT_NONE, NULL);
        expect_whiteout("x/a.wh.b", TREE_WHITEOUT_NONE, NULL);
        enum tree_whiteout k;
        char *t = NULL;
        assert_int_equal(tree_whiteout_parse("a/.wh.", &k, &t), -EINVAL);
        assert_int_equal(tree_whiteout_parse("a/.wh..", &k, &t), -EINVAL);
        assert_int_equal(tree_whiteout_parse(".wh...", &k, &t), -EINVAL);
        assert_null(t);
}

/* ---- archives --------------------------------------------------------------------------------- */

struct fixture {
        char base[64]; /* tree/ and outside/ */
        int tree_fd;
        int layers;
};

static int remove_cb(const char *path, const struct stat *st _unused_, int flag _unused_,
                     struct FTW *ftw _unused_) {
        return remove(path);
}

static int setup(void **state) {
        struct fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        strcpy(f->base, "/tmp/test-tree-extract.XXXXXX");
        assert_non_null(mkdtemp(f->base));
        char p[128];
        snprintf(p, sizeof(p), "%s/tree", f->base);
        assert_int_equal(mkdir(p, 0755), 0);
        f->tree_fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        snprintf(p, sizeof(p), "%s/outside", f->base);
        assert_int_equal(mkdir(p, 0755), 0);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fixture *f = *state;
        close(f->tree_fd);
        nftw(f->base, remove_cb, 16, FTW_DEPTH | FTW_PHYS);
        free(f);
        return 0;
}

enum kind { F, D, L, H, C };

struct entry {
        enum kind kind;
        const char *name;
        const char *data; /* contents, or the link's target */
        mode_t mode;
};

/* A tar file of ENTRIES written by libarchive; its descriptor. */
static int make_tar(struct fixture *f, const struct entry *entries, size_t n) {
        char path[128];
        snprintf(path, sizeof(path), "%s/layer%d.tar", f->base, f->layers++);
        struct archive *a = archive_write_new();
        assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
        assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
        for (size_t i = 0; i < n; i++) {
                const struct entry *x = &entries[i];
                struct archive_entry *e = archive_entry_new();
                static const mode_t types[] = { AE_IFREG, AE_IFDIR, AE_IFLNK, AE_IFREG, AE_IFCHR };
                archive_entry_set_pathname(e, x->name);
                archive_entry_set_filetype(e, types[x->kind]);
                archive_entry_set_perm(e, x->mode ? x->mode : x->kind == D ? 0755 : 0644);
                if (x->kind == L)
                        archive_entry_set_symlink(e, x->data);
                if (x->kind == H)
                        archive_entry_set_hardlink(e, x->data);
                if (x->kind == F)
                        archive_entry_set_size(e, (la_int64_t) strlen(x->data));
                assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
                if (x->kind == F)
                        assert_int_equal(archive_write_data(a, x->data, strlen(x->data)),
                                         (la_ssize_t) strlen(x->data));
                archive_entry_free(e);
        }
        assert_int_equal(archive_write_free(a), ARCHIVE_OK);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        return fd;
}

/* Applies a layer: 0 or the error, with its sentence in *ret_error when asked. */
static int apply(struct fixture *f, const struct entry *entries, size_t n, bool lower, bool keep_setuid,
                 char **ret_error) {
        int fd = make_tar(f, entries, n);
        struct tree_writer w = { .root_fd = f->tree_fd,
                                 .what = "layer",
                                 .whiteouts = true,
                                 .lower = lower,
                                 .keep_setuid = keep_setuid,
                                 .parent_fd = -EBADF };
        int r = tree_writer_apply(&w, fd);
        if (ret_error)
                *ret_error = TAKE_PTR(w.error);
        tree_writer_done(&w);
        close(fd);
        return r;
}

static bool exists(struct fixture *f, const char *path) {
        struct stat st;
        return fstatat(f->tree_fd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static char *contents(struct fixture *f, const char *path) {
        static char buf[256];
        int fd = openat(f->tree_fd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
        buf[MAX(n, 0)] = '\0';
        if (fd >= 0)
                close(fd);
        return buf;
}

static size_t outside_entries(struct fixture *f) {
        char p[128];
        size_t n = 0;
        snprintf(p, sizeof(p), "%s/outside", f->base);
        DIR *d = opendir(p);
        for (struct dirent *de; d && (de = readdir(d));)
                n += de->d_name[0] != '.';
        if (d)
                closedir(d);
        return n;
}

static void test_tree__whiteouts_hide_lower_layers_in_any_order(void **state) {
        struct fixture *f = *state;
        const struct entry lower[] = {
                { D, "etc", NULL, 0 },         { F, "etc/motd", "one", 0 }, { F, "etc/keep", "keep", 0 },
                { D, "opt/app/sub", NULL, 0 }, { F, "opt/app/a", "a", 0 },  { F, "opt/app/sub/s", "s", 0 },
        };
        const struct entry upper[] = {
                { F, "opt/app/c", "c", 0 }, /* before the opaque whiteout of its directory */
                { F, "opt/app/.wh..wh..opq", "", 0 },
                { F, "etc/.wh.motd", "", 0 },
                { F, "etc/motd2", "two", 0 },
        };
        assert_int_equal(apply(f, lower, ELEMENTSOF(lower), false, false, NULL), 0);
        assert_int_equal(apply(f, upper, ELEMENTSOF(upper), true, false, NULL), 0);
        assert_false(exists(f, "etc/motd"));
        assert_false(exists(f, "etc/.wh.motd"));
        assert_string_equal(contents(f, "etc/keep"), "keep");
        assert_string_equal(contents(f, "etc/motd2"), "two");
        assert_string_equal(contents(f, "opt/app/c"), "c");
        assert_false(exists(f, "opt/app/a"));
        assert_false(exists(f, "opt/app/sub"));
        assert_false(exists(f, "opt/app/.wh..wh..opq"));
}

static void test_tree__symlinked_parent_is_refused(void **state) {
        struct fixture *f = *state;
        char outside[128];
        snprintf(outside, sizeof(outside), "%s/outside", f->base);
        const struct entry e[] = { { L, "lnk", outside, 0 }, { F, "lnk/evil", "x", 0 } };
        _cleanup_free_ char *error = NULL;
        assert_int_equal(apply(f, e, ELEMENTSOF(e), false, false, &error), -ELOOP);
        assert_non_null(strstr(error, "entry 'lnk/evil' goes through lnk, a symbolic link"));
        assert_int_equal(outside_entries(f), 0);
}

static void test_tree__symlink_planted_by_a_lower_layer_is_refused(void **state) {
        struct fixture *f = *state;
        const struct entry lower[] = { { L, "etc", "../outside", 0 } };
        const struct entry upper[] = { { F, "etc/evil", "x", 0 } };
        const struct entry wh[] = { { F, "etc/.wh.x", "", 0 } };
        _cleanup_free_ char *error = NULL, *error2 = NULL;
        assert_int_equal(apply(f, lower, 1, false, false, NULL), 0);
        assert_int_equal(apply(f, upper, 1, true, false, &error), -ELOOP);
        assert_non_null(strstr(error, "entry 'etc/evil'"));
        assert_int_equal(apply(f, wh, 1, true, false, &error2), -ELOOP);
        assert_non_null(strstr(error2, "entry 'etc/.wh.x'"));
        assert_int_equal(outside_entries(f), 0);
}

static void test_tree__dotdot_and_hardlinks_out_are_refused(void **state) {
        struct fixture *f = *state;
        const struct entry dotdot[] = { { F, "a/../../outside/evil", "x", 0 } };
        const struct entry hl[] = { { H, "hl", "../outside/victim", 0 } };
        const struct entry hlabs[] = { { H, "hl", "/etc/passwd", 0 } };
        _cleanup_free_ char *e1 = NULL, *e2 = NULL, *e3 = NULL;
        assert_int_equal(apply(f, dotdot, 1, false, false, &e1), -EXDEV);
        assert_non_null(strstr(e1, "entry 'a/../../outside/evil' would leave the tree"));
        assert_int_equal(apply(f, hl, 1, false, false, &e2), -EXDEV);
        assert_non_null(strstr(e2, "entry 'hl' is a hardlink to ../outside/victim, which leaves the tree"));
        assert_int_equal(apply(f, hlabs, 1, false, false, &e3), -ENOENT);
        assert_non_null(strstr(e3, "which the tree does not have"));
        assert_int_equal(outside_entries(f), 0);
}

static void test_tree__hardlink_inside_is_made(void **state) {
        struct fixture *f = *state;
        const struct entry e[] = { { F, "a", "data", 0 }, { H, "/b", "/a", 0 } };
        assert_int_equal(apply(f, e, ELEMENTSOF(e), false, false, NULL), 0);
        struct stat a, b;
        assert_int_equal(fstatat(f->tree_fd, "a", &a, 0), 0);
        assert_int_equal(fstatat(f->tree_fd, "b", &b, 0), 0);
        assert_int_equal(a.st_ino, b.st_ino);
}

static void test_tree__device_nodes_are_refused(void **state) {
        struct fixture *f = *state;
        const struct entry e[] = { { C, "dev/sda", NULL, 0 } };
        _cleanup_free_ char *error = NULL;
        assert_int_equal(apply(f, e, 1, false, false, &error), -EPERM);
        assert_non_null(strstr(error, "entry 'dev/sda' is a device node"));
}

static void test_tree__setuid_dropped_unless_kept(void **state) {
        struct fixture *f = *state;
        const struct entry e[] = { { F, "su", "x", 04755 },
                                   { F, "sg", "x", 02755 },
                                   { D, "shared", NULL, 02775 } };
        const struct entry k[] = { { F, "kept", "x", 04755 } };
        struct stat st;
        assert_int_equal(apply(f, e, ELEMENTSOF(e), false, false, NULL), 0);
        assert_int_equal(apply(f, k, 1, true, true, NULL), 0);
        assert_int_equal(fstatat(f->tree_fd, "su", &st, 0), 0);
        assert_int_equal(st.st_mode & 07777, 0755);
        assert_int_equal(fstatat(f->tree_fd, "sg", &st, 0), 0);
        assert_int_equal(st.st_mode & 07777, 0755);
        assert_int_equal(fstatat(f->tree_fd, "shared", &st, 0), 0);
        assert_int_equal(st.st_mode & 07777, 02775); /* on a directory it is no privilege */
        assert_int_equal(fstatat(f->tree_fd, "kept", &st, 0), 0);
        assert_int_equal(st.st_mode & 07777, 04755);
}

static void test_tree__file_over_symlink_replaces_the_link(void **state) {
        struct fixture *f = *state;
        char victim[128];
        snprintf(victim, sizeof(victim), "%s/outside/victim", f->base);
        int fd = open(victim, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        assert_true(fd >= 0 && write(fd, "victim", 6) == 6);
        close(fd);
        const struct entry e[] = {
                { L, "x", victim, 0 }, { F, "x", "mine", 0 }, { L, "d", victim, 0 }, { D, "d", NULL, 0 }
        };
        assert_int_equal(apply(f, e, ELEMENTSOF(e), false, false, NULL), 0);
        assert_string_equal(contents(f, "x"), "mine");
        struct stat st;
        assert_int_equal(fstatat(f->tree_fd, "d", &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_true(S_ISDIR(st.st_mode));
        fd = open(victim, O_RDONLY | O_CLOEXEC);
        char buf[16] = "";
        assert_int_equal(read(fd, buf, sizeof(buf)), 6);
        close(fd);
        assert_string_equal(buf, "victim");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_tree__normalize_drops_leading_slash_and_dots),
                cmocka_unit_test(test_tree__normalize_refuses_dotdot_and_depth),
                cmocka_unit_test(test_tree__whiteout_names),
                cmocka_unit_test_setup_teardown(test_tree__whiteouts_hide_lower_layers_in_any_order, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_tree__symlinked_parent_is_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(test_tree__symlink_planted_by_a_lower_layer_is_refused, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_tree__dotdot_and_hardlinks_out_are_refused, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_tree__hardlink_inside_is_made, setup, teardown),
                cmocka_unit_test_setup_teardown(test_tree__device_nodes_are_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(test_tree__setuid_dropped_unless_kept, setup, teardown),
                cmocka_unit_test_setup_teardown(test_tree__file_over_symlink_replaces_the_link, setup,
                                                teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
