/* SPDX-License-Identifier: MIT */
#include "supervisor/svcd/reaper.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "supervisor/svcd/log.h"

struct dying_sandbox {
        struct sandbox sb;
        struct dying_sandbox *next;
};

void reaper_add(struct reaper *r, struct sandbox *sb) {
        struct dying_sandbox *d = calloc(1, sizeof(*d));
        if (!d) {
                /* Cannot track it: wait for it here; it was killed, this is short. */
                (void) waitpid(sb->pid, NULL, 0);
                sandbox_close(sb);
                return;
        }
        d->sb = *sb;
        d->next = r->dying;
        r->dying = d;
        *sb = (struct sandbox){ .pidfd = -EBADF, .channel = -EBADF, .setup_fd = -EBADF };
}

static bool reap_dying(struct reaper *r, pid_t pid) {
        for (struct dying_sandbox **p = &r->dying; *p; p = &(*p)->next)
                if ((*p)->sb.pid == pid) {
                        struct dying_sandbox *d = *p;
                        *p = d->next;
                        sandbox_close(&d->sb);
                        free(d);
                        return true;
                }
        return false;
}

bool reaper_reap(struct reaper *r, bool (*owned)(void *userdata, pid_t pid, int code, int status),
                 void *userdata) {
        bool reaped = false;
        for (;;) {
                siginfo_t si = { 0 };
                if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG) < 0) {
                        if (errno == EINTR)
                                continue;
                        break; /* ECHILD */
                }
                if (si.si_pid == 0)
                        break;
                if (reap_dying(r, si.si_pid)) {
                        reaped = true;
                        continue;
                }
                bool own = owned(userdata, si.si_pid, si.si_code, si.si_status);
                if (!own)
                        log_debug("Reaped orphan %d", (int) si.si_pid);
                reaped |= own;
        }
        return reaped;
}

void reaper_done(struct reaper *r) {
        while (r->dying) {
                struct dying_sandbox *d = r->dying;
                r->dying = d->next;
                (void) waitpid(d->sb.pid, NULL, 0); /* killed already: this does not block for long */
                sandbox_close(&d->sb);
                free(d);
        }
}
