/* abc.h (internal): ABC-SMC and scenario calibration are public (blockade/calibrate.h); this
 * header shares the seed mixing and the model evaluation with sensitivity.c and score.c.
 */
#ifndef BK_ANALYSIS_ABC_H
#define BK_ANALYSIS_ABC_H

#include <stdint.h>

#include "blockade/calibrate.h"

/* Most parameters in a calibration spec. */
#define SPEC_MAX_PARAMS 64

/* A well-mixed 64-bit seed from a base seed and two indices (splitmix64 finaliser). */
uint64_t bki_cal_mix(uint64_t seed, uint64_t a, uint64_t b);

/* Run replication 0 of `base` with the spec's scenario parameters set to theta, for `days` days
 * (0: the scenario's), with `seed`; on_day (may be NULL) as bk_run_config.on_day. On success
 * *out owns the run and *sc the modified scenario it borrows: free the run first, then the
 * scenario. */
bk_status bki_cal_run_at(const bk_calib_spec *spec, const bk_scenario *base, const double *theta,
                         uint64_t seed, int days, bool (*on_day)(void *, const bk_run *, int),
                         void *on_day_ud, bk_scenario **sc, bk_run **out, bk_error *err);

/* True when parameter j is an observation parameter, not a scenario path. */
bool bki_param_is_observation(const bk_param *p);

#endif
