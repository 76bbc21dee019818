/* One via-parm: sent-protocol LWS sent-by *( SEMI via-params ), RFC 3261 20.42 and 25.1.
 * LWS is allowed around the '/' of the protocol and the ':' of sent-by (the torture tests in
 * RFC 4475 3.1.1.1 use both). */
#include <string.h>

#include "lex.h"
#include "sip_internal.h"

static vs_rc fail(const char *at, const char *start, size_t *err_off)
{
    if (err_off)
        *err_off = (size_t)(at - start);
    return VS_E_PARSE;
}

/* token, optional LWS, then the expected separator (or none when sep is 0). */
static const char *token_then(const char *p, const char *end, vs_slice *tok, char sep)
{
    p = vs__skip_ws(p, end);
    const char *t = p;
    p = vs__skip_class(p, end, VS__C_TOKEN);
    if (p == t)
        return NULL;
    *tok = vs_slice_make(t, (size_t)(p - t));
    if (!sep)
        return p;
    p = vs__skip_ws(p, end);
    if (p >= end || *p != sep)
        return NULL;
    return p + 1;
}

static vs_rc parse_into(vs_slice s, vs_sip_via *via, size_t *err_off)
{
    if (!via || (!s.ptr && s.len))
        return VS_E_INVAL;
    VS__EMPTY_IF_NULL(s);
    memset(via, 0, sizeof *via);
    const char *start = s.ptr, *p = s.ptr, *end = s.ptr + s.len, *q;

    if (!(q = token_then(p, end, &via->protocol, '/')))
        return fail(p, start, err_off);
    if (!(p = token_then(q, end, &via->version, '/')))
        return fail(q, start, err_off);
    if (!(q = token_then(p, end, &via->transport, 0)))
        return fail(p, start, err_off);
    p = q;
    q = vs__skip_ws(p, end);
    if (q == p || q >= end)
        return fail(q, start, err_off); /* LWS required before sent-by */
    p = q;

    const char *h = p;
    if (*p == '[') {
        const char *close = memchr(p, ']', (size_t)(end - p));
        if (!close || !vs__ipv6_ref(p + 1, close))
            return fail(p, start, err_off);
        p = close + 1;
    } else {
        p = vs__skip_class(p, end, VS__C_HOST);
        if (p == h)
            return fail(p, start, err_off);
    }
    via->host = vs_slice_make(h, (size_t)(p - h));
    q = vs__skip_ws(p, end);
    if (q < end && *q == ':') {
        const char *d = vs__skip_ws(q + 1, end);
        p = d;
        while (p < end && vs__is_digit((unsigned char)*p))
            p++;
        uint64_t port;
        if (!vs__parse_uint(d, p, 65535, &port, NULL))
            return fail(d, start, err_off);
        via->port = (uint16_t)port;
    }

    const char *ps = vs__skip_ws(p, end);
    vs_slice rest = vs_slice_make(ps, (size_t)(end - ps)), n, v;
    vs_rc rc;
    while ((rc = vs_sip_param_next(&rest, &n, &v)) == VS_OK) {
        if (VS__NAME_IS(n, "branch")) {
            if (v.len == 0)
                return fail(n.ptr, start, err_off);
            via->branch = v;
        } else if (VS__NAME_IS(n, "received")) {
            if (v.len == 0)
                return fail(n.ptr, start, err_off);
            via->received = v;
        } else if (VS__NAME_IS(n, "rport")) {
            via->has_rport = true;
            via->rport = v;
            uint64_t port;
            if (v.len && !vs__parse_uint(v.ptr, v.ptr + v.len, 65535, &port, NULL))
                return fail(v.ptr, start, err_off);
        }
    }
    if (rc != VS_E_NOTFOUND)
        return fail(rest.ptr, start, err_off);
    via->params = vs_slice_make(ps, (size_t)(end - ps));
    return VS_OK;
}

/* Outputs stay untouched on failure: parse into a local view and copy it out on success. */
vs_rc vs_sip_via_parse(vs_slice s, vs_sip_via *out, size_t *err_off)
{
    vs_sip_via tmp;
    if (!out)
        return VS_E_INVAL;
    vs_rc rc = parse_into(s, &tmp, err_off);
    if (rc == VS_OK)
        *out = tmp;
    return rc;
}
