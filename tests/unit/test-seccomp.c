/* SPDX-License-Identifier: MIT */
/* svc's seccomp filter, one syscall per test. A test forks a child that sets no_new_privs, loads
 * the filter and makes the call; the child reports the call's errno over a pipe. A denial is
 * only asserted where the same call without the filter gives another answer (it runs first, in
 * a child of its own, with arguments that make it fail harmlessly or succeed harmlessly), so no
 * test passes because the caller lacks a privilege: there the test skips and says why. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "common/macro.h"
#include "common/util.h"
#include "sandbox/sandbox.h"

#ifndef SYS_lsm_list_modules
#define SYS_lsm_list_modules 461
#endif
#ifndef SYS_open_tree_attr
#define SYS_open_tree_attr 467
#endif
#ifndef AF_ALG
#define AF_ALG 38
#endif
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

#define MISSING "/nonexistent/svc-test-seccomp"
#define KEYCTL_GET_KEYRING_ID 0
#define NO_SUCH_SYSCALL 1000

enum outcome_kind {
        OUTCOME_RETURNED, /* value: 0 or the errno of the call */
        OUTCOME_NNP_FAILED, /* value: errno */
        OUTCOME_APPLY_FAILED, /* value: errno */
        OUTCOME_EXITED, /* no report; value: exit status */
        OUTCOME_KILLED, /* value: signal */
};

struct outcome {
        int kind;
        int value;
};

/* 0, or the errno of the failed call. Runs in the child: no cmocka asserts. */
typedef int (*attempt_fn)(void);

static int errno_of(long r) {
        return r < 0 ? errno : 0;
}

_noreturn_ static void report(int fd, int kind, int value) {
        struct outcome o = { .kind = kind, .value = value };
        ssize_t n = write(fd, &o, sizeof(o));
        _exit(n == (ssize_t) sizeof(o) ? 0 : 1);
}

_noreturn_ static void child(attempt_fn attempt, bool filtered, int fd) {
        /* cmocka's handlers for these signals would longjmp into a copy of its runner: the child
         * would report a failure and run the remaining tests. The default action ends the child,
         * and the parent reads the signal as the outcome (an `int $0x80` on a kernel without
         * 32-bit emulation raises SIGSEGV). */
        static const int fatal[] = { SIGSEGV, SIGILL, SIGBUS, SIGFPE, SIGSYS, SIGABRT };
        for (size_t i = 0; i < ELEMENTSOF(fatal); i++)
                signal(fatal[i], SIG_DFL);
        if (filtered && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                report(fd, OUTCOME_NNP_FAILED, errno);
        int r = filtered ? sandbox_seccomp_apply() : 0;
        if (r < 0)
                report(fd, OUTCOME_APPLY_FAILED, -r);
        report(fd, OUTCOME_RETURNED, attempt());
}

static struct outcome run(attempt_fn attempt, bool filtered) {
        int pipe_fds[2];
        assert_int_equal(pipe2(pipe_fds, O_CLOEXEC), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(pipe_fds[0]);
                child(attempt, filtered, pipe_fds[1]);
        }
        close(pipe_fds[1]);
        struct outcome o;
        ssize_t n;
        do
                n = read(pipe_fds[0], &o, sizeof(o));
        while (n < 0 && errno == EINTR);
        close(pipe_fds[0]);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (n == (ssize_t) sizeof(o))
                return o;
        if (WIFSIGNALED(status))
                return (struct outcome){ .kind = OUTCOME_KILLED, .value = WTERMSIG(status) };
        return (struct outcome){ .kind = OUTCOME_EXITED, .value = WEXITSTATUS(status) };
}

static const char *describe(struct outcome o) {
        static char buf[128];
        switch (o.kind) {
        case OUTCOME_RETURNED:
                snprintf(buf, sizeof(buf), "returned %s", o.value == 0 ? "success" : strerror(o.value));
                break;
        case OUTCOME_KILLED:
                snprintf(buf, sizeof(buf), "was killed by signal %d", o.value);
                break;
        default:
                snprintf(buf, sizeof(buf), "ended as outcome %d, value %d", o.kind, o.value);
        }
        return buf;
}

/* The filter answers WHAT with EXPECTED, where the kernel alone does not. */
static void assert_filter_errno(attempt_fn attempt, int expected, const char *what) {
        struct outcome plain = run(attempt, false);
        if (plain.kind != OUTCOME_RETURNED || plain.value == expected) {
                print_message("skip: without the filter, %s %s: that cannot tell the filter's answer apart\n",
                              what, describe(plain));
                skip();
        }
        struct outcome o = run(attempt, true);
        if (o.kind != OUTCOME_RETURNED || o.value != expected)
                fail_msg("with the filter, %s %s, expected %s", what, describe(o), strerror(expected));
}
#define assert_denied(attempt) assert_filter_errno(attempt, EPERM, #attempt)

/* WHAT works with the filter, wherever it works without. */
static void assert_allowed_as(attempt_fn attempt, const char *what) {
        struct outcome plain = run(attempt, false);
        if (plain.kind != OUTCOME_RETURNED || plain.value != 0) {
                print_message("skip: without the filter, %s %s\n", what, describe(plain));
                skip();
        }
        struct outcome o = run(attempt, true);
        if (o.kind != OUTCOME_RETURNED || o.value != 0)
                fail_msg("with the filter, %s %s", what, describe(o));
}
#define assert_allowed(attempt) assert_allowed_as(attempt, #attempt)

/* test_seccomp__NAME asserts that ATTEMPT is denied with EPERM, or works. */
#define DENIED_TEST(name, attempt)                                                                           \
        static void test_seccomp__##name(void **state _unused_) {                                            \
                assert_denied(attempt);                                                                      \
        }
