/* Unit tests of the tls check (src/scan/check_tls.c) against TLS servers started here on
 * 127.0.0.1 ephemeral ports, one thread each, with certificates generated in the test:
 *   - a CA-signed P-256 certificate for 127.0.0.1 and localhost, TLS 1.2-1.3: no finding at all;
 *   - the same but self-signed: tls.self-signed only;
 *   - RSA 1024, SHA-1 signature, expired, no name for 127.0.0.1, TLS 1.0-1.3: old protocol,
 *     expired, weak key, weak signature, self-signed, host name (low, address target);
 *   - TLS 1.0-1.1 only: no modern protocol as well;
 *   - a certificate expiring in ten days: tls.expiring-soon;
 *   - a certificate issued by "Yealink Equipment Issuing CA": tls.factory-certificate (read from
 *     data/factory-certs.tsv);
 *   - a target named "localhost" with a certificate for another name: host name (medium);
 *   - a server that accepts connections and never answers the handshake: no finding, no crash,
 *     bounded time. */
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
#include <openssl/x509v3.h>
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

static const vs_finding *find(const char *rule)
{
    for (size_t i = 0; i < ngot; i++)
        if (!strcmp(got[i].rule, rule))
            return &got[i];
    return NULL;
}

/* Asserts that the findings are exactly these (rule, severity) pairs, in any order. */
static void expect(const char *const *rules, const vs_severity *sev, size_t n)
{
    if (ngot != n) {
        for (size_t i = 0; i < ngot; i++)
            print_message("got %s (%s)\n", got[i].rule, vs_severity_id(got[i].severity));
    }
    assert_int_equal(ngot, n);
    for (size_t i = 0; i < n; i++) {
        const vs_finding *f = find(rules[i]);
        if (!f)
            print_message("missing %s\n", rules[i]);
        assert_non_null(f);
        assert_int_equal(f->severity, sev[i]);
    }
}

/* ---- certificates ------------------------------------------------------------------------- */

static long serial = 1;

typedef struct cert_spec {
    const char *cn;
    const char *san; /* "IP:127.0.0.1,DNS:localhost" or NULL */
    const EVP_MD *md;
    long not_before, not_after; /* seconds from now */
    bool ca;
} cert_spec;

static X509 *make_cert(EVP_PKEY *key, const cert_spec *s, X509 *issuer, EVP_PKEY *issuer_key)
{
    X509 *x = X509_new();
    assert_non_null(x);
    assert_int_equal(X509_set_version(x, 2), 1);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
    X509_gmtime_adj(X509_getm_notBefore(x), s->not_before);
    X509_gmtime_adj(X509_getm_notAfter(x), s->not_after);
    assert_int_equal(X509_set_pubkey(x, key), 1);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"voipsec test", -1,
                               -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)s->cn, -1, -1, 0);
    assert_int_equal(X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name), 1);
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
    if (s->san) {
        X509_EXTENSION *e = X509V3_EXT_nconf_nid(NULL, &v3, NID_subject_alt_name, s->san);
        assert_non_null(e);
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
    }
    if (s->ca) {
        X509_EXTENSION *e =
            X509V3_EXT_nconf_nid(NULL, &v3, NID_basic_constraints, "critical,CA:TRUE");
        assert_non_null(e);
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
    }
    assert_true(X509_sign(x, issuer_key ? issuer_key : key, s->md) > 0);
    return x;
}

static EVP_PKEY *ec_key(void)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    assert_non_null(k);
    return k;
}

static EVP_PKEY *rsa_key(size_t bits)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", bits);
    assert_non_null(k);
    return k;
}

/* ---- the TLS server ----------------------------------------------------------------------- */

typedef struct tls_server {
    int fd;
    uint16_t port;
    SSL_CTX *ctx; /* NULL: a stalling server that never handshakes */
    atomic_bool stop;
    atomic_int handshakes;
    atomic_int connections;
    pthread_t th;
} tls_server;

