/* SPDX-License-Identifier: MIT */
/* The library check: before a service first starts, resolve its program, the program's ELF
 * interpreter and every DT_NEEDED library, recursively, inside the service's tree, the way that
 * tree's own ld.so would, and say in one sentence what is missing.
 *
 * The tree is untrusted input. Every path is resolved inside it (openat2 RESOLVE_IN_ROOT, so an
 * absolute symlink or a "../.." stays in the tree), a file is opened for reading only after
 * fstat() of an O_PATH descriptor said it is a regular file (a FIFO never blocks us, a device is
 * never opened), every offset and size read from a file is checked against the file before libelf
 * reads it, and the work is capped (objects, opens, nesting). */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <link.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "common/macro.h"
#include "common/paths.h"
#include "common/util.h"
#include "sandbox/sandbox.h"

#define OBJECTS_MAX 1024U
#define OPENS_MAX 65536U /* openat2() calls in one check */
#define SCRIPT_DEPTH_MAX 4U /* the kernel's BINPRM_MAX_RECURSION */
#define SCRIPT_HEAD 256 /* the kernel's BINPRM_BUF_SIZE: where "#!" lines end */
#define LIST_ENTRIES_MAX 64U /* directories in one DT_RPATH or DT_RUNPATH */
#define CONF_DIRS_MAX 256U
#define CONF_DEPTH_MAX 8U
#define CONF_SIZE_MAX (256U * 1024U)
#define DIR_ENTRIES_MAX 4096U
#define DYNAMIC_SIZE_MAX (64U * 1024U)
#define PHDRS_SIZE_MAX (64U * 1024U) /* as the kernel's load_elf_phdrs() */
#define NO_OBJECT SIZE_MAX

enum {
        OPEN_OK,
        OPEN_MISSING,
        OPEN_NOT_REGULAR,
};

struct arch_id {
        uint16_t machine;
        uint8_t class; /* ELFCLASS*, ELFCLASSNONE = unset */
        uint8_t data;
};

/* Per architecture: ld.so's default directories are /lib/TRIPLET, /usr/lib/TRIPLET (Debian's
 * multiarch ones), /LIBDIR, /usr/LIBDIR, /lib and /usr/lib. */
struct arch {
        uint16_t machine;
        uint8_t class;
        const char *name;
        const char *platform; /* $PLATFORM */
        const char *triplet;
        const char *libdir;
};

static const struct arch arches[] = {
        { EM_X86_64, ELFCLASS64, "x86-64", "x86_64", "x86_64-linux-gnu", "lib64" },
        { EM_X86_64, ELFCLASS32, "x32", "x86_64", "x86_64-linux-gnux32", "libx32" },
        { EM_386, ELFCLASS32, "i386", "i686", "i386-linux-gnu", "lib32" },
        { EM_AARCH64, ELFCLASS64, "AArch64", "aarch64", "aarch64-linux-gnu", "lib64" },
        { EM_ARM, ELFCLASS32, "ARM", "v7l", "arm-linux-gnueabihf", "lib32" },
        { EM_RISCV, ELFCLASS64, "RISC-V 64", "riscv64", "riscv64-linux-gnu", "lib64/lp64d" },
        { EM_RISCV, ELFCLASS32, "RISC-V 32", "riscv32", "riscv32-linux-gnu", "lib32/ilp32d" },
        { EM_PPC64, ELFCLASS64, "PowerPC 64", "power8", "powerpc64le-linux-gnu", "lib64" },
        { EM_S390, ELFCLASS64, "s390x", "z13", "s390x-linux-gnu", "lib64" },
        { EM_LOONGARCH, ELFCLASS64, "LoongArch64", "loongarch64", "loongarch64-linux-gnu", "lib64" },
        { EM_MIPS, ELFCLASS32, "MIPS", "mips", "mipsel-linux-gnu", "lib32" },
        { EM_MIPS, ELFCLASS64, "MIPS64", "mips64", "mips64el-linux-gnuabi64", "lib64" },
};

static const struct arch unknown_arch64 = { EM_NONE, ELFCLASS64, NULL, "", "", "lib64" };
static const struct arch unknown_arch32 = { EM_NONE, ELFCLASS32, NULL, "", "", "lib32" };

/* The machine svc runs on is the one it was built for: its own ELF header, which GNU ld, gold and
 * lld all place at __ehdr_start. */
extern const ElfW(Ehdr) __ehdr_start;

static struct arch_id host_arch(void) {
        return (struct arch_id){ __ehdr_start.e_machine, __ehdr_start.e_ident[EI_CLASS],
                                 __ehdr_start.e_ident[EI_DATA] };
}

static const struct arch *arch_find(struct arch_id id) {
        for (size_t i = 0; i < ELEMENTSOF(arches); i++)
                if (arches[i].machine == id.machine && arches[i].class == id.class)
                        return &arches[i];
        return NULL;
}

static bool arch_equal(struct arch_id a, struct arch_id b) {
        return a.machine == b.machine && a.class == b.class && a.data == b.data;
}

/* Its own programs, and i386 ones on x86-64 and 32-bit ARM ones on AArch64: a kernel or CPU
 * without that compat layer fails at execve, as it would without the check. */
