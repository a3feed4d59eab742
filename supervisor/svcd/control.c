/* SPDX-License-Identifier: MIT */
/* The control socket: D-Bus peer-to-peer through sd-bus on ROOT/run/svc/control, as systemd's
 * private socket. SO_PEERCRED, taken at accept, decides what a connection may do: root
 * anything, group svc status and logs, anyone else nothing, told why. */
#include <dirent.h>
#include <stdarg.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-id128.h>

#include "common/macro.h"
#include "common/paths.h"
#include "common/pin.h"
#include "common/util.h"
#include "supervisor/svcd/control-api.h"
#include "supervisor/svcd/du.h"
#include "supervisor/svcd/peer.h"
#include "supervisor/svcd/cgroup.h"
#include "supervisor/svcd/control.h"
#include "supervisor/svcd/executor.h"
#include "supervisor/svcd/gate.h"
#include "supervisor/svcd/health.h"
#include "supervisor/svcd/manager.h"
#include "supervisor/svcd/net/net.h"
#include "supervisor/svcd/record.h"
#include "supervisor/svcd/service.h"
#include "supervisor/svcd/socket-units.h"
#include "supervisor/svcd/timers.h"
#include "supervisor/svcd/userns.h"

/* A user of group svc must not lock root out: at most 16 connections per user other than
 * root, 64 for all of them together, and the rest up to 128 kept for root. A connection with
 * nothing going on is closed after 30 s, as dbus-daemon's authentication timeout does. */
#define CONTROL_MAX_CONNECTIONS 128
#define CONTROL_MAX_UNPRIVILEGED 64
#define CONTROL_MAX_PER_USER 16
#define CONTROL_IDLE_USEC (30 * USEC_PER_SEC)

enum access {
        ACCESS_NONE,
        ACCESS_READ,
        ACCESS_ALL,
};

struct conn {
        struct control_server *c;
        sd_bus *bus;
        enum access access;
        struct ucred cred;
        sd_event_source *reaper; /* frees the connection outside of sd-bus callbacks */
        sd_event_source *idle; /* closes it when nothing went on for CONTROL_IDLE_USEC */
        struct conn *next;
};

/* A call whose reply waits for jobs to settle. */
struct pending {
        sd_bus_message *msg;
        struct service **units; /* compared, never read: a unit may go away before the reply */
        char **names;
        char **results; /* NULL entry while the unit's job runs; "" on success */
        size_t n, remaining;
        struct pending *next;
};

struct control_server {
        struct manager *m;
        int fd;
        sd_event_source *src;
        char *path;
        struct conn *conns;
        size_t n_conns;
        struct pending *pending;
        struct status_call *status_calls;
        struct du_worker *du;
        struct gates *gates; /* tree upgrades in progress (gate.c); they outlive their callers */
        struct ratelimit refusals;
        bool dry_run; /* control_server_set_dry_run() */
};

/* `svc status NAME...`: the answer waits for the walks of the units' directories. */
struct status_slot {
        struct status_call *sc;
        struct du_waiter *waiter; /* NULL once answered */
        uint64_t total;
        bool valid;
};

struct status_call {
        struct control_server *c;
        sd_bus_message *msg;
        char **names;
        struct status_slot *slots;
        size_t n, remaining;
        struct status_call *next;
};

/* ---- pending replies ---------------------------------------------------------------------- */

static void pending_free(struct pending *p) {
        sd_bus_message_unref(p->msg);
        for (size_t i = 0; i < p->n; i++)
                free(p->results[i]);
        free(p->results);
        free(p->units);
        strv_free(p->names);
        free(p);
}

static int reply_results(sd_bus_message *call, char **names, char **results, size_t n) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r = sd_bus_message_new_method_return(call, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ss)");
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = sd_bus_message_append(reply, "(ss)", names[i], results[i] ? results[i] : "");
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        return r;
}

static void pending_settle(struct control_server *c, struct service *s, const char *result) {
        for (struct pending **pp = &c->pending; *pp;) {
                struct pending *p = *pp;
                for (size_t i = 0; i < p->n; i++)
                        if (p->units[i] == s && !p->results[i]) {
                                p->results[i] = strdup(result);
                                p->remaining--;
                        }
                if (p->remaining > 0) {
                        pp = &p->next;
                        continue;
                }
                (void) reply_results(p->msg, p->names, p->results, p->n);
                *pp = p->next;
                pending_free(p);
        }
}

/* A unit's job ended: the calls waiting for it are answered. */
static void on_job_done(void *userdata, struct service *s, bool ok, const char *detail) {
        struct control_server *c = userdata;
        _cleanup_free_ char *t = NULL;
        if (!ok && asprintf(&t, "failed: %s", detail ? detail : "unknown reason") < 0)
                t = NULL;
        pending_settle(c, s, ok ? "" : t ? t : "failed");
}

/* The service object goes away: calls waiting on it get an answer now. */
static void on_service_gone(void *userdata, struct service *s) {
        pending_settle(userdata, s, "failed: the unit was removed");
}

static const struct manager_observer observer = {
        .job_done = on_job_done,
        .service_gone = on_service_gone,
};

static void drop_pending_of_bus(struct control_server *c, sd_bus *bus) {
        for (struct pending **pp = &c->pending; *pp;) {
                if (sd_bus_message_get_bus((*pp)->msg) != bus) {
                        pp = &(*pp)->next;
                        continue;
                }
                struct pending *p = *pp;
                *pp = p->next;
                pending_free(p);
        }
}

/* ---- helpers ------------------------------------------------------------------------------ */

static int check_access(struct conn *k, enum access need, const char *what, sd_bus_error *error) {
        if (k->access >= need)
                return 0;
        return sd_bus_error_setf(error, SVC_ERROR_ACCESS_DENIED, "%s needs root%s", what,
                                 need == ACCESS_READ ? " or membership in group svc" : "");
}

/* A call that would act (a job, Enable, Exec, a shutdown) is refused here, once its arguments
 * are read and checked, when the server runs dry (the fuzz target of tests/fuzz). */
static int check_dry_run(struct conn *k, const char *what, sd_bus_error *error) {
        if (!k->c->dry_run)
                return 0;
        return sd_bus_error_setf(error, SVC_ERROR_FAILED, "%s: refused, svcd runs dry", what);
}

