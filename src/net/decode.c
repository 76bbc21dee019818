/* The vs_net object and the link layers.
 *
 * vs_net_packet() puts a vs__pkt on the stack (number, time, truncation) and dispatches on the
 * link type: Ethernet, Linux SLL/SLL2, BSD null/loop and raw IP. Everything after an EtherType
 * goes through vs__decode_ethertype(), which peels 802.1Q/802.1ad/QinQ tags (bounded stack),
 * PPPoE sessions and MPLS label stacks before handing IPv4/IPv6 to ip.c; GRE (encap.c) comes back
 * here for transparent Ethernet and PPP. Each layer checks its header length against the bytes it
 * was given, so no read goes past caplen; a short or malformed header is one decode error per
 * frame with a warning naming the packet. Packet time also drives an automatic expiry of
 * fragments and TCP flows, once per second of packet time, so that a caller who never calls
 * vs_net_expire still has bounded state. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/net_internal.h"

/* ---- addresses and names ------------------------------------------------------------------ */

void vs_ip_format(const vs_ip *ip, char *buf, size_t size)
{
    if (!buf || size == 0)
        return;
    buf[0] = '\0';
    if (!ip)
        return;
    if (ip->family == 4) {
        snprintf(buf, size, "%u.%u.%u.%u", ip->bytes[0], ip->bytes[1], ip->bytes[2], ip->bytes[3]);
        return;
    }
    if (ip->family != 6)
        return;
    /* RFC 5952: lower case, the longest run (>= 2) of zero groups becomes "::". */
    unsigned g[8];
    for (int i = 0; i < 8; i++)
        g[i] = (unsigned)ip->bytes[2 * i] << 8 | ip->bytes[2 * i + 1];
    int best = -1, best_len = 0;
    for (int i = 0; i < 8;) {
        if (g[i] != 0) {
            i++;
            continue;
        }
        int j = i;
        while (j < 8 && g[j] == 0)
            j++;
        if (j - i > best_len && j - i >= 2) {
            best = i;
            best_len = j - i;
        }
        i = j;
    }
    char tmp[64];
    size_t n = 0;
    /* IPv4-mapped ::ffff:a.b.c.d */
    if (best == 0 && best_len == 5 && g[5] == 0xffff) {
        snprintf(buf, size, "::ffff:%u.%u.%u.%u", ip->bytes[12], ip->bytes[13], ip->bytes[14],
                 ip->bytes[15]);
        return;
    }
    for (int i = 0; i < 8; i++) {
        if (i == best) {
            n += (size_t)snprintf(tmp + n, sizeof tmp - n, "::");
            i += best_len - 1;
            continue;
        }
        if (i > 0 && i != best + best_len)
            n += (size_t)snprintf(tmp + n, sizeof tmp - n, ":");
        n += (size_t)snprintf(tmp + n, sizeof tmp - n, "%x", g[i]);
    }
    snprintf(buf, size, "%s", tmp);
}

bool vs_ip_eq(const vs_ip *a, const vs_ip *b)
{
    if (!a || !b || a->family != b->family)
        return false;
    size_t n = a->family == 4 ? 4 : a->family == 6 ? 16 : 0;
    return memcmp(a->bytes, b->bytes, n) == 0;
}

const char *vs_transport_id(vs_transport t)
{
    switch (t) {
    case VS_TRANSPORT_UDP:
        return "udp";
    case VS_TRANSPORT_TCP:
        return "tcp";
    case VS_TRANSPORT_TLS:
        return "tls";
    case VS_TRANSPORT_SCTP:
        return "sctp";
    }
    return "";
}

/* ---- object ------------------------------------------------------------------------------- */

void vs_net_config_default(vs_net_config *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof *cfg);
    cfg->max_fragment_bytes = (size_t)16 << 20;
    cfg->max_fragment_trains = 4096;
    cfg->fragment_timeout_us = 30 * INT64_C(1000000);
    cfg->max_tcp_flows = 65536;
    cfg->max_tcp_flow_bytes = (size_t)256 << 10;
    cfg->tcp_idle_us = 300 * INT64_C(1000000);
}

