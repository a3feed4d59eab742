/* SPDX-License-Identifier: MIT */
/* Pure value parsing: booleans, time spans, sizes, numbers, percentages, names and paths, with
 * systemd's rules (systemd.syntax(7), systemd.time(7)). Nothing here knows about units. */

#include <ctype.h>
#include <limits.h>
#include <signal.h>
#include <string.h>

#include "common/util.h"
#include "units/unit-internal.h"

int parse_boolean(const char *v) {
        static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
        static const char *const no[] = { "0", "no", "n", "false", "f", "off" };

        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (strcasecmp(v, yes[i]) == 0)
                        return 1;
                if (strcasecmp(v, no[i]) == 0)
                        return 0;
        }
        return -EINVAL;
}

/* A decimal number with an optional fraction ("12", "1.5", ".25"), scaled by MUL. The fraction
 * keeps nine digits at most, enough for nanoseconds. */
struct decimal {
        uint64_t whole, frac, frac_div;
};

static int read_decimal(const char **p, struct decimal *ret) {
        const char *s = *p;
        struct decimal d = { .frac_div = 1 };
        bool digits = false;

        for (; isdigit((unsigned char) *s); s++, digits = true) {
                if (d.whole > (UINT64_MAX - 9) / 10)
                        return -ERANGE;
                d.whole = d.whole * 10 + (uint64_t) (*s - '0');
        }
        if (*s == '.') {
                if (!isdigit((unsigned char) s[1]))
                        return -EINVAL;
                for (s++; isdigit((unsigned char) *s); s++, digits = true)
                        if (d.frac_div < 1000000000ULL) {
                                d.frac = d.frac * 10 + (uint64_t) (*s - '0');
                                d.frac_div *= 10;
                        }
        }
        if (!digits)
                return -EINVAL;
        *p = s;
        *ret = d;
        return 0;
}

static int decimal_scale(const struct decimal *d, uint64_t mul, uint64_t *ret) {
        if (d->whole > 0 && mul > UINT64_MAX / d->whole)
                return -ERANGE;
        uint64_t v = d->whole * mul;
        /* frac < frac_div, so the fraction adds less than MUL. */
        uint64_t f = (uint64_t) ((unsigned __int128) d->frac * mul / d->frac_div);
        if (v > UINT64_MAX - f)
                return -ERANGE;
        *ret = v + f;
        return 0;
}

struct unit_multiplier {
        const char *suffix;
        uint64_t mul;
};

/* Sums "N unit N unit ..." with a suffix table tried in order (longest first where they share a
 * prefix, as in systemd); a number without suffix takes DEFAULT_MUL. */
static int parse_units(const char *v, const struct unit_multiplier *table, size_t n, uint64_t default_mul,
                       uint64_t *ret) {
        const char *p = v + strspn(v, " \t");
        uint64_t total = 0;

        if (*p == '\0')
                return -EINVAL;
        while (*p) {
                struct decimal d;
                int r = read_decimal(&p, &d);
                if (r < 0)
                        return r;
                p += strspn(p, " \t");
                uint64_t mul = default_mul, add;
                for (size_t i = 0; i < n; i++)
                        if (strneq(p, table[i].suffix, strlen(table[i].suffix))) {
                                mul = table[i].mul;
                                p += strlen(table[i].suffix);
                                break;
                        }
                r = decimal_scale(&d, mul, &add);
                if (r < 0)
                        return r;
                if (total > UINT64_MAX - add)
                        return -ERANGE;
                total += add;
                p += strspn(p, " \t");
        }
        *ret = total;
        return 0;
}

#define USEC_PER_MINUTE (60 * USEC_PER_SEC)
#define USEC_PER_HOUR (60 * USEC_PER_MINUTE)
#define USEC_PER_DAY (24 * USEC_PER_HOUR)
#define USEC_PER_WEEK (7 * USEC_PER_DAY)
#define USEC_PER_MONTH (2629800 * USEC_PER_SEC)
#define USEC_PER_YEAR (31557600 * USEC_PER_SEC)

