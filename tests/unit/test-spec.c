/* SPDX-License-Identifier: MIT */
/* supervisor/spec/spec.c: what svcd's executor and svc export both derive from a unit, through
 * unit_load_string(). */
#include <linux/capability.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/spec/spec.h"

static struct unit *load(const char *lines) {
        _cleanup_free_ char *text = NULL;
        assert_true(asprintf(&text, "[Service]\nExecStart=/bin/true\n%s", lines) > 0);
        struct unit_diag d = {};
        struct unit *u = NULL;
        assert_int_equal(unit_load_string(text, "test.unit", "test", NULL, &u, &d), 0);
        unit_diag_clear(&d);
        return u;
}

static void test_spec__caps_never_grant_mknod(void **state _unused_) {
        struct unit *u = load("CapabilityBoundingSet=CAP_MKNOD CAP_CHOWN\n");
        assert_int_equal(svc_spec_caps(u, 0, false), 1ULL << CAP_CHOWN);
        /* The '+' prefix: what root gets without the key, still without CAP_MKNOD. */
        assert_int_equal(svc_spec_caps(u, 0, true), sandbox_default_caps() & ~(1ULL << CAP_MKNOD));
        unit_free(u);
        u = load("AmbientCapabilities=CAP_NET_BIND_SERVICE\n");
        assert_int_equal(svc_spec_caps(u, 1000, false), 1ULL << CAP_NET_BIND_SERVICE);
        assert_int_equal(svc_spec_caps(u, 0, false) & (1ULL << CAP_MKNOD), 0);
        unit_free(u);
}

static void test_spec__protect_home(void **state _unused_) {
        struct svc_home_path h[3];
        assert_int_equal(svc_spec_protect_home(PROTECT_HOME_UNSET, h), 0);
        assert_int_equal(svc_spec_protect_home(PROTECT_HOME_NO, h), 0);
        assert_int_equal(svc_spec_protect_home(PROTECT_HOME_YES, h), 3);
        assert_int_equal(h[2].kind, SANDBOX_PATH_INACCESSIBLE);
        assert_string_equal(h[2].path, "/run/user");
        assert_int_equal(svc_spec_protect_home(PROTECT_HOME_READ_ONLY, h), 3);
        assert_int_equal(h[0].kind, SANDBOX_PATH_READ_ONLY);
        assert_int_equal(svc_spec_protect_home(PROTECT_HOME_TMPFS, h), 2); /* /run/user is left */
        assert_int_equal(h[1].kind, SANDBOX_PATH_TMPFS);
        assert_string_equal(h[1].path, "/root");
        assert_true(h[1].read_only);
}

static void test_spec__path_kinds(void **state _unused_) {
        assert_int_equal(svc_spec_path_kind(PATH_READ_WRITE), SANDBOX_PATH_KEEP);
        assert_int_equal(svc_spec_path_kind(PATH_EXEC), SANDBOX_PATH_KEEP);
        assert_int_equal(svc_spec_path_kind(PATH_READ_ONLY), SANDBOX_PATH_READ_ONLY);
        assert_int_equal(svc_spec_path_kind(PATH_INACCESSIBLE), SANDBOX_PATH_INACCESSIBLE);
        assert_int_equal(svc_spec_path_kind(PATH_NO_EXEC), SANDBOX_PATH_NO_EXEC);
        assert_int_equal(svc_spec_path_kind(PATH_TMPFS), SANDBOX_PATH_TMPFS);
}

static void test_spec__service_dirs(void **state _unused_) {
        struct unit *u = load("StateDirectory=a b\nStateDirectoryMode=0750\nLogsDirectory=l\n");
        unsigned mode;
        char *const *d = svc_service_dir_names(u, SVC_SERVICE_DIR_STATE, &mode);
        assert_int_equal(strv_length((char **) d), 2);
        assert_string_equal(d[1], "b");
        assert_int_equal(mode, 0750);
        assert_string_equal(svc_service_dirs[SVC_SERVICE_DIR_STATE].inside, "/var/lib");
        d = svc_service_dir_names(u, SVC_SERVICE_DIR_LOGS, &mode);
        assert_string_equal(d[0], "l");
        assert_string_equal(svc_service_dirs[SVC_SERVICE_DIR_LOGS].inside, "/var/log");
        assert_null(svc_service_dir_names(u, SVC_SERVICE_DIR_CACHE, &mode));
        unit_free(u);
}

static void test_spec__hostname_and_env(void **state _unused_) {
        struct unit *u = load("");
        _cleanup_free_ char *h = svc_spec_hostname(u, "blog");
        assert_string_equal(h, "blog");
        unit_free(u);
        char *home = (char *) "/home/www", *shell = (char *) "/bin/sh";
        struct sandbox_creds c = {
                .uid = 33, .home = home, .shell = shell, .user_name = (char *) "www-data"
        };
        _cleanup_strv_free_ char **env = NULL;
        assert_int_equal(svc_spec_base_env(&c, &env), 0);
        assert_int_equal(strv_length(env), 5);
        assert_string_equal(env[1], "HOME=/home/www");
        assert_string_equal(env[3], "LOGNAME=www-data");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_spec__caps_never_grant_mknod),
                cmocka_unit_test(test_spec__protect_home),
                cmocka_unit_test(test_spec__path_kinds),
                cmocka_unit_test(test_spec__service_dirs),
                cmocka_unit_test(test_spec__hostname_and_env),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