vs_net *vs_net_new(const vs_net_config *cfg)
{
    vs_net *net = calloc(1, sizeof *net);
    if (!net)
        return NULL;
    if (cfg)
        net->cfg = *cfg;
    else
        vs_net_config_default(&net->cfg);
    net->tcp = vs__tcp_new(&net->cfg, &net->stats);
    net->defrag = vs__defrag_new(&net->cfg, &net->stats);
    if (!net->tcp || !net->defrag)
        goto fail;
    return net;
fail:
    vs__tcp_free(net->tcp);
    vs__defrag_free(net->defrag);
    free(net);
    return NULL;
}

void vs_net_free(vs_net *net)
{
    if (!net)
        return;
    vs__tcp_free(net->tcp);
    vs__defrag_free(net->defrag);
    free(net);
}

const vs_net_stats *vs_net_get_stats(const vs_net *net)
{
    return net ? &net->stats : NULL;
}

void vs_net_expire(vs_net *net, int64_t now_us)
{
    if (!net)
        return;
    vs__defrag_expire(net->defrag, net, now_us);
    vs__tcp_expire(net->tcp, now_us);
}

void vs_net_finish(vs_net *net)
{
    if (!net)
        return;
    vs__defrag_finish(net->defrag, net);
    vs__tcp_finish(net->tcp);
}

/* ---- warnings ----------------------------------------------------------------------------- */

void vs__net_warn(vs_net *net, uint64_t packet_no, const char *fmt, ...)
{
    if (!net || !net->cfg.on_warn)
        return;
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    net->cfg.on_warn(net->cfg.ctx, packet_no, text);
}

