/* Discovery over TCP and TLS: one non-blocking connection per tuple, driven by the epoll loop of
 * discover.c, at most max_conns at once (and fewer when the process runs out of descriptors:
 * new connections then wait until one ends).
 *
 * Each connection walks CONNECT -> (TLS: HANDSHAKE) -> SEND -> READ, and every phase has its own
 * deadline of o->timeout_s. The OPTIONS goes out once connected (after the handshake for TLS, with
 * SNI set to the host name when the target named one); the answer is framed with
 * vs_sip_stream_frame, provisional answers are skipped, the final one is read with
 * vs__answer_read and must carry our Call-ID. Outcomes:
 *   connect refused (RST)                      refused
 *   no route, host or network unreachable      unreachable
 *   connect timed out                          silent  "no TCP answer ..."
 *   handshake failed, closed or reset          tls-failed (with OpenSSL's reason)
 *   handshake stalled past the timeout         tls-failed "TLS handshake stalled ..."
 *   connected, closed or reset, nothing said   silent  "connected, closed without a SIP answer"
 *   connected, nothing said within the timeout silent  "connected, no SIP answer within ..."
 *   bytes that do not frame or are not a SIP
 *   response to our probe, or stop mid-answer  garbage
 *   a final SIP response with our Call-ID      answered (TLS: version and cipher recorded)
 *   socket() or epoll failures                 error
 * OpenSSL writes through a BIO of our own that sends with MSG_NOSIGNAL, so a peer that resets the
 * connection cannot raise SIGPIPE in the caller's process. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sodium.h>
#include <voipsec/sip.h>

#include "scan/discover_internal.h"

#define MAX_CONNS_CAP 4096u
#define IN_MAX 65536u

enum { ST_FREE = 0, ST_CONNECT, ST_HANDSHAKE, ST_SEND, ST_READ };

typedef struct conn {
    int fd;
    int state;
    uint64_t idx;
    vs__tuple tp;
    SSL *ssl;
    int64_t deadline, sent_ns;
    uint32_t events; /* registered with epoll */
    char call_id[48];
    char req[2048];
    size_t req_len, req_off;
    char *in;
    size_t in_len;
    uint64_t got; /* bytes received in all */
    char tls_version[16], tls_cipher[64];
} conn;

struct vs__streams {
    vs__disc *d;
    int ep;
    const vs_scan_opts *o;
    vs_scan_stats *st;
    SSL_CTX *ctx;
    BIO_METHOD *bm;
    conn *c;
    size_t cap, active;
    size_t *free_slots;
    size_t nfree;
    bool fd_exhausted;
    int64_t timeout_ns;
};

/* ---- a socket BIO that never raises SIGPIPE ---------------------------------------------- */

static int bio_write(BIO *b, const char *buf, int len)
{
    int fd = *(int *)BIO_get_data(b);
    BIO_clear_retry_flags(b);
    ssize_t n = send(fd, buf, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        BIO_set_retry_write(b);
    return (int)n;
}

static int bio_read(BIO *b, char *buf, int len)
{
    int fd = *(int *)BIO_get_data(b);
    BIO_clear_retry_flags(b);
    ssize_t n = recv(fd, buf, (size_t)len, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        BIO_set_retry_read(b);
    return (int)n;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)b;
    (void)num;
    (void)ptr;
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int bio_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static int bio_destroy(BIO *b)
{
    (void)b;
    return 1; /* the descriptor belongs to the connection */
}

static BIO_METHOD *bio_method_new(void)
{
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "voipsec-scan");
    if (!m)
        return NULL;
    if (!BIO_meth_set_write(m, bio_write) || !BIO_meth_set_read(m, bio_read) ||
        !BIO_meth_set_ctrl(m, bio_ctrl) || !BIO_meth_set_create(m, bio_create) ||
        !BIO_meth_set_destroy(m, bio_destroy)) {
        BIO_meth_free(m);
        return NULL;
    }
    return m;
}

/* ---- life of the engine ------------------------------------------------------------------- */

vs__streams *vs__streams_new(vs__disc *d, int ep, const vs_scan_opts *o, vs_scan_stats *st,
                             char *err, size_t errlen)
{
    size_t cap = o->max_conns > MAX_CONNS_CAP ? MAX_CONNS_CAP : o->max_conns;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
        size_t room = rl.rlim_cur > 64 ? (size_t)rl.rlim_cur - 32 : 1;
        if (cap > room)
            cap = room;
    }
    if (cap == 0)
        cap = 1;
    vs__streams *s = calloc(1, sizeof(*s));
    if (!s)
        goto nomem;
    s->d = d;
    s->ep = ep;
    s->o = o;
    s->st = st;
    s->cap = cap;
    s->timeout_ns = (int64_t)(o->timeout_s * 1e9);
    s->c = calloc(cap, sizeof(*s->c));
    s->free_slots = calloc(cap, sizeof(*s->free_slots));
    s->bm = bio_method_new();
    if (!s->c || !s->free_slots || !s->bm)
        goto nomem;
    for (size_t i = 0; i < cap; i++) {
        s->c[i].fd = -1;
        s->free_slots[s->nfree++] = cap - 1 - i;
    }
    return s;
nomem:
    if (err && errlen)
        snprintf(err, errlen, "out of memory for %zu connections", cap);
    vs__streams_free(s);
    return NULL;
}

