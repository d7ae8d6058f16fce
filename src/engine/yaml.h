/* yaml.h (internal): libfyaml set up the way the library needs it everywhere it reads YAML or
 * JSON: nothing is ever printed, and errors are collected with their line and column for the
 * caller's message. */
#ifndef BK_YAML_H
#define BK_YAML_H

#include <libfyaml.h>

/* A diagnostic object that prints nothing and collects errors (read them with
 * fy_diag_errors_iterate). NULL when out of memory; free with fy_diag_destroy. */
struct fy_diag *bki_yaml_quiet_diag(void);

/* Refuse, before libfyaml sees them, the constructs with which libfyaml 0.7.12 crashes or never
 * returns (found by the fuzz targets of tests/fuzz): text that is not UTF-8 or holds a NUL
 * byte; a directive (a line starting with '%'); the explicit-key indicator '?' (at the start of
 * a line's content, or after "- ", "? ", ": ", '{', '[' or ','). None of these is needed by a
 * scenario, a policy, a calibration spec or a JSON file. Returns NULL when the text is
 * acceptable, else a reason, with the 1-based line and column in *line and *col. */
const char *bki_yaml_guard(const char *text, size_t len, int *line, int *col);

#endif
