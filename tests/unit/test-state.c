/* SPDX-License-Identifier: MIT */
/* The service state machine, fed events without a loop. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "common/macro.h"
#include "supervisor/svcd/state.h"
#include "units/unit.h"

#define MS 1000ULL
#define SEC 1000000ULL

static bool ignore_pre_1(const void *userdata _unused_, enum svc_phase phase, unsigned idx) {
        return phase == PHASE_START_PRE && idx == 1;
}

static struct svc_config simple_config(void) {
        return (struct svc_config){
                .type_simple = true,
                .n_start = 1,
                .restart = RESTART_ON_FAILURE,
                .restart_usec = 100 * MS,
                .restart_max_delay_usec = 30 * SEC,
                .restart_steps = 9,
                .start_limit_interval_usec = 10 * SEC,
                .timeout_start_usec = 90 * SEC,
                .timeout_stop_usec = 10 * SEC,
                .kill_signal = SIGTERM,
                .kill_mode = KILL_CONTROL_GROUP,
                .send_sigkill = true,
        };
}

static struct svc_actions out;

static void step(struct svc_machine *m, const struct svc_config *c, enum svc_event_type t, uint64_t now) {
        struct svc_event ev = { .type = t, .now = now };
        svc_step(m, c, &ev, &out);
}

static void exit_ev(struct svc_machine *m, const struct svc_config *c, enum svc_event_type t, int code,
                    int status, uint64_t now) {
        struct svc_event ev = { .type = t, .now = now, .exit_code = code, .exit_status = status };
        svc_step(m, c, &ev, &out);
        /* A stop with KillMode=control-group waits for the rest of the sandbox; here nothing else
         * runs, and ns-init says so right after the exit. */
        if (m->phase == PHASE_STOP_REST)
                step(m, c, EV_EMPTY, now);
}

static bool has_action(enum svc_action_type t, int arg) {
        for (unsigned i = 0; i < out.n; i++)
                if (out.a[i].type == t && (arg < 0 || out.a[i].arg == arg))
                        return true;
        return false;
}

static void start_running(struct svc_machine *m, const struct svc_config *c, uint64_t now) {
        step(m, c, EV_START, now);
        assert_int_equal(m->state, SVC_STARTING);
        assert_true(has_action(ACT_SPAWN_MAIN, 0));
        step(m, c, EV_MAIN_EXEC, now);
        assert_int_equal(m->state, SVC_RUNNING);
}

static void test_state__simple_is_running_at_exec(void **state _unused_) {
        struct svc_config c = simple_config();
        struct svc_machine m;
        svc_machine_init(&m);
        start_running(&m, &c, 0);
        assert_int_equal(m.timer_usec, 0);
        assert_true(has_action(ACT_TIMER, -1)); /* the start timeout was disarmed */
}

static void test_state__notify_waits_for_ready(void **state _unused_) {
        struct svc_config c = simple_config();
        c.type_simple = false;
        c.type_notify = true;
        struct svc_machine m;
        svc_machine_init(&m);
        step(&m, &c, EV_START, 0);
        step(&m, &c, EV_MAIN_EXEC, 1);
        assert_int_equal(m.state, SVC_STARTING);
        step(&m, &c, EV_READY, 2);
        assert_int_equal(m.state, SVC_RUNNING);
}

/* Type=notify-reload: a reload is ReloadSignal= to the main process, and it is done at the READY=1
 * that follows (RELOADING=1 comes between); without one by the timeout the reload failed and the
 * service runs on. ExecReload=, if any, runs too, and the reload waits for both. */
static void test_state__notify_reload_signals_and_waits_for_ready(void **state _unused_) {
        struct svc_config c = simple_config();
        c.type_simple = false;
        c.type_notify = c.notify_reload = true;
        c.reload_signal = SIGHUP;
        struct svc_machine m;
        svc_machine_init(&m);
        step(&m, &c, EV_START, 0);
        step(&m, &c, EV_MAIN_EXEC, 1);
        step(&m, &c, EV_READY, 2);
        assert_int_equal(m.state, SVC_RUNNING);
        step(&m, &c, EV_RELOAD, 3);
        assert_int_equal(m.state, SVC_RELOADING);
        assert_true(has_action(ACT_SIGNAL_MAIN, SIGHUP));
        assert_false(has_action(ACT_SPAWN_CONTROL, 0));
        step(&m, &c, EV_READY, 4);
        assert_int_equal(m.state, SVC_RUNNING);
        assert_false(m.reload_failed);
        /* No READY=1: the timeout ends the reload as failed, the service still running. */
        step(&m, &c, EV_RELOAD, 5);
        step(&m, &c, EV_TIMER, 5 + 90 * SEC);
        assert_int_equal(m.state, SVC_RUNNING);
        assert_true(m.reload_failed);
        assert_false(has_action(ACT_SIGNAL_MAIN, SIGKILL));
        /* With ExecReload= as well: done when both the command and READY=1 are. */
        c.n_reload = 1;
        step(&m, &c, EV_RELOAD, 100 * SEC);
        assert_true(has_action(ACT_SPAWN_CONTROL, 0));
        assert_false(m.reload_failed);
        step(&m, &c, EV_READY, 100 * SEC + 1);
        assert_int_equal(m.state, SVC_RELOADING);
        exit_ev(&m, &c, EV_CONTROL_EXIT, CLD_EXITED, 0, 100 * SEC + 2);
        assert_int_equal(m.state, SVC_RUNNING);
}

static void test_state__start_timeout_kills_and_backs_off(void **state _unused_) {
        struct svc_config c = simple_config();
        c.type_simple = false;
        c.type_notify = true;
        struct svc_machine m;
        svc_machine_init(&m);
        step(&m, &c, EV_START, 0);
        assert_int_equal(m.timer_usec, 90 * SEC);
        step(&m, &c, EV_TIMER, 90 * SEC);
        assert_int_equal(m.state, SVC_STOPPING);
        assert_true(has_action(ACT_SIGNAL_ALL, SIGTERM));
        exit_ev(&m, &c, EV_MAIN_EXIT, CLD_KILLED, SIGTERM, 91 * SEC);
        assert_int_equal(m.state, SVC_BACKING_OFF);
        assert_int_equal(m.result, RESULT_TIMEOUT);
}

