#!/bin/sh
# Route the library's allocations through engine/alloc.h: every malloc( calloc( realloc( strdup(
# strndup( free( in src/**/*.c not preceded by an identifier character, "->" or "." becomes
# bki_malloc( ..., and the file gets #include "engine/alloc.h" before its first project include.
# Idempotent: run it again after a merge brings in new calls.
set -e
cd "$(dirname "$0")/.."
for f in $(grep -rlE '(^|[^A-Za-z0-9_>.])(malloc|calloc|realloc|strn?dup|free)\(' src --include='*.c' | grep -v '^src/engine/alloc.c$'); do
  sed -i -E 's/(^|[^A-Za-z0-9_>.])(malloc|calloc|realloc|strn?dup|free)\(/\1bki_\2(/g' "$f"
  grep -q '#include "engine/alloc.h"' "$f" || sed -i '0,/^#include "/s//#include "engine\/alloc.h"\n#include "/' "$f"
done
