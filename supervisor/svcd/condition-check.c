/* SPDX-License-Identifier: MIT */
/* Condition*= and Assert*= at start: the facts of the host gathered here, the service's tree
 * opened, and units/'s pure test run over them. A failed condition leaves the unit as it is, and
 * the start job succeeds (systemd's "start condition unmet"); a failed assertion fails the job.
 * Either way `svc status` says which line failed.
 *
 * The facts are svcd's, as systemd's are the manager's: its capability bounding set, its
 * environment, its user and groups, the kernel command line and virtualization of the machine
 * it runs on. Path kinds are the service's: resolved inside its tree (RootDirectory=, or the
 * host's / for a unit without one), as the file system holds them; binds and svc's mounts over
 * the tree are not part of it. */

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <sys/utsname.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/svcd/condition-check.h"
#include "supervisor/svcd/condition-check.h"
#include "supervisor/svcd/log-capture.h"
#include "supervisor/svcd/record.h"

#define GIDS_MAX 64

struct host_facts {
        struct condition_facts f;
        struct utsname un;
        char *cmdline, *machine_id, *virt, *user_name;
        char **group_names, **security;
        gid_t gids[GIDS_MAX];
};

static void host_facts_done(struct host_facts *h) {
        safe_close(h->f.tree_fd);
        free(h->cmdline);
        free(h->machine_id);
        free(h->virt);
        free(h->user_name);
        strv_free(h->group_names);
        strv_free(h->security);
}

static char *read_line(const char *path) {
        _cleanup_free_ char *s = NULL;
        if (read_full_file(path, &s, NULL) < 0)
                return NULL;
        s[strcspn(s, "\n")] = '\0';
        return TAKE_PTR(s);
}

static uint64_t cap_bounding_set(void) {
        _cleanup_fclose_ FILE *f = fopen("/proc/self/status", "re");
        char line[256];
        unsigned long long v;
        while (f && fgets(line, sizeof(line), f))
                if (sscanf(line, "CapBnd: %llx", &v) == 1)
                        return v;
        return 0;
}

/* systemd's on_ac_power(): false only when a mains supply is known and none is online. */
static bool ac_power(void) {
        bool found_online = false, found_offline = false;
        DIR *d = opendir("/sys/class/power_supply");
        struct dirent *de;
        while (d && (de = readdir(d))) {
                char p[300];
                snprintf(p, sizeof(p), "/sys/class/power_supply/%s/type", de->d_name);
                _cleanup_free_ char *type = read_line(p);
                if (!type || !streq(type, "Mains"))
                        continue;
                snprintf(p, sizeof(p), "/sys/class/power_supply/%s/online", de->d_name);
                _cleanup_free_ char *online = read_line(p);
                if (online && streq(online, "1"))
                        found_online = true;
                else
                        found_offline = true;
        }
        if (d)
                closedir(d);
        return found_online || !found_offline;
}

static char **security_present(void) {
        _cleanup_free_ char *lsm = read_line("/sys/kernel/security/lsm");
        char **l = NULL;
        static const char *const lsms[] = { "selinux", "apparmor", "tomoyo", "smack", "ima" };
        for (size_t i = 0; i < ELEMENTSOF(lsms); i++) {
                size_t n = strlen(lsms[i]);
                for (const char *p = lsm; p && (p = strstr(p, lsms[i])); p += n)
                        if ((p == lsm || p[-1] == ',') && (p[n] == ',' || p[n] == '\0')) {
                                (void) strv_extend(&l, lsms[i]);
                                break;
                        }
        }
        if (access("/proc/self/loginuid", F_OK) == 0)
                (void) strv_extend(&l, "audit");
        if (access("/sys/class/tpmrm/tpmrm0", F_OK) == 0)
                (void) strv_extend(&l, "tpm2");
        return l;
}

/* The user and group names of svcd's ids, from the files: no NSS in what may be PID 1. */
static void user_and_groups(struct host_facts *h) {
        _cleanup_fclose_ FILE *pw = fopen("/etc/passwd", "re");
        struct passwd *p;
        while (pw && (p = fgetpwent(pw)))
                if (p->pw_uid == h->f.uid && !h->user_name)
                        h->user_name = strdup(p->pw_name);
        h->gids[0] = getgid();
        h->gids[1] = getegid();
        int n = getgroups(GIDS_MAX - 2, h->gids + 2);
        h->f.n_gids = 2 + (size_t) MAX(n, 0);
        _cleanup_fclose_ FILE *gr = fopen("/etc/group", "re");
        struct group *g;
        while (gr && (g = fgetgrent(gr)))
                for (size_t i = 0; i < h->f.n_gids; i++)
                        if (g->gr_gid == h->gids[i] && !strv_contains(h->group_names, g->gr_name)) {
                                (void) strv_extend(&h->group_names, g->gr_name);
                                break;
                        }
}

