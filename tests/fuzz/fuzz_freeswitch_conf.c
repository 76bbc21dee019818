/* libFuzzer target: the FreeSWITCH reader on one in-memory XML file
 * (vs_conf_freeswitch_load_mem): the X-PRE-PROCESS preprocessor with $${} expansion (include and
 * exec recorded, never followed or run), libxml2 on its output, the mapping onto conf.h and the
 * search of each value's raw position in the source. Checks the contracts of conf.h as the
 * Asterisk target does. */
#include "fuzz_conf_common.h"

const char *const vs_fuzz_corpus_dirs[] = {"fuzz-seeds/freeswitch-conf", NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = vs_fuzz_dup(data, size);
    char err[256];
    err[0] = '\0';
    vs_conf *c = NULL;
    vs_rc rc = vs_conf_freeswitch_load_mem("fuzz.xml", buf, size, NULL, &c, err, sizeof err);
    if (rc == VS_OK) {
        VS_FUZZ_CHECK(c != NULL);
        vs_fuzz_check_conf(c, "fuzz.xml", buf, size);
        vs_conf_free(c);
    } else {
        VS_FUZZ_CHECK(c == NULL);
        VS_FUZZ_CHECK(rc == VS_E_PARSE || rc == VS_E_LIMIT);
        VS_FUZZ_CHECK(err[0] != '\0');
    }
    free(buf);
    return 0;
}
