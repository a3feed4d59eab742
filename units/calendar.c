/* SPDX-License-Identifier: MIT */
/* Calendar events (systemd.time(7), "Calendar Events"): the text of OnCalendar= into a value, and
 * the next time it elapses. The grammar, the normalisation and the search follow systemd's own, so
 * that `systemd-analyze calendar` on the same machine gives the same answers (the corpus test
 * tests/calendar-corpus.txt holds us to that). */

#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "common/util.h"
#include "units/unit-internal.h"

#define WEEKDAYS_ALL 127
#define CMP(a, b) ((a) < (b) ? -1 : (a) > (b))
#define CALENDAR_MIN_YEAR 1970
#define CALENDAR_MAX_YEAR 2199
/* As in systemd: a bound on list length, so a value cannot make the search arbitrarily slow. */
#define CALENDAR_COMPONENTS_MAX 241
/* The last second libc formats with a four-digit year: 9999-12-30 23:59:59 UTC. */
#define CALENDAR_USEC_MAX 253402214399000000ULL

struct calendar_spec *calendar_spec_free(struct calendar_spec *c) {
        if (!c)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(c->chains); i++)
                free(c->chains[i].items);
        free(c->timezone);
        free(c);
        return NULL;
}

static int chain_add(struct calendar_chain *ch, int start, int stop, int repeat) {
        if (ch->n >= CALENDAR_COMPONENTS_MAX)
                return -ENOBUFS;
        struct calendar_component *n = realloc(ch->items, sizeof(*n) * (ch->n + 1));
        if (!n)
                return -ENOMEM;
        ch->items = n;
        ch->items[ch->n++] = (struct calendar_component){ start, stop, repeat };
        return 0;
}

/* ---- parsing ------------------------------------------------------------------------------- */

static int parse_weekdays(const char **p, struct calendar_spec *c) {
        static const char *const names[] = { "Monday",   "Mon",      "Tuesday", "Tue",    "Wednesday",
                                             "Wed",      "Thursday", "Thu",     "Friday", "Fri",
                                             "Saturday", "Sat",      "Sunday",  "Sun" };
        int l = -1;

        for (bool first = true;; first = false) {
                size_t i, skip = 0;
                for (i = 0; i < ELEMENTSOF(names); i++) {
                        skip = strlen(names[i]);
                        if (strncasecmp(*p, names[i], skip) == 0)
                                break;
                }
                if (i >= ELEMENTSOF(names)) /* no weekday: the date follows, or a list ended badly */
                        return first ? 0 : -EINVAL;
                if ((*p)[skip] != '\0' && !strchr("-., ", (*p)[skip]))
                        return -EINVAL;
                int d = (int) i / 2;
                c->weekdays |= 1 << d;
                if (l >= 0) {
                        if (l > d)
                                return -EINVAL;
                        for (int j = l + 1; j < d; j++)
                                c->weekdays |= 1 << j;
                }
                *p += skip;
                if (**p == '\0')
                        return 0;
                if (**p == ' ') {
                        *p += strspn(*p, " ");
                        return 0;
                }
                if (**p == '.' || **p == '-') { /* "-" is the old spelling of ".." */
                        if (l >= 0 || (**p == '.' && (*p)[1] != '.'))
                                return -EINVAL;
                        l = d;
                        *p += **p == '.' ? 2 : 1;
                } else if (**p == ',') {
                        l = -1;
                        *p += 1;
                }
                if (**p == '\0' || **p == ' ') { /* a trailing comma, but not an open range */
                        *p += strspn(*p, " ");
                        return l < 0 ? 0 : -EINVAL;
                }
        }
}

static int parse_number(const char *p, const char **e, unsigned long *ret) {
        char *end = NULL;
        errno = 0;
        unsigned long v = strtoul(p, &end, 10);
        if (errno > 0)
                return -errno;
        if (end == p)
                return -EINVAL;
        *e = end;
        *ret = v;
        return 0;
}

