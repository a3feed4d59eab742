/* SPDX-License-Identifier: MIT */
/* A service's own seccomp filter, compiled by libseccomp from its hardening keys, as systemd's
 * src/shared/seccomp-util.c builds them (systemd.exec(5)). It is loaded after svc's default filter
 * (seccomp-gen.c), and the kernel runs both: a call passes only when both let it, so a unit can
 * make its sandbox stricter, never looser.
 *
 * Two programs at most: one for the argument rules of the other keys (default: allow), then
 * SystemCallFilter= with SystemCallArchitectures= (their default action is the unit's), loaded
 * last so that an allow list need not allow seccomp() itself. Each is built per
 * ABI (a rule on arguments cannot be written for a call that an ABI multiplexes through
 * socketcall or ipc) and the ABIs are merged, as seccomp-gen.c does.
 *
 * Linked into svc-seccomp only (supervisor/seccomp/main.c): svcd does not map libseccomp or keep the heap a
 * compile leaves behind. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/macro.h"
#include "sandbox/sandbox.h"

struct abi {
        const char *name; /* systemd's name */
        uint32_t token;
        bool socketcall; /* socket() may come through socketcall(2): no rule on its family */
        bool ipc; /* shmat() may come through ipc(2) */
};

/* svc's ABIs, the native one first: those the default filter lets through (seccomp-gen.c). */
static const struct abi abis[] = {
#if defined(__x86_64__) && !defined(__ILP32__)
        { "x86-64", SCMP_ARCH_X86_64, false, false },
        { "x86", SCMP_ARCH_X86, true, true },
        { "x32", SCMP_ARCH_X32, false, false },
#elif defined(__aarch64__)
        { "arm64", SCMP_ARCH_AARCH64, false, false },
        { "arm", SCMP_ARCH_ARM, false, false },
#else
        { "native", SCMP_ARCH_NATIVE, true, true },
#endif
};

static void releasep(scmp_filter_ctx *ctx) {
        if (*ctx)
                seccomp_release(*ctx);
}

static int fail(char **ret_error, int r, const char *what) {
        if (asprintf(ret_error, "cannot %s: %s", what, strerror(-r)) < 0)
                *ret_error = NULL;
        return r;
}

/* SystemCallArchitectures= lets the native ABI and the ones it names. */
static bool abi_allowed(const struct sandbox_filter_spec *spec, size_t i) {
        if (!spec->archs || i == 0)
                return true;
        for (const char *const *a = spec->archs; *a; a++)
                if (strcmp(*a, abis[i].name) == 0)
                        return true;
        return false;
}

static int new_abi_ctx(const struct abi *abi, uint32_t def, uint32_t badarch, scmp_filter_ctx *ret) {
        _cleanup_(releasep) scmp_filter_ctx ctx = seccomp_init(def);
        if (!ctx)
                return -ENOMEM;
        int r = 0;
        if (abi->token != SCMP_ARCH_NATIVE && abi->token != seccomp_arch_native()) {
                r = seccomp_arch_add(ctx, abi->token);
                if (r >= 0)
                        r = seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE);
        }
        if (r >= 0)
                r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, badarch);
        /* no_new_privs is set by the loader, and only when it must be. */
        if (r >= 0)
                r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
        if (r >= 0)
                r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(ctx);
        return 0;
}

/* A rule for NAME on ABI, if the ABI has that call. Rules the default action already gives, and
 * calls an ABI reaches only through a multiplexer, are skipped, as systemd skips them. libseccomp
 * takes the native number (or its pseudo-number) and translates it by name into the context's. */
static int rule(scmp_filter_ctx ctx, const struct abi *abi, const char *name, uint32_t action, unsigned n,
                const struct scmp_arg_cmp *cmp) {
        if (seccomp_syscall_resolve_name_arch(abi->token, name) < 0)
                return 0;
        int r = seccomp_rule_add_exact_array(ctx, action, seccomp_syscall_resolve_name(name), n, cmp);
        return r == -EACCES || r == -EEXIST ? 0 : r;
}

