/* SPDX-License-Identifier: MIT */
#pragma once

/* A unit's hardening keys on svcd's side (hardening.c). */

#include <stddef.h>

#include "sandbox/sandbox.h"
#include "units/unit.h"

struct service;

/* DeviceAllow='s nodes, open, for sandbox_spec.devices. */
struct hardening_devices {
        struct sandbox_bind *binds;
        size_t n;
        char **strings;
};

/* Makes sure s->seccomp_blob holds the current definition's own seccomp filter (none when the
 * unit asks for nothing), compiled by svc-seccomp. 0, or -errno with a sentence in *why. */
int hardening_prepare(struct service *s, char **why);
void hardening_free(struct service *s);

/* Opens the nodes U's DeviceAllow= names on the host (a node missing there is skipped with a
 * warning, as systemd has nothing to allow either). 0, or -errno with a sentence in *why. */
int hardening_devices_open(const struct unit *u, const char *unit_name, struct hardening_devices *ret,
                           char **why);
void hardening_devices_done(struct hardening_devices *d);
