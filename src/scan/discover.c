/* Discovery: one epoll loop that sends an OPTIONS to every (address, port, transport) tuple and
 * tells which services answered and what they said.
 *
 * UDP is stateless, as in masscan and zmap. One unconnected socket per address family sends
 * every probe. The probe's Call-ID and Via branch carry the token
 *     vs<tuple number>.<attempt>.<send time, us since the scan began>.<MAC, 16 digits>, all hex
 * where MAC = SipHash-2-4 (libsodium crypto_shorthash) under a random per-scan key of (address,
 * port, transport, tuple number, attempt, send time). An answer is accepted only when the token
 * in its Call-ID (or, failing that, its top Via branch) verifies against the answer's source
 * address and port; the tuple number then names the target and the send time gives the round
 * trip, with no table lookup. ICMP errors come back on the socket's error queue (IP_RECVERR /
 * IPV6_RECVERR) with our original datagram, whose token is verified the same way against the
 * original destination: port unreachable is "refused", the other unreachables "unreachable".
 *
 * State kept per tuple: one bit ("done": a final status was given) in a sparse bitmap indexed by
 * tuple number (8 KiB chunks allocated when a bit in them is first set), so late or duplicate
 * answers are ignored and retries go only to silent tuples. Retries and final silence are timed
 * by a FIFO of the probes in flight (tuple number, attempt, send time): probes leave paced, all
 * with the same timeout, so the FIFO is in deadline order and holds at most rate * timeout
 * entries (capped at 4M; sending waits when it is full). When a probe's timeout passes and its
 * tuple is not done, it is queued for a retry (which goes before new probes) or, after
 * o->retries retries, the tuple is final "silent".
 *
 * Datagrams that do not verify: a SIP response with a wrong or missing token, or bytes that are
 * not SIP, make the tuple "garbage" (once) only when they come from the address and port of a UDP
 * tuple already probed; anything else is ignored, as are SIP requests and CRLF keep-alives (a
 * request is not an answer, and the real answer may follow). Provisional (1xx) answers are
 * ignored: the final answer follows.
 *
 * TCP and TLS probes are connections (discover_stream.c), started through the same pacer with at
 * most o->max_conns in flight; the two kinds of work alternate so that neither starves.
 *
 * Records: answered, garbage and tls-failed always; silent, refused, unreachable, error and
 * unresolved only for targets naming one host (a host name, one address). */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <time.h> /* before linux/errqueue.h, which uses struct timespec */
#include <linux/errqueue.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>
#include <voipsec/sip.h>

#include "scan/discover_internal.h"

#define EP_UDP4 1u
#define EP_UDP6 2u
#define MAX_RETRIES 15u
#define RING_MIN 1024u
#define RING_MAX (1u << 22)
#define SENDS_PER_TURN 256
#define READS_PER_TURN 256
#define SEND_TRIES 8            /* transient sendto failures (ENOBUFS...) before "error" */
#define CHUNK_SHIFT 16          /* bitmap chunk: 2^16 bits */
#define PROGRESS_NS 100000000   /* 100 ms */
#define TICK_NS 100000000       /* longest sleep of the loop */
#define EXPIRE_SCAN_NS 10000000 /* connections are checked for deadlines every 10 ms */
#define DGRAM_MAX 65536
#define TOKEN_MAX 80

typedef struct inflight {
    uint64_t idx;
    int64_t sent_ns;
    uint16_t attempt;
    uint16_t tries; /* transient send failures of this attempt */
} inflight;

typedef struct fifo {
    inflight *v;
    size_t cap, head, len, max;
} fifo;

struct vs__disc {
    const vs_scan_targets *t;
    const vs_scan_opts *o;
    vs_scan_result_fn on_result;
    vs_scan_progress_fn on_progress;
    void *ctx;
    vs_scan_stats *st;
    int ep;
    int udp[2]; /* IPv4, IPv6 */
    uint16_t udp_port[2];
    char udp_err[2][96]; /* why a family's socket could not open */
    int scratch[2];      /* for route lookups (local address for Via) */
    unsigned char key[crypto_shorthash_KEYBYTES];
    int64_t t0, timeout_ns, first_send, last_send, blocked_until;
    vs__pacer pacer;
    uint64_t total, done;
    uint64_t **chunks;
    size_t nchunks;
    bool oom;
    /* UDP: the walk with one tuple of lookahead, probes in flight, retries due */
    uint64_t u_cursor, u_idx, u_sent_below;
    vs__tuple u_next;
    bool u_have, u_walk_done;
    fifo ring, retry;
    /* TCP and TLS */
    uint64_t s_cursor, s_idx;
    vs__tuple s_next;
    bool s_have, s_walk_done;
    vs__streams *streams;
    bool turn;
    /* last route lookup: family, /24 or /64 prefix, local address */
    int cache_family;
    uint8_t cache_key[8];
    char cache_ip[INET6_ADDRSTRLEN];
    char buf[DGRAM_MAX + 1];
};

/* ---- small helpers ------------------------------------------------------------------------ */

