/* SPDX-License-Identifier: MIT */
/* svc migrate IMAGE [--name PREFIX] [--only UNIT]... [--dry-run]: a VM's disk into a tree, the
 * units of the services it ran and their data (migrate.h; README "Migrating a VM"). The image is
 * only ever read. A plan is printed first; then the tree is made as a generation of its own, and
 * nothing of it stays when a step fails or Ctrl-C stops it. */
#include <fcntl.h>
#include <getopt.h>
#include <linux/openat2.h>
#include <json-c/json.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/cli/client.h"
#include "supervisor/tree/migrate.h"

#define OUTPUT_MAX (16U * 1024U * 1024U)

static volatile int interrupted;
static volatile pid_t running; /* the program mig_run() waits for */

/* The program running stops too (a copy of gigabytes would otherwise finish first). */
static void on_signal(int sig) {
        interrupted = sig;
        if (running > 0)
                (void) kill(running, SIGTERM);
}

void mig_error(const char *format, ...) {
        va_list ap;
        va_start(ap, format);
        fputs("svc migrate: ", stderr);
        vfprintf(stderr, format, ap);
        fputc('\n', stderr);
        va_end(ap);
}

int mig_note(char ***l, const char *format, ...) {
        va_list ap;
        char *s = NULL;
        va_start(ap, format);
        int r = vasprintf(&s, format, ap);
        va_end(ap);
        return r < 0 ? -ENOMEM : strv_push(l, s);
}

static char *read_memfd(int fd) {
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0)
                return NULL;
        size_t n = MIN((size_t) st.st_size, (size_t) OUTPUT_MAX);
        char *buf = malloc(n + 1);
        ssize_t k = buf ? pread(fd, buf, n, 0) : -1;
        if (buf)
                buf[MAX(k, 0)] = '\0';
        return buf;
}

/* On a terminal, while the root is copied: how far, from what the trees' file system gained. */
struct progress {
        int fs_fd;
        uint64_t base, total;
};

static uint64_t fs_used(int fd) {
        struct statvfs sv;
        return fstatvfs(fd, &sv) == 0 ? (uint64_t) (sv.f_blocks - sv.f_bfree) * sv.f_frsize : 0;
}

static void show_progress(const struct progress *p, bool last) {
        uint64_t now = fs_used(p->fs_fd), done = now > p->base ? now - p->base : 0;
        char a[32], b[32];
        done = last ? p->total : MIN(done, p->total);
        printf("\r  %3u%% (%s of %s)%s", p->total ? (unsigned) (done * 100 / p->total) : 100U,
               format_bytes(a, sizeof(a), done), format_bytes(b, sizeof(b), p->total), last ? "\n" : "");
        fflush(stdout);
}

static int wait_child(pid_t pid, const struct progress *p, int *ret_status) {
        for (unsigned tick = 0;; tick++) {
                pid_t k = waitpid(pid, ret_status, p ? WNOHANG : 0);
                if (k == pid)
                        break;
                if (k < 0 && errno != EINTR)
                        return -errno;
                if (p && k == 0 && tick % 4 == 0)
                        show_progress(p, false);
                if (p && k == 0)
                        (void) nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000 * 1000 }, NULL);
        }
        if (p)
                show_progress(p, true);
        return 0;
}

_noreturn_ static void run_child(char *const *argv, int out, int err) {
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
            dup2(err, STDERR_FILENO) < 0)
                _exit(127);
        /* LVM's tools complain of every inherited descriptor */
        setenv("LVM_SUPPRESS_FD_WARNINGS", "1", 1);
        execvp(argv[0], argv);
        fprintf(stderr, "cannot run %s: %m\n", argv[0]);
        _exit(127);
}

static int run_progress(char *const *argv, char **ret_out, char **ret_err, const struct progress *p) {
        _cleanup_close_ int out = memfd_create("migrate-out", MFD_CLOEXEC),
                            err = memfd_create("migrate-err", MFD_CLOEXEC);
        if (out < 0 || err < 0)
                return -errno;
        fflush(stdout);
        fflush(stderr);
        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0)
                run_child(argv, out, err);
        running = pid;
        if (interrupted)
                (void) kill(pid, SIGTERM);
        int status = 0, r = wait_child(pid, p, &status);
        running = 0;
        if (r < 0)
                return r;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
                return -ENOENT;
        if (ret_out)
                *ret_out = read_memfd(out);
        if (ret_err)
                *ret_err = read_memfd(err);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int mig_run(char *const *argv, char **ret_out, char **ret_err) {
        return run_progress(argv, ret_out, ret_err, NULL);
}

