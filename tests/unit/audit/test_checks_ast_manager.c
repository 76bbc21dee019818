/* The management and core checks (src/audit/checks_ast_manager.c: manager.conf, http.conf,
 * ari.conf, asterisk.conf, logger.conf), driven through the public audit API on fixtures under
 * tests/fixtures/audit/asterisk-manager/: each check fires on a bad fixture (rule, file, line,
 * severity) and stays silent on the hardened fixture and on examples/audit/hardened-office. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <voipsec/audit.h>

#include "audit/check.h"
#include "audit_harness.h"

/* The area's table (a strong reference also makes the linker keep the area's object file). */
extern const vs__audit_check *const vs__checks_ast_manager[];

#define AREA "asterisk-manager"
#define EXPOSED "asterisk.manager.exposed"
#define NOTLS "asterisk.manager.no-tls"
#define WEB "asterisk.manager.web-no-tls"
#define NOACL "asterisk.manager.no-acl"
#define PERMS "asterisk.manager.dangerous-permissions"
#define HTTP "asterisk.http.cleartext"
#define ARIPW "asterisk.ari.plain-password"
#define ORIGIN "asterisk.ari.any-origin"
#define LIVE "asterisk.core.live-dangerously"
#define ROOT "asterisk.core.runs-as-root"
#define SECLOG "asterisk.logger.no-security-log"

static const char *const all_rules[] = {EXPOSED, NOTLS,  WEB,  NOACL, PERMS, HTTP,
                                        ARIPW,   ORIGIN, LIVE, ROOT,  SECLOG};

static void test_table(void **state)
{
    (void)state;
    size_t n = 0;
    for (const vs__audit_check *const *c = vs__checks_ast_manager; *c; c++, n++) {
        assert_int_equal((*c)->info.product, VS_CONF_PRODUCT_ASTERISK);
        assert_true((*c)->info.practice == VS_PRACTICE_EQUIPMENT ||
                    (*c)->info.practice == VS_PRACTICE_ACTIVITY);
        assert_non_null((*c)->run);
        bool known = false;
        for (size_t k = 0; k < sizeof all_rules / sizeof all_rules[0]; k++)
            known |= !strcmp((*c)->info.id, all_rules[k]);
        assert_true(known);
    }
    assert_int_equal(n, sizeof all_rules / sizeof all_rules[0]);
}

static void test_manager(void **state)
{
    (void)state;
    audit_results *fd = ah_audit_dir(AREA, "exposed");
    const vs_finding *f = ah_expect_at(fd, EXPOSED, "manager.conf", 2, VS_SEV_HIGH);
    if (f) {
        assert_int_equal(f->practice, VS_PRACTICE_EQUIPMENT);
        assert_non_null(strstr(f->evidence, "\"bindaddr\":\"0.0.0.0\""));
    }
    ah_expect_at(fd, NOTLS, "manager.conf", 2, VS_SEV_MEDIUM);
    ah_expect_at(fd, WEB, "manager.conf", 4, VS_SEV_MEDIUM);
    f = ah_expect_at(fd, NOACL, "manager.conf", 6, VS_SEV_MEDIUM); /* [admin]: no deny */
    if (f)
        assert_string_equal(f->user, "admin");
    ah_expect_at(fd, NOACL, "manager.conf", 16, VS_SEV_MEDIUM); /* [open]: permits 0.0.0.0/0 */
    assert_int_equal(ah_count(fd, NOACL), 2);
    f = ah_expect_at(fd, PERMS, "manager.conf", 8, VS_SEV_HIGH); /* write=system,originate,config */
    if (f)
        assert_non_null(strstr(f->evidence, "\"write\":\"system,originate,config\""));
    ah_expect_at(fd, PERMS, "manager.conf", 13, VS_SEV_LOW); /* read=all only */
    assert_int_equal(ah_count(fd, PERMS), 2);
}

static void test_manager_on_a_lan_address(void **state)
{
    (void)state;
    audit_results *fd = ah_audit_dir(AREA, "defaults");
    assert_int_equal(ah_count(fd, EXPOSED), 0);
    ah_expect_at(fd, NOTLS, "manager.conf", 2, VS_SEV_MEDIUM);
    assert_int_equal(ah_count(fd, NOACL), 0);
    assert_int_equal(ah_count(fd, PERMS), 0);
    assert_int_equal(ah_count(fd, WEB), 0);
}

