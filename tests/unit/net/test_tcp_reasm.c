/* Unit tests for TCP reassembly and SIP framing (src/net/tcp_reasm.c).
 *
 * A stream of several SIP messages (bodies, compact and folded Content-Length, CRLF keep-alives)
 * is fed as TCP segments in order, split at every offset, one byte per segment, in reverse order,
 * with retransmissions and overlaps, across the 2^32 sequence wrap, mid-connection, and with
 * both directions interleaved; every payload handed out must be byte-identical to the message it
 * came from. Then the ways a stream goes wrong: TLS, HTTP, lost segments, oversized messages,
 * unframeable messages, snap-length cuts, the flow cap, idle expiry, FIN and RST.
 *
 * Segment data is copied right before a PROT_NONE page (tests/support/guard.h), so that a read
 * past a segment faults at once. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <voipsec/sip.h>

#include "guard.h"
#include "net/tcp_reasm.h"


/* ---- the messages --------------------------------------------------------------------------- */

#define COMMON                                                                                     \
    "Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74b43\r\n"                     \
    "Max-Forwards: 70\r\n"                                                                         \
    "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"                               \
    "To: Bob <sip:bob@biloxi.example.com>\r\n"                                                     \
    "Call-ID: 3848276298220188511@atlanta.example.com\r\n"

/* Each message as it must come out; pre[i] keep-alive CRLFs precede it on the wire. */
static const char *const msgs[] = {
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n" COMMON "CSeq: 1 INVITE\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 51\r\n"
    "\r\n"
    "v=0\r\n\r\nINVITE sip:x SIP/2.0\r\nContent-Length: 99\r\n\r\n",
    "OPTIONS sip:bob@biloxi.example.com SIP/2.0\r\n" COMMON "CSeq: 2 OPTIONS\r\n"
    "l: 0\r\n"
    "\r\n",
    "MESSAGE sip:bob@biloxi.example.com SIP/2.0\r\n" COMMON "CSeq: 3 MESSAGE\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length:\r\n 5\r\n"
    "\r\n"
    "hello",
    "SIP/2.0 200 OK\r\n" COMMON "CSeq: 3 MESSAGE\r\n"
    "Content-Length : 3\r\n"
    "\r\n"
    "abc",
    "BYE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "content-length: 0\r\n" COMMON "CSeq: 4 BYE\r\n"
    "\r\n",
};
static const char *const pre[] = {"\r\n\r\n", "\r\n", "", "", "\r\n\r\n"};
#define NMSG (sizeof msgs / sizeof msgs[0])

typedef struct stream {
    char buf[8192];
    size_t len;
    size_t start[NMSG]; /* where message i starts (after its keep-alives) */
    size_t end[NMSG];
} stream;

static void build(stream *s)
{
    s->len = 0;
    for (size_t i = 0; i < NMSG; i++) {
        size_t p = strlen(pre[i]), n = strlen(msgs[i]);
        memcpy(s->buf + s->len, pre[i], p);
        s->len += p;
        s->start[i] = s->len;
        memcpy(s->buf + s->len, msgs[i], n);
        s->len += n;
        s->end[i] = s->len;
    }
    memcpy(s->buf + s->len, "\r\n", 2); /* a trailing keep-alive */
    s->len += 2;
}

/* ---- a collecting callback ---------------------------------------------------------------------
 */

#define MAXP 4096

typedef struct got {
    size_t n;
    char *data[MAXP];
    vs_payload p[MAXP];
    size_t warnings;
} got;

static void on_payload(void *ctx, const vs_payload *p)
{
    got *g = ctx;
    assert_true(g->n < MAXP);
    assert_non_null(p->data);
    assert_true(p->len > 0);
    g->data[g->n] = malloc(p->len);
    assert_non_null(g->data[g->n]);
    memcpy(g->data[g->n], p->data, p->len);
    g->p[g->n] = *p;
    g->p[g->n].data = g->data[g->n];
    g->n++;
}

static void on_warn(void *ctx, uint64_t packet_no, const char *text)
{
    got *g = ctx;
    (void)packet_no;
    assert_non_null(text);
    g->warnings++;
}

static void got_reset(got *g)
{
    for (size_t i = 0; i < g->n; i++)
        free(g->data[i]);
    memset(g, 0, sizeof *g);
}

/* ---- a test harness: one reassembler, its config, stats and collected payloads -------------- */

typedef struct harness {
    vs_net_config cfg;
    vs_net_stats stats;
    got g;
    vs__tcp *t;
    uint64_t pno;
    int64_t ts;
} harness;

static vs_ip ip_a, ip_b;

static void h_init(harness *h, size_t max_flows, size_t flow_bytes)
{
    memset(h, 0, sizeof *h);
    h->cfg.max_fragment_bytes = (size_t)16 << 20;
    h->cfg.max_fragment_trains = 4096;
    h->cfg.fragment_timeout_us = 30000000;
    h->cfg.max_tcp_flows = max_flows;
    h->cfg.max_tcp_flow_bytes = flow_bytes;
    h->cfg.tcp_idle_us = 300000000;
    h->cfg.on_payload = on_payload;
    h->cfg.on_warn = on_warn;
    h->cfg.ctx = &h->g;
    h->t = vs__tcp_new(&h->cfg, &h->stats);
    assert_non_null(h->t);
    h->ts = 1000000;
    ip_a.family = 4;
    memcpy(ip_a.bytes, "\xc0\x00\x02\x01", 4);
    ip_b.family = 4;
    memcpy(ip_b.bytes, "\xc0\x00\x02\x02", 4);
}

