/* Unit tests of the `bruteforce` detector through the public monitor API: SIP written by hand,
 * fed as payloads, findings collected from the callback. */
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

/* A monitor collecting into c with only the bruteforce detector enabled (as configured in cfg). */
static vs_monitor *new_monitor(collected *c, vs_monitor_config *cfg)
{
    mh_config_none(cfg);
    cfg->brute_enabled = true;
    return mh_start(c, cfg);
}

static const vs_ip *server(void)
{
    static vs_ip s;
    s = mh_ip4(198, 51, 100, 1);
    return &s;
}

/* One REGISTER transaction: with credentials when with_auth, answered `status`. */
static void attempt(vs_monitor *m, vs_ip src, const char *user, bool with_auth, unsigned status,
                    const char *extra_challenge, int64_t ts)
{
    static unsigned seq;
    seq++;
    char callid[64], auth[512] = "", buf[2048];
    snprintf(callid, sizeof callid, "cid-%u@test", seq);
    if (with_auth)
        snprintf(auth, sizeof auth,
                 "Authorization: Digest username=\"%s\", realm=\"example.com\", "
                 "nonce=\"n%u\", uri=\"sip:example.com\", "
                 "response=\"0123456789abcdef0123456789abcdef\", algorithm=MD5\r\n",
                 user, seq);
    snprintf(buf, sizeof buf,
             "REGISTER sip:example.com SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 192.0.2.7:5071;branch=z9hG4bK-%u\r\n"
             "Max-Forwards: 70\r\n"
             "From: <sip:%s@example.com>;tag=f%u\r\n"
             "To: <sip:%s@example.com>\r\n"
             "Call-ID: %s\r\n"
             "CSeq: 2 REGISTER\r\n"
             "Contact: <sip:%s@192.0.2.7:5071>\r\n"
             "%s"
             "Expires: 3600\r\n"
             "Content-Length: 0\r\n\r\n",
             seq, user, seq, user, callid, user, auth);
    mh_feed(m, buf, src, 5071, *server(), 5060, ts);
    const char *reason = status == 200 ? "OK" : status == 403 ? "Forbidden" : "Unauthorized";
    char chal[256] = "";
    if (status == 401)
        snprintf(chal, sizeof chal,
                 "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"m%u\", "
                 "algorithm=MD5%s\r\n",
                 seq, extra_challenge ? extra_challenge : "");
    snprintf(buf, sizeof buf,
             "SIP/2.0 %u %s\r\n"
             "Via: SIP/2.0/UDP 192.0.2.7:5071;branch=z9hG4bK-%u\r\n"
             "From: <sip:%s@example.com>;tag=f%u\r\n"
             "To: <sip:%s@example.com>;tag=s%u\r\n"
             "Call-ID: %s\r\n"
             "CSeq: 2 REGISTER\r\n"
             "%s"
             "Content-Length: 0\r\n\r\n",
             status, reason, seq, user, seq, user, seq, callid, chal);
    mh_feed(m, buf, *server(), 5060, src, 5071, ts + 1000);
}

static void test_below_threshold(void **state)
{
    (void)state;
    collected c;
    vs_monitor_config cfg;
    vs_monitor *m = new_monitor(&c, &cfg);
    vs_ip a = mh_ip4(203, 0, 113, 9);
    for (int i = 0; i < 9; i++)
        attempt(m, a, "1001", true, 403, NULL, T0 + i * SEC);
    assert_int_equal(mh_finish(m, &c, "bruteforce"), 0);
}

