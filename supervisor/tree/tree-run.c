/* SPDX-License-Identifier: MIT */
/* Other programs svc-tree runs: debootstrap, cp, apt-get inside a tree, svc-ctl. On a terminal
 * their progress shows; otherwise their output is kept in a memfd and its last lines are shown
 * only when they fail. */
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "common/macro.h"
#include "common/paths.h"
#include "common/util.h"
#include "supervisor/tree/tree.h"

#define TAIL_LINES 25
#define OUTPUT_MAX (16U * 1024U * 1024U)

extern char **environ;

char *tree_find_helper(const char *name) {
        char self[PATH_MAX], *p = NULL;
        ssize_t k = readlink("/proc/self/exe", self, sizeof(self) - 1);
        char *slash = k > 0 ? (self[k] = '\0', strrchr(self, '/')) : NULL;
        if (slash) {
                *slash = '\0';
                if (asprintf(&p, "%s/%s", self, name) >= 0 && access(p, X_OK) == 0)
                        return p;
                free(p);
                if (asprintf(&p, "%s/../libexec/svc/%s", self, name) >= 0 && access(p, X_OK) == 0)
                        return p;
                free(p);
        }
        if (asprintf(&p, "%s/%s", LIBEXECDIR, name) < 0)
                return NULL;
        return p;
}

/* ---- inside a tree: a private mount namespace, /proc, /dev and resolv.conf, then chroot ------ */

/* Mounts SOURCE on PATH of the tree at ROOT_FD. The target is resolved inside the tree without
 * following any symlink, so that a tree cannot turn its /proc or /dev into a path of the host. */
static int mount_in_tree(int root_fd, const char *path, const char *source, const char *type,
                         unsigned long flags, bool dir) {
        struct open_how how = { .flags = O_PATH | O_CLOEXEC | (dir ? O_DIRECTORY : 0),
                                .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
        _cleanup_close_ int fd = (int) syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0)
                return -errno;
        if (!dir && !S_ISREG(st.st_mode))
                return -EINVAL;
        char proc[64];
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        return mount(source, proc, type, flags, NULL) < 0 ? -errno : 0;
}

/* The tree as it is, read-only, with apt's lists and caches and /tmp in memory: `outdated` refreshes
 * the lists without writing into a generation services run on. */