#define ALLOWED_TEST(name, attempt)                                                                          \
        static void test_seccomp__##name(void **state _unused_) {                                            \
                assert_allowed(attempt);                                                                     \
        }

/* ---- mounts and namespaces ------------------------------------------------------------------ */

static int do_mount(void) {
        return errno_of(mount("none", MISSING, "tmpfs", 0, NULL));
}

static int do_umount2(void) {
        return errno_of(umount2(MISSING, 0));
}

static int do_pivot_root(void) {
        return errno_of(syscall(SYS_pivot_root, MISSING "/new", MISSING "/old"));
}

static int do_fsopen(void) {
        return errno_of(syscall(SYS_fsopen, "svc-test-no-such-fs", 0));
}

static int do_open_tree(void) {
        return errno_of(syscall(SYS_open_tree, AT_FDCWD, MISSING, 0));
}

static int do_open_tree_attr(void) {
        return errno_of(syscall(SYS_open_tree_attr, AT_FDCWD, MISSING, 0, NULL, 0));
}

static int do_unshare_newns(void) {
        return errno_of(unshare(CLONE_NEWNS));
}

static int do_unshare_newuser(void) {
        return errno_of(unshare(CLONE_NEWUSER));
}

static int do_setns(void) {
        int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return errno;
        return errno_of(setns(fd, CLONE_NEWNET));
}

/* The raw syscall: glibc's clone() wrapper wants a stack; without one the child runs on a copy
 * of the parent's, as after fork. */
static int raw_clone(unsigned long flags) {
        long pid = syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
        if (pid < 0)
                return errno;
        if (pid == 0)
                _exit(0);
        int status;
        if (waitpid((pid_t) pid, &status, 0) < 0)
                return errno;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : ECHILD;
}

static int do_clone_newuser(void) {
        return raw_clone(CLONE_NEWUSER);
}

static int do_clone_newnet(void) {
        return raw_clone(CLONE_NEWNET);
}

static int do_clone_newpid(void) {
        return raw_clone(CLONE_NEWPID);
}

static int do_clone_plain(void) {
        return raw_clone(0);
}

static int do_clone3(void) {
        /* Without the filter: EINVAL (no arguments), so nothing is created. */
        return errno_of(syscall(SYS_clone3, NULL, 0));
}

static int do_chroot(void) {
        return errno_of(chroot("/"));
}

