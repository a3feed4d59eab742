/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* String vectors (NULL-terminated char **). Functions return 0 or -ENOMEM. */
int strv_push(char ***l, char *value); /* takes ownership of value, also on failure */
int strv_extend(char ***l, const char *value); /* copies value */
char **strv_copy(char *const *l); /* NULL on OOM; NULL in gives an empty vector */
bool strv_contains(char *const *l, const char *s);
bool strv_equal(char *const *a, char *const *b);
char *strv_join(char *const *l, const char *sep); /* NULL on OOM */

/* Joins two path components with exactly one '/'. NULL on OOM. */
char *path_join(const char *a, const char *b);

/* CLOCK_MONOTONIC and CLOCK_REALTIME in microseconds. */
uint64_t now_usec(int clock);

/* Formats a span such as "1min 30s" or "250ms" into buf. */
const char *format_timespan(char *buf, size_t n, uint64_t usec);

/* Formats a byte count such as "1.5M" into buf. */
const char *format_bytes(char *buf, size_t n, uint64_t bytes);

/* mkdir -p with the given mode for each missing component. 0 or -errno. */
int mkdir_p(const char *path, unsigned mode);

/* Opens the directory REL (relative, "/"-separated, no "." or ".." component) below the directory
 * fd AT, one component at a time, creating a missing one with MODE, and never following a
 * symlink: every path svcd touches on a service's behalf, where the service may have planted one.
 * Returns an O_RDONLY|O_DIRECTORY|O_CLOEXEC fd, or -ELOOP (a component is a symlink), -ENOTDIR,
 * -EINVAL (REL is not clean) or another -errno; then *ret_fault, when not NULL, is the length of
 * the prefix of REL that ends with the component at fault. */
int open_dir_beneath(int at, const char *rel, unsigned mode, size_t *ret_fault);

/* Reads a whole small file into a NUL-terminated string. 0 or -errno. */
int read_full_file(const char *path, char **ret, size_t *ret_len);

/* Writes a string to a file (O_WRONLY|O_CLOEXEC|O_NOCTTY, no create). 0 or -errno. */
int write_string_file(const char *path, const char *s);

/* An AF_UNIX socket of TYPE (SOCK_STREAM or SOCK_DGRAM; close-on-exec, non-blocking) bound at
 * PATH, which is replaced if it exists, then given MODE. Connecting takes write permission, so
 * under a umask that clears group and other write bits (svcd's 022) nobody but the owner can
 * connect before the chmod. The fd, or -errno (-ENAMETOOLONG past sun_path's 108). */
int unix_socket_bind(int type, const char *path, unsigned mode);

/* free() that returns NULL, for `p = mfree(p);`. */
void *mfree(void *p);

/* 64-bit FNV-1a: start with FNV1A64_INIT, feed any number of buffers. */
#define FNV1A64_INIT 0xcbf29ce484222325ULL
uint64_t fnv1a64(uint64_t hash, const void *data, size_t n);