/* "nginx", "nginx.service" and "nginx.unit" name one unit, as in systemctl. */
static int lookup(struct manager *m, const char *name, struct service **ret, sd_bus_error *error) {
        char stem[UNIT_NAME_MAX + sizeof(UNIT_SERVICE_SUFFIX)];
        if (snprintf(stem, sizeof(stem), "%s", name) >= (int) sizeof(stem)) {
                (void) sd_bus_error_setf(error, SVC_ERROR_NO_SUCH_UNIT, "Unit %.64s... not found.", name);
                return -ENOENT;
        }
        unit_name_strip_suffix(stem);
        int r = manager_get_service(m, stem, ret);
        if (r == -ENOENT)
                return sd_bus_error_setf(error, SVC_ERROR_NO_SUCH_UNIT, "Unit %s not found.", name);
        if (r == -EINVAL) {
                const char *why = *ret && (*ret)->load_errors ? (*ret)->load_errors[0] : "invalid";
                return sd_bus_error_setf(error, SVC_ERROR_BAD_UNIT, "Unit %s is refused: %s", name, why);
        }
        if (r < 0)
                return sd_bus_error_set_errnof(error, -r, "Cannot load %s: %s", name, strerror(-r));
        return 0;
}

/* Reads "as" into a vector of services; every name must exist. For status, a refused unit is
 * returned too: its load errors are what the caller wants to see. */
static int resolve_units(struct manager *m, char **names, bool for_status, struct service ***ret,
                         size_t *ret_n, sd_bus_error *error) {
        int r;
        size_t n = strv_length(names);
        if (n == 0 && !for_status)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "No unit given.");
        _cleanup_free_ struct service **units = calloc(n + 1, sizeof(*units));
        if (!units)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                unit_name_strip_suffix(names[i]);
                if (for_status && (units[i] = manager_find(m, names[i])))
                        continue;
                r = lookup(m, names[i], &units[i], error);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(units);
        *ret_n = n;
        return 0;
}

static int read_units(struct manager *m, sd_bus_message *msg, bool for_status, struct service ***ret,
                      size_t *ret_n, sd_bus_error *error) {
        _cleanup_strv_free_ char **names = NULL;
        int r = sd_bus_message_read_strv(msg, &names);
        return r < 0 ? r : resolve_units(m, names, for_status, ret, ret_n, error);
}

/* ---- methods ------------------------------------------------------------------------------ */

static int enqueue_error(int r, struct service *s, sd_bus_error *error) {
        switch (r) {
        case -ESHUTDOWN:
                return sd_bus_error_set(error, SVC_ERROR_SHUTTING_DOWN, "svcd is shutting down.");
        case -ENOTCONN:
                return sd_bus_error_setf(error, SVC_ERROR_NOT_RUNNING, "Unit %s is not running.", s->name);
        case -EOPNOTSUPP:
                return sd_bus_error_setf(error, SVC_ERROR_FAILED,
                                         "Unit %s has no ExecReload= and is not Type=notify-reload.",
                                         s->name);
        case -EBUSY:
                return sd_bus_error_setf(error, SVC_ERROR_FAILED, "Unit %s has a job running.", s->name);
        default:
                return sd_bus_error_set_errnof(error, -r, "Cannot queue a job for %s: %s", s->name,
                                               strerror(-r));
        }
}

static int socket_error(int r, const char *name, const char *why, sd_bus_error *error) {
        if (r == -ENOENT)
                return sd_bus_error_setf(error, SVC_ERROR_NO_SUCH_UNIT, "Unit %s not found.", name);
        if (r == -EINVAL)
                return sd_bus_error_setf(error, SVC_ERROR_BAD_UNIT, "Unit %s is refused: %s", name,
                                         why ? why : "invalid");
        return sd_bus_error_set_errnof(error, -r, "%s: %s", name, strerror(-r));
}

/* Start, Stop, Restart of the NAME.socket among NAMES: done at once, before the services'
 * jobs; the names of services are left in NAMES. */
static int socket_jobs(struct conn *k, enum job_type job, char **names, sd_bus_error *error) {
        struct manager *m = k->c->m;
        int r = check_dry_run(k, "Starting or stopping sockets", error);
        for (size_t i = 0; r >= 0 && names[i];) {
                const char *why = NULL;
                if (!unit_name_is_socket(names[i])) {
                        i++;
                        continue;
                }
                if (job == JOB_RELOAD)
                        return sd_bus_error_setf(error, SVC_ERROR_FAILED, "A socket has nothing to reload.");
                if (job != JOB_START)
                        r = sockunits_stop(m, names[i]);
                if (r >= 0 && job != JOB_STOP)
                        r = sockunits_start(m, names[i], &why);
                if (r < 0)
                        return socket_error(r, names[i], why, error);
                free(names[i]);
                memmove(names + i, names + i + 1, sizeof(char *) * strv_length(names + i));
        }
        return r;
}

static bool any_socket(char **names) {
        STRV_FOREACH (name, names)
                if (unit_name_is_socket(*name))
                        return true;
        return false;
}

static int method_job(sd_bus_message *msg, struct conn *k, enum job_type job, const char *verb,
                      sd_bus_error *error) {
        int r = check_access(k, ACCESS_ALL, verb, error);
        if (r < 0)
                return r;
        _cleanup_strv_free_ char **names_in = NULL;
        r = sd_bus_message_read_strv(msg, &names_in);
        bool sockets = r >= 0 && any_socket(names_in);
        if (sockets)
                r = socket_jobs(k, job, names_in, error);
        if (r >= 0 && sockets && !names_in[0]) { /* sockets alone: done */
                _cleanup_free_ char **empty = calloc(1, sizeof(char *));
                return empty ? reply_results(msg, names_in, empty, 0) : -ENOMEM;
        }
        struct service **units = NULL;
        size_t n;
        if (r >= 0)
                r = resolve_units(k->c->m, names_in, false, &units, &n, error);
        if (r < 0)
                return r;
        int wait = 1;
        r = sd_bus_message_read(msg, "b", &wait);
        if (r >= 0)
                r = check_dry_run(k, verb, error);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                r = manager_enqueue(k->c->m, units[i], job, true);
                if (r < 0)
                        r = enqueue_error(r, units[i], error);
        }
        _cleanup_strv_free_ char **names = NULL;
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = strv_extend(&names, units[i]->name);
        if (r < 0 || !wait) {
                if (r >= 0) {
                        _cleanup_free_ char **empty = calloc(n + 1, sizeof(char *));
                        r = empty ? reply_results(msg, names, empty, n) : -ENOMEM;
                }
                free(units);
                return r < 0 ? r : 1;
        }
        struct pending *p = calloc(1, sizeof(*p));
        if (!p || !(p->results = calloc(n + 1, sizeof(char *)))) {
                free(p);
                free(units);
                return -ENOMEM;
        }
        p->msg = sd_bus_message_ref(msg);
        p->names = TAKE_PTR(names);
        p->units = units;
        p->n = p->remaining = n;
        p->next = k->c->pending;
        k->c->pending = p;
        return 1;
}

