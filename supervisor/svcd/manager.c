/* SPDX-License-Identifier: MIT */
/* The manager: every unit of ROOT/etc/svc/units, the jobs that start and stop them in
 * dependency order, the one place that reaps children, and shutdown. */
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "common/macro.h"
#include "common/paths.h"
#include "common/util.h"
#include "supervisor/svcd/alerts.h"
#include "supervisor/svcd/condition-check.h"
#include "supervisor/svcd/deps.h"
#include "supervisor/svcd/cgroup.h"
#include "supervisor/svcd/executor.h"
#include "supervisor/svcd/health.h"
#include "supervisor/svcd/log-capture.h"
#include "supervisor/svcd/manager.h"
#include "supervisor/svcd/net/net.h"
#include "supervisor/svcd/record.h"
#include "supervisor/svcd/service.h"
#include "supervisor/svcd/socket-units.h"
#include "supervisor/svcd/timers.h"

static int on_dispatch(sd_event_source *src, void *userdata);

struct manager_private {
        sd_event_source *dispatch;
};
static struct manager_private priv;

void manager_schedule_dispatch(struct manager *m) {
        if (!priv.dispatch) {
                if (sd_event_add_defer(m->event, &priv.dispatch, on_dispatch, m) < 0)
                        return;
        }
        sd_event_source_set_enabled(priv.dispatch, SD_EVENT_ONESHOT);
}

static gid_t find_svc_group(void) {
        _cleanup_fclose_ FILE *f = fopen("/etc/group", "re");
        if (!f)
                return (gid_t) -1;
        struct group *g;
        while ((g = fgetgrent(f)))
                if (streq(g->gr_name, "svc"))
                        return g->gr_gid;
        return (gid_t) -1;
}

static int take_lock(struct manager *m) {
        m->lock_fd = open(m->lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
        if (m->lock_fd < 0)
                return log_error_errno(-errno, "Cannot open %s: %m", m->lock_path);
        if (flock(m->lock_fd, LOCK_EX | LOCK_NB) < 0)
                return log_error_errno(-errno, "Another svcd already runs on root %s (%s is locked)", m->root,
                                       m->lock_path);
        return 0;
}

/* Every path under ROOT, and whether svcd creates it. */
static int make_paths(struct manager *m, const char *root) {
        static const struct {
                size_t offset;
                const char *rel;
                bool create;
        } paths[] = {
                { offsetof(struct manager, units_dir), SVC_UNITS_DIR, true },
                { offsetof(struct manager, enabled_dir), SVC_ENABLED_DIR, true },
                { offsetof(struct manager, log_dir), SVC_LOG_DIR, true },
                { offsetof(struct manager, run_dir), SVC_RUN_DIR, true },
                { offsetof(struct manager, notify_dir), SVC_NOTIFY_DIR, true },
                { offsetof(struct manager, control_path), SVC_CONTROL_PATH, false },
                { offsetof(struct manager, lock_path), SVC_LOCK_PATH, false },
                { offsetof(struct manager, trees_dir), SVC_TREES_DIR, true },
                { offsetof(struct manager, state_dir), SVC_STATE_DIR, true },
                { offsetof(struct manager, overlay_dir), SVC_OVERLAY_DIR, true },
                { offsetof(struct manager, scratch_dir), SVC_SANDBOX_DIR, true },
                { offsetof(struct manager, syslog_dir), SVC_SYSLOG_DIR, true },
                { offsetof(struct manager, svclog_root), SVC_LOGS_DIRECTORY_DIR, true },
                { offsetof(struct manager, cache_dir), SVC_CACHE_DIR, true },
                { offsetof(struct manager, var_dir), SVC_VAR_DIR, true },
                { offsetof(struct manager, paths_dir), SVC_PATHS_DIR, true },
                { offsetof(struct manager, volumes_dir), SVC_VOLUMES_DIR, true },
        };
        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                char **p = (char **) ((uint8_t *) m + paths[i].offset);
                int r = (*p = path_join(root, paths[i].rel)) ? 0 : -ENOMEM;
                if (r >= 0 && paths[i].create && (r = mkdir_p(*p, 0755)) < 0)
                        log_error_errno(r, "Cannot create %s: %m", *p);
                if (r < 0)
                        return r;
        }
        return 0;
}

