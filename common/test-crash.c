/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/macro.h"
#include "common/test-crash.h"
#include "common/util.h"

/* SysRq o: the kernel powers off at once, without syncing or unmounting a file system, so the
 * disk keeps what had reached it, as after a power cut. Returns only if the kernel refused. */
static void power_cut(void) {
        int fd = open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, "o", 1) != 1) {
                fprintf(stderr, "cannot cut the power through /proc/sysrq-trigger: %m\n");
                return;
        }
        for (;;)
                pause(); /* the power off runs in a kernel worker */
}

void svc_test_crash_point(const char *prog, const char *point) {
        const char *at = getenv("SVC_TREE_TEST_CRASH"), *by = getenv("SVC_TREE_TEST_CRASH_BY");
        if (!at || !streq(at, point))
                return;
        bool power = by && streq(by, "poweroff");
        fprintf(stderr, "%s: SVC_TREE_TEST_CRASH=%s: %s here\n", prog, point, power ? "power cut" : "killed");
        fflush(NULL);
        if (power)
                power_cut();
        (void) raise(SIGKILL);
}
