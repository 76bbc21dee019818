/* SIP, SIPS and tel URIs (RFC 3261 19.1, RFC 3966) and other schemes as opaque text.
 *
 * The user part is found by the first '@': no character class that may precede it (user,
 * password) admits an unescaped '@', so this is exact and keeps the scan single-pass. */
#include <string.h>

#include "lex.h"
#include "sip_internal.h"

static vs_rc fail(const char *at, const char *start, size_t *err_off)
{
    if (err_off)
        *err_off = (size_t)(at - start);
    return VS_E_PARSE;
}

static bool scheme_is(vs_slice s, const char *lit)
{
    return vs_slice_caseeq_str(s, lit);
}

/* ;name[=value] URI parameters, then ?name=value&... headers; p at ';' or '?' or end. */
static const char *uri_tail(const char *p, const char *end, vs_sip_uri *uri, const char **bad)
{
    const char *params = p;
    while (p < end && *p == ';') {
        const char *n = vs__skip_escaped(p + 1, end, VS__C_PARAM);
        if (!n || n == p + 1) {
            *bad = p + 1;
            return NULL;
        }
        p = n;
        if (p < end && *p == '=') {
            n = vs__skip_escaped(p + 1, end, VS__C_PARAM);
            if (!n || n == p + 1) {
                *bad = p + 1;
                return NULL;
            }
            p = n;
        }
    }
    uri->params = vs_slice_make(params, (size_t)(p - params));
    if (p < end && *p == '?') {
        const char *h = ++p;
        for (;;) {
            const char *n = vs__skip_escaped(p, end, VS__C_HNV);
            if (!n || n == p || n >= end || *n != '=') {
                *bad = n ? n : p;
                return NULL;
            }
            p = vs__skip_escaped(n + 1, end, VS__C_HNV);
            if (!p) {
                *bad = n + 1;
                return NULL;
            }
            if (p < end && *p == '&') {
                p++;
                continue;
            }
            break;
        }
        uri->headers = vs_slice_make(h, (size_t)(p - h));
    }
    return p;
}

static vs_rc parse_sip(const char *start, const char *p, const char *end, vs_sip_uri *uri,
                       size_t *err_off)
{
    const char *bad = NULL;
    const char *at = memchr(p, '@', (size_t)(end - p));
    if (at) {
        const char *u = vs__skip_escaped(p, at, VS__C_USER);
        if (!u)
            return fail(p, start, err_off);
        if (u == p)
            return fail(u, start, err_off);
        uri->user = vs_slice_make(p, (size_t)(u - p));
        if (u < at) {
            if (*u != ':')
                return fail(u, start, err_off);
            const char *pw = u + 1;
            const char *e = vs__skip_escaped(pw, at, VS__C_PASS);
            if (!e || e != at)
                return fail(e ? e : pw, start, err_off);
            uri->password = vs_slice_make(pw, (size_t)(at - pw));
        }
        p = at + 1;
    }
    const char *h = p;
    if (p < end && *p == '[') {
        const char *close = memchr(p, ']', (size_t)(end - p));
        if (!close || !vs__ipv6_ref(p + 1, close))
            return fail(p, start, err_off);
        p = close + 1;
        uri->host_ipv6 = true;
    } else {
        p = vs__skip_class(p, end, VS__C_HOST);
        if (p == h)
            return fail(p, start, err_off);
    }
    uri->host = vs_slice_make(h, (size_t)(p - h));
    if (p < end && *p == ':') {
        const char *d = ++p;
        while (p < end && vs__is_digit((unsigned char)*p))
            p++;
        uint64_t port;
        if (!vs__parse_uint(d, p, 65535, &port, NULL))
            return fail(d, start, err_off);
        uri->port_text = vs_slice_make(d, (size_t)(p - d));
        uri->port = (uint16_t)port;
    }
    p = uri_tail(p, end, uri, &bad);
    if (!p)
        return fail(bad, start, err_off);
    if (p != end)
        return fail(p, start, err_off);
    return VS_OK;
}

