/* SPDX-License-Identifier: MIT */
/*
 * seccomp-gen: compiles svc's seccomp filter with libseccomp at build time and prints it on stdout
 * as a C header (build/gen/seccomp-bpf.h): `static const struct sock_filter svc_seccomp_bpf[]`.
 * sandbox/seccomp.c loads that array with seccomp(2), so neither svcd nor the static ns-init needs
 * libseccomp or malloc at run time. The output depends only on this file and the libseccomp
 * release (named in the header), never on the build machine's kernel or the time.
 *
 * THE POLICY. Docker's default profile (moby/profiles seccomp/default.json, commit 02e898b1)
 * is the model, turned inside out. Docker denies by default and allows a list; svc allows
 * by default and denies, with EPERM as Docker does, every syscall libseccomp can name that
 * Docker does not allow a container holding Docker's default capabilities. A service may run on
 * a kernel newer than this list, and its libc may use a syscall the list has never heard of:
 * that call works, while everything Docker forbids stays forbidden. docker_allowed[] below is
 * Docker's list, copied name for name; the deny list is computed from it per ABI and printed in
 * the header, so a reviewer can read what is denied. chroot is in Docker's allow list because
 * Docker's default capabilities include CAP_SYS_CHROOT, which svc's root services keep too.
 *
 * What that denies, among others: mount, umount, umount2, pivot_root, the new mount API (fsopen,
 * fsconfig, fsmount, fspick, open_tree, move_mount, mount_setattr), unshare, setns, keyctl,
 * add_key, request_key, bpf, kcmp, pidfd_getfd, process_madvise, kexec_load, kexec_file_load,
 * init_module, finit_module, delete_module, create_module, get_kernel_syms, query_module, reboot,
 * swapon, swapoff, acct, settimeofday, stime, clock_settime, syslog, open_by_handle_at,
 * perf_event_open, userfaultfd, fanotify_init, lookup_dcookie, quotactl, quotactl_fd, nfsservctl,
 * uselib, sysfs, ustat, _sysctl, vm86, vm86old, iopl, ioperm, sethostname, setdomainname,
 * vhangup, io_uring_*, mbind, get/set_mempolicy, move_pages, migrate_pages, and on i386 the old
 * calls Docker never listed (signal, sigaction, nice, ...).
 *
 * Argument rules, as Docker's:
 * - clone with any of CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET (Docker's
 *   mask 0x7e020000) in its flags: EPERM. libseccomp compares an argument once per rule and rules
 *   are OR'ed, so that is one masked rule per flag. The flags are argument 0 on every ABI but
 *   s390's (argument 1); x86-64's different order of the last two arguments does not matter here.
 *   The kernel reads the low 32 bits of the flags only, and so does a masked compare.
 * - clone3: ENOSYS, Docker's trick. Its flags sit in a struct a filter cannot read; glibc then
 *   falls back to clone, whose flags the rule above can.
 * - personality: only 0, 8 (PER_LINUX32), 0x20000 (UNAME26), 0x20008 and 0xffffffff (the query).
 *   "None of five" has to become deny rules of one comparison each, on the low 32 bits (the
 *   kernel takes an unsigned int): for every bit b outside 0x20008, "b set and b+1 (mod 32)
 *   clear"; plus "bits 2 and 3 set, 4 clear" and "bits 16 and 17 set, 18 clear". Each rule needs
 *   a bit outside 0x20008 set and a bit clear, so it matches none of the five. Any other value v
 *   has a bit outside 0x20008 set and a bit clear; follow the run of set bits upwards from that
 *   bit: it ends at a set bit followed by a clear one, which is either outside 0x20008 (first
 *   family) or bit 3 or 17, with the bit below also set (the two others). 32 rules, the minimum:
 *   the 32 values with exactly one bit clear need one rule each.
 * - socket: the families Docker leaves out (12 AF_DECnet, 19 AF_ECONET, 20 AF_ATMSVC, 23 AF_IRDA,
 *   25 AF_WANPIPE, 34 AF_ISDN, 37 AF_CAIF, 38 AF_ALG, 40 AF_VSOCK, and 46 and above): EPERM. On
 *   ABIs that also reach socket() through socketcall (i386) the rule is left out: socketcall
 *   passes its arguments through a pointer, and libseccomp would deny every socketcall socket(),
 *   which is how glibc opens sockets there. Docker allows socketcall too, so i386 ends where
 *   Docker's does.
 *
 * Where svc departs from Docker, all stricter, because the issue asks for it or the filter must
 * not lean on a capability set the unit may keep:
 * - ptrace, process_vm_readv, process_vm_writev: Docker allows them on kernels >= 4.8 (the
 *   seccomp bypass through ptrace is fixed there); svc denies them ("no ptrace").
 * - adjtimex, clock_adjtime(64): Docker allows them because its containers lack CAP_SYS_TIME, so
 *   the kernel refuses any change. A root service of svc may keep CAP_SYS_TIME; only reading the
 *   clock discipline (ntp_gettime) is lost.
 * - name_to_handle_at: Docker allows it; its handle is the input of open_by_handle_at, the
 *   "shocker" escape. Its callers (systemd's mount-point check, for one) take EPERM as "not
 *   here" and fall back, since container runtimes have long returned it.
 * - ioctl TIOCSTI and TIOCLINUX: Docker does not filter ioctl. TIOCSTI pushes input into a
 *   terminal (bubblewrap CVE-2017-5226), TIOCLINUX can paste the console selection. The kernel
 *   truncates the request to 32 bits, so the rule masks the low 32 bits: the high-bits variant
 *   (flatpak CVE-2019-10063) is denied too.
 * - clone3 gets ENOSYS and clone its flag rules whatever the capabilities (Docker lifts both for
 *   CAP_SYS_ADMIN): the filter has no capability set to look at.
 * Less strict, by design:
 * - A syscall libseccomp cannot name is allowed (Docker denies it). The dangerous ones newer than
 *   some libseccomp releases are in denied_by_number[]: the LSM attribute calls (Docker:
 *   CAP_SYS_ADMIN only) and open_tree_attr (mount API, Linux 6.15). Where libseccomp cannot name
 *   them, a short prefix written here returns EPERM for their numbers (the same on every ABI here
 *   since 424; x32 adds its bit) and otherwise falls through to libseccomp's program.
 * - personality() values with high bits set and allowed low bits are allowed (Docker compares 64
 *   bits); the kernel ignores the high bits, so they act as the allowed value.
 * - i386's direct socket() keeps every family, see above.
 *
 * ABIs: the native one and the ones Docker's archMap lists with it (on x86-64: i386, reached with
 * int 0x80, and x32, with the 0x40000000 bit), each with the same rules, so an i386 mount is as
 * denied as a native one. A syscall from any other ABI kills the process.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "common/macro.h"

/* moby/profiles seccomp/default.json, commit 02e898b137aed1024e232d59bcb05e6179b72177: the
 * unconditional list, the "minKernel 4.8" group and the CAP_SYS_CHROOT group (a default
 * capability). The argument-dependent rules (clone, clone3, personality, socket) are below. */
