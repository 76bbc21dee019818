/* Reading a SIP answer into a scan record. The parser runs in lazy mode (frame only): an answer
 * with odd headers is still an answer, and what it says is what we report. Values are copied
 * into the record's fixed fields, cut to fit, with control bytes replaced by '?' so that a
 * hostile Server header cannot put escape sequences into a terminal or break a JSON line. */
#include <stdio.h>
#include <string.h>

#include <voipsec/sip.h>

#include "scan/scan_internal.h"

#define ANSWER_HEADERS 96

/* Appends value to dst (size dst_size), with sep first when dst is not empty. */
static void append_clean(char *dst, size_t dst_size, const char *sep, vs_slice value)
{
    size_t len = strlen(dst);
    if (len > 0 && sep) {
        for (const char *s = sep; *s && len + 1 < dst_size; s++)
            dst[len++] = *s;
    }
    for (size_t i = 0; i < value.len && len + 1 < dst_size; i++) {
        unsigned char c = (unsigned char)value.ptr[i];
        if (c == '\r' || c == '\n' || c == '\t')
            c = ' '; /* folding */
        else if (c < 0x20 || c == 0x7f)
            c = '?';
        dst[len++] = (char)c;
    }
    dst[len] = '\0';
}

/* All values of header id, joined with ", ". */
static void join_headers(const vs_sip_msg *m, vs_sip_hdr_id id, char *dst, size_t dst_size)
{
    dst[0] = '\0';
    for (const vs_sip_header *h = vs_sip_find(m, id); h; h = vs_sip_find_next(m, h))
        append_clean(dst, dst_size, ", ", vs_slice_trim(h->value));
}

bool vs__answer_read(const char *buf, size_t len, const char *call_id, vs_scan_result *r)
{
    if (!buf || !r || len == 0)
        return false;
    vs_sip_header headers[ANSWER_HEADERS];
    vs_sip_msg m;
    long n = vs_sip_parse(buf, len, &m, headers, ANSWER_HEADERS, VS_SIP_OPT_LAZY);
    if (n <= 0 || m.kind != VS_SIP_RESPONSE || m.status < 100 || m.status > 699)
        return false;
    if (call_id) {
        const vs_sip_header *h = vs_sip_find(&m, VS_SIP_HDR_CALL_ID);
        if (!h || !vs_slice_eq(vs_slice_trim(h->value), vs_slice_make(call_id, strlen(call_id))))
            return false;
    }
    r->sip_status = (int)m.status;
    r->reason[0] = '\0';
    append_clean(r->reason, sizeof(r->reason), NULL, vs_slice_trim(m.reason));
    const vs_sip_header *srv = vs_sip_find(&m, VS_SIP_HDR_SERVER);
    if (!srv || vs_slice_trim(srv->value).len == 0)
        srv = vs_sip_find(&m, VS_SIP_HDR_USER_AGENT);
    r->server[0] = '\0';
    if (srv)
        append_clean(r->server, sizeof(r->server), NULL, vs_slice_trim(srv->value));
    join_headers(&m, VS_SIP_HDR_ALLOW, r->allow, sizeof(r->allow));
    join_headers(&m, VS_SIP_HDR_SUPPORTED, r->supported, sizeof(r->supported));
    r->auth_required = m.status == 401 || m.status == 407;
    return true;
}