__attribute__((format(printf, 3, 4))) static void set_err(char *err, size_t errlen, const char *fmt,
                                                          ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

void vs__disc_ip(const struct sockaddr *sa, char *out, size_t outlen)
{
    const void *a = sa->sa_family == AF_INET
                        ? (const void *)&((const struct sockaddr_in *)sa)->sin_addr
                        : (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
    if (!inet_ntop(sa->sa_family, a, out, (socklen_t)outlen) && outlen)
        out[0] = '\0';
}

static uint16_t sa_port(const struct sockaddr *sa)
{
    return ntohs(sa->sa_family == AF_INET ? ((const struct sockaddr_in *)sa)->sin_port
                                          : ((const struct sockaddr_in6 *)sa)->sin6_port);
}

static int fam_index(int family)
{
    return family == AF_INET6 ? 1 : 0;
}

void vs__disc_record(const vs__tuple *tp, vs_scan_result *r)
{
    memset(r, 0, sizeof(*r));
    snprintf(r->target, sizeof(r->target), "%s", tp->spec ? tp->spec : "");
    snprintf(r->host, sizeof(r->host), "%s", tp->host ? tp->host : "");
    vs__disc_ip((const struct sockaddr *)&tp->addr, r->ip, sizeof(r->ip));
    r->port = sa_port((const struct sockaddr *)&tp->addr);
    snprintf(r->transport, sizeof(r->transport), "%s", vs__transport_id(tp->transport));
    r->trunk = tp->trunk;
}

static void count_status(vs_scan_stats *st, vs_scan_status s)
{
    switch (s) {
    case VS_SCAN_ANSWERED:
        st->answered++;
        break;
    case VS_SCAN_GARBAGE:
        st->garbage++;
        break;
    case VS_SCAN_SILENT:
        st->silent++;
        break;
    case VS_SCAN_REFUSED:
        st->refused++;
        break;
    case VS_SCAN_UNREACHABLE:
        st->unreachable++;
        break;
    case VS_SCAN_UNRESOLVED:
        st->unresolved++;
        break;
    case VS_SCAN_TLS_FAILED:
        st->tls_failed++;
        break;
    case VS_SCAN_ERROR:
        st->errors++;
        break;
    }
}

void vs__disc_final(vs__disc *d, const vs__tuple *tp, vs_scan_status status, vs_scan_result *r,
                    const char *error_fmt, ...)
{
    vs_scan_result tmp;
    if (!r) {
        vs__disc_record(tp, &tmp);
        r = &tmp;
    }
    r->status = status;
    if (error_fmt) {
        va_list ap;
        va_start(ap, error_fmt);
        vsnprintf(r->error, sizeof(r->error), error_fmt, ap);
        va_end(ap);
    }
    count_status(d->st, status);
    d->done++;
    bool always =
        status == VS_SCAN_ANSWERED || status == VS_SCAN_GARBAGE || status == VS_SCAN_TLS_FAILED;
    if ((always || tp->single) && d->on_result)
        d->on_result(d->ctx, r);
}

/* ---- the done bitmap ---------------------------------------------------------------------- */

static bool bit_get(const vs__disc *d, uint64_t idx)
{
    uint64_t c = idx >> CHUNK_SHIFT;
    if (c >= d->nchunks || !d->chunks[c])
        return false;
    uint64_t w = idx & ((UINT64_C(1) << CHUNK_SHIFT) - 1);
    return (d->chunks[c][w >> 6] >> (w & 63)) & 1;
}

static void bit_set(vs__disc *d, uint64_t idx)
{
    uint64_t c = idx >> CHUNK_SHIFT;
    if (c >= d->nchunks) {
        d->oom = true; /* cannot happen: idx < bound */
        return;
    }
    if (!d->chunks[c]) {
        d->chunks[c] = calloc((UINT64_C(1) << CHUNK_SHIFT) / 64, sizeof(uint64_t));
        if (!d->chunks[c]) {
            d->oom = true;
            return;
        }
    }
    uint64_t w = idx & ((UINT64_C(1) << CHUNK_SHIFT) - 1);
    d->chunks[c][w >> 6] |= UINT64_C(1) << (w & 63);
}

/* ---- FIFOs -------------------------------------------------------------------------------- */

static bool fifo_push(fifo *f, inflight e)
{
    if (f->len == f->cap) {
        if (f->cap >= f->max)
            return false;
        size_t cap = f->cap ? f->cap * 2 : 256;
        if (cap > f->max)
            cap = f->max;
        inflight *v = malloc(cap * sizeof(*v));
        if (!v)
            return false;
        for (size_t i = 0; i < f->len; i++)
            v[i] = f->v[(f->head + i) % f->cap];
        free(f->v);
        f->v = v;
        f->cap = cap;
        f->head = 0;
    }
    f->v[(f->head + f->len) % f->cap] = e;
    f->len++;
    return true;
}

static inflight *fifo_front(fifo *f)
{
    return f->len ? &f->v[f->head] : NULL;
}

static void fifo_pop(fifo *f)
{
    if (!f->len)
        return;
    f->head = (f->head + 1) % f->cap;
    f->len--;
}

/* ---- tokens ------------------------------------------------------------------------------- */

static uint64_t token_mac(const vs__disc *d, const struct sockaddr *sa, unsigned transport,
                          uint64_t idx, unsigned attempt, uint64_t sent_us)
{
    unsigned char m[64];
    size_t n = 0;
    m[n++] = sa->sa_family == AF_INET6 ? 6 : 4;
    if (sa->sa_family == AF_INET6) {
        memcpy(m + n, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
        n += 16;
    } else {
        memcpy(m + n, &((const struct sockaddr_in *)sa)->sin_addr, 4);
        n += 4;
    }
    uint16_t port = sa_port(sa);
    m[n++] = (unsigned char)(port >> 8);
    m[n++] = (unsigned char)port;
    m[n++] = (unsigned char)transport;
    for (int i = 7; i >= 0; i--)
        m[n++] = (unsigned char)(idx >> (i * 8));
    m[n++] = (unsigned char)attempt;
    for (int i = 7; i >= 0; i--)
        m[n++] = (unsigned char)(sent_us >> (i * 8));
    unsigned char out[crypto_shorthash_BYTES];
    crypto_shorthash(out, m, n, d->key);
    uint64_t v = 0;
    for (size_t i = 0; i < sizeof(out); i++)
        v = v << 8 | out[i];
    return v;
}

static void token_make(const vs__disc *d, const struct sockaddr *sa, unsigned transport,
                       uint64_t idx, unsigned attempt, uint64_t sent_us, char *out, size_t outlen)
{
    uint64_t mac = token_mac(d, sa, transport, idx, attempt, sent_us);
    snprintf(out, outlen, "vs%" PRIx64 ".%x.%" PRIx64 ".%016" PRIx64, idx, attempt, sent_us, mac);
}

/* Strict hex of 1..16 digits (exactly 16 when exact16) from s[*i], stopping at '.' or the end. */
static bool hex_field(vs_slice s, size_t *i, bool exact16, uint64_t *out)
{
    uint64_t v = 0;
    size_t n = 0;
    while (*i < s.len && s.ptr[*i] != '.') {
        char c = s.ptr[*i];
        unsigned x;
        if (c >= '0' && c <= '9')
            x = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            x = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            x = (unsigned)(c - 'A' + 10);
        else
            return false;
        if (++n > 16)
            return false;
        v = v << 4 | x;
        (*i)++;
    }
    if (n == 0 || (exact16 && n != 16))
        return false;
    *out = v;
    return true;
}

/* Verifies a token against the address it came from (an answer's source, or an ICMP error's
 * original destination). */
static bool token_check(const vs__disc *d, vs_slice tok, const struct sockaddr *sa,
                        unsigned transport, uint64_t *idx, uint64_t *sent_us)
{
    tok = vs_slice_trim(tok);
    if (tok.len < 2 || tok.len > TOKEN_MAX || tok.ptr[0] != 'v' || tok.ptr[1] != 's')
        return false;
    size_t i = 2;
    uint64_t id, att, us, mac;
    if (!hex_field(tok, &i, false, &id) || i >= tok.len || tok.ptr[i++] != '.')
        return false;
    if (!hex_field(tok, &i, false, &att) || att > MAX_RETRIES || i >= tok.len ||
        tok.ptr[i++] != '.')
        return false;
    if (!hex_field(tok, &i, false, &us) || i >= tok.len || tok.ptr[i++] != '.')
        return false;
    if (!hex_field(tok, &i, true, &mac) || i != tok.len)
        return false;
    if (token_mac(d, sa, transport, id, (unsigned)att, us) != mac)
        return false;
    *idx = id;
    *sent_us = us;
    return true;
}

/* The token of a parsed message: Call-ID, else the top Via branch (without z9hG4bK). */
static bool msg_token(const vs__disc *d, const vs_sip_msg *m, const struct sockaddr *sa,
                      uint64_t *idx, uint64_t *sent_us)
{
    const vs_sip_header *cid = vs_sip_find(m, VS_SIP_HDR_CALL_ID);
    if (cid && token_check(d, cid->value, sa, VS_SCAN_UDP, idx, sent_us))
        return true;
    const vs_sip_header *via = vs_sip_find(m, VS_SIP_HDR_VIA);
    if (!via)
        return false;
    vs_slice rest = via->value, item;
    vs_sip_via v;
    if (!vs_sip_list_next(&rest, &item) || vs_sip_via_parse(item, &v, NULL) != VS_OK)
        return false;
    vs_slice b = v.branch;
    if (b.len > 7 && vs_slice_caseeq(vs_slice_make(b.ptr, 7), VS_LIT("z9hG4bK")))
        b = vs_slice_make(b.ptr + 7, b.len - 7);
    return token_check(d, b, sa, VS_SCAN_UDP, idx, sent_us);
}

/* ---- UDP ---------------------------------------------------------------------------------- */

static int open_udp(vs__disc *d, int family)
{
    int fi = fam_index(family);
    int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        goto fail;
    int one = 1;
    if (family == AF_INET6) {
        if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0 ||
            setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof(one)) < 0)
            goto fail;
    } else if (setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof(one)) < 0) {
        goto fail;
    }
    int rcvbuf = 4 << 20; /* best effort: answers to a fast scan come in bursts */
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    socklen_t sl;
    if (family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_addr = in6addr_any;
        sl = sizeof(*a);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_addr.s_addr = htonl(INADDR_ANY);
        sl = sizeof(*a);
    }
    if (bind(fd, (struct sockaddr *)&ss, sl) < 0 ||
        getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
        goto fail;
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = family == AF_INET6 ? EP_UDP6 : EP_UDP4};
    if (epoll_ctl(d->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
        goto fail;
    d->udp[fi] = fd;
    d->udp_port[fi] = sa_port((struct sockaddr *)&ss);
    return 0;
fail:
    snprintf(d->udp_err[fi], sizeof(d->udp_err[fi]), "no %s UDP socket: %s",
             family == AF_INET6 ? "IPv6" : "IPv4", strerror(errno));
    if (fd >= 0)
        close(fd);
    return -1;
}

/* Our address as the peer sees it, by a route lookup (connect on a UDP socket sends nothing),
 * remembered for the last /24 (IPv4) or /64 (IPv6). */
static void local_ip_for(vs__disc *d, const vs__tuple *tp, char *out, size_t outlen)
{
    int family = tp->addr.ss_family;
    int fi = fam_index(family);
    uint8_t key[8] = {0};
    if (family == AF_INET)
        memcpy(key, &((const struct sockaddr_in *)&tp->addr)->sin_addr, 3);
    else
        memcpy(key, &((const struct sockaddr_in6 *)&tp->addr)->sin6_addr, 8);
    if (d->cache_family == family && memcmp(d->cache_key, key, sizeof(key)) == 0) {
        snprintf(out, outlen, "%s", d->cache_ip);
        return;
    }
    snprintf(out, outlen, "%s", family == AF_INET ? "0.0.0.0" : "::");
    if (d->scratch[fi] < 0)
        d->scratch[fi] = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (d->scratch[fi] < 0)
        return;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    if (connect(d->scratch[fi], (const struct sockaddr *)&tp->addr, tp->addrlen) < 0 ||
        getsockname(d->scratch[fi], (struct sockaddr *)&ss, &sl) < 0)
        return;
    vs__disc_ip((struct sockaddr *)&ss, out, outlen);
    d->cache_family = family;
    memcpy(d->cache_key, key, sizeof(key));
    snprintf(d->cache_ip, sizeof(d->cache_ip), "%s", out);
}

static void udp_final(vs__disc *d, uint64_t idx, const vs__tuple *tp, vs_scan_status status,
                      const char *error)
{
    bit_set(d, idx);
    vs__disc_final(d, tp, status, NULL, "%s", error);
}

/* Sends attempt `attempt` to tuple idx. */
static void udp_send(vs__disc *d, const vs__tuple *tp, uint64_t idx, unsigned attempt,
                     unsigned tries, int64_t now)
{
    int fi = fam_index(tp->addr.ss_family);
    int fd = d->udp[fi];
    if (fd < 0) {
        udp_final(d, idx, tp, VS_SCAN_ERROR, d->udp_err[fi]);
        return;
    }
    const struct sockaddr *sa = (const struct sockaddr *)&tp->addr;
    char ip[INET6_ADDRSTRLEN], local[INET6_ADDRSTRLEN], token[TOKEN_MAX + 1], tag[17];
    vs__disc_ip(sa, ip, sizeof(ip));
    local_ip_for(d, tp, local, sizeof(local));
    uint64_t sent_us = (uint64_t)(now - d->t0) / 1000;
    token_make(d, sa, VS_SCAN_UDP, idx, attempt, sent_us, token, sizeof(token));
    snprintf(tag, sizeof(tag), "%.8s", token + strlen(token) - 8);
    vs__request rq = {
        .method = "OPTIONS",
        .from_user = "voipsec",
        .host = tp->host && *tp->host ? tp->host : ip,
        .port = sa_port(sa),
        .transport = VS_SCAN_UDP,
        .local_ip = local,
        .local_port = d->udp_port[fi],
        .branch = token,
        .call_id = token,
        .from_tag = tag,
        .cseq = 1,
        .user_agent = d->o->user_agent,
    };
    char req[2048];
    size_t len = vs__request_build(req, sizeof(req), &rq);
    if (len == 0) {
        udp_final(d, idx, tp, VS_SCAN_ERROR, "the probe does not fit 2048 bytes");
        return;
    }
    /* An ICMP error of an earlier probe is kept on the socket and may be returned by the next
     * send (which then sends nothing) and so cleared: a send failing with an ICMP-style error is
     * tried again at once; an error that belongs to this destination comes back every time. */
    ssize_t n = -1;
    for (int k = 0; k < 4; k++) {
        n = sendto(fd, req, len, MSG_DONTWAIT | MSG_NOSIGNAL, sa, tp->addrlen);
        if (n >= 0 || (errno != ECONNREFUSED && errno != EHOSTUNREACH && errno != ENETUNREACH &&
                       errno != EINTR))
            break;
    }
    if (n < 0) {
        int e = errno;
        char why[128];
        snprintf(why, sizeof(why), "sendto: %s", strerror(e));
        switch (e) {
        case EAGAIN:
#if EWOULDBLOCK != EAGAIN
        case EWOULDBLOCK:
#endif
        case ENOBUFS:
        case ENOMEM:
        case EINTR:
        case ECONNREFUSED: /* pending ICMP errors of other probes, again and again */
            if (tries + 1 < SEND_TRIES) {
                inflight r = {idx, now, (uint16_t)attempt, (uint16_t)(tries + 1)};
                if (fifo_push(&d->retry, r)) {
                    d->blocked_until = now + 1000000;
                    return;
                }
            }
            udp_final(d, idx, tp, VS_SCAN_ERROR, why);
            return;
        case ENETUNREACH:
        case EHOSTUNREACH:
            udp_final(d, idx, tp, VS_SCAN_UNREACHABLE, why);
            return;
        default:
            udp_final(d, idx, tp, VS_SCAN_ERROR, why);
            return;
        }
    }
    d->st->sent++;
    if (d->first_send == 0)
        d->first_send = now;
    d->last_send = now;
    inflight f = {idx, now, (uint16_t)attempt, 0};
    if (!fifo_push(&d->ring, f)) /* room was checked before; only memory can fail */
        d->oom = true;
}

/* Probes whose timeout passed: retry or final silence. */
static void udp_expire(vs__disc *d, int64_t now)
{
    inflight *f;
    while ((f = fifo_front(&d->ring)) && f->sent_ns + d->timeout_ns <= now) {
        inflight e = *f;
        fifo_pop(&d->ring);
        if (bit_get(d, e.idx))
            continue;
        if (e.attempt < d->o->retries) {
            inflight r = {e.idx, now, (uint16_t)(e.attempt + 1), 0};
            if (fifo_push(&d->retry, r))
                continue;
        }
        vs__tuple tp;
        if (!vs__targets_at(d->t, d->o, e.idx, &tp))
            continue;
        bit_set(d, e.idx);
        vs__disc_final(d, &tp, VS_SCAN_SILENT, NULL, "no answer within %.1f s (%u probe%s)",
                       d->o->timeout_s, e.attempt + 1u, e.attempt ? "s" : "");
    }
}

/* A datagram that did not verify, from sa: garbage when sa is a UDP tuple already probed. */
static void udp_garbage(vs__disc *d, const struct sockaddr *sa, const char *why)
{
    uint64_t idx;
    vs__tuple tp;
    if (!vs__targets_lookup(d->t, d->o, sa, VS_SCAN_UDP, d->u_sent_below, &idx) ||
        bit_get(d, idx) || !vs__targets_at(d->t, d->o, idx, &tp))
        return;
    udp_final(d, idx, &tp, VS_SCAN_GARBAGE, why);
}

static bool only_crlf(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != '\r' && p[i] != '\n' && p[i] != ' ' && p[i] != '\t' && p[i] != '\0')
            return false;
    return true;
}

static void udp_datagram(vs__disc *d, const char *buf, size_t n, const struct sockaddr *sa,
                         int64_t now)
{
    if (only_crlf(buf, n))
        return;
    vs_sip_header hs[64];
    vs_sip_msg m;
    long pl = vs_sip_parse(buf, n, &m, hs, 64, VS_SIP_OPT_LAZY);
    if (pl > 0 && m.kind == VS_SIP_REQUEST)
        return;
    if (pl > 0 && m.kind == VS_SIP_RESPONSE) {
        uint64_t idx, sent_us;
        if (!msg_token(d, &m, sa, &idx, &sent_us)) {
            udp_garbage(d, sa, "a SIP answer without our probe's Call-ID or branch");
            return;
        }
        if (bit_get(d, idx) || m.status < 200)
            return;
        vs__tuple tp;
        if (!vs__targets_at(d->t, d->o, idx, &tp))
            return;
        vs_scan_result r;
        vs__disc_record(&tp, &r);
        if (!vs__answer_read(buf, n, NULL, &r)) {
            udp_garbage(d, sa, "an answer that is not a SIP response");
            return;
        }
        double now_us = (double)(now - d->t0) / 1e3;
        r.rtt_ms = now_us > (double)sent_us ? (now_us - (double)sent_us) / 1e3 : 0;
        bit_set(d, idx);
        vs__disc_final(d, &tp, VS_SCAN_ANSWERED, &r, NULL);
        return;
    }
    char why[96];
    snprintf(why, sizeof(why), "an answer that is not SIP (%zu bytes)", n);
    udp_garbage(d, sa, why);
}

/* ICMP errors on the error queue. */
static void udp_errqueue(vs__disc *d, int fi)
{
    for (int i = 0; i < READS_PER_TURN; i++) {
        char payload[4096];
        union {
            char buf[512];
            struct cmsghdr align;
        } ctl;
        struct sockaddr_storage dst;
        struct iovec iov = {payload, sizeof(payload)};
        struct msghdr mh = {0};
        mh.msg_name = &dst;
        mh.msg_namelen = sizeof(dst);
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = ctl.buf;
        mh.msg_controllen = sizeof(ctl.buf);
        ssize_t n = recvmsg(d->udp[fi], &mh, MSG_ERRQUEUE | MSG_DONTWAIT);
        if (n < 0)
            return;
        const struct sock_extended_err *ee = NULL;
        for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
            if ((cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_RECVERR) ||
                (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_RECVERR))
                ee = (const struct sock_extended_err *)CMSG_DATA(cm);
        }
        if (!ee || (ee->ee_origin != SO_EE_ORIGIN_ICMP && ee->ee_origin != SO_EE_ORIGIN_ICMP6))
            continue;
        vs_scan_status status;
        if (ee->ee_errno == ECONNREFUSED)
            status = VS_SCAN_REFUSED;
        else if (ee->ee_errno == EHOSTUNREACH || ee->ee_errno == ENETUNREACH ||
                 ee->ee_errno == EACCES || ee->ee_errno == EHOSTDOWN || ee->ee_errno == ENONET ||
                 ee->ee_errno == ENOPROTOOPT || ee->ee_errno == EPROTO)
            status = VS_SCAN_UNREACHABLE;
        else
            continue; /* fragmentation needed and the like: not an answer */
        vs_sip_header hs[32];
        vs_sip_msg m;
        uint64_t idx, sent_us;
        if (vs_sip_parse(payload, (size_t)n, &m, hs, 32, VS_SIP_OPT_LAZY) <= 0 ||
            m.kind != VS_SIP_REQUEST || !vs_sip_find(&m, VS_SIP_HDR_CALL_ID) ||
            !token_check(d, vs_sip_find(&m, VS_SIP_HDR_CALL_ID)->value,
                         (const struct sockaddr *)&dst, VS_SCAN_UDP, &idx, &sent_us))
            continue;
        vs__tuple tp;
        if (bit_get(d, idx) || !vs__targets_at(d->t, d->o, idx, &tp))
            continue;
        char from[INET6_ADDRSTRLEN] = "";
        const struct sockaddr *off = SO_EE_OFFENDER(ee);
        if (off->sa_family == AF_INET || off->sa_family == AF_INET6)
            vs__disc_ip(off, from, sizeof(from));
        char why[160];
        if (status == VS_SCAN_REFUSED)
            snprintf(why, sizeof(why), "ICMP port unreachable%s%s", *from ? " from " : "", from);
        else
            snprintf(why, sizeof(why), "ICMP unreachable (%s)%s%s", strerror(ee->ee_errno),
                     *from ? " from " : "", from);
        udp_final(d, idx, &tp, status, why);
    }
}

