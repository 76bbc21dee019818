/* The strict verdict on a framed message (RFC 3261 sections 7, 8.1.1, 20 and 25).
 *
 * Framing (msg_parse.c) has already cut the message into slices; here every header whose syntax
 * matters to a proxy or an IDS is parsed with the public lazy parsers and the results are written
 * down as issues. Nothing stops at the first problem: a monitor wants all of them. */
#include <string.h>

#include "lex.h"
#include "sip_internal.h"

static size_t off_of(const char *p, const char *base)
{
    return (size_t)(p - base);
}

/* true when any of the 8 bytes of x is below 0x20 or equals 0x7f (bytes >= 0x80 never match) */
static inline bool word_has_control(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    uint64_t below_space = (x - 0x20 * ones) & ~x & highs;
    uint64_t d = x ^ (0x7f * ones);
    uint64_t del = (d - ones) & ~d & highs;
    return (below_space | del) != 0;
}

/* Almost every value is plain text: prove that eight bytes at a time, and run the exact
 * quote-aware scan only on a value that holds a control byte somewhere. */
static bool may_have_control(const char *p, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, p + i, 8);
        if (word_has_control(x))
            return true;
    }
    for (; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x20 || c == 0x7f)
            return true;
    }
    return false;
}

/* Could check_controls object to anything in p[0..n)? Only a byte below 0x20 other than HT, CR
 * and LF, or DEL, can make it: the whole header section is cleared of those 16 bytes at a time,
 * so that the usual message skips the per-value scans altogether. */
static bool span_may_have_control(const char *p, size_t n)
{
    typedef unsigned char u8x16 __attribute__((vector_size(16)));
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        u8x16 x;
        memcpy(&x, p + i, 16);
        u8x16 bad =
            (u8x16)((x < 0x20) & (x != '\t') & (x != '\r') & (x != '\n')) | (u8x16)(x == 0x7f);
        uint64_t lo, hi;
        memcpy(&lo, &bad, 8);
        memcpy(&hi, (const char *)&bad + 8, 8);
        if (lo | hi)
            return true;
    }
    for (; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f)
            return true;
    }
    return false;
}

/* A control byte may appear in a value only as a quoted-pair inside a quoted string, or as the
 * CR/LF of a fold. */
static void check_controls(vs_sip_msg *msg, const vs_sip_header *h, const char *base)
{
    const char *p = h->value.ptr, *end = p + h->value.len;
    bool quoted = false;
    if (!may_have_control(p, h->value.len))
        return;
    for (; p < end; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"') {
            quoted = !quoted;
        } else if (c == '\\' && quoted && p + 1 < end) {
            p++;
        } else if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f) {
            vs__sip_issue(msg, VS_SIP_E_CONTROL_CHAR, off_of(p, base));
            return;
        }
    }
}

static void check_request_uri(vs_sip_msg *msg, const char *base, vs__sip_kept *keep)
{
    vs_slice r = msg->request_uri;
    if (r.len == 0)
        return; /* already reported by the framer */
    if (r.ptr[0] == '<') {
        vs__sip_issue(msg, VS_SIP_E_RURI_BRACKETS, off_of(r.ptr, base));
        return;
    }
    vs_sip_uri uri;
    size_t e = 0;
    vs_rc rc = vs_sip_uri_parse(r, &uri, &e);
    if (keep) {
        keep->ruri_done = true;
        keep->ruri_rc = rc;
        keep->ruri = uri;
    }
    if (rc != VS_OK) {
        vs__sip_issue(msg, VS_SIP_E_REQUEST_URI, off_of(r.ptr + e, base));
        return;
    }
    if ((uri.scheme_id == VS_URI_SIP || uri.scheme_id == VS_URI_SIPS) && uri.headers.len)
        vs__sip_issue(msg, VS_SIP_E_RURI_HEADERS, off_of(uri.headers.ptr, base));
    if (uri.scheme_id == VS_URI_OTHER)
        vs__sip_issue(msg, VS_SIP_A_UNKNOWN_SCHEME, off_of(r.ptr, base));
}

static void check_via(vs_sip_msg *msg, const vs_sip_header *h, const char *base, bool top)
{
    vs_slice rest = h->value, item;
    bool first = true;
    while (vs_sip_list_next(&rest, &item)) {
        vs_sip_via via;
        size_t e = 0;
        if (item.len == 0) {
            vs__sip_issue(msg, VS_SIP_E_VIA, off_of(item.ptr, base));
            return;
        }
        if (vs_sip_via_parse(item, &via, &e) != VS_OK) {
            vs__sip_issue(msg, VS_SIP_E_VIA, off_of(item.ptr + e, base));
            return;
        }
        if (top && first && msg->kind == VS_SIP_REQUEST &&
            (via.branch.len < 7 || memcmp(via.branch.ptr, "z9hG4bK", 7) != 0))
            vs__sip_issue(msg, VS_SIP_A_NOT_RFC3261_BRANCH, off_of(item.ptr, base));
        first = false;
    }
}

