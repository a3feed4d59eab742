/* SPDX-License-Identifier: MIT */
#pragma once

/* The service lifecycle as a pure function: svc_step(machine, config, event) updates the machine
 * and returns the actions the executor (service.c) must carry out. No I/O, no clock, no globals:
 * tests feed it events and check states and actions. */

#include <stdbool.h>
#include <stdint.h>

struct exit_status_set;

enum svc_state {
        SVC_INACTIVE,
        SVC_STARTING,
        SVC_RUNNING,
        SVC_RELOADING,
        SVC_STOPPING,
        SVC_BACKING_OFF,
        SVC_FAILED,
        _SVC_STATE_MAX,
};

/* Where inside a state the machine is. */
enum svc_phase {
        PHASE_NONE,
        PHASE_CONDITION, /* ExecCondition[idx] running */
        PHASE_START_PRE, /* ExecStartPre[idx] running */
        PHASE_START, /* ExecStart[idx] spawned, waiting for readiness */
        PHASE_START_POST, /* ready; ExecStartPost[idx] running */
        PHASE_RELOAD, /* ExecReload[idx] running */
        PHASE_STOP_CMD, /* ExecStop[idx] running */
        PHASE_STOP_TERM, /* KillSignal sent, waiting up to TimeoutStopSec */
        PHASE_STOP_REST, /* KillMode=control-group: the main process ended, the rest has its KillSignal */
        PHASE_STOP_KILL, /* SIGKILL sent (to what KillMode= names), waiting */
        PHASE_STOP_POST, /* the service is down; ExecStopPost[idx] running */
        _PHASE_MAX,
};

/* Why the last run ended; RESULT_SUCCESS while nothing went wrong. */
enum svc_result {
        RESULT_SUCCESS,
        RESULT_EXIT_CODE, /* a process exited non-zero */
        RESULT_SIGNAL, /* a process was killed by a signal */
        RESULT_TIMEOUT, /* TimeoutStartSec or TimeoutStopSec passed */
        RESULT_SPAWN, /* the process could not be started (spawn_errno) */
        RESULT_START_LIMIT, /* StartLimitBurst hit */
        RESULT_DEPENDENCY, /* a Requires= dependency failed (set by the manager) */
        RESULT_OOM, /* the kernel's OOM killer ended it (set by the executor) */
        RESULT_CONDITION, /* ExecCondition= exited 1..254: the start was skipped, not failed */
        _RESULT_MAX,
};

enum svc_event_type {
        EV_START, /* manual start */
        EV_STOP, /* manual stop or shutdown */
        EV_RESTART, /* manual restart */
        EV_RELOAD, /* manual reload */
        EV_MAIN_EXEC, /* the main process reached execve() */
        EV_READY, /* READY=1 from the service */
        EV_MAIN_EXIT, /* the main process ended (exit_code/exit_status) */
        EV_CONTROL_EXIT, /* the control process (ExecStartPre/Reload/Stop) ended */
        EV_SPAWN_FAILED, /* spawning the current process failed (spawn_errno) */
        EV_TIMER, /* the machine's timer fired */
        EV_EMPTY, /* nothing but ns-init is left in the service's sandbox */
        _EV_MAX,
};

struct svc_event {
        enum svc_event_type type;
        uint64_t now; /* CLOCK_MONOTONIC, usec */
        int exit_code; /* CLD_EXITED, CLD_KILLED, CLD_DUMPED */
        int exit_status; /* exit status or signal number */
        int spawn_errno;
        bool oom; /* EV_MAIN_EXIT: the kernel's OOM killer ended it */
};

