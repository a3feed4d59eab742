/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the control socket's request handling (supervisor/svcd/control.c): each
 * input is the byte stream one client sends on a control connection. Once per process the
 * target makes a manager as svcd does (manager_new, manager_load_all, control_server_new) on a
 * temporary root that holds a plain service, a template x@.unit, a timer and its service, and a
 * refused unit; nothing is started. Per input it connects to ROOT/run/svc/control from this
 * process, as root: a trusted peer with every right, the widest surface. It sends the input,
 * shuts its side for writing and runs the loop until svcd has closed the connection; the loop
 * never waits for a timer longer than 1 ms at a time.
 *
 * The first byte of the input chooses how the rest goes: bit 0 puts a valid SASL handshake
 * before it (AUTH EXTERNAL as uid 0, NEGOTIATE_UNIX_FD, BEGIN), so that it reaches the D-Bus
 * parser and the methods. The seeds, tests/fuzz/corpus-control, are what svc-ctl sent to a real
 * svcd (status, list, start, stop, exec, ...: tests/fuzz/capture-control.sh).
 *
 * No descriptor is passed: sd-bus (systemd 252 and later, bus_socket_make_message()) keeps the
 * descriptors, and the array holding them, that come with a message it cannot parse and drops.
 * control.c lets root alone pass descriptors for that reason (test-peers); from root it is a
 * known leak of libsystemd's that every input with a broken header would report here.
 *
 * Fenced: the server runs dry (control_server_set_dry_run): Start, Stop, Restart, Reload,
 * Enable, Disable, Exec, PowerOff, Reboot and Halt read and check their arguments and are then
 * refused, so no job is queued, no file written, nothing spawned and no shutdown begun.
 * ExecWait and ExecSignal reach only sessions that Exec made, and there are none; ReloadUnits
 * re-reads a directory the target never changes and could stop only running services. The
 * process gets mount and network namespaces of its own, a tmpfs over /sys/fs/cgroup (so svcd
 * makes no cgroup) and one on its root, whose empty directory in $TMPDIR is all that a crash
 * leaves (tests/fuzz/run.sh removes it).
 *
 * After each input: no connection is left open; the services are those of the start, in order
 * (a read-only call such as a Status of made-up instances of the template adds none: finding
 * 8), none has a job or a sandbox; the enabled directory is empty; no shutdown began; and as
 * many descriptors are open as before.
 *
 *   make fuzz FUZZ_SECONDS=600   (as root; or build/fuzz/fuzz-control -max_total_time=600 DIR
 *                                 tests/fuzz/corpus-control, DIR a copy that takes new inputs) */
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sanitizer/common_interface_defs.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/svcd/control.h"
#include "supervisor/svcd/manager.h"
#include "supervisor/svcd/record.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MODE_HANDSHAKE 1u
/* Waits that end well within milliseconds; past these svcd failed to answer or to close. */
#define DEADLINE_USEC (5 * USEC_PER_SEC)
#define STEP_USEC 1000

/* The leading NUL is the credentials byte of the D-Bus handshake. */
static const char handshake[] = "\0AUTH EXTERNAL 30\r\nNEGOTIATE_UNIX_FD\r\nBEGIN\r\n";

static const struct {
        const char *name, *text;
} units[] = {
        { "plain.unit", "[Unit]\nDescription=A plain service\n\n[Service]\nExecStart=/bin/sleep 1000\n"
                        "StateDirectory=plain\nPublishPort=8080:80\n" },
        { "x@.unit", "[Unit]\nDescription=Instance %i\n\n[Service]\nExecStart=/bin/echo %i\n" },
        { "tick.unit", "[Service]\nType=oneshot\nExecStart=/bin/true\n" },
        { "tick.timer", "[Timer]\nOnCalendar=daily\n" },
        { "bad.unit", "[Service]\nExecStart=/bin/true\nNoSuchKey=1\n" },
};

static struct {
        char root[PATH_MAX];
        sd_event *event;
        struct manager *m;
        char **names; /* the services once loaded */
        size_t n_fds;
        FILE *out; /* stderr as it was: the target's own messages */
} fz;

struct client {
        int fd;
        bool eof;
        char head[256]; /* the first bytes svcd sent: its handshake replies */
        size_t n_head;
        uint64_t deadline;
};

static _printf_(1, 2) _noreturn_ void die(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        FILE *f = fz.out ? fz.out : stderr;
        fputs("fuzz-control: ", f);
        vfprintf(f, fmt, ap);
        fputc('\n', f);
        va_end(ap);
        abort();
}

