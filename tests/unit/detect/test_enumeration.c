/* Unit tests of the `enumeration` detector through the public monitor API: requests and answers
 * written by hand, fed as payloads, findings collected from the callback. Covers the thresholds
 * (distinct users, share of refusals), the normal traffic that must stay quiet (many phones
 * registering, a registrar challenging every REGISTER, a proxy relaying many phones), an svwar run
 * that the scan detector also reports, and the bounded per-source table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <voipsec/monitor.h>

#define MAX_FINDINGS 64
#define SEC 1000000LL
#define T0 (1764400000LL * SEC)

typedef struct collected {
    vs_finding f[MAX_FINDINGS];
    size_t n;
} collected;

static void on_finding(void *ctx, const vs_finding *f)
{
    collected *c = ctx;
    if (c->n < MAX_FINDINGS)
        c->f[c->n++] = *f;
}

static void base_config(vs_monitor_config *cfg)
{
    vs_monitor_config_default(cfg, VS_SOURCE_DIR "/data");
    cfg->scan_enabled = cfg->flood_enabled = cfg->fraud_enabled = cfg->brute_enabled = false;
    cfg->weak_enabled = cfg->malformed_enabled = cfg->cleartext_enabled = false;
    cfg->media_enabled = false;
}

static vs_monitor *start(collected *c, const vs_monitor_config *cfg)
{
    char err[256] = "";
    memset(c, 0, sizeof *c);
    vs_monitor *m = vs_monitor_new(cfg, false, on_finding, c, err, sizeof err);
    if (!m)
        fprintf(stderr, "vs_monitor_new: %s\n", err);
    assert_non_null(m);
    return m;
}

static vs_ip ip4(unsigned a, unsigned b, unsigned c, unsigned d)
{
    vs_ip ip = {0};
    ip.family = 4;
    ip.bytes[0] = (uint8_t)a;
    ip.bytes[1] = (uint8_t)b;
    ip.bytes[2] = (uint8_t)c;
    ip.bytes[3] = (uint8_t)d;
    return ip;
}

static const vs_ip PBX = {4, {198, 51, 100, 1}};
static const vs_ip ATTACKER = {4, {203, 0, 113, 66}};

static void feed(vs_monitor *m, const char *text, vs_ip src, vs_ip dst, int64_t ts)
{
    vs_payload p;
    memset(&p, 0, sizeof p);
    p.data = text;
    p.len = strlen(text);
    p.src = src;
    p.dst = dst;
    p.sport = 5060;
    p.dport = 5060;
    p.transport = VS_TRANSPORT_UDP;
    p.ts_us = ts;
    vs_monitor_payload(m, &p);
}

/* A request about user from src to the PBX; REGISTER names the user in To, others in the R-URI. */
static void request(vs_monitor *m, vs_ip src, const char *method, const char *user, const char *ua,
                    bool with_auth, unsigned cseq, int64_t ts)
{
    char buf[1500], auth[300] = "";
    if (with_auth)
        snprintf(auth, sizeof auth,
                 "Authorization: Digest username=\"%s\", realm=\"pbx\", nonce=\"abc\", "
                 "uri=\"sip:198.51.100.1\", response=\"0123456789abcdef0123456789abcdef\", "
                 "algorithm=MD5\r\n",
                 user);
    bool reg = strcmp(method, "REGISTER") == 0;
    snprintf(buf, sizeof buf,
             "%s sip:%s%s198.51.100.1 SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 203.0.113.66:5060;branch=z9hG4bK-%s-%u\r\n"
             "Max-Forwards: 70\r\n"
             "From: <sip:%s@198.51.100.1>;tag=f-%s\r\n"
             "To: <sip:%s@198.51.100.1>\r\n"
             "Call-ID: %s-%s\r\n"
             "CSeq: %u %s\r\n"
             "Contact: <sip:%s@203.0.113.66:5060>\r\n"
             "User-Agent: %s\r\n"
             "%s"
             "Content-Length: 0\r\n\r\n",
             method, reg ? "" : user, reg ? "" : "@", user, cseq, user, user, user, user, method,
             cseq, method, user, ua, auth);
    feed(m, buf, src, PBX, ts);
}

/* The PBX's answer to src about user. */
static void reply(vs_monitor *m, vs_ip dst, const char *method, const char *user, unsigned status,
                  unsigned cseq, int64_t ts)
{
    char buf[1024];
    snprintf(buf, sizeof buf,
             "SIP/2.0 %u Answer\r\n"
             "Via: SIP/2.0/UDP 203.0.113.66:5060;branch=z9hG4bK-%s-%u\r\n"
             "From: <sip:%s@198.51.100.1>;tag=f-%s\r\n"
             "To: <sip:%s@198.51.100.1>;tag=t-1\r\n"
             "Call-ID: %s-%s\r\n"
             "CSeq: %u %s\r\n"
             "Content-Length: 0\r\n\r\n",
             status, user, cseq, user, user, user, user, method, cseq, method);
    feed(m, buf, PBX, dst, ts);
}

