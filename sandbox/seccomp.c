/* SPDX-License-Identifier: MIT */
/* Loads svc's seccomp filter, compiled at build time (seccomp-gen.c). Part of the sandbox
 * library and of the static ns-init: no allocation, no stdio, nothing but two syscalls, because
 * it runs between fork and execve. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if __has_include(<linux/filter.h>) && __has_include(<linux/seccomp.h>)
#include <linux/filter.h>
#include <linux/seccomp.h>
#else
/* musl ships no kernel headers. The kernel ABI of linux/filter.h and linux/seccomp.h, which
 * cannot change. */
struct sock_filter {
        uint16_t code;
        uint8_t jt;
        uint8_t jf;
        uint32_t k;
};
struct sock_fprog {
        unsigned short len;
        struct sock_filter *filter;
};
#define SECCOMP_MODE_FILTER 2
#define SECCOMP_SET_MODE_FILTER 1
#endif

#include "common/macro.h"
#include "sandbox/sandbox.h"
#include "seccomp-bpf.h"

/* The kernel's BPF_MAXINSNS; the generator checks it too. */
_Static_assert(ELEMENTSOF(svc_seccomp_bpf) == SVC_SECCOMP_BPF_LEN && SVC_SECCOMP_BPF_LEN <= 4096,
               "the seccomp program must fit the kernel's limit");

int sandbox_seccomp_apply(void) {
        struct sock_fprog prog = {
                .len = SVC_SECCOMP_BPF_LEN,
                .filter = (struct sock_filter *) svc_seccomp_bpf, /* the kernel only reads it */
        };
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0)
                return 0;
        if (errno != ENOSYS) /* EACCES: neither no_new_privs nor CAP_SYS_ADMIN */
                return -errno;
        /* Linux < 3.17, or an outer filter that hides seccomp(2). */
        if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
                return negative_errno();
        return 0;
}

bool sandbox_seccomp_blob_is_valid(const void *blob, size_t len) {
        const char *p = blob;
        for (size_t off = 0; off < len;) {
                uint32_t n;
                if (len - off < sizeof(n))
                        return false;
                memcpy(&n, p + off, sizeof(n));
                off += sizeof(n);
                if (n == 0 || n > 4096 || len - off < (size_t) n * sizeof(struct sock_filter))
                        return false;
                off += (size_t) n * sizeof(struct sock_filter);
        }
        return true;
}

static int load_one(struct sock_fprog *prog) {
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) == 0)
                return 0;
        if (errno != EACCES)
                return -errno;
        /* No CAP_SYS_ADMIN: systemd implies NoNewPrivileges=yes for a filter, and so does svc. */
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
            syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) < 0)
                return negative_errno();
        return 0;
}

int sandbox_seccomp_load(const void *blob, size_t len) {
        /* The instructions follow a 4-byte count: copy them to an aligned place, on the stack. */
        struct sock_filter insns[4096];
        const char *p = blob;
        if (!sandbox_seccomp_blob_is_valid(blob, len))
                return -EINVAL;
        for (size_t off = 0; off < len;) {
                uint32_t n;
                memcpy(&n, p + off, sizeof(n));
                off += sizeof(n);
                memcpy(insns, p + off, (size_t) n * sizeof(struct sock_filter));
                off += (size_t) n * sizeof(struct sock_filter);
                struct sock_fprog prog = { .len = (unsigned short) n, .filter = insns };
                int r = load_one(&prog);
                if (r < 0)
                        return r;
        }
        return 0;
}
