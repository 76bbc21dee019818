/* JSON string escaping for the report writers. One escaper serves both sinks (a FILE and a
 * bounded buffer) through a tiny put-bytes callback, so that the rules cannot drift apart. */
#include "report/json.h"

#include <string.h>
#include <voipsec/finding.h>

typedef void (*put_fn)(void *sink, const char *p, size_t n);

/* Length of the well-formed UTF-8 sequence at p (1..4), or 0 when it is not well-formed. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    size_t len;
    unsigned cp, min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2, cp = c & 0x1fu, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3, cp = c & 0x0fu, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4, cp = c & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

static void escape(put_fn put, void *sink, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    put(sink, "\"", 1);
    size_t i = 0;
    while (i < n) {
        /* copy the longest run that needs no escaping in one call */
        size_t run = i;
        while (run < n && p[run] >= 0x20 && p[run] < 0x7f && p[run] != '"' && p[run] != '\\')
            run++;
        if (run > i) {
            put(sink, s + i, run - i);
            i = run;
            continue;
        }
        unsigned char c = p[i];
        char tmp[8];
        if (c == '"' || c == '\\') {
            tmp[0] = '\\';
            tmp[1] = (char)c;
            put(sink, tmp, 2);
            i++;
        } else if (c == '\n') {
            put(sink, "\\n", 2), i++;
        } else if (c == '\r') {
            put(sink, "\\r", 2), i++;
        } else if (c == '\t') {
            put(sink, "\\t", 2), i++;
        } else if (c < 0x20 || c == 0x7f) {
            static const char hex[] = "0123456789abcdef";
            memcpy(tmp, "\\u00", 4);
            tmp[4] = hex[c >> 4];
            tmp[5] = hex[c & 15];
            put(sink, tmp, 6);
            i++;
        } else {
            size_t l = utf8_len(p + i, n - i);
            if (l == 0) {
                put(sink, "\\ufffd", 6);
                i++;
            } else {
                put(sink, s + i, l);
                i += l;
            }
        }
    }
    put(sink, "\"", 1);
}

static void put_file(void *sink, const char *p, size_t n)
{
    fwrite(p, 1, n, (FILE *)sink);
}

static void put_buf(void *sink, const char *p, size_t n)
{
    vs__jbuf *b = sink;
    if (b->overflow || b->len + n >= b->cap) {
        b->overflow = true;
        return;
    }
    memcpy(b->buf + b->len, p, n);
    b->len += n;
}

void vs__jbuf_putc(vs__jbuf *b, char c)
{
    put_buf(b, &c, 1);
}

void vs__jbuf_puts(vs__jbuf *b, const char *s)
{
    put_buf(b, s, strlen(s));
}

void vs__jbuf_str(vs__jbuf *b, const char *s, size_t n)
{
    escape(put_buf, b, s, n);
}

void vs__json_fstr(FILE *out, const char *s)
{
    escape(put_file, out, s, strlen(s));
}

void vs_json_write_str(FILE *out, const char *s, size_t n)
{
    escape(put_file, out, s ? s : "", s ? n : 0);
}