static void *server_loop(void *arg)
{
    /* this thread writes to peers that may have gone: SIGPIPE stays blocked here, so that a
     * SIGPIPE raised by the library under test (in the main thread) still kills the test */
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, NULL);
    tls_server *s = arg;
    int held[16];
    size_t nheld = 0;
    for (int i = 0; i < 2000 && !atomic_load(&s->stop); i++) { /* at most ~100 s */
        struct pollfd p = {s->fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int cfd = accept(s->fd, NULL, NULL);
        if (cfd < 0)
            continue;
        atomic_fetch_add(&s->connections, 1);
        if (!s->ctx) { /* stall: keep the connection open, say nothing */
            if (nheld < 16)
                held[nheld++] = cfd;
            else
                close(cfd);
            continue;
        }
        struct timeval tv = {2, 0};
        setsockopt(cfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(cfd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        SSL *ssl = SSL_new(s->ctx);
        SSL_set_fd(ssl, cfd);
        if (SSL_accept(ssl) == 1) {
            atomic_fetch_add(&s->handshakes, 1);
            SSL_shutdown(ssl);
        }
        SSL_free(ssl);
        ERR_clear_error();
        close(cfd);
    }
    for (size_t i = 0; i < nheld; i++)
        close(held[i]);
    return NULL;
}

/* Starts a server with key/cert allowing min..max; cert NULL: a stalling server. */
static void server_start(tls_server *s, EVP_PKEY *key, X509 *cert, int min, int max)
{
    memset(s, 0, sizeof *s);
    if (cert) {
        s->ctx = SSL_CTX_new(TLS_server_method());
        assert_non_null(s->ctx);
        SSL_CTX_set_security_level(s->ctx, 0);
        assert_int_equal(SSL_CTX_set_cipher_list(s->ctx, "ALL:@SECLEVEL=0"), 1);
        assert_int_equal(SSL_CTX_set_min_proto_version(s->ctx, min), 1);
        assert_int_equal(SSL_CTX_set_max_proto_version(s->ctx, max), 1);
        assert_int_equal(SSL_CTX_use_certificate(s->ctx, cert), 1);
        assert_int_equal(SSL_CTX_use_PrivateKey(s->ctx, key), 1);
    }
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s->fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t al = sizeof a;
    assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &al), 0);
    s->port = ntohs(a.sin_port);
    assert_int_equal(listen(s->fd, 16), 0);
    assert_int_equal(pthread_create(&s->th, NULL, server_loop, s), 0);
}

static void server_stop(tls_server *s)
{
    atomic_store(&s->stop, true);
    pthread_join(s->th, NULL);
    close(s->fd);
    SSL_CTX_free(s->ctx);
}

static void check(const tls_server *s, const char *host, double timeout)
{
    vs_scan_opts o;
    memset(&o, 0, sizeof o);
    o.timeout_s = timeout;
    o.checks = VS_SCAN_CHECK_TLS;
    o.data_dir = VS_SOURCE_DIR "/data";
    snprintf(o.user_agent, sizeof o.user_agent, "voipsec/test");
    vs_scan_result svc;
    memset(&svc, 0, sizeof svc);
    snprintf(svc.ip, sizeof svc.ip, "127.0.0.1");
    snprintf(svc.host, sizeof svc.host, "%s", host ? host : "");
    svc.port = s->port;
    snprintf(svc.transport, sizeof svc.transport, "tls");
    svc.status = VS_SCAN_ANSWERED;
    ngot = 0;
    vs__check_tls(&svc, &o, on_finding, NULL);
}

static const cert_spec GOOD_LEAF = {
    "pbx.test", "IP:127.0.0.1,DNS:localhost", NULL, -3600, 365L * 86400, false};

/* A CA-signed, current, strong certificate naming 127.0.0.1, TLS 1.2-1.3 only: nothing. */
static void test_good_server_quiet(void **state)
{
    (void)state;
    EVP_PKEY *cakey = ec_key(), *key = ec_key();
    cert_spec ca = {"voipsec test CA", NULL, EVP_sha256(), -3600, 3650L * 86400, true};
    X509 *cacert = make_cert(cakey, &ca, NULL, NULL);
    cert_spec leaf = GOOD_LEAF;
    leaf.md = EVP_sha256();
    X509 *cert = make_cert(key, &leaf, cacert, cakey);
    tls_server s;
    server_start(&s, key, cert, TLS1_2_VERSION, TLS1_3_VERSION);
    check(&s, NULL, 1.0);
    expect(NULL, NULL, 0);
    assert_int_equal(atomic_load(&s.handshakes), 2);  /* 1.3 and 1.2 accepted */
    assert_int_equal(atomic_load(&s.connections), 4); /* 1.1 and 1.0 tried and refused */
    check(&s, "localhost", 1.0); /* named host listed in the certificate: still nothing */
    expect(NULL, NULL, 0);
    server_stop(&s);
    X509_free(cert);
    X509_free(cacert);
    EVP_PKEY_free(key);
    EVP_PKEY_free(cakey);
}

