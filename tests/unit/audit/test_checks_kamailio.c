/* Unit tests for the Kamailio checks (src/audit/checks_kamailio.c), driven through the public
 * audit API on the directories under tests/fixtures/audit/kamailio/, each a kamailio.cfg close to
 * the stock 5.6 sample (trimmed) with tls.cfg beside it:
 *   stock     as shipped: no WITH_* feature defined (no auth, no anti-flood, no TLS)
 *   hardened  WITH_MYSQL, WITH_AUTH, WITH_TLS, WITH_ANTIFLOOD, an own database password, a TLS
 *             listener; commented-out leftovers (an old DBURL, a stock db_url): no finding at all
 *   weak      edited by hand: anti-flood define commented out, scanner filter, Max-Forwards and
 *             sanity checks removed, www_authorize without identity check, TLSv1+ on the server
 *             profile, a trunk client profile without verification, the stock database password
 * plus small configurations written to a temporary directory for the remaining branches
 * (auth_check without flag 1, IP-only authentication, tls_method as a modparam). The fixtures
 * were checked with `kamailio -c` (db_mysql swapped for db_text where the module is absent).
 * No secret appears in the JSON or text form of any finding. VS_TEST_DUMP=1 prints findings. */
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
#include <unistd.h>
#include <voipsec/audit.h>

#include "audit/check.h"
#include "audit_harness.h"

/* Naming the area makes the linker take it out of the static library (the registry refers to
 * areas weakly). */
extern const vs__audit_check *const vs__checks_kamailio[];

#define FIX VS_SOURCE_DIR "/tests/fixtures/audit/kamailio/"

/* Audits FIX<name>, keeping the kamailio.* findings (files named under FIX). */
static audit_results run(const char *name)
{
    return ah_run(FIX, name, "kamailio.", true);
}

/* ---- the catalogue -----------------------------------------------------------------------------
 */

static void test_catalogue(void **state)
{
    (void)state;
    const vs_audit_check_info *cat = NULL;
    size_t n = vs_audit_catalogue(&cat);
    size_t mine = 0;
    for (const vs__audit_check *const *c = vs__checks_kamailio; *c; c++) {
        mine++;
        assert_int_equal(strncmp((*c)->info.id, "kamailio.", 9), 0);
        assert_int_equal((*c)->info.product, VS_CONF_PRODUCT_KAMAILIO);
        assert_true((*c)->info.title[0] && (*c)->info.rationale[0]);
        size_t seen = 0;
        for (size_t i = 0; i < n; i++)
            seen += !strcmp(cat[i].id, (*c)->info.id);
        assert_int_equal(seen, 1);
    }
    assert_int_equal(mine, 10);
}

/* ---- stock ------------------------------------------------------------------------------------
 */

static void test_stock(void **state)
{
    (void)state;
    audit_results r = run("stock");
    const char *K = "stock/kamailio.cfg";
    const vs_finding *f;
    /* no auth module: reported where the modules are loaded */
    f = ah_expect_line(&r, "kamailio.no-auth", K, "loadmodule \"jsonrpcs.so\"", VS_SEV_CRITICAL);
    if (f)
        assert_non_null(strstr(f->evidence, "\"auth_module\":\"not loaded\""));
    ah_expect_line(&r, "kamailio.no-flood-protection", K, "route[REQINIT] {", VS_SEV_MEDIUM);
    ah_expect_line(&r, "kamailio.no-tls-listener", K, "listen=udp:", VS_SEV_MEDIUM);
    /* the stock REQINIT has the scanner filter, Max-Forwards and sanity checks */
    ah_expect_count(&r, "kamailio.no-scanner-filter", 0);
    ah_expect_count(&r, "kamailio.no-maxfwd", 0);
    ah_expect_count(&r, "kamailio.no-sanity", 0);
    /* no tls module: tls.cfg beside it is not judged; no database: no password */
    ah_expect_count(&r, "kamailio.old-tls", 0);
    ah_expect_count(&r, "kamailio.tls-no-verify", 0);
    ah_expect_count(&r, "kamailio.default-db-password", 0);
    ah_expect_count(&r, "kamailio.auth-identity-unchecked", 0);
    assert_int_equal(r.n, 3);
    ah_free(&r);
}

/* ---- hardened ---------------------------------------------------------------------------------
 */

static void test_hardened(void **state)
{
    (void)state;
    audit_results r = run("hardened");
    if (r.n)
        ah_dump(&r, "(nothing)", NULL, 0);
    assert_int_equal(r.n, 0);
    ah_free(&r);
}

