/* SPDX-License-Identifier: MIT */
#pragma once

/* Private declarations shared by the files of units/. */

#include <stdarg.h>

#include "common/macro.h"
#include "units/unit.h"

/* ---- diag.c ---------------------------------------------------------------------------------- */

/* Appends an item to D. 0 or -ENOMEM. */
int diag_add(struct unit_diag *d, bool warning, const char *file, unsigned line, const char *fmt, ...)
        _printf_(5, 6);
int diag_addv(struct unit_diag *d, bool warning, const char *file, unsigned line, const char *fmt, va_list ap)
        _printf_(5, 0);
/* True when an error was added at index FROM or later. */
bool diag_has_errors_since(const struct unit_diag *d, size_t from);

/* ---- parse.c: the state of one unit being loaded ------------------------------------------- */

struct parse_ctx {
        struct unit *u;
        struct unit_diag *diag;
        const struct unit_host *host; /* what the host lacks; NULL: nothing */
        const char *file; /* current file; points into u->path or u->dropins */
        unsigned line; /* physical line where the current logical line starts */
        char *section; /* current section, NULL before the first header */
        bool section_ok; /* false: the keys of this section are skipped (already reported) */
        bool oom;

        /* The logical-line reader over the file's text. */
        const char *p, *end;
        unsigned next_line;
        char *buf;
        size_t buf_len, buf_off, buf_cap;

        /* Where things were written, for the checks after all files are read. */
        struct unit_location service_loc, type_loc, restart_loc, network_loc, std_input_loc;
        struct unit_location var_loc; /* VarOverlay= */

        /* Another file in unit syntax (svcd.conf): its sections and its handler, instead of the
         * unit's key table; u is NULL then. */
        const char *const *sections;
        int (*assign)(struct parse_ctx *ctx, const char *key, const char *value);
        void *userdata;

        char shorten[96];
};

/* Parses TEXT (the whole file FILE) into ctx->u, adding diagnostics. 0 or -ENOMEM. */
int parse_text(struct parse_ctx *ctx, const char *file, const char *text, size_t len);

/* Reports an error at the current file:line and returns -EINVAL (or -ENOMEM). */
int ctx_error(struct parse_ctx *ctx, const char *fmt, ...) _printf_(2, 3);
/* Reports a warning at the current file:line and returns 0 (or -ENOMEM). */
int ctx_warning(struct parse_ctx *ctx, const char *fmt, ...) _printf_(2, 3);
/* VALUE cut to a length fit for a message ("..." appended when cut); valid until the next call. */
const char *ctx_short(struct parse_ctx *ctx, const char *value);
/* Resolves % specifiers in VALUE; an unknown one is an error reported for KEY. */
int ctx_specifiers(struct parse_ctx *ctx, const char *key, const char *value, char **ret);

/* ---- keys.c: the key table ------------------------------------------------------------------ */

/* A parser gets the key, the value (whitespace-trimmed, specifiers not yet resolved), a pointer to
 * the field at the row's offset in ctx->u and the row's ltype. It returns 0 when the value was
 * applied, -EINVAL when it reported an error, or -ENOMEM. An empty value resets the field. */
typedef int (*unit_parser_t)(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                             int ltype);

struct unit_key {
        struct unit_key_info info; /* first, so the public iterator can hand it out */
        unit_parser_t parse; /* NULL: nothing to store (metadata, unsupported) */
        size_t offset; /* into struct unit */
        int ltype; /* parser-specific; for UNSUPPORTED rows an unsupported_severity */
        const char *why; /* UNSUPPORTED rows: why svc refuses or ignores the key */
        enum unit_host_feature needs; /* what the host must have, _UNIT_HOST_FEATURE_INVALID: nothing */
};

enum unsupported_severity {
        UNSUPPORTED_ERROR,
        UNSUPPORTED_WARNING,
};

/* The row for KEY in SECTION, or NULL. "Condition*"-style rows match by prefix. */
const struct unit_key *unit_key_lookup(const char *section, const char *key);
/* The first row for KEY in any section, or NULL. */
const struct unit_key *unit_key_lookup_any(const char *key);
/* What HOST lacks for key K, as a clause, or NULL when it has what K needs (or HOST is NULL). */
const char *unit_key_host_lacks(const struct unit_key *k, const struct unit_host *host);
/* The known key nearest to KEY by edit distance, or NULL when none is near. */
const char *unit_key_suggest(const char *key);
bool unit_section_is_known(const char *section);
/* A sentence for a section systemd knows but svc does not have, or NULL. */
const char *unit_section_hint(const char *section);

