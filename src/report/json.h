/* JSON text output shared by the report writers (private). Strings are escaped so that the
 * output is valid JSON for any input bytes: control bytes become \u escapes and bytes that are not
 * well-formed UTF-8 become U+FFFD. */
#ifndef VS_REPORT_JSON_H
#define VS_REPORT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* A bounded output buffer: writes past cap set overflow and are dropped. */
typedef struct vs__jbuf {
    char *buf;
    size_t cap;
    size_t len;
    bool overflow;
} vs__jbuf;

void vs__jbuf_putc(vs__jbuf *b, char c);
void vs__jbuf_puts(vs__jbuf *b, const char *s);
void vs__jbuf_str(vs__jbuf *b, const char *s, size_t n); /* quoted and escaped */

/* Writes s (NUL-terminated) as a quoted, escaped JSON string. */
void vs__json_fstr(FILE *out, const char *s);

#endif
