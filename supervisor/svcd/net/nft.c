/* SPDX-License-Identifier: MIT */
/* libnftables, loaded when the first service needs a rule: it pulls in libnftnl, libxtables,
 * libjansson and libgmp, which a svcd without published ports should not pay for at every start
 * (DESIGN.md: each command loads only the libraries it needs). A batch of commands is one
 * transaction: all of it applies, or none. */

#include <dlfcn.h>
#include <nftables/libnftables.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/svcd/net/nft.h"

static struct {
        void *lib;
        struct nft_ctx *(*ctx_new)(uint32_t flags);
        void (*ctx_free)(struct nft_ctx *ctx);
        int (*buffer_error)(struct nft_ctx *ctx);
        int (*buffer_output)(struct nft_ctx *ctx);
        const char *(*get_error)(struct nft_ctx *ctx);
        int (*run)(struct nft_ctx *ctx, const char *buf);
} nft;

static int load(char **ret_error) {
        if (nft.lib)
                return 0;
        void *lib = dlopen("libnftables.so.1", RTLD_NOW | RTLD_LOCAL);
        if (!lib) {
                const char *e = dlerror();
                if (asprintf(ret_error, "cannot load libnftables (apt-get install libnftables1): %s",
                             e ? e : "unknown error") < 0)
                        *ret_error = NULL;
                return -ENOENT;
        }
        static const char *const names[] = { "nft_ctx_new",
                                             "nft_ctx_free",
                                             "nft_ctx_buffer_error",
                                             "nft_ctx_buffer_output",
                                             "nft_ctx_get_error_buffer",
                                             "nft_run_cmd_from_buffer" };
        void *fn[ELEMENTSOF(names)];
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (!(fn[i] = dlsym(lib, names[i]))) {
                        if (asprintf(ret_error, "libnftables lacks %s", names[i]) < 0)
                                *ret_error = NULL;
                        dlclose(lib);
                        return -ENOENT;
                }
        /* POSIX: a function pointer may be converted from dlsym's void *. */
        memcpy(&nft.ctx_new, &fn[0], sizeof(fn[0]));
        memcpy(&nft.ctx_free, &fn[1], sizeof(fn[1]));
        memcpy(&nft.buffer_error, &fn[2], sizeof(fn[2]));
        memcpy(&nft.buffer_output, &fn[3], sizeof(fn[3]));
        memcpy(&nft.get_error, &fn[4], sizeof(fn[4]));
        memcpy(&nft.run, &fn[5], sizeof(fn[5]));
        nft.lib = lib;
        return 0;
}

int nft_apply(const char *commands, char **ret_error) {
        *ret_error = NULL;
        int r = load(ret_error);
        if (r < 0)
                return r;
        /* A context per batch: its cache would only grow between the rare changes. */
        struct nft_ctx *ctx = nft.ctx_new(NFT_CTX_DEFAULT);
        if (!ctx)
                return -ENOMEM;
        (void) nft.buffer_error(ctx);
        (void) nft.buffer_output(ctx);
        r = nft.run(ctx, commands) == 0 ? 0 : -EIO;
        if (r < 0) {
                const char *e = nft.get_error(ctx);
                *ret_error = strdup(e && *e ? e : "nftables refused the ruleset");
                /* nft's message ends in a newline and points into the batch with ^^^: one line. */
                for (char *p = *ret_error; p && *p; p++)
                        if (*p == '\n')
                                *p = ' ';
        }
        nft.ctx_free(ctx);
        return r;
}

void nft_unload(void) {
        if (nft.lib)
                dlclose(nft.lib);
        nft.lib = NULL;
}