static void test_http(void **state)
{
    (void)state;
    audit_results *fd = ah_audit_dir(AREA, "exposed");
    ah_expect_at(fd, HTTP, "http.conf", 3, VS_SEV_HIGH);
    fd = ah_audit_dir(AREA, "defaults");
    ah_expect_at(fd, HTTP, "http.conf", 3, VS_SEV_MEDIUM);
}

static void test_ari(void **state)
{
    (void)state;
    audit_results *fd = ah_audit_dir(AREA, "exposed");
    const vs_finding *f = ah_expect_at(fd, ARIPW, "ari.conf", 8, VS_SEV_LOW);
    if (f)
        assert_string_equal(f->user, "app");
    f = ah_expect_at(fd, ARIPW, "ari.conf", 10, VS_SEV_LOW); /* default format: plain */
    if (f)
        assert_non_null(strstr(f->evidence, "(absent: plain)"));
    assert_int_equal(ah_count(fd, ARIPW), 2);
    ah_expect_at(fd, ORIGIN, "ari.conf", 3, VS_SEV_MEDIUM);
    /* no password of the fixture in any text of any finding */
    for (size_t i = 0; i < fd->n; i++) {
        const vs_finding *g = &fd->v[i];
        const char *texts[] = {g->title, g->explain, g->advice, g->evidence, g->user};
        for (size_t k = 0; k < 5; k++) {
            assert_null(strstr(texts[k], "fixture-not-a-real-secret"));
            assert_null(strstr(texts[k], "another-fixture-value"));
        }
    }
}

static void test_core(void **state)
{
    (void)state;
    audit_results *fd = ah_audit_dir(AREA, "exposed");
    ah_expect_at(fd, LIVE, "asterisk.conf", 3, VS_SEV_HIGH);
    ah_expect_at(fd, ROOT, "asterisk.conf", 4, VS_SEV_MEDIUM); /* runuser=root */
    fd = ah_audit_dir(AREA, "defaults");
    const vs_finding *f = ah_expect_at(fd, ROOT, "asterisk.conf", 4, VS_SEV_MEDIUM); /* [options] */
    if (f)
        assert_non_null(strstr(f->evidence, "(absent)"));
    assert_int_equal(ah_count(fd, LIVE), 0);
}

static void test_logger(void **state)
{
    (void)state;
    audit_results *fd = ah_audit_dir(AREA, "exposed");
    const vs_finding *f = ah_expect_at(fd, SECLOG, "logger.conf", 4, VS_SEV_LOW); /* [logfiles] */
    if (f)
        assert_int_equal(f->practice, VS_PRACTICE_ACTIVITY);
    fd = ah_audit_dir(AREA, "defaults");
    ah_expect_at(fd, SECLOG, "logger.conf", 0, VS_SEV_LOW); /* no [logfiles] at all */
}

static void test_hardened_silent(void **state)
{
    (void)state;
    audit_results *fd = ah_audit_dir(AREA, "hardened");
    ah_expect_none(fd, all_rules, sizeof all_rules / sizeof all_rules[0]);
    fd = ah_audit_dir(NULL, "examples/audit/hardened-office");
    ah_expect_none(fd, all_rules, sizeof all_rules / sizeof all_rules[0]);
}

static void test_example_fires(void **state)
{
    (void)state;
    audit_results *fd = ah_audit_dir(NULL, "examples/audit/small-office-pjsip");
    assert_int_equal(ah_count(fd, EXPOSED), 1);
    assert_int_equal(ah_count(fd, NOACL), 1);
    assert_int_equal(ah_count(fd, PERMS), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_manager),
        cmocka_unit_test(test_manager_on_a_lan_address),
        cmocka_unit_test(test_http),
        cmocka_unit_test(test_ari),
        cmocka_unit_test(test_core),
        cmocka_unit_test(test_logger),
        cmocka_unit_test(test_hardened_silent),
        cmocka_unit_test(test_example_fires),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
