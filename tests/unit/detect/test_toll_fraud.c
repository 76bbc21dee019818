/* Unit tests of the `toll-fraud` detector through the public monitor API: INVITEs, answers and
 * BYEs written by hand, fed as payloads, findings collected from the callback. Covers each form at
 * its threshold and just below, number normalisation (+, 00, 011, 9011, carrier codes,
 * separators), the longest-prefix match, business hours with a UTC offset, dialog tracking for
 * concurrency and the bounded dialog table. */
#define _POSIX_C_SOURCE 200809L /* mkstemp, fdopen */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <voipsec/monitor.h>

#include "monitor_harness.h"

/* Monday 2024-01-15 00:00:00 UTC */
#define MONDAY (1705276800LL * SEC)
#define HOUR (3600 * SEC)
#define NOON (MONDAY + 12 * HOUR) /* inside business hours at UTC+0 */
#define NIGHT (MONDAY + 2 * HOUR) /* 02:00, outside */

/* The default configuration with only the fraud detector enabled. */
static void base_config(vs_monitor_config *cfg)
{
    mh_config_none(cfg);
    cfg->fraud_enabled = true;
}

static const vs_ip PBX = {4, {198, 51, 100, 1}};
static const vs_ip CALLER = {4, {203, 0, 113, 7}};

static void invite(vs_monitor *m, vs_ip src, const char *from, const char *dialled,
                   const char *call_id, int64_t ts)
{
    char buf[1024];
    snprintf(buf, sizeof buf,
             "INVITE sip:%s@198.51.100.1 SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 203.0.113.7:5060;branch=z9hG4bK-%s\r\n"
             "Max-Forwards: 70\r\n"
             "From: <sip:%s@198.51.100.1>;tag=f-%s\r\n"
             "To: <sip:%s@198.51.100.1>\r\n"
             "Call-ID: %s\r\n"
             "CSeq: 1 INVITE\r\n"
             "Contact: <sip:%s@203.0.113.7:5060>\r\n"
             "User-Agent: test-phone\r\n"
             "Content-Length: 0\r\n\r\n",
             dialled, call_id, from, call_id, dialled, call_id, from);
    mh_feed(m, buf, src, 5060, PBX, 5060, ts);
}

/* A response from the PBX to src, for the INVITE (or BYE) of call_id. */
static void answer(vs_monitor *m, vs_ip src, unsigned status, const char *method,
                   const char *call_id, int64_t ts)
{
    char buf[1024];
    snprintf(buf, sizeof buf,
             "SIP/2.0 %u Whatever\r\n"
             "Via: SIP/2.0/UDP 203.0.113.7:5060;branch=z9hG4bK-%s\r\n"
             "From: <sip:x@198.51.100.1>;tag=f-%s\r\n"
             "To: <sip:y@198.51.100.1>;tag=t-%s\r\n"
             "Call-ID: %s\r\n"
             "CSeq: %u %s\r\n"
             "Content-Length: 0\r\n\r\n",
             status, call_id, call_id, call_id, call_id, strcmp(method, "BYE") ? 1u : 2u, method);
    mh_feed(m, buf, PBX, 5060, src, 5060, ts);
}

static void bye(vs_monitor *m, vs_ip src, const char *call_id, int64_t ts)
{
    char buf[1024];
    snprintf(buf, sizeof buf,
             "BYE sip:y@198.51.100.1 SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 203.0.113.7:5060;branch=z9hG4bK-bye-%s\r\n"
             "Max-Forwards: 70\r\n"
             "From: <sip:x@198.51.100.1>;tag=f-%s\r\n"
             "To: <sip:y@198.51.100.1>;tag=t-%s\r\n"
             "Call-ID: %s\r\n"
             "CSeq: 2 BYE\r\n"
             "Content-Length: 0\r\n\r\n",
             call_id, call_id, call_id, call_id);
    mh_feed(m, buf, src, 5060, PBX, 5060, ts);
}

/* Dials one number from CALLER at ts; returns the number of toll-fraud findings. */
static size_t dial_one(const vs_monitor_config *cfg, const char *number, int64_t ts, collected *c)
{
    vs_monitor *m = mh_start(c, cfg);
    invite(m, CALLER, "1001", number, "call-1", ts);
    return mh_finish(m, c, "toll-fraud");
}

/* ---- high-risk prefixes and normalisation --------------------------------------------------- */

