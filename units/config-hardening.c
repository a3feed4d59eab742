/* SPDX-License-Identifier: MIT */
/* Parsers of the hardening keys of [Service]: SystemCallFilter= and its companions, which become a
 * seccomp filter of the service's own on top of svc's default one (sandbox/seccomp-unit.c),
 * RestrictNamespaces=, ProtectClock=, ProtectKernelLogs=, DevicePolicy=/DeviceAllow= and
 * IPAddressAllow=/IPAddressDeny=. Lists merge as systemd merges them (systemd.exec(5)): the first
 * assignment decides whether the list allows or denies ("~"), later ones add to it or, with the
 * other polarity, take from it, and an empty assignment resets. */

#include <arpa/inet.h>
#include <linux/capability.h>
#include <sys/socket.h>

#include "common/util.h"
#include "units/unit-internal.h"

/* systemd's system call groups, as `systemd-analyze syscall-filter` of systemd 252 (Debian 12)
 * lists them. "@known" (every call the kernel declares) is expanded where the filter is compiled,
 * from libseccomp's own table. */
/* clang-format off */
static const struct {
        const char *name, *calls;
} groups[] = {
        { "@default",
                  "arch_prctl brk cacheflush clock_getres clock_getres_time64 clock_gettime clock_gettime64 "
                  "clock_nanosleep clock_nanosleep_time64 execve exit exit_group futex futex_time64 "
                  "futex_waitv get_robust_list get_thread_area getegid getegid32 geteuid geteuid32 getgid "
                  "getgid32 getgroups getgroups32 getpgid getpgrp getpid getppid getrandom getresgid "
                  "getresgid32 getresuid getresuid32 getrlimit getsid gettid gettimeofday getuid getuid32 "
                  "membarrier mmap mmap2 mprotect munmap nanosleep pause prlimit64 restart_syscall "
                  "riscv_flush_icache riscv_hwprobe rseq rt_sigreturn sched_getaffinity sched_yield "
                  "set_robust_list set_thread_area set_tid_address set_tls sigreturn time ugetrlimit "
                  "uretprobe" },
        { "@aio",
                  "io_cancel io_destroy io_getevents io_pgetevents io_pgetevents_time64 io_setup io_submit "
                  "io_uring_enter io_uring_register io_uring_setup" },
        { "@basic-io",
                  "_llseek close close_range dup dup2 dup3 lseek pread64 preadv preadv2 pwrite64 pwritev "
                  "pwritev2 read readv write writev" },
        { "@chown",
                  "chown chown32 fchown fchown32 fchownat lchown lchown32" },
        { "@clock",
                  "adjtimex clock_adjtime clock_adjtime64 clock_settime clock_settime64 settimeofday" },
        { "@cpu-emulation",
                  "modify_ldt subpage_prot switch_endian vm86 vm86old" },
        { "@debug",
                  "lookup_dcookie perf_event_open pidfd_getfd ptrace rtas s390_runtime_instr "
                  "sys_debug_setcontext" },
        { "@file-system",
                  "access chdir chmod close creat faccessat faccessat2 fallocate fchdir fchmod fchmodat "
                  "fchmodat2 fcntl fcntl64 fgetxattr flistxattr fremovexattr fsetxattr fstat fstat64 "
                  "fstatat64 fstatfs fstatfs64 ftruncate ftruncate64 futimesat getcwd getdents getdents64 "
                  "getxattr inotify_add_watch inotify_init inotify_init1 inotify_rm_watch lgetxattr link "
                  "linkat listxattr llistxattr lremovexattr lsetxattr lstat lstat64 mkdir mkdirat mknod "
                  "mknodat newfstatat oldfstat oldlstat oldstat open openat openat2 readlink readlinkat "
                  "removexattr rename renameat renameat2 rmdir setxattr stat stat64 statfs statfs64 statx "
                  "symlink symlinkat truncate truncate64 unlink unlinkat utime utimensat utimensat_time64 "
                  "utimes" },
        { "@io-event",
                  "_newselect epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 "
                  "epoll_wait epoll_wait_old eventfd eventfd2 poll ppoll ppoll_time64 pselect6 "
                  "pselect6_time64 select" },
        { "@ipc",
                  "ipc memfd_create mq_getsetattr mq_notify mq_open mq_timedreceive mq_timedreceive_time64 "
                  "mq_timedsend mq_timedsend_time64 mq_unlink msgctl msgget msgrcv msgsnd pipe pipe2 "
                  "process_madvise process_vm_readv process_vm_writev semctl semget semop semtimedop "
                  "semtimedop_time64 shmat shmctl shmdt shmget" },
        { "@keyring",
                  "add_key keyctl request_key" },
        { "@memlock",
                  "mlock mlock2 mlockall munlock munlockall" },
        { "@module",
                  "delete_module finit_module init_module" },
        { "@mount",
                  "chroot fsconfig fsmount fsopen fspick mount mount_setattr move_mount open_tree "
                  "pivot_root umount umount2" },
        { "@network-io",
                  "accept accept4 bind connect getpeername getsockname getsockopt listen recv recvfrom "
                  "recvmmsg recvmmsg_time64 recvmsg send sendmmsg sendmsg sendto setsockopt shutdown socket "
                  "socketcall socketpair" },
        { "@obsolete",
                  "_sysctl afs_syscall bdflush break create_module ftime get_kernel_syms getpmsg gtty idle "
                  "lock mpx prof profil putpmsg query_module security sgetmask ssetmask stime stty sysfs "
                  "tuxcall ulimit uselib ustat vserver" },
        { "@pkey",
                  "pkey_alloc pkey_free pkey_mprotect" },
        { "@privileged",
                  "@chown @clock @module @raw-io @reboot @swap _sysctl acct bpf capset chroot fanotify_init "
                  "fanotify_mark nfsservctl open_by_handle_at pivot_root quotactl quotactl_fd setdomainname "
                  "setfsuid setfsuid32 setgroups setgroups32 sethostname setresuid setresuid32 setreuid "
                  "setreuid32 setuid setuid32 vhangup" },
        { "@process",
                  "capget clone clone3 execveat fork getrusage kill pidfd_open pidfd_send_signal prctl "
                  "rt_sigqueueinfo rt_tgsigqueueinfo setns swapcontext tgkill times tkill unshare vfork "
                  "wait4 waitid waitpid" },
        { "@raw-io",
                  "ioperm iopl pciconfig_iobase pciconfig_read pciconfig_write s390_pci_mmio_read "
                  "s390_pci_mmio_write" },
        { "@reboot",
                  "kexec_file_load kexec_load reboot" },
        { "@resources",
                  "ioprio_set mbind migrate_pages move_pages nice sched_setaffinity sched_setattr "
                  "sched_setparam sched_setscheduler set_mempolicy set_mempolicy_home_node setpriority "
                  "setrlimit" },
        { "@setuid",
                  "setgid setgid32 setgroups setgroups32 setregid setregid32 setresgid setresgid32 "
                  "setresuid setresuid32 setreuid setreuid32 setuid setuid32" },
        { "@signal",
                  "rt_sigaction rt_sigpending rt_sigprocmask rt_sigsuspend rt_sigtimedwait "
                  "rt_sigtimedwait_time64 sigaction sigaltstack signal signalfd signalfd4 sigpending "
                  "sigprocmask sigsuspend" },
        { "@swap",
                  "swapoff swapon" },
        { "@sync",
                  "fdatasync fsync msync sync sync_file_range sync_file_range2 syncfs" },
        { "@system-service",
                  "@aio @basic-io @chown @default @file-system @io-event @ipc @keyring @memlock @network-io "
                  "@process @resources @setuid @signal @sync @timer arm_fadvise64_64 capget capset "
                  "copy_file_range fadvise64 fadvise64_64 flock get_mempolicy getcpu getpriority ioctl "
                  "ioprio_get kcmp madvise mremap name_to_handle_at oldolduname olduname personality "
                  "readahead readdir remap_file_pages sched_get_priority_max sched_get_priority_min "
                  "sched_getattr sched_getparam sched_getscheduler sched_rr_get_interval "
                  "sched_rr_get_interval_time64 sched_yield sendfile sendfile64 setfsgid setfsgid32 "
                  "setfsuid setfsuid32 setpgid setsid splice sysinfo tee umask uname userfaultfd vmsplice" },
        { "@timer",
                  "alarm getitimer setitimer timer_create timer_delete timer_getoverrun timer_gettime "
                  "timer_gettime64 timer_settime timer_settime64 timerfd_create timerfd_gettime "
                  "timerfd_gettime64 timerfd_settime timerfd_settime64 times" },
};
/* clang-format on */