/* Up to 6 fraction digits as microseconds, the seventh rounding, more ignored. */
static unsigned parse_fraction(const char **p) {
        const char *s = *p;
        unsigned v = 0;
        size_t i = 0;

        for (; i < 6 && isdigit((unsigned char) *s); i++, s++)
                v = v * 10 + (unsigned) (*s - '0');
        for (; i < 6; i++)
                v *= 10;
        if (*s >= '5' && *s <= '9')
                v++;
        *p = s + strspn(s, "0123456789");
        return v;
}

static int parse_decimal(const char **p, bool usec, int *ret) {
        const char *e = NULL;
        unsigned long v;

        if (!isdigit((unsigned char) **p))
                return -EINVAL;
        int r = parse_number(*p, &e, &v);
        if (r < 0)
                return r;
        if (usec) {
                if (v > ULONG_MAX / USEC_PER_SEC)
                        return -ERANGE;
                v *= USEC_PER_SEC;
                if (e[0] == '.' && e[1] != '.') { /* one '.' is a decimal point, ".." a range */
                        e++;
                        if (!isdigit((unsigned char) *e))
                                return -EINVAL;
                        v += parse_fraction(&e);
                }
        }
        if (v > INT_MAX)
                return -ERANGE;
        *p = e;
        *ret = (int) v;
        return 0;
}

/* One "START[..STOP][/REPEAT]" item. */
static int parse_component(const char **p, bool usec, struct calendar_chain *ch) {
        int start, stop = -1, repeat = 0;
        const char *e = *p;

        int r = parse_decimal(&e, usec, &start);
        if (r >= 0 && e[0] == '.' && e[1] == '.') {
                e += 2;
                r = parse_decimal(&e, usec, &stop);
                repeat = usec ? (int) USEC_PER_SEC : 1;
        }
        if (r >= 0 && *e == '/') {
                e++;
                r = parse_decimal(&e, usec, &repeat);
                if (r >= 0 && repeat == 0)
                        r = -ERANGE;
        } else if (r >= 0 && start > INT_MAX - repeat)
                r = -ERANGE;
        else if (r >= 0 && usec && stop >= 0 && start + repeat > stop)
                r = -EINVAL; /* a range of seconds shorter than its default step of 1 s */
        if (r < 0)
                return r;
        if (*e != '\0' && !strchr(" ,-~:", *e))
                return -EINVAL;
        r = chain_add(ch, start, stop, repeat);
        if (r < 0)
                return r;
        *p = e;
        return 0;
}

/* A list of items, or "*": any value (for seconds "*" is 0/1, every whole second). */
static int parse_chain(const char **p, bool usec, struct calendar_chain *ch) {
        if (**p == '*') {
                *p += 1;
                return usec ? chain_add(ch, 0, -1, (int) USEC_PER_SEC) : 0;
        }
        for (;;) {
                int r = parse_component(p, usec, ch);
                if (r < 0)
                        return r;
                if (**p != ',')
                        return 0;
                *p += 1;
        }
}

static void chain_clear(struct calendar_chain *ch) {
        ch->items = mfree(ch->items);
        ch->n = 0;
}

/* "@SECONDS": one point in time, in UTC. */
static int parse_timestamp(const char **p, struct calendar_spec *c) {
        unsigned long v = 0;
        const char *e = NULL;
        int r = parse_number(*p + 1, &e, &v);
        if (r < 0)
                return r;
        time_t t = (time_t) v;
        struct tm tm;
        if ((unsigned long) t != v || !gmtime_r(&t, &tm) || tm.tm_year > INT_MAX - 1900)
                return -ERANGE;
        int values[] = { tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                         tm.tm_hour,        tm.tm_min,     tm.tm_sec * (int) USEC_PER_SEC };
        for (size_t i = 0; i < ELEMENTSOF(values); i++) {
                chain_clear(&c->chains[i]);
                r = chain_add(&c->chains[i], values[i], -1, 0);
                if (r < 0)
                        return r;
        }
        c->utc = true;
        *p = e;
        return 1;
}

/* [[YEAR-]MONTH-DAY] with '~' for days from the end of the month. 1 when the value was a
 * timestamp and nothing may follow. */
