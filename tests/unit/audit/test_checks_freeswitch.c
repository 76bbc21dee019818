/* Unit tests for the FreeSWITCH checks (src/audit/checks_freeswitch.c), driven through the public
 * audit API on the conf directories under tests/fixtures/audit/freeswitch/:
 *   vanilla      close to the stock vanilla configuration (default_password=1234, ESL ClueCon on
 *                ::, log-auth-failures false, TLS off, NULL_AUTH suite offered, vm-password = id)
 *   office       a small office with mistakes (auth-calls off through $${internal_auth_calls},
 *                blind registration, TLS 1.0 allowed and unverified, SRTP optional, weak and
 *                shared passwords, a weak ESL password on loopback)
 *   hardened     everything right, plus commented-out params and secrets: no finding at all
 *   comment-xpp  an X-PRE-PROCESS "set" inside an XML comment, which FreeSWITCH applies
 * Every check fires somewhere (rule, file, line, severity asserted; the line is looked up in the
 * fixture by its text) and stays silent on hardened. No secret of any fixture appears in the JSON
 * or text form of any finding. Findings of other areas are ignored. VS_TEST_DUMP=1 prints them. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <voipsec/audit.h>

#include "audit/check.h"
#include "audit_harness.h"

/* Naming the area makes the linker take it out of the static library (the registry refers to
 * areas weakly). */
extern const vs__audit_check *const vs__checks_freeswitch[];

#define FIX VS_SOURCE_DIR "/tests/fixtures/audit/freeswitch/"

/* Audits FIX<name>, keeping the freeswitch.* findings (files named under FIX). */
static audit_results run(const char *name)
{
    return ah_run(FIX, name, "freeswitch.", true);
}

/* ---- the catalogue -----------------------------------------------------------------------------
 */

static void test_catalogue(void **state)
{
    (void)state;
    const vs_audit_check_info *cat = NULL;
    size_t n = vs_audit_catalogue(&cat);
    size_t mine = 0;
    for (const vs__audit_check *const *c = vs__checks_freeswitch; *c; c++) {
        mine++;
        assert_int_equal(strncmp((*c)->info.id, "freeswitch.", 11), 0);
        assert_int_equal((*c)->info.product, VS_CONF_PRODUCT_FREESWITCH);
        assert_true((*c)->info.title[0] && (*c)->info.rationale[0]);
        size_t seen = 0;
        for (size_t i = 0; i < n; i++)
            seen += !strcmp(cat[i].id, (*c)->info.id);
        assert_int_equal(seen, 1);
    }
    assert_int_equal(mine, 18);
}

/* ---- vanilla ----------------------------------------------------------------------------------
 */

