/* Data file reader (see datafile.h). Files are small (thousands of lines); reading them with
 * stdio once at start is all the speed they need. */
#include "detect/datafile.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\r')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

int vs__data_read(const char *path, size_t min_fields, vs__data_line_fn fn, void *ctx, char *err,
                  size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char buf[2048];
    unsigned line = 0;
    int rc = 0;
    while (fgets(buf, sizeof buf, f)) {
        line++;
        if (!strchr(buf, '\n') && !feof(f)) {
            snprintf(err, errlen, "%s:%u: line longer than %zu bytes", path, line, sizeof buf - 1);
            rc = -1;
            break;
        }
        char *s = trim(buf);
        if (!*s || *s == '#')
            continue;
        char *fields[VS__DATA_MAX_FIELDS];
        size_t n = 0;
        char *p = s;
        while (p && n < VS__DATA_MAX_FIELDS) {
            char *tab = strchr(p, '\t');
            if (tab)
                *tab = '\0';
            fields[n++] = trim(p);
            p = tab ? tab + 1 : NULL;
        }
        if (p) {
            snprintf(err, errlen, "%s:%u: more than %d tab-separated fields", path, line,
                     VS__DATA_MAX_FIELDS);
            rc = -1;
            break;
        }
        if (n < min_fields) {
            snprintf(err, errlen, "%s:%u: expected %zu tab-separated fields, found %zu", path, line,
                     min_fields, n);
            rc = -1;
            break;
        }
        const char *why = fn(ctx, fields, n, line);
        if (why) {
            snprintf(err, errlen, "%s:%u: %s", path, line, why);
            rc = -1;
            break;
        }
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, errlen, "%s: read error", path);
        rc = -1;
    }
    fclose(f);
    return rc;
}
