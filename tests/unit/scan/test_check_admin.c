/* Unit tests of the admin check (src/scan/check_admin.c) through vs__check_admin_ports, pointed at
 * fake interfaces started here on 127.0.0.1 ephemeral ports, one thread each: an AMI banner, a
 * FreeSWITCH event socket, a telnet server that negotiates options before its prompt, a web
 * server over HTTP and over TLS, and a TFTP server that answers from a new port. And the ones that
 * must stay quiet: a listener that says nothing, one with another protocol's banner, a web port
 * answering garbage, a port nobody listens on, and a TFTP port that never answers. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "scan/conn.h"

enum { MAX_GOT = 16 };
static vs_finding got[MAX_GOT];
static size_t ngot;

static void on_finding(void *ctx, const vs_finding *f)
{
    (void)ctx;
    if (ngot < MAX_GOT)
        got[ngot++] = *f;
}

static const vs_finding *find_port(uint16_t port)
{
    for (size_t i = 0; i < ngot; i++)
        if (got[i].dst.port == port)
            return &got[i];
    return NULL;
}

/* ---- fake interfaces ---------------------------------------------------------------------- */

typedef enum fake_kind {
    FAKE_AMI,     /* "Asterisk Call Manager/5.0.2" */
    FAKE_ESL,     /* "Content-Type: auth/request" */
    FAKE_TELNET,  /* IAC DO TTYPE, IAC DO NAWS, "login: " */
    FAKE_HTTP,    /* answers a HEAD */
    FAKE_HTTPS,   /* the same through TLS */
    FAKE_MUTE,    /* accepts, says nothing */
    FAKE_SSH,     /* another protocol's banner */
    FAKE_GARBAGE, /* answers a request with something that is not HTTP */
    FAKE_TFTP,    /* UDP: ERROR from a new port */
    FAKE_TFTP_MUTE,
} fake_kind;

typedef struct fake {
    int fd;
    uint16_t port;
    fake_kind kind;
    SSL_CTX *ctx;
    atomic_bool stop;
    pthread_t th;
    char request[512]; /* HTTP: what the check sent; TFTP: the file name asked for */
} fake;

static void serve_tcp(fake *s, int cfd)
{
    struct timeval tv = {2, 0};
    setsockopt(cfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(cfd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    static const char telnet[] = "\xff\xfd\x18\xff\xfd\x1f\xff\xfb\x01\r\nlogin: ";
    char buf[1024];
    switch (s->kind) {
    case FAKE_AMI:
        (void)!send(cfd, "Asterisk Call Manager/5.0.2\r\n", 29, MSG_NOSIGNAL);
        break;
    case FAKE_ESL:
        (void)!send(cfd, "Content-Type: auth/request\n\n", 28, MSG_NOSIGNAL);
        break;
    case FAKE_TELNET:
        (void)!send(cfd, telnet, sizeof telnet - 1, MSG_NOSIGNAL);
        break;
    case FAKE_SSH:
        (void)!send(cfd, "SSH-2.0-OpenSSH_9.6\r\n", 21, MSG_NOSIGNAL);
        break;
    case FAKE_HTTP:
    case FAKE_GARBAGE: {
        ssize_t n = recv(cfd, buf, sizeof buf - 1, 0);
        if (n > 0) {
            buf[n] = '\0';
            snprintf(s->request, sizeof s->request, "%.500s", buf);
            const char *a = s->kind == FAKE_HTTP
                                ? "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nserver: Grandstream "
                                  "GXP2170 1.0.11.3\r\n\r\n"
                                : "220 ftp ready\r\n";
            (void)!send(cfd, a, strlen(a), MSG_NOSIGNAL);
        }
        break;
    }
    case FAKE_HTTPS: {
        SSL *ssl = SSL_new(s->ctx);
        SSL_set_fd(ssl, cfd);
        if (SSL_accept(ssl) == 1) {
            int n = SSL_read(ssl, buf, sizeof buf - 1);
            if (n > 0) {
                buf[n] = '\0';
                snprintf(s->request, sizeof s->request, "%.500s", buf);
                static const char a[] = "HTTP/1.0 302 Found\r\nLocation: /login\r\n\r\n";
                SSL_write(ssl, a, sizeof a - 1);
            }
            SSL_shutdown(ssl);
        }
        SSL_free(ssl);
        ERR_clear_error();
        break;
    }
    default:
        break;
    }
    /* hold the connection until the check closes it (bounded by the receive timeout) */
    while (s->kind != FAKE_HTTPS && recv(cfd, buf, sizeof buf, 0) > 0)
        ;
    close(cfd);
}

static void serve_tftp(fake *s)
{
    char buf[600];
    struct sockaddr_storage peer;
    socklen_t pl = sizeof peer;
    ssize_t n = recvfrom(s->fd, buf, sizeof buf - 1, 0, (struct sockaddr *)&peer, &pl);
    if (n < 4 || buf[0] != 0 || buf[1] != 1)
        return;
    buf[n] = '\0';
    if (snprintf(s->request, sizeof s->request, "%s", buf + 2) < 0) /* cut to fit */
        s->request[0] = '\0';
    if (s->kind == FAKE_TFTP_MUTE)
        return;
    /* RFC 1350: the server answers from a port of its own */
    int t = socket(AF_INET, SOCK_DGRAM, 0);
    static const char err[] = "\0\5\0\1File not found";
    (void)!sendto(t, err, sizeof err, 0, (struct sockaddr *)&peer, pl);
    close(t);
}

static void *fake_loop(void *arg)
{
    /* this thread writes to peers that may have gone: SIGPIPE stays blocked here, so that a
     * SIGPIPE raised by the library under test (in the main thread) still kills the test */
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, NULL);
    fake *s = arg;
    for (int i = 0; i < 2000 && !atomic_load(&s->stop); i++) {
        struct pollfd p = {s->fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0)
            continue;
        if (s->kind == FAKE_TFTP || s->kind == FAKE_TFTP_MUTE) {
            serve_tftp(s);
            continue;
        }
        int cfd = accept(s->fd, NULL, NULL);
        if (cfd >= 0)
            serve_tcp(s, cfd);
    }
    return NULL;
}

static SSL_CTX *server_ctx(void)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    assert_non_null(key);
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, key);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"phone", -1, -1, 0);
    X509_set_issuer_name(x, n);
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    assert_non_null(ctx);
    assert_int_equal(SSL_CTX_use_certificate(ctx, x), 1);
    assert_int_equal(SSL_CTX_use_PrivateKey(ctx, key), 1);
    X509_free(x);
    EVP_PKEY_free(key);
    return ctx;
}