static void test_vanilla(void **state)
{
    (void)state;
    audit_results r = run("vanilla");
    const vs_finding *f;
    f = ah_expect_line(&r, "freeswitch.default-password", "vanilla/vars.xml",
                       "default_password=1234", VS_SEV_CRITICAL);
    if (f)
        assert_non_null(strstr(f->evidence, "\"secret\":\"1*** (4 characters)\""));
    f = ah_expect_line(&r, "freeswitch.default-password", "vanilla/directory/default/1000.xml",
                       "name=\"password\"", VS_SEV_CRITICAL);
    if (f) {
        assert_string_equal(f->user, "1000");
        assert_non_null(strstr(f->evidence, "\"variable\":\"default_password\""));
        assert_non_null(strstr(f->evidence, "vars.xml:"));
    }
    ah_expect_line(&r, "freeswitch.default-password", "vanilla/directory/default/1001.xml",
                   "name=\"password\"", VS_SEV_CRITICAL);
    ah_expect_count(&r, "freeswitch.default-password", 3);
    /* the default password is not also a weak password nor a reused one */
    ah_expect_count(&r, "freeswitch.weak-password", 0);
    ah_expect_count(&r, "freeswitch.password-reuse", 0);
    /* vm-password equal to the user id */
    f = ah_expect_line(&r, "freeswitch.weak-vm-password", "vanilla/directory/default/1000.xml",
                       "vm-password", VS_SEV_HIGH);
    if (f)
        assert_string_equal(f->user, "1000");
    ah_expect_count(&r, "freeswitch.weak-vm-password", 2);
    ah_expect_line(&r, "freeswitch.esl-default-password",
                   "vanilla/autoload_configs/event_socket.conf.xml", "name=\"password\"",
                   VS_SEV_CRITICAL);
    ah_expect_count(&r, "freeswitch.esl-weak-password", 0);
    f = ah_expect_line(&r, "freeswitch.esl-exposed",
                       "vanilla/autoload_configs/event_socket.conf.xml", "listen-ip", VS_SEV_HIGH);
    if (f)
        assert_non_null(strstr(f->evidence, "\"listen_ip\":\"::\""));
    ah_expect_line(&r, "freeswitch.no-auth-failure-log", "vanilla/sip_profiles/internal.xml",
                   "log-auth-failures", VS_SEV_MEDIUM);
    ah_expect_count(&r, "freeswitch.no-auth-failure-log", 1);
    f = ah_expect_line(&r, "freeswitch.no-tls", "vanilla/sip_profiles/internal.xml", "name=\"tls\"",
                       VS_SEV_MEDIUM);
    if (f)
        assert_non_null(strstr(f->evidence, "\"variable\":\"internal_ssl_enable\""));
    ah_expect_count(&r, "freeswitch.no-tls", 1);
    /* rtp_secure_media set nowhere: reported at the vars section */
    ah_expect_line(&r, "freeswitch.srtp-not-required", "vanilla/vars.xml", "default_password=1234",
                   VS_SEV_MEDIUM);
    ah_expect_line(&r, "freeswitch.null-auth-srtp", "vanilla/vars.xml",
                   "rtp_sdes_suites=", VS_SEV_MEDIUM);
    /* stock internal profile: auth-calls true, ACL "domains", subscriptions authenticated; the
     * external profile is unauthenticated by design; TLS is off, so versions are not judged */
    ah_expect_count(&r, "freeswitch.auth-calls-off", 0);
    ah_expect_count(&r, "freeswitch.blind-registration", 0);
    ah_expect_count(&r, "freeswitch.auth-subscriptions-off", 0);
    ah_expect_count(&r, "freeswitch.no-inbound-acl", 0);
    ah_expect_count(&r, "freeswitch.force-matching-username-off", 0);
    ah_expect_count(&r, "freeswitch.old-tls", 0);
    ah_expect_count(&r, "freeswitch.tls-no-verify", 0);
    ah_free(&r);
}

/* ---- office -----------------------------------------------------------------------------------
 */

static void test_office(void **state)
{
    (void)state;
    audit_results r = run("office");
    const char *I = "office/sip_profiles/internal.xml";
    const vs_finding *f;
    f = ah_expect_line(&r, "freeswitch.auth-calls-off", I, "auth-calls", VS_SEV_CRITICAL);
    if (f) {
        assert_non_null(strstr(f->evidence, "\"variable\":\"internal_auth_calls\""));
        assert_non_null(strstr(f->evidence, "\"profile\":\"internal\""));
    }
    ah_expect_count(&r, "freeswitch.auth-calls-off", 1); /* not the external profile */
    ah_expect_line(&r, "freeswitch.blind-registration", I, "accept-blind-reg", VS_SEV_CRITICAL);
    ah_expect_count(&r, "freeswitch.blind-registration", 1);
    ah_expect_line(&r, "freeswitch.auth-subscriptions-off", I, "auth-subscriptions", VS_SEV_MEDIUM);
    ah_expect_count(&r, "freeswitch.auth-subscriptions-off", 1);
    /* absent: reported at the profile */
    ah_expect_line(&r, "freeswitch.no-inbound-acl", I, "<profile name=\"internal\">",
                   VS_SEV_MEDIUM);
    ah_expect_line(&r, "freeswitch.force-matching-username-off", I,
                   "inbound-reg-force-matching-username", VS_SEV_MEDIUM);
    f = ah_expect_line(&r, "freeswitch.old-tls", I, "tls-version", VS_SEV_MEDIUM);
    if (f)
        assert_non_null(strstr(f->evidence, "\"variable\":\"sip_tls_version\""));
    ah_expect_line(&r, "freeswitch.tls-no-verify", I, "tls-verify-policy", VS_SEV_MEDIUM);
    ah_expect_count(&r, "freeswitch.no-tls", 0);
    ah_expect_line(&r, "freeswitch.srtp-not-required", "office/vars.xml",
                   "rtp_secure_media=optional", VS_SEV_MEDIUM);
    ah_expect_count(&r, "freeswitch.srtp-not-required", 1);
    ah_expect_count(&r, "freeswitch.null-auth-srtp", 0);
    f = ah_expect_line(&r, "freeswitch.weak-password", "office/directory/default/2001.xml",
                       "name=\"password\"", VS_SEV_CRITICAL); /* on the weak-password list */
    if (f) {
        assert_string_equal(f->user, "2001");
        assert_non_null(strstr(f->evidence, "\"secret\":\"S*** (10 characters)\""));
    }
    f = ah_expect_line(&r, "freeswitch.weak-password", "office/directory/default/2004.xml",
                       "name=\"password\"", VS_SEV_HIGH); /* only too short */
    if (f)
        assert_non_null(strstr(f->evidence, "\"reason\":\"the password has 9 characters"));
    ah_expect_count(&r, "freeswitch.weak-password", 2);
    f = ah_expect_line(&r, "freeswitch.password-reuse", "office/directory/default/2002.xml",
                       "name=\"password\"", VS_SEV_HIGH);
    if (f) {
        assert_string_equal(f->user, "2002");
        assert_non_null(strstr(f->evidence, "\"users\":\"2002, 2003\""));
        assert_null(strstr(f->evidence, "secret")); /* not even masked */
    }
    ah_expect_count(&r, "freeswitch.password-reuse", 1);
    ah_expect_line(&r, "freeswitch.esl-weak-password",
                   "office/autoload_configs/event_socket.conf.xml", "name=\"password\"",
                   VS_SEV_HIGH);
    ah_expect_count(&r, "freeswitch.esl-default-password", 0);
    ah_expect_count(&r, "freeswitch.esl-exposed", 0); /* 127.0.0.1 */
    ah_expect_count(&r, "freeswitch.default-password", 0);
    ah_expect_count(&r, "freeswitch.no-auth-failure-log", 0);
    ah_expect_count(&r, "freeswitch.weak-vm-password", 0);
    ah_free(&r);
}

