/* SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "supervisor/svcd/notify-parse.h"

static void parse_main_pid(const char *v, struct notify_msg *m) {
        char *end;
        errno = 0;
        long pid = strtol(v, &end, 10);
        if (errno != 0 || end == v || *end != '\0' || pid <= 0 || pid > INT32_MAX) {
                m->bad_main_pid = v;
                return;
        }
        m->main_pid = (pid_t) pid;
        m->bad_main_pid = NULL;
}

static void parse_line(const char *line, struct notify_msg *m) {
        if (streq(line, "READY=1"))
                m->ready = true;
        else if (strneq(line, "STATUS=", 7))
                m->status = line + 7;
        else if (strneq(line, "MAINPID=", 8))
                parse_main_pid(line + 8, m);
        else if (streq(line, "STOPPING=1"))
                m->stopping = true;
        else if (streq(line, "RELOADING=1"))
                m->reloading = true;
}

void notify_parse(char *buf, size_t n, struct notify_msg *ret) {
        struct notify_msg m = { 0 };
        buf[n] = '\0';
        char *save = NULL;
        for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
                parse_line(line, &m);
        *ret = m;
}
