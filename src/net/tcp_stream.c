/* SIP framing of a TCP half-connection's in-order bytes (the stream layer of tcp_reasm.c).
 *
 * The sequence layer (tcp_reasm.c) hands over bytes in order; they are appended to the flow's one
 * linear buffer (grown geometrically up to max_tcp_flow_bytes; the consumed prefix compacted after
 * each feed) and processed by state:
 *   - NEW: the first line decides. A TLS record header -> counted, never delivered; a SIP start
 *     line ("SIP/x ..." or "<token> <uri> SIP/x"; an HTTP request line is not one) -> SIP;
 *     anything else -> given up (stats->tcp_unframeable), unless the stream was picked up
 *     mid-connection or after a gap, where it hunts instead.
 *   - HUNT: whole lines are dropped until one is a SIP start line (mid-connection pick-ups give up
 *     after max_tcp_flow_bytes without one).
 *   - SIP: vs_sip_stream_frame cuts messages, each handed to cfg->on_payload without its leading
 *     keep-alive CRLFs. To keep the cost per segment flat, a pending message is re-framed only
 *     when the new bytes can complete it: once its header section is complete its length is known
 *     (message_length mirrors the framer's header walk) and the flow waits for that many bytes;
 *     before that, only a new empty line can end the headers. A message that cannot be framed
 *     (VS_E_PARSE) is skipped from its start line; one larger than the flow buffer is skipped by
 *     its length when known, else by hunting. Both count in stats->tcp_unframeable and warn. */
#include <stdlib.h>
#include <string.h>

#include <voipsec/sip.h>

#include "tcp_flow.h"

typedef vs__tcp_flow flow;

static void tcp_warn(vs__tcp *t, uint64_t packet_no, const char *text)
{
    if (t->cfg->on_warn)
        t->cfg->on_warn(t->cfg->ctx, packet_no, text);
}

/* ---- SIP start lines ----------------------------------------------------------------------- */

static bool is_token_char(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c && strchr("-.!%*_+`'~", c) != NULL;
}

