/* Unit tests of the enum-leak check (src/scan/check_enum.c) against registrars started here on
 * 127.0.0.1 ephemeral ports, one thread each: one that answers 404 to unknown users and 401 to
 * "100" (the leak), one that answers 401 to everybody and one that answers 200 to everybody (no
 * leak: every user is answered alike), one that answers 403 to "101" only (a different status
 * leaks too), a TCP registrar that closes the connection after every answer (the check
 * reconnects), and a silent one (no finding, bounded time). */
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

enum { MAX_GOT = 8 };
static vs_finding got[MAX_GOT];
static size_t ngot;

static void on_finding(void *ctx, const vs_finding *f)
{
    (void)ctx;
    if (ngot < MAX_GOT)
        got[ngot++] = *f;
}

typedef enum policy {
    LEAKY,    /* 401 for "100", 404 for everybody else */
    SAME_401, /* 401 for everybody */
    SAME_200, /* 200 for everybody */
    DIFF_403, /* 403 for "101", 401 for everybody else */
    SILENT,
} policy;

typedef struct registrar {
    int fd;
    uint16_t port;
    bool tcp;
    policy policy;
    atomic_bool stop;
    atomic_int registers;
    atomic_int connections;
    pthread_t th;
    char last_missing[64]; /* written by the thread, read after stop */
} registrar;

static unsigned status_for(const registrar *r, const char *user)
{
    switch (r->policy) {
    case LEAKY:
        return strcmp(user, "100") ? 404 : 401;
    case SAME_401:
        return 401;
    case SAME_200:
        return 200;
    case DIFF_403:
        return strcmp(user, "101") ? 401 : 403;
    case SILENT:
        return 0;
    }
    return 0;
}

/* Builds the answer to a REGISTER in buf; 0 when none is due. */
static size_t answer(registrar *r, const char *in, size_t len, char *out, size_t cap)
{
    vs_sip_header hdrs[32];
    vs_sip_msg m;
    if (vs_sip_parse(in, len, &m, hdrs, 32, VS_SIP_OPT_LAZY | (r->tcp ? VS_SIP_OPT_STREAM : 0)) <=
            0 ||
        m.kind != VS_SIP_REQUEST || m.method_id != VS_SIP_METHOD_REGISTER)
        return 0;
    atomic_fetch_add(&r->registers, 1);
    const vs_sip_header *to = vs_sip_find(&m, VS_SIP_HDR_TO);
    vs_sip_addr a;
    char user[64] = "";
    if (to && vs_sip_addr_parse(to->value, &a, NULL) == VS_OK && a.uri.user.len < sizeof user) {
        memcpy(user, a.uri.user.ptr, a.uri.user.len);
        user[a.uri.user.len] = '\0';
    }
    if (!strncmp(user, "vs", 2) && strlen(user) == 12)
        snprintf(r->last_missing, sizeof r->last_missing, "%s", user);
    unsigned st = status_for(r, user);
    if (!st)
        return 0;
    const char *reason = st == 200   ? "OK"
                         : st == 401 ? "Unauthorized"
                         : st == 403 ? "Forbidden"
                                     : "Not Found";
    size_t o = (size_t)snprintf(out, cap, "SIP/2.0 %u %s\r\n", st, reason);
    for (const vs_sip_header *h = vs_sip_find(&m, VS_SIP_HDR_VIA); h; h = vs_sip_find_next(&m, h))
        o += (size_t)snprintf(out + o, cap - o, "Via: %.*s\r\n", (int)h->value.len, h->value.ptr);
    static const vs_sip_hdr_id copy[] = {VS_SIP_HDR_FROM, VS_SIP_HDR_TO, VS_SIP_HDR_CALL_ID,
                                         VS_SIP_HDR_CSEQ};
    for (size_t i = 0; i < 4; i++) {
        const vs_sip_header *h = vs_sip_find(&m, copy[i]);
        o += (size_t)snprintf(out + o, cap - o, "%s: %.*s%s\r\n", vs_sip_hdr_name(copy[i]),
                              (int)h->value.len, h->value.ptr,
                              copy[i] == VS_SIP_HDR_TO ? ";tag=reg1" : "");
    }
    o += (size_t)snprintf(out + o, cap - o, "Content-Length: 0\r\n\r\n");
    return o;
}

static void *udp_loop(void *arg)
{
    registrar *r = arg;
    char buf[4096], out[2048];
    for (int i = 0; i < 2000 && !atomic_load(&r->stop); i++) {
        struct pollfd p = {r->fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0)
            continue;
        struct sockaddr_storage peer;
        socklen_t pl = sizeof peer;
        ssize_t n = recvfrom(r->fd, buf, sizeof buf, 0, (struct sockaddr *)&peer, &pl);
        size_t m = n > 0 ? answer(r, buf, (size_t)n, out, sizeof out) : 0;
        if (m)
            (void)!sendto(r->fd, out, m, 0, (struct sockaddr *)&peer, pl);
    }
    return NULL;
}

