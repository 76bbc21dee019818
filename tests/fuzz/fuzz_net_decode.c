/* libFuzzer target: the packet decoder (vs_net: link layers, IP, defrag, GRE/ERSPAN, SCTP, TCP
 * hand-off to the reassembler).
 *
 * Two input shapes, so that both hand-made seeds and the shared corpus's captures are useful:
 *   - a classic pcap file (either byte order, micro- or nanosecond magic): its records are fed in
 *     order with their link type (an unsupported link type is replaced by Ethernet), at most
 *     MAX_FRAMES of them;
 *   - anything else: byte 0 picks the link type (byte0 % 10 in the supported list) and whether the
 *     tables are tiny (byte0 / 10 odd: 8 fragment trains, 16 KiB of fragments, 8 TCP flows of
 *     4 KiB, so that every cap and eviction path runs); then frames follow, each behind a 2-byte
 *     big-endian prefix: bit 15 = the frame was cut by the snap length (wirelen larger), bit 14 =
 *     advance packet time by 31 s (fragments and flows expire) instead of 10 ms, low 14 bits =
 *     length (clamped to what is left).
 * All frames of one input go through one vs_net, then vs_net_finish, so fragment trains and TCP
 * flows span frames. Each frame sits in a malloc'd buffer of exactly its length, so a read past
 * caplen is an ASan report; every payload byte and every warning is read. */
#include <voipsec/capture.h>

#include "fuzz_common.h"

const char *const vs_fuzz_corpus_dirs[] = {"pcap", NULL};

#define MAX_FRAMES 4096

static const int linktypes[10] = {1, 113, 276, 0, 108, 12, 14, 101, 228, 229};

typedef struct seen {
    uint64_t payloads;
} seen;

static void on_payload(void *ctx, const vs_payload *p)
{
    seen *s = ctx;
    s->payloads++;
    VS_FUZZ_CHECK(p->data != NULL || p->len == 0);
    VS_FUZZ_CHECK(p->len > 0);
    VS_FUZZ_CHECK(p->src.family == 4 || p->src.family == 6);
    VS_FUZZ_CHECK(p->src.family == p->dst.family);
    VS_FUZZ_CHECK(p->transport >= VS_TRANSPORT_UDP && p->transport <= VS_TRANSPORT_SCTP);
    vs_fuzz_touch(p->data, p->len, vs_slice_make(p->data, p->len));
    char a[64];
    vs_ip_format(&p->src, a, sizeof a);
    vs_fuzz_touch_str(a);
    vs_fuzz_touch_str(vs_transport_id(p->transport));
}

static void on_warn(void *ctx, uint64_t packet_no, const char *text)
{
    (void)ctx;
    (void)packet_no;
    vs_fuzz_touch_str(text);
    VS_FUZZ_CHECK(text[0] != '\0');
}

static void feed(vs_net *net, int lt, const uint8_t *d, size_t caplen, size_t wirelen, int64_t ts,
                 uint64_t no)
{
    char *copy = vs_fuzz_dup(d, caplen);
    vs_net_packet(net, lt, (const uint8_t *)copy, caplen, wirelen, ts, no);
    free(copy);
}

static uint32_t rd32(const uint8_t *b, bool swap)
{
    return swap ? (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24
                : (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Feeds the records of a classic pcap file; false when data is not one. */
static bool run_pcap(vs_net *net, const uint8_t *data, size_t size)
{
    if (size < 24)
        return false;
    uint32_t magic = rd32(data, false);
    bool swap, nsec;
    if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d)
        swap = false;
    else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1)
        swap = true;
    else
        return false;
    nsec = magic == 0xa1b23c4d || magic == 0x4d3cb2a1;
    int lt = (int)(rd32(data + 20, swap) & 0x0FFFFFFF);
    if (!vs_net_linktype_supported(lt))
        lt = 1;
    size_t off = 24;
    for (uint64_t no = 1; no <= MAX_FRAMES && size - off >= 16; no++) {
        const uint8_t *h = data + off;
        int64_t ts = (int64_t)rd32(h, swap) * 1000000 +
                     (int64_t)(nsec ? rd32(h + 4, swap) / 1000 : rd32(h + 4, swap));
        size_t incl = rd32(h + 8, swap), orig = rd32(h + 12, swap);
        off += 16;
        if (incl > size - off)
            incl = size - off;
        feed(net, lt, data + off, incl, orig > incl ? orig : incl, ts, no);
        off += incl;
    }
    return true;
}

static void run_framed(vs_net *net, int lt, const uint8_t *data, size_t size)
{
    size_t off = 0;
    int64_t ts = 1000000;
    for (uint64_t no = 1; no <= MAX_FRAMES && size - off >= 2; no++) {
        unsigned pfx = (unsigned)data[off] << 8 | data[off + 1];
        off += 2;
        size_t len = pfx & 0x3FFF;
        if (len > size - off)
            len = size - off;
        ts += (pfx & 0x4000) ? 31 * INT64_C(1000000) : 10000;
        feed(net, lt, data + off, len, (pfx & 0x8000) ? len + 100 : len, ts, no);
        off += len;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    seen s = {0};
    vs_net_config cfg;
    vs_net_config_default(&cfg);
    cfg.on_payload = on_payload;
    cfg.on_warn = on_warn;
    cfg.ctx = &s;
    if ((data[0] / 10) & 1) {
        cfg.max_fragment_trains = 8;
        cfg.max_fragment_bytes = 16 << 10;
        cfg.max_tcp_flows = 8;
        cfg.max_tcp_flow_bytes = 4 << 10;
    }
    vs_net *net = vs_net_new(&cfg);
    if (!net)
        return 0;
    if (!run_pcap(net, data, size))
        run_framed(net, linktypes[data[0] % 10], data + 1, size - 1);
    vs_net_expire(net, INT64_C(1) << 62);
    vs_net_finish(net);
    const vs_net_stats *st = vs_net_get_stats(net);
    VS_FUZZ_CHECK(st->payloads == s.payloads);
    VS_FUZZ_CHECK(st->decode_errors <= st->packets);
    VS_FUZZ_CHECK(st->truncated <= st->packets);
    VS_FUZZ_CHECK(st->reassembled <= st->fragments);
    VS_FUZZ_CHECK(st->fragments_dropped <= st->fragments);
    vs_net_free(net);
    return 0;
}
