/* SPDX-License-Identifier: MIT */
/* A pseudo-terminal for a command run in a sandbox (svc run -t, svc exec -t): the command gets
 * the slave as its controlling terminal, the caller's terminal goes raw and the bytes are
 * relayed. */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>

#include "common/macro.h"
#include "supervisor/cli/client.h"

static struct termios saved_tty;
static bool tty_raw;

void client_restore_tty(void) {
        if (tty_raw)
                (void) tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
        tty_raw = false;
}

/* -t: a pseudo-terminal for the command; returns the master, *ret_slave for the command. */
int client_open_pty(int *ret_slave) {
        int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0)
                return -errno;
        char *name = ptsname(master);
        int slave = name ? open(name, O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;
        if (slave < 0) {
                close(master);
                return -errno;
        }
        struct winsize ws;
        if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
                (void) ioctl(master, TIOCSWINSZ, &ws);
        if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_tty) == 0) {
                struct termios raw = saved_tty;
                cfmakeraw(&raw);
                tty_raw = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
        }
        *ret_slave = slave;
        return master;
}

void client_copy_some(int from, int to, bool *open_flag) {
        char buf[16384];
        ssize_t n = read(from, buf, sizeof(buf));
        if (n <= 0) {
                *open_flag = false;
                return;
        }
        for (ssize_t off = 0; off < n;) {
                ssize_t k = write(to, buf + off, (size_t) (n - off));
                if (k <= 0)
                        return;
                off += k;
        }
}
