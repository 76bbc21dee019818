/* Unit tests of version comparison, release trains and affected ranges (src/firmware/version.c):
 * numeric parts, letter suffixes, pre-release words, equivalent separators, vendor quirks
 * (FreeSWITCH build tails, Cisco MPP markers, Asterisk certified trains), non-versions, and range
 * expressions tested exactly at, below and above every bound. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <voipsec/firmware.h>

static int sgn(int v)
{
    return (v > 0) - (v < 0);
}

typedef struct cmp_case {
    const char *vendor, *a, *b;
    int want; /* -1, 0, 1 */
} cmp_case;

static const cmp_case cmps[] = {
    /* digits compare as numbers, not text */
    {NULL, "1.10", "1.9", 1},
    {NULL, "66.86.0.15", "66.86.0.9", 1},
    {NULL, "5.9.5.0614", "5.9.5.614", 0},
    {NULL, "1.0.20.52", "1.0.20.52", 0},
    {NULL, "18.20.0", "18.9.0", 1},
    {NULL, "123456789012345678901234567890", "123456789012345678901234567889", 1},
    /* mixed lengths: missing parts are zeros */
    {NULL, "1.10", "1.10.0", 0},
    {NULL, "1.10", "1.10.0.0", 0},
    {NULL, "19", "19.0.0", 0},
    {NULL, "1.10", "1.10.1", -1},
    {NULL, "1.10.0.0.1", "1.10", 1},
    /* separators are equivalent */
    {NULL, "11-3-7", "11.3.7", 0},
    {NULL, "1_0_2_3_3050", "1.0.2.3.3050", 0},
    {"Poly", "5.9.5.0614", "5_9_5-614", 0},
    /* letters after digits: a later letter is a later release, any letter after the number */
    {"Cisco", "7.6.2c", "7.6.2b", 1},
    {"Cisco", "7.6.2b", "7.6.2", 1},
    {"Cisco", "7.6.2", "7.6.2a", -1},
    {"Cisco", "7.6.2c", "7.6.3", -1},
    {"Cisco", "11-3-7SR1", "11-3-7", 1},
    {"Cisco", "11-3-7SR2", "11-3-7SR1", 1},
    {"Cisco", "11-3-7SR1", "11-3-8", -1},
    {"Cisco", "6.1.5(a)", "6.1.5", 1},
    {"Cisco", "6.1.5(a)", "6.1.5a", 0},
    {"Cisco", "1.4.1(SR5)", "1.4.1(SR4)", 1},
    {"Cisco", "7.6.2c", "7.6.2SR1", -1},     /* letter releases before service releases */
    {"Cisco", "7.6.2.1", "7.6.2c", 1},       /* a number after a word */
    {"Cisco", "1.4.1(SR5)", "1.4.1 SR5", 1}, /* after a blank: build metadata, ignored */
    {NULL, "7.6.2C", "7.6.2c", 0},
    /* Cisco: an MPP build marker and what follows it do not count */
    {"Cisco", "11-3-7MPP0001-609", "11.3.7", 0},
    {"Cisco", "11-3-7MPP0001-609", "11.3.7SR1", -1},
    {NULL, "11-3-7MPP0001-609", "11.3.7", 1}, /* generic: MPP is a letter suffix */
    /* pre-release words: dev < alpha < beta < rc < release */
    {NULL, "1.0.0-rc1", "1.0.0", -1},
    {NULL, "1.0.0-beta2", "1.0.0-rc1", -1},
    {NULL, "1.0.0-alpha", "1.0.0-beta", -1},
    {NULL, "5.8.0-dev1", "5.8.0-alpha1", -1},
    {NULL, "1.0.0-rc2", "1.0.0-rc10", -1},
    {NULL, "1.0-rc1", "1.0.0", -1},
    {NULL, "1.0.1", "1.0.0-rc1", 1},
    {NULL, "3.1.0-dev", "3.0.9", 1},
    {NULL, "1.0.0-RC1", "1.0.0-rc1", 0},
    /* words that do not change the version */
    {NULL, "1.10.7-release", "1.10.7", 0},
    {NULL, "1.5.4-notls", "1.5.4", 0},
    /* build metadata after '~', '+' or a blank is ignored */
    {"Asterisk", "16.2.1~dfsg-1+deb10u2", "16.2.1", 0},
    {NULL, "2.0.0+build7", "2.0.0", 0},
    {NULL, "66.86.0.15 001565aabbcc", "66.86.0.15", 0},
    /* FreeSWITCH: only the leading digits and dots */
    {"FreeSWITCH", "1.10.7-release~64bit", "1.10.7", 0},
    {"FreeSWITCH", "1.10.3-release-15-129de34d84~64bit", "1.10.3", 0},
    {"FreeSWITCH", "1.6.12-20-b91a0a6~64bit", "1.6.12", 0},
    {"FreeSWITCH", "1.10.7-release~64bit", "1.10.6", 1},
    {NULL, "1.10.3-release-15-129de34d84", "1.10.3", 1}, /* generic: the tail counts */
    /* Asterisk: "certified/" prefix, cert numbers compare numerically */
    {"Asterisk", "certified/18.9-cert11", "18.9-cert11", 0},
    {"Asterisk", "18.9-cert11", "18.9-cert6", 1},
    {"Asterisk", "18.9-cert2", "18.9-cert10", -1},
    {"Asterisk", "18.9-cert11", "18.9", 1},
    /* optional "v" / "r" in front */
    {NULL, "v1.0.0", "1.0.0", 0},
    {"Mitel", "R6.4.0", "6.4.0", 0},
    /* non-versions sort before every version and among themselves as text */
    {NULL, "", "0", -1},
    {NULL, "unknown", "0.0.1", -1},
    {NULL, "1.0", "GIT-master", 1},
    {NULL, NULL, "1.0", -1},
    {NULL, NULL, NULL, 0},
    {NULL, "abc", "abd", -1},
    {NULL, "x.1", "x.1", 0},
    /* aliases use the canonical vendor's rules */
    {"Linksys", "11-3-7MPP0001", "11.3.7", 0},
};

