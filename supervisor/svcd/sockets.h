/* SPDX-License-Identifier: MIT */
#pragma once

/* ListenStream= and Accept=yes (sockets.c). */

#include "supervisor/svcd/record.h"

int sockets_open(struct service *s);
void sockets_close(struct service *s);
int sockets_start_accepting(struct service *s);
void sockets_stop_accepting(struct service *s, int sig);
void sockets_kill_all(struct service *s);
bool sockets_child_exited(struct service *s, pid_t pid);