int manager_new(sd_event *event, const char *root, struct manager **ret) {
        struct manager *m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->event = sd_event_ref(event);
        m->lock_fd = m->nsinit_fd = m->devnull_fd = -EBADF;
        m->deliver = service_process_queue;
        m->service_changed = manager_service_changed;
        m->lend_sockets = sockunits_lend;
        m->root = strdup(root);
        int r = m->root ? make_paths(m, root) : -ENOMEM;
        if (r >= 0) {
                m->svc_gid = find_svc_group();
                /* The scratch directory only ever holds mounts of private namespaces; the notify
                 * and syslog sockets reach their service through bind mounts: nobody else gets
                 * near them. */
                (void) chmod(m->scratch_dir, 0700);
                (void) chmod(m->notify_dir, 0700);
                (void) chmod(m->syslog_dir, 0700);
                r = take_lock(m);
        }
        if (r >= 0)
                r = cgroup_init(m);
        if (r >= 0)
                r = net_init(m);
        if (r >= 0)
                r = alerts_init(m);
        if (r >= 0 && (m->nsinit_fd = sandbox_nsinit_memfd()) < 0)
                r = log_error_errno(m->nsinit_fd, "Cannot prepare ns-init: %m");
        if (r >= 0 && (m->devnull_fd = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY)) < 0)
                r = log_error_errno(-errno, "Cannot open /dev/null: %m");
        if (r >= 0)
                r = log_writer_new(event, &m->logs);
        if (r >= 0)
                r = timers_init(m);
        if (r >= 0)
                r = sockunits_init(m);
        if (r < 0) {
                manager_free(m);
                return r;
        }
        *ret = m;
        return 0;
}

static void drop_service(struct manager *m, struct service *s);

struct manager *manager_free(struct manager *m) {
        if (!m)
                return NULL;
        /* Every sandbox killed and reaped first, so that the services' cgroups are empty when the
         * services go and can be removed. */
        for (size_t i = 0; i < m->n_services; i++)
                exec_kill_all(m->services[i], true);
        reaper_done(&m->reaper);
        timers_done(m);
        sockunits_done(m);
        for (size_t i = 0; i < m->n_services; i++)
                drop_service(m, m->services[i]);
        free(m->services);
        log_writer_free(m->logs);
        safe_close(m->nsinit_fd);
        safe_close(m->devnull_fd);
        net_done(m);
        alerts_done(m);
        cgroup_done(m);
        priv.dispatch = sd_event_source_disable_unref(priv.dispatch);
        if (m->lock_fd >= 0)
                (void) unlink(m->lock_path);
        safe_close(m->lock_fd);
        sd_event_unref(m->event);
        free(m->root);
        free(m->units_dir);
        free(m->enabled_dir);
        free(m->log_dir);
        free(m->run_dir);
        free(m->notify_dir);
        free(m->control_path);
        free(m->lock_path);
        free(m->trees_dir);
        free(m->state_dir);
        free(m->overlay_dir);
        free(m->scratch_dir);
        free(m->syslog_dir);
        free(m->svclog_root);
        free(m->cache_dir);
        free(m->var_dir);
        free(m->paths_dir);
        free(m->volumes_dir);
        free(m);
        return NULL;
}

/* ---- units -------------------------------------------------------------------------------- */

struct service *manager_find(struct manager *m, const char *name) {
        for (size_t i = 0; i < m->n_services; i++)
                if (streq(m->services[i]->name, name))
                        return m->services[i];
        return NULL;
}

static void print_diag(const struct unit_diag *d) {
        for (size_t i = 0; i < d->n; i++) {
                _cleanup_free_ char *t = unit_diag_format(&d->items[i]);
                if (!t)
                        continue;
                if (d->items[i].warning)
                        log_warning("%s", t);
                else
                        log_error("%s", t);
        }
}

static char **diag_to_strv(const struct unit_diag *d, bool errors_only) {
        char **l = NULL;
        for (size_t i = 0; i < d->n; i++) {
                if (errors_only && d->items[i].warning)
                        continue;
                char *t = unit_diag_format(&d->items[i]);
                if (!t || strv_push(&l, t) < 0)
                        break;
        }
        return l;
}

/* Loads NAME from disk. Returns 0 with the unit, or <0 with the reasons in *ret_errors. */
static int load_unit(struct manager *m, const char *name, struct unit **ret, char ***ret_errors) {
        struct unit_diag d = { 0 };
        int r = unit_load_from_dir(m->units_dir, name, &m->host, ret, &d);
        print_diag(&d);
        if (r < 0 && ret_errors)
                *ret_errors = diag_to_strv(&d, true);
        unit_diag_clear(&d);
        return r;
}

