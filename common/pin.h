/* SPDX-License-Identifier: MIT */
#pragma once

/* A service's pin to one generation of its tree (issue 17): after a tree upgrade broke it, the
 * service runs on the generation it ran on before, alone, while the others on the tree move on.
 * svcd writes and honours pins (its gate decides); the tree tool reads them to keep a pinned
 * generation until no service needs it. One file per service, ROOT/var/lib/svc/pins/NAME:
 *   TREE GEN
 *   REASON (one line: "pinned after the upgrade to 5 failed: unhealthy: ...")
 * written whole under a temporary name and renamed, so a reader sees the old pin or the new one,
 * never a part: a kill -9 at any moment leaves the service on a whole generation. */

#include <stdbool.h>

#define SVC_PINS_DIR "var/lib/svc/pins"
#define PIN_REASON_MAX 400

struct tree_pin {
        char *tree;
        unsigned gen;
        char *reason;
};

void tree_pin_done(struct tree_pin *p);
/* The pin of service NAME under PINS_DIR (the host path of SVC_PINS_DIR): 0, -ENOENT when it has
 * none, -EBADMSG when the file is not a pin, or another -errno. */
int tree_pin_read(const char *pins_dir, const char *name, struct tree_pin *ret);
/* Writes the pin of NAME (PINS_DIR is made, mode 0700), durable before it returns. 0 or -errno. */
int tree_pin_write(const char *pins_dir, const char *name, const struct tree_pin *p);
/* 0 (also when there was none) or -errno. */
int tree_pin_remove(const char *pins_dir, const char *name);
