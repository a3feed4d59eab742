/* SPDX-License-Identifier: MIT */
#pragma once

/* svcd's internal declarations: the manager (every unit, the jobs between them), the service
 * executor (one state machine each, driven by the event loop), log capture and control. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "sandbox/proto.h"
#include "sandbox/sandbox.h"
#include "supervisor/svcd/log.h"
#include "supervisor/svcd/state.h"
#include "units/unit.h"

struct manager;
struct cgroups;
struct service_cgroup;
struct net;
struct service_net;
struct log_stream;
struct log_writer;
struct control_server;
struct service_users;

enum job_type {
        JOB_NONE,
        JOB_START,
        JOB_STOP,
        JOB_RESTART,
        JOB_RELOAD,
        _JOB_MAX,
};

/* What a service's health probes say (health.c); NONE when it has no probe or is not running. */
enum health_state {
        HEALTH_STATE_NONE,
        HEALTH_STATE_STARTING,
        HEALTH_STATE_HEALTHY,
        HEALTH_STATE_UNHEALTHY,
        _HEALTH_STATE_MAX,
};
struct service;
struct service_health;

/* `svc exec`: a command run in a running service's sandbox, and who waits for its end. */
struct exec_session {
        uint32_t id;
        bool done;
        int exit_code; /* as docker exec: status, 128+signal, 126/127 when it could not start */
        char *message; /* why it could not start */
        sd_bus_message *wait;
        /* An exec probe (health.c) instead of a client: called once the session is done. */
        void (*on_done)(struct service *s, struct exec_session *e);
        struct exec_session *next;
};

struct svc_queued_event {
        enum svc_event_type type;
        int code, status, err;
};

struct service {
        struct manager *m;
        char *name;
        struct unit *unit; /* NULL when the unit file was refused and nothing older exists */
        char **load_errors; /* diagnostics of the last load, formatted "file:line: ..." */
        struct unit *next_unit; /* a changed definition waiting for the service to stop */
        bool enabled;
        bool removed; /* the unit file is gone: drop the service once it is stopped */
        bool start_requested; /* a start was asked for once: an instance is kept from then on */
        unsigned pins; /* calls still to be answered about it (a status waiting for its disk walk) */

        struct svc_machine sm;
        struct svc_config cfg;
        uint64_t since_realtime, since_monotonic; /* when the state last changed */
        unsigned total_restarts;
        char *failure_detail; /* e.g. "dependency db failed" */
        /* "condition failed: ConditionPathExists=..." when the last start was skipped by a
         * Condition*= (or failed on an Assert*=); NULL once a start goes ahead. */
        char *condition_failure;
        bool assertion_failed; /* condition_failure is about an Assert*= */
        char **monitor_env; /* $MONITOR_* of the unit whose OnFailure=/OnSuccess= started this one */
        enum health_state health_state; /* what dependants ordered after it wait on (manager.c) */
        struct service_health *health; /* the probes (health.c) */
        bool told_bad; /* the owner was last told of a failure or of unhealthy: a recovery is told */

        /* The running sandbox: ns-init and what it reported. Pids are in the sandbox's numbering
         * unless named host. */
        struct sandbox sb;
        bool has_sb;
        bool sb_ready; /* ns-init runs (setup succeeded) */
        sd_event_source *sb_channel_source, *sb_setup_source;
        uint64_t pidns_ino; /* to tell the service's notifications from others' */
        uint32_t next_id, main_id, control_id;
        pid_t main_pid, control_pid; /* in the sandbox; 0 = none */
        pid_t main_host_pid;
        pid_t reported_main_pid; /* MAINPID= from the service, in its numbering */
        sd_event_source *timer;
        bool main_adopted; /* Type=forking: the daemon, after the parent exited */
        int adopted_code, adopted_status;
        char *spawn_error; /* why the last start could not happen, a sentence */
        char *tree_path; /* the tree the running sandbox uses, resolved (a generation) */
        struct service_users *users; /* its range of uids and user namespace (userns.c) */
        bool elf_checked; /* the library check passed for this definition */
        /* The unit's own seccomp programs (hardening.c), for the definition of seccomp_hash. */
        void *seccomp_blob;
        size_t seccomp_blob_len;
        uint64_t seccomp_hash;
        bool seccomp_ready;

