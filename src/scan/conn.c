/* One blocking exchange with a deadline, for the opt-in checks (conn.h).
 *
 * Design: the checks talk to one service at a time, so a plain socket per check is simpler than
 * the discovery engine's epoll loop; sockets are non-blocking and every wait is a poll() bounded
 * by the caller's deadline, so no connect, handshake or read can hang past it. UDP sockets are
 * bound, not connected, and accept datagrams from any port of the peer's address (TFTP answers
 * from a new port; some registrars answer from another socket). Stream answers are framed with
 * vs_sip_stream_frame and parsed lazily: the checks only need status, CSeq, To tag and Server.
 * Writes on a socket the peer has closed would raise SIGPIPE; sends use MSG_NOSIGNAL and the
 * OpenSSL calls run with SIGPIPE blocked in the calling thread (a pending one is consumed), so
 * the library never changes the process's signal handling. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <voipsec/sip.h>

#include "scan/conn.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

enum { MAX_LOOPS = 4096 };

/* ---- small helpers ------------------------------------------------------------------------ */

int64_t vs__deadline(double timeout_s)
{
    if (!(timeout_s > 0.001))
        timeout_s = 0.001;
    if (timeout_s > 3600)
        timeout_s = 3600;
    return vs__now_ns() + (int64_t)(timeout_s * 1e9);
}

bool vs__addr_make(const char *ip, uint16_t port, struct sockaddr_storage *ss, socklen_t *len)
{
    if (!ip || !ss || !len)
        return false;
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, ip, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons(port);
        *len = sizeof *a4;
        return true;
    }
    if (inet_pton(AF_INET6, ip, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(port);
        *len = sizeof *a6;
        return true;
    }
    return false;
}

unsigned vs__transport_bit(const char *id)
{
    if (!id)
        return 0;
    if (!strcmp(id, "udp"))
        return VS_SCAN_UDP;
    if (!strcmp(id, "tcp"))
        return VS_SCAN_TCP;
    if (!strcmp(id, "tls"))
        return VS_SCAN_TLS;
    return 0;
}

void vs__rand_hex(char *out, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[64];
    size_t done = 0;
    while (done < n) {
        size_t chunk = (n - done + 1) / 2;
        if (chunk > sizeof raw)
            chunk = sizeof raw;
        if (RAND_bytes(raw, (int)chunk) != 1) {
            /* no entropy source: still unique enough for a Call-ID within one run */
            uint64_t t = (uint64_t)vs__now_ns() ^ ((uint64_t)(uintptr_t)out << 17) ^ done;
            for (size_t i = 0; i < chunk;
                 i++, t = t * 6364136223846793005ULL + 1442695040888963407ULL)
                raw[i] = (unsigned char)(t >> 56);
        }
        for (size_t i = 0; i < chunk && done < n; i++) {
            out[done++] = hex[raw[i] >> 4];
            if (done < n)
                out[done++] = hex[raw[i] & 15];
        }
    }
    out[n] = '\0';
}

static void addr_text(const struct sockaddr_storage *ss, char *ip, size_t size, uint16_t *port)
{
    ip[0] = '\0';
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &a->sin_addr, ip, (socklen_t)size);
        if (port)
            *port = ntohs(a->sin_port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &a->sin6_addr, ip, (socklen_t)size);
        if (port)
            *port = ntohs(a->sin6_port);
    }
}

/* Same address (port ignored). */
static bool same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    if (a->ss_family != b->ss_family)
        return false;
    if (a->ss_family == AF_INET)
        return !memcmp(&((const struct sockaddr_in *)a)->sin_addr,
                       &((const struct sockaddr_in *)b)->sin_addr, sizeof(struct in_addr));
    if (a->ss_family == AF_INET6)
        return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                       &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr));
    return false;
}

static bool set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL, 0);
    return fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0 &&
           fcntl(fd, F_SETFD, FD_CLOEXEC) == 0;
}