/* What the machine needs from the unit. */
struct svc_config {
        bool type_simple, type_notify, type_oneshot, type_forking;
        /* Type=notify-reload: a reload is RELOAD_SIGNAL to the main process, done at READY=1. */
        bool notify_reload;
        int reload_signal;
        unsigned n_start_pre, n_start, n_reload, n_stop;
        bool (*ignore_failure)(const void *userdata, enum svc_phase phase, unsigned idx);
        const void *userdata;
        int restart; /* enum restart_policy from units/unit.h */
        uint64_t restart_usec, restart_max_delay_usec;
        unsigned restart_steps;
        unsigned start_limit_burst; /* 0: no limit */
        uint64_t start_limit_interval_usec;
        uint64_t timeout_start_usec, timeout_stop_usec; /* UINT64_MAX: none */
        int kill_signal;
        unsigned n_condition, n_start_post, n_stop_post;
        bool remain_after_exit;
        int kill_mode; /* enum kill_mode from units/unit.h */
        bool send_sigkill, send_sighup;
        /* SuccessExitStatus=, RestartPreventExitStatus=, RestartForceExitStatus=; NULL = empty */
        const struct exit_status_set *success_status, *restart_prevent, *restart_force;
};

#define SVC_UP_RESET_USEC (10ULL * 1000000ULL) /* restarts counter resets after 10 s up */

struct svc_machine {
        enum svc_state state;
        enum svc_phase phase;
        unsigned idx;
        bool main_alive, control_alive;
        bool restart_queued; /* start again once stopped (manual restart, start while stopping) */
        bool stop_requested; /* the stop was asked for: ends in inactive, not in a restart */
        enum svc_result result;
        int exit_code, exit_status; /* last process end, for status */
        int main_code, main_status; /* the main process's end in this run; 0 = it has not ended */
        bool stop_post_done; /* ExecStopPost= ran (or is running) for this run */
        /* The run is over but its sandbox lives on with processes KillMode=process/none or
         * SendSIGKILL=no left running; it is released at EV_EMPTY, or a new start joins it. */
        bool leftovers;
        int spawn_errno;
        unsigned n_restarts; /* automatic restarts since the last reset */
        uint64_t running_since; /* monotonic usec when it became running */
        uint64_t limit_begin; /* start limit window */
        unsigned limit_count;
        uint64_t timer_usec; /* deadline of the armed timer (monotonic), 0 = none */
        /* Type=notify-reload: the reload signal went out and READY=1 has (not) come back yet;
         * the last such reload ended at its timeout without one. */
        bool reload_signalled, reload_ready, reload_failed;
};

enum svc_action_type {
        ACT_SPAWN_MAIN, /* spawn ExecStart[arg] */
        ACT_SPAWN_CONTROL, /* spawn the command of the current phase, index arg */
        ACT_SIGNAL_MAIN, /* send signal arg to the main process */
        ACT_SIGNAL_ALL, /* send signal arg to every process of the service */
        ACT_SIGNAL_CONTROL,
        ACT_KILL_ALL, /* SIGKILL everything the service has left; arg 1: the run is over, release
                       * its sandbox */
        ACT_TIMER, /* arm the timer at machine.timer_usec, or disarm when 0 */
        ACT_FORGET_MAIN, /* the forking parent exited: find the daemon it left */
};

struct svc_action {
        enum svc_action_type type;
        int arg;
};

#define SVC_ACTIONS_MAX 10
struct svc_actions {
        struct svc_action a[SVC_ACTIONS_MAX];
        unsigned n;
};

void svc_machine_init(struct svc_machine *m);

/* Advances the machine by one event; the actions are appended to *out (cleared first). */
void svc_step(struct svc_machine *m, const struct svc_config *c, const struct svc_event *ev,
              struct svc_actions *out);

/* The delay before automatic restart number N (1-based), systemd's formula:
 * RestartSec * (RestartMaxDelaySec / RestartSec) ^ ((N - 1) / RestartSteps), capped. */
uint64_t svc_restart_delay(const struct svc_config *c, unsigned n);

/* True when the last process end counts as clean (exit 0, or SIGHUP/SIGINT/SIGTERM/SIGPIPE). */
bool svc_exit_is_clean(int exit_code, int exit_status);

/* True when the machine sits in RUNNING with no main process: RemainAfterExit=yes after the main
 * process ended cleanly ("active (exited)" in systemd's words). */
bool svc_machine_exited(const struct svc_machine *m);

const char *svc_state_to_string(enum svc_state s);
const char *svc_result_to_string(enum svc_result r);
