/* SPDX-License-Identifier: MIT */
#pragma once

/* Cloning a child that shares the caller's memory (clone.c), for start.c and spare.c. */

#include <linux/sched.h>
#include <stdbool.h>

/* Whether sandbox_clone() can share the caller's memory here (x86-64, not built with
 * -DSANDBOX_NO_CLONE_VM). */
bool sandbox_clone_vm_supported(void);

/* The stack number I (0 or 1) for a child sharing the caller's memory, made once and kept; NULL
 * when it cannot be made. Two, so that a child can clone another while it still runs. */
void *sandbox_child_stack(unsigned i);

/* clone3 of A whose child runs FN(ARG) and exits with its value. With STACK (from
 * sandbox_child_stack()) the child shares the caller's memory (CLONE_VM is added) and runs
 * there: it may touch nothing of the caller's but what it reads, and the caller must not let its
 * own frames be reused until the child executed or exited. Without STACK, a fork. Returns the
 * pid, or -errno. */
long sandbox_clone(struct clone_args *a, void *stack, int (*fn)(void *), void *arg);
