/* SPDX-License-Identifier: MIT */
#pragma once

/* The one place svcd reaps: the sandboxes being killed, and every child and orphan handed to
 * svcd as subreaper. A leaf: it knows sandboxes, not services; the owner of any other child is
 * asked through a callback. */

#include <stdbool.h>
#include <sys/types.h>

#include "sandbox/sandbox.h"

struct dying_sandbox;

struct reaper {
        struct dying_sandbox *dying;
};

/* Takes SB over (SB is left empty): it was signalled to die, and is closed once reaped. */
void reaper_add(struct reaper *r, struct sandbox *sb);
/* Reaps every child that has exited. A child not on the dying list goes to OWNED, which says
 * whether it was one of its own (a sandbox of a service). Returns true when a sandbox ended. */
bool reaper_reap(struct reaper *r, bool (*owned)(void *userdata, pid_t pid, int code, int status),
                 void *userdata);
/* Waits for what is still dying (svcd exits). */
void reaper_done(struct reaper *r);
