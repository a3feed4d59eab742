/* SPDX-License-Identifier: MIT */
/* The floor of benchmark 1: the work `svc run --tree TREE /bin/true` does, in the same order,
 * with the fewest syscalls a careful C program needs and nothing else: no argument parsing
 * beyond two paths, no allocation, no library but libc, no protocol between the caller and
 * PID 1, no ns-init executed from a memfd.
 *
 *   floor TREE SCRATCH [PROG]
 *
 * TREE is the root tree (bound read-only at /), SCRATCH an existing empty directory where the
 * root is assembled (svc uses ROOT/run/svc/sandbox), PROG the program run inside (/bin/true).
 * Exits with PROG's status (128+N when killed by signal N, 125 when the floor itself fails).
 *
 * What it does, mirroring sandbox/start.c, sandbox/mounts.c and sandbox/launch.c:
 *   caller: /dev/null as stdin, clone3 into new mount, PID, network, UTS and IPC namespaces
 *     (with a pidfd, as svc), wait for PID 1.
 *   PID 1: parent-death signal; / private (recursive); a tmpfs on SCRATCH, SCRATCH/root; the
 *     tree bound read-only (open_tree + mount_setattr + move_mount: read-only from the first
 *     moment, as svc); /proc with Docker's read-only paths (bind + remount) and masks (an
 *     empty read-only tmpfs on a directory, /dev/null bound on a file); a tmpfs /dev with null,
 *     zero, full, random, urandom, tty bound from the host (nosuid,noexec), the five symlinks,
 *     devpts and /dev/shm; tmpfs /tmp, /var/tmp, /run; sysfs read-only; pivot_root(".", ".")
 *     and detach of the old root; / and /dev remounted read-only; hostname; lo up. Then it
 *     forks the command (ns-init's job) and reaps it.
 *   the command: default signal dispositions and an empty mask, setsid, fds 0-2 in place and
 *     the rest closed, oom_score_adj, umask 022, chdir /, the bounding set reduced to Docker's
 *     default capabilities without CAP_MKNOD, no_new_privs, svc's own seccomp filter (the
 *     generated build/gen/seccomp-bpf.h, loaded as sandbox/seccomp.c does), setgroups, setresgid,
 *     setresuid, capset, execve.
 *
 * What it leaves out, on purpose (features of svc, not the sandbox's work): mount targets are
 * resolved by path, not inside the tree with openat2(RESOLVE_IN_ROOT) and held by fd; no
 * reading of the tree's /etc/passwd; no sealed memfd with ns-init and no execveat of it; no
 * SOCK_SEQPACKET protocol (spawn message, started/exited reports); no sync pipe; no library
 * check. tests/bench/FINDINGS.md says what each of these costs. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/filter.h>
#include <linux/mount.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "seccomp-bpf.h"

#define FAIL 125

static const char *tree, *scratch, *prog;
static char root[2048];

static _Noreturn void die(const char *what, const char *path) {
        char buf[512];
        int n = snprintf(buf, sizeof(buf), "floor: %s %s: %s\n", what, path ? path : "", strerror(errno));
        ssize_t k = write(2, buf, (size_t) n);
        (void) k;
        _exit(FAIL);
}

/* PATH inside the new root, as a host path under SCRATCH/root. */
static const char *in_root(const char *path, char buf[static 4096]) {
        snprintf(buf, 4096, "%s%s", root, path);
        return buf;
}

static void mnt(const char *src, const char *path, const char *type, unsigned long flags, const char *data) {
        char p[4096];
        if (mount(src, in_root(path, p), type, flags, data) < 0)
                die("mount", p);
}

static void mkdir_in(const char *path) {
        char p[4096];
        if (mkdir(in_root(path, p), 0755) < 0 && errno != EEXIST)
                die("mkdir", p);
}

