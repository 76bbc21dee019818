/* Unit tests of the auth check (src/scan/check_auth.c) against SIP responders started here, on
 * 127.0.0.1 ephemeral ports, in a thread each: UDP and TCP, answering an INVITE with 180 then 200
 * (the check must CANCEL, then ACK and BYE the 200 that crossed it), with 180 only (CANCEL, ACK
 * of the 487), with 401 (no finding, ACK on the INVITE's branch), with 404 (low finding), a
 * registrar that accepts an unauthenticated REGISTER (high), and a silent one (no finding, the
 * check returns within its timeouts). */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <voipsec/sip.h>

#include "scan/conn.h"

/* ---- findings collected from the check ---------------------------------------------------- */

enum { MAX_GOT = 16 };
static vs_finding got[MAX_GOT];
static size_t ngot;

static void on_finding(void *ctx, const vs_finding *f)
{
    (void)ctx;
    if (ngot < MAX_GOT)
        got[ngot++] = *f;
}

/* ---- the responder ------------------------------------------------------------------------ */

typedef enum mode {
    RING_ANSWER, /* INVITE: 100, 180, 200; REGISTER: 401 */
    RING_ONLY,   /* INVITE: 180, and 487 when cancelled; REGISTER: 401 */
    CHALLENGE,   /* INVITE and REGISTER: 401 */
    NOT_FOUND,   /* INVITE: 404; REGISTER: 401 */
    REGISTER_OK, /* INVITE: 407; REGISTER: 200 */
    SILENT,      /* nothing at all */
    TRYING_ONLY, /* INVITE: 100 only, 487 when cancelled */
    TRYING_LATE, /* INVITE: 100 only; a 200 crosses the CANCEL */
} mode;

enum { MAX_SEEN = 32 };

typedef struct seen_req {
    char method[16];
    char branch[64];
    char ruri_user[64];
    char to_tag[64];
} seen_req;

typedef struct responder {
    int fd;
    uint16_t port;
    bool tcp;
    mode mode;
    atomic_bool stop;
    pthread_t th;
    pthread_mutex_t lock;
    seen_req seen[MAX_SEEN];
    size_t nseen;
} responder;

static void copy_slice(char *out, size_t size, vs_slice s)
{
    size_t n = s.len < size - 1 ? s.len : size - 1;
    if (n)
        memcpy(out, s.ptr, n);
    out[n] = '\0';
}

/* Appends a response to m into out (status, reason; CSeq method replaced when cseq_method). */
static size_t response(char *out, size_t cap, const vs_sip_msg *m, unsigned status,
                       const char *reason, const char *cseq_method)
{
    size_t o = (size_t)snprintf(out, cap, "SIP/2.0 %u %s\r\n", status, reason);
    for (const vs_sip_header *h = vs_sip_find(m, VS_SIP_HDR_VIA); h; h = vs_sip_find_next(m, h))
        o += (size_t)snprintf(out + o, cap - o, "Via: %.*s\r\n", (int)h->value.len, h->value.ptr);
    const vs_sip_header *from = vs_sip_find(m, VS_SIP_HDR_FROM);
    const vs_sip_header *to = vs_sip_find(m, VS_SIP_HDR_TO);
    const vs_sip_header *cid = vs_sip_find(m, VS_SIP_HDR_CALL_ID);
    const vs_sip_header *cseq = vs_sip_find(m, VS_SIP_HDR_CSEQ);
    uint32_t num = 0;
    vs_slice meth;
    vs_sip_cseq_parse(cseq->value, &num, &meth, NULL);
    vs_sip_addr toa;
    bool has_tag = vs_sip_addr_parse(to->value, &toa, NULL) == VS_OK && toa.tag.len > 0;
    o += (size_t)snprintf(out + o, cap - o, "From: %.*s\r\nTo: %.*s%s\r\nCall-ID: %.*s\r\n",
                          (int)from->value.len, from->value.ptr, (int)to->value.len, to->value.ptr,
                          has_tag || status == 100 ? "" : ";tag=resp1", (int)cid->value.len,
                          cid->value.ptr);
    if (cseq_method)
        o += (size_t)snprintf(out + o, cap - o, "CSeq: %u %s\r\n", num, cseq_method);
    else
        o += (size_t)snprintf(out + o, cap - o, "CSeq: %.*s\r\n", (int)cseq->value.len,
                              cseq->value.ptr);
    o += (size_t)snprintf(out + o, cap - o, "Server: test-pbx\r\nContent-Length: 0\r\n\r\n");
    return o;
}