static void test_cmp(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cmps / sizeof cmps[0]; i++) {
        const cmp_case *c = &cmps[i];
        int got = sgn(vs_version_cmp(c->vendor, c->a, c->b));
        if (got != c->want)
            fail_msg("cmp(%s, '%s', '%s') = %d, want %d", c->vendor ? c->vendor : "NULL",
                     c->a ? c->a : "NULL", c->b ? c->b : "NULL", got, c->want);
        int back = sgn(vs_version_cmp(c->vendor, c->b, c->a));
        if (back != -c->want)
            fail_msg("cmp(%s, '%s', '%s') = %d: not antisymmetric", c->vendor ? c->vendor : "NULL",
                     c->b ? c->b : "NULL", c->a ? c->a : "NULL", back);
    }
}

/* A list in strictly ascending order: every pair compares as its positions do (which also checks
 * transitivity over the list). */
static void check_ascending(const char *vendor, const char *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            int want = (i > j) - (i < j);
            int got = sgn(vs_version_cmp(vendor, v[i], v[j]));
            if (got != want)
                fail_msg("%s: cmp('%s', '%s') = %d, want %d", vendor ? vendor : "generic", v[i],
                         v[j], got, want);
        }
}

static void test_orders(void **state)
{
    (void)state;
    static const char *const generic[] = {
        "not-a-version", "0.9",   "1.0.0-dev", "1.0.0-alpha1", "1.0.0-beta", "1.0.0-rc1",
        "1.0.0-rc2",     "1.0.0", "1.0.0a",    "1.0.0b",       "1.0.0.1",    "1.0.1",
        "1.2",           "1.10",  "2",         "10.0.0-rc1",   "10.0.0",     "100",
    };
    check_ascending(NULL, generic, sizeof generic / sizeof generic[0]);
    static const char *const cisco[] = {"7.5.5", "7.6.2",  "7.6.2a",    "7.6.2b",    "7.6.2c",
                                        "7.6.3", "11-3-7", "11-3-7SR1", "11-3-7SR2", "12.0.1"};
    check_ascending("Cisco", cisco, sizeof cisco / sizeof cisco[0]);
    static const char *const yealink[] = {"66.85.0.5",   "66.86.0.9", "66.86.0.15",
                                          "66.86.0.160", "66.86.1.0", "66.87.0.1"};
    check_ascending("Yealink", yealink, sizeof yealink / sizeof yealink[0]);
}