/* clang-format off */
static const char *const docker_allowed[] = {
        "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "cachestat", "capget", "capset",
        "chdir", "chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64", "clock_getres",
        "clock_getres_time64", "clock_gettime", "clock_gettime64", "clock_nanosleep",
        "clock_nanosleep_time64", "close", "close_range", "connect", "copy_file_range", "creat", "dup",
        "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait",
        "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2", "execve", "execveat", "exit",
        "exit_group", "faccessat", "faccessat2", "fadvise64", "fadvise64_64", "fallocate", "fanotify_mark",
        "fchdir", "fchmod", "fchmodat", "fchmodat2", "fchown", "fchown32", "fchownat", "fcntl", "fcntl64",
        "fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr", "fsetxattr", "fstat",
        "fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync", "ftruncate", "ftruncate64", "futex",
        "futex_requeue", "futex_time64", "futex_wait", "futex_waitv", "futex_wake", "futimesat", "getcpu",
        "getcwd", "getdents", "getdents64", "getegid", "getegid32", "geteuid", "geteuid32", "getgid",
        "getgid32", "getgroups", "getgroups32", "getitimer", "getpeername", "getpgid", "getpgrp", "getpid",
        "getppid", "getpriority", "getrandom", "getresgid", "getresgid32", "getresuid", "getresuid32",
        "getrlimit", "get_robust_list", "getrusage", "getsid", "getsockname", "getsockopt",
        "get_thread_area", "gettid", "gettimeofday", "getuid", "getuid32", "getxattr", "getxattrat",
        "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch", "io_cancel", "ioctl",
        "io_destroy", "io_getevents", "io_pgetevents", "io_pgetevents_time64", "ioprio_get", "ioprio_set",
        "io_setup", "io_submit", "ipc", "kill", "landlock_add_rule", "landlock_create_ruleset",
        "landlock_restrict_self", "lchown", "lchown32", "lgetxattr", "link", "linkat", "listen", "listmount",
        "listxattr", "listxattrat", "llistxattr", "_llseek", "lremovexattr", "lseek", "lsetxattr", "lstat",
        "lstat64", "madvise", "map_shadow_stack", "membarrier", "memfd_create", "memfd_secret", "mincore",
        "mkdir", "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mmap2", "mprotect",
        "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive", "mq_timedreceive_time64", "mq_timedsend",
        "mq_timedsend_time64", "mq_unlink", "mremap", "mseal", "msgctl", "msgget", "msgrcv", "msgsnd",
        "msync", "munlock", "munlockall", "munmap", "name_to_handle_at", "nanosleep", "newfstatat",
        "_newselect", "open", "openat", "openat2", "pause", "pidfd_open", "pidfd_send_signal", "pipe",
        "pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl",
        "pread64", "preadv", "preadv2", "prlimit64", "process_mrelease", "pselect6", "pselect6_time64",
        "pwrite64", "pwritev", "pwritev2", "read", "readahead", "readlink", "readlinkat", "readv", "recv",
        "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr",
        "removexattrat", "rename", "renameat", "renameat2", "restart_syscall", "riscv_hwprobe", "rmdir",
        "rseq", "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn",
        "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_tgsigqueueinfo",
        "sched_getaffinity", "sched_getattr", "sched_getparam", "sched_get_priority_max",
        "sched_get_priority_min", "sched_getscheduler", "sched_rr_get_interval",
        "sched_rr_get_interval_time64", "sched_setaffinity", "sched_setattr", "sched_setparam",
        "sched_setscheduler", "sched_yield", "seccomp", "select", "semctl", "semget", "semop", "semtimedop",
        "semtimedop_time64", "send", "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto", "setfsgid",
        "setfsgid32", "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32",
        "setitimer", "setpgid", "setpriority", "setregid", "setregid32", "setresgid", "setresgid32",
        "setresuid", "setresuid32", "setreuid", "setreuid32", "setrlimit", "set_robust_list", "setsid",
        "setsockopt", "set_thread_area", "set_tid_address", "setuid", "setuid32", "setxattr", "setxattrat",
        "shmat", "shmctl", "shmdt", "shmget", "shutdown", "sigaltstack", "signalfd", "signalfd4",
        "sigprocmask", "sigreturn", "socketcall", "socketpair", "splice", "stat", "stat64", "statfs",
        "statfs64", "statmount", "statx", "symlink", "symlinkat", "sync", "sync_file_range", "syncfs",
        "sysinfo", "tee", "tgkill", "time", "timer_create", "timer_delete", "timer_getoverrun",
        "timer_gettime", "timer_gettime64", "timer_settime", "timer_settime64", "timerfd_create",
        "timerfd_gettime", "timerfd_gettime64", "timerfd_settime", "timerfd_settime64", "times", "tkill",
        "truncate", "truncate64", "ugetrlimit", "umask", "uname", "unlink", "unlinkat", "uretprobe", "utime",
        "utimensat", "utimensat_time64", "utimes", "vfork", "vmsplice", "wait4", "waitid", "waitpid",
        "write", "writev",
        /* "minKernel": "4.8" */
        "process_vm_readv", "process_vm_writev", "ptrace",
        /* "caps": ["CAP_SYS_CHROOT"] */
        "chroot",
};
/* clang-format on */

