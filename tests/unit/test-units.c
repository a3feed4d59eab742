/* SPDX-License-Identifier: MIT */
/* units/: the unit-file format, through its public entry points, no mocks. */
#include <dirent.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/capability.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/macro.h"
#include "common/util.h"
#include "units/svcd-conf.h"
#include "units/unit.h"

#define MS 1000ULL
#define SEC 1000000ULL

/* A minimal valid [Service]; tests append lines after it (line 3 onwards). */
#define SVC "[Service]\nExecStart=/bin/true\n"

/* ---- helpers ------------------------------------------------------------------------------- */

static int load_as(const char *text, const char *name, struct unit **ret, struct unit_diag *d) {
        return unit_load_string(text, "test.unit", name, NULL, ret, d);
}

static int load(const char *text, struct unit **ret, struct unit_diag *d) {
        return load_as(text, "test", ret, d);
}

static bool diag_has(const struct unit_diag *d, bool warning, const char *file, unsigned line,
                     const char *gist) {
        for (size_t i = 0; i < d->n; i++) {
                const struct unit_diag_item *it = &d->items[i];
                if (it->warning == warning && it->line == line && strstr(it->message, gist) &&
                    (!file || (it->file && streq(it->file, file))))
                        return true;
        }
        return false;
}

static size_t diag_count(const struct unit_diag *d, bool warning) {
        size_t n = 0;
        for (size_t i = 0; i < d->n; i++)
                n += d->items[i].warning == warning;
        return n;
}

static void print_diag(const struct unit_diag *d) {
        for (size_t i = 0; i < d->n; i++) {
                char *s = unit_diag_format(&d->items[i]);
                print_message("  diag: %s\n", s ? s : "(oom)");
                free(s);
        }
}

/* TEXT must load with no diagnostic at all. */
static struct unit *load_clean(const char *text) {
        struct unit_diag d = {};
        struct unit *u = NULL;
        int r = load(text, &u, &d);
        if (r != 0 || d.n != 0)
                print_diag(&d);
        assert_int_equal(r, 0);
        assert_int_equal(d.n, 0);
        unit_diag_clear(&d);
        return u;
}

/* TEXT must load, possibly with warnings. */
static struct unit *load_ok(const char *text) {
        struct unit_diag d = {};
        struct unit *u = NULL;
        int r = load(text, &u, &d);
        if (r != 0)
                print_diag(&d);
        assert_int_equal(r, 0);
        assert_int_equal(diag_count(&d, false), 0);
        unit_diag_clear(&d);
        return u;
}

/* TEXT must be refused with an error at LINE whose message contains GIST. */
static void expect_error(const char *text, unsigned line, const char *gist) {
        struct unit_diag d = {};
        struct unit *u = NULL;
        int r = load(text, &u, &d);
        bool found = diag_has(&d, false, "test.unit", line, gist);
        if (r != -EINVAL || !found) {
                print_message("expected error at line %u with '%s'\n", line, gist);
                print_diag(&d);
        }
        assert_int_equal(r, -EINVAL);
        assert_null(u);
        assert_true(found);
        unit_diag_clear(&d);
}

/* TEXT must load with a warning at LINE whose message contains GIST. */
static void expect_warning(const char *text, unsigned line, const char *gist) {
        struct unit_diag d = {};
        struct unit *u = NULL;
        int r = load(text, &u, &d);
        bool found = diag_has(&d, true, "test.unit", line, gist);
        if (r != 0 || !found)
                print_diag(&d);
        assert_int_equal(r, 0);
        assert_true(found);
        assert_int_equal(diag_count(&d, false), 0);
        unit_free(u);
        unit_diag_clear(&d);
}

/* SVC followed by "KEY=VALUE" must be refused at line 3 with GIST. */
static void expect_bad_value(const char *key, const char *value, const char *gist) {
        _cleanup_free_ char *text = NULL;
        assert_true(asprintf(&text, SVC "%s=%s\n", key, value) > 0);
        expect_error(text, 3, gist);
}

/* SVC followed by LINES, loaded with at most warnings. */
static struct unit *load_svc(const char *lines) {
        _cleanup_free_ char *text = NULL;
        assert_true(asprintf(&text, SVC "%s", lines) > 0);
        return load_ok(text);
}

static void assert_strv(char **l, ...) {
        va_list ap;
        size_t i = 0;
        va_start(ap, l);
        for (const char *s; (s = va_arg(ap, const char *)); i++) {
                assert_non_null(l);
                assert_non_null(l[i]);
                assert_string_equal(l[i], s);
        }
        va_end(ap);
        assert_true(l == NULL ? i == 0 : l[i] == NULL);
}

static char **strv_make(const char *first, ...) {
        char **l = calloc(1, sizeof(char *));
        va_list ap;
        assert_non_null(l);
        va_start(ap, first);
        for (const char *s = first; s; s = va_arg(ap, const char *))
                assert_int_equal(strv_extend(&l, s), 0);
        va_end(ap);
        return l;
}

/* A temporary directory of unit files, removed by rm_rf(). */
static char *mktemp_dir(void) {
        char *d = strdup("/tmp/test-units-XXXXXX");
        assert_non_null(d);
        assert_non_null(mkdtemp(d));
        return d;
}

static void write_file(const char *dir, const char *rel, const char *text) {
        _cleanup_free_ char *p = path_join(dir, rel);
        _cleanup_free_ char *parent = strdup(p);
        *strrchr(parent, '/') = '\0';
        assert_int_equal(mkdir_p(parent, 0755), 0);
        FILE *f = fopen(p, "we");
        assert_non_null(f);
        assert_int_equal(fputs(text, f) >= 0, 1);
        assert_int_equal(fclose(f), 0);
}

static int rm_one(const char *p, const struct stat *st _unused_, int flag _unused_,
                  struct FTW *ftw _unused_) {
        return remove(p);
}

static void rm_rf(char *dir) {
        assert_int_equal(nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
        free(dir);
}

/* ---- syntax -------------------------------------------------------------------------------- */

static void test_units__continuation_joins_lines_with_a_space(void **state _unused_) {
        struct unit *u = load_clean("[Unit]\nDescription=one \\\n  two\n" SVC);
        /* systemd: the backslash becomes a space, the next line is appended as it is. */
        assert_string_equal(u->description, "one    two");
        unit_free(u);
}

static void test_units__continuation_skips_comment_lines(void **state _unused_) {
        struct unit *u = load_clean("[Unit]\nDescription=a\\\n# not here\n ; nor here\nb\n" SVC);
        assert_string_equal(u->description, "a b");
        unit_free(u);
}

static void test_units__continuation_error_names_first_physical_line(void **state _unused_) {
        expect_error(SVC "RestartSec=5\\\n  never\n", 3, "RestartSec=");
        /* And the line count goes on right after it. */
        expect_error(SVC "A=\\\nb\\\nc\nRestart=bogus\n", 6, "Restart=bogus");
}

static void test_units__comment_ending_in_backslash_does_not_continue(void **state _unused_) {
        struct unit *u = load_clean("[Unit]\n# comment \\\nDescription=kept\n" SVC);
        assert_string_equal(u->description, "kept");
        unit_free(u);
}

static void test_units__even_backslashes_do_not_continue(void **state _unused_) {
        struct unit *u = load_clean("[Unit]\nDescription=a\\\\\nDocumentation=b\n" SVC);
        assert_string_equal(u->description, "a\\\\");
        assert_strv(u->documentation, "b", NULL);
        unit_free(u);
}

static void test_units__continuation_at_end_of_file(void **state _unused_) {
        struct unit *u = load_clean(SVC "[Unit]\nDescription=last\\");
        assert_string_equal(u->description, "last");
        unit_free(u);
}

static void test_units__empty_line_ends_continuation(void **state _unused_) {
        struct unit *u = load_clean("[Unit]\nDescription=x \\\n\nDocumentation=y\n" SVC);
        assert_string_equal(u->description, "x");
        assert_strv(u->documentation, "y", NULL);
        unit_free(u);
}

static void test_units__comments_only_at_line_start(void **state _unused_) {
        struct unit *u =
                load_clean("# top\n; also\n[Unit]\n   # indented comment\nDescription=a # b ; c\n" SVC);
        assert_string_equal(u->description, "a # b ; c");
        unit_free(u);
}

static void test_units__semicolon_inside_values_is_kept(void **state _unused_) {
        struct unit *u = load_clean("[Service]\nExecStart=/bin/sh -c 'a ; b'\n");
        assert_strv(u->exec_start.items[0].argv, "/bin/sh", "-c", "a ; b", NULL);
        unit_free(u);
}

static void test_units__name_colon_value_is_refused(void **state _unused_) {
        expect_error(SVC "Restart: always\n", 3, "not systemd syntax: write Restart=value");
        expect_error("[Unit]\nDescription: a=b\n" SVC, 2, "not systemd syntax");
}

static void test_units__line_without_equals_is_refused(void **state _unused_) {
        expect_error(SVC "ExecStart\n", 3, "expected Key=value");
        expect_error(SVC "=value\n", 3, "without a key");
}

static void test_units__assignment_before_any_section_is_refused(void **state _unused_) {
        expect_error("Description=x\n" SVC, 1, "before any section header");
}

static void test_units__invalid_section_header_is_refused(void **state _unused_) {
        expect_error(SVC "[Service\nRestart=no\n", 3, "invalid section header");
        expect_error(SVC "[Unit] trailing\n", 3, "invalid section header");
        /* The keys under a broken header are skipped, not reported a second time. */
        struct unit_diag d = {};
        struct unit *u = NULL;
        assert_int_equal(load(SVC "[Unit\nBogus=1\n", &u, &d), -EINVAL);
        assert_int_equal(d.n, 1);
        unit_diag_clear(&d);
}

static void test_units__long_lines_are_read_whole(void **state _unused_) {
        size_t n = 300 * 1024;
        char *big = malloc(n + 1);
        assert_non_null(big);
        memset(big, 'x', n);
        big[n] = '\0';
        _cleanup_free_ char *text = NULL;
        assert_true(asprintf(&text,
                             "[Unit]\nDescription=%s\n[Service]\nExecStart=/bin/echo %s end\nRestart=bogus\n",
                             big, big) > 0);
        struct unit_diag d = {};
        struct unit *u = NULL;
        /* The line after the long ones still has the right number. */
        assert_int_equal(load(text, &u, &d), -EINVAL);
        assert_true(diag_has(&d, false, "test.unit", 5, "Restart=bogus"));
        unit_diag_clear(&d);
        text[strlen(text) - strlen("Restart=bogus\n")] = '\0';
        u = load_clean(text);
        assert_int_equal(strlen(u->description), n);
        assert_int_equal(strlen(u->exec_start.items[0].argv[1]), n);
        assert_string_equal(u->exec_start.items[0].argv[2], "end");
        unit_free(u);
        free(big);
}

static void test_units__whitespace_around_equals_is_ignored(void **state _unused_) {
        struct unit *u = load_clean("[Unit]\n  Description   =   hello world   \n" SVC);
        assert_string_equal(u->description, "hello world");
        unit_free(u);
}

static void test_units__crlf_line_endings(void **state _unused_) {
        struct unit *u = load_clean("[Unit]\r\nDescription=dos\r\n[Service]\r\nExecStart=/bin/true\r\n");
        assert_string_equal(u->description, "dos");
        assert_string_equal(u->exec_start.items[0].path, "/bin/true");
        unit_free(u);
}

static void test_units__byte_order_mark_is_skipped(void **state _unused_) {
        struct unit *u = load_clean("\xef\xbb\xbf[Unit]\nDescription=bom\n" SVC);
        assert_string_equal(u->description, "bom");
        unit_free(u);
}

static void test_units__nul_byte_is_refused(void **state _unused_) {
        static const char text[] = "[Service]\nExecStart=/bin/true\nDescription=a\0b\n";
        struct unit_diag d = {};
        struct unit *u = NULL;
        _cleanup_free_ char *dir = mktemp_dir();
        _cleanup_free_ char *p = path_join(dir, "nul.unit");
        FILE *f = fopen(p, "we");
        assert_non_null(f);
        assert_int_equal(fwrite(text, 1, sizeof(text) - 1, f), sizeof(text) - 1);
        fclose(f);
        assert_int_equal(unit_load_file(p, NULL, &u, &d), -EINVAL);
        assert_true(diag_has(&d, false, p, 3, "NUL byte"));
        unit_diag_clear(&d);
        rm_rf(TAKE_PTR(dir));
}

static void test_units__repeated_list_keys_append(void **state _unused_) {
        struct unit *u = load_clean("[Unit]\nAfter=a\nAfter=b c\nWants=a\nWants=a\n" SVC);
        assert_strv(u->after, "a", "b", "c", NULL);
        assert_strv(u->wants, "a", NULL);
        unit_free(u);
}

static void test_units__empty_assignment_resets_a_list(void **state _unused_) {
        struct unit *u = load_clean("[Unit]\nAfter=a b\nAfter=\nAfter=c\nBefore=x\nBefore=\n" SVC);
        assert_strv(u->after, "c", NULL);
        assert_strv(u->before, NULL);
        assert_int_equal(u->after_loc[0].line, 4);
        unit_free(u);
}

static void test_units__empty_assignment_resets_a_scalar_to_its_default(void **state _unused_) {
        struct unit *u = load_clean(
                SVC "RestartSec=5\nRestartSec=\nKillSignal=KILL\nKillSignal=\nUser=nobody\nUser=\n");
        assert_int_equal(u->restart_usec, 100 * MS);
        assert_int_equal(u->kill_signal, SIGTERM);
        assert_null(u->user);
        unit_free(u);
}

static void test_units__last_assignment_wins_for_scalars(void **state _unused_) {
        struct unit *u = load_clean("[Unit]\nDescription=first\nDescription=second\n" SVC
                                    "Restart=no\nRestart=always\n");
        assert_string_equal(u->description, "second");
        assert_int_equal(u->restart, RESTART_ALWAYS);
        unit_free(u);
}

static void test_units__every_error_of_a_file_is_collected(void **state _unused_) {
        struct unit_diag d = {};
        struct unit *u = NULL;
        assert_int_equal(
                load(SVC "Restart=bogus\nRestartSec=soon\n[Nope]\nX=1\n[Service]\nType=odd\n", &u, &d),
                -EINVAL);
        assert_true(diag_has(&d, false, "test.unit", 3, "Restart=bogus"));
        assert_true(diag_has(&d, false, "test.unit", 4, "RestartSec=soon"));
        assert_true(diag_has(&d, false, "test.unit", 5, "unknown section [Nope]"));
        assert_true(diag_has(&d, false, "test.unit", 8, "Type=odd"));
        assert_int_equal(d.n, 4);
        unit_diag_clear(&d);
}

static void test_units__vendor_extensions_are_ignored(void **state _unused_) {
        struct unit *u = load_clean("[X-Vendor]\nAnything=goes\n[Unit]\nX-Custom=1\n" SVC);
        unit_free(u);
}

/* ---- values -------------------------------------------------------------------------------- */

static void test_units__booleans_take_systemd_words(void **state _unused_) {
        static const char *const yes[] = { "1", "yes", "true", "on", "YES", "True", "y", "t" };
        static const char *const no[] = { "0", "no", "false", "off", "No", "OFF", "n", "f" };
        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                _cleanup_free_ char *a = NULL, *b = NULL;
                assert_true(asprintf(&a, "NoNewPrivileges=%s\n", yes[i]) > 0);
                assert_true(asprintf(&b, "NoNewPrivileges=%s\n", no[i]) > 0);
                struct unit *u = load_svc(a);
                assert_true(u->no_new_privileges);
                unit_free(u);
                u = load_svc(b);
                assert_false(u->no_new_privileges);
                unit_free(u);
        }
}

static void test_units__booleans_refuse_other_words(void **state _unused_) {
        expect_bad_value("NoNewPrivileges", "maybe", "expected a boolean");
        expect_bad_value("Accept", "2", "expected a boolean");
        expect_bad_value("PrivateNetwork", "yess", "expected a boolean");
}

static void check_timespan(const char *v, uint64_t usec) {
        _cleanup_free_ char *line = NULL;
        assert_true(asprintf(&line, "RestartSec=%s\n", v) > 0);
        struct unit *u = load_svc(line);
        if (u->restart_usec != usec)
                print_message("RestartSec=%s gave %llu\n", v, (unsigned long long) u->restart_usec);
        assert_true(u->restart_usec == usec);
        unit_free(u);
}

static void test_units__time_spans_parse_as_in_systemd(void **state _unused_) {
        check_timespan("90", 90 * SEC);
        check_timespan("1min 30s", 90 * SEC);
        check_timespan("1min30s", 90 * SEC);
        check_timespan("500ms", 500 * MS);
        check_timespan("500 msec", 500 * MS);
        check_timespan("100us", 100);
        check_timespan("7usec", 7);
        check_timespan("2m", 120 * SEC);
        check_timespan("2 minutes", 120 * SEC);
        check_timespan("1h", 3600 * SEC);
        check_timespan("1hr 1sec", 3601 * SEC);
        check_timespan("2 hours", 7200 * SEC);
        check_timespan("1d", 86400 * SEC);
        check_timespan("2days", 2 * 86400 * SEC);
        check_timespan("1w", 7 * 86400 * SEC);
        check_timespan("1 week", 7 * 86400 * SEC);
        check_timespan("1.5s", 1500 * MS);
        check_timespan("0.25", 250 * MS);
        check_timespan("3 seconds", 3 * SEC);
        check_timespan("0", 0);
        check_timespan("infinity", USEC_INFINITY);
}

