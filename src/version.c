/* version.c: the library's version string. */
#include "blockade/blockade.h"

const char *bk_version(void)
{
    return BK_VERSION_STRING;
}