static int method_start(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return method_job(msg, userdata, JOB_START, "Starting units", error);
}
static int method_stop(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return method_job(msg, userdata, JOB_STOP, "Stopping units", error);
}
static int method_restart(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return method_job(msg, userdata, JOB_RESTART, "Restarting units", error);
}
static int method_reload(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return method_job(msg, userdata, JOB_RELOAD, "Reloading units", error);
}

static const char *job_to_string(enum job_type j) {
        static const char *const t[_JOB_MAX] = { "", "start", "stop", "restart", "reload" };
        return j < _JOB_MAX ? t[j] : "";
}

static int append_resources(sd_bus_message *reply, const struct service *s, const uint64_t *disk);

static int append_strv(sd_bus_message *reply, const char *key, char **l) {
        int r = sd_bus_message_open_container(reply, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append(reply, "s", key);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'v', "as");
        if (r >= 0)
                r = sd_bus_message_append_strv(reply, l);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

/* "on generation 4 of tree bull (pinned after the upgrade to 5 failed: ...)", or NULL. */
static char *pin_describe(const struct service *s) {
        _cleanup_free_ char *pins = path_join(s->m->root, SVC_PINS_DIR);
        struct tree_pin pin = { 0 };
        const char *rd = s->unit ? s->unit->root_directory : NULL;
        if (s->admin->held_reason)
                return strdup(s->admin->held_reason);
        if (!rd || !pins || tree_pin_read(pins, s->name, &pin) < 0)
                return NULL;
        char *d = NULL;
        if (streq(pin.tree, rd) &&
            asprintf(&d, "on generation %u of tree %s (%s)", pin.gen, pin.tree, pin.reason) < 0)
                d = NULL;
        tree_pin_done(&pin);
        return d;
}

/* DISK: the bytes the service keeps on disk, or NULL to leave them out. */
static int append_status(sd_bus_message *reply, struct service *s, const uint64_t *disk) {
        char exitbuf[128];
        _cleanup_free_ char *detail = service_describe(s);
        const struct unit *u = s->unit;
        pid_t pid = s->main_host_pid;
        pid_t nspid = s->reported_main_pid > 0 ? s->reported_main_pid : s->main_pid;
        int r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r >= 0)
                r = sd_bus_message_append(
                        reply, "{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}", "Name", "s", s->name,
                        "Description", "s", u && u->description ? u->description : "", "State", "s",
                        u ? svc_state_to_string(s->sm.state) : "error", "Detail", "s", detail ? detail : "",
                        "Result", "s", svc_result_to_string(s->sm.result), "Since", "t", s->since_realtime,
                        "MainPID", "u", (uint32_t) (pid > 0 ? pid : 0), "Restarts", "u",
                        (uint32_t) s->total_restarts, "LastExit", "s",
                        s->sm.exit_code ? service_describe_exit(s, exitbuf, sizeof(exitbuf)) : "",
                        "StatusText", "s", s->status_text ? s->status_text : "", "Path", "s",
                        u ? u->path : "", "Enabled", "b", s->admin->enabled, "Job", "s",
                        job_to_string(s->admin->job));
        if (r >= 0)
                r = sd_bus_message_append(reply, "{sv}{sv}{sv}{sv}", "TreePath", "s",
                                          s->has_sb && s->tree_path ? s->tree_path : "", "Type", "s",
                                          u ? service_type_to_string(u->type) : "", "NSPID", "u",
                                          (uint32_t) (s->main_pid ? nspid : 0), "InitPID", "u",
                                          (uint32_t) (s->has_sb ? s->sb.pid : 0));
        _cleanup_free_ char *pin = pin_describe(s);
        if (r >= 0 && pin)
                r = sd_bus_message_append(reply, "{sv}", "Pin", "s", pin);
        if (r >= 0 && s->admin->health_state != HEALTH_STATE_NONE)
                r = sd_bus_message_append(reply, "{sv}{sv}{sv}", "Health", "s",
                                          health_state_to_string(s->admin->health_state), "HealthOutput", "s",
                                          health_last_output(s), "HealthStreak", "u",
                                          (uint32_t) health_streak(s));
        char addr[16];
        const char *a = net_service_address(s, addr);
        char addr6[46];
        const char *a6 = net_service_address6(s, addr6);
        if (r >= 0)
                r = sd_bus_message_append(reply, "{sv}{sv}{sv}{sv}", "Address", "s", a ? a : "", "Address6",
                                          "s", a6 ? a6 : "", "Outbound", "b", u && u->outbound, "Users", "s",
                                          users_describe(s));
        if (r >= 0 && u && u->n_publish > 0) {
                _cleanup_strv_free_ char **ports = net_ports_describe(u);
                r = ports ? append_strv(reply, "Ports", ports) : -ENOMEM;
        }
        if (r >= 0 && s->load_errors)
                r = append_strv(reply, "LoadErrors", s->load_errors);
        _cleanup_strv_free_ char **leftovers = service_leftovers(s);
        if (r >= 0 && leftovers)
                r = append_strv(reply, "Leftovers", leftovers);
        if (r >= 0)
                r = append_resources(reply, s, disk);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

/* What the service keeps on disk: its overlay, state and logs directories and its log. NULL on
 * OOM. */
static char **service_disk_paths(const struct service *s) {
        const struct manager *m = s->m;
        _cleanup_strv_free_ char **l = NULL;
        int r = strv_push(&l, path_join(m->log_dir, s->name));
        if (r >= 0)
                r = strv_push(&l, path_join(m->overlay_dir, s->name));
        char **lists[] = { s->unit ? s->unit->state_directories : NULL,
                           s->unit ? s->unit->logs_directories : NULL };
        const char *bases[] = { m->state_dir, m->svclog_root };
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(lists); i++)
                STRV_FOREACH (d, lists[i])
                        if (r >= 0)
                                r = strv_push(&l, path_join(bases[i], *d));
        return r < 0 ? NULL : TAKE_PTR(l);
}

static uint64_t limit_or_none(uint64_t v) {
        return v == UNIT_UNSET ? UINT64_MAX - 1 : v; /* UINT64_MAX - 1: not set; UINT64_MAX: infinity */
}

static int append_resources(sd_bus_message *reply, const struct service *s, const uint64_t *disk) {
        struct cgroup_stats st;
        cgroup_service_stats(s, &st);
        const struct unit *u = s->unit;
        int r = sd_bus_message_append(
                reply, "{sv}{sv}{sv}{sv}", "MemoryCurrent", "t", st.valid ? st.memory : UINT64_MAX,
                "MemoryPeak", "t", st.valid ? st.memory_peak : UINT64_MAX, "Tasks", "t",
                st.valid ? st.tasks : UINT64_MAX, "CPUUsageUSec", "t", st.valid ? st.cpu_usec : UINT64_MAX);
        if (r >= 0 && u)
                r = sd_bus_message_append(
                        reply, "{sv}{sv}{sv}{sv}{sv}{sv}", "MemoryMax", "t", limit_or_none(u->memory_max),
                        "MemoryHigh", "t", limit_or_none(u->memory_high), "TasksMax", "t",
                        limit_or_none(u->tasks_max), "CPUWeight", "t", limit_or_none(u->cpu_weight),
                        "CPUQuotaPerSecUSec", "t", limit_or_none(u->cpu_quota_per_sec_usec), "IOWeight", "t",
                        limit_or_none(u->io_weight));
        if (r >= 0 && disk)
                r = sd_bus_message_append(reply, "{sv}", "DiskUsage", "t", *disk);
        return r;
}

