/* TCP reassembly and SIP framing per half-connection (see tcp_reasm.h).
 *
 * Design:
 *   - Flow table: chained hash buckets (seeded FNV-1a over a packed key, then a 64-bit finaliser)
 *     that double while the load exceeds one flow per bucket; every flow is also on an intrusive
 *     LRU list (head = most recently used). At cfg->max_tcp_flows the tail is evicted. A global
 *     byte budget (VS__TCP_MEM_CAP, at least 4 flows' worth) evicts from the tail too, so that
 *     the sum of all per-flow buffers stays bounded whatever max_tcp_flows says.
 *   - Sequence layer: next expected sequence number (from the SYN, or from the first segment seen
 *     when the capture starts mid-connection), 32-bit serial arithmetic. In-order bytes go
 *     straight into the stream buffer (no allocation besides its geometric growth); segments
 *     ahead are copied into a sorted list of non-overlapping pieces bounded in count
 *     (VS__TCP_MAX_OOO) and bytes (max_tcp_flow_bytes). First data wins: a retransmission or an
 *     overlap only adds the bytes not yet seen. A gap that cannot fill (list full, idle expiry,
 *     finish, RST, eviction) is skipped: stats->tcp_gaps, and the stream hunts for the next SIP
 *     start line. A segment cut by the snap length leaves the flow "loose": the next segment
 *     beyond the known bytes is taken as the end of a gap.
 *   - Stream layer: one linear buffer (consumed prefix compacted after each feed), at most
 *     max_tcp_flow_bytes. A new stream is classified from its first line: TLS record header ->
 *     counted, never delivered; a SIP start line -> framed with vs_sip_stream_frame; anything
 *     else -> ignored (the flow entry stays so later segments are dropped cheaply). A stream
 *     picked up mid-connection (or after a gap before classification) may start mid-message: it
 *     hunts for a start line for up to max_tcp_flow_bytes before it is given up.
 *   - stats->tcp_unframeable counts streams given up (not SIP) and SIP messages that could not
 *     be framed (bad Content-Length, header section over 64 KiB, message over the flow buffer);
 *     the latter also go to cfg->on_warn. Each payload handed out counts in stats->payloads.
 * Not thread-safe: one vs_net drives one object. */
#include "tcp_reasm.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <voipsec/sip.h>

#define VS__TCP_MAX_HEADER (64u << 10) /* header section bound given to vs_sip_stream_frame */
#define VS__TCP_MAX_OOO 64             /* out-of-order pieces held per flow */
#define VS__TCP_MEM_CAP ((size_t)256 << 20) /* all flows together (raised to 4 flows' worth) */
#define VS__TCP_MIN_BUF 2048
#define VS__TCP_MIN_BUCKETS 256
#define VS__TCP_MAX_BUCKETS ((size_t)1 << 24)

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04

enum flow_state {
    ST_NEW,     /* not classified yet */
    ST_HUNT,    /* looking for a SIP start line */
    ST_SIP,     /* framing messages */
    ST_TLS,     /* encrypted: bytes counted, never delivered */
    ST_IGNORED, /* not SIP: segments dropped */
};

typedef struct flow_key {
    uint8_t src[16], dst[16];
    uint16_t sport, dport;
    uint8_t sfam, dfam;
    uint8_t pad[2];
} flow_key;

typedef struct seg {
    struct seg *next;
    uint32_t seq, len;
    int64_t ts_us;
    uint64_t packet_no;
    bool truncated; /* the capture cut this piece's tail */
    unsigned char data[];
} seg;

typedef struct flow {
    struct flow *hnext;        /* bucket chain */
    struct flow *lprev, *lnext; /* LRU list */
    flow_key key;
    uint64_t hash;
    vs_ip src, dst;
    uint16_t sport, dport;
    int64_t last_ts;
    uint32_t next_seq, isn, fin_seq;
    uint8_t state;
    bool syn_seen, fin_seen, loose, midstream, midline, ever_sip;
    char *buf; /* stream bytes [off, len) pending */
    size_t off, len, cap;
    size_t hunted; /* bytes dropped while hunting before the first SIP message */
    size_t skip_left; /* bytes of an oversized message still to discard */
    seg *ooo;      /* sorted by sequence, all ahead of next_seq, non-overlapping */
    size_t ooo_count, ooo_bytes;
    int64_t cur_ts; /* the segment whose bytes are being fed */
    uint64_t cur_pno;
} flow;

