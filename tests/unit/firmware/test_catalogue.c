/* Unit tests of the firmware catalogue (src/firmware/catalogue.c): loading and strict checking of
 * catalogue files ("FILE:LINE: what is wrong"), matching fingerprints made by the real rules
 * against a fixture catalogue (vendor aliases, model patterns, ranges and their bounds, the
 * Asterisk certified train, FreePBX matched through its Asterisk platform, unknown versions), and
 * the real data/firmware-catalogue.tsv when it is there. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <voipsec/firmware.h>

#define RULES VS_SOURCE_DIR "/data/fingerprints.tsv"
#define REAL_CATALOGUE VS_SOURCE_DIR "/data/firmware-catalogue.tsv"
#define FIX VS_SOURCE_DIR "/tests/fixtures/firmware/"

typedef struct hits {
    size_t n, stop_after; /* stop_after 0: never stop */
    char cve[16][32];
    char vendor[16][48];
    char version[16][64];
} hits;

static bool collect(void *ctx, const vs_vuln *v, const char *matched_vendor,
                    const char *matched_version)
{
    hits *h = ctx;
    if (h->n < 16) {
        snprintf(h->cve[h->n], sizeof h->cve[0], "%s", v->cve);
        snprintf(h->vendor[h->n], sizeof h->vendor[0], "%s", matched_vendor);
        snprintf(h->version[h->n], sizeof h->version[0], "%s", matched_version);
    }
    h->n++;
    return !(h->stop_after && h->n >= h->stop_after);
}

typedef struct env {
    vs_fp_rules *rules;
    vs_catalogue *cat;
} env;

static int setup(void **state)
{
    static env e;
    char err[512];
    const char *rp[] = {RULES};
    const char *cp[] = {FIX "catalogue.tsv"};
    e.rules = vs_fp_rules_load(rp, 1, err, sizeof err);
    if (!e.rules) {
        print_error("%s\n", err);
        return -1;
    }
    e.cat = vs_catalogue_load(cp, 1, err, sizeof err);
    if (!e.cat) {
        print_error("%s\n", err);
        return -1;
    }
    *state = &e;
    return 0;
}

static int teardown(void **state)
{
    env *e = *state;
    vs_fp_rules_free(e->rules);
    vs_catalogue_free(e->cat);
    return 0;
}

/* Fingerprints ua with the real rules and matches it against the fixture catalogue. */
static size_t match_ua(const env *e, const char *ua, hits *h)
{
    vs_fingerprint fp;
    if (!vs_fp_match(e->rules, ua, strlen(ua), &fp))
        fail_msg("no rule matched '%s'", ua);
    memset(h, 0, sizeof *h);
    size_t n = vs_catalogue_match(e->cat, &fp, collect, h);
    assert_int_equal(n, h->n);
    return n;
}

static void test_load_fields(void **state)
{
    env *e = *state;
    assert_int_equal(vs_catalogue_count(e->cat), 8);
    const vs_vuln *v = vs_catalogue_entry(e->cat, 0);
    assert_non_null(v);
    assert_string_equal(v->vendor, "Asterisk");
    assert_string_equal(v->model_pattern, "*");
    assert_string_equal(v->affected, "<18.20.1; >=19 <20.5.1; =21.0.0; train:cert <18.9-cert6");
    assert_string_equal(v->fixed, "18.20.1; 20.5.1; 21.0.1; 18.9-cert6");
    assert_string_equal(v->cve, "CVE-2023-49294");
    assert_string_equal(v->severity, "medium");
    assert_string_equal(v->summary, "AMI path traversal");
    assert_string_equal(v->source, "fixture after CVE-2023-49294");
    assert_string_equal(v->file, FIX "catalogue.tsv");
    assert_int_equal(v->line, 3);
    v = vs_catalogue_entry(e->cat, 4);
    assert_string_equal(v->cve, "FIXTURE-SPA-1");
    assert_string_equal(v->severity, "high"); /* written "HIGH" */
    assert_int_equal(v->line, 7);
    assert_null(vs_catalogue_entry(e->cat, 8));
    assert_null(vs_catalogue_entry(NULL, 0));
    assert_int_equal(vs_catalogue_count(NULL), 0);
    vs_catalogue_free(NULL);
}

