/* The character class table and scanners of lex.h. The table is written out by rule, not by
 * hand-typed numbers, so that each class can be read against the RFC 3261 ABNF it encodes. */
#include "lex.h"

/* Members: T token, W word, U user, P password, R paramchar, H hnv, N hostname. */
#define T VS__C_TOKEN
#define W VS__C_WORD
#define U VS__C_USER
#define P VS__C_PASS
#define R VS__C_PARAM
#define H VS__C_HNV
#define N VS__C_HOST
#define UNRES (T | W | U | P | R | H) /* alphanum and mark chars that are also token chars */

const uint8_t vs__sip_cclass[256] = {
    [' '] = VS__C_WS, ['\t'] = VS__C_WS, ['\r'] = VS__C_WS, ['\n'] = VS__C_WS,
    /* mark = - _ . ! ~ * ' ( ) ; ( and ) are not token chars */
    ['-'] = UNRES | N, ['_'] = UNRES | N, ['.'] = UNRES | N, ['!'] = UNRES, ['~'] = UNRES,
    ['*'] = UNRES, ['\''] = UNRES,
    ['('] = W | U | P | R | H, [')'] = W | U | P | R | H,
    /* token extras that are not unreserved */
    ['%'] = T | W, ['+'] = T | W | U | P | R | H, ['`'] = T | W,
    /* word extras */
    ['<'] = W, ['>'] = W, [':'] = W | R | H, ['\\'] = W, ['"'] = W, ['/'] = W | U | R | H,
    ['['] = W | R | H, [']'] = W | R | H, ['?'] = W | U | H, ['{'] = W, ['}'] = W,
    /* user-unreserved and password extras */
    ['&'] = U | P | R, ['='] = U | P, ['$'] = U | P | R | H, [','] = U | P, [';'] = U,
    ['0'] = UNRES | N, ['1'] = UNRES | N, ['2'] = UNRES | N, ['3'] = UNRES | N,
    ['4'] = UNRES | N, ['5'] = UNRES | N, ['6'] = UNRES | N, ['7'] = UNRES | N,
    ['8'] = UNRES | N, ['9'] = UNRES | N,
    ['A'] = UNRES | N, ['B'] = UNRES | N, ['C'] = UNRES | N, ['D'] = UNRES | N,
    ['E'] = UNRES | N, ['F'] = UNRES | N, ['G'] = UNRES | N, ['H'] = UNRES | N,
    ['I'] = UNRES | N, ['J'] = UNRES | N, ['K'] = UNRES | N, ['L'] = UNRES | N,
    ['M'] = UNRES | N, ['N'] = UNRES | N, ['O'] = UNRES | N, ['P'] = UNRES | N,
    ['Q'] = UNRES | N, ['R'] = UNRES | N, ['S'] = UNRES | N, ['T'] = UNRES | N,
    ['U'] = UNRES | N, ['V'] = UNRES | N, ['W'] = UNRES | N, ['X'] = UNRES | N,
    ['Y'] = UNRES | N, ['Z'] = UNRES | N,
    ['a'] = UNRES | N, ['b'] = UNRES | N, ['c'] = UNRES | N, ['d'] = UNRES | N,
    ['e'] = UNRES | N, ['f'] = UNRES | N, ['g'] = UNRES | N, ['h'] = UNRES | N,
    ['i'] = UNRES | N, ['j'] = UNRES | N, ['k'] = UNRES | N, ['l'] = UNRES | N,
    ['m'] = UNRES | N, ['n'] = UNRES | N, ['o'] = UNRES | N, ['p'] = UNRES | N,
    ['q'] = UNRES | N, ['r'] = UNRES | N, ['s'] = UNRES | N, ['t'] = UNRES | N,
    ['u'] = UNRES | N, ['v'] = UNRES | N, ['w'] = UNRES | N, ['x'] = UNRES | N,
    ['y'] = UNRES | N, ['z'] = UNRES | N,
};

const char *vs__skip_quoted(const char *p, const char *end)
{
    p++; /* opening quote */
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (c == '"')
            return p + 1;
        if (c == '\\') {
            if (p + 1 >= end || p[1] == '\r' || p[1] == '\n')
                return NULL;
            p += 2;
            continue;
        }
        if (c == 0)
            return NULL;
        if (c == '\r' || c == '\n') {
            /* only a fold (CRLF SP) may appear inside a value */
            const char *q = p;
            if (*q == '\r')
                q++;
            if (q < end && *q == '\n')
                q++;
            if (q >= end || (*q != ' ' && *q != '\t'))
                return NULL;
            p = q;
            continue;
        }
        p++;
    }
    return NULL;
}

const char *vs__skip_escaped(const char *p, const char *end, uint8_t cls)
{
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (c == '%') {
            if (end - p < 3 || !vs__is_hex((unsigned char)p[1]) || !vs__is_hex((unsigned char)p[2]))
                return NULL;
            p += 3;
        } else if (vs__is(c, cls)) {
            p++;
        } else {
            break;
        }
    }
    return p;
}

bool vs__parse_uint(const char *p, const char *end, uint64_t max, uint64_t *out, bool *too_big)
{
    uint64_t v = 0;
    bool big = false;
    if (p >= end)
        return false;
    for (; p < end; p++) {
        unsigned char c = (unsigned char)*p;
        if (!vs__is_digit(c))
            return false;
        if (!big) {
            unsigned d = c - '0';
            if (v > (UINT64_MAX - d) / 10)
                big = true;
            else
                v = v * 10 + d;
            if (v > max)
                big = true;
        }
    }
    if (too_big)
        *too_big = big;
    if (big)
        return false;
    *out = v;
    return true;
}

bool vs__ipv6_ref(const char *p, const char *end)
{
    int colons = 0;
    if (p >= end)
        return false;
    for (; p < end; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == ':')
            colons++;
        else if (!vs__is_hex(c) && c != '.')
            return false;
    }
    return colons >= 2;
}
