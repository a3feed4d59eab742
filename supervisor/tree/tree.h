/* SPDX-License-Identifier: MIT */
#pragma once

/* svc-tree, the tool behind `svc tree`: private library trees. It is the one svc program that
 * links libarchive, libcrypto and json-c, so that no other command loads them. Private to supervisor/tree-*.c.
 *
 * Under ROOT/var/lib/svc/trees (README "Trees"):
 *   NAME                 a symlink ".NAME/G": the current generation, what RootDirectory=NAME opens
 *   .NAME/G/             generation G, a whole root tree, never changed once NAME pointed at it
 *   .NAME/G.new/         a generation being made (NAME never points at it)
 *   .NAME/manifest.json  where the tree comes from and its history
 * A plain directory NAME (contrib/mktree.sh, or made by hand) is a tree too, without generations.
 * Who holds the flock of .NAME works on the tree; the flock of the trees directory itself is held
 * only for the short steps that add or remove a name. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "common/macro.h"

struct json_object;

#define TREE_NAME_MAX 64
#define TREE_DEPTH_MAX 256U /* directories an archive entry may be nested in */

struct tree_ctx {
        const char *root; /* --root */
        char *trees_dir; /* ROOT/var/lib/svc/trees */
        char *units_dir; /* ROOT/etc/svc/units */
        int trees_fd; /* O_RDONLY|O_DIRECTORY of trees_dir */
        bool tty; /* stdout is a terminal: tools show their progress */
};

/* ---- tree-main.c -------------------------------------------------------------------------- */

/* "svc tree: " and the sentence, on stderr. */
void tree_error(const char *format, ...) _printf_(1, 2);
/* Letters, digits, '_', '.', '-', at most TREE_NAME_MAX bytes, no leading '.'. */
bool tree_name_is_valid(const char *name);
/* Prints "svc tree: NAME is not a tree name ..." and returns false unless it is one. */
bool tree_name_check(const char *name);

/* ---- tree-gen.c: generations -------------------------------------------------------------- */

/* A tree being made (create, import, slim): generation 1 in .NAME/1.new, .NAME locked. */
struct tree_new {
        struct tree_ctx *ctx;
        char *name;
        int dir_fd; /* .NAME, locked */
        int fd; /* the generation being made */
        char *path; /* its host path */
        unsigned gen, prev; /* PREV > 0: generation GEN of the existing tree NAME, made over PREV */
        bool committed;
};

/* Refuses a NAME that exists, removes what an interrupted run left, makes .NAME/1.new. Prints
 * the reason on failure. 0 or -errno. */
int tree_new_begin(struct tree_ctx *ctx, const char *name, struct tree_new *ret);
/* The next generation of the existing tree NAME (import onto its name): .NAME locked, its
 * current generation in ->prev, G.new made for ->gen. Prints the reason on failure. */
int tree_new_next_begin(struct tree_ctx *ctx, const char *name, struct tree_new *ret);
/* Renames 1.new to 1, writes MANIFEST (origin fields; the history is added here) and points NAME
 * at it. 0 or -errno (printed). */
int tree_new_commit(struct tree_new *t, struct json_object *manifest, const char *how);
/* Closes; removes .NAME (for a next generation, G.new) unless committed. A next generation is
 * committed as the switch of NAME to it, MANIFEST keeping the tree's history. */
void tree_new_done(struct tree_new *t);

/* The current generation of NAME: 0 and *ret_gen; -ENOENT when there is no tree NAME,
 * -EMEDIUMTYPE when NAME is a plain directory (or a symlink of someone else's). */
int tree_current(const struct tree_ctx *ctx, const char *name, unsigned *ret_gen);
/* Opens and locks .NAME of a tree with generations, and reads its current generation. Prints
 * the reason on failure. */
int tree_open_locked(const struct tree_ctx *ctx, const char *name, int *ret_dir_fd, unsigned *ret_gen);
/* The generations kept in .NAME (all-digit directories), ascending. */
int tree_generations(int dir_fd, unsigned **ret, size_t *ret_n);
/* The file system of FD (where a generation is made) on the disk, before the generation is renamed:
 * 0 or -errno. */
