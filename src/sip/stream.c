/* Message boundaries in a byte stream (SIP over TCP or TLS, RFC 3261 18.3): a message ends
 * Content-Length bytes after the empty line that closes its headers. Only the Content-Length
 * header is looked at, so framing costs one memchr per line; the full parse comes afterwards on
 * exactly the bytes of one message. Two Content-Length headers that disagree make the stream
 * unframeable: guessing there is how request smuggling starts. */
#include <string.h>

#include "lex.h"
#include "sip_internal.h"

static bool is_content_length(const char *p, const char *colon)
{
    while (colon > p && (colon[-1] == ' ' || colon[-1] == '\t'))
        colon--;
    vs_slice name = vs_slice_make(p, (size_t)(colon - p));
    return vs_sip_hdr_lookup(name) == VS_SIP_HDR_CONTENT_LENGTH;
}

long vs_sip_stream_frame(const char *buf, size_t len, size_t max_header, size_t *skip)
{
    if ((!buf && len) || !skip)
        return VS_E_INVAL;
    if (!buf)
        buf = "";
    const char *p = buf, *end = buf + len;
    while (p < end && (*p == '\r' || *p == '\n'))
        p++;
    *skip = (size_t)(p - buf);
    if (p == end)
        return VS_E_INCOMPLETE;
    const char *hstart = p;
    bool have_len = false, in_cl = false;
    uint64_t length = 0;
    const char *cl_start = NULL, *cl_end = NULL;

    for (;;) {
        const char *lf = memchr(p, '\n', (size_t)(end - p));
        if (!lf) {
            if ((size_t)(end - hstart) > max_header)
                return VS_E_PARSE;
            return VS_E_INCOMPLETE;
        }
        if ((size_t)(lf + 1 - hstart) > max_header)
            return VS_E_PARSE;
        const char *eol = (lf > p && lf[-1] == '\r') ? lf - 1 : lf;
        bool fold = p > hstart && (*p == ' ' || *p == '\t');
        bool empty = eol == p && p > hstart;
        /* finish a pending Content-Length once its last continuation line is known */
        if (in_cl && !fold) {
            vs_slice v = vs_slice_trim(vs_slice_make(cl_start, (size_t)(cl_end - cl_start)));
            uint64_t n;
            if (!vs__parse_uint(v.ptr, v.ptr + v.len, VS_SIP_MAX_CONTENT_LENGTH, &n, NULL))
                return VS_E_PARSE;
            if (have_len && n != length)
                return VS_E_PARSE;
            length = n;
            have_len = true;
            in_cl = false;
        }
        if (empty) {
            const char *body = lf + 1;
            size_t hdr_len = (size_t)(body - buf);
            if (hdr_len + length > VS_SIP_MAX_MESSAGE)
                return VS_E_PARSE; /* the same limit as vs_sip_parse */
            if ((size_t)(end - body) < length)
                return VS_E_INCOMPLETE;
            return (long)(hdr_len + length);
        }
        if (fold) {
            if (in_cl)
                cl_end = eol;
        } else if (p > hstart) {
            const char *colon = memchr(p, ':', (size_t)(eol - p));
            if (colon && is_content_length(p, colon)) {
                in_cl = true;
                cl_start = colon + 1;
                cl_end = eol;
            }
        }
        p = lf + 1;
    }
}
