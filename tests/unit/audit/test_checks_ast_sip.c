/* Unit tests for the Asterisk SIP/PJSIP/IAX checks (src/audit/checks_ast_sip.c), driven through
 * the public audit API (vs_audit_new, vs_audit_path) on the fixture directories under
 * tests/fixtures/audit/asterisk/: each check fires on a weak configuration (rule id, file, line and
 * severity asserted) and stays silent on a hardened one. Findings of other areas' checks on the
 * same fixtures are ignored: each test looks only at the rules it is about. VS_TEST_DUMP=1 prints
 * every finding of every run. */
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

/* The area under test (src/audit/checks_ast_sip.c). Naming it here also makes the linker take
 * that object out of the static library: the registry only refers to areas weakly. */
extern const vs__audit_check *const vs__checks_ast_sip[];

#define AUDIT_FIXTURES VS_SOURCE_DIR "/tests/fixtures/audit/asterisk/"

/* Audits the fixture directory AUDIT_FIXTURES<name> (all findings, files named by suffix). */
static audit_results run(const char *name)
{
    return ah_run(AUDIT_FIXTURES, name, NULL, false);
}

/* ---- chan_sip ---------------------------------------------------------------------------------
 */

static void test_sip_weak(void **state)
{
    (void)state;
    audit_results r = run("sip-weak");
    const char *F = "sip-weak/sip.conf";
    /* allowguest absent (default yes), general context "default" includes an _00. route */
    ah_expect_json_at(&r, "asterisk.sip.allowguest", F, 2, VS_SEV_CRITICAL);
    ah_expect_count(&r, "asterisk.sip.allowguest", 1);
    const vs_finding *g = ah_find(&r, "asterisk.sip.allowguest", F, 2);
    if (g) {
        assert_non_null(strstr(g->evidence, "\"reaches_international\":true"));
        assert_non_null(strstr(g->evidence, "\"context\":\"default\""));
        assert_non_null(strstr(g->evidence, "extensions.conf:"));
    }
    ah_expect_json_at(&r, "asterisk.sip.alwaysauthreject", F, 4, VS_SEV_MEDIUM);
    ah_expect_json_at(&r, "asterisk.sip.tls-old-method", F, 5, VS_SEV_HIGH);
    ah_expect_json_at(&r, "asterisk.sip.tls-no-verify", F, 6, VS_SEV_MEDIUM);
    /* insecure=invite on a phone (host=dynamic from the template) */
    ah_expect_json_at(&r, "asterisk.sip.insecure-invite", F, 18, VS_SEV_HIGH);
    ah_expect_count(&r, "asterisk.sip.insecure-invite", 1); /* not the trunk */
    /* both phones lack permit/deny/acl: reported at their sections */
    ah_expect_json_at(&r, "asterisk.sip.no-acl", F, 16, VS_SEV_MEDIUM);
    ah_expect_json_at(&r, "asterisk.sip.no-acl", F, 20, VS_SEV_MEDIUM);
    ah_expect_count(&r, "asterisk.sip.no-acl", 2);
    /* trunk trusted by address, context from-trunk includes the international route */
    ah_expect_json_at(&r, "asterisk.sip.ip-no-auth", F, 29, VS_SEV_CRITICAL);
    ah_expect_count(&r, "asterisk.sip.ip-no-auth", 1);
    ah_expect_json_at(&r, "asterisk.sip.no-tls", F, 2, VS_SEV_MEDIUM);
    /* 7001 and the trunk have no encryption; 7002 has encryption=yes over udp */
    ah_expect_json_at(&r, "asterisk.sip.no-srtp", F, 16, VS_SEV_MEDIUM);
    ah_expect_json_at(&r, "asterisk.sip.no-srtp", F, 25, VS_SEV_MEDIUM);
    ah_expect_count(&r, "asterisk.sip.no-srtp", 2);
    ah_expect_json_at(&r, "asterisk.sip.sdes-cleartext", F, 22, VS_SEV_HIGH);
    ah_expect_count(&r, "asterisk.sip.sdes-cleartext", 1);
    ah_expect_json_at(&r, "asterisk.sip.deprecated-driver", F, 2, VS_SEV_INFO);
    const vs_finding *u = ah_find(&r, "asterisk.sip.insecure-invite", F, 18);
    if (u)
        assert_string_equal(u->user, "7001");
    ah_free(&r);
}

static void test_sip_hardened(void **state)
{
    (void)state;
    audit_results r = run("sip-hardened");
    static const char *const silent[] = {
        "asterisk.sip.allowguest",      "asterisk.sip.alwaysauthreject",
        "asterisk.sip.insecure-invite", "asterisk.sip.no-acl",
        "asterisk.sip.ip-no-auth",      "asterisk.sip.no-tls",
        "asterisk.sip.no-srtp",         "asterisk.sip.sdes-cleartext",
        "asterisk.sip.tls-old-method",  "asterisk.sip.tls-no-verify",
    };
    for (size_t i = 0; i < sizeof silent / sizeof silent[0]; i++)
        ah_expect_count(&r, silent[i], 0);
    /* chan_sip itself is still worth a note */
    ah_expect_json_at(&r, "asterisk.sip.deprecated-driver", "sip-hardened/sip.conf", 2,
                      VS_SEV_INFO);
    ah_free(&r);
}