static void conn_close(vs__streams *s, conn *c)
{
    if (c->state == ST_FREE)
        return;
    if (c->ssl)
        SSL_free(c->ssl); /* frees the BIO too */
    c->ssl = NULL;
    if (c->fd >= 0) {
        epoll_ctl(s->ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
    }
    c->fd = -1;
    c->state = ST_FREE;
    s->free_slots[s->nfree++] = (size_t)(c - s->c);
    s->active--;
    s->fd_exhausted = false;
}

void vs__streams_free(vs__streams *s)
{
    if (!s)
        return;
    if (s->c) {
        for (size_t i = 0; i < s->cap; i++) {
            conn_close(s, &s->c[i]);
            free(s->c[i].in);
        }
    }
    free(s->c);
    free(s->free_slots);
    if (s->bm)
        BIO_meth_free(s->bm);
    SSL_CTX_free(s->ctx);
    free(s);
}

bool vs__streams_can_start(const vs__streams *s)
{
    return s && s->nfree > 0 && !s->fd_exhausted;
}

size_t vs__streams_active(const vs__streams *s)
{
    return s ? s->active : 0;
}

/* ---- outcomes ----------------------------------------------------------------------------- */

static void fill_tls(const conn *c, vs_scan_result *r)
{
    snprintf(r->tls_version, sizeof(r->tls_version), "%s", c->tls_version);
    snprintf(r->tls_cipher, sizeof(r->tls_cipher), "%s", c->tls_cipher);
}

__attribute__((format(printf, 4, 5))) static void
conn_final(vs__streams *s, conn *c, vs_scan_status status, const char *fmt, ...)
{
    vs_scan_result r;
    vs__disc_record(&c->tp, &r);
    fill_tls(c, &r);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r.error, sizeof(r.error), fmt, ap);
    va_end(ap);
    vs__tuple tp = c->tp;
    conn_close(s, c);
    vs__disc_final(s->d, &tp, status, &r, NULL);
}

static void connect_failed(vs__streams *s, conn *c, int e)
{
    switch (e) {
    case ECONNREFUSED:
        conn_final(s, c, VS_SCAN_REFUSED, "connection refused (TCP reset)");
        return;
    case ENETUNREACH:
    case EHOSTUNREACH:
    case EHOSTDOWN:
    case ENONET:
        conn_final(s, c, VS_SCAN_UNREACHABLE, "connect: %s", strerror(e));
        return;
    case ETIMEDOUT:
        conn_final(s, c, VS_SCAN_SILENT, "no TCP answer (connect timed out)");
        return;
    default:
        conn_final(s, c, VS_SCAN_ERROR, "connect: %s", strerror(e));
        return;
    }
}

/* The connection ended (EOF, reset) before a complete answer; why is "closed" or "reset". */
static void ended_early(vs__streams *s, conn *c, const char *why)
{
    if (c->got == 0)
        conn_final(s, c, VS_SCAN_SILENT, "connected, %s without a SIP answer", why);
    else
        conn_final(s, c, VS_SCAN_GARBAGE,
                   "%" PRIu64 " bytes that are not a complete SIP answer, then the connection %s",
                   c->got, why);
}

static bool want(vs__streams *s, conn *c, uint32_t events)
{
    if (c->events == events)
        return true;
    struct epoll_event ev = {.events = events, .data.u64 = VS__EP_CONN + (uint64_t)(c - s->c)};
    if (epoll_ctl(s->ep, EPOLL_CTL_MOD, c->fd, &ev) < 0) {
        conn_final(s, c, VS_SCAN_ERROR, "epoll: %s", strerror(errno));
        return false;
    }
    c->events = events;
    return true;
}

