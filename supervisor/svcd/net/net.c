/* SPDX-License-Identifier: MIT */
/* PublishPort= and Outbound=: a routed veth pair per service, kernel NAT through nftables
 * (reference/sandbox.md §2: what Docker's bridge and nspawn's --network-veth do, without the
 * bridge, so services do not share a link).
 *
 *   host side   PREFIX<slot>   SUBNET + 2*slot     /31, route_localnet=1
 *   service     eth0           SUBNET + 2*slot + 1 /31, default route via the host side
 *
 * svcd owns one nftables table (inet svc; svc_<hash> under another --root), rebuilt whole in
 * one transaction at every change: DNAT of the published ports from the host's addresses (and
 * from 127.0.0.1, through route_localnet and a masquerade), masquerade for Outbound=yes, a
 * filter that lets a service without Outbound= reach only the other services, and the rules of
 * IPAddressAllow=/IPAddressDeny= on each service's veth. Links and
 * addresses are made through rtnetlink (netlink.c); the service's end is configured through a
 * netlink socket opened inside its namespace (setns of this thread, then back), before the
 * service is released. Published host ports are also bound (not listened on) by svcd, so that
 * a clash with a program of the host is an error at start, not a silent hijack.
 *
 * IPv6, where svcd's namespace has it (net.ipv6.conf.all.disable_ipv6=0): the same slot gives a
 * /127 out of a /64 of a unique local prefix (svcd.conf's Subnet6=, else the first /64 that no
 * route of the host overlaps of a random /48 kept in ROOT/var/lib/svc/subnet6, as Docker's
 * fixed-cidr-v6 does), host end SUBNET6::2*slot,
 * service SUBNET6::2*slot+1, masqueraded like IPv4. The kernel will not route a packet from ::1 to
 * another interface (IPv6 has no route_localnet), so a port published on the host's [::1], TCP or
 * UDP, is relayed by svcd in user space (relay.c). */

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "common/macro.h"
#include "common/paths.h"
#include "common/util.h"
#include "supervisor/svcd/net/netlink.h"
#include "supervisor/svcd/net/nft.h"
#include "supervisor/svcd/net/relay.h"
#include "supervisor/svcd/net/ruleset.h"
#include "supervisor/svcd/net/net.h"
#include "supervisor/svcd/record.h"
#include "units/svcd-conf.h"

#define SLOT_PREFIX 31
#define SLOT_PREFIX6 127 /* RFC 6164's point-to-point prefix */

struct service_net {
        unsigned slot;
        uint32_t host_addr, addr;
        bool has6; /* the service has an IPv6 address on eth0 */
        uint8_t host_addr6[16], addr6[16];
        char ifname[IFNAMSIZ];
        int *port_fds; /* the published host ports, bound by svcd */
        size_t n_port_fds;
        struct relay *relays; /* ports on [::1] */
        bool attached; /* the veth exists */
};

struct net {
        char table[32];
        char prefix[IFNAMSIZ - 5]; /* room for the slot number */
        char *conf_path, *hosts_path, *marker_path, *subnet6_path;
        char *forward_path[2]; /* IPv4's and IPv6's saved forwarding setting */
        char *off_reason; /* svcd.conf is broken: no service gets a veth, this says why */
        bool conf_subnet;
        bool subnet_ready;
        uint32_t subnet;
        unsigned subnet_prefix;
        bool conf_subnet6;
        bool ipv6; /* svcd's namespace has IPv6: the services get addresses of it */
        uint8_t subnet6[16]; /* a /64 */
        uint64_t relay_idle_usec; /* svcd.conf's RelayIdleSec= */
        unsigned first_candidate; /* of the default pool 10.89.0.0/16 .. 10.127.0.0/16 */
        uint8_t *used; /* per slot */
        unsigned n_slots;
        struct mnl_socket *nl;
        int self_netns;
        bool forward_changed[2]; /* svcd set IPv4's, IPv6's forwarding to 1 */
        bool table_made;
};

#define POOL_FIRST 89
#define POOL_N 39 /* 10.89/16 .. 10.127/16 */

static const char *ntop(uint32_t a, char buf[static INET_ADDRSTRLEN]) {
        struct in_addr in = { htonl(a) };
        return inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN);
}

