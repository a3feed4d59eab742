/* SPDX-License-Identifier: MIT */
/* One cgroup per service, owned by svcd, nested under svcd's own cgroup (never a hierarchy's
 * root), so that two svcds never collide:
 *
 *   OWN/svc_ROOT/svcd      svcd itself, a leaf of its own (cgroup v2's "no internal processes")
 *   OWN/svc_ROOT/NAME      each service, born in it (clone3 CLONE_INTO_CGROUP)
 *
 * where OWN is svcd's cgroup when it started and ROOT its --root with '/' as '_'. cgroup v2 is
 * used when /sys/fs/cgroup itself is cgroup2. On hybrid hosts (v1 controllers plus an empty
 * cgroup2 at /sys/fs/cgroup/unified) processes are tracked and killed through the cgroup2 mount
 * and limited through the v1 controllers, which the child joins before it is released. */
#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/svcd/cgroup.h"
#include "supervisor/svcd/record.h"

enum { V1_MEMORY, V1_PIDS, V1_CPU, V1_CPUACCT, V1_BLKIO, _V1_MAX };
static const char *const v1_names[_V1_MAX] = { "memory", "pids", "cpu", "cpuacct", "blkio" };

static bool is_cgroup2(const char *path) {
        struct statfs fs;
        return statfs(path, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

static char *next_line(char *l) {
        char *nl = strchr(l, '\n');
        return nl ? nl + 1 : NULL;
}

static int write_file(const char *dir, const char *file, const char *value) {
        _cleanup_free_ char *p = path_join(dir, file);
        return p ? write_string_file(p, value) : -ENOMEM;
}

/* The number a one-value cgroup file starts with. */
static int parse_u64(const char *text, uint64_t *ret) {
        char *end;
        unsigned long long v = strtoull(text, &end, 10);
        if (end == text)
                return -EINVAL;
        *ret = v;
        return 0;
}

static int read_u64(const char *dir, const char *file, uint64_t *ret) {
        _cleanup_free_ char *p = path_join(dir, file), *text = NULL;
        int r = p ? read_full_file(p, &text, NULL) : -ENOMEM;
        return r < 0 ? r : parse_u64(text, ret);
}

/* "key N" in a flat keyed file (memory.events, cpu.stat, memory.oom_control). */
static int read_keyed(const char *dir, const char *file, const char *key, uint64_t *ret) {
        _cleanup_free_ char *p = path_join(dir, file), *text = NULL;
        int r = p ? read_full_file(p, &text, NULL) : -ENOMEM;
        if (r < 0)
                return r;
        size_t k = strlen(key);
        for (char *l = text; l && *l; l = next_line(l))
                if (strneq(l, key, k) && l[k] == ' ') {
                        *ret = strtoull(l + k + 1, NULL, 10);
                        return 0;
                }
        return -ENOENT;
}

/* svcd's own cgroup path in a hierarchy: CONTROLLER NULL for cgroup2 ("0::/path"). */
static char *own_path(const char *controller) {
        _cleanup_free_ char *text = NULL;
        if (read_full_file("/proc/self/cgroup", &text, NULL) < 0)
                return NULL;
        char *save = NULL;
        for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                if (!c2)
                        continue;
                *c1 = *c2 = '\0';
                const char *ctrls = c1 + 1;
                bool match = !controller ? streq(l, "0") && *ctrls == '\0' : false;
                for (char *w = (char *) ctrls, *s2 = NULL; controller && (w = strtok_r(w, ",", &s2));
                     w = NULL)
                        match |= streq(w, controller);
                if (match)
                        return strdup(c2 + 1);
        }
        return NULL;
}

/* Where a v1 controller is mounted (a "cgroup" mount whose options name it). */
static char *v1_mount(const char *controller) {
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        if (!f)
                return NULL;
        char line[4096];
        while (fgets(line, sizeof(line), f)) {
                char root[1024], mnt[1024], fstype[64], opts[1024];
                const char *dash = strstr(line, " - ");
                if (!dash || sscanf(line, "%*s %*s %*s %1023s %1023s", root, mnt) != 2 ||
                    sscanf(dash + 3, "%63s %*s %1023s", fstype, opts) != 2 || !streq(fstype, "cgroup") ||
                    !streq(root, "/"))
                        continue;
                for (char *w = opts, *s = NULL; (w = strtok_r(w, ",", &s)); w = NULL)
                        if (streq(w, controller))
                                return strdup(mnt);
        }
        return NULL;
}

static char *container_name(const char *root) {
        if (streq(root, "/"))
                return strdup("svc");
        char *n = NULL;
        if (asprintf(&n, "svc%s", root) < 0)
                return NULL;
        for (char *p = n; *p; p++)
                if (*p == '/')
                        *p = '_';
        return n;
}

/* Kills and removes what a previous svcd on this root left behind (it crashed). */
static void remove_leftovers(const char *container, bool v2) {
        DIR *d = opendir(container);
        if (!d)
                return;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_type != DT_DIR || de->d_name[0] == '.' || streq(de->d_name, "svcd"))
                        continue;
                _cleanup_free_ char *p = path_join(container, de->d_name);
                if (p && v2)
                        (void) write_file(p, "cgroup.kill", "1");
                if (p && rmdir(p) == 0)
                        log_info("Removed the cgroup %s left by an earlier svcd", p);
        }
        closedir(d);
}