static void test_state__crash_backs_off_with_growing_delay(void **state _unused_) {
        struct svc_config c = simple_config();
        struct svc_machine m;
        svc_machine_init(&m);
        uint64_t now = 0, last_delay = 0;
        step(&m, &c, EV_START, now);
        for (unsigned i = 1; i <= 12; i++) {
                step(&m, &c, EV_MAIN_EXEC, now);
                exit_ev(&m, &c, EV_MAIN_EXIT, CLD_KILLED, SIGSEGV, now + 1);
                assert_int_equal(m.state, SVC_BACKING_OFF);
                assert_int_equal(m.result, RESULT_SIGNAL);
                assert_int_equal(m.exit_status, SIGSEGV);
                assert_int_equal(m.n_restarts, i);
                uint64_t delay = m.timer_usec - (now + 1);
                assert_true(delay >= last_delay);
                assert_true(delay <= 30 * SEC);
                last_delay = delay;
                now = m.timer_usec;
                step(&m, &c, EV_TIMER, now);
                assert_int_equal(m.state, SVC_STARTING);
        }
        assert_int_equal(last_delay, 30 * SEC);
}

static void test_state__restart_delay_formula(void **state _unused_) {
        struct svc_config c = simple_config();
        /* 100 ms growing to 30 s over 9 steps: factor 300^(1/9) per step. */
        assert_int_equal(svc_restart_delay(&c, 1), 100 * MS);
        assert_in_range(svc_restart_delay(&c, 2), 188 * MS, 190 * MS);
        assert_in_range(svc_restart_delay(&c, 9), 15900 * MS, 15950 * MS);
        assert_int_equal(svc_restart_delay(&c, 10), 30 * SEC);
        assert_int_equal(svc_restart_delay(&c, 100), 30 * SEC);
        /* systemd's documented example: 10 s, 4 steps, 160 s -> 10, 20, 40, 80, 160. */
        c.restart_usec = 10 * SEC;
        c.restart_steps = 4;
        c.restart_max_delay_usec = 160 * SEC;
        uint64_t want[] = { 10, 20, 40, 80, 160, 160 };
        for (unsigned n = 1; n <= 6; n++)
                assert_in_range(svc_restart_delay(&c, n), want[n - 1] * SEC - 1000, want[n - 1] * SEC + 1000);
        /* Many small steps: halfway there is the geometric mean, 1 s * sqrt(3600) = 60 s. */
        c.restart_usec = 1 * SEC;
        c.restart_steps = 1000;
        c.restart_max_delay_usec = 3600 * SEC;
        assert_in_range(svc_restart_delay(&c, 501), 60 * SEC - 1000, 60 * SEC + 1000);
        assert_in_range(svc_restart_delay(&c, 1000), 3600 * SEC / 1.0082 - SEC, 3600 * SEC / 1.0082 + SEC);
}

static void test_state__backoff_resets_after_10s_up(void **state _unused_) {
        struct svc_config c = simple_config();
        struct svc_machine m;
        svc_machine_init(&m);
        uint64_t now = 1;
        step(&m, &c, EV_START, now);
        for (unsigned i = 0; i < 4; i++) {
                step(&m, &c, EV_MAIN_EXEC, now);
                exit_ev(&m, &c, EV_MAIN_EXIT, CLD_EXITED, 1, now + 1);
                now = m.timer_usec;
                step(&m, &c, EV_TIMER, now);
        }
        assert_int_equal(m.n_restarts, 4);
        step(&m, &c, EV_MAIN_EXEC, 100 * SEC);
        exit_ev(&m, &c, EV_MAIN_EXIT, CLD_EXITED, 1, 111 * SEC); /* up 11 s */
        assert_int_equal(m.n_restarts, 1);
        assert_int_equal(m.timer_usec, 111 * SEC + 100 * MS);
}

static void test_state__clean_exit_does_not_restart_on_failure(void **state _unused_) {
        struct svc_config c = simple_config();
        struct svc_machine m;
        svc_machine_init(&m);
        start_running(&m, &c, 0);
        exit_ev(&m, &c, EV_MAIN_EXIT, CLD_EXITED, 0, 5);
        assert_int_equal(m.state, SVC_INACTIVE);
        assert_true(has_action(ACT_KILL_ALL, -1));
}

static void test_state__restart_always_restarts_clean_exit(void **state _unused_) {
        struct svc_config c = simple_config();
        c.restart = RESTART_ALWAYS;
        struct svc_machine m;
        svc_machine_init(&m);
        start_running(&m, &c, 0);
        exit_ev(&m, &c, EV_MAIN_EXIT, CLD_EXITED, 0, 5);
        assert_int_equal(m.state, SVC_BACKING_OFF);
}

static void test_state__restart_no_ends_failed(void **state _unused_) {
        struct svc_config c = simple_config();
        c.restart = RESTART_NO;
        struct svc_machine m;
        svc_machine_init(&m);
        start_running(&m, &c, 0);
        exit_ev(&m, &c, EV_MAIN_EXIT, CLD_EXITED, 3, 5);
        assert_int_equal(m.state, SVC_FAILED);
        assert_int_equal(m.result, RESULT_EXIT_CODE);
        assert_int_equal(m.exit_status, 3);
}

