/* SPDX-License-Identifier: MIT */
/* units/config-hardening.c: the hardening keys of [Service], through unit_load_string(). */
#include <linux/capability.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "common/macro.h"
#include "common/util.h"
#include "units/unit.h"

#define SVC "[Service]\nExecStart=/bin/true\n"

static void print_diag(const struct unit_diag *d) {
        for (size_t i = 0; i < d->n; i++) {
                char *s = unit_diag_format(&d->items[i]);
                print_message("  diag: %s\n", s ? s : "(oom)");
                free(s);
        }
}

/* SVC then LINES must load; warnings are counted into *warnings when it is not NULL. */
static struct unit *load_lines(const char *lines, size_t *warnings) {
        _cleanup_free_ char *text = NULL;
        assert_true(asprintf(&text, SVC "%s", lines) > 0);
        struct unit_diag d = {};
        struct unit *u = NULL;
        int r = unit_load_string(text, "test.unit", "test", NULL, &u, &d);
        if (r != 0 || (!warnings && d.n > 0))
                print_diag(&d);
        assert_int_equal(r, 0);
        if (warnings)
                *warnings = d.n;
        else
                assert_int_equal(d.n, 0);
        unit_diag_clear(&d);
        return u;
}

/* SVC then LINES must be refused with an error at LINE containing GIST. */
static void expect_error(const char *lines, unsigned line, const char *gist) {
        _cleanup_free_ char *text = NULL;
        assert_true(asprintf(&text, SVC "%s", lines) > 0);
        struct unit_diag d = {};
        struct unit *u = NULL;
        int r = unit_load_string(text, "test.unit", "test", NULL, &u, &d);
        bool found = false;
        for (size_t i = 0; i < d.n; i++)
                found |= !d.items[i].warning && d.items[i].line == line && strstr(d.items[i].message, gist);
        if (r != -EINVAL || !found) {
                print_message("expected an error at line %u with '%s'\n", line, gist);
                print_diag(&d);
        }
        assert_int_equal(r, -EINVAL);
        assert_true(found);
        unit_diag_clear(&d);
}

/* The set of U's SystemCallFilter=, kept until the next call. */
static struct unit_syscall *set;
static size_t set_n;

static const struct unit_syscall *find_call(const struct unit *u, const char *name) {
        unit_syscalls_free(set, set_n);
        set = NULL;
        set_n = 0;
        assert_int_equal(unit_syscalls_expand(&u->hardening, &set, &set_n), 0);
        for (size_t i = 0; i < set_n; i++)
                if (streq(set[i].name, name))
                        return &set[i];
        return NULL;
}

static int teardown(void **state _unused_) {
        unit_syscalls_free(set, set_n);
        set = NULL;
        set_n = 0;
        return 0;
}

static void test_hardening__deny_list_expands_groups_with_errno(void **state _unused_) {
        struct unit *u = load_lines("SystemCallFilter=~ @clock @mount:EACCES uname:kill\n", NULL);
        assert_true(u->hardening.syscalls_set);
        assert_false(u->hardening.syscalls_allow);
        assert_int_equal(find_call(u, "settimeofday")->err, UNIT_SYSCALL_DEFAULT);
        assert_int_equal(find_call(u, "mount")->err, EACCES);
        assert_int_equal(find_call(u, "fsopen")->err, EACCES);
        assert_int_equal(find_call(u, "uname")->err, UNIT_SYSCALL_KILL);
        assert_null(find_call(u, "read"));
        assert_true(unit_hardening_wants_filter(&u->hardening));
        unit_free(u);
}

static void test_hardening__allow_list_includes_default_and_later_lines_merge(void **state _unused_) {
        struct unit *u = load_lines("SystemCallFilter=@basic-io\nSystemCallFilter=~write\n"
                                    "SystemCallFilter=uname\n",
                                    NULL);
        assert_true(u->hardening.syscalls_allow);
        assert_non_null(find_call(u, "read"));
        assert_null(find_call(u, "write"));
        assert_non_null(find_call(u, "uname"));
        assert_non_null(find_call(u, "execve")); /* @default */
        assert_non_null(find_call(u, "exit_group"));
        unit_free(u);
}