/* ---- weak -------------------------------------------------------------------------------------
 */

static void test_weak(void **state)
{
    (void)state;
    audit_results r = run("weak");
    const char *K = "weak/kamailio.cfg", *T = "weak/tls.cfg";
    const vs_finding *f;
    ah_expect_count(&r, "kamailio.no-auth", 0);
    ah_expect_count(&r, "kamailio.no-tls-listener", 0);
    ah_expect_line(&r, "kamailio.auth-identity-unchecked", K, "www_authorize(", VS_SEV_MEDIUM);
    /* pike_check_req sits in the inactive #!ifdef WITH_ANTIFLOOD */
    f = ah_expect_line(&r, "kamailio.no-flood-protection", K, "route[REQINIT] {", VS_SEV_MEDIUM);
    if (f)
        assert_non_null(strstr(f->evidence, "\"pike_module\":\"not loaded\""));
    /* the filter is commented out; an xlog of $ua is not a filter */
    ah_expect_line(&r, "kamailio.no-scanner-filter", K, "route[REQINIT] {", VS_SEV_LOW);
    ah_expect_line(&r, "kamailio.no-sanity", K, "route[REQINIT] {", VS_SEV_LOW);
    ah_expect_line(&r, "kamailio.no-maxfwd", K, "route[REQINIT] {", VS_SEV_LOW);
    f = ah_expect_line(&r, "kamailio.old-tls", T, "method = TLSv1+", VS_SEV_MEDIUM);
    if (f)
        assert_non_null(strstr(f->evidence, "\"profile\":\"server:default\""));
    ah_expect_count(&r, "kamailio.old-tls", 1);
    /* the trunk's client profile; the server profile (phones without certificates) is not
     * judged */
    unsigned line = ah_line_of(FIX, T, "verify_certificate = no", 2);
    f = ah_find(&r, "kamailio.tls-no-verify", T, line);
    if (!f)
        ah_dump(&r, "kamailio.tls-no-verify", T, line);
    assert_non_null(f);
    if (f) {
        assert_int_equal(f->severity, VS_SEV_MEDIUM);
        assert_non_null(strstr(f->evidence, "\"profile\":\"client:203.0.113.5:5061\""));
    }
    ah_expect_count(&r, "kamailio.tls-no-verify", 1);
    /* DBURL with the stock password, first used by usrloc */
    f = ah_expect_line(&r, "kamailio.default-db-password", K, "modparam(\"usrloc\", \"db_url\"",
                       VS_SEV_HIGH);
    if (f) {
        assert_non_null(strstr(f->evidence, "\"modules\":\"usrloc, auth_db\""));
        assert_non_null(strstr(f->evidence, "\"secret\":\"k*** (10 characters)\""));
    }
    ah_expect_count(&r, "kamailio.default-db-password", 1);
    ah_free(&r);
}

/* ---- small configurations for the other branches
 * ------------------------------------------------- */

static audit_results run_text(const char *cfg, const char *tls)
{
    char dir[] = "/tmp/vs-kam-XXXXXX", path[PATH_MAX];
    audit_results r = {0};
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/kamailio.cfg", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    if (!f)
        return r;
    fputs(cfg, f);
    fclose(f);
    char tpath[PATH_MAX];
    snprintf(tpath, sizeof tpath, "%s/tls.cfg", dir);
    if (tls) {
        f = fopen(tpath, "w");
        assert_non_null(f);
        if (f) {
            fputs(tls, f);
            fclose(f);
        }
    }
    r = ah_run(dir, "", "kamailio.", false);
    unlink(path);
    if (tls)
        unlink(tpath);
    rmdir(dir);
    return r;
}

static const char REQINIT[] = "route[REQINIT] {\n"
                              "  if (!mf_process_maxfwd_header(\"10\")) { exit; }\n"
                              "  if (!sanity_check(\"17895\", \"7\")) { exit; }\n"
                              "  if (!pike_check_req()) { exit; }\n"
                              "  if ($ua =~ \"friendly-scanner|sipvicious\") { exit; }\n"
                              "}\n";

