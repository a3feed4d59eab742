/* SPDX-License-Identifier: MIT */
/* alt N CMD... [-- CMD...]...: runs the commands in turn, one run of each after the other, N
 * times (after 10 warm-up rounds, the order rotating every round), and prints each one's median
 * wall time with its quartiles and its ratio to the first command's median. On a machine shared
 * with other work, hyperfine's blocks of one command after another drift with the load; this
 * pairs every run of one command with runs of the others taken a moment apart. Output of the
 * commands goes to /dev/null. tests/bench/FINDINGS.md, section 1, uses it. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#define MAX_CMDS 16

extern char **environ;

static double now_ms(void) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double) t.tv_sec * 1e3 + (double) t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return x < y ? -1 : x > y;
}

static double run(char **argv, const posix_spawn_file_actions_t *fa) {
        pid_t pid;
        int st;
        double start = now_ms();
        if (posix_spawn(&pid, argv[0], fa, NULL, argv, environ) != 0 || waitpid(pid, &st, 0) < 0) {
                perror(argv[0]);
                exit(1);
        }
        if (st != 0)
                fprintf(stderr, "alt: %s exited with status %d\n", argv[0], st);
        return now_ms() - start;
}

int main(int argc, char **argv) {
        if (argc < 3) {
                fprintf(stderr, "alt N CMD... [-- CMD...]...\n");
                return 2;
        }
        int n = atoi(argv[1]), k = 0;
        char **cmds[MAX_CMDS];
        cmds[k++] = argv + 2;
        for (int i = 2; i < argc && k < MAX_CMDS; i++)
                if (strcmp(argv[i], "--") == 0) {
                        argv[i] = NULL;
                        cmds[k++] = argv + i + 1;
                }
        double *t = calloc((size_t) k * (size_t) n, sizeof(double));
        posix_spawn_file_actions_t fa;
        if (n < 1 || !t || posix_spawn_file_actions_init(&fa) != 0 ||
            posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0) != 0)
                return 2;
        for (int i = 0; i < 10 * k; i++)
                run(cmds[i % k], &fa);
        for (int i = 0; i < n; i++)
                for (int j = 0; j < k; j++) {
                        int c = (i + j) % k;
                        t[c * n + i] = run(cmds[c], &fa);
                }
        double first = 0;
        for (int c = 0; c < k; c++) {
                double *v = t + c * n;
                qsort(v, (size_t) n, sizeof(double), cmp);
                if (c == 0)
                        first = v[n / 2];
                printf("%-14s median %.3f ms  q1 %.3f  q3 %.3f  ratio %.3f  n=%d\n", cmds[c][0], v[n / 2],
                       v[n / 4], v[3 * n / 4], v[n / 2] / first, n);
        }
        free(t);
        return 0;
}
