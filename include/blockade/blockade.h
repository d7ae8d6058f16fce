/* blockade/blockade.h: the whole public API of the blockade library.
 *
 * blockade simulates a city's fuel lifeline under an insurgent blockade: tanker convoys on road
 * corridors, escorts, adaptive ambushes, city stocks and their consequences. Include this header
 * and link with -lblockade. Nothing in the library prints or exits; errors come back as a
 * bk_status with a bk_error message.
 */
#ifndef BLOCKADE_BLOCKADE_H
#define BLOCKADE_BLOCKADE_H

#include <stdbool.h>
#include <stdio.h>

#include "blockade/calibrate.h"
#include "blockade/decide.h"
#include "blockade/report.h"
#include "blockade/ensemble.h"
#include "blockade/scenario.h"
#include "blockade/sim.h"
#include "blockade/status.h"
#include "blockade/store.h"

#define BK_VERSION_MAJOR 0
#define BK_VERSION_MINOR 1
#define BK_VERSION_PATCH 0

/* The library's version as "MAJOR.MINOR.PATCH", static. */
const char *bk_version(void);

/* Write `s` to `out` as a JSON string with its quotes, escaped as every JSON file of the
 * library is: '"' and '\\' escaped, \n \r \t as such, other control characters as \u00XX, bytes
 * of 0x80 and above as they are (UTF-8). NULL writes null. With `html`, '<' is escaped as
 * \u003c too, for text that may end up inside an HTML page. Write errors show on the stream
 * (ferror). Thread-safe as the stream is. */
void bk_json_write_string(FILE *out, const char *s, bool html);

#endif
