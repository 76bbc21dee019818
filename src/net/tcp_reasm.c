/* TCP reassembly per half-connection: flow table and sequence numbers (see tcp_reasm.h).
 *
 * Design:
 *   - Flow table: chained hash buckets (seeded FNV-1a over a packed key, then a 64-bit finaliser)
 *     that double while the load exceeds one flow per bucket; every flow is also on an intrusive
 *     LRU list (head = most recently used). At cfg->max_tcp_flows the tail is evicted. A global
 *     byte budget (VS__TCP_MEM_CAP, at least 4 flows' worth) evicts from the tail too, so that
 *     the sum of all per-flow buffers stays bounded whatever max_tcp_flows says.
 *   - Sequence layer: next expected sequence number (from the SYN, or from the first segment seen
 *     when the capture starts mid-connection), 32-bit serial arithmetic. In-order bytes go
 *     straight into the stream buffer (no allocation besides its geometric growth); segments
 *     ahead are copied into a sorted list of non-overlapping pieces bounded in count
 *     (VS__TCP_MAX_OOO) and bytes (max_tcp_flow_bytes). First data wins: a retransmission or an
 *     overlap only adds the bytes not yet seen. A gap that cannot fill (list full, idle expiry,
 *     finish, RST, eviction) is skipped: stats->tcp_gaps, and the stream hunts for the next SIP
 *     start line. A segment cut by the snap length leaves the flow "loose": the next segment
 *     beyond the known bytes is taken as the end of a gap.
 *   - Stream layer (tcp_stream.c): classification (TLS, SIP, other), hunting for start lines,
 *     framing with vs_sip_stream_frame, delivery. An ignored or TLS flow keeps its entry so that
 *     later segments are dropped cheaply; FIN or RST frees it.
 *   - FIN: the flow is freed once every byte before the FIN arrived (a FIN ahead of missing data
 *     waits for it, or for expiry). RST frees both directions after handing out what can be
 *     framed past any gap. A SYN with another ISN on a known flow starts a new connection.
 *   - stats->tcp_unframeable counts streams given up (not SIP) and SIP messages that could not
 *     be framed (bad Content-Length, header section over 64 KiB, message over the flow buffer);
 *     the latter also go to cfg->on_warn. Each payload handed out counts in stats->payloads.
 * Not thread-safe: one vs_net drives one object. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tcp_flow.h"

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04

typedef vs__tcp_flow flow;
typedef vs__tcp_seg seg;

/* ---- helpers ------------------------------------------------------------------------------- */