/* ---- values.c: pure value parsing ---------------------------------------------------------- */

int parse_boolean(const char *v); /* 1, 0 or -EINVAL */
int parse_timespan(const char *v, uint64_t *ret_usec);
int parse_size(const char *v, uint64_t *ret_bytes);
int parse_u64(const char *v, uint64_t *ret);
int parse_unsigned(const char *v, unsigned *ret);
int parse_int_range(const char *v, int min, int max, int *ret);
/* "N%" or "N.NN%" as parts per 10000; MAX bounds the percentage (0 = unbounded). */
int parse_permyriad(const char *v, unsigned max_percent, uint64_t *ret);
int parse_signal(const char *v, int *ret);
bool env_name_is_valid(const char *s, size_t n);
bool path_is_absolute_clean(const char *p); /* absolute, no ".." component */
bool relative_path_is_clean(const char *p); /* relative, no "." or ".." component, not empty */
bool path_is_below(const char *path, const char *dir); /* PATH is DIR or below it; "/" holds all */
bool user_name_is_valid(const char *s);
bool hostname_is_valid(const char *s);
uint64_t physical_memory(void);
uint64_t system_tasks_max(void);

/* ---- words.c: systemd's word splitting ----------------------------------------------------- */

enum {
        WORD_UNQUOTE = 1 << 0, /* '...' and "..." group and are removed */
        WORD_CUNESCAPE = 1 << 1, /* \n, \t, \xNN, ... are decoded */
        WORD_KEEP_SEPARATORS = 1 << 2, /* do not coalesce separators: "a::b" has an empty field */
        /* With WORD_CUNESCAPE: an unknown escape ("\0" alone, "\q") is kept as written and
         * w->relaxed set, as systemd does for command lines (EXTRACT_CUNESCAPE_RELAX). */
        WORD_CUNESCAPE_RELAX = 1 << 3,
};

struct word_reader {
        const char *p;
        const char *separators; /* NULL = whitespace */
        unsigned flags;
        char sep; /* separator that ended the last word, '\0' at the end */
        const char *error; /* after -EINVAL: what was wrong */
        bool relaxed; /* an unknown escape was kept as written (WORD_CUNESCAPE_RELAX) */
};

/* Extracts the next word: 1 and the word, 0 at the end, -EINVAL (w->error says why), -ENOMEM. */
int word_next(struct word_reader *w, char **ret);
/* Splits V into a vector of words with the given flags. 0, -EINVAL (reason in *ret_error),
 * -ENOMEM. */
int words_split(const char *v, unsigned flags, char ***ret, const char **ret_error);

/* ---- config*.c, command.c, env.c: the parsers of the table ------------------------------------ */

