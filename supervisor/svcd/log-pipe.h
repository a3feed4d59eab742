/* SPDX-License-Identifier: MIT */
#pragma once

/* The pipe a service's stdout and stderr go to (log-pipe.c), read into its log stream. */

#include "supervisor/svcd/record.h"

/* The log stream and the pipe, made once at the first start and kept across restarts. */
int log_pipe_open(struct service *s);
/* Moves whatever the pipe holds now into the log, past the buffer bound. */
void log_pipe_drain(struct service *s);
/* Reads what is left, then closes the pipe and hands the stream to the writer. */
void log_pipe_close(struct service *s);
