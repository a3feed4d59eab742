/* SPDX-License-Identifier: MIT */
#pragma once

/* A relay in svcd's event loop, for published ports on the host's [::1]: the kernel never routes
 * a packet from ::1 out of lo (IPv6 has no route_localnet), so DNAT cannot take it to the
 * service.
 *
 * TCP: each accepted connection gets one to the service's address; bytes go both ways,
 * half-closes pass through. UDP: each client address is a flow with a socket of its own connected
 * to the service, so that the service's answers go back to that client.
 *
 * A connection or flow with no traffic for its idle time is closed. Together, the relays of svcd
 * hold at most a quarter of svcd's RLIMIT_NOFILE (soft) in descriptors, and at most
 * RELAY_MAX_CONNS connections or flows per port: a client that opens more is refused (TCP) or
 * dropped (UDP), with one warning per port, and svcd keeps descriptors for its own work. */

#include <stdint.h>
#include <systemd/sd-event.h>

#define RELAY_MAX_CONNS 128
#define RELAY_UDP_IDLE_MAX_USEC (60 * 1000000ULL) /* as long as conntrack keeps a UDP stream */

struct relay;

struct relay_spec {
        const char *label; /* for svcd's log: "web: [::1]:8080/tcp" */
        int protocol; /* IPPROTO_TCP or IPPROTO_UDP */
        const uint8_t *target; /* the service's IPv6 address, 16 bytes */
        uint16_t port; /* the service's port */
        uint64_t idle_usec; /* a UDP flow's is at most RELAY_UDP_IDLE_MAX_USEC */
};

/* Relays what arrives on LISTEN_FD (TCP: a listening socket; UDP: a bound one; non-blocking,
 * taken over even on failure) as SPEC says. Prepends the relay to *LIST. 0 or -errno. */
int relay_add(sd_event *event, int listen_fd, const struct relay_spec *spec, struct relay **list);
/* Closes every relay of LIST and its connections. */
void relay_free_all(struct relay *list);
