/* SPDX-License-Identifier: MIT */
#include "supervisor/svcd/state.h"

#include <signal.h>
#include <sys/wait.h>

#include "common/macro.h"
#include "units/unit.h"

/* One handler per state; each handles the events that mean something in that state and ignores
 * the rest (a stale exit of a process the machine already gave up on, a second start, ...). */
typedef void (*state_handler)(struct svc_machine *m, const struct svc_config *c, const struct svc_event *ev,
                              struct svc_actions *out);

static void act(struct svc_actions *out, enum svc_action_type type, int arg) {
        if (out->n < SVC_ACTIONS_MAX)
                out->a[out->n++] = (struct svc_action){ type, arg };
}

static void set_timer(struct svc_machine *m, struct svc_actions *out, uint64_t now, uint64_t span) {
        m->timer_usec = span == USEC_INFINITY ? 0 : now + span;
        act(out, ACT_TIMER, 0);
}

static void clear_timer(struct svc_machine *m, struct svc_actions *out) {
        if (m->timer_usec == 0)
                return;
        m->timer_usec = 0;
        act(out, ACT_TIMER, 0);
}

static void set_result(struct svc_machine *m, enum svc_result r) {
        if (m->result == RESULT_SUCCESS)
                m->result = r;
}

static void record_exit(struct svc_machine *m, const struct svc_event *ev) {
        m->exit_code = ev->exit_code;
        m->exit_status = ev->exit_status;
}

static void record_main_exit(struct svc_machine *m, const struct svc_event *ev) {
        record_exit(m, ev);
        m->main_code = ev->exit_code;
        m->main_status = ev->exit_status;
}

static enum svc_result result_of_exit(const struct svc_event *ev) {
        if (ev->oom)
                return RESULT_OOM;
        return ev->exit_code == CLD_EXITED ? RESULT_EXIT_CODE : RESULT_SIGNAL;
}

bool svc_exit_is_clean(int exit_code, int exit_status) {
        if (exit_code == CLD_EXITED)
                return exit_status == 0;
        if (exit_code == CLD_KILLED)
                return exit_status == SIGHUP || exit_status == SIGINT || exit_status == SIGTERM ||
                       exit_status == SIGPIPE;
        return false;
}

/* A daemon's end: the clean signals count, and SuccessExitStatus=. */
static bool main_end_clean(const struct svc_config *c, const struct svc_event *ev) {
        return svc_exit_is_clean(ev->exit_code, ev->exit_status) ||
               exit_status_set_test(c->success_status, ev->exit_code, ev->exit_status);
}

/* A command's end (a oneshot's ExecStart=, a control command): exit 0; SuccessExitStatus= for
 * the main process only, as in systemd. */
static bool command_ok(const struct svc_config *c, const struct svc_event *ev, bool main) {
        if (ev->exit_code == CLD_EXITED && ev->exit_status == 0)
                return true;
        return main && exit_status_set_test(c->success_status, ev->exit_code, ev->exit_status);
}

bool svc_machine_exited(const struct svc_machine *m) {
        return m->state == SVC_RUNNING && !m->main_alive;
}

static bool control_failure_ignored(const struct svc_config *c, const struct svc_machine *m) {
        return c->ignore_failure && c->ignore_failure(c->userdata, m->phase, m->idx);
}

static void spawn_control(struct svc_machine *m, struct svc_actions *out, enum svc_phase phase,
                          unsigned idx) {
        m->phase = phase;
        m->idx = idx;
        m->control_alive = true;
        act(out, ACT_SPAWN_CONTROL, (int) idx);
}

static void spawn_main(struct svc_machine *m, struct svc_actions *out, unsigned idx) {
        m->phase = PHASE_START;
        m->idx = idx;
        m->main_alive = true;
        act(out, ACT_SPAWN_MAIN, (int) idx);
}

