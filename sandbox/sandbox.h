/* SPDX-License-Identifier: MIT */
#pragma once

/* sandbox/: turning a resolved spec into a running process. Nothing here logs above debug,
 * exits the caller, or touches the event loop. A child that fails before execve reports
 * {stage, errno} over an O_CLOEXEC pipe and _exit()s; EOF on that pipe means execve worked. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "common/paths.h"

/* Credentials resolved from a passwd/group file (never NSS). */
struct sandbox_creds {
        uid_t uid;
        gid_t gid;
        gid_t *groups; /* supplementary groups */
        size_t n_groups;
        char *user_name;
        char *home;
        char *shell;
};

void sandbox_creds_done(struct sandbox_creds *c);

/* Resolves USER (a name or a number; NULL = root) and GROUP (NULL = the user's primary group)
 * and SUPPLEMENTARY names against /etc/passwd and /etc/group of the tree open at ROOT_FD (opened
 * inside it, never the host's through a symlink; no NSS). Returns 0, or -ESRCH with *ret_error
 * saying which name is not in which file of TREE_LABEL, -EFBIG or -EMSGSIZE for a file above
 * 16 MiB or with a line above 1 MiB (with a sentence), or another -errno. */
int sandbox_resolve_creds(int root_fd, const char *tree_label, const char *user, const char *group,
                          char *const *supplementary, struct sandbox_creds *ret, char **ret_error);

/* Opens PATH (absolute, as seen inside) in the tree at ROOT_FD, resolved inside the tree. */
int sandbox_open_in_tree(int root_fd, const char *path, int flags);

/* A bare command NAME looked up in SVC_PROGRAM_DIRS (systemd's fixed search path) inside the tree
 * at ROOT_FD, never the host's; the first regular file wins, as the exec of such a name in the
 * sandbox finds it. A NAME with a '/' is taken as it is. 0 and the path, or -ENOENT. */
int sandbox_find_program(int root_fd, const char *name, char **ret);

/* Stages at which a child can fail before execve, for the report. */
enum sandbox_stage {
        STAGE_NONE,
        STAGE_SIGNALS,
        STAGE_SETSID,
        STAGE_FDS,
        STAGE_RLIMIT,
        STAGE_NICE,
        STAGE_OOM_SCORE,
        STAGE_GROUPS,
        STAGE_GID,
        STAGE_UID,
        STAGE_PDEATHSIG,
        STAGE_CHDIR,
        STAGE_CAPS,
        STAGE_NNP,
        STAGE_SECCOMP,
        STAGE_EXEC,
        STAGE_SETUP, /* the sandbox itself could not be set up (struct sandbox_setup_error) */
        _STAGE_MAX,
};

struct sandbox_report {
        int stage;
        int err;
};

/* ---- a sandbox: namespaces, its own root, ns-init as PID 1 (start.c, mounts.c) ---------- */

#define SANDBOX_NOTIFY_PATH "/" SVC_NOTIFY_DIR /* NOTIFY_SOCKET inside: where svcd has it */

struct sandbox_bind {
        const char *source; /* host path, existing; for sentences only when source_fd is set */
        const char *target; /* absolute path inside the sandbox */
        bool read_only;
        bool recursive;
        bool idmap; /* in a user namespace with sandbox_users.idmap_fd: host owners as they are */
        /* The source as the caller opened it (without following a symlink a service could have
         * planted), bound from the fd, never by path again; -EBADF: SOURCE is resolved. */
        int source_fd;
};

/* What a path key does at a path inside (ReadWritePaths=, TemporaryFileSystem=, the per-service
 * /var, ...). Writable layers (OVERLAY, TMPFS) are mounted right after the root, so that /var/tmp,
 * binds and the state directories go on top of them; the restrictions (READ_ONLY, NO_EXEC, KEEP,
 * INACCESSIBLE) come after the binds, in the order of the array: shallow paths first. */
enum sandbox_path_kind {
        SANDBOX_PATH_OVERLAY, /* a writable layer over what is at the path */
        SANDBOX_PATH_TMPFS, /* an empty tmpfs */
        SANDBOX_PATH_READ_ONLY, /* read-only, with everything mounted below it */
        SANDBOX_PATH_NO_EXEC, /* noexec, with everything mounted below it */
        /* As it was before any READ_ONLY or NO_EXEC: ReadWritePaths= of a writable place,
         * ExecPaths=. Never more than it was: it cannot make the tree writable. */
        SANDBOX_PATH_KEEP,
        SANDBOX_PATH_INACCESSIBLE, /* behind an empty directory or file of mode 0000 */
        _SANDBOX_PATH_KIND_MAX,
};

