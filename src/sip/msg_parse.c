/* Framing of one SIP message: start line, header lines, body.
 *
 * Design: one forward pass. memchr finds each LF (glibc's is vectorised, which is where most of
 * the speed comes from); the header name is matched in place and its id looked up by first letter
 * and length; the value is a slice, folds included. Nothing is copied or allocated. Whatever is
 * odd is written down as an issue with its offset and the pass goes on, so that a damaged
 * message still yields its Call-ID and From for the monitor. Strict per-header checks live in
 * msg_check.c and run afterwards unless the caller asked for VS_SIP_OPT_LAZY. */
#include <string.h>

#include "lex.h"
#include "sip_internal.h"

void vs__sip_issue(vs_sip_msg *msg, int code, size_t offset)
{
    if (vs_sip_issue_is_error(code))
        msg->valid = false;
    for (size_t i = 0; i < msg->issue_count; i++)
        if (msg->issues[i].code == code && msg->issues[i].offset == offset)
            return;
    msg->issues_total++;
    if (msg->issue_count < VS_SIP_MAX_ISSUES) {
        msg->issues[msg->issue_count].code = (uint16_t)code;
        msg->issues[msg->issue_count].offset = (uint32_t)offset;
        msg->issue_count++;
    } else if (msg->issues[VS_SIP_MAX_ISSUES - 1].code != VS_SIP_A_ISSUES_DROPPED) {
        /* keep the last slot to say that the list is cut short */
        msg->issues[VS_SIP_MAX_ISSUES - 1].code = VS_SIP_A_ISSUES_DROPPED;
        msg->issues[VS_SIP_MAX_ISSUES - 1].offset = (uint32_t)offset;
    }
}

static bool has_issue(const vs_sip_msg *msg, int code)
{
    for (size_t i = 0; i < msg->issue_count; i++)
        if (msg->issues[i].code == code)
            return true;
    return false;
}

/* Parses "SIP/x.y" at [p, end). Returns 1 for exactly SIP/2.0, 0 for another well-formed
 * version, -1 when it is not a SIP version at all. */
static int parse_version(const char *p, const char *end)
{
    if (end - p < 7)
        return -1;
    if ((p[0] | 0x20) != 's' || (p[1] | 0x20) != 'i' || (p[2] | 0x20) != 'p' || p[3] != '/')
        return -1;
    const char *q = p + 4, *d1 = q;
    while (q < end && vs__is_digit((unsigned char)*q))
        q++;
    if (q == d1 || q >= end || *q != '.')
        return -1;
    const char *d2 = ++q;
    while (q < end && vs__is_digit((unsigned char)*q))
        q++;
    if (q == d2 || q != end)
        return -1;
    return (end - p == 7 && p[4] == '2' && p[6] == '0') ? 1 : 0;
}

static bool looks_like_version(const char *p, const char *end)
{
    return end - p >= 4 && (p[0] | 0x20) == 's' && (p[1] | 0x20) == 'i' &&
           (p[2] | 0x20) == 'p' && p[3] == '/';
}

static const char *skip_sp(const char *p, const char *end, size_t *n)
{
    const char *s = p;
    while (p < end && *p == ' ')
        p++;
    *n = (size_t)(p - s);
    return p;
}

