/* serve_http.h: what the HTTP parts of `blockade serve` share (serve_http.c, serve_runs.c):
 * answers with the common headers, JSON errors, ids in paths. */
#ifndef BK_CLI_SERVE_HTTP_H
#define BK_CLI_SERVE_HTTP_H

#include <stddef.h>

#include <microhttpd.h>

/* Cache-Control no-store, nosniff, no-referrer, frame denial, same-origin resources. */
void serve_add_headers(struct MHD_Response *r);

/* Queue `len` bytes (copied) with a status and a content type. */
enum MHD_Result serve_send_buf(struct MHD_Connection *c, unsigned status, const char *type,
                               const char *buf, size_t len);

/* Queue {"error": {"status": N, "message": "..."}}. */
enum MHD_Result serve_send_error(struct MHD_Connection *c, unsigned status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Queue `buf` (JSON, len bytes) and free it; a NULL buf (out of memory) is a 500. */
enum MHD_Result serve_send_json(struct MHD_Connection *c, unsigned status, char *buf, size_t len);

/* A positive decimal id at *p (advanced past it); -1 if none or too large. */
long serve_parse_id(const char **p);

/* GET /api/runs + rest, from the run store at `store_path` (which may not exist yet). */
enum MHD_Result serve_runs(const char *store_path, struct MHD_Connection *c, const char *rest);

#endif
