/* libFuzzer target: TCP reassembly and SIP framing (src/net/tcp_reasm.c).
 *
 * Two modes, chosen by the first byte:
 *   - Stream mode (the input starts with a letter, CR or LF: SIP text such as the shared corpus):
 *     the input is one byte stream, cut into segments of pseudo-random sizes (seeded from the
 *     input), sent after a SYN whose ISN puts the 2^32 wrap inside the stream, with neighbouring
 *     segments swapped and some retransmitted. No byte is lost, so unless the stream was given up
 *     (not SIP, or a message that cannot be framed) the payloads must be exactly the messages
 *     that framing the whole input with vs_sip_stream_frame cuts, byte for byte.
 *   - Segment mode (anything else): two config bytes (flow buffer 32 B..4 KiB, 1-4 flows), then
 *     records of 5 bytes [ctl][flags][delta hi][delta lo][len] and len data bytes: ctl bits 0-1
 *     pick one of 4 half-connections (two connections, both directions), bits 2-3 the operation
 *     (segment; segment after a 2 s pause; expiry), flags are the TCP flags (bit 7: cut by the
 *     snap length), delta is a signed offset from the next byte the sender would send.
 * In both modes every payload handed out must be one complete frame for vs_sip_stream_frame, and
 * the memory held must stay within the configured caps. Segment data sits in malloc'd buffers of
 * exactly its size, so that a read past it faults. */
#include <voipsec/capture.h>
#include <voipsec/sip.h>

#include "../../src/net/tcp_reasm.h"
#include "fuzz_common.h"

const char *const vs_fuzz_corpus_dirs[] = {"rfc4475", "fuzz-seeds/pjsip-sip-dialog", NULL};


#define MAX_HEADER (64u << 10)
#define MAX_REF 4096

typedef struct run {
    size_t npay;
    /* stream mode: the reference framing */
    const char *ref_base;
    size_t nref, ref_off[MAX_REF], ref_len[MAX_REF];
    bool ref_complete; /* the reference framed every message it found (no VS_E_PARSE) */
    bool mismatch;
    bool compare;
} run;

static run R;

/* Each payload must be one complete frame: framed alone, all of it, no keep-alive before it. */
static void on_payload(void *ctx, const vs_payload *p)
{
    (void)ctx;
    VS_FUZZ_CHECK(p->transport == VS_TRANSPORT_TCP);
    VS_FUZZ_CHECK(p->len > 0 && p->data != NULL);
    char *copy = vs_fuzz_dup((const uint8_t *)p->data, p->len);
    size_t skip = 1;
    long r = vs_sip_stream_frame(copy, p->len, MAX_HEADER, &skip);
    VS_FUZZ_CHECK(r == (long)p->len);
    VS_FUZZ_CHECK(skip == 0);
    free(copy);
    if (R.compare) {
        if (R.npay < R.nref) {
            if (p->len != R.ref_len[R.npay] ||
                memcmp(p->data, R.ref_base + R.ref_off[R.npay], p->len) != 0)
                R.mismatch = true;
        } else if (R.ref_complete) {
            R.mismatch = true; /* more messages than framing the whole input finds */
        }
    }
    R.npay++;
}

static void on_warn(void *ctx, uint64_t packet_no, const char *text)
{
    (void)ctx;
    (void)packet_no;
    vs_fuzz_touch_str(text);
}

static void config(vs_net_config *cfg, size_t max_flows, size_t flow_bytes)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->max_tcp_flows = max_flows;
    cfg->max_tcp_flow_bytes = flow_bytes;
    cfg->tcp_idle_us = 1000000;
    cfg->on_payload = on_payload;
    cfg->on_warn = on_warn;
}

/* A bound on what the reassembler may hold: per flow the stream buffer, the held segments and
 * their headers, the flow itself; plus the table. */