static size_t count_rule(const collected *c, const char *rule)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++)
        n += strcmp(c->f[i].rule, rule) == 0;
    return n;
}

static const vs_finding *first_rule(const collected *c, const char *rule)
{
    static const vs_finding none; /* never NULL: the caller's checks then fail with a message */
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->f[i].rule, rule))
            return &c->f[i];
    fail_msg("no %s finding", rule);
    return &none;
}

/* ATTACKER asks about n users (100, 101...) with method; the first `refused` get status, the
 * others 200. Returns the number of enumeration findings. */
static size_t sweep(const vs_monitor_config *cfg, const char *method, unsigned n, unsigned refused,
                    unsigned status, collected *c)
{
    vs_monitor *m = start(c, cfg);
    for (unsigned i = 0; i < n; i++) {
        char user[16];
        snprintf(user, sizeof user, "%u", 100 + i);
        int64_t t = T0 + (int64_t)i * 500000;
        request(m, ATTACKER, method, user, "tool", false, 1, t);
        reply(m, ATTACKER, method, user, i < refused ? status : 200, 1, t + 1000);
    }
    vs_monitor_finish(m);
    vs_monitor_free(m);
    return count_rule(c, "enumeration");
}

static void test_threshold(void **state)
{
    (void)state;
    vs_monitor_config cfg;
    base_config(&cfg);
    collected *c = calloc(1, sizeof *c);
    assert_non_null(c);
    assert_int_equal(sweep(&cfg, "REGISTER", 9, 9, 404, c), 0);
    assert_int_equal(sweep(&cfg, "REGISTER", 10, 10, 404, c), 1);
    const vs_finding *f = first_rule(c, "enumeration");
    assert_int_equal(f->practice, VS_PRACTICE_ACTIVITY);
    assert_string_equal(f->src.ip, "203.0.113.66");
    assert_string_equal(f->dst.ip, "198.51.100.1");
    assert_non_null(strstr(f->title, "203.0.113.66"));
    assert_non_null(strstr(f->evidence, "\"users\":10"));
    assert_non_null(strstr(f->evidence, "\"404\":1.00"));
    assert_non_null(strstr(f->evidence, "\"sample_users\":[\"100\",\"101\""));
    assert_true(f->count >= 10);
    /* every kind of probe and refusal counts */
    assert_int_equal(sweep(&cfg, "OPTIONS", 12, 12, 403, c), 1);
    assert_int_equal(sweep(&cfg, "INVITE", 12, 12, 407, c), 1);
    assert_int_equal(sweep(&cfg, "SUBSCRIBE", 12, 12, 401, c), 1);
    /* the share of refusals: 8 of 10 is enough (0.8), 7 of 10 is not */
    assert_int_equal(sweep(&cfg, "REGISTER", 10, 8, 404, c), 1);
    assert_int_equal(sweep(&cfg, "REGISTER", 10, 7, 404, c), 0);
    /* other refusals (busy, server error) are not the enumeration answers */
    assert_int_equal(sweep(&cfg, "INVITE", 20, 20, 486, c), 0);
    /* configured thresholds */
    cfg.enum_min_users = 20;
    assert_int_equal(sweep(&cfg, "REGISTER", 19, 19, 404, c), 0);
    assert_int_equal(sweep(&cfg, "REGISTER", 20, 20, 404, c), 1);
    free(c);
}

static void test_window(void **state)
{
    (void)state;
    vs_monitor_config cfg;
    base_config(&cfg);
    collected *c = calloc(1, sizeof *c);
    assert_non_null(c);
    /* 30 users, one every 7 s: never 10 within 60 s */
    vs_monitor *m = start(c, &cfg);
    for (unsigned i = 0; i < 30; i++) {
        char user[16];
        snprintf(user, sizeof user, "%u", 100 + i);
        request(m, ATTACKER, "REGISTER", user, "tool", false, 1, T0 + (int64_t)i * 7 * SEC);
        reply(m, ATTACKER, "REGISTER", user, 404, 1, T0 + (int64_t)i * 7 * SEC + 1000);
    }
    vs_monitor_finish(m);
    vs_monitor_free(m);
    assert_int_equal(count_rule(c, "enumeration"), 0);
    /* without answers (one direction captured) the share is unknown: nothing */
    m = start(c, &cfg);
    for (unsigned i = 0; i < 30; i++) {
        char user[16];
        snprintf(user, sizeof user, "%u", 100 + i);
        request(m, ATTACKER, "REGISTER", user, "tool", false, 1, T0 + (int64_t)i * SEC);
    }
    vs_monitor_finish(m);
    vs_monitor_free(m);
    assert_int_equal(count_rule(c, "enumeration"), 0);
    free(c);
}