static bool ci_prefix(const char *p, size_t n, const char *lit)
{
    size_t l = strlen(lit);
    if (n < l)
        return false;
    for (size_t i = 0; i < l; i++) {
        char c = p[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (c != lit[i])
            return false;
    }
    return true;
}

/* true when line[0..n) (no line end) is a SIP start line: "SIP/<v> <status...>" or
 * "<token> <uri> SIP/<v>". An HTTP request line ("GET / HTTP/1.1") is not. */
static bool is_start_line(const char *line, size_t n)
{
    if (ci_prefix(line, n, "SIP/")) {
        size_t i = 4;
        while (i < n && line[i] != ' ')
            i++;
        return i > 4 && i < n;
    }
    size_t i = 0;
    while (i < n && is_token_char((unsigned char)line[i]))
        i++;
    if (i == 0 || i >= n || line[i] != ' ')
        return false;
    const char *last = line + n;
    while (last > line + i && last[-1] != ' ')
        last--;
    /* last: after the last SP; the URI lies between the first and the last SP */
    size_t vlen = (size_t)(line + n - last);
    if ((size_t)(last - line) <= i + 2) /* no room for a URI */
        return false;
    return ci_prefix(last, vlen, "SIP/") && vlen > 4;
}

/* true when p[0..n), a line without its end yet, can still become a SIP start line. */
static bool start_prefix_ok(const char *p, size_t n)
{
    static const char sip[] = "SIP/";
    bool sip_like = true;
    for (size_t i = 0; i < n && i < 4; i++) {
        char c = p[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (c != sip[i])
            sip_like = false;
    }
    if (sip_like)
        return true;
    size_t i = 0;
    while (i < n && i <= VS__TCP_MAX_METHOD && is_token_char((unsigned char)p[i]))
        i++;
    return i > 0 && i <= VS__TCP_MAX_METHOD && (i == n || p[i] == ' ');
}

/* ---- memory accounting ----------------------------------------------------------------------- */

void vs__tcp_buf_free(vs__tcp *t, flow *f)
{
    free(f->buf);
    t->mem -= f->cap;
    f->buf = NULL;
    f->cap = f->off = f->len = 0;
}

void vs__tcp_ooo_free(vs__tcp *t, flow *f)
{
    vs__tcp_seg *s = f->ooo;
    while (s) {
        vs__tcp_seg *n = s->next;
        t->mem -= sizeof *s + s->len;
        free(s);
        s = n;
    }
    f->ooo = NULL;
    f->ooo_count = f->ooo_bytes = 0;
}

/* Makes room for want bytes in the stream buffer (want <= maxb). Returns false on NOMEM. */
static bool buf_reserve(vs__tcp *t, flow *f, size_t want)
{
    if (want <= f->cap)
        return true;
    size_t ncap = f->cap ? f->cap : VS__TCP_MIN_BUF;
    while (ncap < want)
        ncap = ncap > SIZE_MAX / 2 ? want : ncap * 2;
    if (ncap > t->maxb)
        ncap = t->maxb;
    char *nb = realloc(f->buf, ncap);
    if (!nb)
        return false;
    t->mem += ncap - f->cap;
    f->buf = nb;
    f->cap = ncap;
    return true;
}

/* ---- stream layer ---------------------------------------------------------------------------- */

static void give_up(vs__tcp *t, flow *f, uint8_t state)
{
    f->state = state;
    f->scan = f->need = 0;
    vs__tcp_buf_free(t, f);
    vs__tcp_ooo_free(t, f);
}

static void deliver(vs__tcp *t, flow *f, const char *data, size_t len)
{
    vs_payload p;
    memset(&p, 0, sizeof p);
    p.data = data;
    p.len = len;
    p.src = f->src;
    p.dst = f->dst;
    p.sport = f->sport;
    p.dport = f->dport;
    p.transport = VS_TRANSPORT_TCP;
    p.ts_us = f->cur_ts;
    p.packet_no = f->cur_pno;
    t->stats->payloads++;
    if (t->cfg->on_payload)
        t->cfg->on_payload(t->cfg->ctx, &p);
}

static size_t line_limit(const vs__tcp *t)
{
    return t->maxb < VS__TCP_MAX_HEADER ? t->maxb : VS__TCP_MAX_HEADER;
}

/* The length of the message at buf[0..len) (leading CR/LF included) once its header section is
 * complete there: what vs_sip_stream_frame returns when all of it is present (this mirrors its
 * header walk in src/sip/stream.c). 0 when the header section is incomplete or the message cannot
 * be framed. Lets a flow wait for a large body without re-framing at each segment, and skip
 * exactly a message too large for the flow buffer. */
static size_t message_length(const char *buf, size_t len)
{
    const char *p = buf, *end = buf + len;
    while (p < end && (*p == '\r' || *p == '\n'))
        p++;
    const char *hstart = p;
    bool have_len = false, in_cl = false;
    uint64_t length = 0;
    const char *cl_start = NULL, *cl_end = NULL;
    while (p < end) {
        const char *lf = memchr(p, '\n', (size_t)(end - p));
        if (!lf || (size_t)(lf + 1 - hstart) > VS__TCP_MAX_HEADER)
            return 0;
        const char *eol = (lf > p && lf[-1] == '\r') ? lf - 1 : lf;
        bool fold = p > hstart && (*p == ' ' || *p == '\t');
        bool empty = eol == p && p > hstart;
        if (in_cl && !fold) {
            uint64_t n;
            vs_slice v = vs_slice_make(cl_start, (size_t)(cl_end - cl_start));
            if (vs_sip_uint_parse(v, VS_SIP_MAX_CONTENT_LENGTH, &n) != VS_OK)
                return 0;
            if (have_len && n != length)
                return 0;
            length = n;
            have_len = true;
            in_cl = false;
        }
        if (empty) {
            uint64_t total = (uint64_t)(lf + 1 - buf) + length;
            return total > VS_SIP_MAX_MESSAGE ? 0 : (size_t)total;
        }
        if (fold) {
            if (in_cl)
                cl_end = eol;
        } else if (p > hstart) {
            const char *colon = memchr(p, ':', (size_t)(eol - p));
            if (colon) {
                const char *ne = colon;
                while (ne > p && (ne[-1] == ' ' || ne[-1] == '\t'))
                    ne--;
                if (vs_sip_hdr_lookup(vs_slice_make(p, (size_t)(ne - p))) ==
                    VS_SIP_HDR_CONTENT_LENGTH) {
                    in_cl = true;
                    cl_start = colon + 1;
                    cl_end = eol;
                }
            }
        }
        p = lf + 1;
    }
    return 0;
}

/* false when b[0..n) certainly holds no empty line after a header line ("\n\n", "\n\r\n") */
static bool header_end_possible(const char *b, size_t n)
{
    const char *p = b, *end = b + n;
    while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        p++;
        if (p < end && (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n')))
            return true;
    }
    return false;
}

/* Hunting: drops whole lines until one is a SIP start line. */
static void hunt(vs__tcp *t, flow *f)
{
    char *p = f->buf + f->off, *end = f->buf + f->len;
    size_t scanned = f->scan; /* of the partial line kept at off */
    f->scan = 0;
    if (f->midline) {
        char *lf = memchr(p, '\n', (size_t)(end - p));
        if (!lf) {
            p = end;
            goto done;
        }
        p = lf + 1;
        f->midline = false;
        scanned = 0;
    }
    while (p < end) {
        char *lf = memchr(p + scanned, '\n', (size_t)(end - p) - scanned);
        scanned = 0;
        if (!lf) {
            size_t n = (size_t)(end - p);
            if (n > line_limit(t) || !start_prefix_ok(p, n)) {
                p = end;
                f->midline = true;
            } else {
                f->scan = n;
            }
            break;
        }
        size_t n = (size_t)(lf - p);
        if (n && lf[-1] == '\r')
            n--;
        if (is_start_line(p, n)) {
            f->hunted += (size_t)(p - (f->buf + f->off));
            f->off = (size_t)(p - f->buf);
            f->state = ST_SIP;
            f->ever_sip = true;
            f->scan = f->need = 0;
            return;
        }
        p = lf + 1;
    }
done:
    f->hunted += (size_t)(p - (f->buf + f->off));
    f->off = (size_t)(p - f->buf);
    if (!f->ever_sip && f->hunted > t->maxb) {
        t->stats->tcp_unframeable++;
        give_up(t, f, ST_IGNORED);
    }
}

/* A stream's first bytes: TLS, SIP, or something else. */
static void classify(vs__tcp *t, flow *f)
{
    while (f->off < f->len && (f->buf[f->off] == '\r' || f->buf[f->off] == '\n'))
        f->off++;
    size_t n = f->len - f->off;
    const unsigned char *b = (const unsigned char *)f->buf + f->off;
    if (n == 0)
        return;
    if (b[0] == 0x16 || (f->midstream && b[0] >= 0x14 && b[0] <= 0x17)) {
        if (n < 3)
            return;
        if (b[1] == 3 && b[2] <= 4) {
            t->stats->tls_flows++;
            t->stats->tls_bytes += n + f->ooo_bytes;
            give_up(t, f, ST_TLS);
            return;
        }
    }
    const char *lf = f->scan < n ? memchr(b + f->scan, '\n', n - f->scan) : NULL;
    f->scan = 0;
    bool sip;
    if (lf) {
        size_t l = (size_t)(lf - (const char *)b);
        if (l && lf[-1] == '\r')
            l--;
        sip = is_start_line((const char *)b, l);
    } else {
        if (n <= line_limit(t) && start_prefix_ok((const char *)b, n)) {
            f->scan = n;
            return; /* wait for the end of the line */
        }
        sip = false;
    }
    if (sip) {
        f->state = ST_SIP;
        f->ever_sip = true;
    } else if (f->midstream) {
        f->state = ST_HUNT;
        f->midline = false;
    } else {
        t->stats->tcp_unframeable++;
        give_up(t, f, ST_IGNORED);
    }
}

static void overflow(vs__tcp *t, flow *f);

/* Frames, hunts or classifies the pending bytes as far as they go. */
static void process(vs__tcp *t, flow *f)
{
    for (;;) {
        if (f->state == ST_NEW) {
            classify(t, f);
            if (f->state == ST_NEW)
                return;
        } else if (f->state == ST_HUNT) {
            hunt(t, f);
            if (f->state != ST_SIP)
                return;
        } else if (f->state == ST_SIP) {
            size_t n = f->len - f->off, skip = 0;
            if (n == 0)
                return;
            char *b = f->buf + f->off;
            /* re-frame only when the new bytes can have completed the message */
            if (f->need) {
                if (n < f->need)
                    return;
            } else if (n <= VS__TCP_MAX_HEADER) {
                size_t from = f->scan > 2 ? f->scan - 2 : 0;
                bool possible = header_end_possible(b + from, n - from);
                f->scan = n;
                if (!possible)
                    return;
            }
            long r = vs_sip_stream_frame(b, n, VS__TCP_MAX_HEADER, &skip);
            if (r > 0) {
                f->off += (size_t)r;
                f->scan = f->need = 0;
                deliver(t, f, b + skip, (size_t)r - skip);
                continue;
            }
            if (skip > n)
                skip = n;
            if (r == VS_E_INCOMPLETE) {
                f->off += skip; /* keep-alives */
                f->scan = n - skip;
                f->need = message_length(b + skip, n - skip);
                if (f->need > t->maxb)
                    overflow(t, f); /* cannot fit: skip it now */
                return;
            }
            /* VS_E_PARSE: skip this message's start line and hunt for the next one */
            t->stats->tcp_unframeable++;
            tcp_warn(t, f->cur_pno,
                     "SIP over TCP: message cannot be framed (bad Content-Length or header section "
                     "too long); resynchronising at the next start line");
            f->off += skip;
            f->state = ST_HUNT;
            f->midline = true;
            f->scan = f->need = 0;
        } else {
            return;
        }
    }
}

/* The buffer is full and nothing in it could be consumed. */
static void overflow(vs__tcp *t, flow *f)
{
    size_t n = f->len - f->off;
    f->scan = f->need = 0;
    if (f->state == ST_SIP) {
        t->stats->tcp_unframeable++;
        tcp_warn(t, f->cur_pno,
                 "SIP over TCP: message larger than max_tcp_flow_bytes skipped; resynchronising");
        f->state = ST_HUNT;
        size_t total = message_length(f->buf + f->off, n);
        if (total > n) {
            /* its length is known: discard exactly the rest, then expect a start line */
            f->skip_left = total - n;
            f->midline = false;
            f->off = f->len = 0;
            return;
        }
    } else if (f->state == ST_NEW) {
        if (!f->midstream) {
            t->stats->tcp_unframeable++;
            give_up(t, f, ST_IGNORED);
            return;
        }
        f->state = ST_HUNT;
    }
    if (f->state == ST_HUNT && !f->ever_sip)
        f->hunted += n;
    f->midline = n > 0 && f->buf[f->len - 1] != '\n';
    f->off = f->len = 0;
    if (!f->ever_sip && f->state == ST_HUNT && f->hunted > t->maxb) {
        t->stats->tcp_unframeable++;
        give_up(t, f, ST_IGNORED);
    }
}

static void compact(flow *f)
{
    if (f->off == 0)
        return;
    if (f->off < f->len)
        memmove(f->buf, f->buf + f->off, f->len - f->off);
    f->len -= f->off;
    f->off = 0;
}

/* In-order stream bytes: appended in chunks that fit the buffer, processed after each. */
void vs__tcp_feed(vs__tcp *t, flow *f, const unsigned char *data, size_t n)
{
    while (n > 0 && vs__tcp_tracking(f)) {
        if (f->skip_left) {
            size_t k = f->skip_left < n ? f->skip_left : n;
            f->skip_left -= k;
            data += k;
            n -= k;
            continue;
        }
        compact(f);
        if (f->len >= t->maxb) {
            overflow(t, f);
            continue;
        }
        size_t k = t->maxb - f->len;
        if (k > n)
            k = n;
        if (!buf_reserve(t, f, f->len + k)) {
            /* out of memory: the bytes are lost like a gap */
            t->stats->tcp_gaps++;
            if (f->state == ST_SIP)
                f->state = ST_HUNT;
            f->midline = true;
            f->off = f->len = 0;
            return;
        }
        memcpy(f->buf + f->len, data, k);
        f->len += k;
        data += k;
        n -= k;
        process(t, f);
    }
    if (vs__tcp_tracking(f)) {
        compact(f);
        if (f->len == 0 && f->cap > 4 * VS__TCP_MIN_BUF)
            vs__tcp_buf_free(t, f); /* an idle flow keeps no large buffer */
    }
}
