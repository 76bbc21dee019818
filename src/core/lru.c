/* Bounded LRU hash table (see lru.h). One slab of fixed-size entries, a bucket array of entry
 * indices with chaining through the entries, a free list, and an intrusive doubly linked list in
 * recency order. Entry layout: header, then key_max key bytes, then the value, aligned to 8. */
#include "core/lru.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define NIL UINT32_MAX

typedef struct entry_hdr {
    uint32_t hnext; /* next in bucket chain, or free list */
    uint32_t prev, next; /* recency list */
    uint32_t klen;
    uint64_t hash;
    int64_t touched;
} entry_hdr;

struct vs__lru {
    size_t capacity, key_max, value_size, entry_size;
    size_t count;
    uint64_t evicted;
    uint64_t seed;
    uint32_t nbuckets; /* power of two */
    uint32_t *buckets;
    unsigned char *slab;
    uint32_t free_head;  /* released entries */
    uint32_t high_water; /* entries never used yet start here: the slab is touched only as the
                            table fills, so an idle table costs no resident memory */
    uint32_t oldest, newest;
    vs__lru_fn on_evict;
    void *evict_ctx;
};

static inline entry_hdr *at(const vs__lru *t, uint32_t i)
{
    return (entry_hdr *)(void *)(t->slab + (size_t)i * t->entry_size);
}

static inline unsigned char *key_of(entry_hdr *e)
{
    return (unsigned char *)(e + 1);
}

static inline void *value_of(const vs__lru *t, entry_hdr *e)
{
    return key_of(e) + ((t->key_max + 7) & ~(size_t)7);
}

/* 64-bit seeded hash: a multiply-xorshift over 8-byte words (fast, well mixed, not cryptographic;
 * the per-table random seed is what keeps collisions out of an attacker's reach). */
static uint64_t hash_bytes(const void *p, size_t n, uint64_t seed)
{
    const unsigned char *b = p;
    uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ull);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, b, 8);
        h ^= w * 0xbf58476d1ce4e5b9ull;
        h = (h << 27 | h >> 37) * 0x94d049bb133111ebull;
        b += 8;
        n -= 8;
    }
    /* the n < 8 remaining bytes as one word, b[i] at bits 8i, put together in a register byte
     * by byte: keys are built by the callers just before (family byte, then the address...), and
     * a wider load spanning several of those stores would wait for them to reach the cache (a
     * failed store forwarding, a dozen cycles on every lookup of a 5-byte IPv4 key) */
    uint64_t w = 0;
    for (size_t i = 0; i < n; i++)
        w |= (uint64_t)b[i] << (8 * i);
    h ^= w * 0xbf58476d1ce4e5b9ull;
    h ^= h >> 31;
    h *= 0x94d049bb133111ebull;
    h ^= h >> 29;
    return h;
}

static uint64_t random_seed(void)
{
    uint64_t s = 0;
    if (getrandom(&s, sizeof s, GRND_NONBLOCK) != (ssize_t)sizeof s)
        s = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)&s;
    return s;
}

vs__lru *vs__lru_new(size_t capacity, size_t key_max, size_t value_size)
{
    if (capacity == 0 || capacity >= NIL / 2 || key_max == 0)
        return NULL;
    vs__lru *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->capacity = capacity;
    t->key_max = key_max;
    t->value_size = value_size;
    t->entry_size = sizeof(entry_hdr) + ((key_max + 7) & ~(size_t)7) + ((value_size + 7) & ~(size_t)7);
    uint32_t nb = 16;
    while (nb < capacity * 2)
        nb <<= 1;
    t->nbuckets = nb;
    t->buckets = malloc(sizeof *t->buckets * nb);
    t->slab = calloc(capacity, t->entry_size);
    if (!t->buckets || !t->slab) {
        vs__lru_free(t);
        return NULL;
    }
    memset(t->buckets, 0xff, sizeof *t->buckets * nb);
    t->free_head = NIL;
    t->high_water = 0;
    t->oldest = t->newest = NIL;
    t->seed = random_seed();
    return t;
}

void vs__lru_free(vs__lru *t)
{
    if (!t)
        return;
    free(t->buckets);
    free(t->slab);
    free(t);
}

void vs__lru_on_evict(vs__lru *t, vs__lru_fn fn, void *ctx)
{
    t->on_evict = fn;
    t->evict_ctx = ctx;
}

static void list_unlink(vs__lru *t, uint32_t i)
{
    entry_hdr *e = at(t, i);
    if (e->prev != NIL)
        at(t, e->prev)->next = e->next;
    else
        t->oldest = e->next;
    if (e->next != NIL)
        at(t, e->next)->prev = e->prev;
    else
        t->newest = e->prev;
    e->prev = e->next = NIL;
}

static void list_push_newest(vs__lru *t, uint32_t i)
{
    entry_hdr *e = at(t, i);
    e->prev = t->newest;
    e->next = NIL;
    if (t->newest != NIL)
        at(t, t->newest)->next = i;
    else
        t->oldest = i;
    t->newest = i;
}