static void start_pre_or_main(struct svc_machine *m, const struct svc_config *c, struct svc_actions *out) {
        if (c->n_start_pre > 0)
                spawn_control(m, out, PHASE_START_PRE, 0);
        else
                spawn_main(m, out, 0);
}

static void enter_start(struct svc_machine *m, const struct svc_config *c, uint64_t now,
                        struct svc_actions *out) {
        m->state = SVC_STARTING;
        m->result = RESULT_SUCCESS;
        m->spawn_errno = 0;
        m->stop_requested = false;
        m->restart_queued = false;
        m->running_since = 0;
        m->main_code = m->main_status = 0;
        m->stop_post_done = false;
        /* A sandbox with leftovers is joined: the new processes run next to them. */
        m->leftovers = false;
        set_timer(m, out, now, c->timeout_start_usec);
        if (c->n_condition > 0)
                spawn_control(m, out, PHASE_CONDITION, 0);
        else
                start_pre_or_main(m, c, out);
}

static void enter_manual_start(struct svc_machine *m, const struct svc_config *c, uint64_t now,
                               struct svc_actions *out) {
        m->n_restarts = 0;
        m->limit_count = 0;
        m->limit_begin = 0;
        enter_start(m, c, now, out);
}

static void enter_running(struct svc_machine *m, uint64_t now, struct svc_actions *out) {
        m->state = SVC_RUNNING;
        m->phase = PHASE_NONE;
        if (m->running_since == 0)
                m->running_since = now;
        clear_timer(m, out);
}

/* Start limit: automatic restarts within StartLimitIntervalSec beyond StartLimitBurst. */
static bool start_limit_hit(struct svc_machine *m, const struct svc_config *c, uint64_t now) {
        if (c->start_limit_burst == 0)
                return false;
        if (m->limit_count == 0 || now - m->limit_begin > c->start_limit_interval_usec) {
                m->limit_begin = now;
                m->limit_count = 0;
        }
        return ++m->limit_count > c->start_limit_burst;
}

/* systemd.service(5), the table under Restart=. */
static bool restart_policy_says(int policy, enum svc_result r) {
        switch (policy) {
        case RESTART_ALWAYS:
                return true;
        case RESTART_ON_SUCCESS:
                return r == RESULT_SUCCESS;
        case RESTART_ON_FAILURE:
                return r != RESULT_SUCCESS;
        case RESTART_ON_ABNORMAL: /* unclean signal, timeout, OOM kill: not an exit code */
                return r != RESULT_SUCCESS && r != RESULT_EXIT_CODE && r != RESULT_SPAWN;
        case RESTART_ON_ABORT:
                return r == RESULT_SIGNAL;
        default: /* no; on-watchdog: svc has no watchdog */
                return false;
        }
}

static bool should_restart(const struct svc_machine *m, const struct svc_config *c) {
        if (m->stop_requested)
                return false;
        if (m->result == RESULT_START_LIMIT || m->result == RESULT_DEPENDENCY ||
            m->result == RESULT_CONDITION)
                return false;
        if (m->main_code != 0 && exit_status_set_test(c->restart_prevent, m->main_code, m->main_status))
                return false;
        if (m->main_code != 0 && exit_status_set_test(c->restart_force, m->main_code, m->main_status))
                return true;
        if (c->type_oneshot && m->result == RESULT_SUCCESS)
                return false; /* it did what it is for */
        return restart_policy_says(c->restart, m->result);
}

static void enter_backing_off(struct svc_machine *m, const struct svc_config *c, uint64_t now,
                              struct svc_actions *out) {
        if (m->running_since != 0 && now - m->running_since >= SVC_UP_RESET_USEC)
                m->n_restarts = 0;
        m->running_since = 0;
        if (start_limit_hit(m, c, now)) {
                m->result = RESULT_START_LIMIT;
                m->state = SVC_FAILED;
                return;
        }
        m->n_restarts++;
        m->state = SVC_BACKING_OFF;
        set_timer(m, out, now, svc_restart_delay(c, m->n_restarts));
}

