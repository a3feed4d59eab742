/* SPDX-License-Identifier: MIT */
/* The dependency kinds of systemd.unit(5) beyond After/Before/Requires/Wants, as hooks of the
 * manager's job engine. Each acts through manager_enqueue(), so that a job queued here is the
 * same as one asked for by hand: its own dependencies follow, and the dispatcher orders it.
 *
 * What svc does differently from systemd, and why:
 * - BindsTo= stops this unit when the other enters inactive or failed, not while the other is
 *   backing off: that is svc's automatic restart, and the other comes back by itself.
 * - Upholds= starts the upheld unit again when it is inactive, not when it has failed: a unit
 *   that fails at once would be started in a loop (svc has no start limit by default); its own
 *   Restart= (on-failure by default, with a growing delay) brings it back instead. */

#include <sys/wait.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/svcd/alerts.h"
#include "supervisor/svcd/deps.h"
#include "supervisor/svcd/deps.h"
#include "supervisor/svcd/manager.h"
#include "supervisor/svcd/record.h"

static bool lists(char *const *l, const struct service *s) {
        return strv_contains(l, s->name);
}

bool deps_stop_follows(const struct service *u, const struct service *s) {
        const struct unit *a = u->unit, *b = s->unit;
        return lists(a->requires, s) || lists(a->binds_to, s) || lists(a->requisite, s) ||
               lists(a->part_of, s) || lists(a->stop_propagated_from, s) ||
               (b && lists(b->propagates_stop_to, u));
}

static bool restart_follows(const struct service *u, const struct service *s) {
        const struct unit *a = u->unit;
        return lists(a->requires, s) || lists(a->binds_to, s) || lists(a->requisite, s) ||
               lists(a->part_of, s);
}

static bool conflicting(const struct service *a, const struct service *b) {
        return lists(a->unit->conflicts, b) || lists(b->unit->conflicts, a);
}

static bool up_or_coming(const struct service *s) {
        return service_is_active(s) || s->admin->job == JOB_START || s->admin->job == JOB_RESTART ||
               s->sm.state == SVC_BACKING_OFF;
}

void deps_start_queued(struct manager *m, struct service *s, bool restart) {
        for (size_t i = 0; i < m->n_services; i++) {
                struct service *u = m->services[i];
                if (u == s || !u->unit)
                        continue;
                /* Conflicts= works both ways: starting either one stops the other. */
                if (conflicting(s, u) && up_or_coming(u) && u->admin->job != JOB_STOP)
                        (void) manager_enqueue(m, u, JOB_STOP, false);
                else if (restart && restart_follows(u, s) && service_is_active(u) &&
                         u->admin->job == JOB_NONE)
                        (void) manager_enqueue(m, u, JOB_RESTART, false);
        }
}

void deps_reload_queued(struct manager *m, struct service *s) {
        for (size_t i = 0; i < m->n_services; i++) {
                struct service *u = m->services[i];
                if (u == s || !u->unit)
                        continue;
                if (!lists(s->unit->propagates_reload_to, u) && !lists(u->unit->reload_propagated_from, s))
                        continue;
                /* As systemd's try-reload: only what runs and can reload, nothing started. */
                if (u->sm.state == SVC_RUNNING && u->unit->exec_reload.n > 0 && u->admin->job == JOB_NONE)
                        (void) manager_enqueue(m, u, JOB_RELOAD, false);
        }
}

static bool ordered(const struct service *a, const struct service *b) {
        return lists(a->unit->after, b) || lists(b->unit->before, a);
}

/* Requisite=: the other must be up already; one being started before this one is waited for. */
static const char *requisite_blocker(struct manager *m, struct service *s, const char **ret_fail) {
        STRV_FOREACH (name, s->unit->requisite) {
                struct service *d = manager_find(m, *name);
                if (d && d->unit && (d->sm.state == SVC_RUNNING || d->sm.state == SVC_RELOADING))
                        continue;
                bool coming = d && d->unit &&
                              (d->admin->job == JOB_START || d->admin->job == JOB_RESTART ||
                               d->sm.state == SVC_STARTING);
                if (coming && ordered(s, d))
                        return d->name;
                *ret_fail = *name;
                return NULL;
        }
        return NULL;
}

const char *deps_start_blocker(struct manager *m, struct service *s, const char **ret_fail) {
        *ret_fail = NULL;
        const char *w = requisite_blocker(m, s, ret_fail);
        if (w || *ret_fail)
                return w;
        /* A conflicting unit being stopped goes down first when the two are ordered either way
         * (systemd orders a stop before a start whatever the direction). */
        for (size_t i = 0; i < m->n_services; i++) {
                struct service *u = m->services[i];
                if (u != s && u->unit && conflicting(s, u) && u->admin->job == JOB_STOP &&
                    service_is_active(u) && (ordered(s, u) || ordered(u, s)))
                        return u->name;
        }
        return NULL;
}