static int parse_date(const char **p, struct calendar_spec *c) {
        struct calendar_chain parts[3] = {};
        const char *t = *p;
        int n = 0, r = 0;

        if (*t == '\0')
                return 0;
        if (*t == '@')
                return parse_timestamp(p, c);
        for (n = 0; n < 3; n++) {
                r = parse_chain(&t, false, &parts[n]);
                if (r < 0)
                        break;
                if (n == 0 && (*t == '\0' || *t == ':'))
                        break; /* a time, not a date: read again as one */
                if (n > 0 && (*t == '\0' || *t == ' ')) {
                        n++;
                        break;
                }
                if (n == 2 || (n == 1 && c->end_of_month) || (*t != '-' && *t != '~')) {
                        r = -EINVAL;
                        break;
                }
                c->end_of_month = *t == '~';
                t++;
        }
        if (r >= 0 && n >= 2) {
                struct calendar_chain *dst = &c->chains[CALENDAR_DAY - (n - 1)];
                for (int i = 0; i < n; i++)
                        dst[i] = parts[i];
                *p = t + strspn(t, " ");
                return 0;
        }
        for (int i = 0; i < 3; i++)
                free(parts[i].items);
        return r;
}

/* [HOUR:MINUTE[:SECOND]]; nothing means 00:00:00, a missing second 00. */
static int parse_time(const char **p, struct calendar_spec *c) {
        const char *t = *p;
        int r = 0;

        if (*t == '\0') {
                for (int i = CALENDAR_HOUR; i <= CALENDAR_USEC && r >= 0; i++)
                        r = chain_add(&c->chains[i], 0, -1, 0);
                return r;
        }
        r = parse_chain(&t, false, &c->chains[CALENDAR_HOUR]);
        if (r < 0)
                return r;
        if (*t++ != ':')
                return -EINVAL;
        r = parse_chain(&t, false, &c->chains[CALENDAR_MINUTE]);
        if (r < 0)
                return r;
        if (*t == '\0')
                r = chain_add(&c->chains[CALENDAR_USEC], 0, -1, 0);
        else if (*t++ != ':')
                return -EINVAL;
        else
                r = parse_chain(&t, true, &c->chains[CALENDAR_USEC]);
        if (r < 0)
                return r;
        *p = t;
        return *t == '\0' ? 0 : -EINVAL;
}

/* The shorthands: which fields are pinned to what. */
static int parse_shorthand(const char *p, struct calendar_spec *c) {
        static const struct {
                const char *name;
                int first; /* the first field pinned: hour, minute or second */
                bool day1; /* day 1 */
                const char *months; /* months pinned, or NULL */
                bool monday;
        } table[] = {
                { "minutely", CALENDAR_USEC, false, NULL, false },
                { "hourly", CALENDAR_MINUTE, false, NULL, false },
                { "daily", CALENDAR_HOUR, false, NULL, false },
                { "monthly", CALENDAR_HOUR, true, NULL, false },
                { "annually", CALENDAR_HOUR, true, "\1", false },
                { "yearly", CALENDAR_HOUR, true, "\1", false },
                { "anually", CALENDAR_HOUR, true, "\1", false },
                { "weekly", CALENDAR_HOUR, false, NULL, true },
                { "quarterly", CALENDAR_HOUR, true, "\1\4\7\12", false },
                { "biannually", CALENDAR_HOUR, true, "\1\7", false },
                { "bi-annually", CALENDAR_HOUR, true, "\1\7", false },
                { "semiannually", CALENDAR_HOUR, true, "\1\7", false },
                { "semi-annually", CALENDAR_HOUR, true, "\1\7", false },
        };
        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                if (strcasecmp(p, table[i].name) != 0)
                        continue;
                int r = 0;
                for (int f = table[i].first; f <= CALENDAR_USEC && r >= 0; f++)
                        r = chain_add(&c->chains[f], 0, -1, 0);
                if (r >= 0 && table[i].day1)
                        r = chain_add(&c->chains[CALENDAR_DAY], 1, -1, 0);
                for (const char *m = table[i].months; r >= 0 && m && *m; m++)
                        r = chain_add(&c->chains[CALENDAR_MONTH], *m, -1, 0);
                if (table[i].monday)
                        c->weekdays = 1;
                return r < 0 ? r : 1;
        }
        return 0;
}