static int add_service(struct manager *m, const char *name, struct service **ret) {
        struct service **n = realloc(m->services, sizeof(*n) * (m->n_services + 1));
        if (!n)
                return -ENOMEM;
        m->services = n;
        struct service *s;
        int r = service_new(m, name, &s);
        if (r < 0)
                return r;
        s->admin = calloc(1, sizeof(*s->admin));
        if (!s->admin) {
                service_free(s);
                return -ENOMEM;
        }
        m->services[m->n_services++] = s;
        s->admin->enabled = manager_marked_enabled(m, name);
        *ret = s;
        return 0;
}

int manager_observe(struct manager *m, const struct manager_observer *ops, void *userdata) {
        for (size_t i = 0; i < ELEMENTSOF(m->observers); i++)
                if (!m->observers[i]) {
                        m->observers[i] = ops;
                        m->observer_data[i] = userdata;
                        return 0;
                }
        return -ENOSPC;
}

void manager_unobserve(struct manager *m, const struct manager_observer *ops, void *userdata) {
        for (size_t i = 0; i < ELEMENTSOF(m->observers); i++)
                if (m->observers[i] == ops && m->observer_data[i] == userdata)
                        m->observers[i] = NULL;
}

/* The service object goes: whoever holds it is told first, its probes go with it. */
static void drop_service(struct manager *m, struct service *s) {
        for (size_t i = 0; i < ELEMENTSOF(m->observers); i++)
                if (m->observers[i] && m->observers[i]->service_gone)
                        m->observers[i]->service_gone(m->observer_data[i], s);
        health_free(s);
        unit_free(s->admin->prev_unit);
        free(s->admin->held_reason);
        free(s->admin);
        service_free(s);
}

static void remove_service(struct manager *m, struct service *s) {
        for (size_t i = 0; i < m->n_services; i++)
                if (m->services[i] == s) {
                        memmove(m->services + i, m->services + i + 1,
                                sizeof(*m->services) * (m->n_services - i - 1));
                        m->n_services--;
                        break;
                }
        drop_service(m, s);
}

/* Finds NAME, loading it from disk when it is not known yet (an instance of a template, a unit
 * added since). Returns 0, -ENOENT when no such unit exists, or -EINVAL when it is refused. */
/* [Install] Alias=: as systemd's `enable` links the other name, an enabled unit answers to its
 * aliases (ssh.service's sshd.service) where no unit file of that name exists. */
static struct service *find_alias(struct manager *m, const char *name) {
        for (size_t i = 0; i < m->n_services; i++) {
                struct service *s = m->services[i];
                if (!s->unit || !s->admin->enabled)
                        continue;
                STRV_FOREACH (a, s->unit->alias) {
                        _cleanup_free_ char *stem = strdup(*a);
                        if (!stem)
                                return NULL;
                        unit_name_strip_suffix(stem);
                        if (streq(stem, name))
                                return s;
                }
        }
        return NULL;
}

int manager_get_service(struct manager *m, const char *name, struct service **ret) {
        struct service *s = manager_find(m, name);
        if (s) {
                *ret = s;
                return s->unit ? 0 : -EINVAL;
        }
        if (!unit_name_is_valid(name) || unit_name_kind_suffix_len(name) > 0) /* a timer is not a service */
                return -ENOENT;
        struct unit *u = NULL;
        char **errors = NULL;
        int r = load_unit(m, name, &u, &errors);
        if (r == -ENOENT) {
                strv_free(errors);
                s = find_alias(m, name);
                if (!s)
                        return -ENOENT;
                *ret = s;
                return 0;
        }
        int k = add_service(m, name, &s);
        if (k < 0) {
                unit_free(u);
                strv_free(errors);
                return k;
        }
        if (r >= 0)
                service_set_unit(s, u);
        s->load_errors = errors;
        /* An instance made for a look-up (status, logs) lives until the call is answered. */
        if (strchr(name, '@'))
                manager_schedule_dispatch(m);
        *ret = s;
        return r < 0 ? -EINVAL : 0;
}

static bool is_unit_file(const char *f, char *name, size_t n) {
        size_t kept = unit_name_kind_suffix_len(f), len = strlen(f), sl = kept ? 0 : unit_suffix_len(f);
        if (kept) /* NAME.timer and NAME.socket keep their suffix */
                return len < n && snprintf(name, n, "%s", f) > 0 && f[len - kept - 1] != '@';
        if (sl == 0 || len <= sl || len - sl >= n)
                return false;
        memcpy(name, f, len - sl);
        name[len - sl] = '\0';
        /* A template ("web@") is not a unit by itself. */
        return name[len - sl - 1] != '@';
}

