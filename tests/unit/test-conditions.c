/* SPDX-License-Identifier: MIT */
/* units/conditions.c and condition-paths.c: Condition*=/Assert*= from text to value, and the
 * pure test against a tree made here and facts filled in by hand. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "common/macro.h"
#include "common/util.h"
#include "units/unit.h"

#define SVC "[Service]\nExecStart=/bin/true\n"

static struct unit *load_ok(const char *text) {
        struct unit *u = NULL;
        struct unit_diag d = { 0 };
        int r = unit_load_string(text, "test.unit", "test", NULL, &u, &d);
        for (size_t i = 0; i < d.n; i++)
                print_message("  diag: %s\n", d.items[i].message);
        unit_diag_clear(&d);
        assert_int_equal(r, 0);
        return u;
}

/* The first error of loading TEXT, or NULL when it loads. */
static char *load_error(const char *text) {
        struct unit *u = NULL;
        struct unit_diag d = { 0 };
        int r = unit_load_string(text, "test.unit", "test", NULL, &u, &d);
        char *m = NULL;
        for (size_t i = 0; i < d.n && !m; i++)
                if (!d.items[i].warning)
                        m = strdup(d.items[i].message);
        unit_diag_clear(&d);
        unit_free(u);
        if (r >= 0)
                assert_null(m);
        return m;
}

/* ---- parsing ------------------------------------------------------------------------------- */

static void test_conditions__prefixes_and_specifiers(void **state _unused_) {
        struct unit *u = load_ok("[Unit]\nConditionPathExists=!/etc/ssh/sshd_not_to_be_run\n"
                                 "ConditionPathExists=| ! /a/%N\nAssertPathExists=/etc/x\n" SVC);
        assert_int_equal(u->conditions.n, 2);
        assert_int_equal(u->asserts.n, 1);
        const struct unit_condition *c = &u->conditions.items[0];
        assert_int_equal(c->type, CONDITION_PATH_EXISTS);
        assert_true(c->negate);
        assert_false(c->trigger);
        assert_string_equal(c->parameter, "/etc/ssh/sshd_not_to_be_run");
        c = &u->conditions.items[1];
        assert_true(c->negate && c->trigger);
        assert_string_equal(c->parameter, "/a/test");
        _cleanup_free_ char *s = unit_condition_format(&u->conditions.items[0], false);
        assert_string_equal(s, "ConditionPathExists=!/etc/ssh/sshd_not_to_be_run");
        _cleanup_free_ char *a = unit_condition_format(&u->asserts.items[0], true);
        assert_string_equal(a, "AssertPathExists=/etc/x");
        unit_free(u);
}

static void test_conditions__empty_value_resets_every_condition(void **state _unused_) {
        struct unit *u =
                load_ok("[Unit]\nConditionPathExists=/a\nConditionACPower=true\nAssertPathExists=/b\n"
                        "ConditionPathExists=\n" SVC);
        assert_int_equal(u->conditions.n, 0);
        assert_int_equal(u->asserts.n, 1);
        unit_free(u);
}

static void test_conditions__bad_values_are_errors(void **state _unused_) {
        static const struct {
                const char *line, *gist;
        } cases[] = {
                { "ConditionPathExists=etc/x", "absolute path" },
                { "ConditionPathExists=!", "expected a value" },
                { "ConditionCapability=CAP_NOPE", "capability" },
                { "ConditionArchitecture=pdp11", "architecture" },
                { "ConditionMemory=>= lots", "size" },
                { "ConditionCPUs=two", "number of CPUs" },
                { "ConditionACPower=maybe", "boolean" },
                { "ConditionSecurity=magic", "apparmor" },
                { "AssertUser=no body", "user name" },
                { "ConditionOSRelease=debian", "KEY=VALUE" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *text = NULL;
                assert_true(asprintf(&text, "[Unit]\n%s\n" SVC, cases[i].line) > 0);
                _cleanup_free_ char *m = load_error(text);
                if (!m || !strstr(m, cases[i].gist))
                        fail_msg("%s: got '%s', expected '%s'", cases[i].line, m ? m : "(loads)",
                                 cases[i].gist);
        }
}

static void test_conditions__unknown_kind_is_refused_with_a_true_reason(void **state _unused_) {
        _cleanup_free_ char *m = load_error("[Unit]\nConditionNeedsUpdate=/etc\n" SVC);
        assert_non_null(m);
        assert_non_null(strstr(m, "svc does not test this kind of condition"));
}

static void test_conditions__dependency_keys_load(void **state _unused_) {
        struct unit *u = load_ok("[Unit]\nConflicts=a.service shutdown.target\nPartOf=p.service\nBindsTo=b\n"
                                 "Requisite=r\nUpholds=h\nPropagatesReloadTo=x\nReloadPropagatedFrom=y\n"
                                 "OnFailure=notify@%n.service\nOnSuccess=next\nStopWhenUnneeded=yes\n" SVC);
        assert_string_equal(u->conflicts[0], "a");
        assert_string_equal(u->conflicts[1], "shutdown.target");
        assert_string_equal(u->part_of[0], "p");
        assert_string_equal(u->binds_to[0], "b");
        assert_string_equal(u->requisite[0], "r");
        assert_string_equal(u->upholds[0], "h");
        assert_string_equal(u->propagates_reload_to[0], "x");
        assert_string_equal(u->reload_propagated_from[0], "y");
        assert_string_equal(u->on_failure[0], "notify@test");
        assert_string_equal(u->on_success[0], "next");
        assert_true(u->stop_when_unneeded);
        unit_free(u);
}

/* ---- the test against a tree ---------------------------------------------------------------- */

struct tree {
        char dir[64];
        int fd;
};

static void mkfile(const char *dir, const char *rel, const char *content, mode_t mode) {
        _cleanup_free_ char *p = path_join(dir, rel);
        _cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, content, strlen(content)), (ssize_t) strlen(content));
}

