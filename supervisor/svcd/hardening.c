/* SPDX-License-Identifier: MIT */
/* A unit's hardening keys on svcd's side: its own seccomp filter, compiled by the svc-seccomp
 * helper once per definition and handed to ns-init with every command, and the device nodes of
 * DeviceAllow=, opened on the host for the sandbox's /dev (a node, or a class of /proc/devices
 * such as char-rtc: every node of /dev and its first level of subdirectories with its major).
 *
 * Why a helper: libseccomp in svcd costs its mapping all the time and the heap of every compile
 * (an allow list of @system-service on three ABIs allocates ~620 KiB, which glibc keeps in svcd's
 * arena), for a program run once per definition. svc-seccomp takes a few milliseconds and gives
 * everything back when it exits. */
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/svcd/hardening.h"
#include "supervisor/svcd/hardening.h"
#include "supervisor/svcd/record.h"

extern char **environ;

/* svc-seccomp next to svcd (build tree), under ../libexec/svc, where make install puts it, or
 * where the box puts it. */
static char *find_helper(void) {
        char self[PATH_MAX], *p = NULL;
        ssize_t k = readlink("/proc/self/exe", self, sizeof(self) - 1);
        self[MAX(k, (ssize_t) 0)] = '\0';
        char *slash = strrchr(self, '/');
        if (slash) {
                *slash = '\0';
                if (asprintf(&p, "%s/svc-seccomp", self) >= 0 && access(p, X_OK) == 0)
                        return p;
                free(p);
                if (asprintf(&p, "%s/../libexec/svc/svc-seccomp", self) >= 0 && access(p, X_OK) == 0)
                        return p;
                free(p);
        }
        if (asprintf(&p, "%s/svc-seccomp", LIBEXECDIR) >= 0 && access(p, X_OK) == 0)
                return p;
        free(p);
        return strdup("/usr/libexec/svc/svc-seccomp");
}

static int push_arg(char ***argv, const char *fmt, ...) _printf_(2, 3);
static int push_arg(char ***argv, const char *fmt, ...) {
        char *a;
        va_list ap;
        va_start(ap, fmt);
        int k = vasprintf(&a, fmt, ap);
        va_end(ap);
        return k < 0 ? -ENOMEM : strv_push(argv, a);
}

static int push_families(char ***argv, const struct unit_hardening *h) {
        _cleanup_free_ char *list = strdup("");
        for (size_t i = 0; list && i < h->n_families; i++) {
                char *n = NULL;
                if (asprintf(&n, "%s%s%d", list, i ? "," : "", h->families[i]) < 0)
                        return -ENOMEM;
                free(list);
                list = n;
        }
        if (!list)
                return -ENOMEM;
        return push_arg(argv, "--families-%s=%s", h->families_allow ? "allow" : "deny", list);
}

/* SystemCallFilter='s words as the unit wrote them; svc-seccomp makes the set. */
static int push_calls(char ***argv, const struct unit_hardening *h) {
        int r = 0;
        for (size_t i = 0; r >= 0 && i < h->n_syscall_ops; i++)
                r = push_arg(argv, "%c%s:%d", h->syscall_ops[i].add ? '+' : '-', h->syscall_ops[i].name,
                             h->syscall_ops[i].err);
        return r;
}

/* svc-seccomp's command line for H (the protocol of supervisor/seccomp/main.c). */
static int helper_argv(const char *path, const struct unit_hardening *h, char ***ret) {
        _cleanup_strv_free_ char **argv = NULL;
        int r = push_arg(&argv, "%s", path);
        if (r >= 0 && h->syscalls_set)
                r = push_arg(&argv, "--%s", h->syscalls_allow ? "allow" : "deny");
        if (r >= 0 && h->syscall_errno > 0)
                r = push_arg(&argv, "--errno=%d", h->syscall_errno);
        STRV_FOREACH (a, h->syscall_archs)
                if (r >= 0 && !streq(*a, "native"))
                        r = push_arg(&argv, "--arch=%s", *a);
        if (r >= 0 && h->syscall_archs && strv_contains(h->syscall_archs, "native"))
                r = push_arg(&argv, "--arch=native");
        if (r >= 0 && h->families_set)
                r = push_families(&argv, h);
        static const char *const flags[] = { "--mdwe", "--realtime", "--suid-sgid", "--personality" };
        const bool set[] = { h->memory_deny_write_execute, h->restrict_realtime, h->restrict_suid_sgid,
                             h->lock_personality };
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(flags); i++)
                if (set[i])
                        r = push_arg(&argv, "%s", flags[i]);
        if (r >= 0)
                r = push_arg(&argv, "--");
        if (r >= 0 && h->syscalls_set)
                r = push_calls(&argv, h);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(argv);
        return 0;
}

