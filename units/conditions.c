/* SPDX-License-Identifier: MIT */
/* Condition*= and Assert*= (systemd.unit(5)): the parser of the table turns "|!/etc/x" into a
 * value, and unit_condition_test() tests one against a service's tree and the host's facts. The
 * test is a pure function of its arguments (struct condition_facts): svcd gathers the facts at
 * start, tests fill them in by hand. The path kinds live in condition-paths.c. */

#include <fnmatch.h>
#include <sys/capability.h>

#include "common/util.h"
#include "units/conditions-internal.h"

static const char *const condition_names[_CONDITION_TYPE_MAX] = {
        [CONDITION_PATH_EXISTS] = "PathExists",
        [CONDITION_PATH_EXISTS_GLOB] = "PathExistsGlob",
        [CONDITION_PATH_IS_DIRECTORY] = "PathIsDirectory",
        [CONDITION_PATH_IS_SYMBOLIC_LINK] = "PathIsSymbolicLink",
        [CONDITION_PATH_IS_MOUNT_POINT] = "PathIsMountPoint",
        [CONDITION_PATH_IS_READ_WRITE] = "PathIsReadWrite",
        [CONDITION_DIRECTORY_NOT_EMPTY] = "DirectoryNotEmpty",
        [CONDITION_FILE_NOT_EMPTY] = "FileNotEmpty",
        [CONDITION_FILE_IS_EXECUTABLE] = "FileIsExecutable",
        [CONDITION_VIRTUALIZATION] = "Virtualization",
        [CONDITION_CAPABILITY] = "Capability",
        [CONDITION_KERNEL_COMMAND_LINE] = "KernelCommandLine",
        [CONDITION_ARCHITECTURE] = "Architecture",
        [CONDITION_HOST] = "Host",
        [CONDITION_ENVIRONMENT] = "Environment",
        [CONDITION_USER] = "User",
        [CONDITION_GROUP] = "Group",
        [CONDITION_MEMORY] = "Memory",
        [CONDITION_CPUS] = "CPUs",
        [CONDITION_AC_POWER] = "ACPower",
        [CONDITION_SECURITY] = "Security",
        [CONDITION_FIRST_BOOT] = "FirstBoot",
        [CONDITION_KERNEL_VERSION] = "KernelVersion",
        [CONDITION_CREDENTIAL] = "Credential",
        [CONDITION_OS_RELEASE] = "OSRelease",
};

const char *condition_type_to_string(enum condition_type t) {
        return t >= 0 && t < _CONDITION_TYPE_MAX ? condition_names[t] : NULL;
}

static const char *const architectures[] = {
        "x86",     "x86-64",   "arm",       "arm64",   "arm-be",      "arm64-be", "alpha",
        "arc",     "arc-be",   "cris",      "ia64",    "loongarch64", "m68k",     "mips",
        "mips-le", "mips64",   "mips64-le", "parisc",  "parisc64",    "ppc",      "ppc64",
        "ppc-le",  "ppc64-le", "riscv32",   "riscv64", "s390",        "s390x",    "sh",
        "sh64",    "sparc",    "sparc64",   "tilegx",  "native",
};

static const char *const security_names[] = {
        "selinux", "apparmor",        "tomoyo", "smack", "ima",
        "audit",   "uefi-secureboot", "tpm2",   "cvm",   "measured-uki",
};

const char *condition_architecture_from_uname(const char *machine) {
        static const struct {
                const char *uname, *arch;
        } map[] = {
                { "x86_64", "x86-64" },
                { "i386", "x86" },
                { "i486", "x86" },
                { "i586", "x86" },
                { "i686", "x86" },
                { "aarch64", "arm64" },
                { "aarch64_be", "arm64-be" },
                { "ppc64le", "ppc64-le" },
                { "ppc64", "ppc64" },
                { "ppc", "ppc" },
                { "s390x", "s390x" },
                { "s390", "s390" },
                { "riscv64", "riscv64" },
                { "riscv32", "riscv32" },
                { "loongarch64", "loongarch64" },
                { "mips64", "mips64" },
                { "mips", "mips" },
                { "alpha", "alpha" },
                { "ia64", "ia64" },
                { "m68k", "m68k" },
                { "sparc64", "sparc64" },
        };
        for (size_t i = 0; i < ELEMENTSOF(map); i++)
                if (streq(machine, map[i].uname))
                        return map[i].arch;
        if (strneq(machine, "arm", 3))
                return "arm";
        return machine;
}

