/* SPDX-License-Identifier: MIT */
/* Runs inside a service and tries what the hardening keys govern, one probe per argument, each in
 * a child of its own so that a probe the filter kills does not end the others. Prints one line per
 * probe: "NAME ok", "NAME EPERM" (the errno's name) or "NAME SIGSYS" (the signal that ended it).
 * A probe NAME=ARG takes an argument: open=/dev/net/tun, connect=10.0.0.1:80. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long map(int prot) {
        void *p = mmap(NULL, 4096, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        return p == MAP_FAILED ? -1 : 0;
}

static long mprotect_exec(void) {
        void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        return p == MAP_FAILED ? -1 : mprotect(p, 4096, PROT_READ | PROT_EXEC);
}

static long sched(int policy, int priority) {
        struct sched_param sp = { .sched_priority = priority };
        return sched_setscheduler(0, policy, &sp);
}

static long chmod_mode(mode_t mode) {
        char path[64];
        snprintf(path, sizeof(path), "/tmp/probe-%d", (int) getpid());
        int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
        if (fd < 0)
                return -1;
        close(fd);
        long r = chmod(path, mode);
        int e = errno;
        unlink(path);
        errno = e;
        return r;
}

static long sock(int family, int type) {
        int fd = socket(family, type | SOCK_CLOEXEC, 0);
        if (fd >= 0)
                close(fd);
        return fd < 0 ? -1 : 0;
}

/* getpid through the x32 ABI (the 0x40000000 bit): what SystemCallArchitectures=native forbids.
 * A kernel without x32 answers ENOSYS; the filter acts before the kernel looks. */
static long x32_getpid(void) {
#if defined(__x86_64__)
        return syscall(0x40000000 | SYS_getpid) < 0 ? -1 : 0;
#else
        errno = ENOSYS;
        return -1;
#endif
}

static long connect_to(const char *arg) {
        char host[64];
        const char *colon = strrchr(arg, ':');
        if (!colon || (size_t) (colon - arg) >= sizeof(host))
                return errno = EINVAL, -1;
        snprintf(host, sizeof(host), "%.*s", (int) (colon - arg), arg);
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t) atoi(colon + 1)) };
        inet_pton(AF_INET, host, &sa.sin_addr);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -1;
        struct timeval tv = { .tv_sec = 3 };
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        long r = connect(fd, (struct sockaddr *) &sa, sizeof(sa));
        int e = errno;
        close(fd);
        errno = e;
        return r;
}

static long open_path(const char *path) {
        int fd = open(path, O_RDWR | O_CLOEXEC);
        if (fd >= 0)
                close(fd);
        return fd < 0 ? -1 : 0;
}

static long probe(const char *name, const char *arg) {
        struct utsname u;
        struct timespec ts = { 0 };
        if (strcmp(name, "uname") == 0)
                return uname(&u);
        if (strcmp(name, "mount") == 0)
                return mount("tmpfs", "/tmp", "tmpfs", 0, NULL);
        if (strcmp(name, "mmap-w") == 0)
                return map(PROT_READ | PROT_WRITE);
        if (strcmp(name, "mmap-wx") == 0)
                return map(PROT_WRITE | PROT_EXEC);
        if (strcmp(name, "mprotect-x") == 0)
                return mprotect_exec();
        if (strcmp(name, "sched-fifo") == 0)
                return sched(SCHED_FIFO, 1);
        if (strcmp(name, "sched-fifo0") == 0)
                return sched(SCHED_FIFO, 0);
        if (strcmp(name, "sched-batch") == 0)
                return sched(SCHED_BATCH, 0);
        if (strcmp(name, "chmod-suid") == 0)
                return chmod_mode(04755);
        if (strcmp(name, "chmod-sgid") == 0)
                return chmod_mode(02755);
        if (strcmp(name, "chmod-plain") == 0)
                return chmod_mode(0755);
        if (strcmp(name, "personality-linux32") == 0)
                return personality(PER_LINUX32) < 0 ? -1 : 0;
        if (strcmp(name, "personality-linux") == 0)
                return personality(PER_LINUX) < 0 ? -1 : 0;
        if (strcmp(name, "socket-inet") == 0)
                return sock(AF_INET, SOCK_STREAM);
        if (strcmp(name, "socket-inet6") == 0)
                return sock(AF_INET6, SOCK_STREAM);
        if (strcmp(name, "socket-unix") == 0)
                return sock(AF_UNIX, SOCK_STREAM);
        if (strcmp(name, "socket-netlink") == 0)
                return sock(AF_NETLINK, SOCK_RAW);
        if (strcmp(name, "unshare-net") == 0)
                return unshare(CLONE_NEWNET);
        if (strcmp(name, "x32-getpid") == 0)
                return x32_getpid();
        if (strcmp(name, "settime") == 0)
                return clock_settime(CLOCK_REALTIME, &ts);
        if (strcmp(name, "sethostname") == 0)
                return sethostname("x", 1);
        if (strcmp(name, "syslog") == 0)
                return syscall(SYS_syslog, 10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
        if (strcmp(name, "open") == 0 && arg)
                return open_path(arg);
        if (strcmp(name, "connect") == 0 && arg)
                return connect_to(arg);
        errno = EINVAL;
        return -1;
}

static void run(const char *spec) {
        char name[64];
        const char *eq = strchr(spec, '=');
        snprintf(name, sizeof(name), "%.*s", (int) (eq ? (size_t) (eq - spec) : strlen(spec)), spec);
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
                long r = probe(name, eq ? eq + 1 : NULL);
                printf("%s %s\n", spec, r < 0 ? strerrorname_np(errno) : "ok");
                fflush(stdout);
                _exit(0);
        }
        int status;
        if (pid < 0 || waitpid(pid, &status, 0) < 0)
                printf("%s fork-failed\n", spec);
        else if (WIFSIGNALED(status))
                printf("%s SIG%s\n", spec, sigabbrev_np(WTERMSIG(status)));
}

int main(int argc, char **argv) {
        for (int i = 1; i < argc; i++)
                run(argv[i]);
        return 0;
}
