/* rules.h (internal): the rules between several keys of a loaded scenario (rules.c). They run on
 * the struct, after the loader has read every key and after bk_scenario_set changed one, so a
 * set value is held to the same rules as a value read from a file. */
#ifndef BK_SCENARIO_RULES_H
#define BK_SCENARIO_RULES_H

#include <stdbool.h>

#include "engine/status_internal.h"
#include "scenario/scenario.h"

typedef struct rules_ctx rules_ctx;
struct rules_ctx {
    bk_scenario *sc;
    void *L;   /* the loader, or NULL after bk_scenario_set */
    /* Report a broken rule placed at the key `path` ("corridors[1].escort.strength"), or at the
     * nearest mapping above it that exists. Returns st. */
    bk_status (*fail)(rules_ctx *c, bk_status st, const char *path, const char *msg);
    /* Was the key at `path` given in the file? (always true after a set) */
    bool (*given)(rules_ctx *c, const char *path);
    bk_error *err;
};

/* Fill the defaults that depend on other keys, then check every rule; the first broken rule is
 * reported through c->fail. */
bk_status bki_rules_check(rules_ctx *c);

#endif
