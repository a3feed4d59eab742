/* SPDX-License-Identifier: MIT */
/* Runs inside a sandbox and reports what it may do, one "NAME OUTCOME" line per probe, where
 * OUTCOME is "ok" or the errno name. With "listen", serves one connection on a socket passed by
 * socket activation and checks LISTEN_PID/LISTEN_FDS. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

static void report(const char *name, long r) {
        printf("%s %s\n", name, r < 0 ? strerrorname_np(errno) : "ok");
}

static long probe_tiocsti(void) {
        int fd = posix_openpt(O_RDWR | O_NOCTTY);
        if (fd < 0)
                return -1;
        char c = 'x';
        long r = ioctl(fd, TIOCSTI, &c);
        int e = errno;
        close(fd);
        errno = e;
        return r;
}

static void probes(void) {
        report("mount", mount("tmpfs", "/tmp", "tmpfs", 0, NULL));
        report("umount", umount2("/proc", MNT_DETACH));
        report("unshare-mnt", unshare(CLONE_NEWNS));
        report("unshare-user", unshare(CLONE_NEWUSER | CLONE_NEWNS));
        report("unshare-net", unshare(CLONE_NEWNET));
        report("mknod", mknod("/tmp/probe-null", S_IFCHR | 0666, makedev(1, 3)));
        report("pivot_root", syscall(SYS_pivot_root, "/tmp", "/tmp"));
        report("ptrace-traceme", ptrace(PTRACE_TRACEME, 0, NULL, NULL));
        report("ptrace-attach-1", ptrace(PTRACE_ATTACH, 1, NULL, NULL));
        report("keyctl", syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -1, 0));
        report("bpf", syscall(SYS_bpf, 0, NULL, 0));
        report("tiocsti", probe_tiocsti());
        int fd = open("/proc/sys/kernel/hostname", O_WRONLY);
        report("write-proc-sys", fd < 0 ? -1 : write(fd, "x", 1));
        if (fd >= 0)
                close(fd);
        fd = open("/proc/sysrq-trigger", O_WRONLY);
        report("write-sysrq", fd < 0 ? -1 : 0);
        if (fd >= 0)
                close(fd);
        fd = open("/proc/1/exe", O_RDONLY);
        report("open-init-exe", fd);
        if (fd >= 0)
                close(fd);
        fd = open("/proc/kcore", O_RDONLY);
        char b;
        report("read-kcore", fd < 0 ? -1 : read(fd, &b, 1) == 1 ? 0 : (errno = ENODATA, -1));
        if (fd >= 0)
                close(fd);
        report("chroot", chroot("/"));
}

/* Socket activation: fd 3, LISTEN_PID == getpid(). Answers one connection. */
static int serve(void) {
        const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS"),
                   *names = getenv("LISTEN_FDNAMES");
        if (!pid || atoi(pid) != getpid() || !fds || atoi(fds) != 1) {
                fprintf(stderr, "bad activation: LISTEN_PID=%s (pid %d) LISTEN_FDS=%s\n", pid ? pid : "-",
                        getpid(), fds ? fds : "-");
                return 1;
        }
        int c = accept(3, NULL, NULL);
        if (c < 0)
                return 1;
        char msg[256];
        int n = snprintf(msg, sizeof(msg), "activated %s pid %d\n", names ? names : "-", getpid());
        if (write(c, msg, (size_t) n) != n)
                return 1;
        close(c);
        return 0;
}

/* Forks children that wait, as fast as it can, and never gives up when fork fails. */
static int forkstorm(void) {
        for (;;) {
                pid_t p = fork();
                if (p == 0)
                        for (;;)
                                pause();
                if (p < 0)
                        usleep(10000);
        }
        return 0;
}

/* Allocates and touches MB megabytes, then waits: the OOM killer's target. */
static int memhog(long mb) {
        for (long i = 0; i < mb; i++) {
                char *p = malloc(1 << 20);
                if (!p)
                        return 1;
                memset(p, (int) i, 1 << 20);
        }
        printf("survived %ld MB\n", mb);
        fflush(stdout);
        pause();
        return 0;
}

/* The fds this process got, without the one that reads the directory. */
static int list_fds(void) {
        DIR *d = opendir("/proc/self/fd");
        if (!d)
                return 1;
        struct dirent *de;
        printf("fds:");
        while ((de = readdir(d)))
                if (de->d_name[0] != '.' && atoi(de->d_name) != dirfd(d))
                        printf(" %s", de->d_name);
        printf("\n");
        closedir(d);
        return 0;
}

int main(int argc, char **argv) {
        if (argc > 1 && strcmp(argv[1], "fds") == 0)
                return list_fds();
        if (argc > 1 && strcmp(argv[1], "forkstorm") == 0)
                return forkstorm();
        if (argc > 2 && strcmp(argv[1], "memhog") == 0)
                return memhog(atol(argv[2]));
        if (argc > 1 && strcmp(argv[1], "listen") == 0) {
                for (;;)
                        if (serve() != 0)
                                return 1;
        }
        probes();
        return 0;
}
