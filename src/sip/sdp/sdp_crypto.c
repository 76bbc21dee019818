/* SDES a=crypto lines (RFC 4568) and the per-stream encryption verdict.
 *
 * Design: the product only needs to know whether a stream is protected, so the key itself is
 * never decoded into memory, copied, or exposed as a slice. The base64 text is validated in place
 * and only its decoded length is computed; vs_sdp_crypto carries the text length (key_len) and a
 * verdict (key_ok). Session parameters and the suite name are returned as slices because they are
 * not secret.
 *
 * Verdict order (first match wins): port 0, non-RTP profile, AVP/AVPF, SAVP family. See
 * docs/internals/sdp.md for the table. */
#include <string.h>

#include "sdp_internal.h"

typedef struct suite_info {
    const char *name;
    size_t key_salt_len; /* master key + master salt, bytes */
} suite_info;

/* RFC 4568 section 6.2, RFC 6188 (AES-192/256), RFC 7714 (AEAD GCM: 12-byte salt). Names are
 * compared exactly: the IANA tokens are upper case, and a peer's SRTP stack compares them the
 * same way, so a differently spelt suite would not be negotiated. */
static const suite_info suites[] = {
    {"AES_CM_128_HMAC_SHA1_80", 30},
    {"AES_CM_128_HMAC_SHA1_32", 30},
    {"AES_256_CM_HMAC_SHA1_80", 46},
    {"AES_256_CM_HMAC_SHA1_32", 46},
    {"AES_192_CM_HMAC_SHA1_80", 38},
    {"AES_192_CM_HMAC_SHA1_32", 38},
    {"F8_128_HMAC_SHA1_80", 30},
    {"AEAD_AES_128_GCM", 28},
    {"AEAD_AES_256_GCM", 44},
};

static const suite_info *find_suite(vs_slice name)
{
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) {
        size_t n = strlen(suites[i].name);
        if (name.len == n && memcmp(name.ptr, suites[i].name, n) == 0)
            return &suites[i];
    }
    return NULL;
}