void vs__pkt_error(vs__pkt *p, const char *fmt, ...)
{
    if (!p->error) {
        p->error = true;
        p->net->stats.decode_errors++;
    }
    if (!p->net->cfg.on_warn)
        return;
    char text[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    vs__net_warn(p->net, p->packet_no, "packet %llu: %s", (unsigned long long)p->packet_no, text);
}

void vs__pkt_truncated(vs__pkt *p)
{
    p->truncated = true;
    if (!p->counted_truncated) {
        p->counted_truncated = true;
        p->net->stats.truncated++;
    }
}

bool vs__pkt_enter(vs__pkt *p, const char *what)
{
    if (p->depth >= VS__NET_MAX_DEPTH) {
        vs__pkt_error(p, "%s nested deeper than %d encapsulations; not decoded", what,
                      VS__NET_MAX_DEPTH);
        return false;
    }
    p->depth++;
    return true;
}

/* A header needs `need` bytes and only `len` are there: the frame is cut short. */
static void short_header(vs__pkt *p, const char *what, size_t len, size_t need)
{
    vs__pkt_error(p, "%s needs %zu bytes but only %zu are captured", what, need, len);
}

/* ---- EtherType payloads ------------------------------------------------------------------- */

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86DD
#define ETH_VLAN 0x8100
#define ETH_QINQ 0x88A8
#define ETH_QINQ_OLD1 0x9100
#define ETH_QINQ_OLD2 0x9200
#define ETH_PPPOE_DISC 0x8863
#define ETH_PPPOE_SESS 0x8864
#define ETH_MPLS 0x8847
#define ETH_MPLS_MC 0x8848

static void decode_pppoe(vs__pkt *p, const uint8_t *d, size_t len)
{
    if (len < 6) {
        short_header(p, "PPPoE session header", len, 6);
        return;
    }
    if (d[0] != 0x11) {
        vs__pkt_error(p, "PPPoE version/type 0x%02x is not 0x11", d[0]);
        return;
    }
    if (d[1] != 0) {
        vs__pkt_error(p, "PPPoE session packet has code 0x%02x instead of 0", d[1]);
        return;
    }
    size_t plen = vs__be16(d + 4);
    size_t avail = len - 6;
    if (plen > avail) {
        vs__pkt_truncated(p);
        plen = avail;
    }
    vs__decode_ppp(p, d + 6, plen);
}

static void decode_mpls(vs__pkt *p, const uint8_t *d, size_t len)
{
    for (int i = 0; i < VS__NET_MAX_MPLS; i++) {
        if (len < 4) {
            short_header(p, "MPLS label", len, 4);
            return;
        }
        bool bottom = (d[2] & 0x01) != 0;
        d += 4;
        len -= 4;
        if (!bottom)
            continue;
        /* No protocol field after the stack: guess IP by the version nibble, as Wireshark does;
         * pseudowires with a control word (first nibble 0) carry Ethernet after 4 bytes. */
        if (len == 0) {
            p->net->stats.not_ip++;
            return;
        }
        unsigned v = d[0] >> 4;
        if (v == 4 || v == 6) {
            vs__decode_ip(p, d, len, (int)v);
        } else if (v == 0 && len >= 4) {
            if (vs__pkt_enter(p, "Ethernet over MPLS"))
                vs__decode_ether(p, d + 4, len - 4);
        } else {
            p->net->stats.not_ip++;
        }
        return;
    }
    vs__pkt_error(p, "MPLS label stack deeper than %d labels", VS__NET_MAX_MPLS);
}

void vs__decode_ethertype(vs__pkt *p, uint16_t type, const uint8_t *d, size_t len)
{
    int tags = 0;
    while (type == ETH_VLAN || type == ETH_QINQ || type == ETH_QINQ_OLD1 || type == ETH_QINQ_OLD2) {
        if (++tags > VS__NET_MAX_VLAN) {
            vs__pkt_error(p, "more than %d stacked VLAN tags", VS__NET_MAX_VLAN);
            return;
        }
        if (len < 4) {
            short_header(p, "802.1Q VLAN tag", len, 4);
            return;
        }
        type = vs__be16(d + 2);
        d += 4;
        len -= 4;
    }
    switch (type) {
    case ETH_IPV4:
        vs__decode_ip(p, d, len, 4);
        return;
    case ETH_IPV6:
        vs__decode_ip(p, d, len, 6);
        return;
    case ETH_PPPOE_SESS:
        decode_pppoe(p, d, len);
        return;
    case ETH_MPLS:
    case ETH_MPLS_MC:
        decode_mpls(p, d, len);
        return;
    default:
        p->net->stats.not_ip++; /* ARP, LLDP, PPPoE discovery, 802.3 length, ... */
        return;
    }
}

void vs__decode_ether(vs__pkt *p, const uint8_t *d, size_t len)
{
    if (len < 14) {
        short_header(p, "Ethernet header", len, 14);
        return;
    }
    vs__decode_ethertype(p, vs__be16(d + 12), d + 14, len - 14);
}

void vs__decode_ppp(vs__pkt *p, const uint8_t *d, size_t len)
{
    /* Address and control bytes are present unless compressed away (ACFC). */
    if (len >= 2 && d[0] == 0xFF && d[1] == 0x03) {
        d += 2;
        len -= 2;
    }
    if (len < 1) {
        short_header(p, "PPP protocol field", len, 1);
        return;
    }
    unsigned proto;
    if (d[0] & 0x01) { /* protocol field compression: one byte */
        proto = d[0];
        d += 1;
        len -= 1;
    } else {
        if (len < 2) {
            short_header(p, "PPP protocol field", len, 2);
            return;
        }
        proto = vs__be16(d);
        d += 2;
        len -= 2;
    }
    switch (proto) {
    case 0x0021:
        vs__decode_ip(p, d, len, 4);
        return;
    case 0x0057:
        vs__decode_ip(p, d, len, 6);
        return;
    default:
        p->net->stats.not_ip++; /* LCP, IPCP, CCP, compressed data, ... */
        return;
    }
}

/* ---- link types --------------------------------------------------------------------------- */

#define DLT_NULL_ 0
#define DLT_EN10MB_ 1
#define DLT_RAW_BSD 12
#define DLT_RAW_OPENBSD 14
#define DLT_RAW_ 101
#define DLT_LOOP_ 108
#define DLT_LINUX_SLL_ 113
#define DLT_IPV4_ 228
#define DLT_IPV6_ 229
#define DLT_LINUX_SLL2_ 276

bool vs_net_linktype_supported(int linktype)
{
    switch (linktype) {
    case DLT_NULL_:
    case DLT_EN10MB_:
    case DLT_RAW_BSD:
    case DLT_RAW_OPENBSD:
    case DLT_RAW_:
    case DLT_LOOP_:
    case DLT_LINUX_SLL_:
    case DLT_IPV4_:
    case DLT_IPV6_:
    case DLT_LINUX_SLL2_:
        return true;
    default:
        return false;
    }
}

/* ARPHRD values of Linux cooked captures whose protocol field is not an EtherType. */
#define ARPHRD_NETLINK 824

static void decode_sll(vs__pkt *p, const uint8_t *d, size_t len)
{
    if (len < 16) {
        short_header(p, "Linux cooked (SLL) header", len, 16);
        return;
    }
    if (vs__be16(d + 2) == ARPHRD_NETLINK) {
        p->net->stats.not_ip++;
        return;
    }
    vs__decode_ethertype(p, vs__be16(d + 14), d + 16, len - 16);
}

static void decode_sll2(vs__pkt *p, const uint8_t *d, size_t len)
{
    if (len < 20) {
        short_header(p, "Linux cooked v2 (SLL2) header", len, 20);
        return;
    }
    if (vs__be16(d + 8) == ARPHRD_NETLINK) {
        p->net->stats.not_ip++;
        return;
    }
    vs__decode_ethertype(p, vs__be16(d), d + 20, len - 20);
}

static void decode_null(vs__pkt *p, const uint8_t *d, size_t len)
{
    if (len < 4) {
        short_header(p, "loopback (null) header", len, 4);
        return;
    }
    /* DLT_NULL writes the family in the capturing host's byte order, DLT_LOOP in network
     * order; files travel between hosts, so accept both for both. */
    uint32_t be = vs__be32(d);
    uint32_t le = (uint32_t)d[3] << 24 | (uint32_t)d[2] << 16 | (uint32_t)d[1] << 8 | d[0];
    uint32_t fam = be <= 0xFFFF ? be : le;
    switch (fam) {
    case 2: /* AF_INET everywhere */
        vs__decode_ip(p, d + 4, len - 4, 4);
        return;
    case 24: /* AF_INET6: NetBSD, OpenBSD, BSD/OS */
    case 28: /* FreeBSD, DragonFly */
    case 30: /* Darwin */
        vs__decode_ip(p, d + 4, len - 4, 6);
        return;
    default:
        p->net->stats.not_ip++;
        return;
    }
}

void vs_net_packet(vs_net *net, int linktype, const uint8_t *frame, size_t caplen, size_t wirelen,
                   int64_t ts_us, uint64_t packet_no)
{
    if (!net)
        return;
    if (!frame)
        caplen = 0;
    net->stats.packets++;
    net->stats.bytes += caplen;

    /* Automatic expiry in packet time, at most once per second of it. */
    if (!net->have_time) {
        net->have_time = true;
        net->last_expire_us = ts_us;
    } else if (ts_us - net->last_expire_us >= 1000000) {
        net->last_expire_us = ts_us;
        vs_net_expire(net, ts_us);
    }

    vs__pkt pkt = {.net = net, .ts_us = ts_us, .packet_no = packet_no};
    if (caplen < wirelen)
        vs__pkt_truncated(&pkt);
    if (caplen == 0) {
        vs__pkt_error(&pkt, "empty frame");
        return;
    }
    switch (linktype) {
    case DLT_EN10MB_:
        vs__decode_ether(&pkt, frame, caplen);
        return;
    case DLT_LINUX_SLL_:
        decode_sll(&pkt, frame, caplen);
        return;
    case DLT_LINUX_SLL2_:
        decode_sll2(&pkt, frame, caplen);
        return;
    case DLT_NULL_:
    case DLT_LOOP_:
        decode_null(&pkt, frame, caplen);
        return;
    case DLT_RAW_BSD:
    case DLT_RAW_OPENBSD:
    case DLT_RAW_:
        vs__decode_ip(&pkt, frame, caplen, 0);
        return;
    case DLT_IPV4_:
        vs__decode_ip(&pkt, frame, caplen, 4);
        return;
    case DLT_IPV6_:
        vs__decode_ip(&pkt, frame, caplen, 6);
        return;
    default:
        vs__pkt_error(&pkt, "link type %d is not supported", linktype);
        return;
    }
}
