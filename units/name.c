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
        return !(n >= strlen(UNIT_SUFFIX) && streq(name + n - strlen(UNIT_SUFFIX), UNIT_SUFFIX));
}
