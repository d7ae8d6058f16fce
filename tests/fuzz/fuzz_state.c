/* fuzz_state.c: the ensemble state reader behind its checksum. The input is the state without
 * its last 32 bytes; the target appends the SHA-256 the writer would, so the fuzzer explores
 * the parser rather than the checksum. A state that reads back must write back to the same
 * bytes (equal states give equal bytes), and merge with itself when it is a shard. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "blockade/blockade.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64u * 1024u * 1024u)
        return 0;
    unsigned char *buf = malloc(size + 32);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    unsigned int mdlen = 0;
    if (EVP_Digest(buf, size, buf + size, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32) {
        free(buf);
        return 0;
    }
    FILE *in = fmemopen(buf, size + 32, "rb");
    bk_ensemble *e = NULL;
    bk_error err;
    if (in && bk_ensemble_read_state(in, "state", &e, &err) == BK_OK) {
        char *out = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&out, &len);
        if (f && bk_ensemble_write_state(e, f) == BK_OK) {
            fflush(f);
            if (len != size + 32 || memcmp(out, buf, len) != 0)
                abort();   /* read then write must give the bytes back */
        }
        if (f)
            fclose(f);
        free(out);
        FILE *g = fopen("/dev/null", "w");
        if (g) {
            bk_ensemble_write_bands_csv(e, g);
            bk_ensemble_write_summary_json(e, g);
            bk_ensemble_write_report(e, g);
            fclose(g);
        }
        bk_ensemble_free(e);
    }
    if (in)
        fclose(in);
    free(buf);
    return 0;
}