static void test_at_threshold(void **state)
{
    (void)state;
    collected c;
    vs_monitor_config cfg;
    vs_monitor *m = new_monitor(&c, &cfg);
    vs_ip a = mh_ip4(203, 0, 113, 9);
    for (int i = 0; i < 12; i++)
        attempt(m, a, "1001", true, i % 2 ? 401 : 403, NULL, T0 + i * SEC);
    assert_int_equal(mh_finish(m, &c, "bruteforce"), 1);
    const vs_finding *f = mh_first_rule(&c, "bruteforce");
    assert_string_equal(f->src.ip, "203.0.113.9");
    assert_int_equal(f->src.port, 5071);
    assert_string_equal(f->dst.ip, "198.51.100.1");
    assert_string_equal(f->user, "1001");
    assert_int_equal(f->practice, VS_PRACTICE_ACTIVITY);
    assert_int_equal(f->severity, VS_SEV_HIGH);
    assert_int_equal(f->count, 12);
    assert_true(f->first_seen_us == T0 + 1000);           /* first failure answered */
    assert_true(f->last_seen_us == T0 + 11 * SEC + 1000); /* last failure answered */
    assert_non_null(strstr(f->title, "1001"));
    assert_non_null(strstr(f->evidence, "\"failures_in_window\":10"));
}

static void test_mistyping_user(void **state)
{
    (void)state;
    collected c;
    vs_monitor_config cfg;
    vs_monitor *m = new_monitor(&c, &cfg);
    vs_ip a = mh_ip4(192, 0, 2, 50);
    int64_t t = T0;
    /* mistypes twice, then logs in; again and again for an hour */
    for (int round = 0; round < 10; round++) {
        attempt(m, a, "1002", true, 401, NULL, t);
        attempt(m, a, "1002", true, 403, NULL, t + 2 * SEC);
        attempt(m, a, "1002", true, 200, NULL, t + 4 * SEC);
        t += 10 * SEC;
    }
    /* 9 failures, a success, 9 failures: the success starts the count over */
    for (int i = 0; i < 9; i++)
        attempt(m, a, "1003", true, 403, NULL, t + i * SEC);
    attempt(m, a, "1003", true, 200, NULL, t + 10 * SEC);
    for (int i = 0; i < 9; i++)
        attempt(m, a, "1003", true, 403, NULL, t + (11 + i) * SEC);
    assert_int_equal(mh_finish(m, &c, "bruteforce"), 0);
}

static void test_challenges_are_not_failures(void **state)
{
    (void)state;
    collected c;
    vs_monitor_config cfg;
    vs_monitor *m = new_monitor(&c, &cfg);
    vs_ip a = mh_ip4(192, 0, 2, 51);
    /* a phone refreshing its registration: one 401 challenge each time, then 200 */
    for (int i = 0; i < 50; i++) {
        attempt(m, a, "1004", false, 401, NULL, T0 + i * 5 * SEC);
        attempt(m, a, "1004", true, 200, NULL, T0 + i * 5 * SEC + SEC / 2);
    }
    /* a nonce that went stale is renewed, not refused */
    for (int i = 0; i < 20; i++)
        attempt(m, a, "1005", true, 401, ", stale=true", T0 + i * SEC);
    assert_int_equal(mh_finish(m, &c, "bruteforce"), 0);
}

static void test_window(void **state)
{
    (void)state;
    collected c;
    vs_monitor_config cfg;
    vs_monitor *m = new_monitor(&c, &cfg);
    vs_ip a = mh_ip4(192, 0, 2, 52);
    /* 10 failures, but one per minute: never 10 within the 300 s window */
    for (int i = 0; i < 10; i++)
        attempt(m, a, "1006", true, 403, NULL, T0 + i * 60 * SEC);
    assert_int_equal(mh_finish(m, &c, "bruteforce"), 0);
}

static void test_one_source_many_users(void **state)
{
    (void)state;
    collected c;
    vs_monitor_config cfg;
    vs_monitor *m = new_monitor(&c, &cfg);
    vs_ip a = mh_ip4(203, 0, 113, 66);
    char user[16];
    for (int i = 0; i < 9; i++) {
        snprintf(user, sizeof user, "%d", 200 + i);
        attempt(m, a, user, true, 403, NULL, T0 + i * SEC);
    }
    vs_monitor_tick(m, T0 + 20 * SEC);
    assert_int_equal(mh_count_rule(&c, "bruteforce"), 0); /* 9 users: below 10 */
    for (int i = 9; i < 30; i++) {
        snprintf(user, sizeof user, "%d", 200 + i);
        attempt(m, a, user, true, 403, NULL, T0 + i * SEC);
    }
    assert_int_equal(mh_finish(m, &c, "bruteforce"), 1);
    const vs_finding *f = mh_first_rule(&c, "bruteforce");
    assert_string_equal(f->src.ip, "203.0.113.66");
    assert_string_equal(f->user, "");
    assert_int_equal(f->count, 30);
    assert_true(f->first_seen_us == T0 + 1000);
    assert_non_null(strstr(f->evidence, "\"users\":[\"200\",\"201\""));
    assert_non_null(strstr(f->evidence, "\"distinct_users\":10"));
}

