/* SPDX-License-Identifier: MIT */
/* The key table: every key svc knows, in systemd's section, with its parser and its class
 * (DESIGN.md "Unit files"). Adding a key is one line here plus its parser; moving a key from
 * NOT_APPLIED to IMPLEMENTED is changing one word. */

#include <ctype.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "units/unit-internal.h"

#define F(field) offsetof(struct unit, field)
#define ROW(s, k, cls, fn, off, lt, why)                                                                     \
        { { s, k, cls }, fn, off, lt, why, _UNIT_HOST_FEATURE_INVALID }
#define IMPL(s, k, fn, field, lt) ROW(s, k, UNIT_KEY_IMPLEMENTED, fn, F(field), lt, NULL)
/* Implemented where the host has FEATURE (struct unit_host), refused with its reason elsewhere. */
#define HOSTED(s, k, fn, field, feature)                                                                     \
        { { s, k, UNIT_KEY_IMPLEMENTED }, fn, F(field), 0, NULL, feature }
#define LATER(s, k, fn, field, lt) ROW(s, k, UNIT_KEY_NOT_APPLIED, fn, F(field), lt, NULL)
#define IMPLIED(s, k, lt) ROW(s, k, UNIT_KEY_IMPLIED, config_parse_implied, 0, lt, NULL)
#define META(s, k, fn, field) ROW(s, k, UNIT_KEY_METADATA, fn, F(field), 0, NULL)
#define META_ONLY(s, k) ROW(s, k, UNIT_KEY_METADATA, NULL, 0, 0, NULL)
#define REFUSE(s, k, why) ROW(s, k, UNIT_KEY_UNSUPPORTED, NULL, 0, UNSUPPORTED_ERROR, why)
#define IGNORE(s, k, why) ROW(s, k, UNIT_KEY_UNSUPPORTED, NULL, 0, UNSUPPORTED_WARNING, why)
#define LIMIT(k, res) IMPL("Service", k, config_parse_rlimit, rlimits, res)
/* A condition kind: its Condition*= row and its Assert*= row. */
#define COND(k, type)                                                                                        \
        IMPL("Unit", "Condition" k, config_parse_condition, conditions, type),                               \
                IMPL("Unit", "Assert" k, config_parse_condition, asserts, type)

#define R_ISOLATION "ignoring it would weaken isolation"
#define R_BEHAVIOUR "ignoring it would change how the service runs"
#define R_CONDITION_KIND                                                                                     \
        "svc does not test this kind of condition, so ignoring it would start the service where systemd "    \
        "would not"
#define R_LOGS "svc captures stdout, stderr and syslog of every service into its own log"
#define R_NO_MEANING "it has no meaning under svc"
#define R_RESOURCE "this resource control is not applied by svc"
#define R_SCHED "svc applies Nice= but no other scheduling setting"
#define R_CREDS "svc has no credentials yet, so the service would miss files it expects"
#define R_IMAGES "svc runs services from trees, not images: use RootDirectory="
#define R_SOCKET_KIND                                                                                        \
        "svc's sockets are stream, datagram and sequential-packet sockets, so the service would miss the "   \
        "descriptor it expects"
#define R_SOCKET_EXEC "svc runs no command of a socket's own: put it in the service the socket starts"
#define R_SOCKET_TUNING "svc leaves this socket option at the kernel's default"
#define R_SOCKET_LIMIT                                                                                       \
        "svcd counts no triggers: a socket whose service fails to start stops listening at once"