const char *syscall_group_calls(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(groups); i++)
                if (streq(groups[i].name, name))
                        return groups[i].calls;
        return NULL;
}

/* ---- SystemCallFilter= ------------------------------------------------------------------------ */

/* The unit keeps the lines as written (a few words each), not the set they make: an expanded
 * @system-service is some 400 names, and svcd keeps every unit in memory. The set is made when
 * the filter is compiled (unit_syscalls_expand()). */

struct syscall_set {
        struct unit_syscall *v;
        size_t n;
};

static struct unit_syscall *set_find(struct syscall_set *h, const char *name) {
        for (size_t i = 0; i < h->n; i++)
                if (streq(h->v[i].name, name))
                        return &h->v[i];
        return NULL;
}

static int set_put(struct syscall_set *h, const char *name, int err) {
        struct unit_syscall *s = set_find(h, name);
        if (s) {
                s->err = err;
                return 0;
        }
        struct unit_syscall *n = reallocarray(h->v, h->n + 1, sizeof(*n));
        if (!n)
                return -ENOMEM;
        h->v = n;
        if (!(n[h->n].name = strdup(name)))
                return -ENOMEM;
        n[h->n++].err = err;
        return 0;
}

static void set_remove(struct syscall_set *h, const char *name) {
        struct unit_syscall *s = set_find(h, name);
        if (!s)
                return;
        free(s->name);
        *s = h->v[--h->n];
}

