/* Unit tests of the fingerprint rules (src/firmware/fingerprint.c) with the real rule file
 * data/fingerprints.tsv: real User-Agent / Server values of every vendor voipsec knows, the user's
 * rules winning over built-in ones, strict loading ("FILE:LINE: what is wrong"), and inputs that
 * are not NUL-terminated, placed right before an unreadable page. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <voipsec/firmware.h>

#include "guard.h"

#define RULES VS_SOURCE_DIR "/data/fingerprints.tsv"
#define FIX VS_SOURCE_DIR "/tests/fixtures/firmware/"

static vs_fp_rules *load1(const char *path)
{
    char err[512];
    const char *paths[] = {path};
    vs_fp_rules *r = vs_fp_rules_load(paths, 1, err, sizeof err);
    if (!r)
        fail_msg("%s", err);
    return r;
}

/* Fingerprints ua placed right before a guard page (no NUL after it). */
static bool match_guarded(const vs_fp_rules *r, const char *ua, vs_fingerprint *fp)
{
    size_t n = strlen(ua);
    char *g = vs_guard_copy(ua, n);
    bool ok = vs_fp_match(r, g, n, fp);
    vs_guard_free(g, n);
    return ok;
}

typedef struct ua_case {
    const char *ua;
    const char *rule, *vendor, *kind, *model, *version, *pvendor, *pversion;
} ua_case;