int parse_timespan(const char *v, uint64_t *ret_usec) {
        static const struct unit_multiplier table[] = {
                { "seconds", USEC_PER_SEC },
                { "second", USEC_PER_SEC },
                { "sec", USEC_PER_SEC },
                { "s", USEC_PER_SEC },
                { "minutes", USEC_PER_MINUTE },
                { "minute", USEC_PER_MINUTE },
                { "min", USEC_PER_MINUTE },
                { "months", USEC_PER_MONTH },
                { "month", USEC_PER_MONTH },
                { "M", USEC_PER_MONTH },
                { "msec", USEC_PER_MSEC },
                { "ms", USEC_PER_MSEC },
                { "m", USEC_PER_MINUTE },
                { "hours", USEC_PER_HOUR },
                { "hour", USEC_PER_HOUR },
                { "hr", USEC_PER_HOUR },
                { "h", USEC_PER_HOUR },
                { "days", USEC_PER_DAY },
                { "day", USEC_PER_DAY },
                { "d", USEC_PER_DAY },
                { "weeks", USEC_PER_WEEK },
                { "week", USEC_PER_WEEK },
                { "w", USEC_PER_WEEK },
                { "years", USEC_PER_YEAR },
                { "year", USEC_PER_YEAR },
                { "y", USEC_PER_YEAR },
                { "usec", 1 },
                { "us", 1 },
                { "\xc2\xb5s", 1 },
                { "\xce\xbcs", 1 },
        };

        if (streq(v, "infinity")) {
                *ret_usec = USEC_INFINITY;
                return 0;
        }
        uint64_t t;
        int r = parse_units(v, table, ELEMENTSOF(table), USEC_PER_SEC, &t);
        if (r < 0)
                return r;
        if (t == USEC_INFINITY)
                return -ERANGE;
        *ret_usec = t;
        return 0;
}

int parse_size(const char *v, uint64_t *ret_bytes) {
        static const struct unit_multiplier table[] = {
                { "E", 1ULL << 60 }, { "P", 1ULL << 50 }, { "T", 1ULL << 40 }, { "G", 1ULL << 30 },
                { "M", 1ULL << 20 }, { "K", 1ULL << 10 }, { "B", 1 },
        };
        return parse_units(v, table, ELEMENTSOF(table), 1, ret_bytes);
}

int parse_u64(const char *v, uint64_t *ret) {
        uint64_t x = 0;

        if (!isdigit((unsigned char) *v))
                return -EINVAL;
        for (; isdigit((unsigned char) *v); v++) {
                if (x > (UINT64_MAX - 9) / 10)
                        return -ERANGE;
                x = x * 10 + (uint64_t) (*v - '0');
        }
        if (*v != '\0')
                return -EINVAL;
        *ret = x;
        return 0;
}

int parse_unsigned(const char *v, unsigned *ret) {
        uint64_t x;
        int r = parse_u64(v, &x);
        if (r < 0)
                return r;
        if (x > UINT_MAX)
                return -ERANGE;
        *ret = (unsigned) x;
        return 0;
}

int parse_int_range(const char *v, int min, int max, int *ret) {
        bool negative = *v == '-';
        uint64_t x;

        if (*v == '-' || *v == '+')
                v++;
        int r = parse_u64(v, &x);
        if (r < 0)
                return r;
        if (x > (uint64_t) INT_MAX + 1)
                return -ERANGE;
        int64_t s = negative ? -(int64_t) x : (int64_t) x;
        if (s < min || s > max)
                return -ERANGE;
        *ret = (int) s;
        return 0;
}

int parse_permyriad(const char *v, unsigned max_percent, uint64_t *ret) {
        size_t n = strlen(v);
        struct decimal d;

        if (n < 2 || v[n - 1] != '%')
                return -EINVAL;
        _cleanup_free_ char *num = strndup(v, n - 1);
        if (!num)
                return -ENOMEM;
        const char *p = num;
        if (read_decimal(&p, &d) < 0 || *p != '\0')
                return -EINVAL;
        if (d.frac_div > 100 && d.frac % (d.frac_div / 100) != 0)
                return -EINVAL; /* more precision than 0.01% */
        uint64_t x;
        if (decimal_scale(&d, 100, &x) < 0 || (max_percent > 0 && x > (uint64_t) max_percent * 100))
                return -ERANGE;
        *ret = x;
        return 0;
}

