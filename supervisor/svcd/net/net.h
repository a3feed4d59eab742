/* SPDX-License-Identifier: MIT */
#pragma once

/* PublishPort= and Outbound=: a routed veth pair per service (net.c). */

#include "supervisor/svcd/record.h"

int net_init(struct manager *m);
void net_done(struct manager *m);
bool net_wanted(const struct unit *u);
/* Before the sandbox: an address, the published host ports bound. 0, or -errno and a sentence. */
int net_service_prepare(struct service *s, char **why);
/* struct sandbox_spec.before_release: the veth into PID's namespace, addresses, routes, rules. */
int net_service_attach(struct service *s, pid_t pid, char **why);
/* The sandbox is gone (or going): its link, address, ports and rules too. */
void net_service_release(struct service *s);
/* The service's address inside ("10.89.0.3"), or NULL when it has no veth. */
const char *net_service_address(const struct service *s, char buf[static 16]);
/* Its IPv6 address on eth0, or NULL when it has none (no veth, or no IPv6 on this host). */
const char *net_service_address6(const struct service *s, char buf[static 46]);
const char *net_hosts_path(const struct manager *m);
/* The unit's PublishPort= entries as Docker writes them ("0.0.0.0:8080->80/tcp"); NULL if none. */
char **net_ports_describe(const struct unit *u);
