/* record.c: recording a command in the run store, shared by run, ensemble, compare and merge:
 * which store (--store, $BLOCKADE_STORE, or runs.sqlite beside the output directory), the start
 * and the end of the command. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Contract in cli.h. */
char *cli_join(const char *s, size_t len, const char *tail)
{
    size_t tail_len = strlen(tail);
    char *out = malloc(len + tail_len + 1);
    if (out) {
        memcpy(out, s, len);
        memcpy(out + len, tail, tail_len + 1);
    }
    return out;
}

/* The absolute form of `path`, whose last components need not exist yet: the existing part is
 * resolved by realpath, the rest appended. NULL when it cannot be worked out (out of memory, a
 * "." or ".." in the missing part, a component that is a file). */
static char *absolute_path(const char *path)
{
    char *real = realpath(path, NULL);
    if (real || errno != ENOENT)
        return real;
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        len--;
    size_t slash = len;
    while (slash > 0 && path[slash - 1] != '/')
        slash--;
    const char *name = path + slash;
    size_t name_len = len - slash;
    if (name_len == 0 || (name_len == 1 && name[0] == '.')
        || (name_len == 2 && name[0] == '.' && name[1] == '.'))
        return NULL;
    char *parent = slash == 0   ? cli_join(".", 1, "")
                   : slash == 1 ? cli_join("/", 1, "")
                                : cli_join(path, slash - 1, "");
    char *base = parent ? absolute_path(parent) : NULL;
    free(parent);
    if (base == NULL)
        return NULL;
    size_t base_len = strlen(base);
    char *with_slash =
        cli_join(base, base_len, base_len > 0 && base[base_len - 1] == '/' ? "" : "/");
    free(base);
    if (with_slash == NULL)
        return NULL;
    char *out = malloc(strlen(with_slash) + name_len + 1);
    if (out)
        snprintf(out, strlen(with_slash) + name_len + 1, "%s%.*s", with_slash, (int)name_len, name);
    free(with_slash);
    return out;
}

/* A word of the command line as a shell would need it: bare when it holds only safe
 * characters, else in single quotes. */
static void put_shell_word(FILE *f, const char *w)
{
    static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                               "0123456789_-+=.,:/@%";
    if (w[0] != '\0' && strspn(w, safe) == strlen(w)) {
        fputs(w, f);
        return;
    }
    fputc('\'', f);
    for (const char *p = w; *p; p++) {
        if (*p == '\'')
            fputs("'\\''", f);
        else
            fputc(*p, f);
    }
    fputc('\'', f);
}

/* The command line as one string, each word quoted for a POSIX shell when needed, the program
 * without its directory. NULL when out of memory. */
static char *command_line(const cli_invocation *inv)
{
    cli_text t;
    FILE *f = cli_text_open(&t);
    for (int i = 0; f && i < inv->argc; i++) {
        const char *w = inv->argv[i];
        if (i == 0) {
            const char *slash = strrchr(w, '/');
            w = slash ? slash + 1 : w;
        }
        fputs(i ? " " : "", f);
        put_shell_word(f, w);
    }
    return cli_text_close(&t, true);
}

/* Contract in cli.h. The store is refused inside the output directory, which --force would
 * delete and which would make the outputs differ from one run to the next. */
int cli_store_choose(bool no_store, const char *store_opt, const char *out, char **path)
{
    *path = NULL;
    if (no_store)
        return CLI_EXIT_OK;
    const char *env = getenv("BLOCKADE_STORE");
    char *p;
    if (store_opt) {
        p = cli_join(store_opt, strlen(store_opt), "");
    } else if (env && env[0]) {
        p = cli_join(env, strlen(env), "");
    } else if (out) {
        size_t len = strlen(out);
        while (len > 1 && out[len - 1] == '/')
            len--;
        while (len > 0 && out[len - 1] != '/')
            len--; /* out[0..len) is the parent with its slash, or empty */
        p = cli_join(out, len, CLI_STORE_FILE);
    } else {
        return CLI_EXIT_OK;
    }
    if (p == NULL) {
        cli_error("out of memory");
        return CLI_EXIT_INTERNAL;
    }
    if (out) {
        char *abs_store = absolute_path(p);
        char *abs_out = absolute_path(out);
        size_t n = abs_out ? strlen(abs_out) : 0;
        bool inside = abs_store && abs_out && strncmp(abs_store, abs_out, n) == 0 &&
                      (abs_store[n] == '\0' || abs_store[n] == '/' || strcmp(abs_out, "/") == 0);
        free(abs_store);
        free(abs_out);
        if (inside) {
            int rc = cli_usage_error("the run store '%s' is inside the output directory '%s'; "
                                     "keep it outside (--store FILE)", p, out);
            free(p);
            return rc;
        }
    }
    *path = p;
    return CLI_EXIT_OK;
}

