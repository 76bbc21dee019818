/* libFuzzer target for the SDP parser and the multipart body walk.
 *
 * Input layout: everything up to the first NUL or LF is the Content-Type value, the rest is the
 * message body; vs_sdp_find_in_body runs on that split and vs_sdp_parse on whatever it finds.
 * vs_sdp_parse also runs on the whole input, so plain SDP seeds (no Content-Type line: the first
 * line "v=0" becomes the content type and the body is the rest) still reach the parser fully.
 * Every returned slice is read byte by byte and checked to lie inside the input, so ASan reports
 * any slice that points outside it. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <voipsec/sdp.h>

static volatile unsigned char sink;

static void touch(const uint8_t *data, size_t size, vs_slice s)
{
    if (!s.len)
        return;
    const uint8_t *p = (const uint8_t *)s.ptr;
    if (p < data || s.len > size || p > data + size - s.len)
        __builtin_trap(); /* a slice outside the caller's buffer */
    unsigned char acc = 0;
    for (size_t i = 0; i < s.len; i++)
        acc ^= p[i];
    sink = acc;
}

static void check(const uint8_t *data, size_t size, const vs_sdp *sdp, vs_rc rc)
{
    if (rc != VS_OK && rc != VS_E_PARSE)
        __builtin_trap();
    if (rc == VS_E_PARSE && (!sdp->error || sdp->error_offset > size))
        __builtin_trap();
    if (sdp->media_count > VS_SDP_MAX_MEDIA || sdp->media_count > sdp->media_total)
        __builtin_trap();
    touch(data, size, sdp->origin_user);
    touch(data, size, sdp->origin_addr);
    touch(data, size, sdp->session_name);
    touch(data, size, sdp->conn_addr);
    touch(data, size, sdp->conn_addrtype);
    touch(data, size, sdp->fingerprint_hash);
    touch(data, size, sdp->setup);
    for (size_t i = 0; i < sdp->media_count; i++) {
        const vs_sdp_media *m = &sdp->media[i];
        touch(data, size, m->media);
        touch(data, size, m->proto_text);
        touch(data, size, m->formats);
        touch(data, size, m->conn_addr);
        touch(data, size, m->conn_addrtype);
        touch(data, size, m->fingerprint_hash);
        touch(data, size, m->setup);
        touch(data, size, m->direction);
        if (m->crypto_count > VS_SDP_MAX_CRYPTO || m->crypto_count > m->crypto_total)
            __builtin_trap();
        for (size_t k = 0; k < m->crypto_count; k++) {
            touch(data, size, m->crypto[k].suite);
            touch(data, size, m->crypto[k].session_params);
            if (m->crypto[k].key_len > size)
                __builtin_trap();
        }
        if (m->encrypted != (m->reason == VS_SDP_SDES || m->reason == VS_SDP_DTLS_SRTP))
            __builtin_trap();
        sink ^= (unsigned char)vs_sdp_reason_id(m->reason)[0];
        sink ^= (unsigned char)vs_sdp_reason_text(m->reason)[0];
        sink ^= (unsigned char)vs_sdp_proto_name(m->proto)[0];
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static vs_sdp sdp; /* ~13 KiB: kept off the stack */
    const char *text = (const char *)data;

    check(data, size, &sdp, vs_sdp_parse(text, size, &sdp));

    size_t cut = 0;
    while (cut < size && data[cut] != '\0' && data[cut] != '\n')
        cut++;
    vs_slice ct = vs_slice_make(text, cut);
    vs_slice body = cut < size ? vs_slice_make(text + cut + 1, size - cut - 1) : VS_SLICE_NULL;
    vs_slice found;
    vs_rc rc = vs_sdp_find_in_body(ct, body, &found);
    if (rc == VS_OK) {
        touch(data, size, found);
        if (found.len && (found.ptr < body.ptr || found.ptr + found.len > body.ptr + body.len))
            __builtin_trap();
        check(data, size, &sdp, vs_sdp_parse(found.ptr, found.len, &sdp));
    } else if (rc != VS_E_NOTFOUND && rc != VS_E_PARSE) {
        __builtin_trap();
    }
    return 0;
}
