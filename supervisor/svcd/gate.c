/* SPDX-License-Identifier: MIT */
/* The upgrade gate: see gate.h. Each unit of a gate is a watch that goes
 *   RESTARTING (its restart job runs) -> WATCHING (running; its window runs) -> DONE "moved"
 * or, on a failed start, an exit, or a probe that is not healthy within the window,
 *   -> PINNING (pin written, owner told, restart onto the old generation) -> DONE "pinned"
 * and then the units that depend on it (Requires=, BindsTo=, Wants=, Requisite=, PartOf=) and
 * were active when the gate began are started again where they went down, each a watch of its
 * own that ends with its start job. The manager's hooks only note what happened; the actions (a
 * pin, a job) run from a deferred step, never inside the job engine's own callbacks. */
#include <systemd/sd-event.h>

#include "common/macro.h"
#include "common/paths.h"
#include "common/pin.h"
#include "common/util.h"
#include "supervisor/svcd/alerts.h"
#include "supervisor/svcd/gate.h"
#include "supervisor/svcd/health.h"
#include "supervisor/svcd/log-capture.h"
#include "supervisor/svcd/manager.h"
#include "supervisor/svcd/record.h"
#include "supervisor/svcd/service.h"

/* A unit without a probe must stay up this long on the new generation (a crash loop with the
 * default RestartSec=100ms shows within it); with a probe, its start period and retries+1
 * intervals, and never less. */
#define GATE_MIN_WINDOW_USEC (2 * USEC_PER_SEC)

enum watch_phase {
        WATCH_RESTARTING,
        WATCH_WATCHING,
        WATCH_PINNING,
        WATCH_DEPENDANT, /* its start job runs */
        WATCH_DONE,
};

struct gate;

struct watch {
        struct gate *g;
        struct service *s; /* NULL once the service went away */
        enum watch_phase phase;
        bool job_ended, job_ok; /* noted by the hooks, acted on by the step */
        char *why; /* the failure noted in RESTARTING or WATCHING */
        char *job_detail; /* why the last job failed */
        bool window_over;
        sd_event_source *timer;
        unsigned from; /* the generation it ran on: the one a pin sends it back to */
        struct gate_result res;
};

struct gate {
        struct gates *gs;
        char *tree;
        unsigned from, to;
        uint64_t min_healthy;
        char **was_active; /* the units active when the gate began: the dependants to keep up */
        struct watch **w;
        size_t n;
        gate_done_fn done;
        void *userdata;
        struct gate *next;
};

struct gates {
        struct manager *m;
        struct gate *list;
        sd_event_source *step; /* deferred: runs the actions the hooks noted */
};

static void watch_free(struct watch *w) {
        sd_event_source_disable_unref(w->timer);
        free(w->why);
        free(w->job_detail);
        free(w->res.unit);
        free(w->res.detail);
        free(w);
}

static void gate_free(struct gate *g) {
        for (size_t i = 0; i < g->n; i++)
                watch_free(g->w[i]);
        free(g->w);
        free(g->tree);
        strv_free(g->was_active);
        free(g);
}

static void kick(struct gates *gs) {
        (void) sd_event_source_set_enabled(gs->step, SD_EVENT_ONESHOT);
}

static struct watch *watch_add(struct gate *g, struct service *s, enum watch_phase phase,
                               const char *result) {
        struct watch **l = reallocarray(g->w, g->n + 1, sizeof(*l));
        if (!l)
                return NULL;
        g->w = l;
        struct watch *w = calloc(1, sizeof(*w));
        if (!w || !(w->res.unit = strdup(s->name))) {
                free(w);
                return NULL;
        }
        *w = (struct watch){ .g = g, .s = s, .phase = phase, .res = { w->res.unit, result, NULL } };
        g->w[g->n++] = w;
        return w;
}

static void note_failure(struct watch *w, const char *fmt, ...) _printf_(2, 3);
static void note_failure(struct watch *w, const char *fmt, ...) {
        if (w->why)
                return; /* the first reason is the one */
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(&w->why, fmt, ap) < 0)
                w->why = NULL;
        va_end(ap);
        if (!w->why)
                w->why = strdup("failed");
        kick(w->g->gs);
}