static void h_done(harness *h)
{
    vs__tcp_free(h->t);
    got_reset(&h->g);
}

#define FIN 0x01
#define SYN 0x02
#define RST 0x04
#define ACK 0x10

/* One segment from a (dir 0, port 5060 -> 5061) or b (dir 1, the reverse), with data on a guard
 * page; sport_add varies the source port to make distinct flows. */
static void seg_x(harness *h, int dir, uint16_t sport_add, uint32_t seq, uint8_t flags,
                  const char *data, size_t len, bool truncated)
{
    char *g = vs_guard_copy(data ? data : "", len);
    h->pno++;
    h->ts += 1000;
    if (dir == 0)
        vs__tcp_segment(h->t, &ip_a, &ip_b, (uint16_t)(5060 + sport_add), 5061, seq, flags,
                        (const uint8_t *)g, len, h->ts, h->pno, truncated);
    else
        vs__tcp_segment(h->t, &ip_b, &ip_a, 5061, (uint16_t)(5060 + sport_add), seq, flags,
                        (const uint8_t *)g, len, h->ts, h->pno, truncated);
    vs_guard_free(g, len);
}

static void seg(harness *h, uint32_t seq, uint8_t flags, const char *data, size_t len)
{
    seg_x(h, 0, 0, seq, flags, data, len, false);
}

/* The stream's bytes [from, to) at isn + 1 + from. */
static void seg_range(harness *h, const stream *s, uint32_t isn, size_t from, size_t to)
{
    seg(h, isn + 1 + (uint32_t)from, ACK, s->buf + from, to - from);
}

/* Payloads first..first+count-1 must be messages m0.. in order, byte for byte. */
static void expect_msgs_at(const got *g, size_t first, const size_t *which, size_t count,
                           const char *how)
{
    if (g->n < first + count)
        fail_msg("%s: %zu payloads, want at least %zu", how, g->n, first + count);
    for (size_t i = 0; i < count; i++) {
        const char *m = msgs[which[i]];
        const vs_payload *p = &g->p[first + i];
        if (p->len != strlen(m) || memcmp(p->data, m, p->len) != 0)
            fail_msg("%s: payload %zu (%zu bytes) is not message %zu", how, first + i, p->len,
                     which[i]);
        assert_int_equal(p->transport, VS_TRANSPORT_TCP);
        assert_false(p->truncated);
    }
}

static void expect_msgs(const got *g, size_t first, const size_t *which, size_t count,
                        const char *how)
{
    if (g->n != first + count)
        fail_msg("%s: %zu payloads, want %zu", how, g->n, first + count);
    expect_msgs_at(g, first, which, count, how);
}

static const size_t all[NMSG] = {0, 1, 2, 3, 4};

static void expect_all(const got *g, const char *how)
{
    expect_msgs(g, 0, all, NMSG, how);
}

static void expect_empty(harness *h)
{
    size_t flows, bytes;
    vs__tcp_usage(h->t, &flows, &bytes);
    assert_int_equal(flows, 0);
}

/* ---- in order ------------------------------------------------------------------------------- */

static void test_in_order(void **state)
{
    (void)state;
    stream s;
    build(&s);
    harness h;
    h_init(&h, 16, 256 << 10);
    uint32_t isn = 1000;
    seg(&h, isn, SYN, NULL, 0);
    /* one segment per message (with its keep-alives) */
    size_t at = 0;
    for (size_t i = 0; i < NMSG; i++) {
        seg_range(&h, &s, isn, at, s.end[i]);
        assert_int_equal(h.g.n, i + 1);
        /* the segment that completed it */
        assert_int_equal(h.g.p[i].packet_no, h.pno);
        assert_int_equal(h.g.p[i].ts_us, h.ts);
        at = s.end[i];
    }
    seg_range(&h, &s, isn, at, s.len);
    expect_all(&h.g, "in order");
    const vs_payload *p = &h.g.p[0];
    assert_memory_equal(p->src.bytes, ip_a.bytes, 4);
    assert_memory_equal(p->dst.bytes, ip_b.bytes, 4);
    assert_int_equal(p->sport, 5060);
    assert_int_equal(p->dport, 5061);
    assert_int_equal(h.stats.tcp_flows, 1);
    assert_int_equal(h.stats.tcp_segments, NMSG + 2);
    assert_int_equal(h.stats.payloads, NMSG);
    assert_int_equal(h.stats.tcp_gaps, 0);
    assert_int_equal(h.stats.tcp_unframeable, 0);
    /* FIN frees the flow */
    seg(&h, isn + 1 + (uint32_t)s.len, FIN | ACK, NULL, 0);
    expect_empty(&h);
    assert_int_equal(h.stats.tcp_evicted, 0);
    h_done(&h);

    /* the whole stream coalesced in one segment */
    h_init(&h, 16, 256 << 10);
    seg(&h, isn, SYN, NULL, 0);
    seg_range(&h, &s, isn, 0, s.len);
    expect_all(&h.g, "coalesced");
    for (size_t i = 0; i < NMSG; i++)
        assert_int_equal(h.g.p[i].packet_no, 2);
    h_done(&h);
}

