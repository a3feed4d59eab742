/* SPDX-License-Identifier: MIT */
/* svc-ctl: the commands of svc that talk to svcd over its control socket (sd-bus). Started by
 * `svc` as `svc --root ROOT COMMAND ...`. */
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <limits.h>
#include <termios.h>
#include <time.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "common/macro.h"
#include "common/paths.h"
#include "common/test-crash.h"
#include "common/utf8.h"
#include "common/util.h"
#include <poll.h>
#include <sys/signalfd.h>

#include "supervisor/cli/client.h"
#include "supervisor/svcd/control-api.h"

static const char *arg_root = "/";
static bool arg_json, arg_no_block, arg_timers, arg_rollback;
static uint64_t arg_min_healthy; /* reload-units --rollback --min-healthy=SECONDS */
static bool use_color;

struct status_info {
        char *name, *description, *state, *detail, *result, *last_exit, *status_text, *path, *type, *job,
                *tree_path, *address, *address6, *health, *health_output, *users, *pin;
        uint32_t health_streak;
        char **ports, **leftovers;
        int outbound;
        uint64_t since;
        uint32_t main_pid, restarts, ns_pid, init_pid;
        uint64_t res[11]; /* resource_keys[]; UNKNOWN when svcd did not say, NOT_SET for a limit */
        int enabled;
        char **load_errors;
};

static void status_info_done(struct status_info *i) {
        free(i->name);
        free(i->description);
        free(i->state);
        free(i->detail);
        free(i->result);
        free(i->last_exit);
        free(i->status_text);
        free(i->path);
        free(i->type);
        free(i->job);
        free(i->tree_path);
        free(i->address);
        free(i->address6);
        free(i->health);
        free(i->health_output);
        free(i->users);
        free(i->pin);
        strv_free(i->ports);
        strv_free(i->leftovers);
        strv_free(i->load_errors);
        *i = (struct status_info){ 0 };
        for (size_t k = 0; k < ELEMENTSOF(i->res); k++)
                i->res[k] = UINT64_MAX; /* unknown until read */
}

/* ---- connection --------------------------------------------------------------------------- */

static char *bus_address(const char *path) {
        /* D-Bus address escaping: anything but [-_/.\\A-Za-z0-9] as %XX. */
        size_t n = strlen(path);
        char *a = malloc(strlen("unix:path=") + n * 3 + 1), *p;
        if (!a)
                return NULL;
        p = stpcpy(a, "unix:path=");
        for (const unsigned char *c = (const unsigned char *) path; *c; c++) {
                if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                    strchr("-_/.\\", *c))
                        *p++ = (char) *c;
                else
                        p += sprintf(p, "%%%02x", *c);
        }
        *p = '\0';
        return a;
}

static int connect_bus(sd_bus **ret) {
        _cleanup_free_ char *dir = path_join(arg_root, SVC_CONTROL_PATH);
        _cleanup_free_ char *addr = dir ? bus_address(dir) : NULL;
        if (!addr)
                return -ENOMEM;
        sd_bus *bus = NULL;
        int r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, addr);
        if (r >= 0) /* svcd decides from SO_PEERCRED (see control.c) */
                r = sd_bus_set_anonymous(bus, true);
        if (r >= 0)
                r = sd_bus_negotiate_fds(bus, true);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r == -EACCES || r == -EPERM)
                fprintf(stderr,
                        "svc: permission denied on %s: talking to svcd needs root "
                        "(members of group svc may read status and logs)\n",
                        dir);
        else if (r == -ENOENT || r == -ECONNREFUSED)
                fprintf(stderr, "svc: svcd is not running (no control socket at %s)\n", dir);
        else if (r < 0)
                fprintf(stderr, "svc: cannot connect to %s: %s\n", dir, strerror(-r));
        if (r < 0) {
                sd_bus_unref(bus);
                return r;
        }
        *ret = bus;
        return 0;
}

static int error_to_exit(const sd_bus_error *e) {
        if (sd_bus_error_has_name(e, SVC_ERROR_NO_SUCH_UNIT))
                return EXIT_NO_SUCH_UNIT;
        if (sd_bus_error_has_name(e, SD_BUS_ERROR_INVALID_ARGS))
                return EXIT_USAGE;
        if (sd_bus_error_has_name(e, SVC_ERROR_NOT_RUNNING))
                return EXIT_NOT_RUNNING;
        return EXIT_FAILED;
}

static int call(sd_bus *bus, const char *method, sd_bus_message **reply, char **names, const char *extra_sig,
                int extra) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r = sd_bus_message_new_method_call(bus, &m, NULL, SVC_OBJECT_PATH, SVC_INTERFACE, method);
        if (r >= 0 && names)
                r = sd_bus_message_append_strv(m, names);
        if (r >= 0 && extra_sig)
                r = sd_bus_message_append(m, extra_sig, extra);
        if (r < 0) {
                fprintf(stderr, "svc: cannot build the request: %s\n", strerror(-r));
                return EXIT_FAILED;
        }
        r = sd_bus_call(bus, m, UINT64_MAX, &e, reply);
        if (r < 0) {
                fprintf(stderr, "svc: %s\n", e.message ? e.message : strerror(-r));
                int code = sd_bus_error_is_set(&e) ? error_to_exit(&e) : EXIT_FAILED;
                sd_bus_error_free(&e);
                return code;
        }
        return EXIT_OK;
}

/* ---- start/stop/restart/reload ------------------------------------------------------------ */

static int cmd_job(sd_bus *bus, const char *method, char **names) {
        if (strv_length(names) == 0) {
                fprintf(stderr, "svc: no unit given\n");
                return EXIT_USAGE;
        }
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int code = call(bus, method, &reply, names, "b", !arg_no_block);
        if (code != EXIT_OK)
                return code;
        int r = sd_bus_message_enter_container(reply, 'a', "(ss)");
        const char *name, *result;
        while (r >= 0 && (r = sd_bus_message_read(reply, "(ss)", &name, &result)) > 0)
                if (!isempty(result)) {
                        fprintf(stderr, "%s: %s\n", name, result);
                        code = EXIT_FAILED;
                }
        return r < 0 ? EXIT_FAILED : code;
}

/* ---- status ------------------------------------------------------------------------------- */