/* Waits for events on fd until the deadline: 1 ready, 0 deadline, -1 error. */
static int wait_fd(int fd, short events, int64_t deadline_ns)
{
    for (int i = 0; i < MAX_LOOPS; i++) {
        int64_t left = deadline_ns - vs__now_ns();
        if (left <= 0)
            return 0;
        int ms = (int)((left + 999999) / 1000000);
        struct pollfd p = {fd, events, 0};
        int n = poll(&p, 1, ms);
        if (n > 0)
            return (p.revents & POLLNVAL) ? -1 : 1;
        if (n == 0)
            continue; /* the loop re-checks the clock */
        if (errno != EINTR)
            return -1;
    }
    return 0;
}

/* SIGPIPE blocked in this thread around OpenSSL writes (see the design note). */
typedef struct sigpipe_guard {
    sigset_t old;
    bool pending_before;
} sigpipe_guard;

static void sigpipe_block(sigpipe_guard *g)
{
    sigset_t set, pend;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, &g->old);
    sigemptyset(&pend);
    sigpending(&pend);
    g->pending_before = sigismember(&pend, SIGPIPE) == 1;
}

static void sigpipe_restore(sigpipe_guard *g)
{
    if (!g->pending_before) {
        sigset_t set, pend;
        sigemptyset(&pend);
        sigpending(&pend);
        if (sigismember(&pend, SIGPIPE) == 1) {
            sigemptyset(&set);
            sigaddset(&set, SIGPIPE);
            struct timespec zero = {0, 0};
            sigtimedwait(&set, NULL, &zero);
        }
    }
    pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

/* ---- open and close ----------------------------------------------------------------------- */

void vs__conn_init(vs__conn *c)
{
    memset(c, 0, offsetof(vs__conn, rbuf));
    c->fd = -1;
}

static void learn_local(vs__conn *c)
{
    struct sockaddr_storage me;
    socklen_t len = sizeof me;
    if (getsockname(c->fd, (struct sockaddr *)&me, &len) == 0)
        addr_text(&me, c->local_ip, sizeof c->local_ip, &c->local_port);
}

static vs_rc open_udp(vs__conn *c, int family)
{
    /* the local address the kernel would route from: connect a throwaway socket */
    int probe = socket(family, SOCK_DGRAM, 0);
    if (probe < 0)
        return VS_E_IO;
    struct sockaddr_storage me;
    socklen_t melen = sizeof me;
    int ok = connect(probe, (struct sockaddr *)&c->peer, c->peerlen) == 0 &&
             getsockname(probe, (struct sockaddr *)&me, &melen) == 0;
    close(probe);
    if (!ok) {
        c->refused = errno == ENETUNREACH || errno == EHOSTUNREACH;
        return VS_E_IO;
    }
    if (me.ss_family == AF_INET)
        ((struct sockaddr_in *)&me)->sin_port = 0;
    else
        ((struct sockaddr_in6 *)&me)->sin6_port = 0;
    c->fd = socket(family, SOCK_DGRAM, 0);
    if (c->fd < 0 || !set_nonblock(c->fd) || bind(c->fd, (struct sockaddr *)&me, melen) != 0)
        return VS_E_IO;
    learn_local(c);
    return VS_OK;
}

static vs_rc open_tcp(vs__conn *c, int family, int64_t deadline_ns)
{
    c->fd = socket(family, SOCK_STREAM, 0);
    if (c->fd < 0 || !set_nonblock(c->fd))
        return VS_E_IO;
    if (connect(c->fd, (struct sockaddr *)&c->peer, c->peerlen) != 0) {
        if (errno != EINPROGRESS) {
            c->refused = errno == ECONNREFUSED;
            return VS_E_IO;
        }
        int w = wait_fd(c->fd, POLLOUT, deadline_ns);
        if (w == 0)
            c->timed_out = true;
        if (w != 1)
            return VS_E_IO;
        int err = 0;
        socklen_t elen = sizeof err;
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0 || err != 0) {
            c->refused = err == ECONNREFUSED;
            return VS_E_IO;
        }
    }
    learn_local(c);
    return VS_OK;
}

