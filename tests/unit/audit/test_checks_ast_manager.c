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
    found *fd = audit_dir(AREA, "exposed");
    const vs_finding *f = expect(fd, EXPOSED, "manager.conf", 2, VS_SEV_HIGH);
    if (f) {
        assert_int_equal(f->practice, VS_PRACTICE_EQUIPMENT);
        assert_non_null(strstr(f->evidence, "\"bindaddr\":\"0.0.0.0\""));
    }
    expect(fd, NOTLS, "manager.conf", 2, VS_SEV_MEDIUM);
    expect(fd, WEB, "manager.conf", 4, VS_SEV_MEDIUM);
    f = expect(fd, NOACL, "manager.conf", 6, VS_SEV_MEDIUM); /* [admin]: no deny */
    if (f)
        assert_string_equal(f->user, "admin");
    expect(fd, NOACL, "manager.conf", 16, VS_SEV_MEDIUM); /* [open]: permits 0.0.0.0/0 */
    assert_int_equal(count_rule(fd, NOACL), 2);
    f = expect(fd, PERMS, "manager.conf", 8, VS_SEV_HIGH); /* write=system,originate,config */
    if (f)
        assert_non_null(strstr(f->evidence, "\"write\":\"system,originate,config\""));
    expect(fd, PERMS, "manager.conf", 13, VS_SEV_LOW); /* read=all only */
    assert_int_equal(count_rule(fd, PERMS), 2);
}

static void test_manager_on_a_lan_address(void **state)
{
    (void)state;
    found *fd = audit_dir(AREA, "defaults");
    assert_int_equal(count_rule(fd, EXPOSED), 0);
    expect(fd, NOTLS, "manager.conf", 2, VS_SEV_MEDIUM);
    assert_int_equal(count_rule(fd, NOACL), 0);
    assert_int_equal(count_rule(fd, PERMS), 0);
    assert_int_equal(count_rule(fd, WEB), 0);
}

static void test_http(void **state)
{
    (void)state;
    found *fd = audit_dir(AREA, "exposed");
    expect(fd, HTTP, "http.conf", 3, VS_SEV_HIGH);
    fd = audit_dir(AREA, "defaults");
    expect(fd, HTTP, "http.conf", 3, VS_SEV_MEDIUM);
}

static void test_ari(void **state)
{
    (void)state;
    found *fd = audit_dir(AREA, "exposed");
    const vs_finding *f = expect(fd, ARIPW, "ari.conf", 8, VS_SEV_LOW);
    if (f)
        assert_string_equal(f->user, "app");
    f = expect(fd, ARIPW, "ari.conf", 10, VS_SEV_LOW); /* default format: plain */
    if (f)
        assert_non_null(strstr(f->evidence, "(absent: plain)"));
    assert_int_equal(count_rule(fd, ARIPW), 2);
    expect(fd, ORIGIN, "ari.conf", 3, VS_SEV_MEDIUM);
    /* no password of the fixture in any text of any finding */
    for (size_t i = 0; i < fd->n; i++) {
        const vs_finding *g = &fd->f[i];
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
    found *fd = audit_dir(AREA, "exposed");
    expect(fd, LIVE, "asterisk.conf", 3, VS_SEV_HIGH);
    expect(fd, ROOT, "asterisk.conf", 4, VS_SEV_MEDIUM); /* runuser=root */
    fd = audit_dir(AREA, "defaults");
    const vs_finding *f = expect(fd, ROOT, "asterisk.conf", 4, VS_SEV_MEDIUM); /* [options] */
    if (f)
        assert_non_null(strstr(f->evidence, "(absent)"));
    assert_int_equal(count_rule(fd, LIVE), 0);
}

static void test_logger(void **state)
{
    (void)state;
    found *fd = audit_dir(AREA, "exposed");
    const vs_finding *f = expect(fd, SECLOG, "logger.conf", 4, VS_SEV_LOW); /* [logfiles] */
    if (f)
        assert_int_equal(f->practice, VS_PRACTICE_ACTIVITY);
    fd = audit_dir(AREA, "defaults");
    expect(fd, SECLOG, "logger.conf", 0, VS_SEV_LOW); /* no [logfiles] at all */
}

static void test_hardened_silent(void **state)
{
    (void)state;
    found *fd = audit_dir(AREA, "hardened");
    expect_silent(fd, all_rules, sizeof all_rules / sizeof all_rules[0]);
    fd = audit_dir(NULL, "examples/audit/hardened-office");
    expect_silent(fd, all_rules, sizeof all_rules / sizeof all_rules[0]);
}

static void test_example_fires(void **state)
{
    (void)state;
    found *fd = audit_dir(NULL, "examples/audit/small-office-pjsip");
    assert_int_equal(count_rule(fd, EXPOSED), 1);
    assert_int_equal(count_rule(fd, NOACL), 1);
    assert_int_equal(count_rule(fd, PERMS), 1);
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