static bool keeps_leftovers(const struct svc_config *c) {
        return c->kill_mode == KILL_PROCESS || c->kill_mode == KILL_NONE;
}

/* What KillMode= (or SendSIGKILL=no) left running stays; anything else goes with the sandbox. */
static void release_sandbox(struct svc_machine *m, const struct svc_config *c, struct svc_actions *out) {
        if (keeps_leftovers(c) || m->leftovers) {
                m->leftovers = true;
                return;
        }
        act(out, ACT_KILL_ALL, 1);
}

/* Stops caring for the processes still running: they become leftovers. */
static void abandon(struct svc_machine *m) {
        m->main_alive = m->control_alive = false;
        m->leftovers = true;
}

/* Nothing of the service runs any more (or what runs is left over): ExecStopPost=, then decide
 * where it goes. */
static void enter_dead(struct svc_machine *m, const struct svc_config *c, uint64_t now,
                       struct svc_actions *out) {
        m->phase = PHASE_NONE;
        m->main_alive = m->control_alive = false;
        clear_timer(m, out);
        release_sandbox(m, c, out);
        if (c->n_stop_post > 0 && !m->stop_post_done) {
                m->stop_post_done = true;
                m->state = SVC_STOPPING;
                set_timer(m, out, now, c->timeout_stop_usec);
                spawn_control(m, out, PHASE_STOP_POST, 0);
                return;
        }
        if (m->restart_queued) {
                enter_start(m, c, now, out);
                return;
        }
        if (should_restart(m, c)) {
                enter_backing_off(m, c, now, out);
                return;
        }
        m->running_since = 0;
        bool failed = m->stop_requested ? m->result == RESULT_TIMEOUT
                                        : m->result != RESULT_SUCCESS && m->result != RESULT_CONDITION;
        m->state = failed ? SVC_FAILED : SVC_INACTIVE;
}

static void check_stopped(struct svc_machine *m, const struct svc_config *c, uint64_t now,
                          struct svc_actions *out) {
        if (!m->main_alive && !m->control_alive)
                enter_dead(m, c, now, out);
}

/* The stop timeout passed: SIGKILL to what KillMode= names, or with SendSIGKILL=no nothing, and
 * what still runs is left over. */
static void enter_stop_kill(struct svc_machine *m, const struct svc_config *c, uint64_t now,
                            struct svc_actions *out) {
        m->state = SVC_STOPPING;
        m->phase = PHASE_STOP_KILL;
        if (!c->send_sigkill) {
                abandon(m);
                enter_dead(m, c, now, out);
                return;
        }
        if (c->kill_mode == KILL_CONTROL_GROUP || c->kill_mode == KILL_MIXED) {
                act(out, ACT_KILL_ALL, 0);
        } else {
                if (m->control_alive)
                        act(out, ACT_SIGNAL_CONTROL, SIGKILL);
                if (m->main_alive && c->kill_mode == KILL_PROCESS)
                        act(out, ACT_SIGNAL_MAIN, SIGKILL);
                else
                        m->main_alive = false; /* KillMode=none: left running */
                if (!m->control_alive && !m->main_alive) {
                        enter_dead(m, c, now, out);
                        return;
                }
        }
        set_timer(m, out, now, c->timeout_stop_usec);
}

/* KillSignal= (then SIGHUP with SendSIGHUP=yes) to what KillMode= names; KillMode=none leaves the
 * main process running. */
static void enter_stop_signal(struct svc_machine *m, const struct svc_config *c, uint64_t now,
                              struct svc_actions *out) {
        m->state = SVC_STOPPING;
        m->phase = PHASE_STOP_TERM;
        if (m->main_alive && c->kill_mode == KILL_NONE) {
                m->main_alive = false;
                m->leftovers = true;
        } else if (m->main_alive) {
                enum svc_action_type t =
                        c->kill_mode == KILL_CONTROL_GROUP ? ACT_SIGNAL_ALL : ACT_SIGNAL_MAIN;
                act(out, t, c->kill_signal);
                if (c->send_sighup)
                        act(out, t, SIGHUP);
        }
        if (!m->main_alive && !m->control_alive) {
                enter_dead(m, c, now, out);
                return;
        }
        set_timer(m, out, now, c->timeout_stop_usec);
}

