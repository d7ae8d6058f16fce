/* report_driver.c: writes a report through the library's public API alone, for the browser test
 * when the tool it runs has no `report` command yet. Usage: report_driver DIR OUT [OBSERVED]. */
#include <stdio.h>
#include <string.h>

#include "blockade/blockade.h"

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: report_driver DIR OUT [OBSERVED]\n");
        return 2;
    }
    bk_report_config cfg;
    bk_report_config_init(&cfg);
    if (argc == 4)
        cfg.observed_path = argv[3];
    FILE *f = fopen(argv[2], "wb");
    if (f == NULL) {
        perror(argv[2]);
        return 4;
    }
    bk_error err;
    memset(&err, 0, sizeof err);
    bk_status st = bk_report_write(argv[1], &cfg, f, &err);
    if (fclose(f) != 0 && st == BK_OK)
        st = BK_ERR_IO;
    if (st != BK_OK) {
        fprintf(stderr, "report_driver: %s\n", err.message[0] ? err.message : bk_status_str(st));
        remove(argv[2]);
        return 1;
    }
    return 0;
}