static const char *ssl_reason(void)
{
    unsigned long e = ERR_peek_last_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    return r ? r : "unknown error";
}

/* ---- phases ------------------------------------------------------------------------------- */

static void do_read(vs__streams *s, conn *c, int64_t now);

static void do_send(vs__streams *s, conn *c, int64_t now)
{
    while (c->req_off < c->req_len) {
        size_t left = c->req_len - c->req_off;
        if (c->ssl) {
            ERR_clear_error();
            int n = SSL_write(c->ssl, c->req + c->req_off, (int)left);
            if (n > 0) {
                c->req_off += (size_t)n;
                continue;
            }
            int e = SSL_get_error(c->ssl, n);
            if (e == SSL_ERROR_WANT_WRITE) {
                want(s, c, EPOLLOUT);
                return;
            }
            if (e == SSL_ERROR_WANT_READ) {
                want(s, c, EPOLLIN);
                return;
            }
            ended_early(s, c, e == SSL_ERROR_SSL ? "failed" : "closed");
            return;
        }
        ssize_t n = send(c->fd, c->req + c->req_off, left, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n >= 0) {
            c->req_off += (size_t)n;
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
            want(s, c, EPOLLOUT);
            return;
        }
        ended_early(s, c, errno == ECONNRESET ? "reset" : "closed");
        return;
    }
    c->state = ST_READ;
    c->sent_ns = now;
    c->deadline = now + s->timeout_ns;
    if (!c->in) {
        c->in = malloc(IN_MAX);
        if (!c->in) {
            conn_final(s, c, VS_SCAN_ERROR, "out of memory");
            return;
        }
    }
    c->in_len = 0;
    if (!want(s, c, EPOLLIN))
        return;
    do_read(s, c, now);
}

/* Builds the OPTIONS once the local address is known. */
static bool build_request(vs__streams *s, conn *c)
{
    struct sockaddr_storage local;
    socklen_t ll = sizeof(local);
    char lip[INET6_ADDRSTRLEN] = "0.0.0.0", ip[INET6_ADDRSTRLEN];
    uint16_t lport = 0;
    if (getsockname(c->fd, (struct sockaddr *)&local, &ll) == 0) {
        vs__disc_ip((struct sockaddr *)&local, lip, sizeof(lip));
        lport = ntohs(local.ss_family == AF_INET ? ((struct sockaddr_in *)&local)->sin_port
                                                 : ((struct sockaddr_in6 *)&local)->sin6_port);
    }
    vs__disc_ip((const struct sockaddr *)&c->tp.addr, ip, sizeof(ip));
    uint64_t rnd;
    randombytes_buf(&rnd, sizeof(rnd));
    snprintf(c->call_id, sizeof(c->call_id), "vs%" PRIx64 ".%016" PRIx64, c->idx, rnd);
    char tag[9];
    snprintf(tag, sizeof(tag), "%08" PRIx32, (uint32_t)rnd);
    const struct sockaddr *sa = (const struct sockaddr *)&c->tp.addr;
    vs__request rq = {
        .method = "OPTIONS",
        .from_user = "voipsec",
        .host = c->tp.host && *c->tp.host ? c->tp.host : ip,
        .port = ntohs(sa->sa_family == AF_INET ? ((const struct sockaddr_in *)sa)->sin_port
                                               : ((const struct sockaddr_in6 *)sa)->sin6_port),
        .transport = c->tp.transport,
        .local_ip = lip,
        .local_port = lport,
        .branch = c->call_id,
        .call_id = c->call_id,
        .from_tag = tag,
        .cseq = 1,
        .user_agent = s->o->user_agent,
    };
    c->req_len = vs__request_build(c->req, sizeof(c->req), &rq);
    c->req_off = 0;
    if (c->req_len == 0) {
        conn_final(s, c, VS_SCAN_ERROR, "the probe does not fit %zu bytes", sizeof(c->req));
        return false;
    }
    return true;
}

