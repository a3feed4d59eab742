/* SPDX-License-Identifier: MIT */
/* The line a /dev/log datagram becomes in the service's log. Apart from syslog.c so that the
 * fuzz target (tests/fuzz/fuzz-syslog.c) links it without the daemon. */
#include <ctype.h>
#include <string.h>

#include "supervisor/svcd/syslog-line.h"

/* "<PRI>Mmm dd hh:mm:ss tag[pid]: message" -> "tag[pid]: message". */
static const char *strip_header(const char *p) {
        if (*p == '<') {
                const char *q = p + 1;
                while (isdigit((unsigned char) *q))
                        q++;
                if (*q == '>')
                        p = q + 1;
        }
        /* An RFC 3164 timestamp: "Nov 24 18:00:00 " */
        if (strlen(p) > 16 && p[3] == ' ' && p[6] == ' ' && p[9] == ':' && p[12] == ':' && p[15] == ' ')
                p += 16;
        return p;
}

size_t syslog_datagram_to_line(char *buf, size_t n) {
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\0'))
                n--;
        buf[n] = '\0';
        const char *line = strip_header(buf);
        size_t len = strlen(line);
        memmove(buf, line, len);
        buf[len] = '\n';
        return len + 1;
}
