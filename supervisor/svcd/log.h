/* SPDX-License-Identifier: MIT */
#pragma once

/* svcd's own messages: to stderr, or to the console when svcd is PID 1. Only supervisor/
 * logs above debug. Each *_errno variant returns its (negative) error so that a caller can
 * `return log_error_errno(r, "...: %m")` where the error is handled; %m prints -r. */

#include <stdarg.h>
#include <stdbool.h>

#include "common/macro.h"

enum log_level {
        LOG_LEVEL_ERR,
        LOG_LEVEL_WARNING,
        LOG_LEVEL_NOTICE,
        LOG_LEVEL_INFO,
        LOG_LEVEL_DEBUG,
};

void log_set_max_level(enum log_level l);
void log_set_prefix(const char *prefix);
int log_internal(enum log_level level, int error, const char *fmt, ...) _printf_(3, 4);

#define log_error(...) log_internal(LOG_LEVEL_ERR, 0, __VA_ARGS__)
#define log_warning(...) log_internal(LOG_LEVEL_WARNING, 0, __VA_ARGS__)
#define log_notice(...) log_internal(LOG_LEVEL_NOTICE, 0, __VA_ARGS__)
#define log_info(...) log_internal(LOG_LEVEL_INFO, 0, __VA_ARGS__)
#define log_debug(...) log_internal(LOG_LEVEL_DEBUG, 0, __VA_ARGS__)
#define log_error_errno(e, ...) log_internal(LOG_LEVEL_ERR, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_internal(LOG_LEVEL_WARNING, (e), __VA_ARGS__)
#define log_debug_errno(e, ...) log_internal(LOG_LEVEL_DEBUG, (e), __VA_ARGS__)
#define log_oom() log_internal(LOG_LEVEL_ERR, -ENOMEM, "Out of memory: %m")
