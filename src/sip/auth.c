/* Credentials and challenges (RFC 3261 25.1, RFC 7616): scheme LWS auth-param *(COMMA
 * auth-param), auth-param = token EQUAL (token / quoted-string). The well-known digest fields
 * are picked out as slices; quoted values are returned without their quotes. The password never
 * travels in these headers, but the response hash does: callers must not print it. */
#include <string.h>

#include "lex.h"
#include "sip_internal.h"

static vs_slice *field(vs_sip_auth *a, vs_slice name)
{
    static const struct {
        const char *name;
        size_t off;
    } map[] = {
        {"username", offsetof(vs_sip_auth, username)}, {"realm", offsetof(vs_sip_auth, realm)},
        {"nonce", offsetof(vs_sip_auth, nonce)},       {"uri", offsetof(vs_sip_auth, uri)},
        {"response", offsetof(vs_sip_auth, response)}, {"algorithm", offsetof(vs_sip_auth, algorithm)},
        {"cnonce", offsetof(vs_sip_auth, cnonce)},     {"opaque", offsetof(vs_sip_auth, opaque)},
        {"qop", offsetof(vs_sip_auth, qop)},           {"nc", offsetof(vs_sip_auth, nc)},
        {"stale", offsetof(vs_sip_auth, stale)},       {"domain", offsetof(vs_sip_auth, domain)},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (vs_slice_caseeq_str(name, map[i].name))
            return (vs_slice *)((char *)a + map[i].off);
    return NULL;
}

static vs_rc parse_into(vs_slice s, vs_sip_auth *auth, size_t *err_off)
{
    if (!auth || (!s.ptr && s.len))
        return VS_E_INVAL;
    VS__EMPTY_IF_NULL(s);
    memset(auth, 0, sizeof *auth);
    const char *start = s.ptr, *end = s.ptr + s.len;
    const char *p = vs__skip_ws(start, end), *t = p;
    p = vs__skip_class(p, end, VS__C_TOKEN);
    if (p == t)
        goto fail;
    auth->scheme = vs_slice_make(t, (size_t)(p - t));
    const char *q = vs__skip_ws(p, end);
    auth->params = vs_slice_make(q, (size_t)(end - q));
    if (q == end)
        return VS_OK; /* a scheme alone */
    if (q == p)
        goto fail;
    p = q;
    for (;;) {
        const char *n = p;
        p = vs__skip_class(p, end, VS__C_TOKEN);
        if (p == n)
            goto fail;
        vs_slice name = vs_slice_make(n, (size_t)(p - n));
        p = vs__skip_ws(p, end);
        if (p >= end || *p != '=')
            goto fail;
        p = vs__skip_ws(p + 1, end);
        vs_slice value;
        if (p < end && *p == '"') {
            const char *e = vs__skip_quoted(p, end);
            if (!e)
                goto fail;
            value = vs_slice_make(p + 1, (size_t)(e - p - 2));
            p = e;
        } else {
            const char *v = p;
            p = vs__skip_class(p, end, VS__C_TOKEN);
            if (p == v)
                goto fail;
            value = vs_slice_make(v, (size_t)(p - v));
        }
        vs_slice *f = field(auth, name);
        if (f)
            *f = value;
        p = vs__skip_ws(p, end);
        if (p == end)
            return VS_OK;
        if (*p != ',')
            goto fail;
        p = vs__skip_ws(p + 1, end);
    }
fail:
    if (err_off)
        *err_off = (size_t)(p - start);
    return VS_E_PARSE;
}

/* Outputs stay untouched on failure: parse into a local view and copy it out on success. */
vs_rc vs_sip_auth_parse(vs_slice s, vs_sip_auth *out, size_t *err_off)
{
    vs_sip_auth tmp;
    if (!out)
        return VS_E_INVAL;
    vs_rc rc = parse_into(s, &tmp, err_off);
    if (rc == VS_OK)
        *out = tmp;
    return rc;
}