static void test_split_every_offset(void **state)
{
    (void)state;
    stream s;
    build(&s);
    for (size_t k = 0; k <= s.len; k++) {
        harness h;
        h_init(&h, 16, 256 << 10);
        uint32_t isn = 77777;
        seg(&h, isn, SYN, NULL, 0);
        seg_range(&h, &s, isn, 0, k);
        seg_range(&h, &s, isn, k, s.len);
        char how[48];
        snprintf(how, sizeof how, "split at %zu", k);
        expect_all(&h.g, how);
        /* the payload completed by the second segment carries its number */
        for (size_t i = 0; i < NMSG; i++)
            assert_int_equal(h.g.p[i].packet_no, s.end[i] <= k ? 2u : 3u);
        /* and in reverse: the second half first */
        h_done(&h);
        h_init(&h, 16, 256 << 10);
        seg(&h, isn, SYN, NULL, 0);
        seg_range(&h, &s, isn, k, s.len);
        seg_range(&h, &s, isn, 0, k);
        snprintf(how, sizeof how, "split at %zu, reversed", k);
        expect_all(&h.g, how);
        assert_int_equal(h.stats.tcp_gaps, 0);
        h_done(&h);
    }
}

static void test_byte_by_byte(void **state)
{
    (void)state;
    stream s;
    build(&s);
    harness h;
    h_init(&h, 16, 256 << 10);
    uint32_t isn = 5;
    seg(&h, isn, SYN, NULL, 0);
    for (size_t i = 0; i < s.len; i++)
        seg_range(&h, &s, isn, i, i + 1);
    expect_all(&h.g, "byte by byte");
    for (size_t i = 0; i < NMSG; i++)
        assert_int_equal(h.g.p[i].packet_no, 2 + s.end[i] - 1);
    h_done(&h);
}

static void test_reverse_order(void **state)
{
    (void)state;
    stream s;
    build(&s);
    /* chunks of c bytes, last chunk first */
    static const size_t sizes[] = {37, 100, 256, 700};
    for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
        size_t c = sizes[z];
        harness h;
        h_init(&h, 16, 256 << 10);
        uint32_t isn = 0x12345678;
        seg(&h, isn, SYN, NULL, 0);
        size_t nchunks = (s.len + c - 1) / c;
        assert_true(nchunks <= 64);
        for (size_t i = nchunks; i-- > 0;) {
            size_t from = i * c, to = from + c < s.len ? from + c : s.len;
            seg_range(&h, &s, isn, from, to);
            if (i > 0)
                assert_int_equal(h.g.n, 0);
        }
        expect_all(&h.g, "reverse order");
        /* the last payload was completed by a held segment, its packet number kept */
        assert_int_equal(h.g.p[NMSG - 1].packet_no, 2);
        assert_int_equal(h.stats.tcp_gaps, 0);
        h_done(&h);
    }
}

/* a small deterministic generator */
static uint64_t rng_state;
static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)((rng_state >> 33) % n);
}

/* Random segments over the stream (overlapping, duplicated, reordered) until every byte was
 * covered; then everything must have come out once. isn near the wrap when wrap is set. */
static void shuffle_run(uint32_t isn, size_t trials)
{
    stream s;
    build(&s);
    for (size_t trial = 0; trial < trials; trial++) {
        harness h;
        h_init(&h, 16, 256 << 10);
        seg(&h, isn, SYN, NULL, 0);
        /* plan: segments covering everything, then shuffled, plus retransmissions */
        size_t from[600], to[600], n = 0;
        for (size_t at = 0; at < s.len;) {
            size_t l = 1 + rnd(300);
            if (at + l > s.len)
                l = s.len - at;
            from[n] = at;
            to[n] = at + l;
            n++;
            at += l;
        }
        size_t extra = rnd(20);
        for (size_t i = 0; i < extra; i++) {
            size_t a = rnd((uint32_t)s.len), l = 1 + rnd(400);
            from[n] = a;
            to[n] = a + l > s.len ? s.len : a + l;
            n++;
        }
        /* a local reorder: shuffle within windows of 6 so that the held list stays small */
        for (size_t i = 0; i < n; i++) {
            size_t j = i + rnd(6);
            if (j >= n)
                j = n - 1;
            size_t f = from[i], t = to[i];
            from[i] = from[j];
            to[i] = to[j];
            from[j] = f;
            to[j] = t;
        }
        for (size_t i = 0; i < n; i++)
            seg_range(&h, &s, isn, from[i], to[i]);
        char how[64];
        snprintf(how, sizeof how, "shuffle isn %u trial %zu", isn, trial);
        expect_all(&h.g, how);
        assert_int_equal(h.stats.tcp_gaps, 0);
        h_done(&h);
    }
}

