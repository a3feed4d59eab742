/* SPDX-License-Identifier: MIT */
/* The job engine in-process (supervisor/svcd/manager.c and deps.c): real unit files loaded by units/,
 * a fake executor in place of service.c that moves a service through its states at once, and
 * the jobs' ends recorded where control.c would answer the client. No process is started. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/svcd/cgroup.h"
#include "supervisor/svcd/condition-check.h"
#include "supervisor/svcd/executor.h"
#include "supervisor/svcd/sockets.h"
#include "supervisor/svcd/health.h"
#include "supervisor/svcd/log-capture.h"
#include "supervisor/svcd/manager.h"
#include "supervisor/svcd/net/net.h"
#include "supervisor/svcd/record.h"
#include "supervisor/svcd/service.h"

/* ---- the fake executor and the rest of svcd ------------------------------------------------ */

static char journal[4096]; /* "start:a stop:b job-ok:a job-fail:c ..." */
static char *failing[8]; /* units whose start fails */
static char *skipped[8]; /* units whose condition fails */
static char *slow[8]; /* units whose stop stays in "stopping" until finish_stop() */

static void note(const char *what, const char *name) {
        size_t n = strlen(journal);
        snprintf(journal + n, sizeof(journal) - n, "%s:%s ", what, name);
}

static bool listed(char **l, const char *name) {
        for (size_t i = 0; i < 8 && l[i]; i++)
                if (streq(l[i], name))
                        return true;
        return false;
}

static void go(struct service *s, enum svc_state st) {
        enum svc_state old = s->sm.state;
        s->sm.state = st;
        manager_service_changed(s, old);
}

static void start_now(struct service *s) {
        go(s, SVC_STARTING);
        s->sm.result = listed(failing, s->name) ? RESULT_EXIT_CODE : RESULT_SUCCESS;
        s->sm.exit_code = listed(failing, s->name) ? CLD_EXITED : 0;
        s->sm.exit_status = listed(failing, s->name) ? 1 : 0;
        go(s, listed(failing, s->name) ? SVC_FAILED : s->cfg.type_oneshot ? SVC_INACTIVE : SVC_RUNNING);
}

/* A slow stop ends: down, or up again if a start came meanwhile. */
static void finish_stop(struct service *s) {
        go(s, SVC_INACTIVE);
        if (s->sm.restart_queued) {
                s->sm.restart_queued = false;
                start_now(s);
        }
}

void service_event(struct service *s, enum svc_event_type type) {
        switch (type) {
        case EV_START:
        case EV_RESTART:
                note(type == EV_START ? "start" : "restart", s->name);
                if (s->sm.state == SVC_STOPPING) {
                        /* As state.c: the start follows once the stop under way is done. */
                        s->sm.restart_queued = true;
                        break;
                }
                if (type == EV_RESTART && service_is_active(s))
                        go(s, SVC_STOPPING);
                start_now(s);
                break;
        case EV_STOP:
                note("stop", s->name);
                if (service_is_active(s) && s->sm.state != SVC_STOPPING) {
                        go(s, SVC_STOPPING);
                        if (!listed(slow, s->name))
                                go(s, SVC_INACTIVE);
                }
                break;
        case EV_RELOAD:
                note("reload", s->name);
                s->reload_status = 0;
                go(s, SVC_RELOADING);
                go(s, SVC_RUNNING);
                break;
        default:
                break;
        }
}

/* Socket units (socket-units.c): no socket unit in these tests. */
void sockets_close(struct service *s _unused_) {
}

int conditions_test_in_tree(struct manager *m _unused_, const char *root_directory _unused_,
                            const struct unit *u _unused_, char **ret_what _unused_) {
        return 0;
}

int start_conditions_check(struct service *s) {
        s->condition_failure = mfree(s->condition_failure);
        if (!listed(skipped, s->name))
                return 0;
        s->condition_failure = strdup("condition failed: ConditionPathExists=/x");
        return 1;
}

/* Where control.c would answer the client: the manager's observer. */
static void job_done(void *userdata _unused_, struct service *s, bool ok, const char *d _unused_) {
        note(ok ? "ok" : "fail", s->name);
}
static const struct manager_observer observer = { .job_done = job_done };

int service_new(struct manager *m, const char *name, struct service **ret) {
        struct service *s = calloc(1, sizeof(*s));
        s->m = m;
        s->name = strdup(name);
        *ret = s;
        return 0;
}

