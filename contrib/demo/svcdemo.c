/* SPDX-License-Identifier: MIT */
/* Prints the version of libsvcdemo.so.1 the dynamic loader found. "serve": answers an HTTP
 * request on stdin (inetd style) naming it. "notify TEXT": sends READY=1 and STATUS=TEXT to
 * $NOTIFY_SOCKET and waits until svcd has read them, as sd_notify_barrier(3) does. "send HOST
 * PORT FROM TO": delivers the message on stdin to the SMTP server HOST:PORT (RFC 5321: EHLO,
 * MAIL, RCPT, DATA with dot-stuffing, QUIT). */
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

const char *svcdemo_version(void);

/* Sends READY=1 and STATUS=TEXT, then waits as sd_notify_barrier(3) does until svcd has read
 * them: it closes the pipe end sent with BARRIER=1 after the messages before it. svcd accepts a
 * notification only from a live process of the service (the kernel's pidfd of a sender that has
 * ended says nothing on kernels 6.5 to 6.15), so a notifier must not exit before that. */
static int notify(const char *text) {
        const char *path = getenv("NOTIFY_SOCKET");
        if (!path || strlen(path) >= sizeof(((struct sockaddr_un *) 0)->sun_path))
                return 1;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        strcpy(sa.sun_path, path);
        char msg[512];
        snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s", text);
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || sendto(fd, msg, strlen(msg), 0, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return 1;
        int p[2];
        if (pipe(p) < 0)
                return 1;
        char barrier[] = "BARRIER=1";
        struct iovec iov = { barrier, strlen(barrier) };
        union {
                struct cmsghdr h;
                char b[CMSG_SPACE(sizeof(int))];
        } control = { 0 };
        struct msghdr mh = { .msg_name = &sa, .msg_namelen = sizeof(sa), .msg_iov = &iov, .msg_iovlen = 1,
                             .msg_control = &control, .msg_controllen = sizeof(control) };
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &p[1], sizeof(int));
        if (sendmsg(fd, &mh, 0) < 0)
                return 1;
        close(p[1]);
        struct pollfd pfd = { .fd = p[0], .events = 0 };
        return poll(&pfd, 1, 5000) != 1;
}

/* Reads a reply, continuation lines ("250-...") included; its code, or -1. */
static int smtp_reply(FILE *in) {
        char line[1024];
        do {
                if (!fgets(line, sizeof(line), in) || strlen(line) < 4)
                        return -1;
        } while (line[3] == '-');
        return atoi(line);
}

/* Sends a command line (none: only reads the greeting) and checks the reply's code. */
static int smtp(FILE *in, FILE *out, int want, const char *verb, const char *arg) {
        if (verb) {
                fprintf(out, "%s%s\r\n", verb, arg ? arg : "");
                fflush(out);
        }
        int code = smtp_reply(in);
        if (code != want)
                fprintf(stderr, "svcdemo send: the server answered %d to %s, not %d\n", code,
                        verb ? verb : "the connection", want);
        return code == want ? 0 : -1;
}

static int send_mail(const char *host, const char *port, const char *from, const char *to) {
        struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
        int e = getaddrinfo(host, port, &hints, &ai);
        if (e != 0) {
                fprintf(stderr, "svcdemo send: %s: %s\n", host, gai_strerror(e));
                return 1;
        }
        int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
                perror("svcdemo send: connect");
                freeaddrinfo(ai);
                return 1;
        }
        freeaddrinfo(ai);
        FILE *in = fdopen(fd, "r"), *out = fdopen(dup(fd), "w");
        if (!in || !out)
                return 1;
        char line[1024];
        int r = smtp(in, out, 220, NULL, NULL);
        char addr[300];
        if (r == 0)
                r = smtp(in, out, 250, "EHLO ", "svcdemo");
        snprintf(addr, sizeof(addr), "<%s>", from);
        if (r == 0)
                r = smtp(in, out, 250, "MAIL FROM:", addr);
        snprintf(addr, sizeof(addr), "<%s>", to);
        if (r == 0)
                r = smtp(in, out, 250, "RCPT TO:", addr);
        if (r == 0)
                r = smtp(in, out, 354, "DATA", NULL);
        while (r == 0 && fgets(line, sizeof(line), stdin)) {
                line[strcspn(line, "\r\n")] = '\0';
                fprintf(out, "%s%s\r\n", line[0] == '.' ? "." : "", line);
        }
        if (r == 0)
                r = smtp(in, out, 250, ".", NULL);
        if (r == 0)
                (void) smtp(in, out, 221, "QUIT", NULL);
        fclose(out);
        fclose(in);
        return r == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
        if (argc > 2 && strcmp(argv[1], "notify") == 0)
                return notify(argv[2]);
        if (argc > 5 && strcmp(argv[1], "send") == 0)
                return send_mail(argv[2], argv[3], argv[4], argv[5]);
        if (argc > 1 && strcmp(argv[1], "serve") == 0) {
                char line[1024];
                /* Read the request head, answer, close. */
                while (fgets(line, sizeof(line), stdin) && strcmp(line, "\r\n") != 0 &&
                       strcmp(line, "\n") != 0)
                        ;
                const char *v = svcdemo_version();
                printf("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n\r\n"
                       "libsvcdemo %s\n",
                       strlen(v) + strlen("libsvcdemo \n"), v);
                return 0;
        }
        printf("libsvcdemo %s\n", svcdemo_version());
        return 0;
}