/* Enables each controller of WANTED top-down, in every level from the hierarchy's root to DIR. */
static void enable_controllers(const char *mount, const char *dir, const char *const *wanted) {
        size_t n = strlen(dir);
        for (size_t i = strlen(mount); i <= n; i++) {
                if (i < n && dir[i] != '/')
                        continue;
                char level[PATH_MAX];
                snprintf(level, sizeof(level), "%.*s", (int) i, dir);
                for (const char *const *c = wanted; *c; c++) {
                        char buf[32];
                        snprintf(buf, sizeof(buf), "+%s", *c);
                        (void) write_file(level, "cgroup.subtree_control", buf);
                }
        }
}

struct cgroups {
        enum { CG_NONE, CG_V2, CG_HYBRID } mode;
        char *mount; /* the cgroup2 mount: /sys/fs/cgroup or /sys/fs/cgroup/unified */
        char *own; /* where svcd started, in it */
        char *container; /* OWN/svc_ROOT */
        char *v1[_V1_MAX]; /* OWN/svc_ROOT in each v1 hierarchy (hybrid); NULL when absent */
        bool memory, memory_high, pids, cpu, io, kill;
};

struct service_cgroup {
        char *path; /* in the cgroup2 hierarchy */
        char *v1[_V1_MAX]; /* hybrid */
        int fd;
        int memory_fd; /* memory.current (v2) or memory.usage_in_bytes (v1): read by every `svc list` */
        uint64_t oom_base;
};

/* Whether a controller file is there in the container: v2 when enabled, else v1. */
static bool v2_has(const struct cgroups *cg, const char *file) {
        _cleanup_free_ char *p = path_join(cg->container, file);
        return p && access(p, F_OK) == 0;
}

/* BFQ is the scheduler that honours weights; without it IOWeight= would do nothing. */
static bool weight_capable_scheduler(void) {
        DIR *d = opendir("/sys/block");
        if (!d)
                return false;
        bool found = false;
        struct dirent *de;
        while (!found && (de = readdir(d))) {
                char p[PATH_MAX];
                _cleanup_free_ char *text = NULL;
                snprintf(p, sizeof(p), "/sys/block/%s/queue/scheduler", de->d_name);
                found = read_full_file(p, &text, NULL) >= 0 && strstr(text, "[bfq]");
        }
        closedir(d);
        return found;
}