static bool arch_runs_here(struct arch_id id) {
        struct arch_id h = host_arch();
        return arch_equal(id, h) ||
               (arch_equal(h, (struct arch_id){ EM_X86_64, ELFCLASS64, ELFDATA2LSB }) &&
                arch_equal(id, (struct arch_id){ EM_386, ELFCLASS32, ELFDATA2LSB })) ||
               (h.machine == EM_AARCH64 && arch_equal(id, (struct arch_id){ EM_ARM, ELFCLASS32, h.data }));
}

static const char *arch_name(char *buf, size_t n, struct arch_id id) {
        const struct arch *a = arch_find(id);
        const char *order = id.data == host_arch().data ? ""
                            : id.data == ELFDATA2MSB    ? "big-endian "
                                                        : "little-endian ";
        if (a)
                snprintf(buf, n, "%s%s", order, a->name);
        else
                snprintf(buf, n, "%sELF machine %u (%u-bit)", order, id.machine,
                         id.class == ELFCLASS64 ? 64U : 32U);
        return buf;
}

/* ---- one ELF file ---------------------------------------------------------------------------- */

struct elf_info {
        struct arch_id id;
        uint16_t type;
        char *interp; /* PT_INTERP */
        char **needed; /* DT_NEEDED, in order */
        char *rpath; /* DT_RPATH; ld.so ignores it when there is a DT_RUNPATH, so do we */
        char *runpath;
        char *soname;
        bool nodeflib; /* DF_1_NODEFLIB: neither the cache nor the default directories */
};

static void elf_info_done(struct elf_info *i) {
        free(i->interp);
        strv_free(i->needed);
        free(i->rpath);
        free(i->runpath);
        free(i->soname);
        *i = (struct elf_info){ 0 };
}

static void elf_endp(Elf **e) {
        if (*e)
                elf_end(*e);
}

/* A piece of the file through libelf, or NULL unless [offset, offset + size) lies in the file:
 * libelf would otherwise allocate whatever size a hostile header claims. */
static Elf_Data *elf_chunk(Elf *e, uint64_t file_size, uint64_t offset, uint64_t size, Elf_Type type) {
        if (size == 0 || offset > file_size || size > file_size - offset)
                return NULL;
        return elf_getdata_rawchunk(e, (int64_t) offset, (size_t) size, type);
}

struct strtab {
        uint64_t offset, size; /* in the file, size clamped to the file */
        bool valid;
};

