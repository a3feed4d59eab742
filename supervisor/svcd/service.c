/* SPDX-License-Identifier: MIT */
/* The executor: carries out what the state machine (state.c) decides for one service (spawn,
 * signal, timers) and turns what happens (exits, exec reports, notifications, timers) back into
 * events. Spawning goes through sandbox_spawn(), the one seam the sandbox replaces. */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#include "common/macro.h"
#include "common/util.h"
#include "sandbox/sandbox.h"
#include "supervisor/svcd/cgroup.h"
#include "supervisor/svcd/executor.h"
#include "supervisor/svcd/log-capture.h"
#include "supervisor/svcd/log-pipe.h"
#include "supervisor/svcd/net/net.h"
#include "supervisor/svcd/notify.h"
#include "supervisor/svcd/service.h"
#include "supervisor/svcd/sockets.h"
#include "supervisor/svcd/spare.h"
#include "supervisor/svcd/syslog.h"

static uint64_t now_mono(const struct service *s) {
        uint64_t t;
        if (sd_event_now(s->m->event, CLOCK_MONOTONIC, &t) < 0)
                t = now_usec(CLOCK_MONOTONIC);
        return t;
}

static bool ignore_failure_cb(const void *userdata, enum svc_phase phase, unsigned idx) {
        const struct exec_list *l = service_exec_list(userdata, phase);
        return idx < l->n && l->items[idx].ignore_failure;
}

static void config_from_unit(struct svc_config *c, const struct unit *u) {
        *c = (struct svc_config){
                .type_simple = u->type == SERVICE_SIMPLE,
                .type_notify = u->type == SERVICE_NOTIFY || u->type == SERVICE_NOTIFY_RELOAD,
                .notify_reload = u->type == SERVICE_NOTIFY_RELOAD,
                .reload_signal = u->reload_signal,
                .type_oneshot = u->type == SERVICE_ONESHOT,
                .type_forking = u->type == SERVICE_FORKING,
                .n_start_pre = (unsigned) u->exec_start_pre.n,
                .n_start = (unsigned) u->exec_start.n,
                .n_reload = (unsigned) u->exec_reload.n,
                .n_stop = (unsigned) u->exec_stop.n,
                .ignore_failure = ignore_failure_cb,
                .userdata = u,
                .restart = (int) u->restart,
                .restart_usec = u->restart_usec,
                .restart_max_delay_usec = u->restart_max_delay_usec,
                .restart_steps = u->restart_steps,
                .start_limit_burst = u->start_limit_burst,
                .start_limit_interval_usec = u->start_limit_interval_usec,
                .timeout_start_usec = u->timeout_start_usec,
                .timeout_stop_usec = u->timeout_stop_usec,
                .kill_signal = u->kill_signal,
                .n_condition = (unsigned) u->exec_condition.n,
                .n_start_post = (unsigned) u->exec_start_post.n,
                .n_stop_post = (unsigned) u->exec_stop_post.n,
                .remain_after_exit = u->remain_after_exit,
                .kill_mode = (int) u->kill_mode,
                .send_sigkill = u->send_sigkill,
                .send_sighup = u->send_sighup,
                .success_status = &u->success_status,
                .restart_prevent = &u->restart_prevent_status,
                .restart_force = &u->restart_force_status,
        };
}

void service_set_unit(struct service *s, struct unit *u) {
        unit_free(s->unit);
        s->unit = u;
        /* A new definition: check its programs again, listen where it says. */
        s->elf_checked = false;
        if (!service_is_active(s))
                sockets_close(s);
        config_from_unit(&s->cfg, u);
        /* Made for the old definition (its maps, its network): the next start makes its own. */
        spare_drop(s);
        if (s->log)
                log_stream_configure(s->log, u->log_rotate_size, u->log_rotate_count);
}

/* ---- life cycle of the object -------------------------------------------------------------- */

int service_new(struct manager *m, const char *name, struct service **ret) {
        struct service *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->m = m;
        s->name = strdup(name);
        s->notify_fd = s->syslog_fd = s->conn_fd = -EBADF;
        s->log_pipe[0] = s->log_pipe[1] = -EBADF;
        s->sb = (struct sandbox){ .pid = 0, .pidfd = -EBADF, .channel = -EBADF, .setup_fd = -EBADF };
        svc_machine_init(&s->sm);
        s->since_realtime = now_usec(CLOCK_REALTIME);
        s->since_monotonic = now_usec(CLOCK_MONOTONIC);
        if (!s->name) {
                free(s);
                return -ENOMEM;
        }
        *ret = s;
        return 0;
}