/* Resource fields of the status, in the order of status_info.res. */
enum { R_MEM, R_PEAK, R_TASKS, R_CPU, R_MEMMAX, R_MEMHIGH, R_TASKSMAX, R_CPUW, R_QUOTA, R_IOW, R_DISK };
static const struct {
        const char *bus, *json;
} resource_keys[] = {
        { "MemoryCurrent", "memory_current" },
        { "MemoryPeak", "memory_peak" },
        { "Tasks", "tasks" },
        { "CPUUsageUSec", "cpu_usage_usec" },
        { "MemoryMax", "memory_max" },
        { "MemoryHigh", "memory_high" },
        { "TasksMax", "tasks_max" },
        { "CPUWeight", "cpu_weight" },
        { "CPUQuotaPerSecUSec", "cpu_quota_per_sec_usec" },
        { "IOWeight", "io_weight" },
        { "DiskUsage", "disk_usage" },
};
#define UNKNOWN UINT64_MAX
#define NOT_SET (UINT64_MAX - 1)

static int read_variant(sd_bus_message *m, const char *key, struct status_info *i) {
        struct {
                const char *key;
                char **s;
        } strings[] = {
                { "Name", &i->name },
                { "Description", &i->description },
                { "State", &i->state },
                { "Detail", &i->detail },
                { "Result", &i->result },
                { "LastExit", &i->last_exit },
                { "StatusText", &i->status_text },
                { "Path", &i->path },
                { "Type", &i->type },
                { "Job", &i->job },
                { "TreePath", &i->tree_path },
                { "Address", &i->address },
                { "Address6", &i->address6 },
                { "Health", &i->health },
                { "HealthOutput", &i->health_output },
                { "Users", &i->users },
                { "Pin", &i->pin },
        };
        for (size_t k = 0; k < ELEMENTSOF(strings); k++)
                if (streq(key, strings[k].key)) {
                        const char *v;
                        int r = sd_bus_message_read(m, "v", "s", &v);
                        if (r >= 0 && !(*strings[k].s = strdup(v)))
                                r = -ENOMEM;
                        return r;
                }
        for (size_t k = 0; k < ELEMENTSOF(resource_keys); k++)
                if (streq(key, resource_keys[k].bus))
                        return sd_bus_message_read(m, "v", "t", &i->res[k]);
        if (streq(key, "Since"))
                return sd_bus_message_read(m, "v", "t", &i->since);
        if (streq(key, "MainPID"))
                return sd_bus_message_read(m, "v", "u", &i->main_pid);
        if (streq(key, "Restarts"))
                return sd_bus_message_read(m, "v", "u", &i->restarts);
        if (streq(key, "HealthStreak"))
                return sd_bus_message_read(m, "v", "u", &i->health_streak);
        if (streq(key, "NSPID"))
                return sd_bus_message_read(m, "v", "u", &i->ns_pid);
        if (streq(key, "InitPID"))
                return sd_bus_message_read(m, "v", "u", &i->init_pid);
        if (streq(key, "Enabled"))
                return sd_bus_message_read(m, "v", "b", &i->enabled);
        if (streq(key, "Outbound"))
                return sd_bus_message_read(m, "v", "b", &i->outbound);
        if (streq(key, "LoadErrors") || streq(key, "Ports") || streq(key, "Leftovers")) {
                char ***l = streq(key, "Ports")       ? &i->ports
                            : streq(key, "Leftovers") ? &i->leftovers
                                                      : &i->load_errors;
                int r = sd_bus_message_enter_container(m, 'v', "as");
                if (r >= 0)
                        r = sd_bus_message_read_strv(m, l);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                return r;
        }
        return sd_bus_message_skip(m, "v"); /* a newer svcd: ignore what we do not know */
}

static int read_status(sd_bus_message *m, struct status_info *i) {
        int r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r <= 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key;
                r = sd_bus_message_read(m, "s", &key);
                if (r >= 0)
                        r = read_variant(m, key, i);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r >= 0 && !i->state && !(i->state = strdup("unknown")))
                r = -ENOMEM;
        if (r >= 0 && !i->name && !(i->name = strdup("?")))
                r = -ENOMEM;
        return r < 0 ? r : 1;
}

static const char *state_color(const char *state) {
        if (!use_color)
                return "";
        if (streq(state, "running"))
                return "\033[1;32m";
        if (streq(state, "failed") || streq(state, "error"))
                return "\033[1;31m";
        if (streq(state, "backing-off") || streq(state, "starting") || streq(state, "stopping") ||
            streq(state, "reloading"))
                return "\033[1;33m";
        return "";
}

static const char *color_off(void) {
        return use_color ? "\033[0m" : "";
}

static void format_since(uint64_t since, char *buf, size_t n) {
        if (since == 0) {
                snprintf(buf, n, "-");
                return;
        }
        time_t t = (time_t) (since / USEC_PER_SEC);
        struct tm tm;
        localtime_r(&t, &tm);
        char when[64], ago[64];
        strftime(when, sizeof(when), "%a %Y-%m-%d %H:%M:%S %Z", &tm);
        uint64_t now = now_usec(CLOCK_REALTIME);
        uint64_t d = now > since ? now - since : 0;
        format_timespan(ago, sizeof(ago),
                        d < USEC_PER_SEC ? d / USEC_PER_MSEC * USEC_PER_MSEC
                                         : d / USEC_PER_SEC * USEC_PER_SEC);
        snprintf(buf, n, "%s; %s ago", when, ago);
}

/* ", max 64M" for a limit that is set. */
static void append_limit(char *buf, size_t n, const char *name, uint64_t v, bool bytes) {
        if (v == NOT_SET)
                return;
        char val[32];
        if (v == UINT64_MAX)
                snprintf(val, sizeof(val), "infinity");
        else if (bytes)
                format_bytes(val, sizeof(val), v);
        else
                snprintf(val, sizeof(val), "%llu", (unsigned long long) v);
        size_t k = strlen(buf);
        snprintf(buf + k, n - k, "%s%s %s", k ? ", " : "", name, val);
}