/* keep_rc/keep_addr: where to keep the result (the first From or To), or NULL */
static void check_addr(vs_sip_msg *msg, const vs_sip_header *h, const char *base, int code,
                       bool *keep_done, vs_rc *keep_rc, vs_sip_addr *keep_addr)
{
    vs_sip_addr a;
    size_t e = 0;
    vs_rc rc = vs_sip_addr_parse(h->value, &a, &e);
    if (keep_done) {
        *keep_done = true;
        *keep_rc = rc;
        *keep_addr = a;
    }
    if (rc != VS_OK || a.star)
        vs__sip_issue(msg, code, off_of(h->value.ptr + e, base));
}

static void check_contact(vs_sip_msg *msg, const vs_sip_header *h, const char *base)
{
    vs_slice rest = h->value, item;
    if (h->value.len == 1 && h->value.ptr[0] == '*')
        return;
    while (vs_sip_list_next(&rest, &item)) {
        vs_sip_addr a;
        size_t e = 0;
        if (item.len == 0 || vs_sip_addr_parse(item, &a, &e) != VS_OK || a.star) {
            vs__sip_issue(msg, VS_SIP_E_CONTACT, off_of(item.ptr + e, base));
            return;
        }
        vs_slice v;
        if (vs_sip_param_get(a.params, "expires", &v) == VS_OK) {
            uint64_t n;
            if (vs_sip_uint_parse(v, UINT32_MAX, &n) != VS_OK)
                vs__sip_issue(msg, VS_SIP_E_EXPIRES, off_of(v.ptr, base));
        }
    }
}

static void check_route(vs_sip_msg *msg, const vs_sip_header *h, const char *base)
{
    vs_slice rest = h->value, item;
    while (vs_sip_list_next(&rest, &item)) {
        vs_sip_addr a;
        size_t e = 0;
        if (item.len == 0 || vs_sip_addr_parse(item, &a, &e) != VS_OK || !a.bracketed) {
            vs__sip_issue(msg, VS_SIP_E_ROUTE, off_of(item.ptr + e, base));
            return;
        }
    }
}

static void check_call_id(vs_sip_msg *msg, const vs_sip_header *h, const char *base)
{
    const char *p = h->value.ptr, *end = p + h->value.len;
    const char *w = vs__skip_class(p, end, VS__C_WORD);
    bool ok = w > p;
    if (ok && w < end && *w == '@') {
        const char *w2 = vs__skip_class(w + 1, end, VS__C_WORD);
        ok = w2 > w + 1;
        w = w2;
    }
    if (!ok || w != end)
        vs__sip_issue(msg, VS_SIP_E_CALL_ID, off_of(w, base));
}

static void check_cseq(vs_sip_msg *msg, const vs_sip_header *h, const char *base,
                       vs__sip_kept *keep)
{
    uint32_t n = 0;
    vs_slice m = VS_SLICE_NULL;
    size_t e = 0;
    vs_rc rc = vs_sip_cseq_parse(h->value, &n, &m, &e);
    if (keep) {
        keep->cseq_done = true;
        keep->cseq = n;
        keep->cseq_method = m;
    }
    if (rc != VS_OK) {
        vs__sip_issue(msg, VS_SIP_E_CSEQ, off_of(h->value.ptr + e, base));
        return;
    }
    if (msg->kind == VS_SIP_REQUEST && msg->method.len && !vs_slice_eq(m, msg->method))
        vs__sip_issue(msg, VS_SIP_E_CSEQ_METHOD, off_of(m.ptr, base));
}

static void check_uint(vs_sip_msg *msg, const vs_sip_header *h, const char *base, uint64_t max,
                       int code)
{
    uint64_t n;
    if (vs_sip_uint_parse(h->value, max, &n) != VS_OK)
        vs__sip_issue(msg, code, off_of(h->value.ptr, base));
}

static void check_content_type(vs_sip_msg *msg, const vs_sip_header *h, const char *base)
{
    const char *p = h->value.ptr, *end = p + h->value.len, *t = p;
    p = vs__skip_class(p, end, VS__C_TOKEN);
    if (p > t) {
        p = vs__skip_ws(p, end);
        if (p < end && *p == '/') {
            p = vs__skip_ws(p + 1, end);
            t = p;
            p = vs__skip_class(p, end, VS__C_TOKEN);
            if (p > t) {
                vs_slice rest = vs_slice_make(p, (size_t)(end - p)), n, v;
                vs_rc rc;
                while ((rc = vs_sip_param_next(&rest, &n, &v)) == VS_OK)
                    ;
                if (rc == VS_E_NOTFOUND)
                    return;
                p = rest.ptr;
            }
        }
    }
    vs__sip_issue(msg, VS_SIP_E_CONTENT_TYPE, off_of(p, base));
}