static void test_units__time_spans_refuse_garbage(void **state _unused_) {
        static const char *const bad[] = { "soon",  "-1", "5x",    "1min x",
                                           "1..5s", "s",  "5 5 q", "99999999999999999999" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                expect_bad_value("RestartSec", bad[i], "expected a time span");
}

static void test_units__timeout_zero_means_infinity(void **state _unused_) {
        struct unit *u = load_svc("TimeoutStartSec=0\nTimeoutStopSec=infinity\nRestartSec=0\n");
        assert_true(u->timeout_start_usec == USEC_INFINITY);
        assert_true(u->timeout_stop_usec == USEC_INFINITY);
        assert_true(u->restart_usec == 0); /* only the timeouts read 0 as infinity */
        unit_free(u);
}

static void check_size(const char *v, uint64_t bytes) {
        _cleanup_free_ char *line = NULL;
        assert_true(asprintf(&line, "LogRotateSize=%s\n", v) > 0);
        struct unit *u = load_svc(line);
        assert_true(u->log_rotate_size == bytes);
        unit_free(u);
}

static void test_units__sizes_take_binary_suffixes(void **state _unused_) {
        check_size("512K", 512 * 1024);
        check_size("256M", 256ULL << 20);
        check_size("1G", 1ULL << 30);
        check_size("2T", 2ULL << 40);
        check_size("1.5M", 3ULL << 19);
        check_size("4096", 4096);
        check_size("100B", 100);
        check_size("1G 512M", (1ULL << 30) + (512ULL << 20));
}

static void test_units__sizes_refuse_garbage(void **state _unused_) {
        static const char *const bad[] = { "big", "12Q", "-5", "1k", "0", "K", "99999999E" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                expect_bad_value("LogRotateSize", bad[i], "expected a size");
}

static void test_units__percentages_scale_memory_tasks_and_cpu(void **state _unused_) {
        struct unit *u = load_svc("MemoryMax=50%\nMemoryHigh=12.5%\nTasksMax=10%\nCPUQuota=150%\n");
        uint64_t mem = (uint64_t) sysconf(_SC_PHYS_PAGES) * (uint64_t) sysconf(_SC_PAGESIZE);
        assert_true(u->memory_max == mem / 2);
        assert_true(u->memory_high == mem / 8);
        assert_true(u->tasks_max > 0 && u->tasks_max < 4194304 / 9);
        assert_true(u->cpu_quota_per_sec_usec == 1500 * MS);
        unit_free(u);
        u = load_svc("CPUQuota=12.5%\nMemoryMax=infinity\nTasksMax=infinity\nMemoryHigh=256M\n");
        assert_true(u->cpu_quota_per_sec_usec == 125 * MS);
        assert_true(u->memory_max == UINT64_MAX);
        assert_true(u->tasks_max == UINT64_MAX);
        assert_true(u->memory_high == 256ULL << 20);
        unit_free(u);
}

static void test_units__percentages_refuse_out_of_range(void **state _unused_) {
        expect_bad_value("MemoryMax", "150%", "expected a size");
        expect_bad_value("MemoryMax", "-5%", "expected a size");
        expect_bad_value("MemoryHigh", "lots", "expected a size");
        expect_bad_value("TasksMax", "0", "expected a number of tasks");
        expect_bad_value("TasksMax", "0%", "expected a number of tasks");
        expect_bad_value("TasksMax", "101%", "expected a number of tasks");
        expect_bad_value("CPUQuota", "0%", "expected a percentage");
        expect_bad_value("CPUQuota", "50", "expected a percentage");
        expect_bad_value("CPUQuota", "1.234%", "expected a percentage");
}

/* ---- keys ---------------------------------------------------------------------------------- */

static void test_units__description_and_documentation(void **state _unused_) {
        struct unit *u = load_clean("[Unit]\nDescription=My blog\nDocumentation=man:x(8) "
                                    "https://example.org\nDocumentation=file:/y\n" SVC);
        assert_string_equal(u->description, "My blog");
        assert_strv(u->documentation, "man:x(8)", "https://example.org", "file:/y", NULL);
        unit_free(u);
}

static void test_units__dependencies_strip_service_and_unit_suffixes(void **state _unused_) {
        struct unit *u = load_clean("[Unit]\nAfter=db.service web.unit "
                                    "network.target\nRequires=db.service\nWants=\"cache\"\nBefore=z\n" SVC);
        assert_strv(u->after, "db", "web", "network.target", NULL);
        assert_strv(u->requires, "db", NULL);
        assert_strv(u->wants, "cache", NULL);
        assert_strv(u->before, "z", NULL);
        assert_int_equal(u->after_loc[2].line, 2);
        assert_string_equal(u->after_loc[2].file, "test.unit");
        assert_int_equal(u->before_loc[0].line, 5);
        unit_free(u);
}

static void test_units__dependencies_refuse_what_is_not_a_unit_name(void **state _unused_) {
        expect_error("[Unit]\nAfter=../etc/passwd\n" SVC, 2, "'../etc/passwd' is not a unit name");
        expect_error("[Unit]\nRequires=a b/c\n" SVC, 2, "'b/c' is not a unit name");
        expect_error("[Unit]\nWants=.hidden\n" SVC, 2, "not a unit name");
}

static void test_units__start_limit_in_unit_and_service(void **state _unused_) {
        struct unit *u = load_clean("[Unit]\nStartLimitIntervalSec=1min\nStartLimitBurst=3\n" SVC);
        assert_true(u->start_limit_interval_usec == 60 * SEC);
        assert_int_equal(u->start_limit_burst, 3);
        unit_free(u);
        u = load_clean(SVC "StartLimitIntervalSec=5s\nStartLimitBurst=7\n");
        assert_true(u->start_limit_interval_usec == 5 * SEC);
        assert_int_equal(u->start_limit_burst, 7);
        unit_free(u);
        expect_bad_value("StartLimitBurst", "-1", "expected a whole number");
}

static void check_type(const char *v, enum service_type t) {
        _cleanup_free_ char *line = NULL;
        assert_true(asprintf(&line, "Type=%s\n", v) > 0);
        struct unit *u = load_svc(line);
        assert_int_equal(u->type, t);
        unit_free(u);
}

static void test_units__type_values(void **state _unused_) {
        check_type("simple", SERVICE_SIMPLE);
        check_type("exec", SERVICE_SIMPLE);
        check_type("notify", SERVICE_NOTIFY);
        check_type("oneshot", SERVICE_ONESHOT);
        check_type("forking", SERVICE_FORKING);
        expect_warning(SVC "Type=idle\n", 3, "Type=idle is run as Type=simple");
        assert_string_equal(service_type_to_string(SERVICE_FORKING), "forking");
}

static void test_units__type_notify_reload_and_reload_signal(void **state _unused_) {
        struct unit *u = load_svc("Type=notify-reload\n");
        assert_int_equal(u->type, SERVICE_NOTIFY_RELOAD);
        assert_int_equal(u->reload_signal, SIGHUP);
        unit_free(u);
        u = load_svc("Type=notify-reload\nReloadSignal=SIGUSR1\n");
        assert_int_equal(u->reload_signal, SIGUSR1);
        unit_free(u);
        u = load_svc("ReloadSignal=USR2\nReloadSignal=\n");
        assert_int_equal(u->reload_signal, SIGHUP); /* empty: the default again */
        unit_free(u);
        expect_bad_value("ReloadSignal", "SIGNOPE", "expected a signal");
        expect_bad_value("Type", "daemon",
                         "expected simple, exec, notify, notify-reload, oneshot or forking");
}

/* avahi-daemon.service: no system bus under svc, so readiness is the exec; BusName= warns why. */
static void test_units__type_dbus_runs_as_simple_with_a_warning(void **state _unused_) {
        struct unit *u = load_svc("Type=dbus\nBusName=org.freedesktop.Avahi\n");
        assert_int_equal(u->type, SERVICE_SIMPLE);
        unit_free(u);
        expect_warning(SVC "Type=dbus\n", 3,
                       "Type=dbus is run as Type=simple: svc gives services no system bus");
        expect_warning(SVC "BusName=org.freedesktop.Avahi\n", 3,
                       "BusName= is ignored: svc gives services no system bus");
}

/* prosody's StandardInput=null is svc's default; proftpd@'s socket is the connection of Accept=yes,
 * which its .socket unit says and a drop-in gives under svc. */
static void test_units__standard_input_null_and_socket(void **state _unused_) {
        struct unit *u = load_svc("StandardInput=null\n");
        assert_int_equal(u->std_input, STD_INPUT_NULL);
        unit_free(u);
        u = load_svc("StandardInput=socket\nListenStream=2121\nAccept=yes\n");
        assert_int_equal(u->std_input, STD_INPUT_SOCKET);
        unit_free(u);
        expect_warning(SVC "StandardInput=socket\n", 3,
                       "it starts only as the instance an Accept=yes socket unit");
        expect_error(SVC "StandardInput=socket\nListenStream=2121\n", 3,
                     "StandardInput=socket needs Accept=yes");
        expect_error(SVC "StandardInput=null\nListenStream=2121\nAccept=yes\n", 3,
                     "StandardInput=null does not fit Accept=yes");
        expect_bad_value("StandardInput", "tty", "svc gives services no terminal");
        expect_bad_value("StandardInput", "tty-force", "svc gives services no terminal");
        expect_bad_value("StandardInput", "data", "no StandardInputText= or StandardInputData= yet");
        expect_bad_value("StandardInput", "file:/etc/motd", "StandardInput=file:/etc/motd is not supported");
        expect_bad_value("StandardInput", "fd:stdin", "is not supported");
        expect_bad_value("StandardInput", "keyboard", "expected null, socket, tty");
}

/* tor@default's AppArmorProfile=-system_tor: systemd itself runs it unconfined where AppArmor is
 * off; without the '-' the profile is a restriction svc cannot give. */
static void test_units__apparmor_profile_with_a_dash_is_a_warning(void **state _unused_) {
        expect_warning(SVC "AppArmorProfile=-system_tor\n", 3,
                       "svc applies no AppArmor profile, and the '-'");
        expect_error(
                SVC "AppArmorProfile=system_tor\n", 3,
                "AppArmorProfile=system_tor is not supported: svc applies no AppArmor profile, so ignoring "
                "it would weaken isolation");
        struct unit *u = load_svc("AppArmorProfile=\n");
        unit_free(u);
}

/* What svc check reports: each key set once, with its class; a key that warned, an empty reset and
 * an ignored key are not in it. */
static void test_units__keys_used_are_recorded_once_with_their_class(void **state _unused_) {
        struct unit *u = load_svc("ExecStart=\nExecStart=/bin/false\nPrivateTmp=yes\nPrivateDevices=no\n"
                                  "SyslogIdentifier=x\nRestart=no\n");
        const char *want[] = { "ExecStart", "PrivateTmp", "Restart" };
        const enum unit_key_class cls[] = { UNIT_KEY_IMPLEMENTED, UNIT_KEY_IMPLIED, UNIT_KEY_IMPLEMENTED };
        assert_int_equal(u->n_keys_used, ELEMENTSOF(want));
        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                assert_string_equal(u->keys_used[i]->key, want[i]);
                assert_int_equal(u->keys_used[i]->class, cls[i]);
        }
        unit_free(u);
}

static void test_units__restart_values(void **state _unused_) {
        struct unit *u = load_svc("Restart=no\n");
        assert_int_equal(u->restart, RESTART_NO);
        unit_free(u);
        u = load_svc("Restart=always\n");
        assert_int_equal(u->restart, RESTART_ALWAYS);
        unit_free(u);
        u = load_svc("Restart=on-failure\n");
        assert_int_equal(u->restart, RESTART_ON_FAILURE);
        unit_free(u);
        assert_string_equal(restart_policy_to_string(RESTART_ON_FAILURE), "on-failure");
}

static void test_units__restart_takes_every_systemd_value(void **state _unused_) {
        static const struct {
                const char *v;
                enum restart_policy p;
        } values[] = {
                { "no", RESTART_NO },
                { "on-success", RESTART_ON_SUCCESS },
                { "on-failure", RESTART_ON_FAILURE },
                { "on-abnormal", RESTART_ON_ABNORMAL },
                { "on-watchdog", RESTART_ON_WATCHDOG },
                { "on-abort", RESTART_ON_ABORT },
                { "always", RESTART_ALWAYS },
        };
        for (size_t i = 0; i < ELEMENTSOF(values); i++) {
                _cleanup_free_ char *line = NULL;
                assert_true(asprintf(&line, "Restart=%s\n", values[i].v) > 0);
                struct unit *u = load_svc(line);
                assert_int_equal(u->restart, values[i].p);
                assert_string_equal(restart_policy_to_string(u->restart), values[i].v);
                unit_free(u);
        }
        expect_bad_value("Restart", "sometimes",
                         "expected no, on-success, on-failure, on-abnormal, on-watchdog, on-abort or always");
}

static void test_units__kill_keys(void **state _unused_) {
        struct unit *u = load_clean(SVC);
        assert_int_equal(u->kill_mode, KILL_CONTROL_GROUP);
        assert_true(u->send_sigkill);
        assert_false(u->send_sighup);
        unit_free(u);
        static const char *const modes[] = { "control-group", "mixed", "process", "none" };
        for (enum kill_mode k = 0; k < _KILL_MODE_MAX; k++) {
                _cleanup_free_ char *line = NULL;
                assert_true(asprintf(&line, "KillMode=%s\nSendSIGKILL=no\nSendSIGHUP=yes\n", modes[k]) > 0);
                u = load_svc(line);
                assert_int_equal(u->kill_mode, k);
                assert_string_equal(kill_mode_to_string(k), modes[k]);
                assert_false(u->send_sigkill);
                assert_true(u->send_sighup);
                unit_free(u);
        }
        expect_bad_value("KillMode", "all", "expected control-group, mixed, process or none");
}

static void test_units__exec_condition_start_post_stop_post_remain(void **state _unused_) {
        struct unit *u =
                load_clean("[Service]\nType=oneshot\nExecCondition=/usr/share/samba/is-configured smb\n"
                           "ExecStart=/bin/true\nExecStartPost=-/bin/echo up\nExecStartPost=/bin/true\n"
                           "ExecStopPost=/bin/rm -f /run/x.pid\nRemainAfterExit=yes\n");
        assert_int_equal(u->exec_condition.n, 1);
        assert_string_equal(u->exec_condition.items[0].argv[1], "smb");
        assert_int_equal(u->exec_start_post.n, 2);
        assert_true(u->exec_start_post.items[0].ignore_failure);
        assert_int_equal(u->exec_stop_post.n, 1);
        assert_true(u->remain_after_exit);
        unit_free(u);
        expect_bad_value("ExecStartPost", "./true", "is not an absolute path to a program");
}

static void test_units__exit_status_sets(void **state _unused_) {
        struct unit *u = load_clean(SVC "SuccessExitStatus=143 3 SIGUSR1\nSuccessExitStatus=255\n"
                                        "RestartPreventExitStatus=0 255\nRestartForceExitStatus=SIGKILL 7\n");
        const struct exit_status_set *ok = &u->success_status;
        assert_true(exit_status_set_test(ok, CLD_EXITED, 143));
        assert_true(exit_status_set_test(ok, CLD_EXITED, 3));
        assert_true(exit_status_set_test(ok, CLD_EXITED, 255));
        assert_false(exit_status_set_test(ok, CLD_EXITED, 0));
        assert_false(exit_status_set_test(ok, CLD_EXITED, 10)); /* SIGUSR1 is a signal, not status 10 */
        assert_true(exit_status_set_test(ok, CLD_KILLED, SIGUSR1));
        assert_false(exit_status_set_test(ok, CLD_KILLED, 3));
        assert_true(exit_status_set_test(&u->restart_prevent_status, CLD_EXITED, 0));
        assert_true(exit_status_set_test(&u->restart_force_status, CLD_KILLED, SIGKILL));
        assert_true(exit_status_set_test(&u->restart_force_status, CLD_EXITED, 7));
        unit_free(u);
        u = load_clean(SVC "SuccessExitStatus=143\nSuccessExitStatus=\n");
        assert_false(exit_status_set_test(&u->success_status, CLD_EXITED, 143));
        unit_free(u);
        expect_bad_value("SuccessExitStatus", "TERM",
                         "neither an exit status from 0 to 255 nor a signal name");
        expect_bad_value("RestartPreventExitStatus", "-1", "neither an exit status");
}

static void test_units__timeout_sec_sets_both(void **state _unused_) {
        struct unit *u = load_clean(SVC "TimeoutSec=5min\n");
        assert_true(u->timeout_start_usec == 300 * SEC);
        assert_true(u->timeout_stop_usec == 300 * SEC);
        unit_free(u);
        u = load_clean(SVC "TimeoutSec=0\nTimeoutStopSec=3\n");
        assert_true(u->timeout_start_usec == USEC_INFINITY);
        assert_true(u->timeout_stop_usec == 3 * SEC);
        unit_free(u);
        u = load_clean(SVC "TimeoutSec=5\nTimeoutSec=\n");
        assert_true(u->timeout_start_usec == 90 * SEC);
        assert_true(u->timeout_stop_usec == 10 * SEC);
        unit_free(u);
}

static void test_units__start_limit_interval_old_name(void **state _unused_) {
        struct unit *u = load_clean("[Unit]\nStartLimitInterval=0\nStartLimitBurst=3\n" SVC);
        assert_true(u->start_limit_interval_usec == 0);
        assert_int_equal(u->start_limit_burst, 3);
        unit_free(u);
        u = load_clean(SVC "StartLimitInterval=30s\n");
        assert_true(u->start_limit_interval_usec == 30 * SEC);
        unit_free(u);
}

static void test_units__umask(void **state _unused_) {
        struct unit *u = load_clean(SVC);
        assert_int_equal(u->umask, 0022);
        unit_free(u);
        u = load_clean(SVC "UMask=007\n");
        assert_int_equal(u->umask, 0007);
        unit_free(u);
        u = load_clean(SVC "UMask=0777\nUMask=\n");
        assert_int_equal(u->umask, 0022);
        unit_free(u);
        expect_bad_value("UMask", "0778", "expected an octal mode from 0000 to 0777");
        expect_bad_value("UMask", "1000", "expected an octal mode");
}

static void test_units__permissions_start_only_warns_what_it_means(void **state _unused_) {
        unit_free(load_clean(SVC "PermissionsStartOnly=no\n"));
        expect_warning(SVC "PermissionsStartOnly=yes\n", 3,
                       "PermissionsStartOnly=yes is deprecated and not honoured: svc runs ExecStartPre=");
        expect_bad_value("PermissionsStartOnly", "maybe", "expected a boolean");
}

static void test_units__restart_timing_keys(void **state _unused_) {
        struct unit *u = load_clean(SVC "RestartSec=2s\nRestartSteps=5\nRestartMaxDelaySec=1min\n");
        assert_true(u->restart_usec == 2 * SEC);
        assert_int_equal(u->restart_steps, 5);
        assert_true(u->restart_max_delay_usec == 60 * SEC);
        unit_free(u);
        expect_bad_value("RestartSteps", "many", "expected a whole number");
        expect_bad_value("RestartMaxDelaySec", "later", "expected a time span");
}

static void test_units__oneshot_with_restart_always_is_refused(void **state _unused_) {
        expect_error(SVC "Restart=always\nType=oneshot\n", 3, "Restart=always does not fit Type=oneshot");
}

static void test_units__kill_signal_by_name_or_number(void **state _unused_) {
        static const struct {
                const char *v;
                int sig;
        } ok[] = { { "SIGTERM", SIGTERM }, { "TERM", SIGTERM }, { "15", SIGTERM },
                   { "SIGINT", SIGINT },   { "KILL", SIGKILL }, { "SIGHUP", SIGHUP } };
        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                _cleanup_free_ char *line = NULL;
                assert_true(asprintf(&line, "KillSignal=%s\n", ok[i].v) > 0);
                struct unit *u = load_svc(line);
                assert_int_equal(u->kill_signal, ok[i].sig);
                unit_free(u);
        }
        struct unit *u = load_svc("KillSignal=SIGRTMIN+2\n");
        assert_int_equal(u->kill_signal, SIGRTMIN + 2);
        unit_free(u);
        expect_bad_value("KillSignal", "SIGFOO", "expected a signal");
        expect_bad_value("KillSignal", "0", "expected a signal");
        expect_bad_value("KillSignal", "99", "expected a signal");
        expect_bad_value("KillSignal", "sigterm", "expected a signal");
}

static void test_units__user_and_group(void **state _unused_) {
        struct unit *u = load_clean(SVC "User=www-data\nGroup=1000\n");
        assert_string_equal(u->user, "www-data");
        assert_string_equal(u->group, "1000");
        unit_free(u);
        expect_bad_value("User", "-root", "expected a user or group name");
        expect_bad_value("User", "a b", "expected a user or group name");
        expect_bad_value("Group", "4294967295", "expected a user or group name");
}

static void test_units__supplementary_groups_list(void **state _unused_) {
        struct unit *u = load_clean(SVC "SupplementaryGroups=adm ssl-cert\nSupplementaryGroups=video adm\n");
        assert_strv(u->supplementary_groups, "adm", "ssl-cert", "video", NULL);
        unit_free(u);
        u = load_clean(SVC "SupplementaryGroups=adm\nSupplementaryGroups=\n");
        assert_strv(u->supplementary_groups, NULL);
        unit_free(u);
        expect_bad_value("SupplementaryGroups", "adm a:b", "'a:b' is not a group name");
}

static void test_units__environment_quoting_as_systemd(void **state _unused_) {
        struct unit *u = load_clean(SVC "Environment=\"A=1\" \"B=2 3\" C=4\nEnvironment=A=5 'D=x\\ty'\n");
        assert_strv(u->environment, "A=5", "B=2 3", "C=4", "D=x\ty", NULL);
        unit_free(u);
        u = load_clean(SVC "Environment=A=1\nEnvironment=\nEnvironment=EMPTY=\n");
        assert_strv(u->environment, "EMPTY=", NULL);
        unit_free(u);
}

static void test_units__environment_refuses_bad_assignments(void **state _unused_) {
        expect_bad_value("Environment", "1A=x", "not an assignment NAME=VALUE");
        expect_bad_value("Environment", "NOVALUE", "not an assignment NAME=VALUE");
        expect_bad_value("Environment", "A-B=1", "not an assignment NAME=VALUE");
        expect_bad_value("Environment", "\"A=1", "double quote is not closed");
}