static int32_t seq_diff(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b);
}

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static uint64_t key_hash(const vs__tcp *t, const vs__tcp_key *k)
{
    const unsigned char *p = (const unsigned char *)k;
    uint64_t h = 0xcbf29ce484222325ULL ^ t->seed;
    for (size_t i = 0; i < sizeof *k; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return mix64(h);
}

static void ip_bytes(const vs_ip *ip, uint8_t out[16], uint8_t *fam)
{
    memset(out, 0, 16);
    *fam = ip->family;
    memcpy(out, ip->bytes, ip->family == 4 ? 4 : 16);
}

static void make_key(vs__tcp_key *k, const vs_ip *src, const vs_ip *dst, uint16_t sport,
                     uint16_t dport)
{
    memset(k, 0, sizeof *k);
    ip_bytes(src, k->src, &k->sfam);
    ip_bytes(dst, k->dst, &k->dfam);
    k->sport = sport;
    k->dport = dport;
}

/* ---- sequence layer -------------------------------------------------------------------------- */

/* Moves out-of-order pieces that now start at next_seq into the stream. */
static void drain(vs__tcp *t, flow *f)
{
    while (vs__tcp_tracking(f) && f->ooo && seq_diff(f->ooo->seq, f->next_seq) <= 0) {
        vs__tcp_seg *s = f->ooo;
        f->ooo = s->next;
        f->ooo_count--;
        f->ooo_bytes -= s->len;
        t->mem -= sizeof *s + s->len;
        uint32_t cut = (uint32_t)-seq_diff(s->seq, f->next_seq);
        if (cut < s->len) {
            f->next_seq += s->len - cut;
            f->cur_ts = s->ts_us;
            f->cur_pno = s->packet_no;
            if (s->truncated)
                f->loose = true;
            vs__tcp_feed(t, f, s->data + cut, s->len - cut);
        }
        free(s);
    }
}

/* Skips the missing bytes up to target (counted as a gap) and resynchronises there. */
static void gap_to(vs__tcp *t, flow *f, uint32_t target)
{
    t->stats->tcp_gaps++;
    f->off = f->len = 0;
    f->skip_left = 0;
    f->scan = f->need = 0;
    if (f->state == ST_SIP || f->state == ST_HUNT) {
        f->state = ST_HUNT;
        f->midline = false;
    } else if (f->state == ST_NEW) {
        f->midstream = true;
    }
    f->loose = false;
    f->next_seq = target;
    drain(t, f);
}

/* Holds data[0..len) at seq as out-of-order pieces, keeping what is already held (first data
 * wins). Returns false when the pieces do not fit the per-flow bounds (nothing is stored). */
static bool ooo_insert(vs__tcp *t, flow *f, uint32_t seq, const unsigned char *data, uint32_t len,
                       bool truncated)
{
    /* pass 1: count the pieces not covered by held segments */
    size_t pieces = 0, bytes = 0;
    uint32_t s = seq, e = seq + len;
    for (vs__tcp_seg *g = f->ooo; g && seq_diff(s, e) < 0; g = g->next) {
        uint32_t ge = g->seq + g->len;
        if (seq_diff(ge, s) <= 0)
            continue;
        if (seq_diff(g->seq, e) >= 0)
            break;
        if (seq_diff(g->seq, s) > 0) {
            pieces++;
            bytes += (uint32_t)(g->seq - s);
        }
        s = ge;
    }
    if (seq_diff(s, e) < 0) {
        pieces++;
        bytes += (uint32_t)(e - s);
    }
    if (pieces == 0)
        return true;
    if (f->ooo_count + pieces > VS__TCP_MAX_OOO || f->ooo_bytes + bytes > t->maxb)
        return false;
    /* pass 2: insert them */
    vs__tcp_seg **link = &f->ooo;
    s = seq;
    while (seq_diff(s, e) < 0) {
        while (*link && seq_diff((*link)->seq + (*link)->len, s) <= 0)
            link = &(*link)->next;
        uint32_t pe = e;
        if (*link && seq_diff((*link)->seq, s) <= 0) {
            s = (*link)->seq + (*link)->len; /* covered: skip past it */
            continue;
        }
        if (*link && seq_diff((*link)->seq, e) < 0)
            pe = (*link)->seq;
        uint32_t plen = pe - s;
        vs__tcp_seg *n = malloc(sizeof *n + plen);
        if (!n)
            return true; /* out of memory: the piece is lost, a gap later */
        n->seq = s;
        n->len = plen;
        n->ts_us = f->cur_ts;
        n->packet_no = f->cur_pno;
        n->truncated = truncated && pe == e;
        memcpy(n->data, data + (uint32_t)(s - seq), plen);
        n->next = *link;
        *link = n;
        link = &n->next;
        f->ooo_count++;
        f->ooo_bytes += plen;
        t->mem += sizeof *n + plen;
        s = pe;
    }
    return true;
}

/* One segment's payload, dseq being the sequence number of its first byte. */
static void flow_data(vs__tcp *t, flow *f, uint32_t dseq, const unsigned char *data, size_t len,
                      bool truncated)
{
    if (len > (1u << 30))
        len = 1u << 30; /* not a real segment; keep the arithmetic in range */
    int64_t ts = f->cur_ts;
    uint64_t pno = f->cur_pno;
    while (vs__tcp_tracking(f)) {
        f->cur_ts = ts; /* draining may have set them to a held segment's */
        f->cur_pno = pno;
        int32_t d = seq_diff(dseq, f->next_seq);
        if (f->loose && d > 0) {
            uint32_t to = dseq;
            if (f->ooo && seq_diff(f->ooo->seq, dseq) < 0)
                to = f->ooo->seq;
            gap_to(t, f, to);
            continue;
        }
        if (d < 0) {
            uint32_t cut = (uint32_t) - (int64_t)d;
            if (len <= cut)
                return; /* retransmission */
            data += cut;
            len -= cut;
            dseq = f->next_seq;
            d = 0;
        }
        if (len == 0) {
            if (truncated)
                f->loose = true;
            return;
        }
        if (d == 0) {
            size_t k = len;
            if (f->ooo && (uint32_t)(f->ooo->seq - f->next_seq) < k)
                k = (uint32_t)(f->ooo->seq - f->next_seq);
            if (!truncated)
                f->loose = false; /* a whole segment in order: a cut tail was filled */
            f->next_seq += (uint32_t)k;
            vs__tcp_feed(t, f, data, k);
            if (k == len && truncated && vs__tcp_tracking(f))
                f->loose = true;
            drain(t, f);
            if (k == len)
                return;
            data += k;
            len -= k;
            dseq += (uint32_t)k;
            continue; /* the rest overlaps what was drained */
        }
        if (ooo_insert(t, f, dseq, data, (uint32_t)len, truncated))
            return;
        /* the held pieces are full: skip to the first byte held or carried here */
        gap_to(t, f, f->ooo && seq_diff(f->ooo->seq, dseq) < 0 ? f->ooo->seq : dseq);
    }
}

/* ---- flow table -------------------------------------------------------------------------------
 */

static void lru_unlink(vs__tcp *t, flow *f)
{
    if (f->lprev)
        f->lprev->lnext = f->lnext;
    else
        t->lru_head = f->lnext;
    if (f->lnext)
        f->lnext->lprev = f->lprev;
    else
        t->lru_tail = f->lprev;
    f->lprev = f->lnext = NULL;
}

static void lru_push(vs__tcp *t, flow *f)
{
    f->lprev = NULL;
    f->lnext = t->lru_head;
    if (t->lru_head)
        t->lru_head->lprev = f;
    else
        t->lru_tail = f;
    t->lru_head = f;
}

static flow *lookup(vs__tcp *t, const vs__tcp_key *k, uint64_t h)
{
    for (flow *f = t->buckets[h & (t->nbuckets - 1)]; f; f = f->hnext)
        if (f->hash == h && memcmp(&f->key, k, sizeof *k) == 0)
            return f;
    return NULL;
}

static void grow_table(vs__tcp *t)
{
    if (t->nbuckets >= VS__TCP_MAX_BUCKETS)
        return;
    size_t nb = t->nbuckets * 2;
    flow **b = calloc(nb, sizeof *b);
    if (!b)
        return; /* longer chains, still correct */
    for (size_t i = 0; i < t->nbuckets; i++) {
        flow *f = t->buckets[i];
        while (f) {
            flow *n = f->hnext;
            f->hnext = b[f->hash & (nb - 1)];
            b[f->hash & (nb - 1)] = f;
            f = n;
        }
    }
    free(t->buckets);
    t->mem += (nb - t->nbuckets) * sizeof *b;
    t->buckets = b;
    t->nbuckets = nb;
}

/* true when the flow holds bytes that were not handed out */
static bool pending(const flow *f)
{
    if (!vs__tcp_tracking(f))
        return false;
    if (f->ooo)
        return true;
    for (size_t i = f->off; i < f->len; i++)
        if (f->buf[i] != '\r' && f->buf[i] != '\n')
            return true;
    return false;
}

/* Hands out what can still be framed (skipping gaps), then frees the flow. */
static void flow_close(vs__tcp *t, flow *f)
{
    while (vs__tcp_tracking(f) && f->ooo)
        gap_to(t, f, f->ooo->seq);
    flow **pp = &t->buckets[f->hash & (t->nbuckets - 1)];
    while (*pp != f)
        pp = &(*pp)->hnext;
    *pp = f->hnext;
    lru_unlink(t, f);
    vs__tcp_buf_free(t, f);
    vs__tcp_ooo_free(t, f);
    t->mem -= sizeof *f;
    t->count--;
    free(f);
}

static void evict(vs__tcp *t, flow *f)
{
    t->stats->tcp_evicted++;
    flow_close(t, f);
}

static flow *flow_create(vs__tcp *t, const vs__tcp_key *k, uint64_t h, const vs_ip *src,
                         const vs_ip *dst, uint16_t sport, uint16_t dport)
{
    if (t->cfg->max_tcp_flows == 0)
        return NULL;
    while (t->count >= t->cfg->max_tcp_flows && t->lru_tail)
        evict(t, t->lru_tail);
    flow *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->key = *k;
    f->hash = h;
    f->src = *src;
    f->dst = *dst;
    f->sport = sport;
    f->dport = dport;
    f->state = ST_NEW;
    if (t->count >= t->nbuckets)
        grow_table(t);
    size_t b = h & (t->nbuckets - 1);
    f->hnext = t->buckets[b];
    t->buckets[b] = f;
    lru_push(t, f);
    t->count++;
    t->mem += sizeof *f;
    t->stats->tcp_flows++;
    return f;
}

/* ---- interface ---------------------------------------------------------------------------------
 */

vs__tcp *vs__tcp_new(const vs_net_config *cfg, vs_net_stats *stats)
{
    if (!cfg || !stats)
        return NULL;
    vs__tcp *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->cfg = cfg;
    t->stats = stats;
    t->nbuckets = VS__TCP_MIN_BUCKETS;
    t->buckets = calloc(t->nbuckets, sizeof *t->buckets);
    if (!t->buckets) {
        free(t);
        return NULL;
    }
    t->maxb = cfg->max_tcp_flow_bytes ? cfg->max_tcp_flow_bytes : 1;
    if (t->maxb > (1u << 30))
        t->maxb = 1u << 30;
    t->mem = sizeof *t + t->nbuckets * sizeof *t->buckets;
    t->mem_cap = VS__TCP_MEM_CAP;
    if (t->mem_cap / 4 < 2 * t->maxb + sizeof(flow))
        t->mem_cap = 4 * (2 * t->maxb + sizeof(flow) + VS__TCP_MAX_OOO * sizeof(seg));
    /* a seed that differs between runs and objects, against crafted bucket collisions */
    uintptr_t a = (uintptr_t)t, b = (uintptr_t)&a;
    t->seed = mix64((uint64_t)a ^ ((uint64_t)b << 17) ^ 0x9e3779b97f4a7c15ULL);
    return t;
}

void vs__tcp_free(vs__tcp *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nbuckets; i++) {
        flow *f = t->buckets[i];
        while (f) {
            flow *n = f->hnext;
            free(f->buf);
            for (vs__tcp_seg *s = f->ooo; s;) {
                vs__tcp_seg *sn = s->next;
                free(s);
                s = sn;
            }
            free(f);
            f = n;
        }
    }
    free(t->buckets);
    free(t);
}