static int reply_status(sd_bus_message *msg, struct service **units, size_t n, const uint64_t *disk) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "a{sv}");
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = append_status(reply, units[i], disk ? &disk[i] : NULL);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        return r;
}

static void status_call_free(struct status_call *sc) {
        for (size_t i = 0; sc->slots && i < sc->n; i++)
                if (sc->slots[i].waiter)
                        du_cancel(sc->slots[i].waiter);
        STRV_FOREACH (name, sc->names) {
                struct service *s = manager_find(sc->c->m, *name);
                if (s && s->admin->pins > 0 && --s->admin->pins == 0)
                        manager_schedule_dispatch(sc->c->m); /* it may be collected now */
        }
        free(sc->slots);
        sd_bus_message_unref(sc->msg);
        strv_free(sc->names);
        free(sc);
}

static void status_call_unlink(struct status_call *sc) {
        for (struct status_call **pp = &sc->c->status_calls; *pp; pp = &(*pp)->next)
                if (*pp == sc) {
                        *pp = sc->next;
                        return;
                }
}

/* Every walk ended: the answer has the state of now, and each unit's disk usage. */
static void status_call_answer(struct status_call *sc) {
        _cleanup_free_ struct service **units = calloc(sc->n + 1, sizeof(*units));
        _cleanup_free_ uint64_t *totals = calloc(sc->n + 1, sizeof(*totals));
        size_t i = 0;
        bool valid = true;
        for (; units && totals && i < sc->n; i++) {
                /* Pinned since the call came (pins): an instance it loaded is still there. */
                if (!(units[i] = manager_find(sc->c->m, sc->names[i])))
                        break;
                totals[i] = sc->slots[i].total;
                valid = valid && sc->slots[i].valid;
        }
        int r = !units || !totals ? -ENOMEM
                : i < sc->n       ? -ENOENT
                                  : reply_status(sc->msg, units, sc->n, valid ? totals : NULL);
        if (r == -ENOENT)
                (void) sd_bus_reply_method_errorf(sc->msg, SVC_ERROR_NO_SUCH_UNIT, "Unit %s not found.",
                                                  sc->names[i]);
        else if (r < 0)
                (void) sd_bus_reply_method_errnof(sc->msg, -r, "Cannot read the status: %m");
}

static void on_disk_usage(const uint64_t *total, void *userdata) {
        struct status_slot *slot = userdata;
        struct status_call *sc = slot->sc;
        slot->waiter = NULL;
        slot->valid = total;
        slot->total = total ? *total : 0;
        if (--sc->remaining > 0)
                return;
        status_call_unlink(sc);
        status_call_answer(sc);
        status_call_free(sc);
}

/* Named units: worth walking their directories for the disk usage, outside of the loop. */
static int status_with_disk_usage(struct conn *k, sd_bus_message *msg, struct service **units, size_t n) {
        struct control_server *c = k->c;
        struct status_call *sc = calloc(1, sizeof(*sc));
        if (!sc || !(sc->slots = calloc(n, sizeof(*sc->slots)))) {
                free(sc);
                return -ENOMEM;
        }
        sc->c = c;
        sc->msg = sd_bus_message_ref(msg);
        sc->n = n;
        int r = 0;
        for (size_t i = 0; r >= 0 && i < n; i++) {
                sc->slots[i].sc = sc;
                char **paths = service_disk_paths(units[i]);
                r = paths ? strv_extend(&sc->names, units[i]->name) : -ENOMEM;
                if (r >= 0)
                        units[i]->admin->pins++; /* not collected before the answer (status_call_free) */
                if (r >= 0)
                        r = du_request(c->du, units[i]->name, TAKE_PTR(paths), on_disk_usage, &sc->slots[i],
                                       &sc->slots[i].waiter);
                else
                        strv_free(paths);
                if (r >= 0)
                        sc->remaining++;
        }
        if (r < 0) {
                status_call_free(sc);
                return r;
        }
        sc->next = c->status_calls;
        c->status_calls = sc;
        return 1;
}

static int method_status(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        struct conn *k = userdata;
        int r = check_access(k, ACCESS_READ, "Reading status", error);
        if (r < 0)
                return r;
        _cleanup_free_ struct service **units = NULL;
        size_t n;
        r = read_units(k->c->m, msg, true, &units, &n, error);
        if (r < 0)
                return r;
        if (n == 0)
                return reply_status(msg, k->c->m->services, k->c->m->n_services, NULL);
        return status_with_disk_usage(k, msg, units, n);
}

/* `svc list`: the columns it prints, one struct per unit (name, state, health, main PID, memory,
 * restarts, enabled, description): a fifth of Status's dictionary entries, and no other file read
 * than each running unit's memory. */
static int cmp_service_name(const void *a, const void *b) {
        return strcmp((*(struct service *const *) a)->name, (*(struct service *const *) b)->name);
}

