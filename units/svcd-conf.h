/* SPDX-License-Identifier: MIT */
#pragma once

/* ROOT/etc/svc/svcd.conf: svcd's own settings, in unit-file syntax.
 *
 *   [Network]
 *   Subnet=10.89.0.0/16     the pool of service addresses (one /31 per service with a veth)
 */

#include <stdbool.h>
#include <stdint.h>

#include "units/unit.h"

struct svcd_conf {
        bool subnet_set;
        uint32_t subnet; /* host byte order, host bits zero */
        unsigned subnet_prefix; /* 8..28 */
};

/* Reads PATH into *RET (zeroed first). A missing file is 0 and the defaults. -EINVAL when the
 * file has errors (in DIAG, with file:line; *RET then holds what was valid), -errno when it
 * cannot be read, -ENOMEM. */
int svcd_conf_load(const char *path, struct svcd_conf *ret, struct unit_diag *diag);

/* "10.89.0.0/16" into host-order address and prefix length; 0 or -EINVAL. */
int parse_ipv4_subnet(const char *s, uint32_t *ret_addr, unsigned *ret_prefix);
