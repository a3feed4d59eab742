/* SPDX-License-Identifier: MIT */
/* svc migrate: each service's data and ports, read from the VM, and what gets written for it
 * (migrate.h). */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "common/macro.h"
#include "common/paths.h"
#include "common/util.h"
#include "supervisor/tree/migrate.h"

static FILE *fmig_open_beneath(int root_fd, const char *path) {
        int fd = mig_open_beneath(root_fd, path, O_RDONLY);
        FILE *f = fd >= 0 ? fdopen(fd, "re") : NULL;
        if (!f)
                safe_close(fd);
        return f;
}

/* ---- data ------------------------------------------------------------------------------------------ */

/* Where the packages svc migrate knows keep their data (README "Migrating a VM"); another
 * service gets /var/lib/NAME, /var/spool/NAME, /var/log/NAME and /var/cache/NAME. */
static const struct {
        const char *unit; /* the VM's unit base name */
        const char *paths[5];
} data_table[] = {
        { "nginx", { "/var/www", "/var/lib/nginx", "/var/log/nginx" } },
        { "apache2", { "/var/www", "/var/lib/apache2", "/var/log/apache2" } },
        { "lighttpd", { "/var/www", "/var/lib/lighttpd", "/var/log/lighttpd" } },
        { "postfix", { "/var/spool/postfix", "/var/lib/postfix", "/var/mail" } },
        { "postfix@", { "/var/spool/postfix", "/var/lib/postfix", "/var/mail" } },
        { "vsftpd", { "/srv/ftp", "/var/log/vsftpd.log" } },
        { "mariadb", { "/var/lib/mysql", "/var/log/mysql" } },
        { "redis-server", { "/var/lib/redis", "/var/log/redis" } },
        { "dovecot", { "/var/lib/dovecot", "/var/mail" } },
};

static int add_data(struct migrate *m, struct mig_service *s, const char *path) {
        struct stat st;
        _cleanup_close_ int fd = mig_open_beneath(m->root_fd, path, O_PATH | O_NOFOLLOW);
        if (fd == -ELOOP || fd == -EXDEV)
                return mig_note(&s->notes, "its data %s goes through a symbolic link in the VM: left out",
                                path);
        if (fd < 0 || fstat(fd, &st) < 0 || !(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)))
                return 0;
        return strv_extend(&s->data, path);
}

int mig_vm_data(struct migrate *m, struct mig_service *s) {
        const char *at = strchr(s->vm_unit, '@'), *dot = strrchr(s->vm_unit, '.');
        _cleanup_free_ char *base =
                strndup(s->vm_unit, at ? (size_t) (at - s->vm_unit + 1) : (size_t) (dot - s->vm_unit));
        if (!base)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(data_table); i++) {
                if (!streq(data_table[i].unit, base))
                        continue;
                for (size_t k = 0; k < ELEMENTSOF(data_table[i].paths) && data_table[i].paths[k]; k++) {
                        int r = add_data(m, s, data_table[i].paths[k]);
                        if (r < 0)
                                return r;
                }
                return 0;
        }
        static const char *const dirs[] = { "/var/lib/", "/var/spool/", "/var/log/", "/var/cache/" };
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                _cleanup_free_ char *p = NULL;
                if (asprintf(&p, "%s%s", dirs[i], base) < 0)
                        return -ENOMEM;
                int r = add_data(m, s, p);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- ports ------------------------------------------------------------------------------------------ */

static int add_port(struct mig_service *s, unsigned port) {
        char v[32];
        snprintf(v, sizeof(v), "%u:%u", port, port);
        return port == 0 || port > 65535 || strv_contains(s->ports, v) ? 0 : strv_extend(&s->ports, v);
}

/* nginx's "listen 80;", "listen [::]:443 ssl;", "listen 127.0.0.1:8080;" */
static unsigned nginx_port(const char *v) {
        if (mig_prefix(v, "unix:"))
                return 0;
        const char *colon = strrchr(v, ':');
        const char *p = colon && (v[0] != '[' || colon > strchr(v, ']')) ? colon + 1 : v;
        if (!isdigit((unsigned char) p[0]))
                return p == v ? 80 : 0;
        return (unsigned) strtoul(p, NULL, 10);
}

static int nginx_file(struct mig_service *s, FILE *f) {
        char line[1024], key[64], value[256];
        int r = 0;
        while (r >= 0 && fgets(line, sizeof(line), f)) {
                line[strcspn(line, "#")] = '\0';
                if (sscanf(line, " %63s %255[^; \t\n]", key, value) == 2 && streq(key, "listen"))
                        r = add_port(s, nginx_port(value));
        }
        return r;
}

static int nginx_dir(struct migrate *m, struct mig_service *s, const char *dir) {
        int fd = mig_open_beneath(m->root_fd, dir, O_RDONLY | O_DIRECTORY);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d)
                return safe_close(fd), 0;
        int r = 0;
        for (struct dirent *de; r >= 0 && (de = readdir(d));) {
                _cleanup_free_ char *p = de->d_name[0] == '.' ? NULL : path_join(dir, de->d_name);
                /* sites-enabled holds symlinks into sites-available: followed inside the VM only */
                char target[512];
                ssize_t n = p ? readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1) : -1;
                if (n > 0) {
                        target[n] = '\0';
                        free(p);
                        p = target[0] == '/' ? strdup(target) : path_join(dir, target);
                }
                _cleanup_fclose_ FILE *f = p ? fmig_open_beneath(m->root_fd, p) : NULL;
                if (f)
                        r = nginx_file(s, f);
        }
        closedir(d);
        return r;
}

