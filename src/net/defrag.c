/* IPv4 and IPv6 fragment reassembly.
 *
 * A train is one datagram being rebuilt, keyed by (version, source, destination, id, and for IPv4
 * the protocol). Its fragments are kept sorted by offset, each in its own allocation. The table
 * is a chained hash plus an age list (oldest first) for expiry and eviction:
 *   - at most cfg->max_fragment_trains trains: a new one evicts the oldest;
 *   - at most cfg->max_fragment_bytes bytes of fragment data: older trains are evicted to make
 *     room, and a fragment that cannot fit even then is dropped with its train;
 *   - a train older than cfg->fragment_timeout_us (packet time, from its first fragment) is
 *     dropped by vs__defrag_expire.
 * Exact duplicates are ignored. Any other overlap (the classic evasion: which copy wins differs
 * between stacks), a non-final fragment whose length is not a multiple of 8, a fragment beyond
 * the end given by the last fragment, two different ends, or a datagram longer than 65535 bytes
 * drop the whole train with a warning. Fragments of a frame cut by the snap length are dropped
 * (their bytes are missing). Dropped fragments are counted in stats.fragments_dropped. A complete
 * train is copied into one buffer and decoded by vs__decode_l4(); its table entry is gone by then,
 * so nested tunnels that fragment again may use the table freely. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/net_internal.h"

typedef struct piece {
    struct piece *next;
    uint32_t off, len;
    uint8_t data[];
} piece;

typedef struct train {
    struct train *hnext;         /* hash chain */
    struct train *older, *newer; /* age list */
    int version;
    vs_ip src, dst;
    uint32_t id;
    uint8_t proto; /* IPv4: key; IPv6: from the offset-0 fragment */
    bool have_first, have_last;
    uint32_t end; /* datagram length, known once the last fragment arrived */
    int64_t first_us;
    uint64_t last_packet;
    size_t bytes, count;
    piece *pieces; /* sorted by offset */
} train;

struct vs__defrag {
    const vs_net_config *cfg;
    vs_net_stats *stats;
    train **buckets;
    size_t nbuckets; /* power of two */
    train *oldest, *newest;
    size_t ntrains;
    size_t bytes;
};

vs__defrag *vs__defrag_new(const vs_net_config *cfg, vs_net_stats *stats)
{
    vs__defrag *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->cfg = cfg;
    d->stats = stats;
    size_t want = cfg->max_fragment_trains, n = 16;
    while (n < want && n < ((size_t)1 << 16))
        n <<= 1;
    d->nbuckets = n;
    d->buckets = calloc(n, sizeof *d->buckets);
    if (!d->buckets) {
        free(d);
        return NULL;
    }
    return d;
}

static size_t key_hash(const vs__defrag *d, int version, const vs_ip *src, const vs_ip *dst,
                       uint32_t id, uint8_t proto)
{
    uint64_t h = 1469598103934665603ull;
    size_t n = version == 4 ? 4 : 16;
    for (size_t i = 0; i < n; i++)
        h = (h ^ src->bytes[i]) * 1099511628211ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ dst->bytes[i]) * 1099511628211ull;
    h = (h ^ id) * 1099511628211ull;
    h = (h ^ (uint64_t)(version == 4 ? proto : 0)) * 1099511628211ull;
    h ^= h >> 29;
    return (size_t)h & (d->nbuckets - 1);
}

static bool key_eq(const train *t, const vs__frag *f)
{
    return t->version == f->version && t->id == f->id && vs_ip_eq(&t->src, &f->src) &&
           vs_ip_eq(&t->dst, &f->dst) && (f->version == 6 || t->proto == f->proto);
}

/* Unlinks t from the hash and the age list, frees it, and returns how many fragments it held. */
static size_t train_remove(vs__defrag *d, train *t)
{
    train **pp = &d->buckets[key_hash(d, t->version, &t->src, &t->dst, t->id, t->proto)];
    while (*pp && *pp != t)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = t->hnext;
    if (t->older)
        t->older->newer = t->newer;
    else
        d->oldest = t->newer;
    if (t->newer)
        t->newer->older = t->older;
    else
        d->newest = t->older;
    d->ntrains--;
    d->bytes -= t->bytes;
    size_t count = t->count;
    for (piece *q = t->pieces, *next; q; q = next) {
        next = q->next;
        free(q);
    }
    free(t);
    return count;
}