static void print_resources(const struct status_info *i) {
        const uint64_t *r = i->res;
        char a[32], extra[160] = "";
        if (r[R_MEM] != UNKNOWN) {
                if (r[R_PEAK] != UNKNOWN && r[R_PEAK] != 0)
                        snprintf(extra, sizeof(extra), "peak %s", format_bytes(a, sizeof(a), r[R_PEAK]));
                append_limit(extra, sizeof(extra), "max", r[R_MEMMAX], true);
                append_limit(extra, sizeof(extra), "high", r[R_MEMHIGH], true);
                printf("     Memory: %s%s%s%s\n", format_bytes(a, sizeof(a), r[R_MEM]), extra[0] ? " (" : "",
                       extra, extra[0] ? ")" : "");
        }
        if (r[R_TASKS] != UNKNOWN) {
                extra[0] = '\0';
                append_limit(extra, sizeof(extra), "limit", r[R_TASKSMAX], false);
                printf("      Tasks: %llu%s%s%s\n", (unsigned long long) r[R_TASKS], extra[0] ? " (" : "",
                       extra, extra[0] ? ")" : "");
        }
        if (r[R_CPU] != UNKNOWN) {
                extra[0] = '\0';
                append_limit(extra, sizeof(extra), "weight", r[R_CPUW], false);
                if (r[R_QUOTA] != NOT_SET && r[R_QUOTA] != UINT64_MAX) {
                        size_t k = strlen(extra);
                        snprintf(extra + k, sizeof(extra) - k, "%squota %llu%%", k ? ", " : "",
                                 (unsigned long long) (r[R_QUOTA] / 10000));
                }
                printf("        CPU: %s%s%s%s\n", format_timespan(a, sizeof(a), r[R_CPU]),
                       extra[0] ? " (" : "", extra, extra[0] ? ")" : "");
        }
        if (r[R_DISK] != UNKNOWN)
                printf("       Disk: %s (its log, state, logs and overlay directories)\n",
                       format_bytes(a, sizeof(a), r[R_DISK]));
}

/* S with what a terminal could act on shown as \xNN (common/utf8.h): svcd passes on text a
 * service chose (STATUS=), and a unit file's. */
static void escape_in_place(char **s) {
        char *buf = NULL;
        size_t size = 0;
        if (!*s)
                return;
        FILE *f = open_memstream(&buf, &size);
        if (!f)
                return;
        utf8_put_escaped(f, *s, strlen(*s));
        if (fclose(f) != 0) {
                free(buf);
                return;
        }
        free(*s);
        *s = buf;
}

/* For the terminal, or a pipe that ends at one: --json escapes in its own way. */
static void status_info_escape(struct status_info *i) {
        char **strings[] = { &i->name,      &i->description, &i->state,  &i->detail,        &i->result,
                             &i->last_exit, &i->status_text, &i->path,   &i->type,          &i->job,
                             &i->tree_path, &i->address,     &i->health, &i->health_output, &i->users,
                             &i->address6,  &i->pin };
        for (size_t k = 0; k < ELEMENTSOF(strings); k++)
                escape_in_place(strings[k]);
        STRV_FOREACH (p, i->ports)
                escape_in_place(p);
        STRV_FOREACH (e, i->load_errors)
                escape_in_place(e);
}

static void print_status(const struct status_info *i) {
        char since[160];
        format_since(i->since, since, sizeof(since));
        printf("%s●%s %s%s%s\n", state_color(i->state), color_off(), i->name,
               isempty(i->description) ? "" : " - ", i->description ? i->description : "");
        if (i->load_errors) {
                printf("     Loaded: %serror%s%s%s\n", state_color("error"), color_off(),
                       isempty(i->path) ? "" : ", running on the previous definition of ",
                       i->path ? i->path : "");
                STRV_FOREACH (e, i->load_errors)
                        printf("      Error: %s\n", *e);
        }
        if (!isempty(i->path))
                printf("     Loaded: %s; %s\n", i->path, i->enabled ? "enabled" : "disabled");
        printf("     Active: %s%s%s%s%s%s since %s\n", state_color(i->state), i->state, color_off(),
               isempty(i->detail) ? "" : " (", isempty(i->detail) ? "" : i->detail,
               isempty(i->detail) ? "" : ")", since);
        if (!isempty(i->job))
                printf("        Job: %s queued\n", i->job);
        if (i->main_pid)
                printf("   Main PID: %u (%u in its sandbox)\n", i->main_pid, i->ns_pid);
        STRV_FOREACH (l, i->leftovers)
                printf("  Left over: %s\n", *l);
        if (!isempty(i->health))
                printf("     Health: %s (%u failed in a row%s%s)\n", i->health, i->health_streak,
                       isempty(i->health_output) ? "" : "; last probe: ",
                       i->health_output ? i->health_output : "");
        printf("   Restarts: %u\n", i->restarts);
        if (!isempty(i->last_exit))
                printf("  Last exit: %s\n", i->last_exit);
        if (!isempty(i->address))
                printf("    Address: %s%s%s (eth0%s)\n", i->address, isempty(i->address6) ? "" : ", ",
                       i->address6 ? i->address6 : "", i->outbound ? ", outbound allowed" : "");
        else if (i->outbound)
                printf("    Address: none while it is not running (outbound allowed)\n");
        if (i->ports) {
                _cleanup_free_ char *p = strv_join(i->ports, ", ");
                printf("      Ports: %s\n", p ? p : "?");
        }
        if (!isempty(i->pin))
                printf("     Pinned: %s\n", i->pin);
        if (!isempty(i->users))
                printf("      Users: %s\n", i->users);
        print_resources(i);
        if (!isempty(i->status_text))
                printf("     Status: \"%s\"\n", i->status_text);
}

static void json_status(const struct status_info *i, bool first) {
        printf("%s{\"name\":", first ? "" : ",");
        json_string(stdout, i->name);
        const struct {
                const char *k, *v;
        } s[] = {
                { "description", i->description },
                { "state", i->state },
                { "detail", i->detail },
                { "result", i->result },
                { "last_exit", i->last_exit },
                { "status_text", i->status_text },
                { "path", i->path },
                { "type", i->type },
                { "job", i->job },
                { "tree_path", i->tree_path },
                { "address", i->address },
                { "address6", i->address6 },
                { "health", i->health },
                { "health_output", i->health_output },
                { "users", i->users },
                { "pin", i->pin },
        };
        for (size_t k = 0; k < ELEMENTSOF(s); k++) {
                printf(",\"%s\":", s[k].k);
                json_string(stdout, s[k].v);
        }
        printf(",\"since_usec\":%llu,\"main_pid\":%u,\"main_ns_pid\":%u,\"init_pid\":%u,\"restarts\":%u,"
               "\"health_streak\":%u,\"enabled\":%s,\"load_errors\":[",
               (unsigned long long) i->since, i->main_pid, i->ns_pid, i->init_pid, i->restarts,
               i->health_streak, i->enabled ? "true" : "false");
        size_t k = 0;
        STRV_FOREACH (e, i->load_errors) {
                printf("%s", k++ ? "," : "");
                json_string(stdout, *e);
        }
        printf("],\"outbound\":%s,\"ports\":[", i->outbound ? "true" : "false");
        k = 0;
        STRV_FOREACH (p, i->ports) {
                printf("%s", k++ ? "," : "");
                json_string(stdout, *p);
        }
        printf("],\"leftovers\":[");
        k = 0;
        STRV_FOREACH (p, i->leftovers) {
                printf("%s", k++ ? "," : "");
                json_string(stdout, *p);
        }
        printf("]");
        /* Resources: a number, or null when svcd did not say (or, for a limit, none is set). */
        for (size_t r = 0; r < ELEMENTSOF(resource_keys); r++) {
                uint64_t v = i->res[r];
                bool limit = r >= R_MEMMAX && r <= R_IOW;
                if (limit ? v == NOT_SET : v == UNKNOWN)
                        printf(",\"%s\":null", resource_keys[r].json);
                else if (limit && v == UINT64_MAX)
                        printf(",\"%s\":\"infinity\"", resource_keys[r].json);
                else
                        printf(",\"%s\":%llu", resource_keys[r].json, (unsigned long long) v);
        }
        printf("}");
}

