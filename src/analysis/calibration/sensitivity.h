/* sensitivity.h (internal): global sensitivity analysis is public (blockade/calibrate.h). The
 * estimators are exposed here for tests on functions with known indices.
 */
#ifndef BK_ANALYSIS_SENSITIVITY_H
#define BK_ANALYSIS_SENSITIVITY_H

#include <stdint.h>

#include "blockade/calibrate.h"

/* Morris design: R trajectories of k+1 points each in [0,1]^k on a p-level grid, into
 * u[R * (k + 1) * k]; *delta receives the step. Deterministic in seed. */
void bki_morris_design(uint64_t seed, int R, int k, int p, double *u, double *delta);

/* Elementary effects of one outcome from values f[R * (k + 1)] of the design: mu, mu*, sigma
 * per parameter. */
void bki_morris_effects(const double *u, const double *f, int R, int k, double *mu,
                        double *mu_star, double *sigma);

/* Saltelli design: rows A (N), B (N), then AB_i (N each, i = 0..k-1), into u[N * (k + 2) * k]. */
void bki_saltelli_design(uint64_t seed, uint64_t N, int k, double *u);

/* First-order (Saltelli 2010) and total (Jansen 1999) indices from f[N * (k + 2)]. */
void bki_sobol_indices(const double *f, uint64_t N, int k, double *s1, double *st);

#endif