int parse_signal(const char *v, int *ret) {
        int sig;

        if (parse_int_range(v, 1, _NSIG - 1, &sig) >= 0) {
                *ret = sig;
                return 0;
        }
        if (strneq(v, "SIG", 3))
                v += 3;
        for (sig = 1; sig < SIGRTMIN; sig++) {
                const char *n = sigabbrev_np(sig);
                if (n && streq(n, v)) {
                        *ret = sig;
                        return 0;
                }
        }
        if (strneq(v, "RTMIN+", 6) && parse_int_range(v + 6, 0, SIGRTMAX - SIGRTMIN, &sig) >= 0) {
                *ret = SIGRTMIN + sig;
                return 0;
        }
        if (streq(v, "RTMIN")) {
                *ret = SIGRTMIN;
                return 0;
        }
        return -EINVAL;
}

bool env_name_is_valid(const char *s, size_t n) {
        if (n == 0 || isdigit((unsigned char) s[0]))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isalnum((unsigned char) s[i]) && s[i] != '_')
                        return false;
        return true;
}

/* True when P (of length N) is "." or "..". */
static bool is_dot_component(const char *p, size_t n) {
        return (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.');
}

bool path_is_absolute_clean(const char *p) {
        if (p[0] != '/')
                return false;
        for (const char *s = p; *s;) {
                s += strspn(s, "/");
                size_t n = strcspn(s, "/");
                if (n == 2 && s[0] == '.' && s[1] == '.')
                        return false;
                s += n;
        }
        return true;
}

bool relative_path_is_clean(const char *p) {
        if (isempty(p) || p[0] == '/')
                return false;
        for (const char *s = p; *s;) {
                size_t n = strcspn(s, "/");
                if (n == 0 || is_dot_component(s, n))
                        return false;
                s += n;
                if (*s == '/' && *++s == '\0')
                        return false;
        }
        return true;
}

bool user_name_is_valid(const char *s) {
        uint64_t id;

        if (parse_u64(s, &id) >= 0)
                return id < UINT32_MAX && id != 65535;
        size_t n = strlen(s);
        if (n == 0 || n > 32 || !(isalpha((unsigned char) s[0]) || s[0] == '_'))
                return false;
        for (size_t i = 1; i < n; i++) {
                char c = s[i];
                if (c == '$' && i == n - 1)
                        break;
                if (!isalnum((unsigned char) c) && !strchr("_.-", c))
                        return false;
        }
        return true;
}

bool hostname_is_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > 64)
                return false;
        for (const char *p = s; *p;) {
                size_t k = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");
                if (k == 0 || (p[k] != '.' && p[k] != '\0') || (p[k] == '.' && p[k + 1] == '\0'))
                        return false;
                p += k + (p[k] == '.');
        }
        return true;
}

uint64_t physical_memory(void) {
        long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
        if (pages <= 0 || size <= 0)
                return UINT64_MAX;
        return (uint64_t) pages * (uint64_t) size;
}

static uint64_t read_proc_u64(const char *path, uint64_t fallback) {
        _cleanup_free_ char *s = NULL;
        uint64_t v;

        if (read_full_file(path, &s, NULL) < 0)
                return fallback;
        s[strcspn(s, "\n")] = '\0';
        return parse_u64(s, &v) >= 0 && v > 0 ? v : fallback;
}

/* As systemd: the smaller of pid_max and threads-max, less one since PID 0 is not a task. */
uint64_t system_tasks_max(void) {
        const uint64_t tasks_max = 4194303; /* the kernel's PID_MAX_LIMIT - 1 */
        uint64_t a = read_proc_u64("/proc/sys/kernel/pid_max", tasks_max);
        uint64_t b = read_proc_u64("/proc/sys/kernel/threads-max", tasks_max);
        return MIN(tasks_max, MIN(a, b)) - 1;
}