static void check_bounded(const vs__tcp *t, const vs_net_config *cfg)
{
    size_t flows, bytes;
    vs__tcp_usage(t, &flows, &bytes);
    VS_FUZZ_CHECK(flows <= cfg->max_tcp_flows);
    size_t per_flow = 2 * cfg->max_tcp_flow_bytes + 64 * 64 + 1024;
    VS_FUZZ_CHECK(bytes <= cfg->max_tcp_flows * per_flow + 65536);
}

static void segment(vs__tcp *t, const vs_ip *src, const vs_ip *dst, uint16_t sport, uint16_t dport,
                    uint32_t seq, uint8_t flags, const uint8_t *data, size_t len, int64_t ts,
                    uint64_t pno, bool truncated)
{
    char *copy = vs_fuzz_dup(data, len);
    vs__tcp_segment(t, src, dst, sport, dport, seq, flags, (const uint8_t *)copy, len, ts, pno,
                    truncated);
    free(copy);
}

static uint64_t rng;
static uint32_t rnd(uint32_t n)
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)((rng >> 33) % n);
}

static vs_ip ip4(uint8_t last)
{
    vs_ip ip;
    memset(&ip, 0, sizeof ip);
    ip.family = 4;
    ip.bytes[0] = 192;
    ip.bytes[2] = 2;
    ip.bytes[3] = last;
    return ip;
}

static void stream_mode(const uint8_t *data, size_t size)
{
    /* the reference: framing the whole input, message after message */
    R.ref_base = (const char *)data;
    R.nref = 0;
    R.ref_complete = true;
    for (size_t at = 0; at < size && R.nref < MAX_REF;) {
        size_t skip;
        long r = vs_sip_stream_frame((const char *)data + at, size - at, MAX_HEADER, &skip);
        if (r == VS_E_PARSE)
            R.ref_complete = false;
        if (r <= 0)
            break;
        R.ref_off[R.nref] = at + skip;
        R.ref_len[R.nref] = (size_t)r - skip;
        R.nref++;
        at += (size_t)r;
    }
    if (R.nref == MAX_REF)
        R.ref_complete = false;

    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 1099511628211ULL;
    rng = h;

    vs_net_config cfg;
    vs_net_stats stats;
    memset(&stats, 0, sizeof stats);
    config(&cfg, 4, size + 1 > 4096 ? size + 1 : 4096);
    vs__tcp *t = vs__tcp_new(&cfg, &stats);
    VS_FUZZ_CHECK(t != NULL);
    R.npay = 0;
    R.mismatch = false;
    R.compare = true;
    vs_ip a = ip4(1), b = ip4(2);
    uint32_t isn = (uint32_t)(0u - 1u - rnd((uint32_t)size + 1));
    int64_t ts = 1000000;
    uint64_t pno = 1;
    segment(t, &a, &b, 5060, 5060, isn, 0x02, NULL, 0, ts, pno++, false);

    /* cut points, then sent with neighbours swapped and some segments repeated */
    size_t max_seg = 1 + rnd(400);
    size_t prev_from = 0, prev_to = 0;
    bool holding = false;
    for (size_t at = 0; at < size;) {
        size_t l = 1 + rnd((uint32_t)max_seg);
        if (l > size - at)
            l = size - at;
        if (holding) {
            /* this one first, then the held previous one */
            segment(t, &a, &b, 5060, 5060, isn + 1 + (uint32_t)at, 0x10, data + at, l, ts += 10,
                    pno++, false);
            segment(t, &a, &b, 5060, 5060, isn + 1 + (uint32_t)prev_from, 0x10, data + prev_from,
                    prev_to - prev_from, ts += 10, pno++, false);
            holding = false;
        } else if (rnd(4) == 0 && at + l < size) {
            holding = true;
        } else {
            segment(t, &a, &b, 5060, 5060, isn + 1 + (uint32_t)at, 0x10, data + at, l, ts += 10,
                    pno++, false);
        }
        if (rnd(8) == 0 && at > 0) { /* a retransmission of bytes already sent (all below at) */
            size_t from = rnd((uint32_t)at), to = from + 1 + rnd(600);
            if (to > at)
                to = at;
            segment(t, &a, &b, 5060, 5060, isn + 1 + (uint32_t)from, 0x10, data + from, to - from,
                    ts += 10, pno++, false);
        }
        prev_from = at;
        prev_to = at + l;
        at += l;
        check_bounded(t, &cfg);
    }
    if (holding)
        segment(t, &a, &b, 5060, 5060, isn + 1 + (uint32_t)prev_from, 0x10, data + prev_from,
                prev_to - prev_from, ts += 10, pno++, false);
    VS_FUZZ_CHECK(stats.tcp_gaps == 0);
    bool given_up = stats.tcp_unframeable || stats.tls_flows;
    size_t before_finish = R.npay;
    vs__tcp_finish(t);
    VS_FUZZ_CHECK(R.npay == before_finish); /* nothing was missing */
    if (!given_up) {
        VS_FUZZ_CHECK(!R.mismatch);
        if (R.ref_complete)
            VS_FUZZ_CHECK(R.npay == R.nref);
    }
    VS_FUZZ_CHECK(stats.payloads == R.npay);
    size_t flows, bytes;
    vs__tcp_usage(t, &flows, &bytes);
    VS_FUZZ_CHECK(flows == 0);
    vs__tcp_free(t);
}

