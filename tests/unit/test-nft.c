/* SPDX-License-Identifier: MIT */
/* svcd's nftables table as text (supervisor/svcd/net/ruleset.c), against golden output: the
 * integration tests apply it for real (test-net.sh, test-net6.sh); this holds every rule still. */
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "common/macro.h"
#include "supervisor/svcd/net/ruleset.h"

static const uint8_t WEB6[16] = { 0xfd, 0x12, 0x34, 0x56, 0x78, 0x9a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b };
static const uint8_t OUT6[16] = { 0xfd, 0x12, 0x34, 0x56, 0x78, 0x9a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x15 };

static const char GOLDEN_EMPTY[] =
        "add table inet svc\n"
        "delete table inet svc\n"
        "table inet svc {\n"
        "\tchain prerouting {\n"
        "\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
        "\t\tfib daddr type local jump publish\n"
        "\t}\n"
        "\tchain output {\n"
        "\t\ttype nat hook output priority -100; policy accept;\n"
        "\t\tip6 daddr ::1 return\n"
        "\t\tfib daddr type local jump publish\n"
        "\t}\n"
        "\tchain publish {\n"
        "\t}\n"
        "\tchain postrouting {\n"
        "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
        "\t\toifname \"svc-*\" ip saddr 127.0.0.0/8 masquerade\n"
        "\t}\n"
        "\tchain forward {\n"
        "\t\ttype filter hook forward priority filter; policy accept;\n"
        "\t\toifname \"svc-*\" ct state established,related accept\n"
        "\t\tiifname \"svc-*\" ct state established,related accept\n"
        "\t\tiifname \"svc-*\" oifname \"svc-*\" accept\n"
        "\t\toifname \"svc-*\" ct status dnat accept\n"
        "\t\tiifname \"svc-*\" drop\n"
        "\t\toifname \"svc-*\" drop\n"
        "\t}\n"
        "\tchain input {\n"
        "\t\ttype filter hook input priority filter; policy accept;\n"
        "\t\tiifname \"svc-*\" ct state established,related accept\n"
        "\t\tiifname \"svc-*\" icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept\n"
        "\t\tiifname \"svc-*\" drop\n"
        "\t}\n"
        "\tchain ipaddress {\n"
        "\t}\n"
        "\tchain ipaddress_forward {\n"
        "\t\ttype filter hook forward priority filter - 1; policy accept;\n"
        "\t\tct state established,related accept\n"
        "\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept\n"
        "\t\tjump ipaddress\n"
        "\t}\n"
        "\tchain ipaddress_input {\n"
        "\t\ttype filter hook input priority filter - 1; policy accept;\n"
        "\t\tct state established,related accept\n"
        "\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept\n"
        "\t\tjump ipaddress\n"
        "\t}\n"
        "\tchain ipaddress_output {\n"
        "\t\ttype filter hook output priority filter - 1; policy accept;\n"
        "\t\tct state established,related accept\n"
        "\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept\n"
        "\t\tjump ipaddress\n"
        "\t}\n"
        "}\n";