static void test_units__environment_file_paths(void **state _unused_) {
        struct unit *u =
                load_clean(SVC "EnvironmentFile=-/etc/default/blog\nEnvironmentFile=/etc/blog.env\n");
        assert_int_equal(u->n_environment_files, 2);
        assert_string_equal(u->environment_files[0].path, "/etc/default/blog");
        assert_true(u->environment_files[0].optional);
        assert_string_equal(u->environment_files[1].path, "/etc/blog.env");
        assert_false(u->environment_files[1].optional);
        assert_int_equal(u->environment_files[1].line, 4);
        unit_free(u);
        u = load_clean(SVC "EnvironmentFile=/a\nEnvironmentFile=\n");
        assert_int_equal(u->n_environment_files, 0);
        unit_free(u);
        expect_bad_value("EnvironmentFile", "etc/x", "expected an absolute path");
        expect_bad_value("EnvironmentFile", "-/etc/../x", "expected an absolute path");
}

static void test_units__working_directory(void **state _unused_) {
        struct unit *u = load_clean(SVC "WorkingDirectory=/srv/blog\n");
        assert_string_equal(u->working_directory, "/srv/blog");
        assert_false(u->working_directory_optional);
        unit_free(u);
        u = load_clean(SVC "WorkingDirectory=-/srv/maybe\n");
        assert_string_equal(u->working_directory, "/srv/maybe");
        assert_true(u->working_directory_optional);
        unit_free(u);
        expect_bad_value("WorkingDirectory", "srv", "expected an absolute path");
        expect_bad_value("WorkingDirectory", "~", "WorkingDirectory=~ is not supported");
}

static void test_units__pid_file_relative_is_under_run(void **state _unused_) {
        struct unit *u = load_clean(SVC "PIDFile=/run/nginx.pid\n");
        assert_string_equal(u->pid_file, "/run/nginx.pid");
        unit_free(u);
        u = load_clean(SVC "PIDFile=nginx.pid\n");
        assert_string_equal(u->pid_file, "/run/nginx.pid");
        unit_free(u);
        expect_bad_value("PIDFile", "../x.pid", "expected an absolute path");
}

static void check_rlimit(const char *line, int resource, rlim_t soft, rlim_t hard) {
        struct unit *u = load_svc(line);
        assert_non_null(u->rlimits[resource]);
        if (u->rlimits[resource]->rlim_cur != soft || u->rlimits[resource]->rlim_max != hard)
                print_message("%s gave %llu:%llu\n", line,
                              (unsigned long long) u->rlimits[resource]->rlim_cur,
                              (unsigned long long) u->rlimits[resource]->rlim_max);
        assert_true(u->rlimits[resource]->rlim_cur == soft);
        assert_true(u->rlimits[resource]->rlim_max == hard);
        unit_free(u);
}

static void test_units__limits_take_numbers_pairs_infinity_and_units(void **state _unused_) {
        check_rlimit("LimitNOFILE=1024\n", RLIMIT_NOFILE, 1024, 1024);
        check_rlimit("LimitNOFILE=1024:524288\n", RLIMIT_NOFILE, 1024, 524288);
        check_rlimit("LimitNOFILE=infinity\n", RLIMIT_NOFILE, RLIM_INFINITY, RLIM_INFINITY);
        check_rlimit("LimitCORE=0:infinity\n", RLIMIT_CORE, 0, RLIM_INFINITY);
        check_rlimit("LimitCORE=1G\n", RLIMIT_CORE, 1ULL << 30, 1ULL << 30);
        check_rlimit("LimitAS=512M:1G\n", RLIMIT_AS, 512ULL << 20, 1ULL << 30);
        check_rlimit("LimitMEMLOCK=64K\n", RLIMIT_MEMLOCK, 65536, 65536);
        check_rlimit("LimitCPU=1min\n", RLIMIT_CPU, 60, 60);
        check_rlimit("LimitCPU=30\n", RLIMIT_CPU, 30, 30);
        check_rlimit("LimitCPU=1500ms\n", RLIMIT_CPU, 2, 2);
        check_rlimit("LimitRTTIME=500ms\n", RLIMIT_RTTIME, 500000, 500000);
        check_rlimit("LimitRTTIME=1000\n", RLIMIT_RTTIME, 1000, 1000);
        check_rlimit("LimitNICE=-5\n", RLIMIT_NICE, 25, 25);
        check_rlimit("LimitNICE=+19\n", RLIMIT_NICE, 1, 1);
        check_rlimit("LimitNICE=30\n", RLIMIT_NICE, 30, 30);
        check_rlimit("LimitNPROC=100:200\n", RLIMIT_NPROC, 100, 200);
        struct unit *u = load_svc("LimitNOFILE=10\nLimitNOFILE=\n");
        assert_null(u->rlimits[RLIMIT_NOFILE]);
        unit_free(u);
}

static void test_units__limits_refuse_bad_values(void **state _unused_) {
        expect_bad_value("LimitNOFILE", "4096:1024", "soft limit is above the hard limit");
        expect_bad_value("LimitNOFILE", "many", "expected a whole number");
        expect_bad_value("LimitNOFILE", "1K", "expected a whole number");
        expect_bad_value("LimitCORE", "huge", "expected a size");
        expect_bad_value("LimitNICE", "-21", "nice level");
        expect_bad_value("LimitNICE", "41", "nice level");
        expect_bad_value("LimitCPU", "forever", "expected a time");
}

static void test_units__every_systemd_limit_key_is_known(void **state _unused_) {
        static const struct {
                const char *key;
                int resource;
        } keys[] = {
                { "LimitCPU", RLIMIT_CPU },           { "LimitFSIZE", RLIMIT_FSIZE },
                { "LimitDATA", RLIMIT_DATA },         { "LimitSTACK", RLIMIT_STACK },
                { "LimitCORE", RLIMIT_CORE },         { "LimitRSS", RLIMIT_RSS },
                { "LimitNOFILE", RLIMIT_NOFILE },     { "LimitAS", RLIMIT_AS },
                { "LimitNPROC", RLIMIT_NPROC },       { "LimitMEMLOCK", RLIMIT_MEMLOCK },
                { "LimitLOCKS", RLIMIT_LOCKS },       { "LimitSIGPENDING", RLIMIT_SIGPENDING },
                { "LimitMSGQUEUE", RLIMIT_MSGQUEUE }, { "LimitNICE", RLIMIT_NICE },
                { "LimitRTPRIO", RLIMIT_RTPRIO },     { "LimitRTTIME", RLIMIT_RTTIME },
        };
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                _cleanup_free_ char *text = NULL;
                assert_true(asprintf(&text, SVC "%s=7:infinity\n", keys[i].key) > 0);
                struct unit *u = load_clean(text);
                assert_non_null(u->rlimits[keys[i].resource]);
                assert_true(u->rlimits[keys[i].resource]->rlim_max == RLIM_INFINITY);
                unit_free(u);
        }
}

static void test_units__nice_and_oom_score_adjust(void **state _unused_) {
        struct unit *u = load_clean(SVC "Nice=-5\nOOMScoreAdjust=-1000\n");
        assert_true(u->nice_set);
        assert_int_equal(u->nice, -5);
        assert_true(u->oom_score_adjust_set);
        assert_int_equal(u->oom_score_adjust, -1000);
        unit_free(u);
        u = load_clean(SVC "Nice=19\nNice=\n");
        assert_false(u->nice_set);
        assert_false(u->oom_score_adjust_set);
        unit_free(u);
        expect_bad_value("Nice", "20", "from -20 to 19");
        expect_bad_value("Nice", "-21", "from -20 to 19");
        expect_bad_value("OOMScoreAdjust", "1001", "from -1000 to 1000");
        expect_bad_value("OOMScoreAdjust", "low", "from -1000 to 1000");
}

static void test_units__log_rotation_keys(void **state _unused_) {
        struct unit *u = load_clean(SVC "LogRotateSize=4M\nLogRotateCount=3\n");
        assert_true(u->log_rotate_size == 4ULL << 20);
        assert_int_equal(u->log_rotate_count, 3);
        unit_free(u);
        expect_bad_value("LogRotateCount", "x", "expected a whole number");
}

static void test_units__listen_stream_forms(void **state _unused_) {
        struct unit *u = load_svc("ListenStream=8080\nListenStream=127.0.0.1:80\nListenStream=[::1]:443\n"
                                  "ListenStream=/run/blog.sock\nListenStream=@blog\n");
        assert_int_equal(u->n_listen, 5);
        assert_true(u->listen[0].family == AF_INET6 || u->listen[0].family == AF_INET);
        assert_string_equal(u->listen[0].address, "");
        assert_int_equal(u->listen[0].port, 8080);
        assert_string_equal(u->listen[0].text, "8080");
        assert_int_equal(u->listen[1].family, AF_INET);
        assert_string_equal(u->listen[1].address, "127.0.0.1");
        assert_int_equal(u->listen[1].port, 80);
        assert_int_equal(u->listen[2].family, AF_INET6);
        assert_string_equal(u->listen[2].address, "::1");
        assert_int_equal(u->listen[2].port, 443);
        assert_int_equal(u->listen[3].family, AF_UNIX);
        assert_string_equal(u->listen[3].address, "/run/blog.sock");
        assert_int_equal(u->listen[3].port, 0);
        assert_int_equal(u->listen[4].family, AF_UNIX);
        assert_string_equal(u->listen[4].address, "@blog");
        unit_free(u);
        u = load_svc("ListenStream=80\nListenStream=\n");
        assert_int_equal(u->n_listen, 0);
        unit_free(u);
}