/* Calls FN for every unit name in the units directory and every enabled instance. */
static int for_each_unit_name(struct manager *m, int (*fn)(struct manager *m, const char *name, void *ud),
                              void *ud) {
        const char *dirs[] = { m->units_dir, m->enabled_dir };
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                DIR *d = opendir(dirs[i]);
                if (!d)
                        continue;
                struct dirent *de;
                while ((de = readdir(d))) {
                        char name[UNIT_NAME_MAX + 1];
                        bool ok = i == 0 ? is_unit_file(de->d_name, name, sizeof(name))
                                         : de->d_name[0] != '.' &&
                                                   snprintf(name, sizeof(name), "%s", de->d_name) > 0;
                        if (!ok)
                                continue;
                        int r = fn(m, name, ud);
                        if (r == -ENOMEM) {
                                closedir(d);
                                return r;
                        }
                }
                closedir(d);
        }
        return 0;
}

static int load_one(struct manager *m, const char *name, void *ud _unused_) {
        struct service *s;
        if (unit_name_kind_suffix_len(name) > 0) {
                int k = unit_name_is_timer(name) ? timers_load(m, name) : sockunits_load(m, name);
                if (k == -EINVAL)
                        log_error("%s: refused; the other units load", name);
                return k == -ENOMEM ? k : 0;
        }
        if (manager_find(m, name))
                return 0; /* listed in both directories */
        int r = manager_get_service(m, name, &s);
        if (r == -EINVAL)
                log_error("%s: refused; the other units load", name);
        return r == -ENOMEM ? r : 0;
}

/* Refuses every unit that sits on a dependency cycle. */
static void check_graph(struct manager *m) {
        size_t n = 0;
        _cleanup_free_ struct unit **units = calloc(m->n_services + 1, sizeof(*units));
        _cleanup_free_ struct service **owners = calloc(m->n_services + 1, sizeof(*owners));
        _cleanup_free_ bool *refused = calloc(m->n_services + 1, sizeof(bool));
        if (!units || !owners || !refused)
                return;
        for (size_t i = 0; i < m->n_services; i++)
                if (m->services[i]->unit) {
                        owners[n] = m->services[i];
                        units[n++] = m->services[i]->unit;
                }
        struct unit_diag d = { 0 };
        if (unit_check_graph(units, n, refused, &d) < 0)
                return;
        print_diag(&d);
        for (size_t i = 0; i < n; i++) {
                if (!refused[i] || service_is_active(owners[i]))
                        continue;
                strv_free(owners[i]->load_errors);
                owners[i]->load_errors = diag_to_strv(&d, true);
                owners[i]->unit = unit_free(owners[i]->unit);
        }
        unit_diag_clear(&d);
}

int manager_load_all(struct manager *m) {
        int r = for_each_unit_name(m, load_one, NULL);
        if (r < 0)
                return r;
        check_graph(m);
        size_t ok = 0;
        for (size_t i = 0; i < m->n_services; i++)
                ok += m->services[i]->unit != NULL;
        log_info("Loaded %zu units from %s (%zu refused)", ok, m->units_dir, m->n_services - ok);
        return 0;
}

int manager_start_enabled(struct manager *m) {
        for (size_t i = 0; i < m->n_services; i++) {
                struct service *s = m->services[i];
                if (s->admin->enabled && s->unit)
                        (void) manager_enqueue(m, s, JOB_START, false);
        }
        timers_start_enabled(m);
        sockunits_start_enabled(m);
        return 0;
}

bool manager_marked_enabled(const struct manager *m, const char *name) {
        _cleanup_free_ char *p = path_join(m->enabled_dir, name);
        return p && access(p, F_OK) == 0;
}

int manager_mark_enabled(const struct manager *m, const char *name, bool enable) {
        _cleanup_free_ char *p = path_join(m->enabled_dir, name);
        if (!p)
                return -ENOMEM;
        if (enable) {
                _cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
                return fd < 0 ? -errno : 0;
        }
        return unlink(p) < 0 && errno != ENOENT ? -errno : 0;
}

int manager_set_enabled(struct manager *m, struct service *s, bool enable) {
        int r = manager_mark_enabled(m, s->name, enable);
        if (r < 0)
                return r;
        s->admin->enabled = enable;
        manager_schedule_dispatch(m); /* a disabled instance may be collected */
        return 0;
}

/* ---- jobs --------------------------------------------------------------------------------- */

static bool ordered_after(const struct service *s, const struct service *dep) {
        /* s starts after dep: s has After=dep, or dep has Before=s. */
        return strv_contains(s->unit->after, dep->name) ||
               (dep->unit && strv_contains(dep->unit->before, s->name));
}

