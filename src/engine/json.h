/* json.h (internal): the one place JSON text is escaped. Every hand-written JSON emitter
 * (summaries, manifests, the run store's JSON, levers, optimise and vulnerability results,
 * report data) and, through bk_json_write_string, the tool's own JSON write strings here. */
#ifndef BK_ENGINE_JSON_H
#define BK_ENGINE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Write `s` as a JSON string with its quotes: '"' and '\\' escaped, \n \r \t as such, other
 * control characters as \u00XX; bytes of 0x80 and above pass through (UTF-8). NULL writes
 * null. With `html`, '<' is written as \u003c too, so that the text may sit inside an HTML
 * page. Errors show on the stream (ferror). */
void bki_json_string(FILE *out, const char *s, bool html);

/* The same for the len bytes at s (which may hold no NUL). */
void bki_json_string_n(FILE *out, const char *s, size_t len, bool html);

#endif