DENIED_TEST(mount_is_denied, do_mount)
DENIED_TEST(umount2_is_denied, do_umount2)
DENIED_TEST(pivot_root_is_denied, do_pivot_root)
DENIED_TEST(fsopen_is_denied, do_fsopen)
DENIED_TEST(open_tree_is_denied, do_open_tree)

DENIED_TEST(open_tree_attr_is_denied, do_open_tree_attr) /* Debian 12's libseccomp cannot name it */
DENIED_TEST(unshare_mount_namespace_is_denied, do_unshare_newns)
DENIED_TEST(unshare_user_namespace_is_denied, do_unshare_newuser)
DENIED_TEST(setns_is_denied, do_setns)
DENIED_TEST(clone_new_user_is_denied, do_clone_newuser)
DENIED_TEST(clone_new_net_is_denied, do_clone_newnet)
DENIED_TEST(clone_new_pid_is_denied, do_clone_newpid)

static void test_seccomp__clone3_returns_enosys(void **state _unused_) {
        assert_filter_errno(do_clone3, ENOSYS, "do_clone3");
}

ALLOWED_TEST(clone_without_namespaces_works, do_clone_plain)
ALLOWED_TEST(chroot_works, do_chroot)

/* ---- processes ------------------------------------------------------------------------------ */

static int do_fork(void) {
        pid_t pid = fork();
        if (pid < 0)
                return errno;
        if (pid == 0)
                _exit(0);
        int status;
        if (waitpid(pid, &status, 0) < 0)
                return errno;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : ECHILD;
}

static void *thread_main(void *arg) {
        return arg;
}

/* glibc tries clone3 first; on ENOSYS it falls back to clone with the thread flags. */
static int do_pthread_create(void) {
        pthread_t t;
        int r = pthread_create(&t, NULL, thread_main, NULL);
        if (r != 0)
                return r;
        return pthread_join(t, NULL);
}

static int do_ptrace_traceme(void) {
        return errno_of(syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, NULL, NULL));
}

static int do_process_vm_readv(void) {
        char from[8] = "svc", to[8];
        struct iovec local = { .iov_base = to, .iov_len = sizeof(to) };
        struct iovec remote = { .iov_base = from, .iov_len = sizeof(from) };
        return errno_of(process_vm_readv(getpid(), &local, 1, &remote, 1, 0));
}

static int do_personality_dockers_values(void) {
        static const unsigned long values[] = { PER_LINUX32, UNAME26, PER_LINUX32 | UNAME26, PER_LINUX,
                                                0xffffffff };
        for (size_t i = 0; i < ELEMENTSOF(values); i++)
                if (syscall(SYS_personality, values[i]) < 0)
                        return errno;
        return 0;
}

static int do_personality_read_implies_exec(void) {
        return errno_of(syscall(SYS_personality, READ_IMPLIES_EXEC));
}

static int do_personality_linux32_no_randomize(void) {
        return errno_of(syscall(SYS_personality, PER_LINUX32 | ADDR_NO_RANDOMIZE));
}

static bool personality_is_dockers(unsigned long v) {
        uint32_t low = (uint32_t) v; /* what the kernel reads */
        return low == 0 || low == 0x8 || low == 0x20000 || low == 0x20008 || low == 0xffffffff;
}

/* 0 when the filter answers V as Docker's list says; otherwise EDOM, and V on stderr. */
static int personality_check(unsigned long v) {
        bool denied = syscall(SYS_personality, v) < 0 && errno == EPERM;
        if (denied == !personality_is_dockers(v))
                return 0;
        fprintf(stderr, "personality(%#lx) was %s\n", v, denied ? "denied" : "allowed");
        return EDOM;
}

static int personality_sweep_bits(void) {
        int r = 0;
        for (unsigned i = 0; i < 32 && r == 0; i++)
                for (unsigned j = i; j < 32 && r == 0; j++) {
                        uint32_t v = (UINT32_C(1) << i) | (UINT32_C(1) << j);
                        r = personality_check(v);
                        r = r ?: personality_check(~v);
                        r = r ?: personality_check(v | 0x20008);
                        r = r ?: personality_check(v & ~UINT32_C(0x20008));
                }
        return r;
}

