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

/* The area's table (a strong reference also makes the linker keep the area's object file). */
extern const vs__audit_check *const vs__checks_ast_dialplan[];

#define AREA "asterisk-dialplan"
#define INJ "asterisk.dialplan.exten-injection"
#define CID "asterisk.dialplan.callerid-injection"
#define DEF "asterisk.dialplan.default-reaches-outbound"
#define INB "asterisk.dialplan.inbound-reaches-international"
#define DEMO "asterisk.dialplan.demo-included"

static const char *const all_rules[] = {INJ, CID, DEF, INB, DEMO};

/* ---- driving the public API ---------------------------------------------------------------- */
#define MAX_FOUND 256

typedef struct found {
    vs_finding f[MAX_FOUND];
    size_t n;
} found;

static void collect(void *ctx, const vs_finding *f)
{
    found *fd = ctx;
    if (fd->n < MAX_FOUND)
        fd->f[fd->n++] = *f;
}

/* Audits tests/fixtures/audit/<area>/<case> into a fresh found (static: large). */
static found *audit_dir(const char *area, const char *name)
{
    static found fd;
    memset(&fd, 0, sizeof fd);
    vs_policy p;
    assert_int_equal(vs_policy_preset(&p, "seed", VS_SOURCE_DIR "/data"), VS_OK);
    char err[512] = "";
    vs_audit *a = vs_audit_new(&p, collect, &fd, err, sizeof err);
    assert_non_null(a);
    if (!a)
        return &fd;
    char path[1024];
    if (area)
        snprintf(path, sizeof path, VS_SOURCE_DIR "/tests/fixtures/audit/%s/%s", area, name);
    else
        snprintf(path, sizeof path, VS_SOURCE_DIR "/%s", name);
    vs_rc rc = vs_audit_path(a, path, err, sizeof err);
    if (rc != VS_OK)
        fprintf(stderr, "%s: %s\n", path, err);
    assert_int_equal(rc, VS_OK);
    vs_audit_free(a);
    return &fd;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static size_t count_rule(const found *fd, const char *rule)
{
    size_t n = 0;
    for (size_t i = 0; i < fd->n; i++)
        n += strcmp(fd->f[i].rule, rule) == 0;
    return n;
}

/* The finding of rule at file:line (file compared by its name), or a test failure. */
static const vs_finding *expect(const found *fd, const char *rule, const char *file, unsigned line,
                                vs_severity sev)
{
    for (size_t i = 0; i < fd->n; i++) {
        const vs_finding *f = &fd->f[i];
        if (strcmp(f->rule, rule) || f->line != line || !ends_with(f->file, file))
            continue;
        if (f->severity != sev)
            fail_msg("%s at %s:%u: severity %s, want %s", rule, file, line,
                     vs_severity_id(f->severity), vs_severity_id(sev));
        if (!f->title[0] || !f->explain[0] || !f->advice[0])
            fail_msg("%s at %s:%u: title, explain and advice must be set", rule, file, line);
        return f;
    }
    for (size_t i = 0; i < fd->n; i++)
        fprintf(stderr, "  have %s %s:%u %s\n", fd->f[i].rule, fd->f[i].file, fd->f[i].line,
                vs_severity_id(fd->f[i].severity));
    fail_msg("no %s at %s:%u", rule, file, line);
    return NULL;
}

/* No finding of any of this area's rules (prefix match on the ids listed). */
static void expect_silent(const found *fd, const char *const *rules, size_t n)
{
    for (size_t i = 0; i < fd->n; i++)
        for (size_t k = 0; k < n; k++)
            if (!strcmp(fd->f[i].rule, rules[k]))
                fail_msg("unexpected %s at %s:%u", fd->f[i].rule, fd->f[i].file, fd->f[i].line);
}

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
    found *fd = audit_dir(AREA, "exten-injection");
    const vs_finding *f = expect(fd, INJ, "extensions.conf", 6, VS_SEV_HIGH);
    if (f) {
        assert_int_equal(f->practice, VS_PRACTICE_NETWORK);
        assert_non_null(strstr(f->evidence, "\"pattern\":\"_X.\""));
    }
    expect(fd, INJ, "extensions.conf", 7, VS_SEV_CRITICAL);  /* System() */
    expect(fd, INJ, "extensions.conf", 9, VS_SEV_HIGH);      /* Queue() */
    f = expect(fd, INJ, "extensions.conf", 12, VS_SEV_HIGH); /* Macro argument */
    if (f)
        assert_non_null(strstr(f->evidence, "${ARG}"));
    f = expect(fd, INJ, "extensions.conf", 15, VS_SEV_HIGH);
    if (f) {
        /* the IAX2 password in the dial string is masked in the evidence */
        assert_null(strstr(f->evidence, "s3cretpw"));
        assert_non_null(strstr(f->evidence, "IAX2/office:***@192.0.2.1/${EXTEN}"));
    }
    assert_int_equal(count_rule(fd, INJ), 5); /* _6XXX into a local phone is fine */
}

