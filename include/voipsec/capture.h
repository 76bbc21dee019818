/* voipsec capture: packets in, application payloads out.
 *
 * Two layers, as in Suricata (source, decode):
 *   - vs_net (src/net/): decodes one captured frame by link type (Ethernet with 802.1Q/QinQ,
 *     Linux SLL and SLL2, BSD null/loopback, raw IPv4/IPv6, PPPoE), IPv4 and IPv6 with fragment
 *     reassembly, GRE (incl. ERSPAN II/III and PPP inside GRE) and IP-in-IP decapsulation, UDP,
 *     SCTP DATA chunks, and TCP with per-flow reassembly. It hands out payloads: each UDP datagram
 *     and SCTP chunk as is, and for TCP each SIP message cut from the reassembled byte stream by
 *     vs_sip_stream_frame. TLS (a TCP stream that starts with a TLS record) is counted as encrypted
 *     signalling and not handed out. All state is bounded (see vs_net_config) and what is dropped
 *     or evicted is counted.
 *   - vs_capture (src/capture/): reads frames with libpcap, from a pcap/pcapng file or a live
 *     interface, and feeds them to a vs_net.
 * Time is packet time, never the wall clock. Nothing here prints: problems with the input go to
 * the warning callback with the packet number. Not thread-safe: one thread drives one object. */
#ifndef VOIPSEC_CAPTURE_H
#define VOIPSEC_CAPTURE_H

#include <voipsec/core.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vs_ip {
    uint8_t family; /* 4 or 6; 0 when unset */
    uint8_t bytes[16]; /* IPv4 in the first 4 bytes */
} vs_ip;

/* Writes the textual form of ip ("192.0.2.1", "2001:db8::1") into buf (>= 46 bytes). */
VS_EXPORT void vs_ip_format(const vs_ip *ip, char *buf, size_t size);
/* true when both addresses are equal. */
VS_EXPORT bool vs_ip_eq(const vs_ip *a, const vs_ip *b);

typedef enum vs_transport {
    VS_TRANSPORT_UDP = 1,
    VS_TRANSPORT_TCP,
    VS_TRANSPORT_TLS,
    VS_TRANSPORT_SCTP,
} vs_transport;

/* "udp", "tcp", "tls", "sctp"; "" otherwise. */
VS_EXPORT const char *vs_transport_id(vs_transport t);

/* One application payload: a UDP datagram, an SCTP DATA chunk, or one message framed from a
 * TCP stream. data is valid only during the callback. */
typedef struct vs_payload {
    const char *data;
    size_t len;
    vs_ip src, dst;
    uint16_t sport, dport;
    vs_transport transport;
    int64_t ts_us;      /* packet time of the packet that completed this payload */
    uint64_t packet_no; /* 1-based number of that packet in the capture */
    bool truncated;     /* the packet was cut by the snap length: data is incomplete */
} vs_payload;

typedef void (*vs_payload_fn)(void *ctx, const vs_payload *p);
/* A problem with the input: packet number (0 when it concerns the file) and a sentence. */
typedef void (*vs_warn_fn)(void *ctx, uint64_t packet_no, const char *text);

typedef struct vs_net_config {
    size_t max_fragment_bytes;  /* all IP fragments held at once (default 16 MiB) */
    size_t max_fragment_trains; /* datagrams being reassembled at once (default 4096) */
    int64_t fragment_timeout_us; /* default 30 s (packet time) */
    size_t max_tcp_flows;       /* TCP half-connections tracked at once (default 65536) */
    size_t max_tcp_flow_bytes;  /* bytes buffered per direction (default 256 KiB) */
    int64_t tcp_idle_us;        /* flows idle longer are evicted (default 300 s) */
    vs_payload_fn on_payload;
    vs_warn_fn on_warn;
    void *ctx;
} vs_net_config;

/* Fills cfg with the defaults above (callbacks NULL). */
VS_EXPORT void vs_net_config_default(vs_net_config *cfg);

