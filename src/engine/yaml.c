/* yaml.c: the quiet, error-collecting libfyaml diagnostic object. */
#include "engine/yaml.h"

#include <stdbool.h>

/* Exported by libfyaml 0.7 but missing from its header: without it a diagnostic object of our
 * own does not keep the errors it is given. */
void fy_diag_set_collect_errors(struct fy_diag *diag, bool collect_errors);

static void diag_silent(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
    (void)diag;
    (void)user;
    (void)buf;
    (void)len;
}

struct fy_diag *bk_yaml_quiet_diag(void)
{
    struct fy_diag_cfg dcfg;
    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.output_fn = diag_silent; /* the library never prints */
    dcfg.colorize = false;
    struct fy_diag *diag = fy_diag_create(&dcfg);
    if (diag)
        fy_diag_set_collect_errors(diag, true);
    return diag;
}
