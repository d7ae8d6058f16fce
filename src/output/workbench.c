/* workbench.c: the page of the local workbench (blockade serve): the report's front end (uPlot,
 * embedded at build time from the pinned npm packages) and web/serve.js, which talks to the
 * server's JSON API. Every script and style is inline and carries the page's nonce, so the
 * server can send a Content-Security-Policy that allows nothing else. */
#include <string.h>

#include "blockade/blockade.h"
#include "output/format.h"
#include "output/web_assets.h"

static void put_asset(FILE *f, const char *open, const char *nonce, const unsigned char *text,
                      size_t len, const char *close)
{
    fprintf(f, "<%s nonce=\"%s\">\n", open, nonce);
    fwrite(text, 1, len, f);
    fprintf(f, "\n</%s>\n", close);
}

/* Contract in blockade/report.h. */
bk_status bk_workbench_write_page(FILE *out, const char *nonce)
{
    if (out == NULL || nonce == NULL || nonce[0] == '\0' ||
        strspn(nonce, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/=-_") !=
            strlen(nonce))
        return BK_ERR_USAGE;
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"generator\" content=\"blockade ",
          out);
    fputs(bk_version(), out);
    fputs("\">\n<title>blockade workbench</title>\n", out);
    put_asset(out, "style", nonce, bki_web_uplot_css, bki_web_uplot_css_len, "style");
    put_asset(out, "style", nonce, bki_web_report_css, bki_web_report_css_len, "style");
    put_asset(out, "style", nonce, bki_web_serve_css, bki_web_serve_css_len, "style");
    fputs("</head>\n<body>\n<header class=\"bk-header\"><h1>blockade workbench</h1>"
          "<p id=\"bk-subtitle\" class=\"bk-subtitle\"></p></header>\n"
          "<main id=\"bk-app\"><noscript><p>The workbench needs JavaScript, which is turned off "
          "in this browser.</p></noscript></main>\n",
          out);
    put_asset(out, "script", nonce, bki_web_uplot_js, bki_web_uplot_js_len, "script");
    put_asset(out, "script", nonce, bki_web_serve_js, bki_web_serve_js_len, "script");
    fputs("</body>\n</html>\n", out);
    return bki_fmt_finish(out);
}
