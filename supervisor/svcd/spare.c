/* SPDX-License-Identifier: MIT */
/* A service that restarted by itself keeps spare namespaces for its next start (sandbox/spare.c):
 * a user namespace with its maps, a network namespace with lo up, UTS and IPC, made once its
 * main process has run for half a second, so that a restart after a crash joins them instead of
 * waiting for the kernel to make them (tests/bench/FINDINGS.md, section 3). Each start gets fresh
 * namespaces either way: a spare is joined by one start, then closed, and the next one is made
 * after that start. What depends on the running instance (its /var overlay, its mounts, /tmp,
 * /run) is never prepared ahead. */
#include <stdlib.h>

#include "common/macro.h"
#include "supervisor/svcd/log.h"
#include "supervisor/svcd/record.h"
#include "supervisor/svcd/spare.h"

#define SPARE_DELAY_USEC (500 * 1000ULL)

struct service_spare {
        struct sandbox_spare ns;
        sd_event_source *timer; /* making one is pending */
        bool known; /* a start said what it needs: */
        bool net, has_users;
        struct sandbox_users users; /* the maps only */
};

static struct service_spare *spare_of(struct service *s) {
        if (!s->spare && (s->spare = calloc(1, sizeof(*s->spare))))
                s->spare->ns = SANDBOX_SPARE_NULL;
        return s->spare;
}

void spare_offer(struct service *s, struct sandbox_spec *spec) {
        struct service_spare *sp = spare_of(s);
        spec->spare = NULL;
        if (!sp)
                return;
        sp->known = true;
        sp->net = spec->private_network;
        sp->has_users = spec->users;
        sp->users = (struct sandbox_users){ .idmap_fd = -EBADF };
        if (spec->users) {
                sp->users.uid = spec->users->uid;
                sp->users.gid = spec->users->gid;
        }
        if (sandbox_spare_fits(&sp->ns, spec))
                spec->spare = &sp->ns;
}

void spare_used(struct service *s) {
        if (s->spare)
                sandbox_spare_done(&s->spare->ns);
}

static int on_timer(sd_event_source *src _unused_, uint64_t usec _unused_, void *userdata) {
        struct service *s = userdata;
        struct service_spare *sp = s->spare;
        sp->timer = sd_event_source_disable_unref(sp->timer);
        if (!service_is_active(s) || sp->ns.utsns >= 0)
                return 0;
        int r = sandbox_spare_make(sp->has_users ? &sp->users : NULL, sp->net, &sp->ns);
        if (r < 0)
                log_debug_errno(r, "%s: no spare namespaces for the next start: %m", s->name);
        return 0;
}

void spare_schedule(struct service *s) {
        struct service_spare *sp = s->spare;
        if (!sp || !sp->known || sp->timer || sp->ns.utsns >= 0 || !s->unit || s->unit->restart == RESTART_NO)
                return;
        /* Nothing to gain where the sandbox makes neither of the two costly namespaces, nor for
         * an instance made for one connection (Accept=yes), which never starts twice. */
        if ((!sp->net && !sp->has_users) || s->conn_socket)
                return;
        /* Nor before the service has restarted by itself once: a spare holds ~150 KiB of kernel
         * memory (its namespaces), which a box of services that never crash should not pay. */
        if (s->total_restarts == 0)
                return;
        /* Once the service has stayed up a while, at the lowest priority: making a spare takes
         * svcd ~1 ms, which a burst of restarts (several services crashing together, or one in a
         * loop) must not wait for; bench 3 killed back to back was 10% slower with the spare made
         * right after each start. */
        int r = sd_event_add_time_relative(s->m->event, &sp->timer, CLOCK_MONOTONIC, SPARE_DELAY_USEC,
                                           SPARE_DELAY_USEC / 10, on_timer, s);
        if (r >= 0)
                r = sd_event_source_set_priority(sp->timer, SD_EVENT_PRIORITY_IDLE);
        if (r < 0) {
                sp->timer = sd_event_source_disable_unref(sp->timer);
                log_debug_errno(r, "%s: cannot schedule spare namespaces: %m", s->name);
        }
}

void spare_drop(struct service *s) {
        if (!s->spare)
                return;
        s->spare->timer = sd_event_source_disable_unref(s->spare->timer);
        sandbox_spare_done(&s->spare->ns);
        free(s->spare);
        s->spare = NULL;
}