static void udp_readable(vs__disc *d, int fi, uint32_t events)
{
    if (events & EPOLLERR)
        udp_errqueue(d, fi);
    if (!(events & EPOLLIN))
        return;
    for (int i = 0; i < READS_PER_TURN; i++) {
        struct sockaddr_storage from;
        socklen_t fl = sizeof(from);
        ssize_t n =
            recvfrom(d->udp[fi], d->buf, DGRAM_MAX, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            if (errno == EINTR || errno == ECONNREFUSED || errno == EHOSTUNREACH ||
                errno == ENETUNREACH)
                continue; /* a pending ICMP error: the error queue has it */
            return;
        }
        if (from.ss_family != AF_INET && from.ss_family != AF_INET6)
            continue;
        udp_datagram(d, d->buf, (size_t)n, (struct sockaddr *)&from, vs__now_ns());
    }
}

/* ---- the loop ----------------------------------------------------------------------------- */

static void refill(vs__disc *d)
{
    if (!d->u_have && !d->u_walk_done) {
        if (vs__targets_next_of(d->t, d->o, VS_SCAN_UDP, &d->u_cursor, &d->u_next)) {
            d->u_have = true;
            d->u_idx = d->u_cursor - 1;
        } else {
            d->u_walk_done = true;
        }
    }
    if (!d->s_have && !d->s_walk_done) {
        if (vs__targets_next_of(d->t, d->o, VS_SCAN_TCP | VS_SCAN_TLS, &d->s_cursor, &d->s_next)) {
            d->s_have = true;
            d->s_idx = d->s_cursor - 1;
        } else {
            d->s_walk_done = true;
        }
    }
}

