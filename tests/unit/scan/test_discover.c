/* Unit tests of the discovery engine (src/scan/discover*.c) against real peers started here on
 * 127.0.0.1 (and ::1 when the host has it), on ephemeral ports, each in a thread of its own:
 *   UDP: a SIP responder (200 with Server, two Allow, compact Supported), one that answers only
 *        the second probe (the retry), one that answers bytes that are not SIP, one that answers
 *        SIP with a forged Call-ID and branch, a silent one, and a closed port (ICMP refused);
 *   TCP: a SIP responder (100 then 200), an HTTP server (garbage), a port that accepts and says
 *        nothing, a closed port (reset);
 *   TLS: a responder with a certificate made here (EVP_PKEY_Q_keygen + X509), which records the
 *        SNI it was given, and a port that accepts TCP and never handshakes.
 * Every record and status is checked exactly, and the number of datagrams the engine says it sent
 * equals the number our peers received plus the probes refused by closed ports: nothing went
 * anywhere else. All targets are 127.0.0.x or ::1; every peer loop is bounded in time. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "scan/discover_internal.h"

#define PEER_SECONDS 30 /* no peer thread lives longer than this */

/* ---- peers -------------------------------------------------------------------------------- */

typedef enum kind {
    UDP_OK,
    UDP_SECOND, /* answers from probe number answer_from on (default 2) */
    UDP_GARBAGE,
    UDP_FORGED,
    UDP_SILENT,
    UDP_OTHER_PORT, /* answers (a SIP answer, then garbage) from another port */
    TCP_OK,
    TCP_HTTP,
    TCP_CLOSE,      /* accepts, reads the request, closes without a word */
    TCP_HALF,       /* answers half a SIP response, then closes */
    TCP_OTHER_CALL, /* answers with another Call-ID */
    TLS_OK,
    LISTEN_ONLY, /* TCP: accepts (the kernel does) and never reads or writes */
} kind;

typedef struct peer {
    kind k;
    int family;
    int fd;
    int fd2; /* UDP_OTHER_PORT answers from this one */
    uint16_t port;
    atomic_int received;    /* datagrams or connections */
    atomic_int answer_from; /* UDP_SECOND */
    atomic_bool stop;
    pthread_t th;
    bool running;
    SSL_CTX *tls;
    char sni[256];
    char last_request[4096];
} peer;

static size_t copy_headers(const char *req, size_t len, char *out, size_t cap, bool forge)
{
    /* Via, From, To, Call-ID, CSeq lines of the request, in order */
    static const char *keep[] = {"Via:", "From:", "To:", "Call-ID:", "CSeq:"};
    size_t n = 0;
    const char *p = req, *end = req + len;
    while (p < end) {
        const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
        if (!eol || eol == p)
            break;
        for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
            size_t kl = strlen(keep[i]);
            if ((size_t)(eol - p) >= kl && strncasecmp(p, keep[i], kl) == 0) {
                if (forge && i == 0)
                    n += (size_t)snprintf(out + n, cap - n,
                                          "Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKforged\r\n");
                else if (forge && i == 3)
                    n += (size_t)snprintf(out + n, cap - n, "Call-ID: forged@127.0.0.1\r\n");
                else
                    n += (size_t)snprintf(out + n, cap - n, "%.*s\r\n", (int)(eol - p + 0), p);
            }
        }
        p = eol + 2;
    }
    return n;
}

static size_t sip_answer(const char *req, size_t len, char *out, size_t cap, int status,
                         const char *reason, bool forge)
{
    size_t n = (size_t)snprintf(out, cap, "SIP/2.0 %d %s\r\n", status, reason);
    n += copy_headers(req, len, out + n, cap - n, forge);
    n += (size_t)snprintf(out + n, cap - n,
                          "Server: TestPBX/1.0\r\nAllow: INVITE, ACK\r\nAllow: OPTIONS, BYE\r\n"
                          "k: replaces, timer\r\nContent-Length: 0\r\n\r\n");
    return n;
}

