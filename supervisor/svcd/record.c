/* SPDX-License-Identifier: MIT */
#include "supervisor/svcd/record.h"

#include "common/macro.h"

/* Events raised while actions run (a spawn that failed, a forking daemon that is already gone)
 * are handled right after, in order, by the service layer's loop (service_process_queue). */
void service_post(struct service *s, enum svc_event_type type, int code, int status, int err) {
        if (s->n_queued < ELEMENTSOF(s->queued))
                s->queued[s->n_queued++] = (struct svc_queued_event){ type, code, status, err };
        else
                log_error("%s: event queue overflow, dropping event %d", s->name, (int) type);
}

void service_deliver(struct service *s) {
        if (s->m->deliver)
                s->m->deliver(s);
}

bool service_is_active(const struct service *s) {
        return s->sm.state == SVC_STARTING || s->sm.state == SVC_RUNNING || s->sm.state == SVC_RELOADING ||
               s->sm.state == SVC_STOPPING;
}

const struct exec_list *service_exec_list(const struct unit *u, enum svc_phase phase) {
        switch (phase) {
        case PHASE_CONDITION:
                return &u->exec_condition;
        case PHASE_START_PRE:
                return &u->exec_start_pre;
        case PHASE_START_POST:
                return &u->exec_start_post;
        case PHASE_RELOAD:
                return &u->exec_reload;
        case PHASE_STOP_CMD:
                return &u->exec_stop;
        case PHASE_STOP_POST:
                return &u->exec_stop_post;
        default:
                return &u->exec_start;
        }
}
