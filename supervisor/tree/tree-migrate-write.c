/* SPDX-License-Identifier: MIT */
/* svc migrate: the new tree without what is the VM's own, and each service's unit, drop-in and
 * data (migrate.h). */
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "common/macro.h"
#include "common/paths.h"
#include "common/util.h"
#include "supervisor/tree/migrate.h"

/* ---- the tree: what is the VM's own is left out ------------------------------------------------ */

/* Paths of the VM left out of the tree (README "Migrating a VM" says why): a trailing '/' empties
 * a directory and keeps it, a trailing '*' removes every entry starting so. */
static const char *const left_out[] = {
        "boot/",
        "vmlinuz",
        "vmlinuz.old",
        "initrd.img",
        "initrd.img.old",
        "usr/lib/modules/",
        "lib/modules/",
        "etc/fstab",
        "etc/crypttab",
        "etc/hostname",
        "etc/machine-id",
        "var/lib/dbus/machine-id",
        "etc/network/interfaces",
        "etc/network/interfaces.d/",
        "etc/netplan/",
        "etc/systemd/network/",
        "etc/NetworkManager/system-connections/",
        "etc/ssh/ssh_host_*",
        /* scratch of the VM, and its users' homes (root's shell history, keys): no service's */
        "tmp/",
        "var/tmp/",
        "root/",
        "home/",
};

static int empty_dir(int dir_fd, const char *prefix) {
        int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d)
                return safe_close(fd), -errno;
        _cleanup_strv_free_ char **names = NULL;
        int r = 0;
        for (struct dirent *de; r >= 0 && (de = readdir(d));)
                if (!streq(de->d_name, ".") && !streq(de->d_name, "..") &&
                    (!prefix || strneq(de->d_name, prefix, strlen(prefix))))
                        r = strv_extend(&names, de->d_name);
        closedir(d);
        STRV_FOREACH (n, names)
                if (r >= 0)
                        r = tree_rm_rf_at(dir_fd, *n);
        return r;
}