/* ---- what the hooks note ------------------------------------------------------------------ */

typedef void (*watch_fn)(struct watch *w, void *arg);

static void for_each_watch_of(struct gates *gs, struct service *s, watch_fn f, void *arg) {
        for (struct gate *g = gs->list; g; g = g->next)
                for (size_t i = 0; i < g->n; i++)
                        if (g->w[i]->s == s && g->w[i]->phase != WATCH_DONE)
                                f(g->w[i], arg);
}

struct job_end {
        bool ok;
        const char *detail;
};

static void watch_job_done(struct watch *w, void *arg) {
        const struct job_end *e = arg;
        if (w->phase == WATCH_WATCHING)
                return;
        if (w->phase == WATCH_RESTARTING && !e->ok) {
                note_failure(w, "did not start: %s", e->detail ? e->detail : "failed");
                return;
        }
        w->job_ended = true;
        w->job_ok = e->ok;
        free(w->job_detail);
        w->job_detail = e->ok ? NULL : strdup(e->detail ? e->detail : "failed");
        kick(w->g->gs);
}

static void on_job_done(void *userdata, struct service *s, bool ok, const char *detail) {
        struct job_end e = { ok, detail };
        for_each_watch_of(userdata, s, watch_job_done, &e);
}

static void watch_changed(struct watch *w, void *arg _unused_) {
        enum svc_state now = w->s->sm.state;
        bool watched = w->phase == WATCH_WATCHING || (w->phase == WATCH_RESTARTING && w->job_ended);
        if (!watched || now == SVC_RUNNING || now == SVC_RELOADING)
                return;
        _cleanup_free_ char *d = service_describe(w->s);
        note_failure(w, "%s%s%s", svc_state_to_string(now), d && *d ? ": " : "", d ? d : "");
}

static void on_service_changed(void *userdata, struct service *s, enum svc_state old _unused_) {
        for_each_watch_of(userdata, s, watch_changed, NULL);
}

static void watch_health(struct watch *w, void *arg _unused_) {
        if (w->phase == WATCH_WATCHING && w->s->admin->health_state == HEALTH_STATE_UNHEALTHY)
                note_failure(w, "unhealthy: %u probe%s failed in a row, the last: %s", health_streak(w->s),
                             health_streak(w->s) == 1 ? "" : "s", health_last_output(w->s));
}

static void on_health_changed(void *userdata, struct service *s) {
        for_each_watch_of(userdata, s, watch_health, NULL);
}

static void watch_gone(struct watch *w, void *arg _unused_) {
        w->s = NULL;
        w->phase = WATCH_DONE;
        w->res.result = "failed";
        w->res.detail = strdup("the unit was removed");
        kick(w->g->gs);
}

static void on_service_gone(void *userdata, struct service *s) {
        for_each_watch_of(userdata, s, watch_gone, NULL);
}

static const struct manager_observer observer = {
        .service_changed = on_service_changed,
        .job_done = on_job_done,
        .health_changed = on_health_changed,
        .service_gone = on_service_gone,
};

static int on_window(sd_event_source *src _unused_, uint64_t usec _unused_, void *userdata) {
        struct watch *w = userdata;
        w->window_over = true;
        kick(w->g->gs);
        return 0;
}

/* ---- the actions ---------------------------------------------------------------------------- */

static uint64_t window_of(const struct gate *g, const struct unit *u) {
        if (g->min_healthy > 0)
                return g->min_healthy;
        if (u->health.kind == HEALTH_NONE)
                return GATE_MIN_WINDOW_USEC;
        uint64_t probe = u->health_start_period_usec + u->health_interval_usec * (u->health_retries + 1);
        return MAX(probe, GATE_MIN_WINDOW_USEC);
}

static void restart_ended(struct watch *w) {
        struct manager *m = w->g->gs->m;
        w->phase = WATCH_WATCHING;
        int r = sd_event_add_time_relative(m->event, &w->timer, CLOCK_MONOTONIC, window_of(w->g, w->s->unit),
                                           0, on_window, w);
        if (r < 0)
                note_failure(w, "cannot watch it: %s", strerror(-r));
}

