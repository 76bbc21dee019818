/* libFuzzer target: the firmware module on hostile text — fingerprinting a User-Agent/Server
 * value with the built-in rules (vs_fp_match), matching the result against the built-in
 * catalogue, comparing two versions (vs_version_cmp, vs_version_train) and testing a version
 * against a range expression (vs_version_in_range).
 *
 * The input is split at its first newline into A and B: A is fingerprinted, A and B are compared
 * both ways under each vendor scheme, and A is tested against B as a range. Besides memory
 * safety it checks that comparison is antisymmetric and reflexive, that a range answer is 0, 1
 * or VS_E_PARSE, and that every fingerprint field is terminated. */
#include <voipsec/firmware.h>

#include "fuzz_common.h"

const char *const vs_fuzz_corpus_dirs[] = {NULL};

static const char *const vendors[] = {NULL, "Asterisk", "Cisco", "FreeSWITCH", "Yealink", "Poly"};

static vs_fp_rules *rules;
static vs_catalogue *catalogue;

static void load_data(void)
{
    static int loaded;
    if (loaded)
        return;
    loaded = 1;
    char err[512];
    const char *fp = VS_FUZZ_DATA_DIR "/fingerprints.tsv";
    const char *cat = VS_FUZZ_DATA_DIR "/firmware-catalogue.tsv";
    rules = vs_fp_rules_load(&fp, 1, err, sizeof err);
    catalogue = vs_catalogue_load(&cat, 1, err, sizeof err);
    VS_FUZZ_CHECK(rules != NULL && catalogue != NULL);
}

static bool count_vuln(void *ctx, const vs_vuln *v, const char *vendor, const char *version)
{
    vs_fuzz_touch_str(v->cve);
    vs_fuzz_touch_str(vendor);
    vs_fuzz_touch_str(version);
    (*(size_t *)ctx)++;
    return true;
}

static void check_terminated(const char *field, size_t size)
{
    VS_FUZZ_CHECK(memchr(field, '\0', size) != NULL);
    vs_fuzz_touch_str(field);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    load_data();
    char *buf = vs_fuzz_dup(data, size);
    vs_fingerprint fp;
    if (vs_fp_match(rules, buf, size, &fp)) {
        check_terminated(fp.vendor, sizeof fp.vendor);
        check_terminated(fp.model, sizeof fp.model);
        check_terminated(fp.version, sizeof fp.version);
        check_terminated(fp.kind, sizeof fp.kind);
        check_terminated(fp.platform_vendor, sizeof fp.platform_vendor);
        check_terminated(fp.platform_version, sizeof fp.platform_version);
        check_terminated(fp.rule, sizeof fp.rule);
        size_t n = 0;
        size_t matched = vs_catalogue_match(catalogue, &fp, count_vuln, &n);
        VS_FUZZ_CHECK(matched == n);
    }
    free(buf);

    /* A and B as C strings (bytes after a NUL are simply not part of them). */
    const uint8_t *nl = memchr(data, '\n', size);
    size_t alen = nl ? (size_t)(nl - data) : size;
    size_t blen = nl ? size - alen - 1 : 0;
    char *a = malloc(alen + 1), *b = malloc(blen + 1);
    if (!a || !b)
        abort();
    memcpy(a, data, alen);
    a[alen] = '\0';
    if (blen)
        memcpy(b, nl + 1, blen);
    b[blen] = '\0';
    for (size_t i = 0; i < sizeof vendors / sizeof vendors[0]; i++) {
        int ab = vs_version_cmp(vendors[i], a, b), ba = vs_version_cmp(vendors[i], b, a);
        VS_FUZZ_CHECK((ab < 0) == (ba > 0) && (ab == 0) == (ba == 0));
        VS_FUZZ_CHECK(vs_version_cmp(vendors[i], a, a) == 0);
        char train[16];
        vs_version_train(vendors[i], a, train, sizeof train);
        VS_FUZZ_CHECK(memchr(train, '\0', sizeof train) != NULL);
        int in = vs_version_in_range(vendors[i], a, b);
        VS_FUZZ_CHECK(in == 0 || in == 1 || in == VS_E_PARSE);
    }
    free(a);
    free(b);
    return 0;
}