static void job_done(struct service *s, bool ok, const char *detail) {
        s->admin->job = JOB_NONE;
        s->admin->job_dispatched = false;
        struct manager *m = s->m;
        for (size_t i = 0; i < ELEMENTSOF(m->observers); i++)
                if (m->observers[i] && m->observers[i]->job_done)
                        m->observers[i]->job_done(m->observer_data[i], s, ok, detail);
}

static void fail_start_job(struct service *s, const char *dep) {
        service_dependency_failed(s, dep);
        job_done(s, false, s->failure_detail);
}

static int enqueue_start(struct manager *m, struct service *s, enum job_type job, bool manual) {
        s->admin->start_requested = true;
        if (s->admin->job == JOB_START || s->admin->job == JOB_RESTART)
                return 0;
        if (s->admin->job != JOB_NONE)
                job_done(s, false, "replaced by a start");
        s->admin->job = job;
        s->admin->job_dispatched = false;
        s->admin->job_manual = manual;
        if (manual) /* only a start by OnFailure=/OnSuccess= tells which unit set it off */
                s->monitor_env = strv_free(s->monitor_env);
        /* Requires= and BindsTo= must load; Wants= and Upholds= may name what does not exist. */
        char **lists[] = { s->unit->requires, s->unit->binds_to, s->unit->wants, s->unit->upholds };
        for (size_t i = 0; i < ELEMENTSOF(lists); i++)
                STRV_FOREACH (name, lists[i]) {
                        struct service *dep;
                        int r = manager_get_service(m, *name, &dep);
                        if (r < 0) {
                                if (i < 2) {
                                        fail_start_job(s, *name);
                                        return 0;
                                }
                                continue;
                        }
                        if (!service_is_active(dep) && dep->admin->job == JOB_NONE)
                                (void) enqueue_start(m, dep, JOB_START, false);
                }
        deps_start_queued(m, s, job == JOB_RESTART);
        return 0;
}

static void enqueue_stop(struct manager *m, struct service *s) {
        if (s->admin->job == JOB_STOP)
                return;
        if (s->admin->job != JOB_NONE)
                job_done(s, false, "cancelled by a stop");
        s->admin->job = JOB_STOP;
        s->admin->job_dispatched = false;
        /* Whatever requires this unit (or is bound to it, or part of it) stops with it. */
        for (size_t i = 0; i < m->n_services; i++) {
                struct service *u = m->services[i];
                if (u != s && u->unit && deps_stop_follows(u, s) &&
                    (service_is_active(u) || u->admin->job == JOB_START || u->sm.state == SVC_BACKING_OFF))
                        enqueue_stop(m, u);
        }
}

int manager_enqueue(struct manager *m, struct service *s, enum job_type job, bool manual) {
        if (!s->unit)
                return -EINVAL;
        if (m->shutting_down && job != JOB_STOP)
                return -ESHUTDOWN;
        switch (job) {
        case JOB_START:
        case JOB_RESTART:
                enqueue_start(m, s, job, manual);
                break;
        case JOB_STOP:
                enqueue_stop(m, s);
                break;
        case JOB_RELOAD:
                if (s->sm.state != SVC_RUNNING ||
                    (s->unit->exec_reload.n == 0 && s->unit->type != SERVICE_NOTIFY_RELOAD))
                        return s->sm.state != SVC_RUNNING ? -ENOTCONN : -EOPNOTSUPP;
                if (s->admin->job != JOB_NONE)
                        return -EBUSY;
                s->admin->job = JOB_RELOAD;
                s->admin->job_dispatched = false;
                deps_reload_queued(m, s);
                break;
        default:
                return -EINVAL;
        }
        manager_schedule_dispatch(m);
        return 0;
}

static bool required_is_down(const struct service *s, const struct service *dep, bool bound) {
        if (!dep || !dep->unit || (dep->sm.state == SVC_FAILED && dep->admin->job == JOB_NONE))
                return true;
        if (dep->sm.state != SVC_INACTIVE || dep->admin->job != JOB_NONE)
                return false;
        /* A Requires= whose condition failed is no failure (systemd); a BindsTo= one is. */
        if (dep->condition_failure && !dep->assertion_failed && !bound &&
            strv_contains(s->unit->requires, dep->name))
                return false;
        return !dep->cfg.type_oneshot || bound;
}

