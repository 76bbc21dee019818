/* Pending-request table (see txn.h).
 *
 * Design: a request and its answer share Call-ID, CSeq number and method; the answer travels
 * back to the requester, so the request is keyed by its source and the response looked up by its
 * destination. The key is address, port, CSeq, method (16 bytes at most) and Call-ID (cut to fit
 * TXN_KEY_MAX); the table is an LRU (core/lru.h) capped by the caller, so a flood of requests
 * that are never answered only pushes out the oldest. */
#include "detect/txn.h"

#include <string.h>

#define TXN_KEY_MAX 160
#define METHOD_MAX 16

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* Transaction key: requester address and port, CSeq number and method, Call-ID. */
static size_t txn_key(unsigned char *k, const vs_ip *ip, uint16_t port, const vs__event *ev)
{
    size_t n = vs__ip_key(ip, k);
    memcpy(k + n, &port, 2);
    n += 2;
    memcpy(k + n, &ev->cseq, 4);
    n += 4;
    size_t ml = min_size(ev->method_text.len, METHOD_MAX);
    k[n++] = (unsigned char)ml;
    if (ml)
        memcpy(k + n, ev->method_text.ptr, ml);
    n += ml;
    size_t cl = min_size(ev->call_id.len, TXN_KEY_MAX - n);
    if (cl)
        memcpy(k + n, ev->call_id.ptr, cl);
    return n + cl;
}

vs__lru *vs__txn_new(size_t cap, size_t value_size)
{
    return vs__lru_new(cap, TXN_KEY_MAX, value_size);
}

void *vs__txn_request(vs__lru *t, vs__mon *m, const vs__event *ev)
{
    unsigned char key[TXN_KEY_MAX];
    size_t kn = txn_key(key, &ev->pl->src, ev->pl->sport, ev);
    bool created;
    void *p = vs__monitor_lru_get(m, t, key, kn, ev->ts, true, &created);
    return p;
}

bool vs__txn_answer(vs__lru *t, const vs__event *ev, void *out, size_t value_size)
{
    unsigned char key[TXN_KEY_MAX];
    size_t kn = txn_key(key, &ev->pl->dst, ev->pl->dport, ev);
    return vs__lru_take(t, key, kn, out, value_size);
}

void vs__txn_expire(vs__lru *t, int64_t now)
{
    vs__lru_expire(t, now - VS__TXN_TIMEOUT_US);
}
