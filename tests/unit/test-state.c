/* SPDX-License-Identifier: MIT */
/* The service state machine, fed events without a loop. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "common/macro.h"
#include "supervisor/state.h"
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
                cmocka_unit_test(test_state__start_pre_sequence_and_ignore),
                cmocka_unit_test(test_state__start_pre_failure_fails_start),
                cmocka_unit_test(test_state__oneshot_runs_each_exec_start),
                cmocka_unit_test(test_state__oneshot_failure),
                cmocka_unit_test(test_state__forking_parent_exit_means_running),
                cmocka_unit_test(test_state__spawn_failure_backs_off),
                cmocka_unit_test(test_state__reload_runs_commands),
                cmocka_unit_test(test_state__main_exit_during_reload_kills_control),
                cmocka_unit_test(test_state__clean_signals),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
