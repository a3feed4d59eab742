/* SPDX-License-Identifier: MIT */
/* svc's FHS paths (DESIGN.md "Paths"), relative to the root svcd and svc run on (--root or
 * SVC_ROOT, default /): one spelling, so the daemon, the command line and the tree tool cannot
 * disagree on where a tree, a log or the control socket is. Join them to the root with
 * path_join(); they have no leading '/'. */
#pragma once

#define SVC_UNITS_DIR "etc/svc/units" /* NAME.unit, NAME@.unit, NAME.unit.d/ */
#define SVC_CONF_PATH "etc/svc/svcd.conf"

#define SVC_LIB_DIR "var/lib/svc"
#define SVC_TREES_DIR SVC_LIB_DIR "/trees" /* private library trees */
#define SVC_STATE_DIR SVC_LIB_DIR "/state" /* StateDirectory= */
#define SVC_OVERLAY_DIR SVC_LIB_DIR "/overlay" /* Overlay=persistent */
#define SVC_ENABLED_DIR SVC_LIB_DIR "/enabled" /* units started with svcd */
#define SVC_LOGS_DIRECTORY_DIR SVC_LIB_DIR "/logs" /* LogsDirectory= */
#define SVC_CACHE_DIR SVC_LIB_DIR "/cache" /* CacheDirectory= */
#define SVC_VAR_DIR SVC_LIB_DIR "/var" /* VarOverlay= */
#define SVC_PATHS_DIR SVC_LIB_DIR "/paths" /* ReadWritePaths= layers */
#define SVC_TIMERS_DIR SVC_LIB_DIR "/timers" /* the stamps of Persistent= timers */
#define SVC_VOLUMES_DIR SVC_LIB_DIR "/volumes" /* named volumes: BindPaths=NAME:/path */
#define SVC_SUBNET6_PATH SVC_LIB_DIR "/subnet6" /* the random ULA /48 of Subnet6='s default */

#define SVC_LOG_DIR "var/log/svc" /* NAME/current and rotated logs */

#define SVC_RUN_DIR "run/svc"
#define SVC_CONTROL_PATH SVC_RUN_DIR "/control" /* AF_UNIX: keep the root short */
#define SVC_LOCK_PATH SVC_RUN_DIR "/svcd.lock"
#define SVC_NOTIFY_DIR SVC_RUN_DIR "/notify" /* per-service sd_notify sockets */
#define SVC_SANDBOX_DIR SVC_RUN_DIR "/sandbox" /* scratch of starting sandboxes */
#define SVC_SYSLOG_DIR SVC_RUN_DIR "/syslog" /* per-service /dev/log sockets */

/* Inside a service: where a program named without a '/' (ExecStart=atd -f, a HealthCmd= word, svc
 * exec NAME) is looked up in the service's own tree, never in the host's and never through
 * $PATH. It is systemd's fixed search path as built with a split /usr, which on a merged tree
 * finds the same files. One list, so svc check, svcd's library check and the exec agree. */
#define SVC_PROGRAM_DIRS                                                                                     \
        { "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin" }
#define SVC_PROGRAM_DIRS_TEXT "/usr/local/sbin, /usr/local/bin, /usr/sbin, /usr/bin, /sbin and /bin"