static bool ends_with_word(const char *s, const char *word, size_t *ret_cut) {
        size_t n = strlen(s), k = strlen(word);
        if (k == 0 || n <= k || s[n - k - 1] != ' ' || strcasecmp(s + n - k, word) != 0)
                return false;
        *ret_cut = n - k - 1;
        return true;
}

bool calendar_timezone_is_valid(const char *name) {
        bool slash = false;
        size_t n = 0;

        if (isempty(name) || name[0] == '/')
                return false;
        if (streq(name, "UTC"))
                return true;
        for (const char *s = name; *s; s++, n++) {
                if (!isalnum((unsigned char) *s) && !strchr("-_+/", *s))
                        return false;
                if (*s == '/' && slash)
                        return false;
                slash = *s == '/';
        }
        if (slash || n >= PATH_MAX - 32)
                return false;
        _cleanup_free_ char *path = path_join("/usr/share/zoneinfo", name);
        if (!path)
                return false;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        struct stat st;
        char magic[4];
        return fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
               read(fd, magic, sizeof(magic)) == (ssize_t) sizeof(magic) && memcmp(magic, "TZif", 4) == 0;
}

/* The time zone at the end of TEXT: " UTC", one of the local zone's two abbreviations (which pins
 * daylight saving time on or off), or a zone name of /usr/share/zoneinfo. Returns the length of
 * what is left. */
static int parse_zone(const char *text, struct calendar_spec *c, size_t *ret_len) {
        size_t cut = strlen(text);

        if (ends_with_word(text, "UTC", &cut)) {
                c->utc = true;
                *ret_len = cut;
                return 0;
        }
        tzset();
        for (int j = 0; j <= 1; j++)
                if (!isempty(tzname[j]) && ends_with_word(text, tzname[j], &cut)) {
                        c->dst = j;
                        *ret_len = cut;
                        return 0;
                }
        const char *space = strrchr(text, ' ');
        if (space && calendar_timezone_is_valid(space + 1)) {
                if (!(c->timezone = strdup(space + 1)))
                        return -ENOMEM;
                if (streq(c->timezone, "UTC")) {
                        c->utc = true;
                        c->timezone = mfree(c->timezone);
                }
                cut = (size_t) (space - text);
        }
        *ret_len = cut;
        return 0;
}

static int cmp_component(const void *a, const void *b) {
        const struct calendar_component *x = a, *y = b;
        if (x->start != y->start)
                return x->start < y->start ? -1 : 1;
        if (x->stop != y->stop)
                return x->stop < y->stop ? -1 : 1;
        return x->repeat < y->repeat ? -1 : x->repeat > y->repeat;
}

/* Ranges cut to a whole number of repetitions; items sorted, duplicates dropped. */
static void normalize_chain(struct calendar_chain *ch) {
        for (size_t i = 0; i < ch->n; i++) {
                struct calendar_component *k = &ch->items[i];
                if (k->stop > k->start && k->repeat > 0)
                        k->stop -= (k->stop - k->start) % k->repeat;
                /* A repetition that cannot happen even once, or a range of one value: one value. */
                if ((k->stop > k->start && k->repeat > 0 && k->start + k->repeat > k->stop) ||
                    k->start == k->stop) {
                        k->repeat = 0;
                        k->stop = -1;
                }
        }
        if (ch->n <= 1)
                return;
        qsort(ch->items, ch->n, sizeof(*ch->items), cmp_component);
        size_t w = 1;
        for (size_t i = 1; i < ch->n; i++)
                if (cmp_component(&ch->items[i], &ch->items[w - 1]) != 0)
                        ch->items[w++] = ch->items[i];
        ch->n = w;
}