typedef struct reply_to {
    responder *r;
    int fd;
    struct sockaddr_storage peer;
    socklen_t peerlen;
} reply_to;

static void send_reply(reply_to *to, const char *buf, size_t len)
{
    if (to->r->tcp)
        (void)!send(to->fd, buf, len, MSG_NOSIGNAL);
    else
        (void)!sendto(to->fd, buf, len, 0, (struct sockaddr *)&to->peer, to->peerlen);
}

static void handle(reply_to *to, const char *buf, size_t len)
{
    responder *r = to->r;
    vs_sip_header hdrs[32];
    vs_sip_msg m;
    if (vs_sip_parse(buf, len, &m, hdrs, 32, VS_SIP_OPT_LAZY | (r->tcp ? VS_SIP_OPT_STREAM : 0)) <=
            0 ||
        m.kind != VS_SIP_REQUEST)
        return;
    seen_req s;
    memset(&s, 0, sizeof s);
    copy_slice(s.method, sizeof s.method, m.method);
    vs_sip_via via;
    const vs_sip_header *v = vs_sip_find(&m, VS_SIP_HDR_VIA);
    if (v && vs_sip_via_parse(v->value, &via, NULL) == VS_OK)
        copy_slice(s.branch, sizeof s.branch, via.branch);
    vs_sip_uri uri;
    if (vs_sip_uri_parse(m.request_uri, &uri, NULL) == VS_OK)
        copy_slice(s.ruri_user, sizeof s.ruri_user, uri.user);
    vs_sip_addr toa;
    const vs_sip_header *th = vs_sip_find(&m, VS_SIP_HDR_TO);
    if (th && vs_sip_addr_parse(th->value, &toa, NULL) == VS_OK)
        copy_slice(s.to_tag, sizeof s.to_tag, toa.tag);
    pthread_mutex_lock(&r->lock);
    if (r->nseen < MAX_SEEN)
        r->seen[r->nseen++] = s;
    pthread_mutex_unlock(&r->lock);
    if (r->mode == SILENT)
        return;

    char out[2048];
    size_t n;
    if (!strcmp(s.method, "INVITE")) {
        switch (r->mode) {
        case RING_ANSWER:
            send_reply(to, out, response(out, sizeof out, &m, 100, "Trying", NULL));
            send_reply(to, out, response(out, sizeof out, &m, 180, "Ringing", NULL));
            send_reply(to, out, response(out, sizeof out, &m, 200, "OK", NULL));
            break;
        case RING_ONLY:
            send_reply(to, out, response(out, sizeof out, &m, 180, "Ringing", NULL));
            break;
        case CHALLENGE:
            send_reply(to, out, response(out, sizeof out, &m, 401, "Unauthorized", NULL));
            break;
        case NOT_FOUND:
            send_reply(to, out, response(out, sizeof out, &m, 404, "Not Found", NULL));
            break;
        case REGISTER_OK:
            send_reply(to, out,
                       response(out, sizeof out, &m, 407, "Proxy Authentication Required", NULL));
            break;
        case TRYING_ONLY:
        case TRYING_LATE:
            send_reply(to, out, response(out, sizeof out, &m, 100, "Trying", NULL));
            break;
        case SILENT:
            break;
        }
    } else if (!strcmp(s.method, "CANCEL")) {
        if (r->mode == TRYING_LATE)
            send_reply(to, out, response(out, sizeof out, &m, 200, "OK", "INVITE"));
        send_reply(to, out, response(out, sizeof out, &m, 200, "OK", NULL));
        if (r->mode == RING_ONLY || r->mode == TRYING_ONLY) {
            n = response(out, sizeof out, &m, 487, "Request Terminated", "INVITE");
            send_reply(to, out, n);
        }
    } else if (!strcmp(s.method, "BYE")) {
        send_reply(to, out, response(out, sizeof out, &m, 200, "OK", NULL));
    } else if (!strcmp(s.method, "REGISTER")) {
        if (r->mode == REGISTER_OK)
            send_reply(to, out, response(out, sizeof out, &m, 200, "OK", NULL));
        else
            send_reply(to, out, response(out, sizeof out, &m, 401, "Unauthorized", NULL));
    }
}

static void *udp_loop(void *arg)
{
    responder *r = arg;
    char buf[4096];
    for (int i = 0; i < 2000 && !atomic_load(&r->stop); i++) { /* at most ~100 s */
        struct pollfd p = {r->fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0)
            continue;
        reply_to to = {r, r->fd, {0}, sizeof(struct sockaddr_storage)};
        ssize_t n = recvfrom(r->fd, buf, sizeof buf, 0, (struct sockaddr *)&to.peer, &to.peerlen);
        if (n > 0)
            handle(&to, buf, (size_t)n);
    }
    return NULL;
}