/* Tells a unit started by OnFailure=/OnSuccess= which unit set it off, as systemd's $MONITOR_*. */
static void set_monitor_env(struct service *t, const struct service *s, char *const *extra) {
        const struct svc_machine *sm = &s->sm;
        const char *sig = sm->exit_code && sm->exit_code != CLD_EXITED ? sigabbrev_np(sm->exit_status) : NULL;
        char v[4][UNIT_NAME_MAX + 32];
        snprintf(v[0], sizeof(v[0]), "MONITOR_UNIT=%s", s->name);
        snprintf(v[1], sizeof(v[1]), "MONITOR_SERVICE_RESULT=%s", svc_result_to_string(sm->result));
        snprintf(v[2], sizeof(v[2]), "MONITOR_EXIT_CODE=%s",
                 sm->exit_code == CLD_EXITED   ? "exited"
                 : sm->exit_code == CLD_KILLED ? "killed"
                 : sm->exit_code == CLD_DUMPED ? "dumped"
                                               : "");
        if (sm->exit_code == CLD_EXITED)
                snprintf(v[3], sizeof(v[3]), "MONITOR_EXIT_STATUS=%d", sm->exit_status);
        else
                snprintf(v[3], sizeof(v[3]), "MONITOR_EXIT_STATUS=%s", sig ? sig : "");
        char **env = NULL;
        for (size_t i = 0; i < ELEMENTSOF(v); i++)
                if (strv_extend(&env, v[i]) < 0)
                        env = strv_free(env);
        for (size_t i = 0; extra && extra[i]; i++)
                if (strv_extend(&env, extra[i]) < 0)
                        env = strv_free(env);
        strv_free(t->monitor_env);
        t->monitor_env = env;
}

void deps_start_units(struct service *s, char **names, const char *key, char *const *extra_env) {
        STRV_FOREACH (name, names) {
                struct service *t;
                int r = manager_get_service(s->m, *name, &t);
                if (r >= 0) {
                        set_monitor_env(t, s, extra_env);
                        r = manager_enqueue(s->m, t, JOB_START, false);
                }
                if (r < 0)
                        log_error("%s: cannot start %s named by %s=: %s", s->name, *name, key,
                                  r == -ENOENT ? "no such unit" : strerror(-r));
                else
                        log_info("%s: starting %s (%s=)", s->name, *name, key);
        }
}

static bool was_up(enum svc_state st) {
        return st == SVC_STARTING || st == SVC_RUNNING || st == SVC_RELOADING || st == SVC_STOPPING;
}

void deps_service_changed(struct service *s, enum svc_state old) {
        enum svc_state now = s->sm.state;
        struct manager *m = s->m;
        if (!s->unit || m->shutting_down)
                return;
        alerts_service_changed(s, old); /* OnFailure=, OnHealthChange= */
        if (now == SVC_INACTIVE && was_up(old))
                deps_start_units(s, s->unit->on_success, "OnSuccess", NULL);
        if ((now != SVC_INACTIVE && now != SVC_FAILED) || !(was_up(old) || old == SVC_BACKING_OFF))
                return;
        for (size_t i = 0; i < m->n_services; i++) {
                struct service *u = m->services[i];
                if (u != s && u->unit && lists(u->unit->binds_to, s) && up_or_coming(u) &&
                    u->admin->job != JOB_STOP)
                        (void) manager_enqueue(m, u, JOB_STOP, false);
        }
}

/* Something active, or on its way up, names S in Requires=, Wants=, BindsTo=, Requisite= or
 * Upholds=. */
static bool needed(struct manager *m, const struct service *s) {
        for (size_t i = 0; i < m->n_services; i++) {
                const struct service *u = m->services[i];
                if (u == s || !u->unit || !up_or_coming(u) || u->admin->job == JOB_STOP)
                        continue;
                const struct unit *a = u->unit;
                if (lists(a->requires, s) || lists(a->wants, s) || lists(a->binds_to, s) ||
                    lists(a->requisite, s) || lists(a->upholds, s))
                        return true;
        }
        return false;
}

static void uphold(struct manager *m, struct service *s) {
        STRV_FOREACH (name, s->unit->upholds) {
                struct service *t;
                if (manager_get_service(m, *name, &t) < 0 || t->admin->job != JOB_NONE ||
                    t->sm.state != SVC_INACTIVE)
                        continue;
                log_info("%s: starting %s again (Upholds=)", s->name, t->name);
                (void) manager_enqueue(m, t, JOB_START, false);
        }
}

void deps_dispatch_done(struct manager *m) {
        if (m->shutting_down)
                return;
        for (size_t i = 0; i < m->n_services; i++) {
                struct service *s = m->services[i];
                if (!s->unit || s->admin->job != JOB_NONE)
                        continue;
                if (s->sm.state == SVC_RUNNING && s->unit->upholds)
                        uphold(m, s);
                if (s->unit->stop_when_unneeded && s->sm.state == SVC_RUNNING && !needed(m, s)) {
                        log_info("%s: stopping, nothing needs it any more (StopWhenUnneeded=)", s->name);
                        (void) manager_enqueue(m, s, JOB_STOP, false);
                }
        }
}
