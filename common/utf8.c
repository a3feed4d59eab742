/* SPDX-License-Identifier: MIT */
#include "common/utf8.h"

static size_t lead_length(unsigned char c) {
        return c < 0x80 ? 1 : c < 0xc2 ? 0 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : c < 0xf5 ? 4 : 0;
}

size_t utf8_char(const char *s, size_t n, uint32_t *ret_cp) {
        static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
        const unsigned char *u = (const unsigned char *) s;
        size_t len = lead_length(u[0]);
        if (len == 0 || len > n)
                return 0;
        uint32_t cp = len == 1 ? u[0] : u[0] & (0x7fU >> len);
        for (size_t i = 1; i < len; i++) {
                if ((u[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (u[i] & 0x3f);
        }
        if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        *ret_cp = cp;
        return len;
}

bool unichar_is_control(uint32_t cp) {
        return cp < 0x20 || (cp >= 0x7f && cp < 0xa0);
}

size_t utf8_incomplete_tail(const char *s, size_t n) {
        const unsigned char *u = (const unsigned char *) s;
        for (size_t k = 1; k <= 3 && k <= n; k++) {
                size_t len = lead_length(u[n - k]);
                if (len > 1)
                        return len > k ? k : 0;
                if ((u[n - k] & 0xc0) != 0x80)
                        return 0; /* an ASCII or stray byte: nothing to wait for */
        }
        return 0;
}

void utf8_put_escaped(FILE *f, const char *s, size_t n) {
        for (size_t i = 0; i < n;) {
                uint32_t cp = 0;
                size_t len = utf8_char(s + i, n - i, &cp);
                if (len > 0 && (!unichar_is_control(cp) || cp == '\t' || cp == '\n')) {
                        fwrite(s + i, 1, len, f);
                        i += len;
                        continue;
                }
                for (size_t k = 0; k < (len ? len : 1); k++)
                        fprintf(f, "\\x%02x", (unsigned char) s[i + k]);
                i += len ? len : 1;
        }
}