static int setup_v2(struct cgroups *cg) {
        static const char *const wanted[] = { "memory", "pids", "cpu", "io", NULL };
        /* svcd leaves OWN for a leaf of its own first, so that controllers can be enabled. */
        _cleanup_free_ char *leaf = path_join(cg->container, "svcd");
        if (!leaf || (mkdir(leaf, 0755) < 0 && errno != EEXIST))
                return log_error_errno(-errno, "Cannot create the cgroup %s: %m", leaf);
        char pid[16];
        snprintf(pid, sizeof(pid), "%d", (int) getpid());
        int r = write_file(leaf, "cgroup.procs", pid);
        if (r < 0)
                return log_error_errno(r, "Cannot move svcd into %s: %m", leaf);
        if (cg->mode == CG_V2)
                enable_controllers(cg->mount, cg->container, wanted);
        /* Tests force the fallback of kernels before 5.14 with this variable. */
        const char *no_kill = getenv("SVCD_TEST_NO_CGROUP_KILL");
        cg->kill = v2_has(cg, "cgroup.kill") && !(no_kill && streq(no_kill, "1"));
        if (!cg->kill)
                log_info("No cgroup.kill: services are killed process by process");
        if (cg->mode == CG_V2) {
                cg->memory = cg->memory_high = v2_has(cg, "svcd/memory.max");
                cg->pids = v2_has(cg, "svcd/pids.max");
                cg->cpu = v2_has(cg, "svcd/cpu.max");
                cg->io = v2_has(cg, "svcd/io.weight") && weight_capable_scheduler();
                if (!cg->memory || !cg->pids || !cg->cpu)
                        log_warning(
                                "Not every cgroup controller could be enabled below %s (it may hold other "
                                "processes: run svcd in a cgroup of its own, e.g. systemd's Delegate=yes)",
                                cg->own);
        }
        return 0;
}

static void setup_v1(struct cgroups *cg, const char *name) {
        for (int i = 0; i < _V1_MAX; i++) {
                _cleanup_free_ char *mnt = v1_mount(v1_names[i]), *own = own_path(v1_names[i]);
                if (!mnt || !own)
                        continue;
                _cleanup_free_ char *base = path_join(mnt, own);
                cg->v1[i] = base ? path_join(base, name) : NULL;
                if (cg->v1[i] && mkdir(cg->v1[i], 0755) < 0 && errno != EEXIST)
                        cg->v1[i] = mfree(cg->v1[i]);
                if (cg->v1[i])
                        remove_leftovers(cg->v1[i], false);
        }
        cg->memory = cg->v1[V1_MEMORY];
        cg->pids = cg->v1[V1_PIDS];
        cg->cpu = cg->v1[V1_CPU];
        _cleanup_free_ char *w = cg->v1[V1_BLKIO] ? path_join(cg->v1[V1_BLKIO], "blkio.bfq.weight") : NULL;
        cg->io = w && access(w, F_OK) == 0 && weight_capable_scheduler();
}

/* What the hierarchy cannot honour, for the loaders: a unit using a key that needs it is refused
 * with the reason. */
static void host_lacks(const struct cgroups *cg, struct unit_host *host) {
        const char *none = cg->mode == CG_NONE ? "no cgroup hierarchy is mounted" : NULL;
        const char *no_cpu = none ? none : "no cpu controller is available to svcd";
        if (!cg->memory)
                host->lacks[UNIT_HOST_MEMORY_MAX] = none ? none : "no memory controller is available to svcd";
        if (!cg->memory_high)
                host->lacks[UNIT_HOST_MEMORY_HIGH] =
                        none         ? none
                        : cg->memory ? "this host's memory controller is cgroup v1, which has no memory.high"
                                     : "no memory controller is available to svcd";
        if (!cg->pids)
                host->lacks[UNIT_HOST_TASKS_MAX] = none ? none : "no pids controller is available to svcd";
        if (!cg->cpu)
                host->lacks[UNIT_HOST_CPU] = no_cpu;
        if (!cg->io)
                host->lacks[UNIT_HOST_IO_WEIGHT] =
                        none ? none
                             : "no disk uses a weight-capable I/O scheduler (BFQ) with an I/O controller";
}

