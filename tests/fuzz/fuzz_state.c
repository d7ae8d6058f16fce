/* fuzz_state.c: the ensemble state reader behind its checksum. The input is the state without
 * its last 32 bytes; the target appends the SHA-256 the writer would, so the fuzzer explores
 * the parser rather than the checksum. A state that reads must write, and what it writes must
 * read back and write again to the very same bytes (the writer's form is canonical: equal
 * states give equal bytes). The reader accepts some inputs that are not in that form (any
 * non-zero invariant-check flag, for one), so the input itself is not compared. */
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
        char *out = NULL, *again = NULL;
        size_t len = 0, len2 = 0;
        FILE *f = open_memstream(&out, &len);
        if (!f || bk_ensemble_write_state(e, f) != BK_OK)
            abort();
        fclose(f);
        FILE *in2 = fmemopen(out, len, "rb");
        bk_ensemble *e2 = NULL;
        if (!in2 || bk_ensemble_read_state(in2, "state", &e2, &err) != BK_OK)
            abort();   /* the writer's own output must read */
        fclose(in2);
        f = open_memstream(&again, &len2);
        if (!f || bk_ensemble_write_state(e2, f) != BK_OK)
            abort();
        fclose(f);
        if (len2 != len || memcmp(again, out, len) != 0)
            abort();   /* read then write of the writer's bytes must give them back */
        bk_ensemble_free(e2);
        free(again);
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