/* Headers that RFC 3261 allows once per message (20.x, "single value" in table 2/3). */
static const uint8_t single_valued[] = {
    VS_SIP_HDR_FROM,           VS_SIP_HDR_TO,           VS_SIP_HDR_CALL_ID,
    VS_SIP_HDR_CSEQ,           VS_SIP_HDR_MAX_FORWARDS, VS_SIP_HDR_CONTENT_LENGTH,
    VS_SIP_HDR_CONTENT_TYPE,   VS_SIP_HDR_EXPIRES,      VS_SIP_HDR_MIN_EXPIRES,
    VS_SIP_HDR_DATE,           VS_SIP_HDR_SESSION_EXPIRES,
};

static const uint8_t mandatory[] = {
    VS_SIP_HDR_VIA, VS_SIP_HDR_FROM, VS_SIP_HDR_TO, VS_SIP_HDR_CALL_ID, VS_SIP_HDR_CSEQ,
};

void vs__sip_check(vs_sip_msg *msg, const char *base, unsigned opts, vs__sip_kept *keep)
{
    (void)opts;
    size_t hdr_end = msg->body.ptr ? off_of(msg->body.ptr, base) : msg->length;

    if (msg->kind == VS_SIP_REQUEST) {
        check_request_uri(msg, base, keep);
        if (msg->count[VS_SIP_HDR_MAX_FORWARDS] == 0)
            vs__sip_issue(msg, VS_SIP_A_NO_MAX_FORWARDS, hdr_end);
    } else {
        for (size_t i = 0; i < msg->reason.len; i++) {
            unsigned char c = (unsigned char)msg->reason.ptr[i];
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                vs__sip_issue(msg, VS_SIP_E_CONTROL_CHAR, off_of(msg->reason.ptr + i, base));
                break;
            }
        }
    }
    for (size_t i = 0; i < sizeof mandatory; i++)
        if (msg->count[mandatory[i]] == 0)
            vs__sip_issue(msg, VS_SIP_E_MISSING_HEADER, hdr_end);
    for (size_t i = 0; i < sizeof single_valued; i++) {
        if (msg->count[single_valued[i]] > 1) {
            const vs_sip_header *second = vs_sip_find_next(msg, vs_sip_find(msg, single_valued[i]));
            vs__sip_issue(msg, VS_SIP_E_DUPLICATE_HEADER, second ? second->offset : hdr_end);
        }
    }

    /* every stored header, name to value end, lies in this span, in order */
    bool controls = false;
    if (msg->header_count) {
        const char *from = msg->headers[0].name.ptr;
        const vs_sip_header *last = &msg->headers[msg->header_count - 1];
        controls = span_may_have_control(from, (size_t)(last->value.ptr + last->value.len - from));
    }
    bool top_via = true;
    for (size_t i = 0; i < msg->header_count; i++) {
        const vs_sip_header *h = &msg->headers[i];
        /* the first header of its id: the one vs_sip_find gives, whose parse may be kept */
        bool first = keep && msg->first[h->id] == i;
        if (controls)
            check_controls(msg, h, base);
        switch (h->id) {
        case VS_SIP_HDR_VIA:
            check_via(msg, h, base, top_via);
            top_via = false;
            break;
        case VS_SIP_HDR_FROM:
            check_addr(msg, h, base, VS_SIP_E_FROM, first ? &keep->from_done : NULL,
                       first ? &keep->from_rc : NULL, first ? &keep->from : NULL);
            break;
        case VS_SIP_HDR_TO:
            check_addr(msg, h, base, VS_SIP_E_TO, first ? &keep->to_done : NULL,
                       first ? &keep->to_rc : NULL, first ? &keep->to : NULL);
            break;
        case VS_SIP_HDR_CONTACT:
            check_contact(msg, h, base);
            break;
        case VS_SIP_HDR_ROUTE:
        case VS_SIP_HDR_RECORD_ROUTE:
            check_route(msg, h, base);
            break;
        case VS_SIP_HDR_CALL_ID:
            check_call_id(msg, h, base);
            break;
        case VS_SIP_HDR_CSEQ:
            check_cseq(msg, h, base, first ? keep : NULL);
            break;
        case VS_SIP_HDR_MAX_FORWARDS:
            check_uint(msg, h, base, 255, VS_SIP_E_MAX_FORWARDS);
            break;
        case VS_SIP_HDR_EXPIRES:
        case VS_SIP_HDR_MIN_EXPIRES:
            check_uint(msg, h, base, UINT32_MAX, VS_SIP_E_EXPIRES);
            break;
        case VS_SIP_HDR_DATE: {
            size_t e = 0;
            if (vs_sip_date_check(h->value, &e) != VS_OK)
                vs__sip_issue(msg, VS_SIP_E_DATE, off_of(h->value.ptr + e, base));
            break;
        }
        case VS_SIP_HDR_CONTENT_TYPE:
            check_content_type(msg, h, base);
            break;
        default:
            break;
        }
    }
}
