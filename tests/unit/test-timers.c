/* SPDX-License-Identifier: MIT */
/* units/: timer files (NAME.timer, [Timer]) loaded into a struct unit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/macro.h"
#include "units/unit.h"

/* Loads TEXT as timer NAME; 0 and the unit, or <0 with the first error in *ret_error. */
static int load(const char *name, const char *text, struct unit **ret, char **ret_error) {
        struct unit_diag d = { 0 };
        char file[256];
        snprintf(file, sizeof(file), "/u/%s", name);
        int r = unit_load_string(text, file, name, NULL, ret, &d);
        *ret_error = NULL;
        for (size_t i = 0; i < d.n && !*ret_error; i++)
                if (!d.items[i].warning)
                        *ret_error = unit_diag_format(&d.items[i]);
        unit_diag_clear(&d);
        return r;
}

static void expect_refused(const char *name, const char *text, const char *want) {
        struct unit *u = NULL;
        _cleanup_free_ char *err = NULL;
        assert_int_equal(load(name, text, &u, &err), -EINVAL);
        assert_null(u);
        assert_non_null(err);
        if (!strstr(err, want))
                print_message("expected '%s' in: %s\n", want, err);
        assert_non_null(strstr(err, want));
}

static void test_timers__certbot_loads_as_shipped(void **state _unused_) {
        _cleanup_(unit_freep) struct unit *u = NULL;
        _cleanup_free_ char *err = NULL;
        assert_int_equal(load("certbot.timer",
                              "[Unit]\nDescription=Run certbot twice daily\n\n[Timer]\n"
                              "OnCalendar=*-*-* 00,12:00:00\nRandomizedDelaySec=43200\nPersistent=true\n\n"
                              "[Install]\nWantedBy=timers.target\n",
                              &u, &err),
                         0);
        assert_int_equal(u->kind, UNIT_KIND_TIMER);
        assert_string_equal(u->name, "certbot.timer");
        assert_string_equal(u->timer.unit, "certbot");
        assert_int_equal(u->timer.n_calendar, 1);
        assert_true(u->timer.persistent);
        assert_int_equal(u->timer.randomized_delay_usec, 43200 * USEC_PER_SEC);
        assert_int_equal(u->timer.accuracy_usec, 60 * USEC_PER_SEC);
        _cleanup_free_ char *form = NULL;
        assert_int_equal(calendar_spec_format(u->timer.calendar[0], &form), 0);
        assert_string_equal(form, "*-*-* 00,12:00:00");
}

static void test_timers__monotonic_keys_and_unit(void **state _unused_) {
        _cleanup_(unit_freep) struct unit *u = NULL;
        _cleanup_free_ char *err = NULL;
        assert_int_equal(
                load("x.timer",
                     "[Timer]\nOnBootSec=15min\nOnUnitActiveSec=1w\nUnit=backup.service\nAccuracySec=0\n", &u,
                     &err),
                0);
        assert_int_equal(u->timer.n_monotonic, 2);
        assert_int_equal(u->timer.monotonic[0].base, TIMER_BOOT);
        assert_int_equal(u->timer.monotonic[0].usec, 15 * 60 * USEC_PER_SEC);
        assert_int_equal(u->timer.monotonic[1].base, TIMER_UNIT_ACTIVE);
        assert_string_equal(u->timer.unit, "backup");
        assert_int_equal(u->timer.accuracy_usec, 1);
}

static void test_timers__empty_assignment_resets_every_trigger(void **state _unused_) {
        _cleanup_(unit_freep) struct unit *u = NULL;
        _cleanup_free_ char *err = NULL;
        assert_int_equal(load("x.timer",
                              "[Timer]\nOnCalendar=daily\nOnActiveSec=1s\nOnCalendar=\nOnCalendar=weekly\n",
                              &u, &err),
                         0);
        assert_int_equal(u->timer.n_monotonic, 0);
        assert_int_equal(u->timer.n_calendar, 1);
}

static void test_timers__instance_specifiers(void **state _unused_) {
        _cleanup_(unit_freep) struct unit *u = NULL;
        _cleanup_free_ char *err = NULL;
        assert_int_equal(load("pg_dump@15-main.timer",
                              "[Unit]\nDescription=dump %i of %n (%N)\n[Timer]\nOnCalendar=weekly\n", &u,
                              &err),
                         0);
        assert_string_equal(u->description, "dump 15-main of pg_dump@15-main.timer (pg_dump@15-main)");
        assert_string_equal(u->timer.unit, "pg_dump@15-main");
}

static void test_timers__bad_calendar_is_refused_with_file_and_line(void **state _unused_) {
        expect_refused("x.timer", "[Unit]\nDescription=x\n[Timer]\nOnCalendar=*-*-* 25:00\n",
                       "/u/x.timer:4: OnCalendar=*-*-* 25:00 is not a calendar event systemd accepts");
        expect_refused("x.timer", "[Timer]\nOnCalendar=Mon..\n", "/u/x.timer:2: OnCalendar=Mon..");
        expect_refused("x.timer", "[Timer]\nOnCalendar=daily Mars/Olympus\n", "/u/x.timer:2:");
        expect_refused("x.timer", "[Timer]\nOnActiveSec=soon\n", "/u/x.timer:2: OnActiveSec=soon");
}

static void test_timers__refusals(void **state _unused_) {
        expect_refused("x.timer", "[Unit]\nDescription=x\n", "a timer needs OnCalendar=");
        expect_refused("x.timer", "[Timer]\nOnCalendar=daily\n[Service]\nExecStart=/bin/true\n",
                       "/u/x.timer:3: [Service] does not belong in a timer");
        expect_refused("x.timer", "[Timer]\nOnCalendar=daily\nUnit=multi-user.target\n",
                       "Unit=multi-user.target is a target unit");
        expect_refused("x.timer", "[Timer]\nOnCalendar=daily\nUnit=y.timer\n", "is a timer unit");
        expect_refused("x.timer", "[Timer]\nOnCalendar=daily\nExecStart=/bin/true\n", "belongs in [Service]");
}

static void test_timers__unhonoured_keys_warn(void **state _unused_) {
        _cleanup_(unit_freep) struct unit *u = NULL;
        struct unit_diag d = { 0 };
        assert_int_equal(unit_load_string("[Timer]\nOnCalendar=daily\nWakeSystem=yes\n", "x.timer", "x.timer",
                                          NULL, &u, &d),
                         0);
        assert_int_equal(d.n, 1);
        assert_true(d.items[0].warning);
        assert_non_null(strstr(d.items[0].message, "does not wake the system from suspend"));
        unit_diag_clear(&d);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_timers__certbot_loads_as_shipped),
                cmocka_unit_test(test_timers__monotonic_keys_and_unit),
                cmocka_unit_test(test_timers__empty_assignment_resets_every_trigger),
                cmocka_unit_test(test_timers__instance_specifiers),
                cmocka_unit_test(test_timers__bad_calendar_is_refused_with_file_and_line),
                cmocka_unit_test(test_timers__refusals),
                cmocka_unit_test(test_timers__unhonoured_keys_warn),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
