/* SPDX-License-Identifier: MIT */
/* Timers: NAME.timer units (systemd.timer(5)) on svcd's loop. When a timer is armed, the next
 * elapse of each trigger is computed (calendar ones by units/calendar.c, in wall-clock time;
 * the others in CLOCK_MONOTONIC), the earliest of each clock goes on one sd-event source, and an
 * elapse starts the timer's service as `svc start` would. A timerfd armed with
 * TFD_TIMER_CANCEL_ON_SET tells when the wall clock is set, and every timer is computed again. */

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/timerfd.h>

#include "common/macro.h"
#include "common/paths.h"
#include "common/util.h"
#include "supervisor/svcd/manager.h"
#include "supervisor/svcd/record.h"
#include "supervisor/svcd/timers.h"
#include "supervisor/svcd/timers.h"

struct timer {
        struct manager *m;
        char *name; /* "certbot.timer" */
        struct unit *unit; /* NULL when refused */
        char *error; /* why it was refused */
        bool enabled, armed, elapsed;
        bool *done; /* per monotonic trigger: a one-time trigger that elapsed */
        uint64_t armed_real, armed_mono; /* when it was armed: OnActiveSec= counts from here */
        uint64_t last_real, last_mono; /* the last elapse; 0 never */
        uint64_t unit_active_mono, unit_inactive_mono; /* its service's last start and stop */
        uint64_t next_real, next_mono; /* USEC_INFINITY: none */
        sd_event_source *real_source, *mono_source;
};

struct timers {
        struct timer **items;
        size_t n;
        uint64_t startup_real, startup_mono;
        int clock_fd; /* CLOCK_REALTIME timerfd with TFD_TIMER_CANCEL_ON_SET */
        sd_event_source *clock_source;
        int stamps_fd; /* ROOT/var/lib/svc/timers, opened when first needed */
};

static struct timer *timer_free(struct timer *t) {
        if (!t)
                return NULL;
        sd_event_source_disable_unref(t->real_source);
        sd_event_source_disable_unref(t->mono_source);
        unit_free(t->unit);
        free(t->error);
        free(t->done);
        free(t->name);
        free(t);
        return NULL;
}

static struct timer *timer_find(struct manager *m, const char *name) {
        for (size_t i = 0; m->timers && i < m->timers->n; i++)
                if (streq(m->timers->items[i]->name, name))
                        return m->timers->items[i];
        return NULL;
}

/* ---- stamps of Persistent=true ------------------------------------------------------------- */

/* ROOT/var/lib/svc/timers, resolved under ROOT without following a symlink. */
static int stamps_dir(struct manager *m) {
        struct timers *ts = m->timers;
        if (ts->stamps_fd >= 0)
                return ts->stamps_fd;
        _cleanup_close_ int root = open(m->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return -errno;
        int fd = open_dir_beneath(root, SVC_TIMERS_DIR, 0755, NULL);
        if (fd < 0)
                return fd;
        return ts->stamps_fd = fd;
}

/* The last elapse kept in the stamp's modification time, 0 when there is none (then the stamp is
 * made, as systemd does, so that a run missed from now on is noticed). */
static uint64_t stamp_read(struct timer *t, uint64_t now) {
        int dir = stamps_dir(t->m);
        struct stat st;
        if (dir < 0) {
                log_error_errno(dir, "%s: cannot open " SVC_TIMERS_DIR ": %m", t->name);
                return 0;
        }
        if (fstatat(dir, t->name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT) {
                        _cleanup_close_ int fd = openat(
                                dir, t->name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0644);
                        if (fd < 0)
                                log_error_errno(-errno, "%s: cannot create its stamp: %m", t->name);
                }
                return 0;
        }
        if (!S_ISREG(st.st_mode)) {
                log_error("%s: its stamp in " SVC_TIMERS_DIR " is not a regular file; ignoring it", t->name);
                return 0;
        }
        uint64_t mtime = (uint64_t) st.st_mtim.tv_sec * USEC_PER_SEC + (uint64_t) st.st_mtim.tv_nsec / 1000;
        if (mtime >= now) {
                log_warning("%s: its stamp is in the future; ignoring it", t->name);
                return 0;
        }
        return mtime;
}

static void stamp_touch(struct timer *t) {
        int dir = stamps_dir(t->m);
        _cleanup_close_ int fd =
                dir < 0 ? dir
                        : openat(dir, t->name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0644);
        if (fd < 0 || futimens(fd, NULL) < 0)
                log_error_errno(fd < 0 ? (dir < 0 ? dir : -errno) : -errno, "%s: cannot update its stamp: %m",
                                t->name);
}

/* ---- arming ------------------------------------------------------------------------------- */

static int on_elapse(sd_event_source *src, uint64_t usec, void *userdata);

/* The delay of RandomizedDelaySec=: random at each elapse, or with FixedRandomDelay= a hash of
 * the machine id and the timer's name, the same every time. */
static uint64_t random_delay(const struct timer *t) {
        uint64_t max = t->unit->timer.randomized_delay_usec, v;
        if (max == 0 || max == USEC_INFINITY)
                return 0;
        if (t->unit->timer.fixed_random_delay) {
                _cleanup_free_ char *id = NULL;
                size_t n = 0;
                v = FNV1A64_INIT;
                if (read_full_file("/etc/machine-id", &id, &n) >= 0)
                        v = fnv1a64(v, id, n);
                v = fnv1a64(v, t->name, strlen(t->name));
        } else if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t) sizeof(v))
                v = now_usec(CLOCK_MONOTONIC) * 6364136223846793005ULL;
        return v % max;
}

