/* SDP parser (RFC 8866), zero-copy, into the fixed-size vs_sdp the caller owns.
 *
 * Design: one pass over the lines; each line is "<letter>=<value>" ending in LF, with an optional
 * CR before it. Only the fields the encryption verdict and inventory need are kept (v, o, s, c,
 * m, and the a= attributes crypto, fingerprint, setup and direction); other lines are checked
 * for shape and skipped. Session-level c=, fingerprint, setup and direction are copied into each
 * media section that lacks its own after the last line, since RFC 8866 lets media inherit them.
 *
 * Strictness: the first syntax error stops the parse with VS_E_PARSE, a static message and the
 * byte offset; media already parsed keep their verdicts so a caller can still report them.
 * Tolerated on purpose: bare LF line ends, trailing empty lines at the end, runs of SP/HT
 * between fields, and session-only lines (o=, s=, t=...) inside a media section (ignored). */
#include <string.h>

#include "sdp_internal.h"

typedef struct parse_ctx {
    vs_sdp *sdp;
    vs_sdp_media *cur; /* section being filled; NULL at session level or past the media cap */
    bool in_media;     /* an m= line was seen, kept or not */
    vs_slice sess_direction;
    bool usable[VS_SDP_MAX_MEDIA]; /* some a=crypto line of that section is usable */
} parse_ctx;

static bool is_direction(vs_slice name)
{
    return vs_slice_caseeq_str(name, "sendrecv") || vs_slice_caseeq_str(name, "sendonly") ||
           vs_slice_caseeq_str(name, "recvonly") || vs_slice_caseeq_str(name, "inactive");
}

/* Profile text to id, case-insensitive: RFC 8866 registers them in upper case but udptl is
 * customarily lower case and some stacks change case freely. */