static void test_asterisk_trains(void **state)
{
    env *e = *state;
    hits h;
    assert_int_equal(match_ua(e, "Asterisk PBX 18.20.0", &h), 1);
    assert_string_equal(h.cve[0], "CVE-2023-49294");
    assert_string_equal(h.vendor[0], "Asterisk");
    assert_string_equal(h.version[0], "18.20.0");
    assert_int_equal(match_ua(e, "Asterisk PBX 18.20.1", &h), 0); /* the fixed release */
    assert_int_equal(match_ua(e, "Asterisk PBX 20.5.0", &h), 1);
    assert_int_equal(match_ua(e, "Asterisk PBX 21.0.0", &h), 1);
    assert_int_equal(match_ua(e, "Asterisk PBX 21.0.1", &h), 0);
    /* certified: only the train:cert intervals */
    assert_int_equal(match_ua(e, "Asterisk PBX certified/18.9-cert5", &h), 2);
    assert_string_equal(h.cve[0], "CVE-2023-49294");
    assert_string_equal(h.cve[1], "CVE-2024-42365");
    assert_string_equal(h.version[0], "18.9-cert5");
    assert_int_equal(match_ua(e, "Asterisk PBX certified-18.9-cert6", &h), 1);
    assert_string_equal(h.cve[0], "CVE-2024-42365");
    assert_int_equal(match_ua(e, "Asterisk PBX certified/18.9-cert11", &h), 0);
    /* a Debian build of a vulnerable release */
    assert_int_equal(match_ua(e, "Asterisk PBX 18.20.0~dfsg+~cs6.12.40431414-1", &h), 1);
}

/* FreePBX is matched as itself and, through its platform, as the Asterisk underneath. */
static void test_platform(void **state)
{
    env *e = *state;
    hits h;
    assert_int_equal(match_ua(e, "FPBX-16.0.40.7(18.20.0)", &h), 2);
    assert_string_equal(h.cve[0], "CVE-2023-49294"); /* file order: the Asterisk entry first */
    assert_string_equal(h.vendor[0], "Asterisk");
    assert_string_equal(h.version[0], "18.20.0");
    assert_string_equal(h.cve[1], "CVE-2025-57819");
    assert_string_equal(h.vendor[1], "FreePBX");
    assert_string_equal(h.version[1], "16.0.40.7");
    assert_int_equal(match_ua(e, "FPBX-17.0.3(21.0.1)", &h), 0);
    assert_int_equal(match_ua(e, "FPBX-17.0.2(21.0.1)", &h), 1);
    assert_string_equal(h.vendor[0], "FreePBX");
    assert_int_equal(match_ua(e, "FPBX-17.0.3(21.0.0)", &h), 1);
    assert_string_equal(h.vendor[0], "Asterisk");
    /* no platform named: only FreePBX's own entries */
    assert_int_equal(match_ua(e, "FPBX-16.0.40.7", &h), 1);
    assert_string_equal(h.cve[0], "CVE-2025-57819");
    /* a platform identity never consults the model pattern (entry 1: "^Asterisk PBX$") */
    vs_fingerprint fp = {0};
    snprintf(fp.vendor, sizeof fp.vendor, "FreePBX");
    snprintf(fp.model, sizeof fp.model, "FreePBX");
    snprintf(fp.version, sizeof fp.version, "99");
    snprintf(fp.platform_vendor, sizeof fp.platform_vendor, "Asterisk");
    snprintf(fp.platform_version, sizeof fp.platform_version, "18.9-cert10");
    memset(&h, 0, sizeof h);
    assert_int_equal(vs_catalogue_match(e->cat, &fp, collect, &h), 1);
    assert_string_equal(h.cve[0], "CVE-2024-42365");
    /* both identities affected by one entry: reported once, as the device's own */
    snprintf(fp.vendor, sizeof fp.vendor, "Asterisk");
    snprintf(fp.model, sizeof fp.model, "Asterisk PBX");
    snprintf(fp.version, sizeof fp.version, "18.20.0");
    snprintf(fp.platform_version, sizeof fp.platform_version, "18.19.0");
    memset(&h, 0, sizeof h);
    assert_int_equal(vs_catalogue_match(e->cat, &fp, collect, &h), 1);
    assert_string_equal(h.version[0], "18.20.0");
}

