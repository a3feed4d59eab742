/* SPDX-License-Identifier: MIT */
#pragma once

/* Health probes (HealthCmd= and its kin): scheduled on the event loop while a service runs, each
 * one bounded by its timeout and never blocking the loop. An exec probe runs in the service's
 * sandbox as `svc exec` does; a TCP or HTTP probe connects from a socket made in the service's
 * network namespace. */

#include <stdbool.h>

#include "supervisor/svcd/state.h"
#include "supervisor/svcd/manager.h"

/* The service went from OLD to its state now: probes begin when it runs, end when it stops. */
void health_service_changed(struct service *s, enum svc_state old);
void health_free(struct service *s);

const char *health_state_to_string(enum health_state h);
/* The last probe's output (or why it failed), "" before the first; failures in a row. */
const char *health_last_output(const struct service *s);
unsigned health_streak(const struct service *s);
