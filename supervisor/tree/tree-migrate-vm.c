/* SPDX-License-Identifier: MIT */
/* svc migrate: what the VM is and ran, read from its mounted root (migrate.h). Every path of the
 * VM is opened with RESOLVE_IN_ROOT (its symlinks resolved as the VM would, never above its /),
 * so that a symlink in the image (/etc -> /etc of the host) never points svc-tree at a file of
 * the host. */
#include <ctype.h>
#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/tree/migrate.h"

/* Symlinks inside the VM followed as the VM would (/sbin/init -> /lib/systemd/systemd). */
static int open_in_vm(int root_fd, const char *path, int flags) {
        struct open_how how = { .flags = (uint64_t) flags | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
        int fd = (int) syscall(SYS_openat2, root_fd, path[0] == '/' ? path + 1 : path, &how, sizeof(how));
        return fd < 0 ? -errno : fd;
}

static FILE *fopen_in_vm(int root_fd, const char *path) {
        int fd = open_in_vm(root_fd, path, O_RDONLY);
        FILE *f = fd >= 0 ? fdopen(fd, "re") : NULL;
        if (!f)
                safe_close(fd);
        return f;
}

/* ---- os-release and the CPU ---------------------------------------------------------------------- */

static char *os_field(FILE *f, const char *key) {
        char line[512];
        rewind(f);
        while (fgets(line, sizeof(line), f)) {
                const char *v = mig_prefix(line, key);
                if (!v || *v != '=')
                        continue;
                v++;
                size_t n = strcspn(v, "\n");
                if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0])
                        return strndup(v + 1, n - 2);
                return strndup(v, n);
        }
        return NULL;
}

static int read_os(struct migrate *m) {
        _cleanup_fclose_ FILE *f = fopen_in_vm(m->root_fd, "/etc/os-release");
        if (!f)
                f = fopen_in_vm(m->root_fd, "/usr/lib/os-release");
        _cleanup_free_ char *id = f ? os_field(f, "ID") : NULL, *name = f ? os_field(f, "NAME") : NULL,
                            *version = f ? os_field(f, "VERSION_ID") : NULL;
        const char *shown = id && streq(id, "debian") ? "Debian" : name ? name : "Linux";
        if (asprintf(&m->os, "%s%s%s", shown, version ? " " : "", version ?: "") < 0)
                return -ENOMEM;
        return 0;
}

static const char *machine_name(unsigned machine) {
        switch (machine) {
        case EM_X86_64:
                return "x86-64";
        case EM_386:
                return "i386";
        case EM_AARCH64:
                return "AArch64";
        case EM_ARM:
                return "32-bit ARM";
        case EM_RISCV:
                return "RISC-V";
        case EM_PPC64:
                return "POWER";
        case EM_S390:
                return "s390x";
        default:
                return "an unknown CPU";
        }
}

/* The CPU of this machine's programs: svc-tree's own ELF header. */
static unsigned host_machine(void) {
        _cleanup_close_ int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        Elf64_Ehdr h;
        return fd >= 0 && pread(fd, &h, sizeof(h), 0) == (ssize_t) sizeof(h) ? h.e_machine : EM_NONE;
}

/* The CPU the VM's programs are for: its /sbin/init, else its /bin/sh (a tree without systemd). */
int mig_vm_identify(struct migrate *m) {
        int r = read_os(m);
        if (r < 0)
                return r;
        const char *probe = "/sbin/init";
        _cleanup_close_ int fd = open_in_vm(m->root_fd, probe, O_RDONLY);
        if (fd < 0)
                fd = open_in_vm(m->root_fd, probe = "/bin/sh", O_RDONLY);
        Elf64_Ehdr h;
        if (fd < 0 || pread(fd, &h, sizeof(h), 0) != (ssize_t) sizeof(h) ||
            memcmp(h.e_ident, ELFMAG, SELFMAG) != 0) {
                mig_error("%s: %s has neither /sbin/init nor /bin/sh as an ELF program: not a Linux system "
                          "svc migrate can run",
                          m->image, m->os);
                return -ENOEXEC;
        }
        m->arch = strdup(machine_name(h.e_machine));
        if (!m->arch)
                return -ENOMEM;
        unsigned host = host_machine();
        if (h.e_machine != host) {
                mig_error("%s is %s for %s (its %s), and this machine runs %s programs: svc runs services "
                          "on the host's CPU, without emulation",
                          m->image, m->os, m->arch, probe, machine_name(host));
                return -ENOEXEC;
        }
        return 0;
}

