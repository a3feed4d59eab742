/* SPDX-License-Identifier: MIT */
/* Unit names, on their own: svc's static front end checks a name without linking the parser. */
#include <string.h>

#include "common/macro.h"
#include "units/unit.h"

bool unit_name_is_valid(const char *name) {
        static const char allowed[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:@-";
        size_t n = strlen(name);
        const char *at = strchr(name, '@');

        if (n == 0 || n > UNIT_NAME_MAX || name[0] == '.' || name[0] == '@')
                return false;
        if (strspn(name, allowed) != n || (at && strchr(at + 1, '@')))
                return false;
        return unit_suffix_len(name) == 0;
}

size_t unit_suffix_len(const char *file) {
        static const char *const suffixes[] = { UNIT_SUFFIX, UNIT_SERVICE_SUFFIX };
        size_t n = strlen(file);

        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
                size_t k = strlen(suffixes[i]);
                if (n >= k && streq(file + n - k, suffixes[i]))
                        return k;
        }
        return 0;
}

void unit_name_strip_suffix(char *name) {
        size_t k = unit_suffix_len(name), n = strlen(name);
        if (k < n)
                name[n - k] = '\0';
}

bool unit_name_is_timer(const char *name) {
        size_t n = strlen(name), k = strlen(UNIT_TIMER_SUFFIX);
        return n > k && streq(name + n - k, UNIT_TIMER_SUFFIX);
}

bool unit_name_is_socket(const char *name) {
        size_t n = strlen(name), k = strlen(UNIT_SOCKET_SUFFIX);
        return n > k && streq(name + n - k, UNIT_SOCKET_SUFFIX);
}

size_t unit_name_kind_suffix_len(const char *name) {
        if (unit_name_is_timer(name))
                return strlen(UNIT_TIMER_SUFFIX);
        return unit_name_is_socket(name) ? strlen(UNIT_SOCKET_SUFFIX) : 0;
}