/* run_exec_stop: the service came up, so ExecStop= applies; a failed start skips it. */
static void enter_stop(struct svc_machine *m, const struct svc_config *c, uint64_t now, bool run_exec_stop,
                       struct svc_actions *out) {
        m->state = SVC_STOPPING;
        if (m->control_alive) {
                act(out, ACT_SIGNAL_CONTROL, SIGKILL);
        } else if (run_exec_stop && c->n_stop > 0) {
                set_timer(m, out, now, c->timeout_stop_usec);
                spawn_control(m, out, PHASE_STOP_CMD, 0);
                return;
        }
        enter_stop_signal(m, c, now, out);
}

static void fail(struct svc_machine *m, const struct svc_config *c, uint64_t now, enum svc_result r,
                 struct svc_actions *out) {
        set_result(m, r);
        enter_stop(m, c, now, false, out);
}

/* A manual stop or restart from any active state. */
static void request_stop(struct svc_machine *m, const struct svc_config *c, const struct svc_event *ev,
                         struct svc_actions *out) {
        bool was_up = m->state == SVC_RUNNING || m->state == SVC_RELOADING;
        m->stop_requested = true;
        m->restart_queued = ev->type == EV_RESTART;
        enter_stop(m, c, ev->now, was_up, out);
}

static void main_ended_while_up(struct svc_machine *m, const struct svc_config *c, const struct svc_event *ev,
                                struct svc_actions *out) {
        m->main_alive = false;
        record_main_exit(m, ev);
        bool clean = main_end_clean(c, ev);
        if (!clean)
                set_result(m, result_of_exit(ev));
        if (m->control_alive)
                enter_stop_kill(m, c, ev->now, out);
        else if (clean && c->remain_after_exit && m->state == SVC_RUNNING)
                enter_running(m, ev->now, out); /* active (exited) */
        else
                enter_dead(m, c, ev->now, out);
}

/* The end of the start: ExecStartPost= is done (or there is none). */
static void start_done(struct svc_machine *m, const struct svc_config *c, uint64_t now,
                       struct svc_actions *out) {
        if (m->main_alive || c->remain_after_exit)
                enter_running(m, now, out);
        else
                enter_dead(m, c, now, out); /* a oneshot that finished */
}

/* The service is ready: ExecStartPost=, then running. */
static void enter_ready(struct svc_machine *m, const struct svc_config *c, uint64_t now,
                        struct svc_actions *out) {
        if (c->n_start_post > 0)
                spawn_control(m, out, PHASE_START_POST, 0);
        else
                start_done(m, c, now, out);
}

static void on_inactive(struct svc_machine *m, const struct svc_config *c, const struct svc_event *ev,
                        struct svc_actions *out) {
        if (ev->type == EV_START || ev->type == EV_RESTART)
                enter_manual_start(m, c, ev->now, out);
        else if (ev->type == EV_STOP && m->state == SVC_FAILED)
                m->state = SVC_INACTIVE;
}

static void on_backing_off(struct svc_machine *m, const struct svc_config *c, const struct svc_event *ev,
                           struct svc_actions *out) {
        switch (ev->type) {
        case EV_TIMER:
                enter_start(m, c, ev->now, out);
                break;
        case EV_START:
        case EV_RESTART:
                enter_manual_start(m, c, ev->now, out);
                break;
        case EV_STOP:
                clear_timer(m, out);
                m->state = SVC_INACTIVE;
                break;
        default:
                break;
        }
}

/* ExecCondition= exited: 0 goes on, 1..254 skips the start (inactive, not failed), 255 or a
 * signal fails it (systemd.service(5)). */