/* The same server with a self-signed certificate: only tls.self-signed. */
static void test_self_signed(void **state)
{
    (void)state;
    EVP_PKEY *key = ec_key();
    cert_spec spec = GOOD_LEAF;
    spec.md = EVP_sha256();
    X509 *cert = make_cert(key, &spec, NULL, NULL);
    tls_server s;
    server_start(&s, key, cert, TLS1_2_VERSION, TLS1_3_VERSION);
    check(&s, NULL, 1.0);
    static const char *const rules[] = {"tls.self-signed"};
    static const vs_severity sev[] = {VS_SEV_MEDIUM};
    expect(rules, sev, 1);
    const vs_finding *f = &got[0];
    assert_int_equal(f->practice, VS_PRACTICE_NETWORK);
    assert_string_equal(f->dst.ip, "127.0.0.1");
    assert_int_equal(f->dst.port, s.port);
    assert_string_equal(f->dst.transport, "tls");
    assert_non_null(strstr(f->evidence, "\"versions_accepted\":[\"TLSv1.2\",\"TLSv1.3\"]"));
    assert_non_null(strstr(f->evidence, "\"subject\":\"CN=pbx.test,O=voipsec test\""));
    assert_non_null(strstr(f->evidence, "\"key_type\":\"EC\",\"key_bits\":256"));
    assert_non_null(strstr(f->evidence, "\"signature_algorithm\":\"ecdsa-with-SHA256\""));
    const char *fp = strstr(f->evidence, "\"sha256\":\"");
    assert_non_null(fp);
    assert_int_equal(strcspn(fp + 10, "\""), 95); /* 32 bytes as XX:XX:... */
    server_stop(&s);
    X509_free(cert);
    EVP_PKEY_free(key);
}

/* Everything wrong at once, TLS 1.0-1.3 accepted. */
static void test_weak_old_expired(void **state)
{
    (void)state;
    EVP_PKEY *key = rsa_key(1024);
    cert_spec spec = {"pbx.example.com", NULL, EVP_sha1(), -2L * 365 * 86400, -86400, false};
    X509 *cert = make_cert(key, &spec, NULL, NULL);
    tls_server s;
    server_start(&s, key, cert, TLS1_VERSION, TLS1_3_VERSION);
    check(&s, NULL, 1.0);
    static const char *const rules[] = {"tls.old-protocol", "tls.expired",
                                        "tls.weak-key",     "tls.weak-signature",
                                        "tls.self-signed",  "tls.hostname-mismatch"};
    static const vs_severity sev[] = {VS_SEV_MEDIUM, VS_SEV_HIGH,   VS_SEV_HIGH,
                                      VS_SEV_MEDIUM, VS_SEV_MEDIUM, VS_SEV_LOW};
    expect(rules, sev, 6);
    const vs_finding *f = find("tls.old-protocol");
    assert_non_null(strstr(
        f->evidence, "\"versions_accepted\":[\"TLSv1.0\",\"TLSv1.1\",\"TLSv1.2\",\"TLSv1.3\"]"));
    assert_non_null(strstr(f->title, "1.0 and 1.1"));
    assert_non_null(
        strstr(find("tls.weak-key")->evidence, "\"key_type\":\"RSA\",\"key_bits\":1024"));
    assert_non_null(strstr(find("tls.weak-signature")->evidence, "sha1WithRSAEncryption"));
    assert_non_null(
        strstr(find("tls.hostname-mismatch")->evidence, "\"checked_name\":\"127.0.0.1\""));
    server_stop(&s);
    X509_free(cert);
    EVP_PKEY_free(key);
}

/* Only TLS 1.0 and 1.1: tls.no-modern-protocol (high) beside tls.old-protocol. */
static void test_no_modern(void **state)
{
    (void)state;
    EVP_PKEY *cakey = ec_key(), *key = rsa_key(2048);
    cert_spec ca = {"voipsec test CA", NULL, EVP_sha256(), -3600, 3650L * 86400, true};
    X509 *cacert = make_cert(cakey, &ca, NULL, NULL);
    cert_spec leaf = GOOD_LEAF;
    leaf.md = EVP_sha256();
    X509 *cert = make_cert(key, &leaf, cacert, cakey);
    tls_server s;
    server_start(&s, key, cert, TLS1_VERSION, TLS1_1_VERSION);
    check(&s, NULL, 1.0);
    static const char *const rules[] = {"tls.old-protocol", "tls.no-modern-protocol"};
    static const vs_severity sev[] = {VS_SEV_MEDIUM, VS_SEV_HIGH};
    expect(rules, sev, 2);
    assert_non_null(strstr(got[0].evidence, "\"versions_accepted\":[\"TLSv1.0\",\"TLSv1.1\"]"));
    server_stop(&s);
    X509_free(cert);
    X509_free(cacert);
    EVP_PKEY_free(key);
    EVP_PKEY_free(cakey);
}

