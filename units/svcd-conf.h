/* SPDX-License-Identifier: MIT */
#pragma once

/* ROOT/etc/svc/svcd.conf: svcd's own settings, in unit-file syntax.
 *
 *   [Network]
 *   Subnet=10.89.0.0/16     the pool of service addresses (one /31 per service with a veth)
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

struct svcd_conf {
        bool subnet_set;
        uint32_t subnet; /* host byte order, host bits zero */
        unsigned subnet_prefix; /* 8..28 */
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