static int cmd_status(sd_bus *bus, char **names, bool list) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        char *none[] = { NULL };
        int code = call(bus, "Status", &reply, names ? names : none, NULL, 0);
        if (code != EXIT_OK)
                return code;
        int r = sd_bus_message_enter_container(reply, 'a', "a{sv}");
        if (arg_json)
                printf("[");
        if (list && !arg_json)
                printf("%-24s %-12s %-10s %-8s %-8s %-8s %-8s %s\n", "UNIT", "STATE", "HEALTH", "PID",
                       "MEMORY", "RESTARTS", "ENABLED", "DESCRIPTION");
        bool first = true;
        struct status_info i = { 0 };
        status_info_done(&i); /* the empty state: resources unknown */
        while (r >= 0 && (r = read_status(reply, &i)) > 0) {
                if (!arg_json)
                        status_info_escape(&i);
                if (arg_json)
                        json_status(&i, first);
                else if (list) {
                        char mem[32] = "-";
                        if (i.res[R_MEM] != UNKNOWN)
                                format_bytes(mem, sizeof(mem), i.res[R_MEM]);
                        printf("%-24s %s%-12s%s %-10s %-8u %-8s %-8u %-8s %s\n", i.name, state_color(i.state),
                               i.state, color_off(), isempty(i.health) ? "-" : i.health, i.main_pid, mem,
                               i.restarts, i.enabled ? "yes" : "no", i.description ? i.description : "");
                } else {
                        if (!first)
                                printf("\n");
                        print_status(&i);
                        _cleanup_free_ char *dir = client_log_dir(arg_root, i.name);
                        if (dir) {
                                printf("\n");
                                fflush(stdout);
                                (void) client_logs(dir, 10, false, stdout);
                        }
                }
                if (!streq(i.state, "running"))
                        code = EXIT_NOT_RUNNING;
                first = false;
                status_info_done(&i);
        }
        status_info_done(&i);
        if (arg_json)
                printf("]\n");
        if (r < 0) {
                fprintf(stderr, "svc: cannot read the reply: %s\n", strerror(-r));
                return EXIT_FAILED;
        }
        return list ? EXIT_OK : code;
}

/* S as a terminal may show it: itself when it is plain printable ASCII (every name, nearly every
 * description), else an escaped copy in *BUF (see escape_in_place). */
static const char *cell(const char *s, char **buf) {
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                if (*p < 0x20 || *p >= 0x7f) {
                        free(*buf);
                        *buf = strdup(s);
                        escape_in_place(buf);
                        return *buf ? *buf : "?";
                }
        return s;
}

/* svc list: the List call (one struct per unit with the columns printed), as systemctl
 * list-units. --json keeps Status's full records. */
static int cmd_list(sd_bus *bus) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int code = call(bus, "List", &reply, NULL, NULL, 0);
        if (code != EXIT_OK)
                return code;
        int r = sd_bus_message_enter_container(reply, 'a', "(sssutubs)");
        printf("%-24s %-12s %-10s %-8s %-8s %-8s %-8s %s\n", "UNIT", "STATE", "HEALTH", "PID", "MEMORY",
               "RESTARTS", "ENABLED", "DESCRIPTION");
        _cleanup_free_ char *b1 = NULL, *b2 = NULL, *b3 = NULL, *b4 = NULL;
        const char *name, *state, *health, *desc;
        uint32_t pid, restarts;
        uint64_t mem;
        int enabled;
        while (r >= 0 && (r = sd_bus_message_read(reply, "(sssutubs)", &name, &state, &health, &pid, &mem,
                                                  &restarts, &enabled, &desc)) > 0) {
                char membuf[32] = "-";
                if (mem != UINT64_MAX)
                        format_bytes(membuf, sizeof(membuf), mem);
                state = cell(state, &b2);
                printf("%-24s %s%-12s%s %-10s %-8u %-8s %-8u %-8s %s\n", cell(name, &b1), state_color(state),
                       state, color_off(), isempty(health) ? "-" : cell(health, &b3), pid, membuf, restarts,
                       enabled ? "yes" : "no", cell(desc, &b4));
        }
        if (r < 0) {
                fprintf(stderr, "svc: cannot read the reply: %s\n", strerror(-r));
                return EXIT_FAILED;
        }
        return EXIT_OK;
}

/* "Sat 2024-06-15 00:00:00 UTC" and "11h 59min left" / "12h ago", or "-". */
static void format_when(uint64_t when, uint64_t now, char *date, size_t dn, char *rel, size_t rn) {
        if (when == 0) {
                snprintf(date, dn, "-");
                snprintf(rel, rn, "-");
                return;
        }
        time_t t = (time_t) (when / USEC_PER_SEC);
        struct tm tm;
        strftime(date, dn, "%a %Y-%m-%d %H:%M:%S %Z", localtime_r(&t, &tm));
        uint64_t d = when > now ? when - now : now - when;
        char span[48];
        format_timespan(span, sizeof(span), d / USEC_PER_SEC * USEC_PER_SEC);
        snprintf(rel, rn, "%s %s", span, when > now ? "left" : "ago");
}