static void test_state__start_limit_ends_failed(void **state _unused_) {
        struct svc_config c = simple_config();
        c.start_limit_burst = 3;
        struct svc_machine m;
        svc_machine_init(&m);
        step(&m, &c, EV_START, 0);
        for (unsigned i = 0; i < 3; i++) {
                step(&m, &c, EV_MAIN_EXEC, 1);
                exit_ev(&m, &c, EV_MAIN_EXIT, CLD_EXITED, 1, 2);
                assert_int_equal(m.state, SVC_BACKING_OFF);
                step(&m, &c, EV_TIMER, m.timer_usec);
        }
        step(&m, &c, EV_MAIN_EXEC, 2 * SEC);
        exit_ev(&m, &c, EV_MAIN_EXIT, CLD_EXITED, 1, 2 * SEC);
        assert_int_equal(m.state, SVC_FAILED);
        assert_int_equal(m.result, RESULT_START_LIMIT);
        /* A manual start clears it and does not count. */
        step(&m, &c, EV_START, 3 * SEC);
        assert_int_equal(m.state, SVC_STARTING);
        assert_int_equal(m.n_restarts, 0);
        assert_int_equal(m.limit_count, 0);
}

static void test_state__start_limit_window_slides(void **state _unused_) {
        struct svc_config c = simple_config();
        c.start_limit_burst = 2;
        struct svc_machine m;
        svc_machine_init(&m);
        step(&m, &c, EV_START, 0);
        uint64_t now = 0;
        for (unsigned i = 0; i < 6; i++) {
                now += 11 * SEC; /* every failure in a new window */
                step(&m, &c, EV_MAIN_EXEC, now);
                exit_ev(&m, &c, EV_MAIN_EXIT, CLD_EXITED, 1, now);
                assert_int_equal(m.state, SVC_BACKING_OFF);
                step(&m, &c, EV_TIMER, m.timer_usec);
        }
}

static void test_state__stop_cancels_pending_restart(void **state _unused_) {
        struct svc_config c = simple_config();
        struct svc_machine m;
        svc_machine_init(&m);
        start_running(&m, &c, 0);
        exit_ev(&m, &c, EV_MAIN_EXIT, CLD_EXITED, 1, 5);
        assert_int_equal(m.state, SVC_BACKING_OFF);
        step(&m, &c, EV_STOP, 6);
        assert_int_equal(m.state, SVC_INACTIVE);
        assert_int_equal(m.timer_usec, 0);
        step(&m, &c, EV_TIMER, 1 * SEC); /* a timer already queued is ignored */
        assert_int_equal(m.state, SVC_INACTIVE);
        assert_int_equal(out.n, 0);
}

static void test_state__stop_sends_kill_signal_then_sigkill(void **state _unused_) {
        struct svc_config c = simple_config();
        c.kill_signal = SIGINT;
        struct svc_machine m;
        svc_machine_init(&m);
        start_running(&m, &c, 0);
        step(&m, &c, EV_STOP, 1 * SEC);
        assert_int_equal(m.state, SVC_STOPPING);
        assert_true(has_action(ACT_SIGNAL_ALL, SIGINT)); /* KillMode=control-group */
        assert_int_equal(m.timer_usec, 11 * SEC);
        step(&m, &c, EV_TIMER, 11 * SEC);
        assert_true(has_action(ACT_KILL_ALL, -1));
        assert_int_equal(m.phase, PHASE_STOP_KILL);
        exit_ev(&m, &c, EV_MAIN_EXIT, CLD_KILLED, SIGKILL, 11 * SEC + 1);
        assert_int_equal(m.state, SVC_FAILED);
        assert_int_equal(m.result, RESULT_TIMEOUT);
}

static void test_state__stop_clean(void **state _unused_) {
        struct svc_config c = simple_config();
        struct svc_machine m;
        svc_machine_init(&m);
        start_running(&m, &c, 0);
        step(&m, &c, EV_STOP, 1);
        exit_ev(&m, &c, EV_MAIN_EXIT, CLD_EXITED, 143, 2);
        assert_int_equal(m.state, SVC_INACTIVE);
        assert_int_equal(m.result, RESULT_SUCCESS);
}

static void test_state__exec_stop_runs_before_signal(void **state _unused_) {
        struct svc_config c = simple_config();
        c.n_stop = 2;
        struct svc_machine m;
        svc_machine_init(&m);
        start_running(&m, &c, 0);
        step(&m, &c, EV_STOP, 1);
        assert_int_equal(m.phase, PHASE_STOP_CMD);
        assert_true(has_action(ACT_SPAWN_CONTROL, 0));
        exit_ev(&m, &c, EV_CONTROL_EXIT, CLD_EXITED, 0, 2);
        assert_true(has_action(ACT_SPAWN_CONTROL, 1));
        exit_ev(&m, &c, EV_CONTROL_EXIT, CLD_EXITED, 0, 3);
        assert_int_equal(m.phase, PHASE_STOP_TERM);
        assert_true(has_action(ACT_SIGNAL_ALL, SIGTERM));
        exit_ev(&m, &c, EV_MAIN_EXIT, CLD_KILLED, SIGTERM, 4);
        assert_int_equal(m.state, SVC_INACTIVE);
}

static void test_state__exec_stop_main_gone_first(void **state _unused_) {
        struct svc_config c = simple_config();
        c.n_stop = 1;
        struct svc_machine m;
        svc_machine_init(&m);
        start_running(&m, &c, 0);
        step(&m, &c, EV_STOP, 1);
        exit_ev(&m, &c, EV_MAIN_EXIT, CLD_EXITED, 0, 2);
        assert_int_equal(m.state, SVC_STOPPING);
        exit_ev(&m, &c, EV_CONTROL_EXIT, CLD_EXITED, 0, 3);
        assert_int_equal(m.state, SVC_INACTIVE);
}

static void test_state__restart_stops_then_starts(void **state _unused_) {
        struct svc_config c = simple_config();
        struct svc_machine m;
        svc_machine_init(&m);
        start_running(&m, &c, 0);
        step(&m, &c, EV_RESTART, 1);
        assert_int_equal(m.state, SVC_STOPPING);
        exit_ev(&m, &c, EV_MAIN_EXIT, CLD_KILLED, SIGTERM, 2);
        assert_int_equal(m.state, SVC_STARTING);
        assert_true(has_action(ACT_SPAWN_MAIN, 0));
}