static void serve_udp(peer *p)
{
    char buf[4096], out[4096];
    struct sockaddr_storage from;
    socklen_t fl = sizeof(from);
    ssize_t n = recvfrom(p->fd, buf, sizeof(buf) - 1, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
    if (n <= 0)
        return;
    buf[n] = '\0';
    int count = atomic_fetch_add(&p->received, 1) + 1;
    snprintf(p->last_request, sizeof(p->last_request), "%s", buf);
    size_t len = 0;
    switch (p->k) {
    case UDP_OK:
        len = sip_answer(buf, (size_t)n, out, sizeof(out), 200, "OK", false);
        break;
    case UDP_SECOND:
        if (count >= (atomic_load(&p->answer_from) ? atomic_load(&p->answer_from) : 2))
            len = sip_answer(buf, (size_t)n, out, sizeof(out), 200, "OK", false);
        break;
    case UDP_FORGED:
        len = sip_answer(buf, (size_t)n, out, sizeof(out), 200, "OK", true);
        break;
    case UDP_GARBAGE:
        len = (size_t)snprintf(out, sizeof(out), "HELLO, this is not SIP\n");
        break;
    case UDP_OTHER_PORT:
        len = sip_answer(buf, (size_t)n, out, sizeof(out), 200, "OK", false);
        sendto(p->fd2, out, len, 0, (struct sockaddr *)&from, fl);
        len = (size_t)snprintf(out, sizeof(out), "HELLO, this is not SIP\n");
        sendto(p->fd2, out, len, 0, (struct sockaddr *)&from, fl);
        len = 0;
        break;
    default:
        break;
    }
    if (len)
        sendto(p->fd, out, len, 0, (struct sockaddr *)&from, fl);
}

/* Reads until the end of a header section or the deadline (plain or TLS). */
static size_t read_request(int fd, SSL *ssl, char *buf, size_t cap)
{
    size_t n = 0;
    for (int i = 0; i < 40 && n + 1 < cap; i++) {
        if (!ssl || SSL_pending(ssl) == 0) {
            struct pollfd pfd = {fd, POLLIN, 0};
            if (poll(&pfd, 1, 50) <= 0)
                continue;
        }
        int r = ssl ? SSL_read(ssl, buf + n, (int)(cap - 1 - n))
                    : (int)recv(fd, buf + n, cap - 1 - n, 0);
        if (r <= 0)
            break;
        n += (size_t)r;
        buf[n] = '\0';
        if (strstr(buf, "\r\n\r\n"))
            break;
    }
    buf[n] = '\0';
    return n;
}

static void serve_stream(peer *p)
{
    int c = accept(p->fd, NULL, NULL);
    if (c < 0)
        return;
    atomic_fetch_add(&p->received, 1);
    struct timeval tv = {2, 0};
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    SSL *ssl = NULL;
    if (p->k == TLS_OK) {
        ssl = SSL_new(p->tls);
        SSL_set_fd(ssl, c);
        if (SSL_accept(ssl) != 1)
            goto done;
        const char *sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
        snprintf(p->sni, sizeof(p->sni), "%s", sni ? sni : "");
    }
    char buf[4096], out[4096];
    size_t len = 0;
    if (p->k == TCP_HTTP) {
        /* speaks first, whatever comes (to a TLS client too) */
        len = (size_t)snprintf(out, sizeof(out),
                               "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        send(c, out, len, MSG_NOSIGNAL);
        len = 0;
    }
    size_t n = read_request(c, ssl, buf, sizeof(buf));
    snprintf(p->last_request, sizeof(p->last_request), "%s", buf);
    if (p->k == TCP_CLOSE) {
        len = 0;
    } else if (p->k == TCP_HALF && n > 0) {
        len = sip_answer(buf, n, out, sizeof(out), 200, "OK", false) / 2;
    } else if (p->k == TCP_OTHER_CALL && n > 0) {
        len = sip_answer(buf, n, out, sizeof(out), 200, "OK", true);
    } else if (p->k != TCP_HTTP && n > 0) {
        /* a provisional answer first: the engine must wait for the final one */
        len = sip_answer(buf, n, out, sizeof(out), 100, "Trying", false);
        len += sip_answer(buf, n, out + len, sizeof(out) - len, 200, "OK", false);
    }
    if (len) {
        if (ssl)
            SSL_write(ssl, out, (int)len);
        else
            send(c, out, len, MSG_NOSIGNAL);
    }
    /* wait (bounded) for the engine to close */
    struct pollfd pfd = {c, POLLIN, 0};
    for (int i = 0; i < 20 && p->k != TCP_CLOSE && p->k != TCP_HALF && poll(&pfd, 1, 50) == 0; i++)
        ;
done:
    if (ssl)
        SSL_free(ssl);
    close(c);
}

static void *peer_main(void *arg)
{
    peer *p = arg;
    int64_t end = vs__now_ns() + (int64_t)PEER_SECONDS * 1000000000;
    while (!atomic_load(&p->stop) && vs__now_ns() < end) {
        struct pollfd pfd = {p->fd, POLLIN, 0};
        if (poll(&pfd, 1, 20) <= 0)
            continue;
        if (p->k <= UDP_OTHER_PORT)
            serve_udp(p);
        else
            serve_stream(p);
    }
    return NULL;
}

static void loopback(int family, uint16_t port, struct sockaddr_storage *ss, socklen_t *sl)
{
    memset(ss, 0, sizeof(*ss));
    if (family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
        a->sin6_family = AF_INET6;
        a->sin6_addr = in6addr_loopback;
        a->sin6_port = htons(port);
        *sl = sizeof(*a);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)ss;
        a->sin_family = AF_INET;
        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a->sin_port = htons(port);
        *sl = sizeof(*a);
    }
}

/* Binds a socket on loopback, ephemeral port. -1 when the family is not available. */
static int bind_loopback(int family, int type, uint16_t *port)
{
    int fd = socket(family, type | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_storage ss;
    socklen_t sl;
    loopback(family, 0, &ss, &sl);
    if (bind(fd, (struct sockaddr *)&ss, sl) < 0 ||
        getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                     : ((struct sockaddr_in *)&ss)->sin_port);
    if (type == SOCK_STREAM && listen(fd, 16) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* A port that was free a moment ago: bound, then closed. */
static uint16_t closed_port(int family, int type)
{
    uint16_t port = 0;
    int fd = bind_loopback(family, type, &port);
    assert_true(fd >= 0);
    close(fd);
    return port;
}

static SSL_CTX *server_ctx(void)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    assert_non_null(key);
    X509 *x = X509_new();
    assert_non_null(x);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1,
                               0);
    X509_set_issuer_name(x, name);
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    assert_non_null(ctx);
    assert_int_equal(SSL_CTX_use_certificate(ctx, x), 1);
    assert_int_equal(SSL_CTX_use_PrivateKey(ctx, key), 1);
    X509_free(x);
    EVP_PKEY_free(key);
    return ctx;
}

static bool peer_start(peer *p, kind k, int family, SSL_CTX *tls)
{
    memset(p, 0, sizeof(*p));
    p->k = k;
    p->family = family;
    p->tls = tls;
    int type = k <= UDP_OTHER_PORT ? SOCK_DGRAM : SOCK_STREAM;
    p->fd = bind_loopback(family, type, &p->port);
    p->fd2 = -1;
    if (p->fd < 0)
        return false;
    if (k == UDP_OTHER_PORT) {
        uint16_t port2;
        p->fd2 = bind_loopback(family, SOCK_DGRAM, &port2);
        assert_true(p->fd2 >= 0);
    }
    if (k == LISTEN_ONLY)
        return true;
    assert_int_equal(pthread_create(&p->th, NULL, peer_main, p), 0);
    p->running = true;
    return true;
}

static void peer_stop(peer *p)
{
    atomic_store(&p->stop, true);
    if (p->running)
        pthread_join(p->th, NULL);
    p->running = false;
    if (p->fd >= 0)
        close(p->fd);
    if (p->fd2 >= 0)
        close(p->fd2);
    p->fd = p->fd2 = -1;
}

/* ---- what the engine reports -------------------------------------------------------------- */

enum { MAX_RECORDS = 64 };
static vs_scan_result records[MAX_RECORDS];
static size_t nrecords;
static uint64_t progress_calls, progress_done, progress_total;

static void on_result(void *ctx, const vs_scan_result *r)
{
    (void)ctx;
    if (nrecords < MAX_RECORDS)
        records[nrecords++] = *r;
}

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
    (void)ctx;
    assert_true(done <= total);
    progress_calls++;
    progress_done = done;
    progress_total = total;
}

static const vs_scan_result *record_for(const char *target)
{
    const vs_scan_result *found = NULL;
    for (size_t i = 0; i < nrecords; i++) {
        if (strcmp(records[i].target, target) == 0) {
            if (found)
                fail_msg("two records for %s", target);
            found = &records[i];
        }
    }
    if (!found)
        fail_msg("no record for %s", target);
    return found;
}

static void add(vs_scan_targets *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(vs_scan_targets *t, const char *fmt, ...)
{
    char spec[256], err[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(spec, sizeof(spec), fmt, ap);
    va_end(ap);
    if (vs_scan_targets_add(t, spec, false, false, err, sizeof(err)) != VS_OK)
        fail_msg("%s: %s", spec, err);
}

/* Every tuple of t is on loopback. */
static void assert_loopback_only(const vs_scan_targets *t, const vs_scan_opts *o)
{
    uint64_t c = 0;
    vs__tuple tp;
    for (int i = 0; i < 100000 && vs__targets_next(t, o, &c, &tp); i++) {
        if (tp.addr.ss_family == AF_INET) {
            uint32_t a = ntohl(((struct sockaddr_in *)&tp.addr)->sin_addr.s_addr);
            assert_int_equal(a >> 24, 127);
        } else {
            assert_int_equal(tp.addr.ss_family, AF_INET6);
            assert_true(IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)&tp.addr)->sin6_addr));
        }
    }
}

