/* SPDX-License-Identifier: MIT */
#pragma once

/* The control socket (control.c): svc's D-Bus calls. */

#include "supervisor/svcd/record.h"

int control_server_new(struct manager *m, const char *path, gid_t group, struct control_server **ret);
struct control_server *control_server_free(struct control_server *c);
/* For tests/fuzz/fuzz-control.c, never set by svcd: the calls that would act (Start, Stop,
 * Restart, Reload, Enable, Disable, Exec, PowerOff, Reboot, Halt) are refused once their
 * arguments are read, so that no job, file, process or shutdown comes of them. */
void control_server_set_dry_run(struct control_server *c, bool dry_run);
/* The connections open now. */
size_t control_server_connections(const struct control_server *c);