static void do_handshake(vs__streams *s, conn *c, int64_t now)
{
    ERR_clear_error();
    int r = SSL_connect(c->ssl);
    if (r == 1) {
        snprintf(c->tls_version, sizeof(c->tls_version), "%s", SSL_get_version(c->ssl));
        const char *cipher = SSL_get_cipher_name(c->ssl);
        snprintf(c->tls_cipher, sizeof(c->tls_cipher), "%s", cipher ? cipher : "");
        c->state = ST_SEND;
        c->deadline = now + s->timeout_ns;
        do_send(s, c, now);
        return;
    }
    int e = SSL_get_error(c->ssl, r);
    if (e == SSL_ERROR_WANT_READ) {
        want(s, c, EPOLLIN);
        return;
    }
    if (e == SSL_ERROR_WANT_WRITE) {
        want(s, c, EPOLLOUT);
        return;
    }
    if (e == SSL_ERROR_SSL) {
        conn_final(s, c, VS_SCAN_TLS_FAILED, "TLS handshake failed: %s", ssl_reason());
        return;
    }
    int se = errno;
    if (e == SSL_ERROR_SYSCALL && se != 0 && se != EAGAIN)
        conn_final(s, c, VS_SCAN_TLS_FAILED, "TLS handshake failed: %s",
                   se == ECONNRESET ? "connection reset" : strerror(se));
    else
        conn_final(s, c, VS_SCAN_TLS_FAILED, "TLS handshake failed: connection closed");
}

static void connected(vs__streams *s, conn *c, int64_t now)
{
    if (!build_request(s, c))
        return;
    if (c->tp.transport != VS_SCAN_TLS) {
        c->state = ST_SEND;
        c->deadline = now + s->timeout_ns;
        do_send(s, c, now);
        return;
    }
    if (!s->ctx) {
        s->ctx = vs__tls_client_ctx(0, 0);
        if (!s->ctx) {
            conn_final(s, c, VS_SCAN_ERROR, "TLS: no client context (%s)", ssl_reason());
            return;
        }
    }
    c->ssl = SSL_new(s->ctx);
    BIO *bio = c->ssl ? BIO_new(s->bm) : NULL;
    if (!bio) {
        conn_final(s, c, VS_SCAN_ERROR, "TLS: out of memory");
        return;
    }
    BIO_set_data(bio, &c->fd);
    SSL_set_bio(c->ssl, bio, bio);
    if (c->tp.host && *c->tp.host)
        SSL_set_tlsext_host_name(c->ssl, c->tp.host);
    c->state = ST_HANDSHAKE;
    c->deadline = now + s->timeout_ns;
    do_handshake(s, c, now);
}

/* Frames and judges what was read. Returns true when the connection ended. */
static bool judge(vs__streams *s, conn *c, int64_t now)
{
    for (int guard = 0; guard < 64 && c->in_len > 0; guard++) {
        size_t skip = 0;
        long fl = vs_sip_stream_frame(c->in, c->in_len, IN_MAX, &skip);
        if (fl == VS_E_INCOMPLETE) {
            if (c->in_len >= IN_MAX) {
                conn_final(s, c, VS_SCAN_GARBAGE, "%u bytes without a complete SIP answer", IN_MAX);
                return true;
            }
            return false;
        }
        if (fl < 0 || (size_t)fl < skip) {
            conn_final(s, c, VS_SCAN_GARBAGE, "an answer that does not frame as SIP");
            return true;
        }
        if ((size_t)fl > skip) {
            vs_scan_result r;
            vs__disc_record(&c->tp, &r);
            fill_tls(c, &r);
            if (!vs__answer_read(c->in + skip, (size_t)fl - skip, c->call_id, &r)) {
                conn_final(s, c, VS_SCAN_GARBAGE,
                           "an answer that is not a SIP response to our probe");
                return true;
            }
            if (r.sip_status >= 200) {
                r.rtt_ms = (double)(now - c->sent_ns) / 1e6;
                vs__tuple tp = c->tp;
                conn_close(s, c);
                vs__disc_final(s->d, &tp, VS_SCAN_ANSWERED, &r, NULL);
                return true;
            }
        }
        memmove(c->in, c->in + fl, c->in_len - (size_t)fl);
        c->in_len -= (size_t)fl;
    }
    return false;
}

static void do_read(vs__streams *s, conn *c, int64_t now)
{
    for (int guard = 0; guard < 64; guard++) {
        if (c->in_len >= IN_MAX) {
            conn_final(s, c, VS_SCAN_GARBAGE, "%u bytes without a complete SIP answer", IN_MAX);
            return;
        }
        size_t room = IN_MAX - c->in_len;
        long n;
        if (c->ssl) {
            ERR_clear_error();
            int r = SSL_read(c->ssl, c->in + c->in_len, (int)room);
            if (r <= 0) {
                int e = SSL_get_error(c->ssl, r);
                if (e == SSL_ERROR_WANT_READ) {
                    want(s, c, EPOLLIN);
                    return;
                }
                if (e == SSL_ERROR_WANT_WRITE) {
                    want(s, c, EPOLLOUT);
                    return;
                }
                ended_early(s, c,
                            e == SSL_ERROR_ZERO_RETURN ? "closed"
                            : e == SSL_ERROR_SSL       ? "failed"
                            : errno == ECONNRESET      ? "reset"
                                                       : "closed");
                return;
            }
            n = r;
        } else {
            ssize_t r = recv(c->fd, c->in + c->in_len, room, MSG_DONTWAIT);
            if (r < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                    return;
                ended_early(s, c, errno == ECONNRESET ? "reset" : "closed");
                return;
            }
            if (r == 0) {
                ended_early(s, c, "closed");
                return;
            }
            n = (long)r;
        }
        c->in_len += (size_t)n;
        c->got += (uint64_t)n;
        if (judge(s, c, now))
            return;
    }
}

