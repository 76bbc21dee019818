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

/* Naming the area makes the linker take it out of the static library (the registry refers to
 * areas weakly). */
extern const vs__audit_check *const vs__checks_freeswitch[];

#define FIX VS_SOURCE_DIR "/tests/fixtures/audit/freeswitch/"

typedef struct results {
    vs_finding *v;
    size_t n, cap;
} results;

static void collect(void *ctx, const vs_finding *f)
{
    results *r = ctx;
    if (strncmp(f->rule, "freeswitch.", 11) != 0)
        return;
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

static results run(const char *name)
{
    results r = {0};
    vs_policy p;
    char err[512] = "";
    assert_int_equal(vs_policy_preset(&p, "seed", VS_SOURCE_DIR "/data"), VS_OK);
    vs_audit *a = vs_audit_new(&p, collect, &r, err, sizeof err);
    assert_non_null(a);
    if (!a)
        return r;
    char path[1024];
    snprintf(path, sizeof path, FIX "%s", name);
    vs_rc rc = vs_audit_path(a, path, err, sizeof err);
    if (rc != VS_OK)
        fprintf(stderr, "%s: %s\n", name, err);
    assert_int_equal(rc, VS_OK);
    vs_audit_free(a);
    if (getenv("VS_TEST_DUMP"))
        for (size_t i = 0; i < r.n; i++)
            fprintf(stderr, "[%s] %s %s:%u %s user=%s %s\n", name, r.v[i].rule, r.v[i].file,
                    r.v[i].line, vs_severity_id(r.v[i].severity), r.v[i].user, r.v[i].evidence);
    return r;
}

/* 1-based line of the first line of FIX/file containing needle (0 when none). */
static unsigned line_of(const char *file, const char *needle)
{
    char path[1024], buf[4096];
    snprintf(path, sizeof path, FIX "%s", file);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    unsigned no = 0, hit = 0;
    while (!hit && fgets(buf, sizeof buf, f)) {
        no++;
        if (strstr(buf, needle))
            hit = no;
    }
    fclose(f);
    return hit;
}

/* true when path (as the reader opened it, possibly with "../") is FIX/file. */
static bool same_file(const char *path, const char *file)
{
    char want[1024], a[PATH_MAX], b[PATH_MAX];
    snprintf(want, sizeof want, FIX "%s", file);
    return realpath(path, a) && realpath(want, b) && !strcmp(a, b);
}

static const vs_finding *find(const results *r, const char *rule, const char *file, unsigned line)
{
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->v[i].rule, rule) && (!file || same_file(r->v[i].file, file)) &&
            (!line || r->v[i].line == line))
            return &r->v[i];
    return NULL;
}

static size_t count(const results *r, const char *rule)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        n += !strcmp(r->v[i].rule, rule);
    return n;
}

static void dump(const results *r, const char *want, const char *file, unsigned line)
{
    fprintf(stderr, "wanted %s at %s:%u; have:\n", want, file ? file : "*", line);
    for (size_t i = 0; i < r->n; i++)
        fprintf(stderr, "  %s %s:%u %s %s\n", r->v[i].rule, r->v[i].file, r->v[i].line,
                vs_severity_id(r->v[i].severity), r->v[i].evidence);
}

/* Asserts a finding of rule at file:line (line = that of the first line holding needle) with
 * severity sev and complete texts; returns it. */
static const vs_finding *expect(const results *r, const char *rule, const char *file,
                                const char *needle, vs_severity sev)
{
    unsigned line = line_of(file, needle);
    assert_true(line > 0);
    const vs_finding *f = find(r, rule, file, line);
    if (!f)
        dump(r, rule, file, line);
    assert_non_null(f);
    if (!f)
        return NULL;
    if (f->severity != sev)
        fprintf(stderr, "%s: severity %s, want %s\n", rule, vs_severity_id(f->severity),
                vs_severity_id(sev));
    assert_int_equal(f->severity, sev);
    assert_true(f->title[0] && f->explain[0] && f->advice[0]);
    assert_true(f->evidence[0] == '{');
    return f;
}

