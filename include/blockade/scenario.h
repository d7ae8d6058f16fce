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
/* Days of normal traffic simulated before the start date (scenario.warmup_days). */
int bk_scenario_warmup_days(const bk_scenario *sc);
void bk_scenario_hash(const bk_scenario *sc, char hex[65]);

/* The scenario's text as loaded, borrowed. */
const char *bk_scenario_text(const bk_scenario *sc, size_t *len);

/* A deep copy of sc, owned by the caller (free with bk_scenario_free); it shares nothing with sc.
 * Fails only with BK_ERR_NOMEM (*out is then NULL). Thread-safe: sc is only read. */
bk_status bk_scenario_clone(const bk_scenario *sc, bk_scenario **out, bk_error *err);

/* Set one scalar key of a loaded scenario to an exact value, through the schema table that the
 * loader uses (docs/scenario-format.md). `path` is the key's dotted path with list items named
 * by id and product maps by product: "fleet.fear_per_attack",
 * "corridors.dakar_north.escort.units", "city.initial_stock_l.diesel". The value is held to the
 * key's type and bounds and to the rules between keys; on failure sc is unchanged. Errors:
 * BK_ERR_REFERENCE (unknown path, with the keys that exist there), BK_ERR_SCHEMA (the key is
 * not a number, or a whole number was expected), BK_ERR_VALUE (out of bounds: the message gives
 * them). The scenario's hash then covers its text and every value set (bk_scenario_patch). Not
 * thread-safe on the same scenario. */
bk_status bk_scenario_set(bk_scenario *sc, const char *path, double value, bk_error *err);

/* The same with the value written as in a scenario file: a number, true/false, a word of an
 * enumeration, a date YYYY-MM-DD, an id or a string. */
bk_status bk_scenario_set_text(bk_scenario *sc, const char *path, const char *value,
                               bk_error *err);

/* The values set since loading, one "path = value" a line ("" for none), borrowed. */
const char *bk_scenario_patch(const bk_scenario *sc);

/* Write the scenario's levers to `out` as a JSON array, generated from the schema table: one
 * object per scalar key that bk_scenario_set accepts, under its concrete path (list items by id,
 * product maps by product, ranges as .min and .max), with "path", "key" (the schema path),
 * "type" (number, integer, boolean, enum, date), "value" (the current one; a date as
 * "YYYY-MM-DD", or null when not set), "min"/"max" with "min_inclusive"/"max_inclusive" and
 * "bounds" (in words) when bounded (a date: the horizon's first and last days), "words" for an
 * enumeration, "unit", "submodel" and "description". Strings, references and keys of lists
 * nested in lists are not listed. BK_ERR_USAGE for NULL arguments, BK_ERR_IO if writing
 * fails. Thread-safe: sc is only read. */
bk_status bk_scenario_write_levers_json(const bk_scenario *sc, FILE *out);

/* Warn about set-ups that load but cannot work as meant or silently mean something else (an
 * escort pool below policy.convoy.escort_min, convoys forming beyond a stretch within a cell's
 * reach, a corridor that cannot carry a tenth of the demand, a product demanded that nothing
 * brings, a timeline entry that changes nothing): one line "FILE: warning: ..." each on `out`.
 * *count (may be NULL) gets their number. Returns BK_ERR_IO if writing fails, BK_ERR_NOMEM. */
bk_status bk_scenario_lint(const bk_scenario *sc, FILE *out, int *count);

/* Write a human summary of the network, corridors, fleet, escorts, armed group and timeline to
 * `out` (the caller's stream). Returns BK_ERR_IO if writing fails. */
bk_status bk_scenario_describe(const bk_scenario *sc, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
