/* SPDX-License-Identifier: MIT */
/* rtnetlink through libmnl: one request, one acknowledgement; dumps read to their end. */

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <time.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/svcd/net/netlink.h"

int nl_open(struct mnl_socket **ret) {
        struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
        if (!nl)
                return -errno;
        if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
                int r = -errno;
                mnl_socket_close(nl);
                return r;
        }
        *ret = nl;
        return 0;
}

void nl_close(struct mnl_socket *nl) {
        if (nl)
                mnl_socket_close(nl);
}

static unsigned next_seq(void) {
        static unsigned seq;
        if (seq == 0)
                seq = (unsigned) time(NULL);
        return ++seq;
}

static struct nlmsghdr *put_header(char *buf, uint16_t type, uint16_t flags) {
        struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
        h->nlmsg_type = type;
        h->nlmsg_flags = NLM_F_REQUEST | flags;
        h->nlmsg_seq = next_seq();
        return h;
}

/* Sends H and reads until its answer: the acknowledgement, or the end of a dump, each message of
 * which goes to CB. */
static int talk(struct mnl_socket *nl, struct nlmsghdr *h, mnl_cb_t cb, void *data) {
        if (mnl_socket_sendto(nl, h, h->nlmsg_len) < 0)
                return -errno;
        char buf[32768]; /* a dump's messages come in pages */
        unsigned portid = mnl_socket_get_portid(nl);
        for (;;) {
                ssize_t k = mnl_socket_recvfrom(nl, buf, sizeof(buf));
                if (k < 0)
                        return -errno;
                int r = mnl_cb_run(buf, (size_t) k, h->nlmsg_seq, portid, cb, data);
                if (r < 0)
                        return errno ? -errno : -EIO;
                if (r == MNL_CB_STOP)
                        return 0;
        }
}

static int request(struct mnl_socket *nl, struct nlmsghdr *h) {
        h->nlmsg_flags |= NLM_F_ACK;
        return talk(nl, h, NULL, NULL);
}

static struct ifinfomsg *put_ifinfo(struct nlmsghdr *h) {
        struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));
        ifi->ifi_family = AF_UNSPEC;
        return ifi;
}