static uint32_t find(const vs__lru *t, const void *key, size_t klen, uint64_t h)
{
    size_t kl = klen < t->key_max ? klen : t->key_max;
    for (uint32_t i = t->buckets[h & (t->nbuckets - 1)]; i != NIL; i = at(t, i)->hnext) {
        entry_hdr *e = at(t, i);
        if (e->hash == h && e->klen == klen && memcmp(key_of(e), key, kl) == 0)
            return i;
    }
    return NIL;
}

static void unlink_bucket(vs__lru *t, uint32_t i)
{
    entry_hdr *e = at(t, i);
    uint32_t *pp = &t->buckets[e->hash & (t->nbuckets - 1)];
    while (*pp != NIL && *pp != i)
        pp = &at(t, *pp)->hnext;
    if (*pp == i)
        *pp = e->hnext;
}

static void release(vs__lru *t, uint32_t i, bool notify)
{
    entry_hdr *e = at(t, i);
    if (notify && t->on_evict)
        t->on_evict(t->evict_ctx, key_of(e), e->klen < t->key_max ? e->klen : t->key_max,
                    value_of(t, e));
    unlink_bucket(t, i);
    list_unlink(t, i);
    e->hnext = t->free_head;
    t->free_head = i;
    t->count--;
}

void *vs__lru_get(vs__lru *t, const void *key, size_t klen, int64_t now, bool create,
                  bool *created)
{
    if (created)
        *created = false;
    uint64_t h = hash_bytes(key, klen < t->key_max ? klen : t->key_max, t->seed) ^ klen;
    uint32_t i = find(t, key, klen, h);
    if (i != NIL) {
        entry_hdr *e = at(t, i);
        e->touched = now;
        list_unlink(t, i);
        list_push_newest(t, i);
        return value_of(t, e);
    }
    if (!create)
        return NULL;
    entry_hdr *e;
    if (t->free_head == NIL && t->high_water < t->capacity) {
        i = t->high_water++;
        e = at(t, i);
    } else {
        if (t->free_head == NIL) {
            release(t, t->oldest, true);
            t->evicted++;
        }
        i = t->free_head;
        e = at(t, i);
        t->free_head = e->hnext;
    }
    size_t kl = klen < t->key_max ? klen : t->key_max;
    memcpy(key_of(e), key, kl);
    e->klen = (uint32_t)klen;
    e->hash = h;
    e->touched = now;
    memset(value_of(t, e), 0, t->value_size);
    uint32_t *b = &t->buckets[h & (t->nbuckets - 1)];
    e->hnext = *b;
    *b = i;
    list_push_newest(t, i);
    t->count++;
    if (created)
        *created = true;
    return value_of(t, e);
}

void *vs__lru_peek(vs__lru *t, const void *key, size_t klen)
{
    uint64_t h = hash_bytes(key, klen < t->key_max ? klen : t->key_max, t->seed) ^ klen;
    uint32_t i = find(t, key, klen, h);
    return i == NIL ? NULL : value_of(t, at(t, i));
}

void vs__lru_prefetch(const vs__lru *t, const void *key, size_t klen, int stage)
{
    uint64_t h = hash_bytes(key, klen < t->key_max ? klen : t->key_max, t->seed) ^ klen;
    const uint32_t *b = &t->buckets[h & (t->nbuckets - 1)];
    if (stage == 0) {
        __builtin_prefetch(b);
        return;
    }
    if (*b != NIL) {
        const unsigned char *e = (const unsigned char *)at(t, *b);
        __builtin_prefetch(e);                     /* header and key */
        __builtin_prefetch(e + t->entry_size - 1); /* the end of the value */
    }
}

void vs__lru_remove(vs__lru *t, const void *key, size_t klen)
{
    uint64_t h = hash_bytes(key, klen < t->key_max ? klen : t->key_max, t->seed) ^ klen;
    uint32_t i = find(t, key, klen, h);
    if (i != NIL)
        release(t, i, false);
}

bool vs__lru_take(vs__lru *t, const void *key, size_t klen, void *out, size_t size)
{
    uint64_t h = hash_bytes(key, klen < t->key_max ? klen : t->key_max, t->seed) ^ klen;
    uint32_t i = find(t, key, klen, h);
    if (i == NIL)
        return false;
    memcpy(out, value_of(t, at(t, i)), size < t->value_size ? size : t->value_size);
    release(t, i, false);
    return true;
}

void vs__lru_expire(vs__lru *t, int64_t before)
{
    while (t->oldest != NIL && at(t, t->oldest)->touched < before)
        release(t, t->oldest, true);
}

void vs__lru_foreach(vs__lru *t, vs__lru_fn fn, void *ctx)
{
    for (uint32_t i = t->oldest; i != NIL; i = at(t, i)->next) {
        entry_hdr *e = at(t, i);
        fn(ctx, key_of(e), e->klen < t->key_max ? e->klen : t->key_max, value_of(t, e));
    }
}

size_t vs__lru_count(const vs__lru *t)
{
    return t->count;
}

uint64_t vs__lru_evicted(const vs__lru *t)
{
    return t->evicted;
}

size_t vs__lru_memory(const vs__lru *t)
{
    return sizeof *t + sizeof *t->buckets * t->nbuckets + t->capacity * t->entry_size;
}
