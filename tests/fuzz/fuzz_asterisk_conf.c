/* libFuzzer target: the Asterisk configuration reader on one in-memory file
 * (vs_conf_asterisk_load_mem: includes are recorded, never followed), with the default limits
 * and again with tight ones so that every limit path runs. Checks the contracts of conf.h:
 * positions inside the input, lines within it, inheritance indices valid, lookups consistent,
 * an error message always written on failure. */
#include "fuzz_conf_common.h"

const char *const vs_fuzz_corpus_dirs[] = {"fuzz-seeds/asterisk-conf", NULL};

static void run(const char *buf, size_t size, const vs_conf_limits *lim)
{
    char err[256];
    err[0] = '\0';
    vs_conf *c = NULL;
    vs_rc rc = vs_conf_asterisk_load_mem("fuzz.conf", buf, size, lim, &c, err, sizeof err);
    if (rc == VS_OK) {
        VS_FUZZ_CHECK(c != NULL);
        VS_FUZZ_CHECK(vs_conf_product_of(c) == VS_CONF_PRODUCT_ASTERISK);
        vs_fuzz_check_conf(c, "fuzz.conf", buf, size);
        vs_conf_free(c);
    } else {
        VS_FUZZ_CHECK(c == NULL);
        VS_FUZZ_CHECK(rc == VS_E_PARSE || rc == VS_E_LIMIT);
        VS_FUZZ_CHECK(err[0] != '\0' && strlen(err) < sizeof err);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = vs_fuzz_dup(data, size);
    run(buf, size, NULL);
    vs_conf_limits tight = {0};
    tight.max_line = 64;
    tight.max_entries = 32;
    run(buf, size, &tight);
    free(buf);
    return 0;
}