/* Removes PATH (relative, with left_out's trailing '/' or '*') from the tree at TREE_FD. */
static int remove_in_tree(int tree_fd, const char *path) {
        _cleanup_free_ char *p = strdup(path);
        if (!p)
                return -ENOMEM;
        size_t n = strlen(p);
        char last = p[n - 1];
        if (last == '/' || last == '*')
                p[n - 1] = '\0';
        char *slash = strrchr(p, '/');
        const char *base = slash ? slash + 1 : p;
        if (slash)
                *slash = '\0';
        _cleanup_close_ int parent = slash ? mig_open_beneath(tree_fd, p, O_RDONLY | O_DIRECTORY)
                                           : openat(tree_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (parent < 0) /* absent, or behind a symlink (lib -> usr/lib): the other spelling has it */
                return 0;
        if (last == '*')
                return empty_dir(parent, base);
        if (last != '/')
                return tree_rm_rf_at(parent, base);
        _cleanup_close_ int dir = mig_open_beneath(parent, base, O_RDONLY | O_DIRECTORY);
        return dir < 0 ? 0 : empty_dir(dir, NULL);
}

int mig_vm_strip_tree(struct migrate *m, int tree_fd) {
        int r = 0;
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(left_out); i++)
                r = remove_in_tree(tree_fd, left_out[i]);
        /* The data goes to each service's storage: the tree keeps the directory, empty. */
        for (size_t i = 0; r >= 0 && i < m->n_svcs; i++)
                STRV_FOREACH (d, m->svcs[i].data) {
                        struct stat st;
                        _cleanup_free_ char *dir = NULL;
                        if (r < 0 || fstatat(m->root_fd, *d + 1, &st, AT_SYMLINK_NOFOLLOW) < 0)
                                continue;
                        r = S_ISDIR(st.st_mode) && asprintf(&dir, "%s/", *d + 1) < 0
                                    ? -ENOMEM
                                    : remove_in_tree(tree_fd, dir ?: *d + 1);
                }
        if (r < 0)
                return r;
        /* An empty machine-id: "not set", as on a fresh image (systemd(1)); programs that read it find it. */
        _cleanup_close_ int etc = mig_open_beneath(tree_fd, "etc", O_RDONLY | O_DIRECTORY);
        _cleanup_close_ int id =
                etc < 0 ? -EBADF : openat(etc, "machine-id", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
        return 0;
}

/* ---- each service --------------------------------------------------------------------------- */

static int made(struct migrate *m, const char *path) {
        return strv_extend(&m->made, path);
}

static int copy_unit_file(struct migrate *m, const struct mig_service *s, const char *dst) {
        struct open_how how = { .flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
        _cleanup_close_ int in = (int) syscall(SYS_openat2, m->root_fd, s->vm_file + 1, &how, sizeof(how));
        if (in < 0)
                return mig_error("cannot read %s in the VM: %m", s->vm_file), -errno;
        _cleanup_close_ int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (out < 0)
                return mig_error("cannot write %s: %m", dst), -errno;
        int r = made(m, dst);
        char buf[8192];
        for (ssize_t k; r >= 0 && (k = read(in, buf, sizeof(buf))) != 0;)
                if (k < 0 || write(out, buf, (size_t) k) != k) {
                        mig_error("cannot copy %s into %s: %m", s->vm_file, dst);
                        r = -EIO;
                }
        return r;
}

/* The unit systemd-sysv-generator would make of a SysV init script: forking, start and stop. */
static int write_sysv_unit(struct migrate *m, const struct mig_service *s, const char *dst) {
        _cleanup_fclose_ FILE *f = fopen(dst, "wxe");
        if (!f || made(m, dst) < 0)
                return mig_error("cannot write %s: %m", dst), -errno;
        fprintf(f,
                "# Made by svc migrate from the VM's SysV init script %s, as systemd-sysv-generator makes "
                "it.\n"
                "[Unit]\nDescription=%s (SysV init script of the VM)\n\n"
                "[Service]\nType=forking\nExecStart=%s start\nExecStop=%s stop\n",
                s->vm_file, s->vm_unit, s->vm_file, s->vm_file);
        return fflush(f) == 0 && !ferror(f) ? 0 : -EIO;
}

static char *volume_name(const struct migrate *m, const char *path) {
        char *v = NULL;
        if (asprintf(&v, "%s%s", m->prefix, path) < 0)
                return NULL;
        for (char *p = v + strlen(m->prefix); *p; p++)
                if (*p == '/')
                        *p = '-';
        return v;
}

static int write_dropin(struct migrate *m, const struct mig_service *s, const char *tree, const char *dir) {
        _cleanup_free_ char *path = path_join(dir, "migrate.conf");
        if (!path || mkdir(dir, 0755) < 0)
                return path ? mig_error("cannot make %s: %m", dir), -errno : -ENOMEM;
        _cleanup_fclose_ FILE *f = made(m, dir) < 0 ? NULL : fopen(path, "wxe");
        if (!f)
                return mig_error("cannot write %s: %m", path), -errno;
        _cleanup_free_ char *image = tree_text(m->image);
        fprintf(f, "# svc migrate of %s (%s): the VM ran %s.\n[Service]\nRootDirectory=%s\n", image ?: "?",
                m->os, s->vm_unit, tree);
        STRV_FOREACH (p, s->ports)
                fprintf(f, "PublishPort=%s\n", *p);
        STRV_FOREACH (d, s->data) {
                _cleanup_free_ char *vol = mig_prefix(*d, "/var/") ? NULL : volume_name(m, *d);
                if (vol)
                        fprintf(f, "BindPaths=%s:%s\n", vol, *d);
        }
        STRV_FOREACH (n, s->notes) {
                _cleanup_free_ char *t = tree_text(*n);
                fprintf(f, "# %s\n", t ?: "?");
        }
        return fflush(f) == 0 && !ferror(f) ? 0 : -EIO;
}

/* The directories above /var/REL in the service's upper layer, as the VM has them. */
static int mirror_parents(struct migrate *m, int upper_fd, const char *rel) {
        _cleanup_free_ char *p = strdup(rel);
        if (!p)
                return -ENOMEM;
        for (char *slash = strchr(p, '/'); slash; slash = strchr(slash + 1, '/')) {
                *slash = '\0';
                _cleanup_free_ char *vm = NULL;
                struct stat st;
                if (asprintf(&vm, "var/%s", p) < 0)
                        return -ENOMEM;
                _cleanup_close_ int src = mig_open_beneath(m->root_fd, vm, O_PATH | O_DIRECTORY);
                if (src < 0 || fstat(src, &st) < 0)
                        return src < 0 ? src : -errno;
                if (mkdirat(upper_fd, p, st.st_mode & 07777) < 0 && errno != EEXIST)
                        return -errno;
                if (fchownat(upper_fd, p, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
                    fchmodat(upper_fd, p, st.st_mode & 07777, 0) < 0)
                        return -errno;
                *slash = '/';
        }
        return 0;
}

/* ROOT/var/lib/svc/var/NAME/upper: the service's own /var (VarOverlay=persistent), owned as the
 * VM's /var; svcd moves the owners into the service's range at its first start. */
static int make_var_layer(struct migrate *m, const struct mig_service *s, char **ret_upper) {
        _cleanup_free_ char *base = path_join(m->ctx->root, SVC_VAR_DIR), *dir = path_join(base, s->name),
                            *upper = path_join(dir, "upper");
        struct stat st;
        _cleanup_close_ int var = mig_open_beneath(m->root_fd, "var", O_PATH | O_DIRECTORY);
        if (!upper || var < 0 || fstat(var, &st) < 0)
                return -ENOMEM;
        int r = mkdir_p(base, 0700);
        if (r < 0 || mkdir(dir, 0700) < 0)
                return mig_error("cannot make %s: %s", dir, strerror(r < 0 ? -r : errno)), -EEXIST;
        if ((r = made(m, dir)) < 0 || mkdir(upper, st.st_mode & 07777) < 0 ||
            chown(upper, st.st_uid, st.st_gid) < 0)
                return r < 0 ? r : negative_errno();
        *ret_upper = TAKE_PTR(upper);
        return 0;
}

static int copy_var_data(struct migrate *m, const char *upper, int upper_fd, const char *path) {
        const char *rel = path + strlen("/var/");
        int r = mirror_parents(m, upper_fd, rel);
        _cleanup_free_ char *dst = r < 0 ? NULL : path_join(upper, rel);
        if (r < 0 || !dst)
                return r < 0 ? r : -ENOMEM;
        return mig_copy_from_vm(m, path, dst);
}

/* Data outside /var (/srv/ftp): the named volume PREFIX-srv-ftp, bound by the drop-in. */
static int copy_volume(struct migrate *m, const char *path) {
        _cleanup_free_ char *vols = path_join(m->ctx->root, SVC_VOLUMES_DIR), *vol = volume_name(m, path);
        _cleanup_free_ char *dst = vols && vol ? path_join(vols, vol) : NULL;
        if (!dst)
                return -ENOMEM;
        int r = mkdir_p(vols, 0700);
        if (r < 0)
                return mig_error("cannot make %s: %s", vols, strerror(-r)), r;
        if (access(dst, F_OK) == 0)
                return mig_error("the volume %s exists already: choose another --name", dst), -EEXIST;
        r = made(m, dst);
        return r < 0 ? r : mig_copy_from_vm(m, path, dst);
}

static int write_data(struct migrate *m, const struct mig_service *s) {
        _cleanup_free_ char *upper = NULL;
        _cleanup_close_ int upper_fd = -EBADF;
        bool var = false;
        STRV_FOREACH (d, s->data)
                var |= mig_prefix(*d, "/var/") != NULL;
        if (var) {
                int r = make_var_layer(m, s, &upper);
                if (r < 0)
                        return r;
                upper_fd = upper ? open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -EBADF;
                if (upper_fd < 0)
                        return negative_errno();
        }
        STRV_FOREACH (d, s->data) {
                int r = mig_prefix(*d, "/var/") ? copy_var_data(m, upper, upper_fd, *d) : copy_volume(m, *d);
                if (r < 0)
                        return r;
        }
        return 0;
}

int mig_vm_write_services(struct migrate *m, const char *tree) {
        int r = mkdir_p(m->ctx->units_dir, 0755);
        for (size_t i = 0; r >= 0 && i < m->n_svcs; i++) {
                const struct mig_service *s = &m->svcs[i];
                _cleanup_free_ char *file = path_join(m->ctx->units_dir, s->file_name), *dir = NULL;
                if (!file || asprintf(&dir, "%s.d", file) < 0)
                        return -ENOMEM;
                r = s->sysv ? write_sysv_unit(m, s, file) : copy_unit_file(m, s, file);
                if (r >= 0)
                        r = write_dropin(m, s, tree, dir);
                if (r >= 0)
                        r = write_data(m, s);
        }
        return r;
}