/* ---- what the VM ran ----------------------------------------------------------------------------- */

/* The OS's plumbing, never migrated unless --only names it (README "Migrating a VM"): svcd, the
 * host and svc's sandbox already do what these did inside a VM. A name ending in '*' is a prefix. */
static const struct {
        const char *name, *why;
} plumbing[] = {
        { "getty@", "a login prompt on the VM's console" },
        { "serial-getty@", "a login prompt on the VM's console" },
        { "console-getty", "a login prompt on the VM's console" },
        { "networking", "the VM's network; svc gives each service its own" },
        { "ifup@", "the VM's network; svc gives each service its own" },
        { "NetworkManager", "the VM's network; svc gives each service its own" },
        { "NetworkManager-wait-online", "the VM's network; svc gives each service its own" },
        { "wpa_supplicant", "the VM's network; svc gives each service its own" },
        { "systemd-*", "systemd's own plumbing, which svcd replaces" },
        { "udev", "devices; a service sees none" },
        { "e2scrub_reap", "file system checks of the VM's disk" },
        { "e2scrub_all", "file system checks of the VM's disk" },
        { "fstrim", "file system maintenance of the VM's disk" },
        { "lvm2-*", "the VM's disk" },
        { "mdmonitor", "the VM's disk" },
        { "smartd", "the VM's disk" },
        { "apt-daily", "package updates; svc tree upgrade updates the tree" },
        { "apt-daily-upgrade", "package updates; svc tree upgrade updates the tree" },
        { "unattended-upgrades", "package updates; svc tree upgrade updates the tree" },
        { "man-db", "OS maintenance" },
        { "logrotate", "log rotation; svcd rotates the services' logs" },
        { "dpkg-db-backup", "OS maintenance" },
        { "rsyslog", "system logging; svcd keeps each service's log" },
        { "syslog", "system logging; svcd keeps each service's log" },
        { "cron", "the VM's cron; svc has .timer units" },
        { "ssh", "remote login to the VM; svc exec reaches a service" },
        { "sshd", "remote login to the VM; svc exec reaches a service" },
        { "dbus", "the system bus; services under svc have none" },
        { "polkit", "the system bus; services under svc have none" },
        { "chrony", "the clock; the host keeps it" },
        { "ntp", "the clock; the host keeps it" },
        { "ntpsec", "the clock; the host keeps it" },
        { "haveged", "entropy; the host's kernel has it" },
        { "rng-tools", "entropy; the host's kernel has it" },
        { "qemu-guest-agent", "the hypervisor's agent" },
        { "open-vm-tools", "the hypervisor's agent" },
        { "cloud-*", "cloud-init" },
        { "keyboard-setup", "the console" },
        { "console-setup", "the console" },
        { "kbd", "the console" },
};

static const char *plumbing_why(const char *base) {
        for (size_t i = 0; i < ELEMENTSOF(plumbing); i++) {
                size_t n = strlen(plumbing[i].name);
                bool prefix = plumbing[i].name[n - 1] == '*';
                if (prefix ? strneq(base, plumbing[i].name, n - 1) : streq(base, plumbing[i].name))
                        return plumbing[i].why;
        }
        return NULL;
}

/* "postfix@-.service" -> "postfix@" (a template's name keeps its '@'), "nginx.service" -> "nginx". */
static char *unit_base(const char *unit) {
        const char *at = strchr(unit, '@'), *dot = strrchr(unit, '.');
        return strndup(unit, at ? (size_t) (at - unit + 1) : dot ? (size_t) (dot - unit) : strlen(unit));
}

