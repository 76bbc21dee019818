/* A bounded hash table with least-recently-used eviction (private).
 *
 * Every table that grows with traffic (sources, users, dialogs, nonces) is one of these: its
 * memory is allocated once, at creation, for `capacity` entries, so a flood of unique keys can
 * never grow it; at the cap the least recently touched entry is evicted (an optional callback sees
 * it first) and counted. Keys are byte strings up to key_max bytes (longer keys are hashed and
 * compared on their first key_max bytes plus their length, which is enough for the addresses and
 * names used here). Values are fixed-size blobs, zeroed on creation. The hash is seeded per table
 * so that an attacker cannot aim collisions. Iteration is in least- to most-recent order, which
 * does not depend on the seed: replaying a capture gives the same output. Not thread-safe. */
#ifndef VS_CORE_LRU_H
#define VS_CORE_LRU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct vs__lru vs__lru;

typedef void (*vs__lru_fn)(void *ctx, const void *key, size_t klen, void *value);

/* NULL on allocation failure or a zero capacity. */
vs__lru *vs__lru_new(size_t capacity, size_t key_max, size_t value_size);
void vs__lru_free(vs__lru *t);

/* Called for an entry just before it is evicted at the cap or expired (not on remove/free). */
void vs__lru_on_evict(vs__lru *t, vs__lru_fn fn, void *ctx);

/* The value of key, touched at now (moved to most recent). When absent: NULL, or, with create,
 * a new zeroed value (evicting the least recent entry at the cap); *created tells which. */
void *vs__lru_get(vs__lru *t, const void *key, size_t klen, int64_t now, bool create,
                  bool *created);
/* The value of key without touching it, or NULL. */
void *vs__lru_peek(vs__lru *t, const void *key, size_t klen);
void vs__lru_remove(vs__lru *t, const void *key, size_t klen);
/* vs__lru_peek, then (when found) the value copied into out (size bytes, at most value_size)
 * and vs__lru_remove, with one lookup. True when found. */
bool vs__lru_take(vs__lru *t, const void *key, size_t klen, void *out, size_t size);
/* Evicts (with the callback) every entry last touched before `before`. */
void vs__lru_expire(vs__lru *t, int64_t before);
/* Calls fn on every entry, least recent first. fn must not add or remove entries. */
void vs__lru_foreach(vs__lru *t, vs__lru_fn fn, void *ctx);

/* A hint for a caller that knows a key some time before it looks it up (the monitor knows a
 * packet's source before it parses the SIP message): stage 0 starts loading the key's bucket;
 * stage 1, called later (once the bucket has had time to arrive), starts loading the entry the
 * bucket leads to. Lookups of large tables are memory-bound; this lets the loads overlap other
 * work. Changes nothing in the table, and is only a hint. */
void vs__lru_prefetch(const vs__lru *t, const void *key, size_t klen, int stage);

size_t vs__lru_count(const vs__lru *t);
uint64_t vs__lru_evicted(const vs__lru *t); /* evicted at the cap (not expired) */
size_t vs__lru_memory(const vs__lru *t);    /* bytes allocated */

#endif
