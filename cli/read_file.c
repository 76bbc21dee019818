/* Whole-file reading for commands that take message files. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int vs_read_file(const char *path, size_t max, char **buf, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return -1;
    size_t cap = 4096, n = 0;
    char *b = malloc(cap);
    if (!b) {
        if (f != stdin)
            fclose(f);
        errno = ENOMEM;
        return -1;
    }
    for (;;) {
        if (n == cap) {
            if (cap > max) /* read max+1 bytes at most: enough to say "too large" */
                break;
            size_t ncap = cap * 2;
            char *nb = realloc(b, ncap);
            if (!nb) {
                free(b);
                if (f != stdin)
                    fclose(f);
                errno = ENOMEM;
                return -1;
            }
            b = nb;
            cap = ncap;
        }
        size_t want = cap - n;
        if (n + want > max + 1)
            want = max + 1 - n;
        if (want == 0)
            break;
        size_t got = fread(b + n, 1, want, f);
        n += got;
        if (got < want) {
            if (ferror(f)) {
                int e = errno ? errno : EIO;
                free(b);
                if (f != stdin)
                    fclose(f);
                errno = e;
                return -1;
            }
            break;
        }
    }
    if (f != stdin)
        fclose(f);
    *buf = b;
    *len = n;
    return 0;
}
