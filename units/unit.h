/* SPDX-License-Identifier: MIT */
#pragma once

/* units/: the unit-file format. Text in, a validated `struct unit` out. Nothing here logs above
 * debug, exits, or knows about the event loop: errors are returned as diagnostics carrying
 * file, line and a sentence, and the caller prints them. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

#define UNIT_SUFFIX ".unit"
/* systemd's suffix for services: a packaged NAME.service loads as unit NAME. */
#define UNIT_SERVICE_SUFFIX ".service"
#define UNIT_DROPIN_SUFFIX ".conf"
#define UNIT_NAME_MAX 128

enum service_type {
        SERVICE_SIMPLE,
        SERVICE_NOTIFY,
        SERVICE_ONESHOT,
        SERVICE_FORKING,
        _SERVICE_TYPE_MAX,
};

enum restart_policy {
        RESTART_NO,
        RESTART_ON_FAILURE,
        RESTART_ALWAYS,
        _RESTART_MAX,
};

/* PrivateUsers=: whose uids the service runs with (README "User namespaces"). */
enum private_users {
        PRIVATE_USERS_DEFAULT, /* unset: a private range where the tree can be idmapped, else the host's */
        PRIVATE_USERS_YES, /* a private range; where the tree cannot be idmapped, SELF */
        PRIVATE_USERS_NO, /* the host's uids, no user namespace */
        PRIVATE_USERS_SELF, /* systemd's: root and the service's user to themselves, the rest nobody */
        PRIVATE_USERS_IDENTITY, /* systemd's: 0-65535 to themselves */
        PRIVATE_USERS_FULL, /* systemd's: 0-4294967294 to themselves */
        _PRIVATE_USERS_MAX,
};

enum overlay_mode {
        OVERLAY_NONE,
        OVERLAY_TMPFS,
        OVERLAY_PERSISTENT,
        _OVERLAY_MAX,
};

/* One ExecStart=/ExecStartPre=/... line after prefix handling. The words are stored unexpanded:
 * $VAR and ${VAR} are substituted at spawn time by unit_exec_expand(), % specifiers were
 * already resolved at load time. */
struct exec_command {
        char *path; /* the program (first word, or the word after '@') */
        char **argv; /* argv as the program sees it, argv[0] included */
        bool ignore_failure; /* '-' prefix */
        bool no_env_expand; /* ':' prefix */
        unsigned line; /* line of the definition, for messages */
        char *file; /* file of the definition (main file or drop-in) */
};

struct exec_list {
        struct exec_command *items;
        size_t n;
};

/* BindPaths=/BindReadOnlyPaths= entry: SRC[:DEST[:OPTIONS]], leading '-' = optional. */
struct bind_spec {
        char *source;
        char *dest; /* == source when no DEST was given */
        bool read_only;
        bool optional;
        bool recursive; /* "rbind" (default) or "norbind" option */
        bool idmap; /* "idmap": host owners shown as they are in the service's user namespace */
};

/* ListenStream= entry. For AF_INET/AF_INET6 `address` holds the numeric address ("" = any) and
 * `port` the port; for AF_UNIX `address` is the socket path and port is 0. An abstract socket
 * keeps its leading '@' in `address` (the caller turns it into the leading NUL). A bare port is
 * AF_INET6 "" (dual stack) when the host has IPv6, else AF_INET "". */
struct listen_spec {
        int family;
        char *address;
        uint16_t port;
        char *text; /* the value as written, for messages and LISTEN_FDNAMES */
};

/* PublishPort= entry: [HOSTADDR:]HOSTPORT[-END]:PORT[-END][/tcp|/udp]. Both ranges have the same
 * length; a single port is a range of one (end == start). */
struct publish_spec {
        char *host_address; /* numeric IPv4, NULL = every address of the host */
        uint16_t host_port, host_port_end;
        uint16_t port, port_end; /* inside the service */
        int protocol; /* IPPROTO_TCP or IPPROTO_UDP */
        char *text; /* the value as written */
};

/* EnvironmentFile= entry. */
struct env_file {
        char *path;
        bool optional;
        char *file; /* file of the EnvironmentFile= line, for messages */
        unsigned line; /* its line */
};

/* Where a dependency entry was written. FILE points into the unit's own strings (path or one of
 * dropins) and lives as long as the unit. */
struct unit_location {
        const char *file;
        unsigned line;
};

/* Limit*= entries, indexed by RLIMIT_*. */
#define UNIT_RLIMIT_MAX RLIM_NLIMITS

/* Size and count limits use UINT64_MAX for "infinity" and UNIT_UNSET when the key is absent. */
#define UNIT_UNSET ((uint64_t) UINT64_MAX - 1)