static bool in_list(const char *s, const char *const *l, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (streq(s, l[i]))
                        return true;
        return false;
}

/* ---- comparisons: "<=", ">=", "!=", "=", "<", ">", and the glob ones of OSRelease= -------- */

static const char *const operators[_CMP_MAX] = {
        [CMP_FNMATCH_NOT] = "!$=", [CMP_FNMATCH] = "$=", [CMP_LE] = "<=", [CMP_GE] = ">=",
        [CMP_NE] = "!=",           [CMP_EQ] = "=",       [CMP_LT] = "<",  [CMP_GT] = ">",
};

/* Reads an operator at *P (skipping blanks) and moves past it; _CMP_MAX when there is none. */
enum cmp parse_cmp(const char **p, bool globs) {
        *p += strspn(*p, " \t");
        for (int i = 0; i < _CMP_MAX; i++) {
                if (!globs && (i == CMP_FNMATCH || i == CMP_FNMATCH_NOT))
                        continue;
                size_t n = strlen(operators[i]);
                if (strneq(*p, operators[i], n)) {
                        *p += n + strspn(*p + n, " \t");
                        return (enum cmp) i;
                }
        }
        return _CMP_MAX;
}

bool cmp_result(enum cmp op, int r) {
        switch (op) {
        case CMP_LT:
                return r < 0;
        case CMP_LE:
                return r <= 0;
        case CMP_EQ:
                return r == 0;
        case CMP_NE:
                return r != 0;
        case CMP_GE:
                return r >= 0;
        case CMP_GT:
                return r > 0;
        default:
                return false;
        }
}

/* "[OP] NUMBER" for Memory= (a size) and CPUs= (a count); OP defaults to ">=". */
static int parse_amount(const char *v, bool size, enum cmp *ret_op, uint64_t *ret) {
        enum cmp op = parse_cmp(&v, false);
        unsigned n;
        if (op == _CMP_MAX)
                op = CMP_GE;
        if (size)
                return parse_size(v, ret) < 0 ? -EINVAL : (*ret_op = op, 0);
        if (parse_unsigned(v, &n) < 0)
                return -EINVAL;
        *ret_op = op;
        *ret = n;
        return 0;
}

/* ---- parsing ------------------------------------------------------------------------------- */

static bool is_number(const char *s) {
        return *s && strspn(s, "0123456789") == strlen(s);
}

/* NULL when V is a valid parameter of kind T, else what was expected. */
static const char *check_parameter(enum condition_type t, const char *v) {
        enum cmp op;
        uint64_t n;
        cap_value_t c;

        if (t <= CONDITION_FILE_IS_EXECUTABLE)
                return v[0] == '/' ? NULL : "expected an absolute path";
        switch (t) {
        case CONDITION_CAPABILITY:
                return cap_from_name(v, &c) >= 0 && c >= 0 && c <= CAP_LAST_CAP && !strchr(v, ',')
                               ? NULL
                               : "expected a capability such as CAP_SYS_TIME";
        case CONDITION_ARCHITECTURE:
                return in_list(v, architectures, ELEMENTSOF(architectures))
                               ? NULL
                               : "expected an architecture such as x86-64 or arm64";
        case CONDITION_USER:
                return streq(v, "@system") || is_number(v) || user_name_is_valid(v)
                               ? NULL
                               : "expected a user name, a numeric UID or @system";
        case CONDITION_GROUP:
                return is_number(v) || user_name_is_valid(v) ? NULL
                                                             : "expected a group name or a numeric GID";
        case CONDITION_MEMORY:
                return parse_amount(v, true, &op, &n) >= 0
                               ? NULL
                               : "expected a size such as 1G, after <, <=, =, !=, >= or >";
        case CONDITION_CPUS:
                return parse_amount(v, false, &op, &n) >= 0
                               ? NULL
                               : "expected a number of CPUs, after <, <=, =, !=, >= or >";
        case CONDITION_AC_POWER:
        case CONDITION_FIRST_BOOT:
                return parse_boolean(v) >= 0 ? NULL : "expected a boolean";
        case CONDITION_SECURITY:
                return in_list(v, security_names, ELEMENTSOF(security_names))
                               ? NULL
                               : "expected selinux, apparmor, tomoyo, smack, ima, audit, uefi-secureboot, "
                                 "tpm2, cvm or measured-uki";
        case CONDITION_CREDENTIAL:
                return !strchr(v, '/') && !streq(v, ".") && !streq(v, "..") ? NULL
                                                                            : "expected a credential name";
        case CONDITION_OS_RELEASE:
                return os_release_check_expression(v);
        default:
                return NULL; /* any non-empty word: Virtualization, Host, Environment, ... */
        }
}

