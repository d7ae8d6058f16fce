/* web_assets.h (internal): the front end of the report and of the workbench, embedded by the
 * build as byte arrays (cmake/web.cmake, cmake/embed.cmake); UTF-8 text, hence unsigned. */
#ifndef BK_OUTPUT_WEB_ASSETS_H
#define BK_OUTPUT_WEB_ASSETS_H

#include <stddef.h>

#define BK_WEB_ASSET(sym)             \
    extern const unsigned char sym[]; \
    extern const size_t sym##_len;
BK_WEB_ASSET(bki_web_uplot_js)
BK_WEB_ASSET(bki_web_uplot_css)
BK_WEB_ASSET(bki_web_d3_array_js)
BK_WEB_ASSET(bki_web_d3_geo_js)
BK_WEB_ASSET(bki_web_topojson_js)
BK_WEB_ASSET(bki_web_countries_json)
BK_WEB_ASSET(bki_web_report_js)
BK_WEB_ASSET(bki_web_report_map_js)
BK_WEB_ASSET(bki_web_report_decide_js)
BK_WEB_ASSET(bki_web_report_css)
BK_WEB_ASSET(bki_web_serve_js)
BK_WEB_ASSET(bki_web_serve_css)
#undef BK_WEB_ASSET

#endif
