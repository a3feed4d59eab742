/* SPDX-License-Identifier: MIT */
/* Diagnostics: every complaint about a unit is collected, never printed here. */

#include <stdarg.h>

#include "units/unit-internal.h"

void unit_diag_clear(struct unit_diag *d) {
        for (size_t i = 0; i < d->n; i++) {
                free(d->items[i].file);
                free(d->items[i].message);
        }
        free(d->items);
        d->items = NULL;
        d->n = 0;
}

bool unit_diag_has_errors(const struct unit_diag *d) {
        return diag_has_errors_since(d, 0);
}

bool diag_has_errors_since(const struct unit_diag *d, size_t from) {
        for (size_t i = from; i < d->n; i++)
                if (!d->items[i].warning)
                        return true;
        return false;
}

char *unit_diag_format(const struct unit_diag_item *i) {
        const char *kind = i->warning ? "warning: " : "";
        char *s = NULL;
        int r;

        if (i->file && i->line > 0)
                r = asprintf(&s, "%s:%u: %s%s", i->file, i->line, kind, i->message);
        else if (i->file)
                r = asprintf(&s, "%s: %s%s", i->file, kind, i->message);
        else
                r = asprintf(&s, "%s%s", kind, i->message);
        return r < 0 ? NULL : s;
}

int diag_addv(struct unit_diag *d, bool warning, const char *file, unsigned line, const char *fmt,
              va_list ap) {
        _cleanup_free_ char *message = NULL, *f = NULL;

        if (vasprintf(&message, fmt, ap) < 0)
                return -ENOMEM;
        if (file) {
                f = strdup(file);
                if (!f)
                        return -ENOMEM;
        }
        struct unit_diag_item *items = reallocarray(d->items, d->n + 1, sizeof(*items));
        if (!items)
                return -ENOMEM;
        d->items = items;
        d->items[d->n++] = (struct unit_diag_item){
                .file = TAKE_PTR(f),
                .line = line,
                .message = TAKE_PTR(message),
                .warning = warning,
        };
        return 0;
}

int diag_add(struct unit_diag *d, bool warning, const char *file, unsigned line, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        int r = diag_addv(d, warning, file, line, fmt, ap);
        va_end(ap);
        return r;
}