static vs_scan_opts quick_opts(void)
{
    vs_scan_opts o;
    vs_scan_opts_init(&o);
    o.timeout_s = 0.3;
    o.retries = 1;
    o.rate = 2000;
    return o;
}

static vs_rc run(const vs_scan_targets *t, const vs_scan_opts *o, vs_scan_stats *st)
{
    nrecords = 0;
    progress_calls = progress_done = progress_total = 0;
    memset(st, 0, sizeof(*st));
    assert_loopback_only(t, o);
    char err[256] = "";
    int64_t t0 = vs__now_ns();
    vs_rc rc = vs__discover(t, o, on_result, on_progress, NULL, st, err, sizeof(err));
    double secs = (double)(vs__now_ns() - t0) / 1e9;
    if (rc != VS_OK)
        fail_msg("discover: %s (%s)", vs_rc_name(rc), err);
    /* never hangs: every tuple ends within its phases' timeouts */
    assert_true(secs < 10 * o->timeout_s * (o->retries + 1) + 2);
    assert_true(progress_calls >= 2);
    assert_int_equal(progress_done, progress_total);
    assert_int_equal(progress_total, st->probes);
    return rc;
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_udp(void **state)
{
    (void)state;
    peer ok, second, garbage, forged, silent, ok6;
    assert_true(peer_start(&ok, UDP_OK, AF_INET, NULL));
    assert_true(peer_start(&second, UDP_SECOND, AF_INET, NULL));
    assert_true(peer_start(&garbage, UDP_GARBAGE, AF_INET, NULL));
    assert_true(peer_start(&forged, UDP_FORGED, AF_INET, NULL));
    assert_true(peer_start(&silent, UDP_SILENT, AF_INET, NULL));
    bool v6 = peer_start(&ok6, UDP_OK, AF_INET6, NULL);
    uint16_t closed = closed_port(AF_INET, SOCK_DGRAM);

    vs_scan_targets *t = vs_scan_targets_new();
    add(t, "127.0.0.1:%u", ok.port);
    add(t, "udp://127.0.0.1:%u", second.port);
    add(t, "127.0.0.1:%u", garbage.port);
    add(t, "127.0.0.1:%u", forged.port);
    add(t, "127.0.0.1:%u", silent.port);
    add(t, "127.0.0.1:%u", closed);
    if (v6)
        add(t, "[::1]:%u", ok6.port);
    vs_scan_opts o = quick_opts();
    vs_scan_stats st;
    run(t, &o, &st);
    char spec[64];

    snprintf(spec, sizeof(spec), "127.0.0.1:%u", ok.port);
    const vs_scan_result *r = record_for(spec);
    assert_int_equal(r->status, VS_SCAN_ANSWERED);
    assert_int_equal(r->sip_status, 200);
    assert_string_equal(r->reason, "OK");
    assert_string_equal(r->server, "TestPBX/1.0");
    assert_string_equal(r->allow, "INVITE, ACK, OPTIONS, BYE");
    assert_string_equal(r->supported, "replaces, timer");
    assert_string_equal(r->ip, "127.0.0.1");
    assert_int_equal(r->port, ok.port);
    assert_string_equal(r->transport, "udp");
    assert_string_equal(r->host, "");
    assert_string_equal(r->error, "");
    assert_false(r->auth_required);
    assert_true(r->rtt_ms >= 0 && r->rtt_ms < 300);
    assert_int_equal(atomic_load(&ok.received), 1);
    /* the probe the peer saw */
    assert_true(strncmp(ok.last_request, "OPTIONS sip:127.0.0.1:", 22) == 0);
    assert_non_null(strstr(ok.last_request, "\r\nVia: SIP/2.0/UDP 127.0.0.1:"));
    assert_non_null(strstr(ok.last_request, ";branch=z9hG4bKvs"));
    assert_non_null(strstr(ok.last_request, "\r\nCall-ID: vs"));
    assert_non_null(strstr(ok.last_request, "\r\nUser-Agent: voipsec/"));

    snprintf(spec, sizeof(spec), "udp://127.0.0.1:%u", second.port);
    r = record_for(spec);
    assert_int_equal(r->status, VS_SCAN_ANSWERED);
    assert_int_equal(atomic_load(&second.received), 2);

    snprintf(spec, sizeof(spec), "127.0.0.1:%u", garbage.port);
    r = record_for(spec);
    assert_int_equal(r->status, VS_SCAN_GARBAGE);
    assert_string_equal(r->error, "an answer that is not SIP (23 bytes)");
    assert_int_equal(r->sip_status, 0);
    assert_int_equal(atomic_load(&garbage.received), 1);

    snprintf(spec, sizeof(spec), "127.0.0.1:%u", forged.port);
    r = record_for(spec);
    assert_int_equal(r->status, VS_SCAN_GARBAGE);
    assert_string_equal(r->error, "a SIP answer without our probe's Call-ID or branch");
    assert_int_equal(atomic_load(&forged.received), 1);

    snprintf(spec, sizeof(spec), "127.0.0.1:%u", silent.port);
    r = record_for(spec);
    assert_int_equal(r->status, VS_SCAN_SILENT);
    assert_string_equal(r->error, "no answer within 0.3 s (2 probes)");
    assert_int_equal(atomic_load(&silent.received), 2);

    snprintf(spec, sizeof(spec), "127.0.0.1:%u", closed);
    r = record_for(spec);
    assert_int_equal(r->status, VS_SCAN_REFUSED);
    assert_true(strncmp(r->error, "ICMP port unreachable", 21) == 0);

    if (v6) {
        snprintf(spec, sizeof(spec), "[::1]:%u", ok6.port);
        r = record_for(spec);
        assert_int_equal(r->status, VS_SCAN_ANSWERED);
        assert_string_equal(r->ip, "::1");
        assert_non_null(strstr(ok6.last_request, "Via: SIP/2.0/UDP [::1]:"));
    }

    size_t n = v6 ? 7 : 6;
    assert_int_equal(nrecords, n);
    assert_int_equal(st.addresses, n);
    assert_int_equal(st.probes, n);
    assert_int_equal(st.answered, v6 ? 3 : 2);
    assert_int_equal(st.garbage, 2);
    assert_int_equal(st.silent, 1);
    assert_int_equal(st.refused, 1);
    assert_int_equal(st.unreachable + st.unresolved + st.tls_failed + st.errors + st.connects, 0);
    /* everything sent went to our peers (or was refused by the closed port) */
    int received = atomic_load(&ok.received) + atomic_load(&second.received) +
                   atomic_load(&garbage.received) + atomic_load(&forged.received) +
                   atomic_load(&silent.received) + (v6 ? atomic_load(&ok6.received) : 0);
    assert_int_equal(st.sent, (uint64_t)received + 1);
    assert_true(st.send_seconds >= 0.3); /* the retries went out after the timeout */
    /* progress about every 100 ms, and once at each end */
    assert_true(progress_calls >= 5 && progress_calls <= 30);

    peer_stop(&ok);
    peer_stop(&second);
    peer_stop(&garbage);
    peer_stop(&forged);
    peer_stop(&silent);
    if (v6)
        peer_stop(&ok6);
    vs_scan_targets_free(t);
}

/* A range is not "one host": its silent, refused addresses are only counted; its answers are
 * reported. Several ports from the options. */
static void test_block_records(void **state)
{
    (void)state;
    peer ok, silent;
    assert_true(peer_start(&ok, UDP_OK, AF_INET, NULL));
    assert_true(peer_start(&silent, UDP_SILENT, AF_INET, NULL));
    vs_scan_targets *t = vs_scan_targets_new();
    add(t, "127.0.0.1-2");
    vs_scan_opts o = quick_opts();
    o.ports[0] = ok.port;
    o.ports[1] = silent.port;
    o.nports = 2;
    vs_scan_stats st;
    run(t, &o, &st);
    assert_int_equal(nrecords, 1);
    assert_string_equal(records[0].target, "127.0.0.1-2");
    assert_string_equal(records[0].ip, "127.0.0.1");
    assert_int_equal(records[0].port, ok.port);
    assert_int_equal(records[0].status, VS_SCAN_ANSWERED);
    assert_int_equal(st.probes, 4);
    assert_int_equal(st.answered, 1);
    assert_int_equal(st.silent, 1);
    /* 127.0.0.2 has nothing bound: refused (ICMP) */
    assert_int_equal(st.refused, 2);
    assert_int_equal(atomic_load(&silent.received), 2);
    assert_int_equal(atomic_load(&ok.received), 1);
    assert_int_equal(st.sent, 1 + 2 + 2);
    peer_stop(&ok);
    peer_stop(&silent);
    vs_scan_targets_free(t);
}

static void test_tcp_tls(void **state)
{
    (void)state;
    SSL_CTX *sctx = server_ctx();
    peer tcp_ok, http, mute, tls_ok, stall;
    assert_true(peer_start(&tcp_ok, TCP_OK, AF_INET, NULL));
    assert_true(peer_start(&http, TCP_HTTP, AF_INET, NULL));
    assert_true(peer_start(&mute, LISTEN_ONLY, AF_INET, NULL));
    assert_true(peer_start(&tls_ok, TLS_OK, AF_INET, sctx));
    assert_true(peer_start(&stall, LISTEN_ONLY, AF_INET, NULL));
    uint16_t closed = closed_port(AF_INET, SOCK_STREAM);

    vs_scan_targets *t = vs_scan_targets_new();
    add(t, "tcp://127.0.0.1:%u", tcp_ok.port);
    add(t, "tcp://127.0.0.1:%u", http.port);
    add(t, "tcp://127.0.0.1:%u", mute.port);
    add(t, "tcp://127.0.0.1:%u", closed);
    add(t, "tls://localhost:%u", tls_ok.port);
    add(t, "tls://127.0.0.1:%u", stall.port);
    vs_scan_opts o = quick_opts();
    o.max_conns = 2; /* fewer than the targets: connections wait their turn */
    vs_scan_stats st;
    run(t, &o, &st);
    char spec[64];

    snprintf(spec, sizeof(spec), "tcp://127.0.0.1:%u", tcp_ok.port);
    const vs_scan_result *r = record_for(spec);
    assert_int_equal(r->status, VS_SCAN_ANSWERED);
    assert_int_equal(r->sip_status, 200); /* not the 100 before it */
    assert_string_equal(r->server, "TestPBX/1.0");
    assert_string_equal(r->transport, "tcp");
    assert_string_equal(r->tls_version, "");
    assert_true(strncmp(tcp_ok.last_request, "OPTIONS sip:127.0.0.1:", 22) == 0);
    assert_non_null(strstr(tcp_ok.last_request, ";transport=tcp SIP/2.0\r\n"));
    assert_non_null(strstr(tcp_ok.last_request, "\r\nVia: SIP/2.0/TCP 127.0.0.1:"));

    snprintf(spec, sizeof(spec), "tcp://127.0.0.1:%u", http.port);
    r = record_for(spec);
    assert_int_equal(r->status, VS_SCAN_GARBAGE);
    assert_string_equal(r->error, "an answer that is not a SIP response to our probe");

    snprintf(spec, sizeof(spec), "tcp://127.0.0.1:%u", mute.port);
    r = record_for(spec);
    assert_int_equal(r->status, VS_SCAN_SILENT);
    assert_string_equal(r->error, "connected, no SIP answer within 0.3 s");

    snprintf(spec, sizeof(spec), "tcp://127.0.0.1:%u", closed);
    r = record_for(spec);
    assert_int_equal(r->status, VS_SCAN_REFUSED);
    assert_string_equal(r->error, "connection refused (TCP reset)");

    snprintf(spec, sizeof(spec), "tls://localhost:%u", tls_ok.port);
    r = record_for(spec);
    assert_int_equal(r->status, VS_SCAN_ANSWERED);
    assert_string_equal(r->host, "localhost");
    assert_string_equal(r->transport, "tls");
    assert_string_equal(r->tls_version, "TLSv1.3");
    assert_true(strlen(r->tls_cipher) > 0);
    assert_string_equal(tls_ok.sni, "localhost");
    assert_true(strncmp(tls_ok.last_request, "OPTIONS sips:localhost:", 23) == 0);

    snprintf(spec, sizeof(spec), "tls://127.0.0.1:%u", stall.port);
    r = record_for(spec);
    assert_int_equal(r->status, VS_SCAN_TLS_FAILED);
    assert_string_equal(r->error, "TLS handshake stalled: no answer within 0.3 s");

    assert_int_equal(nrecords, 6);
    assert_int_equal(st.probes, 6);
    assert_int_equal(st.connects, 6);
    assert_int_equal(st.sent, 0);
    assert_int_equal(st.answered, 2);
    assert_int_equal(st.garbage, 1);
    assert_int_equal(st.silent, 1);
    assert_int_equal(st.refused, 1);
    assert_int_equal(st.tls_failed, 1);
    assert_int_equal(atomic_load(&tcp_ok.received), 1);
    assert_int_equal(atomic_load(&http.received), 1);
    assert_int_equal(atomic_load(&tls_ok.received), 1);

    peer_stop(&tcp_ok);
    peer_stop(&http);
    peer_stop(&mute);
    peer_stop(&tls_ok);
    peer_stop(&stall);
    vs_scan_targets_free(t);
    SSL_CTX_free(sctx);
}

/* Many retries: the attempt number in the token goes past 9 (hex digits) and still verifies. */
static void test_many_retries(void **state)
{
    (void)state;
    peer late;
    assert_true(peer_start(&late, UDP_SECOND, AF_INET, NULL));
    atomic_store(&late.answer_from, 12);
    vs_scan_targets *t = vs_scan_targets_new();
    add(t, "127.0.0.1:%u", late.port);
    vs_scan_opts o = quick_opts();
    o.timeout_s = 0.05;
    o.retries = 12;
    vs_scan_stats st;
    run(t, &o, &st);
    assert_int_equal(nrecords, 1);
    assert_int_equal(records[0].status, VS_SCAN_ANSWERED);
    assert_int_equal(atomic_load(&late.received), 12);
    assert_int_equal(st.sent, 12);
    peer_stop(&late);
    vs_scan_targets_free(t);
}

/* How a TCP service can end without a proper answer. */
static void test_tcp_endings(void **state)
{
    (void)state;
    peer closer, half, other;
    assert_true(peer_start(&closer, TCP_CLOSE, AF_INET, NULL));
    assert_true(peer_start(&half, TCP_HALF, AF_INET, NULL));
    assert_true(peer_start(&other, TCP_OTHER_CALL, AF_INET, NULL));
    vs_scan_targets *t = vs_scan_targets_new();
    add(t, "127.0.0.1:%u", closer.port);
    add(t, "127.0.0.1:%u", half.port);
    add(t, "127.0.0.1:%u", other.port);
    vs_scan_opts o = quick_opts();
    o.transports = VS_SCAN_TCP;
    vs_scan_stats st;
    run(t, &o, &st);
    char spec[64];
    snprintf(spec, sizeof(spec), "127.0.0.1:%u", closer.port);
    const vs_scan_result *r = record_for(spec);
    assert_int_equal(r->status, VS_SCAN_SILENT);
    assert_string_equal(r->error, "connected, closed without a SIP answer");
    snprintf(spec, sizeof(spec), "127.0.0.1:%u", half.port);
    r = record_for(spec);
    assert_int_equal(r->status, VS_SCAN_GARBAGE);
    assert_non_null(strstr(r->error, " bytes that are not a complete SIP answer, then the "
                                     "connection closed"));
    snprintf(spec, sizeof(spec), "127.0.0.1:%u", other.port);
    r = record_for(spec);
    assert_int_equal(r->status, VS_SCAN_GARBAGE);
    assert_string_equal(r->error, "an answer that is not a SIP response to our probe");
    assert_int_equal(nrecords, 3);
    assert_int_equal(st.connects, 3);
    peer_stop(&closer);
    peer_stop(&half);
    peer_stop(&other);
    vs_scan_targets_free(t);
}

/* A /24 of loopback addresses where nothing listens: 256 probes, all refused by ICMP, counted
 * and not reported (a block), at the configured pace. */
static void test_block_refused(void **state)
{
    (void)state;
    uint16_t closed = closed_port(AF_INET, SOCK_DGRAM);
    vs_scan_targets *t = vs_scan_targets_new();
    add(t, "udp://127.0.1.0/24:%u", closed);
    vs_scan_opts o = quick_opts();
    o.rate = 5000;
    vs_scan_stats st;
    run(t, &o, &st);
    assert_int_equal(nrecords, 0);
    assert_int_equal(st.probes, 256);
    assert_int_equal(st.refused + st.silent, 256);
    assert_true(st.refused >= 250); /* loopback ICMP is not rate limited; allow a few lost */
    assert_int_equal(st.sent, 256 + st.silent);
    /* 256 sends at 5000/s with bursts of 50: at least ~40 ms */
    assert_true(st.send_seconds >= 0.035);
    vs_scan_targets_free(t);
}

/* TLS spoken to a plain TCP service that talks first (HTTP): the handshake fails at once, the
 * status is tls-failed. UDP and TCP to one target by options, two ports. */
static void test_tls_to_plain_and_mixed(void **state)
{
    (void)state;
    peer http, udp_ok, tcp_ok;
    assert_true(peer_start(&http, TCP_HTTP, AF_INET, NULL));
    assert_true(peer_start(&udp_ok, UDP_OK, AF_INET, NULL));
    assert_true(peer_start(&tcp_ok, TCP_OK, AF_INET, NULL));
    vs_scan_targets *t = vs_scan_targets_new();
    add(t, "tls://127.0.0.1:%u", http.port);
    add(t, "127.0.0.1");
    vs_scan_opts o = quick_opts();
    o.transports = VS_SCAN_UDP | VS_SCAN_TCP;
    o.ports[0] = udp_ok.port;
    o.ports[1] = tcp_ok.port;
    o.nports = 2;
    vs_scan_stats st;
    run(t, &o, &st);
    char spec[64];
    snprintf(spec, sizeof(spec), "tls://127.0.0.1:%u", http.port);
    const vs_scan_result *r = record_for(spec);
    assert_int_equal(r->status, VS_SCAN_TLS_FAILED);
    assert_true(strncmp(r->error, "TLS handshake failed: ", 22) == 0);
    /* "127.0.0.1": UDP and TCP on both ports */
    assert_int_equal(st.probes, 5);
    size_t answered = 0, other = 0;
    for (size_t i = 0; i < nrecords; i++) {
        if (strcmp(records[i].target, "127.0.0.1") != 0)
            continue;
        bool udp = strcmp(records[i].transport, "udp") == 0;
        if ((udp && records[i].port == udp_ok.port) || (!udp && records[i].port == tcp_ok.port)) {
            assert_int_equal(records[i].status, VS_SCAN_ANSWERED);
            answered++;
        } else {
            /* UDP to the TCP peer's port and TCP to the UDP peer's port: nothing listens */
            assert_int_equal(records[i].status, VS_SCAN_REFUSED);
            other++;
        }
    }
    assert_int_equal(answered, 2);
    assert_int_equal(other, 2);
    assert_int_equal(nrecords, 5);
    peer_stop(&http);
    peer_stop(&udp_ok);
    peer_stop(&tcp_ok);
    vs_scan_targets_free(t);
}

static void test_unresolved_and_bad_options(void **state)
{
    (void)state;
    vs_scan_targets *t = vs_scan_targets_new();
    char name[128], err[256];
    memset(name, 'b', 64); /* a 64-byte label: refused by the resolver before any query */
    snprintf(name + 64, sizeof(name) - 64, ".invalid");
    assert_int_equal(vs_scan_targets_add(t, name, true, false, err, sizeof(err)), VS_OK);
    vs_scan_opts o = quick_opts();
    vs_scan_stats st;
    run(t, &o, &st);
    assert_int_equal(nrecords, 1);
    assert_string_equal(records[0].target, name);
    assert_string_equal(records[0].host, name);
    assert_int_equal(records[0].status, VS_SCAN_UNRESOLVED);
    assert_true(records[0].trunk);
    assert_true(strncmp(records[0].error, "the name did not resolve: ", 26) == 0);
    assert_int_equal(st.unresolved, 1);
    assert_int_equal(st.probes, 0);
    assert_int_equal(st.sent, 0);

    o.rate = 0;
    assert_int_equal(vs__discover(t, &o, on_result, NULL, NULL, &st, err, sizeof(err)), VS_E_INVAL);
    assert_non_null(strstr(err, "rate"));
    o = quick_opts();
    o.timeout_s = -1;
    assert_int_equal(vs__discover(t, &o, on_result, NULL, NULL, &st, err, sizeof(err)), VS_E_INVAL);
    o = quick_opts();
    o.retries = 100;
    assert_int_equal(vs__discover(t, &o, on_result, NULL, NULL, &st, err, sizeof(err)), VS_E_INVAL);
    assert_int_equal(vs__discover(NULL, &o, on_result, NULL, NULL, &st, err, sizeof(err)),
                     VS_E_INVAL);
    vs_scan_targets_free(t);
}

/* A peer that answers from another port than the one probed (a valid-looking SIP answer that
 * carries our token, then garbage): both are ignored, as the answer's source is not the tuple the
 * token was made for, and the tuple ends silent. */
static void test_other_port_ignored(void **state)
{
    (void)state;
    peer other;
    assert_true(peer_start(&other, UDP_OTHER_PORT, AF_INET, NULL));
    vs_scan_targets *t = vs_scan_targets_new();
    add(t, "127.0.0.1:%u", other.port);
    vs_scan_opts o = quick_opts();
    o.retries = 0;
    vs_scan_stats st;
    run(t, &o, &st);
    assert_int_equal(nrecords, 1);
    assert_int_equal(records[0].status, VS_SCAN_SILENT);
    assert_string_equal(records[0].error, "no answer within 0.3 s (1 probe)");
    assert_int_equal(st.sent, 1);
    assert_int_equal(st.garbage, 0);
    assert_int_equal(atomic_load(&other.received), 1);
    peer_stop(&other);
    vs_scan_targets_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_udp),
        cmocka_unit_test(test_block_records),
        cmocka_unit_test(test_tcp_tls),
        cmocka_unit_test(test_tls_to_plain_and_mixed),
        cmocka_unit_test(test_many_retries),
        cmocka_unit_test(test_tcp_endings),
        cmocka_unit_test(test_block_refused),
        cmocka_unit_test(test_unresolved_and_bad_options),
        cmocka_unit_test(test_other_port_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