/* svc list --timers: as systemctl list-timers, soonest first. */
static int cmd_list_timers(sd_bus *bus) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int code = call(bus, "ListTimers", &reply, NULL, NULL, 0);
        if (code != EXIT_OK)
                return code;
        struct row {
                char *name, *unit, *state;
                uint64_t next, last;
                int enabled;
        } rows[512];
        size_t n = 0;
        int r = sd_bus_message_enter_container(reply, 'a', "(ssttbs)");
        while (r >= 0 && n < ELEMENTSOF(rows)) {
                struct row *w = &rows[n];
                r = sd_bus_message_read(reply, "(ssttbs)", &w->name, &w->unit, &w->next, &w->last,
                                        &w->enabled, &w->state);
                if (r <= 0)
                        break;
                n++;
        }
        if (r < 0) {
                fprintf(stderr, "svc: cannot read the reply: %s\n", strerror(-r));
                return EXIT_FAILED;
        }
        for (size_t i = 1; i < n; i++) /* soonest first, those without a next elapse last */
                for (size_t j = i; j > 0 && (rows[j].next ? rows[j].next : UINT64_MAX) <
                                                    (rows[j - 1].next ? rows[j - 1].next : UINT64_MAX);
                     j--) {
                        struct row tmp = rows[j];
                        rows[j] = rows[j - 1];
                        rows[j - 1] = tmp;
                }
        uint64_t now = now_usec(CLOCK_REALTIME);
        printf("%-28s %-16s %-28s %-16s %-28s %s\n", "NEXT", "LEFT", "LAST", "PASSED", "UNIT", "ACTIVATES");
        for (size_t i = 0; i < n; i++) {
                char next[64], left[64], last[64], passed[64];
                format_when(rows[i].next, now, next, sizeof(next), left, sizeof(left));
                format_when(rows[i].last, now, last, sizeof(last), passed, sizeof(passed));
                printf("%-28s %-16s %-28s %-16s %-28s %s", next, left, last, passed, rows[i].name,
                       rows[i].unit);
                if (!streq(rows[i].state, "waiting"))
                        printf(" (%s)", rows[i].state);
                printf("%s\n", rows[i].enabled ? "" : " (not enabled)");
        }
        printf("\n%zu timers listed.\n", n);
        return EXIT_OK;
}

/* The socket units (svc list, after the services; svc status NAME.socket): whether each listens,
 * the service it starts, how many connections it accepted and how many are open. NAMES: only
 * those; none listed prints nothing. */
static bool is_socket_name(const char *name) {
        size_t n = strlen(name);
        return n > 7 && streq(name + n - 7, ".socket");
}

static int cmd_list_sockets(sd_bus *bus, char **names) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int code = call(bus, "ListSockets", &reply, NULL, NULL, 0);
        if (code != EXIT_OK)
                return code;
        const char *name, *service, *state, *listen;
        int enabled;
        uint32_t accepted, open;
        size_t n = 0;
        int r = sd_bus_message_enter_container(reply, 'a', "(ssbsuus)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(ssbsuus)", &name, &service, &enabled, &state,
                                                  &accepted, &open, &listen)) > 0) {
                if (names && !strv_contains(names, name))
                        continue;
                if (n++ == 0)
                        printf("%s%-24s %-12s %-24s %-8s %-8s %-8s %s\n", names ? "" : "\n", "SOCKET",
                               "STATE", "ACTIVATES", "ACCEPTED", "OPEN", "ENABLED", "LISTEN");
                printf("%-24s %s%-12s%s %-24s %-8u %-8u %-8s %s\n", name, state_color(state), state,
                       color_off(), service, accepted, open, enabled ? "yes" : "no", listen);
                if (names && !streq(state, "listening") && !streq(state, "running"))
                        code = EXIT_NOT_RUNNING;
        }
        if (r < 0) {
                fprintf(stderr, "svc: cannot read the reply: %s\n", strerror(-r));
                return EXIT_FAILED;
        }
        STRV_FOREACH (want, names)
                if (!is_socket_name(*want)) {
                        fprintf(stderr, "svc: %s is not a socket: ask for sockets and services apart\n",
                                *want);
                        return EXIT_USAGE;
                }
        if (names && n < strv_length(names)) {
                fprintf(stderr, "svc: no such socket unit among %zu asked for\n", strv_length(names));
                return EXIT_NO_SUCH_UNIT;
        }
        return code;
}

static bool any_socket(char **names) {
        STRV_FOREACH (name, names)
                if (is_socket_name(*name))
                        return true;
        return false;
}

static int cmd_enable(sd_bus *bus, const char *method, char **names) {
        if (strv_length(names) == 0) {
                fprintf(stderr, "svc: no unit given\n");
                return EXIT_USAGE;
        }
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        return call(bus, method, &reply, names, NULL, 0);
}

/* With --rollback, a restarted unit is watched by svcd: "moved" onto its new definition, or
 * "reverted" to the previous one (and why). */
static int cmd_reload_units(sd_bus *bus) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL, *m = NULL;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r = sd_bus_message_new_method_call(bus, &m, NULL, SVC_OBJECT_PATH, SVC_INTERFACE,
                                               arg_rollback ? "ReloadUnitsWithRollback" : "ReloadUnits");
        if (r >= 0 && arg_rollback)
                r = sd_bus_message_append(m, "t", arg_min_healthy);
        if (r >= 0)
                r = sd_bus_call(bus, m, UINT64_MAX, &e, &reply);
        if (r < 0) {
                fprintf(stderr, "svc: %s\n", e.message ? e.message : strerror(-r));
                int code = sd_bus_error_is_set(&e) ? error_to_exit(&e) : EXIT_FAILED;
                sd_bus_error_free(&e);
                return code;
        }
        int code = EXIT_OK;
        r = sd_bus_message_enter_container(reply, 'a', "(sss)");
        const char *name, *action, *message;
        while (r >= 0 && (r = sd_bus_message_read(reply, "(sss)", &name, &action, &message)) > 0) {
                if (streq(action, "unchanged"))
                        continue;
                /* moved, or a dependant started again: how it runs now, no error */
                bool fine =
                        streq(action, "moved") || (streq(action, "dependant") && streq(message, "running"));
                printf("%s: %s%s%s\n", name, action, fine ? ", " : "", fine ? message : "");
                if (!isempty(message) && !fine) {
                        fprintf(stderr, "%s\n", message);
                        code = EXIT_FAILED;
                }
        }
        return r < 0 ? EXIT_FAILED : code;
}

/* ---- exec --------------------------------------------------------------------------------- */

struct exec_ctx {
        sd_bus *bus;
        const char *name;
        uint32_t id;
        int code;
        int master;
        bool stdin_open, master_open;
        sd_event_source *stdin_src, *master_src;
};