static bool udp_ready(const vs__disc *d, int64_t now)
{
    return now >= d->blocked_until && d->ring.len < d->ring.max && (d->retry.len || d->u_have);
}

static bool stream_ready(const vs__disc *d)
{
    return d->s_have && d->streams && vs__streams_can_start(d->streams);
}

/* Sends what the pacer allows. Returns the ns until the pacer allows the next, 0 when the turn's
 * budget ran out, -1 when nothing waits to be sent. */
static int64_t send_some(vs__disc *d, int64_t now)
{
    for (int i = 0; i < SENDS_PER_TURN; i++) {
        refill(d);
        bool u = udp_ready(d, now), s = stream_ready(d);
        if (!u && !s)
            return -1;
        int64_t wait;
        if (!vs__pacer_take(&d->pacer, now, &wait))
            return wait;
        bool do_udp = u && (!s || d->turn);
        d->turn = !d->turn;
        if (do_udp) {
            inflight *r = fifo_front(&d->retry);
            if (r) {
                inflight e = *r;
                fifo_pop(&d->retry);
                vs__tuple tp;
                if (!bit_get(d, e.idx) && vs__targets_at(d->t, d->o, e.idx, &tp))
                    udp_send(d, &tp, e.idx, e.attempt, e.tries, now);
            } else {
                d->u_have = false;
                d->u_sent_below = d->u_idx + 1;
                udp_send(d, &d->u_next, d->u_idx, 0, 0, now);
            }
        } else {
            if (vs__streams_start(d->streams, &d->s_next, d->s_idx, now))
                d->s_have = false;
        }
        if (d->oom)
            return 0;
    }
    return 0;
}