        /* ListenStream= sockets, kept from the first start until the definition changes, and
         * for Accept=yes one sandbox per connection. */
        int *listen_fds;
        size_t n_listen;
        sd_event_source **accept_sources;
        struct conn_sandbox *conns;
        unsigned n_conns;

        int syslog_fd;
        sd_event_source *syslog_source;
        char *syslog_path;

        struct exec_session *execs;
        struct service_cgroup *cgroup; /* while any sandbox of the service exists */
        struct service_net *net; /* PublishPort=/Outbound=: while its sandbox exists */

        int log_pipe[2];
        sd_event_source *log_source;
        struct log_stream *log;

        int notify_fd;
        sd_event_source *notify_source;
        char *notify_path;
        char *status_text;

        struct svc_queued_event queued[8];
        size_t n_queued;
        bool processing;

        enum job_type job;
        bool job_dispatched; /* the event was sent to the machine, waiting for it to settle */
        bool job_manual;
        int reload_status; /* exit status of the last reload command, for the reply */
};

/* A sandbox that is being killed: reaped by the manager, then closed. */
struct dying_sandbox {
        struct sandbox sb;
        struct dying_sandbox *next;
};

/* What happens once every service has stopped. */
enum shutdown_kind {
        SHUTDOWN_EXIT, /* svcd exits (SIGTERM when not PID 1) */
        SHUTDOWN_POWEROFF,
        SHUTDOWN_REBOOT,
        SHUTDOWN_HALT,
        _SHUTDOWN_MAX,
};

struct manager {
        sd_event *event;
        char *root;
        char *units_dir, *enabled_dir, *log_dir, *run_dir, *notify_dir, *control_path;
        char *trees_dir, *state_dir, *overlay_dir, *scratch_dir, *syslog_dir, *svclog_root;
        char *cache_dir, *var_dir, *paths_dir; /* CacheDirectory=, VarOverlay=, ReadWritePaths= layers */
        char *volumes_dir; /* BindPaths=NAME:/path */
        int nsinit_fd; /* the sealed memfd every sandbox executes */
        int devnull_fd; /* stdin of services */
        struct dying_sandbox *dying;
        char *lock_path;
        int lock_fd;
        struct service **services;
        size_t n_services;
        struct control_server *control;
        struct log_writer *logs;
        bool shutting_down;
        enum shutdown_kind shutdown_kind;
        int exit_status;
        gid_t svc_gid; /* group "svc" from /etc/group, or (gid_t) -1 */
        struct cgroups *cgroups;
        struct unit_host host; /* what this host cannot give a service (cgroup.c), for the loaders */
        struct net *net;
        /* svcd.conf [Manager] DefaultOnFailure=, DefaultOnHealthChange= (alerts.c), or NULL */
        char *default_on_failure, *default_on_health_change;
        struct timers *timers; /* timers.c */
};

/* manager.c */
int manager_new(sd_event *event, const char *root, struct manager **ret);
struct manager *manager_free(struct manager *m);
int manager_load_all(struct manager *m);
int manager_start_enabled(struct manager *m);
struct service *manager_find(struct manager *m, const char *name);
int manager_get_service(struct manager *m, const char *name, struct service **ret);
/* Runs the job engine (and the collection of unneeded instances) once the loop is idle. */
void manager_schedule_dispatch(struct manager *m);
int manager_enqueue(struct manager *m, struct service *s, enum job_type job, bool manual);
void manager_dispatch(struct manager *m);
void manager_service_changed(struct service *s, enum svc_state old);
/* The service's health_state changed: start jobs waiting on it may go. */
void manager_health_changed(struct service *s);
void manager_reap(struct manager *m);
int manager_set_enabled(struct manager *m, struct service *s, bool enable);
void manager_shutdown(struct manager *m, int exit_status);
/* Stops every service in reverse dependency order, then does KIND (see pid1.c for PID 1). */
void manager_request_shutdown(struct manager *m, enum shutdown_kind kind);