struct service *service_free(struct service *s) {
        if (!s)
                return NULL;
        sd_event_source_disable_unref(s->timer);
        exec_free(s);
        net_service_release(s);
        sockets_close(s);
        safe_close(s->conn_fd);
        syslog_close(s);
        cgroup_service_drop(s);
        log_pipe_close(s);
        notify_close(s);
        unit_free(s->unit);
        unit_free(s->next_unit);
        strv_free(s->load_errors);
        free(s->failure_detail);
        free(s->condition_failure);
        strv_free(s->monitor_env);
        free(s->status_text);
        free(s->name);
        free(s);
        return NULL;
}

/* ---- actions ------------------------------------------------------------------------------ */

static int on_timer(sd_event_source *src _unused_, uint64_t usec _unused_, void *userdata) {
        service_event(userdata, EV_TIMER);
        return 0;
}

static void arm_timer(struct service *s) {
        if (s->sm.timer_usec == 0) {
                if (s->timer)
                        sd_event_source_set_enabled(s->timer, SD_EVENT_OFF);
                return;
        }
        int r;
        if (!s->timer)
                r = sd_event_add_time(s->m->event, &s->timer, CLOCK_MONOTONIC, s->sm.timer_usec, 0, on_timer,
                                      s);
        else
                r = sd_event_source_set_time(s->timer, s->sm.timer_usec);
        if (r >= 0)
                r = sd_event_source_set_enabled(s->timer, SD_EVENT_ONESHOT);
        if (r < 0)
                log_error_errno(r, "%s: failed to arm a timer: %m", s->name);
}

static void do_spawn(struct service *s, bool main, unsigned idx) {
        int r = exec_spawn(s, main, idx);
        if (r < 0)
                service_post(s, EV_SPAWN_FAILED, 0, 0, -r);
}

static void run_action(struct service *s, const struct svc_action *a) {
        switch (a->type) {
        case ACT_SPAWN_MAIN:
                do_spawn(s, true, (unsigned) a->arg);
                break;
        case ACT_SPAWN_CONTROL:
                do_spawn(s, false, (unsigned) a->arg);
                break;
        case ACT_SIGNAL_MAIN:
                exec_signal(s, true, a->arg);
                break;
        case ACT_SIGNAL_CONTROL:
                exec_signal(s, false, a->arg);
                break;
        case ACT_SIGNAL_ALL:
                exec_signal_all(s, a->arg);
                break;
        case ACT_KILL_ALL:
                exec_kill_all(s, a->arg);
                break;
        case ACT_TIMER:
                arm_timer(s);
                break;
        case ACT_FORGET_MAIN:
                exec_adopt_forked_main(s);
                break;
        }
}

static void note_transition(struct service *s, enum svc_state old) {
        char buf[128];
        enum svc_state now = s->sm.state;
        s->since_realtime = now_usec(CLOCK_REALTIME);
        s->since_monotonic = now_mono(s);
        if (now == SVC_RUNNING && old == SVC_STARTING) {
                log_info("%s: started", s->name);
                log_stream_note(s->log, "started");
        } else if (now == SVC_FAILED || now == SVC_BACKING_OFF ||
                   (now == SVC_INACTIVE && old != SVC_BACKING_OFF && old != SVC_FAILED)) {
                _cleanup_free_ char *d = service_describe(s);
                log_info("%s: %s%s%s", s->name, svc_state_to_string(now), d ? ", " : "", d ? d : "");
                log_stream_flush_partial(s->log);
                log_stream_note(s->log, "%s, %s", svc_state_to_string(now),
                                service_describe_exit(s, buf, sizeof(buf)));
        }
        if (now == SVC_BACKING_OFF)
                s->total_restarts++;
}

/* ExecCondition= number IDX exited with STATUS: the reason the start was skipped. */
static void note_condition(struct service *s, unsigned idx) {
        const struct exec_list *l = &s->unit->exec_condition;
        _cleanup_free_ char *cmd = idx < l->n ? strv_join(l->items[idx].argv, " ") : NULL;
        free(s->failure_detail);
        if (asprintf(&s->failure_detail, "condition failed: ExecCondition=%s exited with status %d",
                     cmd ? cmd : "", s->sm.exit_status) < 0)
                s->failure_detail = NULL;
}

static void step_one(struct service *s, const struct svc_event *ev) {
        enum svc_state old = s->sm.state;
        bool in_condition = s->sm.phase == PHASE_CONDITION;
        unsigned idx = s->sm.idx;
        struct svc_actions out;
        svc_step(&s->sm, &s->cfg, ev, &out);
        if (in_condition && s->sm.result == RESULT_CONDITION)
                note_condition(s, idx);
        for (unsigned i = 0; i < out.n; i++)
                run_action(s, &out.a[i]);
        if (s->sm.state != old) {
                /* Down for good, not backing off: nothing will join a spare. */
                if (s->sm.state == SVC_INACTIVE || s->sm.state == SVC_FAILED)
                        spare_drop(s);
                note_transition(s, old);
                s->m->service_changed(s, old);
        }
}

