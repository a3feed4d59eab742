/* SPDX-License-Identifier: MIT */
#pragma once

/* The text of svcd's nftables table, from the services that have a veth: a pure function, so a
 * golden test (tests/unit/test-nft.c) holds it still. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "units/unit.h"

struct ruleset_service {
        const char *name, *ifname;
        uint32_t addr; /* IPv4, host byte order */
        bool has6;
        uint8_t addr6[16];
        bool outbound;
        const struct publish_spec *publish;
        size_t n_publish;
        char **ip_allow, **ip_deny; /* IPAddressAllow=, IPAddressDeny= */
};

/* Whether P publishes on FAMILY (AF_INET or AF_INET6) for a service that HAS6 (an IPv6 address). */
bool publish_has_family(const struct publish_spec *p, int family, bool has6);

/* One nft batch that replaces table inet TABLE whole; PREFIX starts every service link's name.
 * NULL on OOM. */
char *ruleset_build(const char *table, const char *prefix, const struct ruleset_service *s, size_t n);
