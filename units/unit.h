/* SPDX-License-Identifier: MIT */
#pragma once

/* units/: the unit-file format. Text in, a validated `struct unit` out. Nothing here logs above
 * debug, exits, or knows about the event loop: errors are returned as diagnostics carrying
 * file, line and a sentence, and the caller prints them. */

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#define UNIT_SUFFIX ".unit"
/* systemd's suffix for services: a packaged NAME.service loads as unit NAME. */
#define UNIT_SERVICE_SUFFIX ".service"
/* A timer keeps its suffix in its name ("certbot.timer"): it sits beside the service it starts. */
#define UNIT_TIMER_SUFFIX ".timer"
/* So does a socket ("ssh.socket"): it listens for the service it pairs with. */
#define UNIT_SOCKET_SUFFIX ".socket"
#define UNIT_DROPIN_SUFFIX ".conf"
#define UNIT_NAME_MAX 128

enum service_type {
        SERVICE_SIMPLE,
        SERVICE_NOTIFY,
        SERVICE_NOTIFY_RELOAD, /* notify, and a reload is ReloadSignal= then RELOADING=1, READY=1 */
        SERVICE_ONESHOT,
        SERVICE_FORKING,
        _SERVICE_TYPE_MAX,
};

/* systemd's Restart= values (systemd.service(5), the table under Restart=). */
enum restart_policy {
        RESTART_NO,
        RESTART_ON_SUCCESS,
        RESTART_ON_FAILURE,
        RESTART_ON_ABNORMAL,
        RESTART_ON_WATCHDOG,
        RESTART_ON_ABORT,
        RESTART_ALWAYS,
        _RESTART_MAX,
};

/* KillMode= (systemd.kill(5)). */
enum kill_mode {
        KILL_CONTROL_GROUP, /* KillSignal= to every process of the service, SIGKILL to what is left */
        KILL_MIXED, /* KillSignal= to the main process, SIGKILL to every process left */
        KILL_PROCESS, /* the main process alone; the others keep running in the sandbox */
        KILL_NONE, /* no signal at all; ExecStop= only */
        _KILL_MODE_MAX,
};

/* StandardInput=: what a command's stdin is. svc's only forms are the two where nothing is read
 * that the unit did not ask for. */
enum std_input {
        STD_INPUT_NULL, /* /dev/null (systemd's default) */
        STD_INPUT_SOCKET, /* the connection of Accept=yes, also stdout (svc's inetd style) */
        _STD_INPUT_MAX,
};

/* SuccessExitStatus=, RestartPreventExitStatus=, RestartForceExitStatus=: exit statuses 0..255
 * and signals 1..64 as bit sets. */
struct exit_status_set {
        uint64_t status[4];
        uint64_t signals; /* bit SIG-1 */
};

/* True when a process end (CODE: CLD_EXITED, CLD_KILLED or CLD_DUMPED; STATUS: the exit status or
 * the signal) is in SET. */
static inline bool exit_status_set_test(const struct exit_status_set *set, int code, int status) {
        if (!set)
                return false;
        if (code == CLD_EXITED)
                return status >= 0 && status < 256 && (set->status[status / 64] >> (status % 64)) & 1;
        return status >= 1 && status <= 64 && (set->signals >> (status - 1)) & 1;
}

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
        bool privileged; /* '!' or '+' prefix: root of the sandbox, whatever User= says */
        bool default_caps; /* '+' prefix: svc's capabilities for root, whatever CapabilityBoundingSet= says */
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
        bool volume; /* source is a volume name (no '/'): ROOT/var/lib/svc/volumes/NAME */
};

/* The path keys: ReadWritePaths= (and ReadWriteDirectories=), ReadOnlyPaths=, InaccessiblePaths=,
 * ExecPaths=, NoExecPaths=, TemporaryFileSystem=. */
enum path_key {
        PATH_READ_WRITE,
        PATH_READ_ONLY,
        PATH_INACCESSIBLE,
        PATH_EXEC,
        PATH_NO_EXEC,
        PATH_TMPFS,
        _PATH_KEY_MAX,
};