static void test_retransmit_overlap(void **state)
{
    (void)state;
    rng_state = 42;
    shuffle_run(1000, 300);

    /* first data wins: a later overlapping segment with other bytes changes nothing */
    stream s;
    build(&s);
    harness h;
    h_init(&h, 16, 256 << 10);
    uint32_t isn = 900;
    seg(&h, isn, SYN, NULL, 0);
    size_t cut = s.start[1] + 10;
    seg_range(&h, &s, isn, cut, s.len); /* held */
    char *bad = malloc(s.len);
    assert_non_null(bad);
    memcpy(bad, s.buf, s.len);
    memset(bad + cut, 'X', s.len - cut);
    seg(&h, isn + 1, ACK, bad, s.len); /* the first part right, the rest overlapping garbage */
    expect_all(&h.g, "first data wins (held first)");
    /* retransmission of everything: nothing new */
    seg_range(&h, &s, isn, 0, s.len);
    assert_int_equal(h.g.n, NMSG);
    h_done(&h);

    h_init(&h, 16, 256 << 10);
    seg(&h, isn, SYN, NULL, 0);
    seg_range(&h, &s, isn, 0, cut);
    seg(&h, isn + 1, ACK, bad, s.len); /* overlaps the delivered part: only the tail is new */
    assert_int_equal(h.g.n, 1);        /* the message completed by garbage bytes is not ours */
    h_done(&h);
    free(bad);
}

static void test_wraparound(void **state)
{
    (void)state;
    stream s;
    build(&s);
    /* the wrap falls at every offset of the stream */
    for (size_t k = 0; k <= s.len; k += 7) {
        uint32_t isn = (uint32_t)(0x100000000ULL - 1 - k);
        harness h;
        h_init(&h, 16, 256 << 10);
        seg(&h, isn, SYN, NULL, 0);
        seg_range(&h, &s, isn, 0, k / 2);
        seg_range(&h, &s, isn, k, s.len); /* held across the wrap */
        seg_range(&h, &s, isn, k / 2, k);
        expect_all(&h.g, "wraparound");
        h_done(&h);
    }
    rng_state = 7;
    shuffle_run(0xfffffd00u, 100);
    shuffle_run(0xffffffffu, 50);
}

static void test_midstream(void **state)
{
    (void)state;
    stream s;
    build(&s);
    /* no SYN: the first segment sets the sequence, at a message boundary */
    harness h;
    h_init(&h, 16, 256 << 10);
    uint32_t base = 0xabcdef00u;
    seg(&h, base, ACK, s.buf + s.end[0], s.end[2] - s.end[0]);
    seg(&h, base + (uint32_t)(s.end[2] - s.end[0]), ACK, s.buf + s.end[2], s.len - s.end[2]);
    static const size_t later[] = {1, 2, 3, 4};
    expect_msgs(&h.g, 0, later, 4, "midstream at a boundary");
    assert_int_equal(h.stats.tcp_gaps, 0);
    h_done(&h);

    /* no SYN, starting inside the INVITE's body: hunts for the next start line */
    h_init(&h, 16, 256 << 10);
    size_t from = s.end[0] - 20;
    seg(&h, base, ACK, s.buf + from, s.len - from);
    expect_msgs(&h.g, 0, later, 4, "midstream inside a message");
    assert_int_equal(h.stats.tcp_unframeable, 0);
    h_done(&h);

    /* no SYN, starting inside a start line (in the Request-URI), byte by byte */
    h_init(&h, 16, 256 << 10);
    from = s.start[1] + strlen("OPTIONS sip:");
    for (size_t i = from; i < s.len; i++)
        seg(&h, base + (uint32_t)(i - from), ACK, s.buf + i, 1);
    static const size_t later2[] = {2, 3, 4};
    expect_msgs(&h.g, 0, later2, 3, "midstream inside a start line");
    h_done(&h);
}

static void test_both_directions(void **state)
{
    (void)state;
    stream s;
    build(&s);
    harness h;
    h_init(&h, 16, 256 << 10);
    uint32_t ia = 100, ib = 0xfffffff0u;
    seg_x(&h, 0, 0, ia, SYN, NULL, 0, false);
    seg_x(&h, 1, 0, ib, SYN | ACK, NULL, 0, false);
    /* both send the same stream, interleaved in chunks of 50 */
    for (size_t at = 0; at < s.len; at += 50) {
        size_t to = at + 50 < s.len ? at + 50 : s.len;
        seg_x(&h, 0, 0, ia + 1 + (uint32_t)at, ACK, s.buf + at, to - at, false);
        seg_x(&h, 1, 0, ib + 1 + (uint32_t)at, ACK, s.buf + at, to - at, false);
    }
    assert_int_equal(h.g.n, 2 * NMSG);
    size_t na = 0, nb = 0;
    for (size_t i = 0; i < h.g.n; i++) {
        const vs_payload *p = &h.g.p[i];
        size_t which;
        if (p->sport == 5060) {
            assert_memory_equal(p->src.bytes, ip_a.bytes, 4);
            which = na++;
        } else {
            assert_int_equal(p->sport, 5061);
            assert_int_equal(p->dport, 5060);
            assert_memory_equal(p->src.bytes, ip_b.bytes, 4);
            which = nb++;
        }
        assert_int_equal(p->len, strlen(msgs[which]));
        assert_memory_equal(p->data, msgs[which], p->len);
    }
    assert_int_equal(na, NMSG);
    assert_int_equal(nb, NMSG);
    assert_int_equal(h.stats.tcp_flows, 2);
    /* RST from b ends both directions */
    seg_x(&h, 1, 0, ib + 1 + (uint32_t)s.len, RST, NULL, 0, false);
    expect_empty(&h);
    h_done(&h);
}

/* ---- streams that are not SIP ------------------------------------------------------------------
 */