static void test_state__start_while_stopping_is_queued(void **state _unused_) {
        struct svc_config c = simple_config();
        struct svc_machine m;
        svc_machine_init(&m);
        start_running(&m, &c, 0);
        step(&m, &c, EV_STOP, 1);
        step(&m, &c, EV_START, 2);
        exit_ev(&m, &c, EV_MAIN_EXIT, CLD_KILLED, SIGTERM, 3);
        assert_int_equal(m.state, SVC_STARTING);
}

/* `svc restart` while a stop is under way (a slow ExecStop=): the service comes back up once the
 * stop is done, as for a start. */
static void test_state__restart_while_stopping_is_queued(void **state _unused_) {
        struct svc_config c = simple_config();
        struct svc_machine m;
        svc_machine_init(&m);
        start_running(&m, &c, 0);
        step(&m, &c, EV_STOP, 1);
        step(&m, &c, EV_RESTART, 2);
        assert_int_equal(m.state, SVC_STOPPING);
        exit_ev(&m, &c, EV_MAIN_EXIT, CLD_KILLED, SIGTERM, 3);
        assert_int_equal(m.state, SVC_STARTING);
        assert_true(has_action(ACT_SPAWN_MAIN, 0));
}

static void test_state__start_pre_sequence_and_ignore(void **state _unused_) {
        struct svc_config c = simple_config();
        c.n_start_pre = 2;
        c.ignore_failure = ignore_pre_1;
        struct svc_machine m;
        svc_machine_init(&m);
        step(&m, &c, EV_START, 0);
        assert_int_equal(m.phase, PHASE_START_PRE);
        assert_true(has_action(ACT_SPAWN_CONTROL, 0));
        exit_ev(&m, &c, EV_CONTROL_EXIT, CLD_EXITED, 0, 1);
        assert_true(has_action(ACT_SPAWN_CONTROL, 1));
        exit_ev(&m, &c, EV_CONTROL_EXIT, CLD_EXITED, 7, 2); /* '-' prefix: ignored */
        assert_true(has_action(ACT_SPAWN_MAIN, 0));
        assert_int_equal(m.phase, PHASE_START);
}

static void test_state__start_pre_failure_fails_start(void **state _unused_) {
        struct svc_config c = simple_config();
        c.n_start_pre = 1;
        c.restart = RESTART_NO;
        struct svc_machine m;
        svc_machine_init(&m);
        step(&m, &c, EV_START, 0);
        exit_ev(&m, &c, EV_CONTROL_EXIT, CLD_EXITED, 2, 1);
        assert_int_equal(m.state, SVC_FAILED);
        assert_int_equal(m.result, RESULT_EXIT_CODE);
        assert_false(has_action(ACT_SPAWN_MAIN, -1));
}

static void test_state__oneshot_runs_each_exec_start(void **state _unused_) {
        struct svc_config c = simple_config();
        c.type_simple = false;
        c.type_oneshot = true;
        c.n_start = 2;
        struct svc_machine m;
        svc_machine_init(&m);
        step(&m, &c, EV_START, 0);
        step(&m, &c, EV_MAIN_EXEC, 0);
        assert_int_equal(m.state, SVC_STARTING);
        exit_ev(&m, &c, EV_MAIN_EXIT, CLD_EXITED, 0, 1);
        assert_true(has_action(ACT_SPAWN_MAIN, 1));
        exit_ev(&m, &c, EV_MAIN_EXIT, CLD_EXITED, 0, 2);
        assert_int_equal(m.state, SVC_INACTIVE);
        assert_int_equal(m.result, RESULT_SUCCESS);
}

static void test_state__oneshot_failure(void **state _unused_) {
        struct svc_config c = simple_config();
        c.type_simple = false;
        c.type_oneshot = true;
        c.restart = RESTART_NO;
        struct svc_machine m;
        svc_machine_init(&m);
        step(&m, &c, EV_START, 0);
        exit_ev(&m, &c, EV_MAIN_EXIT, CLD_EXITED, 1, 1);
        assert_int_equal(m.state, SVC_FAILED);
}

static void test_state__forking_parent_exit_means_running(void **state _unused_) {
        struct svc_config c = simple_config();
        c.type_simple = false;
        c.type_forking = true;
        struct svc_machine m;
        svc_machine_init(&m);
        step(&m, &c, EV_START, 0);
        step(&m, &c, EV_MAIN_EXEC, 0);
        assert_int_equal(m.state, SVC_STARTING);
        exit_ev(&m, &c, EV_MAIN_EXIT, CLD_EXITED, 0, 1);
        assert_int_equal(m.state, SVC_RUNNING);
        assert_true(has_action(ACT_FORGET_MAIN, -1));
        exit_ev(&m, &c, EV_MAIN_EXIT, CLD_KILLED, SIGKILL, 2);
        assert_int_equal(m.state, SVC_BACKING_OFF);
}

static void test_state__spawn_failure_backs_off(void **state _unused_) {
        struct svc_config c = simple_config();
        struct svc_machine m;
        svc_machine_init(&m);
        step(&m, &c, EV_START, 0);
        struct svc_event ev = { .type = EV_SPAWN_FAILED, .now = 1, .spawn_errno = ENOENT };
        svc_step(&m, &c, &ev, &out);
        assert_int_equal(m.state, SVC_BACKING_OFF);
        assert_int_equal(m.result, RESULT_SPAWN);
        assert_int_equal(m.spawn_errno, ENOENT);
}

