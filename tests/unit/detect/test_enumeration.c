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

#include "monitor_harness.h"

/* The default configuration with only the enum detector enabled. */
static void base_config(vs_monitor_config *cfg)
{
    mh_config_none(cfg);
    cfg->enum_enabled = true;
}

static const vs_ip PBX = {4, {198, 51, 100, 1}};
static const vs_ip ATTACKER = {4, {203, 0, 113, 66}};

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
    mh_feed(m, buf, src, 5060, PBX, 5060, ts);
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
    mh_feed(m, buf, PBX, 5060, dst, 5060, ts);
}

/* ATTACKER asks about n users (100, 101...) with method; the first `refused` get status, the
 * others 200. Returns the number of enumeration findings. */
static size_t sweep(const vs_monitor_config *cfg, const char *method, unsigned n, unsigned refused,
                    unsigned status, collected *c)
{
    vs_monitor *m = mh_start(c, cfg);
    for (unsigned i = 0; i < n; i++) {
        char user[16];
        snprintf(user, sizeof user, "%u", 100 + i);
        int64_t t = T0 + (int64_t)i * 500000;
        request(m, ATTACKER, method, user, "tool", false, 1, t);
        reply(m, ATTACKER, method, user, i < refused ? status : 200, 1, t + 1000);
    }
    return mh_finish(m, c, "enumeration");
}

static void test_threshold(void **state)
{
    (void)state;
    vs_monitor_config cfg;
    base_config(&cfg);
    collected *c = mh_collected_new();
    assert_int_equal(sweep(&cfg, "REGISTER", 9, 9, 404, c), 0);
    assert_int_equal(sweep(&cfg, "REGISTER", 10, 10, 404, c), 1);
    const vs_finding *f = mh_first_rule(c, "enumeration");
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
    collected *c = mh_collected_new();
    /* 30 users, one every 7 s: never 10 within 60 s */
    vs_monitor *m = mh_start(c, &cfg);
    for (unsigned i = 0; i < 30; i++) {
        char user[16];
        snprintf(user, sizeof user, "%u", 100 + i);
        request(m, ATTACKER, "REGISTER", user, "tool", false, 1, T0 + (int64_t)i * 7 * SEC);
        reply(m, ATTACKER, "REGISTER", user, 404, 1, T0 + (int64_t)i * 7 * SEC + 1000);
    }
    assert_int_equal(mh_finish(m, c, "enumeration"), 0);
    /* without answers (one direction captured) the share is unknown: nothing */
    m = mh_start(c, &cfg);
    for (unsigned i = 0; i < 30; i++) {
        char user[16];
        snprintf(user, sizeof user, "%u", 100 + i);
        request(m, ATTACKER, "REGISTER", user, "tool", false, 1, T0 + (int64_t)i * SEC);
    }
    assert_int_equal(mh_finish(m, c, "enumeration"), 0);
    free(c);
}

static void test_normal_pbx(void **state)
{
    (void)state;
    vs_monitor_config cfg;
    base_config(&cfg);
    collected *c = mh_collected_new();
    /* 100 phones, each its own source, register: 401 challenge, then 200 with credentials */
    vs_monitor *m = mh_start(c, &cfg);
    for (unsigned i = 0; i < 100; i++) {
        char user[16];
        snprintf(user, sizeof user, "%u", 200 + i);
        vs_ip phone = mh_ip4(10, 0, 0, 10 + i);
        int64_t t = T0 + (int64_t)i * 100000;
        request(m, phone, "REGISTER", user, "Yealink SIP-T46S", false, 1, t);
        reply(m, phone, "REGISTER", user, 401, 1, t + 1000);
        request(m, phone, "REGISTER", user, "Yealink SIP-T46S", true, 2, t + 2000);
        reply(m, phone, "REGISTER", user, 200, 2, t + 3000);
    }
    /* one phone refreshing its registration every 30 s for an hour, challenged each time */
    for (unsigned i = 0; i < 120; i++) {
        int64_t t = T0 + 20 * SEC + (int64_t)i * 30 * SEC;
        request(m, mh_ip4(10, 0, 1, 1), "REGISTER", "300", "Yealink", false, 2 * i + 1, t);
        reply(m, mh_ip4(10, 0, 1, 1), "REGISTER", "300", 401, 2 * i + 1, t + 1000);
        request(m, mh_ip4(10, 0, 1, 1), "REGISTER", "300", "Yealink", true, 2 * i + 2, t + 2000);
        reply(m, mh_ip4(10, 0, 1, 1), "REGISTER", "300", 200, 2 * i + 2, t + 3000);
    }
    /* a proxy relaying 50 phones' REGISTERs from one address: as many 200s as 401s */
    vs_ip proxy = mh_ip4(10, 0, 2, 1);
    for (unsigned i = 0; i < 50; i++) {
        char user[16];
        snprintf(user, sizeof user, "%u", 400 + i);
        int64_t t = T0 + (int64_t)i * 200000;
        request(m, proxy, "REGISTER", user, "Kamailio", false, 1, t);
        reply(m, proxy, "REGISTER", user, 401, 1, t + 1000);
        request(m, proxy, "REGISTER", user, "Kamailio", true, 2, t + 2000);
        reply(m, proxy, "REGISTER", user, 200, 2, t + 3000);
    }
    assert_int_equal(mh_finish(m, c, "enumeration"), 0);
    free(c);
}

static void test_svwar_both_faces(void **state)
{
    (void)state;
    vs_monitor_config cfg;
    base_config(&cfg);
    cfg.scan_enabled = true;
    collected *c = mh_collected_new();
    vs_monitor *m = mh_start(c, &cfg);
    /* svwar: REGISTER for 100..139, 404 for unknown users and 401 for the few that exist */
    for (unsigned i = 0; i < 40; i++) {
        char user[16];
        snprintf(user, sizeof user, "%u", 100 + i);
        int64_t t = T0 + (int64_t)i * 50000;
        request(m, ATTACKER, "REGISTER", user, "friendly-scanner", false, 1, t);
        reply(m, ATTACKER, "REGISTER", user, i % 10 == 0 ? 401 : 404, 1, t + 1000);
    }
    assert_int_equal(mh_finish(m, c, "scan"), 1);
    assert_int_equal(mh_count_rule(c, "enumeration"), 1);
    const vs_finding *f = mh_first_rule(c, "enumeration");
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
    collected *c = mh_collected_new();
    vs_monitor *m = mh_start(c, &cfg);
    for (unsigned i = 0; i < 20000; i++) {
        vs_ip src = mh_ip4(10, (i >> 16) & 255, (i >> 8) & 255, i & 255);
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
    assert_int_equal(mh_finish(m, c, "enumeration"), 1);
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