static void condition_exited(struct svc_machine *m, const struct svc_config *c, const struct svc_event *ev,
                             struct svc_actions *out) {
        m->control_alive = false;
        bool skip = ev->exit_code == CLD_EXITED && ev->exit_status > 0 && ev->exit_status < 255;
        if (!command_ok(c, ev, false) && !control_failure_ignored(c, m)) {
                record_exit(m, ev);
                if (skip) {
                        set_result(m, RESULT_CONDITION);
                        enter_dead(m, c, ev->now, out);
                } else
                        fail(m, c, ev->now, result_of_exit(ev), out);
                return;
        }
        if (m->idx + 1 < c->n_condition)
                spawn_control(m, out, PHASE_CONDITION, m->idx + 1);
        else
                start_pre_or_main(m, c, out);
}

/* ExecStartPre= or ExecStartPost= exited. */
static void start_control_exited(struct svc_machine *m, const struct svc_config *c,
                                 const struct svc_event *ev, struct svc_actions *out) {
        bool pre = m->phase == PHASE_START_PRE;
        m->control_alive = false;
        if (!command_ok(c, ev, false) && !control_failure_ignored(c, m)) {
                record_exit(m, ev);
                set_result(m, result_of_exit(ev));
                /* After ExecStartPost= the service is up: ExecStop= applies, as in systemd. */
                enter_stop(m, c, ev->now, !pre, out);
                return;
        }
        unsigned n = pre ? c->n_start_pre : c->n_start_post;
        if (m->idx + 1 < n)
                spawn_control(m, out, m->phase, m->idx + 1);
        else if (pre)
                spawn_main(m, out, 0);
        else
                start_done(m, c, ev->now, out);
}

static void start_main_exited(struct svc_machine *m, const struct svc_config *c, const struct svc_event *ev,
                              struct svc_actions *out) {
        m->main_alive = false;
        record_main_exit(m, ev);
        bool ok = command_ok(c, ev, true);
        if (ok && c->type_oneshot) {
                if (m->idx + 1 < c->n_start)
                        spawn_main(m, out, m->idx + 1);
                else
                        enter_ready(m, c, ev->now, out);
                return;
        }
        if (ok && c->type_forking) {
                /* The parent is done; the daemon it left becomes the main process. */
                m->main_alive = true;
                m->main_code = m->main_status = 0;
                act(out, ACT_FORGET_MAIN, 0);
                enter_ready(m, c, ev->now, out);
                return;
        }
        /* Ended before it was ready: a failed start even with status 0. */
        fail(m, c, ev->now, ev->exit_code == CLD_EXITED ? RESULT_EXIT_CODE : RESULT_SIGNAL, out);
}

static void starting_spawn_failed(struct svc_machine *m, const struct svc_config *c,
                                  const struct svc_event *ev, struct svc_actions *out) {
        m->spawn_errno = ev->spawn_errno;
        if (m->phase == PHASE_START)
                m->main_alive = false;
        else
                m->control_alive = false;
        fail(m, c, ev->now, RESULT_SPAWN, out);
}

static void on_starting(struct svc_machine *m, const struct svc_config *c, const struct svc_event *ev,
                        struct svc_actions *out) {
        switch (ev->type) {
        case EV_MAIN_EXEC:
                if (c->type_simple && m->phase == PHASE_START)
                        enter_ready(m, c, ev->now, out);
                break;
        case EV_READY:
                if (c->type_notify && m->phase == PHASE_START && m->main_alive)
                        enter_ready(m, c, ev->now, out);
                break;
        case EV_CONTROL_EXIT:
                if (m->phase == PHASE_CONDITION && m->control_alive)
                        condition_exited(m, c, ev, out);
                else if ((m->phase == PHASE_START_PRE || m->phase == PHASE_START_POST) && m->control_alive)
                        start_control_exited(m, c, ev, out);
                break;
        case EV_MAIN_EXIT:
                if (m->phase == PHASE_START && m->main_alive)
                        start_main_exited(m, c, ev, out);
                else if (m->phase == PHASE_START_POST && m->main_alive)
                        main_ended_while_up(m, c, ev, out);
                break;
        case EV_SPAWN_FAILED:
                starting_spawn_failed(m, c, ev, out);
                break;
        case EV_TIMER:
                fail(m, c, ev->now, RESULT_TIMEOUT, out);
                break;
        case EV_STOP:
        case EV_RESTART:
                request_stop(m, c, ev, out);
                break;
        default:
                break;
        }
}