static void test_state__reload_runs_commands(void **state _unused_) {
        struct svc_config c = simple_config();
        c.n_reload = 1;
        struct svc_machine m;
        svc_machine_init(&m);
        start_running(&m, &c, 5);
        step(&m, &c, EV_RELOAD, 6);
        assert_int_equal(m.state, SVC_RELOADING);
        assert_true(has_action(ACT_SPAWN_CONTROL, 0));
        exit_ev(&m, &c, EV_CONTROL_EXIT, CLD_EXITED, 0, 7);
        assert_int_equal(m.state, SVC_RUNNING);
        assert_int_equal(m.running_since, 5); /* still up since the first start */
}

static void test_state__main_exit_during_reload_kills_control(void **state _unused_) {
        struct svc_config c = simple_config();
        c.n_reload = 1;
        c.restart = RESTART_NO;
        struct svc_machine m;
        svc_machine_init(&m);
        start_running(&m, &c, 0);
        step(&m, &c, EV_RELOAD, 1);
        exit_ev(&m, &c, EV_MAIN_EXIT, CLD_KILLED, SIGSEGV, 2);
        assert_int_equal(m.state, SVC_STOPPING);
        assert_true(has_action(ACT_KILL_ALL, -1));
        exit_ev(&m, &c, EV_CONTROL_EXIT, CLD_KILLED, SIGKILL, 3);
        assert_int_equal(m.state, SVC_FAILED);
        assert_int_equal(m.result, RESULT_SIGNAL);
}

static void test_state__remain_after_exit_oneshot_stays_active_and_runs_exec_stop(void **state _unused_) {
        struct svc_config c = simple_config();
        c.type_simple = false;
        c.type_oneshot = true;
        c.remain_after_exit = true;
        c.n_stop = 1;
        struct svc_machine m;
        svc_machine_init(&m);
        step(&m, &c, EV_START, 0);
        exit_ev(&m, &c, EV_MAIN_EXIT, CLD_EXITED, 0, 1);
        assert_int_equal(m.state, SVC_RUNNING);
        assert_true(svc_machine_exited(&m));
        assert_false(has_action(ACT_KILL_ALL, -1)); /* what the script started keeps running */
        step(&m, &c, EV_STOP, 2);
        assert_int_equal(m.phase, PHASE_STOP_CMD);
        assert_true(has_action(ACT_SPAWN_CONTROL, 0));
        exit_ev(&m, &c, EV_CONTROL_EXIT, CLD_EXITED, 0, 3);
        assert_int_equal(m.state, SVC_INACTIVE);
        assert_true(has_action(ACT_KILL_ALL, 1));
}

static void test_state__remain_after_exit_simple_failure_still_fails(void **state _unused_) {
        struct svc_config c = simple_config();
        c.remain_after_exit = true;
        c.restart = RESTART_NO;
        struct svc_machine m;
        svc_machine_init(&m);
        start_running(&m, &c, 0);
        exit_ev(&m, &c, EV_MAIN_EXIT, CLD_EXITED, 0, 1);
        assert_true(svc_machine_exited(&m));
        svc_machine_init(&m);
        start_running(&m, &c, 0);
        exit_ev(&m, &c, EV_MAIN_EXIT, CLD_EXITED, 2, 1);
        assert_int_equal(m.state, SVC_FAILED);
}

static void test_state__exec_start_post_after_ready(void **state _unused_) {
        struct svc_config c = simple_config();
        c.n_start_post = 2;
        struct svc_machine m;
        svc_machine_init(&m);
        step(&m, &c, EV_START, 0);
        step(&m, &c, EV_MAIN_EXEC, 1);
        assert_int_equal(m.state, SVC_STARTING);
        assert_int_equal(m.phase, PHASE_START_POST);
        assert_true(has_action(ACT_SPAWN_CONTROL, 0));
        exit_ev(&m, &c, EV_CONTROL_EXIT, CLD_EXITED, 0, 2);
        assert_true(has_action(ACT_SPAWN_CONTROL, 1));
        exit_ev(&m, &c, EV_CONTROL_EXIT, CLD_EXITED, 0, 3);
        assert_int_equal(m.state, SVC_RUNNING);
        assert_int_equal(m.timer_usec, 0);
}

static void test_state__exec_start_post_failure_fails_the_start(void **state _unused_) {
        struct svc_config c = simple_config();
        c.n_start_post = 1;
        c.n_stop = 1;
        c.restart = RESTART_NO;
        struct svc_machine m;
        svc_machine_init(&m);
        step(&m, &c, EV_START, 0);
        step(&m, &c, EV_MAIN_EXEC, 1);
        exit_ev(&m, &c, EV_CONTROL_EXIT, CLD_EXITED, 1, 2);
        assert_int_equal(m.state, SVC_STOPPING);
        assert_int_equal(m.phase, PHASE_STOP_CMD); /* it was up: ExecStop= runs, as in systemd */
        exit_ev(&m, &c, EV_CONTROL_EXIT, CLD_EXITED, 0, 3);
        assert_true(has_action(ACT_SIGNAL_ALL, SIGTERM));
        exit_ev(&m, &c, EV_MAIN_EXIT, CLD_KILLED, SIGTERM, 4);
        assert_int_equal(m.state, SVC_FAILED);
        assert_int_equal(m.result, RESULT_EXIT_CODE);
}