static vs_rc parse_tel(const char *start, const char *p, const char *end, vs_sip_uri *uri,
                       size_t *err_off)
{
    const char *n = p;
    while (p < end && *p != ';') {
        unsigned char c = (unsigned char)*p;
        if (c == '%') {
            if (end - p < 3 || !vs__is_hex((unsigned char)p[1]) || !vs__is_hex((unsigned char)p[2]))
                return fail(p, start, err_off);
            p += 3;
            continue;
        }
        if (!(vs__is_hex(c) || c == '+' || c == '-' || c == '.' || c == '(' || c == ')' ||
              c == '*' || c == '#' || c == 'p' || c == 'P' || c == 'w' || c == 'W'))
            return fail(p, start, err_off);
        p++;
    }
    if (p == n)
        return fail(p, start, err_off);
    uri->user = vs_slice_make(n, (size_t)(p - n));
    const char *bad = NULL;
    p = uri_tail(p, end, uri, &bad);
    if (!p)
        return fail(bad, start, err_off);
    if (p != end || uri->headers.len)
        return fail(p, start, err_off);
    return VS_OK;
}

static vs_rc parse_into(vs_slice s, vs_sip_uri *uri, size_t *err_off)
{
    if (!uri || (!s.ptr && s.len))
        return VS_E_INVAL;
    VS__EMPTY_IF_NULL(s);
    memset(uri, 0, sizeof *uri);
    const char *start = s.ptr, *p = s.ptr, *end = s.ptr + s.len;
    if (p >= end || !vs__is_alpha((unsigned char)*p))
        return fail(p, start, err_off);
    while (p < end && (vs__is_alpha((unsigned char)*p) || vs__is_digit((unsigned char)*p) ||
                       *p == '+' || *p == '-' || *p == '.'))
        p++;
    if (p >= end || *p != ':')
        return fail(p, start, err_off);
    uri->scheme = vs_slice_make(start, (size_t)(p - start));
    p++;
    if (scheme_is(uri->scheme, "sip"))
        uri->scheme_id = VS_URI_SIP;
    else if (scheme_is(uri->scheme, "sips"))
        uri->scheme_id = VS_URI_SIPS;
    else if (scheme_is(uri->scheme, "tel"))
        uri->scheme_id = VS_URI_TEL;
    else
        uri->scheme_id = VS_URI_OTHER;

    if (uri->scheme_id == VS_URI_SIP || uri->scheme_id == VS_URI_SIPS)
        return parse_sip(start, p, end, uri, err_off);
    if (uri->scheme_id == VS_URI_TEL)
        return parse_tel(start, p, end, uri, err_off);
    /* absoluteURI: printable, no whitespace, no delimiters that would end it in a header */
    if (p == end)
        return fail(p, start, err_off);
    for (const char *q = p; q < end; q++) {
        unsigned char c = (unsigned char)*q;
        if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == '"')
            return fail(q, start, err_off);
    }
    uri->opaque = vs_slice_make(p, (size_t)(end - p));
    return VS_OK;
}

static int hexval(unsigned char c)
{
    if (vs__is_digit(c))
        return c - '0';
    return (c | 0x20) - 'a' + 10;
}

long vs_sip_unescape(vs_slice src, char *dst, size_t cap)
{
    size_t o = 0;
    if (!src.ptr && src.len)
        return VS_E_INVAL;
    VS__EMPTY_IF_NULL(src);
    for (size_t i = 0; i < src.len; i++) {
        unsigned char c = (unsigned char)src.ptr[i];
        if (c == '%') {
            if (src.len - i < 3 || !vs__is_hex((unsigned char)src.ptr[i + 1]) ||
                !vs__is_hex((unsigned char)src.ptr[i + 2]))
                return VS_E_PARSE;
            c = (unsigned char)(hexval((unsigned char)src.ptr[i + 1]) * 16 +
                                hexval((unsigned char)src.ptr[i + 2]));
            i += 2;
        }
        if (o >= cap)
            return VS_E_LIMIT;
        dst[o++] = (char)c;
    }
    return (long)o;
}

/* Outputs stay untouched on failure: parse into a local view and copy it out on success. */
vs_rc vs_sip_uri_parse(vs_slice s, vs_sip_uri *out, size_t *err_off)
{
    vs_sip_uri tmp;
    if (!out)
        return VS_E_INVAL;
    vs_rc rc = parse_into(s, &tmp, err_off);
    if (rc == VS_OK)
        *out = tmp;
    return rc;
}
