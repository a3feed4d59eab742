/* SPDX-License-Identifier: MIT */
#pragma once

/* Socket units (NAME.socket, socket-units.c): svcd listens, and starts the paired service on the
 * first connection (Accept=no) or one instance of its template per connection (Accept=yes). */

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "supervisor/svcd/state.h"

struct manager;
struct service;
struct sockunits;

/* 0 or -ENOMEM (logged). */
int sockunits_init(struct manager *m);
void sockunits_done(struct manager *m);
/* Loads socket NAME from the units directory, or reloads it when its files changed (a listening
 * socket keeps listening on its old definition until it is stopped); a refused one is kept with
 * its errors. 1 loaded or changed, 0 unchanged, -ENOENT, -EINVAL (refused), -ENOMEM. */
int sockunits_load(struct manager *m, const char *name);
/* Why socket NAME was refused or stopped listening ("FILE:LINE: ..."), or NULL. */
const char *sockunits_error(struct manager *m, const char *name);
/* Starts every enabled socket: at svcd's start. */
void sockunits_start_enabled(struct manager *m);
/* `svc start NAME.socket` / `svc stop NAME.socket`. 0, -ENOENT, -EINVAL (refused or cannot
 * listen, the reason in *ret_why), or -errno. */
int sockunits_start(struct manager *m, const char *name, const char **ret_why);
int sockunits_stop(struct manager *m, const char *name);
/* `svc enable NAME.socket` starts it now and at every start of svcd; disable stops it. */
int sockunits_set_enabled(struct manager *m, const char *name, bool enable, const char **ret_why);
/* At every start of S: hands it copies of the listening sockets paired with it (LISTEN_FDS, in
 * the order of the socket units' names and their Listen*= lines), or the connection of an
 * Accept=yes instance. 1 when it has some, 0 when none, -errno. */
int sockunits_lend(struct service *s);
/* The service S changed state: its socket listens again once it is down, or lets its
 * connection go. */
void sockunits_service_changed(struct service *s, enum svc_state old);
/* Appends "a(ssbsuus)" for `svc list`: name, service, enabled, state ("listening", "running"
 * while its service holds the sockets, "inactive", "failed"), connections accepted, connections
 * open, and what it listens on. */
int sockunits_append_list(struct manager *m, sd_bus_message *reply);