/* Expiring in ten days: tls.expiring-soon (low) with the days left. */
static void test_expiring_soon(void **state)
{
    (void)state;
    EVP_PKEY *cakey = ec_key(), *key = ec_key();
    cert_spec ca = {"voipsec test CA", NULL, EVP_sha256(), -3600, 3650L * 86400, true};
    X509 *cacert = make_cert(cakey, &ca, NULL, NULL);
    cert_spec leaf = GOOD_LEAF;
    leaf.md = EVP_sha256();
    leaf.not_after = 10L * 86400 + 3600;
    X509 *cert = make_cert(key, &leaf, cacert, cakey);
    tls_server s;
    server_start(&s, key, cert, TLS1_2_VERSION, TLS1_3_VERSION);
    check(&s, NULL, 1.0);
    static const char *const rules[] = {"tls.expiring-soon"};
    static const vs_severity sev[] = {VS_SEV_LOW};
    expect(rules, sev, 1);
    assert_non_null(strstr(got[0].evidence, "\"days_left\":10"));
    server_stop(&s);
    X509_free(cert);
    X509_free(cacert);
    EVP_PKEY_free(key);
    EVP_PKEY_free(cakey);
}

/* A device certificate from Yealink's factory CA: tls.factory-certificate. A target named
 * "localhost" whose certificate names another host: tls.hostname-mismatch, medium. */
static void test_factory_and_named_host(void **state)
{
    (void)state;
    EVP_PKEY *cakey = ec_key(), *key = ec_key();
    cert_spec ca = {"Yealink Equipment Issuing CA", NULL, EVP_sha256(), -3600, 3650L * 86400, true};
    X509 *cacert = make_cert(cakey, &ca, NULL, NULL);
    cert_spec leaf = {"805ec0123456", "DNS:phone.example.net", EVP_sha256(),
                      -3600,          3650L * 86400,           false};
    X509 *cert = make_cert(key, &leaf, cacert, cakey);
    tls_server s;
    server_start(&s, key, cert, TLS1_2_VERSION, TLS1_3_VERSION);
    check(&s, "localhost", 1.0);
    static const char *const rules[] = {"tls.factory-certificate", "tls.hostname-mismatch"};
    static const vs_severity sev[] = {VS_SEV_MEDIUM, VS_SEV_MEDIUM};
    expect(rules, sev, 2);
    const vs_finding *f = find("tls.factory-certificate");
    assert_non_null(strstr(f->evidence, "\"vendor\":\"Yealink\""));
    assert_non_null(
        strstr(f->evidence, "\"issuer\":\"CN=Yealink Equipment Issuing CA,O=voipsec test\""));
    assert_non_null(
        strstr(find("tls.hostname-mismatch")->evidence, "\"checked_name\":\"localhost\""));
    server_stop(&s);
    X509_free(cert);
    X509_free(cacert);
    EVP_PKEY_free(key);
    EVP_PKEY_free(cakey);
}

/* A server that accepts and never handshakes: nothing reported, no crash, two timeouts at most
 * (the check stops after two stalled handshakes). */
static void test_stalling_server(void **state)
{
    (void)state;
    tls_server s;
    server_start(&s, NULL, NULL, 0, 0);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    check(&s, NULL, 0.3);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double took = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_int_equal(ngot, 0);
    assert_true(took >= 0.55);
    assert_true(took < 1.5);
    server_stop(&s);
    assert_int_equal(atomic_load(&s.connections), 2);
}

/* No server at all (a port nobody listens on): nothing, quickly. */
static void test_refused(void **state)
{
    (void)state;
    tls_server s;
    server_start(&s, NULL, NULL, 0, 0);
    server_stop(&s); /* the port is free again */
    check(&s, NULL, 1.0);
    assert_int_equal(ngot, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_server_quiet), cmocka_unit_test(test_self_signed),
        cmocka_unit_test(test_weak_old_expired),  cmocka_unit_test(test_no_modern),
        cmocka_unit_test(test_expiring_soon),     cmocka_unit_test(test_factory_and_named_host),
        cmocka_unit_test(test_stalling_server),   cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