static void mkdir_in(const char *dir, const char *rel) {
        _cleanup_free_ char *p = path_join(dir, rel);
        assert_int_equal(mkdir_p(p, 0755), 0);
}

static void symlink_in(const char *dir, const char *target, const char *rel) {
        _cleanup_free_ char *p = path_join(dir, rel);
        assert_int_equal(symlink(target, p), 0);
}

/* A tree: /etc/ssh/sshd_config, an empty /etc/empty file, /usr/sbin/sshd executable, an empty
 * /var/empty directory, /var/lib/clamav/daily.cld, /etc/passwd-link -> /etc/outside-only (an
 * absolute link that must resolve inside), an os-release. */
static int tree_setup(void **state) {
        struct tree *t = calloc(1, sizeof(*t));
        snprintf(t->dir, sizeof(t->dir), "/tmp/svc-cond-XXXXXX");
        assert_non_null(mkdtemp(t->dir));
        mkdir_in(t->dir, "etc/ssh");
        mkdir_in(t->dir, "usr/sbin");
        mkdir_in(t->dir, "var/empty");
        mkdir_in(t->dir, "var/lib/clamav");
        mkdir_in(t->dir, "var/only-hidden");
        mkfile(t->dir, "etc/ssh/sshd_config", "Port 22\n", 0644);
        mkfile(t->dir, "etc/empty", "", 0644);
        mkfile(t->dir, "usr/sbin/sshd", "#!/bin/sh\n", 0755);
        mkfile(t->dir, "var/lib/clamav/daily.cld", "x", 0644);
        mkfile(t->dir, "var/only-hidden/.keep", "", 0644);
        mkfile(t->dir, "var/only-hidden/conf.dpkg-old", "", 0644);
        mkfile(t->dir, "etc/os-release",
               "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12\"\n", 0644);
        symlink_in(t->dir, "/etc/ssh", "etc/ssh-link");
        symlink_in(t->dir, "/tmp", "etc/host-tmp");
        t->fd = open(t->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        assert_true(t->fd >= 0);
        *state = t;
        return 0;
}

static int tree_teardown(void **state) {
        struct tree *t = *state;
        _cleanup_free_ char *cmd = NULL;
        safe_close(t->fd);
        assert_true(asprintf(&cmd, "rm -rf '%s'", t->dir) > 0);
        assert_int_equal(system(cmd), 0);
        free(t);
        return 0;
}

static int check(const struct tree *t, enum condition_type type, const char *param, bool negate) {
        struct unit_condition c = { .type = type, .negate = negate, .parameter = (char *) param };
        struct condition_facts f = { .tree_fd = t->fd };
        return unit_condition_test(&c, &f);
}

static void test_conditions__path_kinds_in_the_tree(void **state) {
        const struct tree *t = *state;
        assert_int_equal(check(t, CONDITION_PATH_EXISTS, "/etc/ssh/sshd_config", false), 1);
        assert_int_equal(check(t, CONDITION_PATH_EXISTS, "/etc/ssh/sshd_not_to_be_run", false), 0);
        assert_int_equal(check(t, CONDITION_PATH_EXISTS, "/etc/ssh/sshd_not_to_be_run", true), 1);
        assert_int_equal(check(t, CONDITION_PATH_EXISTS, "/etc/empty/below", false), 0);
        assert_int_equal(check(t, CONDITION_PATH_IS_DIRECTORY, "/etc/ssh", false), 1);
        assert_int_equal(check(t, CONDITION_PATH_IS_DIRECTORY, "/etc/ssh-link", false), 1);
        assert_int_equal(check(t, CONDITION_PATH_IS_DIRECTORY, "/etc/empty", false), 0);
        assert_int_equal(check(t, CONDITION_PATH_IS_SYMBOLIC_LINK, "/etc/ssh-link", false), 1);
        assert_int_equal(check(t, CONDITION_PATH_IS_SYMBOLIC_LINK, "/etc/ssh", false), 0);
        assert_int_equal(check(t, CONDITION_FILE_NOT_EMPTY, "/etc/ssh/sshd_config", false), 1);
        assert_int_equal(check(t, CONDITION_FILE_NOT_EMPTY, "/etc/empty", false), 0);
        assert_int_equal(check(t, CONDITION_FILE_NOT_EMPTY, "/etc/ssh", false), 0);
        assert_int_equal(check(t, CONDITION_FILE_IS_EXECUTABLE, "/usr/sbin/sshd", false), 1);
        assert_int_equal(check(t, CONDITION_FILE_IS_EXECUTABLE, "/etc/ssh/sshd_config", false), 0);
        assert_int_equal(check(t, CONDITION_DIRECTORY_NOT_EMPTY, "/etc/ssh", false), 1);
        assert_int_equal(check(t, CONDITION_DIRECTORY_NOT_EMPTY, "/var/empty", false), 0);
        /* Hidden and backup files do not count, as in systemd. */
        assert_int_equal(check(t, CONDITION_DIRECTORY_NOT_EMPTY, "/var/only-hidden", false), 0);
        assert_int_equal(check(t, CONDITION_DIRECTORY_NOT_EMPTY, "/etc/empty", false), 0);
        assert_int_equal(check(t, CONDITION_PATH_IS_MOUNT_POINT, "/", false), 1);
        assert_int_equal(check(t, CONDITION_PATH_IS_MOUNT_POINT, "/etc", false), 0);
        assert_int_equal(check(t, CONDITION_PATH_IS_READ_WRITE, "/etc", false), 1);
}

/* An absolute symlink in the tree points into the tree, never at the host's file; ".." stops at
 * the tree's root. */
static void test_conditions__paths_never_leave_the_tree(void **state) {
        const struct tree *t = *state;
        /* /tmp exists on the host, and the tree's /etc/host-tmp points at "/tmp". */
        assert_int_equal(check(t, CONDITION_PATH_EXISTS, "/etc/host-tmp", false), 0);
        assert_int_equal(check(t, CONDITION_PATH_IS_DIRECTORY, "/etc/host-tmp", false), 0);
        assert_int_equal(check(t, CONDITION_PATH_EXISTS, "/../../etc/ssh/sshd_config", false), 1);
        assert_int_equal(check(t, CONDITION_PATH_EXISTS, "/proc/self", false), 0);
}

static void test_conditions__glob_with_braces(void **state) {
        const struct tree *t = *state;
        assert_int_equal(check(t, CONDITION_PATH_EXISTS_GLOB, "/var/lib/clamav/daily.{c[vl]d,inc}", false),
                         1);
        assert_int_equal(check(t, CONDITION_PATH_EXISTS_GLOB, "/var/lib/clamav/main.{c[vl]d,inc}", false), 0);
        assert_int_equal(check(t, CONDITION_PATH_EXISTS_GLOB, "/var/*/clamav/*.cld", false), 1);
        assert_int_equal(check(t, CONDITION_PATH_EXISTS_GLOB, "/etc/ssh/*_config", false), 1);
        assert_int_equal(check(t, CONDITION_PATH_EXISTS_GLOB, "/etc/ssh/*.pub", false), 0);
        /* A '*' does not match a leading dot, as glob(3). */
        assert_int_equal(check(t, CONDITION_PATH_EXISTS_GLOB, "/var/only-hidden/*keep", false), 0);
}

static void test_conditions__os_release_of_the_tree(void **state) {
        const struct tree *t = *state;
        assert_int_equal(check(t, CONDITION_OS_RELEASE, "ID=debian", false), 1);
        assert_int_equal(check(t, CONDITION_OS_RELEASE, "ID=debian VERSION_ID>=11", false), 1);
        assert_int_equal(check(t, CONDITION_OS_RELEASE, "VERSION_ID<12", false), 0);
        assert_int_equal(check(t, CONDITION_OS_RELEASE, "PRETTY_NAME$=Debian*", false), 1);
        assert_int_equal(check(t, CONDITION_OS_RELEASE, "ID!=debian", false), 0);
}

/* ---- the host's facts ------------------------------------------------------------------------ */

static int fact(const struct condition_facts *f, enum condition_type type, const char *param) {
        struct unit_condition c = { .type = type, .parameter = (char *) param };
        return unit_condition_test(&c, f);
}

static void test_conditions__host_facts(void **state _unused_) {
        char *env[] = { (char *) "LANG=C", (char *) "DEBUG=1", NULL };
        char *groups[] = { (char *) "root", (char *) "svc", NULL };
        char *security[] = { (char *) "apparmor", NULL };
        gid_t gids[] = { 0, 990 };
        struct condition_facts f = {
                .tree_fd = -EBADF,
                .virtualization = "kvm",
                .in_vm = true,
                .capability_bounding_set = 1ULL << 25 /* SYS_TIME */,
                .kernel_command_line = "BOOT_IMAGE=/vmlinuz root=/dev/vda1 quiet \"opt=a b\"",
                .architecture = "x86-64",
                .hostname = "Box1",
                .machine_id = "0123456789abcdef0123456789abcdef",
                .environment = env,
                .uid = 0,
                .user_name = "root",
                .gids = gids,
                .n_gids = 2,
                .group_names = groups,
                .memory = 2ULL << 30,
                .cpus = 2,
                .ac_power = true,
                .security = security,
                .kernel_release = "6.1.0-18-amd64",
        };
        assert_int_equal(fact(&f, CONDITION_VIRTUALIZATION, "yes"), 1);
        assert_int_equal(fact(&f, CONDITION_VIRTUALIZATION, "no"), 0);
        assert_int_equal(fact(&f, CONDITION_VIRTUALIZATION, "vm"), 1);
        assert_int_equal(fact(&f, CONDITION_VIRTUALIZATION, "container"), 0);
        assert_int_equal(fact(&f, CONDITION_VIRTUALIZATION, "kvm"), 1);
        assert_int_equal(fact(&f, CONDITION_CAPABILITY, "CAP_SYS_TIME"), 1);
        assert_int_equal(fact(&f, CONDITION_CAPABILITY, "CAP_SYS_ADMIN"), 0);
        assert_int_equal(fact(&f, CONDITION_KERNEL_COMMAND_LINE, "quiet"), 1);
        assert_int_equal(fact(&f, CONDITION_KERNEL_COMMAND_LINE, "root"), 1);
        assert_int_equal(fact(&f, CONDITION_KERNEL_COMMAND_LINE, "root=/dev/vda1"), 1);
        assert_int_equal(fact(&f, CONDITION_KERNEL_COMMAND_LINE, "root=/dev/sda1"), 0);
        assert_int_equal(fact(&f, CONDITION_KERNEL_COMMAND_LINE, "opt=a b"), 1);
        assert_int_equal(fact(&f, CONDITION_KERNEL_COMMAND_LINE, "roo"), 0);
        assert_int_equal(fact(&f, CONDITION_ARCHITECTURE, "x86-64"), 1);
        assert_int_equal(fact(&f, CONDITION_ARCHITECTURE, "arm64"), 0);
        assert_int_equal(fact(&f, CONDITION_HOST, "box*"), 1);
        assert_int_equal(fact(&f, CONDITION_HOST, "0123456789ABCDEF0123456789ABCDEF"), 1);
        assert_int_equal(fact(&f, CONDITION_HOST, "other"), 0);
        assert_int_equal(fact(&f, CONDITION_ENVIRONMENT, "DEBUG"), 1);
        assert_int_equal(fact(&f, CONDITION_ENVIRONMENT, "DEBUG=1"), 1);
        assert_int_equal(fact(&f, CONDITION_ENVIRONMENT, "DEBUG=0"), 0);
        assert_int_equal(fact(&f, CONDITION_ENVIRONMENT, "DEBU"), 0);
        assert_int_equal(fact(&f, CONDITION_USER, "root"), 1);
        assert_int_equal(fact(&f, CONDITION_USER, "0"), 1);
        assert_int_equal(fact(&f, CONDITION_USER, "@system"), 1);
        assert_int_equal(fact(&f, CONDITION_USER, "www-data"), 0);
        assert_int_equal(fact(&f, CONDITION_GROUP, "svc"), 1);
        assert_int_equal(fact(&f, CONDITION_GROUP, "990"), 1);
        assert_int_equal(fact(&f, CONDITION_GROUP, "adm"), 0);
        assert_int_equal(fact(&f, CONDITION_MEMORY, "1G"), 1);
        assert_int_equal(fact(&f, CONDITION_MEMORY, "> 4G"), 0);
        assert_int_equal(fact(&f, CONDITION_MEMORY, "<=2G"), 1);
        assert_int_equal(fact(&f, CONDITION_CPUS, ">1"), 1);
        assert_int_equal(fact(&f, CONDITION_CPUS, "!=2"), 0);
        assert_int_equal(fact(&f, CONDITION_AC_POWER, "true"), 1);
        assert_int_equal(fact(&f, CONDITION_SECURITY, "apparmor"), 1);
        assert_int_equal(fact(&f, CONDITION_SECURITY, "selinux"), 0);
        assert_int_equal(fact(&f, CONDITION_FIRST_BOOT, "no"), 1);
        assert_int_equal(fact(&f, CONDITION_KERNEL_VERSION, ">= 5.10"), 1);
        assert_int_equal(fact(&f, CONDITION_KERNEL_VERSION, "<6.1"), 0);
        assert_int_equal(fact(&f, CONDITION_KERNEL_VERSION, ">=6 <6.2"), 1);
        assert_int_equal(fact(&f, CONDITION_KERNEL_VERSION, "6.1.*"), 1);
        assert_int_equal(fact(&f, CONDITION_CREDENTIAL, "token"), 0);
        /* A path kind without a tree cannot be tested: it does not hold, negated or not. */
        struct unit_condition c = { .type = CONDITION_PATH_EXISTS,
                                    .negate = true,
                                    .parameter = (char *) "/x" };
        assert_true(unit_condition_test(&c, &f) < 0);
}

/* systemd's rules: every plain condition must hold; of the triggering ones, at least one. */
static void test_conditions__triggering_and_plain(void **state _unused_) {
        struct unit_condition items[] = {
                { .type = CONDITION_AC_POWER, .parameter = (char *) "true" },
                { .type = CONDITION_HOST, .trigger = true, .parameter = (char *) "a" },
                { .type = CONDITION_HOST, .trigger = true, .parameter = (char *) "b" },
        };
        struct condition_list l = { items, 3 };
        struct condition_facts f = { .tree_fd = -EBADF, .ac_power = true, .hostname = "b" };
        const struct unit_condition *failed = NULL;
        assert_true(unit_conditions_test(&l, &f, &failed));
        f.hostname = "c";
        assert_false(unit_conditions_test(&l, &f, &failed));
        assert_ptr_equal(failed, &items[2]);
        f.hostname = "a";
        f.ac_power = false;
        assert_false(unit_conditions_test(&l, &f, &failed));
        assert_ptr_equal(failed, &items[0]);
        struct condition_list empty = { NULL, 0 };
        assert_true(unit_conditions_test(&empty, &f, &failed));
}

static void test_conditions__architecture_names(void **state _unused_) {
        assert_string_equal(condition_architecture_from_uname("x86_64"), "x86-64");
        assert_string_equal(condition_architecture_from_uname("aarch64"), "arm64");
        assert_string_equal(condition_architecture_from_uname("armv7l"), "arm");
        assert_string_equal(condition_architecture_from_uname("i686"), "x86");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_conditions__prefixes_and_specifiers),
                cmocka_unit_test(test_conditions__empty_value_resets_every_condition),
                cmocka_unit_test(test_conditions__bad_values_are_errors),
                cmocka_unit_test(test_conditions__unknown_kind_is_refused_with_a_true_reason),
                cmocka_unit_test(test_conditions__dependency_keys_load),
                cmocka_unit_test_setup_teardown(test_conditions__path_kinds_in_the_tree, tree_setup,
                                                tree_teardown),
                cmocka_unit_test_setup_teardown(test_conditions__paths_never_leave_the_tree, tree_setup,
                                                tree_teardown),
                cmocka_unit_test_setup_teardown(test_conditions__glob_with_braces, tree_setup, tree_teardown),
                cmocka_unit_test_setup_teardown(test_conditions__os_release_of_the_tree, tree_setup,
                                                tree_teardown),
                cmocka_unit_test(test_conditions__host_facts),
                cmocka_unit_test(test_conditions__triggering_and_plain),
                cmocka_unit_test(test_conditions__architecture_names),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