static void test_models_and_aliases(void **state)
{
    env *e = *state;
    hits h;
    /* the catalogue says "Polycom", the fingerprint "Poly" */
    assert_int_equal(match_ua(e, "PolycomVVX-VVX_410-UA/5.3.1", &h), 1);
    assert_string_equal(h.cve[0], "CVE-2021-41322");
    assert_string_equal(h.vendor[0], "Poly");
    assert_int_equal(match_ua(e, "PolycomVVX-VVX_400-UA/5.3.1.0", &h), 1); /* = with a zero */
    assert_int_equal(match_ua(e, "PolycomVVX-VVX_410-UA/5.3.1.1", &h), 0);
    assert_int_equal(match_ua(e, "PolycomVVX-VVX_500-UA/5.3.1", &h), 0); /* model */
    /* letter suffix at the bound; model pattern anchored */
    assert_int_equal(match_ua(e, "Cisco/SPA504G-7.6.2b", &h), 1);
    assert_string_equal(h.cve[0], "FIXTURE-SPA-1");
    assert_int_equal(match_ua(e, "Cisco/SPA504G-7.6.2", &h), 1);
    assert_int_equal(match_ua(e, "Cisco/SPA504G-7.6.2c", &h), 0);
    assert_int_equal(match_ua(e, "Linksys/SPA-509G-7.5.5", &h), 1); /* Linksys is Cisco */
    assert_int_equal(match_ua(e, "Cisco/SPA122-1.4.1(SR5)", &h), 0);
    /* unanchored pattern, case-insensitive, four-part bound */
    assert_int_equal(match_ua(e, "Yealink SIP-T46S 66.86.0.9", &h), 1);
    assert_int_equal(match_ua(e, "Yealink SIP-t48s 66.86.0.14", &h), 1);
    assert_int_equal(match_ua(e, "Yealink SIP-T46S 66.86.0.15", &h), 0);
    assert_int_equal(match_ua(e, "Yealink SIP-T46U 66.86.0.9", &h), 0);
    /* FreeSWITCH build tails, Kamailio "*" */
    assert_int_equal(match_ua(e, "FreeSWITCH-mod_sofia/1.10.6-release~64bit", &h), 1);
    assert_int_equal(match_ua(e, "FreeSWITCH-mod_sofia/1.10.7-release~64bit", &h), 0);
    assert_int_equal(match_ua(e, "kamailio (5.6.3 (x86_64/linux))", &h), 1);
    assert_string_equal(h.cve[0], "FIXTURE-KAM-1");
    assert_int_equal(match_ua(e, "OpenSER (1.3.4-notls (i386/linux))", &h), 1);
}

/* A device whose version is unknown is never declared vulnerable, not even by "*". */
static void test_unknown_version(void **state)
{
    env *e = *state;
    hits h;
    assert_int_equal(match_ua(e, "Asterisk PBX", &h), 0);
    assert_int_equal(match_ua(e, "Asterisk PBX GIT-master-3e9fdab", &h), 0);
    assert_int_equal(match_ua(e, "FreeSWITCH", &h), 0);
    vs_fingerprint fp = {0};
    snprintf(fp.vendor, sizeof fp.vendor, "Kamailio");
    snprintf(fp.model, sizeof fp.model, "Kamailio");
    assert_int_equal(vs_catalogue_match(e->cat, &fp, NULL, NULL), 0);
    snprintf(fp.version, sizeof fp.version, "devel");
    assert_int_equal(vs_catalogue_match(e->cat, &fp, NULL, NULL), 0);
    snprintf(fp.version, sizeof fp.version, "5.8.0");
    assert_int_equal(vs_catalogue_match(e->cat, &fp, NULL, NULL), 1);
    /* no vendor: nothing */
    memset(&fp, 0, sizeof fp);
    snprintf(fp.version, sizeof fp.version, "1.0");
    assert_int_equal(vs_catalogue_match(e->cat, &fp, NULL, NULL), 0);
}

static void test_stop_and_null(void **state)
{
    env *e = *state;
    vs_fingerprint fp;
    const char *ua = "Asterisk PBX certified/18.9-cert5";
    assert_true(vs_fp_match(e->rules, ua, strlen(ua), &fp));
    hits h = {.stop_after = 1};
    assert_int_equal(vs_catalogue_match(e->cat, &fp, collect, &h), 1);
    assert_int_equal(h.n, 1);
    assert_int_equal(vs_catalogue_match(e->cat, &fp, NULL, NULL), 2);
    assert_int_equal(vs_catalogue_match(NULL, &fp, NULL, NULL), 0);
    assert_int_equal(vs_catalogue_match(e->cat, NULL, NULL, NULL), 0);
}

/* The user's file adds to the built-in one; entries keep their own file and line. */
static void test_several_files(void **state)
{
    env *e = *state;
    char err[512];
    const char *paths[] = {FIX "catalogue.tsv", FIX "catalogue-user.tsv"};
    vs_catalogue *cat = vs_catalogue_load(paths, 2, err, sizeof err);
    assert_non_null(cat);
    assert_int_equal(vs_catalogue_count(cat), 9);
    const vs_vuln *v = vs_catalogue_entry(cat, 8);
    assert_string_equal(v->file, FIX "catalogue-user.tsv");
    assert_int_equal(v->line, 2);
    vs_fingerprint fp;
    assert_true(vs_fp_match(e->rules, "snomD785/10.1.73.15", 19, &fp));
    assert_int_equal(vs_catalogue_match(cat, &fp, NULL, NULL), 1);
    assert_true(vs_fp_match(e->rules, "snomD785/10.1.73.16", 19, &fp));
    assert_int_equal(vs_catalogue_match(cat, &fp, NULL, NULL), 0);
    vs_catalogue_free(cat);
}

