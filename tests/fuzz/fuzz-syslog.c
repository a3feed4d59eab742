/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the /dev/log datagram parser: the input is one datagram as a service
 * sends it. The parser must not crash or read out of bounds, and what it returns must be one
 * line of the input's bytes ended by a single '\n'.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I. \
 *         tests/fuzz/fuzz-syslog.c supervisor/svcd/syslog-line.c -o build/fuzz-syslog
 *   build/fuzz-syslog -max_total_time=60 -max_len=9000 tests/fuzz/corpus-syslog
 *
 * (-max_len above svcd's 8192-byte receive size.) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/svcd/syslog-line.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        /* Exactly the room svcd gives: the datagram and one byte. */
        char *buf = malloc(size + 1);
        if (!buf)
                return 0;
        if (size > 0)
                memcpy(buf, data, size);
        size_t len = syslog_datagram_to_line(buf, size);
        if (len < 1 || len > size + 1 || buf[len - 1] != '\n' || memchr(buf, '\0', len - 1))
                abort();
        /* The line is a piece of the datagram: a header was only ever removed in front. */
        if (len > 1 && !memmem(data, size, buf, len - 1))
                abort();
        free(buf);
        return 0;
}
