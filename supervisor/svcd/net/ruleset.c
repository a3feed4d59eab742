/* SPDX-License-Identifier: MIT */
/* svcd's nftables table, as text (net.c explains the design). DNAT of the published ports from
 * the host's addresses, masquerade of the services with Outbound=yes, a filter that lets a
 * service without Outbound= reach only the other services, and the rules of IPAddressAllow= and
 * IPAddressDeny= on each service's veth. */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/svcd/net/ruleset.h"

/* Accepted wherever the table drops: without them the service's route to the host's end never
 * resolves. */
#define ND_TYPES "icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert }"

bool publish_has_family(const struct publish_spec *p, int family, bool has6) {
        return (p->host_family == AF_UNSPEC || p->host_family == family) && (family == AF_INET || has6);
}

static const char *ntop(uint32_t a, char buf[static INET_ADDRSTRLEN]) {
        struct in_addr in = { htonl(a) };
        return inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN);
}

static const char *ntop6(const uint8_t a[static 16], char buf[static INET6_ADDRSTRLEN]) {
        return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

/* One DNAT rule of P for one family: IP is "ip" or "ip6", A the service's address as nft reads
 * it ("10.89.0.3", "[fd00::3]"). A rule without a host address matches only its family: a dnat
 * statement does nothing to a packet of the other one. */
static void put_dnat(FILE *f, const struct publish_spec *p, const char *ip, const char *a, const char *name) {
        const char *proto = p->protocol == IPPROTO_UDP ? "udp" : "tcp";
        if (p->host_address)
                fprintf(f, "\t\t%s daddr %s ", ip, p->host_address);
        else
                fprintf(f, "\t\tmeta nfproto %s ", streq(ip, "ip") ? "ipv4" : "ipv6");
        if (p->host_port == p->host_port_end)
                fprintf(f, "%s dport %u dnat %s to %s:%u", proto, p->host_port, ip, a, p->port);
        else if (p->host_port == p->port)
                fprintf(f, "%s dport %u-%u dnat %s to %s", proto, p->host_port, p->host_port_end, ip, a);
        else {
                fprintf(f, "%s dport %u-%u dnat %s to %s : %s dport map { ", proto, p->host_port,
                        p->host_port_end, ip, a, proto);
                for (unsigned k = 0; k <= (unsigned) (p->host_port_end - p->host_port); k++)
                        fprintf(f, "%s%u : %u", k ? ", " : "", p->host_port + k, p->port + k);
                fprintf(f, " }");
        }
        fprintf(f, " comment \"%s\"\n", name);
}

static void put_publish_rules(FILE *f, const struct ruleset_service *s) {
        char a[INET_ADDRSTRLEN], t[INET6_ADDRSTRLEN], a6[INET6_ADDRSTRLEN + 2] = "";
        ntop(s->addr, a);
        if (s->has6)
                snprintf(a6, sizeof(a6), "[%s]", ntop6(s->addr6, t));
        for (size_t i = 0; i < s->n_publish; i++) {
                const struct publish_spec *p = &s->publish[i];
                if (publish_has_family(p, AF_INET, s->has6))
                        put_dnat(f, p, "ip", a, s->name);
                /* [::1] is the relay's (relay.c). */
                if (publish_has_family(p, AF_INET6, s->has6) &&
                    !(p->host_address && streq(p->host_address, "::1")))
                        put_dnat(f, p, "ip6", a6, s->name);
        }
}

/* IPAddressAllow=/IPAddressDeny= of one service, on its veth: what it sends is judged by the
 * destination, what it receives by the source; an allowed address passes, then a denied one is
 * dropped (systemd's order). Replies of a connection already let through pass first. */
static void put_ip_rules(FILE *f, const struct ruleset_service *s) {
        static const char *const dirs[][2] = { { "iifname", "daddr" }, { "oifname", "saddr" } };
        for (size_t d = 0; d < ELEMENTSOF(dirs); d++)
                for (int deny = 0; deny <= 1; deny++)
                        STRV_FOREACH (p, deny ? s->ip_deny : s->ip_allow)
                                fprintf(f, "\t\t%s \"%s\" %s %s %s %s comment \"%s\"\n", dirs[d][0],
                                        s->ifname, strchr(*p, ':') ? "ip6" : "ip", dirs[d][1], *p,
                                        deny ? "drop" : "accept", s->name);
}

/* The chains of IPAddressAllow=/IPAddressDeny=, before svc's own filter chains. */
static void put_ip_filter(FILE *f, const struct ruleset_service *s, size_t n) {
        static const char *const hooks[] = { "forward", "input", "output" };
        fprintf(f, "\tchain ipaddress {\n");
        for (size_t i = 0; i < n; i++)
                if (s[i].ip_allow || s[i].ip_deny)
                        put_ip_rules(f, &s[i]);
        fprintf(f, "\t}\n");
        for (size_t i = 0; i < ELEMENTSOF(hooks); i++)
                fprintf(f,
                        "\tchain ipaddress_%s {\n\t\ttype filter hook %s priority filter - 1; policy "
                        "accept;\n"
                        "\t\tct state established,related accept\n\t\t" ND_TYPES
                        " accept\n\t\tjump ipaddress\n\t}\n",
                        hooks[i], hooks[i]);
}

/* What a service with Outbound=yes may send beyond its veth: in the forward and input chains
 * with VERDICT "accept", in postrouting with "oifname != \"PREFIX*\" masquerade". */
static void put_outbound(FILE *f, const struct ruleset_service *s, size_t n, const char *verdict) {
        char a[INET_ADDRSTRLEN], a6[INET6_ADDRSTRLEN];
        for (size_t i = 0; i < n; i++) {
                if (!s[i].outbound)
                        continue;
                fprintf(f, "\t\tiifname \"%s\" ip saddr %s %s\n", s[i].ifname, ntop(s[i].addr, a), verdict);
                if (s[i].has6)
                        fprintf(f, "\t\tiifname \"%s\" ip6 saddr %s %s\n", s[i].ifname, ntop6(s[i].addr6, a6),
                                verdict);
        }
}

/* DNAT: from outside (prerouting) and from the host's own clients (output), 127.0.0.1 included;
 * [::1] is relayed in user space (relay.c), never DNAT'ed. */
static void put_nat(FILE *f, const char *p, const struct ruleset_service *s, size_t n) {
        fprintf(f, "\tchain prerouting {\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
                   "\t\tfib daddr type local jump publish\n\t}\n");
        fprintf(f, "\tchain output {\n\t\ttype nat hook output priority -100; policy accept;\n"
                   "\t\tip6 daddr ::1 return\n"
                   "\t\tfib daddr type local jump publish\n\t}\n");
        fprintf(f, "\tchain publish {\n");
        for (size_t i = 0; i < n; i++)
                put_publish_rules(f, &s[i]);
        fprintf(f, "\t}\n");
        /* A client on 127.0.0.1 needs a source the service can answer. */
        fprintf(f,
                "\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
                "\t\toifname \"%s*\" ip saddr 127.0.0.0/8 masquerade\n",
                p);
        _cleanup_free_ char *masq = NULL;
        if (asprintf(&masq, "oifname != \"%s*\" masquerade", p) >= 0)
                put_outbound(f, s, n, masq);
        fprintf(f, "\t}\n");
}

/* Services reach each other; beyond, only with Outbound=yes; from outside, only through a
 * published port. Nothing else of the host's traffic is decided here. */
static void put_filter(FILE *f, const char *p, const struct ruleset_service *s, size_t n) {
        fprintf(f,
                "\tchain forward {\n\t\ttype filter hook forward priority filter; policy accept;\n"
                "\t\toifname \"%s*\" ct state established,related accept\n"
                "\t\tiifname \"%s*\" ct state established,related accept\n"
                "\t\tiifname \"%s*\" oifname \"%s*\" accept\n"
                "\t\toifname \"%s*\" ct status dnat accept\n",
                p, p, p, p, p);
        put_outbound(f, s, n, "accept");
        fprintf(f, "\t\tiifname \"%s*\" drop\n\t\toifname \"%s*\" drop\n\t}\n", p, p);
        fprintf(f,
                "\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n"
                "\t\tiifname \"%s*\" ct state established,related accept\n"
                "\t\tiifname \"%s*\" " ND_TYPES " accept\n",
                p, p);
        put_outbound(f, s, n, "accept");
        fprintf(f, "\t\tiifname \"%s*\" drop\n\t}\n", p);
}

char *ruleset_build(const char *table, const char *prefix, const struct ruleset_service *s, size_t n) {
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        if (!f)
                return NULL;
        fprintf(f, "add table inet %s\ndelete table inet %s\ntable inet %s {\n", table, table, table);
        put_nat(f, prefix, s, n);
        put_filter(f, prefix, s, n);
        put_ip_filter(f, s, n);
        fprintf(f, "}\n");
        if (fclose(f) != 0) {
                free(text);
                return NULL;
        }
        return text;
}
