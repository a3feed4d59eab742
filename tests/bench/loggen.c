/* SPDX-License-Identifier: MIT */
/* The service of the log benchmark: writes BYTES (default 200 MB) of numbered lines of 100 bytes
 * to stdout, in 64 KiB writes, then exits 0.
 *
 *   loggen [BYTES]
 *
 * Every line is "line NNNNNNNNNN " and 83 'x', newline: the line count of the output is BYTES/100,
 * and a line that got lost or cut shows. Built static, so that it runs inside any tree. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LINE 100

int main(int argc, char **argv) {
        unsigned long long total = argc > 1 ? strtoull(argv[1], NULL, 10) : 200000000ULL;
        unsigned long long lines = total / LINE, n = 0;
        static char buf[65536 / LINE * LINE];
        while (n < lines) {
                size_t k = 0;
                while (k + LINE <= sizeof(buf) && n < lines) {
                        char *p = buf + k;
                        memcpy(p, "line ", 5);
                        unsigned long long v = n++;
                        for (int i = 14; i >= 5; i--, v /= 10)
                                p[i] = (char) ('0' + v % 10);
                        p[15] = ' ';
                        memset(p + 16, 'x', LINE - 17);
                        p[LINE - 1] = '\n';
                        k += LINE;
                }
                for (size_t off = 0; off < k;) {
                        ssize_t w = write(1, buf + off, k - off);
                        if (w < 0 && errno == EINTR)
                                continue;
                        if (w <= 0)
                                return 1;
                        off += (size_t) w;
                }
        }
        return 0;
}