static bool finished(const vs__disc *d)
{
    return d->u_walk_done && !d->u_have && d->ring.len == 0 && d->retry.len == 0 &&
           d->s_walk_done && !d->s_have && (!d->streams || vs__streams_active(d->streams) == 0);
}

static void report_unresolved(vs__disc *d)
{
    const char *spec, *host, *why;
    bool trunk;
    for (size_t i = 0; vs__targets_unresolved_ex(d->t, i, &spec, &host, &why, &trunk); i++) {
        vs_scan_result r;
        memset(&r, 0, sizeof(r));
        snprintf(r.target, sizeof(r.target), "%s", spec);
        snprintf(r.host, sizeof(r.host), "%s", host);
        r.trunk = trunk;
        r.status = VS_SCAN_UNRESOLVED;
        snprintf(r.error, sizeof(r.error), "the name did not resolve: %s", why);
        d->st->unresolved++;
        if (d->on_result)
            d->on_result(d->ctx, &r);
    }
}

static void disc_free(vs__disc *d)
{
    if (!d)
        return;
    vs__streams_free(d->streams);
    for (int i = 0; i < 2; i++) {
        if (d->udp[i] >= 0)
            close(d->udp[i]);
        if (d->scratch[i] >= 0)
            close(d->scratch[i]);
    }
    if (d->ep >= 0)
        close(d->ep);
    for (size_t i = 0; i < d->nchunks; i++)
        free(d->chunks[i]);
    free(d->chunks);
    free(d->ring.v);
    free(d->retry.v);
    sodium_memzero(d->key, sizeof(d->key));
    free(d);
}