struct vs__tcp {
    const vs_net_config *cfg;
    vs_net_stats *stats;
    flow **buckets;
    size_t nbuckets, count;
    flow *lru_head, *lru_tail;
    uint64_t seed;
    size_t maxb;    /* per-flow byte cap (>= 1) */
    size_t mem, mem_cap;
};

/* ---- helpers ------------------------------------------------------------------------------- */

static int32_t seq_diff(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b);
}

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static uint64_t key_hash(const vs__tcp *t, const flow_key *k)
{
    const unsigned char *p = (const unsigned char *)k;
    uint64_t h = 0xcbf29ce484222325ULL ^ t->seed;
    for (size_t i = 0; i < sizeof *k; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return mix64(h);
}

static void ip_bytes(const vs_ip *ip, uint8_t out[16], uint8_t *fam)
{
    memset(out, 0, 16);
    *fam = ip->family;
    memcpy(out, ip->bytes, ip->family == 4 ? 4 : 16);
}

static void make_key(flow_key *k, const vs_ip *src, const vs_ip *dst, uint16_t sport,
                     uint16_t dport)
{
    memset(k, 0, sizeof *k);
    ip_bytes(src, k->src, &k->sfam);
    ip_bytes(dst, k->dst, &k->dfam);
    k->sport = sport;
    k->dport = dport;
}

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
    while (i < n && is_token_char((unsigned char)p[i]))
        i++;
    return i > 0 && (i == n || p[i] == ' ');
}

/* ---- memory accounting ----------------------------------------------------------------------- */

static void buf_free(vs__tcp *t, flow *f)
{
    free(f->buf);
    t->mem -= f->cap;
    f->buf = NULL;
    f->cap = f->off = f->len = 0;
}