static int method_list(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        struct conn *k = userdata;
        const struct manager *m = k->c->m;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r = check_access(k, ACCESS_READ, "Listing units", error);
        if (r < 0)
                return r;
        /* By name, as systemctl lists them (svcd keeps them in the order it loaded them). */
        _cleanup_free_ struct service **sorted = NULL;
        if (m->n_services > 0) {
                sorted = malloc(m->n_services * sizeof(*sorted));
                if (!sorted)
                        return -ENOMEM;
                memcpy(sorted, m->services, m->n_services * sizeof(*sorted));
                qsort(sorted, m->n_services, sizeof(*sorted), cmp_service_name);
        }
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(sssutubs)");
        for (size_t i = 0; r >= 0 && i < m->n_services; i++) {
                const struct service *s = sorted[i];
                const struct unit *u = s->unit;
                enum health_state h = s->admin->health_state;
                r = sd_bus_message_append(reply, "(sssutubs)", s->name,
                                          u ? svc_state_to_string(s->sm.state) : "error",
                                          h == HEALTH_STATE_NONE ? "" : health_state_to_string(h),
                                          (uint32_t) (s->main_host_pid > 0 ? s->main_host_pid : 0),
                                          cgroup_service_memory(s), (uint32_t) s->total_restarts,
                                          s->admin->enabled, u && u->description ? u->description : "");
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r < 0 ? r : sd_bus_send(NULL, reply, NULL);
}

/* ---- timers ------------------------------------------------------------------------------- */

/* Enable/Disable of NAME.timer: arms or disarms it now and at every start. */
static int enable_timer(struct manager *m, const char *name, bool enable, sd_bus_error *error) {
        const char *why = NULL;
        int r = timers_set_enabled(m, name, enable, &why);
        if (r == -ENOENT)
                return sd_bus_error_setf(error, SVC_ERROR_NO_SUCH_UNIT, "Unit %s not found.", name);
        if (r == -EINVAL)
                return sd_bus_error_setf(error, SVC_ERROR_BAD_UNIT, "Unit %s is refused: %s", name,
                                         why ? why : "invalid");
        if (r < 0)
                return sd_bus_error_set_errnof(error, -r, "Cannot %s %s: %s", enable ? "enable" : "disable",
                                               name, strerror(-r));
        return 0;
}

/* Enable/Disable of NAME.socket: listens or stops now and at every start. */
static int enable_socket(struct manager *m, const char *name, bool enable, sd_bus_error *error) {
        const char *why = NULL;
        int r = sockunits_set_enabled(m, name, enable, &why);
        return r < 0 ? socket_error(r, name, why, error) : 0;
}

static int method_list_sockets(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        struct conn *k = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r = check_access(k, ACCESS_READ, "Listing sockets", error);
        if (r >= 0)
                r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sockunits_append_list(k->c->m, reply);
        return r < 0 ? r : sd_bus_send(NULL, reply, NULL);
}

static int method_list_timers(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        struct conn *k = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r = check_access(k, ACCESS_READ, "Listing timers", error);
        if (r >= 0)
                r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = timers_append_list(k->c->m, reply);
        return r < 0 ? r : sd_bus_send(NULL, reply, NULL);
}

static int method_enable(sd_bus_message *msg, struct conn *k, bool enable, sd_bus_error *error) {
        _cleanup_strv_free_ char **names = NULL;
        const char *what = enable ? "Enabling units" : "Disabling units";
        int r = check_access(k, ACCESS_ALL, what, error);
        if (r >= 0)
                r = sd_bus_message_read_strv(msg, &names);
        if (r >= 0 && strv_length(names) == 0)
                r = sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "No unit given.");
        STRV_FOREACH (name, names) {
                struct service *s = NULL;
                if (r >= 0 && unit_name_kind_suffix_len(*name) > 0) {
                        r = check_dry_run(k, what, error);
                        if (r >= 0)
                                r = unit_name_is_timer(*name) ? enable_timer(k->c->m, *name, enable, error)
                                                              : enable_socket(k->c->m, *name, enable, error);
                        continue;
                }
                if (r >= 0)
                        unit_name_strip_suffix(*name);
                if (r >= 0)
                        r = lookup(k->c->m, *name, &s, error);
                if (r >= 0)
                        r = check_dry_run(k, what, error);
                if (r >= 0 && (r = manager_set_enabled(k->c->m, s, enable)) < 0)
                        return sd_bus_error_set_errnof(error, -r, "Cannot %s %s: %s",
                                                       enable ? "enable" : "disable", s->name, strerror(-r));
        }
        return r < 0 ? r : sd_bus_reply_method_return(msg, NULL);
}

static int method_enable_cb(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return method_enable(msg, userdata, true, error);
}
static int method_disable_cb(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return method_enable(msg, userdata, false, error);
}

/* The reload's report; the units a gate watched (reload-units --rollback) say what became of them. */
static int reply_reload(sd_bus_message *msg, const struct reload_report *rep, size_t n,
                        const struct gate_result *res, size_t n_res) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(sss)");
        for (size_t i = 0; r >= 0 && i < n; i++) {
                const char *action = rep[i].action, *message = rep[i].message ? rep[i].message : "";
                for (size_t k = 0; k < n_res; k++)
                        if (streq(res[k].unit, rep[i].name)) {
                                action = res[k].result;
                                message = res[k].detail ? res[k].detail : "";
                        }
                r = sd_bus_message_append(reply, "(sss)", rep[i].name, action, message);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        return r;
}

static int method_reload_units(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        struct conn *k = userdata;
        int r = check_access(k, ACCESS_ALL, "Reloading the unit directory", error);
        if (r < 0)
                return r;
        struct reload_report *rep = NULL;
        size_t n = 0;
        r = manager_reload_units(k->c->m, &rep, &n);
        if (r < 0)
                return sd_bus_error_set_errnof(error, -r, "Reload failed: %s", strerror(-r));
        r = reply_reload(msg, rep, n, NULL, 0);
        reload_report_free(rep, n);
        return r;
}

static int exec_lookup(struct conn *k, sd_bus_message *msg, struct service **ret, sd_bus_error *error) {
        int r = check_access(k, ACCESS_ALL, "Running a command in a service", error);
        const char *name;
        if (r >= 0)
                r = sd_bus_message_read(msg, "s", &name);
        if (r >= 0)
                r = lookup(k->c->m, name, ret, error);
        return r;
}

static int method_exec(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        struct conn *k = userdata;
        struct service *s;
        int r = exec_lookup(k, msg, &s, error);
        if (r < 0)
                return r;
        _cleanup_strv_free_ char **argv = NULL;
        int fds[3], tty;
        r = sd_bus_message_read_strv(msg, &argv);
        if (r >= 0)
                r = sd_bus_message_read(msg, "hhhb", &fds[0], &fds[1], &fds[2], &tty);
        if (r < 0)
                return r;
        if (strv_length(argv) == 0)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "No command given.");
        r = check_dry_run(k, "Running a command in a service", error);
        if (r < 0)
                return r;
        uint32_t id;
        _cleanup_free_ char *why = NULL;
        r = exec_session_start(s, argv, fds, tty, &id, &why);
        if (r < 0)
                return sd_bus_error_setf(error,
                                         r == -ESRCH    ? SVC_ERROR_NOT_RUNNING
                                         : r == -ENOENT ? SVC_ERROR_COMMAND_NOT_FOUND
                                                        : SVC_ERROR_FAILED,
                                         "%s", why ? why : strerror(-r));
        return sd_bus_reply_method_return(msg, "u", id);
}

/* The session a client waits on ended: its Wait call gets the exit code. */
static void exec_reply(struct service *s _unused_, struct exec_session *e) {
        (void) sd_bus_reply_method_return(e->waiter, "is", (int32_t) e->exit_code,
                                          e->message ? e->message : "");
}

static void exec_waiter_free(void *waiter) {
        sd_bus_message_unref(waiter);
}

