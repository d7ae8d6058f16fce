/* text.c: text built in memory through a FILE, and the result-printing and status steps that
 * the long-running commands share. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

/* Contract in cli.h. */
FILE *cli_text_open(cli_text *t)
{
    memset(t, 0, sizeof *t);
    t->f = open_memstream(&t->buf, &t->len);
    return t->f;
}

/* Contract in cli.h. */
char *cli_text_close(cli_text *t, bool ok)
{
    if (t->f == NULL)
        return NULL;
    if (fclose(t->f) != 0)
        ok = false;
    t->f = NULL;
    if (!ok) {
        free(t->buf);
        t->buf = NULL;
    }
    return t->buf;
}

/* Contract in cli.h. */
char *cli_text_of(cli_writer write, const void *obj)
{
    cli_text t;
    FILE *f = cli_text_open(&t);
    return f ? cli_text_close(&t, write(obj, f) == BK_OK) : NULL;
}

/* Contract in cli.h. */
int cli_status_after_run(bk_status st, const bk_error *err)
{
    if (st == BK_ERR_INTERRUPTED || cli_interrupted) {
        cli_error("interrupted");
        return CLI_EXIT_INTERRUPTED;
    }
    return st == BK_OK ? CLI_EXIT_OK : cli_report(st, err);
}

/* Contract in cli.h. */
int cli_print_result(const void *obj, cli_writer json, cli_writer table, bool want_json,
                     bool quiet, const char *out)
{
    bk_status st = BK_OK;
    if (want_json)
        st = json(obj, stdout);
    else if (!quiet)
        st = table(obj, stdout);
    if (st != BK_OK) {
        cli_error("cannot write to standard output: %s", bk_status_str(st));
        return cli_exit_for_status(st);
    }
    if (out && !quiet)
        fprintf(stderr, "outputs written to %s\n", out);
    return CLI_EXIT_OK;
}

/* Contract in cli.h. */
int cli_finish_result(const cli_result *res, int rc, cli_analysis *a)
{
    const char *out = a->out;
    if (rc == CLI_EXIT_OK && out) {
        char csv_name[64], json_name[64];
        snprintf(csv_name, sizeof csv_name, "%s.csv", res->kind);
        snprintf(json_name, sizeof json_name, "%s.json", res->kind);
        cli_output files[4] = {{csv_name, res->csv, res->obj}, {json_name, res->json, res->obj}};
        int n = res->scenario ? 4 : 3;
        cli_manifest man = {res->kind, files, n, res->list_key, res->list, res->n_list};
        files[2] = (cli_output){"manifest.json", cli_write_manifest, &man};
        if (res->scenario)
            files[3] = (cli_output){"scenario.yaml", cli_write_scenario, res->scenario};
        rc = cli_write_outputs(out, a->force, files, n);
    }
    char *summary =
        a->rec.store && rc == CLI_EXIT_OK ? cli_text_of(res->json, res->obj) : NULL;
    rc = cli_record_finish(&a->rec, rc, summary);
    free(summary);
    if (rc == CLI_EXIT_OK)
        rc = cli_print_result(res->obj, res->json, res->table, a->json, a->quiet, out);
    return rc;
}
