/* Unit tests for the packet decoder (src/net: decode.c, ip.c, encap.c, defrag.c) and the libpcap
 * file source (src/capture/pcap_source.c).
 *
 * Frames are built by hand from the inside out: a payload, then each header prepended (UDP, IP,
 * GRE, VLAN, Ethernet, ...). Every frame is handed to vs_net_packet from a copy that ends right
 * before a PROT_NONE page (tests/support/guard.h), so a read past caplen faults at once. Every
 * valid frame is also fed cut at each shorter length: the decoder must count each cut frame as a
 * decode error or as truncated, and never crash. */
#define _DEFAULT_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <voipsec/capture.h>

#include "guard.h"

/* ---- collecting what the decoder hands out ------------------------------------------------ */

#define MAX_KEEP 70000

typedef struct sink {
    size_t payloads, warnings;
    uint8_t last[MAX_KEEP];
    size_t last_len;
    vs_payload last_p; /* data pointer not valid after the callback */
    char last_warn[600];
    uint64_t last_warn_pkt;
    size_t sizes[16]; /* lengths of the first payloads */
} sink;

static void on_payload(void *ctx, const vs_payload *p)
{
    sink *s = ctx;
    /* read every byte: ASan/guard check that the slice is inside the frame */
    size_t n = p->len < MAX_KEEP ? p->len : MAX_KEEP;
    memcpy(s->last, p->data, n);
    s->last_len = p->len;
    s->last_p = *p;
    if (s->payloads < 16)
        s->sizes[s->payloads] = p->len;
    s->payloads++;
}

static void on_warn(void *ctx, uint64_t packet_no, const char *text)
{
    sink *s = ctx;
    s->warnings++;
    s->last_warn_pkt = packet_no;
    snprintf(s->last_warn, sizeof s->last_warn, "%s", text);
}

static vs_net *net_new(sink *s, vs_net_config *over)
{
    vs_net_config cfg;
    if (over)
        cfg = *over;
    else
        vs_net_config_default(&cfg);
    cfg.on_payload = on_payload;
    cfg.on_warn = on_warn;
    cfg.ctx = s;
    memset(s, 0, sizeof *s);
    vs_net *net = vs_net_new(&cfg);
    assert_non_null(net);
    return net;
}

static void feed_ex(vs_net *net, int lt, const uint8_t *d, size_t caplen, size_t wirelen,
                    int64_t ts, uint64_t no)
{
    char *g = vs_guard_copy(d, caplen);
    vs_net_packet(net, lt, (const uint8_t *)g, caplen, wirelen, ts, no);
    vs_guard_free(g, caplen);
}

/* ---- building frames ---------------------------------------------------------------------- */

#define HEADROOM (1u << 17)

typedef struct frame {
    uint8_t buf[HEADROOM + 80000];
    size_t off, n;
} frame;

static frame *f_new(const void *payload, size_t len)
{
    frame *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->off = HEADROOM;
    f->n = len;
    if (len)
        memcpy(f->buf + f->off, payload, len);
    return f;
}

static const uint8_t *f_data(const frame *f)
{
    return f->buf + f->off;
}

static uint8_t *f_push(frame *f, size_t hlen)
{
    assert_true(f->off >= hlen);
    f->off -= hlen;
    f->n += hlen;
    memset(f->buf + f->off, 0, hlen);
    return f->buf + f->off;
}

static void be16(uint8_t *b, unsigned v)
{
    b[0] = (uint8_t)(v >> 8);
    b[1] = (uint8_t)v;
}

static void be32(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)(v >> 24);
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
}

static void put_udp(frame *f, unsigned sport, unsigned dport)
{
    size_t n = f->n + 8;
    uint8_t *h = f_push(f, 8);
    be16(h, sport);
    be16(h + 2, dport);
    be16(h + 4, (unsigned)n);
}

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

/* IPv4 header with optional options (optlen multiple of 4); frag = flags|offset/8 field. */
static void put_ipv4_opt(frame *f, unsigned proto, uint32_t src, uint32_t dst, unsigned id,
                         unsigned frag, size_t optlen)
{
    size_t hl = 20 + optlen;
    size_t tot = f->n + hl;
    uint8_t *h = f_push(f, hl);
    h[0] = (uint8_t)(0x40 | (hl / 4));
    be16(h + 2, (unsigned)tot);
    be16(h + 4, id);
    be16(h + 6, frag);
    h[8] = 64;
    h[9] = (uint8_t)proto;
    be32(h + 12, src);
    be32(h + 16, dst);
    for (size_t i = 20; i < hl; i++)
        h[i] = 1; /* NOP options */
}

static void put_ipv4(frame *f, unsigned proto, uint32_t src, uint32_t dst, unsigned id,
                     unsigned frag)
{
    put_ipv4_opt(f, proto, src, dst, id, frag, 0);
}