/* ---- hardened: nothing; commented-out params and secrets are not values
 * --------------------------- */

static void test_hardened(void **state)
{
    (void)state;
    audit_results r = run("hardened");
    if (r.n)
        ah_dump(&r, "(nothing)", NULL, 0);
    assert_int_equal(r.n, 0);
    ah_free(&r);
}

/* FreeSWITCH applies <X-PRE-PROCESS> even inside <!-- -->, and so does the reader: the
 * "commented-out" default wins and is reported where it sits. */
static void test_comment_xpp(void **state)
{
    (void)state;
    audit_results r = run("comment-xpp");
    ah_expect_line(&r, "freeswitch.default-password", "comment-xpp/vars.xml",
                   "default_password=1234", VS_SEV_CRITICAL);
    const vs_finding *f =
        ah_expect_line(&r, "freeswitch.default-password", "comment-xpp/directory/default/4001.xml",
                       "name=\"password\"", VS_SEV_CRITICAL);
    if (f)
        assert_string_equal(f->user, "4001");
    ah_free(&r);
}

/* ---- no secret in any output ------------------------------------------------------------------
 */

static const char *const secrets[] = {
    "1234",
    "ClueCon",
    "Hx9!kQ2#vLp7$Wz4",
    "fsadmin",
    "Summer2024",
    "R7#pQv!2mZx9@Lk",
    "739204",
    "604817",
    "395162",
    "u8$Kd!3mQz#7Lw2Rp9x",
    "Esl-5vT!q9Zr2#mKx8",
    "Vq8#Lm2!xR7pZk4@Nd",
    "Tz3$Wn9!cP5hQm7#Ja",
    "Pl4nted-0ldSecret!",
    "Gw-7kP!q2Rz9mX4v",
    "1111",
    "Kitchen-7",
    /* not listed: the vanilla vm-passwords 1000 and 1001, which are the user ids themselves */
};

static void test_no_secret_in_output(void **state)
{
    (void)state;
    static const char *const cases[] = {"vanilla", "office", "hardened", "comment-xpp"};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        audit_results r = run(cases[k]);
        char *buf = ah_all_output(&r);
        ah_expect_no_secret(buf, cases[k], secrets, sizeof secrets / sizeof secrets[0], true,
                            false);
        free(buf);
        ah_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalogue),   cmocka_unit_test(test_vanilla),
        cmocka_unit_test(test_office),      cmocka_unit_test(test_hardened),
        cmocka_unit_test(test_comment_xpp), cmocka_unit_test(test_no_secret_in_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
