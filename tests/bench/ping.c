/* SPDX-License-Identifier: MIT */
/* The service of the restart, memory and scale benchmarks, the same for every supervisor:
 *
 *   ping [/SOCK]
 *
 * connects to the AF_UNIX stream socket SOCK ("sock" in the working directory when no absolute path
 * is given: the service directory under runsv and s6-supervise, which passes the service's name as
 * its argument), so that tests/bench/conn sees it run
 * (and learns its pid from SO_PEERCRED), then waits for ever without doing anything. Built static,
 * so that it runs unchanged inside any tree. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
        const char *path = argc > 1 && argv[1][0] == '/' ? argv[1] : "sock";
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        strncpy(sa.sun_path, path, sizeof(sa.sun_path) - 1);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        /* The listener may not be there yet: try for 10 s, every millisecond. */
        for (int i = 0; fd >= 0 && i < 10000; i++) {
                if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) == 0)
                        break;
                if (errno != ENOENT && errno != ECONNREFUSED && errno != EAGAIN)
                        break;
                nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
        }
        for (;;)
                pause();
}
