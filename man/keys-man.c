/* SPDX-License-Identifier: MIT */
/* keys-man TEMPLATE README: writes svc.unit(5) to stdout, the hand-written TEMPLATE with its line
 * `.\" @KEYS@` replaced by one entry per key of the key table (units/keys.c), in the table's order:
 * its class and, for a refused or ignored key, the sentence svc says, both from the table; the
 * values and default from the key's row in README (units/README.md). A build-time tool: the key
 * part of the page cannot drift from the table. A key with no row in README, or a row whose class
 * disagrees with the table, is written as such and reported on stderr (the packaging test fails
 * on it); the build goes on. keys-man --list prints SECTION KEY= CLASS, one key a line. */
#include <ctype.h>

#include "common/macro.h"
#include "units/unit-internal.h"

#define KEYS_MARK ".\\\" @KEYS@"

struct row {
        char *key, *section, *values, *def, *class, *accepted, *refused, *does;
};

static struct row rows[512];
static size_t n_rows;

static char *trim(char *s) {
        while (*s == ' ')
                s++;
        size_t n = strlen(s);
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\n'))
                s[--n] = '\0';
        return s;
}

/* Splits a Markdown table line into its cells at every '|' not escaped as "\|". */
static size_t split_cells(char *line, char **cells, size_t max) {
        size_t n = 0;
        char *p = line + 1, *start = p;
        for (; *p && n < max; p++) {
                if (*p == '\\' && p[1] == '|') {
                        p++;
                        continue;
                }
                if (*p == '|') {
                        *p = '\0';
                        cells[n++] = trim(start);
                        start = p + 1;
                }
        }
        return n;
}

static char *cell(char **header, char **cells, size_t n, const char *name) {
        for (size_t i = 0; i < n; i++)
                if (streq(header[i], name))
                        return strdup(cells[i]);
        return NULL;
}

static int read_readme(const char *path) {
        FILE *f = fopen(path, "re");
        if (!f)
                return -errno;
        char line[4096], hline[4096] = "", *header[8] = { 0 };
        size_t n_header = 0;
        while (fgets(line, sizeof(line), f)) {
                char *cells[8];
                if (strneq(line, "| key |", 7)) {
                        memcpy(hline, line, sizeof(hline));
                        n_header = split_cells(hline, header, ELEMENTSOF(header));
                        continue;
                }
                if (!strneq(line, "| `", 3) || !strstr(line, "=` |") || n_header == 0 ||
                    n_rows >= ELEMENTSOF(rows))
                        continue;
                size_t n = MIN(split_cells(line, cells, ELEMENTSOF(cells)), n_header);
                char *key = cells[0] + 1;
                key[strcspn(key, "=")] = '\0';
                char *section = cells[1];
                section[strcspn(section, " ")] = '\0'; /* "Unit (also Service, ...)" */
                rows[n_rows++] = (struct row){
                        .key = strdup(key),
                        .section = strdup(section),
                        .values = cell(header, cells, n, "values"),
                        .def = cell(header, cells, n, "default"),
                        .class = cell(header, cells, n, "class"),
                        .accepted = cell(header, cells, n, "accepted"),
                        .refused = cell(header, cells, n, "refused"),
                        .does = cell(header, cells, n, "does"),
                };
        }
        fclose(f);
        return 0;
}

static const struct row *find_row(const char *section, const char *key) {
        for (size_t i = 0; i < n_rows; i++)
                if (streq(rows[i].section, section) && streq(rows[i].key, key))
                        return &rows[i];
        return NULL;
}

/* Markdown inline text to roff: `code` in bold, "\|" as "|", backslashes escaped. */
static void put_text(const char *s) {
        bool code = false;
        for (; *s; s++) {
                if (*s == '`') {
                        code = !code;
                        fputs(code ? "\\fB" : "\\fR", stdout);
                } else if (*s == '\\' && s[1] == '|') {
                        putchar('|');
                        s++;
                } else if (*s == '\\')
                        fputs("\\e", stdout);
                else if (*s == '-' && code)
                        fputs("\\-", stdout);
                else
                        putchar(*s);
        }
        if (code)
                fputs("\\fR", stdout);
}

static void put_sentence(const char *label, const char *text) {
        if (label)
                printf("%s: ", label);
        else if (islower((unsigned char) text[0])) {
                putchar(toupper((unsigned char) text[0])); /* a README cell starts a sentence here */
                text++;
        }
        put_text(text);
        size_t n = strlen(text);
        printf("%s\n", n > 0 && strchr(".!?", text[n - 1]) ? "" : ".");
}

static const char *class_heading(const struct unit_key *k) {
        switch (k->info.class) {
        case UNIT_KEY_IMPLEMENTED:
                return "implemented";
        case UNIT_KEY_NOT_APPLIED:
                return "parsed, not applied by this build: a warning";
        case UNIT_KEY_IMPLIED:
                return "implied by the sandbox";
        case UNIT_KEY_UNSUPPORTED:
                return k->ltype == UNSUPPORTED_ERROR ? "known, refused: an error"
                                                     : "known, ignored: a warning";
        case UNIT_KEY_METADATA:
                return "metadata";
        default:
                return "?";
        }
}