static void test_units__listen_stream_refuses_bad_addresses(void **state _unused_) {
        static const char *const bad[] = { "0",        "70000",      "host:80", "[::1]", "::1:80",
                                           "1.2.3.4:", "run/x.sock", "@",       "http" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                expect_bad_value("ListenStream", bad[i], "expected a port, ADDRESS:PORT");
}

static void test_units__publish_port_forms(void **state _unused_) {
        struct unit *u = load_svc("PublishPort=8080:80\nPublishPort=127.0.0.1:5353:53/udp\n"
                                  "PublishPort=0.0.0.0:30000-30009:40000-40009/tcp\nOutbound=yes\n");
        assert_int_equal(u->n_publish, 3);
        assert_null(u->publish[0].host_address);
        assert_int_equal(u->publish[0].host_port, 8080);
        assert_int_equal(u->publish[0].host_port_end, 8080);
        assert_int_equal(u->publish[0].port, 80);
        assert_int_equal(u->publish[0].port_end, 80);
        assert_int_equal(u->publish[0].protocol, IPPROTO_TCP);
        assert_string_equal(u->publish[0].text, "8080:80");
        assert_string_equal(u->publish[1].host_address, "127.0.0.1");
        assert_int_equal(u->publish[1].protocol, IPPROTO_UDP);
        assert_int_equal(u->publish[1].port, 53);
        assert_null(u->publish[2].host_address); /* 0.0.0.0 is every address */
        assert_int_equal(u->publish[2].host_port, 30000);
        assert_int_equal(u->publish[2].host_port_end, 30009);
        assert_int_equal(u->publish[2].port, 40000);
        assert_int_equal(u->publish[2].port_end, 40009);
        assert_true(u->outbound);
        unit_free(u);
        u = load_svc("PublishPort=80:80\nPublishPort=\n");
        assert_int_equal(u->n_publish, 0);
        assert_false(u->outbound);
        unit_free(u);
}

static void test_units__publish_port_ipv6_host_addresses(void **state _unused_) {
        struct unit *u = load_svc("PublishPort=[::1]:8080:80\nPublishPort=[2001:DB8:0::1]:8080:80/udp\n"
                                  "PublishPort=[::]:9000-9001:90-91\nPublishPort=0.0.0.0:9100:91\n"
                                  "PublishPort=9200:92\n");
        assert_int_equal(u->n_publish, 5);
        assert_string_equal(u->publish[0].host_address, "::1");
        assert_int_equal(u->publish[0].host_family, AF_INET6);
        assert_int_equal(u->publish[0].host_port, 8080);
        assert_int_equal(u->publish[0].port, 80);
        assert_int_equal(u->publish[0].protocol, IPPROTO_TCP);
        assert_string_equal(u->publish[1].host_address, "2001:db8::1"); /* canonical, for nft */
        assert_int_equal(u->publish[1].protocol, IPPROTO_UDP);
        assert_string_equal(u->publish[1].text, "[2001:DB8:0::1]:8080:80/udp");
        assert_null(u->publish[2].host_address); /* [::]: every IPv6 address */
        assert_int_equal(u->publish[2].host_family, AF_INET6);
        assert_int_equal(u->publish[2].host_port_end, 9001);
        assert_int_equal(u->publish[2].port_end, 91);
        assert_null(u->publish[3].host_address);
        assert_int_equal(u->publish[3].host_family, AF_INET);
        assert_null(u->publish[4].host_address); /* no address: both families */
        assert_int_equal(u->publish[4].host_family, AF_UNSPEC);
        unit_free(u);
}

static void test_units__publish_port_refuses_bad_values(void **state _unused_) {
        static const char *const bad[] = { "80",       "0:80",        "80:70000", "host:80:80", "80:80/sctp",
                                           "80-70:80", "1.2.3:80:80", "80:80/",   ":80" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                expect_bad_value("PublishPort", bad[i], "expected [HOSTADDR:]HOSTPORT[-END]:PORT[-END]");
        expect_bad_value("PublishPort", "8000-8009:80-88", "must have the same length");
        static const char *const bad6[] = { "[::1:80:80", "[]:80:80", "[1.2.3.4]:80:80", "[::1]80:80",
                                            "[fe80::zz]:80:80" };
        for (size_t i = 0; i < ELEMENTSOF(bad6); i++)
                expect_bad_value("PublishPort", bad6[i], "expected an IPv6 host address in brackets");
        expect_bad_value("PublishPort", "::1:80:80", "an IPv6 host address goes in brackets");
        expect_bad_value("PublishPort", "2001:db8::1:8080:80", "an IPv6 host address goes in brackets");
        expect_bad_value("PublishPort", "[fe80::1]:80:80", "a link-local one needs an interface");
        expect_bad_value("PublishPort", "[::ffff:10.0.0.1]:80:80", "an IPv4 address without brackets");
        expect_bad_value("PublishPort", "[ff02::1]:80:80", "publish on an IPv4 address without brackets");
        expect_bad_value("Outbound", "maybe", "expected a boolean");
}

static void test_units__publish_port_needs_its_own_namespace(void **state _unused_) {
        expect_error(SVC "PublishPort=8080:80\nPrivateNetwork=no\n", 3,
                     "PrivateNetwork=no leaves it in the host's");
        expect_error(SVC "PrivateNetwork=no\nOutbound=yes\n", 4, "PrivateNetwork=no leaves it in the host's");
        expect_error(SVC "ListenStream=80\nAccept=yes\nPublishPort=8080:80\n", 5, "do not fit Accept=yes");
        expect_error(SVC "PublishPort=8080:80\nPublishPort=8000-8090:8000-8090\n", 3,
                     "publish the same host port twice");
        /* The same port on two addresses, or for two protocols, is no clash. */
        unit_free(load_svc(
                "PublishPort=127.0.0.1:53:53/udp\nPublishPort=10.0.0.1:53:53/udp\nPublishPort=53:53\n"));
        /* One family's every address and the other's: no clash; both families and one: a clash. */
        unit_free(load_svc("PublishPort=0.0.0.0:80:80\nPublishPort=[::]:80:81\nPublishPort=[::1]:81:80\n"
                           "PublishPort=127.0.0.1:81:80\n"));
        expect_error(SVC "PublishPort=80:80\nPublishPort=[::1]:80:81\n", 3,
                     "publish the same host port twice");
        expect_error(SVC "PublishPort=[::]:80:80\nPublishPort=[::1]:80:81\n", 3,
                     "publish the same host port twice");
}

static void expect_conf_error(const char *text, unsigned line, const char *gist) {
        char *dir = mktemp_dir();
        write_file(dir, "svcd.conf", text);
        _cleanup_free_ char *p = path_join(dir, "svcd.conf");
        struct unit_diag d = {};
        struct svcd_conf c;
        assert_int_equal(svcd_conf_load(p, &c, &d), -EINVAL);
        bool found = diag_has(&d, false, p, line, gist);
        if (!found)
                print_diag(&d);
        assert_true(found);
        unit_diag_clear(&d);
        rm_rf(dir);
}

static void test_units__svcd_conf_subnet(void **state _unused_) {
        char *dir = mktemp_dir();
        _cleanup_free_ char *p = path_join(dir, "svcd.conf");
        struct unit_diag d = {};
        struct svcd_conf c;
        assert_int_equal(svcd_conf_load(p, &c, &d), 0); /* no file: the defaults */
        assert_false(c.subnet_set);
        write_file(dir, "svcd.conf", "# the pool\n[Network]\nSubnet = 10.200.0.0/24\n");
        assert_int_equal(svcd_conf_load(p, &c, &d), 0);
        assert_int_equal(d.n, 0);
        assert_true(c.subnet_set);
        assert_int_equal(c.subnet, 0x0ac80000);
        assert_int_equal(c.subnet_prefix, 24);
        rm_rf(dir);
        expect_conf_error("[Network]\n\nSubnet=10.200.0.1/24\n", 3, "with its host bits zero");
        expect_conf_error("[Network]\nSubnet=10.200.0.0/30\n", 2, "from /8 to /28");
        expect_conf_error("[Network]\nSubnet=10.200.0.0\n", 2, "expected an IPv4 network");
        expect_conf_error("[Network]\nSubnett=10.0.0.0/8\n", 2, "unknown key Subnett= in [Network]");
        expect_conf_error("[Network]\nSubnet6=fd12:3456:789a:1::1/64\n", 2, "with its host bits zero");
        expect_conf_error("[Network]\n\nSubnet6=fd12:3456:789a::/48\n", 3,
                          "expected a /64 of a unique local");
        expect_conf_error("[Network]\nSubnet6=2001:db8:1:2::/64\n", 2, "(fd00::/8)");
        expect_conf_error("[Network]\nSubnet6=10.0.0.0/8\n", 2, "expected a /64");
        expect_conf_error("[Network]\nSubnet6=fd00::/64x\n", 2, "expected a /64");
        expect_conf_error("[Service]\nSubnet=10.0.0.0/8\n", 1, "unknown section [Service]");
}

static void test_units__svcd_conf_relay_idle(void **state _unused_) {
        char *dir = mktemp_dir();
        _cleanup_free_ char *p = path_join(dir, "svcd.conf");
        struct unit_diag d = {};
        struct svcd_conf c;
        write_file(dir, "svcd.conf", "[Network]\nRelayIdleSec=90min\n");
        assert_int_equal(svcd_conf_load(p, &c, &d), 0);
        assert_int_equal(d.n, 0);
        assert_true(c.relay_idle_set);
        assert_int_equal(c.relay_idle_usec, 5400 * USEC_PER_SEC);
        write_file(dir, "svcd.conf", "[Network]\nRelayIdleSec=2\nRelayIdleSec=\n");
        assert_int_equal(svcd_conf_load(p, &c, &d), 0);
        assert_false(c.relay_idle_set); /* the empty value resets to the default */
        rm_rf(dir);
        expect_conf_error("[Network]\nRelayIdleSec=500ms\n", 2,
                          "RelayIdleSec=500ms: expected a time span of at least 1 s");
        expect_conf_error("[Network]\n\nRelayIdleSec=soon\n", 3, "expected a time span");
}

static void test_units__svcd_conf_subnet6(void **state _unused_) {
        char *dir = mktemp_dir();
        _cleanup_free_ char *p = path_join(dir, "svcd.conf");
        struct unit_diag d = {};
        struct svcd_conf c;
        write_file(dir, "svcd.conf", "[Network]\nSubnet6 = fd12:3456:789a:1::/64\n");
        assert_int_equal(svcd_conf_load(p, &c, &d), 0);
        assert_int_equal(d.n, 0);
        assert_true(c.subnet6_set);
        static const uint8_t want[16] = { 0xfd, 0x12, 0x34, 0x56, 0x78, 0x9a, 0, 1 };
        assert_memory_equal(c.subnet6, want, 16);
        write_file(dir, "svcd.conf", "[Network]\nSubnet6=fd12:3456:789a:1::/64\nSubnet6=\n");
        assert_int_equal(svcd_conf_load(p, &c, &d), 0);
        assert_false(c.subnet6_set); /* the empty value resets to the default */
        rm_rf(dir);
        uint8_t a[16];
        unsigned len;
        assert_int_equal(parse_ipv6_subnet("fd00:1:2::/48", a, &len), 0);
        assert_int_equal(len, 48);
        assert_int_equal(parse_ipv6_subnet("fd00:1:2:3::/48", a, &len), -EINVAL);
        assert_int_equal(parse_ipv6_subnet("fd00::/129", a, &len), -EINVAL);
        assert_int_equal(parse_ipv6_subnet("fd00::", a, &len), -EINVAL);
        char buf[64];
        static const uint8_t id[5] = { 0x0a, 0xbc, 0xde, 0xf0, 0x01 };
        assert_string_equal(ula48_format(id, buf), "fd0a:bcde:f001::/48");
        assert_int_equal(parse_ipv6_subnet(buf, a, &len), 0);
        assert_true(ipv6_is_ula(a));
}

static void test_units__accept_and_max_connections(void **state _unused_) {
        struct unit *u = load_svc("Accept=yes\nMaxConnections=8\n");
        assert_true(u->accept);
        assert_int_equal(u->max_connections, 8);
        unit_free(u);
        expect_bad_value("MaxConnections", "0", "at least 1");
}

static void test_units__root_directory_is_a_tree_name_or_absolute(void **state _unused_) {
        struct unit *u = load_svc("RootDirectory=bullseye\n");
        assert_string_equal(u->root_directory, "bullseye");
        unit_free(u);
        u = load_svc("RootDirectory=/srv/trees/x\n");
        assert_string_equal(u->root_directory, "/srv/trees/x");
        unit_free(u);
        static const char *const bad[] = { "..", ".", "../x", "/srv/../etc", "trees/x" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                expect_bad_value("RootDirectory", bad[i],
                                 "expected a tree name without '/' or an absolute path");
}

static void test_units__overlay_modes(void **state _unused_) {
        struct unit *u = load_svc("Overlay=tmpfs\n");
        assert_int_equal(u->overlay, OVERLAY_TMPFS);
        unit_free(u);
        u = load_svc("Overlay=persistent\nOverlay=none\n");
        assert_int_equal(u->overlay, OVERLAY_NONE);
        unit_free(u);
        expect_bad_value("Overlay", "yes", "expected none, tmpfs or persistent");
}

static void test_units__private_users_and_dynamic_user(void **state _unused_) {
        struct unit *u = load_svc("DynamicUser=yes\n");
        assert_int_equal(u->private_users, PRIVATE_USERS_DEFAULT);
        assert_true(u->dynamic_user);
        unit_free(u);
        static const struct {
                const char *v;
                enum private_users want;
        } values[] = {
                { "yes", PRIVATE_USERS_YES },
                { "true", PRIVATE_USERS_YES },
                { "no", PRIVATE_USERS_NO },
                { "self", PRIVATE_USERS_SELF },
                { "identity", PRIVATE_USERS_IDENTITY },
                { "full", PRIVATE_USERS_FULL },
        };
        for (size_t i = 0; i < ELEMENTSOF(values); i++) {
                _cleanup_free_ char *line = NULL;
                assert_true(asprintf(&line, "PrivateUsers=%s\n", values[i].v) > 0);
                u = load_svc(line);
                assert_int_equal(u->private_users, values[i].want);
                unit_free(u);
        }
        u = load_svc("PrivateUsers=no\nPrivateUsers=\n");
        assert_int_equal(u->private_users, PRIVATE_USERS_DEFAULT);
        unit_free(u);
        expect_bad_value("PrivateUsers", "managed", "expected a boolean, self, identity or full");
        expect_bad_value("DynamicUser", "maybe", "expected a boolean");
}

static void test_units__bind_paths_idmap_option(void **state _unused_) {
        struct unit *u = load_svc("BindPaths=/srv/a:/a:idmap /srv/b:/b:norbind,idmap /srv/c:/c\n");
        assert_int_equal(u->n_binds, 3);
        assert_true(u->binds[0].idmap);
        assert_true(u->binds[0].recursive);
        assert_true(u->binds[1].idmap);
        assert_false(u->binds[1].recursive);
        assert_false(u->binds[2].idmap);
        unit_free(u);
        expect_bad_value("BindPaths", "/a:/b:idmap,bogus", "rbind or norbind, and idmap");
}

static void test_units__bind_paths_forms(void **state _unused_) {
        struct unit *u = load_svc(
                "BindPaths=/srv/a /srv/b:/b -/opt/c:/c:norbind\nBindReadOnlyPaths=\"/srv/x y\":/z:rbind\n");
        assert_int_equal(u->n_binds, 4);
        assert_string_equal(u->binds[0].source, "/srv/a");
        assert_string_equal(u->binds[0].dest, "/srv/a");
        assert_false(u->binds[0].read_only);
        assert_true(u->binds[0].recursive);
        assert_false(u->binds[0].optional);
        assert_string_equal(u->binds[1].dest, "/b");
        assert_string_equal(u->binds[2].source, "/opt/c");
        assert_true(u->binds[2].optional);
        assert_false(u->binds[2].recursive);
        assert_string_equal(u->binds[3].source, "/srv/x y");
        assert_string_equal(u->binds[3].dest, "/z");
        assert_true(u->binds[3].read_only);
        assert_true(u->binds[3].recursive);
        unit_free(u);
        u = load_svc("BindPaths=/a\nBindReadOnlyPaths=/b\nBindPaths=\n");
        assert_int_equal(u->n_binds, 0);
        unit_free(u);
}

/* A source without '/' names a volume of svc's, shared by the units that name it. */
static void test_units__bind_paths_named_volumes(void **state _unused_) {
        struct unit *u =
                load_svc("BindPaths=mail:/var/mail /srv/a:/a\nBindReadOnlyPaths=mail_2.x:/m:norbind\n");
        assert_int_equal(u->n_binds, 3);
        assert_true(u->binds[0].volume);
        assert_string_equal(u->binds[0].source, "mail");
        assert_string_equal(u->binds[0].dest, "/var/mail");
        assert_false(u->binds[1].volume);
        assert_true(u->binds[2].volume);
        assert_true(u->binds[2].read_only);
        unit_free(u);
        expect_bad_value("BindPaths", "mail", "a volume needs a destination");
        expect_bad_value("BindPaths", "-mail:/var/mail", "a volume is never optional");
        expect_bad_value("BindPaths", ".mail:/var/mail", "both paths must be absolute");
        expect_bad_value("BindPaths", "ma@il:/var/mail", "both paths must be absolute");
}

static void test_units__bind_paths_refuse_relative_dotdot_and_bad_options(void **state _unused_) {
        expect_bad_value("BindPaths", "srv/a", "both paths must be absolute");
        expect_bad_value("BindPaths", "/srv/../etc", "both paths must be absolute");
        expect_bad_value("BindReadOnlyPaths", "/a:b", "both paths must be absolute");
        expect_bad_value("BindPaths", "/a:", "nothing follows ':'");
        expect_bad_value("BindPaths", "/a:/b:bogus", "rbind or norbind");
        expect_bad_value("BindPaths", "/a:/b:rbind,,", "rbind or norbind");
        expect_bad_value("BindPaths", "'/a", "not closed");
}

static void test_units__state_runtime_logs_directories(void **state _unused_) {
        struct unit *u =
                load_svc("StateDirectory=blog "
                         "blog/cache\nRuntimeDirectory=blog\nLogsDirectory=lighttpd\nStateDirectory=blog\n");
        assert_strv(u->state_directories, "blog", "blog/cache", NULL);
        assert_strv(u->runtime_directories, "blog", NULL);
        assert_strv(u->logs_directories, "lighttpd", NULL);
        unit_free(u);
        u = load_svc("StateDirectory=a\nStateDirectory=\n");
        assert_strv(u->state_directories, NULL);
        unit_free(u);
        static const char *const bad[] = { "/var/lib/x", "../x", ".", "a/../b", "a//b" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                expect_bad_value("StateDirectory", bad[i], "must be a relative path");
        expect_bad_value("LogsDirectory", "..", "must be a relative path");
        expect_bad_value("RuntimeDirectory", "/run/x", "must be a relative path");
}

static void test_units__private_network_no_is_honoured(void **state _unused_) {
        struct unit *u = load_svc("PrivateNetwork=no\n");
        assert_false(u->private_network);
        unit_free(u);
}

static void test_units__hostname(void **state _unused_) {
        struct unit_diag d = {};
        struct unit *u = NULL;
        assert_int_equal(load_as(SVC "Hostname=%p-%i.home\n", "web@blue", &u, &d), 0);
        assert_string_equal(u->hostname, "web-blue.home");
        unit_free(u);
        unit_diag_clear(&d);
        expect_bad_value("Hostname", "a_b", "expected a host name");
        expect_bad_value("Hostname", "a..b", "expected a host name");
}

static uint64_t cap_bit(const char *name) {
        cap_value_t c;
        assert_int_equal(cap_from_name(name, &c), 0);
        return 1ULL << c;
}

static void test_units__capability_sets(void **state _unused_) {
        uint64_t all = (1ULL << (CAP_LAST_CAP + 1)) - 1;
        struct unit *u = load_svc(
                "CapabilityBoundingSet=CAP_NET_BIND_SERVICE cap_chown\nCapabilityBoundingSet=CAP_KILL\n"
                "AmbientCapabilities=CAP_NET_BIND_SERVICE\n");
        assert_true(u->capability_bounding_set ==
                    (cap_bit("CAP_NET_BIND_SERVICE") | cap_bit("CAP_CHOWN") | cap_bit("CAP_KILL")));
        assert_true(u->ambient_capabilities == cap_bit("CAP_NET_BIND_SERVICE"));
        unit_free(u);
        u = load_svc("CapabilityBoundingSet=~CAP_SYS_ADMIN\nCapabilityBoundingSet=~CAP_CHOWN\n");
        assert_true(u->capability_bounding_set == (all & ~cap_bit("CAP_SYS_ADMIN") & ~cap_bit("CAP_CHOWN")));
        unit_free(u);
        /* ~CAP_CHOWN alone is all but bit 0: it must not read as UNIT_UNSET. */
        u = load_svc("CapabilityBoundingSet=~CAP_CHOWN\n");
        assert_true(u->capability_bounding_set == (all & ~1ULL));
        assert_true(u->capability_bounding_set != UNIT_UNSET);
        unit_free(u);
        u = load_svc("CapabilityBoundingSet=CAP_KILL\nCapabilityBoundingSet=\nAmbientCapabilities=CAP_"
                     "KILL\nAmbientCapabilities=\n");
        assert_true(u->capability_bounding_set == 0);
        assert_true(u->ambient_capabilities == 0);
        unit_free(u);
}

static void test_units__capability_sets_refuse_unknown_names(void **state _unused_) {
        expect_bad_value("CapabilityBoundingSet", "CAP_BOGUS", "'CAP_BOGUS' is not a capability");
        expect_bad_value("AmbientCapabilities", "CAP_CHOWN,CAP_KILL", "is not a capability");
        expect_bad_value("CapabilityBoundingSet", "63", "is not a capability");
}

static void test_units__cpu_and_io_weights(void **state _unused_) {
        struct unit *u = load_svc("CPUWeight=1\nIOWeight=10000\n");
        assert_true(u->cpu_weight == 1);
        assert_true(u->io_weight == 10000);
        unit_free(u);
        u = load_svc("CPUWeight=50\nCPUWeight=\n");
        assert_true(u->cpu_weight == UNIT_UNSET);
        unit_free(u);
        expect_bad_value("CPUWeight", "0", "from 1 to 10000");
        expect_bad_value("IOWeight", "10001", "from 1 to 10000");
        expect_bad_value("CPUWeight", "idle", "from 1 to 10000");
}

static void test_units__no_new_privileges(void **state _unused_) {
        struct unit *u = load_svc("NoNewPrivileges=no\n");
        assert_false(u->no_new_privileges);
        unit_free(u);
}

static void test_units__install_section(void **state _unused_) {
        struct unit *u =
                load_clean(SVC "[Install]\nWantedBy=multi-user.target\nAlias=weblog\nRequiredBy=x\nAlso=y\n");
        assert_strv(u->wanted_by, "multi-user.target", NULL);
        assert_strv(u->alias, "weblog", NULL);
        unit_free(u);
}

/* ---- exec lines ---------------------------------------------------------------------------- */

static struct exec_command *first_exec(struct unit *u) {
        assert_int_equal(u->exec_start.n, 1);
        return &u->exec_start.items[0];
}

static void test_units__exec_splits_words_with_quotes(void **state _unused_) {
        struct unit *u = load_clean("[Service]\nExecStart=/bin/echo \"a b\" 'c d' e\"f g\"h \"\" x'\"'y\n");
        assert_strv(first_exec(u)->argv, "/bin/echo", "a b", "c d", "ef gh", "", "x\"y", NULL);
        assert_string_equal(first_exec(u)->path, "/bin/echo");
        unit_free(u);
}

static void test_units__exec_decodes_c_escapes(void **state _unused_) {
        struct unit *u = load_clean("[Service]\nExecStart=/bin/printf a\\nb \\t \\\\ \\\" \\' \\x41 \\101 "
                                    "\\u00e9 \"q\\\"q\" \\s\n");
        assert_strv(first_exec(u)->argv, "/bin/printf", "a\nb", "\t", "\\", "\"", "'", "A", "A", "\xc3\xa9",
                    "q\"q", " ", NULL);
        unit_free(u);
}

/* systemd keeps an unknown escape in a command line as written, with a warning: Debian's units
 * have `tr "\0" a`. Elsewhere it stays an error. */
static void test_units__exec_keeps_unknown_escapes_with_a_warning(void **state _unused_) {
        expect_warning("[Service]\nExecStart=/usr/bin/tr \"\\0\" a\n", 2, "unknown escape sequence, kept");
        struct unit *u = load_ok("[Service]\nExecStart=/usr/bin/tr \"\\0\" \\q \\x00 \\n\n");
        assert_strv(first_exec(u)->argv, "/usr/bin/tr", "\\0", "\\q", "\\x00", "\n", NULL);
        unit_free(u);
        expect_error("[Service]\nExecStart=/bin/true\nEnvironment=\"A=\\q\"\n", 3, "invalid escape sequence");
}

static void test_units__exec_refuses_bad_quotes(void **state _unused_) {
        expect_error("[Service]\nExecStart=/bin/echo 'open\n", 2, "single quote is not closed");
        expect_error("[Service]\nExecStart=/bin/echo \"open\n", 2, "double quote is not closed");
}

static void test_units__exec_refuses_a_lone_semicolon(void **state _unused_) {
        expect_error("[Service]\nExecStart=/bin/echo a ; /bin/echo b\n", 2, "a lone ';'");
        expect_error("[Service]\nExecStart=/bin/echo a ;\n", 2, "a lone ';'");
}

static void test_units__exec_keeps_escaped_and_attached_semicolons(void **state _unused_) {
        struct unit *u = load_clean("[Service]\nExecStart=/usr/bin/find / -exec rm {} \\; a; ;b\n");
        assert_strv(first_exec(u)->argv, "/usr/bin/find", "/", "-exec", "rm", "{}", ";", "a;", ";b", NULL);
        unit_free(u);
}

static void test_units__exec_prefixes_dash_at_colon(void **state _unused_) {
        struct unit *u = load_clean("[Service]\nExecStart=-@:/bin/sh mysh -c \"exit 3\"\n");
        struct exec_command *c = first_exec(u);
        assert_string_equal(c->path, "/bin/sh");
        assert_strv(c->argv, "mysh", "-c", "exit 3", NULL);
        assert_true(c->ignore_failure);
        assert_true(c->no_env_expand);
        unit_free(u);
        u = load_clean("[Service]\nExecStart=/bin/true\nExecStartPre=-/bin/false\n");
        assert_true(u->exec_start_pre.items[0].ignore_failure);
        assert_false(u->exec_start_pre.items[0].no_env_expand);
        assert_false(first_exec(u)->ignore_failure);
        unit_free(u);
}

/* '+' (unbound's ExecReload=+/usr/sbin/unbound-control reload): svc never runs a command outside
 * the sandbox; it runs as '!' does, root of the sandbox, and the unit says so with a warning. */
static void test_units__exec_plus_prefix_is_root_of_the_sandbox(void **state _unused_) {
        expect_warning("[Service]\nUser=unbound\nExecStart=+/bin/true\n", 3,
                       "'+' prefix runs the command as root of the service's sandbox");
        struct unit *u = NULL;
        struct unit_diag d = {};
        assert_int_equal(
                load("[Service]\nUser=unbound\nExecStart=/bin/true\nExecReload=+/bin/kill -HUP $MAINPID\n",
                     &u, &d),
                0);
        assert_false(first_exec(u)->privileged);
        assert_true(u->exec_reload.items[0].privileged);
        assert_true(u->exec_reload.items[0].default_caps);
        assert_false(first_exec(u)->default_caps);
        unit_free(u);
        unit_diag_clear(&d);
        expect_error("[Service]\nExecStart=+!/bin/true\n", 2, "not an absolute path");
        expect_error("[Service]\nExecStart=--/bin/true\n", 2, "not an absolute path");
        expect_error("[Service]\nExecStart=!!!/bin/true\n", 2, "not an absolute path");
}

/* '!' (mariadb's ExecStartPost=!/etc/mysql/debian-start): root of the sandbox, not User=; '!!'
 * changes nothing where ambient capabilities exist, as in systemd. */
static void test_units__exec_bang_prefixes(void **state _unused_) {
        struct unit *u = load_clean("[Service]\nUser=mysql\nExecStart=!/bin/true\n"
                                    "ExecStartPre=-!!/bin/false\nExecStartPost=@!/bin/sh sh -c x\n");
        assert_true(first_exec(u)->privileged);
        assert_false(u->exec_start_pre.items[0].privileged);
        assert_true(u->exec_start_pre.items[0].ignore_failure);
        assert_true(u->exec_start_post.items[0].privileged);
        assert_string_equal(u->exec_start_post.items[0].path, "/bin/sh");
        unit_free(u);
}

/* atd.service's ExecStartPre=-find ...: a name without '/' is kept as written, looked up in the
 * service's tree when it starts (systemd's fixed search path); argv[0] is the name as written. */
static void test_units__exec_program_name_is_kept_for_the_tree(void **state _unused_) {
        struct unit *u = load_clean("[Service]\nExecStartPre=-find /var/spool -name x\nExecStart=atd -f\n"
                                    "ExecStopPost=@sleep-helper sleeper 1\n");
        assert_string_equal(first_exec(u)->path, "atd");
        assert_string_equal(first_exec(u)->argv[0], "atd");
        assert_string_equal(first_exec(u)->argv[1], "-f");
        assert_string_equal(u->exec_start_pre.items[0].path, "find");
        assert_true(u->exec_start_pre.items[0].ignore_failure);
        assert_string_equal(u->exec_stop_post.items[0].path, "sleep-helper");
        assert_string_equal(u->exec_stop_post.items[0].argv[0], "sleeper");
        unit_free(u);
}

/* The library check skips what a bind brings: for a name, a bind over a directory it is searched in. */
static void test_units__program_name_under_a_bind(void **state _unused_) {
        struct unit *u = load_svc("BindReadOnlyPaths=/opt/tools:/usr/local/bin\n");
        assert_true(unit_path_under_bind(u, "tool"));
        assert_true(unit_path_under_bind(u, "/usr/local/bin/tool"));
        assert_false(unit_path_under_bind(u, "/usr/bin/tool"));
        unit_free(u);
        u = load_svc("BindReadOnlyPaths=/opt/tools:/opt/tools\n");
        assert_false(unit_path_under_bind(u, "tool"));
        unit_free(u);
}

static void test_units__exec_requires_an_absolute_program(void **state _unused_) {
        expect_error("[Service]\nExecStart=./sleep 5\n", 2, "'./sleep' is not an absolute path");
        expect_error("[Service]\nExecStart=..\n", 2, "nor a program name");
        expect_error("[Service]\nExecStart=bin/sleep 5\n", 2, "not an absolute path");
        expect_error("[Service]\nExecStart=/usr/bin/\n", 2, "not an absolute path");
        expect_error("[Service]\nExecStart=-\n", 2, "no program after the prefixes");
        expect_error("[Service]\nExecStart=@/bin/sh\n", 2, "needs a word for argv[0]");
}

static void test_units__only_oneshot_may_have_several_exec_start(void **state _unused_) {
        expect_error("[Service]\nExecStart=/bin/a\nExecStart=/bin/b\n", 3,
                     "only Type=oneshot may have several");
        struct unit *u = load_clean("[Service]\nType=oneshot\nExecStart=/bin/a\nExecStart=/bin/b\n");
        assert_int_equal(u->exec_start.n, 2);
        assert_string_equal(u->exec_start.items[1].path, "/bin/b");
        unit_free(u);
        u = load_clean("[Service]\nExecStart=/bin/a\nExecStart=\nExecStart=/bin/b\n");
        assert_string_equal(first_exec(u)->path, "/bin/b");
        unit_free(u);
}

static void test_units__missing_exec_start_is_refused(void **state _unused_) {
        expect_error("[Unit]\nDescription=x\n[Service]\nType=simple\n", 3, "missing ExecStart=");
        expect_error("[Unit]\nDescription=nothing\n", 1, "missing ExecStart=");
        expect_error("[Service]\nExecStart=/bin/a\nExecStart=\n", 1, "missing ExecStart=");
}

static void test_units__exec_records_file_and_line(void **state _unused_) {
        struct unit *u = load_clean("[Service]\n\nExecStart=/bin/a\nExecReload=/bin/kill -HUP "
                                    "$MAINPID\nExecReload=/bin/b\nExecStop=/bin/c\n");
        assert_int_equal(first_exec(u)->line, 3);
        assert_string_equal(first_exec(u)->file, "test.unit");
        assert_int_equal(u->exec_reload.n, 2);
        assert_int_equal(u->exec_reload.items[1].line, 5);
        assert_strv(u->exec_reload.items[0].argv, "/bin/kill", "-HUP", "$MAINPID", NULL);
        assert_int_equal(u->exec_stop.n, 1);
        unit_free(u);
}

/* ---- specifiers ---------------------------------------------------------------------------- */

static void test_units__specifiers_of_an_instance(void **state _unused_) {
        struct unit_diag d = {};
        struct unit *u = NULL;
        assert_int_equal(load_as("[Unit]\nDescription=%i|%I|%n|%N|%p|%P|100%%\n"
                                 "[Service]\nExecStart=/usr/bin/web --name=%i "
                                 "\"%N\"\nEnvironment=SITE=%i\nStateDirectory=web/%i\n",
                                 "web@blue", &u, &d),
                         0);
        assert_int_equal(diag_count(&d, false), 0);
        unit_diag_clear(&d);
        assert_string_equal(u->description, "blue|blue|web@blue.unit|web@blue|web|web|100%");
        assert_strv(first_exec(u)->argv, "/usr/bin/web", "--name=blue", "web@blue", NULL);
        assert_strv(u->environment, "SITE=blue", NULL);
        assert_strv(u->state_directories, "web/blue", NULL);
        assert_string_equal(u->template, "web@");
        assert_string_equal(u->instance, "blue");
        unit_free(u);
}

static void test_units__specifiers_of_a_plain_unit(void **state _unused_) {
        struct unit *u = load_clean("[Unit]\nDescription=[%i][%p][%N]\n" SVC);
        assert_string_equal(u->description, "[][test][test]");
        assert_null(u->template);
        assert_null(u->instance);
        unit_free(u);
}

/* openvpn-server@.service: RuntimeDirectory paths through %t; the system manager's directories,
 * as the service sees them in its sandbox. */
static void test_units__specifiers_of_the_system_directories(void **state _unused_) {
        struct unit *u = load_clean("[Unit]\nDescription=%t %S %C %L %E %T %V\n" SVC
                                    "ExecStartPre=/bin/mkdir -p %t/openvpn-server\n");
        assert_string_equal(u->description, "/run /var/lib /var/cache /var/log /etc /tmp /var/tmp");
        assert_strv(u->exec_start_pre.items[0].argv, "/bin/mkdir", "-p", "/run/openvpn-server", NULL);
        unit_free(u);
}

/* %f path-unescaped from the instance or the prefix; %u %U %g %G %h %s the manager's (root), not
 * User='s, as systemd.unit(5) says for the system manager; %H %l %m %b %v the running system's. */
static void test_units__specifiers_of_the_running_system(void **state _unused_) {
        struct unit_diag d = {};
        struct unit *u = NULL;
        assert_int_equal(load_as("[Unit]\nDescription=%f|%u|%U|%g|%G|%h|%s\n" SVC "User=www-data\n",
                                 "mnt@srv-www", &u, &d),
                         0);
        assert_string_equal(u->description, "/srv/www|root|0|root|0|/root|/bin/sh");
        unit_free(u);
        u = load_clean("[Unit]\nDescription=%f\n" SVC);
        assert_string_equal(u->description, "/test");
        unit_free(u);
        assert_int_equal(load_as("[Unit]\nDescription=%f\n" SVC, "mnt@-", &u, &d), 0);
        assert_string_equal(u->description, "/");
        unit_free(u);
        unit_diag_clear(&d);

        char host[256] = "", boot[64] = "", machine[64] = "", line[128];
        struct utsname un;
        assert_int_equal(gethostname(host, sizeof(host)), 0);
        assert_int_equal(uname(&un), 0);
        FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
        assert_non_null(f);
        assert_non_null(fgets(line, sizeof(line), f));
        fclose(f);
        for (size_t i = 0, k = 0; line[i] && line[i] != '\n'; i++)
                if (line[i] != '-')
                        boot[k++] = line[i];
        f = fopen("/etc/machine-id", "re");
        if (f && fgets(machine, sizeof(machine), f))
                machine[strcspn(machine, "\n")] = '\0';
        if (f)
                fclose(f);
        _cleanup_free_ char *want = NULL;
        assert_true(asprintf(&want, "%s|%.*s|%s|%s|%s", host, (int) strcspn(host, "."), host, boot, machine,
                             un.release) > 0);
        u = load_clean("[Unit]\nDescription=%H|%l|%b|%m|%v\n" SVC);
        assert_string_equal(u->description, want);
        assert_int_equal(strlen(boot), 32);
        unit_free(u);
}

/* systemd.exec(5): STATE_DIRECTORY= and its kin, the paths as the service sees them, ':'-joined;
 * an Environment= line of the same name wins, as the unit's own assignments do in systemd. */
static void test_units__directory_environment_variables(void **state _unused_) {
        struct unit *u = load_svc("StateDirectory=a b/c\nRuntimeDirectory=r\nCacheDirectory=c\n"
                                  "LogsDirectory=l\nConfigurationDirectory=e\nEnvironment=X=1\n");
        struct unit_diag d = {};
        char **env = NULL;
        assert_int_equal(unit_build_environment(u, NULL, &env, &d), 0);
        assert_strv(env, "RUNTIME_DIRECTORY=/run/r", "STATE_DIRECTORY=/var/lib/a:/var/lib/b/c",
                    "CACHE_DIRECTORY=/var/cache/c", "LOGS_DIRECTORY=/var/log/l",
                    "CONFIGURATION_DIRECTORY=/etc/e", "X=1", NULL);
        strv_free(env);
        unit_free(u);
        u = load_svc("StateDirectory=a\nEnvironment=STATE_DIRECTORY=/elsewhere\n");
        assert_int_equal(unit_build_environment(u, NULL, &env, &d), 0);
        assert_strv(env, "STATE_DIRECTORY=/elsewhere", NULL);
        strv_free(env);
        unit_free(u);
        u = load_svc("Environment=Y=2\n");
        assert_int_equal(unit_build_environment(u, NULL, &env, &d), 0);
        assert_strv(env, "Y=2", NULL);
        strv_free(env);
        unit_free(u);
        unit_diag_clear(&d);
}

static void test_units__unknown_specifier_is_refused(void **state _unused_) {
        expect_error("[Unit]\nDescription=on %Z\n" SVC, 2, "unknown specifier %Z");
        expect_error(SVC "ExecStartPre=/bin/echo 50%\n", 3, "lone '%'");
}

static void test_units__percent_values_are_not_specifiers(void **state _unused_) {
        struct unit *u = load_svc("CPUQuota=50%\nMemoryMax=10%\nTasksMax=5%\n");
        assert_true(u->cpu_quota_per_sec_usec == 500 * MS);
        unit_free(u);
}

/* ---- files, templates and drop-ins --------------------------------------------------------- */

static void test_units__template_instance_loads_from_dir(void **state _unused_) {
        char *dir = mktemp_dir();
        write_file(dir, "web@.unit", "[Unit]\nDescription=site %i\n[Service]\nExecStart=/usr/bin/web %i\n");
        struct unit_diag d = {};
        struct unit *u = NULL;
        assert_int_equal(unit_load_from_dir(dir, "web@blue", NULL, &u, &d), 0);
        assert_int_equal(d.n, 0);
        assert_string_equal(u->name, "web@blue");
        assert_string_equal(u->description, "site blue");
        assert_strv(first_exec(u)->argv, "/usr/bin/web", "blue", NULL);
        _cleanup_free_ char *tpl = path_join(dir, "web@.unit");
        assert_string_equal(u->path, tpl);
        unit_free(u);
        rm_rf(dir);
}

static void test_units__loading_a_template_itself_is_refused(void **state _unused_) {
        char *dir = mktemp_dir();
        write_file(dir, "web@.unit", "[Service]\nExecStart=/usr/bin/web %i\n");
        struct unit_diag d = {};
        struct unit *u = NULL;
        assert_int_equal(unit_load_from_dir(dir, "web@", NULL, &u, &d), -EINVAL);
        assert_true(diag_has(&d, false, NULL, 0, "web@ is a template; load an instance of it such as web@1"));
        unit_diag_clear(&d);
        _cleanup_free_ char *p = path_join(dir, "web@.unit");
        assert_int_equal(unit_load_file(p, NULL, &u, &d), -EINVAL);
        assert_true(diag_has(&d, false, p, 0, "is a template"));
        unit_diag_clear(&d);
        assert_int_equal(unit_load_string(SVC, "web@.unit", "web@", NULL, &u, &d), -EINVAL);
        unit_diag_clear(&d);
        rm_rf(dir);
}

static void test_units__instance_file_wins_over_template(void **state _unused_) {
        char *dir = mktemp_dir();
        write_file(dir, "web@.unit", "[Unit]\nDescription=template\n" SVC);
        write_file(dir, "web@special.unit", "[Unit]\nDescription=own %i\n" SVC);
        struct unit_diag d = {};
        struct unit *u = NULL;
        assert_int_equal(unit_load_from_dir(dir, "web@special", NULL, &u, &d), 0);
        assert_string_equal(u->description, "own special");
        assert_string_equal(u->instance, "special");
        unit_free(u);
        assert_int_equal(unit_load_from_dir(dir, "web@other", NULL, &u, &d), 0);
        assert_string_equal(u->description, "template");
        unit_free(u);
        unit_diag_clear(&d);
        rm_rf(dir);
}

static void test_units__dropins_apply_in_lexical_order(void **state _unused_) {
        char *dir = mktemp_dir();
        write_file(dir, "blog.unit", "[Unit]\nDescription=main\nAfter=a\n" SVC "Restart=no\n");
        write_file(dir, "blog.unit.d/20-b.conf", "[Unit]\nDescription=twenty\nAfter=c\n");
        write_file(dir, "blog.unit.d/10-a.conf",
                   "[Unit]\nDescription=ten\nAfter=b\n[Service]\nRestart=always\n");
        write_file(dir, "blog.unit.d/README", "not a drop-in\n");
        write_file(dir, "blog.unit.d/.hidden.conf", "garbage\n");
        struct unit_diag d = {};
        struct unit *u = NULL;
        assert_int_equal(unit_load_from_dir(dir, "blog", NULL, &u, &d), 0);
        assert_int_equal(d.n, 0);
        assert_string_equal(u->description, "twenty");
        assert_strv(u->after, "a", "b", "c", NULL);
        assert_int_equal(u->restart, RESTART_ALWAYS);
        assert_int_equal(strv_length(u->dropins), 2);
        assert_non_null(strstr(u->dropins[0], "/blog.unit.d/10-a.conf"));
        assert_non_null(strstr(u->dropins[1], "/blog.unit.d/20-b.conf"));
        /* Locations point at the drop-in that wrote the entry. */
        assert_string_equal(u->after_loc[1].file, u->dropins[0]);
        assert_int_equal(u->after_loc[1].line, 3);
        unit_free(u);
        rm_rf(dir);
}

static void test_units__instance_dropin_overrides_template_dropin_of_same_name(void **state _unused_) {
        char *dir = mktemp_dir();
        write_file(dir, "web@.unit", "[Service]\nExecStart=/usr/bin/web\n");
        write_file(dir, "web@.unit.d/50-x.conf", "[Unit]\nDescription=template drop-in\n");
        write_file(dir, "web@.unit.d/10-tpl.conf", "[Unit]\nDocumentation=tpl\n");
        write_file(dir, "web@blue.unit.d/50-x.conf", "[Unit]\nDescription=instance drop-in\n");
        write_file(dir, "web@blue.unit.d/30-own.conf", "[Unit]\nDocumentation=own\n");
        struct unit_diag d = {};
        struct unit *u = NULL;
        assert_int_equal(unit_load_from_dir(dir, "web@blue", NULL, &u, &d), 0);
        assert_string_equal(u->description, "instance drop-in");
        assert_strv(u->documentation, "tpl", "own", NULL);
        assert_int_equal(strv_length(u->dropins), 3);
        assert_non_null(strstr(u->dropins[2], "web@blue.unit.d/50-x.conf"));
        unit_free(u);
        /* Another instance gets the template's drop-ins only. */
        assert_int_equal(unit_load_from_dir(dir, "web@red", NULL, &u, &d), 0);
        assert_string_equal(u->description, "template drop-in");
        unit_free(u);
        unit_diag_clear(&d);
        rm_rf(dir);
}

static void test_units__dropin_can_reset_exec_start(void **state _unused_) {
        char *dir = mktemp_dir();
        write_file(dir, "blog.unit", "[Service]\nExecStart=/usr/bin/old\n");
        write_file(dir, "blog.unit.d/override.conf", "[Service]\nExecStart=\nExecStart=/usr/bin/new\n");
        struct unit_diag d = {};
        struct unit *u = NULL;
        assert_int_equal(unit_load_from_dir(dir, "blog", NULL, &u, &d), 0);
        assert_string_equal(first_exec(u)->path, "/usr/bin/new");
        assert_non_null(strstr(first_exec(u)->file, "override.conf"));
        assert_int_equal(first_exec(u)->line, 3);
        unit_free(u);
        rm_rf(dir);
}

static void test_units__dropin_errors_name_the_dropin(void **state _unused_) {
        char *dir = mktemp_dir();
        write_file(dir, "blog.unit", SVC);
        write_file(dir, "blog.unit.d/bad.conf", "[Service]\n\nRestart=never\n");
        struct unit_diag d = {};
        struct unit *u = NULL;
        assert_int_equal(unit_load_from_dir(dir, "blog", NULL, &u, &d), -EINVAL);
        _cleanup_free_ char *p = path_join(dir, "blog.unit.d/bad.conf");
        assert_true(diag_has(&d, false, p, 3, "Restart=never"));
        unit_diag_clear(&d);
        /* A drop-in starts outside any section, like any file. */
        write_file(dir, "blog.unit.d/bad.conf", "Restart=no\n");
        assert_int_equal(unit_load_from_dir(dir, "blog", NULL, &u, &d), -EINVAL);
        assert_true(diag_has(&d, false, p, 1, "before any section header"));
        unit_diag_clear(&d);
        rm_rf(dir);
}

static void test_units__missing_unit_file_is_enoent(void **state _unused_) {
        char *dir = mktemp_dir();
        struct unit_diag d = {};
        struct unit *u = NULL;
        assert_int_equal(unit_load_from_dir(dir, "ghost", NULL, &u, &d), -ENOENT);
        assert_true(diag_has(&d, false, NULL, 0, "no such unit file"));
        assert_int_equal(unit_load_from_dir(dir, "ghost@1", NULL, &u, &d), -ENOENT);
        assert_true(diag_has(&d, false, NULL, 0, "no template"));
        unit_diag_clear(&d);
        rm_rf(dir);
}

static void test_units__names_must_be_plain_file_names(void **state _unused_) {
        char long_name[UNIT_NAME_MAX + 2];
        memset(long_name, 'a', sizeof(long_name) - 1);
        long_name[sizeof(long_name) - 1] = '\0';
        const char *const bad[] = { "",      "../x", "a/b",    ".hidden",    "x.unit", "x.service",
                                    "a@b@c", "@x",   "sp ace", "semi;colon", long_name };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                struct unit_diag d = {};
                struct unit *u = NULL;
                assert_false(unit_name_is_valid(bad[i]));
                assert_int_equal(unit_load_from_dir("/nonexistent", bad[i], NULL, &u, &d), -EINVAL);
                assert_true(diag_has(&d, false, NULL, 0, "is not a unit name"));
                unit_diag_clear(&d);
        }
        long_name[UNIT_NAME_MAX] = '\0';
        assert_true(unit_name_is_valid(long_name));
        const char *const good[] = { "blog", "web@1", "a.b-c_d:e", "network.target", "x@" };
        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                assert_true(unit_name_is_valid(good[i]));
}

static void test_units__load_file_takes_name_and_dropins_from_path(void **state _unused_) {
        char *dir = mktemp_dir();
        write_file(dir, "mail.unit", "[Unit]\nDescription=%n\n" SVC);
        write_file(dir, "mail.unit.d/x.conf", "[Service]\nRestart=no\n");
        write_file(dir, "notes.txt", SVC);
        _cleanup_free_ char *p = path_join(dir, "mail.unit"), *q = path_join(dir, "notes.txt");
        struct unit_diag d = {};
        struct unit *u = NULL;
        assert_int_equal(unit_load_file(p, NULL, &u, &d), 0);
        assert_string_equal(u->name, "mail");
        assert_string_equal(u->description, "mail.unit");
        assert_int_equal(u->restart, RESTART_NO);
        assert_string_equal(u->path, p);
        unit_free(u);
        assert_int_equal(unit_load_file(q, NULL, &u, &d), -EINVAL);
        assert_true(diag_has(&d, false, q, 0, "must end in .unit"));
        unit_diag_clear(&d);
        rm_rf(dir);
}

/* A packaged NAME.service loads as unit NAME, with NAME.service.d/ drop-ins, as a .unit does. */
static void test_units__service_file_loads_as_its_stem(void **state _unused_) {
        char *dir = mktemp_dir();
        write_file(dir, "nginx.service", "[Unit]\nDescription=%n %N\n" SVC);
        write_file(dir, "nginx.service.d/tree.conf", "[Service]\nRestart=no\n");
        write_file(dir, "web@.service", "[Unit]\nDescription=%n\n" SVC);
        struct unit_diag d = {};
        struct unit *u = NULL;
        assert_int_equal(unit_load_from_dir(dir, "nginx", NULL, &u, &d), 0);
        assert_string_equal(u->name, "nginx");
        assert_string_equal(u->description, "nginx.service nginx");
        assert_int_equal(u->restart, RESTART_NO);
        u = unit_free(u);
        assert_int_equal(unit_load_from_dir(dir, "web@1", NULL, &u, &d), 0);
        assert_string_equal(u->description, "web@1.service");
        u = unit_free(u);
        _cleanup_free_ char *p = path_join(dir, "nginx.service");
        assert_int_equal(unit_load_file(p, NULL, &u, &d), 0);
        assert_string_equal(u->name, "nginx");
        assert_int_equal(u->restart, RESTART_NO);
        unit_free(u);
        assert_int_equal(d.n, 0);
        rm_rf(dir);
}

/* a.unit and a.service both define unit a: refused, naming both files. */
static void test_units__name_defined_twice_is_refused(void **state _unused_) {
        char *dir = mktemp_dir();
        write_file(dir, "a.unit", SVC);
        write_file(dir, "a.service", SVC);
        write_file(dir, "t@.unit", SVC);
        write_file(dir, "t@.service", SVC);
        struct unit_diag d = {};
        struct unit *u = NULL;
        _cleanup_free_ char *first = path_join(dir, "a.unit"), *second = path_join(dir, "a.service");
        assert_int_equal(unit_load_from_dir(dir, "a", NULL, &u, &d), -EINVAL);
        assert_true(diag_has(&d, false, second, 0, first));
        assert_true(diag_has(&d, false, second, 0, "a second time"));
        unit_diag_clear(&d);
        assert_int_equal(unit_load_from_dir(dir, "t@1", NULL, &u, &d), -EINVAL);
        assert_true(diag_has(&d, false, NULL, 0, "defines unit t@ a second time"));
        unit_diag_clear(&d);
        rm_rf(dir);
}

static void test_units__name_suffix_strips(void **state _unused_) {
        char a[] = "nginx.service", b[] = "nginx.unit", c[] = "network.target", e[] = ".service";
        assert_false(unit_name_is_valid(a));
        unit_name_strip_suffix(a);
        unit_name_strip_suffix(b);
        unit_name_strip_suffix(c);
        unit_name_strip_suffix(e);
        assert_string_equal(a, "nginx");
        assert_string_equal(b, "nginx");
        assert_string_equal(c, "network.target");
        assert_string_equal(e, ".service");
}

static uint64_t fnv(uint64_t h, const char *s) {
        for (; *s; s++) {
                h ^= (unsigned char) *s;
                h *= 0x100000001b3ULL;
        }
        return h;
}

static void test_units__source_hash_covers_file_and_dropins(void **state _unused_) {
        static const char main_text[] = "[Service]\nExecStart=/bin/true\n";
        static const char dropin_text[] = "[Service]\nRestart=no\n";
        char *dir = mktemp_dir();
        write_file(dir, "h.unit", main_text);
        struct unit_diag d = {};
        struct unit *u = NULL;
        assert_int_equal(unit_load_from_dir(dir, "h", NULL, &u, &d), 0);
        assert_true(u->source_hash == fnv(0xcbf29ce484222325ULL, main_text));
        unit_free(u);
        assert_int_equal(load(main_text, &u, &d), 0);
        assert_true(u->source_hash == fnv(0xcbf29ce484222325ULL, main_text));
        unit_free(u);
        write_file(dir, "h.unit.d/a.conf", dropin_text);
        assert_int_equal(unit_load_from_dir(dir, "h", NULL, &u, &d), 0);
        assert_true(u->source_hash == fnv(fnv(0xcbf29ce484222325ULL, main_text), dropin_text));
        unit_free(u);
        rm_rf(dir);
}

static void test_units__one_bad_unit_is_refused_alone(void **state _unused_) {
        char *dir = mktemp_dir();
        write_file(dir, "bad.unit", SVC "Restart=sometimes\n");
        write_file(dir, "good.unit", SVC);
        struct unit_diag d = {};
        struct unit *bad = NULL, *good = NULL;
        assert_int_equal(unit_load_from_dir(dir, "bad", NULL, &bad, &d), -EINVAL);
        /* The same diag already holds an error: the next unit still loads. */
        assert_int_equal(unit_load_from_dir(dir, "good", NULL, &good, &d), 0);
        assert_null(bad);
        assert_non_null(good);
        assert_true(unit_diag_has_errors(&d));
        unit_free(good);
        unit_diag_clear(&d);
        assert_false(unit_diag_has_errors(&d));
        rm_rf(dir);
}

/* ---- defaults ------------------------------------------------------------------------------ */

static void test_units__defaults_follow_design(void **state _unused_) {
        struct unit *u = load_clean(SVC);
        assert_int_equal(u->type, SERVICE_SIMPLE);
        assert_int_equal(u->restart, RESTART_ON_FAILURE);
        assert_true(u->restart_usec == 100 * MS);
        assert_int_equal(u->restart_steps, 9);
        assert_true(u->restart_max_delay_usec == 30 * SEC);
        assert_int_equal(u->start_limit_burst, 0);
        assert_true(u->start_limit_interval_usec == 10 * SEC);
        assert_true(u->timeout_start_usec == 90 * SEC);
        assert_true(u->timeout_stop_usec == 10 * SEC);
        assert_int_equal(u->kill_signal, SIGTERM);
        assert_true(u->private_network);
        assert_true(u->no_new_privileges);
        assert_int_equal(u->max_connections, 64);
        assert_false(u->accept);
        assert_int_equal(u->overlay, OVERLAY_NONE);
        assert_true(u->capability_bounding_set == UNIT_UNSET);
        assert_true(u->ambient_capabilities == 0);
        assert_true(u->memory_max == UNIT_UNSET && u->memory_high == UNIT_UNSET &&
                    u->tasks_max == UNIT_UNSET);
        assert_true(u->cpu_weight == UNIT_UNSET && u->io_weight == UNIT_UNSET &&
                    u->cpu_quota_per_sec_usec == UNIT_UNSET);
        assert_false(u->nice_set);
        assert_false(u->oom_score_adjust_set);
        assert_true(u->log_rotate_size == 1024 * 1024);
        assert_int_equal(u->log_rotate_count, 10);
        assert_null(u->root_directory);
        assert_null(u->hostname);
        assert_null(u->working_directory);
        for (size_t i = 0; i < UNIT_RLIMIT_MAX; i++)
                assert_null(u->rlimits[i]);
        unit_free(u);
}

/* ---- dependency graph ---------------------------------------------------------------------- */

struct graph_fixture {
        struct unit *u[4];
        size_t n;
        bool refused[4];
        struct unit_diag d;
};

static void graph_add(struct graph_fixture *g, const char *name, const char *unit_lines) {
        _cleanup_free_ char *text = NULL, *file = NULL;
        assert_true(asprintf(&text, "[Unit]\n%s" SVC, unit_lines) > 0);
        assert_true(asprintf(&file, "%s.unit", name) > 0);
        assert_int_equal(unit_load_string(text, file, name, NULL, &g->u[g->n++], &g->d), 0);
}

static void graph_done(struct graph_fixture *g) {
        for (size_t i = 0; i < g->n; i++)
                unit_free(g->u[i]);
        unit_diag_clear(&g->d);
}

static void test_units__graph_without_cycle_passes(void **state _unused_) {
        struct graph_fixture g = {};
        graph_add(&g, "a", "After=b c\nRequires=b\n");
        graph_add(&g, "b", "After=c\nWants=a\n");
        graph_add(&g, "c", "Before=a\n");
        assert_int_equal(unit_check_graph(g.u, g.n, g.refused, &g.d), 0);
        assert_int_equal(g.d.n, 0);
        assert_false(g.refused[0] || g.refused[1] || g.refused[2]);
        graph_done(&g);
}

static void test_units__graph_two_unit_cycle_refuses_both_at_their_lines(void **state _unused_) {
        struct graph_fixture g = {};
        graph_add(&g, "a", "Description=a\nAfter=b\n");
        graph_add(&g, "b", "After=a\n");
        graph_add(&g, "c", "After=a\n");
        assert_int_equal(unit_check_graph(g.u, g.n, g.refused, &g.d), 0);
        assert_true(g.refused[0]);
        assert_true(g.refused[1]);
        assert_false(g.refused[2]);
        assert_int_equal(diag_count(&g.d, false), 2);
        assert_true(diag_has(&g.d, false, "a.unit", 3, "ordering cycle: a -> b -> a"));
        assert_true(diag_has(&g.d, false, "b.unit", 2, "ordering cycle: b -> a -> b"));
        graph_done(&g);
}

static void test_units__graph_before_edges_close_cycles(void **state _unused_) {
        struct graph_fixture g = {};
        /* a After=b, and a Before=b: b starts after a, which starts after b. */
        graph_add(&g, "a", "After=b\nBefore=b\n");
        graph_add(&g, "b", "");
        assert_int_equal(unit_check_graph(g.u, g.n, g.refused, &g.d), 0);
        assert_true(g.refused[0] && g.refused[1]);
        assert_true(diag_has(&g.d, false, "a.unit", 2, "a -> b -> a"));
        assert_true(diag_has(&g.d, false, "a.unit", 3, "b -> a -> b"));
        graph_done(&g);
}

static void test_units__graph_requires_and_wants_alone_do_not_order(void **state _unused_) {
        struct graph_fixture g = {};
        graph_add(&g, "a", "Requires=b\nWants=b\n");
        graph_add(&g, "b", "Requires=a\n");
        assert_int_equal(unit_check_graph(g.u, g.n, g.refused, &g.d), 0);
        assert_int_equal(g.d.n, 0);
        graph_done(&g);
}

static void test_units__graph_three_unit_cycle_names_the_whole_cycle(void **state _unused_) {
        struct graph_fixture g = {};
        graph_add(&g, "a", "After=b\n");
        graph_add(&g, "b", "After=c\n");
        graph_add(&g, "c", "After=a\n");
        graph_add(&g, "d", "After=a b c x.target\n");
        assert_int_equal(unit_check_graph(g.u, g.n, g.refused, &g.d), 0);
        assert_true(g.refused[0] && g.refused[1] && g.refused[2]);
        assert_false(g.refused[3]);
        assert_true(diag_has(&g.d, false, "a.unit", 2, "ordering cycle: a -> b -> c -> a"));
        assert_true(diag_has(&g.d, false, "b.unit", 2, "ordering cycle: b -> c -> a -> b"));
        assert_true(diag_has(&g.d, false, "c.unit", 2, "ordering cycle: c -> a -> b -> c"));
        assert_int_equal(g.d.n, 3);
        graph_done(&g);
}

static void test_units__graph_self_ordering_is_a_cycle(void **state _unused_) {
        struct graph_fixture g = {};
        graph_add(&g, "a", "After=a.service\n");
        assert_int_equal(unit_check_graph(g.u, g.n, g.refused, &g.d), 0);
        assert_true(g.refused[0]);
        assert_true(diag_has(&g.d, false, "a.unit", 2, "ordering cycle: a -> a"));
        graph_done(&g);
}

/* ---- $VAR expansion and the environment ----------------------------------------------------- */

static char **expand(const char *exec_line, char **env) {
        _cleanup_free_ char *text = NULL;
        char **argv = NULL;
        assert_true(asprintf(&text, "[Service]\nExecStart=%s\n", exec_line) > 0);
        struct unit *u = load_clean(text);
        assert_int_equal(unit_exec_expand(first_exec(u), env, &argv), 0);
        unit_free(u);
        return argv;
}

static void test_units__exec_expand_whole_word_splits(void **state _unused_) {
        _cleanup_strv_free_ char **env = strv_make("ARGS=-a  -b \"c d\"", "EMPTY=", NULL);
        char **argv = expand("/bin/x $ARGS $EMPTY end", env);
        assert_strv(argv, "/bin/x", "-a", "-b", "c d", "end", NULL);
        strv_free(argv);
}

static void test_units__exec_expand_braces_in_place(void **state _unused_) {
        _cleanup_strv_free_ char **env = strv_make("FOO=a b", "N=1", NULL);
        char **argv = expand("/bin/x --opt=${FOO} ${FOO} pre${N}post", env);
        assert_strv(argv, "/bin/x", "--opt=a b", "a b", "pre1post", NULL);
        strv_free(argv);
}

static void test_units__exec_expand_unset_and_literal_dollars(void **state _unused_) {
        _cleanup_strv_free_ char **env = strv_make("A=1", "A=2", NULL);
        char **argv = expand("/bin/x $NOPE ${NOPE} $$A $A x$A ${A $ $$ ${} ${1A}", env);
        assert_strv(argv, "/bin/x", "", "$A", "2", "x$A", "${A", "$", "$", "${}", "${1A}", NULL);
        strv_free(argv);
}

static void test_units__exec_expand_not_with_colon_prefix(void **state _unused_) {
        _cleanup_strv_free_ char **env = strv_make("A=1", NULL);
        char **argv = expand(":/bin/x $A ${A} $$", env);
        assert_strv(argv, "/bin/x", "$A", "${A}", "$$", NULL);
        strv_free(argv);
}

static void test_units__environment_files_are_read_and_override(void **state _unused_) {
        char *dir = mktemp_dir();
        write_file(
                dir, "etc/default/blog",
                "# comment\n; another\n\nA=from-file\n  B = spaced value  \nQ=\"double \\\"q\\\" $x\\\\\"\n"
                "S='single \\n kept'\nC=one\\\ntwo\nM=\"multi\nline\"\nE=\nexport_ok=1\n");
        write_file(dir, "etc/second", "A=second\n");
        struct unit *u = load_clean(SVC "Environment=A=unit Z=unit\nEnvironmentFile=/etc/default/blog\n"
                                        "EnvironmentFile=-/etc/missing\nEnvironmentFile=/etc/second\n");
        struct unit_diag d = {};
        char **env = NULL;
        assert_int_equal(unit_build_environment(u, dir, &env, &d), 0);
        if (d.n)
                print_diag(&d);
        assert_int_equal(d.n, 0);
        assert_strv(env, "A=second", "Z=unit", "B=spaced value", "Q=double \"q\" $x\\", "S=single \\n kept",
                    "C=onetwo", "M=multi\nline", "E=", "export_ok=1", NULL);
        strv_free(env);
        unit_free(u);
        rm_rf(dir);
}

static void test_units__missing_environment_file_is_enoent(void **state _unused_) {
        char *dir = mktemp_dir();
        struct unit *u = load_clean(SVC "EnvironmentFile=/etc/nothere\n");
        struct unit_diag d = {};
        char **env = NULL;
        assert_int_equal(unit_build_environment(u, dir, &env, &d), -ENOENT);
        assert_null(env);
        assert_true(diag_has(&d, false, "test.unit", 3, "EnvironmentFile=/etc/nothere"));
        unit_diag_clear(&d);
        unit_free(u);
        rm_rf(dir);
}

static void test_units__environment_file_bad_lines_are_warned_and_skipped(void **state _unused_) {
        char *dir = mktemp_dir();
        write_file(dir, "env", "GOOD=1\nno equals here\n1BAD=x\nALSO=2\n");
        _cleanup_free_ char *p = path_join(dir, "env"), *line = NULL;
        assert_true(asprintf(&line, "EnvironmentFile=%s\n", p) > 0);
        struct unit *u = load_svc(line);
        struct unit_diag d = {};
        char **env = NULL;
        assert_int_equal(unit_build_environment(u, NULL, &env, &d), 0);
        assert_strv(env, "GOOD=1", "ALSO=2", NULL);
        assert_true(diag_has(&d, true, p, 2, "expected KEY=VALUE"));
        assert_true(diag_has(&d, true, p, 3, "expected KEY=VALUE"));
        assert_int_equal(d.n, 2);
        strv_free(env);
        unit_diag_clear(&d);
        unit_free(u);
        rm_rf(dir);
}

/* ---- the four classes ---------------------------------------------------------------------- */

/* TEXT must be refused on HOST with an error at line 3 whose message contains GIST. */
static void expect_refused_on(const struct unit_host *host, const char *text, const char *gist) {
        struct unit_diag d = {};
        struct unit *u = NULL;
        int r = unit_load_string(text, "test.unit", "test", host, &u, &d);
        bool found = diag_has(&d, false, "test.unit", 3, gist);
        if (!found)
                print_diag(&d);
        assert_int_equal(r, -EINVAL);
        assert_null(u);
        assert_true(found);
        unit_diag_clear(&d);
}

static void test_units__key_the_host_lacks_is_refused_with_the_reason(void **state _unused_) {
        struct unit_host v1 = {};
        v1.lacks[UNIT_HOST_MEMORY_HIGH] =
                "this host's memory controller is cgroup v1, which has no memory.high";
        v1.lacks[UNIT_HOST_CPU] = "no cpu controller is available to svcd";
        expect_refused_on(&v1, SVC "MemoryHigh=1G\n",
                          "MemoryHigh= cannot be applied here: this host's memory controller is cgroup v1, "
                          "which has no memory.high");
        expect_refused_on(&v1, SVC "CPUWeight=50\n", "CPUWeight= cannot be applied here: no cpu controller");
        expect_refused_on(&v1, SVC "CPUQuota=50%\n", "CPUQuota= cannot be applied here: no cpu controller");
        /* What the host has still loads, and the value is kept. */
        struct unit_diag d = {};
        struct unit *u = NULL;
        assert_int_equal(
                unit_load_string(SVC "MemoryMax=1G\nTasksMax=10\n", "test.unit", "test", &v1, &u, &d), 0);
        assert_int_equal(d.n, 0);
        assert_int_equal(u->memory_max, 1ULL << 30);
        unit_free(u);
}

static void test_units__no_host_means_every_key_is_available(void **state _unused_) {
        struct unit *u = load_clean(SVC "MemoryMax=1G\nMemoryHigh=512M\nTasksMax=10\nCPUWeight=50\n"
                                        "CPUQuota=50%\nIOWeight=10\n");
        assert_int_equal(u->memory_high, 512ULL << 20);
        unit_free(u);
        /* An empty host lacks nothing either. */
        const struct unit_host all = {};
        struct unit_diag d = {};
        assert_int_equal(unit_load_string(SVC "IOWeight=10\n", "test.unit", "test", &all, &u, &d), 0);
        assert_int_equal(d.n, 0);
        unit_free(u);
}

static void test_units__implied_keys_are_silent_when_they_match(void **state _unused_) {
        struct unit *u = load_clean(
                SVC "PrivateTmp=yes\nPrivateDevices=true\nProtectSystem=strict\nProtectSystem=full\n"
                    "ProtectSystem=yes\nProtectHome=yes\nProtectHome=read-only\nProtectHome=tmpfs\n"
                    "ProtectKernelModules=yes\nProtectKernelTunables=1\nProtectKernelLogs=on\n"
                    "ProtectControlGroups=yes\nProtectClock=yes\nProtectHostname=yes\nPrivateIPC=yes\n"
                    "RestrictSUIDSGID=yes\nLockPersonality=yes\nMountAPIVFS=yes\nRestrictRealtime=yes\n"
                    "KeyringMode=private\nPrivateMounts=yes\nPrivateTmp=\n");
        unit_free(u);
}

static void test_units__implied_keys_refuse_less_isolation(void **state _unused_) {
        expect_bad_value("ProtectSystem", "no",
                         "asks for less isolation than svc's sandbox, which always acts as "
                         "ProtectSystem=strict; svc cannot relax that yet");
        expect_bad_value("KeyringMode", "shared", "svc cannot relax that yet");
        expect_bad_value("PrivateIPC", "0", "svc cannot relax that yet");
}

/* munin-node says PrivateDevices=false, lldpd ProtectKernelTunables=no: they load, told what
 * svc's sandbox still does. */
static void test_units__devices_and_tunables_no_warn_what_stays(void **state _unused_) {
        expect_warning(SVC "PrivateDevices=false\n", 3,
                       "PrivateDevices=false: svc gives every service a /dev of its own holding only null");
        expect_warning(SVC "ProtectKernelTunables=no\n", 3, "/sys and /proc/sys read-only");
        expect_error(SVC "PrivateDevices=perhaps\n", 3, "expected a boolean");
        expect_error(SVC "ProtectKernelTunables=full\n", 3, "expected a boolean");
}

/* mariadb's packaged unit says PrivateTmp=false: it loads, told that its /tmp stays its own. */
static void test_units__private_tmp_no_warns_that_tmp_stays_private(void **state _unused_) {
        expect_warning(SVC "PrivateTmp=false\n", 3,
                       "PrivateTmp=false: svc gives every service a /tmp and /var/tmp of its own");
        expect_warning(SVC "PrivateTmp=no\n", 3, "shared with no other service");
        expect_error(SVC "PrivateTmp=perhaps\n", 3, "expected a boolean");
}

static void test_units__implied_keys_refuse_bad_values(void **state _unused_) {
        expect_bad_value("ProtectSystem", "sometimes", "expected yes, full or strict");
        expect_bad_value("PrivateTmp", "perhaps", "expected a boolean");
        expect_bad_value("ProtectHome", "strict", "expected yes, no, read-only or tmpfs");
}

static void test_units__unsupported_keys_that_matter_are_errors(void **state _unused_) {
        expect_bad_value("RestrictFileSystems", "ext4", "RestrictFileSystems= is not supported");
        expect_bad_value("SecureBits", "keep-caps", "would weaken isolation");
        expect_bad_value("WatchdogSec", "30", "WatchdogSec= is not supported");
        expect_error("[Unit]\nConditionNeedsUpdate=/etc\n" SVC, 2, "ConditionNeedsUpdate= is not supported");
        expect_error("[Unit]\nAssertFirmware=uefi\n" SVC, 2, "AssertFirmware= is not supported");
}

static void test_units__unsupported_keys_that_do_not_matter_are_warnings(void **state _unused_) {
        expect_warning(SVC "SyslogIdentifier=blog\n", 3,
                       "SyslogIdentifier= is ignored: svc writes each service's lines to a log of its own");
        expect_warning(SVC "StandardOutput=journal\n", 3, "StandardOutput= is ignored");
        expect_warning("[Unit]\nDefaultDependencies=no\n" SVC, 2, "DefaultDependencies= is ignored");
        expect_warning(SVC "IOAccounting=yes\n", 3, "IOAccounting= is ignored: svc does not account I/O");
}

static void test_units__metadata_keys_are_accepted_silently(void **state _unused_) {
        struct unit *u =
                load_clean("[Unit]\nDocumentation=man:blog(8)\n" SVC "[Install]\nWantedBy=multi-user.target\n"
                           "Alias=b\nRequiredBy=c\nUpheldBy=d\nAlso=e\nDefaultInstance=f\n");
        unit_free(u);
}

static void test_units__unknown_key_suggests_the_nearest(void **state _unused_) {
        expect_error(SVC "Restrat=always\n", 3, "unknown key Restrat= in [Service]; did you mean Restart=?");
        expect_error(SVC "execstart=/bin/true\n", 3, "did you mean ExecStart=?");
        expect_error(SVC "PrivateNetworking=no\n", 3, "did you mean PrivateNetwork=?");
        expect_error("[Unit]\nDescripton=x\n" SVC, 2, "did you mean Description=?");
}

static void test_units__unknown_key_without_a_near_one(void **state _unused_) {
        struct unit_diag d = {};
        struct unit *u = NULL;
        assert_int_equal(load(SVC "Frobnicate=1\n", &u, &d), -EINVAL);
        assert_true(diag_has(&d, false, "test.unit", 3, "unknown key Frobnicate= in [Service]"));
        assert_null(strstr(d.items[0].message, "did you mean"));
        unit_diag_clear(&d);
}

static void test_units__key_in_the_wrong_section_says_where_it_belongs(void **state _unused_) {
        expect_error("[Unit]\nExecStart=/bin/true\n" SVC, 2,
                     "ExecStart= belongs in [Service], not in [Unit]");
        expect_error(SVC "After=db\n", 3, "After= belongs in [Unit], not in [Service]");
        expect_error(SVC "WantedBy=x\n", 3, "belongs in [Install]");
        expect_error(SVC "ConditionHost=x\n", 3, "belongs in [Unit]");
}

static void test_units__systemd_sections_get_a_specific_sentence(void **state _unused_) {
        expect_error(SVC "[Socket]\nListenStream=80\n", 3,
                     "[Socket] belongs in a socket file of its own, NAME.socket");
        expect_error(SVC "[Timer]\nOnCalendar=daily\n", 3,
                     "[Timer] belongs in a timer file of its own, NAME.timer");
        expect_error(SVC "[Mount]\nWhat=/dev/sda1\n", 3, "svc does not manage mounts");
}

static void test_units__unknown_section_is_refused(void **state _unused_) {
        expect_error(SVC "[Servce]\nRestart=no\n", 3,
                     "unknown section [Servce]: svc knows [Unit], [Service] and [Install]");
}

static const struct unit_key_info *find_key(const char *section, const char *key) {
        for (size_t i = 0; unit_key_table_get(i); i++) {
                const struct unit_key_info *k = unit_key_table_get(i);
                if (streq(k->section, section) && streq(k->key, key))
                        return k;
        }
        return NULL;
}

/* The classes this build promises (the issue's list). */
static const char *const implemented_keys[] = {
        "Description",
        "After",
        "Before",
        "Requires",
        "Wants",
        "StartLimitIntervalSec",
        "StartLimitBurst",
        "Type",
        "PIDFile",
        "ExecStartPre",
        "ExecStart",
        "ExecReload",
        "ExecStop",
        "Restart",
        "RestartSec",
        "RestartSteps",
        "RestartMaxDelaySec",
        "TimeoutStartSec",
        "TimeoutStopSec",
        "KillSignal",
        "User",
        "Group",
        "SupplementaryGroups",
        "Environment",
        "EnvironmentFile",
        "WorkingDirectory",
        "Nice",
        "OOMScoreAdjust",
        "LogRotateSize",
        "LogRotateCount",
        "LimitCPU",
        "LimitNOFILE",
        "LimitRTTIME",
        "ListenStream",
        "Accept",
        "MaxConnections",
        "RootDirectory",
        "Overlay",
        "BindPaths",
        "BindReadOnlyPaths",
        "StateDirectory",
        "RuntimeDirectory",
        "LogsDirectory",
        "PrivateNetwork",
        "PublishPort",
        "Outbound",
        "Hostname",
        "CapabilityBoundingSet",
        "AmbientCapabilities",
        "NoNewPrivileges",
        "MemoryMax",
        "MemoryHigh",
        "TasksMax",
        "CPUWeight",
        "CPUQuota",
        "IOWeight",
};

static void test_units__key_table_classes_match_this_build(void **state _unused_) {
        for (size_t i = 0; i < ELEMENTSOF(implemented_keys); i++) {
                const struct unit_key_info *k = find_key(i < 7 ? "Unit" : "Service", implemented_keys[i]);
                assert_non_null(k);
                assert_int_equal(k->class, UNIT_KEY_IMPLEMENTED);
        }
        assert_int_equal(find_key("Service", "PrivateTmp")->class, UNIT_KEY_IMPLIED);
        assert_int_equal(find_key("Service", "SystemCallFilter")->class, UNIT_KEY_IMPLEMENTED);
        assert_int_equal(find_key("Service", "RestrictFileSystems")->class, UNIT_KEY_UNSUPPORTED);
        assert_int_equal(find_key("Unit", "Documentation")->class, UNIT_KEY_METADATA);
        assert_int_equal(find_key("Install", "WantedBy")->class, UNIT_KEY_METADATA);
        assert_string_equal(unit_key_class_to_string(UNIT_KEY_NOT_APPLIED), "not applied");
}

static void test_units__key_table_has_no_key_twice_in_a_section(void **state _unused_) {
        for (size_t i = 0; unit_key_table_get(i); i++)
                for (size_t j = i + 1; unit_key_table_get(j); j++) {
                        const struct unit_key_info *a = unit_key_table_get(i), *b = unit_key_table_get(j);
                        assert_false(streq(a->section, b->section) && streq(a->key, b->key));
                }
}

static char *source_path(const char *rel) {
        /* __FILE__ is tests/unit/test-units.c, relative to the top of the tree or absolute. */
        const char *self = __FILE__, *tail = strstr(self, "tests/unit/test-units.c");
        char *p = NULL;
        assert_non_null(tail);
        assert_true(asprintf(&p, "%.*s%s", (int) (tail - self), self, rel) > 0);
        return p;
}

static void test_units__readme_documents_every_key_with_its_section_and_class(void **state _unused_) {
        _cleanup_free_ char *path = source_path("units/README.md"), *readme = NULL;
        assert_int_equal(read_full_file(path, &readme, NULL), 0);
        for (size_t i = 0; unit_key_table_get(i); i++) {
                const struct unit_key_info *k = unit_key_table_get(i);
                _cleanup_free_ char *row = NULL;
                assert_true(asprintf(&row, "\n| `%s=` |", k->key) > 0);
                bool found = false;
                /* Some key sits in two sections; one of its rows must name this section and class. */
                for (const char *s = strstr(readme, row); s && !found; s = strstr(s + 1, row)) {
                        _cleanup_free_ char *line = strndup(s + 1, strcspn(s + 1, "\n"));
                        found = strstr(line, k->section) && strstr(line, unit_key_class_to_string(k->class));
                }
                if (!found)
                        print_message("units/README.md lacks a row for %s= in [%s] (%s)\n", k->key,
                                      k->section, unit_key_class_to_string(k->class));
                assert_true(found);
        }
}

/* ---- health probes ------------------------------------------------------------------------ */

static void test_units__health_defaults_are_podmans(void **state _unused_) {
        struct unit *u = load_svc("");
        assert_int_equal(u->health.kind, HEALTH_NONE);
        assert_int_equal(u->health_interval_usec, 30 * USEC_PER_SEC);
        assert_int_equal(u->health_timeout_usec, 30 * USEC_PER_SEC);
        assert_int_equal(u->health_retries, 3);
        assert_int_equal(u->health_start_period_usec, 0);
        assert_int_equal(u->health_on_failure, HEALTH_ACTION_NONE);
        unit_free(u);
}

static void test_units__health_cmd_string_runs_in_sh_as_podman(void **state _unused_) {
        struct unit *u = load_svc("HealthCmd=curl -f http://localhost/ || exit 1\n");
        assert_int_equal(u->health.kind, HEALTH_EXEC);
        assert_true(u->health.shell);
        assert_strv(u->health.argv, "/bin/sh", "-c", "curl -f http://localhost/ || exit 1", NULL);
        assert_int_equal(u->health.line, 3);
        unit_free(u);
}

static void test_units__health_cmd_json_forms(void **state _unused_) {
        struct unit *u = load_svc("HealthCmd=[\"CMD\", \"/usr/bin/check\", \"a b\", \"q\\\"\"]\n");
        assert_int_equal(u->health.kind, HEALTH_EXEC);
        assert_false(u->health.shell);
        assert_strv(u->health.argv, "/usr/bin/check", "a b", "q\"", NULL);
        unit_free(u);
        u = load_svc("HealthCmd=[\"CMD-SHELL\", \"test -e /x\"]\n");
        assert_true(u->health.shell);
        assert_strv(u->health.argv, "/bin/sh", "-c", "test -e /x", NULL);
        unit_free(u);
        u = load_svc("HealthCmd=[\"pg_isready\"]\n");
        assert_strv(u->health.argv, "pg_isready", NULL);
        unit_free(u);
        u = load_svc("HealthCmd=/bin/true\nHealthCmd=none\n");
        assert_int_equal(u->health.kind, HEALTH_NONE);
        unit_free(u);
        u = load_svc("HealthCmd=/bin/true\nHealthCmd=\n");
        assert_int_equal(u->health.kind, HEALTH_NONE);
        unit_free(u);
        expect_bad_value("HealthCmd", "[\"CMD\", \"/x\"", "expected a JSON array of strings");
        expect_bad_value("HealthCmd", "[\"CMD\", \"bin/x\"]", "absolute path or a name found in PATH");
}

static void test_units__health_cmd_tcp(void **state _unused_) {
        struct unit *u = load_svc("HealthCmd=tcp:25\n");
        assert_int_equal(u->health.kind, HEALTH_TCP);
        assert_int_equal(u->health.family, AF_INET);
        assert_int_equal(u->health.port, 25);
        assert_memory_equal(u->health.address, "\x7f\0\0\x01", 4);
        unit_free(u);
        u = load_svc("HealthCmd=tcp:[::1]:8080\n");
        assert_int_equal(u->health.family, AF_INET6);
        assert_int_equal(u->health.port, 8080);
        unit_free(u);
        u = load_svc("HealthCmd=tcp:10.0.0.2:53\n");
        assert_memory_equal(u->health.address, "\x0a\0\0\x02", 4);
        unit_free(u);
        expect_bad_value("HealthCmd", "tcp:0", "expected tcp:PORT");
        expect_bad_value("HealthCmd", "tcp:70000", "expected tcp:PORT");
        expect_bad_value("HealthCmd", "tcp:db.example:25", "expected tcp:PORT");
}

static void test_units__health_cmd_http_and_statuses(void **state _unused_) {
        struct unit *u = load_svc("HealthCmd=http://localhost:8080/health?full=1\n");
        assert_int_equal(u->health.kind, HEALTH_HTTP);
        assert_int_equal(u->health.port, 8080);
        assert_string_equal(u->health.host, "localhost:8080");
        assert_string_equal(u->health.path, "/health?full=1");
        assert_true(health_status_expected(&u->health, 200));
        assert_true(health_status_expected(&u->health, 302));
        assert_false(health_status_expected(&u->health, 404));
        assert_false(health_status_expected(&u->health, 500));
        unit_free(u);
        u = load_svc("HealthCmd=http://127.0.0.1 204,400-403\n");
        assert_int_equal(u->health.port, 80);
        assert_string_equal(u->health.path, "/");
        assert_true(health_status_expected(&u->health, 204));
        assert_true(health_status_expected(&u->health, 401));
        assert_false(health_status_expected(&u->health, 200));
        unit_free(u);
        expect_bad_value("HealthCmd", "http://localhost/ 99", "is not a list of HTTP statuses");
        expect_bad_value("HealthCmd", "http://localhost/ 300-200", "is not a list of HTTP statuses");
        expect_bad_value("HealthCmd", "http://example.org/", "svcd resolves no names");
        expect_bad_value("HealthCmd", "https://localhost/", "no TLS library");
}

static void test_units__health_timing_keys(void **state _unused_) {
        struct unit *u =
                load_svc("HealthCmd=tcp:80\nHealthInterval=1m30s\nHealthTimeout=500ms\nHealthRetries=5\n"
                         "HealthStartPeriod=2min\nHealthOnFailure=restart\nHealthStartupCmd=tcp:81\n"
                         "HealthStartupInterval=disable\nHealthStartupRetries=4\nHealthStartupSuccess=2\n");
        assert_int_equal(u->health_interval_usec, 90 * USEC_PER_SEC);
        assert_int_equal(u->health_timeout_usec, 500 * USEC_PER_MSEC);
        assert_int_equal(u->health_retries, 5);
        assert_int_equal(u->health_start_period_usec, 120 * USEC_PER_SEC);
        assert_int_equal(u->health_on_failure, HEALTH_ACTION_RESTART);
        assert_int_equal(u->health_startup.kind, HEALTH_TCP);
        assert_int_equal(u->health_startup_interval_usec, 0);
        assert_int_equal(u->health_startup_retries, 4);
        assert_int_equal(u->health_startup_success, 2);
        unit_free(u);
        expect_bad_value("HealthRetries", "0", "at least 1");
        expect_bad_value("HealthTimeout", "0", "timeout above zero and finite");
        expect_bad_value("HealthTimeout", "infinity", "timeout above zero and finite");
        expect_bad_value("HealthOnFailure", "reboot", "expected none, kill, restart or stop");
        expect_bad_value("HealthInterval", "often", "expected a time span");
}

static void test_units__health_startup_cmd_needs_health_cmd(void **state _unused_) {
        expect_error(SVC "HealthStartupCmd=tcp:80\n", 3, "HealthStartupCmd= needs HealthCmd=");
        expect_warning("[Service]\nType=oneshot\nExecStart=/bin/true\nHealthCmd=tcp:80\n", 4, "never runs");
}

static void test_units__on_health_change_is_a_unit_list(void **state _unused_) {
        struct unit *u = load_ok("[Unit]\nOnHealthChange=notify@%n.service other\n" SVC);
        assert_strv(u->on_health_change, "notify@test", "other", NULL);
        unit_free(u);
}

static void test_units__svcd_conf_notification_defaults(void **state _unused_) {
        char *dir = mktemp_dir();
        write_file(dir, "svcd.conf",
                   "[Manager]\nDefaultOnFailure=notify-mail@%n.service\n"
                   "DefaultOnHealthChange=notify-webhook@%N\n");
        _cleanup_free_ char *path = path_join(dir, "svcd.conf");
        struct svcd_conf c;
        struct unit_diag d = {};
        assert_int_equal(svcd_conf_load(path, &c, &d), 0);
        assert_string_equal(c.default_on_failure, "notify-mail@%n.service");
        _cleanup_free_ char *n = svcd_conf_notify_unit(c.default_on_failure, "blog");
        assert_string_equal(n, "notify-mail@blog");
        _cleanup_free_ char *h = svcd_conf_notify_unit(c.default_on_health_change, "blog");
        assert_string_equal(h, "notify-webhook@blog");
        svcd_conf_done(&c);
        write_file(dir, "svcd.conf", "[Manager]\nDefaultOnFailure=notify@%i\n");
        assert_int_equal(svcd_conf_load(path, &c, &d), -EINVAL);
        assert_true(diag_has(&d, false, path, 2, "%n stands for the failing unit's name"));
        svcd_conf_done(&c);
        unit_diag_clear(&d);
        rm_rf(dir);
}

/* ---- the corpus of bad units ---------------------------------------------------------------- */

static int check_corpus_file(const char *path) {
        _cleanup_free_ char *text = NULL, *gist = NULL;
        unsigned line = 0;
        assert_int_equal(read_full_file(path, &text, NULL), 0);
        if (sscanf(text, "# expect: %u: %m[^\n]", &line, &gist) != 2) {
                print_message("%s: first line is not '# expect: LINE: GIST'\n", path);
                return -1;
        }
        struct unit_diag d = {};
        struct unit *u = NULL;
        int r = unit_load_file(path, NULL, &u, &d);
        if (r == 0) {
                /* Ordering cycles show only over the set of units. */
                bool refused = false;
                assert_int_equal(unit_check_graph(&u, 1, &refused, &d), 0);
                r = refused ? -EINVAL : 0;
                unit_free(u);
        }
        bool found = diag_has(&d, false, path, line, gist);
        for (size_t i = 0; i < d.n; i++)
                if (!d.items[i].warning && (!d.items[i].file || d.items[i].line == 0))
                        found = false; /* every error names FILE:LINE */
        if (r != -EINVAL || !found) {
                print_message("%s: expected an error at line %u with '%s', got:\n", path, line, gist);
                print_diag(&d);
        }
        unit_diag_clear(&d);
        return r == -EINVAL && found ? 0 : -1;
}

static void test_units__corpus_of_bad_units(void **state _unused_) {
        _cleanup_free_ char *dir = source_path("tests/unit/corpus");
        DIR *dd = opendir(dir);
        assert_non_null(dd);
        size_t n = 0, failed = 0;
        for (struct dirent *de; (de = readdir(dd));) {
                size_t k = strlen(de->d_name);
                if (k < 6 || !streq(de->d_name + k - 5, ".unit"))
                        continue;
                _cleanup_free_ char *p = path_join(dir, de->d_name);
                failed += check_corpus_file(p) < 0;
                n++;
        }
        closedir(dd);
        assert_true(n >= 25);
        assert_int_equal(failed, 0);
}

/* ---- diagnostics --------------------------------------------------------------------------- */

static void test_units__diag_format(void **state _unused_) {
        char file[] = "a.unit", m1[] = "bad", m2[] = "meh", m3[] = "no such unit file",
             m4[] = "'x/y' is not a unit name";
        struct unit_diag_item items[] = {
                { .file = file, .line = 3, .message = m1 },
                { .file = file, .line = 4, .message = m2, .warning = true },
                { .file = file, .message = m3 },
                { .message = m4 },
        };
        const char *want[] = { "a.unit:3: bad", "a.unit:4: warning: meh", "a.unit: no such unit file",
                               "'x/y' is not a unit name" };
        for (size_t i = 0; i < ELEMENTSOF(items); i++) {
                _cleanup_free_ char *s = unit_diag_format(&items[i]);
                assert_string_equal(s, want[i]);
        }
}

/* ReadWritePaths= and its kin, with systemd's old names: '-' and '+' in either order, paths
 * normalized, an empty assignment drops what that key (and its old name) set. */
static void test_units__path_keys_parse_prefixes_and_reset(void **state _unused_) {
        struct unit *u = load_svc("ReadWritePaths=-/var/lib/redis +/etc//redis/ \"-+/run/x\"\n"
                                  "ReadOnlyDirectories=/\nInaccessibleDirectories=/home\nExecPaths=/usr/lib\n"
                                  "NoExecPaths=/\nReadWriteDirectories=/srv/a\nReadWritePaths=\n"
                                  "ReadWriteDirectories=-/proc\n");
        assert_int_equal(u->n_paths, 5);
        assert_int_equal(u->paths[0].key, PATH_READ_ONLY);
        assert_string_equal(u->paths[0].path, "/");
        assert_int_equal(u->paths[1].key, PATH_INACCESSIBLE);
        assert_int_equal(u->paths[2].key, PATH_EXEC);
        assert_int_equal(u->paths[3].key, PATH_NO_EXEC);
        assert_int_equal(u->paths[4].key, PATH_READ_WRITE);
        assert_string_equal(u->paths[4].path, "/proc");
        assert_true(u->paths[4].optional);
        assert_int_equal(u->paths[4].line, 10);
        unit_free(u);
        u = load_svc("ReadWritePaths=-/var/lib/redis +/etc//redis/ \"-+/run/x\"\n");
        assert_int_equal(u->n_paths, 3);
        assert_true(u->paths[0].optional);
        assert_string_equal(u->paths[1].path, "/etc/redis");
        assert_false(u->paths[1].optional);
        assert_string_equal(u->paths[2].path, "/run/x");
        assert_true(u->paths[2].optional);
        unit_free(u);
        expect_bad_value("ReadOnlyPaths", "var/x", "must be an absolute path without '..'");
        expect_bad_value("InaccessiblePaths", "/a/../b", "must be an absolute path without '..'");
}

/* What ReadWritePaths= does where: kept writable, a layer of the service's own, or refused. */
static void test_units__read_write_kinds(void **state _unused_) {
        struct unit *u = load_svc("RootDirectory=t\nStateDirectory=pg\nBindPaths=/srv/h:/srv/in\n"
                                  "BindReadOnlyPaths=/srv/r:/srv/ro\nTemporaryFileSystem=/opt\n");
        const char *why;
        assert_int_equal(unit_read_write_kind(u, "/var/lib/x", &why), READ_WRITE_WRITABLE);
        assert_int_equal(unit_read_write_kind(u, "/run/redis", &why), READ_WRITE_WRITABLE);
        assert_int_equal(unit_read_write_kind(u, "/srv/in/a", &why), READ_WRITE_WRITABLE);
        assert_int_equal(unit_read_write_kind(u, "/opt/x", &why), READ_WRITE_WRITABLE);
        assert_int_equal(unit_read_write_kind(u, "/srv/ro", &why), READ_WRITE_LAYER);
        assert_int_equal(unit_read_write_kind(u, "/etc/redis", &why), READ_WRITE_LAYER);
        assert_int_equal(unit_read_write_kind(u, "/", &why), READ_WRITE_REFUSED);
        assert_int_equal(unit_read_write_kind(u, "/dev/sda", &why), READ_WRITE_REFUSED);
        assert_int_equal(unit_read_write_kind(u, "/dev/shm/x", &why), READ_WRITE_WRITABLE);
        assert_int_equal(u->var_overlay, OVERLAY_PERSISTENT);
        unit_free(u);
        u = load_svc("VarOverlay=none\nStateDirectory=pg\n");
        assert_int_equal(unit_read_write_kind(u, "/var/lib/pg/x", &why), READ_WRITE_WRITABLE);
        assert_int_equal(unit_read_write_kind(u, "/var/lib/x", &why), READ_WRITE_LAYER);
        unit_free(u);
        expect_bad_value("ReadWritePaths", "/sys/kernel", "svc keeps /sys and /dev read-only");
        expect_bad_value("ReadWriteDirectories", "/", "Overlay=persistent");
        expect_bad_value("TemporaryFileSystem", "/proc", "svc mounts /, /proc, /sys and /dev itself");
        expect_bad_value("InaccessiblePaths", "/", "the service needs a root");
}

/* Accept=yes: a sandbox per connection, so no persistent layer may be shared between them. */
static void test_units__accept_gets_a_var_in_memory(void **state _unused_) {
        struct unit *u = load_svc("Accept=yes\nListenStream=2000\n");
        assert_int_equal(u->var_overlay, OVERLAY_TMPFS);
        unit_free(u);
        expect_error(SVC "Accept=yes\nListenStream=2000\nVarOverlay=persistent\n", 5,
                     "VarOverlay=persistent does not fit Accept=yes");
        expect_error(SVC "Accept=yes\nListenStream=2000\nReadWritePaths=/etc/x\n", 5, "Accept=yes");
        expect_bad_value("VarOverlay", "yes", "expected persistent, tmpfs or none");
}

static void test_units__tmpfs_options(void **state _unused_) {
        struct unit *u = load_svc("TemporaryFileSystem=/a /b:ro,noexec,size=1M \"/c:mode=0700,nosuid\"\n");
        assert_int_equal(u->n_paths, 3);
        assert_string_equal(u->paths[0].options, "mode=0755");
        assert_false(u->paths[0].read_only);
        assert_true(u->paths[1].read_only && u->paths[1].no_exec);
        assert_string_equal(u->paths[1].options, "size=1M,mode=0755");
        assert_string_equal(u->paths[2].options, "mode=0700");
        unit_free(u);
        expect_bad_value("TemporaryFileSystem", "/a:suid", "nosuid and nodev");
        expect_bad_value("TemporaryFileSystem", "/a:huge=always", "options are ro, rw");
        expect_bad_value("TemporaryFileSystem", "-/a", "'-' has no meaning");
}

static void test_units__directory_modes_and_protect_home(void **state _unused_) {
        struct unit *u =
                load_svc("StateDirectoryMode=0700\nRuntimeDirectoryMode=2755\nLogsDirectoryMode=750\n"
                         "CacheDirectory=a b\nCacheDirectoryMode=0\nConfigurationDirectory=app\n"
                         "ProtectHome=no\nProtectHome=tmpfs\n");
        assert_int_equal(u->state_directory_mode, 0700);
        assert_int_equal(u->runtime_directory_mode, 02755);
        assert_int_equal(u->logs_directory_mode, 0750);
        assert_int_equal(u->cache_directory_mode, 0);
        assert_strv(u->cache_directories, "a", "b", NULL);
        assert_strv(u->configuration_directories, "app", NULL);
        assert_int_equal(u->protect_home, PROTECT_HOME_TMPFS);
        unit_free(u);
        u = load_svc("ProtectHome=false\n");
        assert_int_equal(u->protect_home, PROTECT_HOME_NO);
        unit_free(u);
        expect_bad_value("StateDirectoryMode", "0788", "expected an octal mode");
        expect_bad_value("LogsDirectoryMode", "17777", "expected an octal mode");
        expect_warning(SVC "ConfigurationDirectoryMode=0750\n", 3, "read-only from the tree");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_units__continuation_joins_lines_with_a_space),
                cmocka_unit_test(test_units__path_keys_parse_prefixes_and_reset),
                cmocka_unit_test(test_units__read_write_kinds),
                cmocka_unit_test(test_units__accept_gets_a_var_in_memory),
                cmocka_unit_test(test_units__tmpfs_options),
                cmocka_unit_test(test_units__directory_modes_and_protect_home),
                cmocka_unit_test(test_units__continuation_skips_comment_lines),
                cmocka_unit_test(test_units__continuation_error_names_first_physical_line),
                cmocka_unit_test(test_units__comment_ending_in_backslash_does_not_continue),
                cmocka_unit_test(test_units__even_backslashes_do_not_continue),
                cmocka_unit_test(test_units__continuation_at_end_of_file),
                cmocka_unit_test(test_units__empty_line_ends_continuation),
                cmocka_unit_test(test_units__comments_only_at_line_start),
                cmocka_unit_test(test_units__semicolon_inside_values_is_kept),
                cmocka_unit_test(test_units__name_colon_value_is_refused),
                cmocka_unit_test(test_units__line_without_equals_is_refused),
                cmocka_unit_test(test_units__assignment_before_any_section_is_refused),
                cmocka_unit_test(test_units__invalid_section_header_is_refused),
                cmocka_unit_test(test_units__long_lines_are_read_whole),
                cmocka_unit_test(test_units__whitespace_around_equals_is_ignored),
                cmocka_unit_test(test_units__crlf_line_endings),
                cmocka_unit_test(test_units__byte_order_mark_is_skipped),
                cmocka_unit_test(test_units__nul_byte_is_refused),
                cmocka_unit_test(test_units__repeated_list_keys_append),
                cmocka_unit_test(test_units__empty_assignment_resets_a_list),
                cmocka_unit_test(test_units__empty_assignment_resets_a_scalar_to_its_default),
                cmocka_unit_test(test_units__last_assignment_wins_for_scalars),
                cmocka_unit_test(test_units__every_error_of_a_file_is_collected),
                cmocka_unit_test(test_units__vendor_extensions_are_ignored),
                cmocka_unit_test(test_units__booleans_take_systemd_words),
                cmocka_unit_test(test_units__booleans_refuse_other_words),
                cmocka_unit_test(test_units__time_spans_parse_as_in_systemd),
                cmocka_unit_test(test_units__time_spans_refuse_garbage),
                cmocka_unit_test(test_units__timeout_zero_means_infinity),
                cmocka_unit_test(test_units__sizes_take_binary_suffixes),
                cmocka_unit_test(test_units__sizes_refuse_garbage),
                cmocka_unit_test(test_units__percentages_scale_memory_tasks_and_cpu),
                cmocka_unit_test(test_units__percentages_refuse_out_of_range),
                cmocka_unit_test(test_units__description_and_documentation),
                cmocka_unit_test(test_units__dependencies_strip_service_and_unit_suffixes),
                cmocka_unit_test(test_units__dependencies_refuse_what_is_not_a_unit_name),
                cmocka_unit_test(test_units__start_limit_in_unit_and_service),
                cmocka_unit_test(test_units__type_values),
                cmocka_unit_test(test_units__type_notify_reload_and_reload_signal),
                cmocka_unit_test(test_units__type_dbus_runs_as_simple_with_a_warning),
                cmocka_unit_test(test_units__keys_used_are_recorded_once_with_their_class),
                cmocka_unit_test(test_units__standard_input_null_and_socket),
                cmocka_unit_test(test_units__apparmor_profile_with_a_dash_is_a_warning),
                cmocka_unit_test(test_units__restart_values),
                cmocka_unit_test(test_units__restart_takes_every_systemd_value),
                cmocka_unit_test(test_units__restart_timing_keys),
                cmocka_unit_test(test_units__kill_keys),
                cmocka_unit_test(test_units__exec_condition_start_post_stop_post_remain),
                cmocka_unit_test(test_units__exit_status_sets),
                cmocka_unit_test(test_units__timeout_sec_sets_both),
                cmocka_unit_test(test_units__start_limit_interval_old_name),
                cmocka_unit_test(test_units__umask),
                cmocka_unit_test(test_units__permissions_start_only_warns_what_it_means),
                cmocka_unit_test(test_units__oneshot_with_restart_always_is_refused),
                cmocka_unit_test(test_units__kill_signal_by_name_or_number),
                cmocka_unit_test(test_units__user_and_group),
                cmocka_unit_test(test_units__supplementary_groups_list),
                cmocka_unit_test(test_units__environment_quoting_as_systemd),
                cmocka_unit_test(test_units__environment_refuses_bad_assignments),
                cmocka_unit_test(test_units__environment_file_paths),
                cmocka_unit_test(test_units__working_directory),
                cmocka_unit_test(test_units__pid_file_relative_is_under_run),
                cmocka_unit_test(test_units__limits_take_numbers_pairs_infinity_and_units),
                cmocka_unit_test(test_units__limits_refuse_bad_values),
                cmocka_unit_test(test_units__every_systemd_limit_key_is_known),
                cmocka_unit_test(test_units__nice_and_oom_score_adjust),
                cmocka_unit_test(test_units__log_rotation_keys),
                cmocka_unit_test(test_units__listen_stream_forms),
                cmocka_unit_test(test_units__listen_stream_refuses_bad_addresses),
                cmocka_unit_test(test_units__publish_port_forms),
                cmocka_unit_test(test_units__svcd_conf_subnet),
                cmocka_unit_test(test_units__svcd_conf_subnet6),
                cmocka_unit_test(test_units__svcd_conf_relay_idle),
                cmocka_unit_test(test_units__publish_port_ipv6_host_addresses),
                cmocka_unit_test(test_units__publish_port_refuses_bad_values),
                cmocka_unit_test(test_units__publish_port_needs_its_own_namespace),
                cmocka_unit_test(test_units__accept_and_max_connections),
                cmocka_unit_test(test_units__root_directory_is_a_tree_name_or_absolute),
                cmocka_unit_test(test_units__overlay_modes),
                cmocka_unit_test(test_units__bind_paths_forms),
                cmocka_unit_test(test_units__bind_paths_named_volumes),
                cmocka_unit_test(test_units__private_users_and_dynamic_user),
                cmocka_unit_test(test_units__bind_paths_idmap_option),
                cmocka_unit_test(test_units__bind_paths_refuse_relative_dotdot_and_bad_options),
                cmocka_unit_test(test_units__state_runtime_logs_directories),
                cmocka_unit_test(test_units__private_network_no_is_honoured),
                cmocka_unit_test(test_units__hostname),
                cmocka_unit_test(test_units__capability_sets),
                cmocka_unit_test(test_units__capability_sets_refuse_unknown_names),
                cmocka_unit_test(test_units__cpu_and_io_weights),
                cmocka_unit_test(test_units__no_new_privileges),
                cmocka_unit_test(test_units__install_section),
                cmocka_unit_test(test_units__exec_splits_words_with_quotes),
                cmocka_unit_test(test_units__exec_decodes_c_escapes),
                cmocka_unit_test(test_units__exec_keeps_unknown_escapes_with_a_warning),
                cmocka_unit_test(test_units__exec_refuses_bad_quotes),
                cmocka_unit_test(test_units__exec_refuses_a_lone_semicolon),
                cmocka_unit_test(test_units__exec_keeps_escaped_and_attached_semicolons),
                cmocka_unit_test(test_units__exec_prefixes_dash_at_colon),
                cmocka_unit_test(test_units__exec_plus_prefix_is_root_of_the_sandbox),
                cmocka_unit_test(test_units__exec_bang_prefixes),
                cmocka_unit_test(test_units__exec_program_name_is_kept_for_the_tree),
                cmocka_unit_test(test_units__program_name_under_a_bind),
                cmocka_unit_test(test_units__exec_requires_an_absolute_program),
                cmocka_unit_test(test_units__only_oneshot_may_have_several_exec_start),
                cmocka_unit_test(test_units__missing_exec_start_is_refused),
                cmocka_unit_test(test_units__exec_records_file_and_line),
                cmocka_unit_test(test_units__specifiers_of_an_instance),
                cmocka_unit_test(test_units__specifiers_of_a_plain_unit),
                cmocka_unit_test(test_units__specifiers_of_the_system_directories),
                cmocka_unit_test(test_units__specifiers_of_the_running_system),
                cmocka_unit_test(test_units__directory_environment_variables),
                cmocka_unit_test(test_units__unknown_specifier_is_refused),
                cmocka_unit_test(test_units__percent_values_are_not_specifiers),
                cmocka_unit_test(test_units__template_instance_loads_from_dir),
                cmocka_unit_test(test_units__loading_a_template_itself_is_refused),
                cmocka_unit_test(test_units__instance_file_wins_over_template),
                cmocka_unit_test(test_units__dropins_apply_in_lexical_order),
                cmocka_unit_test(test_units__instance_dropin_overrides_template_dropin_of_same_name),
                cmocka_unit_test(test_units__dropin_can_reset_exec_start),
                cmocka_unit_test(test_units__dropin_errors_name_the_dropin),
                cmocka_unit_test(test_units__missing_unit_file_is_enoent),
                cmocka_unit_test(test_units__names_must_be_plain_file_names),
                cmocka_unit_test(test_units__load_file_takes_name_and_dropins_from_path),
                cmocka_unit_test(test_units__service_file_loads_as_its_stem),
                cmocka_unit_test(test_units__name_defined_twice_is_refused),
                cmocka_unit_test(test_units__name_suffix_strips),
                cmocka_unit_test(test_units__source_hash_covers_file_and_dropins),
                cmocka_unit_test(test_units__one_bad_unit_is_refused_alone),
                cmocka_unit_test(test_units__defaults_follow_design),
                cmocka_unit_test(test_units__graph_without_cycle_passes),
                cmocka_unit_test(test_units__graph_two_unit_cycle_refuses_both_at_their_lines),
                cmocka_unit_test(test_units__graph_before_edges_close_cycles),
                cmocka_unit_test(test_units__graph_requires_and_wants_alone_do_not_order),
                cmocka_unit_test(test_units__graph_three_unit_cycle_names_the_whole_cycle),
                cmocka_unit_test(test_units__graph_self_ordering_is_a_cycle),
                cmocka_unit_test(test_units__exec_expand_whole_word_splits),
                cmocka_unit_test(test_units__exec_expand_braces_in_place),
                cmocka_unit_test(test_units__exec_expand_unset_and_literal_dollars),
                cmocka_unit_test(test_units__exec_expand_not_with_colon_prefix),
                cmocka_unit_test(test_units__environment_files_are_read_and_override),
                cmocka_unit_test(test_units__missing_environment_file_is_enoent),
                cmocka_unit_test(test_units__environment_file_bad_lines_are_warned_and_skipped),
                cmocka_unit_test(test_units__key_the_host_lacks_is_refused_with_the_reason),
                cmocka_unit_test(test_units__no_host_means_every_key_is_available),
                cmocka_unit_test(test_units__implied_keys_are_silent_when_they_match),
                cmocka_unit_test(test_units__implied_keys_refuse_less_isolation),
                cmocka_unit_test(test_units__devices_and_tunables_no_warn_what_stays),
                cmocka_unit_test(test_units__implied_keys_refuse_bad_values),
                cmocka_unit_test(test_units__private_tmp_no_warns_that_tmp_stays_private),
                cmocka_unit_test(test_units__unsupported_keys_that_matter_are_errors),
                cmocka_unit_test(test_units__unsupported_keys_that_do_not_matter_are_warnings),
                cmocka_unit_test(test_units__metadata_keys_are_accepted_silently),
                cmocka_unit_test(test_units__unknown_key_suggests_the_nearest),
                cmocka_unit_test(test_units__unknown_key_without_a_near_one),
                cmocka_unit_test(test_units__key_in_the_wrong_section_says_where_it_belongs),
                cmocka_unit_test(test_units__systemd_sections_get_a_specific_sentence),
                cmocka_unit_test(test_units__unknown_section_is_refused),
                cmocka_unit_test(test_units__key_table_classes_match_this_build),
                cmocka_unit_test(test_units__key_table_has_no_key_twice_in_a_section),
                cmocka_unit_test(test_units__health_defaults_are_podmans),
                cmocka_unit_test(test_units__health_cmd_string_runs_in_sh_as_podman),
                cmocka_unit_test(test_units__health_cmd_json_forms),
                cmocka_unit_test(test_units__health_cmd_tcp),
                cmocka_unit_test(test_units__health_cmd_http_and_statuses),
                cmocka_unit_test(test_units__health_timing_keys),
                cmocka_unit_test(test_units__health_startup_cmd_needs_health_cmd),
                cmocka_unit_test(test_units__on_health_change_is_a_unit_list),
                cmocka_unit_test(test_units__svcd_conf_notification_defaults),
                cmocka_unit_test(test_units__readme_documents_every_key_with_its_section_and_class),
                cmocka_unit_test(test_units__corpus_of_bad_units),
                cmocka_unit_test(test_units__diag_format),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