static void test_bad_files(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        unsigned line;
        const char *why;
    } bad[] = {
        {"bad-cat-range.tsv", 3,
         "bad affected range '<18.20.1 garbage': 'garbage' is not a "
         "constraint"},
        {"bad-cat-train.tsv", 1,
         "bad affected range '<18.9-cert11': 18.9-cert11 belongs to "
         "another release train"},
        {"bad-cat-severity.tsv", 1, "unknown severity 'severe'"},
        {"bad-cat-regex.tsv", 1, "bad model_pattern 'SPA(5':"},
        {"bad-cat-cve.tsv", 1, "'CVE-15-0670' is not a CVE id"},
        {"bad-cat-columns.tsv", 2, "expected 8 tab-separated fields, found 7"},
        {"bad-cat-source.tsv", 1, "empty source"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char path[512], want[600], err[512];
        snprintf(path, sizeof path, FIX "%s", bad[i].file);
        snprintf(want, sizeof want, "%s:%u: %s", path, bad[i].line, bad[i].why);
        const char *paths[] = {FIX "catalogue.tsv", path};
        vs_catalogue *cat = vs_catalogue_load(paths, 2, err, sizeof err);
        if (cat)
            fail_msg("%s loaded", bad[i].file);
        if (strncmp(err, want, strlen(want)) != 0)
            fail_msg("%s: got '%s', want '%s...'", bad[i].file, err, want);
    }
    char err[512];
    const char *missing[] = {FIX "absent.tsv"};
    assert_null(vs_catalogue_load(missing, 1, err, sizeof err));
    assert_non_null(strstr(err, "absent.tsv: No such file"));
    assert_null(vs_catalogue_load(NULL, 0, err, sizeof err));
    assert_string_equal(err, "no catalogue file given");
    assert_null(vs_catalogue_load(missing, 1, NULL, 0));
}

static bool cve_form(const char *s)
{
    if (strncmp(s, "CVE-", 4) != 0)
        return false;
    for (int i = 4; i < 8; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    if (s[8] != '-' || !isdigit((unsigned char)s[9]))
        return false;
    for (s += 9; *s; s++)
        if (!isdigit((unsigned char)*s))
            return false;
    return true;
}

/* The shipped catalogue (written alongside this code): it loads, it is substantial, every entry
 * names a CVE and a source, and real fingerprints find entries in it. */
static void test_real_catalogue(void **state)
{
    env *e = *state;
    if (access(REAL_CATALOGUE, R_OK) != 0) {
        print_message("%s absent: skipped\n", REAL_CATALOGUE);
        skip();
    }
    char err[512];
    const char *paths[] = {REAL_CATALOGUE};
    vs_catalogue *cat = vs_catalogue_load(paths, 1, err, sizeof err);
    if (!cat)
        fail_msg("%s", err);
    size_t n = vs_catalogue_count(cat);
    assert_true(n >= 30);
    for (size_t i = 0; i < n; i++) {
        const vs_vuln *v = vs_catalogue_entry(cat, i);
        if (!cve_form(v->cve))
            fail_msg("%s:%u: '%s' is not a CVE id", v->file, v->line, v->cve);
        if (!v->source[0])
            fail_msg("%s:%u: no source", v->file, v->line);
    }
    /* Asterisk 18.20.0 predates the fixes of several AMI advisories (e.g. CVE-2024-42365, fixed
     * in 18.24.2); a FreePBX on it inherits them through its platform. */
    vs_fingerprint fp;
    assert_true(vs_fp_match(e->rules, "Asterisk PBX 18.20.0", 20, &fp));
    size_t direct = vs_catalogue_match(cat, &fp, NULL, NULL);
    assert_true(direct >= 1);
    const char *fpbx = "FPBX-16.0.40.7(18.20.0)";
    assert_true(vs_fp_match(e->rules, fpbx, strlen(fpbx), &fp));
    assert_true(vs_catalogue_match(cat, &fp, NULL, NULL) >= direct);
    vs_catalogue_free(cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_fields),     cmocka_unit_test(test_asterisk_trains),
        cmocka_unit_test(test_platform),        cmocka_unit_test(test_models_and_aliases),
        cmocka_unit_test(test_unknown_version), cmocka_unit_test(test_stop_and_null),
        cmocka_unit_test(test_several_files),   cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_real_catalogue),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