/* Values with one or two bits set or clear, Docker's five with high bits, and a pseudo-random
 * sample (a fixed xorshift, so a failure repeats). */
static int do_personality_sweep(void) {
        int r = personality_sweep_bits();
#if ULONG_MAX > UINT32_MAX
        for (unsigned long high = 1; high <= 0x80000000 && r == 0; high <<= 4)
                r = personality_check(high << 32 | 0x20008) ?: personality_check(high << 32 | 0x400000);
#endif
        uint32_t x = 2463534242u;
        for (int i = 0; i < 20000 && r == 0; i++) {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                r = personality_check(x);
        }
        return r;
}

static int do_execve_true(void) {
        char *argv[] = { (char *) "true", NULL };
        char *envp[] = { NULL };
        execve("/bin/true", argv, envp);
        return errno;
}

static int do_setresuid_nobody(void) {
        if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
            setresuid(65534, 65534, 65534) < 0)
                return errno;
        return 0;
}

static int do_get_seccomp_mode(void) {
        return prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 2 /* SECCOMP_MODE_FILTER */ ? 0 : EINVAL;
}

ALLOWED_TEST(fork_works, do_fork)
ALLOWED_TEST(pthread_create_works, do_pthread_create)
DENIED_TEST(ptrace_traceme_is_denied, do_ptrace_traceme)
DENIED_TEST(process_vm_readv_is_denied, do_process_vm_readv)
ALLOWED_TEST(personality_allows_dockers_values, do_personality_dockers_values)
DENIED_TEST(personality_read_implies_exec_is_denied, do_personality_read_implies_exec)
DENIED_TEST(personality_linux32_without_aslr_is_denied, do_personality_linux32_no_randomize)

static void test_seccomp__personality_denies_every_other_value(void **state _unused_) {
        struct outcome o = run(do_personality_sweep, true);
        if (o.kind != OUTCOME_RETURNED || o.value != 0)
                fail_msg("the personality sweep %s (the value is on stderr)", describe(o));
}

static void test_seccomp__execve_works(void **state _unused_) {
        /* The report pipe is O_CLOEXEC: no report and status 0 mean /bin/true ran. */
        struct outcome o = run(do_execve_true, true);
        if (o.kind != OUTCOME_EXITED || o.value != 0)
                fail_msg("execve(/bin/true) with the filter: %s", describe(o));
}

/* The launcher loads the filter before it drops to the service's credentials. */
ALLOWED_TEST(credentials_can_be_dropped_after_loading, do_setresuid_nobody)

static void test_seccomp__apply_installs_a_filter(void **state _unused_) {
        struct outcome o = run(do_get_seccomp_mode, true);
        if (o.kind != OUTCOME_RETURNED || o.value != 0)
                fail_msg("PR_GET_SECCOMP after sandbox_seccomp_apply(): %s", describe(o));
}

/* ---- keys, BPF, modules, the machine -------------------------------------------------------- */

static int do_keyctl(void) {
        return errno_of(syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, -100 /* no such keyring */, 0));
}

static int do_add_key(void) {
        return errno_of(syscall(SYS_add_key, "user", "svc-test", "x", 1, 0 /* no keyring */));
}

static int do_request_key(void) {
        return errno_of(syscall(SYS_request_key, "user", "svc-test-no-such-key", NULL, 0));
}

static int do_bpf(void) {
        return errno_of(syscall(SYS_bpf, 0 /* BPF_MAP_CREATE */, NULL, 0));
}

static int do_kexec_load(void) {
        /* An unknown architecture in the flags: EINVAL before anything is loaded or unloaded. */
        return errno_of(syscall(SYS_kexec_load, 0UL, 0UL, NULL, 0xdead0000UL));
}

static int do_init_module(void) {
        return errno_of(syscall(SYS_init_module, NULL, 0UL, ""));
}

static int do_finit_module(void) {
        return errno_of(syscall(SYS_finit_module, -1, "", 0));
}