struct path_spec {
        enum path_key key;
        char *path; /* absolute, normalized, as the service sees it */
        bool optional; /* '-': a missing path is skipped */
        bool read_only, no_exec; /* TemporaryFileSystem= options ro, noexec */
        char *options; /* TemporaryFileSystem=: the tmpfs data, "mode=0755" at least */
        const char *file; /* where it was written, for messages; points into the unit */
        unsigned line;
};

/* What ReadWritePaths= does at a path (unit_read_write_kind()). */
enum read_write_kind {
        READ_WRITE_WRITABLE, /* already writable in svc's sandbox: kept so */
        READ_WRITE_LAYER, /* on the read-only tree: a writable layer of the service's own, kept */
        READ_WRITE_REFUSED, /* /, /sys, /dev: svc keeps them read-only */
};

enum protect_home {
        PROTECT_HOME_UNSET, /* svc's default: the host's /home is never shown, the tree's is */
        PROTECT_HOME_NO,
        PROTECT_HOME_YES,
        PROTECT_HOME_READ_ONLY,
        PROTECT_HOME_TMPFS,
        _PROTECT_HOME_MAX,
};

/* ListenStream= entry. For AF_INET/AF_INET6 `address` holds the numeric address ("" = any) and
 * `port` the port; for AF_UNIX `address` is the socket path and port is 0. An abstract socket
 * keeps its leading '@' in `address` (the caller turns it into the leading NUL). A bare port is
 * AF_INET6 "" (dual stack) when the host has IPv6, else AF_INET "". */
struct listen_spec {
        int family;
        int type; /* SOCK_STREAM (ListenStream=), SOCK_DGRAM, SOCK_SEQPACKET */
        char *address;
        uint16_t port;
        char *text; /* the value as written, for messages and LISTEN_FDNAMES */
};

/* PublishPort= entry: [HOSTADDR:]HOSTPORT[-END]:PORT[-END][/tcp|/udp], an IPv6 HOSTADDR in
 * brackets. Both ranges have the same
 * length; a single port is a range of one (end == start). */
