/* SPDX-License-Identifier: MIT */
#pragma once

/* Shared between the child's mounts (mounts.c) and the parent's (userns.c). */

#include <sys/types.h>

#include "sandbox/sandbox.h"

/* The host view's directories, shown read-only when a service has no tree. */
extern const char *const sandbox_host_dirs[8];

/* Writes uid_map and gid_map of PID's user namespace (the parent, right after clone). */
int sandbox_write_maps(pid_t pid, const struct sandbox_users *u);
