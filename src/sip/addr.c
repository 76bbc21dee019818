/* name-addr / addr-spec (From, To, Contact, Route), header parameters and comma lists.
 *
 * RFC 3261 20.10: an addr-spec (URI without < >) ends at the first ';' (what follows are header
 * parameters) and may not carry ?headers; a display name is either a quoted string or a run of
 * tokens separated by whitespace. Linear whitespace, folds included, may surround ';' and '='. */
#include <string.h>

#include "lex.h"
#include "sip_internal.h"

bool vs_sip_list_next(vs_slice *rest, vs_slice *item)
{
    if (!rest || !item || !rest->ptr)
        return false;
    if (rest->len == 0) {
        /* one empty element, then the end */
        *item = vs_slice_make(rest->ptr, 0);
        rest->ptr = NULL;
        return true;
    }
    const char *p = rest->ptr, *end = rest->ptr + rest->len;
    int angle = 0;
    if (!memchr(p, ',', rest->len)) {
        /* the usual case, one element: no need to walk quotes and brackets */
        *item = vs_slice_trim(*rest);
        rest->ptr = NULL;
        rest->len = 0;
        return true;
    }
    while (p < end) {
        char c = *p;
        if (c == '"') {
            const char *q = vs__skip_quoted(p, end);
            p = q ? q : end;
            continue;
        }
        if (c == '<')
            angle++;
        else if (c == '>' && angle > 0)
            angle--;
        else if (c == ',' && angle == 0)
            break;
        p++;
    }
    *item = vs_slice_trim(vs_slice_make(rest->ptr, (size_t)(p - rest->ptr)));
    if (p < end) {
        rest->ptr = p + 1;
        rest->len = (size_t)(end - p - 1);
    } else {
        rest->ptr = NULL;
        rest->len = 0;
    }
    return true;
}

/* gen-value: token, host (incl. [IPv6]) or quoted-string. Returns the end, NULL when bad. */
static const char *gen_value(const char *p, const char *end)
{
    if (p < end && *p == '"')
        return vs__skip_quoted(p, end);
    const char *s = p;
    while (p < end && (vs__is((unsigned char)*p, VS__C_TOKEN) || *p == ':' || *p == '[' ||
                       *p == ']'))
        p++;
    return p == s ? NULL : p;
}

vs_rc vs_sip_param_next(vs_slice *rest, vs_slice *name, vs_slice *value)
{
    if (!rest || !name || !value)
        return VS_E_INVAL;
    if (rest->len == 0)
        return VS_E_NOTFOUND;
    if (!rest->ptr)
        return VS_E_INVAL;
    const char *p = rest->ptr, *end = rest->ptr + rest->len;
    p = vs__skip_ws(p, end);
    if (p >= end)
        return VS_E_NOTFOUND;
    if (*p != ';')
        return VS_E_PARSE;
    p = vs__skip_ws(p + 1, end);
    const char *n = p;
    p = vs__skip_class(p, end, VS__C_TOKEN);
    if (p == n)
        return VS_E_PARSE;
    *name = vs_slice_make(n, (size_t)(p - n));
    *value = vs_slice_make(p, 0);
    const char *q = vs__skip_ws(p, end);
    if (q < end && *q == '=') {
        q = vs__skip_ws(q + 1, end);
        const char *v = gen_value(q, end);
        if (!v)
            return VS_E_PARSE;
        *value = vs_slice_make(q, (size_t)(v - q));
        p = v;
    }
    rest->ptr = p;
    rest->len = (size_t)(end - p);
    return VS_OK;
}

vs_rc vs_sip_param_get(vs_slice params, const char *name, vs_slice *value)
{
    vs_slice n, v;
    vs_rc rc;
    if (!name || !value)
        return VS_E_INVAL;
    while ((rc = vs_sip_param_next(&params, &n, &v)) == VS_OK) {
        if (vs_slice_caseeq_str(n, name)) {
            *value = v;
            return VS_OK;
        }
    }
    return rc;
}

