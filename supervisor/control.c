/* SPDX-License-Identifier: MIT */
/* The control socket: D-Bus peer-to-peer through sd-bus on ROOT/run/svc/control, as systemd's
 * private socket. SO_PEERCRED, taken at accept, decides what a connection may do: root
 * anything, group svc status and logs, anyone else nothing, told why. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-id128.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/control-api.h"
#include "supervisor/svcd.h"
#include "supervisor/userns.h"

#define CONTROL_MAX_CONNECTIONS 64

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

void control_job_done(struct control_server *c, struct service *s, bool ok, const char *detail) {
        _cleanup_free_ char *t = NULL;
        if (!ok && asprintf(&t, "failed: %s", detail ? detail : "unknown reason") < 0)
                t = NULL;
        pending_settle(c, s, ok ? "" : t ? t : "failed");
}

void control_forget_service(struct control_server *c, struct service *s) {
        pending_settle(c, s, "failed: the unit was removed");
}

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

/* "nginx", "nginx.service" and "nginx.unit" name one unit, as in systemctl. */
static int lookup(struct manager *m, const char *name, struct service **ret, sd_bus_error *error) {
        char stem[UNIT_NAME_MAX + sizeof(UNIT_SERVICE_SUFFIX)];
        if (snprintf(stem, sizeof(stem), "%s", name) >= (int) sizeof(stem))
                return sd_bus_error_setf(error, SVC_ERROR_NO_SUCH_UNIT, "Unit %.64s... not found.", name);
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
static int read_units(struct manager *m, sd_bus_message *msg, bool for_status, struct service ***ret,
                      size_t *ret_n, sd_bus_error *error) {
        _cleanup_strv_free_ char **names = NULL;
        int r = sd_bus_message_read_strv(msg, &names);
        if (r < 0)
                return r;
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

/* ---- methods ------------------------------------------------------------------------------ */

static int enqueue_error(int r, struct service *s, sd_bus_error *error) {
        switch (r) {
        case -ESHUTDOWN:
                return sd_bus_error_set(error, SVC_ERROR_SHUTTING_DOWN, "svcd is shutting down.");
        case -ENOTCONN:
                return sd_bus_error_setf(error, SVC_ERROR_NOT_RUNNING, "Unit %s is not running.", s->name);
        case -EOPNOTSUPP:
                return sd_bus_error_setf(error, SVC_ERROR_FAILED, "Unit %s has no ExecReload=.", s->name);
        case -EBUSY:
                return sd_bus_error_setf(error, SVC_ERROR_FAILED, "Unit %s has a job running.", s->name);
        default:
                return sd_bus_error_set_errnof(error, -r, "Cannot queue a job for %s: %s", s->name,
                                               strerror(-r));
        }
}

static int method_job(sd_bus_message *msg, struct conn *k, enum job_type job, const char *verb,
                      sd_bus_error *error) {
        int r = check_access(k, ACCESS_ALL, verb, error);
        if (r < 0)
                return r;
        struct service **units = NULL;
        size_t n;
        r = read_units(k->c->m, msg, false, &units, &n, error);
        if (r < 0)
                return r;
        int wait = 1;
        r = sd_bus_message_read(msg, "b", &wait);
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

static int append_resources(sd_bus_message *reply, const struct service *s, bool disk);

static int append_status(sd_bus_message *reply, struct service *s, bool disk) {
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
                        u ? u->path : "", "Enabled", "b", s->enabled, "Job", "s", job_to_string(s->job));
        if (r >= 0)
                r = sd_bus_message_append(reply, "{sv}{sv}{sv}{sv}", "TreePath", "s",
                                          s->has_sb && s->tree_path ? s->tree_path : "", "Type", "s",
                                          u ? service_type_to_string(u->type) : "", "NSPID", "u",
                                          (uint32_t) (s->main_pid ? nspid : 0), "InitPID", "u",
                                          (uint32_t) (s->has_sb ? s->sb.pid : 0));
        char addr[16];
        const char *a = net_service_address(s, addr);
        if (r >= 0)
                r = sd_bus_message_append(reply, "{sv}{sv}{sv}", "Address", "s", a ? a : "", "Outbound", "b",
                                          u && u->outbound, "Users", "s", users_describe(s));
        if (r >= 0 && u && u->n_publish > 0) {
                _cleanup_strv_free_ char **ports = net_ports_describe(u);
                r = ports ? sd_bus_message_open_container(reply, 'e', "sv") : -ENOMEM;
                if (r >= 0)
                        r = sd_bus_message_append(reply, "s", "Ports");
                if (r >= 0)
                        r = sd_bus_message_open_container(reply, 'v', "as");
                if (r >= 0)
                        r = sd_bus_message_append_strv(reply, ports);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
        }
        if (r >= 0 && s->load_errors) {
                r = sd_bus_message_open_container(reply, 'e', "sv");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "s", "LoadErrors");
                if (r >= 0)
                        r = sd_bus_message_open_container(reply, 'v', "as");
                if (r >= 0)
                        r = sd_bus_message_append_strv(reply, s->load_errors);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
        }
        if (r >= 0)
                r = append_resources(reply, s, disk);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

/* Bytes on disk under PATH (blocks, hardlinks counted each time), not following symlinks. */
static uint64_t disk_usage(int at, const char *path, int depth) {
        struct stat st;
        if (depth > 64 || fstatat(at, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return 0;
        uint64_t total = (uint64_t) st.st_blocks * 512;
        if (!S_ISDIR(st.st_mode))
                return total;
        int fd = openat(at, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d) {
                safe_close(fd);
                return total;
        }
        struct dirent *de;
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        total += disk_usage(dirfd(d), de->d_name, depth + 1);
        closedir(d);
        return total;
}

/* What the service keeps on disk: its overlay, state and logs directories and its log. */
static uint64_t service_disk_usage(const struct service *s) {
        const struct manager *m = s->m;
        _cleanup_free_ char *log = path_join(m->log_dir, s->name), *ov = path_join(m->overlay_dir, s->name);
        uint64_t total = (log ? disk_usage(AT_FDCWD, log, 0) : 0) + (ov ? disk_usage(AT_FDCWD, ov, 0) : 0);
        char **lists[] = { s->unit ? s->unit->state_directories : NULL,
                           s->unit ? s->unit->logs_directories : NULL };
        const char *bases[] = { m->state_dir, m->svclog_root };
        for (size_t i = 0; i < ELEMENTSOF(lists); i++)
                STRV_FOREACH (d, lists[i]) {
                        _cleanup_free_ char *p = path_join(bases[i], *d);
                        total += p ? disk_usage(AT_FDCWD, p, 0) : 0;
                }
        return total;
}

static uint64_t limit_or_none(uint64_t v) {
        return v == UNIT_UNSET ? UINT64_MAX - 1 : v; /* UINT64_MAX - 1: not set; UINT64_MAX: infinity */
}

static int append_resources(sd_bus_message *reply, const struct service *s, bool disk) {
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
                r = sd_bus_message_append(reply, "{sv}", "DiskUsage", "t", service_disk_usage(s));
        return r;
}

static int reply_status(sd_bus_message *msg, struct service **units, size_t n, bool disk) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "a{sv}");
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = append_status(reply, units[i], disk);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        return r;
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
                return reply_status(msg, k->c->m->services, k->c->m->n_services, false);
        return reply_status(msg, units, n, true); /* named: worth walking their disk usage */
}

static int method_enable(sd_bus_message *msg, struct conn *k, bool enable, sd_bus_error *error) {
        int r = check_access(k, ACCESS_ALL, enable ? "Enabling units" : "Disabling units", error);
        if (r < 0)
                return r;
        _cleanup_free_ struct service **units = NULL;
        size_t n = 0;
        r = read_units(k->c->m, msg, false, &units, &n, error);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                r = manager_set_enabled(k->c->m, units[i], enable);
                if (r < 0)
                        return sd_bus_error_set_errnof(error, -r, "Cannot %s %s: %s",
                                                       enable ? "enable" : "disable", units[i]->name,
                                                       strerror(-r));
        }
        return r < 0 ? r : sd_bus_reply_method_return(msg, NULL);
}

static int method_enable_cb(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return method_enable(msg, userdata, true, error);
}
static int method_disable_cb(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return method_enable(msg, userdata, false, error);
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
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(sss)");
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = sd_bus_message_append(reply, "(sss)", rep[i].name, rep[i].action,
                                          rep[i].message ? rep[i].message : "");
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
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
        if (!e || e->wait)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "No such command running in %s.",
                                         s->name);
        e->wait = sd_bus_message_ref(msg);
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

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("Start", "asb", "a(ss)", method_start, 0),
        SD_BUS_METHOD("Stop", "asb", "a(ss)", method_stop, 0),
        SD_BUS_METHOD("Restart", "asb", "a(ss)", method_restart, 0),
        SD_BUS_METHOD("Reload", "asb", "a(ss)", method_reload, 0),
        SD_BUS_METHOD("Status", "as", "aa{sv}", method_status, 0),
        SD_BUS_METHOD("Enable", "as", "", method_enable_cb, 0),
        SD_BUS_METHOD("Disable", "as", "", method_disable_cb, 0),
        SD_BUS_METHOD("ReloadUnits", "", "a(sss)", method_reload_units, 0),
        SD_BUS_METHOD("Exec", "sashhhb", "u", method_exec, 0),
        SD_BUS_METHOD("ExecWait", "su", "is", method_exec_wait, 0),
        SD_BUS_METHOD("ExecSignal", "sui", "", method_exec_signal, 0),
        SD_BUS_METHOD("PowerOff", "", "", method_poweroff, 0),
        SD_BUS_METHOD("Reboot", "", "", method_reboot, 0),
        SD_BUS_METHOD("Halt", "", "", method_halt, 0),
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
        sd_event_source_disable_unref(k->reaper);
        sd_bus_detach_event(k->bus);
        sd_bus_flush_close_unref(k->bus);
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
        if (r >= 0)
                r = sd_bus_negotiate_fds(k->bus, true); /* svc exec passes its stdio */
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
        if (c->n_conns >= CONTROL_MAX_CONNECTIONS) {
                log_warning("Refusing a control connection: %d already open", CONTROL_MAX_CONNECTIONS);
                return 0;
        }
        struct ucred uc;
        socklen_t len = sizeof(uc);
        if (getsockopt(nfd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0)
                return 0;
        /* A process of a service never controls svcd, whatever its uid: a service that got hold
         * of the socket (a bind, a passed fd) is refused here. */
        for (size_t i = 0; i < c->m->n_services; i++)
                if (service_owns_pid(c->m->services[i], uc.pid)) {
                        log_warning("Refusing a control connection from pid %d, a process of %s",
                                    (int) uc.pid, c->m->services[i]->name);
                        return 0;
                }
        struct conn *k = calloc(1, sizeof(*k));
        if (!k)
                return 0;
        k->c = c;
        k->cred = uc;
        k->access = access_of(c, nfd, &uc);
        int r = conn_setup(k, &nfd);
        if (r < 0) {
                log_warning_errno(r, "Cannot set up a control connection: %m");
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
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        if (strlen(path) >= sizeof(sa.sun_path))
                return log_error_errno(-ENAMETOOLONG,
                                       "Control socket path %s is too long for AF_UNIX "
                                       "(108 bytes); use a shorter --root",
                                       path);
        strcpy(sa.sun_path, path);
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return log_error_errno(-errno, "Cannot create the control socket: %m");
        (void) unlink(path);
        /* Born 0660: no window in which anyone else could connect. */
        mode_t old = umask(0117);
        int r = bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 ? -errno : 0;
        umask(old);
        if (r < 0)
                return log_error_errno(r, "Cannot bind %s: %m", path);
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
        r = sd_event_add_io(m->event, &c->src, fd, EPOLLIN, on_accept, c);
        if (r < 0) {
                free(c->path);
                free(c);
                return log_error_errno(r, "Cannot watch the control socket: %m");
        }
        c->fd = TAKE_FD(fd);
        *ret = c;
        return 0;
}

struct control_server *control_server_free(struct control_server *c) {
        if (!c)
                return NULL;
        while (c->conns)
                conn_free(c->conns);
        while (c->pending) {
                struct pending *p = c->pending;
                c->pending = p->next;
                pending_free(p);
        }
        sd_event_source_disable_unref(c->src);
        safe_close(c->fd);
        (void) unlink(c->path);
        free(c->path);
        free(c);
        return NULL;
}
