/* SPDX-License-Identifier: MIT */
/* svc-seccomp: compiles a service's own seccomp filter (seccomp-unit.c) and writes the programs to
 * stdout. svcd runs it when a unit with hardening keys starts, so that svcd itself neither maps
 * libseccomp nor keeps the heap a compile leaves (a few hundred KiB for an allow list).
 *
 *   svc-seccomp [--allow|--deny] [--errno=N] [--arch=NAME]... [--families-allow=AF,...]
 *               [--families-deny=AF,...] [--mdwe] [--realtime] [--suid-sgid] [--personality]
 *               [-- CALL[:ERR]...]
 *
 * ERR is an errno, -1 for SystemCallErrorNumber='s action, -2 for a kill. Exit 0, or 1 with a
 * sentence on stderr. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/macro.h"
#include "sandbox/sandbox.h"

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

static int parse_call(struct sandbox_filter_spec *s, char *a) {
        if (s->n_calls >= MAX_ITEMS)
                return -E2BIG;
        char *colon = strchr(a, ':');
        errs[s->n_calls] = SANDBOX_CALL_DEFAULT;
        if (colon) {
                *colon = '\0';
                errs[s->n_calls] = atoi(colon + 1);
        }
        calls[s->n_calls++] = a;
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
        for (i++; i < argc && r >= 0; i++)
                r = parse_call(&s, argv[i]);
        if (r < 0)
                return 1;
        _cleanup_free_ void *blob = NULL;
        _cleanup_free_ char *why = NULL;
        size_t len = 0;
        r = sandbox_seccomp_compile(&s, &blob, &len, &why);
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