#define SANDBOX_PATHS_MAX 64

struct sandbox_path {
        enum sandbox_path_kind kind;
        const char *path; /* absolute, inside; symlinks in it resolve inside the root */
        bool optional; /* a missing path is skipped; else it is an error (OVERLAY, TMPFS: made) */
        bool read_only, no_exec; /* TMPFS */
        const char *options; /* TMPFS: the mount data ("mode=0755,size=1M"); NULL: mode=0755 */
        /* OVERLAY: host directories holding upper/ and work/, kept across runs, opened by svcd
         * without following symlinks (dir_fd) and checked again by the child; NULL: in memory. */
        const char *dir;
        int dir_fd;
};

/* ---- user namespaces (userns.c) ------------------------------------------------------------ */

#define SANDBOX_IDMAP_MAX 3

/* Lines of uid_map or gid_map: INSIDE mapped to OUTSIDE, COUNT ids. */
struct sandbox_idmap {
        unsigned n;
        struct {
                uint32_t inside, outside, count;
        } e[SANDBOX_IDMAP_MAX];
};

/* A user namespace for the sandbox: the parent writes the maps after clone, before the child
 * does anything; the child then becomes root inside (uid 0 of the map) and every other
 * namespace is owned by the new one, so its capabilities count only there. The host's files
 * the sandbox needs (the tree, binds, sockets) are opened and cloned by the parent (the child,
 * an unprivileged uid on the host, could not reach them below svc's 0700 directories). */
struct sandbox_users {
        struct sandbox_idmap uid, gid;
        /* A user namespace with the same maps (sandbox_userns_new()): the tree, the host's
         * directories and binds marked idmap are shown through idmapped mounts, so that a file of
         * the host's root is root's inside too. -EBADF: none (identity maps need none). */
        int idmap_fd;
};

/* A user namespace with the maps UID and GID, held by the returned fd (O_CLOEXEC), for
 * idmapped mounts. -errno: the kernel cannot make one (EPERM, ENOSPC, EINVAL). */
int sandbox_userns_new(const struct sandbox_idmap *uid, const struct sandbox_idmap *gid);

/* Can TREE (NULL: the host's /usr, /etc, ... that the host view shows) be shown through an
 * idmapped mount of the user namespace USERNS_FD? 0, or -errno (EINVAL: its file system cannot,
 * ENOSYS: the kernel cannot) with "FSTYPE (PATH)" of the path at fault in RET_WHERE. */
int sandbox_idmap_check(int userns_fd, const char *tree, char *ret_where, size_t n);

/* The id inside that the map gives for OUTSIDE... and the other way: OUTSIDE for an id INSIDE,
 * or (uint32_t) -1 when the map has none. */
uint32_t sandbox_idmap_outside(const struct sandbox_idmap *m, uint32_t inside);

/* What every sandbox gets (mounts.c), for those who describe it to another runtime (svc export):
 * the masked and read-only paths of /proc and /sys (Docker's), and the nodes of the private /dev. */
#define SANDBOX_MASKED_PATHS_N 13
#define SANDBOX_READONLY_PATHS_N 5
#define SANDBOX_DEV_NODES_N 6
extern const char *const sandbox_masked_paths[SANDBOX_MASKED_PATHS_N];
extern const char *const sandbox_readonly_paths[SANDBOX_READONLY_PATHS_N];
extern const char *const sandbox_dev_nodes[SANDBOX_DEV_NODES_N];

/* Spare namespaces (spare.c): made ahead of a start by a helper that only brought lo up, held by
 * these fds, joined by one sandbox_start() and never by another. A user namespace with the
 * maps UID and GID when the sandbox has one, and owned by it a network namespace (lo up) when
 * the sandbox has a private network, the UTS and the IPC namespace. -EBADF: none. */
struct sandbox_spare {
        int userns, netns, utsns, ipcns;
        struct sandbox_idmap uid, gid;
};

#define SANDBOX_SPARE_NULL                                                                                   \
        (struct sandbox_spare) {                                                                             \
                .userns = -EBADF, .netns = -EBADF, .utsns = -EBADF, .ipcns = -EBADF                          \
        }

