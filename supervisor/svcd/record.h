/* SPDX-License-Identifier: MIT */
#pragma once

/* The daemon's records: one struct service per unit and the struct manager that holds them.
 * Every layer of svcd reads them; each field is written by the file its comment names, or by
 * the file of the functions that take it (STYLE.md: inside the daemon, calls run one way).
 * Lower layers tell upper ones what happened through this header only: the executor posts
 * events to a service's inbox (service_post, service_deliver) and the service layer reports a
 * state change to whoever registered on the manager (struct manager's hooks). */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "sandbox/proto.h"
#include "sandbox/sandbox.h"
#include "supervisor/svcd/log.h"
#include "supervisor/svcd/reaper.h"
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
struct service_spare;

struct service;
struct service_health;

/* `svc exec`: a command run in a running service's sandbox, and who waits for its end. */
struct exec_session {
        uint32_t id;
        bool done;
        int exit_code; /* as docker exec: status, 128+signal, 126/127 when it could not start */
        char *message; /* why it could not start */
        /* Who waits: once the session is done, ON_DONE is called once (a client's call answered
         * by control.c, an exec probe judged by health.c), then WAITER_FREE(WAITER). */
        void (*on_done)(struct service *s, struct exec_session *e);
        void *waiter;
        void (*waiter_free)(void *waiter);
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
        struct service_health *health; /* the probes (health.c) */

        /* The running sandbox: ns-init and what it reported. Pids are in the sandbox's numbering
         * unless named host. */
        struct sandbox sb;
        bool has_sb;
        char invocation_id[33]; /* $INVOCATION_ID of the current sandbox: 32 hex digits, new per run */
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
        struct service_spare *spare; /* namespaces made for its next start (spare.c) */
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
        /* Lent at each start by its socket units (socket-units.c): copies of their sockets, or
         * the connection of an Accept=yes instance, with their LISTEN_FDNAMES. */
        bool listen_lent;
        char **listen_names;
        int conn_fd; /* an Accept=yes instance: its connection */
        struct sockunit *conn_socket; /* and the socket that accepted it */
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

        struct service_admin *admin; /* the manager's part (manager.h), hidden from the layers below */

        struct svc_queued_event queued[8];
        size_t n_queued;
        bool processing;

        int reload_status; /* exit status of the last reload command, for the reply */
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
        struct reaper reaper; /* sandboxes being killed (reaper.c) */
        char *lock_path;
        int lock_fd;
        struct service **services;
        size_t n_services;
        struct control_server *control; /* made and freed by svcd.c */
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
        struct sockunits *sockunits; /* socket-units.c */

        /* Set by manager_new(): the service layer's two ways up. DELIVER runs the events the
         * executor posted (service.c's service_process_queue); SERVICE_CHANGED is told each
         * state change of a service (manager.c). */
        void (*deliver)(struct service *s);
        void (*service_changed)(struct service *s, enum svc_state old);
        /* LEND_SOCKETS gives a starting service its socket units' sockets (socket-units.c's
         * sockunits_lend): 1 some, 0 none, -errno. */
        int (*lend_sockets)(struct service *s);
        /* Who else is told (control.c, pid1.c): manager_observe() in manager.h. */
        const struct manager_observer *observers[4];
        void *observer_data[4];
};

/* What the layers above the manager are told. Any hook may be NULL. */
struct manager_observer {
        void (*service_changed)(void *userdata, struct service *s, enum svc_state old);
        /* A unit's job ended. */
        void (*job_done)(void *userdata, struct service *s, bool ok, const char *detail);
        /* What its probes say changed (s->admin->health_state). */
        void (*health_changed)(void *userdata, struct service *s);
        /* The service object goes away: nothing may keep a pointer to it. */
        void (*service_gone)(void *userdata, struct service *s);
};

/* The inbox: an event the executor raised while acting (a spawn failed, the main process
 * exited), queued on the service in order ... */
void service_post(struct service *s, enum svc_event_type type, int code, int status, int err);
/* ... and handed to the service's state machine now, unless it is already stepping. */
void service_deliver(struct service *s);

/* Starting, running, reloading or stopping. */
bool service_is_active(const struct service *s);
/* The commands of PHASE: ExecCondition= for PHASE_CONDITION, ...; ExecStart= for PHASE_START. */
const struct exec_list *service_exec_list(const struct unit *u, enum svc_phase phase);