struct publish_spec {
        char *host_address; /* numeric IPv4 or IPv6 (canonical, no brackets), NULL = every address */
        int host_family; /* AF_INET, AF_INET6, or AF_UNSPEC for both (no host address given) */
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

/* Condition*= and Assert*= kinds (systemd.unit(5)). */
enum condition_type {
        CONDITION_PATH_EXISTS,
        CONDITION_PATH_EXISTS_GLOB,
        CONDITION_PATH_IS_DIRECTORY,
        CONDITION_PATH_IS_SYMBOLIC_LINK,
        CONDITION_PATH_IS_MOUNT_POINT,
        CONDITION_PATH_IS_READ_WRITE,
        CONDITION_DIRECTORY_NOT_EMPTY,
        CONDITION_FILE_NOT_EMPTY,
        CONDITION_FILE_IS_EXECUTABLE,
        CONDITION_VIRTUALIZATION,
        CONDITION_CAPABILITY,
        CONDITION_KERNEL_COMMAND_LINE,
        CONDITION_ARCHITECTURE,
        CONDITION_HOST,
        CONDITION_ENVIRONMENT,
        CONDITION_USER,
        CONDITION_GROUP,
        CONDITION_MEMORY,
        CONDITION_CPUS,
        CONDITION_AC_POWER,
        CONDITION_SECURITY,
        CONDITION_FIRST_BOOT,
        CONDITION_KERNEL_VERSION,
        CONDITION_CREDENTIAL,
        CONDITION_OS_RELEASE,
        _CONDITION_TYPE_MAX,
};

/* One Condition*= or Assert*= line: "|" makes it triggering (one of the triggering ones must
 * hold), "!" negates it. The parameter is validated and specifiers are resolved at load time; the
 * test happens at start (unit_condition_test()). */
struct unit_condition {
        enum condition_type type;
        bool trigger, negate;
        char *parameter;
};

struct condition_list {
        struct unit_condition *items;
        size_t n;
};

/* SystemCallFilter='s set, after systemd's merging of its lines (unit_syscalls_expand()): system
 * call names (and "@known", expanded where the filter is compiled), each with its action. */
#define UNIT_SYSCALL_DEFAULT (-1) /* SystemCallErrorNumber= decides: an errno, or a kill */
#define UNIT_SYSCALL_KILL (-2) /* ":kill": SIGSYS whatever SystemCallErrorNumber= says */
struct unit_syscall {
        char *name;
        int err; /* 0..4095, UNIT_SYSCALL_DEFAULT or UNIT_SYSCALL_KILL */
};

/* One word of a SystemCallFilter= line: a call or a group added to the set or taken from it. */
struct unit_syscall_op {
        char *name;
        int err;
        bool add;
};

/* DeviceAllow= entry: a device node ("/dev/net/tun") or a class ("char-rtc", "block-loop"). */
struct unit_device {
        char *name;
        bool read, write, mknod;
};

enum device_policy {
        DEVICE_POLICY_AUTO,
        DEVICE_POLICY_CLOSED,
        DEVICE_POLICY_STRICT,
        _DEVICE_POLICY_MAX,
};

/* The hardening keys (config-hardening.c): a seccomp filter of the service's own, loaded on top
 * of svc's default one, device nodes and address filters. Lists follow systemd's rules: the
 * first assignment says allow or deny ("~"), later ones add to or take from it. */
struct unit_hardening {
        bool syscalls_set, syscalls_allow;
        struct unit_syscall_op *syscall_ops; /* the words of the lines, in order */
        size_t n_syscall_ops;
        int syscall_errno; /* SystemCallErrorNumber=; 0: kill the process (SIGSYS) */
        char **syscall_archs; /* SystemCallArchitectures=, systemd's names; "native" */
        bool families_set, families_allow;
        int *families; /* RestrictAddressFamilies=, AF_* numbers */
        size_t n_families;
        bool memory_deny_write_execute, restrict_realtime, restrict_suid_sgid, lock_personality;
        bool protect_clock, protect_kernel_logs; /* take capabilities out of the bounding set */
        enum device_policy device_policy;
        struct unit_device *devices;
        size_t n_devices;
        char **ip_allow, **ip_deny; /* prefixes "ADDR/LEN"; "any" etc. already expanded */
};

/* PATH is one of the nodes every service's /dev has (/dev/null, /dev/zero, ..., /dev/pts/N). */
bool unit_device_is_safe(const char *path);

/* The set SystemCallFilter= makes (groups expanded, @default in an allow list, later lines
 * applied), each call with its action; "@known" stays a name. 0 or -ENOMEM. */
int unit_syscalls_expand(const struct unit_hardening *h, struct unit_syscall **ret, size_t *ret_n);
void unit_syscalls_free(struct unit_syscall *v, size_t n);

/* True when the unit asks for a seccomp filter of its own. */
bool unit_hardening_wants_filter(const struct unit_hardening *h);
/* HealthCmd= and HealthStartupCmd=: what one probe does (podman-run(1) --health-cmd, plus a TCP
 * connect and an HTTP GET that Quadlet lacks). */
enum health_kind {
        HEALTH_NONE, /* no probe (unset, or "none") */
        HEALTH_EXEC, /* a command in the service's sandbox: exit 0 is healthy */
        HEALTH_TCP, /* a TCP connect from inside the service's network namespace */
        HEALTH_HTTP, /* an HTTP GET from inside it; the status must be in the expected set */
        _HEALTH_KIND_MAX,
};

#define HEALTH_STATUS_RANGES_MAX 8

struct health_probe {
        enum health_kind kind;
        char **argv; /* EXEC: argv[0] is the program, absolute or a name found in the tree's PATH */
        bool shell; /* EXEC: a plain string, run as podman does: /bin/sh -c STRING */
        int family; /* TCP, HTTP: AF_INET or AF_INET6 */
        uint8_t address[16]; /* network byte order; 127.0.0.1 for "localhost" or no host */
        uint16_t port;
        char *host; /* HTTP: the Host: header, as written */
        char *path; /* HTTP: "/health?x=1", "/" when the URL has none */
        /* HTTP: the statuses that count as healthy, inclusive ranges; none written = 200-399 */
        struct {
                uint16_t lo, hi;
        } status[HEALTH_STATUS_RANGES_MAX];
        unsigned n_status;
        char *text; /* the value as written, for status and messages */
        char *file; /* where it was written */
        unsigned line;
};

/* HealthOnFailure= (podman-run(1) --health-on-failure). */
enum health_action {
        HEALTH_ACTION_NONE,
        HEALTH_ACTION_KILL,
        HEALTH_ACTION_RESTART,
        HEALTH_ACTION_STOP,
        _HEALTH_ACTION_MAX,
};

/* True when STATUS (an HTTP status code) counts as healthy for P. */
bool health_status_expected(const struct health_probe *p, unsigned status);
const char *health_action_to_string(enum health_action a);
/* ---- calendar.c: calendar events (systemd.time(7)) ------------------------------------------ */

enum calendar_field {
        CALENDAR_YEAR,
        CALENDAR_MONTH,
        CALENDAR_DAY,
        CALENDAR_HOUR,
        CALENDAR_MINUTE,
        CALENDAR_USEC, /* the second, in microseconds */
        _CALENDAR_FIELD_MAX,
};

/* START, or START..STOP (STOP -1: none), every REPEAT from START (0: once). For the day with
 * end_of_month, days counted back from the end of the month. */
struct calendar_component {
        int start, stop, repeat;
};

struct calendar_chain {
        struct calendar_component *items; /* sorted, no duplicates */
        size_t n; /* 0: any value ("*") */
};

struct calendar_spec {
        int weekdays; /* bit 0 Monday .. bit 6 Sunday; -1 any day */
        bool end_of_month; /* '~' */
        bool utc;
        int dst; /* -1, or 0/1 when the local zone's standard or summer abbreviation was written */
        char *timezone; /* a zone of /usr/share/zoneinfo, NULL for UTC or the local zone */
        struct calendar_chain chains[_CALENDAR_FIELD_MAX];
};

/* Parses TEXT as systemd does: 0, -EINVAL when systemd would refuse it, -ENOMEM. */
int calendar_spec_parse(const char *text, struct calendar_spec **ret);
struct calendar_spec *calendar_spec_free(struct calendar_spec *c);
static inline void calendar_spec_freep(struct calendar_spec **c) {
        calendar_spec_free(*c);
}
/* systemd's normalized form ("*-*-* 00,12:00:00"), allocated. 0 or -ENOMEM. */
int calendar_spec_format(const struct calendar_spec *c, char **ret);
/* The first time strictly after AFTER (µs since the epoch) that C elapses, in C's zone (the local
 * one, $TZ, when C names none). 0, -ENOENT when it never elapses again, -EINVAL. */
int calendar_spec_next(const struct calendar_spec *c, uint64_t after, uint64_t *ret);
/* NAME is a zone of /usr/share/zoneinfo (a TZif file), or "UTC". */
bool calendar_timezone_is_valid(const char *name);

/* ---- timers ------------------------------------------------------------------------------- */

enum unit_kind {
        UNIT_KIND_SERVICE,
        UNIT_KIND_TIMER,
        UNIT_KIND_SOCKET, /* "NAME.socket", [Socket], no [Service] */
        _UNIT_KIND_MAX,
};

/* What a monotonic timer counts from (systemd.timer(5)). */
enum timer_base {
        TIMER_ACTIVE, /* OnActiveSec=: the timer's own start */
        TIMER_BOOT, /* OnBootSec=: the boot */
        TIMER_STARTUP, /* OnStartupSec=: svcd's start */
        TIMER_UNIT_ACTIVE, /* OnUnitActiveSec=: the last start of the unit it activates */
        TIMER_UNIT_INACTIVE, /* OnUnitInactiveSec=: the last stop of that unit */
        _TIMER_BASE_MAX,
};

struct timer_monotonic {
        enum timer_base base;
        uint64_t usec;
};

struct timer_spec {
        struct timer_monotonic *monotonic;
        size_t n_monotonic;
        struct calendar_spec **calendar; /* OnCalendar= */
        size_t n_calendar;
        char *unit; /* Unit=: the service it starts; after loading, never NULL */
        bool persistent;
        uint64_t randomized_delay_usec;
        bool fixed_random_delay;
        uint64_t accuracy_usec; /* default 1 min */
        bool remain_after_elapse; /* default true */
        bool on_clock_change, on_timezone_change;
};

const char *timer_base_to_string(enum timer_base b);
/* True when NAME ends in ".timer" and has more before it. */
bool unit_name_is_timer(const char *name);

/* ---- sockets (config-socket.c) -------------------------------------------------------------- */

/* BindIPv6Only= */
enum bind_ipv6_only {
        BIND_IPV6_DEFAULT, /* the kernel's net.ipv6.bindv6only (0: both families) */
        BIND_IPV6_BOTH,
        BIND_IPV6_ONLY,
        _BIND_IPV6_MAX,
};

/* [Socket] (systemd.socket(5)), beside the unit's listen[], accept and max_connections, which a
 * socket unit fills from its own ListenStream=, Accept= and MaxConnections=. */
struct socket_spec {
        /* Service=: the service it starts; after loading never NULL. Accept=yes: the template
         * ("proftpd@"), whose instance per connection is "proftpd@N". */
        char *service;
        char *user, *group; /* SocketUser=, SocketGroup=: owners of a socket file; NULL root */
        unsigned mode; /* SocketMode=, default 0666 */
        unsigned directory_mode; /* DirectoryMode=, default 0755 */
        bool remove_on_stop;
        enum bind_ipv6_only bind_ipv6_only;
        unsigned backlog; /* default SOMAXCONN */
        bool keep_alive, no_delay, reuse_port, free_bind, transparent, broadcast;
        bool pass_credentials, pass_security;
        uint64_t receive_buffer, send_buffer; /* UNIT_UNSET: the kernel's */
        char *fdname; /* FileDescriptorName=, for $LISTEN_FDNAMES; default the unit's name */
};

/* True when NAME ends in ".socket" and has more before it. */
bool unit_name_is_socket(const char *name);
/* The length of the suffix a timer's or a socket's name keeps (".timer", ".socket"), else 0. */
size_t unit_name_kind_suffix_len(const char *name);

/* Limit*= entries, indexed by RLIMIT_*. */
#define UNIT_RLIMIT_MAX RLIM_NLIMITS

/* Size and count limits use UINT64_MAX for "infinity" and UNIT_UNSET when the key is absent. */
#define UNIT_UNSET ((uint64_t) UINT64_MAX - 1)

struct unit {
        char *name; /* "blog" or "web@1"; never a path, never with ".unit" or ".service" */
        char *template; /* "web@" for an instance, else NULL */
        char *instance; /* "1" for an instance, else NULL */
        enum unit_kind kind; /* a service, a timer ("NAME.timer", [Timer]), a socket ("NAME.socket") */
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
        /* The other dependency kinds of systemd.unit(5), unit names as in requires. */
        char **conflicts, **part_of, **binds_to, **requisite, **upholds;
        char **propagates_reload_to, **reload_propagated_from, **propagates_stop_to, **stop_propagated_from;
        char **on_failure, **on_success;
        bool stop_when_unneeded;
        struct condition_list conditions, asserts;