static void on_running(struct svc_machine *m, const struct svc_config *c, const struct svc_event *ev,
                       struct svc_actions *out) {
        switch (ev->type) {
        case EV_MAIN_EXIT:
                if (m->main_alive)
                        main_ended_while_up(m, c, ev, out);
                break;
        case EV_STOP:
        case EV_RESTART:
                request_stop(m, c, ev, out);
                break;
        case EV_RELOAD:
                if (c->n_reload == 0 && !c->notify_reload)
                        break;
                m->state = SVC_RELOADING;
                set_timer(m, out, ev->now, c->timeout_start_usec);
                if (c->notify_reload) {
                        m->reload_signalled = true;
                        m->reload_ready = m->reload_failed = false;
                        act(out, ACT_SIGNAL_MAIN, c->reload_signal);
                }
                if (c->n_reload > 0)
                        spawn_control(m, out, PHASE_RELOAD, 0);
                break;
        default:
                break;
        }
}

static void reload_done(struct svc_machine *m, uint64_t now, struct svc_actions *out) {
        m->reload_signalled = m->reload_ready = false;
        enter_running(m, now, out);
}

static void reload_exited(struct svc_machine *m, const struct svc_config *c, const struct svc_event *ev,
                          struct svc_actions *out) {
        m->control_alive = false;
        bool ok = ev->type == EV_CONTROL_EXIT && ev->exit_code == CLD_EXITED && ev->exit_status == 0;
        if ((ok || control_failure_ignored(c, m)) && m->idx + 1 < c->n_reload) {
                spawn_control(m, out, PHASE_RELOAD, m->idx + 1);
                return;
        }
        if (m->reload_signalled && !m->reload_ready)
                return; /* Type=notify-reload: READY=1 is the end */
        reload_done(m, ev->now, out);
}

static void on_reloading(struct svc_machine *m, const struct svc_config *c, const struct svc_event *ev,
                         struct svc_actions *out) {
        switch (ev->type) {
        case EV_CONTROL_EXIT:
        case EV_SPAWN_FAILED:
                if (m->control_alive)
                        reload_exited(m, c, ev, out);
                break;
        case EV_MAIN_EXIT:
                if (m->main_alive)
                        main_ended_while_up(m, c, ev, out);
                break;
        case EV_READY:
                if (!m->reload_signalled)
                        break;
                m->reload_ready = true;
                if (!m->control_alive)
                        reload_done(m, ev->now, out);
                break;
        case EV_TIMER:
                if (m->control_alive) {
                        act(out, ACT_SIGNAL_CONTROL, SIGKILL);
                        clear_timer(m, out);
                        /* The reload ends with the command, READY=1 or not. */
                        m->reload_failed = m->reload_signalled;
                        m->reload_ready = true;
                } else if (m->reload_signalled) {
                        /* No READY=1 in time: the reload failed, the service runs on. */
                        m->reload_failed = true;
                        reload_done(m, ev->now, out);
                }
                break;
        case EV_STOP:
        case EV_RESTART:
                request_stop(m, c, ev, out);
                break;
        default:
                break;
        }
}

/* Every ExecStop= runs, as in systemd, then the signals. */
static void stop_cmd_exited(struct svc_machine *m, const struct svc_config *c, const struct svc_event *ev,
                            struct svc_actions *out) {
        m->control_alive = false;
        if (m->idx + 1 < c->n_stop) {
                spawn_control(m, out, PHASE_STOP_CMD, m->idx + 1);
                return;
        }
        enter_stop_signal(m, c, ev->now, out);
}

