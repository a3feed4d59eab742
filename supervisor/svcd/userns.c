/* SPDX-License-Identifier: MIT */
/* Whose uids a service runs with (README "User namespaces"). By default each service gets a user
 * namespace whose root is an unprivileged host range of its own: 65536 uids from
 * USERNS_BASE + slot * 65536, allocated at its first start and kept in ROOT/var/lib/svc/userns/NAME
 * (so that its files keep their owners across restarts, svcd restarts and tree changes), with the
 * shared tree shown through an idmapped mount. Where the tree cannot be idmapped, the service
 * runs with the host's uids, as before, and svcd says why once. DynamicUser= takes a uid from
 * systemd's range 61184-65519, kept in the same file, never given to another service. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "common/macro.h"
#include "common/paths.h"
#include "common/util.h"
#include "supervisor/svcd/record.h"
#include "supervisor/svcd/userns.h"
#include "supervisor/svcd/userns.h"

#define USERNS_BASE 0x10000000U
#define USERNS_SIZE 65536U
#define USERNS_SLOTS ((uint32_t) ((0xFFFFFFFFULL - USERNS_BASE) / USERNS_SIZE))
#define DYNAMIC_MIN 61184U
#define DYNAMIC_MAX 65519U
#define DYNAMIC_N (DYNAMIC_MAX - DYNAMIC_MIN + 1)

struct service_users {
        int userns_fd; /* a namespace with the range's maps, for idmapped mounts */
        uint32_t userns_base; /* the range it was made for */
        bool warned; /* the fallback was logged */
        char *checked; /* "DEV:INO" of the tree (a generation), or "host", found idmappable */
        char *desc; /* for svc status: "private range 268435456-268501503" */
};

/* What ROOT/var/lib/svc/userns/NAME holds: "range BASE COUNT" and "dynamic UID" lines. */
struct allocation {
        uint32_t base; /* 0: none yet */
        uint32_t dynamic_uid; /* 0: none yet */
};

static int open_table(struct manager *m) {
        _cleanup_free_ char *lib = path_join(m->root, SVC_LIB_DIR);
        if (!lib)
                return -ENOMEM;
        _cleanup_close_ int libfd = open(lib, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (libfd < 0)
                return -errno;
        return open_dir_beneath(libfd, "userns", 0700, NULL);
}

static int read_allocation(int dirfd, const char *name, struct allocation *ret) {
        *ret = (struct allocation){ 0 };
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        char buf[256];
        ssize_t k = read(fd, buf, sizeof(buf) - 1);
        if (k < 0)
                return -errno;
        buf[k] = '\0';
        unsigned long a, b;
        for (char *line = buf, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                if (sscanf(line, "range %lu %lu", &a, &b) == 2 && a >= USERNS_BASE &&
                    (a - USERNS_BASE) % USERNS_SIZE == 0 && (a - USERNS_BASE) / USERNS_SIZE < USERNS_SLOTS &&
                    b == USERNS_SIZE)
                        ret->base = (uint32_t) a;
                else if (sscanf(line, "dynamic %lu", &a) == 1 && a >= DYNAMIC_MIN && a <= DYNAMIC_MAX)
                        ret->dynamic_uid = (uint32_t) a;
        }
        return 0;
}

/* Written whole under a name no unit can have, then renamed over: a crash leaves the old or
 * the new file, never half of one. */
static int write_allocation(int dirfd, const char *name, const struct allocation *a) {
        _cleanup_free_ char *tmp = NULL;
        if (asprintf(&tmp, ".%s.new", name) < 0)
                return -ENOMEM;
        (void) unlinkat(dirfd, tmp, 0);
        _cleanup_close_ int fd =
                openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        char buf[128];
        int n = snprintf(buf, sizeof(buf), "range %u %u\n", a->base, USERNS_SIZE);
        if (a->dynamic_uid)
                n += snprintf(buf + n, sizeof(buf) - (size_t) n, "dynamic %u\n", a->dynamic_uid);
        if (write(fd, buf, (size_t) n) != n || fsync(fd) < 0) {
                int r = errno ? -errno : -EIO;
                (void) unlinkat(dirfd, tmp, 0);
                return r;
        }
        if (renameat(dirfd, tmp, dirfd, name) < 0) {
                int r = -errno;
                (void) unlinkat(dirfd, tmp, 0);
                return r;
        }
        return 0;
}

/* The lowest range and dynamic uid no other service holds. */
static int find_free(int dirfd, const char *self, bool range, bool dynamic, struct allocation *a) {
        _cleanup_free_ uint8_t *slots = calloc(USERNS_SLOTS / 8 + 1, 1);
        uint8_t dyn[DYNAMIC_N / 8 + 1] = { 0 };
        int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!slots || !d) {
                safe_close(fd);
                return slots ? -errno : -ENOMEM;
        }
        struct dirent *de;
        while ((de = readdir(d))) {
                struct allocation o;
                if (de->d_name[0] == '.' || streq(de->d_name, self) ||
                    read_allocation(dirfd, de->d_name, &o) < 0)
                        continue;
                if (o.base) {
                        uint32_t s = (o.base - USERNS_BASE) / USERNS_SIZE;
                        slots[s / 8] |= (uint8_t) (1U << (s % 8));
                }
                if (o.dynamic_uid) {
                        uint32_t u = o.dynamic_uid - DYNAMIC_MIN;
                        dyn[u / 8] |= (uint8_t) (1U << (u % 8));
                }
        }
        closedir(d);
        for (uint32_t s = 0; range && !a->base && s < USERNS_SLOTS; s++)
                if (!(slots[s / 8] & (1U << (s % 8))))
                        a->base = USERNS_BASE + s * USERNS_SIZE;
        for (uint32_t u = 0; dynamic && !a->dynamic_uid && u < DYNAMIC_N; u++)
                if (!(dyn[u / 8] & (1U << (u % 8))))
                        a->dynamic_uid = DYNAMIC_MIN + u;
        if ((range && !a->base) || (dynamic && !a->dynamic_uid))
                return -ENOSPC;
        return 0;
}

