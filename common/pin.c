/* SPDX-License-Identifier: MIT */
/* Pin files: see pin.h. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "common/macro.h"
#include "common/pin.h"
#include "common/util.h"

void tree_pin_done(struct tree_pin *p) {
        p->tree = mfree(p->tree);
        p->reason = mfree(p->reason);
        p->gen = 0;
}

/* A service name never holds '/', and is no dot file: anything else is refused. */
static bool name_ok(const char *name) {
        return name[0] && name[0] != '.' && !strchr(name, '/') && strlen(name) < 256;
}

int tree_pin_read(const char *pins_dir, const char *name, struct tree_pin *ret) {
        if (!name_ok(name))
                return -EINVAL;
        _cleanup_free_ char *path = path_join(pins_dir, name), *text = NULL;
        if (!path)
                return -ENOMEM;
        int r = read_full_file(path, &text, NULL);
        if (r < 0)
                return r;
        char *nl = strchr(text, '\n'), *space = strchr(text, ' ');
        if (!nl || !space || space > nl || space == text)
                return -EBADMSG;
        *nl = *space = '\0';
        const char *g = space + 1, *reason = nl + 1;
        if (!g[0] || g[0] == '0' || strspn(g, "0123456789") != strlen(g) || strlen(g) > 9)
                return -EBADMSG;
        struct tree_pin p = { .tree = strdup(text), .gen = (unsigned) strtoul(g, NULL, 10) };
        p.reason = strndup(reason, strcspn(reason, "\n"));
        if (!p.tree || !p.reason) {
                tree_pin_done(&p);
                return -ENOMEM;
        }
        *ret = p;
        return 0;
}

int tree_pin_write(const char *pins_dir, const char *name, const struct tree_pin *p) {
        if (!name_ok(name) || !p->tree[0] || strpbrk(p->tree, " \n/"))
                return -EINVAL;
        _cleanup_free_ char *path = path_join(pins_dir, name), *tmp = NULL, *text = NULL;
        int r = mkdir_p(pins_dir, 0700);
        if (r < 0)
                return r;
        if (!path || asprintf(&tmp, "%s/.%s.new", pins_dir, name) < 0 ||
            asprintf(&text, "%s %u\n%.*s\n", p->tree, p->gen, PIN_REASON_MAX, p->reason ? p->reason : "") < 0)
                return -ENOMEM;
        for (char *c = strchr(text, '\n') + 1; *c && c[1]; c++) /* the reason stays one line */
                if (*c == '\n')
                        *c = ' ';
        _cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
        size_t n = strlen(text);
        if (fd < 0 || write(fd, text, n) != (ssize_t) n || fsync(fd) < 0) {
                r = fd < 0 ? -errno : negative_errno();
                (void) unlink(tmp);
                return r;
        }
        if (rename(tmp, path) < 0) {
                r = -errno;
                (void) unlink(tmp);
                return r;
        }
        _cleanup_close_ int dir = open(pins_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return dir >= 0 && fsync(dir) < 0 ? -errno : 0;
}

int tree_pin_remove(const char *pins_dir, const char *name) {
        if (!name_ok(name))
                return -EINVAL;
        _cleanup_free_ char *path = path_join(pins_dir, name);
        if (!path)
                return -ENOMEM;
        return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}