static int on_exec_done(sd_bus_message *m, void *userdata, sd_bus_error *error _unused_) {
        struct exec_ctx *x = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);
        int32_t code = 125;
        const char *msg = "";
        if (e)
                fprintf(stderr, "svc: %s\n", e->message);
        else if (sd_bus_message_read(m, "is", &code, &msg) >= 0 && !isempty(msg))
                fprintf(stderr, "svc: %s\n", msg);
        x->code = code;
        return sd_event_exit(sd_bus_get_event(x->bus), 0);
}

static int on_exec_signal(sd_event_source *src _unused_, const struct signalfd_siginfo *si, void *userdata) {
        struct exec_ctx *x = userdata;
        struct winsize ws;
        if (si->ssi_signo == SIGWINCH) {
                if (x->master >= 0 && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
                        (void) ioctl(x->master, TIOCSWINSZ, &ws);
                return 0;
        }
        (void) sd_bus_call_method_async(x->bus, NULL, NULL, SVC_OBJECT_PATH, SVC_INTERFACE, "ExecSignal",
                                        NULL, NULL, "sui", x->name, x->id, (int32_t) si->ssi_signo);
        return 0;
}

static int on_exec_io(sd_event_source *src, int fd, uint32_t revents _unused_, void *userdata) {
        struct exec_ctx *x = userdata;
        bool *open_flag = fd == STDIN_FILENO ? &x->stdin_open : &x->master_open;
        client_copy_some(fd, fd == STDIN_FILENO ? x->master : STDOUT_FILENO, open_flag);
        if (!*open_flag)
                sd_event_source_set_enabled(src, SD_EVENT_OFF);
        return 0;
}

static int exec_loop(struct exec_ctx *x) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        int r = sd_event_new(&e);
        if (r >= 0)
                r = sd_bus_attach_event(x->bus, e, 0);
        static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
        sigset_t ss;
        sigemptyset(&ss);
        for (size_t i = 0; i < ELEMENTSOF(sigs); i++)
                sigaddset(&ss, sigs[i]);
        sigprocmask(SIG_BLOCK, &ss, NULL);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(sigs); i++)
                r = sd_event_add_signal(e, NULL, sigs[i], on_exec_signal, x);
        if (r >= 0 && x->master >= 0) {
                r = sd_event_add_io(e, &x->master_src, x->master, EPOLLIN, on_exec_io, x);
                if (r >= 0 && isatty(STDIN_FILENO))
                        r = sd_event_add_io(e, &x->stdin_src, STDIN_FILENO, EPOLLIN, on_exec_io, x);
        }
        if (r >= 0)
                r = sd_bus_call_method_async(x->bus, NULL, NULL, SVC_OBJECT_PATH, SVC_INTERFACE, "ExecWait",
                                             on_exec_done, x, "su", x->name, x->id);
        if (r >= 0)
                r = sd_event_loop(e);
        /* What the command wrote last, before the terminal goes. */
        while (x->master >= 0 && x->master_open) {
                struct pollfd p = { x->master, POLLIN, 0 };
                if (poll(&p, 1, 50) <= 0)
                        break;
                client_copy_some(x->master, STDOUT_FILENO, &x->master_open);
        }
        sd_event_source_disable_unref(x->stdin_src);
        sd_event_source_disable_unref(x->master_src);
        sd_bus_detach_event(x->bus);
        return r < 0 ? 125 : x->code;
}

/* svc exec [-i] [-t] NAME CMD [ARG...] */
static int cmd_exec(sd_bus *bus, int argc, char **argv) {
        bool tty = false, interactive = false;
        int i = 0;
        for (; i < argc && argv[i][0] == '-'; i++) {
                for (const char *c = argv[i] + 1; *c; c++)
                        if (*c == 't')
                                tty = true;
                        else if (*c == 'i')
                                interactive = true;
                        else {
                                fprintf(stderr, "svc exec: unknown option -%c\n", *c);
                                return EXIT_USAGE;
                        }
        }
        if (argc - i < 2) {
                fprintf(stderr, "svc exec [-i] [-t] NAME CMD [ARG...]\n");
                return EXIT_USAGE;
        }
        struct exec_ctx x = { .bus = bus,
                              .name = argv[i],
                              .code = 125,
                              .master = -1,
                              .stdin_open = true,
                              .master_open = true };
        int fds[3] = { STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO }, slave = -1, devnull = -1;
        if (tty && (x.master = client_open_pty(&slave)) >= 0)
                fds[0] = fds[1] = fds[2] = slave;
        else if (!interactive)
                fds[0] = devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r = sd_bus_message_new_method_call(bus, &m, NULL, SVC_OBJECT_PATH, SVC_INTERFACE, "Exec");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", argv[i]);
        if (r >= 0)
                r = sd_bus_message_append_strv(m, argv + i + 1); /* argv ends with NULL, as main()'s */
        if (r >= 0)
                r = sd_bus_message_append(m, "hhhb", fds[0], fds[1], fds[2], tty);
        if (r >= 0)
                r = sd_bus_call(bus, m, UINT64_MAX, &e, &reply);
        safe_close(slave);
        safe_close(devnull);
        int code = 125;
        if (r < 0) {
                fprintf(stderr, "svc: %s\n", e.message ? e.message : strerror(-r));
                code = sd_bus_error_has_name(&e, SVC_ERROR_NO_SUCH_UNIT)        ? EXIT_NO_SUCH_UNIT
                       : sd_bus_error_has_name(&e, SVC_ERROR_COMMAND_NOT_FOUND) ? 127
                                                                                : 125;
        } else if (sd_bus_message_read(reply, "u", &x.id) >= 0)
                code = exec_loop(&x);
        sd_bus_error_free(&e);
        client_restore_tty();
        safe_close(x.master);
        return code;
}

/* ---- top ---------------------------------------------------------------------------------- */

struct top_row {
        char *name, *state;
        uint64_t memory, tasks, cpu_usec;
        double cpu_percent;
};

static struct top_row *top_rows;
static size_t n_top_rows;
static bool top_by_cpu;

static int cmp_top(const void *a, const void *b) {
        const struct top_row *x = a, *y = b;
        if (top_by_cpu && x->cpu_percent != y->cpu_percent)
                return x->cpu_percent < y->cpu_percent ? 1 : -1;
        uint64_t mx = x->memory == UNKNOWN ? 0 : x->memory, my = y->memory == UNKNOWN ? 0 : y->memory;
        if (mx != my)
                return mx < my ? 1 : -1;
        return strcmp(x->name, y->name);
}