int tree_sync(int fd);
/* Points NAME at generation GEN atomically (a new symlink renamed over the old one). */
int tree_switch(const struct tree_ctx *ctx, const char *name, unsigned gen);
/* Copies generation FROM into TO.new with cp -a (reflinks where the file system has them). On
 * failure TO.new is removed; -ENOSPC (unprinted) when the file system ran out of space or quota. */
int tree_copy_generation(const struct tree_ctx *ctx, int dir_fd, const char *name, unsigned from,
                         unsigned to);

int tree_manifest_read(int dir_fd, struct json_object **ret);
int tree_manifest_write(int dir_fd, struct json_object *m);
/* Records generation GEN (HOW, FROM or 0) in M's history, and makes it current. */
int tree_manifest_add_generation(struct json_object *m, unsigned gen, const char *how, unsigned from);
/* Drops generation GEN from the manifest's history (it was removed). */
int tree_forget_generation(int dir_fd, unsigned gen);
/* "2026-05-20T10:00:00Z", now. */
char *tree_now(void);
/* Bytes on disk under NAME at DIR_FD, as du counts them: blocks, hardlinks once. */
int tree_disk_usage(int dir_fd, const char *name, uint64_t *ret);
/* The host path of generation GEN of NAME, allocated. */
char *tree_gen_path(const struct tree_ctx *ctx, const char *name, unsigned gen);

/* ---- tree-run.c: other programs ------------------------------------------------------------ */

struct tree_run_opts {
        char *const *argv; /* argv[0] looked up in PATH, or inside the tree with CHROOT */
        char *const *env; /* "K=V" added to the environment */
        const char *chroot; /* run inside this tree: private mount namespace, /proc, /dev, resolv.conf */
        bool read_only; /* with CHROOT: the tree read-only, apt's lists and caches and /tmp in memory */
        bool show; /* on a terminal, pass the output through instead of keeping it */
        /* tree_run_checked(): a failure whose output says the disk is full (run it with LC_ALL=C)
         * is -ENOSPC, not printed: the caller says it in its own words. */
        bool enospc;
};

/* Runs a program and waits: its exit status (128+N for signal N), or -errno. Its output is kept
 * (*ret_output, when given) unless shown. */
int tree_run(const struct tree_ctx *ctx, const struct tree_run_opts *o, char **ret_output);
/* tree_run() that prints "WHAT failed" and the last lines of the output unless it exits 0: then
 * -EIO, or -ENOSPC (unprinted) with o->enospc. */
int tree_run_checked(const struct tree_ctx *ctx, const struct tree_run_opts *o, const char *what);
/* A helper program of svc (svc-ctl) next to this one, in ../libexec/svc, or in LIBEXECDIR. */
char *tree_find_helper(const char *name);

/* ---- tree-units.c: who uses a tree ----------------------------------------------------------- */

struct tree_running {
        char *unit;
        char *tree_path; /* the realpath of the generation it runs on */
};

/* Unit files and running services, read once. */
struct tree_world {
        char **unit_names, **unit_trees; /* unit files naming a tree (RootDirectory=NAME) */
        struct tree_running *running;
        size_t n_running;
        bool svcd; /* svcd answered */
        char *real_trees; /* realpath of the trees directory */
};

struct tree_user {
        const char *unit;
        bool in_file; /* its unit file names the tree */
        bool running;
        unsigned gen; /* the generation it runs on; 0 for a plain directory or unknown */
};

int tree_world_load(const struct tree_ctx *ctx, struct tree_world *ret);
void tree_world_done(struct tree_world *w);
/* The units using tree NAME (pointers into W). */
int tree_users(const struct tree_world *w, const char *name, struct tree_user **ret, size_t *ret_n);
/* svc-ctl restart UNITS...: its exit status. */
int tree_restart_units(const struct tree_ctx *ctx, char *const *units);
/* Tree NAME (open and locked at DIR_FD) switched from generation KEEP to GEN. */
struct tree_switched {
        const char *name;
        int dir_fd;
        unsigned gen, keep;
        bool no_restart; /* only say which units still run on an older generation */
        bool gated; /* move them through svcd's gate (tree-gate.c), not a plain restart */
        uint64_t min_healthy_usec; /* the gate's window; 0: svcd's default per unit */
        struct json_object *log; /* the history entry, told what became of each unit (may be NULL) */
};