/* Whose range S uses: its own, but the instances a socket unit makes per connection share their
 * template's ("echo@"), as one daemon run per connection, instead of taking a range each. */
static const char *allocation_key(const struct service *s) {
        return s->conn_socket && s->unit && s->unit->template ? s->unit->template : s->name;
}

/* S's allocation, made now for what it lacks. */
static int allocate(struct service *s, bool dynamic, struct allocation *ret) {
        _cleanup_close_ int dirfd = open_table(s->m);
        if (dirfd < 0)
                return dirfd;
        const char *key = allocation_key(s);
        struct allocation a;
        int r = read_allocation(dirfd, key, &a);
        if (r < 0)
                return r;
        if (a.base && (a.dynamic_uid || !dynamic)) {
                *ret = a;
                return 0;
        }
        r = find_free(dirfd, key, true, dynamic, &a);
        if (r >= 0)
                r = write_allocation(dirfd, key, &a);
        if (r >= 0)
                log_info("%s: allocated host uids %u-%u%s", key, a.base, a.base + USERNS_SIZE - 1,
                         a.dynamic_uid ? " and a dynamic user" : "");
        if (r >= 0)
                *ret = a;
        return r;
}

int users_dynamic_uid(struct service *s, uid_t *ret) {
        struct allocation a;
        int r = allocate(s, true, &a);
        if (r >= 0)
                *ret = a.dynamic_uid;
        return r;
}

static struct service_users *users_of(struct service *s) {
        if (!s->users && (s->users = calloc(1, sizeof(*s->users))))
                s->users->userns_fd = -EBADF;
        return s->users;
}

void users_free(struct service *s) {
        if (!s->users)
                return;
        safe_close(s->users->userns_fd);
        free(s->users->checked);
        free(s->users->desc);
        free(s->users);
        s->users = NULL;
}

const char *users_describe(const struct service *s) {
        return s->users && s->users->desc ? s->users->desc : "";
}

static void set_desc(struct service_users *su, const char *fmt, ...) _printf_(2, 3);
static void set_desc(struct service_users *su, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        free(su->desc);
        if (vasprintf(&su->desc, fmt, ap) < 0)
                su->desc = NULL;
        va_end(ap);
}

static void map1(struct sandbox_idmap *m, uint32_t inside, uint32_t outside, uint32_t count) {
        m->e[m->n++] = (typeof(m->e[0])){ inside, outside, count };
}

