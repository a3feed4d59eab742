/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the unit parser and its drop-ins (units/): the input up to its first NUL
 * byte is a unit file, what follows is a drop-in, and both are loaded from a directory as svcd
 * loads them (as f.service with f.service.d/x.conf, and as a template instance t@i.unit); the
 * unit file alone also goes through unit_load_string. The parser must not crash, leak or hang;
 * a refusal must come with an error naming file:line, and a unit that loads has a name, a path
 * and a command to run.
 *
 *   make fuzz FUZZ_SECONDS=300      (builds every target of tests/fuzz into build/fuzz and runs it)
 *
 * Seed inputs: tests/fuzz/corpus-units (units/examples, the test corpus of bad units). */
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>

#include "common/macro.h"
#include "common/util.h"
#include "units/unit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/fuzz-units.XXXXXX";

static void write_all(const char *path, const uint8_t *data, size_t size) {
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
                abort();
        while (size > 0) {
                ssize_t n = write(fd, data, size);
                if (n <= 0)
                        abort();
                data += n;
                size -= (size_t) n;
        }
}

/* A refusal names the file and the line of at least one error; a unit has what svcd reads. */
static void check(int r, struct unit *u, const struct unit_diag *d) {
        if (r == -ENOMEM)
                return;
        if (r >= 0) {
                if (!u || !u->name || !u->path || u->exec_start.n == 0)
                        abort();
                return;
        }
        if (u || !unit_diag_has_errors(d))
                abort();
}

static void load_dir(const char *name) {
        struct unit_diag d = { 0 };
        struct unit *u = NULL;
        int r = unit_load_from_dir(dir, name, NULL, &u, &d);
        check(r, u, &d);
        for (size_t i = 0; i < d.n; i++) {
                char *t = unit_diag_format(&d.items[i]);
                free(t);
        }
        unit_free(u);
        unit_diag_clear(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (dir[sizeof(dir) - 2] == 'X' && !mkdtemp(dir))
                abort();
        const uint8_t *nul = memchr(data, 0, size);
        size_t main_size = nul ? (size_t) (nul - data) : size;
        const uint8_t *dropin = nul ? nul + 1 : NULL;
        size_t dropin_size = nul ? size - main_size - 1 : 0;

        char path[256];
        snprintf(path, sizeof(path), "%s/f.service", dir);
        write_all(path, data, main_size);
        snprintf(path, sizeof(path), "%s/t@.unit", dir);
        write_all(path, data, main_size);
        snprintf(path, sizeof(path), "%s/f.service.d", dir);
        (void) mkdir(path, 0700);
        snprintf(path, sizeof(path), "%s/f.service.d/x.conf", dir);
        if (dropin)
                write_all(path, dropin, dropin_size);
        else
                (void) unlink(path);
        load_dir("f");
        load_dir("t@i");

        _cleanup_free_ char *text = strndup((const char *) data, main_size);
        if (!text)
                return 0;
        struct unit_diag d = { 0 };
        struct unit *u = NULL;
        int r = unit_load_string(text, "fuzz.unit", "fuzz", NULL, &u, &d);
        check(r, u, &d);
        unit_free(u);
        unit_diag_clear(&d);
        return 0;
}