static int do_reboot(void) {
        /* Wrong magic: EINVAL for root without the filter, never a reboot. */
        return errno_of(syscall(SYS_reboot, 0, 0, 0, NULL));
}

static int do_swapon(void) {
        return errno_of(swapon(MISSING, 0));
}

static int do_open_by_handle_at(void) {
        _Alignas(struct file_handle) unsigned char buf[sizeof(struct file_handle) + MAX_HANDLE_SZ] = { 0 };
        struct file_handle *fh = (struct file_handle *) buf;
        return errno_of(open_by_handle_at(AT_FDCWD, fh, O_RDONLY | O_CLOEXEC));
}

static int do_name_to_handle_at(void) {
        _Alignas(struct file_handle) unsigned char buf[sizeof(struct file_handle) + MAX_HANDLE_SZ] = { 0 };
        struct file_handle *fh = (struct file_handle *) buf;
        fh->handle_bytes = MAX_HANDLE_SZ;
        int mount_id;
        return errno_of(name_to_handle_at(AT_FDCWD, "/", fh, &mount_id, 0));
}

static int do_perf_event_open(void) {
        return errno_of(syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0UL));
}

static int do_userfaultfd(void) {
        return errno_of(syscall(SYS_userfaultfd, 0xdead /* bad flags: EINVAL */));
}

static int do_sethostname(void) {
        /* Too long: EINVAL for root, and the host's name stays. */
        return errno_of(syscall(SYS_sethostname, "x", 1000UL));
}

static int do_io_uring_setup(void) {
        return errno_of(syscall(SYS_io_uring_setup, 1, NULL));
}

static int do_adjtimex(void) {
        struct timex tx = { .modes = 0 };
        return errno_of(adjtimex(&tx));
}

static int do_lsm_list_modules(void) {
        uint32_t size = 0;
        return errno_of(syscall(SYS_lsm_list_modules, NULL, &size, 0));
}

static int do_no_such_syscall(void) {
        return errno_of(syscall(NO_SUCH_SYSCALL, 0));
}

DENIED_TEST(keyctl_is_denied, do_keyctl)
DENIED_TEST(add_key_is_denied, do_add_key)
DENIED_TEST(request_key_is_denied, do_request_key)
DENIED_TEST(bpf_is_denied, do_bpf)
DENIED_TEST(kexec_load_is_denied, do_kexec_load)
DENIED_TEST(init_module_is_denied, do_init_module)
DENIED_TEST(finit_module_is_denied, do_finit_module)
DENIED_TEST(reboot_is_denied, do_reboot)
DENIED_TEST(swapon_is_denied, do_swapon)
DENIED_TEST(open_by_handle_at_is_denied, do_open_by_handle_at)
DENIED_TEST(name_to_handle_at_is_denied, do_name_to_handle_at)
DENIED_TEST(perf_event_open_is_denied, do_perf_event_open)
DENIED_TEST(userfaultfd_is_denied, do_userfaultfd)
DENIED_TEST(sethostname_is_denied, do_sethostname)
DENIED_TEST(io_uring_setup_is_denied, do_io_uring_setup)
DENIED_TEST(adjtimex_is_denied, do_adjtimex)
DENIED_TEST(lsm_list_modules_is_denied, do_lsm_list_modules)

/* Default ALLOW: a number nobody knows gets the kernel's own answer (ENOSYS), not EPERM. */
static void test_seccomp__unknown_syscall_reaches_the_kernel(void **state _unused_) {
        struct outcome plain = run(do_no_such_syscall, false);
        struct outcome o = run(do_no_such_syscall, true);
        assert_int_equal(plain.kind, OUTCOME_RETURNED);
        assert_int_equal(plain.value, ENOSYS);
        if (o.kind != OUTCOME_RETURNED || o.value != ENOSYS)
                fail_msg("syscall %d with the filter %s, expected ENOSYS", NO_SUCH_SYSCALL, describe(o));
}

/* ---- terminals ------------------------------------------------------------------------------- */