/* --only NAME: "nginx", "nginx.service", "postfix" (postfix@-.service too), "postfix@-". */
static bool only_wants(const struct migrate *m, const char *unit) {
        if (!m->only)
                return true;
        STRV_FOREACH (o, m->only) {
                size_t k = strlen(*o);
                if (streq(*o, unit) ||
                    (strneq(unit, *o, k) && (streq(unit + k, ".service") || unit[k] == '@')))
                        return true;
        }
        return false;
}

/* Units Debian's generators make at boot, which svc migrate does not run: postfix's
 * postfix-instance-generator turns the enabled postfix.service (ExecStart=/bin/true) into its
 * default instance. */
static const char *generated_instance(const char *unit) {
        return streq(unit, "postfix.service") ? "postfix@-.service" : NULL;
}

static const char *const unit_dirs[] = { "/etc/systemd/system", "/usr/lib/systemd/system",
                                         "/lib/systemd/system" };

/* The VM's unit file of UNIT (a template's for an instance), as a path in the VM. */
static char *find_unit_file(const struct migrate *m, const char *unit) {
        _cleanup_free_ char *file = NULL;
        const char *at = strchr(unit, '@'), *dot = strrchr(unit, '.');
        if (at && dot && asprintf(&file, "%.*s%s", (int) (at - unit + 1), unit, dot) < 0)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(unit_dirs); i++) {
                char *p = NULL;
                if (asprintf(&p, "%s/%s", unit_dirs[i], file ?: unit) < 0)
                        return NULL;
                _cleanup_close_ int fd = open_in_vm(m->root_fd, p, O_RDONLY);
                struct stat st;
                if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
                        return p;
                free(p);
        }
        return NULL;
}