static void test_tls(void **state)
{
    (void)state;
    harness h;
    h_init(&h, 16, 256 << 10);
    static const char hello[] = "\x16\x03\x01\x00\x30\x01\x00\x00\x2c\x03\x03"
                                "INVITE sip:x SIP/2.0\r\n\r\n";
    size_t n = sizeof hello - 1;
    seg(&h, 1, SYN, NULL, 0);
    seg(&h, 2, ACK, hello, 2); /* the record header split: wait for the third byte */
    assert_int_equal(h.stats.tls_flows, 0);
    seg(&h, 4, ACK, hello + 2, n - 2);
    assert_int_equal(h.stats.tls_flows, 1);
    seg(&h, 2 + (uint32_t)n, ACK, "\x17\x03\x03\x00\x05hello", 10);
    assert_int_equal(h.stats.tls_bytes, n + 10);
    assert_int_equal(h.g.n, 0);
    assert_int_equal(h.stats.tcp_unframeable, 0);
    seg(&h, 12 + (uint32_t)n, FIN | ACK, NULL, 0);
    expect_empty(&h);
    h_done(&h);
}

static void test_http(void **state)
{
    (void)state;
    static const char *const streams[] = {
        "GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        "\x01\x02\x03 binary",
        "OPTIONS sip:x HTTP/1.0\r\nContent-Length: 0\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof streams / sizeof streams[0]; i++) {
        harness h;
        h_init(&h, 16, 256 << 10);
        size_t n = strlen(streams[i]);
        seg(&h, 10, SYN, NULL, 0);
        seg(&h, 11, ACK, streams[i], n);
        assert_int_equal(h.stats.tcp_unframeable, 1);
        /* later segments are dropped, SIP-looking or not; the flow stays known */
        const char *m = msgs[1];
        seg(&h, 11 + (uint32_t)n, ACK, m, strlen(m));
        assert_int_equal(h.g.n, 0);
        assert_int_equal(h.stats.tcp_unframeable, 1);
        size_t flows, bytes;
        vs__tcp_usage(h.t, &flows, &bytes);
        assert_int_equal(flows, 1);
        vs__tcp_finish(h.t);
        assert_int_equal(h.stats.tcp_evicted, 0);
        expect_empty(&h);
        h_done(&h);
    }
}

/* ---- lost data
 * ----------------------------------------------------------------------------------- */

static void test_gap(void **state)
{
    (void)state;
    stream s;
    build(&s);
    uint32_t isn = 3000;
    /* lose the middle of message 1; the rest arrives; the end of the capture resolves it */
    harness h;
    h_init(&h, 16, 256 << 10);
    seg(&h, isn, SYN, NULL, 0);
    size_t lost_from = s.start[1] + 30, lost_to = s.start[1] + 60;
    seg_range(&h, &s, isn, 0, lost_from);
    seg_range(&h, &s, isn, lost_to, s.end[2] + 5);
    seg_range(&h, &s, isn, s.end[2] + 5, s.len);
    static const size_t first[] = {0};
    expect_msgs(&h.g, 0, first, 1, "before the gap");
    /* a FIN beyond the gap keeps the flow until the missing bytes come or time runs out */
    seg(&h, isn + 1 + (uint32_t)s.len, FIN | ACK, NULL, 0);
    vs__tcp_finish(h.t);
    static const size_t after[] = {0, 2, 3, 4};
    expect_msgs(&h.g, 0, after, 4, "after the gap (finish)");
    assert_int_equal(h.stats.tcp_gaps, 1);
    assert_int_equal(h.stats.tcp_evicted, 1);
    expect_empty(&h);
    h_done(&h);

    /* the same resolved by idle expiry */
    h_init(&h, 16, 256 << 10);
    seg(&h, isn, SYN, NULL, 0);
    seg_range(&h, &s, isn, 0, lost_from);
    seg_range(&h, &s, isn, lost_to, s.len);
    vs__tcp_expire(h.t, h.ts + h.cfg.tcp_idle_us - 1);
    assert_int_equal(h.g.n, 1);
    vs__tcp_expire(h.t, h.ts + h.cfg.tcp_idle_us + 1);
    expect_msgs(&h.g, 0, after, 4, "after the gap (expiry)");
    assert_int_equal(h.stats.tcp_gaps, 1);
    expect_empty(&h);
    h_done(&h);

    /* the same resolved by the held list filling up: later messages, one per segment */
    h_init(&h, 16, 256 << 10);
    seg(&h, isn, SYN, NULL, 0);
    seg_range(&h, &s, isn, 0, lost_from);
    size_t at = lost_to;
    uint32_t seq = isn + 1 + (uint32_t)lost_to;
    /* the rest of the stream in 100-byte pieces after the gap... */
    seg_range(&h, &s, isn, lost_to, s.len);
    seq = isn + 1 + (uint32_t)s.len;
    (void)at;
    /* ...then OPTIONS messages (message 1) one per segment until the list overflows */
    const char *m1 = msgs[1];
    size_t l1 = strlen(m1);
    for (int i = 0; i < 80; i++) {
        seg(&h, seq, ACK, m1, l1);
        seq += (uint32_t)l1;
    }
    assert_int_equal(h.stats.tcp_gaps, 1);
    assert_true(h.g.n >= 4 + 70);
    expect_msgs_at(&h.g, 0, after, 4, "after the gap (list full)");
    for (size_t i = 4; i < h.g.n; i++) {
        assert_int_equal(h.g.p[i].len, l1);
        assert_memory_equal(h.g.p[i].data, m1, l1);
    }
    vs__tcp_finish(h.t);
    assert_int_equal(h.g.n, 4 + 80);
    h_done(&h);
}