/* Drives one SSL call that may want to read or write until it completes or the deadline.
 * op: 0 connect, 1 read, 2 write. Returns OpenSSL's positive result, 0 on a clean close (read),
 * -1 on failure. */
static int ssl_drive(vs__conn *c, int op, void *buf, int len, int64_t deadline_ns)
{
    sigpipe_guard g;
    sigpipe_block(&g);
    int result = -1;
    for (int i = 0; i < MAX_LOOPS; i++) {
        ERR_clear_error();
        int r = op == 0   ? SSL_connect(c->ssl)
                : op == 1 ? SSL_read(c->ssl, buf, len)
                          : SSL_write(c->ssl, buf, len);
        if (r > 0) {
            result = r;
            break;
        }
        int e = SSL_get_error(c->ssl, r);
        short ev;
        if (e == SSL_ERROR_WANT_READ)
            ev = POLLIN;
        else if (e == SSL_ERROR_WANT_WRITE)
            ev = POLLOUT;
        else {
            if (op == 1 && e == SSL_ERROR_ZERO_RETURN) {
                c->closed = true;
                result = 0;
            } else if (op == 1 && e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
                c->closed = true; /* closed without close_notify: treated as the end */
                result = 0;
            }
            break;
        }
        int w = wait_fd(c->fd, ev, deadline_ns);
        if (w == 0)
            c->timed_out = true;
        if (w != 1)
            break;
    }
    ERR_clear_error();
    sigpipe_restore(&g);
    return result;
}

static bool is_ip_literal(const char *s)
{
    struct in6_addr a;
    return inet_pton(AF_INET, s, &a) == 1 || inet_pton(AF_INET6, s, &a) == 1;
}

vs_rc vs__conn_open(vs__conn *c, const struct sockaddr *addr, socklen_t addrlen, unsigned transport,
                    SSL_CTX *ctx, const char *sni, int64_t deadline_ns)
{
    SSL_CTX *keep = c->own_ctx;
    vs__conn_init(c);
    c->own_ctx = keep;
    if (!addr || addrlen > sizeof c->peer ||
        (addr->sa_family != AF_INET && addr->sa_family != AF_INET6))
        return VS_E_INVAL;
    memcpy(&c->peer, addr, addrlen);
    c->peerlen = addrlen;
    c->transport = transport;
    vs_rc rc;
    if (transport == VS_SCAN_UDP)
        rc = open_udp(c, addr->sa_family);
    else if (transport == VS_SCAN_TCP || transport == VS_SCAN_TLS)
        rc = open_tcp(c, addr->sa_family, deadline_ns);
    else
        rc = VS_E_INVAL;
    if (rc == VS_OK && transport == VS_SCAN_TLS) {
        if (!ctx) {
            rc = VS_E_INVAL;
        } else if (!(c->ssl = SSL_new(ctx)) || SSL_set_fd(c->ssl, c->fd) != 1) {
            rc = VS_E_NOMEM;
        } else {
            if (sni && *sni && !is_ip_literal(sni))
                SSL_set_tlsext_host_name(c->ssl, sni);
            if (ssl_drive(c, 0, NULL, 0, deadline_ns) != 1)
                rc = VS_E_IO;
        }
    }
    if (rc != VS_OK) {
        bool timed_out = c->timed_out, refused = c->refused;
        vs__conn_close(c);
        c->timed_out = timed_out;
        c->refused = refused;
    }
    return rc;
}

vs_rc vs__conn_open_service(vs__conn *c, const vs_scan_result *svc, int64_t deadline_ns)
{
    vs__conn_init(c);
    struct sockaddr_storage ss;
    socklen_t len;
    unsigned t = vs__transport_bit(svc->transport);
    if (!t || !vs__addr_make(svc->ip, svc->port, &ss, &len))
        return VS_E_INVAL;
    if (t == VS_SCAN_TLS && !(c->own_ctx = vs__tls_client_ctx(0, 0)))
        return VS_E_NOMEM;
    return vs__conn_open(c, (struct sockaddr *)&ss, len, t, c->own_ctx,
                         svc->host[0] ? svc->host : NULL, deadline_ns);
}

