/* main.c: placeholder until the command table lands. */
#include "blockade/blockade.h"
#include <stdio.h>
int main(void)
{
    printf("blockade %s\n", bk_version());
    return 0;
}