static void test_train(void **state)
{
    (void)state;
    char buf[16];
    vs_version_train("Asterisk", "18.9-cert11", buf, sizeof buf);
    assert_string_equal(buf, "cert");
    vs_version_train("Asterisk", "certified/16.8-cert14", buf, sizeof buf);
    assert_string_equal(buf, "cert");
    vs_version_train("Asterisk", "18.20.0", buf, sizeof buf);
    assert_string_equal(buf, "");
    vs_version_train("Asterisk", "18.9-cert", buf, sizeof buf); /* no number: not a cert release */
    assert_string_equal(buf, "");
    vs_version_train("Yealink", "18.9-cert11", buf, sizeof buf); /* trains are Asterisk's */
    assert_string_equal(buf, "");
    vs_version_train(NULL, "18.9-cert11", buf, sizeof buf);
    assert_string_equal(buf, "");
    vs_version_train("Asterisk", "GIT-master", buf, sizeof buf);
    assert_string_equal(buf, "");
    strcpy(buf, "zz");
    vs_version_train("Asterisk", "18.9-cert11", buf, 0); /* no room: untouched */
    assert_string_equal(buf, "zz");
    vs_version_train("Asterisk", "18.9-cert11", NULL, 16);
}

typedef struct range_case {
    const char *vendor, *version, *range;
    int want; /* 1 inside, 0 outside */
} range_case;

#define AST_CVE "<18.20.1; >=19 <20.5.1; =21.0.0; train:cert <18.9-cert6"

static const range_case ranges[] = {
    /* "<V": exactly at, one below, one above */
    {NULL, "1.10.6", "<1.10.7", 1},
    {NULL, "1.10.7", "<1.10.7", 0},
    {NULL, "1.10.8", "<1.10.7", 0},
    /* "<=V" */
    {NULL, "18.20.0", "<=18.20.0", 1},
    {NULL, "18.20.1", "<=18.20.0", 0},
    {NULL, "18.19.99", "<=18.20.0", 1},
    /* ">V" and ">=V" */
    {NULL, "5.0.6", ">5.0.6", 0},
    {NULL, "5.0.7", ">5.0.6", 1},
    {NULL, "5.0.6", ">=5.0.6", 1},
    {NULL, "5.0.5", ">=5.0.6", 0},
    /* "=V" */
    {NULL, "21.0.0", "=21.0.0", 1},
    {NULL, "21.0", "=21.0.0", 1}, /* mixed lengths are equal */
    {NULL, "21.0.1", "=21.0.0", 0},
    /* closed interval, both bounds */
    {NULL, "19.0.0", ">=19 <20.5.1", 1},
    {NULL, "18.99", ">=19 <20.5.1", 0},
    {NULL, "20.5.0", ">=19 <20.5.1", 1},
    {NULL, "20.5.1", ">=19 <20.5.1", 0},
    /* several intervals: any one is enough */
    {"Asterisk", "18.20.0", AST_CVE, 1},
    {"Asterisk", "18.20.1", AST_CVE, 0},
    {"Asterisk", "18.24.2", AST_CVE, 0},
    {"Asterisk", "19.0.0", AST_CVE, 1},
    {"Asterisk", "20.5.0", AST_CVE, 1},
    {"Asterisk", "20.5.1", AST_CVE, 0},
    {"Asterisk", "21.0.0", AST_CVE, 1},
    {"Asterisk", "21.0.1", AST_CVE, 0},
    /* the cert train: only "train:cert" intervals apply to it, and only to it */
    {"Asterisk", "18.9-cert5", AST_CVE, 1},
    {"Asterisk", "18.9-cert6", AST_CVE, 0},
    {"Asterisk", "18.9-cert7", AST_CVE, 0},
    {"Asterisk", "certified/18.9-cert1", AST_CVE, 1},
    {"Asterisk", "18.9-cert5", "<18.20.1", 0}, /* a main-line range does not cover cert */
    {"Asterisk", "18.9.0", "train:cert <18.9-cert6", 0},
    {"Asterisk", "18.9-cert11", "train:cert >=18.9-cert1 <18.9-cert11", 0},
    {"Asterisk", "18.9-cert10", "train:cert >=18.9-cert1 <18.9-cert11", 1},
    {"Asterisk", "20.7-cert1", "train:cert >=20 <20.7-cert2", 1},
    {"Asterisk", "18.9-cert1", "train:cert >=20 <20.7-cert2", 0},
    {"Asterisk", "18.9-cert3", "train:cert *", 1},
    {"Asterisk", "18.20.0", "train:cert *", 0},
    /* letter suffixes at the bound */
    {"Cisco", "7.6.2b", "<7.6.2c", 1},
    {"Cisco", "7.6.2c", "<7.6.2c", 0},
    {"Cisco", "7.6.2", "<7.6.2c", 1},
    {"Cisco", "7.6.2d", "<7.6.2c", 0},
    {"Cisco", "11-3-7", "<11-3-7SR1", 1},
    {"Cisco", "11.3.7SR1", "<11-3-7SR1", 0},
    {"Cisco", "11-3-7MPP0001-609", "<=11.3.7", 1},
    /* pre-releases sit below the release */
    {NULL, "5.4.0-rc1", "<5.4.0", 1},
    {"FreeSWITCH", "1.10.7-release~64bit", "<1.10.7", 0},
    {"FreeSWITCH", "1.10.6-release~64bit", "<1.10.7", 1},
    /* "*" is every version, of every train */
    {NULL, "0.0.1", "*", 1},
    {"Asterisk", "18.9-cert2", "*", 1},
    /* spacing is free around ';' and between constraints */
    {NULL, "2.0", "  <1.0 ;   >=2.0   <3.0  ", 1},
    /* a version that is not one is inside nothing, not even "*" */
    {NULL, "", "*", 0},
    {NULL, "unknown", "<99", 0},
    {NULL, NULL, "<99", 0},
};