static uint64_t add_clamped(uint64_t a, uint64_t b) {
        return a > USEC_INFINITY - 1 - b ? USEC_INFINITY - 1 : a + b;
}

static uint64_t next_calendar(struct timer *t) {
        const struct timer_spec *spec = &t->unit->timer;
        uint64_t best = USEC_INFINITY;
        uint64_t base = t->last_real ? t->last_real : t->armed_real;

        for (size_t i = 0; i < spec->n_calendar; i++) {
                uint64_t n;
                if (calendar_spec_next(spec->calendar[i], base, &n) < 0)
                        continue;
                /* A time missed before svcd started elapses at the start (Persistent=). */
                best = MIN(best, MAX(n, t->m->timers->startup_real));
        }
        return best;
}

/* FIRED: a one-time trigger already in the past is done. Sets *RET_LASTING when a trigger counts
 * from the service, and so may elapse again later. */
static uint64_t next_monotonic(struct timer *t, bool time_change, bool *ret_lasting) {
        const struct timer_spec *spec = &t->unit->timer;
        uint64_t best = USEC_INFINITY, now = now_usec(CLOCK_MONOTONIC), base;
        bool fired = t->last_real || t->last_mono;

        for (size_t i = 0; i < spec->n_monotonic; i++) {
                if (t->done[i])
                        continue;
                enum timer_base b = spec->monotonic[i].base;
                if (b == TIMER_ACTIVE)
                        base = t->armed_mono;
                else if (b == TIMER_BOOT)
                        base = 0;
                else if (b == TIMER_STARTUP)
                        base = t->m->timers->startup_mono;
                else {
                        *ret_lasting = true;
                        base = MAX(b == TIMER_UNIT_ACTIVE ? t->unit_active_mono : t->unit_inactive_mono,
                                   t->last_mono);
                        if (base == 0)
                                continue; /* the service never ran: nothing to count from */
                }
                uint64_t n = add_clamped(base, spec->monotonic[i].usec);
                if (fired && !time_change && n < now && b <= TIMER_STARTUP) {
                        t->done[i] = true;
                        continue;
                }
                best = MIN(best, n);
        }
        return best;
}