vs_rc vs__discover(const vs_scan_targets *t, const vs_scan_opts *o, vs_scan_result_fn on_result,
                   vs_scan_progress_fn on_progress, void *ctx, vs_scan_stats *stats, char *err,
                   size_t errlen)
{
    vs_scan_stats dummy;
    if (!stats)
        stats = &dummy;
    if (!t || !o) {
        set_err(err, errlen, "no targets or no options");
        return VS_E_INVAL;
    }
    if (!(o->rate > 0) || !isfinite(o->rate)) {
        set_err(err, errlen, "the rate must be a positive number of probes per second");
        return VS_E_INVAL;
    }
    if (!(o->timeout_s > 0) || o->timeout_s > 3600) {
        set_err(err, errlen, "the timeout must be above 0 and at most 3600 seconds");
        return VS_E_INVAL;
    }
    if (o->retries > MAX_RETRIES) {
        set_err(err, errlen, "at most %u retries", MAX_RETRIES);
        return VS_E_INVAL;
    }
    if (o->nports > 16) {
        set_err(err, errlen, "at most 16 ports");
        return VS_E_INVAL;
    }
    for (size_t i = 0; i < o->nports; i++) {
        if (o->ports[i] == 0) {
            set_err(err, errlen, "port 0 cannot be scanned");
            return VS_E_INVAL;
        }
    }
    uint64_t udp_total = vs__targets_tuples_of(t, o, VS_SCAN_UDP);
    uint64_t stream_total = vs__targets_tuples_of(t, o, VS_SCAN_TCP | VS_SCAN_TLS);
    if (stream_total && o->max_conns == 0) {
        set_err(err, errlen, "max_conns must be at least 1 for TCP and TLS probes");
        return VS_E_INVAL;
    }
    if (sodium_init() < 0) {
        set_err(err, errlen, "libsodium could not start");
        return VS_E_IO;
    }

    vs_rc rc = VS_OK;
    vs__disc *d = calloc(1, sizeof(*d));
    if (!d) {
        set_err(err, errlen, "out of memory");
        return VS_E_NOMEM;
    }
    d->t = t;
    d->o = o;
    d->on_result = on_result;
    d->on_progress = on_progress;
    d->ctx = ctx;
    d->st = stats;
    d->ep = d->udp[0] = d->udp[1] = d->scratch[0] = d->scratch[1] = -1;
    d->timeout_ns = (int64_t)(o->timeout_s * 1e9);
    randombytes_buf(d->key, sizeof(d->key));

    stats->addresses = vs_scan_targets_addresses(t);
    stats->probes = udp_total + stream_total;
    stats->sent = stats->connects = 0;
    stats->answered = stats->garbage = stats->silent = stats->refused = stats->unreachable = 0;
    stats->unresolved = stats->tls_failed = stats->errors = 0;
    stats->send_seconds = 0;
    d->total = udp_total + stream_total;

    d->ep = epoll_create1(EPOLL_CLOEXEC);
    if (d->ep < 0) {
        set_err(err, errlen, "epoll: %s", strerror(errno));
        rc = VS_E_IO;
        goto out;
    }
    if (udp_total) {
        uint64_t bound = vs__targets_index_bound(t, o);
        d->nchunks = (size_t)((bound >> CHUNK_SHIFT) + 1);
        d->chunks = calloc(d->nchunks, sizeof(*d->chunks));
        double ring = o->rate * o->timeout_s * 2 + RING_MIN;
        d->ring.max = ring > RING_MAX ? RING_MAX : (size_t)ring;
        d->retry.max = d->ring.max;
        if (!d->chunks) {
            set_err(err, errlen, "out of memory for %" PRIu64 " tuples", bound);
            rc = VS_E_NOMEM;
            goto out;
        }
        if (open_udp(d, AF_INET) < 0) {
            set_err(err, errlen, "%s", d->udp_err[0]);
            rc = VS_E_IO;
            goto out;
        }
        (void)open_udp(d, AF_INET6); /* without IPv6, IPv6 tuples end as "error" */
    } else {
        d->u_walk_done = true;
    }
    if (stream_total) {
        d->streams = vs__streams_new(d, d->ep, o, stats, err, errlen);
        if (!d->streams) {
            rc = VS_E_NOMEM;
            goto out;
        }
    } else {
        d->s_walk_done = true;
    }

    d->t0 = vs__now_ns();
    vs__pacer_init(&d->pacer, o->rate, d->t0);
    report_unresolved(d);
    int64_t next_progress = d->t0 + PROGRESS_NS;
    int64_t next_expire = d->t0;
    int64_t conn_deadline = INT64_MAX;
    if (on_progress)
        on_progress(ctx, 0, d->total);

    while (!finished(d) && !d->oom) {
        int64_t now = vs__now_ns();
        udp_expire(d, now);
        if (d->streams && now >= next_expire) {
            conn_deadline = vs__streams_expire(d->streams, now);
            next_expire = now + EXPIRE_SCAN_NS;
        }
        int64_t pace = send_some(d, now);
        now = vs__now_ns();
        if (now >= next_progress) {
            if (on_progress)
                on_progress(ctx, d->done, d->total);
            next_progress = now + PROGRESS_NS;
        }
        if (finished(d) || d->oom)
            break;
        int64_t wake = now + TICK_NS;
        if (pace >= 0 && now + pace < wake)
            wake = now + pace;
        if (d->blocked_until > now && d->blocked_until < wake)
            wake = d->blocked_until;
        inflight *f = fifo_front(&d->ring);
        if (f && f->sent_ns + d->timeout_ns < wake)
            wake = f->sent_ns + d->timeout_ns;
        if (d->streams && vs__streams_active(d->streams)) {
            if (conn_deadline < wake)
                wake = conn_deadline;
            if (next_expire < wake)
                wake = next_expire;
        }
        if (next_progress < wake)
            wake = next_progress;
        int64_t ms = wake > now ? (wake - now + 999999) / 1000000 : 0;
        struct epoll_event evs[64];
        int n = epoll_wait(d->ep, evs, 64, (int)ms);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            set_err(err, errlen, "epoll_wait: %s", strerror(errno));
            rc = VS_E_IO;
            goto out;
        }
        now = vs__now_ns();
        for (int i = 0; i < n; i++) {
            uint64_t tag = evs[i].data.u64;
            if (tag == EP_UDP4 || tag == EP_UDP6)
                udp_readable(d, tag == EP_UDP6 ? 1 : 0, evs[i].events);
            else if (tag >= VS__EP_CONN && d->streams)
                vs__streams_event(d->streams, (size_t)(tag - VS__EP_CONN), evs[i].events, now);
        }
    }
    if (d->oom) {
        set_err(err, errlen, "out of memory during the scan");
        rc = VS_E_NOMEM;
        goto out;
    }
    if (on_progress)
        on_progress(ctx, d->done, d->total);
out:
    if (d->last_send > d->first_send)
        stats->send_seconds = (double)(d->last_send - d->first_send) / 1e9;
    disc_free(d);
    return rc;
}
