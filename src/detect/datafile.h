/* Reading voipsec's data files (private): TSV or one-item-per-line text, '#' comments, blank lines
 * skipped, every problem reported as "FILE:LINE: what is wrong". */
#ifndef VS_DETECT_DATAFILE_H
#define VS_DETECT_DATAFILE_H

#include <stdbool.h>
#include <stddef.h>

#define VS__DATA_MAX_FIELDS 8

/* Called per data line with its tab-separated fields (trimmed, NUL-terminated, in a buffer that
 * lives for the call). Return NULL to go on, or a static message to stop with an error. */
typedef const char *(*vs__data_line_fn)(void *ctx, char **fields, size_t nfields, unsigned line);

/* Reads path line by line. Returns 0, or -1 with "path:line: message" (or "path: strerror") in
 * err. min_fields: lines with fewer tab-separated fields are an error. */
int vs__data_read(const char *path, size_t min_fields, vs__data_line_fn fn, void *ctx, char *err,
                  size_t errlen);

#endif