struct sandbox_spec {
        const char *name; /* for messages */
        const char *hostname;
        const char *tree; /* host path of the root tree; NULL: the host's /usr, /etc, ... */
        const char *tree_label; /* "tree bullseye", "the host": for sentences */
        bool overlay; /* a writable layer over the tree */
        const char *overlay_dir; /* holds upper/ and work/ (persistent); NULL: in memory */
        const struct sandbox_bind *binds;
        size_t n_binds;
        const char *const *masks; /* paths hidden inside (svc's own files in the host view) */
        /* tmpfiles.d's directories under /run, made before runtime_dirs, parents first */
        const struct sandbox_run_dir *run_dirs;
        size_t n_run_dirs;
        const char *const *runtime_dirs; /* created in the private /run, owned by runtime_uid */
        uid_t runtime_uid;
        gid_t runtime_gid;
        mode_t runtime_mode; /* of the runtime_dirs; 0: 0755 */
        const struct sandbox_path *paths; /* sorted: a path after the paths above it */
        size_t n_paths; /* at most SANDBOX_PATHS_MAX */
        const char *notify_socket; /* host path, bound at SANDBOX_NOTIFY_PATH; NULL: none */
        const char *syslog_socket; /* host path, bound at /dev/log; NULL: none */
        /* DeviceAllow=: host device nodes (source_fd, opened by the caller) bound at their target
         * in /dev, without nodev. With devices_strict (DevicePolicy=strict), /dev's safe nodes
         * are there only when a target names them. */
        const struct sandbox_bind *devices;
        size_t n_devices;
        bool devices_strict;
        bool private_network; /* a network namespace with only lo, up */
        const char *scratch_dir; /* an empty host directory where the root is assembled */
        int cgroup_fd; /* the cgroup the sandbox is born in, or -1 */
        const struct sandbox_users *users; /* a user namespace; NULL: the host's uids */
        int nice; /* in a user namespace, a nice level below 0 that its commands take (see start.c) */
        /* Called in the parent with the child's pid before the child goes on (it waits): the
         * place for work on the child from outside (v1 cgroups, network links). */
        int (*before_release)(pid_t pid, void *userdata);
        void *userdata;
        int nsinit_fd; /* sandbox_nsinit_memfd() */
        /* Namespaces to join instead of new ones, when sandbox_spare_fits(); the caller closes it
         * after sandbox_start() whatever happened: it is used once or not at all. */
        const struct sandbox_spare *spare;
        /* Queued in the channel (id 1) before the clone, so that ns-init finds it at its first
         * read, without waiting for the caller to learn that it runs; NULL: none. */
        const struct sandbox_command *first_command;
};

/* What went wrong while the sandbox was set up, before ns-init ran. */
struct sandbox_setup_error {
        int err;
        char what[96]; /* "mount proc on /proc", "bind /srv/blog on /var/www" */
        char path[256]; /* the path at fault, when there is one */
};

struct sandbox {
        pid_t pid; /* ns-init, in the caller's PID namespace */
        int pidfd;
        int channel; /* SOCK_SEQPACKET to ns-init */
        int setup_fd; /* EOF once ns-init runs; a struct sandbox_setup_error if setup failed */
};

/* A directory made in the sandbox's private /run: PATH below it ("vsftpd/empty"), no "..". */
struct sandbox_run_dir {
        const char *path;
        uid_t uid; /* as seen inside */
        gid_t gid;
        mode_t mode;
};

/* A command to run in a sandbox. FDS become 0, 1, 2, 3, ... in the command. */
struct sandbox_command {
        const char *path; /* resolved inside the sandbox's root */
        const char *cwd; /* NULL: "/" */
        char *const *argv;
        char *const *env;
        const int *fds;
        unsigned n_fds;
        bool main, setsid, ctty, no_new_privs, seccomp, listen_pid, cwd_optional;
        bool oneshot; /* svc run: ns-init exits with this command's status (PROTO_SPAWN_ONESHOT) */
        bool set_creds;
        uid_t uid;
        gid_t gid;
        const gid_t *groups;
        size_t n_groups;
        uint64_t cap_bounding, cap_ambient;
        struct rlimit *const *rlimits; /* RLIM_NLIMITS entries or NULL */
        bool nice_set;
        int nice;
        int oom_score_adj;
        mode_t umask;
        /* The unit's own seccomp programs (sandbox_seccomp_compile()), loaded last, just before
         * execve; NULL: svc's default filter alone. */
        const void *seccomp_blob;
        size_t seccomp_blob_len;
};

/* The capabilities a root service keeps by default: Docker's default set without CAP_MKNOD. */
uint64_t sandbox_default_caps(void);

