/* SPDX-License-Identifier: MIT */
/* The library check, on fixture trees built at test time: the host's own programs with the
 * libraries they need (found here with libelf, not ldd), and tiny programs and libraries compiled
 * with cc for the DT_NEEDED, DT_RPATH and DT_RUNPATH cases. */
#include <fcntl.h>
#include <ftw.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "common/macro.h"
#include "common/util.h"
#include "sandbox/sandbox.h"

extern char **environ;

#define LABEL "tree test"

/* Where the host keeps its libraries, most specific first. */
static const char *const host_dirs[] = {
        "/lib/x86_64-linux-gnu",
        "/usr/lib/x86_64-linux-gnu",
        "/lib/aarch64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
        "/lib/i386-linux-gnu",
        "/usr/lib/i386-linux-gnu",
        "/lib64",
        "/usr/lib64",
        "/lib",
        "/usr/lib",
};

static char build_dir[] = "/tmp/test-elfcheck-build.XXXXXX"; /* compiled once for all tests */
static char libc_dir[PATH_MAX]; /* the host directory of libc.so.6, also the tree's */

struct fixture {
        char base[64]; /* holds tree/ and whatever must stay outside it */
        char tree[128];
        int root_fd;
        char *error;
};

/* ---- files --------------------------------------------------------------------------------- */

static int remove_cb(const char *path, const struct stat *st _unused_, int flag _unused_,
                     struct FTW *ftw _unused_) {
        return remove(path);
}