static const uint8_t V6A[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t V6B[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

static void put_ipv6(frame *f, unsigned nh, const uint8_t *src, const uint8_t *dst)
{
    size_t plen = f->n;
    uint8_t *h = f_push(f, 40);
    h[0] = 0x60;
    be16(h + 4, (unsigned)plen);
    h[6] = (uint8_t)nh;
    h[7] = 64;
    memcpy(h + 8, src, 16);
    memcpy(h + 24, dst, 16);
}

/* A generic IPv6 extension header of 8*(units+1) bytes whose next header is nh. */
static void put_ext6(frame *f, unsigned nh, unsigned units)
{
    uint8_t *h = f_push(f, 8 * (units + 1));
    h[0] = (uint8_t)nh;
    h[1] = (uint8_t)units;
    h[2] = 1; /* PadN option ... harmless */
}

static void put_frag6(frame *f, unsigned nh, unsigned off, bool more, uint32_t id)
{
    uint8_t *h = f_push(f, 8);
    h[0] = (uint8_t)nh;
    be16(h + 2, (off & 0xFFF8) | (more ? 1 : 0));
    be32(h + 4, id);
}

static void put_eth(frame *f, unsigned type)
{
    uint8_t *h = f_push(f, 14);
    memset(h, 0x02, 12);
    be16(h + 12, type);
}

static void put_vlan(frame *f, unsigned inner_type, unsigned vid)
{
    uint8_t *h = f_push(f, 4);
    be16(h, vid);
    be16(h + 2, inner_type);
}

static void put_pppoe(frame *f, unsigned ppp_proto)
{
    uint8_t *pp = f_push(f, 2);
    be16(pp, ppp_proto);
    size_t n = f->n;
    uint8_t *h = f_push(f, 6);
    h[0] = 0x11;
    be16(h + 2, 0x1234);
    be16(h + 4, (unsigned)n);
}

static void put_sll(frame *f, unsigned proto)
{
    uint8_t *h = f_push(f, 16);
    be16(h + 2, 1);
    be16(h + 4, 6);
    be16(h + 14, proto);
}

static void put_sll2(frame *f, unsigned proto)
{
    uint8_t *h = f_push(f, 20);
    be16(h, proto);
    be16(h + 8, 1);
    h[11] = 6;
}

static void put_null(frame *f, uint32_t fam, bool big)
{
    uint8_t *h = f_push(f, 4);
    if (big) {
        be32(h, fam);
    } else {
        h[0] = (uint8_t)fam;
        h[1] = (uint8_t)(fam >> 8);
    }
}

/* GRE with optional checksum/key/sequence (flags byte 0), version in byte 1. */
static void put_gre(frame *f, unsigned f0, unsigned f1, unsigned proto)
{
    size_t opt = 0;
    if (f0 & 0x80)
        opt += 4;
    if (f0 & 0x20)
        opt += 4;
    if (f0 & 0x10)
        opt += 4;
    if ((f1 & 7) == 1 && (f1 & 0x80))
        opt += 4;
    uint8_t *h = f_push(f, 4 + opt);
    h[0] = (uint8_t)f0;
    h[1] = (uint8_t)f1;
    be16(h + 2, proto);
    for (size_t i = 4; i < 4 + opt; i++)
        h[i] = 0xAB;
}

static const char SIP[] = "OPTIONS sip:100@192.0.2.2 SIP/2.0\r\n"
                          "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-1\r\n"
                          "Max-Forwards: 70\r\nFrom: <sip:a@192.0.2.1>;tag=1\r\n"
                          "To: <sip:100@192.0.2.2>\r\nCall-ID: abc@192.0.2.1\r\n"
                          "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
#define SIPLEN (sizeof SIP - 1)

static const uint32_t A4 = IP4(192, 0, 2, 1), B4 = IP4(192, 0, 2, 2);

/* UDP/IPv4 carrying SIP, or UDP/IPv6 when v6. */
static frame *sip_ip(bool v6)
{
    frame *f = f_new(SIP, SIPLEN);
    put_udp(f, 5070, 5060);
    if (v6)
        put_ipv6(f, 17, V6A, V6B);
    else
        put_ipv4(f, 17, A4, B4, 7, 0);
    return f;
}

/* ---- one valid frame: decoded, then cut at every length -------------------------------------- */

/* Feeds f (link type lt) and checks one SIP payload came out; then every cut. */
static void expect_sip(int lt, const frame *f, bool v6, vs_transport t)
{
    sink *s = calloc(1, sizeof *s);
    vs_net *net = net_new(s, NULL);
    feed_ex(net, lt, f_data(f), f->n, f->n, 1000000, 1);
    const vs_net_stats *st = vs_net_get_stats(net);
    if (s->warnings)
        fprintf(stderr, "unexpected warning: %s\n", s->last_warn);
    assert_int_equal(s->warnings, 0);
    assert_int_equal(st->decode_errors, 0);
    assert_int_equal(s->payloads, 1);
    assert_int_equal(s->last_len, SIPLEN);
    assert_memory_equal(s->last, SIP, SIPLEN);
    assert_int_equal(s->last_p.transport, t);
    assert_int_equal(s->last_p.sport, 5070);
    assert_int_equal(s->last_p.dport, 5060);
    assert_int_equal(s->last_p.packet_no, 1);
    assert_true(s->last_p.ts_us == 1000000);
    assert_false(s->last_p.truncated);
    char a[64], b[64];
    vs_ip_format(&s->last_p.src, a, sizeof a);
    vs_ip_format(&s->last_p.dst, b, sizeof b);
    assert_string_equal(a, v6 ? "2001:db8::1" : "192.0.2.1");
    assert_string_equal(b, v6 ? "2001:db8::2" : "192.0.2.2");

    /* Every shorter capture of the same frame: cut by the snap length (wirelen = full) and
     * claiming to be whole (wirelen = caplen). */
    for (size_t n = 0; n < f->n; n++) {
        for (int claim_whole = 0; claim_whole < 2; claim_whole++) {
            vs_net_stats before = *vs_net_get_stats(net);
            feed_ex(net, lt, f_data(f), n, claim_whole ? n : f->n, 2000000, 2 + n);
            const vs_net_stats *now = vs_net_get_stats(net);
            assert_int_equal(now->packets, before.packets + 1);
            uint64_t marks = (now->decode_errors - before.decode_errors) +
                             (now->truncated - before.truncated) + (now->not_ip - before.not_ip);
            if (marks == 0)
                fprintf(stderr, "link type %d cut at %zu of %zu bytes: nothing counted\n", lt, n,
                        f->n);
            assert_true(marks >= 1);
            if (!claim_whole)
                assert_int_equal(now->truncated, before.truncated + 1);
        }
    }
    vs_net_finish(net);
    vs_net_free(net);
    free(s);
}

/* ---- link types ---------------------------------------------------------------------------- */

static void test_ethernet_v4_v6(void **state)
{
    (void)state;
    for (int v6 = 0; v6 < 2; v6++) {
        frame *f = sip_ip(v6);
        put_eth(f, v6 ? 0x86DD : 0x0800);
        expect_sip(1, f, v6, VS_TRANSPORT_UDP);
        free(f);
    }
}

static void test_ipv4_options(void **state)
{
    (void)state;
    frame *f = f_new(SIP, SIPLEN);
    put_udp(f, 5070, 5060);
    put_ipv4_opt(f, 17, A4, B4, 1, 0, 40); /* largest header: 60 bytes */
    put_eth(f, 0x0800);
    expect_sip(1, f, false, VS_TRANSPORT_UDP);
    free(f);
}

static void test_vlan_qinq(void **state)
{
    (void)state;
    /* one 802.1Q tag */
    frame *f = sip_ip(false);
    put_vlan(f, 0x0800, 100);
    put_eth(f, 0x8100);
    expect_sip(1, f, false, VS_TRANSPORT_UDP);
    free(f);
    /* QinQ: 802.1ad outer, 802.1Q inner, plus a third tag (0x9100) */
    f = sip_ip(true);
    put_vlan(f, 0x86DD, 30);
    put_vlan(f, 0x8100, 20);
    put_vlan(f, 0x9100, 10);
    put_eth(f, 0x88A8);
    expect_sip(1, f, true, VS_TRANSPORT_UDP);
    free(f);
}

static void test_vlan_too_deep(void **state)
{
    (void)state;
    frame *f = sip_ip(false);
    put_vlan(f, 0x0800, 1);
    for (int i = 0; i < 20; i++)
        put_vlan(f, 0x8100, 1);
    put_eth(f, 0x8100);
    sink *s = calloc(1, sizeof *s);
    vs_net *net = net_new(s, NULL);
    feed_ex(net, 1, f_data(f), f->n, f->n, 0, 5);
    assert_int_equal(vs_net_get_stats(net)->decode_errors, 1);
    assert_int_equal(s->payloads, 0);
    assert_non_null(strstr(s->last_warn, "packet 5: more than"));
    vs_net_free(net);
    free(s);
    free(f);
}

static void test_pppoe(void **state)
{
    (void)state;
    frame *f = sip_ip(false);
    put_pppoe(f, 0x0021);
    put_eth(f, 0x8864);
    expect_sip(1, f, false, VS_TRANSPORT_UDP);
    free(f);
    f = sip_ip(true);
    put_pppoe(f, 0x0057);
    put_vlan(f, 0x8864, 7);
    put_eth(f, 0x8100);
    expect_sip(1, f, true, VS_TRANSPORT_UDP);
    free(f);
}

static void test_sll_sll2(void **state)
{
    (void)state;
    frame *f = sip_ip(false);
    put_sll(f, 0x0800);
    expect_sip(113, f, false, VS_TRANSPORT_UDP);
    free(f);
    f = sip_ip(true);
    put_sll2(f, 0x86DD);
    expect_sip(276, f, true, VS_TRANSPORT_UDP);
    free(f);
    /* SLL with a VLAN tag left in the payload */
    f = sip_ip(false);
    put_vlan(f, 0x0800, 5);
    put_sll(f, 0x8100);
    expect_sip(113, f, false, VS_TRANSPORT_UDP);
    free(f);
}

static void test_null_loop(void **state)
{
    (void)state;
    static const uint32_t fams6[] = {24, 28, 30};
    for (int lt = 0; lt < 2; lt++) {
        int linktype = lt ? 108 : 0;
        for (int big = 0; big < 2; big++) {
            frame *f = sip_ip(false);
            put_null(f, 2, big);
            expect_sip(linktype, f, false, VS_TRANSPORT_UDP);
            free(f);
            for (size_t i = 0; i < 3; i++) {
                f = sip_ip(true);
                put_null(f, fams6[i], big);
                expect_sip(linktype, f, true, VS_TRANSPORT_UDP);
                free(f);
            }
        }
    }
    /* an unknown family is not IP */
    sink *s = calloc(1, sizeof *s);
    vs_net *net = net_new(s, NULL);
    frame *f = sip_ip(false);
    put_null(f, 7, false);
    feed_ex(net, 0, f_data(f), f->n, f->n, 0, 1);
    assert_int_equal(vs_net_get_stats(net)->not_ip, 1);
    assert_int_equal(s->payloads, 0);
    vs_net_free(net);
    free(s);
    free(f);
}

static void test_raw(void **state)
{
    (void)state;
    static const int lts[] = {12, 14, 101};
    for (size_t i = 0; i < 3; i++) {
        for (int v6 = 0; v6 < 2; v6++) {
            frame *f = sip_ip(v6);
            expect_sip(lts[i], f, v6, VS_TRANSPORT_UDP);
            free(f);
        }
    }
    frame *f = sip_ip(false);
    expect_sip(228, f, false, VS_TRANSPORT_UDP);
    free(f);
    f = sip_ip(true);
    expect_sip(229, f, true, VS_TRANSPORT_UDP);
    /* IPv6 bytes on the IPv4-only link type: an error */
    sink *s = calloc(1, sizeof *s);
    vs_net *net = net_new(s, NULL);
    feed_ex(net, 228, f_data(f), f->n, f->n, 0, 3);
    assert_int_equal(vs_net_get_stats(net)->decode_errors, 1);
    assert_string_equal(s->last_warn, "packet 3: IP version 6 where IPv4 was announced");
    vs_net_free(net);
    free(s);
    free(f);
}

static void test_linktype_supported(void **state)
{
    (void)state;
    static const int yes[] = {0, 1, 12, 14, 101, 108, 113, 228, 229, 276};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        assert_true(vs_net_linktype_supported(yes[i]));
    assert_false(vs_net_linktype_supported(105));
    assert_false(vs_net_linktype_supported(127));
    assert_false(vs_net_linktype_supported(-1));
    /* a frame with an unsupported link type is a counted, warned error */
    sink *s = calloc(1, sizeof *s);
    vs_net *net = net_new(s, NULL);
    static const uint8_t junk[8] = {0};
    feed_ex(net, 105, junk, sizeof junk, sizeof junk, 0, 9);
    assert_int_equal(vs_net_get_stats(net)->decode_errors, 1);
    assert_string_equal(s->last_warn, "packet 9: link type 105 is not supported");
    vs_net_free(net);
    free(s);
}

/* ---- encapsulations ------------------------------------------------------------------------ */

static void test_gre_plain(void **state)
{
    (void)state;
    static const unsigned flags[] = {0x00, 0x80, 0x20, 0x10, 0xB0};
    for (size_t i = 0; i < 5; i++) {
        frame *f = sip_ip(i % 2);
        put_gre(f, flags[i], 0, i % 2 ? 0x86DD : 0x0800);
        put_ipv4(f, 47, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 1, 0);
        put_eth(f, 0x0800);
        expect_sip(1, f, i % 2, VS_TRANSPORT_UDP);
        free(f);
    }
    /* transparent Ethernet bridging over GRE over IPv6 */
    frame *f = sip_ip(false);
    put_eth(f, 0x0800);
    put_gre(f, 0x20, 0, 0x6558);
    put_ipv6(f, 47, V6B, V6A);
    put_eth(f, 0x86DD);
    expect_sip(1, f, false, VS_TRANSPORT_UDP);
    free(f);
}

static void test_gre_ppp(void **state)
{
    (void)state;
    /* PPTP enhanced GRE (version 1, key, sequence and ack) + PPP with address/control */
    frame *f = sip_ip(false);
    uint8_t *ppp = f_push(f, 4);
    ppp[0] = 0xFF;
    ppp[1] = 0x03;
    be16(ppp + 2, 0x0021);
    put_gre(f, 0x30, 0x81, 0x880B);
    put_ipv4(f, 47, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 1, 0);
    put_vlan(f, 0x0800, 12);
    put_eth(f, 0x8100);
    expect_sip(1, f, false, VS_TRANSPORT_UDP);
    free(f);
    /* plain GRE + PPP with compressed protocol field, no address/control */
    f = sip_ip(true);
    ppp = f_push(f, 1);
    ppp[0] = 0x57;
    put_gre(f, 0x00, 0x00, 0x880B);
    put_ipv4(f, 47, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 1, 0);
    put_eth(f, 0x0800);
    expect_sip(1, f, true, VS_TRANSPORT_UDP);
    free(f);
}

static void test_erspan(void **state)
{
    (void)state;
    /* type II: GRE with S flag, 8-byte ERSPAN header */
    frame *f = sip_ip(false);
    put_eth(f, 0x0800);
    uint8_t *e = f_push(f, 8);
    e[0] = 0x10;
    put_gre(f, 0x10, 0, 0x88BE);
    put_ipv4(f, 47, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 1, 0);
    put_eth(f, 0x0800);
    expect_sip(1, f, false, VS_TRANSPORT_UDP);
    free(f);
    /* type I: no S flag, no ERSPAN header */
    f = sip_ip(false);
    put_eth(f, 0x0800);
    put_gre(f, 0x00, 0, 0x88BE);
    put_ipv4(f, 47, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 1, 0);
    put_eth(f, 0x0800);
    expect_sip(1, f, false, VS_TRANSPORT_UDP);
    free(f);
    /* type III without and with the O flag (8 more bytes) */
    for (int o = 0; o < 2; o++) {
        f = sip_ip(true);
        put_eth(f, 0x86DD);
        if (o)
            f_push(f, 8);
        e = f_push(f, 12);
        e[0] = 0x20;
        e[11] = (uint8_t)o;
        put_gre(f, 0x10, 0, 0x22EB);
        put_ipv4(f, 47, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 1, 0);
        put_eth(f, 0x0800);
        expect_sip(1, f, true, VS_TRANSPORT_UDP);
        free(f);
    }
}

static void test_ipip(void **state)
{
    (void)state;
    frame *f = sip_ip(false);
    put_ipv4(f, 4, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 1, 0);
    put_eth(f, 0x0800);
    expect_sip(1, f, false, VS_TRANSPORT_UDP);
    free(f);
    f = sip_ip(true);
    put_ipv4(f, 41, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 1, 0);
    expect_sip(101, f, true, VS_TRANSPORT_UDP);
    free(f);
    f = sip_ip(false);
    put_ipv6(f, 4, V6B, V6A);
    expect_sip(229, f, false, VS_TRANSPORT_UDP);
    free(f);
}

static void test_nesting_bound(void **state)
{
    (void)state;
    frame *f = sip_ip(false);
    for (int i = 0; i < 12; i++)
        put_ipv4(f, 4, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 1, 0);
    sink *s = calloc(1, sizeof *s);
    vs_net *net = net_new(s, NULL);
    feed_ex(net, 228, f_data(f), f->n, f->n, 0, 4);
    assert_int_equal(s->payloads, 0);
    assert_int_equal(vs_net_get_stats(net)->decode_errors, 1);
    assert_string_equal(s->last_warn,
                        "packet 4: IPv4-in-IP nested deeper than 8 encapsulations; not decoded");
    vs_net_free(net);
    free(s);
    free(f);
}

static void test_ipv6_ext(void **state)
{
    (void)state;
    frame *f = f_new(SIP, SIPLEN);
    put_udp(f, 5070, 5060);
    put_ext6(f, 17, 1);            /* destination options, 16 bytes */
    put_ext6(f, 60, 0);            /* routing */
    put_ext6(f, 43, 0);            /* hop-by-hop */
    put_frag6(f, 0, 0, false, 99); /* atomic fragment first: not fragmented */
    put_ipv6(f, 44, V6A, V6B);
    put_eth(f, 0x86DD);
    expect_sip(1, f, true, VS_TRANSPORT_UDP);
    free(f);
    /* too many extension headers */
    f = f_new(SIP, SIPLEN);
    put_udp(f, 5070, 5060);
    put_ext6(f, 17, 0);
    for (int i = 0; i < 20; i++)
        put_ext6(f, 60, 0);
    put_ipv6(f, 60, V6A, V6B);
    sink *s = calloc(1, sizeof *s);
    vs_net *net = net_new(s, NULL);
    feed_ex(net, 229, f_data(f), f->n, f->n, 0, 1);
    assert_int_equal(s->payloads, 0);
    assert_int_equal(vs_net_get_stats(net)->decode_errors, 1);
    vs_net_free(net);
    free(s);
    free(f);
}

static void test_sctp(void **state)
{
    (void)state;
    /* common header, DATA(SIP), SACK, DATA(7 bytes, padded to 8) */
    uint8_t pkt[12 + 16 + SIPLEN + 4 + 16 + 16 + 8];
    size_t n = 0;
    memset(pkt, 0, sizeof pkt);
    be16(pkt, 5070);
    be16(pkt + 2, 5060);
    n = 12;
    pkt[n] = 0; /* DATA */
    pkt[n + 1] = 3;
    be16(pkt + n + 2, (unsigned)(16 + SIPLEN));
    memcpy(pkt + n + 16, SIP, SIPLEN);
    n += (16 + SIPLEN + 3) & ~(size_t)3;
    pkt[n] = 3; /* SACK */
    be16(pkt + n + 2, 16);
    n += 16;
    pkt[n] = 0;
    be16(pkt + n + 2, 16 + 7);
    memcpy(pkt + n + 16, "hello!!", 7);
    n += 24;
    frame *f = f_new(pkt, n);
    put_ipv4(f, 132, A4, B4, 3, 0);
    put_sll(f, 0x0800);
    sink *s = calloc(1, sizeof *s);
    vs_net *net = net_new(s, NULL);
    feed_ex(net, 113, f_data(f), f->n, f->n, 0, 1);
    const vs_net_stats *st = vs_net_get_stats(net);
    assert_int_equal(s->warnings, 0);
    assert_int_equal(st->sctp_chunks, 2);
    assert_int_equal(s->payloads, 2);
    assert_int_equal(s->sizes[0], SIPLEN);
    assert_int_equal(s->sizes[1], 7);
    assert_memory_equal(s->last, "hello!!", 7);
    assert_int_equal(s->last_p.transport, VS_TRANSPORT_SCTP);
    assert_int_equal(s->last_p.sport, 5070);
    /* cuts: never crash, always counted */
    for (size_t k = 0; k < f->n; k++) {
        vs_net_stats b = *st;
        feed_ex(net, 113, f_data(f), k, f->n, 0, 2);
        assert_true(st->decode_errors + st->truncated > b.decode_errors + b.truncated);
    }
    /* a chunk length running past the end of an untruncated packet is an error */
    frame *g = f_new(pkt, 12 + 16 + SIPLEN);
    be16(g->buf + g->off + 12 + 2, 2000);
    put_ipv4(g, 132, A4, B4, 3, 0);
    vs_net_stats b = *st;
    feed_ex(net, 228, f_data(g), g->n, g->n, 0, 3);
    assert_int_equal(st->decode_errors, b.decode_errors + 1);
    assert_non_null(strstr(s->last_warn, "runs past the end"));
    vs_net_free(net);
    free(s);
    free(f);
    free(g);
}

static void test_tcp_reaches_reassembly(void **state)
{
    (void)state;
    frame *f = f_new(SIP, SIPLEN);
    uint8_t *t = f_push(f, 20);
    be16(t, 5070);
    be16(t + 2, 5060);
    be32(t + 4, 1000);
    t[12] = 0x50;
    t[13] = 0x18; /* PSH ACK */
    put_ipv4(f, 6, A4, B4, 1, 0);
    put_eth(f, 0x0800);
    sink *s = calloc(1, sizeof *s);
    vs_net *net = net_new(s, NULL);
    feed_ex(net, 1, f_data(f), f->n, f->n, 0, 1);
    vs_net_finish(net);
    const vs_net_stats *st = vs_net_get_stats(net);
    assert_int_equal(st->tcp_segments, 1);
    assert_int_equal(st->decode_errors, 0);
    if (s->payloads) { /* the real reassembler frames the message */
        assert_int_equal(s->last_p.transport, VS_TRANSPORT_TCP);
        assert_int_equal(s->last_len, SIPLEN);
    }
    /* a bad data offset is a decode error */
    f->buf[f->off + 14 + 20 + 12] = 0x40;
    feed_ex(net, 1, f_data(f), f->n, f->n, 0, 2);
    assert_int_equal(st->decode_errors, 1);
    assert_string_equal(s->last_warn, "packet 2: TCP header length 16 is shorter than 20 bytes");
    vs_net_free(net);
    free(s);
    free(f);
}

static void test_not_ip_other_transport(void **state)
{
    (void)state;
    sink *s = calloc(1, sizeof *s);
    vs_net *net = net_new(s, NULL);
    frame *f = f_new("\x00\x01\x08\x00\x06\x04\x00\x01", 8); /* ARP */
    put_eth(f, 0x0806);
    feed_ex(net, 1, f_data(f), f->n, f->n, 0, 1);
    free(f);
    f = f_new("\x08\x00\x00\x00\x00\x00\x00\x00", 8); /* ICMP echo */
    put_ipv4(f, 1, A4, B4, 1, 0);
    put_eth(f, 0x0800);
    feed_ex(net, 1, f_data(f), f->n, f->n, 0, 2);
    free(f);
    f = f_new(NULL, 0); /* UDP with no payload: counted, nothing handed out */
    put_udp(f, 1, 2);
    put_ipv4(f, 17, A4, B4, 1, 0);
    feed_ex(net, 228, f_data(f), f->n, f->n, 0, 3);
    free(f);
    const vs_net_stats *st = vs_net_get_stats(net);
    assert_int_equal(st->not_ip, 1);
    assert_int_equal(st->other_transport, 1);
    assert_int_equal(st->udp_datagrams, 1);
    assert_int_equal(s->payloads, 0);
    assert_int_equal(st->decode_errors, 0);
    assert_int_equal(st->packets, 3);
    vs_net_free(net);
    free(s);
}

static void test_ipv4_header_errors(void **state)
{
    (void)state;
    sink *s = calloc(1, sizeof *s);
    vs_net *net = net_new(s, NULL);
    frame *f = sip_ip(false);
    f->buf[f->off] = 0x41; /* IHL 1 = 4 bytes */
    feed_ex(net, 228, f_data(f), f->n, f->n, 0, 12);
    assert_string_equal(s->last_warn, "packet 12: IPv4 header length 4 is shorter than 20 bytes");
    assert_int_equal(s->last_warn_pkt, 12);
    f->buf[f->off] = 0x45;
    be16(f->buf + f->off + 2, 10); /* total length below the header */
    feed_ex(net, 228, f_data(f), f->n, f->n, 0, 13);
    assert_non_null(strstr(s->last_warn, "packet 13: IPv4 total length 10"));
    /* total length beyond the captured bytes: decoded, marked truncated */
    be16(f->buf + f->off + 2, (unsigned)(f->n + 100));
    be16(f->buf + f->off + 24, (unsigned)(f->n - 20 + 100)); /* UDP length too */
    feed_ex(net, 228, f_data(f), f->n, f->n, 0, 14);
    assert_true(s->last_p.truncated);
    assert_int_equal(s->last_len, SIPLEN);
    /* total length 0 (segmentation offload): the captured length is used */
    be16(f->buf + f->off + 2, 0);
    be16(f->buf + f->off + 24, (unsigned)(f->n - 20));
    feed_ex(net, 228, f_data(f), f->n, f->n, 0, 15);
    assert_false(s->last_p.truncated);
    assert_int_equal(s->payloads, 2);
    /* shorter total length than captured: link padding trimmed */
    frame *g = sip_ip(false);
    f_push(g, 0);
    memcpy(g->buf + g->off + g->n, "\0\0\0\0\0\0", 6);
    g->n += 6;
    feed_ex(net, 228, f_data(g), g->n, g->n, 0, 16);
    assert_int_equal(s->last_len, SIPLEN);
    assert_false(s->last_p.truncated);
    const vs_net_stats *st = vs_net_get_stats(net);
    assert_int_equal(st->decode_errors, 2);
    assert_int_equal(st->truncated, 1);
    vs_net_free(net);
    free(s);
    free(f);
    free(g);
}

/* ---- fragments ----------------------------------------------------------------------------- */

/* A UDP datagram (8 + plen bytes) whose payload is a counting pattern. */
static uint8_t *udp_datagram(size_t plen, size_t *len)
{
    uint8_t *d = malloc(8 + plen);
    assert_non_null(d);
    be16(d, 5070);
    be16(d + 2, 5060);
    be16(d + 4, (unsigned)(8 + plen));
    d[6] = d[7] = 0;
    for (size_t i = 0; i < plen; i++)
        d[8 + i] = (uint8_t)(i * 7 + 3);
    *len = 8 + plen;
    return d;
}

/* Feeds bytes[0..len) as the fragment at offset off of datagram id over IPv4 or IPv6 in
 * Ethernet. */
static void feed_frag_raw(vs_net *net, bool v6, const uint8_t *bytes, size_t off, size_t len,
                          bool more, uint32_t id, int64_t ts, uint64_t no)
{
    frame *f = f_new(bytes, len);
    if (v6) {
        put_frag6(f, 17, (unsigned)off, more, id);
        put_ipv6(f, 44, V6A, V6B);
        put_eth(f, 0x86DD);
    } else {
        put_ipv4(f, 17, A4, B4, id, (more ? 0x2000u : 0) | (unsigned)(off / 8));
        put_eth(f, 0x0800);
    }
    feed_ex(net, 1, f_data(f), f->n, f->n, ts, no);
    free(f);
}

/* Feeds the fragment [off, off+len) of datagram d. */
static void feed_frag(vs_net *net, bool v6, const uint8_t *d, size_t off, size_t len, bool more,
                      uint32_t id, int64_t ts, uint64_t no)
{
    feed_frag_raw(net, v6, d + off, off, len, more, id, ts, no);
}

static void check_rebuilt(const sink *s, const uint8_t *d, size_t len)
{
    assert_int_equal(s->payloads, 1);
    assert_int_equal(s->last_len, len - 8);
    assert_memory_equal(s->last, d + 8, len - 8);
    assert_int_equal(s->last_p.transport, VS_TRANSPORT_UDP);
    assert_int_equal(s->last_p.sport, 5070);
}

static void test_frag_orders(void **state)
{
    (void)state;
    size_t len;
    uint8_t *d = udp_datagram(3000 - 8, &len); /* 3000 bytes: fragments of 1000 */
    for (int v6 = 0; v6 < 2; v6++) {
        static const int orders[][3] = {{0, 1, 2}, {2, 1, 0}, {1, 2, 0}, {2, 0, 1}};
        for (size_t o = 0; o < 4; o++) {
            sink *s = calloc(1, sizeof *s);
            vs_net *net = net_new(s, NULL);
            for (int k = 0; k < 3; k++) {
                int i = orders[o][k];
                feed_frag(net, v6, d, (size_t)i * 1000, 1000, i < 2, 77, 1000 + k, 1 + k);
            }
            check_rebuilt(s, d, len);
            const vs_net_stats *st = vs_net_get_stats(net);
            assert_int_equal(st->fragments, 3);
            assert_int_equal(st->reassembled, 1);
            assert_int_equal(st->fragments_dropped, 0);
            assert_int_equal(s->warnings, 0);
            assert_int_equal(s->last_p.packet_no, 3);
            vs_net_free(net);
            free(s);
        }
        /* duplicated fragments: ignored, one datagram */
        sink *s = calloc(1, sizeof *s);
        vs_net *net = net_new(s, NULL);
        feed_frag(net, v6, d, 0, 1000, true, 5, 0, 1);
        feed_frag(net, v6, d, 0, 1000, true, 5, 0, 2);
        feed_frag(net, v6, d, 1000, 1000, true, 5, 0, 3);
        feed_frag(net, v6, d, 1000, 1000, true, 5, 0, 4);
        feed_frag(net, v6, d, 2000, 1000, false, 5, 0, 5);
        feed_frag(net, v6, d, 2000, 1000, false, 5, 0, 6); /* after completion: a new train */
        check_rebuilt(s, d, len);
        assert_int_equal(s->warnings, 0);
        vs_net_finish(net); /* the lone late copy is dropped at the end */
        assert_int_equal(vs_net_get_stats(net)->fragments_dropped, 1);
        vs_net_free(net);
        free(s);
    }
    free(d);
}

static void test_frag_overlap_and_bogus(void **state)
{
    (void)state;
    size_t len;
    uint8_t *d = udp_datagram(3000 - 8, &len);
    for (int v6 = 0; v6 < 2; v6++) {
        sink *s = calloc(1, sizeof *s);
        vs_net *net = net_new(s, NULL);
        feed_frag(net, v6, d, 0, 1000, true, 9, 0, 1);
        feed_frag(net, v6, d, 992, 1000, true, 9, 0, 2); /* overlaps the first by 8 bytes */
        const vs_net_stats *st = vs_net_get_stats(net);
        assert_int_equal(st->fragments_dropped, 2);
        assert_int_equal(s->warnings, 1);
        assert_non_null(strstr(s->last_warn, "packet 2: "));
        assert_non_null(strstr(s->last_warn, "overlaps an earlier fragment"));
        assert_non_null(strstr(s->last_warn, "the datagram is dropped"));
        /* the rest of that datagram alone cannot complete it */
        feed_frag(net, v6, d, 2000, 1000, false, 9, 0, 3);
        assert_int_equal(s->payloads, 0);
        /* non-final length not a multiple of 8 */
        feed_frag(net, v6, d, 0, 1001, true, 10, 0, 4);
        assert_non_null(strstr(s->last_warn, "multiple of 8"));
        /* beyond 65535 bytes */
        feed_frag_raw(net, v6, d, 65528, 1000, false, 11, 0, 5);
        assert_non_null(strstr(s->last_warn, "longer than 65535"));
        /* two different ends */
        feed_frag(net, v6, d, 1000, 1000, false, 12, 0, 6);
        feed_frag(net, v6, d, 2000, 1000, false, 12, 0, 7);
        assert_non_null(strstr(s->last_warn, "does not agree"));
        /* same place, different bytes */
        uint8_t *e = malloc(len);
        memcpy(e, d, len);
        e[500] ^= 0xFF;
        feed_frag(net, v6, d, 0, 1000, true, 13, 0, 8);
        feed_frag(net, v6, e, 0, 1000, true, 13, 0, 9);
        assert_non_null(strstr(s->last_warn, "different bytes"));
        free(e);
        assert_int_equal(s->payloads, 0);
        assert_int_equal(st->decode_errors, 0);
        vs_net_free(net);
        free(s);
    }
    free(d);
}

static void test_frag_expire(void **state)
{
    (void)state;
    size_t len;
    uint8_t *d = udp_datagram(3000 - 8, &len);
    for (int v6 = 0; v6 < 2; v6++) {
        sink *s = calloc(1, sizeof *s);
        vs_net *net = net_new(s, NULL);
        feed_frag(net, v6, d, 0, 1000, true, 21, 500000, 1);
        feed_frag(net, v6, d, 2000, 1000, false, 21, 600000, 2);
        vs_net_expire(net, 500000 + 29 * 1000000); /* not yet */
        assert_int_equal(vs_net_get_stats(net)->fragments_dropped, 0);
        vs_net_expire(net, 500000 + 31 * 1000000);
        assert_int_equal(vs_net_get_stats(net)->fragments_dropped, 2);
        assert_int_equal(s->warnings, 1);
        assert_non_null(strstr(s->last_warn, "timed out incomplete"));
        assert_int_equal(s->last_warn_pkt, 2);
        /* the middle arriving now starts a new train: no datagram */
        feed_frag(net, v6, d, 1000, 1000, true, 21, 40000000, 3);
        assert_int_equal(s->payloads, 0);
        vs_net_finish(net);
        assert_int_equal(vs_net_get_stats(net)->fragments_dropped, 3);
        assert_non_null(strstr(s->last_warn, "end of capture: 1 incomplete"));
        vs_net_free(net);
        free(s);
    }
    free(d);
}

static void test_frag_caps(void **state)
{
    (void)state;
    size_t len;
    uint8_t *d = udp_datagram(3000 - 8, &len);
    vs_net_config cfg;
    vs_net_config_default(&cfg);
    cfg.max_fragment_trains = 4;
    cfg.max_fragment_bytes = 5000;
    sink *s = calloc(1, sizeof *s);
    vs_net *net = net_new(s, &cfg);
    /* 100 datagrams with only their first fragment: at most 4 held, the rest evicted */
    for (uint32_t id = 0; id < 100; id++)
        feed_frag(net, false, d, 0, 1000, true, id, 0, id + 1);
    const vs_net_stats *st = vs_net_get_stats(net);
    assert_int_equal(st->fragments, 100);
    assert_int_equal(st->fragments_dropped, 96);
    /* the byte cap: 5 fragments of 1000 bytes fit, the 6th evicts the oldest train */
    for (uint32_t id = 200; id < 203; id++) {
        feed_frag(net, false, d, 0, 1000, true, id, 0, id);
        feed_frag(net, false, d, 1000, 1000, true, id, 0, id);
    }
    /* total fragments held never above 5 (5000 bytes) */
    uint64_t held = st->fragments - st->fragments_dropped;
    assert_true(held <= 5);
    /* the newest complete datagram still works */
    feed_frag(net, false, d, 2000, 1000, false, 202, 0, 300);
    assert_int_equal(s->payloads, 1);
    check_rebuilt(s, d, len);
    vs_net_finish(net);
    assert_int_equal(st->fragments, st->fragments_dropped + 3);
    vs_net_free(net);
    free(s);

    /* no trains allowed at all: every fragment dropped */
    cfg.max_fragment_trains = 0;
    s = calloc(1, sizeof *s);
    net = net_new(s, &cfg);
    feed_frag(net, true, d, 0, 1000, true, 1, 0, 1);
    assert_int_equal(vs_net_get_stats(net)->fragments_dropped, 1);
    vs_net_free(net);
    free(s);
    free(d);
}

static void test_frag_truncated(void **state)
{
    (void)state;
    size_t len;
    uint8_t *d = udp_datagram(3000 - 8, &len);
    sink *s = calloc(1, sizeof *s);
    vs_net *net = net_new(s, NULL);
    frame *f = f_new(d, 1000);
    put_ipv4(f, 17, A4, B4, 3, 0x2000);
    feed_ex(net, 228, f_data(f), 500, f->n, 0, 1);
    assert_int_equal(vs_net_get_stats(net)->fragments_dropped, 1);
    assert_non_null(strstr(s->last_warn, "cut short"));
    free(f);
    /* a 65535-byte datagram in fragments of 1480 is rebuilt */
    free(d);
    d = udp_datagram(65535 - 20 - 8, &len);
    for (size_t off = 0; off < len; off += 1480) {
        size_t n = len - off < 1480 ? len - off : 1480;
        feed_frag(net, false, d, off, n, off + n < len, 44, 0, 2);
    }
    check_rebuilt(s, d, len);
    vs_net_free(net);
    free(s);
    free(d);
}

/* A fragmented datagram inside an IP-in-IP tunnel whose inner packet is itself rebuilt. */
static void test_frag_inside_tunnel(void **state)
{
    (void)state;
    size_t len;
    uint8_t *d = udp_datagram(1600 - 8, &len);
    sink *s = calloc(1, sizeof *s);
    vs_net *net = net_new(s, NULL);
    for (int i = 0; i < 2; i++) {
        frame *f = f_new(d + i * 800, 800);
        put_frag6(f, 17, (unsigned)i * 800, i == 0, 1234);
        put_ipv6(f, 44, V6A, V6B);
        put_ipv4(f, 41, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 1, 0);
        feed_ex(net, 101, f_data(f), f->n, f->n, 0, 1 + i);
        free(f);
    }
    check_rebuilt(s, d, len);
    vs_net_free(net);
    free(s);
    free(d);
}

/* ---- formatting and small helpers ---------------------------------------------------------- */

static void test_ip_format(void **state)
{
    (void)state;
    char buf[64];
    vs_ip ip = {.family = 4, .bytes = {192, 0, 2, 1}};
    vs_ip_format(&ip, buf, sizeof buf);
    assert_string_equal(buf, "192.0.2.1");
    vs_ip six = {.family = 6};
    memcpy(six.bytes, V6A, 16);
    vs_ip_format(&six, buf, sizeof buf);
    assert_string_equal(buf, "2001:db8::1");
    memset(six.bytes, 0, 16);
    vs_ip_format(&six, buf, sizeof buf);
    assert_string_equal(buf, "::");
    six.bytes[15] = 1;
    vs_ip_format(&six, buf, sizeof buf);
    assert_string_equal(buf, "::1");
    static const uint8_t mid[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1};
    memcpy(six.bytes, mid, 16);
    vs_ip_format(&six, buf, sizeof buf);
    assert_string_equal(buf, "2001:db8:1::1:0:1");
    static const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3};
    memcpy(six.bytes, mapped, 16);
    vs_ip_format(&six, buf, sizeof buf);
    assert_string_equal(buf, "::ffff:10.1.2.3");
    vs_ip none = {0};
    vs_ip_format(&none, buf, sizeof buf);
    assert_string_equal(buf, "");
    assert_true(vs_ip_eq(&ip, &ip));
    assert_false(vs_ip_eq(&ip, &six));
    assert_string_equal(vs_transport_id(VS_TRANSPORT_UDP), "udp");
    assert_string_equal(vs_transport_id(VS_TRANSPORT_TCP), "tcp");
    assert_string_equal(vs_transport_id(VS_TRANSPORT_TLS), "tls");
    assert_string_equal(vs_transport_id(VS_TRANSPORT_SCTP), "sctp");
    assert_string_equal(vs_transport_id((vs_transport)0), "");
}

static void test_defaults_and_null(void **state)
{
    (void)state;
    vs_net_config cfg;
    vs_net_config_default(&cfg);
    assert_int_equal(cfg.max_fragment_bytes, 16u << 20);
    assert_int_equal(cfg.max_fragment_trains, 4096);
    assert_true(cfg.fragment_timeout_us == 30000000);
    assert_int_equal(cfg.max_tcp_flows, 65536);
    assert_int_equal(cfg.max_tcp_flow_bytes, 256u << 10);
    assert_true(cfg.tcp_idle_us == 300000000);
    assert_null(cfg.on_payload);
    vs_net_free(NULL);
    vs_net_packet(NULL, 1, NULL, 0, 0, 0, 0);
    vs_net *net = vs_net_new(&cfg); /* no callbacks at all */
    frame *f = sip_ip(false);
    vs_net_packet(net, 228, f_data(f), f->n, f->n, 0, 1);
    vs_net_packet(net, 228, NULL, 0, 0, 0, 2);
    assert_int_equal(vs_net_get_stats(net)->payloads, 1);
    assert_int_equal(vs_net_get_stats(net)->decode_errors, 1);
    vs_net_finish(net);
    vs_net_free(net);
    free(f);
}

/* ---- capture files ------------------------------------------------------------------------- */

static void le32(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
    b[2] = (uint8_t)(v >> 16);
    b[3] = (uint8_t)(v >> 24);
}

/* Writes a classic pcap file (little-endian; nanosecond magic when nsec) holding `count` copies of
 * frame, the last one cut to `last_cut` bytes of its record (0: whole). Returns the path. */
static char *write_pcap(const char *tag, uint32_t linktype, bool nsec, const frame *f, int count,
                        size_t last_cut)
{
    static char path[128];
    snprintf(path, sizeof path, "/tmp/vs_test_decode_%d_%s.pcap", (int)getpid(), tag);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    uint8_t gh[24] = {0};
    le32(gh, nsec ? 0xa1b23c4d : 0xa1b2c3d4);
    gh[4] = 2;
    gh[6] = 4;
    le32(gh + 16, 65535);
    le32(gh + 20, linktype);
    fwrite(gh, 1, sizeof gh, fp);
    for (int i = 0; i < count; i++) {
        uint8_t rh[16];
        le32(rh, 1700000000u + (uint32_t)i);
        le32(rh + 4, nsec ? 123456789u : 123456u);
        le32(rh + 8, (uint32_t)f->n);
        le32(rh + 12, (uint32_t)f->n);
        size_t w = 16 + f->n;
        uint8_t *rec = malloc(w);
        memcpy(rec, rh, 16);
        memcpy(rec + 16, f_data(f), f->n);
        if (i == count - 1 && last_cut)
            w = last_cut;
        fwrite(rec, 1, w, fp);
        free(rec);
    }
    fclose(fp);
    return path;
}

static void test_capture_file(void **state)
{
    (void)state;
    char err[256];
    assert_null(vs_capture_open_file("/nonexistent/x.pcap", err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent/x.pcap"));

    frame *f = sip_ip(false);
    put_eth(f, 0x0800);
    /* unsupported link type: refused naming the file and the DLT */
    char *p = write_pcap("wifi", 105, false, f, 1, 0);
    assert_null(vs_capture_open_file(p, err, sizeof err));
    assert_non_null(strstr(err, p));
    assert_non_null(strstr(err, "IEEE802_11"));
    unlink(p);

    /* nanosecond file: 3 frames, times in microseconds */
    p = write_pcap("ns", 1, true, f, 3, 0);
    vs_capture *cap = vs_capture_open_file(p, err, sizeof err);
    assert_non_null(cap);
    assert_int_equal(vs_capture_linktype(cap), 1);
    assert_false(vs_capture_done(cap));
    sink *s = calloc(1, sizeof *s);
    vs_net *net = net_new(s, NULL);
    assert_int_equal(vs_capture_run(cap, net, 0), VS_OK);
    assert_true(vs_capture_done(cap));
    assert_int_equal(s->payloads, 3);
    assert_int_equal(s->last_p.packet_no, 3);
    assert_true(s->last_p.ts_us == INT64_C(1700000002) * 1000000 + 123456);
    assert_int_equal(vs_capture_kernel_drops(cap), 0);
    assert_int_equal(vs_capture_run(cap, net, 0), VS_OK); /* at the end: nothing more */
    vs_capture_free(cap);
    vs_net_free(net);
    unlink(p);

    /* truncated file: the frames before are processed, then VS_E_IO and a warning */
    p = write_pcap("cut", 1, false, f, 4, 16 + 10);
    cap = vs_capture_open_file(p, err, sizeof err);
    assert_non_null(cap);
    net = net_new(s, NULL);
    assert_int_equal(vs_capture_run(cap, net, 0), VS_E_IO);
    assert_int_equal(s->payloads, 3);
    assert_non_null(strstr(s->last_warn, "truncated capture file"));
    assert_non_null(strstr(s->last_warn, "after packet 3"));
    assert_int_equal(s->last_warn_pkt, 0);
    vs_capture_free(cap);
    vs_net_free(net);
    unlink(p);

    /* stop before run: returns at once, not done */
    p = write_pcap("stop", 1, false, f, 2, 0);
    cap = vs_capture_open_file(p, err, sizeof err);
    net = net_new(s, NULL);
    vs_capture_stop(cap);
    assert_int_equal(vs_capture_run(cap, net, 0), VS_OK);
    assert_false(vs_capture_done(cap));
    assert_int_equal(s->payloads, 0);
    vs_capture_free(cap);
    vs_net_free(net);
    unlink(p);

    /* not a capture */
    snprintf(err, sizeof err, "x");
    FILE *fp = fopen("/tmp/vs_test_decode_notpcap", "wb");
    fputs("hello, this is not a capture file at all\n", fp);
    fclose(fp);
    assert_null(vs_capture_open_file("/tmp/vs_test_decode_notpcap", err, sizeof err));
    assert_non_null(strstr(err, "/tmp/vs_test_decode_notpcap"));
    unlink("/tmp/vs_test_decode_notpcap");
    vs_capture_free(NULL);
    free(s);
    free(f);
}

static void test_capture_live_errors(void **state)
{
    (void)state;
    char err[512];
    assert_null(vs_capture_open_live("vs-no-such-if0", NULL, err, sizeof err));
    assert_non_null(strstr(err, "vs-no-such-if0"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ip_format),
        cmocka_unit_test(test_defaults_and_null),
        cmocka_unit_test(test_linktype_supported),
        cmocka_unit_test(test_ethernet_v4_v6),
        cmocka_unit_test(test_ipv4_options),
        cmocka_unit_test(test_vlan_qinq),
        cmocka_unit_test(test_vlan_too_deep),
        cmocka_unit_test(test_pppoe),
        cmocka_unit_test(test_sll_sll2),
        cmocka_unit_test(test_null_loop),
        cmocka_unit_test(test_raw),
        cmocka_unit_test(test_gre_plain),
        cmocka_unit_test(test_gre_ppp),
        cmocka_unit_test(test_erspan),
        cmocka_unit_test(test_ipip),
        cmocka_unit_test(test_nesting_bound),
        cmocka_unit_test(test_ipv6_ext),
        cmocka_unit_test(test_sctp),
        cmocka_unit_test(test_tcp_reaches_reassembly),
        cmocka_unit_test(test_not_ip_other_transport),
        cmocka_unit_test(test_ipv4_header_errors),
        cmocka_unit_test(test_frag_orders),
        cmocka_unit_test(test_frag_overlap_and_bogus),
        cmocka_unit_test(test_frag_expire),
        cmocka_unit_test(test_frag_caps),
        cmocka_unit_test(test_frag_truncated),
        cmocka_unit_test(test_frag_inside_tunnel),
        cmocka_unit_test(test_capture_file),
        cmocka_unit_test(test_capture_live_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