static const char *ntop6(const uint8_t a[static 16], char buf[static INET6_ADDRSTRLEN]) {
        return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

/* net.ipv4.ip_forward and net.ipv6.conf.all.forwarding, by family index 0 and 1. */
static const char *const forward_sysctl[2] = { "/proc/sys/net/ipv4/ip_forward",
                                               "/proc/sys/net/ipv6/conf/all/forwarding" };
static const char *const forward_name[2] = { "net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding" };
static const char *const family_name[2] = { "IPv4", "IPv6" };

bool net_wanted(const struct unit *u) {
        return u && (u->n_publish > 0 || u->outbound);
}

/* ---- svcd's start and end ----------------------------------------------------------------- */

/* A small file of svcd's own under ROOT/run/svc, made or replaced. */
static int put_file(const char *path, const char *text) {
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return -errno;
        size_t n = strlen(text);
        return write(fd, text, n) == (ssize_t) n ? 0 : -EIO;
}
static int read_forward(int f) {
        _cleanup_free_ char *v = NULL;
        int r = read_full_file(forward_sysctl[f], &v, NULL);
        return r < 0 ? r : atoi(v);
}

static int write_forward(int f, int v) {
        return write_string_file(forward_sysctl[f], v ? "1" : "0");
}

static void delete_table(struct net *n) {
        _cleanup_free_ char *cmd = NULL, *why = NULL;
        if (asprintf(&cmd, "add table inet %s\ndelete table inet %s\n", n->table, n->table) < 0)
                return;
        int r = nft_apply(cmd, &why);
        if (r < 0)
                log_warning("Cannot delete nftables table inet %s: %s", n->table, why ? why : strerror(-r));
        else
                (void) unlink(n->marker_path);
        n->table_made = false;
}

/* What a svcd that was killed left: its links, its table, forwarding it had turned on. */
static void clean_leftovers(struct net *n) {
        int k = n->nl ? nl_links_delete_prefix(n->nl, n->prefix) : 0;
        if (k > 0)
                log_notice("Deleted %d network link(s) %s* that an earlier svcd left behind", k, n->prefix);
        if (access(n->marker_path, F_OK) == 0) {
                log_notice("Deleting nftables table inet %s that an earlier svcd left behind", n->table);
                delete_table(n);
        }
        for (int f = 0; f < 2; f++) {
                _cleanup_free_ char *saved = NULL;
                if (read_full_file(n->forward_path[f], &saved, NULL) < 0)
                        continue;
                if (write_forward(f, atoi(saved)) >= 0)
                        log_notice("Set %s back to %d, as it was before an earlier svcd", forward_name[f],
                                   atoi(saved));
                (void) unlink(n->forward_path[f]);
        }
}

/* svcd's files, and names of its own, so that a second svcd under another root never touches
 * ours. */
static int set_names(struct net *n, const struct manager *m) {
        n->conf_path = path_join(m->root, SVC_CONF_PATH);
        n->hosts_path = path_join(m->run_dir, "hosts");
        n->forward_path[0] = path_join(m->run_dir, "ip_forward.saved");
        n->forward_path[1] = path_join(m->run_dir, "ip6_forward.saved");
        n->marker_path = path_join(m->run_dir, "nftables.table");
        n->subnet6_path = path_join(m->root, SVC_SUBNET6_PATH);
        if (!n->conf_path || !n->hosts_path || !n->forward_path[0] || !n->forward_path[1] ||
            !n->marker_path || !n->subnet6_path)
                return -ENOMEM;
        if (streq(m->root, "/")) {
                snprintf(n->table, sizeof(n->table), "svc");
                snprintf(n->prefix, sizeof(n->prefix), "svc-");
                n->first_candidate = 0;
        } else {
                uint64_t h = fnv1a64(FNV1A64_INIT, m->root, strlen(m->root));
                snprintf(n->table, sizeof(n->table), "svc_%08x", (unsigned) (h & 0xffffffffU));
                snprintf(n->prefix, sizeof(n->prefix), "s%06x-", (unsigned) (h >> 40));
                n->first_candidate = 1 + (unsigned) ((h >> 32) % (POOL_N - 1));
        }
        return 0;
}

int net_init(struct manager *m) {
        struct net *n = calloc(1, sizeof(*n));
        if (!n)
                return -ENOMEM;
        m->net = n;
        n->self_netns = -EBADF;
        if (set_names(n, m) < 0)
                return -ENOMEM;
        struct svcd_conf conf;
        struct unit_diag d = { 0 };
        int r = svcd_conf_load(n->conf_path, &conf, &d);
        svcd_conf_done(&conf); /* the [Manager] part is health.c's */
        if (r == -ENOMEM) {
                unit_diag_clear(&d);
                return r;
        }
        for (size_t i = 0; i < d.n; i++) {
                _cleanup_free_ char *line = unit_diag_format(&d.items[i]);
                log_error("%s", line ? line : "svcd.conf: out of memory");
                if (!n->off_reason && !d.items[i].warning && line)
                        n->off_reason = strdup(line);
        }
        unit_diag_clear(&d);
        if (r < 0 && !n->off_reason &&
            asprintf(&n->off_reason, "cannot read %s: %s", n->conf_path, strerror(-r)) < 0)
                return -ENOMEM;
        if (n->off_reason)
                log_error("Services with PublishPort= or Outbound= cannot start until svcd.conf is fixed");
        else if (conf.subnet_set) {
                n->conf_subnet = true;
                n->subnet = conf.subnet;
                n->subnet_prefix = conf.subnet_prefix;
        }
        n->relay_idle_usec = conf.relay_idle_set ? conf.relay_idle_usec : RELAY_IDLE_DEFAULT_USEC;
        if (!n->off_reason && conf.subnet6_set) {
                n->conf_subnet6 = true;
                memcpy(n->subnet6, conf.subnet6, 16);
        }
        r = nl_open(&n->nl);
        if (r < 0)
                log_warning_errno(
                        r, "Cannot open rtnetlink: %m; services with PublishPort= or Outbound= cannot start");
        clean_leftovers(n);
        return 0;
}

void net_done(struct manager *m) {
        struct net *n = m->net;
        if (!n)
                return;
        /* The services released theirs when they were freed. */
        if (n->table_made)
                delete_table(n);
        nft_unload();
        nl_close(n->nl);
        safe_close(n->self_netns);
        free(n->used);
        free(n->conf_path);
        free(n->hosts_path);
        free(n->forward_path[0]);
        free(n->forward_path[1]);
        free(n->marker_path);
        free(n->subnet6_path);
        free(n->off_reason);
        free(n);
        m->net = NULL;
}

/* ---- the pool ----------------------------------------------------------------------------- */

/* The /48 this svcd's services take their /64 from, made once (RFC 4193 §3.2: 40 random bits)
 * and kept, so that addresses stay the same across restarts of svcd. */
static int load_subnet6(struct net *n) {
        _cleanup_free_ char *text = NULL;
        unsigned len;
        int r = read_full_file(n->subnet6_path, &text, NULL);
        if (r >= 0) {
                text[strcspn(text, "\n")] = '\0';
                if (parse_ipv6_subnet(text, n->subnet6, &len) >= 0 && len == 48 && ipv6_is_ula(n->subnet6))
                        return 0;
                log_warning(
                        "%s: '%.64s' is not a unique local /48 such as fd12:3456:789a::/48; making a new one",
                        n->subnet6_path, text);
        } else if (r != -ENOENT)
                return r;
        uint8_t id[5];
        char buf[64];
        if (getrandom(id, sizeof(id), 0) != (ssize_t) sizeof(id))
                return -errno;
        _cleanup_free_ char *dir = strdup(n->subnet6_path), *line = NULL;
        if (!dir || asprintf(&line, "%s\n", ula48_format(id, buf)) < 0)
                return -ENOMEM;
        *strrchr(dir, '/') = '\0';
        r = mkdir_p(dir, 0755);
        if (r >= 0)
                r = put_file(n->subnet6_path, line);
        if (r < 0)
                return r;
        log_info("Made the unique local IPv6 prefix %s for the services, kept in %s", buf, n->subnet6_path);
        return parse_ipv6_subnet(buf, n->subnet6, &len);
}

#define SUBNET6_CANDIDATES 256 /* /64s of the /48 tried, from its first */

/* As choose_subnet does for IPv4: svcd.conf's /64 is used with a warning when a route of the
 * host overlaps it; else the first /64 of the /48 that none overlaps (the LAN's, a VPN's). */
static int pick_subnet6(struct net *n) {
        char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
        uint8_t dst[16], cand[16];
        unsigned len;
        for (unsigned i = 0; i < (n->conf_subnet6 ? 1 : SUBNET6_CANDIDATES); i++) {
                memcpy(cand, n->subnet6, 16);
                if (!n->conf_subnet6) {
                        cand[6] = (uint8_t) (i >> 8); /* the subnet ID of the /48, bits 48 to 63 */
                        cand[7] = (uint8_t) i;
                }
                int r = nl_route6_overlap(n->nl, cand, 64, dst, &len);
                if (r < 0)
                        return r;
                if (r > 0 && n->conf_subnet6) {
                        log_warning("Subnet6=%s/64 of svcd.conf overlaps the host's route to %s/%u",
                                    ntop6(cand, a), ntop6(dst, b), len);
                        return 0;
                }
                if (r > 0) {
                        log_info("Not taking %s/64 for the services: the host has a route to %s/%u",
                                 ntop6(cand, a), ntop6(dst, b), len);
                        continue;
                }
                memcpy(n->subnet6, cand, 16);
                return 0;
        }
        return -EADDRINUSE;
}

/* IPv6 where svcd's namespace has it; a host without it (disabled, or no route out) still runs
 * every service over IPv4. */
static void choose_subnet6(struct net *n) {
        _cleanup_free_ char *v = NULL;
        if (read_full_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", &v, NULL) < 0 || atoi(v) != 0) {
                log_info("IPv6 is disabled in svcd's network namespace: services get IPv4 addresses only");
                return;
        }
        int r = n->conf_subnet6 ? 0 : load_subnet6(n);
        if (r < 0) {
                log_warning_errno(r, "Cannot read or make %s: %m; services get IPv4 addresses only",
                                  n->subnet6_path);
                return;
        }
        r = pick_subnet6(n);
        if (r == -EADDRINUSE) {
                char a[INET6_ADDRSTRLEN];
                log_warning("The host has routes into the first %u /64s of %s/48: services get IPv4 "
                            "addresses only; set [Network] Subnet6= in svcd.conf",
                            SUBNET6_CANDIDATES, ntop6(n->subnet6, a));
                return;
        }
        if (r < 0) {
                log_warning_errno(r,
                                  "Cannot read the host's IPv6 routes: %m; services get IPv4 addresses only");
                return;
        }
        n->ipv6 = true;
        char a[INET6_ADDRSTRLEN];
        log_info("Services with PublishPort= or Outbound= get IPv6 addresses from %s/64",
                 ntop6(n->subnet6, a));
}

/* The subnet, chosen when the first service needs it: svcd.conf's, or the first /16 of the pool
 * that no route of the host overlaps (another svcd's, the LAN's). */
static int choose_subnet(struct net *n, char **why) {
        if (n->subnet_ready)
                return 0;
        char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
        uint32_t dst;
        unsigned len;
        if (n->conf_subnet) {
                int r = nl_route_overlap(n->nl, n->subnet, n->subnet_prefix, &dst, &len);
                if (r > 0)
                        log_warning("Subnet=%s/%u of svcd.conf overlaps the host's route to %s/%u",
                                    ntop(n->subnet, a), n->subnet_prefix, ntop(dst, b), len);
        } else {
                bool found = false;
                for (unsigned i = 0; i < POOL_N && !found; i++) {
                        uint32_t net = (10U << 24) | ((POOL_FIRST + (n->first_candidate + i) % POOL_N) << 16);
                        int r = nl_route_overlap(n->nl, net, 16, &dst, &len);
                        if (r < 0)
                                return asprintf(why, "cannot read the host's routes: %s", strerror(-r)) < 0
                                               ? -ENOMEM
                                               : r;
                        if (r == 0) {
                                n->subnet = net;
                                n->subnet_prefix = 16;
                                found = true;
                        }
                }
                if (!found)
                        return asprintf(why,
                                        "every /16 from 10.%d.0.0 to 10.%d.0.0 is in use on this host; set "
                                        "[Network] Subnet= in svcd.conf",
                                        POOL_FIRST, POOL_FIRST + POOL_N - 1) < 0
                                       ? -ENOMEM
                                       : -EADDRINUSE;
        }
        n->n_slots = 1U << (32 - n->subnet_prefix - 1);
        n->used = calloc(n->n_slots, 1);
        if (!n->used)
                return -ENOMEM;
        n->subnet_ready = true;
        choose_subnet6(n);
        log_info(
                "Services with PublishPort= or Outbound= get addresses from %s/%u (links %s*, nftables table "
                "inet %s)",
                ntop(n->subnet, a), n->subnet_prefix, n->prefix, n->table);
        return 0;
}

/* A slot of its own, where the name hashes to when it is free: stable across restarts. */
static int take_slot(struct net *n, const char *name, unsigned *ret) {
        unsigned usable = n->n_slots - 2; /* not the subnet's first and last pair */
        unsigned start = (unsigned) (fnv1a64(FNV1A64_INIT, name, strlen(name)) % usable);
        for (unsigned i = 0; i < usable; i++) {
                unsigned slot = 1 + (start + i) % usable;
                if (!n->used[slot]) {
                        n->used[slot] = 1;
                        *ret = slot;
                        return 0;
                }
        }
        return -EADDRNOTAVAIL;
}

/* ---- published ports ---------------------------------------------------------------------- */

static const char *proto_name(int p) {
        return p == IPPROTO_UDP ? "udp" : "tcp";
}

static int reserve_port(const struct publish_spec *p, int family, uint16_t port, int *ret_fd) {
        int fd = socket(family, (p->protocol == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        /* TIME_WAIT of the last run's connections must not fail a restart. */
        (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int));
        union {
                struct sockaddr sa;
                struct sockaddr_in in;
                struct sockaddr_in6 in6;
        } sa = { .in6 = { .sin6_family = (sa_family_t) family, .sin6_port = htons(port) } };
        if (family == AF_INET && p->host_address)
                (void) inet_pton(AF_INET, p->host_address, &sa.in.sin_addr);
        else if (family == AF_INET6) {
                /* [::] is IPv6's every address only: 0.0.0.0 has a socket of its own. */
                (void) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &(int){ 1 }, sizeof(int));
                if (p->host_address)
                        (void) inet_pton(AF_INET6, p->host_address, &sa.in6.sin6_addr);
        }
        if (bind(fd, &sa.sa, family == AF_INET ? sizeof(sa.in) : sizeof(sa.in6)) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        *ret_fd = fd;
        return 0;
}

/* A port published on [::1], by name or as one of every address. */
static bool relayed(const struct publish_spec *p) {
        return !p->host_address || streq(p->host_address, "::1");
}

/* Host port PORT of P on [::1], relayed to the service. FD is its reservation when P names
 * [::1], else -EBADF: one is bound beside the reservation of [::] (SO_REUSEADDR on both). */
static int start_relay(struct service *s, const struct publish_spec *p, unsigned port, int fd) {
        if (fd < 0) {
                struct publish_spec lo = *p;
                lo.host_address = (char *) "::1";
                int r = reserve_port(&lo, AF_INET6, (uint16_t) port, &fd);
                if (r < 0)
                        return r;
        }
        if ((p->protocol == IPPROTO_TCP && listen(fd, SOMAXCONN) < 0) || fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
                int r = -errno;
                safe_close(fd);
                return r;
        }
        _cleanup_free_ char *label = NULL;
        if (asprintf(&label, "%s: [::1]:%u/%s", s->name, port, proto_name(p->protocol)) < 0) {
                safe_close(fd);
                return -ENOMEM;
        }
        struct relay_spec spec = { .label = label,
                                   .protocol = p->protocol,
                                   .target = s->net->addr6,
                                   .port = (uint16_t) (p->port + (port - p->host_port)),
                                   .idle_usec = s->m->net->relay_idle_usec };
        return relay_add(s->m->event, fd, &spec, &s->net->relays);
}

/* Host port PORT of P for FAMILY: bound, and on [::1] relayed. */
static int reserve_one(struct service *s, const struct publish_spec *p, int family, unsigned port) {
        struct service_net *sn = s->net;
        int fd = -EBADF, r = reserve_port(p, family, (uint16_t) port, &fd);
        bool lo_only = p->host_address && streq(p->host_address, "::1");
        if (r < 0)
                return r;
        if (!lo_only)
                sn->port_fds[sn->n_port_fds++] = fd;
        if (family == AF_INET6 && relayed(p))
                r = start_relay(s, p, port, lo_only ? fd : -EBADF);
        return r;
}

static int port_error(const struct publish_spec *p, int family, unsigned port, int r, char **why) {
        const char *addr = p->host_address ? p->host_address : family == AF_INET ? "0.0.0.0" : "::";
        const char *what = r == -EADDRINUSE      ? "is in use on the host"
                           : r == -EADDRNOTAVAIL ? "is on an address this host does not have"
                                                 : strerror(-r);
        return asprintf(why, "PublishPort=%s: port %s%s%s:%u/%s %s", p->text, family == AF_INET6 ? "[" : "",
                        addr, family == AF_INET6 ? "]" : "", port, proto_name(p->protocol), what) < 0
                       ? -ENOMEM
                       : r;
}

static int reserve_ports(struct service *s, char **why) {
        const struct unit *u = s->unit;
        struct service_net *sn = s->net;
        size_t total = 0;
        for (size_t i = 0; i < u->n_publish; i++)
                total += 2 * ((size_t) (u->publish[i].host_port_end - u->publish[i].host_port) + 1);
        sn->port_fds = calloc(MAX(total, (size_t) 1), sizeof(int)); /* Outbound= alone: none */
        if (!sn->port_fds)
                return -ENOMEM;
        for (size_t i = 0; i < u->n_publish; i++) {
                const struct publish_spec *p = &u->publish[i];
                for (int family = AF_INET; family <= AF_INET6; family += AF_INET6 - AF_INET) {
                        if (!publish_has_family(p, family, sn->has6))
                                continue;
                        for (unsigned port = p->host_port; port <= p->host_port_end; port++) {
                                int r = reserve_one(s, p, family, port);
                                if (r < 0)
                                        return port_error(p, family, port, r, why);
                        }
                }
        }
        return 0;
}

/* ---- the ruleset, /etc/hosts, forwarding -------------------------------------------------- */

/* The table's text from the attached services (ruleset.c). NULL on OOM. */
static char *build_ruleset(struct manager *m) {
        struct net *n = m->net;
        _cleanup_free_ struct ruleset_service *rs = calloc(MAX(m->n_services, (size_t) 1), sizeof(*rs));
        if (!rs)
                return NULL;
        size_t k = 0;
        for (size_t i = 0; i < m->n_services; i++) {
                const struct service *s = m->services[i];
                if (!s->net || !s->net->attached)
                        continue;
                rs[k++] = (struct ruleset_service){ .name = s->name,
                                                    .ifname = s->net->ifname,
                                                    .addr = s->net->addr,
                                                    .has6 = s->net->has6,
                                                    .outbound = s->unit->outbound,
                                                    .publish = s->unit->publish,
                                                    .n_publish = s->unit->n_publish,
                                                    .ip_allow = s->unit->hardening.ip_allow,
                                                    .ip_deny = s->unit->hardening.ip_deny };
                memcpy(rs[k - 1].addr6, s->net->addr6, 16);
        }
        return ruleset_build(n->table, n->prefix, rs, k);
}

/* Written in place: each service has it bound at /etc/hosts, and a bind keeps its inode. */
static int write_hosts(struct manager *m) {
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        if (!f)
                return -ENOMEM;
        fprintf(f, "# Written by svcd: the services that have an address of their own.\n"
                   "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
        char a[INET_ADDRSTRLEN], a6[INET6_ADDRSTRLEN];
        for (size_t i = 0; i < m->n_services; i++) {
                const struct service *s = m->services[i];
                if (!s->net || !s->net->attached)
                        continue;
                const char *h = s->unit->hostname;
                bool alias = h && !streq(h, s->name);
                fprintf(f, "%s\t%s%s%.64s\n", ntop(s->net->addr, a), s->name, alias ? " " : "",
                        alias ? h : "");
                if (s->net->has6)
                        fprintf(f, "%s\t%s%s%.64s\n", ntop6(s->net->addr6, a6), s->name, alias ? " " : "",
                                alias ? h : "");
        }
        if (fclose(f) != 0) {
                free(text);
                return -ENOMEM;
        }
        int fd = open(m->net->hosts_path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
        int r = fd < 0 ? -errno : 0;
        if (r >= 0 && (write(fd, text, len) != (ssize_t) len || ftruncate(fd, (off_t) len) < 0))
                r = -errno;
        safe_close(fd);
        free(text);
        return r;
}

static unsigned count_attached(struct manager *m) {
        unsigned k = 0;
        for (size_t i = 0; i < m->n_services; i++)
                k += m->services[i]->net && m->services[i]->net->attached;
        return k;
}

/* Forwarding is on while a service has a veth: a service's traffic to another service, to a
 * client outside or beyond, is forwarded by the host. Only svcd's own change is undone. */
static void update_forwarding(struct manager *m, int f, bool needed) {
        struct net *n = m->net;
        const char *fam = family_name[f], *name = forward_name[f];
        if (needed && !n->forward_changed[f] && read_forward(f) == 0) {
                if (write_forward(f, 1) < 0) {
                        log_warning("Cannot enable %s forwarding: services can reach only the host itself",
                                    fam);
                        return;
                }
                (void) put_file(n->forward_path[f], "0");
                n->forward_changed[f] = true;
                log_info("Enabled %s forwarding (%s=1) for the services with published ports or outbound "
                         "traffic; it goes back to 0 when the last of them stops",
                         fam, name);
        } else if (!needed && n->forward_changed[f]) {
                (void) write_forward(f, 0);
                (void) unlink(n->forward_path[f]);
                n->forward_changed[f] = false;
                log_info("Disabled %s forwarding again (%s=0): no service needs it", fam, name);
        }
}

static int update(struct manager *m, char **why) {
        struct net *n = m->net;
        unsigned k = count_attached(m);
        int r = write_hosts(m);
        if (r < 0)
                log_warning_errno(r, "Cannot write %s: %m", n->hosts_path);
        if (k == 0) {
                if (n->table_made)
                        delete_table(n);
                update_forwarding(m, 0, false);
                update_forwarding(m, 1, false);
                return 0;
        }
        _cleanup_free_ char *rules = build_ruleset(m);
        if (!rules)
                return -ENOMEM;
        (void) put_file(n->marker_path, n->table);
        char *e = NULL;
        r = nft_apply(rules, &e);
        if (r < 0) {
                if (why)
                        *why = e;
                else {
                        log_error("Cannot update nftables table inet %s: %s", n->table, e ? e : "");
                        free(e);
                }
                return r;
        }
        n->table_made = true;
        update_forwarding(m, 0, true);
        update_forwarding(m, 1, n->ipv6);
        return 0;
}

/* ---- a service ---------------------------------------------------------------------------- */

/* The slot's /127 of the /64: host end ::2*slot, the service ::2*slot+1. */
static void set_addr6(const struct net *n, struct service_net *sn) {
        sn->has6 = n->ipv6;
        if (!sn->has6)
                return;
        memcpy(sn->host_addr6, n->subnet6, 16);
        uint32_t host = 2 * sn->slot;
        for (int i = 0; i < 4; i++)
                sn->host_addr6[15 - i] = (uint8_t) (host >> (8 * i));
        memcpy(sn->addr6, sn->host_addr6, 16);
        sn->addr6[15] |= 1;
}

/* A port published on an IPv6 address needs IPv6: never silently IPv4 only. */
static int check_families(struct service *s, char **why) {
        for (size_t i = 0; i < s->unit->n_publish; i++) {
                const struct publish_spec *p = &s->unit->publish[i];
                if (p->host_family == AF_INET6 && !s->net->has6)
                        return asprintf(why,
                                        "PublishPort=%s: IPv6 is disabled in svcd's network namespace "
                                        "(net.ipv6.conf.all.disable_ipv6=1)",
                                        p->text) < 0
                                       ? -ENOMEM
                                       : -EAFNOSUPPORT;
        }
        return 0;
}

int net_service_prepare(struct service *s, char **why) {
        struct net *n = s->m->net;
        *why = NULL;
        if (!net_wanted(s->unit) || s->net)
                return 0;
        if (n->off_reason)
                return asprintf(why, "no networking for PublishPort= and Outbound=: %s", n->off_reason) < 0
                               ? -ENOMEM
                               : -EINVAL;
        if (!n->nl)
                return asprintf(why,
                                "no networking for PublishPort= and Outbound=: rtnetlink is not available") <
                                       0
                               ? -ENOMEM
                               : -EPROTONOSUPPORT;
        int r = choose_subnet(n, why);
        if (r < 0)
                return r;
        struct service_net *sn = calloc(1, sizeof(*sn));
        if (!sn)
                return -ENOMEM;
        r = take_slot(n, s->name, &sn->slot);
        if (r < 0) {
                free(sn);
                return asprintf(why, "every address of the service network is taken") < 0 ? -ENOMEM : r;
        }
        sn->host_addr = n->subnet + 2 * sn->slot;
        sn->addr = sn->host_addr + 1;
        set_addr6(n, sn);
        /* At most 8 + 7 characters: a /8 has 2^23 slots. */
        if (snprintf(sn->ifname, sizeof(sn->ifname), "%s%u", n->prefix, sn->slot) >= (int) sizeof(sn->ifname))
                abort();
        s->net = sn;
        /* The file must exist to be bound; attach() adds the service. */
        r = write_hosts(s->m);
        if (r < 0)
                return asprintf(why, "cannot write %s: %s", n->hosts_path, strerror(-r)) < 0 ? -ENOMEM : r;
        r = check_families(s, why);
        if (r >= 0)
                r = reserve_ports(s, why);
        if (r < 0)
                net_service_release(s);
        return r;
}

/* The service's end, from a netlink socket that lives in its namespace. */
static int configure_inside(struct net *n, struct service_net *sn, int nsfd) {
        if (n->self_netns < 0 && (n->self_netns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) < 0)
                return -errno;
        if (setns(nsfd, CLONE_NEWNET) < 0)
                return -errno;
        struct mnl_socket *inside = NULL;
        int r = nl_open(&inside);
        /* Back at once: the socket keeps the namespace it was made in. */
        if (setns(n->self_netns, CLONE_NEWNET) < 0) {
                /* Cannot happen with a valid fd; everything after would act in the wrong place. */
                log_error_errno(-errno, "Cannot return to svcd's network namespace: %m");
                abort();
        }
        if (r < 0)
                return r;
        int idx = nl_link_index(inside, "eth0");
        r = idx < 0 ? idx : nl_addr_add(inside, idx, sn->addr, SLOT_PREFIX);
        if (r >= 0 && sn->has6)
                r = nl_addr6_add(inside, idx, sn->addr6, SLOT_PREFIX6);
        if (r >= 0)
                r = nl_link_up(inside, idx);
        if (r >= 0)
                r = nl_route_default(inside, idx, sn->host_addr);
        if (r >= 0 && sn->has6)
                r = nl_route6_default(inside, idx, sn->host_addr6);
        nl_close(inside);
        return r;
}

int net_service_attach(struct service *s, pid_t pid, char **why) {
        struct net *n = s->m->net;
        struct service_net *sn = s->net;
        *why = NULL;
        if (!sn)
                return 0;
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int) pid);
        _cleanup_close_ int nsfd = open(path, O_RDONLY | O_CLOEXEC);
        if (nsfd < 0)
                return -errno;
        const char *step = "create the veth pair";
        int r = nl_veth_create(n->nl, sn->ifname, "eth0", nsfd);
        if (r >= 0) {
                sn->attached = true;
                step = "configure the host's end";
                int idx = nl_link_index(n->nl, sn->ifname);
                _cleanup_free_ char *localnet = NULL;
                if (asprintf(&localnet, "/proc/sys/net/ipv4/conf/%s/route_localnet", sn->ifname) < 0)
                        return -ENOMEM;
                r = idx < 0 ? idx : write_string_file(localnet, "1");
                if (r >= 0)
                        r = nl_addr_add(n->nl, idx, sn->host_addr, SLOT_PREFIX);
                if (r >= 0 && sn->has6)
                        r = nl_addr6_add(n->nl, idx, sn->host_addr6, SLOT_PREFIX6);
                if (r >= 0)
                        r = nl_link_up(n->nl, idx);
        }
        if (r >= 0) {
                step = "configure eth0 in the service's namespace";
                r = configure_inside(n, sn, nsfd);
        }
        if (r < 0)
                return asprintf(why, "cannot %s %s: %s", step, sn->ifname, strerror(-r)) < 0 ? -ENOMEM : r;
        char *e = NULL;
        r = update(s->m, &e);
        if (r < 0) {
                int k = asprintf(why, "cannot set up nftables table inet %s: %s", n->table,
                                 e ? e : strerror(-r));
                free(e);
                return k < 0 ? -ENOMEM : r;
        }
        char a[INET_ADDRSTRLEN];
        log_debug("%s: %s on %s", s->name, ntop(sn->addr, a), sn->ifname);
        return 0;
}

void net_service_release(struct service *s) {
        struct service_net *sn = s->net;
        struct net *n = s->m->net;
        if (!sn)
                return;
        s->net = NULL;
        if (sn->attached) {
                /* Deleting one end deletes the pair, even while the namespace lives on. */
                int r = nl_link_delete(n->nl, sn->ifname);
                if (r < 0 && r != -ENODEV)
                        log_warning_errno(r, "Cannot delete link %s of %s: %m", sn->ifname, s->name);
                (void) update(s->m, NULL);
        }
        if (n->used)
                n->used[sn->slot] = 0;
        relay_free_all(sn->relays);
        for (size_t i = 0; i < sn->n_port_fds; i++)
                safe_close(sn->port_fds[i]);
        free(sn->port_fds);
        free(sn);
}

const char *net_service_address(const struct service *s, char buf[static 16]) {
        return s->net && s->net->attached ? ntop(s->net->addr, buf) : NULL;
}

const char *net_service_address6(const struct service *s, char buf[static 46]) {
        return s->net && s->net->attached && s->net->has6 ? ntop6(s->net->addr6, buf) : NULL;
}

const char *net_hosts_path(const struct manager *m) {
        return m->net ? m->net->hosts_path : NULL;
}

/* One of Docker's entries, for FAMILY. */
static int describe_port(char ***l, const struct publish_spec *p, int family) {
        char host[16], inner[16], *s;
        if (p->host_port == p->host_port_end)
                snprintf(host, sizeof(host), "%u", p->host_port);
        else
                snprintf(host, sizeof(host), "%u-%u", p->host_port, p->host_port_end);
        if (p->port == p->port_end)
                snprintf(inner, sizeof(inner), "%u", p->port);
        else
                snprintf(inner, sizeof(inner), "%u-%u", p->port, p->port_end);
        const char *addr = p->host_address ? p->host_address : family == AF_INET ? "0.0.0.0" : "::";
        bool v6 = family == AF_INET6;
        if (asprintf(&s, "%s%s%s:%s->%s/%s", v6 ? "[" : "", addr, v6 ? "]" : "", host, inner,
                     proto_name(p->protocol)) < 0)
                return -ENOMEM;
        return strv_push(l, s);
}

/* Docker's notation: "0.0.0.0:8080->80/tcp", "[::]:8080->80/tcp" (a port without a host address
 * has both), "0.0.0.0:30000-30009->30000-30009/tcp". */
char **net_ports_describe(const struct unit *u) {
        char **l = NULL;
        for (size_t i = 0; u && i < u->n_publish; i++) {
                const struct publish_spec *p = &u->publish[i];
                int r = 0;
                if (p->host_family != AF_INET6)
                        r = describe_port(&l, p, AF_INET);
                if (r >= 0 && p->host_family != AF_INET)
                        r = describe_port(&l, p, AF_INET6);
                if (r < 0) {
                        strv_free(l);
                        return NULL;
                }
        }
        return l;
}