static int read_memfd(int fd, char **ret, size_t *ret_len) {
        off_t size = lseek(fd, 0, SEEK_END);
        if (size < 0)
                return -errno;
        _cleanup_free_ char *buf = malloc((size_t) size + 1);
        if (!buf)
                return -ENOMEM;
        if (pread(fd, buf, (size_t) size, 0) != size)
                return -EIO;
        buf[size] = '\0';
        *ret = TAKE_PTR(buf);
        *ret_len = (size_t) size;
        return 0;
}

/* Runs svc-seccomp with its output into memory files: nothing to pump, nothing to deadlock. */
static int run_helper(char **argv, char **ret, size_t *ret_len, char **why) {
        _cleanup_close_ int out = memfd_create("svc-seccomp-out", MFD_CLOEXEC);
        _cleanup_close_ int err = memfd_create("svc-seccomp-err", MFD_CLOEXEC);
        if (out < 0 || err < 0)
                return -errno;
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&fa, out, 1);
        posix_spawn_file_actions_adddup2(&fa, err, 2);
        pid_t pid;
        int r = -posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        if (r < 0)
                return asprintf(why, "cannot run %s: %s", argv[0], strerror(-r)) < 0 ? -ENOMEM : r;
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        _cleanup_free_ char *msg = NULL;
        size_t n = 0;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                (void) read_memfd(err, &msg, &n);
                while (n > 0 && msg[n - 1] == '\n')
                        msg[--n] = '\0';
                return asprintf(why, "svc-seccomp could not compile the unit's filter: %s",
                                msg && *msg ? msg : "it failed") < 0
                               ? -ENOMEM
                               : -EIO;
        }
        return read_memfd(out, ret, ret_len);
}

int hardening_prepare(struct service *s, char **why) {
        const struct unit *u = s->unit;
        *why = NULL;
        if (s->seccomp_ready && s->seccomp_hash == u->source_hash)
                return 0;
        hardening_free(s);
        if (!unit_hardening_wants_filter(&u->hardening)) {
                s->seccomp_ready = true;
                s->seccomp_hash = u->source_hash;
                return 0;
        }
        _cleanup_free_ char *path = find_helper();
        _cleanup_strv_free_ char **argv = NULL;
        int r = path ? helper_argv(path, &u->hardening, &argv) : -ENOMEM;
        char *blob = NULL;
        size_t len = 0;
        if (r >= 0)
                r = run_helper(argv, &blob, &len, why);
        if (r >= 0 && !sandbox_seccomp_blob_is_valid(blob, len)) {
                free(blob);
                r = asprintf(why, "svc-seccomp wrote something that is not a filter") < 0 ? -ENOMEM : -EIO;
        }
        if (r < 0)
                return r;
        s->seccomp_blob = blob;
        s->seccomp_blob_len = len;
        s->seccomp_ready = true;
        s->seccomp_hash = u->source_hash;
        log_debug("%s: its own seccomp filter has %zu bytes", s->name, len);
        return 0;
}

void hardening_free(struct service *s) {
        s->seccomp_blob = mfree(s->seccomp_blob);
        s->seccomp_blob_len = 0;
        s->seccomp_ready = false;
}

/* ---- DeviceAllow= ------------------------------------------------------------------------------ */

#define DEVICES_MAX 256

static void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

void hardening_devices_done(struct hardening_devices *d) {
        for (size_t i = 0; i < d->n; i++)
                safe_close(d->binds[i].source_fd);
        d->binds = mfree(d->binds);
        d->n = 0;
        d->strings = strv_free(d->strings);
}