int cgroup_init(struct manager *m) {
        struct cgroups *cg = calloc(1, sizeof(*cg));
        if (!cg)
                return -ENOMEM;
        m->cgroups = cg;
        /* svcd protects itself from the OOM killer; launch.c gives each service its own value. */
        int k = write_string_file("/proc/self/oom_score_adj", "-1000");
        if (k < 0)
                log_warning_errno(k, "Cannot protect svcd from the OOM killer (oom_score_adj -1000): %m");
        const char *mount = is_cgroup2("/sys/fs/cgroup")           ? "/sys/fs/cgroup"
                            : is_cgroup2("/sys/fs/cgroup/unified") ? "/sys/fs/cgroup/unified"
                                                                   : NULL;
        _cleanup_free_ char *name = container_name(m->root);
        cg->own = mount ? own_path(NULL) : NULL;
        if (!mount || !cg->own || !name) {
                log_warning("No cgroup2 hierarchy: services are not tracked by cgroup and resource keys are "
                            "refused");
                host_lacks(cg, &m->host);
                return 0;
        }
        cg->mode = streq(mount, "/sys/fs/cgroup") ? CG_V2 : CG_HYBRID;
        cg->mount = strdup(mount);
        _cleanup_free_ char *own_dir = path_join(mount, cg->own);
        cg->container = own_dir ? path_join(own_dir, name) : NULL;
        if (!cg->mount || !cg->container)
                return -ENOMEM;
        if (mkdir(cg->container, 0755) < 0 && errno != EEXIST)
                return log_error_errno(-errno, "Cannot create the cgroup %s: %m", cg->container);
        remove_leftovers(cg->container, true);
        int r = setup_v2(cg);
        if (r < 0)
                return r;
        if (cg->mode == CG_HYBRID)
                setup_v1(cg, name);
        host_lacks(cg, &m->host);
        log_info("cgroups: %s, services under %s", cg->mode == CG_V2 ? "v2" : "hybrid (v1 controllers)",
                 cg->container);
        return 0;
}

/* Back where svcd started, then remove what it made (best effort: svcd is leaving). */
void cgroup_done(struct manager *m) {
        struct cgroups *cg = m->cgroups;
        if (!cg)
                return;
        if (cg->container) {
                _cleanup_free_ char *own_dir = path_join(cg->mount, cg->own),
                                    *leaf = path_join(cg->container, "svcd");
                char pid[16];
                snprintf(pid, sizeof(pid), "%d", (int) getpid());
                if (own_dir && write_file(own_dir, "cgroup.procs", pid) < 0) {
                        /* OWN has controllers enabled and is not the root: switch them off first. */
                        (void) write_file(cg->container, "cgroup.subtree_control", "-memory -pids -cpu -io");
                        (void) write_file(own_dir, "cgroup.subtree_control", "-memory -pids -cpu -io");
                        (void) write_file(own_dir, "cgroup.procs", pid);
                }
                if (leaf)
                        (void) rmdir(leaf);
                (void) rmdir(cg->container);
        }
        for (int i = 0; i < _V1_MAX; i++) {
                if (cg->v1[i])
                        (void) rmdir(cg->v1[i]);
                free(cg->v1[i]);
        }
        free(cg->mount);
        free(cg->own);
        free(cg->container);
        free(cg);
        m->cgroups = NULL;
}

/* ---- per service -------------------------------------------------------------------------- */

static void write_u64(const char *dir, const char *file, uint64_t v, const char *infinity) {
        char buf[32];
        if (v == UINT64_MAX)
                snprintf(buf, sizeof(buf), "%s", infinity);
        else
                snprintf(buf, sizeof(buf), "%llu", (unsigned long long) v);
        int r = write_file(dir, file, buf);
        if (r < 0)
                log_warning_errno(r, "Cannot write %s to %s/%s: %m", buf, dir, file);
}