/* One sample of every unit; CPU% from the previous sample over ELAPSED microseconds. */
static int top_sample(sd_bus *bus, uint64_t elapsed) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        char *none[] = { NULL };
        int code = call(bus, "Status", &reply, none, NULL, 0);
        if (code != EXIT_OK)
                return -EIO;
        struct top_row *rows = NULL;
        size_t n = 0;
        struct status_info i = { 0 };
        status_info_done(&i);
        int r = sd_bus_message_enter_container(reply, 'a', "a{sv}");
        while (r >= 0 && (r = read_status(reply, &i)) > 0) {
                struct top_row *nr = realloc(rows, sizeof(*rows) * (n + 1));
                if (!nr)
                        break;
                rows = nr;
                rows[n] = (struct top_row){ .memory = i.res[R_MEM],
                                            .tasks = i.res[R_TASKS],
                                            .cpu_usec = i.res[R_CPU] };
                rows[n].name = TAKE_PTR(i.name);
                rows[n].state = TAKE_PTR(i.state);
                for (size_t k = 0; k < n_top_rows && elapsed > 0; k++)
                        if (streq(top_rows[k].name, rows[n].name) && rows[n].cpu_usec != UNKNOWN &&
                            top_rows[k].cpu_usec != UNKNOWN && rows[n].cpu_usec >= top_rows[k].cpu_usec)
                                rows[n].cpu_percent = 100.0 *
                                                      (double) (rows[n].cpu_usec - top_rows[k].cpu_usec) /
                                                      (double) elapsed;
                n++;
                status_info_done(&i);
        }
        status_info_done(&i);
        for (size_t k = 0; k < n_top_rows; k++) {
                free(top_rows[k].name);
                free(top_rows[k].state);
        }
        free(top_rows);
        top_rows = rows;
        n_top_rows = n;
        return r < 0 ? r : 0;
}

static void top_print(bool clear) {
        if (clear)
                printf("\033[H\033[2J");
        size_t n = top_rows ? n_top_rows : 0;
        if (n > 0)
                qsort(top_rows, n, sizeof(*top_rows), cmp_top);
        printf("%-28s %-12s %6s %7s %10s   (sorted by %s%s)\n", "UNIT", "STATE", "TASKS", "%CPU", "MEMORY",
               top_by_cpu ? "CPU" : "memory", clear ? "; m: memory, c: CPU, q: quit" : "");
        for (size_t k = 0; k < n; k++) {
                const struct top_row *t = &top_rows[k];
                char mem[32] = "-", tasks[32] = "-";
                if (t->memory != UNKNOWN)
                        format_bytes(mem, sizeof(mem), t->memory);
                if (t->tasks != UNKNOWN)
                        snprintf(tasks, sizeof(tasks), "%llu", (unsigned long long) t->tasks);
                printf("%-28s %-12s %6s %6.1f%% %10s\n", t->name, t->state, tasks, t->cpu_percent, mem);
        }
        fflush(stdout);
}

/* Waits up to DELAY_MS for a key on a terminal: 'q' ends, 'm' and 'c' sort. */
static bool top_wait(int delay_ms, bool interactive) {
        if (!interactive) {
                (void) poll(NULL, 0, delay_ms);
                return true;
        }
        struct pollfd p = { STDIN_FILENO, POLLIN, 0 };
        if (poll(&p, 1, delay_ms) <= 0)
                return true;
        char c;
        if (read(STDIN_FILENO, &c, 1) != 1)
                return true;
        if (c == 'm' || c == 'c')
                top_by_cpu = c == 'c';
        return c != 'q';
}

/* svc top [-n ITERATIONS] [-d SECONDS] [--cpu|--memory] [--batch] */
static int cmd_top(sd_bus *bus, char **names) {
        long iterations = -1;
        double delay = 1.0;
        bool batch = !isatty(STDOUT_FILENO);
        for (char **a = names; a && *a; a++) {
                if (streq(*a, "--cpu") || streq(*a, "-c"))
                        top_by_cpu = true;
                else if (streq(*a, "--memory") || streq(*a, "-m"))
                        top_by_cpu = false;
                else if (streq(*a, "--batch") || streq(*a, "-b"))
                        batch = true;
                else if ((streq(*a, "-n") || streq(*a, "-d")) && a[1]) {
                        if (streq(*a, "-n"))
                                iterations = strtol(a[1], NULL, 10);
                        else
                                delay = strtod(a[1], NULL);
                        a++;
                } else {
                        fprintf(stderr, "svc top [-n ITERATIONS] [-d SECONDS] [--cpu|--memory] [--batch]\n");
                        return EXIT_USAGE;
                }
        }
        if (iterations < 0)
                iterations = batch ? 2 : LONG_MAX; /* batch: a second sample gives CPU% */
        bool interactive = !batch && isatty(STDIN_FILENO);
        struct termios saved, raw;
        bool restored = !interactive || tcgetattr(STDIN_FILENO, &saved) < 0;
        if (!restored) {
                raw = saved;
                raw.c_lflag &= (tcflag_t) ~(ICANON | ECHO);
                (void) tcsetattr(STDIN_FILENO, TCSANOW, &raw);
        }
        uint64_t last = 0;
        int code = EXIT_OK;
        for (long it = 0; it < iterations; it++) {
                uint64_t now = now_usec(CLOCK_MONOTONIC);
                if (top_sample(bus, last ? now - last : 0) < 0) {
                        code = EXIT_FAILED;
                        break;
                }
                last = now;
                if (!batch || it == iterations - 1 || iterations == 1)
                        top_print(!batch);
                if (it + 1 < iterations && !top_wait((int) (delay * 1000), interactive))
                        break;
        }
        if (!restored)
                (void) tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        for (size_t k = 0; k < n_top_rows; k++) {
                free(top_rows[k].name);
                free(top_rows[k].state);
        }
        free(top_rows);
        return code;
}

/* ---- move (svc-tree's side of svcd's upgrade gate) ------------------------------------------ */

/* The test hook of issue 17: with SVC_TREE_TEST_CRASH=moving, the request goes out and the
 * caller dies by SIGKILL at once, as a `svc tree upgrade` killed while svcd moves the units (or
 * the power is cut then: common/test-crash.h). */
static int test_crash_after_send(sd_bus *bus, sd_bus_message *m) {
        const char *at = getenv("SVC_TREE_TEST_CRASH");
        if (!at || !streq(at, "moving"))
                return 0;
        int r = sd_bus_send(bus, m, NULL);
        if (r >= 0)
                r = sd_bus_flush(bus);
        if (r < 0)
                return r;
        svc_test_crash_point("svc-ctl", "moving");
        return -EINTR;
}