/* A sealed memfd holding ns-init, to be shared by every sandbox. -errno on failure. */
int sandbox_nsinit_memfd(void);

/* Checks what can be checked before starting: the tree exists and is a directory, its /proc and
 * /dev are not symlinks, bind sources exist, bind targets inside the tree are not symlinks.
 * Returns 0, or -errno with a sentence in *ret_error. */
int sandbox_check_spec(const struct sandbox_spec *spec, char **ret_error);

/* Makes spare namespaces for a sandbox with USERS (NULL: none) and, if PRIVATE_NETWORK, a network
 * namespace with lo up. 0, or -errno (-EOPNOTSUPP where the helper could not share svcd's memory
 * and a fork would cost more than the spare saves). */
int sandbox_spare_make(const struct sandbox_users *users, bool private_network, struct sandbox_spare *ret);
void sandbox_spare_done(struct sandbox_spare *sp);
/* Whether SP (NULL: none) holds what SPEC's sandbox needs: the same maps, a network namespace iff
 * SPEC has a private network. */
bool sandbox_spare_fits(const struct sandbox_spare *sp, const struct sandbox_spec *spec);

/* Clones ns-init's process into new namespaces; it sets up the root (mounts.c) and executes
 * ns-init. Returns once the child no longer shares the caller's memory (it executed ns-init or
 * failed): read the outcome with sandbox_read_setup(); commands can be sent right away, they wait
 * in the channel. 0 or -errno. */
int sandbox_start(const struct sandbox_spec *spec, struct sandbox *ret);

/* 0: ns-init runs. 1: setup failed, *err says why. -EAGAIN: not known yet. */
int sandbox_read_setup(struct sandbox *sb, struct sandbox_setup_error *err);

/* What the parent opened for a sandbox in a user namespace: detached mounts (open_tree clones,
 * idmapped where asked) that the child moves into place. -EBADF where there is none. */
struct sandbox_premounts {
        int tree; /* the tree (read-only, unless it is an overlay's lower layer) */
        int overlay; /* the directory holding upper/ and work/ (Overlay=persistent) */
        int host[8]; /* the host view's directories, in the order mounts.c lists them */
        int sys; /* the host's /sys, when the sandbox shares the host's network */
        int notify, syslog;
        int *binds; /* one per spec->binds */
        size_t n_binds;
        /* One per spec->paths: the directory of a kept writable layer (OVERLAY with dir), else
         * -EBADF. */
        int *layers;
        size_t n_layers;
        /* One per spec->devices: the node DeviceAllow= grants (source_fd >= 0), idmapped where the
         * kernel can, so that root inside opens what the host's root may; else -EBADF. */
        int *devices;
        size_t n_devices;
};

/* Made by the parent before clone (userns.c); the fds are inherited by the child. 0 or -errno,
 * with what and which path in ERR. */
int sandbox_premounts_make(const struct sandbox_spec *spec, struct sandbox_premounts *ret,
                           struct sandbox_setup_error *err);
void sandbox_premounts_done(struct sandbox_premounts *p);

/* Done in the child: everything from making / private to pivot_root and hostname. PRE: the
 * parent's mounts when the sandbox has a user namespace, else NULL (the child opens what it
 * binds itself). */
int sandbox_setup_root(const struct sandbox_spec *spec, const struct sandbox_premounts *pre,
                       struct sandbox_setup_error *err);

int sandbox_send_spawn(struct sandbox *sb, uint32_t id, const struct sandbox_command *cmd);
/* ID 0: every process of the sandbox. */
int sandbox_send_signal(struct sandbox *sb, uint32_t id, int sig);
int sandbox_send_watch(struct sandbox *sb, uint32_t id, pid_t pid);

struct sandbox_event {
        int type; /* enum proto_type: PROTO_STARTED, PROTO_EXITED, PROTO_EMPTY */
        uint32_t id;
        pid_t pid;
        int stage, err; /* STARTED */
        int code, status; /* EXITED */
};

/* One event from ns-init: 1 and *ev, 0 at EOF (ns-init is gone), -EAGAIN when none waits. */
int sandbox_receive(struct sandbox *sb, struct sandbox_event *ev);

/* SIGKILL to ns-init: the kernel kills the whole namespace. */
void sandbox_kill(struct sandbox *sb);
/* Closes the fds; the caller reaps the pid. */
void sandbox_close(struct sandbox *sb);

/* Brings lo up in the calling process's network namespace. */
int sandbox_loopback_up(void);