static int set_source(struct timer *t, sd_event_source **src, clockid_t clock, uint64_t when) {
        if (when == USEC_INFINITY) {
                if (*src)
                        return sd_event_source_set_enabled(*src, SD_EVENT_OFF);
                return 0;
        }
        uint64_t accuracy = t->unit->timer.accuracy_usec;
        if (!*src)
                return sd_event_add_time(t->m->event, src, clock, when, accuracy, on_elapse, t);
        int r = sd_event_source_set_time(*src, when);
        if (r >= 0)
                r = sd_event_source_set_time_accuracy(*src, accuracy);
        if (r >= 0)
                r = sd_event_source_set_enabled(*src, SD_EVENT_ONESHOT);
        return r;
}

static void timer_disarm(struct timer *t) {
        t->armed = false;
        t->next_real = t->next_mono = USEC_INFINITY;
        if (t->real_source)
                (void) sd_event_source_set_enabled(t->real_source, SD_EVENT_OFF);
        if (t->mono_source)
                (void) sd_event_source_set_enabled(t->mono_source, SD_EVENT_OFF);
}

/* Computes the next elapse and sets the sources (systemd's timer_enter_waiting()). */
static void timer_schedule(struct timer *t, bool time_change) {
        bool lasting = false;
        uint64_t real = next_calendar(t), mono = next_monotonic(t, time_change, &lasting);

        if (real == USEC_INFINITY && mono == USEC_INFINITY && !lasting) {
                log_info("%s: elapsed; none of its triggers can elapse again", t->name);
                timer_disarm(t);
                t->elapsed = true;
                t->armed = t->unit->timer.remain_after_elapse; /* shown as elapsed, or stopped */
                return;
        }
        uint64_t delay = random_delay(t);
        t->next_real = real == USEC_INFINITY ? real : add_clamped(real, delay);
        t->next_mono = mono == USEC_INFINITY ? mono : add_clamped(mono, delay);
        int r = set_source(t, &t->real_source, CLOCK_REALTIME, t->next_real);
        if (r >= 0)
                r = set_source(t, &t->mono_source, CLOCK_MONOTONIC, t->next_mono);
        if (r < 0)
                log_error_errno(r, "%s: cannot arm its timer: %m", t->name);
}

static void timer_arm(struct timer *t) {
        if (!t->unit || (t->armed && !t->elapsed))
                return;
        t->armed = true;
        t->elapsed = false;
        t->armed_real = now_usec(CLOCK_REALTIME);
        t->armed_mono = now_usec(CLOCK_MONOTONIC);
        memset(t->done, 0, sizeof(bool) * t->unit->timer.n_monotonic);
        if (t->unit->timer.persistent && t->unit->timer.n_calendar > 0 && !t->last_real)
                t->last_real = stamp_read(t, t->armed_real);
        timer_schedule(t, false);
}

/* Starts the timer's service, as `svc start` does; a running one is left running. */
static void timer_trigger(struct timer *t) {
        struct service *s = NULL;
        const char *unit = t->unit->timer.unit;
        int r = manager_get_service(t->m, unit, &s);
        if (r >= 0)
                r = manager_enqueue(t->m, s, JOB_START, false);
        if (r == -ENOENT)
                log_error("%s: elapsed, but its service %s does not exist", t->name, unit);
        else if (r == -EINVAL && s && s->load_errors)
                log_error("%s: elapsed, but its service %s is refused: %s", t->name, unit, s->load_errors[0]);
        else if (r < 0)
                log_error_errno(r, "%s: elapsed, but %s cannot start: %m", t->name, unit);
        else
                log_info("%s: elapsed, starting %s", t->name, unit);
}

static int on_elapse(sd_event_source *src _unused_, uint64_t usec _unused_, void *userdata) {
        struct timer *t = userdata;
        if (t->m->shutting_down)
                return 0;
        t->last_real = now_usec(CLOCK_REALTIME);
        t->last_mono = now_usec(CLOCK_MONOTONIC);
        if (t->unit->timer.persistent)
                stamp_touch(t);
        timer_trigger(t);
        timer_schedule(t, false);
        return 0;
}

/* ---- the wall clock ------------------------------------------------------------------------ */

static int clock_watch_arm(struct timers *ts) {
        /* Far in the future: the fd only ever reports that the clock was set. */
        struct itimerspec its = { .it_value.tv_sec = (time_t) INT32_MAX * 4 };
        if (timerfd_settime(ts->clock_fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL) < 0)
                return -errno;
        return 0;
}