/* A new pty's slave side; it is nobody's controlling terminal, so TIOCSTI needs CAP_SYS_ADMIN. */
static int open_pty_slave(void) {
        int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0 || unlockpt(master) < 0)
                return -1;
        return ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
}

static int do_tiocsti(void) {
        int fd = open_pty_slave();
        if (fd < 0)
                return errno;
        char c = 'x';
        return errno_of(ioctl(fd, TIOCSTI, &c));
}

/* CVE-2019-10063: the kernel reads the request as 32 bits, a 64-bit compare would miss it. */
static int do_tiocsti_high_bits(void) {
        int fd = open_pty_slave();
        if (fd < 0)
                return errno;
        char c = 'x';
        return errno_of(syscall(SYS_ioctl, fd, (unsigned long) (UINT64_C(0xffffffff00000000) | TIOCSTI), &c));
}

static int do_tioclinux(void) {
        int fd = open_pty_slave();
        if (fd < 0)
                return errno;
        char subcode = 7; /* TIOCL_GETMOUSEREPORTING; a pty answers ENOTTY without the filter */
        return errno_of(ioctl(fd, TIOCLINUX, &subcode));
}

static int do_tiocgwinsz(void) {
        int fd = open_pty_slave();
        if (fd < 0)
                return errno;
        struct winsize ws;
        return errno_of(ioctl(fd, TIOCGWINSZ, &ws));
}

DENIED_TEST(ioctl_tiocsti_is_denied, do_tiocsti)
DENIED_TEST(ioctl_tiocsti_with_high_bits_is_denied, do_tiocsti_high_bits)
DENIED_TEST(ioctl_tioclinux_is_denied, do_tioclinux)
ALLOWED_TEST(ioctl_tiocgwinsz_works, do_tiocgwinsz)

/* ---- sockets --------------------------------------------------------------------------------- */

static int do_socket_bind_loopback(void) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return errno;
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || listen(fd, 1) < 0)
                return errno;
        return 0;
}

static int do_socket_vsock(void) {
        return errno_of(socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0));
}

