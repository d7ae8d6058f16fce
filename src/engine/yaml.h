/* yaml.h (internal): libfyaml set up the way the library needs it everywhere it reads YAML or
 * JSON: nothing is ever printed, and errors are collected with their line and column for the
 * caller's message. */
#ifndef BK_YAML_H
#define BK_YAML_H

#include <stdbool.h>
#include <stddef.h>

#include <libfyaml.h>

/* A diagnostic object that prints nothing and collects errors (read them with
 * fy_diag_errors_iterate). NULL when out of memory; free with fy_diag_destroy. */
struct fy_diag *bki_yaml_quiet_diag(void);

/* Refuse, before libfyaml sees them, the constructs with which libfyaml 0.7.12 crashes or never
 * returns (found by the fuzz targets of tests/fuzz): text that is not UTF-8 or holds a NUL
 * byte; a directive (a line starting with '%'); the explicit-key indicator '?' (at the start of
 * a line's content, or after "- ", "? ", ": ", '{', '[' or ','). None of these is needed by a
 * scenario, a policy, a lever or objective file, a calibration spec or a JSON file. Returns
 * NULL when the text is acceptable, else a reason, with the 1-based line and column in *line and
 * *col. */
const char *bki_yaml_guard(const char *text, size_t len, int *line, int *col);

/* Why bki_yaml_build gave no document. */
typedef struct bki_yaml_fault {
    bool nomem;       /* no diagnostic object: out of memory */
    const char *why;  /* refused by bki_yaml_guard: its reason; else NULL */
    int line, column; /* 1-based, of the guard's reason or libfyaml's first error; 0: unknown */
    bool has_msg;     /* libfyaml's first error came with a message: */
    char msg[1024];   /* that message (as long as a bk_error's), else "" */
} bki_yaml_fault;

/* The YAML document of the input `text` (len bytes): checked by bki_yaml_guard first, then
 * built by libfyaml quietly (FYPCF_QUIET | FYPCF_COLLECT_DIAG, bki_yaml_quiet_diag). NULL when
 * there is none, with *f saying why; *f is zeroed otherwise. Free the document with
 * fy_document_destroy. */
struct fy_document *bki_yaml_build(const char *text, size_t len, bki_yaml_fault *f);

#endif