/* Real values (sources in data/fingerprints.tsv and docs/firmware.md). */
static const ua_case cases[] = {
    /* Yealink */
    {"Yealink SIP-T46S 66.86.0.15", "yealink", "Yealink", "phone", "SIP-T46S", "66.86.0.15", "",
     ""},
    {"Yealink SIP-T21P_E2 52.84.0.15", "yealink", "Yealink", "phone", "SIP-T21P_E2", "52.84.0.15",
     "", ""},
    {"Yealink W60B 77.83.0.85", "yealink", "Yealink", "phone", "W60B", "77.83.0.85", "", ""},
    {"Yealink W52P 25.73.0.40", "yealink", "Yealink", "phone", "W52P", "25.73.0.40", "", ""},
    {"Yealink SIP-T46G 28.82.0.20", "yealink", "Yealink", "phone", "SIP-T46G", "28.82.0.20", "",
     ""},
    {"Yealink SIP-T28P 2.72.14.2 00:15:65:18:72:eb", "yealink", "Yealink", "phone", "SIP-T28P",
     "2.72.14.2", "", ""},
    {"Yealink SIP VP-T49G 51.80.0.10", "yealink.vp", "Yealink", "phone", "SIP VP-T49G",
     "51.80.0.10", "", ""},
    /* Poly / Polycom */
    {"PolycomVVX-VVX_410-UA/5.9.5.0614", "poly", "Poly", "phone", "VVX 410", "5.9.5.0614", "", ""},
    {"PolycomSoundPointIP-SPIP_331-UA/4.0.15.1009", "poly", "Poly", "phone", "SPIP 331",
     "4.0.15.1009", "", ""},
    {"PolycomSoundPointIP-SPIP_450-UA/3.3.4.0085", "poly", "Poly", "phone", "SPIP 450",
     "3.3.4.0085", "", ""},
    {"PolycomRealPresenceTrio-Trio_8800-UA/7.2.2.1094", "poly", "Poly", "phone", "Trio 8800",
     "7.2.2.1094", "", ""},
    {"PolyEdge-Edge_E350-UA/8.3.1.0614_f04ea4691c59", "poly", "Poly", "phone", "Edge E350",
     "8.3.1.0614", "", ""},
    {"Poly/CCX_600-UA/7.1.2.2011", "poly", "Poly", "phone", "CCX 600", "7.1.2.2011", "", ""},
    {"FileTransport PolycomVVX-VVX_500-UA/5.9.7.4477 Type/Application", "poly", "Poly", "phone",
     "VVX 500", "5.9.7.4477", "", ""},
    {"Polycom/5.5.0.20556 PolycomVVX-VVX_500-UA/5.5.0.20556", "poly", "Poly", "phone", "VVX 500",
     "5.5.0.20556", "", ""},
    /* Cisco SPA, Linksys, ATA */
    {"Cisco/SPA504G-7.6.2c", "cisco.spa", "Cisco", "phone", "SPA504G", "7.6.2c", "", ""},
    {"Cisco/SPA525G-7.4.9a", "cisco.spa", "Cisco", "phone", "SPA525G", "7.4.9a", "", ""},
    {"Cisco/SPA501G-7.4.4 (8843E157DDCC)(CBT141100HR)", "cisco.spa", "Cisco", "phone", "SPA501G",
     "7.4.4", "", ""},
    {"Linksys/SPA941-5.1.8", "cisco.spa", "Cisco", "phone", "SPA941", "5.1.8", "", ""},
    {"Linksys/SPA-942-6.1.5(a) (88019FA42805)", "cisco.spa", "Cisco", "phone", "SPA942", "6.1.5(a)",
     "", ""},
    {"Cisco/SPA122-1.4.1(SR5)", "cisco.spa.ata", "Cisco", "ata", "SPA122", "1.4.1(SR5)", "", ""},
    {"Linksys/PAP2T-5.1.6(LS)", "linksys.pap", "Cisco", "ata", "PAP2T", "5.1.6(LS)", "", ""},
    {"Cisco-ATA191-MPP/11-1-0MSR3-9", "cisco.ata", "Cisco", "ata", "ATA191", "11-1-0MSR3-9", "",
     ""},
    {"Cisco ATA 186  v3.1.0 atasip (040211A)", "cisco.ata.old", "Cisco", "ata", "ATA186", "3.1.0",
     "", ""},
    /* Cisco IP phones: multiplatform and enterprise */
    {"Cisco-CP-8841-3PCC/11.0 (00562b043615)", "cisco.mpp", "Cisco", "phone", "CP-8841-3PCC",
     "11.0", "", ""},
    {"Cisco-CP-8851-3PCC/11.3.7_MPP_0001", "cisco.mpp", "Cisco", "phone", "CP-8851-3PCC", "11.3.7",
     "", ""},
    {"Cisco-CP8845/14.1.1", "cisco.cp", "Cisco", "phone", "CP-8845", "14.1.1", "", ""},
    {"Cisco-CP8865NR/14.2.1", "cisco.cp", "Cisco", "phone", "CP-8865NR", "14.2.1", "", ""},
    {"Cisco-CP7960G/8.0", "cisco.cp", "Cisco", "phone", "CP-7960G", "8.0", "", ""},
    /* Grandstream */
    {"Grandstream GXP2170 1.0.11.23", "grandstream", "Grandstream", "phone", "GXP2170", "1.0.11.23",
     "", ""},
    {"Grandstream HT801 1.0.43.11", "grandstream.ht", "Grandstream", "ata", "HT801", "1.0.43.11",
     "", ""},
    {"Grandstream HT-503  V1.1B 1.0.10.9  chip V2.2", "grandstream.ht", "Grandstream", "ata",
     "HT503", "1.0.10.9", "", ""},
    {"Grandstream UCM6102V1.6A 1.0.14.21", "grandstream.ucm", "Grandstream", "pbx", "UCM6102",
     "1.0.14.21", "", ""},
    /* Snom */
    {"snom720/10.1.54.13", "snom", "Snom", "phone", "720", "10.1.54.13", "", ""},
    {"snomD785/10.1.73.16", "snom", "Snom", "phone", "D785", "10.1.73.16", "", ""},
    {"snomD785-SIP 10.1.169.16", "snom", "Snom", "phone", "D785", "10.1.169.16", "", ""},
    {"snom105-3.56p", "snom", "Snom", "phone", "105", "3.56p", "", ""},
    {"snom", "snom.bare", "Snom", "phone", "", "", "", ""},
    /* Fanvil */
    {"Fanvil X4U 2.12.0.6856 0c383e63963b", "fanvil", "Fanvil", "phone", "X4U", "2.12.0.6856", "",
     ""},
    {"Fanvil X5U-V2 2.12.1 0c3800000000", "fanvil", "Fanvil", "phone", "X5U-V2", "2.12.1", "", ""},
    /* Avaya */
    {"Avaya one-X Deskphone 7.1.15.1.3 b4475ea2e9a0", "avaya.96x1", "Avaya", "phone",
     "one-X Deskphone", "7.1.15.1.3", "", ""},
    {"Avaya one-X Deskphone", "avaya.96x1", "Avaya", "phone", "one-X Deskphone", "", "", ""},
    {"Avaya H175 Collaboration Station H1xx_SIP-R1_0_2_3_3050.tar", "avaya.h1xx", "Avaya", "phone",
     "H175", "1_0_2_3_3050", "", ""},
    {"Avaya IX Workplace", "avaya.workplace", "Avaya", "softphone", "IX Workplace", "", "", ""},
    {"Avaya-SM/7.1.3.0", "avaya.sm", "Avaya", "proxy", "Session Manager", "7.1.3.0", "", ""},
    /* Mitel / Aastra */
    {"Mitel 6930/6.4.0.132", "mitel", "Mitel", "phone", "6930", "6.4.0.132", "", ""},
    {"Aastra 6757i/3.3.1.4305", "mitel", "Mitel", "phone", "6757i", "3.3.1.4305", "", ""},
    {"Mitel-6920-SIP/6.4.0.140", "mitel", "Mitel", "phone", "6920", "6.4.0.140", "", ""},
    /* Asterisk, FreePBX */
    {"Asterisk PBX 18.20.0", "asterisk", "Asterisk", "pbx", "Asterisk PBX", "18.20.0", "", ""},
    {"Asterisk PBX certified/18.9-cert11", "asterisk.cert", "Asterisk", "pbx", "Asterisk PBX",
     "18.9-cert11", "", ""},
    {"Asterisk PBX certified-20.7-cert4", "asterisk.cert", "Asterisk", "pbx", "Asterisk PBX",
     "20.7-cert4", "", ""},
    {"Asterisk PBX 16.2.1~dfsg-1+deb10u2", "asterisk", "Asterisk", "pbx", "Asterisk PBX",
     "16.2.1~dfsg-1+deb10u2", "", ""},
    {"Asterisk PBX", "asterisk.other", "Asterisk", "pbx", "Asterisk PBX", "", "", ""},
    {"FPBX-16.0.40.7(18.20.0)", "freepbx", "FreePBX", "pbx", "FreePBX", "16.0.40.7", "Asterisk",
     "18.20.0"},
    {"FPBX-15.0.16.42(16.6.2)", "freepbx", "FreePBX", "pbx", "FreePBX", "15.0.16.42", "Asterisk",
     "16.6.2"},
    {"FPBX-15.0.17", "freepbx.bare", "FreePBX", "pbx", "FreePBX", "15.0.17", "", ""},
    /* FreeSWITCH */
    {"FreeSWITCH-mod_sofia/1.10.7-release~64bit", "freeswitch", "FreeSWITCH", "pbx", "FreeSWITCH",
     "1.10.7", "", ""},
    {"FreeSWITCH-mod_sofia/1.6.12-20-b91a0a6~64bit", "freeswitch", "FreeSWITCH", "pbx",
     "FreeSWITCH", "1.6.12", "", ""},
    {"FreeSWITCH-mod_sofia/"
     "1.10.12-release-10222002881-a88d069d6f+git~20240802T210227Z~a88d069d6f~64bit",
     "freeswitch", "FreeSWITCH", "pbx", "FreeSWITCH", "1.10.12", "", ""},
    /* Kamailio, OpenSIPS, SER */
    {"kamailio (5.6.3 (x86_64/linux))", "kamailio", "Kamailio", "proxy", "Kamailio", "5.6.3", "",
     ""},
    {"Kamailio (1.5.4-notls (i386/linux))", "kamailio", "Kamailio", "proxy", "Kamailio",
     "1.5.4-notls", "", ""},
    {"OpenSER (1.3.4-notls (i386/linux))", "openser", "Kamailio", "proxy", "OpenSER", "1.3.4-notls",
     "", ""},
    {"OpenSIPS (3.2.5 (x86_64/linux))", "opensips", "OpenSIPS", "proxy", "OpenSIPS", "3.2.5", "",
     ""},
    {"OpenSIPS (3.1.0-dev (x86_64/linux))", "opensips", "OpenSIPS", "proxy", "OpenSIPS",
     "3.1.0-dev", "", ""},
    {"Sip EXpress router (0.8.12 (i386/linux))", "ser", "SER", "proxy", "SIP Express Router",
     "0.8.12", "", ""},
    /* 3CX */
    {"3CXPhoneSystem 18.0.8.960 (961)", "3cx", "3CX", "pbx", "3CX Phone System", "18.0.8.960", "",
     ""},
    {"3CX", "3cx.bare", "3CX", "pbx", "3CX Phone System", "", "", ""},
    {"3CXPhone 16.0.1.81", "3cx.phone", "3CX", "softphone", "3CXPhone", "16.0.1.81", "", ""},
    /* softphones */
    {"baresip v1.0.0 (x86_64/Linux)", "baresip", "baresip", "softphone", "baresip", "1.0.0", "",
     ""},
    {"Zoiper rv2.10.3.2", "zoiper", "Zoiper", "softphone", "Zoiper", "2.10.3.2", "", ""},
    {"Z 5.5.5 rv2.10.16.6", "zoiper5", "Zoiper", "softphone", "Zoiper", "5.5.5", "", ""},
    {"MicroSIP/3.21.3", "microsip", "MicroSIP", "softphone", "MicroSIP", "3.21.3", "", ""},
    {"Linphone/3.6.1 (eXosip2/4.1.0)", "linphone", "Linphone", "softphone", "Linphone", "3.6.1", "",
     ""},
    {"X-Lite release 1103m", "xlite", "CounterPath", "softphone", "X-Lite", "1103m", "", ""},
    /* seen in the shared captures */
    {"Alcatel-Lucent 8001 DeskPhone V4.2.0.0 11273", "alcatel.deskphone", "Alcatel-Lucent", "phone",
     "8001 DeskPhone", "4.2.0.0", "", ""},
    {"OmniPCX Enterprise R11.2.2 l2.300.34.a", "alcatel.oxe", "Alcatel-Lucent", "pbx",
     "OmniPCX Enterprise", "11.2.2", "", ""},
};