/* Start line [p, eol). Returns false when the line is not a SIP start line at all. */
static bool parse_start_line(vs_sip_msg *msg, const char *base, const char *p, const char *eol)
{
    size_t nsp;
    msg->start_line = vs_slice_make(p, (size_t)(eol - p));
    if (looks_like_version(p, eol)) {
        msg->kind = VS_SIP_RESPONSE;
        const char *v = p;
        while (p < eol && *p != ' ')
            p++;
        msg->version = vs_slice_make(v, (size_t)(p - v));
        int ver = parse_version(v, p);
        if (ver < 0)
            vs__sip_issue(msg, VS_SIP_E_START_LINE, (size_t)(v - base));
        else if (ver == 0)
            vs__sip_issue(msg, VS_SIP_E_VERSION, (size_t)(v - base));
        const char *sp = p;
        p = skip_sp(p, eol, &nsp);
        if (nsp > 1)
            vs__sip_issue(msg, VS_SIP_E_START_LINE_SPACE, (size_t)(sp + 1 - base));
        const char *code = p;
        while (p < eol && vs__is_digit((unsigned char)*p))
            p++;
        size_t nd = (size_t)(p - code);
        unsigned status = 0;
        if (nd == 3)
            status = (unsigned)(code[0] - '0') * 100 + (unsigned)(code[1] - '0') * 10 +
                     (unsigned)(code[2] - '0');
        if (nd != 3 || status < 100 || status > 699 || (p < eol && *p != ' ')) {
            vs__sip_issue(msg, VS_SIP_E_STATUS, (size_t)(code - base));
            status = 0;
        }
        msg->status = status;
        if (p < eol && *p == ' ')
            p++;
        msg->reason = vs_slice_make(p, (size_t)(eol - p));
        return true;
    }

    msg->kind = VS_SIP_REQUEST;
    const char *m = p;
    p = vs__skip_class(p, eol, VS__C_TOKEN);
    msg->method = vs_slice_make(m, (size_t)(p - m));
    /* find the version: the last space-separated element of the line; trailing blanks are
     * an error of their own, not a reason to call the line "not SIP" */
    const char *vend = eol;
    while (vend > p && (vend[-1] == ' ' || vend[-1] == '\t'))
        vend--;
    if (vend < eol)
        vs__sip_issue(msg, VS_SIP_E_START_LINE_SPACE, (size_t)(vend - base));
    eol = vend;
    const char *v = eol;
    while (v > p && v[-1] != ' ')
        v--;
    if (v == p || !looks_like_version(v, eol))
        return false; /* no SIP version: not a SIP request line */
    msg->version = vs_slice_make(v, (size_t)(eol - v));
    if (msg->method.len == 0 || *p != ' ')
        vs__sip_issue(msg, VS_SIP_E_METHOD, (size_t)(p - base));
    msg->method_id = vs_sip_method_lookup(msg->method);
    while (p < v && *p != ' ')
        p++; /* rest of a broken method */
    const char *sp = p;
    p = skip_sp(p, v, &nsp);
    if (nsp > 1)
        vs__sip_issue(msg, VS_SIP_E_START_LINE_SPACE, (size_t)(sp + 1 - base));
    const char *u = p;
    while (p < v && *p != ' ')
        p++;
    msg->request_uri = vs_slice_make(u, (size_t)(p - u));
    const char *after = skip_sp(p, v, &nsp);
    if (nsp > 1)
        vs__sip_issue(msg, VS_SIP_E_START_LINE_SPACE, (size_t)(p + 1 - base));
    if (msg->request_uri.len == 0 || after != v)
        vs__sip_issue(msg, VS_SIP_E_REQUEST_URI, (size_t)(u - base));
    int ver = parse_version(v, eol);
    if (ver < 0)
        vs__sip_issue(msg, VS_SIP_E_START_LINE, (size_t)(v - base));
    else if (ver == 0)
        vs__sip_issue(msg, VS_SIP_E_VERSION, (size_t)(v - base));
    return true;
}

/* Finds the end of the line starting at p: *eol is where its text ends (before CR LF or LF),
 * the return value where the next line starts. NULL when no LF is found before end. */
static inline const char *line_end(const char *p, const char *end, const char **eol, bool *bare)
{
    const char *lf = memchr(p, '\n', (size_t)(end - p));
    if (!lf)
        return NULL;
    if (lf > p && lf[-1] == '\r') {
        *eol = lf - 1;
    } else {
        *eol = lf;
        *bare = true;
    }
    return lf + 1;
}

/* The Content-Length seen while framing. Kept apart from the header array so that the body is
 * found even when the array is full, and so that two lengths that disagree are caught in every
 * mode: framing by one of them while a peer frames by the other is request smuggling. */
typedef struct framing_length {
    vs_slice value;
    size_t offset;
    bool seen;
} framing_length;

static void store_header(vs_sip_msg *msg, size_t cap, const char *base, vs_slice name,
                         vs_slice value, uint16_t flags, const char *line, framing_length *fl)
{
    vs_sip_hdr_id id = vs_sip_hdr_lookup(name);
    if (name.len == 1 && id != VS_SIP_HDR_OTHER)
        flags |= VS_SIP_HF_COMPACT;
    if (id == VS_SIP_HDR_CONTENT_LENGTH) {
        if (!fl->seen) {
            fl->value = value;
            fl->offset = (size_t)(line - base);
            fl->seen = true;
        } else {
            uint64_t a, b;
            bool same = vs_slice_eq(fl->value, value) ||
                        (vs_sip_uint_parse(fl->value, UINT64_MAX, &a) == VS_OK &&
                         vs_sip_uint_parse(value, UINT64_MAX, &b) == VS_OK && a == b);
            if (!same)
                vs__sip_issue(msg, VS_SIP_E_CONTENT_LENGTH, (size_t)(line - base));
        }
    }
    if (msg->count[id] < UINT8_MAX)
        msg->count[id]++;
    if (msg->header_count >= cap) {
        vs__sip_issue(msg, VS_SIP_E_TOO_MANY_HEADERS, (size_t)(line - base));
        return;
    }
    size_t idx = msg->header_count++;
    vs_sip_header *h = &msg->headers[idx];
    h->name = name;
    h->value = value;
    h->offset = (uint32_t)(line - base);
    h->id = (uint16_t)id;
    h->flags = flags;
    if (msg->first[id] == VS_SIP_NO_HEADER && idx < VS_SIP_NO_HEADER)
        msg->first[id] = (uint16_t)idx;
}

