/* SPDX-License-Identifier: MIT */
#pragma once

/* Whose uids a service runs with: its own range in a user namespace, systemd's PrivateUsers=
 * mappings, or the host's; DynamicUser='s uid (userns.c). */

#include <stdbool.h>
#include <sys/types.h>

#include "sandbox/sandbox.h"

struct service;

/* The user namespace S's next sandbox gets, for its tree TREE (NULL: the host view) and its
 * credentials CREDS (ids inside): *RET_ON false for none (the host's uids: PrivateUsers=no, or
 * the range cannot be had or the tree cannot be idmapped, which is logged once). A range is
 * allocated at the first call and kept. 0 or -ENOMEM. */
int users_prepare(struct service *s, const char *tree, const struct sandbox_creds *creds,
                  struct sandbox_users *ret, bool *ret_on);
/* DynamicUser=: S's uid from 61184-65519, allocated at the first call and kept. 0 or -errno. */
int users_dynamic_uid(struct service *s, uid_t *ret);
/* For svc status: "private range 268435456-268501503", "host (PrivateUsers=no)", ... or "". */
const char *users_describe(const struct service *s);
void users_free(struct service *s);
