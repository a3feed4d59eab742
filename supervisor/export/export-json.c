/* SPDX-License-Identifier: MIT */
/* json-c helpers and the one way svc-export reports a refusal. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <unistd.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/export/export.h"

void export_json_putp(struct json_object **o) {
        json_object_put(*o);
}

/* Takes V, also on failure. */
int export_json_add(struct json_object *o, const char *key, struct json_object *v) {
        if (!v)
                return -ENOMEM;
        if (json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

struct json_object *export_json_strv(char *const *l) {
        struct json_object *a = json_object_new_array();
        for (char *const *s = l; a && s && *s; s++)
                if (json_object_array_add(a, json_object_new_string(*s)) < 0) {
                        json_object_put(a);
                        return NULL;
                }
        return a;
}

/* NAME in the directory DIR_FD, written whole or not at all (a temporary file renamed). */
int export_json_write(struct json_object *o, int dir_fd, const char *name) {
        const char *text =
                json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!text)
                return -ENOMEM;
        char tmp[256];
        snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
        _cleanup_close_ int fd =
                openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return -errno;
        size_t n = strlen(text);
        if (write(fd, text, n) != (ssize_t) n || write(fd, "\n", 1) != 1) {
                (void) unlinkat(dir_fd, tmp, 0);
                return -EIO;
        }
        return renameat(dir_fd, tmp, dir_fd, name) < 0 ? -errno : 0;
}

int export_error(char **ret_error, int r, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(ret_error, fmt, ap) < 0)
                *ret_error = NULL;
        va_end(ap);
        return r;
}

struct json_object *export_json_caps(uint64_t set, bool prefix) {
        struct json_object *a = json_object_new_array();
        for (unsigned i = 0; a && i < 64; i++) {
                if (!(set & (1ULL << i)))
                        continue;
                char *name = cap_to_name((cap_value_t) i);
                if (!name)
                        continue;
                for (char *p = name; *p; p++)
                        *p = (char) (*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
                json_object_array_add(a, json_object_new_string(prefix ? name : name + 4));
                cap_free(name);
        }
        return a;
}