static void fake_start(fake *s, fake_kind kind)
{
    memset(s, 0, sizeof *s);
    s->kind = kind;
    bool udp = kind == FAKE_TFTP || kind == FAKE_TFTP_MUTE;
    if (kind == FAKE_HTTPS)
        s->ctx = server_ctx();
    s->fd = socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
    assert_true(s->fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t al = sizeof a;
    assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &al), 0);
    s->port = ntohs(a.sin_port);
    if (!udp)
        assert_int_equal(listen(s->fd, 8), 0);
    assert_int_equal(pthread_create(&s->th, NULL, fake_loop, s), 0);
}

static void fake_stop(fake *s)
{
    atomic_store(&s->stop, true);
    pthread_join(s->th, NULL);
    close(s->fd);
    SSL_CTX_free(s->ctx);
}

static void opts(vs_scan_opts *o, double timeout)
{
    memset(o, 0, sizeof *o);
    o->timeout_s = timeout;
    o->checks = VS_SCAN_CHECK_ADMIN;
    snprintf(o->user_agent, sizeof o->user_agent, "voipsec/test");
}

static void assert_hit(uint16_t port, vs_severity sev, const char *transport, const char *service,
                       const char *banner)
{
    const vs_finding *f = find_port(port);
    assert_non_null(f);
    assert_string_equal(f->rule, "scan.admin-exposed");
    assert_int_equal(f->practice, VS_PRACTICE_EQUIPMENT);
    assert_int_equal(f->severity, sev);
    assert_string_equal(f->dst.ip, "127.0.0.1");
    assert_string_equal(f->dst.transport, transport);
    char want[256];
    snprintf(want, sizeof want, "\"port\":%u,\"service\":\"%s\",\"banner\":\"%s\"", (unsigned)port,
             service, banner);
    if (!strstr(f->evidence, want))
        print_message("evidence %s\nwanted %s\n", f->evidence, want);
    assert_non_null(strstr(f->evidence, want));
    assert_true(f->title[0] && f->explain[0] && f->advice[0]);
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_exposed_interfaces(void **state)
{
    (void)state;
    fake ami, esl, tel, http, https, tftp;
    fake_start(&ami, FAKE_AMI);
    fake_start(&esl, FAKE_ESL);
    fake_start(&tel, FAKE_TELNET);
    fake_start(&http, FAKE_HTTP);
    fake_start(&https, FAKE_HTTPS);
    fake_start(&tftp, FAKE_TFTP);
    const vs__admin_port ports[] = {
        {ami.port, VS__ADMIN_AMI},   {esl.port, VS__ADMIN_ESL},     {tel.port, VS__ADMIN_TELNET},
        {http.port, VS__ADMIN_HTTP}, {https.port, VS__ADMIN_HTTPS}, {tftp.port, VS__ADMIN_TFTP},
    };
    vs_scan_opts o;
    opts(&o, 1.0);
    ngot = 0;
    vs__check_admin_ports("127.0.0.1", "pbx.test", &o, ports, 6, on_finding, NULL);
    fake_stop(&ami);
    fake_stop(&esl);
    fake_stop(&tel);
    fake_stop(&http);
    fake_stop(&https);
    fake_stop(&tftp);

    assert_int_equal(ngot, 6);
    assert_hit(ami.port, VS_SEV_HIGH, "tcp", "ami", "Asterisk Call Manager/5.0.2");
    assert_hit(esl.port, VS_SEV_HIGH, "tcp", "esl", "Content-Type: auth/request");
    assert_hit(tel.port, VS_SEV_HIGH, "tcp", "telnet", "login:");
    assert_hit(http.port, VS_SEV_MEDIUM, "tcp", "web", "HTTP/1.1 200 OK");
    assert_non_null(strstr(find_port(http.port)->evidence,
                           "\"http_status\":200,\"server\":\"Grandstream GXP2170 1.0.11.3\""));
    assert_hit(https.port, VS_SEV_MEDIUM, "tls", "web", "HTTP/1.0 302 Found");
    assert_non_null(strstr(find_port(https.port)->evidence, "\"http_status\":302"));
    assert_hit(tftp.port, VS_SEV_MEDIUM, "udp", "tftp", "File not found");
    /* what was asked */
    assert_true(!strncmp(http.request, "HEAD / HTTP/1.0\r\n", 17));
    assert_non_null(strstr(http.request, "\r\nHost: pbx.test\r\n"));
    assert_true(!strncmp(https.request, "HEAD / HTTP/1.0\r\n", 17));
    assert_true(!strncmp(tftp.request, "voipsec-probe-", 14));
    assert_non_null(strstr(tftp.request, ".cfg"));
}

static void test_quiet_ports(void **state)
{
    (void)state;
    fake mute, ssh, garbage, tmute, gone;
    fake_start(&mute, FAKE_MUTE);
    fake_start(&ssh, FAKE_SSH);
    fake_start(&garbage, FAKE_GARBAGE);
    fake_start(&tmute, FAKE_TFTP_MUTE);
    fake_start(&gone, FAKE_MUTE);
    fake_stop(&gone); /* nobody listens there any more: refused */
    const vs__admin_port ports[] = {
        {mute.port, VS__ADMIN_AMI},     {ssh.port, VS__ADMIN_AMI},    {ssh.port, VS__ADMIN_ESL},
        {garbage.port, VS__ADMIN_HTTP}, {tmute.port, VS__ADMIN_TFTP}, {gone.port, VS__ADMIN_TELNET},
        {gone.port, VS__ADMIN_HTTPS},
    };
    vs_scan_opts o;
    opts(&o, 0.4);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ngot = 0;
    vs__check_admin_ports("127.0.0.1", NULL, &o, ports, sizeof ports / sizeof ports[0], on_finding,
                          NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    fake_stop(&mute);
    fake_stop(&ssh);
    fake_stop(&garbage);
    fake_stop(&tmute);
    double took = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_int_equal(ngot, 0);
    assert_true(took < 7 * 0.4 + 1.0); /* every port bounded by its timeout */
    assert_true(!strncmp(tmute.request, "voipsec-probe-", 14)); /* the request did go out */
}

/* vs__check_admin does nothing unless the admin check was asked for. */
static void test_admin_needs_its_bit(void **state)
{
    (void)state;
    vs_scan_opts o;
    opts(&o, 0.2);
    o.checks = VS_SCAN_CHECK_AUTH | VS_SCAN_CHECK_TLS | VS_SCAN_CHECK_ENUM;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ngot = 0;
    vs__check_admin("127.0.0.1", "", false, &o, on_finding, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_equal(ngot, 0);
    assert_true(t1.tv_sec - t0.tv_sec < 1);
    /* the standard list is the documented one */
    assert_int_equal(vs__admin_nports, 6);
    assert_int_equal(vs__admin_ports[0].port, 5038);
    assert_int_equal(vs__admin_ports[1].port, 8021);
    assert_int_equal(vs__admin_ports[2].port, 23);
    assert_int_equal(vs__admin_ports[3].port, 80);
    assert_int_equal(vs__admin_ports[4].port, 443);
    assert_int_equal(vs__admin_ports[5].port, 69);
    assert_int_equal(vs__admin_ports[5].kind, VS__ADMIN_TFTP);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exposed_interfaces),
        cmocka_unit_test(test_quiet_ports),
        cmocka_unit_test(test_admin_needs_its_bit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