static int method_exec_wait(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        struct conn *k = userdata;
        struct service *s;
        uint32_t id;
        int r = exec_lookup(k, msg, &s, error);
        if (r >= 0)
                r = sd_bus_message_read(msg, "u", &id);
        if (r < 0)
                return r;
        struct exec_session *e = exec_session_find(s, id);
        if (!e || e->on_done)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "No such command running in %s.",
                                         s->name);
        e->waiter = sd_bus_message_ref(msg);
        e->waiter_free = exec_waiter_free;
        e->on_done = exec_reply;
        exec_session_flush(s, e);
        return 1;
}

static int method_exec_signal(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        struct conn *k = userdata;
        struct service *s;
        uint32_t id;
        int sig;
        int r = exec_lookup(k, msg, &s, error);
        if (r >= 0)
                r = sd_bus_message_read(msg, "ui", &id, &sig);
        if (r < 0)
                return r;
        exec_session_signal(s, id, sig);
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_power(sd_bus_message *msg, struct conn *k, enum shutdown_kind kind, sd_bus_error *error) {
        int r = check_access(k, ACCESS_ALL, "Shutting down", error);
        if (r >= 0)
                r = check_dry_run(k, "Shutting down", error);
        if (r < 0)
                return r;
        manager_request_shutdown(k->c->m, kind);
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_poweroff(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return method_power(msg, userdata, SHUTDOWN_POWEROFF, error);
}
static int method_reboot(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return method_power(msg, userdata, SHUTDOWN_REBOOT, error);
}
static int method_halt(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return method_power(msg, userdata, SHUTDOWN_HALT, error);
}

/* ---- tree upgrades (gate.c) ------------------------------------------------------------------ */

/* A call a gate answers: MoveToGeneration, or ReloadUnits with rollback (its report kept). */
struct gate_call {
        sd_bus_message *msg;
        struct reload_report *rep;
        size_t n;
};

static void gate_call_free(struct gate_call *gc) {
        sd_bus_message_unref(gc->msg);
        reload_report_free(gc->rep, gc->n);
        free(gc);
}

static int reply_moved(sd_bus_message *call, const struct gate_result *res, size_t n) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r = sd_bus_message_new_method_return(call, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(sss)");
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = sd_bus_message_append(reply, "(sss)", res[i].unit, res[i].result,
                                          res[i].detail ? res[i].detail : "");
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        return r;
}

/* The gate settled: (unit, result, detail) for each unit it moved, pinned or started again. */
static void on_gate_done(void *userdata, const struct gate_result *res, size_t n) {
        struct gate_call *gc = userdata;
        int r = gc->rep ? reply_reload(gc->msg, gc->rep, gc->n, res, n) : reply_moved(gc->msg, res, n);
        if (r < 0)
                log_warning_errno(r, "Cannot answer the call that waited for the gate: %m");
        gate_call_free(gc);
}

static bool gate_of_bus(void *userdata, void *bus) {
        struct gate_call *gc = userdata;
        if (sd_bus_message_get_bus(gc->msg) != bus)
                return false;
        gate_call_free(gc);
        return true;
}

static int gate_error(int r, const char *why, sd_bus_error *error) {
        if (r == -ESHUTDOWN)
                return sd_bus_error_set(error, SVC_ERROR_SHUTTING_DOWN, "svcd is shutting down.");
        return sd_bus_error_setf(error, r == -ENOENT ? SVC_ERROR_NO_SUCH_UNIT : SVC_ERROR_FAILED, "%s",
                                 why ? why : strerror(-r));
}

/* ReloadUnitsWithRollback(min_healthy_usec): reload-units, then the restarted units are watched;
 * one whose new definition breaks goes back to its previous one (gate.c). */
static int method_reload_rollback(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        struct conn *k = userdata;
        struct gate_request req = { 0 };
        _cleanup_strv_free_ char **units = NULL;
        _cleanup_free_ char *why = NULL;
        int r = check_access(k, ACCESS_ALL, "Reloading the unit directory", error);
        if (r >= 0)
                r = sd_bus_message_read(msg, "t", &req.min_healthy_usec);
        struct gate_call *gc = r >= 0 ? calloc(1, sizeof(*gc)) : NULL;
        if (r < 0 || !gc)
                return r < 0 ? r : -ENOMEM;
        gc->msg = sd_bus_message_ref(msg);
        r = manager_reload_units(k->c->m, &gc->rep, &gc->n);
        for (size_t i = 0; r >= 0 && i < gc->n; i++)
                if (streq(gc->rep[i].action, "restarted"))
                        r = strv_extend(&units, gc->rep[i].name);
        if (r >= 0 && !units) {
                r = reply_reload(msg, gc->rep, gc->n, NULL, 0);
                gate_call_free(gc);
                return r;
        }
        req.units = units;
        if (r >= 0 && (r = gates_begin(k->c->gates, &req, on_gate_done, gc, &why)) >= 0)
                return 1;
        gate_call_free(gc);
        return gate_error(r, why, error);
}

/* MoveToGeneration(tree, from, to, units, min_healthy_usec): svc tree upgrade and unpin. */
static int method_move(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        struct conn *k = userdata;
        struct gate_request req = { 0 };
        _cleanup_strv_free_ char **units = NULL;
        _cleanup_free_ char *why = NULL;
        int r = check_access(k, ACCESS_ALL, "Moving units to a generation", error);
        if (r >= 0)
                r = sd_bus_message_read(msg, "suu", &req.tree, &req.from, &req.to);
        if (r >= 0)
                r = sd_bus_message_read_strv(msg, &units);
        if (r >= 0)
                r = sd_bus_message_read(msg, "t", &req.min_healthy_usec);
        if (r >= 0)
                r = check_dry_run(k, "Moving units to a generation", error);
        if (r < 0)
                return r;
        STRV_FOREACH (u, units)
                unit_name_strip_suffix(*u);
        req.units = units;
        struct gate_call *gc = calloc(1, sizeof(*gc));
        if (!gc)
                return -ENOMEM;
        gc->msg = sd_bus_message_ref(msg);
        r = gates_begin(k->c->gates, &req, on_gate_done, gc, &why);
        if (r >= 0)
                return 1;
        gate_call_free(gc);
        return gate_error(r, why, error);
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("Start", "asb", "a(ss)", method_start, 0),
        SD_BUS_METHOD("Stop", "asb", "a(ss)", method_stop, 0),
        SD_BUS_METHOD("Restart", "asb", "a(ss)", method_restart, 0),
        SD_BUS_METHOD("Reload", "asb", "a(ss)", method_reload, 0),
        SD_BUS_METHOD("Status", "as", "aa{sv}", method_status, 0),
        SD_BUS_METHOD("Enable", "as", "", method_enable_cb, 0),
        SD_BUS_METHOD("Disable", "as", "", method_disable_cb, 0),
        SD_BUS_METHOD("List", "", "a(sssutubs)", method_list, 0),
        SD_BUS_METHOD("ListTimers", "", "a(ssttbs)", method_list_timers, 0),
        SD_BUS_METHOD("ListSockets", "", "a(ssbsuus)", method_list_sockets, 0),
        SD_BUS_METHOD("ReloadUnits", "", "a(sss)", method_reload_units, 0),
        SD_BUS_METHOD("Exec", "sashhhb", "u", method_exec, 0),
        SD_BUS_METHOD("ExecWait", "su", "is", method_exec_wait, 0),
        SD_BUS_METHOD("ExecSignal", "sui", "", method_exec_signal, 0),
        SD_BUS_METHOD("PowerOff", "", "", method_poweroff, 0),
        SD_BUS_METHOD("Reboot", "", "", method_reboot, 0),
        SD_BUS_METHOD("Halt", "", "", method_halt, 0),
        SD_BUS_METHOD("MoveToGeneration", "suuast", "a(sss)", method_move, 0),
        SD_BUS_METHOD("ReloadUnitsWithRollback", "t", "a(sss)", method_reload_rollback, 0),
        SD_BUS_VTABLE_END,
};

/* ---- connections -------------------------------------------------------------------------- */

static void conn_free(struct conn *k) {
        struct control_server *c = k->c;
        for (struct conn **pp = &c->conns; *pp; pp = &(*pp)->next)
                if (*pp == k) {
                        *pp = k->next;
                        c->n_conns--;
                        break;
                }
        drop_pending_of_bus(c, k->bus);
        gates_forget(c->gates, gate_of_bus, k->bus);
        for (struct status_call **pp = &c->status_calls; *pp;) {
                struct status_call *sc = *pp;
                if (sd_bus_message_get_bus(sc->msg) != k->bus) {
                        pp = &sc->next;
                        continue;
                }
                *pp = sc->next;
                status_call_free(sc);
        }
        sd_event_source_disable_unref(k->reaper);
        sd_event_source_disable_unref(k->idle);
        sd_bus_detach_event(k->bus);
        /* No flush: it waits, with the loop, for a peer that neither reads nor finishes its
         * authentication. Replies are written as they are made; the peer is gone or idle. */
        sd_bus_close_unref(k->bus);
        free(k);
}

static int on_reap_conn(sd_event_source *src _unused_, void *userdata) {
        conn_free(userdata);
        return 0;
}

static int on_disconnected(sd_bus_message *msg _unused_, void *userdata, sd_bus_error *error _unused_) {
        struct conn *k = userdata;
        if (!k->reaper)
                (void) sd_event_add_defer(k->c->m->event, &k->reaper, on_reap_conn, k);
        return 0;
}

/* A call of the connection still waits for its answer (a job, `svc exec`). */
static bool conn_busy(const struct conn *k) {
        for (const struct pending *p = k->c->pending; p; p = p->next)
                if (sd_bus_message_get_bus(p->msg) == k->bus)
                        return true;
        for (const struct status_call *sc = k->c->status_calls; sc; sc = sc->next)
                if (sd_bus_message_get_bus(sc->msg) == k->bus)
                        return true;
        const struct manager *m = k->c->m;
        for (size_t i = 0; i < m->n_services; i++)
                for (const struct exec_session *e = m->services[i]->execs; e; e = e->next)
                        if (e->on_done == exec_reply && sd_bus_message_get_bus(e->waiter) == k->bus)
                                return true;
        return false;
}

static int on_idle(sd_event_source *src, uint64_t usec _unused_, void *userdata) {
        struct conn *k = userdata;
        if (conn_busy(k)) {
                (void) sd_event_source_set_time_relative(src, CONTROL_IDLE_USEC);
                return sd_event_source_set_enabled(src, SD_EVENT_ONESHOT);
        }
        log_debug("Closing a control connection of uid %u: nothing sent for %llu s", (unsigned) k->cred.uid,
                  CONTROL_IDLE_USEC / USEC_PER_SEC);
        conn_free(k);
        return 0;
}

/* Every message that comes in pushes the idle timeout back. */
static int on_message(sd_bus_message *msg _unused_, void *userdata, sd_bus_error *error _unused_) {
        struct conn *k = userdata;
        (void) sd_event_source_set_time_relative(k->idle, CONTROL_IDLE_USEC);
        (void) sd_event_source_set_enabled(k->idle, SD_EVENT_ONESHOT);
        return 0;
}

/* Whether the limits leave room for one more connection of UID. */
static bool room_for(const struct control_server *c, uid_t uid) {
        if (c->n_conns >= CONTROL_MAX_CONNECTIONS)
                return false;
        if (uid == 0)
                return true;
        size_t all = 0, mine = 0;
        for (const struct conn *k = c->conns; k; k = k->next)
                if (k->cred.uid != 0) {
                        all++;
                        mine += k->cred.uid == uid;
                }
        return all < CONTROL_MAX_UNPRIVILEGED && mine < CONTROL_MAX_PER_USER;
}

static void log_refusal(struct control_server *c, int r, const char *fmt, ...) _printf_(3, 4);
static void log_refusal(struct control_server *c, int r, const char *fmt, ...) {
        unsigned suppressed;
        if (!ratelimit_pass(&c->refusals, &suppressed))
                return;
        if (suppressed > 0)
                log_warning("(%u refusals of control connections not logged)", suppressed);
        _cleanup_free_ char *t = NULL;
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(&t, fmt, ap) < 0)
                t = NULL;
        va_end(ap);
        if (r < 0)
                log_warning_errno(r, "Refusing a control connection from %s: %m", t ? t : "a peer");
        else
                log_warning("Refusing a control connection from %s", t ? t : "a peer");
}

static enum access access_of(const struct control_server *c, int fd, const struct ucred *uc) {
        if (uc->uid == 0)
                return ACCESS_ALL;
        gid_t g = c->m->svc_gid;
        if (g == (gid_t) -1)
                return ACCESS_NONE;
        if (uc->gid == g)
                return ACCESS_READ;
        gid_t groups[256];
        socklen_t len = sizeof(groups);
        if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
                return ACCESS_NONE;
        for (size_t i = 0; i < len / sizeof(gid_t); i++)
                if (groups[i] == g)
                        return ACCESS_READ;
        return ACCESS_NONE;
}

/* A process of a service never controls svcd, whatever its uid: a service that got hold of the
 * socket (a bind, a passed fd) is refused here, and so is a peer svcd cannot identify (it
 * connected and exited, leaving the connection to a child). Services, and Accept=yes
 * connections, live in PID namespaces below svcd's; the host's svc runs in svcd's namespace or,
 * when svcd is a container's PID 1, above it. */
static bool peer_trusted(struct control_server *c, int fd, const struct ucred *uc) {
        int r = peer_above_services(fd, uc->pid);
        if (r > 0)
                return true;
        unsigned suppressed;
        if (!ratelimit_pass(&c->refusals, &suppressed))
                return false;
        if (suppressed > 0)
                log_warning("(%u refusals of control connections not logged)", suppressed);
        if (r == 0)
                log_warning("Refusing a control connection from pid %d, a process of a service",
                            (int) uc->pid);
        else if (r == -ESRCH)
                log_warning("Refusing a control connection from pid %d, which has ended", (int) uc->pid);
        else
                log_warning_errno(r,
                                  "Refusing a control connection from pid %d, which cannot be identified: %m",
                                  (int) uc->pid);
        return false;
}

/* Takes the fd once the bus owns it. */
static int conn_setup(struct conn *k, int *fd) {
        sd_id128_t id;
        int r = sd_id128_randomize(&id);
        if (r >= 0)
                r = sd_bus_new(&k->bus);
        if (r >= 0)
                r = sd_bus_set_fd(k->bus, *fd, *fd);
        if (r >= 0)
                TAKE_FD(*fd);
        if (r >= 0)
                r = sd_bus_set_server(k->bus, 1, id);
        /* svc exec passes its stdio, and only root may exec. sd-bus keeps the descriptors that
         * came with a message it cannot parse and drops (systemd 252 and later): a peer that may
         * pass them can leave svcd without any. Root may do that and worse; nobody else. */
        if (r >= 0)
                r = sd_bus_negotiate_fds(k->bus, k->access == ACCESS_ALL);
        /* Who may do what is decided at accept, from the kernel's SO_PEERCRED (access_of()),
         * never from the SASL exchange; so svc authenticates as ANONYMOUS. EXTERNAL would
         * refuse a peer outside svcd's PID namespace, whose SO_PEERCRED pid is 0 (svc on the
         * host of a container whose PID 1 is svcd). */
        if (r >= 0)
                r = sd_bus_set_anonymous(k->bus, true);
        /* ... and sd-bus's own check (CAP_SYS_ADMIN of the sender, read from /proc by its pid)
         * gives way to check_access(). */
        if (r >= 0)
                r = sd_bus_set_trusted(k->bus, true);
        if (r >= 0)
                r = sd_bus_add_object_vtable(k->bus, NULL, SVC_OBJECT_PATH, SVC_INTERFACE, manager_vtable, k);
        if (r >= 0)
                r = sd_bus_match_signal(k->bus, NULL, NULL, "/org/freedesktop/DBus/Local",
                                        "org.freedesktop.DBus.Local", "Disconnected", on_disconnected, k);
        if (r >= 0)
                r = sd_bus_add_filter(k->bus, NULL, on_message, k);
        if (r >= 0)
                r = sd_event_add_time_relative(k->c->m->event, &k->idle, CLOCK_MONOTONIC, CONTROL_IDLE_USEC,
                                               0, on_idle, k);
        if (r >= 0)
                r = sd_bus_start(k->bus);
        if (r >= 0)
                r = sd_bus_attach_event(k->bus, k->c->m->event, SD_EVENT_PRIORITY_NORMAL);
        return r;
}

static int on_accept(sd_event_source *src _unused_, int fd, uint32_t revents _unused_, void *userdata) {
        struct control_server *c = userdata;
        _cleanup_close_ int nfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (nfd < 0)
                return 0;
        struct ucred uc;
        socklen_t len = sizeof(uc);
        if (getsockopt(nfd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0)
                return 0;
        if (!room_for(c, uc.uid)) {
                log_refusal(c, 0, "uid %u: %zu connections open, the limit for it is reached",
                            (unsigned) uc.uid, c->n_conns);
                return 0;
        }
        if (!peer_trusted(c, nfd, &uc))
                return 0;
        struct conn *k = calloc(1, sizeof(*k));
        if (!k)
                return 0;
        k->c = c;
        k->cred = uc;
        k->access = access_of(c, nfd, &uc);
        int r = conn_setup(k, &nfd);
        if (r < 0) {
                log_warning_errno(r, "Cannot set up a control connection: %m");
                sd_event_source_disable_unref(k->idle);
                sd_bus_unref(k->bus);
                free(k);
                return 0;
        }
        k->next = c->conns;
        c->conns = k;
        c->n_conns++;
        return 0;
}

int control_server_new(struct manager *m, const char *path, gid_t group, struct control_server **ret) {
        /* 0660: group svc may connect (check_access() decides what it may do). */
        _cleanup_close_ int fd = unix_socket_bind(SOCK_STREAM, path, 0660);
        if (fd == -ENAMETOOLONG)
                return log_error_errno(
                        fd,
                        "Control socket path %s is too long for AF_UNIX (108 bytes); use a shorter --root",
                        path);
        if (fd < 0)
                return log_error_errno(fd, "Cannot bind %s: %m", path);
        if (group != (gid_t) -1 && chown(path, 0, group) < 0)
                log_warning_errno(-errno, "Cannot give %s to group svc: %m", path);
        if (listen(fd, 64) < 0)
                return log_error_errno(-errno, "Cannot listen on %s: %m", path);
        struct control_server *c = calloc(1, sizeof(*c));
        if (!c || !(c->path = strdup(path))) {
                free(c);
                return -ENOMEM;
        }
        c->m = m;
        int r = du_worker_new(m->event, &c->du);
        if (r >= 0)
                r = gates_new(m, &c->gates);
        if (r >= 0)
                r = sd_event_add_io(m->event, &c->src, fd, EPOLLIN, on_accept, c);
        if (r >= 0)
                r = manager_observe(m, &observer, c);
        if (r < 0) {
                sd_event_source_disable_unref(c->src);
                gates_free(c->gates);
                du_worker_free(c->du);
                free(c->path);
                free(c);
                return log_error_errno(r, "Cannot watch the control socket: %m");
        }
        c->fd = TAKE_FD(fd);
        *ret = c;
        return 0;
}

void control_server_set_dry_run(struct control_server *c, bool dry_run) {
        c->dry_run = dry_run;
}

size_t control_server_connections(const struct control_server *c) {
        return c->n_conns;
}

struct control_server *control_server_free(struct control_server *c) {
        if (!c)
                return NULL;
        manager_unobserve(c->m, &observer, c);
        while (c->conns)
                conn_free(c->conns);
        while (c->pending) {
                struct pending *p = c->pending;
                c->pending = p->next;
                pending_free(p);
        }
        while (c->status_calls) {
                struct status_call *sc = c->status_calls;
                c->status_calls = sc->next;
                status_call_free(sc);
        }
        c->gates = gates_free(c->gates);
        du_worker_free(c->du);
        sd_event_source_disable_unref(c->src);
        safe_close(c->fd);
        (void) unlink(c->path);
        free(c->path);
        free(c);
        return NULL;
}