struct service *service_free(struct service *s) {
        unit_free(s->unit);
        unit_free(s->next_unit);
        strv_free(s->load_errors);
        strv_free(s->monitor_env);
        free(s->condition_failure);
        free(s->failure_detail);
        free(s->name);
        free(s);
        return NULL;
}

void service_set_unit(struct service *s, struct unit *u) {
        unit_free(s->unit);
        s->unit = u;
        s->cfg.type_oneshot = u->type == SERVICE_ONESHOT;
}

void service_dependency_failed(struct service *s, const char *dep) {
        free(s->failure_detail);
        s->failure_detail = strdup(dep);
        if (!service_is_active(s)) {
                s->sm.result = RESULT_DEPENDENCY;
                go(s, SVC_FAILED);
        }
}

char *service_describe(const struct service *s) {
        return s->condition_failure ? strdup(s->condition_failure) : NULL;
}

bool service_child_exited(struct service *s _unused_, pid_t p _unused_, int c _unused_, int st _unused_) {
        return false;
}
/* As health.c: a service with a probe is "starting" once it runs, until the test says healthy. */
void health_service_changed(struct service *s, enum svc_state old _unused_) {
        bool up = s->sm.state == SVC_RUNNING || s->sm.state == SVC_RELOADING;
        s->admin->health_state =
                up && s->unit->health.kind != HEALTH_NONE ? HEALTH_STATE_STARTING : HEALTH_STATE_NONE;
}
void exec_kill_all(struct service *s _unused_, bool final _unused_) {
}
void sandbox_close(struct sandbox *sb _unused_) {
}
int sandbox_nsinit_memfd(void) {
        return -ENOSYS;
}
void health_free(struct service *s _unused_) {
}
void service_process_queue(struct service *s _unused_) {
}
int log_writer_new(sd_event *e _unused_, struct log_writer **ret _unused_) {
        return -ENOSYS;
}
void log_writer_free(struct log_writer *w _unused_) {
}
int cgroup_init(struct manager *m _unused_) {
        return 0;
}
void cgroup_done(struct manager *m _unused_) {
}
bool cgroup_service_remove(struct service *s _unused_) {
        return true;
}
int net_init(struct manager *m _unused_) {
        return 0;
}
void net_done(struct manager *m _unused_) {
}

/* ---- the test's manager -------------------------------------------------------------------- */

struct fixture {
        struct manager *m;
        char dir[64];
};

static struct fixture *fx;

static int setup(void **state) {
        fx = calloc(1, sizeof(*fx));
        snprintf(fx->dir, sizeof(fx->dir), "/tmp/svc-jobs-XXXXXX");
        assert_non_null(mkdtemp(fx->dir));
        struct manager *m = calloc(1, sizeof(*m));
        assert_int_equal(sd_event_new(&m->event), 0);
        m->units_dir = strdup(fx->dir);
        m->enabled_dir = path_join(fx->dir, "enabled");
        m->lock_fd = m->nsinit_fd = m->devnull_fd = -EBADF;
        m->service_changed = manager_service_changed;
        /* Job ends are recorded in job_done(). */
        assert_int_equal(manager_observe(m, &observer, NULL), 0);
        fx->m = m;
        journal[0] = '\0';
        memset(failing, 0, sizeof(failing));
        memset(skipped, 0, sizeof(skipped));
        memset(slow, 0, sizeof(slow));
        *state = fx;
        return 0;
}

static int teardown(void **state _unused_) {
        _cleanup_free_ char *cmd = NULL;
        manager_free(fx->m);
        assert_true(asprintf(&cmd, "rm -rf '%s'", fx->dir) > 0);
        assert_int_equal(system(cmd), 0);
        free(fx);
        return 0;
}

/* unit NAME TEXT: a unit file; the [Service] part is added. */
static void unit(const char *name, const char *unit_section, const char *extra) {
        _cleanup_free_ char *p = NULL;
        assert_true(asprintf(&p, "%s/%s.unit", fx->dir, name) > 0);
        FILE *f = fopen(p, "we");
        assert_non_null(f);
        fprintf(f, "[Unit]\n%s\n[Service]\nExecStart=/bin/true\n%s\n", unit_section, extra ? extra : "");
        fclose(f);
}

static struct service *get(const char *name) {
        struct service *s = NULL;
        assert_int_equal(manager_get_service(fx->m, name, &s), 0);
        return s;
}

