/* IPv4, IPv6 and the transports above them.
 *
 * IPv4: the header length (options included) must fit in the captured bytes; the header
 * checksum is not verified (captures taken on the sending host carry offloaded, unfilled
 * checksums). The datagram ends at min(total length, captured bytes): a longer total length marks
 * the frame truncated, a shorter one trims link-layer padding; a total length of 0 (TSO captures)
 * means "what was captured". IPv6: the payload length is handled the same way, then extension
 * headers (hop-by-hop, routing, destination options, AH, mobility, HIP, shim6; at most
 * VS__NET_MAX_IPV6_EXT) are walked to the transport. Fragments of either version go to defrag.c,
 * which calls back vs__decode_l4() with the rebuilt datagram.
 *
 * Transports: UDP hands its payload out (zero-length skipped; checksum not verified; the length
 * field is trusted only up to the bytes present), SCTP hands out each DATA chunk's user data
 * (chunk walk bounded, lengths padded to 4), TCP goes to tcp_reasm.c, GRE to encap.c, IP-in-IP
 * (4, 41) back to vs__decode_ip() one encapsulation level deeper. */
#include <string.h>

#include "net/net_internal.h"

#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_IPIP_ 4
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_IPV6_ 41
#define IPPROTO_ROUTING_ 43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_GRE_ 47
#define IPPROTO_AH_ 51
#define IPPROTO_DSTOPTS_ 60
#define IPPROTO_MH_ 135
#define IPPROTO_HIP_ 139
#define IPPROTO_SHIM6_ 140
#define IPPROTO_SCTP_ 132

static void deliver(vs__pkt *p, vs_transport t, const vs_ip *src, const vs_ip *dst, uint16_t sport,
                    uint16_t dport, const uint8_t *data, size_t len, bool truncated)
{
    vs_net *net = p->net;
    net->stats.payloads++;
    if (!net->cfg.on_payload)
        return;
    vs_payload pl = {
        .data = (const char *)data,
        .len = len,
        .src = *src,
        .dst = *dst,
        .sport = sport,
        .dport = dport,
        .transport = t,
        .ts_us = p->ts_us,
        .packet_no = p->packet_no,
        .truncated = truncated,
    };
    net->cfg.on_payload(net->cfg.ctx, &pl);
}

static void decode_udp(vs__pkt *p, const vs_ip *src, const vs_ip *dst, const uint8_t *d, size_t len)
{
    if (len < 8) {
        vs__pkt_error(p, "UDP header needs 8 bytes but only %zu are present", len);
        return;
    }
    size_t ulen = vs__be16(d + 4);
    bool truncated = p->truncated;
    if (ulen == 0) {
        ulen = len; /* jumbogram or offloaded: what is there */
    } else if (ulen < 8) {
        vs__pkt_error(p, "UDP length %zu is shorter than its 8-byte header", ulen);
        return;
    } else if (ulen > len) {
        if (!p->truncated)
            vs__pkt_truncated(p);
        truncated = true;
        ulen = len;
    }
    p->net->stats.udp_datagrams++;
    if (ulen == 8)
        return;
    deliver(p, VS_TRANSPORT_UDP, src, dst, vs__be16(d), vs__be16(d + 2), d + 8, ulen - 8,
            truncated);
}

static void decode_sctp(vs__pkt *p, const vs_ip *src, const vs_ip *dst, const uint8_t *d,
                        size_t len)
{
    if (len < 12) {
        vs__pkt_error(p, "SCTP common header needs 12 bytes but only %zu are present", len);
        return;
    }
    uint16_t sport = vs__be16(d), dport = vs__be16(d + 2);
    size_t off = 12;
    for (int n = 0; off < len; n++) {
        if (n == VS__NET_MAX_SCTP_CHUNKS) {
            vs__pkt_error(p, "more than %d SCTP chunks; the rest are ignored",
                          VS__NET_MAX_SCTP_CHUNKS);
            return;
        }
        size_t left = len - off;
        if (left < 4) {
            if (!p->truncated)
                vs__pkt_error(p,
                              "SCTP chunk header at offset %zu needs 4 bytes but only %zu "
                              "are present",
                              off, left);
            return;
        }
        const uint8_t *c = d + off;
        size_t clen = vs__be16(c + 2);
        if (clen < 4) {
            vs__pkt_error(p, "SCTP chunk length %zu is shorter than its 4-byte header", clen);
            return;
        }
        bool cut = false;
        if (clen > left) {
            if (!p->truncated) {
                vs__pkt_error(p,
                              "SCTP chunk of %zu bytes runs past the end of the packet "
                              "(%zu bytes left)",
                              clen, left);
                return;
            }
            cut = true;
            clen = left;
        }
        if (c[0] == 0) { /* DATA */
            if (clen < 16) {
                if (!cut)
                    vs__pkt_error(p,
                                  "SCTP DATA chunk length %zu is shorter than its 16-byte "
                                  "header",
                                  clen);
                return;
            }
            p->net->stats.sctp_chunks++;
            if (clen > 16)
                deliver(p, VS_TRANSPORT_SCTP, src, dst, sport, dport, c + 16, clen - 16, cut);
        }
        if (cut)
            return;
        size_t padded = (clen + 3) & ~(size_t)3;
        if (padded >= left)
            return;
        off += padded;
    }
}