struct reload_report {
        char *name;
        const char *action; /* "loaded", "removed", "restarted", "updated", "unchanged", "error" */
        char *message;
};
int manager_reload_units(struct manager *m, struct reload_report **ret, size_t *ret_n);
void reload_report_free(struct reload_report *r, size_t n);

/* service.c */
int service_new(struct manager *m, const char *name, struct service **ret);
struct service *service_free(struct service *s);
void service_set_unit(struct service *s, struct unit *u);
void service_event(struct service *s, enum svc_event_type type);
void service_dependency_failed(struct service *s, const char *dep);
/* The child PID (a sandbox's ns-init) was reaped: true when it was one of this service's. */
bool service_child_exited(struct service *s, pid_t pid, int code, int status);
bool service_is_active(const struct service *s);
/* The commands of PHASE: ExecCondition= for PHASE_CONDITION, ...; ExecStart= for PHASE_START. */
const struct exec_list *service_exec_list(const struct unit *u, enum svc_phase phase);
/* What runs in the sandbox besides the main process and the control command, after
 * KillMode=process/none or SendSIGKILL=no: "PID (NSPID in its sandbox) COMMAND" lines, or NULL. */
char **service_leftovers(const struct service *s);

/* "exited with status 1", "killed by signal 11 (SEGV)" into buf. */
const char *service_describe_exit(const struct service *s, char *buf, size_t n);
/* One line for status: what is going on, e.g. "next try in 8s, last exit: killed by signal 11". */
char *service_describe(const struct service *s);

/* executor.c: sandboxes and the commands in them */
int exec_spawn(struct service *s, bool main, unsigned idx);
void exec_signal(struct service *s, bool main, int sig);
/* KillMode=control-group: SIG to every process of the service's sandbox. */
void exec_signal_all(struct service *s, int sig);
void exec_kill_all(struct service *s, bool final);
void exec_adopt_forked_main(struct service *s);
int exec_start_connection(struct service *s, int conn_fd, struct sandbox *ret, uint32_t *ret_id);
/* `svc exec`: runs ARGV in the service's sandbox with its credentials; FDS become 0, 1, 2. */
int exec_session_start(struct service *s, char **argv, const int fds[3], bool tty, uint32_t *ret_id,
                       char **ret_error);
struct exec_session *exec_session_find(struct service *s, uint32_t id);
void exec_session_signal(struct service *s, uint32_t id, int sig);
/* Replies to the session's waiter if it is done; frees it then. */
void exec_session_flush(struct service *s, struct exec_session *e);
void exec_free(struct service *s);
bool exec_child_exited(struct service *s, pid_t pid);
/* Events the executor raises while acting are queued on the service. */
void service_queue_event(struct service *s, enum svc_event_type type, int code, int status, int err);
void service_process_queue(struct service *s);
/* Moves whatever the log pipe holds now into the log, past the buffer bound. */
void service_drain_log(struct service *s);

/* sockets.c: ListenStream= and Accept=yes */
int sockets_open(struct service *s);
void sockets_close(struct service *s);
int sockets_start_accepting(struct service *s);
void sockets_stop_accepting(struct service *s, int sig);
void sockets_kill_all(struct service *s);
bool sockets_child_exited(struct service *s, pid_t pid);

/* syslog.c: the service's /dev/log */
int syslog_open(struct service *s);
void syslog_close(struct service *s);
/* Reading resumes once the log stream has room again (it stops when the stream is full). */
void syslog_resume(struct service *s);

/* manager.c: sandboxes being killed */
void manager_add_dying(struct manager *m, struct sandbox *sb);