/* One line per key, so the table reads as a table. */
/* clang-format off */
static const struct unit_key table[] = {
        /* [Unit] */
        IMPL("Unit", "Description", config_parse_string, description, 0),
        META("Unit", "Documentation", config_parse_strv, documentation),
        IMPL("Unit", "After", config_parse_deps, after, DEP_AFTER),
        IMPL("Unit", "Before", config_parse_deps, before, DEP_BEFORE),
        IMPL("Unit", "Requires", config_parse_deps, requires, DEP_PLAIN),
        IMPL("Unit", "Wants", config_parse_deps, wants, DEP_PLAIN),
        IMPL("Unit", "StartLimitIntervalSec", config_parse_timespan, start_limit_interval_usec, TIMESPAN_PLAIN),
        IMPL("Unit", "StartLimitBurst", config_parse_unsigned, start_limit_burst, 0),
        IMPL("Unit", "StartLimitInterval", config_parse_timespan, start_limit_interval_usec, TIMESPAN_PLAIN),
        IMPL("Unit", "Requisite", config_parse_deps, requisite, DEP_PLAIN),
        IMPL("Unit", "BindsTo", config_parse_deps, binds_to, DEP_PLAIN),
        IMPL("Unit", "PartOf", config_parse_deps, part_of, DEP_PLAIN),
        IMPL("Unit", "Upholds", config_parse_deps, upholds, DEP_PLAIN),
        IMPL("Unit", "Conflicts", config_parse_deps, conflicts, DEP_PLAIN),
        IMPL("Unit", "PropagatesReloadTo", config_parse_deps, propagates_reload_to, DEP_PLAIN),
        IMPL("Unit", "ReloadPropagatedFrom", config_parse_deps, reload_propagated_from, DEP_PLAIN),
        IMPL("Unit", "PropagatesStopTo", config_parse_deps, propagates_stop_to, DEP_PLAIN),
        IMPL("Unit", "StopPropagatedFrom", config_parse_deps, stop_propagated_from, DEP_PLAIN),
        REFUSE("Unit", "JoinsNamespaceOf", "every svc service has namespaces of its own, so ignoring it would change what the service can reach"),
        IMPL("Unit", "OnFailure", config_parse_deps, on_failure, DEP_PLAIN),
        IMPL("Unit", "OnSuccess", config_parse_deps, on_success, DEP_PLAIN),
        IMPL("Unit", "StopWhenUnneeded", config_parse_bool, stop_when_unneeded, 0),
        IMPL("Unit", "OnHealthChange", config_parse_deps, on_health_change, DEP_PLAIN),
        REFUSE("Unit", "FailureAction", "svc never reboots or exits because one service failed"),
        REFUSE("Unit", "SuccessAction", "svc never reboots or exits because one service finished"),
        REFUSE("Unit", "StartLimitAction", "svc never reboots or exits because one service hit its start limit"),
        COND("PathExists", CONDITION_PATH_EXISTS),
        COND("PathExistsGlob", CONDITION_PATH_EXISTS_GLOB),
        COND("PathIsDirectory", CONDITION_PATH_IS_DIRECTORY),
        COND("PathIsSymbolicLink", CONDITION_PATH_IS_SYMBOLIC_LINK),
        COND("PathIsMountPoint", CONDITION_PATH_IS_MOUNT_POINT),
        COND("PathIsReadWrite", CONDITION_PATH_IS_READ_WRITE),
        COND("DirectoryNotEmpty", CONDITION_DIRECTORY_NOT_EMPTY),
        COND("FileNotEmpty", CONDITION_FILE_NOT_EMPTY),
        COND("FileIsExecutable", CONDITION_FILE_IS_EXECUTABLE),
        COND("Virtualization", CONDITION_VIRTUALIZATION),
        COND("Capability", CONDITION_CAPABILITY),
        COND("KernelCommandLine", CONDITION_KERNEL_COMMAND_LINE),
        COND("Architecture", CONDITION_ARCHITECTURE),
        COND("Host", CONDITION_HOST),
        COND("Environment", CONDITION_ENVIRONMENT),
        COND("User", CONDITION_USER),
        COND("Group", CONDITION_GROUP),
        COND("Memory", CONDITION_MEMORY),
        COND("CPUs", CONDITION_CPUS),
        COND("ACPower", CONDITION_AC_POWER),
        COND("Security", CONDITION_SECURITY),
        COND("FirstBoot", CONDITION_FIRST_BOOT),
        COND("KernelVersion", CONDITION_KERNEL_VERSION),
        COND("Credential", CONDITION_CREDENTIAL),
        COND("OSRelease", CONDITION_OS_RELEASE),
        REFUSE("Unit", "Condition*", R_CONDITION_KIND),
        REFUSE("Unit", "Assert*", R_CONDITION_KIND),
        IGNORE("Unit", "RequiresMountsFor", "svc does not manage mounts; the service sees what its tree and BindPaths= give it"),
        IGNORE("Unit", "DefaultDependencies", "svc adds no implicit dependencies"),
        IGNORE("Unit", "IgnoreOnIsolate", R_NO_MEANING),
        IGNORE("Unit", "AllowIsolate", R_NO_MEANING),
        IGNORE("Unit", "CollectMode", R_NO_MEANING),
        IGNORE("Unit", "RefuseManualStart", "svc lets root start and stop every service"),
        IGNORE("Unit", "RefuseManualStop", "svc lets root start and stop every service"),
        IGNORE("Unit", "JobTimeoutSec", "svc has no job timeouts; TimeoutStartSec= bounds a start"),
        IGNORE("Unit", "JobRunningTimeoutSec", "svc has no job timeouts; TimeoutStartSec= bounds a start"),
        IGNORE("Unit", "SourcePath", R_NO_MEANING),

        /* [Service]: execution */
        IMPL("Service", "Type", config_parse_type, type, 0),
        IMPL("Service", "PIDFile", config_parse_pid_file, pid_file, 0),
        IMPL("Service", "ExecStartPre", config_parse_exec, exec_start_pre, 0),
        IMPL("Service", "ExecStart", config_parse_exec, exec_start, 0),
        IMPL("Service", "ExecReload", config_parse_exec, exec_reload, 0),
        IMPL("Service", "ExecStop", config_parse_exec, exec_stop, 0),
        IMPL("Service", "Restart", config_parse_restart, restart, 0),
        IMPL("Service", "RestartSec", config_parse_timespan, restart_usec, TIMESPAN_PLAIN),
        IMPL("Service", "RestartSteps", config_parse_unsigned, restart_steps, 0),
        IMPL("Service", "RestartMaxDelaySec", config_parse_timespan, restart_max_delay_usec, TIMESPAN_PLAIN),
        IMPL("Service", "TimeoutStartSec", config_parse_timespan, timeout_start_usec, TIMESPAN_ZERO_IS_INFINITY),
        IMPL("Service", "TimeoutStopSec", config_parse_timespan, timeout_stop_usec, TIMESPAN_ZERO_IS_INFINITY),
        IMPL("Service", "StartLimitIntervalSec", config_parse_timespan, start_limit_interval_usec, TIMESPAN_PLAIN),
        IMPL("Service", "StartLimitBurst", config_parse_unsigned, start_limit_burst, 0),
        IMPL("Service", "StartLimitInterval", config_parse_timespan, start_limit_interval_usec, TIMESPAN_PLAIN),
        IMPL("Service", "KillSignal", config_parse_kill_signal, kill_signal, 0),
        IMPL("Service", "KillMode", config_parse_kill_mode, kill_mode, 0),
        IMPL("Service", "SendSIGKILL", config_parse_bool, send_sigkill, 0),
        IMPL("Service", "SendSIGHUP", config_parse_bool, send_sighup, 0),
        IMPL("Service", "ExecCondition", config_parse_exec, exec_condition, 0),
        IMPL("Service", "ExecStartPost", config_parse_exec, exec_start_post, 0),
        IMPL("Service", "ExecStopPost", config_parse_exec, exec_stop_post, 0),
        IMPL("Service", "RemainAfterExit", config_parse_bool, remain_after_exit, 0),
        IMPL("Service", "SuccessExitStatus", config_parse_exit_status, success_status, 0),
        IMPL("Service", "RestartPreventExitStatus", config_parse_exit_status, restart_prevent_status, 0),
        IMPL("Service", "RestartForceExitStatus", config_parse_exit_status, restart_force_status, 0),
        IMPL("Service", "TimeoutSec", config_parse_timeout_sec, timeout_start_usec, 0),
        IMPL("Service", "UMask", config_parse_umask, umask, 0),
        ROW("Service", "PermissionsStartOnly", UNIT_KEY_IMPLIED, config_parse_permissions_start_only, 0, 0, NULL),
        IMPL("Service", "User", config_parse_user, user, 0),
        IMPL("Service", "Group", config_parse_user, group, 0),
        IMPL("Service", "SupplementaryGroups", config_parse_groups, supplementary_groups, 0),
        IMPL("Service", "Environment", config_parse_environment, environment, 0),
        IMPL("Service", "EnvironmentFile", config_parse_environment_file, environment_files, 0),
        IMPL("Service", "WorkingDirectory", config_parse_working_directory, working_directory, 0),
        IMPL("Service", "Nice", config_parse_int, nice, INT_NICE),
        IMPL("Service", "OOMScoreAdjust", config_parse_int, oom_score_adjust, INT_OOM_SCORE_ADJUST),
        IMPL("Service", "LogRotateSize", config_parse_size, log_rotate_size, 0),
        IMPL("Service", "LogRotateCount", config_parse_unsigned, log_rotate_count, 0),
        LIMIT("LimitCPU", RLIMIT_CPU),
        LIMIT("LimitFSIZE", RLIMIT_FSIZE),
        LIMIT("LimitDATA", RLIMIT_DATA),
        LIMIT("LimitSTACK", RLIMIT_STACK),
        LIMIT("LimitCORE", RLIMIT_CORE),
        LIMIT("LimitRSS", RLIMIT_RSS),
        LIMIT("LimitNOFILE", RLIMIT_NOFILE),
        LIMIT("LimitAS", RLIMIT_AS),
        LIMIT("LimitNPROC", RLIMIT_NPROC),
        LIMIT("LimitMEMLOCK", RLIMIT_MEMLOCK),
        LIMIT("LimitLOCKS", RLIMIT_LOCKS),
        LIMIT("LimitSIGPENDING", RLIMIT_SIGPENDING),
        LIMIT("LimitMSGQUEUE", RLIMIT_MSGQUEUE),
        LIMIT("LimitNICE", RLIMIT_NICE),
        LIMIT("LimitRTPRIO", RLIMIT_RTPRIO),
        LIMIT("LimitRTTIME", RLIMIT_RTTIME),

        /* [Service]: sockets, sandbox and resources, parsed but not applied by this build */
        IMPL("Service", "ListenStream", config_parse_listen, listen, 0),
        IMPL("Service", "Accept", config_parse_bool, accept, 0),
        IMPL("Service", "MaxConnections", config_parse_unsigned, max_connections, 1),
        IMPL("Service", "RootDirectory", config_parse_root_directory, root_directory, 0),
        IMPL("Service", "Overlay", config_parse_overlay, overlay, 0),
        IMPL("Service", "BindPaths", config_parse_binds, binds, false),
        IMPL("Service", "BindReadOnlyPaths", config_parse_binds, binds, true),
        IMPL("Service", "StateDirectory", config_parse_directories, state_directories, 0),
        IMPL("Service", "RuntimeDirectory", config_parse_directories, runtime_directories, 0),
        IMPL("Service", "LogsDirectory", config_parse_directories, logs_directories, 0),
        IMPL("Service", "PrivateNetwork", config_parse_bool, private_network, 0),
        IMPL("Service", "PrivateUsers", config_parse_private_users, private_users, 0),
        IMPL("Service", "DynamicUser", config_parse_bool, dynamic_user, 0),
        IMPL("Service", "PublishPort", config_parse_publish, publish, 0),
        IMPL("Service", "Outbound", config_parse_outbound, outbound, 0),
        IMPL("Service", "Hostname", config_parse_hostname, hostname, 0),
        IMPL("Service", "CapabilityBoundingSet", config_parse_caps, capability_bounding_set, 0),
        IMPL("Service", "AmbientCapabilities", config_parse_caps, ambient_capabilities, 0),
        IMPL("Service", "NoNewPrivileges", config_parse_bool, no_new_privileges, 0),
        HOSTED("Service", "MemoryMax", config_parse_memory, memory_max, UNIT_HOST_MEMORY_MAX),
        HOSTED("Service", "MemoryHigh", config_parse_memory, memory_high, UNIT_HOST_MEMORY_HIGH),
        HOSTED("Service", "TasksMax", config_parse_tasks_max, tasks_max, UNIT_HOST_TASKS_MAX),
        HOSTED("Service", "CPUWeight", config_parse_weight, cpu_weight, UNIT_HOST_CPU),
        HOSTED("Service", "CPUQuota", config_parse_cpu_quota, cpu_quota_per_sec_usec, UNIT_HOST_CPU),
        HOSTED("Service", "IOWeight", config_parse_weight, io_weight, UNIT_HOST_IO_WEIGHT),
        IMPL("Service", "ReadWriteDirectories", config_parse_paths, paths, PATH_READ_WRITE),
        IMPL("Service", "ReadOnlyDirectories", config_parse_paths, paths, PATH_READ_ONLY),
        IMPL("Service", "InaccessibleDirectories", config_parse_paths, paths, PATH_INACCESSIBLE),
        IMPL("Service", "CacheDirectoryMode", config_parse_mode, cache_directory_mode, 0),
        IGNORE("Service", "ConfigurationDirectoryMode", "the configuration directory comes read-only from the tree, with the tree's mode"),
        IMPL("Service", "VarOverlay", config_parse_var_overlay, var_overlay, 0),
        IMPL("Service", "HealthCmd", config_parse_health_cmd, health, 0),
        IMPL("Service", "HealthInterval", config_parse_health_span, health_interval_usec, HEALTH_SPAN_INTERVAL),
        IMPL("Service", "HealthTimeout", config_parse_health_span, health_timeout_usec, HEALTH_SPAN_TIMEOUT),
        IMPL("Service", "HealthRetries", config_parse_unsigned, health_retries, 1),
        IMPL("Service", "HealthStartPeriod", config_parse_timespan, health_start_period_usec, TIMESPAN_PLAIN),
        IMPL("Service", "HealthStartupCmd", config_parse_health_cmd, health_startup, 0),
        IMPL("Service", "HealthStartupInterval", config_parse_health_span, health_startup_interval_usec, HEALTH_SPAN_INTERVAL),
        IMPL("Service", "HealthStartupTimeout", config_parse_health_span, health_startup_timeout_usec, HEALTH_SPAN_TIMEOUT),
        IMPL("Service", "HealthStartupRetries", config_parse_unsigned, health_startup_retries, 0),
        IMPL("Service", "HealthStartupSuccess", config_parse_unsigned, health_startup_success, 0),
        IMPL("Service", "HealthOnFailure", config_parse_health_action, health_on_failure, 0),
        IGNORE("Service", "HealthLogDestination", "svc keeps the last probe's output in svc status, not in a file"),
        IGNORE("Service", "HealthMaxLogCount", "svc keeps the last probe's output in svc status, not in a file"),
        IGNORE("Service", "HealthMaxLogSize", "svc keeps the last probe's output in svc status, not in a file"),

        /* [Service]: what svc's sandbox always does */
        IMPLIED("Service", "PrivateTmp", IMPLIED_PRIVATE_TMP),
        IMPLIED("Service", "PrivateDevices", IMPLIED_PRIVATE_DEVICES),
        IMPLIED("Service", "PrivateIPC", IMPLIED_BOOL),
        IMPLIED("Service", "PrivateMounts", IMPLIED_BOOL),
        IMPLIED("Service", "PrivatePIDs", IMPLIED_BOOL),
        IMPLIED("Service", "ProtectSystem", IMPLIED_PROTECT_SYSTEM),
        IMPL("Service", "ProtectHome", config_parse_protect_home, protect_home, 0),
        IMPLIED("Service", "ProtectKernelModules", IMPLIED_BOOL),
        IMPLIED("Service", "ProtectKernelTunables", IMPLIED_PROTECT_KERNEL_TUNABLES),
        ROW("Service", "ProtectKernelLogs", UNIT_KEY_IMPLIED, config_parse_protect_caps, F(hardening.protect_kernel_logs), IMPLIED_BOOL, NULL),
        IMPLIED("Service", "ProtectControlGroups", IMPLIED_BOOL),
        ROW("Service", "ProtectClock", UNIT_KEY_IMPLIED, config_parse_protect_caps, F(hardening.protect_clock), IMPLIED_BOOL, NULL),
        IMPLIED("Service", "ProtectHostname", IMPLIED_BOOL),
        IMPL("Service", "RestrictSUIDSGID", config_parse_bool, hardening.restrict_suid_sgid, 0),
        IMPL("Service", "LockPersonality", config_parse_bool, hardening.lock_personality, 0),
        IMPLIED("Service", "MountAPIVFS", IMPLIED_BOOL),
        IMPL("Service", "RestrictRealtime", config_parse_bool, hardening.restrict_realtime, 0),
        IMPLIED("Service", "RemoveIPC", IMPLIED_BOOL),
        IMPLIED("Service", "KeyringMode", IMPLIED_KEYRING_MODE),

        /* [Service]: known systemd keys svc does not support */
        IMPL("Service", "SystemCallFilter", config_parse_syscall_filter, hardening, 0),
        IMPL("Service", "SystemCallArchitectures", config_parse_syscall_archs, hardening.syscall_archs, 0),
        IMPL("Service", "SystemCallErrorNumber", config_parse_syscall_errno, hardening.syscall_errno, 0),
        IMPL("Service", "RestrictAddressFamilies", config_parse_address_families, hardening, 0),
        ROW("Service", "RestrictNamespaces", UNIT_KEY_IMPLIED, config_parse_restrict_namespaces, 0, 0, NULL),
        REFUSE("Service", "RestrictFileSystems", R_ISOLATION),
        IMPL("Service", "MemoryDenyWriteExecute", config_parse_bool, hardening.memory_deny_write_execute, 0),
        IMPL("Service", "ReadWritePaths", config_parse_paths, paths, PATH_READ_WRITE),
        IMPL("Service", "ReadOnlyPaths", config_parse_paths, paths, PATH_READ_ONLY),
        IMPL("Service", "InaccessiblePaths", config_parse_paths, paths, PATH_INACCESSIBLE),
        IMPL("Service", "ExecPaths", config_parse_paths, paths, PATH_EXEC),
        IMPL("Service", "NoExecPaths", config_parse_paths, paths, PATH_NO_EXEC),
        IMPL("Service", "TemporaryFileSystem", config_parse_tmpfs, paths, PATH_TMPFS),
        IMPL("Service", "IPAddressAllow", config_parse_ip_address, hardening.ip_allow, 0),
        IMPL("Service", "IPAddressDeny", config_parse_ip_address, hardening.ip_deny, 0),
        IMPL("Service", "DeviceAllow", config_parse_device_allow, hardening, 0),
        IMPL("Service", "DevicePolicy", config_parse_device_policy, hardening.device_policy, 0),
        REFUSE("Service", "SecureBits", R_ISOLATION),
        REFUSE("Service", "SELinuxContext", R_ISOLATION),
        ROW("Service", "AppArmorProfile", UNIT_KEY_UNSUPPORTED, config_parse_apparmor_profile, 0, 0, R_ISOLATION),
        REFUSE("Service", "SmackProcessLabel", R_ISOLATION),
        REFUSE("Service", "NetworkNamespacePath", "every svc service has a network namespace of its own"),
        REFUSE("Service", "IPCNamespacePath", "every svc service has an IPC namespace of its own"),
        REFUSE("Service", "RootDirectoryStartOnly", "svc runs every command of a service inside its tree"),
        REFUSE("Service", "RootImage", R_IMAGES),
        REFUSE("Service", "MountImages", R_IMAGES),
        REFUSE("Service", "ExtensionImages", R_IMAGES),
        REFUSE("Service", "ExtensionDirectories", R_IMAGES),
        REFUSE("Service", "PAMName", "svc does not open PAM sessions"),
        REFUSE("Service", "LoadCredential", R_CREDS),
        REFUSE("Service", "LoadCredentialEncrypted", R_CREDS),
        REFUSE("Service", "SetCredential", R_CREDS),
        REFUSE("Service", "SetCredentialEncrypted", R_CREDS),
        REFUSE("Service", "ImportCredential", R_CREDS),
        REFUSE("Service", "PassEnvironment", "svc does not pass its own environment to services; use Environment="),
        REFUSE("Service", "UnsetEnvironment", R_BEHAVIOUR),
        IMPL("Service", "CacheDirectory", config_parse_directories, cache_directories, 0),
        IMPL("Service", "ConfigurationDirectory", config_parse_directories, configuration_directories, 0),
        IMPL("Service", "StandardInput", config_parse_std_input, std_input, 0),
        REFUSE("Service", "StandardInputText", "svc connects stdin to /dev/null, so ignoring it would change what the service reads"),
        REFUSE("Service", "StandardInputData", "svc connects stdin to /dev/null, so ignoring it would change what the service reads"),
        REFUSE("Service", "RuntimeMaxSec", "svc has no run-time limit yet, so ignoring it would let the service run on"),
        REFUSE("Service", "WatchdogSec", "svc has no watchdog yet, so ignoring it would leave a hung service running"),
        REFUSE("Service", "Sockets", "svc pairs a service with the socket of its own name or the sockets whose Service= names it, and passes no other socket's descriptors"),
        REFUSE("Service", "OpenFile", R_BEHAVIOUR),
        IGNORE("Service", "BusName", "svc gives services no system bus, so the name is neither waited for nor reachable by another service"),
        IMPL("Service", "ReloadSignal", config_parse_kill_signal, reload_signal, SIGHUP),
        REFUSE("Service", "ExitType", R_BEHAVIOUR),
        REFUSE("Service", "RestartMode", R_BEHAVIOUR),
        REFUSE("Service", "Delegate", "svc does not delegate cgroups to services yet"),
        REFUSE("Service", "MemoryLimit", "write MemoryMax= instead"),
        REFUSE("Service", "MemorySwapMax", R_RESOURCE),
        IGNORE("Service", "StandardOutput", R_LOGS),
        IGNORE("Service", "StandardError", R_LOGS),
        IGNORE("Service", "SyslogIdentifier", "svc writes each service's lines to a log of its own, named after the unit, untagged"),
        IGNORE("Service", "SyslogFacility", R_LOGS),
        IGNORE("Service", "SyslogLevel", R_LOGS),
        IGNORE("Service", "SyslogLevelPrefix", R_LOGS),
        IGNORE("Service", "LogLevelMax", R_LOGS),
        IGNORE("Service", "LogExtraFields", R_LOGS),
        IGNORE("Service", "LogRateLimitIntervalSec", "svc never drops log lines: a service that writes too fast waits"),
        IGNORE("Service", "LogRateLimitBurst", "svc never drops log lines: a service that writes too fast waits"),
        IGNORE("Service", "TTYPath", R_NO_MEANING),
        IGNORE("Service", "TTYReset", R_NO_MEANING),
        IGNORE("Service", "TTYVHangup", R_NO_MEANING),
        IGNORE("Service", "UtmpIdentifier", R_NO_MEANING),
        IGNORE("Service", "UtmpMode", R_NO_MEANING),
        IGNORE("Service", "IgnoreSIGPIPE", "svc starts services with SIGPIPE at its default action"),
        IGNORE("Service", "NotifyAccess", "svc accepts notifications from any process of the service"),
        IGNORE("Service", "GuessMainPID", R_NO_MEANING),
        IGNORE("Service", "NonBlocking", R_NO_MEANING),
        IGNORE("Service", "FileDescriptorStoreMax", "svc has no file descriptor store"),
        IGNORE("Service", "OOMPolicy", "the kernel's OOM killer decides; svc treats the kill as an exit"),
        IGNORE("Service", "TimeoutAbortSec", R_NO_MEANING),
        IGNORE("Service", "TimeoutStartFailureMode", R_NO_MEANING),
        IGNORE("Service", "TimeoutStopFailureMode", R_NO_MEANING),
        IGNORE("Service", "RuntimeRandomizedExtraSec", R_NO_MEANING),
        IGNORE("Service", "FinalKillSignal", "svc ends a service by killing its PID namespace"),
        IGNORE("Service", "RestartKillSignal", "svc uses KillSignal= for restarts too"),
        IGNORE("Service", "WatchdogSignal", "svc has no watchdog yet"),
        IGNORE("Service", "ProtectProc", "the service mounts a /proc of its own PID namespace"),
        IGNORE("Service", "ProcSubset", "the service mounts a /proc of its own PID namespace"),
        IGNORE("Service", "MountFlags", "the service's mounts never propagate to the host"),
        IMPL("Service", "RuntimeDirectoryMode", config_parse_mode, runtime_directory_mode, 0),
        IMPL("Service", "StateDirectoryMode", config_parse_mode, state_directory_mode, 0),
        IMPL("Service", "LogsDirectoryMode", config_parse_mode, logs_directory_mode, 0),
        IGNORE("Service", "RuntimeDirectoryPreserve", "svc keeps RuntimeDirectory= until the service stops"),
        IGNORE("Service", "CPUSchedulingPolicy", R_SCHED),
        IGNORE("Service", "CPUSchedulingPriority", R_SCHED),
        IGNORE("Service", "CPUSchedulingResetOnFork", R_SCHED),
        IGNORE("Service", "CPUAffinity", R_SCHED),
        IGNORE("Service", "NUMAPolicy", R_SCHED),
        IGNORE("Service", "NUMAMask", R_SCHED),
        IGNORE("Service", "IOSchedulingClass", R_SCHED),
        IGNORE("Service", "IOSchedulingPriority", R_SCHED),
        IGNORE("Service", "TimerSlackNSec", R_SCHED),
        IGNORE("Service", "Personality", R_NO_MEANING),
        IGNORE("Service", "Slice", "svc puts each service in a cgroup of its own under svcd's"),
        IGNORE("Service", "CPUAccounting", "svc always accounts"),
        IGNORE("Service", "MemoryAccounting", "svc always accounts"),
        IGNORE("Service", "IOAccounting", "svc does not account I/O, and accounting changes nothing the service does"),
        IGNORE("Service", "TasksAccounting", "svc always accounts"),
        IGNORE("Service", "IPAccounting", R_RESOURCE),
        IGNORE("Service", "CPUShares", "write CPUWeight= instead"),
        IGNORE("Service", "StartupCPUWeight", R_RESOURCE),
        IGNORE("Service", "StartupIOWeight", R_RESOURCE),
        IGNORE("Service", "CPUQuotaPeriodSec", R_RESOURCE),
        IGNORE("Service", "AllowedCPUs", R_RESOURCE),
        IGNORE("Service", "AllowedMemoryNodes", R_RESOURCE),
        IGNORE("Service", "MemoryMin", R_RESOURCE),
        IGNORE("Service", "MemoryLow", R_RESOURCE),
        IGNORE("Service", "IODeviceWeight", R_RESOURCE),
        IGNORE("Service", "IOReadBandwidthMax", R_RESOURCE),
        IGNORE("Service", "IOWriteBandwidthMax", R_RESOURCE),
        IGNORE("Service", "IOReadIOPSMax", R_RESOURCE),
        IGNORE("Service", "IOWriteIOPSMax", R_RESOURCE),
        IGNORE("Service", "IODeviceLatencyTargetSec", R_RESOURCE),
        IGNORE("Service", "ManagedOOMSwap", R_RESOURCE),
        IGNORE("Service", "ManagedOOMMemoryPressure", R_RESOURCE),
        IGNORE("Service", "ManagedOOMPreference", R_RESOURCE),

        /* [Timer], in NAME.timer */
        IMPL("Timer", "OnCalendar", config_parse_timer_calendar, timer, 0),
        IMPL("Timer", "OnActiveSec", config_parse_timer_monotonic, timer, TIMER_ACTIVE),
        IMPL("Timer", "OnBootSec", config_parse_timer_monotonic, timer, TIMER_BOOT),
        IMPL("Timer", "OnStartupSec", config_parse_timer_monotonic, timer, TIMER_STARTUP),
        IMPL("Timer", "OnUnitActiveSec", config_parse_timer_monotonic, timer, TIMER_UNIT_ACTIVE),
        IMPL("Timer", "OnUnitInactiveSec", config_parse_timer_monotonic, timer, TIMER_UNIT_INACTIVE),
        IMPL("Timer", "Unit", config_parse_timer_unit, timer.unit, 0),
        IMPL("Timer", "Persistent", config_parse_bool, timer.persistent, 0),
        IMPL("Timer", "RandomizedDelaySec", config_parse_timespan, timer.randomized_delay_usec, TIMESPAN_PLAIN),
        IMPL("Timer", "FixedRandomDelay", config_parse_bool, timer.fixed_random_delay, 0),
        IMPL("Timer", "AccuracySec", config_parse_timespan, timer.accuracy_usec, TIMESPAN_PLAIN),
        IMPL("Timer", "RemainAfterElapse", config_parse_bool, timer.remain_after_elapse, 0),
        IMPL("Timer", "OnClockChange", config_parse_bool, timer.on_clock_change, 0),
        IGNORE("Timer", "OnTimezoneChange", "svcd does not watch the local time zone, so a change of it does not start the unit"),
        IGNORE("Timer", "WakeSystem", "svcd does not wake the system from suspend: the timer elapses once the system is up again"),

        /* [Socket], in NAME.socket */
        IMPL("Socket", "ListenStream", config_parse_listen, listen, SOCK_STREAM),
        IMPL("Socket", "ListenDatagram", config_parse_listen, listen, SOCK_DGRAM),
        IMPL("Socket", "ListenSequentialPacket", config_parse_listen, listen, SOCK_SEQPACKET),
        IMPL("Socket", "Accept", config_parse_bool, accept, 0),
        IMPL("Socket", "MaxConnections", config_parse_unsigned, max_connections, 1),
        IMPL("Socket", "Service", config_parse_socket_service, socket.service, 0),
        IMPL("Socket", "SocketUser", config_parse_user, socket.user, 0),
        IMPL("Socket", "SocketGroup", config_parse_user, socket.group, 0),
        IMPL("Socket", "SocketMode", config_parse_mode, socket.mode, 0666),
        IMPL("Socket", "DirectoryMode", config_parse_mode, socket.directory_mode, 0755),
        IMPL("Socket", "RemoveOnStop", config_parse_bool, socket.remove_on_stop, 0),
        IMPL("Socket", "BindIPv6Only", config_parse_bind_ipv6_only, socket.bind_ipv6_only, 0),
        IMPL("Socket", "Backlog", config_parse_unsigned, socket.backlog, 1),
        IMPL("Socket", "KeepAlive", config_parse_bool, socket.keep_alive, 0),
        IMPL("Socket", "NoDelay", config_parse_bool, socket.no_delay, 0),
        IMPL("Socket", "ReusePort", config_parse_bool, socket.reuse_port, 0),
        IMPL("Socket", "FreeBind", config_parse_bool, socket.free_bind, 0),
        IMPL("Socket", "Transparent", config_parse_bool, socket.transparent, 0),
        IMPL("Socket", "Broadcast", config_parse_bool, socket.broadcast, 0),
        IMPL("Socket", "PassCredentials", config_parse_bool, socket.pass_credentials, 0),
        IMPL("Socket", "PassSecurity", config_parse_bool, socket.pass_security, 0),
        IMPL("Socket", "ReceiveBuffer", config_parse_size, socket.receive_buffer, 0),
        IMPL("Socket", "SendBuffer", config_parse_size, socket.send_buffer, 0),
        IMPL("Socket", "FileDescriptorName", config_parse_fdname, socket.fdname, 0),
        REFUSE("Socket", "ListenFIFO", R_SOCKET_KIND),
        REFUSE("Socket", "ListenSpecial", R_SOCKET_KIND),
        REFUSE("Socket", "ListenNetlink", R_SOCKET_KIND),
        REFUSE("Socket", "ListenMessageQueue", R_SOCKET_KIND),
        REFUSE("Socket", "ListenUSBFunction", R_SOCKET_KIND),
        REFUSE("Socket", "SocketProtocol", "svc makes TCP and Unix sockets only, so ignoring it would give the service another protocol than it asked for"),
        REFUSE("Socket", "BindToDevice", "svc does not bind a socket to one interface, so ignoring it would listen on every one"),
        REFUSE("Socket", "MaxConnectionsPerSource", "svc limits connections in all (MaxConnections=), not per client, so ignoring it would let one client take them all"),
        REFUSE("Socket", "Symlinks", "svc makes no links to a socket, so clients would not find it under those names"),
        REFUSE("Socket", "Writable", R_SOCKET_KIND),
        REFUSE("Socket", "ExecStartPre", R_SOCKET_EXEC),
        REFUSE("Socket", "ExecStartPost", R_SOCKET_EXEC),
        REFUSE("Socket", "ExecStopPre", R_SOCKET_EXEC),
        REFUSE("Socket", "ExecStopPost", R_SOCKET_EXEC),
        REFUSE("Socket", "FlushPending", R_BEHAVIOUR),
        REFUSE("Socket", "DeferAcceptSec", R_BEHAVIOUR),
        REFUSE("Socket", "PassPacketInfo", R_BEHAVIOUR),
        REFUSE("Socket", "Timestamping", R_BEHAVIOUR),
        REFUSE("Socket", "TCPCongestion", R_BEHAVIOUR),
        REFUSE("Socket", "SmackLabel", R_ISOLATION),
        REFUSE("Socket", "SmackLabelIPIn", R_ISOLATION),
        REFUSE("Socket", "SmackLabelIPOut", R_ISOLATION),
        REFUSE("Socket", "SELinuxContextFromNet", R_ISOLATION),
        IGNORE("Socket", "Priority", R_SOCKET_TUNING),
        IGNORE("Socket", "IPTOS", R_SOCKET_TUNING),
        IGNORE("Socket", "IPTTL", R_SOCKET_TUNING),
        IGNORE("Socket", "Mark", R_SOCKET_TUNING),
        IGNORE("Socket", "KeepAliveTimeSec", R_SOCKET_TUNING),
        IGNORE("Socket", "KeepAliveIntervalSec", R_SOCKET_TUNING),
        IGNORE("Socket", "KeepAliveProbes", R_SOCKET_TUNING),
        IGNORE("Socket", "PipeSize", R_SOCKET_TUNING),
        IGNORE("Socket", "TimeoutSec", "svc runs no command of a socket's own, so there is nothing to time"),
        IGNORE("Socket", "TriggerLimitIntervalSec", R_SOCKET_LIMIT),
        IGNORE("Socket", "TriggerLimitBurst", R_SOCKET_LIMIT),
        IGNORE("Socket", "PollLimitIntervalSec", R_SOCKET_LIMIT),
        IGNORE("Socket", "PollLimitBurst", R_SOCKET_LIMIT),
        /* [Install] */
        META("Install", "WantedBy", config_parse_strv, wanted_by),
        META("Install", "Alias", config_parse_strv, alias),
        META_ONLY("Install", "RequiredBy"),
        META_ONLY("Install", "UpheldBy"),
        META_ONLY("Install", "Also"),
        META_ONLY("Install", "DefaultInstance"),
};
/* clang-format on */