static void test_normal_pbx(void **state)
{
    (void)state;
    vs_monitor_config cfg;
    base_config(&cfg);
    collected *c = calloc(1, sizeof *c);
    assert_non_null(c);
    /* 100 phones, each its own source, register: 401 challenge, then 200 with credentials */
    vs_monitor *m = start(c, &cfg);
    for (unsigned i = 0; i < 100; i++) {
        char user[16];
        snprintf(user, sizeof user, "%u", 200 + i);
        vs_ip phone = ip4(10, 0, 0, 10 + i);
        int64_t t = T0 + (int64_t)i * 100000;
        request(m, phone, "REGISTER", user, "Yealink SIP-T46S", false, 1, t);
        reply(m, phone, "REGISTER", user, 401, 1, t + 1000);
        request(m, phone, "REGISTER", user, "Yealink SIP-T46S", true, 2, t + 2000);
        reply(m, phone, "REGISTER", user, 200, 2, t + 3000);
    }
    /* one phone refreshing its registration every 30 s for an hour, challenged each time */
    for (unsigned i = 0; i < 120; i++) {
        int64_t t = T0 + 20 * SEC + (int64_t)i * 30 * SEC;
        request(m, ip4(10, 0, 1, 1), "REGISTER", "300", "Yealink", false, 2 * i + 1, t);
        reply(m, ip4(10, 0, 1, 1), "REGISTER", "300", 401, 2 * i + 1, t + 1000);
        request(m, ip4(10, 0, 1, 1), "REGISTER", "300", "Yealink", true, 2 * i + 2, t + 2000);
        reply(m, ip4(10, 0, 1, 1), "REGISTER", "300", 200, 2 * i + 2, t + 3000);
    }
    /* a proxy relaying 50 phones' REGISTERs from one address: as many 200s as 401s */
    vs_ip proxy = ip4(10, 0, 2, 1);
    for (unsigned i = 0; i < 50; i++) {
        char user[16];
        snprintf(user, sizeof user, "%u", 400 + i);
        int64_t t = T0 + (int64_t)i * 200000;
        request(m, proxy, "REGISTER", user, "Kamailio", false, 1, t);
        reply(m, proxy, "REGISTER", user, 401, 1, t + 1000);
        request(m, proxy, "REGISTER", user, "Kamailio", true, 2, t + 2000);
        reply(m, proxy, "REGISTER", user, 200, 2, t + 3000);
    }
    vs_monitor_finish(m);
    vs_monitor_free(m);
    assert_int_equal(count_rule(c, "enumeration"), 0);
    free(c);
}

static void test_svwar_both_faces(void **state)
{
    (void)state;
    vs_monitor_config cfg;
    base_config(&cfg);
    cfg.scan_enabled = true;
    collected *c = calloc(1, sizeof *c);
    assert_non_null(c);
    vs_monitor *m = start(c, &cfg);
    /* svwar: REGISTER for 100..139, 404 for unknown users and 401 for the few that exist */
    for (unsigned i = 0; i < 40; i++) {
        char user[16];
        snprintf(user, sizeof user, "%u", 100 + i);
        int64_t t = T0 + (int64_t)i * 50000;
        request(m, ATTACKER, "REGISTER", user, "friendly-scanner", false, 1, t);
        reply(m, ATTACKER, "REGISTER", user, i % 10 == 0 ? 401 : 404, 1, t + 1000);
    }
    vs_monitor_finish(m);
    vs_monitor_free(m);
    assert_int_equal(count_rule(c, "scan"), 1);
    assert_int_equal(count_rule(c, "enumeration"), 1);
    const vs_finding *f = first_rule(c, "enumeration");
    assert_non_null(strstr(f->evidence, "\"users\":40"));
    assert_non_null(strstr(f->evidence, "\"401\":0.10"));
    assert_non_null(strstr(f->evidence, "\"404\":0.90"));
    assert_int_equal(f->count, 40);
    free(c);
}

static void test_unique_sources(void **state)
{
    (void)state;
    vs_monitor_config cfg;
    base_config(&cfg);
    cfg.max_sources = 64;
    collected *c = calloc(1, sizeof *c);
    assert_non_null(c);
    vs_monitor *m = start(c, &cfg);
    for (unsigned i = 0; i < 20000; i++) {
        vs_ip src = ip4(10, (i >> 16) & 255, (i >> 8) & 255, i & 255);
        request(m, src, "REGISTER", "100", "x", false, 1, T0 + (int64_t)i * 1000);
        reply(m, src, "REGISTER", "100", 404, 1, T0 + (int64_t)i * 1000 + 10);
    }
    assert_true(vs_monitor_get_stats(m)->evicted >= 20000 - 64);
    /* an enumeration in the middle of the flood is still seen */
    for (unsigned i = 0; i < 12; i++) {
        char user[16];
        snprintf(user, sizeof user, "%u", 500 + i);
        int64_t t = T0 + 30 * SEC + (int64_t)i * 1000;
        request(m, ATTACKER, "REGISTER", user, "x", false, 1, t);
        reply(m, ATTACKER, "REGISTER", user, 404, 1, t + 10);
    }
    vs_monitor_finish(m);
    vs_monitor_free(m);
    assert_int_equal(count_rule(c, "enumeration"), 1);
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threshold),      cmocka_unit_test(test_window),
        cmocka_unit_test(test_normal_pbx),     cmocka_unit_test(test_svwar_both_faces),
        cmocka_unit_test(test_unique_sources),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
