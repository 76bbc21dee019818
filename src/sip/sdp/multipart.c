/* Locating the SDP in a SIP message body: plain application/sdp, or a part of a multipart
 * body (RFC 2046 section 5.1), e.g. SDP next to an ISUP or PIDF-LO part, or inside S/MIME-style
 * multipart/mixed.
 *
 * Design: no allocation and no copies; the answer is a slice of the caller's body. The walk is
 * linear: each delimiter search starts where the previous part began. Nesting is followed one
 * level down (multipart/mixed inside multipart/alternative is the realistic case); deeper nesting
 * is skipped rather than recursed, so the stack stays bounded whatever the input. Parts whose
 * Content-Transfer-Encoding is base64 or quoted-printable are skipped: their SDP cannot be
 * returned as a slice without decoding. */
#include <string.h>

#include "sdp_internal.h"

#define MAX_DEPTH 1         /* nested multipart levels followed below the top one */
#define MAX_BOUNDARY 70     /* RFC 2046: boundary is 1 to 70 characters */

typedef struct ctype {
    vs_slice type, subtype, boundary;
} ctype;

static bool is_lws(char c)
{
    /* CR and LF are here because a folded part header keeps its line break in the slice */
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_token_char(unsigned char c)
{
    if (c <= 32 || c >= 127)
        return false;
    return !strchr("()<>@,;:\\\"/[]?=", c);
}

static void skip_lws(vs_slice s, size_t *i)
{
    while (*i < s.len && is_lws(s.ptr[*i]))
        (*i)++;
}

static vs_slice token(vs_slice s, size_t *i)
{
    size_t start = *i;
    while (*i < s.len && is_token_char((unsigned char)s.ptr[*i]))
        (*i)++;
    return vs_slice_make(s.ptr + start, *i - start);
}

/* type "/" subtype *( ";" attribute "=" value ), RFC 2045 section 5.1, case-insensitive names.
 * Only the boundary parameter is kept. false when the text does not have that shape. */
static bool ctype_parse(vs_slice s, ctype *out)
{
    memset(out, 0, sizeof *out);
    size_t i = 0;
    skip_lws(s, &i);
    out->type = token(s, &i);
    skip_lws(s, &i);
    if (!out->type.len || i >= s.len || s.ptr[i] != '/')
        return false;
    i++;
    skip_lws(s, &i);
    out->subtype = token(s, &i);
    if (!out->subtype.len)
        return false;
    for (;;) {
        skip_lws(s, &i);
        if (i >= s.len)
            return true;
        if (s.ptr[i] != ';')
            return false;
        i++;
        skip_lws(s, &i);
        if (i >= s.len)
            return true; /* a trailing ';' adds nothing */
        vs_slice name = token(s, &i);
        skip_lws(s, &i);
        if (!name.len || i >= s.len || s.ptr[i] != '=')
            return false;
        i++;
        skip_lws(s, &i);
        vs_slice val;
        bool escaped = false;
        if (i < s.len && s.ptr[i] == '"') {
            size_t start = ++i;
            while (i < s.len && s.ptr[i] != '"') {
                if (s.ptr[i] == '\\') {
                    escaped = true;
                    i++;
                }
                i++;
            }
            if (i >= s.len)
                return false; /* unterminated quoted-string */
            val = vs_slice_make(s.ptr + start, i - start);
            i++;
        } else {
            val = token(s, &i);
            if (!val.len)
                return false;
        }
        if (vs_slice_caseeq_str(name, "boundary") && !out->boundary.ptr) {
            /* boundary characters never need quoted-pairs (RFC 2046 bcharsnospace); one here
             * means a value that cannot be matched byte for byte */
            if (escaped || val.len == 0 || val.len > MAX_BOUNDARY)
                return false;
            out->boundary = val;
        }
    }
}

/* Finds the next delimiter line "--boundary" at a line start at or after from. *dstart gets the
 * position of its "--", *after the first byte past its line, *close whether it is the close
 * delimiter "--boundary--". */
static bool find_delim(vs_slice b, vs_slice bnd, size_t from, size_t *dstart, size_t *after,
                       bool *close)
{
    size_t i = from;
    while (i < b.len && b.len - i >= 2 + bnd.len) {
        if ((i == 0 || b.ptr[i - 1] == '\n') && b.ptr[i] == '-' && b.ptr[i + 1] == '-' &&
            memcmp(b.ptr + i + 2, bnd.ptr, bnd.len) == 0) {
            size_t j = i + 2 + bnd.len;
            bool cl = b.len - j >= 2 && b.ptr[j] == '-' && b.ptr[j + 1] == '-';
            if (cl)
                j += 2;
            while (j < b.len && (b.ptr[j] == ' ' || b.ptr[j] == '\t'))
                j++; /* transport padding */
            bool ok = true;
            if (j < b.len && b.ptr[j] == '\n')
                j++;
            else if (b.len - j >= 2 && b.ptr[j] == '\r' && b.ptr[j + 1] == '\n')
                j += 2;
            else if (j < b.len && !cl)
                ok = false; /* "--boundaryX": the boundary is only a prefix of this line */
            if (ok) {
                *dstart = i;
                *after = j;
                *close = cl;
                return true;
            }
        }
        const char *nl = memchr(b.ptr + i, '\n', b.len - i);
        if (!nl)
            return false;
        i = (size_t)(nl - b.ptr) + 1;
    }
    return false;
}

/* Part headers in [start, limit): fills *ct and *cte, sets *body_start past the blank line.
 * false when a line is not a header or the blank line is missing. */
static bool part_headers(vs_slice b, size_t start, size_t limit, vs_slice *ct, vs_slice *cte,
                         size_t *body_start)
{
    *ct = *cte = VS_SLICE_NULL;
    vs_slice *last = NULL; /* header a folded line continues */
    size_t i = start;
    while (i < limit) {
        const char *nl = memchr(b.ptr + i, '\n', limit - i);
        if (!nl)
            return false;
        size_t end = (size_t)(nl - b.ptr);
        size_t vend = (end > i && b.ptr[end - 1] == '\r') ? end - 1 : end;
        if (vend == i) {
            *body_start = end + 1;
            return true;
        }
        if (b.ptr[i] == ' ' || b.ptr[i] == '\t') {
            if (!last && i == start)
                return false; /* continuation with nothing to continue */
            if (last)
                last->len = (size_t)(b.ptr + vend - last->ptr);
        } else {
            const char *colon = memchr(b.ptr + i, ':', vend - i);
            if (!colon)
                return false;
            vs_slice name = vs_slice_trim(vs_slice_make(b.ptr + i, (size_t)(colon - (b.ptr + i))));
            vs_slice val = vs_slice_make(colon + 1, (size_t)(b.ptr + vend - (colon + 1)));
            last = NULL;
            if (vs_slice_caseeq_str(name, "Content-Type") && !ct->ptr)
                last = ct;
            else if (vs_slice_caseeq_str(name, "Content-Transfer-Encoding") && !cte->ptr)
                last = cte;
            if (last)
                *last = val;
        }
        i = end + 1;
    }
    return false;
}

static bool is_identity_cte(vs_slice cte)
{
    cte = vs_slice_trim(cte);
    return cte.len == 0 || vs_slice_caseeq_str(cte, "7bit") || vs_slice_caseeq_str(cte, "8bit") ||
           vs_slice_caseeq_str(cte, "binary");
}

static vs_rc walk(vs_slice body, vs_slice bnd, unsigned depth, vs_slice *out)
{
    size_t dstart, after;
    bool close;
    if (!find_delim(body, bnd, 0, &dstart, &after, &close))
        return VS_E_PARSE; /* no opening delimiter: not the multipart body it claims to be */
    vs_rc res = VS_E_NOTFOUND;
    while (!close) {
        size_t part = after;
        if (!find_delim(body, bnd, part, &dstart, &after, &close))
            return res == VS_E_NOTFOUND ? VS_E_PARSE : res; /* unterminated part */
        /* The line break before a delimiter belongs to the delimiter (RFC 2046 5.1.1). */
        size_t end = dstart;
        if (end > part && body.ptr[end - 1] == '\n')
            end--;
        if (end > part && body.ptr[end - 1] == '\r')
            end--;
        vs_slice ct_text, cte;
        size_t bstart;
        if (!part_headers(body, part, dstart, &ct_text, &cte, &bstart)) {
            res = VS_E_PARSE;
            continue;
        }
        if (end < bstart)
            end = bstart;
        vs_slice pbody = vs_slice_make(body.ptr + bstart, end - bstart);
        ctype ct;
        if (!ct_text.ptr)
            continue; /* default text/plain */
        if (!ctype_parse(ct_text, &ct)) {
            res = VS_E_PARSE;
            continue;
        }
        if (vs_slice_caseeq_str(ct.type, "application") && vs_slice_caseeq_str(ct.subtype, "sdp")) {
            if (!is_identity_cte(cte))
                continue;
            *out = pbody;
            return VS_OK;
        }
        if (vs_slice_caseeq_str(ct.type, "multipart") && depth < MAX_DEPTH) {
            if (!ct.boundary.len) {
                res = VS_E_PARSE;
                continue;
            }
            vs_rc rc = walk(pbody, ct.boundary, depth + 1, out);
            if (rc == VS_OK)
                return VS_OK;
            if (rc == VS_E_PARSE)
                res = VS_E_PARSE;
        }
    }
    return res;
}

vs_rc vs_sdp_find_in_body(vs_slice content_type, vs_slice body, vs_slice *sdp_body)
{
    if (!sdp_body || (!content_type.ptr && content_type.len) || (!body.ptr && body.len))
        return VS_E_INVAL;
    if (!body.ptr)
        body = vs_slice_make("", 0);
    vs_slice t = vs_slice_trim(content_type);
    if (!t.len) {
        /* No Content-Type: RFC 3261 says the body is then empty or application/sdp; accept it
         * only when it looks like SDP. */
        if (body.len >= 3 && memcmp(body.ptr, "v=0", 3) == 0) {
            *sdp_body = body;
            return VS_OK;
        }
        return VS_E_NOTFOUND;
    }
    ctype ct;
    if (!ctype_parse(t, &ct))
        return VS_E_PARSE;
    if (vs_slice_caseeq_str(ct.type, "application") && vs_slice_caseeq_str(ct.subtype, "sdp")) {
        *sdp_body = body;
        return VS_OK;
    }
    if (!vs_slice_caseeq_str(ct.type, "multipart"))
        return VS_E_NOTFOUND;
    if (!ct.boundary.len)
        return VS_E_PARSE;
    vs_slice found;
    vs_rc rc = walk(body, ct.boundary, 0, &found);
    if (rc == VS_OK)
        *sdp_body = found;
    return rc;
}
