/* outdir.h: all-or-nothing output directories for `blockade run --out DIR`.
 *
 * Files are written into a fresh temporary directory next to DIR ("DIR.tmp-XXXXXX", same
 * parent, so rename() never crosses a file system) and moved into place only when every file is
 * complete. A reader therefore sees either no DIR, the old DIR, or the complete new one; never a
 * partial one. An existing non-empty DIR is refused unless `force`, in which case it is replaced
 * only after the new directory is complete.
 *
 * Errors come back as -1 with a one-line message (no "blockade: " prefix) in the caller's buffer.
 */
#ifndef BK_CLI_OUTDIR_H
#define BK_CLI_OUTDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Invariant: `tmp` is NULL or names a directory this process created and still owns; `made`
 * lists the missing parents this process created, outermost first. */
typedef struct cli_outdir {
    char *final;   /* DIR as given, trailing slashes removed; owned */
    char *tmp;     /* the temporary directory; owned; NULL once committed or aborted */
    char **made;   /* parents created by cli_outdir_begin; owned; emptied on commit */
    int n_made;
    bool force;
} cli_outdir;

/* Check DIR (absent, an empty directory, or with `force` a directory), create its missing
 * parents and the temporary directory. On failure nothing is left behind (parents it created
 * are removed) and `od` needs no cleanup. */
int cli_outdir_begin(cli_outdir *od, const char *dir, bool force, char *msg, size_t msg_size);

/* Open `name` (a plain file name) for writing inside the temporary directory. NULL on failure,
 * with a message. */
FILE *cli_outdir_open(cli_outdir *od, const char *name, char *msg, size_t msg_size);

/* Flush, sync and close a file from cli_outdir_open; -1 if any write failed. `name` is for the
 * message. `f` is closed in every case. */
int cli_outdir_close(cli_outdir *od, FILE *f, const char *name, char *msg, size_t msg_size);

/* Move the temporary directory into place as DIR (replacing an old DIR when `force`). Returns 0;
 * 1 when the new outputs are in place but the old DIR could not be removed (a warning is in
 * `msg`); -1 on failure, with the old DIR where it was: then call cli_outdir_abort to remove the
 * temporary directory. */
int cli_outdir_commit(cli_outdir *od, char *msg, size_t msg_size);

/* Remove the temporary directory if it is still there, and the parents begin created if the
 * outputs were not committed; free `od`. Harmless after a commit, after a failed begin, and
 * twice. */
void cli_outdir_abort(cli_outdir *od);

/* 0 when the directory `dir` is an output directory blockade wrote (a blockade manifest.json
 * listing every entry, all regular files; or the files of `calibrate --out`), so that --force
 * may replace it; -1 with a message otherwise. */
int cli_outdir_is_own(const char *dir, char *msg, size_t msg_size);

/* 0 when the directory `dir` holds nothing but an ensemble checkpoint (checkpoint.bkens, with
 * the state file's magic, and leftovers of interrupted checkpoint writes), so that --force may
 * remove it; -1 with a message otherwise. */
int cli_partial_is_own(const char *dir, char *msg, size_t msg_size);

/* Remove a directory tree this process owns. Returns 0, or -1 with errno set. */
int cli_remove_tree(const char *path);

#endif