static void test_truncated(void **state)
{
    (void)state;
    stream s;
    build(&s);
    uint32_t isn = 55;
    /* a segment carrying message 0 and the start of message 1, cut by the snap length */
    harness h;
    h_init(&h, 16, 256 << 10);
    seg(&h, isn, SYN, NULL, 0);
    size_t wire_end = s.start[1] + 200, cap_end = s.start[1] + 40;
    seg_x(&h, 0, 0, isn + 1, ACK, s.buf, cap_end, true);
    assert_int_equal(h.g.n, 1);
    seg_range(&h, &s, isn, wire_end, s.len);
    static const size_t after[] = {0, 2, 3, 4};
    expect_msgs(&h.g, 0, after, 4, "after a snap-length cut");
    assert_int_equal(h.stats.tcp_gaps, 1);
    h_done(&h);

    /* the full segment retransmitted fills the cut tail */
    h_init(&h, 16, 256 << 10);
    seg(&h, isn, SYN, NULL, 0);
    seg_x(&h, 0, 0, isn + 1, ACK, s.buf, cap_end, true);
    seg_range(&h, &s, isn, 0, wire_end);
    seg_range(&h, &s, isn, wire_end, s.len);
    expect_all(&h.g, "cut tail retransmitted");
    assert_int_equal(h.stats.tcp_gaps, 0);
    h_done(&h);
}

static void test_oversize(void **state)
{
    (void)state;
    stream s;
    build(&s);
    /* flow buffer 1 KiB; a MESSAGE with a 3000-byte body between normal messages */
    char big[4096];
    char body[3001];
    memset(body, 'b', 3000);
    body[3000] = 0;
    /* the next message follows the body without a line end: only its length finds it */
    int bl = snprintf(big, sizeof big,
                      "MESSAGE sip:bob@biloxi.example.com SIP/2.0\r\n" COMMON
                      "CSeq: 9 MESSAGE\r\nContent-Length: 3000\r\n\r\n%s",
                      body);
    assert_true(bl > 3000);
    char wire[8192];
    size_t wl = 0;
    memcpy(wire, msgs[1], strlen(msgs[1]));
    wl += strlen(msgs[1]);
    memcpy(wire + wl, big, (size_t)bl);
    wl += (size_t)bl;
    memcpy(wire + wl, msgs[3], strlen(msgs[3]));
    wl += strlen(msgs[3]);
    memcpy(wire + wl, msgs[4], strlen(msgs[4]));
    wl += strlen(msgs[4]);
    for (size_t chunk = 1; chunk <= 1500; chunk = chunk * 3 + 1) {
        harness h;
        h_init(&h, 16, 1024);
        uint32_t isn = 0xfffffe00u;
        seg(&h, isn, SYN, NULL, 0);
        for (size_t at = 0; at < wl; at += chunk)
            seg(&h, isn + 1 + (uint32_t)at, ACK, wire + at, at + chunk < wl ? chunk : wl - at);
        static const size_t want[] = {1, 3, 4};
        expect_msgs(&h.g, 0, want, 3, "around an oversized message");
        assert_int_equal(h.stats.tcp_unframeable, 1);
        assert_int_equal(h.g.warnings, 1);
        size_t flows, bytes;
        vs__tcp_usage(h.t, &flows, &bytes);
        assert_true(bytes < 64 * 1024);
        h_done(&h);
    }
}

static void test_unframeable_message(void **state)
{
    (void)state;
    /* two Content-Length headers that disagree: that message is skipped, and the stream
     * resynchronises at the next line that starts a message. With the body ending in a line
     * end, the next message is found; glued to the body, it is lost with it. */
    static const char *const bad[] = {
        "INFO sip:bob@biloxi.example.com SIP/2.0\r\n" COMMON
        "CSeq: 7 INFO\r\nContent-Length: 4\r\nl: 6\r\n\r\nabcd\r\n",
        "INFO sip:bob@biloxi.example.com SIP/2.0\r\n" COMMON
        "CSeq: 7 INFO\r\nContent-Length: 4\r\nl: 5\r\n\r\nabcde",
    };
    static const size_t want0[] = {3, 2}, want1[] = {2};
    /* glued: "abcdeSIP/2.0 200 OK" is no start line, so the 200 is lost; its body glued to the
     * next start line makes "abcOPTIONS sip:..." (handed out: the parser will judge it); the
     * MESSAGE after that comes out clean */
    for (size_t i = 0; i < 2; i++) {
        char wire[4096];
        size_t wl = strlen(bad[i]);
        memcpy(wire, bad[i], wl);
        memcpy(wire + wl, msgs[3], strlen(msgs[3]));
        wl += strlen(msgs[3]);
        if (i == 1) {
            memcpy(wire + wl, msgs[1], strlen(msgs[1]));
            wl += strlen(msgs[1]);
        }
        memcpy(wire + wl, msgs[2], strlen(msgs[2]));
        wl += strlen(msgs[2]);
        for (size_t chunk = 1; chunk <= wl; chunk = chunk * 2 + 1) {
            harness h;
            h_init(&h, 16, 256 << 10);
            seg(&h, 1, SYN, NULL, 0);
            for (size_t at = 0; at < wl; at += chunk)
                seg(&h, 2 + (uint32_t)at, ACK, wire + at, at + chunk < wl ? chunk : wl - at);
            if (i == 0)
                expect_msgs(&h.g, 0, want0, 2, "after an unframeable message");
            else
                expect_msgs_at(&h.g, h.g.n - 1, want1, 1, "after an unframeable message, glued");
            assert_int_equal(h.stats.tcp_unframeable, 1);
            assert_int_equal(h.g.warnings, 1);
            h_done(&h);
        }
    }
}