/* systemd's self, identity and full: no idmapped mount needed, the host's ids stay. */
static void systemd_maps(enum private_users mode, const struct sandbox_creds *c, struct sandbox_users *u) {
        *u = (struct sandbox_users){ .idmap_fd = -EBADF };
        if (mode == PRIVATE_USERS_IDENTITY || mode == PRIVATE_USERS_FULL) {
                uint32_t n = mode == PRIVATE_USERS_FULL ? 0xFFFFFFFFU : USERNS_SIZE;
                map1(&u->uid, 0, 0, n);
                map1(&u->gid, 0, 0, n);
                return;
        }
        map1(&u->uid, 0, 0, 1);
        map1(&u->gid, 0, 0, 1);
        if (c->uid != 0)
                map1(&u->uid, c->uid, c->uid, 1);
        if (c->gid != 0)
                map1(&u->gid, c->gid, c->gid, 1);
}

/* The range's namespace for idmapped mounts, made once per service and range; and whether TREE
 * can be shown through it. 0, or -errno and why in WHERE. */
static int private_range(struct service_users *su, uint32_t base, const char *tree, struct sandbox_users *u,
                         char *where, size_t n) {
        *u = (struct sandbox_users){ .idmap_fd = -EBADF };
        map1(&u->uid, 0, base, USERNS_SIZE);
        map1(&u->gid, 0, base, USERNS_SIZE);
        if (su->userns_fd < 0 || su->userns_base != base) {
                su->userns_fd = safe_close(su->userns_fd);
                int fd = sandbox_userns_new(&u->uid, &u->gid);
                if (fd < 0) {
                        snprintf(where, n, "this kernel cannot make a user namespace here (%s)",
                                 strerror(-fd));
                        return fd;
                }
                su->userns_fd = fd;
                su->userns_base = base;
        }
        /* Checked once per tree (a new generation is another path): the start makes the same
         * mounts again, and a failure there fails that start. */
        struct stat st;
        char key[64] = "host";
        if (tree && stat(tree, &st) == 0)
                snprintf(key, sizeof(key), "%llu:%llu", (unsigned long long) st.st_dev,
                         (unsigned long long) st.st_ino);
        if (!su->checked || !streq(su->checked, key)) {
                char fs[160];
                int r = sandbox_idmap_check(su->userns_fd, tree, fs, sizeof(fs));
                if (r < 0) {
                        snprintf(where, n, "idmapped mounts unsupported on %s: %s", fs, strerror(-r));
                        return r;
                }
                free(su->checked);
                su->checked = strdup(key);
        }
        u->idmap_fd = su->userns_fd;
        return 0;
}

int users_prepare(struct service *s, const char *tree, const struct sandbox_creds *creds,
                  struct sandbox_users *ret, bool *ret_on) {
        struct service_users *su = users_of(s);
        if (!su)
                return -ENOMEM;
        enum private_users mode = s->unit->private_users;
        *ret_on = false;
        if (mode == PRIVATE_USERS_NO) {
                set_desc(su, "host (PrivateUsers=no)");
                return 0;
        }
        if (mode == PRIVATE_USERS_SELF || mode == PRIVATE_USERS_IDENTITY || mode == PRIVATE_USERS_FULL) {
                systemd_maps(mode, creds, ret);
                *ret_on = true;
                set_desc(su, "%s (systemd's PrivateUsers=%s)",
                         mode == PRIVATE_USERS_SELF ? "root and the service's user mapped to themselves"
                                                    : "host uids mapped to themselves",
                         mode == PRIVATE_USERS_SELF   ? "self"
                         : mode == PRIVATE_USERS_FULL ? "full"
                                                      : "identity");
                return 0;
        }
        struct allocation a;
        char why[256];
        int r = allocate(s, false, &a);
        if (r < 0)
                snprintf(why, sizeof(why), "cannot allocate a range of uids: %s", strerror(-r));
        else
                r = private_range(su, a.base, tree, ret, why, sizeof(why));
        if (r >= 0) {
                *ret_on = true;
                set_desc(su, "private range %u-%u", a.base, a.base + USERNS_SIZE - 1);
                return 0;
        }
        if (!su->warned)
                log_warning("%s: no user namespace of its own: %s; it runs with the host's uids%s", s->name,
                            why,
                            mode == PRIVATE_USERS_YES ? ", root and its user mapped as systemd's self" : "");
        su->warned = true;
        if (mode == PRIVATE_USERS_YES) {
                systemd_maps(PRIVATE_USERS_SELF, creds, ret);
                *ret_on = true;
                set_desc(su, "root and the service's user mapped to themselves (%s)", why);
                return 0;
        }
        set_desc(su, "host (%s)", why);
        return 0;
}
