/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

#include "sandbox/proto.h"

/* Becomes the command described by SP: FDS[i] -> fd i, limits, session, working directory,
 * bounding set, no_new_privs, seccomp, credentials, capabilities, execve(PATH). On failure writes
 * {stage, errno} to REPORT_FD and exits 127. Never returns. */
_Noreturn void launch(const struct proto_spawn *sp, const char *path, const char *cwd, char **argv,
                      char **env, const int *fds, int report_fd);
