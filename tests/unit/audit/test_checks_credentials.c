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

/* The area under test. Naming it here also makes the linker take that object out of the static
 * library: the registry only refers to areas weakly. */
extern const vs__audit_check *const vs__checks_credentials[];

#define AUDIT_FIXTURES VS_SOURCE_DIR "/tests/fixtures/audit/asterisk/"

typedef struct audit_results {
    vs_finding *v;
    size_t n, cap;
    vs_rc rc;
    char err[512];
} audit_results;

static void audit_collect(void *ctx, const vs_finding *f)
{
    audit_results *r = ctx;
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 32;
        vs_finding *nv = realloc(r->v, nc * sizeof *nv);
        if (!nv)
            return;
        r->v = nv;
        r->cap = nc;
    }
    r->v[r->n++] = *f;
}

static void audit_results_free(audit_results *r)
{
    free(r->v);
    memset(r, 0, sizeof *r);
}

/* Audits AUDIT_FIXTURES/<name> (a directory) under the seed policy. */
static audit_results audit_fixture(const char *name)
{
    audit_results res;
    memset(&res, 0, sizeof res);
    vs_policy p;
    if (vs_policy_preset(&p, "seed", VS_SOURCE_DIR "/data") != VS_OK) {
        res.rc = VS_E_INVAL;
        return res;
    }
    vs_audit *a = vs_audit_new(&p, audit_collect, &res, res.err, sizeof res.err);
    if (!a) {
        res.rc = VS_E_INVAL;
        return res;
    }
    char path[1024];
    snprintf(path, sizeof path, "%s%s", AUDIT_FIXTURES, name);
    res.rc = vs_audit_path(a, path, res.err, sizeof res.err);
    vs_audit_free(a);
    if (getenv("VS_TEST_DUMP")) {
        for (size_t i = 0; i < res.n; i++) {
            const vs_finding *f = &res.v[i];
            const char *slash = strrchr(f->file, '/');
            fprintf(stderr, "[%s] %s %s:%u %s user=%s %s\n", name, f->rule,
                    slash ? slash + 1 : f->file, f->line, vs_severity_id(f->severity), f->user,
                    f->evidence);
        }
    }
    return res;
}

static bool audit_ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* The finding of rule at file (a suffix such as "sip-weak/sip.conf") and line; NULL when none.
 * line 0 matches any line. */
static const vs_finding *audit_find(const audit_results *r, const char *rule, const char *file,
                                    unsigned line)
{
    for (size_t i = 0; i < r->n; i++) {
        const vs_finding *f = &r->v[i];
        if (strcmp(f->rule, rule) == 0 && (!file || audit_ends_with(f->file, file)) &&
            (line == 0 || f->line == line))
            return f;
    }
    return NULL;
}

static size_t audit_count(const audit_results *r, const char *rule)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        n += strcmp(r->v[i].rule, rule) == 0;
    return n;
}

/* Prints the findings of a run when a lookup fails, to make the failure readable. */
static void audit_dump(const audit_results *r, const char *want, const char *file, unsigned line)
{
    fprintf(stderr, "wanted %s at %s:%u; have:\n", want, file ? file : "*", line);
    for (size_t i = 0; i < r->n; i++)
        fprintf(stderr, "  %s %s:%u %s\n", r->v[i].rule, r->v[i].file, r->v[i].line,
                vs_severity_id(r->v[i].severity));
}

static const vs_finding *expect_at(const audit_results *r, const char *rule, const char *file,
                                   unsigned line, vs_severity sev)
{
    const vs_finding *f = audit_find(r, rule, file, line);
    if (!f)
        audit_dump(r, rule, file, line);
    assert_non_null(f);
    if (!f)
        return NULL;
    if (f->severity != sev)
        fprintf(stderr, "%s at %s:%u: severity %s, want %s\n", rule, file, line,
                vs_severity_id(f->severity), vs_severity_id(sev));
    assert_int_equal(f->severity, sev);
    assert_int_equal(f->practice, VS_PRACTICE_CREDENTIALS);
    assert_true(f->title[0] != '\0');
    assert_true(f->explain[0] != '\0');
    assert_true(f->advice[0] != '\0');
    return f;
}