static void test_auth_check_flags(void **state)
{
    (void)state;
    char cfg[2048];
    snprintf(cfg, sizeof cfg, "%s%s",
             "loadmodule \"maxfwd.so\"\nloadmodule \"sanity.so\"\n"
             "loadmodule \"pike.so\"\nloadmodule \"auth.so\"\n"
             "loadmodule \"auth_db.so\"\n"
             "request_route {\n  route(REQINIT);\n"
             "  if (!auth_check(\"$fd\", \"subscriber\", \"0\")) {\n"
             "    auth_challenge(\"$fd\", \"0\"); exit;\n  }\n}\n",
             REQINIT);
    audit_results r = run_text(cfg, NULL);
    const vs_finding *f = ah_find(&r, "kamailio.auth-identity-unchecked", NULL, 8);
    if (!f)
        ah_dump(&r, "kamailio.auth-identity-unchecked", NULL, 8);
    assert_non_null(f);
    if (f)
        assert_non_null(strstr(f->evidence, "\"flags\":0"));
    /* REQINIT has the other protections (the $ua filter is found in the active text) */
    ah_expect_count(&r, "kamailio.no-flood-protection", 0);
    ah_expect_count(&r, "kamailio.no-scanner-filter", 0);
    ah_expect_count(&r, "kamailio.no-sanity", 0);
    ah_expect_count(&r, "kamailio.no-maxfwd", 0);
    ah_free(&r);

    /* flag 1 set */
    r = run_text("loadmodule \"maxfwd.so\"\nloadmodule \"sanity.so\"\n"
                 "loadmodule \"pike.so\"\nloadmodule \"auth.so\"\nloadmodule \"auth_db.so\"\n"
                 "request_route {\n  route(REQINIT);\n"
                 "  if (!auth_check(\"$fd\", \"subscriber\", \"1\")) { exit; }\n}\n",
                 NULL);
    ah_expect_count(&r, "kamailio.auth-identity-unchecked", 0);
    ah_expect_count(&r, "kamailio.no-auth", 0);
    ah_free(&r);
}

static void test_ip_only_auth(void **state)
{
    (void)state;
    audit_results r = run_text("loadmodule \"permissions.so\"\n"
                               "request_route {\n  if (!allow_source_address()) { exit; }\n}\n",
                               NULL);
    const vs_finding *f = ah_find(&r, "kamailio.no-auth", NULL, AH_ANY_LINE);
    assert_non_null(f);
    if (f) {
        assert_int_equal(f->severity, VS_SEV_MEDIUM);
        assert_non_null(strstr(f->evidence, "\"ip_auth\":\"allow_source_address\""));
    }
    ah_free(&r);
}

static void test_tls_modparams(void **state)
{
    (void)state;
    static const char cfg[] = "enable_tls=yes\n"
                              "loadmodule \"tls.so\"\n"
                              "modparam(\"tls\", \"tls_method\", \"SSLv23\")\n"
                              "modparam(\"tls\", \"verify_certificate\", 1)\n"
                              "request_route { exit; }\n";
    /* the client profile inherits verification from the modparam: no tls-no-verify */
    audit_results r = run_text(cfg, "[client:default]\nca_list = /etc/ssl/certs/ca.pem\n");
    const vs_finding *f = ah_find(&r, "kamailio.old-tls", NULL, 3);
    if (!f)
        ah_dump(&r, "kamailio.old-tls", NULL, 3);
    assert_non_null(f);
    ah_expect_count(&r, "kamailio.tls-no-verify", 0);
    ah_expect_count(&r, "kamailio.no-tls-listener", 0);
    ah_free(&r);
    /* without the modparam, the tls module's default is no verification */
    r = run_text("enable_tls=yes\nloadmodule \"tls.so\"\nrequest_route { exit; }\n",
                 "[client:default]\nca_list = /etc/ssl/certs/ca.pem\n");
    ah_expect_count(&r, "kamailio.tls-no-verify", 1);
    ah_free(&r);
}

/* ---- no secret in any output ------------------------------------------------------------------
 */

static const char *const secrets[] = {"kamailiorw", "Db-9vQ!x2Lm7#Rk4", "Pl4nted-Db0ld!"};

static void test_no_secret_in_output(void **state)
{
    (void)state;
    static const char *const cases[] = {"stock", "hardened", "weak"};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        audit_results r = run(cases[k]);
        char *buf = ah_all_output(&r);
        ah_expect_no_secret(buf, cases[k], secrets, sizeof secrets / sizeof secrets[0], false,
                            false);
        free(buf);
        ah_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalogue),        cmocka_unit_test(test_stock),
        cmocka_unit_test(test_hardened),         cmocka_unit_test(test_weak),
        cmocka_unit_test(test_auth_check_flags), cmocka_unit_test(test_ip_only_auth),
        cmocka_unit_test(test_tls_modparams),    cmocka_unit_test(test_no_secret_in_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