/* Drops a train, counting its fragments (plus `extra` more) as dropped. */
static void train_drop(vs__defrag *d, train *t, size_t extra)
{
    d->stats->fragments_dropped += train_remove(d, t) + extra;
}

void vs__defrag_free(vs__defrag *d)
{
    if (!d)
        return;
    while (d->oldest)
        train_remove(d, d->oldest);
    free(d->buckets);
    free(d);
}

static void describe(char *buf, size_t size, const vs__frag *f)
{
    char s[64], t[64];
    vs_ip_format(&f->src, s, sizeof s);
    vs_ip_format(&f->dst, t, sizeof t);
    snprintf(buf, size, "IPv%d fragment (offset %u, %zu bytes) of datagram %s > %s id 0x%x",
             f->version, f->offset, f->len, s, t, f->id);
}

/* A bogus fragment: drop it and its train, warn. */
static void bogus(vs__defrag *d, vs__pkt *p, train *t, const vs__frag *f, const char *why)
{
    char what[256];
    describe(what, sizeof what, f);
    if (t)
        train_drop(d, t, 1);
    else
        d->stats->fragments_dropped++;
    vs__net_warn(p->net, p->packet_no, "packet %llu: %s %s; the datagram is dropped",
                 (unsigned long long)p->packet_no, what, why);
}

static train *train_find(vs__defrag *d, const vs__frag *f)
{
    train *t = d->buckets[key_hash(d, f->version, &f->src, &f->dst, f->id, f->proto)];
    while (t && !key_eq(t, f))
        t = t->hnext;
    return t;
}

static train *train_create(vs__defrag *d, const vs__frag *f, int64_t now)
{
    if (d->cfg->max_fragment_trains == 0)
        return NULL;
    while (d->ntrains >= d->cfg->max_fragment_trains && d->oldest)
        train_drop(d, d->oldest, 0);
    train *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->version = f->version;
    t->src = f->src;
    t->dst = f->dst;
    t->id = f->id;
    t->proto = f->version == 4 ? f->proto : 0;
    t->first_us = now;
    size_t h = key_hash(d, t->version, &t->src, &t->dst, t->id, t->proto);
    t->hnext = d->buckets[h];
    d->buckets[h] = t;
    t->older = d->newest;
    if (d->newest)
        d->newest->newer = t;
    else
        d->oldest = t;
    d->newest = t;
    d->ntrains++;
    return t;
}

/* Rebuilds a complete train and decodes it; false when it is not complete yet. */
static bool try_complete(vs__defrag *d, vs__pkt *p, train *t)
{
    if (!t->have_last || !t->have_first)
        return false;
    uint32_t pos = 0;
    for (const piece *q = t->pieces; q; q = q->next) {
        if (q->off != pos)
            return false;
        pos = q->off + q->len;
    }
    if (pos != t->end)
        return false;
    uint8_t *buf = malloc(t->end ? t->end : 1);
    if (!buf) {
        train_drop(d, t, 0);
        return true;
    }
    for (const piece *q = t->pieces; q; q = q->next)
        memcpy(buf + q->off, q->data, q->len);
    int version = t->version;
    uint8_t proto = t->proto;
    vs_ip src = t->src, dst = t->dst;
    size_t len = t->end;
    train_remove(d, t);
    d->stats->reassembled++;
    p->rebuilt = version == 6;
    vs__decode_l4(p, version, proto, &src, &dst, buf, len);
    p->rebuilt = false;
    free(buf);
    return true;
}

