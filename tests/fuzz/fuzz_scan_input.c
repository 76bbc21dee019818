/* libFuzzer target: what the scanner reads from outside — a target as the user writes it
 * (vs__target_spec_check: the parser of vs_scan_targets_add without name resolution, so the
 * fuzzer never sends a DNS query) and an answer as a peer sends it (vs__answer_read, which copies
 * header values into the fixed-size fields of a host record).
 *
 * Besides memory safety it checks that an accepted address target names at least one address and
 * no more than a /16 unless allow_large, that every error comes with a message, and that every
 * text field of the record stays terminated. */
#include <voipsec/scan.h>

#include "fuzz_common.h"
#include "scan/discover_internal.h"

const char *const vs_fuzz_corpus_dirs[] = {"fuzz-seeds", NULL};

static void check_terminated(const char *field, size_t size)
{
    VS_FUZZ_CHECK(memchr(field, '\0', size) != NULL);
    vs_fuzz_touch_str(field);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the target: the input up to its first NUL or newline, as a C string */
    size_t n = 0;
    while (n < size && data[n] != '\0' && data[n] != '\n')
        n++;
    char *spec = malloc(n + 1);
    if (!spec)
        abort();
    memcpy(spec, data, n);
    spec[n] = '\0';
    for (int large = 0; large < 2; large++) {
        char err[256] = "";
        uint64_t count = 0;
        bool is_name = false;
        vs_rc rc = vs__target_spec_check(spec, large, &count, &is_name, err, sizeof err);
        if (rc == VS_OK) {
            VS_FUZZ_CHECK(is_name || count >= 1);
            VS_FUZZ_CHECK(large || is_name || count <= 65536);
        } else {
            VS_FUZZ_CHECK(err[0] != '\0');
        }
    }
    free(spec);

    /* the whole input as an answer, with and without a Call-ID to match */
    char *buf = vs_fuzz_dup(data, size);
    for (int want = 0; want < 2; want++) {
        vs_scan_result r;
        memset(&r, 0, sizeof r);
        if (vs__answer_read(buf, size, want ? "vs0.0.0.0" : NULL, &r)) {
            check_terminated(r.reason, sizeof r.reason);
            check_terminated(r.server, sizeof r.server);
            check_terminated(r.allow, sizeof r.allow);
            check_terminated(r.supported, sizeof r.supported);
            VS_FUZZ_CHECK(r.sip_status >= 100 && r.sip_status <= 999);
        }
    }
    free(buf);
    return 0;
}