/* Docker's per-architecture groups, with its arch names mapped to struct abi's. */
static const struct {
        const char *name;
        const char *abis; /* space-separated */
} docker_allowed_on[] = {
        { "sync_file_range2", "ppc64le arm aarch64" },
        { "swapcontext", "ppc64le" },
        { "arm_fadvise64_64", "arm aarch64" },
        { "arm_sync_file_range", "arm aarch64" },
        { "breakpoint", "arm aarch64" },
        { "cacheflush", "arm aarch64" },
        { "set_tls", "arm aarch64" },
        { "arch_prctl", "x86_64 x32" },
        { "modify_ldt", "x86_64 x32 x86" },
        { "s390_pci_mmio_read", "s390 s390x" },
        { "s390_pci_mmio_write", "s390 s390x" },
        { "s390_runtime_instr", "s390 s390x" },
        { "riscv_flush_icache", "riscv64" },
};

/* Allowed by Docker, denied by svc: see "departs" at the top. */
static const char *const svc_denied[] = {
        "ptrace",        "process_vm_readv", "process_vm_writev", "adjtimex",
        "clock_adjtime", "clock_adjtime64",  "name_to_handle_at",
};

/* Never denied outright: add_argument_rules() handles them. */
static const char *const with_argument_rules[] = { "clone", "clone3", "ioctl", "personality", "socket" };

/* Denied, and newer than some libseccomp releases; the numbers are those of every ABI here. */
static const struct {
        const char *name;
        uint32_t nr;
} denied_by_number[] = {
        { "lsm_get_self_attr", 459 },
        { "lsm_set_self_attr", 460 },
        { "lsm_list_modules", 461 },
        { "open_tree_attr", 467 },
};

#define CLONE_NEW_ANY                                                                                        \
        (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |        \
         CLONE_NEWNET)
_Static_assert(CLONE_NEW_ANY == 0x7e020000, "Docker's clone mask");
static const uint32_t clone_new_flags[] = { CLONE_NEWNS,   CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
                                            CLONE_NEWUSER, CLONE_NEWPID,    CLONE_NEWNET };

/* The bits in which Docker's allowed personalities 0, 8, 0x20000 and 0x20008 differ. */
#define PERSONALITY_FREE_BITS 0x20008u
_Static_assert((PERSONALITY_FREE_BITS & (PERSONALITY_FREE_BITS << 1 | 0x80000001u)) == 0,
               "the cover at the top needs free bits apart, and neither bit 0 nor 31");
static const uint32_t personality_allowed[] = { 0, 0x8, 0x20000, 0x20008, 0xffffffff };