static int do_socket_alg(void) {
        return errno_of(socket(AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
}

/* The kernel reads the family as an int. */
static int do_socket_alg_high_bits(void) {
        return errno_of(syscall(SYS_socket, (unsigned long) (UINT64_C(1) << 32 | AF_ALG),
                                SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
}

static int do_socket_family_46(void) {
        return errno_of(socket(46, SOCK_DGRAM | SOCK_CLOEXEC, 0));
}

ALLOWED_TEST(socket_bind_on_loopback_works, do_socket_bind_loopback)
DENIED_TEST(socket_vsock_is_denied, do_socket_vsock)
DENIED_TEST(socket_alg_is_denied, do_socket_alg)
DENIED_TEST(socket_alg_with_high_bits_is_denied, do_socket_alg_high_bits)
DENIED_TEST(socket_family_past_docker_list_is_denied, do_socket_family_46)

/* ---- the other ABIs of x86-64 ---------------------------------------------------------------- */

#ifdef __x86_64__
#define I386_GETPID 20
#define I386_MOUNT 21
#define I386_SOCKETCALL 102
#define I386_SYS_SOCKET 1
#define X32_SYSCALL_BIT 0x40000000
#define X32_MOUNT 165

/* A syscall through the i386 entry, which takes 32-bit arguments: pointers must be NULL or
 * below 4 GiB. The kernel returns -errno in eax. */
static int int80(long nr, long a, long b) {
        long ret;
        __asm__ volatile("int $0x80"
                         : "=a"(ret)
                         : "a"(nr), "b"(a), "c"(b), "d"(0L), "S"(0L), "D"(0L)
                         : "memory", "r8", "r9", "r10", "r11");
        return (int) ret;
}

static int do_i386_mount(void) {
        int r = int80(I386_MOUNT, 0, 0);
        return r < 0 ? -r : 0;
}

static int do_i386_open_tree_attr(void) {
        int r = int80(SYS_open_tree_attr, 0, 0);
        return r < 0 ? -r : 0;
}

static int do_i386_getpid(void) {
        int r = int80(I386_GETPID, 0, 0);
        return r == getpid() ? 0 : r < 0 ? -r : ESRCH;
}

/* How glibc opens sockets on i386: the socket rule must leave socketcall alone. */
static int do_i386_socketcall_socket(void) {
        uint32_t *args =
                mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
        if (args == MAP_FAILED)
                return errno;
        args[0] = AF_INET;
        args[1] = SOCK_DGRAM | SOCK_CLOEXEC;
        args[2] = 0;
        int r = int80(I386_SOCKETCALL, I386_SYS_SOCKET, (long) (uintptr_t) args);
        return r < 0 ? -r : 0;
}

static int do_x32_mount(void) {
        return errno_of(syscall(X32_SYSCALL_BIT | X32_MOUNT, NULL, NULL, NULL, 0UL, NULL));
}

DENIED_TEST(i386_mount_is_denied, do_i386_mount)
DENIED_TEST(i386_open_tree_attr_is_denied, do_i386_open_tree_attr)
ALLOWED_TEST(i386_getpid_works, do_i386_getpid)
ALLOWED_TEST(i386_socketcall_socket_works, do_i386_socketcall_socket)
DENIED_TEST(x32_mount_is_denied, do_x32_mount)
#endif

/* ---- the generated header -------------------------------------------------------------------- */

/* The output of PROGRAM, NUL-terminated, or NULL. */
static char *capture(const char *program) {
        _cleanup_close_ int fd = memfd_create("svc-test-seccomp", MFD_CLOEXEC);
        if (fd < 0)
                return NULL;
        pid_t pid = fork();
        if (pid < 0)
                return NULL;
        if (pid == 0) {
                if (dup2(fd, STDOUT_FILENO) >= 0)
                        execl(program, program, (char *) NULL);
                _exit(127);
        }
        int status;
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return NULL;
        off_t size = lseek(fd, 0, SEEK_END);
        if (size < 0)
                return NULL;
        char *buf = calloc(1, (size_t) size + 1);
        if (buf && pread(fd, buf, (size_t) size, 0) != size)
                buf = mfree(buf);
        return buf;
}

static char *read_file(const char *path) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0)
                return NULL;
        char *buf = calloc(1, (size_t) st.st_size + 1);
        if (buf && read(fd, buf, (size_t) st.st_size) != st.st_size)
                buf = mfree(buf);
        return buf;
}

/* DIR/../NAME, where DIR holds this test binary (BUILD/tests). */
static bool build_path(const char *name, char *ret, size_t size) {
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (n < 0)
                return false;
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (!slash)
                return false;
        *slash = '\0';
        return snprintf(ret, size, "%s/../%s", exe, name) < (int) size;
}

static void test_seccomp__generated_header_is_deterministic(void **state _unused_) {
        char gen[PATH_MAX], header[PATH_MAX];
        assert_true(build_path("seccomp-gen", gen, sizeof(gen)));
        assert_true(build_path("gen/seccomp-bpf.h", header, sizeof(header)));
        if (access(gen, X_OK) < 0) {
                print_message("skip: no generator at %s: %m\n", gen);
                skip();
        }
        _cleanup_free_ char *first = capture(gen);
        _cleanup_free_ char *second = capture(gen);
        assert_non_null(first);
        assert_non_null(second);
        assert_string_equal(first, second);
        /* And the same as the header this test was built with. */
        _cleanup_free_ char *built = read_file(header);
        assert_non_null(built);
        assert_string_equal(first, built);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_seccomp__mount_is_denied),
                cmocka_unit_test(test_seccomp__umount2_is_denied),
                cmocka_unit_test(test_seccomp__pivot_root_is_denied),
                cmocka_unit_test(test_seccomp__fsopen_is_denied),
                cmocka_unit_test(test_seccomp__open_tree_is_denied),
                cmocka_unit_test(test_seccomp__open_tree_attr_is_denied),
                cmocka_unit_test(test_seccomp__unshare_mount_namespace_is_denied),
                cmocka_unit_test(test_seccomp__unshare_user_namespace_is_denied),
                cmocka_unit_test(test_seccomp__setns_is_denied),
                cmocka_unit_test(test_seccomp__clone_new_user_is_denied),
                cmocka_unit_test(test_seccomp__clone_new_net_is_denied),
                cmocka_unit_test(test_seccomp__clone_new_pid_is_denied),
                cmocka_unit_test(test_seccomp__clone3_returns_enosys),
                cmocka_unit_test(test_seccomp__clone_without_namespaces_works),
                cmocka_unit_test(test_seccomp__chroot_works),
                cmocka_unit_test(test_seccomp__fork_works),
                cmocka_unit_test(test_seccomp__pthread_create_works),
                cmocka_unit_test(test_seccomp__ptrace_traceme_is_denied),
                cmocka_unit_test(test_seccomp__process_vm_readv_is_denied),
                cmocka_unit_test(test_seccomp__personality_allows_dockers_values),
                cmocka_unit_test(test_seccomp__personality_read_implies_exec_is_denied),
                cmocka_unit_test(test_seccomp__personality_linux32_without_aslr_is_denied),
                cmocka_unit_test(test_seccomp__personality_denies_every_other_value),
                cmocka_unit_test(test_seccomp__execve_works),
                cmocka_unit_test(test_seccomp__credentials_can_be_dropped_after_loading),
                cmocka_unit_test(test_seccomp__apply_installs_a_filter),
                cmocka_unit_test(test_seccomp__keyctl_is_denied),
                cmocka_unit_test(test_seccomp__add_key_is_denied),
                cmocka_unit_test(test_seccomp__request_key_is_denied),
                cmocka_unit_test(test_seccomp__bpf_is_denied),
                cmocka_unit_test(test_seccomp__kexec_load_is_denied),
                cmocka_unit_test(test_seccomp__init_module_is_denied),
                cmocka_unit_test(test_seccomp__finit_module_is_denied),
                cmocka_unit_test(test_seccomp__reboot_is_denied),
                cmocka_unit_test(test_seccomp__swapon_is_denied),
                cmocka_unit_test(test_seccomp__open_by_handle_at_is_denied),
                cmocka_unit_test(test_seccomp__name_to_handle_at_is_denied),
                cmocka_unit_test(test_seccomp__perf_event_open_is_denied),
                cmocka_unit_test(test_seccomp__userfaultfd_is_denied),
                cmocka_unit_test(test_seccomp__sethostname_is_denied),
                cmocka_unit_test(test_seccomp__io_uring_setup_is_denied),
                cmocka_unit_test(test_seccomp__adjtimex_is_denied),
                cmocka_unit_test(test_seccomp__lsm_list_modules_is_denied),
                cmocka_unit_test(test_seccomp__unknown_syscall_reaches_the_kernel),
                cmocka_unit_test(test_seccomp__ioctl_tiocsti_is_denied),
                cmocka_unit_test(test_seccomp__ioctl_tiocsti_with_high_bits_is_denied),
                cmocka_unit_test(test_seccomp__ioctl_tioclinux_is_denied),
                cmocka_unit_test(test_seccomp__ioctl_tiocgwinsz_works),
                cmocka_unit_test(test_seccomp__socket_bind_on_loopback_works),
                cmocka_unit_test(test_seccomp__socket_vsock_is_denied),
                cmocka_unit_test(test_seccomp__socket_alg_is_denied),
                cmocka_unit_test(test_seccomp__socket_alg_with_high_bits_is_denied),
                cmocka_unit_test(test_seccomp__socket_family_past_docker_list_is_denied),
#ifdef __x86_64__
                cmocka_unit_test(test_seccomp__i386_mount_is_denied),
                cmocka_unit_test(test_seccomp__i386_open_tree_attr_is_denied),
                cmocka_unit_test(test_seccomp__i386_getpid_works),
                cmocka_unit_test(test_seccomp__i386_socketcall_socket_works),
                cmocka_unit_test(test_seccomp__x32_mount_is_denied),
#endif
                cmocka_unit_test(test_seccomp__generated_header_is_deterministic),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