/* The window is over: healthy if it has a probe, running in any case. */
static void window_ended(struct watch *w) {
        char span[32];
        struct service *s = w->s;
        if (s->sm.state != SVC_RUNNING && s->sm.state != SVC_RELOADING) {
                _cleanup_free_ char *d = service_describe(s);
                note_failure(w, "%s%s%s", svc_state_to_string(s->sm.state), d && *d ? ": " : "", d ? d : "");
                return;
        }
        if (s->unit->health.kind != HEALTH_NONE && s->admin->health_state != HEALTH_STATE_HEALTHY) {
                const char *out = health_last_output(s);
                note_failure(w, "not healthy within %s (%s%s%s)",
                             format_timespan(span, sizeof(span), window_of(w->g, s->unit)),
                             health_state_to_string(s->admin->health_state), *out ? ": " : "", out);
                return;
        }
        w->phase = WATCH_DONE;
        w->res.result = "moved";
        if (asprintf(&w->res.detail, "on generation %u", w->g->to) < 0)
                w->res.detail = NULL;
        log_info("%s: runs on generation %u of tree %s, %s", s->name, w->g->to, w->g->tree,
                 s->admin->health_state == HEALTH_STATE_HEALTHY ? "healthy" : "up through its window");
}

/* Writes the pin, tells the owner, and restarts the unit onto the generation it came from. */
static void pin_back(struct watch *w) {
        struct gate *g = w->g;
        struct service *s = w->s;
        _cleanup_free_ char *pins = path_join(g->gs->m->root, SVC_PINS_DIR), *reason = NULL;
        sd_event_source_disable_unref(w->timer);
        w->timer = NULL;
        w->phase = WATCH_DONE;
        w->res.result = "failed";
        if (!pins || asprintf(&reason, "pinned after the upgrade to %u failed: %s", g->to, w->why) < 0)
                return;
        struct tree_pin pin = { .tree = g->tree, .gen = w->from, .reason = reason };
        int r = tree_pin_write(pins, s->name, &pin);
        if (r < 0) {
                log_error("%s: broke on generation %u of tree %s (%s), and cannot be pinned: %s", s->name,
                          g->to, g->tree, w->why, strerror(-r));
                w->res.detail = strdup(w->why);
                return;
        }
        log_warning("%s: %s; back to generation %u", s->name, reason, w->from);
        log_stream_note(s->log, "%s; back to generation %u", reason, w->from);
        alerts_raise(s, ALERT_PINNED, reason);
        w->res.detail = TAKE_PTR(reason);
        w->res.result = "pinned";
        w->job_ended = false;
        w->phase = WATCH_PINNING;
        r = manager_enqueue(g->gs->m, s, JOB_RESTART, true);
        if (r < 0) {
                log_error("%s: cannot restart it onto generation %u: %s", s->name, w->from, strerror(-r));
                w->phase = WATCH_DONE;
        }
}

static bool depends_on(const struct unit *u, const char *name) {
        return strv_contains(u->requires, name) || strv_contains(u->binds_to, name) ||
               strv_contains(u->wants, name) || strv_contains(u->requisite, name) ||
               strv_contains(u->part_of, name);
}

/* The pinned unit (of W0) runs again: its dependants that were up when the gate began must be up. */
static void check_dependants(struct gate *g, const struct watch *w0) {
        struct service *s = w0->s;
        struct manager *m = g->gs->m;
        for (size_t i = 0; i < m->n_services; i++) {
                struct service *d = m->services[i];
                if (d == s || !d->unit || !strv_contains(g->was_active, d->name) ||
                    !depends_on(d->unit, s->name))
                        continue;
                bool up = service_is_active(d) || d->admin->job == JOB_START || d->admin->job == JOB_RESTART;
                struct watch *w = watch_add(g, d, up ? WATCH_DONE : WATCH_DEPENDANT, "dependant");
                if (!w)
                        continue;
                if (up && service_is_active(d) && !d->admin->job) {
                        w->res.detail = strdup(svc_state_to_string(d->sm.state));
                        continue;
                }
                w->phase = WATCH_DEPENDANT;
                log_info("%s: started again, as %s went back to generation %u", d->name, s->name, w0->from);
                if (manager_enqueue(m, d, JOB_START, true) < 0) {
                        w->phase = WATCH_DONE;
                        w->res.detail = strdup("cannot be started");
                }
        }
}