static void test_real_values(void **state)
{
    (void)state;
    vs_fp_rules *r = load1(RULES);
    assert_true(vs_fp_rules_count(r) >= 40);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const ua_case *c = &cases[i];
        vs_fingerprint fp;
        if (!match_guarded(r, c->ua, &fp))
            fail_msg("no rule matched '%s'", c->ua);
        if (strcmp(fp.rule, c->rule) || strcmp(fp.vendor, c->vendor) || strcmp(fp.kind, c->kind) ||
            strcmp(fp.model, c->model) || strcmp(fp.version, c->version) ||
            strcmp(fp.platform_vendor, c->pvendor) || strcmp(fp.platform_version, c->pversion))
            fail_msg("'%s': got rule=%s vendor=%s kind=%s model='%s' version='%s' platform=%s/%s",
                     c->ua, fp.rule, fp.vendor, fp.kind, fp.model, fp.version, fp.platform_vendor,
                     fp.platform_version);
    }
    vs_fp_rules_free(r);
}

/* Values no rule claims: scanners, unknown devices, blanks. */
static void test_no_match(void **state)
{
    (void)state;
    vs_fp_rules *r = load1(RULES);
    static const char *const none[] = {"friendly-scanner",
                                       "sipcli/v1.8",
                                       "VaxSIPUserAgent/3.1",
                                       "Yealinkish 1.0",
                                       "Nero SIPPS IP Phone Version 2.0.51.16",
                                       "xsnom720/10.1.54.13",
                                       "FreeSWITCHx"};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        vs_fingerprint fp;
        memset(&fp, 'x', sizeof fp); /* a miss clears out */
        if (match_guarded(r, none[i], &fp))
            fail_msg("'%s' matched rule %s", none[i], fp.rule);
        assert_string_equal(fp.vendor, "");
        assert_string_equal(fp.rule, "");
    }
    vs_fingerprint fp;
    assert_false(vs_fp_match(r, "", 0, &fp));
    assert_false(vs_fp_match(r, "   \t ", 5, &fp));
    assert_false(vs_fp_match(r, NULL, 4, &fp));
    assert_false(vs_fp_match(NULL, "snom", 4, &fp));
    assert_string_equal(fp.vendor, "");
    vs_fp_rules_free(r);
}