static void test_prefix_forms(void **state)
{
    (void)state;
    vs_monitor_config cfg;
    base_config(&cfg);
    collected *c = mh_collected_new();
    /* Cuba (+53) written in every international form: one attempt is enough, even at noon */
    const char *cuba[] = {"+5371234567",          "005371234567",
                          "0115371234567",        "90115371234567",
                          "9005371234567",        "%2B5371234567",
                          "+53-7-123.4567",       "00(53)7-123-4567",
                          "10102220115371234567", "+5371234567;phone-context=x"};
    for (size_t i = 0; i < sizeof cuba / sizeof *cuba; i++) {
        assert_int_equal(dial_one(&cfg, cuba[i], NOON, c), 1);
        const vs_finding *f = mh_first_rule(c, "toll-fraud");
        assert_int_equal(f->severity, VS_SEV_HIGH);
        assert_int_equal(f->practice, VS_PRACTICE_ACTIVITY);
        assert_non_null(strstr(f->title, "Cuba"));
        assert_non_null(strstr(f->evidence, "\"country\":\"Cuba\""));
        assert_string_equal(f->src.ip, "203.0.113.7");
        assert_string_equal(f->user, "1001");
    }
    /* ordinary numbers: extensions, national numbers, an ordinary country, names */
    const char *fine[] = {"201",          "5371234567", "0301234567", "+4930123456",
                          "004930123456", "alice",      "*97",        "53"};
    for (size_t i = 0; i < sizeof fine / sizeof *fine; i++)
        assert_int_equal(dial_one(&cfg, fine[i], NOON, c), 0);
    /* a Caribbean area code dialled as a domestic North American number */
    assert_int_equal(dial_one(&cfg, "18095550100", NOON, c), 1);
    assert_non_null(strstr(mh_first_rule(c, "toll-fraud")->evidence, "Dominican Republic"));
    /* but 1-809 inside a longer national number is not */
    assert_int_equal(dial_one(&cfg, "180955501001", NOON, c), 0);
    free(c);
}

