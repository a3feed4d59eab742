/* SPDX-License-Identifier: MIT */
/* Prints the version of libsvcdemo.so.1 the dynamic loader found. "serve": answers an HTTP
 * request on stdin (inetd style) naming it. "notify TEXT": sends READY=1 and STATUS=TEXT to
 * $NOTIFY_SOCKET, as sd_notify(3) does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

const char *svcdemo_version(void);

static int notify(const char *text) {
        const char *path = getenv("NOTIFY_SOCKET");
        if (!path || strlen(path) >= sizeof(((struct sockaddr_un *) 0)->sun_path))
                return 1;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        strcpy(sa.sun_path, path);
        char msg[512];
        snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s", text);
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        return fd < 0 || sendto(fd, msg, strlen(msg), 0, (struct sockaddr *) &sa, sizeof(sa)) < 0;
}

int main(int argc, char **argv) {
        if (argc > 2 && strcmp(argv[1], "notify") == 0)
                return notify(argv[2]);
        if (argc > 1 && strcmp(argv[1], "serve") == 0) {
                char line[1024];
                /* Read the request head, answer, close. */
                while (fgets(line, sizeof(line), stdin) && strcmp(line, "\r\n") != 0 &&
                       strcmp(line, "\n") != 0)
                        ;
                const char *v = svcdemo_version();
                printf("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n\r\n"
                       "libsvcdemo %s\n",
                       strlen(v) + strlen("libsvcdemo \n"), v);
                return 0;
        }
        printf("libsvcdemo %s\n", svcdemo_version());
        return 0;
}