static bool chain_valid(const struct calendar_chain *ch, int from, int to, bool end_of_month) {
        if (end_of_month)
                to -= 3; /* at most 28 days back from the end of a month */
        for (size_t i = 0; i < ch->n; i++) {
                const struct calendar_component *k = &ch->items[i];
                if (k->start < from || k->start > to || k->repeat > to - from)
                        return false;
                if (k->stop >= 0) {
                        if (k->stop < from || k->stop > to || k->start + k->repeat > k->stop)
                                return false;
                } else if (end_of_month ? k->start - k->repeat < from : k->start + k->repeat > to)
                        return false;
        }
        return true;
}

static int fix_year(int y) {
        return y >= 0 && y < 70 ? y + 2000 : y >= 70 && y < 100 ? y + 1900 : y;
}

static bool spec_valid(struct calendar_spec *c) {
        static const int range[_CALENDAR_FIELD_MAX][2] = {
                [CALENDAR_YEAR] = { CALENDAR_MIN_YEAR, CALENDAR_MAX_YEAR },
                [CALENDAR_MONTH] = { 1, 12 },
                [CALENDAR_DAY] = { 1, 31 },
                [CALENDAR_HOUR] = { 0, 23 },
                [CALENDAR_MINUTE] = { 0, 59 },
                [CALENDAR_USEC] = { 0, 60 * (int) USEC_PER_SEC - 1 },
        };
        if (c->weekdays <= 0 || c->weekdays >= WEEKDAYS_ALL)
                c->weekdays = -1;
        if (c->end_of_month && c->chains[CALENDAR_DAY].n == 0)
                c->end_of_month = false;
        struct calendar_chain *y = &c->chains[CALENDAR_YEAR];
        for (size_t i = 0; i < y->n; i++) { /* two-digit years: 12 is 2012, 89 is 1989 */
                y->items[i].start = fix_year(y->items[i].start);
                y->items[i].stop = fix_year(y->items[i].stop);
        }
        for (int f = 0; f < _CALENDAR_FIELD_MAX; f++) {
                normalize_chain(&c->chains[f]);
                if (!chain_valid(&c->chains[f], range[f][0], range[f][1],
                                 f == CALENDAR_DAY && c->end_of_month))
                        return false;
        }
        return true;
}

int calendar_spec_parse(const char *text, struct calendar_spec **ret) {
        struct calendar_spec *c = calloc(1, sizeof(*c));
        size_t len;

        if (!c)
                return -ENOMEM;
        c->dst = -1;
        int r = parse_zone(text, c, &len);
        _cleanup_free_ char *copy = r >= 0 ? strndup(text, len) : NULL;
        const char *p = copy;
        if (r >= 0 && !copy)
                r = -ENOMEM;
        if (r >= 0 && *p == '\0')
                r = -EINVAL;
        if (r >= 0)
                r = parse_shorthand(p, c);
        if (r == 0) {
                r = parse_weekdays(&p, c);
                if (r >= 0)
                        r = parse_date(&p, c);
                if (r == 0)
                        r = parse_time(&p, c);
                if (r >= 0 && *p != '\0')
                        r = -EINVAL;
        }
        if (r >= 0 && !spec_valid(c))
                r = -EINVAL;
        if (r < 0) {
                calendar_spec_free(c);
                return r == -ENOMEM ? r : -EINVAL;
        }
        *ret = c;
        return 0;
}

/* ---- the normalized form ------------------------------------------------------------------- */

static void format_weekdays(FILE *f, int bits) {
        static const char *const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
        bool comma = false;
        int l = -1, x;

        for (x = 0; x < 7; x++) {
                if (bits & (1 << x)) {
                        if (l < 0) {
                                fputs(comma ? "," : "", f);
                                fputs(days[x], f);
                                comma = true;
                                l = x;
                        }
                } else if (l >= 0) {
                        if (x > l + 1)
                                fprintf(f, "%s%s", x > l + 2 ? ".." : ",", days[x - 1]);
                        l = -1;
                }
        }
        if (l >= 0 && x > l + 1)
                fprintf(f, "%s%s", x > l + 2 ? ".." : ",", days[x - 1]);
}

