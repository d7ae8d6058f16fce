# The report's front end: JavaScript libraries from the npm registry, pinned by
# web/package-lock.json, installed with `npm ci` into the build directory (each build directory
# has its own node_modules, so parallel builds never share one), then embedded into the library as
# C byte arrays by cmake/embed.cmake together with the project's own web/report.js and
# web/report.css.
#
# Defines BK_WEB_SOURCES (the generated .c files) and BK_WEB_NODE_MODULES (for the browser test).

find_program(BK_NODE node)
find_program(BK_NPM npm)
if(NOT BK_NODE OR NOT BK_NPM)
  message(FATAL_ERROR
    "node and npm are needed to build the HTML report's front end and were not found.\n"
    "Run scripts/install-deps.sh as root (it installs nodejs and npm), or install Node.js "
    "18 or later with npm, then configure again.")
endif()

set(BK_WEB_SRC ${PROJECT_SOURCE_DIR}/web)
set(BK_WEB_BIN ${PROJECT_BINARY_DIR}/web)
set(BK_WEB_NODE_MODULES ${BK_WEB_BIN}/node_modules)
set(BK_WEB_STAMP ${BK_WEB_BIN}/npm-ci.stamp)
file(MAKE_DIRECTORY ${BK_WEB_BIN})
# node_modules removed by hand: install again at the next build.
if(NOT EXISTS ${BK_WEB_NODE_MODULES}/.package-lock.json)
  file(REMOVE ${BK_WEB_STAMP})
endif()

# What the report inlines: file in node_modules (or web/) and the C symbol that holds it.
set(BK_WEB_ASSETS
  "uplot/dist/uPlot.iife.min.js|bki_web_uplot_js"
  "uplot/dist/uPlot.min.css|bki_web_uplot_css"
  "d3-array/dist/d3-array.min.js|bki_web_d3_array_js"
  "d3-geo/dist/d3-geo.min.js|bki_web_d3_geo_js"
  "topojson-client/dist/topojson-client.min.js|bki_web_topojson_js"
  "world-atlas/countries-110m.json|bki_web_countries_json")
set(BK_WEB_OWN
  "report.js|bki_web_report_js"
  "report_map.js|bki_web_report_map_js"
  "report_decide.js|bki_web_report_decide_js"
  "report.css|bki_web_report_css"
  "serve.js|bki_web_serve_js"
  "serve.css|bki_web_serve_css")

set(BK_WEB_PACKAGE_FILES)
foreach(entry ${BK_WEB_ASSETS})
  string(REPLACE "|" ";" parts "${entry}")
  list(GET parts 0 rel)
  list(APPEND BK_WEB_PACKAGE_FILES ${BK_WEB_NODE_MODULES}/${rel})
endforeach()

# `npm ci` again whenever package.json or package-lock.json changes.
add_custom_command(
  OUTPUT ${BK_WEB_STAMP}
  BYPRODUCTS ${BK_WEB_PACKAGE_FILES}
  COMMAND ${CMAKE_COMMAND} -E copy_if_different ${BK_WEB_SRC}/package.json
          ${BK_WEB_SRC}/package-lock.json ${BK_WEB_BIN}
  COMMAND ${BK_NPM} ci --no-audit --no-fund --loglevel=error
  COMMAND ${CMAKE_COMMAND} -E touch ${BK_WEB_STAMP}
  WORKING_DIRECTORY ${BK_WEB_BIN}
  DEPENDS ${BK_WEB_SRC}/package.json ${BK_WEB_SRC}/package-lock.json
  COMMENT "Installing the report's npm packages (npm ci, pinned by web/package-lock.json)"
  VERBATIM)
add_custom_target(bki_web_packages DEPENDS ${BK_WEB_STAMP})

set(BK_WEB_SOURCES)
# `dep` is what the embedded file changes with: itself for the project's own files, the npm stamp
# for the packages' files (npm gives them old modification times, and make knows no rule for
# them).
function(bki_web_embed file symbol dep)
  set(out ${BK_WEB_BIN}/${symbol}.c)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DIN=${file} -DOUT=${out} -DSYMBOL=${symbol} -DTYPE=unsigned
            -P ${PROJECT_SOURCE_DIR}/cmake/embed.cmake
    DEPENDS ${dep} ${PROJECT_SOURCE_DIR}/cmake/embed.cmake
    COMMENT "Embedding ${symbol}"
    VERBATIM)
  set(BK_WEB_SOURCES ${BK_WEB_SOURCES} ${out} PARENT_SCOPE)
endfunction()

foreach(entry ${BK_WEB_ASSETS})
  string(REPLACE "|" ";" parts "${entry}")
  list(GET parts 0 rel)
  list(GET parts 1 sym)
  bki_web_embed(${BK_WEB_NODE_MODULES}/${rel} ${sym} ${BK_WEB_STAMP})
endforeach()
foreach(entry ${BK_WEB_OWN})
  string(REPLACE "|" ";" parts "${entry}")
  list(GET parts 0 rel)
  list(GET parts 1 sym)
  bki_web_embed(${BK_WEB_SRC}/${rel} ${sym} ${BK_WEB_SRC}/${rel})
endforeach()
