/* The extensions.conf checks (src/audit/checks_ast_dialplan.c), driven through the public audit
 * API on fixtures under tests/fixtures/audit/asterisk-dialplan/: each check fires on its bad
 * fixture (rule, file, line, severity) and stays silent on the hardened fixture and on
 * examples/audit/hardened-office. */
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
extern const vs__audit_check *const vs__checks_ast_dialplan[];

#define AREA "asterisk-dialplan"
#define INJ "asterisk.dialplan.exten-injection"
#define CID "asterisk.dialplan.callerid-injection"
#define DEF "asterisk.dialplan.default-reaches-outbound"
#define INB "asterisk.dialplan.inbound-reaches-international"
#define DEMO "asterisk.dialplan.demo-included"

static const char *const all_rules[] = {INJ, CID, DEF, INB, DEMO};

static void test_table(void **state)
{
    (void)state;
    size_t n = 0;
    for (const vs__audit_check *const *c = vs__checks_ast_dialplan; *c; c++, n++) {
        assert_int_equal((*c)->info.product, VS_CONF_PRODUCT_ASTERISK);
        assert_int_equal((*c)->info.practice, VS_PRACTICE_NETWORK);
        assert_non_null((*c)->run);
        bool known = false;
        for (size_t k = 0; k < sizeof all_rules / sizeof all_rules[0]; k++)
            known |= !strcmp((*c)->info.id, all_rules[k]);
        assert_true(known);
    }
    assert_int_equal(n, sizeof all_rules / sizeof all_rules[0]);
}

static void test_exten_injection(void **state)
{
    (void)state;
    audit_results *fd = ah_audit_dir(AREA, "exten-injection");
    const vs_finding *f = ah_expect_at(fd, INJ, "extensions.conf", 6, VS_SEV_HIGH);
    if (f) {
        assert_int_equal(f->practice, VS_PRACTICE_NETWORK);
        assert_non_null(strstr(f->evidence, "\"pattern\":\"_X.\""));
    }
    ah_expect_at(fd, INJ, "extensions.conf", 7, VS_SEV_CRITICAL);  /* System() */
    ah_expect_at(fd, INJ, "extensions.conf", 9, VS_SEV_HIGH);      /* Queue() */
    f = ah_expect_at(fd, INJ, "extensions.conf", 12, VS_SEV_HIGH); /* Macro argument */
    if (f)
        assert_non_null(strstr(f->evidence, "${ARG}"));
    f = ah_expect_at(fd, INJ, "extensions.conf", 15, VS_SEV_HIGH);
    if (f) {
        /* the IAX2 password in the dial string is masked in the evidence */
        assert_null(strstr(f->evidence, "s3cretpw"));
        assert_non_null(strstr(f->evidence, "IAX2/office:***@192.0.2.1/${EXTEN}"));
    }
    assert_int_equal(ah_count(fd, INJ), 5); /* _6XXX into a local phone is fine */
}

static void test_callerid_injection(void **state)
{
    (void)state;
    audit_results *fd = ah_audit_dir(AREA, "callerid-injection");
    ah_expect_at(fd, CID, "extensions.conf", 4, VS_SEV_CRITICAL);
    ah_expect_at(fd, CID, "extensions.conf", 5, VS_SEV_CRITICAL);
    ah_expect_at(fd, CID, "extensions.conf", 6, VS_SEV_CRITICAL);
    assert_int_equal(ah_count(fd, CID), 3); /* FILTER(), a file name, NoOp are fine */
}

static void test_default_outbound(void **state)
{
    (void)state;
    audit_results *fd = ah_audit_dir(AREA, "default-outbound");
    const vs_finding *f = ah_expect_at(fd, DEF, "extensions.conf", 8, VS_SEV_HIGH);
    if (f)
        assert_non_null(strstr(f->evidence, "\"reaches_international\":false"));
    assert_int_equal(ah_count(fd, DEF), 1);
    assert_int_equal(ah_count(fd, INB), 0);
    fd = ah_audit_dir(AREA, "default-international");
    f = ah_expect_at(fd, DEF, "extensions.conf", 8, VS_SEV_CRITICAL);
    if (f)
        assert_non_null(strstr(f->evidence, "\"reaches_international\":true"));
    assert_int_equal(ah_count(fd, DEF), 1);
    /* default is left to its own check */
    assert_int_equal(ah_count(fd, INB), 0);
}

static void test_inbound_international(void **state)
{
    (void)state;
    audit_results *fd = ah_audit_dir(AREA, "inbound-international");
    const vs_finding *f = ah_expect_at(fd, INB, "extensions.conf", 7, VS_SEV_CRITICAL);
    if (f) {
        /* one finding for the route, naming both ways in: by name, and the trunk's context */
        assert_non_null(strstr(f->evidence, "\"entry_contexts\":[\"public\",\"carrier-in\"]"));
        assert_non_null(strstr(f->explain, "[public]"));
        assert_non_null(strstr(f->evidence, "\"entered_from\":\"its name marks it"));
    }
    assert_int_equal(ah_count(fd, INB), 1);
}

static void test_demo_included(void **state)
{
    (void)state;
    audit_results *fd = ah_audit_dir(AREA, "demo-included");
    const vs_finding *f = ah_expect_at(fd, DEMO, "extensions.conf", 4, VS_SEV_MEDIUM);
    if (f)
        assert_non_null(strstr(f->evidence, "\"context\":\"default\""));
    assert_int_equal(ah_count(fd, DEMO), 1); /* [unused] is reached by nothing */
}

static void test_hardened_silent(void **state)
{
    (void)state;
    audit_results *fd = ah_audit_dir(AREA, "hardened");
    ah_expect_none(fd, all_rules, sizeof all_rules / sizeof all_rules[0]);
    fd = ah_audit_dir(NULL, "examples/audit/hardened-office");
    ah_expect_none(fd, all_rules, sizeof all_rules / sizeof all_rules[0]);
}

static void test_examples_fire(void **state)
{
    (void)state;
    /* the planted problems of the example offices */
    audit_results *fd = ah_audit_dir(NULL, "examples/audit/small-office-pjsip");
    assert_int_equal(ah_count(fd, INB), 1);
    assert_true(ah_count(fd, INJ) >= 1);
    fd = ah_audit_dir(NULL, "examples/audit/legacy-chan-sip");
    assert_int_equal(ah_count(fd, DEF), 1);
    /* the provider (type=peer) lands in [from-pstn], which only rings phones */
    assert_int_equal(ah_count(fd, INB), 0);
    assert_true(ah_count(fd, INJ) >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_exten_injection),
        cmocka_unit_test(test_callerid_injection),
        cmocka_unit_test(test_default_outbound),
        cmocka_unit_test(test_inbound_international),
        cmocka_unit_test(test_demo_included),
        cmocka_unit_test(test_hardened_silent),
        cmocka_unit_test(test_examples_fire),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
