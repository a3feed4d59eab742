/* SPDX-License-Identifier: MIT */
#pragma once

/* The upgrade gate (issue 17): moves services onto a new generation of their tree and watches
 * them; one that does not start, exits, or is not healthy within its window goes back to the
 * generation it ran on, alone, pinned there (common/pin.h) with the reason, and its owner is told
 * (OnFailure=, MONITOR_EVENT=pinned); the units that depend on it are then started again if they
 * went down. svcd owns this, not the tree tool, because svcd owns everything that lives: a
 * `svc tree upgrade` killed while it waits leaves the gate running to its end, and the pin is
 * honoured by every later start, svcd's restarts included. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct manager;

struct gate_result {
        char *unit;
        const char *result; /* "moved", "pinned", "dependant", "failed" */
        char *detail; /* pinned: the reason; dependant: what became of it; failed: why */
};

/* Told once when every unit of the gate settled. */
typedef void (*gate_done_fn)(void *userdata, const struct gate_result *results, size_t n);

struct gates;

int gates_new(struct manager *m, struct gates **ret);
struct gates *gates_free(struct gates *gs);

struct gate_request {
        const char *tree;
        /* The generation the units move to, and the one a unit goes back to when the generation it
         * runs on cannot be read from its resolved tree path. */
        unsigned from, to;
        char **units;
        uint64_t min_healthy_usec; /* 0: per unit, a window that covers its probe (gate.c) */
};

/* Starts a gate: each unit's pin is dropped and the unit restarted onto the tree's current
 * generation. DONE(USERDATA, ...) is called when all settled. 0, or -EBUSY (a gate of the tree
 * runs), -ENOENT/-EINVAL (a unit that does not exist or does not use the tree: *RET_WHY names it),
 * -ESHUTDOWN or -ENOMEM. */
int gates_begin(struct gates *gs, const struct gate_request *req, gate_done_fn done, void *userdata,
                char **ret_why);
/* The caller went away: the gates whose USERDATA MATCH(USERDATA, ARG) go on and tell nobody. */
void gates_forget(struct gates *gs, bool (*match)(void *userdata, void *arg), void *arg);
