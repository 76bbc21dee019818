/* TCP reassembly internals shared by tcp_reasm.c (flow table, sequence numbers) and
 * tcp_stream.c (classification and SIP framing of the in-order bytes). Private to src/net. */
#ifndef VS_NET_TCP_FLOW_H
#define VS_NET_TCP_FLOW_H

#include <stdint.h>

#include "tcp_reasm.h"

#define VS__TCP_MAX_HEADER (64u << 10)      /* header section bound given to vs_sip_stream_frame */
#define VS__TCP_MAX_OOO 64                  /* out-of-order pieces held per flow */
#define VS__TCP_MEM_CAP ((size_t)256 << 20) /* all flows together (raised to 4 flows' worth) */
#define VS__TCP_MIN_BUF 2048
#define VS__TCP_MAX_METHOD 64 /* a longer first word on a partial line is not a start line */
#define VS__TCP_MIN_BUCKETS 256
#define VS__TCP_MAX_BUCKETS ((size_t)1 << 24)

enum vs__tcp_state {
    ST_NEW,     /* not classified yet */
    ST_HUNT,    /* looking for a SIP start line */
    ST_SIP,     /* framing messages */
    ST_TLS,     /* encrypted: bytes counted, never delivered */
    ST_IGNORED, /* not SIP: segments dropped */
};

typedef struct vs__tcp_key {
    uint8_t src[16], dst[16];
    uint16_t sport, dport;
    uint8_t sfam, dfam;
    uint8_t pad[2];
} vs__tcp_key;

typedef struct vs__tcp_seg {
    struct vs__tcp_seg *next;
    uint32_t seq, len;
    int64_t ts_us;
    uint64_t packet_no;
    bool truncated; /* the capture cut this piece's tail */
    unsigned char data[];
} vs__tcp_seg;

typedef struct vs__tcp_flow {
    struct vs__tcp_flow *hnext;         /* bucket chain */
    struct vs__tcp_flow *lprev, *lnext; /* LRU list */
    vs__tcp_key key;
    uint64_t hash;
    vs_ip src, dst;
    uint16_t sport, dport;
    int64_t last_ts;
    uint32_t next_seq, isn, fin_seq;
    uint8_t state;
    bool syn_seen, fin_seen, loose, midstream, midline, ever_sip;
    char *buf; /* stream bytes [off, len) pending */
    size_t off, len, cap;
    size_t hunted;    /* bytes dropped while hunting before the first SIP message */
    size_t skip_left; /* bytes of an oversized message still to discard */
    size_t scan;      /* bytes after off already searched (no line end / no header end) */
    size_t need;      /* length of the message at off when known (its headers are complete) */
    vs__tcp_seg *ooo; /* sorted by sequence, all ahead of next_seq, non-overlapping */
    size_t ooo_count, ooo_bytes;
    int64_t cur_ts; /* the segment whose bytes are being fed */
    uint64_t cur_pno;
} vs__tcp_flow;

struct vs__tcp {
    const vs_net_config *cfg;
    vs_net_stats *stats;
    vs__tcp_flow **buckets;
    size_t nbuckets, count;
    vs__tcp_flow *lru_head, *lru_tail;
    uint64_t seed;
    size_t maxb; /* per-flow byte cap (>= 1) */
    size_t mem, mem_cap;
};

/* true while the flow's bytes are followed (not TLS, not given up) */
static inline bool vs__tcp_tracking(const vs__tcp_flow *f)
{
    return f->state == ST_NEW || f->state == ST_HUNT || f->state == ST_SIP;
}

/* tcp_stream.c: in-order stream bytes in (copied into the flow buffer), classified, framed and
 * handed out as far as they go. */
void vs__tcp_feed(vs__tcp *t, vs__tcp_flow *f, const unsigned char *data, size_t n);
/* Frees the stream buffer, and the held out-of-order segments, keeping t->mem right. */
void vs__tcp_buf_free(vs__tcp *t, vs__tcp_flow *f);
void vs__tcp_ooo_free(vs__tcp *t, vs__tcp_flow *f);

#endif
