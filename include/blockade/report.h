/* blockade/report.h: the self-contained HTML report of a run, an ensemble, a comparison, an
 * optimisation or a vulnerability analysis.
 *
 * bk_report_write reads an output directory written by `blockade run --out`, `blockade ensemble
 * --out`, `blockade compare --out`, `blockade optimise --out` or `blockade vulnerability --out`
 * and writes one HTML page that needs nothing else: the chart library (uPlot), the map libraries
 * (d3-geo, topojson-client), the country borders (world-atlas, Natural Earth 1:110m) and the
 * data are all inlined, and the page loads nothing from the network. See docs/report.md for what
 * the page shows.
 *
 * Files read from the directory (absent ones are left out of the page):
 *   daily.csv            one run's daily series: lines over time
 *   bands.csv            an ensemble's daily quantiles (metric,unit,day,date,mean,q05,q25,q50,
 *                        q75,q95): fan charts
 *   curves.csv           an ensemble's probability curves (curve,day,date,probability)
 *   compare.csv          a comparison of policies (metric,policy,baseline,mean_diff,se,ci_low,
 *                        ci_high, or any other columns: shown as a table)
 *   events.geojson       simulated events: the map's attack points
 *   optimise.json        an optimisation's choices, selection and finalists
 *   optimise.csv         every candidate it simulated: the search's convergence
 *   vulnerability.csv    a vulnerability analysis's elements: the table and the map layer
 *   vulnerability.json   its max flow, capacities and where the two rankings disagree
 *   summary.json, manifest.json  the headline figures and the provenance
 *   scenario.yaml        the scenario: places, roads, corridors, demand and timeline
 * At least one of daily.csv, bands.csv, compare.csv, optimise.json and vulnerability.csv must be
 * there.
 */
#ifndef BLOCKADE_REPORT_H
#define BLOCKADE_REPORT_H

#include <stdio.h>

#include "blockade/scenario.h"
#include "blockade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest input file the report reads, in bytes; larger ones fail with BK_ERR_TOO_LARGE. */
#define BK_REPORT_MAX_INPUT_BYTES (256u * 1024u * 1024u)

/* Options of a report. Strings are borrowed for the duration of the call. */
typedef struct bk_report_config {
    const char *title;          /* page title; NULL: "<scenario name>: blockade report" */
    const char *observed_path;  /* observed events as CSV in ACLED's columns (latitude,
                                   longitude, event_date, notes; others are ignored), or NULL */
} bk_report_config;

/* Fill `cfg` with the defaults (no title of its own, no observed events). Cannot fail. */
void bk_report_config_init(bk_report_config *cfg);

/* Write the report of the output directory `dir` to `out` (the caller's stream, left open).
 * Every input is read and checked before the first byte is written, so on failure nothing has
 * been written to `out`. `cfg` may be NULL (defaults).
 * Errors, with a message in `err` (may be NULL) naming the file and, when known, its line:
 *  BK_ERR_IO        `dir` missing or not a directory, holds none of daily.csv, bands.csv,
 *                   compare.csv, optimise.json and vulnerability.csv, a file cannot be read, or
 *                   writing `out` fails;
 *  BK_ERR_TOO_LARGE an input larger than BK_REPORT_MAX_INPUT_BYTES;
 *  BK_ERR_SYNTAX    a malformed CSV or JSON file (bad quoting, a row with the wrong number of
 *                   fields), or a value that is not a number where one is expected;
 *  BK_ERR_SCHEMA    a CSV file without a column the report needs (e.g. bands.csv without q50),
 *                   a JSON file without a member it needs or with one of the wrong type;
 *  the scenario loader's errors for a bad scenario.yaml; BK_ERR_NOMEM; BK_ERR_USAGE for a NULL
 *  `dir` or `out`.
 * Thread-safe (no shared state). */
bk_status bk_report_write(const char *dir, const bk_report_config *cfg, FILE *out,
                          bk_error *err);

/* Write the scenario's road network as a GeoJSON (RFC 7946) FeatureCollection to `out`: one
 * Point per place (properties: id, name, kind, country) and one LineString per road segment
 * (properties: id "<from>-<to>", from, to, length_km, cover 0..1, corridors: the ids of the
 * corridors whose path uses the segment). Coordinates are [longitude, latitude], WGS84.
 * Returns BK_ERR_USAGE for a NULL argument, BK_ERR_IO if writing fails. */
bk_status bk_scenario_write_network_geojson(const bk_scenario *sc, FILE *out);

/* Write the page of the local workbench (blockade serve) to `out`: the report's chart library
 * and style, and the workbench's script, all inline, each element carrying `nonce` (letters,
 * digits and "+/=-_" only) so that a Content-Security-Policy with that nonce admits them and
 * nothing else. The page loads nothing from the network; it talks only to the server's API
 * (docs/serve.md). BK_ERR_USAGE for a NULL stream or a bad nonce, BK_ERR_IO if writing fails.
 * Thread-safe. */
bk_status bk_workbench_write_page(FILE *out, const char *nonce);

#ifdef __cplusplus
}
#endif
#endif
