/* SPDX-License-Identifier: MIT */
/* The library check before a first start: every program the unit runs (its Exec*= commands
 * and its exec probes) is in the service's tree, and the libraries each one needs resolve
 * there (sandbox_check_program). */
#include "supervisor/svcd/libcheck.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/macro.h"
#include "common/util.h"

/* Shell words that are no program of the tree. */
static bool shell_builtin(const char *w) {
        static const char *const builtins[] = { "exit",   "test", "[",  "true",    "false", "echo",
                                                "printf", "kill", "cd", "command", "read",  ":",
                                                "exec",   "if",   "!",  "set",     "eval",  "." };
        for (size_t i = 0; i < ELEMENTSOF(builtins); i++)
                if (streq(w, builtins[i]))
                        return true;
        return false;
}

static int check_one(const struct service *s, int rootfd, const char *label, const char *key,
                     const char *prog, char **ret_why) {
        if (prog[0] == '/' && unit_path_under_bind(s->unit, prog))
                return 0;
        _cleanup_free_ char *path = NULL, *why = NULL;
        if (sandbox_find_program(rootfd, prog, &path) < 0)
                return asprintf(ret_why, "%s=: %s is not in %s%s", key, prog, label,
                                prog[0] == '/' ? "" : " (in the directories of PATH)") < 0
                               ? -ENOMEM
                               : -ENOENT;
        int r = sandbox_check_program(rootfd, label, path, &why);
        if (r < 0 && asprintf(ret_why, "%s=: %s", key, why ? why : "the library check failed") < 0)
                return -ENOMEM;
        return r;
}

/* A plain string runs as /bin/sh -c STRING: the shell, and the command's first word when it
 * names a program (a variable assignment or a shell word does not). */
static int check_probe(const struct service *s, const struct health_probe *p, const char *key, int rootfd,
                       const char *label, char **ret_why) {
        if (p->kind != HEALTH_EXEC)
                return 0;
        int r = check_one(s, rootfd, label, key, p->argv[0], ret_why);
        if (r < 0 || !p->shell)
                return r;
        const char *cmd = p->argv[2];
        size_t n = strspn(cmd, " \t");
        size_t len = strspn(cmd + n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./+-");
        /* Only a plain word, ended by a blank, an operator or the end: "A=1 cmd", "$X", quotes are
         * the shell's business. */
        if (len == 0 || !strchr(" \t;|&", cmd[n + len]))
                return 0;
        _cleanup_free_ char *word = strndup(cmd + n, len);
        if (!word || shell_builtin(word))
                return word ? 0 : -ENOMEM;
        return check_one(s, rootfd, label, key, word, ret_why);
}

static int check_probes(const struct service *s, int rootfd, const char *label, char **ret_why) {
        int r = check_probe(s, &s->unit->health, "HealthCmd", rootfd, label, ret_why);
        if (r >= 0)
                r = check_probe(s, &s->unit->health_startup, "HealthStartupCmd", rootfd, label, ret_why);
        return r;
}

int libcheck_programs(const struct service *s, int rootfd, const char *label, char **ret_why) {
        const struct unit *u = s->unit;
        const struct exec_list *lists[] = { &u->exec_condition,  &u->exec_start_pre, &u->exec_start,
                                            &u->exec_start_post, &u->exec_reload,    &u->exec_stop,
                                            &u->exec_stop_post };
        for (size_t i = 0; i < ELEMENTSOF(lists); i++)
                for (size_t j = 0; j < lists[i]->n; j++) {
                        if (unit_path_under_bind(u, lists[i]->items[j].path))
                                continue;
                        _cleanup_free_ char *why = NULL;
                        int r = sandbox_check_program(rootfd, label, lists[i]->items[j].path, &why);
                        if (r < 0) {
                                *ret_why = TAKE_PTR(why);
                                return r;
                        }
                }
        return check_probes(s, rootfd, label, ret_why);
}