int mig_open_beneath(int root_fd, const char *path, int flags) {
        struct open_how how = { .flags = (uint64_t) flags | O_CLOEXEC,
                                .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
        int fd = (int) syscall(SYS_openat2, root_fd, path[0] == '/' ? path + 1 : path, &how, sizeof(how));
        return fd < 0 ? -errno : fd;
}

int mig_copy_from_vm(struct migrate *m, const char *path, const char *dst) {
        _cleanup_free_ char *src = path_join(m->root, path + 1);
        if (!src)
                return -ENOMEM;
        char *argv[] = { (char *) "cp",
                         (char *) "-a",
                         (char *) "--reflink=auto",
                         (char *) "--no-target-directory",
                         src,
                         (char *) dst,
                         NULL };
        _cleanup_free_ char *err = NULL;
        struct progress p = { .fs_fd = m->ctx->trees_fd,
                              .base = fs_used(m->ctx->trees_fd),
                              .total = m->used };
        int r = run_progress(argv, NULL, &err, m->ctx->tty && streq(path, "/") ? &p : NULL);
        if (interrupted)
                return -EINTR;
        if (r == 0)
                return 0;
        /* cp's first complaint: a full disk makes it say so once per file */
        if (err)
                err[strcspn(err, "\n")] = '\0';
        mig_error("copying the VM's %s failed: %s", path,
                  !isempty(err) ? err
                  : r < 0       ? strerror(-r)
                                : "cp failed");
        return -EIO;
}

/* ---- arguments ------------------------------------------------------------------------------------ */

/* "blog-vm.qcow2" -> "blog-vm": the base name up to its first '.', in tree-name letters. */
static char *default_prefix(const char *image) {
        const char *slash = strrchr(image, '/'), *base = slash ? slash + 1 : image;
        char *p = strndup(base, strcspn(base, "."));
        for (char *c = p; c && *c; c++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", *c))
                        *c = '-';
        return p;
}

static int parse_args(struct migrate *m, int argc, char **argv) {
        static const struct option options[] = {
                { "name", required_argument, NULL, 'n' },
                { "only", required_argument, NULL, 'o' },
                { "dry-run", no_argument, NULL, 'd' },
                {},
        };
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0) {
                int r = 0;
                if (c == 'n') {
                        free(m->prefix);
                        m->prefix = strdup(optarg);
                        r = m->prefix ? 0 : -ENOMEM;
                } else if (c == 'o')
                        r = strv_extend(&m->only, optarg);
                else if (c == 'd')
                        m->dry_run = true;
                else
                        r = -EINVAL;
                if (r < 0)
                        return r;
        }
        if (optind + 1 != argc) {
                mig_error("usage: svc migrate IMAGE [--name PREFIX] [--only UNIT]... [--dry-run]");
                return -EINVAL;
        }
        m->image = argv[optind];
        if (!m->prefix && !(m->prefix = default_prefix(m->image)))
                return -ENOMEM;
        if (!tree_name_is_valid(m->prefix) || strlen(m->prefix) > 32) {
                mig_error(
                        "%s is not a name for the tree and the units' prefix: use letters, digits, '_', '.' "
                        "and '-', at most 32, not starting with '.' (--name)",
                        m->prefix);
                return -EINVAL;
        }
        return 0;
}

/* ---- the plan ------------------------------------------------------------------------------------- */

static void print_list(const char *label, char **l) {
        if (!l)
                return;
        _cleanup_free_ char *s = strv_join(l, ", ");
        printf("    %s: %s\n", label, s ?: "?");
}

static void print_plan(const struct migrate *m) {
        char vsize[32], isize[32];
        printf("Plan for %s (%s, a %s disk, %s in its file):\n", m->image, m->format,
               format_bytes(vsize, sizeof(vsize), m->virtual_size),
               format_bytes(isize, sizeof(isize), m->image_size));
        for (size_t i = 0; i < m->n_vols; i++) {
                const struct mig_volume *v = &m->vols[i];
                printf("  %s: %s", v->what, v->fstype ?: "nothing recognized");
                if (v->mounted)
                        printf(", the VM's %s", v->vm_path);
                if (v->mounted && v->subvol)
                        printf(" (subvolume %s)", v->subvol);
                printf("\n");
        }
        printf("  tree %s: the VM's root (%s, %s), without its kernel, /boot, fstab, hostname, machine-id, "
               "network configuration, ssh host keys, homes and scratch, and without the services' data\n",
               m->prefix, m->os, m->arch);
        for (size_t i = 0; i < m->n_svcs; i++) {
                const struct mig_service *s = &m->svcs[i];
                printf("  service %s (%s in the VM, unit file %s)\n", s->name, s->vm_unit, s->vm_file);
                print_list("data", s->data);
                print_list("ports", s->ports);
                STRV_FOREACH (n, s->notes)
                        printf("    note: %s\n", *n);
        }
        if (m->n_svcs == 0)
                printf("  no service to migrate: the VM enabled none that svc migrate keeps\n");
        STRV_FOREACH (n, m->left_out)
                printf("  left out: %s\n", *n);
        fflush(stdout);
}

/* ---- doing it ------------------------------------------------------------------------------------- */

/* Refuses before any work when a unit or a service's /var of these names exists. */
static int names_free(const struct migrate *m) {
        for (size_t i = 0; i < m->n_svcs; i++) {
                _cleanup_free_ char *file = path_join(m->ctx->units_dir, m->svcs[i].file_name),
                                    *var = path_join(m->ctx->root, "var/lib/svc/var"),
                                    *layer = var ? path_join(var, m->svcs[i].name) : NULL;
                if (!file || !layer)
                        return -ENOMEM;
                const char *taken = access(file, F_OK) == 0 ? file : access(layer, F_OK) == 0 ? layer : NULL;
                if (taken) {
                        mig_error("%s exists already: choose another --name, or remove it first", taken);
                        return -EEXIST;
                }
        }
        return 0;
}

/* Refuses before copying when the trees' file system has less room than the VM's file systems
 * use (cp would otherwise fail on every file after the first). */
static int room_enough(struct migrate *m) {
        uint64_t used = 0;
        STRV_FOREACH (p, m->mounts) {
                struct statvfs sv;
                if (statvfs(*p, &sv) == 0)
                        used += (uint64_t) (sv.f_blocks - sv.f_bfree) * sv.f_frsize;
        }
        struct statvfs free_sv;
        m->used = used > m->hidden ? used - m->hidden : 0;
        used = m->used;
        if (fstatvfs(m->ctx->trees_fd, &free_sv) < 0)
                return 0;
        uint64_t avail = (uint64_t) free_sv.f_bavail * free_sv.f_frsize;
        if (avail >= used)
                return 0;
        char u[32], a[32];
        mig_error("%s has %s free and the VM's file systems use %s: No space left on device",
                  m->ctx->trees_dir, format_bytes(a, sizeof(a), avail), format_bytes(u, sizeof(u), used));
        return -ENOSPC;
}

static void json_putp(struct json_object **o) {
        json_object_put(*o);
}

static int make_manifest(const struct migrate *m, struct json_object **ret) {
        _cleanup_(json_putp) struct json_object *j = json_object_new_object(),
                                                *units = json_object_new_array();
        _cleanup_free_ char *source = realpath(m->image, NULL);
        for (size_t i = 0; units && i < m->n_svcs; i++)
                if (json_object_array_add(units, json_object_new_string(m->svcs[i].name)) < 0)
                        return -ENOMEM;
        if (!j || !units || json_object_object_add(j, "origin", json_object_new_string("migrate")) < 0 ||
            json_object_object_add(j, "source", json_object_new_string(source ?: m->image)) < 0 ||
            json_object_object_add(j, "format", json_object_new_string(m->format)) < 0 ||
            json_object_object_add(j, "os", json_object_new_string(m->os)) < 0 ||
            json_object_object_add(j, "units", TAKE_PTR(units)) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(j);
        return 0;
}

static void remove_made(struct migrate *m) {
        for (size_t n = strv_length(m->made); n > 0; n--) {
                char *p = m->made[n - 1], *slash = strrchr(p, '/');
                *slash = '\0';
                _cleanup_close_ int dir = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dir >= 0)
                        (void) tree_rm_rf_at(dir, slash + 1);
                *slash = '/';
        }
}

static int copy_root(struct migrate *m, const struct tree_new *t) {
        printf("Copying the VM's root into tree %s...\n", m->prefix);
        fflush(stdout);
        return mig_copy_from_vm(m, "/", t->path);
}

static void print_done(const struct migrate *m, uint64_t start) {
        char took[32], size[32], img[32];
        uint64_t used = 0;
        _cleanup_free_ char *dir = NULL;
        if (asprintf(&dir, ".%s", m->prefix) >= 0)
                (void) tree_disk_usage(m->ctx->trees_fd, dir, &used);
        printf("Migrated %s in %s: tree %s (%s, %s on disk; the image file is %s)", m->image,
               format_timespan(took, sizeof(took), now_usec(CLOCK_MONOTONIC) - start), m->prefix, m->os,
               format_bytes(size, sizeof(size), used), format_bytes(img, sizeof(img), m->image_size));
        printf(m->n_svcs > 0 ? "; start with:" : ".\n");
        for (size_t i = 0; i < m->n_svcs; i++)
                printf(" svc start %s%s", m->svcs[i].name, i + 1 < m->n_svcs ? ";" : "\n");
}

static int execute(struct migrate *m) {
        uint64_t start = now_usec(CLOCK_MONOTONIC);
        int r = names_free(m);
        if (r >= 0)
                r = room_enough(m);
        if (r < 0)
                return r;
        struct tree_new t;
        _cleanup_(json_putp) struct json_object *manifest = NULL;
        r = tree_new_begin(m->ctx, m->prefix, &t);
        if (r >= 0)
                r = copy_root(m, &t);
        if (r >= 0)
                r = mig_vm_strip_tree(m, t.fd);
        if (r >= 0)
                r = mig_vm_write_services(m, m->prefix);
        if (r >= 0)
                r = mig_share_files(m, t.path);
        if (r >= 0 && interrupted)
                r = -EINTR;
        if (r >= 0)
                r = make_manifest(m, &manifest);
        if (r >= 0)
                r = tree_new_commit(&t, manifest, "migrate");
        if (r < 0)
                remove_made(m);
        tree_new_done(&t);
        if (r >= 0)
                print_done(m, start);
        return r;
}

/* A private mount namespace: the image's mounts are nobody else's and end with this process. */
static int private_mounts(struct migrate *m) {
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return mig_error("cannot make a private mount namespace: %m"), -errno;
        _cleanup_free_ char *run = path_join(m->ctx->root, "run");
        if (!run || mkdir_p(run, 0755) < 0 || asprintf(&m->work, "%s/svc-migrate.XXXXXX", run) < 0)
                return -ENOMEM;
        if (!mkdtemp(m->work)) {
                m->work = mfree(m->work);
                return mig_error("cannot make a scratch directory in %s: %m", run), -errno;
        }
        return 0;
}

static int migrate(struct migrate *m) {
        _cleanup_close_ int fd = open(m->image, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0)
                return mig_error("cannot read %s: %m", m->image), -errno;
        if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
                return mig_error("%s is neither a disk image file nor a block device", m->image), -EINVAL;
        int r = private_mounts(m);
        if (r >= 0)
                r = mig_disk_open(m);
        if (r >= 0)
                r = mig_disk_scan(m);
        if (r >= 0)
                r = mig_disk_mount_root(m);
        if (r >= 0)
                r = mig_vm_identify(m);
        if (r >= 0)
                r = mig_vm_services(m);
        if (r >= 0 && interrupted)
                r = -EINTR;
        if (r >= 0)
                print_plan(m);
        if (r >= 0 && !m->dry_run)
                r = execute(m);
        return r;
}

static void migrate_done(struct migrate *m) {
        mig_disk_close(m);
        for (size_t i = 0; i < m->n_vols; i++) {
                free(m->vols[i].what);
                free(m->vols[i].lvm_path);
                free(m->vols[i].fstype);
                free(m->vols[i].uuid);
                free(m->vols[i].label);
                free(m->vols[i].vm_path);
                free(m->vols[i].subvol);
        }
        free(m->vols);
        for (size_t i = 0; i < m->n_svcs; i++) {
                struct mig_service *s = &m->svcs[i];
                free(s->vm_unit);
                free(s->vm_file);
                free(s->name);
                free(s->file_name);
                strv_free(s->data);
                strv_free(s->ports);
                strv_free(s->notes);
        }
        free(m->svcs);
        strv_free(m->left_out);
        strv_free(m->made);
        strv_free(m->mounts);
        strv_free(m->only);
        free(m->prefix);
        free(m->work);
        free(m->disk);
        free(m->root);
        free(m->format);
        free(m->os);
        free(m->arch);
}

int tree_cmd_migrate(struct tree_ctx *ctx, int argc, char **argv) {
        struct migrate m = { .ctx = ctx, .disk_fd = -EBADF, .root_fd = -EBADF, .interrupted = &interrupted };
        int r = parse_args(&m, argc, argv);
        if (r < 0) {
                migrate_done(&m);
                return EXIT_USAGE;
        }
        /* Ctrl-C or a stop: the steps notice, and everything made is removed on the way out. */
        struct sigaction sa = { .sa_handler = on_signal };
        (void) sigaction(SIGINT, &sa, NULL);
        (void) sigaction(SIGTERM, &sa, NULL);
        (void) sigaction(SIGHUP, &sa, NULL);
        r = migrate(&m);
        if (r == -EINTR)
                mig_error("interrupted: nothing was kept");
        migrate_done(&m);
        return r < 0 ? EXIT_FAILED : EXIT_OK;
}
