/* SPDX-License-Identifier: MIT */
/* A shared library built twice with the same soname (libsvcdemo.so.1) and different versions,
 * so that two services on two trees show that each loads its own. */
#ifndef SVCDEMO_VERSION
#error "build with -DSVCDEMO_VERSION=..."
#endif

const char *svcdemo_version(void);

const char *svcdemo_version(void) {
        return SVCDEMO_VERSION;
}
