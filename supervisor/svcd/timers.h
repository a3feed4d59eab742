/* SPDX-License-Identifier: MIT */
#pragma once

/* Timers (NAME.timer): each armed timer holds one CLOCK_REALTIME source (OnCalendar=) and one
 * CLOCK_MONOTONIC source (On*Sec=) on svcd's loop, and starts its service when either elapses. */

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "supervisor/svcd/state.h"

struct manager;
struct service;
struct timers;

/* 0 or -errno (logged). */
int timers_init(struct manager *m);
void timers_done(struct manager *m);
/* Loads timer NAME from the units directory, or reloads it when its files changed; a refused
 * one is kept with its errors. 1 loaded or changed, 0 unchanged, -ENOENT (no such file), -EINVAL
 * (refused), -ENOMEM. */
int timers_load(struct manager *m, const char *name);
/* Why timer NAME was refused ("FILE:LINE: ..."), or NULL. */
const char *timers_error(struct manager *m, const char *name);
/* Arms every enabled timer: at svcd's start. */
void timers_start_enabled(struct manager *m);
/* `svc enable NAME.timer` arms it now and at every start of svcd; disable disarms it. 0, -ENOENT,
 * -EINVAL (refused, the reason in *ret_why), or -errno. */
int timers_set_enabled(struct manager *m, const char *name, bool enable, const char **ret_why);
/* The service S changed state: OnUnitActiveSec= and OnUnitInactiveSec= count from here. */
void timers_service_changed(struct service *s, enum svc_state old);
/* Appends "a(ssttbs)" for `svc list --timers`: name, service, next and last elapse (µs of
 * CLOCK_REALTIME, 0 for none), enabled, state. */
int timers_append_list(struct manager *m, sd_bus_message *reply);