static void expect_count(const results *r, const char *rule, size_t n)
{
    if (count(r, rule) != n)
        dump(r, rule, NULL, 0);
    assert_int_equal(count(r, rule), n);
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
    results r = run("vanilla");
    const vs_finding *f;
    f = expect(&r, "freeswitch.default-password", "vanilla/vars.xml", "default_password=1234",
               VS_SEV_CRITICAL);
    if (f)
        assert_non_null(strstr(f->evidence, "\"secret\":\"1*** (4 characters)\""));
    f = expect(&r, "freeswitch.default-password", "vanilla/directory/default/1000.xml",
               "name=\"password\"", VS_SEV_CRITICAL);
    if (f) {
        assert_string_equal(f->user, "1000");
        assert_non_null(strstr(f->evidence, "\"variable\":\"default_password\""));
        assert_non_null(strstr(f->evidence, "vars.xml:"));
    }
    expect(&r, "freeswitch.default-password", "vanilla/directory/default/1001.xml",
           "name=\"password\"", VS_SEV_CRITICAL);
    expect_count(&r, "freeswitch.default-password", 3);
    /* the default password is not also a weak password nor a reused one */
    expect_count(&r, "freeswitch.weak-password", 0);
    expect_count(&r, "freeswitch.password-reuse", 0);
    /* vm-password equal to the user id */
    f = expect(&r, "freeswitch.weak-vm-password", "vanilla/directory/default/1000.xml",
               "vm-password", VS_SEV_HIGH);
    if (f)
        assert_string_equal(f->user, "1000");
    expect_count(&r, "freeswitch.weak-vm-password", 2);
    expect(&r, "freeswitch.esl-default-password", "vanilla/autoload_configs/event_socket.conf.xml",
           "name=\"password\"", VS_SEV_CRITICAL);
    expect_count(&r, "freeswitch.esl-weak-password", 0);
    f = expect(&r, "freeswitch.esl-exposed", "vanilla/autoload_configs/event_socket.conf.xml",
               "listen-ip", VS_SEV_HIGH);
    if (f)
        assert_non_null(strstr(f->evidence, "\"listen_ip\":\"::\""));
    expect(&r, "freeswitch.no-auth-failure-log", "vanilla/sip_profiles/internal.xml",
           "log-auth-failures", VS_SEV_MEDIUM);
    expect_count(&r, "freeswitch.no-auth-failure-log", 1);
    f = expect(&r, "freeswitch.no-tls", "vanilla/sip_profiles/internal.xml", "name=\"tls\"",
               VS_SEV_MEDIUM);
    if (f)
        assert_non_null(strstr(f->evidence, "\"variable\":\"internal_ssl_enable\""));
    expect_count(&r, "freeswitch.no-tls", 1);
    /* rtp_secure_media set nowhere: reported at the vars section */
    expect(&r, "freeswitch.srtp-not-required", "vanilla/vars.xml", "default_password=1234",
           VS_SEV_MEDIUM);
    expect(&r, "freeswitch.null-auth-srtp", "vanilla/vars.xml", "rtp_sdes_suites=", VS_SEV_MEDIUM);
    /* stock internal profile: auth-calls true, ACL "domains", subscriptions authenticated; the
     * external profile is unauthenticated by design; TLS is off, so versions are not judged */
    expect_count(&r, "freeswitch.auth-calls-off", 0);
    expect_count(&r, "freeswitch.blind-registration", 0);
    expect_count(&r, "freeswitch.auth-subscriptions-off", 0);
    expect_count(&r, "freeswitch.no-inbound-acl", 0);
    expect_count(&r, "freeswitch.force-matching-username-off", 0);
    expect_count(&r, "freeswitch.old-tls", 0);
    expect_count(&r, "freeswitch.tls-no-verify", 0);
    free(r.v);
}

/* ---- office -----------------------------------------------------------------------------------
 */