/* ---- bounds -------------------------------------------------------------------------------------
 */

static void test_flow_cap(void **state)
{
    (void)state;
    stream s;
    build(&s);
    harness h;
    h_init(&h, 4, 4096);
    /* 10 connections, each with half of message 0 pending */
    for (uint16_t c = 0; c < 10; c++) {
        seg_x(&h, 0, c, 1000, SYN, NULL, 0, false);
        seg_x(&h, 0, c, 1001, ACK, s.buf, s.start[0] + 100, false);
        size_t flows, bytes;
        vs__tcp_usage(h.t, &flows, &bytes);
        assert_true(flows <= 4);
        assert_true(bytes < 4 * (4096 + 1024) + 16384);
    }
    assert_int_equal(h.stats.tcp_flows, 10);
    assert_int_equal(h.stats.tcp_evicted, 6);
    assert_int_equal(h.g.n, 0);
    /* the 4 most recent are still there: complete message 0 on connection 9 */
    seg_x(&h, 0, 9, 1001 + (uint32_t)(s.start[0] + 100), ACK, s.buf + s.start[0] + 100,
          s.end[0] - s.start[0] - 100, false);
    expect_msgs(&h.g, 0, all, 1, "after evictions");
    assert_int_equal(h.g.p[0].sport, 5069);
    /* the evicted connection 0 is new again: mid-stream, inside message 0, nothing framed */
    seg_x(&h, 0, 0, 1001 + (uint32_t)(s.start[0] + 100), ACK, s.buf + s.start[0] + 100,
          s.end[0] - s.start[0] - 100, false);
    assert_int_equal(h.g.n, 1);
    assert_int_equal(h.stats.tcp_evicted, 7);
    vs__tcp_finish(h.t);
    expect_empty(&h);
    h_done(&h);

    /* many flows with bytes held: memory stays under flows x (buffer + held) */
    h_init(&h, 64, 2048);
    static char filler[2000];
    memset(filler, 'z', sizeof filler);
    memcpy(filler, msgs[1], 100);
    for (uint16_t c = 0; c < 1000; c++) {
        seg_x(&h, 0, c, 1, ACK, filler, 1500, false);    /* an unfinished start line */
        seg_x(&h, 0, c, 3000, ACK, filler, 2000, false); /* held beyond a gap */
    }
    size_t flows, bytes;
    vs__tcp_usage(h.t, &flows, &bytes);
    assert_int_equal(flows, 64);
    assert_true(bytes < 64 * (2048 * 2 + 2048) + 65536);
    h_done(&h);
}

static void test_idle_expiry(void **state)
{
    (void)state;
    stream s;
    build(&s);
    harness h;
    h_init(&h, 16, 256 << 10);
    h.cfg.tcp_idle_us = 10000000;
    seg_x(&h, 0, 1, 1, SYN, NULL, 0, false);
    seg_x(&h, 0, 2, 1, SYN, NULL, 0, false);
    seg_x(&h, 0, 1, 2, ACK, s.buf, s.end[0] + 10, false); /* message 0 and a partial message */
    int64_t t1 = h.ts;
    h.ts += 5000000;
    seg_x(&h, 0, 2, 2, ACK, s.buf, s.end[0], false); /* message 0, nothing pending */
    assert_int_equal(h.g.n, 2);
    vs__tcp_expire(h.t, t1 + 9000000);
    size_t flows, bytes;
    vs__tcp_usage(h.t, &flows, &bytes);
    assert_int_equal(flows, 2);
    vs__tcp_expire(h.t, t1 + 11000000); /* the first is idle, with data pending */
    vs__tcp_usage(h.t, &flows, &bytes);
    assert_int_equal(flows, 1);
    assert_int_equal(h.stats.tcp_evicted, 1);
    vs__tcp_expire(h.t, h.ts + 11000000); /* the second is idle, nothing pending */
    expect_empty(&h);
    assert_int_equal(h.stats.tcp_evicted, 1);
    assert_int_equal(h.g.n, 2);
    h_done(&h);
}

static void test_fin_and_reuse(void **state)
{
    (void)state;
    stream s;
    build(&s);
    harness h;
    h_init(&h, 16, 256 << 10);
    uint32_t isn = 0xffffffffu;
    seg(&h, isn, SYN, NULL, 0);
    seg(&h, isn, SYN, NULL, 0); /* retransmitted SYN */
    /* the last message with the FIN */
    seg(&h, isn + 1, ACK, s.buf, s.end[3]);
    seg(&h, isn + 1 + (uint32_t)s.end[3], FIN | ACK, s.buf + s.end[3], s.len - s.end[3]);
    expect_all(&h.g, "data with FIN");
    expect_empty(&h);
    /* FIN before the last data arrives (reordered): the flow waits for it */
    got_reset(&h.g);
    seg(&h, isn, SYN, NULL, 0);
    seg(&h, isn + 1 + (uint32_t)s.len, FIN | ACK, NULL, 0);
    seg(&h, isn + 1, ACK, s.buf, s.len);
    expect_all(&h.g, "FIN first");
    expect_empty(&h);
    /* a new SYN with another ISN on a flow with a partial message: a new connection */
    got_reset(&h.g);
    seg(&h, 10, SYN, NULL, 0);
    seg(&h, 11, ACK, s.buf, s.start[0] + 50);
    seg(&h, 5000, SYN, NULL, 0);
    seg(&h, 5001, ACK, s.buf, s.len);
    expect_all(&h.g, "port reuse");
    assert_int_equal(h.stats.tcp_flows, 4);
    h_done(&h);
}