static const uint32_t socket_families_denied[] = { 12, 19, 20, 23, 25, 34, 37, 38, 40 };
#define SOCKET_FAMILIES_DENIED_FROM 46

#define X32_SYSCALL_BIT 0x40000000u
#define SYSCALL_NR_MAX 1024

struct abi {
        const char *name;
        uint32_t token; /* SCMP_ARCH_* */
        uint32_t audit_arch; /* seccomp_data.arch of its syscalls */
        uint32_t nr_bit; /* in every syscall number of the ABI */
        unsigned clone_flags; /* argument index */
};

struct platform {
        const char *cpp_condition; /* true when compiling for abis[0] */
        struct abi abis[3]; /* the native ABI first; name NULL ends the list */
};

static const struct platform platforms[] = {
        { "defined(__x86_64__) && !defined(__ILP32__)",
          { { "x86_64", SCMP_ARCH_X86_64, AUDIT_ARCH_X86_64, 0, 0 },
            { "x86", SCMP_ARCH_X86, AUDIT_ARCH_I386, 0, 0 },
            { "x32", SCMP_ARCH_X32, AUDIT_ARCH_X86_64, X32_SYSCALL_BIT, 0 } } },
        { "defined(__aarch64__)",
          { { "aarch64", SCMP_ARCH_AARCH64, AUDIT_ARCH_AARCH64, 0, 0 },
            { "arm", SCMP_ARCH_ARM, AUDIT_ARCH_ARM, 0, 0 } } },
        { "defined(__s390x__)",
          { { "s390x", SCMP_ARCH_S390X, AUDIT_ARCH_S390X, 0, 1 },
            { "s390", SCMP_ARCH_S390, AUDIT_ARCH_S390, 0, 1 } } },
        { "defined(__riscv) && __riscv_xlen == 64",
          { { "riscv64", SCMP_ARCH_RISCV64, AUDIT_ARCH_RISCV64, 0, 0 } } },
        { "defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)",
          { { "ppc64le", SCMP_ARCH_PPC64LE, AUDIT_ARCH_PPC64LE, 0, 0 } } },
};
#define ABIS_MAX ELEMENTSOF(platforms[0].abis)

/* A growing list of names, for the header's comments. */
struct names {
        char **v;
        size_t n;
};

/* The instructions put in front of libseccomp's program. */
struct prefix_entry {
        uint32_t audit_arch;
        uint32_t nr;
};
struct prefix {
        struct prefix_entry v[ELEMENTSOF(denied_by_number) * ABIS_MAX];
        size_t n;
};

static void names_done(struct names *l) {
        for (size_t i = 0; i < l->n; i++)
                free(l->v[i]);
        free(l->v);
        *l = (struct names){ 0 };
}

static int names_add(struct names *l, const char *name) {
        char **v = realloc(l->v, (l->n + 1) * sizeof(char *));
        if (!v)
                return -ENOMEM;
        l->v = v;
        l->v[l->n] = strdup(name);
        if (!l->v[l->n])
                return -ENOMEM;
        l->n++;
        return 0;
}

static void seccomp_releasep(scmp_filter_ctx *ctx) {
        if (*ctx)
                seccomp_release(*ctx);
}

static bool in_list(const char *const *list, size_t n, const char *name) {
        for (size_t i = 0; i < n; i++)
                if (streq(list[i], name))
                        return true;
        return false;
}