void vs__conn_close(vs__conn *c)
{
    if (!c)
        return;
    if (c->ssl) {
        sigpipe_guard g;
        sigpipe_block(&g);
        ERR_clear_error();
        if (!c->closed)
            SSL_shutdown(c->ssl); /* one try: the socket is non-blocking */
        ERR_clear_error();
        sigpipe_restore(&g);
        SSL_free(c->ssl);
        c->ssl = NULL;
    }
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    SSL_CTX_free(c->own_ctx);
    c->own_ctx = NULL;
    c->rlen = 0;
}

/* ---- send and receive --------------------------------------------------------------------- */

vs_rc vs__conn_send(vs__conn *c, const char *buf, size_t len, int64_t deadline_ns)
{
    if (c->fd < 0 || !buf)
        return VS_E_INVAL;
    c->timed_out = false;
    if (c->transport == VS_SCAN_UDP)
        return vs__conn_send_to(c, buf, len, (struct sockaddr *)&c->peer, c->peerlen);
    if (c->transport == VS_SCAN_TLS) {
        if (len > (size_t)INT32_MAX)
            return VS_E_INVAL;
        return ssl_drive(c, 2, (void *)buf, (int)len, deadline_ns) == (int)len ? VS_OK : VS_E_IO;
    }
    size_t off = 0;
    for (int i = 0; i < MAX_LOOPS && off < len; i++) {
        ssize_t n = send(c->fd, buf + off, len - off, MSG_NOSIGNAL);
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int w = wait_fd(c->fd, POLLOUT, deadline_ns);
            if (w == 0)
                c->timed_out = true;
            if (w != 1)
                return VS_E_IO;
            continue;
        }
        c->refused = n < 0 && (errno == ECONNRESET || errno == EPIPE);
        return VS_E_IO;
    }
    return off == len ? VS_OK : VS_E_IO;
}

vs_rc vs__conn_send_to(vs__conn *c, const char *buf, size_t len, const struct sockaddr *to,
                       socklen_t tolen)
{
    if (c->fd < 0 || c->transport != VS_SCAN_UDP || !buf || !to)
        return VS_E_INVAL;
    for (int i = 0; i < 8; i++) {
        ssize_t n = sendto(c->fd, buf, len, MSG_NOSIGNAL, to, tolen);
        if (n == (ssize_t)len)
            return VS_OK;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            wait_fd(c->fd, POLLOUT, vs__now_ns() + 100000000);
            continue;
        }
        break;
    }
    return VS_E_IO;
}

vs_rc vs__conn_recv(vs__conn *c, char *buf, size_t cap, size_t *len, int64_t deadline_ns)
{
    *len = 0;
    c->timed_out = false;
    if (c->fd < 0 || !buf || cap == 0)
        return VS_E_INVAL;
    if (c->transport == VS_SCAN_TLS) {
        int r = ssl_drive(c, 1, buf, cap > (size_t)INT32_MAX ? INT32_MAX : (int)cap, deadline_ns);
        if (r < 0)
            return VS_E_IO;
        *len = (size_t)r;
        return VS_OK;
    }
    for (int i = 0; i < MAX_LOOPS; i++) {
        int w = wait_fd(c->fd, POLLIN, deadline_ns);
        if (w == 0)
            c->timed_out = true;
        if (w != 1)
            return VS_E_IO;
        ssize_t n;
        if (c->transport == VS_SCAN_UDP) {
            c->fromlen = sizeof c->from;
            n = recvfrom(c->fd, buf, cap, 0, (struct sockaddr *)&c->from, &c->fromlen);
            if (n >= 0 && !same_host(&c->from, &c->peer))
                continue; /* not from the peer: ignored */
            if (n == 0)
                continue; /* an empty datagram is not an answer */
        } else {
            n = recv(c->fd, buf, cap, 0);
            if (n == 0) {
                c->closed = true;
                return VS_OK;
            }
        }
        if (n > 0) {
            *len = (size_t)n;
            return VS_OK;
        }
        if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
            continue;
        c->refused = errno == ECONNREFUSED || errno == ECONNRESET;
        return VS_E_IO;
    }
    c->timed_out = true;
    return VS_E_IO;
}

