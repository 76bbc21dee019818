/* GRE decapsulation (RFC 2784/2890, PPTP's enhanced GRE of RFC 2637) and what it carries.
 *
 * The GRE header is 4 bytes plus 4 for each of checksum, key and sequence number when their flag
 * is set (and 4 for the acknowledgment number of version 1); source routing (the R flag,
 * RFC 1701) is obsolete and reported. The protocol field is an EtherType: IPv4, IPv6, VLAN,
 * MPLS go through vs__decode_ethertype(); 0x6558 (transparent Ethernet bridging) carries an
 * Ethernet frame, 0x880B a PPP frame (PPTP), and ERSPAN mirrored frames:
 *   0x88BE without the S flag   type I: the Ethernet frame follows at once
 *   0x88BE with the S flag      type II: an 8-byte ERSPAN header, then Ethernet
 *   0x22EB                      type III: a 12-byte header, 8 more when its O flag is set, then
 *                               Ethernet (frame type 0) or IP (frame type 2)
 * The caller (ip.c) has already counted one encapsulation level for the GRE packet. */
#include "net/net_internal.h"

#define GRE_C 0x80 /* checksum present (first byte) */
#define GRE_R 0x40 /* routing present */
#define GRE_K 0x20 /* key present */
#define GRE_S 0x10 /* sequence number present */
#define GRE_A 0x80 /* acknowledgment number present (second byte, version 1) */

#define GRE_TEB 0x6558
#define GRE_PPP 0x880B
#define GRE_ERSPAN2 0x88BE
#define GRE_ERSPAN3 0x22EB

static void decode_erspan3(vs__pkt *p, const uint8_t *d, size_t len)
{
    if (len < 12) {
        vs__pkt_error(p, "ERSPAN type III header needs 12 bytes but only %zu are present", len);
        return;
    }
    size_t hlen = (d[11] & 0x01) ? 20 : 12; /* O flag: platform-specific subheader */
    if (len < hlen) {
        vs__pkt_error(p,
                      "ERSPAN type III header with its platform subheader needs %zu bytes "
                      "but only %zu are present",
                      hlen, len);
        return;
    }
    unsigned ft = (d[10] >> 2) & 0x1F;
    if (ft == 0) {
        vs__decode_ether(p, d + hlen, len - hlen);
    } else if (ft == 2) {
        vs__decode_ip(p, d + hlen, len - hlen, 0);
    } else {
        p->net->stats.not_ip++;
    }
}

void vs__decode_gre(vs__pkt *p, const uint8_t *d, size_t len)
{
    if (len < 4) {
        vs__pkt_error(p, "GRE header needs 4 bytes but only %zu are present", len);
        return;
    }
    unsigned f0 = d[0], f1 = d[1], ver = f1 & 0x07;
    uint16_t proto = vs__be16(d + 2);
    size_t hlen = 4;
    if (ver == 0) {
        if (f0 & GRE_R) {
            vs__pkt_error(p, "GRE source routing (RFC 1701) is not supported");
            return;
        }
        if (f0 & GRE_C)
            hlen += 4;
        if (f0 & GRE_K)
            hlen += 4;
        if (f0 & GRE_S)
            hlen += 4;
    } else if (ver == 1) {
        if ((f0 & (GRE_C | GRE_R)) || !(f0 & GRE_K) || proto != GRE_PPP) {
            vs__pkt_error(p,
                          "enhanced GRE (version 1) header with flags 0x%02x%02x and "
                          "protocol 0x%04x is malformed",
                          f0, f1, proto);
            return;
        }
        hlen += 4;
        if (f0 & GRE_S)
            hlen += 4;
        if (f1 & GRE_A)
            hlen += 4;
    } else {
        vs__pkt_error(p, "GRE version %u is unknown", ver);
        return;
    }
    if (hlen > len) {
        vs__pkt_error(p,
                      "GRE header with its optional fields needs %zu bytes but only %zu are "
                      "present",
                      hlen, len);
        return;
    }
    d += hlen;
    len -= hlen;
    switch (proto) {
    case GRE_TEB:
        vs__decode_ether(p, d, len);
        return;
    case GRE_PPP:
        vs__decode_ppp(p, d, len);
        return;
    case GRE_ERSPAN2:
        if (!(f0 & GRE_S)) { /* type I: no ERSPAN header */
            vs__decode_ether(p, d, len);
            return;
        }
        if (len < 8) {
            vs__pkt_error(p, "ERSPAN type II header needs 8 bytes but only %zu are present", len);
            return;
        }
        vs__decode_ether(p, d + 8, len - 8);
        return;
    case GRE_ERSPAN3:
        decode_erspan3(p, d, len);
        return;
    default:
        vs__decode_ethertype(p, proto, d, len);
        return;
    }
}
