/* SPDX-License-Identifier: MIT */
#include "supervisor/svcd/log.h"

#include <stdio.h>
#include <string.h>

static enum log_level max_level = LOG_LEVEL_INFO;
static const char *log_prefix = "svcd";

void log_set_max_level(enum log_level l) {
        max_level = l;
}

void log_set_prefix(const char *prefix) {
        log_prefix = prefix;
}

int log_internal(enum log_level level, int error, const char *fmt, ...) {
        if (level > max_level)
                return error < 0 ? error : -abs(error);
        /* %m prints the error passed in, not whatever errno holds by now. */
        int saved = errno;
        if (error != 0)
                errno = abs(error);
        char buf[2048];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        errno = saved;
        fprintf(stderr, "%s: %s\n", log_prefix, buf);
        return error < 0 ? error : -abs(error);
}
