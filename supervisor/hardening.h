/* SPDX-License-Identifier: MIT */
#pragma once

/* A unit's hardening keys on svcd's side (hardening.c). */

#include <stddef.h>

struct service;

/* Makes sure s->seccomp_blob holds the current definition's own seccomp filter (none when the
 * unit asks for nothing), compiled by svc-seccomp. 0, or -errno with a sentence in *why. */
int hardening_prepare(struct service *s, char **why);
void hardening_free(struct service *s);
