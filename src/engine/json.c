/* json.c: JSON string escaping (see json.h), one implementation for every emitter. */
#include "engine/json.h"

#include <string.h>

#include "blockade/blockade.h"

/* Contract in json.h. */
void bki_json_string_n(FILE *out, const char *s, size_t len, bool html)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s, *e = p + len; p < e; p++) {
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*p < 0x20 || (html && *p == '<'))
                fprintf(out, "\\u%04x", (unsigned)*p);
            else
                fputc(*p, out);
        }
    }
    fputc('"', out);
}

/* Contract in json.h. */
void bki_json_string(FILE *out, const char *s, bool html)
{
    if (s == NULL)
        fputs("null", out);
    else
        bki_json_string_n(out, s, strlen(s), html);
}

/* Contract in blockade/blockade.h. */
void bk_json_write_string(FILE *out, const char *s, bool html)
{
    bki_json_string(out, s, html);
}