int nl_veth_create(struct mnl_socket *nl, const char *name, const char *peer_name, int netns_fd) {
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *h = put_header(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
        put_ifinfo(h);
        mnl_attr_put_strz(h, IFLA_IFNAME, name);
        struct nlattr *info = mnl_attr_nest_start(h, IFLA_LINKINFO);
        mnl_attr_put_strz(h, IFLA_INFO_KIND, "veth");
        struct nlattr *data = mnl_attr_nest_start(h, IFLA_INFO_DATA);
        struct nlattr *peer = mnl_attr_nest_start(h, VETH_INFO_PEER);
        /* The peer's attributes follow an ifinfomsg of its own. */
        struct ifinfomsg *pifi = mnl_nlmsg_get_payload_tail(h);
        memset(pifi, 0, sizeof(*pifi));
        h->nlmsg_len += MNL_ALIGN(sizeof(*pifi));
        mnl_attr_put_strz(h, IFLA_IFNAME, peer_name);
        mnl_attr_put_u32(h, IFLA_NET_NS_FD, (uint32_t) netns_fd);
        mnl_attr_nest_end(h, peer);
        mnl_attr_nest_end(h, data);
        mnl_attr_nest_end(h, info);
        return request(nl, h);
}

int nl_link_up(struct mnl_socket *nl, int ifindex) {
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *h = put_header(buf, RTM_NEWLINK, 0);
        struct ifinfomsg *ifi = put_ifinfo(h);
        ifi->ifi_index = ifindex;
        ifi->ifi_flags = IFF_UP;
        ifi->ifi_change = IFF_UP;
        return request(nl, h);
}

int nl_link_delete(struct mnl_socket *nl, const char *name) {
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *h = put_header(buf, RTM_DELLINK, 0);
        put_ifinfo(h);
        mnl_attr_put_strz(h, IFLA_IFNAME, name);
        return request(nl, h);
}

int nl_addr_add(struct mnl_socket *nl, int ifindex, uint32_t addr, unsigned prefix) {
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *h = put_header(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
        struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(h, sizeof(*ifa));
        ifa->ifa_family = AF_INET;
        ifa->ifa_prefixlen = (uint8_t) prefix;
        ifa->ifa_scope = RT_SCOPE_UNIVERSE;
        ifa->ifa_index = (uint32_t) ifindex;
        mnl_attr_put_u32(h, IFA_LOCAL, htonl(addr));
        mnl_attr_put_u32(h, IFA_ADDRESS, htonl(addr));
        return request(nl, h);
}

/* The default route of FAMILY through GATEWAY (LEN bytes, network order) on IFINDEX. */
static int route_default(struct mnl_socket *nl, int ifindex, uint8_t family, const void *gateway,
                         size_t len) {
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *h = put_header(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
        struct rtmsg *rt = mnl_nlmsg_put_extra_header(h, sizeof(*rt));
        rt->rtm_family = family;
        rt->rtm_table = RT_TABLE_MAIN;
        rt->rtm_protocol = RTPROT_BOOT;
        rt->rtm_scope = RT_SCOPE_UNIVERSE;
        rt->rtm_type = RTN_UNICAST;
        mnl_attr_put(h, RTA_GATEWAY, len, gateway);
        mnl_attr_put_u32(h, RTA_OIF, (uint32_t) ifindex);
        return request(nl, h);
}

int nl_route_default(struct mnl_socket *nl, int ifindex, uint32_t gateway) {
        uint32_t be = htonl(gateway);
        return route_default(nl, ifindex, AF_INET, &be, sizeof(be));
}

/* No duplicate address detection: the /127 has two ends, both ours, and an address under DAD is
 * "tentative" for a second or more, in which the service could not use it. */
int nl_addr6_add(struct mnl_socket *nl, int ifindex, const uint8_t addr[static 16], unsigned prefix) {
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *h = put_header(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
        struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(h, sizeof(*ifa));
        ifa->ifa_family = AF_INET6;
        ifa->ifa_prefixlen = (uint8_t) prefix;
        ifa->ifa_flags = IFA_F_NODAD;
        ifa->ifa_scope = RT_SCOPE_UNIVERSE;
        ifa->ifa_index = (uint32_t) ifindex;
        mnl_attr_put(h, IFA_LOCAL, 16, addr);
        mnl_attr_put(h, IFA_ADDRESS, 16, addr);
        mnl_attr_put_u32(h, IFA_FLAGS, IFA_F_NODAD);
        return request(nl, h);
}

int nl_route6_default(struct mnl_socket *nl, int ifindex, const uint8_t gateway[static 16]) {
        return route_default(nl, ifindex, AF_INET6, gateway, 16);
}

/* ---- dumps -------------------------------------------------------------------------------- */

struct link_dump {
        const char *name; /* nl_link_index: the one wanted */
        int index;
        const char *prefix; /* nl_links_delete_prefix: the names collected */
        char **names;
        bool oom;
};

static int link_cb(const struct nlmsghdr *h, void *data) {
        struct link_dump *d = data;
        const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(h);
        struct nlattr *a;
        mnl_attr_for_each(a, h, sizeof(*ifi)) {
                if (mnl_attr_get_type(a) != IFLA_IFNAME || mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
                        continue;
                const char *name = mnl_attr_get_str(a);
                if (d->name && streq(name, d->name))
                        d->index = ifi->ifi_index;
                if (d->prefix && strneq(name, d->prefix, strlen(d->prefix)) &&
                    strv_extend(&d->names, name) < 0)
                        d->oom = true;
        }
        return MNL_CB_OK;
}

static int dump_links(struct mnl_socket *nl, struct link_dump *d) {
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *h = put_header(buf, RTM_GETLINK, NLM_F_DUMP);
        put_ifinfo(h);
        int r = talk(nl, h, link_cb, d);
        return r < 0 ? r : d->oom ? -ENOMEM : 0;
}

int nl_link_index(struct mnl_socket *nl, const char *name) {
        struct link_dump d = { .name = name };
        int r = dump_links(nl, &d);
        return r < 0 ? r : d.index > 0 ? d.index : -ENODEV;
}

int nl_links_delete_prefix(struct mnl_socket *nl, const char *prefix) {
        struct link_dump d = { .prefix = prefix };
        int r = dump_links(nl, &d), n = 0;
        for (char **l = d.names; r >= 0 && l && *l; l++) {
                int k = nl_link_delete(nl, *l);
                if (k >= 0)
                        n++;
                else if (k != -ENODEV) /* a pair's other end, gone with the first */
                        r = k;
        }
        strv_free(d.names);
        return r < 0 ? r : n;
}

struct route_dump {
        int family;
        uint8_t net[16];
        unsigned prefix;
        bool found;
        uint8_t dst[16];
        unsigned len;
};

/* Whether A and B (network byte order) agree on their first LEN bits. */
static bool same_prefix(const uint8_t *a, const uint8_t *b, unsigned len) {
        unsigned whole = len / 8, rest = len % 8;
        if (memcmp(a, b, whole) != 0)
                return false;
        uint8_t mask = (uint8_t) (0xff << (8 - rest));
        return rest == 0 || ((a[whole] ^ b[whole]) & mask) == 0;
}

static int route_cb(const struct nlmsghdr *h, void *data) {
        struct route_dump *d = data;
        const struct rtmsg *rt = mnl_nlmsg_get_payload(h);
        size_t alen = d->family == AF_INET ? 4 : 16;
        if (rt->rtm_family != d->family || rt->rtm_dst_len == 0 || d->found)
                return MNL_CB_OK;
        uint32_t table = rt->rtm_table;
        uint8_t dst[16] = { 0 };
        struct nlattr *a;
        mnl_attr_for_each(a, h, sizeof(*rt)) {
                if (mnl_attr_get_type(a) == RTA_TABLE && mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
                        table = mnl_attr_get_u32(a);
                else if (mnl_attr_get_type(a) == RTA_DST && mnl_attr_get_payload_len(a) == alen)
                        memcpy(dst, mnl_attr_get_payload(a), alen);
        }
        if ((table != RT_TABLE_MAIN && table != RT_TABLE_LOCAL) || rt->rtm_type == RTN_BROADCAST ||
            rt->rtm_type == RTN_MULTICAST)
                return MNL_CB_OK;
        if (same_prefix(dst, d->net, MIN(d->prefix, (unsigned) rt->rtm_dst_len))) {
                d->found = true;
                memcpy(d->dst, dst, alen);
                d->len = rt->rtm_dst_len;
        }
        return MNL_CB_OK;
}

static int route_overlap(struct mnl_socket *nl, struct route_dump *d) {
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *h = put_header(buf, RTM_GETROUTE, NLM_F_DUMP);
        struct rtmsg *rt = mnl_nlmsg_put_extra_header(h, sizeof(*rt));
        rt->rtm_family = (unsigned char) d->family;
        int r = talk(nl, h, route_cb, d);
        return r < 0 ? r : d->found;
}

int nl_route_overlap(struct mnl_socket *nl, uint32_t net, unsigned prefix, uint32_t *ret_dst,
                     unsigned *ret_len) {
        struct route_dump d = { .family = AF_INET, .prefix = prefix };
        uint32_t be = htonl(net);
        memcpy(d.net, &be, 4);
        int r = route_overlap(nl, &d);
        if (r > 0) {
                memcpy(&be, d.dst, 4);
                *ret_dst = ntohl(be);
                *ret_len = d.len;
        }
        return r;
}

int nl_route6_overlap(struct mnl_socket *nl, const uint8_t net[static 16], unsigned prefix,
                      uint8_t ret_dst[static 16], unsigned *ret_len) {
        struct route_dump d = { .family = AF_INET6, .prefix = prefix };
        memcpy(d.net, net, 16);
        int r = route_overlap(nl, &d);
        if (r > 0) {
                memcpy(ret_dst, d.dst, 16);
                *ret_len = d.len;
        }
        return r;
}