static bool is_b64(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

/* Decoded length of base64 text, or false when it is not base64. Padding is optional (some
 * stacks omit it) but, when present, must complete a 4-character group. */
static bool b64_decoded_len(vs_slice s, size_t *out)
{
    size_t n = 0;
    while (n < s.len && is_b64(s.ptr[n]))
        n++;
    size_t pad = s.len - n;
    if (pad > 2)
        return false;
    for (size_t i = n; i < s.len; i++)
        if (s.ptr[i] != '=')
            return false;
    if (n % 4 == 1)
        return false; /* 6 bits cannot make a byte */
    if (pad && (n + pad) % 4 != 0)
        return false;
    *out = n / 4 * 3 + (n % 4 == 0 ? 0 : n % 4 - 1);
    return true;
}

/* One key-param: "inline:" key||salt ["|" lifetime] ["|" MKI ":" length]. Returns whether the key
 * text decodes to want bytes (want 0: unknown suite, never ok). *text_len gets the key length. */
static bool key_param_ok(vs_slice kp, size_t want, size_t *text_len)
{
    static const char method[] = "inline:";
    size_t ml = sizeof method - 1;
    *text_len = 0;
    if (kp.len < ml || memcmp(kp.ptr, method, ml) != 0)
        return false;
    vs_slice key = vs_slice_make(kp.ptr + ml, kp.len - ml);
    const char *bar = memchr(key.ptr, '|', key.len);
    if (bar)
        key.len = (size_t)(bar - key.ptr);
    *text_len = key.len;
    size_t dec = 0;
    return want && key.len && b64_decoded_len(key, &dec) && dec == want;
}

bool vs__sdp_crypto_parse(vs_slice value, vs_sdp_crypto *out)
{
    memset(out, 0, sizeof *out);
    vs_slice rest = value;
    vs_slice tag = vs__sdp_next_field(&rest);
    uint64_t t = 0;
    bool tag_ok = tag.len <= 9 && vs__sdp_parse_uint(tag, UINT32_MAX, &t);
    if (tag_ok)
        out->tag = (uint32_t)t;

    out->suite = vs__sdp_next_field(&rest);
    const suite_info *si = find_suite(out->suite);
    out->suite_known = si != NULL;

    /* Several key-params may follow, separated by ';' (RFC 4568 section 6.1). All must be good:
     * one bad key makes the line unusable for the peer. */
    vs_slice kps = vs__sdp_next_field(&rest);
    bool ok = kps.len > 0;
    bool first = true;
    while (kps.len) {
        const char *semi = memchr(kps.ptr, ';', kps.len);
        size_t n = semi ? (size_t)(semi - kps.ptr) : kps.len;
        size_t tl;
        if (!key_param_ok(vs_slice_make(kps.ptr, n), si ? si->key_salt_len : 0, &tl))
            ok = false;
        if (first)
            out->key_len = tl;
        first = false;
        if (!semi)
            break;
        kps.ptr += n + 1;
        kps.len -= n + 1;
        if (!kps.len)
            ok = false; /* trailing ';' promises a key that is not there */
    }
    out->key_ok = ok;
    out->session_params = vs_slice_trim(rest);
    return tag_ok && out->suite_known && out->key_ok;
}

void vs__sdp_verdict(vs_sdp_media *m, bool any_usable)
{
    bool has_fp = m->fingerprint_hash.len > 0;
    vs_sdp_crypto_reason r;
    switch (m->proto) {
    case VS_SDP_PROTO_RTP_AVP:
    case VS_SDP_PROTO_RTP_AVPF:
        r = m->crypto_total ? VS_SDP_CRYPTO_ON_AVP : VS_SDP_PLAIN_RTP;
        break;
    case VS_SDP_PROTO_RTP_SAVP:
    case VS_SDP_PROTO_RTP_SAVPF:
        /* SDES first: with both present, the keys in the SDP are what protects the media */
        if (any_usable)
            r = VS_SDP_SDES;
        else if (has_fp)
            r = VS_SDP_DTLS_SRTP;
        else if (m->crypto_total)
            r = VS_SDP_CRYPTO_INVALID;
        else
            r = VS_SDP_SAVP_NO_KEYS;
        break;
    case VS_SDP_PROTO_UDP_TLS_RTP_SAVP:
    case VS_SDP_PROTO_UDP_TLS_RTP_SAVPF:
        /* a=crypto has no meaning on the DTLS profiles (RFC 5763): only a fingerprint counts */
        r = has_fp ? VS_SDP_DTLS_SRTP : VS_SDP_SAVP_NO_KEYS;
        break;
    default:
        r = VS_SDP_NOT_RTP;
        break;
    }
    if (m->port == 0)
        r = VS_SDP_DISABLED;
    m->reason = r;
    m->encrypted = r == VS_SDP_SDES || r == VS_SDP_DTLS_SRTP;
}

const char *vs_sdp_reason_id(vs_sdp_crypto_reason r)
{
    switch (r) {
    case VS_SDP_PLAIN_RTP: return "plain-rtp";
    case VS_SDP_SDES: return "sdes";
    case VS_SDP_DTLS_SRTP: return "dtls-srtp";
    case VS_SDP_SAVP_NO_KEYS: return "savp-no-keys";
    case VS_SDP_CRYPTO_ON_AVP: return "crypto-on-avp";
    case VS_SDP_DISABLED: return "disabled";
    case VS_SDP_NOT_RTP: return "not-rtp";
    case VS_SDP_CRYPTO_INVALID: return "crypto-invalid";
    }
    return "unknown";
}

const char *vs_sdp_reason_text(vs_sdp_crypto_reason r)
{
    switch (r) {
    case VS_SDP_PLAIN_RTP: return "RTP/AVP(F) profile: media is sent in clear";
    case VS_SDP_SDES: return "SRTP keyed by a usable a=crypto line (SDES)";
    case VS_SDP_DTLS_SRTP: return "SRTP keyed by DTLS (a=fingerprint present)";
    case VS_SDP_SAVP_NO_KEYS: return "secure profile but no a=crypto or a=fingerprint to key it";
    case VS_SDP_CRYPTO_ON_AVP:
        return "a=crypto offered on RTP/AVP: best-effort SRTP that may fall back to clear";
    case VS_SDP_DISABLED: return "port 0: stream rejected or disabled";
    case VS_SDP_NOT_RTP: return "not an RTP profile";
    case VS_SDP_CRYPTO_INVALID: return "a=crypto present but unusable (unknown suite or bad key)";
    }
    return "unknown reason";
}

const char *vs_sdp_proto_name(vs_sdp_proto p)
{
    switch (p) {
    case VS_SDP_PROTO_OTHER: return "other";
    case VS_SDP_PROTO_RTP_AVP: return "RTP/AVP";
    case VS_SDP_PROTO_RTP_AVPF: return "RTP/AVPF";
    case VS_SDP_PROTO_RTP_SAVP: return "RTP/SAVP";
    case VS_SDP_PROTO_RTP_SAVPF: return "RTP/SAVPF";
    case VS_SDP_PROTO_UDP_TLS_RTP_SAVP: return "UDP/TLS/RTP/SAVP";
    case VS_SDP_PROTO_UDP_TLS_RTP_SAVPF: return "UDP/TLS/RTP/SAVPF";
    case VS_SDP_PROTO_UDPTL: return "udptl";
    case VS_SDP_PROTO_UDP: return "udp";
    case VS_SDP_PROTO_TCP: return "TCP";
    }
    return "other";
}