static void stop_post_exited(struct svc_machine *m, const struct svc_config *c, const struct svc_event *ev,
                             struct svc_actions *out) {
        m->control_alive = false;
        if (ev->type == EV_SPAWN_FAILED || (!command_ok(c, ev, false) && !control_failure_ignored(c, m))) {
                if (ev->type == EV_CONTROL_EXIT)
                        record_exit(m, ev);
                set_result(m, ev->type == EV_SPAWN_FAILED ? RESULT_SPAWN : result_of_exit(ev));
        }
        if (m->idx + 1 < c->n_stop_post)
                spawn_control(m, out, PHASE_STOP_POST, m->idx + 1);
        else
                enter_dead(m, c, ev->now, out);
}

static void stopping_main_exited(struct svc_machine *m, const struct svc_config *c,
                                 const struct svc_event *ev, struct svc_actions *out) {
        m->main_alive = false;
        m->main_code = ev->exit_code;
        m->main_status = ev->exit_status;
        /* The status keeps the end that failed the run (an ExecStartPost=), not the stop's. */
        if (m->result == RESULT_SUCCESS || m->result == RESULT_TIMEOUT)
                record_exit(m, ev);
        if (!m->stop_requested && !main_end_clean(c, ev))
                set_result(m, result_of_exit(ev));
        if (m->phase == PHASE_STOP_TERM && c->kill_mode == KILL_CONTROL_GROUP && !m->control_alive) {
                /* The others got KillSignal= too: as systemd, wait for them (EV_EMPTY). */
                m->phase = PHASE_STOP_REST;
                return;
        }
        if (m->phase != PHASE_STOP_CMD)
                check_stopped(m, c, ev->now, out);
}

static void stopping_control_exited(struct svc_machine *m, const struct svc_config *c,
                                    const struct svc_event *ev, struct svc_actions *out) {
        if (m->phase == PHASE_STOP_CMD) {
                stop_cmd_exited(m, c, ev, out);
                return;
        }
        if (m->phase == PHASE_STOP_POST) {
                stop_post_exited(m, c, ev, out);
                return;
        }
        m->control_alive = false;
        check_stopped(m, c, ev->now, out);
}

static void stopping_timed_out(struct svc_machine *m, const struct svc_config *c, uint64_t now,
                               struct svc_actions *out) {
        set_result(m, RESULT_TIMEOUT);
        if (m->phase == PHASE_STOP_POST) {
                act(out, ACT_SIGNAL_CONTROL, c->send_sigkill ? SIGKILL : c->kill_signal);
                m->control_alive = false;
                enter_dead(m, c, now, out);
        } else if (m->phase == PHASE_STOP_KILL) {
                /* SIGKILL did not end it (a process stuck in the kernel): give up on it. */
                enter_dead(m, c, now, out);
        } else
                enter_stop_kill(m, c, now, out);
}

static void on_stopping(struct svc_machine *m, const struct svc_config *c, const struct svc_event *ev,
                        struct svc_actions *out) {
        switch (ev->type) {
        case EV_MAIN_EXIT:
                if (m->main_alive)
                        stopping_main_exited(m, c, ev, out);
                break;
        case EV_CONTROL_EXIT:
        case EV_SPAWN_FAILED:
                if (m->control_alive)
                        stopping_control_exited(m, c, ev, out);
                break;
        case EV_TIMER:
                stopping_timed_out(m, c, ev->now, out);
                break;
        case EV_START:
        case EV_RESTART: /* the stop under way is half of it */
                m->restart_queued = true;
                break;
        case EV_STOP:
                m->restart_queued = false;
                m->stop_requested = true;
                break;
        default:
                break;
        }
}

/* Nothing but ns-init is left in the sandbox: a stop waiting for the rest is done; a sandbox
 * kept for leftovers goes. */
