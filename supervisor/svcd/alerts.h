/* SPDX-License-Identifier: MIT */
#pragma once

/* Telling the owner: the units a service names in OnFailure= (failure, gave-up) and
 * OnHealthChange= (unhealthy, recovered), or svcd.conf's defaults, are started with
 * $MONITOR_UNIT, $MONITOR_EVENT and $MONITOR_REASON besides systemd's $MONITOR_*. A unit started
 * so tells of nothing itself, so that a notification unit that fails cannot loop. */

#include "supervisor/svcd/state.h"

struct manager;
struct service;

enum alert_event {
        ALERT_FAILURE, /* the service entered failed */
        ALERT_UNHEALTHY, /* its probe failed HealthRetries= times in a row */
        ALERT_RECOVERED, /* healthy (or, without a probe, running) again after one of these */
        ALERT_GAVE_UP, /* failed on its start limit: no more automatic restarts */
        ALERT_PINNED, /* broke on a tree upgrade and went back to the previous generation (gate.c) */
        _ALERT_MAX,
};

const char *alert_event_to_string(enum alert_event e);

/* Reads svcd.conf's [Manager] defaults (errors are net.c's to report). 0 or -ENOMEM. */
int alerts_init(struct manager *m);
void alerts_done(struct manager *m);

/* Starts the units S names for event E, telling them REASON (a sentence, may be NULL). */
void alerts_raise(struct service *s, enum alert_event e, const char *reason);

/* S changed from OLD to its state now: failed, gave up, or (without a probe) running again. */
void alerts_service_changed(struct service *s, enum svc_state old);
