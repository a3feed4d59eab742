/* SPDX-License-Identifier: MIT */
#pragma once

/* The test hook of issue 17, shared by svc-tree and svc-ctl: with $SVC_TREE_TEST_CRASH=POINT the
 * program dies at POINT by SIGKILL (the integration tests: kill -9 of `svc tree upgrade`), or,
 * with $SVC_TREE_TEST_CRASH_BY=poweroff as well, the machine loses its power there (the qemu
 * box: what a power cut leaves on the disk). PROG names the program in the marker line. */
void svc_test_crash_point(const char *prog, const char *point);
