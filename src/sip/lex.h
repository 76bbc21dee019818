/* Character classes and small scanners shared by the SIP parsers (private).
 *
 * One 256-entry table of class bits, built at compile time, answers every "is this byte allowed
 * here" question of the RFC 3261 grammar with one load and one AND. Scanners take [p, end) and
 * never read at or past end. Header values may contain folding (CRLF followed by SP/HT); the
 * scanners treat CR and LF like SP wherever linear whitespace (LWS) is allowed, because the
 * framer has already proved that every CR/LF inside a value is part of a fold. */
#ifndef VS_SIP_LEX_H
#define VS_SIP_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <voipsec/core.h>

enum {
    VS__C_TOKEN = 0x01,    /* token: alphanum - . ! % * _ + ` ' ~ */
    VS__C_WORD = 0x02,     /* word: token plus ( ) < > : \ " / [ ] ? { } */
    VS__C_USER = 0x04,     /* URI user: unreserved + user-unreserved (& = + $ , ; ? /) */
    VS__C_PASS = 0x08,     /* URI password: unreserved + & = + $ , */
    VS__C_PARAM = 0x10,    /* URI paramchar: unreserved + [ ] / : & + $ */
    VS__C_HNV = 0x20,      /* URI header name/value: unreserved + [ ] / ? : + $ */
    VS__C_HOST = 0x40,     /* hostname / IPv4 characters: alphanum - . (and _ tolerated) */
    VS__C_WS = 0x80,       /* SP HT CR LF */
};

extern const uint8_t vs__sip_cclass[256];

static inline bool vs__is(unsigned char c, uint8_t cls)
{
    return (vs__sip_cclass[c] & cls) != 0;
}

static inline bool vs__is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static inline bool vs__is_alpha(unsigned char c)
{
    return (unsigned char)((c | 0x20) - 'a') < 26;
}

static inline bool vs__is_hex(unsigned char c)
{
    return vs__is_digit(c) || (unsigned char)((c | 0x20) - 'a') < 6;
}

static inline const char *vs__skip_ws(const char *p, const char *end)
{
    while (p < end && vs__is((unsigned char)*p, VS__C_WS))
        p++;
    return p;
}

static inline const char *vs__skip_class(const char *p, const char *end, uint8_t cls)
{
    while (p < end && vs__is((unsigned char)*p, cls))
        p++;
    return p;
}

/* An empty slice may have a NULL pointer (a zeroed view); pointer arithmetic on NULL is
 * undefined even with offset 0, so public entry points swap it for an empty string. */
#define VS__EMPTY_IF_NULL(s)                                                                      \
    do {                                                                                          \
        if (!(s).ptr)                                                                             \
            (s).ptr = "";                                                                         \
    } while (0)

/* Case-insensitive compare of a slice with a string literal; the length test first, so that
 * no strlen runs on the hot path. */
#define VS__NAME_IS(slice, lit)                                                                   \
    ((slice).len == sizeof(lit) - 1 && vs_slice_caseeq((slice), vs_slice_make((lit), sizeof(lit) - 1)))

/* Skips a quoted-string starting at the opening DQUOTE. Returns the byte after the closing
 * quote, or NULL when the string is unterminated or holds a bare CR/LF/NUL (quoted-pair may
 * escape any byte but CR and LF, RFC 3261 25.1). */
const char *vs__skip_quoted(const char *p, const char *end);

/* Skips RFC 3261 LWS and also a "%xx" escape-aware run of the given class: returns the first byte
 * not in cls (escapes count as members when allow_escape). Returns NULL on a broken %-escape. */
const char *vs__skip_escaped(const char *p, const char *end, uint8_t cls);

/* Parses decimal digits [p, end) into *out with a cap: false when empty, not all digits, or above
 * max (without overflowing on any length). */
bool vs__parse_uint(const char *p, const char *end, uint64_t max, uint64_t *out, bool *too_big);

/* true when [p, end) (the text between '[' and ']') looks like an IPv6 address: hex digits,
 * dots and at least two colons. The full RFC 4291 grammar is not needed to tell hosts apart. */
bool vs__ipv6_ref(const char *p, const char *end);

#endif