static void ooo_free(vs__tcp *t, flow *f)
{
    seg *s = f->ooo;
    while (s) {
        seg *n = s->next;
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

static bool tracking(const flow *f)
{
    return f->state == ST_NEW || f->state == ST_HUNT || f->state == ST_SIP;
}

static void give_up(vs__tcp *t, flow *f, uint8_t state)
{
    f->state = state;
    buf_free(t, f);
    ooo_free(t, f);
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

/* Hunting: drops whole lines until one is a SIP start line. */
static void hunt(vs__tcp *t, flow *f)
{
    char *p = f->buf + f->off, *end = f->buf + f->len;
    if (f->midline) {
        char *lf = memchr(p, '\n', (size_t)(end - p));
        if (!lf) {
            p = end;
            goto done;
        }
        p = lf + 1;
        f->midline = false;
    }
    while (p < end) {
        char *lf = memchr(p, '\n', (size_t)(end - p));
        if (!lf) {
            size_t n = (size_t)(end - p);
            if (n > line_limit(t) || !start_prefix_ok(p, n)) {
                p = end;
                f->midline = true;
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
    const char *lf = memchr(b, '\n', n);
    bool sip;
    if (lf) {
        size_t l = (size_t)(lf - (const char *)b);
        if (l && lf[-1] == '\r')
            l--;
        sip = is_start_line((const char *)b, l);
    } else {
        if (n <= line_limit(t) && start_prefix_ok((const char *)b, n))
            return; /* wait for the end of the line */
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
            long r = vs_sip_stream_frame(b, n, VS__TCP_MAX_HEADER, &skip);
            if (r > 0) {
                f->off += (size_t)r;
                deliver(t, f, b + skip, (size_t)r - skip);
                continue;
            }
            if (r == VS_E_INCOMPLETE) {
                f->off += skip <= n ? skip : n; /* keep-alives */
                return;
            }
            /* VS_E_PARSE: skip this message's start line and hunt for the next one */
            t->stats->tcp_unframeable++;
            tcp_warn(t, f->cur_pno,
                 "SIP over TCP: message cannot be framed (bad Content-Length or header section "
                 "too long); resynchronising at the next start line");
            f->off += skip <= n ? skip : n;
            f->state = ST_HUNT;
            f->midline = true;
        } else {
            return;
        }
    }
}

/* The length of the message at b[0..n) (leading CR/LF included) when its header section is
 * complete there and its Content-Length is plain (one value, or several that agree, none
 * folded), as vs_sip_stream_frame would find it; 0 when unknown. */
static size_t message_length(const char *b, size_t n)
{
    const char *p = b, *end = b + n;
    while (p < end && (*p == '\r' || *p == '\n'))
        p++;
    const char *hstart = p;
    bool have = false;
    uint64_t length = 0;
    while (p < end) {
        const char *lf = memchr(p, '\n', (size_t)(end - p));
        if (!lf)
            return 0;
        const char *eol = (lf > p && lf[-1] == '\r') ? lf - 1 : lf;
        if (eol == p && p > hstart) {
            uint64_t total = (uint64_t)(lf + 1 - b) + length;
            return total > VS_SIP_MAX_MESSAGE ? 0 : (size_t)total;
        }
        bool fold = p > hstart && (*p == ' ' || *p == '\t');
        if (!fold && p > hstart) {
            const char *colon = memchr(p, ':', (size_t)(eol - p));
            if (colon) {
                vs_slice name = vs_slice_trim(vs_slice_make(p, (size_t)(colon - p)));
                if (vs_sip_hdr_lookup(name) == VS_SIP_HDR_CONTENT_LENGTH) {
                    const char *nl = lf + 1;
                    if (nl < end && (*nl == ' ' || *nl == '\t'))
                        return 0; /* folded value: leave it to hunting */
                    uint64_t v;
                    vs_slice val = vs_slice_make(colon + 1, (size_t)(eol - colon - 1));
                    if (vs_sip_uint_parse(val, VS_SIP_MAX_CONTENT_LENGTH, &v) != VS_OK)
                        return 0;
                    if (have && v != length)
                        return 0;
                    have = true;
                    length = v;
                }
            }
        }
        p = lf + 1;
    }
    return 0;
}

/* The buffer is full and nothing in it could be consumed. */
static void overflow(vs__tcp *t, flow *f)
{
    size_t n = f->len - f->off;
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
static void feed(vs__tcp *t, flow *f, const unsigned char *data, size_t n)
{
    while (n > 0 && tracking(f)) {
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
    if (tracking(f)) {
        compact(f);
        if (f->len == 0 && f->cap > 4 * VS__TCP_MIN_BUF)
            buf_free(t, f); /* an idle flow keeps no large buffer */
    }
}

/* ---- sequence layer -------------------------------------------------------------------------- */

/* Moves out-of-order pieces that now start at next_seq into the stream. */
static void drain(vs__tcp *t, flow *f)
{
    while (tracking(f) && f->ooo && seq_diff(f->ooo->seq, f->next_seq) <= 0) {
        seg *s = f->ooo;
        f->ooo = s->next;
        f->ooo_count--;
        f->ooo_bytes -= s->len;
        t->mem -= sizeof *s + s->len;
        uint32_t cut = (uint32_t)-seq_diff(s->seq, f->next_seq);
        if (cut < s->len) {
            f->next_seq += s->len - cut;
            f->cur_ts = s->ts_us;
            f->cur_pno = s->packet_no;
            if (s->truncated)
                f->loose = true;
            feed(t, f, s->data + cut, s->len - cut);
        }
        free(s);
    }
}

/* Skips the missing bytes up to target (counted as a gap) and resynchronises there. */
static void gap_to(vs__tcp *t, flow *f, uint32_t target)
{
    t->stats->tcp_gaps++;
    f->off = f->len = 0;
    f->skip_left = 0;
    if (f->state == ST_SIP || f->state == ST_HUNT) {
        f->state = ST_HUNT;
        f->midline = false;
    } else if (f->state == ST_NEW) {
        f->midstream = true;
    }
    f->loose = false;
    f->next_seq = target;
    drain(t, f);
}

/* Holds data[0..len) at seq as out-of-order pieces, keeping what is already held (first data
 * wins). Returns false when the pieces do not fit the per-flow bounds (nothing is stored). */
static bool ooo_insert(vs__tcp *t, flow *f, uint32_t seq, const unsigned char *data, uint32_t len,
                       bool truncated)
{
    /* pass 1: count the pieces not covered by held segments */
    size_t pieces = 0, bytes = 0;
    uint32_t s = seq, e = seq + len;
    for (seg *g = f->ooo; g && seq_diff(s, e) < 0; g = g->next) {
        uint32_t ge = g->seq + g->len;
        if (seq_diff(ge, s) <= 0)
            continue;
        if (seq_diff(g->seq, e) >= 0)
            break;
        if (seq_diff(g->seq, s) > 0) {
            pieces++;
            bytes += (uint32_t)(g->seq - s);
        }
        s = ge;
    }
    if (seq_diff(s, e) < 0) {
        pieces++;
        bytes += (uint32_t)(e - s);
    }
    if (pieces == 0)
        return true;
    if (f->ooo_count + pieces > VS__TCP_MAX_OOO || f->ooo_bytes + bytes > t->maxb)
        return false;
    /* pass 2: insert them */
    seg **link = &f->ooo;
    s = seq;
    while (seq_diff(s, e) < 0) {
        while (*link && seq_diff((*link)->seq + (*link)->len, s) <= 0)
            link = &(*link)->next;
        uint32_t pe = e;
        if (*link && seq_diff((*link)->seq, s) <= 0) {
            s = (*link)->seq + (*link)->len; /* covered: skip past it */
            continue;
        }
        if (*link && seq_diff((*link)->seq, e) < 0)
            pe = (*link)->seq;
        uint32_t plen = pe - s;
        seg *n = malloc(sizeof *n + plen);
        if (!n)
            return true; /* out of memory: the piece is lost, a gap later */
        n->seq = s;
        n->len = plen;
        n->ts_us = f->cur_ts;
        n->packet_no = f->cur_pno;
        n->truncated = truncated && pe == e;
        memcpy(n->data, data + (uint32_t)(s - seq), plen);
        n->next = *link;
        *link = n;
        link = &n->next;
        f->ooo_count++;
        f->ooo_bytes += plen;
        t->mem += sizeof *n + plen;
        s = pe;
    }
    return true;
}

/* One segment's payload, dseq being the sequence number of its first byte. */
static void flow_data(vs__tcp *t, flow *f, uint32_t dseq, const unsigned char *data, size_t len,
                      bool truncated)
{
    if (len > (1u << 30))
        len = 1u << 30; /* not a real segment; keep the arithmetic in range */
    int64_t ts = f->cur_ts;
    uint64_t pno = f->cur_pno;
    while (tracking(f)) {
        f->cur_ts = ts; /* draining may have set them to a held segment's */
        f->cur_pno = pno;
        int32_t d = seq_diff(dseq, f->next_seq);
        if (f->loose && d > 0) {
            uint32_t to = dseq;
            if (f->ooo && seq_diff(f->ooo->seq, dseq) < 0)
                to = f->ooo->seq;
            gap_to(t, f, to);
            continue;
        }
        if (d < 0) {
            uint32_t cut = (uint32_t)-(int64_t)d;
            if (len <= cut)
                return; /* retransmission */
            data += cut;
            len -= cut;
            dseq = f->next_seq;
            d = 0;
        }
        if (len == 0) {
            if (truncated)
                f->loose = true;
            return;
        }
        if (d == 0) {
            size_t k = len;
            if (f->ooo && (uint32_t)(f->ooo->seq - f->next_seq) < k)
                k = (uint32_t)(f->ooo->seq - f->next_seq);
            if (!truncated)
                f->loose = false; /* a whole segment in order: a cut tail was filled */
            f->next_seq += (uint32_t)k;
            feed(t, f, data, k);
            if (k == len && truncated && tracking(f))
                f->loose = true;
            drain(t, f);
            if (k == len)
                return;
            data += k;
            len -= k;
            dseq += (uint32_t)k;
            continue; /* the rest overlaps what was drained */
        }
        if (ooo_insert(t, f, dseq, data, (uint32_t)len, truncated))
            return;
        /* the held pieces are full: skip to the first byte held or carried here */
        gap_to(t, f, f->ooo && seq_diff(f->ooo->seq, dseq) < 0 ? f->ooo->seq : dseq);
    }
}

/* ---- flow table ------------------------------------------------------------------------------- */

static void lru_unlink(vs__tcp *t, flow *f)
{
    if (f->lprev)
        f->lprev->lnext = f->lnext;
    else
        t->lru_head = f->lnext;
    if (f->lnext)
        f->lnext->lprev = f->lprev;
    else
        t->lru_tail = f->lprev;
    f->lprev = f->lnext = NULL;
}

static void lru_push(vs__tcp *t, flow *f)
{
    f->lprev = NULL;
    f->lnext = t->lru_head;
    if (t->lru_head)
        t->lru_head->lprev = f;
    else
        t->lru_tail = f;
    t->lru_head = f;
}

static flow *lookup(vs__tcp *t, const flow_key *k, uint64_t h)
{
    for (flow *f = t->buckets[h & (t->nbuckets - 1)]; f; f = f->hnext)
        if (f->hash == h && memcmp(&f->key, k, sizeof *k) == 0)
            return f;
    return NULL;
}

static void grow_table(vs__tcp *t)
{
    if (t->nbuckets >= VS__TCP_MAX_BUCKETS)
        return;
    size_t nb = t->nbuckets * 2;
    flow **b = calloc(nb, sizeof *b);
    if (!b)
        return; /* longer chains, still correct */
    for (size_t i = 0; i < t->nbuckets; i++) {
        flow *f = t->buckets[i];
        while (f) {
            flow *n = f->hnext;
            f->hnext = b[f->hash & (nb - 1)];
            b[f->hash & (nb - 1)] = f;
            f = n;
        }
    }
    free(t->buckets);
    t->mem += (nb - t->nbuckets) * sizeof *b;
    t->buckets = b;
    t->nbuckets = nb;
}

/* true when the flow holds bytes that were not handed out */
static bool pending(const flow *f)
{
    if (!tracking(f))
        return false;
    if (f->ooo)
        return true;
    for (size_t i = f->off; i < f->len; i++)
        if (f->buf[i] != '\r' && f->buf[i] != '\n')
            return true;
    return false;
}

/* Hands out what can still be framed (skipping gaps), then frees the flow. */
static void flow_close(vs__tcp *t, flow *f)
{
    while (tracking(f) && f->ooo)
        gap_to(t, f, f->ooo->seq);
    flow **pp = &t->buckets[f->hash & (t->nbuckets - 1)];
    while (*pp != f)
        pp = &(*pp)->hnext;
    *pp = f->hnext;
    lru_unlink(t, f);
    buf_free(t, f);
    ooo_free(t, f);
    t->mem -= sizeof *f;
    t->count--;
    free(f);
}

static void evict(vs__tcp *t, flow *f)
{
    t->stats->tcp_evicted++;
    flow_close(t, f);
}

static flow *flow_create(vs__tcp *t, const flow_key *k, uint64_t h, const vs_ip *src,
                         const vs_ip *dst, uint16_t sport, uint16_t dport)
{
    if (t->cfg->max_tcp_flows == 0)
        return NULL;
    while (t->count >= t->cfg->max_tcp_flows && t->lru_tail)
        evict(t, t->lru_tail);
    flow *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->key = *k;
    f->hash = h;
    f->src = *src;
    f->dst = *dst;
    f->sport = sport;
    f->dport = dport;
    f->state = ST_NEW;
    if (t->count >= t->nbuckets)
        grow_table(t);
    size_t b = h & (t->nbuckets - 1);
    f->hnext = t->buckets[b];
    t->buckets[b] = f;
    lru_push(t, f);
    t->count++;
    t->mem += sizeof *f;
    t->stats->tcp_flows++;
    return f;
}

/* ---- interface --------------------------------------------------------------------------------- */

vs__tcp *vs__tcp_new(const vs_net_config *cfg, vs_net_stats *stats)
{
    if (!cfg || !stats)
        return NULL;
    vs__tcp *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->cfg = cfg;
    t->stats = stats;
    t->nbuckets = VS__TCP_MIN_BUCKETS;
    t->buckets = calloc(t->nbuckets, sizeof *t->buckets);
    if (!t->buckets) {
        free(t);
        return NULL;
    }
    t->maxb = cfg->max_tcp_flow_bytes ? cfg->max_tcp_flow_bytes : 1;
    if (t->maxb > (1u << 30))
        t->maxb = 1u << 30;
    t->mem = sizeof *t + t->nbuckets * sizeof *t->buckets;
    t->mem_cap = VS__TCP_MEM_CAP;
    if (t->mem_cap / 4 < 2 * t->maxb + sizeof(flow))
        t->mem_cap = 4 * (2 * t->maxb + sizeof(flow) + VS__TCP_MAX_OOO * sizeof(seg));
    /* a seed that differs between runs and objects, against crafted bucket collisions */
    uintptr_t a = (uintptr_t)t, b = (uintptr_t)&a;
    t->seed = mix64((uint64_t)a ^ ((uint64_t)b << 17) ^ 0x9e3779b97f4a7c15ULL);
    return t;
}

void vs__tcp_free(vs__tcp *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nbuckets; i++) {
        flow *f = t->buckets[i];
        while (f) {
            flow *n = f->hnext;
            free(f->buf);
            for (seg *s = f->ooo; s;) {
                seg *sn = s->next;
                free(s);
                s = sn;
            }
            free(f);
            f = n;
        }
    }
    free(t->buckets);
    free(t);
}

void vs__tcp_segment(vs__tcp *t, const vs_ip *src, const vs_ip *dst, uint16_t sport,
                     uint16_t dport, uint32_t seq, uint8_t flags, const uint8_t *data, size_t len,
                     int64_t ts_us, uint64_t packet_no, bool truncated)
{
    if (!t || !src || !dst)
        return;
    if (!data)
        len = 0;
    t->stats->tcp_segments++;
    bool syn = flags & TH_SYN, fin = flags & TH_FIN, rst = flags & TH_RST;
    flow_key k;
    make_key(&k, src, dst, sport, dport);
    uint64_t h = key_hash(t, &k);
    flow *f = lookup(t, &k, h);

    if (rst) {
        /* both directions end: hand out what can be framed, then forget them */
        if (f) {
            f->cur_ts = ts_us;
            f->cur_pno = packet_no;
            flow_close(t, f);
        }
        flow_key rk;
        make_key(&rk, dst, src, dport, sport);
        uint64_t rh = key_hash(t, &rk);
        flow *r = lookup(t, &rk, rh);
        if (r)
            flow_close(t, r);
        return;
    }
    if (f && syn && (!f->syn_seen || f->isn != seq)) {
        flow_close(t, f); /* a new connection on the same addresses and ports */
        f = NULL;
    }
    if (!f) {
        if (!syn && len == 0)
            return; /* a bare ACK or FIN of a connection not tracked */
        f = flow_create(t, &k, h, src, dst, sport, dport);
        if (!f)
            return;
        if (syn) {
            f->syn_seen = true;
            f->isn = seq;
            f->next_seq = seq + 1;
        } else {
            f->midstream = true;
            f->next_seq = seq;
        }
    } else {
        lru_unlink(t, f);
        lru_push(t, f);
    }
    f->last_ts = ts_us;
    f->cur_ts = ts_us;
    f->cur_pno = packet_no;

    uint32_t dseq = syn ? seq + 1 : seq;
    if (f->state == ST_TLS) {
        t->stats->tls_bytes += len;
    } else if (tracking(f)) {
        if (len || truncated)
            flow_data(t, f, dseq, data, len, truncated);
        if (fin) {
            f->fin_seen = true;
            f->fin_seq = dseq + (uint32_t)len;
        }
    }
    if (fin && !tracking(f)) {
        flow_close(t, f);
        f = NULL;
    } else if (f && f->fin_seen &&
               (seq_diff(f->next_seq, f->fin_seq) >= 0 || f->loose)) {
        flow_close(t, f);
        f = NULL;
    }
    /* the global byte budget: evict least recently used flows, never the current one */
    while (t->mem > t->mem_cap && t->lru_tail && t->lru_tail != f)
        evict(t, t->lru_tail);
}

void vs__tcp_expire(vs__tcp *t, int64_t now_us)
{
    if (!t)
        return;
    int64_t idle = t->cfg->tcp_idle_us > 0 ? t->cfg->tcp_idle_us : 0;
    if (now_us < INT64_MIN + idle)
        return;
    int64_t before = now_us - idle;
    while (t->lru_tail && t->lru_tail->last_ts < before) {
        flow *f = t->lru_tail;
        if (pending(f))
            t->stats->tcp_evicted++;
        flow_close(t, f);
    }
}

void vs__tcp_finish(vs__tcp *t)
{
    if (!t)
        return;
    while (t->lru_tail) {
        flow *f = t->lru_tail;
        if (pending(f))
            t->stats->tcp_evicted++;
        flow_close(t, f);
    }
}

/* For tests (not in tcp_reasm.h): flows tracked and bytes held, all flows together. */
void vs__tcp_usage(const vs__tcp *t, size_t *flows, size_t *bytes);
void vs__tcp_usage(const vs__tcp *t, size_t *flows, size_t *bytes)
{
    *flows = t ? t->count : 0;
    *bytes = t ? t->mem : 0;
}
