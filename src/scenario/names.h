/* names.h (internal): checks on the text of a loaded scenario that the per-key schema cannot
 * make alone: ids that would give the same column name in the outputs, and characters in ids,
 * names and notes that would mislead a terminal or a reader (C1 controls, bidi overrides). */
#ifndef BK_SCENARIO_NAMES_H
#define BK_SCENARIO_NAMES_H

#include <libfyaml.h>

#include "blockade/status.h"

/* Check the whole document under root (a parsed scenario that passed the schema checks):
 * - every scalar, key or value, is free of C1 control characters (U+0080..U+009F) and of the
 *   Unicode bidirectional embedding, override and isolate controls (U+202A..U+202E,
 *   U+2066..U+2069), which reorder text on screen;
 * - within each id list (products, places, ports, corridors, city.sectors, armed_group.cells),
 *   no two ids give the same column token (bki_id_token: lower case, '-' as '_').
 * Returns BK_OK, or BK_ERR_VALUE with err filled at file:line:column of the offending node.
 * file is the name used in messages; err may be NULL. Allocates nothing but a temporary table
 * (BK_ERR_NOMEM if that fails). */
bk_status bki_scenario_check_names(struct fy_node *root, const char *file, bk_error *err);

#endif