/* `svc-ctl move TREE FROM TO MIN_HEALTHY_USEC UNIT...`: asks svcd to move the units onto
 * generation TO and waits; one "UNIT<TAB>RESULT<TAB>DETAIL" line each (svc-tree reads them). */
static int cmd_move(sd_bus *bus, char **args) {
        if (strv_length(args) < 5) {
                fprintf(stderr, "svc-ctl move TREE FROM TO MIN_HEALTHY_USEC UNIT...\n");
                return EXIT_USAGE;
        }
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r = sd_bus_message_new_method_call(bus, &m, NULL, SVC_OBJECT_PATH, SVC_INTERFACE,
                                               "MoveToGeneration");
        if (r >= 0)
                r = sd_bus_message_append(m, "suu", args[0], (uint32_t) strtoul(args[1], NULL, 10),
                                          (uint32_t) strtoul(args[2], NULL, 10));
        if (r >= 0)
                r = sd_bus_message_append_strv(m, args + 4);
        if (r >= 0)
                r = sd_bus_message_append(m, "t", (uint64_t) strtoull(args[3], NULL, 10));
        if (r >= 0)
                r = test_crash_after_send(bus, m);
        if (r >= 0)
                r = sd_bus_call(bus, m, UINT64_MAX, &e, &reply);
        if (r < 0) {
                fprintf(stderr, "svc: %s\n", e.message ? e.message : strerror(-r));
                int code = sd_bus_error_is_set(&e) ? error_to_exit(&e) : EXIT_FAILED;
                sd_bus_error_free(&e);
                return code;
        }
        const char *unit, *result, *detail;
        r = sd_bus_message_enter_container(reply, 'a', "(sss)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(sss)", &unit, &result, &detail)) > 0)
                printf("%s\t%s\t%s\n", unit, result, detail);
        return r < 0 ? EXIT_FAILED : EXIT_OK;
}

static int parse_options(int argc, char **argv) {
        static const struct option options[] = {
                { "root", required_argument, NULL, 'r' },
                { "json", no_argument, NULL, 'j' },
                { "no-block", no_argument, NULL, 'B' },
                { "timers", no_argument, NULL, 'T' },
                { "rollback", no_argument, NULL, 'R' },
                { "min-healthy", required_argument, NULL, 'H' },
                {},
        };
        int c;
        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 'r':
                        arg_root = optarg;
                        break;
                case 'j':
                        arg_json = true;
                        break;
                case 'B':
                        arg_no_block = true;
                        break;
                case 'T':
                        arg_timers = true;
                        break;
                case 'R':
                        arg_rollback = true;
                        break;
                case 'H': {
                        char *end = NULL;
                        double sec = strtod(optarg, &end);
                        if (end == optarg || (*end && !streq(end, "s")) || sec <= 0 || sec > 86400) {
                                fprintf(stderr, "svc: --min-healthy=%s: give seconds, such as 30 or 1.5s\n",
                                        optarg);
                                return -EINVAL;
                        }
                        arg_min_healthy = (uint64_t) (sec * 1e6);
                        break;
                }
                default:
                        return -EINVAL;
                }
        return 0;
}

int main(int argc, char **argv) {
        /* `svc` passes --root first. `exec` takes the rest as it is (the command's own options);
         * for the other commands getopt permutes, options may come anywhere. */
        if (argc > 3 && streq(argv[1], "--root") && streq(argv[3], "check"))
                return client_check(argv[2], argc - 3, argv + 3); /* no bus */
        if (argc > 3 && streq(argv[1], "--root") &&
            (streq(argv[3], "exec") || streq(argv[3], "top") || streq(argv[3], "move"))) {
                arg_root = argv[2];
                sd_bus *bus = NULL;
                if (connect_bus(&bus) < 0)
                        return streq(argv[3], "exec") ? 125 : EXIT_FAILED;
                int code = streq(argv[3], "exec")   ? cmd_exec(bus, argc - 4, argv + 4)
                           : streq(argv[3], "move") ? cmd_move(bus, argv + 4)
                                                    : cmd_top(bus, argv + 4);
                sd_bus_flush_close_unref(bus);
                return code;
        }
        if (parse_options(argc, argv) < 0 || optind >= argc)
                return EXIT_USAGE;
        const char *cmd = argv[optind++];
        _cleanup_strv_free_ char **names = NULL;
        for (; optind < argc; optind++)
                if (strv_extend(&names, argv[optind]) < 0)
                        return EXIT_FAILED;
        use_color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
        static const char *const known[] = { "start",  "stop",   "restart", "reload",       "status",
                                             "list",   "enable", "disable", "reload-units", "poweroff",
                                             "reboot", "halt",   "top" };
        bool ok = false;
        for (size_t i = 0; i < ELEMENTSOF(known); i++)
                ok |= streq(cmd, known[i]);
        if (!ok) {
                fprintf(stderr, "svc: unknown command %s (see svc --help)\n", cmd);
                return EXIT_USAGE;
        }
        sd_bus *bus = NULL;
        if (connect_bus(&bus) < 0)
                return EXIT_FAILED;
        int code;
        if (streq(cmd, "start"))
                code = cmd_job(bus, "Start", names);
        else if (streq(cmd, "stop"))
                code = cmd_job(bus, "Stop", names);
        else if (streq(cmd, "restart"))
                code = cmd_job(bus, "Restart", names);
        else if (streq(cmd, "reload"))
                code = cmd_job(bus, "Reload", names);
        else if (streq(cmd, "status"))
                code = any_socket(names) ? cmd_list_sockets(bus, names) : cmd_status(bus, names, false);
        else if (streq(cmd, "list") && (arg_timers || arg_json))
                code = arg_timers ? cmd_list_timers(bus) : cmd_status(bus, NULL, true);
        else if (streq(cmd, "list")) {
                code = cmd_list(bus);
                int k = cmd_list_sockets(bus, NULL);
                code = code == EXIT_OK ? k : code;
        } else if (streq(cmd, "enable"))
                code = cmd_enable(bus, "Enable", names);
        else if (streq(cmd, "disable"))
                code = cmd_enable(bus, "Disable", names);
        else if (streq(cmd, "top"))
                code = cmd_top(bus, names);
        else if (streq(cmd, "poweroff") || streq(cmd, "reboot") || streq(cmd, "halt")) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                const char *method = streq(cmd, "poweroff") ? "PowerOff"
                                     : streq(cmd, "reboot") ? "Reboot"
                                                            : "Halt";
                code = call(bus, method, &reply, NULL, NULL, 0);
        } else
                code = cmd_reload_units(bus);
        sd_bus_flush_close_unref(bus);
        return code;
}
