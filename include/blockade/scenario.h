/* blockade/scenario.h: loading, validating and describing scenario files.
 *
 * A scenario is an immutable description of a world: road network, ports, corridors, fleet, city,
 * defender policy, armed group and a dated timeline. It is read from YAML 1.2 or JSON (see
 * docs/scenario-format.md). A loaded scenario is read-only and may be shared by many threads.
 */
#ifndef BLOCKADE_SCENARIO_H
#define BLOCKADE_SCENARIO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "blockade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bk_scenario bk_scenario;

/* Largest scenario file accepted, in bytes. Larger inputs fail with BK_ERR_TOO_LARGE. */
#define BK_SCENARIO_MAX_BYTES (8u * 1024u * 1024u)

/* Load and validate a scenario file. On success *out owns a new scenario (free with
 * bk_scenario_free). On failure *out is NULL and err (if not NULL) says what and where, e.g.
 * "bamako.yaml:88:15: segment kati-kolokani: length_km must be > 0, got -3".
 * Errors: BK_ERR_IO, BK_ERR_TOO_LARGE, BK_ERR_SYNTAX, BK_ERR_SCHEMA, BK_ERR_REFERENCE,
 * BK_ERR_VALUE, BK_ERR_NOMEM. Thread-safe. */
bk_status bk_scenario_load_file(const char *path, bk_scenario **out, bk_error *err);

/* The same from text in memory; `name` is used in messages (may be NULL: "-"). The text is
 * copied. `len` bytes are read; the text need not be NUL-terminated. */
bk_status bk_scenario_load_string(const char *text, size_t len, const char *name,
                                  bk_scenario **out, bk_error *err);

/* The embedded default scenario (Bamako 2025) as text, borrowed, NUL-terminated. */
const char *bk_scenario_default_text(size_t *len);

/* Load the embedded default scenario. Same contract as bk_scenario_load_string. */
bk_status bk_scenario_load_default(bk_scenario **out, bk_error *err);

/* Free a scenario. NULL is harmless. */
void bk_scenario_free(bk_scenario *sc);

/* The scenario's name, default seed, horizon in days and SHA-256 of its text (64 hex digits and
 * a NUL in hex[65]). Cannot fail. */
const char *bk_scenario_name(const bk_scenario *sc);
uint64_t bk_scenario_seed(const bk_scenario *sc);
int bk_scenario_days(const bk_scenario *sc);
void bk_scenario_hash(const bk_scenario *sc, char hex[65]);

/* The scenario's text as loaded, borrowed. */
const char *bk_scenario_text(const bk_scenario *sc, size_t *len);

/* Write a human summary of the network, corridors, fleet, escorts, armed group and timeline to
 * `out` (the caller's stream). Returns BK_ERR_IO if writing fails. */
bk_status bk_scenario_describe(const bk_scenario *sc, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