static void settle(void) {
        for (int i = 0; i < 20; i++)
                manager_dispatch(fx->m);
}

static void enqueue(const char *name, enum job_type j) {
        assert_int_equal(manager_enqueue(fx->m, get(name), j, true), 0);
        settle();
}

static const char *state_of(const char *name) {
        return svc_state_to_string(get(name)->sm.state);
}

static void journal_has(const char *what) {
        if (!strstr(journal, what))
                fail_msg("journal lacks '%s': %s", what, journal);
}

static void journal_lacks(const char *what) {
        if (strstr(journal, what))
                fail_msg("journal has '%s': %s", what, journal);
}

/* ---- the tests ----------------------------------------------------------------------------- */

static void test_manager__conflicts_stops_the_other_both_ways(void **state _unused_) {
        unit("a", "", NULL);
        unit("b", "Conflicts=a.service", NULL);
        enqueue("a", JOB_START);
        enqueue("b", JOB_START);
        assert_string_equal(state_of("a"), "inactive");
        assert_string_equal(state_of("b"), "running");
        enqueue("a", JOB_START);
        assert_string_equal(state_of("a"), "running");
        assert_string_equal(state_of("b"), "inactive");
}

/* With an ordering between them the stop of the conflicting unit completes first. */
static void test_manager__conflicting_stop_goes_before_the_start(void **state _unused_) {
        unit("old", "", NULL);
        unit("new", "Conflicts=old\nAfter=old", NULL);
        (void) get("new"); /* dispatched before old: only the ordering puts old's stop first */
        enqueue("old", JOB_START);
        journal[0] = '\0';
        enqueue("new", JOB_START);
        const char *stop = strstr(journal, "stop:old"), *start = strstr(journal, "start:new");
        assert_non_null(stop);
        assert_non_null(start);
        assert_true(stop < start);
}

static void test_manager__part_of_follows_stop_and_restart(void **state _unused_) {
        unit("parent", "", NULL);
        unit("child", "PartOf=parent\nAfter=parent", NULL);
        enqueue("parent", JOB_START);
        enqueue("child", JOB_START);
        journal[0] = '\0';
        enqueue("parent", JOB_RESTART);
        journal_has("restart:parent");
        journal_has("restart:child");
        assert_true(strstr(journal, "restart:parent") < strstr(journal, "restart:child"));
        enqueue("parent", JOB_STOP);
        assert_string_equal(state_of("child"), "inactive");
        /* One way: the child's stop leaves the parent alone. */
        enqueue("parent", JOB_START);
        enqueue("child", JOB_START);
        enqueue("child", JOB_STOP);
        assert_string_equal(state_of("parent"), "running");
}

static void test_manager__requires_follows_restart(void **state _unused_) {
        unit("db", "", NULL);
        unit("app", "Requires=db\nAfter=db", NULL);
        enqueue("app", JOB_START);
        assert_string_equal(state_of("db"), "running");
        journal[0] = '\0';
        enqueue("db", JOB_RESTART);
        journal_has("restart:app");
}

static void test_manager__binds_to_stops_when_the_other_goes_down(void **state _unused_) {
        unit("dev", "", NULL);
        unit("user", "BindsTo=dev\nAfter=dev", NULL);
        enqueue("user", JOB_START);
        assert_string_equal(state_of("dev"), "running");
        assert_string_equal(state_of("user"), "running");
        /* The other ends by itself, not by a job: the bound unit follows. */
        go(get("dev"), SVC_INACTIVE);
        settle();
        assert_string_equal(state_of("user"), "inactive");
}

static void test_manager__binds_to_a_skipped_unit_does_not_start(void **state _unused_) {
        unit("dev", "", NULL);
        unit("user", "BindsTo=dev\nAfter=dev", NULL);
        unit("plain", "Requires=dev\nAfter=dev", NULL);
        skipped[0] = (char *) "dev";
        enqueue("plain", JOB_START);
        assert_string_equal(state_of("plain"), "running"); /* Requires= a skipped unit: met */
        enqueue("user", JOB_START);
        assert_string_equal(state_of("user"), "failed"); /* BindsTo= one: not */
}

