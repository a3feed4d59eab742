/* SPDX-License-Identifier: MIT */
/* svc-seccomp: compiles a service's own seccomp filter (seccomp-unit.c) and writes the programs to
 * stdout. svcd runs it when a unit with hardening keys starts, so that svcd itself neither maps
 * libseccomp nor keeps the heap a compile leaves (a few hundred KiB for an allow list).
 *
 *   svc-seccomp [--allow|--deny] [--errno=N] [--arch=NAME]... [--families-allow=AF,...]
 *               [--families-deny=AF,...] [--mdwe] [--realtime] [--suid-sgid] [--personality]
 *               [-- {+|-}CALL:ERR...]
 *
 * After "--", SystemCallFilter='s words as the unit wrote them (units/config-hardening.c), in
 * order: a call or a group added (+) or taken away (-); ERR is an errno, -1 for
 * SystemCallErrorNumber='s action, -2 for a kill. The set is made here, so that svcd never holds
 * its few hundred names. Exit 0, or 1 with a sentence on stderr. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/macro.h"
#include "sandbox/sandbox.h"
#include "units/unit.h"

#define MAX_ITEMS 4096

static const char *calls[MAX_ITEMS];
static int errs[MAX_ITEMS];
static const char *archs[16];
static int families[64];

static int parse_families(const char *list, size_t *n) {
        for (const char *p = list; *p;) {
                char *end;
                long af = strtol(p, &end, 10);
                if (end == p || af < 0 || af > 255 || *n >= ELEMENTSOF(families))
                        return -EINVAL;
                families[(*n)++] = (int) af;
                p = *end == ',' ? end + 1 : end;
                if (*end && *end != ',')
                        return -EINVAL;
        }
        return 0;
}

static int parse_option(struct sandbox_filter_spec *s, const char *a, size_t *n_archs) {
        if (streq(a, "--allow") || streq(a, "--deny")) {
                s->calls_set = true;
                s->calls_allow = streq(a, "--allow");
        } else if (strneq(a, "--errno=", 8))
                s->default_errno = atoi(a + 8);
        else if (strneq(a, "--arch=", 7) && *n_archs < ELEMENTSOF(archs) - 1) {
                archs[(*n_archs)++] = a + 7;
                s->archs = archs;
        } else if (strneq(a, "--families-allow=", 17) || strneq(a, "--families-deny=", 16)) {
                s->families_set = true;
                s->families_allow = strneq(a, "--families-allow=", 17);
                return parse_families(strchr(a, '=') + 1, &s->n_families);
        } else if (streq(a, "--mdwe"))
                s->memory_deny_write_execute = true;
        else if (streq(a, "--realtime"))
                s->restrict_realtime = true;
        else if (streq(a, "--suid-sgid"))
                s->restrict_suid_sgid = true;
        else if (streq(a, "--personality"))
                s->lock_personality = true;
        else
                return -EINVAL;
        return 0;
}

static struct unit_syscall_op ops[MAX_ITEMS];

/* "+NAME:ERR" or "-NAME:ERR" into the next op of H. */
static int parse_op(struct unit_hardening *h, char *a) {
        char *colon = strchr(a, ':');
        if (h->n_syscall_ops >= MAX_ITEMS || (a[0] != '+' && a[0] != '-') || !colon)
                return -EINVAL;
        *colon = '\0';
        ops[h->n_syscall_ops++] =
                (struct unit_syscall_op){ .name = a + 1, .err = atoi(colon + 1), .add = a[0] == '+' };
        return 0;
}

/* The set of H's words, into S's calls. */
static int expand_calls(const struct unit_hardening *h, struct sandbox_filter_spec *s,
                        struct unit_syscall **set, size_t *n) {
        int r = unit_syscalls_expand(h, set, n);
        if (r < 0)
                return r;
        if (*n > MAX_ITEMS)
                return -E2BIG;
        for (size_t i = 0; i < *n; i++) {
                calls[i] = (*set)[i].name;
                errs[i] = (*set)[i].err;
        }
        s->n_calls = *n;
        return 0;
}

static int write_all(const char *p, size_t n) {
        while (n > 0) {
                ssize_t k = write(STDOUT_FILENO, p, n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return -errno;
                p += k;
                n -= (size_t) k;
        }
        return 0;
}

int main(int argc, char **argv) {
        struct sandbox_filter_spec s = { .calls = calls, .call_errs = errs, .families = families };
        size_t n_archs = 0;
        int i = 1, r = 0;
        for (; i < argc && !streq(argv[i], "--") && r >= 0; i++)
                if ((r = parse_option(&s, argv[i], &n_archs)) < 0)
                        fprintf(stderr, "svc-seccomp: bad argument %s\n", argv[i]);
        struct unit_hardening h = { .syscalls_set = s.calls_set,
                                    .syscalls_allow = s.calls_allow,
                                    .syscall_ops = ops };
        for (i++; i < argc && r >= 0; i++)
                if ((r = parse_op(&h, argv[i])) < 0)
                        fprintf(stderr, "svc-seccomp: bad system call word %s\n", argv[i]);
        struct unit_syscall *set = NULL;
        size_t n_set = 0;
        if (r >= 0 && (r = expand_calls(&h, &s, &set, &n_set)) < 0)
                fprintf(stderr, "svc-seccomp: cannot make the set of system calls: %s\n", strerror(-r));
        _cleanup_free_ void *blob = NULL;
        _cleanup_free_ char *why = NULL;
        size_t len = 0;
        if (r >= 0)
                r = sandbox_seccomp_compile(&s, &blob, &len, &why);
        unit_syscalls_free(set, n_set);
        if (r < 0 && !why)
                return 1;
        if (r < 0) {
                fprintf(stderr, "%s\n", why ? why : strerror(-r));
                return 1;
        }
        if (write_all(blob, len) < 0) {
                fprintf(stderr, "svc-seccomp: cannot write the filter: %m\n");
                return 1;
        }
        return 0;
}