static void test_state__exec_stop_post_runs_after_stop_and_after_failure(void **state _unused_) {
        struct svc_config c = simple_config();
        c.n_stop_post = 1;
        c.n_start_pre = 1;
        c.restart = RESTART_NO;
        struct svc_machine m;
        svc_machine_init(&m);
        step(&m, &c, EV_START, 0);
        exit_ev(&m, &c, EV_CONTROL_EXIT, CLD_EXITED, 0, 1);
        step(&m, &c, EV_MAIN_EXEC, 1);
        step(&m, &c, EV_STOP, 2);
        exit_ev(&m, &c, EV_MAIN_EXIT, CLD_KILLED, SIGTERM, 3);
        assert_int_equal(m.state, SVC_STOPPING);
        assert_int_equal(m.phase, PHASE_STOP_POST);
        assert_true(has_action(ACT_KILL_ALL, 1)); /* the service is gone first */
        assert_true(has_action(ACT_SPAWN_CONTROL, 0));
        assert_int_equal(m.main_code, CLD_KILLED);
        assert_int_equal(m.main_status, SIGTERM);
        exit_ev(&m, &c, EV_CONTROL_EXIT, CLD_EXITED, 0, 4);
        assert_int_equal(m.state, SVC_INACTIVE);
        /* A start that failed in ExecStartPre= gets ExecStopPost= too. */
        step(&m, &c, EV_START, 5);
        exit_ev(&m, &c, EV_CONTROL_EXIT, CLD_EXITED, 1, 6);
        assert_int_equal(m.phase, PHASE_STOP_POST);
        exit_ev(&m, &c, EV_CONTROL_EXIT, CLD_EXITED, 0, 7);
        assert_int_equal(m.state, SVC_FAILED);
        assert_int_equal(m.result, RESULT_EXIT_CODE);
}

static void test_state__exec_condition_skips_or_fails(void **state _unused_) {
        struct svc_config c = simple_config();
        c.n_condition = 1;
        c.restart = RESTART_ALWAYS;
        struct svc_machine m;
        svc_machine_init(&m);
        step(&m, &c, EV_START, 0);
        assert_int_equal(m.phase, PHASE_CONDITION);
        assert_true(has_action(ACT_SPAWN_CONTROL, 0));
        exit_ev(&m, &c, EV_CONTROL_EXIT, CLD_EXITED, 1, 1);
        assert_int_equal(m.state, SVC_INACTIVE); /* skipped: not failed, not restarted */
        assert_int_equal(m.result, RESULT_CONDITION);
        assert_int_equal(m.exit_status, 1);
        step(&m, &c, EV_START, 2);
        exit_ev(&m, &c, EV_CONTROL_EXIT, CLD_EXITED, 0, 3);
        assert_true(has_action(ACT_SPAWN_MAIN, 0));
        step(&m, &c, EV_STOP, 4);
        exit_ev(&m, &c, EV_MAIN_EXIT, CLD_KILLED, SIGTERM, 5);
        c.restart = RESTART_NO;
        step(&m, &c, EV_START, 6);
        exit_ev(&m, &c, EV_CONTROL_EXIT, CLD_EXITED, 255, 7);
        assert_int_equal(m.state, SVC_FAILED);
        assert_int_equal(m.result, RESULT_EXIT_CODE);
        step(&m, &c, EV_START, 8);
        exit_ev(&m, &c, EV_CONTROL_EXIT, CLD_KILLED, SIGKILL, 9);
        assert_int_equal(m.state, SVC_FAILED);
        assert_int_equal(m.result, RESULT_SIGNAL);
}

static const struct exit_status_set *make_set(struct exit_status_set *set, int status, int sig) {
        *set = (struct exit_status_set){ 0 };
        if (status >= 0)
                set->status[status / 64] |= 1ULL << (status % 64);
        if (sig > 0)
                set->signals |= 1ULL << (sig - 1);
        return set;
}

static void test_state__success_exit_status_is_a_clean_end(void **state _unused_) {
        struct svc_config c = simple_config();
        struct exit_status_set ok;
        c.success_status = make_set(&ok, 143, SIGUSR1);
        struct svc_machine m;
        svc_machine_init(&m);
        start_running(&m, &c, 0);
        exit_ev(&m, &c, EV_MAIN_EXIT, CLD_EXITED, 143, 1);
        assert_int_equal(m.state, SVC_INACTIVE);
        assert_int_equal(m.result, RESULT_SUCCESS);
        start_running(&m, &c, 2);
        exit_ev(&m, &c, EV_MAIN_EXIT, CLD_KILLED, SIGUSR1, 3);
        assert_int_equal(m.state, SVC_INACTIVE);
        start_running(&m, &c, 4);
        exit_ev(&m, &c, EV_MAIN_EXIT, CLD_EXITED, 142, 5);
        assert_int_equal(m.state, SVC_BACKING_OFF);
}

/* Ends the running service with CODE/STATUS (or a start timeout) and says whether it restarts. */
static bool restarts_after(struct svc_config *c, int code, int status) {
        struct svc_machine m;
        svc_machine_init(&m);
        if (code == 0) { /* a start timeout */
                c->type_simple = false;
                c->type_notify = true;
                step(&m, c, EV_START, 0);
                step(&m, c, EV_TIMER, 90 * SEC);
                exit_ev(&m, c, EV_MAIN_EXIT, CLD_KILLED, SIGTERM, 91 * SEC);
                c->type_simple = true;
                c->type_notify = false;
        } else {
                start_running(&m, c, 0);
                exit_ev(&m, c, EV_MAIN_EXIT, code, status, 1);
        }
        return m.state == SVC_BACKING_OFF;
}

static void test_state__restart_table_of_systemd(void **state _unused_) {
        /* Rows: clean exit, unclean exit code, unclean signal, timeout (systemd.service(5)). */
        static const struct {
                int policy;
                bool clean, code, sig, timeout;
        } rows[] = {
                { RESTART_NO, false, false, false, false },
                { RESTART_ALWAYS, true, true, true, true },
                { RESTART_ON_SUCCESS, true, false, false, false },
                { RESTART_ON_FAILURE, false, true, true, true },
                { RESTART_ON_ABNORMAL, false, false, true, true },
                { RESTART_ON_ABORT, false, false, true, false },
                { RESTART_ON_WATCHDOG, false, false, false, false },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                struct svc_config c = simple_config();
                c.restart = rows[i].policy;
                assert_int_equal(restarts_after(&c, CLD_EXITED, 0), rows[i].clean);
                assert_int_equal(restarts_after(&c, CLD_KILLED, SIGTERM), rows[i].clean);
                assert_int_equal(restarts_after(&c, CLD_EXITED, 3), rows[i].code);
                assert_int_equal(restarts_after(&c, CLD_KILLED, SIGSEGV), rows[i].sig);
                assert_int_equal(restarts_after(&c, CLD_DUMPED, SIGABRT), rows[i].sig);
                assert_int_equal(restarts_after(&c, 0, 0), rows[i].timeout);
        }
}