static int nginx_ports(struct migrate *m, struct mig_service *s) {
        _cleanup_fclose_ FILE *f = fmig_open_beneath(m->root_fd, "/etc/nginx/nginx.conf");
        int r = f ? nginx_file(s, f) : 0;
        if (r >= 0)
                r = nginx_dir(m, s, "/etc/nginx/conf.d");
        if (r >= 0)
                r = nginx_dir(m, s, "/etc/nginx/sites-enabled");
        return r;
}

/* KEY=VALUE of vsftpd.conf, or NULL. */
static char *conf_value(FILE *f, const char *key, const char *sep) {
        char line[1024];
        char *found = NULL;
        rewind(f);
        while (fgets(line, sizeof(line), f)) {
                const char *p = line + strspn(line, " \t"), *v = mig_prefix(p, key);
                if (p[0] == '#' || !v)
                        continue;
                v += strspn(v, " \t");
                if (!(v = mig_prefix(v, sep)))
                        continue;
                v += strspn(v, " \t");
                free(found);
                found = strndup(v, strcspn(v, " \t\r\n#"));
        }
        return found;
}

static int vsftpd_ports(struct migrate *m, struct mig_service *s) {
        _cleanup_fclose_ FILE *f = fmig_open_beneath(m->root_fd, "/etc/vsftpd.conf");
        if (!f)
                return mig_note(&s->notes, "it has no /etc/vsftpd.conf: no port published");
        _cleanup_free_ char *port = conf_value(f, "listen_port", "="),
                            *pasv = conf_value(f, "pasv_enable", "="),
                            *lo = conf_value(f, "pasv_min_port", "="),
                            *hi = conf_value(f, "pasv_max_port", "=");
        int r = add_port(s, port ? (unsigned) strtoul(port, NULL, 10) : 21);
        if (r < 0 || (pasv && strcasecmp(pasv, "NO") == 0))
                return r;
        unsigned a = lo ? (unsigned) strtoul(lo, NULL, 10) : 0, b = hi ? (unsigned) strtoul(hi, NULL, 10) : 0;
        if (a == 0 || b < a || b > 65535)
                return mig_note(&s->notes,
                                "its passive ports are any port (no pasv_min_port and pasv_max_port in "
                                "/etc/vsftpd.conf): passive ftp needs a range to publish");
        char v[64];
        snprintf(v, sizeof(v), "%u-%u:%u-%u", a, b, a, b);
        return strv_extend(&s->ports, v);
}

static unsigned postfix_port(const char *service) {
        static const struct {
                const char *name;
                unsigned port;
        } names[] = { { "smtp", 25 }, { "submission", 587 }, { "smtps", 465 }, { "submissions", 465 } };
        const char *colon = strrchr(service, ':'), *p = colon ? colon + 1 : service;
        if (isdigit((unsigned char) p[0]))
                return (unsigned) strtoul(p, NULL, 10);
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (streq(p, names[i].name))
                        return names[i].port;
        return 0;
}

static int postfix_ports(struct migrate *m, struct mig_service *s) {
        _cleanup_fclose_ FILE *main_cf = fmig_open_beneath(m->root_fd, "/etc/postfix/main.cf");
        _cleanup_free_ char *ifs = main_cf ? conf_value(main_cf, "inet_interfaces", "=") : NULL;
        if (ifs && (streq(ifs, "loopback-only") || streq(ifs, "localhost") || streq(ifs, "127.0.0.1")))
                return mig_note(&s->notes,
                                "postfix listens on loopback only (inet_interfaces = %s in "
                                "/etc/postfix/main.cf): no port published",
                                ifs);
        _cleanup_fclose_ FILE *f = fmig_open_beneath(m->root_fd, "/etc/postfix/master.cf");
        char line[1024], service[128], type[16];
        int r = 0;
        while (f && r >= 0 && fgets(line, sizeof(line), f))
                if (line[0] != '#' && !isspace((unsigned char) line[0]) &&
                    sscanf(line, "%127s %15s", service, type) == 2 && streq(type, "inet"))
                        r = add_port(s, postfix_port(service));
        return r;
}

int mig_vm_ports(struct migrate *m, struct mig_service *s) {
        if (mig_prefix(s->vm_unit, "nginx."))
                return nginx_ports(m, s);
        if (mig_prefix(s->vm_unit, "vsftpd."))
                return vsftpd_ports(m, s);
        if (mig_prefix(s->vm_unit, "postfix@"))
                return postfix_ports(m, s);
        return mig_note(&s->notes,
                        "svc migrate does not know where %s listens: add PublishPort= to its "
                        "drop-in if it should be reachable",
                        s->vm_unit);
}