void unit_syscalls_free(struct unit_syscall *v, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(v[i].name);
        free(v);
}

/* Calls F for NAME, or for every call of the group NAME, recursively. */
static int for_each_call(const char *name, unsigned depth, int (*f)(const char *call, void *userdata),
                         void *userdata) {
        if (name[0] != '@' || streq(name, "@known"))
                return f(name, userdata);
        const char *calls = syscall_group_calls(name);
        if (!calls || depth > 4)
                return -EINVAL;
        for (const char *p = calls; *p;) {
                size_t n = strcspn(p, " ");
                char word[64];
                snprintf(word, sizeof(word), "%.*s", (int) MIN(n, sizeof(word) - 1), p);
                int r = for_each_call(word, depth + 1, f, userdata);
                if (r < 0)
                        return r;
                p += n + (p[n] == ' ');
        }
        return 0;
}

struct apply_args {
        struct syscall_set *set;
        const struct unit_syscall_op *op;
};

static int apply_call(const char *call, void *userdata) {
        struct apply_args *a = userdata;
        if (a->op->add)
                return set_put(a->set, call, a->op->err);
        set_remove(a->set, call);
        return 0;
}

int unit_syscalls_expand(const struct unit_hardening *h, struct unit_syscall **ret, size_t *ret_n) {
        struct syscall_set set = { 0 };
        /* systemd allows @default with every allow list: what any program needs. */
        const struct unit_syscall_op def = { .name = (char *) "@default",
                                             .err = UNIT_SYSCALL_DEFAULT,
                                             .add = true };
        int r = 0;
        for (size_t i = 0; r >= 0 && h->syscalls_set && i <= h->n_syscall_ops; i++) {
                const struct unit_syscall_op *op = i == 0 ? &def : &h->syscall_ops[i - 1];
                if (i == 0 && !h->syscalls_allow)
                        continue;
                r = for_each_call(op->name, 0, apply_call, &(struct apply_args){ &set, op });
        }
        if (r < 0) {
                unit_syscalls_free(set.v, set.n);
                return r;
        }
        *ret = set.v;
        *ret_n = set.n;
        return 0;
}

static bool syscall_name_is_valid(const char *s) {
        return *s && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(s);
}