/* ---- SIP ---------------------------------------------------------------------------------- */

static void slice_copy(char *out, size_t size, vs_slice s)
{
    size_t n = s.len < size - 1 ? s.len : size - 1;
    if (n)
        memcpy(out, s.ptr, n);
    out[n] = '\0';
}

/* Parses one message; true when it is a response with call_id (and method) and fills r. */
static bool parse_answer(const char *buf, size_t len, unsigned opts, const char *call_id,
                         const char *method, vs__sip_resp *r)
{
    vs_sip_header hdrs[64];
    vs_sip_msg msg;
    long n =
        vs_sip_parse(buf, len, &msg, hdrs, sizeof hdrs / sizeof hdrs[0], VS_SIP_OPT_LAZY | opts);
    if (n <= 0 || msg.kind != VS_SIP_RESPONSE)
        return false;
    const vs_sip_header *h = vs_sip_find(&msg, VS_SIP_HDR_CALL_ID);
    if (!h || !call_id ||
        !vs_slice_eq(vs_slice_trim(h->value), vs_slice_make(call_id, strlen(call_id))))
        return false;
    uint32_t cseq = 0;
    vs_slice cmethod = VS_SLICE_NULL;
    h = vs_sip_find(&msg, VS_SIP_HDR_CSEQ);
    if (!h || vs_sip_cseq_parse(h->value, &cseq, &cmethod, NULL) != VS_OK)
        return false;
    if (method && !vs_slice_eq(cmethod, vs_slice_make(method, strlen(method))))
        return false;
    memset(r, 0, sizeof *r);
    r->status = msg.status;
    r->cseq = cseq;
    slice_copy(r->cseq_method, sizeof r->cseq_method, cmethod);
    slice_copy(r->reason, sizeof r->reason, msg.reason);
    h = vs_sip_find(&msg, VS_SIP_HDR_TO);
    vs_sip_addr to;
    if (h && vs_sip_addr_parse(h->value, &to, NULL) == VS_OK)
        slice_copy(r->to_tag, sizeof r->to_tag, to.tag);
    h = vs_sip_find(&msg, VS_SIP_HDR_SERVER);
    if (!h)
        h = vs_sip_find(&msg, VS_SIP_HDR_USER_AGENT);
    if (h)
        slice_copy(r->server, sizeof r->server, vs_slice_trim(h->value));
    return true;
}

vs_rc vs__sip_read(vs__conn *c, const char *call_id, const char *method, vs__sip_resp *r,
                   int64_t deadline_ns)
{
    if (c->fd < 0)
        return VS_E_INVAL;
    if (c->transport == VS_SCAN_UDP) {
        char dgram[VS__CONN_BUF];
        for (int i = 0; i < MAX_LOOPS; i++) {
            size_t n = 0;
            vs_rc rc = vs__conn_recv(c, dgram, sizeof dgram, &n, deadline_ns);
            if (rc != VS_OK)
                return rc;
            if (parse_answer(dgram, n, 0, call_id, method, r))
                return VS_OK;
        }
        return VS_E_IO;
    }
    for (int i = 0; i < MAX_LOOPS; i++) {
        /* whole messages already buffered first */
        while (c->rlen > 0) {
            size_t skip = 0;
            long n = vs_sip_stream_frame(c->rbuf, c->rlen, sizeof c->rbuf, &skip);
            if (n == VS_E_INCOMPLETE) {
                if (skip == c->rlen)
                    c->rlen = 0; /* only keep-alive CRLFs */
                break;
            }
            if (n < 0)
                return VS_E_IO; /* the stream cannot be framed any more */
            bool ok = parse_answer(c->rbuf + skip, (size_t)n - skip, VS_SIP_OPT_STREAM, call_id,
                                   method, r);
            memmove(c->rbuf, c->rbuf + n, c->rlen - (size_t)n);
            c->rlen -= (size_t)n;
            if (ok)
                return VS_OK;
        }
        if (c->closed || c->rlen == sizeof c->rbuf)
            return VS_E_IO;
        size_t got = 0;
        vs_rc rc = vs__conn_recv(c, c->rbuf + c->rlen, sizeof c->rbuf - c->rlen, &got, deadline_ns);
        if (rc != VS_OK)
            return rc;
        if (got == 0)
            return VS_E_IO; /* closed */
        c->rlen += got;
    }
    return VS_E_IO;
}

