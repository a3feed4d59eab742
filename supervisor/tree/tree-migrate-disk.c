/* SPDX-License-Identifier: MIT */
/* svc migrate: reaching the file systems of a VM's disk read-only, in user space (migrate.h). */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <linux/loop.h>
#include <linux/openat2.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/tree/migrate.h"

#define QSD_WAIT_MS 20000

static void json_putp(struct json_object **o) {
        json_object_put(*o);
}

static struct json_object *jget(struct json_object *o, const char *key) {
        struct json_object *v = NULL;
        return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *jstr(struct json_object *o, const char *key) {
        struct json_object *v = jget(o, key);
        return v ? json_object_get_string(v) : NULL;
}

static uint64_t jnum(struct json_object *o, const char *key) {
        const char *s = jstr(o, key);
        return s ? strtoull(s, NULL, 10) : 0;
}

/* The JSON object a tool printed (LVM's tools indent it and may print more around it). */
static struct json_object *parse_json(const char *out) {
        const char *p = out ? strchr(out, '{') : NULL;
        return p ? json_tokener_parse(p) : NULL;
}

/* The last line of a tool's complaint, for a sentence. */
static const char *last_line(char *s) {
        if (!s)
                return "";
        size_t n = strlen(s);
        while (n > 0 && s[n - 1] == '\n')
                s[--n] = '\0';
        char *nl = strrchr(s, '\n');
        return nl ? nl + 1 : s;
}

/* ---- the image: qemu-img info, then qemu-storage-daemon's read-only FUSE export ---------------- */

/* QEMU's image locking: a process that may write the image (a running VM) holds a lock on byte
 * 100 + 1 (BLK_PERM_WRITE) of it. A reader qemu lets through (a raw image) would still copy a
 * disk that changes under it: refused as qemu refuses a qcow2. */
static bool image_in_use(const char *image) {
        _cleanup_close_ int fd = open(image, O_RDONLY | O_CLOEXEC);
        struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 101, .l_len = 1 };
        return fd >= 0 && fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
}

static int image_info(struct migrate *m) {
        if (image_in_use(m->image)) {
                mig_error("%s is in use: another program (a running VM?) holds its lock; shut the VM down "
                          "first, svc migrate reads only disks nobody writes",
                          m->image);
                return -EBUSY;
        }
        char *argv[] = { (char *) "qemu-img", (char *) "info", (char *) "--output=json", (char *) m->image,
                         NULL };
        _cleanup_free_ char *out = NULL, *err = NULL;
        int r = mig_run(argv, &out, &err);
        if (r < 0)
                return mig_error("cannot run qemu-img (Debian's qemu-utils): %s", strerror(-r)), r;
        if (r != 0 && err && strstr(err, "lock")) {
                mig_error("%s is in use: another program (a running VM?) holds its lock; shut the VM down "
                          "first, svc migrate reads only disks nobody writes",
                          m->image);
                return -EBUSY;
        }
        _cleanup_(json_putp) struct json_object *info = r == 0 ? parse_json(out) : NULL;
        const char *format = jstr(info, "format");
        if (!format) {
                mig_error("%s is not a disk image qemu-img can read: %s", m->image, last_line(err));
                return -EINVAL;
        }
        m->format = strdup(format);
        m->virtual_size = (uint64_t) json_object_get_int64(jget(info, "virtual-size"));
        m->image_size = (uint64_t) json_object_get_int64(jget(info, "actual-size"));
        return m->format ? 0 : -ENOMEM;
}

/* --blockdev values as JSON, so that a file name with a comma stays one file name. */
static char *blockdev_json(const char *driver, const char *node, const char *file_key, const char *file) {
        _cleanup_(json_putp) struct json_object *o = json_object_new_object();
        if (!o || json_object_object_add(o, "driver", json_object_new_string(driver)) < 0 ||
            json_object_object_add(o, "node-name", json_object_new_string(node)) < 0 ||
            json_object_object_add(o, file_key, json_object_new_string(file)) < 0 ||
            json_object_object_add(o, "read-only", json_object_new_boolean(true)) < 0)
                return NULL;
        return strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
}

