/* Unit tests of the `flood` detector through the public monitor API: requests written by hand,
 * fed as payloads, findings collected from the callback. Covers the per-source threshold (and the
 * method it names), the sliding estimate across a window boundary, the total over all sources,
 * and the bounded per-source table under a flood of unique sources. */
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

/* The default configuration with only the flood detector enabled. */
static void base_config(vs_monitor_config *cfg)
{
    mh_config_none(cfg);
    cfg->flood_enabled = true;
}

static const vs_ip PBX = {4, {198, 51, 100, 1}};
static const vs_ip SENDER = {4, {203, 0, 113, 9}};

static void request(vs_monitor *m, vs_ip src, const char *method, unsigned n, int64_t ts)
{
    char buf[1024];
    snprintf(buf, sizeof buf,
             "%s sip:100@198.51.100.1 SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bK-%u\r\n"
             "Max-Forwards: 70\r\n"
             "From: <sip:100@198.51.100.1>;tag=f-%u\r\n"
             "To: <sip:100@198.51.100.1>\r\n"
             "Call-ID: flood-%u\r\n"
             "CSeq: 1 %s\r\n"
             "Contact: <sip:100@203.0.113.9:5060>\r\n"
             "Content-Length: 0\r\n\r\n",
             method, n, n, n, method);
    mh_feed(m, buf, src, 5060, PBX, 5060, ts);
}

/* n requests of method from SENDER spread evenly over `span` starting at ts. */
static void burst(vs_monitor *m, const char *method, unsigned n, int64_t ts, int64_t span)
{
    for (unsigned i = 0; i < n; i++)
        request(m, SENDER, method, i, ts + (n > 1 ? span * i / (n - 1) : 0));
}

static size_t run_burst(const vs_monitor_config *cfg, const char *method, unsigned n, collected *c)
{
    vs_monitor *m = mh_start(c, cfg);
    burst(m, method, n, T0, 9 * SEC);
    return mh_finish(m, c, "flood");
}

static void test_per_source(void **state)
{
    (void)state;
    vs_monitor_config cfg;
    base_config(&cfg);
    collected *c = mh_collected_new();
    /* 200 per 10 s is allowed, 201 is beyond */
    assert_int_equal(run_burst(&cfg, "OPTIONS", 200, c), 0);
    assert_int_equal(run_burst(&cfg, "OPTIONS", 201, c), 1);
    const vs_finding *f = mh_first_rule(c, "flood");
    assert_string_equal(f->title, "OPTIONS flood from 203.0.113.9");
    assert_int_equal(f->practice, VS_PRACTICE_ACTIVITY);
    assert_string_equal(f->src.ip, "203.0.113.9");
    assert_string_equal(f->dst.ip, "198.51.100.1");
    assert_int_equal(f->count, 201);
    assert_non_null(strstr(f->evidence, "\"peak_requests_per_window\":201"));
    assert_non_null(strstr(f->evidence, "\"OPTIONS\":201"));
    /* the method is named */
    assert_int_equal(run_burst(&cfg, "REGISTER", 500, c), 1);
    assert_string_equal(mh_first_rule(c, "flood")->title, "REGISTER flood from 203.0.113.9");
    assert_int_equal(mh_first_rule(c, "flood")->count, 500);
    assert_int_equal(run_burst(&cfg, "INVITE", 300, c), 1);
    assert_string_equal(mh_first_rule(c, "flood")->title, "INVITE flood from 203.0.113.9");
    /* configured threshold */
    cfg.flood_per_source = 16;
    assert_int_equal(run_burst(&cfg, "OPTIONS", 16, c), 0);
    assert_int_equal(run_burst(&cfg, "OPTIONS", 17, c), 1);
    free(c);
}

static void test_steady_rate(void **state)
{
    (void)state;
    vs_monitor_config cfg;
    base_config(&cfg);
    collected *c = mh_collected_new();
    /* 15 requests a second for ten minutes: 150 per window, never a flood */
    vs_monitor *m = mh_start(c, &cfg);
    for (unsigned i = 0; i < 9000; i++)
        request(m, SENDER, "OPTIONS", i, T0 + (int64_t)i * SEC / 15);
    assert_int_equal(mh_finish(m, c, "flood"), 0);
    free(c);
}

static void test_window_boundary(void **state)
{
    (void)state;
    vs_monitor_config cfg;
    base_config(&cfg);
    collected *c = mh_collected_new();
    /* 150 requests in the last 2 s of one window and 150 in the first 2 s of the next: 300 in 4 s,
     * which fixed windows alone would miss */
    vs_monitor *m = mh_start(c, &cfg);
    request(m, SENDER, "OPTIONS", 0, T0); /* opens the first window at T0 */
    for (unsigned i = 0; i < 150; i++)
        request(m, SENDER, "OPTIONS", 1 + i, T0 + 8 * SEC + (int64_t)i * 13000);
    for (unsigned i = 0; i < 150; i++)
        request(m, SENDER, "OPTIONS", 200 + i, T0 + 10 * SEC + (int64_t)i * 13000);
    assert_int_equal(mh_finish(m, c, "flood"), 1);
    free(c);
}

static void test_total(void **state)
{
    (void)state;
    vs_monitor_config cfg;
    base_config(&cfg);
    cfg.flood_total = 300;
    collected *c = mh_collected_new();
    for (unsigned n = 300; n <= 301; n++) {
        vs_monitor *m = mh_start(c, &cfg);
        /* n requests from 100 sources; 10.0.0.7 sends the most */
        for (unsigned i = 0; i < n; i++) {
            unsigned host = i % 5 == 0 ? 7 : 10 + i % 100;
            request(m, mh_ip4(10, 0, 0, host), "REGISTER", i, T0 + (int64_t)i * 20000);
        }
        assert_int_equal(mh_finish(m, c, "flood"), n == 301 ? 1 : 0);
    }
    const vs_finding *f = mh_first_rule(c, "flood");
    assert_string_equal(f->src.ip, "10.0.0.7");
    assert_non_null(strstr(f->title, "from all sources"));
    assert_non_null(strstr(f->title, "REGISTER flood"));
    free(c);
}

static void test_unique_sources(void **state)
{
    (void)state;
    vs_monitor_config cfg;
    base_config(&cfg);
    cfg.max_sources = 64;
    cfg.flood_total = 1000000;
    collected *c = mh_collected_new();
    vs_monitor *m = mh_start(c, &cfg);
    for (unsigned i = 0; i < 50000; i++)
        request(m, mh_ip4(10, (i >> 16) & 255, (i >> 8) & 255, i & 255), "OPTIONS", i,
                T0 + (int64_t)i * 100);
    assert_true(vs_monitor_get_stats(m)->evicted >= 50000 - 64);
    /* one loud source among them is still caught */
    burst(m, "OPTIONS", 400, T0 + 5 * SEC, 2 * SEC);
    assert_int_equal(mh_finish(m, c, "flood"), 1);
    assert_string_equal(mh_first_rule(c, "flood")->src.ip, "203.0.113.9");
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_per_source),      cmocka_unit_test(test_steady_rate),
        cmocka_unit_test(test_window_boundary), cmocka_unit_test(test_total),
        cmocka_unit_test(test_unique_sources),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