/* Reads the report of a launched command (struct sandbox_report): see launch.h. */
int sandbox_read_report(int report_fd, struct sandbox_report *ret);

const char *sandbox_stage_to_string(int stage);

/* ---- the library check (elfcheck.c) ------------------------------------------------------- */

/* Resolves PROGRAM (an absolute path as the service sees it, or a name without '/' found as
 * sandbox_find_program() finds it, else -ENOENT with a sentence naming the directories) inside the tree open at ROOT_FD
 * (O_PATH|O_DIRECTORY; "/" for the host view), then, recursively, its ELF interpreter and every
 * DT_NEEDED library as the tree's own ld.so would: DT_RPATH (without DT_RUNPATH), DT_RUNPATH
 * ($ORIGIN, $LIB, $PLATFORM expanded), the tree's /etc/ld.so.conf and ld.so.conf.d, then the
 * default directories. A "#!" script resolves its interpreter the same way. Every file is opened
 * inside the tree (openat2 RESOLVE_IN_ROOT), only regular files are read, and nothing blocks on
 * a FIFO. Libraries of another ELF class or machine are skipped, as ld.so does.
 * Returns 0 when everything resolves, or a negative errno with *ret_error a sentence naming the
 * program, what is missing or wrong, and TREE_LABEL ("tree bullseye", "the host"), e.g.
 * "/usr/sbin/lighttpd needs libpcre.so.3, which tree bullseye does not have". */
int sandbox_check_program(int root_fd, const char *tree_label, const char *program, char **ret_error);

/* The files PROGRAM needs to run, as the check above finds them in the tree at ROOT_FD: PROGRAM
 * itself, its "#!" interpreters, then every ELF object (the program by its real path, its ELF
 * interpreter, its libraries, breadth first), each path once, as the service would name it.
 * Returns 0 and the list, or what sandbox_check_program() returns when something is missing. */
int sandbox_program_closure(int root_fd, const char *tree_label, const char *program, char ***ret_paths,
                            char **ret_error);

/* ---- seccomp (seccomp.c) ------------------------------------------------------------------- */

/* Loads svc's seccomp filter (Docker's default policy as the model; compiled by libseccomp at
 * build time, see seccomp-gen.c) into the calling thread. No allocation, async-signal-safe: it
 * runs between fork and execve. Needs no_new_privs or CAP_SYS_ADMIN. 0 or -errno. */
int sandbox_seccomp_apply(void);

/* ---- a service's own filter (seccomp-unit.c, in the svc-seccomp helper) ------------------ */

#define SANDBOX_CALL_DEFAULT (-1) /* a call's action: default_errno, or a kill */
#define SANDBOX_CALL_KILL (-2)

/* What a unit's hardening keys ask of seccomp, in systemd's terms (systemd.exec(5)). */
struct sandbox_filter_spec {
        bool calls_set, calls_allow; /* SystemCallFilter=: an allow or a deny list */
        const char *const *calls; /* system call names, or "@known" */
        const int *call_errs; /* per call: an errno, SANDBOX_CALL_DEFAULT or SANDBOX_CALL_KILL */
        size_t n_calls;
        int default_errno; /* SystemCallErrorNumber=; 0: kill the process */
        const char *const *archs; /* SystemCallArchitectures=, systemd's names; NULL: every ABI */
        bool families_set, families_allow; /* RestrictAddressFamilies= */
        const int *families;
        size_t n_families;
        bool memory_deny_write_execute, restrict_realtime, restrict_suid_sgid, lock_personality;
};

/* Compiles SPEC with libseccomp into the programs a command loads on top of svc's default filter
 * (sandbox_seccomp_load()): each a uint32_t count of instructions followed by that many struct
 * sock_filter, one after the other, SystemCallFilter='s last. A system call name libseccomp does not know is skipped, as
 * systemd skips it. 0, or -errno with a sentence in *ret_error. */
int sandbox_seccomp_compile(const struct sandbox_filter_spec *spec, void **ret, size_t *ret_len,
                            char **ret_error);

/* Checks that BLOB (LEN bytes) is made of programs as above, each within the kernel's limit. */
bool sandbox_seccomp_blob_is_valid(const void *blob, size_t len);

/* Loads the programs of BLOB, after svc's own filter, in the calling thread. Without
 * CAP_SYS_ADMIN this sets no_new_privs first, as systemd implies NoNewPrivileges=yes for a
 * filter. No allocation: it runs between fork and execve. 0 or -errno. */
int sandbox_seccomp_load(const void *blob, size_t len);