/* Why a start job cannot run yet: NULL when it can, "" when it failed, else the unit waited for. */
static const char *start_blocker(struct manager *m, struct service *s) {
        char **lists[] = { s->unit->requires, s->unit->binds_to };
        for (size_t i = 0; i < ELEMENTSOF(lists); i++)
                STRV_FOREACH (name, lists[i])
                        if (required_is_down(s, manager_find(m, *name), i == 1)) {
                                fail_start_job(s, *name);
                                return "";
                        }
        const char *fail = NULL, *wait = deps_start_blocker(m, s, &fail);
        if (fail) {
                fail_start_job(s, fail);
                return "";
        }
        if (wait)
                return wait;
        for (size_t i = 0; i < m->n_services; i++) {
                struct service *dep = m->services[i];
                if (dep == s || !dep->unit || !ordered_after(s, dep))
                        continue;
                /* A service with a probe is ready for its dependants once healthy (compose's
                 * service_healthy); one that turned unhealthy is waited for no longer. */
                bool pending =
                        dep->admin->job == JOB_START || dep->admin->job == JOB_RESTART ||
                        dep->sm.state == SVC_STARTING || dep->admin->health_state == HEALTH_STATE_STARTING ||
                        (dep->sm.state == SVC_BACKING_OFF && strv_contains(s->unit->requires, dep->name));
                if (pending)
                        return dep->name;
        }
        return NULL;
}

/* A stop waits for everything ordered after it to stop first. */
static bool stop_blocked(struct manager *m, struct service *s) {
        for (size_t i = 0; i < m->n_services; i++) {
                struct service *u = m->services[i];
                if (u != s && u->unit && u->admin->job == JOB_STOP && service_is_active(u) &&
                    ordered_after(u, s))
                        return true;
        }
        return false;
}

/* Condition*=/Assert*= of a unit that is down: a failed condition ends the job as done, a failed
 * assertion as failed, and the unit stays as it is. A running unit is not tested again. */
static bool conditions_allow_start(struct service *s) {
        if (s->sm.state != SVC_INACTIVE && s->sm.state != SVC_FAILED)
                return true;
        int r = start_conditions_check(s);
        if (r == 0)
                return true;
        job_done(s, r > 0, r > 0 ? NULL : s->condition_failure);
        return false;
}

static void dispatch_one(struct manager *m, struct service *s) {
        switch (s->admin->job) {
        case JOB_START:
        case JOB_RESTART:
                if (s->admin->job == JOB_START && s->sm.state == SVC_RUNNING) {
                        job_done(s, true, NULL);
                        return;
                }
                if (start_blocker(m, s) || !conditions_allow_start(s))
                        return;
                s->admin->job_dispatched = true;
                service_event(s, s->admin->job == JOB_RESTART ? EV_RESTART : EV_START);
                break;
        case JOB_STOP:
                if (stop_blocked(m, s))
                        return;
                s->admin->job_dispatched = true;
                service_event(s, EV_STOP);
                if (!service_is_active(s))
                        job_done(s, true, NULL);
                break;
        case JOB_RELOAD:
                s->admin->job_dispatched = true;
                service_event(s, EV_RELOAD);
                break;
        default:
                break;
        }
}

/* An instance of a template that a look-up loaded (svc status, a name in After=) and that
 * nothing asked to start or enable: it is dropped, as systemd collects loaded, inactive and
 * unreferenced units, so that read-only calls with made-up names leave nothing behind. One that
 * was started stays, with its history, until the next svcd. */
static bool collectable(const struct service *s) {
        return strchr(s->name, '@') && !s->admin->enabled && !s->admin->start_requested && !s->admin->pins &&
               s->admin->job == JOB_NONE && s->sm.state == SVC_INACTIVE && !s->has_sb && !s->cgroup &&
               !s->execs && !s->next_unit;
}

static void maybe_finish_shutdown(struct manager *m) {
        if (!m->shutting_down)
                return;
        for (size_t i = 0; i < m->n_services; i++)
                if (service_is_active(m->services[i]))
                        return;
        log_info("All services stopped");
        sd_event_exit(m->event, m->exit_status);
}

void manager_dispatch(struct manager *m) {
        /* Dispatching one job can settle another; go round until nothing moves. */
        for (bool progress = true; progress;) {
                progress = false;
                for (size_t i = 0; i < m->n_services; i++) {
                        struct service *s = m->services[i];
                        if (s->admin->job == JOB_NONE || s->admin->job_dispatched || !s->unit)
                                continue;
                        enum job_type before = s->admin->job;
                        dispatch_one(m, s);
                        progress |= s->admin->job != before || s->admin->job_dispatched;
                }
        }
        deps_dispatch_done(m);
        /* Units whose file went away are dropped once they are down, and instances nothing
         * needs any more. */
        for (size_t i = 0; i < m->n_services;) {
                struct service *s = m->services[i];
                if ((s->admin->removed && !service_is_active(s) && s->admin->job == JOB_NONE &&
                     !s->admin->pins) ||
                    collectable(s))
                        remove_service(m, s);
                else
                        i++;
        }
        maybe_finish_shutdown(m);
}

