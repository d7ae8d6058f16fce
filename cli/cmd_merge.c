/* cmd_merge.c: `blockade merge PART...`: combine the parts of an ensemble run with --shard I/N
 * into the outputs one process would have written, byte for byte. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_OUT, OPT_FORCE, OPT_JSON, OPT_QUIET, OPT_STORE, OPT_NO_STORE };

/* Same order as the enum above. */
const cli_option cli_merge_options[] = {
    {"out", CLI_OPT_STRING, "DIR", 0, 0,
     "write bands.csv, curves.csv, summary.json, manifest.json, scenario.yaml into DIR"},
    CLI_OPTION_FORCE,
    {"json", CLI_OPT_FLAG, NULL, 0, 0, "print summary.json instead of the plain-words summary"},
    {"quiet", CLI_OPT_FLAG, NULL, 0, 0, "no summary; errors only"},
    CLI_OPTION_STORE("the merge"),
    CLI_OPTION_END,
};

/* A part must hold every block of its shard: a checkpoint of an unfinished shard is not one. */
static int check_part(const char *path, const bk_ensemble *part)
{
    bk_ensemble_info info;
    bk_ensemble_get_info(part, &info);
    if (info.shard_blocks_done != info.shard_blocks) {
        cli_error("'%s' is an unfinished part (shard %u/%u: %llu of %llu blocks done); finish it "
                  "with --resume first",
                  path, info.shard_index, info.shard_count,
                  (unsigned long long)info.shard_blocks_done,
                  (unsigned long long)info.shard_blocks);
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

/* `blockade merge PART... [options]`. */
int cli_cmd_merge(const cli_invocation *inv)
{
    const cli_value *opt = inv->opt;
    int rc = cli_check_out_store(inv);
    if (rc != CLI_EXIT_OK)
        return rc;
    bk_ensemble *all = NULL;
    rc = cli_load_state(inv->args[0], &all);
    if (rc == CLI_EXIT_OK)
        rc = check_part(inv->args[0], all);
    uint32_t *seen = NULL;
    bk_ensemble_info info;
    if (rc == CLI_EXIT_OK) {
        bk_ensemble_get_info(all, &info);
        seen = calloc(info.shard_count, sizeof *seen);
        if (!seen) {
            cli_error("out of memory");
            rc = CLI_EXIT_INTERNAL;
        } else {
            seen[info.shard_index] = 1;
        }
    }
    for (int i = 1; i < inv->n_args && rc == CLI_EXIT_OK; i++) {
        bk_ensemble *part = NULL;
        rc = cli_load_state(inv->args[i], &part);
        if (rc == CLI_EXIT_OK)
            rc = check_part(inv->args[i], part);
        if (rc == CLI_EXIT_OK) {
            bk_ensemble_info pi;
            bk_ensemble_get_info(part, &pi);
            if (pi.shard_count == info.shard_count && seen[pi.shard_index]) {
                cli_error("'%s': shard %u/%u is given twice", inv->args[i], pi.shard_index,
                          pi.shard_count);
                rc = CLI_EXIT_USAGE;
            } else {
                bk_error err = {0};
                bk_status st = bk_ensemble_merge(all, part, &err);
                if (st != BK_OK) {
                    cli_error("cannot merge '%s' with '%s': %s", inv->args[i], inv->args[0],
                              err.message);
                    rc = CLI_EXIT_USAGE;
                } else {
                    seen[pi.shard_index] = 1;
                }
            }
        }
        bk_ensemble_free(part);
    }
    if (rc == CLI_EXIT_OK) {
        for (uint32_t s = 0; s < info.shard_count; s++) {
            if (!seen[s]) {
                cli_error("shard %u/%u is missing: merge needs every part of the ensemble", s,
                          info.shard_count);
                rc = CLI_EXIT_USAGE;
                break;
            }
        }
    }
    free(seen);
    if (rc != CLI_EXIT_OK) {
        bk_ensemble_free(all);
        return rc;
    }

    const char *out = opt[OPT_OUT].set ? opt[OPT_OUT].str : NULL;
    cli_record rec;
    size_t len = 0;
    const char *text = bk_ensemble_scenario_text(all, &len);
    cli_record_info ri = {"ensemble", info.scenario_name, info.scenario_sha256, text, len,
                          info.seed, (long)info.replications, info.days,
                          "{\"merged_parts\": true}", out};
    rc = cli_record_start(&rec, inv, out, &ri);
    if (rc == CLI_EXIT_OK && out)
        rc = cli_ensemble_write_outputs(all, out, opt[OPT_FORCE].set);
    char *summary = rec.store && rc == CLI_EXIT_OK ? cli_ensemble_summary_text(all) : NULL;
    rc = cli_record_finish(&rec, rc, summary);
    free(summary);
    if (rc == CLI_EXIT_OK) {
        rc = cli_ensemble_print(all, opt[OPT_JSON].set, opt[OPT_QUIET].set);
        if (rc == CLI_EXIT_OK && out && !opt[OPT_QUIET].set)
            fprintf(stderr, "outputs written to %s\n", out);
    }
    bk_ensemble_free(all);
    return rc;
}
