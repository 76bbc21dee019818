/* Private interface of the packet decoder (src/net), shared by its files:
 *   decode.c  vs_net object, link layers (Ethernet/VLAN/PPPoE/MPLS, SLL, SLL2, null, raw), PPP
 *   ip.c      IPv4, IPv6 and its extension headers, UDP, SCTP, TCP hand-off, IP-in-IP
 *   encap.c   GRE (plain, PPTP/enhanced, ERSPAN I/II/III, transparent Ethernet, PPP)
 *   defrag.c  IPv4/IPv6 fragment reassembly, bounded in trains, bytes and time
 * and vs__net_warn for src/capture. One frame is decoded with a vs__pkt on the stack that carries
 * the packet's number, time and truncation flag down through the layers; every function takes the
 * bytes it may read as (data, len) and never reads outside them. */
#ifndef VS_NET_INTERNAL_H
#define VS_NET_INTERNAL_H

#include <voipsec/capture.h>

#include "net/tcp_reasm.h"

/* Bounds of the decoder (documented in docs/internals/capture.md). */
#define VS__NET_MAX_DEPTH 8         /* nested encapsulations (GRE, IP-in-IP, ERSPAN, ...) */
#define VS__NET_MAX_VLAN 8          /* 802.1Q/802.1ad tags in one stack */
#define VS__NET_MAX_MPLS 16         /* MPLS labels in one stack */
#define VS__NET_MAX_IPV6_EXT 16     /* IPv6 extension headers walked */
#define VS__NET_MAX_SCTP_CHUNKS 256 /* SCTP chunks walked in one packet */
#define VS__NET_IP_MAX 65535u       /* largest IP datagram */

typedef struct vs__defrag vs__defrag;

struct vs_net {
    vs_net_config cfg;
    vs_net_stats stats;
    vs__tcp *tcp;
    vs__defrag *defrag;
    int64_t last_expire_us; /* packet time of the last automatic expiry */
    bool have_time;
};

/* One frame being decoded. */
typedef struct vs__pkt {
    vs_net *net;
    int64_t ts_us;
    uint64_t packet_no;
    bool truncated; /* bytes of this frame are missing (snap length, or a short IP datagram) */
    bool counted_truncated; /* stats.truncated already counted for this frame */
    bool error;             /* a decode error was counted for this frame */
    bool rebuilt;   /* set by defrag.c: the datagram given to vs__decode_l4 was reassembled */
    unsigned depth; /* encapsulation nesting so far */
} vs__pkt;

/* Formats a warning and hands it to net's on_warn callback (nothing when unset). The text is
 * used as given: callers about a packet start it with "packet N: ". Used by src/capture too. */
void vs__net_warn(vs_net *net, uint64_t packet_no, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A malformed or short header: counts one decode error for the frame (once per frame) and warns
 * "packet N: <text>". */
void vs__pkt_error(vs__pkt *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Marks the frame truncated (counted once per frame). */
void vs__pkt_truncated(vs__pkt *p);
/* Enters one more level of encapsulation; false (error counted and warned) past the bound. */
bool vs__pkt_enter(vs__pkt *p, const char *what);

/* Big-endian readers; callers check the length first. */
static inline uint16_t vs__be16(const uint8_t *b)
{
    return (uint16_t)((unsigned)b[0] << 8 | b[1]);
}
static inline uint32_t vs__be32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* decode.c: an Ethernet frame (from its destination address), a payload after an EtherType
 * (VLAN tags, PPPoE, MPLS, IPv4, IPv6), and a PPP frame (optional FF 03, 1- or 2-byte protocol). */
void vs__decode_ether(vs__pkt *p, const uint8_t *d, size_t len);
void vs__decode_ethertype(vs__pkt *p, uint16_t type, const uint8_t *d, size_t len);
void vs__decode_ppp(vs__pkt *p, const uint8_t *d, size_t len);

/* ip.c: an IP packet of either version (by its version nibble; version_hint 4 or 6 requires that
 * version, 0 accepts both). */
void vs__decode_ip(vs__pkt *p, const uint8_t *d, size_t len, int version_hint);
/* ip.c: the transport part of a datagram (after the IP header, or rebuilt from fragments):
 * UDP, TCP, SCTP, GRE, IP-in-IP; everything else is counted as other_transport. For IPv6,
 * next-header values that are extension headers are walked first. */
void vs__decode_l4(vs__pkt *p, int version, uint8_t proto, const vs_ip *src, const vs_ip *dst,
                   const uint8_t *d, size_t len);

/* encap.c: a GRE packet (header first). */
void vs__decode_gre(vs__pkt *p, const uint8_t *d, size_t len);

/* defrag.c */
typedef struct vs__frag {
    int version; /* 4 or 6 */
    vs_ip src, dst;
    uint32_t id;     /* IPv4: 16 bits */
    uint8_t proto;   /* IPv4: protocol; IPv6: next header after the fragment header */
    uint32_t offset; /* bytes */
    bool more;       /* more fragments follow */
    const uint8_t *data;
    size_t len;
} vs__frag;

vs__defrag *vs__defrag_new(const vs_net_config *cfg, vs_net_stats *stats);
void vs__defrag_free(vs__defrag *d);
/* Adds one fragment (counted in stats.fragments by the caller). When it completes a datagram,
 * decodes the rebuilt transport part through vs__decode_l4. Overlapping or bogus fragments drop
 * their whole datagram with a warning. */
void vs__defrag_add(vs__defrag *d, vs__pkt *p, const vs__frag *f);
/* Drops trains whose first fragment is older than now_us - cfg->fragment_timeout_us. */
void vs__defrag_expire(vs__defrag *d, vs_net *net, int64_t now_us);
/* Drops everything (end of capture), counting it. */
void vs__defrag_finish(vs__defrag *d, vs_net *net);

#endif