static const char *const known_sections[] = { "Unit", "Service", "Timer", "Socket", "Install" };

bool unit_section_is_known(const char *section) {
        for (size_t i = 0; i < ELEMENTSOF(known_sections); i++)
                if (streq(section, known_sections[i]))
                        return true;
        return false;
}

const char *unit_section_hint(const char *section) {
        static const struct {
                const char *section, *hint;
        } hints[] = {
                { "Path", "svc has no path units" },
                { "Mount", "svc does not manage mounts: use BindPaths= in [Service]" },
                { "Automount", "svc does not manage mounts: use BindPaths= in [Service]" },
                { "Swap", "svc does not manage swap" },
                { "Slice", "svc puts each service in a cgroup of its own: put resource keys in [Service]" },
                { "Scope", "svc puts each service in a cgroup of its own: put resource keys in [Service]" },
                { "Target", "svc has no targets: order services with After= and Before=" },
                { "Device", "svc does not manage devices" },
        };
        for (size_t i = 0; i < ELEMENTSOF(hints); i++)
                if (streq(section, hints[i].section))
                        return hints[i].hint;
        return NULL;
}

static bool key_matches(const struct unit_key *k, const char *key) {
        size_t n = strlen(k->info.key);
        if (n > 0 && k->info.key[n - 1] == '*')
                return strneq(key, k->info.key, n - 1) && key[n - 1] != '\0';
        return streq(key, k->info.key);
}

