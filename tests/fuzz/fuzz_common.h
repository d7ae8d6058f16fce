/* fuzz_common.h: shared set-up of the fuzz targets, made once per process. */
#ifndef BK_FUZZ_COMMON_H
#define BK_FUZZ_COMMON_H

#include "blockade/blockade.h"

/* The two-corridor test scenario, loaded once (aborts if it cannot be). */
const bk_scenario *fuzz_test_scenario(void);

/* A directory holding the outputs of one run of the test scenario (made once, under $TMPDIR),
 * or NULL. */
const char *fuzz_run_dir(void);

/* Put back the run's own `name` after a target replaced it (a missing file is removed). */
void fuzz_restore_run_dir(const char *name);

#endif
