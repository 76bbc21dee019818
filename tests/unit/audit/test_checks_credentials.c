/* Unit tests for the Asterisk credential checks (src/audit/checks_credentials.c), driven through
 * the public audit API on tests/fixtures/audit/asterisk/creds-weak (one weak or reused secret per
 * file area, commented-out secrets, a crypt ARI password, an md5 PJSIP auth) and creds-hardened
 * (strong, unique secrets and PINs: every check silent). Also: no planted secret, nor its tail
 * after the one character that masking shows, appears in any finding serialized as JSON or
 * text. VS_TEST_DUMP=1 prints every finding of every run. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <voipsec/audit.h>

#include "audit/check.h"
#include "audit_harness.h"

/* The area under test. Naming it here also makes the linker take that object out of the static
 * library: the registry only refers to areas weakly. */
extern const vs__audit_check *const vs__checks_credentials[];

#define AUDIT_FIXTURES VS_SOURCE_DIR "/tests/fixtures/audit/asterisk/"

/* Audits the fixture directory AUDIT_FIXTURES<name> (all findings, files named by suffix). */
static audit_results run(const char *name)
{
    return ah_run(AUDIT_FIXTURES, name, NULL, false);
}

/* ah_expect_at, for a finding of the credentials practice. */
static const vs_finding *expect_at(const audit_results *r, const char *rule, const char *file,
                                   unsigned line, vs_severity sev)
{
    const vs_finding *f = ah_expect_at(r, rule, file, line, sev);
    assert_int_equal(f->practice, VS_PRACTICE_CREDENTIALS);
    return f;
}

/* The evidence of a weak-secret finding: masked secret and the verdict's numbers. */
static void expect_evidence(const vs_finding *f, const char *masked, const char *failed)
{
    if (!f)
        return;
    char want[128];
    snprintf(want, sizeof want, "\"secret\":\"%s\"", masked);
    if (!strstr(f->evidence, want) || !strstr(f->evidence, failed))
        fprintf(stderr, "%s: evidence %s; want %s and %s\n", f->rule, f->evidence, want, failed);
    assert_non_null(strstr(f->evidence, want));
    assert_non_null(strstr(f->evidence, failed));
    assert_non_null(strstr(f->evidence, "\"length\":"));
    assert_non_null(strstr(f->evidence, "\"classes\":"));
    assert_non_null(strstr(f->evidence, "\"guesses_log10\":"));
}

static void test_weak_pjsip(void **state)
{
    (void)state;
    audit_results r = run("creds-weak");
    const char *F = "creds-weak/pjsip.conf";
    const vs_finding *f = expect_at(&r, "asterisk.pjsip.weak-secret", F, 8, VS_SEV_CRITICAL);
    expect_evidence(f, "6*** (4 characters)", "\"failed\":\"equals_user\"");
    if (f)
        assert_string_equal(f->user, "6001-auth");
    f = expect_at(&r, "asterisk.pjsip.weak-secret", F, 12, VS_SEV_HIGH);
    expect_evidence(f, "B*** (10 characters)", "\"failed\":\"too_short\"");
    /* 6003 and 6004 are strong; 6005 is an md5 hash; the commented line 20 is no value */
    ah_expect_count(&r, "asterisk.pjsip.weak-secret", 2);
    assert_null(ah_find(&r, "asterisk.pjsip.weak-secret", F, 20));
    ah_free(&r);
}

static void test_weak_sip_iax(void **state)
{
    (void)state;
    audit_results r = run("creds-weak");
    const vs_finding *f =
        expect_at(&r, "asterisk.sip.weak-secret", "creds-weak/sip.conf", 8, VS_SEV_HIGH);
    expect_evidence(f, "1*** (4 characters)", "\"failed\":\"on_blocklist\"");
    if (f)
        assert_string_equal(f->user, "7001");
    /* [7003]'s secrets are commented out: nothing to report, nowhere */
    ah_expect_count(&r, "asterisk.sip.weak-secret", 1);
    for (size_t i = 0; i < r.n; i++)
        if (strstr(r.v[i].rule, "secret") || strstr(r.v[i].rule, "pin"))
            assert_string_not_equal(r.v[i].user, "7003");
    f = expect_at(&r, "asterisk.iax.weak-secret", "creds-weak/iax.conf", 9, VS_SEV_CRITICAL);
    expect_evidence(f, "b*** (6 characters)", "\"failed\":\"equals_user\"");
    ah_expect_count(&r, "asterisk.iax.weak-secret", 1);
    ah_free(&r);
}