static void service_event_full(struct service *s, enum svc_event_type type, int code, int status, int err) {
        if (!s->unit)
                return;
        if (type == EV_START || type == EV_RESTART) {
                /* Everything a start needs is made once and kept across restarts. */
                int r = log_pipe_open(s);
                if (r >= 0)
                        r = notify_open(s);
                if (r >= 0)
                        r = syslog_open(s);
                if (r >= 0)
                        r = sockets_open(s);
                if (r < 0) {
                        log_error_errno(r, "%s: cannot prepare the start: %m", s->name);
                        s->sm.spawn_errno = -r;
                }
        }
        service_post(s, type, code, status, err);
        service_process_queue(s);
}

void service_process_queue(struct service *s) {
        if (s->processing)
                return;
        s->processing = true;
        for (size_t i = 0; i < s->n_queued; i++) {
                struct svc_queued_event q = s->queued[i];
                struct svc_event ev = { .type = q.type,
                                        .now = now_mono(s),
                                        .exit_code = q.code,
                                        .exit_status = q.status,
                                        .spawn_errno = q.err,
                                        .oom = q.type == EV_MAIN_EXIT && q.err == ENOMEM };
                step_one(s, &ev);
        }
        s->n_queued = 0;
        s->processing = false;
}

void service_event(struct service *s, enum svc_event_type type) {
        service_event_full(s, type, 0, 0, 0);
}

void service_dependency_failed(struct service *s, const char *dep) {
        free(s->failure_detail);
        if (asprintf(&s->failure_detail, "dependency %s failed", dep) < 0)
                s->failure_detail = NULL;
        enum svc_state old = s->sm.state;
        if (service_is_active(s))
                return;
        s->sm.state = SVC_FAILED;
        s->sm.result = RESULT_DEPENDENCY;
        s->sm.timer_usec = 0;
        arm_timer(s);
        if (old != SVC_FAILED) {
                log_info("%s: failed, %s", s->name,
                         s->failure_detail ? s->failure_detail : "dependency failed");
                note_transition(s, old);
        }
        s->m->service_changed(s, old);
}

bool service_child_exited(struct service *s, pid_t pid, int code _unused_, int status _unused_) {
        if (!s->has_sb || s->sb.pid != pid)
                return sockets_child_exited(s, pid);
        /* The service's last words go to the log before svcd's note about its end. */
        log_pipe_drain(s);
        return exec_child_exited(s, pid);
}

const char *service_describe_exit(const struct service *s, char *buf, size_t n) {
        const struct svc_machine *m = &s->sm;
        char limit[32];
        if (m->result == RESULT_OOM && s->unit && s->unit->memory_max != UNIT_UNSET)
                snprintf(buf, n, "out of memory (MemoryMax=%s)",
                         format_bytes(limit, sizeof(limit), s->unit->memory_max));
        else if (m->result == RESULT_OOM)
                snprintf(buf, n, "out of memory");
        else if (m->result == RESULT_SPAWN)
                snprintf(buf, n, "could not start: %s",
                         s->spawn_error ? s->spawn_error : strerror(m->spawn_errno ? m->spawn_errno : EIO));
        else if (m->exit_code == CLD_EXITED)
                snprintf(buf, n, "exited with status %d", m->exit_status);
        else if (m->exit_code == CLD_KILLED || m->exit_code == CLD_DUMPED)
                snprintf(buf, n, "killed by signal %d (SIG%s)%s", m->exit_status,
                         sigabbrev_np(m->exit_status) ? sigabbrev_np(m->exit_status) : "?",
                         m->exit_code == CLD_DUMPED ? ", core dumped" : "");
        else
                snprintf(buf, n, "never ran");
        return buf;
}

/* PID (host numbering) as its own PID namespace numbers it: the last field of NSpid. */
static pid_t pidns_pid_of(pid_t pid) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/status", (int) pid);
        _cleanup_free_ char *status = NULL;
        if (read_full_file(path, &status, NULL) < 0)
                return 0;
        const char *ns = strstr(status, "\nNSpid:");
        if (!ns)
                return 0;
        const char *eol = strchrnul(ns + 1, '\n'), *last = eol;
        while (last > ns && last[-1] != '\t' && last[-1] != ' ')
                last--;
        return (pid_t) atoi(last);
}

