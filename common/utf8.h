/* SPDX-License-Identifier: MIT */
#pragma once

/* UTF-8 as what a terminal or a unit file will make of bytes svc did not write. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The length (1-4) of the valid UTF-8 character at S, which has N > 0 bytes, and its code point
 * in *RET_CP; 0 if S does not start one (a stray byte, an overlong form, a surrogate, past
 * U+10FFFF, or cut short by N). */
size_t utf8_char(const char *s, size_t n, uint32_t *ret_cp);
/* C0 and C1 control characters and DEL: what a terminal may act on. */
bool unichar_is_control(uint32_t cp);
/* How many bytes (0-3) at the end of S (N bytes) begin a character that more bytes may complete. */
size_t utf8_incomplete_tail(const char *s, size_t n);
/* Writes N bytes of S to F, with every byte of what a terminal could act on written as \xNN:
 * control characters but tab and newline, and bytes that are not UTF-8. Valid UTF-8 stays. */
void utf8_put_escaped(FILE *f, const char *s, size_t n);