static void apply_v2(const struct unit *u, const char *g) {
        if (u->memory_max != UNIT_UNSET)
                write_u64(g, "memory.max", u->memory_max, "max");
        if (u->memory_high != UNIT_UNSET)
                write_u64(g, "memory.high", u->memory_high, "max");
        if (u->tasks_max != UNIT_UNSET)
                write_u64(g, "pids.max", u->tasks_max, "max");
        if (u->cpu_weight != UNIT_UNSET)
                write_u64(g, "cpu.weight", u->cpu_weight, "100");
        if (u->cpu_quota_per_sec_usec != UNIT_UNSET) {
                char buf[64];
                snprintf(buf, sizeof(buf), "%llu 100000",
                         (unsigned long long) (u->cpu_quota_per_sec_usec / 10));
                (void) write_file(g, "cpu.max", buf);
        }
        if (u->io_weight != UNIT_UNSET) {
                char buf[32];
                snprintf(buf, sizeof(buf), "default %llu", (unsigned long long) u->io_weight);
                (void) write_file(g, "io.weight", buf);
        }
}

static void apply_v1(const struct unit *u, char *const *v1) {
        if (v1[V1_MEMORY] && u->memory_max != UNIT_UNSET)
                write_u64(v1[V1_MEMORY], "memory.limit_in_bytes", u->memory_max, "-1");
        if (v1[V1_PIDS] && u->tasks_max != UNIT_UNSET)
                write_u64(v1[V1_PIDS], "pids.max", u->tasks_max, "max");
        /* v1 shares: weight 100 = 1024, as systemd converts. */
        if (v1[V1_CPU] && u->cpu_weight != UNIT_UNSET)
                write_u64(v1[V1_CPU], "cpu.shares", MAX(u->cpu_weight * 1024 / 100, (uint64_t) 2), "1024");
        if (v1[V1_CPU] && u->cpu_quota_per_sec_usec != UNIT_UNSET) {
                write_u64(v1[V1_CPU], "cpu.cfs_period_us", 100000, "100000");
                write_u64(v1[V1_CPU], "cpu.cfs_quota_us", u->cpu_quota_per_sec_usec / 10, "-1");
        }
        if (v1[V1_BLKIO] && u->io_weight != UNIT_UNSET)
                write_u64(v1[V1_BLKIO], "blkio.bfq.weight",
                          MAX(MIN(u->io_weight / 10, (uint64_t) 1000), (uint64_t) 1), "100");
}

static uint64_t oom_kills(const struct cgroups *cg, const struct service_cgroup *c) {
        uint64_t v = 0;
        if (cg->mode == CG_V2)
                (void) read_keyed(c->path, "memory.events", "oom_kill", &v);
        else if (c->v1[V1_MEMORY])
                (void) read_keyed(c->v1[V1_MEMORY], "memory.oom_control", "oom_kill", &v);
        return v;
}