/* TCP: one request per connection, then the server closes it. */
static void *tcp_loop(void *arg)
{
    registrar *r = arg;
    for (int i = 0; i < 2000 && !atomic_load(&r->stop); i++) {
        struct pollfd p = {r->fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int cfd = accept(r->fd, NULL, NULL);
        if (cfd < 0)
            continue;
        atomic_fetch_add(&r->connections, 1);
        char buf[4096], out[2048];
        size_t len = 0;
        for (int j = 0; j < 100; j++) {
            struct pollfd q = {cfd, POLLIN, 0};
            if (poll(&q, 1, 50) <= 0)
                continue;
            ssize_t n = recv(cfd, buf + len, sizeof buf - len, 0);
            if (n <= 0)
                break;
            len += (size_t)n;
            size_t skip = 0;
            long fr = vs_sip_stream_frame(buf, len, sizeof buf, &skip);
            if (fr > 0) {
                size_t m = answer(r, buf + skip, (size_t)fr - skip, out, sizeof out);
                if (m)
                    (void)!send(cfd, out, m, MSG_NOSIGNAL);
                break;
            }
        }
        close(cfd);
    }
    return NULL;
}

static void start(registrar *r, bool tcp, policy pol)
{
    memset(r, 0, sizeof *r);
    r->tcp = tcp;
    r->policy = pol;
    r->fd = socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
    assert_true(r->fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(r->fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t al = sizeof a;
    assert_int_equal(getsockname(r->fd, (struct sockaddr *)&a, &al), 0);
    r->port = ntohs(a.sin_port);
    if (tcp)
        assert_int_equal(listen(r->fd, 8), 0);
    assert_int_equal(pthread_create(&r->th, NULL, tcp ? tcp_loop : udp_loop, r), 0);
}

static void stop(registrar *r)
{
    atomic_store(&r->stop, true);
    pthread_join(r->th, NULL);
    close(r->fd);
}

static void run(registrar *r, const char *users, double timeout)
{
    vs_scan_opts o;
    memset(&o, 0, sizeof o);
    o.timeout_s = timeout;
    o.checks = VS_SCAN_CHECK_ENUM;
    snprintf(o.user_agent, sizeof o.user_agent, "voipsec/test");
    snprintf(o.enum_users, sizeof o.enum_users, "%s", users);
    vs_scan_result svc;
    memset(&svc, 0, sizeof svc);
    snprintf(svc.ip, sizeof svc.ip, "127.0.0.1");
    svc.port = r->port;
    snprintf(svc.transport, sizeof svc.transport, "%s", r->tcp ? "tcp" : "udp");
    svc.status = VS_SCAN_ANSWERED;
    ngot = 0;
    vs__check_service(&svc, &o, on_finding, NULL);
}

static void test_leaky_404(void **state)
{
    (void)state;
    registrar r;
    start(&r, false, LEAKY);
    run(&r, "100, 101,,200", 1.0);
    stop(&r);
    assert_int_equal(atomic_load(&r.registers), 4); /* the missing user and three likely ones */
    assert_int_equal(strlen(r.last_missing), 12);
    assert_int_equal(ngot, 1);
    assert_string_equal(got[0].rule, "scan.enum-leak");
    assert_int_equal(got[0].severity, VS_SEV_MEDIUM);
    assert_int_equal(got[0].practice, VS_PRACTICE_NETWORK);
    assert_string_equal(got[0].dst.transport, "udp");
    assert_int_equal(got[0].dst.port, r.port);
    assert_non_null(strstr(got[0].evidence, "\"missing_user_status\":404"));
    assert_non_null(
        strstr(got[0].evidence, "\"likely_user_status\":{\"100\":401,\"101\":404,\"200\":404}"));
    assert_non_null(strstr(got[0].evidence, "\"looks_real\":[\"100\"]"));
}

/* 404 for the missing user leaks even when no likely user exists. */
static void test_404_without_real_users(void **state)
{
    (void)state;
    registrar r;
    start(&r, false, LEAKY);
    run(&r, "555", 1.0);
    stop(&r);
    assert_int_equal(ngot, 1);
    assert_string_equal(got[0].rule, "scan.enum-leak");
    assert_non_null(strstr(got[0].evidence, "\"looks_real\":[]"));
}

static void test_same_answer_quiet(void **state)
{
    (void)state;
    registrar r;
    start(&r, false, SAME_401);
    run(&r, "100,101,200,1000", 1.0);
    stop(&r);
    assert_int_equal(atomic_load(&r.registers), 5);
    assert_int_equal(ngot, 0);

    start(&r, false, SAME_200);
    run(&r, "100,101", 1.0);
    stop(&r);
    assert_int_equal(atomic_load(&r.registers), 3);
    assert_int_equal(ngot, 0);
}

static void test_different_status(void **state)
{
    (void)state;
    registrar r;
    start(&r, false, DIFF_403);
    run(&r, "100,101", 1.0);
    stop(&r);
    assert_int_equal(ngot, 1);
    assert_string_equal(got[0].rule, "scan.enum-leak");
    assert_non_null(strstr(got[0].evidence, "\"missing_user_status\":401"));
    assert_non_null(strstr(got[0].evidence, "\"looks_real\":[\"101\"]"));
}

/* A TCP registrar that hangs up after each answer: the check reconnects for every user. */
static void test_tcp_reconnect(void **state)
{
    (void)state;
    registrar r;
    start(&r, true, LEAKY);
    run(&r, "100,101", 1.0);
    stop(&r);
    assert_int_equal(atomic_load(&r.registers), 3);
    assert_true(atomic_load(&r.connections) >= 3);
    assert_int_equal(ngot, 1);
    assert_string_equal(got[0].dst.transport, "tcp");
    assert_non_null(strstr(got[0].evidence, "\"looks_real\":[\"100\"]"));
}

static void test_silent_bounded(void **state)
{
    (void)state;
    registrar r;
    start(&r, false, SILENT);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    run(&r, "100,101,102,103", 0.4);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    stop(&r);
    double took = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_int_equal(ngot, 0);
    assert_true(took < 1.5); /* no answer for the missing user: the likely ones are not asked */
    assert_true(atomic_load(&r.registers) >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leaky_404),         cmocka_unit_test(test_404_without_real_users),
        cmocka_unit_test(test_same_answer_quiet), cmocka_unit_test(test_different_status),
        cmocka_unit_test(test_tcp_reconnect),     cmocka_unit_test(test_silent_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
