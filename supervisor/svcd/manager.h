/* SPDX-License-Identifier: MIT */
#pragma once

/* The manager (manager.c): every unit, and the jobs between them. */

#include "supervisor/svcd/record.h"

enum job_type {
        JOB_NONE,
        JOB_START,
        JOB_STOP,
        JOB_RESTART,
        JOB_RELOAD,
        _JOB_MAX,
};

/* What a service's health probes say (health.c); NONE when it has no probe or is not running. */
enum health_state {
        HEALTH_STATE_NONE,
        HEALTH_STATE_STARTING,
        HEALTH_STATE_HEALTHY,
        HEALTH_STATE_UNHEALTHY,
        _HEALTH_STATE_MAX,
};

/* What the manager keeps of a service (struct service's ADMIN): its job, whether it is enabled,
 * what its probes say. Only the manager's layer and those above see it. */
struct service_admin {
        bool enabled;
        bool removed; /* the unit file is gone: drop the service once it is stopped */
        bool start_requested; /* a start was asked for once: an instance is kept from then on */
        unsigned pins; /* calls still to be answered about it (a status waiting for its disk walk) */
        enum job_type job;
        bool job_dispatched; /* the event was sent to the machine, waiting for it to settle */
        bool job_manual;
        enum health_state health_state; /* what dependants ordered after it wait on (health.c) */
        bool told_bad; /* the owner was last told of a failure or of unhealthy: a recovery is told */
        /* reload-units --rollback (gate.c): the definition the reload replaced, kept until the new
         * one proved itself, and why the service went back to it (NULL while it runs the new one). */
        bool keep_previous;
        struct unit *prev_unit;
        char *held_reason;
};

int manager_new(sd_event *event, const char *root, struct manager **ret);
struct manager *manager_free(struct manager *m);
int manager_load_all(struct manager *m);
int manager_start_enabled(struct manager *m);
struct service *manager_find(struct manager *m, const char *name);
int manager_get_service(struct manager *m, const char *name, struct service **ret);
/* Runs the job engine (and the collection of unneeded instances) once the loop is idle. */
void manager_schedule_dispatch(struct manager *m);
int manager_enqueue(struct manager *m, struct service *s, enum job_type job, bool manual);
void manager_dispatch(struct manager *m);
void manager_service_changed(struct service *s, enum svc_state old);
/* The service's health_state changed: start jobs waiting on it may go. */
void manager_health_changed(struct service *s);
/* Reaps every child that exited (SIGCHLD). */
void manager_reap(struct manager *m);
int manager_set_enabled(struct manager *m, struct service *s, bool enable);
/* The mark in ROOT/var/lib/svc/enabled/NAME that starts a unit (service, NAME.timer, NAME.socket)
 * with svcd: whether it is there, and making or removing it. */
bool manager_marked_enabled(const struct manager *m, const char *name);
int manager_mark_enabled(const struct manager *m, const char *name, bool enable);
void manager_shutdown(struct manager *m, int exit_status);
/* Stops every service in reverse dependency order, then does KIND (see pid1.c for PID 1). */
void manager_request_shutdown(struct manager *m, enum shutdown_kind kind);

struct reload_report {
        char *name;
        const char *action; /* "loaded", "removed", "restarted", "updated", "unchanged", "error" */
        char *message;
};
int manager_reload_units(struct manager *m, struct reload_report **ret, size_t *ret_n);
void reload_report_free(struct reload_report *r, size_t n);

/* OPS is told of what happens (struct manager_observer); up to 4 observers. */
int manager_observe(struct manager *m, const struct manager_observer *ops, void *userdata);
void manager_unobserve(struct manager *m, const struct manager_observer *ops, void *userdata);