        /* [Service]: execution */
        enum service_type type;
        char *pid_file;
        struct exec_list exec_start_pre, exec_start, exec_reload, exec_stop;
        struct exec_list exec_condition, exec_start_post, exec_stop_post;
        bool remain_after_exit;
        struct exit_status_set success_status, restart_prevent_status, restart_force_status;
        enum restart_policy restart; /* default on-failure */
        uint64_t restart_usec; /* RestartSec=, default 100 ms */
        unsigned restart_steps; /* default 9 */
        uint64_t restart_max_delay_usec; /* default 30 s */
        uint64_t timeout_start_usec; /* default 90 s; USEC_INFINITY for "infinity"/0 */
        uint64_t timeout_stop_usec; /* default 10 s */
        int kill_signal; /* default SIGTERM */
        int reload_signal; /* ReloadSignal=, for Type=notify-reload; default SIGHUP */
        enum kill_mode kill_mode; /* default control-group */
        bool send_sigkill; /* default true */
        bool send_sighup;
        unsigned umask; /* default 0022 */
        char *user, *group;
        char **supplementary_groups;
        bool dynamic_user; /* DynamicUser=: a uid of svc's from 61184-65519 unless User= exists */
        char **environment; /* "KEY=VALUE" strings, later ones win */
        struct env_file *environment_files;
        size_t n_environment_files;
        char *working_directory; /* NULL = "/" inside; leading '-' stripped and stored below */
        bool working_directory_optional;
        enum std_input std_input; /* StandardInput=; STD_INPUT_NULL unless written */
        bool std_input_set;

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
        char **cache_directories, **configuration_directories; /* relative */
        /* StateDirectoryMode= ...: default 0755 */
        unsigned state_directory_mode, runtime_directory_mode, logs_directory_mode, cache_directory_mode;
        struct path_spec *paths; /* in the order written */
        size_t n_paths;
        enum protect_home protect_home;
        /* VarOverlay=: the service's own writable /var over the tree's; after loading, never
         * -1 (the default: persistent, or tmpfs with Accept=yes) */
        int var_overlay;
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