static void frame_body(vs_sip_msg *msg, const char *base, const char *body, const char *end,
                       unsigned opts, const framing_length *fl, bool *incomplete)
{
    size_t avail = (size_t)(end - body);
    const framing_length *cl = fl->seen ? fl : NULL;
    bool text_lf = (opts & VS_SIP_OPT_TEXT_FILE) && msg->bare_lf;
    if (cl) {
        uint64_t v = 0;
        bool big = false;
        vs_slice t = vs_slice_trim(cl->value);
        if (!vs__parse_uint(t.ptr, t.ptr + t.len, VS_SIP_MAX_CONTENT_LENGTH, &v, &big)) {
            vs__sip_issue(msg, VS_SIP_E_CONTENT_LENGTH, cl->offset);
            cl = NULL; /* frame as if it were absent */
        } else {
            msg->has_content_length = true;
            msg->content_length = (uint32_t)v;
        }
    }
    if (!cl) {
        if (opts & VS_SIP_OPT_STREAM) {
            /* RFC 3261 18.3: a stream message must carry Content-Length; assume no body */
            if (!msg->has_content_length && !has_issue(msg, VS_SIP_E_CONTENT_LENGTH))
                vs__sip_issue(msg, VS_SIP_E_CONTENT_LENGTH, (size_t)(body - base));
            msg->body = vs_slice_make(body, 0);
        } else {
            if (avail)
                vs__sip_issue(msg, VS_SIP_A_NO_CONTENT_LENGTH, (size_t)(body - base));
            msg->body = vs_slice_make(body, avail);
        }
        msg->length = (size_t)(body + msg->body.len - base);
        return;
    }
    size_t want = msg->content_length;
    if (text_lf) {
        if (want != avail)
            vs__sip_issue(msg, VS_SIP_A_LENGTH_MISMATCH, cl->offset);
        msg->body = vs_slice_make(body, avail);
    } else if (want > avail) {
        if (opts & VS_SIP_OPT_STREAM) {
            *incomplete = true;
            return;
        }
        vs__sip_issue(msg, VS_SIP_E_BODY_TRUNCATED, cl->offset);
        msg->body = vs_slice_make(body, avail);
    } else {
        msg->body = vs_slice_make(body, want);
        if (want < avail && !(opts & VS_SIP_OPT_STREAM))
            vs__sip_issue(msg, VS_SIP_A_TRAILING_DATA, (size_t)(body + want - base));
    }
    msg->length = (size_t)(body + msg->body.len - base);
}

/* A stream message that cannot complete within VS_SIP_MAX_MESSAGE: no more bytes will help. */
static long too_large(vs_sip_msg *msg)
{
    vs__sip_issue(msg, VS_SIP_E_TOO_LARGE, VS_SIP_MAX_MESSAGE);
    return VS_E_PARSE;
}

long vs_sip_parse(const char *buf, size_t len, vs_sip_msg *msg, vs_sip_header *headers,
                  size_t header_cap, unsigned opts)
{
    return vs__sip_parse_keep(buf, len, msg, headers, header_cap, opts, NULL);
}