static void pinning_ended(struct watch *w) {
        w->phase = WATCH_DONE;
        if (!w->job_ok) {
                char *old = w->res.detail;
                if (asprintf(&w->res.detail, "%s; on generation %u it does not start either: %s", old,
                             w->from, w->job_detail) < 0)
                        w->res.detail = TAKE_PTR(old);
                free(old);
                return;
        }
        check_dependants(w->g, w);
}

static void dependant_ended(struct watch *w) {
        w->phase = WATCH_DONE;
        if (w->job_ok)
                w->res.detail = strdup("running");
        else if (asprintf(&w->res.detail, "failed: %s", w->job_detail) < 0)
                w->res.detail = NULL;
}

static void watch_step(struct watch *w) {
        if (w->phase == WATCH_DONE || !w->s)
                return;
        if (w->phase == WATCH_RESTARTING && w->job_ended && !w->why)
                restart_ended(w);
        if (w->phase == WATCH_WATCHING && w->window_over && !w->why)
                window_ended(w);
        if ((w->phase == WATCH_RESTARTING || w->phase == WATCH_WATCHING) && w->why)
                pin_back(w);
        if (w->phase == WATCH_PINNING && w->job_ended)
                pinning_ended(w);
        if (w->phase == WATCH_DEPENDANT && w->job_ended)
                dependant_ended(w);
}

static bool gate_settled(const struct gate *g) {
        for (size_t i = 0; i < g->n; i++)
                if (g->w[i]->phase != WATCH_DONE)
                        return false;
        return true;
}

static void gate_answer(struct gate *g) {
        _cleanup_free_ struct gate_result *res = calloc(g->n + 1, sizeof(*res));
        for (size_t i = 0; res && i < g->n; i++)
                res[i] = g->w[i]->res;
        if (g->done)
                g->done(g->userdata, res, res ? g->n : 0);
}

static int on_step(sd_event_source *src _unused_, void *userdata) {
        struct gates *gs = userdata;
        for (struct gate **gp = &gs->list; *gp;) {
                struct gate *g = *gp;
                /* check_dependants() may add watches: by index, to the end */
                for (size_t i = 0; i < g->n; i++)
                        watch_step(g->w[i]);
                if (!gate_settled(g)) {
                        gp = &g->next;
                        continue;
                }
                *gp = g->next;
                gate_answer(g);
                gate_free(g);
        }
        return 0;
}

/* ---- the gates ------------------------------------------------------------------------------ */

int gates_new(struct manager *m, struct gates **ret) {
        struct gates *gs = calloc(1, sizeof(*gs));
        if (!gs)
                return -ENOMEM;
        gs->m = m;
        int r = sd_event_add_defer(m->event, &gs->step, on_step, gs);
        if (r >= 0)
                r = sd_event_source_set_enabled(gs->step, SD_EVENT_OFF);
        if (r >= 0)
                r = manager_observe(m, &observer, gs);
        if (r < 0) {
                sd_event_source_disable_unref(gs->step);
                free(gs);
                return r;
        }
        *ret = gs;
        return 0;
}

struct gates *gates_free(struct gates *gs) {
        if (!gs)
                return NULL;
        manager_unobserve(gs->m, &observer, gs);
        while (gs->list) {
                struct gate *g = gs->list;
                gs->list = g->next;
                gate_free(g);
        }
        sd_event_source_disable_unref(gs->step);
        free(gs);
        return NULL;
}

void gates_forget(struct gates *gs, bool (*match)(void *userdata, void *arg), void *arg) {
        for (struct gate *g = gs->list; g; g = g->next)
                if (g->done && match(g->userdata, arg))
                        g->done = NULL;
}