/* cgroup.c: one cgroup per service */
struct cgroup_stats {
        bool valid;
        uint64_t memory, memory_peak, tasks, cpu_usec;
};
int cgroup_init(struct manager *m);
void cgroup_done(struct manager *m);
/* Creates the service's cgroup(s) with the unit's limits, when not there yet. */
int cgroup_service_prepare(struct service *s);
/* For clone3(CLONE_INTO_CGROUP), or -1. */
int cgroup_service_fd(const struct service *s);
/* struct sandbox_spec.before_release: puts PID into the v1 hierarchies (hybrid hosts). */
int cgroup_service_join_v1(pid_t pid, void *userdata);
void cgroup_service_kill(struct service *s);
bool cgroup_service_remove(struct service *s);
void cgroup_service_drop(struct service *s);
bool cgroup_service_oom(const struct service *s);
void cgroup_service_stats(const struct service *s, struct cgroup_stats *ret);

/* net.c: PublishPort= and Outbound=, a routed veth pair per service */
int net_init(struct manager *m);
void net_done(struct manager *m);
bool net_wanted(const struct unit *u);
/* Before the sandbox: an address, the published host ports bound. 0, or -errno and a sentence. */
int net_service_prepare(struct service *s, char **why);
/* struct sandbox_spec.before_release: the veth into PID's namespace, addresses, routes, rules. */
int net_service_attach(struct service *s, pid_t pid, char **why);
/* The sandbox is gone (or going): its link, address, ports and rules too. */
void net_service_release(struct service *s);
/* The service's address inside ("10.89.0.3"), or NULL when it has no veth. */
const char *net_service_address(const struct service *s, char buf[static 16]);
/* Its IPv6 address on eth0, or NULL when it has none (no veth, or no IPv6 on this host). */
const char *net_service_address6(const struct service *s, char buf[static 46]);
const char *net_hosts_path(const struct manager *m);
/* The unit's PublishPort= entries as Docker writes them ("0.0.0.0:8080->80/tcp"); NULL if none. */
char **net_ports_describe(const struct unit *u);

/* notify.c */
int notify_open(struct service *s);
void notify_close(struct service *s);

/* log-capture.c */
int log_writer_new(sd_event *event, struct log_writer **ret);
void log_writer_free(struct log_writer *w);
int log_stream_new(struct log_writer *w, const char *dir, gid_t group, struct log_stream **ret);
void log_stream_configure(struct log_stream *ls, uint64_t rotate_size, unsigned rotate_count);
/* Hands the stream to the writer, which flushes and frees it. */
void log_stream_close(struct log_stream *ls);
/* Appends raw service output, timestamped per line. Returns false when the stream's buffer is
 * full: the caller stops reading until the resume callback runs. */
bool log_stream_feed(struct log_stream *ls, const char *data, size_t len);
/* Writes a pending partial line as an entry of its own (the service ended). */
void log_stream_flush_partial(struct log_stream *ls);
void log_stream_set_resume(struct log_stream *ls, void (*resume)(void *userdata), void *userdata);
/* Appends a line written by svcd itself about the service ("started", "exited ..."). */
void log_stream_note(struct log_stream *ls, const char *fmt, ...) _printf_(2, 3);

/* control.c */
int control_server_new(struct manager *m, const char *path, gid_t group, struct control_server **ret);
struct control_server *control_server_free(struct control_server *c);
/* A unit's job ended; resolves the calls waiting for it. */
void control_job_done(struct control_server *c, struct service *s, bool ok, const char *detail);
/* The service object goes away: calls waiting on it get an answer now. */
void control_forget_service(struct control_server *c, struct service *s);
/* For tests/fuzz/fuzz-control.c, never set by svcd: the calls that would act (Start, Stop,
 * Restart, Reload, Enable, Disable, Exec, PowerOff, Reboot, Halt) are refused once their
 * arguments are read, so that no job, file, process or shutdown comes of them. */
void control_server_set_dry_run(struct control_server *c, bool dry_run);
/* The connections open now. */
size_t control_server_connections(const struct control_server *c);