static void segment_mode(const uint8_t *data, size_t size)
{
    if (size < 2)
        return;
    vs_net_config cfg;
    vs_net_stats stats;
    memset(&stats, 0, sizeof stats);
    config(&cfg, 1 + (data[1] & 3u), (size_t)32 << (data[0] & 7u));
    vs__tcp *t = vs__tcp_new(&cfg, &stats);
    VS_FUZZ_CHECK(t != NULL);
    R.npay = 0;
    R.compare = false;
    vs_ip ip[2] = {ip4(1), ip4(2)};
    uint32_t isn[4] = {0xfffffff0u, 0x7ffffff0u, 0, 0xffffffffu};
    uint32_t sent[4] = {0, 0, 0, 0};
    int64_t ts = 1000000;
    uint64_t pno = 1;
    size_t at = 2;
    while (at + 5 <= size) {
        uint8_t ctl = data[at], fl = data[at + 1];
        int16_t delta = (int16_t)(uint16_t)((unsigned)data[at + 2] << 8 | data[at + 3]);
        size_t len = data[at + 4];
        at += 5;
        if (len > size - at)
            len = size - at;
        unsigned fi = ctl & 3u, op = (ctl >> 2) & 3u;
        ts += 1000;
        if (op == 3) {
            vs__tcp_expire(t, ts);
            check_bounded(t, &cfg);
            continue;
        }
        if (op == 2)
            ts += 2000000;
        uint8_t flags = fl & 0x17;
        bool truncated = fl & 0x80;
        uint32_t seq;
        if (flags & 0x02) {
            isn[fi] += (uint32_t)(int32_t)delta;
            sent[fi] = 0;
            seq = isn[fi];
        } else {
            seq = isn[fi] + 1 + sent[fi] + (uint32_t)(int32_t)delta;
            if (delta == 0)
                sent[fi] += (uint32_t)len;
        }
        /* flows 0/1: one connection (a <-> b, ports 5060/5061); flows 2/3: another */
        const vs_ip *src = &ip[fi & 1], *dst = &ip[!(fi & 1)];
        uint16_t p1 = (uint16_t)(fi < 2 ? 5060 : 40000), p2 = 5061;
        uint16_t sport = (fi & 1) ? p2 : p1, dport = (fi & 1) ? p1 : p2;
        segment(t, src, dst, sport, dport, seq, flags, data + at, len, ts, pno++, truncated);
        at += len;
        check_bounded(t, &cfg);
    }
    vs__tcp_finish(t);
    VS_FUZZ_CHECK(stats.payloads == R.npay);
    size_t flows, bytes;
    vs__tcp_usage(t, &flows, &bytes);
    VS_FUZZ_CHECK(flows == 0);
    vs__tcp_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    uint8_t c = data[0];
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '\r' || c == '\n')
        stream_mode(data, size);
    else
        segment_mode(data, size);
    return 0;
}
