/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the sd_notify datagram parser (supervisor/svcd/notify-parse.c): the input is
 * one datagram, as a service sends it. The parser must not crash, leak or read past the
 * datagram, and what it returns must point into the datagram and hold what it says.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I. \
 *         tests/fuzz/fuzz-notify.c supervisor/svcd/notify-parse.c -o build/fuzz-notify
 *   build/fuzz-notify -max_total_time=60 -max_len=4096 tests/fuzz/corpus-notify
 *
 * (a copy of the corpus directory keeps new inputs out of the tree) */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/svcd/notify-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_inside(const char *p, const char *buf, size_t size) {
        if (!p)
                return;
        assert(p >= buf && p <= buf + size);
        assert(strlen(p) <= (size_t) (buf + size - p));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > 4096) /* svcd's buffer: longer datagrams are refused before parsing */
                return 0;
        /* Exactly size + 1 bytes, so that ASan sees any read past them. */
        char *buf = malloc(size + 1);
        if (!buf)
                return 0;
        memcpy(buf, data, size);
        struct notify_msg m;
        notify_parse(buf, size, &m);
        check_inside(m.status, buf, size);
        check_inside(m.bad_main_pid, buf, size);
        assert(m.main_pid >= 0);
        if (m.main_pid > 0 || m.bad_main_pid)
                assert(memmem(data, size, "MAINPID=", 8));
        if (m.ready)
                assert(memmem(data, size, "READY=1", 7));
        free(buf);
        return 0;
}