int cgroup_service_prepare(struct service *s) {
        struct cgroups *cg = s->m->cgroups;
        if (!cg || cg->mode == CG_NONE || s->cgroup)
                return 0;
        struct service_cgroup *c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->fd = c->memory_fd = -EBADF;
        s->cgroup = c;
        c->path = path_join(cg->container, s->name);
        if (!c->path)
                return -ENOMEM;
        if (mkdir(c->path, 0755) < 0 && errno != EEXIST)
                return log_error_errno(-errno, "%s: cannot create the cgroup %s: %m", s->name, c->path);
        for (int i = 0; i < _V1_MAX; i++) {
                if (!cg->v1[i])
                        continue;
                c->v1[i] = path_join(cg->v1[i], s->name);
                if (c->v1[i] && mkdir(c->v1[i], 0755) < 0 && errno != EEXIST)
                        c->v1[i] = mfree(c->v1[i]);
        }
        if (cg->mode == CG_V2)
                apply_v2(s->unit, c->path);
        else
                apply_v1(s->unit, c->v1);
        c->fd = open(c->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (c->fd < 0)
                return log_error_errno(-errno, "%s: cannot open the cgroup %s: %m", s->name, c->path);
        c->oom_base = oom_kills(cg, c);
        /* Kept open (one file of the list's column per running unit, read with pread): `svc list`
         * with 1000 units spent a quarter of svcd's time looking up and opening these files. */
        if (cg->mode == CG_V2)
                c->memory_fd = openat(c->fd, "memory.current", O_RDONLY | O_CLOEXEC);
        else if (c->v1[V1_MEMORY]) {
                _cleanup_free_ char *p = path_join(c->v1[V1_MEMORY], "memory.usage_in_bytes");
                c->memory_fd = p ? open(p, O_RDONLY | O_CLOEXEC) : -EBADF;
        }
        return 0;
}

int cgroup_service_fd(const struct service *s) {
        return s->cgroup ? s->cgroup->fd : -1;
}

/* Hybrid: the child joins each v1 hierarchy before it is released (the v2 one it was born in). */
int cgroup_service_join_v1(pid_t pid, void *userdata) {
        struct service *s = userdata;
        if (!s->cgroup)
                return 0;
        char buf[16];
        snprintf(buf, sizeof(buf), "%d", (int) pid);
        for (int i = 0; i < _V1_MAX; i++)
                if (s->cgroup->v1[i]) {
                        int r = write_file(s->cgroup->v1[i], "cgroup.procs", buf);
                        if (r < 0)
                                return log_error_errno(r, "%s: cannot join the %s cgroup: %m", s->name,
                                                       v1_names[i]);
                }
        return 0;
}

/* Whether PID is in the cgroup2 group REL (relative to the hierarchy's root). */
static bool pid_in_cgroup(pid_t pid, const char *rel) {
        char p[64];
        _cleanup_free_ char *text = NULL;
        snprintf(p, sizeof(p), "/proc/%d/cgroup", (int) pid);
        if (read_full_file(p, &text, NULL) < 0)
                return false;
        for (char *l = text; l && *l; l = next_line(l))
                if (strneq(l, "0::", 3)) {
                        size_t n = strcspn(l + 3, "\n");
                        return n == strlen(rel) && strneq(l + 3, rel, n);
                }
        return false;
}

/* SIGKILL to PID if it is still in the group REL; true when a signal was sent. The pid was read
 * from cgroup.procs and may have exited and been reused since: the pidfd pins one process, which
 * is checked to be in the group after it was pinned, and signalled through that pidfd, never by
 * a number that may name someone else by then. */
static bool kill_member(pid_t pid, const char *rel) {
        _cleanup_close_ int fd = (int) syscall(SYS_pidfd_open, pid, 0);
        if (fd < 0 || !pid_in_cgroup(pid, rel))
                return false;
        return syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0) == 0;
}

/* Before cgroup.kill (Linux 5.14): every process listed, again while some were signalled (the
 * list may have gained processes forked meanwhile), a few rounds at most: the loop must go on,
 * and SIGKILL to ns-init takes the rest of the PID namespace anyway. */
static void kill_listed(const struct cgroups *cg, const struct service_cgroup *c) {
        const char *rel = c->path + strlen(cg->mount);
        _cleanup_free_ char *p = path_join(c->path, "cgroup.procs");
        for (int round = 0; p && round < 8; round++) {
                _cleanup_free_ char *text = NULL;
                if (read_full_file(p, &text, NULL) < 0)
                        return;
                bool any = false;
                for (char *l = text; l && *l; l = next_line(l)) {
                        pid_t pid = (pid_t) atoi(l);
                        if (pid > 0)
                                any |= kill_member(pid, rel);
                }
                if (!any)
                        return;
        }
}