static void test_in_range(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        const range_case *c = &ranges[i];
        int got = vs_version_in_range(c->vendor, c->version, c->range);
        if (got != c->want)
            fail_msg("in_range(%s, '%s', '%s') = %d, want %d", c->vendor ? c->vendor : "NULL",
                     c->version ? c->version : "NULL", c->range, got, c->want);
    }
}

static void test_malformed_ranges(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "   ",
        ";",
        "<1.0;",
        ";<1.0",
        "1.0",   /* no operator */
        "< 1.0", /* space between operator and version */
        "<",     /* no version */
        "<=",
        "=>1.0", /* not an operator */
        "<<1.0",
        "<abc", /* not a version */
        "<1.0 garbage",
        "* <1.0", /* '*' must stand alone */
        "<1.0 *",
        "* *",
        "train:cert",       /* a train without constraints */
        "train: <1.0",      /* empty train name */
        "train:c-e-r-t <1", /* bad train name */
        "train:averyveryverylongname <1",
        "<1.0 train:cert <2.0", /* train not first */
        "<18.9-cert11",         /* a cert version in a main-line interval (Asterisk) */
        ">=18 <18.9-cert11",
        "13.x",
        "cert <18.9-cert11",
        "<1.0,>2.0",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int got = vs_version_in_range("Asterisk", "1.0", bad[i]);
        if (got != VS_E_PARSE)
            fail_msg("in_range('%s') = %d, want VS_E_PARSE", bad[i], got);
        /* malformed whatever the version */
        assert_int_equal(vs_version_in_range("Asterisk", "not-a-version", bad[i]), VS_E_PARSE);
    }
    assert_int_equal(vs_version_in_range(NULL, "1.0", NULL), VS_E_PARSE);
    /* a cert bound is only special where cert is a train */
    assert_int_equal(vs_version_in_range("Yealink", "18.9", "<18.9-cert11"), 1);

    char big[1100];
    memset(big, ' ', sizeof big);
    memcpy(big, "<1.0", 4);
    big[sizeof big - 1] = '\0';
    assert_int_equal(vs_version_in_range(NULL, "0.5", big), VS_E_PARSE); /* over 1023 bytes */
    big[1000] = '\0';
    assert_int_equal(vs_version_in_range(NULL, "0.5", big), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cmp),
        cmocka_unit_test(test_orders),
        cmocka_unit_test(test_train),
        cmocka_unit_test(test_in_range),
        cmocka_unit_test(test_malformed_ranges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