static void remove_all(const char *path) {
        assert_int_equal(nftw(path, remove_cb, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static void mkdir_parent(char *path) {
        char *slash = strrchr(path, '/');
        *slash = '\0';
        assert_int_equal(mkdir_p(path, 0755), 0);
        *slash = '/';
}

/* The host path of PATH in the tree, with its parent directories made. */
static char *in_tree(const struct fixture *f, const char *path) {
        char *p = path_join(f->tree, path);
        assert_non_null(p);
        mkdir_parent(p);
        return p;
}

static void copy_file(const char *from, const char *to, mode_t mode) {
        _cleanup_close_ int in = open(from, O_RDONLY | O_CLOEXEC);
        _cleanup_close_ int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        assert_true(in >= 0 && out >= 0);
        char buf[65536];
        ssize_t n;
        while ((n = read(in, buf, sizeof(buf))) > 0)
                assert_int_equal(write(out, buf, (size_t) n), n);
        assert_int_equal(n, 0);
}

static void put(const struct fixture *f, const char *from, const char *path, mode_t mode) {
        _cleanup_free_ char *to = in_tree(f, path);
        copy_file(from, to, mode);
}

static void put_text(const struct fixture *f, const char *path, const char *text, mode_t mode) {
        _cleanup_free_ char *to = in_tree(f, path);
        _cleanup_close_ int fd = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
}

static void put_symlink(const struct fixture *f, const char *target, const char *path) {
        _cleanup_free_ char *p = in_tree(f, path);
        assert_int_equal(symlink(target, p), 0);
}

static char *built(const char *name) {
        char *p = path_join(build_dir, name);
        assert_non_null(p);
        return p;
}

/* ---- the host's libraries, found with libelf ------------------------------------------------ */

/* DT_NEEDED (section view) and PT_INTERP of a host ELF file. */
static void host_needs(const char *path, char ***ret_needed, char **ret_interp) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        Elf *e = elf_begin(fd, ELF_C_READ, NULL);
        assert_non_null(e);
        size_t phnum = 0;
        assert_int_equal(elf_getphdrnum(e, &phnum), 0);
        for (size_t i = 0; i < phnum; i++) {
                GElf_Phdr ph;
                assert_non_null(gelf_getphdr(e, (int) i, &ph));
                Elf_Data *d = ph.p_type == PT_INTERP ? elf_getdata_rawchunk(e, (int64_t) ph.p_offset,
                                                                            ph.p_filesz, ELF_T_BYTE)
                                                     : NULL;
                if (d)
                        *ret_interp = strdup(d->d_buf);
        }
        for (Elf_Scn *scn = elf_nextscn(e, NULL); scn; scn = elf_nextscn(e, scn)) {
                GElf_Shdr sh;
                assert_non_null(gelf_getshdr(scn, &sh));
                Elf_Data *d = sh.sh_type == SHT_DYNAMIC ? elf_getdata(scn, NULL) : NULL;
                GElf_Dyn dyn;
                for (int i = 0; d && gelf_getdyn(d, i, &dyn) && dyn.d_tag != DT_NULL; i++)
                        if (dyn.d_tag == DT_NEEDED)
                                assert_int_equal(
                                        strv_extend(ret_needed, elf_strptr(e, sh.sh_link, dyn.d_un.d_val)),
                                        0);
        }
        elf_end(e);
}

/* The host directory that holds NAME, or NULL. */
static const char *host_find(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(host_dirs); i++) {
                _cleanup_free_ char *p = path_join(host_dirs[i], name);
                if (access(p, F_OK) == 0)
                        return host_dirs[i];
        }
        return NULL;
}

/* Copies the host file FROM to PATH in the tree and, recursively, every library it needs that the
 * host has, each to the same place in the tree, and its ELF interpreter. */
static void put_with_libs(const struct fixture *f, const char *from, const char *path) {
        _cleanup_strv_free_ char **needed = NULL;
        _cleanup_free_ char *interp = NULL, *there = path_join(f->tree, path);
        if (access(there, F_OK) == 0)
                return;
        put(f, from, path, 0755);
        host_needs(from, &needed, &interp);
        if (interp)
                put_with_libs(f, interp, interp);
        STRV_FOREACH (n, needed) {
                const char *dir = host_find(*n);
                _cleanup_free_ char *host = dir ? path_join(dir, *n) : NULL;
                if (host)
                        put_with_libs(f, host, host);
        }
}

/* ---- compiled fixtures -------------------------------------------------------------------- */

static void cc(const char *const *args) {
        const char *argv[32] = { "cc" };
        size_t n = 1;
        for (; args[n - 1]; n++)
                argv[n] = args[n - 1];
        argv[n] = NULL;
        pid_t pid;
        int status;
        assert_int_equal(posix_spawnp(&pid, "cc", NULL, NULL, (char *const *) argv, environ), 0);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void write_source(const char *name, const char *text) {
        _cleanup_free_ char *p = built(name);
        _cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
}

#define CC(...) cc((const char *const[]){ __VA_ARGS__, NULL })

static int group_setup(void **state _unused_) {
        assert_non_null(mkdtemp(build_dir));
        assert_int_equal(chdir(build_dir), 0);
        write_source("demo.c", "int demo(void) { return 42; }\n");
        write_source("main.c", "int demo(void);\nint main(void) { return demo() == 42 ? 0 : 1; }\n");
        write_source("empty.c", "int empty_symbol;\n");
        write_source("empty-main.c", "int main(void) { return 0; }\n");
        CC("-shared", "-fPIC", "-Wl,-soname,libdemo.so.1", "-o", "libdemo.so.1", "demo.c");
        CC("-o", "demo-runpath", "main.c", "libdemo.so.1", "-Wl,--enable-new-dtags,-rpath,$ORIGIN/../lib");
        CC("-o", "demo-rpath", "main.c", "libdemo.so.1", "-Wl,--disable-new-dtags,-rpath,/opt/demo/lib");
        CC("-o", "demo-plain", "main.c", "libdemo.so.1");
        CC("-shared", "-fPIC", "-Wl,-soname,libfoo.so.1", "-o", "libfoo.so.1", "empty.c");
        CC("-shared", "-fPIC", "-Wl,-soname,libbar.so.2", "-Wl,--no-as-needed", "-o", "libbar.so.2",
           "empty.c", "libfoo.so.1");
        CC("-o", "chain", "empty-main.c", "-Wl,--no-as-needed", "libbar.so.2", "-Wl,-rpath-link,.");
        /* A cycle: liba needs libb, which needs liba. */
        CC("-shared", "-fPIC", "-Wl,-soname,liba.so.1", "-o", "liba.so.1", "empty.c");
        CC("-shared", "-fPIC", "-Wl,-soname,libb.so.1", "-Wl,--no-as-needed", "-o", "libb.so.1", "empty.c",
           "liba.so.1");
        CC("-shared", "-fPIC", "-Wl,-soname,liba.so.1", "-Wl,--no-as-needed", "-o", "liba.so.1", "empty.c",
           "libb.so.1");
        CC("-o", "cycle", "empty-main.c", "-Wl,--no-as-needed", "liba.so.1", "-Wl,-rpath-link,.");
        CC("-static", "-o", "static", "empty-main.c");
        assert_int_equal(chdir("/"), 0);
        const char *dir = host_find("libc.so.6");
        assert_non_null(dir);
        snprintf(libc_dir, sizeof(libc_dir), "%s", dir);
        assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
        return 0;
}

static int group_teardown(void **state _unused_) {
        remove_all(build_dir);
        return 0;
}

static int setup(void **state) {
        struct fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        snprintf(f->base, sizeof(f->base), "/tmp/test-elfcheck.XXXXXX");
        assert_non_null(mkdtemp(f->base));
        snprintf(f->tree, sizeof(f->tree), "%s/tree", f->base);
        assert_int_equal(mkdir(f->tree, 0755), 0);
        f->root_fd = open(f->tree, O_PATH | O_DIRECTORY | O_CLOEXEC);
        assert_true(f->root_fd >= 0);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fixture *f = *state;
        safe_close(f->root_fd);
        remove_all(f->base);
        free(f->error);
        free(f);
        return 0;
}

static int check(struct fixture *f, const char *program) {
        f->error = mfree(f->error);
        int r = sandbox_check_program(f->root_fd, LABEL, program, &f->error);
        if (r < 0)
                assert_non_null(f->error);
        else
                assert_null(f->error);
        return r;
}

static const char *strnull(const char *s) {
        return s ? s : "(null)";
}

static void assert_passes(struct fixture *f, const char *program) {
        int r = check(f, program);
        if (r < 0)
                print_message("unexpected: %s\n", f->error);
        assert_int_equal(r, 0);
}

static void assert_refused(struct fixture *f, const char *program, int err, const char *sentence) {
        int r = check(f, program);
        if (r == 0 || !streq(f->error, sentence))
                print_message("expected: %s\n     got: %s\n", sentence, strnull(f->error));
        assert_int_equal(r, err);
        assert_string_equal(f->error, sentence);
}

/* The host's /bin/true, with what it needs, at /usr/bin/true. */
static void put_true(struct fixture *f) {
        put_with_libs(f, "/bin/true", "/usr/bin/true");
}

static char *lib_path(const char *name) {
        char *p = path_join(libc_dir, name);
        assert_non_null(p);
        return p;
}

/* ---- the tests ------------------------------------------------------------------------------ */

static void test_elfcheck__complete_tree_passes(void **state) {
        struct fixture *f = *state;
        put_true(f);
        put_with_libs(f, "/bin/ls", "/usr/bin/ls");
        assert_passes(f, "/usr/bin/true");
        assert_passes(f, "/usr/bin/ls");
}

static void test_elfcheck__missing_library_names_it_and_the_tree(void **state) {
        struct fixture *f = *state;
        put_with_libs(f, "/bin/ls", "/usr/bin/ls");
        _cleanup_free_ char *selinux = lib_path("libselinux.so.1"), *gone = in_tree(f, selinux);
        assert_int_equal(unlink(gone), 0);
        assert_refused(f, "/usr/bin/ls", -ENOENT,
                       "/usr/bin/ls needs libselinux.so.1, which tree test does not have");
}

static void test_elfcheck__missing_indirect_library_names_the_chain(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *chain = built("chain"), *bar = built("libbar.so.2"),
                            *in = lib_path("libbar.so.2");
        put_with_libs(f, chain, "/usr/bin/chain");
        put(f, bar, in, 0644);
        assert_refused(
                f, "/usr/bin/chain", -ENOENT,
                "/usr/bin/chain needs libfoo.so.1 (through libbar.so.2), which tree test does not have");
}

/* A FIFO where libc.so.6 should be: refused, and the check does not block on it (a forked child
 * under alarm(), so a hang fails the test instead of stopping it). */
static void test_elfcheck__fifo_library_is_refused_without_blocking(void **state) {
        struct fixture *f = *state;
        put_true(f);
        _cleanup_free_ char *libc = lib_path("libc.so.6"), *p = in_tree(f, libc), *want = NULL;
        assert_int_equal(unlink(p), 0);
        assert_int_equal(mkfifo(p, 0644), 0);
        assert_true(asprintf(&want,
                             "/usr/bin/true needs libc.so.6, but %s in tree test is not a regular file",
                             libc) > 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                alarm(10);
                char *error = NULL;
                int r = sandbox_check_program(f->root_fd, LABEL, "/usr/bin/true", &error);
                _exit(r == -EACCES && error && streq(error, want) ? 0 : 1);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_false(WIFSIGNALED(status));
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_elfcheck__directory_in_place_of_the_program(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *p = in_tree(f, "/usr/sbin/x");
        assert_int_equal(mkdir(p, 0755), 0);
        assert_refused(f, "/usr/sbin/x", -EACCES, "/usr/sbin/x is not a regular file in tree test");
}

static void test_elfcheck__missing_program(void **state) {
        struct fixture *f = *state;
        put_true(f);
        assert_refused(f, "/usr/sbin/x", -ENOENT, "/usr/sbin/x does not exist in tree test");
}

/* ExecStart=atd -f: a name is the first file of systemd's directories in the tree, as the exec in
 * the sandbox finds it; a name the tree lacks is refused with the directories searched. */
static void test_elfcheck__program_name_is_searched_in_the_tree(void **state) {
        struct fixture *f = *state;
        put_true(f);
        put_text(f, "/usr/local/sbin/run", "#!/usr/bin/true\n", 0755);
        put_text(f, "/usr/bin/run", "#! /usr/bin/python3\n", 0755);
        assert_passes(f, "run");
        assert_passes(f, "true");
        assert_refused(f, "atd", -ENOENT,
                       "atd is not in tree test, which svc searches for a program named without a '/': "
                       "/usr/local/sbin, /usr/local/bin, /usr/sbin, /usr/bin, /sbin and /bin");
}

static void test_elfcheck__program_without_exec_bits(void **state) {
        struct fixture *f = *state;
        put_true(f);
        _cleanup_free_ char *p = in_tree(f, "/usr/bin/true");
        assert_int_equal(chmod(p, 0644), 0);
        assert_refused(f, "/usr/bin/true", -EACCES, "/usr/bin/true is not executable");
}

static void test_elfcheck__text_file_is_not_a_program(void **state) {
        struct fixture *f = *state;
        put_text(f, "/usr/bin/notes", "just some text\n", 0755);
        assert_refused(f, "/usr/bin/notes", -ENOEXEC, "/usr/bin/notes is not an ELF program or a #! script");
}

static void test_elfcheck__missing_elf_interpreter(void **state) {
        struct fixture *f = *state;
        _cleanup_strv_free_ char **needed = NULL;
        _cleanup_free_ char *interp = NULL, *want = NULL;
        put_true(f);
        host_needs("/bin/true", &needed, &interp);
        assert_non_null(interp);
        _cleanup_free_ char *p = in_tree(f, interp);
        assert_int_equal(unlink(p), 0);
        assert_true(asprintf(&want, "/usr/bin/true needs its interpreter %s, which tree test does not have",
                             interp) > 0);
        assert_refused(f, "/usr/bin/true", -ENOENT, want);
}

/* libc.so.6 -> /opt/real/libc-copy.so: found in the tree, where the only copy is, never on the host. */
static void test_elfcheck__absolute_symlink_resolves_inside_the_tree(void **state) {
        struct fixture *f = *state;
        put_true(f);
        _cleanup_free_ char *libc = lib_path("libc.so.6"), *p = in_tree(f, libc);
        assert_int_equal(access("/opt/real/libc-copy.so", F_OK), -1);
        put(f, p, "/opt/real/libc-copy.so", 0644);
        assert_int_equal(unlink(p), 0);
        put_symlink(f, "/opt/real/libc-copy.so", libc);
        assert_passes(f, "/usr/bin/true");
}

/* libc.so.6 -> ../../../outside/libc.so.6, one ".." more than the tree is deep: on the host that is
 * a real libc next to the tree; inside the tree ".." stops at its root. */
static void test_elfcheck__dotdot_symlink_stays_inside_the_tree(void **state) {
        struct fixture *f = *state;
        put_true(f);
        _cleanup_free_ char *libc = lib_path("libc.so.6"), *p = in_tree(f, libc), *outside = NULL,
                            *target = NULL;
        assert_true(asprintf(&outside, "%s/outside/libc.so.6", f->base) > 0);
        mkdir_parent(outside);
        copy_file(p, outside, 0644);
        assert_int_equal(unlink(p), 0);
        size_t depth = 0;
        for (const char *s = libc_dir; *s; s++)
                depth += *s == '/';
        char up[256] = "";
        for (size_t i = 0; i <= depth; i++)
                strcat(up, "../");
        assert_true(asprintf(&target, "%soutside/libc.so.6", up) > 0);
        put_symlink(f, target, libc);
        assert_refused(f, "/usr/bin/true", -ENOENT,
                       "/usr/bin/true needs libc.so.6, which tree test does not have");
        put(f, outside, "/outside/libc.so.6", 0644);
        assert_passes(f, "/usr/bin/true");
}

/* DT_RUNPATH $ORIGIN/../lib: the program at /opt/demo/bin, its library at /opt/demo/lib only. */
static void test_elfcheck__runpath_origin(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *prog = built("demo-runpath"), *lib = built("libdemo.so.1");
        put_with_libs(f, prog, "/opt/demo/bin/demo");
        put(f, lib, "/opt/demo/lib/libdemo.so.1", 0644);
        assert_passes(f, "/opt/demo/bin/demo");
}

/* $ORIGIN of a program reached through a symlink is where the program really is, as ld.so reads
 * it from /proc/self/exe. */
static void test_elfcheck__runpath_origin_through_a_symlinked_program(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *prog = built("demo-runpath"), *lib = built("libdemo.so.1");
        put_with_libs(f, prog, "/opt/demo/bin/demo");
        put(f, lib, "/opt/demo/lib/libdemo.so.1", 0644);
        put_symlink(f, "/opt/demo/bin/demo", "/usr/local/bin/demo");
        assert_passes(f, "/usr/local/bin/demo");
}

static void test_elfcheck__rpath(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *prog = built("demo-rpath"), *lib = built("libdemo.so.1");
        put_with_libs(f, prog, "/usr/bin/demo");
        assert_refused(f, "/usr/bin/demo", -ENOENT,
                       "/usr/bin/demo needs libdemo.so.1, which tree test does not have");
        put(f, lib, "/opt/demo/lib/libdemo.so.1", 0644);
        assert_passes(f, "/usr/bin/demo");
}

/* /etc/ld.so.conf includes ld.so.conf.d/ (relative to /etc), whose file names /opt/conf/lib. */
static void test_elfcheck__ld_so_conf_d_directories(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *prog = built("demo-plain"), *lib = built("libdemo.so.1");
        put_with_libs(f, prog, "/usr/bin/demo");
        put(f, lib, "/opt/conf/lib/libdemo.so.1", 0644);
        put_text(f, "/etc/ld.so.conf", "# comment\ninclude ld.so.conf.d/*.conf\n", 0644);
        put_text(f, "/etc/ld.so.conf.d/.hidden.conf", "/opt/hidden\n", 0644);
        assert_refused(f, "/usr/bin/demo", -ENOENT,
                       "/usr/bin/demo needs libdemo.so.1, which tree test does not have");
        put_text(f, "/etc/ld.so.conf.d/demo.conf", "  /opt/conf/lib/  # trailing comment\n", 0644);
        assert_passes(f, "/usr/bin/demo");
}

static void test_elfcheck__wrong_architecture(void **state) {
        struct fixture *f = *state;
        put_true(f);
        _cleanup_free_ char *p = in_tree(f, "/usr/bin/true");
        _cleanup_close_ int fd = open(p, O_RDWR | O_CLOEXEC);
        assert_true(fd >= 0);
#if defined(__aarch64__)
        const uint16_t machine = EM_X86_64;
        const char *want = "/usr/bin/true is built for x86-64, but this machine runs AArch64";
#else
        const uint16_t machine = EM_AARCH64;
        const char *want = "/usr/bin/true is built for AArch64, but this machine runs x86-64";
#endif
        assert_int_equal(pwrite(fd, &machine, sizeof(machine), offsetof(Elf64_Ehdr, e_machine)),
                         sizeof(machine));
#if defined(__x86_64__) || defined(__aarch64__)
        assert_refused(f, "/usr/bin/true", -ENOEXEC, want);
#else
        assert_int_equal(check(f, "/usr/bin/true"), -ENOEXEC);
        assert_non_null(strstr(f->error, "is built for"));
#endif
}

/* A 32-bit libc.so.6 in the first directory searched is skipped, as ld.so skips it; the right one
 * further down the list is found. */
static void test_elfcheck__library_of_the_wrong_class_is_skipped(void **state) {
        struct fixture *f = *state;
        put_true(f);
        _cleanup_free_ char *libc = lib_path("libc.so.6"), *p = in_tree(f, libc);
        _cleanup_close_ int fd = open(p, O_RDWR | O_CLOEXEC);
        assert_true(fd >= 0);
        const uint8_t class32 = ELFCLASS32;
        assert_int_equal(pwrite(fd, &class32, 1, EI_CLASS), 1);
        assert_int_equal(check(f, "/usr/bin/true"), -ENOEXEC);
        assert_non_null(strstr(f->error, "/usr/bin/true needs libc.so.6, which tree test has only for "));
        put(f, libc, "/usr/lib/libc.so.6", 0644); /* the host's, to the last default directory */
        assert_passes(f, "/usr/bin/true");
}

static void test_elfcheck__script_with_its_interpreter(void **state) {
        struct fixture *f = *state;
        put_true(f);
        put_text(f, "/srv/run.sh", "#!/usr/bin/true -x\necho hello\n", 0755);
        assert_passes(f, "/srv/run.sh");
}

static void test_elfcheck__script_without_its_interpreter(void **state) {
        struct fixture *f = *state;
        put_true(f);
        put_text(f, "/srv/run.sh", "#! /usr/bin/python3\nprint('hello')\n", 0755);
        assert_refused(f, "/srv/run.sh", -ENOENT,
                       "/srv/run.sh needs its interpreter /usr/bin/python3, which tree test does not have");
}

/* The interpreter's own libraries are the program's too, and the sentence says through what. */
static void test_elfcheck__script_interpreter_missing_a_library(void **state) {
        struct fixture *f = *state;
        put_with_libs(f, "/bin/ls", "/usr/bin/ls");
        _cleanup_free_ char *selinux = lib_path("libselinux.so.1"), *gone = in_tree(f, selinux);
        assert_int_equal(unlink(gone), 0);
        put_text(f, "/srv/run.sh", "#!/usr/bin/ls\n", 0755);
        assert_refused(
                f, "/srv/run.sh", -ENOENT,
                "/srv/run.sh needs libselinux.so.1 (through /usr/bin/ls), which tree test does not have");
}

/* Four #! levels pass (s0 to s3, then /usr/bin/true); a fifth is cut, as is a script that names
 * itself. */
static void test_elfcheck__script_levels_are_capped(void **state) {
        struct fixture *f = *state;
        put_true(f);
        put_text(f, "/srv/s3", "#!/usr/bin/true\n", 0755);
        put_text(f, "/srv/s2", "#!/srv/s3\n", 0755);
        put_text(f, "/srv/s1", "#!/srv/s2\n", 0755);
        put_text(f, "/srv/s0", "#!/srv/s1\n", 0755);
        assert_passes(f, "/srv/s0");
        put_text(f, "/srv/s", "#!/srv/s0\n", 0755);
        assert_refused(f, "/srv/s", -ELOOP, "/srv/s has more than 4 levels of #! interpreters");
        put_text(f, "/srv/loop.sh", "#!/srv/loop.sh\n", 0755);
        assert_refused(f, "/srv/loop.sh", -ELOOP, "/srv/loop.sh has more than 4 levels of #! interpreters");
}

static void test_elfcheck__static_program_passes(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *prog = built("static");
        put(f, prog, "/usr/bin/static", 0755);
        assert_passes(f, "/usr/bin/static");
}

/* liba.so.1 needs libb.so.1, which needs liba.so.1: the check ends, and passes. */
static void test_elfcheck__dependency_cycle_terminates(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *prog = built("cycle"), *a = built("liba.so.1"), *b = built("libb.so.1");
        _cleanup_free_ char *in_a = lib_path("liba.so.1"), *in_b = lib_path("libb.so.1");
        put_with_libs(f, prog, "/usr/bin/cycle");
        put(f, a, in_a, 0644);
        put(f, b, in_b, 0644);
        assert_passes(f, "/usr/bin/cycle");
}

int main(void) {
        const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(test_elfcheck__##name, setup, teardown)
                T(complete_tree_passes),
                T(missing_library_names_it_and_the_tree),
                T(missing_indirect_library_names_the_chain),
                T(fifo_library_is_refused_without_blocking),
                T(directory_in_place_of_the_program),
                T(missing_program),
                T(program_name_is_searched_in_the_tree),
                T(program_without_exec_bits),
                T(text_file_is_not_a_program),
                T(missing_elf_interpreter),
                T(absolute_symlink_resolves_inside_the_tree),
                T(dotdot_symlink_stays_inside_the_tree),
                T(runpath_origin),
                T(runpath_origin_through_a_symlinked_program),
                T(rpath),
                T(ld_so_conf_d_directories),
                T(wrong_architecture),
                T(library_of_the_wrong_class_is_skipped),
                T(script_with_its_interpreter),
                T(script_without_its_interpreter),
                T(script_interpreter_missing_a_library),
                T(script_levels_are_capped),
                T(static_program_passes),
                T(dependency_cycle_terminates),
#undef T
        };
        return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