static void expect_count(const audit_results *r, const char *rule, size_t n)
{
    size_t have = audit_count(r, rule);
    if (have != n)
        audit_dump(r, rule, NULL, 0);
    assert_int_equal(have, n);
}

static audit_results run(const char *name)
{
    audit_results r = audit_fixture(name);
    if (r.rc != VS_OK)
        fprintf(stderr, "%s: %s\n", name, r.err);
    assert_int_equal(r.rc, VS_OK);
    return r;
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
    expect_count(&r, "asterisk.pjsip.weak-secret", 2);
    assert_null(audit_find(&r, "asterisk.pjsip.weak-secret", F, 20));
    audit_results_free(&r);
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
    expect_count(&r, "asterisk.sip.weak-secret", 1);
    for (size_t i = 0; i < r.n; i++)
        if (strstr(r.v[i].rule, "secret") || strstr(r.v[i].rule, "pin"))
            assert_string_not_equal(r.v[i].user, "7003");
    f = expect_at(&r, "asterisk.iax.weak-secret", "creds-weak/iax.conf", 9, VS_SEV_CRITICAL);
    expect_evidence(f, "b*** (6 characters)", "\"failed\":\"equals_user\"");
    expect_count(&r, "asterisk.iax.weak-secret", 1);
    audit_results_free(&r);
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
    expect_count(&r, "asterisk.voicemail.weak-pin", 3);
    assert_null(audit_find(&r, "asterisk.voicemail.weak-pin", F, 9));
    assert_null(audit_find(&r, "asterisk.voicemail.weak-pin", F, 10));
    audit_results_free(&r);
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
    expect_count(&r, "asterisk.manager.weak-secret", 2);
    f = expect_at(&r, "asterisk.ari.weak-password", "creds-weak/ari.conf", 8, VS_SEV_CRITICAL);
    expect_evidence(f, "a*** (8 characters)", "\"failed\":\"equals_user\"");
    /* the crypt-format password is a hash: not judged */
    expect_count(&r, "asterisk.ari.weak-password", 1);
    audit_results_free(&r);
}

static void test_reuse(void **state)
{
    (void)state;
    audit_results r = run("creds-weak");
    /* one secret in pjsip [6003-auth], sip [7002] and iax [hq]: one finding at the first */
    const vs_finding *f =
        expect_at(&r, "asterisk.secret-reuse", "creds-weak/pjsip.conf", 16, VS_SEV_HIGH);
    expect_count(&r, "asterisk.secret-reuse", 1);
    if (f) {
        assert_non_null(strstr(f->evidence, "\"count\":3"));
        assert_non_null(strstr(f->evidence, "pjsip.conf [6003-auth]"));
        assert_non_null(strstr(f->evidence, "sip.conf [7002]"));
        assert_non_null(strstr(f->evidence, "iax.conf [hq]"));
        assert_non_null(strstr(f->evidence, "\"secret\":\"X*** (16 characters)\""));
        assert_non_null(strstr(f->explain, "3 accounts"));
    }
    audit_results_free(&r);
}

static void test_hardened_silent(void **state)
{
    (void)state;
    audit_results r = run("creds-hardened");
    for (const vs__audit_check *const *c = vs__checks_credentials; *c; c++)
        expect_count(&r, (*c)->info.id, 0);
    audit_results_free(&r);
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
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_non_null(m);
    if (!m) {
        audit_results_free(&r);
        return;
    }
    for (size_t i = 0; i < r.n; i++) {
        assert_int_equal(vs_finding_write_json(m, &r.v[i]), VS_OK);
        assert_int_equal(vs_finding_write_text(m, &r.v[i]), VS_OK);
        /* the raw fields too, whatever a writer leaves out */
        fprintf(m, "%s\n%s\n%s\n%s\n%s\n", r.v[i].title, r.v[i].explain, r.v[i].advice, r.v[i].user,
                r.v[i].evidence);
    }
    fclose(m);
    assert_non_null(buf);
    for (size_t k = 0; buf && k < sizeof planted / sizeof planted[0]; k++) {
        const char *whole = strstr(buf, planted[k]);
        const char *tail = strstr(buf, planted[k] + 1);
        if (whole || tail)
            fprintf(stderr, "planted secret %s found in output\n", planted[k]);
        assert_null(whole);
        assert_null(tail);
    }
    free(buf);
    audit_results_free(&r);
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
