# Turn a text file into a C source defining a NUL-terminated byte array and its length.
# Usage: cmake -DIN=file -DOUT=file.c -DSYMBOL=name [-DTYPE=unsigned] -P embed.cmake
# TYPE=unsigned makes the array `const unsigned char`, for files with bytes of 0x80 and above
# (UTF-8 text), which do not fit a plain char without a conversion warning.
if(TYPE STREQUAL "unsigned")
  set(ctype "unsigned char")
else()
  set(ctype "char")
endif()
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" n)
math(EXPR len "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}" "/* Generated from ${IN} by cmake/embed.cmake. Do not edit. */\n#include <stddef.h>\nconst ${ctype} ${SYMBOL}[] = {\n${bytes}0x00};\nconst size_t ${SYMBOL}_len = ${len};\n")