/* ---- entry points ------------------------------------------------------------------------- */

bool vs__streams_start(vs__streams *s, const vs__tuple *tp, uint64_t idx, int64_t now)
{
    if (!vs__streams_can_start(s))
        return false;
    int fd = socket(tp->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        int e = errno;
        if ((e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) && s->active > 0) {
            s->fd_exhausted = true;
            return false;
        }
        vs__disc_final(s->d, tp, VS_SCAN_ERROR, NULL, "socket: %s", strerror(e));
        return true;
    }
    conn *c = &s->c[s->free_slots[--s->nfree]];
    s->active++;
    c->fd = fd;
    c->state = ST_CONNECT;
    c->idx = idx;
    c->tp = *tp;
    c->ssl = NULL;
    c->in_len = 0;
    c->got = 0;
    c->req_len = c->req_off = 0;
    c->tls_version[0] = c->tls_cipher[0] = '\0';
    c->call_id[0] = '\0';
    c->deadline = now + s->timeout_ns;
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->events = EPOLLOUT;
    struct epoll_event ev = {.events = EPOLLOUT, .data.u64 = VS__EP_CONN + (uint64_t)(c - s->c)};
    if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
        conn_final(s, c, VS_SCAN_ERROR, "epoll: %s", strerror(errno));
        return true;
    }
    s->st->connects++;
    if (connect(fd, (const struct sockaddr *)&tp->addr, tp->addrlen) == 0) {
        connected(s, c, now);
        return true;
    }
    if (errno != EINPROGRESS && errno != EINTR)
        connect_failed(s, c, errno);
    return true;
}

void vs__streams_event(vs__streams *s, size_t slot, uint32_t events, int64_t now)
{
    if (!s || slot >= s->cap)
        return;
    conn *c = &s->c[slot];
    switch (c->state) {
    case ST_CONNECT: {
        int e = 0;
        socklen_t el = sizeof(e);
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
            e = errno;
        if (e != 0)
            connect_failed(s, c, e);
        else if (events & EPOLLOUT)
            connected(s, c, now);
        else if (events & (EPOLLHUP | EPOLLERR))
            connect_failed(s, c, ECONNRESET);
        return;
    }
    case ST_HANDSHAKE:
        do_handshake(s, c, now);
        return;
    case ST_SEND:
        do_send(s, c, now);
        return;
    case ST_READ:
        do_read(s, c, now);
        return;
    default:
        return;
    }
}

int64_t vs__streams_expire(vs__streams *s, int64_t now)
{
    int64_t next = INT64_MAX;
    if (!s)
        return next;
    double to = s->o->timeout_s;
    for (size_t i = 0; i < s->cap; i++) {
        conn *c = &s->c[i];
        if (c->state == ST_FREE)
            continue;
        if (c->deadline > now) {
            if (c->deadline < next)
                next = c->deadline;
            continue;
        }
        switch (c->state) {
        case ST_CONNECT:
            conn_final(s, c, VS_SCAN_SILENT, "no TCP answer within %.1f s", to);
            break;
        case ST_HANDSHAKE:
            conn_final(s, c, VS_SCAN_TLS_FAILED, "TLS handshake stalled: no answer within %.1f s",
                       to);
            break;
        case ST_SEND:
            conn_final(s, c, VS_SCAN_SILENT, "connected, the probe could not be sent within %.1f s",
                       to);
            break;
        default:
            if (c->got == 0)
                conn_final(s, c, VS_SCAN_SILENT, "connected, no SIP answer within %.1f s", to);
            else
                conn_final(s, c, VS_SCAN_GARBAGE,
                           "%" PRIu64 " bytes within %.1f s, not a complete SIP answer", c->got,
                           to);
            break;
        }
    }
    return next;
}