/* Nothing the manager does reaches the host's mounts, cgroups or network. */
static void isolate(void) {
        if (unshare(CLONE_NEWNS | CLONE_NEWNET) < 0)
                die("unshare: %m (run as root)");
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                die("making / private: %m");
        if (mount("none", "/sys/fs/cgroup", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64k") < 0)
                die("masking /sys/fs/cgroup: %m");
}

static void write_unit(const char *dir, const char *name, const char *text) {
        _cleanup_free_ char *p = path_join(dir, name);
        _cleanup_close_ int fd = p ? open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644) : -EBADF;
        size_t len = strlen(text);
        if (fd < 0 || write(fd, text, len) != (ssize_t) len)
                die("cannot write %s: %m", name);
}

static void make_root(void) {
        const char *tmp = getenv("TMPDIR");
        snprintf(fz.root, sizeof(fz.root), "%s/fuzz-control.XXXXXX", isempty(tmp) ? "/tmp" : tmp);
        if (!mkdtemp(fz.root))
                die("mkdtemp %s: %m", fz.root);
        if (mount("none", fz.root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700,size=16m") < 0)
                die("tmpfs on %s: %m", fz.root);
        _cleanup_free_ char *dir = path_join(fz.root, "etc/svc/units");
        if (!dir || mkdir_p(dir, 0755) < 0)
                die("cannot make the units directory");
        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                write_unit(dir, units[i].name, units[i].text);
}

static size_t count_entries(const char *path) {
        DIR *d = opendir(path);
        if (!d)
                die("opendir %s: %m", path);
        size_t n = 0;
        for (struct dirent *de; (de = readdir(d));)
                n += de->d_name[0] != '.';
        closedir(d);
        return n;
}

static void run_pending(void) {
        while (sd_event_run(fz.event, 0) > 0)
                ;
}

static void teardown(void) {
        if (fz.m)
                fz.m->control = control_server_free(fz.m->control);
        fz.m = manager_free(fz.m);
        fz.event = sd_event_unref(fz.event);
        fz.names = strv_free(fz.names);
        (void) umount2(fz.root, MNT_DETACH);
        (void) rmdir(fz.root);
}

/* svcd's manager and control server, as svcd.c makes them. manager_new() protects its process
 * from the OOM killer: the fuzzer's own value is put back. */
static void make_manager(void) {
        _cleanup_free_ char *oom = NULL;
        if (read_full_file("/proc/self/oom_score_adj", &oom, NULL) < 0)
                die("cannot read oom_score_adj");
        int r = sd_event_new(&fz.event);
        if (r >= 0)
                r = manager_new(fz.event, fz.root, &fz.m);
        (void) write_string_file("/proc/self/oom_score_adj", oom);
        if (r >= 0)
                r = manager_load_all(fz.m);
        if (r >= 0)
                r = control_server_new(fz.m, fz.m->control_path, fz.m->svc_gid, &fz.m->control);
        if (r < 0)
                die("cannot make the manager: %s", strerror(-r));
        control_server_set_dry_run(fz.m->control, true);
        run_pending();
        for (size_t i = 0; i < fz.m->n_services; i++)
                if (strv_extend(&fz.names, fz.m->services[i]->name) < 0)
                        die("out of memory");
        /* plain, x@ (a template, not a unit), tick, bad; the timer is no service. */
        struct service *plain = manager_find(fz.m, "plain"), *tick = manager_find(fz.m, "tick"),
                       *bad = manager_find(fz.m, "bad");
        if (strv_length(fz.names) != 3 || !plain || !plain->unit || !tick || !tick->unit || !bad || bad->unit)
                die("expected plain and tick loaded and bad refused");
}

/* ---- one client --------------------------------------------------------------------------- */

static void drain(struct client *cl) {
        char buf[65536];
        while (!cl->eof) {
                ssize_t n = recv(cl->fd, buf, sizeof(buf), MSG_DONTWAIT);
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        return;
                if (n <= 0) { /* EOF, or ECONNRESET: svcd closed it */
                        cl->eof = true;
                        return;
                }
                size_t k = MIN((size_t) n, sizeof(cl->head) - 1 - cl->n_head);
                memcpy(cl->head + cl->n_head, buf, k);
                cl->n_head += k;
                cl->head[cl->n_head] = '\0';
        }
}

/* One turn of svcd's loop (1 ms at most), then what it sent is read. */
static void pump(struct client *cl, const char *waiting_for) {
        if (now_usec(CLOCK_MONOTONIC) > cl->deadline)
                die("still waiting for %s after %llu s", waiting_for, DEADLINE_USEC / USEC_PER_SEC);
        if (sd_event_run(fz.event, STEP_USEC) < 0)
                die("the event loop failed");
        drain(cl);
}

static int client_connect(void) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", fz.m->control_path);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                die("cannot connect to %s: %m", sa.sun_path);
        return fd;
}

/* Everything of DATA, unless svcd closes the connection first. */
static void client_send(struct client *cl, const uint8_t *data, size_t size) {
        for (size_t off = 0; off < size && !cl->eof;) {
                ssize_t n = send(cl->fd, data + off, size - off, MSG_NOSIGNAL | MSG_DONTWAIT);
                if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
                        pump(cl, "svcd to read the input");
                        continue;
                }
                if (n < 0) /* EPIPE, ECONNRESET: svcd closed it */
                        return;
                off += (size_t) n;
        }
}

/* ---- the checks --------------------------------------------------------------------------- */

static void check_services(void) {
        struct manager *m = fz.m;
        for (size_t i = 0; i < m->n_services; i++) {
                struct service *s = m->services[i];
                if (!fz.names[i] || !streq(s->name, fz.names[i]))
                        die("service %s was added by the input (%zu services, %zu before)", s->name,
                            m->n_services, strv_length(fz.names));
                if (s->admin->job != JOB_NONE || s->has_sb || s->sm.state != SVC_INACTIVE)
                        die("%s has a job, a sandbox or left inactive", s->name);
        }
        if (m->n_services != strv_length(fz.names))
                die("%zu services after the input, %zu before", m->n_services, strv_length(fz.names));
}

static void list_fds(void) {
        DIR *d = opendir("/proc/self/fd");
        for (struct dirent *de; d && (de = readdir(d));) {
                char path[64], target[256];
                snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
                ssize_t n = readlink(path, target, sizeof(target) - 1);
                if (n > 0)
                        fprintf(fz.out, "  fd %s: %.*s\n", de->d_name, (int) n, target);
        }
        if (d)
                closedir(d);
}

/* A disk walk that a closed connection cancelled may still hold a descriptor for a moment. */
static void check_fds(struct client *cl) {
        for (size_t n; (n = count_entries("/proc/self/fd")) != fz.n_fds;) {
                if (now_usec(CLOCK_MONOTONIC) > cl->deadline) {
                        list_fds();
                        die("%zu descriptors open after the input, %zu before", n, fz.n_fds);
                }
                pump(cl, "the descriptors");
        }
}

static void check_invariants(struct client *cl) {
        if (control_server_connections(fz.m->control) != 0)
                die("a connection is left open");
        if (fz.m->shutting_down)
                die("the input began a shutdown");
        check_services();
        if (count_entries(fz.m->enabled_dir) != 0)
                die("the input enabled a unit");
        check_fds(cl);
}

/* One connection: DATA as MODE says, then the end of it; returns once svcd closed it. */
static void run_client(struct client *cl, unsigned mode, const uint8_t *data, size_t size) {
        *cl = (struct client){ .fd = client_connect(),
                               .deadline = now_usec(CLOCK_MONOTONIC) + DEADLINE_USEC };
        if (mode & MODE_HANDSHAKE)
                client_send(cl, (const uint8_t *) handshake, sizeof(handshake) - 1);
        client_send(cl, data, size);
        (void) shutdown(cl->fd, SHUT_WR);
        /* svcd closes the connection once it read the end of it and dropped what it held. */
        while (!cl->eof || control_server_connections(fz.m->control) > 0)
                pump(cl, "svcd to close the connection");
        cl->fd = safe_close(cl->fd);
        run_pending();
        if ((mode & MODE_HANDSHAKE) && strncmp(cl->head, "OK ", 3) != 0)
                die("svcd refused a valid handshake: %s", cl->head);
}

int LLVMFuzzerInitialize(int *argc _unused_, char ***argv _unused_) {
        signal(SIGPIPE, SIG_IGN);
        log_set_max_level(LOG_LEVEL_ERR);
        isolate();
        make_root();
        make_manager();
        atexit(teardown);
        /* sd-event makes the timerfd of a clock with its first timer, and keeps it: a first
         * connection makes the one of the idle timeout before the descriptors are counted. */
        struct client cl;
        run_client(&cl, 0, NULL, 0);
        /* libFuzzer names each new function it reaches through the sanitizers' symbolizer, a
         * process started at the first need and kept, with two pipes: started now too. */
        char name[128];
        __sanitizer_symbolize_pc(__builtin_return_address(0), "%p %F %L", name, sizeof(name));
        /* svcd's log lines (log.c writes to the stdio stream stderr) would be one or two per
         * input: they go to /dev/null from here on, unless SVC_FUZZ_VERBOSE=1. libFuzzer and the
         * sanitizers keep the real stderr, which they took at their start or write to fd 2. */
        fz.out = stderr;
        const char *verbose = getenv("SVC_FUZZ_VERBOSE");
        if (!verbose || !streq(verbose, "1")) {
                FILE *null = fopen("/dev/null", "we");
                if (!null)
                        die("cannot open /dev/null: %m");
                stderr = null;
        }
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size == 0)
                return 0;
        /* What libFuzzer opens for itself is open by the first input. */
        if (fz.n_fds == 0)
                fz.n_fds = count_entries("/proc/self/fd");
        struct client cl;
        run_client(&cl, data[0], data + 1, size - 1);
        check_invariants(&cl);
        return 0;
}
