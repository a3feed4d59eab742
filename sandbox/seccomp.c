/* SPDX-License-Identifier: MIT */
/* Loads svc's seccomp filter, compiled at build time (seccomp-gen.c). Part of the sandbox
 * library and of the static ns-init: no allocation, no stdio, nothing but two syscalls, because
 * it runs between fork and execve. */
#include <errno.h>
#include <stdint.h>
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
