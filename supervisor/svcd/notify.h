/* SPDX-License-Identifier: MIT */
#pragma once

/* The service's $NOTIFY_SOCKET (notify.c). */

#include "supervisor/svcd/record.h"

int notify_open(struct service *s);
void notify_close(struct service *s);
