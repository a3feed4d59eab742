/* SPDX-License-Identifier: MIT */
#pragma once

/* The rtnetlink requests svcd makes for the services' veth pairs, through libmnl. Addresses are
 * IPv4 in host byte order. Every call returns 0 or a negative errno (the kernel's answer). */

#include <stdbool.h>
#include <stdint.h>

struct mnl_socket;

/* A NETLINK_ROUTE socket in the calling thread's network namespace. */
int nl_open(struct mnl_socket **ret);
void nl_close(struct mnl_socket *nl);

/* A veth pair: NAME here, its peer PEER_NAME in the network namespace NETNS_FD. */
int nl_veth_create(struct mnl_socket *nl, const char *name, const char *peer_name, int netns_fd);
int nl_link_up(struct mnl_socket *nl, int ifindex);
/* -ENODEV when there is no such link (it went with its namespace). */
int nl_link_delete(struct mnl_socket *nl, const char *name);
int nl_addr_add(struct mnl_socket *nl, int ifindex, uint32_t addr, unsigned prefix);
int nl_route_default(struct mnl_socket *nl, int ifindex, uint32_t gateway);
/* The same for IPv6: ADDR and GATEWAY in network byte order (struct in6_addr's bytes). */
int nl_addr6_add(struct mnl_socket *nl, int ifindex, const uint8_t addr[static 16], unsigned prefix);
int nl_route6_default(struct mnl_socket *nl, int ifindex, const uint8_t gateway[static 16]);
/* The index of link NAME, or -ENODEV. */
int nl_link_index(struct mnl_socket *nl, const char *name);

/* Deletes every link whose name starts with PREFIX; the number deleted, or -errno. */
int nl_links_delete_prefix(struct mnl_socket *nl, const char *prefix);

/* A route of the main or local table (not a default route) that overlaps the network NET of
 * PREFIX bits: 1 and its destination in *ret_dst and *ret_len, 0 when none does. */
int nl_route_overlap(struct mnl_socket *nl, uint32_t net, unsigned prefix, uint32_t *ret_dst,
                     unsigned *ret_len);
/* The same for the IPv6 network NET of PREFIX bits (multicast routes are not counted). */
int nl_route6_overlap(struct mnl_socket *nl, const uint8_t net[static 16], unsigned prefix,
                      uint8_t ret_dst[static 16], unsigned *ret_len);
