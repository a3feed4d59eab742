/* SPDX-License-Identifier: MIT */
/* units/calendar.c: parsing and the next elapse of calendar events, against systemd-analyze on
 * this machine as the oracle (tests/calendar-corpus.txt), plus a few behaviours on their own. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>

#include <cmocka.h>

#include "common/macro.h"
#include "common/util.h"
#include "units/unit.h"

static char *source_path(const char *rel) {
        const char *self = __FILE__, *tail = strstr(self, "tests/unit/test-calendar.c");
        char *p = NULL;
        assert_non_null(tail);
        assert_true(asprintf(&p, "%.*s%s", (int) (tail - self), self, rel) > 0);
        return p;
}

static void set_tz(const char *tz) {
        assert_int_equal(setenv("TZ", tz, 1), 0);
        tzset();
}

static uint64_t next_of(const char *text, uint64_t after) {
        _cleanup_(calendar_spec_freep) struct calendar_spec *c = NULL;
        uint64_t next = 0;
        assert_int_equal(calendar_spec_parse(text, &c), 0);
        assert_int_equal(calendar_spec_next(c, after, &next), 0);
        return next;
}

static void test_calendar__daily_is_next_midnight(void **state _unused_) {
        set_tz("UTC");
        /* 2024-06-15 12:00:00 UTC -> 2024-06-16 00:00:00 UTC */
        assert_int_equal(next_of("daily", 1718452800ULL * USEC_PER_SEC), 1718496000ULL * USEC_PER_SEC);
        /* exactly at an elapse: the next one, strictly after */
        assert_int_equal(next_of("daily", 1718496000ULL * USEC_PER_SEC), 1718582400ULL * USEC_PER_SEC);
}

static void test_calendar__fraction_of_a_second(void **state _unused_) {
        set_tz("UTC");
        assert_int_equal(next_of("*:*:0/0.25", 1718452800ULL * USEC_PER_SEC),
                         1718452800ULL * USEC_PER_SEC + 250000);
}

static void test_calendar__zone_does_not_leak(void **state _unused_) {
        set_tz("America/New_York");
        (void) next_of("*-*-* 02:30 Europe/Berlin", 1718452800ULL * USEC_PER_SEC);
        assert_string_equal(getenv("TZ"), "America/New_York");
        time_t t = 1718452800;
        struct tm tm;
        localtime_r(&t, &tm);
        assert_int_equal(tm.tm_hour, 8); /* 12:00 UTC is 08:00 EDT */
}

static void test_calendar__refusals(void **state _unused_) {
        static const char *const bad[] = {
                "",        "*-*-* 25:00", "Mon..",      "*:0/0",
                "1:2:3:4", "*-02~29",     "2200-01-01", "*-*-* 12:00 Nowhere/City"
        };
        set_tz("UTC");
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                struct calendar_spec *c = NULL;
                assert_int_equal(calendar_spec_parse(bad[i], &c), -EINVAL);
                assert_null(c);
        }
}

/* ---- the oracle --------------------------------------------------------------------------- */

/* Runs systemd-analyze calendar for EXPR under TZ; its stdout, or NULL when it refused. */
static char *oracle(const char *tz, const char *base, unsigned iterations, const char *expr) {
        int p[2];
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                char it[32], bt[64];
                snprintf(it, sizeof(it), "--iterations=%u", iterations);
                snprintf(bt, sizeof(bt), "--base-time=%s", base);
                dup2(p[1], STDOUT_FILENO);
                int null = open("/dev/null", O_WRONLY);
                dup2(null, STDERR_FILENO);
                setenv("TZ", tz, 1);
                setenv("SYSTEMD_COLORS", "0", 1);
                execlp("systemd-analyze", "systemd-analyze", "calendar", it, bt, "--", expr, (char *) NULL);
                _exit(127);
        }
        close(p[1]);
        char *out = NULL;
        size_t size = 0, n = 0;
        FILE *f = open_memstream(&out, &size);
        assert_non_null(f);
        char buf[4096];
        ssize_t k;
        while ((k = read(p[0], buf, sizeof(buf))) > 0)
                n += fwrite(buf, 1, (size_t) k, f);
        fclose(f);
        close(p[0]);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) != 127);
        if (WEXITSTATUS(status) != 0) {
                free(out);
                return NULL;
        }
        return out;
}