static unsigned cpus_allowed(void) {
        cpu_set_t set;
        if (sched_getaffinity(0, sizeof(set), &set) < 0)
                return (unsigned) MAX(sysconf(_SC_NPROCESSORS_ONLN), 1L);
        return (unsigned) CPU_COUNT(&set);
}

static bool first_boot(void) {
        _cleanup_free_ char *id = read_line("/etc/machine-id");
        return isempty(id) || streq(id, "uninitialized");
}

static void gather(struct host_facts *h, int tree_fd) {
        extern char **environ;
        long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
        *h = (struct host_facts){ .f.tree_fd = tree_fd };
        (void) uname(&h->un);
        h->cmdline = read_line("/proc/cmdline");
        h->machine_id = read_line("/etc/machine-id");
        h->virt = condition_detect_virtualization(&h->f.in_vm, &h->f.in_container);
        h->security = security_present();
        h->f.uid = getuid();
        user_and_groups(h);
        h->f.virtualization = h->virt;
        h->f.capability_bounding_set = cap_bounding_set();
        h->f.kernel_command_line = h->cmdline;
        h->f.architecture = condition_architecture_from_uname(h->un.machine);
        h->f.hostname = h->un.nodename;
        h->f.machine_id = h->machine_id;
        h->f.environment = environ;
        h->f.user_name = h->user_name;
        h->f.gids = h->gids;
        h->f.group_names = h->group_names;
        h->f.memory = pages > 0 && page > 0 ? (uint64_t) pages * (uint64_t) page : 0;
        h->f.cpus = cpus_allowed();
        h->f.ac_power = ac_power();
        h->f.security = h->security;
        h->f.first_boot = first_boot();
        h->f.kernel_release = h->un.release;
        h->f.credentials = NULL; /* svc passes no credentials yet */
}

static int open_tree(const struct manager *m, const char *rd) {
        _cleanup_free_ char *p = rd && rd[0] != '/' ? path_join(m->trees_dir, rd) : NULL;
        if (rd && rd[0] != '/' && !p)
                return -ENOMEM;
        int fd = open(p ? p : rd ? rd : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

/* "ConditionX=..." for a plain one; for triggering ones, every triggering one of the list. */
static char *describe(const struct condition_list *l, const struct unit_condition *failed, bool assert) {
        if (!failed->trigger)
                return unit_condition_format(failed, assert);
        _cleanup_strv_free_ char **parts = NULL;
        for (size_t i = 0; i < l->n; i++)
                if (l->items[i].trigger && strv_push(&parts, unit_condition_format(&l->items[i], assert)) < 0)
                        return NULL;
        _cleanup_free_ char *j = strv_join(parts, ", ");
        char *r;
        return j && asprintf(&r, "none of %s", j) >= 0 ? r : NULL;
}

int conditions_test_in_tree(struct manager *m, const char *root_directory, const struct unit *u,
                            char **ret_what) {
        if (u->conditions.n == 0 && u->asserts.n == 0)
                return 0;
        int fd = open_tree(m, root_directory);
        if (fd < 0) {
                /* The start reports the missing tree; no condition can be tested without it. */
                log_debug("%s: cannot open the tree to test conditions: %s", u->name, strerror(-fd));
                return 0;
        }
        struct host_facts h;
        const struct unit_condition *c = NULL;
        gather(&h, fd);
        bool cond_ok = unit_conditions_test(&u->conditions, &h.f, &c);
        bool assert_ok = !cond_ok || unit_conditions_test(&u->asserts, &h.f, &c);
        _cleanup_free_ char *what =
                cond_ok && assert_ok ? NULL : describe(cond_ok ? &u->asserts : &u->conditions, c, cond_ok);
        host_facts_done(&h);
        if (cond_ok && assert_ok)
                return 0;
        if (asprintf(ret_what, "%s failed: %s", cond_ok ? "assertion" : "condition", what ? what : "?") < 0)
                *ret_what = NULL;
        return cond_ok ? -EPROTO : 1;
}

int start_conditions_check(struct service *s) {
        s->condition_failure = mfree(s->condition_failure);
        int r = conditions_test_in_tree(s->m, s->unit->root_directory, s->unit, &s->condition_failure);
        if (r == 0)
                return 0;
        s->assertion_failed = r == -EPROTO;
        log_info("%s: not started, %s", s->name,
                 s->condition_failure ? s->condition_failure : "condition failed");
        log_stream_note(s->log, "not started, %s",
                        s->condition_failure ? s->condition_failure : "condition failed");
        return r;
}