/* A read-only bind of PATH onto itself (Docker's readonlyPaths); missing ones are skipped. */
static void readonly(const char *path) {
        char p[4096];
        in_root(path, p);
        if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0) {
                if (errno == ENOENT)
                        return;
                die("bind", p);
        }
        /* The flags /proc has (nosuid,nodev,noexec) are kept, as mount_setattr keeps them in svc. */
        if (mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                die("remount read-only", p);
}

/* Docker's maskedPaths: an empty read-only tmpfs on a directory, /dev/null on a file. */
static void mask(const char *path) {
        char p[4096];
        struct stat st;
        if (lstat(in_root(path, p), &st) < 0) {
                if (errno == ENOENT)
                        return;
                die("stat", p);
        }
        if (S_ISDIR(st.st_mode)) {
                if (mount("tmpfs", p, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0,mode=0555") < 0)
                        die("mask", p);
                return;
        }
        if (mount("/dev/null", p, NULL, MS_BIND, NULL) < 0 ||
            mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID, NULL) < 0)
                die("mask", p);
}

static void dev_node(const char *name) {
        char src[64], p[4096];
        snprintf(src, sizeof(src), "/dev/%s", name);
        snprintf(p, sizeof(p), "%s/dev/%s", root, name);
        int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0)
                die("create", p);
        close(fd);
        if (mount(src, p, NULL, MS_BIND, NULL) < 0 ||
            mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NOEXEC, NULL) < 0)
                die("bind", p);
}