static void test_state__restart_prevent_and_force_exit_status(void **state _unused_) {
        struct svc_config c = simple_config();
        struct exit_status_set prevent, force;
        c.restart = RESTART_ON_FAILURE;
        c.restart_prevent = make_set(&prevent, 255, -1);
        assert_false(restarts_after(&c, CLD_EXITED, 255));
        assert_true(restarts_after(&c, CLD_EXITED, 254));
        c.restart = RESTART_NO;
        c.restart_prevent = NULL;
        c.restart_force = make_set(&force, 0, SIGHUP);
        assert_true(restarts_after(&c, CLD_EXITED, 0));
        assert_true(restarts_after(&c, CLD_KILLED, SIGHUP));
        assert_false(restarts_after(&c, CLD_EXITED, 1));
        /* A stop that was asked for never restarts. */
        struct svc_machine m;
        svc_machine_init(&m);
        start_running(&m, &c, 0);
        step(&m, &c, EV_STOP, 1);
        exit_ev(&m, &c, EV_MAIN_EXIT, CLD_EXITED, 0, 2);
        assert_int_equal(m.state, SVC_INACTIVE);
}

static void test_state__kill_mode_control_group_waits_for_the_rest(void **state _unused_) {
        struct svc_config c = simple_config();
        struct svc_machine m;
        svc_machine_init(&m);
        start_running(&m, &c, 0);
        step(&m, &c, EV_STOP, 1);
        assert_true(has_action(ACT_SIGNAL_ALL, SIGTERM));
        struct svc_event ev = {
                .type = EV_MAIN_EXIT, .now = 2, .exit_code = CLD_KILLED, .exit_status = SIGTERM
        };
        svc_step(&m, &c, &ev, &out);
        assert_int_equal(m.state, SVC_STOPPING);
        assert_int_equal(m.phase, PHASE_STOP_REST);
        assert_false(has_action(ACT_KILL_ALL, -1)); /* the others handle their KillSignal= */
        step(&m, &c, EV_EMPTY, 3);
        assert_int_equal(m.state, SVC_INACTIVE);
        assert_true(has_action(ACT_KILL_ALL, 1));
        /* One of them ignores it: SIGKILL at the timeout, then its end. */
        start_running(&m, &c, 4 * SEC);
        step(&m, &c, EV_STOP, 5 * SEC);
        ev.now = 5 * SEC;
        svc_step(&m, &c, &ev, &out);
        step(&m, &c, EV_TIMER, m.timer_usec);
        assert_true(has_action(ACT_KILL_ALL, 0));
        step(&m, &c, EV_EMPTY, 16 * SEC);
        assert_int_equal(m.state, SVC_FAILED);
        assert_int_equal(m.result, RESULT_TIMEOUT);
}

static void test_state__kill_mode_mixed_signals_main_then_kills_all(void **state _unused_) {
        struct svc_config c = simple_config();
        c.kill_mode = KILL_MIXED;
        struct svc_machine m;
        svc_machine_init(&m);
        start_running(&m, &c, 0);
        step(&m, &c, EV_STOP, 1);
        assert_true(has_action(ACT_SIGNAL_MAIN, SIGTERM));
        assert_false(has_action(ACT_SIGNAL_ALL, -1));
        step(&m, &c, EV_TIMER, 10 * SEC + 1);
        assert_true(has_action(ACT_KILL_ALL, 0));
        exit_ev(&m, &c, EV_MAIN_EXIT, CLD_KILLED, SIGKILL, 11 * SEC);
        assert_true(has_action(ACT_KILL_ALL, 1));
}

static void test_state__kill_mode_process_leaves_the_rest_running(void **state _unused_) {
        struct svc_config c = simple_config();
        c.kill_mode = KILL_PROCESS;
        c.send_sighup = true;
        struct svc_machine m;
        svc_machine_init(&m);
        start_running(&m, &c, 0);
        step(&m, &c, EV_STOP, 1);
        assert_true(has_action(ACT_SIGNAL_MAIN, SIGTERM));
        assert_true(has_action(ACT_SIGNAL_MAIN, SIGHUP)); /* SendSIGHUP=yes, right after */
        step(&m, &c, EV_TIMER, 10 * SEC + 1);
        assert_true(has_action(ACT_SIGNAL_MAIN, SIGKILL)); /* the main process alone */
        assert_false(has_action(ACT_KILL_ALL, -1));
        exit_ev(&m, &c, EV_MAIN_EXIT, CLD_KILLED, SIGKILL, 11 * SEC);
        assert_int_equal(m.state, SVC_FAILED);
        assert_false(has_action(ACT_KILL_ALL, -1)); /* the sandbox stays with what runs in it */
        assert_true(m.leftovers);
        /* A new start joins the sandbox; a stop of it leaves the sandbox again. */
        step(&m, &c, EV_START, 12 * SEC);
        assert_false(m.leftovers);
        step(&m, &c, EV_EMPTY, 12 * SEC); /* stale: sent before the new main started */
        assert_int_equal(out.n, 0);
        step(&m, &c, EV_MAIN_EXEC, 12 * SEC);
        step(&m, &c, EV_STOP, 13 * SEC);
        exit_ev(&m, &c, EV_MAIN_EXIT, CLD_KILLED, SIGTERM, 13 * SEC);
        assert_int_equal(m.state, SVC_INACTIVE);
        assert_true(m.leftovers);
        /* The last of them ended: now the sandbox goes. */
        step(&m, &c, EV_EMPTY, 14 * SEC);
        assert_true(has_action(ACT_KILL_ALL, 1));
        assert_false(m.leftovers);
}

