/* Small pieces every command shares: where the data files are, and the argument text a run is
 * recorded with in the store. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

const char *vs_cli_data_dir(void)
{
    const char *env = getenv("VOIPSEC_DATA_DIR");
    return env && *env ? env : VS_DATA_DIR;
}

void vs_cli_join_args(int argc, char **argv, int first, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = first; i < argc && used < size; i++) {
        int n = snprintf(buf + used, size - used, "%s%s", used ? " " : "", argv[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}