static int on_dispatch(sd_event_source *src _unused_, void *userdata) {
        manager_dispatch(userdata);
        return 0;
}

static void check_job(struct service *s, enum svc_state old) {
        enum svc_state now = s->sm.state;
        if (s->admin->job == JOB_NONE || !s->admin->job_dispatched)
                return;
        _cleanup_free_ char *why = service_describe(s);
        switch (s->admin->job) {
        case JOB_START:
        case JOB_RESTART:
                /* Running, a oneshot that finished (after its ExecStopPost=, if any), or a start
                 * ExecCondition= skipped (systemd's job succeeds then too). */
                if (now == SVC_RUNNING ||
                    (now == SVC_INACTIVE && (old == SVC_STARTING || old == SVC_STOPPING) &&
                     !s->sm.stop_requested &&
                     (s->sm.result == RESULT_SUCCESS || s->sm.result == RESULT_CONDITION)))
                        job_done(s, true, NULL);
                else if (now == SVC_FAILED || now == SVC_BACKING_OFF || now == SVC_INACTIVE)
                        job_done(s, false, why ? why : svc_state_to_string(now));
                break;
        case JOB_STOP:
                if (!service_is_active(s))
                        job_done(s, true, NULL);
                break;
        case JOB_RELOAD:
                if (now == SVC_RUNNING && s->sm.reload_failed)
                        job_done(s, false, "no READY=1 came after ReloadSignal= within TimeoutStartSec=");
                else if (now == SVC_RUNNING) {
                        char detail[64];
                        snprintf(detail, sizeof(detail), "reload command exited with status %d",
                                 s->reload_status);
                        job_done(s, s->reload_status == 0, s->reload_status == 0 ? NULL : detail);
                } else if (now != SVC_RELOADING)
                        job_done(s, false, svc_state_to_string(now));
                break;
        default:
                break;
        }
}

void manager_health_changed(struct service *s) {
        for (size_t i = 0; i < ELEMENTSOF(s->m->observers); i++)
                if (s->m->observers[i] && s->m->observers[i]->health_changed)
                        s->m->observers[i]->health_changed(s->m->observer_data[i], s);
        manager_schedule_dispatch(s->m);
}

void manager_service_changed(struct service *s, enum svc_state old) {
        health_service_changed(s, old);
        for (size_t i = 0; i < ELEMENTSOF(s->m->observers); i++)
                if (s->m->observers[i] && s->m->observers[i]->service_changed)
                        s->m->observers[i]->service_changed(s->m->observer_data[i], s, old);
        check_job(s, old);
        deps_service_changed(s, old);
        timers_service_changed(s, old);
        sockunits_service_changed(s, old);
        /* A changed definition waits until the service is down, then replaces the old one. */
        if (s->next_unit && !service_is_active(s) && s->sm.state != SVC_BACKING_OFF) {
                if (s->admin->keep_previous) { /* the gate may want it back (gate.c) */
                        unit_free(s->admin->prev_unit);
                        s->admin->prev_unit = TAKE_PTR(s->unit);
                }
                service_set_unit(s, TAKE_PTR(s->next_unit));
                if (!s->m->shutting_down)
                        (void) manager_enqueue(s->m, s, JOB_START, false);
        }
        manager_schedule_dispatch(s->m);
}

/* A service whose every sandbox is gone leaves no cgroup behind. */
static void remove_idle_cgroups(struct manager *m) {
        for (size_t i = 0; i < m->n_services; i++) {
                struct service *s = m->services[i];
                if (s->cgroup && !s->has_sb && s->n_conns == 0)
                        (void) cgroup_service_remove(s);
        }
}

static bool service_owns(void *userdata, pid_t pid, int code, int status) {
        struct manager *m = userdata;
        for (size_t i = 0; i < m->n_services; i++)
                if (service_child_exited(m->services[i], pid, code, status))
                        return true;
        return false;
}

void manager_reap(struct manager *m) {
        if (reaper_reap(&m->reaper, service_owns, m))
                remove_idle_cgroups(m);
}

void manager_shutdown(struct manager *m, int exit_status) {
        if (m->shutting_down)
                return;
        log_info("Stopping all services");
        m->shutting_down = true;
        m->exit_status = exit_status;
        for (size_t i = 0; i < m->n_services; i++) {
                struct service *s = m->services[i];
                if (s->unit &&
                    (service_is_active(s) || s->sm.state == SVC_BACKING_OFF || s->admin->job != JOB_NONE))
                        enqueue_stop(m, s);
        }
        manager_schedule_dispatch(m);
}

