/* libFuzzer target: the SDP parser (vs_sdp_parse) and the body walk (vs_sdp_find_in_body).
 *
 * Input layout: everything up to the first NUL or LF is the Content-Type value, the rest is the
 * message body; vs_sdp_find_in_body runs on that split and vs_sdp_parse on whatever it finds.
 * vs_sdp_parse also runs on the whole input, so plain SDP seeds (whose "v=0" line then plays the
 * Content-Type) still reach the parser whole.
 *
 * Besides memory safety it checks the contracts of sdp.h: every slice points into the input, the
 * error offset lies within it, counts respect the caps, and "encrypted" agrees with the reason. */
#include <voipsec/sdp.h>

#include "fuzz_common.h"

const char *const vs_fuzz_corpus_dirs[] = {"fuzz-seeds/pjsip-sdp", "fuzz-seeds/pjsip-sdes", NULL};

static void check(const char *buf, size_t len, const vs_sdp *sdp, vs_rc rc)
{
    VS_FUZZ_CHECK(rc == VS_OK || rc == VS_E_PARSE);
    if (rc == VS_E_PARSE)
        VS_FUZZ_CHECK(sdp->error != NULL && sdp->error_offset <= len);
    else
        VS_FUZZ_CHECK(sdp->error == NULL);
    VS_FUZZ_CHECK(sdp->media_count <= VS_SDP_MAX_MEDIA && sdp->media_count <= sdp->media_total);
    vs_fuzz_touch(buf, len, sdp->origin_user);
    vs_fuzz_touch(buf, len, sdp->origin_addr);
    vs_fuzz_touch(buf, len, sdp->session_name);
    vs_fuzz_touch(buf, len, sdp->conn_addr);
    vs_fuzz_touch(buf, len, sdp->conn_addrtype);
    vs_fuzz_touch(buf, len, sdp->fingerprint_hash);
    vs_fuzz_touch(buf, len, sdp->setup);
    for (size_t i = 0; i < sdp->media_count; i++) {
        const vs_sdp_media *m = &sdp->media[i];
        vs_fuzz_touch(buf, len, m->media);
        vs_fuzz_touch(buf, len, m->proto_text);
        vs_fuzz_touch(buf, len, m->formats);
        vs_fuzz_touch(buf, len, m->conn_addr);
        vs_fuzz_touch(buf, len, m->conn_addrtype);
        vs_fuzz_touch(buf, len, m->fingerprint_hash);
        vs_fuzz_touch(buf, len, m->setup);
        vs_fuzz_touch(buf, len, m->direction);
        VS_FUZZ_CHECK(m->port_count >= 1);
        VS_FUZZ_CHECK(m->crypto_count <= VS_SDP_MAX_CRYPTO && m->crypto_count <= m->crypto_total);
        for (size_t k = 0; k < m->crypto_count; k++) {
            vs_fuzz_touch(buf, len, m->crypto[k].suite);
            vs_fuzz_touch(buf, len, m->crypto[k].session_params);
            VS_FUZZ_CHECK(m->crypto[k].key_len <= len);
            VS_FUZZ_CHECK(!m->crypto[k].key_ok || m->crypto[k].suite_known);
        }
        VS_FUZZ_CHECK(m->encrypted == (m->reason == VS_SDP_SDES || m->reason == VS_SDP_DTLS_SRTP));
        VS_FUZZ_CHECK(m->port != 0 || m->reason == VS_SDP_DISABLED);
        vs_fuzz_touch_str(vs_sdp_reason_id(m->reason));
        vs_fuzz_touch_str(vs_sdp_reason_text(m->reason));
        vs_fuzz_touch_str(vs_sdp_proto_name(m->proto));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static vs_sdp sdp; /* about 13 KiB: kept off the stack */
    if (size == 0) {
        /* vs_fuzz_dup's 1-byte buffer would be unwritten: GCC warns when it reaches a const
         * char * parameter, so the empty input gets its own (trivial) path */
        check("", 0, &sdp, vs_sdp_parse("", 0, &sdp));
        vs_slice found;
        VS_FUZZ_CHECK(vs_sdp_find_in_body(VS_SLICE_NULL, VS_SLICE_NULL, &found) == VS_E_NOTFOUND);
        return 0;
    }
    char *buf = vs_fuzz_dup(data, size);

    check(buf, size, &sdp, vs_sdp_parse(buf, size, &sdp));

    size_t cut = 0;
    while (cut < size && buf[cut] != '\0' && buf[cut] != '\n')
        cut++;
    vs_slice ct = vs_slice_make(buf, cut);
    vs_slice body = cut < size ? vs_slice_make(buf + cut + 1, size - cut - 1) : VS_SLICE_NULL;
    vs_slice found = VS_SLICE_NULL;
    vs_rc rc = vs_sdp_find_in_body(ct, body, &found);
    VS_FUZZ_CHECK(rc == VS_OK || rc == VS_E_NOTFOUND || rc == VS_E_PARSE);
    if (rc == VS_OK) {
        if (body.len)
            vs_fuzz_touch(body.ptr, body.len, found);
        else
            VS_FUZZ_CHECK(found.len == 0);
        check(found.ptr, found.len, &sdp, vs_sdp_parse(found.ptr, found.len, &sdp));
    }
    free(buf);
    return 0;
}