static int on_clock_set(sd_event_source *src _unused_, int fd, uint32_t revents _unused_, void *userdata) {
        struct manager *m = userdata;
        uint64_t expirations;
        if (read(fd, &expirations, sizeof(expirations)) < 0 && errno != ECANCELED && errno != EAGAIN)
                log_warning_errno(-errno, "Cannot read the clock watch: %m");
        int r = clock_watch_arm(m->timers);
        if (r < 0)
                log_error_errno(r, "Cannot watch the clock again: %m");
        uint64_t now = now_usec(CLOCK_REALTIME);
        log_info("The system clock was set; timers computed again");
        for (size_t i = 0; i < m->timers->n; i++) {
                struct timer *t = m->timers->items[i];
                if (!t->armed || t->elapsed)
                        continue;
                if (t->last_real > now) /* the clock went back past the last elapse */
                        t->last_real = now;
                if (t->unit->timer.on_clock_change)
                        timer_trigger(t);
                timer_schedule(t, true);
        }
        return 0;
}

int timers_init(struct manager *m) {
        struct timers *ts = calloc(1, sizeof(*ts));
        if (!ts)
                return log_oom();
        m->timers = ts;
        ts->stamps_fd = -EBADF;
        ts->startup_real = now_usec(CLOCK_REALTIME);
        ts->startup_mono = now_usec(CLOCK_MONOTONIC);
        ts->clock_fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
        if (ts->clock_fd < 0)
                return log_error_errno(-errno, "Cannot create a timerfd: %m");
        int r = clock_watch_arm(ts);
        if (r >= 0)
                r = sd_event_add_io(m->event, &ts->clock_source, ts->clock_fd, EPOLLIN, on_clock_set, m);
        if (r < 0)
                return log_error_errno(r, "Cannot watch the system clock: %m");
        return 0;
}

void timers_done(struct manager *m) {
        struct timers *ts = m->timers;
        if (!ts)
                return;
        for (size_t i = 0; i < ts->n; i++)
                timer_free(ts->items[i]);
        free(ts->items);
        sd_event_source_disable_unref(ts->clock_source);
        safe_close(ts->clock_fd);
        safe_close(ts->stamps_fd);
        free(ts);
        m->timers = NULL;
}

/* ---- loading ------------------------------------------------------------------------------ */

static int timer_add(struct manager *m, const char *name, struct timer **ret) {
        struct timers *ts = m->timers;
        struct timer **n = realloc(ts->items, sizeof(*n) * (ts->n + 1));
        if (!n)
                return -ENOMEM;
        ts->items = n;
        struct timer *t = calloc(1, sizeof(*t));
        if (!t || !(t->name = strdup(name))) {
                free(t);
                return -ENOMEM;
        }
        t->m = m;
        t->next_real = t->next_mono = USEC_INFINITY;
        t->enabled = manager_marked_enabled(m, name);
        ts->items[ts->n++] = t;
        *ret = t;
        return 0;
}

/* Hands U to T: a changed definition is armed anew. */
static int timer_set_unit(struct timer *t, struct unit *u) {
        bool *done = calloc(u->timer.n_monotonic + 1, sizeof(bool));
        if (!done) {
                unit_free(u);
                return -ENOMEM;
        }
        bool was_armed = t->armed;
        timer_disarm(t);
        unit_free(t->unit);
        free(t->done);
        t->unit = u;
        t->done = done;
        t->error = mfree(t->error);
        t->elapsed = false;
        if (was_armed)
                timer_arm(t);
        return 0;
}