int config_parse_string(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_strv(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_deps(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_bool(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_timespan(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_unsigned(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_size(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_type(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_std_input(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_apparmor_profile(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_restart(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_kill_mode(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_exit_status(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_timeout_sec(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_umask(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_permissions_start_only(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_pid_file(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_kill_signal(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_user(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_groups(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_working_directory(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_int(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_implied(struct parse_ctx *, const char *, const char *, void *, int);

int config_parse_exec(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_environment(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_environment_file(struct parse_ctx *, const char *, const char *, void *, int);

int config_parse_listen(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_publish(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_outbound(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_root_directory(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_overlay(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_private_users(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_binds(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_directories(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_hostname(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_caps(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_paths(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_tmpfs(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_mode(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_protect_home(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_var_overlay(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_rlimit(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_memory(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_tasks_max(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_weight(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_cpu_quota(struct parse_ctx *, const char *, const char *, void *, int);
/* config-health.c */
int config_parse_health_cmd(struct parse_ctx *, const char *, const char *, void *, int);
/* ltype: HEALTH_SPAN_INTERVAL ("disable" is 0) or HEALTH_SPAN_TIMEOUT (above 0, finite) */
int config_parse_health_span(struct parse_ctx *, const char *, const char *, void *, int);
enum {
        HEALTH_SPAN_INTERVAL,
        HEALTH_SPAN_TIMEOUT,
        HEALTH_SPAN_PLAIN,
};
int config_parse_health_action(struct parse_ctx *, const char *, const char *, void *, int);
void health_probe_done(struct health_probe *p);
/* The checks of the health keys that need the whole unit. 0, -ENOMEM. */
int verify_health(struct parse_ctx *ctx);
/* config-timer.c: ltype of the monotonic one is the enum timer_base; data the struct timer_spec. */
int config_parse_timer_calendar(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_timer_monotonic(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_timer_unit(struct parse_ctx *, const char *, const char *, void *, int);
void timer_spec_clear(struct timer_spec *t);
/* The type of NAME when it names a unit of systemd's other than a service ("socket", "target"),
 * else NULL. */
const char *unit_other_type(const char *name);
/* config-socket.c: [Socket]. */
int config_parse_socket_service(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_bind_ipv6_only(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_fdname(struct parse_ctx *, const char *, const char *, void *, int);
void socket_spec_clear(struct socket_spec *s);
/* The checks of a socket that need the whole unit; Service= and FileDescriptorName= get their
 * defaults. 0, -EINVAL (refused), -ENOMEM. */
int verify_socket(struct parse_ctx *ctx);
/* The checks of a timer that need the whole unit; Unit= gets its default. 0, -ENOMEM. */
int verify_timer(struct parse_ctx *ctx);
/* conditions.c: ltype is the enum condition_type, data a struct condition_list. */
int config_parse_condition(struct parse_ctx *, const char *, const char *, void *, int);
void condition_list_clear(struct condition_list *l);

/* config-hardening.c */
int config_parse_syscall_filter(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_syscall_errno(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_syscall_archs(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_address_families(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_restrict_namespaces(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_protect_caps(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_device_policy(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_device_allow(struct parse_ctx *, const char *, const char *, void *, int);
int config_parse_ip_address(struct parse_ctx *, const char *, const char *, void *, int);
/* The calls of a systemd group ("@system-service"), blank-separated, groups among them; or NULL. */
const char *syscall_group_calls(const char *name);
/* An errno name (EPERM) or number 0..4095. 0 or -EINVAL. */
int parse_errno(const char *v, int *ret);
void unit_hardening_done(struct unit_hardening *h);
/* The checks and consequences that need the whole unit. 0, -EINVAL (reported) or -ENOMEM. */
int unit_hardening_verify(struct parse_ctx *ctx);

/* ltype of config_parse_int: which integer and its range. */
enum {
        INT_NICE,
        INT_OOM_SCORE_ADJUST,
};

/* ltype of config_parse_deps: which location list to keep. */
enum {
        DEP_PLAIN,
        DEP_AFTER,
        DEP_BEFORE,
};

/* ltype of config_parse_timespan. */
enum {
        TIMESPAN_PLAIN,
        TIMESPAN_ZERO_IS_INFINITY, /* TimeoutStartSec=0 means no timeout, as in systemd */
};

/* ltype of config_parse_implied: the values that match the default sandbox. */
enum {
        IMPLIED_BOOL,
        IMPLIED_PROTECT_SYSTEM,
        IMPLIED_PROTECT_HOME,
        IMPLIED_KEYRING_MODE,
        IMPLIED_PRIVATE_TMP,
        IMPLIED_PRIVATE_DEVICES,
        IMPLIED_PROTECT_KERNEL_TUNABLES,
        _IMPLIED_MAX,
};

/* ---- unit.c ------------------------------------------------------------------------------- */

/* The defaults of a unit, also what an empty assignment of a scalar key goes back to. */
extern const struct unit unit_defaults;

void exec_list_clear(struct exec_list *l);
void listen_spec_done(struct listen_spec *l);
void listen_specs_free(struct listen_spec *l, size_t n);
void bind_spec_done(struct bind_spec *b);
void bind_specs_free(struct bind_spec *b, size_t n);
void publish_specs_free(struct publish_spec *p, size_t n);
void env_files_free(struct env_file *f, size_t n);
void path_specs_free(struct path_spec *p, size_t n);
/* The checks of the path keys that need the whole unit (config-paths.c). 0, -ENOMEM. */
int verify_paths(struct parse_ctx *ctx);

/* ---- env.c -------------------------------------------------------------------------------- */

/* Sets "KEY=VALUE" ASSIGNMENT in *ENV, replacing an entry with the same key. Takes ownership of
 * ASSIGNMENT, also on failure. 0 or -ENOMEM. */
int strv_env_replace(char ***env, char *assignment);