static void test_sip_guest_severity(void **state)
{
    (void)state;
    /* national routes only: outbound, not international */
    audit_results r = run("sip-guest");
    ah_expect_json_at(&r, "asterisk.sip.allowguest", "sip-guest/sip.conf", 4, VS_SEV_HIGH);
    ah_expect_count(&r, "asterisk.sip.alwaysauthreject", 0);
    ah_free(&r);
    /* nothing outbound: still reported, at medium */
    r = run("sip-guest-local");
    ah_expect_json_at(&r, "asterisk.sip.allowguest", "sip-guest-local/sip.conf", 4, VS_SEV_MEDIUM);
    const vs_finding *g = ah_find(&r, "asterisk.sip.allowguest", NULL, AH_ANY_LINE);
    if (g)
        assert_non_null(strstr(g->evidence, "\"reaches_outbound\":false"));
    /* no accounts: the chan_sip-wide transport settings are not reported */
    ah_expect_count(&r, "asterisk.sip.no-tls", 0);
    ah_free(&r);
}

/* ---- PJSIP ------------------------------------------------------------------------------------
 */

static void test_pjsip_weak(void **state)
{
    (void)state;
    audit_results r = run("pjsip-weak");
    const char *F = "pjsip-weak/pjsip.conf";
    ah_expect_json_at(&r, "asterisk.pjsip.ip-no-auth", F, 26, VS_SEV_CRITICAL);
    ah_expect_count(&r, "asterisk.pjsip.ip-no-auth", 1);
    const vs_finding *ip = ah_find(&r, "asterisk.pjsip.ip-no-auth", F, 26);
    if (ip) {
        assert_string_equal(ip->user, "itsp");
        assert_non_null(strstr(ip->evidence, "\"match\":\"203.0.113.10\""));
    }
    ah_expect_json_at(&r, "asterisk.pjsip.anonymous-outbound", F, 36, VS_SEV_CRITICAL);
    ah_expect_json_at(&r, "asterisk.pjsip.no-tls-transport", F, 4, VS_SEV_MEDIUM);
    ah_expect_json_at(&r, "asterisk.pjsip.no-srtp", F, 13, VS_SEV_MEDIUM);
    ah_expect_json_at(&r, "asterisk.pjsip.no-srtp", F, 24, VS_SEV_MEDIUM);
    ah_expect_json_at(&r, "asterisk.pjsip.no-srtp", F, 34, VS_SEV_MEDIUM);
    ah_expect_count(&r, "asterisk.pjsip.no-srtp", 3); /* not 6002 (sdes), not the template */
    ah_expect_json_at(&r, "asterisk.pjsip.sdes-cleartext", F, 21, VS_SEV_HIGH);
    ah_expect_count(&r, "asterisk.pjsip.sdes-cleartext", 1);
    ah_expect_json_at(&r, "asterisk.pjsip.srtp-optimistic", F, 22, VS_SEV_MEDIUM);
    ah_expect_json_at(&r, "asterisk.pjsip.unauthenticated-options", F, 16, VS_SEV_LOW);
    ah_expect_count(&r, "asterisk.pjsip.unauthenticated-options", 1);
    /* the two phones authenticate and nothing limits their addresses; the trunk (no auth=) and
     * the anonymous endpoint are other checks' business */
    ah_expect_json_at(&r, "asterisk.pjsip.no-acl", F, 13, VS_SEV_MEDIUM);
    ah_expect_json_at(&r, "asterisk.pjsip.no-acl", F, 18, VS_SEV_MEDIUM);
    ah_expect_count(&r, "asterisk.pjsip.no-acl", 2);
    ah_free(&r);
}