/* The oracle's answer reduced to ours: "Normalized form: X" then one UTC time per line, or
 * "never". */
static char *oracle_reduced(const char *out, bool utc_zone) {
        char *res = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&res, &size);
        assert_non_null(f);
        for (const char *l = out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
                const char *s = l + strspn(l, " ");
                int n = (int) strcspn(s, "\n");
                const char *colon = memchr(s, ':', (size_t) n);
                if (!colon)
                        continue;
                const char *v = colon + 2;
                int vn = n - (int) (v - s);
                if (strneq(s, "Normalized form:", 16))
                        fprintf(f, "Normalized form: %.*s\n", vn, v);
                else if (strneq(v, "never", 5))
                        fprintf(f, "never\n");
                else if (utc_zone ? strneq(s, "Next elapse:", 12) || strneq(s, "Iter. #", 7)
                                  : strneq(s, "(in UTC):", 9))
                        fprintf(f, "%.*s\n", vn, v);
        }
        fclose(f);
        return res;
}

static char *ours(const char *tz, uint64_t base, unsigned iterations, const char *expr) {
        _cleanup_(calendar_spec_freep) struct calendar_spec *c = NULL;
        set_tz(tz);
        if (calendar_spec_parse(expr, &c) < 0)
                return NULL;
        char *res = NULL, *form = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&res, &size);
        assert_non_null(f);
        assert_int_equal(calendar_spec_format(c, &form), 0);
        fprintf(f, "Normalized form: %s\n", form);
        free(form);
        uint64_t t = base * USEC_PER_SEC;
        for (unsigned i = 0; i < iterations; i++) {
                if (calendar_spec_next(c, t, &t) < 0) {
                        if (i == 0) /* systemd-analyze says "never" for the first one only */
                                fprintf(f, "never\n");
                        break;
                }
                time_t s = (time_t) (t / USEC_PER_SEC);
                struct tm tm;
                char when[64];
                strftime(when, sizeof(when), "%a %Y-%m-%d %H:%M:%S UTC", gmtime_r(&s, &tm));
                fprintf(f, "%s\n", when);
        }
        fclose(f);
        return res;
}

static void test_calendar__matches_systemd_analyze(void **state _unused_) {
        _cleanup_free_ char *path = source_path("tests/calendar-corpus.txt"), *text = NULL;
        assert_int_equal(read_full_file(path, &text, NULL), 0);
        char tz[64] = "UTC", base[32] = "@0";
        unsigned iterations = 3, checked = 0, failed = 0;

        for (char *l = text, *e; l && *l; l = e ? e + 1 : NULL) {
                e = strchr(l, '\n');
                if (e)
                        *e = '\0';
                if (*l == '#' || *l == '\0')
                        continue;
                if (sscanf(l, "tz=%63s", tz) == 1 || sscanf(l, "base=%31s", base) == 1 ||
                    sscanf(l, "iterations=%u", &iterations) == 1)
                        continue;
                _cleanup_free_ char *out = oracle(tz, base, iterations, l);
                _cleanup_free_ char *want = out ? oracle_reduced(out, streq(tz, "UTC")) : NULL;
                _cleanup_free_ char *got = ours(tz, strtoull(base + 1, NULL, 10), iterations, l);
                checked++;
                if ((!want && !got) || (want && got && streq(want, got)))
                        continue;
                failed++;
                print_message("'%s' (TZ=%s, base %s):\n  systemd-analyze: %s\n  svc:             %s\n", l, tz,
                              base, want ? want : "refused\n", got ? got : "refused\n");
        }
        print_message("%u expressions compared with systemd-analyze, %u differ\n", checked, failed);
        assert_true(checked >= 100);
        assert_int_equal(failed, 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_calendar__daily_is_next_midnight),
                cmocka_unit_test(test_calendar__fraction_of_a_second),
                cmocka_unit_test(test_calendar__zone_does_not_leak),
                cmocka_unit_test(test_calendar__refusals),
                cmocka_unit_test(test_calendar__matches_systemd_analyze),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