_noreturn_ static void qsd_child(char **argv, int log_fd) {
        /* Its own process group (Ctrl-C is for svc-tree, which then stops it in order), and it
         * dies with svc-tree. */
        (void) setpgid(0, 0);
        (void) prctl(PR_SET_PDEATHSIG, SIGTERM);
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0 ||
            dup2(log_fd, STDERR_FILENO) < 0)
                _exit(127);
        execvp(argv[0], argv);
        fprintf(stderr, "cannot run %s: %m\n", argv[0]);
        _exit(127);
}

static char *read_fd(int fd) {
        struct stat st;
        if (fstat(fd, &st) < 0)
                return NULL;
        char *buf = calloc((size_t) st.st_size + 1, 1);
        if (buf && pread(fd, buf, (size_t) st.st_size, 0) < 0)
                buf = mfree(buf);
        return buf;
}

/* Waits until the export is mounted on m->disk (it then has the disk's size). */
static int qsd_wait(struct migrate *m, int log_fd) {
        for (unsigned ms = 0; ms < QSD_WAIT_MS; ms += 10) {
                struct stat st;
                int status;
                if (stat(m->disk, &st) == 0 && (uint64_t) st.st_size == m->virtual_size && st.st_size > 0)
                        return 0;
                if (waitpid(m->qsd, &status, WNOHANG) == m->qsd) {
                        m->qsd = 0;
                        _cleanup_free_ char *log = read_fd(log_fd);
                        mig_error("qemu-storage-daemon could not export %s: %s", m->image, last_line(log));
                        return -EIO;
                }
                if (*m->interrupted)
                        return -EINTR;
                (void) nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
        }
        mig_error("qemu-storage-daemon did not export %s within %d s", m->image, QSD_WAIT_MS / 1000);
        return -ETIMEDOUT;
}

static int export_image(struct migrate *m) {
        _cleanup_free_ char *file = blockdev_json("file", "file", "filename", m->image),
                            *fmt = blockdev_json(m->format, "disk", "file", "file"), *exp = NULL;
        if (!file || !fmt ||
            asprintf(&exp, "type=fuse,id=disk,node-name=disk,mountpoint=%s,writable=off", m->disk) < 0)
                return -ENOMEM;
        char *argv[] = { (char *) "qemu-storage-daemon",
                         (char *) "--blockdev",
                         file,
                         (char *) "--blockdev",
                         fmt,
                         (char *) "--export",
                         exp,
                         NULL };
        _cleanup_close_ int log_fd = memfd_create("qsd-log", MFD_CLOEXEC);
        if (log_fd < 0)
                return -errno;
        m->qsd = fork();
        if (m->qsd < 0)
                return m->qsd = 0, -errno;
        if (m->qsd == 0)
                qsd_child(argv, log_fd);
        int r = qsd_wait(m, log_fd);
        if (r < 0)
                return r;
        m->disk_fd = open(m->disk, O_RDONLY | O_CLOEXEC);
        if (m->disk_fd < 0)
                return mig_error("cannot open the export of %s: %m", m->image), -errno;
        return 0;
}

/* A raw image is its own bytes: loop devices read the file itself, opened read-only, without
 * qemu-storage-daemon and FUSE in between (twice as fast to copy from). */
static int open_raw(struct migrate *m) {
        m->disk = strdup(m->image);
        if (!m->disk)
                return -ENOMEM;
        m->disk_fd = open(m->image, O_RDONLY | O_CLOEXEC);
        return m->disk_fd < 0 ? mig_error("cannot read %s: %m", m->image), -errno : 0;
}

int mig_disk_open(struct migrate *m) {
        int r = image_info(m);
        if (r < 0)
                return r;
        if (streq(m->format, "raw"))
                return open_raw(m);
        m->exported = true;
        m->disk = path_join(m->work, "disk");
        if (!m->disk)
                return -ENOMEM;
        _cleanup_close_ int fd = open(m->disk, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0)
                return mig_error("cannot make %s: %m", m->disk), -errno;
        return export_image(m);
}

