/* SPDX-License-Identifier: MIT */
#pragma once

/* The service's /dev/log (syslog.c). */

#include "supervisor/svcd/record.h"

int syslog_open(struct service *s);
void syslog_close(struct service *s);
/* Reading resumes once the log stream has room again (it stops when the stream is full). */
void syslog_resume(struct service *s);
