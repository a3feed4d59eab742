/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

/* Turns the datagram BUF[0..N) (BUF has room for N + 1 bytes) into the log line it stands for,
 * in place at the start of BUF: the "<PRI>" and RFC 3164 timestamp ("Nov 24 18:00:00 ") are
 * dropped (the log adds its own time), so are trailing newlines and NULs and anything after an
 * inner NUL; one '\n' ends it. Returns the line's length with that '\n' (at least 1). */
size_t syslog_datagram_to_line(char *buf, size_t n);
