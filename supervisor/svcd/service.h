/* SPDX-License-Identifier: MIT */
#pragma once

/* One service's life cycle (service.c): the state machine of state.c, driven by the jobs above
 * and the events of the executor below. */

#include "supervisor/svcd/record.h"

int service_new(struct manager *m, const char *name, struct service **ret);
struct service *service_free(struct service *s);
void service_set_unit(struct service *s, struct unit *u);
void service_event(struct service *s, enum svc_event_type type);
void service_dependency_failed(struct service *s, const char *dep);
/* The child PID (a sandbox's ns-init) was reaped: true when it was one of this service's. */
bool service_child_exited(struct service *s, pid_t pid, int code, int status);
/* What runs in the sandbox besides the main process and the control command, after
 * KillMode=process/none or SendSIGKILL=no: "PID (NSPID in its sandbox) COMMAND" lines, or NULL. */
char **service_leftovers(const struct service *s);

/* "exited with status 1", "killed by signal 11 (SEGV)" into buf. */
const char *service_describe_exit(const struct service *s, char *buf, size_t n);
/* One line for status: what is going on, e.g. "next try in 8s, last exit: killed by signal 11". */
char *service_describe(const struct service *s);

/* Runs the events posted to the service's inbox (struct manager's deliver hook). */
void service_process_queue(struct service *s);