void manager_request_shutdown(struct manager *m, enum shutdown_kind kind) {
        static const char *const what[_SHUTDOWN_MAX] = { "exit", "power off", "reboot", "halt" };
        if (!m->shutting_down || kind != SHUTDOWN_EXIT)
                m->shutdown_kind = kind;
        log_info("Shutdown requested: %s", what[kind]);
        manager_shutdown(m, 0);
}

/* ---- reload-units ------------------------------------------------------------------------- */

struct reload_ctx {
        struct reload_report *r;
        size_t n;
        char **seen;
};

static int report(struct reload_ctx *c, const char *name, const char *action, char *message) {
        struct reload_report *n = realloc(c->r, sizeof(*n) * (c->n + 1));
        if (!n) {
                free(message);
                return -ENOMEM;
        }
        c->r = n;
        c->r[c->n++] = (struct reload_report){ strdup(name), action, message };
        return 0;
}

static int reload_failed(struct reload_ctx *c, struct manager *m, struct service *s, const char *name,
                         char **errors) {
        char *msg = strv_join(errors, "\n");
        if (!s && add_service(m, name, &s) < 0) {
                strv_free(errors);
                free(msg);
                return -ENOMEM;
        }
        /* A running service keeps its old definition; the errors are shown next to it. */
        strv_free(s->load_errors);
        s->load_errors = errors;
        return report(c, name, "error", msg);
}

static int reload_one(struct manager *m, const char *name, void *ud) {
        struct reload_ctx *c = ud;
        if (strv_contains(c->seen, name))
                return 0;
        if (strv_extend(&c->seen, name) < 0)
                return -ENOMEM;
        if (unit_name_kind_suffix_len(name) > 0) {
                bool timer = unit_name_is_timer(name);
                int k = timer ? timers_load(m, name) : sockunits_load(m, name);
                const char *why = k != -EINVAL ? NULL
                                  : timer      ? timers_error(m, name)
                                               : sockunits_error(m, name);
                return k == -ENOMEM ? k
                                    : report(c, name,
                                             k > 0    ? "loaded"
                                             : k == 0 ? "unchanged"
                                                      : "error",
                                             why ? strdup(why) : NULL);
        }
        struct service *s = manager_find(m, name);
        struct unit *u = NULL;
        char **errors = NULL;
        int r = load_unit(m, name, &u, &errors);
        if (r == -ENOENT && s) {
                strv_free(errors);
                s->admin->removed = true;
                if (service_is_active(s) || s->sm.state == SVC_BACKING_OFF)
                        enqueue_stop(m, s);
                return report(c, name, "removed", NULL);
        }
        if (r < 0)
                return reload_failed(c, m, s, name, errors);
        if (!s) {
                if (add_service(m, name, &s) < 0) {
                        unit_free(u);
                        return -ENOMEM;
                }
                service_set_unit(s, u);
                return report(c, name, "loaded", NULL);
        }
        s->load_errors = strv_free(s->load_errors);
        if (s->unit && s->unit->source_hash == u->source_hash) {
                unit_free(u);
                return report(c, name, "unchanged", NULL);
        }
        if (!s->unit || (!service_is_active(s) && s->sm.state != SVC_BACKING_OFF)) {
                service_set_unit(s, u);
                return report(c, name, "updated", NULL);
        }
        /* Running on the old definition: stop it, then start it on the new one. */
        unit_free(s->next_unit);
        s->next_unit = u;
        enqueue_stop(m, s);
        return report(c, name, "restarted", NULL);
}

int manager_reload_units(struct manager *m, struct reload_report **ret, size_t *ret_n) {
        struct reload_ctx c = { 0 };
        int r = for_each_unit_name(m, reload_one, &c);
        /* Loaded units not listed any more (their file is gone, or an instance of a template). */
        for (size_t i = 0; r >= 0 && i < m->n_services; i++)
                if (!m->services[i]->admin->removed)
                        r = reload_one(m, m->services[i]->name, &c);
        strv_free(c.seen);
        check_graph(m);
        manager_schedule_dispatch(m);
        if (r < 0) {
                reload_report_free(c.r, c.n);
                return r;
        }
        *ret = c.r;
        *ret_n = c.n;
        return 0;
}

void reload_report_free(struct reload_report *r, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(r[i].name);
                free(r[i].message);
        }
        free(r);
}