/* Adds the node at PATH (the target too), opened now: -EBADF for a safe node, named only. */
static int add_node(struct hardening_devices *d, const char *path, int fd) {
        if (d->n >= DEVICES_MAX) {
                safe_close(fd);
                return -E2BIG;
        }
        struct sandbox_bind *b = reallocarray(d->binds, d->n + 1, sizeof(*b));
        if (!b || strv_extend(&d->strings, path) < 0) {
                safe_close(fd);
                return -ENOMEM;
        }
        d->binds = b;
        const char *p = d->strings[strv_length(d->strings) - 1];
        b[d->n++] = (struct sandbox_bind){ .source = p, .target = p, .source_fd = fd };
        return 0;
}

static int add_path(struct hardening_devices *d, const char *path, const char *unit_name) {
        if (unit_device_is_safe(path))
                return add_node(d, path, -EBADF);
        int fd = open(path, O_PATH | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0 || (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))) {
                /* As with systemd's rule for a node that is not there: nothing to give. */
                log_warning("%s: DeviceAllow=%s: %s", unit_name, path,
                            fd < 0 ? strerror(errno) : "not a device node on the host");
                safe_close(fd);
                return 0;
        }
        return add_node(d, path, fd);
}

/* The majors /proc/devices gives the classes matching PATTERN of KIND ("Character"/"Block"). */
static int class_majors(const char *kind, const char *pattern, unsigned *majors, size_t max, size_t *ret_n) {
        _cleanup_free_ char *text = NULL;
        int r = read_full_file("/proc/devices", &text, NULL);
        if (r < 0)
                return r;
        bool in = false;
        size_t n = 0;
        char *save = NULL;
        for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                unsigned major;
                char name[64];
                if (strstr(l, "devices:"))
                        in = strneq(l, kind, strlen(kind));
                else if (in && n < max && sscanf(l, "%u %63s", &major, name) == 2 &&
                         fnmatch(pattern, name, 0) == 0)
                        majors[n++] = major;
        }
        *ret_n = n;
        return 0;
}

static bool node_matches(const struct stat *st, bool block, const unsigned *majors, size_t n) {
        if (block ? !S_ISBLK(st->st_mode) : !S_ISCHR(st->st_mode))
                return false;
        for (size_t i = 0; i < n; i++)
                if (major(st->st_rdev) == majors[i])
                        return true;
        return false;
}

/* The nodes of DIR (and, DEPTH 1, of its subdirectories) of a class, as /dev/.../NAME. */
static int scan_dev(struct hardening_devices *d, const char *dir, int depth, bool block,
                    const unsigned *majors, size_t n) {
        _cleanup_(closedirp) DIR *dp = opendir(dir);
        if (!dp)
                return 0;
        for (struct dirent *de; (de = readdir(dp));) {
                if (de->d_name[0] == '.')
                        continue;
                _cleanup_free_ char *p = path_join(dir, de->d_name);
                struct stat st;
                if (!p)
                        return -ENOMEM;
                if (fstatat(dirfd(dp), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                int r = 0;
                if (S_ISDIR(st.st_mode) && depth == 0)
                        r = scan_dev(d, p, 1, block, majors, n);
                else if (node_matches(&st, block, majors, n))
                        r = add_node(d, p, open(p, O_PATH | O_NOFOLLOW | O_CLOEXEC));
                if (r < 0)
                        return r;
        }
        return 0;
}

static int add_class(struct hardening_devices *d, const char *spec) {
        bool block = strneq(spec, "block-", 6);
        unsigned majors[64];
        size_t n = 0;
        int r = class_majors(block ? "Block" : "Character", spec + (block ? 6 : 5), majors,
                             ELEMENTSOF(majors), &n);
        return r < 0 ? r : scan_dev(d, "/dev", 0, block, majors, n);
}

int hardening_devices_open(const struct unit *u, const char *unit_name, struct hardening_devices *ret,
                           char **why) {
        struct hardening_devices d = { 0 };
        const struct unit_hardening *h = &u->hardening;
        *why = NULL;
        for (size_t i = 0; i < h->n_devices; i++) {
                const char *name = h->devices[i].name;
                int r = name[0] == '/' ? add_path(&d, name, unit_name) : add_class(&d, name);
                if (r < 0) {
                        hardening_devices_done(&d);
                        return asprintf(why, "DeviceAllow=%s: %s", name,
                                        r == -E2BIG ? "more than 256 device nodes" : strerror(-r)) < 0
                                       ? -ENOMEM
                                       : r;
                }
        }
        *ret = d;
        return 0;
}