static void test_manager__requisite_fails_at_once_and_starts_nothing(void **state _unused_) {
        unit("db", "", NULL);
        unit("app", "Requisite=db\nAfter=db", NULL);
        enqueue("app", JOB_START);
        journal_has("fail:app");
        journal_lacks("start:db");
        assert_string_equal(state_of("db"), "inactive");
        enqueue("db", JOB_START);
        enqueue("app", JOB_START);
        assert_string_equal(state_of("app"), "running");
        enqueue("db", JOB_STOP);
        assert_string_equal(state_of("app"), "inactive");
}

/* Started in one go, a Requisite= ordered before is waited for, not failed. */
static void test_manager__requisite_waits_for_an_ordered_start(void **state _unused_) {
        unit("db", "", NULL);
        unit("app", "Requisite=db\nAfter=db", NULL);
        assert_int_equal(manager_enqueue(fx->m, get("db"), JOB_START, true), 0);
        assert_int_equal(manager_enqueue(fx->m, get("app"), JOB_START, true), 0);
        settle();
        assert_string_equal(state_of("app"), "running");
}

static void test_manager__reload_propagates(void **state _unused_) {
        unit("postfix", "", "ExecReload=/bin/true");
        unit("inst", "ReloadPropagatedFrom=postfix", "ExecReload=/bin/true");
        unit("front", "PropagatesReloadTo=postfix", "ExecReload=/bin/true");
        unit("noreload", "ReloadPropagatedFrom=postfix", NULL);
        unit("down", "ReloadPropagatedFrom=postfix", "ExecReload=/bin/true");
        enqueue("postfix", JOB_START);
        enqueue("inst", JOB_START);
        enqueue("front", JOB_START);
        enqueue("noreload", JOB_START);
        journal[0] = '\0';
        enqueue("front", JOB_RELOAD);
        journal_has("reload:front");
        journal_has("reload:postfix");
        journal_has("reload:inst");
        journal_lacks("reload:noreload");
        journal_lacks(":down"); /* not running: not started by a reload */
}

static void test_manager__on_failure_and_on_success(void **state _unused_) {
        unit("broken", "OnFailure=tell", NULL);
        unit("tell", "", "Type=oneshot");
        unit("job", "OnSuccess=next", "Type=oneshot");
        unit("next", "", "Type=oneshot");
        failing[0] = (char *) "broken";
        enqueue("broken", JOB_START);
        journal_has("start:tell");
        struct service *t = get("tell");
        assert_non_null(t->monitor_env);
        assert_true(strv_contains(t->monitor_env, "MONITOR_UNIT=broken"));
        assert_true(strv_contains(t->monitor_env, "MONITOR_SERVICE_RESULT=exit-code"));
        assert_true(strv_contains(t->monitor_env, "MONITOR_EXIT_CODE=exited"));
        assert_true(strv_contains(t->monitor_env, "MONITOR_EXIT_STATUS=1"));
        journal_lacks("start:next");
        enqueue("job", JOB_START);
        journal_has("start:next");
        assert_true(strv_contains(get("next")->monitor_env, "MONITOR_UNIT=job"));
}

static void test_manager__dependant_waits_for_healthy(void **state _unused_) {
        unit("db", "", "HealthCmd=tcp:5432");
        unit("app", "Wants=db\nAfter=db", NULL);
        enqueue("app", JOB_START);
        journal_has("start:db");
        journal_lacks("start:app");
        assert_string_equal(state_of("db"), "running");
        get("db")->admin->health_state = HEALTH_STATE_HEALTHY;
        manager_health_changed(get("db"));
        settle();
        journal_has("start:app");
        assert_string_equal(state_of("app"), "running");
}

static void test_manager__unhealthy_dependency_is_waited_for_no_longer(void **state _unused_) {
        unit("db", "", "HealthCmd=tcp:5432");
        unit("app", "Wants=db\nAfter=db", NULL);
        enqueue("app", JOB_START);
        journal_lacks("start:app");
        get("db")->admin->health_state = HEALTH_STATE_UNHEALTHY;
        manager_health_changed(get("db"));
        settle();
        journal_has("start:app");
}

static void test_manager__notification_tells_event_and_reason(void **state _unused_) {
        unit("broken", "OnFailure=tell@%n.service", NULL);
        unit("tell@", "", "Type=oneshot");
        failing[0] = (char *) "broken";
        enqueue("broken", JOB_START);
        journal_has("start:tell@broken");
        struct service *t = get("tell@broken");
        assert_true(strv_contains(t->monitor_env, "MONITOR_UNIT=broken"));
        assert_true(strv_contains(t->monitor_env, "MONITOR_EVENT=failure"));
        assert_true(strv_contains(t->monitor_env, "MONITOR_REASON=exit-code"));
        assert_true(get("broken")->admin->told_bad);
}