/* n bytes count, not the NUL: trailing garbage outside n is never seen; blanks and CRLF around the
 * value are trimmed. */
static void test_length_and_blanks(void **state)
{
    (void)state;
    vs_fp_rules *r = load1(RULES);
    vs_fingerprint fp;
    const char *s = "Yealink SIP-T46S 66.86.0.15GARBAGE";
    assert_true(vs_fp_match(r, s, strlen("Yealink SIP-T46S 66.86.0.15"), &fp));
    assert_string_equal(fp.version, "66.86.0.15");
    assert_true(match_guarded(r, "  snomD785/10.1.73.16\r\n", &fp));
    assert_string_equal(fp.model, "D785");
    assert_string_equal(fp.version, "10.1.73.16");
    /* only n bytes are the value: "snomX" cut to 4 bytes is "snom", which "^snom$" matches */
    assert_true(vs_fp_match(r, "snomX", 4, &fp));
    assert_string_equal(fp.rule, "snom.bare");
    /* out may be NULL */
    assert_true(vs_fp_match(r, "snom", 4, NULL));

    /* a value longer than the 1023 bytes looked at: the head still fingerprints */
    size_t n = 5000;
    char *big = malloc(n);
    assert_non_null(big);
    memset(big, 'A', n);
    memcpy(big, "Grandstream GXP2170 1.0.11.23 ", 30);
    char *g = vs_guard_copy(big, n);
    assert_true(vs_fp_match(r, g, n, &fp));
    assert_string_equal(fp.model, "GXP2170");
    vs_guard_free(g, n);
    free(big);
    vs_fp_rules_free(r);
}