static void test_hardening__deny_list_lines_without_tilde_take_away(void **state _unused_) {
        struct unit *u = load_lines("SystemCallFilter=~@privileged\nSystemCallFilter=setuid chown\n", NULL);
        assert_false(u->hardening.syscalls_allow);
        assert_non_null(find_call(u, "capset"));
        assert_null(find_call(u, "setuid"));
        assert_null(find_call(u, "chown"));
        assert_non_null(find_call(u, "fchown"));
        unit_free(u);
}

static void test_hardening__empty_assignment_resets(void **state _unused_) {
        struct unit *u =
                load_lines("SystemCallFilter=~uname\nSystemCallFilter=\nSystemCallFilter=read\n", NULL);
        assert_true(u->hardening.syscalls_allow);
        assert_non_null(find_call(u, "read"));
        assert_null(find_call(u, "uname"));
        unit_free(u);
}

static void test_hardening__allow_list_errno_is_dropped_with_a_warning(void **state _unused_) {
        size_t warnings = 0;
        struct unit *u = load_lines("SystemCallFilter=read uname:EPERM\n", &warnings);
        assert_int_equal(warnings, 1);
        assert_null(find_call(u, "uname"));
        assert_non_null(find_call(u, "read"));
        unit_free(u);
}

static void test_hardening__unit_keeps_the_words_not_the_set(void **state _unused_) {
        struct unit *u = load_lines("SystemCallFilter=@system-service\nSystemCallFilter=~uname\n", NULL);
        assert_int_equal(u->hardening.n_syscall_ops, 2);
        assert_null(find_call(u, "uname"));
        assert_true(set_n > 300);
        unit_free(u);
}

static void test_hardening__bad_filter_values(void **state _unused_) {
        expect_error("SystemCallFilter=@nope\n", 3, "unknown system call group @nope");
        expect_error("SystemCallFilter=~uname:EWHAT\n", 3, "expected an errno name or 0..4095");
        expect_error("SystemCallFilter=~Bad-Name\n", 3, "is not a system call name");
        expect_error("SystemCallFilter=@known\nSystemCallFilter=~read\n", 4,
                     "cannot take read out of @known");
}

static void test_hardening__error_number(void **state _unused_) {
        struct unit *u = load_lines("SystemCallErrorNumber=EUCLEAN\n", NULL);
        assert_int_equal(u->hardening.syscall_errno, EUCLEAN);
        unit_free(u);
        u = load_lines("SystemCallErrorNumber=13\nSystemCallErrorNumber=kill\n", NULL);
        assert_int_equal(u->hardening.syscall_errno, 0);
        unit_free(u);
        expect_error("SystemCallErrorNumber=log\n", 3, "would let the filtered system calls through");
        expect_error("SystemCallErrorNumber=0\n", 3, "expected an errno name");
        expect_error("SystemCallErrorNumber=5000\n", 3, "expected an errno name");
}

static void test_hardening__architectures(void **state _unused_) {
        struct unit *u =
                load_lines("SystemCallArchitectures=native\nSystemCallArchitectures=x86 native\n", NULL);
        assert_int_equal(strv_length(u->hardening.syscall_archs), 2);
        assert_true(strv_contains(u->hardening.syscall_archs, "x86"));
        assert_true(unit_hardening_wants_filter(&u->hardening));
        unit_free(u);
        expect_error("SystemCallArchitectures=vax\n", 3, "unknown architecture vax");
}

static bool has_family(const struct unit *u, int af) {
        for (size_t i = 0; i < u->hardening.n_families; i++)
                if (u->hardening.families[i] == af)
                        return true;
        return false;
}

