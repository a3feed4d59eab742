/* SPDX-License-Identifier: MIT */
#pragma once

/* svcd as PID 1: of the initial PID namespace (a real boot), of another one (a container), or
 * not PID 1 at all. Only a real boot touches the system's mounts, the hostname, lo and reboot(2).
 * main() decides which first, before anything is touched, and from then on PID 1 never returns
 * from main(): that would panic the kernel. */

#include <signal.h>

#include "supervisor/svcd/manager.h"

enum pid1_mode {
        PID1_NONE, /* under another init: a subreaper, no mounts, no reboot */
        PID1_CONTAINER, /* PID 1 of a PID namespace: shutdown ends in exit(status) */
        PID1_BOOT, /* PID 1 of the initial PID namespace */
        _PID1_MODE_MAX,
};

/* Which svcd is, looking without touching: getpid(), then the inode of the PID namespace (the
 * initial one is 0xEFFFFFFC) read through /proc or, when /proc is not mounted yet, through a
 * procfs instance that is attached nowhere. Remembered for pid1_mode(). */
enum pid1_mode pid1_detect(void);
enum pid1_mode pid1_mode(void);

/* Real boot: the console on fds 0-2, the initramfs root left for a bind of it (pivot_root(2)
 * refuses the initramfs), /proc, /sys, /dev, /dev/pts, /dev/shm, /run and cgroup2 mounted where
 * they are not yet, the hostname from /etc/hostname, lo up, ctrl-alt-del as SIGINT, crash
 * handlers, the kernel command line's svc.* options. Container: only checks. Returns 0, or <0
 * when svcd cannot go on (the caller calls pid1_fail()). */
int pid1_setup(void);

/* Adds the signals that shut PID 1 down to SET: SIGINT (ctrl-alt-del) reboots, SIGTERM, SIGPWR
 * and SIGUSR2 power off, SIGUSR1 halts. */
void pid1_add_shutdown_signals(sigset_t *set);
/* True when SIG is one of them, with what it asks for. */
bool pid1_shutdown_signal(int sig, enum shutdown_kind *ret_kind);

/* The manager is up and the enabled units are queued: on a real boot, runs the program named by
 * svc.run= on the kernel command line, on the console. */
void pid1_started(void);

/* Registered on the manager (manager_observe) by svcd.c: each state change of a service, on PID 1
 * a line on the console such as "[  OK  ] Started blog" or "[FAILED] Failed to start mail:
 * exited with status 1". */
extern const struct manager_observer pid1_observer;

/* Every service has stopped and the manager is freed. Not PID 1: returns STATUS. Container: kills
 * what is left of the namespace and exits with STATUS. Real boot: SIGTERM to every remaining
 * process, a grace period, SIGKILL, sync, unmounts or read-only remounts, then reboot(2) as KIND
 * asks; never returns. */
int pid1_finish(enum shutdown_kind kind, int status);

/* svcd cannot run. Not PID 1: returns 1. Container: exits 1. Real boot: an emergency shell on the
 * console if /bin/sh exists (the box reboots when it exits), else a message and a freeze; never
 * returns. */
int pid1_fail(void);
