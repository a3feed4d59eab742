/* SPDX-License-Identifier: MIT */
/* The one way a value of an image reaches a unit file (systemd.syntax(7), and units/ reading it
 * back). An image is hostile input: a User of "root\nBindPaths=/:/host" must not become a second
 * line. A word of a word list is always representable: in double quotes with C escapes, as
 * units/words.c reads them. A key read literally (User=, WorkingDirectory=, Description=) has no
 * escapes, so a value that would not read back the same is refused. Text for a human (comments,
 * the terminal) shows what is not printable as \xNN, so that it can never end its line. */
#include <ctype.h>

#include "common/macro.h"
#include "common/utf8.h"
#include "common/util.h"
#include "supervisor/tree/tree.h"

/* Writes the bytes of one character: as they are, or each as \xNN. */
static void put_bytes(FILE *f, const char *s, size_t len, bool escape) {
        for (size_t i = 0; i < len; i++)
                if (escape)
                        fprintf(f, "\\x%02x", (unsigned char) s[i]);
                else
                        fputc(s[i], f);
}

static bool is_plain_word(const char *w) {
        if (w[0] == '\0')
                return false;
        for (const unsigned char *c = (const unsigned char *) w; *c; c++)
                if (!(*c < 0x80 && (isalnum(*c) || strchr("/._-+=:,@^~", *c))))
                        return false;
        return true;
}

static const char *literal_problem(const char *v) {
        size_t n = strlen(v);
        if (n == 0)
                return "it is empty, which would reset the key";
        if (strchr(" \t", v[0]) || strchr(" \t", v[n - 1]))
                return "it begins or ends with a space, which a unit file drops";
        if (v[n - 1] == '\\')
                return "it ends with a backslash, which would continue the line";
        for (size_t i = 0; i < n;) {
                uint32_t cp;
                size_t len = utf8_char(v + i, n - i, &cp);
                if (len == 0)
                        return "it is not UTF-8";
                if (unichar_is_control(cp))
                        return "it has a control character (a newline would start a line of its own)";
                i += len;
        }
        return NULL;
}

static void put_quoted(FILE *f, const char *w, bool command) {
        size_t n = strlen(w);
        fputc('"', f);
        for (size_t i = 0; i < n;) {
                const char *c = w + i;
                uint32_t cp = 0;
                size_t len = utf8_char(c, n - i, &cp);
                if (len == 0) {
                        put_bytes(f, c, 1, true); /* not UTF-8: the byte, escaped */
                        i++;
                        continue;
                }
                if (*c == '"' || *c == '\\')
                        fprintf(f, "\\%c", *c);
                else if (*c == '%' || (*c == '$' && command))
                        fprintf(f, "%c%c", *c, *c);
                else
                        put_bytes(f, c, len, unichar_is_control(cp));
                i += len;
        }
        fputc('"', f);
}

static void put_text(FILE *f, const char *t) {
        size_t n = strlen(t);
        for (size_t i = 0; i < n;) {
                const char *c = t + i;
                uint32_t cp = 0;
                size_t len = utf8_char(c, n - i, &cp);
                if (len == 0) {
                        put_bytes(f, c, 1, true);
                        i++;
                        continue;
                }
                put_bytes(f, c, len, cp == '\\' || unichar_is_control(cp));
                i += len;
        }
}

int tree_quote(FILE *f, const char *value, enum tree_quote how, const char **ret_why) {
        switch (how) {
        case TREE_QUOTE_LITERAL: {
                const char *why = literal_problem(value);
                if (why) {
                        if (ret_why)
                                *ret_why = why;
                        return -EINVAL;
                }
                for (const char *c = value; *c; c++) {
                        if (*c == '%')
                                fputc('%', f);
                        fputc(*c, f);
                }
                return 0;
        }
        case TREE_QUOTE_WORD:
        case TREE_QUOTE_COMMAND:
                if (is_plain_word(value))
                        fputs(value, f);
                else
                        put_quoted(f, value, how == TREE_QUOTE_COMMAND);
                return 0;
        case TREE_QUOTE_TEXT:
                put_text(f, value);
                return 0;
        }
        return -EINVAL;
}

char *tree_text(const char *value) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        if (!f)
                return NULL;
        (void) tree_quote(f, value ? value : "", TREE_QUOTE_TEXT, NULL);
        return fclose(f) == 0 ? buf : mfree(buf);
}