/* Many flows at once (the table grows), over IPv6, each delivering its own message. */
static void test_many_flows_ipv6(void **state)
{
    (void)state;
    harness h;
    h_init(&h, 5000, 4096);
    vs_ip a6, b6;
    memset(&a6, 0, sizeof a6);
    memset(&b6, 0, sizeof b6);
    a6.family = b6.family = 6;
    memcpy(a6.bytes, "\x20\x01\x0d\xb8", 4);
    memcpy(b6.bytes, "\x20\x01\x0d\xb8", 4);
    b6.bytes[15] = 2;
    const char *m = msgs[1];
    size_t ml = strlen(m), half = ml / 2;
    /* first halves on 3000 flows (distinct source addresses and ports), then second halves */
    for (int pass = 0; pass < 2; pass++) {
        for (unsigned i = 0; i < 3000; i++) {
            a6.bytes[14] = (uint8_t)(i >> 8);
            a6.bytes[15] = (uint8_t)i;
            uint16_t sport = (uint16_t)(10000 + i % 7);
            char *g = vs_guard_copy(pass ? m + half : m, pass ? ml - half : half);
            vs__tcp_segment(h.t, &a6, &b6, sport, 5060, pass ? 100 + (uint32_t)half : 100, ACK,
                            (const uint8_t *)g, pass ? ml - half : half, 1000, ++h.pno, false);
            vs_guard_free(g, pass ? ml - half : half);
        }
    }
    assert_int_equal(h.g.n, 3000);
    assert_int_equal(h.stats.tcp_flows, 3000);
    assert_int_equal(h.stats.tcp_evicted, 0);
    for (unsigned i = 0; i < 3000; i++) {
        const vs_payload *p = &h.g.p[i];
        assert_int_equal(p->src.family, 6);
        assert_int_equal(p->src.bytes[14], (uint8_t)(i >> 8));
        assert_int_equal(p->src.bytes[15], (uint8_t)i);
        assert_int_equal(p->sport, 10000 + i % 7);
        assert_int_equal(p->len, ml);
        assert_memory_equal(p->data, m, ml);
    }
    vs__tcp_finish(h.t);
    expect_empty(&h);
    h_done(&h);
}

/* A 200 KiB body in 16-byte segments, then a small message: delivered, and quickly (the flow
 * waits for the known length instead of re-framing at every segment). */
static void test_large_body_small_segments(void **state)
{
    (void)state;
    size_t body = 200u << 10;
    char head[512];
    int hl = snprintf(head, sizeof head,
                      "MESSAGE sip:bob@biloxi.example.com SIP/2.0\r\n" COMMON
                      "CSeq: 3 MESSAGE\r\nContent-Length: %zu\r\n\r\n",
                      body);
    size_t ml = (size_t)hl + body, tl = strlen(msgs[1]);
    char *wire = malloc(ml + tl);
    assert_non_null(wire);
    memcpy(wire, head, (size_t)hl);
    for (size_t i = 0; i < body; i++)
        wire[hl + i] = (char)('a' + i % 26);
    memcpy(wire + ml, msgs[1], tl);
    harness h;
    h_init(&h, 16, 256 << 10);
    seg(&h, 1, SYN, NULL, 0);
    for (size_t at = 0; at < ml + tl; at += 16) {
        size_t l = at + 16 < ml + tl ? 16 : ml + tl - at;
        vs__tcp_segment(h.t, &ip_a, &ip_b, 5060, 5061, 2 + (uint32_t)at, ACK,
                        (const uint8_t *)wire + at, l, 1000, ++h.pno, false);
    }
    assert_int_equal(h.g.n, 2);
    assert_int_equal(h.g.p[0].len, ml);
    assert_memory_equal(h.g.p[0].data, wire, ml);
    static const size_t one[] = {1};
    expect_msgs_at(&h.g, 1, one, 1, "after a large body");
    h_done(&h);
    free(wire);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order),
        cmocka_unit_test(test_split_every_offset),
        cmocka_unit_test(test_byte_by_byte),
        cmocka_unit_test(test_reverse_order),
        cmocka_unit_test(test_retransmit_overlap),
        cmocka_unit_test(test_wraparound),
        cmocka_unit_test(test_midstream),
        cmocka_unit_test(test_both_directions),
        cmocka_unit_test(test_tls),
        cmocka_unit_test(test_http),
        cmocka_unit_test(test_gap),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_oversize),
        cmocka_unit_test(test_unframeable_message),
        cmocka_unit_test(test_flow_cap),
        cmocka_unit_test(test_idle_expiry),
        cmocka_unit_test(test_fin_and_reuse),
        cmocka_unit_test(test_many_flows_ipv6),
        cmocka_unit_test(test_large_body_small_segments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
