/* SPDX-License-Identifier: MIT */
#pragma once

/* A TCP relay in svcd's event loop, for published ports on the host's [::1]: the kernel never
 * routes a packet from ::1 out of lo (IPv6 has no route_localnet), so DNAT cannot take it to
 * the service. Each accepted connection gets one to the service's address; bytes go both ways,
 * half-closes pass through. */

#include <stdint.h>
#include <systemd/sd-event.h>

struct relay;

/* Relays connections accepted on LISTEN_FD (a listening, non-blocking TCP socket; taken over even
 * on failure) to [TARGET]:PORT. Prepends the relay to *LIST. 0 or -errno. */
int relay_add(sd_event *event, int listen_fd, const uint8_t target[static 16], uint16_t port,
              struct relay **list);
/* Closes every relay of LIST and its connections. */
void relay_free_all(struct relay *list);