static char **active_names(struct manager *m) {
        char **l = NULL;
        for (size_t i = 0; i < m->n_services; i++)
                if (service_is_active(m->services[i]) && strv_extend(&l, m->services[i]->name) < 0)
                        return strv_free(l);
        return l ? l : calloc(1, sizeof(char *));
}

/* Each unit exists and runs on the tree; 0 or -errno with *ret_why. */
static int check_units(struct manager *m, const struct gate_request *req, char **ret_why) {
        STRV_FOREACH (name, req->units) {
                struct service *s = NULL;
                int r = manager_get_service(m, *name, &s);
                if (r == -ENOMEM)
                        return r;
                if (r < 0 || !s->unit)
                        return asprintf(ret_why, "unit %s does not load", *name) < 0 ? -ENOMEM : -ENOENT;
                if (!s->unit->root_directory || !streq(s->unit->root_directory, req->tree))
                        return asprintf(ret_why, "unit %s does not run on tree %s", *name, req->tree) < 0
                                       ? -ENOMEM
                                       : -EINVAL;
        }
        return 0;
}

/* The generation of tree TREE that S runs on (its resolved tree path ".../.TREE/N"), or DEF. */
static unsigned running_generation(const struct service *s, const char *tree, unsigned def) {
        size_t n = strlen(s->m->trees_dir), k = strlen(tree);
        const char *p = s->has_sb && s->tree_path ? s->tree_path : "";
        if (!strneq(p, s->m->trees_dir, n) || p[n] != '/' || p[n + 1] != '.' || !strneq(p + n + 2, tree, k) ||
            p[n + 2 + k] != '/')
                return def;
        p += n + 3 + k;
        return p[0] && strspn(p, "0123456789") == strlen(p) ? (unsigned) strtoul(p, NULL, 10) : def;
}

static int gate_new(struct gates *gs, const struct gate_request *req, struct gate **ret) {
        struct gate *g = calloc(1, sizeof(*g));
        if (!g)
                return -ENOMEM;
        *g = (struct gate){ .gs = gs,
                            .tree = strdup(req->tree),
                            .from = req->from,
                            .to = req->to,
                            .min_healthy = req->min_healthy_usec,
                            .was_active = active_names(gs->m) };
        if (!g->tree || !g->was_active) {
                gate_free(g);
                return -ENOMEM;
        }
        STRV_FOREACH (name, req->units) {
                struct service *s = manager_find(gs->m, *name);
                struct watch *w = watch_add(g, s, WATCH_RESTARTING, "moved");
                if (!w) {
                        gate_free(g);
                        return -ENOMEM;
                }
                w->from = running_generation(s, req->tree, req->from);
        }
        *ret = g;
        return 0;
}

int gates_begin(struct gates *gs, const struct gate_request *req, gate_done_fn done, void *userdata,
                char **ret_why) {
        *ret_why = NULL;
        if (gs->m->shutting_down)
                return -ESHUTDOWN;
        for (struct gate *g = gs->list; g; g = g->next)
                if (streq(g->tree, req->tree))
                        return asprintf(ret_why, "the services of tree %s are being moved already",
                                        req->tree) < 0
                                       ? -ENOMEM
                                       : -EBUSY;
        _cleanup_free_ char *pins = path_join(gs->m->root, SVC_PINS_DIR);
        struct gate *g = NULL;
        int r = pins ? check_units(gs->m, req, ret_why) : -ENOMEM;
        if (r >= 0)
                r = gate_new(gs, req, &g);
        if (r < 0)
                return r;
        g->done = done;
        g->userdata = userdata;
        g->next = gs->list;
        gs->list = g;
        for (size_t i = 0; i < g->n; i++) {
                struct watch *w = g->w[i];
                r = tree_pin_remove(pins, w->s->name);
                if (r < 0)
                        note_failure(w, "cannot remove its old pin: %s", strerror(-r));
                else if ((r = manager_enqueue(gs->m, w->s, JOB_RESTART, true)) < 0)
                        note_failure(w, "cannot restart it: %s", strerror(-r));
                else
                        log_info("%s: moving onto generation %u of tree %s", w->s->name, g->to, g->tree);
        }
        return 0;
}