/* PID's command line, words joined by spaces; NULL if it is gone. */
static char *process_cmdline(pid_t pid) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/cmdline", (int) pid);
        char *cmd = NULL;
        size_t n = 0;
        if (read_full_file(path, &cmd, &n) < 0 || n == 0)
                return mfree(cmd);
        for (size_t i = 0; i + 1 < n; i++)
                if (cmd[i] == '\0')
                        cmd[i] = ' ';
        return cmd;
}

/* The children of the sandbox's ns-init that are neither the main process nor the control
 * command: what a stop with KillMode=process/none or SendSIGKILL=no left running. Their own
 * children are theirs, and go with them. */
char **service_leftovers(const struct service *s) {
        if (!s->has_sb ||
            !(s->sm.leftovers || s->cfg.kill_mode == KILL_PROCESS || s->cfg.kill_mode == KILL_NONE))
                return NULL;
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int) s->sb.pid, (int) s->sb.pid);
        _cleanup_free_ char *children = NULL;
        if (read_full_file(path, &children, NULL) < 0)
                return NULL;
        char **l = NULL, *save = NULL;
        for (char *w = strtok_r(children, " \n", &save); w; w = strtok_r(NULL, " \n", &save)) {
                pid_t pid = (pid_t) atoi(w), nspid = pidns_pid_of(pid);
                if (nspid <= 0 || (s->sm.main_alive && nspid == s->main_pid) ||
                    (s->sm.control_alive && nspid == s->control_pid))
                        continue;
                char *line = NULL;
                _cleanup_free_ char *cmd = process_cmdline(pid);
                if (asprintf(&line, "%d (%d in its sandbox) %s", (int) pid, (int) nspid, cmd ? cmd : "?") <
                            0 ||
                    strv_push(&l, line) < 0) {
                        free(line);
                        return strv_free(l);
                }
        }
        return l;
}

static char *describe_state(const struct service *s);

/* What the state says, and when a stop left processes running in the sandbox, which key did. */
char *service_describe(const struct service *s) {
        char *d = describe_state(s);
        bool down =
                s->sm.state == SVC_INACTIVE || s->sm.state == SVC_FAILED || s->sm.state == SVC_BACKING_OFF;
        if (!down || !s->sm.leftovers || !s->has_sb)
                return d;
        const char *why = s->cfg.kill_mode == KILL_PROCESS ? "KillMode=process"
                          : s->cfg.kill_mode == KILL_NONE  ? "KillMode=none"
                                                           : "SendSIGKILL=no";
        char *r = NULL;
        if (asprintf(&r, "%s%sprocesses left running in its sandbox (%s)", d ? d : "", d ? "; " : "", why) <
            0)
                r = NULL;
        free(d);
        return r;
}

static char *describe_state(const struct service *s) {
        char exitbuf[128], span[64];
        char *r = NULL;
        const struct svc_machine *m = &s->sm;
        uint64_t now = now_mono(s);
        switch (m->state) {
        case SVC_BACKING_OFF:
                format_timespan(span, sizeof(span), m->timer_usec > now ? m->timer_usec - now : 0);
                if (asprintf(&r, "next try in %s, last exit: %s", span,
                             service_describe_exit(s, exitbuf, sizeof(exitbuf))) < 0)
                        return NULL;
                return r;
        case SVC_FAILED:
                if (m->result == RESULT_DEPENDENCY && s->failure_detail)
                        return strdup(s->failure_detail);
                if (m->result == RESULT_START_LIMIT) {
                        format_timespan(span, sizeof(span), s->cfg.start_limit_interval_usec);
                        if (asprintf(&r, "start limit hit (%u restarts within %s), last exit: %s",
                                     s->cfg.start_limit_burst, span,
                                     service_describe_exit(s, exitbuf, sizeof(exitbuf))) < 0)
                                return NULL;
                        return r;
                }
                if (asprintf(&r, "%s%s", m->result == RESULT_TIMEOUT ? "timed out, " : "",
                             service_describe_exit(s, exitbuf, sizeof(exitbuf))) < 0)
                        return NULL;
                return r;
        case SVC_INACTIVE:
                if (m->result == RESULT_CONDITION && s->failure_detail)
                        return strdup(s->failure_detail);
                if (s->condition_failure)
                        return strdup(s->condition_failure);
                if (m->exit_code == 0 && m->result != RESULT_SPAWN)
                        return NULL;
                if (asprintf(&r, "last exit: %s", service_describe_exit(s, exitbuf, sizeof(exitbuf))) < 0)
                        return NULL;
                return r;
        case SVC_RUNNING:
                return svc_machine_exited(m) ? strdup("exited") : NULL;
        default:
                return NULL;
        }
}