static void format_chain(FILE *f, int width, const struct calendar_chain *ch, bool usec) {
        int d = usec ? (int) USEC_PER_SEC : 1;

        bool star = ch->n == 0;
        for (size_t i = 0; usec && i < ch->n; i++) /* one item covers every second */
                star |= ch->items[i].start == 0 && ch->items[i].stop < 0 && ch->items[i].repeat == d;
        if (star) {
                fputc('*', f);
                return;
        }
        for (size_t i = 0; i < ch->n; i++) {
                const struct calendar_component *k = &ch->items[i];
                fprintf(f, "%s%0*i", i > 0 ? "," : "", width, k->start / d);
                if (k->start % d > 0)
                        fprintf(f, ".%06i", k->start % d);
                if (k->stop > 0)
                        fprintf(f, "..%0*i", width, k->stop / d);
                if (k->stop % d > 0)
                        fprintf(f, ".%06i", k->stop % d);
                if (k->repeat > 0 && !(k->stop > 0 && k->repeat == d))
                        fprintf(f, "/%i", k->repeat / d);
                if (k->repeat % d > 0)
                        fprintf(f, ".%06i", k->repeat % d);
        }
}

int calendar_spec_format(const struct calendar_spec *c, char **ret) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return -ENOMEM;
        if (c->weekdays > 0 && c->weekdays < WEEKDAYS_ALL) {
                format_weekdays(f, c->weekdays);
                fputc(' ', f);
        }
        format_chain(f, 4, &c->chains[CALENDAR_YEAR], false);
        fputc('-', f);
        format_chain(f, 2, &c->chains[CALENDAR_MONTH], false);
        fputc(c->end_of_month ? '~' : '-', f);
        format_chain(f, 2, &c->chains[CALENDAR_DAY], false);
        fputc(' ', f);
        format_chain(f, 2, &c->chains[CALENDAR_HOUR], false);
        fputc(':', f);
        format_chain(f, 2, &c->chains[CALENDAR_MINUTE], false);
        fputc(':', f);
        format_chain(f, 2, &c->chains[CALENDAR_USEC], true);
        if (c->utc)
                fputs(" UTC", f);
        else if (c->timezone)
                fprintf(f, " %s", c->timezone);
        else if (c->dst == 0 || c->dst == 1) {
                tzset();
                if (!isempty(tzname[c->dst]))
                        fprintf(f, " %s", tzname[c->dst]);
        }
        bool failed = ferror(f);
        if (fclose(f) != 0 || failed) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        return 0;
}

/* ---- the next elapse ----------------------------------------------------------------------- */

static time_t tm_to_time(struct tm *tm, bool utc) {
        return utc ? timegm(tm) : mktime(tm);
}

/* The day of the month that is DAY days before the end of TM's month (~1 is the last day). */
static int end_of_month(const struct tm *tm, bool utc, int day) {
        struct tm t = *tm;
        t.tm_mon++;
        t.tm_mday = 1 - day;
        if (tm_to_time(&t, utc) < 0 || t.tm_mon != tm->tm_mon)
                return -1;
        return t.tm_mday;
}

/* Moves *VAL to the smallest value of CH at or after it: 1 when it moved, 0 when *VAL matches (or
 * CH is "any"), -ENOENT when no value is left in this period. */
static int find_matching(const struct calendar_spec *c, int field, const struct tm *tm, int *val) {
        const struct calendar_chain *ch = &c->chains[field];
        bool found = false;
        int d = -1;

        if (ch->n == 0)
                return 0;
        for (size_t i = 0; i < ch->n; i++) {
                const struct calendar_component *k = &ch->items[i];
                int start = k->start, stop = k->stop;
                if (c->end_of_month && field == CALENDAR_DAY) {
                        start = end_of_month(tm, c->utc, start);
                        stop = end_of_month(tm, c->utc, stop);
                        if (stop > 0) {
                                int s = start;
                                start = stop;
                                stop = s;
                        }
                }
                if (start >= *val) {
                        if (!found || start < d)
                                d = start;
                        found = true;
                } else if (k->repeat > 0) {
                        int next = start + k->repeat * ((*val - start + k->repeat - 1) / k->repeat);
                        if ((!found || next < d) && (stop < 0 || next <= stop)) {
                                d = next;
                                found = true;
                        }
                }
        }
        if (!found)
                return -ENOENT;
        int r = *val != d;
        *val = d;
        return r;
}

