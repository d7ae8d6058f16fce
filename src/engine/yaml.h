/* yaml.h (internal): libfyaml set up the way the library needs it everywhere it reads YAML or
 * JSON: nothing is ever printed, and errors are collected with their line and column for the
 * caller's message. */
#ifndef BK_YAML_H
#define BK_YAML_H

#include <libfyaml.h>

/* A diagnostic object that prints nothing and collects errors (read them with
 * fy_diag_errors_iterate). NULL when out of memory; free with fy_diag_destroy. */
struct fy_diag *bk_yaml_quiet_diag(void);

#endif
