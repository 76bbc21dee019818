/* Pending requests matched to their answers (private to src/detect): a bounded table that keeps
 * what a detector needs to remember of a request until the response of the same transaction
 * arrives. Used by bruteforce.c (failed and successful logins) and weak_credential.c (accepted
 * credentials). */
#ifndef VS_DETECT_TXN_H
#define VS_DETECT_TXN_H

#include "monitor/monitor_internal.h"

/* A transaction is over after 64*T1 (RFC 3261): an entry older than that is dropped. */
#define VS__TXN_TIMEOUT_US (32 * 1000000LL)

/* New table of at most cap pending requests of value_size bytes each; NULL on out-of-memory.
 * Free it with vs__lru_free. Not thread-safe (one detector owns it). */
vs__lru *vs__txn_new(size_t cap, size_t value_size);

/* The slot for request ev (keyed by its source address and port, CSeq number and method,
 * Call-ID), created when new: the caller fills all of it. NULL when the table cannot take it.
 * Evictions at the cap are counted in m. The slot is valid until the next table call. */
void *vs__txn_request(vs__lru *t, vs__mon *m, const vs__event *ev);

/* The request response ev answers (the one whose source is the response's destination), copied
 * into out (value_size bytes) and removed: one answer per transaction, retransmissions are not
 * matched again. False when no request is pending. */
bool vs__txn_answer(vs__lru *t, const vs__event *ev, void *out, size_t value_size);

/* Drops the requests seen before now - VS__TXN_TIMEOUT_US. */
void vs__txn_expire(vs__lru *t, int64_t now);

#endif