/* A name the set cannot lose once "@known" is in it: @known is expanded by libseccomp later. */
static bool known_added(const struct unit_hardening *h) {
        bool in = false;
        for (size_t i = 0; i < h->n_syscall_ops; i++)
                if (streq(h->syscall_ops[i].name, "@known"))
                        in = h->syscall_ops[i].add;
        return in;
}

static int check_syscall(struct parse_ctx *ctx, const char *name, bool add) {
        const struct unit_hardening *h = &ctx->u->hardening;
        if (name[0] == '@' && !streq(name, "@known") && !syscall_group_calls(name))
                return ctx_error(ctx, "SystemCallFilter=: unknown system call group %s",
                                 ctx_short(ctx, name));
        if (name[0] != '@' && !syscall_name_is_valid(name))
                return ctx_error(ctx, "SystemCallFilter=: '%s' is not a system call name",
                                 ctx_short(ctx, name));
        if (!add && !streq(name, "@known") && known_added(h))
                return ctx_error(ctx, "SystemCallFilter=: svc cannot take %s out of @known", name);
        return 0;
}

static int push_op(struct unit_hardening *h, const char *name, int err, bool add) {
        struct unit_syscall_op *n = reallocarray(h->syscall_ops, h->n_syscall_ops + 1, sizeof(*n));
        if (!n)
                return -ENOMEM;
        h->syscall_ops = n;
        if (!(n[h->n_syscall_ops].name = strdup(name)))
                return -ENOMEM;
        n[h->n_syscall_ops].err = err;
        n[h->n_syscall_ops++].add = add;
        return 0;
}

static void syscalls_reset(struct unit_hardening *h) {
        for (size_t i = 0; i < h->n_syscall_ops; i++)
                free(h->syscall_ops[i].name);
        h->syscall_ops = mfree(h->syscall_ops);
        h->n_syscall_ops = 0;
        h->syscalls_set = h->syscalls_allow = false;
}

/* An errno name (EPERM) or number (0..4095). */
int parse_errno(const char *v, int *ret) {
        int n;
        if (parse_int_range(v, 0, 4095, &n) >= 0) {
                *ret = n;
                return 0;
        }
        for (n = 1; n < 4096; n++) {
                const char *name = strerrorname_np(n);
                if (name && streq(name, v)) {
                        *ret = n;
                        return 0;
                }
        }
        return -EINVAL;
}

/* "NAME", "NAME:ERRNO" or "NAME:kill" of a deny list. */
static int apply_syscall_word(struct parse_ctx *ctx, char *word, bool add) {
        struct unit_hardening *h = &ctx->u->hardening;
        int err = UNIT_SYSCALL_DEFAULT;
        char *colon = strchr(word, ':');
        if (colon) {
                *colon = '\0';
                if (h->syscalls_allow)
                        /* As systemd: the word is dropped, so the call stays forbidden. */
                        return ctx_warning(ctx,
                                           "SystemCallFilter=%s:%s: an allow list takes no error number; "
                                           "%s is not allowed",
                                           word, colon + 1, word);
                if (streq(colon + 1, "kill"))
                        err = UNIT_SYSCALL_KILL;
                else if (parse_errno(colon + 1, &err) < 0)
                        return ctx_error(ctx, "SystemCallFilter=%s:%s: expected an errno name or 0..4095",
                                         word, ctx_short(ctx, colon + 1));
        }
        int r = check_syscall(ctx, word, add);
        return r < 0 ? r : push_op(h, word, err, add);
}

int config_parse_syscall_filter(struct parse_ctx *ctx, const char *key _unused_, const char *value,
                                void *data, int ltype _unused_) {
        struct unit_hardening *h = data;
        if (!*value) {
                syscalls_reset(h);
                return 0;
        }
        bool invert = value[0] == '~';
        const char *why = NULL;
        _cleanup_strv_free_ char **words = NULL;
        int r = words_split(value + invert, WORD_UNQUOTE, &words, &why);
        if (r == -EINVAL)
                return ctx_error(ctx, "SystemCallFilter=%s: %s", ctx_short(ctx, value), why);
        if (r < 0)
                return r;
        if (!h->syscalls_set) {
                h->syscalls_set = true;
                h->syscalls_allow = !invert;
        }
        bool add = invert != h->syscalls_allow;
        STRV_FOREACH (w, words)
                if ((r = apply_syscall_word(ctx, *w, add)) < 0)
                        return r;
        return 0;
}