static void decode_tcp(vs__pkt *p, const vs_ip *src, const vs_ip *dst, const uint8_t *d, size_t len)
{
    if (len < 20) {
        vs__pkt_error(p, "TCP header needs 20 bytes but only %zu are present", len);
        return;
    }
    size_t hlen = (size_t)(d[12] >> 4) * 4;
    if (hlen < 20) {
        vs__pkt_error(p, "TCP header length %zu is shorter than 20 bytes", hlen);
        return;
    }
    if (hlen > len) {
        vs__pkt_error(p, "TCP header length %zu is longer than the %zu bytes present", hlen, len);
        return;
    }
    /* stats.tcp_segments is counted by tcp_reasm.c */
    vs__tcp_segment(p->net->tcp, src, dst, vs__be16(d), vs__be16(d + 2), vs__be32(d + 4), d[13],
                    d + hlen, len - hlen, p->ts_us, p->packet_no, p->truncated);
}

/* Walks IPv6 extension headers from next-header nh; returns false when decoding ended (error,
 * fragment handed to defrag, or not a transport), else the transport protocol in *proto and its
 * bytes in *d / *len. */
static bool ipv6_walk(vs__pkt *p, uint8_t *proto, const vs_ip *src, const vs_ip *dst,
                      const uint8_t **dp, size_t *lenp, bool after_fragment)
{
    const uint8_t *d = *dp;
    size_t len = *lenp;
    uint8_t nh = *proto;
    for (int i = 0;; i++) {
        if (i == VS__NET_MAX_IPV6_EXT) {
            vs__pkt_error(p, "more than %d IPv6 extension headers", VS__NET_MAX_IPV6_EXT);
            return false;
        }
        size_t hl;
        switch (nh) {
        case IPPROTO_HOPOPTS_:
        case IPPROTO_ROUTING_:
        case IPPROTO_DSTOPTS_:
        case IPPROTO_MH_:
        case IPPROTO_HIP_:
        case IPPROTO_SHIM6_:
            if (len < 2) {
                vs__pkt_error(p,
                              "IPv6 extension header %u needs 2 bytes but only %zu are "
                              "present",
                              nh, len);
                return false;
            }
            hl = ((size_t)d[1] + 1) * 8;
            break;
        case IPPROTO_AH_:
            if (len < 2) {
                vs__pkt_error(p,
                              "IPv6 authentication header needs 2 bytes but only %zu are "
                              "present",
                              len);
                return false;
            }
            hl = ((size_t)d[1] + 2) * 4;
            break;
        case IPPROTO_FRAGMENT_: {
            if (after_fragment) {
                vs__pkt_error(p, "IPv6 fragment header inside a fragmented datagram");
                return false;
            }
            if (len < 8) {
                vs__pkt_error(p, "IPv6 fragment header needs 8 bytes but only %zu are present",
                              len);
                return false;
            }
            uint16_t offm = vs__be16(d + 2);
            uint32_t off = (uint32_t)(offm & 0xFFF8);
            bool more = (offm & 1) != 0;
            if (off == 0 && !more) { /* atomic fragment (RFC 6946): not fragmented at all */
                nh = d[0];
                d += 8;
                len -= 8;
                continue;
            }
            p->net->stats.fragments++;
            vs__frag f = {.version = 6,
                          .src = *src,
                          .dst = *dst,
                          .id = vs__be32(d + 4),
                          .proto = d[0],
                          .offset = off,
                          .more = more,
                          .data = d + 8,
                          .len = len - 8};
            vs__defrag_add(p->net->defrag, p, &f);
            return false;
        }
        default:
            *proto = nh;
            *dp = d;
            *lenp = len;
            return true;
        }
        if (hl > len) {
            vs__pkt_error(p,
                          "IPv6 extension header %u of %zu bytes runs past the %zu bytes "
                          "present",
                          nh, hl, len);
            return false;
        }
        nh = d[0];
        d += hl;
        len -= hl;
    }
}