        /* [Service]: hardening */
        struct unit_hardening hardening;
        /* [Service]: health probes (Quadlet's keys and defaults) */
        struct health_probe health, health_startup;
        uint64_t health_interval_usec; /* default 30 s; 0 = the probe runs only at start */
        uint64_t health_timeout_usec; /* default 30 s */
        unsigned health_retries; /* default 3 */
        uint64_t health_start_period_usec; /* default 0 */
        uint64_t health_startup_interval_usec, health_startup_timeout_usec; /* default 30 s */
        unsigned health_startup_retries; /* default 0: no limit */
        unsigned health_startup_success; /* default 0: the first success ends the startup probe */
        enum health_action health_on_failure; /* default none, as podman */
        char **on_health_change; /* [Unit] OnHealthChange=: units told of unhealthy and recovered */

        /* [Service]: logs */
        uint64_t log_rotate_size; /* default 1 MiB */
        unsigned log_rotate_count; /* default 10 */

        /* [Timer] */
        struct timer_spec timer;
        /* [Socket] */
        struct socket_spec socket;

        /* [Install] */
        char **wanted_by, **alias;

        /* The keys the unit's files set, each once, in the order first written, with their class:
         * what svc check reports as honoured or as met by the sandbox. Point into the key table. */
        const struct unit_key_info **keys_used;
        size_t n_keys_used;
};

struct unit_key_info;

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

/* What the host svcd runs on cannot give a service. A key that needs one of these is refused
 * where a unit uses it, with the host's reason. */
enum unit_host_feature {
        UNIT_HOST_MEMORY_MAX, /* MemoryMax= */
        UNIT_HOST_MEMORY_HIGH, /* MemoryHigh= */
        UNIT_HOST_TASKS_MAX, /* TasksMax= */
        UNIT_HOST_CPU, /* CPUWeight=, CPUQuota= */
        UNIT_HOST_IO_WEIGHT, /* IOWeight= */
        _UNIT_HOST_FEATURE_MAX,
        _UNIT_HOST_FEATURE_INVALID = -EINVAL,
};

/* The host's capabilities, passed to the loaders. lacks[F] is NULL when the host can honour F, else
 * a clause naming what it lacks ("no pids controller is available to svcd"). A NULL struct
 * unit_host means everything is available (svc check, tests). */
struct unit_host {
        const char *lacks[_UNIT_HOST_FEATURE_MAX];
};

/* Load unit NAME from DIR: DIR/NAME.unit, or for "tpl@inst" DIR/tpl@.unit, then drop-ins from
 * DIR/tpl@.unit.d/ (for instances) and DIR/NAME.unit.d/, "*.conf" in lexical order. HOST says what
 * the running host lacks (NULL: nothing).
 * Returns 0 and the unit when it is valid (warnings may still be in diag); -EINVAL when it is
 * refused (the reasons are in diag); -ENOENT when no file exists (also in diag); -ENOMEM. */
int unit_load_from_dir(const char *dir, const char *name, const struct unit_host *host, struct unit **ret,
                       struct unit_diag *diag);

/* Load one file; the unit name is the file name without ".unit". Drop-ins next to it apply. */
int unit_load_file(const char *path, const struct unit_host *host, struct unit **ret, struct unit_diag *diag);

/* Parse TEXT as if it were the unit file FILENAME of unit NAME (no drop-ins). For tests. */
int unit_load_string(const char *text, const char *filename, const char *name, const struct unit_host *host,
                     struct unit **ret, struct unit_diag *diag);

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
/* PATH lies under one of the unit's bind targets: a program there comes from the bind, not the tree.
 * For a program name without '/', one of the directories it is searched in does. */
bool unit_path_under_bind(const struct unit *u, const char *path);
/* What ReadWritePaths=PATH does in U's sandbox; *ret_why says why when it is refused. */
enum read_write_kind unit_read_write_kind(const struct unit *u, const char *path, const char **ret_why);

/* Checks the dependency graph formed by After=/Before=/Requires=/Wants= over UNITS and reports a
 * cycle as an error on each unit in it, naming the cycle ("ordering cycle: a -> b -> a"). Marks
 * the refused units by setting refused[i] = true. Dependencies on units not in the set are
 * allowed (they are reported by the manager when a start needs them). 0 or -ENOMEM. */
int unit_check_graph(struct unit *const *units, size_t n, bool *refused, struct unit_diag *diag);

/* Expands $VAR and ${VAR} in CMD against ENV ("KEY=VALUE" strings), as systemd does: "$VAR" as a
 * whole word splits on whitespace into several words, "${VAR}" substitutes in place. Unset
 * variables expand to nothing. Returns 0 and a new argv, or -ENOMEM. */
int unit_exec_expand(const struct exec_command *cmd, char *const *env, char ***ret_argv);

/* Builds the service environment: RUNTIME_DIRECTORY=, STATE_DIRECTORY=, CACHE_DIRECTORY=,
 * LOGS_DIRECTORY= and CONFIGURATION_DIRECTORY= for the keys the unit has (the paths inside,
 * ':'-joined), then Environment= entries, then EnvironmentFile= files read from
 * ROOT_DIR (the files are host paths, rebased under root_dir unless root_dir is NULL), later
 * assignments overriding earlier ones. A missing non-optional file is -ENOENT with a message in
 * diag naming it. */
int unit_build_environment(const struct unit *u, const char *root_dir, char ***ret_env,
                           struct unit_diag *diag);

/* What a condition is tested against: the service's own tree (path kinds, resolved inside it with
 * RESOLVE_IN_ROOT, so a symlink cannot lead out of it) and the facts of the host svcd runs on.
 * svcd gathers them once per start; tests fill them in by hand. */
struct condition_facts {
        int tree_fd; /* O_PATH directory: RootDirectory='s tree, or the host's / */
        /* systemd-detect-virt's ids: the container's if there is one, else the VM's ("none", "kvm",
         * "docker", ...); and whether there is a VM, a container. */
        const char *virtualization;
        bool in_vm, in_container;
        uint64_t capability_bounding_set; /* svcd's, bit per CAP_* */
        const char *kernel_command_line;
        const char *architecture; /* systemd's name: "x86-64", "arm64", ... */
        const char *hostname, *machine_id;
        char *const *environment; /* svcd's, "KEY=VALUE" */
        uid_t uid;
        const char *user_name; /* of uid, NULL if it has none */
        const gid_t *gids; /* real, effective and supplementary groups */
        size_t n_gids;
        char *const *group_names; /* the names of gids that have one */
        uint64_t memory; /* bytes of physical memory */
        unsigned cpus; /* CPUs svcd may run on */
        bool ac_power;
        char *const *security; /* the security technologies present: "apparmor", "selinux", "audit" */
        bool first_boot;
        const char *kernel_release; /* uname -r */
        char *const *credentials; /* names of the credentials passed to the service (none yet) */
};

/* Tests one condition, negation included: 1 when it holds, 0 when not, -errno when it could not
 * be tested (then it counts as not holding, as in systemd). */
int unit_condition_test(const struct unit_condition *c, const struct condition_facts *f);
/* systemd's rules over a list: every non-triggering condition holds, and one of the triggering
 * ones if there are any. True when the list holds; else *ret_failed is the condition that
 * decided (for triggering ones, the last one tested). */
bool unit_conditions_test(const struct condition_list *l, const struct condition_facts *f,
                          const struct unit_condition **ret_failed);
/* "ConditionPathExists=!/etc/x" (or "Assert..." when ASSERT), allocated; NULL on OOM. */
char *unit_condition_format(const struct unit_condition *c, bool assert);
const char *condition_type_to_string(enum condition_type t);
/* systemd's name of the architecture uname(2) calls MACHINE ("x86_64" -> "x86-64"). */
const char *condition_architecture_from_uname(const char *machine);

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

const char *unit_key_class_to_string(enum unit_key_class c);
const char *service_type_to_string(enum service_type t);
const char *restart_policy_to_string(enum restart_policy r);
const char *kill_mode_to_string(enum kill_mode k);