/* 1 when TM names a time that exists as written; 0 when libc had to normalize it forward (then TM
 * holds the normalized time, with the fields below the one that moved reset: a day past the
 * month's end, an hour skipped by a DST change); -EDEADLK when normalizing went backward, -ERANGE
 * past the last year. */
static int tm_within_bounds(struct tm *tm, bool utc) {
        if (tm->tm_year + 1900 > CALENDAR_MAX_YEAR)
                return -ERANGE;
        struct tm t = *tm;
        if (tm_to_time(&t, utc) < 0)
                return -ERANGE;
        int cmp;
        if ((cmp = CMP(t.tm_year, tm->tm_year)) != 0)
                t.tm_mon = 0;
        else if ((cmp = CMP(t.tm_mon, tm->tm_mon)) != 0)
                t.tm_mday = 1;
        else if ((cmp = CMP(t.tm_mday, tm->tm_mday)) != 0)
                t.tm_hour = 0;
        else if ((cmp = CMP(t.tm_hour, tm->tm_hour)) != 0)
                t.tm_min = 0;
        else if ((cmp = CMP(t.tm_min, tm->tm_min)) != 0)
                t.tm_sec = 0;
        else
                cmp = CMP(t.tm_sec, tm->tm_sec);
        if (cmp < 0)
                return -EDEADLK;
        if (cmp > 0)
                *tm = t;
        return cmp == 0;
}

static int tm_compare(const struct tm *a, const struct tm *b) {
        int r;
        if ((r = CMP(a->tm_year, b->tm_year)) || (r = CMP(a->tm_mon, b->tm_mon)) ||
            (r = CMP(a->tm_mday, b->tm_mday)) || (r = CMP(a->tm_hour, b->tm_hour)) ||
            (r = CMP(a->tm_min, b->tm_min)))
                return r;
        return CMP(a->tm_sec, b->tm_sec);
}

static bool matches_weekday(int bits, const struct tm *tm, bool utc) {
        if (bits < 0 || bits >= WEEKDAYS_ALL)
                return true;
        struct tm t = *tm;
        if (tm_to_time(&t, utc) < 0)
                return false;
        return bits & (1 << (t.tm_wday == 0 ? 6 : t.tm_wday - 1));
}

static void clear_below(struct tm *t, int *usec, int field) {
        if (field <= CALENDAR_MONTH)
                t->tm_mon = 0;
        if (field <= CALENDAR_DAY)
                t->tm_mday = 1;
        if (field <= CALENDAR_HOUR)
                t->tm_hour = 0;
        if (field <= CALENDAR_MINUTE)
                t->tm_min = 0;
        t->tm_sec = *usec = 0;
}

/* The field of struct tm for FIELD, in the calendar's numbering (years from 0, months from 1). */
static int *tm_field(struct tm *t, int field) {
        int *const f[] = { &t->tm_year, &t->tm_mon, &t->tm_mday, &t->tm_hour, &t->tm_min, &t->tm_sec };
        return f[field];
}

/* Matches one field: 1 when it matched, 0 to start over from the normalized time, -ENOENT when
 * the search is over. On no match in this period, the next period of the field above. */
static int step_field(const struct calendar_spec *c, struct tm *t, int *usec, int field) {
        static const int offset[] = { 1900, 1, 0, 0, 0, 0 };
        int *v = tm_field(t, field);

        if (field == CALENDAR_USEC)
                *v = *v * (int) USEC_PER_SEC + *usec;
        else
                *v += offset[field];
        int r = find_matching(c, field, t, v);
        if (field == CALENDAR_USEC) {
                *usec = *v % (int) USEC_PER_SEC;
                *v /= (int) USEC_PER_SEC;
        } else
                *v -= offset[field];
        if (r > 0 && field < CALENDAR_USEC)
                clear_below(t, usec, field + 1);
        if (field == CALENDAR_YEAR)
                return r < 0 ? r : tm_within_bounds(t, c->utc) <= 0 ? -ENOENT : 1;
        if (r >= 0)
                r = tm_within_bounds(t, c->utc);
        if (r < 0) { /* nothing left in this period: the next one of the field above */
                (*tm_field(t, field - 1))++;
                clear_below(t, usec, field);
                return 0;
        }
        return r;
}