void vs__decode_l4(vs__pkt *p, int version, uint8_t proto, const vs_ip *src, const vs_ip *dst,
                   const uint8_t *d, size_t len)
{
    bool rebuilt = p->rebuilt; /* applies to this datagram's own headers only */
    p->rebuilt = false;
    if (version == 6 && !ipv6_walk(p, &proto, src, dst, &d, &len, rebuilt))
        return;
    switch (proto) {
    case IPPROTO_UDP_:
        decode_udp(p, src, dst, d, len);
        return;
    case IPPROTO_TCP_:
        decode_tcp(p, src, dst, d, len);
        return;
    case IPPROTO_SCTP_:
        decode_sctp(p, src, dst, d, len);
        return;
    case IPPROTO_GRE_:
        if (vs__pkt_enter(p, "GRE"))
            vs__decode_gre(p, d, len);
        return;
    case IPPROTO_IPIP_:
        if (vs__pkt_enter(p, "IPv4-in-IP"))
            vs__decode_ip(p, d, len, 4);
        return;
    case IPPROTO_IPV6_:
        if (vs__pkt_enter(p, "IPv6-in-IP"))
            vs__decode_ip(p, d, len, 6);
        return;
    default:
        p->net->stats.other_transport++; /* ICMP, ESP, OSPF, no next header, ... */
        return;
    }
}

static void decode_ipv4(vs__pkt *p, const uint8_t *d, size_t len)
{
    if (len < 20) {
        vs__pkt_error(p, "IPv4 header needs 20 bytes but only %zu are present", len);
        return;
    }
    size_t hlen = (size_t)(d[0] & 0x0F) * 4;
    if (hlen < 20) {
        vs__pkt_error(p, "IPv4 header length %zu is shorter than 20 bytes", hlen);
        return;
    }
    if (hlen > len) {
        vs__pkt_error(p, "IPv4 header length %zu is longer than the %zu bytes present", hlen, len);
        return;
    }
    size_t total = vs__be16(d + 2);
    if (total == 0) {
        total = len; /* TCP segmentation offload: the length was never filled in */
    } else if (total < hlen) {
        vs__pkt_error(p, "IPv4 total length %zu is shorter than its %zu-byte header", total, hlen);
        return;
    } else if (total > len) {
        vs__pkt_truncated(p);
        total = len;
    }
    vs_ip src = {.family = 4}, dst = {.family = 4};
    memcpy(src.bytes, d + 12, 4);
    memcpy(dst.bytes, d + 16, 4);
    uint8_t proto = d[9];
    uint16_t fl = vs__be16(d + 6);
    uint32_t off = (uint32_t)(fl & 0x1FFF) * 8;
    bool more = (fl & 0x2000) != 0;
    if (off || more) {
        p->net->stats.fragments++;
        vs__frag f = {.version = 4,
                      .src = src,
                      .dst = dst,
                      .id = vs__be16(d + 4),
                      .proto = proto,
                      .offset = off,
                      .more = more,
                      .data = d + hlen,
                      .len = total - hlen};
        vs__defrag_add(p->net->defrag, p, &f);
        return;
    }
    vs__decode_l4(p, 4, proto, &src, &dst, d + hlen, total - hlen);
}

static void decode_ipv6(vs__pkt *p, const uint8_t *d, size_t len)
{
    if (len < 40) {
        vs__pkt_error(p, "IPv6 header needs 40 bytes but only %zu are present", len);
        return;
    }
    size_t plen = vs__be16(d + 4);
    size_t avail = len - 40;
    if (plen == 0) {
        plen = avail; /* jumbogram (hop-by-hop option) or offloaded */
    } else if (plen > avail) {
        vs__pkt_truncated(p);
        plen = avail;
    }
    vs_ip src = {.family = 6}, dst = {.family = 6};
    memcpy(src.bytes, d + 8, 16);
    memcpy(dst.bytes, d + 24, 16);
    vs__decode_l4(p, 6, d[6], &src, &dst, d + 40, plen);
}

void vs__decode_ip(vs__pkt *p, const uint8_t *d, size_t len, int version_hint)
{
    if (len < 1) {
        vs__pkt_error(p, "IP header missing: no bytes left after the link layer");
        return;
    }
    int v = d[0] >> 4;
    if (version_hint && v != version_hint) {
        vs__pkt_error(p, "IP version %d where IPv%d was announced", v, version_hint);
        return;
    }
    if (v == 4)
        decode_ipv4(p, d, len);
    else if (v == 6)
        decode_ipv6(p, d, len);
    else
        vs__pkt_error(p, "IP version %d is neither 4 nor 6", v);
}
