/* SPDX-License-Identifier: MIT */
/* svcd as PID 1 (DESIGN.md "PID 1"): telling a real boot from a container before touching
 * anything, the early mounts of a real boot, the console, the emergency path, and the end of a
 * shutdown (kill what is left, sync, unmount, reboot(2)). The manager does everything between. */
#include <fcntl.h>
#include <linux/mount.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "common/macro.h"
#include "common/paths.h"
#include "common/util.h"
#include "sandbox/sandbox.h"
#include "supervisor/svcd/pid1.h"
#include "supervisor/svcd/service.h"

/* The inode of the initial PID namespace's nsfs file (PROC_PID_INIT_INO). */
#define PROC_PID_INIT_INO 0xEFFFFFFCU
/* Between SIGTERM and SIGKILL to what is left after the services stopped. */
#define KILL_GRACE_USEC (5 * USEC_PER_SEC)
/* How long SIGKILLed processes get to be reaped (one in D state must not hang the shutdown). */
#define KILL_REAP_USEC (2 * USEC_PER_SEC)
#define EMERGENCY_SHELL "/bin/sh"

static enum pid1_mode mode = PID1_NONE;
static char *run_program; /* svc.run= */
static pid_t run_pid;

enum pid1_mode pid1_mode(void) {
        return mode;
}

/* ---- which svcd is this ----------------------------------------------------------------------- */

/* A procfs of this PID namespace: /proc when it is mounted, else a fresh instance made with the
 * mount API and never attached (fsmount() without move_mount()): looking touches no mount of
 * anyone's, which matters when this turns out to be a container sharing the host's mounts. */
static int open_procfs(void) {
        int fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0 && faccessat(fd, "self/ns/pid", F_OK, 0) == 0)
                return fd;
        safe_close(fd);
        _cleanup_close_ int fs = (int) syscall(SYS_fsopen, "proc", FSOPEN_CLOEXEC);
        if (fs < 0)
                return -errno;
        if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return -errno;
        fd = (int) syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
                           MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
        return fd < 0 ? -errno : fd;
}

enum pid1_mode pid1_detect(void) {
        if (getpid() != 1)
                return (mode = PID1_NONE);
        _cleanup_close_ int proc = open_procfs();
        struct stat st;
        if (proc >= 0 && fstatat(proc, "self/ns/pid", &st, 0) == 0)
                return (mode = st.st_ino == PROC_PID_INIT_INO ? PID1_BOOT : PID1_CONTAINER);
        /* No procfs at all: a container that may not make one, where touching nothing is the safe
         * guess. (A real boot always can: the sandbox needs Linux 5.12 for mount_setattr(2), so
         * the mount API of 5.2 is there.) */
        return (mode = PID1_CONTAINER);
}

/* ---- the console -------------------------------------------------------------------------------- */