const struct unit_key *unit_key_lookup(const char *section, const char *key) {
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (streq(table[i].info.section, section) && key_matches(&table[i], key))
                        return &table[i];
        return NULL;
}

const struct unit_key *unit_key_lookup_any(const char *key) {
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (key_matches(&table[i], key))
                        return &table[i];
        return NULL;
}

const struct unit_key_info *unit_key_table_get(size_t i) {
        return i < ELEMENTSOF(table) ? &table[i].info : NULL;
}

const char *unit_key_host_lacks(const struct unit_key *k, const struct unit_host *host) {
        if (!host || k->needs < 0 || k->needs >= _UNIT_HOST_FEATURE_MAX)
                return NULL;
        return host->lacks[k->needs];
}

const char *unit_key_class_to_string(enum unit_key_class c) {
        static const char *const names[_UNIT_KEY_CLASS_MAX] = {
                [UNIT_KEY_IMPLEMENTED] = "implemented", [UNIT_KEY_NOT_APPLIED] = "not applied",
                [UNIT_KEY_IMPLIED] = "implied",         [UNIT_KEY_UNSUPPORTED] = "unsupported",
                [UNIT_KEY_METADATA] = "metadata",
        };
        return c >= 0 && c < _UNIT_KEY_CLASS_MAX ? names[c] : NULL;
}

