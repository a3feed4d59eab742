/* SPDX-License-Identifier: MIT */
#pragma once

/* The executor (executor.c): a service's sandboxes and the commands in them. */

#include "supervisor/svcd/record.h"

int exec_spawn(struct service *s, bool main, unsigned idx);
void exec_signal(struct service *s, bool main, int sig);
/* KillMode=control-group: SIG to every process of the service's sandbox. */
void exec_signal_all(struct service *s, int sig);
void exec_kill_all(struct service *s, bool final);
void exec_adopt_forked_main(struct service *s);
int exec_start_connection(struct service *s, int conn_fd, struct sandbox *ret, uint32_t *ret_id);
/* `svc exec`: runs ARGV in the service's sandbox with its credentials; FDS become 0, 1, 2. */
int exec_session_start(struct service *s, char **argv, const int fds[3], bool tty, uint32_t *ret_id,
                       char **ret_error);
struct exec_session *exec_session_find(struct service *s, uint32_t id);
void exec_session_signal(struct service *s, uint32_t id, int sig);
/* Replies to the session's waiter if it is done; frees it then. */
void exec_session_flush(struct service *s, struct exec_session *e);
void exec_free(struct service *s);
bool exec_child_exited(struct service *s, pid_t pid);
