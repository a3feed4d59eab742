/* SPDX-License-Identifier: MIT */
#pragma once

/* Runs COMMANDS (nft syntax, one transaction) through libnftables, loaded on first use.
 * 0, or -errno and nft's message in *ret_error (may be NULL on OOM; free it). */
int nft_apply(const char *commands, char **ret_error);
/* Drops the library (svcd's exit, for leak checkers). */
void nft_unload(void);