static vs_rc fail(const char *at, const char *start, size_t *err_off)
{
    if (err_off)
        *err_off = (size_t)(at - start);
    return VS_E_PARSE;
}

static vs_rc parse_into(vs_slice s, vs_sip_addr *addr, size_t *err_off)
{
    if (!addr || (!s.ptr && s.len))
        return VS_E_INVAL;
    VS__EMPTY_IF_NULL(s);
    memset(addr, 0, sizeof *addr);
    const char *start = s.ptr, *end = s.ptr + s.len;
    const char *p = vs__skip_ws(start, end);
    while (end > p && vs__is((unsigned char)end[-1], VS__C_WS))
        end--;
    if (p >= end)
        return fail(p, start, err_off);
    if (end - p == 1 && *p == '*') {
        addr->star = true;
        return VS_OK;
    }

    const char *uri_start, *uri_end;
    if (*p == '"' || *p == '<') {
        if (*p == '"') {
            const char *q = vs__skip_quoted(p, end);
            if (!q)
                return fail(p, start, err_off);
            addr->display = vs_slice_make(p, (size_t)(q - p));
            p = vs__skip_ws(q, end);
            if (p >= end || *p != '<')
                return fail(p, start, err_off);
        }
        addr->bracketed = true;
    } else {
        /* token display name (tokens and LWS up to '<') or a bare URI ("scheme:") */
        const char *t = p;
        for (;;) {
            const char *e = vs__skip_class(t, end, VS__C_TOKEN);
            if (e == t)
                return fail(t, start, err_off);
            if (e < end && *e == ':' && t == p) {
                addr->bracketed = false;
                break; /* a scheme: addr-spec */
            }
            const char *w = vs__skip_ws(e, end);
            if (w < end && *w == '<') {
                addr->display = vs_slice_make(p, (size_t)(e - p));
                addr->bracketed = true;
                p = w;
                break;
            }
            if (w == e || w >= end)
                return fail(e, start, err_off);
            t = w;
        }
    }

    if (addr->bracketed) {
        uri_start = p + 1;
        const char *close = memchr(uri_start, '>', (size_t)(end - uri_start));
        if (!close)
            return fail(p, start, err_off);
        uri_end = close;
        p = close + 1;
    } else {
        uri_start = p;
        while (p < end && *p != ';' && !vs__is((unsigned char)*p, VS__C_WS))
            p++;
        uri_end = p;
    }
    addr->uri_text = vs_slice_make(uri_start, (size_t)(uri_end - uri_start));
    size_t uoff = 0;
    if (vs_sip_uri_parse(addr->uri_text, &addr->uri, &uoff) != VS_OK)
        return fail(uri_start + uoff, start, err_off);
    if (!addr->bracketed && (addr->uri.headers.len || memchr(uri_start, '?', (size_t)(uri_end - uri_start))))
        return fail(uri_start, start, err_off); /* RFC 3261 20: ?headers need < > */

    /* header parameters */
    const char *ps = vs__skip_ws(p, end);
    vs_slice rest = vs_slice_make(ps, (size_t)(end - ps));
    vs_slice n, v;
    vs_rc rc;
    while ((rc = vs_sip_param_next(&rest, &n, &v)) == VS_OK) {
        if (VS__NAME_IS(n, "tag"))
            addr->tag = v;
    }
    if (rc != VS_E_NOTFOUND)
        return fail(rest.ptr, start, err_off);
    addr->params = vs_slice_make(ps, (size_t)(end - ps));
    return VS_OK;
}

/* Outputs stay untouched on failure: parse into a local view and copy it out on success. */
vs_rc vs_sip_addr_parse(vs_slice s, vs_sip_addr *out, size_t *err_off)
{
    vs_sip_addr tmp;
    if (!out)
        return VS_E_INVAL;
    vs_rc rc = parse_into(s, &tmp, err_off);
    if (rc == VS_OK)
        *out = tmp;
    return rc;
}