#define SUGGEST_MAX 64

/* Optimal string alignment distance (Levenshtein plus adjacent transpositions), ignoring case. */
static size_t edit_distance(const char *a, const char *b) {
        size_t la = strlen(a), lb = strlen(b);
        size_t d[SUGGEST_MAX + 1][SUGGEST_MAX + 1];

        for (size_t i = 0; i <= la; i++)
                d[i][0] = i;
        for (size_t j = 0; j <= lb; j++)
                d[0][j] = j;
        for (size_t i = 1; i <= la; i++)
                for (size_t j = 1; j <= lb; j++) {
                        char ca = (char) tolower((unsigned char) a[i - 1]);
                        char cb = (char) tolower((unsigned char) b[j - 1]);
                        size_t v = MIN(d[i - 1][j] + 1, d[i][j - 1] + 1);
                        v = MIN(v, d[i - 1][j - 1] + (ca != cb));
                        if (i > 1 && j > 1 && ca == tolower((unsigned char) b[j - 2]) &&
                            tolower((unsigned char) a[i - 2]) == cb)
                                v = MIN(v, d[i - 2][j - 2] + 1);
                        d[i][j] = v;
                }
        return d[la][lb];
}

const char *unit_key_suggest(const char *key) {
        const char *best = NULL;
        size_t best_d = SIZE_MAX;

        if (strlen(key) > SUGGEST_MAX)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                const char *k = table[i].info.key;
                if (strchr(k, '*') || strlen(k) > SUGGEST_MAX)
                        continue;
                size_t d = edit_distance(key, k);
                if (d < best_d) {
                        best_d = d;
                        best = k;
                }
        }
        return best_d <= MAX((size_t) 2, strlen(key) / 4) ? best : NULL;
}