/* svcd.conf's default applies to every unit but the notification units it starts: one that fails
 * is not told about, so that nothing loops. */
static void test_manager__default_notification_unit_does_not_loop(void **state _unused_) {
        fx->m->default_on_failure = strdup("tell@%n");
        unit("broken", "", NULL);
        unit("tell@", "", NULL);
        failing[0] = (char *) "broken";
        failing[1] = (char *) "tell@broken";
        enqueue("broken", JOB_START);
        journal_has("start:tell@broken");
        assert_string_equal(state_of("tell@broken"), "failed");
        journal_lacks("start:tell@tell@broken");
        free(fx->m->default_on_failure);
        fx->m->default_on_failure = NULL;
}

static void test_manager__upholds_starts_again(void **state _unused_) {
        unit("keeper", "Upholds=worker", NULL);
        unit("worker", "", NULL);
        enqueue("keeper", JOB_START);
        assert_string_equal(state_of("worker"), "running");
        enqueue("worker", JOB_STOP);
        assert_string_equal(state_of("worker"), "running");
        enqueue("keeper", JOB_STOP);
        enqueue("worker", JOB_STOP);
        assert_string_equal(state_of("worker"), "inactive");
}

static void test_manager__stop_when_unneeded(void **state _unused_) {
        unit("helper", "StopWhenUnneeded=yes", NULL);
        unit("user", "Wants=helper\nAfter=helper", NULL);
        enqueue("user", JOB_START);
        assert_string_equal(state_of("helper"), "running");
        enqueue("user", JOB_STOP);
        assert_string_equal(state_of("helper"), "inactive");
        /* Started by hand with nothing needing it: stopped again, as systemd does. */
        enqueue("helper", JOB_START);
        assert_string_equal(state_of("helper"), "inactive");
}

static void test_manager__condition_skips_without_failing(void **state _unused_) {
        unit("sshd", "", NULL);
        skipped[0] = (char *) "sshd";
        enqueue("sshd", JOB_START);
        journal_has("ok:sshd");
        journal_lacks("start:sshd");
        assert_string_equal(state_of("sshd"), "inactive");
        skipped[0] = NULL;
        enqueue("sshd", JOB_START);
        assert_string_equal(state_of("sshd"), "running");
        assert_null(get("sshd")->condition_failure);
}

static void test_manager__propagates_stop_to(void **state _unused_) {
        unit("a", "PropagatesStopTo=b", NULL);
        unit("b", "", NULL);
        unit("c", "StopPropagatedFrom=a", NULL);
        enqueue("a", JOB_START);
        enqueue("b", JOB_START);
        enqueue("c", JOB_START);
        enqueue("a", JOB_STOP);
        assert_string_equal(state_of("b"), "inactive");
        assert_string_equal(state_of("c"), "inactive");
}

/* A start pulls in what it Requires=, each started after what it is ordered after. */
static void test_manager__starts_in_dependency_order(void **state _unused_) {
        unit("db", "", NULL);
        unit("app", "Requires=db\nAfter=db", NULL);
        unit("web", "Requires=app\nAfter=app", NULL);
        enqueue("web", JOB_START);
        const char *db = strstr(journal, "start:db"), *app = strstr(journal, "start:app"),
                   *web = strstr(journal, "start:web");
        assert_non_null(db);
        assert_non_null(app);
        assert_non_null(web);
        assert_true(db < app && app < web);
        journal_has("ok:web");
        assert_string_equal(state_of("db"), "running");
        assert_string_equal(state_of("app"), "running");
}

/* A requirement that fails fails its dependants' start jobs, which never start. */
static void test_manager__failed_requirement_fails_its_dependants(void **state _unused_) {
        failing[0] = (char *) "db";
        unit("db", "", NULL);
        unit("app", "Requires=db\nAfter=db", NULL);
        unit("web", "Requires=app\nAfter=app", NULL);
        enqueue("web", JOB_START);
        journal_has("start:db");
        journal_lacks("start:app");
        journal_lacks("start:web");
        journal_has("fail:web");
        assert_string_equal(state_of("db"), "failed");
        assert_string_equal(state_of("app"), "failed");
        assert_string_equal(state_of("web"), "failed");
        assert_non_null(strstr(get("web")->failure_detail, "app"));
}