static uint32_t call_action(const struct sandbox_filter_spec *spec, int err) {
        if (err >= 0)
                return SCMP_ACT_ERRNO((uint16_t) err);
        if (err == SANDBOX_CALL_DEFAULT && spec->default_errno > 0)
                return SCMP_ACT_ERRNO((uint16_t) spec->default_errno);
        return SCMP_ACT_KILL_PROCESS;
}

/* "@known": every call libseccomp knows on this ABI. */
static int rule_known(scmp_filter_ctx ctx, const struct abi *abi, uint32_t action) {
        for (int nr = 0; nr < 1024; nr++) {
                char *name = seccomp_syscall_resolve_num_arch(abi->token, nr);
                int r = name ? rule(ctx, abi, name, action, 0, NULL) : 0;
                free(name);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int add_calls(scmp_filter_ctx ctx, const struct sandbox_filter_spec *spec, const struct abi *abi) {
        for (size_t i = 0; spec->calls_set && i < spec->n_calls; i++) {
                uint32_t action = spec->calls_allow ? SCMP_ACT_ALLOW : call_action(spec, spec->call_errs[i]);
                int r = strcmp(spec->calls[i], "@known") == 0
                                ? rule_known(ctx, abi, action)
                                : rule(ctx, abi, spec->calls[i], action, 0, NULL);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* SystemCallFilter= and SystemCallArchitectures=. */
static int build_calls(const struct sandbox_filter_spec *spec, scmp_filter_ctx *ret) {
        uint32_t def = spec->calls_set && spec->calls_allow ? call_action(spec, SANDBOX_CALL_DEFAULT)
                                                            : SCMP_ACT_ALLOW;
        /* A call of an ABI left out is killed; without the key, the default filter decides. */
        uint32_t badarch = spec->archs ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_ALLOW;
        _cleanup_(releasep) scmp_filter_ctx all = NULL;
        for (size_t i = 0; i < ELEMENTSOF(abis); i++) {
                if (!abi_allowed(spec, i))
                        continue;
                scmp_filter_ctx ctx = NULL;
                int r = new_abi_ctx(&abis[i], def, badarch, &ctx);
                if (r >= 0)
                        r = add_calls(ctx, spec, &abis[i]);
                if (r >= 0 && all)
                        r = seccomp_merge(all, ctx); /* frees ctx on success */
                else if (r >= 0)
                        all = ctx;
                if (r < 0) {
                        seccomp_release(ctx);
                        return r;
                }
        }
        *ret = TAKE_PTR(all);
        return 0;
}

#define A(i, o, a, b) ((struct scmp_arg_cmp){ .arg = (i), .op = (o), .datum_a = (a), .datum_b = (b) })
#define MASKED(i, m) A(i, SCMP_CMP_MASKED_EQ, (m), (m))

/* MemoryDenyWriteExecute=: no mapping both writable and executable, none made executable. */
static int add_mdwe(scmp_filter_ctx ctx, const struct abi *abi) {
        const uint32_t eperm = SCMP_ACT_ERRNO(EPERM);
        struct scmp_arg_cmp wx = MASKED(2, PROT_WRITE | PROT_EXEC), x = MASKED(2, PROT_EXEC);
        bool has_mmap2 = seccomp_syscall_resolve_name_arch(abi->token, "mmap2") >= 0;
        /* Where mmap2 exists, mmap is the old call that passes its arguments in memory. */
        int r = has_mmap2 ? rule(ctx, abi, "mmap2", eperm, 1, &wx) : 0;
        if (r >= 0)
                r = rule(ctx, abi, "mmap", eperm, has_mmap2 ? 0 : 1, &wx);
        if (r >= 0)
                r = rule(ctx, abi, "mprotect", eperm, 1, &x);
        if (r >= 0)
                r = rule(ctx, abi, "pkey_mprotect", eperm, 1, &x);
        struct scmp_arg_cmp shm = MASKED(2, SHM_EXEC);
        if (r >= 0 && !abi->ipc)
                r = rule(ctx, abi, "shmat", eperm, 1, &shm);
        return r;
}

/* RestrictRealtime=: sched_setscheduler() to SCHED_OTHER, SCHED_BATCH and SCHED_IDLE only, as
 * systemd (sched_setattr() takes its policy in memory; SCHED_FIFO there still needs
 * CAP_SYS_NICE or LimitRTPRIO=, which svc's defaults do not give). */
static int add_realtime(scmp_filter_ctx ctx, const struct abi *abi) {
        static const int denied[] = { SCHED_FIFO, SCHED_RR, 4 };
        int r = 0;
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(denied); i++) {
                struct scmp_arg_cmp c = A(1, SCMP_CMP_EQ, (scmp_datum_t) denied[i], 0);
                r = rule(ctx, abi, "sched_setscheduler", SCMP_ACT_ERRNO(EPERM), 1, &c);
        }
        struct scmp_arg_cmp above = A(1, SCMP_CMP_GT, SCHED_IDLE, 0);
        if (r >= 0)
                r = rule(ctx, abi, "sched_setscheduler", SCMP_ACT_ERRNO(EPERM), 1, &above);
        return r;
}

/* RestrictSUIDSGID=: no set-user-ID or set-group-ID bit given by a mode argument. */
static int add_suid_sgid_bit(scmp_filter_ctx ctx, const struct abi *abi, mode_t m) {
        static const struct {
                const char *name;
                unsigned mode_arg;
        } calls[] = { { "chmod", 1 },     { "fchmod", 1 },  { "fchmodat", 2 },
                      { "fchmodat2", 2 }, { "mkdir", 1 },   { "mkdirat", 2 },
                      { "mknod", 1 },     { "mknodat", 2 }, { "creat", 1 } };
        const uint32_t eperm = SCMP_ACT_ERRNO(EPERM);
        int r = 0;
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(calls); i++) {
                struct scmp_arg_cmp c = MASKED(calls[i].mode_arg, m);
                r = rule(ctx, abi, calls[i].name, eperm, 1, &c);
        }
        struct scmp_arg_cmp open_cmp[] = { MASKED(1, O_CREAT), MASKED(2, m) };
        struct scmp_arg_cmp openat_cmp[] = { MASKED(2, O_CREAT), MASKED(3, m) };
        if (r >= 0)
                r = rule(ctx, abi, "open", eperm, 2, open_cmp);
        if (r >= 0)
                r = rule(ctx, abi, "openat", eperm, 2, openat_cmp);
        return r;
}

static int add_suid_sgid(scmp_filter_ctx ctx, const struct abi *abi) {
        int r = add_suid_sgid_bit(ctx, abi, S_ISUID);
        if (r >= 0)
                r = add_suid_sgid_bit(ctx, abi, S_ISGID);
        /* openat2() keeps its mode in memory: ENOSYS makes libc fall back to openat(). */
        if (r >= 0)
                r = rule(ctx, abi, "openat2", SCMP_ACT_ERRNO(ENOSYS), 0, NULL);
        return r;
}

/* LockPersonality=: personality() may only keep the current one. */
static int add_personality(scmp_filter_ctx ctx, const struct abi *abi) {
        int current = personality(0xffffffff);
        struct scmp_arg_cmp c = A(0, SCMP_CMP_NE, (scmp_datum_t) (unsigned) (current < 0 ? 0 : current), 0);
        return rule(ctx, abi, "personality", SCMP_ACT_ERRNO(EPERM), 1, &c);
}

static bool family_listed(const struct sandbox_filter_spec *spec, int af) {
        for (size_t i = 0; i < spec->n_families; i++)
                if (spec->families[i] == af)
                        return true;
        return false;
}

/* RestrictAddressFamilies=: socket() with another family fails with EAFNOSUPPORT. Not on an ABI
 * with socketcall(2), as systemd (SystemCallArchitectures=native closes that door). */
static int add_families(scmp_filter_ctx ctx, const struct sandbox_filter_spec *spec, const struct abi *abi) {
        const uint32_t no = SCMP_ACT_ERRNO(EAFNOSUPPORT);
        if (abi->socketcall)
                return 0;
        if (!spec->families_allow) {
                int r = 0;
                for (size_t i = 0; r >= 0 && i < spec->n_families; i++) {
                        struct scmp_arg_cmp c = A(0, SCMP_CMP_EQ, (scmp_datum_t) spec->families[i], 0);
                        r = rule(ctx, abi, "socket", no, 1, &c);
                }
                return r;
        }
        int last = 0;
        for (size_t i = 0; i < spec->n_families; i++)
                last = MAX(last, spec->families[i]);
        struct scmp_arg_cmp above = A(0, SCMP_CMP_GT, (scmp_datum_t) last, 0);
        int r = rule(ctx, abi, "socket", no, last == 0 ? 0 : 1, &above);
        for (int af = 0; r >= 0 && af < last; af++) {
                struct scmp_arg_cmp c = A(0, SCMP_CMP_EQ, (scmp_datum_t) af, 0);
                if (!family_listed(spec, af))
                        r = rule(ctx, abi, "socket", no, 1, &c);
        }
        return r;
}

static bool wants_features(const struct sandbox_filter_spec *spec) {
        return spec->families_set || spec->memory_deny_write_execute || spec->restrict_realtime ||
               spec->restrict_suid_sgid || spec->lock_personality;
}

static int add_features(scmp_filter_ctx ctx, const struct sandbox_filter_spec *spec, const struct abi *abi) {
        int r = spec->memory_deny_write_execute ? add_mdwe(ctx, abi) : 0;
        if (r >= 0 && spec->restrict_realtime)
                r = add_realtime(ctx, abi);
        if (r >= 0 && spec->restrict_suid_sgid)
                r = add_suid_sgid(ctx, abi);
        if (r >= 0 && spec->lock_personality)
                r = add_personality(ctx, abi);
        if (r >= 0 && spec->families_set)
                r = add_families(ctx, spec, abi);
        return r;
}

/* The argument rules of the other keys, on every ABI svc lets through. */
static int build_features(const struct sandbox_filter_spec *spec, scmp_filter_ctx *ret) {
        _cleanup_(releasep) scmp_filter_ctx all = NULL;
        for (size_t i = 0; i < ELEMENTSOF(abis); i++) {
                scmp_filter_ctx ctx = NULL;
                int r = new_abi_ctx(&abis[i], SCMP_ACT_ALLOW, SCMP_ACT_ALLOW, &ctx);
                if (r >= 0)
                        r = add_features(ctx, spec, &abis[i]);
                if (r >= 0 && all)
                        r = seccomp_merge(all, ctx);
                else if (r >= 0)
                        all = ctx;
                if (r < 0) {
                        seccomp_release(ctx);
                        return r;
                }
        }
        *ret = TAKE_PTR(all);
        return 0;
}

/* Appends CTX's program to the blob at *BUF: its instruction count, then the instructions. */
static int append_program(scmp_filter_ctx ctx, char **buf, size_t *len) {
        _cleanup_close_ int fd = memfd_create("svc-seccomp", MFD_CLOEXEC);
        if (fd < 0)
                return -errno;
        int r = seccomp_export_bpf(ctx, fd);
        if (r < 0)
                return r;
        off_t size = lseek(fd, 0, SEEK_END);
        if (size <= 0 || size % 8 != 0 || size / 8 > 4096)
                return size < 0 ? -errno : -E2BIG;
        char *n = realloc(*buf, *len + 4 + (size_t) size);
        if (!n)
                return -ENOMEM;
        *buf = n;
        uint32_t count = (uint32_t) (size / 8);
        memcpy(n + *len, &count, 4);
        if (pread(fd, n + *len + 4, (size_t) size, 0) != size)
                return -EIO;
        *len += 4 + (size_t) size;
        return 0;
}

int sandbox_seccomp_compile(const struct sandbox_filter_spec *spec, void **ret, size_t *ret_len,
                            char **ret_error) {
        _cleanup_(releasep) scmp_filter_ctx calls = NULL, features = NULL;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        *ret_error = NULL;
        int r = 0;
        /* SystemCallFilter= last: an allow list need not allow the seccomp() that loads the
         * next program. */
        if (wants_features(spec)) {
                if ((r = build_features(spec, &features)) < 0)
                        return fail(ret_error, r, "build the hardening program");
                if ((r = append_program(features, &buf, &len)) < 0)
                        return fail(ret_error, r, "export the hardening program");
        }
        if (spec->calls_set || spec->archs) {
                if ((r = build_calls(spec, &calls)) < 0)
                        return fail(ret_error, r, "build the SystemCallFilter= program");
                if ((r = append_program(calls, &buf, &len)) < 0)
                        return fail(ret_error, r, "export the SystemCallFilter= program");
        }
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}
