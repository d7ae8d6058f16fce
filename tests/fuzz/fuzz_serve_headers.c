/* fuzz_serve_headers.c: `blockade serve`'s Host and Origin checks (DNS rebinding, cross-site
 * requests; cli/serve_http.c) on arbitrary header values. The input is split at its first NUL
 * byte into Host and Origin (no NUL: Origin absent). Whatever the bytes, the check answers, and
 * a Host that is not one of the server's own names is never accepted. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "serve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    size_t host_len = strlen(buf);
    const char *origin = host_len < size ? buf + host_len + 1 : NULL;
    const char *why = serve_check_host_origin(buf, origin, "127.0.0.1", "127.0.0.1", 8765);
    /* accepted: the Host names this server (its loopback name or address, any case, and port) */
    if (why == NULL && strcasecmp(buf, "127.0.0.1:8765") != 0 &&
        strcasecmp(buf, "localhost:8765") != 0 && strcasecmp(buf, "[::1]:8765") != 0)
        abort();
    free(buf);
    return 0;
}
