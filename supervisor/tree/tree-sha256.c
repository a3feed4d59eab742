/* SPDX-License-Identifier: MIT */
/* SHA-256 through libcrypto's EVP, to check that the blobs of an OCI image layout hash to their
 * digests, as image-layout.md requires: it tells a damaged or truncated archive from a good one.
 * It is no defence against a hostile archive (which can make its digests match); the writer is. */
#include <errno.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "common/macro.h"
#include "supervisor/tree/tree.h"

static void evp_md_ctx_freep(EVP_MD_CTX **c) {
        EVP_MD_CTX_free(*c);
}

/* Feeds the whole file at FD, from offset 0, to CTX. 0, -errno, or -EIO when libcrypto fails. */
static int digest_update_fd(EVP_MD_CTX *ctx, int fd) {
        uint8_t buf[64 * 1024];
        for (off_t off = 0;;) {
                ssize_t n = pread(fd, buf, sizeof(buf), off);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return 0;
                if (EVP_DigestUpdate(ctx, buf, (size_t) n) != 1)
                        return -EIO;
                off += n;
        }
}

int tree_sha256_fd(int fd, char ret[65]) {
        _cleanup_(evp_md_ctx_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        uint8_t md[EVP_MAX_MD_SIZE];
        unsigned len = 0;
        char hex[65];

        if (!ctx)
                return -ENOMEM;
        if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
                return -EIO;
        int r = digest_update_fd(ctx, fd);
        if (r < 0)
                return r;
        if (EVP_DigestFinal_ex(ctx, md, &len) != 1 || len != 32)
                return -EIO;
        for (unsigned i = 0; i < len; i++)
                snprintf(hex + 2 * i, 3, "%02x", md[i]);
        memcpy(ret, hex, sizeof(hex));
        return 0;
}
