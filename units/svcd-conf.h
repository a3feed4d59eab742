/* SPDX-License-Identifier: MIT */
#pragma once

/* ROOT/etc/svc/svcd.conf: svcd's own settings, in unit-file syntax.
 *
 *   [Network]
 *   Subnet=10.89.0.0/16     the pool of service addresses (one /31 per service with a veth)
 *   Subnet6=fd12:3456:789a:1::/64   the IPv6 pool (one /127 per service, in the /31's slot); by
 *                           default the first /64 of a random ULA /48 kept in
 *                           ROOT/var/lib/svc/subnet6
 *   RelayIdleSec=1h         a connection to a port on the host's [::1] (relayed by svcd) with no
 *                           traffic for this long is closed; a UDP flow after at most 60 s
 *
 *   [Manager]
 *   DefaultOnFailure=notify-mail@%n        OnFailure= of every unit that names none
 *   DefaultOnHealthChange=notify-mail@%n   OnHealthChange= of every unit that names none
 *
 * In the two defaults, %n and %N stand for the name of the unit they are applied to.
 */

#include <stdbool.h>
#include <stdint.h>

#include "units/unit.h"

#define RELAY_IDLE_DEFAULT_USEC (3600 * 1000000ULL)

struct svcd_conf {
        bool subnet_set;
        uint32_t subnet; /* host byte order, host bits zero */
        unsigned subnet_prefix; /* 8..28 */
        bool subnet6_set;
        uint8_t subnet6[16]; /* a /64 of fd00::/8, host bits zero */
        bool relay_idle_set;
        uint64_t relay_idle_usec; /* at least 1 s */
        char *default_on_failure, *default_on_health_change; /* unit names with %n, or NULL */
};

void svcd_conf_done(struct svcd_conf *c);
/* A default notification unit (TEMPLATE, e.g. "notify-mail@%n") applied to unit NAME: %n and %N
 * replaced, a ".service" or ".unit" suffix dropped. NULL on OOM. */
char *svcd_conf_notify_unit(const char *template, const char *name);

/* Reads PATH into *RET (zeroed first). A missing file is 0 and the defaults. -EINVAL when the
 * file has errors (in DIAG, with file:line; *RET then holds what was valid), -errno when it
 * cannot be read, -ENOMEM. */
int svcd_conf_load(const char *path, struct svcd_conf *ret, struct unit_diag *diag);

/* "10.89.0.0/16" into host-order address and prefix length; 0 or -EINVAL. */
int parse_ipv4_subnet(const char *s, uint32_t *ret_addr, unsigned *ret_prefix);

/* "fd12:3456:789a:1::/64" into address and prefix length (0..128, host bits zero); 0 or -EINVAL. */
int parse_ipv6_subnet(const char *s, uint8_t ret_addr[static 16], unsigned *ret_prefix);
/* Whether A is in the unique local block fd00::/8 (RFC 4193, locally assigned). */
bool ipv6_is_ula(const uint8_t a[static 16]);
/* RFC 4193 §3.2: the ULA /48 of GLOBAL_ID (40 random bits), as "fdXX:XXXX:XXXX::/48" in BUF. */
const char *ula48_format(const uint8_t global_id[static 5], char buf[static 64]);