/* After the switch: restarts (or moves) the units running on another generation, pinned units
 * excepted, and removes the generations nobody needs: all but GEN, KEEP, those still running and
 * those a unit is pinned to. 0, 1 when a gated unit did not move, or -errno. */
int tree_after_switch(const struct tree_ctx *ctx, const struct tree_switched *sw);
/* Removes the generations of NAME but GEN and KEEP that no unit runs on or is pinned to. */
int tree_remove_unused(const struct tree_ctx *ctx, const char *name, int dir_fd, unsigned gen, unsigned keep);

/* ---- tree-list.c ------------------------------------------------------------------------------ */

/* The names in the trees directory (trees and plain directories), sorted. */
int tree_names(const struct tree_ctx *ctx, char ***ret);

/* ---- tree-outdated.c ---------------------------------------------------------------------------- */

/* Whether NAME is a Debian tree svc made (with generations), and its current generation. */
bool tree_is_debian(struct tree_ctx *ctx, const char *name, unsigned *ret_gen);
/* The security updates pending for generation GEN of NAME (its apt run read-only): 0 and *RET,
 * or -errno (printed). */
int tree_security_pending(struct tree_ctx *ctx, const char *name, unsigned gen, unsigned *ret);

/* ---- tree-gate.c: health-gated moves, pins, the history ---------------------------------------- */

struct tree_pinned {
        char unit[256];
        unsigned gen;
};

/* ROOT/var/lib/svc/pins, allocated. */
char *tree_pins_dir(const struct tree_ctx *ctx);
/* The units pinned to a generation of tree NAME (common/pin.h). */
int tree_pins(const struct tree_ctx *ctx, const char *name, struct tree_pinned **ret, size_t *ret_n);
bool tree_gen_pinned(const struct tree_pinned *p, size_t n, unsigned gen);
/* The newest generation of the tree at DIR_FD before CUR (kept for svc tree rollback), or 0. */
unsigned tree_previous_generation(int dir_fd, unsigned cur);

struct tree_move {
        const char *tree;
        unsigned from, to;
        char **units;
        uint64_t min_healthy_usec;
};

/* Asks svcd to move the units and prints what became of each; records them in ENTRY. 0 when all
 * moved, 1 when one was pinned (or a dependant is down), -errno (printed) when svcd did not act. */
int tree_move(const struct tree_ctx *ctx, const struct tree_move *mv, struct json_object *entry);
/* A history entry {time, what, from, to}, or NULL on OOM. */
struct json_object *tree_log_entry(const char *what, unsigned from, unsigned to);
/* Appends ENTRY (a reference is taken) to the manifest's "log", keeping the last 100. */
int tree_log_append(int dir_fd, struct json_object *entry);
/* "30s", "500ms", "2min", "10" (seconds) in microseconds: 0 or -EINVAL. */
int tree_parse_duration(const char *s, uint64_t *ret);
/* The test hook of issue 17: SIGKILL (or a power cut) here when $SVC_TREE_TEST_CRASH is POINT
 * (common/test-crash.h). */
void tree_test_crash_point(const char *point);

/* ---- tree-extract.c: archives into a tree, safely ---------------------------------------------- */

enum tree_whiteout {
        TREE_WHITEOUT_NONE,
        TREE_WHITEOUT_FILE, /* ".wh.NAME": NAME goes */
        TREE_WHITEOUT_OPAQUE, /* ".wh..wh..opq": the directory's lower contents go */
        TREE_WHITEOUT_META, /* another ".wh..wh." name (aufs' own): dropped */
};

/* An archive entry name as a path relative to the tree: leading '/' and "./" dropped, "." and
 * empty components dropped; "" is the tree itself. -EXDEV for a ".." component, -ENAMETOOLONG
 * past PATH_MAX or TREE_DEPTH_MAX components. */
int tree_path_normalize(const char *name, char **ret);
/* The kind of whiteout PATH (normalized) is, and its target (the path removed, or the directory
 * emptied). -EINVAL for ".wh." alone or a target of "." or "..". */
int tree_whiteout_parse(const char *path, enum tree_whiteout *ret_kind, char **ret_target);