/* Stopping a unit stops what requires it first: the order of stops is the reverse of starts. */
static void test_manager__stop_waits_for_dependants_to_stop(void **state _unused_) {
        unit("db", "", NULL);
        unit("app", "Requires=db\nAfter=db", NULL);
        enqueue("app", JOB_START);
        slow[0] = (char *) "app";
        journal[0] = '\0';
        enqueue("db", JOB_STOP);
        /* app is still stopping: db's stop is blocked until it is down. */
        journal_has("stop:app");
        journal_lacks("stop:db");
        assert_string_equal(state_of("db"), "running");
        finish_stop(get("app"));
        settle();
        journal_has("stop:db");
        assert_string_equal(state_of("db"), "inactive");
        journal_has("ok:db");
}

/* A restart asked for while a stop is under way (the stop job is replaced, as systemd's job merging
 * does) starts the service once the stop is done, and succeeds only then. */
static void test_manager__restart_during_stop_starts_after_it(void **state _unused_) {
        unit("a", "", NULL);
        enqueue("a", JOB_START);
        slow[0] = (char *) "a";
        enqueue("a", JOB_STOP);
        assert_string_equal(state_of("a"), "stopping");
        journal[0] = '\0';
        assert_int_equal(manager_enqueue(fx->m, get("a"), JOB_RESTART, true), 0);
        settle();
        journal_has("fail:a"); /* the stop job, replaced */
        journal_lacks("ok:a");
        assert_string_equal(state_of("a"), "stopping");
        finish_stop(get("a"));
        settle();
        assert_string_equal(state_of("a"), "running");
        journal_has("ok:a");
}

/* reload-units: a unit file broken on disk keeps the running service on its old definition and
 * reports the error with file:line; a good change elsewhere is still taken. */
static void test_manager__reload_keeps_a_broken_units_old_definition(void **state _unused_) {
        unit("a", "", "Environment=V=old");
        unit("b", "", NULL);
        enqueue("a", JOB_START);
        enqueue("b", JOB_START);
        unit("a", "", "Environment=V=new\nNoSuchKey=1");
        unit("b", "Description=changed", NULL);
        struct reload_report *r = NULL;
        size_t n = 0;
        assert_int_equal(manager_reload_units(fx->m, &r, &n), 0);
        bool a_error = false;
        for (size_t i = 0; i < n; i++)
                if (streq(r[i].name, "a") && streq(r[i].action, "error")) {
                        a_error = true;
                        assert_non_null(strstr(r[i].message, "a.unit:"));
                }
        reload_report_free(r, n);
        assert_true(a_error);
        settle();
        struct service *a = get("a");
        assert_string_equal(state_of("a"), "running");
        assert_non_null(a->unit);
        assert_string_equal(a->unit->environment[0], "V=old");
        assert_null(a->next_unit);
        assert_string_equal(get("b")->unit->description, "changed");
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void) {
        const struct CMUnitTest tests[] = {
                T(test_manager__conflicts_stops_the_other_both_ways),
                T(test_manager__conflicting_stop_goes_before_the_start),
                T(test_manager__part_of_follows_stop_and_restart),
                T(test_manager__requires_follows_restart),
                T(test_manager__binds_to_stops_when_the_other_goes_down),
                T(test_manager__binds_to_a_skipped_unit_does_not_start),
                T(test_manager__requisite_fails_at_once_and_starts_nothing),
                T(test_manager__requisite_waits_for_an_ordered_start),
                T(test_manager__reload_propagates),
                T(test_manager__on_failure_and_on_success),
                T(test_manager__dependant_waits_for_healthy),
                T(test_manager__unhealthy_dependency_is_waited_for_no_longer),
                T(test_manager__notification_tells_event_and_reason),
                T(test_manager__default_notification_unit_does_not_loop),
                T(test_manager__upholds_starts_again),
                T(test_manager__stop_when_unneeded),
                T(test_manager__condition_skips_without_failing),
                T(test_manager__propagates_stop_to),
                T(test_manager__starts_in_dependency_order),
                T(test_manager__failed_requirement_fails_its_dependants),
                T(test_manager__stop_waits_for_dependants_to_stop),
                T(test_manager__restart_during_stop_starts_after_it),
                T(test_manager__reload_keeps_a_broken_units_old_definition),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