/* The user's file first: its rule wins over the built-in one; built-in first: the reverse. */
static void test_user_rules_first(void **state)
{
    (void)state;
    char err[512];
    const char *user_first[] = {FIX "user-rules.tsv", RULES};
    vs_fp_rules *r = vs_fp_rules_load(user_first, 2, err, sizeof err);
    assert_non_null(r);
    vs_fingerprint fp;
    assert_true(match_guarded(r, "Yealink SIP-T46S 66.86.0.15-site", &fp));
    assert_string_equal(fp.rule, "site.yealink");
    assert_string_equal(fp.model, "T46S (site build)");
    assert_string_equal(fp.version, "66.86.0.15");
    /* values the user file does not claim still reach the built-in rules */
    assert_true(match_guarded(r, "Yealink SIP-T46S 66.86.0.15", &fp));
    assert_string_equal(fp.rule, "yealink");
    /* "\\" in a template is one backslash */
    assert_true(match_guarded(r, "EXGW 7/1.2.3", &fp));
    assert_string_equal(fp.model, "GW\\7");
    assert_string_equal(fp.version, "1.2.3");
    assert_string_equal(fp.kind, "gateway");
    /* a captured platform vendor is canonicalized */
    assert_true(match_guarded(r, "EXPBX 2.0 on Polycom 5.9", &fp));
    assert_string_equal(fp.platform_vendor, "Poly");
    assert_string_equal(fp.platform_version, "5.9");
    size_t both = vs_fp_rules_count(r);
    vs_fp_rules_free(r);

    const char *builtin_first[] = {RULES, FIX "user-rules.tsv"};
    r = vs_fp_rules_load(builtin_first, 2, err, sizeof err);
    assert_non_null(r);
    assert_int_equal(vs_fp_rules_count(r), both);
    assert_true(match_guarded(r, "Yealink SIP-T46S 66.86.0.15-site", &fp));
    assert_string_equal(fp.rule, "yealink");
    assert_string_equal(fp.model, "SIP-T46S");
    vs_fp_rules_free(r);
}