/* ---- loop devices ------------------------------------------------------------------------------ */

/* A read-only loop device over SIZE bytes at OFFSET of the disk, cleared when its last user (the
 * returned fd, then a mount) goes: its fd, and its path in RET_PATH. */
static int loop_attach(struct migrate *m, uint64_t offset, uint64_t size, char ret_path[static 32]) {
        _cleanup_close_ int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
        if (ctl < 0)
                return -errno;
        for (unsigned tries = 0; tries < 32; tries++) {
                int n = ioctl(ctl, LOOP_CTL_GET_FREE);
                if (n < 0)
                        return -errno;
                snprintf(ret_path, 32, "/dev/loop%d", n);
                int fd = open(ret_path, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
                struct loop_config c = { .fd = (unsigned) m->disk_fd,
                                         .info = { .lo_offset = offset,
                                                   .lo_sizelimit = size,
                                                   .lo_flags = LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR } };
                if (ioctl(fd, LOOP_CONFIGURE, &c) == 0)
                        return fd;
                int e = errno;
                safe_close(fd);
                if (e != EBUSY) /* another program took it meanwhile: the next free one */
                        return -e;
        }
        return -EBUSY;
}

/* ---- partitions and file systems --------------------------------------------------------------- */

static int add_volume(struct migrate *m, const char *what, uint64_t offset, uint64_t size) {
        struct mig_volume *v = reallocarray(m->vols, m->n_vols + 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        m->vols = v;
        v = &m->vols[m->n_vols];
        *v = (struct mig_volume){ .what = strdup(what), .offset = offset, .size = size };
        if (!v->what)
                return -ENOMEM;
        m->n_vols++;
        return 0;
}

/* blkid -p at the volume's offset: TYPE, UUID, LABEL. */
static int probe(struct migrate *m, struct mig_volume *v) {
        char off[32], size[32];
        snprintf(off, sizeof(off), "%" PRIu64, v->offset);
        snprintf(size, sizeof(size), "%" PRIu64, v->size);
        char *argv[] = { (char *) "blkid", (char *) "-p", (char *) "-o", (char *) "export",
                         (char *) "-O",    off,           (char *) "-S", size,
                         m->disk,          NULL };
        _cleanup_free_ char *out = NULL;
        int r = mig_run(argv, &out, NULL);
        if (r < 0)
                return r;
        for (char *line = out, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                char **field = mig_prefix(line, "TYPE=")    ? &v->fstype
                               : mig_prefix(line, "UUID=")  ? &v->uuid
                               : mig_prefix(line, "LABEL=") ? &v->label
                                                            : NULL;
                if (field && !*field && !(*field = strdup(strchr(line, '=') + 1)))
                        return -ENOMEM;
        }
        return 0;
}

static int read_partitions(struct migrate *m) {
        char *argv[] = { (char *) "sfdisk", (char *) "--json", m->disk, NULL };
        _cleanup_free_ char *out = NULL, *err = NULL;
        int r = mig_run(argv, &out, &err);
        if (r < 0)
                return mig_error("cannot run sfdisk (util-linux's fdisk): %s", strerror(-r)), r;
        _cleanup_(json_putp) struct json_object *o = r == 0 ? parse_json(out) : NULL;
        struct json_object *table = jget(o, "partitiontable"), *parts = jget(table, "partitions");
        if (!table) /* no partition table: a file system on the whole disk */
                return add_volume(m, "the whole disk", 0, m->virtual_size);
        uint64_t sector =
                jget(table, "sectorsize") ? (uint64_t) json_object_get_int64(jget(table, "sectorsize")) : 512;
        for (size_t i = 0; i < json_object_array_length(parts); i++) {
                struct json_object *p = json_object_array_get_idx(parts, i);
                char what[32];
                snprintf(what, sizeof(what), "partition %zu", i + 1);
                uint64_t start = (uint64_t) json_object_get_int64(jget(p, "start"));
                uint64_t size = (uint64_t) json_object_get_int64(jget(p, "size"));
                /* An MBR extended partition holds others: sfdisk lists them too. */
                const char *type = jstr(p, "type");
                if (type && (streq(type, "5") || streq(type, "f") || streq(type, "85")))
                        continue;
                r = add_volume(m, what, start * sector, size * sector);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- LVM: its own tools, on read-only loop devices of the physical volumes, no device-mapper ---- */

struct pv {
        char path[32]; /* the loop device */
        int fd;
        uint64_t offset; /* of the partition in the disk */
};

static char *lvm_config(const struct pv *pvs, size_t n) {
        _cleanup_free_ char *filter = strdup("");
        for (size_t i = 0; filter && i < n; i++) {
                char *f = NULL;
                if (asprintf(&f, "%s\"a|^%s$|\",", filter, pvs[i].path) < 0)
                        return NULL;
                free(filter);
                filter = f;
        }
        char *c = NULL;
        /* Only these devices, never the host's disks; no udev, no device-mapper, no archive or
         * backup written into the host's /etc/lvm. */
        if (!filter ||
            asprintf(&c,
                     "devices{obtain_device_list_from_udev=0 use_devicesfile=0 filter=[%s\"r|.*|\"]} "
                     "activation{udev_sync=0 udev_rules=0 monitoring=0} backup{backup=0 archive=0} "
                     "global{use_lvmpolld=0}",
                     filter) < 0)
                return NULL;
        return c;
}

static int lvm_report(const char *cmd, const char *fields, const char *config, struct json_object **ret) {
        char *argv[] = { (char *) cmd,
                         (char *) "--readonly",
                         (char *) "--config",
                         (char *) config,
                         (char *) "--reportformat",
                         (char *) "json",
                         (char *) "--units",
                         (char *) "b",
                         (char *) "--nosuffix",
                         (char *) "-o",
                         (char *) fields,
                         NULL };
        _cleanup_free_ char *out = NULL, *err = NULL;
        int r = mig_run(argv, &out, &err);
        if (r < 0)
                return mig_error("cannot run %s (Debian's lvm2): %s", cmd, strerror(-r)), r;
        struct json_object *o = r == 0 ? parse_json(out) : NULL;
        struct json_object *rep = json_object_array_get_idx(jget(o, "report"), 0);
        if (!rep) {
                json_object_put(o);
                return mig_error("%s cannot read the image's LVM metadata: %s", cmd, last_line(err)), -EIO;
        }
        *ret = o;
        return 0;
}

static const struct pv *pv_of(const struct pv *pvs, size_t n, const char *range) {
        for (size_t i = 0; i < n; i++)
                if (mig_prefix(range, pvs[i].path) && range[strlen(pvs[i].path)] == ':')
                        return &pvs[i];
        return NULL;
}

static uint64_t pe_start_of(struct json_object *pvrep, const char *path) {
        struct json_object *l = jget(json_object_array_get_idx(jget(pvrep, "report"), 0), "pv");
        for (size_t i = 0; i < json_object_array_length(l); i++)
                if (streq(jstr(json_object_array_get_idx(l, i), "pv_name") ?: "", path))
                        return jnum(json_object_array_get_idx(l, i), "pe_start");
        return 0;
}

/* One logical volume (a row of lvs per segment): linear and in one segment, or a note. */
static int add_lv(struct migrate *m, struct json_object *lv, struct json_object *pvrep, const struct pv *pvs,
                  size_t n) {
        const char *vg = jstr(lv, "vg_name") ?: "?", *name = jstr(lv, "lv_name") ?: "?";
        const char *segtype = jstr(lv, "segtype") ?: "", *range = jstr(lv, "seg_pe_ranges") ?: "";
        _cleanup_free_ char *what = NULL;
        if (asprintf(&what, "logical volume %s/%s", vg, name) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_vols; i++)
                if (streq(m->vols[i].what, what)) {
                        m->vols[i].size = 0; /* a second segment: not one stretch of the disk */
                        return mig_note(&m->left_out,
                                        "%s is in several segments, which svc migrate cannot read without "
                                        "device-mapper",
                                        what);
                }
        const struct pv *pv = pv_of(pvs, n, range);
        const char *first = strchr(range, ':');
        if (!streq(segtype, "linear") || !pv || !first || strchr(range, ' '))
                return mig_note(&m->left_out, "%s is %s, which svc migrate cannot read without device-mapper",
                                what, segtype);
        uint64_t extent = jnum(lv, "vg_extent_size");
        uint64_t offset = pv->offset + pe_start_of(pvrep, pv->path) + strtoull(first + 1, NULL, 10) * extent;
        int r = add_volume(m, what, offset, jnum(lv, "lv_size"));
        if (r < 0)
                return r;
        struct mig_volume *v = &m->vols[m->n_vols - 1];
        if (asprintf(&v->lvm_path, "/dev/%s/%s", vg, name) < 0)
                return -ENOMEM;
        return probe(m, v);
}

static int read_lvm(struct migrate *m, struct pv *pvs, size_t n) {
        _cleanup_free_ char *config = lvm_config(pvs, n);
        if (!config)
                return -ENOMEM;
        _cleanup_(json_putp) struct json_object *lvs = NULL, *pvrep = NULL;
        int r = lvm_report("lvs", "vg_name,lv_name,segtype,seg_pe_ranges,lv_size,vg_extent_size", config,
                           &lvs);
        if (r >= 0)
                r = lvm_report("pvs", "pv_name,pe_start", config, &pvrep);
        struct json_object *l = jget(json_object_array_get_idx(jget(lvs, "report"), 0), "lv");
        for (size_t i = 0; r >= 0 && i < json_object_array_length(l); i++)
                r = add_lv(m, json_object_array_get_idx(l, i), pvrep, pvs, n);
        return r;
}

/* The physical volumes among the volumes found, each on a loop device while LVM reads them. */
static int scan_lvm(struct migrate *m) {
        size_t n_vols = m->n_vols, n = 0;
        if (n_vols == 0)
                return 0;
        _cleanup_free_ struct pv *pvs = calloc(n_vols, sizeof(struct pv));
        if (!pvs)
                return -ENOMEM;
        int r = 0;
        for (size_t i = 0; r >= 0 && i < n_vols; i++) {
                if (!streq(m->vols[i].fstype ?: "", "LVM2_member"))
                        continue;
                pvs[n].offset = m->vols[i].offset;
                pvs[n].fd = loop_attach(m, m->vols[i].offset, m->vols[i].size, pvs[n].path);
                if (pvs[n].fd < 0) {
                        mig_error("cannot attach a loop device to %s: %s", m->vols[i].what,
                                  strerror(-pvs[n].fd));
                        r = pvs[n].fd;
                } else
                        n++;
        }
        if (r >= 0 && n > 0)
                r = read_lvm(m, pvs, n);
        for (size_t i = 0; i < n; i++)
                safe_close(pvs[i].fd);
        return r < 0 ? r : 0;
}

int mig_disk_scan(struct migrate *m) {
        int r = read_partitions(m);
        for (size_t i = 0; r >= 0 && i < m->n_vols; i++)
                r = probe(m, &m->vols[i]);
        if (r >= 0)
                r = scan_lvm(m);
        if (r < 0)
                return r;
        for (size_t i = 0; i < m->n_vols; i++)
                if (streq(m->vols[i].fstype ?: "", "crypto_LUKS")) {
                        mig_error(
                                "%s: %s is encrypted (LUKS); svc migrate reads disks without their keys and "
                                "cannot migrate it: decrypt it in the VM first, or copy the opened device "
                                "into a new image",
                                m->image, m->vols[i].what);
                        return -EMEDIUMTYPE;
                }
        return 0;
}

/* ---- mounting ---------------------------------------------------------------------------------- */

static bool linux_fs(const char *type) {
        return type && (streq(type, "ext4") || streq(type, "ext3") || streq(type, "ext2") ||
                        streq(type, "xfs") || streq(type, "btrfs"));
}

/* Read-only on a read-only device: no journal replayed (it would write). */
static const char *mount_options(const char *type) {
        if (streq(type, "xfs"))
                return "norecovery";
        if (streq(type, "btrfs"))
                return "rescue=nologreplay";
        return mig_prefix(type, "ext") && !streq(type, "ext2") ? "noload" : "";
}

/* Mounts volume V (its subvolume V->subvol, if set) read-only on the directory open at TARGET_FD
 * (host path PATH). */
static int mount_volume(struct migrate *m, struct mig_volume *v, int target_fd, const char *path) {
        char dev[32], proc[64];
        _cleanup_free_ char *options = NULL;
        if (asprintf(&options, "%s%s%s", mount_options(v->fstype), v->subvol ? ",subvol=" : "",
                     v->subvol ?: "") < 0)
                return -ENOMEM;
        _cleanup_close_ int loop = loop_attach(m, v->offset, v->size, dev);
        if (loop < 0)
                return mig_error("cannot attach a loop device to %s: %s", v->what, strerror(-loop)), loop;
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", target_fd);
        if (mount(dev, proc, v->fstype, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, options) < 0)
                return mig_error("cannot mount %s (%s): %m", v->what, v->fstype), -errno;
        v->mounted = true;
        return strv_extend(&m->mounts, path);
}

static int open_in_root(int root_fd, const char *path, int flags) {
        struct open_how how = { .flags = (uint64_t) flags | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
        int fd = (int) syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
        return fd < 0 ? -errno : fd;
}

static bool has_os_release(int root_fd) {
        _cleanup_close_ int a = open_in_root(root_fd, "etc/os-release", O_RDONLY);
        _cleanup_close_ int b = a >= 0 ? -EBADF : open_in_root(root_fd, "usr/lib/os-release", O_RDONLY);
        return a >= 0 || b >= 0;
}

static void umount_last(struct migrate *m) {
        size_t n = strv_length(m->mounts);
        if (n == 0)
                return;
        if (umount2(m->mounts[n - 1], 0) < 0)
                (void) umount2(m->mounts[n - 1], MNT_DETACH);
        free(m->mounts[n - 1]);
        m->mounts[n - 1] = NULL;
}

/* A subvolume's top directory has this inode number in its parent (BTRFS_FIRST_FREE_OBJECTID). */
#define BTRFS_SUBVOL_INO 256
/* Characters of a subvolume name that goes into mount options (a ',' would add options). */
#define SUBVOL_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@._-"

/* The subvolume at the top of the btrfs file system open at TOP_FD that holds an os-release:
 * "@rootfs" of Debian's installer, "@" of Ubuntu's; NULL if none. */
static char *btrfs_root_subvol(int top_fd) {
        int fd = openat(top_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d)
                return safe_close(fd), NULL;
        char *found = NULL;
        for (struct dirent *de; !found && (de = readdir(d));) {
                struct stat st;
                if (de->d_name[0] == '.' || strspn(de->d_name, SUBVOL_CHARS) != strlen(de->d_name) ||
                    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode) ||
                    st.st_ino != BTRFS_SUBVOL_INO)
                        continue;
                _cleanup_close_ int sub = mig_open_beneath(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY);
                if (sub >= 0 && has_os_release(sub))
                        found = strdup(de->d_name);
        }
        closedir(d);
        return found;
}

/* The btrfs volume V mounted at m->root has no os-release at its top: mounts the subvolume that
 * has one there instead, if any. */
static int mount_root_subvol(struct migrate *m, struct mig_volume *v, int dir) {
        char *sub = btrfs_root_subvol(m->root_fd);
        if (!sub)
                return 0;
        m->root_fd = safe_close(m->root_fd);
        v->mounted = false;
        umount_last(m);
        v->subvol = sub;
        int r = mount_volume(m, v, dir, m->root);
        if (r < 0)
                return r;
        m->root_fd = open(m->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return m->root_fd < 0 ? -errno : 0;
}

/* Mounts volume V at m->root: 1 if it holds a Linux root, 0 (unmounted again) if not. */
static int try_root(struct migrate *m, struct mig_volume *v, int dir) {
        free(v->vm_path);
        v->vm_path = strdup("/");
        int r = v->vm_path ? mount_volume(m, v, dir, m->root) : -ENOMEM;
        if (r < 0)
                return r;
        m->root_fd = open(m->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (m->root_fd >= 0 && !has_os_release(m->root_fd) && streq(v->fstype, "btrfs") &&
            (r = mount_root_subvol(m, v, dir)) < 0)
                return r;
        if (m->root_fd >= 0 && has_os_release(m->root_fd))
                return 1;
        m->root_fd = safe_close(m->root_fd);
        v->subvol = mfree(v->subvol);
        if (v->mounted) {
                v->mounted = false;
                umount_last(m);
        }
        return 0;
}

static int find_root(struct migrate *m) {
        _cleanup_close_ int dir = open(m->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
                return -errno;
        for (size_t i = 0; i < m->n_vols; i++) {
                if (!linux_fs(m->vols[i].fstype) || m->vols[i].size == 0)
                        continue;
                int r = try_root(m, &m->vols[i], dir);
                if (r != 0)
                        return r < 0 ? r : 0;
        }
        _cleanup_strv_free_ char **found = NULL;
        for (size_t i = 0; i < m->n_vols; i++) {
                char *s = NULL;
                if (asprintf(&s, "%s (%s)", m->vols[i].what, m->vols[i].fstype ?: "nothing recognized") < 0 ||
                    strv_push(&found, s) < 0)
                        return -ENOMEM;
        }
        _cleanup_free_ char *list = found ? strv_join(found, ", ") : strdup("nothing");
        mig_error("%s holds no Linux root file system (no /etc/os-release on any ext4, xfs or btrfs file "
                  "system): it has %s",
                  m->image, list ?: "?");
        return -ENOENT;
}

/* ---- the VM's fstab: /var, /srv and /home on file systems of their own ------------------------- */

static struct mig_volume *volume_of(struct migrate *m, const char *spec) {
        for (size_t i = 0; i < m->n_vols; i++) {
                struct mig_volume *v = &m->vols[i];
                const char *u = mig_prefix(spec, "UUID=") ?: mig_prefix(spec, "/dev/disk/by-uuid/");
                const char *l = mig_prefix(spec, "LABEL=") ?: mig_prefix(spec, "/dev/disk/by-label/");
                if ((u && v->uuid && strcasecmp(u, v->uuid) == 0) || (l && v->label && streq(l, v->label)) ||
                    (v->lvm_path && streq(spec, v->lvm_path)))
                        return v;
                /* /dev/mapper/VG-LV (a '-' in a name is doubled there) */
                _cleanup_free_ char *mapper = NULL;
                const char *slash = v->lvm_path ? strrchr(v->lvm_path, '/') : NULL;
                if (slash &&
                    asprintf(&mapper, "/dev/mapper/%.*s-%s", (int) (slash - v->lvm_path - 5), v->lvm_path + 5,
                             slash + 1) >= 0 &&
                    streq(spec, mapper))
                        return v;
        }
        return NULL;
}

static int mount_fstab_entry(struct migrate *m, const char *spec, const char *dir, const char *options) {
        struct mig_volume *v = volume_of(m, spec);
        if (!v || !linux_fs(v->fstype))
                return mig_note(&m->left_out,
                                "%s (%s in the VM's fstab) is on no file system of the image that svc "
                                "migrate can read",
                                dir, spec);
        /* Mounted without its subvol= option, it would show the file system's top level instead
         * (and a second loop device of the root's btrfs is the same file system to the kernel). */
        if (streq(v->fstype, "btrfs") && strstr(options, "subvol"))
                return mig_note(&m->left_out,
                                "%s (a btrfs subvolume, %s in the VM's fstab): svc migrate reads no btrfs "
                                "subvolume but the root's",
                                dir, options);
        _cleanup_close_ int fd = open_in_root(m->root_fd, dir + 1, O_PATH | O_DIRECTORY);
        _cleanup_free_ char *path = path_join(m->root, dir + 1);
        if (fd < 0 || !path)
                return mig_note(&m->left_out, "%s (from the VM's fstab) has no mount point in its root", dir);
        free(v->vm_path);
        v->vm_path = strdup(dir);
        return v->vm_path ? mount_volume(m, v, fd, path) : -ENOMEM;
}

static int mount_fstab(struct migrate *m) {
        _cleanup_close_ int fd = open_in_root(m->root_fd, "etc/fstab", O_RDONLY);
        FILE *f = fd >= 0 ? fdopen(fd, "re") : NULL;
        if (!f)
                return 0;
        TAKE_FD(fd);
        char line[1024], spec[512], dir[256], type[64], options[256];
        int r = 0;
        while (r >= 0 && fgets(line, sizeof(line), f)) {
                options[0] = '\0';
                if (sscanf(line, " %511s %255s %63s %255s", spec, dir, type, options) < 2 || spec[0] == '#')
                        continue;
                if (streq(dir, "/var") || streq(dir, "/srv") || streq(dir, "/home"))
                        r = mount_fstab_entry(m, spec, dir, options);
        }
        fclose(f);
        return r;
}

/* ---- the VM's kernel modules: hidden from the copy ------------------------------------------ */

/* Left out of the tree (tree-migrate-write.c), and hundreds of MB per kernel the VM kept: an
 * empty read-only tmpfs over each keeps cp from copying them only to have them removed. */
static const char *const kernel_dirs[] = { "usr/lib/modules", "lib/modules" };

static int hide_kernel_dir(struct migrate *m, const char *dir) {
        /* absent, or reached through a symlink (lib -> usr/lib): the other spelling has it */
        _cleanup_close_ int fd = mig_open_beneath(m->root_fd, dir, O_RDONLY | O_DIRECTORY);
        if (fd < 0)
                return 0;
        uint64_t size = 0;
        (void) tree_disk_usage(fd, ".", &size);
        _cleanup_free_ char *path = path_join(m->root, dir);
        if (!path)
                return -ENOMEM;
        char proc[64];
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        if (mount("svc-migrate", proc, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                  "mode=0755,size=4k") < 0)
                return mig_error("cannot hide the VM's /%s from the copy: %m", dir), -errno;
        m->hidden += size;
        return strv_extend(&m->mounts, path);
}

int mig_disk_mount_root(struct migrate *m) {
        m->root = path_join(m->work, "root");
        if (!m->root)
                return -ENOMEM;
        if (mkdir(m->root, 0700) < 0)
                return -errno;
        int r = find_root(m);
        if (r >= 0)
                r = mount_fstab(m);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(kernel_dirs); i++)
                r = hide_kernel_dir(m, kernel_dirs[i]);
        return r;
}

void mig_disk_close(struct migrate *m) {
        m->root_fd = safe_close(m->root_fd);
        while (strv_length(m->mounts) > 0)
                umount_last(m);
        m->disk_fd = safe_close(m->disk_fd);
        if (m->qsd > 0) {
                (void) kill(m->qsd, SIGTERM);
                while (waitpid(m->qsd, NULL, 0) < 0 && errno == EINTR)
                        ;
                m->qsd = 0;
        }
        if (m->exported) {
                (void) umount2(m->disk, MNT_DETACH); /* gone with qemu-storage-daemon, unless it hung */
                (void) unlink(m->disk);
        }
        if (m->root)
                (void) rmdir(m->root);
        if (m->work)
                (void) rmdir(m->work);
}