static const char GOLDEN_THREE[] =
        "add table inet svc_1234abcd\n"
        "delete table inet svc_1234abcd\n"
        "table inet svc_1234abcd {\n"
        "\tchain prerouting {\n"
        "\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
        "\t\tfib daddr type local jump publish\n"
        "\t}\n"
        "\tchain output {\n"
        "\t\ttype nat hook output priority -100; policy accept;\n"
        "\t\tip6 daddr ::1 return\n"
        "\t\tfib daddr type local jump publish\n"
        "\t}\n"
        "\tchain publish {\n"
        "\t\tmeta nfproto ipv4 tcp dport 8080 dnat ip to 10.89.0.11:80 comment \"web\"\n"
        "\t\tmeta nfproto ipv6 tcp dport 8080 dnat ip6 to [fd12:3456:789a::b]:80 comment \"web\"\n"
        "\t\tip daddr 10.0.0.5 udp dport 5353 dnat ip to 10.89.0.11:53 comment \"web\"\n"
        "\t\tmeta nfproto ipv6 tcp dport 30000-30002 dnat ip6 to [fd12:3456:789a::b] : tcp dport map { 30000 "
        ": 40000, 30001 : 40001, 30002 : 40002 } comment \"web\"\n"
        "\t\tmeta nfproto ipv4 tcp dport 2100-2101 dnat ip to 10.89.0.11 comment \"web\"\n"
        "\t\tmeta nfproto ipv6 tcp dport 2100-2101 dnat ip6 to [fd12:3456:789a::b] comment \"web\"\n"
        "\t\tmeta nfproto ipv4 udp dport 9000 dnat ip to 10.89.0.7:90 comment \"old\"\n"
        "\t}\n"
        "\tchain postrouting {\n"
        "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
        "\t\toifname \"s00ab12-*\" ip saddr 127.0.0.0/8 masquerade\n"
        "\t\tiifname \"svc-10\" ip saddr 10.89.0.21 oifname != \"s00ab12-*\" masquerade\n"
        "\t\tiifname \"svc-10\" ip6 saddr fd12:3456:789a::15 oifname != \"s00ab12-*\" masquerade\n"
        "\t\tiifname \"svc-3\" ip saddr 10.89.0.7 oifname != \"s00ab12-*\" masquerade\n"
        "\t}\n"
        "\tchain forward {\n"
        "\t\ttype filter hook forward priority filter; policy accept;\n"
        "\t\toifname \"s00ab12-*\" ct state established,related accept\n"
        "\t\tiifname \"s00ab12-*\" ct state established,related accept\n"
        "\t\tiifname \"s00ab12-*\" oifname \"s00ab12-*\" accept\n"
        "\t\toifname \"s00ab12-*\" ct status dnat accept\n"
        "\t\tiifname \"svc-10\" ip saddr 10.89.0.21 accept\n"
        "\t\tiifname \"svc-10\" ip6 saddr fd12:3456:789a::15 accept\n"
        "\t\tiifname \"svc-3\" ip saddr 10.89.0.7 accept\n"
        "\t\tiifname \"s00ab12-*\" drop\n"
        "\t\toifname \"s00ab12-*\" drop\n"
        "\t}\n"
        "\tchain input {\n"
        "\t\ttype filter hook input priority filter; policy accept;\n"
        "\t\tiifname \"s00ab12-*\" ct state established,related accept\n"
        "\t\tiifname \"s00ab12-*\" icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept\n"
        "\t\tiifname \"svc-10\" ip saddr 10.89.0.21 accept\n"
        "\t\tiifname \"svc-10\" ip6 saddr fd12:3456:789a::15 accept\n"
        "\t\tiifname \"svc-3\" ip saddr 10.89.0.7 accept\n"
        "\t\tiifname \"s00ab12-*\" drop\n"
        "\t}\n"
        "\tchain ipaddress {\n"
        "\t\tiifname \"svc-10\" ip daddr 192.168.1.1 accept comment \"out\"\n"
        "\t\tiifname \"svc-10\" ip daddr 192.168.0.0/16 drop comment \"out\"\n"
        "\t\tiifname \"svc-10\" ip6 daddr fd00::/8 drop comment \"out\"\n"
        "\t\toifname \"svc-10\" ip saddr 192.168.1.1 accept comment \"out\"\n"
        "\t\toifname \"svc-10\" ip saddr 192.168.0.0/16 drop comment \"out\"\n"
        "\t\toifname \"svc-10\" ip6 saddr fd00::/8 drop comment \"out\"\n"
        "\t}\n"
        "\tchain ipaddress_forward {\n"
        "\t\ttype filter hook forward priority filter - 1; policy accept;\n"
        "\t\tct state established,related accept\n"
        "\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept\n"
        "\t\tjump ipaddress\n"
        "\t}\n"
        "\tchain ipaddress_input {\n"
        "\t\ttype filter hook input priority filter - 1; policy accept;\n"
        "\t\tct state established,related accept\n"
        "\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept\n"
        "\t\tjump ipaddress\n"
        "\t}\n"
        "\tchain ipaddress_output {\n"
        "\t\ttype filter hook output priority filter - 1; policy accept;\n"
        "\t\tct state established,related accept\n"
        "\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept\n"
        "\t\tjump ipaddress\n"
        "\t}\n"
        "}\n";