/* Every bad line fails the load with "FILE:LINE: what is wrong". */
static void test_bad_files(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        unsigned line;
        const char *why;
    } bad[] = {
        {"bad-regex.tsv", 3, "bad regular expression"},
        {"bad-kind.tsv", 2, "unknown kind 'toaster'"},
        {"bad-columns.tsv", 2, "expected 8 tab-separated fields, found 5"},
        {"bad-template.tsv", 4,
         "version template refers to group \\3 but the regular expression "
         "has 2"},
        {"bad-alias.tsv", 1, "unknown vendor scheme: 'Polycom' is an alias, write 'Poly'"},
        {"bad-dup.tsv", 2, "duplicate rule id 'same'"},
        {"bad-escape.tsv", 1, "model template: a backslash must be followed by 1..9"},
        {"bad-platform.tsv", 1, "platform_version given without platform_vendor"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char path[512], want[600], err[512];
        snprintf(path, sizeof path, FIX "%s", bad[i].file);
        snprintf(want, sizeof want, "%s:%u: %s", path, bad[i].line, bad[i].why);
        const char *paths[] = {RULES, path};
        strcpy(err, "untouched");
        vs_fp_rules *r = vs_fp_rules_load(paths, 2, err, sizeof err);
        if (r)
            fail_msg("%s loaded", bad[i].file);
        if (strncmp(err, want, strlen(want)) != 0)
            fail_msg("%s: got '%s', want '%s...'", bad[i].file, err, want);
    }
    char err[512];
    const char *missing[] = {FIX "no-such-file.tsv"};
    assert_null(vs_fp_rules_load(missing, 1, err, sizeof err));
    assert_non_null(strstr(err, "no-such-file.tsv: No such file"));
    assert_null(vs_fp_rules_load(NULL, 0, err, sizeof err));
    assert_string_equal(err, "no fingerprint rule file given");
    const char *null_path[] = {NULL};
    assert_null(vs_fp_rules_load(null_path, 1, NULL, 0)); /* err may be NULL */
    vs_fp_rules_free(NULL);
    assert_int_equal(vs_fp_rules_count(NULL), 0);
}

/* The fingerprint of one value depends only on the rules: the same answer every time. */
static void test_repeatable(void **state)
{
    (void)state;
    vs_fp_rules *r = load1(RULES);
    vs_fingerprint a, b;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_true(vs_fp_match(r, cases[i].ua, strlen(cases[i].ua), &a));
        assert_true(vs_fp_match(r, cases[i].ua, strlen(cases[i].ua), &b));
        assert_memory_equal(&a, &b, sizeof a);
    }
    vs_fp_rules_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_values),       cmocka_unit_test(test_no_match),
        cmocka_unit_test(test_length_and_blanks), cmocka_unit_test(test_user_rules_first),
        cmocka_unit_test(test_bad_files),         cmocka_unit_test(test_repeatable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
