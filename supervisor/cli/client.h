/* SPDX-License-Identifier: MIT */
#pragma once

/* Helpers shared by the svc front end and svc-ctl. */

#include <stdbool.h>
#include <stdio.h>

/* Exit codes, as systemctl's. */
enum {
        EXIT_OK = 0,
        EXIT_FAILED = 1,
        EXIT_USAGE = 2,
        EXIT_NOT_RUNNING = 3,
        EXIT_NO_SUCH_UNIT = 4,
};

/* ROOT from --root or $SVC_ROOT, default "/". */
const char *client_root(const char *arg);

/* The log directory of NAME under ROOT, allocated. */
char *client_log_dir(const char *root, const char *name);

/* Prints the last N lines (N < 0: everything) of the log in DIR to OUT; with FOLLOW keeps
 * printing what arrives, across rotations, until interrupted. Returns 0 or -errno (-ENOENT when
 * the unit never logged anything). */
int client_logs(const char *dir, long n, bool follow, FILE *out);

/* -t: opens a pty, sizes it like stdin's terminal, puts that terminal in raw mode. Returns the
 * master and *ret_slave, or -errno. */
int client_open_pty(int *ret_slave);
/* Puts the caller's terminal back as it was. */
void client_restore_tty(void);
/* Moves what FROM has to TO; clears *open_flag at EOF. */
void client_copy_some(int from, int to, bool *open_flag);

/* svc run ARGS...: returns the exit code. */
int client_run(const char *root, int argc, char **argv);

/* svc check FILE...: returns the exit code. */
int client_check(const char *root, int argc, char **argv);

/* Writes S as a JSON string, quotes included. */
void json_string(FILE *f, const char *s);