static void test_hardening__address_families(void **state _unused_) {
        struct unit *u = load_lines("RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6\n"
                                    "RestrictAddressFamilies=~AF_INET6\n",
                                    NULL);
        assert_true(u->hardening.families_set);
        assert_true(u->hardening.families_allow);
        assert_true(has_family(u, AF_UNIX) && has_family(u, AF_INET));
        assert_false(has_family(u, AF_INET6));
        unit_free(u);
        u = load_lines("RestrictAddressFamilies=none\n", NULL);
        assert_true(u->hardening.families_set && u->hardening.families_allow);
        assert_int_equal(u->hardening.n_families, 0);
        unit_free(u);
        u = load_lines("RestrictAddressFamilies=~AF_PACKET\nRestrictAddressFamilies=\n", NULL);
        assert_false(u->hardening.families_set);
        assert_false(unit_hardening_wants_filter(&u->hardening));
        unit_free(u);
        expect_error("RestrictAddressFamilies=AF_UNIX AF_BOGUS\n", 3, "unknown address family AF_BOGUS");
}

static void test_hardening__booleans(void **state _unused_) {
        struct unit *u = load_lines("MemoryDenyWriteExecute=yes\nRestrictRealtime=true\nRestrictSUIDSGID=1\n"
                                    "LockPersonality=on\n",
                                    NULL);
        const struct unit_hardening *h = &u->hardening;
        assert_true(h->memory_deny_write_execute && h->restrict_realtime && h->restrict_suid_sgid &&
                    h->lock_personality);
        unit_free(u);
        u = load_lines("LockPersonality=no\nRestrictRealtime=no\n", NULL);
        assert_false(unit_hardening_wants_filter(&u->hardening));
        unit_free(u);
}

static void test_hardening__restrict_namespaces(void **state _unused_) {
        unit_free(load_lines("RestrictNamespaces=yes\nRestrictNamespaces=~user net\n", NULL));
        size_t warnings = 0;
        unit_free(load_lines("RestrictNamespaces=net ipc\n", &warnings));
        assert_int_equal(warnings, 1);
        unit_free(load_lines("RestrictNamespaces=no\n", &warnings));
        assert_int_equal(warnings, 1);
        expect_error("RestrictNamespaces=~net bogus\n", 3, "unknown namespace type bogus");
}

static void test_hardening__protect_keys_take_capabilities(void **state _unused_) {
        struct unit *u =
                load_lines("CapabilityBoundingSet=CAP_SYS_TIME CAP_WAKE_ALARM CAP_SYSLOG CAP_CHOWN\n"
                           "AmbientCapabilities=CAP_SYSLOG\nProtectClock=yes\nProtectKernelLogs=yes\n",
                           NULL);
        assert_int_equal(u->capability_bounding_set, 1ULL << CAP_CHOWN);
        assert_int_equal(u->ambient_capabilities, 0);
        unit_free(u);
        u = load_lines("CapabilityBoundingSet=CAP_SYS_TIME\nProtectClock=\n", NULL);
        assert_int_equal(u->capability_bounding_set, 1ULL << CAP_SYS_TIME);
        unit_free(u);
        expect_error("ProtectClock=no\n", 3, "svc cannot relax that yet");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_hardening__deny_list_expands_groups_with_errno),
                cmocka_unit_test(test_hardening__allow_list_includes_default_and_later_lines_merge),
                cmocka_unit_test(test_hardening__deny_list_lines_without_tilde_take_away),
                cmocka_unit_test(test_hardening__empty_assignment_resets),
                cmocka_unit_test(test_hardening__allow_list_errno_is_dropped_with_a_warning),
                cmocka_unit_test(test_hardening__unit_keeps_the_words_not_the_set),
                cmocka_unit_test(test_hardening__bad_filter_values),
                cmocka_unit_test(test_hardening__error_number),
                cmocka_unit_test(test_hardening__architectures),
                cmocka_unit_test(test_hardening__address_families),
                cmocka_unit_test(test_hardening__booleans),
                cmocka_unit_test(test_hardening__restrict_namespaces),
                cmocka_unit_test(test_hardening__protect_keys_take_capabilities),
        };
        return cmocka_run_group_tests(tests, NULL, teardown);
}