void vs__defrag_add(vs__defrag *d, vs__pkt *p, const vs__frag *f)
{
    train *t = train_find(d, f);
    if (p->truncated) {
        bogus(d, p, t, f,
              "is cut short (snap length or length field), so it cannot be "
              "reassembled");
        return;
    }
    uint64_t end = (uint64_t)f->offset + f->len;
    if (end + (f->version == 4 ? 20 : 0) > VS__NET_IP_MAX) {
        bogus(d, p, t, f, "would make a datagram longer than 65535 bytes");
        return;
    }
    if (f->more && (f->len == 0 || f->len % 8 != 0)) {
        bogus(d, p, t, f, "is not the last one but its length is not a positive multiple of 8");
        return;
    }
    if (t && t->have_last && (f->more ? end > t->end : end != t->end)) {
        bogus(d, p, t, f, "does not agree with the end set by the last fragment");
        return;
    }
    if (t && !f->more && t->pieces) {
        const piece *last = t->pieces;
        while (last->next)
            last = last->next;
        if (last->off + last->len > end) {
            bogus(d, p, t, f, "ends the datagram before bytes already received");
            return;
        }
    }
    /* Overlaps: exact duplicates are ignored, anything else is refused. */
    if (t) {
        for (const piece *q = t->pieces; q; q = q->next) {
            if (q->off == f->offset && q->len == f->len) {
                if (memcmp(q->data, f->data, f->len) == 0)
                    return; /* retransmitted copy */
                bogus(d, p, t, f, "repeats an earlier fragment with different bytes");
                return;
            }
            if (f->offset < q->off + q->len && q->off < end) {
                bogus(d, p, t, f, "overlaps an earlier fragment");
                return;
            }
        }
    }
    /* Room: evict older trains, never the one this fragment belongs to. */
    size_t cap = d->cfg->max_fragment_bytes;
    while (d->bytes + f->len > cap && d->oldest && !(d->oldest == t && !t->newer)) {
        train *victim = d->oldest == t ? t->newer : d->oldest;
        train_drop(d, victim, 0);
    }
    if (d->bytes + f->len > cap) {
        if (t)
            train_drop(d, t, 1);
        else
            d->stats->fragments_dropped++;
        return;
    }
    if (!t) {
        t = train_create(d, f, p->ts_us);
        if (!t) {
            d->stats->fragments_dropped++;
            return;
        }
    }
    piece *n = malloc(sizeof *n + f->len);
    if (!n) {
        train_drop(d, t, 1);
        return;
    }
    n->off = f->offset;
    n->len = (uint32_t)f->len;
    if (f->len)
        memcpy(n->data, f->data, f->len);
    piece **pp = &t->pieces;
    while (*pp && (*pp)->off < n->off)
        pp = &(*pp)->next;
    n->next = *pp;
    *pp = n;
    t->bytes += f->len;
    t->count++;
    d->bytes += f->len;
    t->last_packet = p->packet_no;
    if (f->offset == 0) {
        t->have_first = true;
        if (f->version == 6)
            t->proto = f->proto;
    }
    if (!f->more) {
        t->have_last = true;
        t->end = (uint32_t)end;
    }
    try_complete(d, p, t);
}

void vs__defrag_expire(vs__defrag *d, vs_net *net, int64_t now_us)
{
    int64_t timeout = d->cfg->fragment_timeout_us;
    if (timeout < 0 || now_us < INT64_MIN + timeout)
        return;
    int64_t cutoff = now_us - timeout;
    while (d->oldest && d->oldest->first_us < cutoff) {
        train *t = d->oldest;
        char s[64], a[64];
        vs_ip_format(&t->src, s, sizeof s);
        vs_ip_format(&t->dst, a, sizeof a);
        uint64_t pkt = t->last_packet;
        size_t count = t->count, bytes = t->bytes;
        int version = t->version;
        uint32_t id = t->id;
        train_drop(d, t, 0);
        vs__net_warn(net, pkt,
                     "packet %llu: IPv%d datagram %s > %s id 0x%x timed out incomplete "
                     "(%zu fragments, %zu bytes dropped)",
                     (unsigned long long)pkt, version, s, a, id, count, bytes);
    }
}

void vs__defrag_finish(vs__defrag *d, vs_net *net)
{
    size_t trains = d->ntrains;
    uint64_t before = d->stats->fragments_dropped;
    while (d->oldest)
        train_drop(d, d->oldest, 0);
    if (trains)
        vs__net_warn(net, 0, "end of capture: %zu incomplete IP datagrams (%llu fragments) dropped",
                     trains, (unsigned long long)(d->stats->fragments_dropped - before));
}
