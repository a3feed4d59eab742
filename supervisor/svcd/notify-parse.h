/* SPDX-License-Identifier: MIT */
#pragma once

/* The text of an sd_notify datagram: newline-separated assignments (sd_notify(3)). Pure, so
 * that tests/fuzz/fuzz-notify.c links it alone. */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct notify_msg {
        bool ready, stopping, reloading;
        const char *status; /* STATUS=, into the buffer; NULL when absent */
        pid_t main_pid; /* MAINPID=, in the sender's numbering; 0 when absent */
        const char *bad_main_pid; /* a MAINPID= value that is no pid, into the buffer */
};

/* Parses the N bytes of BUF, which must have room for one more (a NUL is written at BUF[N] and
 * each newline becomes one). A NUL byte ends the text, as it ends sd_notify's string. Unknown
 * assignments are ignored; for repeated ones the last counts. Never fails. */
void notify_parse(char *buf, size_t n, struct notify_msg *ret);