static void on_empty(struct svc_machine *m, const struct svc_config *c, const struct svc_event *ev,
                     struct svc_actions *out) {
        bool down = m->state == SVC_INACTIVE || m->state == SVC_FAILED || m->state == SVC_BACKING_OFF;
        bool waiting =
                m->state == SVC_STOPPING && (m->phase == PHASE_STOP_REST || m->phase == PHASE_STOP_KILL);
        if (waiting && !m->main_alive && !m->control_alive) {
                enter_dead(m, c, ev->now, out);
        } else if (down && m->leftovers) {
                m->leftovers = false;
                act(out, ACT_KILL_ALL, 1);
        }
}

static const state_handler handlers[_SVC_STATE_MAX] = {
        [SVC_INACTIVE] = on_inactive,       [SVC_FAILED] = on_inactive,     [SVC_STARTING] = on_starting,
        [SVC_RUNNING] = on_running,         [SVC_RELOADING] = on_reloading, [SVC_STOPPING] = on_stopping,
        [SVC_BACKING_OFF] = on_backing_off,
};

void svc_machine_init(struct svc_machine *m) {
        *m = (struct svc_machine){ .state = SVC_INACTIVE };
}

void svc_step(struct svc_machine *m, const struct svc_config *c, const struct svc_event *ev,
              struct svc_actions *out) {
        out->n = 0;
        if (ev->type == EV_TIMER && m->timer_usec == 0)
                return; /* a timer that was disarmed in the meantime */
        if (ev->type == EV_TIMER)
                m->timer_usec = 0;
        if (ev->type == EV_EMPTY)
                on_empty(m, c, ev, out);
        else
                handlers[m->state](m, c, ev, out);
}

static double power(double x, unsigned k) {
        double r = 1.0;
        for (; k > 0; k >>= 1, x *= x)
                if (k & 1)
                        r *= x;
        return r;
}

uint64_t svc_restart_delay(const struct svc_config *c, unsigned n) {
        uint64_t base = c->restart_usec, max = c->restart_max_delay_usec;
        if (n <= 1 || c->restart_steps == 0 || base == 0 || max == USEC_INFINITY || base >= max)
                return base;
        if (n > c->restart_steps)
                return max;
        /* (max/base)^((n-1)/steps), without libm (svcd does not load it for one call): the
         * steps-th root by bisection, then its (n-1)-th power. */
        double ratio = (double) max / (double) base, lo = 1.0, hi = ratio;
        for (unsigned i = 0; i < 64; i++) {
                double mid = (lo + hi) / 2;
                if (power(mid, c->restart_steps) < ratio)
                        lo = mid;
                else
                        hi = mid;
        }
        return (uint64_t) ((double) base * power(lo, n - 1));
}

const char *svc_state_to_string(enum svc_state s) {
        static const char *const table[_SVC_STATE_MAX] = {
                [SVC_INACTIVE] = "inactive",   [SVC_STARTING] = "starting", [SVC_RUNNING] = "running",
                [SVC_RELOADING] = "reloading", [SVC_STOPPING] = "stopping", [SVC_BACKING_OFF] = "backing-off",
                [SVC_FAILED] = "failed",
        };
        return s < _SVC_STATE_MAX ? table[s] : "?";
}

const char *svc_result_to_string(enum svc_result r) {
        static const char *const table[_RESULT_MAX] = {
                [RESULT_SUCCESS] = "success",
                [RESULT_EXIT_CODE] = "exit-code",
                [RESULT_SIGNAL] = "signal",
                [RESULT_TIMEOUT] = "timeout",
                [RESULT_SPAWN] = "spawn",
                [RESULT_START_LIMIT] = "start-limit-hit",
                [RESULT_DEPENDENCY] = "dependency",
                [RESULT_OOM] = "oom-kill",
                [RESULT_CONDITION] = "exec-condition",
        };
        return r < _RESULT_MAX ? table[r] : "?";
}
