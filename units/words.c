/* SPDX-License-Identifier: MIT */
/* systemd's word splitting (extract_first_word() with EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE): words
 * are separated by whitespace (or given separators), '...' and "..." group and may sit inside a
 * word (a"b c"d is one word "ab cd"), and backslash escapes follow C, inside quotes too. */

#include <ctype.h>

#include "common/util.h"
#include "units/unit-internal.h"

#define WHITESPACE " \t\n\r"

static int unhex(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -EINVAL;
}

static size_t utf8_encode(char *out, uint32_t c) {
        if (c < 0x80) {
                out[0] = (char) c;
                return 1;
        }
        if (c < 0x800) {
                out[0] = (char) (0xc0 | (c >> 6));
                out[1] = (char) (0x80 | (c & 0x3f));
                return 2;
        }
        if (c < 0x10000) {
                out[0] = (char) (0xe0 | (c >> 12));
                out[1] = (char) (0x80 | ((c >> 6) & 0x3f));
                out[2] = (char) (0x80 | (c & 0x3f));
                return 3;
        }
        out[0] = (char) (0xf0 | (c >> 18));
        out[1] = (char) (0x80 | ((c >> 12) & 0x3f));
        out[2] = (char) (0x80 | ((c >> 6) & 0x3f));
        out[3] = (char) (0x80 | (c & 0x3f));
        return 4;
}

/* \xNN, \uXXXX, \UXXXXXXXX: N hex digits after the letter. NUL is refused, as in systemd. */
static int unescape_hex(const char *p, size_t digits, char *out, size_t *ret_len) {
        uint32_t c = 0;

        for (size_t i = 1; i <= digits; i++) {
                int h = unhex(p[i]);
                if (h < 0)
                        return -EINVAL;
                c = (c << 4) | (uint32_t) h;
        }
        if (c == 0 || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
                return -EINVAL;
        if (digits == 2) {
                out[0] = (char) c; /* \xNN is a byte, not a code point */
                *ret_len = 1;
        } else
                *ret_len = utf8_encode(out, c);
        return (int) digits + 1;
}

/* Decodes the escape at P (just after the backslash) into OUT (room for 4 bytes). Returns the
 * number of input characters used, or -EINVAL. */
static int cunescape_one(const char *p, char *out, size_t *ret_len) {
        static const char simple[] = "a\ab\bf\fn\nr\rt\tv\v\\\\\"\"''s ";

        *ret_len = 1;
        for (size_t i = 0; simple[i]; i += 2)
                if (*p == simple[i]) {
                        out[0] = simple[i + 1];
                        return 1;
                }
        if (*p == 'x')
                return unescape_hex(p, 2, out, ret_len);
        if (*p == 'u')
                return unescape_hex(p, 4, out, ret_len);
        if (*p == 'U')
                return unescape_hex(p, 8, out, ret_len);
        if (*p >= '0' && *p <= '3' && p[1] >= '0' && p[1] <= '7' && p[2] >= '0' && p[2] <= '7') {
                int c = (p[0] - '0') * 64 + (p[1] - '0') * 8 + (p[2] - '0');
                if (c == 0)
                        return -EINVAL;
                out[0] = (char) c;
                return 3;
        }
        return -EINVAL;
}

static int word_fail(struct word_reader *w, const char *why) {
        w->error = why;
        return -EINVAL;
}

/* Handles the backslash at *P, appending to OUT at *N. */
static int word_escape(struct word_reader *w, const char **p, char *out, size_t *n) {
        const char *s = *p + 1;
        size_t len;

        if (*s == '\0')
                return word_fail(w, "a backslash at the end of the value escapes nothing");
        if (!(w->flags & WORD_CUNESCAPE)) {
                out[(*n)++] = *s;
                *p = s + 1;
                return 0;
        }
        int k = cunescape_one(s, out + *n, &len);
        if (k < 0 && (w->flags & WORD_CUNESCAPE_RELAX)) {
                /* Kept as written: the word is no longer than its input still. */
                w->relaxed = true;
                out[(*n)++] = '\\';
                out[(*n)++] = *s;
                *p = s + 1;
                return 0;
        }
        if (k < 0)
                return word_fail(w, "invalid escape sequence (use \\\\ for a backslash)");
        *n += len;
        *p = s + k;
        return 0;
}

int word_next(struct word_reader *w, char **ret) {
        const char *seps = w->separators ? w->separators : WHITESPACE;
        const char *p = w->p;
        char quote = 0;
        size_t n = 0;

        if (!(w->flags & WORD_KEEP_SEPARATORS))
                p += strspn(p, seps);
        if (*p == '\0') {
                w->p = p;
                w->sep = '\0';
                return 0;
        }
        /* A word never grows while unescaping, so the rest of the input bounds it. */
        _cleanup_free_ char *out = malloc(strlen(p) + 1);
        if (!out)
                return -ENOMEM;
        for (w->sep = '\0'; *p;) {
                char c = *p;
                if (c == '\\') {
                        int r = word_escape(w, &p, out, &n);
                        if (r < 0)
                                return r;
                } else if (quote) {
                        if (c != quote)
                                out[n++] = c;
                        else
                                quote = 0;
                        p++;
                } else if ((w->flags & WORD_UNQUOTE) && (c == '\'' || c == '"')) {
                        quote = c;
                        p++;
                } else if (strchr(seps, c)) {
                        w->sep = c;
                        p++;
                        break;
                } else
                        out[n++] = *p++;
        }
        if (quote)
                return word_fail(w, quote == '"' ? "a double quote is not closed"
                                                 : "a single quote is not closed");
        out[n] = '\0';
        w->p = p;
        *ret = TAKE_PTR(out);
        return 1;
}

int words_split(const char *v, unsigned flags, char ***ret, const char **ret_error) {
        struct word_reader w = { .p = v, .flags = flags };
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));

        if (!l)
                return -ENOMEM;
        for (;;) {
                char *word;
                int r = word_next(&w, &word);
                if (r == -EINVAL && ret_error)
                        *ret_error = w.error;
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                if (strv_push(&l, word) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}
