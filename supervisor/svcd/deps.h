/* SPDX-License-Identifier: MIT */
#pragma once

/* The dependency kinds beyond After/Before/Requires/Wants, with systemd's job semantics
 * (systemd.unit(5)): what a start, stop, restart or reload of one unit does to the others, and
 * what a unit's change of state sets off. The manager's job engine calls these hooks; they act
 * through manager_enqueue() only. */

#include <stdbool.h>

#include "supervisor/svcd/state.h"

struct manager;
struct service;

/* U stops when S stops: Requires=, BindsTo=, Requisite=, PartOf= or StopPropagatedFrom= on U, or
 * PropagatesStopTo= on S. */
bool deps_stop_follows(const struct service *u, const struct service *s);

/* A start (or restart) job was queued for S: conflicting units are stopped, and a restart goes to
 * the active units that Requires=, BindsTo=, Requisite= or PartOf= S. */
void deps_start_queued(struct manager *m, struct service *s, bool restart);

/* A reload job was queued for S: PropagatesReloadTo=/ReloadPropagatedFrom= reload the others. */
void deps_reload_queued(struct manager *m, struct service *s);

/* Why S's start job must wait: NULL when it need not, else the unit it waits for. When the start
 * must fail, *ret_fail is the unit at fault (a Requisite= that is not active, a BindsTo= that is
 * down) and NULL is returned. */
const char *deps_start_blocker(struct manager *m, struct service *s, const char **ret_fail);

/* Starts the units NAMES (S's KEY=) with $MONITOR_* about S, plus EXTRA_ENV ("K=V", may be NULL). */
void deps_start_units(struct service *s, char **names, const char *key, char *const *extra_env);

/* S changed from OLD to its current state: OnFailure=, OnSuccess=, and the units bound to S. */
void deps_service_changed(struct service *s, enum svc_state old);

/* After the jobs were dispatched: Upholds= starts what it upholds, StopWhenUnneeded= stops what
 * nothing active needs any more. */
void deps_dispatch_done(struct manager *m);
