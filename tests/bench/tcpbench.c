/* SPDX-License-Identifier: MIT */
/* Both ends of the published-port benchmark (tests/bench/net.sh).
 *
 *   tcpbench serve PORT
 *     Accepts connections one after the other; reads each until EOF, then closes it.
 *   tcpbench connect HOST PORT N
 *     N times: connect, shutdown(SHUT_WR), wait for the server's close. Prints the mean time of
 *     one such connection in microseconds: setup and teardown, nothing carried.
 *   tcpbench stream HOST PORT MIB
 *     One connection carries MIB MiB (64 KiB writes), then waits for the server's close. Prints
 *     the throughput in MiB/s.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void die(const char *what) {
        perror(what);
        exit(1);
}

static _Noreturn void serve(int port) {
        int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int));
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t) port) };
        if (bind(s, (struct sockaddr *) &sa, sizeof(sa)) < 0 || listen(s, 128) < 0)
                die("serve");
        static char buf[1 << 16];
        for (;;) {
                int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
                if (c < 0)
                        continue;
                while (read(c, buf, sizeof(buf)) > 0)
                        ;
                close(c);
        }
}

static int dial(const char *host, int port) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t) port) };
        if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
                die("address");
        int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (c < 0 || connect(c, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                die("connect");
        return c;
}

static void finish(int c) {
        char b[64];
        shutdown(c, SHUT_WR);
        while (read(c, b, sizeof(b)) > 0)
                ;
        close(c);
}

int main(int argc, char **argv) {
        if (argc == 3 && strcmp(argv[1], "serve") == 0)
                serve(atoi(argv[2]));
        if (argc == 5 && strcmp(argv[1], "connect") == 0) {
                int n = atoi(argv[4]);
                double t0 = now();
                for (int i = 0; i < n; i++)
                        finish(dial(argv[2], atoi(argv[3])));
                printf("%.1f\n", (now() - t0) / n * 1e6);
                return 0;
        }
        if (argc == 5 && strcmp(argv[1], "stream") == 0) {
                long mib = atol(argv[4]);
                static char buf[1 << 16];
                memset(buf, 'x', sizeof(buf));
                int c = dial(argv[2], atoi(argv[3]));
                double t0 = now();
                for (long i = 0; i < mib * 16; i++)
                        for (size_t off = 0; off < sizeof(buf);) {
                                ssize_t k = write(c, buf + off, sizeof(buf) - off);
                                if (k <= 0)
                                        die("write");
                                off += (size_t) k;
                        }
                finish(c);
                printf("%.0f\n", (double) mib / (now() - t0));
                return 0;
        }
        fprintf(stderr, "usage: tcpbench serve PORT | connect HOST PORT N | stream HOST PORT MIB\n");
        return 2;
}