/* A NUL-terminated string of at most PATH_MAX bytes at INDEX of the string table. */
static int elf_string(Elf *e, uint64_t file_size, const struct strtab *s, uint64_t index, char **ret) {
        if (!s->valid || index >= s->size)
                return -EBADMSG;
        uint64_t n = MIN(s->size - index, (uint64_t) PATH_MAX);
        Elf_Data *d = elf_chunk(e, file_size, s->offset + index, n, ELF_T_BYTE);
        if (!d || !d->d_buf)
                return -EBADMSG;
        const char *z = memchr(d->d_buf, '\0', d->d_size);
        if (!z)
                return -EBADMSG;
        char *p = strndup(d->d_buf, (size_t) (z - (const char *) d->d_buf));
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

/* DT_STRTAB is an address: the PT_LOAD segment that maps it gives its place in the file. */
static int elf_strtab(Elf *e, uint64_t file_size, size_t phnum, uint64_t addr, uint64_t size,
                      struct strtab *ret) {
        for (size_t i = 0; i < phnum; i++) {
                GElf_Phdr ph;
                if (!gelf_getphdr(e, (int) i, &ph))
                        return -EBADMSG;
                if (ph.p_type != PT_LOAD || addr < ph.p_vaddr || addr - ph.p_vaddr >= ph.p_filesz)
                        continue;
                uint64_t delta = addr - ph.p_vaddr;
                if (ph.p_offset > file_size || delta > file_size - ph.p_offset)
                        return -EBADMSG;
                ret->offset = ph.p_offset + delta;
                ret->size = MIN(size, file_size - ret->offset);
                ret->valid = true;
                return 0;
        }
        return -EBADMSG;
}

/* DT_NEEDED, DT_RPATH, DT_RUNPATH or DT_SONAME; of the last three the first one counts. */
static int elf_dyn_string(Elf *e, uint64_t file_size, const struct strtab *s, const GElf_Dyn *dyn,
                          struct elf_info *info) {
        char *v = NULL, **slot = dyn->d_tag == DT_RPATH     ? &info->rpath
                                 : dyn->d_tag == DT_RUNPATH ? &info->runpath
                                                            : &info->soname;
        if (dyn->d_tag != DT_NEEDED)
                return *slot ? 0 : elf_string(e, file_size, s, dyn->d_un.d_val, slot);
        int r = elf_string(e, file_size, s, dyn->d_un.d_val, &v);
        if (r < 0)
                return r;
        if (isempty(v) || strv_length(info->needed) >= OBJECTS_MAX) {
                free(v);
                return -EBADMSG;
        }
        return strv_push(&info->needed, v);
}

/* The dynamic section as ld.so reads it: from PT_DYNAMIC, not from section headers. */
static int elf_dynamic(Elf *e, uint64_t file_size, size_t phnum, const GElf_Phdr *ph, struct elf_info *info) {
        size_t entsize = gelf_fsize(e, ELF_T_DYN, 1, EV_CURRENT);
        uint64_t size = MIN(ph->p_filesz, (uint64_t) DYNAMIC_SIZE_MAX);
        if (entsize == 0)
                return -EBADMSG;
        Elf_Data *d = elf_chunk(e, file_size, ph->p_offset, size - size % entsize, ELF_T_DYN);
        if (!d)
                return -EBADMSG;
        size_t n = d->d_size / entsize;
        uint64_t strtab_addr = 0, strtab_size = 0;
        bool have_strtab = false;
        GElf_Dyn dyn;
        for (size_t i = 0; i < n && gelf_getdyn(d, (int) i, &dyn) && dyn.d_tag != DT_NULL; i++) {
                if (dyn.d_tag == DT_STRTAB)
                        have_strtab = true, strtab_addr = dyn.d_un.d_ptr;
                else if (dyn.d_tag == DT_STRSZ)
                        strtab_size = dyn.d_un.d_val;
                else if (dyn.d_tag == DT_FLAGS_1)
                        info->nodeflib = dyn.d_un.d_val & DF_1_NODEFLIB;
        }
        struct strtab s = { 0 };
        if (have_strtab && elf_strtab(e, file_size, phnum, strtab_addr, strtab_size, &s) < 0)
                return -EBADMSG;
        for (size_t i = 0; i < n && gelf_getdyn(d, (int) i, &dyn) && dyn.d_tag != DT_NULL; i++) {
                if (dyn.d_tag != DT_NEEDED && dyn.d_tag != DT_RPATH && dyn.d_tag != DT_RUNPATH &&
                    dyn.d_tag != DT_SONAME)
                        continue;
                int r = elf_dyn_string(e, file_size, &s, &dyn, info);
                if (r < 0)
                        return r;
        }
        if (info->runpath)
                info->rpath = mfree(info->rpath);
        return 0;
}

/* PT_INTERP, which the kernel wants NUL-terminated within the segment; the first one counts. */
static int elf_interp(Elf *e, uint64_t file_size, const GElf_Phdr *ph, struct elf_info *info) {
        if (info->interp)
                return 0;
        if (ph->p_filesz > PATH_MAX)
                return -EBADMSG;
        Elf_Data *d = elf_chunk(e, file_size, ph->p_offset, ph->p_filesz, ELF_T_BYTE);
        if (!d || !d->d_buf || d->d_size == 0 || ((const char *) d->d_buf)[d->d_size - 1] != '\0')
                return -EBADMSG;
        info->interp = strdup(d->d_buf);
        return info->interp ? 0 : -ENOMEM;
}

/* Reads what the check needs from the ELF file open at FD. WANT is given for a library: when the
 * file is of another class, byte order or machine, only info->id and info->type are filled.
 * Returns 0, -ENOEXEC when it is not an ELF file, -EBADMSG when it is damaged, or -ENOMEM. */
static int elf_read(int fd, uint64_t file_size, const struct arch_id *want, struct elf_info *info) {
        _cleanup_(elf_endp) Elf *e = elf_begin(fd, ELF_C_READ, NULL);
        if (!e)
                return -EBADMSG;
        if (elf_kind(e) != ELF_K_ELF)
                return -ENOEXEC;
        GElf_Ehdr eh;
        if (!gelf_getehdr(e, &eh))
                return -EBADMSG;
        info->id = (struct arch_id){ eh.e_machine, eh.e_ident[EI_CLASS], eh.e_ident[EI_DATA] };
        info->type = eh.e_type;
        if (want && !arch_equal(info->id, *want))
                return 0;
        size_t phnum, phentsize = gelf_fsize(e, ELF_T_PHDR, 1, EV_CURRENT);
        if (elf_getphdrnum(e, &phnum) < 0 || phentsize == 0 || phnum > PHDRS_SIZE_MAX / phentsize ||
            eh.e_phoff > file_size || phnum * phentsize > file_size - eh.e_phoff)
                return -EBADMSG;
        bool dynamic = false;
        for (size_t i = 0; i < phnum; i++) {
                GElf_Phdr ph;
                int r = 0;
                if (!gelf_getphdr(e, (int) i, &ph))
                        return -EBADMSG;
                if (ph.p_type == PT_INTERP && !want) /* ld.so ignores a library's, and so do we */
                        r = elf_interp(e, file_size, &ph, info);
                else if (ph.p_type == PT_DYNAMIC && !dynamic) {
                        dynamic = true;
                        r = elf_dynamic(e, file_size, phnum, &ph, info);
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- the check's state, and its sentences ----------------------------------------------------- */

struct object {
        char *path; /* as ld.so names it, inside the tree: $ORIGIN is its directory */
        char **names; /* the names it was asked for, and its DT_SONAME */
        dev_t dev;
        ino_t ino;
        size_t loader; /* the object whose DT_NEEDED brought it in first; NO_OBJECT for the roots */
        struct elf_info info;
};

struct check {
        int root_fd;
        const char *label; /* "tree bullseye" */
        const char *program;
        char **via; /* the #! interpreters between the program and the ELF objects */
        struct arch_id id; /* of the ELF program: libraries of another class or machine are skipped */
        const struct arch *arch;
        struct arch_id other; /* a skipped candidate in the current look-up */
        char **conf_dirs;
        bool conf_loaded;
        struct object *objects; /* breadth first, as ld.so loads them */
        size_t n_objects;
        unsigned opens;
        char *error;
};

static void check_done(struct check *c) {
        for (size_t i = 0; i < c->n_objects; i++) {
                free(c->objects[i].path);
                strv_free(c->objects[i].names);
                elf_info_done(&c->objects[i].info);
        }
        free(c->objects);
        strv_free(c->via);
        strv_free(c->conf_dirs);
        free(c->error);
}

static int fail(struct check *c, int r, const char *format, ...) _printf_(3, 4);
static int fail(struct check *c, int r, const char *format, ...) {
        char *s = NULL;
        va_list ap;
        va_start(ap, format);
        int k = vasprintf(&s, format, ap);
        va_end(ap);
        if (k < 0)
                return -ENOMEM;
        free(c->error);
        c->error = s;
        return r;
}

static const char *object_name(const struct object *o) {
        return o->names && o->names[0] ? o->names[0] : o->path;
}

/* " (through a -> b)": the interpreters and libraries that led from the program to LOADER. */
static char *chain(const struct check *c, size_t loader) {
        size_t n = strv_length(c->via), depth = 0;
        for (size_t i = loader; i != NO_OBJECT && c->objects[i].loader != NO_OBJECT; i = c->objects[i].loader)
                depth++;
        if (n + depth == 0)
                return strdup("");
        _cleanup_free_ const char **v = calloc(n + depth + 1, sizeof(char *));
        if (!v)
                return NULL;
        for (size_t k = 0; k < n; k++)
                v[k] = c->via[k];
        for (size_t i = loader, k = n + depth; k > n; i = c->objects[i].loader)
                v[--k] = object_name(&c->objects[i]);
        _cleanup_free_ char *joined = strv_join((char *const *) v, " -> ");
        char *s = NULL;
        if (!joined || asprintf(&s, " (through %s)", joined) < 0)
                return NULL;
        return s;
}

/* "<program> needs <what><chain>, <tail>". */
static int fail_needs(struct check *c, int r, size_t loader, const char *what, const char *format, ...)
        _printf_(5, 6);
static int fail_needs(struct check *c, int r, size_t loader, const char *what, const char *format, ...) {
        char *s = NULL;
        va_list ap;
        va_start(ap, format);
        int k = vasprintf(&s, format, ap);
        va_end(ap);
        _cleanup_free_ char *tail = k < 0 ? NULL : s, *via = chain(c, loader);
        if (!tail || !via)
                return -ENOMEM;
        return fail(c, r, "%s needs %s%s, %s", c->program, what, via, tail);
}

/* "<program> <predicate>", or for a #! interpreter "<program> needs its interpreter <path>, which
 * <predicate>". */
static int fail_exec(struct check *c, int r, const char *path, unsigned depth, const char *format, ...)
        _printf_(5, 6);
static int fail_exec(struct check *c, int r, const char *path, unsigned depth, const char *format, ...) {
        char *s = NULL;
        va_list ap;
        va_start(ap, format);
        int k = vasprintf(&s, format, ap);
        va_end(ap);
        _cleanup_free_ char *predicate = k < 0 ? NULL : s, *what = NULL;
        if (!predicate)
                return -ENOMEM;
        if (depth == 0)
                return fail(c, r, "%s %s", path, predicate);
        if (asprintf(&what, "its interpreter %s", path) < 0)
                return -ENOMEM;
        return fail_needs(c, r, NO_OBJECT, what, "which %s", predicate);
}

/* ---- files inside the tree -------------------------------------------------------------------- */

static int open_in_tree(struct check *c, const char *path, uint64_t flags) {
        struct open_how how = { .flags = flags, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
        for (unsigned attempt = 0;; attempt++) {
                if (++c->opens > OPENS_MAX)
                        return fail(c, -E2BIG, "%s needs more than %u file look-ups in %s", c->program,
                                    OPENS_MAX, c->label);
                long fd = syscall(SYS_openat2, c->root_fd, path, &how, sizeof(how));
                if (fd >= 0)
                        return (int) fd;
                /* RESOLVE_IN_ROOT gives EAGAIN when a rename raced with the walk: walk again. */
                if (errno != EAGAIN || attempt >= 8)
                        return -errno;
        }
}

static bool is_missing(int r) {
        return r == -ENOENT || r == -ENOTDIR || r == -ELOOP || r == -ENAMETOOLONG;
}

/* Opens PATH inside the tree for reading when it is a regular file: OPEN_OK and *ret_fd,
 * OPEN_MISSING, OPEN_NOT_REGULAR, or -errno. An O_PATH descriptor is checked first and then
 * reopened, so a FIFO never blocks the open and a device node is never opened at all. */
static int open_file(struct check *c, const char *path, int *ret_fd, struct stat *ret_st) {
        _cleanup_close_ int fd = open_in_tree(c, path, O_PATH | O_CLOEXEC);
        if (fd < 0)
                return is_missing(fd) ? OPEN_MISSING : fd;
        if (fstat(fd, ret_st) < 0)
                return -errno;
        if (!S_ISREG(ret_st->st_mode))
                return OPEN_NOT_REGULAR;
        char proc[64];
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        int rfd = open(proc, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (rfd < 0)
                return -errno;
        *ret_fd = rfd;
        return OPEN_OK;
}

/* Reads up to MAX bytes of a regular file inside the tree: 0 and *ret, 1 when there is no such
 * regular file, or -errno. */
static int read_tree_file(struct check *c, const char *path, size_t max, char **ret) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        int r = open_file(c, path, &fd, &st);
        if (r != OPEN_OK)
                return r < 0 ? r : 1;
        _cleanup_free_ char *buf = malloc(max + 1);
        if (!buf)
                return -ENOMEM;
        size_t n = 0;
        for (ssize_t k = 1; n < max && k != 0; n += (size_t) MAX(k, 0)) {
                k = read(fd, buf + n, max - n);
                if (k < 0 && errno != EINTR)
                        return -errno;
        }
        buf[n] = '\0';
        *ret = TAKE_PTR(buf);
        return 0;
}

/* The program's real path inside the tree, for its $ORIGIN: ld.so takes that from /proc/self/exe,
 * with symlinks resolved. The path as given when the descriptors do not tell. */
static char *real_path(const struct check *c, int fd, const char *path) {
        char proc[64], root[PATH_MAX], self[PATH_MAX];
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", c->root_fd);
        ssize_t n = readlink(proc, root, sizeof(root) - 1);
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        ssize_t m = n < 0 ? -1 : readlink(proc, self, sizeof(self) - 1);
        if (n <= 0 || m <= 0)
                return strdup(path);
        root[n] = self[m] = '\0';
        if (streq(root, "/"))
                return strdup(self);
        if (strneq(self, root, (size_t) n) && self[n] == '/')
                return strdup(self + n);
        return strdup(path);
}

/* ---- the tree's /etc/ld.so.conf, in place of its ld.so.cache ---------------------------------- */

static int conf_parse(struct check *c, const char *path, unsigned depth);

static int cmp_strings(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The names in DIR inside the tree that match PATTERN, sorted as glob() sorts them (glob() itself
 * would read the host): 0 and *ret, 1 when there is no such directory, or -errno. */
static int list_dir(struct check *c, const char *dir, const char *pattern, char ***ret) {
        int fd = open_in_tree(c, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0)
                return is_missing(fd) ? 1 : fd;
        DIR *d = fdopendir(fd);
        if (!d) {
                safe_close(fd);
                return -errno;
        }
        _cleanup_strv_free_ char **l = NULL;
        struct dirent *de;
        int r = 0;
        for (unsigned n = 0; r >= 0 && n < DIR_ENTRIES_MAX && (de = readdir(d)); n++)
                if (fnmatch(pattern, de->d_name, FNM_PERIOD) == 0)
                        r = strv_extend(&l, de->d_name);
        closedir(d);
        if (r < 0)
                return r;
        if (l)
                qsort(l, strv_length(l), sizeof(char *), cmp_strings);
        *ret = TAKE_PTR(l);
        return 0;
}

/* "include PATTERN", relative to the including file's directory; wildcards in the last component. */
static int conf_include(struct check *c, const char *conf, const char *pattern, unsigned depth) {
        const char *slash = strrchr(conf, '/');
        char *s = NULL;
        if (pattern[0] == '/' ? !(s = strdup(pattern))
                              : asprintf(&s, "%.*s/%s", (int) (slash ? slash - conf : 0), conf, pattern) < 0)
                return -ENOMEM;
        _cleanup_free_ char *dir = s;
        _cleanup_strv_free_ char **names = NULL;
        char *last = strrchr(dir, '/');
        *last = '\0';
        int r = list_dir(c, isempty(dir) ? "/" : dir, last + 1, &names);
        STRV_FOREACH (n, names) {
                _cleanup_free_ char *path = path_join(isempty(dir) ? "/" : dir, *n);
                r = path ? conf_parse(c, path, depth + 1) : -ENOMEM;
                if (r < 0)
                        return r;
        }
        return MIN(r, 0);
}

static int conf_line(struct check *c, const char *conf, char *line, unsigned depth) {
        line[strcspn(line, "#")] = '\0';
        line += strspn(line, " \t\r");
        size_t n = strlen(line);
        while (n > 0 && isspace((unsigned char) line[n - 1]))
                line[--n] = '\0';
        if (strneq(line, "include", 7) && (line[7] == ' ' || line[7] == '\t')) {
                char *save = NULL;
                for (char *t = strtok_r(line + 8, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
                        int r = conf_include(c, conf, t, depth);
                        if (r < 0)
                                return r;
                }
                return 0;
        }
        line[strcspn(line, "=")] = '\0'; /* "dir=type", from libc5's days */
        for (n = strlen(line); n > 1 && line[n - 1] == '/';)
                line[--n] = '\0';
        /* "hwcap" lines and relative directories (which ldconfig ignores) do not start with '/'. */
        if (line[0] != '/' || strv_contains(c->conf_dirs, line) || strv_length(c->conf_dirs) >= CONF_DIRS_MAX)
                return 0;
        return strv_extend(&c->conf_dirs, line);
}

static int conf_parse(struct check *c, const char *path, unsigned depth) {
        _cleanup_free_ char *text = NULL;
        if (depth > CONF_DEPTH_MAX)
                return 0;
        int r = read_tree_file(c, path, CONF_SIZE_MAX, &text);
        if (r != 0)
                return MIN(r, 0);
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                r = conf_line(c, path, line, depth);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- looking a library up as ld.so does --------------------------------------------------------- */

/* The length of the dynamic string token NAME at S, braced or not, or 0. */
static size_t dst_length(const char *s, const char *name) {
        size_t n = strlen(name);
        if (strneq(s, name, n) && !isalnum((unsigned char) s[n]) && s[n] != '_')
                return n;
        if (s[0] == '{' && strneq(s + 1, name, n) && s[n + 1] == '}')
                return n + 2;
        return 0;
}

/* S with $ORIGIN (the directory of object OWNER), $LIB and $PLATFORM expanded. */
static char *expand(const struct check *c, size_t owner, const char *s) {
        const char *path = c->objects[owner].path, *slash = strrchr(path, '/');
        _cleanup_free_ char *origin =
                slash ? strndup(path, MAX((size_t) (slash - path), (size_t) 1)) : strdup(".");
        const char *const names[] = { "ORIGIN", "LIB", "PLATFORM" };
        const char *const values[] = { origin, c->id.class == ELFCLASS64 ? "lib64" : "lib",
                                       c->arch->platform };
        char *buf = NULL;
        size_t size = 0;
        FILE *f = origin ? open_memstream(&buf, &size) : NULL;
        if (!f)
                return NULL;
        while (*s) {
                size_t k = 0, n = 0;
                while (*s == '$' && k < ELEMENTSOF(names) && (n = dst_length(s + 1, names[k])) == 0)
                        k++;
                if (n > 0) {
                        fputs(values[k], f);
                        s += n + 1;
                } else
                        fputc(*s++, f);
        }
        if (fclose(f) != 0)
                return mfree(buf);
        return buf;
}

static int object_add(struct check *c, size_t loader, const char *path, const char *name,
                      const struct stat *st, struct elf_info *info) {
        for (size_t i = 0; i < c->n_objects; i++)
                if (c->objects[i].dev == st->st_dev && c->objects[i].ino == st->st_ino)
                        return name && strv_extend(&c->objects[i].names, name) < 0 ? -ENOMEM : 1;
        if (c->n_objects >= OBJECTS_MAX)
                return fail(c, -E2BIG, "%s needs more than %u libraries", c->program, OBJECTS_MAX);
        if (c->n_objects % 16 == 0) {
                struct object *o = reallocarray(c->objects, c->n_objects + 16, sizeof(struct object));
                if (!o)
                        return -ENOMEM;
                c->objects = o;
        }
        struct object *o = &c->objects[c->n_objects++];
        *o = (struct object){ .dev = st->st_dev, .ino = st->st_ino, .loader = loader, .info = *info };
        *info = (struct elf_info){ 0 };
        o->path = strdup(path);
        if (!o->path || (name && strv_extend(&o->names, name) < 0) ||
            (o->info.soname && strv_extend(&o->names, o->info.soname) < 0))
                return -ENOMEM;
        return 1;
}

static const char *describe(int r) {
        return r == OPEN_NOT_REGULAR ? "not a regular file"
               : r == -ENOEXEC       ? "not an ELF file"
                                     : "a damaged ELF file";
}

/* PATH as the library NAME that LOADER needs (WHAT, in sentences): 1 when it is the one (now or
 * already an object), 0 to look further (it is not there, or it is of another class or machine,
 * which ld.so skips too), or a failure. */
static int try_library(struct check *c, size_t loader, const char *path, const char *name, const char *what) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_(elf_info_done) struct elf_info info = { 0 };
        struct stat st;
        int r = open_file(c, path, &fd, &st);
        if (r == OPEN_MISSING)
                return 0;
        if (r == OPEN_OK)
                r = elf_read(fd, (uint64_t) st.st_size, &c->id, &info);
        if (r == OPEN_NOT_REGULAR || r == -ENOEXEC || r == -EBADMSG)
                return fail_needs(c, r == OPEN_NOT_REGULAR ? -EACCES : -ENOEXEC, loader, what,
                                  "but %s in %s is %s", path, c->label, describe(r));
        if (r < 0)
                return r;
        if (!arch_equal(info.id, c->id)) {
                if (c->other.class == ELFCLASSNONE)
                        c->other = info.id;
                return 0;
        }
        if (info.type != ET_DYN && info.type != ET_EXEC)
                return fail_needs(c, -ENOEXEC, loader, what, "but %s in %s is not a shared library", path,
                                  c->label);
        return object_add(c, loader, path, name, &st, &info);
}

static int try_dir(struct check *c, const char *dir, size_t loader, const char *name) {
        _cleanup_free_ char *path = path_join(dir, name);
        return path ? try_library(c, loader, path, name, name) : -ENOMEM;
}

/* A colon-separated DT_RPATH or DT_RUNPATH of object OWNER. */
static int search_list(struct check *c, size_t owner, const char *list, size_t loader, const char *name) {
        _cleanup_free_ char *copy = list ? strdup(list) : NULL;
        if (list && !copy)
                return -ENOMEM;
        int r = 0;
        char *p = copy;
        for (unsigned n = 0; r == 0 && p && n < LIST_ENTRIES_MAX; n++) {
                _cleanup_free_ char *dir = expand(c, owner, strsep(&p, ":"));
                r = dir ? try_dir(c, dir, loader, name) : -ENOMEM;
        }
        return r;
}

/* ld.so's order: the DT_RPATH of the loader and of its loaders (unless the loader has a DT_RUNPATH),
 * the loader's DT_RUNPATH, the cache (here: the directories ld.so.conf names), then the default
 * directories: /lib/TRIPLET, /usr/lib/TRIPLET, /LIBDIR, /usr/LIBDIR, /lib, /usr/lib. */
static int search(struct check *c, size_t loader, const char *name) {
        int r = 0;
        if (!c->objects[loader].info.runpath)
                for (size_t i = loader; r == 0 && i != NO_OBJECT; i = c->objects[i].loader)
                        r = search_list(c, i, c->objects[i].info.rpath, loader, name);
        if (r == 0)
                r = search_list(c, loader, c->objects[loader].info.runpath, loader, name);
        if (r != 0 || c->objects[loader].info.nodeflib)
                return r;
        if (!c->conf_loaded) {
                c->conf_loaded = true;
                r = conf_parse(c, "/etc/ld.so.conf", 0);
        }
        for (size_t i = 0; r == 0 && c->conf_dirs && c->conf_dirs[i]; i++)
                r = try_dir(c, c->conf_dirs[i], loader, name);
        for (size_t i = 0; r == 0 && i < 6; i++) {
                const char *usr = i % 2 ? "/usr" : "";
                char dir[128];
                if (i < 2)
                        snprintf(dir, sizeof(dir), "%s/lib/%s", usr, c->arch->triplet);
                else if (i < 4)
                        snprintf(dir, sizeof(dir), "%s/%s", usr, c->arch->libdir);
                else
                        snprintf(dir, sizeof(dir), "%s/lib", usr);
                r = try_dir(c, dir, loader, name);
        }
        return r;
}

/* The sentence for WHAT that no directory had, or had only for another class or machine. */
static int not_found(struct check *c, size_t loader, const char *what) {
        char a[64];
        if (c->other.class != ELFCLASSNONE)
                return fail_needs(c, -ENOEXEC, loader, what, "which %s has only for %s", c->label,
                                  arch_name(a, sizeof(a), c->other));
        return fail_needs(c, -ENOENT, loader, what, "which %s does not have", c->label);
}

static int need(struct check *c, size_t loader, const char *name) {
        int r;
        for (size_t i = 0; i < c->n_objects; i++)
                if (strv_contains(c->objects[i].names, name) || streq(c->objects[i].path, name))
                        return 0;
        c->other = (struct arch_id){ 0 };
        if (strchr(name, '/')) {
                _cleanup_free_ char *path = expand(c, loader, name);
                r = path ? try_library(c, loader, path, name, name) : -ENOMEM;
        } else
                r = search(c, loader, name);
        return r != 0 ? MIN(r, 0) : not_found(c, loader, name);
}

/* Breadth first, as ld.so loads them: which object asks first decides where a name is looked for. */
static int check_needed(struct check *c) {
        for (size_t i = 0; i < c->n_objects; i++)
                for (size_t k = 0; c->objects[i].info.needed && c->objects[i].info.needed[k]; k++) {
                        int r = need(c, i, c->objects[i].info.needed[k]);
                        if (r < 0)
                                return r;
                }
        return 0;
}

/* ---- the program, its #! interpreters and its ELF interpreter ------------------------------------ */

static int check_exec(struct check *c, const char *path, unsigned depth);

/* PT_INTERP, which the kernel opens inside the tree: an ELF file of the program's own kind. */
static int check_interp(struct check *c, const char *interp) {
        _cleanup_free_ char *what = NULL;
        if (asprintf(&what, "its interpreter %s", interp) < 0)
                return -ENOMEM;
        c->other = (struct arch_id){ 0 };
        int r = try_library(c, NO_OBJECT, interp, interp, what);
        return r != 0 ? MIN(r, 0) : not_found(c, NO_OBJECT, what);
}

/* An ELF program: a static one passes; a dynamic one needs its interpreter and its libraries. */
static int check_elf(struct check *c, int fd, const struct stat *st, const char *path, unsigned depth) {
        _cleanup_(elf_info_done) struct elf_info info = { 0 };
        char a[64], b[64];
        int r = elf_read(fd, (uint64_t) st->st_size, NULL, &info);
        if (r == -ENOEXEC)
                return fail_exec(c, r, path, depth, "is not an ELF program or a #! script");
        if (r == -EBADMSG)
                return fail_exec(c, -ENOEXEC, path, depth, "is %s", describe(r));
        if (r < 0)
                return r;
        if (!arch_runs_here(info.id))
                return fail_exec(c, -ENOEXEC, path, depth, "is built for %s, but this machine runs %s",
                                 arch_name(a, sizeof(a), info.id), arch_name(b, sizeof(b), host_arch()));
        if (info.type != ET_EXEC && info.type != ET_DYN)
                return fail_exec(c, -ENOEXEC, path, depth, "is not an executable program");
        if (!info.interp)
                return 0; /* static: the kernel maps it alone and nothing else is loaded */
        _cleanup_free_ char *interp = strdup(info.interp), *real = real_path(c, fd, path);
        if (!interp || !real || (depth > 0 && strv_extend(&c->via, path) < 0))
                return -ENOMEM;
        c->id = info.id;
        c->arch = arch_find(info.id) ?: info.id.class == ELFCLASS64 ? &unknown_arch64 : &unknown_arch32;
        r = object_add(c, NO_OBJECT, real, NULL, st, &info);
        if (r >= 0)
                r = check_interp(c, interp);
        return r < 0 ? r : check_needed(c);
}

/* "#!interpreter [argument]" as the kernel reads it (fs/binfmt_script.c): the interpreter ends at
 * the first blank or newline of the first 256 bytes. */
static int check_script(struct check *c, const char *path, const char *head, size_t n, unsigned depth) {
        const char *p = head + 2, *end = head + n, *q;
        while (p < end && (*p == ' ' || *p == '\t'))
                p++;
        for (q = p; q < end && !strchr(" \t\n", *q);)
                q++;
        if (q == p || (q == end && n == SCRIPT_HEAD))
                return fail_exec(c, -ENOEXEC, path, depth, "has no interpreter on its #! line");
        if (depth >= SCRIPT_DEPTH_MAX)
                return fail(c, -ELOOP, "%s has more than %u levels of #! interpreters", c->program,
                            SCRIPT_DEPTH_MAX);
        _cleanup_free_ char *interp = strndup(p, (size_t) (q - p));
        if (!interp || (depth > 0 && strv_extend(&c->via, path) < 0))
                return -ENOMEM;
        return check_exec(c, interp, depth + 1);
}

/* The program (DEPTH 0) or one of its #! interpreters. */
static int check_exec(struct check *c, const char *path, unsigned depth) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        char head[SCRIPT_HEAD];
        int r = open_file(c, path, &fd, &st);
        if (r == OPEN_MISSING && depth == 0)
                return fail(c, -ENOENT, "%s does not exist in %s", path, c->label);
        if (r == OPEN_MISSING)
                return fail_exec(c, -ENOENT, path, depth, "%s does not have", c->label);
        if (r == OPEN_NOT_REGULAR)
                return fail_exec(c, -EACCES, path, depth, "is not a regular file in %s", c->label);
        if (r < 0)
                return r;
        if ((st.st_mode & 0111) == 0)
                return fail_exec(c, -EACCES, path, depth, "is not executable");
        ssize_t n = pread(fd, head, sizeof(head), 0);
        if (n < 0)
                return -errno;
        if (n >= 2 && head[0] == '#' && head[1] == '!')
                return check_script(c, path, head, (size_t) n, depth);
        return check_elf(c, fd, &st, path, depth);
}

/* A program named without a '/' is the file the exec will run: the first of systemd's fixed
 * directories that has it in the tree (sandbox_find_program()). 0 and *RET the path to check (NULL
 * when PROGRAM is a path), or -ENOENT with a sentence. */
static int find_named(int root_fd, const char *tree_label, const char *program, char **ret,
                      char **ret_error) {
        *ret = NULL;
        if (strchr(program, '/'))
                return 0;
        int r = sandbox_find_program(root_fd, program, ret);
        if (r == -ENOENT && ret_error &&
            asprintf(ret_error, "%s is not in %s, which svc searches for a program named without a '/': %s",
                     program, tree_label, SVC_PROGRAM_DIRS_TEXT) < 0)
                *ret_error = NULL;
        return r;
}

int sandbox_check_program(int root_fd, const char *tree_label, const char *program, char **ret_error) {
        _cleanup_free_ char *found = NULL;
        int r = find_named(root_fd, tree_label, program, &found, ret_error);
        if (r < 0)
                return r;
        if (found)
                program = found;
        struct check c = { .root_fd = root_fd, .label = tree_label, .program = program };
        r = elf_version(EV_CURRENT) == EV_NONE ? -ENOSYS : check_exec(&c, program, 0);
        if (r < 0 && !c.error) {
                errno = -r;
                (void) fail(&c, r, "%s could not be checked in %s: %m", program, tree_label);
        }
        if (r < 0 && ret_error)
                *ret_error = TAKE_PTR(c.error);
        check_done(&c);
        return MIN(r, 0);
}

int sandbox_program_closure(int root_fd, const char *tree_label, const char *program, char ***ret_paths,
                            char **ret_error) {
        struct check c = { .root_fd = root_fd, .label = tree_label, .program = program };
        _cleanup_strv_free_ char **paths = NULL;
        int r = elf_version(EV_CURRENT) == EV_NONE ? -ENOSYS : check_exec(&c, program, 0);
        if (r >= 0)
                r = strv_extend(&paths, program);
        STRV_FOREACH (v, c.via)
                if (r >= 0 && !strv_contains(paths, *v))
                        r = strv_extend(&paths, *v);
        for (size_t i = 0; r >= 0 && i < c.n_objects; i++)
                if (!strv_contains(paths, c.objects[i].path))
                        r = strv_extend(&paths, c.objects[i].path);
        if (r < 0 && !c.error) {
                errno = -r;
                (void) fail(&c, r, "%s could not be checked in %s: %m", program, tree_label);
        }
        if (r < 0 && ret_error)
                *ret_error = TAKE_PTR(c.error);
        check_done(&c);
        if (r < 0)
                return r;
        *ret_paths = TAKE_PTR(paths);
        return 0;
}