static int condition_list_append(struct condition_list *l, enum condition_type t, bool trigger, bool negate,
                                 char *parameter) {
        struct unit_condition *a = reallocarray(l->items, l->n + 1, sizeof(*a));
        if (!a) {
                free(parameter);
                return -ENOMEM;
        }
        l->items = a;
        a[l->n++] = (struct unit_condition){
                .type = t, .trigger = trigger, .negate = negate, .parameter = parameter
        };
        return 0;
}

void condition_list_clear(struct condition_list *l) {
        for (size_t i = 0; i < l->n; i++)
                free(l->items[i].parameter);
        l->items = mfree(l->items);
        l->n = 0;
}

/* As systemd: an empty value resets every condition of the list (or every assertion); "|" then
 * "!" may lead the value, each followed by blanks. */
int config_parse_condition(struct parse_ctx *ctx, const char *key, const char *value, void *data, int ltype) {
        struct condition_list *l = data;
        const char *p = value;
        char *v = NULL;

        if (!*value) {
                condition_list_clear(l);
                return 0;
        }
        bool trigger = *p == '|';
        if (trigger)
                p += 1 + strspn(p + 1, " \t");
        bool negate = *p == '!';
        if (negate)
                p += 1 + strspn(p + 1, " \t");
        int r = *p ? ctx_specifiers(ctx, key, p, &v) : 0;
        if (r < 0)
                return r;
        const char *why =
                v ? check_parameter((enum condition_type) ltype, v) : "expected a value after | or !";
        if (why) {
                free(v);
                return ctx_error(ctx, "%s=%s: %s", key, ctx_short(ctx, value), why);
        }
        return condition_list_append(l, (enum condition_type) ltype, trigger, negate, v);
}

char *unit_condition_format(const struct unit_condition *c, bool assert) {
        char *s;
        if (asprintf(&s, "%s%s=%s%s%s", assert ? "Assert" : "Condition", condition_type_to_string(c->type),
                     c->trigger ? "|" : "", c->negate ? "!" : "", c->parameter) < 0)
                return NULL;
        return s;
}

/* ---- the host's facts ---------------------------------------------------------------------- */

static int test_virtualization(const char *v, const struct condition_facts *f) {
        const char *virt = f->virtualization ? f->virtualization : "none";
        bool any = !streq(virt, "none");
        int b = parse_boolean(v);
        if (b >= 0)
                return any == b;
        if (streq(v, "vm"))
                return f->in_vm;
        if (streq(v, "container"))
                return f->in_container;
        return streq(v, virt);
}

static int test_kernel_command_line(const char *v, const struct condition_facts *f) {
        _cleanup_strv_free_ char **words = NULL;
        const char *why;
        bool assignment = strchr(v, '=');
        size_t n = strlen(v);

        if (words_split(f->kernel_command_line ? f->kernel_command_line : "", WORD_UNQUOTE, &words, &why) < 0)
                return -ENOMEM;
        STRV_FOREACH (w, words)
                if (streq(*w, v) || (!assignment && strneq(*w, v, n) && (*w)[n] == '='))
                        return 1;
        return 0;
}

/* A machine ID written as 32 hex digits, or as a UUID. */
static bool looks_like_id128(const char *s) {
        size_t n = 0;
        for (; *s; s++) {
                if (*s == '-')
                        continue;
                if (!strchr("0123456789abcdefABCDEF", *s))
                        return false;
                n++;
        }
        return n == 32;
}

static bool id128_equal(const char *a, const char *b) {
        for (;; a++, b++) {
                a += *a == '-';
                b += *b == '-';
                if (!*a || !*b)
                        return !*a && !*b;
                if ((*a | 0x20) != (*b | 0x20))
                        return false;
        }
}

static int test_host(const char *v, const struct condition_facts *f) {
        if (looks_like_id128(v))
                return f->machine_id && id128_equal(v, f->machine_id);
        return f->hostname && fnmatch(v, f->hostname, FNM_CASEFOLD) == 0;
}

static int test_environment(const char *v, const struct condition_facts *f) {
        size_t n = strlen(v);
        bool assignment = strchr(v, '=');
        STRV_FOREACH (e, (char **) f->environment)
                if (assignment ? streq(*e, v) : strneq(*e, v, n) && (*e)[n] == '=')
                        return 1;
        return 0;
}

#define SYSTEM_UID_MAX 999