static void test_callerid_injection(void **state)
{
    (void)state;
    found *fd = audit_dir(AREA, "callerid-injection");
    expect(fd, CID, "extensions.conf", 4, VS_SEV_CRITICAL);
    expect(fd, CID, "extensions.conf", 5, VS_SEV_CRITICAL);
    expect(fd, CID, "extensions.conf", 6, VS_SEV_CRITICAL);
    assert_int_equal(count_rule(fd, CID), 3); /* FILTER(), a file name, NoOp are fine */
}

static void test_default_outbound(void **state)
{
    (void)state;
    found *fd = audit_dir(AREA, "default-outbound");
    const vs_finding *f = expect(fd, DEF, "extensions.conf", 8, VS_SEV_HIGH);
    if (f)
        assert_non_null(strstr(f->evidence, "\"reaches_international\":false"));
    assert_int_equal(count_rule(fd, DEF), 1);
    assert_int_equal(count_rule(fd, INB), 0);
    fd = audit_dir(AREA, "default-international");
    f = expect(fd, DEF, "extensions.conf", 8, VS_SEV_CRITICAL);
    if (f)
        assert_non_null(strstr(f->evidence, "\"reaches_international\":true"));
    assert_int_equal(count_rule(fd, DEF), 1);
    /* default is left to its own check */
    assert_int_equal(count_rule(fd, INB), 0);
}

static void test_inbound_international(void **state)
{
    (void)state;
    found *fd = audit_dir(AREA, "inbound-international");
    const vs_finding *f = expect(fd, INB, "extensions.conf", 7, VS_SEV_CRITICAL);
    if (f) {
        /* one finding for the route, naming both ways in: by name, and the trunk's context */
        assert_non_null(strstr(f->evidence, "\"entry_contexts\":[\"public\",\"carrier-in\"]"));
        assert_non_null(strstr(f->explain, "[public]"));
        assert_non_null(strstr(f->evidence, "\"entered_from\":\"its name marks it"));
    }
    assert_int_equal(count_rule(fd, INB), 1);
}

static void test_demo_included(void **state)
{
    (void)state;
    found *fd = audit_dir(AREA, "demo-included");
    const vs_finding *f = expect(fd, DEMO, "extensions.conf", 4, VS_SEV_MEDIUM);
    if (f)
        assert_non_null(strstr(f->evidence, "\"context\":\"default\""));
    assert_int_equal(count_rule(fd, DEMO), 1); /* [unused] is reached by nothing */
}

static void test_hardened_silent(void **state)
{
    (void)state;
    found *fd = audit_dir(AREA, "hardened");
    expect_silent(fd, all_rules, sizeof all_rules / sizeof all_rules[0]);
    fd = audit_dir(NULL, "examples/audit/hardened-office");
    expect_silent(fd, all_rules, sizeof all_rules / sizeof all_rules[0]);
}

static void test_examples_fire(void **state)
{
    (void)state;
    /* the planted problems of the example offices */
    found *fd = audit_dir(NULL, "examples/audit/small-office-pjsip");
    assert_int_equal(count_rule(fd, INB), 1);
    assert_true(count_rule(fd, INJ) >= 1);
    fd = audit_dir(NULL, "examples/audit/legacy-chan-sip");
    assert_int_equal(count_rule(fd, DEF), 1);
    /* the provider (type=peer) lands in [from-pstn], which only rings phones */
    assert_int_equal(count_rule(fd, INB), 0);
    assert_true(count_rule(fd, INJ) >= 1);
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
