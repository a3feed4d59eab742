/* SPDX-License-Identifier: MIT */
#pragma once

/* Disk usage of directories, walked by a thread of its own: a service controls how many files
 * it keeps, and a walk of 300000 of them in the event loop stalled svcd for 0.7 s per
 * `svc status NAME`. One walk at a time, in the order asked; callers asking about the same key
 * (a unit) while its walk is queued or under way share it, so the queue holds each unit once and
 * no caller waits behind more than one walk of another unit. Answers come back in the loop. */

#include <stdint.h>
#include <systemd/sd-event.h>

struct du_worker;
struct du_waiter;

/* Runs in the event loop with the bytes on disk under the paths asked for; TOTAL is NULL when no
 * walk could be made (no thread). */
typedef void (*du_done_t)(const uint64_t *total, void *userdata);

int du_worker_new(sd_event *event, struct du_worker **ret);
/* Stops a walk under way (it ends at the next directory entry); DONE is called for nobody. */
struct du_worker *du_worker_free(struct du_worker *w);

/* Asks for the bytes on disk under PATHS (taken over, also on failure), counted once per path
 * (hardlinks as often as seen), not following symlinks. DONE is called once, never before
 * du_request() returns, unless du_cancel() comes first. 0 or -ENOMEM. */
int du_request(struct du_worker *w, const char *key, char **paths, du_done_t done, void *userdata,
               struct du_waiter **ret);
/* DONE will not be called for this waiter. */
void du_cancel(struct du_waiter *x);
