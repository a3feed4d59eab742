/* SPDX-License-Identifier: MIT */
/* Spare namespaces: made ahead of a start, so that the start joins them instead of asking the
 * kernel for new ones (a network namespace alone is ~0.6 ms of CPU on these VMs). A helper
 * cloned into new namespaces brings lo up and waits; the parent writes the user namespace's maps,
 * opens the namespaces and lets the helper exit. No process ever ran in them but the helper,
 * which only brought lo up: what the next start gets is as fresh as what clone would give it. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/macro.h"
#include "sandbox/clone-internal.h"
#include "sandbox/mounts-internal.h"
#include "sandbox/sandbox.h"

struct helper_args {
        bool net;
        int sync_fd, parent_end;
};

/* In the new namespaces, on the parent's memory (clone.c): lo up, then wait for EOF. */
static int helper_main(void *userdata) {
        const struct helper_args *h = userdata;
        close(h->parent_end);
        int r = h->net ? sandbox_loopback_up() : 0;
        char c;
        ssize_t k _unused_ = read(h->sync_fd, &c, 1);
        return r < 0 ? 1 : 0;
}

static int open_ns(pid_t pid, const char *which) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int) pid, which);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

static int open_all(pid_t pid, const struct sandbox_users *users, bool net, struct sandbox_spare *sp) {
        int r = users ? sandbox_write_maps(pid, users) : 0;
        if (r >= 0 && users && (r = sp->userns = open_ns(pid, "user")) >= 0) {
                sp->uid = users->uid;
                sp->gid = users->gid;
        }
        if (r >= 0 && net)
                r = sp->netns = open_ns(pid, "net");
        if (r >= 0)
                r = sp->utsns = open_ns(pid, "uts");
        if (r >= 0)
                r = sp->ipcns = open_ns(pid, "ipc");
        return r < 0 ? r : 0;
}

int sandbox_spare_make(const struct sandbox_users *users, bool private_network, struct sandbox_spare *ret) {
        void *stack = sandbox_child_stack(0);
        if (!stack) /* a fork would cost svcd more than the namespaces save */
                return -EOPNOTSUPP;
        int sync[2];
        if (pipe2(sync, O_CLOEXEC) < 0)
                return -errno;
        struct helper_args h = { .net = private_network, .sync_fd = sync[0], .parent_end = sync[1] };
        /* No exit signal: a loop reaping every child (waitpid without __WALL) never sees it. */
        struct clone_args a = { .flags = CLONE_NEWUTS | CLONE_NEWIPC | (private_network ? CLONE_NEWNET : 0) |
                                         (users ? CLONE_NEWUSER : 0) };
        long pid = sandbox_clone(&a, stack, helper_main, &h);
        close(sync[0]);
        if (pid < 0) {
                close(sync[1]);
                return (int) pid;
        }
        struct sandbox_spare sp = SANDBOX_SPARE_NULL;
        int r = open_all((pid_t) pid, users, private_network, &sp);
        close(sync[1]);
        int status = 0;
        while (waitpid((pid_t) pid, &status, __WALL) < 0 && errno == EINTR)
                ;
        if (r >= 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
                r = -ENETDOWN; /* lo did not come up */
        if (r < 0) {
                sandbox_spare_done(&sp);
                return r;
        }
        *ret = sp;
        return 0;
}

void sandbox_spare_done(struct sandbox_spare *sp) {
        sp->userns = safe_close(sp->userns);
        sp->netns = safe_close(sp->netns);
        sp->utsns = safe_close(sp->utsns);
        sp->ipcns = safe_close(sp->ipcns);
}

static bool idmap_equal(const struct sandbox_idmap *a, const struct sandbox_idmap *b) {
        if (a->n != b->n || a->n > SANDBOX_IDMAP_MAX)
                return false;
        for (unsigned i = 0; i < a->n; i++)
                if (a->e[i].inside != b->e[i].inside || a->e[i].outside != b->e[i].outside ||
                    a->e[i].count != b->e[i].count)
                        return false;
        return true;
}

bool sandbox_spare_fits(const struct sandbox_spare *sp, const struct sandbox_spec *spec) {
        if (!sp || sp->utsns < 0 || sp->ipcns < 0)
                return false;
        if ((sp->netns >= 0) != spec->private_network || (sp->userns >= 0) != (spec->users != NULL))
                return false;
        return !spec->users ||
               (idmap_equal(&sp->uid, &spec->users->uid) && idmap_equal(&sp->gid, &spec->users->gid));
}