static void setup_root(void) {
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                die("make private", "/");
        if (mount("tmpfs", scratch, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") < 0)
                die("mount tmpfs on", scratch);
        snprintf(root, sizeof(root), "%s/root", scratch);
        if (mkdir(root, 0755) < 0)
                die("mkdir", root);
        /* The tree, read-only from the first moment. */
        int m = (int) syscall(SYS_open_tree, AT_FDCWD, tree, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
        struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV };
        if (m < 0 || syscall(SYS_mount_setattr, m, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)) < 0 ||
            syscall(SYS_move_mount, m, "", AT_FDCWD, root, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                die("bind the tree", tree);
        close(m);

        /* /proc and its read-only paths. */
        mnt("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
        static const char *const ro[] = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger" };
        for (size_t i = 0; i < sizeof(ro) / sizeof(ro[0]); i++)
                readonly(ro[i]);

        /* /dev: a tmpfs, six nodes, symlinks, devpts, shm. */
        mnt("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755,size=64k");
        static const char *const nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };
        for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++)
                dev_node(nodes[i]);
        static const char *const links[][2] = {
                { "/proc/self/fd", "/dev/fd" },       { "/proc/self/fd/0", "/dev/stdin" },
                { "/proc/self/fd/1", "/dev/stdout" }, { "/proc/self/fd/2", "/dev/stderr" },
                { "pts/ptmx", "/dev/ptmx" },
        };
        for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
                char p[4096];
                if (symlink(links[i][0], in_root(links[i][1], p)) < 0)
                        die("symlink", p);
        }
        mkdir_in("/dev/pts");
        mnt("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620");
        mkdir_in("/dev/shm");
        mnt("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777");

        /* /tmp, /var/tmp, /run. */
        mnt("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
        mnt("tmpfs", "/var/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
        mnt("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");

        /* /sys read-only, then the masks of /proc and /sys. */
        mnt("sysfs", "/sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
        static const char *const masked[] = {
                "/proc/asound",      "/proc/acpi",          "/proc/interrupts", "/proc/kcore",
                "/proc/keys",        "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                "/proc/sched_debug", "/proc/scsi",          "/sys/firmware",    "/sys/devices/virtual/powercap",
        };
        for (size_t i = 0; i < sizeof(masked) / sizeof(masked[0]); i++)
                mask(masked[i]);

        /* pivot_root(".", ".") and detach the old root. */
        if (chdir(root) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 || umount2(".", MNT_DETACH) < 0 ||
            chdir("/") < 0)
                die("pivot_root into", root);
        if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
                die("remount read-only", "/");
        if (mount(NULL, "/dev", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                die("remount read-only", "/dev");
        if (sethostname("svc-run", 7) < 0)
                die("sethostname", NULL);
}

static void loopback_up(void) {
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct ifreq ifr = { 0 };
        strcpy(ifr.ifr_name, "lo");
        if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
                die("lo", NULL);
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
                die("bring lo up", NULL);
        close(fd);
}

/* Docker's default capabilities without CAP_MKNOD (sandbox_default_caps()). */
static uint64_t default_caps(void) {
        static const int caps[] = { 0, 1, 3, 4, 5, 6, 7, 8, 10, 13, 18, 29, 31 };
        uint64_t m = 0;
        for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
                m |= 1ULL << caps[i];
        return m;
}

struct caps_header {
        uint32_t version;
        int pid;
};
struct caps_data {
        uint32_t effective, permitted, inheritable;
};

static _Noreturn void command(void) {
        struct sigaction dfl = { .sa_handler = SIG_DFL };
        for (int sig = 1; sig < _NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        (void) sigaction(sig, &dfl, NULL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (setsid() < 0)
                die("setsid", NULL);
        if (syscall(SYS_close_range, 3U, ~0U, 0) < 0)
                die("close_range", NULL);
        int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, "0", 1) != 1)
                die("oom_score_adj", NULL);
        close(fd);
        umask(022);
        if (chdir("/") < 0)
                die("chdir", "/");
        uint64_t keep = default_caps();
        for (int c = 0; c <= 63; c++)
                if (!(keep & (1ULL << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
                        die("drop capability", NULL);
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                die("no_new_privs", NULL);
        struct sock_fprog fp = { .len = SVC_SECCOMP_BPF_LEN, .filter = (struct sock_filter *) svc_seccomp_bpf };
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) < 0)
                die("seccomp", NULL);
        if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
                die("credentials", NULL);
        struct caps_header h = { .version = 0x20080522, .pid = 0 };
        struct caps_data d[2] = { { (uint32_t) keep, (uint32_t) keep, 0 },
                                  { (uint32_t) (keep >> 32), (uint32_t) (keep >> 32), 0 } };
        if (syscall(SYS_capset, &h, d) < 0)
                die("capset", NULL);
        char *argv[] = { (char *) prog, NULL };
        char *envp[] = { (char *) "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                         (char *) "HOME=/root", NULL };
        execve(prog, argv, envp);
        die("execve", prog);
}

static int status_to_code(int st) {
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* PID 1 of the sandbox: the root, lo, then the command, reaped. */
static _Noreturn void pid1(void) {
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
                die("pdeathsig", NULL);
        setup_root();
        loopback_up();
        pid_t pid = fork();
        if (pid < 0)
                die("fork", NULL);
        if (pid == 0)
                command();
        int st;
        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR)
                        die("waitpid", NULL);
        _exit(status_to_code(st));
}

int main(int argc, char **argv) {
        if (argc < 3) {
                fprintf(stderr, "floor TREE SCRATCH [PROG]\n");
                return 2;
        }
        tree = argv[1];
        scratch = argv[2];
        prog = argc > 3 ? argv[3] : "/bin/true";
        /* The command's stdin is /dev/null, as with svc run. */
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null < 0 || dup2(null, 0) < 0)
                die("open", "/dev/null");
        close(null);
        int pidfd = -1;
        struct clone_args ca = {
                .flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_PIDFD,
                .pidfd = (uint64_t) (uintptr_t) &pidfd,
                .exit_signal = SIGCHLD,
        };
        long pid = syscall(SYS_clone3, &ca, sizeof(ca));
        if (pid < 0)
                die("clone3", NULL);
        if (pid == 0)
                pid1();
        int st;
        while (waitpid((pid_t) pid, &st, 0) < 0)
                if (errno != EINTR)
                        die("waitpid", NULL);
        close(pidfd);
        return status_to_code(st);
}