int config_parse_syscall_errno(struct parse_ctx *ctx, const char *key _unused_, const char *value, void *data,
                               int ltype _unused_) {
        int *err = data;
        if (!*value || streq(value, "kill")) {
                *err = 0;
                return 0;
        }
        if (streq(value, "log"))
                return ctx_error(ctx, "SystemCallErrorNumber=log would let the filtered system calls "
                                      "through; svc refuses or kills them");
        if (parse_errno(value, err) < 0 || *err == 0)
                return ctx_error(ctx,
                                 "SystemCallErrorNumber=%s: expected an errno name such as EPERM, "
                                 "1..4095, or kill",
                                 ctx_short(ctx, value));
        return 0;
}

/* systemd's architecture names (ConditionArchitecture=, plus x32 and the mips n32 ABIs). */
static const char *const arch_names[] = {
        "native",   "x86",        "x86-64",  "x32",       "arm",           "arm64", "mips",
        "mips64",   "mips64-n32", "mips-le", "mips64-le", "mips64-le-n32", "ppc",   "ppc64",
        "ppc64-le", "s390",       "s390x",   "riscv64",   "loongarch64",
};

int config_parse_syscall_archs(struct parse_ctx *ctx, const char *key _unused_, const char *value, void *data,
                               int ltype _unused_) {
        char ***archs = data;
        if (!*value) {
                *archs = strv_free(*archs);
                return 0;
        }
        _cleanup_strv_free_ char **words = NULL;
        int r = words_split(value, WORD_UNQUOTE, &words, NULL);
        if (r < 0)
                return r == -EINVAL ? ctx_error(ctx, "SystemCallArchitectures=%s: bad quoting", value) : r;
        STRV_FOREACH (w, words) {
                bool known = false;
                for (size_t i = 0; i < ELEMENTSOF(arch_names) && !known; i++)
                        known = streq(*w, arch_names[i]);
                if (!known)
                        return ctx_error(ctx, "SystemCallArchitectures=: unknown architecture %s",
                                         ctx_short(ctx, *w));
                if (!strv_contains(*archs, *w) && strv_extend(archs, *w) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* ---- RestrictAddressFamilies= ----------------------------------------------------------------- */

#define AF(x)                                                                                                \
        { #x, x }
static const struct {
        const char *name;
        int family;
} families[] = {
        AF(AF_UNIX),       AF(AF_LOCAL),     AF(AF_INET),     AF(AF_AX25),  AF(AF_IPX),     AF(AF_APPLETALK),
        AF(AF_NETROM),     AF(AF_BRIDGE),    AF(AF_ATMPVC),   AF(AF_X25),   AF(AF_INET6),   AF(AF_ROSE),
        AF(AF_DECnet),     AF(AF_NETBEUI),   AF(AF_SECURITY), AF(AF_KEY),   AF(AF_NETLINK), AF(AF_PACKET),
        AF(AF_ASH),        AF(AF_ECONET),    AF(AF_ATMSVC),   AF(AF_RDS),   AF(AF_SNA),     AF(AF_IRDA),
        AF(AF_PPPOX),      AF(AF_WANPIPE),   AF(AF_LLC),      AF(AF_IB),    AF(AF_MPLS),    AF(AF_CAN),
        AF(AF_TIPC),       AF(AF_BLUETOOTH), AF(AF_IUCV),     AF(AF_RXRPC), AF(AF_ISDN),    AF(AF_PHONET),
        AF(AF_IEEE802154), AF(AF_CAIF),      AF(AF_ALG),      AF(AF_NFC),   AF(AF_VSOCK),   AF(AF_KCM),
        AF(AF_QIPCRTR),    AF(AF_SMC),       AF(AF_XDP),      AF(AF_MCTP),
};
#undef AF

static int family_from_name(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(families); i++)
                if (streq(families[i].name, name))
                        return families[i].family;
        return -EINVAL;
}

static bool families_has(const struct unit_hardening *h, int af) {
        for (size_t i = 0; i < h->n_families; i++)
                if (h->families[i] == af)
                        return true;
        return false;
}

static int families_apply(struct unit_hardening *h, int af, bool add) {
        if (add == families_has(h, af))
                return 0;
        if (!add) {
                for (size_t i = 0; i < h->n_families; i++)
                        if (h->families[i] == af)
                                h->families[i] = h->families[--h->n_families];
                return 0;
        }
        int *n = reallocarray(h->families, h->n_families + 1, sizeof(int));
        if (!n)
                return -ENOMEM;
        h->families = n;
        n[h->n_families++] = af;
        return 0;
}

int config_parse_address_families(struct parse_ctx *ctx, const char *key _unused_, const char *value,
                                  void *data, int ltype _unused_) {
        struct unit_hardening *h = data;
        bool invert = value[0] == '~';
        if (!*value || streq(value, "none")) {
                /* "none": an allow list with nothing in it. */
                h->families = mfree(h->families);
                h->n_families = 0;
                h->families_set = h->families_allow = *value != '\0';
                return 0;
        }
        _cleanup_strv_free_ char **words = NULL;
        int r = words_split(value + invert, WORD_UNQUOTE, &words, NULL);
        if (r < 0)
                return r == -EINVAL ? ctx_error(ctx, "RestrictAddressFamilies=%s: bad quoting", value) : r;
        if (!h->families_set) {
                h->families_set = true;
                h->families_allow = !invert;
        }
        STRV_FOREACH (w, words) {
                int af = family_from_name(*w);
                if (af < 0)
                        return ctx_error(ctx, "RestrictAddressFamilies=: unknown address family %s",
                                         ctx_short(ctx, *w));
                if ((r = families_apply(h, af, invert != h->families_allow)) < 0)
                        return r;
        }
        return 0;
}

/* ---- RestrictNamespaces= ---------------------------------------------------------------------- */

/* svc's default filter already denies every new namespace and setns() (sandbox/seccomp-gen.c), and
 * a filter on top can only deny more: "yes" and "~TYPES" are met, "no" and "TYPES" cannot be. */
int config_parse_restrict_namespaces(struct parse_ctx *ctx, const char *key _unused_, const char *value,
                                     void *data _unused_, int ltype _unused_) {
        static const char *const types[] = { "cgroup", "ipc", "net", "mnt", "pid", "user", "uts" };
        int b = *value ? parse_boolean(value) : 1;
        if (b == 1)
                return 0;
        bool invert = value[0] == '~';
        _cleanup_strv_free_ char **words = NULL;
        int r = b == 0 ? 0 : words_split(value + invert, WORD_UNQUOTE, &words, NULL);
        if (r < 0)
                return r == -EINVAL ? ctx_error(ctx, "RestrictNamespaces=%s: bad quoting", value) : r;
        STRV_FOREACH (w, words) {
                bool known = false;
                for (size_t i = 0; i < ELEMENTSOF(types) && !known; i++)
                        known = streq(*w, types[i]);
                if (!known)
                        return ctx_error(ctx,
                                         "RestrictNamespaces=: unknown namespace type %s (expected cgroup, "
                                         "ipc, net, mnt, pid, user or uts)",
                                         ctx_short(ctx, *w));
        }
        if (invert)
                return 0;
        return ctx_warning(
                ctx,
                "RestrictNamespaces=%s: svc's seccomp filter denies every service creating or "
                "joining a namespace (clone with CLONE_NEW*, unshare, setns), and no key lifts that",
                ctx_short(ctx, value));
}

/* ---- ProtectClock=, ProtectKernelLogs= -------------------------------------------------------- */

/* Implied keys that also take capabilities out of the bounding set (unit_hardening_verify()). */
int config_parse_protect_caps(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                              int ltype) {
        int r = config_parse_implied(ctx, key, value, NULL, ltype);
        if (r < 0)
                return r;
        *(bool *) data = *value && parse_boolean(value) == 1;
        return 0;
}

/* ---- DevicePolicy=, DeviceAllow= -------------------------------------------------------------- */

static const char *const safe_devices[] = { "/dev/null",    "/dev/zero", "/dev/full", "/dev/random",
                                            "/dev/urandom", "/dev/tty",  "/dev/ptmx" };

bool unit_device_is_safe(const char *path) {
        for (size_t i = 0; i < ELEMENTSOF(safe_devices); i++)
                if (streq(path, safe_devices[i]))
                        return true;
        return strneq(path, "/dev/pts/", 9);
}

int config_parse_device_policy(struct parse_ctx *ctx, const char *key _unused_, const char *value, void *data,
                               int ltype _unused_) {
        static const char *const names[_DEVICE_POLICY_MAX] = { "auto", "closed", "strict" };
        enum device_policy *p = data;
        for (int i = 0; i < _DEVICE_POLICY_MAX; i++)
                if (streq(value, names[i]) || (!*value && i == DEVICE_POLICY_AUTO)) {
                        *p = (enum device_policy) i;
                        return 0;
                }
        return ctx_error(ctx, "DevicePolicy=%s: expected auto, closed or strict", ctx_short(ctx, value));
}

static bool device_name_is_valid(const char *n) {
        if (strneq(n, "char-", 5) || strneq(n, "block-", 6))
                return strlen(n) > 6 && !strchr(n, '/');
        return strneq(n, "/dev/", 5) && path_is_absolute_clean(n) && n[strlen(n) - 1] != '/';
}

static int parse_device_access(struct parse_ctx *ctx, const char *name, const char *access,
                               struct unit_device *d) {
        if (!*access)
                access = "rwm";
        if (strspn(access, "rwm") != strlen(access))
                return ctx_error(ctx, "DeviceAllow=%s %s: expected a combination of r, w and m", name,
                                 access);
        d->read = strchr(access, 'r');
        d->write = strchr(access, 'w');
        d->mknod = strchr(access, 'm');
        if (unit_device_is_safe(name))
                return 0;
        /* A bind of the node is the only way in; a read-only bind does not stop writes to a device. */
        if (!d->read || !d->write)
                return ctx_error(
                        ctx,
                        "DeviceAllow=%s %s: svc gives a device read-write or not at all (it binds the "
                        "host's node into the service's /dev, and a read-only bind does not stop "
                        "writes to a device)",
                        name, access);
        return 0;
}

int config_parse_device_allow(struct parse_ctx *ctx, const char *key _unused_, const char *value, void *data,
                              int ltype _unused_) {
        struct unit_hardening *h = data;
        if (!*value) {
                for (size_t i = 0; i < h->n_devices; i++)
                        free(h->devices[i].name);
                h->devices = mfree(h->devices);
                h->n_devices = 0;
                return 0;
        }
        _cleanup_free_ char *v = NULL;
        int r = ctx_specifiers(ctx, "DeviceAllow", value, &v);
        if (r < 0)
                return r;
        size_t n = strcspn(v, " \t");
        const char *access = v + n + strspn(v + n, " \t");
        v[n] = '\0';
        if (!device_name_is_valid(v))
                return ctx_error(ctx,
                                 "DeviceAllow=%s: expected a node under /dev or char-CLASS or block-CLASS",
                                 ctx_short(ctx, v));
        struct unit_device d = { 0 };
        if ((r = parse_device_access(ctx, v, access, &d)) < 0)
                return r;
        struct unit_device *l = reallocarray(h->devices, h->n_devices + 1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        h->devices = l;
        d.name = TAKE_PTR(v);
        l[h->n_devices++] = d;
        return 0;
}

/* ---- IPAddressAllow=, IPAddressDeny= ---------------------------------------------------------- */

/* ADDR[/LEN] with the host bits cleared, as "ADDR/LEN" (nftables refuses host bits). */
static int normalize_prefix(const char *v, char **ret) {
        char addr[INET6_ADDRSTRLEN + 1];
        const char *slash = strchr(v, '/');
        size_t n = slash ? (size_t) (slash - v) : strlen(v);
        if (n >= sizeof(addr))
                return -EINVAL;
        snprintf(addr, sizeof(addr), "%.*s", (int) n, v);
        unsigned char buf[16];
        int family = strchr(addr, ':') ? AF_INET6 : AF_INET, bits = family == AF_INET ? 32 : 128, len = bits;
        if (inet_pton(family, addr, buf) != 1 || (slash && parse_int_range(slash + 1, 0, bits, &len) < 0))
                return -EINVAL;
        for (int i = len; i < bits; i++)
                buf[i / 8] &= (unsigned char) ~(0x80U >> (i % 8));
        char out[INET6_ADDRSTRLEN];
        inet_ntop(family, buf, out, sizeof(out));
        return asprintf(ret, "%s/%d", out, len) < 0 ? -ENOMEM : 0;
}

static int ip_expand(const char *w, char ***list) {
        static const struct {
                const char *name, *v4, *v6;
        } special[] = {
                { "any", "0.0.0.0/0", "::/0" },
                { "localhost", "127.0.0.0/8", "::1/128" },
                { "link-local", "169.254.0.0/16", "fe80::/64" },
                { "multicast", "224.0.0.0/4", "ff00::/8" },
        };
        for (size_t i = 0; i < ELEMENTSOF(special); i++)
                if (streq(w, special[i].name)) {
                        int r = strv_contains(*list, special[i].v4) ? 0 : strv_extend(list, special[i].v4);
                        if (r >= 0 && !strv_contains(*list, special[i].v6))
                                r = strv_extend(list, special[i].v6);
                        return r;
                }
        char *p = NULL;
        int r = normalize_prefix(w, &p);
        if (r < 0)
                return r;
        if (strv_contains(*list, p)) {
                free(p);
                return 0;
        }
        return strv_push(list, p);
}

int config_parse_ip_address(struct parse_ctx *ctx, const char *key, const char *value, void *data,
                            int ltype _unused_) {
        char ***list = data;
        if (!*value) {
                *list = strv_free(*list);
                return 0;
        }
        _cleanup_strv_free_ char **words = NULL;
        int r = words_split(value, WORD_UNQUOTE, &words, NULL);
        if (r < 0)
                return r == -EINVAL ? ctx_error(ctx, "%s=%s: bad quoting", key, value) : r;
        STRV_FOREACH (w, words)
                if ((r = ip_expand(*w, list)) == -EINVAL)
                        return ctx_error(ctx,
                                         "%s=%s: expected an address, ADDRESS/PREFIX, any, localhost, "
                                         "link-local or multicast",
                                         key, ctx_short(ctx, *w));
                else if (r < 0)
                        return r;
        return 0;
}

/* ---- the whole unit --------------------------------------------------------------------------- */

void unit_hardening_done(struct unit_hardening *h) {
        syscalls_reset(h);
        h->syscall_archs = strv_free(h->syscall_archs);
        h->families = mfree(h->families);
        for (size_t i = 0; i < h->n_devices; i++)
                free(h->devices[i].name);
        h->devices = mfree(h->devices);
        h->ip_allow = strv_free(h->ip_allow);
        h->ip_deny = strv_free(h->ip_deny);
}

bool unit_hardening_wants_filter(const struct unit_hardening *h) {
        return h->syscalls_set || h->syscall_archs || h->families_set || h->memory_deny_write_execute ||
               h->restrict_realtime || h->restrict_suid_sgid || h->lock_personality;
}

/* After every file: what ProtectClock= and ProtectKernelLogs= take from the capabilities (systemd
 * drops them from the bounding set; svc's default set has none of them), and the keys that need
 * another to mean anything. */
int unit_hardening_verify(struct parse_ctx *ctx) {
        const struct unit_location *network_loc = &ctx->network_loc;
        struct unit *u = ctx->u;
        struct unit_hardening *h = &u->hardening;
        uint64_t drop = 0;
        if (h->protect_clock)
                drop |= (1ULL << CAP_SYS_TIME) | (1ULL << CAP_WAKE_ALARM);
        if (h->protect_kernel_logs)
                drop |= 1ULL << CAP_SYSLOG;
        if (u->capability_bounding_set != UNIT_UNSET)
                u->capability_bounding_set &= ~drop;
        u->ambient_capabilities &= ~drop;
        if ((h->ip_allow || h->ip_deny) && !u->private_network)
                return diag_add(ctx->diag, false, network_loc->file, network_loc->line,
                                "IPAddressAllow= and IPAddressDeny= filter the service's own link, and "
                                "PrivateNetwork=no leaves it on the host's: drop one or the other");
        return 0;
}