struct unit {
        char *name; /* "blog" or "web@1"; never a path, never with ".unit" or ".service" */
        char *template; /* "web@" for an instance, else NULL */
        char *instance; /* "1" for an instance, else NULL */
        char *path; /* main file */
        char **dropins; /* drop-in files applied, in order */
        uint64_t source_hash; /* over the contents of path and drop-ins, to detect change */

        /* [Unit] */
        char *description;
        char **documentation;
        char **after, **before, **requires, **wants; /* unit names */
        struct unit_location *after_loc, *before_loc; /* parallel to after[] and before[] */
        uint64_t start_limit_interval_usec; /* default 10 s */
        unsigned start_limit_burst; /* 0 = no start limit (our default) */

        /* [Service]: execution */
        enum service_type type;
        char *pid_file;
        struct exec_list exec_start_pre, exec_start, exec_reload, exec_stop;
        enum restart_policy restart; /* default on-failure */
        uint64_t restart_usec; /* RestartSec=, default 100 ms */
        unsigned restart_steps; /* default 9 */
        uint64_t restart_max_delay_usec; /* default 30 s */
        uint64_t timeout_start_usec; /* default 90 s; USEC_INFINITY for "infinity"/0 */
        uint64_t timeout_stop_usec; /* default 10 s */
        int kill_signal; /* default SIGTERM */
        char *user, *group;
        char **supplementary_groups;
        bool dynamic_user; /* DynamicUser=: a uid of svc's from 61184-65519 unless User= exists */
        char **environment; /* "KEY=VALUE" strings, later ones win */
        struct env_file *environment_files;
        size_t n_environment_files;
        char *working_directory; /* NULL = "/" inside; leading '-' stripped and stored below */
        bool working_directory_optional;

        /* [Service]: sockets */
        struct listen_spec *listen;
        size_t n_listen;
        bool accept;
        unsigned max_connections; /* default 64 */

        /* [Service]: sandbox */
        char *root_directory; /* a tree name (no '/') or an absolute path; NULL = host view */
        enum overlay_mode overlay;
        struct bind_spec *binds;
        size_t n_binds;
        char **state_directories, **runtime_directories, **logs_directories; /* relative */
        bool private_network; /* default true */
        enum private_users private_users;
        struct publish_spec *publish; /* PublishPort= */
        size_t n_publish;
        bool outbound; /* Outbound=: masqueraded traffic beyond the service's namespace */
        char *hostname; /* NULL = unit name */
        uint64_t capability_bounding_set; /* bit mask of CAP_*; UNIT_UNSET = default */
        uint64_t ambient_capabilities; /* 0 = none */
        bool no_new_privileges; /* default true */
        struct rlimit *rlimits[UNIT_RLIMIT_MAX]; /* NULL = not set */

        /* [Service]: resources */
        uint64_t memory_max, memory_high, tasks_max; /* bytes / count; UNIT_UNSET, UINT64_MAX=infinity */
        uint64_t cpu_weight, io_weight; /* 1..10000, UNIT_UNSET */
        uint64_t cpu_quota_per_sec_usec; /* CPUQuota=50% -> 500000; UNIT_UNSET */
        int oom_score_adjust; /* valid if oom_score_adjust_set */
        bool oom_score_adjust_set;
        int nice; /* valid if nice_set */
        bool nice_set;

        /* [Service]: logs */
        uint64_t log_rotate_size; /* default 1 MiB */
        unsigned log_rotate_count; /* default 10 */

        /* [Install] */
        char **wanted_by, **alias;
};

/* A diagnostic: an error refuses the unit, a warning does not. */
struct unit_diag_item {
        char *file; /* may be NULL when not about a file */
        unsigned line; /* 0 when not about a line */
        char *message; /* one sentence, no trailing period, no "file:line:" prefix */
        bool warning;
};

struct unit_diag {
        struct unit_diag_item *items;
        size_t n;
};

void unit_diag_clear(struct unit_diag *d);
bool unit_diag_has_errors(const struct unit_diag *d);
/* "FILE:LINE: warning: MESSAGE" / "FILE:LINE: MESSAGE", allocated; NULL on OOM. */
char *unit_diag_format(const struct unit_diag_item *i);

/* Load unit NAME from DIR: DIR/NAME.unit, or for "tpl@inst" DIR/tpl@.unit, then drop-ins from
 * DIR/tpl@.unit.d/ (for instances) and DIR/NAME.unit.d/, "*.conf" in lexical order.
 * Returns 0 and the unit when it is valid (warnings may still be in diag); -EINVAL when it is
 * refused (the reasons are in diag); -ENOENT when no file exists (also in diag); -ENOMEM. */
