/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "sandbox/sandbox.h"

/* One line of tmpfiles.d(5) that svcd honours: a directory ('d' or 'D') under /run. */
struct tmpfiles_dir {
        char path[256]; /* below /run, without a leading '/': "mysqld", "vsftpd/empty" */
        mode_t mode;
        char user[64], group[64]; /* "" when the line says "-": root */
};

/* Parses LINE of a tmpfiles.d file. 1 and *RET for a 'd' or 'D' line naming /run/... or
 * /var/run/... (what a package needs before its daemon starts, as systemd-tmpfiles --boot made
 * it); 0 for a comment, a blank line or any other line (other types, other paths, specifiers);
 * -EINVAL for such a line whose path, mode or owners svcd cannot take ("..", a bad mode). */
int tmpfiles_parse_line(const char *line, struct tmpfiles_dir *ret);

/* The /run directories the tree open at ROOT_FD asks for in /usr/lib/tmpfiles.d/ and
 * /etc/tmpfiles.d/ (a file of /etc replaces the one of the same name, as in systemd), with the
 * owners resolved in the tree's passwd and group: an array of *RET_N entries for
 * sandbox_spec.run_dirs, paths kept in *RET_STRINGS. Lines svcd cannot take are skipped and said
 * in *RET_WARNINGS ("FILE:LINE: sentence"). 0 or -ENOMEM. */
int tmpfiles_run_dirs(int root_fd, const char *tree_label, struct sandbox_run_dir **ret, size_t *ret_n,
                      char ***ret_strings, char ***ret_warnings);