static void test_pjsip_tls_weak(void **state)
{
    (void)state;
    audit_results r = run("pjsip-tls-weak");
    const char *F = "pjsip-tls-weak/pjsip.conf";
    ah_expect_json_at(&r, "asterisk.pjsip.tls-old-method", F, 13, VS_SEV_MEDIUM); /* sslv23 */
    ah_expect_json_at(&r, "asterisk.pjsip.tls-old-method", F, 19, VS_SEV_HIGH);   /* tlsv1 */
    ah_expect_count(&r, "asterisk.pjsip.tls-old-method", 2);                      /* not tlsv1_2 */
    /* explicit verify_server=no, and the default (no) on the transport used toward the provider;
     * not the default on a transport that only serves phones */
    ah_expect_json_at(&r, "asterisk.pjsip.tls-no-verify", F, 20, VS_SEV_MEDIUM);
    ah_expect_json_at(&r, "asterisk.pjsip.tls-no-verify", F, 22, VS_SEV_MEDIUM);
    ah_expect_count(&r, "asterisk.pjsip.tls-no-verify", 2);
    /* sdes over the named udp transport; the trunk's sdes over tls is fine */
    ah_expect_json_at(&r, "asterisk.pjsip.sdes-cleartext", F, 32, VS_SEV_HIGH);
    ah_expect_count(&r, "asterisk.pjsip.sdes-cleartext", 1);
    ah_expect_count(&r, "asterisk.pjsip.no-tls-transport", 0);
    /* the trunk has outbound_auth and from-trunk does not dial out */
    ah_expect_count(&r, "asterisk.pjsip.ip-no-auth", 0);
    ah_free(&r);
}

static void test_pjsip_hardened(void **state)
{
    (void)state;
    audit_results r = run("pjsip-hardened");
    static const char *const silent[] = {
        "asterisk.pjsip.ip-no-auth",
        "asterisk.pjsip.anonymous-outbound",
        "asterisk.pjsip.no-tls-transport",
        "asterisk.pjsip.no-srtp",
        "asterisk.pjsip.sdes-cleartext",
        "asterisk.pjsip.srtp-optimistic",
        "asterisk.pjsip.tls-old-method",
        "asterisk.pjsip.tls-no-verify",
        "asterisk.pjsip.unauthenticated-options",
        "asterisk.pjsip.no-acl", /* a global type=acl section */
        /* no sip.conf, no iax.conf: nothing of theirs either */
        "asterisk.sip.deprecated-driver",
        "asterisk.sip.allowguest",
        "asterisk.iax.no-calltoken",
    };
    for (size_t i = 0; i < sizeof silent / sizeof silent[0]; i++)
        ah_expect_count(&r, silent[i], 0);
    ah_free(&r);
}

/* ---- IAX2 -------------------------------------------------------------------------------------
 */

static void test_iax_weak(void **state)
{
    (void)state;
    audit_results r = run("iax-weak");
    const char *F = "iax-weak/iax.conf";
    ah_expect_json_at(&r, "asterisk.iax.plaintext-auth", F, 9, VS_SEV_HIGH);
    ah_expect_count(&r, "asterisk.iax.plaintext-auth", 1);
    ah_expect_json_at(&r, "asterisk.iax.no-calltoken", F, 4, VS_SEV_MEDIUM);
    ah_expect_json_at(&r, "asterisk.iax.no-calltoken", F, 12, VS_SEV_MEDIUM);
    ah_expect_count(&r, "asterisk.iax.no-calltoken", 2);
    ah_free(&r);
}

static void test_iax_hardened(void **state)
{
    (void)state;
    audit_results r = run("iax-hardened");
    ah_expect_count(&r, "asterisk.iax.plaintext-auth", 0);
    ah_expect_count(&r, "asterisk.iax.no-calltoken", 0);
    ah_free(&r);
}

/* ---- every check of the area is registered, catalogued and fired by some test -----------------
 */

static void test_every_check_fires(void **state)
{
    (void)state;
    static const char *const weak[] = {"sip-weak", "pjsip-weak", "pjsip-tls-weak", "iax-weak"};
    audit_results all[4];
    for (size_t i = 0; i < 4; i++)
        all[i] = run(weak[i]);
    const vs_audit_check_info *cat = NULL;
    size_t ncat = vs_audit_catalogue(&cat);
    size_t n = 0;
    for (const vs__audit_check *const *c = vs__checks_ast_sip; *c; c++, n++) {
        const char *id = (*c)->info.id;
        assert_true(strncmp(id, "asterisk.", 9) == 0);
        assert_int_equal((*c)->info.product, VS_CONF_PRODUCT_ASTERISK);
        assert_non_null((*c)->info.rationale);
        bool listed = false;
        for (size_t k = 0; k < ncat; k++)
            listed |= cat && strcmp(cat[k].id, id) == 0;
        assert_true(listed);
        bool fired = false;
        for (size_t i = 0; i < 4; i++)
            fired |= ah_count(&all[i], id) > 0;
        if (!fired)
            fprintf(stderr, "%s fires in no weak fixture\n", id);
        assert_true(fired);
    }
    assert_true(n >= 22);
    for (size_t i = 0; i < 4; i++)
        ah_free(&all[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sip_weak),           cmocka_unit_test(test_sip_hardened),
        cmocka_unit_test(test_sip_guest_severity), cmocka_unit_test(test_pjsip_weak),
        cmocka_unit_test(test_pjsip_tls_weak),     cmocka_unit_test(test_pjsip_hardened),
        cmocka_unit_test(test_iax_weak),           cmocka_unit_test(test_iax_hardened),
        cmocka_unit_test(test_every_check_fires),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