struct tree_writer {
        int root_fd; /* the tree being written */
        const char *what; /* "layer 2 of 3 (blobs/sha256/...)", for sentences */
        bool whiteouts; /* image layers: .wh. entries remove what lower layers made */
        bool lower; /* the tree already holds lower layers */
        bool keep_setuid;
        unsigned stripped; /* setuid/setgid bits dropped */
        /* Caps on what the writer makes, counted from the values given (one import may apply
         * several archives); 0 is no cap. An archive past one fails with -EFBIG. */
        uint64_t max_entries, max_bytes;
        uint64_t entries; /* entries written */
        uint64_t bytes; /* file sizes written (what they declare, holes included) */
        char *error; /* the sentence, naming the entry */
        /* the last parent directory opened */
        char *parent;
        int parent_fd;
};

/* Removes NAME at DIR_FD and everything under it, never following a symlink and never crossing
 * into another file system. 0 or -errno; -ENOENT is 0. */
int tree_rm_rf_at(int dir_fd, const char *name);

void tree_writer_done(struct tree_writer *w);
/* Applies the archive (tar, any compression libarchive knows) read from FD, which must be
 * seekable when whiteouts apply over lower layers (they are read in a first pass). 0, or -errno
 * with w->error set. */
int tree_writer_apply(struct tree_writer *w, int fd);
/* The names of the top-level entries of the archive at FD (to tell an image from a root file
 * system), FD rewound. */
int tree_archive_top_names(int fd, char ***ret, char **ret_error);

/* SHA-256 of the whole file at FD (from offset 0, whatever FD's offset), in lower-case hex, through
 * libcrypto. 0, -errno, or -EIO when libcrypto fails. */
int tree_sha256_fd(int fd, char ret[65]);

/* ---- tree-quote.c: values written into a unit file -------------------------------------------- */

enum tree_quote {
        TREE_QUOTE_LITERAL, /* a key read as it is (User=, WorkingDirectory=, Description=): '%' doubled */
        TREE_QUOTE_WORD, /* one word of a word list (Environment=): in quotes with C escapes if need be */
        TREE_QUOTE_COMMAND, /* one word of ExecStart=: as a WORD, and '$' doubled */
        TREE_QUOTE_TEXT, /* text for a human (a comment, the terminal): controls, '\\', non-UTF-8 as \xNN */
};

/* Writes VALUE to F so that the unit parser reads back VALUE, or for TEXT so that it stays on
 * its line. -EINVAL, and *RET_WHY (when given) says why, when VALUE cannot be a LITERAL: empty,
 * a control character, not UTF-8, a space at either end, a trailing backslash. */
int tree_quote(FILE *f, const char *value, enum tree_quote how, const char **ret_why);
/* VALUE as TREE_QUOTE_TEXT, allocated. */
char *tree_text(const char *value);

/* ---- tree-import.c, tree-seed.c ------------------------------------------------------------ */

/* The image's config ("config" of the OCI or docker image JSON) as a unit file UNIT using tree
 * TREE (open at TREE_FD); IMAGE names it in the comment. Prints what it did. 0 or -errno. */
int tree_seed_unit(const struct tree_ctx *ctx, const char *unit, const char *tree, int tree_fd,
                   struct json_object *config, const char *image);

/* ---- the commands -------------------------------------------------------------------------- */

int tree_cmd_create(struct tree_ctx *ctx, int argc, char **argv);
int tree_cmd_import(struct tree_ctx *ctx, int argc, char **argv);
int tree_cmd_slim(struct tree_ctx *ctx, int argc, char **argv);
int tree_cmd_upgrade(struct tree_ctx *ctx, int argc, char **argv);
int tree_cmd_rollback(struct tree_ctx *ctx, int argc, char **argv);
int tree_cmd_list(struct tree_ctx *ctx, int argc, char **argv);
int tree_cmd_rm(struct tree_ctx *ctx, int argc, char **argv);
int tree_cmd_check(struct tree_ctx *ctx, int argc, char **argv);
int tree_cmd_outdated(struct tree_ctx *ctx, int argc, char **argv);
int tree_cmd_unpin(struct tree_ctx *ctx, int argc, char **argv);
int tree_cmd_log(struct tree_ctx *ctx, int argc, char **argv);
/* svc migrate: tree-migrate.c */
int tree_cmd_migrate(struct tree_ctx *ctx, int argc, char **argv);