/* A bound on the search, as in systemd: a DST change can make it go round in circles. */
#define CALENDAR_ITERATIONS_MAX 1000

static int find_next(const struct calendar_spec *c, struct tm *tm, int *ret_usec) {
        struct tm t = *tm;
        int usec = *ret_usec;
        bool invalidate_dst = false;

        for (unsigned i = 0; i < CALENDAR_ITERATIONS_MAX; i++) {
                (void) tm_to_time(&t, c->utc); /* normalize */
                if (!invalidate_dst)
                        t.tm_isdst = c->dst;
                int r = step_field(c, &t, &usec, CALENDAR_YEAR);
                if (r < 0)
                        return r;
                if (step_field(c, &t, &usec, CALENDAR_MONTH) <= 0)
                        continue;
                if (step_field(c, &t, &usec, CALENDAR_DAY) <= 0)
                        continue;
                if (!matches_weekday(c->weekdays, &t, c->utc)) {
                        t.tm_mday++;
                        clear_below(&t, &usec, CALENDAR_HOUR);
                        continue;
                }
                if (step_field(c, &t, &usec, CALENDAR_HOUR) <= 0 ||
                    step_field(c, &t, &usec, CALENDAR_MINUTE) <= 0 ||
                    step_field(c, &t, &usec, CALENDAR_USEC) <= 0)
                        continue;
                r = tm_compare(tm, &t);
                if (r == 0)
                        r = CMP(*ret_usec, usec + 1);
                if (r >= 0) {
                        /* Stuck where we started (a summer time pinned by the zone's
                         * abbreviation, after it ended): on an hour, and let libc decide. */
                        invalidate_dst = true;
                        t.tm_hour++;
                        continue;
                }
                *tm = t;
                *ret_usec = usec;
                return 0;
        }
        return -EDEADLK;
}

static int next_in_current_zone(const struct calendar_spec *c, uint64_t after, uint64_t *ret) {
        struct tm tm;

        if (after > CALENDAR_USEC_MAX)
                return -EINVAL;
        after++;
        time_t t = (time_t) (after / USEC_PER_SEC);
        if (!(c->utc ? gmtime_r(&t, &tm) : localtime_r(&t, &tm)))
                return -EINVAL;
        int usec = (int) (after % USEC_PER_SEC);
        int r = find_next(c, &tm, &usec);
        if (r < 0)
                return r;
        t = tm_to_time(&tm, c->utc);
        if (t < 0)
                return -EINVAL;
        *ret = (uint64_t) t * USEC_PER_SEC + (uint64_t) usec;
        return 0;
}

int calendar_spec_next(const struct calendar_spec *c, uint64_t after, uint64_t *ret) {
        if (!c->timezone)
                return next_in_current_zone(c, after, ret);
        /* libc knows one local zone, $TZ: switch it for the search and back. In svcd only the event
         * loop's thread reads the local zone (the log writer formats in UTC), so no other thread
         * sees the switch; systemd forks for this, svcd need not. */
        const char *old = getenv("TZ");
        _cleanup_free_ char *saved = old ? strdup(old) : NULL, *tz = NULL;
        if ((old && !saved) || asprintf(&tz, ":%s", c->timezone) < 0)
                return -ENOMEM;
        if (setenv("TZ", tz, 1) < 0)
                return -errno;
        tzset();
        int r = next_in_current_zone(c, after, ret);
        if (saved)
                (void) setenv("TZ", saved, 1);
        else
                (void) unsetenv("TZ");
        tzset();
        return r;
}