typedef struct vs_net_stats {
    uint64_t packets;          /* frames given to vs_net_packet */
    uint64_t bytes;            /* their captured bytes */
    uint64_t decode_errors;    /* frames that could not be decoded (warned) */
    uint64_t truncated;        /* frames cut by the snap length */
    uint64_t not_ip;           /* frames without IPv4/IPv6 (ARP, LLDP, ...) */
    uint64_t other_transport;  /* IP packets that are not UDP, TCP or SCTP (ICMP, ESP, ...) */
    uint64_t udp_datagrams;
    uint64_t sctp_chunks;
    uint64_t tcp_segments;
    uint64_t fragments;        /* IP fragments seen */
    uint64_t reassembled;      /* datagrams rebuilt from fragments */
    uint64_t fragments_dropped; /* timed out, evicted, overlapping or bogus */
    uint64_t tcp_flows;        /* half-connections created */
    uint64_t tcp_evicted;      /* flows evicted at the cap or when idle with data pending */
    uint64_t tcp_gaps;         /* missing bytes (lost segments): stream resynchronised */
    uint64_t tcp_unframeable;  /* streams given up (not SIP) and messages that cannot be framed */
    uint64_t tls_flows;        /* TCP flows carrying TLS (encrypted signalling) */
    uint64_t tls_bytes;
    uint64_t payloads;         /* payloads handed out */
} vs_net_stats;

typedef struct vs_net vs_net;

/* Creates a decoder. cfg is copied. Returns NULL on allocation failure. */
VS_EXPORT vs_net *vs_net_new(const vs_net_config *cfg);
VS_EXPORT void vs_net_free(vs_net *net);

/* Link types: the libpcap DLT_* values (1 Ethernet, 113 Linux SLL, 276 SLL2, 0 null, 108 loop,
 * 12/14/101 raw, 228 IPv4, 229 IPv6). Returns true when the link type is supported. */
VS_EXPORT bool vs_net_linktype_supported(int linktype);

/* Decodes one frame. caplen bytes are present of the frame's wirelen. Payloads are delivered
 * through cfg.on_payload before it returns (TCP payloads may be delivered later, when the
 * missing bytes arrive). */
VS_EXPORT void vs_net_packet(vs_net *net, int linktype, const uint8_t *frame, size_t caplen,
                             size_t wirelen, int64_t ts_us, uint64_t packet_no);

/* Expires fragments and idle flows older than now_us minus their timeouts. */
VS_EXPORT void vs_net_expire(vs_net *net, int64_t now_us);
/* Ends the capture: flushes what can be flushed, counts the rest as evicted. */
VS_EXPORT void vs_net_finish(vs_net *net);
VS_EXPORT const vs_net_stats *vs_net_get_stats(const vs_net *net);

/* ---- libpcap sources ---------------------------------------------------------------------- */
typedef struct vs_capture vs_capture;

/* Opens a pcap or pcapng file. Returns NULL with a message in err (naming the file) when it
 * cannot be opened, is not a capture, or has an unsupported link type. */
VS_EXPORT vs_capture *vs_capture_open_file(const char *path, char *err, size_t errlen);
/* Opens a live interface in promiscuous mode with a BPF filter (NULL: no filter). */
VS_EXPORT vs_capture *vs_capture_open_live(const char *iface, const char *filter, char *err,
                                           size_t errlen);
VS_EXPORT void vs_capture_free(vs_capture *cap);
/* The link type of the source. */
VS_EXPORT int vs_capture_linktype(const vs_capture *cap);

/* Reads frames until the end of the file, vs_capture_stop, or an error, feeding each to net.
 * Returns VS_OK at the end; VS_E_IO on a read error (a truncated file: the frames before it were
 * processed; the message went to net's warning callback). For live sources, returns after at
 * most timeout_ms without packets so that the caller can do periodic work; call it again. */
VS_EXPORT vs_rc vs_capture_run(vs_capture *cap, vs_net *net, int timeout_ms);
/* Asks vs_capture_run to return soon. Async-signal-safe. */
VS_EXPORT void vs_capture_stop(vs_capture *cap);
/* true when a file source reached its end. */
VS_EXPORT bool vs_capture_done(const vs_capture *cap);
/* Packets the kernel dropped (live sources), 0 for files. */
VS_EXPORT uint64_t vs_capture_kernel_drops(vs_capture *cap);

#ifdef __cplusplus
}
#endif
#endif