vs_rc vs__sip_exchange(vs__conn *c, const char *req, size_t len, const char *call_id,
                       const char *method, bool stop_at_provisional, vs__sip_resp *r,
                       int64_t deadline_ns)
{
    vs_rc rc = vs__conn_send(c, req, len, deadline_ns);
    if (rc != VS_OK)
        return rc;
    bool udp = c->transport == VS_SCAN_UDP, answered = false;
    int64_t interval = 500000000, next_rtx = vs__now_ns() + interval;
    for (int i = 0; i < 64; i++) {
        int64_t until = udp && !answered && next_rtx < deadline_ns ? next_rtx : deadline_ns;
        rc = vs__sip_read(c, call_id, method, r, until);
        if (rc == VS_OK) {
            answered = true;
            if (r->status >= 200 || (stop_at_provisional && r->status > 100))
                return VS_OK;
            continue;
        }
        if (!c->timed_out || vs__now_ns() >= deadline_ns)
            return rc;
        if (udp && !answered) {
            if (vs__conn_send(c, req, len, deadline_ns) != VS_OK)
                return VS_E_IO;
            if (interval < 4000000000)
                interval *= 2;
            next_rtx = vs__now_ns() + interval;
        }
    }
    c->timed_out = true;
    return VS_E_IO;
}

void vs__sip_request_init(vs__request *r, const char *method, const vs__conn *c,
                          const vs_scan_result *svc, const vs_scan_opts *o)
{
    memset(r, 0, sizeof *r);
    r->method = method;
    r->from_user = "voipsec";
    r->host = svc->host[0] ? svc->host : svc->ip;
    r->port = svc->port;
    r->transport = c->transport;
    r->local_ip = c->local_ip;
    r->local_port = c->local_port;
    r->user_agent = o->user_agent;
    r->cseq = 1;
}

vs_rc vs__sip_register(vs__conn *c, const vs_scan_result *svc, const vs_scan_opts *o,
                       const char *user, vs__sip_resp *r)
{
    char branch[25], call_id[41], tag[17];
    vs__rand_hex(branch, 24);
    vs__rand_hex(call_id, 32);
    vs__rand_hex(tag, 16);
    strcat(call_id, "@vs");
    vs__request q;
    vs__sip_request_init(&q, "REGISTER", c, svc, o);
    q.ruri_user = NULL;
    q.to_user = user;
    q.from_user = user;
    q.branch = branch;
    q.call_id = call_id;
    q.from_tag = tag;
    char buf[2048];
    size_t n = vs__request_build(buf, sizeof buf, &q);
    if (!n)
        return VS_E_LIMIT;
    return vs__sip_exchange(c, buf, n, call_id, "REGISTER", false, r, vs__deadline(o->timeout_s));
}

void vs__first_user(const vs_scan_opts *o, const char *dflt, char *out, size_t size)
{
    const char *p = o->enum_users;
    while (*p == ' ' || *p == ',' || *p == '\t')
        p++;
    size_t n = strcspn(p, ",");
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    if (n == 0) {
        snprintf(out, size, "%s", dflt);
        return;
    }
    snprintf(out, size, "%.*s", (int)n, p);
}

void vs__finding_dst(vs_finding *f, const vs_scan_result *svc)
{
    vs_finding_set(f->dst.ip, sizeof f->dst.ip, svc->ip);
    f->dst.port = svc->port;
    vs_finding_set(f->dst.transport, sizeof f->dst.transport, svc->transport);
}