static void put_key(const struct unit_key *k) {
        const char *key = k->info.key;
        size_t n = strlen(key);
        printf(".TP\n\\fB%s=\\fR (%s)\n", key, class_heading(k));
        if (n > 0 && key[n - 1] == '*')
                printf("Every key whose name starts with \\fB%.*s\\fR.\n", (int) (n - 1), key);
        if (k->info.class == UNIT_KEY_UNSUPPORTED) {
                put_sentence("svc says", k->why ? k->why : "?");
                return; /* the table is the source; README's copy of the sentence is not used */
        }
        const struct row *r = find_row(k->info.section, key);
        if (!r) {
                printf("Not described in units/README.md.\n");
                fprintf(stderr, "keys-man: units/README.md has no row for %s= in [%s]\n", key,
                        k->info.section);
                return;
        }
        if (!r->class || !streq(r->class, unit_key_class_to_string(k->info.class))) {
                fprintf(stderr, "keys-man: units/README.md says %s= is %s, the key table says %s\n", key,
                        r->class ?: "?", unit_key_class_to_string(k->info.class));
        }
        if (r->does)
                put_sentence(NULL, r->does);
        else {
                fprintf(stderr, "keys-man: units/README.md does not say what %s= does\n", key);
                printf("Not described in units/README.md.\n");
        }
        printf(".br\n");
        if (k->info.class == UNIT_KEY_IMPLIED) {
                put_sentence("Accepted", r->accepted ?: "?");
                printf(".br\n");
                put_sentence("Refused (less isolation than the sandbox gives)", r->refused ?: "?");
                return;
        }
        if (k->info.class == UNIT_KEY_METADATA)
                printf("svc accepts it and does not act on it.\n.br\n");
        if (r->values) {
                put_sentence("Values", r->values);
                printf(".br\n");
        }
        if (r->def)
                put_sentence("Default", r->def);
}

/* The sections in the table's order, each with its keys grouped by class, then in table order. */
static void put_keys(void) {
        static const struct {
                enum unit_key_class class;
                int severity; /* UNSUPPORTED rows only */
                const char *title;
        } groups[] = {
                { UNIT_KEY_IMPLEMENTED, 0, "implemented" },
                { UNIT_KEY_NOT_APPLIED, 0, "parsed, not applied by this build" },
                { UNIT_KEY_IMPLIED, 0, "implied by the sandbox" },
                { UNIT_KEY_METADATA, 0, "metadata" },
                { UNIT_KEY_UNSUPPORTED, UNSUPPORTED_ERROR, "known, refused" },
                { UNIT_KEY_UNSUPPORTED, UNSUPPORTED_WARNING, "known, ignored with a warning" },
        };
        const struct unit_key_info *info;
        for (size_t i = 0; (info = unit_key_table_get(i)); i++) {
                bool first = true;
                for (size_t j = 0; j < i && first; j++)
                        first = !streq(unit_key_table_get(j)->section, info->section);
                if (!first)
                        continue;
                for (size_t g = 0; g < ELEMENTSOF(groups); g++) {
                        bool titled = false;
                        const struct unit_key_info *o;
                        for (size_t j = i; (o = unit_key_table_get(j)); j++) {
                                const struct unit_key *k = unit_key_lookup(o->section, o->key);
                                if (!streq(o->section, info->section) || o->class != groups[g].class ||
                                    (o->class == UNIT_KEY_UNSUPPORTED && k->ltype != groups[g].severity))
                                        continue;
                                if (!titled)
                                        printf(".SS \"[%s]: %s\"\n", info->section, groups[g].title);
                                titled = true;
                                put_key(k);
                        }
                }
        }
}

int main(int argc, char **argv) {
        if (argc == 2 && streq(argv[1], "--list")) { /* for the packaging test */
                const struct unit_key_info *k;
                for (size_t i = 0; (k = unit_key_table_get(i)); i++)
                        printf("%s %s= %s\n", k->section, k->key, unit_key_class_to_string(k->class));
                return 0;
        }
        if (argc != 3) {
                fprintf(stderr, "usage: keys-man TEMPLATE README | keys-man --list\n");
                return 2;
        }
        int r = read_readme(argv[2]);
        if (r < 0) {
                fprintf(stderr, "keys-man: %s: %s\n", argv[2], strerror(-r));
                return 1;
        }
        FILE *t = fopen(argv[1], "re");
        if (!t) {
                fprintf(stderr, "keys-man: %s: %m\n", argv[1]);
                return 1;
        }
        char line[4096];
        bool marked = false;
        while (fgets(line, sizeof(line), t)) {
                if (strneq(line, KEYS_MARK, strlen(KEYS_MARK))) {
                        put_keys();
                        marked = true;
                } else
                        fputs(line, stdout);
        }
        fclose(t);
        if (!marked) {
                fprintf(stderr, "keys-man: %s has no line %s\n", argv[1], KEYS_MARK);
                return 1;
        }
        return fflush(stdout) == 0 ? 0 : 1;
}