static void test_many_sources_one_user(void **state)
{
    (void)state;
    collected c;
    vs_monitor_config cfg;
    vs_monitor *m = new_monitor(&c, &cfg);
    for (int i = 0; i < 4; i++)
        attempt(m, mh_ip4(203, 0, 113, 100 + i), "1007", true, 403, NULL, T0 + i * SEC);
    vs_monitor_tick(m, T0 + 10 * SEC);
    assert_int_equal(mh_count_rule(&c, "bruteforce"), 0);
    for (int i = 4; i < 8; i++)
        attempt(m, mh_ip4(203, 0, 113, 100 + i), "1007", true, 403, NULL, T0 + i * SEC);
    assert_int_equal(mh_finish(m, &c, "bruteforce"), 1);
    const vs_finding *f = mh_first_rule(&c, "bruteforce");
    assert_string_equal(f->user, "1007");
    assert_string_equal(f->src.ip, "203.0.113.104"); /* the source that crossed the line */
    assert_int_equal(f->count, 8);
    assert_non_null(strstr(f->evidence, "\"sources\":[\"203.0.113.100\""));
    assert_non_null(strstr(f->title, "many addresses"));
    assert_non_null(strstr(f->explain, "At least 5 different computers"));
}

static void test_success_after_guessing(void **state)
{
    (void)state;
    collected c;
    vs_monitor_config cfg;
    vs_monitor *m = new_monitor(&c, &cfg);
    vs_ip a = mh_ip4(203, 0, 113, 77);
    for (int i = 0; i < 15; i++)
        attempt(m, a, "1008", true, 403, NULL, T0 + i * SEC);
    attempt(m, a, "1008", true, 200, NULL, T0 + 16 * SEC);
    assert_int_equal(mh_finish(m, &c, "bruteforce"), 1);
    const vs_finding *f = mh_first_rule(&c, "bruteforce");
    assert_int_equal(f->severity, VS_SEV_CRITICAL);
    assert_int_equal(f->count, 15);
    assert_non_null(strstr(f->evidence, "\"accepted_user\":\"1008\""));
    /* the findings, as JSON and text, carry no digest response */
    char *json = mh_all_output(&c);
    assert_null(strstr(json, "0123456789abcdef"));
    free(json);
}

static void test_separate_incidents(void **state)
{
    (void)state;
    collected c;
    vs_monitor_config cfg;
    vs_monitor *m = new_monitor(&c, &cfg);
    /* two attackers, one user each: two findings; an incident idle for incident_idle closes */
    for (int i = 0; i < 10; i++) {
        attempt(m, mh_ip4(203, 0, 113, 1), "1010", true, 403, NULL, T0 + i * SEC);
        attempt(m, mh_ip4(203, 0, 113, 2), "1011", true, 403, NULL, T0 + i * SEC);
    }
    vs_monitor_tick(m, T0 + 9 * SEC + cfg.incident_idle_us + SEC);
    assert_int_equal(mh_count_rule(&c, "bruteforce"), 2);
    assert_int_equal(mh_finish(m, &c, "bruteforce"), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_below_threshold),
        cmocka_unit_test(test_at_threshold),
        cmocka_unit_test(test_mistyping_user),
        cmocka_unit_test(test_challenges_are_not_failures),
        cmocka_unit_test(test_window),
        cmocka_unit_test(test_one_source_many_users),
        cmocka_unit_test(test_many_sources_one_user),
        cmocka_unit_test(test_success_after_guessing),
        cmocka_unit_test(test_separate_incidents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