static void test_office(void **state)
{
    (void)state;
    results r = run("office");
    const char *I = "office/sip_profiles/internal.xml";
    const vs_finding *f;
    f = expect(&r, "freeswitch.auth-calls-off", I, "auth-calls", VS_SEV_CRITICAL);
    if (f) {
        assert_non_null(strstr(f->evidence, "\"variable\":\"internal_auth_calls\""));
        assert_non_null(strstr(f->evidence, "\"profile\":\"internal\""));
    }
    expect_count(&r, "freeswitch.auth-calls-off", 1); /* not the external profile */
    expect(&r, "freeswitch.blind-registration", I, "accept-blind-reg", VS_SEV_CRITICAL);
    expect_count(&r, "freeswitch.blind-registration", 1);
    expect(&r, "freeswitch.auth-subscriptions-off", I, "auth-subscriptions", VS_SEV_MEDIUM);
    expect_count(&r, "freeswitch.auth-subscriptions-off", 1);
    /* absent: reported at the profile */
    expect(&r, "freeswitch.no-inbound-acl", I, "<profile name=\"internal\">", VS_SEV_MEDIUM);
    expect(&r, "freeswitch.force-matching-username-off", I, "inbound-reg-force-matching-username",
           VS_SEV_MEDIUM);
    f = expect(&r, "freeswitch.old-tls", I, "tls-version", VS_SEV_MEDIUM);
    if (f)
        assert_non_null(strstr(f->evidence, "\"variable\":\"sip_tls_version\""));
    expect(&r, "freeswitch.tls-no-verify", I, "tls-verify-policy", VS_SEV_MEDIUM);
    expect_count(&r, "freeswitch.no-tls", 0);
    expect(&r, "freeswitch.srtp-not-required", "office/vars.xml", "rtp_secure_media=optional",
           VS_SEV_MEDIUM);
    expect_count(&r, "freeswitch.srtp-not-required", 1);
    expect_count(&r, "freeswitch.null-auth-srtp", 0);
    f = expect(&r, "freeswitch.weak-password", "office/directory/default/2001.xml",
               "name=\"password\"", VS_SEV_CRITICAL); /* on the weak-password list */
    if (f) {
        assert_string_equal(f->user, "2001");
        assert_non_null(strstr(f->evidence, "\"secret\":\"S*** (10 characters)\""));
    }
    f = expect(&r, "freeswitch.weak-password", "office/directory/default/2004.xml",
               "name=\"password\"", VS_SEV_HIGH); /* only too short */
    if (f)
        assert_non_null(strstr(f->evidence, "\"reason\":\"the password has 9 characters"));
    expect_count(&r, "freeswitch.weak-password", 2);
    f = expect(&r, "freeswitch.password-reuse", "office/directory/default/2002.xml",
               "name=\"password\"", VS_SEV_HIGH);
    if (f) {
        assert_string_equal(f->user, "2002");
        assert_non_null(strstr(f->evidence, "\"users\":\"2002, 2003\""));
        assert_null(strstr(f->evidence, "secret")); /* not even masked */
    }
    expect_count(&r, "freeswitch.password-reuse", 1);
    expect(&r, "freeswitch.esl-weak-password", "office/autoload_configs/event_socket.conf.xml",
           "name=\"password\"", VS_SEV_HIGH);
    expect_count(&r, "freeswitch.esl-default-password", 0);
    expect_count(&r, "freeswitch.esl-exposed", 0); /* 127.0.0.1 */
    expect_count(&r, "freeswitch.default-password", 0);
    expect_count(&r, "freeswitch.no-auth-failure-log", 0);
    expect_count(&r, "freeswitch.weak-vm-password", 0);
    free(r.v);
}

/* ---- hardened: nothing; commented-out params and secrets are not values
 * --------------------------- */

static void test_hardened(void **state)
{
    (void)state;
    results r = run("hardened");
    if (r.n)
        dump(&r, "(nothing)", NULL, 0);
    assert_int_equal(r.n, 0);
    free(r.v);
}

/* FreeSWITCH applies <X-PRE-PROCESS> even inside <!-- -->, and so does the reader: the
 * "commented-out" default wins and is reported where it sits. */
static void test_comment_xpp(void **state)
{
    (void)state;
    results r = run("comment-xpp");
    expect(&r, "freeswitch.default-password", "comment-xpp/vars.xml", "default_password=1234",
           VS_SEV_CRITICAL);
    const vs_finding *f =
        expect(&r, "freeswitch.default-password", "comment-xpp/directory/default/4001.xml",
               "name=\"password\"", VS_SEV_CRITICAL);
    if (f)
        assert_string_equal(f->user, "4001");
    free(r.v);
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
        results r = run(cases[k]);
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        assert_non_null(out);
        if (!out)
            return;
        for (size_t i = 0; i < r.n; i++) {
            assert_int_equal(vs_finding_write_json(out, &r.v[i]), VS_OK);
            assert_int_equal(vs_finding_write_text(out, &r.v[i]), VS_OK);
        }
        fclose(out);
        assert_true(r.n == 0 || len > 0);
        for (size_t s = 0; s < sizeof secrets / sizeof secrets[0]; s++) {
            if (buf && strcasestr(buf, secrets[s]))
                fprintf(stderr, "%s: secret %s in output\n", cases[k], secrets[s]);
            assert_null(buf ? strcasestr(buf, secrets[s]) : NULL);
        }
        free(buf);
        free(r.v);
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
