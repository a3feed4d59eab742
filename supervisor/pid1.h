/* SPDX-License-Identifier: MIT */
#pragma once

/* svcd as PID 1: of the initial PID namespace (a real boot), of another one (a container), or
 * not PID 1 at all. */

#include "supervisor/svcd.h"

/* A service changed state: on a booting box, a line on the console such as
 * "[  OK  ] Started blog" or "[FAILED] Failed to start mail". */
void pid1_service_changed(struct service *s, enum svc_state old);
