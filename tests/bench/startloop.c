/* SPDX-License-Identifier: MIT */
/* Benchmark 2, svcd's side: one connection to svcd's control socket, then N calls of
 * Start([UNIT], block=true), each timed from the call to the reply. For a Type=oneshot unit svcd
 * replies once the unit's exit is recorded, so each time is what svcd spends from the start call
 * to the recorded exit (plus one round trip on the socket). Prints one time per line, in
 * microseconds. Same method and arguments as svc-ctl's `svc start`.
 *
 *   startloop CONTROL_SOCKET UNIT N */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>

static double now_us(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

int main(int argc, char **argv) {
        if (argc != 4) {
                fprintf(stderr, "startloop CONTROL_SOCKET UNIT N\n");
                return 2;
        }
        char addr[512];
        snprintf(addr, sizeof(addr), "unix:path=%s", argv[1]);
        sd_bus *bus = NULL;
        int r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, addr);
        if (r >= 0)
                r = sd_bus_negotiate_fds(bus, true);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0) {
                fprintf(stderr, "startloop: cannot connect to %s: %s\n", argv[1], strerror(-r));
                return 1;
        }
        int n = atoi(argv[3]);
        for (int i = 0; i < n; i++) {
                sd_bus_message *m = NULL, *reply = NULL;
                sd_bus_error e = SD_BUS_ERROR_NULL;
                char *names[] = { argv[2], NULL };
                r = sd_bus_message_new_method_call(bus, &m, NULL, "/org/svc/manager", "org.svc.Manager1", "Start");
                if (r >= 0)
                        r = sd_bus_message_append_strv(m, names);
                if (r >= 0)
                        r = sd_bus_message_append(m, "b", 1);
                double t0 = now_us();
                if (r >= 0)
                        r = sd_bus_call(bus, m, UINT64_MAX, &e, &reply);
                double t1 = now_us();
                const char *name, *result = NULL;
                if (r >= 0)
                        r = sd_bus_message_enter_container(reply, 'a', "(ss)");
                if (r >= 0)
                        r = sd_bus_message_read(reply, "(ss)", &name, &result);
                if (r < 0 || (result && *result)) {
                        fprintf(stderr, "startloop: Start %s: %s\n", argv[2],
                                e.message ? e.message : result && *result ? result : strerror(-r));
                        return 1;
                }
                printf("%.1f\n", t1 - t0);
                sd_bus_error_free(&e);
                sd_bus_message_unref(m);
                sd_bus_message_unref(reply);
        }
        sd_bus_flush_close_unref(bus);
        return 0;
}