int unit_load_from_dir(const char *dir, const char *name, struct unit **ret, struct unit_diag *diag);

/* Load one file; the unit name is the file name without ".unit". Drop-ins next to it apply. */
int unit_load_file(const char *path, struct unit **ret, struct unit_diag *diag);

/* Parse TEXT as if it were the unit file FILENAME of unit NAME (no drop-ins). For tests. */
int unit_load_string(const char *text, const char *filename, const char *name, struct unit **ret,
                     struct unit_diag *diag);

struct unit *unit_free(struct unit *u);
static inline void unit_freep(struct unit **u) {
        unit_free(*u);
}

/* True when NAME is a plain unit name: [A-Za-z0-9_.:@-]+, no leading '.', at most one '@',
 * at most UNIT_NAME_MAX bytes, not ending in ".unit" or ".service". A leading '@' is refused too
 * (a template needs a prefix). */
bool unit_name_is_valid(const char *name);
/* The length of FILE's unit-file suffix (".unit" or ".service"), or 0 when it has none. */
size_t unit_suffix_len(const char *file);
/* Cuts a unit-file suffix off NAME in place: "nginx.service" and "nginx.unit" name unit "nginx",
 * as in systemctl. */
void unit_name_strip_suffix(char *name);
/* PATH lies under one of the unit's bind targets: a program there comes from the bind, not the tree. */
bool unit_path_under_bind(const struct unit *u, const char *path);

/* Checks the dependency graph formed by After=/Before=/Requires=/Wants= over UNITS and reports a
 * cycle as an error on each unit in it, naming the cycle ("ordering cycle: a -> b -> a"). Marks
 * the refused units by setting refused[i] = true. Dependencies on units not in the set are
 * allowed (they are reported by the manager when a start needs them). 0 or -ENOMEM. */
int unit_check_graph(struct unit *const *units, size_t n, bool *refused, struct unit_diag *diag);

/* Expands $VAR and ${VAR} in CMD against ENV ("KEY=VALUE" strings), as systemd does: "$VAR" as a
 * whole word splits on whitespace into several words, "${VAR}" substitutes in place. Unset
 * variables expand to nothing. Returns 0 and a new argv, or -ENOMEM. */
int unit_exec_expand(const struct exec_command *cmd, char *const *env, char ***ret_argv);

/* Builds the service environment: Environment= entries, then EnvironmentFile= files read from
 * ROOT_DIR (the files are host paths, rebased under root_dir unless root_dir is NULL), later
 * assignments overriding earlier ones. A missing non-optional file is -ENOENT with a message in
 * diag naming it. */
int unit_build_environment(const struct unit *u, const char *root_dir, char ***ret_env,
                           struct unit_diag *diag);

/* The key table, for documentation and for `svc check --keys`. */
enum unit_key_class {
        UNIT_KEY_IMPLEMENTED, /* applied by this build */
        UNIT_KEY_NOT_APPLIED, /* parsed and validated but not applied yet: warning */
        UNIT_KEY_IMPLIED, /* what svc's default sandbox already does: accepted silently */
        UNIT_KEY_UNSUPPORTED, /* known systemd key svc does not support: error or warning */
        UNIT_KEY_METADATA, /* accepted, informational */
        _UNIT_KEY_CLASS_MAX,
};

struct unit_key_info {
        const char *section;
        const char *key;
        enum unit_key_class class;
};

/* Iterates the table: returns entry I or NULL past the end. */
const struct unit_key_info *unit_key_table_get(size_t i);

/* Changes the class of a key at run time (e.g. a resource key that the running cgroup hierarchy
 * cannot honour becomes UNIT_KEY_UNSUPPORTED). Returns 0 or -ENOENT. */
int unit_key_set_class(const char *section, const char *key, enum unit_key_class class);

const char *unit_key_class_to_string(enum unit_key_class c);
/* Refuses KEY at run time with a reason (e.g. the running cgroup hierarchy cannot honour it): a
 * unit using it then gets "FILE:LINE: KEY= cannot be applied here: WHY". SECTION and KEY must be
 * string literals or otherwise outlive the table. 0, -ENOENT or -ENOSPC. */
int unit_key_refuse(const char *section, const char *key, const char *why);
/* The reason given to unit_key_refuse(), or NULL. */
const char *unit_key_refusal(const char *section, const char *key);

const char *service_type_to_string(enum service_type t);
const char *restart_policy_to_string(enum restart_policy r);