long vs__sip_parse_keep(const char *buf, size_t len, vs_sip_msg *msg, vs_sip_header *headers,
                        size_t header_cap, unsigned opts, vs__sip_kept *keep)
{
    if (keep)
        keep->ruri_done = keep->from_done = keep->to_done = keep->cseq_done = false;
    if (!msg || (!buf && len) || (!headers && header_cap))
        return VS_E_INVAL;
    if (!buf)
        buf = "";
    memset(msg, 0, sizeof *msg);
    memset(msg->first, 0xff, sizeof msg->first);
    msg->headers = headers;
    msg->valid = true;

    const char *base = buf, *end = buf + len;
    bool cut = len > VS_SIP_MAX_MESSAGE;
    if (cut) {
        vs__sip_issue(msg, VS_SIP_E_TOO_LARGE, VS_SIP_MAX_MESSAGE);
        end = buf + VS_SIP_MAX_MESSAGE;
    }
    const char *p = buf;
    while (p < end && (*p == '\r' || *p == '\n'))
        p++;
    if (p > buf)
        vs__sip_issue(msg, VS_SIP_A_LEADING_CRLF, 0);
    if (p == end) {
        if (opts & VS_SIP_OPT_STREAM)
            return VS_E_INCOMPLETE;
        vs__sip_issue(msg, VS_SIP_E_EMPTY, (size_t)(p - base));
        return VS_E_PARSE;
    }

    bool bare = false;
    const char *eol;
    const char *next = line_end(p, end, &eol, &bare);
    if (!next) {
        if (opts & VS_SIP_OPT_STREAM)
            return cut ? too_large(msg) : VS_E_INCOMPLETE;
        eol = next = end;
    }
    if (!parse_start_line(msg, base, p, eol)) {
        vs__sip_issue(msg, VS_SIP_E_START_LINE, (size_t)(p - base));
        msg->kind = 0;
        return VS_E_PARSE;
    }

    /* header lines */
    p = next;
    bool folded_seen = false, terminated = false;
    framing_length fl = {VS_SLICE_NULL, 0, false};
    const char *body = end;
    while (p < end) {
        if (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n')) {
            if (*p == '\n')
                bare = true;
            body = p + (*p == '\n' ? 1 : 2);
            terminated = true;
            break;
        }
        const char *line = p;
        const char *n = vs__skip_class(p, end, VS__C_TOKEN);
        vs_slice name = vs_slice_make(p, (size_t)(n - p));
        const char *c = n;
        while (c < end && (*c == ' ' || *c == '\t'))
            c++;
        bool good_name = name.len > 0 && c < end && *c == ':';
        const char *vstart = good_name ? c + 1 : line;
        /* the value runs to the line end, continuation lines included */
        uint16_t flags = 0;
        const char *q = vstart;
        const char *nl;
        for (;;) {
            nl = line_end(q, end, &eol, &bare);
            if (!nl) {
                if (opts & VS_SIP_OPT_STREAM)
                    return cut ? too_large(msg) : VS_E_INCOMPLETE;
                eol = nl = end;
                break;
            }
            if (nl < end && (*nl == ' ' || *nl == '\t')) {
                flags |= VS_SIP_HF_FOLDED;
                if (!folded_seen) {
                    vs__sip_issue(msg, VS_SIP_A_FOLDED, (size_t)(eol - base));
                    folded_seen = true;
                }
                q = nl;
                continue;
            }
            break;
        }
        if (good_name) {
            vs_slice value = vs_slice_trim(vs_slice_make(vstart, (size_t)(eol - vstart)));
            store_header(msg, header_cap, base, name, value, flags, line, &fl);
        } else {
            vs__sip_issue(msg, VS_SIP_E_HEADER_SYNTAX, (size_t)(line - base));
        }
        p = nl;
    }
    msg->bare_lf = bare;
    if (bare)
        vs__sip_issue(msg, VS_SIP_A_BARE_LF, 0);

    bool incomplete = false;
    if (!terminated) {
        if (opts & VS_SIP_OPT_STREAM)
            return cut ? too_large(msg) : VS_E_INCOMPLETE;
        if ((opts & VS_SIP_OPT_TEXT_FILE) && bare)
            vs__sip_issue(msg, VS_SIP_A_EOF_ENDS_HEADERS, (size_t)(end - base));
        else
            vs__sip_issue(msg, VS_SIP_E_UNTERMINATED, (size_t)(end - base));
        body = end;
    }
    frame_body(msg, base, body, end, opts, &fl, &incomplete);
    if (incomplete)
        return cut ? too_large(msg) : VS_E_INCOMPLETE;

    if (!(opts & VS_SIP_OPT_LAZY))
        vs__sip_check(msg, base, opts, keep);
    return (long)msg->length;
}

const vs_sip_header *vs_sip_find(const vs_sip_msg *msg, vs_sip_hdr_id id)
{
    if (!msg || (unsigned)id >= VS_SIP_HDR__COUNT || msg->first[id] == VS_SIP_NO_HEADER)
        return NULL;
    return &msg->headers[msg->first[id]];
}

const vs_sip_header *vs_sip_find_next(const vs_sip_msg *msg, const vs_sip_header *prev)
{
    if (!msg || !prev)
        return NULL;
    for (const vs_sip_header *h = prev + 1; h < msg->headers + msg->header_count; h++)
        if (h->id == prev->id && (prev->id != VS_SIP_HDR_OTHER || vs_slice_caseeq(h->name, prev->name)))
            return h;
    return NULL;
}

const vs_sip_header *vs_sip_find_name(const vs_sip_msg *msg, vs_slice name)
{
    if (!msg)
        return NULL;
    for (size_t i = 0; i < msg->header_count; i++)
        if (vs_slice_caseeq(msg->headers[i].name, name))
            return &msg->headers[i];
    vs_sip_hdr_id id = vs_sip_hdr_lookup(name);
    return id == VS_SIP_HDR_OTHER ? NULL : vs_sip_find(msg, id);
}
