/* SPDX-License-Identifier: MIT */
/* A child sharing the caller's memory (CLONE_VM) on a stack of its own: a fork copies the page
 * tables of all of svcd and then takes a copy-on-write fault for every page either side writes,
 * 2.5 ms for svcd's 4 MiB on a virtual machine here against 0.07 ms (tests/bench/FINDINGS.md).
 * x86-64 only: elsewhere, or built with -DSANDBOX_NO_CLONE_VM (to measure the difference), a
 * fork. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

#include "common/macro.h"
#include "sandbox/clone-internal.h"

#if defined(__x86_64__) && !defined(SANDBOX_NO_CLONE_VM)
#define SANDBOX_CLONE_VM 1
#else
#define SANDBOX_CLONE_VM 0
#endif

#define CHILD_STACK_SIZE (256U * 1024U)

bool sandbox_clone_vm_supported(void) {
        return SANDBOX_CLONE_VM;
}

void *sandbox_child_stack(unsigned i) {
        static void *stacks[2] = { NULL, NULL };
        if (!SANDBOX_CLONE_VM || i >= ELEMENTSOF(stacks))
                return NULL;
        if (!stacks[i]) {
                /* A guard page below: an overflow faults instead of writing into svcd. */
                void *p = mmap(NULL, CHILD_STACK_SIZE + 4096, PROT_READ | PROT_WRITE,
                               MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
                if (p == MAP_FAILED)
                        return NULL;
                if (mprotect(p, 4096, PROT_NONE) < 0) {
                        munmap(p, CHILD_STACK_SIZE + 4096);
                        return NULL;
                }
                stacks[i] = (char *) p + 4096;
        }
#if defined(__SANITIZE_ADDRESS__)
        /* The last child's frames are left poisoned in the shared shadow: it never returned. */
        __asan_unpoison_memory_region(stacks[i], CHILD_STACK_SIZE);
#endif
        return stacks[i];
}

#if SANDBOX_CLONE_VM
/* clone3 whose child runs FN(ARG) on the stack in A and exits with its value; the parent gets
 * the pid or -errno. The child's first instruction is after the syscall, on the new stack, so no
 * C frame of the caller may be returned to there. */
static long clone3_call(struct clone_args *a, int (*fn)(void *), void *arg) {
        register long rax __asm__("rax") = SYS_clone3;
        register void *rdi __asm__("rdi") = a;
        register size_t rsi __asm__("rsi") = sizeof(*a);
        register int (*r12)(void *) __asm__("r12") = fn;
        register void *r13 __asm__("r13") = arg;
        __asm__ volatile("syscall\n\t"
                         "test %%rax, %%rax\n\t"
                         "jnz 1f\n\t"
                         "xor %%ebp, %%ebp\n\t"
                         "mov %%r13, %%rdi\n\t"
                         "call *%%r12\n\t"
                         "mov %%eax, %%edi\n\t"
                         "mov $60, %%eax\n\t" /* SYS_exit */
                         "syscall\n\t"
                         "hlt\n"
                         "1:"
                         : "+r"(rax)
                         : "r"(rdi), "r"(rsi), "r"(r12), "r"(r13)
                         : "rcx", "r11", "memory", "cc");
        return rax;
}
#endif

long sandbox_clone(struct clone_args *a, void *stack, int (*fn)(void *), void *arg) {
#if SANDBOX_CLONE_VM
        if (stack) {
                a->flags |= CLONE_VM;
                a->stack = (uint64_t) (uintptr_t) stack;
                a->stack_size = CHILD_STACK_SIZE;
                return clone3_call(a, fn, arg); /* -errno from the kernel */
        }
#else
        (void) stack;
#endif
        long pid = syscall(SYS_clone3, a, sizeof(*a));
        if (pid == 0)
                _exit(fn(arg));
        return pid < 0 ? -errno : pid;
}