static void *tcp_loop(void *arg)
{
    responder *r = arg;
    for (int i = 0; i < 2000 && !atomic_load(&r->stop); i++) {
        struct pollfd p = {r->fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int cfd = accept(r->fd, NULL, NULL);
        if (cfd < 0)
            continue;
        reply_to to = {r, cfd, {0}, 0};
        char buf[8192];
        size_t len = 0;
        for (int j = 0; j < 400 && !atomic_load(&r->stop); j++) {
            struct pollfd q = {cfd, POLLIN, 0};
            if (poll(&q, 1, 50) <= 0)
                continue;
            ssize_t n = recv(cfd, buf + len, sizeof buf - len, 0);
            if (n <= 0)
                break;
            len += (size_t)n;
            for (;;) {
                size_t skip = 0;
                long m = vs_sip_stream_frame(buf, len, sizeof buf, &skip);
                if (m <= 0)
                    break;
                handle(&to, buf + skip, (size_t)m - skip);
                memmove(buf, buf + m, len - (size_t)m);
                len -= (size_t)m;
            }
            if (len == sizeof buf)
                break;
        }
        close(cfd);
    }
    return NULL;
}

static void responder_start(responder *r, bool tcp, mode md)
{
    memset(r, 0, sizeof *r);
    r->tcp = tcp;
    r->mode = md;
    pthread_mutex_init(&r->lock, NULL);
    r->fd = socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
    assert_true(r->fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(r->fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t al = sizeof a;
    assert_int_equal(getsockname(r->fd, (struct sockaddr *)&a, &al), 0);
    r->port = ntohs(a.sin_port);
    if (tcp)
        assert_int_equal(listen(r->fd, 8), 0);
    assert_int_equal(pthread_create(&r->th, NULL, tcp ? tcp_loop : udp_loop, r), 0);
}

static void responder_stop(responder *r)
{
    atomic_store(&r->stop, true);
    pthread_join(r->th, NULL);
    close(r->fd);
    pthread_mutex_destroy(&r->lock);
}

/* The index of the n-th request with this method (0-based), or -1. */
static int seen_index(responder *r, const char *method, int nth)
{
    int found = -1;
    pthread_mutex_lock(&r->lock);
    for (size_t i = 0; i < r->nseen; i++)
        if (!strcmp(r->seen[i].method, method) && nth-- == 0) {
            found = (int)i;
            break;
        }
    pthread_mutex_unlock(&r->lock);
    return found;
}

/* ---- helpers ------------------------------------------------------------------------------ */

static void opts(vs_scan_opts *o, const char *users)
{
    memset(o, 0, sizeof *o);
    o->timeout_s = 1.0;
    o->checks = VS_SCAN_CHECK_AUTH;
    snprintf(o->user_agent, sizeof o->user_agent, "voipsec/test");
    snprintf(o->enum_users, sizeof o->enum_users, "%s", users);
}

static void service(vs_scan_result *svc, const responder *r)
{
    memset(svc, 0, sizeof *svc);
    snprintf(svc->ip, sizeof svc->ip, "127.0.0.1");
    svc->port = r->port;
    snprintf(svc->transport, sizeof svc->transport, "%s", r->tcp ? "tcp" : "udp");
    svc->status = VS_SCAN_ANSWERED;
    svc->sip_status = 200;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Waits (bounded) until the responder has seen the n-th request of a method. */
static int wait_seen(responder *r, const char *method, int nth)
{
    for (int i = 0; i < 100; i++) {
        int k = seen_index(r, method, nth);
        if (k >= 0)
            return k;
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    return -1;
}

static void run(responder *r, const char *users)
{
    vs_scan_opts o;
    vs_scan_result svc;
    opts(&o, users);
    service(&svc, r);
    ngot = 0;
    vs__check_service(&svc, &o, on_finding, NULL);
}

/* ---- tests -------------------------------------------------------------------------------- */

/* 180 then 200: critical; the check cancels, then ACKs (new branch) and BYEs the 200. */
static void ring_then_answer(bool tcp)
{
    responder r;
    responder_start(&r, tcp, RING_ANSWER);
    run(&r, "100,101");
    assert_int_equal(ngot, 1);
    assert_string_equal(got[0].rule, "scan.unauthenticated-invite");
    assert_int_equal(got[0].severity, VS_SEV_CRITICAL);
    assert_int_equal(got[0].practice, VS_PRACTICE_NETWORK);
    assert_string_equal(got[0].dst.ip, "127.0.0.1");
    assert_int_equal(got[0].dst.port, r.port);
    assert_string_equal(got[0].dst.transport, tcp ? "tcp" : "udp");
    assert_string_equal(got[0].user, "100");
    assert_non_null(strstr(got[0].evidence, "\"cleanup\":\"hung-up\""));
    assert_non_null(strstr(got[0].evidence, "\"server\":\"test-pbx\""));
    int inv = wait_seen(&r, "INVITE", 0), can = wait_seen(&r, "CANCEL", 0);
    int ack = wait_seen(&r, "ACK", 0), bye = wait_seen(&r, "BYE", 0);
    assert_true(inv >= 0 && can >= 0 && ack >= 0 && bye >= 0);
    assert_true(inv < can && can < ack && ack < bye);
    assert_string_equal(r.seen[inv].ruri_user, "100");
    assert_string_equal(r.seen[can].branch, r.seen[inv].branch);     /* CANCEL: same branch */
    assert_string_not_equal(r.seen[ack].branch, r.seen[inv].branch); /* ACK of a 2xx: new one */
    assert_string_equal(r.seen[ack].to_tag, "resp1");
    assert_string_equal(r.seen[bye].to_tag, "resp1");
    assert_true(wait_seen(&r, "REGISTER", 0) >= 0); /* 401: no register finding */
    responder_stop(&r);
}

static void test_ring_answer_udp(void **state)
{
    (void)state;
    ring_then_answer(false);
}

static void test_ring_answer_tcp(void **state)
{
    (void)state;
    ring_then_answer(true);
}

/* 180 only: critical; CANCEL, then the 487 is ACKed on the INVITE's branch. */
static void test_ring_cancel(void **state)
{
    (void)state;
    responder r;
    responder_start(&r, false, RING_ONLY);
    run(&r, "");
    assert_int_equal(ngot, 1);
    assert_string_equal(got[0].rule, "scan.unauthenticated-invite");
    assert_int_equal(got[0].severity, VS_SEV_CRITICAL);
    assert_string_equal(got[0].user, "voipsec-probe");
    assert_non_null(strstr(got[0].evidence, "\"status\":180"));
    assert_non_null(strstr(got[0].evidence, "\"cleanup\":\"cancelled\""));
    int inv = wait_seen(&r, "INVITE", 0), can = wait_seen(&r, "CANCEL", 0);
    int ack = wait_seen(&r, "ACK", 0);
    assert_true(inv >= 0 && can > inv && ack > can);
    assert_string_equal(r.seen[inv].ruri_user, "voipsec-probe");
    assert_string_equal(r.seen[ack].branch, r.seen[inv].branch);
    assert_int_equal(seen_index(&r, "BYE", 0), -1);
    responder_stop(&r);
}

/* 401 to everything: no finding; the 401 is ACKed on the INVITE's branch. */
static void test_challenge_quiet(void **state)
{
    (void)state;
    responder r;
    responder_start(&r, false, CHALLENGE);
    run(&r, "200");
    assert_int_equal(ngot, 0);
    int inv = wait_seen(&r, "INVITE", 0), ack = wait_seen(&r, "ACK", 0);
    assert_true(inv >= 0 && ack > inv);
    assert_string_equal(r.seen[ack].branch, r.seen[inv].branch);
    assert_string_equal(r.seen[ack].to_tag, "resp1");
    assert_true(wait_seen(&r, "REGISTER", 0) >= 0);
    assert_int_equal(seen_index(&r, "CANCEL", 0), -1);
    responder_stop(&r);
}

/* 404 to the INVITE: low finding with the status; still ACKed. */
static void test_not_found_low(void **state)
{
    (void)state;
    responder r;
    responder_start(&r, true, NOT_FOUND);
    run(&r, "100");
    assert_int_equal(ngot, 1);
    assert_string_equal(got[0].rule, "scan.unauthenticated-invite");
    assert_int_equal(got[0].severity, VS_SEV_LOW);
    assert_non_null(strstr(got[0].evidence, "\"status\":404"));
    assert_true(wait_seen(&r, "ACK", 0) >= 0);
    responder_stop(&r);
}

/* REGISTER accepted without credentials: high; the INVITE's 407 gives nothing. */
static void test_register_ok_high(void **state)
{
    (void)state;
    responder r;
    responder_start(&r, false, REGISTER_OK);
    run(&r, "1000");
    assert_int_equal(ngot, 1);
    assert_string_equal(got[0].rule, "scan.unauthenticated-register");
    assert_int_equal(got[0].severity, VS_SEV_HIGH);
    assert_string_equal(got[0].user, "1000");
    assert_non_null(strstr(got[0].evidence, "\"status\":200"));
    responder_stop(&r);
}

/* Only "100 Trying" within the timeout: the check cancels the call (and ACKs the 487), and
 * reports nothing. */
static void test_trying_then_cancel(void **state)
{
    (void)state;
    responder r;
    responder_start(&r, true, TRYING_ONLY);
    run(&r, "100");
    assert_int_equal(ngot, 0);
    int inv = wait_seen(&r, "INVITE", 0), can = wait_seen(&r, "CANCEL", 0);
    int ack = wait_seen(&r, "ACK", 0);
    assert_true(inv >= 0 && can > inv && ack > can);
    assert_string_equal(r.seen[ack].branch, r.seen[inv].branch);
    responder_stop(&r);
}

/* "100 Trying", then a 200 that crosses the CANCEL: the call was put through (critical), and
 * it is hung up. */
static void test_trying_then_late_answer(void **state)
{
    (void)state;
    responder r;
    responder_start(&r, false, TRYING_LATE);
    run(&r, "100");
    assert_int_equal(ngot, 1);
    assert_string_equal(got[0].rule, "scan.unauthenticated-invite");
    assert_int_equal(got[0].severity, VS_SEV_CRITICAL);
    assert_non_null(strstr(got[0].evidence, "\"status\":200"));
    assert_non_null(strstr(got[0].evidence, "\"cleanup\":\"hung-up\""));
    int can = wait_seen(&r, "CANCEL", 0), ack = wait_seen(&r, "ACK", 0);
    int bye = wait_seen(&r, "BYE", 0);
    assert_true(can >= 0 && ack > can && bye > ack);
    assert_int_equal(seen_index(&r, "BYE", 1), -1); /* hung up once */
    responder_stop(&r);
}

/* A service that never answers: no finding, and the check gives up within its timeouts. */
static void test_silent_bounded(void **state)
{
    (void)state;
    responder r;
    responder_start(&r, false, SILENT);
    double t0 = now_s();
    run(&r, "100");
    double took = now_s() - t0;
    assert_int_equal(ngot, 0);
    assert_true(took < 3.5); /* INVITE and REGISTER: one 1 s timeout each */
    assert_true(took > 1.5);
    assert_true(seen_index(&r, "INVITE", 1) >= 0); /* UDP: retransmitted after 0.5 s */
    responder_stop(&r);
}

/* The trunk flag moves the practice to provider; no auth bit, no traffic. */
static void test_trunk_and_dispatch(void **state)
{
    (void)state;
    responder r;
    responder_start(&r, false, RING_ANSWER);
    vs_scan_opts o;
    vs_scan_result svc;
    opts(&o, "100");
    service(&svc, &r);
    svc.trunk = true;
    ngot = 0;
    vs__check_service(&svc, &o, on_finding, NULL);
    assert_int_equal(ngot, 1);
    assert_int_equal(got[0].practice, VS_PRACTICE_PROVIDER);
    pthread_mutex_lock(&r.lock);
    size_t before = r.nseen;
    pthread_mutex_unlock(&r.lock);
    o.checks = VS_SCAN_CHECK_ADMIN; /* admin is per address, not per service */
    ngot = 0;
    vs__check_service(&svc, &o, on_finding, NULL);
    assert_int_equal(ngot, 0);
    svc.status = VS_SCAN_SILENT;
    o.checks = VS_SCAN_CHECK_AUTH;
    vs__check_service(&svc, &o, on_finding, NULL);
    assert_int_equal(ngot, 0);
    struct timespec ts = {0, 100000000};
    nanosleep(&ts, NULL);
    pthread_mutex_lock(&r.lock);
    size_t after = r.nseen;
    pthread_mutex_unlock(&r.lock);
    assert_int_equal(after, before);
    responder_stop(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ring_answer_udp),    cmocka_unit_test(test_ring_answer_tcp),
        cmocka_unit_test(test_ring_cancel),        cmocka_unit_test(test_challenge_quiet),
        cmocka_unit_test(test_not_found_low),      cmocka_unit_test(test_register_ok_high),
        cmocka_unit_test(test_silent_bounded),     cmocka_unit_test(test_trunk_and_dispatch),
        cmocka_unit_test(test_trying_then_cancel), cmocka_unit_test(test_trying_then_late_answer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
