/* SPDX-License-Identifier: MIT */
#pragma once

/* One cgroup per service (cgroup.c). */

#include "supervisor/svcd/record.h"

struct cgroup_stats {
        bool valid;
        uint64_t memory, memory_peak, tasks, cpu_usec;
};
int cgroup_init(struct manager *m);
void cgroup_done(struct manager *m);
/* Creates the service's cgroup(s) with the unit's limits, when not there yet. */
int cgroup_service_prepare(struct service *s);
/* For clone3(CLONE_INTO_CGROUP), or -1. */
int cgroup_service_fd(const struct service *s);
/* struct sandbox_spec.before_release: puts PID into the v1 hierarchies (hybrid hosts). */
int cgroup_service_join_v1(pid_t pid, void *userdata);
void cgroup_service_kill(struct service *s);
bool cgroup_service_remove(struct service *s);
void cgroup_service_drop(struct service *s);
bool cgroup_service_oom(const struct service *s);
void cgroup_service_stats(const struct service *s, struct cgroup_stats *ret);
uint64_t cgroup_service_memory(const struct service *s);
