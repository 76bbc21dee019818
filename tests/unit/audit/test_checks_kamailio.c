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

/* Naming the area makes the linker take it out of the static library (the registry refers to
 * areas weakly). */
extern const vs__audit_check *const vs__checks_kamailio[];

#define FIX VS_SOURCE_DIR "/tests/fixtures/audit/kamailio/"

typedef struct results {
    vs_finding *v;
    size_t n, cap;
} results;

static void collect(void *ctx, const vs_finding *f)
{
    results *r = ctx;
    if (strncmp(f->rule, "kamailio.", 9) != 0)
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

static results run_path(const char *path)
{
    results r = {0};
    vs_policy p;
    char err[512] = "";
    assert_int_equal(vs_policy_preset(&p, "seed", VS_SOURCE_DIR "/data"), VS_OK);
    vs_audit *a = vs_audit_new(&p, collect, &r, err, sizeof err);
    assert_non_null(a);
    if (!a)
        return r;
    vs_rc rc = vs_audit_path(a, path, err, sizeof err);
    if (rc != VS_OK)
        fprintf(stderr, "%s: %s\n", path, err);
    assert_int_equal(rc, VS_OK);
    vs_audit_free(a);
    if (getenv("VS_TEST_DUMP"))
        for (size_t i = 0; i < r.n; i++)
            fprintf(stderr, "[%s] %s %s:%u %s user=%s %s\n", path, r.v[i].rule, r.v[i].file,
                    r.v[i].line, vs_severity_id(r.v[i].severity), r.v[i].user, r.v[i].evidence);
    return r;
}

static results run(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, FIX "%s", name);
    return run_path(path);
}

/* 1-based line of the nth line of FIX/file containing needle (0 when none). */
static unsigned line_of_nth(const char *file, const char *needle, unsigned nth)
{
    char path[1024], buf[4096];
    snprintf(path, sizeof path, FIX "%s", file);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    unsigned no = 0, hit = 0, seen = 0;
    while (!hit && fgets(buf, sizeof buf, f)) {
        no++;
        if (strstr(buf, needle) && ++seen == nth)
            hit = no;
    }
    fclose(f);
    return hit;
}

static unsigned line_of(const char *file, const char *needle)
{
    return line_of_nth(file, needle, 1);
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
    results r = run("stock");
    const char *K = "stock/kamailio.cfg";
    const vs_finding *f;
    /* no auth module: reported where the modules are loaded */
    f = expect(&r, "kamailio.no-auth", K, "loadmodule \"jsonrpcs.so\"", VS_SEV_CRITICAL);
    if (f)
        assert_non_null(strstr(f->evidence, "\"auth_module\":\"not loaded\""));
    expect(&r, "kamailio.no-flood-protection", K, "route[REQINIT] {", VS_SEV_MEDIUM);
    expect(&r, "kamailio.no-tls-listener", K, "listen=udp:", VS_SEV_MEDIUM);
    /* the stock REQINIT has the scanner filter, Max-Forwards and sanity checks */
    expect_count(&r, "kamailio.no-scanner-filter", 0);
    expect_count(&r, "kamailio.no-maxfwd", 0);
    expect_count(&r, "kamailio.no-sanity", 0);
    /* no tls module: tls.cfg beside it is not judged; no database: no password */
    expect_count(&r, "kamailio.old-tls", 0);
    expect_count(&r, "kamailio.tls-no-verify", 0);
    expect_count(&r, "kamailio.default-db-password", 0);
    expect_count(&r, "kamailio.auth-identity-unchecked", 0);
    assert_int_equal(r.n, 3);
    free(r.v);
}

/* ---- hardened ---------------------------------------------------------------------------------
 */

static void test_hardened(void **state)
{
    (void)state;
    results r = run("hardened");
    if (r.n)
        dump(&r, "(nothing)", NULL, 0);
    assert_int_equal(r.n, 0);
    free(r.v);
}

/* ---- weak -------------------------------------------------------------------------------------
 */