static vs_sdp_proto proto_from(vs_slice t)
{
    static const struct {
        const char *text;
        vs_sdp_proto id;
    } tab[] = {
        {"RTP/AVP", VS_SDP_PROTO_RTP_AVP},
        {"RTP/AVPF", VS_SDP_PROTO_RTP_AVPF},
        {"RTP/SAVP", VS_SDP_PROTO_RTP_SAVP},
        {"RTP/SAVPF", VS_SDP_PROTO_RTP_SAVPF},
        {"UDP/TLS/RTP/SAVP", VS_SDP_PROTO_UDP_TLS_RTP_SAVP},
        {"UDP/TLS/RTP/SAVPF", VS_SDP_PROTO_UDP_TLS_RTP_SAVPF},
        {"udptl", VS_SDP_PROTO_UDPTL},
        {"udp", VS_SDP_PROTO_UDP},
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (vs_slice_caseeq_str(t, tab[i].text))
            return tab[i].id;
    /* TCP, TCP/MSRP, TCP/TLS/RTP/SAVP, TCP/BFCP...: the verdict only needs "not RTP over UDP" */
    if (t.len >= 3 && vs_slice_caseeq_str(vs_slice_make(t.ptr, 3), "TCP") &&
        (t.len == 3 || t.ptr[3] == '/'))
        return VS_SDP_PROTO_TCP;
    return VS_SDP_PROTO_OTHER;
}

static vs_rc fail(parse_ctx *c, const char *base, const char *at, const char *msg)
{
    c->sdp->error = msg;
    c->sdp->error_offset = (size_t)(at - base);
    return VS_E_PARSE;
}

/* c= <nettype> <addrtype> <address>[/ttl][/count] */
static bool parse_conn(vs_slice v, vs_slice *addrtype, vs_slice *addr)
{
    vs_slice net = vs__sdp_next_field(&v);
    vs_slice at = vs__sdp_next_field(&v);
    vs_slice a = vs__sdp_next_field(&v);
    if (!net.len || !at.len || !a.len || vs__sdp_next_field(&v).len)
        return false;
    const char *slash = memchr(a.ptr, '/', a.len);
    if (slash)
        a.len = (size_t)(slash - a.ptr); /* multicast TTL and count are not part of the address */
    if (!a.len)
        return false;
    *addrtype = at;
    *addr = a;
    return true;
}

static vs_rc line_o(parse_ctx *c, const char *base, const char *line, vs_slice v)
{
    vs_slice f[6];
    for (size_t i = 0; i < 6; i++) {
        f[i] = vs__sdp_next_field(&v);
        if (!f[i].len)
            return fail(c, base, line, "o= line needs 6 fields");
    }
    if (vs__sdp_next_field(&v).len)
        return fail(c, base, line, "o= line has more than 6 fields");
    if (!c->in_media) {
        c->sdp->origin_user = f[0];
        c->sdp->origin_addr = f[5];
    }
    return VS_OK;
}

static vs_rc line_m(parse_ctx *c, const char *base, const char *line, vs_slice v)
{
    vs_slice media = vs__sdp_next_field(&v);
    vs_slice port = vs__sdp_next_field(&v);
    vs_slice proto = vs__sdp_next_field(&v);
    if (!media.len || !port.len || !proto.len)
        return fail(c, base, line, "m= line needs media, port and proto");

    vs_slice count = VS_SLICE_NULL;
    const char *slash = memchr(port.ptr, '/', port.len);
    if (slash) {
        count = vs_slice_make(slash + 1, port.len - (size_t)(slash + 1 - port.ptr));
        port.len = (size_t)(slash - port.ptr);
    }
    uint64_t p, n = 1;
    if (!vs__sdp_parse_uint(port, 65535, &p))
        return fail(c, base, port.ptr, "m= port is not a number in 0-65535");
    if (slash && (!vs__sdp_parse_uint(count, 65535, &n) || n == 0))
        return fail(c, base, count.ptr, "m= port count is not a number in 1-65535");

    c->in_media = true;
    vs_sdp *s = c->sdp;
    s->media_total++;
    if (s->media_count >= VS_SDP_MAX_MEDIA) {
        c->cur = NULL; /* counted, its attributes are dropped with it */
        return VS_OK;
    }
    vs_sdp_media *m = &s->media[s->media_count++];
    m->media = media;
    m->port = (uint16_t)p;
    m->port_count = (uint16_t)n;
    m->proto_text = proto;
    m->proto = proto_from(proto);
    m->formats = vs_slice_trim(v);
    c->cur = m;
    return VS_OK;
}

static void line_a(parse_ctx *c, vs_slice v)
{
    vs_slice name = v, val = vs_slice_make(v.ptr + v.len, 0); /* never a NULL ptr */
    const char *colon = memchr(v.ptr, ':', v.len);
    if (colon) {
        name.len = (size_t)(colon - v.ptr);
        val = vs_slice_make(colon + 1, v.len - name.len - 1);
    }
    if (c->in_media && !c->cur)
        return; /* attribute of a media section past the cap */
    vs_sdp_media *m = c->cur;
    vs_sdp *s = c->sdp;

    if (vs_slice_caseeq_str(name, "crypto")) {
        if (!m)
            return; /* RFC 4568: media level only; a session-level line keys nothing */
        vs_sdp_crypto scratch;
        vs_sdp_crypto *dst = m->crypto_count < VS_SDP_MAX_CRYPTO ? &m->crypto[m->crypto_count++]
                                                                 : &scratch;
        m->crypto_total++;
        if (vs__sdp_crypto_parse(val, dst))
            c->usable[m - s->media] = true;
    } else if (vs_slice_caseeq_str(name, "fingerprint")) {
        vs_slice hash = vs__sdp_next_field(&val);
        if (!hash.len || !vs__sdp_next_field(&val).len)
            return; /* no fingerprint value: nothing DTLS could verify */
        vs_slice *dst = m ? &m->fingerprint_hash : &s->fingerprint_hash;
        if (!dst->len)
            *dst = hash;
    } else if (vs_slice_caseeq_str(name, "setup")) {
        vs_slice *dst = m ? &m->setup : &s->setup;
        if (!dst->len)
            *dst = vs_slice_trim(val);
    } else if (!colon && is_direction(name)) {
        vs_slice *dst = m ? &m->direction : &c->sess_direction;
        if (!dst->len)
            *dst = name;
    }
}

static void finish(parse_ctx *c)
{
    vs_sdp *s = c->sdp;
    for (size_t i = 0; i < s->media_count; i++) {
        vs_sdp_media *m = &s->media[i];
        if (!m->conn_addr.len) {
            m->conn_addr = s->conn_addr;
            m->conn_addrtype = s->conn_addrtype;
        }
        if (!m->fingerprint_hash.len)
            m->fingerprint_hash = s->fingerprint_hash;
        if (!m->setup.len)
            m->setup = s->setup;
        if (!m->direction.len)
            m->direction = c->sess_direction;
        vs__sdp_verdict(m, c->usable[i]);
    }
}

static vs_rc parse_line(parse_ctx *c, const char *base, const char *line, size_t n, bool first)
{
    const char *cr = memchr(line, '\r', n);
    if (cr)
        return fail(c, base, cr, "bare CR inside a line");
    const char *nul = memchr(line, '\0', n);
    if (nul)
        return fail(c, base, nul, "NUL byte in a line");
    if (n < 2 || line[0] < 'a' || line[0] > 'z' || line[1] != '=')
        return fail(c, base, line, "line is not <letter>=<value>");
    char type = line[0];
    vs_slice v = vs_slice_make(line + 2, n - 2);
    if (first != (type == 'v'))
        return fail(c, base, line, first ? "SDP does not start with v=" : "repeated v= line");

    vs_sdp *s = c->sdp;
    switch (type) {
    case 'v': {
        uint64_t ver;
        if (!vs__sdp_parse_uint(v, UINT32_MAX, &ver))
            return fail(c, base, v.ptr, "v= is not a 32-bit number");
        s->version = (uint32_t)ver;
        return VS_OK;
    }
    case 'o':
        return line_o(c, base, line, v);
    case 's':
        if (!c->in_media)
            s->session_name = v;
        return VS_OK;
    case 'c': {
        vs_slice at, addr;
        if (!parse_conn(v, &at, &addr))
            return fail(c, base, line, "c= line needs nettype, addrtype and address");
        if (!c->in_media) {
            s->conn_addr = addr;
            s->conn_addrtype = at;
        } else if (c->cur && !c->cur->conn_addr.len) {
            c->cur->conn_addr = addr;
            c->cur->conn_addrtype = at;
        }
        return VS_OK;
    }
    case 'm':
        return line_m(c, base, line, v);
    case 'a':
        line_a(c, v);
        return VS_OK;
    default:
        return VS_OK; /* i, u, e, p, b, t, r, z, k and unknown letters: not needed */
    }
}

/* true when only CR and LF remain from pos: trailing blank lines after the last field. */
static bool only_newlines(const char *buf, size_t pos, size_t len)
{
    for (; pos < len; pos++)
        if (buf[pos] != '\r' && buf[pos] != '\n')
            return false;
    return true;
}

vs_rc vs_sdp_parse(const char *buf, size_t len, vs_sdp *sdp)
{
    if (!sdp || (!buf && len))
        return VS_E_INVAL;
    memset(sdp, 0, sizeof *sdp);
    parse_ctx c = {.sdp = sdp};
    vs_rc rc = VS_OK;
    if (len == 0) {
        sdp->error = "empty SDP";
        rc = VS_E_PARSE;
        goto done;
    }
    size_t pos = 0;
    bool first = true;
    while (pos < len) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - buf) : len;
        size_t next = nl ? end + 1 : len;
        size_t vend = end;
        if (vend > pos && buf[vend - 1] == '\r')
            vend--;
        if (vend == pos) {
            if (!first && only_newlines(buf, next, len))
                break;
            rc = fail(&c, buf, buf + pos, "empty line");
            goto done;
        }
        rc = parse_line(&c, buf, buf + pos, vend - pos, first);
        if (rc != VS_OK)
            goto done;
        first = false;
        pos = next;
    }
done:
    finish(&c);
    return rc;
}