static void test_longest_prefix(void **state)
{
    (void)state;
    char path[] = "/tmp/vs-prefixes-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *fp = fdopen(fd, "w");
    assert_non_null(fp);
    fputs("# test list\n"
          "4\tFour\twide\ttest\n"
          "44\tUnited Kingdom\tcountry\ttest\n"
          "447\tUK mobile\tarea\ttest\n"
          "4470\tUK personal numbers\tpremium\ttest\n",
          fp);
    fclose(fp);
    vs_monitor_config cfg;
    base_config(&cfg);
    snprintf(cfg.fraud_prefixes, sizeof cfg.fraud_prefixes, "%s", path);
    collected *c = mh_collected_new();
    struct {
        const char *number, *country;
    } cases[] = {
        {"+447012345678", "UK personal numbers"},
        {"00447912345678", "UK mobile"},
        {"011442071234567", "United Kingdom"},
        {"+4930123456", "Four"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        assert_int_equal(dial_one(&cfg, cases[i].number, NOON, c), 1);
        char want[96];
        snprintf(want, sizeof want, "\"country\":\"%s\"", cases[i].country);
        assert_non_null(strstr(mh_first_rule(c, "toll-fraud")->evidence, want));
    }
    /* the international prefixes come from the configuration */
    snprintf(cfg.fraud_intl_prefixes, sizeof cfg.fraud_intl_prefixes, "0");
    assert_int_equal(dial_one(&cfg, "0447012345678", NOON, c), 1);
    assert_int_equal(dial_one(&cfg, "011442071234567", NOON, c), 0); /* "011" -> "11..." */
    unlink(path);
    free(c);
}

static void test_bad_data(void **state)
{
    (void)state;
    char path[] = "/tmp/vs-prefixes-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *fp = fdopen(fd, "w");
    fputs("53\tCuba\n+44\tUK\n", fp);
    fclose(fp);
    vs_monitor_config cfg;
    base_config(&cfg);
    snprintf(cfg.fraud_prefixes, sizeof cfg.fraud_prefixes, "%s", path);
    char err[256] = "";
    vs_monitor *m = vs_monitor_new(&cfg, false, mh_on_finding, NULL, err, sizeof err);
    assert_null(m);
    assert_non_null(strstr(err, ":2:"));
    unlink(path);
    base_config(&cfg);
    snprintf(cfg.fraud_intl_prefixes, sizeof cfg.fraud_intl_prefixes, "00,+1");
    m = vs_monitor_new(&cfg, false, mh_on_finding, NULL, err, sizeof err);
    assert_null(m);
    assert_non_null(strstr(err, "international_prefixes"));
}

/* ---- business hours ------------------------------------------------------------------------- */

/* Dials n numbers (prefix + 100, 101...) from CALLER starting at ts, a minute apart, each refused.
 */
static size_t dial_abroad(const vs_monitor_config *cfg, unsigned n, const char *prefix, int64_t ts,
                          collected *c)
{
    vs_monitor *m = mh_start(c, cfg);
    for (unsigned i = 0; i < n; i++) {
        char number[40], cid[32];
        snprintf(number, sizeof number, "%s%u", prefix, 100 + i);
        snprintf(cid, sizeof cid, "abroad-%u", i);
        invite(m, CALLER, "1001", number, cid, ts + (int64_t)i * 60 * SEC);
        answer(m, CALLER, 403, "INVITE", cid, ts + (int64_t)i * 60 * SEC + 1000);
    }
    return mh_finish(m, c, "toll-fraud");
}

static void test_after_hours(void **state)
{
    (void)state;
    vs_monitor_config cfg;
    base_config(&cfg);
    collected *c = mh_collected_new();
    /* three international attempts at night fire, two do not; refused attempts count */
    assert_int_equal(dial_abroad(&cfg, 2, "0049301234", NIGHT, c), 0);
    assert_int_equal(dial_abroad(&cfg, 3, "0049301234", NIGHT, c), 1);
    const vs_finding *f = mh_first_rule(c, "toll-fraud");
    assert_non_null(strstr(f->title, "outside business hours"));
    assert_non_null(strstr(f->explain, "refused"));
    assert_non_null(strstr(f->evidence, "\"refused\":3"));
    assert_non_null(strstr(f->evidence, "\"0049301234100\""));
    assert_int_equal(f->count, 3);
    /* the same at noon: nothing */
    assert_int_equal(dial_abroad(&cfg, 5, "0049301234", NOON, c), 0);
    /* '+' numbers do not count after hours (inbound calls to DIDs look like that) */
    assert_int_equal(dial_abroad(&cfg, 5, "+49301234", NIGHT, c), 0);
    /* domestic calls at night: nothing */
    assert_int_equal(dial_abroad(&cfg, 5, "0301234", NIGHT, c), 0);
    /* Saturday noon is outside business days */
    assert_int_equal(dial_abroad(&cfg, 3, "011493012", NOON + 5 * 24 * HOUR, c), 1);

    /* 07:00 UTC is before 08:00 at UTC+0, but 09:00 at UTC+2 */
    int64_t seven = MONDAY + 7 * HOUR;
    assert_int_equal(dial_abroad(&cfg, 3, "0049301234", seven, c), 1);
    cfg.utc_offset_min = 120;
    assert_int_equal(dial_abroad(&cfg, 3, "0049301234", seven, c), 0);
    /* 17:30 UTC is inside at UTC+0, 19:30 at UTC+2 is outside */
    assert_int_equal(dial_abroad(&cfg, 3, "0049301234", MONDAY + 17 * HOUR + 30 * 60 * SEC, c), 1);
    /* negative offsets: Monday 03:00 UTC is Sunday 22:00 at UTC-5 */
    cfg.utc_offset_min = -300;
    assert_int_equal(dial_abroad(&cfg, 3, "0049301234", MONDAY + 15 * HOUR, c), 0);
    assert_int_equal(dial_abroad(&cfg, 3, "0049301234", MONDAY + 3 * HOUR, c), 1);
    /* a night shift: open 22:00-06:00 */
    cfg.utc_offset_min = 0;
    cfg.business_start_min = 22 * 60;
    cfg.business_end_min = 6 * 60;
    assert_int_equal(dial_abroad(&cfg, 3, "0049301234", NIGHT, c), 0);
    assert_int_equal(dial_abroad(&cfg, 3, "0049301234", NOON, c), 1);
    free(c);
}

/* ---- bursts --------------------------------------------------------------------------------- */

static void test_account_burst(void **state)
{
    (void)state;
    vs_monitor_config cfg;
    base_config(&cfg);
    collected *c = mh_collected_new();
    for (unsigned n = 9; n <= 10; n++) {
        vs_monitor *m = mh_start(c, &cfg);
        for (unsigned i = 0; i < n; i++) {
            char number[16], cid[16];
            snprintf(number, sizeof number, "55501%02u", i);
            snprintf(cid, sizeof cid, "b-%u", i);
            /* each call twice: the retransmission or the resend with credentials counts once */
            invite(m, mh_ip4(203, 0, 113, (unsigned)(10 + i)), "1001", number, cid, NOON + i * SEC);
            invite(m, mh_ip4(203, 0, 113, (unsigned)(10 + i)), "1001", number, cid,
                   NOON + i * SEC + 1000);
        }
        assert_int_equal(mh_finish(m, c, "toll-fraud"), n == 10 ? 1 : 0);
    }
    const vs_finding *f = mh_first_rule(c, "toll-fraud");
    assert_string_equal(f->user, "1001");
    assert_non_null(strstr(f->title, "account 1001"));
    assert_int_equal(f->count, 10);

    /* the same calls spread over more than the window: nothing */
    vs_monitor *m = mh_start(c, &cfg);
    for (unsigned i = 0; i < 20; i++) {
        char cid[16];
        snprintf(cid, sizeof cid, "s-%u", i);
        invite(m, CALLER, "1001", "5550100", cid, NOON + i * 7 * SEC);
    }
    assert_int_equal(mh_finish(m, c, "toll-fraud"), 0);
    free(c);
}

static void test_source_burst(void **state)
{
    (void)state;
    vs_monitor_config cfg;
    base_config(&cfg);
    collected *c = mh_collected_new();
    /* international calls from one source under many accounts, in business hours */
    for (unsigned n = 9; n <= 10; n++) {
        vs_monitor *m = mh_start(c, &cfg);
        for (unsigned i = 0; i < n; i++) {
            char from[16], cid[16];
            snprintf(from, sizeof from, "u%u", i);
            snprintf(cid, sizeof cid, "sb-%u", i);
            invite(m, CALLER, from, "004930123456", cid, NOON + i * SEC);
        }
        assert_int_equal(mh_finish(m, c, "toll-fraud"), n == 10 ? 1 : 0);
    }
    assert_non_null(strstr(mh_first_rule(c, "toll-fraud")->title, "Burst of international calls"));
    /* a trunk delivering 30 ordinary calls a minute under many caller numbers: nothing */
    vs_monitor *m = mh_start(c, &cfg);
    for (unsigned i = 0; i < 30; i++) {
        char from[16], cid[16];
        snprintf(from, sizeof from, "7926%07u", i);
        snprintf(cid, sizeof cid, "tr-%u", i);
        invite(m, CALLER, from, "699800", cid, NOON + i * 2 * SEC);
    }
    assert_int_equal(mh_finish(m, c, "toll-fraud"), 0);
    free(c);
}

/* ---- concurrency ---------------------------------------------------------------------------- */

/* Sets up n established calls of account 2002 (each from its own port-less source). */
static void establish(vs_monitor *m, unsigned n, unsigned base, int64_t ts)
{
    for (unsigned i = 0; i < n; i++) {
        char cid[16], number[16];
        snprintf(cid, sizeof cid, "cc-%u", base + i);
        snprintf(number, sizeof number, "555%04u", base + i);
        /* one call every 10 s: no burst */
        int64_t t = ts + (int64_t)(base + i) * 10 * SEC;
        invite(m, CALLER, "2002", number, cid, t);
        answer(m, CALLER, 180, "INVITE", cid, t + 1000);
        answer(m, CALLER, 200, "INVITE", cid, t + 2000);
        answer(m, CALLER, 200, "INVITE", cid, t + 3000); /* a retransmitted 200 */
    }
}

static void test_concurrency(void **state)
{
    (void)state;
    vs_monitor_config cfg;
    base_config(&cfg);
    collected *c = mh_collected_new();

    /* five at once is the limit, six is above */
    vs_monitor *m = mh_start(c, &cfg);
    establish(m, 5, 0, NOON);
    assert_int_equal(mh_finish(m, c, "toll-fraud"), 0);

    m = mh_start(c, &cfg);
    establish(m, 6, 0, NOON);
    assert_int_equal(mh_finish(m, c, "toll-fraud"), 1);
    const vs_finding *f = mh_first_rule(c, "toll-fraud");
    assert_string_equal(f->user, "2002");
    assert_string_equal(f->src.ip, "203.0.113.7");
    assert_non_null(strstr(f->title, "6 calls at once"));

    /* calls that end (BYE, or a failed INVITE) give their slot back */
    m = mh_start(c, &cfg);
    establish(m, 5, 0, NOON);
    bye(m, CALLER, "cc-0", NOON + 100 * SEC);
    answer(m, CALLER, 200, "BYE", "cc-0", NOON + 100 * SEC + 1000);
    invite(m, CALLER, "2002", "5559999", "cc-failed", NOON + 110 * SEC);
    answer(m, CALLER, 486, "INVITE", "cc-failed", NOON + 110 * SEC + 1000);
    establish(m, 1, 20, NOON);
    assert_int_equal(mh_finish(m, c, "toll-fraud"), 0);

    /* a bounded dialog table: with room for 4 dialogs, evicted calls give their slot back and
     * the evictions are counted */
    cfg.max_dialogs = 4;
    m = mh_start(c, &cfg);
    establish(m, 8, 0, NOON);
    assert_true(vs_monitor_get_stats(m)->evicted >= 4);
    assert_int_equal(mh_finish(m, c, "toll-fraud"), 0);
    free(c);
}

/* ---- the shape of the corpus attack: refused 011/9011 attempts at night --------------------- */

static void test_refused_prefix_testing(void **state)
{
    (void)state;
    vs_monitor_config cfg;
    base_config(&cfg);
    collected *c = mh_collected_new();
    vs_monitor *m = mh_start(c, &cfg);
    const char *tries[] = {"011972599501806", "1010333011972599501806", "1010555011972599501806",
                           "1010222011972599501806", "9011972599501806"};
    const unsigned status[] = {482, 401, 403, 503, 482};
    int64_t t = MONDAY + 42 * 60 * SEC; /* 00:42 */
    for (size_t i = 0; i < 5; i++) {
        char cid[16];
        snprintf(cid, sizeof cid, "sipcli-%zu", i);
        invite(m, mh_ip4(40, 129, 198, 250), "200", tries[i], cid, t + (int64_t)i * SEC);
        answer(m, mh_ip4(40, 129, 198, 250), status[i], "INVITE", cid, t + (int64_t)i * SEC + 1000);
    }
    assert_int_equal(mh_finish(m, c, "toll-fraud"), 1);
    const vs_finding *f = mh_first_rule(c, "toll-fraud");
    assert_string_equal(f->src.ip, "40.129.198.250");
    assert_non_null(strstr(f->explain, "refused"));
    assert_non_null(strstr(f->evidence, "\"answered\":0"));
    assert_non_null(strstr(f->evidence, "\"international_after_hours\":5"));
    assert_int_equal(f->count, 5);
    free(c);
}

/* ---- bounded tables ------------------------------------------------------------------------- */

static void test_unique_sources(void **state)
{
    (void)state;
    vs_monitor_config cfg;
    base_config(&cfg);
    cfg.max_sources = 64;
    cfg.max_users = 64;
    cfg.max_dialogs = 64;
    collected *c = mh_collected_new();
    vs_monitor *m = mh_start(c, &cfg);
    for (unsigned i = 0; i < 20000; i++) {
        char cid[24], from[16];
        snprintf(cid, sizeof cid, "u-%u", i);
        snprintf(from, sizeof from, "%u", i);
        invite(m, mh_ip4(10, (i >> 16) & 255, (i >> 8) & 255, i & 255), from, "5550100", cid,
               NOON + (int64_t)i * 1000);
    }
    /* sources, accounts and dialogs were each evicted about 20000 - 64 times */
    assert_true(vs_monitor_get_stats(m)->evicted >= 3 * (20000 - 64));
    assert_int_equal(mh_finish(m, c, "toll-fraud"), 0);
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prefix_forms),   cmocka_unit_test(test_longest_prefix),
        cmocka_unit_test(test_bad_data),       cmocka_unit_test(test_after_hours),
        cmocka_unit_test(test_account_burst),  cmocka_unit_test(test_source_burst),
        cmocka_unit_test(test_concurrency),    cmocka_unit_test(test_refused_prefix_testing),
        cmocka_unit_test(test_unique_sources),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