int timers_load(struct manager *m, const char *name) {
        struct timer *t = timer_find(m, name);
        struct unit_diag d = { 0 };
        struct unit *u = NULL;
        int r = unit_load_from_dir(m->units_dir, name, &m->host, &u, &d);

        for (size_t i = 0; i < d.n; i++) {
                _cleanup_free_ char *line = unit_diag_format(&d.items[i]);
                if (line && d.items[i].warning)
                        log_warning("%s", line);
                else if (line)
                        log_error("%s", line);
        }
        if (r == -ENOENT || r == -ENOMEM ||
            (r >= 0 && t && t->unit && t->unit->source_hash == u->source_hash)) {
                unit_diag_clear(&d);
                unit_free(u);
                return r == -ENOENT || r == -ENOMEM ? r : 0;
        }
        int k = t ? 0 : timer_add(m, name, &t);
        if (k >= 0 && r >= 0)
                k = timer_set_unit(t, u);
        else if (k >= 0) {
                size_t e = 0;
                while (e + 1 < d.n && d.items[e].warning) /* the first error, not a warning */
                        e++;
                free(t->error);
                t->error = d.n > 0 ? unit_diag_format(&d.items[e]) : strdup("refused");
        }
        unit_diag_clear(&d);
        return k < 0 ? k : r < 0 ? r : 1;
}

const char *timers_error(struct manager *m, const char *name) {
        struct timer *t = timer_find(m, name);
        return t ? t->error : NULL;
}

void timers_start_enabled(struct manager *m) {
        for (size_t i = 0; m->timers && i < m->timers->n; i++)
                if (m->timers->items[i]->enabled)
                        timer_arm(m->timers->items[i]);
}

int timers_set_enabled(struct manager *m, const char *name, bool enable, const char **ret_why) {
        struct timer *t = timer_find(m, name);
        int r = t ? 0 : timers_load(m, name);
        if (r < 0 && r != -EINVAL)
                return r;
        t = timer_find(m, name);
        if (!t)
                return -ENOENT;
        if (!t->unit) {
                *ret_why = t->error;
                return -EINVAL;
        }
        r = manager_mark_enabled(m, name, enable);
        if (r < 0)
                return r;
        if (enable)
                timer_arm(t);
        else
                timer_disarm(t);
        t->enabled = enable;
        return 0;
}

void timers_service_changed(struct service *s, enum svc_state old) {
        struct manager *m = s->m;
        bool was = old == SVC_STARTING || old == SVC_RUNNING || old == SVC_RELOADING || old == SVC_STOPPING;
        bool is = service_is_active(s);

        if (was == is || !m->timers)
                return;
        for (size_t i = 0; i < m->timers->n; i++) {
                struct timer *t = m->timers->items[i];
                if (!t->unit || !streq(t->unit->timer.unit, s->name))
                        continue;
                if (is)
                        t->unit_active_mono = now_usec(CLOCK_MONOTONIC);
                else
                        t->unit_inactive_mono = now_usec(CLOCK_MONOTONIC);
                if (t->armed && !t->elapsed)
                        timer_schedule(t, false);
        }
}

static const char *timer_state(const struct timer *t) {
        if (!t->unit)
                return t->error ? t->error : "refused";
        if (t->elapsed && t->armed)
                return "elapsed";
        return t->armed ? "waiting" : "inactive";
}

int timers_append_list(struct manager *m, sd_bus_message *reply) {
        int r = sd_bus_message_open_container(reply, 'a', "(ssttbs)");
        uint64_t now_real = now_usec(CLOCK_REALTIME), now_mono = now_usec(CLOCK_MONOTONIC);

        for (size_t i = 0; r >= 0 && m->timers && i < m->timers->n; i++) {
                const struct timer *t = m->timers->items[i];
                uint64_t next = t->armed ? t->next_real : USEC_INFINITY;
                if (t->armed && t->next_mono != USEC_INFINITY) { /* on the wall clock, as it reads now */
                        uint64_t mono_real = t->next_mono > now_mono
                                                     ? now_real + (t->next_mono - now_mono)
                                                     : now_real - MIN(now_real, now_mono - t->next_mono);
                        next = MIN(next, mono_real);
                }
                r = sd_bus_message_append(reply, "(ssttbs)", t->name, t->unit ? t->unit->timer.unit : "",
                                          next == USEC_INFINITY ? (uint64_t) 0 : next, t->last_real,
                                          t->enabled, timer_state(t));
        }
        return r < 0 ? r : sd_bus_message_close_container(reply);
}