static int test_user(const char *v, const struct condition_facts *f) {
        if (streq(v, "@system"))
                return f->uid <= SYSTEM_UID_MAX;
        if (is_number(v))
                return strtoul(v, NULL, 10) == f->uid;
        return f->user_name && streq(v, f->user_name);
}

static int test_group(const char *v, const struct condition_facts *f) {
        if (!is_number(v))
                return strv_contains((char **) f->group_names, v);
        unsigned long g = strtoul(v, NULL, 10);
        for (size_t i = 0; i < f->n_gids; i++)
                if (f->gids[i] == g)
                        return 1;
        return 0;
}

static int test_amount(const char *v, bool size, uint64_t have) {
        enum cmp op;
        uint64_t want;
        if (parse_amount(v, size, &op, &want) < 0)
                return -EINVAL;
        return cmp_result(op, have < want ? -1 : have > want);
}

static int test_capability(const char *v, const struct condition_facts *f) {
        cap_value_t c;
        if (cap_from_name(v, &c) < 0 || c < 0 || c > 63)
                return -EINVAL;
        return (f->capability_bounding_set >> c) & 1;
}

/* KernelVersion=: words that must all hold, each "OP VERSION" or a glob against uname -r. */
static int test_kernel_version(const char *v, const struct condition_facts *f) {
        _cleanup_strv_free_ char **words = NULL;
        const char *why, *release = f->kernel_release ? f->kernel_release : "";

        if (words_split(v, WORD_UNQUOTE, &words, &why) < 0)
                return -EINVAL;
        for (size_t i = 0; words && words[i]; i++) {
                const char *p = words[i];
                enum cmp op = parse_cmp(&p, false);
                /* "<= 6.1" splits in two words: the operator takes the next one. */
                if (op != _CMP_MAX && !*p && words[i + 1])
                        p = words[++i];
                bool ok =
                        op == _CMP_MAX ? fnmatch(p, release, 0) == 0 : cmp_result(op, strverscmp(release, p));
                if (!ok)
                        return 0;
        }
        return 1;
}

static int test_fact(const struct unit_condition *c, const struct condition_facts *f) {
        const char *v = c->parameter;
        switch (c->type) {
        case CONDITION_VIRTUALIZATION:
                return test_virtualization(v, f);
        case CONDITION_CAPABILITY:
                return test_capability(v, f);
        case CONDITION_KERNEL_COMMAND_LINE:
                return test_kernel_command_line(v, f);
        case CONDITION_ARCHITECTURE:
                return streq(v, "native") || (f->architecture && streq(v, f->architecture));
        case CONDITION_HOST:
                return test_host(v, f);
        case CONDITION_ENVIRONMENT:
                return test_environment(v, f);
        case CONDITION_USER:
                return test_user(v, f);
        case CONDITION_GROUP:
                return test_group(v, f);
        case CONDITION_MEMORY:
                return test_amount(v, true, f->memory);
        case CONDITION_CPUS:
                return test_amount(v, false, f->cpus);
        case CONDITION_AC_POWER:
                return parse_boolean(v) == f->ac_power;
        case CONDITION_SECURITY:
                return strv_contains((char **) f->security, v);
        case CONDITION_FIRST_BOOT:
                return parse_boolean(v) == f->first_boot;
        case CONDITION_KERNEL_VERSION:
                return test_kernel_version(v, f);
        case CONDITION_CREDENTIAL:
                return strv_contains((char **) f->credentials, v);
        case CONDITION_OS_RELEASE:
                return test_os_release(v, f->tree_fd);
        default:
                return test_path(c->type, v, f->tree_fd);
        }
}

int unit_condition_test(const struct unit_condition *c, const struct condition_facts *f) {
        int r = test_fact(c, f);
        if (r < 0)
                return r;
        return (r > 0) != c->negate;
}

bool unit_conditions_test(const struct condition_list *l, const struct condition_facts *f,
                          const struct unit_condition **ret_failed) {
        const struct unit_condition *last_trigger = NULL;
        bool triggered = false;

        for (size_t i = 0; i < l->n; i++) {
                const struct unit_condition *c = &l->items[i];
                bool ok = unit_condition_test(c, f) > 0;
                if (!c->trigger && !ok) {
                        *ret_failed = c;
                        return false;
                }
                if (c->trigger) {
                        triggered |= ok;
                        last_trigger = c;
                }
        }
        if (last_trigger && !triggered) {
                *ret_failed = last_trigger;
                return false;
        }
        return true;
}
