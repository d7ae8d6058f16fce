/* fuzz_serve_request.c: the body of `blockade serve`'s POST /api/jobs (JSON, docs/serve.md) read
 * against the test scenario, each policy patch applied (cli/serve_request.c). The reader must
 * answer any input with 0 and a request, or an HTTP status and a message; never crash. */
#include <stdint.h>
#include <stdlib.h>

#include "blockade/blockade.h"
#include "fuzz_common.h"
#include "serve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    serve_request req;
    char msg[512];
    int code = serve_request_parse((const char *)data, size, fuzz_test_scenario(), &req, msg,
                                   sizeof msg);
    if (code == 0)
        serve_request_release(&req);
    else if (code < 400 || code > 499 || msg[0] == '\0')
        abort();   /* a refusal is a 4xx with a reason */
    return 0;
}
