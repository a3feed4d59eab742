/* SPDX-License-Identifier: MIT */
#pragma once

/* Spare namespaces for a service's next start (spare.c, sandbox_spare_make()). */

#include <stdbool.h>

#include "sandbox/sandbox.h"

struct service;

/* SPEC is about to be started for S: SPEC->spare is S's spare when it fits (NULL otherwise), and
 * what SPEC needs is noted for the next spare. */
void spare_offer(struct service *s, struct sandbox_spec *spec);
/* The start of SPEC is done, whatever happened: the spare, joined or not, is closed. */
void spare_used(struct service *s);
/* S's main process runs: if S restarts by itself (Restart=), a spare is made once it has run for
 * half a second (the start is long over, and a crash loop does not make one per crash). */
void spare_schedule(struct service *s);
/* S stopped, changed or goes: its spare and a pending one are dropped. */
void spare_drop(struct service *s);
