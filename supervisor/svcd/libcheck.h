/* SPDX-License-Identifier: MIT */
#pragma once

/* The library check (libcheck.c), before a definition's first start. */

#include "supervisor/svcd/record.h"

/* 0 when every program of S's unit (Exec*= and exec probes) is in the tree at ROOTFD (named
 * LABEL in sentences) and its libraries resolve there; else -errno and *RET_WHY, a sentence. */
int libcheck_programs(const struct service *s, int rootfd, const char *label, char **ret_why);