/* A status line as an init prints them: "[  OK  ] Started blog", "         Stopping mail...". */
_printf_(2, 3) static void status_line(const char *tag, const char *fmt, ...) {
        char text[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        if (tag)
                fprintf(stderr, "[%s] %s\n", tag, text);
        else
                fprintf(stderr, "         %s\n", text);
}

/* Fds 0, 1 and 2 on /dev/console, where the kernel could not open it for us. */
static void console_fds(void) {
        _cleanup_close_ int fd = -EBADF;
        for (int i = 0; i <= 2; i++) {
                if (fcntl(i, F_GETFD) >= 0)
                        continue;
                if (fd < 0 && (fd = open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
                        return;
                (void) dup2(fd, i);
        }
}

/* In a child, before execve: the console as controlling terminal of a session of its own, the
 * signal state of a fresh process, no fd of svcd's. Only async-signal-safe calls: the parent may
 * have threads, or be in a crash handler. */
static void child_on_console(void) {
        struct sigaction dfl = { .sa_handler = SIG_DFL };
        sigemptyset(&dfl.sa_mask);
        for (int sig = 1; sig < _NSIG; sig++)
                (void) sigaction(sig, &dfl, NULL);
        (void) sigprocmask(SIG_SETMASK, &dfl.sa_mask, NULL);
        (void) setsid();
        int fd = open("/dev/console", O_RDWR);
        if (fd >= 0) {
                (void) ioctl(fd, TIOCSCTTY, 1); /* taken from a session that has it */
                for (int i = 0; i <= 2; i++)
                        (void) dup2(fd, i);
        }
        (void) close_range(3, ~0U, 0);
}

static pid_t spawn_on_console(const char *path, char *const argv[]) {
        pid_t pid = fork();
        if (pid != 0)
                return pid < 0 ? -errno : pid;
        child_on_console();
        execv(path, argv);
        _exit(127);
}

/* Waits for PID, reaping whatever else ends meanwhile (orphans keep coming to PID 1). */
static void wait_for(pid_t pid) {
        for (;;) {
                pid_t p = waitpid(-1, NULL, 0);
                if (p == pid || (p < 0 && errno != EINTR))
                        return;
        }
}

/* PID 1 that cannot go on: it still reaps, so the box's zombies do not pile up. Only
 * async-signal-safe calls (the crash handler ends here). */
static _noreturn_ void freeze(void) {
        static const char msg[] = "svcd: freezing; reset the machine to restart it\n";
        ssize_t k _unused_ = write(STDERR_FILENO, msg, sizeof(msg) - 1);
        for (;;)
                if (waitpid(-1, NULL, 0) < 0)
                        sleep(5);
}

/* ---- a real boot ---------------------------------------------------------------------------- */

/* The last mount at "/" in mountinfo (the one on top) is the root of the mount tree when its
 * parent is itself: that is the initramfs' rootfs, whose lack of a parent is why pivot_root(2)
 * fails with EINVAL in every sandbox. */
static bool root_is_rootfs(int proc) {
        int fd = openat(proc, "self/mountinfo", O_RDONLY | O_CLOEXEC);
        _cleanup_fclose_ FILE *f = fd >= 0 ? fdopen(fd, "re") : NULL;
        if (!f) {
                safe_close(fd);
                return false;
        }
        char line[4096];
        bool top_is_root = false;
        while (fgets(line, sizeof(line), f)) {
                unsigned id, parent;
                char where[2048];
                if (sscanf(line, "%u %u %*s %*s %2047s", &id, &parent, where) == 3 && streq(where, "/"))
                        top_is_root = id == parent;
        }
        return top_is_root;
}

/* switch_root without the copying (small-box.md, tested): a recursive bind of / is moved on top
 * of / and becomes the root, a mount with a parent, so that the sandboxes can pivot_root. */
static int leave_rootfs(void) {
        static const char dir[] = "/.svc-root";
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return log_error_errno(-errno, "Cannot create %s: %m", dir);
        if (mount("/", dir, NULL, MS_BIND | MS_REC, NULL) < 0)
                return log_error_errno(-errno, "Cannot bind / to %s: %m", dir);
        if (chdir(dir) < 0 || mount(dir, "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 || chdir("/") < 0)
                return log_error_errno(-errno, "Cannot move the root off the initramfs: %m");
        (void) rmdir(dir); /* the same directory, seen from the new root */
        log_debug("Left the initramfs root for a bind mount of it");
        return 0;
}

static bool is_mount_point(const char *path) {
        struct statx sx;
        if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_BASIC_STATS, &sx) < 0)
                return false;
        return (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
               (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

/* What a real boot mounts where nothing is mounted yet, in this order. */
static const struct early_mount {
        const char *type, *where, *options;
        unsigned long flags;
        bool needed; /* svcd cannot run without it */
} early_mounts[] = {
        { "proc", "/proc", NULL, MS_NOSUID | MS_NODEV | MS_NOEXEC, true },
        { "sysfs", "/sys", NULL, MS_NOSUID | MS_NODEV | MS_NOEXEC, false },
        { "devtmpfs", "/dev", "mode=0755", MS_NOSUID, true },
        { "devpts", "/dev/pts", "mode=0620,gid=5,ptmxmode=000", MS_NOSUID | MS_NOEXEC, false },
        { "tmpfs", "/dev/shm", "mode=1777", MS_NOSUID | MS_NODEV, false },
        { "tmpfs", "/run", "mode=0755", MS_NOSUID | MS_NODEV, false },
        { "cgroup2", "/sys/fs/cgroup", "nsdelegate", MS_NOSUID | MS_NODEV | MS_NOEXEC, false },
};

static int mount_early(void) {
        for (size_t i = 0; i < ELEMENTSOF(early_mounts); i++) {
                const struct early_mount *e = &early_mounts[i];
                if (is_mount_point(e->where))
                        continue;
                (void) mkdir(e->where, 0755);
                if (mount(e->type, e->where, e->type, e->flags, e->options) >= 0) {
                        log_debug("Mounted %s on %s", e->type, e->where);
                        continue;
                }
                int r = -errno;
                if (e->needed)
                        return log_error_errno(r, "Cannot mount %s on %s: %m", e->type, e->where);
                log_warning_errno(r, "Cannot mount %s on %s: %m", e->type, e->where);
        }
        return 0;
}

static void set_hostname(void) {
        _cleanup_free_ char *text = NULL;
        if (read_full_file("/etc/hostname", &text, NULL) < 0)
                return;
        text[strcspn(text, " \t\r\n")] = '\0';
        if (text[0] == '\0')
                return;
        if (sethostname(text, strlen(text)) < 0)
                log_warning_errno(-errno, "Cannot set the hostname to %s: %m", text);
        else
                log_debug("Hostname %s", text);
}

/* The words of the kernel command line as the kernel reads them: spaces separate, double quotes
 * group ("svc.run=\"/bin/prog arg\""), "--" ends what belongs to the kernel. Calls FN for each. */
static void for_each_kernel_word(void (*fn)(const char *word)) {
        _cleanup_free_ char *text = NULL;
        if (read_full_file("/proc/cmdline", &text, NULL) < 0)
                return;
        _cleanup_free_ char *word = malloc(strlen(text) + 1);
        for (const char *p = text; word && *p;) {
                while (*p == ' ' || *p == '\t' || *p == '\n')
                        p++;
                size_t n = 0;
                for (bool quoted = false; *p && (quoted || !strchr(" \t\n", *p)); p++)
                        if (*p == '"')
                                quoted = !quoted;
                        else
                                word[n++] = *p;
                word[n] = '\0';
                if (streq(word, "--"))
                        return;
                if (n > 0)
                        fn(word);
        }
}

static void kernel_word(const char *word) {
        static const struct {
                const char *name;
                enum log_level level;
        } levels[] = {
                { "err", LOG_LEVEL_ERR },   { "warning", LOG_LEVEL_WARNING }, { "notice", LOG_LEVEL_NOTICE },
                { "info", LOG_LEVEL_INFO }, { "debug", LOG_LEVEL_DEBUG },
        };
        /* Like the kernel's own "quiet": the console keeps notices, warnings, errors and the
         * status lines. */
        if (streq(word, "quiet"))
                log_set_max_level(LOG_LEVEL_NOTICE);
        else if (strneq(word, "svc.run=", 8)) {
                free(run_program);
                run_program = strdup(word + 8);
        } else if (strneq(word, "svc.log_level=", 14)) {
                for (size_t i = 0; i < ELEMENTSOF(levels); i++)
                        if (streq(word + 14, levels[i].name))
                                log_set_max_level(levels[i].level);
        }
}

/* PID 1 that crashes must not panic the box: a message, the emergency shell, then a freeze.
 * Only async-signal-safe calls; on a stack of its own, for a stack overflow. */
static void on_crash(int sig) {
        static const char head[] = "\nsvcd: PID 1 crashed (SIG";
        static const char tail[] = "); the services are left as they are\n";
        const char *name = sigabbrev_np(sig);
        ssize_t k _unused_ = write(STDERR_FILENO, head, sizeof(head) - 1);
        k = write(STDERR_FILENO, name ? name : "?", name ? strlen(name) : 1);
        k = write(STDERR_FILENO, tail, sizeof(tail) - 1);
        if (access(EMERGENCY_SHELL, X_OK) == 0) {
                pid_t pid = _Fork();
                if (pid == 0) {
                        child_on_console();
                        execl(EMERGENCY_SHELL, "-sh", (char *) NULL);
                        _exit(127);
                }
                if (pid > 0)
                        wait_for(pid);
        }
        freeze();
}

static void install_crash_handlers(void) {
        static char stack[64 * 1024];
        stack_t ss = { .ss_sp = stack, .ss_size = sizeof(stack) };
        (void) sigaltstack(&ss, NULL);
        /* SA_RESETHAND: a crash inside the handler ends it (and the box) instead of looping. */
        struct sigaction sa = { .sa_handler = on_crash, .sa_flags = SA_ONSTACK | SA_RESETHAND };
        sigemptyset(&sa.sa_mask);
        int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
        for (size_t i = 0; i < ELEMENTSOF(sigs); i++)
                (void) sigaction(sigs[i], &sa, NULL);
}

static int setup_boot(void) {
        console_fds();
        /* The kernel gives init no PATH; the children (svc.run=, the emergency shell) want one. */
        (void) setenv("PATH", SVC_DEFAULT_PATH, 0);
        {
                _cleanup_close_ int proc = open_procfs();
                if (proc >= 0 && root_is_rootfs(proc) && leave_rootfs() < 0)
                        return -EINVAL;
        }
        int r = mount_early();
        if (r < 0)
                return r;
        console_fds(); /* /dev/console exists now, if it did not before */
        for_each_kernel_word(kernel_word);
        log_notice("Running as PID 1 of the machine (a real boot)");
        set_hostname();
        r = sandbox_loopback_up();
        if (r < 0)
                log_warning_errno(r, "Cannot bring lo up: %m");
        /* ctrl-alt-del becomes SIGINT to PID 1, which reboots after an orderly shutdown. */
        if (reboot(RB_DISABLE_CAD) < 0)
                log_warning_errno(-errno, "Cannot turn ctrl-alt-del into a signal: %m");
        install_crash_handlers();
        return 0;
}

static int setup_container(void) {
        /* A /proc of another PID namespace (unshare --pid --fork without --mount-proc) numbers
         * processes differently from svcd: the services' processes would not be recognised. */
        char self[32] = "";
        ssize_t k = readlink("/proc/self", self, sizeof(self) - 1);
        if (k < 0 || !streq(self, "1"))
                log_warning("/proc belongs to another PID namespace (or is missing); mount a /proc of "
                            "this one (unshare --mount-proc)");
        log_info("Running as PID 1 of a PID namespace (a container): no mounts, shutdown ends in exit");
        return 0;
}

int pid1_setup(void) {
        switch (mode) {
        case PID1_BOOT:
                return setup_boot();
        case PID1_CONTAINER:
                return setup_container();
        default:
                return 0;
        }
}

/* ---- signals, services, hooks --------------------------------------------------------------- */

/* finit's and procd's mapping; ctrl-alt-del arrives as SIGINT once RB_DISABLE_CAD is set. */
static const struct {
        int sig;
        enum shutdown_kind kind;
} shutdown_signals[] = {
        { SIGINT, SHUTDOWN_REBOOT },    { SIGTERM, SHUTDOWN_POWEROFF }, { SIGPWR, SHUTDOWN_POWEROFF },
        { SIGUSR2, SHUTDOWN_POWEROFF }, { SIGUSR1, SHUTDOWN_HALT },
};

void pid1_add_shutdown_signals(sigset_t *set) {
        for (size_t i = 0; i < ELEMENTSOF(shutdown_signals); i++)
                sigaddset(set, shutdown_signals[i].sig);
}

bool pid1_shutdown_signal(int sig, enum shutdown_kind *ret_kind) {
        for (size_t i = 0; i < ELEMENTSOF(shutdown_signals); i++)
                if (shutdown_signals[i].sig == sig) {
                        *ret_kind = shutdown_signals[i].kind;
                        return true;
                }
        return false;
}

void pid1_started(void) {
        if (mode != PID1_BOOT || isempty(run_program))
                return;
        /* svc.run="/bin/sh -l": words separated by spaces, no quoting of its own. */
        _cleanup_free_ char *words = strdup(run_program);
        char *argv[16] = { 0 }, *save = NULL;
        size_t n = 0;
        for (char *w = words ? strtok_r(words, " ", &save) : NULL; w && n < ELEMENTSOF(argv) - 1;
             w = strtok_r(NULL, " ", &save))
                argv[n++] = w;
        if (n == 0)
                return;
        pid_t pid = spawn_on_console(argv[0], argv);
        if (pid < 0)
                log_error_errno(pid, "Cannot run svc.run=%s: %m", run_program);
        else {
                log_info("Running svc.run=%s (pid %d) on the console", run_program, (int) pid);
                run_pid = pid;
        }
}

/* One line per change worth a line, in systemd's words. */
static void describe_change(const struct service *s, enum svc_state old, const char *desc) {
        enum svc_state now = s->sm.state;
        bool ok = s->sm.result == RESULT_SUCCESS;
        _cleanup_free_ char *d = service_describe(s);
        const char *name = s->name, *why = d ? d : svc_result_to_string(s->sm.result);
        if (now == SVC_STARTING)
                status_line(NULL, "Starting %s%s...", name, desc);
        else if (now == SVC_RUNNING && old == SVC_STARTING)
                status_line("  OK  ", "Started %s%s", name, desc);
        else if (now == SVC_RUNNING && old == SVC_RELOADING)
                status_line("  OK  ", "Reloaded %s%s", name, desc);
        else if (now == SVC_STOPPING)
                status_line(NULL, "Stopping %s%s...", name, desc);
        else if (now == SVC_INACTIVE && (old == SVC_STOPPING || old == SVC_BACKING_OFF))
                status_line("  OK  ", "Stopped %s%s", name, desc);
        else if (now == SVC_INACTIVE && old == SVC_STARTING && ok)
                status_line("  OK  ", "Finished %s%s", name, desc);
        else if (s->sm.result == RESULT_DEPENDENCY)
                status_line("DEPEND", "Dependency failed for %s: %s", name, why);
        else if (old == SVC_STARTING)
                status_line("FAILED", "Failed to start %s: %s", name, why);
        else if (now == SVC_INACTIVE && old != SVC_FAILED)
                status_line(NULL, "%s exited: %s", name, why);
        else if (now == SVC_FAILED || now == SVC_BACKING_OFF)
                status_line("FAILED", "%s failed: %s", name, why);
}

static void on_service_changed(void *userdata _unused_, struct service *s, enum svc_state old) {
        if (mode == PID1_NONE || s->sm.state == old)
                return;
        _cleanup_free_ char *desc = NULL;
        if (s->unit && !isempty(s->unit->description) && asprintf(&desc, " - %s", s->unit->description) < 0)
                desc = NULL;
        describe_change(s, old, desc ? desc : "");
}

/* ---- the end ---------------------------------------------------------------------------------- */

/* Reaps until PID 1 has no child left (true) or TIMEOUT passes (false). Every process of the
 * box descends from PID 1, so no child left means nothing left, kernel threads aside. */
static bool reap_all(uint64_t timeout) {
        sigset_t chld;
        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        (void) sigprocmask(SIG_BLOCK, &chld, NULL);
        uint64_t deadline = now_usec(CLOCK_MONOTONIC) + timeout;
        for (;;) {
                pid_t p;
                while ((p = waitpid(-1, NULL, WNOHANG)) > 0)
                        ;
                if (p < 0 && errno == ECHILD)
                        return true;
                uint64_t now = now_usec(CLOCK_MONOTONIC);
                if (now >= deadline)
                        return false;
                uint64_t left = MIN(deadline - now, 100 * USEC_PER_MSEC);
                struct timespec ts = { .tv_sec = (time_t) (left / USEC_PER_SEC),
                                       .tv_nsec = (long) (left % USEC_PER_SEC * NSEC_PER_USEC) };
                (void) sigtimedwait(&chld, NULL, &ts);
        }
}

static void kill_remaining(void) {
        /* The svc.run= program's session first, as a console hang-up would: shells ignore TERM. */
        if (run_pid > 0)
                (void) kill(-run_pid, SIGHUP);
        if (reap_all(0))
                return;
        log_notice("Sending SIGTERM to the remaining processes");
        (void) kill(-1, SIGTERM);
        (void) kill(-1, SIGCONT);
        if (reap_all(KILL_GRACE_USEC))
                return;
        log_notice("Sending SIGKILL to the remaining processes");
        (void) kill(-1, SIGKILL);
        if (!reap_all(KILL_REAP_USEC))
                log_warning("Some processes could not be reaped");
}

/* In place: mountinfo writes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s) {
        char *o = s;
        for (const char *i = s; *i; o++)
                if (i[0] == '\\' && strspn(i + 1, "01234567") >= 3) {
                        *o = (char) ((i[1] - '0') * 64 + (i[2] - '0') * 8 + (i[3] - '0'));
                        i += 4;
                } else
                        *o = *i++;
        *o = '\0';
}

/* The mount points of mountinfo, in its order (parents before children), unescaped. */
static char **list_mounts(void) {
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        char **l = NULL, line[4096], where[2048];
        while (f && fgets(line, sizeof(line), f))
                if (sscanf(line, "%*s %*s %*s %*s %2047s", where) == 1) {
                        unescape_octal(where);
                        if (strv_extend(&l, where) < 0)
                                break;
                }
        return l;
}

/* The kernel's own file systems hold nothing to save, and /proc is needed to list the rest. */
static bool is_api_mount(const char *where) {
        static const char *const api[] = { "/proc", "/sys", "/dev" };
        for (size_t i = 0; i < ELEMENTSOF(api); i++) {
                size_t n = strlen(api[i]);
                if (strneq(where, api[i], n) && (where[n] == '\0' || where[n] == '/'))
                        return true;
        }
        return false;
}

/* One pass over the mounts, children first: true when something was unmounted. */
static bool unmount_round(void) {
        _cleanup_strv_free_ char **l = list_mounts();
        bool progress = false;
        for (size_t i = strv_length(l); i-- > 0;) {
                if (streq(l[i], "/") || is_api_mount(l[i]) || umount2(l[i], UMOUNT_NOFOLLOW) < 0)
                        continue;
                log_info("Unmounted %s", l[i]);
                progress = true;
        }
        return progress;
}

/* Unmounts what can be (a parent busy with a child goes in a later round); what stays, / among
 * them, is remounted read-only. */
static void unmount_all(void) {
        log_notice("Unmounting file systems");
        for (int round = 0; round < 4 && unmount_round(); round++)
                ;
        _cleanup_strv_free_ char **l = list_mounts();
        for (size_t i = strv_length(l); i-- > 0;) {
                if (is_api_mount(l[i]))
                        continue;
                if (mount(NULL, l[i], NULL, MS_REMOUNT | MS_RDONLY, NULL) >= 0)
                        log_info("Remounted %s read-only", l[i]);
                else
                        log_warning_errno(-errno, "Cannot remount %s read-only: %m", l[i]);
        }
}

static _noreturn_ void finish_boot(enum shutdown_kind kind) {
        static const struct {
                int cmd;
                const char *what;
        } cmds[_SHUTDOWN_MAX] = {
                [SHUTDOWN_EXIT] = { RB_POWER_OFF, "Powering off" }, /* PID 1 cannot exit */
                [SHUTDOWN_POWEROFF] = { RB_POWER_OFF, "Powering off" },
                [SHUTDOWN_REBOOT] = { RB_AUTOBOOT, "Rebooting" },
                [SHUTDOWN_HALT] = { RB_HALT_SYSTEM, "Halting" },
        };
        kill_remaining();
        log_notice("Syncing file systems");
        sync();
        unmount_all();
        sync();
        log_notice("%s", cmds[kind].what);
        (void) reboot(cmds[kind].cmd);
        log_error_errno(-errno, "reboot(2) failed: %m");
        freeze();
}

int pid1_finish(enum shutdown_kind kind, int status) {
        static const char *const what[_SHUTDOWN_MAX] = { "exit", "power off", "reboot", "halt" };
        switch (mode) {
        case PID1_BOOT:
                finish_boot(kind);
        case PID1_CONTAINER:
                kill_remaining();
                if (kind != SHUTDOWN_EXIT)
                        log_info("In a container: exiting instead of %s", what[kind]);
                log_info("Exiting with status %d", status);
                exit(status);
        default:
                if (kind != SHUTDOWN_EXIT)
                        log_info("Not PID 1: exiting instead of %s", what[kind]);
                return status;
        }
}

int pid1_fail(void) {
        if (mode == PID1_NONE)
                return 1;
        if (mode == PID1_CONTAINER) {
                kill_remaining();
                exit(1);
        }
        status_line("FAILED", "svcd cannot supervise; PID 1 must not exit");
        if (access(EMERGENCY_SHELL, X_OK) < 0) {
                log_error("No emergency shell (%s)", EMERGENCY_SHELL);
                freeze();
        }
        log_error("Starting an emergency shell on the console; the machine reboots when it exits");
        char *argv[] = { (char *) "-sh", NULL };
        pid_t pid = spawn_on_console(EMERGENCY_SHELL, argv);
        if (pid < 0) {
                log_error_errno(pid, "Cannot start %s: %m", EMERGENCY_SHELL);
                freeze();
        }
        wait_for(pid);
        log_notice("The emergency shell exited");
        finish_boot(SHUTDOWN_REBOOT);
}

const struct manager_observer pid1_observer = { .service_changed = on_service_changed };