void cgroup_service_kill(struct service *s) {
        struct service_cgroup *c = s->cgroup;
        if (!c)
                return;
        if (s->m->cgroups->kill && write_file(c->path, "cgroup.kill", "1") >= 0)
                return;
        kill_listed(s->m->cgroups, c);
}

bool cgroup_service_oom(const struct service *s) {
        return s->cgroup && oom_kills(s->m->cgroups, s->cgroup) > s->cgroup->oom_base;
}

static void service_cgroup_free(struct service *s) {
        struct service_cgroup *c = s->cgroup;
        if (!c)
                return;
        for (int i = 0; i < _V1_MAX; i++)
                free(c->v1[i]);
        safe_close(c->fd);
        safe_close(c->memory_fd);
        free(c->path);
        free(c);
        s->cgroup = NULL;
}

/* The service goes away for good (svcd's exit, a removed unit): nothing will start in its
 * cgroup again, so whatever is left is killed and waited for (a little), and svcd forgets the
 * cgroup even if it stays (the next svcd removes what an earlier one left). */
void cgroup_service_drop(struct service *s) {
        for (int i = 0; i < 40 && !cgroup_service_remove(s); i++) {
                cgroup_service_kill(s);
                (void) usleep(50 * 1000);
        }
        service_cgroup_free(s);
}

/* Removes the service's cgroups once they are empty; false while something is left. */
bool cgroup_service_remove(struct service *s) {
        struct service_cgroup *c = s->cgroup;
        if (!c)
                return true;
        /* Busy: the killed sandbox's processes are still on their way out (its PID namespace
         * takes every one of them); the next reap tries again. No cgroup.kill here: a restart
         * may clone into this cgroup any moment, and a child cloned during a kill dies too. */
        if (c->path && rmdir(c->path) < 0 && errno != ENOENT)
                return false;
        for (int i = 0; i < _V1_MAX; i++)
                if (c->v1[i])
                        (void) rmdir(c->v1[i]);
        service_cgroup_free(s);
        return true;
}

/* The memory the service's processes use now (`svc list`'s column): one file, UINT64_MAX if
 * unknown. */
uint64_t cgroup_service_memory(const struct service *s) {
        const struct service_cgroup *c = s->cgroup;
        if (!c || c->memory_fd < 0)
                return UINT64_MAX;
        char text[32];
        ssize_t n = pread(c->memory_fd, text, sizeof(text) - 1, 0);
        if (n <= 0)
                return UINT64_MAX;
        text[n] = 0;
        uint64_t v = UINT64_MAX;
        (void) parse_u64(text, &v);
        return v;
}

void cgroup_service_stats(const struct service *s, struct cgroup_stats *ret) {
        const struct service_cgroup *c = s->cgroup;
        *ret = (struct cgroup_stats){ 0 };
        if (!c)
                return;
        ret->valid = true;
        if (s->m->cgroups->mode == CG_V2) {
                (void) read_u64(c->path, "memory.current", &ret->memory);
                (void) read_u64(c->path, "memory.peak", &ret->memory_peak);
                (void) read_u64(c->path, "pids.current", &ret->tasks);
                (void) read_keyed(c->path, "cpu.stat", "usage_usec", &ret->cpu_usec);
                return;
        }
        if (c->v1[V1_MEMORY]) {
                (void) read_u64(c->v1[V1_MEMORY], "memory.usage_in_bytes", &ret->memory);
                (void) read_u64(c->v1[V1_MEMORY], "memory.max_usage_in_bytes", &ret->memory_peak);
        }
        if (c->v1[V1_PIDS])
                (void) read_u64(c->v1[V1_PIDS], "pids.current", &ret->tasks);
        uint64_t ns = 0;
        if (c->v1[V1_CPUACCT] && read_u64(c->v1[V1_CPUACCT], "cpuacct.usage", &ns) >= 0)
                ret->cpu_usec = ns / 1000;
}