static void test_weak_voicemail(void **state)
{
    (void)state;
    audit_results r = run("creds-weak");
    const char *F = "creds-weak/voicemail.conf";
    const vs_finding *f = expect_at(&r, "asterisk.voicemail.weak-pin", F, 7, VS_SEV_CRITICAL);
    expect_evidence(f, "1*** (4 characters)", "\"failed\":\"equals_user\"");
    if (f)
        assert_string_equal(f->user, "1001");
    expect_at(&r, "asterisk.voicemail.weak-pin", F, 8, VS_SEV_HIGH);
    f = expect_at(&r, "asterisk.voicemail.weak-pin", F, 11, VS_SEV_HIGH);
    if (f)
        assert_non_null(strstr(f->evidence, "\"length\":5"));
    /* 1003's "-739251" is the PIN 739251 (the '-' only locks it); 1004 is commented out */
    ah_expect_count(&r, "asterisk.voicemail.weak-pin", 3);
    assert_null(ah_find(&r, "asterisk.voicemail.weak-pin", F, 9));
    assert_null(ah_find(&r, "asterisk.voicemail.weak-pin", F, 10));
    ah_free(&r);
}

static void test_weak_manager_ari(void **state)
{
    (void)state;
    audit_results r = run("creds-weak");
    /* the secret of manager.conf.sample: a published vendor default */
    const vs_finding *f = expect_at(&r, "asterisk.manager.weak-secret", "creds-weak/manager.conf",
                                    7, VS_SEV_CRITICAL);
    expect_evidence(f, "m*** (8 characters)", "\"failed\":\"vendor_default\"");
    f = expect_at(&r, "asterisk.manager.weak-secret", "creds-weak/manager.conf", 14,
                  VS_SEV_CRITICAL);
    expect_evidence(f, "(empty)", "\"failed\":\"empty\"");
    ah_expect_count(&r, "asterisk.manager.weak-secret", 2);
    f = expect_at(&r, "asterisk.ari.weak-password", "creds-weak/ari.conf", 8, VS_SEV_CRITICAL);
    expect_evidence(f, "a*** (8 characters)", "\"failed\":\"equals_user\"");
    /* the crypt-format password is a hash: not judged */
    ah_expect_count(&r, "asterisk.ari.weak-password", 1);
    ah_free(&r);
}

static void test_reuse(void **state)
{
    (void)state;
    audit_results r = run("creds-weak");
    /* one secret in pjsip [6003-auth], sip [7002] and iax [hq]: one finding at the first */
    const vs_finding *f =
        expect_at(&r, "asterisk.secret-reuse", "creds-weak/pjsip.conf", 16, VS_SEV_HIGH);
    ah_expect_count(&r, "asterisk.secret-reuse", 1);
    if (f) {
        assert_non_null(strstr(f->evidence, "\"count\":3"));
        assert_non_null(strstr(f->evidence, "pjsip.conf [6003-auth]"));
        assert_non_null(strstr(f->evidence, "sip.conf [7002]"));
        assert_non_null(strstr(f->evidence, "iax.conf [hq]"));
        assert_non_null(strstr(f->evidence, "\"secret\":\"X*** (16 characters)\""));
        assert_non_null(strstr(f->explain, "3 accounts"));
    }
    ah_free(&r);
}

static void test_hardened_silent(void **state)
{
    (void)state;
    audit_results r = run("creds-hardened");
    for (const vs__audit_check *const *c = vs__checks_credentials; *c; c++)
        ah_expect_count(&r, (*c)->info.id, 0);
    ah_free(&r);
}

/* Planted secrets (and what masking hides of them) never appear in any output of a finding. */
static void test_no_secret_in_output(void **state)
{
    (void)state;
    static const char *const planted[] = {
        "Bluebird77",     "Xq7#vLp2@Rt9!mKw",   "Mn3$kTr8!wQz5Lp", "mysecret",
        "CommentedOut99", "Zebra5CommentedOut", "739251",          "13579",
    };
    audit_results r = run("creds-weak");
    assert_true(r.n > 0);
    char *buf = ah_all_output(&r);
    ah_expect_no_secret(buf, "creds-weak", planted, sizeof planted / sizeof planted[0], false,
                        true);
    free(buf);
    ah_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weak_pjsip),
        cmocka_unit_test(test_weak_sip_iax),
        cmocka_unit_test(test_weak_voicemail),
        cmocka_unit_test(test_weak_manager_ari),
        cmocka_unit_test(test_reuse),
        cmocka_unit_test(test_hardened_silent),
        cmocka_unit_test(test_no_secret_in_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
