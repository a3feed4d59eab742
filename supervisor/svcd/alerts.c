/* SPDX-License-Identifier: MIT */
/* Notifications: which units to start for which event, and what they are told. */

#include "common/macro.h"
#include "common/paths.h"
#include "common/util.h"
#include "supervisor/svcd/alerts.h"
#include "supervisor/svcd/manager.h"
#include "supervisor/svcd/deps.h"
#include "supervisor/svcd/alerts.h"
#include "supervisor/svcd/manager.h"
#include "supervisor/svcd/record.h"
#include "supervisor/svcd/service.h"
#include "units/svcd-conf.h"

#define REASON_MAX 300

const char *alert_event_to_string(enum alert_event e) {
        static const char *const names[_ALERT_MAX] = {
                [ALERT_FAILURE] = "failure", [ALERT_UNHEALTHY] = "unhealthy", [ALERT_RECOVERED] = "recovered",
                [ALERT_GAVE_UP] = "gave-up", [ALERT_PINNED] = "pinned",
        };
        return e >= 0 && e < _ALERT_MAX ? names[e] : "";
}

int alerts_init(struct manager *m) {
        _cleanup_free_ char *path = path_join(m->root, SVC_CONF_PATH);
        if (!path)
                return -ENOMEM;
        struct svcd_conf conf;
        struct unit_diag d = { 0 };
        int r = svcd_conf_load(path, &conf, &d);
        unit_diag_clear(&d);
        if (r == -ENOMEM) {
                svcd_conf_done(&conf);
                return r;
        }
        m->default_on_failure = TAKE_PTR(conf.default_on_failure);
        m->default_on_health_change = TAKE_PTR(conf.default_on_health_change);
        svcd_conf_done(&conf);
        return 0;
}

void alerts_done(struct manager *m) {
        m->default_on_failure = mfree(m->default_on_failure);
        m->default_on_health_change = mfree(m->default_on_health_change);
}

/* Started by OnFailure=/OnHealthChange= (or a default) for another unit, and still that run. */
static bool is_notifier(const struct service *s) {
        STRV_FOREACH (e, s->monitor_env)
                if (strneq(*e, "MONITOR_EVENT=", strlen("MONITOR_EVENT=")))
                        return true;
        return false;
}

/* The reason as one line of bounded length: it goes into an environment variable. */
static char *reason_line(const char *reason) {
        char *r = strndup(reason ? reason : "", REASON_MAX);
        for (char *p = r; p && *p; p++)
                if ((unsigned char) *p < ' ' || *p == 0x7f)
                        *p = ' ';
        return r;
}

void alerts_raise(struct service *s, enum alert_event e, const char *reason) {
        struct manager *m = s->m;
        if (!s->unit || m->shutting_down || (e == ALERT_RECOVERED && !s->admin->told_bad))
                return;
        bool health = e == ALERT_UNHEALTHY || e == ALERT_RECOVERED;
        char **names = health ? s->unit->on_health_change : s->unit->on_failure;
        const char *def = health ? m->default_on_health_change : m->default_on_failure;
        _cleanup_strv_free_ char **defaults = NULL;
        if (!names && def && strv_push(&defaults, svcd_conf_notify_unit(def, s->name)) >= 0)
                names = defaults;
        if (!names)
                return;
        if (is_notifier(s)) {
                log_warning("%s: %s (%s), told to nobody: a unit started to tell of another tells of "
                            "nothing itself, so that notifications cannot loop",
                            s->name, alert_event_to_string(e), reason ? reason : "");
                return;
        }
        s->admin->told_bad = e != ALERT_RECOVERED;
        _cleanup_free_ char *line = reason_line(reason);
        _cleanup_free_ char *ev = NULL, *why = NULL;
        if (!line || asprintf(&ev, "MONITOR_EVENT=%s", alert_event_to_string(e)) < 0 ||
            asprintf(&why, "MONITOR_REASON=%s", line) < 0) {
                log_error("%s: out of memory telling of %s", s->name, alert_event_to_string(e));
                return;
        }
        char *extra[] = { ev, why, NULL };
        deps_start_units(s, names, health ? "OnHealthChange" : "OnFailure", extra);
}

void alerts_service_changed(struct service *s, enum svc_state old) {
        enum svc_state now = s->sm.state;
        if (now == SVC_FAILED && old != SVC_FAILED) {
                _cleanup_free_ char *why = service_describe(s);
                alerts_raise(s, s->sm.result == RESULT_START_LIMIT ? ALERT_GAVE_UP : ALERT_FAILURE,
                             why ? why : svc_result_to_string(s->sm.result));
        } else if (now == SVC_RUNNING && old == SVC_STARTING && s->unit->health.kind == HEALTH_NONE)
                alerts_raise(s, ALERT_RECOVERED, "running again");
}