static int read_only_view(const char *tree) {
        static const char *const scratch[] = { "var/lib/apt/lists", "var/cache/apt", "tmp" };
        if (mount(tree, tree, NULL, MS_BIND | MS_REC, NULL) < 0)
                return -errno;
        _cleanup_close_ int fd = open(tree, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        for (size_t i = 0; i < ELEMENTSOF(scratch); i++) {
                int r = mount_in_tree(fd, scratch[i], "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV, true);
                if (r < 0)
                        return r;
        }
        return mount(NULL, tree, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0 ? -errno : 0;
}

static int enter_tree(const char *tree, bool read_only) {
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return -errno;
        int k = read_only ? read_only_view(tree) : 0;
        if (k < 0)
                return k;
        _cleanup_close_ int root_fd = open(tree, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return -errno;
        int r = mount_in_tree(root_fd, "proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, true);
        if (r >= 0)
                r = mount_in_tree(root_fd, "dev", "/dev", NULL, MS_BIND | MS_REC, true);
        if (r < 0)
                return r;
        /* Name resolution for apt, when the tree has a resolv.conf of its own to cover. */
        if (access("/etc/resolv.conf", R_OK) == 0)
                (void) mount_in_tree(root_fd, "etc/resolv.conf", "/etc/resolv.conf", NULL, MS_BIND, false);
        if (chroot(tree) < 0 || chdir("/") < 0)
                return -errno;
        return 0;
}

static char **make_env(char *const *extra, bool in_tree) {
        char **env = NULL;
        for (char **e = environ; e && *e; e++) {
                size_t k = strcspn(*e, "=");
                bool replaced = false;
                for (char *const *x = extra; x && *x; x++)
                        replaced |= strneq(*x, *e, k + 1);
                if (in_tree && strneq(*e, "PATH=", 5))
                        replaced = true;
                if (!replaced && strv_extend(&env, *e) < 0)
                        return strv_free(env);
        }
        for (char *const *x = extra; x && *x; x++)
                if (strv_extend(&env, *x) < 0)
                        return strv_free(env);
        if (in_tree && strv_extend(&env, "PATH=" SVC_DEFAULT_PATH) < 0)
                return strv_free(env);
        return env;
}

_noreturn_ static void child(const struct tree_run_opts *o, int out) {
        (void) signal(SIGINT, SIG_DFL);
        (void) signal(SIGQUIT, SIG_DFL);
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null < 0 || dup2(null, STDIN_FILENO) < 0 ||
            (out >= 0 && (dup2(out, STDOUT_FILENO) < 0 || dup2(out, STDERR_FILENO) < 0)))
                _exit(127);
        if (o->chroot) {
                int r = enter_tree(o->chroot, o->read_only);
                if (r < 0) {
                        fprintf(stderr, "cannot enter the tree %s: %s\n", o->chroot, strerror(-r));
                        _exit(127);
                }
        }
        char **env = make_env(o->env, o->chroot);
        if (!env)
                _exit(127);
        environ = env; /* execvp() looks argv[0] up in this PATH */
        execvp(o->argv[0], o->argv);
        fprintf(stderr, "cannot run %s: %m\n", o->argv[0]);
        _exit(127);
}

static char *read_output(int fd) {
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0)
                return NULL;
        size_t n = MIN((size_t) st.st_size, (size_t) OUTPUT_MAX);
        char *buf = malloc(n + 1);
        if (!buf)
                return NULL;
        ssize_t k = pread(fd, buf, n, (off_t) st.st_size - (off_t) n);
        buf[MAX(k, 0)] = '\0';
        return buf;
}

int tree_run(const struct tree_ctx *ctx, const struct tree_run_opts *o, char **ret_output) {
        bool show = o->show && ctx->tty;
        _cleanup_close_ int out = show ? -EBADF : memfd_create("svc-tree-output", MFD_CLOEXEC);
        if (!show && out < 0)
                return -errno;
        fflush(stdout);
        fflush(stderr);
        /* As system(3): Ctrl-C stops the program, and svc-tree lives on to remove what it made. */
        struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
        (void) sigaction(SIGINT, &ign, &old_int);
        (void) sigaction(SIGQUIT, &ign, &old_quit);
        pid_t pid = fork();
        if (pid == 0)
                child(o, out);
        int status = 0, r = pid < 0 ? -errno : 0;
        while (pid > 0 && waitpid(pid, &status, 0) < 0)
                if (errno != EINTR) {
                        r = -errno;
                        break;
                }
        (void) sigaction(SIGINT, &old_int, NULL);
        (void) sigaction(SIGQUIT, &old_quit, NULL);
        if (r < 0)
                return r;
        if (ret_output)
                *ret_output = read_output(out);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void print_tail(const char *output) {
        if (isempty(output))
                return;
        const char *p = output + strlen(output);
        if (p > output && p[-1] == '\n')
                p--;
        for (unsigned n = 0; p > output && n < TAIL_LINES; n += *p == '\n')
                p--;
        if (*p == '\n')
                p++;
        fprintf(stderr, "%s%s", p, output[strlen(output) - 1] == '\n' ? "" : "\n");
}

int tree_run_checked(const struct tree_ctx *ctx, const struct tree_run_opts *o, const char *what) {
        _cleanup_free_ char *output = NULL;
        int r = tree_run(ctx, o, &output);
        if (r == 0)
                return 0;
        if (r > 0 && o->enospc && output &&
            (strstr(output, "No space left on device") || strstr(output, "Disk quota exceeded")))
                return -ENOSPC;
        if (r < 0)
                tree_error("%s: cannot run %s: %s", what, o->argv[0], strerror(-r));
        else {
                tree_error("%s failed (%s %d); its last lines:", what,
                           r > 128 ? "killed by signal" : "exited with", r > 128 ? r - 128 : r);
                print_tail(output);
        }
        return -EIO;
}