static int add_service(struct migrate *m, const char *unit, const char *file) {
        struct mig_service *s = reallocarray(m->svcs, m->n_svcs + 1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        m->svcs = s;
        s = &m->svcs[m->n_svcs++];
        *s = (struct mig_service){ .vm_unit = strdup(unit), .vm_file = strdup(file) };
        const char *slash = strrchr(file, '/');
        char *name = strdup(unit);
        if (!s->vm_unit || !s->vm_file || !name)
                return free(name), -ENOMEM;
        name[strlen(name) - strlen(".service")] = '\0';
        int r = asprintf(&s->name, "%s-%s", m->prefix, name);
        free(name);
        /* a SysV script's unit is made by svc migrate: named after the service */
        if (r < 0 || asprintf(&s->file_name, "%s-%s", m->prefix,
                              mig_prefix(file, "/etc/init.d/") ? unit : slash + 1) < 0)
                return -ENOMEM;
        s->sysv = mig_prefix(file, "/etc/init.d/") != NULL;
        return 0;
}

/* One entry of a .wants directory. */
static int consider(struct migrate *m, const char *unit) {
        _cleanup_free_ char *base = unit_base(unit);
        if (!base)
                return -ENOMEM;
        const char *suffix = strrchr(unit, '.'), *instance = generated_instance(unit);
        if (!suffix || !streq(suffix, ".service"))
                return m->only ? 0 : mig_note(&m->left_out, "%s (not a service)", unit);
        const char *why = plumbing_why(base);
        if (!m->only && why)
                return mig_note(&m->left_out, "%s (%s)", unit, why);
        if (!only_wants(m, unit) && !(instance && only_wants(m, instance)))
                return 0;
        _cleanup_free_ char *file = find_unit_file(m, instance ?: unit);
        if (!file)
                return mig_note(&m->left_out, "%s (its unit file is not in the VM)", unit);
        for (size_t i = 0; i < m->n_svcs; i++)
                if (streq(m->svcs[i].vm_unit, instance ?: unit))
                        return 0;
        return add_service(m, instance ?: unit, file);
}

static int cmp_strings(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static int read_wants(struct migrate *m, const char *target) {
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "/etc/systemd/system/%s.target.wants", target) < 0)
                return -ENOMEM;
        int fd = open_in_vm(m->root_fd, path, O_RDONLY | O_DIRECTORY);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d)
                return safe_close(fd), 0;
        _cleanup_strv_free_ char **names = NULL;
        int r = 0;
        for (struct dirent *de; r >= 0 && (de = readdir(d));)
                if (de->d_name[0] != '.')
                        r = strv_extend(&names, de->d_name);
        closedir(d);
        if (r < 0 || !names)
                return r;
        qsort(names, strv_length(names), sizeof(char *), cmp_strings);
        STRV_FOREACH (n, names) {
                r = consider(m, *n);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* default.target's name: a symlink in /etc/systemd/system, else multi-user.target. */
static char *default_target(const struct migrate *m) {
        _cleanup_close_ int dir = open_in_vm(m->root_fd, "/etc/systemd/system", O_PATH | O_DIRECTORY);
        char buf[256];
        ssize_t n = dir < 0 ? -1 : readlinkat(dir, "default.target", buf, sizeof(buf) - 1);
        if (n <= 0)
                return strdup("multi-user");
        buf[n] = '\0';
        const char *slash = strrchr(buf, '/'), *name = slash ? slash + 1 : buf;
        const char *dot = strrchr(name, '.');
        return strndup(name, dot ? (size_t) (dot - name) : strlen(name));
}

/* One SysV script enabled for runlevel 2 (rc2.d/SNNNAME): a service when no systemd unit of its
 * name replaces it (systemd runs the unit then, and its enablement was read above), as
 * systemd-sysv-generator decides. */
static int consider_sysv(struct migrate *m, const char *name) {
        _cleanup_free_ char *unit = NULL, *script = NULL, *file = NULL;
        if (asprintf(&unit, "%s.service", name) < 0 || asprintf(&script, "/etc/init.d/%s", name) < 0)
                return -ENOMEM;
        file = find_unit_file(m, unit);
        _cleanup_close_ int fd = file ? -EBADF : open_in_vm(m->root_fd, script, O_RDONLY);
        struct stat st;
        if (file || fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                return 0;
        const char *why = plumbing_why(name);
        if (!m->only && why)
                return mig_note(&m->left_out, "%s (a SysV init script: %s)", script, why);
        for (size_t i = 0; i < m->n_svcs; i++)
                if (streq(m->svcs[i].vm_unit, unit))
                        return 0;
        return only_wants(m, unit) ? add_service(m, unit, script) : 0;
}

/* SysV init scripts, of VMs older than systemd or of packages without a unit. */
static int read_sysv(struct migrate *m) {
        int fd = open_in_vm(m->root_fd, "/etc/rc2.d", O_RDONLY | O_DIRECTORY);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d)
                return safe_close(fd), 0;
        _cleanup_strv_free_ char **names = NULL;
        int r = 0;
        for (struct dirent *de; r >= 0 && (de = readdir(d));)
                if (de->d_name[0] == 'S' && isdigit((unsigned char) de->d_name[1]) &&
                    isdigit((unsigned char) de->d_name[2]) && de->d_name[3] != '\0')
                        r = strv_extend(&names, de->d_name + 3);
        closedir(d);
        if (r < 0 || !names)
                return r;
        qsort(names, strv_length(names), sizeof(char *), cmp_strings);
        STRV_FOREACH (n, names)
                if ((r = consider_sysv(m, *n)) < 0)
                        return r;
        return 0;
}

int mig_vm_services(struct migrate *m) {
        _cleanup_free_ char *target = default_target(m);
        if (!target)
                return -ENOMEM;
        int r = read_wants(m, target);
        /* graphical.target pulls in multi-user.target, where the servers are */
        if (r >= 0 && streq(target, "graphical"))
                r = read_wants(m, "multi-user");
        if (r >= 0)
                r = read_sysv(m);
        for (size_t i = 0; r >= 0 && i < m->n_svcs; i++) {
                r = mig_vm_data(m, &m->svcs[i]);
                if (r >= 0)
                        r = mig_vm_ports(m, &m->svcs[i]);
        }
        return r;
}