static bool word_in(const char *words, const char *word) {
        size_t len = strlen(word);
        for (const char *p = strstr(words, word); p; p = strstr(p + 1, word))
                if ((p == words || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0'))
                        return true;
        return false;
}

static bool docker_allows(const struct abi *abi, const char *name) {
        if (in_list(docker_allowed, ELEMENTSOF(docker_allowed), name))
                return true;
        for (size_t i = 0; i < ELEMENTSOF(docker_allowed_on); i++)
                if (streq(docker_allowed_on[i].name, name) && word_in(docker_allowed_on[i].abis, abi->name))
                        return true;
        return false;
}

static bool denied_outright(const struct abi *abi, const char *name) {
        if (in_list(with_argument_rules, ELEMENTSOF(with_argument_rules), name))
                return false;
        return in_list(svc_denied, ELEMENTSOF(svc_denied), name) || !docker_allows(abi, name);
}

/* libseccomp answers a negative pseudo-number for a name it knows from other ABIs only. */
static bool abi_has(const struct abi *abi, const char *name) {
        return seccomp_syscall_resolve_name_arch(abi->token, name) >= 0;
}

/* --oci: the native ABI's rules as they are added, for the OCI runtime spec's linux.seccomp
 * (svc export --to oci-bundle): the same policy for crun as for svc's own filter. */
struct oci_rule {
        const char *name; /* a literal of the tables above, or libseccomp's, kept */
        int err;
        unsigned n_cmp;
        struct scmp_arg_cmp cmp;
};
static struct {
        bool on;
        struct oci_rule *v;
        size_t n;
        struct names owned; /* the names libseccomp allocated */
} oci;

static int oci_record(const char *name, uint32_t action, unsigned n_cmp, const struct scmp_arg_cmp *cmp) {
        if (!oci.on)
                return 0;
        if (n_cmp > 1 || (action & SCMP_ACT_ERRNO(0)) != SCMP_ACT_ERRNO(0))
                return -EINVAL; /* only what the policy uses: errno actions, one comparison */
        int r = names_add(&oci.owned, name);
        struct oci_rule *v = r < 0 ? NULL : realloc(oci.v, (oci.n + 1) * sizeof(*v));
        if (!v)
                return -ENOMEM;
        oci.v = v;
        v[oci.n++] = (struct oci_rule){ .name = oci.owned.v[oci.owned.n - 1],
                                        .err = (int) (action & 0xffff),
                                        .n_cmp = n_cmp,
                                        .cmp = n_cmp ? cmp[0] : (struct scmp_arg_cmp){ 0 } };
        return 0;
}

static int fail(int r, const struct abi *abi, const char *what, const char *name) {
        fprintf(stderr, "seccomp-gen: %s %s on %s: %s\n", what, name, abi->name, strerror(-r));
        return r;
}

/* libseccomp takes native syscall numbers (or its pseudo-numbers) and translates them by name
 * into the ABI of the context. */
static int deny(scmp_filter_ctx ctx, const struct abi *abi, const char *name, uint32_t action, unsigned n_cmp,
                const struct scmp_arg_cmp *cmp) {
        int nr = seccomp_syscall_resolve_name(name);
        if (nr == __NR_SCMP_ERROR)
                return fail(-ENOENT, abi, "cannot resolve", name);
        int r = seccomp_rule_add_array(ctx, action, nr, n_cmp, cmp);
        if (r >= 0)
                r = oci_record(name, action, n_cmp, cmp);
        return r < 0 ? fail(r, abi, "cannot add a rule for", name) : 0;
}

static int compare_names(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static int deny_unlisted(scmp_filter_ctx ctx, const struct abi *abi, struct names *denied) {
        for (uint32_t nr = 0; nr < SYSCALL_NR_MAX; nr++) {
                _cleanup_free_ char *name =
                        seccomp_syscall_resolve_num_arch(abi->token, (int) (abi->nr_bit | nr));
                if (!name || !denied_outright(abi, name))
                        continue;
                int r = deny(ctx, abi, name, SCMP_ACT_ERRNO(EPERM), 0, NULL);
                if (r < 0)
                        return r;
                r = names_add(denied, name);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int deny_clone_flags(scmp_filter_ctx ctx, const struct abi *abi) {
        for (size_t i = 0; i < ELEMENTSOF(clone_new_flags); i++) {
                struct scmp_arg_cmp cmp = SCMP_CMP(abi->clone_flags, SCMP_CMP_MASKED_EQ, clone_new_flags[i],
                                                   clone_new_flags[i]);
                int r = deny(ctx, abi, "clone", SCMP_ACT_ERRNO(EPERM), 1, &cmp);
                if (r < 0)
                        return r;
        }
        return deny(ctx, abi, "clone3", SCMP_ACT_ERRNO(ENOSYS), 0, NULL);
}

static bool personality_rule_ok(uint32_t mask, uint32_t datum) {
        for (size_t i = 0; i < ELEMENTSOF(personality_allowed); i++)
                if ((personality_allowed[i] & mask) == datum)
                        return false;
        return true;
}

static int deny_personality_rule(scmp_filter_ctx ctx, const struct abi *abi, uint32_t mask, uint32_t datum) {
        if (!personality_rule_ok(mask, datum))
                return fail(-EINVAL, abi, "a rule that denies an allowed value for", "personality");
        struct scmp_arg_cmp cmp = SCMP_A0(SCMP_CMP_MASKED_EQ, mask, datum);
        return deny(ctx, abi, "personality", SCMP_ACT_ERRNO(EPERM), 1, &cmp);
}

/* The cover proven at the top. */
static int deny_personality(scmp_filter_ctx ctx, const struct abi *abi) {
        for (unsigned b = 0; b < 32; b++) {
                uint32_t bit = UINT32_C(1) << b, next = UINT32_C(1) << ((b + 1) % 32);
                if (bit & PERSONALITY_FREE_BITS)
                        continue;
                int r = deny_personality_rule(ctx, abi, bit | next, bit);
                if (r < 0)
                        return r;
                if (!(next & PERSONALITY_FREE_BITS))
                        continue;
                /* b is just below a free bit f: "b and f set, f+1 clear". */
                r = deny_personality_rule(ctx, abi, (bit | next) | (next << 1), bit | next);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int deny_socket_families(scmp_filter_ctx ctx, const struct abi *abi) {
        if (abi_has(abi, "socketcall"))
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(socket_families_denied); i++) {
                struct scmp_arg_cmp cmp = SCMP_A0(SCMP_CMP_EQ, socket_families_denied[i]);
                int r = deny(ctx, abi, "socket", SCMP_ACT_ERRNO(EPERM), 1, &cmp);
                if (r < 0)
                        return r;
        }
        /* On a 64-bit ABI this also catches every family with high bits set. */
        struct scmp_arg_cmp cmp = SCMP_A0(SCMP_CMP_GE, SOCKET_FAMILIES_DENIED_FROM);
        return deny(ctx, abi, "socket", SCMP_ACT_ERRNO(EPERM), 1, &cmp);
}

static int deny_ioctls(scmp_filter_ctx ctx, const struct abi *abi) {
        static const uint32_t requests[] = { TIOCSTI, TIOCLINUX };
        for (size_t i = 0; i < ELEMENTSOF(requests); i++) {
                struct scmp_arg_cmp cmp = SCMP_A1(SCMP_CMP_MASKED_EQ, UINT32_MAX, requests[i]);
                int r = deny(ctx, abi, "ioctl", SCMP_ACT_ERRNO(EPERM), 1, &cmp);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int add_argument_rules(scmp_filter_ctx ctx, const struct abi *abi) {
        int r = deny_clone_flags(ctx, abi);
        if (r >= 0)
                r = deny_personality(ctx, abi);
        if (r >= 0)
                r = deny_socket_families(ctx, abi);
        if (r >= 0)
                r = deny_ioctls(ctx, abi);
        return r;
}

static int deny_newer(scmp_filter_ctx ctx, const struct abi *abi, struct names *denied,
                      struct prefix *prefix) {
        for (size_t i = 0; i < ELEMENTSOF(denied_by_number); i++) {
                const char *name = denied_by_number[i].name;
                int r = 0;
                if (abi_has(abi, name))
                        r = deny(ctx, abi, name, SCMP_ACT_ERRNO(EPERM), 0, NULL);
                else if ((r = oci_record(name, SCMP_ACT_ERRNO(EPERM), 0, NULL)) >= 0)
                        prefix->v[prefix->n++] = (struct prefix_entry){
                                .audit_arch = abi->audit_arch,
                                .nr = abi->nr_bit | denied_by_number[i].nr,
                        };
                if (r >= 0)
                        r = names_add(denied, name);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int new_context(const struct abi *abi, bool native, scmp_filter_ctx *ret) {
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
        if (!ctx)
                return fail(-ENOMEM, abi, "cannot create", "a filter");
        int r = 0;
        if (!native) {
                r = seccomp_arch_add(ctx, abi->token);
                if (r >= 0)
                        r = seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE);
        }
        if (r >= 0)
                r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
        if (r >= 0) /* a binary search on the syscall number, not a chain of a hundred compares */
                r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
        if (r < 0)
                return fail(r, abi, "cannot set up", "the filter");
        *ret = TAKE_PTR(ctx);
        return 0;
}

/* Every ABI gets its own context: rules added to a context of several ABIs go to all of them,
 * and the socket rule must skip socketcall ABIs. */
static int build_abi(const struct abi *abi, bool native, struct names *denied, struct prefix *prefix,
                     scmp_filter_ctx *ret) {
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        oci.on = native;
        int r = new_context(abi, native, &ctx);
        if (r >= 0)
                r = deny_unlisted(ctx, abi, denied);
        if (r >= 0)
                r = add_argument_rules(ctx, abi);
        if (r >= 0)
                r = deny_newer(ctx, abi, denied, prefix);
        if (r < 0)
                return r;
        qsort(denied->v, denied->n, sizeof(char *), compare_names);
        *ret = TAKE_PTR(ctx);
        return 0;
}

static int build_filter(const struct platform *p, struct names *denied, struct prefix *prefix,
                        scmp_filter_ctx *ret) {
        _cleanup_(seccomp_releasep) scmp_filter_ctx filter = NULL;
        for (size_t i = 0; i < ABIS_MAX && p->abis[i].name; i++) {
                scmp_filter_ctx ctx = NULL;
                int r = build_abi(&p->abis[i], i == 0, &denied[i], prefix, &ctx);
                if (r < 0)
                        return r;
                if (!filter) {
                        filter = ctx;
                        continue;
                }
                r = seccomp_merge(filter, ctx); /* frees ctx on success */
                if (r < 0) {
                        seccomp_release(ctx);
                        return fail(r, &p->abis[i], "cannot merge", "the filter");
                }
        }
        *ret = TAKE_PTR(filter);
        return 0;
}

static int export_bpf(scmp_filter_ctx filter, struct sock_filter **ret, size_t *ret_n) {
        _cleanup_close_ int fd = memfd_create("svc-seccomp-bpf", MFD_CLOEXEC);
        if (fd < 0)
                return -errno;
        int r = seccomp_export_bpf(filter, fd);
        if (r < 0)
                return r;
        off_t size = lseek(fd, 0, SEEK_END);
        if (size < 0)
                return -errno;
        if (size == 0 || (size_t) size % sizeof(struct sock_filter) != 0)
                return -EIO;
        _cleanup_free_ struct sock_filter *bpf = malloc((size_t) size);
        if (!bpf)
                return -ENOMEM;
        ssize_t n = pread(fd, bpf, (size_t) size, 0);
        if (n != size)
                return n < 0 ? -errno : -EIO;
        *ret = TAKE_PTR(bpf);
        *ret_n = (size_t) size / sizeof(struct sock_filter);
        return 0;
}

static bool prefix_first_of_arch(const struct prefix *prefix, size_t i) {
        for (size_t j = 0; j < i; j++)
                if (prefix->v[j].audit_arch == prefix->v[i].audit_arch)
                        return false;
        return true;
}

static size_t prefix_count_arch(const struct prefix *prefix, uint32_t arch) {
        size_t k = 0;
        for (size_t j = 0; j < prefix->n; j++)
                k += prefix->v[j].audit_arch == arch;
        return k;
}

static size_t prefix_length(const struct prefix *prefix) {
        if (prefix->n == 0)
                return 0;
        size_t n = prefix->n + 2; /* a compare per number, then "ja +1" and "ret EPERM" */
        for (size_t i = 0; i < prefix->n; i++)
                n += prefix_first_of_arch(prefix, i) ? 3 : 0; /* ld arch, jeq arch, ld nr */
        return n;
}

/* Per audit arch: "arch matches and nr is one of its numbers: EPERM"; otherwise on to the next
 * arch, and after the last one to libseccomp's program, which follows. OUT has
 * prefix_length() entries, fewer than 256 so that every jump fits. */
static void prefix_build(const struct prefix *prefix, struct sock_filter *out) {
        size_t total = prefix_length(prefix), n = 0;
        for (size_t i = 0; i < prefix->n; i++) {
                if (!prefix_first_of_arch(prefix, i))
                        continue;
                uint32_t arch = prefix->v[i].audit_arch;
                size_t k = prefix_count_arch(prefix, arch);
                out[n++] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                                         offsetof(struct seccomp_data, arch));
                out[n++] =
                        (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch, 0, (uint8_t) (1 + k));
                out[n++] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                                         offsetof(struct seccomp_data, nr));
                for (size_t j = i; j < prefix->n; j++)
                        if (prefix->v[j].audit_arch == arch) {
                                out[n] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
                                                                       prefix->v[j].nr,
                                                                       (uint8_t) (total - 1 - (n + 1)), 0);
                                n++;
                        }
        }
        out[n++] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JA, 1, 0, 0);
        out[n++] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
}

static const struct platform *find_platform(void) {
        uint32_t native = seccomp_arch_native();
        for (size_t i = 0; i < ELEMENTSOF(platforms); i++)
                if (platforms[i].abis[0].token == native)
                        return &platforms[i];
        return NULL;
}

/* " * NAME NAME ..." lines of at most 100 columns. */
static void print_words(const char *first, const struct names *l) {
        size_t col = printf(" * %s", first);
        for (size_t i = 0; i < l->n; i++) {
                if (col + 1 + strlen(l->v[i]) > 100)
                        col = printf("\n *");
                col += printf(" %s", l->v[i]);
        }
        printf("\n");
}

static void print_comments(const struct platform *p, const struct names *denied,
                           const struct prefix *prefix) {
        const struct scmp_version *v = seccomp_version();
        printf("/* Generated by sandbox/seccomp-gen.c with libseccomp %u.%u.%u: do not edit. svc's seccomp\n"
               " * filter, Docker's default profile as a deny list (the policy is at the top of "
               "seccomp-gen.c).\n"
               " * Include it where struct sock_filter (linux/filter.h) is declared.\n",
               v->major, v->minor, v->micro);
        for (size_t i = 0; i < ABIS_MAX && p->abis[i].name; i++) {
                char title[64];
                snprintf(title, sizeof(title), "EPERM on %s:", p->abis[i].name);
                print_words(title, &denied[i]);
        }
        printf(" * EPERM on every ABI: clone with a CLONE_NEW* flag; personality but 0, 0x8, 0x20000, "
               "0x20008,\n"
               " * 0xffffffff; ioctl TIOCSTI and TIOCLINUX (low 32 bits); socket families 12 19 20 23 25 34 "
               "37\n"
               " * 38 40 and >= %d, except where socketcall exists. ENOSYS: clone3. Other ABIs are killed.\n",
               SOCKET_FAMILIES_DENIED_FROM);
        if (prefix->n > 0)
                printf(" * The first %zu instructions deny by number what this libseccomp cannot name.\n",
                       prefix_length(prefix));
        printf(" */\n#pragma once\n\n#if !(%s)\n#error \"seccomp-bpf.h was generated for %s\"\n#endif\n\n",
               p->cpp_condition, p->abis[0].name);
}

static void print_header(const struct platform *p, const struct names *denied, const struct prefix *prefix,
                         const struct sock_filter *bpf, size_t n) {
        print_comments(p, denied, prefix);
        printf("#define SVC_SECCOMP_BPF_LEN %zu\n", n);
        printf("static const struct sock_filter svc_seccomp_bpf[SVC_SECCOMP_BPF_LEN] = {\n");
        for (size_t i = 0; i < n; i++)
                printf("        { 0x%04" PRIx16 ", %" PRIu8 ", %" PRIu8 ", 0x%08" PRIx32 " },\n", bpf[i].code,
                       bpf[i].jt, bpf[i].jf, bpf[i].k);
        printf("};\n");
}

/* The prefix, then libseccomp's program. */
static int make_program(scmp_filter_ctx filter, const struct prefix *prefix, struct sock_filter **ret,
                        size_t *ret_n) {
        _cleanup_free_ struct sock_filter *bpf = NULL;
        size_t n_bpf = 0, n_prefix = prefix_length(prefix);
        int r = export_bpf(filter, &bpf, &n_bpf);
        if (r >= 0 && (!bpf || n_bpf == 0))
                r = -EIO;
        if (r < 0) {
                fprintf(stderr, "seccomp-gen: cannot export the filter: %s\n", strerror(-r));
                return r;
        }
        if (n_prefix >= 256 || n_prefix + n_bpf > BPF_MAXINSNS) {
                fprintf(stderr, "seccomp-gen: the filter has %zu instructions, too many\n", n_prefix + n_bpf);
                return -E2BIG;
        }
        struct sock_filter *all = calloc(n_prefix + n_bpf, sizeof(struct sock_filter));
        if (!all)
                return -ENOMEM;
        if (n_prefix > 0)
                prefix_build(prefix, all);
        memcpy(all + n_prefix, bpf, n_bpf * sizeof(struct sock_filter));
        *ret = all;
        *ret_n = n_prefix + n_bpf;
        return 0;
}

/* --oci: a header of the native ABI's rules, one entry per rule, with the names of the
 * comparisons as the OCI runtime spec spells them; svc-export writes them with json-c. */
static void print_oci(const struct platform *p) {
        static const char *const ops[] = { [SCMP_CMP_NE] = "SCMP_CMP_NE",
                                           [SCMP_CMP_LT] = "SCMP_CMP_LT",
                                           [SCMP_CMP_LE] = "SCMP_CMP_LE",
                                           [SCMP_CMP_EQ] = "SCMP_CMP_EQ",
                                           [SCMP_CMP_GE] = "SCMP_CMP_GE",
                                           [SCMP_CMP_GT] = "SCMP_CMP_GT",
                                           [SCMP_CMP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ" };
        char arch[32];
        snprintf(arch, sizeof(arch), "SCMP_ARCH_%s", p->abis[0].name);
        for (char *c = arch; *c; c++)
                *c = (char) toupper((unsigned char) *c);
        printf("/* Generated by sandbox/seccomp-gen.c --oci: do not edit. svc's seccomp policy for the "
               "native\n"
               " * ABI as the OCI runtime spec's linux.seccomp rules (the other ABIs are killed there). */\n"
               "#pragma once\n\n#define SVC_SECCOMP_OCI_ARCH \"%s\"\n#define SVC_SECCOMP_OCI_LEN %zu\n"
               "/* name, errno, number of comparisons (0 or 1), then index, op, value, valueTwo */\n"
               "static const struct svc_seccomp_oci_rule svc_seccomp_oci[SVC_SECCOMP_OCI_LEN] = {\n",
               arch, oci.n);
        for (size_t i = 0; i < oci.n; i++) {
                const struct oci_rule *o = &oci.v[i];
                printf("        { \"%s\", %d, %u, %u, \"%s\", %lluULL, %lluULL },\n", o->name, o->err,
                       o->n_cmp, o->cmp.arg, o->n_cmp ? ops[o->cmp.op] : "",
                       (unsigned long long) o->cmp.datum_a, (unsigned long long) o->cmp.datum_b);
        }
        printf("};\n");
}

int main(int argc, char **argv) {
        bool want_oci = argc > 1 && streq(argv[1], "--oci");
        const struct platform *p = find_platform();
        if (!p) {
                fprintf(stderr,
                        "seccomp-gen: no ABI table for this machine (libseccomp arch 0x%08" PRIx32 ")\n",
                        seccomp_arch_native());
                return 1;
        }
        struct names denied[ABIS_MAX] = {};
        struct prefix prefix = { .n = 0 };
        _cleanup_(seccomp_releasep) scmp_filter_ctx filter = NULL;
        _cleanup_free_ struct sock_filter *bpf = NULL;
        size_t n = 0;
        int r = build_filter(p, denied, &prefix, &filter);
        if (r >= 0)
                r = make_program(filter, &prefix, &bpf, &n);
        if (r >= 0 && want_oci)
                print_oci(p);
        else if (r >= 0)
                print_header(p, denied, &prefix, bpf, n);
        names_done(&oci.owned);
        free(oci.v);
        for (size_t i = 0; i < ABIS_MAX; i++)
                names_done(&denied[i]);
        if (r >= 0 && (fflush(stdout) != 0 || ferror(stdout))) {
                fprintf(stderr, "seccomp-gen: cannot write the header: %m\n");
                return 1;
        }
        return r < 0 ? 1 : 0;
}