static void test_state__kill_mode_none_sends_nothing(void **state _unused_) {
        struct svc_config c = simple_config();
        c.kill_mode = KILL_NONE;
        c.n_stop = 1;
        struct svc_machine m;
        svc_machine_init(&m);
        start_running(&m, &c, 0);
        step(&m, &c, EV_STOP, 1);
        exit_ev(&m, &c, EV_CONTROL_EXIT, CLD_EXITED, 0, 2);
        assert_false(has_action(ACT_SIGNAL_MAIN, -1));
        assert_false(has_action(ACT_SIGNAL_ALL, -1));
        assert_false(has_action(ACT_KILL_ALL, -1));
        assert_int_equal(m.state, SVC_INACTIVE);
        assert_true(m.leftovers);
}

static void test_state__send_sigkill_no_leaves_what_ignores_the_signal(void **state _unused_) {
        struct svc_config c = simple_config();
        c.send_sigkill = false;
        struct svc_machine m;
        svc_machine_init(&m);
        start_running(&m, &c, 0);
        step(&m, &c, EV_STOP, 1);
        assert_true(has_action(ACT_SIGNAL_ALL, SIGTERM));
        step(&m, &c, EV_TIMER, 10 * SEC + 1);
        assert_false(has_action(ACT_KILL_ALL, -1));
        assert_false(has_action(ACT_SIGNAL_MAIN, SIGKILL));
        assert_int_equal(m.state, SVC_FAILED);
        assert_int_equal(m.result, RESULT_TIMEOUT);
        assert_true(m.leftovers);
        exit_ev(&m, &c, EV_MAIN_EXIT, CLD_KILLED, SIGTERM, 20 * SEC); /* it ended later: no news */
        assert_int_equal(m.state, SVC_FAILED);
        step(&m, &c, EV_EMPTY, 20 * SEC);
        assert_true(has_action(ACT_KILL_ALL, 1));
}

static void test_state__clean_signals(void **state _unused_) {
        assert_true(svc_exit_is_clean(CLD_EXITED, 0));
        assert_false(svc_exit_is_clean(CLD_EXITED, 1));
        assert_true(svc_exit_is_clean(CLD_KILLED, SIGTERM));
        assert_true(svc_exit_is_clean(CLD_KILLED, SIGPIPE));
        assert_false(svc_exit_is_clean(CLD_KILLED, SIGKILL));
        assert_false(svc_exit_is_clean(CLD_DUMPED, SIGSEGV));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_state__simple_is_running_at_exec),
                cmocka_unit_test(test_state__notify_waits_for_ready),
                cmocka_unit_test(test_state__start_timeout_kills_and_backs_off),
                cmocka_unit_test(test_state__crash_backs_off_with_growing_delay),
                cmocka_unit_test(test_state__restart_delay_formula),
                cmocka_unit_test(test_state__backoff_resets_after_10s_up),
                cmocka_unit_test(test_state__clean_exit_does_not_restart_on_failure),
                cmocka_unit_test(test_state__restart_always_restarts_clean_exit),
                cmocka_unit_test(test_state__restart_no_ends_failed),
                cmocka_unit_test(test_state__start_limit_ends_failed),
                cmocka_unit_test(test_state__start_limit_window_slides),
                cmocka_unit_test(test_state__stop_cancels_pending_restart),
                cmocka_unit_test(test_state__stop_sends_kill_signal_then_sigkill),
                cmocka_unit_test(test_state__stop_clean),
                cmocka_unit_test(test_state__exec_stop_runs_before_signal),
                cmocka_unit_test(test_state__exec_stop_main_gone_first),
                cmocka_unit_test(test_state__restart_stops_then_starts),
                cmocka_unit_test(test_state__start_while_stopping_is_queued),
                cmocka_unit_test(test_state__restart_while_stopping_is_queued),
                cmocka_unit_test(test_state__notify_reload_signals_and_waits_for_ready),
                cmocka_unit_test(test_state__start_pre_sequence_and_ignore),
                cmocka_unit_test(test_state__start_pre_failure_fails_start),
                cmocka_unit_test(test_state__oneshot_runs_each_exec_start),
                cmocka_unit_test(test_state__oneshot_failure),
                cmocka_unit_test(test_state__forking_parent_exit_means_running),
                cmocka_unit_test(test_state__spawn_failure_backs_off),
                cmocka_unit_test(test_state__reload_runs_commands),
                cmocka_unit_test(test_state__main_exit_during_reload_kills_control),
                cmocka_unit_test(test_state__clean_signals),
                cmocka_unit_test(test_state__remain_after_exit_oneshot_stays_active_and_runs_exec_stop),
                cmocka_unit_test(test_state__remain_after_exit_simple_failure_still_fails),
                cmocka_unit_test(test_state__exec_start_post_after_ready),
                cmocka_unit_test(test_state__exec_start_post_failure_fails_the_start),
                cmocka_unit_test(test_state__exec_stop_post_runs_after_stop_and_after_failure),
                cmocka_unit_test(test_state__exec_condition_skips_or_fails),
                cmocka_unit_test(test_state__success_exit_status_is_a_clean_end),
                cmocka_unit_test(test_state__restart_table_of_systemd),
                cmocka_unit_test(test_state__restart_prevent_and_force_exit_status),
                cmocka_unit_test(test_state__kill_mode_control_group_waits_for_the_rest),
                cmocka_unit_test(test_state__kill_mode_mixed_signals_main_then_kills_all),
                cmocka_unit_test(test_state__kill_mode_process_leaves_the_rest_running),
                cmocka_unit_test(test_state__kill_mode_none_sends_nothing),
                cmocka_unit_test(test_state__send_sigkill_no_leaves_what_ignores_the_signal),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