static void test_weak(void **state)
{
    (void)state;
    results r = run("weak");
    const char *K = "weak/kamailio.cfg", *T = "weak/tls.cfg";
    const vs_finding *f;
    expect_count(&r, "kamailio.no-auth", 0);
    expect_count(&r, "kamailio.no-tls-listener", 0);
    expect(&r, "kamailio.auth-identity-unchecked", K, "www_authorize(", VS_SEV_MEDIUM);
    /* pike_check_req sits in the inactive #!ifdef WITH_ANTIFLOOD */
    f = expect(&r, "kamailio.no-flood-protection", K, "route[REQINIT] {", VS_SEV_MEDIUM);
    if (f)
        assert_non_null(strstr(f->evidence, "\"pike_module\":\"not loaded\""));
    /* the filter is commented out; an xlog of $ua is not a filter */
    expect(&r, "kamailio.no-scanner-filter", K, "route[REQINIT] {", VS_SEV_LOW);
    expect(&r, "kamailio.no-sanity", K, "route[REQINIT] {", VS_SEV_LOW);
    expect(&r, "kamailio.no-maxfwd", K, "route[REQINIT] {", VS_SEV_LOW);
    f = expect(&r, "kamailio.old-tls", T, "method = TLSv1+", VS_SEV_MEDIUM);
    if (f)
        assert_non_null(strstr(f->evidence, "\"profile\":\"server:default\""));
    expect_count(&r, "kamailio.old-tls", 1);
    /* the trunk's client profile; the server profile (phones without certificates) is not
     * judged */
    unsigned line = line_of_nth(T, "verify_certificate = no", 2);
    f = find(&r, "kamailio.tls-no-verify", T, line);
    if (!f)
        dump(&r, "kamailio.tls-no-verify", T, line);
    assert_non_null(f);
    if (f) {
        assert_int_equal(f->severity, VS_SEV_MEDIUM);
        assert_non_null(strstr(f->evidence, "\"profile\":\"client:203.0.113.5:5061\""));
    }
    expect_count(&r, "kamailio.tls-no-verify", 1);
    /* DBURL with the stock password, first used by usrloc */
    f = expect(&r, "kamailio.default-db-password", K, "modparam(\"usrloc\", \"db_url\"",
               VS_SEV_HIGH);
    if (f) {
        assert_non_null(strstr(f->evidence, "\"modules\":\"usrloc, auth_db\""));
        assert_non_null(strstr(f->evidence, "\"secret\":\"k*** (10 characters)\""));
    }
    expect_count(&r, "kamailio.default-db-password", 1);
    free(r.v);
}

/* ---- small configurations for the other branches
 * ------------------------------------------------- */

static results run_text(const char *cfg, const char *tls)
{
    char dir[] = "/tmp/vs-kam-XXXXXX", path[PATH_MAX];
    results r = {0};
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
    r = run_path(dir);
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
    results r = run_text(cfg, NULL);
    const vs_finding *f = find(&r, "kamailio.auth-identity-unchecked", NULL, 8);
    if (!f)
        dump(&r, "kamailio.auth-identity-unchecked", NULL, 8);
    assert_non_null(f);
    if (f)
        assert_non_null(strstr(f->evidence, "\"flags\":0"));
    /* REQINIT has the other protections (the $ua filter is found in the active text) */
    expect_count(&r, "kamailio.no-flood-protection", 0);
    expect_count(&r, "kamailio.no-scanner-filter", 0);
    expect_count(&r, "kamailio.no-sanity", 0);
    expect_count(&r, "kamailio.no-maxfwd", 0);
    free(r.v);

    /* flag 1 set */
    r = run_text("loadmodule \"maxfwd.so\"\nloadmodule \"sanity.so\"\n"
                 "loadmodule \"pike.so\"\nloadmodule \"auth.so\"\nloadmodule \"auth_db.so\"\n"
                 "request_route {\n  route(REQINIT);\n"
                 "  if (!auth_check(\"$fd\", \"subscriber\", \"1\")) { exit; }\n}\n",
                 NULL);
    expect_count(&r, "kamailio.auth-identity-unchecked", 0);
    expect_count(&r, "kamailio.no-auth", 0);
    free(r.v);
}

static void test_ip_only_auth(void **state)
{
    (void)state;
    results r = run_text("loadmodule \"permissions.so\"\n"
                         "request_route {\n  if (!allow_source_address()) { exit; }\n}\n",
                         NULL);
    const vs_finding *f = find(&r, "kamailio.no-auth", NULL, 0);
    assert_non_null(f);
    if (f) {
        assert_int_equal(f->severity, VS_SEV_MEDIUM);
        assert_non_null(strstr(f->evidence, "\"ip_auth\":\"allow_source_address\""));
    }
    free(r.v);
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
    results r = run_text(cfg, "[client:default]\nca_list = /etc/ssl/certs/ca.pem\n");
    const vs_finding *f = find(&r, "kamailio.old-tls", NULL, 3);
    if (!f)
        dump(&r, "kamailio.old-tls", NULL, 3);
    assert_non_null(f);
    expect_count(&r, "kamailio.tls-no-verify", 0);
    expect_count(&r, "kamailio.no-tls-listener", 0);
    free(r.v);
    /* without the modparam, the tls module's default is no verification */
    r = run_text("enable_tls=yes\nloadmodule \"tls.so\"\nrequest_route { exit; }\n",
                 "[client:default]\nca_list = /etc/ssl/certs/ca.pem\n");
    expect_count(&r, "kamailio.tls-no-verify", 1);
    free(r.v);
}

/* ---- no secret in any output ------------------------------------------------------------------
 */

static const char *const secrets[] = {"kamailiorw", "Db-9vQ!x2Lm7#Rk4", "Pl4nted-Db0ld!"};

static void test_no_secret_in_output(void **state)
{
    (void)state;
    static const char *const cases[] = {"stock", "hardened", "weak"};
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
        for (size_t s = 0; s < sizeof secrets / sizeof secrets[0]; s++) {
            if (buf && strstr(buf, secrets[s]))
                fprintf(stderr, "%s: secret %s in output\n", cases[k], secrets[s]);
            assert_null(buf ? strstr(buf, secrets[s]) : NULL);
        }
        free(buf);
        free(r.v);
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
