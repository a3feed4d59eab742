/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

struct manager;
struct service;
struct unit;

/* Tests U's Condition*= and Assert*= lines against the tree ROOT_DIRECTORY names (a unit's
 * RootDirectory=; NULL the host's) and the host: 0 they hold; 1 a condition failed, -EPROTO an
 * assertion failed, and *ret_what says which line ("condition failed: ..."). */
int conditions_test_in_tree(struct manager *m, const char *root_directory, const struct unit *u,
                            char **ret_what);

/* Tests the unit's Condition*= and Assert*= lines before a start, against its tree and the host.
 * 0: the start goes on; 1: a condition failed (the job is done, the unit stays as it is);
 * -EPROTO: an assertion failed (the job fails). s->condition_failure says which line. */
int start_conditions_check(struct service *s);

/* systemd-detect-virt's answer, allocated ("none" when there is none): the container's id if svcd
 * runs in one, else the VM's; *ret_vm and *ret_container say whether there is a VM, a container. */
char *condition_detect_virtualization(bool *ret_vm, bool *ret_container);