static void expect_text(const char *got, const char *want) {
        if (!streq(got, want))
                print_error("got:\n%s\nwanted:\n%s\n", got, want);
        assert_string_equal(got, want);
}

static void test_nft__no_service_is_an_empty_table_with_its_chains(void **state _unused_) {
        _cleanup_free_ char *t = ruleset_build("svc", "svc-", NULL, 0);
        assert_non_null(t);
        expect_text(t, GOLDEN_EMPTY);
}

static void test_nft__both_families_outbound_and_ip_filters(void **state _unused_) {
        const struct publish_spec web_ports[] = {
                { .host_family = AF_UNSPEC,
                  .host_port = 8080,
                  .host_port_end = 8080,
                  .port = 80,
                  .port_end = 80,
                  .protocol = IPPROTO_TCP },
                { .host_family = AF_INET6,
                  .host_address = (char *) "::1",
                  .host_port = 8007,
                  .host_port_end = 8007,
                  .port = 7,
                  .port_end = 7,
                  .protocol = IPPROTO_TCP },
                { .host_family = AF_INET,
                  .host_address = (char *) "10.0.0.5",
                  .host_port = 5353,
                  .host_port_end = 5353,
                  .port = 53,
                  .port_end = 53,
                  .protocol = IPPROTO_UDP },
                { .host_family = AF_INET6,
                  .host_port = 30000,
                  .host_port_end = 30002,
                  .port = 40000,
                  .port_end = 40002,
                  .protocol = IPPROTO_TCP },
                { .host_family = AF_UNSPEC,
                  .host_port = 2100,
                  .host_port_end = 2101,
                  .port = 2100,
                  .port_end = 2101,
                  .protocol = IPPROTO_TCP },
        };
        const struct publish_spec v4_ports[] = {
                { .host_family = AF_UNSPEC,
                  .host_port = 9000,
                  .host_port_end = 9000,
                  .port = 90,
                  .port_end = 90,
                  .protocol = IPPROTO_UDP },
        };
        char *deny[] = { (char *) "192.168.0.0/16", (char *) "fd00::/8", NULL };
        char *allow[] = { (char *) "192.168.1.1", NULL };
        struct ruleset_service s[3] = {
                { .name = "web",
                  .ifname = "svc-5",
                  .addr = 0x0a59000b,
                  .has6 = true,
                  .publish = web_ports,
                  .n_publish = ELEMENTSOF(web_ports) },
                { .name = "out",
                  .ifname = "svc-10",
                  .addr = 0x0a590015,
                  .has6 = true,
                  .outbound = true,
                  .ip_allow = allow,
                  .ip_deny = deny },
                { .name = "old",
                  .ifname = "svc-3",
                  .addr = 0x0a590007,
                  .outbound = true,
                  .publish = v4_ports,
                  .n_publish = ELEMENTSOF(v4_ports) },
        };
        memcpy(s[0].addr6, WEB6, 16);
        memcpy(s[1].addr6, OUT6, 16);
        _cleanup_free_ char *t = ruleset_build("svc_1234abcd", "s00ab12-", s, ELEMENTSOF(s));
        assert_non_null(t);
        expect_text(t, GOLDEN_THREE);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_nft__no_service_is_an_empty_table_with_its_chains),
                cmocka_unit_test(test_nft__both_families_outbound_and_ip_filters),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