/* Contract in cli.h. */
int cli_record_begin(cli_record *rec, const char *store_path, const cli_invocation *inv,
                     const cli_record_info *ri)
{
    memset(rec, 0, sizeof *rec);
    if (!store_path)
        return CLI_EXIT_OK;
    bk_error err = {0};
    bk_status st = bk_store_open(store_path, &rec->store, &err);
    if (st != BK_OK)
        return cli_report(st, &err);
    char *command = command_line(inv);
    char *out_dir = ri->out ? absolute_path(ri->out) : NULL;
    bk_store_run_info info = {
        .kind = ri->kind,
        .scenario_name = ri->scenario_name,
        .scenario_sha256 = ri->scenario_sha256,
        .scenario_text = ri->scenario_text,
        .scenario_len = ri->scenario_len,
        .seed = ri->seed,
        .replications = ri->replications,
        .days = ri->days,
        .version = bk_version(),
        .command = command ? command : "",
        .params_json = ri->params_json,
        .out_dir = out_dir ? out_dir : ri->out,
    };
    st = command ? bk_store_begin(rec->store, &info, &rec->id, &err) : BK_ERR_NOMEM;
    free(command);
    free(out_dir);
    if (st != BK_OK) {
        bk_store_close(rec->store);
        rec->store = NULL;
        return cli_report(st, &err);
    }
    return CLI_EXIT_OK;
}

/* Contract in cli.h. */
int cli_record_finish(cli_record *rec, int rc, const char *summary_json)
{
    if (rec->store == NULL)
        return rc;
    const char *status = rc == CLI_EXIT_OK            ? "done"
                         : rc == CLI_EXIT_INTERRUPTED ? "interrupted"
                                                      : "failed";
    bk_error err = {0};
    bk_status st = bk_store_finish(rec->store, rec->id, status, summary_json, &err);
    bk_store_close(rec->store);
    rec->store = NULL;
    if (st != BK_OK) {
        int code = cli_report(st, &err);
        if (rc == CLI_EXIT_OK) {
            /* the work and its outputs are complete; only the bookkeeping failed */
            cli_error("the run itself succeeded and its outputs are complete, but the run store "
                      "could not record its end (is the disk full?): `blockade runs` shows run "
                      "%" PRId64 " as \"done (end not recorded)\" when its outputs are in place, "
                      "else as \"running or killed\"", rec->id);
            rc = code;
        }
    }
    return rc;
}

/* Contract in cli.h. */
int cli_check_out_store(const cli_invocation *inv)
{
    const char *cmd = inv->cmd->name;
    int store = cli_option_index(inv->cmd, "store");
    int no_store = cli_option_index(inv->cmd, "no-store");
    int force = cli_option_index(inv->cmd, "force");
    int out = cli_option_index(inv->cmd, "out");
    if (store >= 0 && no_store >= 0 && inv->opt[store].set && inv->opt[no_store].set)
        return cli_usage_error("%s: --store and --no-store cannot be used together", cmd);
    if (force >= 0 && out >= 0 && inv->opt[force].set && !inv->opt[out].set)
        return cli_usage_error("%s: --force needs --out DIR", cmd);
    return CLI_EXIT_OK;
}

/* Contract in cli.h. */
int cli_record_start(cli_record *rec, const cli_invocation *inv, const char *out,
                     const cli_record_info *info)
{
    memset(rec, 0, sizeof *rec);
    int store = cli_option_index(inv->cmd, "store");
    int no_store = cli_option_index(inv->cmd, "no-store");
    char *path = NULL;
    int rc = cli_store_choose(no_store >= 0 && inv->opt[no_store].set,
                              store >= 0 && inv->opt[store].set ? inv->opt[store].str : NULL,
                              out, &path);
    if (rc == CLI_EXIT_OK && path)
        rc = cli_record_begin(rec, path, inv, info);
    free(path);
    return rc;
}

/* Contract in cli.h. */
int cli_record_scenario(cli_record *rec, const cli_invocation *inv, const char *out,
                        const char *kind, const bk_scenario *sc, uint64_t seed,
                        uint64_t replications, int days, const char *params_json)
{
    char hash[65];
    bk_scenario_hash(sc, hash);
    size_t len = 0;
    const char *text = bk_scenario_text(sc, &len);
    cli_record_info ri = {kind, bk_scenario_name(sc), hash, text, len, seed, (long)replications,
                          days > 0 ? days : bk_scenario_days(sc), params_json, out};
    return cli_record_start(rec, inv, out, &ri);
}

/* Whether option `name` of the command was given. */
static bool option_set(const cli_invocation *inv, const char *name)
{
    int i = cli_option_index(inv->cmd, name);
    return i >= 0 && inv->opt[i].set;
}

/* Contract in cli.h. */
int cli_analysis_begin(int rc, cli_analysis *a, const cli_invocation *inv, const char *kind,
                       const bk_scenario *sc, uint64_t seed, uint64_t replications, int days,
                       const char *params_json, bk_ensemble_progress_fn *fn, void **ud)
{
    memset(a, 0, sizeof *a);
    int out = cli_option_index(inv->cmd, "out");
    a->out = out >= 0 && inv->opt[out].set ? inv->opt[out].str : NULL;
    a->force = option_set(inv, "force");
    a->json = option_set(inv, "json");
    a->quiet = option_set(inv, "quiet");
    if (rc == CLI_EXIT_OK && a->out)
        rc = cli_outdir_precheck(a->out, a->force);
    if (rc == CLI_EXIT_OK)
        rc = cli_record_scenario(&a->rec, inv, a->out, kind, sc, seed, replications, days,
                                 params_json);
    if (rc == CLI_EXIT_OK)
        cli_progress_attach(&a->prog, a->quiet, fn, ud);
    return rc;
}

/* Contract in cli.h. */
int cli_analysis_ran(cli_analysis *a, bk_status st, const bk_error *err)
{
    cli_progress_end(&a->prog);
    return cli_status_after_run(st, err);
}