void vs__tcp_segment(vs__tcp *t, const vs_ip *src, const vs_ip *dst, uint16_t sport, uint16_t dport,
                     uint32_t seq, uint8_t flags, const uint8_t *data, size_t len, int64_t ts_us,
                     uint64_t packet_no, bool truncated)
{
    if (!t || !src || !dst)
        return;
    if (!data)
        len = 0;
    t->stats->tcp_segments++;
    bool syn = flags & TH_SYN, fin = flags & TH_FIN, rst = flags & TH_RST;
    vs__tcp_key k;
    make_key(&k, src, dst, sport, dport);
    uint64_t h = key_hash(t, &k);
    flow *f = lookup(t, &k, h);

    if (rst) {
        /* both directions end: hand out what can be framed, then forget them */
        if (f) {
            f->cur_ts = ts_us;
            f->cur_pno = packet_no;
            flow_close(t, f);
        }
        vs__tcp_key rk;
        make_key(&rk, dst, src, dport, sport);
        uint64_t rh = key_hash(t, &rk);
        flow *r = lookup(t, &rk, rh);
        if (r)
            flow_close(t, r);
        return;
    }
    if (f && syn && (!f->syn_seen || f->isn != seq)) {
        flow_close(t, f); /* a new connection on the same addresses and ports */
        f = NULL;
    }
    if (!f) {
        if (!syn && len == 0)
            return; /* a bare ACK or FIN of a connection not tracked */
        f = flow_create(t, &k, h, src, dst, sport, dport);
        if (!f)
            return;
        if (syn) {
            f->syn_seen = true;
            f->isn = seq;
            f->next_seq = seq + 1;
        } else {
            f->midstream = true;
            f->next_seq = seq;
        }
    } else {
        lru_unlink(t, f);
        lru_push(t, f);
    }
    f->last_ts = ts_us;
    f->cur_ts = ts_us;
    f->cur_pno = packet_no;

    uint32_t dseq = syn ? seq + 1 : seq;
    if (f->state == ST_TLS) {
        t->stats->tls_bytes += len;
    } else if (vs__tcp_tracking(f)) {
        if (len || truncated)
            flow_data(t, f, dseq, data, len, truncated);
        if (fin) {
            f->fin_seen = true;
            f->fin_seq = dseq + (uint32_t)len;
        }
    }
    if (fin && !vs__tcp_tracking(f)) {
        flow_close(t, f);
        f = NULL;
    } else if (f && f->fin_seen && (seq_diff(f->next_seq, f->fin_seq) >= 0 || f->loose)) {
        flow_close(t, f);
        f = NULL;
    }
    /* the global byte budget: evict least recently used flows, never the current one */
    while (t->mem > t->mem_cap && t->lru_tail && t->lru_tail != f)
        evict(t, t->lru_tail);
}

void vs__tcp_expire(vs__tcp *t, int64_t now_us)
{
    if (!t)
        return;
    int64_t idle = t->cfg->tcp_idle_us > 0 ? t->cfg->tcp_idle_us : 0;
    if (now_us < INT64_MIN + idle)
        return;
    int64_t before = now_us - idle;
    while (t->lru_tail && t->lru_tail->last_ts < before) {
        flow *f = t->lru_tail;
        if (pending(f))
            t->stats->tcp_evicted++;
        flow_close(t, f);
    }
}

void vs__tcp_finish(vs__tcp *t)
{
    if (!t)
        return;
    while (t->lru_tail) {
        flow *f = t->lru_tail;
        if (pending(f))
            t->stats->tcp_evicted++;
        flow_close(t, f);
    }
}

/* For tests (not in tcp_reasm.h): flows tracked and bytes held, all flows together. */
void vs__tcp_usage(const vs__tcp *t, size_t *flows, size_t *bytes)
{
    *flows = t ? t->count : 0;
    *bytes = t ? t->mem : 0;
}
