/* default.c: the embedded default scenario (Bamako 2025). The build turns
 * scenarios/bamako-2025.yaml into a byte array (cmake/embed.cmake); this file hands it out. */
#include "scenario/scenario.h"

extern const char bki_default_scenario_text[];
extern const size_t bki_default_scenario_text_len;

/* Name used in messages about the embedded text. */
#define DEFAULT_NAME "bamako-2025.yaml (embedded)"

/* Contract in blockade/scenario.h. */
const char *bk_scenario_default_text(size_t *len)
{
    if (len)
        *len = bki_default_scenario_text_len;
    return bki_default_scenario_text;
}

/* Contract in blockade/scenario.h. */
bk_status bk_scenario_load_default(bk_scenario **out, bk_error *err)
{
    return bk_scenario_load_string(bki_default_scenario_text, bki_default_scenario_text_len,
                                    DEFAULT_NAME, out, err);
}
